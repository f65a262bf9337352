//! Early warning (schema 11): alert channels with their sealed targets, the thresholds,
//! alerts with their deliveries, the detector's cursor, and the baseline read from the
//! hourly rollups, with the embedded store's rules (`crate::alerts`). Every change of a
//! channel or the thresholds writes its audit entry in the same transaction.
//!
//! The cursor moves by one conditional upsert in the transaction that stores the alerts:
//! the row's lock serialises two processes recording at once and the condition is checked
//! against the cursor as the other left it, so a cursor behind the stored one is refused
//! even then (the embedded store has one writer and needs no lock).

use std::collections::HashMap;

use jiff::Timestamp;
use omdomme_core::{BrandId, ItemId, Topic, WorkspaceId};
use tokio_postgres::types::Json;
use tokio_postgres::{GenericClient, IsolationLevel, Row};

use super::time::PgTime;
use super::{Client, accounts, db, text, workspace_id};
use crate::alerts::{
    AlertBaseline, AlertChannel, AlertChannelDraft, AlertChannelKind, AlertDelivery, AlertQuery,
    BaselineHour, DeliveryState, NewAlert, StoredAlert, StoredThresholds, check_channel,
    check_page, check_thresholds, hour_start, rollup_hour, stored_error,
};
use crate::sqlite::rollups::ANY;
use crate::{AuditEntry, StoreError, StoreResult, UiLanguage};

fn stored<T>(what: &str, word: &str, parse: impl Fn(&str) -> Option<T>) -> StoreResult<T> {
    parse(word).ok_or_else(|| StoreError::Database(format!("unknown {what} `{word}` stored")))
}

fn count(v: i64) -> u64 {
    u64::try_from(v).unwrap_or(0)
}

const CHANNEL_COLUMNS: &str = "name, kind, hint, lang, enabled, updated_by, updated_at";

fn read_channel(r: &Row) -> StoreResult<AlertChannel> {
    let updated_at: PgTime = r.try_get(6).map_err(db("reading an alert channel"))?;
    Ok(AlertChannel {
        name: text::decode(r.get(0)),
        kind: stored("channel kind", r.get(1), AlertChannelKind::parse)?,
        hint: text::decode(r.get(2)),
        lang: stored("language", r.get(3), UiLanguage::parse)?,
        enabled: r.get(4),
        updated_by: text::decode(r.get(5)),
        updated_at: updated_at.0,
    })
}

pub(super) async fn channels(
    client: &impl GenericClient,
    workspace: &WorkspaceId,
) -> StoreResult<Vec<AlertChannel>> {
    let ws = workspace_id(client, &workspace.0).await?;
    client
        .query(
            &format!(
                "SELECT {CHANNEL_COLUMNS} FROM alert_channels WHERE workspace_id = $1 \
                 ORDER BY name"
            ),
            &[&ws],
        )
        .await
        .map_err(db("reading the alert channels"))?
        .iter()
        .map(read_channel)
        .collect()
}

pub(super) async fn channel_target(
    client: &impl GenericClient,
    workspace: &WorkspaceId,
    name: &str,
) -> StoreResult<Option<Vec<u8>>> {
    let ws = workspace_id(client, &workspace.0).await?;
    Ok(client
        .query_opt(
            "SELECT sealed FROM alert_channels WHERE workspace_id = $1 AND name = $2",
            &[&ws, &text::encode(name)],
        )
        .await
        .map_err(db("reading an alert channel"))?
        .map(|r| r.get(0)))
}

/// Creates or changes a channel (keeping its sealed target when the draft has none) and
/// writes `audit` in the same transaction.
pub(super) async fn put_channel(
    client: &mut Client,
    workspace: &WorkspaceId,
    draft: &AlertChannelDraft,
    audit: &AuditEntry,
) -> StoreResult<()> {
    check_channel(draft)?;
    let failed = db("storing an alert channel");
    let tx = client.transaction().await.map_err(&failed)?;
    let ws = workspace_id(&*tx, &workspace.0).await?;
    let c = &draft.channel;
    let name = text::encode(&c.name);
    let updated_by = text::encode(&c.updated_by);
    let changed = match &draft.sealed {
        Some(sealed) => {
            tx.execute(
                "INSERT INTO alert_channels (workspace_id, name, kind, sealed, hint, lang, \
                 enabled, updated_by, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
                 ON CONFLICT (workspace_id, name) DO UPDATE SET kind = excluded.kind, \
                 sealed = excluded.sealed, hint = excluded.hint, lang = excluded.lang, \
                 enabled = excluded.enabled, updated_by = excluded.updated_by, \
                 updated_at = excluded.updated_at",
                &[
                    &ws,
                    &name,
                    &c.kind.as_str(),
                    sealed,
                    &text::encode(&c.hint),
                    &c.lang.as_str(),
                    &c.enabled,
                    &updated_by,
                    &PgTime(c.updated_at),
                ],
            )
            .await
        }
        None => {
            tx.execute(
                "UPDATE alert_channels SET lang = $3, enabled = $4, updated_by = $5, \
                 updated_at = $6 WHERE workspace_id = $1 AND name = $2",
                &[
                    &ws,
                    &name,
                    &c.lang.as_str(),
                    &c.enabled,
                    &updated_by,
                    &PgTime(c.updated_at),
                ],
            )
            .await
        }
    }
    .map_err(&failed)?;
    if changed == 0 {
        return Err(StoreError::NotFound {
            what: format!("alert channel `{}`", c.name),
        });
    }
    accounts::append_audit(&*tx, audit).await?;
    tx.commit().await.map_err(&failed)
}

