//! A worker: fetches batches from the shared consumer, enriches each workspace's items and
//! stores them, and acknowledges a message only after the store committed it. A batch that
//! fails is stored again item by item, so one bad item does not hold back the others; an
//! item that keeps failing goes to the dead-letter stream on its last delivery.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use async_nats::HeaderMap;
use async_nats::jetstream::{AckKind, Message};
use futures_util::StreamExt as _;
use omdomme_core::{Item, WorkspaceId};
use omdomme_nlp::{Enricher, NlpEnricher};
use omdomme_store::{PutReport, Store};
use tokio::sync::watch;

use crate::{DELIVERIES_HEADER, ERROR_HEADER, Envelope, Queue, QueueError};

/// How a worker runs.
#[derive(Clone, Debug)]
pub struct WorkerOptions {
    /// Messages fetched at once: one store transaction per workspace in the batch.
    pub batch: usize,
    /// How long a fetch waits for messages before the worker looks again (and flushes).
    pub fetch_wait: Duration,
    /// How often stored items are made searchable while messages keep coming.
    pub flush_every: Duration,
    /// How long a failed message waits before its next delivery.
    pub retry_delay: Duration,
    /// How long the worker waits after NATS could not be reached before trying again.
    pub reconnect_delay: Duration,
    /// How long a workspace's enricher is kept before it is built again from the store, so
    /// a brand's changed query reaches long-running workers.
    pub enricher_refresh: Duration,
}

impl Default for WorkerOptions {
    fn default() -> Self {
        WorkerOptions {
            batch: 256,
            fetch_wait: Duration::from_secs(1),
            flush_every: Duration::from_secs(5),
            retry_delay: Duration::from_secs(2),
            reconnect_delay: Duration::from_secs(1),
            enricher_refresh: Duration::from_secs(5 * 60),
        }
    }
}

/// What a worker has done so far, readable while it runs.
#[derive(Debug, Default)]
pub struct WorkerStats {
    /// Items stored for the first time.
    pub new: AtomicU64,
    /// Items that were stored already (changed or not): a message delivered again, or an
    /// item collected again after the duplicate window.
    pub again: AtomicU64,
    /// Messages sent back for a later delivery after a failure.
    pub retried: AtomicU64,
    /// Messages moved to the dead-letter stream.
    pub dead: AtomicU64,
    /// Where the time went, in microseconds: waiting for and receiving messages,
    /// enriching, storing (the store's transaction up to its commit), acknowledging.
    pub fetching_us: AtomicU64,
    /// See `fetching_us`.
    pub enriching_us: AtomicU64,
    /// See `fetching_us`.
    pub storing_us: AtomicU64,
    /// See `fetching_us`.
    pub acknowledging_us: AtomicU64,
}

impl WorkerStats {
    fn count(&self, report: PutReport) {
        self.new.fetch_add(report.new, Ordering::Relaxed);
        self.again
            .fetch_add(report.updated + report.unchanged, Ordering::Relaxed);
    }

    /// Adds the time since `since` to one of the stage counters.
    fn spent(stage: &AtomicU64, since: Instant) {
        let micros = u64::try_from(since.elapsed().as_micros()).unwrap_or(u64::MAX);
        stage.fetch_add(micros, Ordering::Relaxed);
    }
}

