//! Keyword search's index and its plan, on both backends.
//!
//! - PostgreSQL indexes each text's bigrams with GIN (migration 000008) and
//!   its characters, for one-character keywords (migration 000020); SQLite
//!   indexes bigram tokens with FTS5 (migration 000020, [`grams`]).
//! - An index returns every match unordered, and a search shows the newest
//!   few: an index is the cheap way only when the keyword matches few rows.
//!   [`plan`] estimates the matches first (SQLite counts them up to a
//!   threshold, PostgreSQL samples the newest rows); a keyword that matches
//!   more walks the order instead and checks each row with `LIKE`, which
//!   stops after one page (see [`KeywordPlan`]). [`run`] bounds what a
//!   wrong estimate costs on PostgreSQL.
//! - Stored search text is folded by `kyushoku_domain::fold`; [`prepare`]
//!   folds it again at start-up when the fold has changed.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use diesel::dsl;
use diesel::expression::{SqlLiteral, UncheckedBind};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Bool, Nullable, Text};
use diesel::sqlite::SqliteConnection;
use kyushoku_domain::fold::FOLD_VERSION;
use kyushoku_domain::offer::JobOffer;
use kyushoku_domain::profile::EmploymentType;
use kyushoku_domain::profile::Profile;
use kyushoku_domain::search::Criteria;
use kyushoku_domain::{MunicipalityCode, OccupationCode, OccupationLevel, PrefectureCode};

use crate::schema::{job_offers, seekers, text_fold};
use crate::{DbConn, StoreError};

/// The tables keyword search covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Indexed {
    Seekers,
    JobOffers,
}

impl Indexed {
    fn table(self) -> &'static str {
        match self {
            Indexed::Seekers => "seekers",
            Indexed::JobOffers => "job_offers",
        }
    }

    /// PostgreSQL's indexed expression of the table's keys ([`holds`]).
    fn keys_expression(self) -> &'static str {
        match self {
            Indexed::Seekers => SEEKER_KEYS,
            Indexed::JobOffers => OFFER_KEYS,
        }
    }

    fn fts(self) -> &'static str {
        match self {
            Indexed::Seekers => "seeker_keywords",
            Indexed::JobOffers => "offer_keywords",
        }
    }
}

/// How a search finds its keyword's rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum KeywordPlan {
    /// Few rows hold the keyword: the index finds them all and they are
    /// sorted ([`holds`] drives the query).
    Index,
    /// Many do: the search walks its order and checks each row's text, so
    /// it stops after one page.
    Walk,
}

/// Where the two plans cost the same, in rows: sorting `m` matches against
/// walking `limit × n / m` rows of `n` to find a page of `limit` meet at
/// `m = √(limit × n)`. Never below 500, where either is cheap.
pub(crate) fn threshold(rows: i64, limit: i64) -> i64 {
    let product = (rows.max(1) as f64) * (limit.max(1) as f64);
    (product.sqrt() as i64).max(500)
}

/// [`threshold`] for a keyword among the `rows` a search's filters find:
/// without its floor of 500, which suits a walk over the whole table. A
/// walk over a filter's few thousand rows that finds its page in a few
/// dozen beat fetching and sorting a few hundred matches (SQLite, 100,000
/// offers: a phrase in a prefecture, p99 23.5 ms by the index), and both
/// are cheap below a page.
pub(crate) fn filter_threshold(rows: i64, limit: i64) -> i64 {
    let product = (rows.max(1) as f64) * (limit.max(1) as f64);
    (product.sqrt() as i64).max(limit.max(1))
}

/// How many of the newest rows PostgreSQL's plan looks at first, and how
/// many of the table's pages it samples when they hold too few (see
/// [`plan`]).
const PROBE_ROWS: i64 = 1000;
const PROBE_PAGES: i64 = 50;

/// Chooses how a search finds the rows of `table` whose text holds
/// `keyword`, for a page of `limit`: by the index when fewer than the
/// [`threshold`] hold it, else by a walk.
///
/// - SQLite counts the FTS5 matches, up to the threshold: reading a
///   doclist is cheap however long.
/// - PostgreSQL cannot count cheaply: a GIN bitmap for a common bigram
///   costs as many entries as rows hold it (15 ms for a third of 300,000
///   offers, and the planner may scan the table computing every row's
///   bigrams instead). It reads the newest [`PROBE_ROWS`] rows with `LIKE`
///   (under a millisecond) and scales the share that match to the table;
///   when that says few, it checks the rows of [`PROBE_PAGES`] pages drawn
///   at random (`TABLESAMPLE SYSTEM`) too, and scales by the share of pages
///   read. The newest rows come in clusters (a day's registrations alike):
///   a phrase the newest thousand lacked but a tenth of 2,000,000 seekers
///   held was sent to the index, which then rechecked a million rows (24 s,
///   session 33). Either sample saying many is a walk, which finds a common
///   keyword's page soon wherever its rows are.
pub(crate) fn plan(
    conn: &mut DbConn,
    table: Indexed,
    keyword: &str,
    limit: i64,
) -> Result<KeywordPlan, StoreError> {
    #[derive(QueryableByName)]
    struct Count {
        #[diesel(sql_type = BigInt)]
        n: i64,
    }
    #[derive(QueryableByName)]
    struct Pages {
        #[diesel(sql_type = BigInt)]
        pages: i64,
    }
    #[derive(QueryableByName)]
    struct Probe {
        #[diesel(sql_type = BigInt)]
        seen: i64,
        #[diesel(sql_type = BigInt)]
        hits: i64,
    }
    let rows = table_rows(conn, table)?;
    let cap = threshold(rows, limit);
    let many = match conn {
        DbConn::Postgresql(_) if COMMON.held(table, keyword) => true,
        DbConn::Postgresql(_) => {
            let newest = diesel::sql_query(format!(
                "SELECT COUNT(*) AS seen, \
                 COUNT(*) FILTER (WHERE search_text LIKE $1 ESCAPE '\\') AS hits \
                 FROM (SELECT search_text FROM {t} WHERE status = 'active' \
                 ORDER BY updated_at DESC, id DESC LIMIT {PROBE_ROWS}) newest",
                t = table.table()
            ))
            .bind::<Text, _>(like_pattern(keyword))
            .get_result::<Probe>(conn)?;
            if newest.seen < PROBE_ROWS {
                // The whole table was read: the count is exact.
                return Ok(if newest.hits >= cap {
                    KeywordPlan::Walk
                } else {
                    KeywordPlan::Index
                });
            }
            if newest.hits.saturating_mul(rows.max(newest.seen)) / newest.seen >= cap {
                return Ok(KeywordPlan::Walk);
            }
            // The pages there are now (statistics may be a night's load
            // behind), and a sample of about PROBE_PAGES of them.
            let pages = diesel::sql_query(format!(
                "SELECT (pg_relation_size('{}') / current_setting('block_size')::BIGINT) AS pages",
                table.table()
            ))
            .get_result::<Pages>(conn)?
            .pages
            .max(1);
            let percent = (100.0 * PROBE_PAGES as f64 / pages as f64).min(100.0);
            let probe = diesel::sql_query(format!(
                "SELECT COUNT(*) AS seen, \
                 COUNT(*) FILTER (WHERE search_text LIKE $1 ESCAPE '\\') AS hits \
                 FROM {t} TABLESAMPLE SYSTEM ({percent}) WHERE status = 'active'",
                t = table.table()
            ))
            .bind::<Text, _>(like_pattern(keyword))
            .get_result::<Probe>(conn)?;
            let estimate = (probe.hits as f64 * 100.0 / percent) as i64;
            estimate >= cap
        }
        DbConn::Sqlite(_) => {
            let found = diesel::sql_query(format!(
                "SELECT COUNT(*) AS n FROM (SELECT 1 FROM {f} WHERE {f} MATCH ? LIMIT ?) m",
                f = table.fts()
            ))
            .bind::<Text, _>(match_expression(keyword))
            .bind::<BigInt, _>(cap)
            .get_result::<Count>(conn)?
            .n;
            found >= cap
        }
    };
    Ok(if many {
        KeywordPlan::Walk
    } else {
        KeywordPlan::Index
    })
}

