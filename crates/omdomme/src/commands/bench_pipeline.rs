//! `omdomme bench pipeline` (issue 8): N `omdomme worker` processes between one NATS
//! JetStream and one PostgreSQL store; generated items published through the queue.
//!
//! Throughput runs from the first publish to the store counting every item. Latency is
//! "stored and readable" (the PostgreSQL store's search is not done yet): the store's item
//! count is polled, and the k-th item published counts as stored when the count first
//! reaches k — exact for a FIFO queue, an approximation when workers finish batches out of
//! order.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};
use omdomme_demo::DemoOptions;
use omdomme_queue::{Queue, QueueOptions};

use crate::cli::{Context, open_postgres};

/// Items published per JetStream round trip.
const PUBLISH_BATCH: usize = 200;

/// How often the bench reads the stored count: often enough for latencies measured in
/// hundreds of milliseconds, rarely enough that its own queries do not compete with the
/// workers for the database.
const POLL_EVERY: Duration = Duration::from_millis(25);

/// Kills the worker processes however the bench ends.
struct Workers(Vec<Child>);

impl Workers {
    /// Stops the workers as Ctrl-C would, so each prints where its time went, all at once
    /// (each finishes its fetch first), and waits for them.
    fn stop(&mut self) -> anyhow::Result<()> {
        let mut kill = Command::new("kill");
        kill.arg("-TERM");
        for child in &self.0 {
            kill.arg(child.id().to_string());
        }
        let status = kill.status().context("running kill to stop the workers")?;
        if !status.success() {
            bail!("kill could not stop the workers: {status}");
        }
        for child in &mut self.0 {
            child.wait().context("waiting for a worker to stop")?;
        }
        Ok(())
    }
}

impl Drop for Workers {
    fn drop(&mut self) {
        for child in &mut self.0 {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

pub async fn run(
    _context: &Context,
    workers: usize,
    store_url: &str,
    queue_url: &str,
    items: u64,
) -> anyhow::Result<()> {
    if workers == 0 || items == 0 {
        bail!("--workers and --items must be at least 1");
    }
    let store = open_postgres(store_url, "--store-url").await?;
    if store.stats().await?.items != 0 {
        bail!("--store-url: the bench needs an empty database (it counts the items stored)");
    }
    let workspace = omdomme_demo::workspace();
    store.put_workspace(&workspace).await?;
    let queue = Queue::connect(queue_url, QueueOptions::default())
        .await
        .with_context(|| format!("--queue-url: opening the queue at {queue_url}"))?;
    let exe = std::env::current_exe().context("finding the omdomme binary")?;
    let mut children = Workers(Vec::new());
    for _ in 0..workers {
        let child = Command::new(&exe)
            .args(["worker", "--queue-url", queue_url])
            .env("OMDOMME_STORE_URL", store_url)
            .stdin(Stdio::null())
            // Their last lines say where their time went.
            .stdout(Stdio::inherit())
            .stderr(Stdio::inherit())
            .spawn()
            .context("starting an `omdomme worker` process")?;
        children.0.push(child);
    }
    let generated: Vec<_> = omdomme_demo::generate(&DemoOptions {
        // A new seed each run: JetStream drops ids it saw within its duplicate window.
        seed: rand::random(),
        items,
        end: "2026-11-01T00:00:00Z".parse()?,
    })
    .collect();
    // Let the workers connect, so their start-up is not measured.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    println!("pipeline: {workers} worker process(es), publishing {items} items");

    let start = Instant::now();
    let mut published_at = Vec::with_capacity(generated.len());
    let publisher = {
        let queue = queue.clone();
        let workspace = workspace.id.clone();
        tokio::spawn(async move {
            let mut times = Vec::new();
            for chunk in generated.chunks(PUBLISH_BATCH) {
                let at = Instant::now();
                queue.publish(&workspace, chunk).await?;
                times.extend(std::iter::repeat_n(at, chunk.len()));
            }
            anyhow::Ok(times)
        })
    };
    // The instant the stored count first reached each value.
    let mut stored_at: Vec<Instant> = Vec::with_capacity(items as usize);
    let deadline = Duration::from_secs(60 + items / 50);
    while (stored_at.len() as u64) < items {
        if start.elapsed() > deadline {
            bail!(
                "only {} of {items} items stored after {:?}",
                stored_at.len(),
                deadline
            );
        }
        for child in &mut children.0 {
            if let Some(status) = child.try_wait()? {
                bail!("a worker process ended early: {status}");
            }
        }
        let count = store.stats().await?.items.min(items) as usize;
        let now = Instant::now();
        while stored_at.len() < count {
            stored_at.push(now);
        }
        tokio::time::sleep(POLL_EVERY).await;
    }
    let elapsed = start.elapsed();
    published_at.extend(publisher.await.context("the publisher task")??);
    children.stop()?;

    let mut latencies: Vec<f64> = published_at
        .iter()
        .zip(&stored_at)
        .map(|(p, s)| s.saturating_duration_since(*p).as_secs_f64() * 1000.0)
        .collect();
    latencies.sort_by(f64::total_cmp);
    let rate = items as f64 / elapsed.as_secs_f64();
    println!(
        "pipeline: workers {workers}, {rate:.0} items/s, latency p50 {:.0} ms p99 {:.0} ms",
        percentile(&latencies, 0.50),
        percentile(&latencies, 0.99)
    );
    Ok(())
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = ((sorted.len() - 1) as f64 * p).round() as usize;
    sorted[rank]
}

#[cfg(test)]
mod tests {
    use super::percentile;

    #[test]
    fn percentiles_pick_the_nearest_rank() {
        let values: Vec<f64> = (1..=100).map(f64::from).collect();
        assert_eq!(percentile(&values, 0.5), 51.0);
        assert_eq!(percentile(&values, 0.99), 99.0);
        assert_eq!(percentile(&[], 0.5), 0.0);
    }
}
