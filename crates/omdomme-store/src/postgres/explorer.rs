//! The overview's and the explorer's reads in PostgreSQL, with the embedded store's rules:
//! the breakdown from the hourly rollups (`sqlite::rollups::breakdown_selection` and
//! `breakdown_series`), the top authors from `author_totals` and `author_daily` by the
//! threshold algorithm (`sqlite::rollups::TopList`), an item's conversation as
//! `sqlite::explorer::thread` gathers it, and every item a search matches a page at a time
//! (keyset paging on the item id with the search's own condition). The author rows are
//! written in the items' transaction by [`apply_author_rows`].

use std::collections::{BTreeMap, HashSet};

use omdomme_core::{ItemId, SourceKind, StoredItem, Topic, WorkspaceId};
use tokio_postgres::{GenericClient, Transaction};

use super::items::{ITEM_COLUMNS, ITEM_FROM, read_item};
use super::rollups::read_rows;
use super::search::Statement;
use super::text::{decode, encode};
use super::{db, read_workspace, workspace_id};
use crate::sqlite::explorer::{MAX_PARENT_DEPTH, time_key};
use crate::sqlite::rollups::{
    Delta, Ranking, TopList, breakdown_selection, breakdown_series, nearest_day, time_zone,
};
use crate::{
    AuthorStats, BreakdownRequest, BreakdownSeries, Dimension, ExportRequest, ItemBatch,
    MAX_ITEMS_PAGE, MAX_THREAD, StoreError, StoreResult, Thread, TopAuthors, TopAuthorsRequest,
};

/// Writes a batch's author day rows and totals, in key order, in the items' transaction.
/// The most followers seen only grows: an update that lowers it leaves the old high.
pub(super) async fn apply_author_rows(
    tx: &Transaction<'_>,
    delta: &Delta,
) -> Result<(), tokio_postgres::Error> {
    let days = delta.author_days();
    if days.is_empty() {
        return Ok(());
    }
    let (mut ws, mut brand, mut day, mut source, mut author) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let (mut items, mut engagement, mut followers) = (Vec::new(), Vec::new(), Vec::new());
    for ((w, b, d, s, a), sums) in &days {
        ws.push(*w);
        brand.push(b.as_str());
        day.push(*d);
        source.push(*s);
        author.push(a.as_str());
        items.push(sums.items);
        engagement.push(sums.engagement);
        followers.push(sums.followers);
    }
    tx.execute(
        "INSERT INTO author_daily (workspace_id, brand, day, source_kind, author, items, \
         engagement, followers) \
         SELECT * FROM unnest($1::bigint[], $2::text[], $3::bigint[], $4::text[], $5::text[], \
         $6::bigint[], $7::bigint[], $8::bigint[]) \
         ON CONFLICT (workspace_id, brand, source_kind, author, day) DO UPDATE SET \
         items = author_daily.items + excluded.items, \
         engagement = author_daily.engagement + excluded.engagement, \
         followers = greatest(author_daily.followers, excluded.followers)",
        &[
            &ws,
            &brand,
            &day,
            &source,
            &author,
            &items,
            &engagement,
            &followers,
        ],
    )
    .await?;
    let subtracted = items.iter().any(|n| *n < 0);
    if subtracted {
        tx.execute(
            "DELETE FROM author_daily a USING unnest($1::bigint[], $2::text[], $3::bigint[], \
             $4::text[], $5::text[]) AS d (ws, brand, day, source, author) \
             WHERE a.workspace_id = d.ws AND a.brand = d.brand AND a.day = d.day \
             AND a.source_kind = d.source AND a.author = d.author AND a.items <= 0",
            &[&ws, &brand, &day, &source, &author],
        )
        .await?;
    }
    let totals = delta.author_totals();
    let (mut ws, mut brand, mut source, mut author) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let (mut items, mut engagement, mut followers) = (Vec::new(), Vec::new(), Vec::new());
    for ((w, b, s, a), sums) in &totals {
        ws.push(*w);
        brand.push(*b);
        source.push(*s);
        author.push(*a);
        items.push(sums.items);
        engagement.push(sums.engagement);
        followers.push(sums.followers);
    }
    tx.execute(
        "INSERT INTO author_totals (workspace_id, brand, source_kind, author, items, \
         engagement, followers, reach) \
         SELECT w, b, s, a, n, e, f, n * f FROM unnest($1::bigint[], $2::text[], $3::text[], \
         $4::text[], $5::bigint[], $6::bigint[], $7::bigint[]) AS t (w, b, s, a, n, e, f) \
         ON CONFLICT (workspace_id, brand, source_kind, author) DO UPDATE SET \
         items = author_totals.items + excluded.items, \
         engagement = author_totals.engagement + excluded.engagement, \
         followers = greatest(author_totals.followers, excluded.followers), \
         reach = greatest(author_totals.followers, excluded.followers) \
                 * (author_totals.items + excluded.items)",
        &[
            &ws,
            &brand,
            &source,
            &author,
            &items,
            &engagement,
            &followers,
        ],
    )
    .await?;
    if subtracted {
        tx.execute(
            "DELETE FROM author_totals a USING unnest($1::bigint[], $2::text[], $3::text[], \
             $4::text[]) AS d (ws, brand, source, author) \
             WHERE a.workspace_id = d.ws AND a.brand = d.brand AND a.source_kind = d.source \
             AND a.author = d.author AND a.items <= 0",
            &[&ws, &brand, &source, &author],
        )
        .await?;
    }
    Ok(())
}

