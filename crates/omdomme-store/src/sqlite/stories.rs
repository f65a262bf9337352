//! Stories in SQLite (schema 8): goals, stories with their proof points, attachments, posts
//! with their workflow, review comments, the policy, the outbox and engagement.
//!
//! A post is read whole ([`load_post`]), changed in Rust and written back whole
//! ([`store_post`]) inside the transaction of the step, so the workflow, the content, the
//! calendar time and the revision can never disagree.
//!
//! The checks and the changes made in Rust are `pub(crate)` here so the PostgreSQL store
//! applies the same rules.

use std::collections::{BTreeSet, HashMap};

use jiff::Timestamp;
use jiff::civil::Date;
use omdomme_core::{
    Action, Approval, Engagement, PostStatus, SourceKey, SourceKind, Topic, Workflow, WorkspaceId,
};
use rusqlite::types::Value;
use rusqlite::{Connection, OptionalExtension, Row, params, params_from_iter};

use super::inbox::{Conditions, bad_text, micros, opt_time, time};
use super::items::to_i64;
use super::{accounts, db, workspace_id};
use crate::stories::{
    Attachment, AttachmentId, CalendarEntry, CalendarQuery, DuePost, EngagementGrouping,
    EngagementRollup, Goal, GoalDraft, GoalId, MAX_ATTACHMENT_BYTES, MAX_POST_ATTACHMENTS,
    NewAttachment, NewContent, NewPost, OutboxEntry, OutboxState, Post, PostComment, PostContent,
    PostId, PostStep, ProofPoint, ProofPointDraft, PublishOutcome, Published, StoredPolicy, Story,
    StoryDraft, StoryId,
};
use crate::{AuditEntry, StoreError, StoreResult};

/// Longest texts the store takes, in characters.
const MAX_TITLE: usize = 200;
const MAX_TEXT: usize = 10_000;
const MAX_STATEMENT: usize = 2_000;
const MAX_COMMENT: usize = 5_000;
/// Names, emails, metrics, channel names, file names and media types.
const MAX_NAME: usize = 200;
const MAX_URL: usize = 2_000;
const MAX_ALT_TEXT: usize = 1_500;
const MAX_POLICY_BYTES: usize = 1024 * 1024;
/// Longest calendar window: a month view with the weeks around it fits easily.
const MAX_CALENDAR_DAYS: i64 = 100;
/// Most rows of one [`due_posts`] or [`posts_for_engagement`] call.
const MAX_BATCH: usize = 1_000;
/// Characters of a post's text in a calendar entry.
pub(crate) const EXCERPT_CHARS: i64 = 140;

/// The channels a post can go out on.
const POSTING_KINDS: [SourceKind; 4] = [
    SourceKind::Mastodon,
    SourceKind::Bluesky,
    SourceKind::X,
    SourceKind::Facebook,
];

fn invalid(message: String) -> StoreError {
    StoreError::Invalid(message)
}

/// Refuses a text longer than `max` characters, naming the field.
fn check_length(field: &str, value: &str, max: usize) -> StoreResult<()> {
    let length = value.chars().count();
    if length > max {
        return Err(invalid(format!(
            "{field} is {length} characters long; at most {max} fit"
        )));
    }
    Ok(())
}

/// Refuses an empty or over-long text, naming the field.
fn check_required(field: &str, value: &str, max: usize) -> StoreResult<()> {
    if value.trim().is_empty() {
        return Err(invalid(format!("{field} is empty")));
    }
    check_length(field, value, max)
}

fn not_found(what: String) -> StoreError {
    StoreError::NotFound { what }
}

fn conversion(index: usize, message: String) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(index, rusqlite::types::Type::Text, message.into())
}

fn count(row: &Row<'_>, index: usize) -> rusqlite::Result<u64> {
    let value: Option<i64> = row.get(index)?;
    Ok(value.map_or(0, |v| u64::try_from(v).unwrap_or(0)))
}

fn kind_of(row: &Row<'_>, index: usize) -> rusqlite::Result<SourceKind> {
    let value: String = row.get(index)?;
    SourceKind::parse(&value).ok_or_else(|| bad_text(index, "source kind", value))
}

fn topic_of(row: &Row<'_>, index: usize) -> rusqlite::Result<Topic> {
    let value: String = row.get(index)?;
    Topic::parse(&value).ok_or_else(|| bad_text(index, "topic", value))
}

fn status_of(row: &Row<'_>, index: usize) -> rusqlite::Result<PostStatus> {
    let value: String = row.get(index)?;
    PostStatus::parse(&value).ok_or_else(|| bad_text(index, "post status", value))
}

// -- Goals --

pub(crate) const GOAL_COLUMNS: &str =
    "id, name, channel, owner, metric, target, deadline, created_at";

fn read_goal(row: &Row<'_>, workspace: &WorkspaceId) -> rusqlite::Result<Goal> {
    let channel: Option<String> = row.get(2)?;
    let deadline: Option<String> = row.get(6)?;
    Ok(Goal {
        id: row.get(0)?,
        workspace: workspace.clone(),
        draft: GoalDraft {
            name: row.get(1)?,
            channel: channel
                .map(|c| SourceKind::parse(&c).ok_or_else(|| bad_text(2, "source kind", c)))
                .transpose()?,
            owner: row.get(3)?,
            metric: row.get(4)?,
            target: row.get(5)?,
            deadline: deadline
                .map(|d| {
                    d.parse::<Date>()
                        .map_err(|e| conversion(6, format!("deadline `{d}`: {e}")))
                })
                .transpose()?,
        },
        created_at: time(row, 7)?,
    })
}

pub(crate) fn check_goal(goal: &GoalDraft) -> StoreResult<()> {
    check_required("the goal's name", &goal.name, MAX_NAME)?;
    check_length("the goal's metric", &goal.metric, MAX_NAME)?;
    if let Some(owner) = &goal.owner {
        check_length("the goal's owner", owner, MAX_NAME)?;
    }
    if goal.target.is_some_and(|t| !t.is_finite()) {
        return Err(invalid("the goal's target must be a number".to_owned()));
    }
    Ok(())
}

