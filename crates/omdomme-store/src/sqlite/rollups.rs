//! Hourly rollups, kept on write in the same transaction as the items, and the volume and
//! share-of-voice queries answered from them alone.
//!
//! An item adds to one row per combination of ({`*`} + its brands) x ({`*`} + its topics) x
//! ({`*`} + its source kind) for its workspace and hour, `*` meaning "any": an item of brands
//! A and B with topics X, Y and Z touches 3 x 4 x 2 = 24 rows. Volume without a brand filter
//! reads brand `*`, a brand's volume its own rows, a brand and topic both, and each item
//! counts once in each. The `*` source row keeps a year's overview of a brand at one row an
//! hour instead of one per source kind.
//! Counts and score sums are kept per sentiment label in columns. A brand's rows count the
//! sentiment towards that brand ([`Enrichment::sentiment_towards`]: "switched from A to B"
//! is negative in A's rows, positive in B's), the `*` brand rows the item's own sentiment.
//!
//! A batch first sums its changes per row in memory (a batch of 5,000 items touches a few
//! hundred rows), then upserts the sums; an update subtracts the item's old contribution
//! (read back from its stored row, sentiment per brand included) and adds the new one.
//!
//! Authors have rows of their own: per brand an item names, source kind and author handle,
//! the items, their engagement and the most followers seen, per UTC day (`author_daily`) and
//! in all (`author_totals`). A period's top authors cannot be summed from a few rows (most
//! authors write once or twice, so the rows of a period are nearly as many as its items);
//! instead the totals, which bound any period's figures, are read best first, each
//! candidate's period summed from its daily rows, until no remaining author can reach the
//! list (the threshold algorithm). A busy period reads tens of authors, not all of them.

use std::collections::HashMap;

use jiff::Timestamp;
use jiff::tz::TimeZone;
use omdomme_core::{BrandId, Enrichment, Sentiment, SentimentLabel, Topic, TopicSet};
use rusqlite::{Connection, Transaction, params};

use crate::{
    AuthorStats, BrandShare, BreakdownSeries, Bucket, Dimension, Filters, StoreError, StoreResult,
    TopAuthors, TopAuthorsRequest, VolumePoint,
};
use omdomme_core::SourceKind;

pub(crate) const ANY: &str = "*";
const HOUR_MICROS: i64 = 3_600_000_000;
pub(crate) const DAY_MICROS: i64 = 24 * HOUR_MICROS;

/// What one item adds to the rollups.
pub(crate) struct Contribution {
    published_micros: i64,
    source: &'static str,
    lang: &'static str,
    /// The item's own sentiment: what the `*` brand rows count.
    sentiment: Sentiment,
    topics: TopicSet,
    /// Each brand with the sentiment towards it: what that brand's rows count.
    brands: Vec<(BrandId, Sentiment)>,
    author: AuthorContribution,
}

/// What an item adds to its author's daily rows.
pub(crate) struct AuthorContribution {
    pub(crate) handle: String,
    /// Likes, shares and replies.
    pub(crate) engagement: i64,
    /// 0 when the platform gives none.
    pub(crate) followers: i64,
}

impl Contribution {
    /// The one rule for new items, updates and rebuilds alike: a brand's rows get
    /// [`Enrichment::sentiment_towards`] that brand.
    pub(crate) fn new(
        published_micros: i64,
        source: &'static str,
        author: AuthorContribution,
        e: &Enrichment,
    ) -> Self {
        Contribution {
            author,
            published_micros,
            source,
            lang: e.lang.as_str(),
            sentiment: e.sentiment,
            topics: e.topics,
            brands: e
                .brands
                .iter()
                .map(|b| (b.clone(), e.sentiment_towards(b)))
                .collect(),
        }
    }
}

/// Counts and score sums per sentiment label (negative, neutral, positive).
#[derive(Clone, Copy, Default)]
pub(crate) struct Sums {
    pub(crate) counts: [i64; 3],
    pub(crate) scores: [f64; 3],
}

#[derive(Clone, Copy)]
struct CountDelta {
    items: i64,
    oldest: Option<i64>,
    newest: Option<i64>,
}

/// (workspace, source kind, language).
type CountKey = (i64, &'static str, &'static str);

pub(crate) type RowKey = (i64, String, &'static str, i64, &'static str);