/// Removes a channel (its past deliveries stay, under its name); whether it existed.
pub(super) async fn delete_channel(
    client: &mut Client,
    workspace: &WorkspaceId,
    name: &str,
    audit: &AuditEntry,
) -> StoreResult<bool> {
    let failed = db("deleting an alert channel");
    let tx = client.transaction().await.map_err(&failed)?;
    let ws = workspace_id(&*tx, &workspace.0).await?;
    let deleted = tx
        .execute(
            "DELETE FROM alert_channels WHERE workspace_id = $1 AND name = $2",
            &[&ws, &text::encode(name)],
        )
        .await
        .map_err(&failed)?;
    if deleted > 0 {
        accounts::append_audit(&*tx, audit).await?;
    }
    tx.commit().await.map_err(&failed)?;
    Ok(deleted > 0)
}

pub(super) async fn thresholds(
    client: &impl GenericClient,
    workspace: &WorkspaceId,
) -> StoreResult<Option<StoredThresholds>> {
    let ws = workspace_id(client, &workspace.0).await?;
    let failed = db("reading the alert thresholds");
    client
        .query_opt(
            "SELECT thresholds::text, updated_by, updated_at FROM alert_settings \
             WHERE workspace_id = $1",
            &[&ws],
        )
        .await
        .map_err(&failed)?
        .map(|r| {
            let updated_at: PgTime = r.try_get(2).map_err(&failed)?;
            Ok(StoredThresholds {
                json: r.get(0),
                updated_by: text::decode(r.get(1)),
                updated_at: updated_at.0,
            })
        })
        .transpose()
}

pub(super) async fn put_thresholds(
    client: &mut Client,
    workspace: &WorkspaceId,
    thresholds: &StoredThresholds,
    audit: &AuditEntry,
) -> StoreResult<()> {
    check_thresholds(thresholds)?;
    let failed = db("storing the alert thresholds");
    let tx = client.transaction().await.map_err(&failed)?;
    let ws = workspace_id(&*tx, &workspace.0).await?;
    tx.execute(
        "INSERT INTO alert_settings (workspace_id, thresholds, updated_by, updated_at) \
         VALUES ($1, $2::text::json, $3, $4) ON CONFLICT (workspace_id) DO UPDATE SET \
         thresholds = excluded.thresholds, updated_by = excluded.updated_by, \
         updated_at = excluded.updated_at",
        &[
            &ws,
            &thresholds.json,
            &text::encode(&thresholds.updated_by),
            &PgTime(thresholds.updated_at),
        ],
    )
    .await
    .map_err(&failed)?;
    accounts::append_audit(&*tx, audit).await?;
    tx.commit().await.map_err(&failed)
}

pub(super) async fn cursor(
    client: &impl GenericClient,
    workspace: &WorkspaceId,
) -> StoreResult<Option<ItemId>> {
    let ws = workspace_id(client, &workspace.0).await?;
    Ok(client
        .query_opt(
            "SELECT last_item FROM alert_cursors WHERE workspace_id = $1",
            &[&ws],
        )
        .await
        .map_err(db("reading the alert cursor"))?
        .map(|r| ItemId(r.get(0))))
}

