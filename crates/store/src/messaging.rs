//! Pseudonymous messaging: threads between one organisation and one seeker.
//!
//! The turn rule (R3) is enforced by the writes themselves, so that two
//! concurrent sends cannot both pass on either backend: an answer is a
//! conditional `UPDATE … WHERE last_author = 'seeker'`, a first guidance is
//! an `INSERT` under `UNIQUE (organisation_id, seeker_id)`, and the daily
//! guidance cap (R13) is a conditional increment of a counter row. Every
//! transaction here is a `write_transaction`, so SQLite takes its write lock
//! first and never has to upgrade a read lock (which could fail at once
//! under concurrency instead of waiting).

use crate::stored_word::MaybeWord;
use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use kyushoku_domain::terms::{CaseOutcome, CaseStatus};
use kyushoku_domain::{
    Author, MessageKind, MunicipalityCode, OrganisationKind, PrefectureCode, ThreadStanding,
};

use crate::schema::{guidance_counters, messages, organisations, reports, seekers, threads};
use crate::seekers::{read_visible, Viewer};
use crate::visibility::{seeker_visible_to, SeekerVisibleTo};
use diesel::dsl;
use diesel::query_source::Alias;

type MultiBackend = <DbConn as Connection>::Backend;
use crate::{
    now, per_backend, DbConn, MessageId, OrganisationId, ReportId, SeekerId, StoreError, ThreadId,
};

/// A message to send from an organisation.
#[derive(Debug, Clone)]
pub struct OrgMessage {
    pub viewer: Viewer,
    pub seeker_id: SeekerId,
    /// Who wrote it (`user:…`, `client:…`), for the organisation's records.
    pub actor: String,
    pub subject: Option<String>,
    pub body: String,
    /// The day (JST) the guidance counts against, and the cap.
    pub day: NaiveDate,
    pub daily_cap: i32,
}

/// What became of a send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Sent {
    Sent {
        thread_public_id: String,
        message_public_id: String,
        kind: MessageKind,
        created_at: NaiveDateTime,
    },
    /// R1 fails now (blocked, out of scope, ended, not approved): as absent.
    NotVisible,
    /// R3: the organisation wrote last; the thread waits for the seeker.
    OutOfTurn,
    /// The seeker refuses all new guidance.
    GuidanceRefused,
    /// R13: the organisation's guidance for today is used up.
    CapReached,
    /// R4: the thread is closed for the seeker (organisation not approved,
    /// blocked, out of scope, registration ended).
    Closed,
    /// No such thread of this seeker.
    NoThread,
}

/// A message row to insert.
struct NewMessage<'a> {
    public_id: &'a str,
    thread_id: ThreadId,
    author: Author,
    actor: Option<&'a str>,
    kind: MessageKind,
    subject: Option<&'a str>,
    body: &'a str,
    created_at: NaiveDateTime,
}

/// The columns of a message row, every one bound.
type MessageColumns<'a> = (
    diesel::dsl::Eq<messages::public_id, &'a str>,
    diesel::dsl::Eq<messages::thread_id, ThreadId>,
    diesel::dsl::Eq<messages::author, &'static str>,
    diesel::dsl::Eq<messages::actor, Option<&'a str>>,
    diesel::dsl::Eq<messages::kind, &'static str>,
    diesel::dsl::Eq<messages::subject, Option<&'a str>>,
    diesel::dsl::Eq<messages::body, &'a str>,
    diesel::dsl::Eq<messages::created_at, NaiveDateTime>,
);

impl<'a> NewMessage<'a> {
    /// Every column bound, NULL where absent. A derived `Insertable` writes
    /// `DEFAULT` for an absent value, which makes diesel send the insert
    /// unprepared (PostgreSQL parses and plans it again for every answer
    /// and every seeker's question); neither nullable column has another
    /// default.
    fn row(&self) -> MessageColumns<'a> {
        use messages::*;
        (
            public_id.eq(self.public_id),
            thread_id.eq(self.thread_id),
            author.eq(self.author.as_str()),
            actor.eq(self.actor),
            kind.eq(self.kind.as_str()),
            subject.eq(self.subject),
            body.eq(self.body),
            created_at.eq(self.created_at),
        )
    }
}

