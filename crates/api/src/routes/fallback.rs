//! What answers when no route matched: 405 with `Allow` when the path is a
//! known resource used with another method, else 404. The known resources
//! are read from the OpenAPI document, so this table never drifts from the
//! routes.

use actix_web::dev::ResourceDef;
use actix_web::{web, HttpRequest};
use utoipa::openapi::OpenApi;

use crate::problem::ApiError;

/// Path templates and the methods each one serves.
#[derive(Debug, Default)]
pub struct RouteTable {
    routes: Vec<(ResourceDef, Vec<String>)>,
    /// Literal paths that a template beside them also matches
    /// (`/v1/seekers/batch` and `/v1/seekers/{seeker_ref}`).
    shadowed: std::collections::HashSet<String>,
}

impl RouteTable {
    pub fn from_spec(spec: &OpenApi) -> Self {
        let mut routes: Vec<(ResourceDef, Vec<String>)> = spec
            .paths
            .paths
            .iter()
            .map(|(path, item)| {
                let methods = methods_of(item);
                (ResourceDef::new(path.as_str()), methods)
            })
            .collect();
        // Served outside the documented API.
        for extra in ["/openapi.json", "/docs", "/docs/{tail}*"] {
            routes.push((ResourceDef::new(extra), vec!["GET".into(), "HEAD".into()]));
        }
        let shadowed = spec
            .paths
            .paths
            .keys()
            .filter(|path| !path.contains('{'))
            .filter(|path| {
                routes.iter().any(|(def, _)| {
                    def.pattern().is_some_and(|p| p.contains('{')) && def.is_match(path)
                })
            })
            .cloned()
            .collect();
        Self { routes, shadowed }
    }

    /// The methods allowed on `path`, if it names a known resource.
    pub fn allowed(&self, path: &str) -> Option<&[String]> {
        self.routes
            .iter()
            .find(|(def, _)| def.is_match(path))
            .map(|(_, methods)| methods.as_slice())
    }
}

fn methods_of(item: &utoipa::openapi::PathItem) -> Vec<String> {
    let mut m = Vec::new();
    let pairs = [
        ("GET", &item.get),
        ("PUT", &item.put),
        ("POST", &item.post),
        ("DELETE", &item.delete),
        ("PATCH", &item.patch),
    ];
    for (name, op) in pairs {
        if op.is_some() {
            m.push(name.to_owned());
            if name == "GET" {
                // Served as the GET (`head_as_get`).
                m.push("HEAD".to_owned());
            }
        }
    }
    m
}

/// The default service.
pub async fn not_routed(
    req: HttpRequest,
    table: web::Data<RouteTable>,
) -> Result<actix_web::HttpResponse, ApiError> {
    Err(method_refusal(&req, &table).unwrap_or(ApiError::NotFound))
}

/// 405 when the path names a documented resource that does not take this
/// method. A handler whose path parameter is not of its type asks this
/// first: `/v1/job-offers/batch` reaches `GET /v1/job-offers/{job_number}`
/// in the router, but names the batch resource, which only takes POST.
pub fn method_refusal(req: &HttpRequest, table: &RouteTable) -> Option<ApiError> {
    match table.allowed(req.path()) {
        Some(methods) if !methods.iter().any(|m| m == req.method().as_str()) => {
            Some(ApiError::MethodNotAllowed {
                allow: methods.to_vec(),
            })
        }
        _ => None,
    }
}

/// For a handler of a templated path (`/v1/seekers/{seeker_ref}`): 405
/// when the path is in fact a sibling resource (`/v1/seekers/batch`) that
/// does not take this method, which the router cannot tell.
pub fn same_resource(req: &HttpRequest) -> Result<(), ApiError> {
    // Only a literal path a template shadows can be misrouted; a lookup,
    // not a scan, for every other request.
    match req
        .app_data::<web::Data<RouteTable>>()
        .filter(|table| table.shadowed.contains(req.path()))
        .and_then(|table| method_refusal(req, table))
    {
        Some(refusal) => Err(refusal),
        None => Ok(()),
    }
}
