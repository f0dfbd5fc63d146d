//! The HTTP face of kyushoku: actix-web routes, extractors, handlers,
//! problem+json errors and the OpenAPI document (utoipa).
//!
//! - [`build_app`] assembles the application for one worker.
//! - [`openapi`] is the document, collected from the same route registrations
//!   ([`ServedSpec`] is what the workers serve of it).
//! - [`routes`] holds the handlers, one module per resource.
//! - [`problem`] is the one error type; [`observe`] the request-id, log and
//!   metrics middleware.

pub mod admission;
pub mod audit_log;
pub mod auth;
pub mod events;
pub mod extract;
pub mod idempotency;
pub mod mail;
pub mod metrics;
pub mod ndjson;
pub mod observe;
pub mod pages;
pub mod pagination;
pub mod problem;
pub mod routes;
pub mod spreadsheet;
mod state;
pub mod webhooks;

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::{middleware, web, App};
use utoipa::OpenApi;
use utoipa_actix_web::AppExt;
use utoipa_swagger_ui::SwaggerUi;

pub use metrics::Metrics;
pub use problem::{ApiError, Problem};
pub use state::{default_shown_in_flight, parse_secret, ApiConfig, AppState};

/// Settings the HTTP layer needs.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "kyushoku",
        description = "求人・求職情報提供サービス: Hello Work's job-offer and job-seeker information \
                       provision service for approved municipalities and placement agencies. \
                       Errors are RFC 9457 problem details (application/problem+json).",
        contact(name = "The operator of this deployment (see its /docs page)"),
        license(name = "Apache-2.0", identifier = "Apache-2.0")
    ),
    servers((url = "/", description = "This deployment")),
    tags(
        (name = "operations", description = "Health, readiness and metrics"),
        (name = "codes", description = "Reference code lists: prefectures, municipalities, occupations"),
        (name = "auth", description = "Tokens: OAuth 2.0 client credentials, staff login, refresh, revocation"),
        (name = "organisations", description = "Applications, the bureau's decisions, API clients and staff users"),
        (name = "seekers", description = "Hello Work's ingest of job seekers"),
        (name = "profiles", description = "Anonymised profiles for approved organisations"),
        (name = "messages", description = "Pseudonymous messaging, the organisation's side"),
        (name = "my page", description = "The job seeker's My Page: status, consent, blocks, threads"),
        (name = "job offers", description = "Hello Work's job offers for approved organisations"),
        (name = "audit", description = "The audit trail, for labour bureaus"),
        (name = "webhooks", description = "Standard Webhooks subscriptions: signed events to organisations', Hello Work's and bureaus' systems"),
    ),
    modifiers(&BearerAuth),
    // The types query and path parameters refer to, which utoipa does not
    // collect from parameters by itself.
    components(schemas(
        problem::Problem,
        problem::FieldError,
        kyushoku_domain::PrefectureCode,
        kyushoku_domain::MunicipalityCode,
        kyushoku_domain::OccupationCode,
        kyushoku_domain::JobNumber,
        kyushoku_domain::OrganisationKind,
        kyushoku_domain::OrganisationStatus,
        kyushoku_domain::AuditAction,
        kyushoku_domain::profile::EmploymentType,
        kyushoku_domain::profile::WageKind,
    ))
)]
struct ApiDoc;

/// Declares the security schemes operations refer to: `bearer` (any access
/// token this service issued) and `oauth2` (the same tokens, fetched with
/// the client-credentials flow, so tools can fetch them themselves).
struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{
            ClientCredentials, Flow, HttpAuthScheme, HttpBuilder, OAuth2, Scopes, SecurityScheme,
        };
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .description(Some(
                        "An access token from `/v1/auth/token` (API clients), \
                         `/v1/auth/login` (staff) or a My Page session (seekers).",
                    ))
                    .build(),
            ),
        );
        components.add_security_scheme(
            "oauth2",
            SecurityScheme::OAuth2(OAuth2::with_description(
                [Flow::ClientCredentials(ClientCredentials::new(
                    "/v1/auth/token",
                    Scopes::new(),
                ))],
                "OAuth 2.0 client credentials (RFC 6749 §4.4) for organisations' and \
                 Hello Work's API clients; metadata at \
                 `/.well-known/oauth-authorization-server` (RFC 8414).",
            )),
        );
    }
}

/// The OpenAPI 3.1 document, collected from the registered routes.
pub fn openapi() -> utoipa::openapi::OpenApi {
    let (_, spec) = App::new()
        .into_utoipa_app()
        .openapi(ApiDoc::openapi())
        .configure(routes::configure)
        .split_for_parts();
    let mut spec = spec;
    document_common_problems(&mut spec);
    describe_answers(&mut spec);
    declare_security(&mut spec);
    let mut spec = merge_flattened_objects(spec);
    drop_unused_schemas(&mut spec);
    spec
}