pub(super) fn put_goal(
    conn: &Connection,
    workspace: &WorkspaceId,
    id: Option<GoalId>,
    goal: &GoalDraft,
    at: Timestamp,
) -> StoreResult<GoalId> {
    check_goal(goal)?;
    let ws = workspace_id(conn, &workspace.0)?;
    let failed = db("storing the goal");
    let channel = goal.channel.map(SourceKind::as_str);
    let deadline = goal.deadline.map(|d| d.to_string());
    match id {
        None => {
            conn.prepare_cached(
                "INSERT INTO goals (workspace_id, name, channel, owner, metric, target, \
                 deadline, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            )
            .and_then(|mut s| {
                s.execute(params![
                    ws,
                    goal.name,
                    channel,
                    goal.owner,
                    goal.metric,
                    goal.target,
                    deadline,
                    micros(at)
                ])
            })
            .map_err(&failed)?;
            Ok(conn.last_insert_rowid())
        }
        Some(id) => {
            let changed = conn
                .prepare_cached(
                    "UPDATE goals SET name = ?1, channel = ?2, owner = ?3, metric = ?4, \
                     target = ?5, deadline = ?6 WHERE id = ?7 AND workspace_id = ?8",
                )
                .and_then(|mut s| {
                    s.execute(params![
                        goal.name,
                        channel,
                        goal.owner,
                        goal.metric,
                        goal.target,
                        deadline,
                        id,
                        ws
                    ])
                })
                .map_err(&failed)?;
            if changed == 0 {
                return Err(not_found(format!("goal {id}")));
            }
            Ok(id)
        }
    }
}

pub(super) fn goals(conn: &Connection, workspace: &WorkspaceId) -> StoreResult<Vec<Goal>> {
    let ws = workspace_id(conn, &workspace.0)?;
    conn.prepare_cached(&format!(
        "SELECT {GOAL_COLUMNS} FROM goals WHERE workspace_id = ?1 \
         ORDER BY deadline IS NULL, deadline, name, id"
    ))
    .and_then(|mut s| s.query_map([ws], |r| read_goal(r, workspace))?.collect())
    .map_err(db("reading the goals"))
}

pub(super) fn delete_goal(
    conn: &mut Connection,
    workspace: &WorkspaceId,
    id: GoalId,
) -> StoreResult<bool> {
    let ws = workspace_id(conn, &workspace.0)?;
    let failed = db("deleting the goal");
    let tx = conn.transaction().map_err(&failed)?;
    let deleted = tx
        .execute(
            "DELETE FROM goals WHERE id = ?1 AND workspace_id = ?2",
            params![id, ws],
        )
        .map_err(&failed)?;
    if deleted > 0 {
        tx.execute(
            "UPDATE stories SET goal_id = NULL WHERE goal_id = ?1 AND workspace_id = ?2",
            params![id, ws],
        )
        .map_err(&failed)?;
    }
    tx.commit().map_err(&failed)?;
    Ok(deleted > 0)
}

// -- Stories and proof points --

pub(crate) const STORY_COLUMNS: &str = "id, title, topic, summary, goal_id, owner, created_by, created_at, \
     updated_at";

fn read_story(row: &Row<'_>, workspace: &WorkspaceId) -> rusqlite::Result<Story> {
    Ok(Story {
        id: row.get(0)?,
        workspace: workspace.clone(),
        draft: StoryDraft {
            title: row.get(1)?,
            topic: topic_of(row, 2)?,
            summary: row.get(3)?,
            goal: row.get(4)?,
            owner: row.get(5)?,
        },
        proof_points: Vec::new(),
        created_by: row.get(6)?,
        created_at: time(row, 7)?,
        updated_at: time(row, 8)?,
    })
}

pub(crate) const PROOF_COLUMNS: &str = "pp.id, pp.story_id, pp.statement, pp.source_url, pp.document_id, \
     pp.created_by, pp.created_at";

fn read_proof(row: &Row<'_>) -> rusqlite::Result<ProofPoint> {
    Ok(ProofPoint {
        id: row.get(0)?,
        story: row.get(1)?,
        draft: ProofPointDraft {
            statement: row.get(2)?,
            source_url: row.get(3)?,
            document: row.get(4)?,
        },
        created_by: row.get(5)?,
        created_at: time(row, 6)?,
    })
}

/// Checks a story's texts (its goal is the backend's to look up).
pub(crate) fn check_story_texts(story: &StoryDraft) -> StoreResult<()> {
    check_required("the title", &story.title, MAX_TITLE)?;
    check_length("the summary", &story.summary, MAX_TEXT)?;
    check_length("the owner", &story.owner, MAX_NAME)
}

/// The error for a goal outside the story's workspace.
pub(crate) fn foreign_goal(goal: GoalId) -> StoreError {
    invalid(format!("goal {goal} is not one of this workspace's"))
}

fn check_story(conn: &Connection, ws: i64, story: &StoryDraft) -> StoreResult<()> {
    check_story_texts(story)?;
    if let Some(goal) = story.goal {
        let known = conn
            .prepare_cached("SELECT 1 FROM goals WHERE id = ?1 AND workspace_id = ?2")
            .and_then(|mut s| s.exists(params![goal, ws]))
            .map_err(db("looking up the goal"))?;
        if !known {
            return Err(foreign_goal(goal));
        }
    }
    Ok(())
}

fn load_story(
    conn: &Connection,
    ws: i64,
    workspace: &WorkspaceId,
    id: StoryId,
) -> rusqlite::Result<Option<Story>> {
    let story = conn
        .prepare_cached(&format!(
            "SELECT {STORY_COLUMNS} FROM stories WHERE id = ?1 AND workspace_id = ?2"
        ))?
        .query_row(params![id, ws], |r| read_story(r, workspace))
        .optional()?;
    let Some(mut story) = story else {
        return Ok(None);
    };
    story.proof_points = conn
        .prepare_cached(&format!(
            "SELECT {PROOF_COLUMNS} FROM proof_points pp WHERE pp.story_id = ?1 ORDER BY pp.id"
        ))?
        .query_map([id], read_proof)?
        .collect::<rusqlite::Result<_>>()?;
    Ok(Some(story))
}

pub(crate) fn no_story(id: StoryId) -> StoreError {
    not_found(format!("story {id}"))
}

pub(super) fn create_story(
    conn: &Connection,
    workspace: &WorkspaceId,
    story: &StoryDraft,
    by: &str,
    at: Timestamp,
) -> StoreResult<Story> {
    let ws = workspace_id(conn, &workspace.0)?;
    check_story(conn, ws, story)?;
    let failed = db("storing the story");
    conn.prepare_cached(
        "INSERT INTO stories (workspace_id, title, topic, summary, goal_id, owner, created_by, \
         created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8)",
    )
    .and_then(|mut s| {
        s.execute(params![
            ws,
            story.title,
            story.topic.as_str(),
            story.summary,
            story.goal,
            story.owner,
            by,
            micros(at)
        ])
    })
    .map_err(&failed)?;
    let id = conn.last_insert_rowid();
    load_story(conn, ws, workspace, id)
        .map_err(&failed)?
        .ok_or_else(|| no_story(id))
}

pub(super) fn update_story(
    conn: &Connection,
    workspace: &WorkspaceId,
    id: StoryId,
    story: &StoryDraft,
    at: Timestamp,
) -> StoreResult<Story> {
    let ws = workspace_id(conn, &workspace.0)?;
    check_story(conn, ws, story)?;
    let failed = db("changing the story");
    let changed = conn
        .prepare_cached(
            "UPDATE stories SET title = ?1, topic = ?2, summary = ?3, goal_id = ?4, owner = ?5, \
             updated_at = ?6 WHERE id = ?7 AND workspace_id = ?8",
        )
        .and_then(|mut s| {
            s.execute(params![
                story.title,
                story.topic.as_str(),
                story.summary,
                story.goal,
                story.owner,
                micros(at),
                id,
                ws
            ])
        })
        .map_err(&failed)?;
    if changed == 0 {
        return Err(no_story(id));
    }
    load_story(conn, ws, workspace, id)
        .map_err(&failed)?
        .ok_or_else(|| no_story(id))
}

pub(super) fn story(
    conn: &Connection,
    workspace: &WorkspaceId,
    id: StoryId,
) -> StoreResult<Option<Story>> {
    let ws = workspace_id(conn, &workspace.0)?;
    load_story(conn, ws, workspace, id).map_err(db("reading the story"))
}

pub(super) fn stories(conn: &Connection, workspace: &WorkspaceId) -> StoreResult<Vec<Story>> {
    let ws = workspace_id(conn, &workspace.0)?;
    let failed = db("reading the stories");
    let mut stories: Vec<Story> = conn
        .prepare_cached(&format!(
            "SELECT {STORY_COLUMNS} FROM stories WHERE workspace_id = ?1 ORDER BY id DESC"
        ))
        .and_then(|mut s| s.query_map([ws], |r| read_story(r, workspace))?.collect())
        .map_err(&failed)?;
    let mut proofs: HashMap<StoryId, Vec<ProofPoint>> = HashMap::new();
    conn.prepare_cached(&format!(
        "SELECT {PROOF_COLUMNS} FROM proof_points pp JOIN stories s ON s.id = pp.story_id \
         WHERE s.workspace_id = ?1 ORDER BY pp.id"
    ))
    .and_then(|mut s| {
        for proof in s.query_map([ws], read_proof)? {
            let proof = proof?;
            proofs.entry(proof.story).or_default().push(proof);
        }
        Ok(())
    })
    .map_err(&failed)?;
    for story in &mut stories {
        story.proof_points = proofs.remove(&story.id).unwrap_or_default();
    }
    Ok(stories)
}

fn attachment_in(conn: &Connection, ws: i64, id: AttachmentId) -> StoreResult<()> {
    let known = conn
        .prepare_cached("SELECT 1 FROM attachments WHERE id = ?1 AND workspace_id = ?2")
        .and_then(|mut s| s.exists(params![id, ws]))
        .map_err(db("looking up the attachment"))?;
    if known {
        Ok(())
    } else {
        Err(foreign_attachment(id))
    }
}

/// The error for an attachment outside the workspace.
pub(crate) fn foreign_attachment(id: AttachmentId) -> StoreError {
    invalid(format!(
        "attachment {id} is not one of this workspace's files"
    ))
}

/// Checks a proof point's statement and gives its source link: `None` for a blank one.
pub(crate) fn proof_source_url(proof: &ProofPointDraft) -> StoreResult<Option<&str>> {
    check_required("the statement", &proof.statement, MAX_STATEMENT)?;
    // A blank link field is no link.
    let source_url = proof
        .source_url
        .as_deref()
        .map(str::trim)
        .filter(|u| !u.is_empty());
    if let Some(url) = source_url {
        check_length("the source link", url, MAX_URL)?;
        let lower = url.to_ascii_lowercase();
        if !(lower.starts_with("https://") || lower.starts_with("http://")) || url.len() < 10 {
            return Err(invalid(format!(
                "the source link `{url}` is not a web address (http:// or https://)"
            )));
        }
    }
    Ok(source_url)
}

pub(super) fn add_proof_point(
    conn: &Connection,
    workspace: &WorkspaceId,
    story: StoryId,
    proof: &ProofPointDraft,
    by: &str,
    at: Timestamp,
) -> StoreResult<ProofPoint> {
    let ws = workspace_id(conn, &workspace.0)?;
    let source_url = proof_source_url(proof)?;
    if let Some(document) = proof.document {
        attachment_in(conn, ws, document)?;
    }
    let failed = db("storing the proof point");
    let known = conn
        .prepare_cached("SELECT 1 FROM stories WHERE id = ?1 AND workspace_id = ?2")
        .and_then(|mut s| s.exists(params![story, ws]))
        .map_err(&failed)?;
    if !known {
        return Err(no_story(story));
    }
    conn.prepare_cached(
        "INSERT INTO proof_points (story_id, statement, source_url, document_id, created_by, \
         created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )
    .and_then(|mut s| {
        s.execute(params![
            story,
            proof.statement,
            source_url,
            proof.document,
            by,
            micros(at)
        ])
    })
    .map_err(&failed)?;
    let id = conn.last_insert_rowid();
    conn.prepare_cached("UPDATE stories SET updated_at = ?1 WHERE id = ?2")
        .and_then(|mut s| s.execute(params![micros(at), story]))
        .map_err(&failed)?;
    Ok(ProofPoint {
        id,
        story,
        draft: ProofPointDraft {
            statement: proof.statement.clone(),
            source_url: source_url.map(str::to_owned),
            document: proof.document,
        },
        created_by: by.to_owned(),
        created_at: at,
    })
}

pub(super) fn delete_proof_point(
    conn: &Connection,
    workspace: &WorkspaceId,
    id: i64,
) -> StoreResult<bool> {
    let ws = workspace_id(conn, &workspace.0)?;
    let deleted = conn
        .prepare_cached(
            "DELETE FROM proof_points WHERE id = ?1 AND story_id IN \
             (SELECT id FROM stories WHERE workspace_id = ?2)",
        )
        .and_then(|mut s| s.execute(params![id, ws]))
        .map_err(db("deleting the proof point"))?;
    Ok(deleted > 0)
}

// -- Attachments --

pub(crate) const ATTACHMENT_COLUMNS: &str = "a.id, w.key, a.filename, a.media_type, a.alt_text, a.size, \
     a.created_by, a.created_at";

pub(crate) const ATTACHMENT_FROM: &str = "attachments a JOIN workspaces w ON w.id = a.workspace_id";

fn read_attachment(row: &Row<'_>) -> rusqlite::Result<Attachment> {
    Ok(Attachment {
        id: row.get(0)?,
        workspace: WorkspaceId(row.get(1)?),
        filename: row.get(2)?,
        media_type: row.get(3)?,
        alt_text: row.get(4)?,
        size: count(row, 5)?,
        created_by: row.get(6)?,
        created_at: time(row, 7)?,
    })
}

fn megabytes(bytes: usize) -> String {
    format!("{:.1} MB", bytes as f64 / (1024.0 * 1024.0))
}

/// Checks a new attachment's size and texts.
pub(crate) fn check_attachment(attachment: &NewAttachment) -> StoreResult<()> {
    let size = attachment.bytes.len();
    if size > MAX_ATTACHMENT_BYTES {
        return Err(invalid(format!(
            "the file `{}` is {}; at most {} fit",
            attachment.filename,
            megabytes(size),
            megabytes(MAX_ATTACHMENT_BYTES)
        )));
    }
    if size == 0 {
        return Err(invalid(format!(
            "the file `{}` is empty",
            attachment.filename
        )));
    }
    check_required("the file name", &attachment.filename, MAX_NAME)?;
    check_required("the media type", &attachment.media_type, MAX_NAME)?;
    check_length("the alt text", &attachment.alt_text, MAX_ALT_TEXT)
}

pub(super) fn put_attachment(
    conn: &Connection,
    workspace: &WorkspaceId,
    attachment: &NewAttachment,
    by: &str,
    at: Timestamp,
) -> StoreResult<Attachment> {
    check_attachment(attachment)?;
    let size = attachment.bytes.len();
    let ws = workspace_id(conn, &workspace.0)?;
    conn.prepare_cached(
        "INSERT INTO attachments (workspace_id, filename, media_type, alt_text, size, bytes, \
         created_by, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    )
    .and_then(|mut s| {
        s.execute(params![
            ws,
            attachment.filename,
            attachment.media_type,
            attachment.alt_text,
            size as i64,
            attachment.bytes,
            by,
            micros(at)
        ])
    })
    .map_err(db("storing the attachment"))?;
    Ok(Attachment {
        id: conn.last_insert_rowid(),
        workspace: workspace.clone(),
        filename: attachment.filename.clone(),
        media_type: attachment.media_type.clone(),
        alt_text: attachment.alt_text.clone(),
        size: size as u64,
        created_by: by.to_owned(),
        created_at: at,
    })
}

pub(super) fn attachment(
    conn: &Connection,
    workspace: &WorkspaceId,
    id: AttachmentId,
) -> StoreResult<Option<(Attachment, Vec<u8>)>> {
    let ws = workspace_id(conn, &workspace.0)?;
    conn.prepare_cached(&format!(
        "SELECT {ATTACHMENT_COLUMNS}, a.bytes FROM {ATTACHMENT_FROM} \
         WHERE a.id = ?1 AND a.workspace_id = ?2"
    ))
    .and_then(|mut s| {
        s.query_row(params![id, ws], |r| Ok((read_attachment(r)?, r.get(8)?)))
            .optional()
    })
    .map_err(db("reading the attachment"))
}

// -- Posts --

pub(crate) const POST_COLUMNS: &str = "p.id, w.key, p.story_id, p.channel_kind, p.channel_name, p.text, \
     p.planned_at, p.status, p.version, p.authors, p.approved_by, p.approved_version, \
     p.scheduled_at, p.revision, p.created_by, p.created_at, p.updated_at, p.published_at, \
     p.external_id, p.url, p.last_error, p.likes, p.shares, p.replies, p.views, \
     p.engagement_at";
/// How many columns [`POST_COLUMNS`] has.
pub(crate) const POST_COLUMN_COUNT: usize = 26;

pub(crate) const POST_FROM: &str = "posts p JOIN workspaces w ON w.id = p.workspace_id";

/// Reads [`POST_COLUMNS`]; the attachments are read apart ([`with_attachments`]).
fn read_post(row: &Row<'_>) -> rusqlite::Result<Post> {
    let authors: String = row.get(9)?;
    let authors: BTreeSet<String> = serde_json::from_str(&authors)
        .map_err(|e| conversion(9, format!("the post's authors: {e}")))?;
    let approved_by: Option<String> = row.get(10)?;
    let approved_version: Option<i64> = row.get(11)?;
    let version: i64 = row.get(8)?;
    let approval = match (approved_by, approved_version) {
        (Some(by), Some(version)) => Some(Approval {
            by,
            version: u32::try_from(version).unwrap_or(0),
        }),
        _ => None,
    };
    let published_at = opt_time(row, 17)?;
    let external_id: Option<String> = row.get(18)?;
    let published = match (published_at, external_id) {
        (Some(at), Some(external_id)) => Some(Published {
            at,
            external_id,
            url: row.get(19)?,
        }),
        _ => None,
    };
    let engagement = match opt_time(row, 25)? {
        Some(at) => {
            let views: Option<i64> = row.get(24)?;
            Some((
                Engagement {
                    likes: count(row, 21)?,
                    shares: count(row, 22)?,
                    replies: count(row, 23)?,
                    views: views.map(|v| u64::try_from(v).unwrap_or(0)),
                },
                at,
            ))
        }
        None => None,
    };
    Ok(Post {
        id: row.get(0)?,
        workspace: WorkspaceId(row.get(1)?),
        story: row.get(2)?,
        content: PostContent {
            channel: SourceKey::new(kind_of(row, 3)?, row.get::<_, String>(4)?),
            text: row.get(5)?,
            attachments: Vec::new(),
            planned_at: opt_time(row, 6)?,
        },
        workflow: Workflow {
            status: status_of(row, 7)?,
            version: u32::try_from(version).unwrap_or(0),
            authors,
            approval,
            scheduled_at: opt_time(row, 12)?,
        },
        revision: row.get(13)?,
        created_by: row.get(14)?,
        created_at: time(row, 15)?,
        updated_at: time(row, 16)?,
        published,
        last_error: row.get(20)?,
        engagement,
    })
}

/// Fills in the attachments of posts read by [`read_post`].
fn with_attachments(conn: &Connection, mut posts: Vec<Post>) -> rusqlite::Result<Vec<Post>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {ATTACHMENT_COLUMNS} FROM post_attachments pa \
         JOIN attachments a ON a.id = pa.attachment_id JOIN workspaces w ON w.id = a.workspace_id \
         WHERE pa.post_id = ?1 ORDER BY pa.position"
    ))?;
    for post in &mut posts {
        post.content.attachments = stmt
            .query_map([post.id], read_attachment)?
            .collect::<rusqlite::Result<_>>()?;
    }
    Ok(posts)
}

