//! The v0 model: every word list of `data/` compiled once into lookup structures that all
//! tasks share.
//!
//! Two structures serve all tasks, so an item costs one hash lookup per token plus one
//! Aho-Corasick pass over its text:
//! - `words`: exact words → language weights, valence and flags (negator, intensifier, ...);
//! - `cues`: an Aho-Corasick automaton of stems and phrases (topic keywords, Norwegian
//!   compounds, sentiment phrases, stakeholder and inquiry cues). Stems need it: Norwegian
//!   writes compounds as one word (`klimautslipp`, `leverandørkjeden`), which no exact-word
//!   map can find.

use std::sync::LazyLock;

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, AhoCorasickKind, MatchKind};
use omdomme_core::{Stakeholder, Topic};
use rustc_hash::FxHashMap;

use crate::cues;

/// Languages with evidence weights, in this order.
pub(crate) const LANGS: [omdomme_core::Lang; 5] = [
    omdomme_core::Lang::Nb,
    omdomme_core::Lang::Nn,
    omdomme_core::Lang::En,
    omdomme_core::Lang::Sv,
    omdomme_core::Lang::Da,
];

pub(crate) const NEGATOR: u8 = 1;
pub(crate) const INTENSIFIER: u8 = 2;
pub(crate) const DAMPENER: u8 = 4;
/// Opens a question when it starts a sentence (`hvorfor`, `korleis`, `why`).
pub(crate) const QUESTION_WORD: u8 = 8;
/// `men`, `but`: what follows weighs more than what came before.
pub(crate) const CONTRAST: u8 = 16;
/// `we`, `our`, `vi`, `vår`: the writer speaks for an organisation (or for themselves), as a
/// company does when it makes a claim about its own conduct.
pub(crate) const FIRST_PERSON: u8 = 32;

#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub(crate) struct WordInfo {
    /// Evidence for nb, nn, en, sv, da (see [`LANGS`]).
    pub lang: [f32; 5],
    /// AFINN-scale valence, 0 for none.
    pub valence: f32,
    pub flags: u8,
}

