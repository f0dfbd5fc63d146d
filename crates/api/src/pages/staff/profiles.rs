//! The staff's profile search (every filter of `GET /v1/profiles`: keyword,
//! occupation from the code list, prefecture then municipality, employment
//! type, wage, qualification, updated since), a profile, and the first
//! guidance with what is left of the day's cap (R13). Each calls the use
//! case the API calls: R1 inside the query, R9's audit row before the page
//! is sent, R3 and R13 on sending, the organisation's own pseudonyms (R10).

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use kyushoku_domain::calendar::today_in_japan;
use kyushoku_domain::profile::{EmploymentType, WageKind};
use kyushoku_domain::search::Asked;
use kyushoku_domain::PrefectureCode;
use kyushoku_service::messaging::{send_as_organisation, OrganisationSend};
use kyushoku_service::profiles::{self as search_profiles, Page};
use kyushoku_store::SeekerId;
use serde::Deserialize;

use super::StaffSession;
use crate::pages::form::{blank, choices, next_link, Choice};
use crate::pages::page::{html, see_other, Chrome, PageError};
use crate::pages::places;
use crate::pages::profile_view::{employment, fields, wage_kind, Field};
use crate::problem::ApiError;
use crate::routes::profiles::{day_of, seeker_info_member};
use crate::{audit_log, idempotency, pagination, AppState};

/// Profiles on one page of results.
const SHOWN: i64 = 20;

#[derive(Debug, Default, Deserialize)]
pub struct SearchForm {
    q: Option<String>,
    occupation: Option<String>,
    prefecture: Option<String>,
    municipality: Option<String>,
    employment_type: Option<String>,
    wage_min: Option<String>,
    wage_kind: Option<String>,
    qualification: Option<String>,
    /// A day (`YYYY-MM-DD`, the date input's value).
    updated_since: Option<String>,
    cursor: Option<String>,
}

struct ProfileLine {
    id: String,
    updated: String,
    summary: Vec<Field>,
}

#[derive(Template)]
#[template(path = "staff/profiles.html")]
struct SearchPage {
    chrome: Chrome,
    current: &'static str,
    form: SearchForm,
    occupations: Vec<Choice>,
    prefectures: Vec<Choice>,
    municipalities: Vec<Choice>,
    employment_types: Vec<Choice>,
    wage_kinds: Vec<Choice>,
    searched: bool,
    invalid: Vec<String>,
    profiles: Vec<ProfileLine>,
    next: Option<String>,
}

