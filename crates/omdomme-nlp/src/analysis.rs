//! The one pass over an item that every model reads: lexicons, keyword lists and rules.
//!
//! Per item: lower-case and tokenize once ([`crate::text`]); one hash lookup per token feeds
//! language evidence, lexicon sentiment and question detection; one Aho-Corasick pass over
//! the lower-cased text finds topic stems, compounds and cue phrases. The result,
//! [`Signals`], is what the hand-written lists know; the learned models of
//! [`crate::enricher`] read it as features beside the words and character n-grams.

use omdomme_core::{BrandId, Item, ItemKind, Lang, MatchText, Query, TopicSet, Workspace};

use crate::lang::{LangScore, declared};
use crate::lexicon::{Effect, FIRST_PERSON, MODEL, Mode, Model, QUESTION_WORD};
use crate::sentiment::{self, LexiconScore, TokVal};
use crate::text::{Analysed, MAX_ANALYSED_BYTES, TokKind, floor_prefix};

/// Why an enricher could not be built.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum EnrichError {
    /// A brand's watch query does not parse; `column` is 1-based, in characters.
    #[error("brand {brand:?}: watch query does not parse at column {column}: {message}")]
    BadQuery {
        brand: BrandId,
        column: usize,
        message: String,
    },
    /// The built-in lexicons or model files failed to load (a broken file in this crate).
    #[error("models: {0}")]
    Model(String),
}

pub(crate) struct WatchedBrand {
    pub id: BrandId,
    pub query: Query,
    /// Accounts the query names (`@nordlysenergi`), folded: mentioning one addresses the
    /// brand even when the query does not match.
    handles: Vec<String>,
}

/// What the lists and rules found in one item.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Signals {
    /// Evidence per language of [`crate::lexicon::LANGS`] from words, endings and letters.
    pub lang_evidence: [f32; 5],
    /// Mostly letters of a non-Latin script.
    pub other_script: bool,
    pub lexicon: LexiconScore,
    pub topic_cues: TopicSet,
    /// Stakeholder cue weights in [`omdomme_core::Stakeholder::ALL`] order.
    pub stake: [f32; 8],
    pub question: bool,
    pub complaint: bool,
    /// The writer speaks as `we`/`vi`: an organisation about its own conduct.
    pub first_person: bool,
    pub press: bool,
    pub retweet: bool,
    pub words: usize,
}

/// What the lists say of one word by itself, the same wherever it stands.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub(crate) struct WordFacts {
    /// Its valence, or that of a known word behind an intensifying head (`kjempefornøyd`).
    pub valence: f32,
    pub flags: u8,
    /// Its language evidence ([`LangScore::word_evidence`]).
    pub lang: [f32; 5],
    /// Has a letter: a word of some language, not a number.
    pub alphabetic: bool,
}

/// The lists and the workspace's brands. Cheap to build: the lists are shared by all.
pub(crate) struct Analyzer {
    pub model: &'static Model,
    pub brands: Vec<WatchedBrand>,
}

/// Buffers reused from item to item so a batch allocates almost nothing.
#[derive(Default)]
pub(crate) struct Scratch {
    pub text: Analysed,
    facts: Vec<WordFacts>,
    vals: Vec<TokVal>,
    joined: String,
    topic_hits: Vec<(usize, usize, omdomme_core::Topic)>,
    topic_vetoes: Vec<(usize, usize, omdomme_core::Topic)>,
}

impl Analyzer {
    /// Parses every brand's watch query; the error names the brand and the column.
    pub fn new(workspace: &Workspace) -> Result<Analyzer, EnrichError> {
        let model = MODEL.as_ref().map_err(|e| EnrichError::Model(e.clone()))?;
        let brands = workspace
            .brands
            .iter()
            .map(|b| {
                let query = b.parsed_query().map_err(|e| EnrichError::BadQuery {
                    brand: b.id.clone(),
                    column: e.column,
                    message: e.message,
                })?;
                let mut handles = Vec::new();
                collect_handles(&query, &mut handles);
                Ok(WatchedBrand {
                    id: b.id.clone(),
                    query,
                    handles,
                })
            })
            .collect::<Result<Vec<_>, EnrichError>>()?;
        Ok(Analyzer { model, brands })
    }

    /// Valence flags of a word (negator, intensifier, ...), for feature extraction.
    pub fn word_flags(&self, word: &str) -> u8 {
        self.model.words.get(word).map_or(0, |i| i.flags)
    }

    /// What the lists say of a word or hashtag by itself.
    pub fn word_facts(&self, word: &str) -> WordFacts {
        let m = self.model;
        let info = m.words.get(word);
        WordFacts {
            valence: match info {
                Some(i) => i.valence,
                None => compound_valence(m, word),
            },
            flags: info.map_or(0, |i| i.flags),
            lang: LangScore::word_evidence(word, info),
            // Numbers are not words of any language.
            alphabetic: word.chars().any(char::is_alphabetic),
        }
    }

