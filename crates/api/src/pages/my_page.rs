//! The seeker's My Page in a browser: signed in with Hello Work's
//! single-use link; the inbox, a thread (answer, ask, report), 受信拒否,
//! the consent choice and its history, the profile as organisations see it
//! and who opened it. Each handler calls the use case the `/v1/me` API
//! calls, with the same audit rows, idempotency and rules.

use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpMessage, HttpRequest, HttpResponse};
use askama::Template;
use chrono::NaiveDateTime;
use kyushoku_domain::calendar::today_in_japan;
use kyushoku_domain::scrub::{scrub, MaskCounts};
use kyushoku_domain::{Author, ConsentChannel, ConsentScope, MessageKind, OrganisationKind};
use kyushoku_service::browser;
use kyushoku_service::messaging::{report_thread, send_as_seeker, SeekerSend};
use kyushoku_service::profiles::Page;
use kyushoku_service::seekers as choices;
use kyushoku_service::threads::{self, ThreadRead};
use kyushoku_store::messaging::{ListedThread, MessageRow, OrganisationCard};
use serde::Deserialize;

use super::i18n::{Lang, Text};
use super::page::{html, see_other, Chrome, PageError};
use super::places;
use super::profile_view::{fields, Field};
use super::session::{self, SeekerSession};
use crate::problem::ApiError;
use crate::routes::me::me;
use crate::{audit_log, idempotency, pagination, AppState};

/// Threads on one page of the inbox.
const INBOX_SIZE: i64 = 30;
/// Profile views shown.
const VIEWS_SHOWN: i64 = 100;

/// Times are shown in Japan's time, to the minute.
pub fn jst(at: NaiveDateTime) -> String {
    let tokyo = at.and_utc() + chrono::Duration::hours(9);
    tokyo.format("%Y-%m-%d %H:%M").to_string()
}

