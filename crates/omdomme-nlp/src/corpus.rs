//! The labelled data the models are trained and measured on.
//!
//! Public sets are read from the shared data folder (`../shared/data` by default; see each
//! set's PROVENANCE.md there): NoReC_sentence, TweetEval sentiment, environmental claims,
//! NorBench's nb/nn parallel sentences and NorDial. Their texts are CC BY-NC or similar and
//! never enter this repository. The team's own sets are built in: the annotated posts of
//! `data/annotated` (see its GUIDELINES.md) and the Danish, Swedish and other-language
//! posts of `data/lid`.

use std::io::Read;
use std::path::{Path, PathBuf};

use serde::Deserialize;

/// A text and its label.
#[derive(Clone, Debug, PartialEq)]
pub struct Labelled {
    pub text: String,
    pub label: String,
}

#[derive(Debug, thiserror::Error)]
pub enum CorpusError {
    #[error(
        "{path}: cannot read; the public data sets are expected in the shared data folder \
         (`--data`, default ../shared/data)"
    )]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}: line {line}: {message}")]
    Format {
        path: PathBuf,
        line: usize,
        message: String,
    },
}

/// Train or development split.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Split {
    Train,
    Dev,
}

impl Split {
    fn name(self) -> &'static str {
        match self {
            Split::Train => "train",
            Split::Dev => "dev",
        }
    }
}

fn read(path: &Path) -> Result<Vec<u8>, CorpusError> {
    std::fs::read(path).map_err(|source| CorpusError::Io {
        path: path.to_owned(),
        source,
    })
}

fn format_error(path: &Path, line: usize, message: impl ToString) -> CorpusError {
    CorpusError::Format {
        path: path.to_owned(),
        line,
        message: message.to_string(),
    }
}

/// NoReC_sentence, three classes; labels `negative`, `neutral`, `positive`.
pub fn norec(data: &Path, split: Split) -> Result<Vec<Labelled>, CorpusError> {
    #[derive(Deserialize)]
    struct Row {
        text: String,
        label: String,
    }
    let path = data.join(format!("norec_sentence/3class/{}.json", split.name()));
    let rows: Vec<Row> =
        serde_json::from_slice(&read(&path)?).map_err(|e| format_error(&path, e.line(), e))?;
    Ok(rows
        .into_iter()
        .map(|r| Labelled {
            text: r.text,
            label: r.label.to_lowercase(),
        })
        .collect())
}

/// TweetEval sentiment, the validation split (the only one with texts here).
pub fn tweeteval_val(data: &Path) -> Result<Vec<Labelled>, CorpusError> {
    let dir = data.join("tweeteval_sentiment");
    let texts = String::from_utf8_lossy(&read(&dir.join("val_text.txt"))?).into_owned();
    let labels_path = dir.join("val_labels.txt");
    let labels = String::from_utf8_lossy(&read(&labels_path)?).into_owned();
    let texts: Vec<&str> = texts.lines().collect();
    let labels: Vec<&str> = labels.lines().collect();
    if texts.len() != labels.len() {
        return Err(format_error(
            &labels_path,
            labels.len(),
            format!("{} labels for {} texts", labels.len(), texts.len()),
        ));
    }
    texts
        .into_iter()
        .zip(labels)
        .enumerate()
        .map(|(i, (text, label))| {
            let label = match label.trim() {
                "0" => "negative",
                "1" => "neutral",
                "2" => "positive",
                other => {
                    return Err(format_error(
                        &labels_path,
                        i + 1,
                        format!("unknown label {other:?}"),
                    ));
                }
            };
            Ok(Labelled {
                text: text.to_owned(),
                label: label.to_owned(),
            })
        })
        .collect()
}

/// Environmental claims; labels `claim` and `other`.
pub fn env_claims(data: &Path, split: Split) -> Result<Vec<Labelled>, CorpusError> {
    #[derive(Deserialize)]
    struct Row {
        text: String,
        label: u8,
    }
    let path = data.join(format!("environmental_claims/{}.jsonl", split.name()));
    json_lines(&path, &String::from_utf8_lossy(&read(&path)?), |r: Row| {
        Labelled {
            text: r.text,
            label: if r.label == 1 { "claim" } else { "other" }.to_owned(),
        }
    })
}

/// NorBench's bokmål/nynorsk sentence pairs, as two labelled sentences each (`nb`, `nn`).
pub fn nb_nn_parallel(data: &Path, split: Split) -> Result<Vec<Labelled>, CorpusError> {
    let path = data.join(format!("nb_nn_parallel/nb_nn_{}.tsv.gz", split.name()));
    let mut text = String::new();
    flate2::read::GzDecoder::new(read(&path)?.as_slice())
        .read_to_string(&mut text)
        .map_err(|source| CorpusError::Io {
            path: path.clone(),
            source,
        })?;
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let Some((nb, nn)) = line.split_once('\t') else {
            return Err(format_error(
                &path,
                i + 1,
                "expected two tab-separated columns",
            ));
        };
        for (t, label) in [(nb, "nb"), (nn, "nn")] {
            out.push(Labelled {
                text: t.to_owned(),
                label: label.to_owned(),
            });
        }
    }
    Ok(out)
}

