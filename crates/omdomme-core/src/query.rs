//! Boolean watch and search queries as users of Brandwatch or Meltwater write them:
//! `("Nordlys Energi" OR #nordlys OR @nordlysenergi) AND (klima OR utslipp) NOT jobb* lang:nb`.
//!
//! One language serves both watch queries (deciding which brand an item is about) and
//! full-text search (translated to the index's own query by the store).

use serde::{Deserialize, Serialize};

use crate::text::{MatchText, folded, is_handle, is_hashtag, words};
use crate::{Lang, SourceKind};

/// A parsed query. Words and phrases are kept lower-cased as written; matching and indexing
/// fold case and diacritics the same way on both sides.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Query {
    /// Every sub-query must match.
    And(Vec<Query>),
    /// At least one sub-query must match.
    Or(Vec<Query>),
    /// The sub-query must not match (`NOT x`, `-x`).
    Not(Box<Query>),
    /// A single word; `prefix` when written with a trailing `*` (`bærekraft*`).
    Word { word: String, prefix: bool },
    /// Words that must appear next to each other in this order (`"grønn omstilling"`).
    Phrase(Vec<String>),
    /// `#hashtag`, stored without the `#`.
    Hashtag(String),
    /// `@account`, stored without the `@`.
    Mention(String),
    /// A field filter: `lang:nb`, `author:ola`, `source:x`.
    Field { field: QueryField, value: String },
}

/// What a [`Query::Field`] filter looks at: the item's language, author handle or source kind.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum QueryField {
    Lang,
    Author,
    Source,
}

/// A query that could not be parsed, with the 1-based column (in characters) where the
/// problem is, so an editor can point at it.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
#[error("column {column}: {message}")]
pub struct QueryError {
    pub column: usize,
    pub message: String,
}

impl Query {
    /// Parses a query; the error names the problem and the column where it is.
    ///
    /// `AND`, `OR` and `NOT` are operators only in upper case; adjacent terms are ANDed; `NOT`
    /// binds tighter than `AND`, which binds tighter than `OR`. A term with punctuation
    /// inside (`nordlys.no`, `e-post`) is the phrase of its words.
    pub fn parse(input: &str) -> Result<Query, QueryError> {
        if input.chars().nth(MAX_QUERY_CHARS).is_some() {
            return Err(error(
                MAX_QUERY_CHARS + 1,
                format!("a query is at most {MAX_QUERY_CHARS} characters"),
            ));
        }
        let lexemes = lex(input)?;
        let Some(first) = lexemes.first() else {
            return Err(error(1, "empty query"));
        };
        let first_column = first.column;
        let mut parser = Parser {
            lexemes: &lexemes,
            next: 0,
            depth: 0,
        };
        let parsed = parser.or()?;
        if let Some(extra) = parser.peek() {
            return Err(error(extra.column, "unmatched closing parenthesis"));
        }
        if !parsed.positive {
            // A query of only exclusions matches nearly everything, and the index cannot run one.
            return Err(error(
                first_column,
                "a query needs at least one positive term",
            ));
        }
        Ok(parsed.query)
    }

    /// Whether the item matches. Words, phrases, hashtags, mentions and authors compare
    /// folded (see [`crate::text::fold`]); a plain word also matches a hashtag or mention
    /// with that text, while `#tag` matches only hashtags and `@handle` only mentions and the
    /// author.
    pub fn matches(&self, text: &MatchText) -> bool {
        match self {
            Query::And(all) => all.iter().all(|q| q.matches(text)),
            Query::Or(any) => any.iter().any(|q| q.matches(text)),
            Query::Not(q) => !q.matches(text),
            Query::Word {
                word,
                prefix: false,
            } => text.has_word(&folded(word)),
            Query::Word { word, prefix: true } => text.has_word_starting_with(&folded(word)),
            Query::Phrase(words) => {
                let words: Vec<_> = words.iter().map(|w| folded(w)).collect();
                text.has_phrase(&words)
            }
            Query::Hashtag(tag) => text.has_hashtag(&folded(tag)),
            Query::Mention(handle) => text.mentions_or_is_by(&folded(handle)),
            Query::Field { field, value } => match field {
                QueryField::Lang => Lang::parse(value) == Some(text.lang()),
                QueryField::Source => SourceKind::parse(value) == Some(text.source()),
                QueryField::Author => text.is_by(&folded(value)),
            },
        }
    }
}

/// Longer queries are pasted text, not queries, and would be slow to match.
const MAX_QUERY_CHARS: usize = 4000;
/// Deeper nesting is no query a person writes, and the parser recurses once per level.
const MAX_DEPTH: usize = 32;

