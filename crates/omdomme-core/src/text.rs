//! The one tokenizer Omdømme uses for matching, indexing and analysis, and the folding of
//! case and diacritics that goes with it.
//!
//! A word is a run of letters and digits in any script (combining marks included), so
//! `NRK's`, `e-post` and `nordlys.no` split where the punctuation is. Queries are split the
//! same way, which is what makes `"nordlys.no"` find a link to `https://www.nordlys.no/`:
//! both sides see the words `nordlys no`. The search index should use [`tokens`] and
//! [`fold`] too, so search and watch queries agree on what matches.
//!
//! Hashtags, mentions, links and emoji are recognised as tokens of their own because
//! analysis cares about them; for matching, their letters and digits still count as words.

use std::borrow::Cow;

use crate::{Lang, SourceKind};

/// What a [`Token`] is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TokenKind {
    /// Letters and digits.
    Word,
    /// `#tag`: letters, digits and `_`.
    Hashtag,
    /// `@handle`, including Bluesky's `ola.bsky.social` and Mastodon's `ola@mastodon.social`.
    Mention,
    /// `http://`, `https://` or `www.` up to the next space, without trailing punctuation.
    Url,
    /// One emoji, with its skin tone, variation selector and zero-width-joined parts.
    Emoji,
}

/// A token of a text, borrowed from it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Token<'a> {
    pub kind: TokenKind,
    /// As written, without the `#` or `@` of a hashtag or mention.
    pub text: &'a str,
    /// Byte offset of `text` in the tokenized string (the `#` or `@` is the byte before).
    pub start: usize,
}

/// Splits a text into words, hashtags, mentions, links and emoji, in order; everything else
/// (spaces, punctuation, symbols) separates tokens and is skipped.
///
/// `#` and `@` start a hashtag or mention only after a non-word character, so `C#` is the
/// word `C` and `post@nordlys.no` the words `post nordlys no`.
pub fn tokens(text: &str) -> impl Iterator<Item = Token<'_>> {
    Tokens { text, pos: 0 }
}

struct Tokens<'a> {
    text: &'a str,
    pos: usize,
}

impl<'a> Iterator for Tokens<'a> {
    type Item = Token<'a>;

    fn next(&mut self) -> Option<Token<'a>> {
        let text = self.text;
        let bytes = text.as_bytes();
        while let Some(&byte) = bytes.get(self.pos) {
            // Spaces and ASCII punctuation are most of what is skipped; they need no decoding.
            if byte.is_ascii() && !byte.is_ascii_alphanumeric() && byte != b'#' && byte != b'@' {
                self.pos += 1;
                continue;
            }
            let start = self.pos;
            // A word starting with an ASCII letter is the common case; `h` and `w` may be links.
            if byte.is_ascii_alphanumeric() && !matches!(byte, b'h' | b'H' | b'w' | b'W') {
                let end = word_end(text, start + 1);
                self.pos = end;
                return Some(Token {
                    kind: TokenKind::Word,
                    text: text.get(start..end)?,
                    start,
                });
            }
            let c = char_at(text, start)?;
            let after = start + c.len_utf8();
            let Some((kind, start, end)) = token_at(text, start, c, after) else {
                self.pos = after;
                continue;
            };
            self.pos = end;
            return Some(Token {
                kind,
                text: text.get(start..end)?,
                start,
            });
        }
        None
    }
}

/// The token starting with `c` at `start` (the next character is at `after`), if one does,
/// as its kind and the byte range of its text.
fn token_at(text: &str, start: usize, c: char, after: usize) -> Option<(TokenKind, usize, usize)> {
    if is_word_start(c) {
        let could_be_link = matches!(c, 'h' | 'H' | 'w' | 'W');
        return Some(
            match could_be_link.then(|| url_end(text, start)).flatten() {
                Some(end) => (TokenKind::Url, start, end),
                None => (TokenKind::Word, start, word_end(text, after)),
            },
        );
    }
    if (c == '#' || c == '@')
        && char_at(text, after).is_some_and(is_word_start)
        && !follows_word(text, start)
    {
        return Some(if c == '#' {
            (TokenKind::Hashtag, after, hashtag_end(text, after))
        } else {
            (TokenKind::Mention, after, handle_end(text, after))
        });
    }
    if is_emoji(c) {
        return Some((TokenKind::Emoji, start, emoji_end(text, c, after)));
    }
    None
}

