//! Facebook Graph API: a page's feed and the comments on its posts, and posting, replying
//! and reach through a page access token.
//!
//! - Feed: `GET /{page-id}/feed` newest first, with `since` (the newest `created_time` seen)
//!   and the pages Facebook links in `paging.next` (cursor `after` or time-based
//!   `until`/`__paging_token`, whichever Facebook chose). Reactions and comment counts come
//!   as summaries (`limit(0)`: the comments themselves come from their own edge).
//! - Comments: `GET /{post-id}/comments?filter=stream&order=reverse_chronological`: every
//!   comment and reply, newest first, for each post published in the last `comment_days`.
//! - Each page stops early at the first object already seen, so `since` being ignored by an
//!   edge costs one page, never a duplicate. `since` has one-second resolution and is
//!   inclusive: the cursor keeps the ids seen at that second and skips them.
//! - Cursor (JSON): per edge (the feed, each followed post) the newest `created_time` seen;
//!   the edge under way and, while paging, the next page's parameters and the newest time of
//!   the run, which becomes the edge's `since` only after the last page.
//! - The token goes in the `Authorization` header, never in a URL: `paging.next` links carry
//!   `access_token`, and URLs end up in error messages.
//! - Usage headers: when any budget is 90 % spent the next request waits (Facebook's
//!   `estimated_time_to_regain_access`, else a minute), or reports the wait when it is
//!   longer than the client waits inside a call.
//! - Channel: `POST /{page-id}/feed` (`message`; images uploaded unpublished through
//!   `POST /{page-id}/photos` with `alt_text_custom`, then `attached_media`), replies through
//!   `POST /{object-id}/comments`, engagement from the object's summaries plus, for the
//!   page's own posts, reach from `GET /{post-id}/insights` (`post_total_media_view_unique`
//!   since Meta retired `post_impressions_unique` in 2025; configurable) in
//!   `Engagement::views`.

mod errors;

use std::time::Duration;

use async_trait::async_trait;
use omdomme_core::{Engagement, Item, SourceKey, SourceKind};
use omdomme_sources::facebook::{self as graph, GraphObject};
use omdomme_sources::{ImportContext, parse_timestamp};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use tokio::time::Instant;
use url::Url;

pub use errors::{Usage, classify, usage};

use crate::channel::same_post_text;
use crate::http::{Multipart, read_json};
use crate::{
    Batch, BuildContext, Channel, Connector, ConnectorError, ConnectorResult, ErrorKind, Http,
    OutboundPost, Posted, Secret, spec,
};

pub const DEFAULT_BASE_URL: &str = "https://graph.facebook.com";
pub const DEFAULT_API_VERSION: &str = "v24.0";
pub const DEFAULT_INTERVAL: Duration = Duration::from_secs(5 * 60);
pub const DEFAULT_REACH_METRIC: &str = "post_total_media_view_unique";
const DEFAULT_PAGE_SIZE: u32 = 25;
const DEFAULT_FIRST_RUN_PAGES: u32 = 2;
const DEFAULT_COMMENT_DAYS: u32 = 14;
/// Pages of the page's posts (100 each) looked through for a post whose answer never
/// came: plenty for the hours an outbox retries.
const MAX_SEARCH_PAGES: u32 = 3;
pub use omdomme_core::post_length::FACEBOOK_MAX_CHARACTERS as MAX_LENGTH;
/// Spent share of a rate-limit budget from which requests slow down.
const USAGE_THRESHOLD: f64 = 90.0;

const FEED_FIELDS: &str = "id,message,story,created_time,permalink_url,from,shares,reactions.summary(total_count).limit(0),comments.summary(true).limit(0)";
const COMMENT_FIELDS: &str =
    "id,message,created_time,from,permalink_url,parent{id},like_count,comment_count";

/// `kind = "facebook"` in the config file.
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Config {
    pub name: String,
    /// The page's numeric id (or its username).
    pub page_id: String,
    /// The Graph API's address; only tests change it.
    #[serde(default)]
    pub base_url: Option<String>,
    /// `vNN.N`; Facebook retires each version about two years after its release.
    #[serde(default)]
    pub api_version: Option<String>,
    #[serde(default)]
    pub interval_secs: Option<u64>,
    /// Collect comments and replies on the page's posts (default true).
    #[serde(default)]
    pub comments: Option<bool>,
    /// For how many days after a post is published its comments are collected.
    #[serde(default)]
    pub comment_days: Option<u32>,
    /// Objects per page, 1 to 100.
    #[serde(default)]
    pub page_size: Option<u32>,
    /// Feed pages read on the very first run.
    #[serde(default)]
    pub first_run_pages: Option<u32>,
    /// The post insights metric stored as reach (`Engagement::views`).
    #[serde(default)]
    pub reach_metric: Option<String>,
}

