//! Hashed features for the linear models: words, stems, word pairs, words in a negation's
//! scope, character n-grams of words, and named signals from the lexicons and cue lists.
//!
//! Every feature is a 32-bit hash of its kind and text (xxh3, whose output is fixed by its
//! specification, so a model trained today still reads tomorrow's hashes); a model keeps
//! the low bits it was trained with. Word features and character n-grams are two blocks,
//! each scaled to unit length as if every occurrence were a distinct feature, so a long text
//! does not outvote a short one and the many n-grams do not drown the few words.

use frostem::{Algorithm, Stemmer};
use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};
use xxhash_rust::xxh3::{xxh3_64, xxh3_64_with_seed};

use crate::analysis::WordFacts;
use crate::lexicon::NEGATOR;
use crate::linear::Rows;
use crate::text::{Analysed, TokKind};

/// Which features a model reads. Part of the model file, so training and use agree.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct FeatureSpec {
    pub words: bool,
    /// Snowball stems by the text's language (Norwegian stems for all Scandinavian texts).
    pub stems: bool,
    pub bigrams: bool,
    /// Words up to three after a negator, marked as negated.
    pub negation: bool,
    /// Character n-grams of each word padded with `<` and `>`, lengths `min..=max`; none if
    /// `max` is 0.
    pub char_min: u8,
    pub char_max: u8,
    /// Weight of the character block against the word block.
    pub char_weight: f32,
}

/// Kinds of feature, the hash seed of each: the same text as a word and as an n-gram are
/// different features.
#[derive(Clone, Copy)]
#[repr(u64)]
enum Kind {
    Word = 1,
    Stem,
    Bigram,
    Negated,
    Chars,
    Token,
    Signal,
}

/// A text's features: (hash, value) pairs, duplicates allowed (they add up).
#[derive(Clone, Debug, Default)]
pub struct Features {
    pub items: Vec<(u32, f32)>,
}

fn hash(kind: Kind, bytes: &[u8]) -> u32 {
    let h = xxh3_64_with_seed(bytes, kind as u64);
    (h ^ (h >> 32)) as u32
}

/// The hash a named signal (`lex_pos`, `cue_topic_climate`) is stored under.
pub(crate) fn signal_hash(name: &str) -> u32 {
    hash(Kind::Signal, name.as_bytes())
}

/// Which Snowball stemmer suits a language, if any.
pub(crate) fn stemmer_for(lang: omdomme_core::Lang) -> Option<&'static Stemmer> {
    use std::sync::LazyLock;
    static NORWEGIAN: LazyLock<Stemmer> = LazyLock::new(|| Stemmer::new(Algorithm::Norwegian));
    static SWEDISH: LazyLock<Stemmer> = LazyLock::new(|| Stemmer::new(Algorithm::Swedish));
    static ENGLISH: LazyLock<Stemmer> = LazyLock::new(|| Stemmer::new(Algorithm::English));
    use omdomme_core::Lang;
    match lang {
        Lang::Nb | Lang::Nn | Lang::Da => Some(&NORWEGIAN),
        Lang::Sv => Some(&SWEDISH),
        Lang::En => Some(&ENGLISH),
        Lang::Other => None,
    }
}

/// Reused between texts so that feature extraction allocates nothing in the steady state.
#[derive(Default)]
pub(crate) struct Extractor {
    grams: Grams,
    pair: Vec<u8>,
    char_items: Vec<(u32, f32)>,
    word_sum: Vec<f32>,
    char_sum: Vec<f32>,
    entry: Vec<f32>,
    contexts: Vec<u32>,
}

/// Buffers for a word's character n-grams.
#[derive(Default)]
struct Grams {
    padded: Vec<u8>,
    bounds: Vec<usize>,
}

/// A feature as the token walk finds it.
enum Found<'t> {
    /// The `n`th word (or hashtag) of the text: its own features (word, stem, n-grams)
    /// depend on it alone.
    Word(usize, &'t str),
    /// A feature of the word block that depends on context (word pair, negated word,
    /// punctuation, emoji, link).
    Context(u32),
}

