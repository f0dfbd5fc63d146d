//! `GET /v1/job-offers/export`: the data method. A streamed, consistent
//! snapshot of every offer the organisation may see, as NDJSON or CSV
//! (UTF-8, or Shift_JIS for spreadsheet users), never held in memory whole:
//! one reader thread walks the snapshot in pages and hands them over a
//! bounded channel, so a slow client slows the reader instead of filling
//! memory. `ETag`/`If-None-Match` spare an unchanged snapshot.

use actix_web::http::header::{
    self, ContentDisposition, DispositionParam, DispositionType, EntityTag,
};
use actix_web::web::Bytes;
use actix_web::{get, web, HttpRequest, HttpResponse};
use kyushoku_domain::offer::JobOffer;
use kyushoku_domain::PrefectureCode;
use kyushoku_store::offers::{self, OfferRow};
use kyushoku_store::seekers::Viewer;
use serde::Deserialize;
use utoipa::IntoParams;

use super::job_offers_member;
use crate::auth::secrets::digest;
use crate::auth::Principal;
use crate::ingest::today_in_japan;
use crate::problem::{ApiError, FieldError, Problem};
use crate::AppState;

/// Rows read per page, and pages buffered ahead of the client.
const PAGE: i64 = 500;
const PAGES_AHEAD: usize = 4;

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ExportQuery {
    /// `ndjson` (default) or `csv`.
    pub format: Option<String>,
    /// `utf-8` (default) or `shift_jis` (CP932; CSV only). Characters
    /// Shift_JIS cannot hold become `&#NNNN;`, never dropped.
    pub encoding: Option<String>,
    /// Only offers of this workplace prefecture.
    pub prefecture: Option<String>,
}

const CSV_HEADER: [&str; 21] = [
    "job_number",
    "updated_at",
    "valid_through",
    "received_on",
    "scope",
    "employer_name",
    "employer_address",
    "industry",
    "occupation",
    "title",
    "description",
    "employment_type",
    "prefecture",
    "municipality",
    "wage_kind",
    "wage_min",
    "wage_max",
    "working_hours",
    "holidays_per_year",
    "qualifications",
    "openings",
];

fn csv_record(r: &OfferRow, o: &JobOffer) -> [String; 21] {
    [
        r.job_number.clone(),
        timestamp(r),
        r.valid_through.to_string(),
        o.received_on.to_string(),
        o.scope.clone(),
        o.employer_name.clone(),
        o.employer_address.clone(),
        o.industry.clone().unwrap_or_default(),
        o.occupation.clone(),
        o.title.clone(),
        o.description.clone(),
        o.employment_type.as_str().to_owned(),
        o.prefecture.clone(),
        o.municipality.clone().unwrap_or_default(),
        o.wage.kind.as_str().to_owned(),
        o.wage.min.to_string(),
        o.wage.max.map(|m| m.to_string()).unwrap_or_default(),
        o.working_hours.clone().unwrap_or_default(),
        o.holidays_per_year
            .map(|h| h.to_string())
            .unwrap_or_default(),
        o.qualifications.join(";"),
        o.openings.to_string(),
    ]
}

/// `updated_at` exactly as browse writes it (chrono's serde form: `…Z`).
fn timestamp(r: &OfferRow) -> String {
    r.updated_at
        .and_utc()
        .to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    Ndjson,
    Csv { shift_jis: bool },
}

/// Formats one page. The header goes before the first page of a CSV.
fn render(format: Format, rows: &[OfferRow], first: bool) -> Result<Bytes, String> {
    let mut out = Vec::with_capacity(rows.len() * 1024);
    match format {
        Format::Ndjson => {
            for r in rows {
                // The line is the offer as browse shows it: the number and
                // the time of the change, then the stored content (JSON this
                // service wrote from a `JobOffer`), spliced in as it is
                // rather than parsed and written again.
                let fields = r
                    .content
                    .strip_prefix('{')
                    .filter(|rest| rest.trim_start() != "}")
                    .ok_or_else(|| format!("stored offer {} is not a JSON object", r.id))?;
                out.extend_from_slice(b"{\"job_number\":");
                serde_json::to_writer(&mut out, &r.job_number).map_err(|e| e.to_string())?;
                out.extend_from_slice(b",\"updated_at\":\"");
                out.extend_from_slice(timestamp(r).as_bytes());
                out.extend_from_slice(b"\",");
                out.extend_from_slice(fields.as_bytes());
                out.push(b'\n');
            }
        }
        Format::Csv { shift_jis } => {
            let mut w = csv::WriterBuilder::new()
                .terminator(csv::Terminator::CRLF)
                .from_writer(Vec::new());
            if first {
                w.write_record(CSV_HEADER).map_err(|e| e.to_string())?;
            }
            for r in rows {
                let o: JobOffer = serde_json::from_str(&r.content).map_err(|e| e.to_string())?;
                w.write_record(csv_record(r, &o))
                    .map_err(|e| e.to_string())?;
            }
            let utf8 = w.into_inner().map_err(|e| e.to_string())?;
            if shift_jis {
                let text = String::from_utf8(utf8).map_err(|e| e.to_string())?;
                let (bytes, _, _) = encoding_rs::SHIFT_JIS.encode(&text);
                out.extend_from_slice(&bytes);
            } else {
                out = utf8;
            }
        }
    }
    Ok(Bytes::from(out))
}

