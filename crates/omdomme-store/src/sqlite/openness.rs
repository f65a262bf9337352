//! The openness rows of schema 10, kept on write in the items' transaction ([`Tracker`]),
//! rebuilt from the items ([`rebuild`]), and read per brand and period.
//!
//! Order and repetition do not matter: an inquiry's answer is never added up step by step
//! but recomputed ([`refresh`]: the earliest item by one of the brand's accounts whose
//! parent is the inquiry) whenever the inquiry or a reply to it is stored, and the daily
//! rows move by the difference. A reply stored before its inquiry is found when the
//! inquiry comes; an item stored again unchanged touches nothing (`put_items` skips it);
//! an updated one first takes back what its old version added.

use std::collections::HashMap;

use jiff::Timestamp;
use omdomme_core::{BrandId, Item, ItemId, SourceKind, WorkspaceId};
use rusqlite::{Connection, OptionalExtension, Transaction, params};

use super::inbox::opt_time;
use super::rollups::nearest_day;
use super::{db, load_items, read_workspace_by_key, workspace_id};
use crate::StoreResult;
use crate::openness::{
    BrandAccount, BrandOpenness, CountChanges, DAY_COLUMN_NAMES, DAY_COLUMNS, InquiryKey,
    InquiryListRequest, InquiryRow, MAX_INQUIRY_PAGE, OpennessRequest, OwnItem, Weeks,
    account_taken, checked_accounts, csr_bits, day_of, filter_condition, is_csr,
};

/// The openness changes of one batch: rows of `openness_inquiries` are written as items
/// come; daily sums are gathered and written by [`Tracker::finish`].
#[derive(Default)]
pub(super) struct Tracker {
    /// Each workspace's accounts: (kind, handle in lower case) to brand. Loaded once a batch.
    accounts: HashMap<i64, HashMap<(String, String), String>>,
    changes: CountChanges,
}

impl Tracker {
    fn owner(
        &mut self,
        tx: &Connection,
        ws: i64,
        kind: &str,
        handle: &str,
    ) -> rusqlite::Result<Option<String>> {
        let accounts = match self.accounts.entry(ws) {
            std::collections::hash_map::Entry::Occupied(e) => e.into_mut(),
            std::collections::hash_map::Entry::Vacant(e) => {
                let mut stmt = tx.prepare_cached(
                    "SELECT source_kind, handle, brand FROM brand_accounts WHERE workspace_id = ?1",
                )?;
                let map = stmt
                    .query_map([ws], |r| Ok(((r.get(0)?, r.get(1)?), r.get(2)?)))?
                    .collect::<rusqlite::Result<HashMap<_, _>>>()?;
                e.insert(map)
            }
        };
        if accounts.is_empty() {
            return Ok(None);
        }
        Ok(accounts
            .get(&(kind.to_owned(), handle.to_lowercase()))
            .cloned())
    }

    /// Counts a stored item (new, or the new version of an updated one).
    pub(super) fn added(
        &mut self,
        tx: &Connection,
        ws: i64,
        id: ItemId,
        item: &Item,
    ) -> rusqlite::Result<()> {
        let kind = item.source.kind.as_str();
        let owner = self.owner(tx, ws, kind, &item.author.handle)?;
        let e = &item.enrichment;
        if e.inquiry && !e.brands.is_empty() {
            let published = item.published_at.as_microsecond();
            let day = day_of(published);
            let csr = is_csr(e.topics);
            let mut insert = tx.prepare_cached(
                "INSERT OR IGNORE INTO openness_inquiries (workspace_id, source_kind, \
                 external_id, brand, item_id, day, published_at, csr, answered_at) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, NULL)",
            )?;
            for brand in &e.brands {
                if owner.as_deref() == Some(brand.0.as_str()) {
                    continue;
                }
                let added = insert.execute(params![
                    ws,
                    kind,
                    item.external_id,
                    brand.0,
                    id.0,
                    day,
                    published,
                    csr
                ])?;
                if added == 0 {
                    // The same platform item through another source: counted once.
                    continue;
                }
                self.changes.inquiry(ws, &brand.0, day, csr, 1);
                self.changes.refresh.insert((
                    ws,
                    kind.to_owned(),
                    item.external_id.clone(),
                    brand.0.clone(),
                ));
            }
        }
        if let Some(brand) = owner {
            let own = OwnItem {
                day: day_of(item.published_at.as_microsecond()),
                reply_to: item.parent_id.clone(),
                engagement: super::items::to_i64(item.engagement.total()),
                followers: item.author.followers.map(super::items::to_i64),
            };
            self.changes.own(ws, &brand, kind, &own, 1);
        }
        Ok(())
    }