/// Where a cue may match inside the text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Mode {
    /// Whole words at both ends.
    Word,
    /// Starts at a word start, may end inside a word (inflections, compound heads).
    Prefix,
    /// Anywhere, also inside a compound.
    Infix,
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum Effect {
    Topic(Topic),
    /// Cancels hits of the topic that overlap this match (`klimaks` is not `klima`).
    NotTopic(Topic),
    /// A stem or phrase with a valence; applies to the token where the match starts.
    Valence(f32),
    Stakeholder(Stakeholder, f32),
    /// A complaint: `venter fortsatt`, `not working`, `refusjon`.
    Complaint,
    /// A phrase that makes a question at the start of a sentence (`kan dere`, `do you`).
    QuestionStart,
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Cue {
    pub mode: Mode,
    pub effect: Effect,
}

pub(crate) struct Model {
    pub words: FxHashMap<Box<str>, WordInfo>,
    pub emoticons: FxHashMap<Box<str>, f32>,
    pub emoji: FxHashMap<char, f32>,
    pub cues: AhoCorasick,
    /// Per automaton pattern, what it means (one pattern can mean several things).
    pub cue_effects: Vec<Vec<Cue>>,
}

const AFINN_EN: &str = include_str!("../data/AFINN-en-165.txt");
const AFINN_EMOTICON: &str = include_str!("../data/AFINN-emoticon-8.txt");
const SENTIMENT_NO: &str = include_str!("../data/sentiment_no.tsv");
const EMOJI: &str = include_str!("../data/emoji.tsv");
const LANG_WORDS: &str = include_str!("../data/lang_words.tsv");
const TOPICS: &str = include_str!("../data/topics.tsv");

/// Built on first use and shared by every enricher: the lists do not depend on a workspace.
pub(crate) static MODEL: LazyLock<Result<Model, String>> = LazyLock::new(Model::build);

fn data_lines(text: &str) -> impl Iterator<Item = (&str, &str)> {
    text.lines()
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .filter_map(|l| l.split_once('\t'))
        .map(|(a, b)| (a.trim(), b.trim()))
}

fn lang_index(code: &str) -> Option<usize> {
    LANGS.iter().position(|l| l.as_str() == code)
}

struct CueBuilder {
    index: FxHashMap<String, usize>,
    patterns: Vec<String>,
    effects: Vec<Vec<Cue>>,
}

impl CueBuilder {
    fn add(&mut self, pattern: &str, mode: Mode, effect: Effect) {
        let pattern = pattern.to_lowercase();
        let i = *self.index.entry(pattern.clone()).or_insert_with(|| {
            self.patterns.push(pattern);
            self.effects.push(Vec::new());
            self.patterns.len() - 1
        });
        self.effects[i].push(Cue { mode, effect });
    }
}

impl Model {
    fn build() -> Result<Model, String> {
        let mut words: FxHashMap<Box<str>, WordInfo> = FxHashMap::default();
        let mut cb = CueBuilder {
            index: FxHashMap::default(),
            patterns: Vec::new(),
            effects: Vec::new(),
        };

        for (word, spec) in data_lines(LANG_WORDS) {
            let info = words.entry(word.into()).or_default();
            for part in spec.split_whitespace() {
                let (code, weight) = part.split_at(part.len().min(2));
                if let (Some(i), Ok(w)) = (lang_index(code), weight.parse::<f32>()) {
                    info.lang[i] = info.lang[i].max(w);
                }
            }
        }

        // English first, Norwegian second: a word both lists know (`super`) keeps the
        // Norwegian value, which was written for this product's posts.
        for text in [AFINN_EN, SENTIMENT_NO] {
            for (entry, score) in data_lines(text) {
                let Ok(v) = score.parse::<f32>() else {
                    continue;
                };
                if let Some(stem) = entry.strip_suffix('*') {
                    cb.add(stem, Mode::Prefix, Effect::Valence(v));
                } else if entry.contains(' ') || entry.contains('-') && entry.len() > 12 {
                    cb.add(entry, Mode::Word, Effect::Valence(v));
                } else {
                    words.entry(entry.into()).or_default().valence = v;
                }
            }
        }

        let mut emoticons: FxHashMap<Box<str>, f32> = FxHashMap::default();
        for (e, score) in data_lines(AFINN_EMOTICON) {
            let Ok(v) = score.parse::<f32>() else {
                continue;
            };
            let e = e.to_lowercase();
            if e.chars().all(char::is_alphanumeric) {
                // `xd`, `xoxo` are tokenized as words.
                words.entry(e.into()).or_default().valence = v;
            } else {
                emoticons.insert(e.into(), v);
            }
        }

        let mut emoji: FxHashMap<char, f32> = FxHashMap::default();
        for (e, score) in data_lines(EMOJI) {
            if let (Some(c), Ok(v)) = (e.chars().next(), score.parse::<f32>()) {
                emoji.insert(c, v);
            }
        }

        for (word, flags) in cues::WORD_FLAGS {
            words.entry((*word).into()).or_default().flags |= flags;
        }

        for line in TOPICS
            .lines()
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
        {
            let mut f = line.split('\t');
            let (Some(pattern), Some(topic), Some(mode)) = (f.next(), f.next(), f.next()) else {
                continue;
            };
            let Some(topic) = Topic::parse(topic) else {
                continue;
            };
            let (mode, effect) = match mode {
                "w" => (Mode::Word, Effect::Topic(topic)),
                "p" => (Mode::Prefix, Effect::Topic(topic)),
                "i" => (Mode::Infix, Effect::Topic(topic)),
                "x" => (Mode::Prefix, Effect::NotTopic(topic)),
                _ => continue,
            };
            cb.add(pattern, mode, effect);
        }

        for (pattern, mode, who, weight) in cues::STAKEHOLDER_CUES {
            cb.add(pattern, *mode, Effect::Stakeholder(*who, *weight));
        }
        for pattern in cues::COMPLAINT_CUES {
            cb.add(pattern, Mode::Word, Effect::Complaint);
        }
        for pattern in cues::QUESTION_STARTS {
            cb.add(pattern, Mode::Word, Effect::QuestionStart);
        }

        // Standard semantics so overlapping search reports every cue, also one inside
        // another (`utslipp` inside `klimautslipp`). A DFA: a few hundred KiB once, and the
        // fastest search per byte.
        let cues = AhoCorasickBuilder::new()
            .match_kind(MatchKind::Standard)
            .kind(Some(AhoCorasickKind::DFA))
            .build(&cb.patterns)
            .map_err(|e| format!("cannot build the cue automaton: {e}"))?;
        Ok(Model {
            words,
            emoticons,
            emoji,
            cues,
            cue_effects: cb.effects,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    #[allow(clippy::unwrap_used)]
    fn model_loads_every_list() {
        let m = MODEL.as_ref().unwrap();
        assert!(m.words.len() > 3000, "{}", m.words.len());
        assert!(m.emoticons.contains_key(":)"));
        assert!(m.emoji.contains_key(&'😡'));
        assert!(
            m.words
                .get("ikkje")
                .is_some_and(|w| w.lang[1] > 2.0 && w.flags & NEGATOR != 0)
        );
        assert!(m.words.get("elendig").is_some_and(|w| w.valence < -3.0));
        assert!(m.words.get("good").is_some_and(|w| w.valence > 2.0));
        assert!(m.cue_effects.iter().all(|e| !e.is_empty()));
    }
}
