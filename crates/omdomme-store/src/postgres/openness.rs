//! The openness rows of migration 0009: kept on write in the items' transaction
//! ([`Tracker`]), counted afresh from the items ([`rebuild`]), read per brand and period.
//!
//! The rules are the embedded store's (`crate::openness`: `CountChanges`, `Weeks`, the
//! account checks); what is PostgreSQL's own is that several processes write at once:
//! - A put reads the workspace's accounts under a shared advisory lock of the workspace,
//!   which a change of accounts (and a rebuild) takes exclusively: the recount it makes
//!   sees every put that counted with the old accounts, and no put counts with accounts it
//!   has replaced.
//! - An inquiry and its answer may come in two transactions at once, each unable to see
//!   the other's rows. So the answers are recomputed at the end of a put under an advisory
//!   lock per inquiry: whichever commits second recomputes after the first has committed
//!   (each statement of READ COMMITTED sees what committed before it began) and finds
//!   both rows.
//! - Rows are written in key order and the per-inquiry locks taken in order of their
//!   keys, so puts wait for each other instead of deadlocking. One rare case is left to
//!   PostgreSQL's deadlock detection (one of the two puts fails, and its batch is
//!   retried): a put updating an inquiry item (which takes its row early, to take back
//!   its counts) while another put recomputes that inquiry's answer.
//!
//! The answers are looked up by parent (`items_by_parent`, which migration 0007 makes, as
//! SQLite's 0007 does).

use std::collections::HashMap;

use omdomme_core::{BrandId, Item, SourceKind, WorkspaceId};
use tokio_postgres::types::ToSql;
use tokio_postgres::{GenericClient, Row, Statement, Transaction};

use super::items::{ITEM_COLUMNS, read_item};
use super::time::PgTime;
use super::{Client, db, read_workspace, unknown_workspace, workspace_id};
use crate::openness::{
    BrandAccount, BrandOpenness, CountChanges, DAY_COLUMN_NAMES, DAY_COLUMNS, InquiryListRequest,
    InquiryRow, MAX_INQUIRY_PAGE, OpennessRequest, OwnItem, Weeks, account_taken, checked_accounts,
    csr_bits, day_of, filter_condition, is_csr,
};
use crate::sqlite::items::to_i64;
use crate::sqlite::rollups::nearest_day;
use crate::{StoreError, StoreResult};

/// First key of the advisory lock on a workspace's accounts (shared by puts, exclusive
/// for a recount); the second is the workspace.
const ACCOUNTS_LOCK: i32 = 0x6f70_656e;

/// First key of the advisory locks on inquiries whose answer is recomputed; the second is
/// a hash of the inquiry's key.
const ANSWER_LOCK: i32 = 0x616e_7377;

/// Rows a rebuild reads per round trip: bounded memory at any number of items.
const REBUILD_BATCH: i32 = 10_000;

/// The second key of [`ACCOUNTS_LOCK`] for workspace `ws` (two workspaces sharing one
/// only wait for each other).
fn workspace_key(ws: i64) -> i32 {
    i32::try_from(ws.rem_euclid(i64::from(i32::MAX))).unwrap_or(0)
}

async fn lock_accounts(
    tx: &Transaction<'_>,
    ws: i64,
    exclusive: bool,
) -> Result<(), tokio_postgres::Error> {
    let sql = if exclusive {
        "SELECT pg_advisory_xact_lock($1, $2)"
    } else {
        "SELECT pg_advisory_xact_lock_shared($1, $2)"
    };
    tx.execute(sql, &[&ACCOUNTS_LOCK, &workspace_key(ws)])
        .await
        .map(drop)
}

