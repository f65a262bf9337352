//! Live hashtags over the streaming API's WebSocket, with the REST timelines filling every
//! gap the socket leaves.

use std::collections::HashSet;
use std::time::Duration;

use futures_util::SinkExt;
use omdomme_sources::ImportContext;
use omdomme_sources::mastodon::Frame;
use serde::Deserialize;
use serde_json::Value;
use tokio::time::Instant;
use tokio_tungstenite::tungstenite::Message;
use url::Url;

use super::api::{Api, classify};
use super::timeline::{Rest, Timeline, collect};
use super::{Cursor, newer, write_cursor};
use crate::Batch;
use crate::error::ConnectorResult;
use crate::websocket::{Received, Socket, connect, receive};

/// A batch of live statuses closes after this many events or this long, whichever is first.
const BATCH_EVENTS: usize = 200;
const BATCH_WINDOW: Duration = Duration::from_secs(2);

pub(super) struct Live {
    tags: Vec<String>,
    socket: Option<Socket>,
    /// The cursor of the last batch handed over; if the committed cursor differs, that batch
    /// was not stored and the gap is read again.
    handed: Option<String>,
    /// When the timelines that cannot stream (accounts, searches) were last polled.
    last_poll: Option<Instant>,
}

#[derive(Deserialize)]
struct Instance {
    configuration: InstanceConfiguration,
}

#[derive(Deserialize)]
struct InstanceConfiguration {
    urls: InstanceUrls,
}

#[derive(Deserialize)]
struct InstanceUrls {
    streaming: String,
}

impl Live {
    pub(super) fn new(tags: Vec<String>) -> Live {
        Live {
            tags,
            socket: None,
            handed: None,
            last_poll: None,
        }
    }

    pub(super) async fn next_batch(
        &mut self,
        rest: &mut Rest,
        committed_text: Option<&str>,
        committed: Cursor,
        interval: Duration,
    ) -> ConnectorResult<Batch> {
        let behind = self.handed.is_some() && self.handed.as_deref() != committed_text;
        if behind || self.socket.is_none() {
            // Connect first, then read the gap: a status posted in between is in one or the
            // other (or both, and then dropped by its id).
            self.socket = None;
            let socket = self.connect(&rest.api).await?;
            let round = rest.round(&committed, |_| true).await?;
            self.socket = Some(socket);
            self.last_poll = Some(Instant::now());
            let cursor = write_cursor(&round.cursor);
            self.handed = Some(cursor.clone());
            return Ok(Batch {
                items: round.items,
                cursor: Some(cursor),
                rejected: round.rejected,
                caught_up: false,
            });
        }
        let mut cursor = committed;
        let mut items = Vec::new();
        let mut rejected = Vec::new();
        let mut seen = HashSet::new();
        let ctx = rest.import_context();
        let deadline = Instant::now() + BATCH_WINDOW;
        let mut events = 0;
        while events < BATCH_EVENTS {
            match receive(&mut self.socket, deadline).await {
                Received::Text(text) => {
                    events += 1;
                    self.take_event(
                        text.as_str(),
                        &ctx,
                        &mut cursor,
                        &mut seen,
                        &mut items,
                        &mut rejected,
                    );
                }
                Received::Binary => {}
                Received::WindowOver | Received::Closed => break,
            }
        }
        let not_streamed = |t: &Timeline| !matches!(t, Timeline::Tag(_));
        if rest.has_timelines(not_streamed)
            && self.last_poll.is_none_or(|at| at.elapsed() >= interval)
        {
            let round = rest.round(&cursor, not_streamed).await?;
            self.last_poll = Some(Instant::now());
            cursor = round.cursor;
            items.extend(
                round
                    .items
                    .into_iter()
                    .filter(|i| seen.insert(i.external_id.clone())),
            );
            rejected.extend(round.rejected);
        }
        let cursor = write_cursor(&cursor);
        self.handed = Some(cursor.clone());
        Ok(Batch {
            items,
            cursor: Some(cursor),
            rejected,
            caught_up: false,
        })
    }