    /// Takes back what the stored version of item `id` added; call before overwriting it.
    pub(super) fn before_update(
        &mut self,
        tx: &Connection,
        ws: i64,
        id: i64,
    ) -> rusqlite::Result<()> {
        let old = tx
            .prepare_cached(
                "SELECT s.kind, i.author_handle, i.parent_id, i.published_at, \
                 i.likes + i.shares + i.replies, i.author_followers, i.inquiry \
                 FROM items i JOIN sources s ON s.id = i.source_id WHERE i.id = ?1",
            )?
            .query_row([id], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, Option<String>>(2)?,
                    r.get::<_, i64>(3)?,
                    r.get::<_, i64>(4)?,
                    r.get::<_, Option<i64>>(5)?,
                    r.get::<_, bool>(6)?,
                ))
            })
            .optional()?;
        let Some((kind, handle, parent, published, engagement, followers, inquiry)) = old else {
            return Ok(());
        };
        if let Some(brand) = self.owner(tx, ws, &kind, &handle)? {
            let own = OwnItem {
                day: day_of(published),
                reply_to: parent,
                engagement,
                followers,
            };
            self.changes.own(ws, &brand, &kind, &own, -1);
        }
        if !inquiry {
            return Ok(());
        }
        let rows = tx
            .prepare_cached(
                "SELECT brand, day, published_at, csr, answered_at FROM openness_inquiries \
                 WHERE item_id = ?1",
            )?
            .query_map([id], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, i64>(1)?,
                    r.get::<_, i64>(2)?,
                    r.get::<_, bool>(3)?,
                    r.get::<_, Option<i64>>(4)?,
                ))
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        for (brand, day, published, csr, answered_at) in rows {
            self.changes.inquiry(ws, &brand, day, csr, -1);
            self.changes
                .answer_moved((ws, &brand, day), csr, published, answered_at, None);
        }
        tx.prepare_cached("DELETE FROM openness_inquiries WHERE item_id = ?1")?
            .execute([id])?;
        Ok(())
    }

    /// Recomputes the answers asked for and writes the day sums; the caller commits.
    pub(super) fn finish(mut self, tx: &Connection) -> rusqlite::Result<()> {
        for key in std::mem::take(&mut self.changes.refresh) {
            refresh(tx, &mut self.changes, &key)?;
        }
        let mut upsert = tx.prepare_cached(&format!(
            "INSERT INTO openness_daily (workspace_id, brand, day, {DAY_COLUMN_NAMES}) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13) \
             ON CONFLICT (workspace_id, brand, day) DO UPDATE SET \
             inquiries = inquiries + excluded.inquiries, answered = answered + excluded.answered, \
             csr_inquiries = csr_inquiries + excluded.csr_inquiries, \
             csr_answered = csr_answered + excluded.csr_answered, \
             own_replies = own_replies + excluded.own_replies, \
             own_posts = own_posts + excluded.own_posts, \
             own_post_engagement = own_post_engagement + excluded.own_post_engagement, \
             posts_with_followers = posts_with_followers + excluded.posts_with_followers, \
             engagement_with_followers = engagement_with_followers + excluded.engagement_with_followers, \
             followers = followers + excluded.followers"
        ))?;
        let mut remove_empty = tx.prepare_cached(
            "DELETE FROM openness_daily WHERE workspace_id = ?1 AND brand = ?2 AND day = ?3 \
             AND inquiries <= 0 AND own_replies <= 0 AND own_posts <= 0",
        )?;
        for ((ws, brand, day), values, subtracted) in self.changes.day_rows() {
            upsert.execute(params![
                ws, brand, day, values[0], values[1], values[2], values[3], values[4], values[5],
                values[6], values[7], values[8], values[9]
            ])?;
            if subtracted {
                remove_empty.execute(params![ws, brand, day])?;
            }
        }
        let mut bucket = tx.prepare_cached(
            "INSERT INTO openness_response_daily (workspace_id, brand, day, bucket, answered) \
             VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (workspace_id, brand, day, bucket) \
             DO UPDATE SET answered = answered + excluded.answered",
        )?;
        let mut remove_bucket = tx.prepare_cached(
            "DELETE FROM openness_response_daily WHERE workspace_id = ?1 AND brand = ?2 \
             AND day = ?3 AND bucket = ?4 AND answered <= 0",
        )?;
        for ((ws, brand, day, b), n) in self.changes.bucket_rows() {
            bucket.execute(params![ws, brand, day, b, n])?;
            if n < 0 {
                remove_bucket.execute(params![ws, brand, day, b])?;
            }
        }
        Ok(())
    }
}

