//! Mastodon over its REST API (<https://docs.joinmastodon.org>): hashtag, account and search
//! timelines, the streaming API for live hashtags, and posting and replying through
//! `POST /api/v1/statuses`.
//!
//! Quirks:
//! - Ids are strings that sort as numbers (snowflakes): a longer id is newer. The cursor is a
//!   JSON object from each timeline (`tag:nordlys`, `account:nrk@mastodon.social`,
//!   `search:nordlys energi`) to the newest status id seen in it.
//! - A first run reads the newest page and then older ones (`max_id`, the Link header's
//!   `rel="next"`) up to `backfill_pages`; later runs ask for what is newer than the cursor
//!   (`min_id`, which returns the statuses right after it, then `rel="prev"` for newer pages),
//!   so a busy hashtag is read without gaps.
//! - Accounts are configured as `user@domain`; their numeric id comes from
//!   `/api/v1/accounts/lookup` once per process.
//! - Search (`/api/v2/search?type=statuses`) needs a token on most instances, and finds only
//!   posts the instance has indexed (with full-text search enabled, posts that opted in).
//! - Streaming (`stream = true`) holds a WebSocket to `/api/v1/streaming` subscribed to each
//!   hashtag. On every (re)connect the REST timelines fill the gap since the committed
//!   cursor before live events are read, and live events at or below the cursor are dropped,
//!   so a dropped socket loses nothing and repeats nothing.
//! - Posting sends `Idempotency-Key`, so a retried request is not posted twice.

mod api;
mod channel;
mod stream;
mod timeline;

use std::collections::BTreeMap;
use std::time::Duration;

use async_trait::async_trait;
use omdomme_core::{SourceKey, SourceKind};
use serde::Deserialize;

use crate::{Batch, BuildContext, Channel, Connector, ConnectorError, ConnectorResult};

pub use api::classify;
pub use channel::MastodonChannel;

use api::Api;
use stream::Live;
use timeline::{Rest, Timeline};

/// Between polls of the REST timelines.
const DEFAULT_INTERVAL: Duration = Duration::from_secs(60);
/// Pages of 40 statuses a first run reads per timeline.
const DEFAULT_BACKFILL_PAGES: u32 = 5;
const MAX_BACKFILL_PAGES: u32 = 100;

/// `kind = "mastodon"`: what to follow on one instance.
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Config {
    pub name: String,
    /// The instance's address, `https://mastodon.social`.
    pub instance: String,
    /// Hashtags to follow, with or without `#`.
    #[serde(default)]
    pub hashtags: Vec<String>,
    /// Accounts whose statuses to follow, `user@domain` (or `user` on this instance).
    #[serde(default)]
    pub accounts: Vec<String>,
    /// Full-text searches (need a token on most instances).
    #[serde(default)]
    pub search: Vec<String>,
    /// Follow the hashtags live over the streaming API instead of polling them.
    #[serde(default)]
    pub stream: bool,
    #[serde(default)]
    pub interval_secs: Option<u64>,
    /// Pages of 40 statuses a first run reads back per timeline (default 5).
    #[serde(default)]
    pub backfill_pages: Option<u32>,
}

impl Config {
    /// Every problem, each naming its field.
    pub fn problems(&self) -> Vec<String> {
        let mut problems = Vec::new();
        if let Err(e) = api::base_url(&self.instance) {
            problems.push(format!("instance: {e}"));
        }
        if self.hashtags.is_empty() && self.accounts.is_empty() && self.search.is_empty() {
            problems.push(
                "hashtags, accounts, search: name at least one hashtag, account or search to follow"
                    .to_owned(),
            );
        }
        for (i, tag) in self.hashtags.iter().enumerate() {
            let bare = tag.trim().trim_start_matches('#');
            if bare.is_empty() || !bare.chars().all(|c| c.is_alphanumeric() || c == '_') {
                problems.push(format!(
                    "hashtags[{i}]: {tag:?} is not a hashtag (letters, digits and _ only)"
                ));
            }
        }
        for (i, acct) in self.accounts.iter().enumerate() {
            if !is_acct(acct) {
                problems.push(format!(
                    "accounts[{i}]: {acct:?} is not an account; write it as user@instance.example"
                ));
            }
        }
        for (i, terms) in self.search.iter().enumerate() {
            if terms.trim().is_empty() {
                problems.push(format!("search[{i}]: must not be empty"));
            }
        }
        if self.stream && self.hashtags.is_empty() {
            problems.push(
                "stream: streaming follows hashtags; add some to `hashtags` or set stream = false"
                    .to_owned(),
            );
        }
        if self.interval_secs == Some(0) {
            problems.push("interval_secs: must be at least 1".to_owned());
        }
        if let Some(pages) = self.backfill_pages
            && !(1..=MAX_BACKFILL_PAGES).contains(&pages)
        {
            problems.push(format!(
                "backfill_pages: must be between 1 and {MAX_BACKFILL_PAGES}"
            ));
        }
        problems
    }