/// Runs a worker until `stop` turns true (or its sender is dropped). A message in hand when
/// it stops is either stored and acknowledged or left to be delivered again.
pub async fn run(
    queue: Queue,
    store: Arc<dyn Store>,
    options: WorkerOptions,
    stats: Arc<WorkerStats>,
    mut stop: watch::Receiver<bool>,
) -> Result<(), QueueError> {
    let mut worker = Worker {
        queue,
        store,
        options,
        stats,
        enrichers: HashMap::new(),
        enrichers_built: tokio::time::Instant::now(),
    };
    let consumer = worker.queue.consumer().await?;
    let mut unflushed = false;
    let mut last_flush = tokio::time::Instant::now();
    loop {
        if *stop.borrow() {
            break;
        }
        let fetch_started = Instant::now();
        let fetched = consumer
            .fetch()
            .max_messages(worker.options.batch)
            .expires(worker.options.fetch_wait)
            .messages()
            .await;
        let mut batch = Vec::new();
        match fetched {
            Ok(mut messages) => {
                while let Some(message) = messages.next().await {
                    match message {
                        Ok(message) => batch.push(message),
                        Err(e) => {
                            tracing::warn!("fetching from JetStream: {e}");
                            break;
                        }
                    }
                }
            }
            Err(e) => {
                tracing::warn!("cannot fetch from JetStream (NATS down?): {e}");
                tokio::select! {
                    _ = tokio::time::sleep(worker.options.reconnect_delay) => {}
                    _ = stop.changed() => {}
                }
                continue;
            }
        }
        WorkerStats::spent(&worker.stats.fetching_us, fetch_started);
        // A quiet moment makes what was stored searchable at once; a steady stream does
        // so every `flush_every` (each flush is an index commit).
        let quiet = batch.is_empty();
        if !quiet {
            worker.handle(batch).await;
            unflushed = true;
        }
        if unflushed && (quiet || last_flush.elapsed() >= worker.options.flush_every) {
            worker.flush().await;
            unflushed = false;
            last_flush = tokio::time::Instant::now();
        }
    }
    if unflushed {
        worker.flush().await;
    }
    Ok(())
}

struct Worker {
    queue: Queue,
    store: Arc<dyn Store>,
    options: WorkerOptions,
    stats: Arc<WorkerStats>,
    enrichers: HashMap<WorkspaceId, Arc<dyn Enricher>>,
    enrichers_built: tokio::time::Instant,
}

impl Worker {
    async fn handle(&mut self, batch: Vec<Message>) {
        let mut by_workspace: BTreeMap<WorkspaceId, Vec<(Message, Item)>> = BTreeMap::new();
        for message in batch {
            match serde_json::from_slice::<Envelope>(&message.payload) {
                Ok(envelope) => by_workspace
                    .entry(envelope.workspace)
                    .or_default()
                    .push((message, envelope.item)),
                // Delivering it again cannot make it readable.
                Err(e) => {
                    self.dead_letter(&message, &format!("unreadable: {e}"))
                        .await
                }
            }
        }
        for (workspace, messages) in by_workspace {
            let items: Vec<Item> = messages.iter().map(|(_, item)| item.clone()).collect();
            match self.store_items(&workspace, items).await {
                Ok(report) => {
                    self.stats.count(report);
                    let acknowledging = Instant::now();
                    for (message, _) in &messages {
                        acknowledge(message).await;
                    }
                    WorkerStats::spent(&self.stats.acknowledging_us, acknowledging);
                }
                Err(e) if messages.len() == 1 => {
                    if let Some((message, _)) = messages.first() {
                        self.failed(message, &e).await;
                    }
                }
                Err(e) => {
                    tracing::warn!(%workspace, "storing a batch failed, storing its items one by one: {e}");
                    for (message, item) in messages {
                        match self.store_items(&workspace, vec![item]).await {
                            Ok(report) => {
                                self.stats.count(report);
                                acknowledge(&message).await;
                            }
                            Err(e) => self.failed(&message, &e).await,
                        }
                    }
                }
            }
        }
    }

    /// Enriches and stores one workspace's items in one transaction.
    async fn store_items(
        &mut self,
        workspace: &WorkspaceId,
        mut items: Vec<Item>,
    ) -> Result<PutReport, String> {
        let enricher = self.enricher(workspace).await?;
        let enriching = Instant::now();
        // Enrichment is CPU work: off the async threads.
        items = tokio::task::spawn_blocking(move || {
            enricher.enrich(&mut items);
            items
        })
        .await
        .map_err(|e| format!("enrichment failed: {e}"))?;
        WorkerStats::spent(&self.stats.enriching_us, enriching);
        let storing = Instant::now();
        let stored = self
            .store
            .put_items(workspace, &items)
            .await
            .map_err(|e| e.to_string());
        WorkerStats::spent(&self.stats.storing_us, storing);
        stored
    }