/// (workspace, brand, UTC day, source kind, author handle).
pub(crate) type AuthorKey = (i64, String, i64, &'static str, String);

/// What a batch adds to (or, negative, removes from) an author's row.
#[derive(Clone, Copy, Default)]
pub(crate) struct AuthorSums {
    pub(crate) items: i64,
    pub(crate) engagement: i64,
    pub(crate) followers: i64,
}

/// (workspace, brand, source kind, author handle): an `author_totals` row.
pub(crate) type AuthorTotalKey<'a> = (i64, &'a str, &'static str, &'a str);

/// Changes of one batch, summed per rollup row and per counter row.
#[derive(Default)]
pub(crate) struct Delta {
    rows: HashMap<RowKey, Sums>,
    counts: HashMap<CountKey, CountDelta>,
    authors: HashMap<AuthorKey, AuthorSums>,
    /// Some sums went down: rows may have reached zero and are removed.
    subtracted: bool,
}

fn label_index(label: SentimentLabel) -> usize {
    match label {
        SentimentLabel::Negative => 0,
        SentimentLabel::Neutral => 1,
        SentimentLabel::Positive => 2,
    }
}

impl Delta {
    pub(crate) fn is_empty(&self) -> bool {
        self.rows.is_empty() && self.counts.is_empty() && self.authors.is_empty()
    }

    /// Adds (`sign` 1) or removes (`sign` -1) an item's contribution.
    pub(crate) fn add(&mut self, workspace: i64, c: &Contribution, sign: i64) {
        if sign < 0 {
            self.subtracted = true;
        }
        let hour = c.published_micros.div_euclid(HOUR_MICROS);
        let brands = std::iter::once((ANY, c.sentiment))
            .chain(c.brands.iter().map(|(b, s)| (b.0.as_str(), *s)));
        for (brand, sentiment) in brands {
            let l = label_index(sentiment.label);
            let score = f64::from(sentiment.score);
            let topics = std::iter::once(ANY).chain(c.topics.iter().map(Topic::as_str));
            for topic in topics {
                for source in [ANY, c.source] {
                    let sums = self
                        .rows
                        .entry((workspace, brand.to_owned(), topic, hour, source))
                        .or_default();
                    if let Some(n) = sums.counts.get_mut(l) {
                        *n += sign;
                    }
                    if let Some(s) = sums.scores.get_mut(l) {
                        *s += sign as f64 * score;
                    }
                }
            }
        }
        let day = c.published_micros.div_euclid(DAY_MICROS);
        for (brand, _) in &c.brands {
            let sums = self
                .authors
                .entry((
                    workspace,
                    brand.0.clone(),
                    day,
                    c.source,
                    c.author.handle.clone(),
                ))
                .or_default();
            sums.items += sign;
            sums.engagement += sign * c.author.engagement;
            if sign > 0 {
                sums.followers = sums.followers.max(c.author.followers);
            }
        }
        let counter = self
            .counts
            .entry((workspace, c.source, c.lang))
            .or_insert(CountDelta {
                items: 0,
                oldest: None,
                newest: None,
            });
        counter.items += sign;
        if sign > 0 {
            let t = c.published_micros;
            counter.oldest = Some(counter.oldest.map_or(t, |o| o.min(t)));
            counter.newest = Some(counter.newest.map_or(t, |n| n.max(t)));
        }
    }

    /// The hourly rows' changes, in key order (so concurrent writers lock rows in one
    /// order): (workspace, brand, topic, hour, source kind), counts and score sums per
    /// label. For the PostgreSQL backend, which writes them itself.
    #[cfg(feature = "postgres")]
    pub(crate) fn hourly_rows(&self) -> Vec<(&RowKey, [i64; 3], [f64; 3])> {
        let mut rows: Vec<_> = self
            .rows
            .iter()
            .filter(|(_, s)| s.counts != [0; 3] || s.scores != [0.0; 3])
            .map(|(k, s)| (k, s.counts, s.scores))
            .collect();
        rows.sort_by(|a, b| a.0.cmp(b.0));
        rows
    }

