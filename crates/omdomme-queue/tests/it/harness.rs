//! A nats-server of the test's own, and a SQLite store with one workspace.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use jiff::Timestamp;
use omdomme_core::{
    Author, Engagement, Enrichment, Item, ItemKind, SourceKey, SourceKind, Workspace, WorkspaceId,
};
pub use omdomme_queue::testing::Nats;
use omdomme_queue::worker::{self, WorkerOptions, WorkerStats};
use omdomme_queue::{Queue, QueueOptions};
use omdomme_store::{SqliteStore, Store};
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// A SQLite store in a temporary folder holding the workspace `nordlys`.
pub struct Data {
    pub dir: tempfile::TempDir,
    pub store: Arc<dyn Store>,
}

pub fn workspace() -> WorkspaceId {
    WorkspaceId("nordlys".into())
}

impl Data {
    pub async fn new() -> Data {
        let dir = tempfile::tempdir().unwrap();
        let store: Arc<dyn Store> = Arc::new(SqliteStore::open(dir.path()).unwrap());
        store
            .put_workspace(&Workspace {
                id: workspace(),
                name: "Nordlys".into(),
                synthetic: true,
                brands: Vec::new(),
            })
            .await
            .unwrap();
        Data { dir, store }
    }

    pub fn database(&self) -> PathBuf {
        self.dir.path().join(omdomme_store::DATABASE_FILE)
    }

    /// The external ids stored, in id order (each once if nothing was stored twice).
    pub async fn stored(&self) -> Vec<String> {
        let batch = self
            .store
            .items_after(&workspace(), None, 10_000)
            .await
            .unwrap();
        batch
            .items
            .into_iter()
            .map(|stored| stored.item.external_id)
            .collect()
    }
}

/// Options that make a test quick: a message held by a dead worker returns after 2 s.
pub fn quick_options() -> QueueOptions {
    QueueOptions {
        ack_wait: Duration::from_secs(2),
        max_deliver: 3,
        ..QueueOptions::default()
    }
}

pub fn quick_worker_options() -> WorkerOptions {
    WorkerOptions {
        batch: 16,
        fetch_wait: Duration::from_millis(200),
        retry_delay: Duration::from_millis(100),
        reconnect_delay: Duration::from_millis(100),
        ..WorkerOptions::default()
    }
}

/// A worker running in a task of its own.
pub struct RunningWorker {
    pub stats: Arc<WorkerStats>,
    stop: watch::Sender<bool>,
    task: JoinHandle<()>,
}

impl RunningWorker {
    pub async fn start(queue: &Queue, store: &Arc<dyn Store>) -> RunningWorker {
        let (stop, stop_rx) = watch::channel(false);
        let stats = Arc::new(WorkerStats::default());
        let task = tokio::spawn(worker::run(
            queue.clone(),
            Arc::clone(store),
            quick_worker_options(),
            Arc::clone(&stats),
            stop_rx,
        ));
        let task = tokio::spawn(async move {
            task.await.unwrap().unwrap();
        });
        RunningWorker { stats, stop, task }
    }

    pub async fn stop(self) {
        self.stop.send(true).unwrap();
        self.task.await.unwrap();
    }
}

pub fn items(ids: impl IntoIterator<Item = usize>) -> Vec<Item> {
    ids.into_iter().map(|n| item(&format!("p{n}"))).collect()
}

pub fn item(external_id: &str) -> Item {
    let at: Timestamp = "2026-11-02T10:00:00Z".parse().unwrap();
    Item {
        source: SourceKey::new(SourceKind::Rss, "nrk.no"),
        external_id: external_id.to_owned(),
        kind: ItemKind::Article,
        author: Author {
            handle: "nrk".into(),
            name: Some("NRK".into()),
            followers: None,
            verified: false,
        },
        title: Some(format!("Sak {external_id}")),
        text: format!("Nordlys bygger nytt anlegg i Tromsø ({external_id})."),
        url: Some(format!("https://nrk.example/{external_id}")),
        thread_id: None,
        parent_id: None,
        engagement: Engagement::default(),
        published_at: at,
        collected_at: at,
        declared_lang: Some("nb".into()),
        enrichment: Enrichment::default(),
        synthetic: true,
    }
}

/// Waits until `done` holds, polling; fails after a generous limit (no timing is measured).
pub async fn until<F: AsyncFn() -> bool>(what: &str, done: F) {
    for _ in 0..600 {
        if done().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("gave up waiting: {what}");
}
