//! How a page goes out: HTML with the headers every page carries (a
//! Content-Security-Policy that allows only this site's own script and
//! style files, no framing, no caching, a referrer only to this site — so
//! that forms carry their `Origin`, and a sign-in link's token never
//! leaves it), and the error pages.

use actix_web::http::{header, StatusCode};
use actix_web::{HttpResponse, ResponseError};
use askama::Template;

use super::i18n::{Lang, Text};
use crate::problem::ApiError;

/// No inline script or style, nothing from elsewhere, no plug-ins, forms
/// only to this site, never inside another site's frame.
pub const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; \
img-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; \
base-uri 'none'";

/// What every page's layout needs.
pub struct Chrome {
    pub lang: Lang,
    pub t: &'static Text,
    /// The path of this page (for the language switch to come back to).
    pub here: String,
    /// The signed-in session's CSRF token, when someone is signed in.
    pub csrf: Option<String>,
    pub css: &'static str,
    pub js: &'static str,
    /// The signed-in person administers their organisation (the staff
    /// pages then show its users and API clients).
    pub admin: bool,
}

impl Chrome {
    pub fn new(lang: Lang, here: impl Into<String>, csrf: Option<String>) -> Chrome {
        let assets = super::assets::names();
        Chrome {
            lang,
            t: lang.text(),
            here: here.into(),
            csrf,
            css: assets.css,
            js: assets.js,
            admin: false,
        }
    }

    /// The language switch's link.
    pub fn switch(&self) -> String {
        let back: String = form_urlencoded::byte_serialize(self.here.as_bytes()).collect();
        format!("/lang/{}?back={back}", self.lang.other().code())
    }
}

/// Renders a page with the pages' headers.
pub fn html(status: StatusCode, page: &impl Template) -> HttpResponse {
    match page.render() {
        Ok(body) => HttpResponse::build(status)
            .insert_header((header::CONTENT_TYPE, "text/html; charset=utf-8"))
            .insert_header((header::CONTENT_SECURITY_POLICY, CSP))
            .insert_header((header::CACHE_CONTROL, "no-store"))
            .insert_header((header::REFERRER_POLICY, "same-origin"))
            .insert_header((header::X_FRAME_OPTIONS, "DENY"))
            .body(body),
        Err(e) => {
            tracing::error!(error = %e, "a page did not render");
            HttpResponse::InternalServerError().finish()
        }
    }
}

/// A redirect after a form (303: the browser then GETs `to`).
pub fn see_other(to: impl Into<String>) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, to.into()))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .finish()
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage<'a> {
    chrome: Chrome,
    title: &'a str,
    message: &'a str,
    /// Where to go from here: a link and its words.
    back: Option<(&'static str, &'static str)>,
}

/// A request a page could not serve, shown as a page in the visitor's
/// language.
#[derive(Debug)]
pub struct PageError {
    lang: Lang,
    status: StatusCode,
    kind: Failure,
    area: Area,
}

/// Whose pages an error is shown among (where its link leads back to).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Area {
    MyPage,
    Staff,
    Bureau,
}

#[derive(Debug, Clone, Copy)]
enum Failure {
    SignedOut,
    LinkUnusable,
    FormExpired,
    NotFound,
    Unavailable,
    /// A staff sign-in whose code step expired or failed too often.
    SignInExpired,
    /// The organisation may not do this (its services, its state).
    NotAllowed,
    /// A page's address whose query does not parse.
    BadQuery,
}

impl PageError {
    pub fn signed_out(lang: Lang) -> PageError {
        PageError {
            lang,
            status: StatusCode::UNAUTHORIZED,
            kind: Failure::SignedOut,
            area: Area::MyPage,
        }
    }

    /// A sign-in link that is unknown, expired or used (all alike).
    pub fn link_unusable(lang: Lang) -> PageError {
        PageError {
            lang,
            status: StatusCode::GONE,
            kind: Failure::LinkUnusable,
            area: Area::MyPage,
        }
    }

    /// A form that does not parse.
    pub fn bad_form(lang: Lang) -> PageError {
        PageError {
            lang,
            status: StatusCode::BAD_REQUEST,
            kind: Failure::FormExpired,
            area: Area::MyPage,
        }
    }

    /// A page address whose query does not parse (`?before=abc`).
    pub fn bad_query(lang: Lang) -> PageError {
        PageError {
            lang,
            status: StatusCode::BAD_REQUEST,
            kind: Failure::BadQuery,
            area: Area::MyPage,
        }
    }

    pub fn form_expired(lang: Lang) -> PageError {
        PageError {
            lang,
            status: StatusCode::FORBIDDEN,
            kind: Failure::FormExpired,
            area: Area::MyPage,
        }
    }