    /// The item counters' changes, in key order: (workspace, source kind, language), items,
    /// oldest and newest `published_at` added (unix microseconds).
    #[cfg(feature = "postgres")]
    pub(crate) fn item_counts(&self) -> Vec<(&CountKey, i64, Option<i64>, Option<i64>)> {
        let mut counts: Vec<_> = self
            .counts
            .iter()
            .filter(|(_, c)| c.items != 0 || c.oldest.is_some())
            .map(|(k, c)| (k, c.items, c.oldest, c.newest))
            .collect();
        counts.sort_by(|a, b| a.0.cmp(b.0));
        counts
    }

    /// The author day rows' changes that change something, in key order.
    pub(crate) fn author_days(&self) -> Vec<(&AuthorKey, AuthorSums)> {
        let mut days: Vec<_> = self
            .authors
            .iter()
            .filter(|(_, a)| a.items != 0 || a.engagement != 0 || a.followers != 0)
            .map(|(k, a)| (k, *a))
            .collect();
        days.sort_by(|a, b| a.0.cmp(b.0));
        days
    }

    /// The author totals' changes, summed from [`Delta::author_days`], in key order: items
    /// and engagement add up, followers is the most seen.
    pub(crate) fn author_totals(&self) -> Vec<(AuthorTotalKey<'_>, AuthorSums)> {
        let mut totals: std::collections::BTreeMap<AuthorTotalKey<'_>, AuthorSums> =
            std::collections::BTreeMap::new();
        for ((ws, brand, _, source, author), a) in self.author_days() {
            let total = totals
                .entry((*ws, brand.as_str(), *source, author.as_str()))
                .or_default();
            total.items += a.items;
            total.engagement += a.engagement;
            total.followers = total.followers.max(a.followers);
        }
        totals.into_iter().collect()
    }

    /// Writes the sums; the caller commits.
    pub(crate) fn apply(self, tx: &Transaction<'_>) -> rusqlite::Result<()> {
        let mut upsert = tx.prepare_cached(
            "INSERT INTO rollup_hourly (workspace_id, brand, topic, hour, source_kind, \
             negative, neutral, positive, score_negative, score_neutral, score_positive) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11) \
             ON CONFLICT (workspace_id, brand, topic, hour, source_kind) DO UPDATE SET \
             negative = negative + excluded.negative, neutral = neutral + excluded.neutral, \
             positive = positive + excluded.positive, \
             score_negative = score_negative + excluded.score_negative, \
             score_neutral = score_neutral + excluded.score_neutral, \
             score_positive = score_positive + excluded.score_positive",
        )?;
        let mut remove_empty = tx.prepare_cached(
            "DELETE FROM rollup_hourly WHERE workspace_id = ?1 AND brand = ?2 AND topic = ?3 \
             AND hour = ?4 AND source_kind = ?5 AND negative = 0 AND neutral = 0 AND positive = 0",
        )?;
        for ((ws, brand, topic, hour, source), s) in &self.rows {
            if s.counts == [0; 3] && s.scores == [0.0; 3] {
                continue;
            }
            let [n0, n1, n2] = s.counts;
            let [s0, s1, s2] = s.scores;
            upsert.execute(params![
                ws, brand, topic, hour, source, n0, n1, n2, s0, s1, s2
            ])?;
            if s.counts.iter().any(|n| *n < 0) {
                remove_empty.execute(params![ws, brand, topic, hour, source])?;
            }
        }
        let mut counts = tx.prepare_cached(
            "INSERT INTO item_counts (workspace_id, source_kind, lang, items, oldest, newest) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6) \
             ON CONFLICT (workspace_id, source_kind, lang) DO UPDATE SET \
             items = items + excluded.items, \
             oldest = CASE WHEN excluded.oldest IS NULL THEN oldest WHEN oldest IS NULL \
                      THEN excluded.oldest ELSE min(oldest, excluded.oldest) END, \
             newest = CASE WHEN excluded.newest IS NULL THEN newest WHEN newest IS NULL \
                      THEN excluded.newest ELSE max(newest, excluded.newest) END",
        )?;
        for ((ws, source, lang), c) in &self.counts {
            if c.items == 0 && c.oldest.is_none() {
                continue;
            }
            counts.execute(params![ws, source, lang, c.items, c.oldest, c.newest])?;
        }
        if self.subtracted {
            tx.execute("DELETE FROM item_counts WHERE items <= 0", [])?;
        }
        // The most followers seen only grows: an update that lowers it leaves the old high.
        let mut authors = tx.prepare_cached(
            "INSERT INTO author_daily (workspace_id, brand, day, source_kind, author, items, \
             engagement, followers) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) \
             ON CONFLICT (workspace_id, brand, day, source_kind, author) DO UPDATE SET \
             items = items + excluded.items, engagement = engagement + excluded.engagement, \
             followers = max(followers, excluded.followers)",
        )?;
        let mut remove_author = tx.prepare_cached(
            "DELETE FROM author_daily WHERE workspace_id = ?1 AND brand = ?2 AND day = ?3 \
             AND source_kind = ?4 AND author = ?5 AND items <= 0",
        )?;
        for ((ws, brand, day, source, author), a) in self.author_days() {
            authors.execute(params![
                ws,
                brand,
                day,
                source,
                author,
                a.items,
                a.engagement,
                a.followers
            ])?;
            if a.items < 0 {
                remove_author.execute(params![ws, brand, day, source, author])?;
            }
        }
        let mut upsert_total = tx.prepare_cached(
            "INSERT INTO author_totals (workspace_id, brand, source_kind, author, items, \
             engagement, followers, reach) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?5 * ?7) \
             ON CONFLICT (workspace_id, brand, source_kind, author) DO UPDATE SET \
             items = items + excluded.items, engagement = engagement + excluded.engagement, \
             followers = max(followers, excluded.followers), \
             reach = max(followers, excluded.followers) * (items + excluded.items)",
        )?;
        let mut remove_total = tx.prepare_cached(
            "DELETE FROM author_totals WHERE workspace_id = ?1 AND brand = ?2 \
             AND source_kind = ?3 AND author = ?4 AND items <= 0",
        )?;
        for ((ws, brand, source, author), a) in self.author_totals() {
            upsert_total.execute(params![
                ws,
                brand,
                source,
                author,
                a.items,
                a.engagement,
                a.followers
            ])?;
            if a.items < 0 {
                remove_total.execute(params![ws, brand, source, author])?;
            }
        }
        Ok(())
    }
}

