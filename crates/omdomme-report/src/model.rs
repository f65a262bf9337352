//! The report's figures for a period, read from the [`Store`]: volumes, shares and
//! sentiment from the hourly rollups, bounded searches for the press items, the crisis'
//! first items and the product feedback, the inbox entries that arrived in the period for
//! the response times. Nothing here formats or translates: see [`crate::view`].

use std::collections::HashMap;

use jiff::civil::Date;
use jiff::tz::TimeZone;
use jiff::{Timestamp, ToSpan};
use omdomme_core::spikes::{self, SpikeRule};
use omdomme_core::{
    Brand, BrandRole, PostStatus, SentimentLabel, SourceKind, StoredItem, Topic, Workspace,
};
use omdomme_store::{
    Bucket, CalendarEntry, CalendarQuery, Dimension, ExportRequest, Filters, Goal, SearchOrder,
    SearchRequest, ShareOfVoiceRequest, Store, StoreError, VolumePoint, VolumeRequest,
};

use crate::actions::{self, Action};
use crate::period::Period;
use crate::themes::{self, Theme};

/// Why a report could not be made.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Period(#[from] crate::period::PeriodError),
    #[error("workspace {0}: no own brand; add it under Setup → Brands and queries")]
    NoOwnBrand(String),
    #[error("time zone `{0}` is not known")]
    TimeZone(String),
    #[error("dates: {0}")]
    Time(String),
    #[error("PDF: {0}")]
    Pdf(String),
    #[error("HTML: {0}")]
    Html(String),
}

/// A figure this period and the period before.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize)]
pub struct Compared<T> {
    pub now: T,
    pub before: T,
}

/// One brand's mentions in the period and the one before.
#[derive(Clone, Debug, PartialEq)]
pub struct BrandFigures {
    pub brand: Brand,
    pub mentions: Compared<u64>,
    /// Share of all brand mentions, 0 to 1.
    pub share: Compared<f64>,
    pub negative: Compared<u64>,
    /// Mean sentiment towards the brand, −1 to 1.
    pub mean_score: f64,
}

impl BrandFigures {
    /// Negative mentions over all mentions; `None` without mentions.
    pub fn negative_share(&self) -> Compared<Option<f64>> {
        Compared {
            now: ratio(self.negative.now, self.mentions.now),
            before: ratio(self.negative.before, self.mentions.before),
        }
    }
}

/// A CSR topic's mentions of the own brand.
#[derive(Clone, Debug, PartialEq)]
pub struct TopicFigures {
    pub topic: Topic,
    pub mentions: Compared<u64>,
    pub negative: u64,
}

/// A press item about the own brand.
#[derive(Clone, Debug, PartialEq)]
pub struct PressItem {
    pub item: StoredItem,
    /// Likes, shares and replies.
    pub engagement: u64,
    pub sentiment: SentimentLabel,
}

/// A run of hours whose negative mentions of the own brand stood out.
#[derive(Clone, Debug, PartialEq)]
pub struct Crisis {
    /// The first hour that stood out.
    pub start: Timestamp,
    /// The hour (or day) with most negative mentions.
    pub peak: Timestamp,
    pub peak_count: u64,
    /// Negative mentions in a normal hour (or day) before it (median).
    pub baseline: f64,
    /// Whether the buckets were hours; days when no hour stood out (few mentions).
    pub hourly: bool,
    /// The end of the last hour that stood out.
    pub end: Timestamp,
    /// Negative mentions in the hours that stood out.
    pub negative: u64,
    /// The first negative items from its start, oldest first.
    pub first_items: Vec<StoredItem>,
}

/// How the inbox answered what arrived in the period.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Responses {
    pub arrived: u64,
    pub answered: u64,
    /// Minutes to the first response, of those answered.
    pub median_minutes: Option<f64>,
    pub p90_minutes: Option<f64>,
    /// Entries whose first response came (or is overdue) past its SLA.
    pub sla_missed: u64,
    /// Entries answered within their SLA.
    pub sla_met: u64,
    /// Still without an answer when the report was made.
    pub unanswered: u64,
}

