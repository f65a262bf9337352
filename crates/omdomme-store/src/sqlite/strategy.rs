//! The strategy in SQLite (schema 11): business type and channel roles, the audience
//! planner's figures, and the post tally the maturity view reads. Each change writes its
//! audit entry in its own transaction.

use omdomme_core::{SourceKind, WorkspaceId};
use rusqlite::{Connection, OptionalExtension, params};

use super::inbox::{bad_text, micros, time};
use super::{accounts, db, workspace_id};
use crate::strategy::{
    BusinessType, ChannelRole, PostTally, StoredAudience, Strategy, check_audience, check_strategy,
};
use crate::{AuditEntry, StoreResult};

pub(super) fn strategy(
    conn: &Connection,
    workspace: &WorkspaceId,
) -> StoreResult<Option<Strategy>> {
    let ws = workspace_id(conn, &workspace.0)?;
    let failed = db("reading the strategy");
    let head = conn
        .prepare_cached(
            "SELECT business_type, updated_by, updated_at FROM strategies WHERE workspace_id = ?1",
        )
        .and_then(|mut s| {
            s.query_row([ws], |r| {
                let business: Option<String> = r.get(0)?;
                let business = business
                    .map(|b| BusinessType::parse(&b).ok_or_else(|| bad_text(0, "business type", b)))
                    .transpose()?;
                Ok((business, r.get::<_, String>(1)?, time(r, 2)?))
            })
            .optional()
        })
        .map_err(&failed)?;
    let Some((business_type, updated_by, updated_at)) = head else {
        return Ok(None);
    };
    let mut roles: Vec<ChannelRole> = conn
        .prepare_cached("SELECT channel, purpose FROM channel_roles WHERE workspace_id = ?1")
        .and_then(|mut s| {
            s.query_map([ws], |r| {
                let channel: String = r.get(0)?;
                Ok(ChannelRole {
                    channel: SourceKind::parse(&channel)
                        .ok_or_else(|| bad_text(0, "source kind", channel))?,
                    purpose: r.get(1)?,
                })
            })?
            .collect()
        })
        .map_err(&failed)?;
    roles.sort_by_key(|r| r.channel);
    Ok(Some(Strategy {
        business_type,
        roles,
        updated_by,
        updated_at,
    }))
}

/// Replaces the business type and every channel role, and audits `strategy.update` with
/// `detail`.
pub(super) fn put_strategy(
    conn: &mut Connection,
    workspace: &WorkspaceId,
    strategy: &Strategy,
    detail: &str,
) -> StoreResult<()> {
    check_strategy(strategy)?;
    let ws = workspace_id(conn, &workspace.0)?;
    let failed = db("storing the strategy");
    let tx = conn.transaction().map_err(&failed)?;
    tx.prepare_cached(
        "INSERT INTO strategies (workspace_id, business_type, updated_by, updated_at) \
         VALUES (?1, ?2, ?3, ?4) ON CONFLICT (workspace_id) DO UPDATE SET \
         business_type = excluded.business_type, updated_by = excluded.updated_by, \
         updated_at = excluded.updated_at",
    )
    .and_then(|mut s| {
        s.execute(params![
            ws,
            strategy.business_type.map(BusinessType::as_str),
            strategy.updated_by,
            micros(strategy.updated_at)
        ])
    })
    .map_err(&failed)?;
    tx.execute("DELETE FROM channel_roles WHERE workspace_id = ?1", [ws])
        .map_err(&failed)?;
    for role in &strategy.roles {
        tx.prepare_cached(
            "INSERT INTO channel_roles (workspace_id, channel, purpose) VALUES (?1, ?2, ?3)",
        )
        .and_then(|mut s| s.execute(params![ws, role.channel.as_str(), role.purpose]))
        .map_err(&failed)?;
    }
    accounts::append_audit(
        &tx,
        &AuditEntry {
            at: strategy.updated_at,
            actor: strategy.updated_by.clone(),
            workspace: Some(workspace.clone()),
            action: "strategy.update".to_owned(),
            target: "strategy".to_owned(),
            detail: detail.to_owned(),
        },
    )?;
    tx.commit().map_err(&failed)
}

pub(super) fn audience(
    conn: &Connection,
    workspace: &WorkspaceId,
) -> StoreResult<Option<StoredAudience>> {
    let ws = workspace_id(conn, &workspace.0)?;
    conn.prepare_cached(
        "SELECT json, updated_by, updated_at FROM audience_plans WHERE workspace_id = ?1",
    )
    .and_then(|mut s| {
        s.query_row([ws], |r| {
            Ok(StoredAudience {
                json: r.get(0)?,
                updated_by: r.get(1)?,
                updated_at: time(r, 2)?,
            })
        })
        .optional()
    })
    .map_err(db("reading the audience plan"))
}

/// Stores the audience plan (JSON checked by the caller) and audits `audience.update` with
/// `detail`.
pub(super) fn put_audience(
    conn: &mut Connection,
    workspace: &WorkspaceId,
    audience: &StoredAudience,
    detail: &str,
) -> StoreResult<()> {
    check_audience(audience)?;
    let ws = workspace_id(conn, &workspace.0)?;
    let failed = db("storing the audience plan");
    let tx = conn.transaction().map_err(&failed)?;
    tx.prepare_cached(
        "INSERT INTO audience_plans (workspace_id, json, updated_by, updated_at) \
         VALUES (?1, ?2, ?3, ?4) ON CONFLICT (workspace_id) DO UPDATE SET \
         json = excluded.json, updated_by = excluded.updated_by, updated_at = excluded.updated_at",
    )
    .and_then(|mut s| {
        s.execute(params![
            ws,
            audience.json,
            audience.updated_by,
            micros(audience.updated_at)
        ])
    })
    .map_err(&failed)?;
    accounts::append_audit(
        &tx,
        &AuditEntry {
            at: audience.updated_at,
            actor: audience.updated_by.clone(),
            workspace: Some(workspace.clone()),
            action: "audience.update".to_owned(),
            target: "audience".to_owned(),
            detail: detail.to_owned(),
        },
    )?;
    tx.commit().map_err(&failed)
}

/// Counts the workspace's posts through the calendar index's leading column; posts are
/// made by hand, so a workspace has thousands at most.
pub(super) fn post_tally(conn: &Connection, workspace: &WorkspaceId) -> StoreResult<PostTally> {
    let ws = workspace_id(conn, &workspace.0)?;
    conn.prepare_cached(
        "SELECT \
           coalesce(sum(approved_by IS NOT NULL \
                        AND status IN ('approved', 'scheduled', 'published')), 0), \
           coalesce(sum(status = 'published'), 0), \
           coalesce(sum(status = 'published' AND approved_by IS NULL), 0) \
         FROM posts WHERE workspace_id = ?1",
    )
    .and_then(|mut s| {
        s.query_row([ws], |r| {
            let count = |i: usize| r.get::<_, i64>(i).map(|v| u64::try_from(v).unwrap_or(0));
            Ok(PostTally {
                approved: count(0)?,
                published: count(1)?,
                published_unapproved: count(2)?,
            })
        })
    })
    .map_err(db("counting the posts"))
}
