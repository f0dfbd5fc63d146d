//! `POST /v1/organisations/{id}/decisions`: the labour bureau of the
//! organisation's prefecture approves, rejects, suspends, reinstates or
//! revokes it. Suspension and revocation end every token the organisation
//! holds at once, on every instance (R8).

use actix_web::{post, web, HttpResponse};
use kyushoku_domain::{Decision, OrganisationKind, OrganisationStatus, Sector, Service};
use kyushoku_store::audit;
use kyushoku_store::organisations::{self, StatusChange};
use serde::Deserialize;
use utoipa::ToSchema;

use super::{visible, Organisation};
use crate::auth::{self, Principal};
use crate::problem::{ApiError, FieldError, Problem};
use crate::{audit_log, AppState};

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DecisionRequest {
    #[schema(example = "approve", value_type = Decision)]
    pub decision: String,
    /// Why, for the record (1–1,000 characters once trimmed; line breaks
    /// allowed, other control characters not).
    #[schema(
        min_length = 1,
        max_length = 1000,
        pattern = "^[^\\u0000-\\u0009\\u000B-\\u001F\\u007F-\\u009F]*$"
    )]
    pub reason: String,
    /// On approval: the services granted (default: those requested; only
    /// requested ones may be granted).
    #[schema(min_items = 1)]
    pub services: Option<Vec<Service>>,
    /// Optional, and only ever the sector the organisation's kind belongs to
    /// (`public` for prefectures, municipalities, national agencies and
    /// nurse centres; `private` for the rest): any other is 422.
    pub sector: Option<Sector>,
}

/// Decide on an organisation.
///
/// Approve, reject, suspend, reinstate or revoke; the labour bureau of the
/// organisation's prefecture only. The sector follows the kind. A suspension
/// or revocation ends every token of the organisation at once.
#[utoipa::path(
    operation_id = "organisations_decisions_create",
    tag = "organisations",
    params(("id" = String, Path, format = Uuid, description = "The organisation's id")),
    request_body = DecisionRequest,
    security(("bearer" = [])),
    responses(
        (status = 200, body = Organisation),
        (status = 403, body = Problem, content_type = "application/problem+json", description = "not the bureau of this prefecture"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json", description = "not allowed from the current status"),
    )
)]
#[post("/{id}/decisions")]
pub async fn decide(
    principal: Principal,
    id: web::Path<String>,
    body: crate::extract::Json<DecisionRequest>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let prefecture = principal.require_bureau()?.clone();
    let request = body.into_inner()?;
    let mut errors = Vec::new();
    let decision = Decision::parse(&request.decision);
    if decision.is_none() {
        errors.push(FieldError::new(
            "decision",
            "approve, reject, suspend, reinstate or revoke",
        ));
    }
    let reason = request.reason.trim().to_owned();
    if reason.is_empty()
        || reason.chars().count() > 1000
        || reason.chars().any(|c| c.is_control() && c != '\n')
    {
        errors.push(FieldError::new(
            "reason",
            "1 to 1,000 characters, no control characters",
        ));
    }
    if decision != Some(Decision::Approve)
        && (request.services.is_some() || request.sector.is_some())
    {
        errors.push(FieldError::new(
            "services",
            "services and sector go with approve only",
        ));
    }
    let row = visible(&state, &principal, &id).await?;
    if row.prefecture != prefecture.as_str() {
        return Err(ApiError::Forbidden(
            "only the labour bureau of the organisation's prefecture may decide",
        ));
    }
    let kind = OrganisationKind::parse(&row.kind)
        .ok_or_else(|| ApiError::Internal(format!("unknown kind {}", row.kind)))?;
    match request.sector {
        None => {}
        Some(s) if s == kind.sector() => {}
        Some(_) => errors.push(FieldError::new(
            "sector",
            format!(
                "the sector follows the organisation's kind: {}",
                kind.sector().as_str()
            ),
        )),
    }
    let (mut seeker_info, mut job_offers) = (row.requests_seeker_info, row.requests_job_offers);
    if let Some(list) = &request.services {
        (seeker_info, job_offers) = (false, false);
        for (i, s) in list.iter().enumerate() {
            match s {
                Service::SeekerInfo if row.requests_seeker_info => seeker_info = true,
                Service::JobOffers if row.requests_job_offers => job_offers = true,
                _ => errors.push(FieldError::new(
                    format!("services[{i}]"),
                    "only a requested service may be granted",
                )),
            }
        }
        if list.is_empty() {
            errors.push(FieldError::new("services", "grant at least one service"));
        }
    }
    let Some(decision) = decision.filter(|_| errors.is_empty()) else {
        return Err(ApiError::Validation(errors));
    };
    let from = OrganisationStatus::parse(&row.status)
        .ok_or_else(|| ApiError::Internal(format!("unknown status {}", row.status)))?;
    let to = from.after(decision).ok_or_else(|| {
        ApiError::IllegalTransition(format!(
            "cannot {} an organisation that is {}",
            decision.as_str(),
            from.as_str()
        ))
    })?;
    let change = StatusChange {
        from_status: from.as_str().to_owned(),
        to_status: to.as_str().to_owned(),
        grant: (decision == Decision::Approve)
            .then(|| (seeker_info, job_offers, kind.sector().as_str().to_owned())),
        bump_epoch: decision.ends_sessions(),
    };
    let mut event = audit_log::by(
        &principal,
        kyushoku_domain::AuditAction::OrganisationDecision,
    );
    event.organisation_id = Some(row.id);
    event.prefecture = Some(row.prefecture.clone());
    event.target = Some(row.public_id.clone());
    event.detail = Some(
        serde_json::json!({"decision": decision.as_str(), "from": from.as_str(), "to": to.as_str(), "reason": reason})
            .to_string(),
    );
    let org_id = row.id;
    let updated = state
        .db_run(move |c| {
            c.write_transaction(|c| {
                let updated = organisations::change_status(c, org_id, &change)?;
                if updated.is_some() {
                    audit::record(c, &event)?;
                }
                Ok(updated)
            })
        })
        .await?
        .ok_or_else(|| {
            ApiError::IllegalTransition(
                "the organisation changed meanwhile; read it and decide again".into(),
            )
        })?;
    auth::organisation_changed(&state, org_id).await?;
    Ok(HttpResponse::Ok().json(Organisation::from(updated)))
}
