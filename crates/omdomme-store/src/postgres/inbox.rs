//! The inbox in PostgreSQL (schema 5): entries admitted in the items' own transaction
//! ([`admit_stored`]), the list in deadline order from the indexes of schema 5, counts from
//! `inbox_counts` (kept on write), notes, replies with their idempotency keys, SLA policies,
//! saved replies and escalations, with the SQLite backend's rules (`crate::inbox`).
//!
//! Several processes share the database: a change that reads an entry before writing it
//! locks the entry's row first, the counters are written in key order (so two transactions
//! wait for each other rather than deadlock), a reply key is claimed by its unique index,
//! and escalation skips the entries another process is escalating. Free text people write
//! (notes, replies, emails, saved replies) goes through `text::encode`.

use std::collections::{BTreeMap, HashMap};

use jiff::Timestamp;
use omdomme_core::{BrandId, Item, ItemId, Lang, SourceKind, WorkspaceId};
use tokio_postgres::types::{Json, ToSql};
use tokio_postgres::{GenericClient, Row, Transaction};

use super::items::{ITEM_COLUMNS, read_item};
use super::params::Params;
use super::time::PgTime;
use super::{Client, accounts, db, read_workspace, text, workspace_id};
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

/// What joins a page of entries `e` to its workspace and items, for [`ITEM_COLUMNS`] too:
/// the key row names the item's month, so only that partition is read. Lists choose their
/// page of entries in a subquery first (`(SELECT .. LIMIT n) e`): joined before the limit,
/// the planner may hash-join every item of a long queue to sort it.
const ITEM_JOINS: &str = "JOIN workspaces w ON w.id = e.workspace_id \
     JOIN item_keys k ON k.id = e.item_id \
     JOIN items i ON i.id = k.id AND i.published_at = k.published_at \
     JOIN sources s ON s.id = i.source_id";

/// Items the backfill reads per round trip.
const BACKFILL_BATCH: i32 = 5_000;

/// Where [`ENTRY_COLUMNS`] start in a row that selects [`ITEM_COLUMNS`] first.
fn entry_after_item() -> usize {
    ITEM_COLUMNS.split(',').count()
}

fn stored_text(row: &Row, index: usize) -> StoreResult<Option<String>> {
    let value: Option<String> = row.try_get(index).map_err(db("reading the inbox's text"))?;
    Ok(value.map(text::decode))
}

fn stored_time(row: &Row, index: usize) -> StoreResult<Timestamp> {
    let PgTime(at) = row.try_get(index).map_err(db("reading an inbox time"))?;
    Ok(at)
}

fn stored_opt_time(row: &Row, index: usize) -> StoreResult<Option<Timestamp>> {
    let at: Option<PgTime> = row.try_get(index).map_err(db("reading an inbox time"))?;
    Ok(at.map(|PgTime(at)| at))
}

fn unknown(what: &str, value: &str) -> StoreError {
    StoreError::Database(format!("unknown {what} `{value}` stored"))
}

fn channel(name: &str) -> StoreResult<SourceKind> {
    SourceKind::parse(name).ok_or_else(|| unknown("channel", name))
}

fn saturating_u32(value: i64) -> u32 {
    u32::try_from(value).unwrap_or(u32::MAX)
}

/// Reads [`ENTRY_COLUMNS`] starting at column `first`.
fn read_entry(row: &Row, first: usize) -> StoreResult<InboxEntry> {
    let failed = db("reading an inbox entry");
    let kind: String = row.try_get(first + 3).map_err(&failed)?;
    let status: String = row.try_get(first + 4).map_err(&failed)?;
    let reply_seq: i64 = row.try_get(first + 14).map_err(&failed)?;
    Ok(InboxEntry {
        id: row.try_get(first).map_err(&failed)?,
        workspace: WorkspaceId(row.try_get(first + 1).map_err(&failed)?),
        item: ItemId(row.try_get(first + 2).map_err(&failed)?),
        channel: channel(&kind)?,
        status: InboxStatus::parse(&status).ok_or_else(|| unknown("inbox status", &status))?,
        assignee: stored_text(row, first + 5)?,
        arrived_at: stored_time(row, first + 6)?,
        response_due_at: stored_time(row, first + 7)?,
        resolution_due_at: stored_time(row, first + 8)?,
        first_response_at: stored_opt_time(row, first + 9)?,
        first_responder: stored_text(row, first + 10)?,
        resolved_at: stored_opt_time(row, first + 11)?,
        escalated_at: stored_opt_time(row, first + 12)?,
        escalated_to: stored_text(row, first + 13)?,
        reply_seq: saturating_u32(reply_seq),
    })
}

fn read_row(row: &Row) -> StoreResult<InboxRow> {
    Ok(InboxRow {
        item: read_item(row)?,
        entry: read_entry(row, entry_after_item())?,
    })
}

