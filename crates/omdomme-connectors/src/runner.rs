//! Running a connector for as long as the process lives: fetch a batch, store it with its
//! cursor, record health, wait, repeat. One source failing never stops another: each runs in
//! a task of its own and every failure ends in a wait, not a return.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use omdomme_core::{Item, SourceHealth, SourceKey};
use tokio::sync::watch;

use crate::{Clock, Connector};

/// Where collected items go. Implemented by the binary over the store and the enricher.
#[async_trait]
pub trait Sink: Send + Sync {
    /// The last committed cursor of `source`.
    async fn cursor(&self, source: &SourceKey) -> Result<Option<String>, String>;

    /// Stores `items` and, in the same transaction, `cursor` (when `Some`); returns how
    /// many items were new. On error nothing of the batch is committed.
    async fn store(
        &self,
        source: &SourceKey,
        items: Vec<Item>,
        cursor: Option<&str>,
    ) -> Result<u64, String>;

    async fn health(&self, source: &SourceKey) -> Result<SourceHealth, String>;

    async fn put_health(&self, source: &SourceKey, health: &SourceHealth) -> Result<(), String>;
}

/// Waits between failed attempts: doubling from `first`, capped at `longest`.
#[derive(Clone, Debug)]
pub struct Pacing {
    pub first_retry: Duration,
    pub longest_retry: Duration,
}

impl Default for Pacing {
    fn default() -> Self {
        Pacing {
            first_retry: Duration::from_secs(5),
            longest_retry: Duration::from_secs(15 * 60),
        }
    }
}

/// What one call to a connector came to.
#[derive(Debug)]
pub struct Round {
    /// Items the connector handed over.
    pub fetched: usize,
    /// Of those, the ones the store did not have yet.
    pub new_items: u64,
    pub rejected: Vec<String>,
    pub caught_up: bool,
    /// Why the round failed: the kind (`token_expired`, `store`, ...) and the advice.
    pub failure: Option<(String, String)>,
    /// How long the platform asked us to wait, if it did.
    pub retry_after: Option<Duration>,
}

/// One call: fetch the batch after `cursor`, store it with its cursor, and record the
/// outcome in `health`. `cursor` moves only when the batch was stored.
pub async fn round(
    connector: &mut dyn Connector,
    sink: &dyn Sink,
    cursor: &mut Option<String>,
    health: &mut SourceHealth,
    clock: &Clock,
) -> Round {
    let source = connector.source().clone();
    let started = clock();
    let mut round = Round {
        fetched: 0,
        new_items: 0,
        rejected: Vec::new(),
        caught_up: false,
        failure: None,
        retry_after: None,
    };
    match connector.next_batch(cursor.as_deref()).await {
        Ok(batch) => {
            for rejected in &batch.rejected {
                tracing::warn!(%source, "skipped a record: {rejected}");
            }
            round.fetched = batch.items.len();
            round.rejected = batch.rejected;
            round.caught_up = batch.caught_up;
            match sink
                .store(&source, batch.items, batch.cursor.as_deref())
                .await
            {
                Ok(new_items) => {
                    if batch.cursor.is_some() {
                        *cursor = batch.cursor;
                    }
                    round.new_items = new_items;
                    health.record_success(clock(), new_items, Some(started));
                }
                Err(e) => {
                    let message = format!("storing failed: {e}");
                    health.record_failure(clock(), "store", &message);
                    round.failure = Some(("store".to_owned(), message));
                }
            }
        }
        Err(e) => {
            tracing::warn!(%source, kind = e.kind.as_str(), "{}", e.message);
            health.record_failure(clock(), e.kind.as_str(), &e.message);
            round.retry_after = e.retry_after;
            round.failure = Some((e.kind.as_str().to_owned(), e.message));
        }
    }
    round
}

/// Runs `connector` until `stop` turns true or its sender is dropped.
pub async fn run(
    mut connector: Box<dyn Connector>,
    sink: Arc<dyn Sink>,
    pacing: Pacing,
    clock: Clock,
    mut stop: watch::Receiver<bool>,
) {
    let source = connector.source().clone();
    let mut health = match sink.health(&source).await {
        Ok(health) => health,
        Err(e) => {
            tracing::warn!(%source, "cannot read health, starting afresh: {e}");
            SourceHealth::default()
        }
    };
    let mut cursor = None;
    let mut cursor_loaded = false;
    while !*stop.borrow() {
        let wait = if !cursor_loaded {
            match sink.cursor(&source).await {
                Ok(stored) => {
                    cursor = stored;
                    cursor_loaded = true;
                    continue;
                }
                Err(e) => {
                    health.record_failure(
                        clock(),
                        "store",
                        &format!("cannot read the cursor: {e}"),
                    );
                    Some(retry_wait(&pacing, &health, None))
                }
            }
        } else {
            let round = round(
                connector.as_mut(),
                sink.as_ref(),
                &mut cursor,
                &mut health,
                &clock,
            )
            .await;
            if round.failure.is_some() {
                Some(retry_wait(&pacing, &health, round.retry_after))
            } else {
                round.caught_up.then(|| connector.interval())
            }
        };
        save_health(sink.as_ref(), &source, &health).await;
        if let Some(wait) = wait
            && !pause(wait, &mut stop).await
        {
            break;
        }
    }
}

fn retry_wait(pacing: &Pacing, health: &SourceHealth, told: Option<Duration>) -> Duration {
    let doublings = health.failures_in_a_row.saturating_sub(1).min(16);
    let backoff = pacing
        .first_retry
        .saturating_mul(1 << doublings)
        .min(pacing.longest_retry);
    told.map_or(backoff, |told| told.max(pacing.first_retry))
}

async fn save_health(sink: &dyn Sink, source: &SourceKey, health: &SourceHealth) {
    if let Err(e) = sink.put_health(source, health).await {
        tracing::warn!(%source, "cannot record health: {e}");
    }
}

/// Sleeps for `wait` or until `stop` changes, whichever is first; false when the sender is
/// gone (nobody can stop the loop any more, so it must end now rather than spin).
async fn pause(wait: Duration, stop: &mut watch::Receiver<bool>) -> bool {
    tokio::select! {
        _ = tokio::time::sleep(wait) => true,
        changed = stop.changed() => changed.is_ok(),
    }
}
