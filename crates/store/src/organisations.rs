//! Organisations: applications, reads, lists and the bureau's decisions.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::schema::{change_requests, co_applicants, eligibility, organisations, users};
use crate::stored_word::MaybeWord;
use crate::{now, per_backend, CoApplicantId, DbConn, OrganisationId, StoreError, UserId};
use kyushoku_domain::organisation::{
    ChangeSet, CoApplicant, CoApplicantRole, PlacementMode, RequestStatus,
};
use kyushoku_domain::{
    MunicipalityCode, OrganisationKind, OrganisationStatus, PrefectureCode, Sector, StaffRole,
};

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = organisations)]
pub struct OrganisationRow {
    pub id: OrganisationId,
    pub public_id: String,
    pub name: String,
    #[diesel(deserialize_as = String)]
    pub kind: OrganisationKind,
    #[diesel(deserialize_as = String)]
    pub prefecture: PrefectureCode,
    #[diesel(deserialize_as = MaybeWord<MunicipalityCode>)]
    pub municipality: Option<MunicipalityCode>,
    pub licence_number: Option<String>,
    pub requests_seeker_info: bool,
    pub requests_job_offers: bool,
    pub seeker_info: bool,
    pub job_offers: bool,
    #[diesel(deserialize_as = MaybeWord<Sector>)]
    pub sector: Option<Sector>,
    #[diesel(deserialize_as = String)]
    pub status: OrganisationStatus,
    pub epoch: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone)]
pub struct NewOrganisation {
    pub public_id: String,
    pub name: String,
    pub kind: OrganisationKind,
    pub prefecture: PrefectureCode,
    pub municipality: Option<MunicipalityCode>,
    pub licence_number: Option<String>,
    pub requests_seeker_info: bool,
    pub requests_job_offers: bool,
    pub status: OrganisationStatus,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    /// What the application states of its eligibility.
    pub eligibility: Eligibility,
    /// A joint application's co-applicants, each with its public id.
    pub co_applicants: Vec<(String, CoApplicant)>,
}

/// A co-applicant of a joint application (連名申請), as stored.
#[derive(Debug, Clone, PartialEq, Eq, Queryable)]
pub struct CoApplicantRow {
    pub id: CoApplicantId,
    pub public_id: String,
    pub name: String,
    #[diesel(deserialize_as = String)]
    pub role: CoApplicantRole,
    pub licence_number: Option<String>,
}

/// Which co-applicant each of the organisation's users belongs to (users
/// of the organisation itself are not listed).
pub fn users_co_applicants(
    conn: &mut DbConn,
    organisation: OrganisationId,
) -> Result<Vec<(UserId, CoApplicantId)>, StoreError> {
    let rows: Vec<(UserId, Option<CoApplicantId>)> = users::table
        .filter(users::organisation_id.eq(organisation))
        .filter(users::co_applicant_id.is_not_null())
        .select((users::id, users::co_applicant_id))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .filter_map(|(u, c)| Some((u, c?)))
        .collect())
}

/// The organisation's co-applicants, in the order the application named
/// them.
pub fn co_applicants_of(
    conn: &mut DbConn,
    organisation: OrganisationId,
) -> Result<Vec<CoApplicantRow>, StoreError> {
    Ok(co_applicants::table
        .filter(co_applicants::organisation_id.eq(organisation))
        .order(co_applicants::id.asc())
        .select((
            co_applicants::id,
            co_applicants::public_id,
            co_applicants::name,
            co_applicants::role,
            co_applicants::licence_number,
        ))
        .load(conn)?)
}

/// What an application states of its eligibility (issue 38).
#[derive(Debug, Clone, Default, PartialEq, Eq, Queryable)]
pub struct Eligibility {
    #[diesel(deserialize_as = MaybeWord<PlacementMode>)]
    pub placement: Option<PlacementMode>,
    /// Regular placements (常用就職) in the 3 months before applying.
    pub regular_placements: Option<i32>,
}

/// The eligibility the organisation's application stated (the default for
/// one that applied before it was asked).
pub fn eligibility_of(
    conn: &mut DbConn,
    organisation: OrganisationId,
) -> Result<Eligibility, StoreError> {
    Ok(eligibility::table
        .find(organisation)
        .select((eligibility::placement, eligibility::regular_placements))
        .get_result(conn)
        .optional()?
        .unwrap_or_default())
}

