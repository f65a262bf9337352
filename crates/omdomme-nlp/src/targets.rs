//! Targeted sentiment: where in a text each brand is named, and the clause that speaks of it.
//!
//! A brand's mention is the first token its watch query's positive terms match (words,
//! prefixes, phrases, hashtags, accounts). Its clause runs from the mention back to the
//! sentence start and forward to the sentence end, but stops at another brand's mention and
//! at a contrast word (`men`, `but`, `enn`, `than`, `mens`, `while`): in "Bytta fra A til
//! B, endelig folk som svarer", B's clause is "B, endelig folk som svarer".

use omdomme_core::text::fold;
use omdomme_core::{BrandId, Query};

use crate::analysis::Analyzer;
use crate::lexicon::CONTRAST;
use crate::text::{Analysed, TokKind};

/// For each brand in `brands` (in order), the text of its clause, or `None` when its
/// mention cannot be placed (the query matched on a field or a negated term).
pub(crate) fn brand_segments(
    analyzer: &Analyzer,
    brands: &[BrandId],
    a: &Analysed,
) -> Vec<Option<String>> {
    let folded: Vec<String> = a.toks.iter().map(|t| fold(a.tok_str(t))).collect();
    let mentions: Vec<Option<usize>> = brands
        .iter()
        .map(|id| {
            let query = &analyzer.brands.iter().find(|b| &b.id == id)?.query;
            first_mention(query, a, &folded)
        })
        .collect();
    mentions
        .iter()
        .map(|m| {
            let at = (*m)?;
            let is_stop = |i: usize| {
                let t = &a.toks[i];
                t.kind == TokKind::Boundary
                    || t.kind == TokKind::Question
                    || t.kind == TokKind::Exclaim
                    || (t.kind == TokKind::Word
                        && analyzer.word_flags(a.tok_str(t)) & CONTRAST != 0)
                    || mentions.iter().any(|o| *o == Some(i) && i != at)
            };
            let mut from = at;
            while from > 0 && !is_stop(from - 1) {
                from -= 1;
            }
            let mut to = at;
            while to + 1 < a.toks.len() && !is_stop(to + 1) {
                to += 1;
            }
            // A clause that ends at `?` or `!` keeps it: it changes the tone.
            if let Some(t) = a.toks.get(to + 1)
                && matches!(t.kind, TokKind::Question | TokKind::Exclaim)
            {
                to += 1;
            }
            let (start, end) = (a.toks[from].start as usize, a.toks[to].end as usize);
            a.lower.get(start..end).map(str::to_owned)
        })
        .collect()
}

/// The first token a positive term of `query` matches.
fn first_mention(query: &Query, a: &Analysed, folded: &[String]) -> Option<usize> {
    match query {
        Query::And(all) | Query::Or(all) => {
            all.iter().filter_map(|q| first_mention(q, a, folded)).min()
        }
        Query::Word { word, prefix } => {
            let w = fold(word);
            word_positions(a, folded, TokKind::Word).find(|&i| {
                if *prefix {
                    folded[i].starts_with(&w)
                } else {
                    folded[i] == w
                }
            })
        }
        Query::Phrase(words) => {
            let words: Vec<String> = words.iter().map(|w| fold(w)).collect();
            let first = words.first()?;
            let positions: Vec<usize> = word_positions(a, folded, TokKind::Word).collect();
            positions.windows(words.len()).find_map(|win| {
                let all = win.iter().zip(&words).all(|(i, w)| &folded[*i] == w);
                (all && &folded[win[0]] == first).then_some(win[0])
            })
        }
        Query::Hashtag(tag) => {
            let t = fold(tag);
            word_positions(a, folded, TokKind::Hashtag).find(|&i| folded[i] == t)
        }
        Query::Mention(handle) => {
            let h = fold(handle);
            word_positions(a, folded, TokKind::Mention).find(|&i| folded[i] == h)
        }
        Query::Not(_) | Query::Field { .. } => None,
    }
}

fn word_positions<'a>(
    a: &'a Analysed,
    folded: &'a [String],
    kind: TokKind,
) -> impl Iterator<Item = usize> + 'a {
    (0..folded.len()).filter(move |&i| a.toks[i].kind == kind)
}
