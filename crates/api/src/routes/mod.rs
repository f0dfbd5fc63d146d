//! Handlers, one module per resource, named after the URL:
//!
//! | URL | module |
//! |---|---|
//! | `/healthz`, `/readyz`, `/metrics` | [`ops`] |
//! | `/v1/codes/…` | [`codes`] |
//! | `/v1/auth/…`, `/.well-known/…` (JWKS, RFC 8414 metadata) | [`auth`] |
//! | `/v1/organisations…` | [`organisations`] (one file per action) |
//! | `/v1/seekers…` | [`seekers`] (one file per action) |
//! | `/v1/profiles…` | [`profiles`] (one file per action) |
//! | `/v1/profiles/{id}/messages`, `/v1/threads…` | [`profiles::messages`], [`threads`] |
//! | `/v1/me…` | [`me`] (the seeker's My Page) |
//! | `/v1/job-offers…` | [`offers`] |
//! | `/v1/hires`, `/v1/organisations/{id}/hires` | [`hires`] |
//! | `/v1/reports…` | [`reports`] (complaint cases) |
//! | `/v1/usage-reports`, `/v1/organisations/{id}/usage-reports…`, `…/sanctions` | [`usage_reports`] |
//! | `/v1/stats` | [`stats`] |
//! | `/v1/audit` | [`audit`] |
//!
//! `/openapi.json` and `/docs` are served by the Swagger UI service wired in
//! `lib.rs`; anything else reaches [`fallback`].

pub mod audit;
pub mod auth;
pub mod codes;
pub mod fallback;
pub mod hires;
pub mod me;
pub mod offers;
pub mod ops;
pub mod organisations;
pub mod password_setup;
pub mod profiles;
pub mod reports;
pub mod seekers;
pub mod stats;
pub mod threads;
pub mod usage_reports;
pub mod webhooks;

use utoipa_actix_web::service_config::ServiceConfig;

/// Largest NDJSON batch body, bytes (the line count is limited separately).
pub const BATCH_BODY_LIMIT: usize = 32 * 1024 * 1024;

/// Registers every documented route. The OpenAPI document is collected from
/// exactly these registrations, so a route cannot exist undocumented.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(ops::healthz)
        .service(ops::readyz)
        .service(ops::metrics)
        .service(
            utoipa_actix_web::scope("/v1/codes")
                .service(codes::prefectures)
                .service(codes::municipalities)
                .service(codes::occupations),
        )
        .service(
            utoipa_actix_web::scope("/v1/auth")
                .service(auth::token)
                .service(auth::login)
                .service(auth::revoke)
                .service(password_setup::set),
        )
        .service(auth::jwks)
        .service(auth::metadata)
        .service(
            utoipa_actix_web::scope("/v1/organisations")
                .service(organisations::apply::apply)
                .service(organisations::list::list)
                .service(organisations::read::read)
                .service(organisations::decide::decide)
                .service(organisations::clients::create)
                .service(organisations::clients::list)
                .service(organisations::clients::delete)
                .service(organisations::users::create)
                .service(hires::list)
                .service(usage_reports::list)
                .service(usage_reports::read)
                .service(usage_reports::save)
                .service(usage_reports::submit)
                .service(usage_reports::sanction)
                .service(usage_reports::sanctions)
                .service(usage_reports::stop_service)
                .service(organisations::changes::create)
                .service(organisations::changes::list)
                .service(organisations::changes::decide)
                .service(organisations::renewals::create)
                .service(organisations::renewals::list)
                .service(organisations::renewals::decide)
                .service(webhooks::org_create)
                .service(webhooks::org_list)
                .service(webhooks::org_read)
                .service(webhooks::org_update)
                .service(webhooks::org_delete)
                .service(webhooks::org_rotate)
                .service(webhooks::org_test)
                .service(webhooks::org_deliveries)
                .service(webhooks::org_redeliver),
        )
        .service(
            utoipa_actix_web::scope("/v1/seekers")
                .app_data(actix_web::web::PayloadConfig::new(BATCH_BODY_LIMIT))
                .service(seekers::batch::batch)
                .service(seekers::upsert::upsert)
                .service(seekers::end::end)
                .service(seekers::sessions::create)
                .service(seekers::sessions::sign_in_link),
        )
        .service(
            utoipa_actix_web::scope("/v1/profiles")
                .service(profiles::search::search)
                .service(profiles::read::read)
                .service(profiles::messages::send),
        )
        .service(
            utoipa_actix_web::scope("/v1/threads")
                .service(threads::list::list)
                .service(threads::events::events)
                .service(threads::read::read),
        )
        .service(
            utoipa_actix_web::scope("/v1/me")
                .service(me::status::status)
                .service(me::events::events)
                .service(me::consent::change)
                .service(me::consent::guidance)
                .service(me::blocks::list)
                .service(me::blocks::block)
                .service(me::blocks::unblock)
                .service(me::threads::list)
                .service(me::threads::read)
                .service(me::threads::send)
                .service(me::threads::report)
                .service(me::views::list)
                .service(me::reports::list),
        )
        .service(
            utoipa_actix_web::scope("/v1/job-offers")
                .app_data(actix_web::web::PayloadConfig::new(BATCH_BODY_LIMIT))
                .service(offers::ingest::batch)
                .service(offers::browse::browse)
                .service(offers::export::export)
                .service(offers::changes::changes)
                .service(offers::ingest::upsert)
                .service(offers::ingest::withdraw)
                .service(offers::read::read),
        )
        .service(hires::report)
        .service(stats::stats)
        .service(audit::query)
        .service(reports::list)
        .service(reports::handle)
        .service(usage_reports::owing)
        .service(
            utoipa_actix_web::scope("/v1/webhooks")
                .service(webhooks::own_create)
                .service(webhooks::own_list)
                .service(webhooks::own_read)
                .service(webhooks::own_update)
                .service(webhooks::own_delete)
                .service(webhooks::own_rotate)
                .service(webhooks::own_test)
                .service(webhooks::own_deliveries)
                .service(webhooks::own_redeliver),
        );
}
