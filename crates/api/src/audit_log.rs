//! Building audit events (R9) from the request at hand, and writing those
//! of searches and reads.
//!
//! An event that records a write goes with `kyushoku_store::audit::record`
//! into the same transaction as the write, so an action is never stored
//! without its audit row. An event that records what an organisation was
//! shown (a search, a read) goes through the [`AuditWriter`], and the
//! answer waits until it is committed: nothing is shown that the trail
//! does not hold.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::mpsc;

use kyushoku_domain::{ActorKind, AuditAction};
use kyushoku_service::caller::{Caller, Membership};
use kyushoku_store::audit::{self, NewAuditEvent};
use kyushoku_store::{now, Db, SeekerId};
use tokio::sync::oneshot;

use crate::auth::{Actor, Principal};
use crate::problem::{current_request_id, ApiError};

/// Writes the events of searches and reads, with the seekers each showed,
/// on a thread of its own: whatever events arrived while it wrote the last
/// ones are written together, with one commit (one statement on
/// PostgreSQL). Under load, concurrent searches share a commit and a round
/// trip instead of each paying for its own; alone, a search waits for its
/// own row as before. Each caller is answered only once its row is
/// committed, or with the error that kept it out.
#[derive(Clone)]
pub struct AuditWriter {
    queue: mpsc::Sender<Pending>,
}

struct Pending {
    event: (NewAuditEvent, Vec<SeekerId>),
    committed: oneshot::Sender<Result<(), ApiError>>,
}

/// Most events written together.
const MOST_AT_ONCE: usize = 64;

impl AuditWriter {
    /// Starts the writer's thread. It ends when the last handle is dropped,
    /// after writing what was queued.
    pub fn start(db: Db) -> std::io::Result<Self> {
        let (queue, arrivals) = mpsc::channel();
        std::thread::Builder::new()
            .name("kyushoku-audit".into())
            .spawn(move || write_as_they_come(&db, &arrivals))?;
        Ok(Self { queue })
    }

    /// Records `event` with the seekers it showed; returns once committed.
    pub async fn record_with_seekers(
        &self,
        event: NewAuditEvent,
        seekers: Vec<SeekerId>,
    ) -> Result<(), ApiError> {
        let stopped = || ApiError::Internal("the audit writer has stopped".into());
        let (committed, answer) = oneshot::channel();
        self.queue
            .send(Pending {
                event: (event, seekers),
                committed,
            })
            .map_err(|_| stopped())?;
        answer.await.map_err(|_| stopped())?
    }
}

/// The writer's loop: waits for an event, takes every other one already
/// queued (up to [`MOST_AT_ONCE`]), writes them together, answers each.
fn write_as_they_come(db: &Db, arrivals: &mpsc::Receiver<Pending>) {
    while let Ok(first) = arrivals.recv() {
        let (events, waiting): (Vec<_>, Vec<_>) = std::iter::once(first)
            .chain(arrivals.try_iter().take(MOST_AT_ONCE - 1))
            .map(|p| (p.event, p.committed))
            .unzip();
        let outcome = catch_unwind(AssertUnwindSafe(|| {
            db.run(|c| audit::record_all_with_seekers(c, &events))
                .map_err(|e| ApiError::from(&e))
        }))
        .unwrap_or_else(|_| Err(ApiError::Internal("the audit writer panicked".into())));
        for committed in waiting {
            // A caller that has gone away (its client hung up) needs no answer.
            let _ = committed.send(outcome.clone());
        }
    }
}

/// An event by `actor` (or an anonymous caller when `None`).
pub fn event(actor: Option<&Actor>, action: AuditAction) -> NewAuditEvent {
    let (kind, id) = match actor {
        Some(a) => (a.credential_kind(), a.id().to_owned()),
        None => (ActorKind::Anonymous, "-".to_owned()),
    };
    NewAuditEvent {
        at: now(),
        request_id: current_request_id(),
        actor_kind: kind,
        actor_id: id,
        organisation_id: None,
        prefecture: None,
        action,
        target: None,
        detail: None,
        seeker_ids: None,
    }
}

/// An authenticated principal as the use cases record it: its role, its
/// actor (`user:…`, `client:…`, `seeker:…`), a member's organisation, and
/// this request.
pub fn caller(principal: &Principal) -> Caller {
    let actor = principal.actor();
    Caller {
        kind: principal.actor_kind(),
        id: format!("{}:{}", actor.kind(), actor.id()),
        organisation: match principal {
            Principal::Member { member, .. } => Some(Membership {
                id: member.organisation_id,
                public_id: member.organisation_public_id.clone(),
                prefecture: member.prefecture.clone(),
            }),
            _ => None,
        },
        request_id: current_request_id(),
    }
}

/// A caller known by its credential alone (before a principal is made of
/// it: the token endpoints), as [`event`] records it.
pub fn caller_of(actor: Option<&Actor>) -> Caller {
    let (kind, id) = match actor {
        Some(a) => (a.credential_kind(), a.id().to_owned()),
        None => (ActorKind::Anonymous, "-".to_owned()),
    };
    Caller {
        kind,
        id,
        organisation: None,
        request_id: current_request_id(),
    }
}

/// An event by an authenticated principal, naming its role; a member's
/// event carries its organisation and that organisation's prefecture.
pub fn by(principal: &Principal, action: AuditAction) -> NewAuditEvent {
    caller(principal).event(action)
}
