//! R14's counts: per sector, how many visible seekers each class of the
//! generalisation chain holds and its residual
//! (`kyushoku_domain::anonymity`). They change in the transaction of the
//! write that changes what a seeker counts for (ingest, consent, end of
//! registration, expiry), along that seeker's chain only, and the query of
//! every search and read asks them which level a seeker is shown at.

use std::collections::HashMap;

use diesel::prelude::*;
use kyushoku_domain::anonymity::{count, Chain, Tally, K, LEVELS, SCHEME_VERSION};
use kyushoku_domain::profile::Profile;
use kyushoku_domain::{ConsentScope, RegistrationStatus, Sector};

use crate::schema::{qi_classes, qi_pending, qi_scheme, seeker_classes, seekers};
use crate::{per_backend, DbConn, SeekerId, StoreError};

/// One advisory lock serialises changes of the tallies on PostgreSQL
/// (SQLite has one writer): a change reads a chain's tallies and writes
/// them back, and the coarse classes are shared by nearly every chain.
/// A write takes it last, once its rows are written ([`lock`]).
const TALLY_LOCK: i64 = 0x6b79_5f71_6900;

const SECTORS: [Sector; 2] = [Sector::Public, Sector::Private];

fn bit(s: Sector) -> i32 {
    match s {
        Sector::Public => 1,
        Sector::Private => 2,
    }
}

/// The sectors a seeker counts in: those their scope covers, while their
/// registration is active.
pub fn counted_sectors(scope: ConsentScope, status: RegistrationStatus) -> i32 {
    if status != RegistrationStatus::Active {
        return 0;
    }
    SECTORS
        .into_iter()
        .filter(|s| scope.covers(*s))
        .map(bit)
        .sum()
}

/// The *k* the tallies were made with (the default before any start-up
/// wrote one).
pub fn k(c: &mut DbConn) -> Result<K, StoreError> {
    let stored: Option<i64> = qi_scheme::table
        .find("current")
        .select(qi_scheme::k)
        .get_result(c)
        .optional()?;
    Ok(stored.and_then(K::new).unwrap_or(K::DEFAULT))
}

type Row = (i64, i64, i64, i64, i64, i64, i64, i64, i64, i32);

fn counted_of(row: &Row) -> Counted {
    Counted {
        chain: Some(Chain([
            row.0, row.1, row.2, row.3, row.4, row.5, row.6, row.7, row.8,
        ])),
        sectors: row.9,
    }
}

const NOWHERE: Counted = Counted {
    chain: None,
    sectors: 0,
};

macro_rules! row_columns {
    () => {
        (
            seeker_classes::qi0,
            seeker_classes::qi1,
            seeker_classes::qi2,
            seeker_classes::qi3,
            seeker_classes::qi4,
            seeker_classes::qi5,
            seeker_classes::qi6,
            seeker_classes::qi7,
            seeker_classes::qi8,
            seeker_classes::counted,
        )
    };
}

/// Remembers what each of `seekers` counts for now (a row per seeker with
/// a chain; none for one counted nowhere).
fn remember(c: &mut DbConn, seekers: &[(SeekerId, Counted)]) -> Result<(), StoreError> {
    let ids: Vec<SeekerId> = seekers.iter().map(|(id, _)| *id).collect();
    for chunk in ids.chunks(500) {
        diesel::delete(seeker_classes::table.filter(seeker_classes::seeker_id.eq_any(chunk)))
            .execute(c)?;
    }
    let rows: Vec<_> = seekers
        .iter()
        .filter_map(|(id, now)| {
            let Chain(q) = now.chain?;
            Some((
                seeker_classes::seeker_id.eq(*id),
                seeker_classes::qi0.eq(q[0]),
                seeker_classes::qi1.eq(q[1]),
                seeker_classes::qi2.eq(q[2]),
                seeker_classes::qi3.eq(q[3]),
                seeker_classes::qi4.eq(q[4]),
                seeker_classes::qi5.eq(q[5]),
                seeker_classes::qi6.eq(q[6]),
                seeker_classes::qi7.eq(q[7]),
                seeker_classes::qi8.eq(q[8]),
                seeker_classes::counted.eq(now.sectors),
            ))
        })
        .collect();
    for chunk in rows.chunks(1000) {
        per_backend!(c, c => diesel::insert_into(seeker_classes::table).values(chunk).execute(c))?;
    }
    Ok(())
}

