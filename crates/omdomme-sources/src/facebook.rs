//! Facebook Graph API: page feed pages (`GET /{page-id}/feed`, `/posts`), comments pages
//! (`GET /{object-id}/comments`), and single post or comment objects.
//!
//! Quirks:
//! - Times are ISO 8601 with a colon-less offset: `2019-05-17T16:24:04+0000`.
//! - A page is `{"data": [...], "paging": {...}}`; each export file is usually one page.
//! - Post ids are `{page-id}_{post-id}`. Without the `from` field (it needs extra
//!   permissions) a post's author is the page, i.e. the id's prefix; a comment's author is
//!   then unknown (empty handle). With `from`, the handle is `from.id` and the name
//!   `from.name` (the Graph API exposes no usernames).
//! - Objects in `data` are comments when they carry comment fields (`comment_count`,
//!   `like_count`, `parent`, or a permalink with `comment_id=`), posts otherwise. A post's
//!   nested `comments.data` become comments too, with the post as parent and thread.
//! - Comments requested without `id` (as in the SDK captures) get one from their permalink
//!   (`...posts/{post}/?comment_id={c}&reply_comment_id={r}`): `{post}_{r or c}`, the
//!   Graph API's own comment id format; the parent is `{post}_{c}` for a reply, the post
//!   (`{page}_{post}`) otherwise.
//! - Engagement: likes = `reactions.summary.total_count` (all reactions), else
//!   `likes`/`like` summary, else `like_count`; shares = `shares.count`; replies =
//!   `comments.summary.total_count`, else `comment_count`.
//! - A post without `message` falls back to `story` ("X shared a link"), then to its first
//!   attachment's description.

use omdomme_core::{Author, Engagement, Item, ItemKind, SourceKind};
use serde::Deserialize;
use serde_json::Value;

use crate::ImportContext;
use crate::common::{Draft, ParseError, json_type, parse_timestamp};

/// A post or a comment (the fields we use of both).
#[derive(Clone, Debug, Default, Deserialize)]
pub struct GraphObject {
    #[serde(default)]
    pub id: Option<String>,
    #[serde(default)]
    pub created_time: Option<String>,
    #[serde(default)]
    pub message: Option<String>,
    #[serde(default)]
    pub story: Option<String>,
    #[serde(default)]
    pub from: Option<From>,
    #[serde(default)]
    pub permalink_url: Option<String>,
    #[serde(default)]
    pub shares: Option<Count>,
    #[serde(default)]
    pub reactions: Option<Edge>,
    #[serde(default)]
    pub likes: Option<Edge>,
    #[serde(default)]
    pub like: Option<Edge>,
    #[serde(default)]
    pub comments: Option<Edge>,
    #[serde(default)]
    pub attachments: Option<Edge>,
    #[serde(default)]
    pub comment_count: Option<u64>,
    #[serde(default)]
    pub like_count: Option<u64>,
    #[serde(default)]
    pub parent: Option<Parent>,
}

#[derive(Clone, Debug, Default, Deserialize)]
pub struct From {
    pub id: Option<String>,
    pub name: Option<String>,
}

#[derive(Clone, Debug, Default, Deserialize)]
pub struct Count {
    #[serde(default)]
    pub count: u64,
}

/// A connection (`comments`, `reactions`, ...): a page of `data` and a `summary`.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct Edge {
    #[serde(default)]
    pub data: Vec<Value>,
    #[serde(default)]
    pub summary: Option<Summary>,
}

#[derive(Clone, Debug, Default, Deserialize)]
pub struct Summary {
    #[serde(default)]
    pub total_count: Option<u64>,
}

#[derive(Clone, Debug, Default, Deserialize)]
pub struct Parent {
    pub id: String,
}

/// Parses one JSON object: a page (`data` array) or a single post or comment.
pub fn parse_value(value: Value, ctx: &ImportContext) -> Vec<Result<Item, ParseError>> {
    let mut out = Vec::new();
    match value.get("data") {
        Some(Value::Array(objects)) => {
            for (i, obj) in objects.iter().enumerate() {
                parse_object(obj.clone(), None, ctx, &mut out, &format!("data[{i}]"));
            }
        }
        Some(other) => out.push(Err(ParseError::new(format!("`data` should be an array, found {}", json_type(other))))),
        None if value.get("created_time").is_some() || value.get("id").is_some() => {
            parse_object(value, None, ctx, &mut out, "object");
        }
        None => out.push(Err(ParseError::new(
            "not a Graph API payload: expected a page with `data` or a post/comment with `created_time`",
        ))),
    }
    out
}

