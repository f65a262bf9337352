//! `omdomme enrich`: the language models as a filter, JSON lines or plain text in, one JSON
//! line with every enrichment field out per input line.

use std::io::{BufRead, BufWriter, Read, Write};

use anyhow::{Context as _, bail};
use clap::Args;
use omdomme_core::{Item, SourceKind, Workspace, WorkspaceId};
use omdomme_nlp::{Enricher, NlpEnricher, text_item};
use serde::Serialize;

use crate::cli::Context;

#[derive(Debug, Args)]
pub struct EnrichArgs {
    /// Match this configured workspace's brands too (adds `brands` and `brand_sentiment`,
    /// and lets inquiries be addressed to them).
    #[arg(long, short)]
    pub workspace: Option<String>,
}

/// Lines enriched at a time.
const BATCH: usize = 1024;
/// Longest input line; a longer one is reported and skipped, not buffered.
const MAX_LINE_BYTES: u64 = 16 * 1024 * 1024;

#[derive(Serialize)]
struct Output<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<&'a serde_json::Value>,
    lang: &'static str,
    sentiment: &'static str,
    sentiment_score: f32,
    topics: Vec<&'static str>,
    stakeholder: Option<&'static str>,
    inquiry: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    brands: Option<Vec<BrandOut<'a>>>,
}

#[derive(Serialize)]
struct BrandOut<'a> {
    brand: &'a str,
    sentiment: &'static str,
    sentiment_score: f32,
}

#[derive(Serialize)]
struct ErrorOut<'a> {
    line: usize,
    error: &'a str,
}

/// One input line: its id (when JSON gave one) and the item to enrich, or why not.
enum Parsed {
    Item(Option<serde_json::Value>, Box<Item>),
    Error(String),
}

fn parse_line(bytes: &[u8]) -> Parsed {
    let Ok(line) = std::str::from_utf8(bytes) else {
        return Parsed::Error("not valid UTF-8".into());
    };
    let line = line.trim_end_matches(['\n', '\r']);
    // Files saved by some editors start with a byte order mark: it is not part of the line,
    // and left in place it would hide a JSON line's `{` and enrich the JSON as text.
    let line = line.strip_prefix('\u{feff}').unwrap_or(line);
    if line.trim_start().starts_with('{') {
        let value: serde_json::Value = match serde_json::from_str(line) {
            Ok(v) => v,
            Err(e) => return Parsed::Error(format!("not valid JSON: {e}")),
        };
        let Some(text) = value.get("text").and_then(|t| t.as_str()) else {
            return Parsed::Error("a JSON line needs a string field \"text\"".into());
        };
        let source = value
            .get("source")
            .and_then(|s| s.as_str())
            .and_then(SourceKind::parse)
            .unwrap_or(SourceKind::File);
        let mut item = text_item(text, source);
        item.title = value
            .get("title")
            .and_then(|t| t.as_str())
            .map(str::to_owned);
        item.declared_lang = value
            .get("lang")
            .and_then(|t| t.as_str())
            .map(str::to_owned);
        return Parsed::Item(value.get("id").cloned(), Box::new(item));
    }
    Parsed::Item(None, Box::new(text_item(line, SourceKind::File)))
}

pub fn run(context: &Context, args: EnrichArgs) -> anyhow::Result<()> {
    let workspace = match &args.workspace {
        Some(id) => context
            .config
            .workspaces()
            .into_iter()
            .find(|w| w.id.0 == *id)
            .with_context(|| format!("no workspace {id:?} in the config file"))?,
        None => Workspace {
            id: WorkspaceId("enrich".into()),
            name: "enrich".into(),
            synthetic: false,
            brands: Vec::new(),
        },
    };
    let with_brands = !workspace.brands.is_empty();
    let enricher = NlpEnricher::new(&workspace).context("loading the language models")?;
    let stdin = std::io::stdin();
    let mut input = stdin.lock();
    let stdout = std::io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    let mut errors = 0usize;
    let mut line_no = 0usize;
    let mut buf = Vec::new();
    loop {
        let mut batch: Vec<(usize, Parsed)> = Vec::with_capacity(BATCH);
        while batch.len() < BATCH {
            buf.clear();
            let n = (&mut input)
                .take(MAX_LINE_BYTES + 1)
                .read_until(b'\n', &mut buf)
                .context("reading standard input")?;
            if n == 0 {
                break;
            }
            line_no += 1;
            let content = buf.len() - usize::from(buf.ends_with(b"\n"));
            if content as u64 > MAX_LINE_BYTES {
                // Skip the rest of the over-long line.
                while !buf.ends_with(b"\n") {
                    buf.clear();
                    let m = (&mut input)
                        .take(MAX_LINE_BYTES)
                        .read_until(b'\n', &mut buf)
                        .context("reading standard input")?;
                    if m == 0 {
                        break;
                    }
                }
                batch.push((
                    line_no,
                    Parsed::Error(format!("longer than {} MiB", MAX_LINE_BYTES >> 20)),
                ));
                continue;
            }
            if buf.iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            batch.push((line_no, parse_line(&buf)));
        }
        if batch.is_empty() {
            break;
        }
        let mut items: Vec<Item> = batch
            .iter()
            .filter_map(|(_, p)| match p {
                Parsed::Item(_, item) => Some((**item).clone()),
                Parsed::Error(_) => None,
            })
            .collect();
        enricher.enrich(&mut items);
        let mut items = items.iter();
        for (line, parsed) in &batch {
            match parsed {
                Parsed::Error(message) => {
                    errors += 1;
                    eprintln!("line {line}: {message}");
                    serde_json::to_writer(
                        &mut out,
                        &ErrorOut {
                            line: *line,
                            error: message,
                        },
                    )?;
                }
                Parsed::Item(id, _) => {
                    let Some(item) = items.next() else { break };
                    let e = &item.enrichment;
                    let brands = with_brands.then(|| {
                        e.brands
                            .iter()
                            .map(|b| {
                                let s = e.sentiment_towards(b);
                                BrandOut {
                                    brand: &b.0,
                                    sentiment: s.label.as_str(),
                                    sentiment_score: s.score,
                                }
                            })
                            .collect()
                    });
                    serde_json::to_writer(
                        &mut out,
                        &Output {
                            id: id.as_ref(),
                            lang: e.lang.as_str(),
                            sentiment: e.sentiment.label.as_str(),
                            sentiment_score: e.sentiment.score,
                            topics: e.topics.iter().map(|t| t.as_str()).collect(),
                            stakeholder: e.stakeholder.map(|s| s.as_str()),
                            inquiry: e.inquiry,
                            brands,
                        },
                    )?;
                }
            }
            out.write_all(b"\n")?;
        }
    }
    out.flush()?;
    if errors > 0 {
        bail!("{errors} input line(s) could not be enriched (see the error lines above)");
    }
    Ok(())
}
