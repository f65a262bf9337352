//! The overview's period: a preset (the last 7, 30 or 90 days, today included) or custom
//! dates, the equal period before it, and the grid of day or week buckets the charts draw,
//! all cut in the configured zone (Europe/Oslo).

use jiff::tz::TimeZone;
use jiff::{Span, Timestamp, ZonedDateTime as Zoned};
use omdomme_store::Bucket;

use crate::error::AppError;

/// The presets the range control offers, in days.
pub const PRESET_DAYS: [i64; 3] = [7, 30, 90];
/// The preset when the request names none.
pub const DEFAULT_DAYS: i64 = 30;
/// A custom period spans at most this many days (a week chart of two years).
pub const MAX_DAYS: i64 = 731;
/// Up to this many days a period is drawn in days, beyond in weeks, unless chosen.
pub const DAY_BUCKETS_UP_TO: i64 = 62;

/// A bucket of the grid: where it starts and ends, cut to the period.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Slot {
    /// The bucket's own start, as the store reports it (before the period is cut).
    pub bucket_start: Timestamp,
    pub from: Timestamp,
    pub to: Timestamp,
}

/// The period an overview shows.
#[derive(Clone, Debug, PartialEq)]
pub struct Period {
    /// `Some(days)` for a preset, `None` for custom dates.
    pub preset: Option<i64>,
    pub from: Timestamp,
    /// Exclusive.
    pub to: Timestamp,
    pub bucket: Bucket,
}

impl Period {
    /// The last `days` days, today (in `tz`) included.
    pub fn preset(days: i64, now: Timestamp, tz: &TimeZone) -> Result<Period, AppError> {
        let today = start_of_day(&now.to_zoned_datetime(tz.clone()))?;
        let to = add_days(&today, 1)?;
        let from = add_days(&today, 1 - days)?;
        Ok(Period {
            preset: Some(days),
            from: from.timestamp(),
            to: to.timestamp(),
            bucket: auto_bucket(days),
        })
    }

    /// Custom bounds (either may be missing: `to` defaults to the end of today, `from` to
    /// 30 days before `to`).
    pub fn custom(
        from: Option<Timestamp>,
        to: Option<Timestamp>,
        now: Timestamp,
        tz: &TimeZone,
    ) -> Result<Period, AppError> {
        let to = match to {
            Some(to) => to,
            None => Period::preset(1, now, tz)?.to,
        };
        let from = match from {
            Some(from) => from,
            None => add_days(&to.to_zoned_datetime(tz.clone()), -DEFAULT_DAYS)?.timestamp(),
        };
        if from >= to {
            return Err(AppError::BadRequest(
                "parameters `from` and `to`: `from` must be before `to` (`to` is not included)"
                    .to_owned(),
            ));
        }
        let days = days_between(from, to);
        if days > MAX_DAYS {
            return Err(AppError::BadRequest(format!(
                "parameters `from` and `to`: the period is {days} days; the overview shows at \
                 most {MAX_DAYS}"
            )));
        }
        Ok(Period {
            preset: None,
            from,
            to,
            bucket: auto_bucket(days),
        })
    }

    /// The equal period just before this one.
    pub fn previous(&self) -> (Timestamp, Timestamp) {
        let length = self.to.duration_since(self.from);
        (
            self.from.saturating_sub(length).unwrap_or(self.from),
            self.from,
        )
    }

    /// The buckets from the one holding `from` to the one holding the last instant before
    /// `to`, each cut to the period.
    pub fn slots(&self, tz: &TimeZone) -> Result<Vec<Slot>, AppError> {
        let mut slots = Vec::new();
        let mut start = bucket_start(self.from, self.bucket, tz)?;
        while start.timestamp() < self.to {
            let end = step(&start, self.bucket, 1)?;
            slots.push(Slot {
                bucket_start: start.timestamp(),
                from: start.timestamp().max(self.from),
                to: end.timestamp().min(self.to),
            });
            start = end;
        }
        Ok(slots)
    }

    /// The `count` whole buckets before the one holding `from`: the history a spike is
    /// measured against.
    pub fn history(&self, count: usize, tz: &TimeZone) -> Result<(Timestamp, Timestamp), AppError> {
        let first = bucket_start(self.from, self.bucket, tz)?;
        let back = i64::try_from(count).unwrap_or(0);
        Ok((
            step(&first, self.bucket, -back)?.timestamp(),
            first.timestamp(),
        ))
    }
}

/// Whole days from `from` to `to`, a partial day counting whole.
fn days_between(from: Timestamp, to: Timestamp) -> i64 {
    to.duration_since(from)
        .as_secs()
        .saturating_add(86_399)
        .div_euclid(86_400)
}

fn auto_bucket(days: i64) -> Bucket {
    if days <= DAY_BUCKETS_UP_TO {
        Bucket::Day
    } else {
        Bucket::Week
    }
}

fn cut(e: jiff::Error) -> AppError {
    AppError::BadRequest(format!("that period cannot be cut into days here: {e}"))
}

fn start_of_day(at: &Zoned) -> Result<Zoned, AppError> {
    at.start_of_day().map_err(cut)
}

