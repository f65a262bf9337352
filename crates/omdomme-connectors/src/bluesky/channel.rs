//! Posting, replying and reading back engagement as the configured account.

use std::sync::Arc;

use async_trait::async_trait;
use omdomme_core::post_length::BLUESKY_MAX_GRAPHEMES;
use omdomme_core::text::{TokenKind, tokens};
use omdomme_core::{Engagement, SourceKind};
use omdomme_sources::bluesky::{POST_COLLECTION, post_view_item};
use omdomme_sources::{ImportContext, parse_timestamp};
use reqwest::Method;
use serde::Deserialize;
use serde_json::{Value, json};
use unicode_segmentation::UnicodeSegmentation;

use super::xrpc::{Reader, Session, method_url};
use super::{Config, check};
use crate::channel::same_post_text;
use crate::error::{ConnectorError, ConnectorResult, ErrorKind};
use crate::http::read_json;
use crate::{Attachment, BuildContext, Channel, Http, OutboundPost, Posted};

/// `app.bsky.embed.images`: at most four images of at most 1,000,000 bytes each.
const MAX_IMAGES: usize = 4;
const MAX_IMAGE_BYTES: usize = 1_000_000;
/// Pages of the author feed (100 posts each) looked through for a post whose answer never
/// came: plenty for the hours an outbox retries.
const MAX_SEARCH_PAGES: u32 = 3;

/// Posts as `handle`, signed in with its app password.
pub struct BlueskyChannel {
    session: Arc<Session>,
    reader: Reader,
    http: Http,
    source_name: String,
}

/// A uri and cid: how a reply names its parent and the thread's root.
#[derive(Clone, Debug, Deserialize, serde::Serialize)]
struct StrongRef {
    uri: String,
    cid: String,
}

/// The part of a `postView` a reply needs.
#[derive(Deserialize)]
struct ReplyTarget {
    uri: String,
    cid: String,
    record: TargetRecord,
}

#[derive(Deserialize)]
struct TargetRecord {
    #[serde(default)]
    reply: Option<TargetReply>,
}

#[derive(Deserialize)]
struct TargetReply {
    root: StrongRef,
}

#[derive(Deserialize)]
struct Created {
    uri: String,
}

#[derive(Deserialize)]
struct Uploaded {
    blob: Value,
}

impl BlueskyChannel {
    pub fn new(config: &Config, ctx: &BuildContext) -> ConnectorResult<BlueskyChannel> {
        check(config)?;
        let Some(session) = super::session(config, ctx)? else {
            return Err(ConnectorError::config(format!(
                "bluesky source {}: posting needs `handle` and its app password as the source's credential (Settings → Privacy and security → App passwords)",
                config.name
            )));
        };
        Ok(BlueskyChannel {
            session: Arc::new(session),
            reader: Reader::new(ctx.http.clone(), config.appview_url()?, None),
            http: ctx.http.clone(),
            source_name: config.name.clone(),
        })
    }

    /// The post `uri` as the AppView shows it, or advice if it is gone.
    async fn post_view(&self, uri: &str) -> ConnectorResult<Value> {
        if !uri.starts_with("at://") {
            return Err(ConnectorError::config(format!(
                "{uri:?} is not a Bluesky post (at://did/app.bsky.feed.post/rkey)"
            )));
        }
        self.reader
            .posts(&[uri])
            .await?
            .into_iter()
            .next()
            .ok_or_else(|| {
                ConnectorError::new(
                    ErrorKind::EndpointRetired,
                    format!("Bluesky has no post {uri}: it was deleted or taken down"),
                )
            })
    }

    async fn create(&self, post: &OutboundPost, reply: Option<Value>) -> ConnectorResult<Posted> {
        let graphemes = post.text.graphemes(true).count();
        if graphemes > BLUESKY_MAX_GRAPHEMES {
            return Err(ConnectorError::config(format!(
                "the post has {graphemes} characters; Bluesky takes at most {BLUESKY_MAX_GRAPHEMES}"
            )));
        }
        if post.attachments.len() > MAX_IMAGES {
            return Err(ConnectorError::config(format!(
                "a Bluesky post takes at most {MAX_IMAGES} images; this one has {}",
                post.attachments.len()
            )));
        }
        let mut images = Vec::new();
        for attachment in &post.attachments {
            images
                .push(json!({"image": self.upload(attachment).await?, "alt": attachment.alt_text}));
        }
        let mut record = json!({
            "$type": POST_COLLECTION,
            "text": post.text,
            "createdAt": self.http.now().to_string(),
        });
        let facets = facets(&post.text);
        if !facets.is_empty() {
            record["facets"] = Value::Array(facets);
        }
        if let Some(reply) = reply {
            record["reply"] = reply;
        }
        if !images.is_empty() {
            record["embed"] = json!({"$type": "app.bsky.embed.images", "images": images});
        }
        let url = method_url(self.session.pds(), "com.atproto.repo.createRecord")?;
        let response = self
            .session
            .call(Method::POST, &url, |tokens, request| {
                request.json(&json!({
                    "repo": tokens.did,
                    "collection": POST_COLLECTION,
                    "record": record,
                }))
            })
            .await?;
        let created: Created = read_json(response).await?;
        let handle = self.session.tokens().await?.handle;
        Ok(posted(&handle, created.uri))
    }

