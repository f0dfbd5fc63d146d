//! R9 for what organisations are shown: a search, a read or a download
//! answers a [`Shown`], which gives up what it holds only once its audit
//! event, with the seekers it showed, is committed ([`Shown::recorded`]).
//! Nothing is shown that the trail does not hold.
//!
//! The events are written by the [`AuditWriter`], on a thread of its own:
//! whatever events arrived while it wrote the last ones are written
//! together, with one commit (one statement on PostgreSQL). Under load,
//! concurrent searches share a commit and a round trip instead of each
//! paying for its own; alone, a search waits for its own row.
//! (An event that records a write goes into the write's own transaction.)

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::mpsc;

use kyushoku_store::audit::{self, NewAuditEvent};
use kyushoku_store::{Db, SeekerId};
use tokio::sync::oneshot;

use crate::Refusal;

/// What a caller is about to be shown, held until the trail records it.
#[must_use = "what was found is shown only through `recorded`"]
pub struct Shown<T> {
    what: T,
    event: NewAuditEvent,
    seekers: Vec<SeekerId>,
}

impl<T> Shown<T> {
    /// `what`, to be shown once `event` is recorded with `seekers`.
    pub fn new(what: T, event: NewAuditEvent, seekers: Vec<SeekerId>) -> Self {
        Self {
            what,
            event,
            seekers,
        }
    }

    /// What is shown, with more beside it (read in the same use case).
    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Shown<U> {
        Shown {
            what: f(self.what),
            event: self.event,
            seekers: self.seekers,
        }
    }

    /// Waits for the audit event to be committed, then gives what it
    /// holds; a trail that cannot be written refuses it.
    pub async fn recorded(self, writer: &AuditWriter) -> Result<T, Refusal> {
        writer.record(self.event, self.seekers).await?;
        Ok(self.what)
    }
}

/// Writes the events of searches, reads and downloads (see the module).
/// Cheap to clone; the thread ends when the last handle is dropped, after
/// writing what was queued.
#[derive(Clone)]
pub struct AuditWriter {
    queue: mpsc::Sender<Pending>,
}

/// Why an event was not written, as every waiter for the batch is told.
#[derive(Debug, Clone)]
struct Unrecorded {
    unavailable: bool,
    cause: String,
}

struct Pending {
    event: (NewAuditEvent, Vec<SeekerId>),
    committed: oneshot::Sender<Result<(), Unrecorded>>,
}

/// Most events written together.
const MOST_AT_ONCE: usize = 64;

impl AuditWriter {
    /// Starts the writer's thread.
    pub fn start(db: Db) -> std::io::Result<Self> {
        let (queue, arrivals) = mpsc::channel();
        std::thread::Builder::new()
            .name("kyushoku-audit".into())
            .spawn(move || write_as_they_come(&db, &arrivals))?;
        Ok(Self { queue })
    }

    async fn record(&self, event: NewAuditEvent, seekers: Vec<SeekerId>) -> Result<(), Refusal> {
        let stopped = || Refusal::Unrecorded {
            unavailable: false,
            cause: "the audit writer has stopped".into(),
        };
        let (committed, answer) = oneshot::channel();
        self.queue
            .send(Pending {
                event: (event, seekers),
                committed,
            })
            .map_err(|_| stopped())?;
        answer
            .await
            .map_err(|_| stopped())?
            .map_err(|u| Refusal::Unrecorded {
                unavailable: u.unavailable,
                cause: u.cause,
            })
    }
}

/// The writer's loop: waits for an event, takes every other one already
/// queued (up to [`MOST_AT_ONCE`]), writes them together, answers each.
fn write_as_they_come(db: &Db, arrivals: &mpsc::Receiver<Pending>) {
    while let Ok(first) = arrivals.recv() {
        let (events, waiting): (Vec<_>, Vec<_>) = std::iter::once(first)
            .chain(arrivals.try_iter().take(MOST_AT_ONCE - 1))
            .map(|p| (p.event, p.committed))
            .unzip();
        let outcome = catch_unwind(AssertUnwindSafe(|| {
            db.run(|c| audit::record_all_with_seekers(c, &events))
                .map_err(|e| Unrecorded {
                    unavailable: e.is_unavailable(),
                    cause: e.to_string(),
                })
        }))
        .unwrap_or_else(|_| {
            Err(Unrecorded {
                unavailable: false,
                cause: "the audit writer panicked".into(),
            })
        });
        for committed in waiting {
            // A caller that has gone away (its client hung up) needs no answer.
            let _ = committed.send(outcome.clone());
        }
    }
}
