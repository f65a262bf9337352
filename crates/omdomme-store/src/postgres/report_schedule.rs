//! The e-mailed leadership report (schema 12): the schedule per workspace and each
//! sending, with the embedded store's rules (`crate::report_schedule`).
//!
//! A period's scheduled sending is claimed against the partial unique index on (workspace,
//! period): the first claim inserts the row (a racing insert finds it and gets nothing), a
//! retry of a failure updates it under its row lock, so however many processes claim a
//! period at once, one wins.

use jiff::Timestamp;
use omdomme_core::WorkspaceId;
use tokio_postgres::types::Json;
use tokio_postgres::{GenericClient, Row};

use super::time::PgTime;
use super::{Client, accounts, db, text, workspace_id};
use crate::report_schedule::{
    Cadence, NewReportSend, ReportSchedule, ReportSend, SendState, check_addresses, check_schedule,
    finished, may_retry,
};
use crate::{AuditEntry, StoreError, StoreResult, UiLanguage};

fn stored<T>(what: &str, word: &str, parse: impl Fn(&str) -> Option<T>) -> StoreResult<T> {
    parse(word).ok_or_else(|| StoreError::Database(format!("unknown {what} `{word}` stored")))
}

/// Addresses as stored: a JSON array whose strings PostgreSQL can hold.
fn to_stored(addresses: &[String]) -> Json<Vec<String>> {
    Json(
        addresses
            .iter()
            .map(|a| text::encode(a).into_owned())
            .collect(),
    )
}

fn addresses(row: &Row, index: usize) -> StoreResult<Vec<String>> {
    let Json(stored) = row
        .try_get::<_, Json<Vec<String>>>(index)
        .map_err(db("reading the report's addresses"))?;
    Ok(stored.into_iter().map(text::decode).collect())
}

const SCHEDULE_COLUMNS: &str =
    "r.cadence, r.language, r.to_leaders, r.addresses, r.updated_by, r.updated_at";

fn read_schedule(row: &Row, first: usize) -> StoreResult<ReportSchedule> {
    let updated_at: PgTime = row
        .try_get(first + 5)
        .map_err(db("reading the report schedule"))?;
    Ok(ReportSchedule {
        cadence: stored("cadence", row.get(first), Cadence::parse)?,
        language: stored("language", row.get(first + 1), UiLanguage::parse)?,
        to_leaders: row.get(first + 2),
        addresses: addresses(row, first + 3)?,
        updated_by: text::decode(row.get(first + 4)),
        updated_at: updated_at.0,
    })
}

pub(super) async fn schedule(
    client: &impl GenericClient,
    workspace: &WorkspaceId,
) -> StoreResult<Option<ReportSchedule>> {
    let ws = workspace_id(client, &workspace.0).await?;
    client
        .query_opt(
            &format!("SELECT {SCHEDULE_COLUMNS} FROM report_schedules r WHERE r.workspace_id = $1"),
            &[&ws],
        )
        .await
        .map_err(db("reading the report schedule"))?
        .map(|r| read_schedule(&r, 0))
        .transpose()
}

/// Every workspace whose report goes out by itself.
pub(super) async fn schedules(
    client: &impl GenericClient,
) -> StoreResult<Vec<(WorkspaceId, ReportSchedule)>> {
    client
        .query(
            &format!(
                "SELECT w.key, {SCHEDULE_COLUMNS} FROM report_schedules r \
                 JOIN workspaces w ON w.id = r.workspace_id WHERE r.cadence <> 'off' \
                 ORDER BY w.key"
            ),
            &[],
        )
        .await
        .map_err(db("reading the report schedules"))?
        .iter()
        .map(|r| Ok((WorkspaceId(r.get(0)), read_schedule(r, 1)?)))
        .collect()
}

/// Replaces the schedule and audits `report_schedule.update` in the same transaction.
pub(super) async fn put_schedule(
    client: &mut Client,
    workspace: &WorkspaceId,
    schedule: &ReportSchedule,
    detail: &str,
) -> StoreResult<()> {
    check_schedule(schedule)?;
    let failed = db("storing the report schedule");
    let tx = client.transaction().await.map_err(&failed)?;
    let ws = workspace_id(&*tx, &workspace.0).await?;
    tx.execute(
        "INSERT INTO report_schedules \
         (workspace_id, cadence, language, to_leaders, addresses, updated_by, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (workspace_id) DO UPDATE SET \
         cadence = excluded.cadence, language = excluded.language, \
         to_leaders = excluded.to_leaders, addresses = excluded.addresses, \
         updated_by = excluded.updated_by, updated_at = excluded.updated_at",
        &[
            &ws,
            &schedule.cadence.as_str(),
            &schedule.language.as_str(),
            &schedule.to_leaders,
            &to_stored(&schedule.addresses),
            &text::encode(&schedule.updated_by),
            &PgTime(schedule.updated_at),
        ],
    )
    .await
    .map_err(&failed)?;
    accounts::append_audit(
        &*tx,
        &AuditEntry {
            at: schedule.updated_at,
            actor: schedule.updated_by.clone(),
            workspace: Some(workspace.clone()),
            action: "report_schedule.update".to_owned(),
            target: "report_schedule".to_owned(),
            detail: detail.to_owned(),
        },
    )
    .await?;
    tx.commit().await.map_err(&failed)
}

