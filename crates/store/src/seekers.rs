//! Job seekers: ingest, end of registration, consent ledger, blocks, and the
//! search and read that enforce R1 inside the query.
//!
//! R1 is [`crate::visibility::seeker_visible_to`], the whole visibility rule
//! in SQL. Every search and read goes through it, so pages stay full and
//! counts never leak.

use std::collections::BTreeSet;

use chrono::{NaiveDate, NaiveDateTime};
use diesel::dsl::{self, exists};
use diesel::expression::BoxableExpression;
use diesel::expression::SqlLiteral;
use diesel::prelude::*;
use diesel::sql_types::Bool;
use kyushoku_domain::anonymity::{K, LEVELS};
use kyushoku_domain::profile::{EmploymentType, WageKind};
use kyushoku_domain::search::Criteria;
use kyushoku_domain::{
    ConsentChannel, ConsentScope, MunicipalityCode, OccupationCode, OccupationLevel,
    PrefectureCode, RegistrationStatus, Sector,
};

use crate::keyword_index::{self, like_pattern, Holds, Indexed, KeywordPlan};
use crate::literal::Active;
use crate::messaging::OrganisationCard;
use crate::plan::PlannedPerCall;
use crate::schema::{
    blocks, consent_ledger, organisations, seeker_locations, seeker_municipalities,
    seeker_occupations, seeker_prefectures, seeker_qualifications, seekers,
};
use crate::stored_time::{StoredDate, StoredTimestamp};
use crate::visibility::seeker_visible_to;
use crate::{now, per_backend, DbConn, OrganisationId, SeekerId, StoreError};

type MultiBackend = <DbConn as diesel::Connection>::Backend;

/// What an upsert writes: the profile already validated, scrubbed and
/// serialised by the caller, and the columns derived from it.
#[derive(Debug, Clone)]
pub struct SeekerUpsert {
    pub seeker_ref: String,
    pub consent_scope: ConsentScope,
    pub valid_until: NaiveDate,
    pub profile_json: String,
    pub search_text: String,
    pub wage_kind: Option<WageKind>,
    pub wage_min: Option<i64>,
    pub employment_types: Vec<EmploymentType>,
    pub occupations: Vec<OccupationCode>,
    /// (prefecture, municipality)
    pub locations: Vec<(PrefectureCode, Option<MunicipalityCode>)>,
    pub qualifications: Vec<String>,
    /// The profile's classes for R14 (`kyushoku_domain::anonymity`).
    pub chain: kyushoku_domain::anonymity::Chain,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = seekers)]
pub struct SeekerRow {
    pub id: SeekerId,
    pub seeker_ref: String,
    #[diesel(deserialize_as = String)]
    pub consent_scope: ConsentScope,
    #[diesel(deserialize_as = String)]
    pub status: RegistrationStatus,
    #[diesel(deserialize_as = StoredDate)]
    pub valid_until: NaiveDate,
    pub receive_guidance: bool,
    pub profile: Option<String>,
    #[diesel(deserialize_as = StoredTimestamp)]
    pub updated_at: NaiveDateTime,
}

/// What an organisation is shown of a seeker it may see (R1): the stored
/// profile and its dates, under the internal id the API turns into the
/// organisation's pseudonym (R10). Nothing else of the row is read: not
/// Hello Work's reference for the seeker, nor the seeker's choices (scope,
/// guidance), which no organisation is shown.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = seekers)]
pub struct VisibleProfileRow {
    pub id: SeekerId,
    #[diesel(deserialize_as = StoredDate)]
    pub valid_until: NaiveDate,
    pub profile: Option<String>,
    #[diesel(deserialize_as = StoredTimestamp)]
    pub updated_at: NaiveDateTime,
}

/// `created` or `updated`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Upserted {
    Created(SeekerId),
    Updated(SeekerId),
}

#[derive(Insertable)]
#[diesel(table_name = seekers)]
struct NewSeeker<'a> {
    seeker_ref: &'a str,
    consent_scope: &'a str,
    status: &'a str,
    valid_until: NaiveDate,
    profile: Option<&'a str>,
    search_text: &'a str,
    wage_kind: Option<&'a str>,
    wage_min: Option<i64>,
    filter_keys: String,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
}

/// The row of a new seeker.
fn new_row(s: &SeekerUpsert, status: RegistrationStatus, at: NaiveDateTime) -> NewSeeker<'_> {
    NewSeeker {
        seeker_ref: &s.seeker_ref,
        consent_scope: s.consent_scope.as_str(),
        status: status.as_str(),
        valid_until: s.valid_until,
        profile: Some(&s.profile_json),
        search_text: &s.search_text,
        wage_kind: s.wage_kind.map(WageKind::as_str),
        wage_min: s.wage_min,
        filter_keys: filter_keys_of(s),
        created_at: at,
        updated_at: at,
    }
}

/// The keys of `s`'s filter values in the keyword index, from the values
/// its filter rows are written from ([`write_children`]).
fn filter_keys_of(s: &SeekerUpsert) -> String {
    keyword_index::seeker_keys(
        &s.occupations,
        &s.locations,
        &s.qualifications,
        &s.employment_types,
    )
}

/// An existing seeker's row replaced by what `s` says: a registration that
/// had ended starts again.
fn replace_row(
    c: &mut DbConn,
    id: SeekerId,
    s: &SeekerUpsert,
    status: RegistrationStatus,
    at: NaiveDateTime,
) -> Result<(), StoreError> {
    diesel::update(seekers::table.find(id))
        .set((
            seekers::consent_scope.eq(s.consent_scope.as_str()),
            seekers::status.eq(status.as_str()),
            seekers::valid_until.eq(s.valid_until),
            seekers::profile.eq(Some(&s.profile_json)),
            seekers::search_text.eq(&s.search_text),
            seekers::wage_kind.eq(s.wage_kind.map(WageKind::as_str)),
            seekers::wage_min.eq(s.wage_min),
            seekers::filter_keys.eq(filter_keys_of(s)),
            seekers::updated_at.eq(at),
            seekers::ended_at.eq(None::<NaiveDateTime>),
            seekers::purged_at.eq(None::<NaiveDateTime>),
        ))
        .execute(c)?;
    Ok(())
}

fn record_consent(
    conn: &mut DbConn,
    seeker_id: SeekerId,
    channel: ConsentChannel,
    old_scope: Option<&str>,
    new_scope: ConsentScope,
) -> Result<(), StoreError> {
    record_consents(conn, &[(seeker_id, old_scope, new_scope)], channel)
}

/// The ledger entries of many seekers' changed scopes, in few statements:
/// `(seeker, old scope, new scope)`.
fn record_consents(
    conn: &mut DbConn,
    entries: &[(SeekerId, Option<&str>, ConsentScope)],
    channel: ConsentChannel,
) -> Result<(), StoreError> {
    let at = now();
    let rows: Vec<_> = entries
        .iter()
        .map(|(seeker_id, old_scope, new_scope)| {
            (
                consent_ledger::seeker_id.eq(*seeker_id),
                consent_ledger::at.eq(at),
                consent_ledger::channel.eq(channel.as_str()),
                consent_ledger::old_scope.eq(*old_scope),
                consent_ledger::new_scope.eq(new_scope.as_str()),
            )
        })
        .collect();
    for chunk in rows.chunks(ROWS_PER_INSERT) {
        per_backend!(conn, c => diesel::insert_into(consent_ledger::table).values(chunk).execute(c))?;
    }
    Ok(())
}

