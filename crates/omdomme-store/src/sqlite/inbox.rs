//! The inbox in SQLite: entries admitted in the items' own transaction ([`Admission`]),
//! the list in deadline order from the indexes of schema 5, counts from `inbox_counts`
//! (kept on write), notes, replies with their idempotency keys, SLA policies, saved replies
//! and escalations.

use std::collections::HashMap;

use jiff::Timestamp;
use omdomme_core::{BrandId, Item, ItemId, Lang, SourceKind, WorkspaceId};
use rusqlite::types::Value;
use rusqlite::{Connection, OptionalExtension, Row, Transaction, params, params_from_iter};

use super::items::{ITEM_COLUMN_COUNT, ITEM_COLUMNS, ITEM_FROM, read_item};
use super::{accounts, db, read_workspace, workspace_id};
use crate::inbox::{
    AssigneeFilter, Escalation, InboxChange, InboxCounts, InboxEntry, InboxNote, InboxPage,
    InboxQuery, InboxReply, InboxRow, InboxStatus, InboxThread, MAX_INBOX_PAGE, NewReply,
    ReplyOutcome, SavedReply, SlaFilter, SlaPolicy, StatusFilter, channel_policies,
    deserves_answer, escalation_audit, own_brands,
};
use crate::{StoreError, StoreResult};

/// The entry columns [`read_entry`] reads, from `inbox_entries e` joined with
/// `workspaces w`.
const ENTRY_COLUMNS: &str = "e.id, w.key, e.item_id, e.channel, e.status, e.assignee, \
     e.arrived_at, e.response_due_at, e.resolution_due_at, e.first_response_at, \
     e.first_responder, e.resolved_at, e.escalated_at, e.escalated_to, e.reply_seq";

const ENTRY_FROM: &str = "inbox_entries e JOIN workspaces w ON w.id = e.workspace_id";

/// [`ENTRY_FROM`] with the item of each entry, for [`ITEM_COLUMNS`] too.
const ROW_FROM: &str = "inbox_entries e JOIN workspaces w ON w.id = e.workspace_id \
     JOIN items i ON i.id = e.item_id JOIN sources s ON s.id = i.source_id";

pub(super) fn micros(at: Timestamp) -> i64 {
    at.as_microsecond()
}

pub(super) fn time(row: &Row<'_>, index: usize) -> rusqlite::Result<Timestamp> {
    Timestamp::from_microsecond(row.get(index)?).map_err(|e| {
        rusqlite::Error::FromSqlConversionFailure(index, rusqlite::types::Type::Integer, e.into())
    })
}

pub(super) fn opt_time(row: &Row<'_>, index: usize) -> rusqlite::Result<Option<Timestamp>> {
    let value: Option<i64> = row.get(index)?;
    value
        .map(|v| {
            Timestamp::from_microsecond(v).map_err(|e| {
                rusqlite::Error::FromSqlConversionFailure(
                    index,
                    rusqlite::types::Type::Integer,
                    e.into(),
                )
            })
        })
        .transpose()
}

pub(super) fn bad_text(index: usize, what: &str, value: String) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(
        index,
        rusqlite::types::Type::Text,
        format!("unknown {what} `{value}`").into(),
    )
}

/// Reads [`ENTRY_COLUMNS`] starting at column `first`.
fn read_entry(row: &Row<'_>, first: usize) -> rusqlite::Result<InboxEntry> {
    let channel: String = row.get(first + 3)?;
    let status: String = row.get(first + 4)?;
    let reply_seq: i64 = row.get(first + 14)?;
    Ok(InboxEntry {
        id: row.get(first)?,
        workspace: WorkspaceId(row.get(first + 1)?),
        item: ItemId(row.get(first + 2)?),
        channel: SourceKind::parse(&channel)
            .ok_or_else(|| bad_text(first + 3, "channel", channel.clone()))?,
        status: InboxStatus::parse(&status)
            .ok_or_else(|| bad_text(first + 4, "status", status.clone()))?,
        assignee: row.get(first + 5)?,
        arrived_at: time(row, first + 6)?,
        response_due_at: time(row, first + 7)?,
        resolution_due_at: time(row, first + 8)?,
        first_response_at: opt_time(row, first + 9)?,
        first_responder: row.get(first + 10)?,
        resolved_at: opt_time(row, first + 11)?,
        escalated_at: opt_time(row, first + 12)?,
        escalated_to: row.get(first + 13)?,
        reply_seq: u32::try_from(reply_seq).unwrap_or(u32::MAX),
    })
}

