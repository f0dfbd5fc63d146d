//! Job offers: ingest by Hello Work, and browse and read by organisations
//! with `job_offers`, the employer's scope applied inside the query (R1 for
//! offers) and expired offers dropping out by date.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::dsl::exists;
use diesel::prelude::*;
use kyushoku_domain::profile::{EmploymentType, WageKind};
use kyushoku_domain::search::Criteria;
use kyushoku_domain::{
    ConsentScope, JobNumber, MunicipalityCode, OccupationCode, OccupationLevel, PrefectureCode,
};

use crate::keyword_index::{self, Indexed, KeywordPlan};
use crate::literal::Active;
use crate::plan::PlannedPerCall;
use crate::schema::{job_offers, offer_changes, organisations};
use crate::seekers::Viewer;
use crate::stored_time::{StoredDate, StoredTimestamp};
use crate::visibility::{offer_visible_to, scope_covers_sector};
use crate::{now, per_backend, Connection, DbConn, JobOfferId, StoreError};

/// An offer as stored: the columns the filters use, and the content.
#[derive(Debug, Clone)]
pub struct OfferUpsert {
    pub job_number: JobNumber,
    /// Who may see it (R1 for offers): the employer's disclosure scope.
    pub scope: ConsentScope,
    pub valid_through: NaiveDate,
    pub occupation: OccupationCode,
    pub employment_type: EmploymentType,
    pub prefecture: PrefectureCode,
    pub municipality: Option<MunicipalityCode>,
    pub wage_kind: WageKind,
    pub wage_min: i64,
    pub wage_max: Option<i64>,
    pub content: String,
    pub search_text: String,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = job_offers)]
pub struct OfferRow {
    pub id: JobOfferId,
    pub job_number: String,
    #[diesel(deserialize_as = StoredDate)]
    pub valid_through: NaiveDate,
    pub content: String,
    #[diesel(deserialize_as = StoredTimestamp)]
    pub updated_at: NaiveDateTime,
}

// The change feed (`offer_changes`) is written by the database: a trigger
// on `job_offers` records every insert and update, numbered in commit order
// (migration 000010). Nothing here writes to it.

/// Every column of an offer but its id and number, as an update sets them
/// and an insert writes them (`None` sets NULL).
#[derive(Insertable, AsChangeset)]
#[diesel(table_name = job_offers, treat_none_as_null = true)]
struct OfferColumns<'a> {
    scope: &'a str,
    status: &'a str,
    valid_through: NaiveDate,
    occupation: &'a str,
    occupation_major: &'a str,
    employment_type: &'a str,
    prefecture: &'a str,
    municipality: Option<&'a str>,
    wage_kind: &'a str,
    wage_min: i64,
    wage_max: Option<i64>,
    content: &'a str,
    search_text: &'a str,
    updated_at: NaiveDateTime,
}

/// A new offer's row.
#[derive(Insertable)]
#[diesel(table_name = job_offers)]
struct NewOffer<'a> {
    job_number: &'a str,
    #[diesel(embed)]
    columns: OfferColumns<'a>,
}

/// What `o` stores, live, as of `at`.
fn columns(o: &OfferUpsert, at: NaiveDateTime) -> OfferColumns<'_> {
    OfferColumns {
        scope: o.scope.as_str(),
        status: "active",
        valid_through: o.valid_through,
        occupation: o.occupation.as_str(),
        occupation_major: &o.occupation.as_str()[..2],
        employment_type: o.employment_type.as_str(),
        prefecture: o.prefecture.as_str(),
        municipality: o.municipality.as_ref().map(MunicipalityCode::as_str),
        wage_kind: o.wage_kind.as_str(),
        wage_min: o.wage_min,
        wage_max: o.wage_max,
        content: &o.content,
        search_text: &o.search_text,
        updated_at: at,
    }
}

