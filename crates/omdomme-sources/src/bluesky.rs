//! Bluesky (AT Protocol): Jetstream events (v1 JSON, one event per line; and v2
//! `{"$type": "message", "payload": {...}}` frames) and AppView responses:
//! `app.bsky.feed.getPostThread` (`{"thread": threadViewPost}`), plus `{"posts": [postView]}`
//! (`getPosts`, `searchPosts`) and `{"feed": [{"post": postView}]}` (author feeds, timelines).
//!
//! Quirks:
//! - A post's external id is its at-uri, `at://{did}/app.bsky.feed.post/{rkey}`; the web URL
//!   is `https://bsky.app/profile/{handle or did}/post/{rkey}`.
//! - Jetstream carries only the author's DID, no handle, name or counts: the handle is the
//!   DID (resolving handles is a later enrichment).
//! - Only `commit` events that `create` (or `update`) an `app.bsky.feed.post` record are
//!   items; likes, reposts, follows, deletes, `identity` and `account` events are skipped
//!   silently (decided: they are not errors and yield nothing).
//! - `langs` is a list; the first is the declared language. `reply.parent.uri` is the parent
//!   and `reply.root.uri` the thread.
//! - A post may have empty text with a link card (`embed.external`): the card's title is
//!   then the item's title; a post with neither text nor card title is an "empty text" error.
//! - `getPostThread` nests: `thread.post`, `thread.replies[]` (recursively), `thread.parent`
//!   (ancestors, recursively); `notFoundPost`/`blockedPost` entries are skipped. Counts come
//!   from `likeCount`, `repostCount` + `quoteCount`, `replyCount`.

use omdomme_core::{Author, Engagement, Item, ItemKind, SourceKind};
use serde::Deserialize;
use serde_json::Value;

use crate::ImportContext;
use crate::common::{Draft, ParseError, parse_timestamp};

/// The collection (NSID) of post records.
pub const POST_COLLECTION: &str = "app.bsky.feed.post";

/// A Jetstream v1 event.
#[derive(Clone, Debug, Deserialize)]
pub struct JetstreamEvent {
    pub did: String,
    pub kind: String,
    #[serde(default)]
    pub commit: Option<Commit>,
}

#[derive(Clone, Debug, Deserialize)]
pub struct Commit {
    pub operation: String,
    pub collection: String,
    pub rkey: String,
    #[serde(default)]
    pub record: Option<Value>,
}

/// The `app.bsky.feed.post` record.
#[derive(Clone, Debug, Deserialize)]
pub struct PostRecord {
    #[serde(default)]
    pub text: String,
    #[serde(rename = "createdAt")]
    pub created_at: String,
    #[serde(default)]
    pub langs: Vec<String>,
    #[serde(default)]
    pub reply: Option<ReplyRef>,
    #[serde(default)]
    pub embed: Option<Value>,
}

#[derive(Clone, Debug, Deserialize)]
pub struct ReplyRef {
    pub parent: StrongRef,
    pub root: StrongRef,
}

#[derive(Clone, Debug, Deserialize)]
pub struct StrongRef {
    pub uri: String,
}