/// The OpenAPI document as the workers serve it: its JSON, written once,
/// and the table of routes read from it ([`routes::fallback`]). Each worker
/// holds the same two, not a copy of utoipa's structures (several MB each,
/// per worker: an idle `serve` held 68 MB resident with two workers).
#[derive(Clone)]
pub struct ServedSpec {
    json: web::Bytes,
    table: web::Data<routes::fallback::RouteTable>,
}

impl ServedSpec {
    pub fn new(spec: &utoipa::openapi::OpenApi) -> serde_json::Result<Self> {
        Ok(Self {
            json: web::Bytes::from(spec.to_json()?),
            table: web::Data::new(routes::fallback::RouteTable::from_spec(spec)),
        })
    }
}

/// Gives every answer a description (OpenAPI requires one): a problem by
/// what its status means here, a success by its status and what it holds.
fn describe_answers(spec: &mut utoipa::openapi::OpenApi) {
    use utoipa::openapi::RefOr;
    for item in spec.paths.paths.values_mut() {
        for op in operations(item) {
            for (status, answer) in op.responses.responses.iter_mut() {
                let RefOr::T(answer) = answer else { continue };
                if !answer.description.trim().is_empty() {
                    continue;
                }
                let holds = answer.content.values().find_map(|c| match &c.schema {
                    Some(RefOr::Ref(r)) => r
                        .ref_location
                        .rsplit('/')
                        .next()
                        .map(|name| name.to_owned()),
                    _ => None,
                });
                answer.description = match (status.as_str(), holds) {
                    ("200", Some(schema)) => format!("OK: a {schema}"),
                    ("200", None) => "OK".into(),
                    ("201", Some(schema)) => format!("Created: a {schema}"),
                    ("201", None) => "Created".into(),
                    ("204", _) => "Done; no content".into(),
                    (status, _) => match problem_description(status) {
                        Some(d) => d.into(),
                        None => format!("HTTP {status}"),
                    },
                };
            }
        }
    }
}

/// What a problem status means where an operation says nothing more: one
/// table for the answers an operation declares and those every operation
/// gets ([`document_common_problems`]).
fn problem_description(status: &str) -> Option<&'static str> {
    Some(match status {
        "400" => "malformed-request: the request does not parse",
        "401" => "unauthorized: no valid access token",
        "403" => "forbidden: this kind of caller may not do this",
        "404" => "not-found: nothing there, or nothing this caller may see (the same answer)",
        "409" => "conflict: the resource's state does not allow this",
        "413" => "payload-too-large",
        "415" => "unsupported-media-type",
        "422" => "validation: a field or query parameter is invalid",
        "429" => "rate-limited (or guidance-cap-reached where documented)",
        "500" => "internal: an unexpected failure (the request id is logged)",
        "503" => {
            "service-unavailable: the database is out of reach, or (searches, reads, \
             downloads) too many are already running in this instance; retry after \
             `Retry-After` seconds"
        }
        _ => return None,
    })
}

/// Every operation says how it is authorised: the public ones with an
/// empty requirement (`security: []`), the others with a bearer token or,
/// where an API client may call them, the OAuth 2.0 client-credentials
/// scheme as the same alternative. My Page (`/v1/me…`) takes seekers'
/// session tokens only.
fn declare_security(spec: &mut utoipa::openapi::OpenApi) {
    use utoipa::openapi::security::SecurityRequirement;
    for (path, item) in spec.paths.paths.iter_mut() {
        let seekers_only = path.starts_with("/v1/me");
        for op in operations(item) {
            match op.security.as_mut() {
                None => op.security = Some(Vec::new()),
                Some(alternatives) if !seekers_only => {
                    alternatives.push(SecurityRequirement::new("oauth2", Vec::<String>::new()));
                }
                Some(_) => {}
            }
        }
    }
}

/// The operations of a path item, in a fixed order.
fn operations(
    item: &mut utoipa::openapi::PathItem,
) -> impl Iterator<Item = &mut utoipa::openapi::path::Operation> {
    [
        &mut item.get,
        &mut item.put,
        &mut item.post,
        &mut item.delete,
        &mut item.patch,
    ]
    .into_iter()
    .flatten()
}