fn insert_message(conn: &mut DbConn, m: &NewMessage) -> Result<(), StoreError> {
    diesel::insert_into(messages::table)
        .values(m.row())
        .execute(conn)?;
    Ok(())
}

/// Takes one unit of the organisation's daily guidance, or reports the cap.
///
/// The counter is one row per organisation and day, so every first guidance
/// the organisation sends waits for the row lock this takes until the
/// sending transaction commits: call it as the transaction's last statement.
fn take_guidance(
    conn: &mut DbConn,
    organisation_id: OrganisationId,
    day: NaiveDate,
    cap: i32,
) -> Result<bool, StoreError> {
    per_backend!(conn, c => diesel::insert_into(guidance_counters::table)
        .values((
            guidance_counters::organisation_id.eq(organisation_id),
            guidance_counters::day.eq(day),
            guidance_counters::sent.eq(0),
        ))
        .on_conflict((guidance_counters::organisation_id, guidance_counters::day))
        .do_nothing()
        .execute(c))?;
    let n = diesel::update(
        guidance_counters::table
            .filter(guidance_counters::organisation_id.eq(organisation_id))
            .filter(guidance_counters::day.eq(day))
            .filter(guidance_counters::sent.lt(cap)),
    )
    .set(guidance_counters::sent.eq(guidance_counters::sent + 1))
    .execute(conn)?;
    Ok(n == 1)
}

/// A rollback that carries an answer out of the transaction.
enum Abort {
    Answer(Sent),
    Store(StoreError),
}

impl From<diesel::result::Error> for Abort {
    fn from(e: diesel::result::Error) -> Self {
        Abort::Store(e.into())
    }
}

impl From<StoreError> for Abort {
    fn from(e: StoreError) -> Self {
        Abort::Store(e)
    }
}

fn finish(result: Result<Sent, Abort>) -> Result<Sent, StoreError> {
    match result {
        Ok(s) | Err(Abort::Answer(s)) => Ok(s),
        Err(Abort::Store(e)) => Err(e),
    }
}

/// What a caller writes in a send's own transaction once the message is in
/// (its audit row, its idempotency record), so that all of it commits or
/// none of it does.
pub trait WithinSend: FnOnce(&mut DbConn, &Sent) -> Result<(), StoreError> {}
impl<F: FnOnce(&mut DbConn, &Sent) -> Result<(), StoreError>> WithinSend for F {}

