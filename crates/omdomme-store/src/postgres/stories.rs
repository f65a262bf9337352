//! Stories in PostgreSQL (schema 8): goals, stories with their proof points, attachments,
//! posts with their workflow, review comments, the policy, the outbox and engagement.
//!
//! The rules are the embedded store's (`sqlite::stories`): a post is read whole, changed
//! in Rust and written back whole in the transaction of the step. Here its row is read
//! `FOR UPDATE`, so two processes stepping or publishing one post take turns, as the
//! embedded store's single writer makes them.

use std::collections::{BTreeSet, HashMap};

use jiff::Timestamp;
use jiff::civil::Date;
use omdomme_core::{
    Approval, Engagement, PostStatus, SourceKey, SourceKind, Topic, Workflow, WorkspaceId,
};
use tokio_postgres::types::{Json, ToSql};
use tokio_postgres::{GenericClient, Row};

use super::time::PgTime;
use super::{Client, accounts, db, workspace_id};
use crate::sqlite::items::to_i64;
use crate::sqlite::stories::{
    ATTACHMENT_COLUMNS, ATTACHMENT_FROM, EXCERPT_CHARS, GOAL_COLUMNS, OUTBOX_COLUMNS,
    POST_COLUMN_COUNT, POST_COLUMNS, POST_FROM, PROOF_COLUMNS, STORY_COLUMNS, advance,
    attempt_number, calendar_at, check_attachment, check_batch, check_calendar_window,
    check_comment, check_content, check_goal, check_outbox_key, check_policy, check_sendable,
    check_story_texts, foreign_attachment, foreign_goal, no_attempt, no_post, no_published_post,
    no_story, outbox_state, parse_outbox_state, policy_audit, post_audit, proof_source_url,
    send_detail, sending_now, settle, sort_rollups, step_comment, step_content, takes_back,
};
use crate::stories::{
    Attachment, AttachmentId, CalendarEntry, CalendarQuery, DuePost, EngagementGrouping,
    EngagementRollup, Goal, GoalDraft, GoalId, NewAttachment, NewPost, OutboxEntry, Post,
    PostComment, PostContent, PostId, PostStep, ProofPoint, ProofPointDraft, PublishOutcome,
    Published, StoredPolicy, Story, StoryDraft, StoryId,
};
use crate::{StoreError, StoreResult};

fn stored(what: &str, value: &str) -> StoreError {
    StoreError::Database(format!("unknown {what} `{value}` stored"))
}

fn kind_of(row: &Row, index: usize) -> StoreResult<SourceKind> {
    let value: String = row.get(index);
    SourceKind::parse(&value).ok_or_else(|| stored("source kind", &value))
}

fn topic_of(row: &Row, index: usize) -> StoreResult<Topic> {
    let value: String = row.get(index);
    Topic::parse(&value).ok_or_else(|| stored("topic", &value))
}

fn status_of(row: &Row, index: usize) -> StoreResult<PostStatus> {
    let value: String = row.get(index);
    PostStatus::parse(&value).ok_or_else(|| stored("post status", &value))
}

fn time(row: &Row, index: usize) -> StoreResult<Timestamp> {
    let PgTime(at) = row.try_get(index).map_err(db("reading a time"))?;
    Ok(at)
}

fn opt_time(row: &Row, index: usize) -> StoreResult<Option<Timestamp>> {
    let at: Option<PgTime> = row.try_get(index).map_err(db("reading a time"))?;
    Ok(at.map(|PgTime(at)| at))
}

/// A count or sum column; NULL and (impossible) negative values read as 0.
fn count(row: &Row, index: usize) -> u64 {
    let value: Option<i64> = row.get(index);
    value.map_or(0, |v| u64::try_from(v).unwrap_or(0))
}

fn opt_count(row: &Row, index: usize) -> Option<u64> {
    let value: Option<i64> = row.get(index);
    value.map(|v| u64::try_from(v).unwrap_or(0))
}

/// Whether `sql` (one bound row) finds a row.
async fn exists(
    client: &impl GenericClient,
    sql: &str,
    values: &[&(dyn ToSql + Sync)],
    what: &'static str,
) -> StoreResult<bool> {
    Ok(client
        .query_opt(sql, values)
        .await
        .map_err(db(what))?
        .is_some())
}

// -- Goals --

fn read_goal(row: &Row, workspace: &WorkspaceId) -> StoreResult<Goal> {
    let channel: Option<String> = row.get(2);
    let deadline: Option<String> = row.get(6);
    Ok(Goal {
        id: row.get(0),
        workspace: workspace.clone(),
        draft: GoalDraft {
            name: row.get(1),
            channel: channel
                .map(|c| SourceKind::parse(&c).ok_or_else(|| stored("source kind", &c)))
                .transpose()?,
            owner: row.get(3),
            metric: row.get(4),
            target: row.get(5),
            deadline: deadline
                .map(|d| {
                    d.parse::<Date>()
                        .map_err(|e| StoreError::Database(format!("stored deadline `{d}`: {e}")))
                })
                .transpose()?,
        },
        created_at: time(row, 7)?,
    })
}

