//! The embedded backend: SQLite (WAL, `synchronous=NORMAL`) for everything, plus the
//! tantivy index of [`crate::index`], both in one data folder:
//!
//! ```text
//! <data dir>/omdomme.sqlite3   items, sources, workspaces, rollups, users, sessions
//! <data dir>/index/            full-text index, derived from the items
//! ```
//!
//! One writer connection behind a mutex (SQLite allows one writer anyway, and holding the
//! mutex until the index got the batch keeps index additions in `change_seq` order) and a
//! small pool of read-only connections, which WAL lets read while the writer writes. The
//! async trait methods run the blocking work on tokio's blocking pool.

mod accounts;
mod alerts;
pub(crate) mod explorer;
mod inbox;
pub(crate) mod items;
mod leases;
mod login_failures;
mod openness;
mod report_schedule;
pub(crate) mod rollups;
mod schema;
mod sources;
pub(crate) mod stories;
mod strategy;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, LazyLock, Mutex, MutexGuard};

use async_trait::async_trait;
use jiff::{SignedDuration, Timestamp};
use omdomme_core::{
    BrandId, Enrichment, Item, ItemId, Lang, Sentiment, SentimentLabel, SourceHealth, SourceKey,
    SourceKind, StoredItem, Topic, TopicSet, Workspace, WorkspaceId,
};
use rusqlite::{Connection, OpenFlags, OptionalExtension, TransactionBehavior, params};

use crate::inbox::{
    Escalation, InboxChange, InboxCounts, InboxEntry, InboxNote, InboxPage, InboxQuery, InboxReply,
    InboxRow, InboxThread, NewReply, ReplyOutcome, SavedReply, SlaPolicy,
};
use crate::index::{IndexOptions, SearchIndex, ToIndex};
use crate::leases::Lease;
use crate::login_failures::LoginFailures;
use crate::openness::{
    BrandAccount, BrandOpenness, InquiryListRequest, InquiryRow, OpennessRequest,
};
use crate::report_schedule::{NewReportSend, ReportSchedule, ReportSend};
use crate::stories::{
    Attachment, AttachmentId, CalendarEntry, CalendarQuery, DuePost, EngagementGrouping,
    EngagementRollup, Goal, GoalDraft, GoalId, NewAttachment, NewPost, OutboxEntry, Post,
    PostComment, PostId, PostStep, ProofPoint, ProofPointDraft, PublishOutcome, StoredPolicy,
    Story, StoryDraft, StoryId,
};
use crate::strategy::{PostTally, StoredAudience, Strategy};
use crate::{
    AuditEntry, AuditQuery, AuditRecord, BrandShare, BreakdownRequest, BreakdownSeries, Dimension,
    ExportRequest, ItemBatch, PutReport, SearchPage, SearchRequest, SessionRecord,
    ShareOfVoiceRequest, SourceDefinition, SourceRecord, Store, StoreError, StoreResult,
    StoreStats, Thread, TopAuthors, TopAuthorsRequest, UserRecord, VolumePoint, VolumeRequest,
};
use items::{ITEM_COLUMN_COUNT, ITEM_COLUMNS, ITEM_FROM, read_item};
use omdomme_core::Engagement;
use rollups::{AuthorContribution, Contribution, Delta};

/// File name of the database inside the data folder.
pub const DATABASE_FILE: &str = "omdomme.sqlite3";
/// Folder of the full-text index inside the data folder.
pub const INDEX_DIR: &str = "index";

/// Paging limits of [`Store::search`]: deeper pages belong to export.
pub const MAX_SEARCH_OFFSET: usize = 10_000;
pub const MAX_SEARCH_LIMIT: usize = 200;
/// Largest page of [`Store::items_after`].
pub const MAX_ITEMS_PAGE: usize = 10_000;

/// Items per step when the index catches up or is rebuilt.
const INDEX_BATCH: usize = 5_000;

/// Knobs of [`SqliteStore::open_with`]; [`SqliteStore::open`] uses the defaults.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SqliteOptions {
    pub index: IndexOptions,
    /// Read connections kept open for reuse.
    pub readers: usize,
}

impl Default for SqliteOptions {
    fn default() -> Self {
        SqliteOptions {
            index: IndexOptions::default(),
            readers: 4,
        }
    }
}

/// The embedded [`Store`]: cheap to clone, all clones share one database and index.
#[derive(Clone)]
pub struct SqliteStore {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for SqliteStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteStore")
            .field("data_dir", &self.inner.data_dir)
            .finish_non_exhaustive()
    }
}

struct Inner {
    data_dir: PathBuf,
    db_path: PathBuf,
    writer: Mutex<Writer>,
    readers: Mutex<Vec<Connection>>,
    max_readers: usize,
    index: SearchIndex,
}

struct Writer {
    conn: Connection,
    /// Highest `change_seq` in the database.
    last_seq: i64,
    /// Source ids by workspace and kind, then name: looked up for every item.
    sources: HashMap<(i64, SourceKind), HashMap<String, i64>>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // Every write is one transaction, so a panic mid-write left nothing half-done.
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Maps a database error to one naming what was being done.
fn db(what: &'static str) -> impl Fn(rusqlite::Error) -> StoreError {
    move |e| StoreError::Database(format!("{what}: {e}"))
}

fn unknown_workspace(id: &str) -> StoreError {
    StoreError::Invalid(format!("unknown workspace `{id}`"))
}

fn open_connection(path: &Path, read_only: bool) -> StoreResult<Connection> {
    let flags = if read_only {
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX
    } else {
        OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_CREATE
            | OpenFlags::SQLITE_OPEN_NO_MUTEX
    };
    let conn = Connection::open_with_flags(path, flags)
        .map_err(|e| StoreError::DataDir(format!("opening {}: {e}", path.display())))?;
    let setup = db("setting up the database connection");
    conn.busy_timeout(std::time::Duration::from_secs(10))
        .map_err(&setup)?;
    if !read_only {
        let mode: String = conn
            .pragma_update_and_check(None, "journal_mode", "WAL", |r| r.get(0))
            .map_err(&setup)?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(StoreError::DataDir(format!(
                "{} cannot use write-ahead logging (journal mode {mode}); is it on a network drive?",
                path.display()
            )));
        }
    }
    // NORMAL in WAL mode loses at most the last transactions on power loss, never
    // consistency; the importer re-sends what is missing (puts are idempotent).
    // A larger WAL before checkpointing: bulk imports rewrite the same pages many times
    // between checkpoints, and each checkpoint syncs.
    conn.execute_batch(
        "PRAGMA synchronous = NORMAL; PRAGMA cache_size = -65536; PRAGMA temp_store = MEMORY; \
         PRAGMA wal_autocheckpoint = 8192;",
    )
    .map_err(&setup)?;
    conn.set_prepared_statement_cache_capacity(64);
    Ok(conn)
}

impl SqliteStore {
    /// Opens (creating if needed) the store in `data_dir`, migrating the database and
    /// catching the search index up with it.
    pub fn open(data_dir: &Path) -> StoreResult<SqliteStore> {
        SqliteStore::open_with(data_dir, SqliteOptions::default())
    }

    pub fn open_with(data_dir: &Path, options: SqliteOptions) -> StoreResult<SqliteStore> {
        std::fs::create_dir_all(data_dir).map_err(|e| {
            StoreError::DataDir(format!("cannot create {}: {e}", data_dir.display()))
        })?;
        let db_path = data_dir.join(DATABASE_FILE);
        let mut conn = open_connection(&db_path, false)?;
        schema::migrate(&mut conn, &db_path.display().to_string())?;
        inbox::backfill_if_pending(&mut conn)?;
        openness::rebuild_if_pending(&mut conn)?;
        let last_seq: i64 = conn
            .query_row("SELECT coalesce(max(change_seq), 0) FROM items", [], |r| {
                r.get(0)
            })
            .map_err(db("reading the change counter"))?;
        let index = SearchIndex::open(&data_dir.join(INDEX_DIR), options.index)?;
        let inner = Inner {
            data_dir: data_dir.to_owned(),
            db_path,
            writer: Mutex::new(Writer {
                conn,
                last_seq,
                sources: HashMap::new(),
            }),
            readers: Mutex::new(Vec::new()),
            max_readers: options.readers.max(1),
            index,
        };
        let caught_up = inner.catch_up_index()?;
        if caught_up > 0 {
            tracing::info!(items = caught_up, "search index caught up with the store");
        }
        Ok(SqliteStore {
            inner: Arc::new(inner),
        })
    }

