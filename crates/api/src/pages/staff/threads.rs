//! The staff's threads: the organisation's inbox (every thread, newest
//! activity first, each with its state: open and waiting for the seeker,
//! open with the seeker's message to answer, or closed), updated live over
//! the organisation's event stream with JavaScript and on reload without
//! it; and a thread, whose seeker's messages are marked read as the API's
//! read marks them. Answers go through the profile's send (R3, R13).

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use askama::Template;
use kyushoku_domain::{Author, MessageKind, ThreadStanding};
use kyushoku_service::profiles::Page;
use kyushoku_service::threads::{self, ThreadRead};
use kyushoku_store::messaging::ListedThread;
use serde::Deserialize;

use super::StaffSession;
use crate::pages::i18n::StaffText;
use crate::pages::my_page::jst;
use crate::pages::page::{html, Chrome, PageError};
use crate::{audit_log, pagination, AppState};

/// Threads on one page of the inbox.
const SHOWN: i64 = 30;

fn label(standing: ThreadStanding, t: &'static StaffText) -> &'static str {
    match standing {
        ThreadStanding::ToAnswer => t.state_to_answer,
        ThreadStanding::Waiting => t.state_waiting,
        ThreadStanding::Closed => t.state_closed,
    }
}

fn class(standing: ThreadStanding) -> &'static str {
    match standing {
        ThreadStanding::ToAnswer => "unread",
        ThreadStanding::Waiting => "waiting",
        ThreadStanding::Closed => "closed",
    }
}

struct Tab {
    href: String,
    label: &'static str,
    current: bool,
}

struct ThreadLine {
    id: String,
    profile_id: String,
    state: &'static str,
    state_class: &'static str,
    unread: i32,
    updated: String,
}

#[derive(Template)]
#[template(path = "staff/threads.html")]
struct ListPage {
    chrome: Chrome,
    current: &'static str,
    tabs: Vec<Tab>,
    threads: Vec<ThreadLine>,
    older: Option<String>,
}

#[derive(Deserialize)]
pub struct ListQuery {
    /// `to_answer`, `waiting`, `closed`; none: every thread.
    state: Option<String>,
    cursor: Option<String>,
}

/// `GET /staff/threads`: the organisation's threads, a page at a time.
pub async fn list(
    s: StaffSession,
    query: web::Query<ListQuery>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, PageError> {
    let fail = PageError::of_staff(s.lang);
    let member = s
        .principal
        .require_approved_member()
        .map_err(&fail)?
        .clone();
    let standing = match query.state.as_deref() {
        None | Some("") => None,
        Some(word) => {
            Some(ThreadStanding::parse(word).ok_or(PageError::not_found(s.lang).staff())?)
        }
    };
    let pager = pagination::Pager::new(&state, &s.principal, "threads");
    let after = pager
        .after_recency(query.cursor.as_deref())
        .map_err(|_| PageError::not_found(s.lang).staff())?;
    let caller = audit_log::caller(&s.principal);
    let mut rows = state
        .act(move |c| {
            threads::list_for_organisation(
                c,
                &caller,
                Page {
                    after,
                    limit: SHOWN,
                },
                standing,
            )
        })
        .await
        .map_err(&fail)?;
    let older = pager
        .next_by_recency(&mut rows, SHOWN, |r| (r.thread.updated_at, r.thread.id))
        .map(|c| {
            let c: String = form_urlencoded::byte_serialize(c.as_bytes()).collect();
            match standing {
                Some(st) => format!("/staff/threads?state={}&cursor={c}", st.as_str()),
                None => format!("/staff/threads?cursor={c}"),
            }
        });
    let pseudonyms = state
        .pseudonyms
        .for_organisation(&member.organisation_public_id);
    let t = s.s();
    let threads = rows
        .into_iter()
        .map(|ListedThread { thread, open, .. }| {
            let standing = ThreadStanding::of(open, thread.last_author);
            ThreadLine {
                id: thread.public_id,
                profile_id: pseudonyms.encode(thread.seeker_id.get()),
                state: label(standing, t),
                state_class: class(standing),
                unread: thread.org_unread,
                updated: jst(thread.updated_at),
            }
        })
        .collect();
    Ok(html(
        StatusCode::OK,
        &ListPage {
            chrome: s.chrome("/staff/threads"),
            current: "threads",
            tabs: std::iter::once((None, t.state_all))
                .chain(
                    ThreadStanding::ALL
                        .iter()
                        .map(|st| (Some(*st), label(*st, t))),
                )
                .map(|(st, label)| Tab {
                    href: match st {
                        Some(st) => format!("/staff/threads?state={}", st.as_str()),
                        None => "/staff/threads".to_owned(),
                    },
                    label,
                    current: st == standing,
                })
                .collect(),
            threads,
            older,
        },
    ))
}

struct Said {
    ours: bool,
    kind: &'static str,
    subject: Option<String>,
    body: String,
    at: String,
}

#[derive(Template)]
#[template(path = "staff/thread.html")]
struct ThreadPage {
    chrome: Chrome,
    current: &'static str,
    id: String,
    profile_id: String,
    state: &'static str,
    may_answer: bool,
    closed: bool,
    messages: Vec<Said>,
    notice: Option<&'static str>,
    form_key: String,
}

#[derive(Deserialize)]
pub struct Done {
    done: Option<String>,
}

/// `GET /staff/threads/{thread_id}`: a thread and, when it is the
/// organisation's turn, the answer form.
pub async fn read(
    s: StaffSession,
    thread_id: web::Path<String>,
    query: web::Query<Done>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, PageError> {
    let fail = PageError::of_staff(s.lang);
    let member = s
        .principal
        .require_approved_member()
        .map_err(&fail)?
        .clone();
    let caller = audit_log::caller(&s.principal);
    let thread_id = thread_id.into_inner();
    let ThreadRead {
        thread,
        open,
        messages,
    } = state
        .act(move |c| threads::read_as_organisation(c, &caller, &thread_id))
        .await
        .map_err(&fail)?;
    let t = s.s();
    let standing = ThreadStanding::of(open, thread.last_author);
    let profile_id = state
        .pseudonyms
        .for_organisation(&member.organisation_public_id)
        .encode(thread.seeker_id.get());
    let messages = messages
        .into_iter()
        .map(|m| Said {
            ours: m.author != Author::Seeker,
            kind: match (m.author, m.kind) {
                (Author::Seeker, _) => t.from_seeker,
                (_, MessageKind::Guidance) => t.our_guidance,
                _ => t.our_answer,
            },
            subject: m.subject,
            body: m.body,
            at: jst(m.created_at),
        })
        .collect();
    Ok(html(
        StatusCode::OK,
        &ThreadPage {
            chrome: s.chrome(format!("/staff/threads/{}", thread.public_id)),
            current: "threads",
            id: thread.public_id,
            profile_id,
            state: label(standing, t),
            may_answer: standing == ThreadStanding::ToAnswer,
            closed: standing == ThreadStanding::Closed,
            messages,
            notice: (query.done.as_deref() == Some("sent")).then_some(t.guidance_sent),
            form_key: uuid::Uuid::new_v4().to_string(),
        },
    ))
}