/// Rows per multi-row INSERT (each bound value is a parameter: SQLite
/// takes at most 32,766 in one statement, PostgreSQL 65,535).
const ROWS_PER_INSERT: usize = 1000;

/// Removes the rows search filters on of existing seekers about to be
/// written again. Called before their `seekers` row changes: on PostgreSQL
/// a new `updated_at` moves the order rows along (migration 000009's
/// trigger), which would rewrite every row about to be removed.
fn drop_children(conn: &mut DbConn, ids: &[SeekerId]) -> Result<(), StoreError> {
    for chunk in ids.chunks(ROWS_PER_INSERT) {
        diesel::delete(
            seeker_occupations::table.filter(seeker_occupations::seeker_id.eq_any(chunk)),
        )
        .execute(conn)?;
        diesel::delete(seeker_locations::table.filter(seeker_locations::seeker_id.eq_any(chunk)))
            .execute(conn)?;
        diesel::delete(
            seeker_prefectures::table.filter(seeker_prefectures::seeker_id.eq_any(chunk)),
        )
        .execute(conn)?;
        diesel::delete(
            seeker_municipalities::table.filter(seeker_municipalities::seeker_id.eq_any(chunk)),
        )
        .execute(conn)?;
        diesel::delete(
            seeker_qualifications::table.filter(seeker_qualifications::seeker_id.eq_any(chunk)),
        )
        .execute(conn)?;
    }
    Ok(())
}

/// The rows search filters on, for seekers that have none (new ones, or
/// ones [`drop_children`] emptied); `at` is the seeker's `updated_at`,
/// which the order rows carry (migration 000009). One statement per table:
/// a national sync writes millions of these.
fn write_children(
    conn: &mut DbConn,
    lines: &[(SeekerId, &SeekerUpsert)],
    at: NaiveDateTime,
) -> Result<(), StoreError> {
    let mut occupations = Vec::new();
    let mut locations = Vec::new();
    let mut prefectures = Vec::new();
    let mut municipalities = Vec::new();
    let mut qualifications = Vec::new();
    for (id, s) in lines {
        let id = *id;
        for code in s.occupations.iter().collect::<BTreeSet<_>>() {
            occupations.push((
                seeker_occupations::seeker_id.eq(id),
                seeker_occupations::code.eq(code.as_str()),
                seeker_occupations::updated_at.eq(at),
            ));
        }
        for (pref, muni) in &s.locations {
            locations.push((
                seeker_locations::seeker_id.eq(id),
                seeker_locations::prefecture.eq(pref.as_str()),
                seeker_locations::municipality.eq(muni.as_ref().map(MunicipalityCode::as_str)),
            ));
        }
        for pref in s.locations.iter().map(|(p, _)| p).collect::<BTreeSet<_>>() {
            prefectures.push((
                seeker_prefectures::seeker_id.eq(id),
                seeker_prefectures::prefecture.eq(pref.as_str()),
                seeker_prefectures::updated_at.eq(at),
            ));
        }
        for muni in s
            .locations
            .iter()
            .filter_map(|(_, m)| m.as_ref())
            .collect::<BTreeSet<_>>()
        {
            municipalities.push((
                seeker_municipalities::seeker_id.eq(id),
                seeker_municipalities::municipality.eq(muni.as_str()),
                seeker_municipalities::updated_at.eq(at),
            ));
        }
        for q in s.qualifications.iter().collect::<BTreeSet<_>>() {
            qualifications.push((
                seeker_qualifications::seeker_id.eq(id),
                seeker_qualifications::value.eq(q),
                seeker_qualifications::updated_at.eq(at),
            ));
        }
    }
    for chunk in occupations.chunks(ROWS_PER_INSERT) {
        per_backend!(conn, c => diesel::insert_into(seeker_occupations::table).values(chunk).execute(c))?;
    }
    for chunk in locations.chunks(ROWS_PER_INSERT) {
        per_backend!(conn, c => diesel::insert_into(seeker_locations::table).values(chunk).execute(c))?;
    }
    for chunk in prefectures.chunks(ROWS_PER_INSERT) {
        per_backend!(conn, c => diesel::insert_into(seeker_prefectures::table).values(chunk).execute(c))?;
    }
    for chunk in municipalities.chunks(ROWS_PER_INSERT) {
        per_backend!(conn, c => diesel::insert_into(seeker_municipalities::table).values(chunk).execute(c))?;
    }
    for chunk in qualifications.chunks(ROWS_PER_INSERT) {
        per_backend!(conn, c => diesel::insert_into(seeker_qualifications::table).values(chunk).execute(c))?;
    }
    Ok(())
}

/// A seeker as [`locked_by_ref`] reads it on PostgreSQL.
#[derive(QueryableByName)]
struct Named {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    id: SeekerId,
    #[diesel(sql_type = diesel::sql_types::Text)]
    seeker_ref: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    consent_scope: String,
}

/// The seekers named by `refs` that exist (id, reference, scope), their
/// rows locked for the rest of the transaction on PostgreSQL (SQLite has
/// one writer). Every write of a seeker locks its row before it touches
/// the rows derived from it (filters, order rows, R14's classes): two
/// writes of one seeker then queue on that row rather than both deleting
/// its old filter rows and inserting new ones, and R14's lock, taken last
/// (`anonymity::lock`), never waits behind a row.
fn locked_by_ref(
    c: &mut DbConn,
    refs: &[&str],
) -> Result<Vec<(SeekerId, String, String)>, StoreError> {
    let mut found = Vec::new();
    for chunk in refs.chunks(ROWS_PER_INSERT) {
        // No ORDER BY: the references' unique index gives their order
        // (the same for every writer), where ordering by id would have the
        // planner walk the primary key through the whole table. Not kept
        // prepared on PostgreSQL (a text of its own): planned each time for its values,
        // as a plan kept from a first group into an empty table scanned
        // the whole table for every group after (a load fell to 900 a
        // second); SQLite plans each statement as it prepares it.
        let rows: Vec<(SeekerId, String, String)> = match c {
            DbConn::Postgresql(pg) => diesel::sql_query(
                "SELECT id, seeker_ref, consent_scope FROM seekers \
                 WHERE seeker_ref = ANY($1) FOR UPDATE",
            )
            .bind::<diesel::sql_types::Array<diesel::sql_types::Text>, _>(chunk)
            .load::<Named>(pg)?
            .into_iter()
            .map(|n| (n.id, n.seeker_ref, n.consent_scope))
            .collect(),
            DbConn::Sqlite(lite) => seekers::table
                .filter(seekers::seeker_ref.eq_any(chunk))
                .select((seekers::id, seekers::seeker_ref, seekers::consent_scope))
                .load(lite)?,
        };
        found.extend(rows);
    }
    Ok(found)
}

/// Creates or replaces a seeker, in one transaction with its ledger entry.
/// A registration that had ended starts again. `today` decides whether a
/// past `valid_until` makes it expired at once.
pub fn upsert(
    conn: &mut DbConn,
    s: &SeekerUpsert,
    channel: ConsentChannel,
    today: NaiveDate,
) -> Result<Upserted, StoreError> {
    conn.write_transaction(|c| {
        let done = upsert_in_batch(c, s, channel, today)?;
        crate::anonymity::settle_pending(c)?;
        Ok(done)
    })
}