/// The words of a text as the matcher and the query parser see them: every run of letters and
/// digits, also those inside hashtags, handles and links; not yet folded.
pub(crate) fn words(text: &str) -> impl Iterator<Item = &str> {
    let mut pos = 0;
    std::iter::from_fn(move || {
        while let Some(c) = char_at(text, pos) {
            let start = pos;
            pos += c.len_utf8();
            if is_word_start(c) {
                pos = word_end(text, pos);
                return text.get(start..pos);
            }
        }
        None
    })
}

/// True when the whole of `tag` is what [`tokens`] would take as a hashtag after a `#`.
pub(crate) fn is_hashtag(tag: &str) -> bool {
    char_at(tag, 0).is_some_and(is_word_start) && hashtag_end(tag, 0) == tag.len()
}

/// True when the whole of `handle` is what [`tokens`] would take as a mention after an `@`.
pub(crate) fn is_handle(handle: &str) -> bool {
    char_at(handle, 0).is_some_and(is_word_start) && handle_end(handle, 0) == handle.len()
}

#[inline]
fn char_at(text: &str, i: usize) -> Option<char> {
    // Posts are mostly ASCII; decoding UTF-8 only when needed keeps the loop tight.
    match text.as_bytes().get(i) {
        Some(&b) if b.is_ascii() => Some(char::from(b)),
        Some(_) => text.get(i..)?.chars().next(),
        None => None,
    }
}

#[inline]
fn is_word_start(c: char) -> bool {
    match c {
        _ if c.is_ascii() => c.is_ascii_alphanumeric(),
        // Latin-1 letters (æ ø å é ...) skip the slower general Unicode lookup.
        '\u{C0}'..='\u{FF}' => c != '×' && c != '÷',
        _ => c.is_alphanumeric(),
    }
}

fn is_word_continuation(c: char) -> bool {
    is_word_start(c) || is_combining_mark(c)
}

/// The combining marks common in decomposed Latin text (macOS, some feeds) and in Hebrew and
/// Arabic vowel pointing; without them `e\u{301}` or a pointed Arabic word would be split.
pub fn is_combining_mark(c: char) -> bool {
    matches!(c,
        '\u{0300}'..='\u{036F}'
        | '\u{0591}'..='\u{05C7}'
        | '\u{0610}'..='\u{061A}'
        | '\u{064B}'..='\u{065F}'
        | '\u{0670}'
        | '\u{1AB0}'..='\u{1AFF}'
        | '\u{1DC0}'..='\u{1DFF}'
        | '\u{20D0}'..='\u{20FF}'
        | '\u{FE20}'..='\u{FE2F}')
}

fn follows_word(text: &str, i: usize) -> bool {
    text.get(..i)
        .and_then(|before| before.chars().next_back())
        .is_some_and(is_word_continuation)
}

#[inline]
fn word_end(text: &str, mut i: usize) -> usize {
    let bytes = text.as_bytes();
    loop {
        match bytes.get(i) {
            Some(b) if b.is_ascii_alphanumeric() => i += 1,
            Some(b) if b.is_ascii() => return i,
            Some(_) => break,
            None => return i,
        }
    }
    while let Some(c) = char_at(text, i) {
        if !is_word_continuation(c) {
            break;
        }
        i += c.len_utf8();
    }
    i
}

fn hashtag_end(text: &str, mut i: usize) -> usize {
    while let Some(c) = char_at(text, i) {
        if !(is_word_continuation(c) || c == '_') {
            break;
        }
        i += c.len_utf8();
    }
    i
}

fn handle_end(text: &str, mut i: usize) -> usize {
    while let Some(c) = char_at(text, i) {
        let joins_parts = matches!(c, '.' | '-' | '@')
            && char_at(text, i + 1).is_some_and(|next| is_word_start(next) || next == '_');
        if !(is_word_continuation(c) || c == '_' || joins_parts) {
            break;
        }
        i += c.len_utf8();
    }
    i
}

