//! Items: the monthly partitions made on demand, idempotent puts with their rollups in one
//! transaction, reading items back, and the statistics from the counters.
//!
//! An item's identity is its `item_keys` row, keyed by (source, external id) across every
//! month; the row itself lives in its month's partition of `items`, keyed by (id,
//! `published_at`). Two processes putting the same item serialise on its key row
//! (`ON CONFLICT DO NOTHING`, then `FOR UPDATE`), and write rollup rows in key order, so
//! concurrent workers neither duplicate an item nor deadlock on the rollups.

use std::borrow::Cow;
use std::collections::{BTreeSet, HashMap};

use jiff::Timestamp;
use jiff::civil::Date;
use jiff::tz::TimeZone;
use omdomme_core::{
    Author, BrandId, BrandSentiment, Engagement, Enrichment, Item, ItemId, ItemKind, Lang,
    Sentiment, SentimentLabel, SourceKey, SourceKind, Stakeholder, StoredItem, TopicSet,
    WorkspaceId,
};
use tokio_postgres::types::{Json, ToSql};
use tokio_postgres::{GenericClient, Row, Transaction};

use super::text::{decode, encode};
use super::time::PgTime;
use super::{PostgresStore, db, explorer, search, sources, workspace_id};
use crate::sqlite::items::{content_hash, to_i64};
use crate::sqlite::rollups::{AuthorContribution, Contribution, Delta};
use crate::{ItemBatch, MAX_ITEMS_PAGE, PutReport, StoreError, StoreResult, StoreStats};

/// The columns every item query selects, in the order [`read_item`] reads.
pub(super) const ITEM_COLUMNS: &str = "i.id, s.kind, s.name, i.external_id, i.kind, \
     i.author_handle, i.author_name, i.author_followers, i.author_verified, i.title, i.text, \
     i.url, i.thread_id, i.parent_id, i.likes, i.shares, i.replies, i.views, i.published_at, \
     i.collected_at, i.declared_lang, i.lang, i.sentiment, i.sentiment_score, i.topics, \
     i.stakeholder, i.brands, i.inquiry, i.model, i.synthetic, i.brand_sentiment";

/// Items by key: the key row finds the item's month, so only that partition is read.
pub(super) const ITEM_FROM: &str = "item_keys k \
     JOIN items i ON i.id = k.id AND i.published_at = k.published_at \
     JOIN sources s ON s.id = i.source_id";

/// The item columns a put writes, after `id, workspace_id, source_id, external_id`; the
/// last, `search`, is bound as the text of a `tsvector` (see [`search::search_vector`]),
/// made only for an item that is new or changed: analysing an unchanged item's text again
/// would be wasted.
const WRITTEN_COLUMNS: [&str; 29] = [
    "kind",
    "author_handle",
    "author_name",
    "author_followers",
    "author_verified",
    "title",
    "text",
    "url",
    "thread_id",
    "parent_id",
    "likes",
    "shares",
    "replies",
    "views",
    "published_at",
    "collected_at",
    "declared_lang",
    "lang",
    "sentiment",
    "sentiment_score",
    "topics",
    "stakeholder",
    "brands",
    "brand_sentiment",
    "inquiry",
    "model",
    "synthetic",
    "content_hash",
    "search",
];

/// The placeholder of the `n`th parameter when it is bound to `column`.
fn placeholder(column: &str, n: usize) -> String {
    if column == "search" {
        format!("${n}::text::tsvector")
    } else {
        format!("${n}")
    }
}

/// What the rollups need of a stored row, in [`stored_contribution`]'s order.
const CONTRIBUTION_COLUMNS: &str = "i.published_at, i.lang, i.sentiment, i.sentiment_score, \
     i.topics, i.brands, i.brand_sentiment, i.author_handle, i.likes + i.shares + i.replies, \
     coalesce(i.author_followers, 0)";

fn insert_sql() -> String {
    let columns = WRITTEN_COLUMNS.join(", ");
    let values: Vec<String> = WRITTEN_COLUMNS
        .iter()
        .enumerate()
        .map(|(i, c)| placeholder(c, i + 5))
        .collect();
    format!(
        "INSERT INTO items (id, workspace_id, source_id, external_id, {columns}) \
         VALUES ($1, $2, $3, $4, {})",
        values.join(", ")
    )
}