    pub fn not_found(lang: Lang) -> PageError {
        PageError {
            lang,
            status: StatusCode::NOT_FOUND,
            kind: Failure::NotFound,
            area: Area::MyPage,
        }
    }

    /// The staff pages' sign-in is needed.
    pub fn staff_signed_out(lang: Lang) -> PageError {
        PageError {
            area: Area::Staff,
            ..PageError::signed_out(lang)
        }
    }

    /// A staff sign-in to start again.
    pub fn sign_in_expired(lang: Lang) -> PageError {
        PageError {
            lang,
            status: StatusCode::GONE,
            kind: Failure::SignInExpired,
            area: Area::Staff,
        }
    }

    /// As [`PageError::of`], among the staff pages.
    pub fn of_staff(lang: Lang) -> impl Fn(ApiError) -> PageError {
        move |e| PageError {
            area: Area::Staff,
            ..PageError::of(lang)(e)
        }
    }

    /// This error, among the staff pages.
    pub fn staff(self) -> PageError {
        PageError {
            area: Area::Staff,
            ..self
        }
    }

    /// This error, among the bureau's console's pages.
    pub fn bureau(self) -> PageError {
        PageError {
            area: Area::Bureau,
            ..self
        }
    }

    /// As [`PageError::of`], among the bureau's console's pages.
    pub fn of_bureau(lang: Lang) -> impl Fn(ApiError) -> PageError {
        move |e| PageError::of(lang)(e).bureau()
    }

    /// What the API would have refused, as a page: a refusal the visitor
    /// can do nothing about reads as "not found" (R2), a session that
    /// ended as signed out, anything else as "try again".
    pub fn of(lang: Lang) -> impl Fn(ApiError) -> PageError {
        move |e| match e {
            ApiError::NotFound | ApiError::Validation(_) | ApiError::Malformed(_) => {
                PageError::not_found(lang)
            }
            ApiError::Unauthorized(_) | ApiError::AccessRevoked => PageError::signed_out(lang),
            ApiError::Forbidden(_) | ApiError::NotApproved => PageError {
                lang,
                status: StatusCode::FORBIDDEN,
                kind: Failure::NotAllowed,
                area: Area::MyPage,
            },
            e => {
                let status = e.status_code();
                if status.is_server_error() {
                    tracing::warn!(error = %e, "a page's use case failed");
                }
                PageError {
                    lang,
                    status,
                    kind: Failure::Unavailable,
                    area: Area::MyPage,
                }
            }
        }
    }
}

impl std::fmt::Display for PageError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "page refused: {:?}", self.kind)
    }
}

impl ResponseError for PageError {
    fn status_code(&self) -> StatusCode {
        self.status
    }

    fn error_response(&self) -> HttpResponse {
        let t = self.lang.text();
        let s = t.staff;
        let signed_in = !matches!(
            self.kind,
            Failure::SignedOut | Failure::LinkUnusable | Failure::SignInExpired
        );
        // The sign-in of the area's door, and its home.
        let (door, home) = match self.area {
            Area::Staff => (
                Some(("/staff/sign-in", s.sign_in_title)),
                ("/staff", s.home),
            ),
            Area::Bureau => (
                Some(("/bureau/sign-in", t.bureau.sign_in_title)),
                ("/bureau", t.bureau.home),
            ),
            Area::MyPage => (None, ("/my-page", t.back_to_inbox)),
        };
        let (title, message) = match self.kind {
            Failure::SignedOut => match door {
                Some((_, title)) => (title, s.signed_out),
                None => (t.signed_out_title, t.signed_out),
            },
            Failure::LinkUnusable => (t.link_unusable_title, t.link_unusable),
            Failure::FormExpired => (t.error_title, t.form_expired),
            Failure::NotFound => (t.error_title, t.not_found),
            Failure::Unavailable => (t.error_title, t.try_again),
            Failure::SignInExpired => (door.map_or(s.sign_in_title, |d| d.1), s.code_gone),
            Failure::NotAllowed => (t.error_title, s.not_allowed),
            Failure::BadQuery => (t.error_title, t.bad_query),
        };
        let back = if signed_in { Some(home) } else { door };
        let here = home.0;
        let page = ErrorPage {
            chrome: Chrome::new(self.lang, here, None),
            title,
            message,
            back,
        };
        let mut res = html(self.status, &page);
        if matches!(self.kind, Failure::Unavailable) && self.status.is_server_error() {
            res.headers_mut()
                .insert(header::RETRY_AFTER, header::HeaderValue::from_static("5"));
        }
        res
    }
}