/// About how many rows `table` has: PostgreSQL's statistics, SQLite's
/// largest id.
fn table_rows(conn: &mut DbConn, table: Indexed) -> Result<i64, StoreError> {
    #[derive(QueryableByName)]
    struct Count {
        #[diesel(sql_type = BigInt)]
        n: i64,
    }
    let sql = match conn {
        DbConn::Postgresql(_) => format!(
            "SELECT GREATEST(reltuples, 0)::BIGINT AS n FROM pg_class \
             WHERE oid = '{}'::regclass",
            table.table()
        ),
        DbConn::Sqlite(_) => format!("SELECT COALESCE(MAX(id), 0) AS n FROM {}", table.table()),
    };
    Ok(diesel::sql_query(sql)
        .get_result::<Count>(conn)
        .optional()?
        .map_or(0, |c| c.n))
}

/// `keys` as FTS5 terms each required beside a keyword's expression.
fn fts_keys(keys: &[String]) -> String {
    keys.iter().map(|k| format!(" AND {k}")).collect()
}

/// How long PostgreSQL may take over a search [`plan`] sent to the index,
/// and then over a walk instead, in milliseconds (see [`run`]). Wall
/// time, so it is set well above what such a search costs (1–10 ms at
/// 2,000,000 seekers): with both cores busy (searches in flight are four
/// at most, two a core) it takes about twice as long.
const BUDGET_MS: u32 = 50;

/// Runs a keyword search (`query`, given the plan) by `plan`.
///
/// On PostgreSQL a search sent to the index runs within [`BUDGET_MS`]. The
/// samples [`plan`] reads can miss a keyword many rows hold: a phrase in
/// one seeker in a hundred (20,143 of 2,000,000) sat on one page in twelve
/// and was absent from all 50 sampled pages in one search of 80, and the
/// index then fetched and rechecked every holder (250–400 ms). Past the
/// budget the search walks, within the budget too, and a walk that
/// finds its page marks the keyword common for a while ([`COMMON`]); past
/// both (a rare keyword whose rows are slow to fetch), the index is asked
/// again without a budget. SQLite counts its matches exactly: its plan
/// runs as chosen.
pub(crate) fn run<T>(
    conn: &mut DbConn,
    table: Indexed,
    keyword: &str,
    plan: KeywordPlan,
    mut query: impl FnMut(&mut DbConn, KeywordPlan) -> QueryResult<T>,
) -> Result<T, StoreError> {
    if plan == KeywordPlan::Walk || !matches!(conn, DbConn::Postgresql(_)) {
        return Ok(query(conn, plan)?);
    }
    if let Ok(found) = within_budget(conn, BUDGET_MS, |c| query(c, KeywordPlan::Index)) {
        return Ok(found);
    }
    if let Ok(found) = within_budget(conn, BUDGET_MS, |c| query(c, KeywordPlan::Walk)) {
        COMMON.note(table, keyword);
        return Ok(found);
    }
    Ok(query(conn, KeywordPlan::Index)?)
}

/// `query` with PostgreSQL's `statement_timeout` at `budget` milliseconds,
/// in a transaction (a savepoint inside one) that a timeout rolls back.
fn within_budget<T>(
    conn: &mut DbConn,
    budget: u32,
    query: impl FnOnce(&mut DbConn) -> QueryResult<T>,
) -> QueryResult<T> {
    conn.transaction(|c| {
        diesel::sql_query(format!("SET LOCAL statement_timeout = {budget}")).execute(c)?;
        let found = query(c)?;
        diesel::sql_query("SET LOCAL statement_timeout TO DEFAULT").execute(c)?;
        Ok(found)
    })
}

/// How long PostgreSQL may walk a search with filters that have index
/// keys before [`run_filtered`] asks the index instead, in milliseconds. A
/// walk that finds its page costs 1–6 ms at 2,500,000 offers.
const WALK_BUDGET_MS: u32 = 15;

