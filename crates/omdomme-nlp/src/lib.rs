//! Enrichment: what Omdømme understands about each item.
//!
//! An [`Enricher`] fills in [`omdomme_core::Enrichment`] for a batch of items. The v0
//! enricher is built from lexicons, keyword lists and the workspace's watch queries.

mod cues;
mod lang;
mod lexicon;
mod sentiment;
mod text;
mod v0;

pub use v0::{EnrichError, V0Enricher};

use omdomme_core::Item;

/// Decides language, sentiment, topics, stakeholder, brands and inquiry for items.
/// Implementations are pure and deterministic: the same item gives the same enrichment.
pub trait Enricher: Send + Sync {
    /// Name and version written into each item's `enrichment.model` (`v0`).
    fn name(&self) -> &'static str;
    fn enrich(&self, items: &mut [Item]);
}
