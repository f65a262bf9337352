//! `search` in PostgreSQL, with the embedded index's analysis: an item's `search` column
//! is a `tsvector` made here, in Rust, by the very analyzers of the tantivy index
//! (`crate::index::analyzer`: the matcher's words, folded, then the Norwegian or English
//! Snowball stemmer by the item's language, unstemmed for the rest), so folding
//! (`kafe` finds `KAFÉ`), stemming and what counts as a word are the same in both stores.
//! Hashtags, mentions and the author are lexemes of their own in the same vector, marked by
//! a first character no word has (`#grønnomstilling`, `@nordlysenergi`, `~nrk`), so they
//! share its GIN index and a plain word never finds them.
//!
//! The parsed [`Query`] becomes a SQL condition whose every value is a bound parameter: a
//! word or phrase is analysed here once per analyzer into a tsquery literal (the terms
//! quoted, `<->` between a phrase's), bound as text and cast, and matched against the items
//! of that analyzer's languages. The total is an exact count.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use omdomme_core::text::{TokenKind, fold, fold_into, is_combining_mark, tokens};
use omdomme_core::{Item, Lang, Query, QueryField, SourceKind, TopicSet};
use tantivy::tokenizer::TokenStream;
use tokio_postgres::GenericClient;
use tokio_postgres::types::ToSql;

use super::items::{ITEM_COLUMNS, read_item};
use super::text;
use super::time::PgTime;
use super::{db, workspace_id};
use crate::index::{
    ENGLISH, MAX_TOKEN_BYTES, NORWEGIAN, PLAIN, analyse, analyzer, fold_handle, handle_forms,
};
use crate::{
    Filters, MAX_SEARCH_LIMIT, MAX_SEARCH_OFFSET, SearchOrder, SearchPage, SearchRequest,
    StoreError, StoreResult,
};

/// The analyzers, whether each stems, and the languages whose items it analyses.
const ANALYZERS: [(&str, bool, &str); 3] = [
    (NORWEGIAN, true, "i.lang IN ('nb', 'nn')"),
    (ENGLISH, true, "i.lang = 'en'"),
    (PLAIN, false, "i.lang NOT IN ('nb', 'nn', 'en')"),
];

/// First characters of the lexemes that are not words (words are letters and digits).
const HASHTAG: char = '#';
const MENTION: char = '@';
const AUTHOR: char = '~';

/// PostgreSQL's bounds on a `tsvector`: positions count to 16,383 (later words share the
/// last), a lexeme keeps 256 of them, and the whole vector holds under 1 MB, of which the
/// lexemes of a huge text may use this much (the rest of its words are not searchable).
const MAX_POSITION: usize = 16_383;
const MAX_POSITIONS_PER_LEXEME: usize = 256;
const MAX_VECTOR_LEXEME_BYTES: usize = 900_000;

/// The analyzer of an item in `lang`.
fn analyzer_of(lang: Lang) -> &'static str {
    match lang {
        Lang::Nb | Lang::Nn => NORWEGIAN,
        Lang::En => ENGLISH,
        Lang::Sv | Lang::Da | Lang::Other => PLAIN,
    }
}

/// `lexeme` quoted for a `tsvector` or `tsquery` literal.
fn quoted(lexeme: &str) -> String {
    let mut out = String::with_capacity(lexeme.len() + 2);
    out.push('\'');
    for c in lexeme.chars() {
        if matches!(c, '\'' | '\\') {
            out.push(c);
        }
        out.push(c);
    }
    out.push('\'');
    out
}

/// A marked lexeme (hashtag, mention, author): the marker, then the folded value in the
/// form PostgreSQL can store. None when empty or too long to be a lexeme (the index has no
/// such term either).
fn marked(marker: char, folded: &str) -> Option<String> {
    let lexeme = format!("{marker}{}", text::encode(folded));
    (!folded.is_empty() && lexeme.len() <= MAX_TOKEN_BYTES).then_some(lexeme)
}

/// The lexemes of one item's vector with their positions, bounded as PostgreSQL requires.
#[derive(Default)]
struct Lexemes {
    positions: BTreeMap<String, Vec<u16>>,
    bytes: usize,
}

impl Lexemes {
    fn add(&mut self, lexeme: &str, position: Option<usize>) {
        let position = position.map(|p| u16::try_from(p.min(MAX_POSITION)).unwrap_or(u16::MAX));
        let positions = match self.positions.get_mut(lexeme) {
            Some(positions) => positions,
            None => {
                if lexeme.is_empty() || self.bytes + lexeme.len() > MAX_VECTOR_LEXEME_BYTES {
                    return;
                }
                self.bytes += lexeme.len();
                self.positions.entry(lexeme.to_owned()).or_default()
            }
        };
        if let Some(p) = position
            && positions.len() < MAX_POSITIONS_PER_LEXEME
            && positions.last() != Some(&p)
        {
            positions.push(p);
        }
    }