/// Creates or replaces an offer; a deleted one comes back.
pub fn upsert(conn: &mut DbConn, o: &OfferUpsert) -> Result<bool, StoreError> {
    let job_number = o.job_number.as_str();
    conn.write_transaction(|c| {
        let at = now();
        let n = diesel::update(job_offers::table.filter(job_offers::job_number.eq(job_number)))
            .set(columns(o, at))
            .execute(c)?;
        if n == 1 {
            return Ok(false);
        }
        per_backend!(c, c => diesel::insert_into(job_offers::table)
            .values(NewOffer { job_number, columns: columns(o, at) })
            .execute(c))
        .map_err(|e| StoreError::conflict_on_unique(e, "job_number"))?;
        Ok(true)
    })
}

/// Offers per multi-row INSERT (15 values a row: SQLite takes at most
/// 32,766 in one statement).
const OFFERS_PER_INSERT: usize = 1000;

/// [`upsert`] for a group of a batch's lines at once: the existing offers
/// found in one query, the new ones inserted together, each existing one
/// replaced. True for each line that created its offer. The lines must name
/// distinct offers (`None` otherwise: the caller stores them one by one);
/// any failure fails the whole group.
pub fn upsert_group(
    conn: &mut DbConn,
    lines: &[&OfferUpsert],
) -> Result<Option<Vec<bool>>, StoreError> {
    let mut named = std::collections::HashSet::new();
    if !lines.iter().all(|o| named.insert(o.job_number.as_str())) {
        return Ok(None);
    }
    conn.write_transaction(|c| {
        let numbers: Vec<&str> = lines.iter().map(|o| o.job_number.as_str()).collect();
        let mut existing = std::collections::HashSet::new();
        for chunk in numbers.chunks(OFFERS_PER_INSERT) {
            let found: Vec<String> = job_offers::table
                .filter(job_offers::job_number.eq_any(chunk))
                .select(job_offers::job_number)
                .load(c)?;
            existing.extend(found);
        }
        let at = now();
        let mut created = Vec::with_capacity(lines.len());
        let mut fresh = Vec::new();
        for o in lines {
            let job_number = o.job_number.as_str();
            if existing.contains(job_number) {
                diesel::update(job_offers::table.filter(job_offers::job_number.eq(job_number)))
                    .set(columns(o, at))
                    .execute(c)?;
            } else {
                fresh.push(NewOffer {
                    job_number,
                    columns: columns(o, at),
                });
            }
            created.push(!existing.contains(job_number));
        }
        for chunk in fresh.chunks(OFFERS_PER_INSERT) {
            per_backend!(c, c => diesel::insert_into(job_offers::table).values(chunk).execute(c))
                .map_err(|e| StoreError::conflict_on_unique(e, "job_number"))?;
        }
        Ok(Some(created))
    })
}

/// Withdraws an offer. False when there is no such (live) offer.
pub fn delete(conn: &mut DbConn, job_number: &JobNumber) -> Result<bool, StoreError> {
    let job_number = job_number.as_str();
    let n = conn.write_transaction(|c| {
        diesel::update(
            job_offers::table
                .filter(job_offers::job_number.eq(job_number))
                .filter(job_offers::status.eq(Active)),
        )
        .set((
            job_offers::status.eq("deleted"),
            job_offers::updated_at.eq(now()),
        ))
        .execute(c)
        .map_err(StoreError::from)
    })?;
    Ok(n == 1)
}

/// Marks offers past `valid_through` as expired (the feed records each, so
/// mirrors drop them). Returns how many expired.
pub fn expire(conn: &mut DbConn, today: NaiveDate) -> Result<usize, StoreError> {
    conn.write_transaction(|c| {
        diesel::update(
            job_offers::table
                .filter(job_offers::status.eq(Active))
                .filter(job_offers::valid_through.lt(today)),
        )
        .set((
            job_offers::status.eq("expired"),
            job_offers::updated_at.eq(now()),
        ))
        .execute(c)
        .map_err(StoreError::from)
    })
}

