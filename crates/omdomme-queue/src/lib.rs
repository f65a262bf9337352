//! The scale-out pipeline over NATS JetStream. Collectors publish normalised items
//! ([`Queue::publish`]) to the stream [`ITEMS_STREAM`], one message per item on the subject
//! `items.<workspace>.<source kind>.<source name>`; `omdomme worker` processes share one
//! durable pull consumer ([`WORKERS_CONSUMER`]), so each message goes to one worker, which
//! enriches and stores it and acknowledges it only after the store committed
//! ([`worker::run`]).
//!
//! Exactly once in the store rests on two things: JetStream drops a message whose
//! `Nats-Msg-Id` (workspace, source and external id: the item's identity) it saw within the
//! stream's duplicate window, so a collector that publishes a batch again after a crash adds
//! nothing; and storing is idempotent by that identity, so a message delivered again (its
//! worker died before the acknowledgement) changes nothing either.
//!
//! A message that fails [`QueueOptions::max_deliver`] times, or cannot be read at all, goes
//! to the dead-letter stream [`DEAD_STREAM`] with the error in the header [`ERROR_HEADER`].

#[cfg(feature = "testing")]
pub mod testing;
pub mod worker;

use std::time::Duration;

use async_nats::jetstream::{self, consumer, stream};
use bytes::Bytes;
use omdomme_core::{Item, SourceKey, WorkspaceId};
use serde::{Deserialize, Serialize};

/// The stream of items waiting for a worker (work-queue retention: an acknowledged message
/// is gone).
pub const ITEMS_STREAM: &str = "OMDOMME_ITEMS";
/// The stream of items no worker could store, kept for a person to look at.
pub const DEAD_STREAM: &str = "OMDOMME_DEAD";
/// The durable pull consumer every worker fetches from.
pub const WORKERS_CONSUMER: &str = "workers";
/// Why a dead-lettered item failed.
pub const ERROR_HEADER: &str = "Omdomme-Error";
/// How often a dead-lettered item was delivered before it was given up.
pub const DELIVERIES_HEADER: &str = "Omdomme-Deliveries";

/// What can go wrong talking to NATS.
#[derive(Debug, thiserror::Error)]
pub enum QueueError {
    #[error("cannot reach NATS at {url}: {message}")]
    Connect { url: String, message: String },
    #[error("JetStream: {0}")]
    JetStream(String),
    #[error("publishing to JetStream: {0}")]
    Publish(String),
}

impl QueueError {
    fn jetstream(e: impl std::fmt::Display) -> QueueError {
        QueueError::JetStream(e.to_string())
    }
}

/// The knobs of the streams and the shared consumer; [`QueueOptions::default`] is what
/// `omdomme collect` and `omdomme worker` use.
#[derive(Clone, Debug)]
pub struct QueueOptions {
    /// How long JetStream remembers a message id: the same item published again within it
    /// (a collector repeating a batch whose cursor it could not save) is dropped. An item
    /// collected again later (its engagement changed) is a new message and updates the item.
    pub duplicate_window: Duration,
    /// How long a worker may hold a message without acknowledging it before it goes to
    /// another worker (the first one is taken for dead).
    pub ack_wait: Duration,
    /// Deliveries before a failing message goes to the dead-letter stream.
    pub max_deliver: i64,
}

impl Default for QueueOptions {
    fn default() -> Self {
        QueueOptions {
            duplicate_window: Duration::from_secs(10 * 60),
            ack_wait: Duration::from_secs(60),
            max_deliver: 5,
        }
    }
}

/// One message: the item and the workspace it belongs to.
#[derive(Debug, Serialize, Deserialize)]
pub struct Envelope {
    pub workspace: WorkspaceId,
    pub item: Item,
}

/// What a publish of a batch came to.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Published {
    /// Messages JetStream took in.
    pub accepted: u64,
    /// Messages JetStream dropped as already seen within the duplicate window.
    pub duplicates: u64,
}

/// A connection to JetStream with the pipeline's streams in place.
#[derive(Clone)]
pub struct Queue {
    jetstream: jetstream::Context,
    options: QueueOptions,
}

