//! Posting, replying and reading back engagement through the statuses API.

use std::time::Duration;

use async_trait::async_trait;
use omdomme_core::post_length::MASTODON_MAX_CHARACTERS;
use omdomme_core::{Engagement, SourceKind};
use omdomme_sources::html::html_to_text;
use omdomme_sources::mastodon::{Status, status_to_item};
use omdomme_sources::{ImportContext, parse_timestamp};
use rand::Rng;
use reqwest::{Method, StatusCode};
use serde::Deserialize;

use super::api::{Api, classify};
use super::{Config, check};
use crate::channel::same_post_text;
use crate::error::{ConnectorError, ConnectorResult, ErrorKind};
use crate::http::read_json;
use crate::{Attachment, BuildContext, Channel, OutboundPost, Posted};

/// Mastodon takes at most four images per status.
const MAX_ATTACHMENTS: usize = 4;
/// How often and how long to wait for an uploaded image to finish processing.
const MEDIA_POLLS: u32 = 10;
const MEDIA_POLL_WAIT: Duration = Duration::from_millis(500);
/// Looking for a post whose answer never came: statuses per page (the API's most) and
/// pages at most, enough for any account's posts in the hours an outbox retries.
const SEARCH_PAGE_SIZE: u32 = 40;
const MAX_SEARCH_PAGES: u32 = 5;

/// Posts as the account the source's token belongs to (scopes `write:statuses`,
/// `write:media`, and `read:statuses` for engagement).
pub struct MastodonChannel {
    api: Api,
    source_name: String,
}

/// The account the token belongs to, as `verify_credentials` answers.
#[derive(Deserialize)]
struct Me {
    id: String,
}

#[derive(Deserialize)]
struct MediaAttachment {
    id: String,
}

impl MastodonChannel {
    pub fn new(config: &Config, ctx: &BuildContext) -> ConnectorResult<MastodonChannel> {
        check(config)?;
        let Some(token) = ctx.credential.clone() else {
            return Err(ConnectorError::config(format!(
                "mastodon source {}: posting needs an access token with write:statuses and write:media; create one under Preferences → Development and store it with `omdomme sources credential set`",
                config.name
            )));
        };
        Ok(MastodonChannel {
            api: Api::new(&config.instance, ctx.http.clone(), Some(token))?,
            source_name: config.name.clone(),
        })
    }

    async fn post(
        &self,
        post: &OutboundPost,
        in_reply_to: Option<&str>,
    ) -> ConnectorResult<Posted> {
        if post.attachments.len() > MAX_ATTACHMENTS {
            return Err(ConnectorError::config(format!(
                "a Mastodon post takes at most {MAX_ATTACHMENTS} images; this one has {}",
                post.attachments.len()
            )));
        }
        let mut media_ids = Vec::new();
        for attachment in &post.attachments {
            media_ids.push(self.upload(attachment).await?);
        }
        let mut body = serde_json::json!({
            "status": post.text,
            "visibility": "public",
            "media_ids": media_ids,
        });
        if let Some(to) = in_reply_to {
            body["in_reply_to_id"] = to.into();
        }
        let request = self
            .api
            .request(Method::POST, self.api.url("api/v1/statuses")?)
            .header("Idempotency-Key", &post.idempotency_key)
            .json(&body);
        let status: Status = read_json(self.api.http.send(request, classify).await?).await?;
        Ok(Posted {
            url: status.url.or(status.uri),
            external_id: status.id,
        })
    }

    /// `POST /api/v2/media` with the alt text as `description`; waits while the instance
    /// processes the file (202), since a status cannot take unprocessed media.
    async fn upload(&self, attachment: &Attachment) -> ConnectorResult<String> {
        if attachment.alt_text.trim().is_empty() {
            return Err(ConnectorError::config(
                "every image needs an alt text for people using screen readers",
            ));
        }
        let (content_type, body) = multipart(attachment);
        let request = self
            .api
            .request(Method::POST, self.api.url("api/v2/media")?)
            .header("content-type", content_type)
            .body(body);
        let response = self.api.http.send(request, classify).await?;
        let mut processing = response.status() == StatusCode::ACCEPTED;
        let media: MediaAttachment = read_json(response).await?;
        let mut polls = 0;
        while processing {
            if polls == MEDIA_POLLS {
                return Err(ConnectorError::new(
                    ErrorKind::Unavailable,
                    format!(
                        "{} is still processing an uploaded image after {} s; try again later",
                        self.api.host(),
                        (MEDIA_POLL_WAIT * MEDIA_POLLS).as_secs()
                    ),
                ));
            }
            tokio::time::sleep(MEDIA_POLL_WAIT).await;
            polls += 1;
            let url = self
                .api
                .url(&format!("api/v1/media/{}", path_id(&media.id)?))?;
            // 206 while processing, 200 when done.
            processing = self.api.get(url).await?.status() == StatusCode::PARTIAL_CONTENT;
        }
        Ok(media.id)
    }
}