    fn timelines(&self) -> Vec<Timeline> {
        let tags = self
            .hashtags
            .iter()
            .map(|t| Timeline::Tag(t.trim().trim_start_matches('#').to_owned()));
        let accounts = self
            .accounts
            .iter()
            .map(|a| Timeline::Account(a.trim().trim_start_matches('@').to_owned()));
        let searches = self
            .search
            .iter()
            .map(|q| Timeline::Search(q.trim().to_owned()));
        tags.chain(accounts).chain(searches).collect()
    }
}

/// `user` or `user@domain`, with an optional leading `@`.
fn is_acct(acct: &str) -> bool {
    let acct = acct.trim().trim_start_matches('@');
    let (user, domain) = acct.split_once('@').unwrap_or((acct, "example.org"));
    !user.is_empty()
        && user.chars().all(|c| c.is_alphanumeric() || c == '_')
        && domain.contains('.')
        && !domain.contains(['@', '/', ' '])
}

/// The connector of a `mastodon` source.
pub fn connector(config: &Config, ctx: &BuildContext) -> ConnectorResult<Box<dyn Connector>> {
    Ok(Box::new(MastodonConnector::new(config, ctx)?))
}

/// Posting and replying as the account the source's token belongs to.
pub fn channel(config: &Config, ctx: &BuildContext) -> ConnectorResult<Box<dyn Channel>> {
    Ok(Box::new(MastodonChannel::new(config, ctx)?))
}

fn check(config: &Config) -> ConnectorResult<()> {
    crate::spec::refuse_problems(SourceKind::Mastodon, &config.name, config.problems())
}

/// Polls the configured timelines, or streams the hashtags live when `stream` is set.
pub struct MastodonConnector {
    source: SourceKey,
    rest: Rest,
    interval: Duration,
    live: Option<Live>,
}

impl MastodonConnector {
    pub fn new(config: &Config, ctx: &BuildContext) -> ConnectorResult<MastodonConnector> {
        check(config)?;
        if !config.search.is_empty() && ctx.credential.is_none() {
            return Err(ConnectorError::config(format!(
                "mastodon source {}: search needs an access token with the read:search scope on most instances; store one with `omdomme sources credential set`",
                config.name
            )));
        }
        let api = Api::new(&config.instance, ctx.http.clone(), ctx.credential.clone())?;
        let timelines = config.timelines();
        let live = config.stream.then(|| {
            Live::new(
                timelines
                    .iter()
                    .filter_map(|t| match t {
                        Timeline::Tag(tag) => Some(tag.clone()),
                        _ => None,
                    })
                    .collect(),
            )
        });
        Ok(MastodonConnector {
            source: SourceKey::new(SourceKind::Mastodon, config.name.clone()),
            rest: Rest::new(
                api,
                timelines,
                config.backfill_pages.unwrap_or(DEFAULT_BACKFILL_PAGES),
                config.name.clone(),
            ),
            interval: crate::spec::interval(config.interval_secs, DEFAULT_INTERVAL),
            live,
        })
    }
}

/// Per timeline key, the newest status id seen.
type Cursor = BTreeMap<String, String>;

fn write_cursor(cursor: &Cursor) -> String {
    serde_json::to_string(cursor).unwrap_or_default()
}

#[async_trait]
impl Connector for MastodonConnector {
    fn source(&self) -> &SourceKey {
        &self.source
    }

    fn interval(&self) -> Duration {
        self.interval
    }

    async fn next_batch(&mut self, cursor: Option<&str>) -> ConnectorResult<Batch> {
        let committed = crate::read_cursor(&self.source, cursor);
        match &mut self.live {
            Some(live) => {
                live.next_batch(&mut self.rest, cursor, committed, self.interval)
                    .await
            }
            None => {
                let round = self.rest.round(&committed, |_| true).await?;
                Ok(Batch {
                    items: round.items,
                    cursor: Some(write_cursor(&round.cursor)),
                    rejected: round.rejected,
                    caught_up: !round.more,
                })
            }
        }
    }
}

/// Whether status id `a` is newer than `b` (ids sort as numbers of any length).
fn newer(a: &str, b: &str) -> bool {
    (a.len(), a) > (b.len(), b)
}