impl Config {
    pub fn problems(&self) -> Vec<String> {
        let mut problems = Vec::new();
        if checked_id(&self.page_id).is_err() {
            problems.push(format!(
                "page_id: \"{}\" is not a page id (digits, or the page's username)",
                self.page_id
            ));
        }
        for check in [self.version().err(), self.base().err()] {
            problems.extend(check.map(|e| e.message));
        }
        if let Some(n) = self.page_size
            && !(1..=100).contains(&n)
        {
            problems.push(format!("page_size: must be between 1 and 100, not {n}"));
        }
        if self.first_run_pages == Some(0) {
            problems.push("first_run_pages: must be at least 1".to_owned());
        }
        if let Some(days) = self.comment_days
            && !(1..=365).contains(&days)
        {
            problems.push(format!(
                "comment_days: must be between 1 and 365, not {days}"
            ));
        }
        if self.interval_secs == Some(0) {
            problems.push("interval_secs: must be at least 1".to_owned());
        }
        if let Some(metric) = &self.reach_metric
            && (metric.is_empty() || !metric.bytes().all(|b| b.is_ascii_lowercase() || b == b'_'))
        {
            problems.push(format!("reach_metric: \"{metric}\" is not a metric name"));
        }
        problems
    }

    /// `{base_url}/{api_version}/`.
    fn api_url(&self) -> ConnectorResult<Url> {
        let version = self.version()?;
        self.base()?
            .join(&format!("/{version}/"))
            .map_err(|e| ConnectorError::config(format!("base_url: {e}")))
    }

    fn version(&self) -> ConnectorResult<&str> {
        let version = self.api_version.as_deref().unwrap_or(DEFAULT_API_VERSION);
        let valid = version
            .strip_prefix('v')
            .and_then(|v| v.split_once('.'))
            .is_some_and(|(major, minor)| {
                !major.is_empty()
                    && !minor.is_empty()
                    && major
                        .bytes()
                        .chain(minor.bytes())
                        .all(|b| b.is_ascii_digit())
            });
        if valid {
            Ok(version)
        } else {
            Err(ConnectorError::config(format!(
                "api_version: \"{version}\" is not a Graph API version like {DEFAULT_API_VERSION}"
            )))
        }
    }

    fn base(&self) -> ConnectorResult<Url> {
        let base = self.base_url.as_deref().unwrap_or(DEFAULT_BASE_URL);
        Url::parse(base)
            .ok()
            .filter(|u| matches!(u.scheme(), "http" | "https"))
            .ok_or_else(|| {
                ConnectorError::config(format!("base_url: \"{base}\" is not an http(s) URL"))
            })
    }
}

/// A Graph id of a page, post or comment: digits and `_` (or a page username), so it cannot
/// change the path it is put in.
fn checked_id(id: &str) -> ConnectorResult<&str> {
    let valid = !id.is_empty()
        && id.len() <= 100
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'.');
    if valid && !id.starts_with('.') {
        Ok(id)
    } else {
        Err(ConnectorError::config(format!(
            "\"{}\" is not a Facebook id",
            id.chars().take(40).collect::<String>()
        )))
    }
}

fn token(ctx: &BuildContext) -> ConnectorResult<Secret> {
    ctx.credential
        .clone()
        .filter(|t| !t.expose().trim().is_empty())
        .ok_or_else(|| {
            ConnectorError::config(
                "the Facebook source has no credential: store a page access token with `omdomme sources credential set`",
            )
        })
}

/// Sends Graph requests with the token in the header and keeps to the usage budgets.
#[derive(Clone)]
struct Graph {
    http: Http,
    api: Url,
    token: Secret,
    /// Do not send before this instant: a usage budget is nearly spent.
    cool_down: Option<Instant>,
}

impl Graph {
    fn url(&self, path: &str, params: &[(String, String)]) -> ConnectorResult<Url> {
        let mut url = self
            .api
            .join(path)
            .map_err(|e| ConnectorError::config(format!("cannot build the Graph URL: {e}")))?;
        if !params.is_empty() {
            url.query_pairs_mut().extend_pairs(params);
        }
        Ok(url)
    }