    /// The one pass over an item that every model reads: tokens, lexicon valence, language
    /// evidence, cue hits and brand matches.
    pub(crate) fn analyse(&self, item: &Item, s: &mut Scratch) -> Signals {
        self.analyse_with(item, s, |a, out| {
            out.extend(a.words().map(|w| self.word_facts(w)));
        })
    }

    /// [`Analyzer::analyse`] with the facts of the words (and hashtags) of the tokenized
    /// text appended in order by `facts`, which may remember them: the enricher's word
    /// cache looks all of a text's words up at once.
    pub(crate) fn analyse_with(
        &self,
        item: &Item,
        s: &mut Scratch,
        facts: impl FnOnce(&Analysed, &mut Vec<WordFacts>),
    ) -> Signals {
        let m = self.model;
        let title = item.title.as_deref().filter(|t| !t.is_empty());
        let is_emoji = |c: char| m.emoji.contains_key(&c);
        let is_emoticon = |e: &str| m.emoticons.contains_key(e);
        match title {
            Some(t) => s.text.analyse(&[t, &item.text], is_emoji, is_emoticon),
            None => s.text.analyse(&[&item.text], is_emoji, is_emoticon),
        }
        let a = &s.text;
        s.facts.clear();
        facts(a, &mut s.facts);
        let mut word_facts = s.facts.iter();

        // One lookup per word feeds language, sentiment and questions.
        let mut lang = LangScore::default();
        let mut question = false;
        let mut first_person = false;
        let mut words = 0usize;
        s.vals.clear();
        for t in &a.toks {
            let text = a.tok_str(t);
            let (valence, flags) = match t.kind {
                TokKind::Word | TokKind::Hashtag => {
                    let f = word_facts.next().copied().unwrap_or_default();
                    if t.kind == TokKind::Word && f.alphabetic {
                        words += 1;
                        lang.add(&f.lang);
                    }
                    (f.valence, f.flags)
                }
                TokKind::Emoji => (
                    text.chars()
                        .next()
                        .and_then(|c| m.emoji.get(&c))
                        .copied()
                        .unwrap_or(0.0),
                    0,
                ),
                TokKind::Emoticon => (m.emoticons.get(text).copied().unwrap_or(0.0), 0),
                TokKind::Question => {
                    question = true;
                    (0.0, 0)
                }
                _ => (0.0, 0),
            };
            if t.sentence_start && flags & QUESTION_WORD != 0 {
                question = true;
            }
            first_person |= flags & FIRST_PERSON != 0;
            s.vals.push(TokVal {
                kind: t.kind,
                valence,
                flags,
                fixed: false,
            });
        }

        // One automaton pass for stems, compounds and phrases.
        s.topic_hits.clear();
        s.topic_vetoes.clear();
        let mut stake = [0.0f32; 8];
        let mut complaint = false;
        let lower = a.lower.as_str();
        for mat in m.cues.find_overlapping_iter(lower) {
            let (start, end) = (mat.start(), mat.end());
            let tok = token_at(a, start);
            // Cues inside links and handles (`klima.no/…`, `@klimabutikken`) are not text.
            if tok.is_some_and(|i| matches!(a.toks[i].kind, TokKind::Url | TokKind::Mention)) {
                continue;
            }
            let at_word_start = !char_before(lower, start).is_some_and(char::is_alphanumeric);
            let at_word_end = !char_after(lower, end).is_some_and(char::is_alphanumeric);
            let Some(effects) = m.cue_effects.get(mat.pattern().as_usize()) else {
                continue;
            };
            for cue in effects {
                let fits = match cue.mode {
                    Mode::Word => at_word_start && at_word_end,
                    Mode::Prefix => at_word_start,
                    Mode::Infix => true,
                };
                if !fits {
                    continue;
                }
                match cue.effect {
                    Effect::Topic(t) => s.topic_hits.push((start, end, t)),
                    Effect::NotTopic(t) => s.topic_vetoes.push((start, end, t)),
                    Effect::Valence(v) => {
                        apply_cue_valence(&mut s.vals, a, tok, start, end, v);
                    }
                    Effect::Stakeholder(who, w) => stake[who as usize] += w,
                    Effect::Complaint => complaint = true,
                    Effect::QuestionStart => {
                        // At a sentence start, or after a vocative (`Nordlys, kan dere ...`).
                        let opens = tok.is_some_and(|i| {
                            a.toks[i].sentence_start
                                || (i > 0 && a.toks[i - 1].kind == TokKind::Comma && i <= 4)
                        });
                        if opens {
                            question = true;
                        }
                    }
                }
            }
        }
        let mut topic_cues = TopicSet::new();
        for &(start, end, t) in &s.topic_hits {
            let vetoed = s
                .topic_vetoes
                .iter()
                .any(|(vs, ve, vt)| *vt == t && *vs < end && start < *ve);
            if !vetoed {
                topic_cues.insert(t);
            }
        }

        let lexicon = sentiment::score(&s.vals);
        let press = item.source.kind.is_press() || item.kind == ItemKind::Article;
        let retweet = lower.starts_with("rt @") || lower.starts_with("rt:");
        let declared = declared(item.declared_lang.as_deref());
        let lang_evidence = lang.evidence(&a.cues, declared);
        Signals {
            lang_evidence,
            other_script: a.cues.other_letters > a.cues.latin_letters,
            lexicon,
            topic_cues,
            stake,
            question,
            complaint,
            first_person,
            press,
            retweet,
            words,
        }
    }