/// Notes what `seeker` will count for, to be settled by [`settle_pending`]
/// before the transaction commits (a batch's lines, each in its
/// savepoint: a line rolled back takes its note with it).
pub fn defer(c: &mut DbConn, seeker: SeekerId, now: Chain, sectors: i32) -> Result<(), StoreError> {
    defer_many(c, &[(seeker, now, sectors)])
}

/// [`defer`]'s statements, for any number of `(seeker, chain, sectors)`.
fn defer_many(c: &mut DbConn, notes: &[(SeekerId, Chain, i32)]) -> Result<(), StoreError> {
    let ids: Vec<SeekerId> = notes.iter().map(|(id, _, _)| *id).collect();
    for chunk in ids.chunks(1000) {
        diesel::delete(qi_pending::table.filter(qi_pending::seeker_id.eq_any(chunk))).execute(c)?;
    }
    let rows: Vec<_> = notes
        .iter()
        .map(|(seeker, Chain(q), sectors)| {
            (
                qi_pending::seeker_id.eq(*seeker),
                qi_pending::qi0.eq(q[0]),
                qi_pending::qi1.eq(q[1]),
                qi_pending::qi2.eq(q[2]),
                qi_pending::qi3.eq(q[3]),
                qi_pending::qi4.eq(q[4]),
                qi_pending::qi5.eq(q[5]),
                qi_pending::qi6.eq(q[6]),
                qi_pending::qi7.eq(q[7]),
                qi_pending::qi8.eq(q[8]),
                qi_pending::counted.eq(*sectors),
            )
        })
        .collect();
    for chunk in rows.chunks(1000) {
        per_backend!(c, c => diesel::insert_into(qi_pending::table).values(chunk).execute(c))?;
    }
    Ok(())
}

/// Counts what [`defer`] noted in this transaction, all at once: each
/// class changed by the lot is written once.
pub fn settle_pending(c: &mut DbConn) -> Result<(), StoreError> {
    let rows: Vec<(SeekerId, Row)> = qi_pending::table
        .select((
            qi_pending::seeker_id,
            (
                qi_pending::qi0,
                qi_pending::qi1,
                qi_pending::qi2,
                qi_pending::qi3,
                qi_pending::qi4,
                qi_pending::qi5,
                qi_pending::qi6,
                qi_pending::qi7,
                qi_pending::qi8,
                qi_pending::counted,
            ),
        ))
        .load(c)?;
    if rows.is_empty() {
        return Ok(());
    }
    let changes: Vec<(SeekerId, Counted)> = rows
        .iter()
        .map(|(id, row)| (*id, counted_of(row)))
        .collect();
    recount_many(c, &changes)?;
    diesel::delete(qi_pending::table).execute(c)?;
    Ok(())
}

/// Takes the tallies' lock for the rest of the transaction. It is taken
/// last, by [`recount_many`] once the write's rows are written: every
/// write that recounts a seeker has written (and so locked) that seeker's
/// row first, and under the lock touches only the tallies and the rows of
/// seekers it already holds, so the lock's holder never waits for a row
/// and no write waits for the lock while holding a row the holder needs.
/// Two groups of a batch write their rows side by side and queue only for
/// the tallies.
pub fn lock(c: &mut DbConn) -> Result<(), StoreError> {
    if let DbConn::Postgresql(pg) = c {
        diesel::sql_query(format!("SELECT pg_advisory_xact_lock({TALLY_LOCK})")).execute(pg)?;
    }
    Ok(())
}

