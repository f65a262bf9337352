//! `omdomme eval`: each task measured on data its models never trained on, with the
//! metric the literature uses and the published figure beside ours.
//!
//! Every text goes through [`NlpEnricher`] as an item would, so language identification
//! picks the sentiment model just as in production.

use std::path::Path;
use std::sync::Arc;

use omdomme_core::{BrandId, Item, Lang, SourceKind};
use serde::Serialize;

use crate::corpus::{self, Labelled, OwnSplit, Split};
use crate::models::{Models, Task};
use crate::train::{
    Featurizer, TrainError, annotated_brand_id, annotated_workspace, fit, no_brands, sentiment_data,
};
use crate::{Enricher, NlpEnricher, text_item};

/// One measured figure.
#[derive(Clone, Debug, Serialize)]
pub struct EvalRow {
    pub task: String,
    pub dataset: String,
    pub split: String,
    pub metric: String,
    /// Items measured.
    pub n: usize,
    /// Our figure, in percent.
    pub ours: f64,
    /// The published or baseline figure to compare with, and its source.
    pub reference: String,
}

#[derive(Clone, Debug, Default, Serialize)]
pub struct EvalReport {
    pub rows: Vec<EvalRow>,
}

impl EvalReport {
    /// The figure of a row, by task, dataset and metric.
    pub fn figure(&self, task: &str, dataset: &str, metric: &str) -> Option<f64> {
        self.rows
            .iter()
            .find(|r| r.task == task && r.dataset == dataset && r.metric == metric)
            .map(|r| r.ours)
    }

    fn push(
        &mut self,
        (task, dataset, split): (&str, &str, &str),
        metric: &str,
        n: usize,
        ours: f64,
        reference: &str,
    ) {
        self.rows.push(EvalRow {
            task: task.to_owned(),
            dataset: dataset.to_owned(),
            split: split.to_owned(),
            metric: metric.to_owned(),
            n,
            ours: (ours * 1000.0).round() / 10.0,
            reference: reference.to_owned(),
        });
    }
}

/// Macro-averaged F1 over `k` classes (a class never seen nor predicted counts 0 and is
/// left out of the average).
pub fn macro_f1(gold: &[usize], pred: &[usize], k: usize) -> f64 {
    let mut sum = 0.0;
    let mut classes = 0;
    for c in 0..k {
        let g: Vec<bool> = gold.iter().map(|x| *x == c).collect();
        let p: Vec<bool> = pred.iter().map(|x| *x == c).collect();
        if g.iter().any(|x| *x) || p.iter().any(|x| *x) {
            sum += f1_of(&g, &p);
            classes += 1;
        }
    }
    if classes == 0 {
        0.0
    } else {
        sum / classes as f64
    }
}

/// Macro-averaged recall over the classes present in `gold`.
pub fn macro_recall(gold: &[usize], pred: &[usize], k: usize) -> f64 {
    let mut sum = 0.0;
    let mut classes = 0;
    for c in 0..k {
        let total = gold.iter().filter(|g| **g == c).count();
        if total > 0 {
            let hit = gold
                .iter()
                .zip(pred)
                .filter(|(g, p)| **g == c && **p == c)
                .count();
            sum += hit as f64 / total as f64;
            classes += 1;
        }
    }
    if classes == 0 {
        0.0
    } else {
        sum / classes as f64
    }
}

/// F1 of the positive class.
pub fn f1_of(gold: &[bool], pred: &[bool]) -> f64 {
    let (mut tp, mut fp, mut fn_) = (0usize, 0usize, 0usize);
    for (g, p) in gold.iter().zip(pred) {
        match (g, p) {
            (true, true) => tp += 1,
            (false, true) => fp += 1,
            (true, false) => fn_ += 1,
            (false, false) => {}
        }
    }
    if tp == 0 {
        0.0
    } else {
        2.0 * tp as f64 / (2 * tp + fp + fn_) as f64
    }
}

pub fn accuracy<T: PartialEq>(gold: &[T], pred: &[T]) -> f64 {
    if gold.is_empty() {
        return 0.0;
    }
    gold.iter().zip(pred).filter(|(g, p)| g == p).count() as f64 / gold.len() as f64
}