/// [`upsert`] for one line of a batch: R14's counts are only noted, and
/// the caller settles them for the whole batch
/// (`anonymity::settle_pending`) before its transaction commits.
pub fn upsert_in_batch(
    conn: &mut DbConn,
    s: &SeekerUpsert,
    channel: ConsentChannel,
    today: NaiveDate,
) -> Result<Upserted, StoreError> {
    let status = if s.valid_until >= today {
        RegistrationStatus::Active
    } else {
        RegistrationStatus::Expired
    };
    match upsert_once(conn, s, channel, status) {
        // Another writer created the same seeker between this one's look
        // and its insert (PostgreSQL; SQLite's write lock rules it out):
        // now it exists, and this write is an update of it.
        Err(StoreError::Conflict("seeker_ref")) => upsert_once(conn, s, channel, status),
        other => other,
    }
}

fn upsert_once(
    conn: &mut DbConn,
    s: &SeekerUpsert,
    channel: ConsentChannel,
    status: RegistrationStatus,
) -> Result<Upserted, StoreError> {
    conn.write_transaction(|c| {
        let existing = locked_by_ref(c, &[s.seeker_ref.as_str()])?
            .pop()
            .map(|(id, _, scope)| (id, scope));
        let at = now();
        let result = match existing {
            Some((id, old_scope)) => {
                drop_children(c, &[id])?;
                replace_row(c, id, s, status, at)?;
                if old_scope != s.consent_scope.as_str() {
                    record_consent(c, id, channel, Some(&old_scope), s.consent_scope)?;
                }
                Upserted::Updated(id)
            }
            None => {
                let row = new_row(s, status, at);
                let id = per_backend!(c, c => diesel::insert_into(seekers::table)
                    .values(&row)
                    .returning(seekers::id)
                    .get_result::<SeekerId>(c))
                .map_err(|e| StoreError::conflict_on_unique(e, "seeker_ref"))?;
                record_consent(c, id, channel, None, s.consent_scope)?;
                Upserted::Created(id)
            }
        };
        let id = match result {
            Upserted::Created(id) | Upserted::Updated(id) => id,
        };
        write_children(c, &[(id, s)], at)?;
        crate::anonymity::defer(
            c,
            id,
            s.chain,
            crate::anonymity::counted_sectors(s.consent_scope, status),
        )?;
        Ok(result)
    })
}

/// [`upsert_in_batch`] for a whole group of a batch's lines at once, in a
/// few statements per table rather than a score per line: the existing
/// seekers read in one query, the new ones inserted together, each
/// existing one updated, the ledger, the search rows and R14's counts
/// written for all. The lines must name distinct seekers (`None`
/// otherwise: the caller stores them one by one). Any failure fails the
/// whole group; the caller then stores its lines one by one, each refused
/// for its own sake alone.
pub fn upsert_group(
    conn: &mut DbConn,
    lines: &[&SeekerUpsert],
    channel: ConsentChannel,
    today: NaiveDate,
) -> Result<Option<Vec<Upserted>>, StoreError> {
    let mut named = std::collections::HashSet::new();
    if !lines.iter().all(|s| named.insert(s.seeker_ref.as_str())) {
        return Ok(None);
    }
    let status_of = |s: &SeekerUpsert| {
        if s.valid_until >= today {
            RegistrationStatus::Active
        } else {
            RegistrationStatus::Expired
        }
    };
    conn.write_transaction(|c| {
        let refs: Vec<&str> = lines.iter().map(|s| s.seeker_ref.as_str()).collect();
        let existing: std::collections::HashMap<String, (SeekerId, String)> =
            locked_by_ref(c, &refs)?
                .into_iter()
                .map(|(id, seeker_ref, scope)| (seeker_ref, (id, scope)))
                .collect();
        let at = now();
        let statuses: Vec<RegistrationStatus> = lines.iter().map(|s| status_of(s)).collect();
        let new_rows: Vec<NewSeeker<'_>> = lines
            .iter()
            .zip(&statuses)
            .filter(|(s, _)| !existing.contains_key(&s.seeker_ref))
            .map(|(s, status)| new_row(s, *status, at))
            .collect();
        let mut created = std::collections::HashMap::new();
        for chunk in new_rows.chunks(NEW_SEEKERS_PER_INSERT) {
            let ids: Vec<(SeekerId, String)> =
                per_backend!(c, c => diesel::insert_into(seekers::table)
                .values(chunk)
                .returning((seekers::id, seekers::seeker_ref))
                .get_results(c))
                .map_err(|e| StoreError::conflict_on_unique(e, "seeker_ref"))?;
            created.extend(ids.into_iter().map(|(id, r)| (r, id)));
        }
        let replaced: Vec<SeekerId> = existing.values().map(|(id, _)| *id).collect();
        drop_children(c, &replaced)?;
        let mut done = Vec::with_capacity(lines.len());
        let mut ledger = Vec::new();
        for (s, status) in lines.iter().zip(&statuses) {
            match existing.get(&s.seeker_ref) {
                Some((id, old_scope)) => {
                    replace_row(c, *id, s, *status, at)?;
                    if old_scope != s.consent_scope.as_str() {
                        ledger.push((*id, Some(old_scope.as_str()), s.consent_scope));
                    }
                    done.push(Upserted::Updated(*id));
                }
                None => {
                    let id = *created.get(&s.seeker_ref).ok_or_else(|| {
                        StoreError::ReferenceData(
                            "an inserted seeker came back without its id".into(),
                        )
                    })?;
                    ledger.push((id, None, s.consent_scope));
                    done.push(Upserted::Created(id));
                }
            }
        }
        record_consents(c, &ledger, channel)?;
        let written: Vec<(SeekerId, &SeekerUpsert)> = done
            .iter()
            .zip(lines)
            .map(|(u, s)| match u {
                Upserted::Created(id) | Upserted::Updated(id) => (*id, *s),
            })
            .collect();
        write_children(c, &written, at)?;
        // The group is one unit (a failure fails it whole), so R14's counts
        // move at once, without notes to settle.
        let counts: Vec<_> = written
            .iter()
            .zip(&statuses)
            .map(|((id, s), status)| {
                (
                    *id,
                    crate::anonymity::Counted {
                        chain: Some(s.chain),
                        sectors: crate::anonymity::counted_sectors(s.consent_scope, *status),
                    },
                )
            })
            .collect();
        crate::anonymity::recount_many(c, &counts)?;
        Ok(Some(done))
    })
}

/// New seekers per INSERT (eleven values each).
const NEW_SEEKERS_PER_INSERT: usize = 200;

/// Ends a registration (`placed`, `expired`, `withdrawn`: any status but
/// `active`): it disappears from every search and read at once. False when
/// there is no such seeker.
pub fn end_registration(
    conn: &mut DbConn,
    seeker_ref: &str,
    reason: RegistrationStatus,
) -> Result<bool, StoreError> {
    conn.write_transaction(|c| {
        let Some(id) = seekers::table
            .filter(seekers::seeker_ref.eq(seeker_ref))
            .select(seekers::id)
            .get_result::<SeekerId>(c)
            .optional()?
        else {
            return Ok(false);
        };
        let at = now();
        diesel::update(seekers::table.find(id))
            .set((
                seekers::status.eq(reason.as_str()),
                seekers::ended_at.eq(Some(at)),
                seekers::updated_at.eq(at),
            ))
            .execute(c)?;
        crate::anonymity::recount_sectors(c, id, 0)?;
        Ok(true)
    })
}

