//! Early warning in SQLite (schema 11): alert channels with their sealed targets, the
//! thresholds, alerts with their deliveries, the detector's cursor, and the baseline read
//! from the hourly rollups. Every change of a channel or the thresholds writes its audit
//! entry in the same transaction.

use omdomme_core::{BrandId, ItemId, Topic, WorkspaceId};
use rusqlite::{Connection, OptionalExtension, Row, params};

use super::inbox::{bad_text, micros, opt_time, time};
use super::rollups::ANY;
use super::{accounts, db, workspace_id};
use crate::alerts::{
    AlertBaseline, AlertChannel, AlertChannelDraft, AlertChannelKind, AlertDelivery, AlertQuery,
    BaselineHour, DeliveryState, NewAlert, StoredAlert, StoredThresholds, check_channel,
    check_page, check_thresholds, hour_start, rollup_hour, stored_error,
};
use crate::{AuditEntry, StoreError, StoreResult, UiLanguage};

const CHANNEL_COLUMNS: &str = "name, kind, hint, lang, enabled, updated_by, updated_at";

fn read_channel(r: &Row<'_>) -> rusqlite::Result<AlertChannel> {
    let kind: String = r.get(1)?;
    let lang: String = r.get(3)?;
    Ok(AlertChannel {
        name: r.get(0)?,
        kind: AlertChannelKind::parse(&kind).ok_or_else(|| bad_text(1, "channel kind", kind))?,
        hint: r.get(2)?,
        lang: UiLanguage::parse(&lang).ok_or_else(|| bad_text(3, "language", lang))?,
        enabled: r.get(4)?,
        updated_by: r.get(5)?,
        updated_at: time(r, 6)?,
    })
}

pub(super) fn channels(
    conn: &Connection,
    workspace: &WorkspaceId,
) -> StoreResult<Vec<AlertChannel>> {
    let ws = workspace_id(conn, &workspace.0)?;
    conn.prepare_cached(&format!(
        "SELECT {CHANNEL_COLUMNS} FROM alert_channels WHERE workspace_id = ?1 ORDER BY name"
    ))
    .and_then(|mut s| s.query_map([ws], read_channel)?.collect())
    .map_err(db("reading the alert channels"))
}

pub(super) fn channel_target(
    conn: &Connection,
    workspace: &WorkspaceId,
    name: &str,
) -> StoreResult<Option<Vec<u8>>> {
    let ws = workspace_id(conn, &workspace.0)?;
    conn.prepare_cached("SELECT sealed FROM alert_channels WHERE workspace_id = ?1 AND name = ?2")
        .and_then(|mut s| s.query_row(params![ws, name], |r| r.get(0)).optional())
        .map_err(db("reading an alert channel"))
}

/// Creates or changes a channel (keeping its sealed target when the draft has none) and
/// writes `audit` in the same transaction.
pub(super) fn put_channel(
    conn: &mut Connection,
    workspace: &WorkspaceId,
    draft: &AlertChannelDraft,
    audit: &AuditEntry,
) -> StoreResult<()> {
    check_channel(draft)?;
    let ws = workspace_id(conn, &workspace.0)?;
    let failed = db("storing an alert channel");
    let tx = conn.transaction().map_err(&failed)?;
    let c = &draft.channel;
    let changed = match &draft.sealed {
        Some(sealed) => tx
            .prepare_cached(
                "INSERT INTO alert_channels (workspace_id, name, kind, sealed, hint, lang, \
                 enabled, updated_by, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) \
                 ON CONFLICT (workspace_id, name) DO UPDATE SET kind = excluded.kind, \
                 sealed = excluded.sealed, hint = excluded.hint, lang = excluded.lang, \
                 enabled = excluded.enabled, updated_by = excluded.updated_by, \
                 updated_at = excluded.updated_at",
            )
            .and_then(|mut s| {
                s.execute(params![
                    ws,
                    c.name,
                    c.kind.as_str(),
                    sealed,
                    c.hint,
                    c.lang.as_str(),
                    c.enabled,
                    c.updated_by,
                    micros(c.updated_at)
                ])
            }),
        None => tx
            .prepare_cached(
                "UPDATE alert_channels SET lang = ?3, enabled = ?4, updated_by = ?5, \
                 updated_at = ?6 WHERE workspace_id = ?1 AND name = ?2",
            )
            .and_then(|mut s| {
                s.execute(params![
                    ws,
                    c.name,
                    c.lang.as_str(),
                    c.enabled,
                    c.updated_by,
                    micros(c.updated_at)
                ])
            }),
    }
    .map_err(&failed)?;
    if changed == 0 {
        return Err(StoreError::NotFound {
            what: format!("alert channel `{}`", c.name),
        });
    }
    accounts::append_audit(&tx, audit)?;
    tx.commit().map_err(&failed)
}