fn error(column: usize, message: impl Into<String>) -> QueryError {
    QueryError {
        column,
        message: message.into(),
    }
}

impl QueryField {
    const ALL: [QueryField; 3] = [QueryField::Lang, QueryField::Author, QueryField::Source];

    fn as_str(self) -> &'static str {
        match self {
            QueryField::Lang => "lang",
            QueryField::Author => "author",
            QueryField::Source => "source",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum LexemeKind<'a> {
    Open,
    Close,
    And,
    Or,
    Not,
    /// `-` right before a term, phrase or group.
    Minus,
    /// Between the quotes.
    Phrase(&'a str),
    Term(&'a str),
}

#[derive(Clone, Copy, Debug)]
struct Lexeme<'a> {
    kind: LexemeKind<'a>,
    /// 1-based, in characters.
    column: usize,
}

fn lex(input: &str) -> Result<Vec<Lexeme<'_>>, QueryError> {
    // Indexing by character makes the column the index plus one.
    let chars: Vec<(usize, char)> = input.char_indices().collect();
    let byte_at = |i: usize| chars.get(i).map_or(input.len(), |&(byte, _)| byte);
    let ends_term = |c: char| c.is_whitespace() || matches!(c, '(' | ')' | '"');
    let mut lexemes = Vec::new();
    let mut i = 0;
    while let Some(&(_, c)) = chars.get(i) {
        let column = i + 1;
        let (kind, next) = match c {
            _ if c.is_whitespace() => {
                i += 1;
                continue;
            }
            '(' => (LexemeKind::Open, i + 1),
            ')' => (LexemeKind::Close, i + 1),
            '"' => {
                let Some(close) = chars
                    .iter()
                    .skip(i + 1)
                    .position(|&(_, c)| c == '"')
                    .map(|offset| i + 1 + offset)
                else {
                    return Err(error(column, "unclosed quote"));
                };
                let phrase = input
                    .get(byte_at(i + 1)..byte_at(close))
                    .unwrap_or_default();
                (LexemeKind::Phrase(phrase), close + 1)
            }
            '-' => {
                if chars
                    .get(i + 1)
                    .is_none_or(|&(_, next)| next.is_whitespace() || next == ')')
                {
                    return Err(error(column, "expected a term after -"));
                }
                (LexemeKind::Minus, i + 1)
            }
            _ => {
                let end = chars
                    .iter()
                    .skip(i)
                    .position(|&(_, c)| ends_term(c))
                    .map_or(chars.len(), |offset| i + offset);
                let term = input.get(byte_at(i)..byte_at(end)).unwrap_or_default();
                let kind = match term {
                    "AND" => LexemeKind::And,
                    "OR" => LexemeKind::Or,
                    "NOT" => LexemeKind::Not,
                    _ => LexemeKind::Term(term),
                };
                (kind, end)
            }
        };
        lexemes.push(Lexeme { kind, column });
        i = next;
    }
    Ok(lexemes)
}

/// A parsed sub-query with what its parents need to check it.
struct Parsed {
    query: Query,
    /// Matches only items containing something, rather than everything but something.
    positive: bool,
    column: usize,
}

struct Parser<'l, 'a> {
    lexemes: &'l [Lexeme<'a>],
    next: usize,
    depth: usize,
}