fn add_days(at: &Zoned, days: i64) -> Result<Zoned, AppError> {
    let day = at.checked_add(Span::new().days(days)).map_err(cut)?;
    start_of_day(&day)
}

/// Where the day or week (from Monday) holding `at` starts, as the store cuts buckets.
fn bucket_start(at: Timestamp, bucket: Bucket, tz: &TimeZone) -> Result<Zoned, AppError> {
    let day = start_of_day(&at.to_zoned_datetime(tz.clone()))?;
    match bucket {
        Bucket::Week => {
            let back = i64::from(day.weekday().to_monday_zero_offset());
            add_days(&day, -back)
        }
        _ => Ok(day),
    }
}

fn step(start: &Zoned, bucket: Bucket, count: i64) -> Result<Zoned, AppError> {
    match bucket {
        Bucket::Week => add_days(start, 7 * count),
        _ => add_days(start, count),
    }
}

/// A time for a link: the date when it is a midnight in `tz` (`2026-11-12`, as the explorer
/// reads dates), otherwise RFC 3339.
pub fn link_time(at: Timestamp, tz: &TimeZone) -> String {
    let zoned = at.to_zoned_datetime(tz.clone());
    match zoned.start_of_day() {
        Ok(midnight) if midnight == zoned => zoned.date().to_string(),
        _ => at.to_string(),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn oslo() -> TimeZone {
        TimeZone::get("Europe/Oslo").unwrap()
    }

    fn ts(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    #[test]
    fn a_preset_ends_with_today_in_oslo() {
        // 23:30 UTC on the 14th is already the 15th in Oslo (summer time).
        let p = Period::preset(7, ts("2025-06-14T23:30:00Z"), &oslo()).unwrap();
        assert_eq!(p.from, ts("2025-06-08T22:00:00Z"));
        assert_eq!(p.to, ts("2025-06-15T22:00:00Z"));
        assert_eq!(p.bucket, Bucket::Day);
        assert_eq!(p.previous(), (ts("2025-06-01T22:00:00Z"), p.from));
        assert_eq!(p.slots(&oslo()).unwrap().len(), 7);
        assert_eq!(
            Period::preset(90, ts("2025-06-14T12:00:00Z"), &oslo())
                .unwrap()
                .bucket,
            Bucket::Week
        );
    }

    #[test]
    fn days_cross_the_daylight_saving_change() {
        let p = Period::preset(3, ts("2025-03-31T12:00:00Z"), &oslo()).unwrap();
        let slots = p.slots(&oslo()).unwrap();
        let starts: Vec<String> = slots.iter().map(|s| s.from.to_string()).collect();
        assert_eq!(
            starts,
            [
                "2025-03-28T23:00:00Z",
                "2025-03-29T23:00:00Z",
                "2025-03-30T22:00:00Z"
            ]
        );
        assert_eq!(slots[2].to, ts("2025-03-31T22:00:00Z"));
    }

    #[test]
    fn weeks_start_on_monday_and_are_cut_to_the_period() {
        let mut p = Period::custom(
            Some(ts("2025-06-04T22:00:00Z")), // Thursday 5 June, Oslo
            Some(ts("2025-06-19T22:00:00Z")), // Friday 20 June
            ts("2025-07-01T00:00:00Z"),
            &oslo(),
        )
        .unwrap();
        p.bucket = Bucket::Week;
        let slots = p.slots(&oslo()).unwrap();
        assert_eq!(slots.len(), 3);
        assert_eq!(slots[0].bucket_start, ts("2025-06-01T22:00:00Z"));
        assert_eq!(slots[0].from, p.from);
        assert_eq!(slots[2].to, p.to);
        let (from, to) = p.history(2, &oslo()).unwrap();
        assert_eq!(
            (from, to),
            (ts("2025-05-18T22:00:00Z"), ts("2025-06-01T22:00:00Z"))
        );
    }

    #[test]
    fn custom_periods_are_checked() {
        let now = ts("2025-06-15T12:00:00Z");
        let err = Period::custom(
            Some(ts("2025-06-10T00:00:00Z")),
            Some(ts("2025-06-01T00:00:00Z")),
            now,
            &oslo(),
        )
        .unwrap_err();
        assert!(
            err.to_string().contains("`from` must be before `to`"),
            "{err}"
        );
        let err = Period::custom(Some(ts("2020-01-01T00:00:00Z")), None, now, &oslo()).unwrap_err();
        assert!(err.to_string().contains("at most 731"), "{err}");
        let p = Period::custom(None, Some(ts("2025-06-10T22:00:00Z")), now, &oslo()).unwrap();
        assert_eq!(p.from, ts("2025-05-11T22:00:00Z"));
    }

    #[test]
    fn links_use_dates_for_oslo_midnights() {
        assert_eq!(link_time(ts("2025-06-14T22:00:00Z"), &oslo()), "2025-06-15");
        assert_eq!(
            link_time(ts("2025-06-14T12:00:00Z"), &oslo()),
            "2025-06-14T12:00:00Z"
        );
    }
}
