//! Live listening: connectors that talk to each platform's real API, and the outbound
//! [`Channel`] for replies and publishing.
//!
//! A [`Connector`] is asked for the next [`Batch`] after a cursor; the [`runner`] stores each
//! batch through a [`runner::Sink`] and commits the batch's cursor in the same transaction,
//! so a restart resumes with nothing lost and nothing twice. Parsing of the platforms'
//! payloads lives in `omdomme-sources` and is shared with file import; this crate adds the
//! network: [`http`] (User-Agent, timeouts, rate-limit headers, backoff with jitter), error
//! advice ([`ConnectorError`]), credentials sealed at rest ([`secret`]), and one module per
//! platform.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use omdomme_core::{BrandId, Item, Query, SourceKey};

pub mod bluesky;
pub mod channel;
pub mod error;
pub mod facebook;
pub mod http;
pub mod mastodon;
pub mod rss;
pub mod runner;
pub mod secret;
pub mod spec;
mod websocket;
pub mod x;

pub use channel::{Attachment, Channel, OutboundPost, Posted};
pub use error::{ConnectorError, ConnectorResult, ErrorKind};
pub use http::{Http, RetryPolicy};
pub use secret::{Secret, SecretKey};
pub use spec::SourceSpec;

/// Reads the wall clock. The binary passes the real one; tests pass their own.
pub type Clock = Arc<dyn Fn() -> jiff::Timestamp + Send + Sync>;

/// One call's worth of new items.
#[derive(Debug, Default)]
pub struct Batch {
    pub items: Vec<Item>,
    /// Where to resume once these items are stored; `None` leaves the cursor as it was.
    pub cursor: Option<String>,
    /// Records the platform sent that could not be read, each saying why; the rest of the
    /// batch is still stored.
    pub rejected: Vec<String>,
    /// Nothing more to fetch right now: wait [`Connector::interval`] before the next call.
    pub caught_up: bool,
}

/// A live source: a feed, a timeline, a search or a stream.
///
/// `next_batch` receives the last *committed* cursor (`None` on the very first call). A
/// connector that holds a stream open must resume from that cursor whenever it is behind
/// what the connector has already read: that happens when storing the previous batch
/// failed, and it is what makes the no-loss promise hold.
#[async_trait]
pub trait Connector: Send {
    /// The items' source (platform and name), which is also the key of its cursor.
    fn source(&self) -> &SourceKey;

    /// How long to wait after a caught-up batch.
    fn interval(&self) -> Duration;

    async fn next_batch(&mut self, cursor: Option<&str>) -> ConnectorResult<Batch>;
}

/// A connector's committed cursor, or a fresh one when there is none or it no longer reads.
/// An unreadable cursor must not stop a source for good: starting over re-reads recent
/// items, and the store drops those it already has.
pub fn read_cursor<T: serde::de::DeserializeOwned + Default>(
    source: &SourceKey,
    stored: Option<&str>,
) -> T {
    let Some(text) = stored else {
        return T::default();
    };
    serde_json::from_str(text).unwrap_or_else(|e| {
        tracing::warn!(%source, "unreadable cursor ({e}); starting over, the store drops what it already has");
        T::default()
    })
}

/// One brand's watch query, which connectors translate into the platform's own search.
#[derive(Clone, Debug)]
pub struct WatchQuery {
    pub brand: BrandId,
    /// The query as the user wrote it (for messages).
    pub text: String,
    pub query: Query,
}

/// What building a connector or channel needs besides its configuration.
#[derive(Clone, Debug)]
pub struct BuildContext {
    pub http: Http,
    /// The source's credential, opened from the store; `None` if none was set.
    pub credential: Option<Secret>,
    /// The workspace's watch queries.
    pub watch: Vec<WatchQuery>,
}