/// One page of the offers `viewer` may see, newest first.
///
/// The keyword's index holds each offer's filter values too
/// ([`keyword_index::offer_keys`]): a keyword alone is planned as for
/// profiles ([`keyword_index::plan`]); a keyword with filters, or two
/// filters or more, is walked or found by the index together
/// ([`keyword_index::run_filtered`]); one filter alone walks its own index.
pub fn browse(
    conn: &mut DbConn,
    viewer: Viewer,
    f: &Criteria,
    after: Option<(NaiveDateTime, JobOfferId)>,
    limit: i64,
) -> Result<Vec<OfferRow>, StoreError> {
    let keys = keyword_index::offer_query_keys(f);
    let keyword = f.keyword.as_ref().map(|k| k.as_str());
    match (keyword, keys.len()) {
        (Some(k), 0) => {
            let plan = keyword_index::plan(conn, Indexed::JobOffers, k, limit)?;
            keyword_index::run(conn, Indexed::JobOffers, k, plan, |c, plan| {
                page(c, viewer, f, plan, after, limit)
            })
        }
        (None, 0 | 1) => Ok(page(conn, viewer, f, KeywordPlan::Walk, after, limit)?),
        _ => keyword_index::run_filtered(
            conn,
            Indexed::JobOffers,
            keyword,
            &keys,
            limit,
            |c, plan| page(c, viewer, f, plan, after, limit),
        ),
    }
}

/// [`browse`]'s page, by the order or by the keyword's index with the
/// filters' keys.
fn page(
    conn: &mut DbConn,
    viewer: Viewer,
    f: &Criteria,
    plan: KeywordPlan,
    after: Option<(NaiveDateTime, JobOfferId)>,
    limit: i64,
) -> QueryResult<Vec<OfferRow>> {
    let q = narrowed(conn, job_offers::table.into_boxed(), viewer, f, plan, after)
        .select(OfferRow::as_select())
        .order((job_offers::updated_at.desc(), job_offers::id.desc()))
        .limit(limit);
    PlannedPerCall(q).load(conn)
}

type MultiBackend = <DbConn as Connection>::Backend;

/// `q` narrowed to the offers `viewer` may see that match `f`, after
/// `after`; by [`KeywordPlan::Index`], the keyword's index holds the
/// keyword and the filters' keys too (the conditions beside it decide).
fn narrowed<'a, ST: 'a>(
    conn: &DbConn,
    mut q: job_offers::BoxedQuery<'a, MultiBackend, ST>,
    viewer: Viewer,
    f: &Criteria,
    plan: KeywordPlan,
    after: Option<(NaiveDateTime, JobOfferId)>,
) -> job_offers::BoxedQuery<'a, MultiBackend, ST> {
    q = q.filter(offer_visible_to(viewer.organisation_id, viewer.today));
    if plan == KeywordPlan::Index {
        q = q.filter(keyword_index::holds(
            conn,
            Indexed::JobOffers,
            f.keyword.as_ref().map(|k| k.as_str()),
            &keyword_index::offer_query_keys(f),
        ));
    }
    if let Some(k) = &f.keyword {
        let k = k.as_str();
        q = q.filter(
            job_offers::search_text
                .like(keyword_index::like_pattern(k))
                .escape('\\'),
        );
    }
    if let Some(code) = &f.occupation {
        let level = code.level();
        let code = code.as_str().to_owned();
        q = match level {
            OccupationLevel::Major => q.filter(job_offers::occupation_major.eq(code)),
            // As its index (job_offers_by_middle, migration 000020) is
            // written, so that both planners use it.
            OccupationLevel::Middle => q.filter(
                diesel::dsl::sql::<diesel::sql_types::Bool>(
                    "substr(\"job_offers\".\"occupation\", 1, 3) = ",
                )
                .bind::<diesel::sql_types::Text, _>(code),
            ),
            OccupationLevel::Minor => q.filter(job_offers::occupation.eq(code)),
        };
    }
    if let Some(p) = &f.prefecture {
        q = q.filter(job_offers::prefecture.eq(p.as_str().to_owned()));
    }
    if let Some(m) = &f.municipality {
        q = q.filter(job_offers::municipality.eq(m.as_str().to_owned()));
    }
    if let Some(e) = f.employment_type {
        q = q.filter(job_offers::employment_type.eq(e.as_str()));
    }
    if let Some(w) = f.wage {
        q = q.filter(job_offers::wage_kind.eq(w.kind.as_str())).filter(
            job_offers::wage_max.ge(w.yen).or(job_offers::wage_max
                .is_null()
                .and(job_offers::wage_min.ge(w.yen))),
        );
    }
    if let Some(t) = f.updated_since {
        q = q.filter(job_offers::updated_at.ge(t));
    }
    if let Some((t, id)) = after {
        q = q.filter(
            job_offers::updated_at
                .lt(t)
                .or(job_offers::updated_at.eq(t).and(job_offers::id.lt(id))),
        );
    }
    q
}