impl<'a> Parser<'_, 'a> {
    fn peek(&self) -> Option<Lexeme<'a>> {
        self.lexemes.get(self.next).copied()
    }

    fn eat(&mut self, kind: LexemeKind<'_>) -> Option<Lexeme<'a>> {
        let lexeme = self.peek().filter(|l| l.kind == kind)?;
        self.next += 1;
        Some(lexeme)
    }

    fn at_operand(&self) -> bool {
        self.peek().is_some_and(|l| {
            matches!(
                l.kind,
                LexemeKind::Open
                    | LexemeKind::Not
                    | LexemeKind::Minus
                    | LexemeKind::Phrase(_)
                    | LexemeKind::Term(_)
            )
        })
    }

    fn descend(&mut self, column: usize) -> Result<(), QueryError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(error(
                column,
                format!("nesting deeper than {MAX_DEPTH} levels"),
            ));
        }
        Ok(())
    }

    fn or(&mut self) -> Result<Parsed, QueryError> {
        let first = self.and()?;
        let column = first.column;
        let mut branches = vec![first];
        while let Some(or) = self.eat(LexemeKind::Or) {
            if !self.at_operand() {
                return Err(error(or.column, "expected a term after OR"));
            }
            branches.push(self.and()?);
        }
        if branches.len() == 1 {
            return Ok(branches.remove(0));
        }
        if let Some(negative) = branches.iter().find(|b| !b.positive) {
            return Err(error(
                negative.column,
                "each side of OR needs a positive term",
            ));
        }
        let mut flat = Vec::with_capacity(branches.len());
        for branch in branches {
            match branch.query {
                Query::Or(inner) => flat.extend(inner),
                other => flat.push(other),
            }
        }
        Ok(Parsed {
            query: Query::Or(flat),
            positive: true,
            column,
        })
    }

    fn and(&mut self) -> Result<Parsed, QueryError> {
        let first = self.operand()?;
        let column = first.column;
        let mut parts = vec![first];
        loop {
            if let Some(and) = self.eat(LexemeKind::And) {
                if !self.at_operand() {
                    return Err(error(and.column, "expected a term after AND"));
                }
            } else if !self.at_operand() {
                break;
            }
            parts.push(self.operand()?);
        }
        if parts.len() == 1 {
            return Ok(parts.remove(0));
        }
        let positive = parts.iter().any(|p| p.positive);
        let mut flat = Vec::with_capacity(parts.len());
        for part in parts {
            match part.query {
                Query::And(inner) => flat.extend(inner),
                other => flat.push(other),
            }
        }
        Ok(Parsed {
            query: Query::And(flat),
            positive,
            column,
        })
    }

    /// A term, phrase, group or negation.
    fn operand(&mut self) -> Result<Parsed, QueryError> {
        let Some(lexeme) = self.peek() else {
            // Callers make sure an operand follows; this only guards the end of input.
            let column = self.lexemes.last().map_or(1, |l| l.column + 1);
            return Err(error(column, "expected a term"));
        };
        self.next += 1;
        let column = lexeme.column;
        let query = match lexeme.kind {
            LexemeKind::Not | LexemeKind::Minus => {
                if !self.at_operand() {
                    let operator = if lexeme.kind == LexemeKind::Not {
                        "NOT"
                    } else {
                        "-"
                    };
                    return Err(error(column, format!("expected a term after {operator}")));
                }
                self.descend(column)?;
                let inner = self.operand()?;
                self.depth -= 1;
                return Ok(Parsed {
                    query: Query::Not(Box::new(inner.query)),
                    positive: false,
                    column,
                });
            }
            LexemeKind::Open => {
                match self.peek().map(|l| l.kind) {
                    None => return Err(error(column, "unclosed parenthesis")),
                    Some(LexemeKind::Close) => return Err(error(column, "empty group")),
                    Some(_) => {}
                }
                self.descend(column)?;
                let inner = self.or()?;
                if self.eat(LexemeKind::Close).is_none() {
                    return Err(error(column, "unclosed parenthesis"));
                }
                self.depth -= 1;
                return Ok(Parsed { column, ..inner });
            }
            LexemeKind::Close => return Err(error(column, "unmatched closing parenthesis")),
            LexemeKind::And => return Err(error(column, "expected a term before AND")),
            LexemeKind::Or => return Err(error(column, "expected a term before OR")),
            LexemeKind::Phrase(phrase) => parse_phrase(phrase, column)?,
            LexemeKind::Term(term) => parse_term(term, column)?,
        };
        Ok(Parsed {
            query,
            positive: true,
            column,
        })
    }
}

fn lowercase(s: &str) -> String {
    s.chars().flat_map(char::to_lowercase).collect()
}

/// The query for a run of words: one word is a word, more are a phrase.
fn words_query(words: Vec<String>) -> Query {
    match <[String; 1]>::try_from(words) {
        Ok([word]) => Query::Word {
            word,
            prefix: false,
        },
        Err(words) => Query::Phrase(words),
    }
}

fn parse_phrase(phrase: &str, column: usize) -> Result<Query, QueryError> {
    let words: Vec<String> = words(phrase).map(lowercase).collect();
    if words.is_empty() {
        return Err(error(column, "empty phrase"));
    }
    Ok(words_query(words))
}

