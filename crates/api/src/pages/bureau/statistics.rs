//! The statistics in the source document's shape, for the bureau: the
//! figures of `GET /v1/stats` (organisations by kind and status, seekers
//! by consent choice with shares, offers by scope, messages, hires by
//! organisation kind and fiscal year), plus organisations by sector, and
//! hires and first guidances by month and organisation kind for the last
//! twelve months. Service-wide, and suppressed as published:
//! counts from 1 to 9 are shown as "—" (R14's rule for small groups).

use std::collections::BTreeMap;

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use askama::Template;
use chrono::Datelike;
use kyushoku_domain::calendar::{publishable, today_in_japan};
use kyushoku_domain::{ConsentScope, OrganisationKind, OrganisationStatus};

use super::BureauSession;
use crate::pages::i18n::Text;
use crate::pages::my_page::kind_label;
use crate::pages::page::{html, Chrome, PageError};
use crate::pages::staff::status_label;
use crate::pages::terms::group_label;
use crate::routes::stats::{build, SUPPRESS_BELOW};
use crate::AppState;
use kyushoku_domain::organisation::PublishedGroup;

/// A count as published: "—" when suppressed.
fn shown(n: Option<i64>) -> String {
    n.map(|n| n.to_string()).unwrap_or_else(|| "—".to_owned())
}

struct Table {
    head: Vec<String>,
    rows: Vec<(String, Vec<String>)>,
}

/// A table of counts with their shares (as published: "—" when
/// suppressed) and the total.
fn share_table<'a>(
    bt: &'static crate::pages::i18n::BureauText,
    lines: impl Iterator<Item = (&'a str, Option<i64>, Option<f64>)>,
    total: Option<i64>,
) -> Table {
    Table {
        head: vec![bt.count.to_owned(), bt.share.to_owned()],
        rows: lines
            .map(|(label, count, share)| {
                (
                    label.to_owned(),
                    vec![
                        shown(count),
                        share
                            .map(|x| format!("{:.1} %", x * 100.0))
                            .unwrap_or_else(|| "—".to_owned()),
                    ],
                )
            })
            .chain(std::iter::once((
                bt.total.to_owned(),
                vec![shown(total), String::new()],
            )))
            .collect(),
    }
}