    async fn get(&mut self, path: &str, params: &[(String, String)]) -> ConnectorResult<Value> {
        let url = self.url(path, params)?;
        self.send(self.http.client().get(url)).await
    }

    async fn send(&mut self, request: reqwest::RequestBuilder) -> ConnectorResult<Value> {
        if let Some(until) = self.cool_down.take() {
            let wait = until.saturating_duration_since(Instant::now());
            if wait > self.http.policy().max_wait {
                self.cool_down = Some(until);
                return Err(ConnectorError::new(
                    ErrorKind::RateLimited,
                    format!(
                        "Facebook's rate-limit budget is nearly spent; waiting {} s before the next request",
                        wait.as_secs()
                    ),
                )
                .with_retry_after(Some(wait)));
            }
            tokio::time::sleep(wait).await;
        }
        let request = request.bearer_auth(self.token.expose());
        let response = self
            .http
            .send(request, classify)
            .await
            .map_err(|e| e.redact(&self.token))?;
        let spent = usage(response.headers());
        if spent.percent >= USAGE_THRESHOLD {
            let wait = spent.regain.unwrap_or(Duration::from_secs(60));
            tracing::info!(
                percent = spent.percent,
                "Facebook usage is high; slowing down for {} s",
                wait.as_secs()
            );
            self.cool_down = Some(Instant::now() + wait);
        }
        read_json(response).await
    }
}

pub fn connector(config: &Config, ctx: &BuildContext) -> ConnectorResult<Box<dyn Connector>> {
    Ok(Box::new(PageFeed {
        source: SourceKey::new(SourceKind::Facebook, config.name.clone()),
        graph: Graph {
            http: ctx.http.clone(),
            api: config.api_url()?,
            token: token(ctx)?,
            cool_down: None,
        },
        page_id: checked_id(&config.page_id)?.to_owned(),
        interval: spec::interval(config.interval_secs, DEFAULT_INTERVAL),
        comments: config.comments.unwrap_or(true),
        comment_window: Duration::from_secs(
            u64::from(config.comment_days.unwrap_or(DEFAULT_COMMENT_DAYS)) * 24 * 3600,
        ),
        page_size: config.page_size.unwrap_or(DEFAULT_PAGE_SIZE),
        first_run_pages: config.first_run_pages.unwrap_or(DEFAULT_FIRST_RUN_PAGES),
    }))
}

struct PageFeed {
    source: SourceKey,
    graph: Graph,
    page_id: String,
    interval: Duration,
    comments: bool,
    comment_window: Duration,
    page_size: u32,
    first_run_pages: u32,
}

/// The newest objects seen on one edge.
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq)]
struct Edge {
    /// The newest `created_time` seen, in Unix seconds.
    #[serde(default)]
    since: Option<i64>,
    /// The ids seen at exactly `since` (`since` is inclusive).
    #[serde(default)]
    at_since: Vec<String>,
}

impl Edge {
    fn is_new(&self, item: &Item) -> bool {
        let time = item.published_at.as_second();
        match self.since {
            None => true,
            Some(since) => {
                time > since || (time == since && !self.at_since.contains(&item.external_id))
            }
        }
    }

    fn observe(&mut self, item: &Item) {
        let time = item.published_at.as_second();
        match self.since {
            Some(since) if time < since => {}
            Some(since) if time == since => {
                if !self.at_since.contains(&item.external_id) {
                    self.at_since.push(item.external_id.clone());
                }
            }
            _ => {
                self.since = Some(time);
                self.at_since = vec![item.external_id.clone()];
            }
        }
    }
}

/// A post whose comments are collected.
#[derive(Clone, Debug, Deserialize, Serialize)]
struct Followed {
    id: String,
    /// Its `created_time`, Unix seconds: it is followed for `comment_days` after.
    created: i64,
    #[serde(default)]
    comments: Edge,
}

#[derive(Clone, Debug, Default, Deserialize, Serialize)]
struct Cursor {
    #[serde(default)]
    feed: Edge,
    #[serde(default)]
    posts: Vec<Followed>,
    /// The post whose comments come next; `None`: the feed.
    #[serde(default)]
    turn: Option<String>,
    #[serde(default)]
    paging: Option<Paging>,
}

/// A run through the pages of one edge, newest first.
#[derive(Clone, Debug, Deserialize, Serialize)]
struct Paging {
    /// The query of `paging.next`, without `access_token`.
    params: Vec<(String, String)>,
    /// What the run has seen so far; becomes the edge's when the run ends.
    seen: Edge,
    pages: u32,
}