impl Responses {
    /// Share answered within the SLA, of those whose SLA is decided.
    pub fn sla_met_share(&self) -> Option<f64> {
        ratio(self.sla_met, self.sla_met + self.sla_missed)
    }
}

/// Everything the report shows, as numbers.
#[derive(Clone, Debug)]
pub struct Report {
    pub workspace: Workspace,
    pub period: Period,
    pub previous: Period,
    pub generated_at: Timestamp,
    pub own: BrandFigures,
    pub competitors: Vec<BrandFigures>,
    /// The days of the period, for the daily series.
    pub days: Vec<Date>,
    /// Mentions per day of each brand (own first), aligned with `days`.
    pub daily: Vec<(Brand, Vec<u64>)>,
    /// The own brand's mentions per day by sentiment: negative, neutral, positive.
    pub own_sentiment: Vec<[u64; 3]>,
    pub topics: Vec<TopicFigures>,
    pub press: Vec<PressItem>,
    pub crises: Vec<Crisis>,
    pub responses: Compared<Responses>,
    pub goals: Vec<Goal>,
    /// Story posts published in the period, in time order.
    pub published: Vec<CalendarEntry>,
    /// The effect of each story whose first post was published in the period.
    pub effects: Vec<StoryEffectRow>,
    pub themes: Vec<Theme>,
    pub actions: Vec<Action>,
    /// The Engagement & Openness index of the own brand and each competitor, in that order.
    pub index: Vec<IndexFigures>,
    /// Where the workspace stands on policy, protection and opportunity when the report is
    /// made (not as of the period: it is what is in place).
    pub maturity: omdomme_strategy::maturity::Maturity,
    /// Each goal and its figure in the period.
    pub goal_actuals: Vec<crate::goals::GoalActual>,
}

/// A brand's Engagement & Openness index in the period, and the index the period before.
#[derive(Clone, Debug, PartialEq)]
pub struct IndexFigures {
    pub brand: Brand,
    /// `None` when the store has no openness counts of the brand in the period.
    pub now: Option<omdomme_store::BrandIndex>,
    pub before: Option<f64>,
}

/// A story first published in the period, and what it did.
#[derive(Clone, Debug, PartialEq)]
pub struct StoryEffectRow {
    pub title: String,
    pub topic: Topic,
    /// When its first post was published.
    pub moment: Timestamp,
    pub effect: omdomme_core::effect::Effect,
}

/// Days on each side of a story's first post the report measures.
pub const EFFECT_DAYS: i64 = 7;

/// How many press items the report lists, and how many recent ones it picks them from.
const PRESS_SHOWN: usize = 6;
const PRESS_CANDIDATES: usize = 200;
/// The most product items the themes are found in.
const FEEDBACK_ITEMS: usize = 1_500;
/// First items shown per crisis.
const CRISIS_FIRST_ITEMS: usize = 4;