impl Queue {
    /// Connects to `url` (`nats://host:4222`) and creates the streams and the workers'
    /// consumer when they are missing. The client reconnects by itself after NATS restarts;
    /// calls made meanwhile fail and are repeated by their callers.
    pub async fn connect(url: &str, options: QueueOptions) -> Result<Queue, QueueError> {
        let client = async_nats::ConnectOptions::new()
            .max_reconnects(None)
            .connect(url)
            .await
            .map_err(|e| QueueError::Connect {
                url: url.to_owned(),
                message: e.to_string(),
            })?;
        let queue = Queue {
            jetstream: jetstream::new(client),
            options,
        };
        queue.ensure_streams().await?;
        Ok(queue)
    }

    /// The options the queue was opened with.
    pub fn options(&self) -> &QueueOptions {
        &self.options
    }

    async fn ensure_streams(&self) -> Result<(), QueueError> {
        let items = self
            .jetstream
            .get_or_create_stream(stream::Config {
                name: ITEMS_STREAM.to_owned(),
                subjects: vec!["items.>".to_owned()],
                retention: stream::RetentionPolicy::WorkQueue,
                storage: stream::StorageType::File,
                duplicate_window: self.options.duplicate_window,
                ..Default::default()
            })
            .await
            .map_err(QueueError::jetstream)?;
        self.jetstream
            .get_or_create_stream(stream::Config {
                name: DEAD_STREAM.to_owned(),
                subjects: vec!["dead.>".to_owned()],
                storage: stream::StorageType::File,
                ..Default::default()
            })
            .await
            .map_err(QueueError::jetstream)?;
        items
            .get_or_create_consumer(WORKERS_CONSUMER, self.consumer_config())
            .await
            .map_err(QueueError::jetstream)?;
        Ok(())
    }

    fn consumer_config(&self) -> consumer::pull::Config {
        consumer::pull::Config {
            durable_name: Some(WORKERS_CONSUMER.to_owned()),
            ack_policy: consumer::AckPolicy::Explicit,
            ack_wait: self.options.ack_wait,
            // One more than ours: the worker dead-letters on its last delivery, so JetStream
            // never drops a message silently.
            max_deliver: self.options.max_deliver + 1,
            ..Default::default()
        }
    }

    /// The workers' shared consumer.
    pub async fn consumer(&self) -> Result<consumer::PullConsumer, QueueError> {
        let items = self
            .jetstream
            .get_stream(ITEMS_STREAM)
            .await
            .map_err(QueueError::jetstream)?;
        items
            .get_consumer(WORKERS_CONSUMER)
            .await
            .map_err(QueueError::jetstream)
    }

    /// Publishes a workspace's items and waits until JetStream has stored every one (or
    /// dropped it as a duplicate). Only then may a collector move its cursor.
    pub async fn publish(
        &self,
        workspace: &WorkspaceId,
        items: &[Item],
    ) -> Result<Published, QueueError> {
        let mut pending = Vec::with_capacity(items.len());
        for item in items {
            let envelope = Envelope {
                workspace: workspace.clone(),
                item: item.clone(),
            };
            let payload = serde_json::to_vec(&envelope)
                .map_err(|e| QueueError::Publish(format!("encoding an item: {e}")))?;
            let message = jetstream::message::PublishMessage::build()
                .payload(Bytes::from(payload))
                .message_id(message_id(workspace, &item.source, &item.external_id));
            let ack = self
                .jetstream
                .send_publish(subject(workspace, &item.source), message)
                .await
                .map_err(|e| QueueError::Publish(e.to_string()))?;
            pending.push(ack);
        }
        let mut published = Published::default();
        for ack in pending {
            let ack = ack.await.map_err(|e| QueueError::Publish(e.to_string()))?;
            if ack.duplicate {
                published.duplicates += 1;
            } else {
                published.accepted += 1;
            }
        }
        Ok(published)
    }