    /// The data folder this store lives in.
    pub fn data_dir(&self) -> &Path {
        &self.inner.data_dir
    }

    /// Runs blocking store work off the async runtime's worker threads.
    async fn run<T, F>(&self, work: F) -> StoreResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&Inner) -> StoreResult<T> + Send + 'static,
    {
        let inner = Arc::clone(&self.inner);
        tokio::task::spawn_blocking(move || work(&inner))
            .await
            .map_err(|e| StoreError::Database(format!("a store task failed: {e}")))?
    }
}

fn workspace_id(conn: &Connection, key: &str) -> StoreResult<i64> {
    conn.prepare_cached("SELECT id FROM workspaces WHERE key = ?1")
        .and_then(|mut s| s.query_row([key], |r| r.get(0)).optional())
        .map_err(db("looking up the workspace"))?
        .ok_or_else(|| unknown_workspace(key))
}

fn read_workspace(row: &rusqlite::Row<'_>) -> rusqlite::Result<Workspace> {
    let brands: String = row.get(3)?;
    Ok(Workspace {
        id: WorkspaceId(row.get(0)?),
        name: row.get(1)?,
        synthetic: row.get(2)?,
        brands: serde_json::from_str(&brands).map_err(|e| {
            rusqlite::Error::FromSqlConversionFailure(3, rusqlite::types::Type::Text, e.into())
        })?,
    })
}

fn read_workspace_by_key(conn: &Connection, key: &str) -> StoreResult<Workspace> {
    conn.prepare_cached("SELECT key, name, synthetic, brands FROM workspaces WHERE key = ?1")
        .and_then(|mut s| s.query_row([key], read_workspace).optional())
        .map_err(db("reading the workspace"))?
        .ok_or_else(|| unknown_workspace(key))
}

fn contribution(item: &Item) -> Contribution {
    Contribution::new(
        item.published_at.as_microsecond(),
        item.source.kind.as_str(),
        AuthorContribution {
            handle: item.author.handle.clone(),
            engagement: items::to_i64(item.engagement.total()),
            followers: item.author.followers.map_or(0, items::to_i64),
        },
        &item.enrichment,
    )
}

/// The columns [`stored_contribution`] reads, in its order.
const CONTRIBUTION_COLUMNS: &str = "i.published_at, i.lang, i.sentiment, i.sentiment_score, \
     i.topics, i.brands, i.brand_sentiment, i.author_handle, i.likes + i.shares + i.replies, \
     coalesce(i.author_followers, 0)";

/// What the rollups need of a stored row: its [`CONTRIBUTION_COLUMNS`] starting at column
/// `first`.
fn stored_contribution(
    row: &rusqlite::Row<'_>,
    first: usize,
    source: SourceKind,
) -> rusqlite::Result<Contribution> {
    let lang: String = row.get(first + 1)?;
    let label: String = row.get(first + 2)?;
    let score: f64 = row.get(first + 3)?;
    let topics: i64 = row.get(first + 4)?;
    let brands: String = row.get(first + 5)?;
    let enrichment = Enrichment {
        lang: Lang::parse(&lang).unwrap_or_default(),
        sentiment: Sentiment {
            label: SentimentLabel::parse(&label).unwrap_or_default(),
            score: score as f32,
        },
        topics: TopicSet::from_bits(u8::try_from(topics).unwrap_or(0)),
        brands: items::parse_brands(&brands),
        brand_sentiment: items::brand_sentiment(row, first + 6)?,
        ..Enrichment::default()
    };
    let author = AuthorContribution {
        handle: row.get(first + 7)?,
        engagement: row.get(first + 8)?,
        followers: row.get(first + 9)?,
    };
    Ok(Contribution::new(
        row.get(first)?,
        source.as_str(),
        author,
        &enrichment,
    ))
}

static INSERT_ITEM: LazyLock<String> = LazyLock::new(items::insert_sql);
static UPDATE_ITEM: LazyLock<String> = LazyLock::new(items::update_sql);

impl Inner {
    fn read<T>(&self, work: impl FnOnce(&Connection) -> StoreResult<T>) -> StoreResult<T> {
        let pooled = lock(&self.readers).pop();
        let conn = match pooled {
            Some(conn) => conn,
            None => open_connection(&self.db_path, true)?,
        };
        let result = work(&conn);
        let mut pool = lock(&self.readers);
        if pool.len() < self.max_readers {
            pool.push(conn);
        }
        result
    }

    /// Stores `items`; with `at_cursor` = (source, cursor), checks that they all come from
    /// that defined source and moves its cursor in the same transaction.
    fn put_items(
        &self,
        workspace: &WorkspaceId,
        items: &[Item],
        at_cursor: Option<(&SourceKey, Option<&str>)>,
    ) -> StoreResult<PutReport> {
        let mut guard = lock(&self.writer);
        let Writer {
            conn,
            last_seq,
            sources,
        } = &mut *guard;
        let ws = workspace_id(conn, &workspace.0)?;
        let mut cursor_update = None;
        if let Some((source, cursor)) = at_cursor {
            if let Some((n, stray)) = items.iter().enumerate().find(|(_, i)| i.source != *source) {
                return Err(StoreError::Invalid(format!(
                    "item {} (`{}`) comes from {}, not from {source}: a batch holds one \
                     source's items",
                    n + 1,
                    stray.external_id,
                    stray.source
                )));
            }
            let id = sources::defined_id(conn, ws, workspace, source)?;
            cursor_update = cursor.map(|cursor| (id, cursor));
        }
        if items.is_empty() && cursor_update.is_none() {
            return Ok(PutReport::default());
        }
        let mut report = PutReport::default();
        let mut to_index: Vec<(usize, ItemId, bool)> = Vec::new();
        let mut seq = *last_seq;
        let written = (|| -> rusqlite::Result<()> {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let mut delta = Delta::default();
            let mut admission = inbox::Admission::default();
            let mut tracker = openness::Tracker::default();
            {
                let mut insert = tx.prepare_cached(&INSERT_ITEM)?;
                let mut update = tx.prepare_cached(&UPDATE_ITEM)?;
                let mut lookup = tx.prepare_cached(&format!(
                    "SELECT i.id, i.content_hash, {CONTRIBUTION_COLUMNS} FROM items i \
                     WHERE i.source_id = ?1 AND i.external_id = ?2"
                ))?;
                for (i, item) in items.iter().enumerate() {
                    let source = source_id(&tx, sources, ws, item)?;
                    let hash = items::content_hash(item);
                    let json = items::Json::of(item)?;
                    let next = seq + 1;
                    insert.raw_bind_parameter(1, ws)?;
                    insert.raw_bind_parameter(2, source)?;
                    insert.raw_bind_parameter(3, &item.external_id)?;
                    items::bind_item(&mut insert, 4, item, &json, hash, next)?;
                    let inserted: Option<i64> = {
                        let mut rows = insert.raw_query();
                        match rows.next()? {
                            Some(row) => Some(row.get(0)?),
                            None => None,
                        }
                    };
                    if let Some(id) = inserted {
                        seq = next;
                        report.new += 1;
                        delta.add(ws, &contribution(item), 1);
                        admission.admit(&tx, ws, ItemId(id), item)?;
                        tracker.added(&tx, ws, ItemId(id), item)?;
                        to_index.push((i, ItemId(id), false));
                        continue;
                    }
                    let (id, old_hash, old) =
                        lookup.query_row(params![source, item.external_id], |r| {
                            Ok((
                                r.get::<_, i64>(0)?,
                                r.get::<_, i64>(1)?,
                                stored_contribution(r, 2, item.source.kind)?,
                            ))
                        })?;
                    if old_hash == hash {
                        report.unchanged += 1;
                        continue;
                    }
                    tracker.before_update(&tx, ws, id)?;
                    update.raw_bind_parameter(1, id)?;
                    items::bind_item(&mut update, 2, item, &json, hash, next)?;
                    update.raw_execute()?;
                    seq = next;
                    report.updated += 1;
                    delta.add(ws, &old, -1);
                    delta.add(ws, &contribution(item), 1);
                    admission.admit(&tx, ws, ItemId(id), item)?;
                    tracker.added(&tx, ws, ItemId(id), item)?;
                    to_index.push((i, ItemId(id), true));
                }
            }
            tracker.finish(&tx)?;
            delta.apply(&tx)?;
            if let Some((id, cursor)) = cursor_update {
                tx.prepare_cached("UPDATE sources SET cursor = ?1 WHERE id = ?2")?
                    .execute(params![cursor, id])?;
            }
            tx.commit()
        })();
        if let Err(e) = written {
            // Source ids cached during the failed transaction do not exist.
            sources.clear();
            return Err(StoreError::Database(format!(
                "storing {} items in workspace `{workspace}`: {e}",
                items.len()
            )));
        }
        *last_seq = seq;
        // The store committed; now the index, still under the writer lock so documents
        // reach it in change_seq order and a commit's watermark never skips a batch.
        self.index.write(
            to_index.iter().filter_map(|&(i, id, replace)| {
                Some(ToIndex {
                    workspace: &workspace.0,
                    id,
                    item: items.get(i)?,
                    replace,
                })
            }),
            seq,
        )?;
        Ok(report)
    }

