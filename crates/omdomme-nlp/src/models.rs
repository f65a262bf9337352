//! The learned models, what each reads, and the shipped model files.
//!
//! Each [`Task`] names its features (`FeatureSpec`), its classes and the named signals it
//! takes from `Signals`; training ([`crate::train`]) and use (`enricher`) both
//! build features through `task_features`, so the two cannot drift apart.

use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, LazyLock};

use omdomme_core::{Item, Lang, Stakeholder, Topic};

use crate::analysis::{Analyzer, Scratch as AnalysisScratch, Signals};
use crate::features::{Extractor, FeatureSpec, Features, signal_hash, stemmer_for};
use crate::linear::{LinearModel, ModelFileError, Rows};

/// One learned decision.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Task {
    /// nb, nn, en, sv, da, other.
    Language,
    /// Negative, neutral, positive for Norwegian (and Danish and Swedish) text.
    SentimentNo,
    /// Negative, neutral, positive for English and other text.
    SentimentEn,
    /// One scorer per CSR topic; positive score means the topic applies.
    Topics,
    /// `none` or a stakeholder group.
    Stakeholder,
    /// One scorer; positive means the item deserves an answer.
    Inquiry,
    /// One scorer; positive means an environmental claim (English).
    Claim,
}

impl Task {
    pub const ALL: [Task; 7] = [
        Task::Language,
        Task::SentimentNo,
        Task::SentimentEn,
        Task::Topics,
        Task::Stakeholder,
        Task::Inquiry,
        Task::Claim,
    ];

    pub fn file_name(self) -> &'static str {
        match self {
            Task::Language => "language.omdlin",
            Task::SentimentNo => "sentiment-no.omdlin",
            Task::SentimentEn => "sentiment-en.omdlin",
            Task::Topics => "topics.omdlin",
            Task::Stakeholder => "stakeholder.omdlin",
            Task::Inquiry => "inquiry.omdlin",
            Task::Claim => "claim.omdlin",
        }
    }

    pub fn classes(self) -> Vec<String> {
        let names: Vec<&str> = match self {
            Task::Language => LANGUAGE_CLASSES.iter().map(|l| l.as_str()).collect(),
            Task::SentimentNo | Task::SentimentEn => vec!["negative", "neutral", "positive"],
            Task::Topics => Topic::ALL.iter().map(|t| t.as_str()).collect(),
            Task::Stakeholder => std::iter::once("none")
                .chain(Stakeholder::ALL.iter().map(|s| s.as_str()))
                .collect(),
            Task::Inquiry => vec!["inquiry"],
            Task::Claim => vec!["claim"],
        };
        names.into_iter().map(str::to_owned).collect()
    }

    /// Hash buckets, as a power of two: big enough that collisions cost little on the
    /// task's vocabulary, small enough that the file stays a few MB.
    /// The four text tasks share one size, so the enricher can lay their tables side by
    /// side ([`TextTable`]) and read all four with one memory access per feature.
    pub fn bits(self) -> u8 {
        match self {
            Task::Language => 18,
            Task::SentimentNo
            | Task::SentimentEn
            | Task::Topics
            | Task::Stakeholder
            | Task::Inquiry => 17,
            Task::Claim => 17,
        }
    }

    pub fn spec(self) -> FeatureSpec {
        match self {
            Task::Language => LANGUAGE_SPEC,
            // Report sentences are long: 2-grams add noise, not signal.
            Task::Claim => FeatureSpec {
                char_min: 3,
                ..TEXT_SPEC
            },
            _ => TEXT_SPEC,
        }
    }

    /// The named signals this task reads, appended to `out`.
    pub(crate) fn signals(self, s: &Signals, ctx: &Context, out: &mut Vec<(u32, f32)>) {
        match self {
            Task::Language => {
                for (name, ev) in LANG_SIGNAL_NAMES.iter().zip(s.lang_evidence) {
                    out.push((hash_of(name), (ev / 4.0).clamp(-2.0, 2.0)));
                }
                if s.other_script {
                    out.push((hash_of("other_script"), 1.0));
                }
            }
            Task::SentimentNo | Task::SentimentEn => lexicon_signals(s, out),
            Task::Claim => {
                // A claim is the company speaking of its own environmental conduct.
                let climate = s.topic_cues.contains(Topic::Climate);
                for (on, name) in [
                    (climate, "cue_climate"),
                    (s.first_person, "first_person"),
                    (climate && s.first_person, "own_climate"),
                ] {
                    if on {
                        out.push((hash_of(name), 1.0));
                    }
                }
            }
            Task::Topics | Task::Stakeholder | Task::Inquiry => {
                lexicon_signals(s, out);
                for (t, name) in Topic::ALL.iter().zip(TOPIC_SIGNAL_NAMES) {
                    if s.topic_cues.contains(*t) {
                        out.push((hash_of(name), 1.0));
                    }
                }
                for (w, name) in s.stake.iter().zip(STAKE_SIGNAL_NAMES) {
                    if *w != 0.0 {
                        out.push((hash_of(name), w.clamp(-2.0, 2.0)));
                    }
                }
                let flags = [
                    (s.question, "question"),
                    (s.complaint, "complaint"),
                    (s.press, "press"),
                    (s.retweet, "retweet"),
                    (s.words < 4, "short"),
                    (ctx.addressed, "addressed"),
                    (ctx.lang.is_norwegian(), "norwegian"),
                ];
                for (on, name) in flags {
                    if on {
                        out.push((hash_of(name), 1.0));
                    }
                }
            }
        }
    }
}

