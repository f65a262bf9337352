//! `omdomme bench alerts`: from an item stored to its alert delivered, through the real
//! store and the real alert loop (`omdomme_alerts::watch`, polling as in `serve`) to a
//! webhook receiver on this machine. Four weeks of background mentions give the detector
//! a baseline to warm from; each alert is a negative press item from a press source of its
//! own (so no cool-down holds it back), stored in a batch with ordinary mentions, at a
//! random moment against the loop's poll. The last line has a fixed shape scripts read.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::Context as _;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use jiff::{SignedDuration, Timestamp};
use omdomme_alerts::channels;
use omdomme_alerts::deliver::Target;
use omdomme_alerts::watch::{POLL_INTERVAL, WatchContext, Watcher};
use omdomme_connectors::SecretKey;
use omdomme_core::{
    Author, BrandId, Engagement, Enrichment, Item, ItemKind, Lang, Sentiment, SentimentLabel,
    SourceKey, SourceKind, Workspace,
};
use omdomme_store::{AlertChannel, AlertChannelDraft, AlertChannelKind, AuditEntry, UiLanguage};
use rand::{Rng, SeedableRng};

use crate::cli::{Context, open_store_at};
use crate::clock;

/// When each alert arrived at the receiver, by the press source that raised it.
#[derive(Clone, Default)]
struct Arrivals(Arc<Mutex<HashMap<String, Instant>>>);

async fn receive(
    State(arrivals): State<Arrivals>,
    Json(body): Json<serde_json::Value>,
) -> StatusCode {
    let at = Instant::now();
    if let Some(source) = body["reason"]["source"].as_str() {
        arrivals
            .0
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(source.to_owned(), at);
    }
    StatusCode::OK
}

fn mention(
    brand: &BrandId,
    source: SourceKey,
    external_id: String,
    at: Timestamp,
    label: SentimentLabel,
) -> Item {
    Item {
        source,
        external_id,
        kind: ItemKind::Post,
        author: Author {
            handle: "bench".to_owned(),
            name: None,
            followers: Some(100),
            verified: false,
        },
        title: None,
        text: "Nordlys i nyhetene".to_owned(),
        url: None,
        thread_id: None,
        parent_id: None,
        engagement: Engagement::default(),
        published_at: at,
        collected_at: at,
        declared_lang: None,
        enrichment: Enrichment {
            lang: Lang::Nb,
            sentiment: Sentiment {
                label,
                score: if label == SentimentLabel::Negative {
                    -0.6
                } else {
                    0.0
                },
            },
            brands: vec![brand.clone()],
            model: "bench".to_owned(),
            ..Enrichment::default()
        },
        synthetic: false,
    }
}

pub async fn run(context: &Context, alerts: usize) -> anyhow::Result<()> {
    let dir = super::bench::scratch_dir(context, "alerts");
    if dir.exists() {
        std::fs::remove_dir_all(&dir).with_context(|| format!("clearing {}", dir.display()))?;
    }
    let store = open_store_at(&dir)?;
    // The demo's company, but real: a synthetic workspace's alerts are recorded, not sent.
    let workspace = Workspace {
        synthetic: false,
        ..omdomme_demo::workspace()
    };
    store.put_workspace(&workspace).await?;
    let own = workspace
        .own_brand()
        .context("the demo workspace has an own brand")?
        .id
        .clone();
    let now = clock::now();
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(7);

    // Four weeks of background, a few mentions an hour (not timed).
    let social = SourceKey::new(SourceKind::X, "bench");
    let hours = 4 * 7 * 24 + 2;
    let mut background = Vec::new();
    for hour in (1..=hours).rev() {
        for n in 0..rng.random_range(2..8) {
            let at = now - SignedDuration::from_hours(hour) + SignedDuration::from_mins(n * 5);
            background.push(mention(
                &own,
                social.clone(),
                format!("bg-{hour}-{n}"),
                at,
                SentimentLabel::Neutral,
            ));
        }
    }
    for batch in background.chunks(4_096) {
        store.put_items(&workspace.id, batch).await?;
    }
    println!(
        "{} background mentions stored (not timed)",
        background.len()
    );

    let arrivals = Arrivals::default();
    let app = axum::Router::new()
        .route("/hook/{secret}", axum::routing::post(receive))
        .with_state(arrivals.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let url = format!("http://{}/hook/bench-secret", listener.local_addr()?);
    let receiver = tokio::spawn(async move { axum::serve(listener, app).await });

    let key = SecretKey::from_base64(&SecretKey::generate_base64())?;
    let target = Target::Webhook(url);
    store
        .put_alert_channel(
            &workspace.id,
            &AlertChannelDraft {
                channel: AlertChannel {
                    name: "bench".to_owned(),
                    kind: AlertChannelKind::Webhook,
                    hint: channels::hint(&target),
                    lang: UiLanguage::En,
                    enabled: true,
                    updated_by: "bench".to_owned(),
                    updated_at: now,
                },
                sealed: Some(channels::seal(&key, &workspace.id, "bench", &target)),
            },
            &AuditEntry {
                at: now,
                actor: "bench".to_owned(),
                workspace: Some(workspace.id.clone()),
                action: "alerts.channel".to_owned(),
                target: "bench".to_owned(),
                detail: String::new(),
            },
        )
        .await?;

    let watch = WatchContext::new(
        Arc::clone(&store),
        Some(key),
        None,
        Arc::new(clock::now),
        "http://127.0.0.1:8080",
    );
    let watcher = tokio::spawn(Watcher::new(watch).run(POLL_INTERVAL));
    // The loop has warmed up once the workspace's cursor is set.
    let started = Instant::now();
    while store.alert_cursor(&workspace.id).await?.is_none() {
        anyhow::ensure!(
            started.elapsed() < Duration::from_secs(30),
            "the alert loop did not start"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    println!(
        "alert loop warmed up in {} ms",
        started.elapsed().as_millis()
    );

    let mut latencies = Vec::with_capacity(alerts);
    for n in 0..alerts {
        // A random moment against the poll, so the figures cover its whole interval.
        tokio::time::sleep(Duration::from_millis(rng.random_range(0..250))).await;
        let at = clock::now();
        let press = SourceKey::new(SourceKind::Rss, format!("press-{n}"));
        let mut batch: Vec<Item> = (0..50)
            .map(|i| {
                mention(
                    &own,
                    social.clone(),
                    format!("live-{n}-{i}"),
                    at,
                    SentimentLabel::Neutral,
                )
            })
            .collect();
        batch.push(mention(
            &own,
            press.clone(),
            format!("press-{n}"),
            at,
            SentimentLabel::Negative,
        ));
        store.put_items(&workspace.id, &batch).await?;
        let stored = Instant::now();
        let key = press.to_string();
        let arrived = loop {
            if let Some(arrived) = arrivals
                .0
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .get(&key)
                .copied()
            {
                break arrived;
            }
            anyhow::ensure!(
                stored.elapsed() < Duration::from_secs(10),
                "alert {n} did not arrive within 10 s"
            );
            tokio::time::sleep(Duration::from_millis(1)).await;
        };
        latencies.push(arrived.saturating_duration_since(stored));
    }
    watcher.abort();
    receiver.abort();
    drop(store);
    std::fs::remove_dir_all(&dir).ok();
    let p50 = super::bench::percentile_ms(&mut latencies, 50);
    let p99 = super::bench::percentile_ms(&mut latencies, 99);
    println!("alerts: {alerts} alerts, latency p50 {p50:.0} ms p99 {p99:.0} ms");
    Ok(())
}