/// `GET /staff/profiles`: the form; with any filter or `search=1`, the
/// results, newest first, a page at a time.
pub async fn search(
    req: HttpRequest,
    s: StaffSession,
    query: web::Query<SearchForm>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, PageError> {
    let fail = PageError::of_staff(s.lang);
    let member = seeker_info_member(&s.principal).map_err(&fail)?.clone();
    let form = query.into_inner();
    let ja = s.lang == crate::pages::i18n::Lang::Ja;
    let prefecture = blank(&form.prefecture).and_then(|p| PrefectureCode::parse(p).ok());
    let mut page = SearchPage {
        chrome: s.chrome(format!("/staff/profiles?{}", req.query_string())),
        current: "profiles",
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
        wage_kinds: [WageKind::Monthly, WageKind::Daily, WageKind::Hourly]
            .into_iter()
            .map(|k| Choice {
                value: k.as_str().to_owned(),
                label: wage_kind(ja, k).to_owned(),
                selected: blank(&form.wage_kind).unwrap_or("monthly") == k.as_str(),
            })
            .collect(),
        searched: !req.query_string().is_empty(),
        invalid: Vec::new(),
        profiles: Vec::new(),
        next: None,
        form: SearchForm::default(),
    };
    if !page.searched {
        page.form = form;
        return Ok(html(StatusCode::OK, &page));
    }
    let t = s.s();
    let wage_min = match blank(&form.wage_min).map(|w| w.replace([',', '，'], "")) {
        Some(w) => match w.parse::<i64>() {
            Ok(n) => Some(n),
            Err(_) => {
                page.invalid.push(t.wage_offered.to_owned());
                None
            }
        },
        None => None,
    };
    let updated_since = match blank(&form.updated_since) {
        Some(d) => match chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d") {
            Ok(day) => Some(day.and_time(chrono::NaiveTime::MIN)),
            Err(_) => {
                page.invalid.push(t.updated_since.to_owned());
                None
            }
        },
        None => None,
    };
    let asked = Asked {
        q: blank(&form.q),
        occupation: blank(&form.occupation),
        prefecture: blank(&form.prefecture),
        municipality: blank(&form.municipality),
        employment_type: blank(&form.employment_type),
        wage_min,
        wage_kind: blank(&form.wage_kind),
        qualification: blank(&form.qualification),
        updated_since,
    };
    let parsed = pagination::criteria_and_limit(&asked, Some(SHOWN));
    let pager = pagination::Pager::new(&state, &s.principal, "profiles");
    let after = pager.after_recency(blank(&form.cursor));
    let (criteria, after) = match (parsed, after, page.invalid.is_empty()) {
        (Ok((criteria, _)), Ok(after), true) => (criteria, after),
        (parsed, _, _) => {
            if let Err(ApiError::Validation(errors)) = parsed {
                page.invalid.extend(
                    errors
                        .into_iter()
                        .map(|e| field_name(t, &e.field).to_owned()),
                );
            }
            if page.invalid.is_empty() {
                page.invalid.push(t.search_again.to_owned());
            }
            page.form = form;
            return Ok(html(StatusCode::UNPROCESSABLE_ENTITY, &page));
        }
    };
    let caller = audit_log::caller(&s.principal);
    let mut rows = state
        .show(move |c| {
            search_profiles::search(
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
    let pseudonyms = state
        .pseudonyms
        .for_organisation(&member.organisation_public_id);
    page.profiles = rows
        .into_iter()
        .map(|r| {
            let mut summary = fields(s.lang, &r.profile, &r.generalisation);
            summary.truncate(4);
            ProfileLine {
                id: pseudonyms.encode(r.id.get()),
                updated: day_of(r.updated_at).date_naive().to_string(),
                summary,
            }
        })
        .collect();
    page.next = next.map(|cursor| {
        let fields = [
            ("q", &form.q),
            ("occupation", &form.occupation),
            ("prefecture", &form.prefecture),
            ("municipality", &form.municipality),
            ("employment_type", &form.employment_type),
            ("wage_min", &form.wage_min),
            ("wage_kind", &form.wage_kind),
            ("qualification", &form.qualification),
            ("updated_since", &form.updated_since),
        ];
        next_link("/staff/profiles", &fields, ("cursor", cursor))
    });
    page.form = form;
    Ok(html(StatusCode::OK, &page))
}

/// A search field's name on the form.
fn field_name(t: &'static crate::pages::i18n::StaffText, field: &str) -> &'static str {
    match field {
        "q" => t.keyword,
        "occupation" => t.occupation,
        "prefecture" => t.prefecture,
        "municipality" => t.municipality,
        "employment_type" => t.employment_type,
        "wage_min" | "wage_kind" => t.wage_offered,
        "qualification" => t.qualification,
        "updated_since" => t.updated_since,
        _ => t.search_again,
    }
}

#[derive(Template)]
#[template(path = "staff/profile.html")]
struct ProfilePage {
    chrome: Chrome,
    current: &'static str,
    id: String,
    updated: String,
    valid_until: String,
    fields: Vec<Field>,
    guidance_left: i32,
    cap: i32,
    subject: String,
    body: String,
    problem: Option<&'static str>,
    notice: Option<&'static str>,
    form_key: String,
}

#[derive(Deserialize)]
pub struct Done {
    done: Option<String>,
}

struct Draft {
    subject: String,
    body: String,
    problem: Option<&'static str>,
}

async fn profile_page(
    s: &StaffSession,
    state: &AppState,
    profile_id: String,
    draft: Draft,
    status: StatusCode,
    notice: Option<&'static str>,
) -> Result<HttpResponse, PageError> {
    let fail = PageError::of_staff(s.lang);
    let member = seeker_info_member(&s.principal).map_err(&fail)?.clone();
    let pseudonyms = state
        .pseudonyms
        .for_organisation(&member.organisation_public_id);
    let seeker = pseudonyms
        .decode(&profile_id)
        .map(SeekerId::from_row)
        .ok_or(PageError::not_found(s.lang).staff())?;
    let caller = audit_log::caller(&s.principal);
    let cap = state.config.guidance_daily_cap;
    let (row, left) = state
        .show(move |c| {
            search_profiles::read_for_guidance(c, &caller, seeker, today_in_japan(), cap)
        })
        .await
        .map_err(&fail)?;
    let here = format!("/staff/profiles/{profile_id}");
    Ok(html(
        status,
        &ProfilePage {
            chrome: s.chrome(here),
            current: "profiles",
            id: profile_id,
            updated: day_of(row.updated_at).date_naive().to_string(),
            valid_until: row.valid_until.to_string(),
            fields: fields(s.lang, &row.profile, &row.generalisation),
            guidance_left: left,
            cap,
            subject: draft.subject,
            body: draft.body,
            problem: draft.problem,
            notice,
            form_key: uuid::Uuid::new_v4().to_string(),
        },
    ))
}

/// `GET /staff/profiles/{profile_id}`: one profile (R1, R2: what the
/// organisation may not see is "not found"), with the guidance form.
pub async fn read(
    s: StaffSession,
    profile_id: web::Path<String>,
    query: web::Query<Done>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, PageError> {
    let notice = match query.done.as_deref() {
        Some("sent") => Some(s.s().guidance_sent),
        _ => None,
    };
    let draft = Draft {
        subject: String::new(),
        body: String::new(),
        problem: None,
    };
    profile_page(
        &s,
        &state,
        profile_id.into_inner(),
        draft,
        StatusCode::OK,
        notice,
    )
    .await
}

#[derive(Deserialize)]
pub struct SendForm {
    csrf: String,
    subject: Option<String>,
    body: String,
    key: String,
    /// Where to return: the thread the answer was written in.
    thread: Option<String>,
}

/// `POST /staff/profiles/{profile_id}/messages`: the first guidance, or an
/// answer after the seeker wrote (R3), under the day's cap (R13), exactly
/// as `POST /v1/profiles/{profile_id}/messages` (the form's key is its
/// Idempotency-Key).
pub async fn send(
    req: HttpRequest,
    s: StaffSession,
    profile_id: web::Path<String>,
    form: web::Form<SendForm>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, PageError> {
    s.check_form(&req, &form.csrf)?;
    let fail = PageError::of_staff(s.lang);
    let member = seeker_info_member(&s.principal).map_err(&fail)?.clone();
    let SendForm {
        subject,
        body,
        key,
        thread,
        ..
    } = form.into_inner();
    let subject = subject.filter(|s| !s.trim().is_empty());
    let profile_id = profile_id.into_inner();
    let seeker = state
        .pseudonyms
        .for_organisation(&member.organisation_public_id)
        .decode(&profile_id)
        .map(SeekerId::from_row)
        .ok_or(PageError::not_found(s.lang).staff())?;
    let key = uuid::Uuid::parse_str(&key)
        .map_err(|_| PageError::form_expired(s.lang).staff())?
        .to_string();
    let raw = serde_json::to_vec(&serde_json::json!({
        "profile_id": profile_id, "subject": subject, "body": body
    }))
    .unwrap_or_default();
    let who = format!("org:{}", member.organisation_public_id);
    let caller = audit_log::caller(&s.principal);
    let cmd = OrganisationSend {
        seeker,
        subject: subject.clone(),
        body: body.clone(),
        today: today_in_japan(),
        daily_cap: state.config.guidance_daily_cap,
    };
    let st = state.clone();
    let sent = idempotency::once_atomic(&state, &who, Some(key), &raw, move |pledge| async move {
        let delivered = st
            .act(move |c| send_as_organisation(c, &caller, cmd, pledge.as_ref()))
            .await?;
        st.relay.wake(&st);
        Ok((StatusCode::CREATED, serde_json::json!(delivered.answer)))
    })
    .await;
    let t = s.s();
    let problem = match sent {
        Ok(_) => {
            let to = match thread.filter(|t| uuid::Uuid::parse_str(t).is_ok()) {
                Some(thread) => format!("/staff/threads/{thread}?done=sent"),
                None => format!("/staff/profiles/{profile_id}?done=sent"),
            };
            return Ok(see_other(to));
        }
        Err(ApiError::Validation(_)) => t.message_invalid,
        Err(ApiError::AwaitsSeeker) => t.awaits_seeker,
        Err(ApiError::GuidanceCap { .. }) => t.cap_reached,
        Err(ApiError::GuidanceRefused) => t.guidance_refused,
        Err(ApiError::ThreadClosed) => t.thread_closed,
        Err(e) => return Err(fail(e)),
    };
    let draft = Draft {
        subject: subject.unwrap_or_default(),
        body,
        problem: Some(problem),
    };
    profile_page(
        &s,
        &state,
        profile_id,
        draft,
        StatusCode::UNPROCESSABLE_ENTITY,
        None,
    )
    .await
}
