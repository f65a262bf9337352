//! `omdomme stats`: what is stored and indexed.

use clap::Args;

use crate::cli::Context;

#[derive(Debug, Args)]
pub struct StatsArgs {
    /// Print as JSON.
    #[arg(long)]
    pub json: bool,
}

pub async fn run(context: &Context, args: StatsArgs) -> anyhow::Result<()> {
    let store = context.open_store().await?;
    let stats = store.stats().await?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&stats)?);
        return Ok(());
    }
    println!("data folder  {}", context.data_dir().display());
    println!("workspaces   {}", stats.workspaces);
    for workspace in store.workspaces().await? {
        let label = if workspace.synthetic {
            " (synthetic demo data)"
        } else {
            ""
        };
        println!(
            "  {} {}{}: {} brands",
            workspace.id,
            workspace.name,
            label,
            workspace.brands.len()
        );
    }
    println!("items        {}", stats.items);
    println!("indexed      {}", stats.indexed);
    println!("rollup rows  {}", stats.rollup_rows);
    if let (Some(oldest), Some(newest)) = (stats.oldest, stats.newest) {
        println!("published    {oldest} .. {newest}");
    }
    for (source, count) in &stats.items_by_source {
        println!("  source {:<10} {count}", source.as_str());
    }
    for (lang, count) in &stats.items_by_lang {
        println!("  lang   {:<10} {count}", lang.as_str());
    }
    Ok(())
}