/// R3: the first guidance or an answer from an organisation, atomically.
/// `within` runs in the same transaction after the message is stored.
pub fn send_from_organisation(
    conn: &mut DbConn,
    m: &OrgMessage,
    message_public_id: &str,
    thread_public_id: &str,
    within: impl WithinSend,
) -> Result<Sent, StoreError> {
    let org_id = m.viewer.organisation_id;
    finish(conn.write_transaction::<Sent, Abort>(|c| {
        let at = now();
        // An answer: only when the seeker wrote last. This write comes first.
        let answered = diesel::update(
            threads::table
                .filter(threads::organisation_id.eq(org_id))
                .filter(threads::seeker_id.eq(m.seeker_id))
                .filter(threads::last_author.eq(Author::Seeker.as_str())),
        )
        .set((
            threads::last_author.eq(Author::Organisation.as_str()),
            threads::seeker_unread.eq(threads::seeker_unread + 1),
            threads::updated_at.eq(at),
        ))
        .execute(c)?;
        if read_visible(c, m.viewer, m.seeker_id)?.is_none() {
            return Err(Abort::Answer(Sent::NotVisible));
        }
        let existing = threads::table
            .filter(threads::organisation_id.eq(org_id))
            .filter(threads::seeker_id.eq(m.seeker_id))
            .select((threads::id, threads::public_id))
            .get_result::<(ThreadId, String)>(c)
            .optional()?;
        let (thread_id, thread_public, kind) = match (answered, existing) {
            (1, Some((id, public))) => (id, public, MessageKind::Answer),
            (_, Some(_)) => return Err(Abort::Answer(Sent::OutOfTurn)),
            (_, None) => {
                let accepts = seekers::table
                    .find(m.seeker_id)
                    .select(seekers::receive_guidance)
                    .get_result::<bool>(c)?;
                if !accepts {
                    return Err(Abort::Answer(Sent::GuidanceRefused));
                }
                let inserted = per_backend!(c, c => diesel::insert_into(threads::table)
                    .values((
                        threads::public_id.eq(thread_public_id),
                        threads::organisation_id.eq(org_id),
                        threads::seeker_id.eq(m.seeker_id),
                        threads::last_author.eq(Author::Organisation.as_str()),
                        threads::seeker_unread.eq(1),
                        threads::created_at.eq(at),
                        threads::updated_at.eq(at),
                    ))
                    .returning(threads::id)
                    .get_result::<ThreadId>(c));
                match inserted {
                    Ok(id) => (id, thread_public_id.to_owned(), MessageKind::Guidance),
                    // Another send opened the thread first: this one is out of turn.
                    Err(diesel::result::Error::DatabaseError(
                        diesel::result::DatabaseErrorKind::UniqueViolation,
                        _,
                    )) => return Err(Abort::Answer(Sent::OutOfTurn)),
                    Err(e) => return Err(e.into()),
                }
            }
        };
        insert_message(
            c,
            &NewMessage {
                public_id: message_public_id,
                thread_id,
                author: Author::Organisation,
                actor: Some(&m.actor),
                kind,
                subject: if kind == MessageKind::Guidance {
                    m.subject.as_deref()
                } else {
                    None
                },
                body: &m.body,
                created_at: at,
            },
        )?;
        let sent = Sent::Sent {
            thread_public_id: thread_public,
            message_public_id: message_public_id.to_owned(),
            kind,
            created_at: at,
        };
        within(c, &sent)?;
        // R13 last: the cap's row lock is then held only until the commit
        // that follows (taken first, it queued the organisation's other
        // sends behind all of this transaction's statements). Over the cap,
        // everything above rolls back.
        if kind == MessageKind::Guidance && !take_guidance(c, org_id, m.day, m.daily_cap)? {
            return Err(Abort::Answer(Sent::CapReached));
        }
        Ok(sent)
    }))
}

/// R4: a seeker writes only in a thread an organisation opened, and only
/// while that thread is open (the organisation approved, R1 holding).
pub fn send_from_seeker(
    conn: &mut DbConn,
    seeker_id: SeekerId,
    thread_public_id: &str,
    body: &str,
    message_public_id: &str,
    today: NaiveDate,
    within: impl WithinSend,
) -> Result<Sent, StoreError> {
    finish(conn.write_transaction::<Sent, Abort>(|c| {
        let at = now();
        let n = diesel::update(
            threads::table
                .filter(threads::public_id.eq(thread_public_id))
                .filter(threads::seeker_id.eq(seeker_id)),
        )
        .set((
            threads::last_author.eq(Author::Seeker.as_str()),
            threads::org_unread.eq(threads::org_unread + 1),
            threads::updated_at.eq(at),
        ))
        .execute(c)?;
        if n == 0 {
            return Err(Abort::Answer(Sent::NoThread));
        }
        let (thread_id, org_id) = threads::table
            .filter(threads::public_id.eq(thread_public_id))
            .select((threads::id, threads::organisation_id))
            .get_result::<(ThreadId, OrganisationId)>(c)?;
        let viewer = Viewer {
            organisation_id: org_id,
            today,
        };
        if read_visible(c, viewer, seeker_id)?.is_none() {
            return Err(Abort::Answer(Sent::Closed));
        }
        insert_message(
            c,
            &NewMessage {
                public_id: message_public_id,
                thread_id,
                author: Author::Seeker,
                actor: None,
                kind: MessageKind::Question,
                subject: None,
                body,
                created_at: at,
            },
        )?;
        let sent = Sent::Sent {
            thread_public_id: thread_public_id.to_owned(),
            message_public_id: message_public_id.to_owned(),
            kind: MessageKind::Question,
            created_at: at,
        };
        within(c, &sent)?;
        Ok(sent)
    }))
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = threads)]
pub struct ThreadRow {
    pub id: ThreadId,
    pub public_id: String,
    pub organisation_id: OrganisationId,
    pub seeker_id: SeekerId,
    #[diesel(deserialize_as = String)]
    pub last_author: Author,
    pub org_unread: i32,
    pub seeker_unread: i32,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = messages)]
