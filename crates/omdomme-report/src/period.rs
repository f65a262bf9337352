//! The period a report covers: an ISO week (`2026-W47`), a calendar month (`2026-11`), or
//! the week or month before `now` (`last-week`, `last-month`), cut at midnight in the
//! report's time zone (Europe/Oslo), so a week in which the clocks change is 167 or 169
//! hours long and still starts on Monday at 00:00 local time.

use jiff::civil::{Date, ISOWeekDate, Weekday};
use jiff::tz::TimeZone;
use jiff::{Timestamp, ToSpan};

/// Why a period could not be read.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum PeriodError {
    #[error(
        "period `{0}`: expected an ISO week like 2026-W47, a month like 2026-11, `last-week` or `last-month`"
    )]
    Unknown(String),
    #[error("period `{text}`: {year} has no week {week} (ISO weeks run from 1 to 52 or 53)")]
    NoSuchWeek { text: String, year: i16, week: i8 },
    #[error("period `{text}`: there is no month {month} (months run from 01 to 12)")]
    NoSuchMonth { text: String, month: i8 },
    #[error("period `{text}`: the year must be between 2000 and 2999")]
    Year { text: String },
    #[error("period `{0}`: the dates cannot be computed in this time zone")]
    Time(String),
}

/// A week or a month.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PeriodKind {
    Week,
    Month,
}

/// A report's period: local dates and the instants they start and end at.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Period {
    pub kind: PeriodKind,
    /// The first day.
    pub first: Date,
    /// The day after the last one.
    pub end: Date,
    /// Midnight at the start of `first`, in the zone.
    pub from: Timestamp,
    /// Midnight at the start of `end`, in the zone (exclusive).
    pub to: Timestamp,
    /// The canonical name: `2026-W47` or `2026-11`.
    pub label: String,
}

impl Period {
    /// Reads a period, `last-week` and `last-month` counted from `now` in `zone`.
    pub fn parse(text: &str, now: Timestamp, zone: &TimeZone) -> Result<Period, PeriodError> {
        let trimmed = text.trim();
        let today = now.to_zoned_datetime(zone.clone()).date();
        match trimmed {
            "last-week" => {
                let this_week = monday_of(today);
                let first = this_week
                    .checked_sub(7.days())
                    .map_err(|_| PeriodError::Time(trimmed.to_owned()))?;
                return Period::week_from(first, zone, trimmed);
            }
            "last-month" => {
                let first = today
                    .first_of_month()
                    .checked_sub(1.month())
                    .map_err(|_| PeriodError::Time(trimmed.to_owned()))?;
                return Period::month_from(first, zone, trimmed);
            }
            _ => {}
        }
        let unknown = || PeriodError::Unknown(trimmed.to_owned());
        let (year_text, rest) = trimmed.split_once('-').ok_or_else(unknown)?;
        if year_text.len() != 4 || !year_text.bytes().all(|b| b.is_ascii_digit()) {
            return Err(unknown());
        }
        let year: i16 = year_text.parse().map_err(|_| unknown())?;
        if !(2000..=2999).contains(&year) {
            return Err(PeriodError::Year {
                text: trimmed.to_owned(),
            });
        }
        let two_digits = |s: &str| -> Option<i8> {
            (s.len() == 2 && s.bytes().all(|b| b.is_ascii_digit()))
                .then(|| s.parse().ok())
                .flatten()
        };
        if let Some(week_text) = rest.strip_prefix('W').or_else(|| rest.strip_prefix('w')) {
            let week = two_digits(week_text).ok_or_else(unknown)?;
            let first = ISOWeekDate::new(year, week, Weekday::Monday)
                .map_err(|_| PeriodError::NoSuchWeek {
                    text: trimmed.to_owned(),
                    year,
                    week,
                })?
                .date();
            return Period::week_from(first, zone, trimmed);
        }
        let month = two_digits(rest).ok_or_else(unknown)?;
        let first = Date::new(year, month, 1).map_err(|_| PeriodError::NoSuchMonth {
            text: trimmed.to_owned(),
            month,
        })?;
        Period::month_from(first, zone, trimmed)
    }

    /// The period of the same kind just before this one.
    pub fn previous(&self, zone: &TimeZone) -> Result<Period, PeriodError> {
        let time = |_| PeriodError::Time(self.label.clone());
        match self.kind {
            PeriodKind::Week => Period::week_from(
                self.first.checked_sub(7.days()).map_err(time)?,
                zone,
                &self.label,
            ),
            PeriodKind::Month => Period::month_from(
                self.first.checked_sub(1.month()).map_err(time)?,
                zone,
                &self.label,
            ),
        }
    }