/// The end of a link starting at `start`, if one does.
fn url_end(text: &str, start: usize) -> Option<usize> {
    let rest = text.get(start..)?;
    let scheme = ["https://", "http://", "www."].into_iter().find(|scheme| {
        rest.as_bytes()
            .get(..scheme.len())
            .is_some_and(|head| head.eq_ignore_ascii_case(scheme.as_bytes()))
    })?;
    if !char_at(rest, scheme.len()).is_some_and(is_word_start) {
        return None;
    }
    let len = rest
        .find(|c: char| c.is_whitespace() || matches!(c, '"' | '<' | '>'))
        .unwrap_or(rest.len());
    let mut url = rest.get(..len)?;
    // Sentence punctuation after a link is not part of it; a `)` is when the link has a `(`
    // (Wikipedia).
    while let Some(last) = url.chars().next_back() {
        let trailing = matches!(
            last,
            '.' | ',' | ';' | ':' | '!' | '?' | '\'' | '»' | '”' | '’' | ']' | '}'
        ) || (last == ')' && !url.contains('('));
        if !trailing {
            break;
        }
        url = url.get(..url.len() - last.len_utf8())?;
    }
    Some(start + url.len())
}

fn is_emoji(c: char) -> bool {
    matches!(c,
        '\u{1F000}'..='\u{1FAFF}'
        | '\u{2600}'..='\u{27BF}'
        | '\u{2B00}'..='\u{2BFF}'
        | '\u{2300}'..='\u{23FF}')
}

fn is_regional_indicator(c: char) -> bool {
    matches!(c, '\u{1F1E6}'..='\u{1F1FF}')
}

/// The end of the emoji `first` whose next character is at `i`: flags are two regional
/// indicators, and modifiers, selectors and joined emoji belong to the one before them.
fn emoji_end(text: &str, first: char, mut i: usize) -> usize {
    if is_regional_indicator(first)
        && let Some(second) = char_at(text, i).filter(|&c| is_regional_indicator(c))
    {
        return i + second.len_utf8();
    }
    while let Some(c) = char_at(text, i) {
        let modifier = matches!(c,
            '\u{FE0E}' | '\u{FE0F}' | '\u{20E3}' | '\u{1F3FB}'..='\u{1F3FF}' | '\u{E0020}'..='\u{E007F}');
        if modifier {
            i += c.len_utf8();
        } else if c == '\u{200D}'
            && let Some(joined) = char_at(text, i + c.len_utf8()).filter(|&j| is_emoji(j))
        {
            i += c.len_utf8() + joined.len_utf8();
        } else {
            break;
        }
    }
    i
}

/// Folds a word for matching: Unicode lower case, and accents that Norwegian treats as
/// optional marks on the same letter dropped (`kafé` = `kafe`, nynorsk `fòr` = `for`).
///
/// Letters that are distinct in the Nordic and German alphabets stay: `æ ø å ä ö ü`
/// (`får` is not `far`). Acute, grave, circumflex and tilde on vowels, `ç`, and `ë ï` fold.
/// Decomposed input (a letter followed by a combining mark) folds like the precomposed
/// letter, so `a\u{30A}` is `å` and `e\u{301}` is `e`.
pub fn fold(word: &str) -> String {
    let mut folded = String::with_capacity(word.len());
    fold_into(word, &mut folded);
    folded
}

/// [`fold`], appending to `out` so a caller folding many words can reuse one buffer.
pub fn fold_into(word: &str, out: &mut String) {
    if word.is_ascii() {
        let start = out.len();
        out.push_str(word);
        if let Some(pushed) = out.get_mut(start..) {
            pushed.make_ascii_lowercase();
        }
        return;
    }
    let start = out.len();
    for c in word.chars() {
        // Only this word's letters take a combining mark, not the end of whatever `out` held.
        let base = out.get(start..).and_then(|own| own.chars().next_back());
        match c {
            '\u{0308}' => {
                let with_diaeresis = match base {
                    Some('a') => Some('ä'),
                    Some('o') => Some('ö'),
                    Some('u') => Some('ü'),
                    _ => None,
                };
                if let Some(letter) = with_diaeresis {
                    out.pop();
                    out.push(letter);
                }
            }
            '\u{030A}' if base == Some('a') => {
                out.pop();
                out.push('å');
            }
            '\u{0300}'..='\u{0303}' | '\u{0327}' => {}
            _ if c.is_ascii() => out.push(c.to_ascii_lowercase()),
            _ => out.extend(c.to_lowercase().map(fold_accent)),
        }
    }
}

