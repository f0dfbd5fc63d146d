//! Handlers, one module per resource, named after the URL:
//!
//! | URL | module |
//! |---|---|
//! | `/healthz`, `/readyz`, `/metrics` | [`ops`] |
//! | `/v1/codes/…` | [`codes`] |
//!
//! `/openapi.json` and `/docs` are served by the Swagger UI service wired in
//! `lib.rs`; anything else reaches [`fallback`].

pub mod codes;
pub mod fallback;
pub mod ops;

use utoipa_actix_web::service_config::ServiceConfig;

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
        );
}