fn load(
    c: &mut DbConn,
    sector: Sector,
    classes: Vec<i64>,
) -> Result<HashMap<i64, Tally>, StoreError> {
    let mut out = HashMap::new();
    for chunk in classes.chunks(500) {
        let rows: Vec<(i64, i64, i64)> = qi_classes::table
            .filter(qi_classes::sector.eq(sector.as_str()))
            .filter(qi_classes::class_key.eq_any(chunk))
            .select((
                qi_classes::class_key,
                qi_classes::seekers,
                qi_classes::residual,
            ))
            .load(c)?;
        for (class, seekers, residual) in rows {
            out.insert(class, Tally { seekers, residual });
        }
    }
    Ok(out)
}

fn store(c: &mut DbConn, sector: Sector, tallies: &HashMap<i64, Tally>) -> Result<(), StoreError> {
    let gone: Vec<i64> = tallies
        .iter()
        .filter(|(_, t)| t.seekers <= 0)
        .map(|(k, _)| *k)
        .collect();
    for chunk in gone.chunks(500) {
        diesel::delete(
            qi_classes::table
                .filter(qi_classes::sector.eq(sector.as_str()))
                .filter(qi_classes::class_key.eq_any(chunk)),
        )
        .execute(c)?;
    }
    let kept: Vec<_> = tallies
        .iter()
        .filter(|(_, t)| t.seekers > 0)
        .map(|(class, t)| {
            (
                qi_classes::sector.eq(sector.as_str()),
                qi_classes::class_key.eq(*class),
                qi_classes::seekers.eq(t.seekers),
                qi_classes::residual.eq(t.residual),
            )
        })
        .collect();
    for chunk in kept.chunks(1000) {
        use diesel::upsert::excluded;
        per_backend!(c, c => diesel::insert_into(qi_classes::table)
            .values(chunk)
            .on_conflict((qi_classes::sector, qi_classes::class_key))
            .do_update()
            .set((
                qi_classes::seekers.eq(excluded(qi_classes::seekers)),
                qi_classes::residual.eq(excluded(qi_classes::residual)),
            ))
            .execute(c))?;
    }
    Ok(())
}

/// What one seeker counts for after a write: their chain (none while they
/// have no profile) and the sectors they count in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Counted {
    pub chain: Option<Chain>,
    pub sectors: i32,
}

/// Moves `seeker` from what they counted for to `now` in the tallies, and
/// remembers it on their row. Call inside the write's transaction.
pub fn recount(c: &mut DbConn, seeker: SeekerId, now: Counted) -> Result<(), StoreError> {
    recount_many(c, &[(seeker, now)])
}

/// [`recount`] for many seekers at once (a batch, a sweep).
pub fn recount_many(c: &mut DbConn, changes: &[(SeekerId, Counted)]) -> Result<(), StoreError> {
    if changes.is_empty() {
        return Ok(());
    }
    lock(c)?;
    let mut before: HashMap<SeekerId, Counted> = HashMap::new();
    let ids: Vec<SeekerId> = changes.iter().map(|(id, _)| *id).collect();
    for chunk in ids.chunks(500) {
        let rows: Vec<(SeekerId, Row)> = seeker_classes::table
            .filter(seeker_classes::seeker_id.eq_any(chunk))
            .select((seeker_classes::seeker_id, row_columns!()))
            .load(c)?;
        for (id, row) in rows {
            before.insert(id, counted_of(&row));
        }
    }
    let moves: Vec<(SeekerId, Counted, Counted)> = changes
        .iter()
        .filter_map(|(id, now)| {
            let was = before.get(id).copied().unwrap_or(NOWHERE);
            (was != *now).then_some((*id, was, *now))
        })
        .collect();
    if moves.is_empty() {
        return Ok(());
    }
    let k = k(c)?;
    for sector in SECTORS {
        let mut classes: Vec<i64> = Vec::new();
        for (_, was, now) in &moves {
            for counted in [was, now] {
                if counted.sectors & bit(sector) != 0 {
                    if let Some(chain) = counted.chain {
                        classes.extend(chain.0);
                    }
                }
            }
        }
        if classes.is_empty() {
            continue;
        }
        classes.sort_unstable();
        classes.dedup();
        let mut tallies = load(c, sector, classes)?;
        for (_, was, now) in &moves {
            if let (Some(chain), true) = (was.chain, was.sectors & bit(sector) != 0) {
                count(&mut tallies, &chain, -1, k);
            }
            if let (Some(chain), true) = (now.chain, now.sectors & bit(sector) != 0) {
                count(&mut tallies, &chain, 1, k);
            }
        }
        store(c, sector, &tallies)?;
    }
    let remembered: Vec<(SeekerId, Counted)> =
        moves.iter().map(|(id, _, now)| (*id, *now)).collect();
    remember(c, &remembered)?;
    Ok(())
}