fn parse_term(term: &str, column: usize) -> Result<Query, QueryError> {
    // Column of a byte offset inside the term.
    let column_at = |byte: usize| column + term.get(..byte).map_or(0, |s| s.chars().count());
    if let Some(tag) = term.strip_prefix('#') {
        if !is_hashtag(tag) {
            return Err(error(
                column,
                "expected letters, digits or _ after # in a hashtag",
            ));
        }
        return Ok(Query::Hashtag(lowercase(tag)));
    }
    if let Some(handle) = term.strip_prefix('@') {
        if !is_handle(handle) {
            return Err(error(column, "expected an account name after @"));
        }
        return Ok(Query::Mention(lowercase(handle)));
    }
    if let Some((name, value)) = term.split_once(':')
        && !name.is_empty()
        && name.chars().all(char::is_alphabetic)
        && !value.starts_with("//")
    {
        let value_column = column_at(name.len() + 1);
        return parse_field(name, value).map_err(|e| match e {
            FieldError::UnknownField => error(
                column,
                format!(
                    "unknown field \"{name}\"; known fields are {}",
                    QueryField::ALL.map(QueryField::as_str).join(", ")
                ),
            ),
            FieldError::BadValue(message) => error(value_column, message),
        });
    }
    if let Some(star) = term.find('*') {
        if star + 1 != term.len() {
            return Err(error(
                column_at(star),
                "a wildcard is only allowed at the end of a word",
            ));
        }
        let stem = term.get(..star).unwrap_or_default();
        let mut stem_words = words(stem);
        return match (stem_words.next(), stem_words.next()) {
            (Some(word), None) if stem.ends_with(word) => Ok(Query::Word {
                word: lowercase(word),
                prefix: true,
            }),
            (None, _) => Err(error(column_at(star), "expected a word before *")),
            _ => Err(error(column, "a wildcard needs a single word before it")),
        };
    }
    let words: Vec<String> = words(term).map(lowercase).collect();
    if words.is_empty() {
        return Err(error(column, "a term needs letters or digits"));
    }
    Ok(words_query(words))
}

enum FieldError {
    UnknownField,
    BadValue(String),
}

fn parse_field(name: &str, value: &str) -> Result<Query, FieldError> {
    let name = lowercase(name);
    let field = QueryField::ALL
        .into_iter()
        .find(|f| f.as_str() == name)
        .ok_or(FieldError::UnknownField)?;
    if value.is_empty() {
        return Err(FieldError::BadValue(format!(
            "expected a value after {name}:"
        )));
    }
    let value = lowercase(value);
    let unknown = |what: &str, valid: &[&str]| {
        FieldError::BadValue(format!(
            "unknown {what} \"{value}\"; valid values are {}",
            valid.join(", ")
        ))
    };
    match field {
        QueryField::Lang if Lang::parse(&value).is_none() => {
            Err(unknown("language", &Lang::ALL.map(Lang::as_str)))
        }
        QueryField::Source if SourceKind::parse(&value).is_none() => {
            Err(unknown("source", &SourceKind::ALL.map(SourceKind::as_str)))
        }
        QueryField::Author => {
            let handle = value.strip_prefix('@').unwrap_or(&value);
            if !is_handle(handle) {
                return Err(FieldError::BadValue(
                    "expected an account name after author:".into(),
                ));
            }
            Ok(Query::Field {
                field,
                value: handle.to_owned(),
            })
        }
        _ => Ok(Query::Field { field, value }),
    }
}

/// The canonical form: explicit `AND`, `NOT x` for every exclusion, parentheses only where
/// precedence needs them or an `AND` sits inside an `OR`. It parses back to the same query.
impl std::fmt::Display for Query {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Query::And(parts) => write_joined(f, parts, " AND "),
            Query::Or(branches) => write_joined(f, branches, " OR "),
            Query::Not(inner) => {
                f.write_str("NOT ")?;
                write_operand(f, inner)
            }
            Query::Word { word, prefix } => {
                f.write_str(word)?;
                if *prefix {
                    f.write_str("*")?;
                }
                Ok(())
            }
            Query::Phrase(words) => write!(f, "\"{}\"", words.join(" ")),
            Query::Hashtag(tag) => write!(f, "#{tag}"),
            Query::Mention(handle) => write!(f, "@{handle}"),
            Query::Field { field, value } => write!(f, "{}:{value}", field.as_str()),
        }
    }
}

fn write_joined(
    f: &mut std::fmt::Formatter<'_>,
    queries: &[Query],
    separator: &str,
) -> std::fmt::Result {
    for (i, q) in queries.iter().enumerate() {
        if i > 0 {
            f.write_str(separator)?;
        }
        write_operand(f, q)?;
    }
    Ok(())
}

