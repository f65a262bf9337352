//! The scaled-out set-up end to end, each part a process of the real binary: one
//! `omdomme collect --queue-url` replaying the fixtures' feeds and statuses from a local
//! server, three `omdomme worker` processes, two `omdomme serve` web nodes, a nats-server
//! of the test's own and a fresh PostgreSQL database (`OMDOMME_TEST_POSTGRES_URL`; skipped
//! without it, except in CI).
//!
//! What it checks, in order: every collected item arrives exactly once in the store while a
//! worker is killed with SIGKILL holding a batch (a worker of its own, started alone before
//! the three, so the kill provably lands mid-batch); with NATS killed the collector's new
//! items wait and nothing is stored, and once NATS is back (same port, same store folder)
//! the pipeline catches up by itself; the one alert the replayed items raise is delivered
//! exactly once although two web nodes run the alert loop.

use std::collections::BTreeSet;
use std::future::Future;
use std::io::{BufRead, BufReader, Read as _};
use std::net::TcpListener;
use std::process::{Child, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use omdomme::collector::{CollectOptions, watch_queries};
use omdomme_alerts::channels;
use omdomme_alerts::deliver::Target;
use omdomme_alerts::detect::Thresholds;
use omdomme_connectors::secret::SECRET_KEY_ENV;
use omdomme_connectors::{BuildContext, SecretKey, SourceSpec};
use omdomme_core::{
    Author, Engagement, Enrichment, Item, ItemKind, SourceKey, SourceKind, WorkspaceId,
};
use omdomme_queue::testing::Nats;
use omdomme_queue::{Queue, QueueOptions};
use omdomme_store::{
    AlertChannel, AlertChannelDraft, AlertChannelKind, AlertQuery, AuditEntry, DeliveryState,
    MAX_ITEMS_PAGE, PostgresOptions, PostgresStore, Store, StoredThresholds, UiLanguage,
};

use crate::scale::TestDatabase;
use crate::support::{Scratch, fixture};

/// How long any one step may take before the test gives up: generous, since three workers
/// load the language models and share two cores with the rest.
const DEADLINE: Duration = Duration::from_secs(300);

/// The RSS fixtures replayed. Not Dagbladet's: its items carry no date, so they would be
/// dated when collected, and next to them the statuses of 2022 would be history, which
/// raises no alert.
const FEEDS: [&str; 4] = ["nrk", "tv2", "vg", "dagavisen"];

fn workspace() -> WorkspaceId {
    WorkspaceId("scale".to_owned())
}

/// Waits until `done` says so, failing after [`DEADLINE`] naming `what`.
async fn until<F, Fut>(what: &str, mut done: F)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    let started = Instant::now();
    while !done().await {
        assert!(
            started.elapsed() < DEADLINE,
            "waited {DEADLINE:?} for {what}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The platforms the collector reads, on this machine: the RSS fixtures at
/// `/rss/<name>`, and the Mastodon statuses fixture as a hashtag timeline, whose two newest
/// statuses appear only once [`Platforms::release`] is called (so the collector has new
/// items to publish while NATS is down).
struct Platforms {
    base: String,
    released: Arc<AtomicBool>,
}

/// The statuses that appear late.
const LATE_STATUSES: [&str; 2] = ["109348677773283527", "109348684737626801"];

impl Platforms {
    fn start() -> Platforms {
        let feeds: Vec<(String, String)> = FEEDS
            .iter()
            .map(|name| {
                let path = fixture(&format!("rss/{name}_rss.xml"));
                ((*name).to_owned(), std::fs::read_to_string(path).unwrap())
            })
            .collect();
        let statuses: Vec<serde_json::Value> = serde_json::from_str(
            &std::fs::read_to_string(fixture(
                "mastodon/timeline_assembled_from_docs_statuses.json",
            ))
            .unwrap(),
        )
        .unwrap();
        let released = Arc::new(AtomicBool::new(false));
        let timeline = {
            let released = Arc::clone(&released);
            move || {
                let released = released.load(Ordering::SeqCst);
                let mut shown: Vec<serde_json::Value> = statuses
                    .iter()
                    .filter(|s| released || !LATE_STATUSES.contains(&s["id"].as_str().unwrap()))
                    .cloned()
                    .collect();
                // Newest first, as Mastodon answers (ids of one length compare as text).
                shown.sort_by_key(|s| std::cmp::Reverse(s["id"].as_str().unwrap().to_owned()));
                axum::Json(serde_json::Value::Array(shown))
            }
        };
        let feed = move |Path(file): Path<String>| {
            let found = feeds
                .iter()
                .find(|(name, _)| *name == file)
                .map(|(_, body)| body.clone());
            async move {
                match found {
                    Some(body) => Ok(([("content-type", "application/rss+xml")], body)),
                    None => Err(StatusCode::NOT_FOUND),
                }
            }
        };
        let router = Router::new().route("/rss/{file}", get(feed)).route(
            "/api/v1/timelines/tag/{tag}",
            get(move || {
                let page = timeline();
                async move { page }
            }),
        );
        Platforms {
            base: serve(router),
            released,
        }
    }

    fn release(&self) {
        self.released.store(true, Ordering::SeqCst);
    }

    /// The sources as the config file defines them.
    fn sources(&self) -> Vec<serde_json::Value> {
        let mut sources: Vec<serde_json::Value> = FEEDS
            .iter()
            .map(|name| {
                serde_json::json!({
                    "kind": "rss",
                    "name": name,
                    "url": format!("{}/rss/{name}", self.base),
                    // Never to the publishers' own sites.
                    "full_text": false,
                })
            })
            .collect();
        sources.push(serde_json::json!({
            "kind": "mastodon",
            "name": "tags",
            "instance": self.base,
            "hashtags": ["musicTuesday"],
            "interval_secs": 1,
        }));
        sources
    }
}

/// Serves `router` on a free loopback port from a thread of its own; its base URL.
fn serve(router: Router) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let address = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async move {
            let listener = tokio::net::TcpListener::from_std(listener).unwrap();
            axum::serve(listener, router).await.ok();
        });
    });
    format!("http://{address}")
}