pub fn find_by_ref(conn: &mut DbConn, seeker_ref: &str) -> Result<Option<SeekerRow>, StoreError> {
    Ok(seekers::table
        .filter(seekers::seeker_ref.eq(seeker_ref))
        .select(SeekerRow::as_select())
        .get_result(conn)
        .optional()?)
}

/// Changes the scope from My Page or Hello Work, with its ledger entry.
/// Returns the old scope, or `None` when there is no such seeker.
pub fn change_scope(
    conn: &mut DbConn,
    seeker_id: SeekerId,
    scope: ConsentScope,
    channel: ConsentChannel,
) -> Result<Option<ConsentScope>, StoreError> {
    conn.write_transaction(|c| {
        let q = seekers::table
            .find(seeker_id)
            .select(seekers::consent_scope);
        // Locked first, as in every write of a seeker (`locked_by_ref`).
        let old: Option<String> = match c {
            DbConn::Postgresql(pg) => q.for_update().get_result(pg).optional()?,
            DbConn::Sqlite(lite) => q.get_result(lite).optional()?,
        };
        let Some(old) = old else {
            return Ok(None);
        };
        let old =
            ConsentScope::try_from(old).map_err(|e| StoreError::ReferenceData(e.to_string()))?;
        if old != scope {
            diesel::update(seekers::table.find(seeker_id))
                .set(seekers::consent_scope.eq(scope.as_str()))
                .execute(c)?;
            let status: String = seekers::table
                .find(seeker_id)
                .select(seekers::status)
                .get_result(c)?;
            record_consent(c, seeker_id, channel, Some(old.as_str()), scope)?;
            let status = RegistrationStatus::parse(&status).unwrap_or(RegistrationStatus::Expired);
            crate::anonymity::recount_sectors(
                c,
                seeker_id,
                crate::anonymity::counted_sectors(scope, status),
            )?;
        }
        Ok(Some(old))
    })
}

/// One consent change.
#[derive(Debug, Clone, Queryable)]
pub struct ConsentChange {
    pub at: NaiveDateTime,
    #[diesel(deserialize_as = String)]
    pub channel: ConsentChannel,
    /// None for the registration's first scope.
    #[diesel(deserialize_as = crate::stored_word::MaybeWord<ConsentScope>)]
    pub old_scope: Option<ConsentScope>,
    #[diesel(deserialize_as = String)]
    pub new_scope: ConsentScope,
}

pub fn consent_history(
    conn: &mut DbConn,
    seeker_id: SeekerId,
) -> Result<Vec<ConsentChange>, StoreError> {
    Ok(consent_ledger::table
        .filter(consent_ledger::seeker_id.eq(seeker_id))
        .order(consent_ledger::id)
        .select((
            consent_ledger::at,
            consent_ledger::channel,
            consent_ledger::old_scope,
            consent_ledger::new_scope,
        ))
        .load(conn)?)
}

/// 受信拒否: the seeker refuses one organisation. Idempotent.
pub fn block(
    conn: &mut DbConn,
    seeker_id: SeekerId,
    organisation_id: OrganisationId,
) -> Result<(), StoreError> {
    let exists_already = blocks::table
        .find((seeker_id, organisation_id))
        .count()
        .get_result::<i64>(conn)?
        > 0;
    if !exists_already {
        diesel::insert_into(blocks::table)
            .values((
                blocks::seeker_id.eq(seeker_id),
                blocks::organisation_id.eq(organisation_id),
                blocks::created_at.eq(now()),
            ))
            .execute(conn)
            .map_err(|e| StoreError::conflict_on_unique(e, "block"))
            .or_else(|e| match e {
                StoreError::Conflict(_) => Ok(0),
                other => Err(other),
            })?;
    }
    Ok(())
}

pub fn unblock(
    conn: &mut DbConn,
    seeker_id: SeekerId,
    organisation_id: OrganisationId,
) -> Result<bool, StoreError> {
    Ok(diesel::delete(blocks::table.find((seeker_id, organisation_id))).execute(conn)? == 1)
}

/// Whom a search or read is for: the organisation's internal id.
#[derive(Debug, Clone, Copy)]
pub struct Viewer {
    pub organisation_id: OrganisationId,
    pub today: NaiveDate,
}

/// Which rows a search walks, newest first: one filter's order rows, the
/// recency index over all seekers, or (for a keyword few seekers hold) the
/// keyword index's matches, sorted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Walk {
    Municipality,
    Occupation,
    Prefecture,
    Qualification,
    Recency,
}

impl Walk {
    /// The narrowest walk for `f`: a municipality is narrower than any
    /// other filter; a major occupation group (two digits) is broader than
    /// most prefectures, a finer code narrower than any; a qualification's
    /// own rows when none of those is asked for, however rare it is. A
    /// keyword held by few seekers drives the query from its index instead
    /// (`keyword`), over the recency form.
    fn for_criteria(f: &Criteria, keyword: Option<KeywordPlan>) -> Walk {
        if keyword == Some(KeywordPlan::Index) {
            return Walk::Recency;
        }
        match (
            &f.municipality,
            &f.occupation,
            &f.prefecture,
            &f.qualification,
        ) {
            (Some(_), _, _, _) => Walk::Municipality,
            (None, Some(code), Some(_), _) if code.level() != OccupationLevel::Major => {
                Walk::Occupation
            }
            (None, Some(_), None, _) => Walk::Occupation,
            (None, _, Some(_), _) => Walk::Prefecture,
            (None, None, None, Some(_)) => Walk::Qualification,
            (None, None, None, None) => Walk::Recency,
        }
    }
}

/// A condition on the seeker of a search's row, whatever the walk joins to
/// `seekers` (`QS`).
type Condition<QS> = Box<dyn BoxableExpression<QS, MultiBackend, SqlType = Bool>>;

type KeywordLike = dsl::Escape<dsl::Like<seekers::search_text, String>>;
/// "The seeker has a row of `table` (by `seeker_id`) whose `column` is …".
type HasRow<T, S, C> =
    dsl::exists<dsl::Filter<dsl::Filter<T, dsl::Eq<S, seekers::id>>, dsl::Eq<C, String>>>;
type InMunicipality = HasRow<
    seeker_municipalities::table,
    seeker_municipalities::seeker_id,
    seeker_municipalities::municipality,
>;
type HasOccupation =
    HasRow<seeker_occupations::table, seeker_occupations::seeker_id, seeker_occupations::code>;
type HasPrefecture = HasRow<
    seeker_prefectures::table,
    seeker_prefectures::seeker_id,
    seeker_prefectures::prefecture,
>;
type HoldsQualification = HasRow<
    seeker_qualifications::table,
    seeker_qualifications::seeker_id,
    seeker_qualifications::value,