/// Sets an inquiry's answer to the earliest item by one of its brand's accounts on its
/// platform whose parent it is, moving the day sums by the difference.
fn refresh(tx: &Connection, changes: &mut CountChanges, key: &InquiryKey) -> rusqlite::Result<()> {
    let (ws, kind, external_id, brand) = key;
    let row = tx
        .prepare_cached(
            "SELECT day, published_at, csr, answered_at FROM openness_inquiries \
             WHERE workspace_id = ?1 AND source_kind = ?2 AND external_id = ?3 AND brand = ?4",
        )?
        .query_row(params![ws, kind, external_id, brand], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, i64>(1)?,
                r.get::<_, bool>(2)?,
                r.get::<_, Option<i64>>(3)?,
            ))
        })
        .optional()?;
    let Some((day, published, csr, old)) = row else {
        return Ok(());
    };
    let answered: Option<i64> = tx
        .prepare_cached(
            "SELECT min(r.published_at) FROM items r JOIN sources rs ON rs.id = r.source_id \
             JOIN brand_accounts a ON a.workspace_id = r.workspace_id \
             AND a.source_kind = rs.kind AND a.handle = lower(r.author_handle) \
             WHERE r.workspace_id = ?1 AND r.parent_id = ?3 AND rs.kind = ?2 AND a.brand = ?4",
        )?
        .query_row(params![ws, kind, external_id, brand], |r| r.get(0))?;
    if answered == old {
        return Ok(());
    }
    changes.answer_moved((*ws, brand, day), csr, published, old, answered);
    tx.prepare_cached(
        "UPDATE openness_inquiries SET answered_at = ?5 WHERE workspace_id = ?1 \
         AND source_kind = ?2 AND external_id = ?3 AND brand = ?4",
    )?
    .execute(params![ws, kind, external_id, brand, answered])?;
    Ok(())
}

/// Counts the openness rows of workspace `only` (every workspace when `None`) afresh from
/// its items and accounts; of `brand` alone when given. A brand's rows depend on its own
/// accounts only (its inquiries leave out what they wrote, its answers and posts are what
/// they wrote), so a change of one brand's accounts recounts that brand: a quarter of the
/// rows to rewrite and answers to look up in a workspace of four brands.
pub(super) fn rebuild(
    tx: &Transaction<'_>,
    only: Option<i64>,
    brand: Option<&str>,
) -> rusqlite::Result<()> {
    let workspaces: Vec<i64> = match only {
        Some(ws) => vec![ws],
        None => tx
            .prepare("SELECT id FROM workspaces")?
            .query_map([], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?,
    };
    for ws in workspaces {
        for table in [
            "openness_inquiries",
            "openness_daily",
            "openness_response_daily",
        ] {
            tx.execute(
                &format!(
                    "DELETE FROM {table} WHERE workspace_id = ?1 AND (?2 IS NULL OR brand = ?2)"
                ),
                params![ws, brand],
            )?;
        }
        let mut changes = CountChanges::default();
        // Inquiries: the same rule as `Tracker::added`, set-based.
        tx.execute(
            "INSERT OR IGNORE INTO openness_inquiries (workspace_id, source_kind, external_id, \
             brand, item_id, day, published_at, csr, answered_at) \
             SELECT i.workspace_id, s.kind, i.external_id, b.value, i.id, \
             CASE WHEN i.published_at >= 0 THEN i.published_at / 86400000000 \
                  ELSE (i.published_at + 1) / 86400000000 - 1 END, \
             i.published_at, (i.topics & ?2) != 0, NULL \
             FROM items i JOIN sources s ON s.id = i.source_id, json_each(i.brands) b \
             WHERE i.workspace_id = ?1 AND i.inquiry = 1 AND (?3 IS NULL OR b.value = ?3) \
             AND NOT EXISTS ( \
               SELECT 1 FROM brand_accounts a WHERE a.workspace_id = i.workspace_id \
               AND a.source_kind = s.kind AND a.handle = lower(i.author_handle) \
               AND a.brand = b.value) \
             ORDER BY i.id",
            params![ws, csr_bits(), brand],
        )?;
        let keys = {
            let mut stmt = tx.prepare(
                "SELECT source_kind, external_id, brand, day, csr FROM openness_inquiries \
                 WHERE workspace_id = ?1 AND (?2 IS NULL OR brand = ?2)",
            )?;
            stmt.query_map(params![ws, brand], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, i64>(3)?,
                    r.get::<_, bool>(4)?,
                ))
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?
        };
        for (kind, external_id, brand, day, csr) in keys {
            changes.inquiry(ws, &brand, day, csr, 1);
            refresh(tx, &mut changes, &(ws, kind, external_id, brand))?;
        }
        let own = {
            let mut stmt = tx.prepare(
                "SELECT a.brand, s.kind, i.published_at, i.parent_id, \
                 i.likes + i.shares + i.replies, i.author_followers \
                 FROM items i JOIN sources s ON s.id = i.source_id \
                 JOIN brand_accounts a ON a.workspace_id = i.workspace_id \
                 AND a.source_kind = s.kind AND a.handle = lower(i.author_handle) \
                 WHERE i.workspace_id = ?1 AND (?2 IS NULL OR a.brand = ?2)",
            )?;
            stmt.query_map(params![ws, brand], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    OwnItem {
                        day: day_of(r.get(2)?),
                        reply_to: r.get(3)?,
                        engagement: r.get(4)?,
                        followers: r.get(5)?,
                    },
                ))
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?
        };
        for (brand, kind, item) in own {
            changes.own(ws, &brand, &kind, &item, 1);
        }
        // The replies asked their inquiries to be refreshed: all are already.
        changes.refresh.clear();
        Tracker {
            accounts: HashMap::new(),
            changes,
        }
        .finish(tx)?;
    }
    Ok(())
}

