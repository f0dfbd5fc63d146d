//! `GET /v1/job-offers/export`: the data method. A streamed, consistent
//! snapshot of every offer the organisation may see, as NDJSON or CSV
//! (UTF-8, or Shift_JIS for spreadsheet users), never held in memory whole:
//! one reader thread walks the snapshot in pages and hands them over a
//! bounded channel, so a slow client slows the reader instead of filling
//! memory. `ETag`/`If-None-Match` spare an unchanged snapshot. CSV is
//! written as spreadsheets read it ([`crate::spreadsheet`]).

use actix_web::http::header::{
    self, ContentDisposition, DispositionParam, DispositionType, EntityTag,
};
use actix_web::web::Bytes;
use actix_web::{get, web, HttpRequest, HttpResponse};
use kyushoku_domain::offer::JobOffer;
use kyushoku_domain::PrefectureCode;
use kyushoku_service::offers;
use kyushoku_store::offers::OfferRow;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use super::job_offers_member;
use crate::auth::secrets::digest;
use crate::auth::Principal;
use crate::problem::{ApiError, FieldError};
use crate::spreadsheet::{defuse_formula, to_cp932};
use crate::{audit_log, AppState};
use kyushoku_domain::calendar::today_in_japan;

/// Rows read per page, and pages buffered ahead of the client.
const PAGE: i64 = 500;
const PAGES_AHEAD: usize = 4;

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ExportQuery {
    /// `ndjson` (default) or `csv`.
    #[param(inline)]
    pub format: Option<ExportFormat>,
    /// `utf-8` (default) or `shift_jis` (CP932, as Excel on Windows reads
    /// it; CSV only). Characters JIS and Windows map differently (〜, −, ‖,
    /// ¢, £, ¬, —, ¦, ¥, ‾) are written as CP932 has them; a character CP932
    /// cannot hold becomes 〓, counted in `Kyushoku-Unencodable-Characters`.
    #[param(inline)]
    pub encoding: Option<ExportEncoding>,
    /// UTF-8 CSV only: start with a byte order mark, so Excel reads it as
    /// UTF-8.
    pub bom: Option<bool>,
    /// Only offers of this workplace prefecture.
    #[param(value_type = Option<PrefectureCode>)]
    pub prefecture: Option<String>,
}

/// The export's formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ExportFormat {
    Ndjson,
    Csv,
}

/// The export's text encodings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, ToSchema)]
pub enum ExportEncoding {
    #[serde(rename = "utf-8")]
    Utf8,
    #[serde(rename = "shift_jis")]
    ShiftJis,
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
    Csv { shift_jis: bool, bom: bool },
}

/// Formats one page, with the number of characters Shift_JIS could not
/// hold. The header (and a BOM if asked for) goes before the first page of
/// a CSV.
fn render(format: Format, rows: &[OfferRow], first: bool) -> Result<(Bytes, usize), String> {
    let mut out = Vec::with_capacity(rows.len() * 1024);
    let mut unencodable = 0;
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
                    .ok_or_else(|| format!("stored offer {} is not a JSON object", r.id.get()))?;
                out.extend_from_slice(b"{\"job_number\":");
                serde_json::to_writer(&mut out, &r.job_number).map_err(|e| e.to_string())?;
                out.extend_from_slice(b",\"updated_at\":\"");
                out.extend_from_slice(timestamp(r).as_bytes());
                out.extend_from_slice(b"\",");
                out.extend_from_slice(fields.as_bytes());
                out.push(b'\n');
            }
        }
        Format::Csv { shift_jis, bom } => {
            let mut w = csv::WriterBuilder::new()
                .terminator(csv::Terminator::CRLF)
                .from_writer(Vec::new());
            if first {
                w.write_record(CSV_HEADER).map_err(|e| e.to_string())?;
            }
            for r in rows {
                let o: JobOffer = serde_json::from_str(&r.content).map_err(|e| e.to_string())?;
                let record = csv_record(r, &o);
                w.write_record(record.iter().map(|cell| defuse_formula(cell).into_owned()))
                    .map_err(|e| e.to_string())?;
            }
            let utf8 = w.into_inner().map_err(|e| e.to_string())?;
            if shift_jis {
                let text = String::from_utf8(utf8).map_err(|e| e.to_string())?;
                let (bytes, replaced) = to_cp932(&text);
                out.extend_from_slice(&bytes);
                unencodable = replaced;
            } else {
                if first && bom {
                    out.extend_from_slice("\u{FEFF}".as_bytes());
                }
                out.extend_from_slice(&utf8);
            }
        }
    }
    Ok((Bytes::from(out), unencodable))
}

