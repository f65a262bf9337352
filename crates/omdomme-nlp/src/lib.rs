//! Enrichment: what Omdømme understands about each item.
//!
//! An [`Enricher`] fills in [`omdomme_core::Enrichment`] for a batch of items.
//! [`NlpEnricher`] reads each item once with the hand-written lexicons and cue lists
//! (`analysis`), then decides language, sentiment, CSR topics,
//! stakeholder group and inquiry with linear models over hashed word and character n-gram
//! features ([`models`]), trained by [`train`] on the public data sets and the team's
//! annotated posts ([`corpus`]) and measured by [`eval`].

mod analysis;
pub mod corpus;
mod cues;
mod enricher;
pub mod eval;
mod features;
mod lang;
mod lexicon;
pub mod linear;
pub mod models;
mod sentiment;
mod targets;
mod text;
pub mod train;

pub use analysis::EnrichError;
pub use enricher::NlpEnricher;

use omdomme_core::{Author, Engagement, Enrichment, Item, ItemKind, SourceKey, SourceKind};

/// Decides language, sentiment, topics, stakeholder, brands and inquiry for items.
/// Implementations are pure and deterministic: the same item gives the same enrichment.
pub trait Enricher: Send + Sync {
    /// Name and version written into each item's `enrichment.model` (`v1`).
    fn name(&self) -> &'static str;
    fn enrich(&self, items: &mut [Item]);
}

/// An item holding only a text, for enriching text that comes without one (`omdomme
/// enrich`, training and evaluation). Press sources make an article.
pub fn text_item(text: &str, source: SourceKind) -> Item {
    Item {
        source: SourceKey::new(source, "text"),
        external_id: String::new(),
        kind: if source.is_press() {
            ItemKind::Article
        } else {
            ItemKind::Post
        },
        author: Author::default(),
        title: None,
        text: text.to_owned(),
        url: None,
        thread_id: None,
        parent_id: None,
        engagement: Engagement::default(),
        published_at: jiff::Timestamp::UNIX_EPOCH,
        collected_at: jiff::Timestamp::UNIX_EPOCH,
        declared_lang: None,
        enrichment: Enrichment::default(),
        synthetic: false,
    }
}
