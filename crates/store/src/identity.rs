//! Who may call: staff users, API clients (of organisations, and the
//! `hw_system` and `bureau` machine clients), refresh tokens, the state a
//! token is checked against on every request, and the JWT signing keys.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::schema::{
    api_clients, bureau_officers, organisations, refresh_tokens, signing_keys, users,
};
use crate::stored_word::MaybeWord;
use kyushoku_domain::{ClientKind, OrganisationStatus, PrefectureCode, Sector, StaffRole};

use crate::{
    now, per_backend, ApiClientId, DbConn, OfficerId, OrganisationId, RefreshTokenId, StoreError,
    UserId,
};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = users)]
pub struct UserRow {
    pub id: UserId,
    pub public_id: String,
    pub organisation_id: OrganisationId,
    pub email: String,
    pub password_hash: String,
    #[diesel(deserialize_as = String)]
    pub role: StaffRole,
    pub epoch: i64,
    pub created_at: NaiveDateTime,
    /// The user's one-time-code secret, sealed (`None`: not set up).
    pub totp_secret: Option<String>,
    /// The last step whose code was accepted (a code works once).
    pub totp_last_step: Option<i64>,
}

/// Someone who signs in to the pages with a password: a staff user of an
/// organisation, or a labour bureau's officer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PersonId {
    User(UserId),
    Officer(OfficerId),
}

/// A labour bureau's officer (the bureau's console).
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = bureau_officers)]
pub struct OfficerRow {
    pub id: OfficerId,
    pub public_id: String,
    #[diesel(deserialize_as = String)]
    pub prefecture: PrefectureCode,
    pub email: String,
    pub password_hash: String,
    pub totp_secret: Option<String>,
    pub totp_last_step: Option<i64>,
    pub epoch: i64,
    pub created_at: NaiveDateTime,
}

/// A new officer of the bureau of `prefecture`. A taken e-mail is
/// `Conflict`.
pub fn insert_officer(
    conn: &mut DbConn,
    public_id: &str,
    prefecture: &PrefectureCode,
    email: &str,
    password_hash: &str,
) -> Result<(), StoreError> {
    diesel::insert_into(bureau_officers::table)
        .values((
            bureau_officers::public_id.eq(public_id),
            bureau_officers::prefecture.eq(prefecture.as_str()),
            bureau_officers::email.eq(email),
            bureau_officers::password_hash.eq(password_hash),
            bureau_officers::epoch.eq(0i64),
            bureau_officers::created_at.eq(now()),
        ))
        .execute(conn)
        .map_err(|e| StoreError::conflict_on_unique(e, "email"))?;
    Ok(())
}

pub fn find_officer_by_email(
    conn: &mut DbConn,
    email: &str,
) -> Result<Option<OfficerRow>, StoreError> {
    Ok(bureau_officers::table
        .filter(bureau_officers::email.eq(email))
        .select(OfficerRow::as_select())
        .get_result(conn)
        .optional()?)
}

/// The officers of one prefecture's bureau.
pub fn officers_of(
    conn: &mut DbConn,
    prefecture: &PrefectureCode,
) -> Result<Vec<OfficerRow>, StoreError> {
    Ok(bureau_officers::table
        .filter(bureau_officers::prefecture.eq(prefecture.as_str()))
        .order(bureau_officers::id.asc())
        .select(OfficerRow::as_select())
        .load(conn)?)
}

pub fn find_officer(conn: &mut DbConn, id: OfficerId) -> Result<Option<OfficerRow>, StoreError> {
    Ok(bureau_officers::table
        .find(id)
        .select(OfficerRow::as_select())
        .get_result(conn)
        .optional()?)
}

/// Marks the code of `step` used for the person, if no code of that step
/// or a later one was: the update is the check, so two sign-ins racing
/// with one code cannot both pass. `enrol`: the sealed secret the code
/// proved, to keep as the person's.
pub fn use_totp_step(
    conn: &mut DbConn,
    who: PersonId,
    step: i64,
    enrol: Option<&str>,
) -> Result<bool, StoreError> {
    let n = match who {
        PersonId::User(id) => {
            let target = users::table.filter(users::id.eq(id)).filter(
                users::totp_last_step
                    .is_null()
                    .or(users::totp_last_step.lt(step)),
            );
            match enrol {
                Some(secret) => diesel::update(target)
                    .set((
                        users::totp_last_step.eq(Some(step)),
                        users::totp_secret.eq(Some(secret)),
                    ))
                    .execute(conn)?,
                None => diesel::update(target)
                    .set(users::totp_last_step.eq(Some(step)))
                    .execute(conn)?,
            }
        }
        PersonId::Officer(id) => {
            let target = bureau_officers::table
                .filter(bureau_officers::id.eq(id))
                .filter(
                    bureau_officers::totp_last_step
                        .is_null()
                        .or(bureau_officers::totp_last_step.lt(step)),
                );
            match enrol {
                Some(secret) => diesel::update(target)
                    .set((
                        bureau_officers::totp_last_step.eq(Some(step)),
                        bureau_officers::totp_secret.eq(Some(secret)),
                    ))
                    .execute(conn)?,
                None => diesel::update(target)
                    .set(bureau_officers::totp_last_step.eq(Some(step)))
                    .execute(conn)?,
            }
        }
    };
    Ok(n == 1)
}

