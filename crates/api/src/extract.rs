//! Request extractors whose refusals name the field at fault.
//!
//! actix's `web::Json` and `web::Query` report serde's message, in which the
//! only name in backticks may be the bad *value* (`invalid value: integer
//! `70000``). These read the same inputs through `serde_path_to_error`, so
//! a problem's `field` is always the path to the field (`openings`,
//! `admin.email`, `qualifications[2].code`), and the value is never echoed.
//!
//! A body's refusal waits until the handler asks for the body
//! ([`Json::into_inner`]), which it does after deciding whether the caller
//! may act at all: a caller who may not gets 403 whatever it sent, never a
//! validation answer that describes the operation.

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{FromRequest, HttpRequest};
use futures_util::future::LocalBoxFuture;
use futures_util::StreamExt;
use serde::de::DeserializeOwned;

use crate::problem::{from_payload_error, ApiError, FieldError};
use crate::AppState;

/// The largest JSON body [`Json`] reads, in bytes (app data; without it,
/// the `AppState`'s `json_limit`, else 1 MiB).
#[derive(Debug, Clone, Copy)]
pub struct JsonLimit(pub usize);

/// A JSON body (`application/json` or `…+json`), at most [`JsonLimit`]:
/// the value, or why there is none (415, 413, 400 or 422).
#[derive(Debug)]
pub struct Json<T>(Result<T, ApiError>);

/// A query string: the value, or why there is none (422), kept until the
/// handler asks for it as for [`Json`].
#[derive(Debug)]
pub struct Query<T>(Result<T, ApiError>);

impl<T> Json<T> {
    /// The body, once the handler has authorised the caller.
    pub fn into_inner(self) -> Result<T, ApiError> {
        self.0
    }
}

impl<T> Query<T> {
    /// The parameters, once the handler has authorised the caller.
    pub fn into_inner(self) -> Result<T, ApiError> {
        self.0
    }
}

/// The field at fault: the path serde reached, and for a missing, unknown
/// or repeated field the name its message gives; `fallback` for the whole
/// input.
fn field_of(path: &serde_path_to_error::Path, message: &str, fallback: &str) -> String {
    let at = path.to_string();
    let at = if at == "." { String::new() } else { at };
    let named = ["missing field `", "unknown field `", "duplicate field `"]
        .iter()
        .find_map(|prefix| message.strip_prefix(prefix))
        .and_then(|rest| rest.split('`').next());
    match (at.is_empty(), named) {
        (true, Some(name)) => name.to_owned(),
        // An unknown field is where the path already is.
        (false, Some(name)) if at == name || at.ends_with(&format!(".{name}")) => at,
        (false, Some(name)) => format!("{at}.{name}"),
        (false, None) => at,
        (true, None) => fallback.to_owned(),
    }
}

/// serde's message without the values it quotes: before "expected", a
/// backticked or double-quoted part is what the client sent (`invalid
/// value: integer `70000``); after it, the names the field accepts.
fn message_of(inner: &str) -> String {
    let (sent, accepted) = match inner.find("expected") {
        Some(at) => inner.split_at(at),
        None => (inner, ""),
    };
    let mut out = String::with_capacity(inner.len());
    let mut quoted = false;
    for (i, part) in sent.split('`').enumerate() {
        if i > 0 {
            out.push('`');
        }
        quoted = i % 2 == 1;
        out.push_str(if quoted { "…" } else { part });
    }
    if quoted {
        out.push('`');
    }
    out.push_str(accepted);
    crate::problem::without_values(&out)
}

/// Parses a JSON body as `T`; a refusal names the field by its path.
pub fn json_from_slice<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    use serde_json::error::Category;
    let malformed = |e: &serde_json::Error| {
        ApiError::Malformed(format!(
            "the body is not valid JSON: {}",
            message_of(&e.to_string())
        ))
    };
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let value: T = serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let path = e.path().clone();
        let inner = e.into_inner();
        match inner.classify() {
            Category::Data => {
                let message = inner.to_string();
                ApiError::Validation(vec![FieldError::new(
                    field_of(&path, &message, "body"),
                    message_of(&message),
                )])
            }
            Category::Syntax | Category::Eof | Category::Io => malformed(&inner),
        }
    })?;
    de.end().map_err(|e| malformed(&e))?;
    Ok(value)
}

/// Reads a JSON value as `T`; a refusal names the field by its path.
pub fn json_from_value<T: DeserializeOwned>(value: serde_json::Value) -> Result<T, ApiError> {
    serde_path_to_error::deserialize(value).map_err(|e| {
        let message = e.inner().to_string();
        ApiError::Validation(vec![FieldError::new(
            field_of(e.path(), &message, "body"),
            message_of(&message),
        )])
    })
}