#[derive(Debug, Default, Deserialize)]
struct PageLinks {
    #[serde(default)]
    paging: Option<Links>,
}

#[derive(Debug, Default, Deserialize)]
struct Links {
    #[serde(default)]
    next: Option<String>,
}

/// The parameters of Facebook's link to the next page, without the token.
fn next_params(page: &Value) -> Option<Vec<(String, String)>> {
    let links: PageLinks = serde_json::from_value(page.clone()).ok()?;
    let next = Url::parse(&links.paging?.next?).ok()?;
    Some(
        next.query_pairs()
            .filter(|(key, _)| key != "access_token")
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect(),
    )
}

#[async_trait]
impl Connector for PageFeed {
    fn source(&self) -> &SourceKey {
        &self.source
    }

    fn interval(&self) -> Duration {
        self.interval
    }

    async fn next_batch(&mut self, cursor: Option<&str>) -> ConnectorResult<Batch> {
        let mut cursor: Cursor = crate::read_cursor(&self.source, cursor);
        let now = self.graph.http.now();
        let ctx = ImportContext {
            source_name: self.source.name.clone(),
            collected_at: now,
        };
        let post = cursor
            .turn
            .clone()
            .and_then(|id| cursor.posts.iter().position(|p| p.id == id));
        let (path, edge, first_params) = match post {
            None => {
                let mut params = vec![
                    ("fields".to_owned(), FEED_FIELDS.to_owned()),
                    ("limit".to_owned(), self.page_size.to_string()),
                ];
                if let Some(since) = cursor.feed.since {
                    params.push(("since".to_owned(), since.to_string()));
                }
                (
                    format!("{}/feed", self.page_id),
                    cursor.feed.clone(),
                    params,
                )
            }
            Some(i) => {
                let followed = &cursor.posts[i];
                let mut params = vec![
                    ("fields".to_owned(), COMMENT_FIELDS.to_owned()),
                    ("filter".to_owned(), "stream".to_owned()),
                    ("order".to_owned(), "reverse_chronological".to_owned()),
                    ("limit".to_owned(), self.page_size.to_string()),
                ];
                if let Some(since) = followed.comments.since {
                    params.push(("since".to_owned(), since.to_string()));
                }
                (
                    format!("{}/comments", checked_id(&followed.id)?),
                    followed.comments.clone(),
                    params,
                )
            }
        };
        let params = match &cursor.paging {
            Some(paging) => paging.params.clone(),
            None => first_params,
        };
        let page = self.graph.get(&path, &params).await?;

        let parsed = match post {
            None => graph::parse_value(page.clone(), &ctx),
            Some(i) => graph::parse_comments_page(page.clone(), &cursor.posts[i].id, &ctx),
        };
        let mut batch = Batch::default();
        let mut seen = cursor
            .paging
            .as_ref()
            .map_or_else(|| edge.clone(), |p| p.seen.clone());
        let mut reached_old = false;
        for result in parsed {
            match result {
                Ok(item) if edge.is_new(&item) => {
                    seen.observe(&item);
                    batch.items.push(item);
                }
                Ok(_) => reached_old = true,
                Err(e) => batch.rejected.push(format!("Facebook {path}: {e}")),
            }
        }
        if post.is_none() && self.comments {
            let oldest_followed = now.as_second() - self.comment_window.as_secs() as i64;
            for item in &batch.items {
                let created = item.published_at.as_second();
                if created >= oldest_followed
                    && !cursor.posts.iter().any(|p| p.id == item.external_id)
                {
                    cursor.posts.push(Followed {
                        id: item.external_id.clone(),
                        created,
                        comments: Edge::default(),
                    });
                }
            }
        }

        let pages = cursor.paging.as_ref().map_or(0, |p| p.pages) + 1;
        let bounded = post.is_none() && edge.since.is_none() && pages >= self.first_run_pages;
        let more = next_params(&page).filter(|_| !reached_old && !bounded);
        match more {
            Some(params) => {
                cursor.paging = Some(Paging {
                    params,
                    seen,
                    pages,
                });
            }
            None => {
                cursor.paging = None;
                let next_post = match post {
                    None => {
                        cursor.feed = seen;
                        0
                    }
                    Some(i) => {
                        cursor.posts[i].comments = seen;
                        i + 1
                    }
                };
                let next = cursor
                    .posts
                    .get(next_post)
                    .filter(|_| self.comments)
                    .map(|p| p.id.clone());
                if next.is_none() {
                    // A round ends here: stop following posts past their comment window.
                    let oldest = now.as_second() - self.comment_window.as_secs() as i64;
                    cursor.posts.retain(|p| p.created >= oldest);
                    batch.caught_up = true;
                }
                cursor.turn = next;
            }
        }
        batch.cursor =
            Some(serde_json::to_string(&cursor).map_err(|e| {
                ConnectorError::bad_payload(format!("cannot write the cursor: {e}"))
            })?);
        Ok(batch)
    }
}

