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
/// filter asks does not answer it; a withheld one is shown at no level),
/// and no more than `room` (the rows after those are not decoded).
fn seen_by(
    c: &mut DbConn,
    sector: Option<Sector>,
    rows: Vec<VisibleProfileRow>,
    coarsest: usize,
    room: usize,
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
        .take(room)
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
    let mut step = first_read(page.limit, coarsest);
    let mut read_so_far = 0;
    loop {
        let read = seekers::search(c, viewer, &criteria, shown, after, step)?;
        let exhausted = (read.len() as i64) < step;
        read_so_far += read.len();
        after = read.last().map(|r| (r.updated_at, r.id)).or(after);
        rows.extend(seen_by(c, sector, read, coarsest, wanted - rows.len())?);
        if rows.len() >= wanted || exhausted {
            break;
        }
        step = next_read(step, wanted, read_so_far, rows.len());
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

/// How many rows a search reads first: with no filter finer than the
/// coarsest level (`coarsest`), every row but a withheld one is kept, so a
/// page and two more; otherwise a quarter more than a page, so that a
/// profile or two shown too coarse for the filters costs no second read.
/// (Every row read costs its chain's lookups.)
fn first_read(limit: i64, coarsest: usize) -> i64 {
    if coarsest >= LEVELS - 1 {
        limit + 1 + 2
    } else {
        limit + 1 + (limit + 1) / 4 + 2
    }
}

/// How many rows a search reads next, when `kept` of the `read` so far
/// were shown finely enough and `wanted` are needed: as many as the share
/// kept so far says will fill the page, and a quarter more: every row read
/// costs its chain's lookups (on SQLite at 100,000 seekers,
/// `prefecture=01&limit=50` took 4.2 ms of CPU a request so, 5.9–7.0 ms
/// reading no fewer than the last read again). Twice the last read when
/// none was kept; never more than 1,000 at once.
fn next_read(last: i64, wanted: usize, read: usize, kept: usize) -> i64 {
    let more = if kept == 0 {
        last.saturating_mul(2)
    } else {
        let missing = wanted.saturating_sub(kept) as i64;
        let estimate = missing.saturating_mul(read as i64) / kept as i64;
        estimate + estimate / 4 + 2
    };
    more.clamp(1, 1000)
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
    let row = seen_by(c, sector, vec![row], LEVELS - 1, 1)?
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

#[cfg(test)]
mod tests {
    use kyushoku_domain::anonymity::{filter_levels, LEVELS};

    use super::{first_read, next_read};

    #[test]
    fn a_first_read_is_a_page_and_a_quarter_when_filters_ask_detail() {
        let prefecture = filter_levels::prefecture();
        assert_eq!(first_read(50, prefecture), 51 + 12 + 2);
        assert_eq!(first_read(1, prefecture), 2 + 2);
        // Nothing finer than the coarsest level asked: a page and two.
        assert_eq!(first_read(100, LEVELS - 1), 101 + 2);
    }

    #[test]
    fn a_next_read_is_sized_by_the_share_kept_so_far() {
        // 65 read, 35 kept, 51 wanted: 16 missing at 35 in 65 is 29 rows,
        // and a quarter more.
        assert_eq!(next_read(65, 51, 65, 35), 29 + 7 + 2);
        // Everything kept but one: the missing row and a little more.
        assert_eq!(next_read(65, 51, 65, 50), 1 + 2);
        // None kept: twice the last read, never past 1,000.
        assert_eq!(next_read(65, 51, 65, 0), 130);
        assert_eq!(next_read(800, 51, 1600, 0), 1000);
        // One kept in two thousand read: capped too.
        assert_eq!(next_read(1000, 101, 2000, 1), 1000);
    }
}