/// Stores `alerts` with a pending delivery per channel and moves the cursor to `cursor`,
/// in one transaction; the new alerts' ids in order.
pub(super) async fn record(
    client: &mut Client,
    workspace: &WorkspaceId,
    alerts: &[NewAlert],
    cursor: ItemId,
) -> StoreResult<Vec<i64>> {
    let failed = db("storing alerts");
    let tx = client.transaction().await.map_err(&failed)?;
    let ws = workspace_id(&*tx, &workspace.0).await?;
    // First, so that a second recorder waits here on the row and is then refused, before
    // it stores anything.
    let moved = tx
        .query_opt(
            "INSERT INTO alert_cursors AS c (workspace_id, last_item) VALUES ($1, $2) \
             ON CONFLICT (workspace_id) DO UPDATE SET last_item = excluded.last_item \
             WHERE c.last_item <= excluded.last_item RETURNING last_item",
            &[&ws, &cursor.0],
        )
        .await
        .map_err(&failed)?;
    if moved.is_none() {
        return Err(StoreError::Conflict(format!(
            "the alert cursor is already past item {}: another process watches this workspace",
            cursor.0
        )));
    }
    let mut ids = Vec::with_capacity(alerts.len());
    for alert in alerts {
        let evidence: Vec<i64> = alert.evidence.iter().map(|id| id.0).collect();
        let id: i64 = tx
            .query_one(
                "INSERT INTO alerts (workspace_id, brand, topic, kind, reason, at, hour, \
                 raised_at, evidence) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
                &[
                    &ws,
                    &alert.brand.0,
                    &alert.topic.map(Topic::as_str),
                    &alert.kind,
                    &Json(&alert.reason),
                    &PgTime(alert.at),
                    &PgTime(alert.hour),
                    &PgTime(alert.raised_at),
                    &Json(&evidence),
                ],
            )
            .await
            .map_err(&failed)?
            .get(0);
        let channels: Vec<String> = alert
            .channels
            .iter()
            .map(|c| text::encode(c).into_owned())
            .collect();
        tx.execute(
            "INSERT INTO alert_deliveries (alert_id, channel, state, attempts) \
             SELECT $1, channel, 'pending', 0 FROM unnest($2::text[]) AS c (channel) \
             ON CONFLICT DO NOTHING",
            &[&id, &channels],
        )
        .await
        .map_err(&failed)?;
        ids.push(id);
    }
    tx.commit().await.map_err(&failed)?;
    Ok(ids)
}

/// Sets the outcome of one delivery of an alert of `workspace`.
pub(super) async fn finish_delivery(
    client: &impl GenericClient,
    workspace: &WorkspaceId,
    alert: i64,
    delivery: &AlertDelivery,
) -> StoreResult<()> {
    let ws = workspace_id(client, &workspace.0).await?;
    let attempts = i32::try_from(delivery.attempts).map_err(|_| {
        StoreError::Invalid(format!(
            "{} delivery attempts do not fit",
            delivery.attempts
        ))
    })?;
    let changed = client
        .execute(
            "UPDATE alert_deliveries SET state = $3, attempts = $4, error = $5, at = $6 \
             WHERE alert_id = $1 AND channel = $2 \
             AND EXISTS (SELECT 1 FROM alerts WHERE id = $1 AND workspace_id = $7)",
            &[
                &alert,
                &text::encode(&delivery.channel),
                &delivery.state.as_str(),
                &attempts,
                &stored_error(delivery).map(|e| text::encode(&e).into_owned()),
                &delivery.at.map(PgTime),
                &ws,
            ],
        )
        .await
        .map_err(db("storing a delivery"))?;
    if changed == 0 {
        return Err(StoreError::NotFound {
            what: format!("delivery of alert {alert} to `{}`", delivery.channel),
        });
    }
    Ok(())
}

const ALERT_COLUMNS: &str = "id, brand, topic, kind, reason, at, hour, raised_at, evidence";

fn read_alert(r: &Row) -> StoreResult<StoredAlert> {
    let failed = db("reading an alert");
    let Json(reason) = r.try_get(4).map_err(&failed)?;
    let Json(evidence) = r.try_get::<_, Json<Vec<i64>>>(8).map_err(&failed)?;
    let time = |i: usize| r.try_get::<_, PgTime>(i).map(|t| t.0).map_err(&failed);
    Ok(StoredAlert {
        id: r.get(0),
        brand: BrandId(r.get(1)),
        topic: r
            .get::<_, Option<&str>>(2)
            .map(|t| stored("topic", t, Topic::parse))
            .transpose()?,
        kind: r.get(3),
        reason,
        at: time(5)?,
        hour: time(6)?,
        raised_at: time(7)?,
        evidence: evidence.into_iter().map(ItemId).collect(),
        deliveries: Vec::new(),
    })
}

