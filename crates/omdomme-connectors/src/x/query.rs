//! Our watch queries in X's search syntax.
//!
//! The X search should find at least every post the watch query matches: our own matcher
//! runs the full query on each collected post afterwards, so a broader search costs some
//! quota but a narrower one loses posts. Each rule below keeps that where X allows it, and
//! says so where it cannot:
//! - `AND` is a space, `OR` is `OR` in parentheses, phrases stay quoted, `#tag` stays.
//! - `@account` becomes `(@account OR from:account)`: our matcher takes `@account` as a
//!   post mentioning the account *or* written by it, so both X operators are needed.
//! - `author:x` is `from:x`; `lang:nb` and `lang:nn` are `lang:no` (X has one code for
//!   Norwegian); `lang:other` cannot be searched and is left to our matcher.
//! - `source:x` is always true here and `source:<other>` always false: a query that asks
//!   only for other platforms selects nothing on X.
//! - X has no wildcard: `bærekraft*` is searched as the whole word `bærekraft`, which misses
//!   longer forms (`bærekraftig`). That is the one narrowing, and it is reported.
//! - X says not to negate a parenthesised group, so negations are pushed down to single
//!   terms (De Morgan): `NOT (a OR b)` is `-a -b`.
//! - `lang:` needs another term beside it on X; a query with nothing X can search on its
//!   own is an error.

use omdomme_core::{Lang, Query, QueryField, SourceKind};

/// A watch query in X's syntax, and what of it X could not express.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Translation {
    pub query: String,
    /// One plain sentence per part that X searches differently from our matcher.
    pub untranslatable: Vec<String>,
}

/// What a query means for X posts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    Search(Translation),
    /// The query can never match an X post (it asks for another source only).
    NothingOnX,
}

/// A query X cannot run at all; the message names the part.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct Untranslatable(pub String);

/// Translates `query` into X's search syntax.
pub fn translate(query: &Query) -> Result<Outcome, Untranslatable> {
    let mut notes = Vec::new();
    let node = match node(query, true, &mut notes) {
        Node::Never => return Ok(Outcome::NothingOnX),
        Node::Always => {
            return Err(Untranslatable(format!(
                "nothing in `{query}` can be searched on X"
            )));
        }
        node => node,
    };
    if !node.stands_alone() {
        return Err(Untranslatable(format!(
            "X needs a word, phrase, #hashtag or @account that is not negated in every part of the search; `{query}` has a part with only `lang:` or exclusions"
        )));
    }
    notes.dedup();
    Ok(Outcome::Search(Translation {
        query: node.render(false),
        untranslatable: notes,
    }))
}

/// A search in negation normal form: negations sit on single terms only.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Node {
    /// One X term, `positive` false when negated; `standalone` false for `lang:`, which X
    /// accepts only beside another term.
    Term {
        text: String,
        positive: bool,
        standalone: bool,
    },
    And(Vec<Node>),
    Or(Vec<Node>),
    /// Matches every X post (a `source:x` filter, or a part left to our matcher).
    Always,
    /// Matches no X post (a filter on another source).
    Never,
}

impl Node {
    fn term(text: String, positive: bool) -> Node {
        Node::Term {
            text,
            positive,
            standalone: true,
        }
    }

    fn all(parts: Vec<Node>) -> Node {
        let mut kept = Vec::new();
        for part in parts {
            match part {
                Node::Never => return Node::Never,
                Node::Always => {}
                Node::And(inner) => kept.extend(inner),
                part => kept.push(part),
            }
        }
        match kept.len() {
            0 => Node::Always,
            1 => kept.remove(0),
            _ => Node::And(kept),
        }
    }

    fn any(parts: Vec<Node>) -> Node {
        let mut kept = Vec::new();
        for part in parts {
            match part {
                Node::Always => return Node::Always,
                Node::Never => {}
                Node::Or(inner) => kept.extend(inner),
                part => kept.push(part),
            }
        }
        match kept.len() {
            0 => Node::Never,
            1 => kept.remove(0),
            _ => Node::Or(kept),
        }
    }