/// Hours `[from, to)` covering the filter's period: partial hours count whole, as the
/// rollups know nothing finer.
pub(crate) fn hour_range(filters: &Filters) -> (i64, i64) {
    let from = filters
        .from
        .map_or(i64::MIN, |t| t.as_microsecond().div_euclid(HOUR_MICROS));
    let to = filters.to.map_or(i64::MAX, |t| {
        let micros = t.as_microsecond();
        micros.div_euclid(HOUR_MICROS) + i64::from(micros.rem_euclid(HOUR_MICROS) != 0)
    });
    (from, to)
}

/// Which rollup rows to read: the values of each key column, one or several ([`ANY`] for
/// "any"). At most one column has several values: the dimension rows are split by.
pub(crate) struct Selection<'a> {
    pub(crate) brands: Vec<&'a str>,
    pub(crate) topics: Vec<&'a str>,
    pub(crate) sources: Vec<&'a str>,
}

impl<'a> Selection<'a> {
    /// The rows the filters select: their brand, topic and source, or [`ANY`].
    pub(crate) fn of(filters: &'a Filters) -> Selection<'a> {
        Selection {
            brands: vec![filters.brand.as_ref().map_or(ANY, |b| b.0.as_str())],
            topics: vec![filters.topic.map_or(ANY, Topic::as_str)],
            sources: vec![filters.source.map_or(ANY, |s| s.as_str())],
        }
    }

    /// The key column with several values, if any.
    pub(crate) fn split_column(&self) -> &'static str {
        if self.brands.len() > 1 {
            "brand"
        } else if self.topics.len() > 1 {
            "topic"
        } else if self.sources.len() > 1 {
            "source_kind"
        } else {
            "''"
        }
    }
}

/// `= ?` for one value, `IN (?, ?, ...)` for several.
fn matching(values: usize) -> String {
    if values == 1 {
        "= ?".to_owned()
    } else {
        format!("IN ({})", vec!["?"; values].join(", "))
    }
}

