//! What every importer shares: the per-item error, validation of a finished item, and
//! timestamp parsing that copes with what platforms and feeds actually send.

use jiff::Timestamp;
use omdomme_core::{Author, Engagement, Enrichment, Item, ItemKind, SourceKey, SourceKind};

use crate::{ImportContext, MAX_EXTERNAL_ID_BYTES};

/// Why one record (or one item inside a record) could not become an item.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct ParseError {
    pub message: String,
    /// 1-based line relative to the record's first line, when the parser knows it.
    pub line_offset: Option<u64>,
}

impl ParseError {
    pub fn new(message: impl Into<String>) -> Self {
        ParseError {
            message: message.into(),
            line_offset: None,
        }
    }

    pub fn missing(field: &str) -> Self {
        ParseError::new(format!("missing field `{field}`"))
    }

    /// Prefixes the message with what the error is about (`tweet 123: ...`).
    pub fn context(mut self, what: impl std::fmt::Display) -> Self {
        self.message = format!("{what}: {}", self.message);
        self
    }
}

impl From<serde_json::Error> for ParseError {
    fn from(e: serde_json::Error) -> Self {
        // serde_json appends "at line L column C" relative to the document; keep the line
        // separately so the caller can make it absolute.
        let line = e.line();
        let mut message = e.to_string();
        if let Some(pos) = message.rfind(" at line ") {
            message.truncate(pos);
        }
        ParseError {
            message,
            line_offset: (line > 0).then_some(line as u64),
        }
    }
}

/// A value quoted in an error message, cut to about 80 characters so a 10 MB field does not
/// end up in a log line.
pub fn snippet(value: &str) -> String {
    const MAX: usize = 80;
    if value.chars().count() <= MAX {
        format!("{value:?}")
    } else {
        let cut: String = value.chars().take(MAX).collect();
        format!("{cut:?}…")
    }
}

/// The parts of an item a parser decides; [`Draft::finish`] validates and completes it.
#[derive(Clone, Debug)]
pub struct Draft {
    pub kind: SourceKind,
    pub external_id: String,
    pub item_kind: ItemKind,
    pub author: Author,
    pub title: Option<String>,
    pub text: String,
    pub url: Option<String>,
    pub thread_id: Option<String>,
    pub parent_id: Option<String>,
    pub engagement: Engagement,
    pub published_at: Timestamp,
    pub declared_lang: Option<String>,
}

impl Draft {
    pub fn new(kind: SourceKind, external_id: impl Into<String>, published_at: Timestamp) -> Self {
        Draft {
            kind,
            external_id: external_id.into(),
            item_kind: ItemKind::Post,
            author: Author::default(),
            title: None,
            text: String::new(),
            url: None,
            thread_id: None,
            parent_id: None,
            engagement: Engagement::default(),
            published_at,
            declared_lang: None,
        }
    }

    pub fn finish(self, ctx: &ImportContext) -> Result<Item, ParseError> {
        let item = Item {
            source: SourceKey::new(self.kind, ctx.source_name.clone()),
            external_id: self.external_id,
            kind: self.item_kind,
            author: self.author,
            title: self.title.filter(|t| !t.trim().is_empty()),
            text: self.text,
            url: self.url.filter(|u| !u.trim().is_empty()),
            thread_id: self.thread_id.filter(|s| !s.is_empty()),
            parent_id: self.parent_id.filter(|s| !s.is_empty()),
            engagement: self.engagement,
            published_at: self.published_at,
            collected_at: ctx.collected_at,
            declared_lang: self.declared_lang.filter(|s| !s.trim().is_empty()),
            enrichment: Enrichment::default(),
            synthetic: false,
        };
        validate(item)
    }
}

