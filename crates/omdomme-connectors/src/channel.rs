//! The outbound side: replying, publishing and reading back engagement through a platform.
//! The inbox replies through it and story publishing posts through it.

use async_trait::async_trait;
use jiff::Timestamp;
use omdomme_core::{Engagement, SourceKind};

use crate::error::ConnectorResult;

/// A post or reply to send.
#[derive(Clone, Debug, PartialEq)]
pub struct OutboundPost {
    pub text: String,
    /// Stable for one logical post: platforms that support it (Mastodon's
    /// `Idempotency-Key`) drop a repeat, the others rely on the outbox never resending.
    pub idempotency_key: String,
    pub attachments: Vec<Attachment>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Attachment {
    pub bytes: Vec<u8>,
    /// `image/png`, `image/jpeg`, ...
    pub media_type: String,
    /// Shown to screen readers; every image needs one.
    pub alt_text: String,
}

/// What the platform made of a post we sent.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Posted {
    /// The platform's id of the new post (the item's external id once it is collected).
    pub external_id: String,
    pub url: Option<String>,
}

#[async_trait]
pub trait Channel: Send + Sync {
    fn kind(&self) -> SourceKind;

    /// The platform's length limit for one post, in the unit it counts (characters or
    /// graphemes).
    fn max_length(&self) -> usize;

    async fn publish(&self, post: &OutboundPost) -> ConnectorResult<Posted>;

    /// Answers the item with external id `to` (a post, comment or reply on this platform).
    async fn reply(&self, to: &str, post: &OutboundPost) -> ConnectorResult<Posted>;

    /// Likes, shares, replies and (where the API gives it) reach of one of our posts.
    async fn engagement(&self, external_id: &str) -> ConnectorResult<Engagement>;

    /// The account's own post with `post`'s text made at or after `since`, if the platform
    /// has one. After an attempt whose answer never came (a timeout, a crash) the outbox asks
    /// this before sending again, so a post never goes out twice. Looks through the
    /// account's recent posts and compares the text as the platform stores it (links and
    /// whitespace normalised).
    async fn find_published(
        &self,
        post: &OutboundPost,
        since: Timestamp,
    ) -> ConnectorResult<Option<Posted>>;
}

/// Whether `theirs` (a post as the platform shows it, as plain text) is the post we sent
/// as `ours`, for [`Channel::find_published`]. Platforms rewrite links (X's t.co,
/// Mastodon's shortened display, Bluesky's facets), show a Mastodon mention by its user name
/// alone, and change whitespace and punctuation around them, so the two are compared by
/// their words, hashtags, mentions and emoji, without links, case folded.
pub fn same_post_text(ours: &str, theirs: &str) -> bool {
    let ours = comparable(ours);
    !ours.is_empty() && ours == comparable(theirs)
}

fn comparable(text: &str) -> Vec<String> {
    use omdomme_core::text::{TokenKind, tokens};
    tokens(text)
        .filter_map(|token| match token.kind {
            TokenKind::Url => None,
            // `@ola@mastodon.social` is shown as `@ola`.
            TokenKind::Mention => token.text.split('@').next().map(str::to_lowercase),
            _ => Some(token.text.to_lowercase()),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::same_post_text;

    #[test]
    fn the_same_post_matches_through_the_platforms_rewrites() {
        let ours = "Vi har kutta 40 % av utsleppa! Les meir: https://nordlys.no/klima/2026 #klima @ola@mastodon.social";
        assert!(same_post_text(
            ours,
            "Vi har kutta 40 % av utsleppa!\nLes meir: https://t.co/abc123 #klima @ola"
        ));
        assert!(same_post_text(ours, ours));
        assert!(!same_post_text(
            ours,
            "Vi har kutta 30 % av utsleppa! Les meir: https://nordlys.no/klima/2026 #klima"
        ));
        assert!(!same_post_text("", ""), "an empty post matches nothing");
    }
}
