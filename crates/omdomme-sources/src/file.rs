//! Our own item schema for `jsonl` and `csv` files: what a customer exports from a tool we
//! do not connect to, or what we write ourselves.
//!
//! Fields (the same names as JSON keys and CSV columns):
//!
//! | field | required | notes |
//! |---|---|---|
//! | `id` | yes | the item's external id (string or number) |
//! | `text` | yes | may be empty only when `title` is not |
//! | `published_at` | yes | RFC 3339; RFC 2822 and the usual variants accepted too |
//! | `source` | no | source name; defaults to the import's source name |
//! | `source_kind` | no | `rss`, `x`, ...; defaults to `file` |
//! | `kind` | no | `post` (default), `comment`, `reply`, `article`, `review` |
//! | `author` | no | a handle (`@` stripped), or in JSON an object `{handle, name, followers, verified}` |
//! | `author_name`, `followers`, `verified` | no | the author object's fields as flat columns (CSV) |
//! | `title`, `url`, `thread_id`, `parent_id`, `lang` | no | |
//! | `likes`, `shares`, `replies`, `views` | no | non-negative integers |
//! | `synthetic` | no | `true` for generated demo data |
//!
//! Unknown fields are ignored. A JSON line that is the full serde form of
//! [`omdomme_core::Item`] (an `external_id` and a `source` object) is accepted as is.

use jiff::Timestamp;
use omdomme_core::{Author, Engagement, Enrichment, Item, ItemKind, SourceKey, SourceKind};
use serde::Deserialize;
use serde_json::Value;

use crate::ImportContext;
use crate::common::{ParseError, StringOrNumber, parse_timestamp, snippet, validate};

/// One record of our file schema, as read from a JSON line or a CSV row.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct FileRecord {
    pub id: Option<StringOrNumber>,
    pub text: Option<String>,
    pub published_at: Option<String>,
    pub source: Option<String>,
    pub source_kind: Option<String>,
    pub kind: Option<String>,
    pub author: Option<AuthorField>,
    pub author_name: Option<String>,
    pub followers: Option<u64>,
    pub verified: Option<bool>,
    pub title: Option<String>,
    pub url: Option<String>,
    pub thread_id: Option<StringOrNumber>,
    pub parent_id: Option<StringOrNumber>,
    pub likes: Option<u64>,
    pub shares: Option<u64>,
    pub replies: Option<u64>,
    pub views: Option<u64>,
    pub lang: Option<String>,
    pub synthetic: Option<bool>,
}

/// `author` as a plain handle or as an object.
#[derive(Clone, Debug, Deserialize)]
#[serde(untagged)]
pub enum AuthorField {
    Handle(String),
    Object {
        #[serde(default)]
        handle: Option<String>,
        #[serde(default)]
        name: Option<String>,
        #[serde(default)]
        followers: Option<u64>,
        #[serde(default)]
        verified: Option<bool>,
    },
}

impl FileRecord {
    /// Validates the record and makes it an item.
    pub fn into_item(self, ctx: &ImportContext) -> Result<Item, ParseError> {
        let id = self
            .id
            .ok_or_else(|| ParseError::missing("id"))?
            .into_string();
        let text = self.text.ok_or_else(|| ParseError::missing("text"))?;
        let published = self
            .published_at
            .ok_or_else(|| ParseError::missing("published_at"))?;
        let published_at: Timestamp = parse_timestamp(&published)
            .map_err(|e| ParseError::new(format!("published_at: {}", e.message)))?;
        let kind = match self
            .kind
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            None => ItemKind::Post,
            Some(k) => ItemKind::parse(&k.to_ascii_lowercase()).ok_or_else(|| {
                ParseError::new(format!("kind: unknown item kind {}", snippet(k)))
            })?,
        };
        let source_kind = match self
            .source_kind
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            None => SourceKind::File,
            Some(k) => SourceKind::parse(&k.to_ascii_lowercase()).ok_or_else(|| {
                ParseError::new(format!("source_kind: unknown source kind {}", snippet(k)))
            })?,
        };
        let mut author = match self.author {
            None => Author::default(),
            Some(AuthorField::Handle(h)) => Author {
                handle: h,
                ..Author::default()
            },
            Some(AuthorField::Object {
                handle,
                name,
                followers,
                verified,
            }) => Author {
                handle: handle.unwrap_or_default(),
                name,
                followers,
                verified: verified.unwrap_or(false),
            },
        };
        author.handle = author.handle.trim().trim_start_matches('@').to_string();
        if author.name.is_none() {
            author.name = self.author_name.filter(|n| !n.is_empty());
        }
        if author.followers.is_none() {
            author.followers = self.followers;
        }
        author.verified |= self.verified.unwrap_or(false);
        let source_name = self
            .source
            .filter(|s| !s.trim().is_empty())
            .unwrap_or_else(|| ctx.source_name.clone());
        let item = Item {
            source: SourceKey::new(source_kind, source_name),
            external_id: id,
            kind,
            author,
            title: self.title.filter(|t| !t.trim().is_empty()),
            text,
            url: self.url.filter(|u| !u.trim().is_empty()),
            thread_id: self
                .thread_id
                .map(StringOrNumber::into_string)
                .filter(|s| !s.is_empty()),
            parent_id: self
                .parent_id
                .map(StringOrNumber::into_string)
                .filter(|s| !s.is_empty()),
            engagement: Engagement {
                likes: self.likes.unwrap_or(0),
                shares: self.shares.unwrap_or(0),
                replies: self.replies.unwrap_or(0),
                views: self.views,
            },
            published_at,
            collected_at: ctx.collected_at,
            declared_lang: self.lang.filter(|l| !l.trim().is_empty()),
            enrichment: Enrichment::default(),
            synthetic: self.synthetic.unwrap_or(false),
        };
        validate(item)
    }
}