/// The checks every imported item passes, whatever its format.
pub fn validate(item: Item) -> Result<Item, ParseError> {
    if item.external_id.trim().is_empty() {
        return Err(ParseError::new("empty id"));
    }
    if item.external_id.len() > MAX_EXTERNAL_ID_BYTES {
        return Err(ParseError::new(format!(
            "id is {} bytes, longer than the {MAX_EXTERNAL_ID_BYTES}-byte limit: {}",
            item.external_id.len(),
            snippet(&item.external_id)
        )));
    }
    let has_title = item.title.as_deref().is_some_and(|t| !t.trim().is_empty());
    if item.text.trim().is_empty() && !has_title {
        return Err(ParseError::new(format!(
            "empty text (id {})",
            snippet(&item.external_id)
        )));
    }
    Ok(item)
}

/// Parses a timestamp as platforms and feeds write them: RFC 3339 (`2024-01-15T12:05:00Z`),
/// Facebook's `+0000` offsets, RFC 2822 (`Tue, 18 Oct 2022 07:38:44 +0000`) and the sloppy
/// variants of RFC 2822 feeds use (no or wrong weekday, `CET`/`CEST`/`UTC` zones, Norwegian
/// day and month names, `+01:00` offsets, no zone at all, which is taken as UTC). The error
/// names the (shortened) value.
pub fn parse_timestamp(value: &str) -> Result<Timestamp, ParseError> {
    let v = value.trim();
    if let Ok(ts) = v.parse::<Timestamp>() {
        return Ok(ts);
    }
    if let Some(ts) = parse_iso_loose(v) {
        return Ok(ts);
    }
    if let Ok(ts) = jiff::fmt::rfc2822::DateTimeParser::new().parse_timestamp(v) {
        return Ok(ts);
    }
    if let Some(ts) = parse_rfc2822_loose(v) {
        return Ok(ts);
    }
    Err(ParseError::new(format!(
        "unparsable timestamp {}",
        snippet(value)
    )))
}

/// ISO 8601 variants jiff's strict parser refuses: `+0000` offsets, a space instead of `T`,
/// no offset (taken as UTC).
fn parse_iso_loose(v: &str) -> Option<Timestamp> {
    let b = v.as_bytes();
    if b.len() < 16 || !b[..4].iter().all(u8::is_ascii_digit) || b[4] != b'-' {
        return None;
    }
    let mut s = v.replacen(' ', "T", 1);
    // `+0000` / `-0130` at the end: insert the colon RFC 3339 wants.
    let bytes = s.as_bytes();
    let n = bytes.len();
    if n > 5
        && (bytes[n - 5] == b'+' || bytes[n - 5] == b'-')
        && bytes[n - 4..].iter().all(u8::is_ascii_digit)
    {
        s.insert(n - 2, ':');
    }
    if let Ok(ts) = s.parse::<Timestamp>() {
        return Some(ts);
    }
    // No offset at all: a civil datetime, taken as UTC.
    let dt = s.parse::<jiff::civil::DateTime>().ok()?;
    jiff::tz::TimeZone::UTC.to_timestamp(dt).ok()
}

fn parse_rfc2822_loose(v: &str) -> Option<Timestamp> {
    // Drop a leading weekday (English, Norwegian, or simply wrong for the date).
    let rest = match v.split_once(',') {
        Some((day, rest)) if day.chars().all(char::is_alphabetic) => rest,
        _ => v,
    };
    let mut parts: Vec<String> = rest.split_whitespace().map(str::to_string).collect();
    if parts.len() < 4 {
        return None;
    }
    // `17. okt. 2022`: trailing dots on day and month.
    for p in parts.iter_mut().take(2) {
        while p.ends_with('.') {
            p.pop();
        }
    }
    parts[1] = english_month(&parts[1])?.to_string();
    let zone = if parts.len() >= 5 {
        let z = parts[4].to_ascii_uppercase();
        match z.as_str() {
            "CET" | "MET" | "MEZ" | "NT" => "+0100".to_string(),
            "CEST" | "MEST" | "MESZ" | "NST" => "+0200".to_string(),
            "UTC" | "Z" | "GMT" | "UT" => "+0000".to_string(),
            _ if (z.starts_with('+') || z.starts_with('-'))
                && z.len() == 6
                && z.as_bytes()[3] == b':' =>
            {
                z.replace(':', "")
            }
            _ => z,
        }
    } else {
        "+0000".to_string()
    };
    let candidate = format!(
        "{} {} {} {} {}",
        parts[0], parts[1], parts[2], parts[3], zone
    );
    jiff::fmt::rfc2822::DateTimeParser::new()
        .parse_timestamp(&candidate)
        .ok()
}