/// The first admin of a new organisation (or a later staff user).
#[derive(Debug, Clone)]
pub struct NewUser {
    pub public_id: String,
    pub email: String,
    pub password_hash: String,
    pub role: StaffRole,
    /// The co-applicant of a joint application the user belongs to.
    pub co_applicant: Option<CoApplicantId>,
}

#[derive(Insertable)]
#[diesel(table_name = users)]
struct UserInsert<'a> {
    public_id: &'a str,
    organisation_id: OrganisationId,
    email: &'a str,
    password_hash: &'a str,
    role: &'a str,
    created_at: NaiveDateTime,
    co_applicant_id: Option<CoApplicantId>,
}

/// Inserts a staff user of `organisation_id`. A taken e-mail is `Conflict`.
pub fn insert_user(
    conn: &mut DbConn,
    organisation_id: OrganisationId,
    user: &NewUser,
) -> Result<UserId, StoreError> {
    let row = UserInsert {
        public_id: &user.public_id,
        organisation_id,
        email: &user.email,
        password_hash: &user.password_hash,
        role: user.role.as_str(),
        created_at: now(),
        co_applicant_id: user.co_applicant,
    };
    let id = per_backend!(conn, c => diesel::insert_into(users::table)
        .values(&row)
        .returning(users::id)
        .get_result::<UserId>(c))
    .map_err(|e| StoreError::conflict_on_unique(e, "email"))?;
    Ok(id)
}

/// Creates a pending organisation and its first admin, atomically.
pub fn create_application(
    conn: &mut DbConn,
    org: &NewOrganisation,
    admin: &NewUser,
) -> Result<OrganisationRow, StoreError> {
    conn.write_transaction(|c| {
        let id = per_backend!(c, c => diesel::insert_into(organisations::table)
            .values((
                organisations::public_id.eq(&org.public_id),
                organisations::name.eq(&org.name),
                organisations::kind.eq(org.kind.as_str()),
                organisations::prefecture.eq(org.prefecture.as_str()),
                organisations::municipality.eq(org.municipality.as_ref().map(MunicipalityCode::as_str)),
                organisations::licence_number.eq(&org.licence_number),
                organisations::requests_seeker_info.eq(org.requests_seeker_info),
                organisations::requests_job_offers.eq(org.requests_job_offers),
                organisations::status.eq(org.status.as_str()),
                organisations::created_at.eq(org.created_at),
                organisations::updated_at.eq(org.updated_at),
            ))
            .returning(organisations::id)
            .get_result::<OrganisationId>(c))
        .map_err(|e| StoreError::conflict_on_unique(e, "licence_number"))?;
        diesel::insert_into(eligibility::table)
            .values((
                eligibility::organisation_id.eq(id),
                eligibility::placement.eq(org.eligibility.placement.map(PlacementMode::as_str)),
                eligibility::regular_placements.eq(org.eligibility.regular_placements),
            ))
            .execute(c)?;
        for (public_id, co) in &org.co_applicants {
            diesel::insert_into(co_applicants::table)
                .values((
                    co_applicants::public_id.eq(public_id),
                    co_applicants::organisation_id.eq(id),
                    co_applicants::name.eq(co.name.trim()),
                    co_applicants::role.eq(co.role.as_str()),
                    co_applicants::licence_number.eq(&co.licence_number),
                ))
                .execute(c)?;
        }
        insert_user(c, id, admin)?;
        Ok(organisations::table
            .find(id)
            .select(OrganisationRow::as_select())
            .get_result(c)?)
    })
}

pub fn find(conn: &mut DbConn, public_id: &str) -> Result<Option<OrganisationRow>, StoreError> {
    Ok(organisations::table
        .filter(organisations::public_id.eq(public_id))
        .select(OrganisationRow::as_select())
        .get_result(conn)
        .optional()?)
}

pub fn find_by_id(
    conn: &mut DbConn,
    id: OrganisationId,
) -> Result<Option<OrganisationRow>, StoreError> {
    Ok(organisations::table
        .find(id)
        .select(OrganisationRow::as_select())
        .get_result(conn)
        .optional()?)
}

#[derive(Debug, Clone, Default)]
pub struct OrganisationFilter {
    pub status: Option<OrganisationStatus>,
    pub kind: Option<OrganisationKind>,
    pub prefecture: Option<PrefectureCode>,
}