/// A webhook receiver counting the alerts delivered to it.
fn receive_alerts() -> (String, Arc<AtomicUsize>) {
    let received = Arc::new(AtomicUsize::new(0));
    let router = Router::new()
        .route(
            "/hook",
            post(|State(received): State<Arc<AtomicUsize>>| async move {
                received.fetch_add(1, Ordering::SeqCst);
                StatusCode::OK
            }),
        )
        .with_state(Arc::clone(&received));
    (format!("{}/hook", serve(router)), received)
}

/// The config file: one workspace whose own brand only the newest status mentions (by an
/// author with 40 followers), and the platforms' sources.
fn config(platforms: &Platforms) -> String {
    let mut config = String::from(
        r#"
[[workspaces]]
id = "scale"
name = "Scale AS"

[[workspaces.brands]]
id = "gravity"
name = "Gravity"
role = "own"
query = 'gravity'
"#,
    );
    for source in platforms.sources() {
        config.push_str("\n[[workspaces.sources]]\n");
        for (key, value) in source.as_object().unwrap() {
            config.push_str(&format!("{key} = {value}\n"));
        }
    }
    config
}

/// One `omdomme` process, killed when dropped. Its log is `<name>.log` in the scratch folder.
struct Node {
    name: String,
    child: Child,
    log: std::path::PathBuf,
    /// Its standard output after the line it was ready on.
    rest: Option<std::thread::JoinHandle<String>>,
}