/// The alerts `rows` hold, each with its deliveries (only the pending ones when
/// `pending_only`) in channel name order, read in one query.
async fn with_deliveries(
    client: &impl GenericClient,
    rows: &[Row],
    pending_only: bool,
) -> StoreResult<Vec<StoredAlert>> {
    let mut alerts = rows
        .iter()
        .map(read_alert)
        .collect::<StoreResult<Vec<_>>>()?;
    let ids: Vec<i64> = alerts.iter().map(|a| a.id).collect();
    let failed = db("reading the deliveries of alerts");
    let mut deliveries: HashMap<i64, Vec<AlertDelivery>> = HashMap::new();
    for r in client
        .query(
            "SELECT alert_id, channel, state, attempts, error, at FROM alert_deliveries \
             WHERE alert_id = ANY($1) AND (NOT $2 OR state = 'pending') \
             ORDER BY alert_id, channel",
            &[&ids, &pending_only],
        )
        .await
        .map_err(&failed)?
    {
        let at: Option<PgTime> = r.try_get(5).map_err(&failed)?;
        deliveries.entry(r.get(0)).or_default().push(AlertDelivery {
            channel: text::decode(r.get(1)),
            state: stored("delivery state", r.get(2), DeliveryState::parse)?,
            attempts: u32::try_from(r.get::<_, i32>(3)).unwrap_or(0),
            error: r.get::<_, Option<String>>(4).map(text::decode),
            at: at.map(|t| t.0),
        });
    }
    for alert in &mut alerts {
        alert.deliveries = deliveries.remove(&alert.id).unwrap_or_default();
    }
    Ok(alerts)
}

/// A page of alerts, newest first, each with its deliveries.
pub(super) async fn alerts(
    client: &impl GenericClient,
    query: &AlertQuery,
) -> StoreResult<Vec<StoredAlert>> {
    check_page(query)?;
    let ws = workspace_id(client, &query.workspace.0).await?;
    let limit = i64::try_from(query.limit).unwrap_or(i64::MAX);
    let rows = client
        .query(
            &format!(
                "SELECT {ALERT_COLUMNS} FROM alerts WHERE workspace_id = $1 AND id < $2 \
                 ORDER BY id DESC LIMIT $3"
            ),
            &[&ws, &query.before.unwrap_or(i64::MAX), &limit],
        )
        .await
        .map_err(db("reading alerts"))?;
    with_deliveries(client, &rows, false).await
}

/// Every alert of the workspace with a delivery still pending, oldest first, with only
/// those deliveries; through the partial index, so it reads the few pending rows.
pub(super) async fn pending(
    client: &impl GenericClient,
    workspace: &WorkspaceId,
) -> StoreResult<Vec<StoredAlert>> {
    let ws = workspace_id(client, &workspace.0).await?;
    let rows = client
        .query(
            &format!(
                "SELECT {ALERT_COLUMNS} FROM alerts WHERE workspace_id = $1 AND id IN \
                 (SELECT alert_id FROM alert_deliveries WHERE state = 'pending') ORDER BY id"
            ),
            &[&ws],
        )
        .await
        .map_err(db("reading pending deliveries"))?;
    with_deliveries(client, &rows, true).await
}

/// The rollup hours of each brand × (any + each topic) since `from`, and the newest item
/// id, from one snapshot (a repeatable-read transaction): the items after `last_item` are
/// exactly those the hours do not count yet. One range read per brand and topic through
/// the rollups' key.
pub(super) async fn baseline(
    client: &mut Client,
    workspace: &WorkspaceId,
    brands: &[BrandId],
    from: Timestamp,
) -> StoreResult<AlertBaseline> {
    let failed = db("reading the alert baseline");
    let tx = client
        .build_transaction()
        .isolation_level(IsolationLevel::RepeatableRead)
        .read_only(true)
        .start()
        .await
        .map_err(&failed)?;
    let ws = workspace_id(&*tx, &workspace.0).await?;
    let brand_keys: Vec<&str> = brands.iter().map(|b| b.0.as_str()).collect();
    let topics: Vec<&str> = std::iter::once(ANY)
        .chain(Topic::ALL.into_iter().map(Topic::as_str))
        .collect();
    let rows = tx
        .query(
            "SELECT brand, topic, hour, negative + neutral + positive, negative \
             FROM rollup_hourly WHERE workspace_id = $1 AND brand = ANY($2) \
             AND topic = ANY($3) AND hour >= $4 AND source_kind = $5 \
             ORDER BY brand, topic, hour",
            &[&ws, &brand_keys, &topics, &rollup_hour(from), &ANY],
        )
        .await
        .map_err(&failed)?;
    let hours = rows
        .iter()
        .map(|r| {
            let topic: &str = r.get(1);
            Ok(BaselineHour {
                brand: BrandId(r.get(0)),
                topic: if topic == ANY {
                    None
                } else {
                    Some(stored("topic", topic, Topic::parse)?)
                },
                hour: hour_start(r.get(2)),
                count: count(r.get(3)),
                negative: count(r.get(4)),
            })
        })
        .collect::<StoreResult<Vec<_>>>()?;
    let last_item = tx
        .query_one(
            "SELECT max(id) FROM item_keys WHERE workspace_id = $1",
            &[&ws],
        )
        .await
        .map_err(&failed)?
        .get::<_, Option<i64>>(0)
        .map(ItemId);
    tx.commit().await.map_err(&failed)?;
    Ok(AlertBaseline { hours, last_item })
}