pub struct MessageRow {
    pub id: MessageId,
    pub public_id: String,
    pub thread_id: ThreadId,
    #[diesel(deserialize_as = String)]
    pub author: Author,
    #[diesel(deserialize_as = String)]
    pub kind: MessageKind,
    pub subject: Option<String>,
    pub body: String,
    pub created_at: NaiveDateTime,
    pub read_at: Option<NaiveDateTime>,
}

/// Whose threads: an organisation's or a seeker's.
#[derive(Debug, Clone, Copy)]
pub enum Party {
    Organisation(OrganisationId),
    Seeker(SeekerId),
}

/// A thread in a list, with what its reader needs beside it.
#[derive(Debug, Clone)]
pub struct ListedThread {
    pub thread: ThreadRow,
    /// R1 holds between its two parties now.
    pub open: bool,
    /// The organisation, as the seeker is shown it.
    pub organisation: OrganisationCard,
}

/// An organisation as a seeker is shown it: its public id, name, kind,
/// licence or notification number and where it is (organisations are
/// public, R10).
#[derive(Debug, Clone, Queryable)]
pub struct OrganisationCard {
    pub public_id: String,
    pub name: String,
    #[diesel(deserialize_as = String)]
    pub kind: OrganisationKind,
    pub licence_number: Option<String>,
    #[diesel(deserialize_as = String)]
    pub prefecture: PrefectureCode,
    #[diesel(deserialize_as = MaybeWord<MunicipalityCode>)]
    pub municipality: Option<MunicipalityCode>,
}

/// The thread organisation's columns a seeker is shown ([`OrganisationCard`]).
type CardColumns = (
    dsl::Field<Alias<ThreadOrganisation>, organisations::public_id>,
    dsl::Field<Alias<ThreadOrganisation>, organisations::name>,
    dsl::Field<Alias<ThreadOrganisation>, organisations::kind>,
    dsl::Field<Alias<ThreadOrganisation>, organisations::licence_number>,
    dsl::Field<Alias<ThreadOrganisation>, organisations::prefecture>,
    dsl::Field<Alias<ThreadOrganisation>, organisations::municipality>,
);

/// Threads with whether each is open and its organisation's card, in one
/// statement: the seeker's row is joined only where R1 holds between the
/// thread's two parties ([`seeker_visible_to`] with the thread's
/// organisation), so a missing seeker row is a closed thread. A page of 20
/// was 1 + 20 statements for the organisation and 1 + 40 for the seeker.
#[dsl::auto_type(no_type_alias)]
fn listed_threads(today: NaiveDate) -> _ {
    let organisation_of_thread: dsl::Eq<
        dsl::Field<Alias<ThreadOrganisation>, organisations::id>,
        threads::organisation_id,
    > = thread_organisation
        .field(organisations::id)
        .eq(threads::organisation_id);
    let visible_seeker: dsl::And<
        dsl::Eq<threads::seeker_id, seekers::id>,
        SeekerVisibleTo<threads::organisation_id>,
    > = threads::seeker_id
        .eq(seekers::id)
        .and(seeker_visible_to(threads::organisation_id, today));
    let card: CardColumns = thread_organisation.fields((
        organisations::public_id,
        organisations::name,
        organisations::kind,
        organisations::licence_number,
        organisations::prefecture,
        organisations::municipality,
    ));
    let seeker_if_open: dsl::Nullable<seekers::id> = seekers::id.nullable();
    let thread: dsl::AsSelect<ThreadRow, MultiBackend> = ThreadRow::as_select();
    let its_organisation: Alias<ThreadOrganisation> = thread_organisation;
    threads::table
        .inner_join(its_organisation.on(organisation_of_thread))
        .left_join(seekers::table.on(visible_seeker))
        .select((thread, seeker_if_open, card))
}

