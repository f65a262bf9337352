//! The Jetstream consumer: every new post on the network over one WebSocket, filtered by
//! the watch queries, in batches of what arrived within a short window.

use std::borrow::Cow;
use std::collections::{HashSet, VecDeque};
use std::hash::{DefaultHasher, Hash, Hasher};
use std::time::Duration;

use async_trait::async_trait;
use omdomme_core::{Item, SourceKey, SourceKind};
use omdomme_sources::ImportContext;
use omdomme_sources::bluesky::{POST_COLLECTION, PostRecord, jetstream_post_item};
use serde::Deserialize;
use serde_json::value::RawValue;
use tokio::time::Instant;
use url::Url;

use super::filter::WatchFilter;
use super::{Config, check, classify};
use crate::error::{ConnectorError, ConnectorResult};
use crate::websocket::{Received, Socket, connect, receive};
use crate::{Batch, BuildContext, Connector, Http};

/// A batch closes after this many events or this long, whichever is first.
const BATCH_EVENTS: usize = 5_000;
const BATCH_WINDOW: Duration = Duration::from_secs(1);
/// How far before the committed cursor a reconnect asks Jetstream to start: its cursor is
/// approximate and events arrive slightly out of order.
const REWIND: Duration = Duration::from_secs(3);
/// Waits before reconnecting after the socket dropped: doubling, capped.
const FIRST_RECONNECT_WAIT: Duration = Duration::from_millis(250);
const LONGEST_RECONNECT_WAIT: Duration = Duration::from_secs(30);

/// The cursor: the newest `time_us` handed over.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, Deserialize)]
struct Cursor {
    time_us: i64,
}

/// The fields of a Jetstream v1 event that decide whether it matters; the post record stays
/// unparsed until the event is a post.
#[derive(Deserialize)]
struct Envelope<'a> {
    #[serde(borrow)]
    did: Cow<'a, str>,
    time_us: i64,
    #[serde(borrow)]
    kind: Cow<'a, str>,
    #[serde(default, borrow)]
    commit: Option<CommitEnvelope<'a>>,
}

#[derive(Deserialize)]
struct CommitEnvelope<'a> {
    #[serde(borrow)]
    operation: Cow<'a, str>,
    #[serde(borrow)]
    collection: Cow<'a, str>,
    #[serde(borrow)]
    rkey: Cow<'a, str>,
    #[serde(default, borrow)]
    record: Option<&'a RawValue>,
}

/// A post handed over: its `time_us` and a hash of who and which record.
type Handed = (i64, u64);

struct Pending {
    cursor: Cursor,
    /// The oldest event of the batch: where to start again if the very first batch was not
    /// stored (there is no committed cursor to go back to then).
    oldest_us: i64,
    posts: Vec<Handed>,
}

/// The Jetstream consumer.
pub struct Jetstream {
    source: SourceKey,
    endpoint: Url,
    http: Http,
    filter: WatchFilter,
    socket: Option<Socket>,
    /// The last batch handed over, until the next call says whether it was stored.
    pending: Option<Pending>,
    /// Posts of stored batches from the last `rewind_us`, which a reconnect sees again.
    recent: VecDeque<Handed>,
    recent_keys: HashSet<Handed>,
    /// After a reconnect, events up to this `time_us` may have been handed over already.
    replaying_until: Option<i64>,
    /// Where to reconnect when there is no committed cursor to resume from.
    resume_from: Option<i64>,
    /// Connections that broke before delivering anything, in a row: the reconnect backoff.
    drops_in_a_row: u32,
    events_on_connection: u64,
    events_read: u64,
    batch_events: usize,
    batch_window: Duration,
    rewind_us: i64,
}

