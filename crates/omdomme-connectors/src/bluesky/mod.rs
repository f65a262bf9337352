//! Bluesky (AT Protocol): the Jetstream firehose filtered by the workspace's watch queries,
//! `app.bsky.feed.searchPosts`, thread fetch, and posting and replying with an app-password
//! session.
//!
//! Quirks:
//! - `listen = "jetstream"` (the default) reads every new post on the network from a
//!   Jetstream WebSocket and keeps those a watch query matches; `listen = "search"` polls
//!   `searchPosts` instead (fewer posts, but older ones too). Jetstream carries only the
//!   author's DID, so `author:`/`@handle` terms match an author by DID only; `lang:` terms
//!   read the post's declared language (`langs[0]`, `no` counting as bokmål).
//! - The Jetstream cursor is the newest `time_us` handed over. On reconnect the consumer asks
//!   for events from a few seconds before it (Jetstream's cursor is approximate and events
//!   arrive slightly out of order) and drops the posts it already handed over; after a
//!   restart of the process the store's idempotent upsert drops those instead.
//! - Reads go to the public AppView (`public.api.bsky.app`) without a session. Search there
//!   is often refused nowadays; with `handle` set and an app password stored, search goes
//!   through the account's PDS with the session instead.
//! - The session (`com.atproto.server.createSession`, handle + app password) is renewed with
//!   `refreshSession` when the PDS says `ExpiredToken`, and created anew if that fails.
//! - Posts are at most 300 graphemes; replies name their parent and thread root by uri and
//!   cid, which are fetched with `app.bsky.feed.getPosts`.

mod channel;
mod filter;
mod jetstream;
pub mod replay;
mod search;
mod xrpc;

use std::time::Duration;

use serde::Deserialize;
use url::Url;

use crate::{BuildContext, Channel, Connector, ConnectorError, ConnectorResult};

pub use channel::BlueskyChannel;
pub use jetstream::Jetstream;
pub use search::BlueskySearch;
pub use xrpc::{Reader, Session, classify};

/// Bluesky's own Jetstream instance (there are four; any will do).
pub const DEFAULT_JETSTREAM: &str = "wss://jetstream2.us-east.bsky.network/subscribe";
/// The AppView that answers public reads without a session.
pub const DEFAULT_APPVIEW: &str = "https://public.api.bsky.app";
/// Where accounts on bsky.social sign in; self-hosted accounts name their own PDS.
pub const DEFAULT_PDS: &str = "https://bsky.social";

const DEFAULT_SEARCH_INTERVAL: Duration = Duration::from_secs(120);

/// `kind = "bluesky"`.
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Config {
    pub name: String,
    #[serde(default)]
    pub listen: Listen,
    /// The Jetstream `subscribe` address (default: Bluesky's own).
    #[serde(default)]
    pub jetstream: Option<String>,
    /// The AppView for public reads (default `https://public.api.bsky.app`).
    #[serde(default)]
    pub appview: Option<String>,
    /// The account's PDS for signing in and posting (default `https://bsky.social`).
    #[serde(default)]
    pub pds: Option<String>,
    /// The account that posts and searches (`nordlys.bsky.social`); its app password is the
    /// source's credential.
    #[serde(default)]
    pub handle: Option<String>,
    /// Between search polls (`listen = "search"`); the firehose has no interval.
    #[serde(default)]
    pub interval_secs: Option<u64>,
}

/// How a Bluesky source finds posts.
#[derive(Clone, Copy, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Listen {
    /// Every new post from Jetstream, kept when a watch query matches.
    #[default]
    Jetstream,
    /// `app.bsky.feed.searchPosts` for the watch queries' terms.
    Search,
}

impl Config {
    /// Every problem, each naming its field.
    pub fn problems(&self) -> Vec<String> {
        let mut problems = Vec::new();
        if let Err(e) = url_of(self.jetstream.as_deref(), DEFAULT_JETSTREAM, &["ws", "wss"]) {
            problems.push(format!("jetstream: {e}"));
        }
        if let Err(e) = url_of(self.appview.as_deref(), DEFAULT_APPVIEW, &["http", "https"]) {
            problems.push(format!("appview: {e}"));
        }
        if let Err(e) = url_of(self.pds.as_deref(), DEFAULT_PDS, &["http", "https"]) {
            problems.push(format!("pds: {e}"));
        }
        if let Some(handle) = &self.handle {
            let bare = handle.trim().trim_start_matches('@');
            if !bare.contains('.') || bare.contains(['/', ' ', '@']) {
                problems.push(format!(
                    "handle: {handle:?} is not a handle like nordlys.bsky.social"
                ));
            }
        }
        if self.interval_secs == Some(0) {
            problems.push("interval_secs: must be at least 1".to_owned());
        }
        problems
    }

    fn handle(&self) -> Option<String> {
        self.handle
            .as_deref()
            .map(|h| h.trim().trim_start_matches('@').to_owned())
    }

    fn appview_url(&self) -> ConnectorResult<Url> {
        url_of(self.appview.as_deref(), DEFAULT_APPVIEW, &["http", "https"])
            .map_err(|e| ConnectorError::config(format!("appview: {e}")))
    }

    fn pds_url(&self) -> ConnectorResult<Url> {
        url_of(self.pds.as_deref(), DEFAULT_PDS, &["http", "https"])
            .map_err(|e| ConnectorError::config(format!("pds: {e}")))
    }

    fn jetstream_url(&self) -> ConnectorResult<Url> {
        url_of(self.jetstream.as_deref(), DEFAULT_JETSTREAM, &["ws", "wss"])
            .map_err(|e| ConnectorError::config(format!("jetstream: {e}")))
    }
}

/// `configured` (or `default`) as a URL with one of `schemes`; a base URL gets a trailing `/`
/// so paths join onto it.
fn url_of(configured: Option<&str>, default: &str, schemes: &[&str]) -> Result<Url, String> {
    let text = configured.unwrap_or(default).trim();
    let mut url = Url::parse(text).map_err(|e| format!("{text:?} is not a URL: {e}"))?;
    if !schemes.contains(&url.scheme()) || url.host_str().is_none() {
        return Err(format!(
            "{text:?} must be a {} address",
            schemes.join(" or ")
        ));
    }
    if url.scheme().starts_with("http") && !url.path().ends_with('/') {
        let path = format!("{}/", url.path());
        url.set_path(&path);
    }
    Ok(url)
}

fn check(config: &Config) -> ConnectorResult<()> {
    crate::spec::refuse_problems(
        omdomme_core::SourceKind::Bluesky,
        &config.name,
        config.problems(),
    )
}

/// The session for the configured handle, when there is a handle and a credential.
fn session(config: &Config, ctx: &BuildContext) -> ConnectorResult<Option<Session>> {
    match (config.handle(), &ctx.credential) {
        (Some(handle), Some(password)) => Ok(Some(Session::new(
            ctx.http.clone(),
            config.pds_url()?,
            handle,
            password.clone(),
        ))),
        _ => Ok(None),
    }
}

/// The connector of a `bluesky` source: the firehose or search, as `listen` says.
pub fn connector(config: &Config, ctx: &BuildContext) -> ConnectorResult<Box<dyn Connector>> {
    Ok(match config.listen {
        Listen::Jetstream => Box::new(Jetstream::new(config, ctx)?),
        Listen::Search => Box::new(BlueskySearch::new(config, ctx)?),
    })
}

/// Posting and replying as `handle`, signed in with the app password.
pub fn channel(config: &Config, ctx: &BuildContext) -> ConnectorResult<Box<dyn Channel>> {
    Ok(Box::new(BlueskyChannel::new(config, ctx)?))
}
