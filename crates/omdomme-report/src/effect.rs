//! A story's measured effect read from the store: the mentions of the own brand on the
//! story's topic per local day, `days` days before the day its first post was published and
//! as many from it (cut at the last whole day so far), against the competitors over the
//! same days; the statistics are [`omdomme_core::effect`]'s. The story page and the report
//! both read it here. Volumes come from the hourly rollups ([`Store::volume`], one read per
//! brand), never from items.

use std::collections::HashMap;

use jiff::civil::Date;
use jiff::tz::TimeZone;
use jiff::{Timestamp, ToSpan};
use omdomme_core::effect::{self, DayCounts, Effect, Windows};
use omdomme_core::{Brand, Topic, WorkspaceId};
use omdomme_store::{Bucket, Filters, Store, VolumeRequest};

use crate::model::ReportError;

/// The counts behind a story's effect and the effect itself.
#[derive(Clone, Debug, PartialEq)]
pub struct StoryEffect {
    /// The first day before.
    pub first: Date,
    /// The day of the first post: the first day after.
    pub day: Date,
    /// The day after the last one measured.
    pub end: Date,
    /// The own brand's counts per day from `first` to before `end`.
    pub own: Vec<DayCounts>,
    /// Each competitor's counts over the same days, in the order given.
    pub competitors: Vec<Vec<DayCounts>>,
    pub effect: Effect,
}

fn time(e: jiff::Error) -> ReportError {
    ReportError::Time(e.to_string())
}

/// The days of the two windows: `days` before the day of `moment`, and from that day up to
/// `days` more, but only whole days before `today`.
pub fn window(
    moment: Timestamp,
    days: i64,
    today: Date,
    zone: &TimeZone,
) -> Result<(Date, Date, Date), ReportError> {
    let day = moment.to_zoned_datetime(zone.clone()).date();
    let first = day.checked_sub(days.days()).map_err(time)?;
    let end = day
        .checked_add(days.days())
        .map_err(time)?
        .min(today)
        .max(day);
    Ok((first, day, end))
}

fn midnight(date: Date, zone: &TimeZone) -> Result<Timestamp, ReportError> {
    date.to_zoned_datetime(zone.clone())
        .map(|z| z.timestamp())
        .map_err(time)
}

/// What to measure: a story's topic from its first post, in a workspace.
pub struct Measure<'a> {
    pub workspace: &'a WorkspaceId,
    pub own: &'a Brand,
    pub competitors: &'a [&'a Brand],
    pub topic: Topic,
    /// When the first post was published.
    pub moment: Timestamp,
    /// Days on each side.
    pub days: i64,
    pub today: Date,
    /// IANA name of the zone the days are cut in.
    pub time_zone: &'a str,
}

/// One brand's counts per day from `first` to before `end`, zero where the store has no
/// bucket.
async fn daily_counts(
    store: &dyn Store,
    m: &Measure<'_>,
    zone: &TimeZone,
    brand: &Brand,
    (first, end): (Date, Date),
) -> Result<Vec<DayCounts>, ReportError> {
    let points = store
        .volume(&VolumeRequest {
            workspace: m.workspace.clone(),
            filters: Filters {
                brand: Some(brand.id.clone()),
                topic: Some(m.topic),
                from: Some(midnight(first, zone)?),
                to: Some(midnight(end, zone)?),
                ..Filters::default()
            },
            bucket: Bucket::Day,
            time_zone: m.time_zone.to_owned(),
        })
        .await?;
    let by_day: HashMap<Date, DayCounts> = points
        .iter()
        .map(|p| {
            (
                p.start.to_zoned_datetime(zone.clone()).date(),
                DayCounts {
                    count: p.count,
                    negative: p.negative,
                },
            )
        })
        .collect();
    let mut counts = Vec::new();
    let mut day = first;
    while day < end {
        counts.push(by_day.get(&day).copied().unwrap_or_default());
        day = day.tomorrow().map_err(time)?;
    }
    Ok(counts)
}

fn split(counts: &[DayCounts], before_days: usize) -> Windows {
    let at = before_days.min(counts.len());
    Windows {
        before: counts[..at].to_vec(),
        after: counts[at..].to_vec(),
    }
}

/// Reads the counts and measures the effect.
pub async fn measure(store: &dyn Store, m: &Measure<'_>) -> Result<StoryEffect, ReportError> {
    let zone =
        TimeZone::get(m.time_zone).map_err(|_| ReportError::TimeZone(m.time_zone.to_owned()))?;
    let (first, day, end) = window(m.moment, m.days, m.today, &zone)?;
    let before_days = usize::try_from(m.days).unwrap_or(0);
    let own = daily_counts(store, m, &zone, m.own, (first, end)).await?;
    let mut competitors = Vec::new();
    for brand in m.competitors {
        competitors.push(daily_counts(store, m, &zone, brand, (first, end)).await?);
    }
    let effect = effect::effect(
        &split(&own, before_days),
        &competitors
            .iter()
            .map(|c| split(c, before_days))
            .collect::<Vec<_>>(),
    );
    Ok(StoryEffect {
        first,
        day,
        end,
        own,
        competitors,
        effect,
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn windows_are_whole_norwegian_days_cut_at_today() {
        let oslo = TimeZone::get("Europe/Oslo").unwrap();
        // 23:30 on 1 March in Oslo is 22:30 UTC: the day is 1 March.
        let moment: Timestamp = "2026-03-01T22:30:00Z".parse().unwrap();
        let today: Date = "2026-03-05".parse().unwrap();
        let (first, day, end) = window(moment, 7, today, &oslo).unwrap();
        assert_eq!(first.to_string(), "2026-02-22");
        assert_eq!(day.to_string(), "2026-03-01");
        assert_eq!(end.to_string(), "2026-03-05", "today is not whole yet");
        let later: Date = "2026-04-01".parse().unwrap();
        assert_eq!(
            window(moment, 7, later, &oslo).unwrap().2.to_string(),
            "2026-03-08"
        );
    }
}
