//! The explorer's reads: an item with the conversation around it, and every item a search
//! matches, a page at a time, for export.

use std::collections::{BTreeMap, HashSet};

use omdomme_core::{ItemId, StoredItem, WorkspaceId};
use rusqlite::{Connection, OptionalExtension, params};

use super::items::{ITEM_COLUMN_COUNT, ITEM_COLUMNS, ITEM_FROM, read_item};
use super::{Inner, db, load_items, workspace_id};
use crate::{
    ExportRequest, ItemBatch, MAX_ITEMS_PAGE, MAX_THREAD, StoreError, StoreResult, Thread,
};

/// How far up a parent chain goes: deeper chains are cut (and may be cycles in bad data).
pub(crate) const MAX_PARENT_DEPTH: usize = 100;

/// Item ids in the first step of an export page's walk. Each step that leaves the page short
/// doubles the next, up to [`MAX_EXPORT_WINDOW`]: a dense result fills a page in one small
/// step, a sparse one gets there in few searches, and no step holds more than the largest
/// window's ids, so memory stays bounded whatever the search.
const FIRST_EXPORT_WINDOW: i64 = 1_024;
const MAX_EXPORT_WINDOW: i64 = 262_144;

/// An item with its source's row id, for looking up relatives in the same source.
fn read_with_source(row: &rusqlite::Row<'_>) -> rusqlite::Result<(StoredItem, i64)> {
    Ok((read_item(row)?, row.get(ITEM_COLUMN_COUNT)?))
}

pub(crate) fn thread(
    conn: &Connection,
    workspace: &WorkspaceId,
    id: ItemId,
    limit: usize,
) -> StoreResult<Option<Thread>> {
    if limit == 0 || limit > MAX_THREAD {
        return Err(StoreError::Invalid(format!(
            "a thread holds 1 to {MAX_THREAD} items of each kind, not {limit}"
        )));
    }
    let ws = workspace_id(conn, &workspace.0)?;
    let failed = db("reading a thread");
    let select = format!("SELECT {ITEM_COLUMNS}, i.source_id FROM {ITEM_FROM}");
    let Some((item, source)) = conn
        .prepare_cached(&format!("{select} WHERE i.id = ?1 AND i.workspace_id = ?2"))
        .and_then(|mut s| s.query_row(params![id.0, ws], read_with_source).optional())
        .map_err(&failed)?
    else {
        return Ok(None);
    };
    let mut by_time: BTreeMap<(i64, i64), StoredItem> = BTreeMap::new();
    let mut truncated = false;
    // One more than the limit tells whether there were more.
    let fetch = limit as i64 + 1;
    let root = item
        .item
        .thread_id
        .clone()
        .unwrap_or_else(|| item.item.external_id.clone());
    for (condition, key) in [
        ("i.thread_id = ?2", &root),
        ("i.parent_id = ?2", &item.item.external_id),
    ] {
        let mut stmt = conn
            .prepare_cached(&format!(
                "{select} WHERE i.workspace_id = ?1 AND {condition} \
                 ORDER BY i.published_at, i.id LIMIT ?3"
            ))
            .map_err(&failed)?;
        let rows = stmt
            .query_map(params![ws, key, fetch], read_item)
            .map_err(&failed)?;
        let mut found = rows.collect::<Result<Vec<_>, _>>().map_err(&failed)?;
        if found.len() > limit {
            truncated = true;
            found.truncate(limit);
        }
        for relative in found {
            by_time.insert(time_key(&relative), relative);
        }
    }
    // The root, and the parent chain: in the item's own source, where the platform's ids
    // are unique.
    let mut by_external = conn
        .prepare_cached(&format!(
            "{select} WHERE i.source_id = ?1 AND i.external_id = ?2 AND i.workspace_id = ?3"
        ))
        .map_err(&failed)?;
    let mut lookup = |external_id: &str| {
        by_external
            .query_row(params![source, external_id, ws], read_item)
            .optional()
            .map_err(&failed)
    };
    if let Some(root_item) = lookup(&root)? {
        by_time.insert(time_key(&root_item), root_item);
    }
    let mut seen = HashSet::from([item.item.external_id.clone()]);
    let mut parent = item.item.parent_id.clone();
    while let Some(external_id) = parent.take() {
        if seen.len() > MAX_PARENT_DEPTH {
            truncated = true;
            break;
        }
        if !seen.insert(external_id.clone()) {
            break;
        }
        if let Some(up) = lookup(&external_id)? {
            parent = up.item.parent_id.clone();
            by_time.insert(time_key(&up), up);
        }
    }
    by_time.insert(time_key(&item), item.clone());
    Ok(Some(Thread {
        item,
        items: by_time.into_values().collect(),
        truncated,
    }))
}