    /// The workspace's enricher; a workspace not seen before is read from the store (it
    /// may have been added after the worker started), and every `enricher_refresh` all are.
    async fn enricher(&mut self, workspace: &WorkspaceId) -> Result<Arc<dyn Enricher>, String> {
        if self.enrichers_built.elapsed() >= self.options.enricher_refresh {
            self.enrichers.clear();
            self.enrichers_built = tokio::time::Instant::now();
        }
        if let Some(enricher) = self.enrichers.get(workspace) {
            return Ok(Arc::clone(enricher));
        }
        let stored = self
            .store
            .workspace(workspace)
            .await
            .map_err(|e| e.to_string())?
            .ok_or_else(|| format!("workspace {workspace} is not in the store"))?;
        let enricher: Arc<dyn Enricher> = Arc::new(
            NlpEnricher::new(&stored)
                .map_err(|e| format!("workspace {workspace}: a watch query is invalid: {e}"))?,
        );
        self.enrichers
            .insert(workspace.clone(), Arc::clone(&enricher));
        Ok(enricher)
    }

    /// A message that could not be stored: delivered again later, or dead-lettered on its
    /// last delivery.
    async fn failed(&self, message: &Message, error: &str) {
        let delivered = message.info().map(|info| info.delivered).unwrap_or(1);
        if delivered >= self.queue.options().max_deliver {
            self.dead_letter(message, error).await;
        } else {
            tracing::warn!(
                subject = %message.subject,
                delivered,
                "storing an item failed, it will be delivered again: {error}"
            );
            self.stats.retried.fetch_add(1, Ordering::Relaxed);
            if let Err(e) = message
                .ack_with(AckKind::Nak(Some(self.options.retry_delay)))
                .await
            {
                // The ack wait then brings it back.
                tracing::warn!("cannot send a message back to JetStream: {e}");
            }
        }
    }

    /// Moves a message to the dead-letter stream with its error, then acknowledges it; if the
    /// dead-letter publish fails the message stays unacknowledged and comes back.
    async fn dead_letter(&self, message: &Message, error: &str) {
        let delivered = message.info().map(|info| info.delivered).unwrap_or(1);
        let mut headers = HeaderMap::new();
        // A header value is one line.
        headers.insert(ERROR_HEADER, error.replace(['\r', '\n'], " ").as_str());
        headers.insert(DELIVERIES_HEADER, delivered.to_string().as_str());
        let subject = format!("dead.{}", message.subject);
        let published = match self
            .queue
            .jetstream()
            .publish_with_headers(subject, headers, message.payload.clone())
            .await
        {
            Ok(ack) => ack.await.map(|_| ()).map_err(|e| e.to_string()),
            Err(e) => Err(e.to_string()),
        };
        match published {
            Ok(()) => {
                tracing::error!(subject = %message.subject, delivered, "item dead-lettered: {error}");
                self.stats.dead.fetch_add(1, Ordering::Relaxed);
                acknowledge(message).await;
            }
            Err(e) => tracing::warn!("cannot dead-letter a message, it will come back: {e}"),
        }
    }

    async fn flush(&self) {
        if let Err(e) = self.store.flush().await {
            tracing::warn!("cannot make stored items searchable: {e}");
        }
    }
}

/// Acknowledges a stored message. If the acknowledgement is lost the message comes back
/// after the ack wait and is stored again, which changes nothing.
async fn acknowledge(message: &Message) {
    if let Err(e) = message.ack().await {
        tracing::warn!("cannot acknowledge a stored item: {e}");
    }
}