pub fn channel(config: &Config, ctx: &BuildContext) -> ConnectorResult<Box<dyn Channel>> {
    Ok(Box::new(PageChannel {
        graph: Graph {
            http: ctx.http.clone(),
            api: config.api_url()?,
            token: token(ctx)?,
            cool_down: None,
        },
        page_id: checked_id(&config.page_id)?.to_owned(),
        reach_metric: config
            .reach_metric
            .clone()
            .unwrap_or_else(|| DEFAULT_REACH_METRIC.to_owned()),
    }))
}

struct PageChannel {
    graph: Graph,
    page_id: String,
    reach_metric: String,
}

#[derive(Deserialize)]
struct Created {
    id: String,
}

/// A page of `/{page-id}/posts` with the fields `find_published` asks for.
#[derive(Deserialize)]
struct PagePosts {
    #[serde(default)]
    data: Vec<PagePost>,
}

#[derive(Deserialize)]
struct PagePost {
    id: String,
    /// Absent on posts without text (a shared photo, a life event).
    #[serde(default)]
    message: Option<String>,
    #[serde(default)]
    permalink_url: Option<String>,
    #[serde(default)]
    created_time: Option<String>,
}

#[derive(Deserialize)]
struct Insights {
    #[serde(default)]
    data: Vec<Metric>,
}

#[derive(Deserialize)]
struct Metric {
    name: String,
    #[serde(default)]
    values: Vec<MetricValue>,
}

#[derive(Deserialize)]
struct MetricValue {
    #[serde(default)]
    value: Value,
}

fn created(value: Value, what: &str) -> ConnectorResult<String> {
    let created: Created = serde_json::from_value(value).map_err(|e| {
        ConnectorError::bad_payload(format!("Facebook answered the {what} without an id: {e}"))
    })?;
    Ok(checked_id(&created.id)
        .map_err(|e| ConnectorError::bad_payload(format!("Facebook answered the {what} with {e}")))?
        .to_owned())
}

impl PageChannel {
    /// Channels are shared (`&self`), so each call uses its own copy of the usage state.
    fn graph(&self) -> Graph {
        self.graph.clone()
    }

    async fn post_form(
        &self,
        path: &str,
        form: &[(String, String)],
        what: &str,
    ) -> ConnectorResult<String> {
        let mut graph = self.graph();
        let body = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(form)
            .finish();
        let request = graph
            .http
            .client()
            .post(graph.url(path, &[])?)
            .header(
                reqwest::header::CONTENT_TYPE,
                "application/x-www-form-urlencoded",
            )
            .body(body);
        created(graph.send(request).await?, what)
    }

    async fn upload_photo(&self, attachment: &crate::Attachment) -> ConnectorResult<String> {
        let (content_type, body) = Multipart::new()
            .file("source", "image", &attachment.media_type, &attachment.bytes)
            .text("published", "false")
            .text("alt_text_custom", &attachment.alt_text)
            .finish();
        let mut graph = self.graph();
        let request = graph
            .http
            .client()
            .post(graph.url(&format!("{}/photos", self.page_id), &[])?)
            .header(reqwest::header::CONTENT_TYPE, content_type)
            .body(body);
        created(graph.send(request).await?, "photo upload")
    }

    async fn reach(&self, post_id: &str) -> ConnectorResult<Option<u64>> {
        let insights = self
            .graph()
            .get(
                &format!("{post_id}/insights"),
                &[("metric".to_owned(), self.reach_metric.clone())],
            )
            .await?;
        let insights: Insights = serde_json::from_value(insights).map_err(|e| {
            ConnectorError::bad_payload(format!("Facebook's insights of {post_id}: {e}"))
        })?;
        Ok(insights
            .data
            .iter()
            .find(|m| m.name == self.reach_metric)
            .and_then(|m| m.values.last())
            .and_then(|v| v.value.as_u64()))
    }
}

#[async_trait]
impl Channel for PageChannel {
    fn kind(&self) -> SourceKind {
        SourceKind::Facebook
    }

