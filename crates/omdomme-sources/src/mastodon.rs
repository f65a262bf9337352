//! Mastodon: Status entities (`GET /api/v1/statuses/:id`), timelines (a JSON array of
//! Status), JSONL of statuses, notifications, and the streaming API: server-sent events
//! (`event:`/`data:` lines, events separated by a blank line) and WebSocket frames
//! (`{"stream": [...], "event": "update", "payload": "<Status as a JSON string>"}`).
//!
//! Quirks:
//! - `content` is HTML (links, `<span class="invisible">` URL parts, `<br>`, `<p>`); it is
//!   converted to plain text (see [`crate::html`]). A content warning (`spoiler_text`) is
//!   kept in front of the text, separated by a blank line.
//! - Decided: a reblog (`reblog` non-null) is imported as the original status (its own id,
//!   author and counts): the reblog wrapper has no content of its own.
//! - `account.acct` is `user` for accounts of the serving instance and `user@domain` for
//!   remote ones; it is the handle as given. Mastodon has no verified accounts.
//! - `language` may be null. `in_reply_to_id` makes a reply; the thread root is not in the
//!   entity, so `thread_id` stays empty.
//! - Streaming: `update` and `status.update` (an edit: same id again, the store keeps the
//!   latest) carry a Status, `notification` of type `mention` carries the mentioning status
//!   in `status`; `delete`, `filters_changed`, `announcement*`, `conversation` (direct
//!   messages) and anything else are skipped silently, as are frames without a status.
//! - In WebSocket frames the payload is a JSON *string* that must be parsed again.

use std::io::BufRead;

use omdomme_core::{Author, Engagement, Item, ItemKind, SourceKind};
use serde::Deserialize;
use serde_json::Value;

use crate::common::{Draft, ParseError, parse_timestamp};
use crate::html::html_to_text;
use crate::json_stream::{file_level_check, parse_object, record_error};
use crate::lines::{Line, read_line_capped};
use crate::{ImportContext, ItemStream, MAX_RECORD_BYTES, RecordError};

#[derive(Clone, Debug, Deserialize)]
pub struct Status {
    pub id: String,
    pub created_at: String,
    #[serde(default)]
    pub in_reply_to_id: Option<String>,
    #[serde(default)]
    pub language: Option<String>,
    #[serde(default)]
    pub uri: Option<String>,
    #[serde(default)]
    pub url: Option<String>,
    #[serde(default)]
    pub replies_count: u64,
    #[serde(default)]
    pub reblogs_count: u64,
    #[serde(default)]
    pub favourites_count: u64,
    #[serde(default)]
    pub quotes_count: u64,
    pub content: String,
    #[serde(default)]
    pub spoiler_text: String,
    #[serde(default)]
    pub reblog: Option<Box<Status>>,
    pub account: Account,
}

#[derive(Clone, Debug, Deserialize)]
pub struct Account {
    pub acct: String,
    #[serde(default)]
    pub display_name: Option<String>,
    #[serde(default)]
    pub followers_count: Option<u64>,
}

/// A notification (`GET /api/v1/notifications`, streaming `notification`).
#[derive(Clone, Debug, Deserialize)]
pub struct Notification {
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default)]
    pub status: Option<Status>,
}

/// A WebSocket streaming frame.
#[derive(Clone, Debug, Deserialize)]
pub struct Frame {
    /// The subscription the event belongs to: `["hashtag", "nordlys"]`, `["public"]`.
    #[serde(default)]
    pub stream: Vec<String>,
    pub event: String,
    #[serde(default)]
    pub payload: Option<Value>,
}

/// A status as an item (a reblog becomes its original).
pub fn status_to_item(status: Status, ctx: &ImportContext) -> Result<Item, ParseError> {
    let status = match status.reblog {
        Some(original) => *original,
        None => status,
    };
    let published_at = parse_timestamp(&status.created_at)?;
    let mut text = html_to_text(&status.content);
    let cw = status.spoiler_text.trim();
    if !cw.is_empty() {
        text = if text.is_empty() {
            cw.to_string()
        } else {
            format!("{cw}\n\n{text}")
        };
    }
    let mut d = Draft::new(SourceKind::Mastodon, status.id, published_at);
    d.item_kind = if status.in_reply_to_id.is_some() {
        ItemKind::Reply
    } else {
        ItemKind::Post
    };
    d.parent_id = status.in_reply_to_id;
    d.author = Author {
        handle: status.account.acct.trim_start_matches('@').to_string(),
        name: status.account.display_name.filter(|n| !n.is_empty()),
        followers: status.account.followers_count,
        verified: false,
    };
    d.text = text;
    d.url = status.url.or(status.uri);
    d.engagement = Engagement {
        likes: status.favourites_count,
        shares: status.reblogs_count + status.quotes_count,
        replies: status.replies_count,
        views: None,
    };
    d.declared_lang = status.language;
    d.finish(ctx)
}