pub(super) async fn put_goal(
    client: &impl GenericClient,
    workspace: &WorkspaceId,
    id: Option<GoalId>,
    goal: &GoalDraft,
    at: Timestamp,
) -> StoreResult<GoalId> {
    check_goal(goal)?;
    let ws = workspace_id(client, &workspace.0).await?;
    let failed = db("storing the goal");
    let channel = goal.channel.map(SourceKind::as_str);
    let deadline = goal.deadline.map(|d| d.to_string());
    match id {
        None => {
            let row = client
                .query_one(
                    "INSERT INTO goals (workspace_id, name, channel, owner, metric, target, \
                     deadline, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
                    &[
                        &ws,
                        &goal.name,
                        &channel,
                        &goal.owner,
                        &goal.metric,
                        &goal.target,
                        &deadline,
                        &PgTime(at),
                    ],
                )
                .await
                .map_err(&failed)?;
            Ok(row.get(0))
        }
        Some(id) => {
            let changed = client
                .execute(
                    "UPDATE goals SET name = $1, channel = $2, owner = $3, metric = $4, \
                     target = $5, deadline = $6 WHERE id = $7 AND workspace_id = $8",
                    &[
                        &goal.name,
                        &channel,
                        &goal.owner,
                        &goal.metric,
                        &goal.target,
                        &deadline,
                        &id,
                        &ws,
                    ],
                )
                .await
                .map_err(&failed)?;
            if changed == 0 {
                return Err(StoreError::NotFound {
                    what: format!("goal {id}"),
                });
            }
            Ok(id)
        }
    }
}

pub(super) async fn goals(
    client: &impl GenericClient,
    workspace: &WorkspaceId,
) -> StoreResult<Vec<Goal>> {
    let ws = workspace_id(client, &workspace.0).await?;
    client
        .query(
            &format!(
                "SELECT {GOAL_COLUMNS} FROM goals WHERE workspace_id = $1 \
                 ORDER BY deadline IS NULL, deadline, name, id"
            ),
            &[&ws],
        )
        .await
        .map_err(db("reading the goals"))?
        .iter()
        .map(|r| read_goal(r, workspace))
        .collect()
}

pub(super) async fn delete_goal(
    client: &mut Client,
    workspace: &WorkspaceId,
    id: GoalId,
) -> StoreResult<bool> {
    let ws = workspace_id(&***client, &workspace.0).await?;
    let failed = db("deleting the goal");
    let tx = client.transaction().await.map_err(&failed)?;
    let deleted = tx
        .execute(
            "DELETE FROM goals WHERE id = $1 AND workspace_id = $2",
            &[&id, &ws],
        )
        .await
        .map_err(&failed)?;
    if deleted > 0 {
        tx.execute(
            "UPDATE stories SET goal_id = NULL WHERE goal_id = $1 AND workspace_id = $2",
            &[&id, &ws],
        )
        .await
        .map_err(&failed)?;
    }
    tx.commit().await.map_err(&failed)?;
    Ok(deleted > 0)
}

// -- Stories and proof points --

fn read_story(row: &Row, workspace: &WorkspaceId) -> StoreResult<Story> {
    Ok(Story {
        id: row.get(0),
        workspace: workspace.clone(),
        draft: StoryDraft {
            title: row.get(1),
            topic: topic_of(row, 2)?,
            summary: row.get(3),
            goal: row.get(4),
            owner: row.get(5),
        },
        proof_points: Vec::new(),
        created_by: row.get(6),
        created_at: time(row, 7)?,
        updated_at: time(row, 8)?,
    })
}

fn read_proof(row: &Row) -> StoreResult<ProofPoint> {
    Ok(ProofPoint {
        id: row.get(0),
        story: row.get(1),
        draft: ProofPointDraft {
            statement: row.get(2),
            source_url: row.get(3),
            document: row.get(4),
        },
        created_by: row.get(5),
        created_at: time(row, 6)?,
    })
}

async fn check_story(client: &impl GenericClient, ws: i64, story: &StoryDraft) -> StoreResult<()> {
    check_story_texts(story)?;
    if let Some(goal) = story.goal {
        let known = exists(
            client,
            "SELECT 1 FROM goals WHERE id = $1 AND workspace_id = $2",
            &[&goal, &ws],
            "looking up the goal",
        )
        .await?;
        if !known {
            return Err(foreign_goal(goal));
        }
    }
    Ok(())
}

async fn story_known(client: &impl GenericClient, ws: i64, id: StoryId) -> StoreResult<bool> {
    exists(
        client,
        "SELECT 1 FROM stories WHERE id = $1 AND workspace_id = $2",
        &[&id, &ws],
        "looking up the story",
    )
    .await
}

async fn load_story(
    client: &impl GenericClient,
    ws: i64,
    workspace: &WorkspaceId,
    id: StoryId,
) -> StoreResult<Option<Story>> {
    let failed = db("reading the story");
    let Some(row) = client
        .query_opt(
            &format!("SELECT {STORY_COLUMNS} FROM stories WHERE id = $1 AND workspace_id = $2"),
            &[&id, &ws],
        )
        .await
        .map_err(&failed)?
    else {
        return Ok(None);
    };
    let mut story = read_story(&row, workspace)?;
    story.proof_points = client
        .query(
            &format!(
                "SELECT {PROOF_COLUMNS} FROM proof_points pp WHERE pp.story_id = $1 \
                 ORDER BY pp.id"
            ),
            &[&id],
        )
        .await
        .map_err(&failed)?
        .iter()
        .map(read_proof)
        .collect::<StoreResult<_>>()?;
    Ok(Some(story))
}

pub(super) async fn create_story(
    client: &impl GenericClient,
    workspace: &WorkspaceId,
    story: &StoryDraft,
    by: &str,
    at: Timestamp,
) -> StoreResult<Story> {
    let ws = workspace_id(client, &workspace.0).await?;
    check_story(client, ws, story).await?;
    let row = client
        .query_one(
            "INSERT INTO stories (workspace_id, title, topic, summary, goal_id, owner, \
             created_by, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8) \
             RETURNING id",
            &[
                &ws,
                &story.title,
                &story.topic.as_str(),
                &story.summary,
                &story.goal,
                &story.owner,
                &by,
                &PgTime(at),
            ],
        )
        .await
        .map_err(db("storing the story"))?;
    let id: StoryId = row.get(0);
    load_story(client, ws, workspace, id)
        .await?
        .ok_or_else(|| no_story(id))
}