/// Download every offer this organisation may see.
///
/// NDJSON (default), or CSV in UTF-8 (with a BOM if asked) or Shift_JIS
/// (CP932) with `format=csv`. The body is streamed. A CSV cell that would
/// start a formula (`=`, `+`, `-`, `@`, tab, carriage return) begins with an
/// apostrophe, so a spreadsheet shows it as text.
#[utoipa::path(
    operation_id = "job_offers_export",
    tag = "job offers",
    params(ExportQuery, ("If-None-Match" = Option<String>, Header, description = "the ETag of a snapshot you have")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "the snapshot", headers(
            ("Kyushoku-Unencodable-Characters" = u64, description = "Shift_JIS CSV only: characters written as 〓"),
            ("ETag" = String, description = "names this snapshot"),
        ), content(
            (String = "application/x-ndjson", example = json!("{\"job_number\":\"13010-12345678\",\"updated_at\":\"2026-12-01T00:00:00Z\",…}\n")),
            (String = "text/csv", example = json!("job_number,updated_at,…\r\n13010-12345678,2026-12-01T00:00:00Z,…\r\n")),
        )),
        (status = 304, description = "unchanged since the ETag"),
    )
)]
#[get("/export")]
pub async fn export(
    req: HttpRequest,
    principal: Principal,
    query: crate::extract::Query<ExportQuery>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let member = job_offers_member(&principal)?.clone();
    let q = query.into_inner()?;
    let mut errors = Vec::new();
    let shift_jis = q.encoding == Some(ExportEncoding::ShiftJis);
    let bom = q.bom.unwrap_or(false);
    let format = match q.format.unwrap_or(ExportFormat::Ndjson) {
        ExportFormat::Ndjson if shift_jis => {
            errors.push(FieldError::new(
                "encoding",
                "NDJSON is always UTF-8; use format=csv",
            ));
            Format::Ndjson
        }
        ExportFormat::Ndjson if bom => {
            errors.push(FieldError::new("bom", "only for a UTF-8 CSV"));
            Format::Ndjson
        }
        ExportFormat::Ndjson => Format::Ndjson,
        ExportFormat::Csv if shift_jis && bom => {
            errors.push(FieldError::new("bom", "only for a UTF-8 CSV"));
            Format::Ndjson
        }
        ExportFormat::Csv => Format::Csv { shift_jis, bom },
    };
    let prefecture = q
        .prefecture
        .as_deref()
        .map(PrefectureCode::parse)
        .transpose();
    if prefecture.is_err() {
        errors.push(FieldError::new("prefecture", "two digits from 01 to 47"));
    }
    let prefecture = prefecture.ok().flatten();
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    let today = today_in_japan();
    let last = state.act(offers::snapshot_mark).await?;
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
    let (tx, rx) = tokio::sync::mpsc::channel::<Result<Bytes, String>>(PAGES_AHEAD);
    let db = state.db.clone();
    let caller = audit_log::caller(&principal);
    let recorded = state.act(move |c| offers::begin_export(c, &caller)).await?;
    // Shift_JIS: a first pass over the same snapshot counts what CP932
    // cannot hold, so the count can be a header before the body.
    let counting = matches!(
        format,
        Format::Csv {
            shift_jis: true,
            ..
        }
    );
    let (count_tx, count_rx) = tokio::sync::oneshot::channel::<usize>();
    tokio::task::spawn_blocking(move || {
        let mut first = true;
        let mut count_tx = Some(count_tx);
        let mut unencodable = 0;
        if !counting {
            let _ = count_tx.take().map(|t| t.send(0));
        }
        let passes = if counting { 2 } else { 1 };
        let result = kyushoku_service::run(&db, |c| {
            offers::export(
                c,
                &recorded,
                prefecture.as_ref(),
                PAGE,
                passes,
                |pass, rows| {
                    if counting && pass == 0 {
                        return match render(format, &rows, false) {
                            Ok((_, n)) => {
                                unencodable += n;
                                true
                            }
                            Err(_) => false,
                        };
                    }
                    if let Some(t) = count_tx.take() {
                        let _ = t.send(unencodable);
                    }
                    let chunk = render(format, &rows, first).map(|(bytes, _)| bytes);
                    first = false;
                    tx.blocking_send(chunk).is_ok()
                },
            )
        });
        if let Some(t) = count_tx.take() {
            let _ = t.send(unencodable);
        }
        match result {
            Ok(()) if first => {
                // Nothing visible: a CSV still gets its header.
                if let Format::Csv { .. } = format {
                    let _ = tx.blocking_send(render(format, &[], true).map(|(bytes, _)| bytes));
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
        Format::Csv {
            shift_jis: true, ..
        } => ("text/csv; charset=Shift_JIS", "csv"),
        Format::Csv {
            shift_jis: false, ..
        } => ("text/csv; charset=utf-8", "csv"),
    };
    let filename = format!("job-offers-{}.{extension}", today.format("%Y%m%d"));
    let mut answer = HttpResponse::Ok();
    if counting {
        // A failed first pass sends no count; the stream then ends early.
        let unencodable = count_rx.await.unwrap_or(0);
        tracing::info!(
            target: "kyushoku::export",
            unencodable_characters = unencodable,
            "shift_jis export"
        );
        answer.insert_header(("Kyushoku-Unencodable-Characters", unencodable.to_string()));
    }
    Ok(answer
        .content_type(content_type)
        .insert_header(header::ETag(tag))
        .insert_header((header::CACHE_CONTROL, "private, no-cache"))
        .insert_header(ContentDisposition {
            disposition: DispositionType::Attachment,
            parameters: vec![DispositionParam::Filename(filename)],
        })
        .streaming(body))
}
