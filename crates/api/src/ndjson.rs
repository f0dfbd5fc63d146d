//! NDJSON batches (`POST /v1/seekers/batch`, `POST /v1/job-offers/batch`):
//! the checks, the line loop, the per-line results and idempotency, shared.
//! Each line is applied on its own (a savepoint in a transaction of up to
//! 200 lines); a bad line never stops or rolls back the others; only a lost
//! database fails the whole batch (retry it with the same `Idempotency-Key`).

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse};
use serde::Serialize;
use utoipa::ToSchema;

use crate::auth::Principal;
use crate::problem::{ApiError, Problem};
use kyushoku_service::ingest::{LineOutcome, Masked};
use kyushoku_service::Refusal;

use crate::{idempotency, AppState};

/// What a line names.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum LineId {
    SeekerRef(String),
    JobNumber(String),
}

kyushoku_domain::closed_set! {
    /// What became of one line.
    pub enum LineStatus {
        Created = "created",
        Updated = "updated",
        /// Refused: `problem` says why; nothing of the line was stored.
        Error = "error",
    }
}

/// The result of one line.
#[derive(Debug, Serialize, ToSchema)]
pub struct LineResult {
    /// 1-based line number in the request body.
    pub line: usize,
    /// The seeker the line named, when it got that far (seekers batch).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub seeker_ref: Option<String>,
    /// The offer the line named, when it got that far (offers batch).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub job_number: Option<String>,
    pub status: LineStatus,
    /// For seekers: what the scrubber masked.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub masked: Option<Masked>,
    /// For `error`: what was wrong, as a problem with `errors`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub problem: Option<Problem>,
}