    /// The `tsvector` literal.
    fn literal(&self) -> String {
        let mut out = String::with_capacity(self.bytes + 8 * self.positions.len());
        for (lexeme, positions) in &self.positions {
            if !out.is_empty() {
                out.push(' ');
            }
            out.push_str(&quoted(lexeme));
            for (n, p) in positions.iter().enumerate() {
                let separator = if n == 0 { ':' } else { ',' };
                let _ = write!(out, "{separator}{p}");
            }
        }
        out
    }
}

/// The `search` column of `item`, as a `tsvector` literal: the words of its title and text
/// analysed for its language, its hashtags, mentions and author.
pub(super) fn search_vector(item: &Item) -> String {
    vector_of(
        item.enrichment.lang,
        item.title.as_deref(),
        &item.text,
        &item.author.handle,
    )
}

/// [`search_vector`] of an item's parts.
fn vector_of(lang: Lang, title: Option<&str>, text: &str, author: &str) -> String {
    let mut lexemes = Lexemes::default();
    let mut analyzer = analyzer(analyzer_of(lang));
    let mut first_position = 1;
    let mut folded = String::new();
    for part in [title.unwrap_or_default(), text] {
        let mut next = first_position;
        let mut stream = analyzer.token_stream(part);
        while let Some(token) = stream.next() {
            next = first_position + token.position + 1;
            lexemes.add(&token.text, Some(next - 1));
        }
        // A gap, so that a phrase does not run from the title into the text.
        first_position = next + 1;
        for token in tokens(part) {
            let marker = match token.kind {
                TokenKind::Hashtag => HASHTAG,
                TokenKind::Mention => MENTION,
                _ => continue,
            };
            folded.clear();
            fold_into(token.text, &mut folded);
            let forms: Vec<&str> = if marker == MENTION {
                handle_forms(&folded).collect()
            } else {
                vec![folded.as_str()]
            };
            for form in forms {
                if let Some(lexeme) = marked(marker, form) {
                    lexemes.add(&lexeme, None);
                }
            }
        }
    }
    for form in handle_forms(&fold_handle(author)) {
        if let Some(lexeme) = marked(AUTHOR, form) {
            lexemes.add(&lexeme, None);
        }
    }
    lexemes.literal()
}

/// The tsquery literal of a word or phrase as `analyzer` analyses it: its terms in order,
/// each at its distance from the one before. None when it has no terms.
fn text_tsquery(analyzer_name: &str, text: &str) -> Option<String> {
    let terms = analyse(&mut analyzer(analyzer_name), text);
    let mut out = String::new();
    let mut previous = None;
    for (position, term) in &terms {
        match previous {
            None => {}
            Some(p) if position - p == 1 => out.push_str(" <-> "),
            Some(p) => {
                let _ = write!(out, " <{}> ", position - p);
            }
        }
        out.push_str(&quoted(term));
        previous = Some(*position);
    }
    previous.map(|_| out)
}

/// The tsquery literal of `word*` for `analyzer`: every lexeme starting with the folded
/// word, and for a stemming analyzer also with its stem (the vector holds `bærekraft` for
/// `bærekraftige`). None when nothing can match: the folded word is empty or holds what no
/// word does.
fn prefix_tsquery(analyzer_name: &str, stems: bool, folded: &str) -> Option<String> {
    if folded.is_empty()
        || !folded
            .chars()
            .all(|c| c.is_alphanumeric() || is_combining_mark(c))
    {
        return None;
    }
    let mut prefixes = vec![folded.to_owned()];
    if stems
        && let [(_, stem)] = analyse(&mut analyzer(analyzer_name), folded).as_slice()
        && stem != folded
        && !stem.is_empty()
    {
        prefixes.push(stem.clone());
    }
    let parts: Vec<String> = prefixes
        .iter()
        .map(|p| format!("{}:*", quoted(p)))
        .collect();
    Some(parts.join(" | "))
}

/// A statement being built and the values its placeholders stand for.
#[derive(Default)]
pub(super) struct Statement {
    params: Vec<Box<dyn ToSql + Sync + Send>>,
    /// One rank term per word, phrase, hashtag or mention not under a `NOT`.
    rank: Vec<String>,
}