pub(super) async fn update_story(
    client: &impl GenericClient,
    workspace: &WorkspaceId,
    id: StoryId,
    story: &StoryDraft,
    at: Timestamp,
) -> StoreResult<Story> {
    let ws = workspace_id(client, &workspace.0).await?;
    check_story(client, ws, story).await?;
    let changed = client
        .execute(
            "UPDATE stories SET title = $1, topic = $2, summary = $3, goal_id = $4, owner = $5, \
             updated_at = $6 WHERE id = $7 AND workspace_id = $8",
            &[
                &story.title,
                &story.topic.as_str(),
                &story.summary,
                &story.goal,
                &story.owner,
                &PgTime(at),
                &id,
                &ws,
            ],
        )
        .await
        .map_err(db("changing the story"))?;
    if changed == 0 {
        return Err(no_story(id));
    }
    load_story(client, ws, workspace, id)
        .await?
        .ok_or_else(|| no_story(id))
}

pub(super) async fn story(
    client: &impl GenericClient,
    workspace: &WorkspaceId,
    id: StoryId,
) -> StoreResult<Option<Story>> {
    let ws = workspace_id(client, &workspace.0).await?;
    load_story(client, ws, workspace, id).await
}

pub(super) async fn stories(
    client: &impl GenericClient,
    workspace: &WorkspaceId,
) -> StoreResult<Vec<Story>> {
    let ws = workspace_id(client, &workspace.0).await?;
    let failed = db("reading the stories");
    let mut stories = client
        .query(
            &format!(
                "SELECT {STORY_COLUMNS} FROM stories WHERE workspace_id = $1 ORDER BY id DESC"
            ),
            &[&ws],
        )
        .await
        .map_err(&failed)?
        .iter()
        .map(|r| read_story(r, workspace))
        .collect::<StoreResult<Vec<_>>>()?;
    let mut proofs: HashMap<StoryId, Vec<ProofPoint>> = HashMap::new();
    for row in client
        .query(
            &format!(
                "SELECT {PROOF_COLUMNS} FROM proof_points pp JOIN stories s ON s.id = pp.story_id \
                 WHERE s.workspace_id = $1 ORDER BY pp.id"
            ),
            &[&ws],
        )
        .await
        .map_err(&failed)?
    {
        let proof = read_proof(&row)?;
        proofs.entry(proof.story).or_default().push(proof);
    }
    for story in &mut stories {
        story.proof_points = proofs.remove(&story.id).unwrap_or_default();
    }
    Ok(stories)
}