fn read_policy(row: &Row<'_>) -> rusqlite::Result<SlaPolicy> {
    let channel: String = row.get(0)?;
    let mins = |i: usize| -> rusqlite::Result<u32> {
        let v: i64 = row.get(i)?;
        Ok(u32::try_from(v).unwrap_or(u32::MAX))
    };
    let escalate_after: Option<i64> = row.get(3)?;
    Ok(SlaPolicy {
        channel: SourceKind::parse(&channel).ok_or_else(|| bad_text(0, "channel", channel))?,
        first_response_mins: mins(1)?,
        resolution_mins: mins(2)?,
        escalate_after_mins: escalate_after.map(|v| u32::try_from(v).unwrap_or(u32::MAX)),
        escalate_to: row.get(4)?,
    })
}

/// Every channel's policy in a workspace: the stored one or the default.
fn policies(conn: &Connection, ws: i64) -> rusqlite::Result<HashMap<SourceKind, SlaPolicy>> {
    let mut stmt = conn.prepare_cached(
        "SELECT channel, first_response_mins, resolution_mins, escalate_after_mins, \
         escalate_to FROM inbox_sla WHERE workspace_id = ?1",
    )?;
    let stored = stmt
        .query_map([ws], read_policy)?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(channel_policies(stored))
}

fn bump(
    tx: &Connection,
    ws: i64,
    channel: &str,
    status: InboxStatus,
    by: i64,
) -> rusqlite::Result<()> {
    tx.prepare_cached(
        "INSERT INTO inbox_counts (workspace_id, channel, status, entries) VALUES (?1, ?2, ?3, ?4) \
         ON CONFLICT (workspace_id, channel, status) DO UPDATE SET entries = entries + ?4",
    )?
    .execute(params![ws, channel, status.as_str(), by])?;
    Ok(())
}

/// What admitting a batch's items into the inbox needs, per workspace, loaded on the first
/// inquiry only: most batches have none and pay nothing.
#[derive(Default)]
pub(super) struct Admission {
    workspaces: HashMap<i64, (Vec<BrandId>, HashMap<SourceKind, SlaPolicy>)>,
}

impl Admission {
    /// Gives `item` (stored as `id` in workspace `ws`) an entry if it deserves one and has
    /// none yet.
    pub(super) fn admit(
        &mut self,
        tx: &Connection,
        ws: i64,
        id: ItemId,
        item: &Item,
    ) -> rusqlite::Result<()> {
        if !item.enrichment.inquiry {
            return Ok(());
        }
        let (own, policies) = match self.workspaces.entry(ws) {
            std::collections::hash_map::Entry::Occupied(e) => e.into_mut(),
            std::collections::hash_map::Entry::Vacant(e) => {
                let workspace = tx
                    .prepare_cached(
                        "SELECT key, name, synthetic, brands FROM workspaces WHERE id = ?1",
                    )?
                    .query_row([ws], read_workspace)?;
                e.insert((own_brands(&workspace), policies(tx, ws)?))
            }
        };
        if !deserves_answer(item, own) {
            return Ok(());
        }
        let channel = item.source.kind;
        let policy = policies
            .get(&channel)
            .cloned()
            .unwrap_or_else(|| SlaPolicy::default_for(channel));
        let dues = policy.dues(item.published_at);
        let added = tx
            .prepare_cached(
                "INSERT INTO inbox_entries (workspace_id, item_id, channel, status, is_open, \
                 arrived_at, response_due_at, resolution_due_at, due_at, escalate_at) \
                 VALUES (?1, ?2, ?3, 'new', 1, ?4, ?5, ?6, ?5, ?7) \
                 ON CONFLICT (item_id) DO NOTHING",
            )?
            .execute(params![
                ws,
                id.0,
                channel.as_str(),
                micros(item.published_at),
                micros(dues.response),
                micros(dues.resolution),
                dues.escalate.map(micros),
            ])?;
        if added > 0 {
            bump(tx, ws, channel.as_str(), InboxStatus::New, 1)?;
        }
        Ok(())
    }
}