fn update_sql() -> String {
    let sets: Vec<String> = WRITTEN_COLUMNS
        .iter()
        .enumerate()
        .map(|(i, c)| format!("{c} = {}", placeholder(c, i + 3)))
        .collect();
    format!(
        "UPDATE items SET {} WHERE id = $1 AND published_at = $2",
        sets.join(", ")
    )
}

/// An item's written column values, owned so they can be bound by reference; its free
/// texts in the form PostgreSQL can store (`text::encode`).
struct Written<'a> {
    external_id: Cow<'a, str>,
    author_handle: Cow<'a, str>,
    author_name: Option<Cow<'a, str>>,
    title: Option<Cow<'a, str>>,
    text: Cow<'a, str>,
    url: Option<Cow<'a, str>>,
    thread_id: Option<Cow<'a, str>>,
    parent_id: Option<Cow<'a, str>>,
    declared_lang: Option<Cow<'a, str>>,
    model: Cow<'a, str>,
    kind: &'static str,
    followers: Option<i64>,
    likes: i64,
    shares: i64,
    replies: i64,
    views: Option<i64>,
    published_at: PgTime,
    collected_at: PgTime,
    lang: &'static str,
    sentiment: &'static str,
    score: f64,
    topics: i32,
    stakeholder: Option<&'static str>,
    brands: Json<Vec<BrandId>>,
    brand_sentiment: Option<Json<Vec<BrandSentiment>>>,
    hash: i64,
}

impl<'a> Written<'a> {
    fn of(item: &'a Item) -> StoreResult<Written<'a>> {
        let e = &item.enrichment;
        if let Some(b) = e
            .brand_sentiment
            .iter()
            .find(|b| !b.sentiment.score.is_finite())
        {
            return Err(StoreError::Invalid(format!(
                "item `{}`: sentiment score {} towards `{}`",
                item.external_id, b.sentiment.score, b.brand
            )));
        }
        let optional = |s: &'a Option<String>| s.as_deref().map(encode);
        Ok(Written {
            external_id: encode(&item.external_id),
            author_handle: encode(&item.author.handle),
            author_name: optional(&item.author.name),
            title: optional(&item.title),
            text: encode(&item.text),
            url: optional(&item.url),
            thread_id: optional(&item.thread_id),
            parent_id: optional(&item.parent_id),
            declared_lang: optional(&item.declared_lang),
            model: encode(&e.model),
            kind: item.kind.as_str(),
            followers: item.author.followers.map(to_i64),
            likes: to_i64(item.engagement.likes),
            shares: to_i64(item.engagement.shares),
            replies: to_i64(item.engagement.replies),
            views: item.engagement.views.map(to_i64),
            published_at: PgTime(item.published_at),
            collected_at: PgTime(item.collected_at),
            lang: e.lang.as_str(),
            sentiment: e.sentiment.label.as_str(),
            score: f64::from(e.sentiment.score),
            topics: i32::from(e.topics.bits()),
            stakeholder: e.stakeholder.map(Stakeholder::as_str),
            brands: Json(e.brands.clone()),
            brand_sentiment: (!e.brand_sentiment.is_empty())
                .then(|| Json(e.brand_sentiment.clone())),
            hash: content_hash(item),
        })
    }

    /// The values of [`WRITTEN_COLUMNS`] but the last, `search`, in order.
    fn values(&'a self, item: &'a Item) -> [&'a (dyn ToSql + Sync); 28] {
        let e = &item.enrichment;
        [
            &self.kind,
            &self.author_handle,
            &self.author_name,
            &self.followers,
            &item.author.verified,
            &self.title,
            &self.text,
            &self.url,
            &self.thread_id,
            &self.parent_id,
            &self.likes,
            &self.shares,
            &self.replies,
            &self.views,
            &self.published_at,
            &self.collected_at,
            &self.declared_lang,
            &self.lang,
            &self.sentiment,
            &self.score,
            &self.topics,
            &self.stakeholder,
            &self.brands,
            &self.brand_sentiment,
            &e.inquiry,
            &self.model,
            &item.synthetic,
            &self.hash,
        ]
    }
}

fn contribution(item: &Item) -> Contribution {
    Contribution::new(
        item.published_at.as_microsecond(),
        item.source.kind.as_str(),
        AuthorContribution {
            handle: encode(&item.author.handle).into_owned(),
            engagement: to_i64(item.engagement.total()),
            followers: item.author.followers.map_or(0, to_i64),
        },
        &item.enrichment,
    )
}

/// Reads [`CONTRIBUTION_COLUMNS`] starting at column `first`.
fn stored_contribution(row: &Row, first: usize, source: SourceKind) -> StoreResult<Contribution> {
    let failed = db("reading an item's rollup contribution");
    let PgTime(published) = row.try_get(first).map_err(&failed)?;
    let lang: String = row.try_get(first + 1).map_err(&failed)?;
    let label: String = row.try_get(first + 2).map_err(&failed)?;
    let score: f64 = row.try_get(first + 3).map_err(&failed)?;
    let topics: i32 = row.try_get(first + 4).map_err(&failed)?;
    let Json(brands) = row.try_get(first + 5).map_err(&failed)?;
    let brand_sentiment: Option<Json<Vec<BrandSentiment>>> =
        row.try_get(first + 6).map_err(&failed)?;
    let enrichment = Enrichment {
        lang: Lang::parse(&lang).unwrap_or_default(),
        sentiment: Sentiment {
            label: SentimentLabel::parse(&label).unwrap_or_default(),
            score: score as f32,
        },
        topics: TopicSet::from_bits(u8::try_from(topics).unwrap_or(0)),
        brands,
        brand_sentiment: brand_sentiment.map(|Json(b)| b).unwrap_or_default(),
        ..Enrichment::default()
    };
    let author = AuthorContribution {
        handle: row.try_get(first + 7).map_err(&failed)?,
        engagement: row.try_get(first + 8).map_err(&failed)?,
        followers: row.try_get(first + 9).map_err(&failed)?,
    };
    Ok(Contribution::new(
        published.as_microsecond(),
        source.as_str(),
        author,
        &enrichment,
    ))
}

/// A calendar month (UTC) of `items`: one partition.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(super) struct Month {
    year: i16,
    month: i8,
}