    fn max_length(&self) -> usize {
        MAX_LENGTH
    }

    async fn publish(&self, post: &OutboundPost) -> ConnectorResult<Posted> {
        check_length(&post.text)?;
        let mut form = vec![("message".to_owned(), post.text.clone())];
        for (i, attachment) in post.attachments.iter().enumerate() {
            let photo = self.upload_photo(attachment).await?;
            form.push((
                format!("attached_media[{i}]"),
                serde_json::json!({ "media_fbid": photo }).to_string(),
            ));
        }
        let id = self
            .post_form(&format!("{}/feed", self.page_id), &form, "post")
            .await?;
        Ok(Posted {
            url: Some(format!("https://www.facebook.com/{id}")),
            external_id: id,
        })
    }

    async fn reply(&self, to: &str, post: &OutboundPost) -> ConnectorResult<Posted> {
        check_length(&post.text)?;
        if !post.attachments.is_empty() {
            return Err(ConnectorError::config(
                "a Facebook comment cannot carry an image with alt text; publish the image in a page post instead",
            ));
        }
        let form = [("message".to_owned(), post.text.clone())];
        let id = self
            .post_form(&format!("{}/comments", checked_id(to)?), &form, "reply")
            .await?;
        Ok(Posted {
            external_id: id,
            url: None,
        })
    }

    /// Reactions, shares and comments; for the page's own posts also reach.
    async fn engagement(&self, external_id: &str) -> ConnectorResult<Engagement> {
        let id = checked_id(external_id)?;
        // Post ids are `{page-id}_{post}`, comment ids `{post}_{comment}`.
        let own_post = id
            .strip_prefix(self.page_id.as_str())
            .is_some_and(|rest| rest.starts_with('_'));
        let fields = if own_post {
            "created_time,shares,reactions.summary(total_count).limit(0),comments.summary(true).limit(0)"
        } else {
            "created_time,like_count,comment_count"
        };
        let object = self
            .graph()
            .get(id, &[("fields".to_owned(), fields.to_owned())])
            .await?;
        let object: GraphObject = serde_json::from_value(object)
            .map_err(|e| ConnectorError::bad_payload(format!("Facebook's object {id}: {e}")))?;
        let mut engagement = graph::engagement(&object);
        if own_post {
            engagement.views = self.reach(id).await?;
        }
        Ok(engagement)
    }

    /// Pages through the page's own posts made from `since` on.
    async fn find_published(
        &self,
        post: &OutboundPost,
        since: jiff::Timestamp,
    ) -> ConnectorResult<Option<Posted>> {
        let mut graph = self.graph();
        let path = format!("{}/posts", self.page_id);
        let mut params = vec![
            (
                "fields".to_owned(),
                "message,created_time,permalink_url".to_owned(),
            ),
            ("since".to_owned(), since.as_second().to_string()),
            ("limit".to_owned(), "100".to_owned()),
        ];
        for _ in 0..MAX_SEARCH_PAGES {
            let page = graph.get(&path, &params).await?;
            let posts: PagePosts = serde_json::from_value(page.clone()).map_err(|e| {
                ConnectorError::bad_payload(format!("Facebook's posts of the page: {e}"))
            })?;
            for own in posts.data {
                // `since` is the Graph API's to honour; a post it lets through from before
                // is still not the attempt's.
                let before = own
                    .created_time
                    .as_deref()
                    .and_then(|t| parse_timestamp(t).ok())
                    .is_some_and(|t| t < since);
                if !before
                    && own
                        .message
                        .as_deref()
                        .is_some_and(|message| same_post_text(&post.text, message))
                {
                    let id = checked_id(&own.id)
                        .map_err(|e| {
                            ConnectorError::bad_payload(format!("Facebook listed a post with {e}"))
                        })?
                        .to_owned();
                    return Ok(Some(Posted {
                        url: own
                            .permalink_url
                            .or_else(|| Some(format!("https://www.facebook.com/{id}"))),
                        external_id: id,
                    }));
                }
            }
            match next_params(&page) {
                Some(next) => params = next,
                None => return Ok(None),
            }
        }
        Ok(None)
    }
}

fn check_length(text: &str) -> ConnectorResult<()> {
    let length = text.chars().count();
    if length > MAX_LENGTH {
        return Err(ConnectorError::config(format!(
            "the post is {length} characters, over Facebook's {MAX_LENGTH}"
        )));
    }
    Ok(())
}
