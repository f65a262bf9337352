//! `omdomme poll SOURCE`: one round of one source — fetch, store with its cursor, record
//! health — and what came of it. For trying a new source, and for scripts and cron.

use anyhow::{Context as _, bail};
use clap::Args;
use omdomme_connectors::runner::{self, Sink};
use omdomme_core::WorkspaceId;

use crate::cli::Context;
use crate::collector::{self, CollectOptions, StoreSink};
use crate::commands::sources::parse_source;

#[derive(Debug, Args)]
pub struct PollArgs {
    /// The source as `kind:name`, e.g. rss:nrk or mastodon:social.
    pub source: String,
    /// The workspace, when more than one defines this source.
    #[arg(long)]
    pub workspace: Option<String>,
}

pub async fn run(context: &Context, args: PollArgs) -> anyhow::Result<()> {
    let source = parse_source(&args.source)?;
    let store = context.open_store().await?;
    let mut found = Vec::new();
    for workspace in store.workspaces().await? {
        if args
            .workspace
            .as_ref()
            .is_some_and(|w| *w != workspace.id.0)
        {
            continue;
        }
        if let Some(record) = store.source(&workspace.id, &source).await? {
            found.push((workspace, record));
        }
    }
    let (workspace, record) = match found.len() {
        0 => bail!(
            "no source {source} is defined{}; `omdomme sources` lists them",
            match &args.workspace {
                Some(w) => format!(" in workspace {w:?}"),
                None => String::new(),
            }
        ),
        1 => found.remove(0),
        _ => bail!(
            "{source} is defined in several workspaces ({}); choose one with --workspace",
            found
                .iter()
                .map(|(w, _)| w.id.0.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ),
    };
    let key = collector::secret_key_from_env()?;
    let enrichers = collector::enrichers(store.as_ref()).await?;
    let enricher = enrichers
        .get(&workspace.id)
        .with_context(|| format!("workspace {} has no enricher", workspace.id))?;
    let options = CollectOptions::standard()?;
    let watch = collector::watch_queries(&workspace);
    let mut connector =
        match collector::build(store.as_ref(), &record, key.as_ref(), &watch, &options).await {
            Ok(Some(connector)) => connector,
            Ok(None) => bail!("{source} is pushed to (POST /api/ingest), not polled"),
            Err((kind, message)) => bail!("{source} cannot start ({kind}): {message}"),
        };
    let sink = StoreSink {
        store: store.clone(),
        workspace: WorkspaceId(workspace.id.0.clone()),
        enricher: enricher.clone(),
    };
    let mut cursor = sink.cursor(&source).await.map_err(anyhow::Error::msg)?;
    let mut health = record.health.clone();
    let round = runner::round(
        connector.as_mut(),
        &sink,
        &mut cursor,
        &mut health,
        &options.clock,
    )
    .await;
    sink.put_health(&source, &health)
        .await
        .map_err(anyhow::Error::msg)?;
    store.flush().await?;
    for rejected in &round.rejected {
        println!("skipped a record: {rejected}");
    }
    if let Some((kind, advice)) = round.failure {
        bail!("{source} failed ({kind}): {advice}");
    }
    println!(
        "{source}: {} item(s) fetched, {} new, {} skipped; {}",
        round.fetched,
        round.new_items,
        round.rejected.len(),
        if round.caught_up {
            "caught up"
        } else {
            "more to fetch: poll again"
        }
    );
    Ok(())
}