    /// The days of the period that have begun by `now` (today included): a report on a
    /// running week or month covers what has happened, not empty days to come.
    pub fn so_far(&self, now: Timestamp, zone: &TimeZone) -> Result<Period, PeriodError> {
        if now >= self.to {
            return Ok(self.clone());
        }
        let today = now.to_zoned_datetime(zone.clone()).date();
        let tomorrow = today
            .tomorrow()
            .map_err(|_| PeriodError::Time(self.label.clone()))?;
        self.first_days(
            self.first
                .until(tomorrow)
                .map_or(0, |s| i64::from(s.get_days())),
            zone,
        )
    }

    /// The first `days` days of the period (at least one, at most all): the stretch of
    /// the period before that matches a period cut by [`Period::so_far`].
    pub fn first_days(&self, days: i64, zone: &TimeZone) -> Result<Period, PeriodError> {
        let days = days.clamp(1, self.days());
        let end = self
            .first
            .checked_add(days.days())
            .map_err(|_| PeriodError::Time(self.label.clone()))?;
        Period::new(
            self.kind,
            self.first,
            end,
            zone,
            self.label.clone(),
            &self.label,
        )
    }

    /// Whole days in the period.
    pub fn days(&self) -> i64 {
        self.first
            .until(self.end)
            .map_or(0, |span| i64::from(span.get_days()))
    }

    fn week_from(first: Date, zone: &TimeZone, text: &str) -> Result<Period, PeriodError> {
        let time = |_| PeriodError::Time(text.to_owned());
        let end = first.checked_add(7.days()).map_err(time)?;
        let week = first.iso_week_date();
        Period::new(
            PeriodKind::Week,
            first,
            end,
            zone,
            format!("{:04}-W{:02}", week.year(), week.week()),
            text,
        )
    }

    fn month_from(first: Date, zone: &TimeZone, text: &str) -> Result<Period, PeriodError> {
        let end = first
            .checked_add(1.month())
            .map_err(|_| PeriodError::Time(text.to_owned()))?;
        Period::new(
            PeriodKind::Month,
            first,
            end,
            zone,
            format!("{:04}-{:02}", first.year(), first.month()),
            text,
        )
    }

    fn new(
        kind: PeriodKind,
        first: Date,
        end: Date,
        zone: &TimeZone,
        label: String,
        text: &str,
    ) -> Result<Period, PeriodError> {
        let midnight = |date: Date| {
            date.to_zoned_datetime(zone.clone())
                .map(|z| z.timestamp())
                .map_err(|_| PeriodError::Time(text.to_owned()))
        };
        Ok(Period {
            kind,
            first,
            end,
            from: midnight(first)?,
            to: midnight(end)?,
            label,
        })
    }
}