/// Runs a search of `table` whose filters have index keys (`keys`,
/// [`offer_query_keys`], [`seeker_query_keys`]), with or without a
/// keyword: `query` given the plan. The index holds the keyword's keys and
/// the filters' together ([`holds`]), so it answers in one scan however the
/// two intersect; the walk is cheap when many rows of its order match, and
/// the index when few do.
///
/// - SQLite counts the rows holding the keyword and the keys, up to the
///   [`filter_threshold`] of the rows the keys alone find (the walk's), and
///   chooses as [`plan`] does.
/// - PostgreSQL cannot count them cheaply, and a sample of a filter's
///   newest rows costs what a walk does: a filter combination few rows
///   match (one prefecture's contract offers: none of 155,000) walked every
///   row of its first filter (490 ms). The walk runs within
///   [`WALK_BUDGET_MS`]; past it the index answers within [`BUDGET_MS`].
///   A search the index answered is asked of the index at once for a
///   minute ([`SPARSE`]) when the index was the cheaper for sure: it found
///   less than a page (the walk would read every row of its filters), or
///   it answered within the walk's budget. A walk past its budget only
///   because the cores were busy, whose index found a full page slowly,
///   is walked again (a keyword and a prefecture, `客と` in Ishikawa: the
///   walk 2 ms, the index 15 ms for 2,586 matches, noted for a minute after
///   one walk ran long under load). Past both budgets, the walk answers
///   without a limit (asking the index without one instead let a dense
///   search that was only slow under load fetch every match: 1.2 s at p99,
///   session 36).
pub(crate) fn run_filtered<T>(
    conn: &mut DbConn,
    table: Indexed,
    keyword: Option<&str>,
    keys: &[String],
    limit: i64,
    mut query: impl FnMut(&mut DbConn, KeywordPlan) -> QueryResult<Vec<T>>,
) -> Result<Vec<T>, StoreError> {
    if let DbConn::Sqlite(_) = conn {
        #[derive(QueryableByName)]
        struct Count {
            #[diesel(sql_type = BigInt)]
            n: i64,
        }
        let count = |conn: &mut DbConn, expression: String, most: i64| -> QueryResult<i64> {
            Ok(diesel::sql_query(format!(
                "SELECT COUNT(*) AS n FROM (SELECT 1 FROM {f} WHERE {f} MATCH ? LIMIT ?) m",
                f = table.fts()
            ))
            .bind::<Text, _>(expression)
            .bind::<BigInt, _>(most)
            .get_result::<Count>(conn)?
            .n)
        };
        // The walk reads the filters' rows, not the table's: the threshold
        // is theirs.
        let rows = table_rows(conn, table)?;
        let filtered = match keyword {
            Some(_) => count(conn, keys_match(None, keys), rows.max(1))?,
            None => rows,
        };
        let cap = match keyword {
            Some(_) => filter_threshold(filtered, limit),
            None => threshold(filtered, limit),
        };
        let found = count(conn, keys_match(keyword, keys), cap)?;
        let plan = if found >= cap {
            KeywordPlan::Walk
        } else {
            KeywordPlan::Index
        };
        return Ok(query(conn, plan)?);
    }
    let search = format!("{}\u{0}{}", keyword.unwrap_or_default(), keys.join(" "));
    if !SPARSE.held(table, &search) {
        if let Ok(found) = within_budget(conn, WALK_BUDGET_MS, |c| query(c, KeywordPlan::Walk)) {
            return Ok(found);
        }
    }
    let asked = Instant::now();
    if let Ok(found) = within_budget(conn, BUDGET_MS, |c| query(c, KeywordPlan::Index)) {
        let quick = asked.elapsed() < Duration::from_millis(WALK_BUDGET_MS.into());
        if quick || (found.len() as i64) < limit {
            SPARSE.note(table, &search);
        }
        return Ok(found);
    }
    Ok(query(conn, KeywordPlan::Walk)?)
}

/// Keywords found common after [`plan`] said few ([`run`]): the plans of
/// searches for them walk at once, for ten minutes. At most
/// [`Noted::MOST`] are kept (all are forgotten when it is full), in this
/// process only, and never logged.
static COMMON: Noted = Noted(Mutex::new(None), Duration::from_secs(600));

/// Searches with filters ([`run_filtered`]) whose walk ran past its
/// budget and the index answered less than a page, or quickly: asked of
/// the index at once, for a
/// minute, keyed by their keyword and keys; the same bounds as
/// [`COMMON`]. A minute, not ten: a walk that ran past its budget from a
/// cold cache or behind other searches, where it is quick warm, is
/// walked again a minute later, and a search whose walk is always slow
/// pays the walk's budget once a minute.
static SPARSE: Noted = Noted(Mutex::new(None), Duration::from_secs(60));

/// Searches noted for a while (the second field), per table.
struct Noted(Mutex<Option<HashMap<(Indexed, String), Instant>>>, Duration);

impl Noted {
    const MOST: usize = 4096;

    fn note(&self, table: Indexed, keyword: &str) {
        let mut held = self.0.lock().unwrap_or_else(|e| e.into_inner());
        let held = held.get_or_insert_with(HashMap::new);
        if held.len() >= Self::MOST {
            held.clear();
        }
        held.insert((table, keyword.to_owned()), Instant::now());
    }

    fn held(&self, table: Indexed, keyword: &str) -> bool {
        let mut held = self.0.lock().unwrap_or_else(|e| e.into_inner());
        let Some(held) = held.as_mut() else {
            return false;
        };
        let key = (table, keyword.to_owned());
        match held.get(&key) {
            Some(noted) if noted.elapsed() < self.1 => true,
            Some(_) => {
                held.remove(&key);
                false
            }
            None => false,
        }
    }
}

/// "The row holds the keyword (if any) and the filter keys `keys`", as its
/// table's index answers it in one scan: on PostgreSQL the keyword's
/// character (one) or bigrams and `keys` among the row's keys (migrations
/// 000025 and 000026), on SQLite the FTS5 query with `keys` as terms beside
/// the keyword's. The `LIKE` and the filters' own conditions beside it
/// decide.
pub(crate) type Holds =
    SqlLiteral<Bool, UncheckedBind<SqlLiteral<Bool>, dsl::AsExprOf<String, Text>>>;

pub(crate) fn holds(
    conn: &DbConn,
    table: Indexed,
    keyword: Option<&str>,
    keys: &[String],
) -> Holds {
    match conn {
        DbConn::Postgresql(_) => dsl::sql::<Bool>(&format!("{} @> ", table.keys_expression()))
            .bind::<Text, _>(array_literal(keyword, keys))
            .sql("::TEXT[]"),
        DbConn::Sqlite(_) => dsl::sql::<Bool>(&format!(
            "\"{t}\".\"id\" IN (SELECT rowid FROM {f} WHERE {f} MATCH ",
            t = table.table(),
            f = table.fts()
        ))
        .bind::<Text, _>(keys_match(keyword, keys))
        .sql(")"),
    }
}

/// The most bigrams of a keyword a search asks PostgreSQL's index for.
const MOST_BIGRAMS: usize = 3;

