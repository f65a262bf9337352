//! `omdomme collect`: every enabled source of every workspace, each in a task of its own,
//! until Ctrl-C (or SIGTERM). With a queue (`--queue-url` or `[queue] url`) the items go to
//! NATS JetStream for `omdomme worker` processes instead of into the store.

use std::time::Duration;

use anyhow::Context as _;
use clap::Args;
use omdomme_queue::{Queue, QueueOptions};

use crate::cli::Context;
use crate::collector::{self, CollectOptions};

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
    let options = CollectOptions::standard()?;
    let running = match context.queue_url(args.queue_url.as_deref())? {
        Some(url) => {
            let queue = Queue::connect(&url, QueueOptions::default())
                .await
                .with_context(|| format!("opening the queue at {url}"))?;
            collector::start_publishing(store, queue, key.as_ref(), options).await?
        }
        None => {
            let enrichers = collector::enrichers(store.as_ref()).await?;
            collector::start(store, &enrichers, key.as_ref(), options).await?
        }
    };
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
