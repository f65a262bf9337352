//! The e-mailed leadership report in SQLite (schema 12): the schedule per workspace and
//! each sending. A scheduled sending is claimed in one transaction that finds the period's
//! row, so two claims of a period never both win.

use omdomme_core::WorkspaceId;
use rusqlite::{Connection, OptionalExtension, Row, params};

use super::inbox::{bad_text, micros, opt_time, time};
use super::{accounts, db, workspace_id};
use crate::report_schedule::{
    Cadence, NewReportSend, ReportSchedule, ReportSend, SendState, check_addresses, check_schedule,
    finished, may_retry,
};
use crate::{AuditEntry, StoreError, StoreResult, UiLanguage};

fn language(row: &Row<'_>, index: usize) -> rusqlite::Result<UiLanguage> {
    let code: String = row.get(index)?;
    UiLanguage::parse(&code).ok_or_else(|| bad_text(index, "language", code))
}

fn addresses(row: &Row<'_>, index: usize) -> rusqlite::Result<Vec<String>> {
    let json: String = row.get(index)?;
    serde_json::from_str(&json).map_err(|e| {
        rusqlite::Error::FromSqlConversionFailure(index, rusqlite::types::Type::Text, e.into())
    })
}

fn to_json(addresses: &[String]) -> StoreResult<String> {
    serde_json::to_string(addresses)
        .map_err(|e| StoreError::Database(format!("writing the addresses: {e}")))
}

const SCHEDULE_COLUMNS: &str =
    "r.cadence, r.language, r.to_leaders, r.addresses, r.updated_by, r.updated_at";

fn read_schedule(row: &Row<'_>, first: usize) -> rusqlite::Result<ReportSchedule> {
    let cadence: String = row.get(first)?;
    Ok(ReportSchedule {
        cadence: Cadence::parse(&cadence).ok_or_else(|| bad_text(first, "cadence", cadence))?,
        language: language(row, first + 1)?,
        to_leaders: row.get(first + 2)?,
        addresses: addresses(row, first + 3)?,
        updated_by: row.get(first + 4)?,
        updated_at: time(row, first + 5)?,
    })
}

pub(super) fn schedule(
    conn: &Connection,
    workspace: &WorkspaceId,
) -> StoreResult<Option<ReportSchedule>> {
    let ws = workspace_id(conn, &workspace.0)?;
    conn.prepare_cached(&format!(
        "SELECT {SCHEDULE_COLUMNS} FROM report_schedules r WHERE r.workspace_id = ?1"
    ))
    .and_then(|mut s| s.query_row([ws], |r| read_schedule(r, 0)).optional())
    .map_err(db("reading the report schedule"))
}

/// Every workspace whose report goes out by itself.
pub(super) fn schedules(conn: &Connection) -> StoreResult<Vec<(WorkspaceId, ReportSchedule)>> {
    conn.prepare_cached(&format!(
        "SELECT w.key, {SCHEDULE_COLUMNS} FROM report_schedules r \
         JOIN workspaces w ON w.id = r.workspace_id WHERE r.cadence != 'off' ORDER BY w.key"
    ))
    .and_then(|mut s| {
        s.query_map([], |r| Ok((WorkspaceId(r.get(0)?), read_schedule(r, 1)?)))?
            .collect()
    })
    .map_err(db("reading the report schedules"))
}

/// Replaces the schedule and audits `report_schedule.update` in the same transaction.
pub(super) fn put_schedule(
    conn: &mut Connection,
    workspace: &WorkspaceId,
    schedule: &ReportSchedule,
    detail: &str,
) -> StoreResult<()> {
    check_schedule(schedule)?;
    let ws = workspace_id(conn, &workspace.0)?;
    let addresses = to_json(&schedule.addresses)?;
    let failed = db("storing the report schedule");
    let tx = conn.transaction().map_err(&failed)?;
    tx.prepare_cached(
        "INSERT INTO report_schedules \
         (workspace_id, cadence, language, to_leaders, addresses, updated_by, updated_at) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT (workspace_id) DO UPDATE SET \
         cadence = excluded.cadence, language = excluded.language, \
         to_leaders = excluded.to_leaders, addresses = excluded.addresses, \
         updated_by = excluded.updated_by, updated_at = excluded.updated_at",
    )
    .and_then(|mut s| {
        s.execute(params![
            ws,
            schedule.cadence.as_str(),
            schedule.language.as_str(),
            schedule.to_leaders,
            addresses,
            schedule.updated_by,
            micros(schedule.updated_at)
        ])
    })
    .map_err(&failed)?;
    accounts::append_audit(
        &tx,
        &AuditEntry {
            at: schedule.updated_at,
            actor: schedule.updated_by.clone(),
            workspace: Some(workspace.clone()),
            action: "report_schedule.update".to_owned(),
            target: "report_schedule".to_owned(),
            detail: detail.to_owned(),
        },
    )?;
    tx.commit().map_err(&failed)
}

