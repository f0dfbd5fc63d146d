//! The terms of use an approved organisation keeps with its labour bureau
//! (利用規約): a usage report for each fiscal quarter by the 20th of the
//! month after it ends, the sanction for one that is late or false, and the
//! handling of a seeker's complaint (苦情の処理) as a case.
//!
//! Each rule is one function here: [`standing`] (where a quarter's report
//! stands on a day), [`sanction`] (what a late or false report costs),
//! [`may_reinstate`] (no reinstatement while a sanction's suspension
//! runs), [`after_stop`] (an organisation's own stop of a service, which
//! the terms link), [`CaseStatus::may_become`] and [`outcome_agrees`] (a
//! complaint's steps and what its answer may claim), and an approval's
//! period: [`approval_ends`], [`may_request_renewal`], [`renewed_until`],
//! [`lapsed`] and [`approval_standing`] (更新).

use chrono::{Datelike, Months, NaiveDate};
use std::fmt;

use crate::OrganisationStatus;

/// A fiscal quarter (年度の四半期), written `FY2026-Q1`: fiscal year 2026's
/// first quarter is April to June 2026, its fourth January to March 2027.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct FiscalQuarter {
    fiscal_year: i32,
    quarter: u8,
}

impl FiscalQuarter {
    /// `FY2026-Q1` … `FY2026-Q4` (years 2000–2999), or `None`.
    pub fn parse(word: &str) -> Option<Self> {
        let rest = word.strip_prefix("FY")?;
        let (year, q) = rest.split_once("-Q")?;
        if year.len() != 4 || !year.bytes().all(|b| b.is_ascii_digit()) || q.len() != 1 {
            return None;
        }
        let fiscal_year: i32 = year.parse().ok()?;
        let quarter: u8 = q.parse().ok()?;
        ((2000..3000).contains(&fiscal_year) && (1..=4).contains(&quarter)).then_some(Self {
            fiscal_year,
            quarter,
        })
    }

    /// The quarter `date` falls in.
    pub fn containing(date: NaiveDate) -> Self {
        let (fiscal_year, quarter) = crate::calendar::fiscal_quarter(date);
        Self {
            fiscal_year,
            quarter: quarter as u8,
        }
    }

    pub fn fiscal_year(self) -> i32 {
        self.fiscal_year
    }

    pub fn quarter(self) -> u8 {
        self.quarter
    }

    /// The quarter's first day.
    pub fn first_day(self) -> NaiveDate {
        let month = 4 + 3 * u32::from(self.quarter - 1);
        let (year, month) = if month > 12 {
            (self.fiscal_year + 1, month - 12)
        } else {
            (self.fiscal_year, month)
        };
        NaiveDate::from_ymd_opt(year, month, 1).expect("the first of a month")
    }

    /// The quarter's last day.
    pub fn last_day(self) -> NaiveDate {
        self.next().first_day().pred_opt().expect("a day before")
    }

    /// The deadline of its usage report: the 20th of the month after it.
    pub fn due_on(self) -> NaiveDate {
        let next = self.next().first_day();
        NaiveDate::from_ymd_opt(next.year(), next.month(), 20).expect("the 20th")
    }

    pub fn next(self) -> Self {
        if self.quarter == 4 {
            Self {
                fiscal_year: self.fiscal_year + 1,
                quarter: 1,
            }
        } else {
            Self {
                quarter: self.quarter + 1,
                ..self
            }
        }
    }

    /// Every quarter from the one `from` falls in to the one `to` falls in,
    /// oldest first (none when `to` is before `from`).
    pub fn span(from: NaiveDate, to: NaiveDate) -> Vec<FiscalQuarter> {
        let (mut q, last) = (Self::containing(from), Self::containing(to));
        let mut all = Vec::new();
        while q <= last {
            all.push(q);
            q = q.next();
        }
        all
    }
}

impl TryFrom<String> for FiscalQuarter {
    type Error = crate::closed_set::UnknownWord;