/// What the enricher knows about an item beyond its text when a task reads it.
#[derive(Clone, Copy, Debug, Default)]
pub struct Context {
    pub lang: Lang,
    /// The item names one of the workspace's brands or accounts.
    pub addressed: bool,
}

pub(crate) const LANGUAGE_CLASSES: [Lang; 6] = [
    Lang::Nb,
    Lang::Nn,
    Lang::En,
    Lang::Sv,
    Lang::Da,
    Lang::Other,
];

const LANG_SIGNAL_NAMES: [&str; 5] = ["lang_nb", "lang_nn", "lang_en", "lang_sv", "lang_da"];
const TOPIC_SIGNAL_NAMES: [&str; 7] = [
    "cue_climate",
    "cue_labour",
    "cue_diversity",
    "cue_employer",
    "cue_governance",
    "cue_community",
    "cue_product",
];
const STAKE_SIGNAL_NAMES: [&str; 8] = [
    "cue_customer",
    "cue_prospective_customer",
    "cue_employee",
    "cue_prospective_employee",
    "cue_partner",
    "cue_investor",
    "cue_press",
    "cue_society",
];

/// Words and character 1–4-grams: spelling is what tells the Nordic standards apart.
const LANGUAGE_SPEC: FeatureSpec = FeatureSpec {
    words: true,
    stems: false,
    bigrams: false,
    negation: false,
    char_min: 1,
    char_max: 4,
    char_weight: 1.0,
};

/// Words, stems, word pairs, negated words and character 2–5-grams (inflection and
/// compounds, which Norwegian writes as one word).
const TEXT_SPEC: FeatureSpec = FeatureSpec {
    words: true,
    stems: true,
    bigrams: true,
    negation: true,
    char_min: 2,
    char_max: 5,
    char_weight: 1.0,
};

fn hash_of(name: &str) -> u32 {
    signal_hash(name)
}

fn lexicon_signals(s: &Signals, out: &mut Vec<(u32, f32)>) {
    let l = &s.lexicon;
    out.push((hash_of("lex_score"), l.sentiment.score * 2.0));
    if l.positive > 0.0 {
        out.push((hash_of("lex_pos"), (l.positive / 4.0).min(3.0)));
        out.push((hash_of("lex_has_pos"), 1.0));
    }
    if l.negative > 0.0 {
        out.push((hash_of("lex_neg"), (l.negative / 4.0).min(3.0)));
        out.push((hash_of("lex_has_neg"), 1.0));
    }
}

/// Reads an item the way the model of a task was trained to: the analysis, the task's
/// feature spec, then its signals and dialog context. `omdomme train` and the enricher's
/// uncached path both go through it; the cached path is held to it by a test.
#[derive(Default)]
pub(crate) struct TaskFeaturizer {
    analysis: AnalysisScratch,
    extractor: Extractor,
    base: Features,
    task: Features,
}

impl TaskFeaturizer {
    pub fn features(
        &mut self,
        analyzer: &Analyzer,
        task: Task,
        item: &Item,
        lang: Lang,
    ) -> &Features {
        let signals = analyzer.analyse(item, &mut self.analysis);
        let ctx = if matches!(task, Task::Topics | Task::Stakeholder | Task::Inquiry) {
            Context {
                lang,
                addressed: analyzer.addresses_a_brand(item, lang, &mut self.analysis),
            }
        } else {
            Context::default()
        };
        let stemmer = if task == Task::Language {
            None
        } else {
            stemmer_for(lang)
        };
        self.extractor.extract(
            &task.spec(),
            &self.analysis.text,
            stemmer,
            |w| analyzer.word_flags(w),
            &[],
            &mut self.base,
        );
        task_features(task, &self.base, &signals, &ctx, &mut self.task);
        &self.task
    }
}

