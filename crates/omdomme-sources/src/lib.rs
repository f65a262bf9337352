//! Sources: turning each platform's payloads into items.
//!
//! [`read_items`] imports a file (or any byte stream) of one [`Format`] as a stream of
//! [`Item`]s. It never reads the whole input into memory: line- and record-oriented formats
//! are read record by record, JSON payloads document by document (the elements of a
//! top-level JSON array one by one), RSS/Atom feeds item by item.
//!
//! Each platform's payload parsing lives in its own module ([`x`], [`mastodon`], [`bluesky`],
//! [`facebook`], [`rss`], plus our own [`mod@file`] schema for `jsonl`/`csv`) with serde structs
//! mirroring the platform's documented JSON, so live API connectors can reuse them.
//!
//! # Errors and limits
//!
//! A bad record yields one `Err(RecordError)` naming the record (1-based) and, where known,
//! the line, and the import continues with the next record. Problems with the file as a whole
//! (a binary file, a CSV without the required header columns) yield a single error for
//! record 0 and end the stream. A record may be at most [`MAX_RECORD_BYTES`] (16 MiB): a
//! 10 MB text field is accepted, anything larger is rejected with an error rather than
//! buffered without bound. External ids are capped at [`MAX_EXTERNAL_ID_BYTES`].
//!
//! Duplicate ids are all yielded: deduplication is the store's job.

use std::fmt;
use std::io::BufRead;
use std::str::FromStr;

use omdomme_core::Item;

pub mod bluesky;
mod common;
mod csv_file;
pub mod facebook;
pub mod file;
pub mod html;
mod json_stream;
mod lines;
pub mod mastodon;
pub mod rss;
pub mod x;

pub use common::{ParseError, parse_timestamp};

/// The largest record (one JSON document or array element, one CSV record, one line, one
/// feed item) an import accepts.
pub const MAX_RECORD_BYTES: usize = 16 * 1024 * 1024;

/// The longest external id an item may have.
pub const MAX_EXTERNAL_ID_BYTES: usize = 512;

/// The file formats [`read_items`] understands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Format {
    /// Our own item schema, one JSON object per line (see [`mod@file`]).
    Jsonl,
    /// Our own item schema as CSV with a header row (see [`mod@file`]).
    Csv,
    /// X API v2 responses (see [`x`]).
    XV2,
    /// Mastodon statuses, timelines and streaming events (see [`mastodon`]).
    Mastodon,
    /// Bluesky Jetstream events and `getPostThread` responses (see [`bluesky`]).
    Bluesky,
    /// Facebook Graph API feed and comments pages (see [`facebook`]).
    Facebook,
    /// RSS 2.0 and Atom feeds (see [`rss`]).
    Rss,
}

impl Format {
    pub const ALL: [Format; 7] = [
        Format::Jsonl,
        Format::Csv,
        Format::XV2,
        Format::Mastodon,
        Format::Bluesky,
        Format::Facebook,
        Format::Rss,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Format::Jsonl => "jsonl",
            Format::Csv => "csv",
            Format::XV2 => "x-v2",
            Format::Mastodon => "mastodon",
            Format::Bluesky => "bluesky",
            Format::Facebook => "facebook",
            Format::Rss => "rss",
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A format name that is not one of [`Format::ALL`].
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown format {name:?}; valid formats are: jsonl, csv, x-v2, mastodon, bluesky, facebook, rss"
)]
pub struct UnknownFormat {
    pub name: String,
}

impl FromStr for Format {
    type Err = UnknownFormat;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Format::ALL
            .into_iter()
            .find(|f| f.as_str().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| UnknownFormat {
                name: s.to_string(),
            })
    }
}

/// What every imported item shares: the source name and when it was collected.
#[derive(Clone, Debug, PartialEq)]
pub struct ImportContext {
    /// `SourceKey.name` of every item (the CLI defaults it to the file name).
    pub source_name: String,
    pub collected_at: jiff::Timestamp,
}

/// One record that could not be imported. Record 0 is the file as a whole.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub struct RecordError {
    /// 1-based number of the record in the input (0: the whole file).
    pub record: u64,
    /// 1-based line where the record starts (or where the problem is), where known.
    pub line: Option<u64>,
    pub message: String,
}

impl fmt::Display for RecordError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(line) => write!(f, "record {} (line {line}): {}", self.record, self.message),
            None => write!(f, "record {}: {}", self.record, self.message),
        }
    }
}

/// The stream [`read_items`] returns.
pub type ItemStream = Box<dyn Iterator<Item = Result<Item, RecordError>> + Send>;

/// Imports `reader` as `format`, item by item, in constant memory (bounded per record).
pub fn read_items(
    format: Format,
    reader: Box<dyn BufRead + Send>,
    ctx: ImportContext,
) -> ItemStream {
    match format {
        Format::Jsonl => json_stream::items(reader, ctx, file::parse_json_value),
        Format::Csv => csv_file::items(reader, ctx),
        Format::XV2 => json_stream::items(reader, ctx, x::parse_value),
        Format::Mastodon => mastodon::items(reader, ctx),
        Format::Bluesky => json_stream::items(reader, ctx, bluesky::parse_value),
        Format::Facebook => json_stream::items(reader, ctx, facebook::parse_value),
        Format::Rss => rss::items(reader, ctx),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn format_names_round_trip() {
        for f in Format::ALL {
            assert_eq!(f.to_string().parse::<Format>(), Ok(f));
        }
        let err = "tiktok"
            .parse::<Format>()
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(
            err.contains("tiktok") && err.contains("x-v2") && err.contains("rss"),
            "{err}"
        );
    }

    #[test]
    fn record_error_display() {
        let e = RecordError {
            record: 12,
            line: Some(40),
            message: "missing field `text`".into(),
        };
        assert_eq!(e.to_string(), "record 12 (line 40): missing field `text`");
        let e = RecordError {
            record: 3,
            line: None,
            message: "x".into(),
        };
        assert_eq!(e.to_string(), "record 3: x");
    }
}
