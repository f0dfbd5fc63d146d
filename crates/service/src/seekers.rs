//! A seeker's choices on My Page (R5, R6): refusing an organisation
//! (受信拒否) and taking it back, the consent scope, refusing all guidance.
//! A choice that opens or closes threads tells the seeker's stream of each
//! one, in the same transaction (see [`crate::events`]).

use chrono::NaiveDate;
use kyushoku_domain::{ConsentChannel, ConsentScope, RegistrationStatus};
use kyushoku_store::messaging::thread_states;
use kyushoku_store::seekers::{Blocked, SeekerRow};
use kyushoku_store::{organisations, seekers, DbConn, OrganisationId, SeekerId, StoreError};

use crate::events::{self, ThreadStates};
use crate::Refusal;

/// The seeker acting on their own My Page.
#[derive(Debug, Clone, Copy)]
pub struct Me<'a> {
    pub id: SeekerId,
    /// Hello Work's reference for them: their stream's name.
    pub seeker_ref: &'a str,
}

impl<'a> From<&'a SeekerRow> for Me<'a> {
    fn from(row: &'a SeekerRow) -> Self {
        Me {
            id: row.id,
            seeker_ref: &row.seeker_ref,
        }
    }
}

fn states(c: &mut DbConn, me: Me<'_>, today: NaiveDate) -> Result<ThreadStates, StoreError> {
    Ok(thread_states(c, me.id, today)?
        .into_iter()
        .map(|(thread, _organisation, open)| (thread, open))
        .collect())
}

/// Runs `change` in one transaction with the thread events it causes.
fn with_thread_events<T>(
    c: &mut DbConn,
    me: Me<'_>,
    today: NaiveDate,
    change: impl FnOnce(&mut DbConn) -> Result<T, Refusal>,
) -> Result<T, Refusal> {
    c.write_transaction(|c| {
        let before = states(c, me, today)?;
        let done = change(c)?;
        let after = states(c, me, today)?;
        events::thread_states_changed(c, me.seeker_ref, &before, &after)?;
        Ok(done)
    })
}

/// The organisation a seeker names by its public id; an id that is not
/// one is [`Refusal::NotFound`].
fn organisation(c: &mut DbConn, public_id: &str) -> Result<OrganisationId, Refusal> {
    if uuid::Uuid::parse_str(public_id).is_err() {
        return Err(Refusal::NotFound);
    }
    Ok(organisations::find(c, public_id)?
        .ok_or(Refusal::NotFound)?
        .id)
}

/// 受信拒否: the seeker refuses one organisation (idempotent). Its thread
/// closes, and its searches and reads stop finding the seeker (R1).
pub fn block(
    c: &mut DbConn,
    me: Me<'_>,
    organisation_public_id: &str,
    today: NaiveDate,
) -> Result<(), Refusal> {
    let org = organisation(c, organisation_public_id)?;
    with_thread_events(c, me, today, |c| Ok(seekers::block(c, me.id, org)?))
}

/// Takes a refusal back; a refusal that does not exist is
/// [`Refusal::NotFound`].
pub fn unblock(
    c: &mut DbConn,
    me: Me<'_>,
    organisation_public_id: &str,
    today: NaiveDate,
) -> Result<(), Refusal> {
    let org = organisation(c, organisation_public_id)?;
    with_thread_events(c, me, today, |c| {
        if seekers::unblock(c, me.id, org)? {
            Ok(())
        } else {
            Err(Refusal::NotFound)
        }
    })
}

/// R5/R6: the seeker changes who may see their profile, from My Page; the
/// ledger keeps the change, and threads outside the new scope close.
pub fn change_consent(
    c: &mut DbConn,
    me: Me<'_>,
    scope: ConsentScope,
    today: NaiveDate,
) -> Result<(), Refusal> {
    with_thread_events(c, me, today, |c| {
        seekers::change_scope(c, me.id, scope, ConsentChannel::MyPage)?
            .map(|_| ())
            .ok_or(Refusal::NotFound)
    })
}

/// The seeker a My Page session names, or [`Refusal::SessionEnded`] when
/// the registration is gone.
pub fn whoami(c: &mut DbConn, seeker_ref: &str) -> Result<SeekerRow, Refusal> {
    seekers::find_by_ref(c, seeker_ref)?.ok_or(Refusal::SessionEnded)
}

