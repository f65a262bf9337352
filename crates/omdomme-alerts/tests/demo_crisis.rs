//! The demo's 90 days replayed through the detector as the pipeline would store them: the
//! supplier scandal must alert within its first hour, and the rest of the quarter (the
//! climate story included) must not flood anyone.

#![allow(clippy::expect_used)]

use std::collections::BTreeMap;

use jiff::{SignedDuration, Timestamp};
use omdomme_alerts::{Detector, Reason, Thresholds};
use omdomme_core::{ItemId, StoredItem};
use omdomme_demo::DemoOptions;
use omdomme_nlp::{Enricher, NlpEnricher};

#[test]
fn the_demo_crisis_alerts_within_the_hour_and_quiet_weeks_stay_quiet() {
    let end = Timestamp::from_second(1_764_460_800).expect("in range"); // 2025-11-30
    let [climate, crisis] = omdomme_demo::events(end);
    let workspace = omdomme_demo::workspace();
    let own = workspace.own_brand().expect("own brand").id.clone();
    let enricher = NlpEnricher::new(&workspace).expect("shipped models");
    let mut items: Vec<_> = omdomme_demo::generate(&DemoOptions {
        seed: 42,
        items: 150_000,
        end,
    })
    .collect();
    enricher.enrich(&mut items);
    // The generator writes stream by stream; live, items are stored as they appear.
    items.sort_by_key(|item| item.published_at);

    let mut detector = Detector::new(&workspace, Thresholds::default());
    let mut alerts = Vec::new();
    for (n, item) in items.into_iter().enumerate() {
        let stored = StoredItem {
            id: ItemId(n as i64 + 1),
            item,
        };
        alerts.extend(detector.observe(&stored));
    }

    let crisis_alerts: Vec<_> = alerts
        .iter()
        .filter(|a| a.key.brand == own && a.at >= crisis.at)
        .collect();
    let first = crisis_alerts.first().expect("the crisis alerts");
    let first_spike = crisis_alerts
        .iter()
        .find(|a| matches!(a.reason, Reason::Spike { .. }))
        .expect("the crisis is a spike");
    let after = |at: Timestamp| at.duration_since(crisis.at).as_mins();
    println!(
        "demo crisis: first alert {} min after the story broke ({:?}), first spike alert \
         {} min after ({:?})",
        after(first.at),
        first.reason,
        after(first_spike.at),
        first_spike.key,
    );
    assert!(after(first.at) <= 60, "{first:?}");
    assert!(
        matches!(&first.reason, Reason::Press { source } if source.contains("fjordposten")),
        "{first:?}"
    );
    // The volume only explodes in the second hour; the spike must not lag behind that.
    assert!(after(first_spike.at) <= 90, "{first_spike:?}");

    // Outside the stories (the climate story's three days, the crisis's two weeks of
    // decay): alerts per week, by kind.
    let story = |at: Timestamp, start: Timestamp, days: i64| {
        at >= start && at < start + SignedDuration::from_hours(24 * days)
    };
    let mut per_week: BTreeMap<i64, BTreeMap<&str, usize>> = BTreeMap::new();
    for alert in &alerts {
        if story(alert.at, climate.at, 3) || story(alert.at, crisis.at, 14) {
            continue;
        }
        let week = alert.at.as_second() / (7 * 24 * 3600);
        *per_week
            .entry(week)
            .or_default()
            .entry(alert.reason.kind())
            .or_default() += 1;
    }
    let spikes: Vec<usize> = per_week
        .values()
        .map(|kinds| kinds.get("spike").copied().unwrap_or(0))
        .collect();
    let all: Vec<usize> = per_week
        .values()
        .map(|kinds| kinds.values().sum())
        .collect();
    println!(
        "demo outside the stories: {} alerts in total, per week {all:?}, of them spikes {spikes:?}",
        alerts.len()
    );
    assert!(spikes.iter().all(|n| *n <= 2), "{per_week:?}");
    assert!(all.iter().all(|n| *n <= 35), "{per_week:?}");
}