impl Node {
    /// Starts `omdomme <args>` with `env` and waits until it prints a line containing
    /// `ready`.
    fn start(
        scratch: &Scratch,
        name: &str,
        env: &[(&str, &str)],
        args: &[&str],
        ready: &str,
    ) -> Node {
        let log = scratch.path(&format!("{name}.log"));
        let mut command = scratch.command();
        command
            .args(args)
            .env(
                "OMDOMME_LOG",
                "warn,omdomme=info,omdomme_web=info,omdomme_alerts=info",
            )
            .stdout(Stdio::piped())
            .stderr(std::fs::File::create(&log).unwrap());
        for (key, value) in env {
            command.env(key, value);
        }
        let mut child = command.spawn().unwrap();
        let mut lines = BufReader::new(child.stdout.take().unwrap());
        let mut line = String::new();
        loop {
            line.clear();
            let read = lines.read_line(&mut line).unwrap();
            assert!(
                read > 0,
                "{name} stopped before it was ready; its log:\n{}",
                std::fs::read_to_string(&log).unwrap_or_default()
            );
            if line.contains(ready) {
                break;
            }
        }
        // Read on, so a process writing to standard output never meets a full pipe.
        let rest = std::thread::spawn(move || {
            let mut rest = String::new();
            let _ = lines.read_to_string(&mut rest);
            rest
        });
        Node {
            name: name.to_owned(),
            child,
            log,
            rest: Some(rest),
        }
    }

