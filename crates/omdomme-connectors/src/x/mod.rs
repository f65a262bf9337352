//! X API v2: recent search for the brands' watch queries, and posting and replying.
//!
//! - Search: `GET /2/tweets/search/recent`, one search per brand, its watch query translated
//!   by [`translate`] (what X cannot express is logged once when the connector is built).
//!   Authors and the tweets replied to or quoted come through `expansions`; `next_token`
//!   pages go back in time, `since_id` resumes. A first run reads at most
//!   `first_run_pages` pages per brand; later runs read every page since the last, so
//!   nothing is lost between polls. X keeps only the last seven days in recent search: a
//!   `since_id` older than that is dropped (X would refuse it) and the search starts over.
//! - Cursor (JSON): per brand the translated query, the newest id seen, and while paging the
//!   `next_token`, the `since_id` the pages were asked with and the newest id of the run.
//!   The newest id is committed only after the last page, so a restart in the middle pages
//!   on from where it stopped and nothing older is skipped. A changed query starts afresh.
//! - Credential: either one token (used for everything), or a JSON bundle
//!   `{"bearer": "<app-only bearer token>", "user_token": "<OAuth 2.0 user-context token>"}`.
//!   Search uses the bearer (else the user token); posting needs the user token with the
//!   scopes `tweet.read tweet.write users.read` (and `media.write` for images). OAuth 2.0
//!   user tokens expire after two hours and are not refreshed here: a 401 says so.
//!   OAuth 1.0a request signing is not supported.
//! - Channel: `POST /2/tweets` (text, `reply.in_reply_to_tweet_id`, `media.media_ids`),
//!   images through `POST /2/media/upload` (one-shot multipart) and their alt text through
//!   `POST /2/media/metadata`; engagement from `GET /2/tweets/:id` `public_metrics`
//!   (`impression_count` where X gives it). Lengths are counted as X does (see
//!   [`weighted_length`]).

mod errors;
mod query;

use std::collections::BTreeMap;
use std::time::Duration;

use async_trait::async_trait;
use omdomme_core::{Engagement, SourceKey, SourceKind};
use omdomme_sources::ImportContext;
use omdomme_sources::html::decode_entities;
use omdomme_sources::x::{Response, parse_response, snowflake_time};
use serde::{Deserialize, Serialize};
use url::Url;

pub use errors::{Problem, classify};
pub use omdomme_core::post_length::{MAX_WEIGHTED_LENGTH, weighted_length};
pub use query::{Outcome, Translation, Untranslatable, translate};

use crate::channel::same_post_text;
use crate::http::{Multipart, read_json};
use crate::{
    Batch, BuildContext, Channel, Connector, ConnectorError, ConnectorResult, ErrorKind, Http,
    OutboundPost, Posted, Secret, spec,
};

pub const DEFAULT_BASE_URL: &str = "https://api.x.com";
/// Recent search allows 60 requests a 15-minute window on the Basic plan and each post read
/// counts against the monthly cap, so the default is unhurried.
pub const DEFAULT_INTERVAL: Duration = Duration::from_secs(15 * 60);
/// X's own limits for `max_results` of recent search.
const MAX_RESULTS_RANGE: std::ops::RangeInclusive<u32> = 10..=100;
const DEFAULT_MAX_RESULTS: u32 = 100;
const DEFAULT_FIRST_RUN_PAGES: u32 = 3;
/// The query length limit of recent search on the self-serve plans (Enterprise: 4,096).
pub const DEFAULT_QUERY_LIMIT: usize = 512;
/// Recent search covers seven days; a `since_id` a little younger than that is still safe.
const SEARCH_WINDOW: Duration = Duration::from_secs(7 * 24 * 3600 - 3600);
const MAX_IMAGES: usize = 4;
const MAX_ALT_TEXT_CHARS: usize = 1000;
/// Pages of the account's posts (100 each) looked through for a post whose answer never
/// came: plenty for the hours an outbox retries.
const MAX_SEARCH_PAGES: u32 = 3;

const TWEET_FIELDS: &str = "created_at,public_metrics,conversation_id,in_reply_to_user_id,referenced_tweets,lang,author_id,entities,note_tweet";
const EXPANSIONS: &str = "author_id,referenced_tweets.id";
const USER_FIELDS: &str = "username,name,verified,public_metrics";

