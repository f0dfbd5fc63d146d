//! Job offers: ingest by Hello Work, and browse and read by organisations
//! with `job_offers`, the employer's scope applied inside the query (R1 for
//! offers) and expired offers dropping out by date.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::dsl::exists;
use diesel::prelude::*;

use crate::schema::{job_offers, organisations};
use crate::seekers::Viewer;
use crate::{now, per_backend, Connection, DbConn, StoreError};

/// An offer as stored: the columns the filters use, and the content.
#[derive(Debug, Clone)]
pub struct OfferUpsert {
    pub job_number: String,
    pub scope: String,
    pub valid_through: NaiveDate,
    pub occupation: String,
    pub employment_type: String,
    pub prefecture: String,
    pub municipality: Option<String>,
    pub wage_kind: String,
    pub wage_min: i64,
    pub wage_max: Option<i64>,
    pub content: String,
    pub search_text: String,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = job_offers)]
pub struct OfferRow {
    pub id: i64,
    pub job_number: String,
    pub valid_through: NaiveDate,
    pub content: String,
    pub updated_at: NaiveDateTime,
}

/// Creates or replaces an offer; a deleted one comes back.
pub fn upsert(conn: &mut DbConn, o: &OfferUpsert) -> Result<bool, StoreError> {
    let major = o.occupation[..2].to_owned();
    conn.transaction(|c| {
        let at = now();
        let n = diesel::update(job_offers::table.filter(job_offers::job_number.eq(&o.job_number)))
            .set((
                job_offers::scope.eq(&o.scope),
                job_offers::status.eq("active"),
                job_offers::valid_through.eq(o.valid_through),
                job_offers::occupation.eq(&o.occupation),
                job_offers::occupation_major.eq(&major),
                job_offers::employment_type.eq(&o.employment_type),
                job_offers::prefecture.eq(&o.prefecture),
                job_offers::municipality.eq(&o.municipality),
                job_offers::wage_kind.eq(&o.wage_kind),
                job_offers::wage_min.eq(o.wage_min),
                job_offers::wage_max.eq(o.wage_max),
                job_offers::content.eq(&o.content),
                job_offers::search_text.eq(&o.search_text),
                job_offers::updated_at.eq(at),
            ))
            .execute(c)?;
        if n == 1 {
            return Ok(false);
        }
        per_backend!(c, c => diesel::insert_into(job_offers::table)
            .values((
                job_offers::job_number.eq(&o.job_number),
                job_offers::scope.eq(&o.scope),
                job_offers::status.eq("active"),
                job_offers::valid_through.eq(o.valid_through),
                job_offers::occupation.eq(&o.occupation),
                job_offers::occupation_major.eq(&major),
                job_offers::employment_type.eq(&o.employment_type),
                job_offers::prefecture.eq(&o.prefecture),
                job_offers::municipality.eq(&o.municipality),
                job_offers::wage_kind.eq(&o.wage_kind),
                job_offers::wage_min.eq(o.wage_min),
                job_offers::wage_max.eq(o.wage_max),
                job_offers::content.eq(&o.content),
                job_offers::search_text.eq(&o.search_text),
                job_offers::updated_at.eq(at),
            ))
            .execute(c))
        .map_err(|e| StoreError::conflict_on_unique(e, "job_number"))?;
        Ok(true)
    })
}

/// Withdraws an offer. False when there is no such (live) offer.
pub fn delete(conn: &mut DbConn, job_number: &str) -> Result<bool, StoreError> {
    let n = diesel::update(
        job_offers::table
            .filter(job_offers::job_number.eq(job_number))
            .filter(job_offers::status.eq("active")),
    )
    .set((
        job_offers::status.eq("deleted"),
        job_offers::updated_at.eq(now()),
    ))
    .execute(conn)?;
    Ok(n == 1)
}

/// R1 for offers: active, within `valid_through`, the organisation approved
/// with `job_offers`, the employer's scope covering its sector.
macro_rules! offer_visible_to {
    ($viewer:expr) => {{
        let v: Viewer = $viewer;
        let scope_covers_sector = organisations::sector
            .eq("public")
            .and(job_offers::scope.eq_any(["both", "public_only"]))
            .or(organisations::sector
                .eq("private")
                .and(job_offers::scope.eq_any(["both", "private_only"])));
        job_offers::status
            .eq("active")
            .and(job_offers::valid_through.ge(v.today))
            .and(exists(
                organisations::table
                    .filter(organisations::id.eq(v.organisation_id))
                    .filter(organisations::status.eq("approved"))
                    .filter(organisations::job_offers.eq(true))
                    .filter(scope_covers_sector),
            ))
    }};
}

#[derive(Debug, Clone, Default)]
pub struct OfferFilter {
    pub keyword: Option<String>,
    pub occupation: Option<String>,
    pub prefecture: Option<String>,
    pub municipality: Option<String>,
    pub employment_type: Option<String>,
    /// Offers paying at least this (their upper bound, or minimum when no
    /// upper bound), of `kind`.
    pub wage: Option<(String, i64)>,
    pub updated_since: Option<NaiveDateTime>,
}

/// One page of the offers `viewer` may see, newest first.
pub fn browse(
    conn: &mut DbConn,
    viewer: Viewer,
    f: &OfferFilter,
    after: Option<(NaiveDateTime, i64)>,
    limit: i64,
) -> Result<Vec<OfferRow>, StoreError> {
    let mut q = job_offers::table
        .filter(offer_visible_to!(viewer))
        .select(OfferRow::as_select())
        .order((job_offers::updated_at.desc(), job_offers::id.desc()))
        .limit(limit)
        .into_boxed();
    if let Some(k) = &f.keyword {
        q = q.filter(
            job_offers::search_text
                .like(crate::seekers::like_pattern(k))
                .escape('\\'),
        );
    }
    if let Some(code) = &f.occupation {
        q = match code.len() {
            2 => q.filter(job_offers::occupation_major.eq(code.clone())),
            // A validated three-digit code: no wildcard can hide in it.
            3 => q.filter(job_offers::occupation.like(format!("{code}%"))),
            _ => q.filter(job_offers::occupation.eq(code.clone())),
        };
    }
    if let Some(p) = &f.prefecture {
        q = q.filter(job_offers::prefecture.eq(p.clone()));
    }
    if let Some(m) = &f.municipality {
        q = q.filter(job_offers::municipality.eq(m.clone()));
    }
    if let Some(e) = &f.employment_type {
        q = q.filter(job_offers::employment_type.eq(e.clone()));
    }
    if let Some((kind, wage)) = &f.wage {
        q = q.filter(job_offers::wage_kind.eq(kind.clone())).filter(
            job_offers::wage_max.ge(*wage).or(job_offers::wage_max
                .is_null()
                .and(job_offers::wage_min.ge(*wage))),
        );
    }
    if let Some(t) = f.updated_since {
        q = q.filter(job_offers::updated_at.ge(t));
    }
    if let Some((t, id)) = after {
        q = q.filter(
            job_offers::updated_at
                .lt(t)
                .or(job_offers::updated_at.eq(t).and(job_offers::id.lt(id))),
        );
    }
    Ok(q.load(conn)?)
}

/// The offer, if `viewer` may see it; else nothing, as for no offer (R2).
pub fn read_visible(
    conn: &mut DbConn,
    viewer: Viewer,
    job_number: &str,
) -> Result<Option<OfferRow>, StoreError> {
    Ok(job_offers::table
        .filter(job_offers::job_number.eq(job_number))
        .filter(offer_visible_to!(viewer))
        .select(OfferRow::as_select())
        .first(conn)
        .optional()?)
}