// The thread's organisation under another name: R1's subquery reads
// `organisations` too, and must read its own row.
diesel::alias!(organisations as thread_organisation: ThreadOrganisation);

type ListedRow = (ThreadRow, Option<i64>, OrganisationCard);

fn listed(rows: Vec<ListedRow>) -> Vec<ListedThread> {
    rows.into_iter()
        .map(|(thread, seeker, organisation)| ListedThread {
            thread,
            open: seeker.is_some(),
            organisation,
        })
        .collect()
}

/// One page of a party's threads, most recently active first.
pub fn list_threads(
    conn: &mut DbConn,
    party: Party,
    today: NaiveDate,
    after: Option<(NaiveDateTime, ThreadId)>,
    limit: i64,
    standing: Option<ThreadStanding>,
) -> Result<Vec<ListedThread>, StoreError> {
    let mut q = listed_threads(today)
        .order((threads::updated_at.desc(), threads::id.desc()))
        .limit(limit)
        .into_boxed();
    // A thread is open where the seeker's row joined (R1 between the two,
    // no refusal): `ThreadStanding::of` written as conditions.
    q = match standing {
        None => q,
        Some(ThreadStanding::Closed) => q.filter(seekers::id.nullable().is_null()),
        Some(ThreadStanding::ToAnswer) => q
            .filter(seekers::id.nullable().is_not_null())
            .filter(threads::last_author.eq(Author::Seeker.as_str())),
        Some(ThreadStanding::Waiting) => q
            .filter(seekers::id.nullable().is_not_null())
            .filter(threads::last_author.eq(Author::Organisation.as_str())),
    };
    q = match party {
        Party::Organisation(o) => q.filter(threads::organisation_id.eq(o)),
        Party::Seeker(s) => q.filter(threads::seeker_id.eq(s)),
    };
    if let Some((t, id)) = after {
        q = q.filter(
            threads::updated_at
                .lt(t)
                .or(threads::updated_at.eq(t).and(threads::id.lt(id))),
        );
    }
    Ok(listed(q.load(conn)?))
}

/// A thread of this party, by its public id.
pub fn find_thread(
    conn: &mut DbConn,
    party: Party,
    public_id: &str,
) -> Result<Option<ThreadRow>, StoreError> {
    let q = threads::table
        .filter(threads::public_id.eq(public_id))
        .select(ThreadRow::as_select())
        .into_boxed();
    let q = match party {
        Party::Organisation(o) => q.filter(threads::organisation_id.eq(o)),
        Party::Seeker(s) => q.filter(threads::seeker_id.eq(s)),
    };
    Ok(q.get_result(conn).optional()?)
}

pub fn thread_messages(
    conn: &mut DbConn,
    thread_id: ThreadId,
) -> Result<Vec<MessageRow>, StoreError> {
    Ok(messages::table
        .filter(messages::thread_id.eq(thread_id))
        .order(messages::id)
        .select(MessageRow::as_select())
        .load(conn)?)
}