/// Summed rows per (split value, hour), or per split value when not `per_hour` (hour 0),
/// ordered by split value and hour. The split value is `''` when nothing is split.
fn read_rows(
    conn: &Connection,
    workspace: i64,
    selection: &Selection<'_>,
    filters: &Filters,
    per_hour: bool,
) -> rusqlite::Result<Vec<(String, i64, Sums)>> {
    let (from, to) = hour_range(filters);
    let split = selection.split_column();
    let hour = if per_hour { "hour" } else { "0" };
    let sql = format!(
        "SELECT {split}, {hour}, sum(negative), sum(neutral), sum(positive), \
         sum(score_negative), sum(score_neutral), sum(score_positive) FROM rollup_hourly \
         WHERE workspace_id = ? AND brand {} AND topic {} AND hour >= ? AND hour < ? \
         AND source_kind {} GROUP BY 1, 2 ORDER BY 1, 2",
        matching(selection.brands.len()),
        matching(selection.topics.len()),
        matching(selection.sources.len()),
    );
    let mut values: Vec<rusqlite::types::Value> = vec![workspace.into()];
    values.extend(selection.brands.iter().map(|b| (*b).to_owned().into()));
    values.extend(selection.topics.iter().map(|t| (*t).to_owned().into()));
    values.extend([from.into(), to.into()]);
    values.extend(selection.sources.iter().map(|s| (*s).to_owned().into()));
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map(rusqlite::params_from_iter(values), |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, i64>(1)?,
            Sums {
                counts: [
                    r.get::<_, Option<i64>>(2)?.unwrap_or(0),
                    r.get::<_, Option<i64>>(3)?.unwrap_or(0),
                    r.get::<_, Option<i64>>(4)?.unwrap_or(0),
                ],
                scores: [
                    r.get::<_, Option<f64>>(5)?.unwrap_or(0.0),
                    r.get::<_, Option<f64>>(6)?.unwrap_or(0.0),
                    r.get::<_, Option<f64>>(7)?.unwrap_or(0.0),
                ],
            },
        ))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (key, hour, mut sums) = row?;
        keep_filtered_label(&mut sums, filters);
        out.push((key, hour, sums));
    }
    Ok(out)
}

/// The sentiment filter keeps one label's columns.
pub(crate) fn keep_filtered_label(sums: &mut Sums, filters: &Filters) {
    if let Some(label) = filters.sentiment {
        let keep = label_index(label);
        for i in 0..3 {
            if i != keep {
                sums.counts[i] = 0;
                sums.scores[i] = 0.0;
            }
        }
    }
}

struct Totals {
    counts: [u64; 3],
    score: f64,
}

impl Totals {
    fn from(s: &Sums) -> Totals {
        Totals {
            counts: s.counts.map(|n| u64::try_from(n).unwrap_or(0)),
            score: s.scores.iter().sum(),
        }
    }

    fn count(&self) -> u64 {
        self.counts.iter().sum()
    }

    fn mean(&self) -> f64 {
        match self.count() {
            0 => 0.0,
            n => (self.score / n as f64).clamp(-1.0, 1.0),
        }
    }
}

/// Start of the bucket holding `hour`, cut in `tz`.
fn bucket_start(hour: i64, bucket: Bucket, tz: &TimeZone) -> StoreResult<Timestamp> {
    let at = Timestamp::from_second(hour * 3600)
        .map_err(|e| StoreError::Database(format!("rollup hour {hour} out of range: {e}")))?;
    let cut = |e: jiff::Error| StoreError::Invalid(format!("cannot cut buckets here: {e}"));
    Ok(match bucket {
        Bucket::Hour => at,
        Bucket::Day => at
            .to_zoned_datetime(tz.clone())
            .start_of_day()
            .map_err(cut)?
            .timestamp(),
        Bucket::Week => {
            let date = at.to_zoned_datetime(tz.clone()).date();
            let days = i64::from(date.weekday().to_monday_zero_offset());
            date.checked_sub(jiff::Span::new().days(days))
                .map_err(cut)?
                .to_zoned_datetime(tz.clone())
                .map_err(cut)?
                .timestamp()
        }
        Bucket::Month => at
            .to_zoned_datetime(tz.clone())
            .date()
            .first_of_month()
            .to_zoned_datetime(tz.clone())
            .map_err(cut)?
            .timestamp(),
    })
}

