//! The language models the tone and claim-model rules read: one enricher for the process,
//! built on first use (loading the models takes a moment; checking a post does not).

use std::sync::OnceLock;

use omdomme_core::{Lang, SentimentLabel, SourceKind, Workspace, WorkspaceId};
use omdomme_nlp::{Enricher as _, NlpEnricher};

/// What the models make of a post.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Reading {
    pub lang: Lang,
    pub sentiment: SentimentLabel,
    /// P(positive) - P(negative), in [-1, 1].
    pub score: f32,
}

fn enricher() -> Option<&'static NlpEnricher> {
    static ENRICHER: OnceLock<Option<NlpEnricher>> = OnceLock::new();
    ENRICHER
        .get_or_init(|| {
            // No brands: the rules read the post's own language and tone, not its
            // sentiment towards anyone.
            let workspace = Workspace {
                id: WorkspaceId("policy".into()),
                name: "policy".into(),
                synthetic: false,
                brands: Vec::new(),
            };
            NlpEnricher::new(&workspace).ok()
        })
        .as_ref()
}

/// The post's language and sentiment; `None` for a text without words or when the models
/// cannot be loaded.
pub(crate) fn read(text: &str) -> Option<Reading> {
    if !text.chars().any(char::is_alphanumeric) {
        return None;
    }
    let enricher = enricher()?;
    let mut items = [omdomme_nlp::text_item(text, SourceKind::Mastodon)];
    enricher.enrich(&mut items);
    let enrichment = &items[0].enrichment;
    Some(Reading {
        lang: enrichment.lang,
        sentiment: enrichment.sentiment.label,
        score: enrichment.sentiment.score,
    })
}

/// Whether the English claim model reads `text` as an environmental claim.
pub(crate) fn makes_environmental_claim(text: &str) -> bool {
    enricher().is_some_and(|e| e.environmental_claim(text) > 0.0)
}

/// Whether the models could be loaded (a rule that needs them says so when not).
pub(crate) fn available() -> bool {
    enricher().is_some()
}