/// Marks what the other side wrote as read by `party`. `receipts`: whether
/// the other side may learn of it (`read_at`); a seeker reading a thread
/// closed to the organisation (a block, a consent that excludes it, an ended
/// registration) clears only their own unread count, so what the
/// organisation sees stays as it was when the thread closed (R5).
pub fn mark_read(
    conn: &mut DbConn,
    party: Party,
    thread_id: ThreadId,
    receipts: bool,
) -> Result<(), StoreError> {
    let other = match party {
        Party::Organisation(_) => Author::Seeker,
        Party::Seeker(_) => Author::Organisation,
    };
    conn.write_transaction(|c| {
        match party {
            Party::Organisation(_) => diesel::update(threads::table.find(thread_id))
                .set(threads::org_unread.eq(0))
                .execute(c)?,
            Party::Seeker(_) => diesel::update(threads::table.find(thread_id))
                .set(threads::seeker_unread.eq(0))
                .execute(c)?,
        };
        if !receipts {
            return Ok(());
        }
        diesel::update(
            messages::table
                .filter(messages::thread_id.eq(thread_id))
                .filter(messages::author.eq(other.as_str()))
                .filter(messages::read_at.is_null()),
        )
        .set(messages::read_at.eq(Some(now())))
        .execute(c)?;
        Ok(())
    })
}

/// Whether the thread is open now: R1 holds between its two parties.
pub fn is_open(
    conn: &mut DbConn,
    thread: &ThreadRow,
    today: NaiveDate,
) -> Result<bool, StoreError> {
    let viewer = Viewer {
        organisation_id: thread.organisation_id,
        today,
    };
    Ok(read_visible(conn, viewer, thread.seeker_id)?.is_some())
}

/// An organisation as the seeker is shown it.
pub fn organisation_card(
    conn: &mut DbConn,
    id: OrganisationId,
) -> Result<OrganisationCard, StoreError> {
    Ok(organisations::table
        .find(id)
        .select((
            organisations::public_id,
            organisations::name,
            organisations::kind,
            organisations::licence_number,
            organisations::prefecture,
            organisations::municipality,
        ))
        .get_result(conn)?)
}

/// Files an abuse report for the bureau of the organisation's prefecture.
pub fn report(
    conn: &mut DbConn,
    thread: &ThreadRow,
    public_id: &str,
    reason: &str,
) -> Result<(), StoreError> {
    let prefecture: String = organisations::table
        .find(thread.organisation_id)
        .select(organisations::prefecture)
        .get_result(conn)?;
    diesel::insert_into(reports::table)
        .values((
            reports::public_id.eq(public_id),
            reports::thread_id.eq(thread.id),
            reports::organisation_id.eq(thread.organisation_id),
            reports::prefecture.eq(prefecture),
            reports::reason.eq(reason),
            reports::created_at.eq(now()),
        ))
        .execute(conn)?;
    Ok(())
}

/// How many first guidances the organisation sent on `day` (R13's count).
pub fn guidance_sent(
    conn: &mut DbConn,
    organisation_id: OrganisationId,
    day: NaiveDate,
) -> Result<i32, StoreError> {
    Ok(guidance_counters::table
        .find((organisation_id, day))
        .select(guidance_counters::sent)
        .get_result::<i32>(conn)
        .optional()?
        .unwrap_or(0))
}

/// The thread between an organisation and a seeker, if one was opened.
pub fn find_thread_between(
    conn: &mut DbConn,
    organisation_id: OrganisationId,
    seeker_id: SeekerId,
) -> Result<Option<ThreadRow>, StoreError> {
    Ok(threads::table
        .filter(threads::organisation_id.eq(organisation_id))
        .filter(threads::seeker_id.eq(seeker_id))
        .select(ThreadRow::as_select())
        .get_result(conn)
        .optional()?)
}

/// The columns of a [`ReportRow`], over reports joined with their thread
/// and organisation.
#[allow(clippy::type_complexity)]
fn report_columns() -> (
    reports::id,
    reports::public_id,
    threads::public_id,
    organisations::public_id,
    organisations::name,
    reports::reason,
    reports::created_at,
    reports::status,
    reports::outcome,
    reports::handled_at,
) {
    (
        reports::id,
        reports::public_id,
        threads::public_id,
        organisations::public_id,
        organisations::name,
        reports::reason,
        reports::created_at,
        reports::status,
        reports::outcome,
        reports::handled_at,
    )
}

