//! Reading the REST timelines: one round over the configured timelines, each from its
//! cursor, with bounded paging.

use std::collections::{HashMap, HashSet};

use omdomme_core::Item;
use omdomme_sources::ImportContext;
use reqwest::header::{HeaderMap, LINK};
use serde::Deserialize;
use serde_json::Value;
use url::Url;

use super::api::Api;
use super::{Cursor, newer};
use crate::error::{ConnectorError, ConnectorResult, ErrorKind};
use crate::http::read_json;

/// The most statuses Mastodon returns per page.
const PAGE_SIZE: u32 = 40;
/// Newer pages read per timeline in one round; a busier timeline continues next round.
const MAX_PAGES_PER_ROUND: u32 = 10;

/// One thing followed on the instance.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum Timeline {
    Tag(String),
    /// `user@domain`.
    Account(String),
    Search(String),
}

impl Timeline {
    /// Its key in the cursor.
    pub(super) fn key(&self) -> String {
        match self {
            Timeline::Tag(tag) => format!("tag:{}", tag.to_lowercase()),
            Timeline::Account(acct) => format!("account:{}", acct.to_lowercase()),
            Timeline::Search(q) => format!("search:{q}"),
        }
    }
}

/// What one round collected.
pub(super) struct Round {
    pub(super) items: Vec<Item>,
    pub(super) rejected: Vec<String>,
    pub(super) cursor: Cursor,
    /// Some timeline has more new statuses than a round reads.
    pub(super) more: bool,
}

/// The statuses of one timeline in one round, in the order the instance sent them.
struct Fetched {
    statuses: Vec<Value>,
    more: bool,
}

pub(super) struct Rest {
    pub(super) api: Api,
    timelines: Vec<Timeline>,
    /// `user@domain` → the instance's account id, looked up once.
    account_ids: HashMap<String, String>,
    backfill_pages: u32,
    source_name: String,
}

#[derive(Deserialize)]
struct LookedUp {
    id: String,
}

#[derive(Deserialize)]
struct SearchResults {
    #[serde(default)]
    statuses: Vec<Value>,
}

impl Rest {
    pub(super) fn new(
        api: Api,
        timelines: Vec<Timeline>,
        backfill_pages: u32,
        source_name: String,
    ) -> Rest {
        Rest {
            api,
            timelines,
            account_ids: HashMap::new(),
            backfill_pages,
            source_name,
        }
    }

    /// How items collected now are labelled.
    pub(super) fn import_context(&self) -> ImportContext {
        ImportContext {
            source_name: self.source_name.clone(),
            collected_at: self.api.http.now(),
        }
    }

    pub(super) fn has_timelines(&self, which: impl Fn(&Timeline) -> bool) -> bool {
        self.timelines.iter().any(which)
    }

    /// Reads each timeline `which` selects from its place in `cursor`; the returned cursor is
    /// `cursor` moved on for those timelines.
    pub(super) async fn round(
        &mut self,
        cursor: &Cursor,
        which: impl Fn(&Timeline) -> bool,
    ) -> ConnectorResult<Round> {
        let ctx = self.import_context();
        let mut round = Round {
            items: Vec::new(),
            rejected: Vec::new(),
            cursor: cursor.clone(),
            more: false,
        };
        let mut seen = HashSet::new();
        for timeline in self.timelines.clone().iter().filter(|t| which(t)) {
            let key = timeline.key();
            let since = cursor.get(&key).map(String::as_str);
            let fetched = self.fetch(timeline, since).await?;
            round.more |= fetched.more;
            for status in fetched.statuses {
                let Some(id) = status.get("id").and_then(Value::as_str).map(str::to_owned) else {
                    round
                        .rejected
                        .push(format!("{key}: a status without an id"));
                    continue;
                };
                if since.is_some_and(|since| !newer(&id, since)) {
                    // An instance that ignores min_id must not make us store old statuses again.
                    continue;
                }
                let newest = round.cursor.entry(key.clone()).or_default();
                if newest.is_empty() || newer(&id, newest) {
                    *newest = id.clone();
                }
                collect(
                    status,
                    &id,
                    &ctx,
                    &mut seen,
                    &mut round.items,
                    &mut round.rejected,
                );
            }
        }
        Ok(round)
    }

    async fn fetch(
        &mut self,
        timeline: &Timeline,
        since: Option<&str>,
    ) -> ConnectorResult<Fetched> {
        let page_limit = if since.is_some() {
            MAX_PAGES_PER_ROUND
        } else {
            self.backfill_pages
        };
        let mut url = match timeline {
            Timeline::Tag(tag) => self.api.url(&format!(
                "api/v1/timelines/tag/{}",
                percent_encode_segment(tag)
            ))?,
            Timeline::Account(acct) => {
                let id = self.account_id(acct).await?;
                self.api.url(&format!(
                    "api/v1/accounts/{}/statuses",
                    percent_encode_segment(&id)
                ))?
            }
            Timeline::Search(q) => self.api.url("api/v2/search").map(|mut url| {
                url.query_pairs_mut()
                    .append_pair("q", q)
                    .append_pair("type", "statuses")
                    .append_pair("resolve", "false");
                url
            })?,
        };
        url.query_pairs_mut()
            .append_pair("limit", &PAGE_SIZE.to_string());
        if let Some(since) = since {
            url.query_pairs_mut().append_pair("min_id", since);
        }
        let mut statuses = Vec::new();
        let mut next = Some(url);
        let mut pages = 0;
        while let Some(url) = next.take() {
            let response = self.api.get(url.clone()).await?;
            let links = response.headers().clone();
            let page: Vec<Value> = match timeline {
                Timeline::Search(_) => read_json::<SearchResults>(response).await?.statuses,
                _ => read_json(response).await?,
            };
            pages += 1;
            let full = page.len() as u32 >= PAGE_SIZE;
            let follow = match timeline {
                // Search sends no Link header: page by the ids of this page.
                Timeline::Search(_) => full
                    .then(|| search_page(&url, &page, since.is_some()))
                    .flatten(),
                _ => link(&links, if since.is_some() { "prev" } else { "next" })
                    .filter(|u| self.api.same_origin(u)),
            };
            let empty = page.is_empty();
            statuses.extend(page);
            if empty {
                break;
            }
            if pages >= page_limit {
                return Ok(Fetched {
                    statuses,
                    more: since.is_some() && full && follow.is_some(),
                });
            }
            next = follow;
        }
        Ok(Fetched {
            statuses,
            more: false,
        })
    }

