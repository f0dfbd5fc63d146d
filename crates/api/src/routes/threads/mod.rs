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

/// A message to send: a first guidance (with its subject), an answer or a
/// question.
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

/// The answer to a send (the use case's; see `kyushoku_service::messaging`).
pub use kyushoku_service::messaging::MessageSent;
