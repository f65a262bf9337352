//! RSS 2.0 and Atom feeds: press, blogs and press-release wires.
//!
//! Each poll is one conditional GET of the feed (`If-None-Match` / `If-Modified-Since` from
//! the cursor); a 304 is an empty, caught-up batch. A changed feed is parsed by
//! `omdomme_sources::rss::items`, the parser file import uses, and only items whose id (guid,
//! else link) is not among the ids the cursor remembers are emitted, so a feed that gains one
//! item yields one item. Items whose text is only a teaser get the linked article's text
//! ([`fulltext`](Config::full_text)); a page that cannot be read leaves the summary.
//!
//! Quirks of real feeds this module deals with:
//! - Publishers move feeds. Redirects are followed here rather than by the HTTP client, so
//!   a permanent one (301, 308) is noticed: the new address is kept in the cursor and polled
//!   from then on, and every poll notes that the configured `url` should be updated
//!   ([`FeedConnector::last_poll`], and a warning in the log). A redirect loop is an error.
//! - Some servers ignore the validators and always answer 200: the remembered ids still keep
//!   old items out. Ids are remembered for the last [`SEEN_IDS`] items (more when a feed is
//!   longer), newest first.
//! - A front page instead of a feed: the error names the feed the page links to, if any.
//! - Older Norwegian sites serve ISO-8859-1 or Windows-1252; a feed or page declaring either
//!   (in `Content-Type` or its prolog) is converted to UTF-8 first.
//! - A malformed or truncated feed yields nothing: the items after the break were never
//!   read, so storing the rest with the new ETag would lose them. The next poll tries again.
//!   One bad item (no id, an unreadable date, text that is not UTF-8) is rejected alone.

mod fulltext;
mod opml;

use std::collections::HashSet;
use std::io::Cursor as ByteCursor;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use omdomme_core::{Item, SourceKey, SourceKind};
use omdomme_sources::ImportContext;
use omdomme_sources::html::tags;
use reqwest::StatusCode;
use reqwest::header::{
    ACCEPT, CONTENT_TYPE, ETAG, HeaderMap, IF_MODIFIED_SINCE, IF_NONE_MATCH, LAST_MODIFIED,
    LOCATION,
};
use serde::{Deserialize, Serialize};
use url::Url;

use crate::http::{self, Failure, MAX_BODY_BYTES};
use crate::{
    Batch, BuildContext, Connector, ConnectorError, ConnectorResult, ErrorKind, Http, spec,
};

pub use opml::opml_feeds;

/// How often a feed is polled unless `interval_secs` says otherwise.
pub const DEFAULT_INTERVAL: Duration = Duration::from_secs(10 * 60);

/// The shortest interval allowed: publishers block readers that poll more often, and even a
/// wire service's feed rarely changes faster.
pub const MIN_INTERVAL: Duration = Duration::from_secs(60);

/// The largest article page read for full text unless `full_text_max_bytes` says otherwise.
pub const DEFAULT_FULL_TEXT_MAX_BYTES: u64 = 2 * 1024 * 1024;

/// How long one article page may take unless `full_text_timeout_secs` says otherwise.
pub const DEFAULT_FULL_TEXT_TIMEOUT: Duration = Duration::from_secs(10);

/// The longest `full_text_timeout_secs` allowed: a poll waits for its slowest page.
pub const MAX_FULL_TEXT_TIMEOUT: Duration = Duration::from_secs(60);

/// An item whose text is shorter than this many characters is taken as a teaser, and its
/// article is fetched when `full_text` is on.
pub const SUMMARY_CHARS: usize = 500;

/// How many item ids the cursor remembers at least.
pub const SEEN_IDS: usize = 2000;

/// Redirects followed for one feed request.
const MAX_REDIRECTS: usize = 5;

/// Articles fetched for one batch, so the first poll of a 100-teaser feed does not wait for
/// 100 pages; the items after them follow in the next batch straight away.
const TEASERS_PER_BATCH: usize = 20;

const FEED_ACCEPT: &str =
    "application/rss+xml, application/atom+xml, application/xml;q=0.9, text/xml;q=0.9, */*;q=0.5";