    /// One WebSocket frame: `update` (a new status) and `status.update` (an edit) of a
    /// followed hashtag become items; everything else is skipped.
    fn take_event(
        &self,
        text: &str,
        ctx: &ImportContext,
        cursor: &mut Cursor,
        seen: &mut HashSet<String>,
        items: &mut Vec<omdomme_core::Item>,
        rejected: &mut Vec<String>,
    ) {
        let frame: Frame = match serde_json::from_str(text) {
            Ok(frame) => frame,
            Err(e) => {
                rejected.push(format!("a streaming event that is not JSON: {e}"));
                return;
            }
        };
        if !matches!(frame.event.as_str(), "update" | "status.update") {
            return;
        }
        let Some(tag) = frame
            .stream
            .get(1)
            .filter(|_| {
                frame
                    .stream
                    .first()
                    .is_some_and(|s| s.starts_with("hashtag"))
            })
            .and_then(|tag| self.tags.iter().find(|t| t.eq_ignore_ascii_case(tag)))
        else {
            return;
        };
        let status = match frame.payload {
            Some(Value::String(payload)) => match serde_json::from_str::<Value>(&payload) {
                Ok(status) => status,
                Err(e) => {
                    rejected.push(format!(
                        "`{}` event of #{tag}: the status is not JSON: {e}",
                        frame.event
                    ));
                    return;
                }
            },
            Some(status @ Value::Object(_)) => status,
            _ => {
                rejected.push(format!(
                    "`{}` event of #{tag} without a status",
                    frame.event
                ));
                return;
            }
        };
        let Some(id) = status.get("id").and_then(Value::as_str).map(str::to_owned) else {
            rejected.push(format!(
                "`{}` event of #{tag}: a status without an id",
                frame.event
            ));
            return;
        };
        let key = Timeline::Tag(tag.clone()).key();
        let newest = cursor.entry(key).or_default();
        if frame.event == "update" {
            if !newest.is_empty() && !newer(&id, newest) {
                // Already read from the REST timeline when filling the gap.
                return;
            }
            *newest = id.clone();
        }
        collect(status, &id, ctx, seen, items, rejected);
    }

    async fn connect(&self, api: &Api) -> ConnectorResult<Socket> {
        let mut url = streaming_url(api).await?;
        url.query_pairs_mut().append_pair("stream", "hashtag");
        if let Some(first) = self.tags.first() {
            url.query_pairs_mut().append_pair("tag", first);
        }
        let mut socket = connect(
            &url,
            api.token().map(|t| t.expose()),
            api.http.policy().timeout,
            api.http.now(),
            classify,
        )
        .await?;
        for tag in self.tags.iter().skip(1) {
            let subscribe =
                serde_json::json!({"type": "subscribe", "stream": "hashtag", "tag": tag});
            socket
                .send(Message::text(subscribe.to_string()))
                .await
                .map_err(|e| {
                    crate::ConnectorError::new(
                        crate::ErrorKind::Unavailable,
                        format!("subscribing to #{tag} on the Mastodon stream failed: {e}"),
                    )
                })?;
        }
        Ok(socket)
    }
}

/// The instance's streaming address (`configuration.urls.streaming` of `/api/v2/instance`,
/// often a host of its own), or the instance itself if it does not say.
async fn streaming_url(api: &Api) -> ConnectorResult<Url> {
    let said = match api.get(api.url("api/v2/instance")?).await {
        Ok(response) => crate::http::read_json::<Instance>(response)
            .await
            .ok()
            .and_then(|i| Url::parse(&i.configuration.urls.streaming).ok()),
        Err(e) if e.kind.is_transient() => return Err(e),
        Err(_) => None,
    };
    let mut url = match said {
        Some(url) => url,
        None => {
            let mut url = api.url("")?;
            let scheme = if url.scheme() == "https" { "wss" } else { "ws" };
            url.set_scheme(scheme).map_err(|_| {
                crate::ConnectorError::config("the instance address has no WebSocket form")
            })?;
            url
        }
    };
    let path = format!("{}/api/v1/streaming", url.path().trim_end_matches('/'));
    url.set_path(&path);
    Ok(url)
}
