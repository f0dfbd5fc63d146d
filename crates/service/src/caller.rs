//! Who acts, as the audit trail (R9) records it: the use cases write their
//! own audit rows from it. The API makes one from its authenticated
//! principal (`kyushoku_api::audit_log::caller`).

use kyushoku_domain::{ActorKind, AuditAction, PrefectureCode};
use kyushoku_store::audit::NewAuditEvent;
use kyushoku_store::{now, OrganisationId};

/// The organisation a member acts for.
#[derive(Debug, Clone)]
pub struct Membership {
    pub id: OrganisationId,
    pub public_id: String,
    /// Where the organisation is: the bureau that reads its events.
    pub prefecture: PrefectureCode,
}

#[derive(Debug, Clone)]
pub struct Caller {
    pub kind: ActorKind,
    /// The actor as recorded: `user:…`, `client:…`, `seeker:…`; never an
    /// e-mail address.
    pub id: String,
    /// A member's organisation.
    pub organisation: Option<Membership>,
    /// A labour bureau's prefecture.
    pub bureau: Option<PrefectureCode>,
    /// The request this action answers, for the trail.
    pub request_id: Option<String>,
}

impl Caller {
    /// A caller without credentials (an applicant, a seeker's setup link).
    pub fn anonymous(request_id: Option<String>) -> Self {
        Caller {
            kind: ActorKind::Anonymous,
            id: "-".to_owned(),
            organisation: None,
            bureau: None,
            request_id,
        }
    }

    /// An audit event of this caller doing `action`.
    pub fn event(&self, action: AuditAction) -> NewAuditEvent {
        let (organisation_id, prefecture) = match &self.organisation {
            Some(m) => (Some(m.id), Some(m.prefecture.clone())),
            None => (None, None),
        };
        NewAuditEvent {
            at: now(),
            request_id: self.request_id.clone(),
            actor_kind: self.kind,
            actor_id: self.id.clone(),
            organisation_id,
            prefecture,
            action,
            target: None,
            detail: None,
            seeker_ids: None,
        }
    }
}
