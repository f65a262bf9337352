//! A workspace is one client company; it owns brands (its own and its competitors'), each
//! with the watch query that decides which items are about it.

use serde::{Deserialize, Serialize};

use crate::query::Query;

/// Short, stable, URL-safe name of a workspace (`nordlys`), unique in a store.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct WorkspaceId(pub String);

/// Short, stable, URL-safe name of a brand (`nordlys`, `fjordmat`), unique in its workspace.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct BrandId(pub String);

/// Whether `id` is a valid workspace or brand id: 1 to 64 of `a-z`, `0-9` and `-`.
pub fn is_slug(id: &str) -> bool {
    (1..=64).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

impl std::fmt::Display for WorkspaceId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::fmt::Display for BrandId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BrandRole {
    Own,
    Competitor,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Brand {
    pub id: BrandId,
    pub name: String,
    pub role: BrandRole,
    /// The watch query as the user wrote it; parsed with [`Query::parse`].
    pub query: String,
}

impl Brand {
    /// Parses the brand's watch query; the error points at the column.
    pub fn parsed_query(&self) -> Result<Query, crate::QueryError> {
        Query::parse(&self.query)
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Workspace {
    pub id: WorkspaceId,
    pub name: String,
    /// True for generated demo data: every view of it says so.
    pub synthetic: bool,
    pub brands: Vec<Brand>,
}

impl Workspace {
    pub fn own_brand(&self) -> Option<&Brand> {
        self.brands.iter().find(|b| b.role == BrandRole::Own)
    }
}
