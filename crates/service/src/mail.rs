//! Letters, written to the mail outbox in the transaction of the action
//! they tell of (`kyushoku_store::mail`); the API's delivery task sends
//! them afterwards and erases them.

use kyushoku_domain::mail::Letter;
use kyushoku_store::mail::{self, NewMail};
use kyushoku_store::{now, DbConn, StoreError};

/// Writes `letter` to `recipient`, in the caller's transaction.
pub fn send_later(conn: &mut DbConn, recipient: &str, letter: &Letter) -> Result<(), StoreError> {
    let (subject, body) = letter.compose();
    mail::enqueue(
        conn,
        &NewMail {
            kind: letter.kind(),
            recipient,
            subject: &subject,
            body: &body,
        },
        now(),
    )
}