/// The keys an offer holding `keyword` and `keys` holds, as PostgreSQL's
/// array literal: the keyword's one character, or its first, middle and
/// last distinct bigrams ([`MOST_BIGRAMS`]), then `keys`, each quoted.
/// Every key asked costs the GIN scan a walk along its rows for each
/// candidate of the rarest (at 2,500,000 offers, 5.5 ms for three keys and
/// 28 ms for eleven, all the bigrams of `一般事務(パート)` and three
/// filters); the `LIKE` beside it decides.
fn array_literal(keyword: Option<&str>, keys: &[String]) -> String {
    let chars: Vec<char> = keyword.unwrap_or_default().chars().collect();
    let mut all: Vec<String> = match chars.as_slice() {
        [] => Vec::new(),
        [one] => vec![one.to_string()],
        _ => {
            let mut bigrams: Vec<String> = Vec::new();
            for w in chars.windows(2) {
                let b: String = w.iter().collect();
                if !bigrams.contains(&b) {
                    bigrams.push(b);
                }
            }
            if bigrams.len() > MOST_BIGRAMS {
                let last = bigrams.len() - 1;
                bigrams = vec![
                    bigrams[0].clone(),
                    bigrams[last / 2].clone(),
                    bigrams[last].clone(),
                ];
            }
            bigrams
        }
    };
    all.extend(keys.iter().cloned());
    let mut out = String::from("{");
    for (i, key) in all.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push('"');
        for c in key.chars() {
            if matches!(c, '"' | '\\') {
                out.push('\\');
            }
            out.push(c);
        }
        out.push('"');
    }
    out.push('}');
    out
}

/// The FTS5 query for the rows holding `keyword` and `keys`.
fn keys_match(keyword: Option<&str>, keys: &[String]) -> String {
    match keyword {
        Some(k) => match_expression(k) + &fts_keys(keys),
        None => keys.join(" AND "),
    }
}

/// The job offers' indexed expression (migration 000025).
const OFFER_KEYS: &str = "kyushoku_offer_keys(\"job_offers\".\"search_text\", \
     \"job_offers\".\"prefecture\", \"job_offers\".\"municipality\", \
     \"job_offers\".\"occupation\", \"job_offers\".\"employment_type\", \
     \"job_offers\".\"wage_kind\")";

/// The keys a job offer's filter values add to its keyword index, each a
/// letter `z`, a letter for the filter and the value without `-` and `_`
/// (FTS5's ASCII tokenizer splits at them): `zp` the prefecture, `zm` the
/// municipality, `zj` the occupation's major group, `zo` its middle group
/// and its own code, `ze` the employment type, `zw` the wage's kind. At
/// least four characters, so never a text's character or bigram, and
/// never six hex digits. PostgreSQL's `kyushoku_offer_keys` (migration
/// 000025) spells them the same.
pub fn offer_keys(
    prefecture: &str,
    municipality: Option<&str>,
    occupation: &str,
    employment_type: &str,
    wage_kind: &str,
) -> Vec<String> {
    let prefix = |n: usize| occupation.chars().take(n).collect::<String>();
    let mut keys = vec![format!("zp{prefecture}")];
    if let Some(m) = municipality {
        keys.push(format!("zm{m}"));
    }
    keys.push(format!("zj{}", prefix(2)));
    keys.push(format!("zo{}", prefix(3)));
    keys.push(format!("zo{}", occupation.replace('-', "")));
    keys.push(format!("ze{}", employment_type.replace('_', "")));
    keys.push(format!("zw{wage_kind}"));
    keys.dedup();
    keys
}

/// The keys of [`offer_keys`] an offer matching `f`'s equality filters
/// holds, that the index is asked for: it narrows a keyword's offers by
/// them, and the query's own conditions decide (the wage and
/// `updated_since` are not asked).
pub fn offer_query_keys(f: &Criteria) -> Vec<String> {
    let mut keys = Vec::new();
    if let Some(p) = &f.prefecture {
        keys.push(format!("zp{}", p.as_str()));
    }
    if let Some(m) = &f.municipality {
        keys.push(format!("zm{}", m.as_str()));
    }
    if let Some(code) = &f.occupation {
        keys.push(match code.level() {
            OccupationLevel::Major => format!("zj{}", code.as_str()),
            OccupationLevel::Middle | OccupationLevel::Minor => {
                format!("zo{}", code.as_str().replace('-', ""))
            }
        });
    }
    if let Some(e) = f.employment_type {
        keys.push(employment_key(e));
    }
    // The wage's kind is held too but not asked: one of three, most offers
    // monthly, its key narrows little and costs the scan a walk along most
    // rows (6 ms at 2,500,000 offers).
    keys
}

/// The seekers' indexed expression (migration 000026).
const SEEKER_KEYS: &str =
    "kyushoku_seeker_keys(\"seekers\".\"search_text\", \"seekers\".\"filter_keys\")";

/// A value as a key's hex digits (its UTF-8 bytes): any text becomes one
/// token of FTS5's ASCII tokenizer and one PostgreSQL key, spelled as
/// PostgreSQL's `encode(convert_to(v, 'UTF8'), 'hex')` spells it.
fn hex_key(prefix: &str, value: &str) -> String {
    use std::fmt::Write;
    let mut out = String::with_capacity(prefix.len() + value.len() * 2);
    out.push_str(prefix);
    for b in value.bytes() {
        let _ = write!(out, "{b:02x}");
    }
    out
}

/// The keys a seeker's filter values add to the seekers' keyword index,
/// separated by spaces (the row's `filter_keys`, migration 000026): `zp`
/// each prefecture, `zm` each municipality, `zo` each occupation code the
/// seeker's filter rows hold (every level, without `-`), `zq` each
/// qualification's hex ([`hex_key`]), `ze` each employment type
/// ([`employment_key`]). The same values as the seeker's filter rows, so a
/// key is held exactly when a filter's row is. The employment types live
/// here only: `ze` and lowercase letters are never part of another key
/// (digits, hex digits), so `LIKE '%zecontract%'` tests one exactly.
pub fn seeker_keys(
    occupations: &[OccupationCode],
    locations: &[(PrefectureCode, Option<MunicipalityCode>)],
    qualifications: &[String],
    employment_types: &[EmploymentType],
) -> String {
    let mut keys: Vec<String> = Vec::new();
    keys.extend(locations.iter().map(|(p, _)| format!("zp{}", p.as_str())));
    keys.extend(
        locations
            .iter()
            .filter_map(|(_, m)| m.as_ref())
            .map(|m| format!("zm{}", m.as_str())),
    );
    keys.extend(
        occupations
            .iter()
            .map(|o| format!("zo{}", o.as_str().replace('-', ""))),
    );
    keys.extend(qualifications.iter().map(|q| hex_key("zq", q)));
    keys.extend(employment_types.iter().map(|e| employment_key(*e)));
    let mut seen = std::collections::HashSet::new();
    keys.retain(|k| seen.insert(k.clone()));
    keys.join(" ")
}

