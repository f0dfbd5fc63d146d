//! The closed sets of pseudonymous messaging (DESIGN.md §4): who wrote a
//! message, what kind it is, and whether its thread is open.

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

impl ThreadState {
    pub fn of(open: bool) -> Self {
        if open {
            ThreadState::Open
        } else {
            ThreadState::Closed
        }
    }
}
