//! `omdomme collect`: every enabled source of every workspace, each in a task of its own,
//! until Ctrl-C (or SIGTERM). With a queue (`--queue-url` or `[queue] url`) the items go to
//! NATS JetStream for `omdomme worker` processes instead of into the store.

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use clap::Args;
use omdomme_connectors::SecretKey;
use omdomme_queue::{Queue, QueueOptions};
use omdomme_store::Store;
use omdomme_web::Enrichers;

use crate::cli::Context;
use crate::collector::{self, CollectOptions, Collector};

/// How long a stop waits for calls in flight before cancelling them.
pub const STOP_GRACE: Duration = Duration::from_secs(10);

#[derive(Debug, Args)]
pub struct CollectArgs {
    /// Publish to this NATS JetStream (`nats://host:4222`) instead of storing; overrides
    /// `[queue] url`.
    #[arg(long)]
    pub queue_url: Option<String>,
}

pub async fn run(context: &Context, args: CollectArgs) -> anyhow::Result<()> {
    let store = context.open_store().await?;
    let key = collector::secret_key_from_env()?;
    let running = start_sources(
        context,
        store,
        None,
        key.as_ref(),
        args.queue_url.as_deref(),
    )
    .await?;
    if running.running.is_empty() {
        anyhow::bail!(
            "no source to collect from: add [[workspaces.sources]] to the config file (see \
             README.md); `omdomme sources` shows why a defined source did not start"
        );
    }
    println!(
        "collecting from {} source(s): {}; Ctrl-C stops",
        running.running.len(),
        running.running.join(", ")
    );
    omdomme_web::shutdown_signal().await;
    println!("stopping: finishing calls in flight");
    running.stop(STOP_GRACE).await;
    Ok(())
}

/// Starts every enabled source: publishing to NATS JetStream when a queue is named
/// (`queue_url`, else `[queue] url`), so that `omdomme worker` processes enrich and store;
/// else enriching (with `enrichers`, or ones loaded here) and storing in this process.
pub async fn start_sources(
    context: &Context,
    store: Arc<dyn Store>,
    enrichers: Option<&Enrichers>,
    key: Option<&SecretKey>,
    queue_url: Option<&str>,
) -> anyhow::Result<Collector> {
    let options = CollectOptions::standard()?;
    if let Some(url) = context.queue_url(queue_url)? {
        let queue = Queue::connect(&url, QueueOptions::default())
            .await
            .with_context(|| format!("opening the queue at {url}"))?;
        return collector::start_publishing(store, queue, key, options).await;
    }
    match enrichers {
        Some(enrichers) => collector::start(store, enrichers, key, options).await,
        None => {
            let enrichers = collector::enrichers(store.as_ref()).await?;
            collector::start(store, &enrichers, key, options).await
        }
    }
}