/// Replaces a person's one-time-code secret (sealed) and forgets the last
/// used step.
pub fn set_totp_secret(conn: &mut DbConn, who: PersonId, sealed: &str) -> Result<(), StoreError> {
    match who {
        PersonId::User(id) => diesel::update(users::table.filter(users::id.eq(id)))
            .set((
                users::totp_secret.eq(Some(sealed)),
                users::totp_last_step.eq(None::<i64>),
            ))
            .execute(conn)?,
        PersonId::Officer(id) => {
            diesel::update(bureau_officers::table.filter(bureau_officers::id.eq(id)))
                .set((
                    bureau_officers::totp_secret.eq(Some(sealed)),
                    bureau_officers::totp_last_step.eq(None::<i64>),
                ))
                .execute(conn)?
        }
    };
    Ok(())
}

pub fn find_user_by_email(conn: &mut DbConn, email: &str) -> Result<Option<UserRow>, StoreError> {
    Ok(users::table
        .filter(users::email.eq(email))
        .select(UserRow::as_select())
        .get_result(conn)
        .optional()?)
}

/// An organisation's staff users, in the order they were added.
pub fn users_of(
    conn: &mut DbConn,
    organisation: OrganisationId,
) -> Result<Vec<UserRow>, StoreError> {
    Ok(users::table
        .filter(users::organisation_id.eq(organisation))
        .order(users::id.asc())
        .select(UserRow::as_select())
        .load(conn)?)
}

pub fn find_user(conn: &mut DbConn, id: UserId) -> Result<Option<UserRow>, StoreError> {
    Ok(users::table
        .find(id)
        .select(UserRow::as_select())
        .get_result(conn)
        .optional()?)
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = api_clients)]
pub struct ClientRow {
    pub id: ApiClientId,
    pub client_id: String,
    pub secret_hash: String,
    #[diesel(deserialize_as = String)]
    pub kind: ClientKind,
    pub organisation_id: Option<OrganisationId>,
    /// A bureau's client's prefecture.
    #[diesel(deserialize_as = MaybeWord<PrefectureCode>)]
    pub prefecture: Option<PrefectureCode>,
    /// An organisation's client's role.
    #[diesel(deserialize_as = MaybeWord<StaffRole>)]
    pub role: Option<StaffRole>,
    pub name: String,
    pub epoch: i64,
    pub created_at: NaiveDateTime,
    pub deleted_at: Option<NaiveDateTime>,
}

#[derive(Debug, Clone)]
pub struct NewClient {
    pub client_id: String,
    pub secret_hash: String,
    pub kind: ClientKind,
    pub organisation_id: Option<OrganisationId>,
    pub prefecture: Option<PrefectureCode>,
    pub role: Option<StaffRole>,
    pub name: String,
    pub created_at: NaiveDateTime,
}

pub fn insert_client(conn: &mut DbConn, client: &NewClient) -> Result<ClientRow, StoreError> {
    let values = (
        api_clients::client_id.eq(&client.client_id),
        api_clients::secret_hash.eq(&client.secret_hash),
        api_clients::kind.eq(client.kind.as_str()),
        api_clients::organisation_id.eq(client.organisation_id),
        api_clients::prefecture.eq(client.prefecture.as_ref().map(|p| p.as_str().to_owned())),
        api_clients::role.eq(client.role.map(StaffRole::as_str)),
        api_clients::name.eq(&client.name),
        api_clients::created_at.eq(client.created_at),
    );
    let id = per_backend!(conn, c => diesel::insert_into(api_clients::table)
        .values(values.clone())
        .returning(api_clients::id)
        .get_result::<ApiClientId>(c))?;
    Ok(api_clients::table
        .find(id)
        .select(ClientRow::as_select())
        .get_result(conn)?)
}