impl Statement {
    /// Binds `value`, returning its placeholder.
    pub(super) fn bind(&mut self, value: impl ToSql + Sync + Send + 'static) -> String {
        self.params.push(Box::new(value));
        format!("${}", self.params.len())
    }

    /// Binds a tsquery literal, returning the expression of the tsquery.
    fn bind_tsquery(&mut self, literal: String) -> String {
        format!("{}::text::tsquery", self.bind(literal))
    }

    /// `FROM … WHERE …` of the items of workspace `workspace` (its row id) that `query` (or
    /// everything) and the filters match; `i` is the item, `s` its source.
    pub(super) fn matching(
        &mut self,
        workspace: i64,
        query: Option<&Query>,
        f: &Filters,
    ) -> String {
        let mut conditions = vec![format!("i.workspace_id = {}", self.bind(workspace))];
        if let Some(query) = query {
            conditions.push(self.condition(query, false));
        }
        if let Some(brand) = &f.brand {
            conditions.push(format!("i.brands ? {}", self.bind(brand.0.clone())));
        }
        if let Some(source) = f.source {
            conditions.push(format!("s.kind = {}", self.bind(source.as_str())));
        }
        if let Some(sentiment) = f.sentiment {
            conditions.push(format!("i.sentiment = {}", self.bind(sentiment.as_str())));
        }
        if let Some(topic) = f.topic {
            let mut set = TopicSet::new();
            set.insert(topic);
            conditions.push(format!(
                "(i.topics & {}) <> 0",
                self.bind(i32::from(set.bits()))
            ));
        }
        if let Some(lang) = f.lang {
            conditions.push(format!("i.lang = {}", self.bind(lang.as_str())));
        }
        if let Some(author) = &f.author {
            conditions.push(self.author(author));
        }
        if let Some(from) = f.from {
            conditions.push(format!("i.published_at >= {}", self.bind(PgTime(from))));
        }
        if let Some(to) = f.to {
            conditions.push(format!("i.published_at < {}", self.bind(PgTime(to))));
        }
        format!(
            "FROM items i JOIN sources s ON s.id = i.source_id WHERE {}",
            conditions.join(" AND ")
        )
    }

    pub(super) fn params(&self) -> Vec<&(dyn ToSql + Sync)> {
        self.params
            .iter()
            .map(|p| &**p as &(dyn ToSql + Sync))
            .collect()
    }

    /// The SQL condition for `query`; `negated` when under an odd number of `NOT`s.
    fn condition(&mut self, query: &Query, negated: bool) -> String {
        match query {
            Query::And(parts) | Query::Or(parts) => {
                let and = matches!(query, Query::And(_));
                let parts: Vec<String> = parts
                    .iter()
                    .map(|part| self.condition(part, negated))
                    .collect();
                match (parts.is_empty(), and) {
                    (true, true) => "TRUE".to_owned(),
                    (true, false) => "FALSE".to_owned(),
                    (false, _) => format!("({})", parts.join(if and { " AND " } else { " OR " })),
                }
            }
            Query::Not(inner) => {
                format!("NOT coalesce({}, FALSE)", self.condition(inner, !negated))
            }
            Query::Word {
                word,
                prefix: false,
            } => self.text(|name, _| text_tsquery(name, word), negated),
            Query::Phrase(words) => {
                let phrase = words.join(" ");
                self.text(|name, _| text_tsquery(name, &phrase), negated)
            }
            Query::Word { word, prefix: true } => {
                let folded = fold(word);
                self.text(|name, stems| prefix_tsquery(name, stems, &folded), negated)
            }
            Query::Hashtag(tag) => {
                let lexeme = marked(HASHTAG, &fold(tag.trim_start_matches(HASHTAG)));
                self.marked(lexeme.into_iter().collect(), negated)
            }
            Query::Mention(handle) => {
                let handle = fold_handle(handle);
                let lexemes = [MENTION, AUTHOR]
                    .into_iter()
                    .filter_map(|marker| marked(marker, &handle))
                    .collect();
                self.marked(lexemes, negated)
            }
            Query::Field { field, value } => match field {
                QueryField::Lang => match Lang::parse(&value.to_lowercase()) {
                    Some(lang) => format!("i.lang = {}", self.bind(lang.as_str())),
                    None => "FALSE".to_owned(),
                },
                QueryField::Source => match SourceKind::parse(&value.to_lowercase()) {
                    Some(kind) => format!("s.kind = {}", self.bind(kind.as_str())),
                    None => "FALSE".to_owned(),
                },
                QueryField::Author => self.author(value),
            },
        }
    }