fn monday_of(date: Date) -> Date {
    let back = i64::from(date.weekday().to_monday_zero_offset());
    date.checked_sub(back.days()).unwrap_or(date)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn oslo() -> TimeZone {
        TimeZone::get("Europe/Oslo").unwrap()
    }

    fn now() -> Timestamp {
        // Wednesday 25 November 2026, 10:00 in Oslo.
        "2026-11-25T09:00:00Z".parse().unwrap()
    }

    fn parse(text: &str) -> Result<Period, PeriodError> {
        Period::parse(text, now(), &oslo())
    }

    #[test]
    fn an_iso_week_runs_monday_to_monday_at_oslo_midnight() {
        let p = parse("2026-W47").unwrap();
        assert_eq!(p.kind, PeriodKind::Week);
        assert_eq!(p.first.to_string(), "2026-11-16");
        assert_eq!(p.end.to_string(), "2026-11-23");
        assert_eq!(p.from.to_string(), "2026-11-15T23:00:00Z");
        assert_eq!(p.to.to_string(), "2026-11-22T23:00:00Z");
        assert_eq!(p.label, "2026-W47");
        let before = p.previous(&oslo()).unwrap();
        assert_eq!(before.label, "2026-W46");
        assert_eq!(before.to, p.from);
    }

    #[test]
    fn week_53_exists_only_in_long_years() {
        // 2026 has 53 ISO weeks (1 January 2026 is a Thursday); its week 53 ends in 2027.
        let p = parse("2026-W53").unwrap();
        assert_eq!(p.first.to_string(), "2026-12-28");
        assert_eq!(p.end.to_string(), "2027-01-04");
        assert_eq!(
            parse("2027-W53").unwrap_err(),
            PeriodError::NoSuchWeek {
                text: "2027-W53".into(),
                year: 2027,
                week: 53
            }
        );
        assert!(matches!(
            parse("2026-W00"),
            Err(PeriodError::NoSuchWeek { .. })
        ));
    }

    #[test]
    fn the_first_iso_week_may_start_in_the_year_before() {
        let p = parse("2027-W01").unwrap();
        assert_eq!(p.first.to_string(), "2027-01-04");
        let p = parse("2026-W01").unwrap();
        assert_eq!(p.first.to_string(), "2025-12-29");
        let before = p.previous(&oslo()).unwrap();
        assert_eq!(before.label, "2025-W52");
    }

    #[test]
    fn a_running_period_is_cut_after_today_and_compared_with_as_many_days_before() {
        // Wednesday 25 November: the month so far is 1–25 November.
        let month = parse("2026-11").unwrap().so_far(now(), &oslo()).unwrap();
        assert_eq!(month.first.to_string(), "2026-11-01");
        assert_eq!(month.end.to_string(), "2026-11-26");
        assert_eq!(month.label, "2026-11");
        let before = month
            .previous(&oslo())
            .unwrap()
            .first_days(month.days(), &oslo())
            .unwrap();
        assert_eq!(before.first.to_string(), "2026-10-01");
        assert_eq!(before.end.to_string(), "2026-10-26");
        // A month of 28 days is compared with all of it, no more.
        let march = parse("2026-03").unwrap();
        let february = march.previous(&oslo()).unwrap();
        assert_eq!(february.first_days(31, &oslo()).unwrap(), february);
        // A period that is over stays whole.
        let week = parse("2026-W47").unwrap();
        assert_eq!(week.so_far(now(), &oslo()).unwrap(), week);
    }

    #[test]
    fn weeks_with_a_clock_change_are_an_hour_short_or_long() {
        // Summer time begins on 29 March 2026 (week 13) and ends on 25 October (week 43).
        let spring = parse("2026-W13").unwrap();
        assert_eq!(spring.from.to_string(), "2026-03-22T23:00:00Z");
        assert_eq!(spring.to.to_string(), "2026-03-29T22:00:00Z");
        assert_eq!(spring.to.duration_since(spring.from).as_hours(), 167);
        let autumn = parse("2026-W43").unwrap();
        assert_eq!(autumn.to.duration_since(autumn.from).as_hours(), 169);
    }

    #[test]
    fn months_and_their_year_boundaries() {
        let p = parse("2026-11").unwrap();
        assert_eq!(p.kind, PeriodKind::Month);
        assert_eq!(p.from.to_string(), "2026-10-31T23:00:00Z");
        assert_eq!(p.to.to_string(), "2026-11-30T23:00:00Z");
        assert_eq!(p.days(), 30);
        let january = parse("2027-01").unwrap();
        assert_eq!(january.previous(&oslo()).unwrap().label, "2026-12");
        let december = parse("2026-12").unwrap();
        assert_eq!(december.end.to_string(), "2027-01-01");
    }

    #[test]
    fn last_week_and_last_month_count_from_now_in_oslo() {
        assert_eq!(parse("last-week").unwrap().label, "2026-W47");
        assert_eq!(parse("last-month").unwrap().label, "2026-10");
        // Monday 4 January 2027 at 00:30 in Oslo is still Sunday in UTC.
        let monday: Timestamp = "2027-01-03T23:30:00Z".parse().unwrap();
        let p = Period::parse("last-week", monday, &oslo()).unwrap();
        assert_eq!(p.label, "2026-W53");
        let p = Period::parse("last-month", monday, &oslo()).unwrap();
        assert_eq!(p.label, "2026-12");
    }

    #[test]
    fn anything_else_is_named_in_the_error() {
        for bad in [
            "",
            "2026",
            "2026-W7",
            "26-11",
            "2026-1",
            "week",
            "2026-11-01",
        ] {
            let err = parse(bad).unwrap_err();
            assert_eq!(err, PeriodError::Unknown(bad.to_owned()), "{bad}");
        }
        assert!(
            parse("2026-13")
                .unwrap_err()
                .to_string()
                .contains("no month 13")
        );
        assert!(
            parse("1999-01")
                .unwrap_err()
                .to_string()
                .contains("between 2000")
        );
    }
}