/// A client that has not been deleted.
pub fn find_client(conn: &mut DbConn, client_id: &str) -> Result<Option<ClientRow>, StoreError> {
    Ok(api_clients::table
        .filter(api_clients::client_id.eq(client_id))
        .filter(api_clients::deleted_at.is_null())
        .select(ClientRow::as_select())
        .get_result(conn)
        .optional()?)
}

pub fn list_clients(
    conn: &mut DbConn,
    organisation_id: OrganisationId,
) -> Result<Vec<ClientRow>, StoreError> {
    Ok(api_clients::table
        .filter(api_clients::organisation_id.eq(organisation_id))
        .filter(api_clients::deleted_at.is_null())
        .order(api_clients::id)
        .select(ClientRow::as_select())
        .load(conn)?)
}

/// Retires every live machine client (no organisation) of `kind` and
/// `name`, ending their tokens; the number retired.
pub fn retire_machine_clients(
    conn: &mut DbConn,
    kind: ClientKind,
    name: &str,
) -> Result<usize, StoreError> {
    Ok(diesel::update(
        api_clients::table
            .filter(api_clients::organisation_id.is_null())
            .filter(api_clients::kind.eq(kind.as_str()))
            .filter(api_clients::name.eq(name))
            .filter(api_clients::deleted_at.is_null()),
    )
    .set((
        api_clients::deleted_at.eq(now()),
        api_clients::epoch.eq(api_clients::epoch + 1),
    ))
    .execute(conn)?)
}

/// Every staff user's e-mail address.
pub fn user_emails(conn: &mut DbConn) -> Result<Vec<String>, StoreError> {
    Ok(users::table.select(users::email).load(conn)?)
}

/// Deletes an organisation's client and ends its tokens. False when the
/// organisation has no such (live) client.
pub fn delete_client(
    conn: &mut DbConn,
    organisation_id: OrganisationId,
    client_id: &str,
) -> Result<bool, StoreError> {
    let n = diesel::update(
        api_clients::table
            .filter(api_clients::organisation_id.eq(organisation_id))
            .filter(api_clients::client_id.eq(client_id))
            .filter(api_clients::deleted_at.is_null()),
    )
    .set((
        api_clients::deleted_at.eq(now()),
        api_clients::epoch.eq(api_clients::epoch + 1),
    ))
    .execute(conn)?;
    Ok(n == 1)
}

/// Which principal a token names (by its public id), for the per-request
/// state check.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum PrincipalRef {
    /// A staff user's `public_id`.
    User(String),
    /// An API client's `client_id`.
    Client(String),
    /// A job seeker's `seeker_ref` (My Page sessions).
    Seeker(String),
    /// A bureau officer's `public_id` (the bureau's console).
    Officer(String),
}

/// What a token is checked against on every request: the principal's own
/// epoch and, for organisation members, the organisation's current state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrincipalState {
    /// `None` when the user or client no longer exists (or was deleted).
    pub epoch: Option<i64>,
    pub organisation: Option<OrganisationState>,
}

