//! The v0 enricher: lexicons, keyword lists and rules, one tokenization pass per item.
//!
//! Per item: lower-case and tokenize once ([`crate::text`]); one hash lookup per token feeds
//! language, sentiment and question detection; one Aho-Corasick pass over the lower-cased
//! text finds topic stems, compounds and cue phrases; the brand queries run on a
//! [`MatchText`]. Trained models replace the parts later behind the same [`Enricher`] seam.

use omdomme_core::{
    BrandId, Item, ItemKind, Lang, MatchText, Query, Stakeholder, Topic, TopicSet, Workspace,
};

use crate::Enricher;
use crate::lang::{LangScore, declared};
use crate::lexicon::{Effect, MODEL, Mode, Model, QUESTION_WORD};
use crate::sentiment::{self, TokVal};
use crate::text::{Analysed, TokKind};

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
    /// The built-in lexicons failed to load (a broken data file in this crate).
    #[error("lexicons: {0}")]
    Model(String),
}

struct WatchedBrand {
    id: BrandId,
    query: Query,
    /// Accounts the query names (`@nordlysenergi`), folded: mentioning one addresses the
    /// brand even when the query does not match.
    handles: Vec<String>,
}

/// The v0 enricher for one workspace. Cheap to build: the lexicons are shared by all.
pub struct V0Enricher {
    model: &'static Model,
    brands: Vec<WatchedBrand>,
}

impl std::fmt::Debug for V0Enricher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("V0Enricher")
            .field("brands", &self.brands.iter().map(|b| &b.id).collect::<Vec<_>>())
            .finish()
    }
}

/// Buffers reused from item to item so enriching a batch allocates almost nothing.
#[derive(Default)]
struct Scratch {
    text: Analysed,
    vals: Vec<TokVal>,
    joined: String,
}

impl V0Enricher {
    /// Parses every brand's watch query; the error names the brand and the column.
    pub fn new(workspace: &Workspace) -> Result<V0Enricher, EnrichError> {
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
        Ok(V0Enricher { model, brands })
    }

    fn enrich_one(&self, item: &mut Item, s: &mut Scratch) {
        let m = self.model;
        let title = item.title.as_deref().filter(|t| !t.is_empty());
        let is_emoji = |c: char| m.emoji.contains_key(&c);
        let is_emoticon = |e: &str| m.emoticons.contains_key(e);
        match title {
            Some(t) => s.text.analyse(&[t, &item.text], is_emoji, is_emoticon),
            None => s.text.analyse(&[&item.text], is_emoji, is_emoticon),
        }
        let a = &s.text;

        // One lookup per token feeds language, sentiment and questions.
        let mut lang = LangScore::default();
        let mut question = false;
        let mut words = 0usize;
        s.vals.clear();
        for t in &a.toks {
            let text = a.tok_str(t);
            let (valence, flags) = match t.kind {
                TokKind::Word | TokKind::Hashtag => {
                    let info = m.words.get(text);
                    if t.kind == TokKind::Word {
                        words += 1;
                        lang.add_word(text, info);
                    }
                    match info {
                        Some(i) => (i.valence, i.flags),
                        None => (compound_valence(m, text), 0),
                    }
                }
                TokKind::Emoji => (
                    text.chars().next().and_then(|c| m.emoji.get(&c)).copied().unwrap_or(0.0),
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
            s.vals.push(TokVal {
                kind: t.kind,
                valence,
                flags,
                fixed: false,
            });
        }

        // One automaton pass for stems, compounds and phrases.
        let mut topic_hits: Vec<(usize, usize, Topic)> = Vec::new();
        let mut topic_vetoes: Vec<(usize, usize, Topic)> = Vec::new();
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
            let Some(effects) = m.cue_effects.get(mat.pattern().as_usize()) else { continue };
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
                    Effect::Topic(t) => topic_hits.push((start, end, t)),
                    Effect::NotTopic(t) => topic_vetoes.push((start, end, t)),
                    Effect::Valence(v) => {
                        apply_cue_valence(&mut s.vals, a, tok, start, end, v);
                    }
                    Effect::Stakeholder(who, w) => stake[who as usize] += w,
                    Effect::Complaint => complaint = true,
                    Effect::QuestionStart => {
                        if tok.is_some_and(|i| a.toks[i].sentence_start) {
                            question = true;
                        }
                    }
                }
            }
        }
        let mut topics = TopicSet::new();
        for (start, end, t) in topic_hits {
            let vetoed = topic_vetoes
                .iter()
                .any(|(vs, ve, vt)| *vt == t && *vs < end && start < *ve);
            if !vetoed {
                topics.insert(t);
            }
        }

        let lang = lang.decide(&a.cues, declared(item.declared_lang.as_deref()));
        let sentiment = sentiment::score(&s.vals);
        let press = item.source.kind.is_press() || item.kind == ItemKind::Article;

        let stakeholder = if press {
            Some(Stakeholder::Press)
        } else {
            let (best, score) = stake
                .iter()
                .enumerate()
                .fold((0, 0.0f32), |acc, (i, v)| if *v > acc.1 { (i, *v) } else { acc });
            if score >= 1.0 {
                Stakeholder::ALL.get(best).copied()
            } else if topics.iter().any(|t| t != Topic::Product) && words >= 4 {
                // An opinion on a CSR topic from someone with no closer tie: the public.
                Some(Stakeholder::Society)
            } else {
                None
            }
        };

        let brands = self.matching_brands(item, lang, &mut s.joined);
        let addressed = !brands.is_empty() || self.mentions_brand_account(a);
        let retweet = lower.starts_with("rt @") || lower.starts_with("rt:");
        let inquiry = addressed && !press && !retweet && words > 0 && (question || complaint);

        let e = &mut item.enrichment;
        e.lang = lang;
        e.sentiment = sentiment;
        e.topics = topics;
        e.stakeholder = stakeholder;
        e.brands = brands;
        e.inquiry = inquiry;
        e.model.clear();
        e.model.push_str(self.name());
    }

    /// Brands whose watch query matches, in the workspace's order.
    fn matching_brands(&self, item: &Item, lang: Lang, joined: &mut String) -> Vec<BrandId> {
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
        let mt = MatchText::new(text, &item.author.handle, lang, item.source.kind);
        self.brands
            .iter()
            .filter(|b| b.query.matches(&mt))
            .map(|b| b.id.clone())
            .collect()
    }

    fn mentions_brand_account(&self, a: &Analysed) -> bool {
        a.toks.iter().filter(|t| t.kind == TokKind::Mention).any(|t| {
            let handle = a.tok_str(t);
            self.brands.iter().any(|b| b.handles.iter().any(|h| h == handle))
        })
    }
}

impl Enricher for V0Enricher {
    fn name(&self) -> &'static str {
        "v0"
    }

    fn enrich(&self, items: &mut [Item]) {
        let mut scratch = Scratch::default();
        for item in items {
            self.enrich_one(item, &mut scratch);
        }
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
    let i = a.toks.partition_point(|t| t.start as usize <= pos).checked_sub(1)?;
    let t = a.toks.get(i)?;
    (pos < t.end as usize).then_some(i)
}

fn char_before(s: &str, i: usize) -> Option<char> {
    s.get(..i)?.chars().next_back()
}

fn char_after(s: &str, i: usize) -> Option<char> {
    s.get(i..)?.chars().next()
}
