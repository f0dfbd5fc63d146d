//! Who the request at hand is, as the audit trail (R9) records it: the
//! [`Caller`] a use case is given, and the event of an action a handler
//! still records itself. (What an organisation is shown is recorded by
//! `kyushoku_service::witness`; a write's event goes into its own
//! transaction.)

use kyushoku_domain::{ActorKind, AuditAction};
use kyushoku_service::caller::{Caller, Membership};
use kyushoku_store::audit::NewAuditEvent;
use kyushoku_store::now;

use crate::auth::{Actor, Principal};
use crate::problem::current_request_id;

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
        bureau: match principal {
            Principal::Bureau { prefecture, .. } => Some(prefecture.clone()),
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
        bureau: None,
        request_id: current_request_id(),
    }
}

/// An event by an authenticated principal, naming its role; a member's
/// event carries its organisation and that organisation's prefecture.
pub fn by(principal: &Principal, action: AuditAction) -> NewAuditEvent {
    caller(principal).event(action)
}