/// Builds the report of `workspace` for `period`, `now` being when it is made (for SLA
/// states and to leave the future out: a running period is cut after today and compared
/// with as many days of the period before).
pub async fn build(
    store: &dyn Store,
    workspace: &Workspace,
    period: &Period,
    now: Timestamp,
    time_zone: &str,
) -> Result<Report, ReportError> {
    let zone = TimeZone::get(time_zone).map_err(|_| ReportError::TimeZone(time_zone.to_owned()))?;
    let period = &period.so_far(now, &zone)?;
    let previous = period.previous(&zone)?.first_days(period.days(), &zone)?;
    let own_brand = workspace
        .own_brand()
        .ok_or_else(|| ReportError::NoOwnBrand(workspace.id.0.clone()))?
        .clone();

    let shares_now = shares(store, workspace, period).await?;
    let shares_before = shares(store, workspace, &previous).await?;
    let figures = |brand: &Brand| {
        let now = shares_now.get(&brand.id.0);
        let before = shares_before.get(&brand.id.0);
        BrandFigures {
            brand: brand.clone(),
            mentions: Compared {
                now: now.map_or(0, |s| s.count),
                before: before.map_or(0, |s| s.count),
            },
            share: Compared {
                now: now.map_or(0.0, |s| s.share),
                before: before.map_or(0.0, |s| s.share),
            },
            negative: Compared {
                now: now.map_or(0, |s| s.negative),
                before: before.map_or(0, |s| s.negative),
            },
            mean_score: now.map_or(0.0, |s| s.mean_score),
        }
    };
    let own = figures(&own_brand);
    let competitors: Vec<BrandFigures> = workspace
        .brands
        .iter()
        .filter(|b| b.role == BrandRole::Competitor)
        .map(figures)
        .collect();

    let days = period_days(period)?;
    let daily = daily_by_brand(store, workspace, period, time_zone, &zone, &days).await?;
    let own_sentiment = daily_sentiment(
        store, workspace, &own_brand, period, time_zone, &zone, &days,
    )
    .await?;
    let topics = topics(store, workspace, &own_brand, period, &previous, time_zone).await?;
    let press = press(store, workspace, &own_brand, period).await?;
    let crises = crises(store, workspace, &own_brand, period, now, time_zone).await?;
    let responses = Compared {
        now: responses(store, workspace, period, now).await?,
        before: responses(store, workspace, &previous, now).await?,
    };
    let goals = store.goals(&workspace.id).await?;
    let published: Vec<CalendarEntry> = store
        .calendar(&CalendarQuery {
            workspace: workspace.id.clone(),
            from: period.from,
            to: period.to,
            story: None,
            topic: None,
            goal: None,
            channel: None,
        })
        .await?
        .into_iter()
        .filter(|e| e.status == PostStatus::Published)
        .collect();
    let effects = effects(
        store, workspace, &own_brand, &published, period, now, time_zone,
    )
    .await?;
    let feedback_now = feedback(store, workspace, &own_brand, period).await?;
    let feedback_before = feedback(store, workspace, &own_brand, &previous).await?;
    let themes = themes::find(&feedback_now, &feedback_before, &own_brand.id, workspace);
    let index = index(store, workspace, period, &previous).await?;
    let maturity = omdomme_strategy::maturity::read(store, &workspace.id, now, &zone).await?;
    let own_dialog_share = index
        .first()
        .and_then(|i| i.now.as_ref())
        .and_then(|i| {
            i.index
                .component(omdomme_core::openness::Component::DialogShare)
        })
        .and_then(|c| c.raw);
    let goal_actuals = crate::goals::measure(
        store,
        workspace,
        period,
        &goals,
        &published,
        effects.len(),
        own_dialog_share,
    )
    .await?;

    let mut report = Report {
        workspace: workspace.clone(),
        period: period.clone(),
        previous,
        generated_at: now,
        own,
        competitors,
        days,
        daily,
        own_sentiment,
        topics,
        press,
        crises,
        responses,
        goals,
        published,
        effects,
        themes,
        actions: Vec::new(),
        index,
        maturity,
        goal_actuals,
    };
    report.actions = actions::recommend(&report);
    Ok(report)
}

/// The index of the own brand and each competitor (in the workspace's order), now and in
/// the period before, from the openness counts kept on write.
async fn index(
    store: &dyn Store,
    workspace: &Workspace,
    period: &Period,
    previous: &Period,
) -> Result<Vec<IndexFigures>, ReportError> {
    let now = omdomme_store::read_index(store, &workspace.id, period.from, period.to).await?;
    let before =
        omdomme_store::read_index(store, &workspace.id, previous.from, previous.to).await?;
    let mut brands: Vec<&Brand> = workspace
        .brands
        .iter()
        .filter(|b| matches!(b.role, BrandRole::Own | BrandRole::Competitor))
        .collect();
    brands.sort_by_key(|b| b.role != BrandRole::Own);
    Ok(brands
        .into_iter()
        .map(|brand| IndexFigures {
            brand: brand.clone(),
            now: now.iter().find(|i| i.brand == brand.id).cloned(),
            before: before
                .iter()
                .find(|i| i.brand == brand.id)
                .and_then(|i| i.index.index),
        })
        .collect())
}

