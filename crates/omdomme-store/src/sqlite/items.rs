//! Items to and from rows: the column list, the values bound for an insert or update, the
//! content hash that tells an unchanged item from an updated one, and reading rows back.

use jiff::Timestamp;
use omdomme_core::{
    Author, BrandId, BrandSentiment, Engagement, Enrichment, Item, ItemId, ItemKind, Lang,
    Sentiment, SentimentLabel, SourceKey, SourceKind, Stakeholder, StoredItem, TopicSet,
};
use rusqlite::types::{ToSql, Type};
use rusqlite::{Row, Statement};

/// The columns every item query selects, in the order [`read_item`] reads; extra columns
/// go after them (index [`ITEM_COLUMN_COUNT`] on).
pub(crate) const ITEM_COLUMNS: &str = "i.id, s.kind, s.name, i.external_id, i.kind, \
     i.author_handle, i.author_name, i.author_followers, i.author_verified, i.title, i.text, \
     i.url, i.thread_id, i.parent_id, i.likes, i.shares, i.replies, i.views, i.published_at, \
     i.collected_at, i.declared_lang, i.lang, i.sentiment, i.sentiment_score, i.topics, \
     i.stakeholder, i.brands, i.inquiry, i.model, i.synthetic, i.brand_sentiment";

/// How many columns [`ITEM_COLUMNS`] names: the index of the first extra column.
pub(crate) const ITEM_COLUMN_COUNT: usize = 31;

/// The tables [`ITEM_COLUMNS`] come from.
pub(crate) const ITEM_FROM: &str = "items i JOIN sources s ON s.id = i.source_id";

/// The item columns a put writes, after `workspace_id, source_id, external_id`.
pub(crate) const WRITTEN_COLUMNS: [&str; 29] = [
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
    "change_seq",
];

pub(crate) fn insert_sql() -> String {
    let columns = WRITTEN_COLUMNS.join(", ");
    let values: Vec<String> = (4..=WRITTEN_COLUMNS.len() + 3)
        .map(|i| format!("?{i}"))
        .collect();
    format!(
        "INSERT INTO items (workspace_id, source_id, external_id, {columns}) \
         VALUES (?1, ?2, ?3, {}) ON CONFLICT (source_id, external_id) DO NOTHING RETURNING id",
        values.join(", ")
    )
}

pub(crate) fn update_sql() -> String {
    let sets: Vec<String> = WRITTEN_COLUMNS
        .iter()
        .enumerate()
        .map(|(i, c)| format!("{c} = ?{}", i + 2))
        .collect();
    format!("UPDATE items SET {} WHERE id = ?1", sets.join(", "))
}

/// Numbers beyond `i64::MAX` (no platform counts that high) are kept as `i64::MAX`.
pub(crate) fn to_i64(v: u64) -> i64 {
    i64::try_from(v).unwrap_or(i64::MAX)
}

/// Binds an item's written columns to `stmt`, starting at parameter `first`; `json` is
/// [`Json::of`] the item.
pub(crate) fn bind_item(
    stmt: &mut Statement<'_>,
    first: usize,
    item: &Item,
    json: &Json,
    hash: i64,
    change_seq: i64,
) -> rusqlite::Result<()> {
    let e = &item.enrichment;
    let values: [&dyn ToSql; 29] = [
        &item.kind.as_str(),
        &item.author.handle,
        &item.author.name,
        &item.author.followers.map(to_i64),
        &item.author.verified,
        &item.title,
        &item.text,
        &item.url,
        &item.thread_id,
        &item.parent_id,
        &to_i64(item.engagement.likes),
        &to_i64(item.engagement.shares),
        &to_i64(item.engagement.replies),
        &item.engagement.views.map(to_i64),
        &item.published_at.as_microsecond(),
        &item.collected_at.as_microsecond(),
        &item.declared_lang,
        &e.lang.as_str(),
        &e.sentiment.label.as_str(),
        &f64::from(e.sentiment.score),
        &i64::from(e.topics.bits()),
        &e.stakeholder.map(Stakeholder::as_str),
        &json.brands,
        &json.brand_sentiment,
        &e.inquiry,
        &e.model,
        &item.synthetic,
        &hash,
        &change_seq,
    ];
    for (i, v) in values.into_iter().enumerate() {
        stmt.raw_bind_parameter(first + i, v)?;
    }
    Ok(())
}