    /// The condition that the item's author is `handle` (or its short form).
    fn author(&mut self, handle: &str) -> String {
        match marked(AUTHOR, &fold_handle(handle)) {
            Some(lexeme) => {
                let tsquery = self.bind_tsquery(quoted(&lexeme));
                format!("coalesce(i.search @@ {tsquery}, FALSE)")
            }
            None => "FALSE".to_owned(),
        }
    }

    /// The condition that any of the marked `lexemes` is in the item's vector.
    fn marked(&mut self, lexemes: Vec<String>, negated: bool) -> String {
        if lexemes.is_empty() {
            return "FALSE".to_owned();
        }
        let literal: Vec<String> = lexemes.iter().map(|l| quoted(l)).collect();
        let tsquery = self.bind_tsquery(literal.join(" | "));
        if !negated {
            self.rank
                .push(format!("coalesce(ts_rank(i.search, {tsquery}), 0)"));
        }
        format!("i.search @@ {tsquery}")
    }

    /// The condition that the tsquery `tsquery(analyzer, stems)` matches the items of that
    /// analyzer's languages, for each analyzer.
    fn text(&mut self, tsquery: impl Fn(&str, bool) -> Option<String>, negated: bool) -> String {
        let literals: Vec<(&str, String)> = ANALYZERS
            .iter()
            .filter_map(|(name, stems, langs)| tsquery(name, *stems).map(|l| (*langs, l)))
            .collect();
        // The same terms from every analyzer (an unstemmed word, a number): one condition
        // without the languages, which the GIN index answers alone.
        if literals.len() == ANALYZERS.len()
            && literals.windows(2).all(|pair| pair[0].1 == pair[1].1)
            && let Some((_, literal)) = literals.first()
        {
            let tsquery = self.bind_tsquery(literal.clone());
            if !negated {
                self.rank
                    .push(format!("coalesce(ts_rank(i.search, {tsquery}), 0)"));
            }
            return format!("i.search @@ {tsquery}");
        }
        let per_analyzer: Vec<(&str, String)> = literals
            .into_iter()
            .map(|(langs, literal)| (langs, self.bind_tsquery(literal)))
            .collect();
        if per_analyzer.is_empty() {
            return "FALSE".to_owned();
        }
        if !negated {
            let cases: Vec<String> = per_analyzer
                .iter()
                .map(|(langs, tsquery)| format!("WHEN {langs} THEN {tsquery}"))
                .collect();
            self.rank.push(format!(
                "coalesce(ts_rank(i.search, CASE {} END), 0)",
                cases.join(" ")
            ));
        }
        let arms: Vec<String> = per_analyzer
            .iter()
            .map(|(langs, tsquery)| format!("({langs} AND i.search @@ {tsquery})"))
            .collect();
        format!("({})", arms.join(" OR "))
    }
}

pub(super) async fn search(
    client: &impl GenericClient,
    request: &SearchRequest,
) -> StoreResult<SearchPage> {
    if request.limit == 0 || request.limit > MAX_SEARCH_LIMIT {
        return Err(StoreError::Invalid(format!(
            "a search page holds 1 to {MAX_SEARCH_LIMIT} items, not {}",
            request.limit
        )));
    }
    if request.offset > MAX_SEARCH_OFFSET {
        return Err(StoreError::Invalid(format!(
            "search pages reach only {MAX_SEARCH_OFFSET} items deep (offset {}); \
             narrow the search or export instead",
            request.offset
        )));
    }
    let workspace = workspace_id(client, &request.workspace.0).await?;
    let mut statement = Statement::default();
    let from_where = statement.matching(workspace, request.query.as_ref(), &request.filters);
    let total: i64 = client
        .query_one(
            &format!("SELECT count(*) {from_where}"),
            &statement.params(),
        )
        .await
        .map_err(db("counting the search's items"))?
        .get(0);
    let order = match request.order {
        SearchOrder::Relevance if !statement.rank.is_empty() => format!(
            "{} DESC, i.published_at DESC, i.id DESC",
            statement.rank.join(" + ")
        ),
        SearchOrder::Relevance | SearchOrder::Newest => "i.published_at DESC, i.id DESC".into(),
        SearchOrder::Oldest => "i.published_at ASC, i.id ASC".into(),
    };
    let limit = statement.bind(request.limit as i64);
    let offset = statement.bind(request.offset as i64);
    let items = client
        .query(
            &format!(
                "SELECT {ITEM_COLUMNS} {from_where} ORDER BY {order} LIMIT {limit} OFFSET {offset}"
            ),
            &statement.params(),
        )
        .await
        .map_err(db("searching the items"))?
        .iter()
        .map(read_item)
        .collect::<StoreResult<Vec<_>>>()?;
    Ok(SearchPage {
        total: u64::try_from(total).unwrap_or_default(),
        items,
    })
}