impl Jetstream {
    pub fn new(config: &Config, ctx: &BuildContext) -> ConnectorResult<Jetstream> {
        check(config)?;
        let filter = WatchFilter::new(&ctx.watch);
        if filter.is_empty() {
            return Err(ConnectorError::config(format!(
                "bluesky source {}: the firehose carries every post on Bluesky, and this workspace has no watch query to pick from it; give a brand a watch query first",
                config.name
            )));
        }
        Ok(Jetstream {
            source: SourceKey::new(SourceKind::Bluesky, config.name.clone()),
            endpoint: config.jetstream_url()?,
            http: ctx.http.clone(),
            filter,
            socket: None,
            pending: None,
            recent: VecDeque::new(),
            recent_keys: HashSet::new(),
            replaying_until: None,
            resume_from: None,
            drops_in_a_row: 0,
            events_on_connection: 0,
            events_read: 0,
            batch_events: BATCH_EVENTS,
            batch_window: BATCH_WINDOW,
            rewind_us: micros(REWIND),
        })
    }

    /// Closes batches after `events` events or `window`, whichever is first.
    pub fn with_batches(mut self, events: usize, window: Duration) -> Jetstream {
        self.batch_events = events.max(1);
        self.batch_window = window;
        self
    }

    /// Resumes this long before the committed cursor after a reconnect (default 3 s).
    pub fn with_rewind(mut self, rewind: Duration) -> Jetstream {
        self.rewind_us = micros(rewind);
        self
    }

    /// Events read from the socket so far, matching or not.
    pub fn events_read(&self) -> u64 {
        self.events_read
    }

    /// Settles the previous batch: stored (its posts join the recent ones) or not (the
    /// socket is dropped, so the next read starts again from the committed cursor).
    fn settle(&mut self, committed: Option<Cursor>) {
        let Some(pending) = self.pending.take() else {
            return;
        };
        let handed = pending.cursor;
        if committed == Some(handed) {
            for post in pending.posts {
                if self.recent_keys.insert(post) {
                    self.recent.push_back(post);
                }
            }
            let horizon = handed.time_us - self.rewind_us;
            while self.recent.front().is_some_and(|(t, _)| *t < horizon) {
                if let Some(old) = self.recent.pop_front() {
                    self.recent_keys.remove(&old);
                }
            }
        } else {
            self.socket = None;
            if committed.is_none() {
                self.resume_from = Some(pending.oldest_us);
            }
        }
    }

    async fn reconnect(&mut self, committed: Option<Cursor>) -> ConnectorResult<()> {
        if self.drops_in_a_row > 0 {
            let wait = FIRST_RECONNECT_WAIT
                .saturating_mul(1 << (self.drops_in_a_row - 1).min(16))
                .min(LONGEST_RECONNECT_WAIT);
            tokio::time::sleep(wait).await;
        }
        let mut url = self.endpoint.clone();
        url.query_pairs_mut()
            .append_pair("wantedCollections", POST_COLLECTION);
        let from = match committed {
            Some(cursor) => Some(cursor.time_us - self.rewind_us),
            None => self.resume_from,
        };
        if let Some(from) = from {
            url.query_pairs_mut()
                .append_pair("cursor", &from.max(0).to_string());
        }
        match connect(
            &url,
            None,
            self.http.policy().timeout,
            self.http.now(),
            classify,
        )
        .await
        {
            Ok(socket) => {
                self.socket = Some(socket);
                self.replaying_until = committed.map(|c| c.time_us);
                self.events_on_connection = 0;
                Ok(())
            }
            Err(e) => {
                self.drops_in_a_row += 1;
                Err(e)
            }
        }
    }
}

fn micros(duration: Duration) -> i64 {
    i64::try_from(duration.as_micros()).unwrap_or(i64::MAX)
}

/// What one batch is collecting.
struct Collecting {
    ctx: ImportContext,
    items: Vec<Item>,
    handed: Vec<Handed>,
    rejected: Vec<String>,
    newest: Option<i64>,
    oldest: Option<i64>,
}

