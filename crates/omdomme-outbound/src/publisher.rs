//! The publisher: sends scheduled posts whose time has come, from the outbox, exactly once.
//!
//! Each attempt is marked in the store (`Sending`, [`Store::begin_publish`]) before the
//! platform is asked, and its outcome recorded after ([`Store::finish_publish`]). If the
//! process dies between the two, the entry stays `Sending`; the next publisher finds it and
//! asks the platform whether it has the post ([`Channel::find_published`]) before sending
//! it again. The same question comes before every attempt after one that failed, since a
//! timeout or a 5xx may have come after the platform took the post. A check that cannot
//! be answered is never taken as "not there": the post waits for the next try. So a post
//! is never sent twice, and one that cannot be sent ends failed with the platform's words
//! instead of vanishing.

use std::sync::Arc;
use std::time::Duration;

use jiff::{SignedDuration, Timestamp};
use omdomme_connectors::{Channel, ConnectorError, ErrorKind, OutboundPost, Posted};
use omdomme_policy::{Draft, Policy};
use omdomme_store::{
    DuePost, OutboxEntry, OutboxState, Post, PublishOutcome, Published, Store, StoreError,
    StoreResult,
};

use crate::channels::{ChannelDirectory, RecordingChannel};

/// How often the server looks for due posts: a post goes out within seconds of its time.
pub const ROUND_INTERVAL: Duration = Duration::from_secs(5);

/// How the publisher paces itself.
#[derive(Clone, Debug)]
pub struct PublishSettings {
    /// Due posts taken per round.
    pub batch: usize,
    /// Attempts per post before it fails, the first included.
    pub max_attempts: u32,
    /// The wait after the first failed attempt; doubled after each further one.
    pub first_retry: SignedDuration,
    pub max_retry: SignedDuration,
    /// The longest wait a platform's own "come back at" is followed for.
    pub max_platform_wait: SignedDuration,
    /// After this long a `Sending` entry of another publisher is taken as dead. Longer than
    /// any attempt can last (the connectors' retries of one request included).
    pub stale_after: SignedDuration,
    /// How much earlier than an uncertain attempt the platform is searched, for clock skew
    /// between us and it.
    pub search_margin: SignedDuration,
}

impl Default for PublishSettings {
    fn default() -> Self {
        PublishSettings {
            batch: 20,
            max_attempts: 8,
            first_retry: SignedDuration::from_secs(30),
            max_retry: SignedDuration::from_hours(1),
            max_platform_wait: SignedDuration::from_hours(24),
            stale_after: SignedDuration::from_mins(15),
            search_margin: SignedDuration::from_mins(10),
        }
    }
}

/// What one round did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RoundReport {
    pub sent: usize,
    pub retrying: usize,
    pub failed: usize,
    /// Posts the round could not record anything for (the store refused); tried again next
    /// round.
    pub skipped: usize,
}

/// Publishes due posts through the channels the directory gives.
pub struct Publisher {
    store: Arc<dyn Store>,
    channels: Arc<dyn ChannelDirectory>,
    settings: PublishSettings,
    /// When this publisher started. A `Sending` entry begun before cannot be one of ours
    /// in flight (a round finishes every attempt it begins before the next round starts),
    /// so after a restart it is looked at at once instead of after `stale_after`.
    started_at: Timestamp,
}

/// The idempotency key of a post's approved version: a new version is a new post to send.
pub fn outbox_key(post: &Post) -> String {
    format!("post-{}-v{}", post.id, post.workflow.version)
}

impl Publisher {
    pub fn new(
        store: Arc<dyn Store>,
        channels: Arc<dyn ChannelDirectory>,
        settings: PublishSettings,
        started_at: Timestamp,
    ) -> Publisher {
        Publisher {
            store,
            channels,
            settings,
            started_at,
        }
    }

    /// Publishes the posts due at `now`, one after the other; one post's trouble is
    /// recorded on it (or logged) and never stops the others. Errs only when the due
    /// posts cannot be read.
    pub async fn publish_round(&self, now: Timestamp) -> StoreResult<RoundReport> {
        let stale_before = (now - self.settings.stale_after).max(self.started_at);
        let due = self
            .store
            .due_posts(now, stale_before, self.settings.batch)
            .await?;
        let mut report = RoundReport::default();
        // Attempts take time (uploads, the connectors' own retries): each is marked and
        // recorded at the time it really began and ended, so a retry waits its backoff
        // from the end of the attempt.
        let began = tokio::time::Instant::now();
        let clock = move || now + SignedDuration::try_from(began.elapsed()).unwrap_or_default();
        for due in due {
            let post_id = due.post.id;
            let workspace = due.post.workspace.clone();
            match self.publish_one(due, &clock).await {
                Ok(PublishOutcome::Sent(_)) => report.sent += 1,
                Ok(PublishOutcome::Retry { .. }) => report.retrying += 1,
                Ok(PublishOutcome::Failed { .. }) => report.failed += 1,
                Err(error) => {
                    report.skipped += 1;
                    tracing::warn!(%workspace, post = post_id, %error, "publishing a post failed; trying again next round");
                }
            }
        }
        Ok(report)
    }