/// Gives every stored item that deserves an entry one (items stored before schema 5, or
/// after a re-enrichment outside `put_items`); entries already there stay as they are.
pub(super) fn backfill(tx: &Transaction<'_>) -> rusqlite::Result<u64> {
    let sql = format!(
        "SELECT {ITEM_COLUMNS}, i.workspace_id FROM {ITEM_FROM} \
         WHERE i.inquiry = 1 AND i.id > ?1 ORDER BY i.id LIMIT 5000"
    );
    let mut admission = Admission::default();
    let mut after = 0i64;
    let mut seen = 0u64;
    loop {
        let batch = {
            let mut stmt = tx.prepare_cached(&sql)?;
            stmt.query_map([after], |r| {
                Ok((read_item(r)?, r.get::<_, i64>(ITEM_COLUMN_COUNT)?))
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?
        };
        let Some(last) = batch.last().map(|(stored, _)| stored.id.0) else {
            break;
        };
        for (stored, ws) in &batch {
            admission.admit(tx, *ws, stored.id, &stored.item)?;
        }
        seen += batch.len() as u64;
        after = last;
    }
    Ok(seen)
}

/// Runs the backfill schema 5 asked for, once.
pub(super) fn backfill_if_pending(conn: &mut Connection) -> StoreResult<()> {
    let failed = db("giving stored inquiries their inbox entries");
    let pending: i64 = conn
        .query_row("SELECT count(*) FROM inbox_backfill_pending", [], |r| {
            r.get(0)
        })
        .map_err(&failed)?;
    if pending == 0 {
        return Ok(());
    }
    let tx = conn.transaction().map_err(&failed)?;
    let seen = backfill(&tx).map_err(&failed)?;
    tx.execute("DELETE FROM inbox_backfill_pending", [])
        .map_err(&failed)?;
    tx.commit().map_err(&failed)?;
    tracing::info!(
        inquiries = seen,
        "inbox entries given to the stored inquiries"
    );
    Ok(())
}

/// Appends `sql` and its value to a query being built.
pub(super) struct Conditions {
    pub(super) sql: String,
    pub(super) values: Vec<Value>,
}

impl Conditions {
    pub(super) fn and(&mut self, sql: &str, values: impl IntoIterator<Item = Value>) {
        self.sql.push_str(" AND ");
        self.sql.push_str(sql);
        self.values.extend(values);
    }
}

pub(super) fn list(conn: &Connection, query: &InboxQuery) -> StoreResult<InboxPage> {
    if query.limit == 0 || query.limit > MAX_INBOX_PAGE {
        return Err(StoreError::Invalid(format!(
            "an inbox page holds 1 to {MAX_INBOX_PAGE} entries, not {}",
            query.limit
        )));
    }
    let ws = workspace_id(conn, &query.workspace.0)?;
    let now = micros(query.now);
    let mut c = Conditions {
        sql: format!(
            "SELECT {ITEM_COLUMNS}, {ENTRY_COLUMNS}, e.due_at FROM {ROW_FROM} \
             WHERE e.workspace_id = ?"
        ),
        values: vec![Value::Integer(ws)],
    };
    match query.status {
        StatusFilter::Open => c.and("e.is_open = 1", []),
        StatusFilter::Only(status) => c.and("e.status = ?", [Value::Text(status.as_str().into())]),
        StatusFilter::All => {}
    }
    if let Some(channel) = query.channel {
        c.and("e.channel = ?", [Value::Text(channel.as_str().into())]);
    }
    match &query.assignee {
        None => {}
        Some(AssigneeFilter::Unassigned) => c.and("e.assignee IS NULL", []),
        Some(AssigneeFilter::Person(email)) => {
            c.and("e.assignee = ?", [Value::Text(email.clone())])
        }
    }
    if let Some(responder) = &query.responder {
        c.and(
            "coalesce(e.first_responder, e.assignee) = ? COLLATE NOCASE",
            [Value::Text(responder.clone())],
        );
    }
    let n = Value::Integer(now);
    match query.sla {
        None => {}
        Some(SlaFilter::Breached) => c.and("e.is_open = 1 AND e.due_at <= ?", [n]),
        Some(SlaFilter::AtRisk) => c.and(
            "e.is_open = 1 AND e.due_at > ? AND (? - e.arrived_at) * 4 >= (e.due_at - e.arrived_at) * 3",
            [n.clone(), n],
        ),
        Some(SlaFilter::Ok) => c.and(
            "e.is_open = 1 AND (? - e.arrived_at) * 4 < (e.due_at - e.arrived_at) * 3",
            [n],
        ),
        Some(SlaFilter::Met) => c.and(
            "e.first_response_at IS NOT NULL AND e.first_response_at <= e.response_due_at",
            [],
        ),
        Some(SlaFilter::Missed) => c.and(
            "(e.first_response_at > e.response_due_at \
             OR (e.first_response_at IS NULL AND e.response_due_at < ?))",
            [n],
        ),
    }
    if let Some(from) = query.from {
        c.and("e.arrived_at >= ?", [Value::Integer(micros(from))]);
    }
    if let Some(to) = query.to {
        c.and("e.arrived_at < ?", [Value::Integer(micros(to))]);
    }
    if let Some((due, id)) = query.after {
        c.and(
            "(e.due_at, e.id) > (?, ?)",
            [Value::Integer(micros(due)), Value::Integer(id)],
        );
    }
    c.sql.push_str(" ORDER BY e.due_at, e.id LIMIT ?");
    c.values.push(Value::Integer(query.limit as i64 + 1));
    let failed = db("reading the inbox");
    let mut stmt = conn.prepare_cached(&c.sql).map_err(&failed)?;
    let due_column = ITEM_COLUMN_COUNT + 15;
    let rows = stmt
        .query_map(params_from_iter(c.values.iter()), |r| {
            Ok((
                InboxRow {
                    item: read_item(r)?,
                    entry: read_entry(r, ITEM_COLUMN_COUNT)?,
                },
                time(r, due_column)?,
            ))
        })
        .map_err(&failed)?;
    let mut rows = rows.collect::<Result<Vec<_>, _>>().map_err(&failed)?;
    let more = rows.len() > query.limit;
    rows.truncate(query.limit);
    let next = if more {
        rows.last().map(|(row, due)| (*due, row.entry.id))
    } else {
        None
    };
    Ok(InboxPage {
        rows: rows.into_iter().map(|(row, _)| row).collect(),
        next,
    })
}

pub(super) fn counts(conn: &Connection, workspace: &WorkspaceId) -> StoreResult<InboxCounts> {
    let ws = workspace_id(conn, &workspace.0)?;
    let failed = db("counting the inbox");
    let mut stmt = conn
        .prepare_cached(
            "SELECT channel, status, entries FROM inbox_counts \
             WHERE workspace_id = ?1 AND entries > 0 ORDER BY channel, status",
        )
        .map_err(&failed)?;
    let rows = stmt
        .query_map([ws], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, i64>(2)?,
            ))
        })
        .map_err(&failed)?;
    let mut counts = InboxCounts::default();
    for row in rows {
        let (channel, status, n) = row.map_err(&failed)?;
        if let (Some(channel), Some(status)) =
            (SourceKind::parse(&channel), InboxStatus::parse(&status))
        {
            counts
                .by_channel
                .push((channel, status, u64::try_from(n).unwrap_or(0)));
        }
    }
    // Newest first by rowid, stopping at the workspace's first: no scan, no extra index.
    counts.latest_id = conn
        .prepare_cached(
            "SELECT id FROM inbox_entries WHERE workspace_id = ?1 ORDER BY id DESC LIMIT 1",
        )
        .and_then(|mut s| s.query_row([ws], |r| r.get(0)).optional())
        .map_err(&failed)?
        .unwrap_or(0);
    Ok(counts)
}