/// `kind = "x"` in the config file.
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Config {
    pub name: String,
    /// The API's address; only tests change it.
    #[serde(default)]
    pub base_url: Option<String>,
    #[serde(default)]
    pub interval_secs: Option<u64>,
    /// Posts per page, 10 to 100.
    #[serde(default)]
    pub max_results: Option<u32>,
    /// Pages per brand on the very first run (later runs read every new page).
    #[serde(default)]
    pub first_run_pages: Option<u32>,
    /// X operators added to every search, e.g. `-is:retweet -is:nullcast`.
    #[serde(default)]
    pub extra_terms: Option<String>,
    /// The plan's query length limit; 512 unless the plan allows more.
    #[serde(default)]
    pub query_limit: Option<usize>,
}

impl Config {
    pub fn problems(&self) -> Vec<String> {
        let mut problems = Vec::new();
        if let Err(e) = base_url(self) {
            problems.push(e.message);
        }
        if let Some(n) = self.max_results
            && !MAX_RESULTS_RANGE.contains(&n)
        {
            problems.push(format!(
                "max_results: must be between {} and {}, not {n}",
                MAX_RESULTS_RANGE.start(),
                MAX_RESULTS_RANGE.end()
            ));
        }
        if self.first_run_pages == Some(0) {
            problems.push("first_run_pages: must be at least 1".to_owned());
        }
        if self.interval_secs == Some(0) {
            problems.push("interval_secs: must be at least 1".to_owned());
        }
        if let Some(limit) = self.query_limit
            && !(1..=4096).contains(&limit)
        {
            problems.push(format!(
                "query_limit: must be between 1 and 4096 (X's largest), not {limit}"
            ));
        }
        problems
    }
}

fn base_url(config: &Config) -> ConnectorResult<Url> {
    let text = config.base_url.as_deref().unwrap_or(DEFAULT_BASE_URL);
    match Url::parse(text) {
        Ok(url) if matches!(url.scheme(), "http" | "https") => Ok(url),
        _ => Err(ConnectorError::config(format!(
            "base_url: \"{text}\" is not an http(s) URL"
        ))),
    }
}

fn endpoint(base: &Url, path: &str) -> ConnectorResult<Url> {
    base.join(path)
        .map_err(|e| ConnectorError::config(format!("base_url: cannot add {path}: {e}")))
}

/// The tokens in the source's credential.
struct Tokens {
    bearer: Option<Secret>,
    user: Option<Secret>,
}

impl Tokens {
    fn from_credential(credential: Option<&Secret>) -> ConnectorResult<Tokens> {
        let Some(credential) = credential else {
            return Err(ConnectorError::config(
                "the X source has no credential: store a bearer token, or {\"bearer\": \"…\", \"user_token\": \"…\"}, with `omdomme sources credential set`",
            ));
        };
        let text = credential.expose().trim();
        if !text.starts_with('{') {
            let token = Secret::new(text);
            return Ok(Tokens {
                bearer: Some(token.clone()),
                user: Some(token),
            });
        }
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Bundle {
            bearer: Option<String>,
            user_token: Option<String>,
        }
        // serde's message could quote the value, and the value is a secret.
        let bundle: Bundle = serde_json::from_str(text).map_err(|_| {
            ConnectorError::config(
                "the X credential looks like JSON but is not {\"bearer\": \"…\", \"user_token\": \"…\"} (both optional strings)",
            )
        })?;
        let token = |t: Option<String>| t.filter(|t| !t.trim().is_empty()).map(Secret::new);
        Ok(Tokens {
            bearer: token(bundle.bearer),
            user: token(bundle.user_token),
        })
    }
}

/// One brand's search.
#[derive(Clone, Debug)]
struct Search {
    brand: String,
    query: String,
}