/// Runs the count schema 10 asked for, once.
pub(super) fn rebuild_if_pending(conn: &mut Connection) -> StoreResult<()> {
    let failed = db("counting the stored items for the openness index");
    let pending: i64 = conn
        .query_row("SELECT count(*) FROM openness_rebuild_pending", [], |r| {
            r.get(0)
        })
        .map_err(&failed)?;
    if pending == 0 {
        return Ok(());
    }
    let tx = conn.transaction().map_err(&failed)?;
    rebuild(&tx, None, None).map_err(&failed)?;
    tx.execute("DELETE FROM openness_rebuild_pending", [])
        .map_err(&failed)?;
    tx.commit().map_err(&failed)
}

pub(super) fn brand_accounts(
    conn: &Connection,
    workspace: &WorkspaceId,
) -> StoreResult<Vec<BrandAccount>> {
    let ws = workspace_id(conn, &workspace.0)?;
    let failed = db("reading the brand accounts");
    let mut stmt = conn
        .prepare_cached(
            "SELECT brand, source_kind, handle FROM brand_accounts WHERE workspace_id = ?1 \
             ORDER BY brand, source_kind, handle",
        )
        .map_err(&failed)?;
    let rows = stmt
        .query_map([ws], |r| {
            let kind: String = r.get(1)?;
            Ok(BrandAccount {
                brand: BrandId(r.get(0)?),
                kind: SourceKind::parse(&kind)
                    .ok_or_else(|| super::inbox::bad_text(1, "source kind", kind))?,
                handle: r.get(2)?,
            })
        })
        .map_err(&failed)?;
    rows.collect::<Result<Vec<_>, _>>().map_err(&failed)
}