    /// Whether X accepts this as a search of its own.
    fn stands_alone(&self) -> bool {
        match self {
            Node::Term {
                positive,
                standalone,
                ..
            } => *positive && *standalone,
            Node::And(parts) => parts.iter().any(Node::stands_alone),
            Node::Or(parts) => parts.iter().all(Node::stands_alone),
            Node::Always | Node::Never => false,
        }
    }

    fn render(&self, nested: bool) -> String {
        match self {
            Node::Term { text, positive, .. } => {
                if *positive {
                    text.clone()
                } else {
                    format!("-{text}")
                }
            }
            Node::And(parts) => {
                let joined = parts
                    .iter()
                    .map(|p| p.render(true))
                    .collect::<Vec<_>>()
                    .join(" ");
                if nested {
                    format!("({joined})")
                } else {
                    joined
                }
            }
            Node::Or(parts) => {
                let joined = parts
                    .iter()
                    .map(|p| p.render(true))
                    .collect::<Vec<_>>()
                    .join(" OR ");
                if nested {
                    format!("({joined})")
                } else {
                    joined
                }
            }
            // Folded away by `all` and `any` and refused by `translate`.
            Node::Always | Node::Never => String::new(),
        }
    }
}

/// `query` as X terms; `positive` false when it sits under an odd number of negations.
fn node(query: &Query, positive: bool, notes: &mut Vec<String>) -> Node {
    match query {
        Query::And(parts) | Query::Or(parts) => {
            let nodes = parts.iter().map(|p| node(p, positive, notes)).collect();
            // De Morgan: under a negation AND turns into OR and back.
            if matches!(query, Query::And(_)) == positive {
                Node::all(nodes)
            } else {
                Node::any(nodes)
            }
        }
        Query::Not(inner) => node(inner, !positive, notes),
        Query::Word {
            word,
            prefix: false,
        } => Node::term(word.clone(), positive),
        Query::Word { word, prefix: true } => {
            notes.push(format!(
                "`{word}*`: X has no wildcard, so it searches the whole word `{word}` and misses longer forms"
            ));
            Node::term(word.clone(), positive)
        }
        Query::Phrase(words) => Node::term(format!("\"{}\"", words.join(" ")), positive),
        Query::Hashtag(tag) => Node::term(format!("#{tag}"), positive),
        Query::Mention(handle) => {
            let mentions = Node::term(format!("@{handle}"), positive);
            let by = Node::term(format!("from:{handle}"), positive);
            if positive {
                Node::any(vec![mentions, by])
            } else {
                Node::all(vec![mentions, by])
            }
        }
        Query::Field {
            field: QueryField::Author,
            value,
        } => Node::term(format!("from:{value}"), positive),
        Query::Field {
            field: QueryField::Source,
            value,
        } => {
            let is_x = SourceKind::parse(value) == Some(SourceKind::X);
            if is_x == positive {
                Node::Always
            } else {
                Node::Never
            }
        }
        Query::Field {
            field: QueryField::Lang,
            value,
        } => match Lang::parse(value) {
            Some(lang @ (Lang::Nb | Lang::Nn)) => {
                notes.push(format!(
                    "`lang:{}`: X has one code for Norwegian, so it searches `lang:no` (bokmål and nynorsk)",
                    lang.as_str()
                ));
                lang_term("no", positive)
            }
            Some(lang @ (Lang::En | Lang::Sv | Lang::Da)) => lang_term(lang.as_str(), positive),
            _ => {
                notes.push(format!(
                    "`lang:{value}` cannot be searched on X; the search leaves it out and our own matching applies it"
                ));
                Node::Always
            }
        },
    }
}

fn lang_term(code: &str, positive: bool) -> Node {
    Node::Term {
        text: format!("lang:{code}"),
        positive,
        standalone: false,
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn x(query: &str) -> Result<Outcome, Untranslatable> {
        translate(&Query::parse(query).unwrap())
    }

    #[test]
    fn nested_negation_is_pushed_to_terms() {
        let Outcome::Search(t) = x("nordlys NOT (jobb OR \"ledig stilling\")").unwrap() else {
            panic!("searchable")
        };
        assert_eq!(t.query, "nordlys -jobb -\"ledig stilling\"");
        let Outcome::Search(t) = x("nordlys NOT (jobb AND stilling)").unwrap() else {
            panic!("searchable")
        };
        assert_eq!(t.query, "nordlys (-jobb OR -stilling)");
    }
}
