//! When the e-mailed report is due: the week before on Monday at 07:00, the month before
//! on the first at 07:00, in the workspace's time zone. Pure, so the send loop only asks
//! and the store decides whether the period already went out.

use jiff::civil::Time;
use jiff::tz::TimeZone;
use jiff::{Timestamp, ToSpan};
use omdomme_store::Cadence;

use crate::period::{Period, PeriodError};

/// The local time of day the report goes out.
pub const SEND_TIME: Time = Time::constant(7, 0, 0, 0);

/// How long after its moment a missed sending is still made (the server was down on Monday
/// morning); later, the period is left out rather than arriving days late.
pub const CATCH_UP_DAYS: i64 = 2;

/// The period whose report is due at `now`, if any: the one just ended, from its moment
/// (the next period's first day at [`SEND_TIME`]) for [`CATCH_UP_DAYS`].
pub fn due(
    cadence: Cadence,
    now: Timestamp,
    zone: &TimeZone,
) -> Result<Option<Period>, PeriodError> {
    let name = match cadence {
        Cadence::Off => return Ok(None),
        Cadence::Weekly => "last-week",
        Cadence::Monthly => "last-month",
    };
    let period = Period::parse(name, now, zone)?;
    let moment = period
        .end
        .to_datetime(SEND_TIME)
        .to_zoned_datetime(zone.clone())
        .map_err(|_| PeriodError::Time(period.label.clone()))?;
    let until = moment
        .checked_add(CATCH_UP_DAYS.days())
        .map_err(|_| PeriodError::Time(period.label.clone()))?;
    Ok((moment.timestamp() <= now && now < until.timestamp()).then_some(period))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn oslo() -> TimeZone {
        TimeZone::get("Europe/Oslo").unwrap_or(TimeZone::UTC)
    }

    fn label(cadence: Cadence, now: &str) -> Option<String> {
        let now: Timestamp = now.parse().unwrap_or(Timestamp::UNIX_EPOCH);
        due(cadence, now, &oslo()).ok().flatten().map(|p| p.label)
    }

    #[test]
    fn the_week_goes_out_on_monday_at_seven_oslo_time() {
        // Monday 30 November 2026, 07:00 in Oslo is 06:00 UTC (winter time).
        assert_eq!(label(Cadence::Weekly, "2026-11-30T05:59:59Z"), None);
        assert_eq!(
            label(Cadence::Weekly, "2026-11-30T06:00:00Z").as_deref(),
            Some("2026-W48")
        );
        assert_eq!(
            label(Cadence::Weekly, "2026-12-02T05:59:00Z").as_deref(),
            Some("2026-W48"),
            "a server down on Monday still sends it on Tuesday"
        );
        assert_eq!(label(Cadence::Weekly, "2026-12-02T06:00:00Z"), None);
        // Summer time: 07:00 in Oslo is 05:00 UTC.
        assert_eq!(label(Cadence::Weekly, "2026-06-01T04:59:00Z"), None);
        assert_eq!(
            label(Cadence::Weekly, "2026-06-01T05:00:00Z").as_deref(),
            Some("2026-W22")
        );
    }

    #[test]
    fn the_month_goes_out_on_the_first() {
        assert_eq!(label(Cadence::Monthly, "2026-12-01T05:59:00Z"), None);
        assert_eq!(
            label(Cadence::Monthly, "2026-12-01T06:00:00Z").as_deref(),
            Some("2026-11")
        );
        assert_eq!(
            label(Cadence::Monthly, "2027-01-01T06:30:00Z").as_deref(),
            Some("2026-12")
        );
        assert_eq!(label(Cadence::Monthly, "2026-12-15T06:00:00Z"), None);
        assert_eq!(label(Cadence::Off, "2026-12-01T06:00:00Z"), None);
    }
}
