//! The staff's job-offer search (the filters of `GET /v1/job-offers`), an
//! offer, and the downloads: the API's export under the session cookie
//! (`/staff/downloads/export`: CSV in UTF-8 or Shift_JIS, NDJSON), with the
//! same audit row. R1 for offers (the sector's scope) is inside the query.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use kyushoku_domain::offer::JobOffer;
use kyushoku_domain::profile::EmploymentType;
use kyushoku_domain::search::Asked;
use kyushoku_domain::{JobNumber, PrefectureCode};
use kyushoku_service::offers;
use kyushoku_service::profiles::Page;
use serde::Deserialize;

use super::StaffSession;
use crate::pages::form::{blank, choices, next_link, Choice};
use crate::pages::my_page::jst;
use crate::pages::offers::{line, OfferLine};
use crate::pages::page::{html, Chrome, PageError};
use crate::pages::profile_view::{employment, occupation, place, wage_kind, yen};
use crate::pages::{i18n::Lang, places};
use crate::routes::offers::job_offers_member;
use crate::{audit_log, pagination, AppState};

/// Offers on one page of results.
const SHOWN: i64 = 30;

#[derive(Debug, Default, Deserialize)]
pub struct SearchForm {
    q: Option<String>,
    occupation: Option<String>,
    prefecture: Option<String>,
    municipality: Option<String>,
    employment_type: Option<String>,
    wage_min: Option<String>,
    cursor: Option<String>,
}

#[derive(Template)]
#[template(path = "staff/offers.html")]
struct SearchPage {
    chrome: Chrome,
    current: &'static str,
    form: SearchForm,
    occupations: Vec<Choice>,
    prefectures: Vec<Choice>,
    municipalities: Vec<Choice>,
    employment_types: Vec<Choice>,
    searched: bool,
    invalid: bool,
    offers: Vec<OfferLine>,
    next: Option<String>,
    /// When the organisation's systems last read the change feed, and up
    /// to which change.
    last_sync: Option<(String, Option<i64>)>,
}