/// A status id as a path segment (ids are digits, sometimes letters).
fn path_id(id: &str) -> ConnectorResult<&str> {
    if !id.is_empty() && id.chars().all(|c| c.is_ascii_alphanumeric()) {
        Ok(id)
    } else {
        Err(ConnectorError::config(format!(
            "{id:?} is not a Mastodon status id"
        )))
    }
}

/// A `multipart/form-data` body with the file and its description, built whole so a
/// failed upload can be retried.
fn multipart(attachment: &Attachment) -> (String, Vec<u8>) {
    let boundary = format!("omdomme-{:032x}", rand::rng().random::<u128>());
    let extension = attachment
        .media_type
        .rsplit('/')
        .next()
        .filter(|e| e.chars().all(|c| c.is_ascii_alphanumeric()))
        .unwrap_or("bin");
    let mut body = Vec::with_capacity(attachment.bytes.len() + 512);
    body.extend_from_slice(
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"image.{extension}\"\r\nContent-Type: {}\r\n\r\n",
            attachment.media_type
        )
        .as_bytes(),
    );
    body.extend_from_slice(&attachment.bytes);
    body.extend_from_slice(
        format!(
            "\r\n--{boundary}\r\nContent-Disposition: form-data; name=\"description\"\r\n\r\n{}\r\n--{boundary}--\r\n",
            attachment.alt_text
        )
        .as_bytes(),
    );
    (format!("multipart/form-data; boundary={boundary}"), body)
}

#[async_trait]
impl Channel for MastodonChannel {
    fn kind(&self) -> SourceKind {
        SourceKind::Mastodon
    }

    fn max_length(&self) -> usize {
        MASTODON_MAX_CHARACTERS
    }

    async fn publish(&self, post: &OutboundPost) -> ConnectorResult<Posted> {
        self.post(post, None).await
    }

    async fn reply(&self, to: &str, post: &OutboundPost) -> ConnectorResult<Posted> {
        self.post(post, Some(path_id(to)?)).await
    }

    async fn engagement(&self, external_id: &str) -> ConnectorResult<Engagement> {
        let url = self
            .api
            .url(&format!("api/v1/statuses/{}", path_id(external_id)?))?;
        let status: Status = read_json(self.api.get(url).await?).await?;
        let ctx = ImportContext {
            source_name: self.source_name.clone(),
            collected_at: self.api.http.now(),
        };
        // The item's counts are read the way collection reads them (favourites, reblogs and
        // quotes, replies).
        status_to_item(status, &ctx)
            .map(|item| item.engagement)
            .map_err(|e| ConnectorError::bad_payload(format!("status {external_id}: {e}")))
    }

    /// Pages back through the account's own statuses (`verify_credentials` names it) until
    /// one older than `since`.
    async fn find_published(
        &self,
        post: &OutboundPost,
        since: jiff::Timestamp,
    ) -> ConnectorResult<Option<Posted>> {
        let me: Me = read_json(
            self.api
                .get(self.api.url("api/v1/accounts/verify_credentials")?)
                .await?,
        )
        .await?;
        let statuses = self
            .api
            .url(&format!("api/v1/accounts/{}/statuses", path_id(&me.id)?))?;
        let mut older_than: Option<String> = None;
        for _ in 0..MAX_SEARCH_PAGES {
            let mut url = statuses.clone();
            url.query_pairs_mut()
                .append_pair("limit", &SEARCH_PAGE_SIZE.to_string())
                .append_pair("exclude_reblogs", "true");
            if let Some(max_id) = &older_than {
                url.query_pairs_mut().append_pair("max_id", max_id);
            }
            let page: Vec<Status> = read_json(self.api.get(url).await?).await?;
            let Some(last) = page.last() else {
                return Ok(None);
            };
            older_than = Some(last.id.clone());
            for status in &page {
                let at = parse_timestamp(&status.created_at).map_err(|e| {
                    ConnectorError::bad_payload(format!("status {}: {e}", status.id))
                })?;
                if at < since {
                    return Ok(None);
                }
                if status.reblog.is_none()
                    && same_post_text(&post.text, &html_to_text(&status.content))
                {
                    return Ok(Some(Posted {
                        external_id: status.id.clone(),
                        url: status.url.clone().or_else(|| status.uri.clone()),
                    }));
                }
            }
        }
        Ok(None)
    }
}
