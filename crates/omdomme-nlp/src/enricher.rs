//! The enricher: one analysis pass per item, then the learned models.
//!
//! Order per item: the lists' pass ([`crate::analysis`]); language from words and character
//! n-grams plus the lists' evidence; sentiment by the Norwegian or the English model; the
//! workspace's brands by their watch queries; then topics, stakeholder and inquiry from one
//! shared feature vector; and, for an item naming several brands, the sentiment towards
//! each from the clause around its mention.

use std::cell::RefCell;
use std::sync::Arc;

use omdomme_core::{
    BrandSentiment, Item, Lang, Sentiment, SentimentLabel, Stakeholder, Topic, TopicSet, Workspace,
};

use crate::Enricher;
use crate::analysis::{Analyzer, EnrichError, Scratch as AnalysisScratch, Signals};
use crate::features::{Extractor, WordCache, stemmer_for};
use crate::linear::{LinearModel, Rows};
use crate::models::{Context, LANGUAGE_CLASSES, Models, Task, TaskFeaturizer};
use crate::targets::brand_segments;

/// The enricher of this crate, for one workspace.
pub struct NlpEnricher {
    analyzer: Analyzer,
    models: Arc<Models>,
}

impl std::fmt::Debug for NlpEnricher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NlpEnricher")
            .field(
                "brands",
                &self
                    .analyzer
                    .brands
                    .iter()
                    .map(|b| &b.id)
                    .collect::<Vec<_>>(),
            )
            .finish()
    }
}

thread_local! {
    /// Each thread's buffers and word cache, kept from batch to batch for the models they
    /// were filled with: a pipeline's vocabulary settles within minutes, and then nearly
    /// every word is a cache hit.
    static SCRATCH: RefCell<Option<(u64, Scratch)>> = const { RefCell::new(None) };
}

/// Buffers reused from item to item.
#[derive(Default)]
pub(crate) struct Scratch {
    pub analysis: AnalysisScratch,
    extractor: Extractor,
    scores: Vec<f32>,
    signals: Vec<(u32, f32)>,
    cache: WordCache,
}

/// Word-cache groups (below [`crate::features::CACHE_GROUPS`]): the language model, and
/// the text models per stemmer and sentiment model (both follow the language).
const LANGUAGE_GROUP: usize = 0;

fn text_group(lang: Lang) -> usize {
    match lang {
        Lang::Nb | Lang::Nn | Lang::Da => 1,
        Lang::Sv => 2,
        Lang::En => 3,
        Lang::Other => 4,
    }
}

/// What the models decided about an item's text.
#[derive(Clone, Debug, PartialEq)]
struct Decision {
    sentiment: Sentiment,
    topics: TopicSet,
    stakeholder: Option<Stakeholder>,
    inquiry: bool,
}

impl NlpEnricher {
    /// The enricher with the models built into this binary.
    pub fn new(workspace: &Workspace) -> Result<NlpEnricher, EnrichError> {
        let models = Models::shipped().map_err(EnrichError::Model)?;
        NlpEnricher::with_models(workspace, models)
    }

    /// The enricher with other models (`omdomme eval --models`, tests of training).
    pub fn with_models(
        workspace: &Workspace,
        models: Arc<Models>,
    ) -> Result<NlpEnricher, EnrichError> {
        Ok(NlpEnricher {
            analyzer: Analyzer::new(workspace)?,
            models,
        })
    }

    pub fn models(&self) -> &Models {
        &self.models
    }

    /// The analysis of `item` into `s`, looking each word up in the word cache, whose
    /// entries the scoring walks then read.
    fn analyse_cached(&self, item: &Item, s: &mut Scratch) -> Signals {
        let cache = &mut s.cache;
        self.analyzer.analyse_with(item, &mut s.analysis, |a, out| {
            cache.look_up(a, out, |w| self.analyzer.word_facts(w));
        })
    }

    fn enrich_one(&self, item: &mut Item, s: &mut Scratch) {
        let signals = self.analyse_cached(item, s);
        let lang = self.language(&signals, s);
        let brands = self.analyzer.matching_brands(item, lang, &mut s.analysis);
        let addressed =
            !brands.is_empty() || self.analyzer.mentions_brand_account(&s.analysis.text);
        let decision = self.decide(&signals, lang, addressed, s);

        let mut brand_sentiment = Vec::new();
        if brands.len() > 1 {
            let segments = brand_segments(&self.analyzer, &brands, &s.analysis.text);
            for (brand, segment) in brands.iter().zip(segments) {
                // A clause with no polarity of its own ("Bytta fra A til B") takes the
                // item's: what is said of one brand there is usually said of the other.
                let sentiment = match segment {
                    Some(text) => {
                        let own = self.sentiment_of(&text, item, lang, s);
                        if own.label == SentimentLabel::Neutral {
                            decision.sentiment
                        } else {
                            own
                        }
                    }
                    None => decision.sentiment,
                };
                brand_sentiment.push(BrandSentiment {
                    brand: brand.clone(),
                    sentiment,
                });
            }
        }

        let e = &mut item.enrichment;
        e.lang = lang;
        e.sentiment = decision.sentiment;
        e.topics = decision.topics;
        e.stakeholder = decision.stakeholder;
        e.brands = brands;
        e.brand_sentiment = brand_sentiment;
        e.inquiry = decision.inquiry;
        e.model.clear();
        e.model.push_str(self.name());
    }