/// Statement that recomputes the answers of the inquiries `selection` picks (a condition
/// on `o`, the inquiry row) and returns those that changed: brand, day, published_at, csr,
/// the old answer and the new. An answer is the earliest item by one of the brand's
/// accounts on the inquiry's platform whose parent is the inquiry.
fn answers_sql(selection: &str) -> String {
    format!(
        // Materialised: the answer is looked up once per inquiry, not once per use.
        "WITH fresh AS MATERIALIZED ( \
           SELECT o.workspace_id, o.source_kind, o.external_id, o.brand, o.answered_at AS old, \
             (SELECT min(r.published_at) FROM items r \
              JOIN sources rs ON rs.id = r.source_id \
              JOIN brand_accounts a ON a.workspace_id = r.workspace_id \
              AND a.source_kind = rs.kind AND a.handle = lower(r.author_handle) \
              WHERE r.workspace_id = o.workspace_id AND r.parent_id = o.external_id \
              AND rs.kind = o.source_kind AND a.brand = o.brand) AS new \
           FROM openness_inquiries o WHERE {selection}) \
         UPDATE openness_inquiries o SET answered_at = f.new FROM fresh f \
         WHERE o.workspace_id = f.workspace_id AND o.source_kind = f.source_kind \
         AND o.external_id = f.external_id AND o.brand = f.brand \
         AND f.new IS DISTINCT FROM f.old \
         RETURNING o.brand, o.day, o.published_at, o.csr, f.old, f.new"
    )
}

/// Moves `changes` by each changed answer of [`answers_sql`]'s rows.
fn count_answers(changes: &mut CountChanges, ws: i64, rows: &[Row]) -> StoreResult<()> {
    let failed = db("reading the answers of inquiries");
    for row in rows {
        let brand: String = row.try_get(0).map_err(&failed)?;
        let PgTime(published) = row.try_get(2).map_err(&failed)?;
        let old: Option<PgTime> = row.try_get(4).map_err(&failed)?;
        let new: Option<PgTime> = row.try_get(5).map_err(&failed)?;
        changes.answer_moved(
            (ws, &brand, row.try_get(1).map_err(&failed)?),
            row.try_get(3).map_err(&failed)?,
            published.as_microsecond(),
            old.map(|PgTime(at)| at.as_microsecond()),
            new.map(|PgTime(at)| at.as_microsecond()),
        );
    }
    Ok(())
}

/// The openness changes of one put (one workspace): rows of `openness_inquiries` are
/// written as items come; answers and daily sums at the end, by [`Tracker::finish`].
pub(super) struct Tracker {
    ws: i64,
    /// (kind, handle in lower case) to brand; read once a put, under the accounts lock.
    accounts: Option<HashMap<(String, String), String>>,
    insert_inquiry: Option<Statement>,
    changes: CountChanges,
}

impl Tracker {
    pub(super) fn new(ws: i64) -> Tracker {
        Tracker {
            ws,
            accounts: None,
            insert_inquiry: None,
            changes: CountChanges::default(),
        }
    }