fn fold_accent(c: char) -> char {
    match c {
        'à' | 'á' | 'â' | 'ã' => 'a',
        'ç' => 'c',
        'è' | 'é' | 'ê' | 'ë' => 'e',
        'ì' | 'í' | 'î' | 'ï' => 'i',
        'ò' | 'ó' | 'ô' | 'õ' => 'o',
        'ù' | 'ú' | 'û' => 'u',
        _ => c,
    }
}

/// [`fold`] without allocating when the word is already folded, as query words usually are.
pub(crate) fn folded(word: &str) -> Cow<'_, str> {
    if word
        .bytes()
        .any(|b| b.is_ascii_uppercase() || !b.is_ascii())
    {
        Cow::Owned(fold(word))
    } else {
        Cow::Borrowed(word)
    }
}

/// A span of [`MatchText::folded`].
#[derive(Clone, Copy, Debug)]
struct Span {
    start: usize,
    end: usize,
}

impl Span {
    fn of(self, folded: &str) -> &str {
        folded.get(self.start..self.end).unwrap_or_default()
    }

    /// As bytes, which order like the string and skip the char-boundary checks when sorting.
    fn bytes(self, folded: &str) -> &[u8] {
        folded
            .as_bytes()
            .get(self.start..self.end)
            .unwrap_or_default()
    }
}

/// One item prepared for evaluating many queries against it: its words in order (for
/// phrases) and sorted (for words and prefixes), hashtags and mentions, all folded, and the
/// author, language and source the field filters look at.
#[derive(Clone, Debug)]
pub struct MatchText {
    /// Every folded string end to end; the spans below point into it, so preparing an item
    /// allocates a handful of times rather than once per word.
    folded: String,
    sequence: Vec<Span>,
    vocabulary: Vec<Span>,
    hashtags: Vec<Span>,
    mentions: Vec<Span>,
    author: Span,
    lang: Lang,
    source: SourceKind,
}

impl MatchText {
    /// `author_handle` may carry a leading `@`.
    pub fn new(text: &str, author_handle: &str, lang: Lang, source: SourceKind) -> MatchText {
        let mut folded = String::with_capacity(text.len() + author_handle.len());
        let mut push = |word: &str| {
            let start = folded.len();
            fold_into(word, &mut folded);
            Span {
                start,
                end: folded.len(),
            }
        };
        let mut sequence = Vec::new();
        let mut hashtags = Vec::new();
        let mut mentions = Vec::new();
        for token in tokens(text) {
            match token.kind {
                TokenKind::Word => sequence.push(push(token.text)),
                TokenKind::Hashtag => hashtags.push(push(token.text)),
                TokenKind::Mention => mentions.push(push(token.text)),
                TokenKind::Url | TokenKind::Emoji => {}
            }
            if matches!(
                token.kind,
                TokenKind::Hashtag | TokenKind::Mention | TokenKind::Url
            ) {
                sequence.extend(words(token.text).map(&mut push));
            }
        }
        let author = push(author_handle.strip_prefix('@').unwrap_or(author_handle));
        let mut vocabulary = sequence.clone();
        vocabulary.sort_unstable_by(|a, b| a.bytes(&folded).cmp(b.bytes(&folded)));
        vocabulary.dedup_by(|a, b| a.bytes(&folded) == b.bytes(&folded));
        MatchText {
            folded,
            sequence,
            vocabulary,
            hashtags,
            mentions,
            author,
            lang,
            source,
        }
    }

    /// `word` must be folded.
    pub(crate) fn has_word(&self, word: &str) -> bool {
        self.vocabulary
            .binary_search_by(|w| w.bytes(&self.folded).cmp(word.as_bytes()))
            .is_ok()
    }