/// The offer, if `viewer` may see it; else nothing, as for no offer (R2).
pub fn read_visible(
    conn: &mut DbConn,
    viewer: Viewer,
    job_number: &JobNumber,
) -> Result<Option<OfferRow>, StoreError> {
    Ok(job_offers::table
        .filter(job_offers::job_number.eq(job_number.as_str()))
        .filter(offer_visible_to(viewer.organisation_id, viewer.today))
        .select(OfferRow::as_select())
        .get_result(conn)
        .optional()?)
}

/// One change as an organisation sees it: the offer now, and whether it
/// may see it now (else the change is a deletion for it).
#[derive(Debug, Clone, Queryable)]
pub struct ChangeRow {
    pub seq: i64,
    pub job_number: String,
    #[diesel(deserialize_as = StoredDate)]
    pub valid_through: NaiveDate,
    pub content: String,
    #[diesel(deserialize_as = StoredTimestamp)]
    pub updated_at: NaiveDateTime,
    pub visible: bool,
}

/// Changes after `since`, in order, with R1 for `viewer` evaluated in the
/// query on each offer's current state; only changes of offers that are in
/// `viewer`'s view now or were just before the change (a `delete` never
/// tells an organisation of an offer it could not see). Returns the page
/// and the number to resume from: the last change on a full page, else the
/// newest change there is (the changes skipped are of no concern to
/// `viewer`).
pub fn changes(
    conn: &mut DbConn,
    viewer: Viewer,
    since: i64,
    limit: i64,
) -> Result<(Vec<ChangeRow>, i64), StoreError> {
    // Numbers are handed out in commit order: every change up to `newest`
    // has committed when it is read.
    let newest = last_change(conn)?;
    let was_visible = exists(
        organisations::table
            .select(organisations::id)
            .filter(organisations::id.eq(viewer.organisation_id))
            .filter(scope_covers_sector(
                offer_changes::prior_scope.assume_not_null(),
            )),
    );
    let rows: Vec<ChangeRow> = offer_changes::table
        .inner_join(job_offers::table)
        .filter(offer_changes::seq.gt(since))
        .filter(offer_changes::seq.le(newest))
        .filter(offer_visible_to(viewer.organisation_id, viewer.today).or(was_visible))
        .order(offer_changes::seq.asc())
        .limit(limit)
        .select((
            offer_changes::seq,
            job_offers::job_number,
            job_offers::valid_through,
            job_offers::content,
            job_offers::updated_at,
            offer_visible_to(viewer.organisation_id, viewer.today),
        ))
        .load(conn)?;
    let resume = match rows.last() {
        Some(last) if rows.len() as i64 == limit => last.seq,
        _ => newest.max(since),
    };
    Ok((rows, resume))
}