/// Posts matching `filter` (SQL over `posts p` and `workspaces w`), with their attachments.
fn posts_where(
    conn: &Connection,
    filter: &str,
    values: impl rusqlite::Params,
) -> rusqlite::Result<Vec<Post>> {
    let posts = conn
        .prepare_cached(&format!("SELECT {POST_COLUMNS} FROM {POST_FROM} {filter}"))?
        .query_map(values, read_post)?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    with_attachments(conn, posts)
}

fn load_post(conn: &Connection, ws: i64, id: PostId) -> rusqlite::Result<Option<Post>> {
    Ok(posts_where(
        conn,
        "WHERE p.id = ?1 AND p.workspace_id = ?2",
        params![id, ws],
    )?
    .pop())
}

pub(crate) fn no_post(id: PostId) -> StoreError {
    not_found(format!("post {id}"))
}

/// The time the calendar shows a post at.
pub(crate) fn calendar_at(post: &Post) -> Option<Timestamp> {
    post.published
        .as_ref()
        .map(|p| p.at)
        .or(post.workflow.scheduled_at)
        .or(post.content.planned_at)
}

/// Writes every changeable column of `post` (read with [`load_post`] and changed).
fn store_post(tx: &Connection, post: &Post) -> StoreResult<()> {
    let failed = db("saving the post");
    let authors = serde_json::to_string(&post.workflow.authors)
        .map_err(|e| StoreError::Database(format!("the post's authors: {e}")))?;
    let approval = post.workflow.approval.as_ref();
    let engagement = post.engagement.as_ref();
    tx.prepare_cached(
        "UPDATE posts SET channel_kind = ?1, channel_name = ?2, text = ?3, planned_at = ?4, \
         status = ?5, version = ?6, authors = ?7, approved_by = ?8, approved_version = ?9, \
         scheduled_at = ?10, calendar_at = ?11, revision = ?12, updated_at = ?13, \
         published_at = ?14, external_id = ?15, url = ?16, last_error = ?17, likes = ?18, \
         shares = ?19, replies = ?20, views = ?21, engagement_at = ?22 WHERE id = ?23",
    )
    .and_then(|mut s| {
        s.execute(params![
            post.content.channel.kind.as_str(),
            post.content.channel.name,
            post.content.text,
            post.content.planned_at.map(micros),
            post.workflow.status.as_str(),
            post.workflow.version,
            authors,
            approval.map(|a| a.by.as_str()),
            approval.map(|a| a.version),
            post.workflow.scheduled_at.map(micros),
            calendar_at(post).map(micros),
            post.revision,
            micros(post.updated_at),
            post.published.as_ref().map(|p| micros(p.at)),
            post.published.as_ref().map(|p| p.external_id.as_str()),
            post.published.as_ref().and_then(|p| p.url.as_deref()),
            post.last_error,
            engagement.map(|(e, _)| to_i64(e.likes)),
            engagement.map(|(e, _)| to_i64(e.shares)),
            engagement.map(|(e, _)| to_i64(e.replies)),
            engagement.and_then(|(e, _)| e.views.map(to_i64)),
            engagement.map(|(_, at)| micros(*at)),
            post.id
        ])
    })
    .map_err(&failed)?;
    tx.prepare_cached("DELETE FROM post_attachments WHERE post_id = ?1")
        .and_then(|mut s| s.execute([post.id]))
        .map_err(&failed)?;
    let mut insert = tx
        .prepare_cached(
            "INSERT INTO post_attachments (post_id, position, attachment_id) VALUES (?1, ?2, ?3)",
        )
        .map_err(&failed)?;
    for (position, attachment) in post.content.attachments.iter().enumerate() {
        insert
            .execute(params![post.id, position as i64, attachment.id])
            .map_err(&failed)?;
    }
    Ok(())
}

