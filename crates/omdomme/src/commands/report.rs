//! `omdomme report`: the leadership report of a week or a month, as PDF or HTML.

use std::path::PathBuf;

use anyhow::{Context as _, bail};
use clap::{Args, ValueEnum};
use jiff::tz::TimeZone;
use omdomme_report::Period;
use omdomme_report::view::ReportView;
use omdomme_store::UiLanguage;

use crate::cli::{Context, resolve_workspace};
use crate::clock;

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Pdf,
    Html,
}

#[derive(Debug, Args)]
pub struct ReportArgs {
    /// An ISO week (2026-W47), a month (2026-11), `last-week` or `last-month`, in the
    /// configured time zone (Europe/Oslo).
    #[arg(long)]
    pub period: String,
    /// The report's language: `nb` (bokmål) or `en`.
    #[arg(long, default_value = "nb")]
    pub lang: String,
    #[arg(long, value_enum, default_value = "pdf")]
    pub format: Format,
    /// Where to write it.
    #[arg(long)]
    pub out: PathBuf,
    /// Workspace id; may be left out when there is only one.
    #[arg(long)]
    pub workspace: Option<String>,
}

pub async fn run(context: &Context, args: ReportArgs) -> anyhow::Result<()> {
    let Some(language) = UiLanguage::parse(args.lang.trim()) else {
        bail!("--lang {:?}: expected nb (bokmål) or en", args.lang);
    };
    let time_zone = &context.config.server.time_zone;
    let zone = TimeZone::get(time_zone)
        .with_context(|| format!("time zone {time_zone:?} is not known"))?;
    let now = clock::now();
    let period = Period::parse(&args.period, now, &zone)?;
    let store = context.open_store().await?;
    let workspace = resolve_workspace(store.as_ref(), args.workspace.as_deref()).await?;
    let report = omdomme_report::build(store.as_ref(), &workspace, &period, now, time_zone)
        .await
        .with_context(|| format!("building the report for {}", period.label))?;
    let view = ReportView::new(&report, language, &zone);
    let bytes = match args.format {
        Format::Pdf => omdomme_report::pdf::render(&view)?,
        Format::Html => omdomme_report::html::render(&view)?.into_bytes(),
    };
    std::fs::write(&args.out, &bytes).with_context(|| format!("writing {}", args.out.display()))?;
    eprintln!(
        "{} {} ({} bytes) for {} ({} – {}) written to {}",
        match args.format {
            Format::Pdf => "PDF",
            Format::Html => "HTML",
        },
        view.title,
        bytes.len(),
        workspace.id,
        report.period.first,
        report.period.end.yesterday().unwrap_or(report.period.end),
        args.out.display()
    );
    Ok(())
}