impl LineResult {
    fn new(
        line: usize,
        id: Option<LineId>,
        status: LineStatus,
        masked: Option<Masked>,
        problem: Option<Problem>,
    ) -> Self {
        let (seeker_ref, job_number) = match id {
            Some(LineId::SeekerRef(r)) => (Some(r), None),
            Some(LineId::JobNumber(n)) => (None, Some(n)),
            None => (None, None),
        };
        LineResult {
            line,
            seeker_ref,
            job_number,
            status,
            masked,
            problem,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct BatchAnswer {
    pub results: Vec<LineResult>,
}

/// Check that the body is NDJSON before reading a line of it.
pub fn require_ndjson(req: &HttpRequest) -> Result<(), ApiError> {
    let ct = req
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let essence = ct.split(';').next().unwrap_or("").trim();
    if matches!(
        essence,
        "application/x-ndjson" | "application/ndjson" | "application/jsonl"
    ) {
        Ok(())
    } else {
        Err(ApiError::UnsupportedMediaType {
            expected: "application/x-ndjson",
        })
    }
}

/// A line checked and ready to store.
pub struct Prepared<T> {
    pub id: LineId,
    pub row: T,
    pub masked: Option<Masked>,
}

/// A line checked: ready to store, or refused with what it named.
pub type Checked<T> = Result<Prepared<T>, (Option<LineId>, ApiError)>;

/// Lines stored per transaction. One commit (one disk flush) for many
/// lines, and few statements for many lines, is what makes a national sync
/// fit its window; a refused line still takes no other with it.
const LINES_PER_TRANSACTION: usize = 1000;

/// Checks every non-empty line with `prepare` and stores the good ones with
/// `write`, a group at a time, in order, and answers with one result per
/// line. Lines are stored in groups of [`LINES_PER_TRANSACTION`]; `write`
/// answers one [`LineOutcome`] per row of its group
/// (`kyushoku_service::ingest::store_seekers` and `store_offers`, which
/// write a group as a whole, or `store_lines`, a line per savepoint); when
/// the database fails
/// a group, its lines are stored again one per transaction, as if they had
/// never been grouped.
pub async fn process<T, P, W>(
    state: &AppState,
    req: &HttpRequest,
    principal: &Principal,
    body: &[u8],
    prepare: P,
    write: W,
) -> Result<HttpResponse, ApiError>
where
    T: Send + 'static,
    P: Fn(&str) -> Checked<T> + Send + Sync + 'static,
    W: Fn(&kyushoku_store::Db, &[&T]) -> Result<Vec<LineOutcome>, Refusal> + Send + Sync + 'static,
{
    require_ndjson(req)?;
    let key = idempotency::key_of(req)?;
    let text = std::str::from_utf8(body)
        .map_err(|_| ApiError::Malformed("the body is not UTF-8".into()))?;
    let lines: Vec<(usize, String)> = text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(i, l)| (i + 1, l.to_owned()))
        .collect();
    if lines.len() > state.config.batch_max_lines {
        return Err(ApiError::PayloadTooLarge { limit: None });
    }
    let who = format!("{}:{}", principal.actor().kind(), principal.actor().id());
    let db = state.db.clone();
    let steps = std::sync::Arc::new((prepare, write));
    idempotency::once(state, &who, key, body, move || async move {
        let mut results = Vec::with_capacity(lines.len());
        let mut lines = lines.into_iter();
        // A pipeline: the next group is checked (CPU: parsing, scrubbing,
        // R14's classes) on one thread while the current one is written
        // (the database) on another, and on PostgreSQL the group before it
        // may still be writing beside it, on its own connection, when the
        // two name different seekers or offers (R14's tallies are the only
        // thing they queue for: `kyushoku_store::anonymity::lock`). The
        // answers are put together in the lines' order.
        let side_by_side = db.backend() == kyushoku_store::Backend::Postgres;
        let check = |group: Vec<(usize, String)>| {
            let steps = steps.clone();
            actix_web::web::block(move || {
                let (prepare, _) = &*steps;
                check_group(group, prepare)
            })
        };
        let store = |checked: Vec<(usize, Checked<T>)>| {
            let (db, steps) = (db.clone(), steps.clone());
            actix_web::web::block(move || {
                let (_, write) = &*steps;
                store_group(&db, checked, write)
            })
        };
        let mut next = check(lines.by_ref().take(LINES_PER_TRANSACTION).collect());
        let mut writing = None;
        loop {
            let checked = next.await?;
            if checked.is_empty() {
                break;
            }
            next = check(lines.by_ref().take(LINES_PER_TRANSACTION).collect());
            let named = names(&checked);
            if let Some((earlier, earlier_names)) = writing.take() {
                if side_by_side && named.is_disjoint(&earlier_names) {
                    let current = store(checked);
                    results.extend(earlier.await??);
                    writing = Some((current, named));
                    continue;
                }
                results.extend(earlier.await??);
            }
            writing = Some((store(checked), named));
        }
        if let Some((last, _)) = writing {
            results.extend(last.await??);
        }
        let value = serde_json::to_value(BatchAnswer { results })
            .map_err(|e| ApiError::Internal(e.to_string()))?;
        Ok((StatusCode::OK, value))
    })
    .await
}

/// What a group's good lines name (a seeker or an offer each).
fn names<T>(checked: &[(usize, Checked<T>)]) -> std::collections::HashSet<LineId> {
    checked
        .iter()
        .filter_map(|(_, c)| c.as_ref().ok().map(|p| p.id.clone()))
        .collect()
}

/// One group's lines, each checked by `prepare`.
fn check_group<T, P>(group: Vec<(usize, String)>, prepare: &P) -> Vec<(usize, Checked<T>)>
where
    P: Fn(&str) -> Checked<T>,
{
    group
        .into_iter()
        .map(|(line, text)| (line, prepare(&text)))
        .collect()
}

/// One checked group, stored by `write`: a result per line.
fn store_group<T, W>(
    db: &kyushoku_store::Db,
    checked: Vec<(usize, Checked<T>)>,
    write: &W,
) -> Result<Vec<LineResult>, ApiError>
where
    W: Fn(&kyushoku_store::Db, &[&T]) -> Result<Vec<LineOutcome>, Refusal>,
{
    let rows: Vec<&T> = checked
        .iter()
        .filter_map(|(_, c)| c.as_ref().ok().map(|p| &p.row))
        .collect();
    let written = write(db, &rows)?;
    let mut written = written.into_iter();
    Ok(checked
        .into_iter()
        .map(|(line, c)| match c {
            Err((id, error)) => {
                LineResult::new(line, id, LineStatus::Error, None, Some(error.to_problem()))
            }
            Ok(p) => match written.next() {
                Some(LineOutcome::Stored(created)) => LineResult::new(
                    line,
                    Some(p.id),
                    if created {
                        LineStatus::Created
                    } else {
                        LineStatus::Updated
                    },
                    p.masked,
                    None,
                ),
                Some(LineOutcome::Refused(refused)) => {
                    let error = ApiError::from(refused);
                    if let ApiError::Internal(cause) = &error {
                        tracing::error!(cause = %cause, line, "batch line failed");
                    }
                    LineResult::new(
                        line,
                        Some(p.id),
                        LineStatus::Error,
                        None,
                        Some(error.to_problem()),
                    )
                }
                None => {
                    tracing::error!(line, "batch line was prepared but not written");
                    let error = ApiError::Internal("not written".into());
                    LineResult::new(
                        line,
                        Some(p.id),
                        LineStatus::Error,
                        None,
                        Some(error.to_problem()),
                    )
                }
            },
        })
        .collect())
}

/// Parses one line, or the refusal to report for it.
pub fn parse_line<T: serde::de::DeserializeOwned>(
    text: &str,
    id: Option<LineId>,
) -> Result<T, (Option<LineId>, ApiError)> {
    crate::extract::json_from_slice(text.as_bytes()).map_err(|e| (id, e))
}