>;
type EmploysAs = dsl::Like<seekers::filter_keys, String>;
/// Named no wage, or a desired minimum of the kind at most the wage.
type TakesWage = dsl::AssumeNotNull<
    dsl::Or<
        dsl::IsNull<seekers::wage_kind>,
        dsl::And<dsl::Eq<seekers::wage_kind, &'static str>, dsl::LtEq<seekers::wage_min, i64>>,
    >,
>;
type ChangedSince = dsl::GtEq<seekers::updated_at, NaiveDateTime>;

fn in_municipality(code: &MunicipalityCode) -> InMunicipality {
    exists(
        seeker_municipalities::table
            .filter(seeker_municipalities::seeker_id.eq(seekers::id))
            .filter(seeker_municipalities::municipality.eq(code.as_str().to_owned())),
    )
}

fn has_occupation(code: &OccupationCode) -> HasOccupation {
    exists(
        seeker_occupations::table
            .filter(seeker_occupations::seeker_id.eq(seekers::id))
            .filter(seeker_occupations::code.eq(code.as_str().to_owned())),
    )
}

fn has_prefecture(code: &PrefectureCode) -> HasPrefecture {
    exists(
        seeker_prefectures::table
            .filter(seeker_prefectures::seeker_id.eq(seekers::id))
            .filter(seeker_prefectures::prefecture.eq(code.as_str().to_owned())),
    )
}

fn holds_qualification(value: &String) -> HoldsQualification {
    exists(
        seeker_qualifications::table
            .filter(seeker_qualifications::seeker_id.eq(seekers::id))
            .filter(seeker_qualifications::value.eq(value.to_owned())),
    )
}

/// The conditions of `f` on the seeker's own row (by
/// [`KeywordPlan::Index`], the keyword index holding the keyword and the
/// filters' keys; the keyword by `LIKE`; employment type, wage and date),
/// in the order they are written into the query. The filters with
/// order rows of their own (municipality, occupation, prefecture,
/// qualification) are the walk's, or checked beside it as `EXISTS`
/// ([`in_municipality`], [`has_occupation`], [`has_prefecture`],
/// [`holds_qualification`]).
fn narrowing<QS>(
    conn: &DbConn,
    f: &Criteria,
    keyword: Option<KeywordPlan>,
    shown: Option<ShownAtMost>,
) -> Vec<Condition<QS>>
where
    Holds: BoxableExpression<QS, MultiBackend, SqlType = Bool> + Send + 'static,
    SqlLiteral<Bool>: BoxableExpression<QS, MultiBackend, SqlType = Bool> + Send + 'static,
    KeywordLike: BoxableExpression<QS, MultiBackend, SqlType = Bool> + Send + 'static,
    EmploysAs: BoxableExpression<QS, MultiBackend, SqlType = Bool> + Send + 'static,
    TakesWage: BoxableExpression<QS, MultiBackend, SqlType = Bool> + Send + 'static,
    ChangedSince: BoxableExpression<QS, MultiBackend, SqlType = Bool> + Send + 'static,
{
    let mut all: Vec<Condition<QS>> = Vec::new();
    if keyword == Some(KeywordPlan::Index) {
        all.push(Box::new(keyword_index::holds(
            conn,
            Indexed::Seekers,
            f.keyword.as_ref().map(|k| k.as_str()),
            &keyword_index::seeker_query_keys(f),
        )));
    }
    if let Some(k) = &f.keyword {
        all.push(Box::new(
            seekers::search_text
                .like(like_pattern(k.as_str()))
                .escape('\\'),
        ));
    }
    if let Some(e) = f.employment_type {
        // A key is never part of another (`keyword_index::seeker_keys`).
        all.push(Box::new(
            seekers::filter_keys.like(format!("%{}%", keyword_index::employment_key(e))),
        ));
    }
    if let Some(w) = f.wage {
        all.push(Box::new(
            seekers::wage_kind
                .is_null()
                .or(seekers::wage_kind
                    .eq(w.kind.as_str())
                    .and(seekers::wage_min.le(w.yen)))
                .assume_not_null(),
        ));
    }
    if let Some(t) = f.updated_since {
        all.push(Box::new(seekers::updated_at.ge(t)));
    }
    // Last: each row it is asked of costs a look at R14's counts.
    if let Some(s) = shown {
        all.push(Box::new(shown_at_most(s)));
    }
    all
}

/// Only the seekers shown to `sector` at `level` of R14's chain or finer,
/// as `kyushoku_domain::anonymity::shown_level` decides it from the counts
/// (`crate::anonymity`): a seeker is shown at the first level whose class
/// has a residual of at least `k`, so at `level` or finer when one of its
/// classes up to `level` has. A search whose filters ask values that most
/// profiles are shown too coarse to answer (a qualification's name: one
/// profile in twenty-three at 2,000,000 seekers) finds its page in one
/// query instead of reading and generalising the others
/// (`kyushoku_service::profiles::search` still decides every row).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ShownAtMost {
    pub sector: Sector,
    pub k: K,
    pub level: usize,
}

fn shown_at_most(s: ShownAtMost) -> SqlLiteral<Bool> {
    let classes: Vec<String> = (0..=s.level.min(LEVELS - 1))
        .map(|i| format!("sc.qi{i}"))
        .collect();
    // The sector is one of two words and k a number: both written in.
    dsl::sql::<Bool>(&format!(
        "EXISTS (SELECT 1 FROM seeker_classes sc JOIN qi_classes q \
         ON q.sector = '{sector}' AND q.class_key IN ({classes}) \
         WHERE sc.seeker_id = \"seekers\".\"id\" AND q.residual >= {k})",
        sector = s.sector.as_str(),
        classes = classes.join(", "),
        k = s.k.get(),
    ))
}

/// One page of the profiles `viewer` may see, newest first, after
/// `after` = (updated_at, id) of the last row of the previous page.
///
/// The walk is driven by the order rows of the narrowest filter asked for
/// ([`Walk`]), else by the recency index over all seekers: each visits only
/// seekers that can match, newest first, and stops after one page
/// (migrations 000009, 000011 and 000020). The keyword index holds each
/// seeker's filter values too ([`keyword_index::seeker_keys`], migration
/// 000026): a keyword alone is planned ([`keyword_index::plan`]); a keyword
/// with filters, or two filters or more, is walked or found by the index
/// together ([`keyword_index::run_filtered`]), so filters that few seekers
/// match together never walk all of their first filter's; one filter
/// alone walks its own rows, and so does a municipality or an occupation
/// finer than its major group, with anything else (a GIN scan intersecting
/// common keys costs 10–30 ms at 2,000,000 seekers, a walk of such a
/// filter's few thousand rows a few). R1 is [`seeker_visible_to`], on
/// every walk.
pub fn search(
    conn: &mut DbConn,
    viewer: Viewer,
    f: &Criteria,
    shown: Option<ShownAtMost>,
    after: Option<(NaiveDateTime, SeekerId)>,
    limit: i64,
) -> Result<Vec<VisibleProfileRow>, StoreError> {
    let keys = keyword_index::seeker_query_keys(f);
    let keyword = f.keyword.as_ref().map(|k| k.as_str());
    // A municipality's or a finer occupation group's own rows are few
    // enough to walk whatever else is asked (at most a city's seekers):
    // such a search keeps the keyword's plan, or walks.
    let narrow = f.municipality.is_some()
        || f.occupation
            .as_ref()
            .is_some_and(|o| o.level() != OccupationLevel::Major);
    match (keyword, if narrow { 0 } else { keys.len() }) {
        (Some(k), 0) => {
            let plan = keyword_index::plan(conn, Indexed::Seekers, k, limit)?;
            keyword_index::run(conn, Indexed::Seekers, k, plan, |c, plan| {
                search_by(c, viewer, f, shown, Some(plan), after, limit)
            })
        }
        (None, 0 | 1) => Ok(search_by(conn, viewer, f, shown, None, after, limit)?),
        _ => {
            keyword_index::run_filtered(conn, Indexed::Seekers, keyword, &keys, limit, |c, plan| {
                search_by(c, viewer, f, shown, Some(plan), after, limit)
            })
        }
    }
}

