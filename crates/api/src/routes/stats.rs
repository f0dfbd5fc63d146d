//! `GET /v1/stats`: aggregate figures, public, in the shape of the source
//! document's tables: organisations by kind, seekers by consent scope with
//! shares (両方 80.0 %, 自治体のみ 18.8 %, 民間のみ 1.2 % in 2020), offers by
//! scope, messages, blocks, hires by organisation kind per fiscal year,
//! and (issue 38) organisations by the ministry's groups per service and
//! the hires the quarterly usage reports state, per fiscal year and group.
//! Counts from 1 to 9 are suppressed (`null`): they could single someone
//! out. Computed at most once a minute per instance.

use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use actix_web::{get, web, HttpResponse};
use chrono::{DateTime, Utc};
use kyushoku_domain::calendar::{fiscal_year, publishable};
use kyushoku_domain::organisation::PublishedGroup;
use kyushoku_domain::Author;
use kyushoku_store::hires;
use serde::Serialize;
use utoipa::ToSchema;

use crate::problem::ApiError;
use crate::AppState;
use kyushoku_domain::calendar::today_in_japan;

/// Counts below this are published as `null`.
pub const SUPPRESS_BELOW: i64 = 10;
const FRESH_FOR: Duration = Duration::from_secs(60);

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct KindStatusCount {
    #[schema(value_type = kyushoku_domain::OrganisationKind)]
    pub kind: String,
    #[schema(value_type = kyushoku_domain::OrganisationStatus)]
    pub status: String,
    pub count: Option<i64>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ScopeShare {
    #[schema(value_type = kyushoku_domain::ConsentScope)]
    pub scope: String,
    pub count: Option<i64>,
    /// Share of the total, 0–1, three decimals; `null` when suppressed.
    pub share: Option<f64>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ScopeTable {
    pub total: Option<i64>,
    pub by_scope: Vec<ScopeShare>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct KindCount {
    #[schema(value_type = kyushoku_domain::OrganisationKind)]
    pub kind: String,
    pub count: Option<i64>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FiscalYearHires {
    pub fiscal_year: i32,
    pub total: Option<i64>,
    pub by_kind: Vec<KindCount>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MessageCounts {
    /// Guidance and answers sent by organisations.
    pub from_organisations: Option<i64>,
    /// Questions and replies sent by seekers.
    pub from_seekers: Option<i64>,
    /// Organisations refused by seekers (受信拒否).
    pub blocks: Option<i64>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Stats {
    pub as_of: DateTime<Utc>,
    /// Counts from 1 to this minus one are `null`.
    pub suppression_threshold: i64,
    pub organisations: Vec<KindStatusCount>,
    /// Active job seekers who opted in, by consent scope.
    pub seekers: ScopeTable,
    /// Active job offers, by the employer's disclosure scope.
    pub job_offers: ScopeTable,
    pub messages: MessageCounts,
    /// Hires reported one by one (`POST /v1/hires`), by fiscal year and
    /// organisation kind.
    pub hires: Vec<FiscalYearHires>,
    /// Approved organisations each service is provided to, by the groups
    /// the ministry publishes (自治体等, 職業紹介事業者 有料・無料, 学校等,
    /// 特別の法人), with shares.
    pub providers: Providers,
    /// Hires decided through the service as the quarterly usage reports
    /// state them (submitted, not found false), by fiscal year and group:
    /// the ministry's figure.
    pub reported_hires: Vec<FiscalYearReported>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct GroupShare {
    pub group: PublishedGroup,
    pub count: Option<i64>,
    /// Share of the total, 0–1, three decimals; `null` when suppressed.
    pub share: Option<f64>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct GroupTable {
    pub total: Option<i64>,
    pub by_group: Vec<GroupShare>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Providers {
    /// 求人情報提供: organisations approved for job offers.
    pub job_offers: GroupTable,
    /// 求職情報提供: organisations approved for seeker information.
    pub seeker_info: GroupTable,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct GroupHires {
    pub group: PublishedGroup,
    pub from_offers: Option<i64>,
    pub from_seekers: Option<i64>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FiscalYearReported {
    pub fiscal_year: i32,
    pub from_offers: Option<i64>,
    pub from_seekers: Option<i64>,
    pub total: Option<i64>,
    pub by_group: Vec<GroupHires>,
}

fn group_table(counts: &HashMap<PublishedGroup, i64>) -> GroupTable {
    let total: i64 = counts.values().sum();
    GroupTable {
        total: p(total),
        by_group: PublishedGroup::ALL
            .iter()
            .map(|g| {
                let count = p(*counts.get(g).unwrap_or(&0));
                GroupShare {
                    group: *g,
                    count,
                    share: count
                        .filter(|_| total > 0)
                        .map(|c| (c as f64 / total as f64 * 1000.0).round() / 1000.0),
                }
            })
            .collect(),
    }
}

fn providers(rows: &[hires::ProviderCount]) -> Providers {
    let (mut offers, mut seekers) = (HashMap::new(), HashMap::new());
    for r in rows {
        let group = r.kind.published_group();
        if r.job_offers {
            *offers.entry(group).or_insert(0) += r.count;
        }
        if r.seeker_info {
            *seekers.entry(group).or_insert(0) += r.count;
        }
    }
    Providers {
        job_offers: group_table(&offers),
        seeker_info: group_table(&seekers),
    }
}

fn reported_hires(rows: &[hires::ReportedOfKind]) -> Vec<FiscalYearReported> {
    let mut years: BTreeMap<i32, HashMap<PublishedGroup, (i64, i64)>> = BTreeMap::new();
    for r in rows {
        let cell = years
            .entry(r.quarter.fiscal_year())
            .or_default()
            .entry(r.kind.published_group())
            .or_default();
        cell.0 += i64::from(r.hires_from_offers);
        cell.1 += i64::from(r.hires_from_seekers);
    }
    years
        .into_iter()
        .rev()
        .map(|(fiscal_year, groups)| {
            let offers: i64 = groups.values().map(|c| c.0).sum();
            let seekers: i64 = groups.values().map(|c| c.1).sum();
            FiscalYearReported {
                fiscal_year,
                from_offers: p(offers),
                from_seekers: p(seekers),
                total: p(offers + seekers),
                by_group: PublishedGroup::ALL
                    .iter()
                    .map(|g| {
                        let (o, s) = groups.get(g).copied().unwrap_or_default();
                        GroupHires {
                            group: *g,
                            from_offers: p(o),
                            from_seekers: p(s),
                        }
                    })
                    .collect(),
            }
        })
        .collect()
}

fn p(count: i64) -> Option<i64> {
    publishable(count, SUPPRESS_BELOW)
}

fn scope_table(rows: &[hires::ScopeCount]) -> ScopeTable {
    let total: i64 = rows.iter().map(|r| r.count).sum();
    let by_scope = ["both", "public_only", "private_only", "none"]
        .into_iter()
        .map(|scope| {
            let n = rows
                .iter()
                .find(|r| r.scope.as_str() == scope)
                .map(|r| r.count)
                .unwrap_or(0);
            let count = p(n);
            ScopeShare {
                scope: scope.to_owned(),
                count,
                share: count
                    .filter(|_| total > 0)
                    .map(|c| (c as f64 / total as f64 * 1000.0).round() / 1000.0),
            }
        })
        .collect();
    ScopeTable {
        total: p(total),
        by_scope,
    }
}

/// Builds the published figures from raw counts (pure, for tests).
pub fn build(counts: &hires::Counts) -> Stats {
    let mut years: BTreeMap<i32, BTreeMap<String, i64>> = BTreeMap::new();
    // Kinds by their word, as published (the order of the words).
    for hire in &counts.hires {
        *years
            .entry(fiscal_year(hire.hired_on))
            .or_default()
            .entry(hire.kind.as_str().to_owned())
            .or_default() += 1;
    }
    let author = |a: Author| {
        counts
            .messages_by_author
            .iter()
            .find(|x| x.author == a)
            .map(|x| x.count)
            .unwrap_or(0)
    };
    Stats {
        as_of: Utc::now(),
        suppression_threshold: SUPPRESS_BELOW,
        organisations: counts
            .organisations
            .iter()
            .map(|r| KindStatusCount {
                kind: r.kind.as_str().to_owned(),
                status: r.status.as_str().to_owned(),
                count: p(r.count),
            })
            .collect(),
        seekers: scope_table(&counts.seekers_by_scope),
        job_offers: scope_table(&counts.offers_by_scope),
        messages: MessageCounts {
            from_organisations: p(author(Author::Organisation)),
            from_seekers: p(author(Author::Seeker)),
            blocks: p(counts.blocks),
        },
        hires: years
            .into_iter()
            .rev()
            .map(|(fiscal_year, kinds)| FiscalYearHires {
                fiscal_year,
                total: p(kinds.values().sum()),
                by_kind: kinds
                    .into_iter()
                    .map(|(kind, n)| KindCount { kind, count: p(n) })
                    .collect(),
            })
            .collect(),
        providers: providers(&counts.providers),
        reported_hires: reported_hires(&counts.reported),
    }
}

static CACHE: Mutex<Option<(Instant, usize, Stats)>> = Mutex::new(None);

/// Aggregate statistics of the service.
///
/// Organisations by kind and status, the organisations each service is
/// provided to by the ministry's groups, seekers and offers by scope,
/// message counts, and hires by fiscal year (reported one by one, and as
/// the quarterly usage reports state them). Public; no personal data. Counts below
/// `suppression_threshold` are `null`, so no small group can be singled out.
#[utoipa::path(
    operation_id = "stats_read",
    tag = "operations",
    responses(
        (status = 200, body = Stats),
    )
)]
#[get("/v1/stats")]
pub async fn stats(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    // The cache is per database handle: tests run many databases in one process.
    let key = std::sync::Arc::as_ptr(&state.metrics) as usize;
    let cached = CACHE
        .lock()
        .expect("stats cache")
        .as_ref()
        .filter(|(at, k, _)| *k == key && at.elapsed() < FRESH_FOR)
        .map(|(_, _, s)| s.clone());
    let stats = match cached {
        Some(s) => s,
        None => {
            let today = today_in_japan();
            let counts = state
                .act(move |c| kyushoku_service::hires::counts(c, today))
                .await?;
            let s = build(&counts);
            *CACHE.lock().expect("stats cache") = Some((Instant::now(), key, s.clone()));
            s
        }
    };
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "public, max-age=60"))
        .json(stats))
}

#[cfg(test)]
mod tests {
    use super::*;
    use kyushoku_domain::ConsentScope;

    fn scope(scope: ConsentScope, count: i64) -> hires::ScopeCount {
        hires::ScopeCount { scope, count }
    }

    #[test]
    fn the_source_documents_split_comes_out_as_shares() {
        let counts = hires::Counts {
            seekers_by_scope: vec![
                scope(ConsentScope::Both, 800),
                scope(ConsentScope::PublicOnly, 188),
                scope(ConsentScope::PrivateOnly, 12),
            ],
            ..Default::default()
        };
        let s = build(&counts);
        assert_eq!(s.seekers.total, Some(1000));
        let shares: Vec<Option<f64>> = s.seekers.by_scope.iter().map(|x| x.share).collect();
        assert_eq!(shares, vec![Some(0.8), Some(0.188), Some(0.012), Some(0.0)]);
    }

    #[test]
    fn providers_and_reported_hires_by_the_ministrys_groups() {
        use kyushoku_domain::terms::FiscalQuarter;
        use kyushoku_domain::OrganisationKind as K;
        let provider = |kind, seeker_info, job_offers, count| hires::ProviderCount {
            kind,
            seeker_info,
            job_offers,
            count,
        };
        let report = |kind, quarter: &str, o, s| hires::ReportedOfKind {
            kind,
            quarter: FiscalQuarter::parse(quarter).unwrap(),
            hires_from_offers: o,
            hires_from_seekers: s,
        };
        let counts = hires::Counts {
            providers: vec![
                provider(K::Municipality, true, true, 400),
                provider(K::Prefecture, false, true, 31),
                provider(K::PaidAgency, true, true, 985),
                provider(K::FreeAgency, false, true, 62),
                provider(K::School, false, true, 3),
            ],
            reported: vec![
                report(K::Municipality, "FY2026-Q1", 20, 5),
                report(K::Prefecture, "FY2026-Q4", 10, 0),
                report(K::PaidAgency, "FY2025-Q4", 12, 30),
            ],
            ..Default::default()
        };
        let s = build(&counts);
        let offers = &s.providers.job_offers;
        assert_eq!(offers.total, Some(1481));
        assert_eq!(offers.by_group[0].count, Some(431));
        assert_eq!(offers.by_group[3].count, None, "3 schools are suppressed");
        let seekers = &s.providers.seeker_info;
        assert_eq!(seekers.total, Some(1385));
        assert_eq!(seekers.by_group[1].share, Some(0.711));
        assert_eq!(s.reported_hires[0].fiscal_year, 2026);
        assert_eq!(s.reported_hires[0].from_offers, Some(30));
        assert_eq!(s.reported_hires[0].from_seekers, None, "5 is suppressed");
        assert_eq!(s.reported_hires[0].total, Some(35));
        assert_eq!(s.reported_hires[1].fiscal_year, 2025);
        assert_eq!(s.reported_hires[1].by_group[1].from_seekers, Some(30));
    }

    #[test]
    fn small_counts_are_null() {
        let counts = hires::Counts {
            seekers_by_scope: vec![
                scope(ConsentScope::Both, 30),
                scope(ConsentScope::PrivateOnly, 3),
            ],
            blocks: 4,
            ..Default::default()
        };
        let s = build(&counts);
        assert_eq!(s.seekers.by_scope[2].count, None);
        assert_eq!(s.seekers.by_scope[2].share, None);
        assert_eq!(s.messages.blocks, None);
        assert_eq!(s.seekers.by_scope[1].count, Some(0));
    }
}