/// Parses a query string as `T`; a refusal names the parameter.
pub fn query_from_str<T: DeserializeOwned>(query: &str) -> Result<T, ApiError> {
    let de = serde_urlencoded::Deserializer::new(form_urlencoded::parse(query.as_bytes()));
    serde_path_to_error::deserialize(de).map_err(|e| {
        let message = e.inner().to_string();
        ApiError::Validation(vec![FieldError::new(
            field_of(e.path(), &message, "query"),
            message_of(&message),
        )])
    })
}

fn is_json(req: &HttpRequest) -> bool {
    req.headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<actix_web::mime::Mime>().ok())
        .is_some_and(|m| {
            use actix_web::mime::{APPLICATION, JSON};
            m.type_() == APPLICATION && (m.subtype() == JSON || m.suffix() == Some(JSON))
        })
}

impl<T: DeserializeOwned + 'static> FromRequest for Json<T> {
    type Error = actix_web::Error;
    type Future = LocalBoxFuture<'static, Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let limit = match req.app_data::<JsonLimit>() {
            Some(limit) => limit.0,
            None => req
                .app_data::<actix_web::web::Data<AppState>>()
                .map_or(1024 * 1024, |s| s.config.json_limit),
        };
        let json = is_json(req);
        let declared = req
            .headers()
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<usize>().ok());
        let mut payload = payload.take();
        Box::pin(async move {
            if declared.is_some_and(|n| n > limit) {
                return Ok(Json(Err(ApiError::PayloadTooLarge { limit: Some(limit) })));
            }
            // The body is read whole (within the limit) even when it will
            // be refused, so the connection stays usable.
            let mut body = actix_web::web::BytesMut::new();
            while let Some(chunk) = payload.next().await {
                let chunk = match chunk {
                    Ok(chunk) => chunk,
                    Err(e) => return Ok(Json(Err(from_payload_error(&e)))),
                };
                if body.len() + chunk.len() > limit {
                    return Ok(Json(Err(ApiError::PayloadTooLarge { limit: Some(limit) })));
                }
                body.extend_from_slice(&chunk);
            }
            if !json {
                return Ok(Json(Err(ApiError::UnsupportedMediaType {
                    expected: "application/json",
                })));
            }
            Ok(Json(json_from_slice(&body)))
        })
    }
}

impl<T: DeserializeOwned + 'static> FromRequest for Query<T> {
    type Error = actix_web::Error;
    type Future = std::future::Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        std::future::ready(Ok(Query(query_from_str(req.query_string()))))
    }
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;

    use super::*;

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Offer {
        openings: u16,
        admin: Option<Admin>,
        format: Option<Format>,
    }

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Admin {
        email: String,
    }

    #[derive(Debug, Deserialize)]
    #[serde(rename_all = "snake_case")]
    enum Format {
        Csv,
    }

    fn field(e: ApiError) -> String {
        match e {
            ApiError::Validation(errors) => errors[0].field.clone(),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn the_field_is_named_never_the_value() {
        for (body, expected) in [
            (r#"{"openings": 70000}"#, "openings"),
            (r#"{"openings": -1}"#, "openings"),
            (r#"{"openings": 1, "admin": {"email": 5}}"#, "admin.email"),
            (r#"{"openings": 1, "format": "xml"}"#, "format"),
            (r#"{"openings": 1, "extra": 1}"#, "extra"),
            (r#"{"openings": 1, "admin": {}}"#, "admin.email"),
            (r#"{}"#, "openings"),
        ] {
            let e = json_from_slice::<Offer>(body.as_bytes()).unwrap_err();
            assert_eq!(field(e), expected, "{body}");
        }
        let e = query_from_str::<Offer>("openings=70000").unwrap_err();
        assert_eq!(field(e), "openings");
        let e = query_from_str::<Offer>("openings=1&format=xml").unwrap_err();
        assert_eq!(field(e), "format");
    }

    #[test]
    fn values_are_not_echoed_and_syntax_is_malformed() {
        let e = json_from_slice::<Admin>(br#"{"email": 12345678}"#).unwrap_err();
        let text = format!("{:?}", e);
        assert!(!text.contains("12345678"), "{text}");
        assert!(matches!(
            json_from_slice::<Admin>(b"{\"email\": "),
            Err(ApiError::Malformed(_))
        ));
        assert!(matches!(
            json_from_slice::<Admin>(br#"{"email": "a"} trailing"#),
            Err(ApiError::Malformed(_))
        ));
    }
}
