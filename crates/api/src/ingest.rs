//! Turning what Hello Work sends about a seeker into what the store keeps:
//! validation with field paths, R11 scrubbing, and the derived search
//! columns. Used by `PUT /v1/seekers/{seeker_ref}`, the NDJSON batch, and
//! the demo generator, so all three store exactly the same thing.

use chrono::NaiveDate;
use kyushoku_domain::profile::{Invalid, Profile};
use kyushoku_domain::scrub::{MaskCounts, MASKS};
use kyushoku_domain::ConsentScope;
use kyushoku_store::seekers::SeekerUpsert;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::problem::FieldError;

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
pub fn check_seeker_ref(seeker_ref: &str) -> Result<(), FieldError> {
    let ok = (1..=64).contains(&seeker_ref.len())
        && seeker_ref
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if ok {
        Ok(())
    } else {
        Err(FieldError::new(
            "seeker_ref",
            "1 to 64 letters, digits, '-' or '_'",
        ))
    }
}

fn to_field_errors(list: Vec<Invalid>) -> Vec<FieldError> {
    list.into_iter()
        .map(|i| FieldError::new(i.field, i.message))
        .collect()
}

/// Validates and scrubs; returns the row to store and what was masked.
pub fn prepare(
    seeker_ref: &str,
    request: SeekerUpsertRequest,
    today: NaiveDate,
) -> Result<(SeekerUpsert, MaskCounts), Vec<FieldError>> {
    let mut errors = Vec::new();
    if let Err(e) = check_seeker_ref(seeker_ref) {
        errors.push(e);
    }
    let scope = ConsentScope::parse(&request.consent_scope);
    if scope.is_none() {
        errors.push(FieldError::new(
            "consent_scope",
            "both, public_only, private_only or none",
        ));
    }
    let lo = today - chrono::Duration::days(366);
    let hi = today + chrono::Duration::days(366);
    if request.valid_until < lo || request.valid_until > hi {
        errors.push(FieldError::new("valid_until", "within a year of today"));
    }
    errors.extend(to_field_errors(request.profile.check("profile", today)));
    let (Some(consent_scope), true) = (scope, errors.is_empty()) else {
        return Err(errors);
    };
    let mut profile = request.profile;
    let masked = profile.scrub();
    let employment_types = if profile.employment_types.is_empty() {
        String::new()
    } else {
        let names: Vec<&str> = profile
            .employment_types
            .iter()
            .map(|e| e.as_str())
            .collect();
        format!(",{},", names.join(","))
    };
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
    let row = SeekerUpsert {
        seeker_ref: seeker_ref.to_owned(),
        consent_scope,
        valid_until: request.valid_until,
        search_text: profile.search_text(),
        wage_kind: profile
            .desired_wage
            .as_ref()
            .map(|w| w.kind.as_str().to_owned()),
        wage_min: profile.desired_wage.as_ref().map(|w| w.min),
        employment_types,
        occupations: profile.occupation_index(),
        locations: profile
            .work_locations
            .iter()
            .map(|l| (l.prefecture.clone(), l.municipality.clone()))
            .collect(),
        qualifications,
        profile_json: serde_json::to_string(&profile).expect("a profile serialises"),
    };
    Ok((row, masked))
}

/// `PUT /v1/job-offers/{job_number}` and one line of the offers batch.
pub fn prepare_offer(
    job_number: &str,
    offer: kyushoku_domain::offer::JobOffer,
    today: NaiveDate,
) -> Result<kyushoku_store::offers::OfferUpsert, Vec<FieldError>> {
    let mut errors = Vec::new();
    if kyushoku_domain::JobNumber::parse(job_number).is_err() {
        errors.push(FieldError::new(
            "job_number",
            "five digits, a hyphen and eight digits (NNNNN-NNNNNNNN)",
        ));
    }
    errors.extend(to_field_errors(offer.check(today)));
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(kyushoku_store::offers::OfferUpsert {
        job_number: job_number.to_owned(),
        scope: offer.scope.clone(),
        valid_through: offer.valid_through,
        occupation: offer.occupation.clone(),
        employment_type: offer.employment_type.as_str().to_owned(),
        prefecture: offer.prefecture.clone(),
        municipality: offer.municipality.clone(),
        wage_kind: offer.wage.kind.as_str().to_owned(),
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