    /// For reading a stored quarter back.
    fn try_from(word: String) -> Result<Self, Self::Error> {
        Self::parse(&word).ok_or(crate::closed_set::UnknownWord {
            set: "FiscalQuarter",
            word,
        })
    }
}

impl fmt::Display for FiscalQuarter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "FY{}-Q{}", self.fiscal_year, self.quarter)
    }
}

closed_set! {
    /// A usage report's own state: a draft the organisation may still
    /// change, or submitted to the bureau (later corrections keep it so).
    pub enum ReportStatus {
        Draft = "draft",
        Submitted = "submitted",
    }
}

closed_set! {
    /// Where a quarter's usage report stands on a day.
    pub enum Standing {
        /// The quarter has not ended: a draft may be kept, not submitted.
        Running = "running",
        /// Ended, the deadline not passed, nothing submitted yet.
        Due = "due",
        /// The deadline passed with nothing submitted.
        Overdue = "overdue",
        Submitted = "submitted",
    }
}

/// Where `quarter`'s report stands on `today` (JST): submitted, or by the
/// quarter's end and its deadline (the 20th of the month after, inclusive).
pub fn standing(quarter: FiscalQuarter, submitted: bool, today: NaiveDate) -> Standing {
    if submitted {
        Standing::Submitted
    } else if today <= quarter.last_day() {
        Standing::Running
    } else if today <= quarter.due_on() {
        Standing::Due
    } else {
        Standing::Overdue
    }
}

/// The quarters an organisation approved on `approved_on` owes a report
/// for, up to the one `today` falls in (it may be drafted, not yet
/// submitted).
pub fn quarters_owed(approved_on: NaiveDate, today: NaiveDate) -> Vec<FiscalQuarter> {
    FiscalQuarter::span(approved_on, today)
}

closed_set! {
    /// Why the bureau sanctions an organisation under the terms.
    pub enum SanctionGround {
        /// A quarter's usage report is overdue.
        OverdueReport = "overdue_report",
        /// A submitted usage report is false.
        FalseReport = "false_report",
    }
}

/// How long a suspension for an overdue report lasts.
pub const SUSPENSION_MONTHS: u32 = 6;

/// What the terms impose.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sanction {
    /// Suspended until (and including) the day before `until`.
    Suspend { until: NaiveDate },
    /// The approval is cancelled (取消し): revoked, for good.
    Revoke,
}

/// The sanction the terms set for `ground`, given how many suspensions for
/// an overdue report the organisation had before: an overdue report
/// suspends for six months, a repeated one cancels, a false report cancels
/// at once.
pub fn sanction(ground: SanctionGround, earlier_overdue: usize, today: NaiveDate) -> Sanction {
    match ground {
        SanctionGround::FalseReport => Sanction::Revoke,
        SanctionGround::OverdueReport if earlier_overdue > 0 => Sanction::Revoke,
        SanctionGround::OverdueReport => Sanction::Suspend {
            until: today
                .checked_add_months(Months::new(SUSPENSION_MONTHS))
                .unwrap_or(NaiveDate::MAX),
        },
    }
}

/// Whether a suspended organisation may be reinstated on `today`: not
/// before a sanction's suspension has run (`until`, if any).
pub fn may_reinstate(suspended_until: Option<NaiveDate>, today: NaiveDate) -> bool {
    suspended_until.is_none_or(|until| today >= until)
}

/// The services an organisation keeps after it stops `stopped` itself
/// (利用停止), from `(seeker_info, job_offers)`: the terms link them, so
/// stopping seeker information stops job offers too; stopping job offers
/// leaves seeker information as it was.
pub fn after_stop(granted: (bool, bool), stopped: crate::Service) -> (bool, bool) {
    let (seeker_info, _) = granted;
    match stopped {
        crate::Service::SeekerInfo => (false, false),
        crate::Service::JobOffers => (seeker_info, false),
    }
}