/// [`search`] by `keyword`'s plan: `None` or [`KeywordPlan::Walk`] walks
/// ([`Walk`]); [`KeywordPlan::Index`] is driven by the keyword index with
/// the filters' keys.
fn search_by(
    conn: &mut DbConn,
    viewer: Viewer,
    f: &Criteria,
    shown: Option<ShownAtMost>,
    keyword: Option<KeywordPlan>,
    after: Option<(NaiveDateTime, SeekerId)>,
    limit: i64,
) -> QueryResult<Vec<VisibleProfileRow>> {
    let walk = Walk::for_criteria(f, keyword);
    let visible = seeker_visible_to(viewer.organisation_id, viewer.today);
    // Every walk is the same query over its own order rows.
    macro_rules! walk_rows {
        ($walked:ident, $column:ident, $value:expr, $($other:ident: $holds:ident),*) => {{
            use $walked as walked;
            let mut q = walked::table
                .inner_join(seekers::table)
                .filter(walked::$column.eq($value))
                .filter(visible)
                .select(VisibleProfileRow::as_select())
                .limit(limit)
                .into_boxed();
            for c in narrowing(conn, f, keyword, shown) {
                q = q.filter(c);
            }
            $(if let Some(v) = &f.$other {
                q = q.filter($holds(v));
            })*
            q = q.order((walked::updated_at.desc(), walked::seeker_id.desc()));
            if let Some((t, id)) = after {
                q = q.filter(
                    walked::updated_at
                        .lt(t)
                        .or(walked::updated_at.eq(t).and(walked::seeker_id.lt(id))),
                );
            }
            PlannedPerCall(q).load(conn)?
        }};
    }
    let code = |c: Option<&str>| c.unwrap_or_default().to_owned();
    let rows = match walk {
        Walk::Municipality => walk_rows!(
            seeker_municipalities,
            municipality,
            code(f.municipality.as_ref().map(MunicipalityCode::as_str)),
            occupation: has_occupation,
            prefecture: has_prefecture,
            qualification: holds_qualification
        ),
        Walk::Occupation => walk_rows!(
            seeker_occupations,
            code,
            code(f.occupation.as_ref().map(OccupationCode::as_str)),
            municipality: in_municipality,
            prefecture: has_prefecture,
            qualification: holds_qualification
        ),
        Walk::Prefecture => walk_rows!(
            seeker_prefectures,
            prefecture,
            code(f.prefecture.as_ref().map(PrefectureCode::as_str)),
            municipality: in_municipality,
            occupation: has_occupation,
            qualification: holds_qualification
        ),
        Walk::Qualification => walk_rows!(
            seeker_qualifications,
            value,
            code(f.qualification.as_deref()),
            municipality: in_municipality,
            occupation: has_occupation,
            prefecture: has_prefecture
        ),
        Walk::Recency => {
            let mut q = seekers::table
                .filter(visible)
                .select(VisibleProfileRow::as_select())
                .limit(limit)
                .into_boxed();
            for c in narrowing(conn, f, keyword, shown) {
                q = q.filter(c);
            }
            // Driven by the index, the filters with rows of their own are
            // its keys, which a seeker holds exactly when it holds their
            // rows (`keyword_index::seeker_keys`): checked again as
            // `EXISTS`, they only cost PostgreSQL's planner a join of
            // eight tables (6.5 ms of planning for four filters at
            // 2,000,000 seekers, 0.9 ms without).
            if keyword != Some(KeywordPlan::Index) {
                if let Some(m) = &f.municipality {
                    q = q.filter(in_municipality(m));
                }
                if let Some(c) = &f.occupation {
                    q = q.filter(has_occupation(c));
                }
                if let Some(p) = &f.prefecture {
                    q = q.filter(has_prefecture(p));
                }
                if let Some(v) = &f.qualification {
                    q = q.filter(holds_qualification(v));
                }
            }
            q = q.order((seekers::updated_at.desc(), seekers::id.desc()));
            if let Some((t, id)) = after {
                q = q.filter(
                    seekers::updated_at
                        .lt(t)
                        .or(seekers::updated_at.eq(t).and(seekers::id.lt(id))),
                );
            }
            PlannedPerCall(q).load(conn)?
        }
    };
    Ok(rows)
}

/// The seeker, if `viewer` may see them (R1); else nothing, exactly as for
/// an id that does not exist (R2).
pub fn read_visible(
    conn: &mut DbConn,
    viewer: Viewer,
    seeker_id: SeekerId,
) -> Result<Option<VisibleProfileRow>, StoreError> {
    Ok(seekers::table
        .filter(seekers::id.eq(seeker_id))
        .filter(seeker_visible_to(viewer.organisation_id, viewer.today))
        .select(VisibleProfileRow::as_select())
        .get_result(conn)
        .optional()?)
}

/// What the sweeper did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Sweep {
    pub expired: usize,
    pub purged: usize,
}

/// R7: marks registrations past `valid_until` as expired, and purges the
/// profiles (and derived rows) of registrations that ended before
/// `purge_before`, with their threads, messages and reports.
pub fn sweep(
    conn: &mut DbConn,
    today: NaiveDate,
    purge_before: NaiveDateTime,
) -> Result<Sweep, StoreError> {
    conn.write_transaction(|c| {
        let at = now();
        // Each statement checks its condition on the row it changes (a
        // seeker registered again by a batch since is left as it is), and
        // the rows come before R14's lock, as in every write
        // (`anonymity::lock`).
        let expired: Vec<SeekerId> = diesel::update(
            seekers::table
                .filter(seekers::status.eq(Active))
                .filter(seekers::valid_until.lt(today)),
        )
        .set((
            seekers::status.eq("expired"),
            seekers::ended_at.eq(Some(at)),
        ))
        .returning(seekers::id)
        .get_results(c)?;
        let doomed: Vec<SeekerId> = diesel::update(
            seekers::table
                .filter(seekers::ended_at.lt(purge_before))
                .filter(seekers::purged_at.is_null()),
        )
        .set((
            seekers::profile.eq(None::<String>),
            seekers::search_text.eq(""),
            seekers::filter_keys.eq(""),
            seekers::purged_at.eq(Some(at)),
        ))
        .returning(seekers::id)
        .get_results(c)?;
        for chunk in doomed.chunks(500) {
            diesel::delete(
                seeker_occupations::table.filter(seeker_occupations::seeker_id.eq_any(chunk)),
            )
            .execute(c)?;
            diesel::delete(
                seeker_locations::table.filter(seeker_locations::seeker_id.eq_any(chunk)),
            )
            .execute(c)?;
            diesel::delete(
                seeker_prefectures::table.filter(seeker_prefectures::seeker_id.eq_any(chunk)),
            )
            .execute(c)?;
            diesel::delete(
                seeker_municipalities::table.filter(seeker_municipalities::seeker_id.eq_any(chunk)),
            )
            .execute(c)?;
            diesel::delete(
                seeker_qualifications::table.filter(seeker_qualifications::seeker_id.eq_any(chunk)),
            )
            .execute(c)?;
            // Their threads go too, with messages and reports (cascade).
            diesel::delete(
                crate::schema::threads::table
                    .filter(crate::schema::threads::seeker_id.eq_any(chunk)),
            )
            .execute(c)?;
        }
        let uncounted: Vec<_> = expired
            .iter()
            .map(|id| {
                (
                    *id,
                    crate::anonymity::Counted {
                        chain: None,
                        sectors: 0,
                    },
                )
            })
            .collect();
        crate::anonymity::recount_many(c, &uncounted)?;
        Ok(Sweep {
            expired: expired.len(),
            purged: doomed.len(),
        })
    })
}