impl Month {
    pub(super) fn of(at: Timestamp) -> Month {
        let date = at.to_zoned_datetime(TimeZone::UTC).date();
        Month {
            year: date.year(),
            month: date.month(),
        }
    }

    fn first_day(self) -> StoreResult<Date> {
        Date::new(self.year, self.month, 1)
            .map_err(|e| StoreError::Invalid(format!("month {}-{}: {e}", self.year, self.month)))
    }

    /// The partition's statement; `IF NOT EXISTS` as another process may have made it.
    pub(super) fn create_sql(self) -> StoreResult<String> {
        let start = self.first_day()?;
        let end = start
            .checked_add(jiff::Span::new().months(1))
            .map_err(|e| StoreError::Invalid(format!("the month after {start}: {e}")))?;
        Ok(format!(
            "CREATE TABLE IF NOT EXISTS \"items_y{:04}m{:02}\" PARTITION OF items \
             FOR VALUES FROM ('{start} 00:00:00+00') TO ('{end} 00:00:00+00')",
            self.year, self.month
        ))
    }
}

/// First key of the advisory lock of a workspace's item writers (the second is the
/// workspace's id); a two-key lock never meets the one-key locks below.
const ITEM_WRITERS_LOCK: i32 = 0x6f6d_6401;

/// Key of the advisory lock held while partitions are made: two processes making the same
/// month at once would otherwise collide in the catalog.
const PARTITION_LOCK: i64 = 0x6f6d_646f_6d6d_6502;

/// Makes the partitions of the months `items` fall in that this process has not made or
/// seen yet, in a transaction of their own (so a failed put keeps them, harmlessly).
async fn ensure_partitions(
    store: &PostgresStore,
    client: &mut super::Client,
    items: &[Item],
) -> StoreResult<()> {
    let missing: BTreeSet<Month> = {
        let known = store.months.lock().unwrap_or_else(|e| e.into_inner());
        items
            .iter()
            .map(|i| Month::of(i.published_at))
            .filter(|m| !known.contains(m))
            .collect()
    };
    if missing.is_empty() {
        return Ok(());
    }
    let failed = db("making the month's partition of items");
    let tx = client.transaction().await.map_err(&failed)?;
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&PARTITION_LOCK])
        .await
        .map_err(&failed)?;
    for month in &missing {
        tx.batch_execute(&month.create_sql()?)
            .await
            .map_err(&failed)?;
    }
    tx.commit().await.map_err(&failed)?;
    store
        .months
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .extend(missing);
    Ok(())
}