/// `GET /staff/offers`: the form, the results a page at a time, and the
/// download links.
pub async fn search(
    req: HttpRequest,
    s: StaffSession,
    query: web::Query<SearchForm>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, PageError> {
    let fail = PageError::of_staff(s.lang);
    job_offers_member(&s.principal).map_err(&fail)?;
    let caller = audit_log::caller(&s.principal);
    let last_sync = state
        .act(move |c| offers::last_sync(c, &caller))
        .await
        .map_err(&fail)?
        .map(|l| (jst(l.at), l.next_since));
    let form = query.into_inner();
    let ja = s.lang == Lang::Ja;
    let prefecture = blank(&form.prefecture).and_then(|p| PrefectureCode::parse(p).ok());
    let mut page = SearchPage {
        chrome: s.chrome(format!("/staff/offers?{}", req.query_string())),
        current: "offers",
        occupations: choices(places::occupations(), blank(&form.occupation), true),
        prefectures: choices(places::prefectures(), blank(&form.prefecture), false),
        municipalities: prefecture
            .as_ref()
            .map(|p| {
                choices(
                    places::municipalities_of(p),
                    blank(&form.municipality),
                    false,
                )
            })
            .unwrap_or_default(),
        employment_types: EmploymentType::ALL
            .iter()
            .map(|t| Choice {
                value: t.as_str().to_owned(),
                label: employment(ja, *t).to_owned(),
                selected: blank(&form.employment_type) == Some(t.as_str()),
            })
            .collect(),
        searched: !req.query_string().is_empty(),
        invalid: false,
        offers: Vec::new(),
        next: None,
        last_sync,
        form: SearchForm::default(),
    };
    if !page.searched {
        page.form = form;
        return Ok(html(StatusCode::OK, &page));
    }
    let wage_min = blank(&form.wage_min)
        .map(|w| w.replace([',', '，'], "").parse::<i64>())
        .transpose();
    let pager = pagination::Pager::new(&state, &s.principal, "job_offers");
    let parsed = wage_min.ok().and_then(|wage_min| {
        let asked = Asked {
            q: blank(&form.q),
            occupation: blank(&form.occupation),
            prefecture: blank(&form.prefecture),
            municipality: blank(&form.municipality),
            employment_type: blank(&form.employment_type),
            wage_min,
            wage_kind: None,
            qualification: None,
            updated_since: None,
        };
        let (criteria, _) = pagination::criteria_and_limit(&asked, Some(SHOWN)).ok()?;
        let after = pager.after_recency(blank(&form.cursor)).ok()?;
        Some((criteria, after))
    });
    let Some((criteria, after)) = parsed else {
        page.invalid = true;
        page.form = form;
        return Ok(html(StatusCode::UNPROCESSABLE_ENTITY, &page));
    };
    let caller = audit_log::caller(&s.principal);
    let mut rows = state
        .show(move |c| {
            offers::browse(
                c,
                &caller,
                &criteria,
                Page {
                    after,
                    limit: SHOWN,
                },
            )
        })
        .await
        .map_err(&fail)?;
    let next = pager.next_by_recency(&mut rows, SHOWN, |r| (r.updated_at, r.id));
    page.offers = rows
        .into_iter()
        .filter_map(|r| line(s.lang, r.job_number, &r.content))
        .collect();
    page.next = next.map(|cursor| {
        let fields = [
            ("q", &form.q),
            ("occupation", &form.occupation),
            ("prefecture", &form.prefecture),
            ("municipality", &form.municipality),
            ("employment_type", &form.employment_type),
            ("wage_min", &form.wage_min),
        ];
        next_link("/staff/offers", &fields, ("cursor", cursor))
    });
    page.form = form;
    Ok(html(StatusCode::OK, &page))
}

/// One line of an offer's page: a label and its text.
struct Row {
    label: &'static str,
    value: String,
}

#[derive(Template)]
#[template(path = "staff/offer.html")]
struct OfferPage {
    chrome: Chrome,
    current: &'static str,
    title: String,
    job_number: String,
    description: String,
    rows: Vec<Row>,
}

/// `GET /staff/offers/{job_number}`: one offer the organisation may see
/// (anything else is "not found", R2), recorded as the API's read is.
pub async fn read(
    s: StaffSession,
    job_number: web::Path<String>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, PageError> {
    let fail = PageError::of_staff(s.lang);
    job_offers_member(&s.principal).map_err(&fail)?;
    let number = JobNumber::parse(&job_number).map_err(|_| PageError::not_found(s.lang).staff())?;
    let caller = audit_log::caller(&s.principal);
    let row = state
        .show(move |c| offers::read(c, &caller, &number))
        .await
        .map_err(&fail)?;
    let o: JobOffer =
        serde_json::from_str(&row.content).map_err(|_| PageError::not_found(s.lang).staff())?;
    let ja = s.lang == Lang::Ja;
    let t = s.s();
    let wage = {
        let kind = wage_kind(ja, o.wage.kind);
        match (o.wage.max, ja) {
            (Some(max), true) => format!("{kind} {}円〜{}円", yen(o.wage.min), yen(max)),
            (None, true) => format!("{kind} {}円〜", yen(o.wage.min)),
            (Some(max), false) => format!("{kind}, ¥{}–¥{}", yen(o.wage.min), yen(max)),
            (None, false) => format!("{kind}, from ¥{}", yen(o.wage.min)),
        }
    };
    let mut rows = vec![
        Row {
            label: t.employer,
            value: o.employer_name.clone(),
        },
        Row {
            label: t.workplace,
            value: place(&o.prefecture, o.municipality.as_deref()),
        },
        Row {
            label: t.occupation,
            value: occupation(ja, &o.occupation),
        },
        Row {
            label: t.employment_type,
            value: employment(ja, o.employment_type).to_owned(),
        },
        Row {
            label: t.wage,
            value: wage,
        },
        Row {
            label: t.openings,
            value: o.openings.to_string(),
        },
        Row {
            label: t.valid_through,
            value: o.valid_through.to_string(),
        },
    ];
    if let Some(h) = &o.working_hours {
        rows.push(Row {
            label: t.working_hours,
            value: h.clone(),
        });
    }
    if let Some(days) = o.holidays_per_year {
        rows.push(Row {
            label: t.holidays,
            value: days.to_string(),
        });
    }
    if !o.qualifications.is_empty() {
        rows.push(Row {
            label: t.qualification,
            value: o.qualifications.join("、"),
        });
    }
    Ok(html(
        StatusCode::OK,
        &OfferPage {
            chrome: s.chrome(format!("/staff/offers/{}", row.job_number)),
            current: "offers",
            title: o.title,
            job_number: row.job_number,
            description: o.description,
            rows,
        },
    ))
}
