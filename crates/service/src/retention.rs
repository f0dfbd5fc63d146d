//! R7 in the background: what the sweeper does on every instance, now and
//! then (the work is idempotent). Registrations past `valid_until` expire,
//! and the data of those that ended before the retention period is purged
//! (profiles, derived rows, threads, messages and reports); offers past
//! their closing date expire (the change feed tells each organisation that
//! saw them); and the audit trail's monthly partitions exist ahead of time
//! (PostgreSQL).

use chrono::{NaiveDate, NaiveDateTime};
use kyushoku_store::seekers::{self, Sweep};
use kyushoku_store::{audit, offers, DbConn};

use crate::Refusal;

/// Months of audit partitions made ahead of the current one.
const PARTITIONS_AHEAD: u32 = 2;

/// One sweep on `today` (in Japan): purges what ended before
/// `purge_before`.
pub fn sweep(
    c: &mut DbConn,
    today: NaiveDate,
    purge_before: NaiveDateTime,
) -> Result<Sweep, Refusal> {
    audit::ensure_partitions(c, today, PARTITIONS_AHEAD)?;
    offers::expire(c, today)?;
    Ok(seekers::sweep(c, today, purge_before)?)
}
