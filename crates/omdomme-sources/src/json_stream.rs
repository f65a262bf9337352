//! Splitting a stream of JSON into records without reading it whole.
//!
//! Platform exports come in every shape: one API response per line (JSONL), pretty-printed
//! responses one after another, or one big array (a Mastodon timeline). A small byte-level
//! scanner finds where each document ends (tracking nesting and strings, not parsing), so
//! each record is handed to serde on its own and memory is bounded by the largest record
//! ([`MAX_RECORD_BYTES`]), not the file:
//!
//! - a top-level object is one record;
//! - a top-level array is opened and each element is a record (streamed, never the whole
//!   array in memory);
//! - anything else at the top level (a scalar, garbage) is read to the end of its line and
//!   reported as one bad record.
//!
//! Recovery after a malformed document is line-oriented: JSON strings cannot contain a raw
//! line break, so a line break inside a string ends the broken record there; and a line
//! that starts (column 0) with `{` or `[` inside an unfinished document starts a new
//! document, so a truncated line in a JSONL file costs one record, not the rest of the
//! file. The price: multi-line documents must indent their nested values, as every pretty
//! printer does (Python's `indent=0` output would be cut at its first nested line).

use std::collections::VecDeque;
use std::io::{self, BufRead};

use omdomme_core::Item;
use serde_json::Value;

use crate::common::{ParseError, json_type};
use crate::{ImportContext, ItemStream, MAX_RECORD_BYTES, RecordError};

/// One record found by the scanner.
pub struct Chunk {
    pub record: u64,
    /// Line where the record starts, or where the problem was found.
    pub line: u64,
    pub body: Result<Vec<u8>, String>,
}

pub struct JsonChunks {
    reader: Box<dyn BufRead + Send>,
    line: u64,
    record: u64,
    in_array: bool,
    done: bool,
}

impl JsonChunks {
    pub fn new(reader: Box<dyn BufRead + Send>) -> Self {
        JsonChunks {
            reader,
            line: 1,
            record: 0,
            in_array: false,
            done: false,
        }
    }

    fn peek(&mut self) -> io::Result<Option<u8>> {
        loop {
            match self.reader.fill_buf() {
                Ok(buf) => return Ok(buf.first().copied()),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            }
        }
    }

    fn bump(&mut self) {
        self.reader.consume(1);
    }

    fn chunk(&mut self, line: u64, body: Result<Vec<u8>, String>) -> Chunk {
        Chunk {
            record: self.record,
            line,
            body,
        }
    }

    /// An object or array value starting at the current byte.
    ///
    /// Scans the reader's buffer a slice at a time and copies what it passed over in one
    /// go: a per-byte peek and consume through the boxed reader cost more than the parse.
    fn read_value(&mut self) -> io::Result<Chunk> {
        enum End {
            /// The closing bracket was consumed.
            Complete,
            /// A raw line break inside a string, on this line, was consumed.
            BrokenString(u64),
            /// A `{` or `[` in column 0 starts the next document; it is not consumed.
            NextDocument,
        }
        self.record += 1;
        let start_line = self.line;
        let mut body: Vec<u8> = Vec::new();
        let mut depth: u32 = 0;
        let mut in_str = false;
        let mut esc = false;
        let mut overflow = false;
        let mut at_line_start = false;
        loop {
            let available = match self.reader.fill_buf() {
                Ok(available) => available,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            };
            if available.is_empty() {
                self.done = true;
                let msg = format!(
                    "unexpected end of input inside a JSON document that starts on line {start_line}"
                );
                return Ok(self.chunk(start_line, Err(msg)));
            }
            let mut end = None;
            let mut used = 0;
            while used < available.len() {
                let b = available[used];
                if at_line_start && !in_str && depth > 0 && (b == b'{' || b == b'[') {
                    // Pretty printers indent nested values, and in JSONL every line is a
                    // document: a `{` or `[` in column 0 starts a new document, so the one
                    // in progress is truncated.
                    end = Some(End::NextDocument);
                    break;
                }
                used += 1;
                at_line_start = false;
                if in_str {
                    if esc {
                        esc = false;
                    } else if b == b'\\' {
                        esc = true;
                    } else if b == b'"' {
                        in_str = false;
                    } else if b == b'\n' {
                        end = Some(End::BrokenString(self.line));
                        self.line += 1;
                        break;
                    }
                    continue;
                }
                match b {
                    b'"' => in_str = true,
                    b'{' | b'[' => depth += 1,
                    b'}' | b']' => {
                        depth = depth.saturating_sub(1);
                        if depth == 0 {
                            end = Some(End::Complete);
                            break;
                        }
                    }
                    b'\n' => {
                        self.line += 1;
                        at_line_start = true;
                    }
                    _ => {}
                }
            }
            if !overflow {
                if body.len() + used > MAX_RECORD_BYTES {
                    overflow = true;
                    body = Vec::new();
                } else {
                    body.extend_from_slice(&available[..used]);
                }
            }
            self.reader.consume(used);
            match end {
                None => continue,
                Some(End::Complete) => {
                    let body = if overflow { Err(too_large()) } else { Ok(body) };
                    return Ok(self.chunk(start_line, body));
                }
                Some(End::BrokenString(line)) => {
                    let msg =
                        "malformed JSON: unterminated string (a line break inside a JSON string)"
                            .to_string();
                    return Ok(self.chunk(line, Err(msg)));
                }
                Some(End::NextDocument) => {
                    self.in_array = false;
                    let msg = format!(
                        "incomplete JSON document (a new document starts on line {})",
                        self.line
                    );
                    return Ok(self.chunk(start_line, Err(msg)));
                }
            }
        }
    }

