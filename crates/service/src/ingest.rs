//! What Hello Work sends, kept: a seeker's registration and a job offer,
//! one at a time or as a batch of lines. [`prepare_seeker`] and
//! [`prepare_offer`] check every field (with its path) and scrub the free
//! text (R11) into the row the store keeps, with its search columns; the
//! API, the batch and the demo generator all go through them, so all store
//! exactly the same thing. [`store_seekers`] and [`store_offers`] write a
//! batch's group whole, and [`store_lines`] a line at a time where that
//! fails: a bad line never stops or rolls back the others.

use chrono::NaiveDate;
use kyushoku_domain::offer::JobOffer;
use kyushoku_domain::profile::{Invalid, Profile};
use kyushoku_domain::scrub::{MaskCounts, MASKS};
use kyushoku_domain::{
    CodeError, ConsentChannel, ConsentScope, JobNumber, MunicipalityCode, OccupationCode,
    PrefectureCode,
};
use kyushoku_store::offers::{self, OfferUpsert};
use kyushoku_store::seekers::{self, SeekerUpsert, Upserted};
use kyushoku_store::{Db, DbConn, StoreError};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::Refusal;

/// `PUT /v1/seekers/{seeker_ref}`.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SeekerUpsertRequest {
    #[schema(example = "both", value_type = ConsentScope)]
    pub consent_scope: String,
    /// The last day of the registration (翌々月末).
    pub valid_until: NaiveDate,
    pub profile: Profile,
}

/// One line of `POST /v1/seekers/batch`.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SeekerBatchLine {
    /// Hello Work's reference: 1–64 of `A-Z a-z 0-9 - _`.
    #[schema(pattern = "^[A-Za-z0-9_-]{1,64}$")]
    pub seeker_ref: String,
    #[schema(value_type = ConsentScope)]
    pub consent_scope: String,
    pub valid_until: NaiveDate,
    pub profile: Profile,
}

impl From<SeekerBatchLine> for (String, SeekerUpsertRequest) {
    fn from(l: SeekerBatchLine) -> Self {
        (
            l.seeker_ref,
            SeekerUpsertRequest {
                consent_scope: l.consent_scope,
                valid_until: l.valid_until,
                profile: l.profile,
            },
        )
    }
}

kyushoku_domain::closed_set! {
    /// What an upsert did.
    pub enum Stored {
        Created = "created",
        Updated = "updated",
    }
}

impl Stored {
    pub fn of(created: bool) -> Self {
        if created {
            Stored::Created
        } else {
            Stored::Updated
        }
    }
}

/// What was masked in the free text, by kind (R11).
#[derive(Debug, Clone, Copy, Default, Serialize, ToSchema)]
pub struct Masked {
    pub phone: u32,
    pub email: u32,
    pub url: u32,
    pub postal_code: u32,
    pub individual_number: u32,
    pub name: u32,
    pub address: u32,
    pub birth_date: u32,
    /// Social-network handles and IDs.
    pub handle: u32,
}

impl From<MaskCounts> for Masked {
    fn from(c: MaskCounts) -> Self {
        Masked {
            phone: c.phone,
            email: c.email,
            url: c.url,
            postal_code: c.postal_code,
            individual_number: c.individual_number,
            name: c.name,
            address: c.address,
            birth_date: c.birth_date,
            handle: c.handle,
        }
    }
}

/// A `seeker_ref` is Hello Work's opaque reference: 1–64 of `A-Z a-z 0-9 - _`.
pub fn check_seeker_ref(seeker_ref: &str) -> Result<(), Invalid> {
    let ok = (1..=64).contains(&seeker_ref.len())
        && seeker_ref
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if ok {
        Ok(())
    } else {
        Err(Invalid::new(
            "seeker_ref",
            "1 to 64 letters, digits, '-' or '_'",
        ))
    }
}

