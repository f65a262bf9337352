//! One pass over an item's text that every enrichment task shares: lower-case once into a
//! reusable buffer, normalise whitespace, and cut the buffer into tokens.
//!
//!
//! Words, #hashtags, @mentions, links and emoji come from [`omdomme_core::text::tokens`], the
//! tokenizer query matching and indexing use, so all sides agree on what a word is. This
//! pass adds what analysis needs and matching skips: lower case that keeps diacritics
//! (å/æ/ø versus ä/ö tell the Nordic languages apart; matching folds some of them away),
//! emoticons, `?`/`!`, clause ends and sentence starts.

use omdomme_core::text::{TokenKind, tokens};

/// What a token is. Offsets always point into [`Analysed::lower`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum TokKind {
    /// Letters and digits (`don't` is `don` and `t`, as the core tokenizer splits it).
    Word,
    /// `#tag`, the range excludes the `#`.
    Hashtag,
    /// `@handle`, the range excludes the `@`.
    Mention,
    Url,
    /// An emoji whose first character the emoji lexicon knows.
    Emoji,
    /// A whitespace-delimited emoticon such as `:-)` or `<3`.
    Emoticon,
    /// `?`, the range is the character itself.
    Question,
    /// `!`.
    Exclaim,
    /// `.`, `;`, `:` or a line break: ends a sentence or clause (negation scope stops here).
    Boundary,
    /// `,` and similar: ends a negation scope but not a sentence.
    Comma,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Tok {
    pub start: u32,
    pub end: u32,
    pub kind: TokKind,
    /// First word-like token of a sentence (after leading mentions): question words count here.
    pub sentence_start: bool,
}

/// Character cues counted while lower-casing; cheap language evidence.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct CharCues {
    /// `æ` and `ø`: Norwegian and Danish.
    pub ae_oe: u32,
    /// `å`: Norwegian, Danish, Swedish.
    pub aa: u32,
    /// `ä` and `ö`: Swedish (and German/Finnish).
    pub a_o_umlaut: u32,
    /// Letters of a Latin-script alphabet.
    pub latin_letters: u32,
    /// Letters of any other script (Cyrillic, Arabic, Hebrew, CJK, ...).
    pub other_letters: u32,
    /// `ò`/`ô` as in nynorsk `òg`, `fôr`.
    pub nn_accents: u32,
}

/// The lower-cased text and its tokens. Reused between items to avoid allocating.
#[derive(Debug, Default)]
pub(crate) struct Analysed {
    pub lower: String,
    pub toks: Vec<Tok>,
    pub cues: CharCues,
}

/// Longest text we analyse, in bytes. A post is a few hundred bytes; a 1 MB text is a
/// mistake or an attack, and the first 64 KiB say as much about it as the rest.
pub(crate) const MAX_ANALYSED_BYTES: usize = 64 * 1024;

impl Analysed {
    pub fn tok_str(&self, t: &Tok) -> &str {
        self.lower
            .get(t.start as usize..t.end as usize)
            .unwrap_or("")
    }

    /// The words and hashtags, in order: what has features and facts of its own.
    pub fn words(&self) -> impl Iterator<Item = &str> {
        self.toks
            .iter()
            .filter(|t| matches!(t.kind, TokKind::Word | TokKind::Hashtag))
            .map(|t| self.tok_str(t))
    }

    /// Lower-cases `parts` (title, then text) into the buffer and tokenizes it.
    pub fn analyse(
        &mut self,
        parts: &[&str],
        is_emoji: impl Fn(char) -> bool,
        is_emoticon: impl Fn(&str) -> bool,
    ) {
        self.lower.clear();
        self.toks.clear();
        self.cues = CharCues::default();
        for part in parts {
            if !self.lower.is_empty() {
                self.lower.push('\n');
            }
            self.push_lower(part);
        }
        self.tokenize(is_emoji, is_emoticon);
    }