/// One feed, as configured.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Config {
    pub name: String,
    /// The feed's address (http or https).
    pub url: String,
    /// Seconds between polls: [`DEFAULT_INTERVAL`] when absent, at least [`MIN_INTERVAL`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interval_secs: Option<u64>,
    /// Fetch the linked article for items whose text is shorter than [`SUMMARY_CHARS`]
    /// (feeds that carry only a teaser). On unless set to false.
    #[serde(default = "full_text_default")]
    pub full_text: bool,
    /// The largest article page read, in bytes ([`DEFAULT_FULL_TEXT_MAX_BYTES`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub full_text_max_bytes: Option<u64>,
    /// How long one article page may take, in seconds ([`DEFAULT_FULL_TEXT_TIMEOUT`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub full_text_timeout_secs: Option<u64>,
}

fn full_text_default() -> bool {
    true
}

impl Config {
    /// A feed with the default interval and full text on.
    pub fn new(name: impl Into<String>, url: impl Into<String>) -> Config {
        Config {
            name: name.into(),
            url: url.into(),
            interval_secs: None,
            full_text: true,
            full_text_max_bytes: None,
            full_text_timeout_secs: None,
        }
    }

    /// Every problem in the configuration, each naming its field.
    pub fn problems(&self) -> Vec<String> {
        let mut problems = Vec::new();
        if let Err(problem) = feed_url(&self.url) {
            problems.push(format!("url: {problem}"));
        }
        if let Some(secs) = self.interval_secs
            && secs < MIN_INTERVAL.as_secs()
        {
            problems.push(format!(
                "interval_secs: {secs} is below the floor of {} s; publishers block readers that poll more often, and feeds rarely change faster",
                MIN_INTERVAL.as_secs()
            ));
        }
        if let Some(bytes) = self.full_text_max_bytes
            && (bytes == 0 || bytes > MAX_BODY_BYTES as u64)
        {
            problems.push(format!(
                "full_text_max_bytes: {bytes} is outside 1..={MAX_BODY_BYTES} (default {DEFAULT_FULL_TEXT_MAX_BYTES})"
            ));
        }
        if let Some(secs) = self.full_text_timeout_secs
            && (secs == 0 || secs > MAX_FULL_TEXT_TIMEOUT.as_secs())
        {
            problems.push(format!(
                "full_text_timeout_secs: {secs} is outside 1..={} (default {})",
                MAX_FULL_TEXT_TIMEOUT.as_secs(),
                DEFAULT_FULL_TEXT_TIMEOUT.as_secs()
            ));
        }
        problems
    }
}

/// `text` as an http or https URL, or what is wrong with it.
fn feed_url(text: &str) -> Result<Url, String> {
    let url = Url::parse(text.trim()).map_err(|e| format!("{text:?} is not a URL ({e})"))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(format!(
            "{text:?} is not an http or https address (scheme {:?})",
            url.scheme()
        ));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(format!("{text:?} has no host"));
    }
    Ok(url)
}

/// The connector for `config`.
pub fn connector(config: &Config, ctx: &BuildContext) -> ConnectorResult<Box<dyn Connector>> {
    Ok(Box::new(FeedConnector::new(config, ctx)?))
}

/// What the last poll did besides collecting items; for `omdomme poll` and the log.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PollReport {
    /// Things the user should act on that did not stop the poll (a feed that moved).
    pub notes: Vec<String>,
    /// Items whose text now comes from the linked article.
    pub full_text_fetched: usize,
    /// Articles that could not be read, each `<url>: <why>`; their items keep the summary.
    pub full_text_failed: Vec<String>,
}

/// Polls one feed.
pub struct FeedConnector {
    source: SourceKey,
    config: Config,
    url: Url,
    interval: Duration,
    http: Http,
    /// Like `http`'s client, but leaves redirects to us so a moved feed is noticed.
    feed_client: reqwest::Client,
    /// `None` when `full_text` is off.
    articles: Option<fulltext::Articles>,
    last_poll: PollReport,
}