    /// `prefix` must be folded.
    pub(crate) fn has_word_starting_with(&self, prefix: &str) -> bool {
        let first_not_below = self
            .vocabulary
            .partition_point(|w| w.of(&self.folded) < prefix);
        self.vocabulary
            .get(first_not_below)
            .is_some_and(|w| w.of(&self.folded).starts_with(prefix))
    }

    /// `words` must be folded; an empty phrase matches nothing.
    pub(crate) fn has_phrase(&self, words: &[Cow<'_, str>]) -> bool {
        if words.is_empty() {
            return false;
        }
        self.sequence.windows(words.len()).any(|window| {
            window
                .iter()
                .zip(words)
                .all(|(w, wanted)| w.of(&self.folded) == wanted)
        })
    }

    /// `tag` must be folded.
    pub(crate) fn has_hashtag(&self, tag: &str) -> bool {
        self.hashtags.iter().any(|t| t.of(&self.folded) == tag)
    }

    /// Mentioned in the text or written by; `handle` must be folded.
    pub(crate) fn mentions_or_is_by(&self, handle: &str) -> bool {
        self.is_by(handle)
            || self
                .mentions
                .iter()
                .any(|m| same_account(m.of(&self.folded), handle))
    }

    /// `handle` must be folded.
    pub(crate) fn is_by(&self, handle: &str) -> bool {
        same_account(self.author.of(&self.folded), handle)
    }

    pub(crate) fn lang(&self) -> Lang {
        self.lang
    }

    pub(crate) fn source(&self) -> SourceKind {
        self.source
    }
}

/// `ola` names `ola@mastodon.social` too: people write the short form of accounts on the
/// instance they are on, and a query rarely knows which instance a post came from.
fn same_account(handle: &str, wanted: &str) -> bool {
    handle
        .strip_prefix(wanted)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with('@'))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use TokenKind::*;

    fn kinds(text: &str) -> Vec<(TokenKind, &str)> {
        tokens(text).map(|t| (t.kind, t.text)).collect()
    }

    fn words_of(text: &str) -> Vec<&str> {
        tokens(text)
            .filter(|t| t.kind == TokenKind::Word)
            .map(|t| t.text)
            .collect()
    }

    #[test]
    fn words_split_on_punctuation_and_keep_digits() {
        assert_eq!(
            words_of("NRK's e-post, 2024: 3,5%"),
            ["NRK", "s", "e", "post", "2024", "3", "5"]
        );
    }

    #[test]
    fn norwegian_letters_stay_in_words() {
        assert_eq!(
            words_of("Bærekraft på Ørland, Åse!"),
            ["Bærekraft", "på", "Ørland", "Åse"]
        );
    }

    #[test]
    fn decomposed_accents_stay_in_the_word() {
        assert_eq!(words_of("kafe\u{301} i dag"), ["kafe\u{301}", "i", "dag"]);
    }

    #[test]
    fn hashtags_take_underscores_and_drop_the_sign() {
        assert_eq!(
            kinds("Heia #grønn_omstilling!"),
            [(Word, "Heia"), (Hashtag, "grønn_omstilling")]
        );
    }

    #[test]
    fn hash_after_a_word_is_not_a_hashtag() {
        assert_eq!(kinds("C# og F#"), [(Word, "C"), (Word, "og"), (Word, "F")]);
    }

    #[test]
    fn bluesky_and_mastodon_handles_are_one_mention() {
        assert_eq!(
            kinds("takk @ola.bsky.social og @kari@mastodon.social."),
            [
                (Word, "takk"),
                (Mention, "ola.bsky.social"),
                (Word, "og"),
                (Mention, "kari@mastodon.social")
            ]
        );
    }

    #[test]
    fn email_addresses_are_words_not_mentions() {
        assert_eq!(
            kinds("post@nordlys.no"),
            [(Word, "post"), (Word, "nordlys"), (Word, "no")]
        );
    }

    #[test]
    fn links_are_one_token_without_trailing_punctuation() {
        assert_eq!(
            kinds("Les https://nrk.no/klima?a=1, og (www.vg.no)."),
            [
                (Word, "Les"),
                (Url, "https://nrk.no/klima?a=1"),
                (Word, "og"),
                (Url, "www.vg.no")
            ]
        );
    }