/// Parses a page of `GET /{post-id}/comments`: every object is a comment on `post_id`
/// (its thread), whatever fields were requested.
pub fn parse_comments_page(
    value: Value,
    post_id: &str,
    ctx: &ImportContext,
) -> Vec<Result<Item, ParseError>> {
    let mut out = Vec::new();
    match value.get("data") {
        Some(Value::Array(objects)) => {
            for (i, obj) in objects.iter().enumerate() {
                parse_object(
                    obj.clone(),
                    Some(post_id),
                    ctx,
                    &mut out,
                    &format!("data[{i}]"),
                );
            }
        }
        Some(other) => out.push(Err(ParseError::new(format!(
            "`data` should be an array, found {}",
            json_type(other)
        )))),
        None => out.push(Err(ParseError::new("a comments page needs a `data` array"))),
    }
    out
}

fn is_comment(obj: &GraphObject) -> bool {
    obj.comment_count.is_some()
        || obj.like_count.is_some()
        || obj.parent.is_some()
        || obj
            .permalink_url
            .as_deref()
            .is_some_and(|u| u.contains("comment_id="))
}

fn parse_object(
    value: Value,
    post: Option<&str>,
    ctx: &ImportContext,
    out: &mut Vec<Result<Item, ParseError>>,
    where_: &str,
) {
    let obj: GraphObject = match serde_json::from_value(value) {
        Ok(o) => o,
        Err(e) => {
            out.push(Err(ParseError::from(e).context(where_)));
            return;
        }
    };
    let comment = post.is_some() || is_comment(&obj);
    let nested: Vec<Value> = obj
        .comments
        .as_ref()
        .map(|c| c.data.clone())
        .unwrap_or_default();
    let label = obj.id.clone().unwrap_or_else(|| where_.to_string());
    let result = object_item(obj, comment, post, ctx)
        .map_err(|e| e.context(if comment { "comment " } else { "post " }.to_string() + &label));
    let post_id = result
        .as_ref()
        .ok()
        .filter(|i| i.kind == ItemKind::Post)
        .map(|i| i.external_id.clone());
    out.push(result);
    if let Some(post_id) = post_id {
        for (i, c) in nested.into_iter().enumerate() {
            parse_object(
                c,
                Some(&post_id),
                ctx,
                out,
                &format!("{label} comments[{i}]"),
            );
        }
    }
}

/// A post or comment as an item; `post` is the id of the post a nested comment belongs to.
pub fn object_item(
    obj: GraphObject,
    comment: bool,
    post: Option<&str>,
    ctx: &ImportContext,
) -> Result<Item, ParseError> {
    let created = obj
        .created_time
        .as_deref()
        .ok_or_else(|| ParseError::missing("created_time"))?;
    let published_at = parse_timestamp(created)?;
    let from_link = obj
        .permalink_url
        .as_deref()
        .map(permalink_ids)
        .unwrap_or_default();
    let id = match obj.id.clone().filter(|s| !s.is_empty()) {
        Some(id) => id,
        None => from_link
            .id
            .clone()
            .ok_or_else(|| ParseError::missing("id"))?,
    };
    let author = match &obj.from {
        Some(f) => Author {
            handle: f.id.clone().unwrap_or_default(),
            name: f.name.clone(),
            ..Author::default()
        },
        None if !comment => Author {
            handle: id
                .split_once('_')
                .map(|(page, _)| page.to_string())
                .unwrap_or_default(),
            ..Author::default()
        },
        None => Author::default(),
    };
    let text = obj
        .message
        .clone()
        .filter(|m| !m.trim().is_empty())
        .or_else(|| obj.story.clone())
        .or_else(|| {
            obj.attachments
                .as_ref()
                .and_then(|a| a.data.first())
                .and_then(|a| a.get("description"))
                .and_then(Value::as_str)
                .map(str::to_string)
        })
        .unwrap_or_default();
    let engagement = engagement(&obj);
    let mut d = Draft::new(SourceKind::Facebook, id, published_at);
    if comment {
        d.item_kind = ItemKind::Comment;
        d.parent_id = obj
            .parent
            .map(|p| p.id)
            .or(from_link.parent)
            .or_else(|| post.map(str::to_string));
        d.thread_id = post.map(str::to_string).or(from_link.post);
    }
    d.author = author;
    d.text = text;
    d.url = obj.permalink_url;
    d.engagement = engagement;
    d.finish(ctx)
}