/// Validates and scrubs; returns the row to store and what was masked.
pub fn prepare_seeker(
    seeker_ref: &str,
    request: SeekerUpsertRequest,
    today: NaiveDate,
) -> Result<(SeekerUpsert, MaskCounts), Vec<Invalid>> {
    let mut errors = Vec::new();
    if let Err(e) = check_seeker_ref(seeker_ref) {
        errors.push(e);
    }
    let scope = ConsentScope::parse(&request.consent_scope);
    if scope.is_none() {
        errors.push(Invalid::new(
            "consent_scope",
            "both, public_only, private_only or none",
        ));
    }
    let lo = today - chrono::Duration::days(366);
    let hi = today + chrono::Duration::days(366);
    if request.valid_until < lo || request.valid_until > hi {
        errors.push(Invalid::new("valid_until", "within a year of today"));
    }
    errors.extend(request.profile.check("profile", today));
    let (Some(consent_scope), true) = (scope, errors.is_empty()) else {
        return Err(errors);
    };
    let mut profile = request.profile;
    let masked = profile.scrub();
    let mut qualifications: Vec<String> = Vec::new();
    for q in &profile.qualifications {
        for v in [Some(&q.name), q.code.as_ref()].into_iter().flatten() {
            // A value that held something masked is not a qualification
            // anyone may filter on.
            if !qualifications.contains(v) && !MASKS.iter().any(|m| v.contains(m)) {
                qualifications.push(v.clone());
            }
        }
    }
    // The codes `check` passed, as types (a code it let through that does
    // not parse is its field's error).
    let occupations = profile
        .occupation_index()
        .iter()
        .map(|c| OccupationCode::parse(c))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| vec![Invalid::new("profile.desired_occupations", e)])?;
    let locations = profile
        .work_locations
        .iter()
        .map(|l| {
            Ok((
                PrefectureCode::parse(&l.prefecture)?,
                l.municipality
                    .as_deref()
                    .map(MunicipalityCode::parse)
                    .transpose()?,
            ))
        })
        .collect::<Result<Vec<_>, CodeError>>()
        .map_err(|e| vec![Invalid::new("profile.work_locations", e)])?;
    let row = SeekerUpsert {
        seeker_ref: seeker_ref.to_owned(),
        consent_scope,
        valid_until: request.valid_until,
        search_text: profile.search_text(),
        wage_kind: profile.desired_wage.as_ref().map(|w| w.kind),
        // The band's floor, as organisations are shown it (R14): a wage
        // filter then answers from the band alone.
        wage_min: profile
            .desired_wage
            .as_ref()
            .map(|w| kyushoku_domain::anonymity::shown_wage(w).min),
        employment_types: profile.employment_types.clone(),
        occupations,
        locations,
        qualifications,
        chain: kyushoku_domain::anonymity::QuasiIdentifiers::of(&profile).chain(),
        profile_json: serde_json::to_string(&profile).expect("a profile serialises"),
    };
    Ok((row, masked))
}

/// `PUT /v1/job-offers/{job_number}` and one line of the offers batch:
/// validates, and returns the row to store.
pub fn prepare_offer(
    job_number: &str,
    offer: JobOffer,
    today: NaiveDate,
) -> Result<OfferUpsert, Vec<Invalid>> {
    let number = JobNumber::parse(job_number).map_err(|_| {
        Invalid::new(
            "job_number",
            "five digits, a hyphen and eight digits (NNNNN-NNNNNNNN)",
        )
    });
    let mut errors: Vec<Invalid> = number.clone().err().into_iter().collect();
    errors.extend(offer.check(today));
    if !errors.is_empty() {
        return Err(errors);
    }
    // What `check` passed, as types: a field it let through that does not
    // parse is that field's error.
    let typed = || -> Result<_, Invalid> {
        Ok((
            ConsentScope::parse(&offer.scope)
                .ok_or_else(|| Invalid::new("scope", "both, public_only or private_only"))?,
            OccupationCode::parse(&offer.occupation).map_err(|e| Invalid::new("occupation", e))?,
            PrefectureCode::parse(&offer.prefecture).map_err(|e| Invalid::new("prefecture", e))?,
            offer
                .municipality
                .as_deref()
                .map(MunicipalityCode::parse)
                .transpose()
                .map_err(|e| Invalid::new("municipality", e))?,
        ))
    };
    let (scope, occupation, prefecture, municipality) = typed().map_err(|e| vec![e])?;
    Ok(OfferUpsert {
        job_number: number.map_err(|e| vec![e])?,
        scope,
        valid_through: offer.valid_through,
        occupation,
        employment_type: offer.employment_type,
        prefecture,
        municipality,
        wage_kind: offer.wage.kind,
        wage_min: offer.wage.min,
        wage_max: offer.wage.max,
        search_text: offer.search_text(),
        content: serde_json::to_string(&offer).expect("an offer serialises"),
    })
}

/// One line of `POST /v1/job-offers/batch`: `{"job_number", …offer}`.
/// The offer is parsed line by line after the number (a line that does not
/// parse is that line's error, not the batch's).
#[derive(Debug, Clone, Deserialize)]
pub struct OfferBatchLine {
    pub job_number: String,
    #[serde(flatten)]
    pub offer: serde_json::Map<String, serde_json::Value>,
}

/// In the schema: a `JobOffer` with its `job_number` beside its fields.
impl utoipa::PartialSchema for OfferBatchLine {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::schema::Schema;
        use utoipa::openapi::{Ref, RefOr};
        let mut schema = <kyushoku_domain::offer::JobOffer as utoipa::PartialSchema>::schema();
        if let RefOr::T(Schema::Object(object)) = &mut schema {
            object.description =
                Some("One line of a batch: a job offer with its `job_number`.".into());
            object.properties.insert(
                "job_number".into(),
                RefOr::Ref(Ref::from_schema_name("JobNumber")),
            );
            object.required.insert(0, "job_number".into());
        }
        schema
    }
}

impl ToSchema for OfferBatchLine {
    fn name() -> std::borrow::Cow<'static, str> {
        std::borrow::Cow::Borrowed("OfferBatchLine")
    }
}

/// Hello Work registers or updates a seeker (the ledger records a changed
/// scope, channel `hello_work`).
pub fn put_seeker(
    c: &mut DbConn,
    row: &SeekerUpsert,
    today: NaiveDate,
) -> Result<Upserted, Refusal> {
    Ok(seekers::upsert(c, row, ConsentChannel::HelloWork, today)?)
}

