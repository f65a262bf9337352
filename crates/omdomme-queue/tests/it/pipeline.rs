use std::sync::atomic::Ordering;
use std::time::Duration;

use futures_util::StreamExt as _;
use omdomme_queue::{Envelope, Published, Queue};

use crate::harness::*;

fn sorted(mut ids: Vec<String>) -> Vec<String> {
    ids.sort();
    ids
}

fn expected(range: std::ops::Range<usize>) -> Vec<String> {
    sorted(range.map(|n| format!("p{n}")).collect())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_workers_store_every_item_exactly_once_and_a_repeated_batch_is_dropped() {
    let nats = Nats::start();
    let data = Data::new().await;
    let queue = Queue::connect(&nats.url(), quick_options()).await.unwrap();
    let first = queue.publish(&workspace(), &items(0..200)).await.unwrap();
    assert_eq!(
        first,
        Published {
            accepted: 200,
            duplicates: 0
        }
    );
    // A collector that died before saving its cursor publishes the same items again.
    let again = queue.publish(&workspace(), &items(100..200)).await.unwrap();
    assert_eq!(
        again,
        Published {
            accepted: 0,
            duplicates: 100
        }
    );

    let workers = [
        RunningWorker::start(&queue, &data.store).await,
        RunningWorker::start(&queue, &data.store).await,
    ];
    until("200 items stored", async || {
        data.stored().await.len() >= 200
    })
    .await;
    until("the stream is empty", async || {
        queue.waiting().await.unwrap() == 0
    })
    .await;
    assert_eq!(sorted(data.stored().await), expected(0..200));
    let new: u64 = workers
        .iter()
        .map(|w| w.stats.new.load(Ordering::Relaxed))
        .sum();
    let again: u64 = workers
        .iter()
        .map(|w| w.stats.again.load(Ordering::Relaxed))
        .sum();
    assert_eq!((new, again), (200, 0), "no item was handled twice");
    // The ids are remembered after the messages are consumed and gone, too.
    let late = queue.publish(&workspace(), &items(0..10)).await.unwrap();
    assert_eq!(
        late,
        Published {
            accepted: 0,
            duplicates: 10
        }
    );
    for worker in workers {
        worker.stop().await;
    }
    // Enriched by the worker, not stored as published.
    let stored = data.store.items_after(&workspace(), None, 1).await.unwrap();
    assert_ne!(stored.items[0].item.enrichment.model, "");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn items_held_by_a_worker_that_died_before_acknowledging_go_to_another() {
    let nats = Nats::start();
    let data = Data::new().await;
    let queue = Queue::connect(&nats.url(), quick_options()).await.unwrap();
    queue.publish(&workspace(), &items(0..50)).await.unwrap();

    // A worker takes a batch and dies: no acknowledgement, no store.
    let consumer = queue.consumer().await.unwrap();
    let mut taken = consumer.fetch().max_messages(30).messages().await.unwrap();
    let mut held = 0;
    while let Some(message) = taken.next().await {
        let envelope: Envelope = serde_json::from_slice(&message.unwrap().payload).unwrap();
        assert_eq!(envelope.workspace, workspace());
        held += 1;
    }
    assert_eq!(held, 30);
    drop(taken);

    let worker = RunningWorker::start(&queue, &data.store).await;
    until("all 50 stored", async || data.stored().await.len() >= 50).await;
    until("the stream is empty", async || {
        queue.waiting().await.unwrap() == 0
    })
    .await;
    assert_eq!(sorted(data.stored().await), expected(0..50));
    assert_eq!(worker.stats.new.load(Ordering::Relaxed), 50);
    worker.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_item_the_store_keeps_refusing_goes_to_the_dead_letters_with_its_error() {
    let nats = Nats::start();
    let data = Data::new().await;
    rusqlite::Connection::open(data.database())
        .unwrap()
        .execute_batch(
            "CREATE TRIGGER refuse_p3 BEFORE INSERT ON items WHEN NEW.external_id = 'p3' \
             BEGIN SELECT RAISE(ABORT, 'disk full (simulated)'); END;",
        )
        .unwrap();
    let queue = Queue::connect(&nats.url(), quick_options()).await.unwrap();
    queue.publish(&workspace(), &items(0..10)).await.unwrap();

    let worker = RunningWorker::start(&queue, &data.store).await;
    until("p3 dead-lettered", async || {
        queue.dead_letters().await.unwrap() == 1
    })
    .await;
    until("the stream is empty", async || {
        queue.waiting().await.unwrap() == 0
    })
    .await;
    let stats = std::sync::Arc::clone(&worker.stats);
    worker.stop().await;

    // The others were stored despite sharing a batch with it.
    let mut rest = expected(0..10);
    rest.retain(|id| id != "p3");
    assert_eq!(sorted(data.stored().await), rest);
    // Delivered max_deliver (3) times: sent back twice, then given up.
    assert_eq!(stats.retried.load(Ordering::Relaxed), 2);
    assert_eq!(stats.dead.load(Ordering::Relaxed), 1);
    let (payload, error) = queue.dead_letter(1).await.unwrap();
    let envelope: Envelope = serde_json::from_slice(&payload).unwrap();
    assert_eq!(envelope.item.external_id, "p3");
    assert!(error.contains("disk full (simulated)"), "{error}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_nats_restart_stalls_the_pipeline_and_it_then_catches_up() {
    let mut nats = Nats::start();
    let data = Data::new().await;
    let queue = Queue::connect(&nats.url(), quick_options()).await.unwrap();
    let worker = RunningWorker::start(&queue, &data.store).await;
    queue.publish(&workspace(), &items(0..20)).await.unwrap();
    until("the first 20 stored", async || {
        data.stored().await.len() >= 20
    })
    .await;

    nats.kill();
    // A collector cannot hand over a batch now: it keeps its cursor and tries again.
    assert!(queue.publish(&workspace(), &items(20..40)).await.is_err());
    nats.restart();
    let mut published = None;
    for _ in 0..100 {
        match queue.publish(&workspace(), &items(20..40)).await {
            Ok(done) => {
                published = Some(done);
                break;
            }
            Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
        }
    }
    assert!(published.is_some(), "publishing never worked again");
    until("all 40 stored", async || data.stored().await.len() >= 40).await;
    assert_eq!(sorted(data.stored().await), expected(0..40));
    worker.stop().await;
}