/// The principal's own part of [`PrincipalState`]: its epoch and the id of
/// its organisation. `None` when it no longer exists.
pub fn principal_epoch(
    conn: &mut DbConn,
    who: &PrincipalRef,
) -> Result<Option<(i64, Option<OrganisationId>)>, StoreError> {
    Ok(match who {
        PrincipalRef::User(id) => users::table
            .filter(users::public_id.eq(id))
            .select((users::epoch, users::organisation_id.nullable()))
            .get_result::<(i64, Option<OrganisationId>)>(conn)
            .optional()?,
        PrincipalRef::Client(id) => api_clients::table
            .filter(api_clients::client_id.eq(id))
            .filter(api_clients::deleted_at.is_null())
            .select((api_clients::epoch, api_clients::organisation_id))
            .get_result::<(i64, Option<OrganisationId>)>(conn)
            .optional()?,
        PrincipalRef::Seeker(r) => {
            use crate::schema::seekers;
            seekers::table
                .filter(seekers::seeker_ref.eq(r))
                .select(seekers::epoch)
                .get_result::<i64>(conn)
                .optional()?
                .map(|e| (e, None))
        }
        PrincipalRef::Officer(id) => bureau_officers::table
            .filter(bureau_officers::public_id.eq(id))
            .select(bureau_officers::epoch)
            .get_result::<i64>(conn)
            .optional()?
            .map(|e| (e, None)),
    })
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrganisationState {
    pub id: OrganisationId,
    pub public_id: String,
    pub status: OrganisationStatus,
    pub epoch: i64,
    pub seeker_info: bool,
    pub job_offers: bool,
    pub sector: Option<Sector>,
    /// Where the organisation is: the prefecture its audit events belong to.
    pub prefecture: PrefectureCode,
    /// Grows with every change of this state (its `updated_at` in
    /// microseconds, which `organisations::change_status` keeps strictly
    /// increasing): a cache never replaces a newer state with an older one
    /// (R8).
    pub version: i64,
    /// The last day its approval is in force, when it can lapse: `None`
    /// while a renewal is pending, or for an organisation never approved.
    pub in_force_until: Option<chrono::NaiveDate>,
}

impl OrganisationState {
    /// Its status on `today` (in Japan): an approval (or a suspension)
    /// whose period has ended reads as lapsed from the next day on, before
    /// the sweeper writes it (`kyushoku_domain::terms::lapsed`).
    pub fn status_on(&self, today: chrono::NaiveDate) -> OrganisationStatus {
        let ends = matches!(
            self.status,
            OrganisationStatus::Approved | OrganisationStatus::Suspended
        );
        if ends && kyushoku_domain::terms::lapsed(self.in_force_until, false, today) {
            OrganisationStatus::Lapsed
        } else {
            self.status
        }
    }
}

pub fn organisation_state(
    conn: &mut DbConn,
    id: OrganisationId,
) -> Result<Option<OrganisationState>, StoreError> {
    let found = organisations::table
        .find(id)
        .select((
            organisations::id,
            organisations::public_id,
            organisations::status,
            organisations::epoch,
            organisations::seeker_info,
            organisations::job_offers,
            organisations::sector,
            organisations::prefecture,
            organisations::updated_at,
        ))
        .get_result::<(
            OrganisationId,
            String,
            String,
            i64,
            bool,
            bool,
            Option<String>,
            String,
            NaiveDateTime,
        )>(conn)
        .optional()?
        .and_then(
            |(id, public_id, status, epoch, seeker_info, job_offers, sector, prefecture, at)| {
                // Nor does a prefecture it cannot read.
                let prefecture = PrefectureCode::parse(&prefecture).ok()?;
                Some(OrganisationState {
                    id,
                    public_id,
                    // A status the code does not know (a row written by a
                    // later version) grants nothing.
                    status: OrganisationStatus::parse(&status)
                        .unwrap_or(OrganisationStatus::Revoked),
                    epoch,
                    seeker_info,
                    job_offers,
                    sector: sector.as_deref().and_then(Sector::parse),
                    prefecture,
                    version: at.and_utc().timestamp_micros(),
                    in_force_until: None,
                })
            },
        );
    let Some(mut state) = found else {
        return Ok(None);
    };
    state.in_force_until = crate::terms::approval_period(conn, id)?
        .filter(|p| !p.renewal_pending)
        .and_then(|p| p.approved_until);
    Ok(Some(state))
}

pub fn principal_state(
    conn: &mut DbConn,
    who: &PrincipalRef,
) -> Result<PrincipalState, StoreError> {
    let found = principal_epoch(conn, who)?;
    let organisation = match found.and_then(|(_, org)| org) {
        Some(id) => organisation_state(conn, id)?,
        None => None,
    };
    Ok(PrincipalState {
        epoch: found.map(|(e, _)| e),
        organisation,
    })
}

/// Sets a user's password hash; every access and refresh token the user
/// holds ends with it.
pub fn set_password(
    conn: &mut DbConn,
    user_id: UserId,
    password_hash: &str,
) -> Result<(), StoreError> {
    diesel::update(users::table.find(user_id))
        .set((
            users::password_hash.eq(password_hash),
            users::epoch.eq(users::epoch + 1),
        ))
        .execute(conn)?;
    diesel::update(
        refresh_tokens::table
            .filter(refresh_tokens::user_id.eq(user_id))
            .filter(refresh_tokens::revoked_at.is_null()),
    )
    .set(refresh_tokens::revoked_at.eq(Some(crate::now())))
    .execute(conn)?;
    Ok(())
}

/// Ends every access token of one user or client (RFC 7009 revocation of
/// an access token).
pub fn bump_epoch(conn: &mut DbConn, who: &PrincipalRef) -> Result<(), StoreError> {
    match who {
        PrincipalRef::User(id) => diesel::update(users::table.filter(users::public_id.eq(id)))
            .set(users::epoch.eq(users::epoch + 1))
            .execute(conn)?,
        PrincipalRef::Client(id) => {
            diesel::update(api_clients::table.filter(api_clients::client_id.eq(id)))
                .set(api_clients::epoch.eq(api_clients::epoch + 1))
                .execute(conn)?
        }
        PrincipalRef::Seeker(r) => {
            use crate::schema::seekers;
            diesel::update(seekers::table.filter(seekers::seeker_ref.eq(r)))
                .set(seekers::epoch.eq(seekers::epoch + 1))
                .execute(conn)?
        }
        PrincipalRef::Officer(id) => {
            diesel::update(bureau_officers::table.filter(bureau_officers::public_id.eq(id)))
                .set(bureau_officers::epoch.eq(bureau_officers::epoch + 1))
                .execute(conn)?
        }
    };
    Ok(())
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = refresh_tokens)]
pub struct RefreshRow {
    pub id: RefreshTokenId,
    pub token_hash: String,
    pub family: String,
    pub user_id: UserId,
    pub created_at: NaiveDateTime,
    pub expires_at: NaiveDateTime,
    pub rotated_at: Option<NaiveDateTime>,
    pub revoked_at: Option<NaiveDateTime>,
}