/// Parses one JSON object: a Status, a notification, or a WebSocket frame.
pub fn parse_value(value: Value, ctx: &ImportContext) -> Vec<Result<Item, ParseError>> {
    let result = if value.get("event").is_some() && value.get("created_at").is_none() {
        match serde_json::from_value::<Frame>(value) {
            Ok(frame) => parse_event(&frame.event, frame.payload, ctx),
            Err(e) => Some(Err(e.into())),
        }
    } else if value.get("type").is_some() && value.get("content").is_none() {
        match serde_json::from_value::<Notification>(value) {
            Ok(n) => notification_item(n, ctx),
            Err(e) => Some(Err(e.into())),
        }
    } else {
        Some(
            serde_json::from_value::<Status>(value)
                .map_err(ParseError::from)
                .and_then(|s| status_to_item(s, ctx)),
        )
    };
    result.into_iter().collect()
}

fn notification_item(n: Notification, ctx: &ImportContext) -> Option<Result<Item, ParseError>> {
    match (n.kind.as_str(), n.status) {
        ("mention", Some(status)) => Some(status_to_item(status, ctx)),
        _ => None,
    }
}

/// A streaming event by name and payload (a JSON string, or already-parsed JSON).
fn parse_event(
    event: &str,
    payload: Option<Value>,
    ctx: &ImportContext,
) -> Option<Result<Item, ParseError>> {
    if !matches!(event, "update" | "status.update" | "notification") {
        return None;
    }
    let value = match payload? {
        Value::String(s) => match serde_json::from_str::<Value>(&s) {
            Ok(v) => v,
            Err(e) => {
                return Some(Err(ParseError::new(format!(
                    "`{event}` payload is not JSON: {e}"
                ))));
            }
        },
        v => v,
    };
    Some(if event == "notification" {
        match serde_json::from_value::<Notification>(value) {
            Ok(n) => return notification_item(n, ctx),
            Err(e) => Err(e.into()),
        }
    } else {
        serde_json::from_value::<Status>(value)
            .map_err(ParseError::from)
            .and_then(|s| status_to_item(s, ctx))
    })
}

/// The `mastodon` importer: server-sent events when the input starts with an SSE field,
/// JSON (documents, arrays, JSONL) otherwise.
pub fn items(mut reader: Box<dyn BufRead + Send>, ctx: ImportContext) -> ItemStream {
    if let Some(err) = file_level_check(&mut reader) {
        return Box::new(std::iter::once(Err(err)));
    }
    if looks_like_sse(reader.as_mut()) {
        Box::new(SseItems {
            reader,
            ctx,
            line: 0,
            record: 0,
            done: false,
        })
    } else {
        crate::json_stream::items(reader, ctx, parse_value)
    }
}

fn looks_like_sse(reader: &mut dyn BufRead) -> bool {
    let head = reader.fill_buf().unwrap_or(&[]);
    let start = head
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(head.len());
    let head = &head[start..];
    [&b"event:"[..], b"data:", b"id:", b"retry:", b":"]
        .iter()
        .any(|p| head.starts_with(p))
}

struct SseItems {
    reader: Box<dyn BufRead + Send>,
    ctx: ImportContext,
    line: u64,
    record: u64,
    done: bool,
}

impl Iterator for SseItems {
    type Item = Result<Item, RecordError>;

