//! `omdomme worker`: one of any number of processes sharing the JetStream consumer of
//! collected items: each enriches and stores what it gets, acknowledging only after the
//! store committed, until Ctrl-C (or SIGTERM).

use std::sync::Arc;
use std::sync::atomic::Ordering;

use anyhow::Context as _;
use clap::Args;
use omdomme_queue::worker::{self, WorkerOptions, WorkerStats};
use omdomme_queue::{Queue, QueueOptions};
use tokio::sync::watch;

use crate::cli::Context;

#[derive(Debug, Args)]
pub struct WorkerArgs {
    /// The NATS JetStream to take items from (`nats://host:4222`); overrides `[queue] url`.
    #[arg(long)]
    pub queue_url: Option<String>,
    /// Items fetched and stored at once (one transaction per workspace).
    #[arg(long, default_value_t = WorkerOptions::default().batch)]
    pub batch: usize,
}

pub async fn run(context: &Context, args: WorkerArgs) -> anyhow::Result<()> {
    if args.batch == 0 {
        anyhow::bail!("--batch: must be at least 1");
    }
    let url = context.queue_url(args.queue_url.as_deref())?.context(
        "no queue to work for: give --queue-url nats://host:4222, [queue] url in the config \
         file or OMDOMME_QUEUE_URL",
    )?;
    let store = context.open_store().await?;
    let queue = Queue::connect(&url, QueueOptions::default())
        .await
        .with_context(|| format!("opening the queue at {url}"))?;
    let options = WorkerOptions {
        batch: args.batch,
        ..WorkerOptions::default()
    };
    let stats = Arc::new(WorkerStats::default());
    let (stop, stop_rx) = watch::channel(false);
    let mut running = tokio::spawn(worker::run(
        queue,
        store,
        options,
        Arc::clone(&stats),
        stop_rx,
    ));
    println!("working for {url}; Ctrl-C stops");
    let ended = tokio::select! {
        _ = omdomme_web::shutdown_signal() => {
            println!("stopping: finishing the batch in hand");
            let _ = stop.send(true);
            running.await
        }
        // It ends by itself only on an error.
        ended = &mut running => ended,
    };
    ended.context("the worker task failed")??;
    println!(
        "stored {} new item(s), {} again; {} retried, {} dead-lettered",
        stats.new.load(Ordering::Relaxed),
        stats.again.load(Ordering::Relaxed),
        stats.retried.load(Ordering::Relaxed),
        stats.dead.load(Ordering::Relaxed),
    );
    let seconds = |stage: &std::sync::atomic::AtomicU64| stage.load(Ordering::Relaxed) as f64 / 1e6;
    println!(
        "time: fetching {:.2} s, enriching {:.2} s, storing {:.2} s, acknowledging {:.2} s",
        seconds(&stats.fetching_us),
        seconds(&stats.enriching_us),
        seconds(&stats.storing_us),
        seconds(&stats.acknowledging_us),
    );
    Ok(())
}