    /// Re-adds every item changed after the index's last commit. The store is the truth:
    /// this is what repairs an index after a crash or a kill.
    fn catch_up_index(&self) -> StoreResult<u64> {
        let guard = lock(&self.writer);
        let mut after = self.index.committed_seq();
        if after >= guard.last_seq {
            return Ok(0);
        }
        let sql = format!(
            "SELECT {ITEM_COLUMNS}, w.key, i.change_seq FROM {ITEM_FROM} \
             JOIN workspaces w ON w.id = i.workspace_id \
             WHERE i.change_seq > ?1 ORDER BY i.change_seq LIMIT ?2"
        );
        let mut done = 0u64;
        loop {
            let batch = load_for_index(&guard.conn, &sql, after)?;
            let Some(last) = batch.last().map(|(_, _, seq)| *seq) else {
                break;
            };
            done += batch.len() as u64;
            self.index.write(
                batch.iter().map(|(stored, ws, _)| ToIndex {
                    workspace: ws,
                    id: stored.id,
                    item: &stored.item,
                    replace: true,
                }),
                last,
            )?;
            after = last;
        }
        self.index.commit()?;
        Ok(done)
    }

    fn reindex(&self, progress: &dyn Fn(u64, u64)) -> StoreResult<u64> {
        // The writer lock keeps puts out while the index is rebuilt: a put during the
        // rebuild would be added twice.
        let guard = lock(&self.writer);
        let total: i64 = guard
            .conn
            .query_row("SELECT count(*) FROM items", [], |r| r.get(0))
            .map_err(db("counting items"))?;
        let total = u64::try_from(total).unwrap_or(0);
        progress(0, total);
        self.index.clear(guard.last_seq)?;
        let sql = format!(
            "SELECT {ITEM_COLUMNS}, w.key, i.id FROM {ITEM_FROM} \
             JOIN workspaces w ON w.id = i.workspace_id \
             WHERE i.id > ?1 ORDER BY i.id LIMIT ?2"
        );
        let mut after = 0;
        let mut done = 0u64;
        loop {
            let batch = load_for_index(&guard.conn, &sql, after)?;
            let Some(last) = batch.last().map(|(_, _, id)| *id) else {
                break;
            };
            done += batch.len() as u64;
            self.index.write(
                batch.iter().map(|(stored, ws, _)| ToIndex {
                    workspace: ws,
                    id: stored.id,
                    item: &stored.item,
                    replace: false,
                }),
                guard.last_seq,
            )?;
            after = last;
            progress(done, total);
        }
        self.index.commit()?;
        Ok(done)
    }

    fn rebuild_rollups(&self) -> StoreResult<()> {
        let mut guard = lock(&self.writer);
        let rebuilt = (|| -> rusqlite::Result<()> {
            let tx = guard
                .conn
                .transaction_with_behavior(TransactionBehavior::Immediate)?;
            tx.execute_batch(
                "DELETE FROM rollup_hourly; DELETE FROM item_counts; DELETE FROM author_daily; \
                 DELETE FROM author_totals;",
            )?;
            {
                let mut stmt = tx.prepare(&format!(
                    "SELECT i.workspace_id, s.kind, {CONTRIBUTION_COLUMNS} FROM items i \
                     JOIN sources s ON s.id = i.source_id"
                ))?;
                let mut rows = stmt.query([])?;
                let mut delta = Delta::default();
                let mut n = 0usize;
                while let Some(row) = rows.next()? {
                    let ws: i64 = row.get(0)?;
                    let kind: String = row.get(1)?;
                    let kind = SourceKind::parse(&kind).unwrap_or(SourceKind::File);
                    delta.add(ws, &stored_contribution(row, 2, kind)?, 1);
                    n += 1;
                    // Bounded memory at any number of items: flush the sums now and then.
                    if n.is_multiple_of(200_000) {
                        std::mem::take(&mut delta).apply(&tx)?;
                    }
                }
                if !delta.is_empty() {
                    delta.apply(&tx)?;
                }
            }
            // Re-enriched items may deserve an answer now.
            inbox::backfill(&tx)?;
            openness::rebuild(&tx, None, None)?;
            tx.commit()
        })();
        rebuilt.map_err(db("rebuilding the rollups"))
    }

    fn stats(&self) -> StoreResult<StoreStats> {
        let indexed = self.index.num_docs();
        self.read(|conn| {
            let failed = db("reading statistics");
            let workspaces: i64 = conn
                .query_row("SELECT count(*) FROM workspaces", [], |r| r.get(0))
                .map_err(&failed)?;
            let rollup_rows: i64 = conn
                .query_row("SELECT count(*) FROM rollup_hourly", [], |r| r.get(0))
                .map_err(&failed)?;
            let mut stmt = conn
                .prepare("SELECT source_kind, lang, items, oldest, newest FROM item_counts")
                .map_err(&failed)?;
            let rows = stmt
                .query_map([], |r| {
                    Ok((
                        r.get::<_, String>(0)?,
                        r.get::<_, String>(1)?,
                        r.get::<_, i64>(2)?,
                        r.get::<_, Option<i64>>(3)?,
                        r.get::<_, Option<i64>>(4)?,
                    ))
                })
                .map_err(&failed)?;
            let mut stats = StoreStats {
                workspaces: u64::try_from(workspaces).unwrap_or(0),
                indexed,
                rollup_rows: u64::try_from(rollup_rows).unwrap_or(0),
                ..StoreStats::default()
            };
            let mut by_source: HashMap<SourceKind, u64> = HashMap::new();
            let mut by_lang: HashMap<Lang, u64> = HashMap::new();
            let (mut oldest, mut newest): (Option<i64>, Option<i64>) = (None, None);
            for row in rows {
                let (source, lang, n, old, new) = row.map_err(&failed)?;
                let n = u64::try_from(n).unwrap_or(0);
                stats.items += n;
                if let Some(kind) = SourceKind::parse(&source) {
                    *by_source.entry(kind).or_default() += n;
                }
                if let Some(lang) = Lang::parse(&lang) {
                    *by_lang.entry(lang).or_default() += n;
                }
                oldest = match (oldest, old) {
                    (Some(a), Some(b)) => Some(a.min(b)),
                    (a, b) => a.or(b),
                };
                newest = match (newest, new) {
                    (Some(a), Some(b)) => Some(a.max(b)),
                    (a, b) => a.or(b),
                };
            }
            stats.items_by_source = by_source.into_iter().filter(|(_, n)| *n > 0).collect();
            stats.items_by_source.sort();
            stats.items_by_lang = by_lang.into_iter().filter(|(_, n)| *n > 0).collect();
            stats.items_by_lang.sort();
            stats.oldest = oldest.and_then(|t| Timestamp::from_microsecond(t).ok());
            stats.newest = newest.and_then(|t| Timestamp::from_microsecond(t).ok());
            Ok(stats)
        })
    }
}

/// The source's id, from the cache or the database (creating the source if new).
fn source_id(
    tx: &rusqlite::Transaction<'_>,
    cache: &mut HashMap<(i64, SourceKind), HashMap<String, i64>>,
    ws: i64,
    item: &Item,
) -> rusqlite::Result<i64> {
    let kind = item.source.kind;
    if let Some(id) = cache
        .get(&(ws, kind))
        .and_then(|names| names.get(&item.source.name))
    {
        return Ok(*id);
    }
    tx.prepare_cached(
        "INSERT INTO sources (workspace_id, kind, name) VALUES (?1, ?2, ?3) \
         ON CONFLICT (workspace_id, kind, name) DO NOTHING",
    )?
    .execute(params![ws, kind.as_str(), item.source.name])?;
    let id: i64 = tx
        .prepare_cached(
            "SELECT id FROM sources WHERE workspace_id = ?1 AND kind = ?2 AND name = ?3",
        )?
        .query_row(params![ws, kind.as_str(), item.source.name], |r| r.get(0))?;
    cache
        .entry((ws, kind))
        .or_default()
        .insert(item.source.name.clone(), id);
    Ok(id)
}

