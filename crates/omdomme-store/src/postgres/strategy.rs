//! The strategy (schema 10): business type and channel roles, and the audience planner's
//! figures, with the embedded store's rules (`crate::strategy`). Each change writes its
//! audit entry in its own transaction.

use omdomme_core::{SourceKind, WorkspaceId};
use tokio_postgres::GenericClient;

use super::time::PgTime;
use super::{Client, accounts, db, text, workspace_id};
use crate::strategy::{
    BusinessType, ChannelRole, PostTally, StoredAudience, Strategy, check_audience, check_strategy,
};
use crate::{AuditEntry, StoreError, StoreResult};

pub(super) async fn strategy(
    client: &impl GenericClient,
    workspace: &WorkspaceId,
) -> StoreResult<Option<Strategy>> {
    let ws = workspace_id(client, &workspace.0).await?;
    let failed = db("reading the strategy");
    let Some(head) = client
        .query_opt(
            "SELECT business_type, updated_by, updated_at FROM strategies \
             WHERE workspace_id = $1",
            &[&ws],
        )
        .await
        .map_err(&failed)?
    else {
        return Ok(None);
    };
    let business_type = head
        .get::<_, Option<String>>(0)
        .map(|b| {
            BusinessType::parse(&b)
                .ok_or_else(|| StoreError::Database(format!("unknown business type `{b}` stored")))
        })
        .transpose()?;
    let updated_at: PgTime = head.try_get(2).map_err(&failed)?;
    let mut roles = client
        .query(
            "SELECT channel, purpose FROM channel_roles WHERE workspace_id = $1",
            &[&ws],
        )
        .await
        .map_err(&failed)?
        .iter()
        .map(|r| {
            let channel: String = r.get(0);
            Ok(ChannelRole {
                channel: SourceKind::parse(&channel).ok_or_else(|| {
                    StoreError::Database(format!("unknown source kind `{channel}` stored"))
                })?,
                purpose: text::decode(r.get(1)),
            })
        })
        .collect::<StoreResult<Vec<_>>>()?;
    roles.sort_by_key(|r| r.channel);
    Ok(Some(Strategy {
        business_type,
        roles,
        updated_by: text::decode(head.get(1)),
        updated_at: updated_at.0,
    }))
}

/// Replaces the business type and every channel role, and audits `strategy.update` with
/// `detail`.
pub(super) async fn put_strategy(
    client: &mut Client,
    workspace: &WorkspaceId,
    strategy: &Strategy,
    detail: &str,
) -> StoreResult<()> {
    check_strategy(strategy)?;
    let failed = db("storing the strategy");
    let tx = client.transaction().await.map_err(&failed)?;
    let ws = workspace_id(&*tx, &workspace.0).await?;
    tx.execute(
        "INSERT INTO strategies (workspace_id, business_type, updated_by, updated_at) \
         VALUES ($1, $2, $3, $4) ON CONFLICT (workspace_id) DO UPDATE SET \
         business_type = excluded.business_type, updated_by = excluded.updated_by, \
         updated_at = excluded.updated_at",
        &[
            &ws,
            &strategy.business_type.map(BusinessType::as_str),
            &text::encode(&strategy.updated_by),
            &PgTime(strategy.updated_at),
        ],
    )
    .await
    .map_err(&failed)?;
    tx.execute("DELETE FROM channel_roles WHERE workspace_id = $1", &[&ws])
        .await
        .map_err(&failed)?;
    let channels: Vec<&str> = strategy.roles.iter().map(|r| r.channel.as_str()).collect();
    let purposes: Vec<String> = strategy
        .roles
        .iter()
        .map(|r| text::encode(&r.purpose).into_owned())
        .collect();
    tx.execute(
        "INSERT INTO channel_roles (workspace_id, channel, purpose) \
         SELECT $1, channel, purpose FROM unnest($2::text[], $3::text[]) AS r (channel, purpose)",
        &[&ws, &channels, &purposes],
    )
    .await
    .map_err(&failed)?;
    accounts::append_audit(
        &*tx,
        &AuditEntry {
            at: strategy.updated_at,
            actor: strategy.updated_by.clone(),
            workspace: Some(workspace.clone()),
            action: "strategy.update".to_owned(),
            target: "strategy".to_owned(),
            detail: detail.to_owned(),
        },
    )
    .await?;
    tx.commit().await.map_err(&failed)
}

pub(super) async fn audience(
    client: &impl GenericClient,
    workspace: &WorkspaceId,
) -> StoreResult<Option<StoredAudience>> {
    let ws = workspace_id(client, &workspace.0).await?;
    let failed = db("reading the audience plan");
    client
        .query_opt(
            "SELECT json::text, updated_by, updated_at FROM audience_plans \
             WHERE workspace_id = $1",
            &[&ws],
        )
        .await
        .map_err(&failed)?
        .map(|r| {
            let updated_at: PgTime = r.try_get(2).map_err(&failed)?;
            Ok(StoredAudience {
                json: r.get(0),
                updated_by: text::decode(r.get(1)),
                updated_at: updated_at.0,
            })
        })
        .transpose()
}

/// Stores the audience plan (JSON checked by the caller) and audits `audience.update` with
/// `detail`.
pub(super) async fn put_audience(
    client: &mut Client,
    workspace: &WorkspaceId,
    audience: &StoredAudience,
    detail: &str,
) -> StoreResult<()> {
    check_audience(audience)?;
    let failed = db("storing the audience plan");
    let tx = client.transaction().await.map_err(&failed)?;
    let ws = workspace_id(&*tx, &workspace.0).await?;
    tx.execute(
        "INSERT INTO audience_plans (workspace_id, json, updated_by, updated_at) \
         VALUES ($1, $2::text::json, $3, $4) ON CONFLICT (workspace_id) DO UPDATE SET \
         json = excluded.json, updated_by = excluded.updated_by, \
         updated_at = excluded.updated_at",
        &[
            &ws,
            &audience.json,
            &text::encode(&audience.updated_by),
            &PgTime(audience.updated_at),
        ],
    )
    .await
    .map_err(&failed)?;
    accounts::append_audit(
        &*tx,
        &AuditEntry {
            at: audience.updated_at,
            actor: audience.updated_by.clone(),
            workspace: Some(workspace.clone()),
            action: "audience.update".to_owned(),
            target: "audience".to_owned(),
            detail: detail.to_owned(),
        },
    )
    .await?;
    tx.commit().await.map_err(&failed)
}

pub(super) async fn post_tally(
    client: &impl GenericClient,
    workspace: &WorkspaceId,
) -> StoreResult<PostTally> {
    let ws = workspace_id(client, &workspace.0).await?;
    let row = client
        .query_one(
            "SELECT \
               count(*) FILTER (WHERE approved_by IS NOT NULL \
                                AND status IN ('approved', 'scheduled', 'published')), \
               count(*) FILTER (WHERE status = 'published'), \
               count(*) FILTER (WHERE status = 'published' AND approved_by IS NULL) \
             FROM posts WHERE workspace_id = $1",
            &[&ws],
        )
        .await
        .map_err(db("counting the posts"))?;
    let count = |i: usize| u64::try_from(row.get::<_, i64>(i)).unwrap_or(0);
    Ok(PostTally {
        approved: count(0),
        published: count(1),
        published_unapproved: count(2),
    })
}