    /// A scalar element of a top-level array: up to the next `,` or `]` (or line end).
    fn read_scalar(&mut self) -> io::Result<Chunk> {
        self.record += 1;
        let line = self.line;
        let mut buf = Vec::new();
        let mut in_str = false;
        let mut esc = false;
        let mut overflow = false;
        while let Some(b) = self.peek()? {
            if !in_str && (b == b',' || b == b']' || b == b'\n') {
                break;
            }
            self.bump();
            if in_str {
                if esc {
                    esc = false;
                } else if b == b'\\' {
                    esc = true;
                } else if b == b'"' {
                    in_str = false;
                }
            } else if b == b'"' {
                in_str = true;
            }
            if buf.len() < MAX_RECORD_BYTES {
                buf.push(b);
            } else {
                overflow = true;
            }
        }
        let body = if overflow { Err(too_large()) } else { Ok(buf) };
        Ok(self.chunk(line, body))
    }

    /// Something that cannot start a JSON document: the rest of the line is one bad record.
    fn read_junk(&mut self) -> io::Result<Chunk> {
        self.record += 1;
        let line = self.line;
        let mut buf = Vec::new();
        let kept = crate::lines::read_line_capped(&mut self.reader, &mut buf, MAX_RECORD_BYTES)?;
        self.line += 1;
        let body = match kept {
            crate::lines::Line::TooLong => Err(too_large()),
            _ => Ok(buf),
        };
        Ok(self.chunk(line, body))
    }

    fn next_chunk(&mut self) -> io::Result<Option<Chunk>> {
        loop {
            let Some(b) = self.peek()? else {
                self.done = true;
                if self.in_array {
                    self.in_array = false;
                    self.record += 1;
                    let line = self.line;
                    return Ok(Some(self.chunk(
                        line,
                        Err("unexpected end of input inside a JSON array".into()),
                    )));
                }
                return Ok(None);
            };
            match b {
                b'\n' => {
                    self.bump();
                    self.line += 1;
                }
                b' ' | b'\t' | b'\r' => self.bump(),
                b',' if self.in_array => self.bump(),
                b']' if self.in_array => {
                    self.bump();
                    self.in_array = false;
                }
                b'[' if !self.in_array => {
                    self.bump();
                    self.in_array = true;
                }
                b'{' | b'[' => return self.read_value().map(Some),
                _ if self.in_array => return self.read_scalar().map(Some),
                _ => return self.read_junk().map(Some),
            }
        }
    }
}

fn too_large() -> String {
    format!(
        "record larger than the {} MiB limit",
        MAX_RECORD_BYTES / (1024 * 1024)
    )
}

impl Iterator for JsonChunks {
    type Item = Chunk;

    fn next(&mut self) -> Option<Chunk> {
        if self.done {
            return None;
        }
        match self.next_chunk() {
            Ok(c) => c,
            Err(e) => {
                self.done = true;
                self.record += 1;
                let line = self.line;
                Some(self.chunk(line, Err(format!("read error: {e}"))))
            }
        }
    }
}

/// Parses one JSON value (an object) into items; a platform module's entry point.
pub type ParseValue = fn(Value, &ImportContext) -> Vec<Result<Item, ParseError>>;

/// Turns a parse error of one record into the record's error, making its line absolute.
pub fn record_error(record: u64, line: u64, e: ParseError) -> RecordError {
    RecordError {
        record,
        line: Some(line + e.line_offset.map_or(0, |o| o.saturating_sub(1))),
        message: e.message,
    }
}