    #[test]
    fn a_link_keeps_its_own_parenthesis() {
        assert_eq!(
            kinds("https://no.wikipedia.org/wiki/Nordlys_(film)."),
            [(Url, "https://no.wikipedia.org/wiki/Nordlys_(film)")]
        );
    }

    #[test]
    fn a_bare_scheme_is_a_word() {
        assert_eq!(kinds("http:// x"), [(Word, "http"), (Word, "x")]);
    }

    #[test]
    fn emoji_keep_their_modifiers_and_joins() {
        assert_eq!(
            kinds("bra 👍🏽🇳🇴👨‍👩‍👧 ❤️"),
            [
                (Word, "bra"),
                (Emoji, "👍🏽"),
                (Emoji, "🇳🇴"),
                (Emoji, "👨‍👩‍👧"),
                (Emoji, "❤️")
            ]
        );
    }

    #[test]
    fn token_starts_are_byte_offsets_of_the_text() {
        let text = "Å #ja";
        let starts: Vec<usize> = tokens(text).map(|t| t.start).collect();
        assert_eq!(starts, [0, 4]);
        assert_eq!(&text[4..], "ja");
    }

    #[test]
    fn right_to_left_text_is_words() {
        assert_eq!(words_of("שלום עולם مرحبا"), ["שלום", "עולם", "مرحبا"]);
    }

    #[test]
    fn only_symbols_give_no_tokens() {
        assert_eq!(kinds("!!! ... \u{0}\u{7} —"), []);
    }

    #[test]
    fn the_latin1_shortcut_agrees_with_unicode() {
        for c in ('\u{0}'..='\u{FF}').chain(['\u{100}', 'ß', 'Ω', '中', '٣']) {
            assert_eq!(is_word_start(c), c.is_alphanumeric(), "{c:?}");
        }
    }

    #[test]
    fn fold_lowercases_and_drops_optional_accents() {
        assert_eq!(fold("KAFÉ Fòr Crème Naïv Ça"), "kafe for creme naiv ca");
    }

    #[test]
    fn fold_keeps_distinct_nordic_letters() {
        assert_eq!(fold("ÆØÅ ÄÖÜ får"), "æøå äöü får");
    }

    #[test]
    fn fold_composes_decomposed_letters() {
        assert_eq!(fold("A\u{30A}s Ko\u{308}k Kafe\u{301}"), "ås kök kafe");
    }

    #[test]
    fn fold_into_does_not_combine_with_the_previous_word() {
        let mut out = String::from("a");
        fold_into("\u{30A}\u{308}x", &mut out);
        assert_eq!(out, "a\u{30A}x");
    }

    #[test]
    fn fold_is_idempotent() {
        for word in ["Ærlig", "İstanbul", "Straße", "KAFÉ", "a\u{30A}"] {
            assert_eq!(fold(&fold(word)), fold(word));
        }
    }

    #[test]
    fn folded_borrows_an_already_folded_word() {
        assert!(matches!(folded("klima"), Cow::Borrowed(_)));
        assert_eq!(folded("Klima"), "klima");
    }

    #[test]
    fn hashtag_and_handle_checks_agree_with_the_tokenizer() {
        assert!(is_hashtag("grønn_omstilling"));
        assert!(!is_hashtag("nord-lys"));
        assert!(is_handle("ola.bsky.social"));
        assert!(!is_handle("ola."));
    }

    #[test]
    fn match_text_counts_hashtag_mention_and_link_words() {
        let text = MatchText::new(
            "#Nordlys @Ola https://www.fjordmat.no",
            "",
            Lang::Nb,
            SourceKind::X,
        );
        for word in ["nordlys", "ola", "www", "fjordmat", "no"] {
            assert!(text.has_word(word), "{word}");
        }
        assert!(text.has_hashtag("nordlys"));
        assert!(!text.has_hashtag("ola"));
    }

    #[test]
    fn mastodon_short_handle_names_the_full_one() {
        assert!(same_account("ola@mastodon.social", "ola"));
        assert!(!same_account("olav", "ola"));
        assert!(!same_account("ola", "ola@mastodon.social"));
    }
}
