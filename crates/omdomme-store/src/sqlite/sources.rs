//! Defined sources: their definitions, cursors, health and sealed credentials, in the
//! `sources` table that also gives items their source id. A row whose `spec` is NULL is a
//! source only seen in items (a file import, or a source whose definition was deleted):
//! it is not listed and has no cursor.

use jiff::Timestamp;
use omdomme_core::{SourceHealth, SourceKey, SourceKind, WorkspaceId};
use rusqlite::{Connection, OptionalExtension, params};

use super::{db, workspace_id};
use crate::{SourceDefinition, SourceOrigin, SourceRecord, StoreError, StoreResult};

fn not_defined(workspace: &WorkspaceId, source: &SourceKey) -> StoreError {
    StoreError::NotFound {
        what: format!("source {source} in workspace `{workspace}`"),
    }
}

/// The id of a defined source.
pub(super) fn defined_id(
    conn: &Connection,
    ws: i64,
    workspace: &WorkspaceId,
    source: &SourceKey,
) -> StoreResult<i64> {
    conn.prepare_cached(
        "SELECT id FROM sources WHERE workspace_id = ?1 AND kind = ?2 AND name = ?3 \
         AND spec IS NOT NULL",
    )
    .and_then(|mut s| {
        s.query_row(params![ws, source.kind.as_str(), source.name], |r| r.get(0))
            .optional()
    })
    .map_err(db("looking up the source"))?
    .ok_or_else(|| not_defined(workspace, source))
}

pub(super) fn put(
    conn: &Connection,
    workspace: &WorkspaceId,
    source: &SourceDefinition,
    at: Timestamp,
) -> StoreResult<()> {
    let ws = workspace_id(conn, &workspace.0)?;
    let spec = serde_json::to_string(&source.spec)
        .map_err(|e| StoreError::Invalid(format!("the spec of source {}: {e}", source.key)))?;
    conn.prepare_cached(
        "INSERT INTO sources (workspace_id, kind, name, spec, origin, enabled, created_at, \
         updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7) \
         ON CONFLICT (workspace_id, kind, name) DO UPDATE SET spec = excluded.spec, \
         origin = excluded.origin, enabled = excluded.enabled, \
         created_at = coalesce(sources.created_at, excluded.created_at), \
         updated_at = excluded.updated_at",
    )
    .and_then(|mut s| {
        s.execute(params![
            ws,
            source.key.kind.as_str(),
            source.key.name,
            spec,
            source.origin.as_str(),
            source.enabled,
            at.as_microsecond()
        ])
    })
    .map_err(db("storing the source"))?;
    Ok(())
}

const RECORD_COLUMNS: &str = "kind, name, spec, origin, enabled, cursor, health, \
     credential IS NOT NULL, created_at, updated_at";

fn conversion(
    column: usize,
    error: impl Into<Box<dyn std::error::Error + Send + Sync>>,
) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(column, rusqlite::types::Type::Text, error.into())
}

fn timestamp(row: &rusqlite::Row<'_>, column: usize) -> rusqlite::Result<Timestamp> {
    let micros: Option<i64> = row.get(column)?;
    Timestamp::from_microsecond(micros.unwrap_or(0)).map_err(|e| conversion(column, e))
}

fn read_record(workspace: &WorkspaceId, row: &rusqlite::Row<'_>) -> rusqlite::Result<SourceRecord> {
    let kind: String = row.get(0)?;
    let kind = SourceKind::parse(&kind)
        .ok_or_else(|| conversion(0, format!("unknown source kind `{kind}`")))?;
    let spec: String = row.get(2)?;
    let origin: String = row.get(3)?;
    let health: Option<String> = row.get(6)?;
    Ok(SourceRecord {
        workspace: workspace.clone(),
        key: SourceKey::new(kind, row.get::<_, String>(1)?),
        spec: serde_json::from_str(&spec).map_err(|e| conversion(2, e))?,
        origin: SourceOrigin::parse(&origin)
            .ok_or_else(|| conversion(3, format!("unknown source origin `{origin}`")))?,
        enabled: row.get(4)?,
        cursor: row.get(5)?,
        health: match health {
            Some(json) => serde_json::from_str(&json).map_err(|e| conversion(6, e))?,
            None => SourceHealth::default(),
        },
        has_credential: row.get(7)?,
        created_at: timestamp(row, 8)?,
        updated_at: timestamp(row, 9)?,
    })
}

