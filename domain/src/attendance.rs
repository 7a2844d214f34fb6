//! Rules about days that a person (not a phone) explains: when corrections close, what a daily
//! activity report holds.

use chrono::{Datelike, Months, NaiveDate};

/// The last day of `date`'s month.
#[must_use]
pub fn month_end(date: NaiveDate) -> NaiveDate {
    date.with_day(1)
        .and_then(|first| first.checked_add_months(Months::new(1)))
        .and_then(|next| next.pred_opt())
        .unwrap_or(date)
}

/// The last day on which a correction for `date` may be asked: `close_days` before the end of
/// its month (Sikonci: 3). The last `close_days` days of a month may still be corrected on the
/// day itself, so that no day is beyond correction.
#[must_use]
pub fn correction_deadline(date: NaiveDate, close_days: u32) -> NaiveDate {
    let cutoff = month_end(date) - chrono::TimeDelta::days(i64::from(close_days));
    cutoff.max(date)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn months_end_on_their_last_day_in_every_kind_of_month() {
        assert_eq!(month_end(d("2026-11-02")), d("2026-11-30"));
        assert_eq!(month_end(d("2026-12-31")), d("2026-12-31"));
        assert_eq!(month_end(d("2028-02-10")), d("2028-02-29"));
        assert_eq!(month_end(d("2027-02-10")), d("2027-02-28"));
    }

    #[test]
    fn corrections_close_three_days_before_the_month_ends() {
        // November 2026 ends on the 30th: requests close on the 27th.
        assert_eq!(correction_deadline(d("2026-11-02"), 3), d("2026-11-27"));
        assert_eq!(correction_deadline(d("2026-11-27"), 3), d("2026-11-27"));
        // The 28th to the 30th can be corrected on the day.
        assert_eq!(correction_deadline(d("2026-11-29"), 3), d("2026-11-29"));
        assert_eq!(correction_deadline(d("2026-11-02"), 0), d("2026-11-30"));
        assert_eq!(correction_deadline(d("2028-02-01"), 3), d("2028-02-26"));
    }
}