/// Builds the translated searches, failing on a query X cannot run or one too long.
fn searches(config: &Config, ctx: &BuildContext) -> ConnectorResult<Vec<Search>> {
    let limit = config.query_limit.unwrap_or(DEFAULT_QUERY_LIMIT);
    let extra = config.extra_terms.as_deref().map(str::trim).unwrap_or("");
    let mut out = Vec::new();
    for watch in &ctx.watch {
        let brand = watch.brand.to_string();
        let translation = match translate(&watch.query) {
            Ok(Outcome::Search(t)) => t,
            Ok(Outcome::NothingOnX) => {
                tracing::info!(
                    brand,
                    query = watch.text,
                    "the watch query selects no X posts; not searched"
                );
                continue;
            }
            Err(e) => {
                return Err(ConnectorError::config(format!(
                    "brand {brand}: the watch query `{}` cannot be searched on X: {e}",
                    watch.text
                )));
            }
        };
        for note in &translation.untranslatable {
            tracing::warn!(
                brand,
                "X search for the watch query `{}`: {note}",
                watch.text
            );
        }
        let query = if extra.is_empty() {
            translation.query
        } else if translation.query.contains(" OR ") && !translation.query.starts_with('(') {
            format!("({}) {extra}", translation.query)
        } else {
            format!("{} {extra}", translation.query)
        };
        let length = query.chars().count();
        if length > limit {
            return Err(ConnectorError::config(format!(
                "brand {brand}: the X search for `{}` is {length} characters, over the plan's limit of {limit}; shorten the watch query{}",
                watch.text,
                if extra.is_empty() {
                    ""
                } else {
                    " or extra_terms"
                }
            )));
        }
        out.push(Search { brand, query });
    }
    if out.is_empty() {
        return Err(ConnectorError::config(
            "the X source has nothing to search: no brand has a watch query that can match X posts",
        ));
    }
    Ok(out)
}

pub fn connector(config: &Config, ctx: &BuildContext) -> ConnectorResult<Box<dyn Connector>> {
    let tokens = Tokens::from_credential(ctx.credential.as_ref())?;
    let Some(token) = tokens.bearer.or(tokens.user) else {
        return Err(ConnectorError::config(
            "the X credential has no token: set \"bearer\" (or \"user_token\")",
        ));
    };
    Ok(Box::new(XSearch {
        source: SourceKey::new(SourceKind::X, config.name.clone()),
        http: ctx.http.clone(),
        search_url: endpoint(&base_url(config)?, "/2/tweets/search/recent")?,
        token,
        searches: searches(config, ctx)?,
        interval: spec::interval(config.interval_secs, DEFAULT_INTERVAL),
        max_results: config.max_results.unwrap_or(DEFAULT_MAX_RESULTS),
        first_run_pages: config.first_run_pages.unwrap_or(DEFAULT_FIRST_RUN_PAGES),
    }))
}

struct XSearch {
    source: SourceKey,
    http: Http,
    search_url: Url,
    token: Secret,
    searches: Vec<Search>,
    interval: Duration,
    max_results: u32,
    first_run_pages: u32,
}

/// Where each brand's search stands.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
struct Cursor {
    #[serde(default)]
    searches: BTreeMap<String, SearchState>,
    /// The brand whose search the next call continues.
    #[serde(default)]
    turn: Option<String>,
}

#[derive(Clone, Debug, Default, Deserialize, Serialize)]
struct SearchState {
    query: String,
    #[serde(default)]
    newest_id: Option<String>,
    #[serde(default)]
    paging: Option<Paging>,
}

/// A run through the pages of one search, newest first.
#[derive(Clone, Debug, Deserialize, Serialize)]
struct Paging {
    next_token: String,
    /// Every page of a run is asked with the same `since_id`.
    since_id: Option<String>,
    /// The newest id of the run's first page: the next run's `since_id`.
    newest_id: Option<String>,
    pages: u32,
}

#[derive(Debug, Default, Deserialize)]
struct SearchPage {
    #[serde(flatten)]
    response: Response,
    #[serde(default)]
    meta: Meta,
    #[serde(default)]
    errors: Vec<Problem>,
}

#[derive(Debug, Default, Deserialize)]
struct Meta {
    #[serde(default)]
    newest_id: Option<String>,
    #[serde(default)]
    next_token: Option<String>,
}

#[async_trait]
impl Connector for XSearch {
    fn source(&self) -> &SourceKey {
        &self.source
    }

    fn interval(&self) -> Duration {
        self.interval
    }