/// [`put_seeker`] for a line of a batch: R14's counts are settled once for
/// the batch's transaction by [`store_lines`].
pub fn put_seeker_in_batch(
    c: &mut DbConn,
    row: &SeekerUpsert,
    today: NaiveDate,
) -> Result<Upserted, Refusal> {
    Ok(seekers::upsert_in_batch(
        c,
        row,
        ConsentChannel::HelloWork,
        today,
    )?)
}

/// Hello Work creates or replaces an offer: true when created.
pub fn put_offer(c: &mut DbConn, row: &OfferUpsert) -> Result<bool, Refusal> {
    Ok(offers::upsert(c, row)?)
}

/// Hello Work withdraws an offer: it leaves every view at once, and the
/// organisations that saw it get a deletion in their change feed. An offer
/// that is not live is [`Refusal::NotFound`].
pub fn withdraw_offer(c: &mut DbConn, job_number: &JobNumber) -> Result<(), Refusal> {
    if offers::delete(c, job_number)? {
        Ok(())
    } else {
        Err(Refusal::NotFound)
    }
}

/// Stores a group of a batch's seekers: all at once when they name
/// distinct seekers (`seekers::upsert_group`, a few statements per table
/// for the whole group, R14's counts moved once), else, or when that
/// fails, line by line ([`store_lines`]), each line refused for its own
/// sake alone.
pub fn store_seekers(
    db: &Db,
    rows: &[&SeekerUpsert],
    today: NaiveDate,
) -> Result<Vec<LineOutcome>, Refusal> {
    let grouped = db.run(|c| {
        c.write_transaction(|c| seekers::upsert_group(c, rows, ConsentChannel::HelloWork, today))
    });
    match grouped {
        Ok(Some(done)) => Ok(done
            .into_iter()
            .map(|u| LineOutcome::Stored(matches!(u, Upserted::Created(_))))
            .collect()),
        Err(e) if e.is_unavailable() => Err(e.into()),
        Ok(None) | Err(_) => store_lines(db, rows, |c, row| {
            put_seeker_in_batch(c, row, today).map(|u| matches!(u, Upserted::Created(_)))
        }),
    }
}

/// Stores a group of a batch's offers: all at once when they name
/// distinct offers (`offers::upsert_group`), else, or when that fails,
/// line by line ([`store_lines`]), each line refused for its own sake
/// alone.
pub fn store_offers(db: &Db, rows: &[&OfferUpsert]) -> Result<Vec<LineOutcome>, Refusal> {
    let grouped = db.run(|c| offers::upsert_group(c, rows));
    match grouped {
        Ok(Some(created)) => Ok(created.into_iter().map(LineOutcome::Stored).collect()),
        Err(e) if e.is_unavailable() => Err(e.into()),
        Ok(None) | Err(_) => store_lines(db, rows, put_offer),
    }
}

/// What became of one prepared line of a batch.
#[derive(Debug)]
pub enum LineOutcome {
    /// Kept: true when created, false when replaced.
    Stored(bool),
    /// Refused for the line's own sake (a value already taken).
    Refused(Refusal),
}

/// Applies a batch's prepared lines with `put`: all in one transaction,
/// each line in a savepoint of its own, so a line refused for its own sake
/// is rolled back alone. When the database fails a line, the group is
/// applied again line by line, each in its own transaction. Only a lost
/// database fails the whole batch (the caller retries it).
pub fn store_lines<T>(
    db: &Db,
    rows: &[&T],
    put: impl Fn(&mut DbConn, &T) -> Result<bool, Refusal>,
) -> Result<Vec<LineOutcome>, Refusal> {
    let grouped = db.run(|c| {
        c.write_transaction(|c| {
            let outcomes = rows
                .iter()
                .map(|row| match put(c, row) {
                    Ok(created) => Ok(LineOutcome::Stored(created)),
                    Err(Refusal::Store(e @ StoreError::Conflict(_))) => {
                        Ok(LineOutcome::Refused(Refusal::Store(e)))
                    }
                    Err(Refusal::Store(e)) => Err(e),
                    Err(refused) => Ok(LineOutcome::Refused(refused)),
                })
                .collect::<Result<Vec<LineOutcome>, StoreError>>()?;
            // R14's counts for the seekers the lines noted, once for all.
            kyushoku_store::anonymity::settle_pending(c)?;
            Ok(outcomes)
        })
    });
    match grouped {
        Ok(outcomes) => Ok(outcomes),
        Err(e) if e.is_unavailable() => Err(e.into()),
        Err(_) => rows
            .iter()
            .map(|row| {
                match crate::run(db, |c| {
                    c.write_transaction(|c| {
                        let created = put(c, row)?;
                        kyushoku_store::anonymity::settle_pending(c)?;
                        Ok(created)
                    })
                }) {
                    Ok(created) => Ok(LineOutcome::Stored(created)),
                    Err(Refusal::Store(e)) if e.is_unavailable() => Err(Refusal::Store(e)),
                    Err(refused) => Ok(LineOutcome::Refused(refused)),
                }
            })
            .collect(),
    }
}