/// Every channel's policy in a workspace: the stored one or the default.
async fn policies(
    client: &impl GenericClient,
    ws: i64,
) -> StoreResult<HashMap<SourceKind, SlaPolicy>> {
    let rows = client
        .query(
            "SELECT channel, first_response_mins, resolution_mins, escalate_after_mins, \
             escalate_to FROM inbox_sla WHERE workspace_id = $1",
            &[&ws],
        )
        .await
        .map_err(db("reading SLA policies"))?;
    let stored = rows
        .iter()
        .map(|r| {
            let kind: String = r.get(0);
            let escalate_after: Option<i64> = r.get(3);
            Ok(SlaPolicy {
                channel: channel(&kind)?,
                first_response_mins: saturating_u32(r.get(1)),
                resolution_mins: saturating_u32(r.get(2)),
                escalate_after_mins: escalate_after.map(saturating_u32),
                escalate_to: stored_text(r, 4)?,
            })
        })
        .collect::<StoreResult<Vec<_>>>()?;
    Ok(channel_policies(stored))
}

/// Adds to the entry counts of (channel, status) pairs, in key order: concurrent
/// transactions then lock the counters in one order and wait instead of deadlocking.
async fn bump(
    client: &impl GenericClient,
    ws: i64,
    changes: &[(SourceKind, InboxStatus, i64)],
) -> Result<(), tokio_postgres::Error> {
    let mut sums: BTreeMap<(&str, &str), i64> = BTreeMap::new();
    for (channel, status, by) in changes {
        *sums.entry((channel.as_str(), status.as_str())).or_default() += by;
    }
    sums.retain(|_, by| *by != 0);
    if sums.is_empty() {
        return Ok(());
    }
    let channels: Vec<&str> = sums.keys().map(|(c, _)| *c).collect();
    let statuses: Vec<&str> = sums.keys().map(|(_, s)| *s).collect();
    let by: Vec<i64> = sums.values().copied().collect();
    client
        .execute(
            "INSERT INTO inbox_counts (workspace_id, channel, status, entries) \
             SELECT $1, d.channel, d.status, d.by \
             FROM unnest($2::text[], $3::text[], $4::bigint[]) AS d (channel, status, by) \
             ORDER BY d.channel, d.status \
             ON CONFLICT (workspace_id, channel, status) DO UPDATE SET \
             entries = inbox_counts.entries + excluded.entries",
            &[&ws, &channels, &statuses, &by],
        )
        .await?;
    Ok(())
}

/// What admitting items of one workspace needs: its own brands and each channel's policy.
struct Rules {
    own: Vec<BrandId>,
    policies: HashMap<SourceKind, SlaPolicy>,
}

impl Rules {
    async fn of(client: &impl GenericClient, ws: i64) -> StoreResult<Rules> {
        let row = client
            .query_one(
                "SELECT key, name, synthetic, brands FROM workspaces WHERE id = $1",
                &[&ws],
            )
            .await
            .map_err(db("reading the workspace of inquiries"))?;
        Ok(Rules {
            own: own_brands(&read_workspace(&row)?),
            policies: policies(client, ws).await?,
        })
    }
}

/// Gives each of `items` (stored under the paired ids in workspace `ws`) that deserves an
/// entry and has none yet one, in one statement, and counts the new ones.
async fn admit(
    client: &impl GenericClient,
    ws: i64,
    rules: &Rules,
    items: &[(i64, &Item)],
) -> StoreResult<()> {
    let mut deserving: Vec<&(i64, &Item)> = items
        .iter()
        .filter(|(_, item)| deserves_answer(item, &rules.own))
        .collect();
    if deserving.is_empty() {
        return Ok(());
    }
    deserving.sort_by_key(|pair| pair.0);
    deserving.dedup_by_key(|pair| pair.0);
    let mut ids = Vec::with_capacity(deserving.len());
    let mut channels = Vec::with_capacity(deserving.len());
    let mut arrived = Vec::with_capacity(deserving.len());
    let mut response = Vec::with_capacity(deserving.len());
    let mut resolution = Vec::with_capacity(deserving.len());
    let mut escalate = Vec::with_capacity(deserving.len());
    for (id, item) in deserving {
        let kind = item.source.kind;
        let dues = rules
            .policies
            .get(&kind)
            .cloned()
            .unwrap_or_else(|| SlaPolicy::default_for(kind))
            .dues(item.published_at);
        ids.push(*id);
        channels.push(kind.as_str());
        arrived.push(PgTime(item.published_at));
        response.push(PgTime(dues.response));
        resolution.push(PgTime(dues.resolution));
        escalate.push(dues.escalate.map(PgTime));
    }
    let failed = db("admitting inquiries into the inbox");
    let added = client
        .query(
            "INSERT INTO inbox_entries (workspace_id, item_id, channel, status, is_open, \
             arrived_at, response_due_at, resolution_due_at, due_at, escalate_at) \
             SELECT $1, d.item, d.channel, 'new', true, d.arrived, d.response, d.resolution, \
             d.response, d.escalate \
             FROM unnest($2::bigint[], $3::text[], $4::timestamptz[], $5::timestamptz[], \
             $6::timestamptz[], $7::timestamptz[]) \
             AS d (item, channel, arrived, response, resolution, escalate) \
             ORDER BY d.item \
             ON CONFLICT (item_id) DO NOTHING RETURNING channel",
            &[
                &ws,
                &ids,
                &channels,
                &arrived,
                &response,
                &resolution,
                &escalate,
            ],
        )
        .await
        .map_err(&failed)?;
    let counted = added
        .iter()
        .map(|r| Ok((channel(r.get(0))?, InboxStatus::New, 1)))
        .collect::<StoreResult<Vec<_>>>()?;
    bump(client, ws, &counted).await.map_err(&failed)
}