/// Checks a post's channel, text and number of attachments.
pub(crate) fn check_content(
    channel: &SourceKey,
    text: &str,
    attachments: &[AttachmentId],
) -> StoreResult<()> {
    if !POSTING_KINDS.contains(&channel.kind) {
        return Err(invalid(format!(
            "a post cannot go out on {}: choose a Mastodon, Bluesky, X or Facebook account",
            channel.kind.as_str()
        )));
    }
    check_required("the channel's account", &channel.name, MAX_NAME)?;
    check_length("the post's text", text, MAX_TEXT)?;
    if attachments.len() > MAX_POST_ATTACHMENTS {
        return Err(invalid(format!(
            "a post has at most {MAX_POST_ATTACHMENTS} images, not {}",
            attachments.len()
        )));
    }
    Ok(())
}

/// Checks a post's content and reads its attachments, in order.
fn checked_content(
    conn: &Connection,
    ws: i64,
    channel: &SourceKey,
    text: &str,
    attachments: &[AttachmentId],
    planned_at: Option<Timestamp>,
) -> StoreResult<PostContent> {
    check_content(channel, text, attachments)?;
    let mut stmt = conn
        .prepare_cached(&format!(
            "SELECT {ATTACHMENT_COLUMNS} FROM {ATTACHMENT_FROM} \
             WHERE a.id = ?1 AND a.workspace_id = ?2"
        ))
        .map_err(db("reading the post's attachments"))?;
    let mut read = Vec::with_capacity(attachments.len());
    for id in attachments {
        let attachment = stmt
            .query_row(params![id, ws], read_attachment)
            .optional()
            .map_err(db("reading the post's attachments"))?
            .ok_or_else(|| foreign_attachment(*id))?;
        read.push(attachment);
    }
    Ok(PostContent {
        channel: channel.clone(),
        text: text.to_owned(),
        attachments: read,
        planned_at,
    })
}

