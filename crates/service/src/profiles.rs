//! What an organisation may see of seekers (R1), and the record of what it
//! saw (R9): the profile search and the read of one profile. R1 itself is
//! applied inside the store's query (`kyushoku_store::seekers`), so a page
//! is always full and nothing of an invisible seeker leaks; a seeker the
//! caller may not see is [`Refusal::NotFound`], as one that never was (R2).

use chrono::NaiveDateTime;
use kyushoku_domain::anonymity::{filter_levels, Generalisation, ShownProfile, LEVELS};
use kyushoku_domain::calendar::{start_of_day, today_in_japan};
use kyushoku_domain::profile::Profile;
use kyushoku_domain::search::Criteria;
use kyushoku_domain::AuditAction;
use kyushoku_domain::Sector;
use kyushoku_store::seekers::{self, ShownAtMost, Viewer, VisibleProfileRow};
use kyushoku_store::{DbConn, SeekerId};

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

/// `rows` as `organisation` is shown them (R14), in their order: only
/// those shown at `coarsest` or finer (a profile shown coarser than a
/// filter asks does not answer it; a withheld one is shown at no level).
fn seen_by(
    c: &mut DbConn,
    sector: Option<Sector>,
    rows: Vec<VisibleProfileRow>,
    coarsest: usize,
) -> Result<Vec<SeenProfile>, Refusal> {
    let Some(sector) = sector else {
        return Ok(Vec::new());
    };
    let ids: Vec<SeekerId> = rows.iter().map(|r| r.id).collect();
    let (k, levels) = kyushoku_store::anonymity::shown_levels(c, sector, &ids)?;
    Ok(rows
        .into_iter()
        .filter_map(|row| {
            let level = *levels.get(&row.id)?;
            if level > coarsest {
                return None;
            }
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
///
/// R14: the store's query matches the values as given; a row is kept only
/// when the profile is shown at a level that shows every filtered value
/// ([`filter_levels::for_criteria`]), and the query is read on (in growing
/// steps) until the page is full or the rows run out, so a filter never
/// finds what the profile does not show and pages stay full.
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
    let wanted = page.limit as usize + 1;
    let coarsest = filter_levels::for_criteria(&criteria);
    let sector = kyushoku_store::anonymity::sector_of(c, viewer.organisation_id)?;
    // Filters finer than a prefecture (a municipality, an occupation's
    // middle or minor group, a qualification) ask what many profiles are
    // shown too coarse to answer: the query keeps only those shown finely
    // enough, and this loop still decides each.
    let shown = match sector {
        Some(sector) if coarsest <= filter_levels::municipality() => Some(ShownAtMost {
            sector,
            k: kyushoku_store::anonymity::k(c)?,
            level: coarsest,
        }),
        _ => None,
    };
    let mut rows: Vec<SeenProfile> = Vec::with_capacity(wanted);
    let mut after = page.after;
    // A quarter more than a page: a profile or two shown too coarse for
    // the filters should not cost a second read.
    let mut step = page.limit + 1 + (page.limit + 1) / 4 + 2;
    loop {
        let read = seekers::search(c, viewer, &criteria, shown, after, step)?;
        let exhausted = (read.len() as i64) < step;
        after = read.last().map(|r| (r.updated_at, r.id)).or(after);
        rows.extend(seen_by(c, sector, read, coarsest)?);
        if rows.len() >= wanted || exhausted {
            break;
        }
        step = (step * 2).min(1000);
    }
    rows.truncate(wanted);
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
    let sector = kyushoku_store::anonymity::sector_of(c, viewer.organisation_id)?;
    let row = seen_by(c, sector, vec![row], LEVELS - 1)?
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
