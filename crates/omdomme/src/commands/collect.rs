//! `omdomme collect`: every enabled source of every workspace, each in a task of its own,
//! until Ctrl-C (or SIGTERM).

use std::time::Duration;

use clap::Args;

use crate::cli::Context;
use crate::collector::{self, CollectOptions};

/// How long a stop waits for calls in flight before cancelling them.
pub const STOP_GRACE: Duration = Duration::from_secs(10);

#[derive(Debug, Args)]
pub struct CollectArgs {}

pub async fn run(context: &Context, _args: CollectArgs) -> anyhow::Result<()> {
    let store = context.open_store().await?;
    let key = collector::secret_key_from_env()?;
    let enrichers = collector::enrichers(store.as_ref()).await?;
    let running =
        collector::start(store, &enrichers, key.as_ref(), CollectOptions::standard()?).await?;
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