/// Removes component schemas that nothing refers to (utoipa registers the
/// parameters of a generic schema on their own even where the generic one
/// is written out in full), so the document has no dead parts.
fn drop_unused_schemas(spec: &mut utoipa::openapi::OpenApi) {
    let Some(components) = spec.components.as_ref() else {
        return;
    };
    let names: Vec<String> = components.schemas.keys().cloned().collect();
    loop {
        let text = serde_json::to_string(&*spec).unwrap_or_default();
        let Some(components) = spec.components.as_mut() else {
            return;
        };
        let unused: Vec<&String> = names
            .iter()
            .filter(|name| components.schemas.contains_key(*name))
            .filter(|name| !text.contains(&format!("\"#/components/schemas/{name}\"")))
            .collect();
        if unused.is_empty() {
            return;
        }
        for name in unused {
            components.schemas.remove(name);
        }
    }
}

/// `#[serde(flatten)]` comes out as `allOf` of the outer and inner objects;
/// when the inner one refuses unknown fields (`additionalProperties: false`
/// from `deny_unknown_fields`), no answer could match both. Such schemas
/// become one object with the properties and requirements of all parts.
fn merge_flattened_objects(mut spec: utoipa::openapi::OpenApi) -> utoipa::openapi::OpenApi {
    use utoipa::openapi::schema::{AdditionalProperties, Object, ObjectBuilder, Schema};
    use utoipa::openapi::RefOr;
    let Some(components) = spec.components.as_mut() else {
        return spec;
    };
    let snapshot = components.schemas.clone();
    let resolve = |part: &RefOr<Schema>| -> Option<Object> {
        let part = match part {
            RefOr::Ref(r) => snapshot.get(r.ref_location.strip_prefix("#/components/schemas/")?)?,
            inline => inline,
        };
        match part {
            RefOr::T(Schema::Object(o)) if !o.properties.is_empty() => Some(o.clone()),
            _ => None,
        }
    };
    for schema in components.schemas.values_mut() {
        let RefOr::T(Schema::AllOf(all)) = schema else {
            continue;
        };
        let Some(parts) = all.items.iter().map(resolve).collect::<Option<Vec<_>>>() else {
            continue;
        };
        let mut merged = ObjectBuilder::new().description(all.description.clone());
        let mut required: Vec<String> = Vec::new();
        for part in parts {
            for (name, property) in part.properties {
                merged = merged.property(name, property);
            }
            required.extend(part.required);
        }
        required.sort();
        required.dedup();
        for name in required {
            merged = merged.required(name);
        }
        let merged = merged
            .additional_properties(Some(AdditionalProperties::FreeForm(false)))
            .build();
        *schema = RefOr::T(Schema::Object(merged));
    }
    spec
}

/// Adds the problems any operation of a kind can answer, so the document
/// lists every status a client can meet: a body that does not parse (400),
/// is too large (413) or of another type (415); a missing or bad token
/// (401); the rate limit (429); a failure (500) or the database out of
/// reach (503). Operational endpoints are neither authenticated nor limited.
fn document_common_problems(spec: &mut utoipa::openapi::OpenApi) {
    use utoipa::openapi::{ContentBuilder, Ref, ResponseBuilder};
    let problem = |description: &str| {
        ResponseBuilder::new()
            .description(description)
            .content(
                problem::PROBLEM_JSON,
                ContentBuilder::new()
                    .schema(Some(Ref::from_schema_name("Problem")))
                    .build(),
            )
            .build()
    };
    let common = |status: &'static str| (status, problem_description(status).unwrap_or_default());
    for (path, item) in spec.paths.paths.iter_mut() {
        let limited = path.starts_with("/v1/");
        for op in operations(item) {
            let mut add: Vec<(&str, &str)> = Vec::new();
            if op.request_body.is_some() {
                add.extend(["400", "413", "415"].map(common));
            }
            if op.security.is_some() {
                add.extend(["401", "403"].map(common));
            }
            let has_query = op
                .parameters
                .iter()
                .flatten()
                .any(|p| matches!(p.parameter_in, utoipa::openapi::path::ParameterIn::Query));
            let paged = op.parameters.iter().flatten().any(|p| p.name == "cursor");
            if paged {
                add.push((
                    "400",
                    "invalid-cursor: a cursor this caller was not given for this list, or altered",
                ));
            }
            let keyed = op
                .parameters
                .iter()
                .flatten()
                .any(|p| p.name.eq_ignore_ascii_case("idempotency-key"));
            for p in op.parameters.iter_mut().flatten() {
                if p.name.eq_ignore_ascii_case("idempotency-key") {
                    p.schema = Some(
                        utoipa::openapi::ObjectBuilder::new()
                            .schema_type(utoipa::openapi::schema::Type::String)
                            .pattern(Some(idempotency::KEY_PATTERN))
                            .into(),
                    );
                }
            }
            if has_query || keyed || op.request_body.is_some() {
                add.push(common("422"));
            }
            if limited {
                add.extend(["429", "500", "503"].map(common));
            }
            for (status, description) in add {
                op.responses
                    .responses
                    .entry(status.to_owned())
                    .or_insert_with(|| problem(description).into());
            }
        }
    }
}