const SENTIMENTS: [&str; 3] = ["negative", "neutral", "positive"];

fn sentiment_index(label: &str) -> usize {
    SENTIMENTS.iter().position(|s| *s == label).unwrap_or(1)
}

/// Enriches texts as items from `source` and returns the items.
fn enrich_texts(enricher: &NlpEnricher, texts: &[(&str, SourceKind)]) -> Vec<Item> {
    let mut items: Vec<Item> = texts.iter().map(|(t, s)| text_item(t, *s)).collect();
    enricher.enrich(&mut items);
    items
}

/// Measures `models` on every data set. `data` is the shared data folder.
pub fn evaluate(
    models: Arc<Models>,
    data: &Path,
    progress: &mut dyn FnMut(&str),
) -> Result<EvalReport, TrainError> {
    let mut report = EvalReport::default();
    let plain = NlpEnricher::with_models(&no_brands(), models.clone())?;
    let social = SourceKind::Mastodon;

    progress("NoReC_sentence");
    let norec = corpus::norec(data, Split::Dev)?;
    let (gold, pred) = sentiment_pairs(&plain, &norec, social);
    report.push(
        ("sentiment", "NoReC_sentence 3-class", "dev"),
        "macro-F1",
        gold.len(),
        macro_f1(&gold, &pred, 3),
        "NorBERT3-xs 66.2, mBERT 62.7 (test, NorBench leaderboard); TF-IDF word+char LR ≈57 (dev)",
    );

    progress("TweetEval (10-fold cross-validation)");
    let tweets = corpus::tweeteval_val(data)?;
    let (gold, pred) = tweeteval_cross_validated(&models, data, &tweets, 10)?;
    report.push(
        ("sentiment", "TweetEval sentiment", "val, 10-fold CV"),
        "macro-recall",
        gold.len(),
        macro_recall(&gold, &pred, 3),
        "VADER 59.8 (val); SVM 62.9, FastText 62.9 (test, Barbieri et al. 2020)",
    );

    progress("environmental claims");
    let claims = corpus::env_claims(data, Split::Dev)?;
    report.push(
        ("environmental claim", "environmental_claims", "dev"),
        "F1 (claim)",
        claims.len(),
        claim_f1(&plain, &claims),
        "TF-IDF + LR ≈75 (dev); Stammbach et al. 2023, Table 2",
    );

    progress("language");
    for (dataset, texts) in [
        (
            "NorBench nb/nn parallel",
            corpus::nb_nn_parallel(data, Split::Dev)?,
        ),
        (
            "NorDial (bokmål, nynorsk)",
            corpus::nordial(data, Split::Dev)?,
        ),
    ] {
        language_rows(&mut report, &plain, dataset, "dev", &texts);
    }
    let mut own: Vec<Labelled> = corpus::lid_posts(OwnSplit::Test)?;
    for lang in corpus::ANNOTATED_LANGS {
        own.extend(
            corpus::annotated(lang, OwnSplit::Test)?
                .into_iter()
                .map(|a| Labelled {
                    text: a.text,
                    label: lang.to_owned(),
                }),
        );
    }
    language_rows(
        &mut report,
        &plain,
        "own posts (nb, nn, en, da, sv, other)",
        "test",
        &own,
    );

    progress("annotated posts");
    annotated_rows(&mut report, models)?;
    Ok(report)
}

fn sentiment_pairs(
    enricher: &NlpEnricher,
    texts: &[Labelled],
    source: SourceKind,
) -> (Vec<usize>, Vec<usize>) {
    let inputs: Vec<(&str, SourceKind)> = texts.iter().map(|l| (l.text.as_str(), source)).collect();
    let items = enrich_texts(enricher, &inputs);
    let gold = texts.iter().map(|l| sentiment_index(&l.label)).collect();
    let pred = items
        .iter()
        .map(|i| sentiment_index(i.enrichment.sentiment.label.as_str()))
        .collect();
    (gold, pred)
}

