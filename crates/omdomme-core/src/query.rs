//! Boolean watch and search queries as users of Brandwatch or Meltwater write them:
//! `("Nordlys Energi" OR #nordlys OR @nordlysenergi) AND (klima OR utslipp) NOT jobb* lang:nb`.
//!
//! One language serves both watch queries (deciding which brand an item is about) and
//! full-text search (translated to the index's own query by the store).

use serde::{Deserialize, Serialize};

/// A parsed query. Words and phrases are kept lower-cased as written; matching and indexing
/// fold case and diacritics the same way on both sides.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Query {
    /// Every sub-query must match.
    And(Vec<Query>),
    /// At least one sub-query must match.
    Or(Vec<Query>),
    /// The sub-query must not match (`NOT x`, `-x`).
    Not(Box<Query>),
    /// A single word; `prefix` when written with a trailing `*` (`bærekraft*`).
    Word { word: String, prefix: bool },
    /// Words that must appear next to each other in this order (`"grønn omstilling"`).
    Phrase(Vec<String>),
    /// `#hashtag`, stored without the `#`.
    Hashtag(String),
    /// `@account`, stored without the `@`.
    Mention(String),
    /// A field filter: `lang:nb`, `author:ola`, `source:x`.
    Field { field: QueryField, value: String },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum QueryField {
    Lang,
    Author,
    Source,
}

/// A query that could not be parsed, with the 1-based column (in characters) where the
/// problem is, so an editor can point at it.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
#[error("column {column}: {message}")]
pub struct QueryError {
    pub column: usize,
    pub message: String,
}

impl Query {
    /// Parses a query; the error names the problem and the column where it is.
    pub fn parse(input: &str) -> Result<Query, QueryError> {
        // Placeholder until the parser lands (being written now).
        Err(QueryError {
            column: 1,
            message: format!("cannot parse {input:?} yet"),
        })
    }
}