/// `part / whole`, `None` when `whole` is 0.
pub fn ratio(part: u64, whole: u64) -> Option<f64> {
    (whole > 0).then(|| part as f64 / whole as f64)
}

fn time(e: jiff::Error) -> ReportError {
    ReportError::Time(e.to_string())
}

fn period_days(period: &Period) -> Result<Vec<Date>, ReportError> {
    let mut days = Vec::new();
    let mut day = period.first;
    while day < period.end {
        days.push(day);
        day = day.tomorrow().map_err(time)?;
    }
    Ok(days)
}

fn filters(period: &Period) -> Filters {
    Filters {
        from: Some(period.from),
        to: Some(period.to),
        ..Filters::default()
    }
}

async fn shares(
    store: &dyn Store,
    workspace: &Workspace,
    period: &Period,
) -> Result<HashMap<String, omdomme_store::BrandShare>, ReportError> {
    Ok(store
        .share_of_voice(&ShareOfVoiceRequest {
            workspace: workspace.id.clone(),
            filters: filters(period),
        })
        .await?
        .into_iter()
        .map(|s| (s.brand.0.clone(), s))
        .collect())
}

/// Places each daily point on its day of the period.
fn by_day<T: Copy + Default>(
    points: &[VolumePoint],
    zone: &TimeZone,
    days: &[Date],
    value: impl Fn(&VolumePoint) -> T,
) -> Vec<T> {
    let index: HashMap<Date, usize> = days.iter().enumerate().map(|(i, d)| (*d, i)).collect();
    let mut values = vec![T::default(); days.len()];
    for point in points {
        let day = point.start.to_zoned_datetime(zone.clone()).date();
        if let Some(&i) = index.get(&day) {
            values[i] = value(point);
        }
    }
    values
}

async fn daily_by_brand(
    store: &dyn Store,
    workspace: &Workspace,
    period: &Period,
    time_zone: &str,
    zone: &TimeZone,
    days: &[Date],
) -> Result<Vec<(Brand, Vec<u64>)>, ReportError> {
    let series = store
        .breakdown(&omdomme_store::BreakdownRequest {
            workspace: workspace.id.clone(),
            filters: filters(period),
            by: Dimension::Brand,
            bucket: Bucket::Day,
            time_zone: time_zone.to_owned(),
        })
        .await?;
    let mut brands: Vec<&Brand> = workspace.brands.iter().collect();
    // The own brand first, then the competitors in the workspace's order.
    brands.sort_by_key(|b| b.role != BrandRole::Own);
    Ok(brands
        .into_iter()
        .filter(|b| matches!(b.role, BrandRole::Own | BrandRole::Competitor))
        .map(|brand| {
            let counts = series.iter().find(|s| s.key == brand.id.0).map_or_else(
                || vec![0; days.len()],
                |s| by_day(&s.points, zone, days, |p| p.count),
            );
            (brand.clone(), counts)
        })
        .collect())
}

async fn daily_sentiment(
    store: &dyn Store,
    workspace: &Workspace,
    own: &Brand,
    period: &Period,
    time_zone: &str,
    zone: &TimeZone,
    days: &[Date],
) -> Result<Vec<[u64; 3]>, ReportError> {
    let points = store
        .volume(&VolumeRequest {
            workspace: workspace.id.clone(),
            filters: Filters {
                brand: Some(own.id.clone()),
                ..filters(period)
            },
            bucket: Bucket::Day,
            time_zone: time_zone.to_owned(),
        })
        .await?;
    Ok(by_day(&points, zone, days, |p| {
        [p.negative, p.neutral, p.positive]
    }))
}