    async fn next_batch(&mut self, cursor: Option<&str>) -> ConnectorResult<Batch> {
        let mut cursor: Cursor = crate::read_cursor(&self.source, cursor);
        let position = cursor
            .turn
            .as_ref()
            .and_then(|brand| self.searches.iter().position(|s| &s.brand == brand))
            .unwrap_or(0);
        let search = self.searches[position].clone();
        let mut state = cursor
            .searches
            .get(&search.brand)
            .filter(|state| state.query == search.query)
            .cloned()
            .unwrap_or_else(|| SearchState {
                query: search.query.clone(),
                ..SearchState::default()
            });

        let since_id = match &state.paging {
            Some(paging) => paging.since_id.clone(),
            None => state
                .newest_id
                .clone()
                .filter(|id| self.still_searchable(id)),
        };
        let mut url = self.search_url.clone();
        {
            let mut query = url.query_pairs_mut();
            query
                .append_pair("query", &search.query)
                .append_pair("max_results", &self.max_results.to_string())
                .append_pair("tweet.fields", TWEET_FIELDS)
                .append_pair("expansions", EXPANSIONS)
                .append_pair("user.fields", USER_FIELDS);
            if let Some(since_id) = &since_id {
                query.append_pair("since_id", since_id);
            }
            if let Some(paging) = &state.paging {
                query.append_pair("next_token", &paging.next_token);
            }
        }
        let request = self.http.client().get(url).bearer_auth(self.token.expose());
        let response = self.http.send(request, classify).await.map_err(|e| {
            let e = e.redact(&self.token);
            if e.kind == ErrorKind::Config {
                ConnectorError::config(format!(
                    "brand {}: X refused the search `{}`: {}",
                    search.brand, search.query, e.message
                ))
            } else {
                e
            }
        })?;
        let page: SearchPage = read_json(response).await?;

        let ctx = ImportContext {
            source_name: self.source.name.clone(),
            collected_at: self.http.now(),
        };
        let mut batch = Batch::default();
        for result in parse_response(page.response, &ctx) {
            match result {
                Ok(item) => batch.items.push(item),
                Err(e) => batch
                    .rejected
                    .push(format!("X search for {}: {e}", search.brand)),
            }
        }
        batch
            .rejected
            .extend(page.errors.iter().map(Problem::partial));

        let pages = state.paging.as_ref().map_or(0, |p| p.pages) + 1;
        let run_newest = match &state.paging {
            Some(paging) => paging.newest_id.clone(),
            None => page.meta.newest_id.clone(),
        };
        let first_run = state.newest_id.is_none();
        let more = page
            .meta
            .next_token
            .filter(|_| !first_run || pages < self.first_run_pages);
        match more {
            Some(next_token) => {
                state.paging = Some(Paging {
                    next_token,
                    since_id,
                    newest_id: run_newest,
                    pages,
                });
                cursor.turn = Some(search.brand.clone());
            }
            None => {
                state.paging = None;
                state.newest_id = run_newest.or(state.newest_id);
                let next = (position + 1) % self.searches.len();
                batch.caught_up = next == 0;
                cursor.turn = Some(self.searches[next].brand.clone());
            }
        }
        cursor.searches.insert(search.brand, state);
        // Brands that were removed from the workspace leave the cursor.
        cursor
            .searches
            .retain(|brand, _| self.searches.iter().any(|s| &s.brand == brand));
        batch.cursor =
            Some(serde_json::to_string(&cursor).map_err(|e| {
                ConnectorError::bad_payload(format!("cannot write the cursor: {e}"))
            })?);
        Ok(batch)
    }
}

impl XSearch {
    /// Whether X still accepts `id` as a `since_id` (recent search covers seven days).
    fn still_searchable(&self, id: &str) -> bool {
        let Some(created) = snowflake_time(id) else {
            return false;
        };
        let age = self.http.now().as_second() - created.as_second();
        let fresh = age < SEARCH_WINDOW.as_secs() as i64;
        if !fresh {
            tracing::info!(source = %self.source.name, "the last X post seen is older than recent search reaches; searching the last seven days again");
        }
        fresh
    }
}

pub fn channel(config: &Config, ctx: &BuildContext) -> ConnectorResult<Box<dyn Channel>> {
    let tokens = Tokens::from_credential(ctx.credential.as_ref())?;
    let Some(user_token) = tokens.user else {
        return Err(ConnectorError::config(
            "posting on X needs a user-context token: store the credential as {\"bearer\": \"…\", \"user_token\": \"…\"}",
        ));
    };
    Ok(Box::new(XChannel {
        http: ctx.http.clone(),
        base: base_url(config)?,
        user_token,
    }))
}