    fn push_lower(&mut self, text: &str) {
        let text = match text.get(..MAX_ANALYSED_BYTES.saturating_sub(self.lower.len())) {
            Some(t) => t,
            None => floor_prefix(text, MAX_ANALYSED_BYTES.saturating_sub(self.lower.len())),
        };
        self.lower.reserve(text.len() + 1);
        let mut pending_space: Option<char> = None;
        let mut rest = text;
        while !rest.is_empty() {
            // Fast path: a run of printable ASCII other than space is copied lower-cased in one go.
            let run = rest
                .bytes()
                .position(|b| !(b.is_ascii_graphic()))
                .unwrap_or(rest.len());
            if run > 0 {
                if let Some(s) = pending_space.take()
                    && !self.lower.is_empty()
                {
                    self.lower.push(s);
                }
                let (head, tail) = rest.split_at(run);
                let from = self.lower.len();
                self.lower.push_str(head);
                if let Some(pushed) = self.lower.get_mut(from..) {
                    pushed.make_ascii_lowercase();
                }
                self.cues.latin_letters +=
                    head.bytes().filter(u8::is_ascii_alphabetic).count() as u32;
                rest = tail;
                continue;
            }
            let Some(c) = rest.chars().next() else { break };
            rest = &rest[c.len_utf8()..];
            // Whitespace and control characters collapse to one space, or to a line break
            // when the run held one, so phrases match across double spaces but not across
            // lines (a line break ends a sentence in a post).
            if c.is_whitespace() || c.is_control() || is_invisible(c) {
                if c == '\n' || c == '\r' || c == '\u{2029}' {
                    pending_space = Some('\n');
                } else if pending_space.is_none() && !is_invisible(c) {
                    pending_space = Some(' ');
                }
                continue;
            }
            if let Some(s) = pending_space.take()
                && !self.lower.is_empty()
            {
                self.lower.push(s);
            }
            match c {
                'æ' | 'Æ' | 'ø' | 'Ø' => self.cues.ae_oe += 1,
                'å' | 'Å' => self.cues.aa += 1,
                'ä' | 'Ä' | 'ö' | 'Ö' => self.cues.a_o_umlaut += 1,
                'ò' | 'ô' => self.cues.nn_accents += 1,
                // Typographic apostrophe: `don’t` is `don't`.
                '\u{2019}' => {
                    self.lower.push('\'');
                    continue;
                }
                _ => {}
            }
            if c.is_alphabetic() {
                if is_latin(c) {
                    self.cues.latin_letters += 1;
                } else {
                    self.cues.other_letters += 1;
                }
            }
            for l in c.to_lowercase() {
                self.lower.push(l);
            }
        }
    }

    /// Words, hashtags, mentions, links and emoji come from `omdomme_core::text::tokens`,
    /// the tokenizer query matching uses; the gaps between them are scanned here for what
    /// analysis needs and matching skips: `?`, `!`, clause ends and emoticons.
    fn tokenize(&mut self, is_emoji: impl Fn(char) -> bool, is_emoticon: impl Fn(&str) -> bool) {
        let lower = std::mem::take(&mut self.lower);
        let mut sentence_start = true;
        let mut gap_from = 0usize;
        // Core tokens starting before this offset are inside an emoticon (`:D`, `xD`).
        let mut skip_until = 0usize;
        for token in tokens(&lower) {
            let (start, end) = (token.start, token.start + token.text.len());
            if start < skip_until {
                continue;
            }
            // The `#` or `@` is the byte before a hashtag's or mention's text.
            let gap_to = match token.kind {
                TokenKind::Hashtag | TokenKind::Mention => start.saturating_sub(1),
                _ => start,
            };
            if let Some(skip) =
                self.scan_gap(&lower, gap_from, gap_to, &mut sentence_start, &is_emoticon)
            {
                skip_until = skip;
                gap_from = skip;
                if start < skip {
                    continue;
                }
            }
            let kind = match token.kind {
                TokenKind::Word => TokKind::Word,
                TokenKind::Hashtag => TokKind::Hashtag,
                TokenKind::Mention => TokKind::Mention,
                TokenKind::Url => TokKind::Url,
                TokenKind::Emoji => TokKind::Emoji,
            };
            let starts = kind == TokKind::Word && sentence_start;
            if kind == TokKind::Emoji {
                if token.text.chars().next().is_some_and(&is_emoji) {
                    self.push(start, end, kind, false);
                }
            } else {
                self.push(start, end, kind, starts);
            }
            if kind == TokKind::Word {
                sentence_start = false;
            }
            gap_from = end;
        }
        let len = lower.len();
        let _ = self.scan_gap(&lower, gap_from, len, &mut sentence_start, &is_emoticon);
        self.lower = lower;
    }

