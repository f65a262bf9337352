//! The detector on labelled series: synthetic hourly mentions with a daily and weekly
//! rhythm and Poisson noise, some with spikes injected at known hours, some quiet (noise
//! and a peak every week at the same hour, which must not alert). Precision and recall are
//! printed for the closing note and held above floors.

#![allow(clippy::expect_used)]

use jiff::Timestamp;
use omdomme_alerts::{Alert, Detector, Reason, Thresholds};
use omdomme_core::{
    Author, Brand, BrandId, BrandRole, Engagement, Enrichment, Item, ItemId, ItemKind, Sentiment,
    SentimentLabel, SourceKey, SourceKind, StoredItem, Topic, TopicSet, Workspace, WorkspaceId,
};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

const WEEKS: i64 = 7;
const HOURS: i64 = WEEKS * 168;
/// A Monday 00:00 UTC.
const START: i64 = 1_767_571_200;

fn workspace() -> Workspace {
    Workspace {
        id: WorkspaceId("w".to_owned()),
        name: "W".to_owned(),
        synthetic: true,
        brands: vec![Brand {
            id: BrandId("own".to_owned()),
            name: "Own".to_owned(),
            role: BrandRole::Own,
            query: "own".to_owned(),
        }],
    }
}

fn item(id: i64, second: i64, negative: bool) -> StoredItem {
    let mut topics = TopicSet::new();
    topics.insert(Topic::Product);
    StoredItem {
        id: ItemId(id),
        item: Item {
            source: SourceKey::new(SourceKind::Mastodon, "m"),
            external_id: id.to_string(),
            kind: ItemKind::Post,
            author: Author::default(),
            title: None,
            text: String::new(),
            url: None,
            thread_id: None,
            parent_id: None,
            engagement: Engagement::default(),
            published_at: Timestamp::from_second(second).expect("in range"),
            collected_at: Timestamp::from_second(second).expect("in range"),
            declared_lang: None,
            enrichment: Enrichment {
                sentiment: Sentiment {
                    label: if negative {
                        SentimentLabel::Negative
                    } else {
                        SentimentLabel::Neutral
                    },
                    score: 0.0,
                },
                topics,
                brands: vec![BrandId("own".to_owned())],
                model: "test".to_owned(),
                ..Enrichment::default()
            },
            synthetic: true,
        },
    }
}

fn poisson(rng: &mut ChaCha8Rng, lambda: f64) -> u32 {
    if lambda > 30.0 {
        let normal: f64 = (0..12).map(|_| rng.random::<f64>()).sum::<f64>() - 6.0;
        return (lambda + lambda.sqrt() * normal).round().max(0.0) as u32;
    }
    let limit = (-lambda).exp();
    let (mut k, mut p) = (0, 1.0);
    loop {
        p *= rng.random::<f64>();
        if p <= limit {
            return k;
        }
        k += 1;
    }
}

/// The usual rate of an hour: quiet nights, busy working hours, calmer weekends.
fn rhythm(base: f64, hour: i64) -> f64 {
    let hour_of_day = hour % 24;
    let day = (hour / 24) % 7;
    let daily = match hour_of_day {
        0..=5 => 0.15,
        6..=8 => 0.8,
        9..=16 => 1.4,
        17..=21 => 1.0,
        _ => 0.4,
    };
    let weekly = if day >= 5 { 0.6 } else { 1.0 };
    base * daily * weekly
}

/// An injected spike: from `start` (hour index) for `hours`, volume times `factor`, with
/// this negative share.
#[derive(Clone, Copy, Debug)]
struct Spike {
    start: i64,
    hours: i64,
    factor: f64,
    negative_share: f64,
}

struct Series {
    base: f64,
    negative_share: f64,
    spike: Option<Spike>,
    /// A peak every week at this hour of the week (a weekly newsletter, a TV show).
    weekly_peak: Option<i64>,
}

/// Runs one series through a fresh detector; the spike alerts of the brand (any topic:
/// every item is also about one topic, which alerts alike) with their hour index.
fn run(series: &Series, rng: &mut ChaCha8Rng) -> Vec<(i64, Alert)> {
    let mut detector = Detector::new(&workspace(), Thresholds::default());
    let mut alerts = Vec::new();
    let mut id = 0;
    for hour in 0..HOURS {
        let mut lambda = rhythm(series.base, hour);
        let mut negative_share = series.negative_share;
        if series.weekly_peak == Some(hour % 168) {
            lambda *= 4.0;
        }
        if let Some(spike) = series.spike
            && (spike.start..spike.start + spike.hours).contains(&hour)
        {
            lambda *= spike.factor;
            negative_share = spike.negative_share;
        }
        let n = poisson(rng, lambda);
        for k in 0..n {
            id += 1;
            let second = START + hour * 3600 + i64::from(k) * 3600 / i64::from(n);
            let negative = rng.random::<f64>() < negative_share;
            for alert in detector.observe(&item(id, second, negative)) {
                if matches!(alert.reason, Reason::Spike { .. }) && alert.key.topic.is_none() {
                    alerts.push((hour, alert));
                }
            }
        }
    }
    alerts
}