pub(crate) fn time_key(item: &StoredItem) -> (i64, i64) {
    (item.item.published_at.as_microsecond(), item.id.0)
}

impl Inner {
    /// Walks the workspace's ids from `request.after` a window at a time, asking the index
    /// for the matches in each, until the page is full or the ids run out.
    pub(crate) fn export_items(&self, request: &ExportRequest) -> StoreResult<ItemBatch> {
        if request.limit == 0 || request.limit > MAX_ITEMS_PAGE {
            return Err(StoreError::Invalid(format!(
                "an export page holds 1 to {MAX_ITEMS_PAGE} items, not {}",
                request.limit
            )));
        }
        // Two lookups in the (workspace_id, id) index; one query with both min() and max()
        // would scan the workspace's rows.
        let range: Option<(i64, i64)> = self.read(|conn| {
            let ws = workspace_id(conn, &request.workspace.0)?;
            let failed = db("reading the workspace's item ids");
            let end = |sql: &str| {
                conn.prepare_cached(sql)
                    .and_then(|mut s| s.query_row([ws], |r| r.get::<_, i64>(0)).optional())
                    .map_err(&failed)
            };
            let first = end("SELECT id FROM items WHERE workspace_id = ?1 ORDER BY id LIMIT 1")?;
            let last =
                end("SELECT id FROM items WHERE workspace_id = ?1 ORDER BY id DESC LIMIT 1")?;
            Ok(first.zip(last))
        })?;
        let empty = ItemBatch {
            items: Vec::new(),
            next: None,
        };
        let Some((first, last)) = range else {
            return Ok(empty);
        };
        // The ids still to walk, [low, high), shrinking from one end.
        let (mut low, mut high) = match (request.newest_first, request.after) {
            (_, None) => (first, last + 1),
            (true, Some(after)) => (first, after.0.min(last + 1)),
            (false, Some(after)) => (after.0.saturating_add(1).max(first), last + 1),
        };
        let mut ids: Vec<i64> = Vec::new();
        let mut window = FIRST_EXPORT_WINDOW.max(request.limit as i64);
        while low < high && ids.len() <= request.limit {
            let (from, to) = if request.newest_first {
                (high.saturating_sub(window).max(low), high)
            } else {
                (low, low.saturating_add(window).min(high))
            };
            window = (window * 2).min(MAX_EXPORT_WINDOW);
            let mut found = self.index.ids_between(
                &request.workspace.0,
                request.query.as_ref(),
                &request.filters,
                from,
                to,
            )?;
            if request.newest_first {
                found.sort_unstable_by(|a, b| b.cmp(a));
                high = from;
            } else {
                found.sort_unstable();
                low = to;
            }
            ids.extend(found);
        }
        let next = if ids.len() > request.limit {
            ids.truncate(request.limit);
            ids.last().copied().map(ItemId)
        } else {
            None
        };
        let ids: Vec<ItemId> = ids.into_iter().map(ItemId).collect();
        let items = self.read(|conn| load_items(conn, &ids))?;
        Ok(ItemBatch { items, next })
    }
}
