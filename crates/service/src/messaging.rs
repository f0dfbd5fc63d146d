//! Pseudonymous messaging (R3, R4, R13): an organisation's first guidance
//! and answers, a seeker's questions and answers, a seeker's report of
//! abuse. Each send is one transaction with its audit row (R9: who wrote
//! to whom, never what) and its idempotency record (R12); the turn rule and
//! the daily cap are the store's conditional writes, so two concurrent
//! sends cannot both pass.

use chrono::{DateTime, NaiveDate, Utc};
use kyushoku_domain::message::{check_report_reason, check_text, TextProblem};
use kyushoku_domain::{AuditAction, Author, MessageKind};
use kyushoku_store::messaging::{self as store, OrgMessage, Party, Sent};
use kyushoku_store::seekers::{self, Viewer};
use kyushoku_store::{audit, organisations, DbConn, SeekerId};
use serde::Serialize;
use utoipa::ToSchema;

use crate::events;
use crate::refusal::Invalid;
use crate::{Caller, Pledge, Refusal};

/// A message an organisation (the caller's) writes to a seeker it may see.
#[derive(Debug, Clone)]
pub struct OrganisationSend {
    /// The seeker, from the organisation's pseudonym for them.
    pub seeker: SeekerId,
    pub subject: Option<String>,
    pub body: String,
    /// The day (JST) the guidance counts against, and the cap (R13).
    pub today: NaiveDate,
    pub daily_cap: i32,
}

/// A message a seeker writes in one of their threads.
#[derive(Debug, Clone)]
pub struct SeekerSend {
    pub seeker: SeekerId,
    /// The thread's public id.
    pub thread: String,
    pub body: String,
    pub today: NaiveDate,
}

/// The answer to a send.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct MessageSent {
    pub thread_id: String,
    pub message_id: String,
    pub kind: MessageKind,
    pub created_at: DateTime<Utc>,
}

/// A stored message; its events are in the outbox (see [`crate::events`]).
#[derive(Debug, Clone)]
pub struct Delivered {
    pub answer: MessageSent,
    /// What is left of the organisation's guidance today, after a first
    /// guidance (for the answer's `RateLimit` fields).
    pub guidance_left: Option<i32>,
}

fn invalid(problems: Vec<TextProblem>) -> Refusal {
    Refusal::Invalid(
        problems
            .into_iter()
            .map(|p| Invalid::new(p.field, p.rule))
            .collect(),
    )
}

fn answer_of(sent: &Sent) -> Option<MessageSent> {
    match sent {
        Sent::Sent {
            thread_public_id,
            message_public_id,
            kind,
            created_at,
        } => Some(MessageSent {
            thread_id: thread_public_id.clone(),
            message_id: message_public_id.clone(),
            kind: *kind,
            created_at: created_at.and_utc(),
        }),
        _ => None,
    }
}

fn answer_json(answer: &MessageSent) -> serde_json::Value {
    serde_json::to_value(answer).unwrap_or_default()
}

/// R13 as the staff see it: how many first guidances the caller's
/// organisation may still send on `today` under `daily_cap`.
pub fn guidance_left(
    c: &mut DbConn,
    caller: &Caller,
    today: NaiveDate,
    daily_cap: i32,
) -> Result<i32, Refusal> {
    let Some(member) = &caller.organisation else {
        return Err(Refusal::NotFound);
    };
    let sent = store::guidance_sent(c, member.id, today)?;
    Ok((daily_cap - sent).max(0))
}

