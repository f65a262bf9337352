//! The command line: global flags, one subcommand per job, and the shared set-up (config,
//! store, workspace) every subcommand starts from.

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::{Context as _, bail};
use clap::{Args, Parser, Subcommand};
use omdomme_core::{Workspace, WorkspaceId};
use omdomme_store::{SqliteStore, Store};

use crate::config::Config;
use crate::{clock, collector, commands};

#[derive(Debug, Parser)]
#[command(
    name = "omdomme",
    version,
    about = "Listen, understand and answer for a company's social responsibility"
)]
pub struct Cli {
    /// Folder for the database and search index [default: data, or demo-data for `demo`].
    #[arg(long, global = true, env = "OMDOMME_DATA_DIR")]
    pub data_dir: Option<PathBuf>,
    /// TOML configuration file; OMDOMME_* environment variables override it.
    #[arg(long, global = true, env = "OMDOMME_CONFIG")]
    pub config: Option<PathBuf>,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Build the synthetic demo scenario, then serve it and print the URL and a login.
    Demo(commands::demo::DemoArgs),
    /// Serve the JSON API (and its landing page) on the stored data, and collect from the
    /// configured sources unless --no-collect.
    Serve(commands::serve::ServeArgs),
    /// Collect from every enabled source until Ctrl-C.
    Collect(commands::collect::CollectArgs),
    /// The live sources and their health; their credentials and the key that seals them.
    Sources(commands::sources::SourcesArgs),
    /// One round of one source: fetch, store, record its health, and say what came of it.
    Poll(commands::poll::PollArgs),
    /// Import a file of posts, comments or articles in a platform's own format.
    Import(commands::import::ImportArgs),
    /// Full-text search with filters, from the terminal.
    Search(commands::search::SearchArgs),
    /// Counts of what is stored and indexed.
    Stats(commands::stats::StatsArgs),
    /// Rebuild the search index from the store (and with --enrich, re-run enrichment first).
    Reindex(commands::reindex::ReindexArgs),
    /// Enrich text from standard input: JSON lines (with `text`, optionally `id`) or plain
    /// lines in, one JSON line with language, sentiment, topics, stakeholder and inquiry out.
    Enrich(commands::enrich::EnrichArgs),
    /// Measure the language models on the labelled data, beside the published figures.
    Eval(commands::eval::EvalArgs),
    /// Rebuild the language models from the labelled data (the shared data folder).
    Train(commands::train::TrainArgs),
    /// Measure ingest, query and language-model speed on generated data.
    #[command(subcommand)]
    Bench(commands::bench::BenchCommand),
    /// Manage logins for the web app and API.
    #[command(subcommand)]
    User(commands::user::UserCommand),
    /// The pre-publish policy check of a post (confidential terms, personal data, claims
    /// without proof, tone, length) and the default policy.
    #[command(subcommand)]
    Policy(commands::policy::PolicyCommand),
    // == report (issue 7) ==
    /// The leadership report of a week or a month, as PDF or HTML.
    Report(commands::report::ReportArgs),
    // == queue (issue 8) ==
    /// Enrich and store the items collectors publish to NATS JetStream (`[queue] url`), with
    /// any number of other workers, until Ctrl-C.
    Worker(commands::worker::WorkerArgs),
    // == scale (issue 8) ==
    /// Move the embedded store (the data folder) into an empty PostgreSQL database, in one
    /// transaction, and check the counts.
    Migrate(commands::migrate::MigrateArgs),
}

/// What every subcommand starts from: the configuration and where the data lives.
pub struct Context {
    pub config: Config,
    /// `--data-dir` when given; subcommands with a default of their own (the demo) use it.
    pub data_dir_flag: Option<PathBuf>,
}

impl Context {
    pub fn data_dir(&self) -> PathBuf {
        self.data_dir_flag
            .clone()
            .unwrap_or_else(|| self.config.data_dir.clone())
    }

    /// Opens the store in the data folder and writes the configured workspaces and their
    /// sources into it.
    pub async fn open_store(&self) -> anyhow::Result<Arc<dyn Store>> {
        // == scale (issue 8) ==
        let store = match &self.config.store.url {
            Some(url) => open_postgres(url, "store.url").await?,
            None => open_store_at(&self.data_dir())?,
        };
        for workspace in self.config.workspaces() {
            store
                .put_workspace(&workspace)
                .await
                .with_context(|| format!("saving workspace {} from the config", workspace.id))?;
        }
        collector::sync_config_sources(store.as_ref(), &self.config, clock::now())
            .await
            .context("saving the sources from the config")?;
        Ok(store)
    }
}

