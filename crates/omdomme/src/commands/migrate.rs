//! `omdomme migrate` (issue 8): moves an embedded workspace store into an empty PostgreSQL
//! database, all or nothing, and says what it copied.

use std::path::PathBuf;

use anyhow::{Context as _, bail};
use clap::Args;
use omdomme_store::{PostgresOptions, PostgresStore, Store as _};

use crate::cli::Context;
use crate::config::store_url_problem;

#[derive(Debug, Args)]
pub struct MigrateArgs {
    /// The empty PostgreSQL database to move into (`postgres://user:password@host:5432/db`).
    #[arg(long)]
    pub to: String,
    /// The embedded store's data folder [default: --data-dir, or the configured one].
    #[arg(long)]
    pub data: Option<PathBuf>,
}

pub async fn run(context: &Context, args: MigrateArgs) -> anyhow::Result<()> {
    if let Some(why) = store_url_problem(&args.to) {
        bail!("--to: {why}");
    }
    let data = args.data.unwrap_or_else(|| context.data_dir());
    let target = PostgresStore::connect(&args.to, &PostgresOptions::default())
        .await
        .context("--to: opening the PostgreSQL store")?;
    println!(
        "migrating the embedded store in {} into PostgreSQL (stop every process writing to \
         it first)",
        data.display()
    );
    let report = target
        .import_embedded(&data)
        .await
        .with_context(|| format!("migrating {} into PostgreSQL", data.display()))?;
    let width = report
        .tables
        .iter()
        .map(|t| t.table.len())
        .max()
        .unwrap_or(0);
    for table in &report.tables {
        println!("  {:width$}  {:>9} rows", table.table, table.rows);
    }
    if !report.left_empty.is_empty() {
        println!(
            "PostgreSQL tables with no embedded twin, left empty: {}",
            report.left_empty.join(", ")
        );
    }
    // The full text is derived data of a shape of its own in each store: PostgreSQL makes
    // its own from the copied items.
    println!("making the copied items searchable");
    target
        .reindex(&|_, _| {})
        .await
        .context("the items are copied, but making them searchable failed: run `omdomme reindex` with [store] url set")?;
    let rows: u64 = report.tables.iter().map(|t| t.rows).sum();
    println!(
        "migrated: {rows} rows in {} tables, counts checked; point [store] url at the \
         database to use it",
        report.tables.len()
    );
    Ok(())
}