/// One page in id order, after `after_id`.
pub fn list(
    conn: &mut DbConn,
    filter: &OrganisationFilter,
    after_id: Option<OrganisationId>,
    limit: i64,
) -> Result<Vec<OrganisationRow>, StoreError> {
    let mut q = organisations::table
        .select(OrganisationRow::as_select())
        .order(organisations::id.asc())
        .limit(limit)
        .into_boxed();
    if let Some(s) = filter.status {
        q = q.filter(organisations::status.eq(s.as_str()));
    }
    if let Some(k) = filter.kind {
        q = q.filter(organisations::kind.eq(k.as_str()));
    }
    if let Some(p) = &filter.prefecture {
        q = q.filter(organisations::prefecture.eq(p.as_str().to_owned()));
    }
    if let Some(after) = after_id {
        q = q.filter(organisations::id.gt(after));
    }
    Ok(q.load(conn)?)
}

/// What a decision changes.
#[derive(Debug, Clone)]
pub struct StatusChange {
    pub from_status: OrganisationStatus,
    pub to_status: OrganisationStatus,
    /// Granted services and sector, set on approval.
    pub grant: Option<Grant>,
    /// Ends every token the organisation holds (R8).
    pub bump_epoch: bool,
}

/// What an approval grants: the services, and the sector the
/// organisation's kind belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Grant {
    pub seeker_info: bool,
    pub job_offers: bool,
    pub sector: Sector,
}

/// Applies a status change only if the organisation is still in
/// `from_status`: two bureaus deciding at once cannot both win. Returns the
/// updated row, or `None` when the status had changed meanwhile.
pub fn change_status(
    conn: &mut DbConn,
    id: OrganisationId,
    change: &StatusChange,
) -> Result<Option<OrganisationRow>, StoreError> {
    conn.write_transaction(|c| {
        let Some(before) = find_by_id(c, id)? else {
            return Ok(None);
        };
        // Strictly later than the state it replaces, whatever the clocks of
        // the instances that wrote them: `updated_at` is the state's version
        // (identity::OrganisationState::version).
        let at = now().max(before.updated_at + chrono::Duration::microseconds(1));
        let target = organisations::table
            .filter(organisations::id.eq(id))
            .filter(organisations::status.eq(change.from_status.as_str()))
            .filter(organisations::updated_at.eq(before.updated_at));
        let bump = i64::from(change.bump_epoch);
        let n = match &change.grant {
            Some(grant) => diesel::update(target)
                .set((
                    organisations::status.eq(change.to_status.as_str()),
                    organisations::seeker_info.eq(grant.seeker_info),
                    organisations::job_offers.eq(grant.job_offers),
                    organisations::sector.eq(grant.sector.as_str()),
                    organisations::epoch.eq(organisations::epoch + bump),
                    organisations::updated_at.eq(at),
                ))
                .execute(c)?,
            None => diesel::update(target)
                .set((
                    organisations::status.eq(change.to_status.as_str()),
                    organisations::epoch.eq(organisations::epoch + bump),
                    organisations::updated_at.eq(at),
                ))
                .execute(c)?,
        };
        if n == 0 {
            return Ok(None);
        }
        find_by_id(c, id)
    })
}

/// Moves the organisation's state version (its `updated_at`) on without
/// changing its row otherwise, after a change authentication reads from
/// elsewhere (its approval's period): caches then take the new state.
pub fn touch(conn: &mut DbConn, id: OrganisationId) -> Result<(), StoreError> {
    conn.write_transaction(|c| {
        let Some(before) = find_by_id(c, id)? else {
            return Ok(());
        };
        let at = now().max(before.updated_at + chrono::Duration::microseconds(1));
        diesel::update(organisations::table.filter(organisations::id.eq(id)))
            .set(organisations::updated_at.eq(at))
            .execute(c)?;
        Ok(())
    })
}

/// A request to change an organisation's record, as stored.
#[derive(Debug, Clone, PartialEq, Eq, Queryable)]
pub struct ChangeRequestRow {
    pub public_id: String,
    #[diesel(deserialize_as = String)]
    pub status: RequestStatus,
    /// JSON of a `ChangeSet`.
    pub changes: String,
    /// The bureau's reason, once decided.
    pub reason: Option<String>,
    pub created_at: NaiveDateTime,
    pub decided_at: Option<NaiveDateTime>,
}

