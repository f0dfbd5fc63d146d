//! `/v1/me/threads…`: the seeker reads the threads organisations opened,
//! asks and answers (R4: only in an existing, open thread), marks messages
//! read by reading, and reports abuse to the labour bureau.

use actix_web::http::StatusCode;
use actix_web::{get, post, web, HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};
use kyushoku_domain::ThreadState;
use kyushoku_service::messaging::{report_thread, send_as_seeker, SeekerSend};
use kyushoku_service::profiles::Page;
use kyushoku_service::threads::{self, ThreadRead};
use kyushoku_store::messaging::ListedThread;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::me;
use crate::auth::Principal;
use crate::problem::{ApiError, Problem};
use crate::routes::threads::{Message, MessageSend, MessageSent};
use crate::{idempotency, pagination, AppState};
use kyushoku_domain::calendar::today_in_japan;

/// An organisation as the seeker sees it: by its real name, with its
/// licence or notification number and where it is (organisations are
/// public).
#[derive(Debug, Serialize, ToSchema)]
pub struct OrganisationCard {
    pub organisation_id: String,
    pub name: String,
    pub kind: kyushoku_domain::OrganisationKind,
    /// 許可・届出番号 of a placement agency; none for public bodies.
    pub licence_number: Option<String>,
    #[schema(value_type = String, pattern = "^[0-9]{2}$")]
    pub prefecture: kyushoku_domain::PrefectureCode,
    #[schema(value_type = Option<String>, pattern = "^[0-9]{6}$")]
    pub municipality: Option<kyushoku_domain::MunicipalityCode>,
}

