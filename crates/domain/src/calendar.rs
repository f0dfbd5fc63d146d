//! Japanese fiscal periods (年度: April to March) and the small-count rule
//! for published statistics.

use chrono::{Datelike, NaiveDate};

/// The fiscal year a date belongs to: FY2026 runs from 2026-04-01 to 2027-03-31.
pub fn fiscal_year(date: NaiveDate) -> i32 {
    if date.month() >= 4 {
        date.year()
    } else {
        date.year() - 1
    }
}

/// The fiscal quarter (1 = April–June … 4 = January–March) and its year.
pub fn fiscal_quarter(date: NaiveDate) -> (i32, u32) {
    let q = match date.month() {
        4..=6 => 1,
        7..=9 => 2,
        10..=12 => 3,
        _ => 4,
    };
    (fiscal_year(date), q)
}

/// Counts below `threshold` are not published (they could single out a
/// seeker or an organisation): `None` stands for "fewer than threshold".
pub fn publishable(count: i64, threshold: i64) -> Option<i64> {
    (count == 0 || count >= threshold).then_some(count)
}

/// 00:00 UTC of the day of `at`: the only resolution at which
/// organisations see (and may filter on) when a profile changed (R10).
pub fn start_of_day(at: chrono::NaiveDateTime) -> chrono::NaiveDateTime {
    at.date().and_time(chrono::NaiveTime::MIN)
}

/// Today's date in Japan (JST, UTC+9, no daylight saving): the day a
/// registration's `valid_until`, an offer's closing date and the daily
/// guidance cap (R13) are counted in.
pub fn today_in_japan() -> NaiveDate {
    japan_now().date()
}

/// Seconds until the next midnight in Japan, when the daily guidance cap
/// resets (at least one).
pub fn seconds_until_midnight_in_japan() -> u64 {
    use chrono::Timelike;
    let secs = u64::from(japan_now().num_seconds_from_midnight());
    (86_400 - secs).max(1)
}

fn japan_now() -> chrono::NaiveDateTime {
    (chrono::Utc::now() + chrono::Duration::hours(9)).naive_utc()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn fiscal_years_start_in_april() {
        assert_eq!(fiscal_year(d(2026, 4, 1)), 2026);
        assert_eq!(fiscal_year(d(2027, 3, 31)), 2026);
        assert_eq!(fiscal_year(d(2026, 3, 31)), 2025);
        assert_eq!(fiscal_quarter(d(2026, 6, 30)), (2026, 1));
        assert_eq!(fiscal_quarter(d(2026, 7, 1)), (2026, 2));
        assert_eq!(fiscal_quarter(d(2026, 12, 31)), (2026, 3));
        assert_eq!(fiscal_quarter(d(2027, 1, 1)), (2026, 4));
    }

    #[test]
    fn small_counts_are_suppressed_but_zero_is_not() {
        assert_eq!(publishable(0, 10), Some(0));
        assert_eq!(publishable(9, 10), None);
        assert_eq!(publishable(10, 10), Some(10));
    }
}