/// [`recount`] when only the sectors change (a consent change): the chain
/// stays what the row holds.
pub fn recount_sectors(c: &mut DbConn, seeker: SeekerId, sectors: i32) -> Result<(), StoreError> {
    lock(c)?;
    let row: Option<Row> = seeker_classes::table
        .find(seeker)
        .select(row_columns!())
        .get_result(c)
        .optional()?;
    let Some(row) = row else { return Ok(()) };
    let was = counted_of(&row);
    recount(
        c,
        seeker,
        Counted {
            chain: if sectors == 0 { None } else { was.chain },
            sectors,
        },
    )
}

/// Makes the tallies those of `k` and this chain version: when either
/// differs from what they were made with (or none were), every seeker is
/// counted afresh. True when it rebuilt.
pub fn prepare(c: &mut DbConn, k: K) -> Result<bool, StoreError> {
    c.write_transaction(|c| {
        lock(c)?;
        let stored: Option<(i64, i64)> = qi_scheme::table
            .find("current")
            .select((qi_scheme::k, qi_scheme::version))
            .get_result(c)
            .optional()?;
        if stored == Some((k.get(), SCHEME_VERSION)) {
            return Ok(false);
        }
        diesel::delete(qi_scheme::table).execute(c)?;
        diesel::insert_into(qi_scheme::table)
            .values((
                qi_scheme::id.eq("current"),
                qi_scheme::k.eq(k.get()),
                qi_scheme::version.eq(SCHEME_VERSION),
            ))
            .execute(c)?;
        rebuild(c, k)?;
        Ok(true)
    })
}

/// Counts every seeker afresh from their stored profile.
fn rebuild(c: &mut DbConn, k: K) -> Result<(), StoreError> {
    diesel::delete(qi_classes::table).execute(c)?;
    diesel::delete(seeker_classes::table).execute(c)?;
    let mut tallies: [HashMap<i64, Tally>; 2] = [HashMap::new(), HashMap::new()];
    let mut after = 0i64;
    loop {
        let rows: Vec<(SeekerId, Option<String>, String, String)> = seekers::table
            .filter(seekers::id.gt(after))
            .order(seekers::id)
            .limit(2000)
            .select((
                seekers::id,
                seekers::profile,
                seekers::consent_scope,
                seekers::status,
            ))
            .load(c)?;
        let Some(last) = rows.last() else { break };
        after = last.0.get();
        let mut remembered = Vec::with_capacity(rows.len());
        for (id, profile, scope, status) in rows {
            let chain = profile
                .as_deref()
                .and_then(|p| serde_json::from_str::<Profile>(p).ok())
                .map(|p| kyushoku_domain::anonymity::QuasiIdentifiers::of(&p).chain());
            let sectors = match (
                ConsentScope::parse(&scope),
                RegistrationStatus::parse(&status),
            ) {
                (Some(scope), Some(status)) if chain.is_some() => counted_sectors(scope, status),
                _ => 0,
            };
            for (i, sector) in SECTORS.into_iter().enumerate() {
                if let (Some(chain), true) = (chain, sectors & bit(sector) != 0) {
                    count(&mut tallies[i], &chain, 1, k);
                }
            }
            remembered.push((
                id,
                if sectors == 0 {
                    NOWHERE
                } else {
                    Counted { chain, sectors }
                },
            ));
        }
        remember(c, &remembered)?;
    }
    for (i, sector) in SECTORS.into_iter().enumerate() {
        store(c, sector, &tallies[i])?;
    }
    Ok(())
}