/// Entries that arrived in the inbox after entry `after`, newest first, and how many.
pub(super) fn arrivals(
    conn: &Connection,
    workspace: &WorkspaceId,
    after: i64,
    limit: usize,
) -> StoreResult<(u64, Vec<InboxRow>)> {
    let ws = workspace_id(conn, &workspace.0)?;
    let failed = db("reading new inbox entries");
    let total: i64 = conn
        .prepare_cached("SELECT count(*) FROM inbox_entries WHERE id > ?1 AND workspace_id = ?2")
        .and_then(|mut s| s.query_row(params![after, ws], |r| r.get(0)))
        .map_err(&failed)?;
    let sql = format!(
        "SELECT {ITEM_COLUMNS}, {ENTRY_COLUMNS} FROM {ROW_FROM} \
         WHERE e.id > ?1 AND e.workspace_id = ?2 ORDER BY e.id DESC LIMIT ?3"
    );
    let mut stmt = conn.prepare_cached(&sql).map_err(&failed)?;
    let rows = stmt
        .query_map(params![after, ws, limit as i64], |r| {
            Ok(InboxRow {
                item: read_item(r)?,
                entry: read_entry(r, ITEM_COLUMN_COUNT)?,
            })
        })
        .map_err(&failed)?
        .collect::<Result<Vec<_>, _>>()
        .map_err(&failed)?;
    Ok((u64::try_from(total).unwrap_or(0), rows))
}