    fn language(&self, signals: &Signals, s: &mut Scratch) -> Lang {
        let lid = &self.models.language;
        s.extractor.score_cached(
            &mut s.cache,
            LANGUAGE_GROUP,
            lid,
            &lid.header.spec,
            &s.analysis.text,
            None,
            &mut s.scores,
        );
        s.signals.clear();
        Task::Language.signals(signals, &Context::default(), &mut s.signals);
        for &(h, v) in &s.signals {
            lid.add_row(h, v, &mut s.scores);
        }
        // No words: an emoji, a link or a number says nothing about language.
        if signals.words == 0 {
            return Lang::Other;
        }
        LANGUAGE_CLASSES
            .get(LinearModel::best(&s.scores))
            .copied()
            .unwrap_or(Lang::Other)
    }

    /// Sentiment, topics, stakeholder and inquiry of the analysed text in `s`: the four
    /// models read the same text features, so one cached pass scores them all.
    fn decide(&self, signals: &Signals, lang: Lang, addressed: bool, s: &mut Scratch) -> Decision {
        let m = &*self.models;
        let ctx = Context { lang, addressed };
        let sentiment_model = m.get(sentiment_task(lang));
        s.extractor.score_cached(
            &mut s.cache,
            text_group(lang),
            m.text_table(sentiment_task(lang)),
            &m.topics.header.spec,
            &s.analysis.text,
            stemmer_for(lang),
            &mut s.scores,
        );
        let (sentiment_scores, rest) = s.scores.split_at_mut(3);
        let (topic_scores, rest) = rest.split_at_mut(Topic::ALL.len());
        let (stake_scores, inquiry_score) = rest.split_at_mut(Stakeholder::ALL.len() + 1);

        s.signals.clear();
        sentiment_task(lang).signals(signals, &ctx, &mut s.signals);
        for &(h, v) in &s.signals {
            sentiment_model.add_row(h, v, sentiment_scores);
        }
        // The three dialog tasks read the same signals.
        s.signals.clear();
        Task::Topics.signals(signals, &ctx, &mut s.signals);
        for &(h, v) in &s.signals {
            m.topics.add_row(h, v, topic_scores);
            m.stakeholder.add_row(h, v, stake_scores);
            m.inquiry.add_row(h, v, inquiry_score);
        }

        let sentiment = sentiment_from_scores(sentiment_scores);
        // Without a word (an emoji, a link, a handle) there is no topic and no writer to
        // place; the models' biases alone would invent them.
        let wordless = signals.words == 0;
        let topics: TopicSet = Topic::ALL
            .iter()
            .zip(topic_scores.iter())
            .filter(|(_, score)| **score > 0.0 && !wordless)
            .map(|(t, _)| *t)
            .collect();
        let stakeholder = if signals.press {
            Some(Stakeholder::Press)
        } else if wordless {
            None
        } else {
            match LinearModel::best(stake_scores) {
                0 => None,
                i => Stakeholder::ALL.get(i - 1).copied(),
            }
        };
        let inquiry = !signals.press
            && !signals.retweet
            && signals.words > 0
            && inquiry_score.first().is_some_and(|v| *v > 0.0);
        Decision {
            sentiment,
            topics,
            stakeholder,
            inquiry,
        }
    }

    /// Sentiment of a piece of an item's text (the clause around a brand's mention).
    fn sentiment_of(&self, text: &str, item: &Item, lang: Lang, s: &mut Scratch) -> Sentiment {
        let mut segment = crate::text_item(text, item.source.kind);
        segment.kind = item.kind;
        let signals = self.analyse_cached(&segment, s);
        self.decide(&signals, lang, false, s).sentiment
    }

    /// Sentiment of an item's text by the model for `lang`, whatever language the text is
    /// detected as (for sets whose language is known, such as English tweets).
    pub fn sentiment_in(&self, item: &Item, lang: Lang) -> Sentiment {
        sentiment_from_scores(&self.reference_scores(sentiment_task(lang), item, lang))
    }

    /// How strongly an English sentence makes an environmental claim (one that needs a
    /// proof point): above 0 it does.
    pub fn environmental_claim(&self, text: &str) -> f32 {
        let item = crate::text_item(text, omdomme_core::SourceKind::Rss);
        let scores = self.reference_scores(Task::Claim, &item, Lang::En);
        scores.first().copied().unwrap_or(f32::MIN)
    }

    /// One task's scores of an item by the uncached path training uses: for the tasks
    /// outside the per-item hot path.
    fn reference_scores(&self, task: Task, item: &Item, lang: Lang) -> Vec<f32> {
        let mut featurizer = TaskFeaturizer::default();
        let features = featurizer.features(&self.analyzer, task, item, lang);
        let mut scores = Vec::new();
        self.models.get(task).scores(features, &mut scores);
        scores
    }
}

