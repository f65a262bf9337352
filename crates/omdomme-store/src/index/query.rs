//! Translation of the query language (`omdomme_core::Query`) and the search filters into a
//! tantivy query.
//!
//! Words and phrases are analysed by each text field's own analyzer and searched in all
//! three fields (an item's text sits in the field of its language); hashtags, mentions and
//! field filters are exact terms on their keyword fields, folded like the matcher folds.

use std::ops::Bound;

use omdomme_core::text::fold;
use omdomme_core::{Lang, Query, QueryField, SourceKind};
use tantivy::Term;
use tantivy::query::{
    AllQuery, BooleanQuery, ConstScoreQuery, EmptyQuery, Occur, PhraseQuery, Query as TQuery,
    RangeQuery, RegexQuery, TermQuery,
};
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::tokenizer::TextAnalyzer;

use super::Fields;
use super::analysis::analyse;
use crate::{Filters, StoreError, StoreResult};

pub(crate) struct Translator<'a> {
    pub(crate) fields: &'a Fields,
    /// Each text field with its analyzer; the last one does not stem.
    pub(crate) text: Vec<(Field, TextAnalyzer, bool)>,
}

type Boxed = Box<dyn TQuery>;

impl Translator<'_> {
    /// The whole search: `query` (or everything) within the workspace and the filters.
    pub(crate) fn search(
        &mut self,
        workspace: &str,
        query: Option<&Query>,
        filters: &Filters,
    ) -> StoreResult<Boxed> {
        let mut clauses: Vec<(Occur, Boxed)> = Vec::new();
        match query {
            Some(q) => clauses.push((Occur::Must, self.query(q)?)),
            None => clauses.push((Occur::Must, Box::new(AllQuery))),
        }
        // Filters take no part in the score: every hit matches them equally.
        let mut filter =
            |q: Boxed| clauses.push((Occur::Must, Box::new(ConstScoreQuery::new(q, 0.0))));
        let f = self.fields;
        filter(term(f.workspace, workspace));
        if let Some(brand) = &filters.brand {
            filter(term(f.brands, &brand.0));
        }
        if let Some(source) = filters.source {
            filter(term(f.source, source.as_str()));
        }
        if let Some(sentiment) = filters.sentiment {
            filter(term(f.sentiment, sentiment.as_str()));
        }
        if let Some(topic) = filters.topic {
            filter(term(f.topics, topic.as_str()));
        }
        if let Some(lang) = filters.lang {
            filter(term(f.lang, lang.as_str()));
        }
        if let Some(author) = &filters.author {
            filter(term(f.author, &fold_handle(author)));
        }
        if filters.from.is_some() || filters.to.is_some() {
            let bound = |t: Option<jiff::Timestamp>, inclusive: bool| match t {
                None => Bound::Unbounded,
                Some(t) => {
                    let term = Term::from_field_i64(f.published, t.as_microsecond());
                    if inclusive {
                        Bound::Included(term)
                    } else {
                        Bound::Excluded(term)
                    }
                }
            };
            filter(Box::new(RangeQuery::new(
                bound(filters.from, true),
                bound(filters.to, false),
            )));
        }
        Ok(Box::new(BooleanQuery::new(clauses)))
    }

    fn query(&mut self, query: &Query) -> StoreResult<Boxed> {
        Ok(match query {
            Query::And(all) => {
                let mut clauses = Vec::with_capacity(all.len() + 1);
                for q in all {
                    match q {
                        Query::Not(inner) => clauses.push((Occur::MustNot, self.query(inner)?)),
                        q => clauses.push((Occur::Must, self.query(q)?)),
                    }
                }
                if !clauses.iter().any(|(occur, _)| *occur == Occur::Must) {
                    clauses.push((Occur::Must, Box::new(AllQuery)));
                }
                Box::new(BooleanQuery::new(clauses))
            }
            Query::Or(any) => {
                if any.is_empty() {
                    return Ok(Box::new(EmptyQuery));
                }
                let mut clauses = Vec::with_capacity(any.len());
                for q in any {
                    clauses.push((Occur::Should, self.query(q)?));
                }
                Box::new(BooleanQuery::new(clauses))
            }
            Query::Not(inner) => Box::new(BooleanQuery::new(vec![
                (Occur::Must, Box::new(AllQuery) as Boxed),
                (Occur::MustNot, self.query(inner)?),
            ])),
            Query::Word {
                word,
                prefix: false,
            } => self.text(word),
            Query::Phrase(words) => {
                if words.is_empty() {
                    return Ok(Box::new(EmptyQuery));
                }
                self.text(&words.join(" "))
            }
            Query::Word { word, prefix: true } => self.prefix(word)?,
            Query::Hashtag(tag) => term(self.fields.hashtags, &fold(tag.trim_start_matches('#'))),
            Query::Mention(handle) => {
                let handle = fold_handle(handle);
                any_of(vec![
                    term(self.fields.mentions, &handle),
                    term(self.fields.author, &handle),
                ])
            }
            Query::Field { field, value } => match field {
                QueryField::Lang => match Lang::parse(&value.to_lowercase()) {
                    Some(lang) => term(self.fields.lang, lang.as_str()),
                    None => Box::new(EmptyQuery),
                },
                QueryField::Source => match SourceKind::parse(&value.to_lowercase()) {
                    Some(kind) => term(self.fields.source, kind.as_str()),
                    None => Box::new(EmptyQuery),
                },
                QueryField::Author => term(self.fields.author, &fold_handle(value)),
            },
        })
    }

    /// A word or phrase: its analysed terms, in order, in any of the text fields.
    fn text(&mut self, text: &str) -> Boxed {
        let mut per_field = Vec::new();
        for (field, analyzer, _) in &mut self.text {
            let terms = analyse(analyzer, text);
            match terms.len() {
                0 => {}
                1 => {
                    if let Some((_, t)) = terms.first() {
                        per_field.push(Box::new(TermQuery::new(
                            Term::from_field_text(*field, t),
                            IndexRecordOption::WithFreqs,
                        )) as Boxed);
                    }
                }
                _ => {
                    let first = terms.first().map_or(0, |(p, _)| *p);
                    per_field.push(Box::new(PhraseQuery::new_with_offset(
                        terms
                            .into_iter()
                            .map(|(p, t)| (p - first, Term::from_field_text(*field, &t)))
                            .collect(),
                    )));
                }
            }
        }
        any_of(per_field)
    }

    /// `word*`: every term starting with the folded word, and in the stemmed fields also
    /// with its stem (the index holds `bærekraft` for `bærekraftige`).
    fn prefix(&mut self, word: &str) -> StoreResult<Boxed> {
        let folded = fold(word);
        if folded.is_empty() {
            return Ok(Box::new(EmptyQuery));
        }
        let mut per_field = Vec::new();
        for (field, analyzer, stems) in &mut self.text {
            let mut prefixes = vec![folded.clone()];
            if *stems
                && let [(_, stem)] = analyse(analyzer, &folded).as_slice()
                && stem != &folded
                && !stem.is_empty()
            {
                prefixes.push(stem.clone());
            }
            for p in prefixes {
                let regex = format!("{}.*", regex_escape(&p));
                let q = RegexQuery::from_pattern(&regex, *field).map_err(|e| {
                    StoreError::Invalid(format!("cannot search for the prefix `{word}*`: {e}"))
                })?;
                per_field.push(Box::new(q) as Boxed);
            }
        }
        Ok(any_of(per_field))
    }
}

fn term(field: Field, value: &str) -> Boxed {
    Box::new(TermQuery::new(
        Term::from_field_text(field, value),
        IndexRecordOption::Basic,
    ))
}

fn any_of(mut queries: Vec<Boxed>) -> Boxed {
    match queries.len() {
        0 => Box::new(EmptyQuery),
        1 => queries.pop().unwrap_or_else(|| Box::new(EmptyQuery)),
        _ => Box::new(BooleanQuery::new(
            queries.into_iter().map(|q| (Occur::Should, q)).collect(),
        )),
    }
}

/// A handle as the index keeps it: folded, without the `@`.
pub(crate) fn fold_handle(handle: &str) -> String {
    fold(handle.strip_prefix('@').unwrap_or(handle))
}

/// Escapes what the automaton regex syntax treats as special; letters and digits stay.
fn regex_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 4);
    for c in s.chars() {
        if c.is_ascii_punctuation() {
            out.push('\\');
        }
        out.push(c);
    }
    out
}