    /// Brands whose watch query matches, in the workspace's order.
    pub fn matching_brands(&self, item: &Item, lang: Lang, s: &mut Scratch) -> Vec<BrandId> {
        let joined = &mut s.joined;
        if self.brands.is_empty() {
            return Vec::new();
        }
        let text: &str = match item.title.as_deref().filter(|t| !t.is_empty()) {
            Some(title) => {
                joined.clear();
                joined.push_str(title);
                joined.push('\n');
                joined.push_str(&item.text);
                joined
            }
            None => &item.text,
        };
        // As much text as the analysis reads: a megabyte of text must not cost a
        // megabyte of matching per brand.
        let text = floor_prefix(text, MAX_ANALYSED_BYTES);
        let mt = MatchText::new(text, &item.author.handle, lang, item.source.kind);
        self.brands
            .iter()
            .filter(|b| b.query.matches(&mt))
            .map(|b| b.id.clone())
            .collect()
    }

    /// Whether the item speaks to one of the workspace's brands: names it, or its account.
    pub fn addresses_a_brand(&self, item: &Item, lang: Lang, scratch: &mut Scratch) -> bool {
        !self.matching_brands(item, lang, scratch).is_empty()
            || self.mentions_brand_account(&scratch.text)
    }

    pub fn mentions_brand_account(&self, a: &Analysed) -> bool {
        a.toks
            .iter()
            .filter(|t| t.kind == TokKind::Mention)
            .any(|t| {
                let handle = a.tok_str(t);
                self.brands
                    .iter()
                    .any(|b| b.handles.iter().any(|h| h == handle))
            })
    }
}

/// Mentions a query asks for, outside `NOT`.
fn collect_handles(q: &Query, out: &mut Vec<String>) {
    match q {
        Query::And(all) | Query::Or(all) => all.iter().for_each(|q| collect_handles(q, out)),
        Query::Mention(h) => out.push(omdomme_core::text::fold(h)),
        Query::Not(_)
        | Query::Word { .. }
        | Query::Phrase(_)
        | Query::Hashtag(_)
        | Query::Field { .. } => {}
    }
}

/// `kjempefornøyd`, `superbra`, `drittdårlig`: an intensifying first part on a known word.
fn compound_valence(m: &Model, word: &str) -> f32 {
    const HEADS: [&str; 6] = ["kjempe", "super", "knall", "drit", "mega", "skikkelig"];
    for head in HEADS {
        if let Some(rest) = word.strip_prefix(head)
            && rest.len() >= 3
            && let Some(info) = m.words.get(rest)
            && info.valence != 0.0
        {
            return info.valence + info.valence.signum();
        }
    }
    0.0
}

/// A stem or phrase valence goes to the token where the match starts, unless that word
/// already has its own. A phrase replaces the valences of its words (`tusen takk` is not
/// `tusen` + `takk` + the phrase) and carries its own negation (`aldri mer`).
fn apply_cue_valence(
    vals: &mut [TokVal],
    a: &Analysed,
    tok: Option<usize>,
    start: usize,
    end: usize,
    v: f32,
) {
    let Some(first) = tok else { return };
    let is_phrase = a.toks.get(first).is_some_and(|t| (t.end as usize) < end);
    if is_phrase {
        for (i, t) in a.toks.iter().enumerate().skip(first) {
            if t.start as usize >= end {
                break;
            }
            if let Some(val) = vals.get_mut(i) {
                if i == first {
                    val.valence = v;
                    val.fixed = true;
                    val.flags = 0;
                } else {
                    val.valence = 0.0;
                    val.flags = 0;
                }
            }
        }
    } else if let Some(val) = vals.get_mut(first)
        && val.valence == 0.0
        && a.toks.get(first).is_some_and(|t| t.start as usize == start)
    {
        val.valence = v;
    }
}

/// The index of the token that contains byte `pos`, if any.
fn token_at(a: &Analysed, pos: usize) -> Option<usize> {
    let i = a
        .toks
        .partition_point(|t| t.start as usize <= pos)
        .checked_sub(1)?;
    let t = a.toks.get(i)?;
    (pos < t.end as usize).then_some(i)
}

fn char_before(s: &str, i: usize) -> Option<char> {
    s.get(..i)?.chars().next_back()
}

fn char_after(s: &str, i: usize) -> Option<char> {
    s.get(i..)?.chars().next()
}