/// R11: no table about seekers has a column for personal data.
#[cfg(test)]
mod no_personal_columns {
    #[test]
    fn seeker_tables_have_no_personal_columns() {
        let forbidden = [
            "name",
            "email",
            "mail",
            "phone",
            "tel",
            "address",
            "birth",
            "sex",
            "gender",
            "age",
            "hw_number",
            "seeker_number",
        ];
        for sql in [
            include_str!("../../../migrations/postgres/2026-11-26-000003_seekers/up.sql"),
            include_str!("../../../migrations/sqlite/2026-11-26-000003_seekers/up.sql"),
        ] {
            for line in sql.lines().map(str::trim) {
                if line.starts_with("--")
                    || line.starts_with("CREATE")
                    || line.starts_with(')')
                    || line.is_empty()
                {
                    continue;
                }
                let column = line.split_whitespace().next().unwrap_or("").to_lowercase();
                for f in forbidden {
                    assert!(
                        !column.split('_').any(|part| part == f) && !column.contains("birth"),
                        "column {column:?} looks personal"
                    );
                }
            }
        }
    }
}

/// `false` refuses all new guidance (受信拒否 of every organisation).
pub fn set_receive_guidance(
    conn: &mut DbConn,
    seeker_id: SeekerId,
    receive: bool,
) -> Result<(), StoreError> {
    diesel::update(seekers::table.find(seeker_id))
        .set(seekers::receive_guidance.eq(receive))
        .execute(conn)?;
    Ok(())
}

/// An organisation a seeker refused, and since when.
#[derive(Debug, Clone, Queryable)]
pub struct Blocked {
    pub organisation: OrganisationCard,
    #[diesel(deserialize_as = StoredTimestamp)]
    pub since: NaiveDateTime,
}

/// The organisations a seeker refused, most recent first.
pub fn list_blocks(conn: &mut DbConn, seeker_id: SeekerId) -> Result<Vec<Blocked>, StoreError> {
    Ok(blocks::table
        .inner_join(organisations::table)
        .filter(blocks::seeker_id.eq(seeker_id))
        .order(blocks::created_at.desc())
        .select((
            (
                organisations::public_id,
                organisations::name,
                organisations::kind,
                organisations::licence_number,
                organisations::prefecture,
                organisations::municipality,
            ),
            blocks::created_at,
        ))
        .load(conn)?)
}

/// A seeker's `seeker_ref` by internal id.
pub fn ref_of(conn: &mut DbConn, seeker_id: SeekerId) -> Result<Option<String>, StoreError> {
    Ok(seekers::table
        .find(seeker_id)
        .select(seekers::seeker_ref)
        .get_result(conn)
        .optional()?)
}

#[cfg(test)]
mod plans {
    use chrono::Days;
    use kyushoku_domain::anonymity::Chain;
    use kyushoku_domain::search::{Asked, Criteria};
    use kyushoku_domain::{
        ConsentChannel, ConsentScope, MunicipalityCode, OccupationCode, PrefectureCode,
    };

    use super::{search, search_by, upsert, EmploymentType, SeekerUpsert, Viewer};
    use crate::keyword_index::KeywordPlan;
    use crate::schema::seekers;
    use crate::testing::approved;
    use crate::{now, Db, DbConn, PoolOptions};
    use diesel::prelude::*;

    fn seeker(n: u32, scope: ConsentScope, valid_until: chrono::NaiveDate) -> SeekerUpsert {
        let i = n as usize;
        let pref = ["13", "27", "23", "01"][i % 4];
        let occupation = ["080-01", "081-02", "061"][i % 3];
        let mut occupations = vec![occupation[..2].to_owned()];
        if occupation.len() > 3 {
            occupations.push(occupation[..3].to_owned());
        }
        occupations.push(occupation.to_owned());
        SeekerUpsert {
            seeker_ref: format!("ref-{n}"),
            consent_scope: scope,
            valid_until,
            profile_json: "{}".into(),
            search_text: format!(
                "求職{n} {}",
                ["介護の経験", "研修を受けた", "データ入力"][i % 3]
            ),
            wage_kind: None,
            wage_min: None,
            employment_types: if i.is_multiple_of(2) {
                vec![EmploymentType::FullTime]
            } else {
                vec![EmploymentType::PartTime, EmploymentType::Contract]
            },
            occupations: occupations
                .iter()
                .map(|c| OccupationCode::parse(c).unwrap())
                .collect(),
            locations: vec![(
                PrefectureCode::parse(pref).unwrap(),
                i.is_multiple_of(4)
                    .then(|| MunicipalityCode::parse("131041").unwrap()),
            )],
            qualifications: match i % 7 {
                0 => vec!["介護福祉士".into(), "普通自動車第一種運転免許".into()],
                1 | 2 => vec!["普通自動車第一種運転免許".into()],
                _ => Vec::new(),
            },
            chain: Chain([n as i64; kyushoku_domain::anonymity::LEVELS]),
        }
    }