#[test]
fn precision_and_recall_on_labelled_series() {
    let mut rng = ChaCha8Rng::seed_from_u64(7);
    let mut labelled = Vec::new();
    for case in 0..60 {
        let base = [3.0, 8.0, 20.0, 60.0][case % 4];
        let negative_share = 0.15;
        let spike = (case % 3 != 2).then(|| {
            // The last two weeks, any hour of the day, so some spikes start at night.
            let start = HOURS - 2 * 168 + rng.random_range(0..(2 * 168 - 12));
            let negative_only = case % 5 == 0;
            Spike {
                start,
                hours: rng.random_range(2..8),
                factor: if negative_only {
                    1.3
                } else {
                    rng.random_range(3.0..10.0)
                },
                negative_share: if negative_only { 0.75 } else { 0.5 },
            }
        });
        let weekly_peak = (case % 2 == 0).then(|| rng.random_range(0..168));
        labelled.push(Series {
            base,
            negative_share,
            spike,
            weekly_peak,
        });
    }

    let (mut true_alerts, mut false_alerts, mut found, mut spikes, mut first_hour) =
        (0, 0, 0, 0, 0);
    let mut missed = Vec::new();
    for series in &labelled {
        let alerts = run(series, &mut rng);
        let mut detected = false;
        for (hour, alert) in &alerts {
            match series.spike {
                Some(s) if (s.start..s.start + s.hours + 2).contains(hour) => {
                    true_alerts += 1;
                    if !detected && *hour <= s.start {
                        first_hour += 1;
                    }
                    detected = true;
                }
                _ => {
                    false_alerts += 1;
                    eprintln!("false alert at hour {hour}: {:?}", alert.reason);
                }
            }
        }
        if let Some(spike) = series.spike {
            spikes += 1;
            if detected {
                found += 1;
            } else {
                missed.push((series.base, spike));
            }
        }
    }
    let precision = f64::from(true_alerts) / f64::from((true_alerts + false_alerts).max(1));
    let recall = f64::from(found) / f64::from(spikes);
    println!(
        "detector on {} labelled series ({spikes} with a spike): precision {precision:.2} \
         ({true_alerts} true, {false_alerts} false alerts), recall {recall:.2} ({found} of \
         {spikes}), {first_hour} caught within the spike's first hour",
        labelled.len()
    );
    for (base, spike) in &missed {
        println!("missed: base {base}/h, {spike:?}");
    }
    assert!(precision >= 0.9, "precision {precision:.2}");
    assert!(recall >= 0.8, "recall {recall:.2}");
}

#[test]
fn a_weekly_peak_is_seasonality_not_a_spike() {
    let mut rng = ChaCha8Rng::seed_from_u64(11);
    for peak in [8, 30, 100] {
        let series = Series {
            base: 10.0,
            negative_share: 0.2,
            spike: None,
            weekly_peak: Some(peak),
        };
        let alerts = run(&series, &mut rng);
        assert!(alerts.is_empty(), "peak at {peak}: {alerts:#?}");
    }
}

#[test]
fn one_alert_per_episode_and_a_cool_down_after_it() {
    let mut rng = ChaCha8Rng::seed_from_u64(3);
    // Two spikes three hours apart: the second falls in the first's cool-down.
    let start = HOURS - 100;
    let mut detector = Detector::new(&workspace(), Thresholds::default());
    let mut spike_alerts = Vec::new();
    let mut id = 0;
    for hour in 0..HOURS {
        let mut lambda = rhythm(5.0, hour);
        if (start..start + 5).contains(&hour) || (start + 8..start + 10).contains(&hour) {
            lambda = 80.0;
        }
        let n = poisson(&mut rng, lambda);
        for k in 0..n {
            id += 1;
            let second = START + hour * 3600 + i64::from(k) * 3600 / i64::from(n);
            for alert in detector.observe(&item(id, second, false)) {
                if matches!(alert.reason, Reason::Spike { .. }) && alert.key.topic.is_none() {
                    spike_alerts.push(hour);
                }
            }
        }
    }
    assert_eq!(spike_alerts, vec![start], "a five-hour spike alerts once");
}

#[test]
fn the_brands_own_accounts_raise_no_rule() {
    let influential = |id: i64, handle: &str| {
        let mut stored = item(id, START + id, true);
        stored.item.author = Author {
            handle: handle.to_owned(),
            followers: Some(500_000),
            ..Author::default()
        };
        stored
    };
    let mut detector = Detector::new(&workspace(), Thresholds::default());
    detector.set_brand_accounts([(SourceKind::Mastodon, "OwnBrand")]);
    let own = detector.observe(&influential(1, "@ownbrand"));
    assert!(
        own.iter()
            .all(|a| !matches!(a.reason, Reason::Influencer { .. })),
        "the brand's own post: {own:?}"
    );
    let other = detector.observe(&influential(2, "journalist"));
    assert!(
        other
            .iter()
            .any(|a| matches!(a.reason, Reason::Influencer { .. })),
        "someone else with half a million followers: {other:?}"
    );
}
