//! Stories (issue 6): CSR initiatives with their proof points and goals, the posts that tell
//! them per channel, the workflow each post goes through, the outbox that publishes them
//! exactly once, and the engagement read back.
//!
//! The store applies every workflow step itself ([`omdomme_core::Workflow::apply`]) in the
//! transaction that saves it, and writes its audit entry there too, so no caller can skip
//! the four-eyes rule or leave a step unaudited.

use jiff::Timestamp;
use jiff::civil::Date;
use omdomme_core::{Engagement, PostStatus, SourceKey, SourceKind, Topic, Workflow, WorkspaceId};
use serde::{Deserialize, Serialize};

pub type GoalId = i64;
pub type StoryId = i64;
pub type PostId = i64;
pub type AttachmentId = i64;

/// Largest attachment (an image or a proof point's document) the store takes.
pub const MAX_ATTACHMENT_BYTES: usize = 8 * 1024 * 1024;
/// Most images on one post (the most any platform takes).
pub const MAX_POST_ATTACHMENTS: usize = 4;

/// What the leadership group wants to reach (issue 7 adds the planning around it).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Goal {
    pub id: GoalId,
    pub workspace: WorkspaceId,
    pub draft: GoalDraft,
    pub created_at: Timestamp,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct GoalDraft {
    pub name: String,
    /// The channel the goal is for; `None` for all.
    pub channel: Option<SourceKind>,
    /// Email of its owner in the leadership group.
    pub owner: Option<String>,
    /// What is measured, in words: "engasjement per innlegg", "svarprosent".
    pub metric: String,
    pub target: Option<f64>,
    pub deadline: Option<Date>,
}

/// A CSR initiative told as a story.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Story {
    pub id: StoryId,
    pub workspace: WorkspaceId,
    pub draft: StoryDraft,
    pub proof_points: Vec<ProofPoint>,
    pub created_by: String,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StoryDraft {
    pub title: String,
    pub topic: Topic,
    /// The facts of the initiative, in the team's words.
    pub summary: String,
    pub goal: Option<GoalId>,
    /// Email of who is responsible for the story.
    pub owner: String,
}

/// A fact the story rests on, with where it can be checked: a link, a document or both.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ProofPoint {
    pub id: i64,
    pub story: StoryId,
    pub draft: ProofPointDraft,
    pub created_by: String,
    pub created_at: Timestamp,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ProofPointDraft {
    /// The claim as stated: "Vi har kuttet 40 % av utslippene fra transport siden 2019".
    pub statement: String,
    /// An http(s) link to the source.
    pub source_url: Option<String>,
    pub document: Option<AttachmentId>,
}

impl ProofPoint {
    /// A proof point counts as evidence only with a link or a document behind it.
    pub fn has_source(&self) -> bool {
        self.draft.source_url.is_some() || self.draft.document.is_some()
    }
}

/// An image on a post or a proof point's document; the bytes are read apart
/// ([`crate::Store::attachment`]).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Attachment {
    pub id: AttachmentId,
    pub workspace: WorkspaceId,
    pub filename: String,
    /// `image/png`, `image/jpeg`, `application/pdf`, ...
    pub media_type: String,
    /// Shown to screen readers; every image on a post needs one before review.
    pub alt_text: String,
    pub size: u64,
    pub created_by: String,
    pub created_at: Timestamp,
}

#[derive(Clone, Debug, PartialEq)]
pub struct NewAttachment {
    pub filename: String,
    pub media_type: String,
    pub alt_text: String,
    pub bytes: Vec<u8>,
}

/// One post of a story on one channel.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Post {
    pub id: PostId,
    pub workspace: WorkspaceId,
    pub story: StoryId,
    pub content: PostContent,
    pub workflow: Workflow,
    /// Bumped by every change of the row; updates name the revision they saw.
    pub revision: i64,
    pub created_by: String,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    /// Set once published.
    pub published: Option<Published>,
    /// The platform's or the policy's last refusal, in words.
    pub last_error: Option<String>,
    /// The latest engagement read back, and when.
    pub engagement: Option<(Engagement, Timestamp)>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PostContent {
    /// The own account it goes out from: a source of the workspace that can post.
    pub channel: SourceKey,
    pub text: String,
    /// In order; at most [`MAX_POST_ATTACHMENTS`].
    pub attachments: Vec<Attachment>,
    /// When the team means it to go out, before it is scheduled (the calendar shows it).
    pub planned_at: Option<Timestamp>,
}