pub fn kind_label(t: &'static Text, kind: OrganisationKind) -> &'static str {
    match kind {
        OrganisationKind::PaidAgency => t.kind_paid,
        OrganisationKind::FreeAgency => t.kind_free,
        OrganisationKind::School => t.kind_school,
        OrganisationKind::SpecialCorporation => t.kind_special,
        OrganisationKind::Prefecture
        | OrganisationKind::Municipality
        | OrganisationKind::NationalAgency
        | OrganisationKind::NurseCenter => t.kind_public,
    }
}

/// An organisation as a page shows it.
pub struct Card {
    pub id: String,
    pub name: String,
    pub kind: &'static str,
    pub licence: Option<String>,
    pub place: String,
}

impl Card {
    fn of(t: &'static Text, c: OrganisationCard) -> Card {
        Card {
            kind: kind_label(t, c.kind),
            place: places::name(&c.prefecture, c.municipality.as_ref()),
            id: c.public_id,
            name: c.name,
            licence: c.licence_number,
        }
    }
}

// ---- sign-in ---------------------------------------------------------

#[derive(Template)]
#[template(path = "my_page/sign_in.html")]
struct SignInPage {
    chrome: Chrome,
    action: String,
}

/// `GET /my-page/sign-in/{token}`: a button that uses the link. Opening the
/// link does not use it (a mail scanner's visit must not).
pub async fn sign_in_page(req: HttpRequest, token: web::Path<String>) -> HttpResponse {
    let lang = Lang::of(&req);
    let action = format!("/my-page/sign-in/{}", token.as_str());
    html(
        StatusCode::OK,
        &SignInPage {
            chrome: Chrome::new(lang, action.clone(), None),
            action,
        },
    )
}

/// `POST /my-page/sign-in/{token}`: uses the link once and opens a new
/// session (any session this browser had is ended first).
pub async fn sign_in(
    req: HttpRequest,
    token: web::Path<String>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, PageError> {
    let lang = Lang::of(&req);
    let fail = PageError::of(lang);
    if !session::same_origin(&req) {
        return Err(PageError::form_expired(lang));
    }
    let now = kyushoku_store::now();
    let link = token.into_inner();
    let replacing = session::token_of(&req);
    let st = state.clone();
    let opened = match state
        .act(move |c| {
            browser::sign_in_seeker(c, &link, replacing.as_deref(), now, |seeker, epoch| {
                session::seeker_claims(&st, seeker, epoch)
            })
        })
        .await
    {
        Ok(opened) => opened,
        Err(ApiError::NotFound) => return Err(PageError::link_unusable(lang)),
        Err(e) => return Err(fail(e)),
    };
    if let Some(old) = req.extensions().get::<kyushoku_store::web::WebSessionRow>() {
        state.page_sessions.forget(&old.token_hash);
    }
    let mut res = see_other("/my-page");
    res.headers_mut().insert(
        header::SET_COOKIE,
        header::HeaderValue::from_str(&session::set_cookie(&req, &opened.token))
            .expect("a token is a header value"),
    );
    Ok(res)
}

#[derive(Template)]
#[template(path = "error.html")]
struct InfoPage<'a> {
    chrome: Chrome,
    title: &'a str,
    message: &'a str,
    back: Option<(&'static str, &'static str)>,
}

/// `GET /my-page/signed-out`.
pub async fn signed_out(req: HttpRequest) -> HttpResponse {
    let lang = Lang::of(&req);
    let t = lang.text();
    html(
        StatusCode::OK,
        &InfoPage {
            chrome: Chrome::new(lang, "/my-page/signed-out", None),
            title: t.signed_out_title,
            message: t.signed_out,
            back: None,
        },
    )
}

#[derive(Deserialize)]
pub struct CsrfOnly {
    csrf: String,
}

fn signed_out_answer(req: &HttpRequest) -> HttpResponse {
    let mut res = see_other("/my-page/signed-out");
    res.headers_mut().insert(
        header::SET_COOKIE,
        header::HeaderValue::from_str(&session::clear_cookie(req)).expect("a header value"),
    );
    res
}

/// `POST /my-page/sign-out`: ends this browser's session.
pub async fn sign_out(
    req: HttpRequest,
    s: SeekerSession,
    form: web::Form<CsrfOnly>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, PageError> {
    s.check_form(&req, &form.csrf)?;
    let hash = s.session.token_hash.clone();
    state.page_sessions.forget(&hash);
    state
        .act(move |c| Ok(kyushoku_store::web::close_session(c, &hash)?))
        .await
        .map_err(PageError::of(s.lang))?;
    Ok(signed_out_answer(&req))
}

/// `POST /my-page/sign-out-everywhere`: ends every session of the seeker.
pub async fn sign_out_everywhere(
    req: HttpRequest,
    s: SeekerSession,
    form: web::Form<CsrfOnly>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, PageError> {
    s.check_form(&req, &form.csrf)?;
    let who = s.principal.actor().to_ref();
    state
        .act(move |c| browser::close_everywhere(c, &who))
        .await
        .map_err(PageError::of(s.lang))?;
    crate::auth::principal_changed(&state, s.principal.actor())
        .await
        .map_err(PageError::of(s.lang))?;
    state.page_sessions.forget(&s.session.token_hash);
    Ok(signed_out_answer(&req))
}

// ---- inbox and threads -------------------------------------------------

struct ThreadLine {
    id: String,
    open: bool,
    unread: i32,
    updated: String,
    organisation: Card,
}

#[derive(Template)]
#[template(path = "my_page/inbox.html")]
struct InboxPage {
    chrome: Chrome,
    current: &'static str,
    threads: Vec<ThreadLine>,
    older: Option<String>,
}

#[derive(Deserialize)]
pub struct InboxQuery {
    /// The "older" link's cursor (the API's, sealed for this seeker).
    cursor: Option<String>,
}

/// `GET /my-page`: the seeker's threads, most recent first, a page at a
/// time (the API's cursor behind an "older" link).
pub async fn inbox(
    s: SeekerSession,
    query: web::Query<InboxQuery>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, PageError> {
    let fail = PageError::of(s.lang);
    let seeker = me(&state, &s.principal).await.map_err(&fail)?;
    let pager = pagination::Pager::new(&state, &s.principal, "seeker_threads");
    let after = pager
        .after_recency(query.cursor.as_deref())
        .map_err(|_| PageError::not_found(s.lang))?;
    let mut items = state
        .act(move |c| {
            threads::list_for_seeker(
                c,
                (&seeker).into(),
                Page {
                    after,
                    limit: INBOX_SIZE,
                },
            )
        })
        .await
        .map_err(&fail)?;
    let older = pager
        .next_by_recency(&mut items, INBOX_SIZE, |r| {
            (r.thread.updated_at, r.thread.id)
        })
        .map(|c| {
            let c: String = form_urlencoded::byte_serialize(c.as_bytes()).collect();
            format!("/my-page?cursor={c}")
        });
    let t = s.lang.text();
    let threads = items
        .into_iter()
        .map(
            |ListedThread {
                 thread,
                 open,
                 organisation,
             }| ThreadLine {
                id: thread.public_id,
                open,
                unread: thread.seeker_unread,
                updated: jst(thread.updated_at),
                organisation: Card::of(t, organisation),
            },
        )
        .collect();
    Ok(html(
        StatusCode::OK,
        &InboxPage {
            chrome: Chrome::new(s.lang, "/my-page", Some(s.session.csrf.clone())),
            current: "inbox",
            threads,
            older,
        },
    ))
}

struct Said {
    mine: bool,
    kind: &'static str,
    subject: Option<String>,
    body: String,
    at: String,
}

fn said(t: &'static Text, m: MessageRow) -> Said {
    Said {
        mine: m.author == Author::Seeker,
        kind: match (m.author, m.kind) {
            (Author::Seeker, _) => t.from_you,
            (_, MessageKind::Guidance) => t.guidance,
            _ => t.answer,
        },
        subject: m.subject,
        body: m.body,
        at: jst(m.created_at),
    }
}

/// What the personal-data detector found in a message about to be sent.
struct Found {
    kinds: Vec<&'static str>,
}

fn found(t: &'static Text, c: MaskCounts) -> Found {
    let named = [
        (c.phone, t.warn_phone),
        (c.email, t.warn_email),
        (c.url, t.warn_url),
        (c.postal_code, t.warn_postal),
        (c.individual_number, t.warn_number),
        (c.name, t.warn_name),
        (c.address, t.warn_address),
        (c.birth_date, t.warn_birth),
        (c.handle, t.warn_handle),
    ];
    Found {
        kinds: named
            .into_iter()
            .filter(|(n, _)| *n > 0)
            .map(|(_, w)| w)
            .collect(),
    }
}

#[derive(Template)]
#[template(path = "my_page/thread.html")]
struct ThreadPage {
    chrome: Chrome,
    current: &'static str,
    id: String,
    open: bool,
    refused: bool,
    organisation: Card,
    messages: Vec<Said>,
    /// A draft sent back: what the seeker wrote, and why it was not sent.
    draft: String,
    warning: Option<Found>,
    invalid: bool,
    notice: Option<&'static str>,
    /// Fresh keys for the forms (a second press sends nothing twice).
    form_key: String,
    report_key: String,
}

#[derive(Deserialize)]
pub struct Notice {
    done: Option<String>,
}

fn notice(t: &'static Text, done: Option<&str>) -> Option<&'static str> {
    match done? {
        "sent" => Some(t.sent),
        "reported" => Some(t.report_filed),
        "saved" => Some(t.saved),
        _ => None,
    }
}

struct Draft {
    body: String,
    warning: Option<Found>,
    invalid: bool,
}

async fn thread_page(
    s: &SeekerSession,
    state: &AppState,
    thread_id: String,
    draft: Draft,
    done: Option<&str>,
) -> Result<HttpResponse, PageError> {
    let fail = PageError::of(s.lang);
    let seeker = me(state, &s.principal).await.map_err(&fail)?;
    let (
        ThreadRead {
            thread,
            open,
            messages,
        },
        card,
        refused,
    ) = state
        .act(move |c| threads::read_on_my_page(c, (&seeker).into(), &thread_id))
        .await
        .map_err(&fail)?;
    let t = s.lang.text();
    let status = if draft.warning.is_some() || draft.invalid {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let here = format!("/my-page/threads/{}", thread.public_id);
    Ok(html(
        status,
        &ThreadPage {
            chrome: Chrome::new(s.lang, here, Some(s.session.csrf.clone())),
            current: "inbox",
            id: thread.public_id,
            open,
            refused,
            organisation: Card::of(t, card),
            messages: messages.into_iter().map(|m| said(t, m)).collect(),
            draft: draft.body,
            warning: draft.warning,
            invalid: draft.invalid,
            notice: notice(t, done),
            form_key: uuid::Uuid::new_v4().to_string(),
            report_key: uuid::Uuid::new_v4().to_string(),
        },
    ))
}

/// `GET /my-page/threads/{id}`: a thread; the organisation's messages are
/// marked read, as the API's read does.
pub async fn thread(
    s: SeekerSession,
    thread_id: web::Path<String>,
    query: web::Query<Notice>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, PageError> {
    let draft = Draft {
        body: String::new(),
        warning: None,
        invalid: false,
    };
    thread_page(
        &s,
        &state,
        thread_id.into_inner(),
        draft,
        query.done.as_deref(),
    )
    .await
}

#[derive(Deserialize)]
pub struct SendForm {
    csrf: String,
    body: String,
    /// Set by the warning's "send as it is".
    confirmed: Option<String>,
    /// The form's idempotency key.
    key: String,
}

/// `POST /my-page/threads/{id}/messages`: the seeker asks or answers (R4).
/// A message in which the detector finds a phone number, an address, a
/// name… comes back with a warning, to be sent only once confirmed (the
/// message is the seeker's).
pub async fn send(
    req: HttpRequest,
    s: SeekerSession,
    thread_id: web::Path<String>,
    form: web::Form<SendForm>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, PageError> {
    s.check_form(&req, &form.csrf)?;
    let SendForm {
        body,
        confirmed,
        key,
        ..
    } = form.into_inner();
    let thread_id = thread_id.into_inner();
    let t = s.lang.text();
    let (_, counts) = scrub(&body);
    if counts.total() > 0 && confirmed.is_none() {
        let draft = Draft {
            body,
            warning: Some(found(t, counts)),
            invalid: false,
        };
        return thread_page(&s, &state, thread_id, draft, None).await;
    }
    let fail = PageError::of(s.lang);
    let seeker = me(&state, &s.principal).await.map_err(&fail)?;
    let key = uuid::Uuid::parse_str(&key)
        .map_err(|_| PageError::form_expired(s.lang))?
        .to_string();
    let raw = serde_json::to_vec(&serde_json::json!({"thread_id": thread_id, "body": body}))
        .unwrap_or_default();
    let who = format!("seeker:{}", seeker.seeker_ref);
    let caller = audit_log::caller(&s.principal);
    let cmd = SeekerSend {
        seeker: seeker.id,
        thread: thread_id.clone(),
        body: body.clone(),
        today: today_in_japan(),
    };
    let st = state.clone();
    let sent = idempotency::once_atomic(&state, &who, Some(key), &raw, move |pledge| async move {
        let delivered = st
            .act(move |c| send_as_seeker(c, &caller, cmd, &seeker.seeker_ref, pledge.as_ref()))
            .await?;
        st.relay.wake(&st);
        Ok((StatusCode::CREATED, serde_json::json!(delivered.answer)))
    })
    .await;
    match sent {
        Ok(_) => Ok(see_other(format!("/my-page/threads/{thread_id}?done=sent"))),
        Err(ApiError::Validation(_)) => {
            let draft = Draft {
                body,
                warning: None,
                invalid: true,
            };
            thread_page(&s, &state, thread_id, draft, None).await
        }
        // A thread that closed meanwhile: the page says why.
        Err(ApiError::ThreadClosed) => Ok(see_other(format!("/my-page/threads/{thread_id}"))),
        Err(e) => Err(fail(e)),
    }
}

#[derive(Deserialize)]
pub struct ReportForm {
    csrf: String,
    reason: String,
    key: String,
}

/// `POST /my-page/threads/{id}/reports`: reports the organisation to the
/// labour bureau.
pub async fn report(
    req: HttpRequest,
    s: SeekerSession,
    thread_id: web::Path<String>,
    form: web::Form<ReportForm>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, PageError> {
    s.check_form(&req, &form.csrf)?;
    let ReportForm { reason, key, .. } = form.into_inner();
    let fail = PageError::of(s.lang);
    let seeker = me(&state, &s.principal).await.map_err(&fail)?;
    let key = uuid::Uuid::parse_str(&key)
        .map_err(|_| PageError::form_expired(s.lang))?
        .to_string();
    let thread = thread_id.into_inner();
    let raw = serde_json::to_vec(&serde_json::json!({"thread_id": thread, "reason": reason}))
        .unwrap_or_default();
    let who = format!("seeker:{}", seeker.seeker_ref);
    let st = state.clone();
    let t2 = thread.clone();
    let filed = idempotency::once_atomic(&state, &who, Some(key), &raw, move |pledge| async move {
        let filed = st
            .act(move |c| report_thread(c, seeker.id, &t2, &reason, pledge.as_ref()))
            .await?;
        Ok((StatusCode::CREATED, serde_json::json!(filed)))
    })
    .await;
    match filed {
        Ok(_) => Ok(see_other(format!(
            "/my-page/threads/{thread}?done=reported"
        ))),
        Err(ApiError::Validation(_)) => {
            let draft = Draft {
                body: String::new(),
                warning: None,
                invalid: true,
            };
            thread_page(&s, &state, thread, draft, None).await
        }
        Err(e) => Err(fail(e)),
    }
}

// ---- 受信拒否 ------------------------------------------------------------

struct RefusedLine {
    organisation: Card,
    since: String,
}

#[derive(Template)]
#[template(path = "my_page/refusals.html")]
struct RefusalsPage {
    chrome: Chrome,
    current: &'static str,
    refused: Vec<RefusedLine>,
    receive_guidance: bool,
    notice: Option<&'static str>,
}

/// `GET /my-page/refusals`: the organisations refused, and the switch for
/// all new guidance.
pub async fn refusals(
    s: SeekerSession,
    query: web::Query<Notice>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, PageError> {
    let fail = PageError::of(s.lang);
    let seeker = me(&state, &s.principal).await.map_err(&fail)?;
    let receive_guidance = seeker.receive_guidance;
    let blocked = state
        .act(move |c| choices::refused(c, (&seeker).into()))
        .await
        .map_err(&fail)?;
    let t = s.lang.text();
    Ok(html(
        StatusCode::OK,
        &RefusalsPage {
            chrome: Chrome::new(s.lang, "/my-page/refusals", Some(s.session.csrf.clone())),
            current: "refusals",
            refused: blocked
                .into_iter()
                .map(|b| RefusedLine {
                    organisation: Card::of(t, b.organisation),
                    since: jst(b.since),
                })
                .collect(),
            receive_guidance,
            notice: notice(t, query.done.as_deref()),
        },
    ))
}

#[derive(Deserialize)]
pub struct OrganisationForm {
    csrf: String,
    organisation_id: String,
    /// Where to go afterwards: the thread the button was on, if any.
    thread_id: Option<String>,
}

fn after_refusal(form: &OrganisationForm) -> String {
    match form
        .thread_id
        .as_deref()
        .filter(|t| uuid::Uuid::parse_str(t).is_ok())
    {
        Some(t) => format!("/my-page/threads/{t}?done=saved"),
        None => "/my-page/refusals?done=saved".to_owned(),
    }
}

/// `POST /my-page/refusals`: 受信拒否 of one organisation (R5).
pub async fn refuse(
    req: HttpRequest,
    s: SeekerSession,
    form: web::Form<OrganisationForm>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, PageError> {
    s.check_form(&req, &form.csrf)?;
    let fail = PageError::of(s.lang);
    let seeker = me(&state, &s.principal).await.map_err(&fail)?;
    let org = form.organisation_id.clone();
    let today = today_in_japan();
    state
        .act(move |c| choices::block(c, (&seeker).into(), &org, today))
        .await
        .map_err(&fail)?;
    state.relay.wake(&state);
    Ok(see_other(after_refusal(&form)))
}

/// `POST /my-page/refusals/undo`: takes a refusal back.
pub async fn undo_refusal(
    req: HttpRequest,
    s: SeekerSession,
    form: web::Form<OrganisationForm>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, PageError> {
    s.check_form(&req, &form.csrf)?;
    let fail = PageError::of(s.lang);
    let seeker = me(&state, &s.principal).await.map_err(&fail)?;
    let org = form.organisation_id.clone();
    let today = today_in_japan();
    state
        .act(move |c| choices::unblock(c, (&seeker).into(), &org, today))
        .await
        .map_err(&fail)?;
    state.relay.wake(&state);
    Ok(see_other(after_refusal(&form)))
}

#[derive(Deserialize)]
pub struct GuidanceForm {
    csrf: String,
    receive: String,
}

/// `POST /my-page/guidance`: refuse all new guidance, or take that back.
pub async fn guidance(
    req: HttpRequest,
    s: SeekerSession,
    form: web::Form<GuidanceForm>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, PageError> {
    s.check_form(&req, &form.csrf)?;
    let receive = match form.receive.as_str() {
        "yes" => true,
        "no" => false,
        _ => return Err(PageError::not_found(s.lang)),
    };
    let fail = PageError::of(s.lang);
    let seeker = me(&state, &s.principal).await.map_err(&fail)?;
    state
        .act(move |c| choices::set_guidance(c, (&seeker).into(), receive))
        .await
        .map_err(&fail)?;
    Ok(see_other("/my-page/refusals?done=saved"))
}

// ---- consent -----------------------------------------------------------

struct Choice {
    value: &'static str,
    label: &'static str,
    hint: &'static str,
    current: bool,
}

struct Change {
    at: String,
    channel: &'static str,
    from: &'static str,
    to: &'static str,
}

fn scope_label(t: &'static Text, s: ConsentScope) -> &'static str {
    match s {
        ConsentScope::Both => t.scope_both,
        ConsentScope::PublicOnly => t.scope_public_only,
        ConsentScope::PrivateOnly => t.scope_private_only,
        ConsentScope::None => t.scope_none,
    }
}

#[derive(Template)]
#[template(path = "my_page/consent.html")]
struct ConsentPage {
    chrome: Chrome,
    current: &'static str,
    now: &'static str,
    choices: Vec<Choice>,
    history: Vec<Change>,
    notice: Option<&'static str>,
}

/// `GET /my-page/consent`: the four choices, the current one, and the
/// ledger's history of changes (R6).
pub async fn consent(
    s: SeekerSession,
    query: web::Query<Notice>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, PageError> {
    let fail = PageError::of(s.lang);
    let seeker = me(&state, &s.principal).await.map_err(&fail)?;
    let scope = seeker.consent_scope;
    let ledger = state
        .act(move |c| choices::consent_history(c, (&seeker).into()))
        .await
        .map_err(&fail)?;
    let t = s.lang.text();
    let choices = [
        (ConsentScope::Both, t.scope_both_hint),
        (ConsentScope::PublicOnly, t.scope_public_only_hint),
        (ConsentScope::PrivateOnly, t.scope_private_only_hint),
        (ConsentScope::None, t.scope_none_hint),
    ]
    .into_iter()
    .map(|(c, hint)| Choice {
        value: c.as_str(),
        label: scope_label(t, c),
        hint,
        current: c == scope,
    })
    .collect();
    let history = ledger
        .into_iter()
        .rev()
        .map(|c| Change {
            at: jst(c.at),
            channel: match c.channel {
                ConsentChannel::HelloWork => t.channel_counter,
                ConsentChannel::MyPage => t.channel_my_page,
            },
            from: c
                .old_scope
                .map(|o| scope_label(t, o))
                .unwrap_or(t.registration_first),
            to: scope_label(t, c.new_scope),
        })
        .collect();
    Ok(html(
        StatusCode::OK,
        &ConsentPage {
            chrome: Chrome::new(s.lang, "/my-page/consent", Some(s.session.csrf.clone())),
            current: "consent",
            now: scope_label(t, scope),
            choices,
            history,
            notice: notice(t, query.done.as_deref()),
        },
    ))
}

#[derive(Deserialize)]
pub struct ConsentForm {
    csrf: String,
    scope: String,
}

/// `POST /my-page/consent`: changes who may see the profile (R5, R6).
pub async fn change_consent(
    req: HttpRequest,
    s: SeekerSession,
    form: web::Form<ConsentForm>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, PageError> {
    s.check_form(&req, &form.csrf)?;
    let Some(scope) = ConsentScope::parse(&form.scope) else {
        return Err(PageError::not_found(s.lang));
    };
    let fail = PageError::of(s.lang);
    let seeker = me(&state, &s.principal).await.map_err(&fail)?;
    let today = today_in_japan();
    state
        .act(move |c| choices::change_consent(c, (&seeker).into(), scope, today))
        .await
        .map_err(&fail)?;
    state.relay.wake(&state);
    Ok(see_other("/my-page/consent?done=saved"))
}

// ---- the profile as shown, and who opened it ----------------------------

struct SectorView {
    heading: &'static str,
    fields: Vec<Field>,
    withheld: bool,
}

#[derive(Template)]
#[template(path = "my_page/profile.html")]
struct ProfilePage {
    chrome: Chrome,
    current: &'static str,
    views: Vec<SectorView>,
}

/// `GET /my-page/profile`: exactly what organisations of each sector in
/// scope are shown (scrubbed and generalised for R14, as `GET /v1/me`
/// gives it).
pub async fn profile(
    s: SeekerSession,
    state: web::Data<AppState>,
) -> Result<HttpResponse, PageError> {
    let fail = PageError::of(s.lang);
    let seeker_ref = s.principal.require_seeker().map_err(&fail)?.to_owned();
    let (_, seen) = state
        .act(move |c| choices::status(c, &seeker_ref))
        .await
        .map_err(&fail)?;
    let t = s.lang.text();
    let views = seen
        .into_iter()
        .map(|a| SectorView {
            heading: match a.sector {
                kyushoku_domain::Sector::Public => t.seen_by_public,
                kyushoku_domain::Sector::Private => t.seen_by_private,
            },
            withheld: a.seen.is_none(),
            fields: a
                .seen
                .map(|(p, g)| fields(s.lang, &p, &g))
                .unwrap_or_default(),
        })
        .collect();
    Ok(html(
        StatusCode::OK,
        &ProfilePage {
            chrome: Chrome::new(s.lang, "/my-page/profile", Some(s.session.csrf.clone())),
            current: "profile",
            views,
        },
    ))
}

struct ViewLine {
    organisation: Card,
    at: String,
}

#[derive(Template)]
#[template(path = "my_page/views.html")]
struct ViewsPage {
    chrome: Chrome,
    current: &'static str,
    views: Vec<ViewLine>,
}

/// `GET /my-page/views`: which organisations opened the profile (R9).
pub async fn views(
    s: SeekerSession,
    state: web::Data<AppState>,
) -> Result<HttpResponse, PageError> {
    let fail = PageError::of(s.lang);
    let seeker = me(&state, &s.principal).await.map_err(&fail)?;
    let views = state
        .act(move |c| choices::profile_views(c, (&seeker).into(), VIEWS_SHOWN))
        .await
        .map_err(&fail)?;
    let t = s.lang.text();
    Ok(html(
        StatusCode::OK,
        &ViewsPage {
            chrome: Chrome::new(s.lang, "/my-page/views", Some(s.session.csrf.clone())),
            current: "views",
            views: views
                .into_iter()
                .map(|v| ViewLine {
                    organisation: Card::of(t, v.organisation),
                    at: jst(v.at),
                })
                .collect(),
        },
    ))
}