/// What organisations of one sector are shown of the seeker (R14): `seen`
/// is `None` while that sector is shown nothing (the scope leaves it out,
/// the registration ended, or the profile is withheld as too rare).
#[derive(Debug, Clone)]
pub struct AsSeen {
    pub sector: kyushoku_domain::Sector,
    pub seen: Option<(
        kyushoku_domain::anonymity::ShownProfile,
        kyushoku_domain::anonymity::Generalisation,
    )>,
}

/// The seeker a My Page session names, with their profile exactly as each
/// sector's organisations see it (`GET /v1/me`, My Page's profile).
pub fn status(c: &mut DbConn, seeker_ref: &str) -> Result<(SeekerRow, Vec<AsSeen>), Refusal> {
    let row = whoami(c, seeker_ref)?;
    let seen = as_organisations_see(c, &row)?;
    Ok((row, seen))
}

/// The seeker's profile exactly as each sector's organisations see it,
/// for the sectors their consent covers.
fn as_organisations_see(c: &mut DbConn, row: &SeekerRow) -> Result<Vec<AsSeen>, Refusal> {
    let Some(profile) = row
        .profile
        .as_deref()
        .and_then(|p| serde_json::from_str::<kyushoku_domain::profile::Profile>(p).ok())
    else {
        return Ok(Vec::new());
    };
    let mut out = Vec::new();
    for sector in [
        kyushoku_domain::Sector::Public,
        kyushoku_domain::Sector::Private,
    ] {
        if !row.consent_scope.covers(sector) {
            continue;
        }
        let seen = if row.status == RegistrationStatus::Active {
            crate::profiles::as_sector_sees(c, row.id, &profile, sector)?
        } else {
            None
        };
        out.push(AsSeen { sector, seen });
    }
    Ok(out)
}

/// The organisations the seeker refused, most recent first.
pub fn refused(c: &mut DbConn, me: Me<'_>) -> Result<Vec<Blocked>, Refusal> {
    Ok(seekers::list_blocks(c, me.id)?)
}

/// The seeker refuses all new guidance, or takes that back (R4: threads
/// already open stay open).
pub fn set_guidance(c: &mut DbConn, me: Me<'_>, receive: bool) -> Result<(), Refusal> {
    Ok(seekers::set_receive_guidance(c, me.id, receive)?)
}

/// Hello Work ends a registration (R7: found work, withdrew, or expired):
/// the profile leaves every search at once and its threads close; it is
/// purged later by the sweep. An unknown reference is
/// [`Refusal::NotFound`].
pub fn end_registration(
    c: &mut DbConn,
    seeker_ref: &str,
    reason: RegistrationStatus,
) -> Result<(), Refusal> {
    if seekers::end_registration(c, seeker_ref, reason)? {
        Ok(())
    } else {
        Err(Refusal::NotFound)
    }
}

/// The epoch a new My Page session of the seeker is bound to (a later
/// revocation raises it); an unknown reference is [`Refusal::NotFound`].
pub fn session_epoch(c: &mut DbConn, seeker_ref: &str) -> Result<i64, Refusal> {
    use kyushoku_store::identity::{principal_epoch, PrincipalRef};
    whoami(c, seeker_ref).map_err(|_| Refusal::NotFound)?;
    principal_epoch(c, &PrincipalRef::Seeker(seeker_ref.to_owned()))?
        .map(|(epoch, _)| epoch)
        .ok_or(Refusal::NotFound)
}

/// R9, the seeker's view: which organisations opened the seeker's profile,
/// and when (newest first, at most `limit`).
pub fn profile_views(
    c: &mut DbConn,
    me: Me<'_>,
    limit: i64,
) -> Result<Vec<kyushoku_store::audit::ProfileView>, Refusal> {
    Ok(kyushoku_store::audit::profile_views(c, me.id, limit)?)
}

/// R6: the seeker's consent changes as the ledger keeps them, oldest first.
pub fn consent_history(
    c: &mut DbConn,
    me: Me<'_>,
) -> Result<Vec<kyushoku_store::seekers::ConsentChange>, Refusal> {
    Ok(seekers::consent_history(c, me.id)?)
}
