//! Reading threads: an organisation's inbox and a seeker's, and one thread
//! with its messages. Reading marks the other party's messages read; a
//! seeker's read receipts go out only while the thread is open (R1 holds
//! between its two parties), so a closed thread tells the organisation
//! nothing. A thread of another party is [`Refusal::NotFound`] (R2).

use kyushoku_domain::calendar::today_in_japan;
use kyushoku_domain::ThreadStanding;
use kyushoku_store::messaging::{
    self, ListedThread, MessageRow, OrganisationCard, Party, ThreadRow,
};
use kyushoku_store::{DbConn, ThreadId};

use crate::profiles::Page;
use crate::seekers::Me;
use crate::{Caller, Refusal};

/// One thread as its reader sees it.
#[derive(Debug)]
pub struct ThreadRead {
    pub thread: ThreadRow,
    /// R1 holds between its two parties now.
    pub open: bool,
    pub messages: Vec<MessageRow>,
}

fn organisation_of(caller: &Caller) -> Result<Party, Refusal> {
    caller
        .organisation
        .as_ref()
        .map(|m| Party::Organisation(m.id))
        .ok_or(Refusal::Forbidden(
            "only an organisation's staff may do this",
        ))
}

/// A thread id as the API writes it: a UUID; anything else names none.
fn check_id(public_id: &str) -> Result<(), Refusal> {
    uuid::Uuid::parse_str(public_id)
        .map(|_| ())
        .map_err(|_| Refusal::NotFound)
}

/// A page of the caller's organisation's threads, most recently active
/// first (up to `page.limit + 1`: the last tells another page follows),
/// all of them or those of one standing (to answer, waiting, closed).
pub fn list_for_organisation(
    c: &mut DbConn,
    caller: &Caller,
    page: Page<ThreadId>,
    standing: Option<ThreadStanding>,
) -> Result<Vec<ListedThread>, Refusal> {
    let party = organisation_of(caller)?;
    Ok(messaging::list_threads(
        c,
        party,
        today_in_japan(),
        page.after,
        page.limit + 1,
        standing,
    )?)
}

/// A page of the seeker's threads, as [`list_for_organisation`].
pub fn list_for_seeker(
    c: &mut DbConn,
    me: Me<'_>,
    page: Page<ThreadId>,
) -> Result<Vec<ListedThread>, Refusal> {
    Ok(messaging::list_threads(
        c,
        Party::Seeker(me.id),
        today_in_japan(),
        page.after,
        page.limit + 1,
        None,
    )?)
}

/// One of the organisation's threads, its seeker's messages marked read.
pub fn read_as_organisation(
    c: &mut DbConn,
    caller: &Caller,
    public_id: &str,
) -> Result<ThreadRead, Refusal> {
    check_id(public_id)?;
    let party = organisation_of(caller)?;
    let thread = messaging::find_thread(c, party, public_id)?.ok_or(Refusal::NotFound)?;
    messaging::mark_read(c, party, thread.id, true)?;
    let open = messaging::is_open(c, &thread, today_in_japan())?;
    let messages = messaging::thread_messages(c, thread.id)?;
    Ok(ThreadRead {
        thread,
        open,
        messages,
    })
}

/// One of the seeker's threads with the organisation's card, its
/// organisation's messages marked read (with receipts only while open).
pub fn read_as_seeker(
    c: &mut DbConn,
    me: Me<'_>,
    public_id: &str,
) -> Result<(ThreadRead, OrganisationCard), Refusal> {
    check_id(public_id)?;
    let party = Party::Seeker(me.id);
    let thread = messaging::find_thread(c, party, public_id)?.ok_or(Refusal::NotFound)?;
    let open = messaging::is_open(c, &thread, today_in_japan())?;
    messaging::mark_read(c, party, thread.id, open)?;
    let card = messaging::organisation_card(c, thread.organisation_id)?;
    let messages = messaging::thread_messages(c, thread.id)?;
    Ok((
        ThreadRead {
            thread,
            open,
            messages,
        },
        card,
    ))
}

/// A thread as My Page shows it: [`read_as_seeker`], and whether a closed
/// thread is closed because the seeker refused its organisation (受信拒否,
/// which the seeker may undo from there) rather than for another reason.
pub fn read_on_my_page(
    c: &mut DbConn,
    me: Me<'_>,
    public_id: &str,
) -> Result<(ThreadRead, OrganisationCard, bool), Refusal> {
    let (read, card) = read_as_seeker(c, me, public_id)?;
    let refused = !read.open
        && kyushoku_store::seekers::list_blocks(c, me.id)?
            .iter()
            .any(|b| b.organisation.public_id == card.public_id);
    Ok((read, card, refused))
}
