//! `omdomme train`: rebuild every language model from the labelled data.

use std::path::PathBuf;
use std::time::Instant;

use anyhow::Context as _;
use clap::Args;
use omdomme_nlp::models::Task;
use omdomme_nlp::train::{train_all, write_models};

#[derive(Debug, Args)]
pub struct TrainArgs {
    /// The shared data folder with the public data sets (NoReC, TweetEval, ...).
    #[arg(long, default_value = "../shared/data")]
    pub data: PathBuf,
    /// Where to write the model files; the default is the folder built into the binary, so
    /// a rebuild ships what was trained.
    #[arg(long, default_value = "crates/omdomme-nlp/models")]
    pub out: PathBuf,
}

pub fn run(args: TrainArgs) -> anyhow::Result<()> {
    let started = Instant::now();
    let models = train_all(&args.data, &mut |task| eprintln!("training {task} ..."))
        .context("training the models")?;
    write_models(&models, &args.out)?;
    for task in Task::ALL {
        let path = args.out.join(task.file_name());
        let bytes = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
        println!(
            "{}: {:.1} MiB, trained on {}",
            path.display(),
            bytes as f64 / (1024.0 * 1024.0),
            models.get(task).header.trained_on
        );
    }
    println!(
        "trained {} models in {:.1} s",
        Task::ALL.len(),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}