impl FeedConnector {
    pub fn new(config: &Config, ctx: &BuildContext) -> ConnectorResult<FeedConnector> {
        crate::spec::refuse_problems(SourceKind::Rss, &config.name, config.problems())?;
        let url = feed_url(&config.url).map_err(ConnectorError::config)?;
        let feed_client = http::client_builder(ctx.http.policy())
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| ConnectorError::config(format!("cannot build the HTTP client: {e}")))?;
        let articles = if config.full_text {
            let timeout = config
                .full_text_timeout_secs
                .map_or(DEFAULT_FULL_TEXT_TIMEOUT, Duration::from_secs);
            let max_bytes = config
                .full_text_max_bytes
                .unwrap_or(DEFAULT_FULL_TEXT_MAX_BYTES);
            Some(fulltext::Articles::new(
                &ctx.http,
                timeout,
                usize::try_from(max_bytes).unwrap_or(MAX_BODY_BYTES),
            )?)
        } else {
            None
        };
        Ok(FeedConnector {
            source: SourceKey::new(SourceKind::Rss, config.name.clone()),
            config: config.clone(),
            url,
            interval: spec::interval(config.interval_secs, DEFAULT_INTERVAL).max(MIN_INTERVAL),
            http: ctx.http.clone(),
            feed_client,
            articles,
            last_poll: PollReport::default(),
        })
    }

    /// What the last [`Connector::next_batch`] did besides collecting items.
    pub fn last_poll(&self) -> &PollReport {
        &self.last_poll
    }

    /// GETs the feed with the cursor's validators, following redirects.
    async fn fetch(&self, state: &mut FeedCursor) -> ConnectorResult<Fetched> {
        let mut url = state
            .moved_to
            .as_deref()
            .and_then(|moved| feed_url(moved).ok())
            .unwrap_or_else(|| self.url.clone());
        let mut visited = vec![url.clone()];
        // Only a chain of permanent redirects says the feed itself moved.
        let mut all_permanent = true;
        loop {
            let mut request = self
                .feed_client
                .get(url.clone())
                .header(ACCEPT, FEED_ACCEPT);
            if let Some(etag) = &state.etag {
                request = request.header(IF_NONE_MATCH, etag);
            }
            if let Some(modified) = &state.last_modified {
                request = request.header(IF_MODIFIED_SINCE, modified);
            }
            let response = self
                .http
                .send(request, classify)
                .await
                .map_err(|e| about(&url, e))?;
            let status = response.status();
            if status == StatusCode::NOT_MODIFIED {
                return Ok(Fetched::NotModified);
            }
            if status.is_redirection() {
                let next = redirect_target(&url, status, response.headers())?;
                if visited.contains(&next) {
                    return Err(about(
                        &self.url,
                        ConnectorError::bad_payload(format!(
                            "the feed address redirects in a loop ({}); the site is misconfigured or wants cookies a feed reader cannot give; open the address in a browser and use the feed URL it ends at",
                            chain(&visited, &next)
                        )),
                    ));
                }
                if visited.len() > MAX_REDIRECTS {
                    return Err(about(
                        &self.url,
                        ConnectorError::bad_payload(format!(
                            "the feed address redirects more than {MAX_REDIRECTS} times ({}); use the address the chain ends at",
                            chain(&visited, &next)
                        )),
                    ));
                }
                all_permanent &= matches!(
                    status,
                    StatusCode::MOVED_PERMANENTLY | StatusCode::PERMANENT_REDIRECT
                );
                if all_permanent {
                    state.moved_to = Some(next.to_string());
                }
                visited.push(next.clone());
                url = next;
                continue;
            }
            let header = |name: reqwest::header::HeaderName| {
                response
                    .headers()
                    .get(name)
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_owned)
            };
            let fetched = Fetched::Feed {
                etag: header(ETAG),
                last_modified: header(LAST_MODIFIED),
                content_type: header(CONTENT_TYPE),
                url: url.clone(),
                body: http::read_capped(response, MAX_BODY_BYTES, false)
                    .await
                    .map_err(|e| about(&url, e))?,
            };
            return Ok(fetched);
        }
    }

    fn note_move(&mut self, state: &FeedCursor) {
        if let Some(moved) = &state.moved_to {
            let note = format!(
                "the feed {} moved permanently to {moved}; polling the new address, but update `url` of rss source {:?} in the configuration",
                self.config.url, self.config.name
            );
            tracing::warn!(source = %self.source, "{note}");
            self.last_poll.notes.push(note);
        }
    }
}