/// The first hour after the bucket starting at `start`.
fn bucket_end_hour(start: Timestamp, bucket: Bucket, tz: &TimeZone) -> StoreResult<i64> {
    let cut = |e: jiff::Error| StoreError::Invalid(format!("cannot cut buckets here: {e}"));
    let zoned = start.to_zoned_datetime(tz.clone());
    let end = match bucket {
        Bucket::Hour => return Ok(start.as_second().div_euclid(3600) + 1),
        Bucket::Day => zoned.checked_add(jiff::Span::new().days(1)),
        Bucket::Week => zoned.checked_add(jiff::Span::new().weeks(1)),
        Bucket::Month => zoned.checked_add(jiff::Span::new().months(1)),
    }
    .map_err(cut)?;
    Ok(end.timestamp().as_second().div_euclid(3600))
}

pub(crate) fn time_zone(name: &str) -> StoreResult<TimeZone> {
    if name.is_empty() || name == "UTC" {
        return Ok(TimeZone::UTC);
    }
    TimeZone::get(name).map_err(|e| StoreError::Invalid(format!("unknown time zone `{name}`: {e}")))
}

/// Volume per bucket: only buckets with items, oldest first.
pub(crate) fn volume(
    conn: &Connection,
    workspace: i64,
    filters: &Filters,
    bucket: Bucket,
    tz: &TimeZone,
) -> StoreResult<Vec<VolumePoint>> {
    let rows = read_rows(conn, workspace, &Selection::of(filters), filters, true)
        .map_err(|e| StoreError::Database(format!("reading the rollups: {e}")))?;
    into_buckets(
        rows.into_iter().map(|(_, hour, sums)| (hour, sums)),
        bucket,
        tz,
    )
}

/// Volume per bucket split by `by`: one series per value (those of `keys` unless the
/// filters name one), each with only its buckets with items.
pub(crate) fn breakdown(
    conn: &Connection,
    workspace: i64,
    keys: &[&str],
    by: Dimension,
    filters: &Filters,
    bucket: Bucket,
    tz: &TimeZone,
) -> StoreResult<Vec<BreakdownSeries>> {
    let Some((selection, keys)) = breakdown_selection(keys, by, filters) else {
        return Ok(Vec::new());
    };
    let rows = read_rows(conn, workspace, &selection, filters, true)
        .map_err(|e| StoreError::Database(format!("reading the rollups: {e}")))?;
    breakdown_series(&keys, rows, bucket, tz)
}

/// The rows a breakdown by `by` reads, and its series' keys: those of `keys` unless the
/// filters name one. None when there are no keys.
pub(crate) fn breakdown_selection<'a>(
    keys: &[&'a str],
    by: Dimension,
    filters: &'a Filters,
) -> Option<(Selection<'a>, Vec<&'a str>)> {
    let mut selection = Selection::of(filters);
    let named = match by {
        Dimension::Brand => filters.brand.is_some(),
        Dimension::Topic => filters.topic.is_some(),
        Dimension::Source => filters.source.is_some(),
    };
    let keys: Vec<&str> = if named {
        match by {
            Dimension::Brand => selection.brands.clone(),
            Dimension::Topic => selection.topics.clone(),
            Dimension::Source => selection.sources.clone(),
        }
    } else {
        keys.to_vec()
    };
    if keys.is_empty() {
        return None;
    }
    match by {
        Dimension::Brand => selection.brands.clone_from(&keys),
        Dimension::Topic => selection.topics.clone_from(&keys),
        Dimension::Source => selection.sources.clone_from(&keys),
    }
    Some((selection, keys))
}

/// One series per key from the rows [`breakdown_selection`] selected, summed per hour.
pub(crate) fn breakdown_series(
    keys: &[&str],
    rows: Vec<(String, i64, Sums)>,
    bucket: Bucket,
    tz: &TimeZone,
) -> StoreResult<Vec<BreakdownSeries>> {
    let single = keys.len() == 1;
    let mut by_key: HashMap<String, Vec<(i64, Sums)>> = HashMap::new();
    for (key, hour, sums) in rows {
        // One key reads no split column: its rows come back under ''.
        let key = if single { keys[0].to_owned() } else { key };
        by_key.entry(key).or_default().push((hour, sums));
    }
    keys.iter()
        .map(|key| {
            let rows = by_key.remove(*key).unwrap_or_default();
            Ok(BreakdownSeries {
                key: (*key).to_owned(),
                points: into_buckets(rows.into_iter(), bucket, tz)?,
            })
        })
        .collect()
}

