//! Building audit events (R9) from the request at hand. Write them with
//! `kyushoku_store::audit::record` inside the same transaction as the action
//! they record, so an action is never stored without its audit row.

use kyushoku_store::audit::NewAuditEvent;
use kyushoku_store::now;

use crate::auth::{Actor, Principal};
use crate::problem::current_request_id;

/// An event by `actor` (or an anonymous caller when `None`).
pub fn event(actor: Option<&Actor>, action: &str) -> NewAuditEvent {
    let (kind, id) = match actor {
        Some(a) => (a.kind().to_owned(), a.id().to_owned()),
        None => ("anonymous".to_owned(), "-".to_owned()),
    };
    NewAuditEvent {
        at: now(),
        request_id: current_request_id(),
        actor_kind: kind,
        actor_id: id,
        organisation_id: None,
        prefecture: None,
        action: action.to_owned(),
        target: None,
        detail: None,
        seeker_ids: None,
    }
}

/// An event by an authenticated principal, naming its role; a member's
/// event carries its organisation and that organisation's prefecture.
pub fn by(principal: &Principal, action: &str) -> NewAuditEvent {
    let actor = principal.actor();
    let mut e = event(Some(actor), action);
    e.actor_kind = principal.role().to_owned();
    e.actor_id = format!("{}:{}", actor.kind(), actor.id());
    if let Principal::Member { member, .. } = principal {
        e.organisation_id = Some(member.organisation_id);
        e.prefecture = Some(member.prefecture.clone());
    }
    e
}