/// How long an approval (利用承認) runs before it is renewed (更新).
pub const APPROVAL_YEARS: u32 = 3;

/// How long before its end an approval's renewal may be asked for.
pub const RENEWAL_WINDOW_MONTHS: u32 = 3;

/// The last day of an approval whose period starts on `from`: three years
/// less a day (approved on 2026-04-01, it runs through 2029-03-31).
pub fn approval_ends(from: NaiveDate) -> NaiveDate {
    from.checked_add_months(Months::new(APPROVAL_YEARS * 12))
        .and_then(|d| d.pred_opt())
        .unwrap_or(NaiveDate::MAX)
}

/// The first day a renewal of an approval ending on `until` may be asked
/// for: three months before the day after its end.
pub fn renewal_opens(until: NaiveDate) -> NaiveDate {
    until
        .succ_opt()
        .and_then(|d| d.checked_sub_months(Months::new(RENEWAL_WINDOW_MONTHS)))
        .unwrap_or(NaiveDate::MIN)
}

/// Whether an approval ending on `until` may be renewed on request on
/// `today`: from [`renewal_opens`] to its last day, both inclusive.
pub fn may_request_renewal(until: NaiveDate, today: NaiveDate) -> bool {
    renewal_opens(until) <= today && today <= until
}

/// The new end of an approval ending on `until` once renewed: a full
/// period from the day after, whenever the bureau decides.
pub fn renewed_until(until: NaiveDate) -> NaiveDate {
    approval_ends(until.succ_opt().unwrap_or(NaiveDate::MAX))
}

/// Whether an approval in force through `until` has lapsed on `today`:
/// its last day has passed and no renewal is pending (one asked for in
/// time keeps it in force until the bureau decides, as a licence whose
/// renewal is pending stays valid). No known end (`None`) never lapses.
pub fn lapsed(until: Option<NaiveDate>, renewal_pending: bool, today: NaiveDate) -> bool {
    until.is_some_and(|until| !renewal_pending && today > until)
}

closed_set! {
    /// Where an approval's period stands on a day.
    pub enum ApprovalStanding {
        /// In force, its renewal not yet open.
        Running = "running",
        /// In its last three months: a renewal may be asked for.
        RenewalOpen = "renewal_open",
        /// A renewal was asked for; the bureau has not decided.
        RenewalRequested = "renewal_requested",
        /// Its period ended without a renewal.
        Lapsed = "lapsed",
    }
}

/// Where an approval in force through `until` stands on `today`.
pub fn approval_standing(
    until: NaiveDate,
    renewal_pending: bool,
    today: NaiveDate,
) -> ApprovalStanding {
    if renewal_pending {
        ApprovalStanding::RenewalRequested
    } else if lapsed(Some(until), false, today) {
        ApprovalStanding::Lapsed
    } else if may_request_renewal(until, today) {
        ApprovalStanding::RenewalOpen
    } else {
        ApprovalStanding::Running
    }
}

closed_set! {
    /// A complaint case: a seeker's report as the bureau handles it.
    pub enum CaseStatus {
        /// Filed by the seeker; nobody has looked at it yet.
        Received = "received",
        /// The bureau is looking into it.
        Reviewing = "reviewing",
        /// The bureau answered, saying what was done (final).
        Answered = "answered",
    }
}

impl CaseStatus {
    /// A case moves forward only: received → reviewing → answered, or
    /// received → answered; an answered case is closed.
    pub fn may_become(self, to: CaseStatus) -> bool {
        use CaseStatus as S;
        matches!(
            (self, to),
            (S::Received, S::Reviewing) | (S::Received, S::Answered) | (S::Reviewing, S::Answered)
        )
    }
}

closed_set! {
    /// What the bureau did about a complaint: the seeker sees this.
    pub enum CaseOutcome {
        /// Looked into; nothing against the terms was found.
        NoAction = "no_action",
        /// The organisation was warned (指導).
        Warning = "warning",
        /// The organisation was suspended.
        Suspension = "suspension",
        /// The organisation's approval was cancelled.
        Revocation = "revocation",
    }
}