/// The columns of an item stored as JSON, encoded once for both the insert and the update.
pub(crate) struct Json {
    brands: String,
    /// `None` (SQL NULL) when the item has no sentiment per brand.
    brand_sentiment: Option<String>,
}

impl Json {
    /// Refuses a sentiment per brand whose score is not finite: JSON has no NaN or infinity
    /// (serde_json would write `null`, and the row would not read back).
    pub(crate) fn of(item: &Item) -> rusqlite::Result<Json> {
        let e = &item.enrichment;
        let refused = |why: String| rusqlite::Error::ToSqlConversionFailure(why.into());
        let brand_sentiment = if e.brand_sentiment.is_empty() {
            None
        } else {
            if let Some(b) = e
                .brand_sentiment
                .iter()
                .find(|b| !b.sentiment.score.is_finite())
            {
                return Err(refused(format!(
                    "item `{}`: sentiment score {} towards `{}`",
                    item.external_id, b.sentiment.score, b.brand
                )));
            }
            Some(serde_json::to_string(&e.brand_sentiment).map_err(|e| refused(e.to_string()))?)
        };
        Ok(Json {
            // Brand ids are short and URL-safe; serde_json cannot fail on a list of strings.
            brands: serde_json::to_string(&e.brands).unwrap_or_else(|_| "[]".to_owned()),
            brand_sentiment,
        })
    }
}

pub(crate) fn parse_brands(json: &str) -> Vec<BrandId> {
    serde_json::from_str(json).unwrap_or_default()
}

/// Reads the `brand_sentiment` column at `index`: NULL is none.
pub(crate) fn brand_sentiment(
    row: &Row<'_>,
    index: usize,
) -> rusqlite::Result<Vec<BrandSentiment>> {
    let json: Option<String> = row.get(index)?;
    match json {
        None => Ok(Vec::new()),
        Some(json) => serde_json::from_str(&json)
            .map_err(|e| rusqlite::Error::FromSqlConversionFailure(index, Type::Text, e.into())),
    }
}

/// A 64-bit hash (FNV-1a, eight bytes at a time) over everything a put may change except
/// `collected_at` (collecting an item again is not a change). Stable across versions of
/// Rust, unlike `DefaultHasher`; if it ever changes, re-imported items count as updated
/// once, nothing worse. The sentiment per brand is hashed only when there is some, so items
/// without keep the hash they had before schema 2.
pub(crate) fn content_hash(item: &Item) -> i64 {
    let mut h = Fnv::new();
    let e = &item.enrichment;
    h.str(item.kind.as_str());
    h.str(&item.author.handle);
    h.opt_str(item.author.name.as_deref());
    h.opt_u64(item.author.followers);
    h.u64(u64::from(item.author.verified));
    h.opt_str(item.title.as_deref());
    h.str(&item.text);
    h.opt_str(item.url.as_deref());
    h.opt_str(item.thread_id.as_deref());
    h.opt_str(item.parent_id.as_deref());
    h.u64(item.engagement.likes);
    h.u64(item.engagement.shares);
    h.u64(item.engagement.replies);
    h.opt_u64(item.engagement.views);
    h.u64(item.published_at.as_microsecond() as u64);
    h.opt_str(item.declared_lang.as_deref());
    h.str(e.lang.as_str());
    h.str(e.sentiment.label.as_str());
    h.u64(u64::from(e.sentiment.score.to_bits()));
    h.u64(u64::from(e.topics.bits()));
    h.opt_str(e.stakeholder.map(Stakeholder::as_str));
    h.u64(e.brands.len() as u64);
    for b in &e.brands {
        h.str(&b.0);
    }
    h.u64(u64::from(e.inquiry));
    h.str(&e.model);
    h.u64(u64::from(item.synthetic));
    if !e.brand_sentiment.is_empty() {
        h.u64(e.brand_sentiment.len() as u64);
        for b in &e.brand_sentiment {
            h.str(&b.brand.0);
            h.str(b.sentiment.label.as_str());
            h.u64(u64::from(b.sentiment.score.to_bits()));
        }
    }
    h.0 as i64
}

