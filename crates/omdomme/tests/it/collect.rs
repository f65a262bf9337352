//! Live collection end to end in one process: the connectors' runner with the binary's
//! `StoreSink` over a real SQLite store, driven by a scripted connector that pages through a
//! fixed list of posts with an offset cursor, as a paging API does.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use jiff::{SignedDuration, Timestamp};
use omdomme::collector::{self, CollectOptions, StoreSink};
use omdomme_connectors::runner::{self, Pacing};
use omdomme_connectors::{
    Batch, Clock, Connector, ConnectorError, ConnectorResult, ErrorKind, Http, RetryPolicy, Secret,
    SecretKey,
};
use omdomme_core::{
    Author, Engagement, Enrichment, Item, ItemKind, SourceKey, SourceKind, Workspace, WorkspaceId,
};
use omdomme_nlp::Enricher;
use omdomme_store::{SourceDefinition, SourceOrigin, SourceRecord, SqliteStore, Store};
use omdomme_web::Enrichers;
use omdomme_web::api::sources::SourceDto;
use tokio::sync::watch;
use tokio::task::JoinHandle;

const T0: &str = "2026-03-02T08:00:00Z";

fn t0() -> Timestamp {
    T0.parse().unwrap()
}

fn workspace() -> WorkspaceId {
    WorkspaceId("test".to_owned())
}

/// Marks items enriched without loading the models (their own tests cover them).
struct Marker;

impl Enricher for Marker {
    fn name(&self) -> &'static str {
        "marker"
    }

    fn enrich(&self, items: &mut [Item]) {
        for item in items {
            item.enrichment.model = "marker".to_owned();
        }
    }
}

fn post(source: &SourceKey, n: usize) -> Item {
    Item {
        source: source.clone(),
        external_id: format!("p{n}"),
        kind: ItemKind::Post,
        author: Author {
            handle: "kari".to_owned(),
            ..Author::default()
        },
        title: None,
        text: format!("innlegg nummer {n}"),
        url: None,
        thread_id: None,
        parent_id: None,
        engagement: Engagement::default(),
        published_at: t0() + SignedDuration::from_mins(n as i64),
        collected_at: t0(),
        declared_lang: None,
        enrichment: Enrichment::default(),
        synthetic: false,
    }
}

/// A platform holding `items`, served `page` at a time after an offset cursor. Records the
/// cursor of every call, and answers with the queued errors first.
struct Scripted {
    source: SourceKey,
    items: Vec<Item>,
    page: usize,
    calls: Arc<Mutex<Vec<Option<String>>>>,
    errors: Arc<Mutex<VecDeque<ConnectorError>>>,
}

impl Scripted {
    fn new(source: &SourceKey, count: usize) -> Scripted {
        Scripted {
            source: source.clone(),
            items: (0..count).map(|n| post(source, n)).collect(),
            page: 2,
            calls: Arc::default(),
            errors: Arc::default(),
        }
    }
}

#[async_trait]
impl Connector for Scripted {
    fn source(&self) -> &SourceKey {
        &self.source
    }

    fn interval(&self) -> Duration {
        Duration::from_millis(10)
    }

    async fn next_batch(&mut self, cursor: Option<&str>) -> ConnectorResult<Batch> {
        self.calls.lock().unwrap().push(cursor.map(str::to_owned));
        if let Some(error) = self.errors.lock().unwrap().pop_front() {
            return Err(error);
        }
        let from: usize = cursor.map_or(0, |c| c.parse().unwrap());
        let to = (from + self.page).min(self.items.len());
        Ok(Batch {
            items: self.items[from..to].to_vec(),
            cursor: Some(to.to_string()),
            rejected: Vec::new(),
            caught_up: to == self.items.len(),
        })
    }
}

/// Fails every call the same way: a revoked token nobody renews.
struct Revoked(SourceKey);

#[async_trait]
impl Connector for Revoked {
    fn source(&self) -> &SourceKey {
        &self.0
    }

    fn interval(&self) -> Duration {
        Duration::from_millis(10)
    }

    async fn next_batch(&mut self, _cursor: Option<&str>) -> ConnectorResult<Batch> {
        Err(token_expired())
    }
}

fn token_expired() -> ConnectorError {
    ConnectorError::new(
        ErrorKind::TokenExpired,
        "the access token was revoked: make a new one and store it with `omdomme sources credential set`",
    )
}

fn fast() -> Pacing {
    Pacing {
        first_retry: Duration::from_millis(5),
        longest_retry: Duration::from_millis(20),
    }
}

/// A clock that moves five minutes on every reading, so the health's rates and gaps see
/// time pass without the test waiting for it.
fn stepping_clock() -> Clock {
    let now = Arc::new(Mutex::new(t0()));
    Arc::new(move || {
        let mut now = now.lock().unwrap();
        *now += SignedDuration::from_mins(5);
        *now
    })
}