/// A batch of items with their workspace key and the value of the column after it
/// (`change_seq` or `id`, whatever the query pages by).
fn load_for_index(
    conn: &Connection,
    sql: &str,
    after: i64,
) -> StoreResult<Vec<(StoredItem, String, i64)>> {
    let failed = db("reading items for the index");
    let mut stmt = conn.prepare_cached(sql).map_err(&failed)?;
    let rows = stmt
        .query_map(params![after, INDEX_BATCH as i64], |r| {
            Ok((
                read_item(r)?,
                r.get::<_, String>(ITEM_COLUMN_COUNT)?,
                r.get::<_, i64>(ITEM_COLUMN_COUNT + 1)?,
            ))
        })
        .map_err(&failed)?;
    rows.collect::<Result<Vec<_>, _>>().map_err(&failed)
}

fn load_items(conn: &Connection, ids: &[ItemId]) -> StoreResult<Vec<StoredItem>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let failed = db("loading items");
    let placeholders = vec!["?"; ids.len()].join(", ");
    let sql = format!("SELECT {ITEM_COLUMNS} FROM {ITEM_FROM} WHERE i.id IN ({placeholders})");
    let mut stmt = conn.prepare(&sql).map_err(&failed)?;
    let rows = stmt
        .query_map(
            rusqlite::params_from_iter(ids.iter().map(|id| id.0)),
            read_item,
        )
        .map_err(&failed)?;
    let mut by_id: HashMap<ItemId, StoredItem> = HashMap::with_capacity(ids.len());
    for row in rows {
        let item = row.map_err(&failed)?;
        by_id.insert(item.id, item);
    }
    // In the order the index ranked them.
    Ok(ids.iter().filter_map(|id| by_id.remove(id)).collect())
}

#[async_trait]
impl Store for SqliteStore {
    async fn put_workspace(&self, workspace: &Workspace) -> StoreResult<()> {
        let workspace = workspace.clone();
        self.run(move |inner| {
            let brands = serde_json::to_string(&workspace.brands)
                .map_err(|e| StoreError::Invalid(format!("brands of `{}`: {e}", workspace.id)))?;
            let w = lock(&inner.writer);
            w.conn
                .execute(
                    "INSERT INTO workspaces (key, name, synthetic, brands) VALUES (?1, ?2, ?3, ?4) \
                     ON CONFLICT (key) DO UPDATE SET name = excluded.name, \
                     synthetic = excluded.synthetic, brands = excluded.brands",
                    params![workspace.id.0, workspace.name, workspace.synthetic, brands],
                )
                .map_err(db("storing the workspace"))?;
            Ok(())
        })
        .await
    }

    async fn workspace(&self, id: &WorkspaceId) -> StoreResult<Option<Workspace>> {
        let id = id.clone();
        self.run(move |inner| {
            inner.read(|conn| {
                conn.prepare_cached(
                    "SELECT key, name, synthetic, brands FROM workspaces WHERE key = ?1",
                )
                .and_then(|mut s| s.query_row([&id.0], read_workspace).optional())
                .map_err(db("reading the workspace"))
            })
        })
        .await
    }

    async fn workspaces(&self) -> StoreResult<Vec<Workspace>> {
        self.run(|inner| {
            inner.read(|conn| {
                let failed = db("reading workspaces");
                let mut stmt = conn
                    .prepare("SELECT key, name, synthetic, brands FROM workspaces ORDER BY key")
                    .map_err(&failed)?;
                let rows = stmt.query_map([], read_workspace).map_err(&failed)?;
                rows.collect::<Result<Vec<_>, _>>().map_err(&failed)
            })
        })
        .await
    }

    async fn put_items(&self, workspace: &WorkspaceId, items: &[Item]) -> StoreResult<PutReport> {
        let workspace = workspace.clone();
        let items = items.to_vec();
        self.run(move |inner| inner.put_items(&workspace, &items, None))
            .await
    }

    async fn put_source(
        &self,
        workspace: &WorkspaceId,
        source: &SourceDefinition,
        at: Timestamp,
    ) -> StoreResult<()> {
        let workspace = workspace.clone();
        let source = source.clone();
        self.run(move |inner| sources::put(&lock(&inner.writer).conn, &workspace, &source, at))
            .await
    }

    async fn sources(&self, workspace: &WorkspaceId) -> StoreResult<Vec<SourceRecord>> {
        let workspace = workspace.clone();
        self.run(move |inner| inner.read(|conn| sources::list(conn, &workspace)))
            .await
    }

    async fn source(
        &self,
        workspace: &WorkspaceId,
        source: &SourceKey,
    ) -> StoreResult<Option<SourceRecord>> {
        let (workspace, source) = (workspace.clone(), source.clone());
        self.run(move |inner| inner.read(|conn| sources::one(conn, &workspace, &source)))
            .await
    }

    async fn delete_source(
        &self,
        workspace: &WorkspaceId,
        source: &SourceKey,
    ) -> StoreResult<bool> {
        let (workspace, source) = (workspace.clone(), source.clone());
        self.run(move |inner| sources::delete(&lock(&inner.writer).conn, &workspace, &source))
            .await
    }

    async fn put_items_at_cursor(
        &self,
        workspace: &WorkspaceId,
        items: &[Item],
        source: &SourceKey,
        cursor: Option<&str>,
    ) -> StoreResult<PutReport> {
        let workspace = workspace.clone();
        let items = items.to_vec();
        let source = source.clone();
        let cursor = cursor.map(str::to_owned);
        self.run(move |inner| {
            inner.put_items(&workspace, &items, Some((&source, cursor.as_deref())))
        })
        .await
    }

    async fn source_cursor(
        &self,
        workspace: &WorkspaceId,
        source: &SourceKey,
    ) -> StoreResult<Option<String>> {
        let (workspace, source) = (workspace.clone(), source.clone());
        self.run(move |inner| inner.read(|conn| sources::cursor(conn, &workspace, &source)))
            .await
    }

    async fn put_source_health(
        &self,
        workspace: &WorkspaceId,
        source: &SourceKey,
        health: &SourceHealth,
    ) -> StoreResult<()> {
        let (workspace, source, health) = (workspace.clone(), source.clone(), health.clone());
        self.run(move |inner| {
            sources::put_health(&lock(&inner.writer).conn, &workspace, &source, &health)
        })
        .await
    }

    async fn put_source_credential(
        &self,
        workspace: &WorkspaceId,
        source: &SourceKey,
        sealed: &[u8],
    ) -> StoreResult<()> {
        let (workspace, source, sealed) = (workspace.clone(), source.clone(), sealed.to_vec());
        self.run(move |inner| {
            sources::put_credential(&lock(&inner.writer).conn, &workspace, &source, &sealed)
        })
        .await
    }

    async fn source_credential(
        &self,
        workspace: &WorkspaceId,
        source: &SourceKey,
    ) -> StoreResult<Option<Vec<u8>>> {
        let (workspace, source) = (workspace.clone(), source.clone());
        self.run(move |inner| inner.read(|conn| sources::credential(conn, &workspace, &source)))
            .await
    }

    async fn item(&self, id: ItemId) -> StoreResult<Option<StoredItem>> {
        self.run(move |inner| inner.read(|conn| Ok(load_items(conn, &[id])?.into_iter().next())))
            .await
    }