/// Likes (all reactions), shares and replies of a post or comment, from whichever of its
/// fields were requested.
pub fn engagement(obj: &GraphObject) -> Engagement {
    let total = |e: &Option<Edge>| {
        e.as_ref()
            .and_then(|e| e.summary.as_ref())
            .and_then(|s| s.total_count)
    };
    Engagement {
        likes: total(&obj.reactions)
            .or_else(|| total(&obj.likes))
            .or_else(|| total(&obj.like))
            .or(obj.like_count)
            .unwrap_or(0),
        shares: obj.shares.as_ref().map_or(0, |s| s.count),
        replies: total(&obj.comments).or(obj.comment_count).unwrap_or(0),
        views: None,
    }
}

/// Ids read from a permalink.
#[derive(Clone, Debug, Default, PartialEq)]
struct LinkIds {
    /// `{page}_{post}`.
    post: Option<String>,
    /// The comment's own id, `{post}_{comment}`.
    id: Option<String>,
    /// The comment's parent: the post, or `{post}_{comment}` for a reply.
    parent: Option<String>,
}

fn permalink_ids(url: &str) -> LinkIds {
    let (path, query) = url.split_once('?').unwrap_or((url, ""));
    let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    let post_pos = segments.iter().position(|s| *s == "posts");
    let (page, post_num) = match post_pos {
        Some(p) if p >= 1 && p + 1 < segments.len() => {
            (Some(segments[p - 1]), Some(segments[p + 1]))
        }
        _ => (None, None),
    };
    let param = |name: &str| {
        query
            .split('&')
            .filter_map(|kv| kv.split_once('='))
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.to_string())
    };
    let comment = param("comment_id");
    let reply = param("reply_comment_id");
    let post = match (page, post_num) {
        (Some(page), Some(n)) => Some(format!("{page}_{n}")),
        _ => None,
    };
    let Some(n) = post_num else {
        return LinkIds {
            post,
            ..LinkIds::default()
        };
    };
    let id = reply
        .as_ref()
        .or(comment.as_ref())
        .map(|c| format!("{n}_{c}"));
    let parent = match (&reply, &comment) {
        (Some(_), Some(c)) => Some(format!("{n}_{c}")),
        _ => post.clone(),
    };
    LinkIds { post, id, parent }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn ctx() -> ImportContext {
        ImportContext {
            source_name: "fb".into(),
            collected_at: "2024-05-01T00:00:00Z".parse().unwrap(),
        }
    }

    #[test]
    fn permalinks() {
        let l = permalink_ids(
            "https://www.facebook.com/19292868552/posts/101/?comment_id=202&reply_comment_id=303",
        );
        assert_eq!(l.id.as_deref(), Some("101_303"));
        assert_eq!(l.parent.as_deref(), Some("101_202"));
        assert_eq!(l.post.as_deref(), Some("19292868552_101"));
        let l = permalink_ids("https://www.facebook.com/19292868552/posts/101/?comment_id=202");
        assert_eq!(l.parent.as_deref(), Some("19292868552_101"));
    }

    #[test]
    fn post_with_nested_comments() {
        let v: Value = serde_json::from_str(r#"{"data":[{"id":"1_2","message":"Hei","created_time":"2021-07-04T19:50:58+0000",
            "shares":{"count":4},"reactions":{"data":[],"summary":{"total_count":9}},
            "comments":{"data":[{"id":"2_3","message":"Svar","created_time":"2021-07-04T20:00:00+0000","from":{"id":"77","name":"Kari"}}],
            "summary":{"total_count":1}}}]}"#).unwrap();
        let items: Vec<Item> = parse_value(v, &ctx())
            .into_iter()
            .map(Result::unwrap)
            .collect();
        assert_eq!(items.len(), 2);
        assert_eq!(items[0].author.handle, "1");
        assert_eq!(
            items[0].engagement,
            Engagement {
                likes: 9,
                shares: 4,
                replies: 1,
                views: None
            }
        );
        assert_eq!(items[1].kind, ItemKind::Comment);
        assert_eq!(items[1].parent_id.as_deref(), Some("1_2"));
        assert_eq!(items[1].author.name.as_deref(), Some("Kari"));
        assert_eq!(items[0].published_at.to_string(), "2021-07-04T19:50:58Z");
    }
}
