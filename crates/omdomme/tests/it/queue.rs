//! Collection scaled out: the binary's `QueueSink` publishes a source's batches to a real
//! nats-server and moves the cursor only once JetStream has them; a worker stores them.

use std::sync::Arc;
use std::sync::atomic::Ordering;

use jiff::Timestamp;
use omdomme::collector::QueueSink;
use omdomme_connectors::runner::Sink as _;
use omdomme_core::{
    Author, Engagement, Enrichment, Item, ItemKind, SourceKey, SourceKind, Workspace, WorkspaceId,
};
use omdomme_queue::testing::Nats;
use omdomme_queue::worker::{self, WorkerOptions, WorkerStats};
use omdomme_queue::{Queue, QueueOptions};
use omdomme_store::{SourceDefinition, SourceOrigin, SqliteStore, Store};
use tokio::sync::watch;

use crate::support::Scratch;

fn workspace() -> WorkspaceId {
    WorkspaceId("test".to_owned())
}

fn post(source: &SourceKey, n: usize) -> Item {
    let at: Timestamp = "2026-03-02T08:00:00Z".parse().unwrap();
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
        published_at: at,
        collected_at: at,
        declared_lang: None,
        enrichment: Enrichment::default(),
        synthetic: false,
    }
}

async fn stored(store: &dyn Store) -> usize {
    store
        .items_after(&workspace(), None, 1000)
        .await
        .unwrap()
        .items
        .len()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_collector_publishes_and_moves_its_cursor_only_once_jetstream_has_the_batch() {
    let mut nats = Nats::start();
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
    let source = SourceKey::new(SourceKind::X, "search");
    let definition = SourceDefinition {
        key: source.clone(),
        spec: serde_json::json!({ "kind": "x", "name": "search" }),
        origin: SourceOrigin::Config,
        enabled: true,
    };
    store
        .put_source(
            &workspace(),
            &definition,
            "2026-03-02T08:00:00Z".parse().unwrap(),
        )
        .await
        .unwrap();
    let queue = Queue::connect(&nats.url(), QueueOptions::default())
        .await
        .unwrap();
    let sink = QueueSink {
        store: Arc::clone(&store),
        workspace: workspace(),
        queue: queue.clone(),
    };

    let batch: Vec<Item> = (0..3).map(|n| post(&source, n)).collect();
    assert_eq!(sink.store(&source, batch.clone(), Some("3")).await, Ok(3));
    assert_eq!(sink.cursor(&source).await.unwrap().as_deref(), Some("3"));
    // Published, not stored: that is the workers' job.
    assert_eq!(stored(store.as_ref()).await, 0);
    assert_eq!(queue.waiting().await.unwrap(), 3);
    // A collector that died after publishing but before its cursor was saved repeats the
    // batch: JetStream drops it.
    assert_eq!(sink.store(&source, batch, Some("3")).await, Ok(0));
    assert_eq!(queue.waiting().await.unwrap(), 3);

    let stats = Arc::new(WorkerStats::default());
    let (stop, stop_rx) = watch::channel(false);
    let running = tokio::spawn(worker::run(
        queue.clone(),
        Arc::clone(&store),
        WorkerOptions::default(),
        Arc::clone(&stats),
        stop_rx,
    ));
    for _ in 0..600 {
        if stored(store.as_ref()).await == 3 && queue.waiting().await.unwrap() == 0 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(stored(store.as_ref()).await, 3);
    assert_eq!(stats.new.load(Ordering::Relaxed), 3);
    stop.send(true).unwrap();
    running.await.unwrap().unwrap();

    // With NATS gone the batch cannot be handed over, and the cursor stays.
    nats.kill();
    let next: Vec<Item> = (3..5).map(|n| post(&source, n)).collect();
    assert!(sink.store(&source, next, Some("5")).await.is_err());
    assert_eq!(sink.cursor(&source).await.unwrap().as_deref(), Some("3"));
}

/// `omdomme worker` processes: one killed with SIGKILL while it works, another taking over;
/// every item ends up stored.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_worker_process_killed_mid_batch_loses_nothing() {
    let nats = Nats::start();
    let scratch = Scratch::new();
    // Created here first, so the workers find a consumer whose ack wait is short: the
    // killed worker's messages come back after 2 s instead of a minute.
    let queue = Queue::connect(
        &nats.url(),
        QueueOptions {
            ack_wait: std::time::Duration::from_secs(2),
            ..QueueOptions::default()
        },
    )
    .await
    .unwrap();
    let source = SourceKey::new(SourceKind::X, "search");
    let items: Vec<Item> = (0..300).map(|n| post(&source, n)).collect();
    queue.publish(&workspace(), &items).await.unwrap();

    let worker = |scratch: &Scratch| {
        scratch
            .command()
            .args(["worker", "--queue-url", &nats.url(), "--batch", "20"])
            .stdout(std::process::Stdio::piped())
            .spawn()
            .unwrap()
    };
    let mut first = worker(&scratch);
    for _ in 0..600 {
        if queue.waiting().await.unwrap() < 300 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    first.kill().unwrap();
    first.wait().unwrap();
    assert!(
        queue.waiting().await.unwrap() > 0,
        "killed after it finished"
    );

    let second = worker(&scratch);
    for _ in 0..600 {
        if queue.waiting().await.unwrap() == 0 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(queue.waiting().await.unwrap(), 0);
    let stopped = std::process::Command::new("kill")
        .args(["-INT", &second.id().to_string()])
        .status()
        .unwrap();
    assert!(stopped.success());
    let output = second.wait_with_output().unwrap();
    assert!(output.status.success(), "{output:?}");
    assert_eq!(scratch.stats()["items"], 300);
    assert_eq!(queue.dead_letters().await.unwrap(), 0);
}