/// The sector of an organisation (`None` if there is no such one).
pub fn sector_of(
    c: &mut DbConn,
    organisation: crate::OrganisationId,
) -> Result<Option<Sector>, StoreError> {
    use crate::schema::organisations;
    let word: Option<Option<String>> = organisations::table
        .find(organisation)
        .select(organisations::sector)
        .get_result(c)
        .optional()?;
    Ok(word.flatten().and_then(|w| match w.as_str() {
        "public" => Some(Sector::Public),
        "private" => Some(Sector::Private),
        _ => None,
    }))
}

/// The level each of `seekers` is shown at to `sector`
/// (`kyushoku_domain::anonymity::shown_level`): absent for one withheld
/// (or counted nowhere).
///
/// One statement per 500 seekers decides it where the tallies are, by
/// [`shown_level_sql`]: each seeker's classes are looked up from the finest
/// and no further than the first shown (about six of nine on a page). Its
/// text stays the same whatever the number of seekers, so it is compiled
/// once per connection; a list of the page's classes bound one by one (a
/// few hundred values) was compiled again for every page, and with its
/// rows and their map cost more than the lookups.
pub fn shown_levels(
    c: &mut DbConn,
    sector: Sector,
    seekers: &[SeekerId],
) -> Result<(K, HashMap<SeekerId, usize>), StoreError> {
    let k = k(c)?;
    let mut levels = HashMap::with_capacity(seekers.len());
    for chunk in seekers.chunks(500) {
        let ids: Vec<i64> = chunk.iter().map(|s| s.get()).collect();
        let query = ShownLevels {
            sector,
            k,
            list: serde_json::to_string(&ids).expect("a list of numbers is JSON"),
            ids,
        };
        let rows: Vec<(SeekerId, Option<i32>)> = per_backend!(c, c => query.load(c))?;
        levels.extend(rows.into_iter().filter_map(|(id, level)| {
            let level = usize::try_from(level?).ok()?;
            Some((id, level))
        }));
    }
    Ok((k, levels))
}

/// `SELECT seeker_id, <shown level> FROM seeker_classes WHERE seeker_id
/// IN <ids>`, the ids bound as one array on PostgreSQL and as one JSON
/// array on SQLite. A statement of its own rather than diesel's
/// `eq_any` (whose list on SQLite is a placeholder per id) and `sql`
/// literals (which diesel never keeps compiled): its text depends only on
/// the sector and *k*, and diesel keeps it compiled by that text.
struct ShownLevels {
    sector: Sector,
    k: K,
    ids: Vec<i64>,
    /// `ids` as a JSON array (SQLite's bind).
    list: String,
}

impl ShownLevels {
    fn head<DB: diesel::backend::Backend>(
        &self,
        out: &mut diesel::query_builder::AstPass<'_, '_, DB>,
    ) {
        out.push_sql("SELECT seeker_classes.seeker_id, ");
        out.push_sql(&shown_level_sql(self.sector, self.k));
        out.push_sql(" FROM seeker_classes WHERE seeker_classes.seeker_id ");
    }
}

impl diesel::query_builder::QueryId for ShownLevels {
    type QueryId = ();
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl diesel::query_builder::Query for ShownLevels {
    type SqlType = (
        diesel::sql_types::BigInt,
        diesel::sql_types::Nullable<diesel::sql_types::Integer>,
    );
}

impl diesel::query_builder::QueryFragment<diesel::pg::Pg> for ShownLevels {
    fn walk_ast<'b>(
        &'b self,
        mut out: diesel::query_builder::AstPass<'_, 'b, diesel::pg::Pg>,
    ) -> QueryResult<()> {
        self.head(&mut out);
        out.push_sql("= ANY(");
        out.push_bind_param::<diesel::sql_types::Array<diesel::sql_types::BigInt>, _>(&self.ids)?;
        out.push_sql(")");
        Ok(())
    }
}