/// Removes a channel (its past deliveries stay, under its name); whether it existed.
pub(super) fn delete_channel(
    conn: &mut Connection,
    workspace: &WorkspaceId,
    name: &str,
    audit: &AuditEntry,
) -> StoreResult<bool> {
    let ws = workspace_id(conn, &workspace.0)?;
    let failed = db("deleting an alert channel");
    let tx = conn.transaction().map_err(&failed)?;
    let deleted = tx
        .execute(
            "DELETE FROM alert_channels WHERE workspace_id = ?1 AND name = ?2",
            params![ws, name],
        )
        .map_err(&failed)?;
    if deleted > 0 {
        accounts::append_audit(&tx, audit)?;
    }
    tx.commit().map_err(&failed)?;
    Ok(deleted > 0)
}

pub(super) fn thresholds(
    conn: &Connection,
    workspace: &WorkspaceId,
) -> StoreResult<Option<StoredThresholds>> {
    let ws = workspace_id(conn, &workspace.0)?;
    conn.prepare_cached(
        "SELECT thresholds, updated_by, updated_at FROM alert_settings WHERE workspace_id = ?1",
    )
    .and_then(|mut s| {
        s.query_row([ws], |r| {
            Ok(StoredThresholds {
                json: r.get(0)?,
                updated_by: r.get(1)?,
                updated_at: time(r, 2)?,
            })
        })
        .optional()
    })
    .map_err(db("reading the alert thresholds"))
}

pub(super) fn put_thresholds(
    conn: &mut Connection,
    workspace: &WorkspaceId,
    thresholds: &StoredThresholds,
    audit: &AuditEntry,
) -> StoreResult<()> {
    check_thresholds(thresholds)?;
    let ws = workspace_id(conn, &workspace.0)?;
    let failed = db("storing the alert thresholds");
    let tx = conn.transaction().map_err(&failed)?;
    tx.prepare_cached(
        "INSERT INTO alert_settings (workspace_id, thresholds, updated_by, updated_at) \
         VALUES (?1, ?2, ?3, ?4) ON CONFLICT (workspace_id) DO UPDATE SET \
         thresholds = excluded.thresholds, updated_by = excluded.updated_by, \
         updated_at = excluded.updated_at",
    )
    .and_then(|mut s| {
        s.execute(params![
            ws,
            thresholds.json,
            thresholds.updated_by,
            micros(thresholds.updated_at)
        ])
    })
    .map_err(&failed)?;
    accounts::append_audit(&tx, audit)?;
    tx.commit().map_err(&failed)
}

pub(super) fn cursor(conn: &Connection, workspace: &WorkspaceId) -> StoreResult<Option<ItemId>> {
    let ws = workspace_id(conn, &workspace.0)?;
    conn.prepare_cached("SELECT last_item FROM alert_cursors WHERE workspace_id = ?1")
        .and_then(|mut s| s.query_row([ws], |r| r.get(0).map(ItemId)).optional())
        .map_err(db("reading the alert cursor"))
}