/// Writes an operand of an operator, in parentheses when it has operators of its own.
fn write_operand(f: &mut std::fmt::Formatter<'_>, q: &Query) -> std::fmt::Result {
    match q {
        Query::And(_) | Query::Or(_) => write!(f, "({q})"),
        _ => write!(f, "{q}"),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    /// Parses `input`, checks its canonical form, and that the form parses back the same.
    fn check(input: &str, canonical: &str) {
        let query = Query::parse(input).unwrap_or_else(|e| panic!("{input:?}: {e}"));
        assert_eq!(
            query.to_string(),
            canonical,
            "{input:?} parsed as {query:?}"
        );
        assert_eq!(
            Query::parse(canonical).unwrap(),
            query,
            "round trip of {canonical:?}"
        );
    }

    fn check_error(input: &str, column: usize, message: &str) {
        let expected = error(column, message);
        assert_eq!(Query::parse(input), Err(expected), "{input:?}");
    }

    fn word(w: &str) -> Query {
        Query::Word {
            word: w.into(),
            prefix: false,
        }
    }

    fn post(text: &str) -> MatchText {
        MatchText::new(text, "kari", Lang::Nb, SourceKind::Mastodon)
    }

    fn matches(query: &str, text: &MatchText) -> bool {
        Query::parse(query).unwrap().matches(text)
    }

    // Syntax.

    #[test]
    fn a_word_is_lower_cased() {
        assert_eq!(Query::parse("Klima").unwrap(), word("klima"));
    }

    #[test]
    fn adjacent_terms_are_anded() {
        check("klima utslipp", "klima AND utslipp");
    }

    #[test]
    fn or_and_not() {
        check("klima OR miljø NOT jobb", "klima OR (miljø AND NOT jobb)");
    }

    #[test]
    fn lower_case_operators_are_words() {
        check("klima and or not", "klima AND and AND or AND not");
    }

    #[test]
    fn and_binds_tighter_than_or() {
        check("a OR b AND c OR d", "a OR (b AND c) OR d");
    }

    #[test]
    fn not_binds_tighter_than_and() {
        check("a NOT b c", "a AND NOT b AND c");
    }

    #[test]
    fn parentheses_override_precedence() {
        check("(a OR b) c", "(a OR b) AND c");
    }

    #[test]
    fn nested_ands_and_ors_flatten() {
        check("a (b (c AND d))", "a AND b AND c AND d");
        check("(a OR (b OR c)) OR d", "a OR b OR c OR d");
    }

    #[test]
    fn a_group_of_one_collapses() {
        check("((klima))", "klima");
    }

    #[test]
    fn a_quoted_phrase() {
        check("\"Grønn  Omstilling\"", "\"grønn omstilling\"");
    }

    #[test]
    fn a_one_word_phrase_is_a_word() {
        assert_eq!(Query::parse("\"Klima\"").unwrap(), word("klima"));
    }

    #[test]
    fn quotes_make_operators_and_signs_plain_words() {
        check("\"klima AND #miljø\"", "\"klima and miljø\"");
    }

    #[test]
    fn a_term_with_punctuation_is_the_phrase_of_its_words() {
        check("nordlys.no", "\"nordlys no\"");
        check("e-post", "\"e post\"");
    }

    #[test]
    fn links_are_fine_quoted_or_not() {
        check("\"https://x.no\"", "\"https x no\"");
        check("https://x.no", "\"https x no\"");
    }

    #[test]
    fn hashtag_and_mention() {
        check("#Nordlys @NordlysEnergi", "#nordlys AND @nordlysenergi");
    }

    #[test]
    fn bluesky_and_mastodon_mentions() {
        check(
            "@ola.bsky.social OR @kari@mastodon.social",
            "@ola.bsky.social OR @kari@mastodon.social",
        );
    }

    #[test]
    fn minus_excludes_a_term_phrase_or_group() {
        check("klima -jobb", "klima AND NOT jobb");
        check(
            "klima -\"ledig stilling\"",
            "klima AND NOT \"ledig stilling\"",
        );
        check(
            "klima -(jobb OR stilling)",
            "klima AND NOT (jobb OR stilling)",
        );
    }

    #[test]
    fn not_of_a_group() {
        check("klima NOT (a b)", "klima AND NOT (a AND b)");
    }

    #[test]
    fn double_negation_is_kept() {
        check("klima NOT -jobb", "klima AND NOT NOT jobb");
    }

    #[test]
    fn trailing_star_is_a_prefix() {
        assert_eq!(
            Query::parse("Bærekraft*").unwrap(),
            Query::Word {
                word: "bærekraft".into(),
                prefix: true
            }
        );
        check("bærekraft* jobb*", "bærekraft* AND jobb*");
    }

    #[test]
    fn field_filters() {
        check(
            "klima lang:NB source:bluesky",
            "klima AND lang:nb AND source:bluesky",
        );
        check("klima author:Ola", "klima AND author:ola");
    }

    #[test]
    fn author_may_be_written_with_at() {
        check(
            "klima author:@ola.bsky.social",
            "klima AND author:ola.bsky.social",
        );
    }

    #[test]
    fn a_field_filter_alone_is_a_query() {
        check("lang:nn", "lang:nn");
    }

    #[test]
    fn excluded_field() {
        check("klima -lang:en", "klima AND NOT lang:en");
    }

    #[test]
    fn terms_may_touch_parentheses_and_quotes() {
        check(
            "(klima)miljø\"grønn vekst\"",
            "klima AND miljø AND \"grønn vekst\"",
        );
    }

    #[test]
    fn the_brand_example_parses() {
        check(
            "(\"Nordlys Energi\" OR #nordlys OR @nordlysenergi) AND (klima OR utslipp) NOT jobb* lang:nb",
            "(\"nordlys energi\" OR #nordlys OR @nordlysenergi) AND (klima OR utslipp) AND NOT jobb* AND lang:nb",
        );
    }

    #[test]
    fn a_leading_plus_is_ignored() {
        check("+klima", "klima");
    }

    #[test]
    fn control_characters_separate_nothing_but_do_no_harm() {
        check("kli\u{0}ma", "\"kli ma\"");
    }

    #[test]
    fn right_to_left_words() {
        check("שלום OR مرحبا", "שלום OR مرحبا");
    }

    #[test]
    fn exactly_32_levels_are_fine() {
        let query = format!("{}klima{}", "(".repeat(32), ")".repeat(32));
        check(&query, "klima");
    }

    #[test]
    fn queries_serialise_as_json_and_back() {
        let query = Query::parse("(a OR #b) -@c lang:nb").unwrap();
        let json = serde_json::to_string(&query).unwrap();
        assert_eq!(serde_json::from_str::<Query>(&json).unwrap(), query);
    }

    // Errors.

    #[test]
    fn empty_query() {
        check_error("", 1, "empty query");
        check_error("   ", 1, "empty query");
    }

    #[test]
    fn unclosed_quote_points_at_the_opening_quote() {
        check_error("klima \"grønn omstilling", 7, "unclosed quote");
    }

    #[test]
    fn columns_count_characters_not_bytes() {
        check_error("ærlig øl \"å", 10, "unclosed quote");
    }

    #[test]
    fn unclosed_parenthesis() {
        check_error("klima (a OR b", 7, "unclosed parenthesis");
        check_error("klima (", 7, "unclosed parenthesis");
    }

    #[test]
    fn unmatched_closing_parenthesis() {
        check_error("klima a)", 8, "unmatched closing parenthesis");
        check_error(") klima", 1, "unmatched closing parenthesis");
    }

    #[test]
    fn empty_group() {
        check_error("klima ()", 7, "empty group");
    }

    #[test]
    fn and_without_a_left_operand() {
        check_error("AND klima", 1, "expected a term before AND");
        check_error("(OR klima)", 2, "expected a term before OR");
    }

    #[test]
    fn operators_without_a_right_operand() {
        check_error("klima OR", 7, "expected a term after OR");
        check_error("klima AND", 7, "expected a term after AND");
        check_error("klima NOT", 7, "expected a term after NOT");
        check_error("klima AND OR miljø", 7, "expected a term after AND");
        check_error("(klima OR)", 8, "expected a term after OR");
    }

    #[test]
    fn a_lone_minus() {
        check_error("klima -", 7, "expected a term after -");
        check_error("klima - miljø", 7, "expected a term after -");
        check_error("klima -AND", 7, "expected a term after -");
    }

    #[test]
    fn only_exclusions() {
        check_error("-klima", 1, "a query needs at least one positive term");
        check_error(
            "  NOT klima -miljø",
            3,
            "a query needs at least one positive term",
        );
        check_error("(-klima)", 1, "a query needs at least one positive term");
    }

    #[test]
    fn an_or_of_an_exclusion() {
        check_error(
            "klima OR -jobb",
            10,
            "each side of OR needs a positive term",
        );
    }

    #[test]
    fn unknown_field_names_the_known_ones() {
        check_error(
            "klima foo:bar",
            7,
            "unknown field \"foo\"; known fields are lang, author, source",
        );
    }

    #[test]
    fn unknown_language_lists_the_valid_ones() {
        check_error(
            "klima lang:de",
            12,
            "unknown language \"de\"; valid values are nb, nn, en, sv, da, other",
        );
    }

    #[test]
    fn unknown_source_lists_the_valid_ones() {
        check_error(
            "kø source:tiktok",
            11,
            "unknown source \"tiktok\"; valid values are rss, mastodon, bluesky, x, facebook, file, webhook",
        );
    }

    #[test]
    fn a_field_needs_a_value() {
        check_error("klima lang:", 12, "expected a value after lang:");
        check_error(
            "klima author:@",
            14,
            "expected an account name after author:",
        );
    }

    #[test]
    fn bad_hashtags_and_mentions() {
        check_error(
            "klima #",
            7,
            "expected letters, digits or _ after # in a hashtag",
        );
        check_error(
            "klima #nord-lys",
            7,
            "expected letters, digits or _ after # in a hashtag",
        );
        check_error("klima @ola.", 7, "expected an account name after @");
    }

    #[test]
    fn misplaced_wildcards() {
        check_error(
            "kli*ma",
            4,
            "a wildcard is only allowed at the end of a word",
        );
        check_error(
            "klima**",
            6,
            "a wildcard is only allowed at the end of a word",
        );
        check_error("klima *", 7, "expected a word before *");
        check_error("e-post*", 1, "a wildcard needs a single word before it");
    }

    #[test]
    fn a_term_needs_letters_or_digits() {
        check_error("klima !!!", 7, "a term needs letters or digits");
        check_error("😀🎉", 1, "a term needs letters or digits");
        check_error("klima \"...\"", 7, "empty phrase");
    }

    #[test]
    fn too_long() {
        let query = "klima ".repeat(700);
        check_error(&query, 4001, "a query is at most 4000 characters");
    }

    #[test]
    fn four_thousand_characters_are_fine() {
        let query = "ø".repeat(4000);
        assert!(Query::parse(&query).is_ok());
    }

    #[test]
    fn too_deep() {
        let query = format!("{}klima{}", "(".repeat(33), ")".repeat(33));
        check_error(&query, 33, "nesting deeper than 32 levels");
        let query = format!("klima {}miljø", "NOT ".repeat(40));
        check_error(&query, 7 + 32 * 4, "nesting deeper than 32 levels");
    }

    #[test]
    fn errors_display_with_their_column() {
        let e = Query::parse("klima (").unwrap_err();
        assert_eq!(e.to_string(), "column 7: unclosed parenthesis");
    }

    #[test]
    fn pathological_inputs_do_not_panic() {
        let inputs = [
            "(".repeat(5000),
            "(".repeat(3000),
            format!("{}a", "(-".repeat(1500)),
            ")".repeat(3000),
            "\"".repeat(3999),
            "-".repeat(3000),
            "NOT ".repeat(999),
            "a ".repeat(1999),
            "x".repeat(10_000),
            "\u{0}\u{1}\u{7f}\u{202e}\u{200d}".repeat(100),
            "🇳🇴👍🏽".repeat(100),
            "#@*:-\"()".repeat(400),
            "a:".repeat(1000),
        ];
        for input in &inputs {
            let _ = Query::parse(input);
        }
    }

    #[test]
    fn generated_queries_round_trip_or_fail_cleanly() {
        const FRAGMENTS: [&str; 22] = [
            "klima",
            "Bærekraft*",
            "\"grønn omstilling\"",
            "#Nordlys",
            "@ola.bsky.social",
            "lang:nb",
            "author:@Kari",
            "source:rss",
            "AND",
            "OR",
            "NOT",
            "-",
            "(",
            ")",
            "nordlys.no",
            "e-post",
            "\"",
            "*",
            "é",
            "and",
            "foo:bar",
            "😀",
        ];
        // A fixed linear congruential sequence: varied, reproducible, and no extra crate.
        let mut state: u64 = 0x5eed;
        let mut next = |bound: usize| {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            usize::try_from(state >> 33).unwrap() % bound
        };
        let mut parsed = 0;
        for _ in 0..20_000 {
            let mut input = String::new();
            for _ in 0..1 + next(10) {
                input.push_str(FRAGMENTS[next(FRAGMENTS.len())]);
                if next(4) > 0 {
                    input.push(' ');
                }
            }
            match Query::parse(&input) {
                Ok(query) => {
                    parsed += 1;
                    let canonical = query.to_string();
                    assert_eq!(
                        Query::parse(&canonical),
                        Ok(query),
                        "{input:?} -> {canonical:?}"
                    );
                }
                Err(e) => {
                    assert!(
                        e.column >= 1 && e.column <= input.chars().count() + 1,
                        "{input:?}: {e}"
                    );
                    assert!(!e.message.ends_with('.'), "{e}");
                }
            }
        }
        assert!(parsed > 1000, "only {parsed} generated queries parsed");
    }

    // Matching.

    #[test]
    fn a_word_matches_case_and_accent_insensitively() {
        let text = post("Ny KAFÉ i Bodø");
        assert!(matches("kafe", &text));
        assert!(matches("Kafé bodø", &text));
        assert!(!matches("bodo", &text));
    }

    #[test]
    fn a_word_matches_whole_words_only() {
        let text = post("Bærekraftig drift");
        assert!(!matches("bærekraft", &text));
    }

    #[test]
    fn a_prefix_matches_the_start_of_a_word() {
        let text = post("Bærekraftig drift");
        assert!(matches("bærekraft*", &text));
        assert!(matches("Bærekraftig*", &text));
        assert!(!matches("kraft*", &text));
    }

    #[test]
    fn a_phrase_matches_consecutive_words_across_punctuation() {
        let text = post("Nordlys-Energi: grønn, omstilling!");
        assert!(matches("\"nordlys energi\"", &text));
        assert!(matches("\"grønn omstilling\"", &text));
        assert!(!matches("\"energi omstilling\"", &text));
        assert!(!matches("\"omstilling grønn\"", &text));
    }

    #[test]
    fn a_site_name_matches_a_link_to_it() {
        let text = post("Les mer: https://www.nordlys.no/klima.");
        assert!(matches("nordlys.no", &text));
        assert!(matches("\"nordlys.no/klima\"", &text));
    }

    #[test]
    fn a_word_matches_a_hashtag_but_a_hashtag_not_a_word() {
        assert!(matches("nordlys", &post("Se #Nordlys i kveld")));
        assert!(matches("nordlysenergi", &post("Hei @NordlysEnergi!")));
        assert!(matches("#nordlys", &post("Se #Nordlys i kveld")));
        assert!(!matches("#nordlys", &post("Se nordlys i kveld")));
    }

    #[test]
    fn a_mention_matches_a_mention_or_the_author() {
        assert!(matches("@nordlysenergi", &post("Hei @NordlysEnergi!")));
        assert!(matches("@kari", &post("ingen nevnt")));
        assert!(matches(
            "@kari",
            &MatchText::new("x", "@Kari", Lang::Nb, SourceKind::X)
        ));
        assert!(!matches("@nordlysenergi", &post("nordlysenergi er bra")));
    }

    #[test]
    fn a_short_mention_matches_a_mastodon_account() {
        assert!(matches("@ola", &post("takk @ola@mastodon.social")));
        assert!(!matches(
            "@ola@snabel.social",
            &post("takk @ola@mastodon.social")
        ));
    }

    #[test]
    fn exclusion() {
        let text = post("Ledig stilling i Nordlys");
        assert!(matches("nordlys", &text));
        assert!(!matches("nordlys -stilling", &text));
        assert!(!matches("nordlys NOT \"ledig stilling\"", &text));
        assert!(matches("nordlys -\"stilling ledig\"", &text));
    }

    #[test]
    fn or_and_groups() {
        let text = post("Utslipp fra Nordlys");
        assert!(matches("(nordlys OR fjordmat) (klima OR utslipp)", &text));
        assert!(!matches("(nordlys OR fjordmat) (klima OR miljø)", &text));
    }

    #[test]
    fn language_filter() {
        let nynorsk = MatchText::new("klima", "ola", Lang::Nn, SourceKind::Rss);
        assert!(matches("klima lang:nn", &nynorsk));
        assert!(!matches("klima lang:nb", &nynorsk));
    }

    #[test]
    fn source_filter() {
        let text = MatchText::new("klima", "ola", Lang::Nb, SourceKind::Bluesky);
        assert!(matches("klima source:bluesky", &text));
        assert!(!matches("klima source:x", &text));
    }

    #[test]
    fn author_filter_is_the_handle_exactly() {
        let text = MatchText::new("klima", "Ola.bsky.social", Lang::Nb, SourceKind::Bluesky);
        assert!(matches("author:ola.bsky.social", &text));
        assert!(!matches("author:ola", &text));
        assert!(!matches("author:kari", &text));
    }

    #[test]
    fn an_author_is_not_a_word_of_the_text() {
        assert!(!matches("kari", &post("klima")));
    }

    #[test]
    fn matching_odd_texts_does_not_panic() {
        let long = "ø æ #x @y https://z.no 🇳🇴 ".repeat(500);
        for text in ["", "😀🎉", "\u{0}\u{202e}שלום", long.as_str()] {
            let text = post(text);
            assert!(!matches("klima", &text));
            assert!(!matches("\"a b\"", &text));
            assert!(matches("klima OR @kari", &text));
        }
    }

    #[test]
    fn a_hand_built_empty_phrase_matches_nothing() {
        assert!(!Query::Phrase(Vec::new()).matches(&post("klima")));
    }
}