fn entry_of(conn: &Connection, ws: i64, item: ItemId) -> rusqlite::Result<Option<InboxEntry>> {
    conn.prepare_cached(&format!(
        "SELECT {ENTRY_COLUMNS} FROM {ENTRY_FROM} WHERE e.item_id = ?1 AND e.workspace_id = ?2"
    ))?
    .query_row(params![item.0, ws], |r| read_entry(r, 0))
    .optional()
}

fn no_entry(item: ItemId) -> StoreError {
    StoreError::NotFound {
        what: format!("inbox entry for item {}", item.0),
    }
}

pub(super) fn thread(
    conn: &Connection,
    workspace: &WorkspaceId,
    item: ItemId,
) -> StoreResult<Option<InboxThread>> {
    let ws = workspace_id(conn, &workspace.0)?;
    let failed = db("reading an inbox entry");
    let Some(entry) = entry_of(conn, ws, item).map_err(&failed)? else {
        return Ok(None);
    };
    let notes = conn
        .prepare_cached("SELECT author, at, text FROM inbox_notes WHERE entry_id = ?1 ORDER BY id")
        .and_then(|mut s| {
            s.query_map([entry.id], |r| {
                Ok(InboxNote {
                    author: r.get(0)?,
                    at: time(r, 1)?,
                    text: r.get(2)?,
                })
            })?
            .collect::<rusqlite::Result<Vec<_>>>()
        })
        .map_err(&failed)?;
    let replies = conn
        .prepare_cached(
            "SELECT key, text, author, at, outcome FROM inbox_replies WHERE entry_id = ?1 \
             ORDER BY id",
        )
        .and_then(|mut s| s.query_map([entry.id], read_reply)?.collect())
        .map_err(&failed)?;
    Ok(Some(InboxThread {
        entry,
        notes,
        replies,
    }))
}

fn read_reply(r: &Row<'_>) -> rusqlite::Result<InboxReply> {
    let outcome: String = r.get(4)?;
    Ok(InboxReply {
        key: r.get(0)?,
        text: r.get(1)?,
        author: r.get(2)?,
        at: time(r, 3)?,
        outcome: serde_json::from_str(&outcome).map_err(|e| {
            rusqlite::Error::FromSqlConversionFailure(4, rusqlite::types::Type::Text, e.into())
        })?,
    })
}

/// Moves an entry to `status`, keeping the counters, `is_open` and `resolved_at` in step.
fn set_status(
    tx: &Connection,
    ws: i64,
    entry: &InboxEntry,
    status: InboxStatus,
    at: Timestamp,
) -> rusqlite::Result<()> {
    if entry.status == status {
        return Ok(());
    }
    let resolved_at = if status == InboxStatus::Closed {
        Some(micros(at))
    } else {
        None
    };
    tx.prepare_cached(
        "UPDATE inbox_entries SET status = ?1, is_open = ?2, resolved_at = ?3 WHERE id = ?4",
    )?
    .execute(params![
        status.as_str(),
        status.is_open(),
        resolved_at,
        entry.id
    ])?;
    let channel = entry.channel.as_str();
    bump(tx, ws, channel, entry.status, -1)?;
    bump(tx, ws, channel, status, 1)
}

pub(super) fn update(
    conn: &mut Connection,
    workspace: &WorkspaceId,
    item: ItemId,
    change: &InboxChange,
    at: Timestamp,
) -> StoreResult<InboxEntry> {
    let ws = workspace_id(conn, &workspace.0)?;
    let failed = db("changing an inbox entry");
    let tx = conn.transaction().map_err(&failed)?;
    let entry = entry_of(&tx, ws, item)
        .map_err(&failed)?
        .ok_or_else(|| no_entry(item))?;
    if let InboxChange::Assign(assignee) = change {
        tx.prepare_cached("UPDATE inbox_entries SET assignee = ?1 WHERE id = ?2")
            .and_then(|mut s| s.execute(params![assignee, entry.id]))
            .map_err(&failed)?;
    }
    set_status(&tx, ws, &entry, change.status_after(entry.status), at).map_err(&failed)?;
    let entry = entry_of(&tx, ws, item)
        .map_err(&failed)?
        .ok_or_else(|| no_entry(item))?;
    tx.commit().map_err(&failed)?;
    Ok(entry)
}

