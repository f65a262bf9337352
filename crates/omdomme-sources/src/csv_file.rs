//! `csv`: our item schema (see [`crate::file`]) as CSV.
//!
//! A header row is required; the columns are the field names of the JSON schema, in any
//! order, unknown columns ignored, empty cells meaning "not given". Quoted fields may contain
//! line breaks. A header without one of the required columns (`id`, `text`,
//! `published_at`) is a problem of the file: one error for record 0, then nothing. A row
//! with invalid UTF-8 or the wrong number of fields is that record's error, and the import
//! goes on.
//!
//! The `csv` crate reads a whole record into memory; a record over the 16 MiB limit almost
//! always means an unbalanced quote swallowing the rest of the file, so it ends the import
//! with an error rather than guessing where the next record starts.

use std::io::BufRead;

use csv::{ByteRecord, ReaderBuilder};
use omdomme_core::Item;

use crate::common::{ParseError, StringOrNumber, snippet};
use crate::file::{AuthorField, FileRecord};
use crate::{ImportContext, ItemStream, MAX_RECORD_BYTES, RecordError};

const REQUIRED: [&str; 3] = ["id", "text", "published_at"];

pub fn items(mut reader: Box<dyn BufRead + Send>, ctx: ImportContext) -> ItemStream {
    if let Some(err) = crate::json_stream::file_level_check(&mut reader) {
        return Box::new(std::iter::once(Err(err)));
    }
    let mut csv = ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(reader);
    let mut raw = ByteRecord::new();
    // The header row.
    let header: Vec<String> = match csv.read_byte_record(&mut raw) {
        Ok(true) => raw
            .iter()
            .map(|h| {
                String::from_utf8_lossy(h)
                    .trim()
                    .trim_start_matches('\u{feff}')
                    .to_ascii_lowercase()
            })
            .collect(),
        Ok(false) => return Box::new(std::iter::empty()),
        Err(e) => {
            return Box::new(std::iter::once(Err(file_error(format!(
                "unreadable header row: {e}"
            )))));
        }
    };
    let missing: Vec<&str> = REQUIRED
        .into_iter()
        .filter(|r| !header.iter().any(|h| h == r))
        .collect();
    if !missing.is_empty() {
        let msg = format!(
            "CSV header lacks required column{} {} (found: {})",
            if missing.len() > 1 { "s" } else { "" },
            missing
                .iter()
                .map(|m| format!("`{m}`"))
                .collect::<Vec<_>>()
                .join(", "),
            snippet(&header.join(","))
        );
        return Box::new(std::iter::once(Err(file_error(msg))));
    }
    let mut record_no: u64 = 0;
    let mut done = false;
    Box::new(std::iter::from_fn(move || {
        if done {
            return None;
        }
        let start = csv.position().byte();
        let line = csv.position().line();
        match csv.read_byte_record(&mut raw) {
            Ok(false) => {
                done = true;
                None
            }
            Ok(true) => {
                record_no += 1;
                let line = raw.position().map_or(line, |p| p.line());
                let size = csv.position().byte().saturating_sub(start);
                if size > MAX_RECORD_BYTES as u64 {
                    done = true;
                    return Some(Err(RecordError {
                        record: record_no,
                        line: Some(line),
                        message: format!(
                            "record larger than the {} MiB limit (an unbalanced quote?); import stopped",
                            MAX_RECORD_BYTES / (1024 * 1024)
                        ),
                    }));
                }
                Some(row_to_item(&header, &raw, &ctx).map_err(|e| RecordError {
                    record: record_no,
                    line: Some(line),
                    message: e.message,
                }))
            }
            Err(e) => {
                record_no += 1;
                let line = e.position().map_or(line, |p| p.line());
                if matches!(e.kind(), csv::ErrorKind::Io(_)) {
                    done = true;
                }
                Some(Err(RecordError {
                    record: record_no,
                    line: Some(line),
                    message: format!("malformed CSV: {e}"),
                }))
            }
        }
    }))
}

fn file_error(message: String) -> RecordError {
    RecordError {
        record: 0,
        line: Some(1),
        message,
    }
}

fn row_to_item(
    header: &[String],
    row: &ByteRecord,
    ctx: &ImportContext,
) -> Result<Item, ParseError> {
    if row.len() != header.len() {
        return Err(ParseError::new(format!(
            "malformed CSV: {} fields where the header has {}",
            row.len(),
            header.len()
        )));
    }
    let mut rec = FileRecord::default();
    for (name, raw) in header.iter().zip(row.iter()) {
        let value = std::str::from_utf8(raw)
            .map_err(|e| ParseError::new(format!("column `{name}`: invalid UTF-8 ({e})")))?;
        if value.is_empty() {
            continue;
        }
        let s = || Some(value.to_string());
        let id = || Some(StringOrNumber::String(value.to_string()));
        match name.as_str() {
            "id" => rec.id = id(),
            "text" => rec.text = s(),
            "published_at" => rec.published_at = s(),
            "source" => rec.source = s(),
            "source_kind" => rec.source_kind = s(),
            "kind" => rec.kind = s(),
            "author" => rec.author = Some(AuthorField::Handle(value.to_string())),
            "author_name" => rec.author_name = s(),
            "followers" => rec.followers = Some(number(name, value)?),
            "verified" => rec.verified = Some(boolean(name, value)?),
            "title" => rec.title = s(),
            "url" => rec.url = s(),
            "thread_id" => rec.thread_id = id(),
            "parent_id" => rec.parent_id = id(),
            "likes" => rec.likes = Some(number(name, value)?),
            "shares" => rec.shares = Some(number(name, value)?),
            "replies" => rec.replies = Some(number(name, value)?),
            "views" => rec.views = Some(number(name, value)?),
            "lang" => rec.lang = s(),
            "synthetic" => rec.synthetic = Some(boolean(name, value)?),
            _ => {}
        }
    }
    // A present-but-empty `text` cell is an empty text, not a missing column.
    if rec.text.is_none() {
        rec.text = Some(String::new());
    }
    rec.into_item(ctx)
}

fn number(name: &str, value: &str) -> Result<u64, ParseError> {
    value.trim().parse::<u64>().map_err(|_| {
        ParseError::new(format!(
            "column `{name}`: expected a non-negative integer, found {}",
            snippet(value)
        ))
    })
}

fn boolean(name: &str, value: &str) -> Result<bool, ParseError> {
    match value.trim().to_ascii_lowercase().as_str() {
        "true" | "1" | "yes" | "ja" => Ok(true),
        "false" | "0" | "no" | "nei" => Ok(false),
        _ => Err(ParseError::new(format!(
            "column `{name}`: expected true or false, found {}",
            snippet(value)
        ))),
    }
}
