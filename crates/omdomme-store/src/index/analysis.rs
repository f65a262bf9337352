//! Text analysis for the index: the same words the watch-query matcher sees
//! (`omdomme_core::text::tokens`, folded with `omdomme_core::text::fold`), so a search and a
//! watch query agree on what a word is, then a Snowball stemmer per language.
//!
//! Hashtags, mentions and links count with their words (`#NordlysEnergi` is the word
//! `nordlysenergi`, `https://nordlys.no/klima` the words `https nordlys no klima`), as in the
//! matcher, so a plain word finds them too.

use omdomme_core::text::{TokenKind, fold_into, is_combining_mark, tokens};
use tantivy::tokenizer::{
    Language, RemoveLongFilter, Stemmer, TextAnalyzer, Token, TokenStream, Tokenizer,
};

/// Registered tokenizer names; changing what one does needs a new index format version.
pub(crate) const NORWEGIAN: &str = "omdomme_no";
pub(crate) const ENGLISH: &str = "omdomme_en";
pub(crate) const PLAIN: &str = "omdomme_plain";

/// Longer "words" are base64, hashes or junk, and tantivy rejects terms over 64 KiB anyway.
pub(crate) const MAX_TOKEN_BYTES: usize = 100;

pub(crate) fn analyzer(name: &str) -> TextAnalyzer {
    let words =
        TextAnalyzer::builder(WordTokenizer).filter(RemoveLongFilter::limit(MAX_TOKEN_BYTES));
    match name {
        NORWEGIAN => words.filter(Stemmer::new(Language::Norwegian)).build(),
        ENGLISH => words.filter(Stemmer::new(Language::English)).build(),
        _ => words.build(),
    }
}

/// The analysed terms of `text` with their positions.
pub(crate) fn analyse(analyzer: &mut TextAnalyzer, text: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    let mut stream = analyzer.token_stream(text);
    while let Some(token) = stream.next() {
        out.push((token.position, token.text.clone()));
    }
    out
}

/// Folded words of a text, streamed (a 10 MB text must not become a 10 MB token vector).
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct WordTokenizer;

impl Tokenizer for WordTokenizer {
    type TokenStream<'a> = WordStream<'a>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> WordStream<'a> {
        WordStream {
            tokens: Box::new(tokens(text)),
            inner: None,
            token: Token::default(),
            next_position: 0,
        }
    }
}

pub(crate) struct WordStream<'a> {
    tokens: Box<dyn Iterator<Item = omdomme_core::text::Token<'a>> + 'a>,
    /// The hashtag, mention or link being split into words: its text, its byte offset in
    /// the whole text, and how far the split got.
    inner: Option<(&'a str, usize, usize)>,
    token: Token,
    next_position: usize,
}

impl WordStream<'_> {
    fn emit(&mut self, word: &str, start: usize) {
        self.token.text.clear();
        fold_into(word, &mut self.token.text);
        self.token.offset_from = start;
        self.token.offset_to = start + word.len();
        self.token.position = self.next_position;
        self.token.position_length = 1;
        self.next_position += 1;
    }
}

impl TokenStream for WordStream<'_> {
    fn advance(&mut self) -> bool {
        loop {
            if let Some((text, base, pos)) = self.inner {
                match next_word(text, pos) {
                    Some((start, end)) => {
                        self.inner = Some((text, base, end));
                        let word = text.get(start..end).unwrap_or_default();
                        self.emit(word, base + start);
                        return true;
                    }
                    None => self.inner = None,
                }
            }
            let Some(token) = self.tokens.next() else {
                return false;
            };
            match token.kind {
                TokenKind::Word => {
                    self.emit(token.text, token.start);
                    return true;
                }
                TokenKind::Hashtag | TokenKind::Mention | TokenKind::Url => {
                    self.inner = Some((token.text, token.start, 0));
                }
                TokenKind::Emoji => {}
            }
        }
    }

    fn token(&self) -> &Token {
        &self.token
    }

    fn token_mut(&mut self) -> &mut Token {
        &mut self.token
    }
}

/// The next run of letters and digits (with combining marks) in `text` from byte `pos`.
fn next_word(text: &str, pos: usize) -> Option<(usize, usize)> {
    let rest = text.get(pos..)?;
    let mut start = None;
    for (i, c) in rest.char_indices() {
        let word_char = c.is_alphanumeric() || (start.is_some() && is_combining_mark(c));
        match (start, word_char) {
            (None, true) => start = Some(i),
            (Some(s), false) => return Some((pos + s, pos + i)),
            _ => {}
        }
    }
    start.map(|s| (pos + s, text.len()))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn terms(name: &str, text: &str) -> Vec<String> {
        analyse(&mut analyzer(name), text)
            .into_iter()
            .map(|(_, t)| t)
            .collect()
    }

    #[test]
    fn words_are_folded_and_split_like_the_matcher() {
        assert_eq!(
            terms(
                PLAIN,
                "Ny KAFÉ i Bodø! #NordlysEnergi @ola.nordmann https://nordlys.no/x 😀"
            ),
            [
                "ny",
                "kafe",
                "i",
                "bodø",
                "nordlysenergi",
                "ola",
                "nordmann",
                "https",
                "nordlys",
                "no",
                "x"
            ]
        );
    }

    #[test]
    fn norwegian_and_english_stem() {
        assert_eq!(
            terms(NORWEGIAN, "bærekraftige"),
            terms(NORWEGIAN, "bærekraft")
        );
        assert_eq!(terms(ENGLISH, "emissions"), terms(ENGLISH, "emission"));
    }

    #[test]
    fn positions_follow_words() {
        let analysed = analyse(&mut analyzer(PLAIN), "a #b_c d");
        let positions: Vec<usize> = analysed.iter().map(|(p, _)| *p).collect();
        assert_eq!(positions, [0, 1, 2, 3]);
    }
}