/// The text features a task reads (`base`, extracted with the task's spec) joined with its
/// signals, as training sees them.
pub(crate) fn task_features(
    task: Task,
    base: &Features,
    s: &Signals,
    ctx: &Context,
    out: &mut Features,
) {
    out.items.clear();
    out.items.extend_from_slice(&base.items);
    if task == Task::Claim && s.topic_cues.contains(Topic::Climate) {
        // Every feature again, marked as seen in an environmental context: what "reduced"
        // or "certified" means depends on whether the sentence is about the environment.
        out.items.extend(
            base.items
                .iter()
                .map(|&(h, v)| (h.rotate_left(13) ^ 0x5bd1_e995, v)),
        );
    }
    task.signals(s, ctx, &mut out.items);
}

/// A sentiment model and the three dialog models side by side, bucket by bucket: the
/// enricher reads all four with one memory access per feature instead of four. Weights stay
/// the i16 steps of the model files (half the memory of f32, so more of the table stays in
/// the CPU's caches), each column with its model's step: a weight read here is the very f32
/// its model holds.
#[derive(Clone, Debug)]
pub struct TextTable {
    weights: Vec<i16>,
    /// Per column: its model's weight step.
    scales: Vec<f32>,
    biases: Vec<f32>,
    mask: u32,
}

impl TextTable {
    fn new(models: &[&LinearModel]) -> TextTable {
        let buckets = models.iter().map(|m| m.buckets()).min().unwrap_or(0);
        let width: usize = models.iter().map(|m| m.classes()).sum();
        let mut weights = Vec::with_capacity(buckets * width);
        for bucket in 0..buckets {
            for m in models {
                let scale = m.header.scale;
                // Every weight is a whole number of steps (see `linear::assemble`).
                weights.extend(m.bucket(bucket).iter().map(|w| (w / scale).round() as i16));
            }
        }
        TextTable {
            weights,
            scales: models
                .iter()
                .flat_map(|m| std::iter::repeat_n(m.header.scale, m.classes()))
                .collect(),
            biases: models.iter().flat_map(|m| m.header.bias.clone()).collect(),
            mask: buckets.saturating_sub(1) as u32,
        }
    }
}

impl Rows for TextTable {
    fn width(&self) -> usize {
        self.biases.len()
    }

    fn biases(&self) -> &[f32] {
        &self.biases
    }

    fn add_row(&self, h: u32, v: f32, out: &mut [f32]) {
        let width = self.biases.len();
        let at = (h & self.mask) as usize * width;
        if let Some(row) = self.weights.get(at..at + width) {
            for ((o, q), scale) in out.iter_mut().zip(row).zip(&self.scales) {
                *o += f32::from(*q) * scale * v;
            }
        }
    }
}

/// Every model the enricher uses.
#[derive(Clone, Debug)]
pub struct Models {
    pub(crate) language: LinearModel,
    pub(crate) sentiment_no: LinearModel,
    pub(crate) sentiment_en: LinearModel,
    pub(crate) topics: LinearModel,
    pub(crate) stakeholder: LinearModel,
    pub(crate) inquiry: LinearModel,
    pub(crate) claim: LinearModel,
    /// Norwegian sentiment, topics, stakeholder, inquiry.
    pub(crate) text_no: TextTable,
    /// English sentiment, topics, stakeholder, inquiry.
    pub(crate) text_en: TextTable,
    /// Tells model sets apart, so per-thread caches of one are never read for another.
    pub(crate) id: u64,
}

#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("{file}")]
    File {
        file: String,
        source: ModelFileError,
    },
    #[error("{file}: cannot read")]
    Io {
        file: String,
        source: std::io::Error,
    },
    #[error("{file}: has classes {found:?}, this build expects {expected:?}")]
    Classes {
        file: String,
        found: Vec<String>,
        expected: Vec<String>,
    },
}

