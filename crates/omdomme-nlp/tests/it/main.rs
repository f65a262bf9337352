//! Integration tests of the enricher through its public API only: invariants over arbitrary
//! text (`props`), bad input (`bad_input`), clear cases a retrained model must still get
//! right (`clear_cases`) and the environmental-claim scorer (`claims`).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod bad_input;
mod claims;
mod clear_cases;
mod props;

use std::sync::LazyLock;

use omdomme_core::{BrandId, Enrichment, Item, Lang, SentimentLabel, SourceKind, Workspace};
use omdomme_nlp::{Enricher, NlpEnricher, text_item, train::annotated_workspace};

/// The annotated set's fictional brands (Vinje Mat, Fjordbank, Hagen Forsikring, ...), so
/// brand matching, `addressed` and targeted sentiment take part.
static WORKSPACE: LazyLock<Workspace> = LazyLock::new(annotated_workspace);

static ENRICHER: LazyLock<NlpEnricher> =
    LazyLock::new(|| NlpEnricher::new(&WORKSPACE).expect("the shipped models load"));

fn enricher() -> &'static NlpEnricher {
    &ENRICHER
}

fn enrich_item(mut item: Item) -> Enrichment {
    enricher().enrich(std::slice::from_mut(&mut item));
    item.enrichment
}

fn enrich(text: &str, source: SourceKind) -> Enrichment {
    enrich_item(text_item(text, source))
}

/// A post on a social platform.
fn post(text: &str) -> Enrichment {
    enrich(text, SourceKind::Mastodon)
}

fn brand(id: &str) -> BrandId {
    BrandId(id.to_owned())
}

/// What must hold of any enrichment, whatever the text: `Err` names the first broken rule.
///
/// The label/score rules follow from how sentiment is defined (label = the best class,
/// score = P(positive) − P(negative) under a softmax of the class scores): a negative label
/// means P(neg) ≥ P(pos), so the score is ≤ 0; a positive one the reverse; a neutral one
/// means P(pos) and P(neg) are each at most ½, so |score| ≤ ½.
fn check_invariants(item: &Item, e: &Enrichment) -> Result<(), String> {
    if e.model != "v1" {
        return Err(format!("model {:?}, not v1", e.model));
    }
    check_sentiment("item", e.sentiment.label, e.sentiment.score)?;
    if e.topics.bits() & !0x7f != 0 || e.topics.iter().count() > 7 {
        return Err(format!("topics outside the seven: {:?}", e.topics));
    }

    // Brands: the workspace's, each once, in the workspace's order.
    let order: Vec<usize> = e
        .brands
        .iter()
        .map(|b| WORKSPACE.brands.iter().position(|w| &w.id == b))
        .collect::<Option<_>>()
        .ok_or_else(|| format!("a brand not in the workspace: {:?}", e.brands))?;
    if !order.windows(2).all(|w| w[0] < w[1]) {
        return Err(format!("brands repeated or out of order: {:?}", e.brands));
    }
    // Sentiment per brand: only when several are named, one per brand in `brands` order.
    if e.brands.len() < 2 {
        if !e.brand_sentiment.is_empty() {
            return Err(format!("brand sentiment with <2 brands: {e:?}"));
        }
    } else {
        let named: Vec<&BrandId> = e.brand_sentiment.iter().map(|b| &b.brand).collect();
        if named != e.brands.iter().collect::<Vec<_>>() {
            return Err(format!("brand sentiment not one per brand: {e:?}"));
        }
        for b in &e.brand_sentiment {
            check_sentiment(&b.brand.0, b.sentiment.label, b.sentiment.score)?;
        }
    }

    // No letter or digit anywhere: no language, and nothing to answer.
    let title = item.title.as_deref().unwrap_or("");
    if !item
        .text
        .chars()
        .chain(title.chars())
        .any(char::is_alphanumeric)
        && (e.lang != Lang::Other || e.inquiry)
    {
        return Err(format!("a language or an inquiry without a letter: {e:?}"));
    }

    // Press: an RSS item is the press speaking, and the press is not asking for an answer.
    if item.source.kind.is_press() {
        if e.stakeholder != Some(omdomme_core::Stakeholder::Press) {
            return Err(format!("press item not from the press: {e:?}"));
        }
        if e.inquiry {
            return Err(format!("press item taken as an inquiry: {e:?}"));
        }
    }
    Ok(())
}

fn check_sentiment(whose: &str, label: SentimentLabel, score: f32) -> Result<(), String> {
    const EPS: f32 = 1e-5;
    let ok = score.is_finite()
        && (-1.0..=1.0).contains(&score)
        && match label {
            SentimentLabel::Negative => score <= EPS,
            SentimentLabel::Positive => score >= -EPS,
            SentimentLabel::Neutral => score.abs() <= 0.5 + EPS,
        };
    if ok {
        Ok(())
    } else {
        Err(format!("{whose}: sentiment {label:?} with score {score}"))
    }
}
