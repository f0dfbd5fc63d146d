//! Threads: an organisation's view (`/v1/threads…`, pseudonymous seekers)
//! and the shared shapes; the seeker's view is in `me::threads`.

pub mod events;
pub mod list;
pub mod read;

use chrono::{DateTime, Utc};
use kyushoku_domain::{Author, MessageKind};
use kyushoku_store::messaging::MessageRow;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::problem::{ApiError, FieldError};

/// One message. Text is returned exactly as stored; clients escape it.
#[derive(Debug, Serialize, ToSchema)]
pub struct Message {
    pub message_id: String,
    pub author: Author,
    pub kind: MessageKind,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
    pub body: String,
    pub created_at: DateTime<Utc>,
    /// When the other side read it.
    pub read_at: Option<DateTime<Utc>>,
}

impl From<MessageRow> for Message {
    fn from(m: MessageRow) -> Self {
        Message {
            message_id: m.public_id,
            author: m.author,
            kind: m.kind,
            subject: m.subject,
            body: m.body,
            created_at: m.created_at.and_utc(),
            read_at: m.read_at.map(|t| t.and_utc()),
        }
    }
}

/// A message to send (DESIGN.md §4 "message send").
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MessageSend {
    /// Required for a first guidance. When given, 1–100 characters without
    /// control characters, on any message; only a first guidance keeps it.
    #[schema(
        min_length = 1,
        max_length = 100,
        pattern = "^[^\\u0000-\\u001F\\u007F-\\u009F]*$"
    )]
    pub subject: Option<String>,
    /// 1–2,000 characters; line breaks and tabs allowed, other control
    /// characters not.
    #[schema(
        min_length = 1,
        max_length = 2000,
        pattern = "^[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F]*$"
    )]
    pub body: String,
}

/// The answer to a send.
#[derive(Debug, Serialize, ToSchema)]
pub struct MessageSent {
    pub thread_id: String,
    pub message_id: String,
    pub kind: MessageKind,
    pub created_at: DateTime<Utc>,
}

impl MessageSent {
    /// The answer to a stored send (`None` for a refused one).
    pub fn of(sent: &kyushoku_store::messaging::Sent) -> Option<serde_json::Value> {
        match sent {
            kyushoku_store::messaging::Sent::Sent {
                thread_public_id,
                message_public_id,
                kind,
                created_at,
            } => serde_json::to_value(MessageSent {
                thread_id: thread_public_id.clone(),
                message_id: message_public_id.clone(),
                kind: *kind,
                created_at: created_at.and_utc(),
            })
            .ok(),
            _ => None,
        }
    }
}

pub const MAX_BODY_CHARS: usize = 2000;
pub const MAX_SUBJECT_CHARS: usize = 100;

/// Checks a message's text (R12/R13 limits of the messaging issue).
pub fn check_message(m: &MessageSend) -> Result<(), ApiError> {
    let mut errors = Vec::new();
    let n = m.body.chars().count();
    if m.body.trim().is_empty() || n > MAX_BODY_CHARS {
        errors.push(FieldError::new("body", "1 to 2,000 characters"));
    } else if m
        .body
        .chars()
        .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
    {
        errors.push(FieldError::new(
            "body",
            "control characters other than line breaks and tabs are not allowed",
        ));
    }
    if let Some(s) = &m.subject {
        if s.trim().is_empty()
            || s.chars().count() > MAX_SUBJECT_CHARS
            || s.chars().any(char::is_control)
        {
            errors.push(FieldError::new(
                "subject",
                "1 to 100 characters, no control characters",
            ));
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(ApiError::Validation(errors))
    }
}