/// A report (a complaint case) as its bureau sees it.
#[derive(Debug, Clone, Queryable)]
pub struct ReportRow {
    pub id: ReportId,
    pub public_id: String,
    pub thread_public_id: String,
    pub organisation_public_id: String,
    pub organisation_name: String,
    pub reason: String,
    pub created_at: NaiveDateTime,
    #[diesel(deserialize_as = String)]
    pub status: CaseStatus,
    #[diesel(deserialize_as = MaybeWord<CaseOutcome>)]
    pub outcome: Option<CaseOutcome>,
    pub handled_at: Option<NaiveDateTime>,
}

/// The Hello Work reference of the seeker who filed report `report` (the
/// seeker of its thread), to tell them when their case moves on.
pub fn seeker_ref_of_report(
    conn: &mut DbConn,
    report: ReportId,
) -> Result<Option<String>, StoreError> {
    Ok(reports::table
        .inner_join(threads::table.inner_join(seekers::table))
        .filter(reports::id.eq(report))
        .select(seekers::seeker_ref)
        .get_result(conn)
        .optional()?)
}

/// Reports about organisations of `prefecture`, newest first, of one case
/// status if given.
pub fn list_reports(
    conn: &mut DbConn,
    prefecture: &PrefectureCode,
    status: Option<CaseStatus>,
    before: Option<ReportId>,
    limit: i64,
) -> Result<Vec<ReportRow>, StoreError> {
    let mut q = reports::table
        .inner_join(threads::table)
        .inner_join(organisations::table.on(organisations::id.eq(reports::organisation_id)))
        .filter(reports::prefecture.eq(prefecture.as_str().to_owned()))
        .order(reports::id.desc())
        .limit(limit)
        .select(report_columns())
        .into_boxed();
    if let Some(b) = before {
        q = q.filter(reports::id.lt(b));
    }
    if let Some(s) = status {
        q = q.filter(reports::status.eq(s.as_str()));
    }
    Ok(q.load(conn)?)
}

/// One report by its public id, with the organisation it is about and the
/// prefecture whose bureau handles it.
pub fn find_report(
    conn: &mut DbConn,
    public_id: &str,
) -> Result<Option<(ReportRow, OrganisationId, String)>, StoreError> {
    let row: Option<(ReportRow, OrganisationId, String)> = reports::table
        .inner_join(threads::table)
        .inner_join(organisations::table.on(organisations::id.eq(reports::organisation_id)))
        .filter(reports::public_id.eq(public_id))
        .select((report_columns(), organisations::id, reports::prefecture))
        .get_result(conn)
        .optional()?;
    Ok(row)
}

/// Moves a case from `from` to `to` (with the outcome of an answer); `None`
/// when it was no longer in `from` (another officer moved it meanwhile).
pub fn handle_report(
    conn: &mut DbConn,
    id: ReportId,
    from: CaseStatus,
    to: CaseStatus,
    outcome: Option<CaseOutcome>,
) -> Result<bool, StoreError> {
    let n = diesel::update(
        reports::table
            .filter(reports::id.eq(id))
            .filter(reports::status.eq(from.as_str())),
    )
    .set((
        reports::status.eq(to.as_str()),
        reports::outcome.eq(outcome.map(CaseOutcome::as_str)),
        reports::handled_at.eq(now()),
    ))
    .execute(conn)?;
    Ok(n == 1)
}

/// A seeker's own report, as My Page shows it: what became of it.
#[derive(Debug, Clone, Queryable)]
pub struct SeekerReportRow {
    pub public_id: String,
    pub thread_public_id: String,
    pub organisation_name: String,
    pub reason: String,
    pub created_at: NaiveDateTime,
    #[diesel(deserialize_as = String)]
    pub status: CaseStatus,
    #[diesel(deserialize_as = MaybeWord<CaseOutcome>)]
    pub outcome: Option<CaseOutcome>,
    pub handled_at: Option<NaiveDateTime>,
}