/// R3 and R13: an organisation's first guidance (needs a subject) or, once
/// the seeker wrote, its answer.
///
/// A seeker the organisation may not see is [`Refusal::NotFound`] whatever
/// the text (R2: the text is judged only once the seeker is visible).
pub fn send_as_organisation(
    c: &mut DbConn,
    caller: &Caller,
    cmd: OrganisationSend,
    pledge: Option<&Pledge>,
) -> Result<Delivered, Refusal> {
    let Some(member) = &caller.organisation else {
        return Err(Refusal::NotFound);
    };
    let viewer = Viewer {
        organisation_id: member.id,
        today: cmd.today,
    };
    let mut problem = check_text(cmd.subject.as_deref(), &cmd.body)
        .err()
        .map(invalid);
    if problem.is_none()
        && cmd.subject.is_none()
        && store::find_thread_between(c, member.id, cmd.seeker)?.is_none()
    {
        problem = Some(Refusal::invalid(
            "subject",
            "a first guidance needs a subject",
        ));
    }
    if let Some(problem) = problem {
        return Err(match seekers::read_visible(c, viewer, cmd.seeker)? {
            None => Refusal::NotFound,
            Some(_) => problem,
        });
    }
    let message = OrgMessage {
        viewer,
        seeker_id: cmd.seeker,
        actor: caller.id.clone(),
        subject: cmd.subject,
        body: cmd.body,
        day: cmd.today,
        daily_cap: cmd.daily_cap,
    };
    let message_id = uuid::Uuid::now_v7().to_string();
    let thread_id = uuid::Uuid::now_v7().to_string();
    // The audit row, the events and the idempotency record commit with the
    // message.
    let sent = store::send_from_organisation(c, &message, &message_id, &thread_id, |c, sent| {
        let Some(answer) = answer_of(sent) else {
            return Ok(());
        };
        audit::record_with_seekers(c, &caller.event(AuditAction::MessageSent), &[cmd.seeker])?;
        let mut topics = vec![events::organisation_topic(&member.public_id)];
        if let Some(r) = seekers::ref_of(c, cmd.seeker)? {
            topics.insert(0, events::seeker_topic(&r));
        }
        events::message(
            c,
            &topics,
            &answer.thread_id,
            &answer.message_id,
            Author::Organisation,
            answer.kind,
        )?;
        match pledge {
            Some(p) => p.keep(c, 201, &answer_json(&answer)),
            None => Ok(()),
        }
    })?;
    let answer = match (&sent, answer_of(&sent)) {
        (_, Some(answer)) => answer,
        (Sent::CapReached, _) => return Err(Refusal::GuidanceCap { cap: cmd.daily_cap }),
        (Sent::OutOfTurn, _) => return Err(Refusal::AwaitsSeeker),
        (Sent::GuidanceRefused, _) => return Err(Refusal::GuidanceRefused),
        (Sent::Closed, _) => return Err(Refusal::ThreadClosed),
        (_, None) => return Err(Refusal::NotFound),
    };
    let guidance_left = match answer.kind {
        MessageKind::Guidance => {
            Some(cmd.daily_cap - store::guidance_sent(c, member.id, cmd.today)?)
        }
        _ => None,
    };
    Ok(Delivered {
        answer,
        guidance_left,
    })
}

/// R4: a seeker writes only in a thread an organisation opened, and only
/// while it is open (the organisation approved, R1 holding between them).
pub fn send_as_seeker(
    c: &mut DbConn,
    caller: &Caller,
    cmd: SeekerSend,
    seeker_ref: &str,
    pledge: Option<&Pledge>,
) -> Result<Delivered, Refusal> {
    check_text(None, &cmd.body).map_err(invalid)?;
    let message_id = uuid::Uuid::now_v7().to_string();
    let sent = store::send_from_seeker(
        c,
        cmd.seeker,
        &cmd.thread,
        &cmd.body,
        &message_id,
        cmd.today,
        |c, sent| {
            let Some(answer) = answer_of(sent) else {
                return Ok(());
            };
            if let Some(t) = store::find_thread(c, Party::Seeker(cmd.seeker), &cmd.thread)? {
                // R9: who wrote to whom, never what; the event is the
                // organisation's bureau's to read.
                let org = organisations::find_by_id(c, t.organisation_id)?;
                let mut event = caller.event(AuditAction::MessageSent);
                event.organisation_id = Some(t.organisation_id);
                event.prefecture = org.as_ref().map(|o| o.prefecture.clone());
                audit::record_with_seekers(c, &event, &[cmd.seeker])?;
                let mut topics = vec![events::seeker_topic(seeker_ref)];
                if let Some(o) = org {
                    topics.insert(0, events::organisation_topic(&o.public_id));
                }
                events::message(
                    c,
                    &topics,
                    &answer.thread_id,
                    &answer.message_id,
                    Author::Seeker,
                    answer.kind,
                )?;
                crate::webhooks::message_received(
                    c,
                    t.organisation_id,
                    &answer.thread_id,
                    &answer.message_id,
                )?;
            }
            match pledge {
                Some(p) => p.keep(c, 201, &answer_json(&answer)),
                None => Ok(()),
            }
        },
    )?;
    match answer_of(&sent) {
        Some(answer) => Ok(Delivered {
            answer,
            guidance_left: None,
        }),
        None if sent == Sent::NoThread => Err(Refusal::NotFound),
        None => Err(Refusal::ThreadClosed),
    }
}

/// The answer to a report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct ReportFiled {
    pub report_id: String,
}

/// A seeker reports abuse in one of their threads, to the labour bureau of
/// the organisation's prefecture.
pub fn report_thread(
    c: &mut DbConn,
    seeker: SeekerId,
    thread: &str,
    reason: &str,
    pledge: Option<&Pledge>,
) -> Result<ReportFiled, Refusal> {
    check_report_reason(reason).map_err(|p| invalid(vec![p]))?;
    let Some(t) = store::find_thread(c, Party::Seeker(seeker), thread)? else {
        return Err(Refusal::NotFound);
    };
    let answer = ReportFiled {
        report_id: uuid::Uuid::now_v7().to_string(),
    };
    // The report and its idempotency record commit together.
    c.write_transaction(|c| {
        store::report(c, &t, &answer.report_id, reason)?;
        if let Some(org) = organisations::find_by_id(c, t.organisation_id)? {
            crate::webhooks::message_reported(c, &answer.report_id, &org.public_id)?;
        }
        if let Some(p) = pledge {
            p.keep(c, 201, &serde_json::to_value(&answer).unwrap_or_default())?;
        }
        Ok::<_, kyushoku_store::StoreError>(())
    })?;
    Ok(answer)
}