const SEND_COLUMNS: &str = "id, period, scheduled, language, recipients, requested_by, state, \
     attempts, detail, started_at, finished_at";

fn read_send(row: &Row) -> StoreResult<ReportSend> {
    let failed = db("reading a sending of the report");
    let started_at: PgTime = row.try_get(9).map_err(&failed)?;
    let finished_at: Option<PgTime> = row.try_get(10).map_err(&failed)?;
    Ok(ReportSend {
        id: row.get(0),
        period: text::decode(row.get(1)),
        scheduled: row.get(2),
        language: stored("language", row.get(3), UiLanguage::parse)?,
        recipients: addresses(row, 4)?,
        requested_by: text::decode(row.get(5)),
        state: stored("sending state", row.get(6), SendState::parse)?,
        attempts: u32::try_from(row.get::<_, i32>(7)).unwrap_or(0),
        detail: text::decode(row.get(8)),
        started_at: started_at.0,
        finished_at: finished_at.map(|t| t.0),
    })
}

/// Records a sending as under way and returns its id, or `None` when the period's scheduled
/// sending is already claimed (sent, under way, or failed too recently or too often).
pub(super) async fn begin_send(
    client: &mut Client,
    workspace: &WorkspaceId,
    send: &NewReportSend,
) -> StoreResult<Option<i64>> {
    check_addresses(&send.recipients)?;
    let failed = db("recording the report's sending");
    let tx = client.transaction().await.map_err(&failed)?;
    let ws = workspace_id(&*tx, &workspace.0).await?;
    let period = text::encode(&send.period);
    let recipients = to_stored(&send.recipients);
    let requested_by = text::encode(&send.requested_by);
    let at = PgTime(send.at);
    // A period's scheduled row, locked: a racing claim waits here, then sees it claimed.
    let earlier = if send.scheduled {
        tx.query_opt(
            "SELECT id, state, attempts, finished_at FROM report_sends \
             WHERE workspace_id = $1 AND period = $2 AND scheduled FOR UPDATE",
            &[&ws, &period],
        )
        .await
        .map_err(&failed)?
    } else {
        None
    };
    let id = match earlier {
        None => {
            // A racing claim that inserted first leaves no row to return: the period is
            // claimed.
            let inserted = tx
                .query_opt(
                    "INSERT INTO report_sends (workspace_id, period, scheduled, language, \
                     recipients, requested_by, state, attempts, detail, started_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, 'sending', 1, '', $7) \
                     ON CONFLICT (workspace_id, period) WHERE scheduled DO NOTHING \
                     RETURNING id",
                    &[
                        &ws,
                        &period,
                        &send.scheduled,
                        &send.language.as_str(),
                        &recipients,
                        &requested_by,
                        &at,
                    ],
                )
                .await
                .map_err(&failed)?;
            match inserted {
                Some(row) => row.get::<_, i64>(0),
                None => return Ok(None),
            }
        }
        Some(row) => {
            let state = stored("sending state", row.get(1), SendState::parse)?;
            let tried = u32::try_from(row.get::<_, i32>(2)).unwrap_or(0);
            let finished_at: Option<PgTime> = row.try_get(3).map_err(&failed)?;
            if !may_retry(send, state, tried, finished_at.map(|t| t.0)) {
                return Ok(None);
            }
            let id: i64 = row.get(0);
            tx.execute(
                "UPDATE report_sends SET state = 'sending', attempts = attempts + 1, \
                 detail = '', language = $2, recipients = $3, started_at = $4, \
                 finished_at = NULL WHERE id = $1",
                &[&id, &send.language.as_str(), &recipients, &at],
            )
            .await
            .map_err(&failed)?;
            id
        }
    };
    tx.commit().await.map_err(&failed)?;
    Ok(Some(id))
}

/// Records how a sending ended: sent, or failed with `Err(reason)`.
pub(super) async fn finish_send(
    client: &impl GenericClient,
    workspace: &WorkspaceId,
    id: i64,
    outcome: &Result<(), String>,
    at: Timestamp,
) -> StoreResult<()> {
    let ws = workspace_id(client, &workspace.0).await?;
    let (state, detail) = finished(outcome.as_ref().map(|_| ()).map_err(String::as_str));
    let changed = client
        .execute(
            "UPDATE report_sends SET state = $3, detail = $4, finished_at = $5 \
             WHERE id = $2 AND workspace_id = $1 AND state = 'sending'",
            &[
                &ws,
                &id,
                &state.as_str(),
                &text::encode(&detail),
                &PgTime(at),
            ],
        )
        .await
        .map_err(db("recording the report's outcome"))?;
    if changed == 0 {
        return Err(StoreError::Conflict(format!(
            "report sending {id} is not under way"
        )));
    }
    Ok(())
}

/// The newest `limit` sendings of the workspace.
pub(super) async fn sends(
    client: &impl GenericClient,
    workspace: &WorkspaceId,
    limit: usize,
) -> StoreResult<Vec<ReportSend>> {
    let ws = workspace_id(client, &workspace.0).await?;
    let limit = i64::try_from(limit).unwrap_or(i64::MAX);
    client
        .query(
            &format!(
                "SELECT {SEND_COLUMNS} FROM report_sends WHERE workspace_id = $1 \
                 ORDER BY id DESC LIMIT $2"
            ),
            &[&ws, &limit],
        )
        .await
        .map_err(db("reading the report's sendings"))?
        .iter()
        .map(read_send)
        .collect()
}