/// Stores `items`; with `at_cursor` = (source, cursor), checks that they all come from
/// that defined source and moves its cursor in the same transaction.
pub(super) async fn put(
    store: &PostgresStore,
    workspace: &WorkspaceId,
    items: &[Item],
    at_cursor: Option<(&SourceKey, Option<&str>)>,
) -> StoreResult<PutReport> {
    let mut client = store.client().await?;
    let ws = workspace_id(&**client, &workspace.0).await?;
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
        let id = sources::defined_id(&**client, ws, workspace, source).await?;
        cursor_update = cursor.map(|cursor| (id, cursor));
    }
    if items.is_empty() && cursor_update.is_none() {
        return Ok(PutReport::default());
    }
    let written = items
        .iter()
        .map(Written::of)
        .collect::<StoreResult<Vec<_>>>()?;
    ensure_partitions(store, &mut client, items).await?;
    let what = format!("storing {} items in workspace `{workspace}`", items.len());
    let failed = |e: tokio_postgres::Error| StoreError::Database(super::describe(&what, &e));
    let tx = client.transaction().await.map_err(failed)?;
    // One writer per workspace at a time, as the embedded store's single writer: ids are
    // taken from the sequence inside the lock, so they become visible in id order and a
    // reader following `items_after` (the alert loop's cursor) never passes an id whose
    // transaction is still to commit. Enrichment, the slow part, runs before, in parallel.
    // A cursor alone (a publishing collector's) writes no item and need not wait.
    if !items.is_empty() {
        tx.execute(
            "SELECT pg_advisory_xact_lock($1, ($2::bigint % 2147483647)::int4)",
            &[&ITEM_WRITERS_LOCK, &ws],
        )
        .await
        .map_err(failed)?;
    }
    let report = write_items(&tx, ws, items, &written).await?;
    if let Some((id, cursor)) = cursor_update {
        tx.execute(
            "UPDATE sources SET cursor = $1 WHERE id = $2",
            &[&cursor, &id],
        )
        .await
        .map_err(failed)?;
    }
    tx.commit().await.map_err(failed)?;
    Ok(report)
}