/// Sums hourly rows (in hour order) into buckets cut in `tz`; empty buckets are left out.
pub(crate) fn into_buckets(
    rows: impl Iterator<Item = (i64, Sums)>,
    bucket: Bucket,
    tz: &TimeZone,
) -> StoreResult<Vec<VolumePoint>> {
    let mut points: Vec<(Timestamp, Sums)> = Vec::new();
    // Cutting an hour into a zoned day, week or month costs a time-zone lookup; a year has
    // 8,760 hours but only 365 days, so the current bucket's end is kept and an hour inside
    // it needs no lookup.
    let mut current: Option<(Timestamp, i64)> = None;
    for (hour, sums) in rows {
        if sums.counts == [0; 3] {
            continue;
        }
        let start = match current {
            Some((start, end_hour)) if hour < end_hour => start,
            _ => {
                let start = bucket_start(hour, bucket, tz)?;
                current = Some((start, bucket_end_hour(start, bucket, tz)?));
                start
            }
        };
        // Hours come in order, so a bucket's hours are adjacent.
        match points.last_mut() {
            Some((last, total)) if *last == start => {
                for i in 0..3 {
                    total.counts[i] += sums.counts[i];
                    total.scores[i] += sums.scores[i];
                }
            }
            _ => points.push((start, sums)),
        }
    }
    Ok(points
        .into_iter()
        .map(|(start, sums)| {
            let t = Totals::from(&sums);
            VolumePoint {
                start,
                count: t.count(),
                negative: t.counts[0],
                neutral: t.counts[1],
                positive: t.counts[2],
                mean_score: t.mean(),
            }
        })
        .collect())
}

/// Each brand's mentions in the period, most first; brands without any are listed with 0.
pub(crate) fn share_of_voice(
    conn: &Connection,
    workspace: i64,
    brands: &[BrandId],
    filters: &Filters,
) -> StoreResult<Vec<BrandShare>> {
    if brands.is_empty() {
        return Ok(Vec::new());
    }
    let mut selection = Selection::of(filters);
    selection.brands = brands.iter().map(|b| b.0.as_str()).collect();
    let rows = read_rows(conn, workspace, &selection, filters, false)
        .map_err(|e| StoreError::Database(format!("reading the rollups: {e}")))?;
    Ok(shares(&rows, brands))
}

/// Each brand's share from the rows summed per brand ([`Selection::split_column`]: under
/// `''` when there is one brand), most first.
pub(crate) fn shares(rows: &[(String, i64, Sums)], brands: &[BrandId]) -> Vec<BrandShare> {
    let single = brands.len() == 1;
    let mut shares = Vec::with_capacity(brands.len());
    for brand in brands {
        let sums = rows
            .iter()
            .find(|(key, _, _)| single || *key == brand.0)
            .map(|(_, _, s)| *s)
            .unwrap_or_default();
        let t = Totals::from(&sums);
        shares.push(BrandShare {
            brand: brand.clone(),
            count: t.count(),
            share: 0.0,
            negative: t.counts[0],
            neutral: t.counts[1],
            positive: t.counts[2],
            mean_score: t.mean(),
        });
    }
    let all: u64 = shares.iter().map(|s| s.count).sum();
    for s in &mut shares {
        s.share = if all == 0 {
            0.0
        } else {
            s.count as f64 / all as f64
        };
    }
    shares.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.brand.cmp(&b.brand)));
    shares
}

/// The day a timestamp is nearest the start of: Oslo midnight (22:00 or 23:00 UTC) rounds
/// to the UTC midnight after it.
pub(crate) fn nearest_day(at: Timestamp) -> i64 {
    (at.as_microsecond() + DAY_MICROS / 2).div_euclid(DAY_MICROS)
}

/// Candidates a top list reads at most: beyond, it stands as it is (only when thousands
/// of authors tie around its last place).
const MAX_CANDIDATES: usize = 5_000;

/// The authors with most items about a brand in the period, and those with the greatest
/// reach.
pub(crate) fn top_authors(
    conn: &Connection,
    workspace: i64,
    request: &TopAuthorsRequest,
) -> StoreResult<TopAuthors> {
    let failed = |e: rusqlite::Error| StoreError::Database(format!("reading the authors: {e}"));
    Ok(TopAuthors {
        by_items: best_authors(conn, workspace, request, Ranking::Items).map_err(failed)?,
        by_reach: best_authors(conn, workspace, request, Ranking::Reach).map_err(failed)?,
    })
}