    async fn items_after(
        &self,
        workspace: &WorkspaceId,
        after: Option<ItemId>,
        limit: usize,
    ) -> StoreResult<ItemBatch> {
        if limit == 0 || limit > MAX_ITEMS_PAGE {
            return Err(StoreError::Invalid(format!(
                "a page of items holds 1 to {MAX_ITEMS_PAGE} items, not {limit}"
            )));
        }
        let workspace = workspace.clone();
        self.run(move |inner| {
            inner.read(|conn| {
                let ws = workspace_id(conn, &workspace.0)?;
                let failed = db("reading items");
                let sql = format!(
                    "SELECT {ITEM_COLUMNS} FROM {ITEM_FROM} \
                     WHERE i.workspace_id = ?1 AND i.id > ?2 ORDER BY i.id LIMIT ?3"
                );
                let mut stmt = conn.prepare_cached(&sql).map_err(&failed)?;
                let rows = stmt
                    .query_map(
                        params![ws, after.map_or(i64::MIN, |a| a.0), limit as i64 + 1],
                        read_item,
                    )
                    .map_err(&failed)?;
                let mut items = rows.collect::<Result<Vec<_>, _>>().map_err(&failed)?;
                // One more than asked tells whether there is a next page.
                let more = items.len() > limit;
                items.truncate(limit);
                let next = if more {
                    items.last().map(|i| i.id)
                } else {
                    None
                };
                Ok(ItemBatch { items, next })
            })
        })
        .await
    }

    async fn search(&self, request: &SearchRequest) -> StoreResult<SearchPage> {
        if request.limit == 0 || request.limit > MAX_SEARCH_LIMIT {
            return Err(StoreError::Invalid(format!(
                "a search page holds 1 to {MAX_SEARCH_LIMIT} items, not {}",
                request.limit
            )));
        }
        if request.offset > MAX_SEARCH_OFFSET {
            return Err(StoreError::Invalid(format!(
                "search pages reach only {MAX_SEARCH_OFFSET} items deep (offset {}); \
                 narrow the search or export instead",
                request.offset
            )));
        }
        let request = request.clone();
        self.run(move |inner| {
            inner.read(|conn| workspace_id(conn, &request.workspace.0))?;
            let (total, ids) = inner.index.search(
                &request.workspace.0,
                request.query.as_ref(),
                &request.filters,
                request.order,
                request.offset,
                request.limit,
            )?;
            let items = inner.read(|conn| load_items(conn, &ids))?;
            Ok(SearchPage { total, items })
        })
        .await
    }

    async fn volume(&self, request: &VolumeRequest) -> StoreResult<Vec<VolumePoint>> {
        let tz = rollups::time_zone(&request.time_zone)?;
        let request = request.clone();
        self.run(move |inner| {
            inner.read(|conn| {
                let ws = workspace_id(conn, &request.workspace.0)?;
                rollups::volume(conn, ws, &request.filters, request.bucket, &tz)
            })
        })
        .await
    }

    async fn share_of_voice(&self, request: &ShareOfVoiceRequest) -> StoreResult<Vec<BrandShare>> {
        let request = request.clone();
        self.run(move |inner| {
            inner.read(|conn| {
                let workspace = read_workspace_by_key(conn, &request.workspace.0)?;
                let ws = workspace_id(conn, &request.workspace.0)?;
                let brands: Vec<_> = workspace.brands.iter().map(|b| b.id.clone()).collect();
                rollups::share_of_voice(conn, ws, &brands, &request.filters)
            })
        })
        .await
    }

    async fn stats(&self) -> StoreResult<StoreStats> {
        self.run(|inner| inner.stats()).await
    }

    async fn flush(&self) -> StoreResult<()> {
        self.run(|inner| inner.index.commit()).await
    }

    async fn reindex(&self, progress: &(dyn Fn(u64, u64) + Send + Sync)) -> StoreResult<u64> {
        // The blocking work reports over a channel; the callback runs here, as it is
        // borrowed and cannot go to another thread for longer than this call.
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
        let task = self.run(move |inner| {
            inner.reindex(&|done, total| {
                let _ = tx.send((done, total));
            })
        });
        tokio::pin!(task);
        loop {
            tokio::select! {
                biased;
                Some((done, total)) = rx.recv() => progress(done, total),
                result = &mut task => {
                    while let Ok((done, total)) = rx.try_recv() {
                        progress(done, total);
                    }
                    return result;
                }
            }
        }
    }

    async fn rebuild_rollups(&self) -> StoreResult<()> {
        self.run(|inner| inner.rebuild_rollups()).await
    }

    async fn put_user(&self, user: &UserRecord) -> StoreResult<()> {
        let user = user.clone();
        self.run(move |inner| accounts::put_user(&lock(&inner.writer).conn, &user))
            .await
    }

    async fn user(&self, email: &str) -> StoreResult<Option<UserRecord>> {
        let email = email.to_owned();
        self.run(move |inner| inner.read(|conn| accounts::user(conn, &email)))
            .await
    }

    async fn users(&self) -> StoreResult<Vec<UserRecord>> {
        self.run(|inner| inner.read(accounts::users)).await
    }

    async fn delete_user(&self, email: &str) -> StoreResult<bool> {
        let email = email.to_owned();
        self.run(move |inner| accounts::delete_user(&mut lock(&inner.writer).conn, &email))
            .await
    }

    async fn put_session(&self, session: &SessionRecord) -> StoreResult<()> {
        let session = session.clone();
        self.run(move |inner| accounts::put_session(&lock(&inner.writer).conn, &session))
            .await
    }

    async fn session(&self, token_hash: &str) -> StoreResult<Option<SessionRecord>> {
        let token_hash = token_hash.to_owned();
        self.run(move |inner| inner.read(|conn| accounts::session(conn, &token_hash)))
            .await
    }

    async fn delete_session(&self, token_hash: &str) -> StoreResult<()> {
        let token_hash = token_hash.to_owned();
        self.run(move |inner| accounts::delete_session(&lock(&inner.writer).conn, &token_hash))
            .await
    }

    async fn delete_sessions_of(&self, email: &str, keep: Option<&str>) -> StoreResult<u64> {
        let email = email.to_owned();
        let keep = keep.map(str::to_owned);
        self.run(move |inner| {
            accounts::delete_sessions_of(&lock(&inner.writer).conn, &email, keep.as_deref())
        })
        .await
    }

    async fn append_audit(&self, entry: &AuditEntry) -> StoreResult<()> {
        let entry = entry.clone();
        self.run(move |inner| accounts::append_audit(&lock(&inner.writer).conn, &entry))
            .await
    }

    async fn audit_log(&self, query: &AuditQuery) -> StoreResult<Vec<AuditRecord>> {
        let query = query.clone();
        self.run(move |inner| inner.read(|conn| accounts::audit_log(conn, &query)))
            .await
    }

    async fn inbox(&self, query: &InboxQuery) -> StoreResult<InboxPage> {
        let query = query.clone();
        self.run(move |inner| inner.read(|conn| inbox::list(conn, &query)))
            .await
    }

    async fn inbox_counts(&self, workspace: &WorkspaceId) -> StoreResult<InboxCounts> {
        let workspace = workspace.clone();
        self.run(move |inner| inner.read(|conn| inbox::counts(conn, &workspace)))
            .await
    }

    async fn inbox_arrivals(
        &self,
        workspace: &WorkspaceId,
        after: i64,
        limit: usize,
    ) -> StoreResult<(u64, Vec<InboxRow>)> {
        let workspace = workspace.clone();
        self.run(move |inner| inner.read(|conn| inbox::arrivals(conn, &workspace, after, limit)))
            .await
    }

    async fn inbox_thread(
        &self,
        workspace: &WorkspaceId,
        item: ItemId,
    ) -> StoreResult<Option<InboxThread>> {
        let workspace = workspace.clone();
        self.run(move |inner| inner.read(|conn| inbox::thread(conn, &workspace, item)))
            .await
    }

    async fn update_inbox_entry(
        &self,
        workspace: &WorkspaceId,
        item: ItemId,
        change: &InboxChange,
        at: Timestamp,
    ) -> StoreResult<InboxEntry> {
        let (workspace, change) = (workspace.clone(), change.clone());
        self.run(move |inner| {
            inbox::update(&mut lock(&inner.writer).conn, &workspace, item, &change, at)
        })
        .await
    }

    async fn add_inbox_note(
        &self,
        workspace: &WorkspaceId,
        item: ItemId,
        note: &InboxNote,
    ) -> StoreResult<()> {
        let (workspace, note) = (workspace.clone(), note.clone());
        self.run(move |inner| inbox::add_note(&lock(&inner.writer).conn, &workspace, item, &note))
            .await
    }

    async fn begin_inbox_reply(
        &self,
        workspace: &WorkspaceId,
        item: ItemId,
        reply: &NewReply,
    ) -> StoreResult<Option<InboxReply>> {
        let (workspace, reply) = (workspace.clone(), reply.clone());
        self.run(move |inner| {
            inbox::begin_reply(&mut lock(&inner.writer).conn, &workspace, item, &reply)
        })
        .await
    }

