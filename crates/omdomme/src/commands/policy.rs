//! `omdomme policy`: the pre-publish policy check for scripts and editors (`check` reads a
//! post from standard input) and the default policy to start one's own from (`default`).
//!
//! Exit status of `check`: 1 when a blocking rule fires, 0 otherwise, 2 when the post or
//! the policy cannot be read — so a script can tell "do not publish" from "could not check".

use std::io::{Read as _, Write as _};
use std::path::PathBuf;

use anyhow::{Context as _, bail};
use clap::{Args, Subcommand, ValueEnum};
use omdomme_core::{SourceKind, WorkspaceId};
use omdomme_policy::{Draft, Finding, Policy, Severity};
use serde::Serialize;

use crate::cli::{Context, resolve_workspace};

#[derive(Debug, Subcommand)]
pub enum PolicyCommand {
    /// Check a post read from standard input: each finding on a line (where, severity,
    /// rule, the words, what to do), then a summary. Exit 1 when a rule blocks, 2 when the
    /// input or policy cannot be read.
    Check(CheckArgs),
    /// Print the default policy as JSON, to start a policy of your own from.
    Default,
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// The channel the post goes to (its length is checked as that platform counts).
    #[arg(long, value_enum)]
    pub channel: Option<ChannelArg>,
    /// A policy file (JSON, as `omdomme policy default` prints) instead of the default.
    #[arg(long, conflicts_with = "workspace")]
    pub policy: Option<PathBuf>,
    /// Use this workspace's stored policy (the default policy if it has none yet).
    #[arg(long, short)]
    pub workspace: Option<String>,
    /// A statement of the story's proof points that has a source; repeat for more.
    #[arg(long = "proof", value_name = "STATEMENT")]
    pub proof: Vec<String>,
    /// The language of the messages.
    #[arg(long, value_enum, default_value_t = LangArg::Nb)]
    pub lang: LangArg,
    /// One JSON object per finding (`line`, `column`, `start`, `end` in bytes, `rule`,
    /// `severity`, `words`, `message`; `line` and `column` null for the whole post) and no
    /// summary: for editors and scripts.
    #[arg(long)]
    pub json: bool,
}

/// The platforms a post can be published to.
#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum ChannelArg {
    Mastodon,
    Bluesky,
    X,
    Facebook,
}