/// The audit entry of a change to a post.
pub(crate) fn post_audit(
    workspace: &WorkspaceId,
    post: PostId,
    actor: &str,
    action: &str,
    detail: String,
    at: Timestamp,
) -> AuditEntry {
    AuditEntry {
        at,
        actor: actor.to_owned(),
        workspace: Some(workspace.clone()),
        action: action.to_owned(),
        target: format!("post:{post}"),
        detail,
    }
}

fn audit(
    tx: &Connection,
    workspace: &WorkspaceId,
    post: PostId,
    actor: &str,
    action: &str,
    detail: String,
    at: Timestamp,
) -> StoreResult<()> {
    accounts::append_audit(tx, &post_audit(workspace, post, actor, action, detail, at))
}

pub(super) fn create_post(
    conn: &mut Connection,
    workspace: &WorkspaceId,
    post: &NewPost,
    by: &str,
    at: Timestamp,
) -> StoreResult<Post> {
    let ws = workspace_id(conn, &workspace.0)?;
    let failed = db("creating the post");
    let tx = conn.transaction().map_err(&failed)?;
    let known = tx
        .prepare_cached("SELECT 1 FROM stories WHERE id = ?1 AND workspace_id = ?2")
        .and_then(|mut s| s.exists(params![post.story, ws]))
        .map_err(&failed)?;
    if !known {
        return Err(no_story(post.story));
    }
    let content = checked_content(
        &tx,
        ws,
        &post.channel,
        &post.text,
        &post.attachments,
        post.planned_at,
    )?;
    tx.prepare_cached(
        "INSERT INTO posts (workspace_id, story_id, channel_kind, channel_name, text, status, \
         version, authors, revision, created_by, created_at, updated_at) \
         VALUES (?1, ?2, '', '', '', '', 0, '[]', 0, ?3, ?4, ?4)",
    )
    .and_then(|mut s| s.execute(params![ws, post.story, by, micros(at)]))
    .map_err(&failed)?;
    let created = Post {
        id: tx.last_insert_rowid(),
        workspace: workspace.clone(),
        story: post.story,
        content,
        workflow: Workflow::new(by),
        revision: 1,
        created_by: by.to_owned(),
        created_at: at,
        updated_at: at,
        published: None,
        last_error: None,
        engagement: None,
    };
    store_post(&tx, &created)?;
    audit(
        &tx,
        workspace,
        created.id,
        by,
        "post.create",
        created.content.channel.to_string(),
        at,
    )?;
    tx.commit().map_err(&failed)?;
    Ok(created)
}

pub(super) fn post(
    conn: &Connection,
    workspace: &WorkspaceId,
    id: PostId,
) -> StoreResult<Option<Post>> {
    let ws = workspace_id(conn, &workspace.0)?;
    load_post(conn, ws, id).map_err(db("reading the post"))
}

pub(super) fn story_posts(
    conn: &Connection,
    workspace: &WorkspaceId,
    story: StoryId,
) -> StoreResult<Vec<Post>> {
    let ws = workspace_id(conn, &workspace.0)?;
    posts_where(
        conn,
        "WHERE p.story_id = ?1 AND p.workspace_id = ?2 ORDER BY p.channel_kind, p.id",
        params![story, ws],
    )
    .map_err(db("reading the story's posts"))
}

/// Whether an attempt to publish the post is under way (or its process died mid-way).
fn being_sent(tx: &Connection, post: PostId) -> StoreResult<bool> {
    tx.prepare_cached("SELECT 1 FROM outbox WHERE post_id = ?1 AND state = 'sending'")
        .and_then(|mut s| s.exists([post]))
        .map_err(db("reading the outbox"))
}

fn insert_comment(
    tx: &Connection,
    post: PostId,
    by: &str,
    kind: &str,
    body: &str,
    at: Timestamp,
) -> StoreResult<PostComment> {
    tx.prepare_cached(
        "INSERT INTO post_comments (post_id, author, kind, body, at) VALUES (?1, ?2, ?3, ?4, ?5)",
    )
    .and_then(|mut s| s.execute(params![post, by, kind, body, micros(at)]))
    .map_err(db("storing the comment"))?;
    Ok(PostComment {
        id: tx.last_insert_rowid(),
        post,
        by: by.to_owned(),
        kind: kind.to_owned(),
        body: body.to_owned(),
        at,
    })
}

/// Checks a step before its post is read, giving its comment (`None` when blank).
pub(crate) fn step_comment(step: &PostStep) -> StoreResult<Option<&str>> {
    let action = &step.action;
    if matches!(action, Action::Published | Action::Failed) {
        return Err(invalid(
            "only the publisher marks a post published or failed".to_owned(),
        ));
    }
    let comment = step
        .comment
        .as_deref()
        .map(str::trim)
        .filter(|c| !c.is_empty());
    if let Some(comment) = comment {
        check_length("the comment", comment, MAX_COMMENT)?;
    }
    if matches!(action, Action::RequestChanges { .. }) && comment.is_none() {
        return Err(invalid(
            "say what should change: sending a post back needs a comment".to_owned(),
        ));
    }
    Ok(comment)
}

/// Checks that the step was made on `post`'s current revision and gives the content an
/// edit brings (for the backend to check and read its attachments).
pub(crate) fn step_content<'a>(
    post: &Post,
    step: &'a PostStep,
) -> StoreResult<Option<&'a NewContent>> {
    if post.revision != step.expected_revision {
        return Err(StoreError::Conflict(
            "the post was changed by someone else since you opened it; reload it and try again"
                .to_owned(),
        ));
    }
    match (&step.action, &step.content) {
        (Action::Edit { .. }, None) => {
            Err(invalid("an edit needs the post's new content".to_owned()))
        }
        (Action::Edit { .. }, Some(content)) => Ok(Some(content)),
        (_, Some(_)) => Err(invalid(
            "only an edit changes the post's content".to_owned(),
        )),
        (_, None) => Ok(None),
    }
}

/// Whether `action` takes a post back: it cannot while an attempt to send the post is
/// under way ([`sending_now`]), and it ends the round of a pending retry.
pub(crate) fn takes_back(action: &Action) -> bool {
    matches!(action, Action::Edit { .. } | Action::Unschedule { .. })
}

/// The error for taking back a post while it is being sent.
pub(crate) fn sending_now() -> StoreError {
    invalid("the post is being sent right now; reload it in a minute".to_owned())
}

/// Applies the step to `post` (an edit's new content already in place), giving the audit
/// entry's detail.
pub(crate) fn advance(
    post: &mut Post,
    step: &PostStep,
    comment: Option<&str>,
) -> StoreResult<String> {
    let action = &step.action;
    let next = post
        .workflow
        .apply(action)
        .map_err(|e| invalid(e.to_string()))?;
    let goes_forward = matches!(
        action,
        Action::Submit { .. } | Action::Approve { .. } | Action::Schedule { .. }
    );
    if goes_forward && post.content.text.trim().is_empty() && post.content.attachments.is_empty() {
        return Err(invalid(
            "the post is empty: write its text before it goes on".to_owned(),
        ));
    }
    if goes_forward
        && let Some(image) = post
            .content
            .attachments
            .iter()
            .find(|a| a.media_type.starts_with("image/") && a.alt_text.trim().is_empty())
    {
        return Err(invalid(format!(
            "the image `{}` has no alt text: describe it for screen readers first",
            image.filename
        )));
    }
    let mut detail = Vec::new();
    match action {
        Action::Edit { .. } => {
            detail.push(format!("version {}", next.version));
            post.last_error = None;
        }
        Action::Schedule { at, .. } => {
            detail.push(at.to_string());
            post.last_error = None;
        }
        _ => {}
    }
    detail.extend(comment.map(str::to_owned));
    post.workflow = next;
    post.revision += 1;
    post.updated_at = step.at;
    Ok(detail.join("; "))
}