    async fn finish_inbox_reply(
        &self,
        workspace: &WorkspaceId,
        item: ItemId,
        key: &str,
        outcome: &ReplyOutcome,
        at: Timestamp,
    ) -> StoreResult<InboxEntry> {
        let (workspace, key, outcome) = (workspace.clone(), key.to_owned(), outcome.clone());
        self.run(move |inner| {
            inbox::finish_reply(
                &mut lock(&inner.writer).conn,
                &workspace,
                item,
                &key,
                &outcome,
                at,
            )
        })
        .await
    }

    async fn sla_policies(&self, workspace: &WorkspaceId) -> StoreResult<Vec<SlaPolicy>> {
        let workspace = workspace.clone();
        self.run(move |inner| inner.read(|conn| inbox::sla_policies(conn, &workspace)))
            .await
    }

    async fn put_sla_policy(&self, workspace: &WorkspaceId, policy: &SlaPolicy) -> StoreResult<()> {
        let (workspace, policy) = (workspace.clone(), policy.clone());
        self.run(move |inner| {
            inbox::put_sla_policy(&mut lock(&inner.writer).conn, &workspace, &policy)
        })
        .await
    }

    async fn saved_replies(&self, workspace: &WorkspaceId) -> StoreResult<Vec<SavedReply>> {
        let workspace = workspace.clone();
        self.run(move |inner| inner.read(|conn| inbox::saved_replies(conn, &workspace)))
            .await
    }

    async fn put_saved_reply(
        &self,
        workspace: &WorkspaceId,
        reply: &SavedReply,
    ) -> StoreResult<i64> {
        let (workspace, reply) = (workspace.clone(), reply.clone());
        self.run(move |inner| inbox::put_saved_reply(&lock(&inner.writer).conn, &workspace, &reply))
            .await
    }

    async fn delete_saved_reply(&self, workspace: &WorkspaceId, id: i64) -> StoreResult<bool> {
        let workspace = workspace.clone();
        self.run(move |inner| inbox::delete_saved_reply(&lock(&inner.writer).conn, &workspace, id))
            .await
    }

    async fn escalate_inbox(&self, now: Timestamp) -> StoreResult<Vec<Escalation>> {
        self.run(move |inner| inbox::escalate_due(&mut lock(&inner.writer).conn, now))
            .await
    }

    async fn inbox_arrived_between(
        &self,
        workspace: &WorkspaceId,
        from: Timestamp,
        to: Timestamp,
    ) -> StoreResult<Vec<InboxEntry>> {
        let workspace = workspace.clone();
        self.run(move |inner| inner.read(|conn| inbox::arrived_between(conn, &workspace, from, to)))
            .await
    }

    async fn breakdown(&self, request: &BreakdownRequest) -> StoreResult<Vec<BreakdownSeries>> {
        let tz = rollups::time_zone(&request.time_zone)?;
        let request = request.clone();
        self.run(move |inner| {
            inner.read(|conn| {
                let ws = workspace_id(conn, &request.workspace.0)?;
                let brands: Vec<String>;
                let keys: Vec<&str> = match request.by {
                    Dimension::Brand => {
                        let workspace = read_workspace_by_key(conn, &request.workspace.0)?;
                        brands = workspace.brands.into_iter().map(|b| b.id.0).collect();
                        brands.iter().map(String::as_str).collect()
                    }
                    Dimension::Topic => Topic::ALL.iter().map(|t| t.as_str()).collect(),
                    Dimension::Source => SourceKind::ALL.iter().map(|s| s.as_str()).collect(),
                };
                rollups::breakdown(
                    conn,
                    ws,
                    &keys,
                    request.by,
                    &request.filters,
                    request.bucket,
                    &tz,
                )
            })
        })
        .await
    }

    async fn top_authors(&self, request: &TopAuthorsRequest) -> StoreResult<TopAuthors> {
        let request = request.clone();
        self.run(move |inner| {
            inner.read(|conn| {
                let ws = workspace_id(conn, &request.workspace.0)?;
                rollups::top_authors(conn, ws, &request)
            })
        })
        .await
    }

    async fn thread(
        &self,
        workspace: &WorkspaceId,
        id: ItemId,
        limit: usize,
    ) -> StoreResult<Option<Thread>> {
        let workspace = workspace.clone();
        self.run(move |inner| inner.read(|conn| explorer::thread(conn, &workspace, id, limit)))
            .await
    }

    async fn export_items(&self, request: &ExportRequest) -> StoreResult<ItemBatch> {
        let request = request.clone();
        self.run(move |inner| inner.export_items(&request)).await
    }

    async fn put_goal(
        &self,
        workspace: &WorkspaceId,
        id: Option<GoalId>,
        goal: &GoalDraft,
        at: Timestamp,
    ) -> StoreResult<GoalId> {
        let (workspace, goal) = (workspace.clone(), goal.clone());
        self.run(move |inner| {
            stories::put_goal(&lock(&inner.writer).conn, &workspace, id, &goal, at)
        })
        .await
    }

    async fn goals(&self, workspace: &WorkspaceId) -> StoreResult<Vec<Goal>> {
        let workspace = workspace.clone();
        self.run(move |inner| inner.read(|conn| stories::goals(conn, &workspace)))
            .await
    }

    async fn delete_goal(&self, workspace: &WorkspaceId, id: GoalId) -> StoreResult<bool> {
        let workspace = workspace.clone();
        self.run(move |inner| stories::delete_goal(&mut lock(&inner.writer).conn, &workspace, id))
            .await
    }

    async fn create_story(
        &self,
        workspace: &WorkspaceId,
        story: &StoryDraft,
        by: &str,
        at: Timestamp,
    ) -> StoreResult<Story> {
        let (workspace, story, by) = (workspace.clone(), story.clone(), by.to_owned());
        self.run(move |inner| {
            stories::create_story(&lock(&inner.writer).conn, &workspace, &story, &by, at)
        })
        .await
    }

    async fn update_story(
        &self,
        workspace: &WorkspaceId,
        id: StoryId,
        story: &StoryDraft,
        at: Timestamp,
    ) -> StoreResult<Story> {
        let (workspace, story) = (workspace.clone(), story.clone());
        self.run(move |inner| {
            stories::update_story(&lock(&inner.writer).conn, &workspace, id, &story, at)
        })
        .await
    }

    async fn story(&self, workspace: &WorkspaceId, id: StoryId) -> StoreResult<Option<Story>> {
        let workspace = workspace.clone();
        self.run(move |inner| inner.read(|conn| stories::story(conn, &workspace, id)))
            .await
    }

    async fn stories(&self, workspace: &WorkspaceId) -> StoreResult<Vec<Story>> {
        let workspace = workspace.clone();
        self.run(move |inner| inner.read(|conn| stories::stories(conn, &workspace)))
            .await
    }

    async fn add_proof_point(
        &self,
        workspace: &WorkspaceId,
        story: StoryId,
        proof: &ProofPointDraft,
        by: &str,
        at: Timestamp,
    ) -> StoreResult<ProofPoint> {
        let (workspace, proof, by) = (workspace.clone(), proof.clone(), by.to_owned());
        self.run(move |inner| {
            stories::add_proof_point(
                &lock(&inner.writer).conn,
                &workspace,
                story,
                &proof,
                &by,
                at,
            )
        })
        .await
    }

    async fn delete_proof_point(&self, workspace: &WorkspaceId, id: i64) -> StoreResult<bool> {
        let workspace = workspace.clone();
        self.run(move |inner| {
            stories::delete_proof_point(&lock(&inner.writer).conn, &workspace, id)
        })
        .await
    }

    async fn put_attachment(
        &self,
        workspace: &WorkspaceId,
        attachment: &NewAttachment,
        by: &str,
        at: Timestamp,
    ) -> StoreResult<Attachment> {
        let (workspace, attachment, by) = (workspace.clone(), attachment.clone(), by.to_owned());
        self.run(move |inner| {
            stories::put_attachment(&lock(&inner.writer).conn, &workspace, &attachment, &by, at)
        })
        .await
    }