pub(super) fn add_note(
    conn: &Connection,
    workspace: &WorkspaceId,
    item: ItemId,
    note: &InboxNote,
) -> StoreResult<()> {
    let ws = workspace_id(conn, &workspace.0)?;
    let failed = db("adding a note");
    let entry = entry_of(conn, ws, item)
        .map_err(&failed)?
        .ok_or_else(|| no_entry(item))?;
    conn.prepare_cached(
        "INSERT INTO inbox_notes (entry_id, author, at, text) VALUES (?1, ?2, ?3, ?4)",
    )
    .and_then(|mut s| s.execute(params![entry.id, note.author, micros(note.at), note.text]))
    .map_err(&failed)?;
    Ok(())
}

fn outcome_json(outcome: &ReplyOutcome) -> StoreResult<String> {
    serde_json::to_string(outcome)
        .map_err(|e| StoreError::Invalid(format!("a reply's outcome: {e}")))
}

/// Records a reply as pending under its key; `Some(earlier)` when the key was used already
/// (the reply must not be sent again).
pub(super) fn begin_reply(
    conn: &mut Connection,
    workspace: &WorkspaceId,
    item: ItemId,
    reply: &NewReply,
) -> StoreResult<Option<InboxReply>> {
    let ws = workspace_id(conn, &workspace.0)?;
    let failed = db("recording a reply");
    let pending = outcome_json(&ReplyOutcome::Pending)?;
    let tx = conn.transaction().map_err(&failed)?;
    let entry = entry_of(&tx, ws, item)
        .map_err(&failed)?
        .ok_or_else(|| no_entry(item))?;
    let earlier = tx
        .prepare_cached(
            "SELECT r.key, r.text, r.author, r.at, r.outcome FROM inbox_replies r \
             WHERE r.key = ?1",
        )
        .and_then(|mut s| s.query_row([&reply.key], read_reply).optional())
        .map_err(&failed)?;
    if earlier.is_some() {
        return Ok(earlier);
    }
    tx.prepare_cached(
        "INSERT INTO inbox_replies (entry_id, key, text, author, at, outcome) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )
    .and_then(|mut s| {
        s.execute(params![
            entry.id,
            reply.key,
            reply.text,
            reply.author,
            micros(reply.at),
            pending
        ])
    })
    .map_err(&failed)?;
    tx.execute(
        "UPDATE inbox_entries SET reply_seq = reply_seq + 1 WHERE id = ?1",
        [entry.id],
    )
    .map_err(&failed)?;
    tx.commit().map_err(&failed)?;
    Ok(None)
}

/// Stores what became of the reply under `key`; a reply that answers makes the entry
/// answered and, the first time, stores the first response.
pub(super) fn finish_reply(
    conn: &mut Connection,
    workspace: &WorkspaceId,
    item: ItemId,
    key: &str,
    outcome: &ReplyOutcome,
    at: Timestamp,
) -> StoreResult<InboxEntry> {
    let ws = workspace_id(conn, &workspace.0)?;
    let failed = db("storing a reply's outcome");
    let json = outcome_json(outcome)?;
    let tx = conn.transaction().map_err(&failed)?;
    let entry = entry_of(&tx, ws, item)
        .map_err(&failed)?
        .ok_or_else(|| no_entry(item))?;
    let changed = tx
        .execute(
            "UPDATE inbox_replies SET outcome = ?1 WHERE key = ?2 AND entry_id = ?3",
            params![json, key, entry.id],
        )
        .map_err(&failed)?;
    if changed == 0 {
        return Err(StoreError::NotFound {
            what: format!("reply `{key}`"),
        });
    }
    if outcome.answers() {
        let author: String = tx
            .query_row(
                "SELECT author FROM inbox_replies WHERE key = ?1",
                [key],
                |r| r.get(0),
            )
            .map_err(&failed)?;
        tx.execute(
            "UPDATE inbox_entries SET first_response_at = coalesce(first_response_at, ?1), \
             first_responder = coalesce(first_responder, ?2), due_at = resolution_due_at \
             WHERE id = ?3",
            params![micros(at), author, entry.id],
        )
        .map_err(&failed)?;
        if entry.status != InboxStatus::Closed {
            set_status(&tx, ws, &entry, InboxStatus::Answered, at).map_err(&failed)?;
        }
    }
    let entry = entry_of(&tx, ws, item)
        .map_err(&failed)?
        .ok_or_else(|| no_entry(item))?;
    tx.commit().map_err(&failed)?;
    Ok(entry)
}

pub(super) fn sla_policies(
    conn: &Connection,
    workspace: &WorkspaceId,
) -> StoreResult<Vec<SlaPolicy>> {
    let ws = workspace_id(conn, &workspace.0)?;
    let all = policies(conn, ws).map_err(db("reading SLA policies"))?;
    Ok(SourceKind::ALL
        .into_iter()
        .filter_map(|k| all.get(&k).cloned())
        .collect())
}

/// Stores a channel's policy and moves the deadlines of its open entries to it.
pub(super) fn put_sla_policy(
    conn: &mut Connection,
    workspace: &WorkspaceId,
    policy: &SlaPolicy,
) -> StoreResult<()> {
    if policy.first_response_mins == 0 || policy.resolution_mins == 0 {
        return Err(StoreError::Invalid(
            "SLA targets must be at least one minute".to_owned(),
        ));
    }
    let ws = workspace_id(conn, &workspace.0)?;
    let failed = db("storing an SLA policy");
    let tx = conn.transaction().map_err(&failed)?;
    tx.execute(
        "INSERT INTO inbox_sla (workspace_id, channel, first_response_mins, resolution_mins, \
         escalate_after_mins, escalate_to) VALUES (?1, ?2, ?3, ?4, ?5, ?6) \
         ON CONFLICT (workspace_id, channel) DO UPDATE SET \
         first_response_mins = excluded.first_response_mins, \
         resolution_mins = excluded.resolution_mins, \
         escalate_after_mins = excluded.escalate_after_mins, \
         escalate_to = excluded.escalate_to",
        params![
            ws,
            policy.channel.as_str(),
            policy.first_response_mins,
            policy.resolution_mins,
            policy.escalate_after_mins,
            policy.escalate_to
        ],
    )
    .map_err(&failed)?;
    let escalates = policy.escalate_to.is_some();
    tx.execute(
        "UPDATE inbox_entries SET \
         response_due_at = arrived_at + ?1 * 60000000, \
         resolution_due_at = arrived_at + max(?1, ?2) * 60000000, \
         due_at = CASE WHEN first_response_at IS NULL THEN arrived_at + ?1 * 60000000 \
                  ELSE arrived_at + max(?1, ?2) * 60000000 END, \
         escalate_at = CASE WHEN ?3 AND ?4 IS NOT NULL THEN arrived_at + ?4 * 60000000 END \
         WHERE workspace_id = ?5 AND channel = ?6 AND is_open = 1",
        params![
            policy.first_response_mins,
            policy.resolution_mins,
            escalates,
            policy.escalate_after_mins,
            ws,
            policy.channel.as_str()
        ],
    )
    .map_err(&failed)?;
    tx.commit().map_err(&failed)?;
    Ok(())
}

pub(super) fn saved_replies(
    conn: &Connection,
    workspace: &WorkspaceId,
) -> StoreResult<Vec<SavedReply>> {
    let ws = workspace_id(conn, &workspace.0)?;
    let failed = db("reading saved replies");
    let mut stmt = conn
        .prepare_cached(
            "SELECT id, title, text, language FROM inbox_saved_replies WHERE workspace_id = ?1 \
             ORDER BY title, id",
        )
        .map_err(&failed)?;
    let rows = stmt
        .query_map([ws], |r| {
            let language: String = r.get(3)?;
            Ok(SavedReply {
                id: Some(r.get(0)?),
                title: r.get(1)?,
                text: r.get(2)?,
                language: Lang::parse(&language).unwrap_or_default(),
            })
        })
        .map_err(&failed)?;
    rows.collect::<Result<Vec<_>, _>>().map_err(&failed)
}

/// Creates (no id) or changes a saved reply; returns its id.
pub(super) fn put_saved_reply(
    conn: &Connection,
    workspace: &WorkspaceId,
    reply: &SavedReply,
) -> StoreResult<i64> {
    if reply.title.trim().is_empty() || reply.text.trim().is_empty() {
        return Err(StoreError::Invalid(
            "a saved reply needs a title and a text".to_owned(),
        ));
    }
    let ws = workspace_id(conn, &workspace.0)?;
    let failed = db("storing a saved reply");
    match reply.id {
        None => {
            conn.execute(
                "INSERT INTO inbox_saved_replies (workspace_id, title, text, language) \
                 VALUES (?1, ?2, ?3, ?4)",
                params![ws, reply.title, reply.text, reply.language.as_str()],
            )
            .map_err(&failed)?;
            Ok(conn.last_insert_rowid())
        }
        Some(id) => {
            let changed = conn
                .execute(
                    "UPDATE inbox_saved_replies SET title = ?1, text = ?2, language = ?3 \
                     WHERE id = ?4 AND workspace_id = ?5",
                    params![reply.title, reply.text, reply.language.as_str(), id, ws],
                )
                .map_err(&failed)?;
            if changed == 0 {
                return Err(StoreError::NotFound {
                    what: format!("saved reply {id}"),
                });
            }
            Ok(id)
        }
    }
}

pub(super) fn delete_saved_reply(
    conn: &Connection,
    workspace: &WorkspaceId,
    id: i64,
) -> StoreResult<bool> {
    let ws = workspace_id(conn, &workspace.0)?;
    let deleted = conn
        .execute(
            "DELETE FROM inbox_saved_replies WHERE id = ?1 AND workspace_id = ?2",
            params![id, ws],
        )
        .map_err(db("deleting a saved reply"))?;
    Ok(deleted > 0)
}

/// Escalates every unanswered open entry whose time came: assigns it to the policy's
/// person, flags it and writes the `inbox.escalate` audit entry, all in one transaction, so
/// each entry is escalated exactly once.
pub(super) fn escalate_due(conn: &mut Connection, now: Timestamp) -> StoreResult<Vec<Escalation>> {
    let failed = db("escalating inbox entries");
    let tx = conn.transaction().map_err(&failed)?;
    let due = tx
        .prepare_cached(&format!(
            "SELECT {ENTRY_COLUMNS}, e.workspace_id, \
             (SELECT escalate_to FROM inbox_sla p \
              WHERE p.workspace_id = e.workspace_id AND p.channel = e.channel) \
             FROM {ENTRY_FROM} \
             WHERE e.escalate_at IS NOT NULL AND e.escalated_at IS NULL \
             AND e.first_response_at IS NULL AND e.escalate_at <= ?1 AND e.is_open = 1 \
             ORDER BY e.escalate_at LIMIT 1000"
        ))
        .and_then(|mut s| {
            s.query_map([micros(now)], |r| {
                Ok((
                    read_entry(r, 0)?,
                    r.get::<_, i64>(15)?,
                    r.get::<_, Option<String>>(16)?,
                ))
            })?
            .collect::<rusqlite::Result<Vec<_>>>()
        })
        .map_err(&failed)?;
    let mut escalations = Vec::new();
    for (entry, ws, to) in due {
        let Some(to) = to else {
            // The policy no longer names anybody: nothing to escalate to, ever.
            tx.execute(
                "UPDATE inbox_entries SET escalate_at = NULL WHERE id = ?1",
                [entry.id],
            )
            .map_err(&failed)?;
            continue;
        };
        tx.execute(
            "UPDATE inbox_entries SET escalated_at = ?1, escalated_to = ?2, assignee = ?2 \
             WHERE id = ?3",
            params![micros(now), to, entry.id],
        )
        .map_err(&failed)?;
        if entry.status == InboxStatus::New {
            set_status(&tx, ws, &entry, InboxStatus::Assigned, now).map_err(&failed)?;
        }
        accounts::append_audit(&tx, &escalation_audit(&entry, &to, now))?;
        escalations.push(Escalation {
            workspace: entry.workspace,
            entry: entry.id,
            item: entry.item,
            to,
        });
    }
    tx.commit().map_err(&failed)?;
    Ok(escalations)
}

/// Every entry that arrived in [from, to), for the SLA report.
pub(super) fn arrived_between(
    conn: &Connection,
    workspace: &WorkspaceId,
    from: Timestamp,
    to: Timestamp,
) -> StoreResult<Vec<InboxEntry>> {
    let ws = workspace_id(conn, &workspace.0)?;
    let failed = db("reading the inbox for the report");
    let mut stmt = conn
        .prepare_cached(&format!(
            "SELECT {ENTRY_COLUMNS} FROM {ENTRY_FROM} \
             WHERE e.workspace_id = ?1 AND e.arrived_at >= ?2 AND e.arrived_at < ?3"
        ))
        .map_err(&failed)?;
    let rows = stmt
        .query_map(params![ws, micros(from), micros(to)], |r| read_entry(r, 0))
        .map_err(&failed)?;
    rows.collect::<Result<Vec<_>, _>>().map_err(&failed)
}
