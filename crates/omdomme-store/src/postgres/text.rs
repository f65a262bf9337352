//! PostgreSQL's `text` cannot hold U+0000, which Rust strings (and the conformance suite's
//! odd texts) may. Free text is stored through a reversible escape in the Private Use
//! Area: U+0000 becomes U+E000 U+E001 and U+E000 itself U+E000 U+E000, so every string
//! round-trips and strings without either character are stored as they are.

use std::borrow::Cow;

const ESCAPE: char = '\u{E000}';
const NUL_AFTER_ESCAPE: char = '\u{E001}';

/// The form of `s` that PostgreSQL can store.
pub(super) fn encode(s: &str) -> Cow<'_, str> {
    if !s.contains(['\0', ESCAPE]) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '\0' => out.extend([ESCAPE, NUL_AFTER_ESCAPE]),
            ESCAPE => out.extend([ESCAPE, ESCAPE]),
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// The string [`encode`] was given.
pub(super) fn decode(s: String) -> String {
    if !s.contains(ESCAPE) {
        return s;
    }
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c != ESCAPE {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some(NUL_AFTER_ESCAPE) => out.push('\0'),
            // Only `encode`'s output is decoded; a lone escape at the end stays as it is.
            Some(other) => out.push(other),
            None => out.push(ESCAPE),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_string_round_trips_and_plain_ones_are_kept() {
        for s in [
            "",
            "plain",
            "\0",
            "\u{E000}",
            "\u{E000}\0",
            "\0\u{E000}",
            "\u{E001}\u{E000}\u{E001}",
            "<b>\0 'quoted'",
            "odd \0 id 😀",
        ] {
            let stored = encode(s);
            assert!(!stored.contains('\0'), "{s:?}");
            assert_eq!(decode(stored.into_owned()), s, "{s:?}");
        }
        assert!(matches!(encode("plain"), Cow::Borrowed(_)));
        assert_ne!(encode("\u{E000}\0"), encode("\0\u{E000}"));
    }
}
