//! `omdomme import PATH --format F`: a file in a platform's format into the store.

use std::io::BufReader;
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Context as _;
use clap::Args;
use omdomme_nlp::NlpEnricher;
use omdomme_sources::{Format, ImportContext};

use crate::cli::{Context, WorkspaceArg, resolve_workspace};
use crate::pipeline;
use crate::progress;

#[derive(Debug, Args)]
pub struct ImportArgs {
    /// The file to read; `-` reads standard input.
    pub path: PathBuf,
    /// jsonl, csv, x-v2, mastodon, bluesky, facebook or rss (RSS 2.0 and Atom).
    #[arg(long, short)]
    pub format: Format,
    #[command(flatten)]
    pub workspace: WorkspaceArg,
    /// Name of the source within its platform [default: the file's name].
    #[arg(long)]
    pub source: Option<String>,
}

pub async fn run(context: &Context, args: ImportArgs) -> anyhow::Result<()> {
    let store = context.open_store().await?;
    let workspace = resolve_workspace(store.as_ref(), args.workspace.workspace.as_deref()).await?;
    let enricher = NlpEnricher::new(&workspace)
        .with_context(|| format!("workspace {}: a watch query is invalid", workspace.id))?;

    let (reader, size, default_name): (Box<dyn std::io::Read + Send>, Option<u64>, String) =
        if args.path.as_os_str() == "-" {
            (Box::new(std::io::stdin()), None, "stdin".to_owned())
        } else {
            let file = std::fs::File::open(&args.path)
                .with_context(|| format!("opening {}", args.path.display()))?;
            let size = file.metadata().ok().map(|m| m.len());
            let name = args
                .path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_else(|| "file".to_owned());
            (Box::new(file), size, name)
        };
    // A file shows how far into it we are; standard input can only count items.
    let (bar, items_bar, reader): (_, _, Box<dyn std::io::Read + Send>) = match size {
        Some(size) => {
            let bar = progress::bytes_bar("import", size);
            (
                bar.clone(),
                indicatif::ProgressBar::hidden(),
                Box::new(bar.wrap_read(reader)),
            )
        }
        None => {
            let bar = progress::bar("import", None);
            (bar.clone(), bar, reader)
        }
    };
    let import_context = ImportContext {
        source_name: args.source.unwrap_or(default_name),
        collected_at: crate::clock::now(),
    };
    let records = omdomme_sources::read_items(
        args.format,
        Box::new(BufReader::with_capacity(1 << 16, reader)),
        import_context,
    );
    let report = pipeline::ingest(
        store,
        &workspace.id,
        Arc::new(enricher),
        records,
        &items_bar,
    )
    .await?;
    bar.finish_and_clear();
    println!("{}", report.summary());
    Ok(())
}