    async fn account_id(&mut self, acct: &str) -> ConnectorResult<String> {
        if let Some(id) = self.account_ids.get(acct) {
            return Ok(id.clone());
        }
        let mut url = self.api.url("api/v1/accounts/lookup")?;
        url.query_pairs_mut().append_pair("acct", acct);
        let found: LookedUp = match self.api.get(url).await {
            Ok(response) => read_json(response).await?,
            Err(e) if e.kind == ErrorKind::EndpointRetired => {
                return Err(ConnectorError::config(format!(
                    "{} has no account {acct} (it was deleted or renamed); fix `accounts` of this source",
                    self.api.host()
                )));
            }
            Err(e) => return Err(e),
        };
        self.account_ids.insert(acct.to_owned(), found.id.clone());
        Ok(found.id)
    }
}

/// Adds the items of one status unless an earlier timeline of the round had it.
pub(super) fn collect(
    status: Value,
    id: &str,
    ctx: &ImportContext,
    seen: &mut HashSet<String>,
    items: &mut Vec<Item>,
    rejected: &mut Vec<String>,
) {
    for result in omdomme_sources::mastodon::parse_value(status, ctx) {
        match result {
            Ok(item) => {
                if seen.insert(item.external_id.clone()) {
                    items.push(item);
                }
            }
            Err(e) => rejected.push(format!("status {id}: {e}")),
        }
    }
}

/// The next search page: newer than the newest (`min_id`) when catching up, older than the
/// oldest (`max_id`) when reading back.
fn search_page(url: &Url, page: &[Value], newer_pages: bool) -> Option<Url> {
    let ids = page
        .iter()
        .filter_map(|s| s.get("id").and_then(Value::as_str));
    let (param, id) = if newer_pages {
        (
            "min_id",
            ids.max_by(|a, b| (a.len(), a).cmp(&(b.len(), b)))?,
        )
    } else {
        (
            "max_id",
            ids.min_by(|a, b| (a.len(), a).cmp(&(b.len(), b)))?,
        )
    };
    let mut next = url.clone();
    let kept: Vec<(String, String)> = url
        .query_pairs()
        .filter(|(k, _)| k != "min_id" && k != "max_id")
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    next.query_pairs_mut()
        .clear()
        .extend_pairs(kept)
        .append_pair(param, id);
    Some(next)
}

/// The URL of `rel` in a Link header: `<https://…?max_id=1>; rel="next", <…>; rel="prev"`.
pub(super) fn link(headers: &HeaderMap, rel: &str) -> Option<Url> {
    headers
        .get_all(LINK)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .find_map(|part| {
            let (target, params) = part.trim().split_once(';')?;
            let wanted = params.split(';').any(|p| {
                p.trim()
                    .strip_prefix("rel=")
                    .is_some_and(|r| r.trim_matches('"').split(' ').any(|r| r == rel))
            });
            let target = target.trim().strip_prefix('<')?.strip_suffix('>')?;
            wanted.then(|| Url::parse(target).ok()).flatten()
        })
}

/// A hashtag or id as one path segment.
fn percent_encode_segment(segment: &str) -> String {
    url::form_urlencoded::byte_serialize(segment.as_bytes())
        .collect::<String>()
        .replace('+', "%20")
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    #[test]
    fn link_header_of_the_docs() {
        let mut headers = HeaderMap::new();
        headers.insert(
            LINK,
            HeaderValue::from_static(
                r#"<https://mastodon.example/api/v1/timelines/tag/x?max_id=103>; rel="next", <https://mastodon.example/api/v1/timelines/tag/x?min_id=107>; rel="prev""#,
            ),
        );
        assert_eq!(
            link(&headers, "next").map(|u| u.to_string()).as_deref(),
            Some("https://mastodon.example/api/v1/timelines/tag/x?max_id=103")
        );
        assert_eq!(
            link(&headers, "prev")
                .and_then(|u| u.query().map(str::to_owned))
                .as_deref(),
            Some("min_id=107")
        );
        assert_eq!(link(&headers, "last"), None);
    }

    #[test]
    fn search_pages_by_ids() {
        let url = Url::parse("https://m.example/api/v2/search?q=a&min_id=5&limit=40").unwrap();
        let page = vec![
            serde_json::json!({"id": "9"}),
            serde_json::json!({"id": "10"}),
        ];
        let next = search_page(&url, &page, true).map(|u| u.to_string());
        assert_eq!(
            next.as_deref(),
            Some("https://m.example/api/v2/search?q=a&limit=40&min_id=10")
        );
        let back = search_page(&url, &page, false).map(|u| u.to_string());
        assert_eq!(
            back.as_deref(),
            Some("https://m.example/api/v2/search?q=a&limit=40&max_id=9")
        );
    }
}
