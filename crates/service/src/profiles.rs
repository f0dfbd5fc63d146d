//! What an organisation may see of seekers (R1), and the record of what it
//! saw (R9): the profile search and the read of one profile. R1 itself is
//! applied inside the store's query (`kyushoku_store::seekers`), so a page
//! is always full and nothing of an invisible seeker leaks; a seeker the
//! caller may not see is [`Refusal::NotFound`], as one that never was (R2).

use chrono::NaiveDateTime;
use kyushoku_domain::anonymity::{Generalisation, ShownProfile};
use kyushoku_domain::calendar::{start_of_day, today_in_japan};
use kyushoku_domain::profile::Profile;
use kyushoku_domain::search::Criteria;
use kyushoku_domain::AuditAction;
use kyushoku_domain::Sector;
use kyushoku_store::seekers::{self, Viewer, VisibleProfileRow};
use kyushoku_store::{DbConn, OrganisationId, SeekerId};

use crate::witness::Shown;
use crate::{Caller, Refusal};

/// One page of a search: after the last row of the page before
/// (`updated_at`, id), at most `limit` rows.
#[derive(Debug, Clone)]
pub struct Page<K> {
    pub after: Option<(NaiveDateTime, K)>,
    pub limit: i64,
}

/// A profile as one organisation sees it (R14): generalised as far as its
/// sector's counts say, with how far.
#[derive(Debug, Clone)]
pub struct SeenProfile {
    pub id: SeekerId,
    pub updated_at: NaiveDateTime,
    pub valid_until: chrono::NaiveDate,
    pub profile: ShownProfile,
    pub generalisation: Generalisation,
}

/// `rows` as `organisation` is shown them, in their order; a row whose
/// seeker is withheld (or whose level moved out of reach since the query)
/// is left out.
fn seen_by(
    c: &mut DbConn,
    organisation: OrganisationId,
    rows: Vec<VisibleProfileRow>,
) -> Result<Vec<SeenProfile>, Refusal> {
    let Some(sector) = kyushoku_store::anonymity::sector_of(c, organisation)? else {
        return Ok(Vec::new());
    };
    let ids: Vec<SeekerId> = rows.iter().map(|r| r.id).collect();
    let (k, levels) = kyushoku_store::anonymity::shown_levels(c, sector, &ids)?;
    Ok(rows
        .into_iter()
        .filter_map(|row| {
            let level = *levels.get(&row.id)?;
            let profile: Profile = serde_json::from_str(row.profile.as_deref()?).ok()?;
            let generalisation = Generalisation::at(level, k);
            Some(SeenProfile {
                id: row.id,
                updated_at: row.updated_at,
                valid_until: row.valid_until,
                profile: ShownProfile::of(&profile, generalisation.detail()),
                generalisation,
            })
        })
        .collect())
}

/// What organisations of `sector` are shown of one seeker (My Page's "my
/// profile as organisations see it"): `None` while they are not shown to
/// that sector at all (outside the consent, ended, or withheld).
pub fn as_sector_sees(
    c: &mut DbConn,
    seeker: SeekerId,
    profile: &Profile,
    sector: Sector,
) -> Result<Option<(ShownProfile, Generalisation)>, Refusal> {
    let (k, levels) = kyushoku_store::anonymity::shown_levels(c, sector, &[seeker])?;
    Ok(levels.get(&seeker).map(|level| {
        let g = Generalisation::at(*level, k);
        (ShownProfile::of(profile, g.detail()), g)
    }))
}

/// Whom a member's search or read is for: its organisation, today in Japan.
pub(crate) fn viewer_of(caller: &Caller) -> Result<Viewer, Refusal> {
    let member = caller.organisation.as_ref().ok_or(Refusal::Forbidden(
        "only an organisation's staff may do this",
    ))?;
    Ok(Viewer {
        organisation_id: member.id,
        today: today_in_japan(),
    })
}

/// The profiles the caller's organisation may see that match `criteria`,
/// newest first: up to `page.limit + 1` rows, the last of which (if there)
/// only tells that another page follows and is not recorded as shown.
/// `updated_since` counts from the start of its (UTC) day, the resolution
/// organisations are shown (R10).
pub fn search(
    c: &mut DbConn,
    caller: &Caller,
    criteria: &Criteria,
    page: Page<SeekerId>,
) -> Result<Shown<Vec<SeenProfile>>, Refusal> {
    let viewer = viewer_of(caller)?;
    let criteria = Criteria {
        updated_since: criteria.updated_since.map(start_of_day),
        ..criteria.clone()
    };
    let rows = seekers::search(c, viewer, &criteria, page.after, page.limit + 1)?;
    let mut rows = seen_by(c, viewer.organisation_id, rows)?;
    rows.truncate(page.limit as usize + 1);
    let shown: Vec<SeekerId> = rows
        .iter()
        .take(page.limit as usize)
        .map(|r| r.id)
        .collect();
    let mut event = caller.event(AuditAction::ProfileSearch);
    event.detail = Some(serde_json::json!({ "results": shown.len() }).to_string());
    Ok(Shown::new(rows, event, shown))
}

/// One profile, if the caller's organisation may see it (R1); else
/// [`Refusal::NotFound`], exactly as for no such seeker (R2).
pub fn read(
    c: &mut DbConn,
    caller: &Caller,
    seeker: SeekerId,
) -> Result<Shown<SeenProfile>, Refusal> {
    let viewer = viewer_of(caller)?;
    let row = seekers::read_visible(c, viewer, seeker)?.ok_or(Refusal::NotFound)?;
    let row = seen_by(c, viewer.organisation_id, vec![row])?
        .pop()
        .ok_or(Refusal::NotFound)?;
    Ok(Shown::new(
        row,
        caller.event(AuditAction::ProfileRead),
        vec![seeker],
    ))
}

/// [`read`] for the staff's profile page, which offers the first
/// guidance: the profile, and what is left of today's guidance (R13,
/// [`crate::messaging::guidance_left`]).
pub fn read_for_guidance(
    c: &mut DbConn,
    caller: &Caller,
    seeker: SeekerId,
    today: chrono::NaiveDate,
    daily_cap: i32,
) -> Result<Shown<(SeenProfile, i32)>, Refusal> {
    let shown = read(c, caller, seeker)?;
    let left = crate::messaging::guidance_left(c, caller, today, daily_cap)?;
    Ok(shown.map(|row| (row, left)))
}