pub(super) fn list(conn: &Connection, workspace: &WorkspaceId) -> StoreResult<Vec<SourceRecord>> {
    let ws = workspace_id(conn, &workspace.0)?;
    let failed = db("reading sources");
    let mut stmt = conn
        .prepare_cached(&format!(
            "SELECT {RECORD_COLUMNS} FROM sources WHERE workspace_id = ?1 AND spec IS NOT NULL \
             ORDER BY kind, name"
        ))
        .map_err(&failed)?;
    let rows = stmt
        .query_map([ws], |r| read_record(workspace, r))
        .map_err(&failed)?;
    rows.collect::<Result<Vec<_>, _>>().map_err(&failed)
}

pub(super) fn one(
    conn: &Connection,
    workspace: &WorkspaceId,
    source: &SourceKey,
) -> StoreResult<Option<SourceRecord>> {
    let ws = workspace_id(conn, &workspace.0)?;
    conn.prepare_cached(&format!(
        "SELECT {RECORD_COLUMNS} FROM sources WHERE workspace_id = ?1 AND kind = ?2 \
         AND name = ?3 AND spec IS NOT NULL"
    ))
    .and_then(|mut s| {
        s.query_row(params![ws, source.kind.as_str(), source.name], |r| {
            read_record(workspace, r)
        })
        .optional()
    })
    .map_err(db("reading the source"))
}

pub(super) fn delete(
    conn: &Connection,
    workspace: &WorkspaceId,
    source: &SourceKey,
) -> StoreResult<bool> {
    let ws = workspace_id(conn, &workspace.0)?;
    // The row stays: the source's items refer to it.
    let changed = conn
        .prepare_cached(
            "UPDATE sources SET spec = NULL, origin = NULL, enabled = 1, cursor = NULL, \
             health = NULL, credential = NULL, created_at = NULL, updated_at = NULL \
             WHERE workspace_id = ?1 AND kind = ?2 AND name = ?3 AND spec IS NOT NULL",
        )
        .and_then(|mut s| s.execute(params![ws, source.kind.as_str(), source.name]))
        .map_err(db("deleting the source"))?;
    Ok(changed > 0)
}

pub(super) fn cursor(
    conn: &Connection,
    workspace: &WorkspaceId,
    source: &SourceKey,
) -> StoreResult<Option<String>> {
    let ws = workspace_id(conn, &workspace.0)?;
    let id = defined_id(conn, ws, workspace, source)?;
    conn.prepare_cached("SELECT cursor FROM sources WHERE id = ?1")
        .and_then(|mut s| s.query_row([id], |r| r.get(0)))
        .map_err(db("reading the cursor"))
}

pub(super) fn put_health(
    conn: &Connection,
    workspace: &WorkspaceId,
    source: &SourceKey,
    health: &SourceHealth,
) -> StoreResult<()> {
    let json = serde_json::to_string(health)
        .map_err(|e| StoreError::Invalid(format!("the health of source {source}: {e}")))?;
    let ws = workspace_id(conn, &workspace.0)?;
    let id = defined_id(conn, ws, workspace, source)?;
    conn.prepare_cached("UPDATE sources SET health = ?1 WHERE id = ?2")
        .and_then(|mut s| s.execute(params![json, id]))
        .map_err(db("storing the source's health"))?;
    Ok(())
}

pub(super) fn put_credential(
    conn: &Connection,
    workspace: &WorkspaceId,
    source: &SourceKey,
    sealed: &[u8],
) -> StoreResult<()> {
    let ws = workspace_id(conn, &workspace.0)?;
    let id = defined_id(conn, ws, workspace, source)?;
    conn.prepare_cached("UPDATE sources SET credential = ?1 WHERE id = ?2")
        .and_then(|mut s| s.execute(params![sealed, id]))
        .map_err(db("storing the source's credential"))?;
    Ok(())
}

pub(super) fn credential(
    conn: &Connection,
    workspace: &WorkspaceId,
    source: &SourceKey,
) -> StoreResult<Option<Vec<u8>>> {
    let ws = workspace_id(conn, &workspace.0)?;
    let id = defined_id(conn, ws, workspace, source)?;
    conn.prepare_cached("SELECT credential FROM sources WHERE id = ?1")
        .and_then(|mut s| s.query_row([id], |r| r.get(0)))
        .map_err(db("reading the source's credential"))
}
