//! The events others must hear of, written to the outbox
//! ([`kyushoku_store::outbox`]) in the transaction of the action they tell
//! of; the API's relay publishes them to the live streams (SSE) after the
//! commit. An event names a thread, a message and their kinds: never text.

use kyushoku_domain::terms::{CaseOutcome, CaseStatus};
use kyushoku_domain::{Author, MessageKind};
use kyushoku_store::outbox::{self, NewEvent};
use kyushoku_store::{DbConn, StoreError};

/// The stream of a seeker (by their Hello Work reference).
pub fn seeker_topic(seeker_ref: &str) -> String {
    format!("s:{seeker_ref}")
}

/// The stream of an organisation's staff (by its public id).
pub fn organisation_topic(organisation_public_id: &str) -> String {
    format!("o:{organisation_public_id}")
}

/// A new message, for both parties' streams.
pub(crate) fn message(
    c: &mut DbConn,
    topics: &[String],
    thread_id: &str,
    message_id: &str,
    author: Author,
    kind: MessageKind,
) -> Result<(), StoreError> {
    let data = serde_json::json!({
        "thread_id": thread_id, "message_id": message_id,
        "author": author, "kind": kind,
    })
    .to_string();
    for topic in topics {
        outbox::append(
            c,
            &NewEvent {
                topic: topic.clone(),
                kind: "message",
                data: data.clone(),
            },
        )?;
    }
    Ok(())
}

/// A complaint case moved on: the seeker who filed it hears of its new
/// status and outcome, by the case's id (never the bureau's note), and
/// My Page shows it.
pub(crate) fn case_moved(
    c: &mut DbConn,
    seeker_ref: &str,
    report_id: &str,
    status: CaseStatus,
    outcome: Option<CaseOutcome>,
) -> Result<(), StoreError> {
    outbox::append(
        c,
        &NewEvent {
            topic: seeker_topic(seeker_ref),
            kind: "report_handled",
            data: serde_json::json!({
                "report_id": report_id, "status": status, "outcome": outcome,
            })
            .to_string(),
        },
    )
}

/// A thread's state as a seeker's action found it: (thread public id,
/// open).
pub(crate) type ThreadStates = Vec<(String, bool)>;

/// After a change that may open or close a seeker's threads (a block, a
/// consent change): tells the seeker of every thread whose state moved.
/// The organisation is not told (R5): it learns that a thread closed or
/// reopened only by reading it, as it learns that a profile left its
/// search, and a closure reads the same whatever its cause.
pub(crate) fn thread_states_changed(
    c: &mut DbConn,
    seeker_ref: &str,
    before: &ThreadStates,
    after: &ThreadStates,
) -> Result<(), StoreError> {
    for (thread, open) in after {
        let was = before.iter().find(|(t, _)| t == thread).map(|(_, o)| *o);
        if was == Some(*open) {
            continue;
        }
        let kind = if *open {
            "thread_reopened"
        } else {
            "thread_closed"
        };
        outbox::append(
            c,
            &NewEvent {
                topic: seeker_topic(seeker_ref),
                kind,
                data: serde_json::json!({ "thread_id": thread }).to_string(),
            },
        )?;
    }
    Ok(())
}