    /// SIGINT, as Ctrl-C: the process stops by itself; what it printed after it was ready.
    fn interrupt(mut self) -> String {
        let sent = std::process::Command::new("kill")
            .args(["-INT", &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(sent.success());
        let status = self.child.wait().unwrap();
        let rest = self.rest.take().unwrap().join().unwrap();
        assert!(
            status.success(),
            "{} failed: {status}; its log:\n{}",
            self.name,
            std::fs::read_to_string(&self.log).unwrap_or_default()
        );
        rest
    }

    /// SIGKILL, as a crash.
    fn kill(mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }
}

impl Drop for Node {
    fn drop(&mut self) {
        // Already gone is fine.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `(source, external id)` of every stored item of the workspace, in id order.
async fn stored_identities(store: &dyn Store) -> Vec<(String, String)> {
    let mut identities = Vec::new();
    let mut after = None;
    loop {
        let batch = store
            .items_after(&workspace(), after, MAX_ITEMS_PAGE)
            .await
            .unwrap();
        identities.extend(batch.items.iter().map(|stored| {
            (
                stored.item.source.to_string(),
                stored.item.external_id.clone(),
            )
        }));
        match batch.next {
            Some(next) => after = Some(next),
            None => return identities,
        }
    }
}

async fn stored_count(store: &dyn Store) -> u64 {
    store.stats().await.unwrap().items
}

/// What the platforms hold now, as the connectors themselves read it in this process:
/// the identities the store must end up with.
async fn published_identities(
    store: &dyn Store,
    platforms: &Platforms,
) -> BTreeSet<(String, String)> {
    let stored = store.workspace(&workspace()).await.unwrap().unwrap();
    let options = CollectOptions::standard().unwrap();
    let mut identities = BTreeSet::new();
    for source in platforms.sources() {
        let spec: SourceSpec = serde_json::from_value(source).unwrap();
        let context = BuildContext {
            http: options.http.clone(),
            credential: None,
            watch: watch_queries(&stored),
        };
        let mut connector = spec.connector(&context).unwrap().unwrap();
        let mut cursor = None;
        for _ in 0..20 {
            let batch = connector.next_batch(cursor.as_deref()).await.unwrap();
            let empty = batch.items.is_empty();
            identities.extend(
                batch
                    .items
                    .iter()
                    .map(|item| (item.source.to_string(), item.external_id.clone())),
            );
            if batch.caught_up || empty {
                break;
            }
            cursor = batch.cursor.or(cursor);
        }
    }
    identities
}

/// Exactly `expected`, each once, besides the seed.
async fn assert_stored_once(store: &dyn Store, expected: &BTreeSet<(String, String)>) {
    let mut stored = stored_identities(store).await;
    stored.retain(|(source, _)| source != &seed_source().to_string());
    let distinct: BTreeSet<_> = stored.iter().cloned().collect();
    assert_eq!(distinct.len(), stored.len(), "an item is stored twice");
    assert_eq!(&distinct, expected);
}

fn seed_source() -> SourceKey {
    SourceKey::new(SourceKind::X, "seed")
}

/// An item stored before the web nodes start, older than every fixture: the alert loop's
/// cursor starts at it, which tells the test the loop runs.
fn seed() -> Item {
    let at: jiff::Timestamp = "2019-01-01T00:00:00Z".parse().unwrap();
    Item {
        source: seed_source(),
        external_id: "seed".to_owned(),
        kind: ItemKind::Post,
        author: Author {
            handle: "seed".to_owned(),
            ..Author::default()
        },
        title: None,
        text: "the first item".to_owned(),
        url: None,
        thread_id: None,
        parent_id: None,
        engagement: Engagement::default(),
        published_at: at,
        collected_at: at,
        declared_lang: None,
        enrichment: Enrichment::default(),
        synthetic: false,
    }
}

/// The webhook channel and thresholds under which only an author with at least 10
/// followers mentioning the own brand alerts (the newest status, nothing else).
async fn set_up_alerts(store: &dyn Store, key: &SecretKey, hook: &str) {
    let now: jiff::Timestamp = "2026-11-27T12:00:00Z".parse().unwrap();
    let audit = |action: &str| AuditEntry {
        at: now,
        actor: "test".to_owned(),
        workspace: Some(workspace()),
        action: action.to_owned(),
        target: "hook".to_owned(),
        detail: String::new(),
    };
    let target = Target::Webhook(hook.to_owned());
    store
        .put_alert_channel(
            &workspace(),
            &AlertChannelDraft {
                channel: AlertChannel {
                    name: "hook".to_owned(),
                    kind: AlertChannelKind::Webhook,
                    hint: channels::hint(&target),
                    lang: UiLanguage::En,
                    enabled: true,
                    updated_by: "test".to_owned(),
                    updated_at: now,
                },
                sealed: Some(channels::seal(key, &workspace(), "hook", &target)),
            },
            &audit("alerts.channel"),
        )
        .await
        .unwrap();
    let thresholds = Thresholds {
        spikes: false,
        influencer_followers: Some(10),
        press: false,
        csr_negative_per_hour: 0,
        ..Thresholds::default()
    };
    store
        .put_alert_thresholds(
            &workspace(),
            &StoredThresholds {
                json: serde_json::to_string(&thresholds).unwrap(),
                updated_by: "test".to_owned(),
                updated_at: now,
            },
            &audit("alerts.thresholds"),
        )
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_collector_three_workers_and_two_web_nodes_store_each_item_once_and_alert_once() {
    let Some(database) = TestDatabase::create().await else {
        return;
    };
    let mut nats = Nats::start();
    let platforms = Platforms::start();
    let (hook, received) = receive_alerts();
    let scratch = Scratch::with_config(&config(&platforms));
    let key_text = SecretKey::generate_base64();
    let key = SecretKey::from_base64(&key_text).unwrap();
    let env = [
        ("OMDOMME_STORE_URL", database.url.as_str()),
        (SECRET_KEY_ENV, key_text.as_str()),
    ];
    let queue_url = nats.url();

    // The schema, the workspace and its sources, then what the web nodes start from.
    let output = scratch
        .command()
        .env("OMDOMME_STORE_URL", &database.url)
        .arg("stats")
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    let store = PostgresStore::connect(&database.url, &PostgresOptions::default())
        .await
        .unwrap();
    let store: &dyn Store = &store;
    store.put_items(&workspace(), &[seed()]).await.unwrap();
    set_up_alerts(store, &key, &hook).await;

    let web: Vec<Node> = (0..2)
        .map(|n| {
            Node::start(
                &scratch,
                &format!("web-{n}"),
                &env,
                &["serve", "--no-collect", "--listen", "127.0.0.1:0"],
                "is serving on http://",
            )
        })
        .collect();
    until("a web node's alert loop to start", || async {
        store.alert_cursor(&workspace()).await.unwrap().is_some()
    })
    .await;

    // Made first by the test, so the workers find a consumer whose ack wait is short: the
    // killed worker's batch goes to another after 10 s instead of a minute.
    let queue = Queue::connect(
        &queue_url,
        QueueOptions {
            ack_wait: Duration::from_secs(10),
            ..QueueOptions::default()
        },
    )
    .await
    .unwrap();
    let early = published_identities(store, &platforms).await;
    let collector = Node::start(
        &scratch,
        "collect",
        &env,
        &["collect", "--queue-url", &queue_url],
        "collecting from 5 source(s)",
    );
    let queue = &queue;
    let published = early.len() as u64;
    until("the collector to publish every item", || async move {
        queue.waiting().await.unwrap() == published
    })
    .await;
    assert_eq!(
        stored_count(store).await,
        1,
        "the collector stored items itself"
    );

    // One worker alone, killed while it holds a batch, having stored at least one before.
    let worker_args = ["worker", "--queue-url", &queue_url, "--batch", "10"];
    let worker = |name: &str| Node::start(&scratch, name, &env, &worker_args, "working for");
    let first = worker("worker-0");
    until(
        "the first worker to store a batch and take the next",
        || async move { stored_count(store).await > 1 && queue.in_hand().await.unwrap() > 0 },
    )
    .await;
    first.kill();
    assert!(
        queue.in_hand().await.unwrap() > 0,
        "the worker was killed between batches"
    );
    let workers: Vec<Node> = (1..=3).map(|n| worker(&format!("worker-{n}"))).collect();
    until("the early items to be stored", || async move {
        stored_count(store).await == 1 + published && queue.waiting().await.unwrap() == 0
    })
    .await;
    assert_stored_once(store, &early).await;

    // NATS down: the late statuses appear, the collector cannot hand them over, nothing is
    // stored; NATS back on its port and folder: everything arrives, each item once.
    nats.kill();
    platforms.release();
    let late = SourceKey::new(SourceKind::Mastodon, "tags");
    until("the collector to fail publishing the late statuses", || {
        let late = late.clone();
        async move {
            let record = store.source(&workspace(), &late).await.unwrap().unwrap();
            record.health.failures_in_a_row > 0
        }
    })
    .await;
    assert_eq!(stored_count(store).await, 1 + published);
    nats.restart();
    let all = published_identities(store, &platforms).await;
    assert_eq!(all.len(), early.len() + LATE_STATUSES.len());
    let total = all.len() as u64;
    until(
        "the pipeline to catch up after NATS came back",
        || async move {
            stored_count(store).await == 1 + total && queue.waiting().await.unwrap_or(1) == 0
        },
    )
    .await;
    assert_stored_once(store, &all).await;
    assert_eq!(queue.dead_letters().await.unwrap(), 0);

    // The newest status's author (40 followers) mentions the own brand: one alert, sent
    // once to the webhook although both web nodes run.
    let received = &received;
    until("the alert to be delivered", || async move {
        received.load(Ordering::SeqCst) > 0
    })
    .await;
    until("the delivery to be recorded", || async move {
        let alerts = store
            .alerts(&AlertQuery {
                workspace: workspace(),
                before: None,
                limit: 10,
            })
            .await
            .unwrap();
        alerts.iter().all(|a| {
            a.deliveries
                .iter()
                .all(|d| d.state != DeliveryState::Pending)
        })
    })
    .await;
    let alerts = store
        .alerts(&AlertQuery {
            workspace: workspace(),
            before: None,
            limit: 10,
        })
        .await
        .unwrap();
    assert_eq!(alerts.len(), 1, "{alerts:?}");
    assert_eq!(alerts[0].kind, "influencer");
    assert_eq!(alerts[0].deliveries.len(), 1);
    assert_eq!(alerts[0].deliveries[0].state, DeliveryState::Sent);

    for worker in workers {
        let said = worker.interrupt();
        assert!(said.contains("0 dead-lettered"), "{said}");
    }
    collector.interrupt();
    for node in web {
        node.interrupt();
    }
    assert_eq!(
        received.load(Ordering::SeqCst),
        1,
        "the alert was sent twice"
    );
}