/// Whether `viewer`'s change feed has an entry in `(since, until]`: the
/// same changes [`changes`] would give it (an offer in its view now, or
/// in it just before the change).
pub fn has_changes_for(
    conn: &mut DbConn,
    viewer: Viewer,
    since: i64,
    until: i64,
) -> Result<bool, StoreError> {
    let was_visible = exists(
        organisations::table
            .select(organisations::id)
            .filter(organisations::id.eq(viewer.organisation_id))
            .filter(scope_covers_sector(
                offer_changes::prior_scope.assume_not_null(),
            )),
    );
    Ok(diesel::select(exists(
        offer_changes::table
            .inner_join(job_offers::table)
            .filter(offer_changes::seq.gt(since))
            .filter(offer_changes::seq.le(until))
            .filter(offer_visible_to(viewer.organisation_id, viewer.today).or(was_visible))
            .select(offer_changes::seq),
    ))
    .get_result(conn)?)
}

/// The newest change number (0 when there is none): names a snapshot.
pub fn last_change(conn: &mut DbConn) -> Result<i64, StoreError> {
    Ok(offer_changes::table
        .select(diesel::dsl::max(offer_changes::seq))
        .get_result::<Option<i64>>(conn)?
        .unwrap_or(0))
}

/// Every offer `viewer` may see (optionally of one prefecture), in pages of
/// `page` rows by id, from one consistent snapshot: a single read
/// transaction, repeatable-read on PostgreSQL (SQLite's WAL gives a read
/// transaction its snapshot). `each` gets every page; returning false stops.
/// Walks the snapshot `passes` times (each pass sees the same rows: a
/// second pass can write what a first one measured), handing `each` the
/// pass number from 0 and a page; `each` answering false ends that pass.
pub fn export_pages(
    conn: &mut DbConn,
    viewer: Viewer,
    prefecture: Option<&PrefectureCode>,
    page: i64,
    passes: u8,
    mut each: impl FnMut(u8, Vec<OfferRow>) -> bool,
) -> Result<(), StoreError> {
    // Only reads: a deferred transaction, so on SQLite writers go on (WAL)
    // while the snapshot is walked.
    conn.transaction(|c| {
        if let DbConn::Postgresql(pg) = c {
            diesel::sql_query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                .execute(pg)?;
        }
        for pass in 0..passes {
            walk_snapshot(c, viewer, prefecture, page, |rows| each(pass, rows))?;
        }
        Ok(())
    })
}

fn walk_snapshot(
    c: &mut DbConn,
    viewer: Viewer,
    prefecture: Option<&PrefectureCode>,
    page: i64,
    mut each: impl FnMut(Vec<OfferRow>) -> bool,
) -> Result<(), StoreError> {
    let mut after = JobOfferId::from_row(0);
    loop {
        let mut q = job_offers::table
            .filter(offer_visible_to(viewer.organisation_id, viewer.today))
            .filter(job_offers::id.gt(after))
            .order(job_offers::id.asc())
            .limit(page)
            .select(OfferRow::as_select())
            .into_boxed();
        if let Some(p) = prefecture {
            q = q.filter(job_offers::prefecture.eq(p.as_str().to_owned()));
        }
        let rows: Vec<OfferRow> = q.load(c)?;
        let done = (rows.len() as i64) < page;
        if let Some(last) = rows.last() {
            after = last.id;
        }
        if (!rows.is_empty() && !each(rows)) || done {
            return Ok(());
        }
    }
}

#[cfg(test)]
mod tests {
    use chrono::Days;

    use super::{browse, read_visible, upsert, OfferUpsert};
    use crate::seekers::Viewer;
    use crate::testing::approved;
    use crate::{now, Db, PoolOptions};
    use kyushoku_domain::profile::{EmploymentType, WageKind};
    use kyushoku_domain::{ConsentScope, JobNumber, OccupationCode, PrefectureCode};

