//! `omdomme eval`: every task's figure on its dev or test split beside the published one.

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::{Context as _, anyhow};
use clap::Args;
use omdomme_nlp::eval::evaluate;
use omdomme_nlp::models::Models;

#[derive(Debug, Args)]
pub struct EvalArgs {
    /// Print the report as JSON instead of a table.
    #[arg(long)]
    pub json: bool,
    /// The shared data folder with the public data sets (NoReC, TweetEval, ...).
    #[arg(long, default_value = "../shared/data")]
    pub data: PathBuf,
    /// Evaluate the models in this folder (from `omdomme train --out`) instead of the
    /// built-in ones.
    #[arg(long)]
    pub models: Option<PathBuf>,
}

pub fn run(args: EvalArgs) -> anyhow::Result<()> {
    let models = match &args.models {
        Some(dir) => Arc::new(
            Models::load_dir(dir)
                .with_context(|| format!("loading models from {}", dir.display()))?,
        ),
        None => Models::shipped().map_err(|e| anyhow!("the built-in models: {e}"))?,
    };
    let report = evaluate(models, &args.data, &mut |what| {
        eprintln!("evaluating {what} ...")
    })
    .context("evaluating")?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
        return Ok(());
    }
    let header = [
        "task",
        "dataset",
        "split",
        "metric",
        "n",
        "ours",
        "reference",
    ];
    let rows: Vec<[String; 7]> = report
        .rows
        .iter()
        .map(|r| {
            [
                r.task.clone(),
                r.dataset.clone(),
                r.split.clone(),
                r.metric.clone(),
                r.n.to_string(),
                format!("{:.1}", r.ours),
                r.reference.clone(),
            ]
        })
        .collect();
    let mut widths = header.map(str::len);
    for row in &rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let line = |cells: &[String]| {
        let padded: Vec<String> = cells
            .iter()
            .zip(widths)
            .map(|(c, w)| format!("{c:<w$}"))
            .collect();
        println!("{}", padded.join("  ").trim_end());
    };
    line(&header.map(str::to_owned));
    for row in &rows {
        line(row);
    }
    Ok(())
}
