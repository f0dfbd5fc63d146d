//! The pages' only style sheet and script, built into the binary and
//! served under content-hashed names (`app.<hash>.css`) with a year's cache
//! life: a new build has new names, so no browser keeps an old one. Nothing
//! is loaded from anywhere else.

use std::sync::OnceLock;

use actix_web::http::header;
use actix_web::{web, HttpResponse};
use sha2::{Digest, Sha256};

const CSS: &str = include_str!("../../assets/app.css");
const JS: &str = include_str!("../../assets/app.js");

/// The names the pages link to.
pub struct Names {
    pub css: &'static str,
    pub js: &'static str,
}

fn hashed(stem: &str, ext: &str, body: &str) -> &'static str {
    let d = Sha256::digest(body.as_bytes());
    let hex: String = d.iter().take(6).map(|b| format!("{b:02x}")).collect();
    Box::leak(format!("/assets/{stem}.{hex}.{ext}").into_boxed_str())
}

pub fn names() -> &'static Names {
    static NAMES: OnceLock<Names> = OnceLock::new();
    NAMES.get_or_init(|| Names {
        css: hashed("app", "css", CSS),
        js: hashed("app", "js", JS),
    })
}

/// `GET /assets/{name}`: a file by its hashed name; any other name is 404.
pub async fn serve(name: web::Path<String>) -> HttpResponse {
    let path = format!("/assets/{name}");
    let n = names();
    let (body, kind) = if path == n.css {
        (CSS, "text/css; charset=utf-8")
    } else if path == n.js {
        (JS, "text/javascript; charset=utf-8")
    } else {
        return HttpResponse::NotFound()
            .insert_header((header::CACHE_CONTROL, "no-store"))
            .finish();
    };
    HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, kind))
        .insert_header((header::CACHE_CONTROL, "public, max-age=31536000, immutable"))
        .body(body)
}
