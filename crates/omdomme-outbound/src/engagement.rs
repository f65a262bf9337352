//! Reads the engagement of published posts back from their platforms: likes, shares,
//! replies and reach where the API gives it, stored with the post for the story's effect.
//!
//! Each round takes the posts read longest ago, so every post gets its turn; a post that
//! cannot be read (deleted on the platform, a revoked token) keeps what was read before and
//! waits its next turn instead of holding up the others.

use std::time::Duration;

use jiff::{SignedDuration, Timestamp};
use omdomme_core::Engagement;
use omdomme_store::{Post, Store, StoreResult};

use crate::channels::{ChannelDirectory, RECORDED_PREFIX};

/// Posts older than this are no longer read: their engagement has settled.
pub const FOLLOW_FOR: SignedDuration = SignedDuration::from_hours(30 * 24);
/// A post's engagement is read again after this long.
pub const READ_EVERY: SignedDuration = SignedDuration::from_mins(15);
/// How often the server reads engagement back.
pub const ROUND_INTERVAL: Duration = Duration::from_secs(5 * 60);
/// Posts read per round.
pub const BATCH: usize = 50;

/// What one round did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CollectReport {
    /// Posts whose engagement the platform gave.
    pub read: usize,
    /// Recorded posts (never sent, so nothing to read) and posts of sources that cannot
    /// post: marked read with what they had.
    pub recorded: usize,
    /// Posts the platform would not give: marked read with what they had, logged.
    pub failed: usize,
}

/// Reads the engagement of the published posts whose turn it is at `now`.
pub async fn collect_round(
    store: &dyn Store,
    channels: &dyn ChannelDirectory,
    now: Timestamp,
) -> StoreResult<CollectReport> {
    let posts = store
        .posts_for_engagement(now - FOLLOW_FOR, now - READ_EVERY, BATCH)
        .await?;
    let mut report = CollectReport::default();
    for post in posts {
        let engagement = match read(channels, &post).await {
            Read::Fresh(engagement) => {
                report.read += 1;
                engagement
            }
            Read::Nothing => {
                report.recorded += 1;
                stored(&post)
            }
            Read::Failed(error) => {
                report.failed += 1;
                tracing::warn!(workspace = %post.workspace, post = post.id, %error, "cannot read a post's engagement; keeping the last reading");
                stored(&post)
            }
        };
        // Marked read even when nothing new came, or the post would head every round and
        // starve the others.
        store
            .put_post_engagement(&post.workspace, post.id, &engagement, now)
            .await?;
    }
    Ok(report)
}

enum Read {
    Fresh(Engagement),
    /// Recorded, not sent: there is no platform to ask.
    Nothing,
    Failed(String),
}

async fn read(channels: &dyn ChannelDirectory, post: &Post) -> Read {
    let Some(published) = &post.published else {
        return Read::Failed("the post has no published id".to_owned());
    };
    if published.external_id.starts_with(RECORDED_PREFIX) {
        return Read::Nothing;
    }
    match channels
        .channel(&post.workspace, &post.content.channel)
        .await
    {
        Ok(None) => Read::Nothing,
        Ok(Some(channel)) => match channel.engagement(&published.external_id).await {
            Ok(engagement) => Read::Fresh(engagement),
            Err(error) => Read::Failed(error.message),
        },
        Err(error) => Read::Failed(error.message),
    }
}

/// What the post had, to keep when nothing new can be read.
fn stored(post: &Post) -> Engagement {
    post.engagement
        .as_ref()
        .map(|(engagement, _)| *engagement)
        .unwrap_or_default()
}
