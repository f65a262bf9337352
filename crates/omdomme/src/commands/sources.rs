//! `omdomme sources`: each live source with how it is doing; `sources key` for a fresh
//! `OMDOMME_SECRET_KEY`; `sources credential set` to store a source's credential sealed.
//!
//! A credential comes from standard input, never from a flag or argument (those end up in
//! shell history and process lists), and is never printed or logged.

use std::io::{IsTerminal, Read};
use std::path::{Path, PathBuf};

use anyhow::{Context as _, bail};
use clap::{Args, Subcommand};
use jiff::Timestamp;
use jiff::tz::TimeZone;
use omdomme_connectors::secret::SECRET_KEY_ENV;
use omdomme_connectors::{Secret, SecretKey, SourceSpec, rss};
use omdomme_core::{SourceKey, SourceKind, WorkspaceId};
use omdomme_store::{SourceDefinition, SourceOrigin};
use omdomme_web::api::sources::SourceDto;

use crate::cli::Context;
use crate::collector;

#[derive(Debug, Args)]
pub struct SourcesArgs {
    #[command(subcommand)]
    pub command: Option<SourcesCommand>,
}

#[derive(Debug, Subcommand)]
pub enum SourcesCommand {
    /// Each source with its status (ok, new, silent, failing), last success, last error and
    /// what to do about it, items per minute and in all (the default).
    List {
        /// One JSON array, the same objects as GET /api/sources.
        #[arg(long)]
        json: bool,
    },
    /// Print a fresh random key for OMDOMME_SECRET_KEY.
    Key,
    /// Sources' credentials, sealed with OMDOMME_SECRET_KEY before they are stored.
    #[command(subcommand)]
    Credential(CredentialCommand),
    /// Add every feed of an OPML file (a feed reader's export) as an RSS source.
    ImportOpml {
        /// The workspace id.
        workspace: String,
        /// The OPML file.
        file: PathBuf,
    },
}

#[derive(Debug, Subcommand)]
pub enum CredentialCommand {
    /// Store the credential of a source (a token, an app password, a webhook's secret),
    /// read from standard input.
    Set {
        /// The workspace id.
        workspace: String,
        /// The source as `kind:name`, e.g. mastodon:social or webhook:crm.
        source: String,
    },
}

pub async fn run(context: &Context, args: SourcesArgs) -> anyhow::Result<()> {
    match args.command.unwrap_or(SourcesCommand::List { json: false }) {
        SourcesCommand::List { json } => list(context, json).await,
        SourcesCommand::Key => {
            println!("{}", SecretKey::generate_base64());
            eprintln!(
                "Set it as {SECRET_KEY_ENV} wherever omdomme runs and keep a copy somewhere safe: \
                 credentials sealed with it open only with it."
            );
            Ok(())
        }
        SourcesCommand::Credential(CredentialCommand::Set { workspace, source }) => {
            set_credential(context, WorkspaceId(workspace), &source).await
        }
        SourcesCommand::ImportOpml { workspace, file } => {
            import_opml(context, WorkspaceId(workspace), &file).await
        }
    }
}

async fn list(context: &Context, json: bool) -> anyhow::Result<()> {
    let store = context.open_store().await?;
    let now = crate::clock::now();
    let mut sources = Vec::new();
    for workspace in store.workspaces().await? {
        let records = store.sources(&workspace.id).await?;
        sources.extend(records.iter().map(|r| SourceDto::new(r, now)));
    }
    if json {
        println!("{}", serde_json::to_string_pretty(&sources)?);
        return Ok(());
    }
    if sources.is_empty() {
        println!("No sources yet: add [[workspaces.sources]] to the config file (see README.md).");
        return Ok(());
    }
    let tz = TimeZone::get(&context.config.server.time_zone)?;
    for source in &sources {
        print!("{}", describe(source, &tz));
    }
    Ok(())
}

/// A source's lines in the listing: the status line, then what needs attention.
fn describe(source: &SourceDto, tz: &TimeZone) -> String {
    let at = |t: Timestamp| {
        t.to_zoned_datetime(tz.clone())
            .strftime("%Y-%m-%d %H:%M:%S %Z")
            .to_string()
    };
    let mut out = format!(
        "{}/{}:{}  {}{}  ({} source{})\n",
        source.workspace,
        source.kind,
        source.name,
        source.status,
        if source.enabled { "" } else { ", disabled" },
        source.origin,
        if source.has_credential {
            ", credential set"
        } else {
            ""
        }
    );
    let last_success = source.last_success.map_or_else(|| "never".to_owned(), at);
    out.push_str(&format!(
        "    last success {last_success}; {:.2} items/min; {} items in all\n",
        source.items_per_minute, source.items_total
    ));
    if let Some(error) = &source.last_error {
        out.push_str(&format!(
            "    last error {} ({}, {} in a row): {}\n",
            at(error.at),
            error.kind,
            source.failures_in_a_row,
            error.message
        ));
    }
    if let Some(silence) = &source.silence {
        out.push_str(&format!("    warning: {silence}\n"));
    }
    out
}

