//! `listen = "search"`: polling `app.bsky.feed.searchPosts` for the watch queries.
//!
//! Bluesky's search syntax is not specified beyond "Lucene is recommended", so it is sent
//! plain terms: for each watch query the fewest words, phrases and hashtags every match must
//! contain one of; the results are then matched against the full query here.

use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use omdomme_core::{Query, SourceKey, SourceKind};
use omdomme_sources::ImportContext;
use omdomme_sources::bluesky::post_view_item;
use serde_json::Value;

use super::filter::WatchFilter;
use super::xrpc::Reader;
use super::{Config, DEFAULT_SEARCH_INTERVAL, check};
use crate::error::{ConnectorError, ConnectorResult};
use crate::{Batch, BuildContext, Connector, Http};

/// Pages of up to 100 posts a first run reads per term.
const BACKFILL_PAGES: u32 = 3;
/// Pages of new posts read per term in one round; a busier term continues next round.
const MAX_PAGES_PER_ROUND: u32 = 10;

/// Polls `searchPosts` for the watch queries' terms.
pub struct BlueskySearch {
    source: SourceKey,
    reader: Reader,
    http: Http,
    terms: Vec<String>,
    filter: WatchFilter,
    interval: Duration,
}

impl BlueskySearch {
    pub fn new(config: &Config, ctx: &BuildContext) -> ConnectorResult<BlueskySearch> {
        check(config)?;
        let mut terms = Vec::new();
        for watch in &ctx.watch {
            let found = search_terms(&watch.query).ok_or_else(|| {
                ConnectorError::config(format!(
                    "bluesky source {}: the watch query {:?} has no word, phrase or hashtag to search for",
                    config.name, watch.text
                ))
            })?;
            for term in found {
                if !terms.contains(&term) {
                    terms.push(term);
                }
            }
        }
        if terms.is_empty() {
            return Err(ConnectorError::config(format!(
                "bluesky source {}: the workspace has no watch query to search for",
                config.name
            )));
        }
        let session = super::session(config, ctx)?.map(Arc::new);
        Ok(BlueskySearch {
            source: SourceKey::new(SourceKind::Bluesky, config.name.clone()),
            reader: Reader::new(ctx.http.clone(), config.appview_url()?, session),
            http: ctx.http.clone(),
            terms,
            filter: WatchFilter::new(&ctx.watch),
            interval: crate::spec::interval(config.interval_secs, DEFAULT_SEARCH_INTERVAL),
        })
    }
}

/// Terms to search so that every post the query matches contains at least one of them, or
/// `None` when the query has none (only field filters).
fn search_terms(query: &Query) -> Option<Vec<String>> {
    match query {
        Query::Word { word, .. } => Some(vec![word.clone()]),
        Query::Phrase(words) => Some(vec![format!("\"{}\"", words.join(" "))]),
        Query::Hashtag(tag) => Some(vec![format!("#{tag}")]),
        Query::Mention(handle) => Some(vec![handle.clone()]),
        Query::Or(any) => any
            .iter()
            .map(search_terms)
            .collect::<Option<Vec<_>>>()
            .map(|all| all.concat()),
        // Every part must match, so the terms of one part suffice: the fewest.
        Query::And(all) => all.iter().filter_map(search_terms).min_by_key(Vec::len),
        Query::Not(_) | Query::Field { .. } => None,
    }
}

/// Per term, the newest `indexedAt` seen.
type Cursor = BTreeMap<String, String>;

#[async_trait]
impl Connector for BlueskySearch {
    fn source(&self) -> &SourceKey {
        &self.source
    }

    fn interval(&self) -> Duration {
        self.interval
    }

    async fn next_batch(&mut self, cursor: Option<&str>) -> ConnectorResult<Batch> {
        let mut next: Cursor = match cursor {
            None => Cursor::new(),
            Some(text) => serde_json::from_str(text).unwrap_or_else(|e| {
                tracing::warn!(source = %self.source, "ignoring an unreadable cursor ({e}); searching from the newest posts again");
                Cursor::new()
            }),
        };
        let ctx = ImportContext {
            source_name: self.source.name.clone(),
            collected_at: self.http.now(),
        };
        let mut items = Vec::new();
        let mut rejected = Vec::new();
        let mut seen = HashSet::new();
        let mut more = false;
        for term in &self.terms {
            let since = next.get(term).cloned();
            let limit = if since.is_some() {
                MAX_PAGES_PER_ROUND
            } else {
                BACKFILL_PAGES
            };
            let mut page_cursor: Option<String> = None;
            for page_number in 1..=limit {
                let page = self
                    .reader
                    .search_posts(term, since.as_deref(), page_cursor.as_deref())
                    .await?;
                let empty = page.posts.is_empty();
                for post in page.posts {
                    if let Some(indexed) = post.get("indexedAt").and_then(Value::as_str) {
                        let newest = next.entry(term.clone()).or_default();
                        if later(indexed, newest) {
                            *newest = indexed.to_owned();
                        }
                    }
                    match post_view_item(post, &ctx) {
                        Ok(item) => {
                            if self.filter.matches_item(&item)
                                && seen.insert(item.external_id.clone())
                            {
                                items.push(item);
                            }
                        }
                        Err(e) => rejected.push(format!("search {term}: {e}")),
                    }
                }
                page_cursor = page.cursor.filter(|c| !c.is_empty());
                if empty || page_cursor.is_none() {
                    break;
                }
                if page_number == limit && since.is_some() {
                    more = true;
                }
            }
        }
        Ok(Batch {
            items,
            cursor: serde_json::to_string(&next).ok(),
            rejected,
            caught_up: !more,
        })
    }
}

/// Whether timestamp `a` is later than `b` (an empty `b` is no time at all).
fn later(a: &str, b: &str) -> bool {
    match (a.parse::<jiff::Timestamp>(), b.parse::<jiff::Timestamp>()) {
        (Ok(a), Ok(b)) => a > b,
        (Ok(_), Err(_)) => true,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn terms(query: &str) -> Option<Vec<String>> {
        search_terms(&Query::parse(query).unwrap())
    }

    #[test]
    fn fewest_terms_every_match_contains() {
        assert_eq!(
            terms("(\"Nordlys Energi\" OR #nordlys) AND (klima OR utslipp OR energi) NOT jobb"),
            Some(vec!["\"nordlys energi\"".to_owned(), "#nordlys".to_owned()])
        );
        assert_eq!(terms("klima lang:nb"), Some(vec!["klima".to_owned()]));
        assert_eq!(terms("lang:nb"), None);
        assert_eq!(terms("klima OR lang:nb"), None);
    }
}