pub(super) async fn breakdown(
    client: &impl GenericClient,
    request: &BreakdownRequest,
) -> StoreResult<Vec<BreakdownSeries>> {
    let tz = time_zone(&request.time_zone)?;
    let row = client
        .query_opt(
            "SELECT key, name, synthetic, brands, id FROM workspaces WHERE key = $1",
            &[&request.workspace.0],
        )
        .await
        .map_err(db("reading the workspace"))?
        .ok_or_else(|| StoreError::Invalid(format!("unknown workspace `{}`", request.workspace)))?;
    let ws: i64 = row.get(4);
    let brands: Vec<String>;
    let keys: Vec<&str> = match request.by {
        Dimension::Brand => {
            brands = read_workspace(&row)?
                .brands
                .into_iter()
                .map(|b| b.id.0)
                .collect();
            brands.iter().map(String::as_str).collect()
        }
        Dimension::Topic => Topic::ALL.iter().map(|t| t.as_str()).collect(),
        Dimension::Source => SourceKind::ALL.iter().map(|s| s.as_str()).collect(),
    };
    let Some((selection, keys)) = breakdown_selection(&keys, request.by, &request.filters) else {
        return Ok(Vec::new());
    };
    let rows = read_rows(client, ws, &selection, &request.filters, true).await?;
    breakdown_series(&keys, rows, request.bucket, &tz)
}

pub(super) async fn top_authors(
    client: &impl GenericClient,
    request: &TopAuthorsRequest,
) -> StoreResult<TopAuthors> {
    let ws = workspace_id(client, &request.workspace.0).await?;
    Ok(TopAuthors {
        by_items: best_authors(client, ws, request, Ranking::Items).await?,
        by_reach: best_authors(client, ws, request, Ranking::Reach).await?,
    })
}

/// Candidates read per round trip: a top list usually settles within the first.
const CANDIDATE_BATCH: i64 = 100;

/// One top list: candidates in order of their all-time value, each with its period's
/// figures, until the next cannot reach the list ([`TopList`]).
async fn best_authors(
    client: &impl GenericClient,
    ws: i64,
    request: &TopAuthorsRequest,
    ranking: Ranking,
) -> StoreResult<Vec<AuthorStats>> {
    let failed = db("reading the authors");
    let column = ranking.column();
    let page = |after: &str| {
        format!(
            "SELECT source_kind, author, {column} FROM author_totals \
             WHERE workspace_id = $1 AND brand = $2 {after} \
             ORDER BY {column} DESC, source_kind DESC, author DESC LIMIT $3"
        )
    };
    let first_page = client.prepare(&page("")).await.map_err(&failed)?;
    let next_page = client
        .prepare(&page(&format!(
            "AND ({column}, source_kind, author) < ($4, $5, $6)"
        )))
        .await
        .map_err(&failed)?;
    let in_period = client
        .prepare(
            "SELECT sum(items)::bigint, sum(engagement)::bigint, max(followers) \
             FROM author_daily WHERE workspace_id = $1 AND brand = $2 AND source_kind = $3 \
             AND author = $4 AND day >= $5 AND day < $6",
        )
        .await
        .map_err(&failed)?;
    let (from, to) = (nearest_day(request.from), nearest_day(request.to));
    let count = |n: Option<i64>| n.map_or(0, |n| u64::try_from(n).unwrap_or(0));
    let mut best = TopList::new(ranking, request);
    let mut last: Option<(i64, String, String)> = None;
    'candidates: loop {
        let rows = match &last {
            None => {
                client
                    .query(&first_page, &[&ws, &request.brand.0, &CANDIDATE_BATCH])
                    .await
            }
            Some((value, kind, handle)) => {
                client
                    .query(
                        &next_page,
                        &[&ws, &request.brand.0, &CANDIDATE_BATCH, value, kind, handle],
                    )
                    .await
            }
        }
        .map_err(&failed)?;
        for row in &rows {
            if !best.wants(count(row.get(2))) {
                break 'candidates;
            }
            let kind: String = row.get(0);
            let Some(source) = SourceKind::parse(&kind) else {
                continue;
            };
            if request.source.is_some_and(|wanted| wanted != source) {
                continue;
            }
            let handle: String = row.get(1);
            let period = client
                .query_one(
                    &in_period,
                    &[&ws, &request.brand.0, &kind, &handle, &from, &to],
                )
                .await
                .map_err(&failed)?;
            best.offer(AuthorStats {
                source,
                handle: decode(handle),
                items: count(period.get(0)),
                engagement: count(period.get(1)),
                followers: count(period.get(2)),
            });
        }
        match rows.last() {
            Some(row) if rows.len() as i64 == CANDIDATE_BATCH => {
                last = Some((row.get(2), row.get(0), row.get(1)));
            }
            _ => break,
        }
    }
    Ok(best.into_authors())
}