pub(super) fn step_post(
    conn: &mut Connection,
    workspace: &WorkspaceId,
    id: PostId,
    step: &PostStep,
) -> StoreResult<Post> {
    let ws = workspace_id(conn, &workspace.0)?;
    let action = &step.action;
    let comment = step_comment(step)?;
    let failed = db("changing the post");
    let tx = conn.transaction().map_err(&failed)?;
    let mut post = load_post(&tx, ws, id)
        .map_err(&failed)?
        .ok_or_else(|| no_post(id))?;
    if let Some(content) = step_content(&post, step)? {
        post.content = checked_content(
            &tx,
            ws,
            &content.channel,
            &content.text,
            &content.attachments,
            content.planned_at,
        )?;
    }
    if takes_back(action) && being_sent(&tx, id)? {
        return Err(sending_now());
    }
    let detail = advance(&mut post, step, comment)?;
    store_post(&tx, &post)?;
    if takes_back(action) {
        // Taken back before a retry: that round ends here, so scheduling the post again
        // starts a new one at its new time instead of waiting for the old retry.
        tx.prepare_cached(
            "UPDATE outbox SET state = 'failed' WHERE post_id = ?1 AND state = 'pending'",
        )
        .and_then(|mut s| s.execute([id]))
        .map_err(&failed)?;
    }
    if let Some(comment) = comment {
        insert_comment(
            &tx,
            id,
            action.actor(),
            action.audit_name(),
            comment,
            step.at,
        )?;
    }
    audit(
        &tx,
        workspace,
        id,
        action.actor(),
        action.audit_name(),
        detail,
        step.at,
    )?;
    tx.commit().map_err(&failed)?;
    Ok(post)
}

pub(super) fn post_comments(
    conn: &Connection,
    workspace: &WorkspaceId,
    post: PostId,
) -> StoreResult<Vec<PostComment>> {
    let ws = workspace_id(conn, &workspace.0)?;
    conn.prepare_cached(
        "SELECT c.id, c.post_id, c.author, c.kind, c.body, c.at FROM post_comments c \
         JOIN posts p ON p.id = c.post_id WHERE c.post_id = ?1 AND p.workspace_id = ?2 \
         ORDER BY c.id",
    )
    .and_then(|mut s| {
        s.query_map(params![post, ws], |r| {
            Ok(PostComment {
                id: r.get(0)?,
                post: r.get(1)?,
                by: r.get(2)?,
                kind: r.get(3)?,
                body: r.get(4)?,
                at: time(r, 5)?,
            })
        })?
        .collect()
    })
    .map_err(db("reading the post's comments"))
}

/// Checks a comment added on its own.
pub(crate) fn check_comment(body: &str) -> StoreResult<()> {
    check_required("the comment", body, MAX_COMMENT)
}

pub(super) fn add_post_comment(
    conn: &Connection,
    workspace: &WorkspaceId,
    post: PostId,
    by: &str,
    body: &str,
    at: Timestamp,
) -> StoreResult<PostComment> {
    check_comment(body)?;
    let ws = workspace_id(conn, &workspace.0)?;
    let known = conn
        .prepare_cached("SELECT 1 FROM posts WHERE id = ?1 AND workspace_id = ?2")
        .and_then(|mut s| s.exists(params![post, ws]))
        .map_err(db("looking up the post"))?;
    if !known {
        return Err(no_post(post));
    }
    insert_comment(conn, post, by, "comment", body.trim(), at)
}

// -- The calendar and the policy --

/// Checks the calendar's window.
pub(crate) fn check_calendar_window(query: &CalendarQuery) -> StoreResult<()> {
    if query.from >= query.to {
        return Err(invalid(format!(
            "the calendar's window must end after it starts ({} to {})",
            query.from, query.to
        )));
    }
    if query.to.duration_since(query.from)
        > jiff::SignedDuration::from_hours(24 * MAX_CALENDAR_DAYS)
    {
        return Err(invalid(format!(
            "the calendar shows at most {MAX_CALENDAR_DAYS} days at a time"
        )));
    }
    Ok(())
}

pub(super) fn calendar(
    conn: &Connection,
    query: &CalendarQuery,
) -> StoreResult<Vec<CalendarEntry>> {
    check_calendar_window(query)?;
    let ws = workspace_id(conn, &query.workspace.0)?;
    let mut c = Conditions {
        sql: format!(
            "SELECT p.id, p.story_id, s.title, s.topic, s.goal_id, p.channel_kind, \
             p.channel_name, p.status, p.calendar_at, substr(p.text, 1, {EXCERPT_CHARS}) \
             FROM posts p JOIN stories s ON s.id = p.story_id \
             WHERE p.workspace_id = ? AND p.calendar_at IS NOT NULL \
             AND p.calendar_at >= ? AND p.calendar_at < ?"
        ),
        values: vec![
            Value::Integer(ws),
            Value::Integer(micros(query.from)),
            Value::Integer(micros(query.to)),
        ],
    };
    if let Some(story) = query.story {
        c.and("p.story_id = ?", [Value::Integer(story)]);
    }
    if let Some(topic) = query.topic {
        c.and("s.topic = ?", [Value::Text(topic.as_str().to_owned())]);
    }
    if let Some(goal) = query.goal {
        c.and("s.goal_id = ?", [Value::Integer(goal)]);
    }
    if let Some(channel) = query.channel {
        c.and(
            "p.channel_kind = ?",
            [Value::Text(channel.as_str().to_owned())],
        );
    }
    c.sql.push_str(" ORDER BY p.calendar_at, p.id");
    conn.prepare(&c.sql)
        .and_then(|mut s| {
            s.query_map(params_from_iter(c.values.iter()), |r| {
                Ok(CalendarEntry {
                    post: r.get(0)?,
                    story: r.get(1)?,
                    story_title: r.get(2)?,
                    topic: topic_of(r, 3)?,
                    goal: r.get(4)?,
                    channel: SourceKey::new(kind_of(r, 5)?, r.get::<_, String>(6)?),
                    status: status_of(r, 7)?,
                    at: time(r, 8)?,
                    excerpt: r.get(9)?,
                })
            })?
            .collect()
        })
        .map_err(db("reading the calendar"))
}

pub(super) fn policy(
    conn: &Connection,
    workspace: &WorkspaceId,
) -> StoreResult<Option<StoredPolicy>> {
    let ws = workspace_id(conn, &workspace.0)?;
    conn.prepare_cached("SELECT json, updated_by, updated_at FROM policies WHERE workspace_id = ?1")
        .and_then(|mut s| {
            s.query_row([ws], |r| {
                Ok(StoredPolicy {
                    json: r.get(0)?,
                    updated_by: r.get(1)?,
                    updated_at: time(r, 2)?,
                })
            })
            .optional()
        })
        .map_err(db("reading the policy"))
}

/// Checks a policy's size and that it is JSON.
pub(crate) fn check_policy(policy: &StoredPolicy) -> StoreResult<()> {
    if policy.json.len() > MAX_POLICY_BYTES {
        return Err(invalid(format!(
            "the policy is {}; at most {} fit",
            megabytes(policy.json.len()),
            megabytes(MAX_POLICY_BYTES)
        )));
    }
    if let Err(e) = serde_json::from_str::<serde_json::Value>(&policy.json) {
        return Err(invalid(format!("the policy is not JSON: {e}")));
    }
    Ok(())
}

/// The audit entry of a policy change.
pub(crate) fn policy_audit(workspace: &WorkspaceId, policy: &StoredPolicy) -> AuditEntry {
    AuditEntry {
        at: policy.updated_at,
        actor: policy.updated_by.clone(),
        workspace: Some(workspace.clone()),
        action: "policy.update".to_owned(),
        target: "policy".to_owned(),
        detail: String::new(),
    }
}

