//! The pages for people (issue 33), served by the same binary as the API:
//! HTML rendered on the server from compile-time templates (askama), usable
//! without JavaScript, Japanese first. A page handler parses its request,
//! calls the same use-case function as the API (`kyushoku_service`) and
//! renders; no rule is written twice. Pages authenticate with a session
//! cookie only ([`session`]), every form carries the session's CSRF token,
//! and every page is sent with a Content-Security-Policy without
//! `unsafe-inline` ([`page`]).

pub mod assets;
pub mod bureau;
pub mod form;
pub mod i18n;
pub mod my_page;
pub mod offers;
pub mod page;
pub mod places;
pub mod profile_view;
pub mod session;
pub mod staff;
pub mod terms;

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};

use crate::routes::me;
use i18n::{Lang, LANG_COOKIE};

/// Whether a path is a page's (cookie sessions, never bearer tokens) rather
/// than the API's.
pub fn is_page(path: &str) -> bool {
    path == "/"
        || path == "/my-page"
        || path.starts_with("/my-page/")
        || path.starts_with("/assets/")
        || path.starts_with("/lang/")
        || path == "/offers"
        || path == "/staff"
        || path.starts_with("/staff/")
        || path == "/bureau"
        || path.starts_with("/bureau/")
}

/// Registers the pages.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/", web::get().to(home))
        .route("/lang/{code}", web::get().to(switch_language))
        .route("/assets/{name}", web::get().to(assets::serve))
        .service(
            web::resource("/offers")
                .app_data(
                    web::QueryConfig::default()
                        .error_handler(|_, req| page::PageError::bad_query(Lang::of(req)).into()),
                )
                .route(web::get().to(offers::search)),
        )
        .service(
            web::scope("/my-page")
                .app_data(
                    web::FormConfig::default()
                        .limit(64 * 1024)
                        .error_handler(|_, req| page::PageError::bad_form(Lang::of(req)).into()),
                )
                .app_data(
                    web::QueryConfig::default()
                        .error_handler(|_, req| page::PageError::bad_query(Lang::of(req)).into()),
                )
                .route("", web::get().to(my_page::inbox))
                .route("/sign-in/{token}", web::get().to(my_page::sign_in_page))
                .route("/sign-in/{token}", web::post().to(my_page::sign_in))
                .route("/signed-out", web::get().to(my_page::signed_out))
                .route("/sign-out", web::post().to(my_page::sign_out))
                .route(
                    "/sign-out-everywhere",
                    web::post().to(my_page::sign_out_everywhere),
                )
                .route("/threads/{thread_id}", web::get().to(my_page::thread))
                .route(
                    "/threads/{thread_id}/messages",
                    web::post().to(my_page::send),
                )
                .route(
                    "/threads/{thread_id}/reports",
                    web::post().to(my_page::report),
                )
                .route("/refusals", web::get().to(my_page::refusals))
                .route("/refusals", web::post().to(my_page::refuse))
                .route("/refusals/undo", web::post().to(my_page::undo_refusal))
                .route("/guidance", web::post().to(my_page::guidance))
                .route("/consent", web::get().to(my_page::consent))
                .route("/consent", web::post().to(my_page::change_consent))
                .route("/profile", web::get().to(my_page::profile))
                .route("/views", web::get().to(my_page::views))
                .route("/reports", web::get().to(terms::my_reports))
                // The API's seeker stream, under the session cookie.
                .service(me::events::events),
        )
        .configure(staff::configure)
        .configure(bureau::configure);
}

/// `/`: the seeker's My Page when signed in, else how to reach it.
async fn home(req: HttpRequest) -> HttpResponse {
    let to = if crate::auth::principal_of(&req).is_some() {
        "/my-page"
    } else {
        "/my-page/signed-out"
    };
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, to))
        .finish()
}

#[derive(Debug, serde::Deserialize)]
struct Back {
    back: Option<String>,
}

/// `/lang/{ja|en}?back=/path`: the language switch (a cookie, a year).
async fn switch_language(
    req: HttpRequest,
    code: web::Path<String>,
    query: web::Query<Back>,
) -> HttpResponse {
    let back = query
        .back
        .as_deref()
        .filter(|b| is_local_path(b))
        .unwrap_or("/my-page");
    let mut res = HttpResponse::SeeOther();
    res.insert_header((header::LOCATION, back.to_owned()));
    if let Some(lang) = Lang::parse(&code) {
        res.insert_header((
            header::SET_COOKIE,
            format!(
                "{LANG_COOKIE}={}; Path=/; Max-Age=31536000; SameSite=Lax{}",
                lang.code(),
                if session::secure(&req) {
                    "; Secure"
                } else {
                    ""
                }
            ),
        ));
    }
    res.finish()
}

/// A path on this site (never another site's: `//host`, `/\host`).
fn is_local_path(p: &str) -> bool {
    p.starts_with('/')
        && !p.starts_with("//")
        && !p.starts_with("/\\")
        && p.len() <= 512
        && p.bytes().all(|b| b.is_ascii_graphic())
}

/// A cookie's value by name.
pub fn cookie(req: &HttpRequest, name: &str) -> Option<String> {
    req.headers()
        .get_all(header::COOKIE)
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_language_switch_returns_only_to_this_site() {
        assert!(is_local_path("/my-page/threads/x"));
        assert!(!is_local_path("//evil.example/"));
        assert!(!is_local_path("/\\evil.example/"));
        assert!(!is_local_path("https://evil.example/"));
        assert!(!is_local_path("/a b"));
    }

    #[test]
    fn pages_and_api_paths_are_apart() {
        assert!(is_page("/my-page"));
        assert!(is_page("/my-page/threads/x"));
        assert!(is_page("/assets/app.css"));
        assert!(!is_page("/my-pages"));
        assert!(is_page("/staff/profiles"));
        assert!(!is_page("/staffing"));
        assert!(!is_page("/v1/me"));
    }
}