struct Fnv(u64);

impl Fnv {
    fn new() -> Self {
        Fnv(0xcbf2_9ce4_8422_2325)
    }

    fn bytes(&mut self, bytes: &[u8]) {
        // Eight bytes a step (texts are most of what is hashed), each step mixed well
        // enough that a changed byte anywhere changes the result.
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            let mut word = [0u8; 8];
            word.copy_from_slice(chunk);
            self.word(u64::from_le_bytes(word));
        }
        for &b in chunks.remainder() {
            self.0 ^= u64::from(b);
            self.0 = self.0.wrapping_mul(0x0100_0000_01b3);
        }
    }

    fn word(&mut self, w: u64) {
        self.0 = (self.0 ^ w).wrapping_mul(0x9e37_79b9_7f4a_7c15);
        self.0 ^= self.0 >> 29;
    }

    fn u64(&mut self, v: u64) {
        self.word(v);
    }

    fn str(&mut self, s: &str) {
        // The length first, so ("ab", "c") and ("a", "bc") differ.
        self.u64(s.len() as u64);
        self.bytes(s.as_bytes());
    }

    fn opt_str(&mut self, s: Option<&str>) {
        match s {
            None => self.u64(u64::MAX),
            Some(s) => self.str(s),
        }
    }

    fn opt_u64(&mut self, v: Option<u64>) {
        match v {
            None => self.bytes(&[0]),
            Some(v) => {
                self.bytes(&[1]);
                self.u64(v);
            }
        }
    }
}

fn bad_value(index: usize, what: &str, value: impl std::fmt::Display) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(
        index,
        Type::Text,
        format!("unknown {what} `{value}`").into(),
    )
}

fn parsed<T>(
    row: &Row<'_>,
    index: usize,
    what: &str,
    parse: impl Fn(&str) -> Option<T>,
) -> rusqlite::Result<T> {
    let s: String = row.get(index)?;
    parse(&s).ok_or_else(|| bad_value(index, what, s))
}

fn timestamp(row: &Row<'_>, index: usize) -> rusqlite::Result<Timestamp> {
    let micros: i64 = row.get(index)?;
    Timestamp::from_microsecond(micros).map_err(|_| bad_value(index, "timestamp", micros))
}

fn count(row: &Row<'_>, index: usize) -> rusqlite::Result<u64> {
    let v: i64 = row.get(index)?;
    Ok(u64::try_from(v).unwrap_or(0))
}

fn opt_count(row: &Row<'_>, index: usize) -> rusqlite::Result<Option<u64>> {
    let v: Option<i64> = row.get(index)?;
    Ok(v.map(|v| u64::try_from(v).unwrap_or(0)))
}