enum Fetched {
    NotModified,
    Feed {
        etag: Option<String>,
        last_modified: Option<String>,
        content_type: Option<String>,
        /// Where the feed was found, after redirects.
        url: Url,
        body: Vec<u8>,
    },
}

#[async_trait]
impl Connector for FeedConnector {
    fn source(&self) -> &SourceKey {
        &self.source
    }

    fn interval(&self) -> Duration {
        self.interval
    }

    async fn next_batch(&mut self, cursor: Option<&str>) -> ConnectorResult<Batch> {
        self.last_poll = PollReport::default();
        let mut state = FeedCursor::read(cursor, &self.config.url, &self.source);
        let fetched = self.fetch(&mut state).await;
        self.note_move(&state);
        let Fetched::Feed {
            etag,
            last_modified,
            content_type,
            url,
            body,
        } = fetched?
        else {
            return Ok(Batch {
                cursor: Some(state.write()?),
                caught_up: true,
                ..Batch::default()
            });
        };
        let ctx = ImportContext {
            source_name: self.config.name.clone(),
            collected_at: self.http.now(),
        };
        let parse = tokio::task::spawn_blocking(move || parse(body, content_type, &url, ctx));
        let parsed = parse
            .await
            .map_err(|e| ConnectorError::bad_payload(format!("reading the feed failed: {e}")))?
            .map_err(|e| about(&self.url, e))?;

        let seen: HashSet<&str> = state.seen.iter().map(String::as_str).collect();
        let mut taken = HashSet::new();
        let mut fresh: Vec<Item> = parsed
            .items
            .into_iter()
            .filter(|item| {
                !seen.contains(item.external_id.as_str()) && taken.insert(item.external_id.clone())
            })
            .collect();
        let batch_len = match &self.articles {
            Some(_) => fulltext::batch_len(&fresh, TEASERS_PER_BATCH),
            None => fresh.len(),
        };
        let complete = batch_len == fresh.len();
        fresh.truncate(batch_len);
        let items = match &self.articles {
            Some(articles) => articles.complete(fresh, &mut self.last_poll).await,
            None => fresh,
        };
        if !self.last_poll.full_text_failed.is_empty() {
            tracing::info!(
                source = %self.source,
                "{} of {} articles could not be read and keep the feed's summary: {}",
                self.last_poll.full_text_failed.len(),
                self.last_poll.full_text_failed.len() + self.last_poll.full_text_fetched,
                self.last_poll.full_text_failed.join("; ")
            );
        }
        state.remember(
            items.iter().map(|item| item.external_id.clone()),
            parsed.feed_len,
        );
        // The validators describe the whole feed: keep the old ones until every new item of
        // this copy has been handed over, or a 304 would hide the rest.
        if complete {
            state.etag = etag;
            state.last_modified = last_modified;
        }
        Ok(Batch {
            items,
            cursor: Some(state.write()?),
            rejected: parsed.rejected,
            caught_up: complete,
        })
    }
}

/// Puts the feed's address in front of an error's message.
fn about(url: &Url, mut error: ConnectorError) -> ConnectorError {
    error.message = format!("feed {url}: {}", error.message);
    error
}

fn chain(visited: &[Url], next: &Url) -> String {
    visited
        .iter()
        .chain([next])
        .map(Url::as_str)
        .collect::<Vec<_>>()
        .join(" → ")
}