/// The seeker's reports, newest first (at most `limit`).
pub fn reports_of_seeker(
    conn: &mut DbConn,
    seeker: SeekerId,
    limit: i64,
) -> Result<Vec<SeekerReportRow>, StoreError> {
    Ok(reports::table
        .inner_join(threads::table)
        .inner_join(organisations::table.on(organisations::id.eq(reports::organisation_id)))
        .filter(threads::seeker_id.eq(seeker))
        .order(reports::id.desc())
        .limit(limit)
        .select((
            reports::public_id,
            threads::public_id,
            organisations::name,
            reports::reason,
            reports::created_at,
            reports::status,
            reports::outcome,
            reports::handled_at,
        ))
        .load(conn)?)
}

/// Every thread of a seeker with whether it is open now and the
/// organisation's public id: for telling who must hear of a change.
pub fn thread_states(
    conn: &mut DbConn,
    seeker_id: SeekerId,
    today: NaiveDate,
) -> Result<Vec<(String, String, bool)>, StoreError> {
    let rows = listed_threads(today)
        .filter(threads::seeker_id.eq(seeker_id))
        .order(threads::id)
        .load(conn)?;
    Ok(listed(rows)
        .into_iter()
        .map(|t| (t.thread.public_id, t.organisation.public_id, t.open))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use diesel::query_builder::QueryFragment;

    #[test]
    fn a_message_insert_is_kept_prepared_whatever_it_leaves_out() {
        type Backend = <DbConn as Connection>::Backend;
        let question = NewMessage {
            public_id: "m_1",
            thread_id: ThreadId::from_row(1),
            author: Author::Seeker,
            actor: None,
            kind: MessageKind::Question,
            subject: None,
            body: "…",
            created_at: now(),
        };
        let insert = diesel::insert_into(messages::table).values(question.row());
        for backend in [
            Backend::Postgresql(Default::default()),
            Backend::Sqlite(Default::default()),
        ] {
            assert!(insert.is_safe_to_cache_prepared(&backend).unwrap());
        }
    }

    /// `actor`, `subject` and `body` share one Rust type: each value must go
    /// to its own column (the derived insert matched them by name).
    #[test]
    fn a_message_row_puts_each_value_in_its_own_column() {
        let at = chrono::NaiveDate::from_ymd_opt(2026, 11, 28)
            .unwrap()
            .and_hms_opt(9, 0, 0)
            .unwrap();
        let guidance = NewMessage {
            public_id: "m_1",
            thread_id: ThreadId::from_row(7),
            author: Author::Organisation,
            actor: Some("client:kc_1"),
            kind: MessageKind::Guidance,
            subject: Some("件名"),
            body: "本文",
            created_at: at,
        };
        let insert = diesel::insert_into(messages::table).values(guidance.row());
        let binds = r#"["m_1", 7, "organisation", Some("client:kc_1"), "guidance", Some("件名"), "本文", 2026-11-28T09:00:00]"#;
        let pg = diesel::debug_query::<diesel::pg::Pg, _>(&insert).to_string();
        assert!(pg.starts_with(
            r#"INSERT INTO "messages" ("public_id", "thread_id", "author", "actor", "kind", "subject", "body", "created_at") VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"#
        ), "{pg}");
        assert!(pg.ends_with(&format!("-- binds: {binds}")), "{pg}");
        let sqlite = diesel::debug_query::<diesel::sqlite::Sqlite, _>(&insert).to_string();
        assert!(sqlite.starts_with(
            "INSERT INTO `messages` (`public_id`, `thread_id`, `author`, `actor`, `kind`, `subject`, `body`, `created_at`) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
        ), "{sqlite}");
        assert!(sqlite.ends_with(&format!("-- binds: {binds}")), "{sqlite}");
    }
}