struct XChannel {
    http: Http,
    base: Url,
    user_token: Secret,
}

#[derive(Deserialize)]
struct Created {
    data: CreatedData,
}

#[derive(Deserialize)]
struct CreatedData {
    id: String,
}

/// A page of `/2/users/:id/tweets`: `data` is left out when there are none.
#[derive(Deserialize)]
struct OwnTweets {
    #[serde(default)]
    data: Vec<OwnTweet>,
    #[serde(default)]
    meta: Meta,
}

#[derive(Deserialize)]
struct OwnTweet {
    id: String,
    text: String,
    /// The whole text of a post longer than 280 characters (`text` is cut then).
    #[serde(default)]
    note_tweet: Option<NoteTweet>,
}

#[derive(Deserialize)]
struct NoteTweet {
    text: String,
}

/// A tweet or media id: digits only, so it cannot change the path it is put in.
fn checked_id(id: &str) -> ConnectorResult<&str> {
    if !id.is_empty() && id.len() <= 20 && id.bytes().all(|b| b.is_ascii_digit()) {
        Ok(id)
    } else {
        Err(ConnectorError::config(format!(
            "\"{}\" is not an X post id (digits only)",
            id.chars().take(40).collect::<String>()
        )))
    }
}

impl XChannel {
    async fn send(&self, request: reqwest::RequestBuilder) -> ConnectorResult<reqwest::Response> {
        self.http
            .send(request, classify)
            .await
            .map_err(|e| e.redact(&self.user_token))
    }

    async fn post(&self, post: &OutboundPost, reply_to: Option<&str>) -> ConnectorResult<Posted> {
        let length = weighted_length(&post.text);
        if length > MAX_WEIGHTED_LENGTH {
            return Err(ConnectorError::config(format!(
                "the post is {length} characters as X counts them (links 23, CJK and emoji 2), over X's {MAX_WEIGHTED_LENGTH}"
            )));
        }
        if post.attachments.len() > MAX_IMAGES {
            return Err(ConnectorError::config(format!(
                "X takes at most {MAX_IMAGES} images in a post, not {}",
                post.attachments.len()
            )));
        }
        let mut media_ids = Vec::new();
        for attachment in &post.attachments {
            media_ids.push(self.upload(attachment).await?);
        }
        let mut body = serde_json::json!({ "text": post.text });
        if let Some(to) = reply_to {
            body["reply"] = serde_json::json!({ "in_reply_to_tweet_id": checked_id(to)? });
        }
        if !media_ids.is_empty() {
            body["media"] = serde_json::json!({ "media_ids": media_ids });
        }
        let request = self
            .http
            .client()
            .post(endpoint(&self.base, "/2/tweets")?)
            .bearer_auth(self.user_token.expose())
            .json(&body);
        let created: Created = read_json(self.send(request).await?).await?;
        let id = checked_id(&created.data.id)
            .map_err(|e| ConnectorError::bad_payload(format!("X answered the post with {e}")))?;
        Ok(Posted {
            external_id: id.to_owned(),
            url: Some(format!("https://x.com/i/web/status/{id}")),
        })
    }

    /// Uploads one image and sets its alt text; returns the media id.
    async fn upload(&self, attachment: &crate::Attachment) -> ConnectorResult<String> {
        if attachment.alt_text.chars().count() > MAX_ALT_TEXT_CHARS {
            return Err(ConnectorError::config(format!(
                "X takes alt text of at most {MAX_ALT_TEXT_CHARS} characters"
            )));
        }
        let (content_type, body) = Multipart::new()
            .file("media", "image", &attachment.media_type, &attachment.bytes)
            .text("media_category", "tweet_image")
            .text("media_type", &attachment.media_type)
            .finish();
        let request = self
            .http
            .client()
            .post(endpoint(&self.base, "/2/media/upload")?)
            .bearer_auth(self.user_token.expose())
            .header(reqwest::header::CONTENT_TYPE, content_type)
            .body(body);
        let uploaded: Created = read_json(self.send(request).await?).await?;
        let id = checked_id(&uploaded.data.id)
            .map_err(|e| ConnectorError::bad_payload(format!("X answered the upload with {e}")))?
            .to_owned();
        if !attachment.alt_text.trim().is_empty() {
            let request = self
                .http
                .client()
                .post(endpoint(&self.base, "/2/media/metadata")?)
                .bearer_auth(self.user_token.expose())
                .json(&serde_json::json!({
                    "id": id,
                    "metadata": { "alt_text": { "text": attachment.alt_text } }
                }));
            self.send(request).await?;
        }
        Ok(id)
    }
}