fn redirect_target(from: &Url, status: StatusCode, headers: &HeaderMap) -> ConnectorResult<Url> {
    let location = headers
        .get(LOCATION)
        .and_then(|v| v.to_str().ok())
        .ok_or_else(|| {
            about(
                from,
                ConnectorError::bad_payload(format!(
                    "the site answered {} without saying where to (no Location header)",
                    status.as_u16()
                )),
            )
        })?;
    let next = from.join(location).map_err(|e| {
        about(
            from,
            ConnectorError::bad_payload(format!("redirects to {location:?}, not a URL ({e})")),
        )
    })?;
    if !matches!(next.scheme(), "http" | "https") {
        return Err(about(
            from,
            ConnectorError::bad_payload(format!(
                "redirects to {next}, which is not an http or https address"
            )),
        ));
    }
    Ok(next)
}

/// Error advice for feeds: a feed that is gone, a paywall; the rest as any platform.
pub fn classify(failure: &Failure) -> ConnectorError {
    let status = failure.status.as_u16();
    match failure.status {
        StatusCode::NOT_FOUND | StatusCode::GONE => ConnectorError::new(
            ErrorKind::EndpointRetired,
            format!(
                "the feed address no longer exists ({status}); find the site's new feed URL and update `url`"
            ),
        ),
        StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN | StatusCode::PAYMENT_REQUIRED => {
            ConnectorError::new(
                ErrorKind::AccountSuspended,
                format!(
                    "the site refused the feed ({status}): it is behind a paywall or login, or the site blocks feed readers; ask the publisher for a subscriber feed or to allow the User-Agent {:?}, or remove the source",
                    http::USER_AGENT
                ),
            )
        }
        _ => http::classify(failure),
    }
}

/// The cursor: the feed's validators and the ids already emitted, as JSON.
#[derive(Debug, Default, Serialize, Deserialize)]
struct FeedCursor {
    /// The configured `url` this cursor was made for: a changed `url` drops the validators.
    url: String,
    /// Where the feed moved permanently.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    moved_to: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    etag: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    last_modified: Option<String>,
    /// Ids of emitted items, newest first.
    #[serde(default)]
    seen: Vec<String>,
}

impl FeedCursor {
    fn read(stored: Option<&str>, url: &str, source: &SourceKey) -> FeedCursor {
        let fresh = || FeedCursor {
            url: url.to_owned(),
            ..FeedCursor::default()
        };
        let Some(stored) = stored else {
            return fresh();
        };
        match serde_json::from_str::<FeedCursor>(stored) {
            Ok(cursor) if cursor.url == url => cursor,
            // A new address is a new feed as far as validators go; the ids still tell what
            // was stored.
            Ok(cursor) => FeedCursor {
                seen: cursor.seen,
                ..fresh()
            },
            Err(e) => {
                tracing::warn!(%source, "the stored cursor is unreadable ({e}); starting afresh, the store drops items it already has");
                fresh()
            }
        }
    }

    fn remember(&mut self, ids: impl Iterator<Item = String>, feed_len: usize) {
        let mut seen: Vec<String> = ids.collect();
        seen.append(&mut self.seen);
        // A feed longer than the limit would otherwise push its own oldest items out and get
        // them again on every poll.
        seen.truncate(SEEN_IDS.max(2 * feed_len));
        self.seen = seen;
    }

    fn write(&self) -> ConnectorResult<String> {
        serde_json::to_string(self)
            .map_err(|e| ConnectorError::bad_payload(format!("cannot write the cursor: {e}")))
    }
}

struct Parsed {
    items: Vec<Item>,
    rejected: Vec<String>,
    /// Items in the feed, rejected ones included.
    feed_len: usize,
}