/// Parses one JSON object of a `jsonl` file.
pub fn parse_json_value(value: Value, ctx: &ImportContext) -> Vec<Result<Item, ParseError>> {
    vec![parse_json_record(value, ctx)]
}

fn parse_json_record(value: Value, ctx: &ImportContext) -> Result<Item, ParseError> {
    // The full serde form of `Item` (what we export) round-trips unchanged.
    if value.get("external_id").is_some()
        && value.get("source").is_some_and(Value::is_object)
        && let Ok(item) = serde_json::from_value::<Item>(value.clone())
    {
        return validate(item);
    }
    let record: FileRecord = serde_json::from_value(value).map_err(ParseError::from)?;
    record.into_item(ctx)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn ctx() -> ImportContext {
        ImportContext {
            source_name: "export.jsonl".into(),
            collected_at: "2024-05-01T00:00:00Z".parse().unwrap(),
        }
    }

    fn one(json: &str) -> Result<Item, ParseError> {
        parse_json_record(serde_json::from_str(json).unwrap(), &ctx())
    }

    #[test]
    fn minimal_and_full_records() {
        let item = one(
            r#"{"id": 7, "text": "Hei", "published_at": "2024-01-02T03:04:05Z", "extra": [1]}"#,
        )
        .unwrap();
        assert_eq!(item.external_id, "7");
        assert_eq!(
            item.source,
            SourceKey::new(SourceKind::File, "export.jsonl")
        );
        assert_eq!(item.kind, ItemKind::Post);
        let item = one(r#"{"id":"a","text":"t","published_at":"2024-01-02T03:04:05+01:00","source":"nrk","source_kind":"rss","kind":"article",
            "author":{"handle":"@ola","name":"Ola","followers":5,"verified":true},"title":"T","likes":3,"views":9,"lang":"nb","synthetic":true}"#).unwrap();
        assert_eq!(item.source, SourceKey::new(SourceKind::Rss, "nrk"));
        assert_eq!(item.author.handle, "ola");
        assert_eq!(item.author.followers, Some(5));
        assert_eq!(item.engagement.likes, 3);
        assert_eq!(item.engagement.views, Some(9));
        assert!(item.synthetic);
        let item =
            one(r#"{"id":"a","text":"t","published_at":"2024-01-02T03:04:05Z","author":"kari"}"#)
                .unwrap();
        assert_eq!(item.author.handle, "kari");
    }

    #[test]
    fn full_item_round_trips() {
        let item = one(r#"{"id":"a","text":"t","published_at":"2024-01-02T03:04:05Z"}"#).unwrap();
        let json = serde_json::to_string(&item).unwrap();
        assert_eq!(one(&json).unwrap(), item);
    }

    #[test]
    fn bad_records_name_the_problem() {
        let e = one(r#"{"id":"a","published_at":"2024-01-02T03:04:05Z"}"#).unwrap_err();
        assert_eq!(e.message, "missing field `text`");
        let e = one(r#"{"text":"x","published_at":"2024-01-02T03:04:05Z"}"#).unwrap_err();
        assert_eq!(e.message, "missing field `id`");
        let e = one(r#"{"id":"a","text":"x"}"#).unwrap_err();
        assert_eq!(e.message, "missing field `published_at`");
        let e = one(r#"{"id":"a","text":"  ","published_at":"2024-01-02T03:04:05Z"}"#).unwrap_err();
        assert!(e.message.starts_with("empty text"), "{}", e.message);
        let e = one(r#"{"id":"a","text":"x","published_at":"i går"}"#).unwrap_err();
        assert!(e.message.contains("\"i går\""), "{}", e.message);
        let e =
            one(r#"{"id":"a","text":"x","published_at":"2024-01-02T03:04:05Z","kind":"tweet"}"#)
                .unwrap_err();
        assert!(e.message.contains("tweet"), "{}", e.message);
        let long = format!(
            r#"{{"id":"{}","text":"x","published_at":"2024-01-02T03:04:05Z"}}"#,
            "i".repeat(600)
        );
        assert!(one(&long).unwrap_err().message.contains("512"));
        let e = one(r#"{"id":"a","text":"x","published_at":"2024-01-02T03:04:05Z","likes":-1}"#)
            .unwrap_err();
        assert!(e.message.contains("-1"), "{}", e.message);
    }
}