/// Whether an answer may claim `outcome` for an organisation now in
/// `status`: a suspension is claimed only of a suspended (or since revoked)
/// organisation, a revocation only of a revoked one, so that what a seeker
/// is told was done has been done (the bureau decides first).
pub fn outcome_agrees(outcome: CaseOutcome, status: OrganisationStatus) -> bool {
    match outcome {
        CaseOutcome::NoAction | CaseOutcome::Warning => true,
        CaseOutcome::Suspension => matches!(
            status,
            OrganisationStatus::Suspended | OrganisationStatus::Revoked
        ),
        CaseOutcome::Revocation => status == OrganisationStatus::Revoked,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn q(word: &str) -> FiscalQuarter {
        FiscalQuarter::parse(word).unwrap()
    }

    #[test]
    fn quarters_are_fiscal() {
        assert_eq!(FiscalQuarter::containing(d(2026, 4, 1)), q("FY2026-Q1"));
        assert_eq!(FiscalQuarter::containing(d(2026, 12, 31)), q("FY2026-Q3"));
        assert_eq!(FiscalQuarter::containing(d(2027, 3, 31)), q("FY2026-Q4"));
        assert_eq!(q("FY2026-Q4").first_day(), d(2027, 1, 1));
        assert_eq!(q("FY2026-Q4").last_day(), d(2027, 3, 31));
        assert_eq!(q("FY2026-Q1").last_day(), d(2026, 6, 30));
        assert_eq!(q("FY2026-Q4").next(), q("FY2027-Q1"));
        assert_eq!(q("FY2026-Q2").to_string(), "FY2026-Q2");
    }

    #[test]
    fn an_approval_runs_three_years_and_renews_in_its_last_three_months() {
        let until = approval_ends(d(2026, 4, 1));
        assert_eq!(until, d(2029, 3, 31));
        // A leap day's approval ends on the day before its anniversary.
        assert_eq!(approval_ends(d(2028, 2, 29)), d(2031, 2, 27));
        assert_eq!(renewal_opens(until), d(2029, 1, 1));
        assert!(!may_request_renewal(until, d(2028, 12, 31)));
        assert!(may_request_renewal(until, d(2029, 1, 1)));
        assert!(may_request_renewal(until, d(2029, 3, 31)));
        assert!(!may_request_renewal(until, d(2029, 4, 1)));
        // Renewed late or early, the new period follows the old one.
        assert_eq!(renewed_until(until), d(2032, 3, 31));
    }

    #[test]
    fn an_approval_lapses_after_its_end_unless_a_renewal_is_pending() {
        let until = d(2029, 3, 31);
        assert!(!lapsed(Some(until), false, until));
        assert!(lapsed(Some(until), false, d(2029, 4, 1)));
        assert!(!lapsed(Some(until), true, d(2029, 6, 1)));
        assert!(!lapsed(None, false, d(2099, 1, 1)));
        use ApprovalStanding as A;
        assert_eq!(approval_standing(until, false, d(2028, 6, 1)), A::Running);
        assert_eq!(
            approval_standing(until, false, d(2029, 2, 1)),
            A::RenewalOpen
        );
        assert_eq!(
            approval_standing(until, true, d(2029, 2, 1)),
            A::RenewalRequested
        );
        assert_eq!(
            approval_standing(until, true, d(2029, 5, 1)),
            A::RenewalRequested
        );
        assert_eq!(approval_standing(until, false, d(2029, 4, 1)), A::Lapsed);
    }

    #[test]
    fn the_deadline_is_the_20th_of_the_month_after() {
        assert_eq!(q("FY2026-Q1").due_on(), d(2026, 7, 20));
        assert_eq!(q("FY2026-Q3").due_on(), d(2027, 1, 20));
        assert_eq!(q("FY2026-Q4").due_on(), d(2027, 4, 20));
    }

    #[test]
    fn quarter_words_are_strict() {
        for bad in [
            "",
            "FY2026",
            "FY2026-Q0",
            "FY2026-Q5",
            "2026-Q1",
            "fy2026-q1",
            "FY26-Q1",
            "FY2026-Q1 ",
            "FY+026-Q1",
            "FY1999-Q1",
            "FY2026-Q11",
        ] {
            assert_eq!(FiscalQuarter::parse(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn standing_by_the_calendar() {
        let q1 = q("FY2026-Q1");
        assert_eq!(standing(q1, false, d(2026, 6, 30)), Standing::Running);
        assert_eq!(standing(q1, false, d(2026, 7, 1)), Standing::Due);
        assert_eq!(standing(q1, false, d(2026, 7, 20)), Standing::Due);
        assert_eq!(standing(q1, false, d(2026, 7, 21)), Standing::Overdue);
        assert_eq!(standing(q1, true, d(2027, 1, 1)), Standing::Submitted);
    }

    #[test]
    fn owed_from_the_quarter_of_approval() {
        let owed = quarters_owed(d(2026, 5, 10), d(2026, 12, 3));
        assert_eq!(owed, vec![q("FY2026-Q1"), q("FY2026-Q2"), q("FY2026-Q3")]);
        assert!(quarters_owed(d(2026, 12, 3), d(2026, 5, 10)).is_empty());
    }

    #[test]
    fn sanctions_follow_the_terms() {
        let today = d(2026, 8, 31);
        assert_eq!(
            sanction(SanctionGround::OverdueReport, 0, today),
            Sanction::Suspend {
                until: d(2027, 2, 28)
            }
        );
        assert_eq!(
            sanction(SanctionGround::OverdueReport, 1, today),
            Sanction::Revoke
        );
        assert_eq!(
            sanction(SanctionGround::FalseReport, 0, today),
            Sanction::Revoke
        );
    }

    #[test]
    fn no_reinstatement_while_a_suspension_runs() {
        assert!(may_reinstate(None, d(2026, 1, 1)));
        assert!(!may_reinstate(Some(d(2026, 7, 1)), d(2026, 6, 30)));
        assert!(may_reinstate(Some(d(2026, 7, 1)), d(2026, 7, 1)));
    }

    #[test]
    fn stopping_seeker_information_stops_job_offers_too() {
        use crate::Service as S;
        assert_eq!(after_stop((true, true), S::SeekerInfo), (false, false));
        assert_eq!(after_stop((true, true), S::JobOffers), (true, false));
        assert_eq!(after_stop((false, true), S::JobOffers), (false, false));
        assert_eq!(after_stop((true, false), S::SeekerInfo), (false, false));
    }

    #[test]
    fn cases_move_forward_only() {
        use CaseStatus as S;
        for (from, to, ok) in [
            (S::Received, S::Reviewing, true),
            (S::Received, S::Answered, true),
            (S::Reviewing, S::Answered, true),
            (S::Reviewing, S::Received, false),
            (S::Answered, S::Reviewing, false),
            (S::Answered, S::Answered, false),
            (S::Received, S::Received, false),
        ] {
            assert_eq!(from.may_become(to), ok, "{from} -> {to}");
        }
    }

    #[test]
    fn an_answer_claims_only_what_was_done() {
        use CaseOutcome as O;
        use OrganisationStatus as S;
        assert!(outcome_agrees(O::Warning, S::Approved));
        assert!(outcome_agrees(O::NoAction, S::Approved));
        assert!(!outcome_agrees(O::Suspension, S::Approved));
        assert!(outcome_agrees(O::Suspension, S::Suspended));
        assert!(outcome_agrees(O::Suspension, S::Revoked));
        assert!(!outcome_agrees(O::Revocation, S::Suspended));
        assert!(outcome_agrees(O::Revocation, S::Revoked));
    }
}