/// Items a reindex reads and rewrites per transaction.
const REINDEX_BATCH: i64 = 500;

/// Rewrites every item's `search` column (after the analysis changed, or for items stored
/// before 0007_explorer), in batches of [`REINDEX_BATCH`] each in a transaction of its own
/// that locks the items' key rows as a put does, so a concurrent put is never overwritten
/// by an older text's vector. Reports `(done, total)` after each batch.
pub(super) async fn reindex(
    client: &mut super::Client,
    progress: &(dyn Fn(u64, u64) + Send + Sync),
) -> StoreResult<u64> {
    let failed = db("rewriting the items' search vectors");
    let total = super::items::stats(&***client).await?.items;
    let mut after = i64::MIN;
    let mut done = 0u64;
    loop {
        let tx = client.transaction().await.map_err(&failed)?;
        let rows = tx
            .query(
                "SELECT k.id, k.published_at, i.lang, i.title, i.text, i.author_handle \
                 FROM item_keys k \
                 JOIN items i ON i.id = k.id AND i.published_at = k.published_at \
                 WHERE k.id > $1 ORDER BY k.id LIMIT $2 FOR UPDATE OF k",
                &[&after, &REINDEX_BATCH],
            )
            .await
            .map_err(&failed)?;
        let Some(last) = rows.last() else {
            break;
        };
        after = last.get(0);
        let mut ids = Vec::with_capacity(rows.len());
        let mut published = Vec::with_capacity(rows.len());
        let mut vectors = Vec::with_capacity(rows.len());
        for row in &rows {
            let lang: String = row.get(2);
            let title: Option<String> = row.get::<_, Option<String>>(3).map(text::decode);
            let body = text::decode(row.get(4));
            let author = text::decode(row.get(5));
            ids.push(row.get::<_, i64>(0));
            published.push(row.get::<_, PgTime>(1));
            vectors.push(vector_of(
                Lang::parse(&lang).unwrap_or_default(),
                title.as_deref(),
                &body,
                &author,
            ));
        }
        tx.execute(
            "UPDATE items SET search = v.search::tsvector \
             FROM unnest($1::bigint[], $2::timestamptz[], $3::text[]) \
             AS v (id, published_at, search) \
             WHERE items.id = v.id AND items.published_at = v.published_at",
            &[&ids, &published, &vectors],
        )
        .await
        .map_err(&failed)?;
        tx.commit().await.map_err(&failed)?;
        done += rows.len() as u64;
        progress(done, total.max(done));
    }
    progress(done, done);
    Ok(done)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lexemes_are_quoted_and_bounded_as_postgresql_requires() {
        assert_eq!(quoted(r"it's a \ word"), r"'it''s a \\ word'");
        let mut lexemes = Lexemes::default();
        for position in 0..1_000 {
            lexemes.add("ord", Some(position));
        }
        lexemes.add("sjelden", Some(5_000_000));
        lexemes.add("sjelden", Some(6_000_000));
        lexemes.add("#tag", None);
        lexemes.add("", Some(1));
        let literal = lexemes.literal();
        assert!(literal.starts_with("'#tag' 'ord':0,1,2,"), "{literal}");
        assert!(literal.ends_with(",255 'sjelden':16383"), "{literal}");
    }

    #[test]
    fn the_vector_folds_stems_and_marks_hashtags_mentions_and_the_author() {
        let vector = vector_of(
            Lang::Nb,
            Some("Tittel"),
            "Ny KAFÉ: bærekraftige #GrønnOmstilling @ola@mastodon.social",
            "@Kari",
        );
        for lexeme in [
            "'tittel':1",
            "'kaf':4",
            "'bærekraft':5",
            "'#grønnomstilling'",
            "'@ola@mastodon.social'",
            "'@ola'",
            "'~kari'",
        ] {
            assert!(vector.contains(lexeme), "{lexeme} in {vector}");
        }
    }

    #[test]
    fn queries_are_analysed_like_the_vector() {
        assert_eq!(
            text_tsquery(NORWEGIAN, "Nordlys ENERGI").as_deref(),
            Some("'nordly' <-> 'energi'")
        );
        assert_eq!(text_tsquery(PLAIN, "!?"), None);
        assert_eq!(
            prefix_tsquery(NORWEGIAN, true, "bærekraftige").as_deref(),
            Some("'bærekraftige':* | 'bærekraft':*")
        );
        assert_eq!(prefix_tsquery(PLAIN, false, "ola.n"), None);
    }
}