fn english_month(m: &str) -> Option<&'static str> {
    let lower = m.to_lowercase();
    let key: String = lower.chars().take(3).collect();
    Some(match key.as_str() {
        "jan" => "Jan",
        "feb" => "Feb",
        "mar" => "Mar",
        "apr" => "Apr",
        "may" | "mai" => "May",
        "jun" => "Jun",
        "jul" => "Jul",
        "aug" => "Aug",
        "sep" => "Sep",
        "oct" | "okt" => "Oct",
        "nov" => "Nov",
        "dec" | "des" => "Dec",
        _ => return None,
    })
}

/// An id or count that some APIs send as a string and others as a number.
#[derive(Clone, Debug, serde::Deserialize)]
#[serde(untagged)]
pub enum StringOrNumber {
    String(String),
    Number(serde_json::Number),
}

impl StringOrNumber {
    pub fn into_string(self) -> String {
        match self {
            StringOrNumber::String(s) => s,
            StringOrNumber::Number(n) => n.to_string(),
        }
    }
}

/// Names the JSON type of a value for "expected an object, found ..." errors.
pub fn json_type(v: &serde_json::Value) -> &'static str {
    match v {
        serde_json::Value::Null => "null",
        serde_json::Value::Bool(_) => "a boolean",
        serde_json::Value::Number(_) => "a number",
        serde_json::Value::String(_) => "a string",
        serde_json::Value::Array(_) => "an array",
        serde_json::Value::Object(_) => "an object",
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn ts(s: &str) -> String {
        parse_timestamp(s)
            .map(|t| t.to_string())
            .unwrap_or_else(|e| e.message)
    }

    #[test]
    fn timestamps_in_the_wild() {
        assert_eq!(ts("2024-01-15T12:05:00.000Z"), "2024-01-15T12:05:00Z");
        assert_eq!(ts("2019-05-17T16:24:04+0000"), "2019-05-17T16:24:04Z");
        assert_eq!(
            ts("Tue, 18 Oct 2022 07:38:44 +0000"),
            "2022-10-18T07:38:44Z"
        );
        assert_eq!(ts("Mon, 17 Oct 2022 05:59:44 GMT"), "2022-10-17T05:59:44Z");
        // Wrong weekday, Norwegian names, CEST, no seconds, no zone.
        assert_eq!(
            ts("Fri, 18 Oct 2022 07:38:44 +0000"),
            "2022-10-18T07:38:44Z"
        );
        assert_eq!(ts("tir, 18 okt 2022 09:38:44 CEST"), "2022-10-18T07:38:44Z");
        assert_eq!(ts("18 Des 2022 09:38 CET"), "2022-12-18T08:38:00Z");
        assert_eq!(ts("18 Oct 2022 07:38:44"), "2022-10-18T07:38:44Z");
        assert_eq!(
            ts("Tue, 18 Oct 2022 09:38:44 +02:00"),
            "2022-10-18T07:38:44Z"
        );
        assert_eq!(ts("2022-10-18 07:38:44"), "2022-10-18T07:38:44Z");
        assert_eq!(ts("2026-07-04T14:38:02+00:00"), "2026-07-04T14:38:02Z");
        let long = "x".repeat(1000);
        let msg = ts(&long);
        assert!(
            msg.starts_with("unparsable timestamp") && msg.len() < 120,
            "{msg}"
        );
    }

    #[test]
    fn snippets_are_short() {
        assert_eq!(snippet("abc"), "\"abc\"");
        assert!(snippet(&"ø".repeat(500)).chars().count() < 90);
    }
}