/// Reads the [`ITEM_COLUMNS`] of a row.
pub(crate) fn read_item(row: &Row<'_>) -> rusqlite::Result<StoredItem> {
    let stakeholder: Option<String> = row.get(25)?;
    let stakeholder = match stakeholder {
        None => None,
        Some(s) => Some(Stakeholder::parse(&s).ok_or_else(|| bad_value(25, "stakeholder", s))?),
    };
    let brands: String = row.get(26)?;
    let score: f64 = row.get(23)?;
    let topics: i64 = row.get(24)?;
    Ok(StoredItem {
        id: ItemId(row.get(0)?),
        item: Item {
            source: SourceKey {
                kind: parsed(row, 1, "source kind", SourceKind::parse)?,
                name: row.get(2)?,
            },
            external_id: row.get(3)?,
            kind: parsed(row, 4, "item kind", ItemKind::parse)?,
            author: Author {
                handle: row.get(5)?,
                name: row.get(6)?,
                followers: opt_count(row, 7)?,
                verified: row.get(8)?,
            },
            title: row.get(9)?,
            text: row.get(10)?,
            url: row.get(11)?,
            thread_id: row.get(12)?,
            parent_id: row.get(13)?,
            engagement: Engagement {
                likes: count(row, 14)?,
                shares: count(row, 15)?,
                replies: count(row, 16)?,
                views: opt_count(row, 17)?,
            },
            published_at: timestamp(row, 18)?,
            collected_at: timestamp(row, 19)?,
            declared_lang: row.get(20)?,
            enrichment: Enrichment {
                lang: parsed(row, 21, "language", Lang::parse)?,
                sentiment: Sentiment {
                    label: parsed(row, 22, "sentiment", SentimentLabel::parse)?,
                    score: score as f32,
                },
                topics: TopicSet::from_bits(u8::try_from(topics).unwrap_or(0)),
                stakeholder,
                brands: parse_brands(&brands),
                brand_sentiment: brand_sentiment(row, 30)?,
                inquiry: row.get(27)?,
                model: row.get(28)?,
            },
            synthetic: row.get(29)?,
        },
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    /// An item as schema 1 stored it: no sentiment per brand.
    fn schema_1_item() -> Item {
        let at: Timestamp = "2024-05-01T12:00:00Z".parse().unwrap();
        Item {
            source: SourceKey::new(SourceKind::X, "test"),
            external_id: "1".to_owned(),
            kind: ItemKind::Post,
            author: Author {
                handle: "kari".to_owned(),
                name: Some("Kari".to_owned()),
                followers: Some(10),
                verified: false,
            },
            title: None,
            text: "Byttet fra Nordlys til Fjordmat".to_owned(),
            url: None,
            thread_id: None,
            parent_id: None,
            engagement: Engagement {
                likes: 1,
                shares: 0,
                replies: 0,
                views: None,
            },
            published_at: at,
            collected_at: at,
            declared_lang: None,
            enrichment: Enrichment {
                lang: Lang::Nb,
                sentiment: Sentiment {
                    label: SentimentLabel::Neutral,
                    score: 0.0,
                },
                topics: TopicSet::new(),
                stakeholder: None,
                brands: vec![
                    BrandId("nordlys".to_owned()),
                    BrandId("fjordmat".to_owned()),
                ],
                brand_sentiment: Vec::new(),
                inquiry: false,
                model: "test".to_owned(),
            },
            synthetic: false,
        }
    }

    #[test]
    fn item_column_count_counts_the_item_columns() {
        assert_eq!(ITEM_COLUMNS.split(',').count(), ITEM_COLUMN_COUNT);
    }

    #[test]
    fn a_sentiment_per_brand_that_is_not_finite_is_refused() {
        let mut item = schema_1_item();
        item.enrichment.brand_sentiment = vec![BrandSentiment {
            brand: BrandId("nordlys".to_owned()),
            sentiment: Sentiment {
                label: SentimentLabel::Negative,
                score: f32::NAN,
            },
        }];
        let err = Json::of(&item).err().unwrap();
        assert!(err.to_string().contains("nordlys"), "{err}");
        item.enrichment.brand_sentiment[0].sentiment.score = -0.5;
        let json = Json::of(&item).unwrap();
        assert!(json.brand_sentiment.unwrap().contains("negative"));
        item.enrichment.brand_sentiment.clear();
        assert_eq!(Json::of(&item).unwrap().brand_sentiment, None);
    }

    #[test]
    fn an_item_without_sentiment_per_brand_keeps_its_schema_1_hash() {
        let item = schema_1_item();
        // What `content_hash` gave before schema 2: re-importing old items is no change.
        assert_eq!(content_hash(&item), 6_281_143_853_006_165_705);
        let mut targeted = item.clone();
        targeted.enrichment.brand_sentiment = vec![BrandSentiment {
            brand: BrandId("nordlys".to_owned()),
            sentiment: Sentiment {
                label: SentimentLabel::Negative,
                score: -0.5,
            },
        }];
        let hash = content_hash(&targeted);
        assert_ne!(hash, content_hash(&item));
        targeted.enrichment.brand_sentiment[0].sentiment.score = -0.25;
        assert_ne!(content_hash(&targeted), hash);
    }
}