fn parse(
    body: Vec<u8>,
    content_type: Option<String>,
    url: &Url,
    ctx: ImportContext,
) -> ConnectorResult<Parsed> {
    let body: Arc<[u8]> = to_utf8(body, content_type.as_deref())
        .map_err(ConnectorError::bad_payload)?
        .into();
    let not_utf8_at = std::str::from_utf8(&body).err().map(|e| e.valid_up_to());
    let mut items = Vec::new();
    let mut rejected = Vec::new();
    for result in omdomme_sources::rss::items(Box::new(ByteCursor::new(body.clone())), ctx) {
        match result {
            Ok(item) => items.push(item),
            Err(e) if omdomme_sources::rss::is_fatal(&e) => {
                return Err(unreadable_feed(&e, &body, content_type.as_deref(), url));
            }
            Err(e) => rejected.push(e.to_string()),
        }
    }
    if let Some(offset) = not_utf8_at
        && items.is_empty()
    {
        return Err(ConnectorError::bad_payload(format!(
            "the feed is not valid UTF-8 (first bad byte at offset {offset}) and declares no encoding we can convert (ISO-8859-1, Windows-1252); every item was rejected"
        )));
    }
    let feed_len = items.len() + rejected.len();
    Ok(Parsed {
        items,
        rejected,
        feed_len,
    })
}

/// Advice for a body that is not a readable feed at all.
fn unreadable_feed(
    error: &omdomme_sources::RecordError,
    body: &[u8],
    content_type: Option<&str>,
    url: &Url,
) -> ConnectorError {
    let text = String::from_utf8_lossy(body);
    let head = text.trim_start();
    let head = head.get(..200).unwrap_or(head).to_ascii_lowercase();
    // Some servers label real feeds text/html, so the label alone does not make a page.
    let labelled_html = content_type.is_some_and(|t| t.to_ascii_lowercase().contains("html"));
    let html = head.starts_with("<!doctype html")
        || head.starts_with("<html")
        || (labelled_html
            && !["<?xml", "<rss", "<feed", "<rdf"]
                .iter()
                .any(|x| head.starts_with(x)));
    if html {
        let links = feed_links(&text, url);
        let advice = if links.is_empty() {
            "find the site's feed address (often behind an RSS link on the site) and use it as `url`".to_owned()
        } else {
            format!(
                "the page names its feed at {}: use that as `url`",
                links.join(", ")
            )
        };
        return ConnectorError::bad_payload(format!(
            "the address answered with an HTML page, not an RSS or Atom feed; {advice}"
        ));
    }
    if error.record == 0 {
        return ConnectorError::bad_payload(format!("the address does not serve a feed: {error}"));
    }
    ConnectorError::bad_payload(format!(
        "the feed cannot be read past {error}; it may have been cut off in transfer or be broken at the source. Nothing from this copy was stored; the next poll tries again"
    ))
}

/// The feeds an HTML page announces with `<link rel="alternate" type="application/rss+xml">`.
fn feed_links(html: &str, page: &Url) -> Vec<String> {
    tags(html)
        .filter(|tag| tag.name == "link" && !tag.closing)
        .filter(|tag| {
            tag.attr("rel")
                .is_some_and(|rel| rel.to_ascii_lowercase().contains("alternate"))
                && tag.attr("type").is_some_and(|kind| {
                    matches!(
                        kind.trim().to_ascii_lowercase().as_str(),
                        "application/rss+xml" | "application/atom+xml"
                    )
                })
        })
        .filter_map(|tag| page.join(tag.attr("href")?.trim()).ok())
        .map(String::from)
        .collect()
}

/// `body` as UTF-8, converting ISO-8859-1 and Windows-1252 when the `Content-Type` or the
/// document's own prolog (`encoding="..."`, `charset=...`) declares them. Any other declared
/// encoding but UTF-8 is an error naming it.
fn to_utf8(body: Vec<u8>, content_type: Option<&str>) -> Result<Vec<u8>, String> {
    let declared = content_type
        .and_then(charset_in)
        .or_else(|| charset_in(&String::from_utf8_lossy(&body[..body.len().min(1024)])));
    let Some(declared) = declared else {
        return Ok(body);
    };
    match declared.as_str() {
        "utf-8" | "utf8" | "us-ascii" | "ascii" => Ok(body),
        "iso-8859-1" | "latin1" | "latin-1" | "iso8859-1" | "windows-1252" | "cp1252" => {
            if std::str::from_utf8(&body).is_ok() {
                // Mislabelled but already UTF-8 (common after a CMS upgrade).
                return Ok(body);
            }
            Ok(body
                .iter()
                .map(|&byte| windows_1252(byte))
                .collect::<String>()
                .into_bytes())
        }
        other => Err(format!(
            "the document is encoded as {other:?}; only UTF-8, ISO-8859-1 and Windows-1252 can be read"
        )),
    }
}

