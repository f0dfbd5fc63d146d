//! R7 in the background: what the sweeper does on every instance, now and
//! then (the work is idempotent). Registrations past `valid_until` expire,
//! and the data of those that ended before the retention period is purged
//! (profiles, derived rows, threads, messages and reports); offers past
//! their closing date expire (the change feed tells each organisation that
//! saw them); and the audit trail's monthly partitions exist ahead of time
//! (PostgreSQL). Approvals whose period ended with no renewal pending
//! lapse (`crate::renewals::lapse`).

use chrono::{NaiveDate, NaiveDateTime};
use kyushoku_store::seekers::{self, Sweep};
use kyushoku_store::{audit, offers, DbConn, OrganisationId};

use crate::Refusal;

/// Months of audit partitions made ahead of the current one.
const PARTITIONS_AHEAD: u32 = 2;

/// What a sweep did: registrations expired and purged, and the
/// organisations whose approval lapsed (whose cached state is then
/// refreshed, R8).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Swept {
    pub expired: usize,
    pub purged: usize,
    pub lapsed: Vec<OrganisationId>,
}

/// One sweep on `today` (in Japan): purges what ended before
/// `purge_before`.
pub fn sweep(
    c: &mut DbConn,
    today: NaiveDate,
    purge_before: NaiveDateTime,
) -> Result<Swept, Refusal> {
    audit::ensure_partitions(c, today, PARTITIONS_AHEAD)?;
    offers::expire(c, today)?;
    let lapsed = crate::renewals::lapse(c, today)?;
    let Sweep { expired, purged } = seekers::sweep(c, today, purge_before)?;
    Ok(Swept {
        expired,
        purged,
        lapsed,
    })
}
