//! Which [`Channel`] an inbox reply or a story's post goes out through: the one of the item's source, built
//! from its stored definition and sealed credential, or a [`RecordingChannel`] when the
//! source cannot post (feeds, files, webhooks, the demo's synthetic items). Behind the
//! [`ChannelDirectory`] trait so tests can hand the app a fake platform.

use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use omdomme_connectors::{
    BuildContext, Channel, ConnectorError, ConnectorResult, Http, OutboundPost, Posted,
    RetryPolicy, SecretKey, SourceSpec,
};
use omdomme_core::{Engagement, SourceKey, SourceKind, WorkspaceId};
use omdomme_store::Store;

/// Finds the channel an item's source answers through.
#[async_trait]
pub trait ChannelDirectory: Send + Sync {
    /// The channel of `source` in `workspace`; `Ok(None)` when the source cannot post or
    /// the workspace is the demo's (the reply or post is then recorded, not sent); an error when it could but is not set up to
    /// (no credential, no key to open it), saying what to do.
    async fn channel(
        &self,
        workspace: &WorkspaceId,
        source: &SourceKey,
    ) -> ConnectorResult<Option<Arc<dyn Channel>>>;
}

/// The real directory: reads the source's definition and credential from the store.
pub struct StoreChannels {
    pub store: Arc<dyn Store>,
    pub secret_key: Option<SecretKey>,
    pub http: Http,
}

impl StoreChannels {
    /// A directory with the connectors' default retries and `clock` for their waits.
    pub fn new(
        store: Arc<dyn Store>,
        secret_key: Option<SecretKey>,
        clock: omdomme_connectors::Clock,
    ) -> ConnectorResult<StoreChannels> {
        Ok(StoreChannels {
            store,
            secret_key,
            http: Http::new(RetryPolicy::default(), clock)?,
        })
    }
}

/// Kinds of source that can never post: their replies are recorded.
fn cannot_post(kind: SourceKind) -> bool {
    matches!(
        kind,
        SourceKind::Rss | SourceKind::File | SourceKind::Webhook
    )
}

#[async_trait]
impl ChannelDirectory for StoreChannels {
    async fn channel(
        &self,
        workspace: &WorkspaceId,
        source: &SourceKey,
    ) -> ConnectorResult<Option<Arc<dyn Channel>>> {
        if cannot_post(source.kind) {
            return Ok(None);
        }
        let stored = |e: omdomme_store::StoreError| {
            ConnectorError::new(
                omdomme_connectors::ErrorKind::Unavailable,
                format!("cannot read the source {source}: {e}"),
            )
        };
        // The demo's workspace only looks real: nothing of it may reach a platform, even
        // if someone defines a source there.
        let synthetic = self
            .store
            .workspace(workspace)
            .await
            .map_err(stored)?
            .is_some_and(|w| w.synthetic);
        if synthetic {
            return Ok(None);
        }
        // Items of a source nobody defined (imported from a file) have no account to
        // answer from.
        let Some(record) = self.store.source(workspace, source).await.map_err(stored)? else {
            return Ok(None);
        };
        let spec: SourceSpec = serde_json::from_value(record.spec.clone()).map_err(|e| {
            ConnectorError::config(format!("the definition of {source} does not read: {e}"))
        })?;
        let credential = match self
            .store
            .source_credential(workspace, source)
            .await
            .map_err(stored)?
        {
            None => None,
            Some(sealed) => {
                let key = self.secret_key.as_ref().ok_or_else(|| {
                    ConnectorError::config(
                        "OMDOMME_SECRET_KEY is not set, so the source's credential cannot be \
                         opened: start the server with the key the credential was stored with",
                    )
                })?;
                let context = format!("{workspace}/{source}");
                Some(key.open(&sealed, &context).map_err(|e| {
                    ConnectorError::config(format!("the credential of {source}: {e}"))
                })?)
            }
        };
        let ctx = BuildContext {
            http: self.http.clone(),
            credential,
            watch: Vec::new(),
        };
        Ok(Some(Arc::from(spec.channel(&ctx)?)))
    }
}

/// How the external id of a recorded (not sent) post or reply starts.
pub const RECORDED_PREFIX: &str = "recorded:";

/// A channel that keeps replies without sending them: for sources that cannot post.
#[derive(Debug)]
pub struct RecordingChannel {
    kind: SourceKind,
    /// What was "sent", in order: (in reply to, text).
    pub recorded: Mutex<Vec<(String, String)>>,
}

impl RecordingChannel {
    pub fn new(kind: SourceKind) -> RecordingChannel {
        RecordingChannel {
            kind,
            recorded: Mutex::new(Vec::new()),
        }
    }

    fn posted(post: &OutboundPost) -> Posted {
        Posted {
            external_id: format!("{RECORDED_PREFIX}{}", post.idempotency_key),
            url: None,
        }
    }

    fn record(&self, to: &str, post: &OutboundPost) -> Posted {
        let mut recorded = self
            .recorded
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        recorded.push((to.to_owned(), post.text.clone()));
        RecordingChannel::posted(post)
    }
}

#[async_trait]
impl Channel for RecordingChannel {
    fn kind(&self) -> SourceKind {
        self.kind
    }

    fn max_length(&self) -> usize {
        // Nothing is posted, so no platform limit applies; a generous cap keeps a pasted
        // novel out of the store.
        10_000
    }

    async fn publish(&self, post: &OutboundPost) -> ConnectorResult<Posted> {
        Ok(self.record("", post))
    }

    async fn reply(&self, to: &str, post: &OutboundPost) -> ConnectorResult<Posted> {
        Ok(self.record(to, post))
    }

    async fn engagement(&self, _external_id: &str) -> ConnectorResult<Engagement> {
        Ok(Engagement::default())
    }

    /// Recording is instant and never lost, so an uncertain attempt was recorded when its
    /// text is among the recorded posts.
    async fn find_published(
        &self,
        post: &OutboundPost,
        _since: jiff::Timestamp,
    ) -> ConnectorResult<Option<Posted>> {
        let recorded = self
            .recorded
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        Ok(recorded
            .iter()
            .any(|(to, text)| to.is_empty() && *text == post.text)
            .then(|| RecordingChannel::posted(post)))
    }
}