    /// R1 for offers inside the query: an approved organisation sees an
    /// offer open to its sector only while it is granted `job_offers`,
    /// whatever a caller upstream decided.
    fn only_organisations_granted_job_offers_see_offers(db: &Db) {
        db.migrate().unwrap();
        let today = now().date();
        let offer = OfferUpsert {
            job_number: JobNumber::parse("13010-00000001").unwrap(),
            scope: ConsentScope::Both,
            valid_through: today.checked_add_days(Days::new(30)).unwrap(),
            occupation: OccupationCode::parse("080-01").unwrap(),
            employment_type: EmploymentType::FullTime,
            prefecture: PrefectureCode::parse("13").unwrap(),
            municipality: None,
            wage_kind: WageKind::Monthly,
            wage_min: 200_000,
            wage_max: None,
            content: "{}".into(),
            search_text: "介護".into(),
        };
        db.run(|c| upsert(c, &offer)).unwrap();
        let granted = approved(db, 1, false, true);
        let profiles_only = approved(db, 2, true, false);
        let seen = |organisation_id| {
            let viewer = Viewer {
                organisation_id,
                today,
            };
            db.run(|c| {
                let page = browse(
                    c,
                    viewer,
                    &kyushoku_domain::search::Criteria::default(),
                    None,
                    10,
                )?;
                let one = read_visible(c, viewer, &offer.job_number)?;
                Ok((page.len(), one.is_some()))
            })
            .unwrap()
        };
        assert_eq!(seen(granted), (1, true));
        assert_eq!(seen(profiles_only), (0, false));
    }