/// TweetEval's validation tweets are the only English tweets we have: each fold is scored
/// by an English model trained on the other folds (and the annotated English posts).
fn tweeteval_cross_validated(
    models: &Models,
    data: &Path,
    tweets: &[Labelled],
    folds: usize,
) -> Result<(Vec<usize>, Vec<usize>), TrainError> {
    let mut featurizer = Featurizer::new(&no_brands())?;
    let mut gold = Vec::new();
    let mut pred = Vec::new();
    for fold in 0..folds {
        let train: Vec<Labelled> = tweets
            .iter()
            .enumerate()
            .filter(|(i, _)| i % folds != fold)
            .map(|(_, t)| t.clone())
            .collect();
        let test: Vec<Labelled> = tweets
            .iter()
            .enumerate()
            .filter(|(i, _)| i % folds == fold)
            .map(|(_, t)| t.clone())
            .collect();
        let task_data = sentiment_data(Task::SentimentEn, &mut featurizer, data, &train)?;
        let fold_models = models.with_sentiment_en(fit(Task::SentimentEn, &task_data, "fold"));
        let enricher = NlpEnricher::with_models(&no_brands(), Arc::new(fold_models))?;
        // Tweets are English: score them with the English model whatever the language
        // model says, as TweetEval measures sentiment, not language identification.
        let (g, p) = sentiment_pairs_as(&enricher, &test, Lang::En);
        gold.extend(g);
        pred.extend(p);
    }
    Ok((gold, pred))
}

fn sentiment_pairs_as(
    enricher: &NlpEnricher,
    texts: &[Labelled],
    lang: Lang,
) -> (Vec<usize>, Vec<usize>) {
    let gold = texts.iter().map(|l| sentiment_index(&l.label)).collect();
    let pred = texts
        .iter()
        .map(|l| {
            let item = text_item(&l.text, SourceKind::Mastodon);
            sentiment_index(enricher.sentiment_in(&item, lang).label.as_str())
        })
        .collect();
    (gold, pred)
}

fn claim_f1(enricher: &NlpEnricher, claims: &[Labelled]) -> f64 {
    let gold: Vec<bool> = claims.iter().map(|l| l.label == "claim").collect();
    let pred: Vec<bool> = claims
        .iter()
        .map(|l| enricher.environmental_claim(&l.text) > 0.0)
        .collect();
    f1_of(&gold, &pred)
}

fn language_rows(
    report: &mut EvalReport,
    enricher: &NlpEnricher,
    dataset: &str,
    split: &str,
    texts: &[Labelled],
) {
    let inputs: Vec<(&str, SourceKind)> = texts
        .iter()
        .map(|l| (l.text.as_str(), SourceKind::Mastodon))
        .collect();
    let items = enrich_texts(enricher, &inputs);
    let gold: Vec<&str> = texts.iter().map(|l| l.label.as_str()).collect();
    let pred: Vec<&str> = items.iter().map(|i| i.enrichment.lang.as_str()).collect();
    report.push(
        ("language", dataset, split),
        "accuracy",
        gold.len(),
        accuracy(&gold, &pred),
        "no published language-ID figure for this set",
    );
    for lang in Lang::ALL {
        let idx: Vec<usize> = (0..gold.len())
            .filter(|i| gold[*i] == lang.as_str())
            .collect();
        if idx.is_empty() {
            continue;
        }
        let g: Vec<&str> = idx.iter().map(|i| gold[*i]).collect();
        let p: Vec<&str> = idx.iter().map(|i| pred[*i]).collect();
        report.push(
            ("language", dataset, split),
            &format!("accuracy {}", lang.as_str()),
            g.len(),
            accuracy(&g, &p),
            "",
        );
    }
}