#[async_trait]
impl Channel for XChannel {
    fn kind(&self) -> SourceKind {
        SourceKind::X
    }

    /// In X's weighted characters; see [`weighted_length`].
    fn max_length(&self) -> usize {
        MAX_WEIGHTED_LENGTH
    }

    async fn publish(&self, post: &OutboundPost) -> ConnectorResult<Posted> {
        self.post(post, None).await
    }

    async fn reply(&self, to: &str, post: &OutboundPost) -> ConnectorResult<Posted> {
        self.post(post, Some(to)).await
    }

    async fn engagement(&self, external_id: &str) -> ConnectorResult<Engagement> {
        let id = checked_id(external_id)?;
        let mut url = endpoint(&self.base, &format!("/2/tweets/{id}"))?;
        url.query_pairs_mut()
            .append_pair("tweet.fields", "public_metrics,created_at");
        let request = self
            .http
            .client()
            .get(url)
            .bearer_auth(self.user_token.expose());
        let page: SearchPage = read_json(self.send(request).await?).await?;
        if page.response.data.is_none() {
            return Err(match page.errors.first() {
                Some(problem) => errors::missing_resource(problem),
                None => ConnectorError::bad_payload(format!(
                    "X answered the lookup of post {id} without `data`"
                )),
            });
        }
        let ctx = ImportContext {
            source_name: String::new(),
            collected_at: self.http.now(),
        };
        match parse_response(page.response, &ctx).into_iter().next() {
            Some(Ok(item)) => Ok(item.engagement),
            Some(Err(e)) => Err(ConnectorError::bad_payload(format!("X's post {id}: {e}"))),
            None => Err(ConnectorError::bad_payload(format!(
                "X answered the lookup of post {id} without the post"
            ))),
        }
    }

    /// Pages through the account's own posts (`/2/users/me`) made from `since` on. X
    /// returns the text with `&`, `<`, `>` escaped and links as t.co, which the comparison
    /// takes care of.
    async fn find_published(
        &self,
        post: &OutboundPost,
        since: jiff::Timestamp,
    ) -> ConnectorResult<Option<Posted>> {
        let request = self
            .http
            .client()
            .get(endpoint(&self.base, "/2/users/me")?)
            .bearer_auth(self.user_token.expose());
        let me: Created = read_json(self.send(request).await?).await?;
        let user = checked_id(&me.data.id)
            .map_err(|e| ConnectorError::bad_payload(format!("X answered /2/users/me with {e}")))?;
        // X takes whole seconds.
        let start_time = jiff::Timestamp::from_second(since.as_second())
            .unwrap_or(since)
            .to_string();
        let mut next_token: Option<String> = None;
        for _ in 0..MAX_SEARCH_PAGES {
            let mut url = endpoint(&self.base, &format!("/2/users/{user}/tweets"))?;
            url.query_pairs_mut()
                .append_pair("start_time", &start_time)
                .append_pair("max_results", "100")
                .append_pair("exclude", "retweets,replies")
                .append_pair("tweet.fields", "created_at,note_tweet");
            if let Some(token) = &next_token {
                url.query_pairs_mut().append_pair("pagination_token", token);
            }
            let request = self
                .http
                .client()
                .get(url)
                .bearer_auth(self.user_token.expose());
            let page: OwnTweets = read_json(self.send(request).await?).await?;
            for tweet in page.data {
                let text = tweet.note_tweet.map_or(tweet.text, |note| note.text);
                if same_post_text(&post.text, &decode_entities(&text)) {
                    let id = checked_id(&tweet.id).map_err(|e| {
                        ConnectorError::bad_payload(format!("X listed a post with {e}"))
                    })?;
                    return Ok(Some(Posted {
                        external_id: id.to_owned(),
                        url: Some(format!("https://x.com/i/web/status/{id}")),
                    }));
                }
            }
            match page.meta.next_token {
                Some(token) => next_token = Some(token),
                None => return Ok(None),
            }
        }
        Ok(None)
    }
}