async fn topics(
    store: &dyn Store,
    workspace: &Workspace,
    own: &Brand,
    period: &Period,
    previous: &Period,
    time_zone: &str,
) -> Result<Vec<TopicFigures>, ReportError> {
    let totals = |period: &Period| {
        let request = omdomme_store::BreakdownRequest {
            workspace: workspace.id.clone(),
            filters: Filters {
                brand: Some(own.id.clone()),
                ..filters(period)
            },
            by: Dimension::Topic,
            // One bucket per month at most: a week or a month is one or two points.
            bucket: Bucket::Month,
            time_zone: time_zone.to_owned(),
        };
        async move {
            let series = store.breakdown(&request).await?;
            Ok::<_, ReportError>(
                series
                    .into_iter()
                    .map(|s| {
                        let count = s.points.iter().map(|p| p.count).sum::<u64>();
                        let negative = s.points.iter().map(|p| p.negative).sum::<u64>();
                        (s.key, (count, negative))
                    })
                    .collect::<HashMap<String, (u64, u64)>>(),
            )
        }
    };
    let now = totals(period).await?;
    let before = totals(previous).await?;
    let mut topics: Vec<TopicFigures> = Topic::ALL
        .into_iter()
        .map(|topic| {
            let (count, negative) = now.get(topic.as_str()).copied().unwrap_or_default();
            TopicFigures {
                topic,
                mentions: Compared {
                    now: count,
                    before: before.get(topic.as_str()).map_or(0, |c| c.0),
                },
                negative,
            }
        })
        .filter(|t| t.mentions.now > 0 || t.mentions.before > 0)
        .collect();
    topics.sort_by(|a, b| {
        b.mentions
            .now
            .cmp(&a.mentions.now)
            .then(a.topic.cmp(&b.topic))
    });
    Ok(topics)
}

/// The press items about the own brand with most engagement (the author's followers break
/// ties), from the period's newest [`PRESS_CANDIDATES`].
async fn press(
    store: &dyn Store,
    workspace: &Workspace,
    own: &Brand,
    period: &Period,
) -> Result<Vec<PressItem>, ReportError> {
    let page = store
        .search(&SearchRequest {
            workspace: workspace.id.clone(),
            query: None,
            filters: Filters {
                brand: Some(own.id.clone()),
                source: Some(SourceKind::Rss),
                ..filters(period)
            },
            order: SearchOrder::Newest,
            offset: 0,
            limit: PRESS_CANDIDATES,
        })
        .await?;
    let mut items: Vec<PressItem> = page
        .items
        .into_iter()
        .map(|item| PressItem {
            engagement: item.item.engagement.total(),
            sentiment: item.item.enrichment.sentiment_towards(&own.id).label,
            item,
        })
        .collect();
    items.sort_by(|a, b| {
        b.engagement
            .cmp(&a.engagement)
            .then(
                b.item
                    .item
                    .author
                    .followers
                    .cmp(&a.item.item.author.followers),
            )
            .then(a.item.id.cmp(&b.item.id))
    });
    items.truncate(PRESS_SHOWN);
    Ok(items)
}

