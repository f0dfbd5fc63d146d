//! Pseudonymous messaging in the domain: who wrote a message, what kind it
//! is, whether its thread is open, and the rules of a message's text.

closed_set! {
    /// Who wrote a message, or whose message a thread ends with.
    pub enum Author {
        Organisation = "organisation",
        Seeker = "seeker",
    }
}

closed_set! {
    /// What a message is.
    pub enum MessageKind {
        /// 案内: an organisation's guidance; the first one opens a thread.
        Guidance = "guidance",
        /// An organisation's answer to the seeker's question.
        Answer = "answer",
        /// The seeker's question or reply.
        Question = "question",
    }
}

closed_set! {
    /// Whether a thread's two parties may still write to each other.
    pub enum ThreadState {
        /// R1 holds between them and the seeker has not refused the
        /// organisation.
        Open = "open",
        /// The seeker refused the organisation, narrowed the scope, or the
        /// registration ended; the history stays readable.
        Closed = "closed",
    }
}

closed_set! {
    /// Where an open or closed thread stands for its organisation (R3's
    /// turn, R5's closing): the staff's inbox sorts by it.
    pub enum ThreadStanding {
        /// Open, and the seeker wrote last: the organisation may answer.
        ToAnswer = "to_answer",
        /// Open, and the organisation wrote last: it waits for the seeker.
        Waiting = "waiting",
        /// Closed (which of R5's reasons is not said).
        Closed = "closed",
    }
}

impl ThreadStanding {
    /// R3 and R5: a thread's standing from whether it is open and who
    /// wrote last.
    pub fn of(open: bool, last: Author) -> Self {
        match (open, last) {
            (false, _) => ThreadStanding::Closed,
            (true, Author::Seeker) => ThreadStanding::ToAnswer,
            (true, Author::Organisation) => ThreadStanding::Waiting,
        }
    }
}

impl ThreadState {
    pub fn of(open: bool) -> Self {
        if open {
            ThreadState::Open
        } else {
            ThreadState::Closed
        }
    }
}

/// The most characters a message's body may have.
pub const MAX_BODY_CHARS: usize = 2000;
/// The most characters a subject may have.
pub const MAX_SUBJECT_CHARS: usize = 100;
/// The most characters a seeker's report of abuse may have.
pub const MAX_REPORT_CHARS: usize = 1000;

/// A field of a message that breaks its rule, and what the rule is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TextProblem {
    pub field: &'static str,
    pub rule: &'static str,
}

/// The text rules of a message, on any message: a body of 1–2,000
/// characters, not only blank, with no control character but line breaks
/// and tabs; a subject, when given, of 1–100 characters with none at all.
/// Whether a subject is needed (a first guidance) is the sending rule's.
pub fn check_text(subject: Option<&str>, body: &str) -> Result<(), Vec<TextProblem>> {
    let mut problems = Vec::new();
    if body.trim().is_empty() || body.chars().count() > MAX_BODY_CHARS {
        problems.push(TextProblem {
            field: "body",
            rule: "1 to 2,000 characters",
        });
    } else if body
        .chars()
        .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
    {
        problems.push(TextProblem {
            field: "body",
            rule: "control characters other than line breaks and tabs are not allowed",
        });
    }
    if let Some(s) = subject {
        if s.trim().is_empty()
            || s.chars().count() > MAX_SUBJECT_CHARS
            || s.chars().any(char::is_control)
        {
            problems.push(TextProblem {
                field: "subject",
                rule: "1 to 100 characters, no control characters",
            });
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems)
    }
}

/// A report's reason: 1–1,000 characters, not only blank, line breaks
/// allowed and no other control character.
pub fn check_report_reason(reason: &str) -> Result<(), TextProblem> {
    let ok = !reason.trim().is_empty()
        && reason.chars().count() <= MAX_REPORT_CHARS
        && !reason.chars().any(|c| c.is_control() && c != '\n');
    if ok {
        Ok(())
    } else {
        Err(TextProblem {
            field: "reason",
            rule: "1 to 1,000 characters",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_thread_stands_as_r3_and_r5_say() {
        use ThreadStanding as S;
        assert_eq!(S::of(true, Author::Seeker), S::ToAnswer);
        assert_eq!(S::of(true, Author::Organisation), S::Waiting);
        assert_eq!(S::of(false, Author::Seeker), S::Closed);
        assert_eq!(S::of(false, Author::Organisation), S::Closed);
    }

    #[test]
    fn a_body_is_one_to_two_thousand_characters_of_text() {
        assert!(check_text(None, "こんにちは\n\t宜しく").is_ok());
        assert!(check_text(None, &"あ".repeat(2000)).is_ok());
        let fields = |r: Result<(), Vec<TextProblem>>| {
            r.unwrap_err().iter().map(|p| p.field).collect::<Vec<_>>()
        };
        assert_eq!(fields(check_text(None, &"あ".repeat(2001))), ["body"]);
        assert_eq!(fields(check_text(None, " \n ")), ["body"]);
        assert_eq!(fields(check_text(None, "a\u{7}b")), ["body"]);
    }

    #[test]
    fn a_subject_when_given_is_one_line_of_up_to_a_hundred() {
        assert!(check_text(Some("ご案内"), "本文").is_ok());
        for bad in ["", "  ", "a\nb", &"あ".repeat(101)] {
            let problems = check_text(Some(bad), "本文").unwrap_err();
            assert_eq!(problems.len(), 1);
            assert_eq!(problems[0].field, "subject");
        }
        // Both wrong: both said.
        assert_eq!(check_text(Some(""), "").unwrap_err().len(), 2);
    }

    #[test]
    fn a_report_reason_allows_line_breaks_only() {
        assert!(check_report_reason("失礼な\n連絡").is_ok());
        assert!(check_report_reason(&"あ".repeat(1000)).is_ok());
        for bad in ["", " ", "a\tb", &"あ".repeat(1001)] {
            assert_eq!(check_report_reason(bad).unwrap_err().field, "reason");
        }
    }
}
