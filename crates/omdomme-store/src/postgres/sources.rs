//! Defined sources: their definitions, cursors, health and sealed credentials, in the
//! `sources` table that also gives items their source id. A row whose `spec` is NULL is a
//! source only seen in items: it is not listed and has no cursor.

use jiff::Timestamp;
use omdomme_core::{SourceHealth, SourceKey, SourceKind, WorkspaceId};
use tokio_postgres::types::Json;
use tokio_postgres::{GenericClient, Row};

use super::time::PgTime;
use super::{db, workspace_id};
use crate::{SourceDefinition, SourceOrigin, SourceRecord, StoreError, StoreResult};

fn not_defined(workspace: &WorkspaceId, source: &SourceKey) -> StoreError {
    StoreError::NotFound {
        what: format!("source {source} in workspace `{workspace}`"),
    }
}

/// The id of a defined source.
pub(super) async fn defined_id(
    client: &impl GenericClient,
    ws: i64,
    workspace: &WorkspaceId,
    source: &SourceKey,
) -> StoreResult<i64> {
    client
        .query_opt(
            "SELECT id FROM sources WHERE workspace_id = $1 AND kind = $2 AND name = $3 \
             AND spec IS NOT NULL",
            &[&ws, &source.kind.as_str(), &source.name],
        )
        .await
        .map_err(db("looking up the source"))?
        .map(|r| r.get(0))
        .ok_or_else(|| not_defined(workspace, source))
}

pub(super) async fn put(
    client: &impl GenericClient,
    workspace: &WorkspaceId,
    source: &SourceDefinition,
    at: Timestamp,
) -> StoreResult<()> {
    let ws = workspace_id(client, &workspace.0).await?;
    client
        .execute(
            "INSERT INTO sources (workspace_id, kind, name, spec, origin, enabled, created_at, \
             updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $7) \
             ON CONFLICT (workspace_id, kind, name) DO UPDATE SET spec = excluded.spec, \
             origin = excluded.origin, enabled = excluded.enabled, \
             created_at = coalesce(sources.created_at, excluded.created_at), \
             updated_at = excluded.updated_at",
            &[
                &ws,
                &source.key.kind.as_str(),
                &source.key.name,
                &Json(&source.spec),
                &source.origin.as_str(),
                &source.enabled,
                &PgTime(at),
            ],
        )
        .await
        .map_err(db("storing the source"))?;
    Ok(())
}

const RECORD_COLUMNS: &str = "kind, name, spec, origin, enabled, cursor, health, \
     credential IS NOT NULL, created_at, updated_at";

fn read_record(workspace: &WorkspaceId, row: &Row) -> StoreResult<SourceRecord> {
    let failed = db("reading a source");
    let kind: String = row.get(0);
    let kind = SourceKind::parse(&kind)
        .ok_or_else(|| StoreError::Database(format!("unknown source kind `{kind}` stored")))?;
    let origin: String = row.get(3);
    let Json(spec) = row.try_get(2).map_err(&failed)?;
    let health: Option<Json<SourceHealth>> = row.try_get(6).map_err(&failed)?;
    let created: Option<PgTime> = row.try_get(8).map_err(&failed)?;
    let updated: Option<PgTime> = row.try_get(9).map_err(&failed)?;
    Ok(SourceRecord {
        workspace: workspace.clone(),
        key: SourceKey::new(kind, row.get::<_, String>(1)),
        spec,
        origin: SourceOrigin::parse(&origin).ok_or_else(|| {
            StoreError::Database(format!("unknown source origin `{origin}` stored"))
        })?,
        enabled: row.get(4),
        cursor: row.get(5),
        health: health.map(|Json(h)| h).unwrap_or_default(),
        has_credential: row.get(7),
        created_at: created.map_or(Timestamp::UNIX_EPOCH, |t| t.0),
        updated_at: updated.map_or(Timestamp::UNIX_EPOCH, |t| t.0),
    })
}