pub(super) fn put_brand_accounts(
    conn: &mut Connection,
    workspace: &WorkspaceId,
    brand: &BrandId,
    accounts: &[BrandAccount],
) -> StoreResult<()> {
    let known = read_workspace_by_key(conn, &workspace.0)?;
    let accounts = checked_accounts(&known, brand, accounts)?;
    let ws = workspace_id(conn, &workspace.0)?;
    let failed = db("storing the brand accounts");
    let tx = conn.transaction().map_err(&failed)?;
    tx.execute(
        "DELETE FROM brand_accounts WHERE workspace_id = ?1 AND brand = ?2",
        params![ws, brand.0],
    )
    .map_err(&failed)?;
    for (kind, handle) in &accounts {
        let taken: Option<String> = tx
            .query_row(
                "SELECT brand FROM brand_accounts WHERE workspace_id = ?1 AND source_kind = ?2 \
                 AND handle = ?3",
                params![ws, kind, handle],
                |r| r.get(0),
            )
            .optional()
            .map_err(&failed)?;
        if let Some(other) = taken {
            if other != brand.0 {
                return Err(account_taken(kind, handle, &other));
            }
            continue;
        }
        tx.execute(
            "INSERT INTO brand_accounts (workspace_id, source_kind, handle, brand) \
             VALUES (?1, ?2, ?3, ?4)",
            params![ws, kind, handle, brand.0],
        )
        .map_err(&failed)?;
    }
    rebuild(&tx, Some(ws), Some(&brand.0)).map_err(&failed)?;
    tx.commit().map_err(&failed)
}

pub(super) fn openness(
    conn: &Connection,
    request: &OpennessRequest,
) -> StoreResult<Vec<BrandOpenness>> {
    let workspace = read_workspace_by_key(conn, &request.workspace.0)?;
    let ws = workspace_id(conn, &request.workspace.0)?;
    let (from, to) = (nearest_day(request.from), nearest_day(request.to));
    let failed = db("reading the openness counts");
    let mut daily = conn
        .prepare_cached(&format!(
            "SELECT day, {DAY_COLUMN_NAMES} FROM openness_daily \
             WHERE workspace_id = ?1 AND brand = ?2 AND day >= ?3 AND day < ?4 ORDER BY day"
        ))
        .map_err(&failed)?;
    let mut buckets = conn
        .prepare_cached(
            "SELECT day, bucket, answered FROM openness_response_daily \
             WHERE workspace_id = ?1 AND brand = ?2 AND day >= ?3 AND day < ?4",
        )
        .map_err(&failed)?;
    let mut out = Vec::with_capacity(workspace.brands.len());
    for brand in &workspace.brands {
        let mut weeks = Weeks::default();
        let rows = daily
            .query_map(params![ws, brand.id.0, from, to], |r| {
                let mut values = [0; DAY_COLUMNS];
                for (i, v) in values.iter_mut().enumerate() {
                    *v = r.get(i + 1)?;
                }
                Ok((r.get::<_, i64>(0)?, values))
            })
            .map_err(&failed)?;
        for row in rows {
            let (day, values) = row.map_err(&failed)?;
            weeks.add_day(day, values);
        }
        let rows = buckets
            .query_map(params![ws, brand.id.0, from, to], |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, i64>(1)?,
                    r.get::<_, i64>(2)?,
                ))
            })
            .map_err(&failed)?;
        for row in rows {
            let (day, bucket, n) = row.map_err(&failed)?;
            weeks.add_bucket(day, bucket, n);
        }
        out.push(weeks.into_brand(brand.id.clone())?);
    }
    Ok(out)
}

pub(super) fn inquiries(
    conn: &Connection,
    request: &InquiryListRequest,
) -> StoreResult<Vec<InquiryRow>> {
    let ws = workspace_id(conn, &request.workspace.0)?;
    let condition = filter_condition(request.filter);
    let failed = db("reading the inquiries");
    let limit = request.limit.clamp(1, MAX_INQUIRY_PAGE) as i64;
    let mut stmt = conn
        .prepare_cached(&format!(
            "SELECT item_id, answered_at FROM openness_inquiries \
             WHERE workspace_id = ?1 AND brand = ?2 AND day >= ?3 AND day < ?4 {condition} \
             ORDER BY day DESC, published_at DESC LIMIT ?5"
        ))
        .map_err(&failed)?;
    let rows = stmt
        .query_map(
            params![
                ws,
                request.brand.0,
                nearest_day(request.from),
                nearest_day(request.to),
                limit
            ],
            |r| Ok((ItemId(r.get(0)?), opt_time(r, 1)?)),
        )
        .map_err(&failed)?
        .collect::<Result<Vec<_>, _>>()
        .map_err(&failed)?;
    let ids: Vec<ItemId> = rows.iter().map(|(id, _)| *id).collect();
    let mut answered: HashMap<ItemId, Option<Timestamp>> = rows.into_iter().collect();
    Ok(load_items(conn, &ids)?
        .into_iter()
        .map(|item| InquiryRow {
            answered_at: answered.remove(&item.id).flatten(),
            item,
        })
        .collect())
}