/// The keys of [`seeker_keys`] a seeker matching `f`'s equality filters
/// holds, that the index is asked for (the wage and `updated_since` are
/// not: the query's own conditions decide).
pub fn seeker_query_keys(f: &Criteria) -> Vec<String> {
    let mut keys = Vec::new();
    if let Some(p) = &f.prefecture {
        keys.push(format!("zp{}", p.as_str()));
    }
    if let Some(m) = &f.municipality {
        keys.push(format!("zm{}", m.as_str()));
    }
    if let Some(o) = &f.occupation {
        keys.push(format!("zo{}", o.as_str().replace('-', "")));
    }
    if let Some(q) = &f.qualification {
        keys.push(hex_key("zq", q));
    }
    if let Some(e) = f.employment_type {
        keys.push(employment_key(e));
    }
    keys
}

/// An employment type's key (`ze` and the type without `_`), for offers
/// and seekers alike.
pub fn employment_key(e: EmploymentType) -> String {
    format!("ze{}", e.as_str().replace('_', ""))
}

/// `LIKE`'s pattern for a substring, its wildcards escaped (with `\`).
pub(crate) fn like_pattern(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('%');
    for c in s.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('%');
    out
}

fn hex(c: char, out: &mut String) {
    use std::fmt::Write;
    let _ = write!(out, "{:06x}", c as u32);
}

/// The FTS5 tokens of a text: each pair of neighbouring characters, then
/// the last character alone, every character as six hex digits.
pub fn grams(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(chars.len() * 13);
    for pair in chars.windows(2) {
        hex(pair[0], &mut out);
        hex(pair[1], &mut out);
        out.push(' ');
    }
    if let Some(last) = chars.last() {
        hex(*last, &mut out);
    }
    out
}

/// The most bigrams a keyword's FTS5 query names (see [`match_expression`]).
const MOST_TERMS: usize = 8;

/// The FTS5 query for the texts holding `keyword`: the phrase of its
/// bigrams (exact), or for one character every token it starts. A keyword
/// of more than [`MOST_TERMS`] bigrams names that many, spread over it, each
/// required: every text holding the keyword holds them, and the `LIKE`
/// beside the query decides; each more bigram only costs (another doclist
/// read for every row) and narrows little.
pub fn match_expression(keyword: &str) -> String {
    let chars: Vec<char> = keyword.chars().collect();
    let mut out = String::with_capacity(chars.len() * 13 + 3);
    match chars.as_slice() {
        [] => out.push_str("\"\""),
        [one] => {
            hex(*one, &mut out);
            out.push('*');
        }
        _ if chars.len() - 1 > MOST_TERMS => {
            let last = chars.len() - 2;
            for i in 0..MOST_TERMS {
                let at = (i * last + (MOST_TERMS - 1) / 2) / (MOST_TERMS - 1);
                if i > 0 {
                    out.push_str(" AND ");
                }
                hex(chars[at], &mut out);
                hex(chars[at + 1], &mut out);
            }
        }
        _ => {
            out.push('"');
            for (i, pair) in chars.windows(2).enumerate() {
                if i > 0 {
                    out.push(' ');
                }
                hex(pair[0], &mut out);
                hex(pair[1], &mut out);
            }
            out.push('"');
        }
    }
    out
}

diesel::define_sql_function! {
    /// [`grams`], for SQLite's triggers on seekers (migration 000020).
    fn kyushoku_grams(text: Text) -> Text;
}

diesel::define_sql_function! {
    /// [`offer_grams`], for SQLite's triggers on job offers (migration 000025).
    fn kyushoku_offer_grams(
        text: Text,
        prefecture: Text,
        municipality: Nullable<Text>,
        occupation: Text,
        employment_type: Text,
        wage_kind: Text
    ) -> Text;
}

/// An offer's FTS5 tokens: its text's [`grams`], then its [`offer_keys`].
pub fn offer_grams(
    text: &str,
    prefecture: &str,
    municipality: Option<&str>,
    occupation: &str,
    employment_type: &str,
    wage_kind: &str,
) -> String {
    let mut out = grams(text);
    for key in offer_keys(
        prefecture,
        municipality,
        occupation,
        employment_type,
        wage_kind,
    ) {
        out.push(' ');
        out.push_str(&key);
    }
    out
}

/// Registers `kyushoku_grams` and `kyushoku_offer_grams` on a new SQLite
/// connection.
pub(crate) fn register(conn: &mut SqliteConnection) -> QueryResult<()> {
    kyushoku_grams_utils::register_impl(conn, |text: String| grams(&text))?;
    kyushoku_offer_grams_utils::register_impl(
        conn,
        |text: String,
         prefecture: String,
         municipality: Option<String>,
         occupation: String,
         employment_type: String,
         wage_kind: String| {
            offer_grams(
                &text,
                &prefecture,
                municipality.as_deref(),
                &occupation,
                &employment_type,
                &wage_kind,
            )
        },
    )
}