    async fn publish_one(
        &self,
        due: DuePost,
        clock: &(impl Fn() -> Timestamp + Sync),
    ) -> StoreResult<PublishOutcome> {
        let post = due.post;
        let workspace = &post.workspace;
        let key = outbox_key(&post);
        // Read before the attempt is marked, so a store that cannot give the story or the
        // policy leaves the post as it was.
        let refusal = self.policy_refusal(&post).await?;
        let earlier = self
            .store
            .begin_publish(workspace, post.id, &key, clock())
            .await?;
        // Counted as the store counts: scheduling a failed post again starts a new round.
        let attempt = match &earlier {
            Some(entry) if entry.state != OutboxState::Failed => entry.attempts + 1,
            _ => 1,
        };
        let ended = self.attempt(&post, earlier.as_ref(), refusal).await;
        let now = clock();
        let outcome = match ended {
            Attempt::Done(outcome) => outcome,
            Attempt::Refused(error) => self.after_error(&post, attempt, &error, now),
            Attempt::Posted(posted) => PublishOutcome::Sent(Published {
                at: now,
                external_id: posted.external_id,
                url: posted.url,
            }),
        };
        match &outcome {
            PublishOutcome::Sent(published) => {
                tracing::info!(%workspace, post = post.id, external_id = %published.external_id, "post published");
            }
            PublishOutcome::Retry { error, at } => {
                tracing::warn!(%workspace, post = post.id, attempt, %error, next = %at, "publishing a post failed; will retry");
            }
            PublishOutcome::Failed { error } => {
                tracing::warn!(%workspace, post = post.id, attempt, %error, "publishing a post failed for good");
            }
        }
        self.store
            .finish_publish(workspace, post.id, &key, &outcome, now)
            .await?;
        Ok(outcome)
    }

    /// One attempt, the outbox entry already marked `Sending`.
    async fn attempt(
        &self,
        post: &Post,
        earlier: Option<&OutboxEntry>,
        refusal: Option<String>,
    ) -> Attempt {
        let channel = match self.channel(post).await {
            Ok(channel) => channel,
            Err(error) => return Attempt::Refused(error),
        };
        let outbound = match self.outbound(post).await {
            Ok(outbound) => outbound,
            Err(ended) => return ended,
        };
        // An earlier attempt may have reached the platform: a crash while `Sending`, or an
        // error that came after the platform took the post (a timeout, a 5xx).
        if let Some(earlier) = earlier.filter(|e| e.attempts > 0) {
            let since = self.search_from(post, earlier);
            match channel.find_published(&outbound, since).await {
                Ok(Some(posted)) => return Attempt::Posted(posted),
                Ok(None) => {}
                Err(error) => {
                    // Not knowing is not "not there": sending now could post it twice.
                    return Attempt::Refused(ConnectorError::new(
                        error.kind,
                        format!(
                            "could not check whether the platform already has the post from an earlier attempt, so it was not sent again: {}",
                            error.message
                        ),
                    ));
                }
            }
        }
        if let Some(refusal) = refusal {
            return Attempt::Done(PublishOutcome::Failed { error: refusal });
        }
        match channel.publish(&outbound).await {
            Ok(posted) => Attempt::Posted(posted),
            Err(error) => Attempt::Refused(error),
        }
    }

    /// The post's channel; a recording one when the source cannot post or the workspace is
    /// the demo's.
    async fn channel(&self, post: &Post) -> Result<Arc<dyn Channel>, ConnectorError> {
        let source = &post.content.channel;
        match self.channels.channel(&post.workspace, source).await {
            Ok(Some(channel)) => Ok(channel),
            Ok(None) => Ok(Arc::new(RecordingChannel::new(source.kind))),
            Err(error) => Err(ConnectorError::new(
                error.kind,
                format!("the channel {source} cannot post: {}", error.message),
            )),
        }
    }

    /// The post as the platform gets it, with its images' bytes.
    async fn outbound(&self, post: &Post) -> Result<OutboundPost, Attempt> {
        let mut attachments = Vec::with_capacity(post.content.attachments.len());
        for attachment in &post.content.attachments {
            match self.store.attachment(&post.workspace, attachment.id).await {
                Ok(Some((stored, bytes))) => attachments.push(omdomme_connectors::Attachment {
                    bytes,
                    media_type: stored.media_type,
                    alt_text: stored.alt_text,
                }),
                Ok(None) => {
                    return Err(Attempt::Done(PublishOutcome::Failed {
                        error: format!(
                            "the image {} is no longer stored; edit the post to add it again",
                            attachment.filename
                        ),
                    }));
                }
                Err(error) => {
                    return Err(Attempt::Refused(ConnectorError::new(
                        ErrorKind::Unavailable,
                        format!("cannot read the image {}: {error}", attachment.filename),
                    )));
                }
            }
        }
        Ok(OutboundPost {
            text: post.content.text.clone(),
            idempotency_key: outbox_key(post),
            attachments,
        })
    }