/// CORS for the listed origins only (the My Page front end), with the
/// headers this API reads and exposes.
fn cors(origins: &[String]) -> actix_cors::Cors {
    use actix_web::http::header;
    let mut cors = actix_cors::Cors::default()
        .allowed_methods(["GET", "POST", "PUT", "DELETE"])
        .allowed_headers([
            header::AUTHORIZATION,
            header::CONTENT_TYPE,
            header::HeaderName::from_static("idempotency-key"),
            header::HeaderName::from_static("last-event-id"),
            header::HeaderName::from_static("x-request-id"),
        ])
        .expose_headers([
            "x-request-id",
            "ratelimit-limit",
            "ratelimit-remaining",
            "ratelimit-reset",
            "retry-after",
            "etag",
        ])
        .max_age(600);
    for origin in origins {
        cors = cors.allowed_origin(origin);
    }
    cors
}

/// The application for one worker: documented routes, the API reference,
/// extractor error handlers and the fallback, inside the observe middleware.
pub fn build_app(
    state: AppState,
    spec: ServedSpec,
) -> App<
    impl ServiceFactory<
        ServiceRequest,
        Config = (),
        Response = ServiceResponse<impl MessageBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    let (json, query, path) = problem::extractor_configs(state.config.json_limit);
    let json_limit = extract::JsonLimit(state.config.json_limit);
    let cors = cors(&state.config.cors_origins);
    let cors_enabled = !state.config.cors_origins.is_empty();
    let hsts = state.config.hsts;
    let (app, _) = App::new()
        .into_utoipa_app()
        .configure(routes::configure)
        .split_for_parts();
    app.app_data(web::Data::new(state))
        .app_data(json)
        .app_data(query)
        .app_data(path)
        .app_data(json_limit)
        .app_data(spec.table)
        .service(web::resource("/openapi.json").get(move || {
            let json = spec.json.clone();
            async move {
                actix_web::HttpResponse::Ok()
                    .content_type(actix_web::http::header::ContentType::json())
                    .body(json)
            }
        }))
        .service(
            SwaggerUi::new("/docs/{_:.*}")
                // No badge asking swagger.io to fetch the spec: nothing
                // leaves the machine.
                .config(utoipa_swagger_ui::Config::from("/openapi.json").validator_url("none")),
        )
        .service(web::resource("/docs").get(|| async {
            actix_web::HttpResponse::PermanentRedirect()
                .insert_header((actix_web::http::header::LOCATION, "/docs/"))
                .finish()
        }))
        // The pages for people (outside the documented API).
        .configure(pages::configure)
        .default_service(web::to(routes::fallback::not_routed))
        .wrap(middleware::from_fn(auth::authenticate))
        .wrap(middleware::Compress::default())
        .wrap(middleware::Condition::new(cors_enabled, cors))
        .wrap(protective_headers(hsts))
        .wrap(middleware::from_fn(head_as_get))
        .wrap(middleware::from_fn(observe::observe))
}

/// HEAD is GET without the content (RFC 9110 §9.3.2; every general-purpose
/// server must serve it): routed, authenticated, rate-limited and answered
/// as the GET, whose status and headers go out and whose body is dropped
/// unread (an export or an event stream is not produced for nothing). No
/// `Content-Length` is sent, since the length is not known without the body.
/// A HEAD of a search or read is audited as its GET (R9): the trail may list
/// more than was seen, never less.
async fn head_as_get(
    mut req: ServiceRequest,
    next: middleware::Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody, actix_web::body::None>>, actix_web::Error>
{
    let head = req.method() == actix_web::http::Method::HEAD;
    if head {
        req.head_mut().method = actix_web::http::Method::GET;
    }
    let res = next.call(req).await?;
    Ok(if head {
        res.map_body(|_, _| EitherBody::right(actix_web::body::None::new()))
    } else {
        res.map_into_left_body()
    })
}

/// Headers every answer carries unless its handler set them: answers are
/// data, never pages to frame or sniff, and nothing is cached unless a handler
/// says so (personal answers must never sit in a shared cache). Over TLS,
/// browsers are told to keep to HTTPS.
fn protective_headers(hsts: bool) -> middleware::DefaultHeaders {
    let headers = middleware::DefaultHeaders::new()
        .add(("X-Content-Type-Options", "nosniff"))
        .add(("X-Frame-Options", "DENY"))
        .add(("Referrer-Policy", "no-referrer"))
        .add(("Cache-Control", "no-store"));
    if hsts {
        headers.add((
            "Strict-Transport-Security",
            "max-age=31536000; includeSubDomains",
        ))
    } else {
        headers
    }
}