/// Download every offer this organisation may see.
#[utoipa::path(
    tag = "job offers",
    params(ExportQuery, ("If-None-Match" = Option<String>, Header, description = "the ETag of a snapshot you have")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "the snapshot", content_type = "application/x-ndjson", body = String),
        (status = 304, description = "unchanged since the ETag"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/export")]
pub async fn export(
    req: HttpRequest,
    principal: Principal,
    query: web::Query<ExportQuery>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let member = job_offers_member(&principal)?.clone();
    let q = query.into_inner();
    let mut errors = Vec::new();
    let shift_jis = match q.encoding.as_deref().unwrap_or("utf-8") {
        "utf-8" => false,
        "shift_jis" => true,
        _ => {
            errors.push(FieldError::new("encoding", "utf-8 or shift_jis"));
            false
        }
    };
    let format = match q.format.as_deref().unwrap_or("ndjson") {
        "ndjson" if shift_jis => {
            errors.push(FieldError::new(
                "encoding",
                "NDJSON is always UTF-8; use format=csv",
            ));
            Format::Ndjson
        }
        "ndjson" => Format::Ndjson,
        "csv" => Format::Csv { shift_jis },
        _ => {
            errors.push(FieldError::new("format", "ndjson or csv"));
            Format::Ndjson
        }
    };
    if q.prefecture
        .as_deref()
        .is_some_and(|p| PrefectureCode::parse(p).is_err())
    {
        errors.push(FieldError::new("prefecture", "two digits from 01 to 47"));
    }
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    let today = today_in_japan();
    let last = state.db_run(offers::last_change).await?;
    // The snapshot is named by the last change, the day (expiry is by
    // date), who asks and how.
    let tag = EntityTag::new_strong(
        digest(&format!(
            "{last}|{today}|{}|{format:?}|{:?}",
            member.organisation_public_id, q.prefecture
        ))[..32]
            .to_owned(),
    );
    let unchanged = req
        .headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.split(',')
                .any(|t| t.trim() == tag.to_string() || t.trim() == "*")
        });
    if unchanged {
        return Ok(HttpResponse::NotModified()
            .insert_header(header::ETag(tag))
            .finish());
    }
    super::audit(&state, &principal, "offer_export", None).await?;
    let (tx, rx) = tokio::sync::mpsc::channel::<Result<Bytes, String>>(PAGES_AHEAD);
    let db = state.db.clone();
    let viewer = Viewer {
        organisation_id: member.organisation_id,
        today,
    };
    let prefecture = q.prefecture.clone();
    tokio::task::spawn_blocking(move || {
        let mut first = true;
        let result = db.run(|c| {
            offers::export_pages(c, viewer, prefecture, PAGE, |rows| {
                let chunk = render(format, &rows, first);
                first = false;
                tx.blocking_send(chunk).is_ok()
            })
        });
        match result {
            Ok(()) if first => {
                // Nothing visible: a CSV still gets its header.
                if let Format::Csv { .. } = format {
                    let _ = tx.blocking_send(render(format, &[], true));
                }
            }
            Ok(()) => {}
            Err(e) => {
                tracing::error!(error = %e, "export failed midway");
                let _ = tx.blocking_send(Err(e.to_string()));
            }
        }
    });
    // A failure midway ends the stream early: the client sees a cut body,
    // never a partial snapshot passed off as whole.
    let body = futures_util::stream::unfold(rx, |mut rx| async move {
        rx.recv()
            .await
            .map(|item| (item.map_err(actix_web::error::ErrorInternalServerError), rx))
    });
    let (content_type, extension) = match format {
        Format::Ndjson => ("application/x-ndjson; charset=utf-8", "ndjson"),
        Format::Csv { shift_jis: true } => ("text/csv; charset=Shift_JIS", "csv"),
        Format::Csv { shift_jis: false } => ("text/csv; charset=utf-8", "csv"),
    };
    let filename = format!("job-offers-{}.{extension}", today.format("%Y%m%d"));
    Ok(HttpResponse::Ok()
        .content_type(content_type)
        .insert_header(header::ETag(tag))
        .insert_header((header::CACHE_CONTROL, "private, no-cache"))
        .insert_header(ContentDisposition {
            disposition: DispositionType::Attachment,
            parameters: vec![DispositionParam::Filename(filename)],
        })
        .streaming(body))
}