    /// Punctuation and emoticons in `lower[from..to]`. Returns the end of an emoticon that
    /// runs past `to` into what the core tokenizer took for words (`:D`, `xD`).
    fn scan_gap(
        &mut self,
        lower: &str,
        from: usize,
        to: usize,
        sentence_start: &mut bool,
        is_emoticon: &impl Fn(&str) -> bool,
    ) -> Option<usize> {
        let b = lower.as_bytes();
        let mut i = from;
        while i < to {
            let c = b[i];
            let chunk_start = i == 0 || matches!(b[i - 1], b' ' | b'\n');
            if chunk_start && c != b' ' && c != b'\n' {
                let rest = lower.get(i..).unwrap_or("");
                let chunk_len = rest.find([' ', '\n']).unwrap_or(rest.len());
                let chunk = &rest[..chunk_len];
                // Only chunks with emoticon characters are looked up.
                if chunk.len() <= 12 && chunk.bytes().any(|x| b":;=<()/\\|^*".contains(&x)) {
                    let trimmed = chunk.trim_end_matches(['.', ',', '!', '?']);
                    let found = if is_emoticon(chunk) {
                        Some(chunk.len())
                    } else if !trimmed.is_empty() && is_emoticon(trimmed) {
                        Some(trimmed.len())
                    } else {
                        None
                    };
                    if let Some(len) = found {
                        self.push(i, i + len, TokKind::Emoticon, false);
                        if i + len > to {
                            return Some(i + len);
                        }
                        i += len;
                        continue;
                    }
                }
            }
            match c {
                b'?' => {
                    self.push(i, i + 1, TokKind::Question, false);
                    *sentence_start = true;
                }
                b'!' => {
                    self.push(i, i + 1, TokKind::Exclaim, false);
                    *sentence_start = true;
                }
                b'.' | b';' | b':' | b'\n' => {
                    self.push(i, i + 1, TokKind::Boundary, false);
                    *sentence_start = true;
                }
                b',' | b'(' | b')' | b'"' => self.push(i, i + 1, TokKind::Comma, false),
                // `…`
                0xe2 if lower.get(i..).is_some_and(|r| r.starts_with('…')) => {
                    self.push(i, i + 3, TokKind::Boundary, false);
                    *sentence_start = true;
                }
                _ => {}
            }
            i += 1;
        }
        None
    }

    fn push(&mut self, start: usize, end: usize, kind: TokKind, sentence_start: bool) {
        // The buffer is capped at 64 KiB, so offsets fit in u32.
        self.toks.push(Tok {
            start: start as u32,
            end: end as u32,
            kind,
            sentence_start,
        });
    }
}

/// The longest prefix of `s` of at most `max` bytes that ends on a character boundary.
pub(crate) fn floor_prefix(s: &str, max: usize) -> &str {
    let mut end = max.min(s.len());
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    s.get(..end).unwrap_or("")
}

/// Zero-width and direction marks: invisible, and must not split or join words.
fn is_invisible(c: char) -> bool {
    matches!(c, '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2060}'..='\u{2069}' | '\u{feff}')
}

fn is_latin(c: char) -> bool {
    matches!(c, '\u{00c0}'..='\u{024f}' | '\u{1e00}'..='\u{1eff}')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(text: &str) -> Vec<(TokKind, String)> {
        let mut a = Analysed::default();
        a.analyse(
            &[text],
            |c| c == '😀',
            |e| e == ":)" || e == "<3" || e == ":d",
        );
        a.toks
            .iter()
            .map(|t| (t.kind, a.tok_str(t).to_string()))
            .collect()
    }

    #[test]
    fn words_hashtags_mentions_urls() {
        let k = kinds("Hei @Nordlys.Energi! Se https://x.no/a?b=1 #Klima don’t");
        assert_eq!(
            k,
            vec![
                (TokKind::Word, "hei".into()),
                (TokKind::Mention, "nordlys.energi".into()),
                (TokKind::Exclaim, "!".into()),
                (TokKind::Word, "se".into()),
                (TokKind::Url, "https://x.no/a?b=1".into()),
                (TokKind::Hashtag, "klima".into()),
                (TokKind::Word, "don".into()),
                (TokKind::Word, "t".into()),
            ]
        );
    }

    #[test]
    fn emoticons_and_emoji() {
        let k = kinds("bra :) 😀 <3. x :d");
        assert_eq!(k[1], (TokKind::Emoticon, ":)".into()));
        assert_eq!(k[2], (TokKind::Emoji, "😀".into()));
        assert_eq!(k[3], (TokKind::Emoticon, "<3".into()));
        assert_eq!(k[4], (TokKind::Boundary, ".".into()));
        assert_eq!(k[6], (TokKind::Emoticon, ":d".into()));
        assert_eq!(k.len(), 7);
    }

    #[test]
    fn sentence_starts_skip_mentions() {
        let mut a = Analysed::default();
        a.analyse(&["@x Kan dere svare? Når kommer den"], |_| false, |_| false);
        let starts: Vec<&str> = a
            .toks
            .iter()
            .filter(|t| t.sentence_start)
            .map(|t| a.tok_str(t))
            .collect();
        assert_eq!(starts, vec!["kan", "når"]);
    }

    #[test]
    fn whitespace_and_controls_collapse() {
        let mut a = Analysed::default();
        a.analyse(&["a \t\u{0}  b\u{200f}c\r\nd"], |_| false, |_| false);
        assert_eq!(a.lower, "a bc\nd");
    }

    #[test]
    fn huge_text_is_capped() {
        let big = "ord ".repeat(300_000);
        let mut a = Analysed::default();
        a.analyse(&[&big], |_| false, |_| false);
        assert!(a.lower.len() <= MAX_ANALYSED_BYTES + 4);
    }
}