/// What a top list ranks by.
#[derive(Clone, Copy)]
pub(crate) enum Ranking {
    Items,
    Reach,
}

impl Ranking {
    /// The `author_totals` column that bounds this value for any period.
    pub(crate) fn column(self) -> &'static str {
        match self {
            Ranking::Items => "items",
            Ranking::Reach => "reach",
        }
    }

    fn value(self, a: &AuthorStats) -> u64 {
        match self {
            Ranking::Items => a.items,
            Ranking::Reach => a.reach(),
        }
    }

    /// Best first; ties go to more engagement, then the handle.
    fn order(self, a: &AuthorStats, b: &AuthorStats) -> std::cmp::Ordering {
        self.value(b)
            .cmp(&self.value(a))
            .then_with(|| b.engagement.cmp(&a.engagement))
            .then_with(|| a.handle.cmp(&b.handle))
            .then_with(|| a.source.cmp(&b.source))
    }
}

/// A top list being filled by the threshold algorithm: candidates are offered in order of
/// their all-time value, which no period exceeds, until the next cannot reach the list.
pub(crate) struct TopList {
    ranking: Ranking,
    limit: usize,
    best: Vec<AuthorStats>,
    read: usize,
}

impl TopList {
    pub(crate) fn new(ranking: Ranking, request: &TopAuthorsRequest) -> TopList {
        let limit = request.limit.clamp(1, crate::MAX_TOP_AUTHORS);
        TopList {
            ranking,
            limit,
            best: Vec::with_capacity(limit + 1),
            read: 0,
        }
    }

    /// Whether a candidate whose all-time value is `bound` is worth reading: false once no
    /// later candidate can reach the list (or too many were read).
    pub(crate) fn wants(&mut self, bound: u64) -> bool {
        if self.best.len() == self.limit
            && self
                .best
                .last()
                .is_some_and(|last| bound < self.ranking.value(last))
        {
            return false;
        }
        self.read += 1;
        self.read <= MAX_CANDIDATES
    }

    /// Offers a candidate with its period's figures.
    pub(crate) fn offer(&mut self, author: AuthorStats) {
        if author.items == 0 {
            return;
        }
        let at = self
            .best
            .partition_point(|b| self.ranking.order(b, &author).is_lt());
        self.best.insert(at, author);
        self.best.truncate(self.limit);
    }

    pub(crate) fn into_authors(self) -> Vec<AuthorStats> {
        self.best
    }
}

/// One top list by the threshold algorithm ([`TopList`]).
fn best_authors(
    conn: &Connection,
    workspace: i64,
    request: &TopAuthorsRequest,
    ranking: Ranking,
) -> rusqlite::Result<Vec<AuthorStats>> {
    let column = ranking.column();
    let mut candidates = conn.prepare_cached(&format!(
        "SELECT source_kind, author, {column} FROM author_totals \
         WHERE workspace_id = ?1 AND brand = ?2 ORDER BY {column} DESC"
    ))?;
    let mut in_period = conn.prepare_cached(
        "SELECT sum(items), sum(engagement), max(followers) FROM author_daily \
         WHERE workspace_id = ?1 AND brand = ?2 AND source_kind = ?3 AND author = ?4 \
         AND day >= ?5 AND day < ?6",
    )?;
    let (from, to) = (nearest_day(request.from), nearest_day(request.to));
    let count = |n: Option<i64>| n.map_or(0, |n| u64::try_from(n).unwrap_or(0));
    let mut best = TopList::new(ranking, request);
    let mut rows = candidates.query(params![workspace, request.brand.0])?;
    while let Some(row) = rows.next()? {
        if !best.wants(count(row.get(2)?)) {
            break;
        }
        let kind: String = row.get(0)?;
        let Some(source) = SourceKind::parse(&kind) else {
            continue;
        };
        if request.source.is_some_and(|wanted| wanted != source) {
            continue;
        }
        let handle: String = row.get(1)?;
        let (items, engagement, followers) = in_period.query_row(
            params![workspace, request.brand.0, kind, handle, from, to],
            |r| Ok((count(r.get(0)?), count(r.get(1)?), count(r.get(2)?))),
        )?;
        best.offer(AuthorStats {
            source,
            handle,
            items,
            engagement,
            followers,
        });
    }
    Ok(best.into_authors())
}