#[derive(Insertable)]
#[diesel(table_name = refresh_tokens)]
struct RefreshInsert<'a> {
    token_hash: &'a str,
    family: &'a str,
    user_id: UserId,
    created_at: NaiveDateTime,
    expires_at: NaiveDateTime,
}

pub fn insert_refresh(
    conn: &mut DbConn,
    token_hash: &str,
    family: &str,
    user_id: UserId,
    expires_at: NaiveDateTime,
) -> Result<(), StoreError> {
    diesel::insert_into(refresh_tokens::table)
        .values(RefreshInsert {
            token_hash,
            family,
            user_id,
            created_at: now(),
            expires_at,
        })
        .execute(conn)?;
    Ok(())
}

pub fn find_refresh(conn: &mut DbConn, token_hash: &str) -> Result<Option<RefreshRow>, StoreError> {
    Ok(refresh_tokens::table
        .filter(refresh_tokens::token_hash.eq(token_hash))
        .select(RefreshRow::as_select())
        .get_result(conn)
        .optional()?)
}

/// Marks a refresh token used, once: false when it was already rotated or
/// revoked (a replay, or a concurrent use of the same token).
pub fn mark_rotated(conn: &mut DbConn, id: RefreshTokenId) -> Result<bool, StoreError> {
    let n = diesel::update(
        refresh_tokens::table
            .find(id)
            .filter(refresh_tokens::rotated_at.is_null())
            .filter(refresh_tokens::revoked_at.is_null()),
    )
    .set(refresh_tokens::rotated_at.eq(now()))
    .execute(conn)?;
    Ok(n == 1)
}

/// Revokes every refresh token of a family (a login and its rotations).
pub fn revoke_family(conn: &mut DbConn, family: &str) -> Result<(), StoreError> {
    diesel::update(
        refresh_tokens::table
            .filter(refresh_tokens::family.eq(family))
            .filter(refresh_tokens::revoked_at.is_null()),
    )
    .set(refresh_tokens::revoked_at.eq(now()))
    .execute(conn)?;
    Ok(())
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = signing_keys)]
pub struct SigningKeyRow {
    pub kid: String,
    /// The Ed25519 seed, base64url.
    pub secret_key: String,
    /// The Ed25519 public key, base64url (the JWK `x`).
    pub public_key: String,
    pub created_at: NaiveDateTime,
    pub retired_at: Option<NaiveDateTime>,
}

/// Keys not retired, newest first.
pub fn live_signing_keys(conn: &mut DbConn) -> Result<Vec<SigningKeyRow>, StoreError> {
    Ok(signing_keys::table
        .filter(signing_keys::retired_at.is_null())
        .order((signing_keys::created_at.desc(), signing_keys::kid.desc()))
        .select(SigningKeyRow::as_select())
        .load(conn)?)
}

pub fn insert_signing_key(conn: &mut DbConn, key: &SigningKeyRow) -> Result<(), StoreError> {
    diesel::insert_into(signing_keys::table)
        .values(key)
        .execute(conn)?;
    Ok(())
}

/// The random id of this deployment's data, made by the first migration.
pub fn deployment_id(conn: &mut DbConn) -> Result<String, StoreError> {
    use crate::schema::deployment;
    Ok(deployment::table.select(deployment::id).get_result(conn)?)
}

/// The stored pseudonym secret (hex), made from `fresh` on first use. Two
/// instances starting together agree: only the first write lands.
pub fn deployment_secret(conn: &mut DbConn, fresh: &str) -> Result<String, StoreError> {
    use crate::schema::deployment;
    diesel::update(deployment::table.filter(deployment::secret.is_null()))
        .set(deployment::secret.eq(fresh))
        .execute(conn)?;
    Ok(deployment::table
        .select(deployment::secret)
        .get_result::<Option<String>>(conn)?
        .unwrap_or_default())
}