    async fn owner(
        &mut self,
        tx: &Transaction<'_>,
        kind: &str,
        handle: &str,
    ) -> StoreResult<Option<String>> {
        let accounts = match &mut self.accounts {
            Some(accounts) => accounts,
            empty => {
                let failed = db("reading the brand accounts");
                lock_accounts(tx, self.ws, false).await.map_err(&failed)?;
                let rows = tx
                    .query(
                        "SELECT source_kind, handle, brand FROM brand_accounts \
                         WHERE workspace_id = $1",
                        &[&self.ws],
                    )
                    .await
                    .map_err(&failed)?;
                empty.insert(
                    rows.iter()
                        .map(|r| ((r.get(0), r.get(1)), r.get(2)))
                        .collect(),
                )
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
    pub(super) async fn added(
        &mut self,
        tx: &Transaction<'_>,
        id: i64,
        item: &Item,
    ) -> StoreResult<()> {
        let failed = db("storing an inquiry");
        let ws = self.ws;
        let kind = item.source.kind.as_str();
        let owner = self.owner(tx, kind, &item.author.handle).await?;
        let e = &item.enrichment;
        if e.inquiry && !e.brands.is_empty() {
            let insert = match &self.insert_inquiry {
                Some(statement) => statement.clone(),
                None => {
                    let statement = tx
                        .prepare(
                            "INSERT INTO openness_inquiries (workspace_id, source_kind, \
                             external_id, brand, item_id, day, published_at, csr, answered_at) \
                             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, NULL) \
                             ON CONFLICT DO NOTHING",
                        )
                        .await
                        .map_err(&failed)?;
                    self.insert_inquiry.insert(statement).clone()
                }
            };
            let published = PgTime(item.published_at);
            let day = day_of(item.published_at.as_microsecond());
            let csr = is_csr(e.topics);
            for brand in &e.brands {
                if owner.as_deref() == Some(brand.0.as_str()) {
                    continue;
                }
                let params: [&(dyn ToSql + Sync); 8] = [
                    &ws,
                    &kind,
                    &item.external_id,
                    &brand.0,
                    &id,
                    &day,
                    &published,
                    &csr,
                ];
                if tx.execute(&insert, &params).await.map_err(&failed)? == 0 {
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
                engagement: to_i64(item.engagement.total()),
                followers: item.author.followers.map(to_i64),
            };
            self.changes.own(ws, &brand, kind, &own, 1);
        }
        Ok(())
    }

    /// Takes back what the stored version of item `id` (of source kind `kind`) added;
    /// call before overwriting it.
    pub(super) async fn before_update(
        &mut self,
        tx: &Transaction<'_>,
        id: i64,
        kind: SourceKind,
    ) -> StoreResult<()> {
        let failed = db("taking back an item's openness counts");
        let old = tx
            .query_opt(
                "SELECT i.author_handle, i.parent_id, i.published_at, \
                 i.likes + i.shares + i.replies, i.author_followers, i.inquiry \
                 FROM item_keys k JOIN items i ON i.id = k.id AND i.published_at = k.published_at \
                 WHERE k.id = $1",
                &[&id],
            )
            .await
            .map_err(&failed)?;
        let Some(old) = old else {
            return Ok(());
        };
        let handle: String = old.try_get(0).map_err(&failed)?;
        let PgTime(published) = old.try_get(2).map_err(&failed)?;
        let kind = kind.as_str();
        if let Some(brand) = self.owner(tx, kind, &handle).await? {
            let own = OwnItem {
                day: day_of(published.as_microsecond()),
                reply_to: old.try_get(1).map_err(&failed)?,
                engagement: old.try_get(3).map_err(&failed)?,
                followers: old.try_get(4).map_err(&failed)?,
            };
            self.changes.own(self.ws, &brand, kind, &own, -1);
        }
        if !old.try_get::<_, bool>(5).map_err(&failed)? {
            return Ok(());
        }
        // The rows as deleted: an answer set meanwhile by another put is taken back too.
        let rows = tx
            .query(
                "DELETE FROM openness_inquiries WHERE item_id = $1 \
                 RETURNING brand, day, published_at, csr, answered_at",
                &[&id],
            )
            .await
            .map_err(&failed)?;
        for row in rows {
            let brand: String = row.try_get(0).map_err(&failed)?;
            let day: i64 = row.try_get(1).map_err(&failed)?;
            let PgTime(published) = row.try_get(2).map_err(&failed)?;
            let csr: bool = row.try_get(3).map_err(&failed)?;
            let answered: Option<PgTime> = row.try_get(4).map_err(&failed)?;
            self.changes.inquiry(self.ws, &brand, day, csr, -1);
            self.changes.answer_moved(
                (self.ws, &brand, day),
                csr,
                published.as_microsecond(),
                answered.map(|PgTime(at)| at.as_microsecond()),
                None,
            );
        }
        Ok(())
    }

    /// Recomputes the answers asked for and writes the day sums; the caller commits.
    pub(super) async fn finish(mut self, tx: &Transaction<'_>) -> StoreResult<()> {
        let failed = db("recomputing the answers of inquiries");
        let keys = std::mem::take(&mut self.changes.refresh);
        if !keys.is_empty() {
            let mut kinds = Vec::with_capacity(keys.len());
            let mut ids = Vec::with_capacity(keys.len());
            let mut brands = Vec::with_capacity(keys.len());
            let mut names = Vec::with_capacity(keys.len());
            for (ws, kind, external_id, brand) in keys {
                names.push(format!("{ws}\u{1f}{kind}\u{1f}{external_id}\u{1f}{brand}"));
                kinds.push(kind);
                ids.push(external_id);
                brands.push(brand);
            }
            // In order of the lock keys, so two puts never wait for each other in a circle.
            tx.execute(
                "SELECT pg_advisory_xact_lock($1, h) FROM \
                 (SELECT DISTINCT hashtext(n) AS h FROM unnest($2::text[]) AS n ORDER BY h) \
                 AS keys",
                &[&ANSWER_LOCK, &names],
            )
            .await
            .map_err(&failed)?;
            let rows = tx
                .query(
                    &answers_sql(
                        "o.workspace_id = $1 AND (o.source_kind, o.external_id, o.brand) IN \
                         (SELECT * FROM unnest($2::text[], $3::text[], $4::text[]))",
                    ),
                    &[&self.ws, &kinds, &ids, &brands],
                )
                .await
                .map_err(&failed)?;
            count_answers(&mut self.changes, self.ws, &rows)?;
        }
        write(tx, &self.changes).await
    }
}

/// Adds `changes` to the daily rows, removing those left empty.
async fn write(tx: &Transaction<'_>, changes: &CountChanges) -> StoreResult<()> {
    let failed = db("storing the openness counts");
    let mut ws = Vec::new();
    let mut brand = Vec::new();
    let mut day = Vec::new();
    let mut columns: [Vec<i64>; DAY_COLUMNS] = Default::default();
    let mut subtracted = false;
    for ((w, b, d), values, less) in changes.day_rows() {
        ws.push(*w);
        brand.push(b.as_str());
        day.push(*d);
        for (column, value) in columns.iter_mut().zip(values) {
            column.push(value);
        }
        subtracted |= less;
    }
    if !ws.is_empty() {
        let mut params: Vec<&(dyn ToSql + Sync)> = vec![&ws, &brand, &day];
        params.extend(columns.iter().map(|c| c as &(dyn ToSql + Sync)));
        let sums: Vec<String> = DAY_COLUMN_NAMES
            .split(',')
            .map(|c| format!("{c} = openness_daily.{c} + excluded.{c}", c = c.trim()))
            .collect();
        let arrays: Vec<String> = (4..=DAY_COLUMNS + 3)
            .map(|i| format!("${i}::bigint[]"))
            .collect();
        tx.execute(
            &format!(
                "INSERT INTO openness_daily (workspace_id, brand, day, {DAY_COLUMN_NAMES}) \
                 SELECT * FROM unnest($1::bigint[], $2::text[], $3::bigint[], {}) \
                 ON CONFLICT (workspace_id, brand, day) DO UPDATE SET {}",
                arrays.join(", "),
                sums.join(", ")
            ),
            &params,
        )
        .await
        .map_err(&failed)?;
        if subtracted {
            tx.execute(
                "DELETE FROM openness_daily o USING unnest($1::bigint[], $2::text[], \
                 $3::bigint[]) AS d (ws, brand, day) \
                 WHERE o.workspace_id = d.ws AND o.brand = d.brand AND o.day = d.day \
                 AND o.inquiries <= 0 AND o.own_replies <= 0 AND o.own_posts <= 0",
                &[&ws, &brand, &day],
            )
            .await
            .map_err(&failed)?;
        }
    }
    let mut ws = Vec::new();
    let mut brand = Vec::new();
    let mut day = Vec::new();
    let mut bucket = Vec::new();
    let mut answered = Vec::new();
    for ((w, b, d, k), n) in changes.bucket_rows() {
        ws.push(*w);
        brand.push(b.as_str());
        day.push(*d);
        bucket.push(*k);
        answered.push(n);
    }
    if ws.is_empty() {
        return Ok(());
    }
    tx.execute(
        "INSERT INTO openness_response_daily (workspace_id, brand, day, bucket, answered) \
         SELECT * FROM unnest($1::bigint[], $2::text[], $3::bigint[], $4::bigint[], \
         $5::bigint[]) \
         ON CONFLICT (workspace_id, brand, day, bucket) \
         DO UPDATE SET answered = openness_response_daily.answered + excluded.answered",
        &[&ws, &brand, &day, &bucket, &answered],
    )
    .await
    .map_err(&failed)?;
    if answered.iter().any(|n| *n < 0) {
        tx.execute(
            "DELETE FROM openness_response_daily o USING unnest($1::bigint[], $2::text[], \
             $3::bigint[], $4::bigint[]) AS d (ws, brand, day, bucket) \
             WHERE o.workspace_id = d.ws AND o.brand = d.brand AND o.day = d.day \
             AND o.bucket = d.bucket AND o.answered <= 0",
            &[&ws, &brand, &day, &bucket],
        )
        .await
        .map_err(&failed)?;
    }
    Ok(())
}

/// Counts the openness rows of workspace `only` (every workspace when `None`) afresh from
/// its items and accounts; of `brand` alone when given (a brand's rows depend on its own
/// accounts only). Holds each workspace's accounts lock exclusively until the caller
/// commits, so no put counts in between.
pub(super) async fn rebuild(
    tx: &Transaction<'_>,
    only: Option<i64>,
    brand: Option<&str>,
) -> StoreResult<()> {
    let failed = db("counting the openness index afresh");
    let workspaces: Vec<i64> = match only {
        Some(ws) => vec![ws],
        None => tx
            .query("SELECT id FROM workspaces ORDER BY id", &[])
            .await
            .map_err(&failed)?
            .iter()
            .map(|r| r.get(0))
            .collect(),
    };
    for ws in workspaces {
        lock_accounts(tx, ws, true).await.map_err(&failed)?;
        for table in [
            "openness_inquiries",
            "openness_daily",
            "openness_response_daily",
        ] {
            tx.execute(
                &format!(
                    "DELETE FROM {table} WHERE workspace_id = $1 \
                     AND ($2::text IS NULL OR brand = $2)"
                ),
                &[&ws, &brand],
            )
            .await
            .map_err(&failed)?;
        }
        // Inquiries: the same rule as `Tracker::added`, set-based; the lowest item id for
        // a platform item collected by two sources.
        tx.execute(
            "INSERT INTO openness_inquiries (workspace_id, source_kind, external_id, brand, \
             item_id, day, published_at, csr, answered_at) \
             SELECT DISTINCT ON (s.kind, i.external_id, b.brand) \
             i.workspace_id, s.kind, i.external_id, b.brand, i.id, \
             floor(extract(epoch FROM i.published_at) / 86400)::bigint, i.published_at, \
             (i.topics & $2) <> 0, NULL \
             FROM items i JOIN sources s ON s.id = i.source_id \
             CROSS JOIN LATERAL jsonb_array_elements_text(i.brands) AS b (brand) \
             WHERE i.workspace_id = $1 AND i.inquiry AND ($3::text IS NULL OR b.brand = $3) \
             AND NOT EXISTS ( \
               SELECT 1 FROM brand_accounts a WHERE a.workspace_id = i.workspace_id \
               AND a.source_kind = s.kind AND a.handle = lower(i.author_handle) \
               AND a.brand = b.brand) \
             ORDER BY s.kind, i.external_id, b.brand, i.id",
            &[&ws, &(csr_bits() as i32), &brand],
        )
        .await
        .map_err(&failed)?;
        let mut changes = CountChanges::default();
        let params: [&(dyn ToSql + Sync); 2] = [&ws, &brand];
        for_each_row(
            tx,
            "SELECT brand, day, csr FROM openness_inquiries WHERE workspace_id = $1 \
             AND ($2::text IS NULL OR brand = $2)",
            &params,
            |row| {
                let brand: String = row.try_get(0)?;
                changes.inquiry(ws, &brand, row.try_get(1)?, row.try_get(2)?, 1);
                Ok(())
            },
        )
        .await?;
        let rows = tx
            .query(
                &answers_sql("o.workspace_id = $1 AND ($2::text IS NULL OR o.brand = $2)"),
                &params,
            )
            .await
            .map_err(&failed)?;
        count_answers(&mut changes, ws, &rows)?;
        for_each_row(
            tx,
            "SELECT a.brand, s.kind, i.published_at, i.parent_id, \
             i.likes + i.shares + i.replies, i.author_followers \
             FROM items i JOIN sources s ON s.id = i.source_id \
             JOIN brand_accounts a ON a.workspace_id = i.workspace_id \
             AND a.source_kind = s.kind AND a.handle = lower(i.author_handle) \
             WHERE i.workspace_id = $1 AND ($2::text IS NULL OR a.brand = $2)",
            &params,
            |row| {
                let brand: String = row.try_get(0)?;
                let kind: String = row.try_get(1)?;
                let PgTime(published) = row.try_get(2)?;
                let own = OwnItem {
                    day: day_of(published.as_microsecond()),
                    reply_to: row.try_get(3)?,
                    engagement: row.try_get(4)?,
                    followers: row.try_get(5)?,
                };
                changes.own(ws, &brand, &kind, &own, 1);
                Ok(())
            },
        )
        .await?;
        // The replies asked their inquiries to be refreshed: all are already.
        changes.refresh.clear();
        write(tx, &changes).await?;
    }
    Ok(())
}

/// Runs `each` on every row of `sql`, fetched [`REBUILD_BATCH`] at a time.
async fn for_each_row(
    tx: &Transaction<'_>,
    sql: &str,
    params: &[&(dyn ToSql + Sync)],
    mut each: impl FnMut(&Row) -> Result<(), tokio_postgres::Error>,
) -> StoreResult<()> {
    let failed = db("reading the items to count for the openness index");
    let statement = tx.prepare(sql).await.map_err(&failed)?;
    let portal = tx.bind(&statement, params).await.map_err(&failed)?;
    loop {
        let rows = tx
            .query_portal(&portal, REBUILD_BATCH)
            .await
            .map_err(&failed)?;
        if rows.is_empty() {
            return Ok(());
        }
        for row in &rows {
            each(row).map_err(&failed)?;
        }
    }
}

pub(super) async fn brand_accounts(
    client: &impl GenericClient,
    workspace: &WorkspaceId,
) -> StoreResult<Vec<BrandAccount>> {
    let ws = workspace_id(client, &workspace.0).await?;
    let rows = client
        .query(
            "SELECT brand, source_kind, handle FROM brand_accounts WHERE workspace_id = $1 \
             ORDER BY brand, source_kind, handle",
            &[&ws],
        )
        .await
        .map_err(db("reading the brand accounts"))?;
    rows.iter()
        .map(|r| {
            let kind: String = r.get(1);
            Ok(BrandAccount {
                brand: BrandId(r.get(0)),
                kind: SourceKind::parse(&kind).ok_or_else(|| {
                    StoreError::Database(format!("unknown source kind `{kind}` stored"))
                })?,
                handle: r.get(2),
            })
        })
        .collect()
}

/// Replaces `brand`'s accounts and recounts the brand's rows, in one transaction.
pub(super) async fn put_brand_accounts(
    client: &mut Client,
    workspace: &WorkspaceId,
    brand: &BrandId,
    accounts: &[BrandAccount],
) -> StoreResult<()> {
    let row = client
        .query_opt(
            "SELECT key, name, synthetic, brands, id FROM workspaces WHERE key = $1",
            &[&workspace.0],
        )
        .await
        .map_err(db("reading the workspace"))?
        .ok_or_else(|| unknown_workspace(&workspace.0))?;
    let ws: i64 = row.get(4);
    let accounts = checked_accounts(&read_workspace(&row)?, brand, accounts)?;
    let failed = db("storing the brand accounts");
    let tx = client.transaction().await.map_err(&failed)?;
    lock_accounts(&tx, ws, true).await.map_err(&failed)?;
    tx.execute(
        "DELETE FROM brand_accounts WHERE workspace_id = $1 AND brand = $2",
        &[&ws, &brand.0],
    )
    .await
    .map_err(&failed)?;
    for (kind, handle) in &accounts {
        let taken = tx
            .query_opt(
                "SELECT brand FROM brand_accounts WHERE workspace_id = $1 AND source_kind = $2 \
                 AND handle = $3",
                &[&ws, kind, handle],
            )
            .await
            .map_err(&failed)?;
        if let Some(taken) = taken {
            let other: String = taken.get(0);
            if other != brand.0 {
                return Err(account_taken(kind, handle, &other));
            }
            continue;
        }
        tx.execute(
            "INSERT INTO brand_accounts (workspace_id, source_kind, handle, brand) \
             VALUES ($1, $2, $3, $4)",
            &[&ws, kind, handle, &brand.0],
        )
        .await
        .map_err(&failed)?;
    }
    rebuild(&tx, Some(ws), Some(&brand.0)).await?;
    tx.commit().await.map_err(&failed)
}

pub(super) async fn openness(
    client: &impl GenericClient,
    request: &OpennessRequest,
) -> StoreResult<Vec<BrandOpenness>> {
    let failed = db("reading the openness counts");
    let row = client
        .query_opt(
            "SELECT key, name, synthetic, brands, id FROM workspaces WHERE key = $1",
            &[&request.workspace.0],
        )
        .await
        .map_err(&failed)?
        .ok_or_else(|| unknown_workspace(&request.workspace.0))?;
    let workspace = read_workspace(&row)?;
    let ws: i64 = row.get(4);
    let (from, to) = (nearest_day(request.from), nearest_day(request.to));
    let mut weeks: HashMap<String, Weeks> = HashMap::new();
    let days = client
        .query(
            &format!(
                "SELECT brand, day, {DAY_COLUMN_NAMES} FROM openness_daily \
                 WHERE workspace_id = $1 AND day >= $2 AND day < $3"
            ),
            &[&ws, &from, &to],
        )
        .await
        .map_err(&failed)?;
    for row in &days {
        let mut values = [0; DAY_COLUMNS];
        for (i, v) in values.iter_mut().enumerate() {
            *v = row.try_get(i + 2).map_err(&failed)?;
        }
        weeks
            .entry(row.try_get(0).map_err(&failed)?)
            .or_default()
            .add_day(row.try_get(1).map_err(&failed)?, values);
    }
    let buckets = client
        .query(
            "SELECT brand, day, bucket, answered FROM openness_response_daily \
             WHERE workspace_id = $1 AND day >= $2 AND day < $3",
            &[&ws, &from, &to],
        )
        .await
        .map_err(&failed)?;
    for row in &buckets {
        weeks
            .entry(row.try_get(0).map_err(&failed)?)
            .or_default()
            .add_bucket(
                row.try_get(1).map_err(&failed)?,
                row.try_get(2).map_err(&failed)?,
                row.try_get(3).map_err(&failed)?,
            );
    }
    workspace
        .brands
        .iter()
        .map(|b| {
            weeks
                .remove(&b.id.0)
                .unwrap_or_default()
                .into_brand(b.id.clone())
        })
        .collect()
}

pub(super) async fn inquiries(
    client: &impl GenericClient,
    request: &InquiryListRequest,
) -> StoreResult<Vec<InquiryRow>> {
    let ws = workspace_id(client, &request.workspace.0).await?;
    let condition = filter_condition(request.filter);
    let limit = request.limit.clamp(1, MAX_INQUIRY_PAGE) as i64;
    let rows = client
        .query(
            &format!(
                "SELECT {ITEM_COLUMNS}, o.answered_at FROM openness_inquiries o \
                 JOIN item_keys k ON k.id = o.item_id \
                 JOIN items i ON i.id = k.id AND i.published_at = k.published_at \
                 JOIN sources s ON s.id = i.source_id \
                 WHERE o.workspace_id = $1 AND o.brand = $2 AND o.day >= $3 AND o.day < $4 \
                 {condition} ORDER BY o.day DESC, o.published_at DESC LIMIT $5"
            ),
            &[
                &ws,
                &request.brand.0,
                &nearest_day(request.from),
                &nearest_day(request.to),
                &limit,
            ],
        )
        .await
        .map_err(db("reading the inquiries"))?;
    let answered_column = ITEM_COLUMNS.split(',').count();
    rows.iter()
        .map(|row| {
            let answered: Option<PgTime> = row
                .try_get(answered_column)
                .map_err(db("reading the inquiries"))?;
            Ok(InquiryRow {
                item: read_item(row)?,
                answered_at: answered.map(|PgTime(at)| at),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_migration_counts_csr_inquiries_by_the_same_topics() {
        let migration = include_str!("migrations/0009_openness.sql");
        assert!(
            migration.contains(&format!("(i.topics & {}) <> 0", csr_bits())),
            "0009_openness's CSR bits are not `csr_bits()` = {}",
            csr_bits()
        );
    }
}
