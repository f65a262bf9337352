//! `omdomme reindex [--enrich]`: rebuild the search index from the store; with `--enrich`,
//! first re-run enrichment on every stored item (after a model update) and recompute the
//! rollups.

use anyhow::Context as _;
use clap::Args;
use omdomme_core::Item;
use omdomme_nlp::{Enricher, NlpEnricher};

use crate::cli::Context;
use crate::pipeline::BATCH_SIZE;
use crate::progress;

#[derive(Debug, Args)]
pub struct ReindexArgs {
    /// Re-run enrichment on every stored item and recompute the rollups first.
    #[arg(long)]
    pub enrich: bool,
}

pub async fn run(context: &Context, args: ReindexArgs) -> anyhow::Result<()> {
    let store = context.open_store().await?;
    let total = store.stats().await?.items;
    if args.enrich {
        let bar = progress::bar("enrich", Some(total));
        let mut changed = 0;
        for workspace in store.workspaces().await? {
            let enricher = NlpEnricher::new(&workspace)
                .with_context(|| format!("workspace {}: a watch query is invalid", workspace.id))?;
            let mut after = None;
            loop {
                let batch = store.items_after(&workspace.id, after, BATCH_SIZE).await?;
                let mut items: Vec<Item> = batch.items.into_iter().map(|s| s.item).collect();
                for item in &mut items {
                    item.enrichment = Default::default();
                }
                enricher.enrich(&mut items);
                let report = store.put_items(&workspace.id, &items).await?;
                changed += report.updated;
                bar.inc(items.len() as u64);
                match batch.next {
                    Some(next) => after = Some(next),
                    None => break,
                }
            }
        }
        bar.finish_and_clear();
        store
            .rebuild_rollups()
            .await
            .context("recomputing rollups")?;
        println!("re-enriched {total} items ({changed} changed); rollups recomputed");
    }
    let bar = progress::bar("reindex", Some(total));
    let progress = |done: u64, total: u64| {
        bar.set_length(total);
        bar.set_position(done);
    };
    let indexed = store
        .reindex(&progress)
        .await
        .context("rebuilding the search index")?;
    bar.finish_and_clear();
    println!("indexed {indexed} items");
    Ok(())
}