/// What the platform made of the post.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Published {
    pub at: Timestamp,
    pub external_id: String,
    pub url: Option<String>,
}

/// A new post, a draft by its creator.
#[derive(Clone, Debug, PartialEq)]
pub struct NewPost {
    pub story: StoryId,
    pub channel: SourceKey,
    pub text: String,
    pub attachments: Vec<AttachmentId>,
    pub planned_at: Option<Timestamp>,
}

/// A workflow step on a post, with what goes with it.
#[derive(Clone, Debug, PartialEq)]
pub struct PostStep {
    pub action: omdomme_core::Action,
    /// The new content; only (and always) with [`omdomme_core::Action::Edit`].
    pub content: Option<NewContent>,
    /// The reviewer's comment (required with `RequestChanges`), or a note with any step.
    pub comment: Option<String>,
    /// The revision the person saw; the step is refused ([`crate::StoreError::Conflict`])
    /// if the post changed since.
    pub expected_revision: i64,
    pub at: Timestamp,
}

#[derive(Clone, Debug, PartialEq)]
pub struct NewContent {
    pub channel: SourceKey,
    pub text: String,
    pub attachments: Vec<AttachmentId>,
    pub planned_at: Option<Timestamp>,
}

/// A review comment or a workflow step's note on a post.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PostComment {
    pub id: i64,
    pub post: PostId,
    pub by: String,
    /// The step it came with (`post.request_changes`, `post.approve`, ...) or `comment`.
    pub kind: String,
    pub body: String,
    pub at: Timestamp,
}

/// Posts in a time window for the content calendar; filters combine with AND.
#[derive(Clone, Debug, PartialEq)]
pub struct CalendarQuery {
    pub workspace: WorkspaceId,
    /// Inclusive start and exclusive end of the post's calendar time
    /// ([`CalendarEntry::at`]).
    pub from: Timestamp,
    pub to: Timestamp,
    pub story: Option<StoryId>,
    pub topic: Option<Topic>,
    pub goal: Option<GoalId>,
    pub channel: Option<SourceKind>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CalendarEntry {
    pub post: PostId,
    pub story: StoryId,
    pub story_title: String,
    pub topic: Topic,
    pub goal: Option<GoalId>,
    pub channel: SourceKey,
    pub status: PostStatus,
    /// Published, else scheduled, else planned time.
    pub at: Timestamp,
    /// The first 140 characters of the text.
    pub excerpt: String,
}

/// A workspace's social-media policy as stored: JSON the `omdomme-policy` crate reads.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StoredPolicy {
    pub json: String,
    pub updated_by: String,
    pub updated_at: Timestamp,
}

// -- The outbox --

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OutboxState {
    /// Waiting for its first or next attempt (`next_attempt_at`).
    Pending,
    /// Handed to the platform; if the process died now, it is not known whether the
    /// platform took it: look there before sending again.
    Sending,
    Sent,
    Failed,
}

/// One post's way out, keyed by an idempotency key per approved version.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct OutboxEntry {
    pub key: String,
    pub workspace: WorkspaceId,
    pub post: PostId,
    pub state: OutboxState,
    /// Attempts begun so far, this one included once `Sending`.
    pub attempts: u32,
    pub next_attempt_at: Timestamp,
    /// When the latest attempt began.
    pub started_at: Option<Timestamp>,
    pub last_error: Option<String>,
}

/// A scheduled post whose time has come, with its outbox entry if an attempt was made.
#[derive(Clone, Debug, PartialEq)]
pub struct DuePost {
    pub post: Post,
    pub outbox: Option<OutboxEntry>,
}

/// What became of one attempt.
#[derive(Clone, Debug, PartialEq)]
pub enum PublishOutcome {
    /// The platform has the post (sent now, or found there after an uncertain attempt).
    Sent(Published),
    /// Try again at `at`; the post stays scheduled.
    Retry { error: String, at: Timestamp },
    /// Give up: the post becomes failed with this error (the platform's, or the policy's).
    Failed { error: String },
}

/// Engagement of published posts summed by story, topic or goal.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EngagementGrouping {
    Story,
    Topic,
    Goal,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EngagementRollup {
    /// The story or goal id, or the topic name; `None` for posts of stories without a goal.
    pub key: Option<String>,
    /// The story title, goal name or topic name.
    pub label: String,
    pub posts: u64,
    pub likes: u64,
    pub shares: u64,
    pub replies: u64,
    /// Sum over the posts whose platform gives reach; `None` when none does.
    pub views: Option<u64>,
}