/// Gives the inquiries of a batch just written in workspace `ws` that deserve an answer
/// their entries, in the batch's transaction. Most batches hold no inquiry and cost nothing;
/// otherwise the items' ids are looked up by key in one statement. An item stored again
/// unchanged gets its entry too if it has none (as the backfill would give it).
pub(super) async fn admit_stored(tx: &Transaction<'_>, ws: i64, items: &[Item]) -> StoreResult<()> {
    if !items.iter().any(|i| i.enrichment.inquiry) {
        return Ok(());
    }
    let rules = Rules::of(tx, ws).await?;
    let deserving: Vec<&Item> = items
        .iter()
        .filter(|i| deserves_answer(i, &rules.own))
        .collect();
    if deserving.is_empty() {
        return Ok(());
    }
    // Bound as `items::write_items` binds them to `sources` and `item_keys`.
    let kinds: Vec<&str> = deserving.iter().map(|i| i.source.kind.as_str()).collect();
    let names: Vec<&str> = deserving.iter().map(|i| i.source.name.as_str()).collect();
    let external: Vec<&str> = deserving.iter().map(|i| i.external_id.as_str()).collect();
    let rows = tx
        .query(
            "SELECT k.id, d.n FROM unnest($2::text[], $3::text[], $4::text[]) \
             WITH ORDINALITY AS d (kind, name, external_id, n) \
             JOIN sources s ON s.workspace_id = $1 AND s.kind = d.kind AND s.name = d.name \
             JOIN item_keys k ON k.source_id = s.id AND k.external_id = d.external_id",
            &[&ws, &kinds, &names, &external],
        )
        .await
        .map_err(db("looking up the ids of inquiries"))?;
    let stored: Vec<(i64, &Item)> = rows
        .iter()
        .filter_map(|r| {
            let n: i64 = r.get(1);
            let item = usize::try_from(n - 1).ok().and_then(|i| deserving.get(i))?;
            Some((r.get(0), *item))
        })
        .collect();
    admit(tx, ws, &rules, &stored).await
}

/// Gives every stored item that deserves an entry one (items stored before schema 5, or
/// re-enriched since); entries already there stay as they are. Holds off other admissions
/// until its transaction ends, so a put racing it neither waits on it halfway nor deadlocks.
pub(super) async fn backfill(tx: &Transaction<'_>) -> StoreResult<u64> {
    let failed = db("giving stored inquiries their inbox entries");
    tx.batch_execute("LOCK TABLE inbox_entries IN SHARE ROW EXCLUSIVE MODE")
        .await
        .map_err(&failed)?;
    let statement = tx
        .prepare(&format!(
            "SELECT {ITEM_COLUMNS}, i.workspace_id FROM items i \
             JOIN sources s ON s.id = i.source_id WHERE i.inquiry"
        ))
        .await
        .map_err(&failed)?;
    let no_params: [&(dyn ToSql + Sync); 0] = [];
    let portal = tx.bind(&statement, &no_params).await.map_err(&failed)?;
    let ws_column = entry_after_item();
    let mut rules: HashMap<i64, Rules> = HashMap::new();
    let mut seen = 0u64;
    loop {
        let rows = tx
            .query_portal(&portal, BACKFILL_BATCH)
            .await
            .map_err(&failed)?;
        if rows.is_empty() {
            break;
        }
        let mut by_workspace: BTreeMap<i64, Vec<(i64, Item)>> = BTreeMap::new();
        for row in &rows {
            let stored = read_item(row)?;
            let ws: i64 = row.try_get(ws_column).map_err(&failed)?;
            by_workspace
                .entry(ws)
                .or_default()
                .push((stored.id.0, stored.item));
        }
        for (ws, items) in by_workspace {
            let rules = match rules.entry(ws) {
                std::collections::hash_map::Entry::Occupied(e) => e.into_mut(),
                std::collections::hash_map::Entry::Vacant(e) => e.insert(Rules::of(tx, ws).await?),
            };
            let items: Vec<(i64, &Item)> = items.iter().map(|(id, item)| (*id, item)).collect();
            admit(tx, ws, rules, &items).await?;
        }
        seen += rows.len() as u64;
    }
    Ok(seen)
}