/// Hours of negative mentions of the own brand that stand out against the week before
/// them, joined into episodes when they are at most a few hours apart.
async fn crises(
    store: &dyn Store,
    workspace: &Workspace,
    own: &Brand,
    period: &Period,
    now: Timestamp,
    time_zone: &str,
) -> Result<Vec<Crisis>, ReportError> {
    const HISTORY_HOURS: i64 = 14 * 24;
    const JOIN_GAP_HOURS: i64 = 6;
    let start = period
        .from
        .checked_sub(HISTORY_HOURS.hours())
        .map_err(time)?;
    let end = period.to.min(now);
    if end <= period.from {
        return Ok(Vec::new());
    }
    let points = store
        .volume(&VolumeRequest {
            workspace: workspace.id.clone(),
            filters: Filters {
                brand: Some(own.id.clone()),
                sentiment: Some(SentimentLabel::Negative),
                from: Some(start),
                to: Some(end),
                ..Filters::default()
            },
            bucket: Bucket::Hour,
            time_zone: time_zone.to_owned(),
        })
        .await?;
    let hours = usize::try_from(end.duration_since(start).as_hours()).unwrap_or(0);
    let mut counts = vec![0u64; hours];
    for p in &points {
        if let Ok(i) = usize::try_from(p.start.duration_since(start).as_hours())
            && i < hours
        {
            counts[i] = p.count;
        }
    }
    let rule = SpikeRule {
        window: 7 * 24,
        min_history: 24,
        k: 5.0,
        min_count: 8,
    };
    let first_in_period = usize::try_from(HISTORY_HOURS).unwrap_or(0);
    let mut starts: Vec<Timestamp> = Vec::with_capacity(hours + 1);
    for i in 0..=hours {
        starts.push(start.checked_add((i as i64).hours()).map_err(time)?);
    }
    let mut hourly = true;
    let mut episodes = episodes(&counts, &rule, first_in_period, JOIN_GAP_HOURS as usize);
    if episodes.is_empty() {
        // Too few mentions for any hour to stand out: look at whole local days instead.
        let zone =
            TimeZone::get(time_zone).map_err(|_| ReportError::TimeZone(time_zone.to_owned()))?;
        let mut day_starts: Vec<Timestamp> = Vec::new();
        let mut day_counts: Vec<u64> = Vec::new();
        let mut first_day_in_period = 0;
        for (i, count) in counts.iter().enumerate() {
            let day = starts[i].to_zoned_datetime(zone.clone()).date();
            let midnight = day
                .to_zoned_datetime(zone.clone())
                .map_err(time)?
                .timestamp()
                .max(start);
            if day_starts.last() != Some(&midnight) {
                if i == first_in_period {
                    first_day_in_period = day_starts.len();
                }
                day_starts.push(midnight);
                day_counts.push(0);
            }
            if let Some(last) = day_counts.last_mut() {
                *last += count;
            }
        }
        day_starts.push(end);
        hourly = false;
        episodes = self::episodes(&day_counts, &SpikeRule::default(), first_day_in_period, 1);
        starts = day_starts;
        counts = day_counts;
    }
    let mut crises = Vec::new();
    for (first, last, peak) in episodes {
        let start_at = starts[first];
        let first_items = store
            .search(&SearchRequest {
                workspace: workspace.id.clone(),
                query: None,
                filters: Filters {
                    brand: Some(own.id.clone()),
                    sentiment: Some(SentimentLabel::Negative),
                    from: Some(start_at),
                    to: Some(starts[last + 1]),
                    ..Filters::default()
                },
                order: SearchOrder::Oldest,
                offset: 0,
                limit: CRISIS_FIRST_ITEMS,
            })
            .await?
            .items;
        crises.push(Crisis {
            start: start_at,
            peak: starts[peak.index],
            peak_count: peak.count,
            baseline: peak.baseline,
            hourly,
            end: starts[last + 1],
            negative: counts[first..=last].iter().sum(),
            first_items,
        });
    }
    Ok(crises)
}