    /// Messages waiting in the items stream (published, not yet acknowledged).
    pub async fn waiting(&self) -> Result<u64, QueueError> {
        let mut items = self
            .jetstream
            .get_stream(ITEMS_STREAM)
            .await
            .map_err(QueueError::jetstream)?;
        let info = items.info().await.map_err(QueueError::jetstream)?;
        Ok(info.state.messages)
    }

    /// Messages delivered to a worker and not acknowledged yet: a batch in hand, or the
    /// batch of a worker that died, until the ack wait sends it to another.
    pub async fn in_hand(&self) -> Result<u64, QueueError> {
        let mut consumer = self.consumer().await?;
        let info = consumer.info().await.map_err(QueueError::jetstream)?;
        Ok(info.num_ack_pending as u64)
    }

    /// Messages in the dead-letter stream.
    pub async fn dead_letters(&self) -> Result<u64, QueueError> {
        let mut dead = self
            .jetstream
            .get_stream(DEAD_STREAM)
            .await
            .map_err(QueueError::jetstream)?;
        let info = dead.info().await.map_err(QueueError::jetstream)?;
        Ok(info.state.messages)
    }

    /// The dead-lettered message with sequence number `sequence` (from 1): its envelope's
    /// bytes and the error it failed with.
    pub async fn dead_letter(&self, sequence: u64) -> Result<(Bytes, String), QueueError> {
        let dead = self
            .jetstream
            .get_stream(DEAD_STREAM)
            .await
            .map_err(QueueError::jetstream)?;
        let message = dead
            .get_raw_message(sequence)
            .await
            .map_err(QueueError::jetstream)?;
        let error = message
            .headers
            .get(ERROR_HEADER)
            .map(|v| v.as_str().to_owned())
            .unwrap_or_default();
        Ok((message.payload, error))
    }

    fn jetstream(&self) -> &jetstream::Context {
        &self.jetstream
    }
}

/// The subject of an item: `items.<workspace>.<kind>.<name>`, each part reduced to what a
/// subject token may hold (a source name like `nrk.no` would otherwise split into two
/// tokens). Subjects only route and filter; identity travels in the message id.
pub fn subject(workspace: &WorkspaceId, source: &SourceKey) -> String {
    format!(
        "items.{}.{}.{}",
        token(&workspace.0),
        source.kind.as_str(),
        token(&source.name)
    )
}

fn token(text: &str) -> String {
    let token: String = text
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    if token.is_empty() {
        "_".to_owned()
    } else {
        token
    }
}

/// The de-duplication id of an item: `<workspace>/<kind>:<name>/<external id>`, with the
/// characters a header value cannot carry (line breaks, `%`) percent-encoded.
pub fn message_id(workspace: &WorkspaceId, source: &SourceKey, external_id: &str) -> String {
    let raw = format!("{workspace}/{source}/{external_id}");
    let mut id = String::with_capacity(raw.len());
    for c in raw.chars() {
        if c == '%' || c.is_control() {
            let mut buffer = [0; 4];
            for byte in c.encode_utf8(&mut buffer).bytes() {
                id.push_str(&format!("%{byte:02X}"));
            }
        } else {
            id.push(c);
        }
    }
    id
}

#[cfg(test)]
mod tests {
    use omdomme_core::SourceKind;

    use super::*;

    #[test]
    fn subjects_keep_one_token_per_part() {
        let source = SourceKey::new(SourceKind::Rss, "nrk.no/toppsaker *");
        assert_eq!(
            subject(&WorkspaceId("nord.lys".into()), &source),
            "items.nord_lys.rss.nrk_no_toppsaker__"
        );
        assert_eq!(
            subject(&WorkspaceId(String::new()), &source)
                .split('.')
                .count(),
            4
        );
    }

    #[test]
    fn message_ids_name_the_item_and_escape_line_breaks() {
        let source = SourceKey::new(SourceKind::Mastodon, "mastodon.social");
        assert_eq!(
            message_id(&WorkspaceId("nordlys".into()), &source, "1\r\n2%"),
            "nordlys/mastodon:mastodon.social/1%0D%0A2%25"
        );
    }
}