    async fn attachment(
        &self,
        workspace: &WorkspaceId,
        id: AttachmentId,
    ) -> StoreResult<Option<(Attachment, Vec<u8>)>> {
        let workspace = workspace.clone();
        self.run(move |inner| inner.read(|conn| stories::attachment(conn, &workspace, id)))
            .await
    }

    async fn create_post(
        &self,
        workspace: &WorkspaceId,
        post: &NewPost,
        by: &str,
        at: Timestamp,
    ) -> StoreResult<Post> {
        let (workspace, post, by) = (workspace.clone(), post.clone(), by.to_owned());
        self.run(move |inner| {
            stories::create_post(&mut lock(&inner.writer).conn, &workspace, &post, &by, at)
        })
        .await
    }

    async fn post(&self, workspace: &WorkspaceId, id: PostId) -> StoreResult<Option<Post>> {
        let workspace = workspace.clone();
        self.run(move |inner| inner.read(|conn| stories::post(conn, &workspace, id)))
            .await
    }

    async fn story_posts(&self, workspace: &WorkspaceId, story: StoryId) -> StoreResult<Vec<Post>> {
        let workspace = workspace.clone();
        self.run(move |inner| inner.read(|conn| stories::story_posts(conn, &workspace, story)))
            .await
    }

    async fn step_post(
        &self,
        workspace: &WorkspaceId,
        id: PostId,
        step: &PostStep,
    ) -> StoreResult<Post> {
        let (workspace, step) = (workspace.clone(), step.clone());
        self.run(move |inner| {
            stories::step_post(&mut lock(&inner.writer).conn, &workspace, id, &step)
        })
        .await
    }

    async fn post_comments(
        &self,
        workspace: &WorkspaceId,
        post: PostId,
    ) -> StoreResult<Vec<PostComment>> {
        let workspace = workspace.clone();
        self.run(move |inner| inner.read(|conn| stories::post_comments(conn, &workspace, post)))
            .await
    }

    async fn add_post_comment(
        &self,
        workspace: &WorkspaceId,
        post: PostId,
        by: &str,
        body: &str,
        at: Timestamp,
    ) -> StoreResult<PostComment> {
        let (workspace, by, body) = (workspace.clone(), by.to_owned(), body.to_owned());
        self.run(move |inner| {
            stories::add_post_comment(&lock(&inner.writer).conn, &workspace, post, &by, &body, at)
        })
        .await
    }

    async fn calendar(&self, query: &CalendarQuery) -> StoreResult<Vec<CalendarEntry>> {
        let query = query.clone();
        self.run(move |inner| inner.read(|conn| stories::calendar(conn, &query)))
            .await
    }

    async fn policy(&self, workspace: &WorkspaceId) -> StoreResult<Option<StoredPolicy>> {
        let workspace = workspace.clone();
        self.run(move |inner| inner.read(|conn| stories::policy(conn, &workspace)))
            .await
    }

    async fn put_policy(&self, workspace: &WorkspaceId, policy: &StoredPolicy) -> StoreResult<()> {
        let (workspace, policy) = (workspace.clone(), policy.clone());
        self.run(move |inner| {
            stories::put_policy(&mut lock(&inner.writer).conn, &workspace, &policy)
        })
        .await
    }

    async fn due_posts(
        &self,
        now: Timestamp,
        stale_before: Timestamp,
        limit: usize,
    ) -> StoreResult<Vec<DuePost>> {
        self.run(move |inner| inner.read(|conn| stories::due_posts(conn, now, stale_before, limit)))
            .await
    }

    async fn begin_publish(
        &self,
        workspace: &WorkspaceId,
        post: PostId,
        key: &str,
        at: Timestamp,
    ) -> StoreResult<Option<OutboxEntry>> {
        let (workspace, key) = (workspace.clone(), key.to_owned());
        self.run(move |inner| {
            stories::begin_publish(&mut lock(&inner.writer).conn, &workspace, post, &key, at)
        })
        .await
    }

    async fn finish_publish(
        &self,
        workspace: &WorkspaceId,
        post: PostId,
        key: &str,
        outcome: &PublishOutcome,
        at: Timestamp,
    ) -> StoreResult<Post> {
        let (workspace, key, outcome) = (workspace.clone(), key.to_owned(), outcome.clone());
        self.run(move |inner| {
            stories::finish_publish(
                &mut lock(&inner.writer).conn,
                &workspace,
                post,
                &key,
                &outcome,
                at,
            )
        })
        .await
    }

    async fn posts_for_engagement(
        &self,
        published_after: Timestamp,
        read_before: Timestamp,
        limit: usize,
    ) -> StoreResult<Vec<Post>> {
        self.run(move |inner| {
            inner.read(|conn| {
                stories::posts_for_engagement(conn, published_after, read_before, limit)
            })
        })
        .await
    }

    async fn put_post_engagement(
        &self,
        workspace: &WorkspaceId,
        post: PostId,
        engagement: &Engagement,
        at: Timestamp,
    ) -> StoreResult<()> {
        let (workspace, engagement) = (workspace.clone(), *engagement);
        self.run(move |inner| {
            stories::put_post_engagement(
                &lock(&inner.writer).conn,
                &workspace,
                post,
                &engagement,
                at,
            )
        })
        .await
    }

    async fn engagement_rollup(
        &self,
        workspace: &WorkspaceId,
        grouping: EngagementGrouping,
    ) -> StoreResult<Vec<EngagementRollup>> {
        let workspace = workspace.clone();
        self.run(move |inner| {
            inner.read(|conn| stories::engagement_rollup(conn, &workspace, grouping))
        })
        .await
    }

    // == strategy (issue 7) ==
    async fn strategy(&self, workspace: &WorkspaceId) -> StoreResult<Option<Strategy>> {
        let workspace = workspace.clone();
        self.run(move |inner| inner.read(|conn| strategy::strategy(conn, &workspace)))
            .await
    }

    async fn put_strategy(
        &self,
        workspace: &WorkspaceId,
        value: &Strategy,
        detail: &str,
    ) -> StoreResult<()> {
        let (workspace, value, detail) = (workspace.clone(), value.clone(), detail.to_owned());
        self.run(move |inner| {
            strategy::put_strategy(&mut lock(&inner.writer).conn, &workspace, &value, &detail)
        })
        .await
    }

    async fn audience(&self, workspace: &WorkspaceId) -> StoreResult<Option<StoredAudience>> {
        let workspace = workspace.clone();
        self.run(move |inner| inner.read(|conn| strategy::audience(conn, &workspace)))
            .await
    }

    async fn put_audience(
        &self,
        workspace: &WorkspaceId,
        audience: &StoredAudience,
        detail: &str,
    ) -> StoreResult<()> {
        let (workspace, audience, detail) =
            (workspace.clone(), audience.clone(), detail.to_owned());
        self.run(move |inner| {
            strategy::put_audience(
                &mut lock(&inner.writer).conn,
                &workspace,
                &audience,
                &detail,
            )
        })
        .await
    }

    async fn post_tally(&self, workspace: &WorkspaceId) -> StoreResult<PostTally> {
        let workspace = workspace.clone();
        self.run(move |inner| inner.read(|conn| strategy::post_tally(conn, &workspace)))
            .await
    }

    // == openness (issue 7) ==
    async fn brand_accounts(&self, workspace: &WorkspaceId) -> StoreResult<Vec<BrandAccount>> {
        let workspace = workspace.clone();
        self.run(move |inner| inner.read(|conn| openness::brand_accounts(conn, &workspace)))
            .await
    }

    async fn put_brand_accounts(
        &self,
        workspace: &WorkspaceId,
        brand: &BrandId,
        accounts: &[BrandAccount],
    ) -> StoreResult<()> {
        let (workspace, brand, accounts) = (workspace.clone(), brand.clone(), accounts.to_vec());
        self.run(move |inner| {
            openness::put_brand_accounts(
                &mut lock(&inner.writer).conn,
                &workspace,
                &brand,
                &accounts,
            )
        })
        .await
    }

    async fn openness(&self, request: &OpennessRequest) -> StoreResult<Vec<BrandOpenness>> {
        let request = request.clone();
        self.run(move |inner| inner.read(|conn| openness::openness(conn, &request)))
            .await
    }

    async fn inquiries(&self, request: &InquiryListRequest) -> StoreResult<Vec<InquiryRow>> {
        let request = request.clone();
        self.run(move |inner| inner.read(|conn| openness::inquiries(conn, &request)))
            .await
    }