struct Harness {
    store: Arc<dyn Store>,
    dir: tempfile::TempDir,
    stop: watch::Sender<bool>,
    tasks: Vec<JoinHandle<()>>,
}

impl Harness {
    async fn new() -> Harness {
        let dir = tempfile::tempdir().unwrap();
        let store: Arc<dyn Store> = Arc::new(SqliteStore::open(dir.path()).unwrap());
        store
            .put_workspace(&Workspace {
                id: workspace(),
                name: "Test".to_owned(),
                synthetic: false,
                brands: Vec::new(),
            })
            .await
            .unwrap();
        Harness {
            store,
            dir,
            stop: watch::channel(false).0,
            tasks: Vec::new(),
        }
    }

    async fn define(&self, kind: SourceKind, name: &str) -> SourceKey {
        let key = SourceKey::new(kind, name);
        let definition = SourceDefinition {
            key: key.clone(),
            spec: serde_json::json!({ "kind": kind.as_str(), "name": name }),
            origin: SourceOrigin::Config,
            enabled: true,
        };
        self.store
            .put_source(&workspace(), &definition, t0())
            .await
            .unwrap();
        key
    }

    fn run(&mut self, connector: Box<dyn Connector>, clock: Clock) {
        let sink = Arc::new(StoreSink {
            store: Arc::clone(&self.store),
            workspace: workspace(),
            enricher: Arc::new(Marker),
        });
        self.tasks.push(tokio::spawn(runner::run(
            connector,
            sink,
            fast(),
            clock,
            self.stop.subscribe(),
        )));
    }

    /// Stops every runner and waits for them to end.
    async fn stop(&mut self) {
        self.stop.send(true).unwrap();
        for task in self.tasks.drain(..) {
            tokio::time::timeout(Duration::from_secs(10), task)
                .await
                .expect("the runner stops when told")
                .unwrap();
        }
        self.stop = watch::channel(false).0;
    }

    async fn record(&self, source: &SourceKey) -> SourceRecord {
        self.store
            .source(&workspace(), source)
            .await
            .unwrap()
            .unwrap()
    }

    /// External ids stored from `source`, in storage order.
    async fn stored(&self, source: &SourceKey) -> Vec<String> {
        let page = self
            .store
            .items_after(&workspace(), None, 1000)
            .await
            .unwrap();
        page.items
            .into_iter()
            .filter(|s| s.item.source == *source)
            .map(|s| s.item.external_id)
            .collect()
    }