/// The items' rows, key rows and rollups, in the caller's transaction.
async fn write_items(
    tx: &Transaction<'_>,
    ws: i64,
    items: &[Item],
    written: &[Written<'_>],
) -> StoreResult<PutReport> {
    let failed = db("storing items");
    let insert_key = tx
        .prepare(
            "INSERT INTO item_keys (source_id, external_id, workspace_id, published_at) \
             VALUES ($1, $2, $3, $4) ON CONFLICT (source_id, external_id) DO NOTHING \
             RETURNING id",
        )
        .await
        .map_err(&failed)?;
    let lookup = tx
        .prepare(&format!(
            "SELECT k.id, k.published_at, i.content_hash, {CONTRIBUTION_COLUMNS} \
             FROM item_keys k JOIN items i ON i.id = k.id AND i.published_at = k.published_at \
             WHERE k.source_id = $1 AND k.external_id = $2 FOR UPDATE OF k"
        ))
        .await
        .map_err(&failed)?;
    let insert = tx.prepare(&insert_sql()).await.map_err(&failed)?;
    let update = tx.prepare(&update_sql()).await.map_err(&failed)?;
    let move_key = tx
        .prepare("UPDATE item_keys SET published_at = $2 WHERE id = $1")
        .await
        .map_err(&failed)?;
    let mut source_ids: HashMap<&SourceKey, i64> = HashMap::new();
    let mut report = PutReport::default();
    let mut delta = Delta::default();
    let mut openness = super::openness::Tracker::new(ws);
    // Key order (stable, so a batch naming an item twice still applies them in turn):
    // two transactions writing overlapping batches then take the key rows' locks in one
    // order and wait for each other instead of deadlocking.
    let mut order: Vec<(&Item, &Written)> = items.iter().zip(written).collect();
    order.sort_by(|(a, _), (b, _)| {
        (a.source.kind.as_str(), &a.source.name, &a.external_id).cmp(&(
            b.source.kind.as_str(),
            &b.source.name,
            &b.external_id,
        ))
    });
    for (item, w) in order {
        let source = match source_ids.get(&item.source) {
            Some(id) => *id,
            None => {
                let id = source_id(tx, ws, &item.source).await.map_err(&failed)?;
                source_ids.insert(&item.source, id);
                id
            }
        };
        let values = w.values(item);
        let key = tx
            .query_opt(
                &insert_key,
                &[&source, &w.external_id, &ws, &w.published_at],
            )
            .await
            .map_err(&failed)?;
        if let Some(key) = key {
            let id: i64 = key.get(0);
            let search = search::search_vector(item);
            let mut params: Vec<&(dyn ToSql + Sync)> = vec![&id, &ws, &source, &w.external_id];
            params.extend(values);
            params.push(&search);
            tx.execute(&insert, &params).await.map_err(&failed)?;
            report.new += 1;
            delta.add(ws, &contribution(item), 1);
            openness.added(tx, id, item).await?;
            continue;
        }
        let row = tx
            .query_one(&lookup, &[&source, &w.external_id])
            .await
            .map_err(&failed)?;
        let id: i64 = row.get(0);
        let old_published: PgTime = row.get(1);
        let old_hash: i64 = row.get(2);
        if old_hash == w.hash {
            report.unchanged += 1;
            continue;
        }
        let old = stored_contribution(&row, 3, item.source.kind)?;
        let search = search::search_vector(item);
        openness.before_update(tx, id, item.source.kind).await?;
        let mut params: Vec<&(dyn ToSql + Sync)> = vec![&id, &old_published];
        params.extend(values);
        params.push(&search);
        tx.execute(&update, &params).await.map_err(&failed)?;
        if old_published != w.published_at {
            tx.execute(&move_key, &[&id, &w.published_at])
                .await
                .map_err(&failed)?;
        }
        report.updated += 1;
        delta.add(ws, &old, -1);
        delta.add(ws, &contribution(item), 1);
        openness.added(tx, id, item).await?;
    }
    openness.finish(tx).await?;
    apply_delta(tx, &delta)
        .await
        .map_err(db("storing the rollups"))?;
    super::inbox::admit_stored(tx, ws, items).await?;
    Ok(report)
}

/// The source's id, making the row if the workspace never saw the source.
async fn source_id(
    tx: &Transaction<'_>,
    ws: i64,
    source: &SourceKey,
) -> Result<i64, tokio_postgres::Error> {
    tx.execute(
        "INSERT INTO sources (workspace_id, kind, name) VALUES ($1, $2, $3) \
         ON CONFLICT (workspace_id, kind, name) DO NOTHING",
        &[&ws, &source.kind.as_str(), &source.name],
    )
    .await?;
    let row = tx
        .query_one(
            "SELECT id FROM sources WHERE workspace_id = $1 AND kind = $2 AND name = $3",
            &[&ws, &source.kind.as_str(), &source.name],
        )
        .await?;
    Ok(row.get(0))
}

/// Writes a batch's summed rollup changes: one statement per table, rows in key order.
async fn apply_delta(tx: &Transaction<'_>, delta: &Delta) -> Result<(), tokio_postgres::Error> {
    let rows = delta.hourly_rows();
    if !rows.is_empty() {
        let mut ws = Vec::with_capacity(rows.len());
        let mut brand = Vec::with_capacity(rows.len());
        let mut topic = Vec::with_capacity(rows.len());
        let mut hour = Vec::with_capacity(rows.len());
        let mut source = Vec::with_capacity(rows.len());
        let mut counts: [Vec<i64>; 3] = Default::default();
        let mut scores: [Vec<f64>; 3] = Default::default();
        let mut subtracted = false;
        for ((w, b, t, h, s), n, sc) in &rows {
            ws.push(*w);
            brand.push(b.as_str());
            topic.push(*t);
            hour.push(*h);
            source.push(*s);
            for l in 0..3 {
                counts[l].push(n[l]);
                scores[l].push(sc[l]);
                subtracted |= n[l] < 0;
            }
        }
        let [negative, neutral, positive] = &counts;
        let [score_negative, score_neutral, score_positive] = &scores;
        tx.execute(
            "INSERT INTO rollup_hourly (workspace_id, brand, topic, hour, source_kind, \
             negative, neutral, positive, score_negative, score_neutral, score_positive) \
             SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::bigint[], \
             $5::text[], $6::bigint[], $7::bigint[], $8::bigint[], $9::float8[], \
             $10::float8[], $11::float8[]) \
             ON CONFLICT (workspace_id, brand, topic, hour, source_kind) DO UPDATE SET \
             negative = rollup_hourly.negative + excluded.negative, \
             neutral = rollup_hourly.neutral + excluded.neutral, \
             positive = rollup_hourly.positive + excluded.positive, \
             score_negative = rollup_hourly.score_negative + excluded.score_negative, \
             score_neutral = rollup_hourly.score_neutral + excluded.score_neutral, \
             score_positive = rollup_hourly.score_positive + excluded.score_positive",
            &[
                &ws,
                &brand,
                &topic,
                &hour,
                &source,
                negative,
                neutral,
                positive,
                score_negative,
                score_neutral,
                score_positive,
            ],
        )
        .await?;
        if subtracted {
            tx.execute(
                "DELETE FROM rollup_hourly r USING unnest($1::bigint[], $2::text[], \
                 $3::text[], $4::bigint[], $5::text[]) AS d (ws, brand, topic, hour, source) \
                 WHERE r.workspace_id = d.ws AND r.brand = d.brand AND r.topic = d.topic \
                 AND r.hour = d.hour AND r.source_kind = d.source \
                 AND r.negative = 0 AND r.neutral = 0 AND r.positive = 0",
                &[&ws, &brand, &topic, &hour, &source],
            )
            .await?;
        }
    }
    let counters = delta.item_counts();
    if !counters.is_empty() {
        let mut ws = Vec::new();
        let mut source = Vec::new();
        let mut lang = Vec::new();
        let mut n = Vec::new();
        let mut oldest = Vec::new();
        let mut newest = Vec::new();
        for ((w, s, l), items, old, new) in &counters {
            ws.push(*w);
            source.push(*s);
            lang.push(*l);
            n.push(*items);
            oldest.push(*old);
            newest.push(*new);
        }
        tx.execute(
            "INSERT INTO item_counts (workspace_id, source_kind, lang, items, oldest, newest) \
             SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::bigint[], \
             $5::bigint[], $6::bigint[]) \
             ON CONFLICT (workspace_id, source_kind, lang) DO UPDATE SET \
             items = item_counts.items + excluded.items, \
             oldest = least(item_counts.oldest, excluded.oldest), \
             newest = greatest(item_counts.newest, excluded.newest)",
            &[&ws, &source, &lang, &n, &oldest, &newest],
        )
        .await?;
        if n.iter().any(|n| *n < 0) {
            tx.execute("DELETE FROM item_counts WHERE items <= 0", &[])
                .await?;
        }
    }
    explorer::apply_author_rows(tx, delta).await?;
    Ok(())
}

fn parsed<T>(
    row: &Row,
    index: usize,
    what: &str,
    parse: impl Fn(&str) -> Option<T>,
) -> StoreResult<T> {
    let s: String = row
        .try_get(index)
        .map_err(|e| StoreError::Database(format!("reading the {what} of an item: {e}")))?;
    parse(&s).ok_or_else(|| StoreError::Database(format!("unknown {what} `{s}` stored")))
}

fn count(v: i64) -> u64 {
    u64::try_from(v).unwrap_or(0)
}

/// Reads the [`ITEM_COLUMNS`] of a row.
pub(super) fn read_item(row: &Row) -> StoreResult<StoredItem> {
    let failed = db("reading an item");
    let stakeholder: Option<String> = row.get(25);
    let stakeholder = match stakeholder {
        None => None,
        Some(s) => Some(
            Stakeholder::parse(&s)
                .ok_or_else(|| StoreError::Database(format!("unknown stakeholder `{s}` stored")))?,
        ),
    };
    let Json(brands) = row.try_get::<_, Json<Vec<BrandId>>>(26).map_err(&failed)?;
    let brand_sentiment: Option<Json<Vec<BrandSentiment>>> = row.try_get(30).map_err(&failed)?;
    let PgTime(published_at) = row.try_get(18).map_err(&failed)?;
    let PgTime(collected_at) = row.try_get(19).map_err(&failed)?;
    let score: f64 = row.get(23);
    let topics: i32 = row.get(24);
    let followers: Option<i64> = row.get(7);
    let views: Option<i64> = row.get(17);
    let text = |i: usize| decode(row.get(i));
    let optional = |i: usize| row.get::<_, Option<String>>(i).map(decode);
    Ok(StoredItem {
        id: ItemId(row.get(0)),
        item: Item {
            source: SourceKey {
                kind: parsed(row, 1, "source kind", SourceKind::parse)?,
                name: row.get(2),
            },
            external_id: text(3),
            kind: parsed(row, 4, "item kind", ItemKind::parse)?,
            author: Author {
                handle: text(5),
                name: optional(6),
                followers: followers.map(count),
                verified: row.get(8),
            },
            title: optional(9),
            text: text(10),
            url: optional(11),
            thread_id: optional(12),
            parent_id: optional(13),
            engagement: Engagement {
                likes: count(row.get(14)),
                shares: count(row.get(15)),
                replies: count(row.get(16)),
                views: views.map(count),
            },
            published_at,
            collected_at,
            declared_lang: optional(20),
            enrichment: Enrichment {
                lang: parsed(row, 21, "language", Lang::parse)?,
                sentiment: Sentiment {
                    label: parsed(row, 22, "sentiment", SentimentLabel::parse)?,
                    score: score as f32,
                },
                topics: TopicSet::from_bits(u8::try_from(topics).unwrap_or(0)),
                stakeholder,
                brands,
                brand_sentiment: brand_sentiment.map(|Json(b)| b).unwrap_or_default(),
                inquiry: row.get(27),
                model: text(28),
            },
            synthetic: row.get(29),
        },
    })
}

pub(super) async fn one(
    client: &impl GenericClient,
    id: ItemId,
) -> StoreResult<Option<StoredItem>> {
    client
        .query_opt(
            &format!("SELECT {ITEM_COLUMNS} FROM {ITEM_FROM} WHERE k.id = $1"),
            &[&id.0],
        )
        .await
        .map_err(db("reading the item"))?
        .map(|r| read_item(&r))
        .transpose()
}

pub(super) async fn after(
    client: &impl GenericClient,
    workspace: &WorkspaceId,
    after: Option<ItemId>,
    limit: usize,
) -> StoreResult<ItemBatch> {
    if limit == 0 || limit > MAX_ITEMS_PAGE {
        return Err(StoreError::Invalid(format!(
            "a page of items holds 1 to {MAX_ITEMS_PAGE} items, not {limit}"
        )));
    }
    let ws = workspace_id(client, &workspace.0).await?;
    // One more than asked tells whether there is a next page.
    let rows = client
        .query(
            &format!(
                "SELECT {ITEM_COLUMNS} FROM {ITEM_FROM} \
                 WHERE k.workspace_id = $1 AND k.id > $2 ORDER BY k.id LIMIT $3"
            ),
            &[&ws, &after.map_or(i64::MIN, |a| a.0), &(limit as i64 + 1)],
        )
        .await
        .map_err(db("reading items"))?;
    let mut items = rows
        .iter()
        .map(read_item)
        .collect::<StoreResult<Vec<_>>>()?;
    let more = items.len() > limit;
    items.truncate(limit);
    let next = if more {
        items.last().map(|i| i.id)
    } else {
        None
    };
    Ok(ItemBatch { items, next })
}

pub(super) async fn stats(client: &impl GenericClient) -> StoreResult<StoreStats> {
    let failed = db("reading statistics");
    let workspaces: i64 = client
        .query_one("SELECT count(*) FROM workspaces", &[])
        .await
        .map_err(&failed)?
        .get(0);
    let rollup_rows: i64 = client
        .query_one("SELECT count(*) FROM rollup_hourly", &[])
        .await
        .map_err(&failed)?
        .get(0);
    let rows = client
        .query(
            "SELECT source_kind, lang, items, oldest, newest FROM item_counts",
            &[],
        )
        .await
        .map_err(&failed)?;
    let mut stats = StoreStats {
        workspaces: count(workspaces),
        rollup_rows: count(rollup_rows),
        ..StoreStats::default()
    };
    let mut by_source: HashMap<SourceKind, u64> = HashMap::new();
    let mut by_lang: HashMap<Lang, u64> = HashMap::new();
    let (mut oldest, mut newest): (Option<i64>, Option<i64>) = (None, None);
    for row in rows {
        let source: String = row.get(0);
        let lang: String = row.get(1);
        let n = count(row.get(2));
        let old: Option<i64> = row.get(3);
        let new: Option<i64> = row.get(4);
        stats.items += n;
        if let Some(kind) = SourceKind::parse(&source) {
            *by_source.entry(kind).or_default() += n;
        }
        if let Some(lang) = Lang::parse(&lang) {
            *by_lang.entry(lang).or_default() += n;
        }
        oldest = oldest.into_iter().chain(old).min();
        newest = newest.into_iter().chain(new).max();
    }
    // The full text is a column of every item: all of them are searchable.
    stats.indexed = stats.items;
    stats.items_by_source = by_source.into_iter().filter(|(_, n)| *n > 0).collect();
    stats.items_by_source.sort();
    stats.items_by_lang = by_lang.into_iter().filter(|(_, n)| *n > 0).collect();
    stats.items_by_lang.sort();
    stats.oldest = oldest.and_then(|t| Timestamp::from_microsecond(t).ok());
    stats.newest = newest.and_then(|t| Timestamp::from_microsecond(t).ok());
    Ok(stats)
}

/// Key of the advisory lock a rebuild holds, so two rebuilds never interleave.
const REBUILD_LOCK: i64 = 0x6f6d_646f_6d6d_6503;

/// Items a rebuild reads per round trip, and sums before writing them: bounded memory at
/// any number of items.
const REBUILD_BATCH: i32 = 10_000;

/// Recomputes the hourly rollups and item counters from the items, in one transaction
/// (readers see the old figures until it commits). Puts wait for it on the rollup rows.
pub(super) async fn rebuild_rollups(client: &mut super::Client) -> StoreResult<()> {
    let failed = db("rebuilding the rollups");
    let tx = client.transaction().await.map_err(&failed)?;
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&REBUILD_LOCK])
        .await
        .map_err(&failed)?;
    // Before the rollup tables are locked: puts take a workspace's openness lock before
    // they write rollups, so the other order could leave each waiting for the other.
    super::openness::rebuild(&tx, None, None).await?;
    // Puts add to the rows being rebuilt: keep them out until this commits.
    tx.batch_execute(
        "LOCK TABLE rollup_hourly, item_counts, author_daily, author_totals IN EXCLUSIVE MODE; \
         DELETE FROM rollup_hourly; DELETE FROM item_counts; DELETE FROM author_daily; \
         DELETE FROM author_totals;",
    )
    .await
    .map_err(&failed)?;
    let statement = tx
        .prepare(&format!(
            "SELECT i.workspace_id, s.kind, {CONTRIBUTION_COLUMNS} FROM items i \
             JOIN sources s ON s.id = i.source_id"
        ))
        .await
        .map_err(&failed)?;
    let no_params: [&(dyn ToSql + Sync); 0] = [];
    let portal = tx.bind(&statement, &no_params).await.map_err(&failed)?;
    loop {
        let rows = tx
            .query_portal(&portal, REBUILD_BATCH)
            .await
            .map_err(&failed)?;
        if rows.is_empty() {
            break;
        }
        let mut delta = Delta::default();
        for row in &rows {
            let ws: i64 = row.get(0);
            let kind: String = row.get(1);
            let kind = SourceKind::parse(&kind).unwrap_or(SourceKind::File);
            delta.add(ws, &stored_contribution(row, 2, kind)?, 1);
        }
        apply_delta(&tx, &delta).await.map_err(&failed)?;
    }
    // Re-enriched items may deserve an answer now.
    super::inbox::backfill(&tx).await?;
    tx.commit().await.map_err(&failed)
}