impl diesel::query_builder::QueryFragment<diesel::sqlite::Sqlite> for ShownLevels {
    fn walk_ast<'b>(
        &'b self,
        mut out: diesel::query_builder::AstPass<'_, 'b, diesel::sqlite::Sqlite>,
    ) -> QueryResult<()> {
        self.head(&mut out);
        out.push_sql("IN (SELECT value FROM json_each(");
        out.push_bind_param::<diesel::sql_types::Text, _>(&self.list)?;
        out.push_sql("))");
        Ok(())
    }
}

impl<C> RunQueryDsl<C> for ShownLevels {}

/// `kyushoku_domain::anonymity::shown_level` as SQL over a row of
/// `seeker_classes`: the first level whose class has a residual of at
/// least `k` in `sector`, NULL when none has. `CASE` tries its branches in
/// order and stops at the first that holds, so a seeker's classes are
/// looked up (by the tallies' primary key) only up to the level it is
/// shown at. The sector is one of two words and *k* a number: both written
/// in. The store test `shown_levels_are_the_domains_rule` compares it with
/// the domain's function.
fn shown_level_sql(sector: Sector, k: K) -> String {
    let branches: String = (0..LEVELS)
        .map(|level| {
            format!(
                " WHEN (SELECT q.residual FROM qi_classes q WHERE q.sector = '{sector}' \
                 AND q.class_key = seeker_classes.qi{level}) >= {k} THEN {level}",
                sector = sector.as_str(),
                k = k.get(),
            )
        })
        .collect();
    format!("(CASE{branches} END)")
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use chrono::Days;
    use diesel::prelude::*;
    use kyushoku_domain::anonymity::{Chain, LEVELS};
    use kyushoku_domain::{ConsentChannel, ConsentScope, PrefectureCode, Sector};

    use super::{bit, Row, SECTORS};
    use crate::schema::{qi_classes, seeker_classes};
    use crate::seekers::{self, SeekerUpsert};
    use crate::{now, Db, SeekerId};

    /// Every consent scope that shows a seeker somewhere.
    const SCOPES: [ConsentScope; 3] = [
        ConsentScope::Both,
        ConsentScope::PublicOnly,
        ConsentScope::PrivateOnly,
    ];

    /// A seeker whose chain shares its coarse classes with many others.
    fn seeker(n: i64, scope: ConsentScope, round: i64) -> SeekerUpsert {
        let mut chain = [0i64; LEVELS];
        for (level, class) in chain.iter_mut().enumerate() {
            *class = 1_000 * level as i64 + ((n + round) >> level);
        }
        SeekerUpsert {
            seeker_ref: format!("side-{n}"),
            consent_scope: scope,
            valid_until: now().date().checked_add_days(Days::new(30)).unwrap(),
            profile_json: "{}".into(),
            search_text: format!("side {n}"),
            wage_kind: None,
            wage_min: None,
            employment_types: Vec::new(),
            occupations: Vec::new(),
            locations: vec![(PrefectureCode::parse("13").unwrap(), None)],
            qualifications: Vec::new(),
            chain: Chain(chain),
        }
    }

    /// Each class's count of seekers as the tallies hold it, and as the
    /// seekers' own rows (`seeker_classes`, one a seeker, never shared)
    /// say it should be.
    #[allow(clippy::type_complexity)]
    fn counts(db: &Db) -> (HashMap<(String, i64), i64>, HashMap<(String, i64), i64>) {
        db.run(|c| {
            let held: Vec<(String, i64, i64)> = qi_classes::table
                .select((
                    qi_classes::sector,
                    qi_classes::class_key,
                    qi_classes::seekers,
                ))
                .load(c)?;
            let rows: Vec<Row> = seeker_classes::table.select(row_columns!()).load(c)?;
            let mut expected = HashMap::new();
            for row in rows {
                let chain = super::counted_of(&row);
                for sector in SECTORS {
                    if chain.sectors & bit(sector) != 0 {
                        for class in chain.chain.unwrap().0 {
                            *expected
                                .entry((sector.as_str().to_owned(), class))
                                .or_insert(0) += 1;
                        }
                    }
                }
            }
            let held = held.into_iter().map(|(s, k, n)| ((s, k), n)).collect();
            Ok((held, expected))
        })
        .unwrap()
    }

    /// `shown_levels` (the rule as SQL, looking up no further than the
    /// level shown) against the domain's `shown_level` over the residuals
    /// the tallies hold, for seekers of every scope (so the two sectors'
    /// residuals differ), shown at several levels, withheld, and ended; an
    /// unknown id is absent.
    fn shown_levels_are_the_domains_rule(db: &Db) {
        db.migrate().unwrap();
        let today = now().date();
        for n in 0..90i64 {
            let one = seeker(n, SCOPES[(n % 3) as usize], 0);
            db.run(|c| seekers::upsert(c, &one, ConsentChannel::HelloWork, today))
                .unwrap();
        }
        // A seeker alone all the way up its own chain: withheld everywhere.
        let mut alone = seeker(1_000, ConsentScope::Both, 0);
        alone.chain = Chain(std::array::from_fn(|level| 900_000 + level as i64));
        db.run(|c| seekers::upsert(c, &alone, ConsentChannel::HelloWork, today))
            .unwrap();
        db.run(|c| {
            seekers::end_registration(c, "side-5", kyushoku_domain::RegistrationStatus::Placed)
        })
        .unwrap();
        let ids: Vec<(SeekerId, Chain)> = db
            .run(|c| {
                let rows: Vec<(SeekerId, Row)> = seeker_classes::table
                    .select((seeker_classes::seeker_id, row_columns!()))
                    .load(c)?;
                Ok::<_, crate::StoreError>(
                    rows.iter()
                        .map(|(id, row)| (*id, super::counted_of(row).chain.unwrap()))
                        .collect(),
                )
            })
            .unwrap();
        assert!(ids.len() >= 90, "{}", ids.len());
        let mut asked: Vec<SeekerId> = ids.iter().map(|(id, _)| *id).collect();
        asked.push(SeekerId::from_row(9_999_999));
        let mut seen_levels = std::collections::BTreeSet::new();
        for sector in SECTORS {
            let residual: HashMap<i64, i64> = db
                .run(|c| {
                    Ok::<_, crate::StoreError>(
                        qi_classes::table
                            .filter(qi_classes::sector.eq(sector.as_str()))
                            .select((qi_classes::class_key, qi_classes::residual))
                            .load::<(i64, i64)>(c)?,
                    )
                })
                .unwrap()
                .into_iter()
                .collect();
            let (k, levels) = db.run(|c| super::shown_levels(c, sector, &asked)).unwrap();
            for (id, chain) in &ids {
                let expected = kyushoku_domain::anonymity::shown_level(
                    |class| residual.get(&class).copied().unwrap_or(0),
                    chain,
                    k,
                );
                assert_eq!(levels.get(id).copied(), expected, "{id:?} in {sector:?}");
                seen_levels.insert(expected);
            }
            assert!(!levels.contains_key(&SeekerId::from_row(9_999_999)));
        }
        // Shown at more than one level, and withheld too.
        assert!(seen_levels.len() >= 3, "{seen_levels:?}");
        assert!(seen_levels.contains(&None));
    }

    #[test]
    fn shown_levels_are_the_domains_rule_on_sqlite() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("t.db").display());
        shown_levels_are_the_domains_rule(
            &Db::connect(&url, &crate::PoolOptions::default()).unwrap(),
        );
    }

    /// The levels' statement keeps one text whatever the number of
    /// seekers, and diesel keeps it compiled.
    #[test]
    fn shown_levels_compile_their_statement_once_per_connection() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("t.db").display());
        let db = Db::connect(&url, &crate::PoolOptions::default()).unwrap();
        db.migrate().unwrap();
        let ran_and_kept = db
            .run(|c| {
                let seen = crate::testing::record_statements(c);
                for n in [1, 3, 40] {
                    let ids: Vec<SeekerId> = (1..=n).map(SeekerId::from_row).collect();
                    super::shown_levels(c, Sector::Private, &ids)?;
                }
                let ran_and_kept = seen
                    .lock()
                    .unwrap()
                    .ran_and_kept("SELECT seeker_classes.seeker_id");
                Ok::<_, crate::StoreError>(ran_and_kept)
            })
            .unwrap();
        assert_eq!(ran_and_kept, (3, 1));
    }

    #[test]
    fn shown_levels_are_the_domains_rule_on_postgresql() {
        crate::testing::on_fresh_postgres("shown_levels", shown_levels_are_the_domains_rule);
    }

    /// Writers side by side on PostgreSQL (groups of a batch, single
    /// upserts, consent changes, ends, a sweep), each taking R14's lock
    /// only once its rows are written: none waits for ever, and the
    /// tallies they leave count every seeker's classes exactly once.
    #[test]
    fn writes_side_by_side_leave_every_seeker_counted_once() {
        crate::testing::on_fresh_postgres("tallies_side_by_side", |db| {
            db.migrate().unwrap();
            let today = now().date();
            for round in 0..3i64 {
                let start = std::sync::Barrier::new(5);
                std::thread::scope(|s| {
                    for t in 0..4i64 {
                        let start = &start;
                        s.spawn(move || {
                            let lines: Vec<SeekerUpsert> = (0..150)
                                .map(|i| {
                                    let n = t * 150 + i;
                                    seeker(n, SCOPES[((n + round) % 3) as usize], round)
                                })
                                .collect();
                            let lines: Vec<&SeekerUpsert> = lines.iter().collect();
                            start.wait();
                            for group in lines.chunks(50) {
                                let done = db.run(|c| {
                                    seekers::upsert_group(
                                        c,
                                        group,
                                        ConsentChannel::HelloWork,
                                        today,
                                    )
                                });
                                // A seeker the other thread created first
                                // fails the group (`Conflict`): stored line
                                // by line then, as the service does.
                                if !matches!(done, Ok(Some(_))) {
                                    for one in group {
                                        db.run(|c| {
                                            seekers::upsert(
                                                c,
                                                one,
                                                ConsentChannel::HelloWork,
                                                today,
                                            )
                                        })
                                        .unwrap();
                                    }
                                }
                            }
                        });
                    }
                    s.spawn(|| {
                        start.wait();
                        for n in (0..600).step_by(7) {
                            let one = seeker(n, ConsentScope::Both, round + 1);
                            db.run(|c| seekers::upsert(c, &one, ConsentChannel::HelloWork, today))
                                .unwrap();
                            let id = db
                                .run(|c| seekers::find_by_ref(c, &one.seeker_ref))
                                .unwrap()
                                .unwrap()
                                .id;
                            db.run(|c| {
                                seekers::change_scope(
                                    c,
                                    id,
                                    ConsentScope::PublicOnly,
                                    ConsentChannel::MyPage,
                                )
                            })
                            .unwrap();
                            if n % 3 == 0 {
                                db.run(|c| {
                                    seekers::end_registration(
                                        c,
                                        &one.seeker_ref,
                                        kyushoku_domain::RegistrationStatus::Placed,
                                    )
                                })
                                .unwrap();
                            }
                        }
                        db.run(|c| seekers::sweep(c, today, now())).unwrap();
                    });
                });
                let (held, expected) = counts(db);
                assert!(!expected.is_empty());
                assert_eq!(held, expected, "round {round}");
            }
        });
    }
}
