//! The bureau's audit search (R9): who saw seeker X (Hello Work's
//! reference), what organisation Y did, by action and period, in the
//! bureau's prefecture only: `kyushoku_service::bureau::trail`, the use
//! case of `GET /v1/audit`.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use chrono::{NaiveDate, NaiveTime};
use kyushoku_domain::AuditAction;
use kyushoku_service::bureau::{self as reads, IdPage, TrailQuery};
use kyushoku_store::AuditEventId;
use serde::Deserialize;

use super::BureauSession;
use crate::pages::form::{blank, next_link};
use crate::pages::my_page::jst;
use crate::pages::page::{html, Chrome, PageError};
use crate::AppState;

/// Events on one page.
const SHOWN: i64 = 50;

#[derive(Debug, Default, Deserialize)]
pub struct SearchForm {
    seeker_ref: Option<String>,
    organisation_id: Option<String>,
    action: Option<String>,
    /// Days, `YYYY-MM-DD` (Japan's calendar).
    from: Option<String>,
    to: Option<String>,
    /// The id of the last event of the page before.
    before: Option<i64>,
}

struct Row {
    at: String,
    action: &'static str,
    actor: String,
    organisation: Option<String>,
    target: Option<String>,
    seekers: usize,
}

struct Choice {
    value: &'static str,
    selected: bool,
}

#[derive(Template)]
#[template(path = "bureau/audit.html")]
struct AuditPage {
    chrome: Chrome,
    current: &'static str,
    form: SearchForm,
    actions: Vec<Choice>,
    searched: bool,
    invalid: bool,
    rows: Vec<Row>,
    next: Option<String>,
}

/// 00:00 in Japan of a day, as the stored (UTC) time.
fn day_start(day: NaiveDate) -> chrono::NaiveDateTime {
    day.and_time(NaiveTime::MIN) - chrono::Duration::hours(9)
}

/// `GET /bureau/audit`: the search form and, once asked, the events,
/// newest first.
pub async fn search(
    req: HttpRequest,
    b: BureauSession,
    query: web::Query<SearchForm>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, PageError> {
    let form = query.into_inner();
    let chosen = blank(&form.action).map(str::to_owned);
    let mut page = AuditPage {
        chrome: b.chrome(format!("/bureau/audit?{}", req.query_string())),
        current: "audit",
        actions: AuditAction::ALL
            .iter()
            .map(|a| Choice {
                value: a.as_str(),
                selected: chosen.as_deref() == Some(a.as_str()),
            })
            .collect(),
        searched: !req.query_string().is_empty(),
        invalid: false,
        rows: Vec::new(),
        next: None,
        form: SearchForm::default(),
    };
    if !page.searched {
        page.form = form;
        return Ok(html(StatusCode::OK, &page));
    }
    let day = |v: &Option<String>| -> Result<Option<NaiveDate>, ()> {
        blank(v)
            .map(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").map_err(|_| ()))
            .transpose()
    };
    let action = blank(&form.action).map(|a| AuditAction::parse(a).ok_or(()));
    let (from, to) = (day(&form.from), day(&form.to));
    let (Ok(from), Ok(to), Ok(action)) = (from, to, action.transpose()) else {
        page.invalid = true;
        page.form = form;
        return Ok(html(StatusCode::UNPROCESSABLE_ENTITY, &page));
    };
    let q = TrailQuery {
        organisation: blank(&form.organisation_id).map(str::to_owned),
        seeker_ref: blank(&form.seeker_ref).map(str::to_owned),
        action,
        from: from.map(day_start),
        to: to.map(|d| day_start(d + chrono::Duration::days(1))),
    };
    let prefecture = b.prefecture.clone();
    let before = form.before.map(AuditEventId::from_row);
    let trail = state
        .act(move |c| {
            reads::trail(
                c,
                &prefecture,
                q,
                IdPage {
                    from: before,
                    limit: SHOWN,
                },
            )
        })
        .await
        .map_err(PageError::of_bureau(b.lang))?;
    let mut events = trail.events;
    let more = events.len() > SHOWN as usize;
    events.truncate(SHOWN as usize);
    page.next = more
        .then(|| events.last().map(|e| e.id.get()))
        .flatten()
        .map(|last| {
            let fields = [
                ("seeker_ref", &form.seeker_ref),
                ("organisation_id", &form.organisation_id),
                ("action", &form.action),
                ("from", &form.from),
                ("to", &form.to),
            ];
            next_link("/bureau/audit", &fields, ("before", last.to_string()))
        });
    page.rows = events
        .into_iter()
        .map(|e| Row {
            at: jst(e.at),
            action: e.action.as_str(),
            actor: format!("{} {}", e.actor_kind.as_str(), e.actor_id),
            organisation: e.organisation_id.and_then(|id| {
                trail
                    .organisations
                    .iter()
                    .find(|(i, _)| *i == id)
                    .map(|(_, p)| p.clone())
            }),
            target: e.target,
            seekers: trail.seekers.iter().filter(|(id, _)| *id == e.id).count(),
        })
        .collect();
    page.form = form;
    Ok(html(StatusCode::OK, &page))
}