fn annotated_rows(report: &mut EvalReport, models: Arc<Models>) -> Result<(), TrainError> {
    let workspace = annotated_workspace();
    let enricher = NlpEnricher::with_models(&workspace, models)?;
    let mut all = Vec::new();
    for lang in corpus::ANNOTATED_LANGS {
        let items = corpus::annotated(lang, OwnSplit::Test)?;
        let inputs: Vec<(&str, SourceKind)> = items
            .iter()
            .map(|a| {
                let source = if a.source == "press" {
                    SourceKind::Rss
                } else {
                    SourceKind::Mastodon
                };
                (a.text.as_str(), source)
            })
            .collect();
        let enriched = enrich_texts(&enricher, &inputs);
        let gold: Vec<usize> = items
            .iter()
            .map(|a| sentiment_index(&a.sentiment))
            .collect();
        let pred: Vec<usize> = enriched
            .iter()
            .map(|i| sentiment_index(i.enrichment.sentiment.label.as_str()))
            .collect();
        report.push(
            ("sentiment", &format!("annotated posts {lang}"), "test"),
            "macro-F1",
            gold.len(),
            macro_f1(&gold, &pred, 3),
            "",
        );
        all.extend(items.into_iter().zip(enriched));
    }
    let ds = ("", "annotated posts (nb, nn, en)", "test");

    let topic_names: Vec<String> = Task::Topics.classes();
    let mut per_topic = Vec::new();
    let (mut gold_all, mut pred_all) = (Vec::new(), Vec::new());
    for name in &topic_names {
        let g: Vec<bool> = all.iter().map(|(a, _)| a.topics.contains(name)).collect();
        let p: Vec<bool> = all
            .iter()
            .map(|(_, i)| i.enrichment.topics.iter().any(|t| t.as_str() == name))
            .collect();
        per_topic.push(f1_of(&g, &p));
        gold_all.extend(g);
        pred_all.extend(p);
    }
    let n = all.len();
    report.push(
        ("topics", ds.1, ds.2),
        "micro-F1",
        n,
        f1_of(&gold_all, &pred_all),
        "",
    );
    report.push(
        ("topics", ds.1, ds.2),
        "macro-F1",
        n,
        per_topic.iter().sum::<f64>() / per_topic.len().max(1) as f64,
        "",
    );

    let stake_names = Task::Stakeholder.classes();
    let stake_index = |s: Option<&str>| {
        stake_names
            .iter()
            .position(|c| c == s.unwrap_or("none"))
            .unwrap_or(0)
    };
    let g: Vec<usize> = all
        .iter()
        .map(|(a, _)| stake_index(a.stakeholder.as_deref()))
        .collect();
    let p: Vec<usize> = all
        .iter()
        .map(|(_, i)| stake_index(i.enrichment.stakeholder.map(|s| s.as_str())))
        .collect();
    report.push(
        ("stakeholder", ds.1, ds.2),
        "macro-F1",
        n,
        macro_f1(&g, &p, stake_names.len()),
        "",
    );
    report.push(
        ("stakeholder", ds.1, ds.2),
        "accuracy",
        n,
        accuracy(&g, &p),
        "",
    );

    let g: Vec<bool> = all.iter().map(|(a, _)| a.inquiry).collect();
    let p: Vec<bool> = all.iter().map(|(_, i)| i.enrichment.inquiry).collect();
    report.push(
        ("inquiry", ds.1, ds.2),
        "F1 (inquiry)",
        n,
        f1_of(&g, &p),
        "",
    );

    // Targeted sentiment: every brand mention of items naming two or more brands.
    let (mut gold, mut pred, mut item_level) = (Vec::new(), Vec::new(), Vec::new());
    for (a, item) in all.iter().filter(|(a, _)| a.brands.len() > 1) {
        for b in &a.brands {
            let Some(id) = annotated_brand_id(&b.brand) else {
                continue;
            };
            let towards = item.enrichment.sentiment_towards(&BrandId(id));
            gold.push(sentiment_index(&b.sentiment));
            pred.push(sentiment_index(towards.label.as_str()));
            item_level.push(sentiment_index(item.enrichment.sentiment.label.as_str()));
        }
    }
    let baseline = format!(
        "the item's own sentiment for every brand: {:.1}",
        macro_f1(&gold, &item_level, 3) * 100.0
    );
    report.push(
        (
            "targeted sentiment",
            "annotated posts naming 2+ brands",
            "test",
        ),
        "macro-F1",
        gold.len(),
        macro_f1(&gold, &pred, 3),
        &baseline,
    );
    Ok(())
}