/// `app.bsky.feed.defs#postView`.
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PostView {
    pub uri: String,
    pub author: ProfileView,
    pub record: PostRecord,
    #[serde(default)]
    pub like_count: u64,
    #[serde(default)]
    pub repost_count: u64,
    #[serde(default)]
    pub quote_count: u64,
    #[serde(default)]
    pub reply_count: u64,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ProfileView {
    pub did: String,
    #[serde(default)]
    pub handle: Option<String>,
    #[serde(default)]
    pub display_name: Option<String>,
    #[serde(default)]
    pub followers_count: Option<u64>,
}

/// Parses one JSON object: a Jetstream event or frame, or an AppView response.
pub fn parse_value(value: Value, ctx: &ImportContext) -> Vec<Result<Item, ParseError>> {
    if value.get("$type").and_then(Value::as_str) == Some("message") {
        return parse_v2_frame(value, ctx).into_iter().collect();
    }
    if value.get("kind").is_some() && value.get("did").is_some() {
        return match serde_json::from_value::<JetstreamEvent>(value) {
            Ok(ev) => jetstream_item(ev, ctx).into_iter().collect(),
            Err(e) => vec![Err(e.into())],
        };
    }
    let mut out = Vec::new();
    if let Some(thread) = value.get("thread") {
        collect_thread(thread, ctx, &mut out, 0);
    } else if let Some(posts) = value.get("posts").and_then(Value::as_array) {
        out.extend(posts.iter().map(|p| post_view_item(p.clone(), ctx)));
    } else if let Some(feed) = value.get("feed").and_then(Value::as_array) {
        for entry in feed {
            match entry.get("post") {
                Some(p) => out.push(post_view_item(p.clone(), ctx)),
                None => out.push(Err(ParseError::missing("post"))),
            }
        }
    } else if value.get("uri").is_some() && value.get("record").is_some() {
        out.push(post_view_item(value, ctx));
    } else {
        out.push(Err(ParseError::new(
            "not a Bluesky payload: expected a Jetstream event (`kind`, `did`) or a response with `thread`, `posts` or `feed`",
        )));
    }
    out
}

/// A Jetstream event as an item, if it creates a post.
pub fn jetstream_item(ev: JetstreamEvent, ctx: &ImportContext) -> Option<Result<Item, ParseError>> {
    let commit = ev.commit.filter(|_| ev.kind == "commit")?;
    if commit.collection != POST_COLLECTION
        || !matches!(commit.operation.as_str(), "create" | "update")
    {
        return None;
    }
    let Some(record) = commit.record else {
        let uri = post_uri(&ev.did, &commit.rkey);
        return Some(Err(ParseError::missing("commit.record").context(uri)));
    };
    Some(
        serde_json::from_value::<PostRecord>(record)
            .map_err(|e| ParseError::from(e).context(post_uri(&ev.did, &commit.rkey)))
            .and_then(|rec| jetstream_post_item(&ev.did, &commit.rkey, rec, ctx)),
    )
}

/// The at-uri of the post `rkey` in the repository `did`.
pub fn post_uri(did: &str, rkey: &str) -> String {
    format!("at://{did}/{POST_COLLECTION}/{rkey}")
}

/// A post record created by `did` under `rkey`, as Jetstream carries it, as an item. For
/// consumers that read the event envelope themselves and parse only the records they keep.
pub fn jetstream_post_item(
    did: &str,
    rkey: &str,
    record: PostRecord,
    ctx: &ImportContext,
) -> Result<Item, ParseError> {
    let uri = post_uri(did, rkey);
    let author = Author {
        handle: did.to_owned(),
        ..Author::default()
    };
    post_item(uri.clone(), record, author, Engagement::default(), ctx).map_err(|e| e.context(uri))
}

fn parse_v2_frame(value: Value, ctx: &ImportContext) -> Option<Result<Item, ParseError>> {
    let payload = value.get("payload")?;
    let did = payload.get("did").and_then(Value::as_str)?.to_string();
    let commit: Commit = serde_json::from_value(payload.clone()).ok()?;
    jetstream_item(
        JetstreamEvent {
            did,
            kind: "commit".into(),
            commit: Some(commit),
        },
        ctx,
    )
}

fn collect_thread(
    node: &Value,
    ctx: &ImportContext,
    out: &mut Vec<Result<Item, ParseError>>,
    depth: usize,
) {
    // Deeply nested threads are bounded by the record size; the depth guard only keeps a
    // hostile document from overflowing the stack.
    if depth > 1000 {
        out.push(Err(ParseError::new(
            "thread nested deeper than 1000 levels",
        )));
        return;
    }
    if let Some(parent) = node.get("parent") {
        collect_thread(parent, ctx, out, depth + 1);
    }
    let Some(post) = node.get("post") else {
        // notFoundPost / blockedPost.
        return;
    };
    out.push(post_view_item(post.clone(), ctx));
    if let Some(replies) = node.get("replies").and_then(Value::as_array) {
        for r in replies {
            collect_thread(r, ctx, out, depth + 1);
        }
    }
}

/// A `postView` as an item.
pub fn post_view_item(value: Value, ctx: &ImportContext) -> Result<Item, ParseError> {
    let view: PostView = serde_json::from_value(value)?;
    let handle = view
        .author
        .handle
        .filter(|h| !h.is_empty())
        .unwrap_or(view.author.did);
    let author = Author {
        handle,
        name: view.author.display_name.filter(|n| !n.is_empty()),
        followers: view.author.followers_count,
        verified: false,
    };
    let engagement = Engagement {
        likes: view.like_count,
        shares: view.repost_count + view.quote_count,
        replies: view.reply_count,
        views: None,
    };
    let uri = view.uri.clone();
    post_item(view.uri, view.record, author, engagement, ctx).map_err(|e| e.context(uri))
}

fn post_item(
    uri: String,
    rec: PostRecord,
    author: Author,
    engagement: Engagement,
    ctx: &ImportContext,
) -> Result<Item, ParseError> {
    let published_at = parse_timestamp(&rec.created_at)?;
    let url = uri
        .strip_prefix("at://")
        .and_then(|rest| rest.split_once(&format!("/{POST_COLLECTION}/")))
        .map(|(did, rkey)| {
            let who = if author.handle.is_empty() {
                did
            } else {
                author.handle.as_str()
            };
            format!("https://bsky.app/profile/{who}/post/{rkey}")
        });
    let mut d = Draft::new(SourceKind::Bluesky, uri, published_at);
    if let Some(reply) = rec.reply {
        d.item_kind = ItemKind::Reply;
        d.parent_id = Some(reply.parent.uri);
        d.thread_id = Some(reply.root.uri);
    }
    if rec.text.trim().is_empty() {
        d.title = rec
            .embed
            .as_ref()
            .and_then(|e| e.pointer("/external/title"))
            .and_then(Value::as_str)
            .map(str::to_string);
    }
    d.text = rec.text;
    d.author = author;
    d.url = url;
    d.engagement = engagement;
    d.declared_lang = rec.langs.into_iter().next();
    d.finish(ctx)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn ctx() -> ImportContext {
        ImportContext {
            source_name: "jetstream".into(),
            collected_at: "2024-05-01T00:00:00Z".parse().unwrap(),
        }
    }

    #[test]
    fn jetstream_post_and_skips() {
        let post: Value = serde_json::from_str(r#"{"did":"did:plc:a","time_us":1,"kind":"commit","commit":{"rev":"r","operation":"create",
            "collection":"app.bsky.feed.post","rkey":"3k","record":{"$type":"app.bsky.feed.post","createdAt":"2024-09-09T19:46:02.102Z",
            "langs":["nb"],"text":"Hei","reply":{"parent":{"cid":"c","uri":"at://p"},"root":{"cid":"c","uri":"at://r"}}},"cid":"c"}}"#).unwrap();
        let item = parse_value(post, &ctx()).remove(0).unwrap();
        assert_eq!(item.external_id, "at://did:plc:a/app.bsky.feed.post/3k");
        assert_eq!(
            item.url.as_deref(),
            Some("https://bsky.app/profile/did:plc:a/post/3k")
        );
        assert_eq!(item.kind, ItemKind::Reply);
        assert_eq!(item.parent_id.as_deref(), Some("at://p"));
        assert_eq!(item.thread_id.as_deref(), Some("at://r"));
        assert_eq!(item.declared_lang.as_deref(), Some("nb"));
        let del: Value = serde_json::from_str(r#"{"did":"did:plc:a","time_us":1,"kind":"commit","commit":{"rev":"r","operation":"delete","collection":"app.bsky.feed.post","rkey":"3k"}}"#).unwrap();
        assert!(parse_value(del, &ctx()).is_empty());
        let ident: Value = serde_json::from_str(
            r#"{"did":"did:plc:a","time_us":1,"kind":"identity","identity":{}}"#,
        )
        .unwrap();
        assert!(parse_value(ident, &ctx()).is_empty());
    }

    #[test]
    fn unknown_object_is_an_error() {
        let v: Value = serde_json::from_str(r#"{"hello":"world"}"#).unwrap();
        assert!(parse_value(v, &ctx())[0].is_err());
    }
}
