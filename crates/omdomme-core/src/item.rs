//! An item is one thing somebody published: a post, comment, reply, article or review.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::enrichment::Enrichment;

/// Store-assigned id of an item, stable for the item's life.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ItemId(pub i64);

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SourceKind {
    Rss,
    Mastodon,
    Bluesky,
    X,
    Facebook,
    File,
    Webhook,
}

impl SourceKind {
    pub const ALL: [SourceKind; 7] = [
        SourceKind::Rss,
        SourceKind::Mastodon,
        SourceKind::Bluesky,
        SourceKind::X,
        SourceKind::Facebook,
        SourceKind::File,
        SourceKind::Webhook,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            SourceKind::Rss => "rss",
            SourceKind::Mastodon => "mastodon",
            SourceKind::Bluesky => "bluesky",
            SourceKind::X => "x",
            SourceKind::Facebook => "facebook",
            SourceKind::File => "file",
            SourceKind::Webhook => "webhook",
        }
    }

    pub fn parse(s: &str) -> Option<SourceKind> {
        SourceKind::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// Press sources (feeds of newspapers, wires, blogs) as opposed to social platforms.
    pub fn is_press(self) -> bool {
        self == SourceKind::Rss
    }
}

/// Which source an item came from: the platform and the name of the feed, account, instance
/// or file within it (`rss` + `nrk.no`, `mastodon` + `mastodon.social`).
/// Together with the item's external id it identifies an item: the same pair twice is
/// stored once.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct SourceKey {
    pub kind: SourceKind,
    pub name: String,
}

impl SourceKey {
    pub fn new(kind: SourceKind, name: impl Into<String>) -> Self {
        SourceKey {
            kind,
            name: name.into(),
        }
    }
}

impl std::fmt::Display for SourceKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}", self.kind.as_str(), self.name)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ItemKind {
    Post,
    Comment,
    Reply,
    Article,
    Review,
}

impl ItemKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ItemKind::Post => "post",
            ItemKind::Comment => "comment",
            ItemKind::Reply => "reply",
            ItemKind::Article => "article",
            ItemKind::Review => "review",
        }
    }

    pub fn parse(s: &str) -> Option<ItemKind> {
        [
            ItemKind::Post,
            ItemKind::Comment,
            ItemKind::Reply,
            ItemKind::Article,
            ItemKind::Review,
        ]
        .into_iter()
        .find(|k| k.as_str() == s)
    }
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Author {
    /// Platform handle without the leading `@` (`nrk`, `ola.nordmann.bsky.social`).
    pub handle: String,
    pub name: Option<String>,
    pub followers: Option<u64>,
    pub verified: bool,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Engagement {
    pub likes: u64,
    pub shares: u64,
    pub replies: u64,
    pub views: Option<u64>,
}

impl Engagement {
    pub fn total(&self) -> u64 {
        self.likes + self.shares + self.replies
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Item {
    pub source: SourceKey,
    /// The platform's own id of the item (status id, tweet id, at-uri, feed guid).
    pub external_id: String,
    pub kind: ItemKind,
    pub author: Author,
    /// Headline of an article; posts have none.
    pub title: Option<String>,
    pub text: String,
    pub url: Option<String>,
    /// External id of the conversation's root item, when the platform says.
    pub thread_id: Option<String>,
    /// External id of the item this one answers or comments on.
    pub parent_id: Option<String>,
    pub engagement: Engagement,
    pub published_at: Timestamp,
    pub collected_at: Timestamp,
    /// The language the platform declared (BCP 47 as given), a hint for language detection.
    pub declared_lang: Option<String>,
    pub enrichment: Enrichment,
    /// True for generated demo data.
    pub synthetic: bool,
}

impl Item {
    /// Title and text as one string, for analysis and indexing.
    pub fn full_text(&self) -> String {
        match &self.title {
            Some(t) if !t.is_empty() => format!("{t}\n{}", self.text),
            _ => self.text.clone(),
        }
    }
}

/// An item as stored, with its store-assigned id.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StoredItem {
    pub id: ItemId,
    #[serde(flatten)]
    pub item: Item,
}
