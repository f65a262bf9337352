//! A source as configured: `[[workspaces.sources]]` in the config file, one table per source,
//! `kind` choosing the platform.

use std::time::Duration;

use omdomme_core::{SourceKey, SourceKind};
use serde::Deserialize;

use crate::{BuildContext, Channel, Connector, ConnectorError, ConnectorResult};
use crate::{bluesky, facebook, mastodon, rss, x};

/// One configured source.
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum SourceSpec {
    Rss(rss::Config),
    Mastodon(mastodon::Config),
    Bluesky(bluesky::Config),
    X(x::Config),
    Facebook(facebook::Config),
    /// Items pushed to `POST /api/ingest` by another system.
    Webhook(WebhookConfig),
}

/// A source that other systems push to.
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct WebhookConfig {
    pub name: String,
    /// How callers prove who they are; the secret itself is the source's credential.
    pub auth: WebhookAuth,
}

#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum WebhookAuth {
    /// `Authorization: Bearer <secret>`.
    Token,
    /// `X-Omdomme-Signature: sha256=<hex HMAC-SHA256 of the body under the secret>`.
    Hmac,
}

impl SourceSpec {
    pub fn kind(&self) -> SourceKind {
        match self {
            SourceSpec::Rss(_) => SourceKind::Rss,
            SourceSpec::Mastodon(_) => SourceKind::Mastodon,
            SourceSpec::Bluesky(_) => SourceKind::Bluesky,
            SourceSpec::X(_) => SourceKind::X,
            SourceSpec::Facebook(_) => SourceKind::Facebook,
            SourceSpec::Webhook(_) => SourceKind::Webhook,
        }
    }

    pub fn name(&self) -> &str {
        match self {
            SourceSpec::Rss(c) => &c.name,
            SourceSpec::Mastodon(c) => &c.name,
            SourceSpec::Bluesky(c) => &c.name,
            SourceSpec::X(c) => &c.name,
            SourceSpec::Facebook(c) => &c.name,
            SourceSpec::Webhook(c) => &c.name,
        }
    }

    pub fn key(&self) -> SourceKey {
        SourceKey::new(self.kind(), self.name())
    }

    /// Every problem in the configuration, each naming its field.
    pub fn problems(&self) -> Vec<String> {
        let mut problems = match self {
            SourceSpec::Rss(c) => c.problems(),
            SourceSpec::Mastodon(c) => c.problems(),
            SourceSpec::Bluesky(c) => c.problems(),
            SourceSpec::X(c) => c.problems(),
            SourceSpec::Facebook(c) => c.problems(),
            SourceSpec::Webhook(_) => Vec::new(),
        };
        if self.name().trim().is_empty() {
            problems.push("name: must not be empty".to_owned());
        }
        problems
    }

    /// The connector that collects this source; `None` for a webhook, which is pushed to.
    pub fn connector(&self, ctx: &BuildContext) -> ConnectorResult<Option<Box<dyn Connector>>> {
        Ok(Some(match self {
            SourceSpec::Rss(c) => rss::connector(c, ctx)?,
            SourceSpec::Mastodon(c) => mastodon::connector(c, ctx)?,
            SourceSpec::Bluesky(c) => bluesky::connector(c, ctx)?,
            SourceSpec::X(c) => x::connector(c, ctx)?,
            SourceSpec::Facebook(c) => facebook::connector(c, ctx)?,
            SourceSpec::Webhook(_) => return Ok(None),
        }))
    }

    /// The channel for replying and publishing through this source's account.
    pub fn channel(&self, ctx: &BuildContext) -> ConnectorResult<Box<dyn Channel>> {
        match self {
            SourceSpec::Mastodon(c) => mastodon::channel(c, ctx),
            SourceSpec::Bluesky(c) => bluesky::channel(c, ctx),
            SourceSpec::X(c) => x::channel(c, ctx),
            SourceSpec::Facebook(c) => facebook::channel(c, ctx),
            SourceSpec::Rss(_) | SourceSpec::Webhook(_) => Err(ConnectorError::config(format!(
                "{} sources cannot be answered or posted to",
                self.kind().as_str()
            ))),
        }
    }
}

/// Refuses to build a source whose configuration has problems, naming each of them.
pub fn refuse_problems(kind: SourceKind, name: &str, problems: Vec<String>) -> ConnectorResult<()> {
    if problems.is_empty() {
        return Ok(());
    }
    Err(ConnectorError::config(format!(
        "{} source {name:?}: {}",
        kind.as_str(),
        problems.join("; ")
    )))
}

/// `interval_secs` of a config, or the platform's default.
pub fn interval(configured: Option<u64>, default: Duration) -> Duration {
    configured.map(Duration::from_secs).unwrap_or(default)
}