/// Files a change request as `row` says (pending); one already pending
/// is `Conflict`.
pub fn insert_change_request(
    conn: &mut DbConn,
    organisation: OrganisationId,
    row: &ChangeRequestRow,
) -> Result<(), StoreError> {
    diesel::insert_into(change_requests::table)
        .values((
            change_requests::public_id.eq(&row.public_id),
            change_requests::organisation_id.eq(organisation),
            change_requests::status.eq(row.status.as_str()),
            change_requests::changes.eq(&row.changes),
            change_requests::created_at.eq(row.created_at),
        ))
        .execute(conn)
        .map_err(|e| StoreError::conflict_on_unique(e, "change request"))?;
    Ok(())
}

/// The organisation's change requests, newest first.
pub fn change_requests_of(
    conn: &mut DbConn,
    organisation: OrganisationId,
) -> Result<Vec<ChangeRequestRow>, StoreError> {
    Ok(change_requests::table
        .filter(change_requests::organisation_id.eq(organisation))
        .order(change_requests::id.desc())
        .select((
            change_requests::public_id,
            change_requests::status,
            change_requests::changes,
            change_requests::reason,
            change_requests::created_at,
            change_requests::decided_at,
        ))
        .load(conn)?)
}

/// Decides a pending change request; `false` when it was not pending.
pub fn decide_change_request(
    conn: &mut DbConn,
    organisation: OrganisationId,
    public_id: &str,
    to: RequestStatus,
    reason: &str,
) -> Result<bool, StoreError> {
    let n = diesel::update(
        change_requests::table
            .filter(change_requests::organisation_id.eq(organisation))
            .filter(change_requests::public_id.eq(public_id))
            .filter(change_requests::status.eq(RequestStatus::Pending.as_str())),
    )
    .set((
        change_requests::status.eq(to.as_str()),
        change_requests::reason.eq(reason),
        change_requests::decided_at.eq(now()),
    ))
    .execute(conn)?;
    Ok(n == 1)
}

/// Applies an approved change to the organisation's record, only if it is
/// still as `before` (the state's version, as for a decision): its name,
/// municipality, the services it asks for and, approved, uses; departments
/// join its co-applicants. `None` when it changed meanwhile.
pub fn apply_change(
    conn: &mut DbConn,
    before: &OrganisationRow,
    change: &ChangeSet,
    department_ids: &[String],
) -> Result<Option<OrganisationRow>, StoreError> {
    let at = now().max(before.updated_at + chrono::Duration::microseconds(1));
    let name = change
        .name
        .as_deref()
        .map(str::trim)
        .unwrap_or(&before.name);
    let municipality = change
        .municipality
        .as_ref()
        .or(before.municipality.as_ref())
        .map(MunicipalityCode::as_str);
    let prefecture = change.prefecture.as_ref().unwrap_or(&before.prefecture);
    let (asks_si, asks_jo) = change
        .services
        .unwrap_or((before.requests_seeker_info, before.requests_job_offers));
    let (si, jo) = match change.services {
        Some(granted) if before.status == OrganisationStatus::Approved => granted,
        _ => (before.seeker_info, before.job_offers),
    };
    let n = diesel::update(
        organisations::table
            .filter(organisations::id.eq(before.id))
            .filter(organisations::updated_at.eq(before.updated_at)),
    )
    .set((
        organisations::name.eq(name),
        organisations::municipality.eq(municipality),
        organisations::prefecture.eq(prefecture.as_str()),
        organisations::requests_seeker_info.eq(asks_si),
        organisations::requests_job_offers.eq(asks_jo),
        organisations::seeker_info.eq(si),
        organisations::job_offers.eq(jo),
        organisations::updated_at.eq(at),
    ))
    .execute(conn)?;
    if n == 0 {
        return Ok(None);
    }
    for (department, public_id) in change.departments.iter().zip(department_ids) {
        diesel::insert_into(co_applicants::table)
            .values((
                co_applicants::public_id.eq(public_id),
                co_applicants::organisation_id.eq(before.id),
                co_applicants::name.eq(department.trim()),
                co_applicants::role.eq(CoApplicantRole::Department.as_str()),
            ))
            .execute(conn)?;
    }
    find_by_id(conn, before.id)
}