pub(super) async fn list(
    client: &impl GenericClient,
    workspace: &WorkspaceId,
) -> StoreResult<Vec<SourceRecord>> {
    let ws = workspace_id(client, &workspace.0).await?;
    client
        .query(
            &format!(
                "SELECT {RECORD_COLUMNS} FROM sources WHERE workspace_id = $1 \
                 AND spec IS NOT NULL ORDER BY kind, name"
            ),
            &[&ws],
        )
        .await
        .map_err(db("reading sources"))?
        .iter()
        .map(|r| read_record(workspace, r))
        .collect()
}

pub(super) async fn one(
    client: &impl GenericClient,
    workspace: &WorkspaceId,
    source: &SourceKey,
) -> StoreResult<Option<SourceRecord>> {
    let ws = workspace_id(client, &workspace.0).await?;
    client
        .query_opt(
            &format!(
                "SELECT {RECORD_COLUMNS} FROM sources WHERE workspace_id = $1 AND kind = $2 \
                 AND name = $3 AND spec IS NOT NULL"
            ),
            &[&ws, &source.kind.as_str(), &source.name],
        )
        .await
        .map_err(db("reading the source"))?
        .map(|r| read_record(workspace, &r))
        .transpose()
}

pub(super) async fn delete(
    client: &impl GenericClient,
    workspace: &WorkspaceId,
    source: &SourceKey,
) -> StoreResult<bool> {
    let ws = workspace_id(client, &workspace.0).await?;
    // The row stays: the source's items refer to it.
    let changed = client
        .execute(
            "UPDATE sources SET spec = NULL, origin = NULL, enabled = true, cursor = NULL, \
             health = NULL, credential = NULL, created_at = NULL, updated_at = NULL \
             WHERE workspace_id = $1 AND kind = $2 AND name = $3 AND spec IS NOT NULL",
            &[&ws, &source.kind.as_str(), &source.name],
        )
        .await
        .map_err(db("deleting the source"))?;
    Ok(changed > 0)
}

pub(super) async fn cursor(
    client: &impl GenericClient,
    workspace: &WorkspaceId,
    source: &SourceKey,
) -> StoreResult<Option<String>> {
    let ws = workspace_id(client, &workspace.0).await?;
    let id = defined_id(client, ws, workspace, source).await?;
    client
        .query_one("SELECT cursor FROM sources WHERE id = $1", &[&id])
        .await
        .map_err(db("reading the cursor"))
        .map(|r| r.get(0))
}

pub(super) async fn put_health(
    client: &impl GenericClient,
    workspace: &WorkspaceId,
    source: &SourceKey,
    health: &SourceHealth,
) -> StoreResult<()> {
    let ws = workspace_id(client, &workspace.0).await?;
    let id = defined_id(client, ws, workspace, source).await?;
    client
        .execute(
            "UPDATE sources SET health = $1 WHERE id = $2",
            &[&Json(health), &id],
        )
        .await
        .map_err(db("storing the source's health"))?;
    Ok(())
}

pub(super) async fn put_credential(
    client: &impl GenericClient,
    workspace: &WorkspaceId,
    source: &SourceKey,
    sealed: &[u8],
) -> StoreResult<()> {
    let ws = workspace_id(client, &workspace.0).await?;
    let id = defined_id(client, ws, workspace, source).await?;
    client
        .execute(
            "UPDATE sources SET credential = $1 WHERE id = $2",
            &[&sealed, &id],
        )
        .await
        .map_err(db("storing the source's credential"))?;
    Ok(())
}

pub(super) async fn credential(
    client: &impl GenericClient,
    workspace: &WorkspaceId,
    source: &SourceKey,
) -> StoreResult<Option<Vec<u8>>> {
    let ws = workspace_id(client, &workspace.0).await?;
    let id = defined_id(client, ws, workspace, source).await?;
    client
        .query_one("SELECT credential FROM sources WHERE id = $1", &[&id])
        .await
        .map_err(db("reading the source's credential"))
        .map(|r| r.get(0))
}