/// Walks the tokens as every feature-reading path does, so they cannot disagree on context.
/// `negators` hears each word with its number, as [`Found::Word`] counts them.
fn walk(
    spec: &FeatureSpec,
    a: &Analysed,
    negators: impl Fn(usize, &str) -> u8,
    pair: &mut Vec<u8>,
    mut found: impl FnMut(Found<'_>),
) {
    let mut prev: &str = "<s>";
    let mut negation_left = 0u8;
    let mut nth = 0usize;
    for t in &a.toks {
        let text = a.tok_str(t);
        match t.kind {
            TokKind::Word | TokKind::Hashtag => {
                found(Found::Word(nth, text));
                if spec.bigrams {
                    pair.clear();
                    pair.extend_from_slice(prev.as_bytes());
                    pair.push(b' ');
                    pair.extend_from_slice(text.as_bytes());
                    found(Found::Context(hash(Kind::Bigram, pair)));
                }
                if spec.negation && negation_left > 0 {
                    found(Found::Context(hash(Kind::Negated, text.as_bytes())));
                }
                negation_left = if negators(nth, text) & NEGATOR != 0 {
                    3
                } else {
                    negation_left.saturating_sub(1)
                };
                prev = text;
                nth += 1;
            }
            TokKind::Emoji | TokKind::Emoticon => {
                found(Found::Context(hash(Kind::Token, text.as_bytes())));
            }
            TokKind::Question | TokKind::Exclaim => {
                found(Found::Context(hash(Kind::Token, text.as_bytes())));
                negation_left = 0;
                prev = "<s>";
            }
            TokKind::Boundary | TokKind::Comma => {
                negation_left = 0;
                prev = "<s>";
            }
            TokKind::Mention => found(Found::Context(hash(Kind::Token, b"@"))),
            TokKind::Url => found(Found::Context(hash(Kind::Token, b"http"))),
        }
    }
}

impl Grams {
    /// A word's own features: `on_word` hears the word-block ones (word, stem), `on_char`
    /// the character n-grams.
    fn word_features(
        &mut self,
        spec: &FeatureSpec,
        word: &str,
        stemmer: Option<&Stemmer>,
        mut on_word: impl FnMut(u32),
        mut on_char: impl FnMut(u32),
    ) {
        if spec.words {
            on_word(hash(Kind::Word, word.as_bytes()));
        }
        if spec.stems
            && let Some(st) = stemmer
        {
            on_word(hash(Kind::Stem, st.stem(word).as_bytes()));
        }
        if spec.char_max == 0 {
            return;
        }
        self.padded.clear();
        self.padded.push(b'<');
        self.padded.extend_from_slice(word.as_bytes());
        self.padded.push(b'>');
        self.bounds.clear();
        // Character starts in the padded word, and its end.
        let padded = &self.padded;
        self.bounds.extend(
            (0..padded.len()).filter(|&i| padded.get(i).is_some_and(|b| (b & 0xc0) != 0x80)),
        );
        self.bounds.push(padded.len());
        let chars = self.bounds.len() - 1;
        let (min, max) = (spec.char_min.max(1) as usize, spec.char_max as usize);
        for start in 0..chars {
            for n in min..=max {
                let Some(&end) = self.bounds.get(start + n) else {
                    break;
                };
                if let Some(gram) = padded.get(self.bounds[start]..end) {
                    on_char(hash(Kind::Chars, gram));
                }
            }
        }
    }
}

/// Everything a word gives by itself, so a word seen again costs one map lookup per text:
/// what the lists say of it ([`WordFacts`]) and, per group of models, what it contributes
/// to every class (instead of some twenty hashed n-gram lookups per model).
/// [`WordCache::look_up`] looks each word of a text up once, during the analysis; the
/// scoring walks then read the entries by the word's number.
/// Keyed by a 64-bit hash of the word (a collision between two of the few hundred thousand
/// words a cache holds has odds near 2^-40); cleared when it grows large.
#[derive(Default)]
pub(crate) struct WordCache {
    index: FxHashMap<u64, u32>,
    entries: Vec<Entry>,
    /// Per word and group: word-block sums per class, n-gram sums per class, the two counts.
    arena: Vec<f32>,
    /// The words (and hashtags) of the text analysed last, in order: their entries' slots,
    /// copied so the walks read them in sequence instead of hopping over the entries.
    words: Vec<TextWord>,
    /// Their flags, in the same order.
    flags: Vec<u8>,
}

#[derive(Clone, Copy)]
struct Entry {
    facts: WordFacts,
    slots: Slots,
}

#[derive(Clone, Copy)]
struct TextWord {
    entry: u32,
    slots: Slots,
}

/// Per group: where the word's contribution starts in the arena, or `NONE`.
type Slots = [u32; CACHE_GROUPS];

/// Groups of models a cache entry holds a contribution for (see the enricher).
pub(crate) const CACHE_GROUPS: usize = 5;

/// Words a cache holds before it starts over, and floats its contributions may take:
/// bound its memory at a few tens of MB.
const CACHE_WORDS: usize = 100_000;
const CACHE_FLOATS: usize = 8 << 20;

const NONE: u32 = u32::MAX;

impl WordCache {
    /// Looks up every word (and hashtag) of `a` at once, in order, computing what the cache
    /// has not seen with `compute`; appends their facts to `out` and keeps their entries for
    /// [`Extractor::score_cached`]. The lookups are independent, so the CPU overlaps them.
    pub fn look_up(
        &mut self,
        a: &Analysed,
        out: &mut Vec<WordFacts>,
        compute: impl Fn(&str) -> WordFacts,
    ) {
        if self.entries.len() >= CACHE_WORDS || self.arena.len() >= CACHE_FLOATS {
            self.index.clear();
            self.entries.clear();
            self.arena.clear();
        }
        self.words.clear();
        self.flags.clear();
        for word in a.words() {
            let key = xxh3_64(word.as_bytes());
            let entry = *self.index.entry(key).or_insert_with(|| {
                self.entries.push(Entry {
                    facts: compute(word),
                    slots: [NONE; CACHE_GROUPS],
                });
                self.entries.len() as u32 - 1
            });
            self.words.push(TextWord {
                entry,
                slots: [NONE; CACHE_GROUPS],
            });
        }
        for word in &mut self.words {
            let e = self.entries.get(word.entry as usize);
            let facts = e.map(|e| e.facts).unwrap_or_default();
            word.slots = e.map_or([NONE; CACHE_GROUPS], |e| e.slots);
            out.push(facts);
            self.flags.push(facts.flags);
        }
    }
}

impl Extractor {
    /// Appends the features `spec` asks for of the analysed text to `out` (cleared first).
    /// `signals` are named values from the lexicons and rules, added unscaled.
    pub fn extract(
        &mut self,
        spec: &FeatureSpec,
        a: &Analysed,
        stemmer: Option<&Stemmer>,
        negators: impl Fn(&str) -> u8,
        signals: &[(u32, f32)],
        out: &mut Features,
    ) {
        out.items.clear();
        self.char_items.clear();
        let (items, chars, grams) = (&mut out.items, &mut self.char_items, &mut self.grams);
        walk(
            spec,
            a,
            |_, w| negators(w),
            &mut self.pair,
            |f| match f {
                Found::Word(_, w) => grams.word_features(
                    spec,
                    w,
                    stemmer,
                    |h| items.push((h, 1.0)),
                    |h| chars.push((h, 1.0)),
                ),
                Found::Context(h) => items.push((h, 1.0)),
            },
        );
        scale_block(&mut out.items, 1.0);
        scale_block(&mut self.char_items, spec.char_weight);
        out.items.extend_from_slice(&self.char_items);
        out.items.extend_from_slice(signals);
    }

    /// The scores of `models` (which all read `spec`), side by side in `out`, exactly as
    /// [`LinearModel::scores`] gives them on [`Extractor::extract`]'s features (without
    /// signals), with each word's own features taken from `cache` (filled as needed), which
    /// must hold the words of `a` ([`WordCache::look_up`] during its analysis). `group`
    /// (below [`CACHE_GROUPS`]) tells apart contributions of different model groups and
    /// stemmers.
    #[allow(clippy::too_many_arguments)]
    pub fn score_cached(
        &mut self,
        cache: &mut WordCache,
        group: usize,
        models: &impl Rows,
        spec: &FeatureSpec,
        a: &Analysed,
        stemmer: Option<&Stemmer>,
        out: &mut Vec<f32>,
    ) {
        let k = models.width();
        out.clear();
        out.extend_from_slice(models.biases());
        self.word_sum.clear();
        self.word_sum.resize(k, 0.0);
        self.char_sum.clear();
        self.char_sum.resize(k, 0.0);
        let (mut n_word, mut n_char) = (0f32, 0f32);
        self.contexts.clear();
        let (word_sum, char_sum, grams, entry, contexts) = (
            &mut self.word_sum,
            &mut self.char_sum,
            &mut self.grams,
            &mut self.entry,
            &mut self.contexts,
        );
        let WordCache {
            entries,
            arena,
            words,
            flags,
            ..
        } = cache;
        let flags = &*flags;
        let negators = |nth: usize, _: &str| flags.get(nth).copied().unwrap_or(0);
        walk(spec, a, negators, &mut self.pair, |f| match f {
            Found::Word(nth, w) => {
                let Some(word) = words.get_mut(nth) else {
                    return;
                };
                let mut at = word.slots[group];
                if at == NONE {
                    // Not filled when the text was analysed: perhaps since (a word seen twice
                    // in the text), else now.
                    let Some(shared) = entries.get_mut(word.entry as usize) else {
                        return;
                    };
                    if shared.slots[group] == NONE {
                        entry.clear();
                        entry.resize(2 * k + 2, 0.0);
                        let (mut nw, mut nc) = (0f32, 0f32);
                        let (ew, ec) = entry.split_at_mut(k);
                        grams.word_features(
                            spec,
                            w,
                            stemmer,
                            |h| {
                                models.add_row(h, 1.0, ew);
                                nw += 1.0;
                            },
                            |h| {
                                models.add_row(h, 1.0, ec);
                                nc += 1.0;
                            },
                        );
                        entry[2 * k] = nw;
                        entry[2 * k + 1] = nc;
                        shared.slots[group] = arena.len() as u32;
                        arena.extend_from_slice(entry);
                    }
                    at = shared.slots[group];
                    word.slots[group] = at;
                }
                let at = at as usize;
                if let Some(e) = arena.get(at..at + 2 * k + 2) {
                    for (s, v) in word_sum.iter_mut().zip(&e[..k]) {
                        *s += v;
                    }
                    for (s, v) in char_sum.iter_mut().zip(&e[k..2 * k]) {
                        *s += v;
                    }
                    n_word += e[2 * k];
                    n_char += e[2 * k + 1];
                }
            }
            // Added below, in one run: the rows' memory reads then overlap.
            Found::Context(h) => contexts.push(h),
        });
        for &h in &self.contexts {
            models.add_row(h, 1.0, &mut self.word_sum);
        }
        n_word += self.contexts.len() as f32;
        let word_scale = if n_word > 0.0 {
            1.0 / n_word.sqrt()
        } else {
            0.0
        };
        let char_scale = if n_char > 0.0 {
            spec.char_weight / n_char.sqrt()
        } else {
            0.0
        };
        for ((o, w), c) in out.iter_mut().zip(&self.word_sum).zip(&self.char_sum) {
            *o += w * word_scale + c * char_scale;
        }
    }
}

/// Scales a block so the sum of squares of its values, counted per occurrence, is `weight²`.
fn scale_block(items: &mut [(u32, f32)], weight: f32) {
    if items.is_empty() {
        return;
    }
    let scale = weight / (items.len() as f32).sqrt();
    for (_, v) in items {
        *v *= scale;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn analysed(text: &str) -> Analysed {
        let mut a = Analysed::default();
        a.analyse(&[text], |_| false, |_| false);
        a
    }

    const ALL: FeatureSpec = FeatureSpec {
        words: true,
        stems: true,
        bigrams: true,
        negation: true,
        char_min: 2,
        char_max: 4,
        char_weight: 0.5,
    };

    #[test]
    fn blocks_have_the_set_length() {
        let a = analysed("Ikke bra i det hele tatt, æsj!");
        let mut f = Features::default();
        Extractor::default().extract(
            &ALL,
            &a,
            stemmer_for(omdomme_core::Lang::Nb),
            |w| if w == "ikke" { NEGATOR } else { 0 },
            &[(signal_hash("lex_neg"), 2.0)],
            &mut f,
        );
        let chars = hash(Kind::Chars, b"<b");
        assert!(f.items.iter().any(|(h, _)| *h == chars));
        let negated = hash(Kind::Negated, b"bra");
        assert!(f.items.iter().any(|(h, _)| *h == negated));
        assert_eq!(f.items.last(), Some(&(signal_hash("lex_neg"), 2.0)));
    }

    #[test]
    fn multibyte_words_give_whole_character_grams() {
        let a = analysed("blåbær");
        let mut f = Features::default();
        let spec = FeatureSpec {
            char_min: 1,
            char_max: 1,
            ..ALL
        };
        Extractor::default().extract(&spec, &a, None, |_| 0, &[], &mut f);
        let aa = hash(Kind::Chars, "å".as_bytes());
        assert!(f.items.iter().any(|(h, _)| *h == aa));
    }

    #[test]
    fn empty_text_has_only_its_signals() {
        let a = analysed("");
        let mut f = Features::default();
        Extractor::default().extract(&ALL, &a, None, |_| 0, &[], &mut f);
        assert!(f.items.is_empty());
    }
}