/// Parses a chunk's bytes as a JSON object.
pub fn parse_object(bytes: &[u8]) -> Result<Value, ParseError> {
    let value: Value = serde_json::from_slice(bytes).map_err(|e| {
        let mut pe = ParseError::from(e);
        pe.message = format!("malformed JSON: {}", pe.message);
        pe
    })?;
    if !value.is_object() {
        return Err(ParseError::new(format!(
            "expected a JSON object, found {}",
            json_type(&value)
        )));
    }
    Ok(value)
}

/// Records of a JSON stream, each parsed with `parse`.
pub fn items(
    mut reader: Box<dyn BufRead + Send>,
    ctx: ImportContext,
    parse: ParseValue,
) -> ItemStream {
    if let Some(err) = file_level_check(&mut reader) {
        return Box::new(std::iter::once(Err(err)));
    }
    let mut chunks = JsonChunks::new(reader);
    let mut queue: VecDeque<Result<Item, RecordError>> = VecDeque::new();
    Box::new(std::iter::from_fn(move || {
        loop {
            if let Some(r) = queue.pop_front() {
                return Some(r);
            }
            let chunk = chunks.next()?;
            let (record, line) = (chunk.record, chunk.line);
            let bytes = match chunk.body {
                Ok(b) => b,
                Err(message) => {
                    return Some(Err(RecordError {
                        record,
                        line: Some(line),
                        message,
                    }));
                }
            };
            match parse_object(&bytes) {
                Ok(value) => {
                    drop(bytes);
                    queue.extend(
                        parse(value, &ctx)
                            .into_iter()
                            .map(|r| r.map_err(|e| record_error(record, line, e))),
                    );
                }
                Err(e) => return Some(Err(record_error(record, line, e))),
            }
        }
    }))
}

/// Problems with the input as a whole, reported once as record 0.
pub fn file_level_check(reader: &mut Box<dyn BufRead + Send>) -> Option<RecordError> {
    let message = match crate::lines::sniff(reader.as_mut()) {
        Ok(None) => return None,
        Ok(Some(msg)) => msg,
        Err(e) => format!("read error: {e}"),
    };
    Some(RecordError {
        record: 0,
        line: None,
        message,
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn chunks(input: &'static str) -> Vec<(u64, u64, Result<String, String>)> {
        JsonChunks::new(Box::new(input.as_bytes()))
            .map(|c| {
                (
                    c.record,
                    c.line,
                    c.body.map(|b| String::from_utf8(b).unwrap()),
                )
            })
            .collect()
    }

    #[test]
    fn jsonl_pretty_and_arrays() {
        let got = chunks(
            "{\"a\":1}\n{\"b\":\"}\"}\n\n{\n  \"c\": [1,\n 2]\n}\n[{\"d\":1},\n {\"e\":2}]\n",
        );
        let bodies: Vec<_> = got
            .iter()
            .map(|(r, l, b)| (*r, *l, b.clone().unwrap()))
            .collect();
        assert_eq!(
            bodies,
            vec![
                (1, 1, "{\"a\":1}".into()),
                (2, 2, "{\"b\":\"}\"}".into()),
                (3, 4, "{\n  \"c\": [1,\n 2]\n}".into()),
                (4, 8, "{\"d\":1}".into()),
                (5, 9, "{\"e\":2}".into()),
            ]
        );
    }

    #[test]
    fn recovers_from_truncated_lines() {
        let got = chunks("{\"a\":\"tru\n{\"b\":1\n{\"c\":2}\ngarbage here\n42\n[1, \"x\"]\n");
        assert!(got[0].2.is_err() && got[0].1 == 1);
        assert!(got[1].2.is_err() && got[1].1 == 2, "{got:?}");
        assert_eq!(got[2].2.as_deref(), Ok("{\"c\":2}"));
        assert_eq!(got[3].2.as_deref(), Ok("garbage here"));
        assert_eq!(got[4].2.as_deref(), Ok("42"));
        assert_eq!(got[5].2.as_deref(), Ok("1"));
        assert_eq!(got[6].2.as_deref(), Ok("\"x\""));
        assert_eq!(got.len(), 7);
    }

    #[test]
    fn unterminated_document_at_eof() {
        let got = chunks("{\"a\": {\n");
        assert_eq!(got.len(), 1);
        assert!(got[0].2.as_ref().is_err_and(|e| e.contains("end of input")));
    }
}
