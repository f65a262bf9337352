//! X (Twitter) API v2 responses: tweet lookup (`GET /2/tweets`, `/2/tweets/:id`), search
//! (`/2/tweets/search/recent|all`), timelines, and filtered-stream messages.
//!
//! Quirks:
//! - `data` is an object for single-tweet lookups and an array elsewhere; a stream message
//!   is one `{"data": {...}, "includes": ..., "matching_rules": ...}` per line.
//! - Authors come only through expansions: `includes.users` (matched on `author_id`) gives
//!   `username`, `name`, `verified`, `public_metrics.followers_count`. Without them the
//!   handle is the numeric `author_id` and the URL is `https://x.com/i/web/status/{id}`.
//! - `created_at` is only present when requested (`tweet.fields=created_at`); when absent
//!   the time is read from the id, which is a snowflake
//!   (`(id >> 22) + 1288834974657` ms since the Unix epoch).
//! - Long posts: `text` is cut at 280 characters, the whole text is in `note_tweet.text`.
//! - `referenced_tweets` `replied_to` makes a reply (`parent_id`); `conversation_id` is the
//!   thread root. A retweet's own `text` is a truncated `RT @user: ...` copy: when the
//!   original is in `includes.tweets` the retweet is skipped (the original is imported from
//!   there), otherwise it is imported as it is.
//! - Decided: `includes.tweets` (the tweets replied to, quoted or retweeted) are imported as
//!   items too: they are real public posts and give replies their context. Duplicates
//!   across responses are left to the store.
//! - Engagement: likes = `like_count`, shares = `retweet_count + quote_count`, replies =
//!   `reply_count`, views = `impression_count` when present.

use std::collections::HashMap;

use jiff::Timestamp;
use omdomme_core::{Author, Engagement, Item, ItemKind, SourceKind};
use serde::Deserialize;
use serde_json::Value;

use crate::ImportContext;
use crate::common::{Draft, ParseError, json_type, parse_timestamp};

/// A response (or stream message) of the X API v2.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct Response {
    #[serde(default)]
    pub data: Option<Value>,
    #[serde(default)]
    pub includes: Includes,
}

#[derive(Clone, Debug, Default, Deserialize)]
pub struct Includes {
    #[serde(default)]
    pub users: Vec<User>,
    #[serde(default)]
    pub tweets: Vec<Value>,
}

#[derive(Clone, Debug, Deserialize)]
pub struct User {
    pub id: String,
    #[serde(default)]
    pub username: Option<String>,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub verified: Option<bool>,
    #[serde(default)]
    pub public_metrics: Option<UserMetrics>,
}

#[derive(Clone, Debug, Deserialize)]
pub struct UserMetrics {
    #[serde(default)]
    pub followers_count: Option<u64>,
}

#[derive(Clone, Debug, Deserialize)]
pub struct Tweet {
    pub id: String,
    pub text: String,
    #[serde(default)]
    pub author_id: Option<String>,
    #[serde(default)]
    pub created_at: Option<String>,
    #[serde(default)]
    pub conversation_id: Option<String>,
    #[serde(default)]
    pub lang: Option<String>,
    #[serde(default)]
    pub public_metrics: Option<TweetMetrics>,
    #[serde(default)]
    pub referenced_tweets: Vec<ReferencedTweet>,
    #[serde(default)]
    pub note_tweet: Option<NoteTweet>,
}

#[derive(Clone, Debug, Default, Deserialize)]
pub struct TweetMetrics {
    #[serde(default)]
    pub retweet_count: u64,
    #[serde(default)]
    pub reply_count: u64,
    #[serde(default)]
    pub like_count: u64,
    #[serde(default)]
    pub quote_count: u64,
    #[serde(default)]
    pub impression_count: Option<u64>,
}

#[derive(Clone, Debug, Deserialize)]
pub struct ReferencedTweet {
    #[serde(rename = "type")]
    pub kind: String,
    pub id: String,
}

#[derive(Clone, Debug, Deserialize)]
pub struct NoteTweet {
    pub text: String,
}

/// Parses one response object.
pub fn parse_value(value: Value, ctx: &ImportContext) -> Vec<Result<Item, ParseError>> {
    match serde_json::from_value::<Response>(value) {
        Ok(r) => parse_response(r, ctx),
        Err(e) => vec![Err(ParseError::from(e))],
    }
}

/// Items of a response: its tweets, then the tweets of `includes.tweets`.
pub fn parse_response(response: Response, ctx: &ImportContext) -> Vec<Result<Item, ParseError>> {
    let users: HashMap<&str, &User> = response
        .includes
        .users
        .iter()
        .map(|u| (u.id.as_str(), u))
        .collect();
    let included_ids: Vec<&str> = response
        .includes
        .tweets
        .iter()
        .filter_map(|t| t.get("id").and_then(Value::as_str))
        .collect();
    let data: Vec<Value> = match response.data {
        None => {
            // An error-only response (`{"errors": [...]}`) or a `meta`-only empty search.
            return Vec::new();
        }
        Some(Value::Array(tweets)) => tweets,
        Some(v @ Value::Object(_)) => vec![v],
        Some(other) => {
            return vec![Err(ParseError::new(format!(
                "`data` should be a tweet or an array of tweets, found {}",
                json_type(&other)
            )))];
        }
    };
    let mut out = Vec::new();
    for value in data
        .into_iter()
        .chain(response.includes.tweets.iter().cloned())
    {
        let id_hint = value.get("id").and_then(Value::as_str).map(str::to_string);
        let tweet = match serde_json::from_value::<Tweet>(value) {
            Ok(t) => t,
            Err(e) => {
                let err = ParseError::from(e);
                out.push(Err(match id_hint {
                    Some(id) => err.context(format!("tweet {id}")),
                    None => err,
                }));
                continue;
            }
        };
        let retweet_of = tweet
            .referenced_tweets
            .iter()
            .find(|r| r.kind == "retweeted");
        if retweet_of.is_some_and(|r| included_ids.contains(&r.id.as_str())) {
            continue;
        }
        let id = tweet.id.clone();
        out.push(tweet_to_item(tweet, &users, ctx).map_err(|e| e.context(format!("tweet {id}"))));
    }
    out
}