const SEND_COLUMNS: &str = "id, period, scheduled, language, recipients, requested_by, state, \
     attempts, detail, started_at, finished_at";

fn read_send(row: &Row<'_>) -> rusqlite::Result<ReportSend> {
    let state: String = row.get(6)?;
    Ok(ReportSend {
        id: row.get(0)?,
        period: row.get(1)?,
        scheduled: row.get(2)?,
        language: language(row, 3)?,
        recipients: addresses(row, 4)?,
        requested_by: row.get(5)?,
        state: SendState::parse(&state).ok_or_else(|| bad_text(6, "sending state", state))?,
        attempts: row.get(7)?,
        detail: row.get(8)?,
        started_at: time(row, 9)?,
        finished_at: opt_time(row, 10)?,
    })
}

/// Records a sending as under way and returns its id, or `None` when the period's scheduled
/// sending is already claimed (sent, under way, or failed too recently or too often).
pub(super) fn begin_send(
    conn: &mut Connection,
    workspace: &WorkspaceId,
    send: &NewReportSend,
) -> StoreResult<Option<i64>> {
    check_addresses(&send.recipients)?;
    let ws = workspace_id(conn, &workspace.0)?;
    let recipients = to_json(&send.recipients)?;
    let failed = db("recording the report's sending");
    let tx = conn.transaction().map_err(&failed)?;
    let earlier: Option<(i64, SendState, u32, Option<jiff::Timestamp>)> = if send.scheduled {
        tx.prepare_cached(
            "SELECT id, state, attempts, finished_at FROM report_sends \
             WHERE workspace_id = ?1 AND period = ?2 AND scheduled = 1",
        )
        .and_then(|mut s| {
            s.query_row(params![ws, send.period], |r| {
                let state: String = r.get(1)?;
                let state =
                    SendState::parse(&state).ok_or_else(|| bad_text(1, "sending state", state))?;
                Ok((r.get(0)?, state, r.get(2)?, opt_time(r, 3)?))
            })
            .optional()
        })
        .map_err(&failed)?
    } else {
        None
    };
    let id = match earlier {
        None => {
            tx.prepare_cached(
                "INSERT INTO report_sends (workspace_id, period, scheduled, language, \
                 recipients, requested_by, state, attempts, detail, started_at) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'sending', 1, '', ?7)",
            )
            .and_then(|mut s| {
                s.execute(params![
                    ws,
                    send.period,
                    send.scheduled,
                    send.language.as_str(),
                    recipients,
                    send.requested_by,
                    micros(send.at)
                ])
            })
            .map_err(&failed)?;
            tx.last_insert_rowid()
        }
        Some((id, state, attempts, finished_at))
            if may_retry(send, state, attempts, finished_at) =>
        {
            tx.prepare_cached(
                "UPDATE report_sends SET state = 'sending', attempts = attempts + 1, \
                 detail = '', language = ?2, recipients = ?3, started_at = ?4, \
                 finished_at = NULL WHERE id = ?1",
            )
            .and_then(|mut s| {
                s.execute(params![
                    id,
                    send.language.as_str(),
                    recipients,
                    micros(send.at)
                ])
            })
            .map_err(&failed)?;
            id
        }
        Some(_) => return Ok(None),
    };
    tx.commit().map_err(&failed)?;
    Ok(Some(id))
}

/// Records how a sending ended: sent, or failed with `Err(reason)`.
pub(super) fn finish_send(
    conn: &Connection,
    workspace: &WorkspaceId,
    id: i64,
    outcome: Result<(), &str>,
    at: jiff::Timestamp,
) -> StoreResult<()> {
    let ws = workspace_id(conn, &workspace.0)?;
    let (state, detail) = finished(outcome);
    let changed = conn
        .prepare_cached(
            "UPDATE report_sends SET state = ?3, detail = ?4, finished_at = ?5 \
             WHERE id = ?2 AND workspace_id = ?1 AND state = 'sending'",
        )
        .and_then(|mut s| s.execute(params![ws, id, state.as_str(), detail, micros(at)]))
        .map_err(db("recording the report's outcome"))?;
    if changed == 0 {
        return Err(StoreError::Conflict(format!(
            "report sending {id} is not under way"
        )));
    }
    Ok(())
}

/// The newest `limit` sendings of the workspace.
pub(super) fn sends(
    conn: &Connection,
    workspace: &WorkspaceId,
    limit: usize,
) -> StoreResult<Vec<ReportSend>> {
    let ws = workspace_id(conn, &workspace.0)?;
    conn.prepare_cached(&format!(
        "SELECT {SEND_COLUMNS} FROM report_sends WHERE workspace_id = ?1 ORDER BY id DESC LIMIT ?2"
    ))
    .and_then(|mut s| s.query_map(params![ws, limit as i64], read_send)?.collect())
    .map_err(db("reading the report's sendings"))
}
