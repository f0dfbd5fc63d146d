//! What an organisation granted `job_offers` may see of Hello Work's
//! offers, and the record of what it saw (R9): browse and read. The
//! employer's scope is applied inside the store's query (R1 for offers);
//! an offer the caller may not see is [`Refusal::NotFound`] (R2).

use kyushoku_domain::calendar::today_in_japan;
use kyushoku_domain::search::Criteria;
use kyushoku_domain::{AuditAction, JobNumber, PrefectureCode};
use kyushoku_store::offers::{self, ChangeRow, OfferRow};
use kyushoku_store::seekers::Viewer;
use kyushoku_store::{audit, DbConn, JobOfferId};

use crate::profiles::{viewer_of, Page};
use crate::witness::Shown;
use crate::{Caller, Refusal};

/// The offers the caller's organisation may see that match `criteria`,
/// newest first: up to `page.limit + 1` rows, the last only telling that
/// another page follows. (`qualification` is a profile filter; offers
/// ignore it.)
pub fn browse(
    c: &mut DbConn,
    caller: &Caller,
    criteria: &Criteria,
    page: Page<JobOfferId>,
) -> Result<Shown<Vec<OfferRow>>, Refusal> {
    let viewer = viewer_of(caller)?;
    let rows = offers::browse(c, viewer, criteria, page.after, page.limit + 1)?;
    Ok(Shown::new(
        rows,
        caller.event(AuditAction::OfferSearch),
        Vec::new(),
    ))
}

/// An organisation that presents job offers to seekers, as the public
/// search by organisation ID (利用団体ID) shows it.
#[derive(Debug, Clone)]
pub struct Presenter {
    pub public_id: String,
    pub name: String,
}

/// 利用団体ID: anyone (a seeker an organisation pointed to its offers)
/// searches the offers that organisation may present, i.e. those it may
/// see itself (R1 for offers: its sector's scope). An ID that is not an
/// approved organisation with the job-offer service answers as one that
/// does not exist (R2). The search is recorded as the organisation's,
/// with an anonymous actor.
pub fn browse_presented_by(
    c: &mut DbConn,
    caller: &Caller,
    organisation_public_id: &str,
    criteria: &Criteria,
    page: Page<JobOfferId>,
) -> Result<Shown<(Presenter, Vec<OfferRow>)>, Refusal> {
    use kyushoku_domain::OrganisationStatus;
    if uuid::Uuid::parse_str(organisation_public_id).is_err() {
        return Err(Refusal::NotFound);
    }
    let org = kyushoku_store::organisations::find(c, organisation_public_id)?
        .filter(|o| o.status == OrganisationStatus::Approved && o.job_offers)
        .ok_or(Refusal::NotFound)?;
    let viewer = Viewer {
        organisation_id: org.id,
        today: today_in_japan(),
    };
    let rows = offers::browse(c, viewer, criteria, page.after, page.limit + 1)?;
    let mut event = caller.event(AuditAction::OfferSearch);
    event.organisation_id = Some(org.id);
    event.prefecture = Some(org.prefecture.clone());
    event.detail = Some(r#"{"via":"public_search_by_organisation_id"}"#.to_owned());
    let presenter = Presenter {
        public_id: org.public_id,
        name: org.name,
    };
    Ok(Shown::new((presenter, rows), event, Vec::new()))
}

/// One offer, if the caller's organisation may see it.
pub fn read(
    c: &mut DbConn,
    caller: &Caller,
    job_number: &JobNumber,
) -> Result<Shown<OfferRow>, Refusal> {
    let viewer = viewer_of(caller)?;
    let row = offers::read_visible(c, viewer, job_number)?.ok_or(Refusal::NotFound)?;
    let mut event = caller.event(AuditAction::OfferRead);
    event.target = Some(row.job_number.clone());
    Ok(Shown::new(row, event, Vec::new()))
}

/// The changes after `since` to the offers the caller's organisation may
/// see, in order, at most `limit`, with the number to ask again from (see
/// `kyushoku_store::offers::changes`); recorded (`offer_changes`), which
/// also tells the staff pages when the organisation last synced.
pub fn changes(
    c: &mut DbConn,
    caller: &Caller,
    since: i64,
    limit: i64,
) -> Result<Shown<(Vec<ChangeRow>, i64)>, Refusal> {
    if since < 0 {
        return Err(Refusal::invalid(
            "since",
            "0 or a next_since this service gave",
        ));
    }
    if !(1..=1000).contains(&limit) {
        return Err(Refusal::invalid("limit", "1 to 1,000"));
    }
    let viewer = viewer_of(caller)?;
    let (rows, next_since) = offers::changes(c, viewer, since, limit)?;
    let mut event = caller.event(AuditAction::OfferChanges);
    event.detail = Some(
        serde_json::json!({"since": since, "next_since": next_since, "changes": rows.len()})
            .to_string(),
    );
    Ok(Shown::new((rows, next_since), event, Vec::new()))
}

/// The caller's organisation's last read of its change feed (its
/// systems' last sync): when, and up to which change, from the trail.
#[derive(Debug, Clone)]
pub struct LastSync {
    pub at: chrono::NaiveDateTime,
    pub next_since: Option<i64>,
}

pub fn last_sync(c: &mut DbConn, caller: &Caller) -> Result<Option<LastSync>, Refusal> {
    let Some(member) = &caller.organisation else {
        return Err(Refusal::NotFound);
    };
    let filter = kyushoku_store::audit::AuditFilter {
        prefecture: member.prefecture.clone(),
        organisation_id: Some(member.id),
        seeker_id: None,
        action: Some(AuditAction::OfferChanges),
        from: None,
        to: None,
    };
    let newest = kyushoku_store::audit::query(c, &filter, None, 1)?;
    Ok(newest.into_iter().next().map(|e| LastSync {
        at: e.at,
        next_since: e
            .detail
            .as_deref()
            .and_then(|d| serde_json::from_str::<serde_json::Value>(d).ok())
            .and_then(|v| v["next_since"].as_i64()),
    }))
}

/// The newest change number: names the snapshot an export would give
/// (with the day, as offers expire by date).
pub fn snapshot_mark(c: &mut DbConn) -> Result<i64, Refusal> {
    Ok(offers::last_change(c)?)
}

/// A bulk download the trail already holds (R9): only [`begin_export`]
/// makes one, and [`export`] needs one.
#[derive(Debug, Clone, Copy)]
pub struct ExportRecorded {
    viewer: Viewer,
}

/// Records a bulk download by the caller's organisation in the trail, before
/// anything is sent: a download whose event cannot be written is refused
/// whole, never begun.
pub fn begin_export(c: &mut DbConn, caller: &Caller) -> Result<ExportRecorded, Refusal> {
    let viewer = viewer_of(caller)?;
    audit::record(c, &caller.event(AuditAction::OfferExport))?;
    Ok(ExportRecorded { viewer })
}

/// The recorded download of the offers the organisation may see (in
/// `prefecture` when given): `each` gets pass and page, `passes` times over
/// one snapshot (see `kyushoku_store::offers::export_pages`), and stops it
/// by answering false.
pub fn export(
    c: &mut DbConn,
    recorded: &ExportRecorded,
    prefecture: Option<&PrefectureCode>,
    page: i64,
    passes: u8,
    each: impl FnMut(u8, Vec<OfferRow>) -> bool,
) -> Result<(), Refusal> {
    Ok(offers::export_pages(
        c,
        recorded.viewer,
        prefecture,
        page,
        passes,
        each,
    )?)
}