    // == report schedules (issue 7) ==
    async fn report_schedule(
        &self,
        workspace: &WorkspaceId,
    ) -> StoreResult<Option<ReportSchedule>> {
        let workspace = workspace.clone();
        self.run(move |inner| inner.read(|conn| report_schedule::schedule(conn, &workspace)))
            .await
    }

    async fn report_schedules(&self) -> StoreResult<Vec<(WorkspaceId, ReportSchedule)>> {
        self.run(move |inner| inner.read(report_schedule::schedules))
            .await
    }

    async fn put_report_schedule(
        &self,
        workspace: &WorkspaceId,
        schedule: &ReportSchedule,
        detail: &str,
    ) -> StoreResult<()> {
        let (workspace, schedule, detail) =
            (workspace.clone(), schedule.clone(), detail.to_owned());
        self.run(move |inner| {
            report_schedule::put_schedule(
                &mut lock(&inner.writer).conn,
                &workspace,
                &schedule,
                &detail,
            )
        })
        .await
    }

    async fn begin_report_send(
        &self,
        workspace: &WorkspaceId,
        send: &NewReportSend,
    ) -> StoreResult<Option<i64>> {
        let (workspace, send) = (workspace.clone(), send.clone());
        self.run(move |inner| {
            report_schedule::begin_send(&mut lock(&inner.writer).conn, &workspace, &send)
        })
        .await
    }

    async fn finish_report_send(
        &self,
        workspace: &WorkspaceId,
        id: i64,
        outcome: Result<(), String>,
        at: Timestamp,
    ) -> StoreResult<()> {
        let workspace = workspace.clone();
        self.run(move |inner| {
            report_schedule::finish_send(
                &lock(&inner.writer).conn,
                &workspace,
                id,
                outcome.as_ref().map(|_| ()).map_err(String::as_str),
                at,
            )
        })
        .await
    }

    async fn report_sends(
        &self,
        workspace: &WorkspaceId,
        limit: usize,
    ) -> StoreResult<Vec<ReportSend>> {
        let workspace = workspace.clone();
        self.run(move |inner| inner.read(|conn| report_schedule::sends(conn, &workspace, limit)))
            .await
    }

    // == alerts (issue 7) ==
    async fn alert_channels(
        &self,
        workspace: &WorkspaceId,
    ) -> StoreResult<Vec<crate::AlertChannel>> {
        let workspace = workspace.clone();
        self.run(move |inner| inner.read(|conn| alerts::channels(conn, &workspace)))
            .await
    }

    async fn alert_channel_target(
        &self,
        workspace: &WorkspaceId,
        name: &str,
    ) -> StoreResult<Option<Vec<u8>>> {
        let (workspace, name) = (workspace.clone(), name.to_owned());
        self.run(move |inner| inner.read(|conn| alerts::channel_target(conn, &workspace, &name)))
            .await
    }

    async fn put_alert_channel(
        &self,
        workspace: &WorkspaceId,
        draft: &crate::AlertChannelDraft,
        audit: &AuditEntry,
    ) -> StoreResult<()> {
        let (workspace, draft, audit) = (workspace.clone(), draft.clone(), audit.clone());
        self.run(move |inner| {
            alerts::put_channel(&mut lock(&inner.writer).conn, &workspace, &draft, &audit)
        })
        .await
    }

    async fn delete_alert_channel(
        &self,
        workspace: &WorkspaceId,
        name: &str,
        audit: &AuditEntry,
    ) -> StoreResult<bool> {
        let (workspace, name, audit) = (workspace.clone(), name.to_owned(), audit.clone());
        self.run(move |inner| {
            alerts::delete_channel(&mut lock(&inner.writer).conn, &workspace, &name, &audit)
        })
        .await
    }

    async fn alert_thresholds(
        &self,
        workspace: &WorkspaceId,
    ) -> StoreResult<Option<crate::StoredThresholds>> {
        let workspace = workspace.clone();
        self.run(move |inner| inner.read(|conn| alerts::thresholds(conn, &workspace)))
            .await
    }

    async fn put_alert_thresholds(
        &self,
        workspace: &WorkspaceId,
        thresholds: &crate::StoredThresholds,
        audit: &AuditEntry,
    ) -> StoreResult<()> {
        let (workspace, thresholds, audit) = (workspace.clone(), thresholds.clone(), audit.clone());
        self.run(move |inner| {
            alerts::put_thresholds(
                &mut lock(&inner.writer).conn,
                &workspace,
                &thresholds,
                &audit,
            )
        })
        .await
    }

    async fn alert_cursor(&self, workspace: &WorkspaceId) -> StoreResult<Option<ItemId>> {
        let workspace = workspace.clone();
        self.run(move |inner| inner.read(|conn| alerts::cursor(conn, &workspace)))
            .await
    }

    async fn record_alerts(
        &self,
        workspace: &WorkspaceId,
        new_alerts: &[crate::NewAlert],
        cursor: ItemId,
    ) -> StoreResult<Vec<i64>> {
        let (workspace, new_alerts) = (workspace.clone(), new_alerts.to_vec());
        self.run(move |inner| {
            alerts::record(
                &mut lock(&inner.writer).conn,
                &workspace,
                &new_alerts,
                cursor,
            )
        })
        .await
    }

    async fn finish_alert_delivery(
        &self,
        workspace: &WorkspaceId,
        alert: i64,
        delivery: &crate::AlertDelivery,
    ) -> StoreResult<()> {
        let (workspace, delivery) = (workspace.clone(), delivery.clone());
        self.run(move |inner| {
            alerts::finish_delivery(&mut lock(&inner.writer).conn, &workspace, alert, &delivery)
        })
        .await
    }

    async fn alerts(&self, query: &crate::AlertQuery) -> StoreResult<Vec<crate::StoredAlert>> {
        let query = query.clone();
        self.run(move |inner| inner.read(|conn| alerts::alerts(conn, &query)))
            .await
    }

    async fn pending_alert_deliveries(
        &self,
        workspace: &WorkspaceId,
    ) -> StoreResult<Vec<crate::StoredAlert>> {
        let workspace = workspace.clone();
        self.run(move |inner| inner.read(|conn| alerts::pending(conn, &workspace)))
            .await
    }

    async fn alert_baseline(
        &self,
        workspace: &WorkspaceId,
        brands: &[BrandId],
        from: Timestamp,
    ) -> StoreResult<crate::AlertBaseline> {
        let (workspace, brands) = (workspace.clone(), brands.to_vec());
        self.run(move |inner| inner.read(|conn| alerts::baseline(conn, &workspace, &brands, from)))
            .await
    }

    // == leases (issue 8) ==
    async fn try_lease(
        &self,
        name: &str,
        holder: &str,
        ttl: SignedDuration,
        now: Timestamp,
    ) -> StoreResult<Option<Lease>> {
        let (name, holder) = (name.to_owned(), holder.to_owned());
        self.run(move |inner| {
            leases::try_lease(&mut lock(&inner.writer).conn, &name, &holder, ttl, now)
        })
        .await
    }

    async fn renew_lease(
        &self,
        lease: &Lease,
        ttl: SignedDuration,
        now: Timestamp,
    ) -> StoreResult<Option<Lease>> {
        let lease = lease.clone();
        self.run(move |inner| leases::renew(&mut lock(&inner.writer).conn, &lease, ttl, now))
            .await
    }

    async fn release_lease(&self, lease: &Lease, now: Timestamp) -> StoreResult<bool> {
        let lease = lease.clone();
        self.run(move |inner| leases::release(&mut lock(&inner.writer).conn, &lease, now))
            .await
    }

    async fn count_login_failure(
        &self,
        key: &str,
        window: SignedDuration,
        now: Timestamp,
    ) -> StoreResult<LoginFailures> {
        let key = key.to_owned();
        self.run(move |inner| {
            login_failures::count_failure(&mut lock(&inner.writer).conn, &key, window, now)
        })
        .await
    }

    async fn login_failures(
        &self,
        key: &str,
        window: SignedDuration,
        now: Timestamp,
    ) -> StoreResult<Option<LoginFailures>> {
        let key = key.to_owned();
        self.run(move |inner| inner.read(|conn| login_failures::failures(conn, &key, window, now)))
            .await
    }

    async fn clear_login_failures(&self, key: &str) -> StoreResult<()> {
        let key = key.to_owned();
        self.run(move |inner| login_failures::clear(&lock(&inner.writer).conn, &key))
            .await
    }
}