/// Items with their source's row id (column 31), for looking up relatives in the same
/// source.
fn select_with_source() -> String {
    format!("SELECT {ITEM_COLUMNS}, i.source_id FROM {ITEM_FROM}")
}

/// The item `id` with the conversation around it, as the embedded store gathers it: the
/// items of its thread, its replies, the thread's root and its parent chain (in its own
/// source, where the platform's ids are unique), oldest first.
pub(super) async fn thread(
    client: &impl GenericClient,
    workspace: &WorkspaceId,
    id: ItemId,
    limit: usize,
) -> StoreResult<Option<Thread>> {
    if limit == 0 || limit > MAX_THREAD {
        return Err(StoreError::Invalid(format!(
            "a thread holds 1 to {MAX_THREAD} items of each kind, not {limit}"
        )));
    }
    let ws = workspace_id(client, &workspace.0).await?;
    let failed = db("reading a thread");
    let Some(row) = client
        .query_opt(
            &format!(
                "{} WHERE k.id = $1 AND k.workspace_id = $2",
                select_with_source()
            ),
            &[&id.0, &ws],
        )
        .await
        .map_err(&failed)?
    else {
        return Ok(None);
    };
    let item = read_item(&row)?;
    let source: i64 = row.get(31);
    let mut by_time: BTreeMap<(i64, i64), StoredItem> = BTreeMap::new();
    let mut truncated = false;
    // One more than the limit tells whether there were more.
    let fetch = limit as i64 + 1;
    let root = item
        .item
        .thread_id
        .clone()
        .unwrap_or_else(|| item.item.external_id.clone());
    for (column, key) in [("thread_id", &root), ("parent_id", &item.item.external_id)] {
        let rows = client
            .query(
                &format!(
                    "SELECT {ITEM_COLUMNS} FROM items i JOIN sources s ON s.id = i.source_id \
                     WHERE i.workspace_id = $1 AND i.{column} = $2 \
                     ORDER BY i.published_at, i.id LIMIT $3"
                ),
                &[&ws, &encode(key), &fetch],
            )
            .await
            .map_err(&failed)?;
        let mut found = rows
            .iter()
            .map(read_item)
            .collect::<StoreResult<Vec<_>>>()?;
        if found.len() > limit {
            truncated = true;
            found.truncate(limit);
        }
        for relative in found {
            by_time.insert(time_key(&relative), relative);
        }
    }
    let by_external = client
        .prepare(&format!(
            "{} WHERE k.source_id = $1 AND k.external_id = $2 AND k.workspace_id = $3",
            select_with_source()
        ))
        .await
        .map_err(&failed)?;
    let lookup = |external_id: String| {
        let by_external = &by_external;
        let failed = &failed;
        async move {
            client
                .query_opt(by_external, &[&source, &encode(&external_id), &ws])
                .await
                .map_err(failed)?
                .map(|r| read_item(&r))
                .transpose()
        }
    };
    if let Some(root_item) = lookup(root).await? {
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
        if let Some(up) = lookup(external_id).await? {
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

/// A page of the items a search matches, in id order (newest stored first when asked),
/// after `request.after`: keyset paging, so every page costs the same however deep.
pub(super) async fn export_items(
    client: &impl GenericClient,
    request: &ExportRequest,
) -> StoreResult<ItemBatch> {
    if request.limit == 0 || request.limit > MAX_ITEMS_PAGE {
        return Err(StoreError::Invalid(format!(
            "an export page holds 1 to {MAX_ITEMS_PAGE} items, not {}",
            request.limit
        )));
    }
    let ws = workspace_id(client, &request.workspace.0).await?;
    let mut statement = Statement::default();
    let from_where = statement.matching(ws, request.query.as_ref(), &request.filters);
    let (after, order) = if request.newest_first {
        ("<", "DESC")
    } else {
        (">", "ASC")
    };
    let after_id = statement.bind(request.after.map_or(
        if request.newest_first {
            i64::MAX
        } else {
            i64::MIN
        },
        |a| a.0,
    ));
    // One more than asked tells whether there is a next page.
    let limit = statement.bind(request.limit as i64 + 1);
    let rows = client
        .query(
            &format!(
                "SELECT {ITEM_COLUMNS} {from_where} AND i.id {after} {after_id} \
                 ORDER BY i.id {order} LIMIT {limit}"
            ),
            &statement.params(),
        )
        .await
        .map_err(db("exporting the items"))?;
    let mut items = rows
        .iter()
        .map(read_item)
        .collect::<StoreResult<Vec<_>>>()?;
    let next = if items.len() > request.limit {
        items.truncate(request.limit);
        items.last().map(|i| i.id)
    } else {
        None
    };
    Ok(ItemBatch { items, next })
}