    /// Waits (polling every few milliseconds, 10 s at most) until `check` holds.
    async fn until(&self, what: &str, check: impl AsyncFn(&Harness) -> bool) {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        while !check(self).await {
            assert!(
                tokio::time::Instant::now() < deadline,
                "timed out waiting until {what}"
            );
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }
}

fn ids(range: std::ops::Range<usize>) -> Vec<String> {
    range.map(|n| format!("p{n}")).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_cursor_moves_only_with_a_stored_batch_so_a_failed_write_loses_nothing() {
    let mut h = Harness::new().await;
    let source = h.define(SourceKind::X, "search").await;
    // The store refuses p3, the second item of the second page, halfway through its
    // transaction (as a full disk would).
    let db = rusqlite::Connection::open(h.dir.path().join(omdomme_store::DATABASE_FILE)).unwrap();
    db.execute_batch(
        "CREATE TRIGGER refuse_p3 BEFORE INSERT ON items WHEN NEW.external_id = 'p3' \
         BEGIN SELECT RAISE(ABORT, 'disk full (simulated)'); END;",
    )
    .unwrap();
    let connector = Scripted::new(&source, 6);
    let calls = Arc::clone(&connector.calls);
    h.run(Box::new(connector), stepping_clock());

    h.until("the failed write shows in the health", async |h| {
        h.record(&source).await.health.failures_in_a_row >= 2
    })
    .await;
    let record = h.record(&source).await;
    assert_eq!(
        record.cursor.as_deref(),
        Some("2"),
        "only the first page committed"
    );
    assert_eq!(
        h.stored(&source).await,
        ids(0..2),
        "p2 went back with its batch"
    );
    let error = record.health.last_error.unwrap();
    assert_eq!(error.kind, "store");
    assert!(error.message.contains("disk full"), "{}", error.message);
    // Every retry asked again from the committed cursor, not from what was read.
    let seen = calls.lock().unwrap().clone();
    assert_eq!(
        seen[..3],
        [None, Some("2".to_owned()), Some("2".to_owned())]
    );

    db.execute_batch("DROP TRIGGER refuse_p3").unwrap();
    h.until("the source caught up", async |h| {
        h.record(&source).await.cursor.as_deref() == Some("6")
    })
    .await;
    h.stop().await;
    assert_eq!(
        h.stored(&source).await,
        ids(0..6),
        "nothing lost, nothing twice"
    );
    let health = h.record(&source).await.health;
    assert_eq!(health.items_total, 6, "each item counted new once");
    assert_eq!(health.last_error, None, "a success clears the error");
    assert_eq!(health.failures_in_a_row, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restart_resumes_from_the_stored_cursor() {
    let mut h = Harness::new().await;
    let source = h.define(SourceKind::Mastodon, "tag").await;
    h.run(Box::new(Scripted::new(&source, 4)), stepping_clock());
    h.until("the first run caught up", async |h| {
        h.record(&source).await.cursor.as_deref() == Some("4")
    })
    .await;
    h.stop().await;

    // Restarted (a new connector, as after a new process) while two posts came in.
    let connector = Scripted::new(&source, 6);
    let calls = Arc::clone(&connector.calls);
    h.run(Box::new(connector), stepping_clock());
    h.until("the second run caught up", async |h| {
        h.record(&source).await.cursor.as_deref() == Some("6")
    })
    .await;
    h.stop().await;
    assert_eq!(
        calls.lock().unwrap().first().cloned(),
        Some(Some("4".to_owned())),
        "the first call after the restart starts at the stored cursor"
    );
    assert_eq!(h.stored(&source).await, ids(0..6));
    assert_eq!(h.record(&source).await.health.items_total, 6);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_broken_source_does_not_stop_another() {
    let mut h = Harness::new().await;
    let broken = h.define(SourceKind::Facebook, "page").await;
    let working = h.define(SourceKind::Bluesky, "search").await;
    h.run(Box::new(Revoked(broken.clone())), stepping_clock());
    h.run(Box::new(Scripted::new(&working, 5)), stepping_clock());
    h.until("the working source caught up", async |h| {
        h.record(&working).await.cursor.as_deref() == Some("5")
    })
    .await;
    h.until("the broken source kept trying", async |h| {
        h.record(&broken).await.health.failures_in_a_row >= 3
    })
    .await;
    h.stop().await;
    assert_eq!(h.stored(&working).await, ids(0..5));
    assert!(h.stored(&broken).await.is_empty());
    let error = h.record(&broken).await.health.last_error.unwrap();
    assert_eq!(error.kind, "token_expired");
    assert_eq!(error.message, token_expired().message);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn health_shows_the_error_with_its_advice_and_then_the_silence() {
    let mut h = Harness::new().await;
    let source = h.define(SourceKind::Rss, "nrk").await;
    let connector = Scripted::new(&source, 6);
    connector
        .errors
        .lock()
        .unwrap()
        .extend([token_expired(), token_expired()]);
    let errors = Arc::clone(&connector.errors);
    h.run(Box::new(connector), stepping_clock());
    h.until("the source caught up", async |h| {
        h.record(&source).await.cursor.as_deref() == Some("6")
    })
    .await;
    h.stop().await;
    assert!(errors.lock().unwrap().is_empty());
    let record = h.record(&source).await;
    let last_item = record.health.last_item_at.unwrap();
    // Just after the last item the source is fine...
    let shown = SourceDto::new(&record, last_item + SignedDuration::from_mins(1));
    assert_eq!(shown.status, "ok", "{shown:?}");
    assert_eq!(shown.items_total, 6);
    assert!(shown.items_per_minute > 0.0, "{shown:?}");
    assert_eq!(shown.silence, None);
    // ...and hours of quiet when items came every few minutes is a warning.
    let shown = SourceDto::new(&record, last_item + SignedDuration::from_hours(3));
    assert_eq!(shown.status, "silent", "{shown:?}");
    let warning = shown.silence.unwrap();
    assert!(warning.contains("no new items for 3 h"), "{warning}");

    // A failure shows as failing with the platform's advice until the next success.
    let mut health = record.health.clone();
    let failed_at = last_item + SignedDuration::from_mins(2);
    health.record_failure(
        failed_at,
        ErrorKind::TokenExpired.as_str(),
        &token_expired().message,
    );
    h.store
        .put_source_health(&workspace(), &source, &health)
        .await
        .unwrap();
    let shown = SourceDto::new(&h.record(&source).await, failed_at);
    assert_eq!(shown.status, "failing");
    let error = shown.last_error.unwrap();
    assert_eq!(error.kind, "token_expired");
    assert!(
        error.message.contains("omdomme sources credential set"),
        "{}",
        error.message
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_source_that_cannot_start_says_why_and_webhooks_are_not_collected() {
    let h = Harness::new().await;
    let sealed_with = SecretKey::from_base64(&SecretKey::generate_base64()).unwrap();
    let rss = h.define(SourceKind::Rss, "nrk").await;
    let webhook = h.define(SourceKind::Webhook, "crm").await;
    for source in [&rss, &webhook] {
        let context = collector::credential_context(&workspace(), source);
        assert_eq!(context, format!("test/{source}"));
        let sealed = sealed_with.seal(&Secret::new("token"), &context);
        h.store
            .put_source_credential(&workspace(), source, &sealed)
            .await
            .unwrap();
    }
    let mut enrichers = Enrichers::new();
    enrichers.insert(workspace(), Arc::new(Marker) as Arc<dyn Enricher>);
    let clock = stepping_clock();
    let options = CollectOptions {
        http: Http::new(RetryPolicy::default(), Arc::clone(&clock)).unwrap(),
        clock,
        pacing: fast(),
    };

    let another_key = SecretKey::from_base64(&SecretKey::generate_base64()).unwrap();
    for (key, reason) in [
        (
            Some(&another_key),
            "does not open with this OMDOMME_SECRET_KEY",
        ),
        (None, "OMDOMME_SECRET_KEY is not set"),
    ] {
        let running = collector::start(Arc::clone(&h.store), &enrichers, key, options.clone())
            .await
            .unwrap();
        assert!(running.running.is_empty(), "{:?}", running.running);
        running.stop(Duration::from_secs(5)).await;
        let shown = SourceDto::new(&h.record(&rss).await, t0() + SignedDuration::from_hours(1));
        assert_eq!(shown.status, "failing");
        let error = shown.last_error.unwrap();
        assert_eq!(error.kind, "config");
        assert!(error.message.contains(reason), "{}", error.message);
        assert!(!error.message.contains("token"), "{}", error.message);
    }
    // The webhook is pushed to: nothing tried to open or run it.
    assert_eq!(h.record(&webhook).await.health, Default::default());
}

// == leases (issue 8) ==

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_collectors_never_poll_a_source_at_once_and_one_takes_over_when_the_other_dies() {
    let h = Harness::new().await;
    let source = h.define(SourceKind::Rss, "shared").await;
    let now = Arc::new(Mutex::new(t0()));
    let clock: Clock = {
        let now = Arc::clone(&now);
        Arc::new(move || *now.lock().unwrap())
    };
    let lease = format!(
        "source/{}",
        collector::credential_context(&workspace(), &source)
    );
    let (stop, _) = watch::channel(false);
    let spawn = |holder: &str| {
        let connector = Scripted::new(&source, 10);
        let calls = Arc::clone(&connector.calls);
        let mut first: Option<Box<dyn Connector>> = Some(Box::new(connector));
        let leased = collector::LeasedSource {
            store: Arc::clone(&h.store),
            sink: Arc::new(StoreSink {
                store: Arc::clone(&h.store),
                workspace: workspace(),
                enricher: Arc::new(Marker),
            }),
            lease: lease.clone(),
            holder: holder.to_owned(),
            pacing: fast(),
            clock: Arc::clone(&clock),
            // Renewed, and waited for, every 100 ms; how long it lasts is up to the clock.
            lease_for: Duration::from_millis(300),
        };
        let task = tokio::spawn(collector::run_leased(
            leased,
            Box::new(move || {
                let connector = first.take();
                Box::pin(async move { connector })
            }),
            stop.subscribe(),
        ));
        (task, calls)
    };

    let (a, a_calls) = spawn("collect-a");
    h.until("a polled", async |_| !a_calls.lock().unwrap().is_empty())
        .await;
    let (b, b_calls) = spawn("collect-b");
    h.until("everything is stored", async |h| {
        h.stored(&source).await.len() == 10
    })
    .await;
    h.until("a polls on, caught up", async |_| {
        a_calls.lock().unwrap().len() > 12
    })
    .await;
    assert!(b_calls.lock().unwrap().is_empty(), "b polled a held source");

    // a dies without releasing the lease; once it expires b polls, from the stored cursor.
    a.abort();
    let _ = a.await;
    *now.lock().unwrap() += SignedDuration::from_secs(1);
    h.until("b took over", async |_| !b_calls.lock().unwrap().is_empty())
        .await;
    assert_eq!(b_calls.lock().unwrap()[0].as_deref(), Some("10"));
    assert_eq!(h.stored(&source).await.len(), 10);

    // Stopping releases the lease: another takes it at once.
    stop.send(true).unwrap();
    tokio::time::timeout(Duration::from_secs(10), b)
        .await
        .expect("the collector stops when told")
        .unwrap();
    let next = h
        .store
        .try_lease(&lease, "collect-c", SignedDuration::from_secs(60), clock())
        .await
        .unwrap();
    assert!(next.is_some(), "the stopped collector released its lease");
}