impl From<kyushoku_store::messaging::OrganisationCard> for OrganisationCard {
    fn from(card: kyushoku_store::messaging::OrganisationCard) -> Self {
        OrganisationCard {
            organisation_id: card.public_id,
            name: card.name,
            kind: card.kind,
            licence_number: card.licence_number,
            prefecture: card.prefecture,
            municipality: card.municipality,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MyThread {
    pub thread_id: String,
    pub state: ThreadState,
    pub organisation: OrganisationCard,
    /// Messages from the organisation not yet read.
    pub unread: i32,
    pub updated_at: DateTime<Utc>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub messages: Option<Vec<Message>>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MyThreadList {
    pub items: Vec<MyThread>,
    pub next_cursor: Option<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct MyThreadQuery {
    /// 1–100, default 20.
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<i64>,
    /// The `next_cursor` of the page before (opaque; given to this caller
    /// for this list only).
    #[param(min_length = 1, max_length = 512)]
    pub cursor: Option<String>,
}

/// The seeker's threads, most recent first.
///
/// Each with its state, the organisation's card (id, name, kind) and the
/// number of the organisation's messages not yet read.
#[utoipa::path(
    operation_id = "me_threads_list",
    tag = "my page",
    params(MyThreadQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, body = MyThreadList),
    )
)]
#[get("/threads")]
pub async fn list(
    principal: Principal,
    query: crate::extract::Query<MyThreadQuery>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let seeker = me(&state, &principal).await?;
    let q = query.into_inner()?;
    let limit = pagination::limit(q.limit)?;
    let pager = pagination::Pager::new(&state, &principal, "seeker_threads");
    let after = pager.after_recency(q.cursor.as_deref())?;
    let mut items = state
        .act(move |c| threads::list_for_seeker(c, (&seeker).into(), Page { after, limit }))
        .await?;
    let next_cursor =
        pager.next_by_recency(&mut items, limit, |r| (r.thread.updated_at, r.thread.id));
    Ok(HttpResponse::Ok().json(MyThreadList {
        items: items
            .into_iter()
            .map(
                |ListedThread {
                     thread: t,
                     open,
                     organisation,
                 }| MyThread {
                    thread_id: t.public_id,
                    state: ThreadState::of(open),
                    organisation: organisation.into(),
                    unread: t.seeker_unread,
                    updated_at: t.updated_at.and_utc(),
                    messages: None,
                },
            )
            .collect(),
        next_cursor,
    }))
}

fn check_thread_id(id: &str) -> Result<(), ApiError> {
    uuid::Uuid::parse_str(id)
        .map(|_| ())
        .map_err(|_| ApiError::NotFound)
}

/// One of the seeker's threads with its messages.
///
/// The organisation's messages are marked read (a receipt the organisation
/// sees, unless the thread is closed by a block).
#[utoipa::path(
    operation_id = "me_threads_read",
    tag = "my page",
    params(("thread_id" = String, Path, format = Uuid, description = "The thread's id")),
    security(("bearer" = [])),
    responses(
        (status = 200, body = MyThread),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/threads/{thread_id}")]
pub async fn read(
    principal: Principal,
    thread_id: web::Path<String>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let seeker = me(&state, &principal).await?;
    let (
        ThreadRead {
            thread: t,
            open,
            messages,
        },
        card,
    ) = state
        .act(move |c| threads::read_as_seeker(c, (&seeker).into(), &thread_id))
        .await?;
    Ok(HttpResponse::Ok().json(MyThread {
        thread_id: t.public_id,
        state: ThreadState::of(open),
        organisation: card.into(),
        unread: 0,
        updated_at: t.updated_at.and_utc(),
        messages: Some(messages.into_iter().map(Message::from).collect()),
    }))
}

/// Ask or answer in a thread an organisation opened (R4).
///
/// A closed thread (blocked, out of scope, organisation not approved) is 409.
#[utoipa::path(
    operation_id = "me_threads_messages_send",
    tag = "my page",
    params(
        ("thread_id" = String, Path, format = Uuid, description = "The thread's id"),
        ("Idempotency-Key" = Option<String>, Header, description = "retry safely"),
    ),
    request_body = MessageSend,
    security(("bearer" = [])),
    responses(
        (status = 201, body = MessageSent),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json", description = "thread-closed"),
    )
)]
#[post("/threads/{thread_id}/messages")]
pub async fn send(
    req: HttpRequest,
    principal: Principal,
    thread_id: web::Path<String>,
    body: crate::extract::Json<MessageSend>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let seeker = me(&state, &principal).await?;
    check_thread_id(&thread_id)?;
    let message = body.into_inner()?;
    let key = idempotency::key_of(&req)?;
    let raw = serde_json::to_vec(
        &serde_json::json!({"thread_id": thread_id.as_str(), "body": message.body}),
    )
    .unwrap_or_default();
    let who = format!("seeker:{}", seeker.seeker_ref);
    let caller = crate::audit_log::caller(&principal);
    let cmd = SeekerSend {
        seeker: seeker.id,
        thread: thread_id.into_inner(),
        body: message.body,
        today: today_in_japan(),
    };
    let st = state.clone();
    idempotency::once_atomic(&state, &who, key, &raw, move |pledge| async move {
        let delivered = st
            .act(move |c| send_as_seeker(c, &caller, cmd, &seeker.seeker_ref, pledge.as_ref()))
            .await?;
        st.relay.wake(&st);
        Ok((StatusCode::CREATED, serde_json::json!(delivered.answer)))
    })
    .await
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReportRequest {
    /// What happened (1–1,000 characters; line breaks allowed, other control
    /// characters not). Sent to the labour bureau.
    #[schema(
        min_length = 1,
        max_length = 1000,
        pattern = "^[^\\u0000-\\u0009\\u000B-\\u001F\\u007F-\\u009F]*$"
    )]
    pub reason: String,
}

pub use kyushoku_service::messaging::ReportFiled;

/// Report abuse in a thread.
///
/// The report goes to the labour bureau of the organisation's prefecture.
/// Idempotent with `Idempotency-Key`.
#[utoipa::path(
    operation_id = "me_threads_reports_create",
    tag = "my page",
    params(
        ("thread_id" = String, Path, format = Uuid, description = "The thread's id"),
        ("Idempotency-Key" = Option<String>, Header, description = "retry safely"),
    ),
    request_body = ReportRequest,
    security(("bearer" = [])),
    responses(
        (status = 201, body = ReportFiled),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/threads/{thread_id}/reports")]
pub async fn report(
    req: HttpRequest,
    principal: Principal,
    thread_id: web::Path<String>,
    body: crate::extract::Json<ReportRequest>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let seeker = me(&state, &principal).await?;
    check_thread_id(&thread_id)?;
    let reason = body.into_inner()?.reason;
    let key = idempotency::key_of(&req)?;
    let thread = thread_id.into_inner();
    let raw = serde_json::to_vec(&serde_json::json!({"thread_id": thread, "reason": reason}))
        .unwrap_or_default();
    let who = format!("seeker:{}", seeker.seeker_ref);
    let st = state.clone();
    idempotency::once_atomic(&state, &who, key, &raw, move |pledge| async move {
        let filed = st
            .act(move |c| report_thread(c, seeker.id, &thread, &reason, pledge.as_ref()))
            .await?;
        Ok((StatusCode::CREATED, serde_json::json!(filed)))
    })
    .await
}