pub(super) fn put_policy(
    conn: &mut Connection,
    workspace: &WorkspaceId,
    policy: &StoredPolicy,
) -> StoreResult<()> {
    check_policy(policy)?;
    let ws = workspace_id(conn, &workspace.0)?;
    let failed = db("storing the policy");
    let tx = conn.transaction().map_err(&failed)?;
    tx.prepare_cached(
        "INSERT INTO policies (workspace_id, json, updated_by, updated_at) \
         VALUES (?1, ?2, ?3, ?4) ON CONFLICT (workspace_id) DO UPDATE SET \
         json = excluded.json, updated_by = excluded.updated_by, updated_at = excluded.updated_at",
    )
    .and_then(|mut s| {
        s.execute(params![
            ws,
            policy.json,
            policy.updated_by,
            micros(policy.updated_at)
        ])
    })
    .map_err(&failed)?;
    accounts::append_audit(&tx, &policy_audit(workspace, policy))?;
    tx.commit().map_err(&failed)
}

// -- The outbox --

pub(crate) const OUTBOX_COLUMNS: &str = "o.key, o.post_id, o.state, o.attempts, o.next_attempt_at, \
     o.started_at, o.last_error";

/// How an outbox state is stored.
pub(crate) fn outbox_state(state: OutboxState) -> &'static str {
    match state {
        OutboxState::Pending => "pending",
        OutboxState::Sending => "sending",
        OutboxState::Sent => "sent",
        OutboxState::Failed => "failed",
    }
}

/// The outbox state stored as `stored`.
pub(crate) fn parse_outbox_state(stored: &str) -> Option<OutboxState> {
    [
        OutboxState::Pending,
        OutboxState::Sending,
        OutboxState::Sent,
        OutboxState::Failed,
    ]
    .into_iter()
    .find(|s| outbox_state(*s) == stored)
}

/// Reads [`OUTBOX_COLUMNS`] from column `first`.
fn read_outbox(
    row: &Row<'_>,
    first: usize,
    workspace: &WorkspaceId,
) -> rusqlite::Result<OutboxEntry> {
    let state: String = row.get(first + 2)?;
    let attempts: i64 = row.get(first + 3)?;
    Ok(OutboxEntry {
        key: row.get(first)?,
        workspace: workspace.clone(),
        post: row.get(first + 1)?,
        state: parse_outbox_state(&state)
            .ok_or_else(|| bad_text(first + 2, "outbox state", state))?,
        attempts: u32::try_from(attempts).unwrap_or(u32::MAX),
        next_attempt_at: time(row, first + 4)?,
        started_at: opt_time(row, first + 5)?,
        last_error: row.get(first + 6)?,
    })
}

fn outbox_entry(
    tx: &Connection,
    workspace: &WorkspaceId,
    key: &str,
) -> rusqlite::Result<Option<OutboxEntry>> {
    tx.prepare_cached(&format!(
        "SELECT {OUTBOX_COLUMNS} FROM outbox o WHERE o.key = ?1"
    ))?
    .query_row([key], |r| read_outbox(r, 0, workspace))
    .optional()
}

/// Checks the size of a batch of posts.
pub(crate) fn check_batch(limit: usize) -> StoreResult<()> {
    if limit == 0 || limit > MAX_BATCH {
        return Err(invalid(format!(
            "a batch holds 1 to {MAX_BATCH} posts, not {limit}"
        )));
    }
    Ok(())
}

pub(super) fn due_posts(
    conn: &Connection,
    now: Timestamp,
    stale_before: Timestamp,
    limit: usize,
) -> StoreResult<Vec<DuePost>> {
    check_batch(limit)?;
    let failed = db("reading the due posts");
    // The newest outbox row of a post is its current attempt. A failed one belongs to a
    // round that ended: the post is scheduled again, so it is due like a new one.
    let rows: Vec<(Post, Option<OutboxEntry>)> = conn
        .prepare_cached(&format!(
            "SELECT {POST_COLUMNS}, {OUTBOX_COLUMNS} FROM {POST_FROM} \
             LEFT JOIN outbox o ON o.id = (SELECT max(id) FROM outbox WHERE post_id = p.id) \
             WHERE p.status = 'scheduled' AND p.scheduled_at <= ?1 \
             AND (o.id IS NULL OR o.state IN ('failed', 'sent') \
                  OR (o.state = 'pending' AND o.next_attempt_at <= ?1) \
                  OR (o.state = 'sending' AND o.started_at < ?2)) \
             ORDER BY p.scheduled_at, p.id LIMIT ?3"
        ))
        .and_then(|mut s| {
            s.query_map(
                params![micros(now), micros(stale_before), limit as i64],
                |r| {
                    let post = read_post(r)?;
                    let key: Option<String> = r.get(POST_COLUMN_COUNT)?;
                    let outbox = match key {
                        Some(_) => Some(read_outbox(r, POST_COLUMN_COUNT, &post.workspace)?),
                        None => None,
                    };
                    Ok((post, outbox))
                },
            )?
            .collect()
        })
        .map_err(&failed)?;
    let (posts, outboxes): (Vec<Post>, Vec<Option<OutboxEntry>>) = rows.into_iter().unzip();
    let posts = with_attachments(conn, posts).map_err(&failed)?;
    Ok(posts
        .into_iter()
        .zip(outboxes)
        .map(|(post, outbox)| DuePost { post, outbox })
        .collect())
}

/// Checks an outbox (idempotency) key.
pub(crate) fn check_outbox_key(key: &str) -> StoreResult<()> {
    check_required("the outbox key", key, MAX_NAME)
}

/// Refuses to send a post that is not scheduled.
pub(crate) fn check_sendable(post: &Post) -> StoreResult<()> {
    if post.workflow.status != PostStatus::Scheduled {
        return Err(invalid(format!(
            "post {} is {}: only a scheduled post is sent",
            post.id,
            post.workflow.status.as_str()
        )));
    }
    Ok(())
}

/// The number of the attempt that begins now, after the key's `earlier` entry.
pub(crate) fn attempt_number(
    earlier: Option<&OutboxEntry>,
    post: PostId,
    key: &str,
) -> StoreResult<u32> {
    match earlier {
        Some(entry) if entry.post != post => Err(invalid(format!(
            "the outbox key `{key}` belongs to post {}, not {post}",
            entry.post
        ))),
        // A failed round ended; scheduling the post again starts a new one.
        Some(entry) if entry.state == OutboxState::Failed => Ok(1),
        Some(entry) => Ok(entry.attempts.saturating_add(1)),
        None => Ok(1),
    }
}

/// The audit detail of an attempt beginning.
pub(crate) fn send_detail(post: &Post, attempts: u32) -> String {
    format!("attempt {attempts} to {}", post.content.channel)
}

pub(super) fn begin_publish(
    conn: &mut Connection,
    workspace: &WorkspaceId,
    id: PostId,
    key: &str,
    at: Timestamp,
) -> StoreResult<Option<OutboxEntry>> {
    check_outbox_key(key)?;
    let ws = workspace_id(conn, &workspace.0)?;
    let failed = db("beginning to publish");
    let tx = conn.transaction().map_err(&failed)?;
    let post = load_post(&tx, ws, id)
        .map_err(&failed)?
        .ok_or_else(|| no_post(id))?;
    check_sendable(&post)?;
    let earlier = outbox_entry(&tx, workspace, key).map_err(&failed)?;
    let attempts = attempt_number(earlier.as_ref(), id, key)?;
    tx.prepare_cached(
        "INSERT INTO outbox (key, workspace_id, post_id, state, attempts, next_attempt_at, \
         started_at) VALUES (?1, ?2, ?3, 'sending', ?4, ?5, ?5) \
         ON CONFLICT (key) DO UPDATE SET state = 'sending', attempts = excluded.attempts, \
         started_at = excluded.started_at",
    )
    .and_then(|mut s| s.execute(params![key, ws, id, attempts, micros(at)]))
    .map_err(&failed)?;
    audit(
        &tx,
        workspace,
        id,
        "system",
        "post.send",
        send_detail(&post, attempts),
        at,
    )?;
    tx.commit().map_err(&failed)?;
    Ok(earlier)
}