impl Jetstream {
    /// One event: kept when it creates or edits a post a watch query matches.
    fn take(&mut self, text: &str, batch: &mut Collecting) {
        let event: Envelope<'_> = match serde_json::from_str(text) {
            Ok(event) => event,
            Err(e) => {
                batch.rejected.push(format!(
                    "event {}: not a Jetstream event: {e}",
                    self.events_read
                ));
                return;
            }
        };
        batch.newest = Some(batch.newest.map_or(event.time_us, |n| n.max(event.time_us)));
        batch.oldest = Some(batch.oldest.map_or(event.time_us, |o| o.min(event.time_us)));
        let Some(commit) = event.commit.filter(|_| event.kind == "commit") else {
            return;
        };
        if commit.collection != POST_COLLECTION
            || !matches!(commit.operation.as_ref(), "create" | "update")
        {
            return;
        }
        let key = (event.time_us, {
            let mut hasher = DefaultHasher::new();
            (&event.did, &commit.rkey, &commit.operation).hash(&mut hasher);
            hasher.finish()
        });
        if self
            .replaying_until
            .is_some_and(|until| event.time_us <= until)
            && self.recent_keys.contains(&key)
        {
            return;
        }
        let uri = || omdomme_sources::bluesky::post_uri(&event.did, &commit.rkey);
        let Some(record) = commit.record else {
            batch
                .rejected
                .push(format!("{}: a post event without its record", uri()));
            return;
        };
        let record: PostRecord = match serde_json::from_str(record.get()) {
            Ok(record) => record,
            Err(e) => {
                batch
                    .rejected
                    .push(format!("{}: the post record is not one: {e}", uri()));
                return;
            }
        };
        if !self.filter.matches_record(
            &record.text,
            record.embed.as_ref(),
            &record.langs,
            &event.did,
        ) {
            return;
        }
        match jetstream_post_item(&event.did, &commit.rkey, record, &batch.ctx) {
            Ok(item) => {
                batch.items.push(item);
                batch.handed.push(key);
            }
            Err(e) => batch.rejected.push(e.to_string()),
        }
    }
}

#[async_trait]
impl Connector for Jetstream {
    fn source(&self) -> &SourceKey {
        &self.source
    }

    /// The firehose has no interval: a batch always ends within the batch window.
    fn interval(&self) -> Duration {
        self.batch_window
    }

    async fn next_batch(&mut self, cursor: Option<&str>) -> ConnectorResult<Batch> {
        let committed = match cursor {
            None => None,
            Some(text) => Some(serde_json::from_str::<Cursor>(text).map_err(|e| {
                ConnectorError::bad_payload(format!(
                    "the stored Jetstream cursor {text:?} is not one ({e}); reset the source's cursor"
                ))
            })?),
        };
        self.settle(committed);
        if self.socket.is_none() {
            self.reconnect(committed).await?;
        }
        let mut batch = Collecting {
            ctx: ImportContext {
                source_name: self.source.name.clone(),
                collected_at: self.http.now(),
            },
            items: Vec::new(),
            handed: Vec::new(),
            rejected: Vec::new(),
            newest: None,
            oldest: None,
        };
        let deadline = Instant::now() + self.batch_window;
        let mut events = 0;
        while events < self.batch_events {
            match receive(&mut self.socket, deadline).await {
                Received::Text(text) => {
                    events += 1;
                    self.events_read += 1;
                    self.events_on_connection += 1;
                    self.take(text.as_str(), &mut batch);
                }
                Received::Binary => {
                    events += 1;
                    self.events_read += 1;
                    self.events_on_connection += 1;
                    batch.rejected.push(
                        "a binary Jetstream message (compressed?); this consumer asks for JSON"
                            .to_owned(),
                    );
                }
                Received::WindowOver | Received::Closed => break,
            }
        }
        if self.socket.is_none() {
            // A connection that delivered something was fine until now: reconnect at once.
            // One that delivered nothing is a sign to back off.
            if self.events_on_connection > 0 {
                self.drops_in_a_row = 0;
            } else {
                self.drops_in_a_row += 1;
            }
        }
        let cursor = batch.newest.map(|newest| Cursor {
            time_us: committed.map_or(newest, |c| c.time_us.max(newest)),
        });
        if let (Some(cursor), Some(oldest_us)) = (cursor, batch.oldest) {
            self.pending = Some(Pending {
                cursor,
                oldest_us,
                posts: batch.handed,
            });
        }
        Ok(Batch {
            items: batch.items,
            cursor: cursor.and_then(|c| serde_json::to_string(&c).ok()),
            rejected: batch.rejected,
            caught_up: false,
        })
    }
}