    /// The keyword index with the filters' keys (migration 000026) and the
    /// walk find the same seekers, in the same order, for a keyword with
    /// filters of every kind, filters alone, and a search nobody matches;
    /// seekers the viewer may not see stay hidden whichever plan answers.
    fn both_plans_find_the_same_seekers(db: &Db) {
        db.migrate().unwrap();
        let today = now().date();
        let later = today.checked_add_days(Days::new(30)).unwrap();
        for n in 0..70 {
            let s = seeker(n, ConsentScope::Both, later);
            db.run(|c| upsert(c, &s, ConsentChannel::HelloWork, today))
                .unwrap();
        }
        // R1 on either plan: one only private agencies may see, one whose
        // registration has ended; both match the searches below.
        for (n, scope, until) in [
            (70, ConsentScope::PrivateOnly, later),
            (
                71,
                ConsentScope::Both,
                today.checked_sub_days(Days::new(1)).unwrap(),
            ),
        ] {
            let mut s = seeker(n, scope, until);
            s.search_text = "見せない求職者 研修".into();
            s.qualifications = vec!["見せない資格".into()];
            db.run(|c| upsert(c, &s, ConsentChannel::HelloWork, today))
                .unwrap();
        }
        let viewer = Viewer {
            organisation_id: approved(db, 1, true, true),
            today,
        };
        let asked: Vec<Criteria> = [
            Asked {
                q: Some("研修"),
                prefecture: Some("27"),
                employment_type: Some("full_time"),
                ..Asked::default()
            },
            Asked {
                q: Some("介護"),
                occupation: Some("08"),
                qualification: Some("介護福祉士"),
                ..Asked::default()
            },
            Asked {
                q: Some("求職1"),
                occupation: Some("080"),
                municipality: Some("131041"),
                ..Asked::default()
            },
            Asked {
                prefecture: Some("13"),
                qualification: Some("普通自動車第一種運転免許"),
                ..Asked::default()
            },
            Asked {
                prefecture: Some("27"),
                employment_type: Some("contract"),
                occupation: Some("081-02"),
                ..Asked::default()
            },
            Asked {
                q: Some("鬱"),
                prefecture: Some("13"),
                ..Asked::default()
            },
            Asked {
                q: Some("研"),
                ..Asked::default()
            },
            Asked {
                q: Some("見せない"),
                prefecture: Some("13"),
                ..Asked::default()
            },
            Asked {
                prefecture: Some("13"),
                qualification: Some("見せない資格"),
                ..Asked::default()
            },
            // Quotes, backslashes, braces and commas of PostgreSQL's array
            // literal, as a keyword and a qualification.
            Asked {
                q: Some(r#""{見,せ\ない}""#),
                qualification: Some(r#"{"a",b\}"#),
                prefecture: Some("13"),
                ..Asked::default()
            },
        ]
        .iter()
        .map(|a| Criteria::parse(a).unwrap())
        .collect();
        let ids = |f: &Criteria, plan: Option<KeywordPlan>| {
            db.run(|c| Ok(search_by(c, viewer, f, None, plan, None, 100)?))
                .unwrap()
                .into_iter()
                .map(|r| r.id)
                .collect::<Vec<_>>()
        };
        for f in &asked {
            let walked = ids(f, Some(KeywordPlan::Walk));
            assert_eq!(ids(f, Some(KeywordPlan::Index)), walked, "{f:?}");
            let searched: Vec<_> = db
                .run(|c| search(c, viewer, f, None, None, 100))
                .unwrap()
                .into_iter()
                .map(|r| r.id)
                .collect();
            assert_eq!(searched, walked, "{f:?}");
        }
        let found = |i: usize| ids(&asked[i], Some(KeywordPlan::Index)).len();
        // Osaka's seekers are the odd ones, full-time ones the even ones.
        assert_eq!(found(0), 0, "no full-time seeker in Osaka");
        assert!(found(1) > 0, "介護福祉士 and 介護");
        assert!(found(3) > 0, "a qualification in Tokyo");
        assert!(found(4) > 0, "contract clerical work in Osaka");
        assert_eq!(found(5), 0);
        assert_eq!(found(7), 0, "R1: neither hidden seeker, by the index");
        assert_eq!(found(8), 0, "R1: neither hidden seeker, by the index");
        assert_eq!(found(9), 0);

        // A seeker who moves to another prefecture moves in the index.
        let mut moved = seeker(1, ConsentScope::Both, later);
        moved.locations = vec![(PrefectureCode::parse("47").unwrap(), None)];
        db.run(|c| upsert(c, &moved, ConsentChannel::HelloWork, today))
            .unwrap();
        let okinawa = Criteria::parse(&Asked {
            prefecture: Some("47"),
            employment_type: Some("part_time"),
            ..Asked::default()
        })
        .unwrap();
        assert_eq!(ids(&okinawa, Some(KeywordPlan::Index)).len(), 1);
        let osaka = Criteria::parse(&Asked {
            q: Some("求職1"),
            prefecture: Some("27"),
            employment_type: Some("part_time"),
            ..Asked::default()
        })
        .unwrap();
        assert_eq!(
            ids(&osaka, Some(KeywordPlan::Index)),
            ids(&osaka, Some(KeywordPlan::Walk))
        );
        assert!(!ids(&osaka, Some(KeywordPlan::Index)).contains(&ids(&okinawa, None)[0]));
    }

    #[test]
    fn both_plans_find_the_same_seekers_on_sqlite() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("t.db").display());
        both_plans_find_the_same_seekers(&Db::connect(&url, &PoolOptions::default()).unwrap());
    }

    #[test]
    fn both_plans_find_the_same_seekers_on_postgresql() {
        crate::testing::on_fresh_postgres("seeker_plans", both_plans_find_the_same_seekers);
    }

    /// Migration 000026 undone and done again over stored seekers: its
    /// fill of `filter_keys` from their filter rows (and the employment
    /// types its undoing put back) spells every key as
    /// `keyword_index::seeker_keys` does for a seeker written since.
    fn the_migration_fills_the_keys_the_store_writes(db: &Db, down: &str, up: &str) {
        use diesel::connection::SimpleConnection;
        db.migrate().unwrap();
        let today = now().date();
        let later = today.checked_add_days(Days::new(30)).unwrap();
        for n in 0..14 {
            let mut s = seeker(n, ConsentScope::Both, later);
            if n == 3 {
                s.qualifications = vec![r#"{"a",b\} ｶﾅ"#.into()];
                s.employment_types = EmploymentType::ALL.to_vec();
            }
            if n == 4 {
                s.employment_types = Vec::new();
            }
            db.run(|c| upsert(c, &s, ConsentChannel::HelloWork, today))
                .unwrap();
        }
        let keys = |c: &mut DbConn| -> QueryResult<Vec<Vec<String>>> {
            let rows: Vec<String> = seekers::table
                .order(seekers::id)
                .select(seekers::filter_keys)
                .load(c)?;
            Ok(rows
                .into_iter()
                .map(|k| {
                    let mut v: Vec<String> = k.split(' ').map(str::to_owned).collect();
                    v.sort();
                    v
                })
                .collect())
        };
        let written = db.run(|c| Ok(keys(c)?)).unwrap();
        assert!(written.iter().all(|k| k.len() >= 4), "{written:?}");
        assert!(written[3].contains(&"zeother".to_owned()));
        let filled = db
            .run(|c| {
                c.batch_execute(down)?;
                c.batch_execute(up)?;
                Ok(keys(c)?)
            })
            .unwrap();
        assert_eq!(filled, written);
    }

    #[test]
    fn the_migration_fills_the_keys_the_store_writes_on_sqlite() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("t.db").display());
        the_migration_fills_the_keys_the_store_writes(
            &Db::connect(&url, &PoolOptions::default()).unwrap(),
            include_str!(
                "../../../migrations/sqlite/2026-12-14-000026_seeker_filter_keys/down.sql"
            ),
            include_str!("../../../migrations/sqlite/2026-12-14-000026_seeker_filter_keys/up.sql"),
        );
    }

    #[test]
    fn the_migration_fills_the_keys_the_store_writes_on_postgresql() {
        crate::testing::on_fresh_postgres("seeker_keys_fill", |db| {
            the_migration_fills_the_keys_the_store_writes(
                db,
                include_str!(
                    "../../../migrations/postgres/2026-12-14-000026_seeker_filter_keys/down.sql"
                ),
                include_str!(
                    "../../../migrations/postgres/2026-12-14-000026_seeker_filter_keys/up.sql"
                ),
            )
        });
    }
}