/// One tweet as an item, its author looked up in `users`.
pub fn tweet_to_item(
    tweet: Tweet,
    users: &HashMap<&str, &User>,
    ctx: &ImportContext,
) -> Result<Item, ParseError> {
    let published_at = match &tweet.created_at {
        Some(s) => parse_timestamp(s)?,
        None => snowflake_time(&tweet.id).ok_or_else(|| ParseError::missing("created_at"))?,
    };
    let user = tweet.author_id.as_deref().and_then(|a| users.get(a));
    let author = match user {
        Some(u) => Author {
            handle: u.username.clone().unwrap_or_else(|| u.id.clone()),
            name: u.name.clone(),
            followers: u.public_metrics.as_ref().and_then(|m| m.followers_count),
            verified: u.verified.unwrap_or(false),
        },
        None => Author {
            handle: tweet.author_id.clone().unwrap_or_default(),
            ..Author::default()
        },
    };
    let url = match user.and_then(|u| u.username.as_deref()) {
        Some(username) => format!("https://x.com/{username}/status/{}", tweet.id),
        None => format!("https://x.com/i/web/status/{}", tweet.id),
    };
    let parent = tweet
        .referenced_tweets
        .iter()
        .find(|r| r.kind == "replied_to")
        .map(|r| r.id.clone());
    let m = tweet.public_metrics.unwrap_or_default();
    let mut d = Draft::new(SourceKind::X, tweet.id, published_at);
    d.item_kind = if parent.is_some() {
        ItemKind::Reply
    } else {
        ItemKind::Post
    };
    d.parent_id = parent;
    d.thread_id = tweet.conversation_id;
    d.author = author;
    d.text = match tweet.note_tweet {
        Some(note) if !note.text.trim().is_empty() => note.text,
        _ => tweet.text,
    };
    d.url = Some(url);
    d.engagement = Engagement {
        likes: m.like_count,
        shares: m.retweet_count + m.quote_count,
        replies: m.reply_count,
        views: m.impression_count,
    };
    d.declared_lang = tweet.lang.filter(|l| l != "und" && l != "zxx");
    d.finish(ctx)
}

/// The creation time encoded in a tweet id (a snowflake).
pub fn snowflake_time(id: &str) -> Option<Timestamp> {
    let n: u64 = id.parse().ok()?;
    let ms = (n >> 22) as i64 + 1_288_834_974_657;
    Timestamp::from_millisecond(ms).ok()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn ctx() -> ImportContext {
        ImportContext {
            source_name: "x".into(),
            collected_at: "2024-05-01T00:00:00Z".parse().unwrap(),
        }
    }

    #[test]
    fn reply_with_expansions_and_long_text() {
        let v: Value = serde_json::from_str(
            r#"{"data":{"id":"20","text":"short…","author_id":"1","created_at":"2024-01-15T12:05:00.000Z",
            "conversation_id":"10","lang":"no","referenced_tweets":[{"type":"replied_to","id":"10"}],
            "public_metrics":{"retweet_count":1,"reply_count":2,"like_count":3,"quote_count":4,"impression_count":99},
            "note_tweet":{"text":"the whole long text"}},
            "includes":{"users":[{"id":"1","username":"nordlys","name":"Nordlys","verified":true,"public_metrics":{"followers_count":42}}]}}"#,
        )
        .unwrap();
        let items: Vec<Item> = parse_value(v, &ctx())
            .into_iter()
            .map(Result::unwrap)
            .collect();
        assert_eq!(items.len(), 1);
        let t = &items[0];
        assert_eq!(t.kind, ItemKind::Reply);
        assert_eq!(t.parent_id.as_deref(), Some("10"));
        assert_eq!(t.thread_id.as_deref(), Some("10"));
        assert_eq!(t.text, "the whole long text");
        assert_eq!(t.author.handle, "nordlys");
        assert_eq!(t.author.followers, Some(42));
        assert!(t.author.verified);
        assert_eq!(t.url.as_deref(), Some("https://x.com/nordlys/status/20"));
        assert_eq!(
            t.engagement,
            Engagement {
                likes: 3,
                shares: 5,
                replies: 2,
                views: Some(99)
            }
        );
        assert_eq!(t.declared_lang.as_deref(), Some("no"));
    }

    #[test]
    fn snowflake_and_missing_text() {
        assert_eq!(
            snowflake_time("1212092628029698048").unwrap().to_string(),
            "2019-12-31T19:26:16.771Z"
        );
        let v: Value = serde_json::from_str(
            r#"{"data":[{"id":"1"},{"id":"1212092628029698048","text":"ok"}]}"#,
        )
        .unwrap();
        let r = parse_value(v, &ctx());
        assert_eq!(r.len(), 2);
        assert!(
            r[0].as_ref()
                .unwrap_err()
                .message
                .contains("missing field `text`")
        );
        assert!(r[1].is_ok());
    }
}