/// The sentiment model for a language: Norwegian for the Scandinavian languages, English
/// for the rest.
pub(crate) fn sentiment_task(lang: Lang) -> Task {
    match lang {
        Lang::Nb | Lang::Nn | Lang::Da | Lang::Sv => Task::SentimentNo,
        Lang::En | Lang::Other => Task::SentimentEn,
    }
}

/// The label is the best class; the score is P(positive) − P(negative) under a softmax of
/// the class scores, in [-1, 1].
pub(crate) fn sentiment_from_scores(scores: &[f32]) -> Sentiment {
    let label = SentimentLabel::ALL
        .get(LinearModel::best(scores))
        .copied()
        .unwrap_or_default();
    let max = scores.iter().copied().fold(f32::MIN, f32::max);
    let exp: Vec<f32> = scores.iter().map(|v| ((v - max) * 2.0).exp()).collect();
    let total: f32 = exp.iter().sum();
    let (neg, pos) = (exp.first(), exp.get(2));
    let score = match (neg, pos) {
        (Some(n), Some(p)) if total > 0.0 => ((p - n) / total).clamp(-1.0, 1.0),
        _ => 0.0,
    };
    Sentiment { label, score }
}

impl Enricher for NlpEnricher {
    fn name(&self) -> &'static str {
        "v1"
    }

    fn enrich(&self, items: &mut [Item]) {
        SCRATCH.with(|cell| match cell.try_borrow_mut() {
            Ok(mut slot) => {
                let id = self.models.id;
                if !matches!(&*slot, Some((held, _)) if *held == id) {
                    *slot = Some((id, Scratch::default()));
                }
                if let Some((_, scratch)) = slot.as_mut() {
                    for item in items {
                        self.enrich_one(item, scratch);
                    }
                }
            }
            // Only if enrich were re-entered on this thread: fresh buffers then.
            Err(_) => {
                let mut scratch = Scratch::default();
                for item in items {
                    self.enrich_one(item, &mut scratch);
                }
            }
        });
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use crate::train::annotated_workspace;

    /// The cached scoring of the hot path equals the reference path training uses.
    #[test]
    fn cached_scores_equal_reference_scores() {
        let enricher = NlpEnricher::new(&annotated_workspace()).unwrap();
        let m = enricher.models();
        let texts = [
            "Jeg er ikke fornøyd med @vinjemat, leveringen var sen igjen!",
            "Eg likar ikkje korleis Kystlaks handterer lakselusa. #havbruk",
            "Great service from Polarfly today 😍 but the app keeps crashing?",
            "Bytta fra Fjordbank til Hagen, endelig folk som svarer",
            "",
            "🙂🙂",
            "https://example.com",
        ];
        let mut s = Scratch::default();
        for text in texts {
            for lang in [Lang::Nb, Lang::En] {
                let item = crate::text_item(text, omdomme_core::SourceKind::Mastodon);
                let signals = enricher.analyse_cached(&item, &mut s);
                assert_eq!(
                    signals.lang_evidence,
                    enricher
                        .analyzer
                        .analyse(&item, &mut s.analysis)
                        .lang_evidence
                );
                let addressed = enricher
                    .analyzer
                    .addresses_a_brand(&item, lang, &mut s.analysis);
                let _ = enricher.decide(&signals, lang, addressed, &mut s);
                let cached = s.scores.clone();
                let mut reference = Vec::new();
                let mut featurizer = TaskFeaturizer::default();
                for task in [
                    sentiment_task(lang),
                    Task::Topics,
                    Task::Stakeholder,
                    Task::Inquiry,
                ] {
                    let features = featurizer.features(&enricher.analyzer, task, &item, lang);
                    let mut part = Vec::new();
                    m.get(task).scores(features, &mut part);
                    reference.extend(part);
                }
                assert_eq!(cached.len(), reference.len());
                for (c, r) in cached.iter().zip(&reference) {
                    assert!(
                        (c - r).abs() < 1e-4,
                        "{text:?} {lang:?}: {cached:?} != {reference:?}"
                    );
                }
            }
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod batch_tests {
    use super::*;
    use crate::train::annotated_workspace;

    #[test]
    fn a_batch_enriches_as_items_one_by_one() {
        let enricher = NlpEnricher::new(&annotated_workspace()).unwrap();
        let mut batch = Vec::new();
        for lang in crate::corpus::ANNOTATED_LANGS {
            for a in crate::corpus::annotated(lang, crate::corpus::OwnSplit::Test).unwrap() {
                batch.push(crate::text_item(
                    &a.text,
                    omdomme_core::SourceKind::Mastodon,
                ));
            }
        }
        let mut single = batch.clone();
        enricher.enrich(&mut batch);
        let mut differ = 0;
        for item in &mut single {
            enricher.enrich(std::slice::from_mut(item));
        }
        for (a, b) in batch.iter().zip(&single) {
            if a.enrichment != b.enrichment {
                differ += 1;
                eprintln!("{:?}\n{:?}\n{:?}", a.text, a.enrichment, b.enrichment);
            }
        }
        assert_eq!(differ, 0);
    }
}