/// Stores `alerts` with a pending delivery per channel and moves the cursor to `cursor`,
/// in one transaction; the new alerts' ids in order.
pub(super) fn record(
    conn: &mut Connection,
    workspace: &WorkspaceId,
    alerts: &[NewAlert],
    cursor: ItemId,
) -> StoreResult<Vec<i64>> {
    let ws = workspace_id(conn, &workspace.0)?;
    let failed = db("storing alerts");
    let tx = conn.transaction().map_err(&failed)?;
    let previous: Option<i64> = tx
        .prepare_cached("SELECT last_item FROM alert_cursors WHERE workspace_id = ?1")
        .and_then(|mut s| s.query_row([ws], |r| r.get(0)).optional())
        .map_err(&failed)?;
    if previous.is_some_and(|p| p > cursor.0) {
        return Err(StoreError::Conflict(format!(
            "the alert cursor is already past item {}: another process watches this workspace",
            cursor.0
        )));
    }
    let mut ids = Vec::with_capacity(alerts.len());
    for alert in alerts {
        let evidence: Vec<i64> = alert.evidence.iter().map(|id| id.0).collect();
        tx.prepare_cached(
            "INSERT INTO alerts (workspace_id, brand, topic, kind, reason, at, hour, raised_at, \
             evidence) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        )
        .and_then(|mut s| {
            s.execute(params![
                ws,
                alert.brand.0,
                alert.topic.map(Topic::as_str),
                alert.kind,
                alert.reason.to_string(),
                micros(alert.at),
                micros(alert.hour),
                micros(alert.raised_at),
                serde_json::Value::from(evidence).to_string(),
            ])
        })
        .map_err(&failed)?;
        let id = tx.last_insert_rowid();
        for channel in &alert.channels {
            tx.prepare_cached(
                "INSERT OR IGNORE INTO alert_deliveries (alert_id, channel, state, attempts) \
                 VALUES (?1, ?2, 'pending', 0)",
            )
            .and_then(|mut s| s.execute(params![id, channel]))
            .map_err(&failed)?;
        }
        ids.push(id);
    }
    tx.prepare_cached(
        "INSERT INTO alert_cursors (workspace_id, last_item) VALUES (?1, ?2) \
         ON CONFLICT (workspace_id) DO UPDATE SET last_item = excluded.last_item",
    )
    .and_then(|mut s| s.execute(params![ws, cursor.0]))
    .map_err(&failed)?;
    tx.commit().map_err(&failed)?;
    Ok(ids)
}

/// Sets the outcome of one delivery of an alert of `workspace`.
pub(super) fn finish_delivery(
    conn: &mut Connection,
    workspace: &WorkspaceId,
    alert: i64,
    delivery: &AlertDelivery,
) -> StoreResult<()> {
    let ws = workspace_id(conn, &workspace.0)?;
    let error = stored_error(delivery);
    let changed = conn
        .prepare_cached(
            "UPDATE alert_deliveries SET state = ?3, attempts = ?4, error = ?5, at = ?6 \
             WHERE alert_id = ?1 AND channel = ?2 \
             AND alert_id IN (SELECT id FROM alerts WHERE id = ?1 AND workspace_id = ?7)",
        )
        .and_then(|mut s| {
            s.execute(params![
                alert,
                delivery.channel,
                delivery.state.as_str(),
                delivery.attempts,
                error,
                delivery.at.map(micros),
                ws
            ])
        })
        .map_err(db("storing a delivery"))?;
    if changed == 0 {
        return Err(StoreError::NotFound {
            what: format!("delivery of alert {alert} to `{}`", delivery.channel),
        });
    }
    Ok(())
}

const ALERT_COLUMNS: &str = "id, brand, topic, kind, reason, at, hour, raised_at, evidence";

fn read_alert(r: &Row<'_>) -> rusqlite::Result<StoredAlert> {
    let topic: Option<String> = r.get(2)?;
    let reason: String = r.get(4)?;
    let evidence: String = r.get(8)?;
    let json = |index: usize, text: &str| {
        serde_json::from_str::<serde_json::Value>(text).map_err(|e| {
            rusqlite::Error::FromSqlConversionFailure(index, rusqlite::types::Type::Text, e.into())
        })
    };
    let evidence = serde_json::from_value::<Vec<i64>>(json(8, &evidence)?).map_err(|e| {
        rusqlite::Error::FromSqlConversionFailure(8, rusqlite::types::Type::Text, e.into())
    })?;
    Ok(StoredAlert {
        id: r.get(0)?,
        brand: BrandId(r.get(1)?),
        topic: topic
            .map(|t| Topic::parse(&t).ok_or_else(|| bad_text(2, "topic", t)))
            .transpose()?,
        kind: r.get(3)?,
        reason: json(4, &reason)?,
        at: time(r, 5)?,
        hour: time(r, 6)?,
        raised_at: time(r, 7)?,
        evidence: evidence.into_iter().map(ItemId).collect(),
        deliveries: Vec::new(),
    })
}

fn deliveries_of(conn: &Connection, alert: &mut StoredAlert) -> rusqlite::Result<()> {
    alert.deliveries = conn
        .prepare_cached(
            "SELECT channel, state, attempts, error, at FROM alert_deliveries \
             WHERE alert_id = ?1 ORDER BY channel",
        )?
        .query_map([alert.id], |r| {
            let state: String = r.get(1)?;
            Ok(AlertDelivery {
                channel: r.get(0)?,
                state: DeliveryState::parse(&state)
                    .ok_or_else(|| bad_text(1, "delivery state", state))?,
                attempts: r.get(2)?,
                error: r.get(3)?,
                at: opt_time(r, 4)?,
            })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(())
}

/// A page of alerts, newest first, each with its deliveries.
pub(super) fn alerts(conn: &Connection, query: &AlertQuery) -> StoreResult<Vec<StoredAlert>> {
    check_page(query)?;
    let ws = workspace_id(conn, &query.workspace.0)?;
    let failed = db("reading alerts");
    let mut alerts: Vec<StoredAlert> = conn
        .prepare_cached(&format!(
            "SELECT {ALERT_COLUMNS} FROM alerts WHERE workspace_id = ?1 AND id < ?2 \
             ORDER BY id DESC LIMIT ?3"
        ))
        .and_then(|mut s| {
            s.query_map(
                params![ws, query.before.unwrap_or(i64::MAX), query.limit as i64],
                read_alert,
            )?
            .collect()
        })
        .map_err(&failed)?;
    for alert in &mut alerts {
        deliveries_of(conn, alert).map_err(&failed)?;
    }
    Ok(alerts)
}

/// Every alert of the workspace with a delivery still pending, oldest first, with only
/// those deliveries; through the partial index, so it reads the few pending rows.
pub(super) fn pending(conn: &Connection, workspace: &WorkspaceId) -> StoreResult<Vec<StoredAlert>> {
    let ws = workspace_id(conn, &workspace.0)?;
    let failed = db("reading pending deliveries");
    let ids: Vec<i64> = conn
        .prepare_cached(
            "SELECT DISTINCT d.alert_id FROM alert_deliveries d JOIN alerts a ON a.id = d.alert_id \
             WHERE d.state = 'pending' AND a.workspace_id = ?1 ORDER BY d.alert_id",
        )
        .and_then(|mut s| s.query_map([ws], |r| r.get(0))?.collect())
        .map_err(&failed)?;
    let mut found = Vec::with_capacity(ids.len());
    for id in ids {
        let mut alert = conn
            .prepare_cached(&format!("SELECT {ALERT_COLUMNS} FROM alerts WHERE id = ?1"))
            .and_then(|mut s| s.query_row([id], read_alert))
            .map_err(&failed)?;
        deliveries_of(conn, &mut alert).map_err(&failed)?;
        alert
            .deliveries
            .retain(|d| d.state == DeliveryState::Pending);
        found.push(alert);
    }
    Ok(found)
}

/// The rollup hours of each brand × (any + each topic) since `from`, and the newest item
/// id, in one read transaction: the items after `last_item` are exactly those the hours do
/// not count yet. One range read per brand and topic through the rollups' key.
pub(super) fn baseline(
    conn: &Connection,
    workspace: &WorkspaceId,
    brands: &[BrandId],
    from: jiff::Timestamp,
) -> StoreResult<AlertBaseline> {
    let failed = db("reading the alert baseline");
    let tx = conn.unchecked_transaction().map_err(&failed)?;
    let ws = workspace_id(&tx, &workspace.0)?;
    let from_hour = rollup_hour(from);
    let topics = std::iter::once(None).chain(Topic::ALL.into_iter().map(Some));
    let mut hours = Vec::new();
    {
        let mut read = tx
            .prepare_cached(
                "SELECT hour, negative + neutral + positive, negative FROM rollup_hourly \
                 WHERE workspace_id = ?1 AND brand = ?2 AND topic = ?3 AND hour >= ?4 \
                 AND source_kind = ?5 ORDER BY hour",
            )
            .map_err(&failed)?;
        for brand in brands {
            for topic in topics.clone() {
                let rows = read
                    .query_map(
                        params![
                            ws,
                            brand.0,
                            topic.map_or(ANY, Topic::as_str),
                            from_hour,
                            ANY
                        ],
                        |r| {
                            Ok(BaselineHour {
                                brand: brand.clone(),
                                topic,
                                hour: hour_start(r.get(0)?),
                                count: u64::try_from(r.get::<_, i64>(1)?).unwrap_or(0),
                                negative: u64::try_from(r.get::<_, i64>(2)?).unwrap_or(0),
                            })
                        },
                    )
                    .and_then(|rows| rows.collect::<rusqlite::Result<Vec<_>>>())
                    .map_err(&failed)?;
                hours.extend(rows);
            }
        }
    }
    let last_item = tx
        .prepare_cached("SELECT max(id) FROM items WHERE workspace_id = ?1")
        .and_then(|mut s| s.query_row([ws], |r| r.get::<_, Option<i64>>(0)))
        .map_err(&failed)?
        .map(ItemId);
    tx.commit().map_err(&failed)?;
    Ok(AlertBaseline { hours, last_item })
}