/// Adds the feeds of an OPML file as RSS sources (origin `opml`); a feed the config file
/// already defines stays the file's, and a feed with a problem is named and skipped.
async fn import_opml(context: &Context, workspace: WorkspaceId, file: &Path) -> anyhow::Result<()> {
    let bytes = std::fs::read(file).with_context(|| format!("reading {}", file.display()))?;
    let xml = String::from_utf8(bytes)
        .map_err(|e| anyhow::anyhow!("{} is not UTF-8 text: {e}", file.display()))?;
    let feeds = rss::opml_feeds(&xml).map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))?;
    let store = context.open_store().await?;
    if store.workspace(&workspace).await?.is_none() {
        bail!("no workspace {workspace:?}: define it in the config file first");
    }
    let now = crate::clock::now();
    let (mut added, mut skipped) = (0, 0);
    for feed in feeds {
        let mut json = serde_json::to_value(&feed)?;
        json["kind"] = "rss".into();
        let spec = SourceSpec::Rss(feed);
        let key = spec.key();
        let problems = spec.problems();
        if !problems.is_empty() {
            println!("skipped {key}: {}", problems.join("; "));
            skipped += 1;
            continue;
        }
        if let Some(existing) = store.source(&workspace, &key).await?
            && existing.origin == SourceOrigin::Config
        {
            println!("skipped {key}: the config file defines it");
            skipped += 1;
            continue;
        }
        let definition = SourceDefinition {
            key,
            spec: json,
            origin: SourceOrigin::Opml,
            enabled: true,
        };
        store.put_source(&workspace, &definition, now).await?;
        added += 1;
    }
    println!("imported {added} feed(s) into {workspace}, skipped {skipped}");
    Ok(())
}

pub fn parse_source(text: &str) -> anyhow::Result<SourceKey> {
    let Some((kind, name)) = text.split_once(':') else {
        bail!("{text:?}: name the source as <kind>:<name>, e.g. mastodon:social");
    };
    let kind = SourceKind::parse(kind).with_context(|| {
        format!(
            "{text:?}: unknown kind {kind:?}; expected one of {}",
            SourceKind::ALL.map(SourceKind::as_str).join(", ")
        )
    })?;
    if name.is_empty() {
        bail!("{text:?}: the name after ':' is empty");
    }
    Ok(SourceKey::new(kind, name))
}

async fn set_credential(
    context: &Context,
    workspace: WorkspaceId,
    source: &str,
) -> anyhow::Result<()> {
    let source = parse_source(source)?;
    let key = collector::secret_key_from_env()?.with_context(|| {
        format!(
            "{SECRET_KEY_ENV} is not set: make a key with `omdomme sources key`, set it here and \
             wherever omdomme collects or serves"
        )
    })?;
    let store = context.open_store().await?;
    if store.source(&workspace, &source).await?.is_none() {
        bail!(
            "workspace {workspace} has no source {source}: define it under \
             [[workspaces.sources]] in the config file first"
        );
    }
    let secret = read_secret(&format!("{workspace}/{source}"))?;
    let sealed = key.seal(&secret, &collector::credential_context(&workspace, &source));
    store
        .put_source_credential(&workspace, &source, &sealed)
        .await?;
    println!("credential of {workspace}/{source} stored, sealed with {SECRET_KEY_ENV}");
    Ok(())
}

/// The secret from standard input: all of it when piped (a JSON bundle may span lines),
/// one line from a terminal; the final line break is not part of it.
fn read_secret(what: &str) -> anyhow::Result<Secret> {
    let stdin = std::io::stdin();
    let mut text = String::new();
    if stdin.is_terminal() {
        eprintln!("credential for {what} (one line; pipe it in to keep it off the screen):");
        stdin
            .read_line(&mut text)
            .context("reading the credential")?;
    } else {
        stdin
            .lock()
            .read_to_string(&mut text)
            .context("reading the credential from standard input")?;
    }
    let secret = text.trim_end_matches(['\r', '\n']);
    if secret.trim().is_empty() {
        bail!("no credential on standard input");
    }
    Ok(Secret::new(secret))
}
