//! The public job-offer search by organisation ID (利用団体ID, issue 33,
//! point 4): an organisation tells seekers its ID; anyone enters it here
//! and searches the offers that organisation may present, with the job-offer
//! filters, without signing in. The same use case as the organisation's
//! own browse (`kyushoku_service::offers`), rate-limited per address like
//! every anonymous request, recorded in the organisation's trail.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use kyushoku_domain::offer::JobOffer;
use kyushoku_domain::search::{Asked, Criteria};
use kyushoku_service::offers;
use kyushoku_service::profiles::Page;
use serde::Deserialize;

use super::form::{blank, Choice};
use super::i18n::Lang;
use super::page::{html, Chrome, PageError};
use super::profile_view::{employment, yen};
use super::{places, profile_view};
use crate::problem::ApiError;
use crate::{audit_log, AppState};

/// Offers shown on one page of results.
const SHOWN: i64 = 50;

#[derive(Debug, Default, Deserialize)]
pub struct OfferSearch {
    #[serde(default)]
    organisation_id: String,
    q: Option<String>,
    prefecture: Option<String>,
    occupation: Option<String>,
    employment_type: Option<String>,
    wage_min: Option<String>,
}

/// One offer as the list shows it.
pub struct OfferLine {
    pub job_number: String,
    pub title: String,
    pub employer: String,
    pub place: String,
    pub wage: String,
    pub employment: &'static str,
    pub valid_through: String,
}

#[derive(Template)]
#[template(path = "offers.html")]
struct OffersPage {
    chrome: Chrome,
    form: OfferSearch,
    prefectures: Vec<Choice>,
    employment_types: Vec<Choice>,
    searched: bool,
    presenter: Option<String>,
    unknown: bool,
    invalid: bool,
    offers: Vec<OfferLine>,
    more: bool,
}

/// An offer's stored content as a list line, in `lang`.
pub fn line(lang: Lang, job_number: String, content: &str) -> Option<OfferLine> {
    let o: JobOffer = serde_json::from_str(content).ok()?;
    let ja = lang == Lang::Ja;
    let place = profile_view::place(&o.prefecture, o.municipality.as_deref());
    let kind = profile_view::wage_kind(ja, o.wage.kind);
    let wage = if ja {
        format!("{kind} {}円〜", yen(o.wage.min))
    } else {
        format!("{kind}, from ¥{}", yen(o.wage.min))
    };
    Some(OfferLine {
        job_number,
        title: o.title,
        employer: o.employer_name,
        place,
        wage,
        employment: employment(ja, o.employment_type),
        valid_through: o.valid_through.to_string(),
    })
}

/// `GET /offers?organisation_id=…&q=…`: the form, and the results once an
/// ID is given.
pub async fn search(
    req: HttpRequest,
    query: web::Query<OfferSearch>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, PageError> {
    let lang = Lang::of(&req);
    let form = query.into_inner();
    let ja = lang == Lang::Ja;
    let here = format!("/offers?{}", req.query_string());
    let prefectures = places::prefectures()
        .into_iter()
        .map(|(code, name)| Choice {
            selected: blank(&form.prefecture) == Some(code.as_str()),
            value: code,
            label: name,
        })
        .collect();
    let employment_types = kyushoku_domain::profile::EmploymentType::ALL
        .into_iter()
        .map(|t| Choice {
            value: t.as_str().to_owned(),
            label: employment(ja, t).to_owned(),
            selected: blank(&form.employment_type) == Some(t.as_str()),
        })
        .collect();
    let mut page = OffersPage {
        chrome: Chrome::new(lang, here, None),
        form: OfferSearch::default(),
        prefectures,
        employment_types,
        searched: false,
        presenter: None,
        unknown: false,
        invalid: false,
        offers: Vec::new(),
        more: false,
    };
    let organisation = form.organisation_id.trim().to_owned();
    if organisation.is_empty() {
        page.form = form;
        return Ok(html(StatusCode::OK, &page));
    }
    page.searched = true;
    let wage_min = match blank(&form.wage_min).map(str::parse::<i64>).transpose() {
        Ok(w) => w,
        Err(_) => {
            page.invalid = true;
            page.form = form;
            return Ok(html(StatusCode::UNPROCESSABLE_ENTITY, &page));
        }
    };
    let asked = Asked {
        q: blank(&form.q),
        occupation: blank(&form.occupation),
        prefecture: blank(&form.prefecture),
        municipality: None,
        employment_type: blank(&form.employment_type),
        wage_min,
        wage_kind: None,
        qualification: None,
        updated_since: None,
    };
    let Ok(criteria) = Criteria::parse(&asked) else {
        page.invalid = true;
        page.form = form;
        return Ok(html(StatusCode::UNPROCESSABLE_ENTITY, &page));
    };
    let caller = audit_log::caller_of(None);
    let found = state
        .show(move |c| {
            offers::browse_presented_by(
                c,
                &caller,
                &organisation,
                &criteria,
                Page {
                    after: None,
                    limit: SHOWN,
                },
            )
        })
        .await;
    page.form = form;
    match found {
        Ok((presenter, rows)) => {
            page.more = rows.len() > SHOWN as usize;
            page.presenter = Some(presenter.name);
            page.offers = rows
                .into_iter()
                .take(SHOWN as usize)
                .filter_map(|r| line(lang, r.job_number, &r.content))
                .collect();
            Ok(html(StatusCode::OK, &page))
        }
        Err(ApiError::NotFound) => {
            page.unknown = true;
            Ok(html(StatusCode::NOT_FOUND, &page))
        }
        Err(e) => Err(PageError::of(lang)(e)),
    }
}