const SHIPPED: [(Task, &[u8]); 7] = [
    (Task::Language, include_bytes!("../models/language.omdlin")),
    (
        Task::SentimentNo,
        include_bytes!("../models/sentiment-no.omdlin"),
    ),
    (
        Task::SentimentEn,
        include_bytes!("../models/sentiment-en.omdlin"),
    ),
    (Task::Topics, include_bytes!("../models/topics.omdlin")),
    (
        Task::Stakeholder,
        include_bytes!("../models/stakeholder.omdlin"),
    ),
    (Task::Inquiry, include_bytes!("../models/inquiry.omdlin")),
    (Task::Claim, include_bytes!("../models/claim.omdlin")),
];

static SHIPPED_MODELS: LazyLock<Result<Arc<Models>, String>> = LazyLock::new(|| {
    Models::from_files(|task| {
        SHIPPED
            .iter()
            .find(|(t, _)| *t == task)
            .map(|(_, b)| b.to_vec())
            .ok_or_else(|| std::io::Error::other("not built in"))
    })
    .map(Arc::new)
    .map_err(|e| e.to_string())
});

impl Models {
    /// The models built into this binary (from `crates/omdomme-nlp/models`).
    pub fn shipped() -> Result<Arc<Models>, String> {
        SHIPPED_MODELS.clone()
    }

    /// Models written by `omdomme train` into `dir`.
    pub fn load_dir(dir: &Path) -> Result<Models, LoadError> {
        Models::from_files(|task| std::fs::read(dir.join(task.file_name())))
    }

    fn from_files(
        read: impl Fn(Task) -> Result<Vec<u8>, std::io::Error>,
    ) -> Result<Models, LoadError> {
        let load = |task: Task| -> Result<LinearModel, LoadError> {
            let file = task.file_name().to_owned();
            let bytes = read(task).map_err(|source| LoadError::Io {
                file: file.clone(),
                source,
            })?;
            let model = LinearModel::from_bytes(&bytes).map_err(|source| LoadError::File {
                file: file.clone(),
                source,
            })?;
            let expected = task.classes();
            if model.header.classes != expected || model.header.spec != task.spec() {
                return Err(LoadError::Classes {
                    file,
                    found: model.header.classes.clone(),
                    expected,
                });
            }
            Ok(model)
        };
        Ok(Models::new(
            load(Task::Language)?,
            [load(Task::SentimentNo)?, load(Task::SentimentEn)?],
            [
                load(Task::Topics)?,
                load(Task::Stakeholder)?,
                load(Task::Inquiry)?,
            ],
            load(Task::Claim)?,
        ))
    }

    /// Puts the models together: sentiment (Norwegian, English) and dialog (topics,
    /// stakeholder, inquiry).
    pub fn new(
        language: LinearModel,
        [sentiment_no, sentiment_en]: [LinearModel; 2],
        [topics, stakeholder, inquiry]: [LinearModel; 3],
        claim: LinearModel,
    ) -> Models {
        let text_no = TextTable::new(&[&sentiment_no, &topics, &stakeholder, &inquiry]);
        let text_en = TextTable::new(&[&sentiment_en, &topics, &stakeholder, &inquiry]);
        static NEXT_ID: AtomicU64 = AtomicU64::new(1);
        Models {
            id: NEXT_ID.fetch_add(1, Ordering::Relaxed),
            language,
            sentiment_no,
            sentiment_en,
            topics,
            stakeholder,
            inquiry,
            claim,
            text_no,
            text_en,
        }
    }

    /// Replaces the English sentiment model (cross-validation folds).
    pub fn with_sentiment_en(&self, sentiment_en: LinearModel) -> Models {
        Models::new(
            self.language.clone(),
            [self.sentiment_no.clone(), sentiment_en],
            [
                self.topics.clone(),
                self.stakeholder.clone(),
                self.inquiry.clone(),
            ],
            self.claim.clone(),
        )
    }

    /// The side-by-side table of the text models for a sentiment task.
    pub(crate) fn text_table(&self, sentiment: Task) -> &TextTable {
        if sentiment == Task::SentimentEn {
            &self.text_en
        } else {
            &self.text_no
        }
    }

    pub fn get(&self, task: Task) -> &LinearModel {
        match task {
            Task::Language => &self.language,
            Task::SentimentNo => &self.sentiment_no,
            Task::SentimentEn => &self.sentiment_en,
            Task::Topics => &self.topics,
            Task::Stakeholder => &self.stakeholder,
            Task::Inquiry => &self.inquiry,
            Task::Claim => &self.claim,
        }
    }

    /// Bytes of weights held in memory by all models.
    pub fn resident_bytes(&self) -> usize {
        Task::ALL
            .iter()
            .map(|t| self.get(*t).resident_bytes())
            .sum()
    }
}