/// What an attempt's outcome makes of its outbox entry, and how it is audited.
pub(crate) struct Settled {
    pub(crate) state: OutboxState,
    pub(crate) next_attempt_at: Timestamp,
    pub(crate) error: Option<String>,
    pub(crate) action: &'static str,
    pub(crate) detail: String,
}

/// Applies the outcome of the attempt `entry` to `post` (a new revision at `at`).
pub(crate) fn settle(
    post: &mut Post,
    entry: &OutboxEntry,
    outcome: &PublishOutcome,
    at: Timestamp,
) -> StoreResult<Settled> {
    if entry.state != OutboxState::Sending {
        return Err(invalid(format!(
            "the attempt `{}` is not being sent (it is {})",
            entry.key,
            outbox_state(entry.state)
        )));
    }
    let settled = match outcome {
        PublishOutcome::Sent(published) => {
            post.workflow = post
                .workflow
                .apply(&Action::Published)
                .map_err(|e| invalid(e.to_string()))?;
            post.published = Some(published.clone());
            post.last_error = None;
            let detail = match &published.url {
                Some(url) => format!("{} {url}", published.external_id),
                None => published.external_id.clone(),
            };
            Settled {
                state: OutboxState::Sent,
                next_attempt_at: at,
                error: None,
                action: "post.publish",
                detail,
            }
        }
        PublishOutcome::Retry { error, at: next } => {
            post.last_error = Some(error.clone());
            Settled {
                state: OutboxState::Pending,
                next_attempt_at: *next,
                error: Some(error.clone()),
                action: "post.retry",
                detail: format!("{error}; next attempt at {next}"),
            }
        }
        PublishOutcome::Failed { error } => {
            post.workflow = post
                .workflow
                .apply(&Action::Failed)
                .map_err(|e| invalid(e.to_string()))?;
            post.last_error = Some(error.clone());
            Settled {
                state: OutboxState::Failed,
                next_attempt_at: at,
                error: Some(error.clone()),
                action: "post.fail",
                detail: error.clone(),
            }
        }
    };
    post.revision += 1;
    post.updated_at = at;
    Ok(settled)
}

/// The error for an outbox key that is not an attempt of the post.
pub(crate) fn no_attempt(post: PostId, key: &str) -> StoreError {
    not_found(format!("outbox entry `{key}` of post {post}"))
}

pub(super) fn finish_publish(
    conn: &mut Connection,
    workspace: &WorkspaceId,
    id: PostId,
    key: &str,
    outcome: &PublishOutcome,
    at: Timestamp,
) -> StoreResult<Post> {
    let ws = workspace_id(conn, &workspace.0)?;
    let failed = db("recording the publishing outcome");
    let tx = conn.transaction().map_err(&failed)?;
    let mut post = load_post(&tx, ws, id)
        .map_err(&failed)?
        .ok_or_else(|| no_post(id))?;
    let entry = outbox_entry(&tx, workspace, key)
        .map_err(&failed)?
        .filter(|e| e.post == id)
        .ok_or_else(|| no_attempt(id, key))?;
    let settled = settle(&mut post, &entry, outcome, at)?;
    tx.prepare_cached(
        "UPDATE outbox SET state = ?1, next_attempt_at = ?2, last_error = ?3 WHERE key = ?4",
    )
    .and_then(|mut s| {
        s.execute(params![
            outbox_state(settled.state),
            micros(settled.next_attempt_at),
            settled.error,
            key
        ])
    })
    .map_err(&failed)?;
    store_post(&tx, &post)?;
    audit(
        &tx,
        workspace,
        id,
        "system",
        settled.action,
        settled.detail,
        at,
    )?;
    tx.commit().map_err(&failed)?;
    Ok(post)
}

// -- Engagement --

pub(super) fn posts_for_engagement(
    conn: &Connection,
    published_after: Timestamp,
    read_before: Timestamp,
    limit: usize,
) -> StoreResult<Vec<Post>> {
    check_batch(limit)?;
    posts_where(
        conn,
        "WHERE p.status = 'published' AND p.published_at >= ?1 \
         AND (p.engagement_at IS NULL OR p.engagement_at < ?2) \
         ORDER BY p.engagement_at, p.id LIMIT ?3",
        params![micros(published_after), micros(read_before), limit as i64],
    )
    .map_err(db("reading the posts to measure"))
}

/// The error for measuring a post that is not published (or not the workspace's).
pub(crate) fn no_published_post(post: PostId) -> StoreError {
    not_found(format!("published post {post}"))
}

pub(super) fn put_post_engagement(
    conn: &Connection,
    workspace: &WorkspaceId,
    post: PostId,
    engagement: &Engagement,
    at: Timestamp,
) -> StoreResult<()> {
    let ws = workspace_id(conn, &workspace.0)?;
    let changed = conn
        .prepare_cached(
            "UPDATE posts SET likes = ?1, shares = ?2, replies = ?3, views = ?4, \
             engagement_at = ?5, revision = revision + 1 \
             WHERE id = ?6 AND workspace_id = ?7 AND status = 'published'",
        )
        .and_then(|mut s| {
            s.execute(params![
                to_i64(engagement.likes),
                to_i64(engagement.shares),
                to_i64(engagement.replies),
                engagement.views.map(to_i64),
                micros(at),
                post,
                ws
            ])
        })
        .map_err(db("storing the post's engagement"))?;
    if changed == 0 {
        return Err(no_published_post(post));
    }
    Ok(())
}

pub(super) fn engagement_rollup(
    conn: &Connection,
    workspace: &WorkspaceId,
    grouping: EngagementGrouping,
) -> StoreResult<Vec<EngagementRollup>> {
    let ws = workspace_id(conn, &workspace.0)?;
    let (key, label, group) = match grouping {
        EngagementGrouping::Story => ("s.id", "s.title", "s.id"),
        EngagementGrouping::Topic => ("s.topic", "s.topic", "s.topic"),
        EngagementGrouping::Goal => ("g.id", "coalesce(g.name, '')", "g.id"),
    };
    let mut rollups: Vec<EngagementRollup> = conn
        .prepare_cached(&format!(
            "SELECT CAST({key} AS TEXT), {label}, count(*), sum(coalesce(p.likes, 0)), \
             sum(coalesce(p.shares, 0)), sum(coalesce(p.replies, 0)), sum(p.views) \
             FROM posts p JOIN stories s ON s.id = p.story_id \
             LEFT JOIN goals g ON g.id = s.goal_id \
             WHERE p.workspace_id = ?1 AND p.status = 'published' GROUP BY {group}"
        ))
        .and_then(|mut s| {
            s.query_map([ws], |r| {
                let views: Option<i64> = r.get(6)?;
                let mut label: String = r.get(1)?;
                if grouping == EngagementGrouping::Topic {
                    label = topic_of(r, 1)?.title().to_owned();
                }
                Ok(EngagementRollup {
                    key: r.get(0)?,
                    label,
                    posts: count(r, 2)?,
                    likes: count(r, 3)?,
                    shares: count(r, 4)?,
                    replies: count(r, 5)?,
                    views: views.map(|v| u64::try_from(v).unwrap_or(0)),
                })
            })?
            .collect()
        })
        .map_err(db("summing the engagement"))?;
    sort_rollups(&mut rollups);
    Ok(rollups)
}

/// Most engaged first, then by label.
pub(crate) fn sort_rollups(rollups: &mut [EngagementRollup]) {
    rollups.sort_by(|a, b| {
        let total = |r: &EngagementRollup| r.likes + r.shares + r.replies;
        total(b).cmp(&total(a)).then_with(|| a.label.cmp(&b.label))
    });
}