/// Folds the stored search text again if it was made by another version
/// of `kyushoku_domain::fold`, from each row's profile or offer. Returns
/// whether it did.
pub fn prepare(conn: &mut DbConn) -> Result<bool, StoreError> {
    conn.write_transaction(|c| {
        let stored: Option<i64> = text_fold::table
            .find("current")
            .select(text_fold::version)
            .get_result(c)
            .optional()?;
        if stored == Some(FOLD_VERSION) {
            return Ok(false);
        }
        let mut after = 0i64;
        loop {
            let rows: Vec<(i64, Option<String>, String)> = seekers::table
                .filter(seekers::id.gt(after))
                .order(seekers::id)
                .limit(2000)
                .select((seekers::id, seekers::profile, seekers::search_text))
                .load(c)?;
            let Some(last) = rows.last() else { break };
            after = last.0;
            for (id, profile, old) in rows {
                let text = profile
                    .and_then(|p| serde_json::from_str::<Profile>(&p).ok())
                    .map(|p| p.search_text())
                    .unwrap_or_default();
                if text != old {
                    diesel::update(seekers::table.find(id))
                        .set(seekers::search_text.eq(text))
                        .execute(c)?;
                }
            }
        }
        let mut after = 0i64;
        loop {
            let rows: Vec<(i64, String, String)> = job_offers::table
                .filter(job_offers::id.gt(after))
                .order(job_offers::id)
                .limit(2000)
                .select((job_offers::id, job_offers::content, job_offers::search_text))
                .load(c)?;
            let Some(last) = rows.last() else { break };
            after = last.0;
            for (id, content, old) in rows {
                let Ok(offer) = serde_json::from_str::<JobOffer>(&content) else {
                    continue;
                };
                let text = offer.search_text();
                if text != old {
                    diesel::update(job_offers::table.find(id))
                        .set(job_offers::search_text.eq(text))
                        .execute(c)?;
                }
            }
        }
        diesel::delete(text_fold::table).execute(c)?;
        diesel::insert_into(text_fold::table)
            .values((
                text_fold::id.eq("current"),
                text_fold::version.eq(FOLD_VERSION),
            ))
            .execute(c)?;
        Ok(true)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn like_wildcards_are_escaped() {
        assert_eq!(like_pattern("介護"), "%介護%");
        assert_eq!(like_pattern("100%_\\"), "%100\\%\\_\\\\%");
    }

    #[test]
    fn a_text_is_its_bigrams_then_its_last_character() {
        assert_eq!(grams(""), "");
        assert_eq!(grams("a"), "000061");
        assert_eq!(grams("介護士"), "004ecb008b77 008b770058eb 0058eb");
    }

    #[test]
    fn a_keyword_is_the_phrase_of_its_bigrams() {
        assert_eq!(match_expression("a"), "000061*");
        assert_eq!(match_expression("ab"), "\"000061000062\"");
        assert_eq!(match_expression("abc"), "\"000061000062 000062000063\"");
    }

    #[test]
    fn a_long_keyword_names_eight_bigrams_from_its_first_to_its_last() {
        let k = "abcdefghijklmnopqrst";
        let q = match_expression(k);
        let terms: Vec<&str> = q.split(" AND ").collect();
        assert_eq!(terms.len(), 8);
        assert_eq!(terms[0], "000061000062", "ab");
        assert_eq!(terms[7], "000073000074", "st");
        let nine = match_expression("abcdefghi");
        assert!(
            nine.starts_with('"') && nine.matches(' ').count() == 7,
            "{nine}"
        );
    }

    /// A search's answer by `plan`, after 200 ms when `plan` is `slow`.
    fn answer(c: &mut DbConn, plan: KeywordPlan, slow: &[KeywordPlan]) -> QueryResult<String> {
        #[derive(QueryableByName)]
        struct Answer {
            #[diesel(sql_type = Text)]
            by: String,
        }
        let by = match plan {
            KeywordPlan::Index => "index",
            KeywordPlan::Walk => "walk",
        };
        let wait = if slow.contains(&plan) { 0.2 } else { 0.0 };
        Ok(
            diesel::sql_query(format!("SELECT '{by}'::text AS by FROM pg_sleep({wait})"))
                .get_result::<Answer>(c)?
                .by,
        )
    }

    /// A search the plan sent to the index and that takes longer than the
    /// budget walks instead, and its keyword is walked at once afterwards;
    /// when both are slow the index answers without a budget; inside a
    /// transaction a timeout leaves it usable and the budget ends with the
    /// search.
    #[test]
    fn an_index_search_past_its_budget_walks_and_its_keyword_is_then_walked_at_once() {
        #[derive(QueryableByName)]
        struct Setting {
            #[diesel(sql_type = Text)]
            statement_timeout: String,
        }
        let timeout = |c: &mut DbConn| -> QueryResult<String> {
            Ok(diesel::sql_query("SHOW statement_timeout")
                .get_result::<Setting>(c)?
                .statement_timeout)
        };
        crate::testing::on_fresh_postgres("keyword_budget", |db| {
            db.migrate().unwrap();
            db.run(|conn| {
                let keyword = "予算を超える語";
                assert_eq!(
                    plan(conn, Indexed::Seekers, keyword, 20)?,
                    KeywordPlan::Index
                );
                let mut asked = Vec::new();
                let by = run(
                    conn,
                    Indexed::Seekers,
                    keyword,
                    KeywordPlan::Index,
                    |c, p| {
                        asked.push(p);
                        answer(c, p, &[KeywordPlan::Index])
                    },
                )?;
                assert_eq!(
                    (by.as_str(), asked),
                    ("walk", vec![KeywordPlan::Index, KeywordPlan::Walk])
                );
                assert_eq!(
                    plan(conn, Indexed::Seekers, keyword, 20)?,
                    KeywordPlan::Walk
                );
                assert_eq!(
                    plan(conn, Indexed::JobOffers, keyword, 20)?,
                    KeywordPlan::Index,
                    "another table's plan is its own"
                );

                let mut asked = Vec::new();
                let by = run(
                    conn,
                    Indexed::Seekers,
                    "両方とも遅い語",
                    KeywordPlan::Index,
                    |c, p| {
                        asked.push(p);
                        answer(c, p, &[KeywordPlan::Index, KeywordPlan::Walk])
                    },
                )?;
                assert_eq!(by, "index");
                assert_eq!(
                    asked,
                    [KeywordPlan::Index, KeywordPlan::Walk, KeywordPlan::Index]
                );
                assert_eq!(
                    plan(conn, Indexed::Seekers, "両方とも遅い語", 20)?,
                    KeywordPlan::Index,
                    "a keyword the walk did not answer in time is not noted"
                );

                let before = timeout(conn)?;
                let inside = conn.transaction(|c| -> Result<_, StoreError> {
                    let by = run(
                        c,
                        Indexed::JobOffers,
                        "取引の中の語",
                        KeywordPlan::Index,
                        |c, p| answer(c, p, &[KeywordPlan::Index]),
                    )?;
                    Ok((by, timeout(c)?))
                })?;
                assert_eq!(inside, ("walk".to_owned(), before.clone()));
                let quick = run(
                    conn,
                    Indexed::JobOffers,
                    "速い語",
                    KeywordPlan::Index,
                    |c, p| answer(c, p, &[]),
                )?;
                assert_eq!((quick, timeout(conn)?), ("index".to_owned(), before));
                Ok(())
            })
            .unwrap();
        });
    }

    /// `rows` rows naming the plan that answered, after `wait` seconds
    /// when that plan is listed in `slow`.
    fn rows(
        c: &mut DbConn,
        plan: KeywordPlan,
        slow: &[KeywordPlan],
        wait: f64,
        rows: usize,
    ) -> QueryResult<Vec<String>> {
        let by = answer(c, plan, &[])?;
        if slow.contains(&plan) {
            diesel::sql_query(format!("SELECT pg_sleep({wait})")).execute(c)?;
        }
        Ok(vec![by; rows])
    }

    /// A search of offers with filters walks within its budget; past it the
    /// index answers, and the same search is then asked of the index at
    /// once when the index found less than a page or answered within the
    /// walk's budget; a full page the index found slowly is walked again
    /// next time; when the index is slow too the walk answers without a
    /// limit.
    #[test]
    fn a_filtered_walk_past_its_budget_asks_the_index_and_the_search_is_then_indexed_at_once() {
        crate::testing::on_fresh_postgres("filtered_budget", |db| {
            db.migrate().unwrap();
            db.run(|conn| {
                let keys = ["zp23".to_owned(), "zecontract".to_owned()];
                let walk_slow = [KeywordPlan::Walk];
                let mut asked = Vec::new();
                // The index finds a full page quickly: noted.
                let by = run_filtered(conn, Indexed::JobOffers, Some("研"), &keys, 20, |c, p| {
                    asked.push(p);
                    rows(c, p, &walk_slow, 0.2, 20)
                })?;
                assert_eq!(
                    (by[0].as_str(), asked),
                    ("index", vec![KeywordPlan::Walk, KeywordPlan::Index])
                );
                let mut asked = Vec::new();
                run_filtered(conn, Indexed::JobOffers, Some("研"), &keys, 20, |c, p| {
                    asked.push(p);
                    rows(c, p, &[], 0.0, 20)
                })?;
                assert_eq!(asked, [KeywordPlan::Index], "noted: the index at once");
                let mut asked = Vec::new();
                run_filtered(conn, Indexed::JobOffers, None, &keys, 20, |c, p| {
                    asked.push(p);
                    rows(c, p, &[], 0.0, 20)
                })?;
                assert_eq!(asked, [KeywordPlan::Walk], "another search walks first");

                // The index finds a full page, slower than the walk's
                // budget (the walk was slow for the load, not the search):
                // walked first again.
                let both_slow = [KeywordPlan::Walk, KeywordPlan::Index];
                for _ in 0..2 {
                    let mut asked = Vec::new();
                    let by = run_filtered(
                        conn,
                        Indexed::JobOffers,
                        Some("客と"),
                        &keys,
                        20,
                        |c, p| {
                            asked.push(p);
                            rows(c, p, &both_slow, 0.025, 20)
                        },
                    )?;
                    assert_eq!(by[0], "index");
                    assert_eq!(asked, [KeywordPlan::Walk, KeywordPlan::Index], "not noted");
                }
                // As slow, but less than a page: the walk reads every row
                // of its filters, so the index is asked at once.
                run_filtered(
                    conn,
                    Indexed::JobOffers,
                    Some("少ない"),
                    &keys,
                    20,
                    |c, p| rows(c, p, &both_slow, 0.025, 3),
                )?;
                let mut asked = Vec::new();
                run_filtered(
                    conn,
                    Indexed::JobOffers,
                    Some("少ない"),
                    &keys,
                    20,
                    |c, p| {
                        asked.push(p);
                        rows(c, p, &[], 0.0, 3)
                    },
                )?;
                assert_eq!(asked, [KeywordPlan::Index], "few matches: noted");

                let mut asked = Vec::new();
                let by = run_filtered(
                    conn,
                    Indexed::JobOffers,
                    Some("両方"),
                    &keys,
                    20,
                    |c, p| {
                        asked.push(p);
                        rows(c, p, &both_slow, 0.2, 20)
                    },
                )?;
                assert_eq!(by[0], "walk");
                assert_eq!(
                    asked,
                    [KeywordPlan::Walk, KeywordPlan::Index, KeywordPlan::Walk]
                );
                Ok(())
            })
            .unwrap();
        });
    }

    /// The keys PostgreSQL's two index functions give a text, as sets:
    /// every bigram, and every character (migration 000024 rewrote both
    /// without rebuilding the indexes, which is right only if the sets
    /// stay these).
    #[test]
    fn postgresql_indexes_every_bigram_and_every_character_of_a_text() {
        use std::collections::BTreeSet;
        #[derive(QueryableByName)]
        struct Keys {
            #[diesel(sql_type = diesel::sql_types::Array<Text>)]
            bigrams: Vec<String>,
            #[diesel(sql_type = diesel::sql_types::Array<Text>)]
            chars: Vec<String>,
        }
        crate::testing::on_fresh_postgres("keyword_keys", |db| {
            db.migrate().unwrap();
            for text in [
                "",
                "a",
                "ab",
                "ああああ",
                "a\nb c",
                "𠮷野家の𠮷",
                "介護福祉士・ＥＸＣＥＬ１００%_",
            ] {
                let keys = db
                    .run(|conn| {
                        let DbConn::Postgresql(pg) = conn else {
                            unreachable!("a PostgreSQL pool")
                        };
                        Ok(diesel::sql_query(
                            "SELECT kyushoku_bigrams($1) AS bigrams, kyushoku_chars($1) AS chars",
                        )
                        .bind::<Text, _>(text)
                        .get_result::<Keys>(pg)?)
                    })
                    .unwrap();
                let chars: Vec<char> = text.chars().collect();
                let bigrams: BTreeSet<String> =
                    chars.windows(2).map(|w| w.iter().collect()).collect();
                let singles: BTreeSet<String> = chars.iter().map(|c| c.to_string()).collect();
                assert_eq!(
                    keys.bigrams.into_iter().collect::<BTreeSet<_>>(),
                    bigrams,
                    "{text:?}"
                );
                assert_eq!(
                    keys.chars.into_iter().collect::<BTreeSet<_>>(),
                    singles,
                    "{text:?}"
                );
            }
        });
    }

    #[test]
    fn a_seeker_holds_the_keys_of_every_filter_it_matches() {
        let occupations: Vec<OccupationCode> = ["07", "075", "075-11", "12", "120"]
            .iter()
            .map(|c| OccupationCode::parse(c).unwrap())
            .collect();
        let locations = vec![
            (
                PrefectureCode::parse("23").unwrap(),
                Some(MunicipalityCode::parse("231002").unwrap()),
            ),
            (PrefectureCode::parse("23").unwrap(), None),
            (PrefectureCode::parse("13").unwrap(), None),
        ];
        let qualifications = vec!["介護福祉士".to_owned(), "A B".to_owned()];
        let held = seeker_keys(
            &occupations,
            &locations,
            &qualifications,
            &[EmploymentType::PartTime, EmploymentType::Contract],
        );
        assert_eq!(
            held,
            "zp23 zp13 zm231002 zo07 zo075 zo07511 zo12 zo120 \
             zqe4bb8be8adb7e7a68fe7a589e5a3ab zq412042 zeparttime zecontract"
        );
        let held: Vec<&str> = held.split(' ').collect();
        assert!(held
            .iter()
            .all(|k| k.chars().count() >= 4 && k.starts_with('z')));
        for occupation in ["07", "075", "075-11", "120"] {
            let f = Criteria {
                prefecture: Some(PrefectureCode::parse("13").unwrap()),
                municipality: Some(MunicipalityCode::parse("231002").unwrap()),
                occupation: Some(OccupationCode::parse(occupation).unwrap()),
                employment_type: Some(EmploymentType::Contract),
                qualification: Some("A B".into()),
                ..Criteria::default()
            };
            let asked = seeker_query_keys(&f);
            assert_eq!(asked.len(), 5, "{asked:?}");
            for key in &asked {
                assert!(held.contains(&key.as_str()), "{occupation}: {key} not held");
            }
        }
        for other in [
            Criteria {
                occupation: Some(OccupationCode::parse("076").unwrap()),
                ..Criteria::default()
            },
            Criteria {
                qualification: Some("A  B".into()),
                ..Criteria::default()
            },
            Criteria {
                employment_type: Some(EmploymentType::FullTime),
                ..Criteria::default()
            },
        ] {
            assert!(!held.contains(&seeker_query_keys(&other)[0].as_str()));
        }
        assert_eq!(seeker_keys(&[], &[], &[], &[]), "");
    }

    #[test]
    fn an_offer_holds_the_keys_of_every_filter_it_matches() {
        use kyushoku_domain::profile::{EmploymentType, WageKind};
        use kyushoku_domain::search::Wage;
        use kyushoku_domain::{MunicipalityCode, OccupationCode, PrefectureCode};
        let held = offer_keys("23", Some("231002"), "075-11", "part_time", "hourly");
        assert_eq!(
            held,
            [
                "zp23",
                "zm231002",
                "zj07",
                "zo075",
                "zo07511",
                "zeparttime",
                "zwhourly"
            ]
        );
        assert!(held.iter().all(|k| k.chars().count() >= 4));
        assert!(!offer_keys("23", None, "075-11", "full_time", "monthly")
            .iter()
            .any(|k| k.starts_with("zm")));
        for occupation in ["07", "075", "075-11"] {
            let f = Criteria {
                prefecture: Some(PrefectureCode::parse("23").unwrap()),
                municipality: Some(MunicipalityCode::parse("231002").unwrap()),
                occupation: Some(OccupationCode::parse(occupation).unwrap()),
                employment_type: Some(EmploymentType::PartTime),
                wage: Some(Wage {
                    kind: WageKind::Hourly,
                    yen: 1200,
                }),
                ..Criteria::default()
            };
            let asked = offer_query_keys(&f);
            assert_eq!(asked.len(), 4, "{asked:?}");
            for key in &asked {
                assert!(held.contains(key), "{occupation}: {key} not held");
            }
        }
        let other = Criteria {
            occupation: Some(OccupationCode::parse("076").unwrap()),
            ..Criteria::default()
        };
        assert!(!held.contains(&offer_query_keys(&other)[0]));
        let tokens = offer_grams("介護", "23", None, "075-11", "full_time", "monthly");
        assert_eq!(
            tokens,
            "004ecb008b77 008b77 zp23 zj07 zo075 zo07511 zefulltime zwmonthly"
        );
    }

    /// PostgreSQL's `kyushoku_offer_keys` (migration 000025) gives an
    /// offer the text's characters and bigrams and the keys
    /// [`offer_keys`] spells, as sets.
    #[test]
    fn postgresql_spells_an_offers_keys_as_offer_keys_does() {
        use std::collections::BTreeSet;
        #[derive(QueryableByName)]
        struct Keys {
            #[diesel(sql_type = diesel::sql_types::Array<Text>)]
            keys: Vec<String>,
        }
        crate::testing::on_fresh_postgres("offer_keys", |db| {
            db.migrate().unwrap();
            for (text, prefecture, municipality, occupation, employment, wage) in [
                (
                    "介護職員",
                    "23",
                    Some("231002"),
                    "075-11",
                    "part_time",
                    "hourly",
                ),
                ("", "01", None, "075", "full_time", "monthly"),
                ("a", "47", None, "07", "dispatch", "daily"),
            ] {
                let keys = db
                    .run(|conn| {
                        let DbConn::Postgresql(pg) = conn else {
                            unreachable!("a PostgreSQL pool")
                        };
                        Ok(diesel::sql_query(
                            "SELECT kyushoku_offer_keys($1, $2, $3, $4, $5, $6) AS keys",
                        )
                        .bind::<Text, _>(text)
                        .bind::<Text, _>(prefecture)
                        .bind::<Nullable<Text>, _>(municipality)
                        .bind::<Text, _>(occupation)
                        .bind::<Text, _>(employment)
                        .bind::<Text, _>(wage)
                        .get_result::<Keys>(pg)?)
                    })
                    .unwrap();
                let chars: Vec<char> = text.chars().collect();
                let mut expected: BTreeSet<String> =
                    chars.windows(2).map(|w| w.iter().collect()).collect();
                expected.extend(chars.iter().map(|c| c.to_string()));
                expected.extend(offer_keys(
                    prefecture,
                    municipality,
                    occupation,
                    employment,
                    wage,
                ));
                assert_eq!(
                    keys.keys.into_iter().collect::<BTreeSet<_>>(),
                    expected,
                    "{text:?} {occupation}"
                );
            }
        });
    }

    #[test]
    fn an_offer_search_asks_its_keywords_keys_and_the_filters_keys() {
        let keys = ["zp23".to_owned(), "zecontract".to_owned()];
        assert_eq!(
            array_literal(Some("研"), &keys),
            r#"{"研","zp23","zecontract"}"#
        );
        assert_eq!(
            array_literal(Some("ああい"), &[]),
            r#"{"ああ","あい"}"#,
            "each bigram once"
        );
        assert_eq!(
            array_literal(Some("一般事務(パート)"), &[]),
            r#"{"一般","務(","ト)"}"#,
            "the first, middle and last"
        );
        assert_eq!(array_literal(Some(r#"a"\"#), &[]), r#"{"a\"","\"\\"}"#);
        assert_eq!(array_literal(None, &keys), r#"{"zp23","zecontract"}"#);
        assert_eq!(keys_match(None, &keys), "zp23 AND zecontract");
        assert_eq!(
            keys_match(Some("研"), &keys),
            "007814* AND zp23 AND zecontract"
        );
    }

    #[test]
    fn a_filters_threshold_has_no_floor_but_a_page() {
        assert_eq!(filter_threshold(1500, 5), 86);
        assert_eq!(filter_threshold(0, 20), 20);
        assert_eq!(filter_threshold(100_000, 100), threshold(100_000, 100));
    }

    #[test]
    fn the_threshold_grows_with_the_table_and_the_page() {
        assert_eq!(threshold(0, 20), 500);
        assert_eq!(threshold(100_000, 100), 3162);
        assert_eq!(threshold(2_000_000, 20), 6324);
        assert!(threshold(2_000_000, 100) > threshold(2_000_000, 20));
    }
}