/// NorDial tweets written in bokmål or nynorsk (`nb`, `nn`); dialectal and mixed tweets
/// have no written standard to name and are left out.
pub fn nordial(data: &Path, split: Split) -> Result<Vec<Labelled>, CorpusError> {
    #[derive(Deserialize)]
    struct Row {
        text: String,
        category: String,
    }
    let path = data.join(format!("nordial/{}.json", split.name()));
    let rows: Vec<Row> =
        serde_json::from_slice(&read(&path)?).map_err(|e| format_error(&path, e.line(), e))?;
    Ok(rows
        .into_iter()
        .filter_map(|r| {
            let label = match r.category.as_str() {
                "bokmål" => "nb",
                "nynorsk" => "nn",
                _ => return None,
            };
            Some(Labelled {
                text: r.text,
                label: label.to_owned(),
            })
        })
        .collect())
}

/// Danish and Swedish AFINN word lists (Apache-2.0), as one-word language examples.
pub fn afinn_words(data: &Path) -> Result<Vec<Labelled>, CorpusError> {
    let mut out = Vec::new();
    for (file, label) in [("AFINN-da-32.txt", "da"), ("AFINN-sv-165.txt", "sv")] {
        let text = String::from_utf8_lossy(&read(&data.join("afinn").join(file))?).into_owned();
        out.extend(text.lines().filter_map(|l| {
            let word = l.split('\t').next()?.trim();
            (!word.is_empty()).then(|| Labelled {
                text: word.to_owned(),
                label: label.to_owned(),
            })
        }));
    }
    Ok(out)
}

/// One item of the team's annotated set (see `data/annotated/GUIDELINES.md`).
#[derive(Clone, Debug, Deserialize)]
pub struct Annotated {
    pub id: String,
    pub source: String,
    pub text: String,
    pub sentiment: String,
    pub topics: Vec<String>,
    pub stakeholder: Option<String>,
    pub inquiry: bool,
    pub brands: Vec<AnnotatedBrand>,
}

#[derive(Clone, Debug, Deserialize)]
pub struct AnnotatedBrand {
    pub brand: String,
    pub mention: String,
    pub sentiment: String,
}

/// Train (ids not divisible by 3) or test (divisible by 3), fixed before any training.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OwnSplit {
    Train,
    Test,
}

const ANNOTATED: [(&str, &str, &str); 3] = [
    (
        "nb",
        include_str!("../data/annotated/nb.train.jsonl"),
        include_str!("../data/annotated/nb.test.jsonl"),
    ),
    (
        "nn",
        include_str!("../data/annotated/nn.train.jsonl"),
        include_str!("../data/annotated/nn.test.jsonl"),
    ),
    (
        "en",
        include_str!("../data/annotated/en.train.jsonl"),
        include_str!("../data/annotated/en.test.jsonl"),
    ),
];

/// Languages of the annotated set.
pub const ANNOTATED_LANGS: [&str; 3] = ["nb", "nn", "en"];

/// The annotated items of one language (`nb`, `nn`, `en`) and split.
pub fn annotated(lang: &str, split: OwnSplit) -> Result<Vec<Annotated>, CorpusError> {
    let Some((_, train, test)) = ANNOTATED.iter().find(|(l, _, _)| *l == lang) else {
        return Ok(Vec::new());
    };
    let (text, file) = match split {
        OwnSplit::Train => (*train, format!("data/annotated/{lang}.train.jsonl")),
        OwnSplit::Test => (*test, format!("data/annotated/{lang}.test.jsonl")),
    };
    json_lines(Path::new(&file), text, |a: Annotated| a)
}

const LID: [(&str, &str); 3] = [
    ("da", include_str!("../data/lid/da.jsonl")),
    ("sv", include_str!("../data/lid/sv.jsonl")),
    ("other", include_str!("../data/lid/other.jsonl")),
];

/// The team's Danish, Swedish and other-language posts; label `da`, `sv` or `other`. The
/// split follows the same rule as the annotated set.
pub fn lid_posts(split: OwnSplit) -> Result<Vec<Labelled>, CorpusError> {
    #[derive(Deserialize)]
    struct Row {
        id: String,
        text: String,
    }
    let mut out = Vec::new();
    for (label, text) in LID {
        let path = PathBuf::from(format!("data/lid/{label}.jsonl"));
        let rows = json_lines(&path, text, |r: Row| r)?;
        for r in rows {
            if own_split(&r.id) == split {
                out.push(Labelled {
                    text: r.text,
                    label: label.to_owned(),
                });
            }
        }
    }
    Ok(out)
}

/// The split of an id such as `nb-0042`: test when its number is divisible by 3.
pub fn own_split(id: &str) -> OwnSplit {
    let n: u32 = id
        .rsplit('-')
        .next()
        .and_then(|n| n.parse().ok())
        .unwrap_or(1);
    if n.is_multiple_of(3) {
        OwnSplit::Test
    } else {
        OwnSplit::Train
    }
}

fn json_lines<R: serde::de::DeserializeOwned, T>(
    path: &Path,
    text: &str,
    map: impl Fn(R) -> T,
) -> Result<Vec<T>, CorpusError> {
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(i, l)| {
            serde_json::from_str::<R>(l)
                .map(&map)
                .map_err(|e| format_error(path, i + 1, e))
        })
        .collect()
}