    /// Where to start looking for an earlier attempt's post: before the first attempt could
    /// have begun (the scheduled time), or before the latest one for a post scheduled again.
    fn search_from(&self, post: &Post, earlier: &OutboxEntry) -> Timestamp {
        let first_possible = [post.workflow.scheduled_at, earlier.started_at]
            .into_iter()
            .flatten()
            .min()
            .unwrap_or(earlier.next_attempt_at);
        first_possible - self.settings.search_margin
    }

    /// The policy's blocking findings at sending time, in words; `None` when it may go.
    /// Checked again here because the policy may have changed since the approval.
    async fn policy_refusal(&self, post: &Post) -> StoreResult<Option<String>> {
        let workspace = &post.workspace;
        let story = self
            .store
            .story(workspace, post.story)
            .await?
            .ok_or_else(|| StoreError::NotFound {
                what: format!("story {} of post {}", post.story, post.id),
            })?;
        let policy = match self.store.policy(workspace).await? {
            None => Policy::default(),
            Some(stored) => match Policy::from_json(&stored.json) {
                Ok(policy) => policy,
                Err(error) => {
                    return Ok(Some(format!(
                        "policy: the workspace's policy does not read ({error}); a leader must fix it under Setup → Policy before anything is published"
                    )));
                }
            },
        };
        let sourced_proof: Vec<&str> = story
            .proof_points
            .iter()
            .filter(|p| p.has_source())
            .map(|p| p.draft.statement.as_str())
            .collect();
        let findings = omdomme_policy::check(
            &policy,
            &Draft {
                text: &post.content.text,
                channel: Some(post.content.channel.kind),
                sourced_proof,
            },
        );
        if !omdomme_policy::blocks(&findings) {
            return Ok(None);
        }
        let blocking: Vec<String> = findings
            .iter()
            .filter(|f| f.severity == omdomme_policy::Severity::Block)
            .map(|f| {
                if f.words.is_empty() {
                    format!("policy: {}: {}", f.rule, f.message_en)
                } else {
                    format!("policy: {}: {}", f.rule, f.words)
                }
            })
            .collect();
        Ok(Some(blocking.join("; ")))
    }

    /// Retry with backoff while the error is one waiting fixes and attempts remain, else
    /// fail with the platform's words.
    fn after_error(
        &self,
        post: &Post,
        attempt: u32,
        error: &ConnectorError,
        now: Timestamp,
    ) -> PublishOutcome {
        if !error.kind.is_transient() {
            return PublishOutcome::Failed {
                error: error.message.clone(),
            };
        }
        if attempt >= self.settings.max_attempts {
            return PublishOutcome::Failed {
                error: format!(
                    "gave up after {attempt} attempts; the last: {}",
                    error.message
                ),
            };
        }
        let told = error
            .retry_after
            .and_then(|wait| SignedDuration::try_from(wait).ok())
            .map(|wait| wait.min(self.settings.max_platform_wait))
            .unwrap_or(SignedDuration::ZERO);
        PublishOutcome::Retry {
            error: error.message.clone(),
            at: now + self.backoff(post.id, attempt).max(told),
        }
    }

    /// `first_retry · 2^(attempt-1)`, capped, its second half spread by the post's id and
    /// the attempt so posts that failed together do not come back together. Deterministic,
    /// so what a round decides can be tested.
    fn backoff(&self, post: i64, attempt: u32) -> SignedDuration {
        let doubled = self
            .settings
            .first_retry
            .checked_mul(1i32 << attempt.saturating_sub(1).min(20))
            .unwrap_or(self.settings.max_retry)
            .min(self.settings.max_retry);
        let spread = (post.unsigned_abs())
            .wrapping_mul(2_654_435_761)
            .wrapping_add(u64::from(attempt).wrapping_mul(40_503))
            % 1000;
        let half = doubled / 2;
        let spread = i32::try_from(spread).unwrap_or(0);
        half + half.checked_mul(spread).unwrap_or(half) / 1000
    }
}

/// How an attempt ended before its outcome is decided.
enum Attempt {
    /// The platform has the post: sent now, or found from an earlier attempt.
    Posted(Posted),
    /// Decided without the platform's say (the policy, a missing image).
    Done(PublishOutcome),
    /// The platform (or the way to it) refused; retried or failed by [`Publisher::after_error`].
    Refused(ConnectorError),
}