    fn next(&mut self) -> Option<Self::Item> {
        let mut buf = Vec::new();
        loop {
            if self.done {
                return None;
            }
            // Collect one event: fields up to a blank line or the end.
            let mut event: Option<String> = None;
            let mut data: Vec<u8> = Vec::new();
            let mut start_line = 0;
            let mut data_line = 0;
            let mut has_fields = false;
            let mut error: Option<String> = None;
            loop {
                let read = match read_line_capped(self.reader.as_mut(), &mut buf, MAX_RECORD_BYTES)
                {
                    Ok(r) => r,
                    Err(e) => {
                        self.done = true;
                        error = Some(format!("read error: {e}"));
                        break;
                    }
                };
                if matches!(read, Line::Eof) {
                    self.done = true;
                    break;
                }
                self.line += 1;
                if buf.is_empty() {
                    if start_line == 0 {
                        continue;
                    }
                    break;
                }
                if start_line == 0 {
                    start_line = self.line;
                }
                if matches!(read, Line::TooLong) || data.len() + buf.len() > MAX_RECORD_BYTES {
                    error = Some(format!(
                        "event larger than the {} MiB limit",
                        MAX_RECORD_BYTES / (1024 * 1024)
                    ));
                    data.clear();
                    continue;
                }
                let (field, value) = match buf.iter().position(|&b| b == b':') {
                    Some(p) => {
                        let v = &buf[p + 1..];
                        (&buf[..p], v.strip_prefix(b" ").unwrap_or(v))
                    }
                    None => (&buf[..], &b""[..]),
                };
                match field {
                    b"event" => {
                        has_fields = true;
                        event = Some(String::from_utf8_lossy(value).trim().to_string());
                    }
                    b"data" => {
                        has_fields = true;
                        if data_line == 0 {
                            data_line = self.line;
                        }
                        if !data.is_empty() {
                            data.push(b'\n');
                        }
                        data.extend_from_slice(value);
                    }
                    // Comments (`:` lines, heartbeats), `id`, `retry`, unknown fields.
                    _ => {}
                }
            }
            if !has_fields && error.is_none() {
                continue;
            }
            self.record += 1;
            let (record, line) = (self.record, start_line.max(1));
            if let Some(message) = error {
                return Some(Err(RecordError {
                    record,
                    line: Some(line),
                    message,
                }));
            }
            let name = event.unwrap_or_else(|| "message".into());
            if !matches!(name.as_str(), "update" | "status.update" | "notification") {
                continue;
            }
            let value = match parse_object(&data) {
                Ok(v) => v,
                Err(e) => return Some(Err(record_error(record, data_line.max(line), e))),
            };
            if let Some(result) = parse_event(&name, Some(value), &self.ctx) {
                return Some(result.map_err(|e| record_error(record, line, e)));
            }
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn ctx() -> ImportContext {
        ImportContext {
            source_name: "mastodon.social".into(),
            collected_at: "2024-05-01T00:00:00Z".parse().unwrap(),
        }
    }

    const STATUS: &str = r#"{"id":"1","created_at":"2024-01-01T10:00:00.000Z","in_reply_to_id":"0","language":"nb",
        "url":"https://m.s/@ola/1","replies_count":1,"reblogs_count":2,"favourites_count":3,"content":"<p>Hei &amp; hå</p><p>linje<br>to</p>",
        "spoiler_text":"","reblog":null,"account":{"acct":"ola@m.s","display_name":"Ola","followers_count":7}}"#;

    #[test]
    fn status_becomes_item() {
        let items = parse_value(serde_json::from_str(STATUS).unwrap(), &ctx());
        let item = items[0].as_ref().unwrap();
        assert_eq!(item.text, "Hei & hå\nlinje\nto");
        assert_eq!(item.kind, ItemKind::Reply);
        assert_eq!(item.parent_id.as_deref(), Some("0"));
        assert_eq!(item.author.handle, "ola@m.s");
        assert_eq!(item.engagement.likes, 3);
        assert_eq!(item.declared_lang.as_deref(), Some("nb"));
    }

    #[test]
    fn reblog_is_the_original() {
        let wrapper = format!(
            r#"{{"id":"9","created_at":"2024-01-02T10:00:00Z","content":"","account":{{"acct":"kari"}},"reblog":{STATUS}}}"#
        );
        let items = parse_value(serde_json::from_str(&wrapper).unwrap(), &ctx());
        assert_eq!(items[0].as_ref().unwrap().external_id, "1");
    }

    #[test]
    fn sse_events() {
        let input = format!(
            ":heartbeat\n\nevent: delete\ndata: 5\n\nevent: update\ndata: {}\n\nevent: update\ndata: {{\"id\": 1\n\n",
            STATUS.replace('\n', " ")
        );
        let out: Vec<_> =
            items(Box::new(std::io::Cursor::new(input.into_bytes())), ctx()).collect();
        assert_eq!(out.len(), 2, "{out:?}");
        assert_eq!(out[0].as_ref().unwrap().external_id, "1");
        let err = out[1].as_ref().unwrap_err();
        assert_eq!((err.record, err.line), (3, Some(10)), "{err}");
    }

    #[test]
    fn websocket_frames() {
        let frame = serde_json::json!({"stream": ["public"], "event": "update", "payload": STATUS});
        assert_eq!(parse_value(frame, &ctx()).len(), 1);
        let del = serde_json::json!({"stream": ["public"], "event": "delete", "payload": "1"});
        assert!(parse_value(del, &ctx()).is_empty());
    }
}