pub(super) async fn add_proof_point(
    client: &mut Client,
    workspace: &WorkspaceId,
    story: StoryId,
    proof: &ProofPointDraft,
    by: &str,
    at: Timestamp,
) -> StoreResult<ProofPoint> {
    let ws = workspace_id(&***client, &workspace.0).await?;
    let source_url = proof_source_url(proof)?;
    if let Some(document) = proof.document {
        let known = exists(
            &***client,
            "SELECT 1 FROM attachments WHERE id = $1 AND workspace_id = $2",
            &[&document, &ws],
            "looking up the attachment",
        )
        .await?;
        if !known {
            return Err(foreign_attachment(document));
        }
    }
    if !story_known(&***client, ws, story).await? {
        return Err(no_story(story));
    }
    let failed = db("storing the proof point");
    let tx = client.transaction().await.map_err(&failed)?;
    let row = tx
        .query_one(
            "INSERT INTO proof_points (story_id, statement, source_url, document_id, \
             created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
            &[
                &story,
                &proof.statement,
                &source_url,
                &proof.document,
                &by,
                &PgTime(at),
            ],
        )
        .await
        .map_err(&failed)?;
    tx.execute(
        "UPDATE stories SET updated_at = $1 WHERE id = $2",
        &[&PgTime(at), &story],
    )
    .await
    .map_err(&failed)?;
    tx.commit().await.map_err(&failed)?;
    Ok(ProofPoint {
        id: row.get(0),
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

pub(super) async fn delete_proof_point(
    client: &impl GenericClient,
    workspace: &WorkspaceId,
    id: i64,
) -> StoreResult<bool> {
    let ws = workspace_id(client, &workspace.0).await?;
    let deleted = client
        .execute(
            "DELETE FROM proof_points WHERE id = $1 AND story_id IN \
             (SELECT id FROM stories WHERE workspace_id = $2)",
            &[&id, &ws],
        )
        .await
        .map_err(db("deleting the proof point"))?;
    Ok(deleted > 0)
}

// -- Attachments --

/// Reads [`ATTACHMENT_COLUMNS`] from column `first`.
fn read_attachment(row: &Row, first: usize) -> StoreResult<Attachment> {
    Ok(Attachment {
        id: row.get(first),
        workspace: WorkspaceId(row.get(first + 1)),
        filename: row.get(first + 2),
        media_type: row.get(first + 3),
        alt_text: row.get(first + 4),
        size: count(row, first + 5),
        created_by: row.get(first + 6),
        created_at: time(row, first + 7)?,
    })
}

pub(super) async fn put_attachment(
    client: &impl GenericClient,
    workspace: &WorkspaceId,
    attachment: &NewAttachment,
    by: &str,
    at: Timestamp,
) -> StoreResult<Attachment> {
    check_attachment(attachment)?;
    let size = attachment.bytes.len();
    let ws = workspace_id(client, &workspace.0).await?;
    let row = client
        .query_one(
            "INSERT INTO attachments (workspace_id, filename, media_type, alt_text, size, bytes, \
             created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
            &[
                &ws,
                &attachment.filename,
                &attachment.media_type,
                &attachment.alt_text,
                &(size as i64),
                &attachment.bytes,
                &by,
                &PgTime(at),
            ],
        )
        .await
        .map_err(db("storing the attachment"))?;
    Ok(Attachment {
        id: row.get(0),
        workspace: workspace.clone(),
        filename: attachment.filename.clone(),
        media_type: attachment.media_type.clone(),
        alt_text: attachment.alt_text.clone(),
        size: size as u64,
        created_by: by.to_owned(),
        created_at: at,
    })
}

pub(super) async fn attachment(
    client: &impl GenericClient,
    workspace: &WorkspaceId,
    id: AttachmentId,
) -> StoreResult<Option<(Attachment, Vec<u8>)>> {
    let ws = workspace_id(client, &workspace.0).await?;
    client
        .query_opt(
            &format!(
                "SELECT {ATTACHMENT_COLUMNS}, a.bytes FROM {ATTACHMENT_FROM} \
                 WHERE a.id = $1 AND a.workspace_id = $2"
            ),
            &[&id, &ws],
        )
        .await
        .map_err(db("reading the attachment"))?
        .map(|r| Ok((read_attachment(&r, 0)?, r.get(8))))
        .transpose()
}

// -- Posts --

/// Reads [`POST_COLUMNS`]; the attachments are read apart ([`with_attachments`]).
fn read_post(row: &Row) -> StoreResult<Post> {
    let Json(authors): Json<BTreeSet<String>> =
        row.try_get(9).map_err(db("reading the post's authors"))?;
    let approved_by: Option<String> = row.get(10);
    let approved_version: Option<i64> = row.get(11);
    let version: i64 = row.get(8);
    let approval = match (approved_by, approved_version) {
        (Some(by), Some(version)) => Some(Approval {
            by,
            version: u32::try_from(version).unwrap_or(0),
        }),
        _ => None,
    };
    let external_id: Option<String> = row.get(18);
    let published = match (opt_time(row, 17)?, external_id) {
        (Some(at), Some(external_id)) => Some(Published {
            at,
            external_id,
            url: row.get(19),
        }),
        _ => None,
    };
    let engagement = opt_time(row, 25)?.map(|at| {
        (
            Engagement {
                likes: count(row, 21),
                shares: count(row, 22),
                replies: count(row, 23),
                views: opt_count(row, 24),
            },
            at,
        )
    });
    Ok(Post {
        id: row.get(0),
        workspace: WorkspaceId(row.get(1)),
        story: row.get(2),
        content: PostContent {
            channel: SourceKey::new(kind_of(row, 3)?, row.get::<_, String>(4)),
            text: row.get(5),
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
        revision: row.get(13),
        created_by: row.get(14),
        created_at: time(row, 15)?,
        updated_at: time(row, 16)?,
        published,
        last_error: row.get(20),
        engagement,
    })
}

/// Fills in the attachments of posts read by [`read_post`], in one query.
async fn with_attachments(
    client: &impl GenericClient,
    mut posts: Vec<Post>,
) -> StoreResult<Vec<Post>> {
    if posts.is_empty() {
        return Ok(posts);
    }
    let ids: Vec<PostId> = posts.iter().map(|p| p.id).collect();
    let mut attachments: HashMap<PostId, Vec<Attachment>> = HashMap::new();
    for row in client
        .query(
            &format!(
                "SELECT pa.post_id, {ATTACHMENT_COLUMNS} FROM post_attachments pa \
                 JOIN attachments a ON a.id = pa.attachment_id \
                 JOIN workspaces w ON w.id = a.workspace_id \
                 WHERE pa.post_id = ANY($1) ORDER BY pa.post_id, pa.position"
            ),
            &[&ids],
        )
        .await
        .map_err(db("reading the posts' attachments"))?
    {
        attachments
            .entry(row.get(0))
            .or_default()
            .push(read_attachment(&row, 1)?);
    }
    for post in &mut posts {
        post.content.attachments = attachments.remove(&post.id).unwrap_or_default();
    }
    Ok(posts)
}

/// Posts matching `filter` (SQL over `posts p` and `workspaces w`), with their attachments.
async fn posts_where(
    client: &impl GenericClient,
    filter: &str,
    values: &[&(dyn ToSql + Sync)],
    what: &'static str,
) -> StoreResult<Vec<Post>> {
    let posts = client
        .query(
            &format!("SELECT {POST_COLUMNS} FROM {POST_FROM} {filter}"),
            values,
        )
        .await
        .map_err(db(what))?
        .iter()
        .map(read_post)
        .collect::<StoreResult<Vec<_>>>()?;
    with_attachments(client, posts).await
}

/// The post, its row locked until the transaction ends.
async fn lock_post(client: &impl GenericClient, ws: i64, id: PostId) -> StoreResult<Post> {
    posts_where(
        client,
        "WHERE p.id = $1 AND p.workspace_id = $2 FOR UPDATE OF p",
        &[&id, &ws],
        "reading the post",
    )
    .await?
    .pop()
    .ok_or_else(|| no_post(id))
}

/// Writes every changeable column of `post` (read with [`lock_post`] and changed).
async fn store_post(client: &impl GenericClient, post: &Post) -> StoreResult<()> {
    let failed = db("saving the post");
    let approval = post.workflow.approval.as_ref();
    let engagement = post.engagement.as_ref();
    let published = post.published.as_ref();
    client
        .execute(
            "UPDATE posts SET channel_kind = $1, channel_name = $2, text = $3, planned_at = $4, \
             status = $5, version = $6, authors = $7, approved_by = $8, approved_version = $9, \
             scheduled_at = $10, calendar_at = $11, revision = $12, updated_at = $13, \
             published_at = $14, external_id = $15, url = $16, last_error = $17, likes = $18, \
             shares = $19, replies = $20, views = $21, engagement_at = $22 WHERE id = $23",
            &[
                &post.content.channel.kind.as_str(),
                &post.content.channel.name,
                &post.content.text,
                &post.content.planned_at.map(PgTime),
                &post.workflow.status.as_str(),
                &i64::from(post.workflow.version),
                &Json(&post.workflow.authors),
                &approval.map(|a| a.by.as_str()),
                &approval.map(|a| i64::from(a.version)),
                &post.workflow.scheduled_at.map(PgTime),
                &calendar_at(post).map(PgTime),
                &post.revision,
                &PgTime(post.updated_at),
                &published.map(|p| PgTime(p.at)),
                &published.map(|p| p.external_id.as_str()),
                &published.and_then(|p| p.url.as_deref()),
                &post.last_error,
                &engagement.map(|(e, _)| to_i64(e.likes)),
                &engagement.map(|(e, _)| to_i64(e.shares)),
                &engagement.map(|(e, _)| to_i64(e.replies)),
                &engagement.and_then(|(e, _)| e.views.map(to_i64)),
                &engagement.map(|(_, at)| PgTime(*at)),
                &post.id,
            ],
        )
        .await
        .map_err(&failed)?;
    client
        .execute(
            "DELETE FROM post_attachments WHERE post_id = $1",
            &[&post.id],
        )
        .await
        .map_err(&failed)?;
    if !post.content.attachments.is_empty() {
        let ids: Vec<AttachmentId> = post.content.attachments.iter().map(|a| a.id).collect();
        // Positions count from 0, in the order given.
        client
            .execute(
                "INSERT INTO post_attachments (post_id, position, attachment_id) \
                 SELECT $1, given.position - 1, given.id \
                 FROM unnest($2::bigint[]) WITH ORDINALITY AS given (id, position)",
                &[&post.id, &ids],
            )
            .await
            .map_err(&failed)?;
    }
    Ok(())
}

/// Checks a post's content and reads its attachments, in order.
async fn checked_content(
    client: &impl GenericClient,
    ws: i64,
    channel: &SourceKey,
    text: &str,
    attachments: &[AttachmentId],
    planned_at: Option<Timestamp>,
) -> StoreResult<PostContent> {
    check_content(channel, text, attachments)?;
    let mut found: HashMap<AttachmentId, Attachment> = HashMap::new();
    if !attachments.is_empty() {
        for row in client
            .query(
                &format!(
                    "SELECT {ATTACHMENT_COLUMNS} FROM {ATTACHMENT_FROM} \
                     WHERE a.id = ANY($1) AND a.workspace_id = $2"
                ),
                &[&attachments, &ws],
            )
            .await
            .map_err(db("reading the post's attachments"))?
        {
            let attachment = read_attachment(&row, 0)?;
            found.insert(attachment.id, attachment);
        }
    }
    let read = attachments
        .iter()
        .map(|id| {
            found
                .get(id)
                .cloned()
                .ok_or_else(|| foreign_attachment(*id))
        })
        .collect::<StoreResult<_>>()?;
    Ok(PostContent {
        channel: channel.clone(),
        text: text.to_owned(),
        attachments: read,
        planned_at,
    })
}

pub(super) async fn create_post(
    client: &mut Client,
    workspace: &WorkspaceId,
    post: &NewPost,
    by: &str,
    at: Timestamp,
) -> StoreResult<Post> {
    let ws = workspace_id(&***client, &workspace.0).await?;
    let failed = db("creating the post");
    let tx = client.transaction().await.map_err(&failed)?;
    if !story_known(&*tx, ws, post.story).await? {
        return Err(no_story(post.story));
    }
    let content = checked_content(
        &*tx,
        ws,
        &post.channel,
        &post.text,
        &post.attachments,
        post.planned_at,
    )
    .await?;
    let row = tx
        .query_one(
            "INSERT INTO posts (workspace_id, story_id, channel_kind, channel_name, text, status, \
             version, authors, revision, created_by, created_at, updated_at) \
             VALUES ($1, $2, '', '', '', '', 0, '[]', 0, $3, $4, $4) RETURNING id",
            &[&ws, &post.story, &by, &PgTime(at)],
        )
        .await
        .map_err(&failed)?;
    let created = Post {
        id: row.get(0),
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
    store_post(&*tx, &created).await?;
    accounts::append_audit(
        &*tx,
        &post_audit(
            workspace,
            created.id,
            by,
            "post.create",
            created.content.channel.to_string(),
            at,
        ),
    )
    .await?;
    tx.commit().await.map_err(&failed)?;
    Ok(created)
}

pub(super) async fn post(
    client: &impl GenericClient,
    workspace: &WorkspaceId,
    id: PostId,
) -> StoreResult<Option<Post>> {
    let ws = workspace_id(client, &workspace.0).await?;
    Ok(posts_where(
        client,
        "WHERE p.id = $1 AND p.workspace_id = $2",
        &[&id, &ws],
        "reading the post",
    )
    .await?
    .pop())
}

pub(super) async fn story_posts(
    client: &impl GenericClient,
    workspace: &WorkspaceId,
    story: StoryId,
) -> StoreResult<Vec<Post>> {
    let ws = workspace_id(client, &workspace.0).await?;
    posts_where(
        client,
        "WHERE p.story_id = $1 AND p.workspace_id = $2 ORDER BY p.channel_kind, p.id",
        &[&story, &ws],
        "reading the story's posts",
    )
    .await
}

async fn insert_comment(
    client: &impl GenericClient,
    post: PostId,
    by: &str,
    kind: &str,
    body: &str,
    at: Timestamp,
) -> StoreResult<PostComment> {
    let row = client
        .query_one(
            "INSERT INTO post_comments (post_id, author, kind, body, at) \
             VALUES ($1, $2, $3, $4, $5) RETURNING id",
            &[&post, &by, &kind, &body, &PgTime(at)],
        )
        .await
        .map_err(db("storing the comment"))?;
    Ok(PostComment {
        id: row.get(0),
        post,
        by: by.to_owned(),
        kind: kind.to_owned(),
        body: body.to_owned(),
        at,
    })
}

pub(super) async fn step_post(
    client: &mut Client,
    workspace: &WorkspaceId,
    id: PostId,
    step: &PostStep,
) -> StoreResult<Post> {
    let ws = workspace_id(&***client, &workspace.0).await?;
    let action = &step.action;
    let comment = step_comment(step)?;
    let failed = db("changing the post");
    let tx = client.transaction().await.map_err(&failed)?;
    let mut post = lock_post(&*tx, ws, id).await?;
    if let Some(content) = step_content(&post, step)? {
        post.content = checked_content(
            &*tx,
            ws,
            &content.channel,
            &content.text,
            &content.attachments,
            content.planned_at,
        )
        .await?;
    }
    if takes_back(action) {
        let being_sent = exists(
            &*tx,
            "SELECT 1 FROM outbox WHERE post_id = $1 AND state = 'sending'",
            &[&id],
            "reading the outbox",
        )
        .await?;
        if being_sent {
            return Err(sending_now());
        }
    }
    let detail = advance(&mut post, step, comment)?;
    store_post(&*tx, &post).await?;
    if takes_back(action) {
        // Taken back before a retry: that round ends here, so scheduling the post again
        // starts a new one at its new time instead of waiting for the old retry.
        tx.execute(
            "UPDATE outbox SET state = 'failed' WHERE post_id = $1 AND state = 'pending'",
            &[&id],
        )
        .await
        .map_err(&failed)?;
    }
    if let Some(comment) = comment {
        insert_comment(
            &*tx,
            id,
            action.actor(),
            action.audit_name(),
            comment,
            step.at,
        )
        .await?;
    }
    accounts::append_audit(
        &*tx,
        &post_audit(
            workspace,
            id,
            action.actor(),
            action.audit_name(),
            detail,
            step.at,
        ),
    )
    .await?;
    tx.commit().await.map_err(&failed)?;
    Ok(post)
}

pub(super) async fn post_comments(
    client: &impl GenericClient,
    workspace: &WorkspaceId,
    post: PostId,
) -> StoreResult<Vec<PostComment>> {
    let ws = workspace_id(client, &workspace.0).await?;
    client
        .query(
            "SELECT c.id, c.post_id, c.author, c.kind, c.body, c.at FROM post_comments c \
             JOIN posts p ON p.id = c.post_id WHERE c.post_id = $1 AND p.workspace_id = $2 \
             ORDER BY c.id",
            &[&post, &ws],
        )
        .await
        .map_err(db("reading the post's comments"))?
        .iter()
        .map(|r| {
            Ok(PostComment {
                id: r.get(0),
                post: r.get(1),
                by: r.get(2),
                kind: r.get(3),
                body: r.get(4),
                at: time(r, 5)?,
            })
        })
        .collect()
}

pub(super) async fn add_post_comment(
    client: &impl GenericClient,
    workspace: &WorkspaceId,
    post: PostId,
    by: &str,
    body: &str,
    at: Timestamp,
) -> StoreResult<PostComment> {
    check_comment(body)?;
    let ws = workspace_id(client, &workspace.0).await?;
    let known = exists(
        client,
        "SELECT 1 FROM posts WHERE id = $1 AND workspace_id = $2",
        &[&post, &ws],
        "looking up the post",
    )
    .await?;
    if !known {
        return Err(no_post(post));
    }
    insert_comment(client, post, by, "comment", body.trim(), at).await
}

// -- The calendar and the policy --

pub(super) async fn calendar(
    client: &impl GenericClient,
    query: &CalendarQuery,
) -> StoreResult<Vec<CalendarEntry>> {
    check_calendar_window(query)?;
    let ws = workspace_id(client, &query.workspace.0).await?;
    let from = PgTime(query.from);
    let to = PgTime(query.to);
    let topic = query.topic.map(Topic::as_str);
    let channel = query.channel.map(SourceKind::as_str);
    let mut values: Vec<&(dyn ToSql + Sync)> = vec![&ws, &from, &to];
    let mut sql = format!(
        "SELECT p.id, p.story_id, s.title, s.topic, s.goal_id, p.channel_kind, \
         p.channel_name, p.status, p.calendar_at, substr(p.text, 1, {EXCERPT_CHARS}) \
         FROM posts p JOIN stories s ON s.id = p.story_id \
         WHERE p.workspace_id = $1 AND p.calendar_at IS NOT NULL \
         AND p.calendar_at >= $2 AND p.calendar_at < $3"
    );
    // Only the filters given become conditions, each on a bound value.
    if let Some(story) = &query.story {
        values.push(story);
        sql.push_str(&format!(" AND p.story_id = ${}", values.len()));
    }
    if let Some(topic) = &topic {
        values.push(topic);
        sql.push_str(&format!(" AND s.topic = ${}", values.len()));
    }
    if let Some(goal) = &query.goal {
        values.push(goal);
        sql.push_str(&format!(" AND s.goal_id = ${}", values.len()));
    }
    if let Some(channel) = &channel {
        values.push(channel);
        sql.push_str(&format!(" AND p.channel_kind = ${}", values.len()));
    }
    sql.push_str(" ORDER BY p.calendar_at, p.id");
    client
        .query(&sql, &values)
        .await
        .map_err(db("reading the calendar"))?
        .iter()
        .map(|r| {
            Ok(CalendarEntry {
                post: r.get(0),
                story: r.get(1),
                story_title: r.get(2),
                topic: topic_of(r, 3)?,
                goal: r.get(4),
                channel: SourceKey::new(kind_of(r, 5)?, r.get::<_, String>(6)),
                status: status_of(r, 7)?,
                at: time(r, 8)?,
                excerpt: r.get(9),
            })
        })
        .collect()
}

pub(super) async fn policy(
    client: &impl GenericClient,
    workspace: &WorkspaceId,
) -> StoreResult<Option<StoredPolicy>> {
    let ws = workspace_id(client, &workspace.0).await?;
    client
        .query_opt(
            "SELECT json, updated_by, updated_at FROM policies WHERE workspace_id = $1",
            &[&ws],
        )
        .await
        .map_err(db("reading the policy"))?
        .map(|r| {
            Ok(StoredPolicy {
                json: r.get(0),
                updated_by: r.get(1),
                updated_at: time(&r, 2)?,
            })
        })
        .transpose()
}

pub(super) async fn put_policy(
    client: &mut Client,
    workspace: &WorkspaceId,
    policy: &StoredPolicy,
) -> StoreResult<()> {
    check_policy(policy)?;
    let ws = workspace_id(&***client, &workspace.0).await?;
    let failed = db("storing the policy");
    let tx = client.transaction().await.map_err(&failed)?;
    tx.execute(
        "INSERT INTO policies (workspace_id, json, updated_by, updated_at) \
         VALUES ($1, $2, $3, $4) ON CONFLICT (workspace_id) DO UPDATE SET \
         json = excluded.json, updated_by = excluded.updated_by, updated_at = excluded.updated_at",
        &[
            &ws,
            &policy.json,
            &policy.updated_by,
            &PgTime(policy.updated_at),
        ],
    )
    .await
    .map_err(&failed)?;
    accounts::append_audit(&*tx, &policy_audit(workspace, policy)).await?;
    tx.commit().await.map_err(&failed)
}

// -- The outbox --

/// Reads [`OUTBOX_COLUMNS`] from column `first`.
fn read_outbox(row: &Row, first: usize, workspace: &WorkspaceId) -> StoreResult<OutboxEntry> {
    let state: String = row.get(first + 2);
    let attempts: i64 = row.get(first + 3);
    Ok(OutboxEntry {
        key: row.get(first),
        workspace: workspace.clone(),
        post: row.get(first + 1),
        state: parse_outbox_state(&state).ok_or_else(|| stored("outbox state", &state))?,
        attempts: u32::try_from(attempts).unwrap_or(u32::MAX),
        next_attempt_at: time(row, first + 4)?,
        started_at: opt_time(row, first + 5)?,
        last_error: row.get(first + 6),
    })
}

async fn outbox_entry(
    client: &impl GenericClient,
    workspace: &WorkspaceId,
    key: &str,
) -> StoreResult<Option<OutboxEntry>> {
    client
        .query_opt(
            &format!("SELECT {OUTBOX_COLUMNS} FROM outbox o WHERE o.key = $1"),
            &[&key],
        )
        .await
        .map_err(db("reading the outbox"))?
        .map(|r| read_outbox(&r, 0, workspace))
        .transpose()
}

pub(super) async fn due_posts(
    client: &impl GenericClient,
    now: Timestamp,
    stale_before: Timestamp,
    limit: usize,
) -> StoreResult<Vec<DuePost>> {
    check_batch(limit)?;
    // The newest outbox row of a post is its current attempt. A failed one belongs to a
    // round that ended: the post is scheduled again, so it is due like a new one.
    let rows = client
        .query(
            &format!(
                "SELECT {POST_COLUMNS}, {OUTBOX_COLUMNS} FROM {POST_FROM} \
                 LEFT JOIN outbox o ON o.id = (SELECT max(id) FROM outbox WHERE post_id = p.id) \
                 WHERE p.status = 'scheduled' AND p.scheduled_at <= $1 \
                 AND (o.id IS NULL OR o.state IN ('failed', 'sent') \
                      OR (o.state = 'pending' AND o.next_attempt_at <= $1) \
                      OR (o.state = 'sending' AND o.started_at < $2)) \
                 ORDER BY p.scheduled_at, p.id LIMIT $3"
            ),
            &[&PgTime(now), &PgTime(stale_before), &(limit as i64)],
        )
        .await
        .map_err(db("reading the due posts"))?;
    let mut posts = Vec::with_capacity(rows.len());
    let mut outboxes = Vec::with_capacity(rows.len());
    for row in &rows {
        let post = read_post(row)?;
        let key: Option<String> = row.get(POST_COLUMN_COUNT);
        outboxes.push(match key {
            Some(_) => Some(read_outbox(row, POST_COLUMN_COUNT, &post.workspace)?),
            None => None,
        });
        posts.push(post);
    }
    let posts = with_attachments(client, posts).await?;
    Ok(posts
        .into_iter()
        .zip(outboxes)
        .map(|(post, outbox)| DuePost { post, outbox })
        .collect())
}

/// Two processes beginning one post's attempt take turns on the post's row lock; the
/// second then sees the first's outbox row and is handed it as the earlier entry.
pub(super) async fn begin_publish(
    client: &mut Client,
    workspace: &WorkspaceId,
    id: PostId,
    key: &str,
    at: Timestamp,
) -> StoreResult<Option<OutboxEntry>> {
    check_outbox_key(key)?;
    let ws = workspace_id(&***client, &workspace.0).await?;
    let failed = db("beginning to publish");
    let tx = client.transaction().await.map_err(&failed)?;
    let post = lock_post(&*tx, ws, id).await?;
    check_sendable(&post)?;
    let earlier = outbox_entry(&*tx, workspace, key).await?;
    let attempts = attempt_number(earlier.as_ref(), id, key)?;
    tx.execute(
        "INSERT INTO outbox (key, workspace_id, post_id, state, attempts, next_attempt_at, \
         started_at) VALUES ($1, $2, $3, 'sending', $4, $5, $5) \
         ON CONFLICT (key) DO UPDATE SET state = 'sending', attempts = excluded.attempts, \
         started_at = excluded.started_at",
        &[&key, &ws, &id, &i64::from(attempts), &PgTime(at)],
    )
    .await
    .map_err(&failed)?;
    accounts::append_audit(
        &*tx,
        &post_audit(
            workspace,
            id,
            "system",
            "post.send",
            send_detail(&post, attempts),
            at,
        ),
    )
    .await?;
    tx.commit().await.map_err(&failed)?;
    Ok(earlier)
}

pub(super) async fn finish_publish(
    client: &mut Client,
    workspace: &WorkspaceId,
    id: PostId,
    key: &str,
    outcome: &PublishOutcome,
    at: Timestamp,
) -> StoreResult<Post> {
    let ws = workspace_id(&***client, &workspace.0).await?;
    let failed = db("recording the publishing outcome");
    let tx = client.transaction().await.map_err(&failed)?;
    let mut post = lock_post(&*tx, ws, id).await?;
    let entry = outbox_entry(&*tx, workspace, key)
        .await?
        .filter(|e| e.post == id)
        .ok_or_else(|| no_attempt(id, key))?;
    let settled = settle(&mut post, &entry, outcome, at)?;
    tx.execute(
        "UPDATE outbox SET state = $1, next_attempt_at = $2, last_error = $3 WHERE key = $4",
        &[
            &outbox_state(settled.state),
            &PgTime(settled.next_attempt_at),
            &settled.error,
            &key,
        ],
    )
    .await
    .map_err(&failed)?;
    store_post(&*tx, &post).await?;
    accounts::append_audit(
        &*tx,
        &post_audit(workspace, id, "system", settled.action, settled.detail, at),
    )
    .await?;
    tx.commit().await.map_err(&failed)?;
    Ok(post)
}

// -- Engagement --

pub(super) async fn posts_for_engagement(
    client: &impl GenericClient,
    published_after: Timestamp,
    read_before: Timestamp,
    limit: usize,
) -> StoreResult<Vec<Post>> {
    check_batch(limit)?;
    // Never-read posts first, as the embedded store sorts NULL.
    posts_where(
        client,
        "WHERE p.status = 'published' AND p.published_at >= $1 \
         AND (p.engagement_at IS NULL OR p.engagement_at < $2) \
         ORDER BY p.engagement_at NULLS FIRST, p.id LIMIT $3",
        &[
            &PgTime(published_after),
            &PgTime(read_before),
            &(limit as i64),
        ],
        "reading the posts to measure",
    )
    .await
}

pub(super) async fn put_post_engagement(
    client: &impl GenericClient,
    workspace: &WorkspaceId,
    post: PostId,
    engagement: &Engagement,
    at: Timestamp,
) -> StoreResult<()> {
    let ws = workspace_id(client, &workspace.0).await?;
    let changed = client
        .execute(
            "UPDATE posts SET likes = $1, shares = $2, replies = $3, views = $4, \
             engagement_at = $5, revision = revision + 1 \
             WHERE id = $6 AND workspace_id = $7 AND status = 'published'",
            &[
                &to_i64(engagement.likes),
                &to_i64(engagement.shares),
                &to_i64(engagement.replies),
                &engagement.views.map(to_i64),
                &PgTime(at),
                &post,
                &ws,
            ],
        )
        .await
        .map_err(db("storing the post's engagement"))?;
    if changed == 0 {
        return Err(no_published_post(post));
    }
    Ok(())
}

pub(super) async fn engagement_rollup(
    client: &impl GenericClient,
    workspace: &WorkspaceId,
    grouping: EngagementGrouping,
) -> StoreResult<Vec<EngagementRollup>> {
    let ws = workspace_id(client, &workspace.0).await?;
    let (key, label, group) = match grouping {
        EngagementGrouping::Story => ("s.id", "s.title", "s.id"),
        EngagementGrouping::Topic => ("s.topic", "s.topic", "s.topic"),
        EngagementGrouping::Goal => ("g.id", "coalesce(g.name, '')", "g.id"),
    };
    // PostgreSQL sums bigints as numeric: cast back.
    let mut rollups = client
        .query(
            &format!(
                "SELECT CAST({key} AS text), {label}, count(*), \
                 sum(coalesce(p.likes, 0))::bigint, sum(coalesce(p.shares, 0))::bigint, \
                 sum(coalesce(p.replies, 0))::bigint, sum(p.views)::bigint \
                 FROM posts p JOIN stories s ON s.id = p.story_id \
                 LEFT JOIN goals g ON g.id = s.goal_id \
                 WHERE p.workspace_id = $1 AND p.status = 'published' GROUP BY {group}"
            ),
            &[&ws],
        )
        .await
        .map_err(db("summing the engagement"))?
        .iter()
        .map(|r| {
            let label = match grouping {
                EngagementGrouping::Topic => topic_of(r, 1)?.title().to_owned(),
                EngagementGrouping::Story | EngagementGrouping::Goal => r.get(1),
            };
            Ok(EngagementRollup {
                key: r.get(0),
                label,
                posts: count(r, 2),
                likes: count(r, 3),
                shares: count(r, 4),
                replies: count(r, 5),
                views: opt_count(r, 6),
            })
        })
        .collect::<StoreResult<Vec<_>>>()?;
    sort_rollups(&mut rollups);
    Ok(rollups)
}