async fn effects(
    store: &dyn Store,
    workspace: &Workspace,
    own: &Brand,
    published: &[CalendarEntry],
    period: &Period,
    now: Timestamp,
    time_zone: &str,
) -> Result<Vec<StoryEffectRow>, ReportError> {
    let zone = TimeZone::get(time_zone).map_err(|_| ReportError::TimeZone(time_zone.to_owned()))?;
    let competitors: Vec<&Brand> = workspace
        .brands
        .iter()
        .filter(|b| b.role == BrandRole::Competitor)
        .collect();
    let mut stories: Vec<(i64, &CalendarEntry)> = Vec::new();
    for entry in published {
        if !stories.iter().any(|(id, _)| *id == entry.story) {
            stories.push((entry.story, entry));
        }
    }
    let mut rows = Vec::new();
    for (story, entry) in stories {
        let first_post = store
            .story_posts(&workspace.id, story)
            .await?
            .iter()
            .filter_map(|p| p.published.as_ref().map(|p| p.at))
            .min();
        let Some(moment) = first_post.filter(|at| *at >= period.from && *at < period.to) else {
            continue;
        };
        let measured = crate::effect::measure(
            store,
            &crate::effect::Measure {
                workspace: &workspace.id,
                own,
                competitors: &competitors,
                topic: entry.topic,
                moment,
                days: EFFECT_DAYS,
                today: now.to_zoned_datetime(zone.clone()).date(),
                time_zone,
            },
        )
        .await?;
        rows.push(StoryEffectRow {
            title: entry.story_title.clone(),
            topic: entry.topic,
            moment,
            effect: measured.effect,
        });
    }
    Ok(rows)
}

/// The spikes at or after `from`, joined into (first, last, peak) runs when at most `gap`
/// buckets apart.
fn episodes(
    counts: &[u64],
    rule: &SpikeRule,
    from: usize,
    gap: usize,
) -> Vec<(usize, usize, spikes::Spike)> {
    let mut episodes: Vec<(usize, usize, spikes::Spike)> = Vec::new();
    for spike in spikes::detect(counts, rule)
        .into_iter()
        .filter(|s| s.index >= from)
    {
        match episodes.last_mut() {
            Some((_, last, peak)) if spike.index - *last <= gap => {
                *last = spike.index;
                if spike.count > peak.count {
                    *peak = spike;
                }
            }
            _ => episodes.push((spike.index, spike.index, spike)),
        }
    }
    episodes
}

async fn responses(
    store: &dyn Store,
    workspace: &Workspace,
    period: &Period,
    now: Timestamp,
) -> Result<Responses, ReportError> {
    let entries = store
        .inbox_arrived_between(&workspace.id, period.from, period.to)
        .await?;
    let mut minutes: Vec<f64> = Vec::new();
    let mut responses = Responses {
        arrived: entries.len() as u64,
        ..Responses::default()
    };
    for entry in &entries {
        match entry.first_response_at {
            Some(at) => {
                responses.answered += 1;
                minutes.push(at.duration_since(entry.arrived_at).as_secs_f64() / 60.0);
            }
            None => responses.unanswered += 1,
        }
        match entry.response_met(now) {
            Some(true) => responses.sla_met += 1,
            Some(false) => responses.sla_missed += 1,
            None => {}
        }
    }
    minutes.sort_by(f64::total_cmp);
    responses.median_minutes = quantile(&minutes, 0.5);
    responses.p90_minutes = quantile(&minutes, 0.9);
    Ok(responses)
}

/// The nearest-rank quantile of sorted values.
pub(crate) fn quantile(sorted: &[f64], q: f64) -> Option<f64> {
    if sorted.is_empty() {
        return None;
    }
    let rank = ((q * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    Some(sorted[rank - 1])
}

/// The period's product feedback about the own brand, newest first, at most
/// [`FEEDBACK_ITEMS`].
async fn feedback(
    store: &dyn Store,
    workspace: &Workspace,
    own: &Brand,
    period: &Period,
) -> Result<Vec<StoredItem>, ReportError> {
    Ok(store
        .export_items(&ExportRequest {
            workspace: workspace.id.clone(),
            query: None,
            filters: Filters {
                brand: Some(own.id.clone()),
                topic: Some(Topic::Product),
                ..filters(period)
            },
            newest_first: true,
            after: None,
            limit: FEEDBACK_ITEMS,
        })
        .await?
        .items)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_are_nearest_rank() {
        let values = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0];
        assert_eq!(quantile(&values, 0.5), Some(5.0));
        assert_eq!(quantile(&values, 0.9), Some(9.0));
        assert_eq!(quantile(&[], 0.5), None);
    }
}
