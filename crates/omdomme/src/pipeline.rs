//! The ingest pipeline: records -> enrich -> store + index.
//!
//! Parsing and enrichment run on a thread of their own and hand batches over a bounded
//! channel to the writer, so on two cores the CPU-bound half and the storage half overlap
//! while memory stays bounded whatever the input's size. A rejected record is counted and
//! reported; it never stops the run and never reaches the store.

use std::fmt::Display;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use indicatif::ProgressBar;
use omdomme_core::{Item, WorkspaceId};
use omdomme_nlp::Enricher;
use omdomme_store::{PutReport, Store};

/// Items per write: big enough to amortise a transaction, small enough to keep memory flat.
pub const BATCH_SIZE: usize = 4096;
/// Batches in flight between the enrichment thread and the writer.
const BATCHES_IN_FLIGHT: usize = 4;
/// Reasons kept for the summary; beyond this only the count grows.
pub const MAX_REPORTED_PROBLEMS: usize = 1000;

#[derive(Debug, Default)]
pub struct IngestReport {
    pub read: u64,
    pub stored: PutReport,
    pub rejected: u64,
    /// The first [`MAX_REPORTED_PROBLEMS`] rejections, each naming its record.
    pub problems: Vec<String>,
    pub elapsed: Duration,
}

impl IngestReport {
    pub fn items_per_second(&self) -> f64 {
        self.read as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }

    /// The closing summary `import` prints: counts first, then each reason.
    pub fn summary(&self) -> String {
        let mut out = format!(
            "read {}, new {}, updated {}, unchanged {}, rejected {} in {:.1} s",
            self.read,
            self.stored.new,
            self.stored.updated,
            self.stored.unchanged,
            self.rejected,
            self.elapsed.as_secs_f64()
        );
        for problem in &self.problems {
            out.push_str("\n  rejected ");
            out.push_str(problem);
        }
        let unreported = self.rejected.saturating_sub(self.problems.len() as u64);
        if unreported > 0 {
            out.push_str(&format!("\n  ... and {unreported} more rejected"));
        }
        out
    }
}

struct Batch {
    items: Vec<Item>,
    read: u64,
    problems: Vec<String>,
}

/// Runs `records` through enrichment into the store and makes them searchable.
pub async fn ingest<I, E>(
    store: Arc<dyn Store>,
    workspace: &WorkspaceId,
    enricher: Arc<dyn Enricher>,
    records: I,
    progress: &ProgressBar,
) -> anyhow::Result<IngestReport>
where
    I: Iterator<Item = Result<Item, E>> + Send + 'static,
    E: Display,
{
    let started = Instant::now();
    let (sender, mut receiver) = tokio::sync::mpsc::channel::<Batch>(BATCHES_IN_FLIGHT);
    let producer = std::thread::Builder::new()
        .name("omdomme-enrich".to_owned())
        .spawn(move || enrich_batches(records, enricher.as_ref(), &sender))
        .context("starting the enrichment thread")?;

    let mut report = IngestReport::default();
    while let Some(batch) = receiver.recv().await {
        report.read += batch.read;
        report.rejected += batch.problems.len() as u64;
        let room = MAX_REPORTED_PROBLEMS.saturating_sub(report.problems.len());
        report
            .problems
            .extend(batch.problems.into_iter().take(room));
        if !batch.items.is_empty() {
            report.stored += store
                .put_items(workspace, &batch.items)
                .await
                .context("storing items")?;
        }
        progress.inc(batch.read);
    }
    if producer.join().is_err() {
        anyhow::bail!("the enrichment thread failed");
    }
    store.flush().await.context("committing the search index")?;
    report.elapsed = started.elapsed();
    Ok(report)
}

fn enrich_batches<I, E>(
    records: I,
    enricher: &dyn Enricher,
    sender: &tokio::sync::mpsc::Sender<Batch>,
) where
    I: Iterator<Item = Result<Item, E>>,
    E: Display,
{
    let mut batch = Batch::new();
    for record in records {
        batch.read += 1;
        match record {
            Ok(item) => batch.items.push(item),
            Err(problem) => batch.problems.push(problem.to_string()),
        }
        if batch.items.len() >= BATCH_SIZE || batch.problems.len() >= BATCH_SIZE {
            enricher.enrich(&mut batch.items);
            // A closed channel means the writer failed; it reports why.
            if sender
                .blocking_send(std::mem::replace(&mut batch, Batch::new()))
                .is_err()
            {
                return;
            }
        }
    }
    if batch.read > 0 {
        enricher.enrich(&mut batch.items);
        // As above: if the writer is gone, it reports why.
        let _ = sender.blocking_send(batch);
    }
}

impl Batch {
    fn new() -> Batch {
        Batch {
            items: Vec::with_capacity(BATCH_SIZE),
            read: 0,
            problems: Vec::new(),
        }
    }
}