impl From<ChannelArg> for SourceKind {
    fn from(channel: ChannelArg) -> SourceKind {
        match channel {
            ChannelArg::Mastodon => SourceKind::Mastodon,
            ChannelArg::Bluesky => SourceKind::Bluesky,
            ChannelArg::X => SourceKind::X,
            ChannelArg::Facebook => SourceKind::Facebook,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum LangArg {
    /// Norwegian bokmål.
    Nb,
    En,
}

/// Exit status when a blocking rule fires.
const BLOCKED: i32 = 1;
/// Exit status when the post or the policy cannot be read (as clap's for bad flags).
const CANNOT_CHECK: i32 = 2;

/// The longest post read: far beyond any platform's limit, short of filling memory.
const MAX_POST_BYTES: u64 = 1 << 20;

pub async fn run(context: &Context, command: PolicyCommand) -> anyhow::Result<()> {
    match command {
        PolicyCommand::Default => {
            let mut out = std::io::stdout().lock();
            writeln!(out, "{}", Policy::default().to_json())?;
            out.flush()?;
            Ok(())
        }
        PolicyCommand::Check(args) => match check(context, args).await {
            Ok(false) => Ok(()),
            // Not an error to report: the findings and the summary above say why.
            Ok(true) => std::process::exit(BLOCKED),
            Err(error) => {
                eprintln!("error: {error:#}");
                std::process::exit(CANNOT_CHECK)
            }
        },
    }
}

/// Checks the post on standard input and prints the findings; whether any blocks.
async fn check(context: &Context, args: CheckArgs) -> anyhow::Result<bool> {
    let policy = load_policy(context, &args).await?;
    let text = read_post(std::io::stdin().lock())?;
    let draft = Draft {
        text: &text,
        channel: args.channel.map(SourceKind::from),
        sourced_proof: args.proof.iter().map(String::as_str).collect(),
    };
    let findings = omdomme_policy::check(&policy, &draft);
    let mut out = std::io::stdout().lock();
    for finding in &findings {
        if args.json {
            serde_json::to_writer(&mut out, &JsonFinding::new(&text, finding, args.lang))?;
            writeln!(out)?;
        } else {
            writeln!(out, "{}", finding_line(&text, finding, args.lang))?;
        }
    }
    if !args.json {
        writeln!(out, "{}", summary(&findings, args.lang))?;
    }
    out.flush()?;
    Ok(omdomme_policy::blocks(&findings))
}

async fn load_policy(context: &Context, args: &CheckArgs) -> anyhow::Result<Policy> {
    if let Some(path) = &args.policy {
        let json = std::fs::read_to_string(path)
            .with_context(|| format!("reading the policy file {}", path.display()))?;
        return Policy::from_json(&json)
            .with_context(|| format!("the policy file {} cannot be used", path.display()));
    }
    let Some(wanted) = &args.workspace else {
        return Ok(Policy::default());
    };
    let store = context.open_store().await?;
    let workspace = resolve_workspace(store.as_ref(), Some(wanted)).await?;
    let WorkspaceId(id) = &workspace.id;
    match store
        .policy(&workspace.id)
        .await
        .with_context(|| format!("reading the policy of workspace {id}"))?
    {
        Some(stored) => Policy::from_json(&stored.json)
            .with_context(|| format!("the stored policy of workspace {id} cannot be used")),
        None => Ok(Policy::default()),
    }
}

/// The post: standard input as UTF-8, without a byte order mark or the one line end an
/// editor adds after the last line (neither is part of what gets published).
fn read_post(input: impl std::io::Read) -> anyhow::Result<String> {
    let mut bytes = Vec::new();
    input
        .take(MAX_POST_BYTES + 1)
        .read_to_end(&mut bytes)
        .context("reading the post from standard input")?;
    if bytes.len() as u64 > MAX_POST_BYTES {
        bail!(
            "the post on standard input is longer than {} MiB; no platform takes a post that long",
            MAX_POST_BYTES >> 20
        );
    }
    let text = match String::from_utf8(bytes) {
        Ok(text) => text,
        Err(e) => bail!(
            "the post on standard input is not valid UTF-8 (byte {} is not): save it as UTF-8",
            e.utf8_error().valid_up_to() + 1
        ),
    };
    let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
    let text = text
        .strip_suffix("\r\n")
        .or_else(|| text.strip_suffix('\n'))
        .unwrap_or(text);
    Ok(text.to_owned())
}

/// A finding as `--json` prints it.
#[derive(Serialize)]
struct JsonFinding<'a> {
    line: Option<usize>,
    column: Option<usize>,
    start: usize,
    end: usize,
    rule: &'a str,
    severity: &'static str,
    words: &'a str,
    message: &'a str,
}

impl<'a> JsonFinding<'a> {
    fn new(text: &str, finding: &'a Finding, lang: LangArg) -> JsonFinding<'a> {
        let place = (!finding.is_whole_post()).then(|| line_and_column(text, finding.span.start));
        JsonFinding {
            line: place.map(|(line, _)| line),
            column: place.map(|(_, column)| column),
            start: finding.span.start,
            end: finding.span.end,
            rule: &finding.rule,
            severity: finding.severity.as_str(),
            words: &finding.words,
            message: message(finding, lang),
        }
    }
}

fn message(finding: &Finding, lang: LangArg) -> &str {
    match lang {
        LangArg::Nb => &finding.message_nb,
        LangArg::En => &finding.message_en,
    }
}

/// `2:14: block [personal-data.national-id] "150385 12363": Dette ser ut som …`, or for the
/// whole post `post: warn [tone.negative]: Innlegget leses som negativt …`.
fn finding_line(text: &str, finding: &Finding, lang: LangArg) -> String {
    let message = message(finding, lang);
    let severity = finding.severity.as_str();
    if finding.is_whole_post() {
        return format!("post: {severity} [{}]: {message}", finding.rule);
    }
    let (line, column) = line_and_column(text, finding.span.start);
    format!(
        "{line}:{column}: {severity} [{}] {:?}: {message}",
        finding.rule, finding.words
    )
}

/// 1-based line and column (in characters) of a byte offset.
fn line_and_column(text: &str, offset: usize) -> (usize, usize) {
    let before = text.get(..offset).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = before.get(line_start..).unwrap_or_default().chars().count() + 1;
    (line, column)
}

fn summary(findings: &[Finding], lang: LangArg) -> String {
    let blocking = findings
        .iter()
        .filter(|f| f.severity == Severity::Block)
        .count();
    let warnings = findings.len() - blocking;
    match (lang, findings.len()) {
        (LangArg::Nb, 0) => "Ingen funn.".to_owned(),
        (LangArg::En, 0) => "No findings.".to_owned(),
        (LangArg::Nb, total) => format!(
            "{total} funn: {blocking} blokkerer, {warnings} advarer.{}",
            if blocking > 0 {
                " Innlegget kan ikke publiseres før de blokkerende funnene er rettet."
            } else {
                ""
            }
        ),
        (LangArg::En, total) => format!(
            "{total} finding{}: {blocking} blocking, {warnings} warning{}.{}",
            if total == 1 { "" } else { "s" },
            if warnings == 1 { "" } else { "s" },
            if blocking > 0 {
                " The post cannot be published until the blocking ones are fixed."
            } else {
                ""
            }
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_count_characters_on_their_line() {
        let text = "Første linje\nØl og «15038512363»";
        let offset = text.find("150").unwrap();
        assert_eq!(line_and_column(text, offset), (2, 8));
        assert_eq!(line_and_column(text, 0), (1, 1));
    }

    #[test]
    fn the_post_loses_its_byte_order_mark_and_final_line_end_only() {
        let read = |bytes: &[u8]| read_post(bytes).unwrap();
        assert_eq!(read(b"\xef\xbb\xbfHei\n"), "Hei");
        assert_eq!(read(b"Hei\r\n"), "Hei");
        assert_eq!(read(b"Hei\n\n"), "Hei\n");
        let error = read_post(&b"Hei \xff"[..]).unwrap_err().to_string();
        assert!(error.contains("not valid UTF-8 (byte 5"), "{error}");
    }
}