    /// `com.atproto.repo.uploadBlob`: the blob reference the image embed takes.
    async fn upload(&self, attachment: &Attachment) -> ConnectorResult<Value> {
        if attachment.alt_text.trim().is_empty() {
            return Err(ConnectorError::config(
                "every image needs an alt text for people using screen readers",
            ));
        }
        if attachment.bytes.len() > MAX_IMAGE_BYTES {
            return Err(ConnectorError::config(format!(
                "an image has {} bytes; Bluesky takes at most {MAX_IMAGE_BYTES}",
                attachment.bytes.len()
            )));
        }
        let url = method_url(self.session.pds(), "com.atproto.repo.uploadBlob")?;
        let response = self
            .session
            .call(Method::POST, &url, |_, request| {
                request
                    .header("content-type", &attachment.media_type)
                    .body(attachment.bytes.clone())
            })
            .await?;
        Ok(read_json::<Uploaded>(response).await?.blob)
    }
}

/// The post `uri` of `handle` with its address in the Bluesky app.
fn posted(handle: &str, uri: String) -> Posted {
    let url = uri
        .rsplit_once('/')
        .map(|(_, rkey)| format!("https://bsky.app/profile/{handle}/post/{rkey}"));
    Posted {
        external_id: uri,
        url,
    }
}

/// The part of a `postView` that tells which post it is.
#[derive(Deserialize)]
struct OwnPost {
    uri: String,
    record: OwnRecord,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct OwnRecord {
    #[serde(default)]
    text: String,
    created_at: String,
}

/// Links and hashtags as rich-text facets (byte ranges of the UTF-8 text), so they are
/// clickable; mentions would need the handle's DID and stay plain text.
fn facets(text: &str) -> Vec<Value> {
    tokens(text)
        .filter_map(|token| {
            let end = token.start + token.text.len();
            let (start, feature) = match token.kind {
                TokenKind::Url => {
                    let uri = if token.text.starts_with("www.") {
                        format!("https://{}", token.text)
                    } else {
                        token.text.to_owned()
                    };
                    (
                        token.start,
                        json!({"$type": "app.bsky.richtext.facet#link", "uri": uri}),
                    )
                }
                TokenKind::Hashtag => (
                    token.start.checked_sub(1)?,
                    json!({"$type": "app.bsky.richtext.facet#tag", "tag": token.text}),
                ),
                _ => return None,
            };
            Some(json!({"index": {"byteStart": start, "byteEnd": end}, "features": [feature]}))
        })
        .collect()
}

#[async_trait]
impl Channel for BlueskyChannel {
    fn kind(&self) -> SourceKind {
        SourceKind::Bluesky
    }

    /// In graphemes, as Bluesky counts.
    fn max_length(&self) -> usize {
        BLUESKY_MAX_GRAPHEMES
    }

    async fn publish(&self, post: &OutboundPost) -> ConnectorResult<Posted> {
        self.create(post, None).await
    }

    async fn reply(&self, to: &str, post: &OutboundPost) -> ConnectorResult<Posted> {
        let target: ReplyTarget =
            serde_json::from_value(self.post_view(to).await?).map_err(|e| {
                ConnectorError::bad_payload(format!("post {to} as getPosts shows it: {e}"))
            })?;
        let parent = StrongRef {
            uri: target.uri,
            cid: target.cid,
        };
        // Replying to a reply keeps its thread's root; replying to a top post makes it root.
        let root = target
            .record
            .reply
            .map_or_else(|| parent.clone(), |r| r.root);
        self.create(post, Some(json!({"root": root, "parent": parent})))
            .await
    }

    async fn engagement(&self, external_id: &str) -> ConnectorResult<Engagement> {
        let view = self.post_view(external_id).await?;
        let ctx = ImportContext {
            source_name: self.source_name.clone(),
            collected_at: self.http.now(),
        };
        // Counted the way collection counts them (likes, reposts and quotes, replies).
        post_view_item(view, &ctx)
            .map(|item| item.engagement)
            .map_err(|e| ConnectorError::bad_payload(e.to_string()))
    }

    /// Pages back through the signed-in account's author feed (reposts skipped) until a
    /// post created before `since`.
    async fn find_published(
        &self,
        post: &OutboundPost,
        since: jiff::Timestamp,
    ) -> ConnectorResult<Option<Posted>> {
        let tokens = self.session.tokens().await?;
        let mut cursor: Option<String> = None;
        for _ in 0..MAX_SEARCH_PAGES {
            let page = self
                .reader
                .author_feed(&tokens.did, cursor.as_deref())
                .await?;
            for entry in page.feed {
                if entry.reason.is_some() {
                    continue;
                }
                let own: OwnPost = serde_json::from_value(entry.post).map_err(|e| {
                    ConnectorError::bad_payload(format!("a post of getAuthorFeed: {e}"))
                })?;
                let at = parse_timestamp(&own.record.created_at)
                    .map_err(|e| ConnectorError::bad_payload(format!("post {}: {e}", own.uri)))?;
                if at < since {
                    return Ok(None);
                }
                if same_post_text(&post.text, &own.record.text) {
                    return Ok(Some(posted(&tokens.handle, own.uri)));
                }
            }
            match page.cursor {
                Some(next) => cursor = Some(next),
                None => return Ok(None),
            }
        }
        Ok(None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn facets_cover_links_and_hashtags_by_byte() {
        let text = "Sjå #nordlys på https://nordlys.no/klima!";
        let facets = facets(text);
        assert_eq!(facets.len(), 2, "{facets:?}");
        let range = |f: &Value| {
            let start = f["index"]["byteStart"].as_u64().unwrap() as usize;
            let end = f["index"]["byteEnd"].as_u64().unwrap() as usize;
            &text[start..end]
        };
        assert_eq!(range(&facets[0]), "#nordlys");
        assert_eq!(facets[0]["features"][0]["tag"], "nordlys");
        assert_eq!(range(&facets[1]), "https://nordlys.no/klima");
    }
}