    /// The index with the filters' keys (migration 000025) and the walk
    /// find the same offers, in the same order, for a keyword with filters
    /// of every kind, filters alone, and a keyword no offer holds.
    fn both_plans_find_the_same_offers(db: &Db) {
        use super::page;
        use crate::keyword_index::KeywordPlan;
        use kyushoku_domain::search::{Asked, Criteria};
        use kyushoku_domain::MunicipalityCode;
        db.migrate().unwrap();
        let today = now().date();
        for i in 0..60u32 {
            let offer = OfferUpsert {
                job_number: JobNumber::parse(&format!("13010-{:08}", i + 1)).unwrap(),
                scope: ConsentScope::Both,
                valid_through: today.checked_add_days(Days::new(30)).unwrap(),
                occupation: OccupationCode::parse(["080-01", "081-02", "061"][i as usize % 3])
                    .unwrap(),
                employment_type: [EmploymentType::FullTime, EmploymentType::Contract]
                    [i as usize % 2],
                prefecture: PrefectureCode::parse(["13", "27", "23", "01"][i as usize % 4])
                    .unwrap(),
                municipality: (i % 4 == 0).then(|| MunicipalityCode::parse("131041").unwrap()),
                wage_kind: [WageKind::Monthly, WageKind::Hourly][i as usize % 5 / 4],
                wage_min: if i % 5 == 4 { 1100 } else { 200_000 },
                wage_max: None,
                content: "{}".into(),
                search_text: format!(
                    "求人{i} {}",
                    ["介護職員", "研修あり", "データ入力"][i as usize % 3]
                ),
            };
            db.run(|c| upsert(c, &offer)).unwrap();
        }
        // R1 for offers on either plan: one only private agencies may see,
        // and one past its date, both matching the searches below.
        for (n, scope, days_ago) in [
            (61, ConsentScope::PrivateOnly, 0),
            (62, ConsentScope::Both, 1),
        ] {
            let offer = OfferUpsert {
                job_number: JobNumber::parse(&format!("13010-{n:08}")).unwrap(),
                scope,
                valid_through: today.checked_sub_days(Days::new(days_ago)).unwrap(),
                occupation: OccupationCode::parse("061").unwrap(),
                employment_type: EmploymentType::FullTime,
                prefecture: PrefectureCode::parse("13").unwrap(),
                municipality: None,
                wage_kind: WageKind::Monthly,
                wage_min: 200_000,
                wage_max: None,
                content: "{}".into(),
                search_text: "見せない求人 研修あり".into(),
            };
            db.run(|c| upsert(c, &offer)).unwrap();
        }
        let viewer = Viewer {
            organisation_id: approved(db, 1, false, true),
            today,
        };
        let asked: Vec<Criteria> = [
            Asked {
                q: Some("研"),
                prefecture: Some("27"),
                employment_type: Some("full_time"),
                ..Asked::default()
            },
            Asked {
                q: Some("介護"),
                occupation: Some("08"),
                ..Asked::default()
            },
            Asked {
                q: Some("求人1"),
                occupation: Some("081"),
                municipality: Some("131041"),
                ..Asked::default()
            },
            Asked {
                q: Some("データ入力"),
                wage_kind: Some("hourly"),
                wage_min: Some(1000),
                ..Asked::default()
            },
            Asked {
                q: Some("鬱"),
                prefecture: Some("13"),
                ..Asked::default()
            },
            Asked {
                prefecture: Some("23"),
                employment_type: Some("full_time"),
                occupation: Some("080-01"),
                ..Asked::default()
            },
            Asked {
                prefecture: Some("13"),
                occupation: Some("061"),
                ..Asked::default()
            },
            Asked {
                q: Some("見せない"),
                prefecture: Some("13"),
                occupation: Some("061"),
                ..Asked::default()
            },
            // Quotes, backslashes, braces and commas of PostgreSQL's array
            // literal, as a keyword.
            Asked {
                q: Some(r#""{見,せ\ない}""#),
                prefecture: Some("13"),
                ..Asked::default()
            },
        ]
        .iter()
        .map(|a| Criteria::parse(a).unwrap())
        .collect();
        for f in &asked {
            let numbers = |plan| {
                db.run(|c| Ok(page(c, viewer, f, plan, None, 100)?))
                    .unwrap()
                    .into_iter()
                    .map(|o| o.job_number)
                    .collect::<Vec<_>>()
            };
            let walked = numbers(KeywordPlan::Walk);
            assert_eq!(numbers(KeywordPlan::Index), walked, "{f:?}");
            let browsed: Vec<String> = db
                .run(|c| browse(c, viewer, f, None, 100))
                .unwrap()
                .into_iter()
                .map(|o| o.job_number)
                .collect();
            assert_eq!(browsed, walked, "{f:?}");
        }
        let found = |i: usize| {
            db.run(|c| Ok(page(c, viewer, &asked[i], KeywordPlan::Index, None, 100)?.len()))
                .unwrap()
        };
        // Osaka's offers are the odd ones, full-time ones the even ones.
        assert_eq!(found(0), 0, "no full-time offer in Osaka");
        assert_eq!(found(4), 0);
        assert!(found(5) > 0 && found(6) > 0);
        assert_eq!(found(7), 0, "R1: neither hidden offer, by the index");
        assert_eq!(found(8), 0);
    }

    #[test]
    fn both_plans_find_the_same_offers_on_sqlite() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("t.db").display());
        both_plans_find_the_same_offers(&Db::connect(&url, &PoolOptions::default()).unwrap());
    }

    #[test]
    fn both_plans_find_the_same_offers_on_postgresql() {
        crate::testing::on_fresh_postgres("offer_plans", both_plans_find_the_same_offers);
    }

    #[test]
    fn offers_need_the_job_offers_grant_on_sqlite() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("t.db").display());
        only_organisations_granted_job_offers_see_offers(
            &Db::connect(&url, &PoolOptions::default()).unwrap(),
        );
    }

    #[test]
    fn offers_need_the_job_offers_grant_on_postgresql() {
        crate::testing::on_fresh_postgres(
            "offers",
            only_organisations_granted_job_offers_see_offers,
        );
    }
}