#[derive(Template)]
#[template(path = "bureau/statistics.html")]
struct StatisticsPage {
    chrome: Chrome,
    current: &'static str,
    tables: Vec<(&'static str, Table)>,
    messages: Vec<(&'static str, String)>,
    threshold: i64,
}

fn scope_label(t: &'static Text, scope: &str) -> &'static str {
    match ConsentScope::parse(scope) {
        Some(ConsentScope::Both) => t.scope_both,
        Some(ConsentScope::PublicOnly) => t.scope_public_only,
        Some(ConsentScope::PrivateOnly) => t.scope_private_only,
        _ => t.scope_none,
    }
}

fn kind_word(t: &'static Text, kind: &str) -> &'static str {
    OrganisationKind::parse(kind).map_or("—", |k| kind_label(t, k))
}

/// `GET /bureau/statistics`.
pub async fn show(b: BureauSession, state: web::Data<AppState>) -> Result<HttpResponse, PageError> {
    let today = today_in_japan();
    let first = (today - chrono::Duration::days(365))
        .with_day(1)
        .unwrap_or(today);
    let (counts, guidance) = state
        .act(move |c| {
            Ok((
                kyushoku_service::hires::counts(c, today)?,
                kyushoku_service::bureau::guidance_by_day(c, first)?,
            ))
        })
        .await
        .map_err(PageError::of_bureau(b.lang))?;
    let stats = build(&counts);
    let t = b.lang.text();
    let bt = b.b();

    let statuses = [
        OrganisationStatus::Pending,
        OrganisationStatus::Approved,
        OrganisationStatus::Suspended,
        OrganisationStatus::Rejected,
        OrganisationStatus::Revoked,
        OrganisationStatus::Lapsed,
    ];
    let mut kinds: Vec<&str> = stats
        .organisations
        .iter()
        .map(|r| r.kind.as_str())
        .collect();
    kinds.dedup();
    let organisations = Table {
        head: statuses
            .iter()
            .map(|s| status_label(t.staff, *s).to_owned())
            .collect(),
        rows: kinds
            .iter()
            .map(|kind| {
                let cells = statuses
                    .iter()
                    .map(|s| {
                        shown(
                            stats
                                .organisations
                                .iter()
                                .find(|r| r.kind == *kind && r.status == s.as_str())
                                .map_or(Some(0), |r| r.count),
                        )
                    })
                    .collect();
                (format!("{} ({kind})", kind_word(t, kind)), cells)
            })
            .collect(),
    };
    let scope_table = |table: &crate::routes::stats::ScopeTable| {
        share_table(
            bt,
            table
                .by_scope
                .iter()
                .map(|s| (scope_label(t, &s.scope), s.count, s.share)),
            table.total,
        )
    };
    let messages = vec![
        (
            bt.from_organisations,
            shown(stats.messages.from_organisations),
        ),
        (bt.from_seekers, shown(stats.messages.from_seekers)),
        (bt.refusals, shown(stats.messages.blocks)),
    ];
    let mut year_kinds: Vec<String> = stats
        .hires
        .iter()
        .flat_map(|y| y.by_kind.iter().map(|k| k.kind.clone()))
        .collect();
    year_kinds.sort();
    year_kinds.dedup();
    let hires_by_year = Table {
        head: year_kinds
            .iter()
            .map(|k| kind_word(t, k).to_owned())
            .chain(std::iter::once(bt.total.to_owned()))
            .collect(),
        rows: stats
            .hires
            .iter()
            .map(|y| {
                let cells = year_kinds
                    .iter()
                    .map(|k| {
                        shown(
                            y.by_kind
                                .iter()
                                .find(|c| &c.kind == k)
                                .map_or(Some(0), |c| c.count),
                        )
                    })
                    .chain(std::iter::once(shown(y.total)))
                    .collect();
                (format!("{} {}", bt.fiscal_year, y.fiscal_year), cells)
            })
            .collect(),
    };
    // Hires and first guidances by month (the last twelve) and
    // organisation kind (by its word, as the yearly table publishes it).
    let mut by_month: BTreeMap<(i32, u32), BTreeMap<&'static str, i64>> = BTreeMap::new();
    for h in counts.hires.iter().filter(|h| h.hired_on >= first) {
        *by_month
            .entry((h.hired_on.year(), h.hired_on.month()))
            .or_default()
            .entry(h.kind.as_str())
            .or_default() += 1;
    }
    let mut guidance_by_month: BTreeMap<(i32, u32), BTreeMap<&'static str, i64>> = BTreeMap::new();
    for g in &guidance {
        *guidance_by_month
            .entry((g.day.year(), g.day.month()))
            .or_default()
            .entry(g.kind.as_str())
            .or_default() += g.sent.unwrap_or(0);
    }
    let month_table = |by_month: &BTreeMap<(i32, u32), BTreeMap<&'static str, i64>>| {
        let mut kinds: Vec<&'static str> =
            by_month.values().flat_map(|m| m.keys().copied()).collect();
        kinds.sort();
        kinds.dedup();
        Table {
            head: kinds
                .iter()
                .map(|k| kind_word(t, k).to_owned())
                .chain(std::iter::once(bt.total.to_owned()))
                .collect(),
            rows: by_month
                .iter()
                .rev()
                .map(|((y, m), counts)| {
                    let cells = kinds
                        .iter()
                        .map(|k| shown(publishable(*counts.get(k).unwrap_or(&0), SUPPRESS_BELOW)))
                        .chain(std::iter::once(shown(publishable(
                            counts.values().sum(),
                            SUPPRESS_BELOW,
                        ))))
                        .collect();
                    (format!("{y}-{m:02}"), cells)
                })
                .collect(),
        }
    };
    let hires_by_month = month_table(&by_month);
    let guidance_by_month = month_table(&guidance_by_month);
    // Organisations by sector (public: municipalities and the like;
    // private: placement agencies), the kinds' counts added up.
    let mut sectors: BTreeMap<&'static str, BTreeMap<&'static str, i64>> = BTreeMap::new();
    for r in &counts.organisations {
        let sector = match r.kind.sector() {
            kyushoku_domain::Sector::Public => bt.sector_public,
            kyushoku_domain::Sector::Private => bt.sector_private,
        };
        *sectors
            .entry(sector)
            .or_default()
            .entry(r.status.as_str())
            .or_default() += r.count;
    }
    let organisations_by_sector = Table {
        head: statuses
            .iter()
            .map(|s| status_label(t.staff, *s).to_owned())
            .collect(),
        rows: sectors
            .iter()
            .map(|(sector, by_status)| {
                let cells = statuses
                    .iter()
                    .map(|s| {
                        shown(publishable(
                            *by_status.get(s.as_str()).unwrap_or(&0),
                            SUPPRESS_BELOW,
                        ))
                    })
                    .collect();
                ((*sector).to_owned(), cells)
            })
            .collect(),
    };
    // The ministry's tables (issue 38): the organisations each service is
    // provided to, by group, and the hires the usage reports state.
    let tt = t.terms;
    let group_table = |table: &crate::routes::stats::GroupTable| {
        share_table(
            bt,
            table
                .by_group
                .iter()
                .map(|g| (group_label(tt, g.group), g.count, g.share)),
            table.total,
        )
    };
    let reported_by_year = Table {
        head: PublishedGroup::ALL
            .iter()
            .flat_map(|g| {
                [
                    format!("{} {}", group_label(tt, *g), tt.through_offers),
                    format!("{} {}", group_label(tt, *g), tt.through_seekers),
                ]
            })
            .chain([bt.total.to_owned()])
            .collect(),
        rows: stats
            .reported_hires
            .iter()
            .map(|y| {
                let cells = y
                    .by_group
                    .iter()
                    .flat_map(|g| [shown(g.from_offers), shown(g.from_seekers)])
                    .chain([shown(y.total)])
                    .collect();
                (format!("{} {}", bt.fiscal_year, y.fiscal_year), cells)
            })
            .collect(),
    };
    Ok(html(
        StatusCode::OK,
        &StatisticsPage {
            chrome: b.chrome("/bureau/statistics"),
            current: "statistics",
            tables: vec![
                (
                    tt.providers_job_offers,
                    group_table(&stats.providers.job_offers),
                ),
                (
                    tt.providers_seeker_info,
                    group_table(&stats.providers.seeker_info),
                ),
                (tt.reported_by_year, reported_by_year),
                (bt.organisations_by_kind, organisations),
                (bt.organisations_by_sector, organisations_by_sector),
                (bt.seekers_by_choice, scope_table(&stats.seekers)),
                (bt.offers_by_scope, scope_table(&stats.job_offers)),
                (bt.hires_by_year, hires_by_year),
                (bt.hires_by_month, hires_by_month),
                (bt.guidance_by_month, guidance_by_month),
            ],
            messages,
            threshold: SUPPRESS_BELOW,
        },
    ))
}