/// Runs the backfill schema 5 asked for, once: the first process to delete the request
/// does it, the others wait for its transaction and find nothing left to do.
pub(super) async fn backfill_if_pending(client: &mut Client) -> StoreResult<()> {
    let failed = db("giving stored inquiries their inbox entries");
    let tx = client.transaction().await.map_err(&failed)?;
    let claimed = tx
        .execute("DELETE FROM inbox_backfill_pending", &[])
        .await
        .map_err(&failed)?;
    if claimed == 0 {
        return Ok(());
    }
    let seen = backfill(&tx).await?;
    tx.commit().await.map_err(&failed)?;
    tracing::info!(
        inquiries = seen,
        "inbox entries given to the stored inquiries"
    );
    Ok(())
}

pub(super) async fn list(
    client: &impl GenericClient,
    query: &InboxQuery,
) -> StoreResult<InboxPage> {
    if query.limit == 0 || query.limit > MAX_INBOX_PAGE {
        return Err(StoreError::Invalid(format!(
            "an inbox page holds 1 to {MAX_INBOX_PAGE} entries, not {}",
            query.limit
        )));
    }
    let ws = workspace_id(client, &query.workspace.0).await?;
    let mut p = Params::default();
    let mut conditions = vec![format!("e.workspace_id = {}", p.bind(ws))];
    match query.status {
        StatusFilter::Open => conditions.push("e.is_open".to_owned()),
        StatusFilter::Only(status) => {
            conditions.push(format!("e.status = {}", p.bind(status.as_str())));
        }
        StatusFilter::All => {}
    }
    if let Some(kind) = query.channel {
        conditions.push(format!("e.channel = {}", p.bind(kind.as_str())));
    }
    match &query.assignee {
        None => {}
        Some(AssigneeFilter::Unassigned) => conditions.push("e.assignee IS NULL".to_owned()),
        Some(AssigneeFilter::Person(email)) => {
            let email = p.bind(text::encode(email).into_owned());
            conditions.push(format!("lower(e.assignee) = lower({email}::text)"));
        }
    }
    if let Some(responder) = &query.responder {
        let responder = p.bind(text::encode(responder).into_owned());
        conditions.push(format!(
            "lower(coalesce(e.first_responder, e.assignee)) = lower({responder}::text)"
        ));
    }
    if let Some(sla) = query.sla {
        // Bound only where a condition uses it: PostgreSQL cannot type an unused value.
        let mut now = || format!("{}::timestamptz", p.bind(PgTime(query.now)));
        // "75 % of the time to the deadline used", as `InboxEntry::sla_state` judges it.
        let at_risk =
            |now: &str| format!("({now} - e.arrived_at) * 4 >= (e.due_at - e.arrived_at) * 3");
        conditions.push(match sla {
            SlaFilter::Breached => format!("e.is_open AND e.due_at <= {}", now()),
            SlaFilter::AtRisk => {
                let now = now();
                format!("e.is_open AND e.due_at > {now} AND {}", at_risk(&now))
            }
            SlaFilter::Ok => format!("e.is_open AND NOT ({})", at_risk(&now())),
            SlaFilter::Met => {
                "e.first_response_at IS NOT NULL AND e.first_response_at <= e.response_due_at"
                    .to_owned()
            }
            SlaFilter::Missed => format!(
                "(e.first_response_at > e.response_due_at \
                 OR (e.first_response_at IS NULL AND e.response_due_at < {}))",
                now()
            ),
        });
    }
    if let Some(from) = query.from {
        conditions.push(format!("e.arrived_at >= {}", p.bind(PgTime(from))));
    }
    if let Some(to) = query.to {
        conditions.push(format!("e.arrived_at < {}", p.bind(PgTime(to))));
    }
    if let Some((due, id)) = query.after {
        let due = p.bind(PgTime(due));
        conditions.push(format!("(e.due_at, e.id) > ({due}, {})", p.bind(id)));
    }
    // One more than asked tells whether there is a next page.
    let sql = format!(
        "SELECT {ITEM_COLUMNS}, {ENTRY_COLUMNS}, e.due_at FROM \
         (SELECT * FROM inbox_entries e WHERE {} ORDER BY e.due_at, e.id LIMIT {}) e \
         {ITEM_JOINS} ORDER BY e.due_at, e.id",
        conditions.join(" AND "),
        p.bind(query.limit as i64 + 1)
    );
    let rows = client
        .query(&sql, &p.refs())
        .await
        .map_err(db("reading the inbox"))?;
    let due_column = entry_after_item() + ENTRY_COLUMNS.split(',').count();
    let mut rows = rows
        .iter()
        .map(|r| Ok((read_row(r)?, stored_time(r, due_column)?)))
        .collect::<StoreResult<Vec<_>>>()?;
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

pub(super) async fn counts(
    client: &impl GenericClient,
    workspace: &WorkspaceId,
) -> StoreResult<InboxCounts> {
    let ws = workspace_id(client, &workspace.0).await?;
    let failed = db("counting the inbox");
    let rows = client
        .query(
            "SELECT channel, status, entries FROM inbox_counts \
             WHERE workspace_id = $1 AND entries > 0 ORDER BY channel, status",
            &[&ws],
        )
        .await
        .map_err(&failed)?;
    let mut counts = InboxCounts::default();
    for row in rows {
        let kind: String = row.get(0);
        let status: String = row.get(1);
        let n: i64 = row.get(2);
        if let (Some(kind), Some(status)) = (SourceKind::parse(&kind), InboxStatus::parse(&status))
        {
            counts
                .by_channel
                .push((kind, status, u64::try_from(n).unwrap_or(0)));
        }
    }
    // Newest first by id, stopping at the workspace's first: no scan, no extra index.
    counts.latest_id = client
        .query_opt(
            "SELECT id FROM inbox_entries WHERE workspace_id = $1 ORDER BY id DESC LIMIT 1",
            &[&ws],
        )
        .await
        .map_err(&failed)?
        .map_or(0, |r| r.get(0));
    Ok(counts)
}

/// Entries that arrived in the inbox after entry `after`, newest first, and how many.
pub(super) async fn arrivals(
    client: &impl GenericClient,
    workspace: &WorkspaceId,
    after: i64,
    limit: usize,
) -> StoreResult<(u64, Vec<InboxRow>)> {
    let ws = workspace_id(client, &workspace.0).await?;
    let failed = db("reading new inbox entries");
    let total: i64 = client
        .query_one(
            "SELECT count(*) FROM inbox_entries WHERE id > $1 AND workspace_id = $2",
            &[&after, &ws],
        )
        .await
        .map_err(&failed)?
        .get(0);
    let rows = client
        .query(
            &format!(
                "SELECT {ITEM_COLUMNS}, {ENTRY_COLUMNS} FROM \
                 (SELECT * FROM inbox_entries e WHERE e.id > $1 AND e.workspace_id = $2 \
                  ORDER BY e.id DESC LIMIT $3) e \
                 {ITEM_JOINS} ORDER BY e.id DESC"
            ),
            &[&after, &ws, &(limit as i64)],
        )
        .await
        .map_err(&failed)?
        .iter()
        .map(read_row)
        .collect::<StoreResult<Vec<_>>>()?;
    Ok((u64::try_from(total).unwrap_or(0), rows))
}

/// The entry of `item`, with `suffix` after the query (a row lock, or nothing).
async fn entry_with(
    client: &impl GenericClient,
    ws: i64,
    item: ItemId,
    suffix: &str,
) -> StoreResult<Option<InboxEntry>> {
    client
        .query_opt(
            &format!(
                "SELECT {ENTRY_COLUMNS} FROM {ENTRY_FROM} \
                 WHERE e.item_id = $1 AND e.workspace_id = $2{suffix}"
            ),
            &[&item.0, &ws],
        )
        .await
        .map_err(db("reading an inbox entry"))?
        .map(|r| read_entry(&r, 0))
        .transpose()
}

async fn entry_of(
    client: &impl GenericClient,
    ws: i64,
    item: ItemId,
) -> StoreResult<Option<InboxEntry>> {
    entry_with(client, ws, item, "").await
}

/// The entry of `item`, its row locked until the transaction ends: a change that starts
/// from its status then keeps the counts right however many processes change it at once.
async fn locked_entry(tx: &Transaction<'_>, ws: i64, item: ItemId) -> StoreResult<InboxEntry> {
    entry_with(tx, ws, item, " FOR UPDATE OF e")
        .await?
        .ok_or_else(|| no_entry(item))
}

fn no_entry(item: ItemId) -> StoreError {
    StoreError::NotFound {
        what: format!("inbox entry for item {}", item.0),
    }
}

const REPLY_COLUMNS: &str = "key, text, author, at, outcome";

fn read_reply(r: &Row) -> StoreResult<InboxReply> {
    let failed = db("reading a reply");
    let Json(outcome) = r.try_get(4).map_err(&failed)?;
    Ok(InboxReply {
        key: text::decode(r.try_get(0).map_err(&failed)?),
        text: text::decode(r.try_get(1).map_err(&failed)?),
        author: text::decode(r.try_get(2).map_err(&failed)?),
        at: stored_time(r, 3)?,
        outcome,
    })
}

pub(super) async fn thread(
    client: &impl GenericClient,
    workspace: &WorkspaceId,
    item: ItemId,
) -> StoreResult<Option<InboxThread>> {
    let ws = workspace_id(client, &workspace.0).await?;
    let Some(entry) = entry_of(client, ws, item).await? else {
        return Ok(None);
    };
    let failed = db("reading an inbox entry's notes and replies");
    let notes = client
        .query(
            "SELECT author, at, text FROM inbox_notes WHERE entry_id = $1 ORDER BY id",
            &[&entry.id],
        )
        .await
        .map_err(&failed)?
        .iter()
        .map(|r| {
            Ok(InboxNote {
                author: text::decode(r.get(0)),
                at: stored_time(r, 1)?,
                text: text::decode(r.get(2)),
            })
        })
        .collect::<StoreResult<Vec<_>>>()?;
    let replies = client
        .query(
            &format!("SELECT {REPLY_COLUMNS} FROM inbox_replies WHERE entry_id = $1 ORDER BY id"),
            &[&entry.id],
        )
        .await
        .map_err(&failed)?
        .iter()
        .map(read_reply)
        .collect::<StoreResult<Vec<_>>>()?;
    Ok(Some(InboxThread {
        entry,
        notes,
        replies,
    }))
}

/// Moves an entry to `status`, keeping the counters, `is_open` and `resolved_at` in step.
async fn set_status(
    tx: &Transaction<'_>,
    ws: i64,
    entry: &InboxEntry,
    status: InboxStatus,
    at: Timestamp,
) -> Result<(), tokio_postgres::Error> {
    if entry.status == status {
        return Ok(());
    }
    let resolved_at = (status == InboxStatus::Closed).then_some(PgTime(at));
    tx.execute(
        "UPDATE inbox_entries SET status = $1, is_open = $2, resolved_at = $3 WHERE id = $4",
        &[&status.as_str(), &status.is_open(), &resolved_at, &entry.id],
    )
    .await?;
    bump(
        tx,
        ws,
        &[
            (entry.channel, entry.status, -1),
            (entry.channel, status, 1),
        ],
    )
    .await
}

pub(super) async fn update(
    mut client: Client,
    workspace: &WorkspaceId,
    item: ItemId,
    change: &InboxChange,
    at: Timestamp,
) -> StoreResult<InboxEntry> {
    let ws = workspace_id(&**client, &workspace.0).await?;
    let failed = db("changing an inbox entry");
    let tx = client.transaction().await.map_err(&failed)?;
    let entry = locked_entry(&tx, ws, item).await?;
    if let InboxChange::Assign(assignee) = change {
        let assignee = assignee.as_deref().map(text::encode);
        tx.execute(
            "UPDATE inbox_entries SET assignee = $1 WHERE id = $2",
            &[&assignee, &entry.id],
        )
        .await
        .map_err(&failed)?;
    }
    set_status(&tx, ws, &entry, change.status_after(entry.status), at)
        .await
        .map_err(&failed)?;
    let entry = entry_of(&*tx, ws, item)
        .await?
        .ok_or_else(|| no_entry(item))?;
    tx.commit().await.map_err(&failed)?;
    Ok(entry)
}

pub(super) async fn add_note(
    client: &impl GenericClient,
    workspace: &WorkspaceId,
    item: ItemId,
    note: &InboxNote,
) -> StoreResult<()> {
    let ws = workspace_id(client, &workspace.0).await?;
    let entry = entry_of(client, ws, item)
        .await?
        .ok_or_else(|| no_entry(item))?;
    client
        .execute(
            "INSERT INTO inbox_notes (entry_id, author, at, text) VALUES ($1, $2, $3, $4)",
            &[
                &entry.id,
                &text::encode(&note.author),
                &PgTime(note.at),
                &text::encode(&note.text),
            ],
        )
        .await
        .map_err(db("adding a note"))?;
    Ok(())
}

/// Records a reply as pending under its key; `Some(earlier)` when the key was used already
/// (the reply must not be sent again). The key's unique index decides between two
/// processes recording the same reply at once.
pub(super) async fn begin_reply(
    mut client: Client,
    workspace: &WorkspaceId,
    item: ItemId,
    reply: &NewReply,
) -> StoreResult<Option<InboxReply>> {
    let ws = workspace_id(&**client, &workspace.0).await?;
    let failed = db("recording a reply");
    let tx = client.transaction().await.map_err(&failed)?;
    let entry = entry_of(&*tx, ws, item)
        .await?
        .ok_or_else(|| no_entry(item))?;
    let key = text::encode(&reply.key);
    let recorded = tx
        .execute(
            "INSERT INTO inbox_replies (entry_id, key, text, author, at, outcome) \
             VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (key) DO NOTHING",
            &[
                &entry.id,
                &key,
                &text::encode(&reply.text),
                &text::encode(&reply.author),
                &PgTime(reply.at),
                &Json(ReplyOutcome::Pending),
            ],
        )
        .await
        .map_err(&failed)?;
    if recorded == 0 {
        return tx
            .query_opt(
                &format!("SELECT {REPLY_COLUMNS} FROM inbox_replies WHERE key = $1"),
                &[&key],
            )
            .await
            .map_err(&failed)?
            .map(|r| read_reply(&r))
            .transpose();
    }
    tx.execute(
        "UPDATE inbox_entries SET reply_seq = reply_seq + 1 WHERE id = $1",
        &[&entry.id],
    )
    .await
    .map_err(&failed)?;
    tx.commit().await.map_err(&failed)?;
    Ok(None)
}

/// Stores what became of the reply under `key`; a reply that answers makes the entry
/// answered and, the first time, stores the first response.
pub(super) async fn finish_reply(
    mut client: Client,
    workspace: &WorkspaceId,
    item: ItemId,
    key: &str,
    outcome: &ReplyOutcome,
    at: Timestamp,
) -> StoreResult<InboxEntry> {
    let ws = workspace_id(&**client, &workspace.0).await?;
    let failed = db("storing a reply's outcome");
    let tx = client.transaction().await.map_err(&failed)?;
    let entry = locked_entry(&tx, ws, item).await?;
    let author: String = tx
        .query_opt(
            "UPDATE inbox_replies SET outcome = $1 WHERE key = $2 AND entry_id = $3 \
             RETURNING author",
            &[&Json(outcome), &text::encode(key), &entry.id],
        )
        .await
        .map_err(&failed)?
        .ok_or_else(|| StoreError::NotFound {
            what: format!("reply `{key}`"),
        })?
        .get(0);
    if outcome.answers() {
        tx.execute(
            "UPDATE inbox_entries SET first_response_at = coalesce(first_response_at, $1), \
             first_responder = coalesce(first_responder, $2), due_at = resolution_due_at \
             WHERE id = $3",
            &[&PgTime(at), &author, &entry.id],
        )
        .await
        .map_err(&failed)?;
        if entry.status != InboxStatus::Closed {
            set_status(&tx, ws, &entry, InboxStatus::Answered, at)
                .await
                .map_err(&failed)?;
        }
    }
    let entry = entry_of(&*tx, ws, item)
        .await?
        .ok_or_else(|| no_entry(item))?;
    tx.commit().await.map_err(&failed)?;
    Ok(entry)
}

pub(super) async fn sla_policies(
    client: &impl GenericClient,
    workspace: &WorkspaceId,
) -> StoreResult<Vec<SlaPolicy>> {
    let ws = workspace_id(client, &workspace.0).await?;
    let all = policies(client, ws).await?;
    Ok(SourceKind::ALL
        .into_iter()
        .filter_map(|k| all.get(&k).cloned())
        .collect())
}

/// Stores a channel's policy and moves the deadlines of its open entries to it.
pub(super) async fn put_sla_policy(
    mut client: Client,
    workspace: &WorkspaceId,
    policy: &SlaPolicy,
) -> StoreResult<()> {
    if policy.first_response_mins == 0 || policy.resolution_mins == 0 {
        return Err(StoreError::Invalid(
            "SLA targets must be at least one minute".to_owned(),
        ));
    }
    let ws = workspace_id(&**client, &workspace.0).await?;
    let failed = db("storing an SLA policy");
    let first_response = i64::from(policy.first_response_mins);
    let resolution = i64::from(policy.resolution_mins);
    let escalate_after = policy.escalate_after_mins.map(i64::from);
    let escalate_to = policy.escalate_to.as_deref().map(text::encode);
    let tx = client.transaction().await.map_err(&failed)?;
    tx.execute(
        "INSERT INTO inbox_sla (workspace_id, channel, first_response_mins, resolution_mins, \
         escalate_after_mins, escalate_to) VALUES ($1, $2, $3, $4, $5, $6) \
         ON CONFLICT (workspace_id, channel) DO UPDATE SET \
         first_response_mins = excluded.first_response_mins, \
         resolution_mins = excluded.resolution_mins, \
         escalate_after_mins = excluded.escalate_after_mins, \
         escalate_to = excluded.escalate_to",
        &[
            &ws,
            &policy.channel.as_str(),
            &first_response,
            &resolution,
            &escalate_after,
            &escalate_to,
        ],
    )
    .await
    .map_err(&failed)?;
    // The same deadlines as `SlaPolicy::dues`; no escalation without somebody to go to.
    let escalate_after = escalate_after.filter(|_| escalate_to.is_some());
    tx.execute(
        "UPDATE inbox_entries SET \
         response_due_at = arrived_at + $1::bigint * interval '1 minute', \
         resolution_due_at = arrived_at + greatest($1, $2)::bigint * interval '1 minute', \
         due_at = CASE WHEN first_response_at IS NULL \
                  THEN arrived_at + $1::bigint * interval '1 minute' \
                  ELSE arrived_at + greatest($1, $2)::bigint * interval '1 minute' END, \
         escalate_at = arrived_at + $3::bigint * interval '1 minute' \
         WHERE workspace_id = $4 AND channel = $5 AND is_open",
        &[
            &first_response,
            &resolution,
            &escalate_after,
            &ws,
            &policy.channel.as_str(),
        ],
    )
    .await
    .map_err(&failed)?;
    tx.commit().await.map_err(&failed)
}

pub(super) async fn saved_replies(
    client: &impl GenericClient,
    workspace: &WorkspaceId,
) -> StoreResult<Vec<SavedReply>> {
    let ws = workspace_id(client, &workspace.0).await?;
    let rows = client
        .query(
            "SELECT id, title, text, language FROM inbox_saved_replies WHERE workspace_id = $1 \
             ORDER BY title, id",
            &[&ws],
        )
        .await
        .map_err(db("reading saved replies"))?;
    Ok(rows
        .iter()
        .map(|r| {
            let language: String = r.get(3);
            SavedReply {
                id: Some(r.get(0)),
                title: text::decode(r.get(1)),
                text: text::decode(r.get(2)),
                language: Lang::parse(&language).unwrap_or_default(),
            }
        })
        .collect())
}

/// Creates (no id) or changes a saved reply; returns its id.
pub(super) async fn put_saved_reply(
    client: &impl GenericClient,
    workspace: &WorkspaceId,
    reply: &SavedReply,
) -> StoreResult<i64> {
    if reply.title.trim().is_empty() || reply.text.trim().is_empty() {
        return Err(StoreError::Invalid(
            "a saved reply needs a title and a text".to_owned(),
        ));
    }
    let ws = workspace_id(client, &workspace.0).await?;
    let failed = db("storing a saved reply");
    let title = text::encode(&reply.title);
    let body = text::encode(&reply.text);
    let language = reply.language.as_str();
    match reply.id {
        None => Ok(client
            .query_one(
                "INSERT INTO inbox_saved_replies (workspace_id, title, text, language) \
                 VALUES ($1, $2, $3, $4) RETURNING id",
                &[&ws, &title, &body, &language],
            )
            .await
            .map_err(&failed)?
            .get(0)),
        Some(id) => {
            let changed = client
                .execute(
                    "UPDATE inbox_saved_replies SET title = $1, text = $2, language = $3 \
                     WHERE id = $4 AND workspace_id = $5",
                    &[&title, &body, &language, &id, &ws],
                )
                .await
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

pub(super) async fn delete_saved_reply(
    client: &impl GenericClient,
    workspace: &WorkspaceId,
    id: i64,
) -> StoreResult<bool> {
    let ws = workspace_id(client, &workspace.0).await?;
    let deleted = client
        .execute(
            "DELETE FROM inbox_saved_replies WHERE id = $1 AND workspace_id = $2",
            &[&id, &ws],
        )
        .await
        .map_err(db("deleting a saved reply"))?;
    Ok(deleted > 0)
}

/// Escalates every unanswered open entry whose time came: assigns it to the policy's
/// person, flags it and writes the `inbox.escalate` audit entry, all in one transaction.
/// The entries are locked as they are read, and those another process is escalating are
/// skipped, so each entry is escalated exactly once however many processes run this.
pub(super) async fn escalate_due(
    mut client: Client,
    now: Timestamp,
) -> StoreResult<Vec<Escalation>> {
    let failed = db("escalating inbox entries");
    let tx = client.transaction().await.map_err(&failed)?;
    let due = tx
        .query(
            &format!(
                "SELECT {ENTRY_COLUMNS}, e.workspace_id, \
                 (SELECT escalate_to FROM inbox_sla p \
                  WHERE p.workspace_id = e.workspace_id AND p.channel = e.channel) \
                 FROM {ENTRY_FROM} \
                 WHERE e.escalate_at IS NOT NULL AND e.escalated_at IS NULL \
                 AND e.first_response_at IS NULL AND e.escalate_at <= $1 AND e.is_open \
                 ORDER BY e.escalate_at LIMIT 1000 FOR UPDATE OF e SKIP LOCKED"
            ),
            &[&PgTime(now)],
        )
        .await
        .map_err(&failed)?;
    let mut escalations = Vec::new();
    for row in &due {
        let entry = read_entry(row, 0)?;
        let ws: i64 = row.get(15);
        let Some(to) = stored_text(row, 16)? else {
            // The policy no longer names anybody: nothing to escalate to, ever.
            tx.execute(
                "UPDATE inbox_entries SET escalate_at = NULL WHERE id = $1",
                &[&entry.id],
            )
            .await
            .map_err(&failed)?;
            continue;
        };
        tx.execute(
            "UPDATE inbox_entries SET escalated_at = $1, escalated_to = $2, assignee = $2 \
             WHERE id = $3",
            &[&PgTime(now), &text::encode(&to), &entry.id],
        )
        .await
        .map_err(&failed)?;
        if entry.status == InboxStatus::New {
            set_status(&tx, ws, &entry, InboxStatus::Assigned, now)
                .await
                .map_err(&failed)?;
        }
        accounts::append_audit(&*tx, &escalation_audit(&entry, &to, now)).await?;
        escalations.push(Escalation {
            workspace: entry.workspace,
            entry: entry.id,
            item: entry.item,
            to,
        });
    }
    tx.commit().await.map_err(&failed)?;
    Ok(escalations)
}

/// Every entry that arrived in [from, to), for the SLA report.
pub(super) async fn arrived_between(
    client: &impl GenericClient,
    workspace: &WorkspaceId,
    from: Timestamp,
    to: Timestamp,
) -> StoreResult<Vec<InboxEntry>> {
    let ws = workspace_id(client, &workspace.0).await?;
    client
        .query(
            &format!(
                "SELECT {ENTRY_COLUMNS} FROM {ENTRY_FROM} \
                 WHERE e.workspace_id = $1 AND e.arrived_at >= $2 AND e.arrived_at < $3"
            ),
            &[&ws, &PgTime(from), &PgTime(to)],
        )
        .await
        .map_err(db("reading the inbox for the report"))?
        .iter()
        .map(|r| read_entry(r, 0))
        .collect()
}