/// The lower-cased value after `charset=` or `encoding=` in `text`.
fn charset_in(text: &str) -> Option<String> {
    let lower = text.to_ascii_lowercase();
    let at = ["charset=", "encoding="]
        .iter()
        .find_map(|key| lower.find(key).map(|p| p + key.len()))?;
    let value: String = lower[at..]
        .trim_start_matches(['"', '\''])
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | ':'))
        .collect();
    (!value.is_empty()).then_some(value)
}

/// One byte of Windows-1252, which browsers also use for pages labelled ISO-8859-1.
fn windows_1252(byte: u8) -> char {
    const HIGH: [char; 32] = [
        '€', '\u{81}', '‚', 'ƒ', '„', '…', '†', '‡', 'ˆ', '‰', 'Š', '‹', 'Œ', '\u{8d}', 'Ž',
        '\u{8f}', '\u{90}', '‘', '’', '“', '”', '•', '–', '—', '˜', '™', 'š', '›', 'œ', '\u{9d}',
        'ž', 'Ÿ',
    ];
    match byte {
        0x80..=0x9f => HIGH[usize::from(byte - 0x80)],
        _ => char::from(byte),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn problems_name_their_fields() {
        let mut config = Config::new("vg", "feed://www.vg.no/rss");
        config.interval_secs = Some(5);
        config.full_text_max_bytes = Some(0);
        config.full_text_timeout_secs = Some(600);
        let problems = config.problems();
        assert_eq!(problems.len(), 4, "{problems:?}");
        assert!(problems[0].starts_with("url: ") && problems[0].contains("http or https"));
        assert!(problems[1].starts_with("interval_secs: 5 ") && problems[1].contains("60 s"));
        assert!(problems[2].starts_with("full_text_max_bytes: "));
        assert!(problems[3].starts_with("full_text_timeout_secs: "));
        assert!(
            Config::new("nrk", "not a url").problems()[0].contains("not a URL"),
            "{:?}",
            Config::new("nrk", "not a url").problems()
        );
        assert!(
            Config::new("nrk", "https://www.nrk.no/toppsaker.rss")
                .problems()
                .is_empty()
        );
    }

    #[test]
    fn latin_1_becomes_utf_8() {
        let body =
            b"<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><rss>bl\xe5b\xe6r \x96 \x80</rss>"
                .to_vec();
        let text = String::from_utf8(to_utf8(body, None).unwrap_or_default()).unwrap_or_default();
        assert!(text.ends_with("<rss>blåbær – €</rss>"), "{text}");
        let header = to_utf8(b"caf\xe9".to_vec(), Some("text/xml; charset=windows-1252"));
        assert_eq!(header.as_deref(), Ok("café".as_bytes()));
        let utf16 = to_utf8(b"<?xml encoding='UTF-16'?>".to_vec(), None);
        assert!(utf16.is_err_and(|e| e.contains("utf-16")));
    }

    #[test]
    fn the_cursor_remembers_newest_first_and_forgets_the_oldest() {
        let source = SourceKey::new(SourceKind::Rss, "a");
        let mut cursor = FeedCursor::read(None, "https://a.no/rss", &source);
        cursor.remember((0..SEEN_IDS).map(|i| i.to_string()), 10);
        cursor.remember(["new".to_owned()].into_iter(), 10);
        assert_eq!(cursor.seen.len(), SEEN_IDS);
        assert_eq!(cursor.seen[0], "new");
        assert_eq!(cursor.seen[1], "0");
        cursor.etag = Some("\"1\"".into());
        let written = cursor.write().unwrap_or_default();
        let moved = FeedCursor::read(Some(&written), "https://a.no/ny", &source);
        assert_eq!((moved.etag, moved.seen.len()), (None, SEEN_IDS));
        let garbage = FeedCursor::read(Some("{"), "https://a.no/rss", &source);
        assert!(garbage.seen.is_empty());
    }
}