// == queue (issue 8) ==
impl Context {
    /// The NATS address: `--queue-url` when given, else `[queue] url` (or
    /// `OMDOMME_QUEUE_URL`); `None` means the embedded default (no queue).
    pub fn queue_url(&self, flag: Option<&str>) -> anyhow::Result<Option<String>> {
        let Some(url) = flag else {
            return Ok(self.config.queue.url.clone());
        };
        let problems = crate::config::QueueConfig {
            url: Some(url.to_owned()),
        }
        .problems();
        if !problems.is_empty() {
            bail!("--queue-url: {url:?} is not a NATS address like nats://127.0.0.1:4222");
        }
        Ok(Some(url.to_owned()))
    }
}

// == scale (issue 8) ==
/// The PostgreSQL store at `url`; `key` (the config key or flag it came from) names it in
/// errors, which never show the password.
pub async fn open_postgres(url: &str, key: &str) -> anyhow::Result<Arc<dyn Store>> {
    if let Some(why) = crate::config::store_url_problem(url) {
        bail!("{key}: {why}");
    }
    let store =
        omdomme_store::PostgresStore::connect(url, &omdomme_store::PostgresOptions::default())
            .await
            .with_context(|| format!("{key}: opening the PostgreSQL store"))?;
    Ok(Arc::new(store))
}

pub fn open_store_at(dir: &std::path::Path) -> anyhow::Result<Arc<dyn Store>> {
    let store = SqliteStore::open(dir)
        .with_context(|| format!("opening the data folder {}", dir.display()))?;
    Ok(Arc::new(store))
}

/// The workspace named by `--workspace`, or the only one there is.
pub async fn resolve_workspace(
    store: &dyn Store,
    wanted: Option<&str>,
) -> anyhow::Result<Workspace> {
    if let Some(id) = wanted {
        return store
            .workspace(&WorkspaceId(id.to_owned()))
            .await?
            .with_context(|| {
                format!("no workspace {id:?}: add it to the config file under [[workspaces]]")
            });
    }
    let mut all = store.workspaces().await?;
    match all.len() {
        0 => bail!(
            "no workspace yet: add one to the config file under [[workspaces]] (see README.md), or run `omdomme demo`"
        ),
        1 => Ok(all.remove(0)),
        _ => {
            let ids: Vec<String> = all.iter().map(|w| w.id.0.clone()).collect();
            bail!(
                "several workspaces ({}): choose one with --workspace",
                ids.join(", ")
            )
        }
    }
}

pub fn run() -> anyhow::Result<()> {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("OMDOMME_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn,omdomme=info")),
        )
        .with_writer(std::io::stderr)
        .init();
    let config = Config::load(cli.config.as_deref(), |var| std::env::var(var).ok())?;
    let context = Context {
        config,
        data_dir_flag: cli.data_dir,
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    runtime.block_on(async move {
        match cli.command {
            Command::Demo(args) => commands::demo::run(&context, args).await,
            Command::Serve(args) => commands::serve::run(&context, args).await,
            Command::Collect(args) => commands::collect::run(&context, args).await,
            Command::Sources(args) => commands::sources::run(&context, args).await,
            Command::Poll(args) => commands::poll::run(&context, args).await,
            Command::Import(args) => commands::import::run(&context, args).await,
            Command::Search(args) => commands::search::run(&context, args).await,
            Command::Stats(args) => commands::stats::run(&context, args).await,
            Command::Reindex(args) => commands::reindex::run(&context, args).await,
            Command::Enrich(args) => commands::enrich::run(&context, args),
            Command::Eval(args) => commands::eval::run(args),
            Command::Train(args) => commands::train::run(args),
            Command::Bench(command) => commands::bench::run(&context, command).await,
            Command::User(command) => commands::user::run(&context, command).await,
            Command::Policy(command) => commands::policy::run(&context, command).await,
            Command::Report(args) => commands::report::run(&context, args).await,
            // == queue (issue 8) ==
            Command::Worker(args) => commands::worker::run(&context, args).await,
            // == scale (issue 8) ==
            Command::Migrate(args) => commands::migrate::run(&context, args).await,
        }
    })
}

#[derive(Debug, Args)]
pub struct WorkspaceArg {
    /// Workspace id; may be left out when there is only one.
    #[arg(long, short)]
    pub workspace: Option<String>,
}
