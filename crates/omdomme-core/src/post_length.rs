//! How long a post is as each platform counts it, and each platform's limit: what the
//! story editor shows, the policy check enforces and the connectors check before sending.
//!
//! - X: twitter-text's "weighted length" (configuration v3). Code points in the Latin,
//!   Cyrillic, Greek and common punctuation ranges count 1, every other code point (CJK,
//!   emoji) counts 2, every URL counts 23 whatever its length, and the limit is 280.
//!   Simplified, always towards counting more than X does, so a post we accept X accepts
//!   too: an emoji sequence counts 2 (modifiers, variation selectors and the joined parts of
//!   a ZWJ sequence count 0) but keycaps and flags count 2 per code point; a word that
//!   merely looks like a domain (`nordlys.no`) counts at least 23, as X counts a bare domain
//!   as a URL; the text is not NFC-normalised first.
//! - Mastodon: characters, every `http(s)://` link counting 23; 500 (an instance's default).
//! - Bluesky: graphemes (`app.bsky.feed.post` allows 300).
//! - Facebook: characters; 63,206.

use unicode_segmentation::UnicodeSegmentation;

use crate::SourceKind;

/// The longest post X accepts, in weighted characters.
pub const MAX_WEIGHTED_LENGTH: usize = 280;
/// Mastodon's default limit; instances may allow more.
pub const MASTODON_MAX_CHARACTERS: usize = 500;
/// `app.bsky.feed.post` allows 300 graphemes of text.
pub const BLUESKY_MAX_GRAPHEMES: usize = 300;
/// The longest text of a Facebook Page post.
pub const FACEBOOK_MAX_CHARACTERS: usize = 63_206;

/// A post's length on one platform, in the unit that platform counts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PostLength {
    pub used: usize,
    pub limit: usize,
}

impl PostLength {
    pub fn fits(&self) -> bool {
        self.used <= self.limit
    }
}

/// `text`'s length on `kind` and that platform's limit; `None` for kinds we never post to
/// (feeds, files, webhooks).
pub fn post_length(kind: SourceKind, text: &str) -> Option<PostLength> {
    let (used, limit) = match kind {
        SourceKind::X => (weighted_length(text), MAX_WEIGHTED_LENGTH),
        SourceKind::Mastodon => (mastodon_length(text), MASTODON_MAX_CHARACTERS),
        SourceKind::Bluesky => (text.graphemes(true).count(), BLUESKY_MAX_GRAPHEMES),
        SourceKind::Facebook => (text.chars().count(), FACEBOOK_MAX_CHARACTERS),
        SourceKind::Rss | SourceKind::File | SourceKind::Webhook => return None,
    };
    Some(PostLength { used, limit })
}

/// Mastodon counts every link as 23 characters, whatever its length.
fn mastodon_length(text: &str) -> usize {
    let spaces = text.chars().filter(|c| c.is_whitespace()).count();
    spaces
        + text
            .split(char::is_whitespace)
            .map(|word| {
                let lower = word.to_ascii_lowercase();
                if lower.starts_with("http://") || lower.starts_with("https://") {
                    URL_LENGTH
                } else {
                    word.chars().count()
                }
            })
            .sum::<usize>()
}

/// What a URL counts, shortened to a t.co link.
const URL_LENGTH: usize = 23;

/// Ranges whose code points count 1 (twitter-text's `ranges` of weight 100).
const LIGHT: [(u32, u32); 4] = [(0, 4351), (8192, 8205), (8208, 8223), (8242, 8247)];

const ZERO_WIDTH_JOINER: char = '\u{200D}';

/// The post's length as X counts it.
pub fn weighted_length(text: &str) -> usize {
    let spaces: usize = text
        .chars()
        .filter(|c| c.is_whitespace())
        .map(char_weight)
        .sum();
    spaces
        + text
            .split(char::is_whitespace)
            .map(token_weight)
            .sum::<usize>()
}

fn token_weight(token: &str) -> usize {
    // Punctuation around a link (`(https://…).`) is not part of it.
    let opened = token.trim_start_matches(['(', '[', '"', '\'', '«']);
    let link = opened.trim_end_matches(['.', ',', ';', ':', '!', '?', ')', ']', '"', '\'', '»']);
    let around =
        plain_weight(&token[..token.len() - opened.len()]) + plain_weight(&opened[link.len()..]);
    let lower = link.to_ascii_lowercase();
    if lower.starts_with("http://") || lower.starts_with("https://") {
        URL_LENGTH + around
    } else if looks_like_domain(link) {
        plain_weight(link).max(URL_LENGTH) + around
    } else {
        plain_weight(token)
    }
}

/// `name.tld` with a top-level domain of two or more ASCII letters.
fn looks_like_domain(word: &str) -> bool {
    let host = word.split('/').next().unwrap_or_default();
    match host.rsplit_once('.') {
        Some((name, tld)) => {
            !name.is_empty() && tld.len() >= 2 && tld.chars().all(|c| c.is_ascii_alphabetic())
        }
        None => false,
    }
}

fn plain_weight(text: &str) -> usize {
    let mut total = 0;
    let mut joined = false;
    for c in text.chars() {
        if joined {
            // The code point after a zero-width joiner belongs to the same emoji.
            joined = false;
            continue;
        }
        if c == ZERO_WIDTH_JOINER {
            joined = true;
            continue;
        }
        total += char_weight(c);
    }
    total
}

fn char_weight(c: char) -> usize {
    let code = u32::from(c);
    let modifier = matches!(code, 0xFE00..=0xFE0F | 0x1F3FB..=0x1F3FF | 0xE0020..=0xE007F);
    if modifier {
        0
    } else if LIGHT
        .iter()
        .any(|&(start, end)| (start..=end).contains(&code))
    {
        1
    } else {
        2
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weights_as_x_documents() {
        assert_eq!(weighted_length("Hei på deg"), 10);
        assert_eq!(weighted_length("日本語"), 6);
        assert_eq!(
            weighted_length("Les mer: https://example.com/a/very/long/path/that/goes/on"),
            9 + 23
        );
        assert_eq!(weighted_length("(https://example.com)."), 1 + 23 + 2);
        assert_eq!(weighted_length("se nordlys.no"), 3 + 23);
        assert_eq!(weighted_length("👍"), 2);
        assert_eq!(weighted_length("👍🏽"), 2);
        assert_eq!(weighted_length("👨‍👩‍👧"), 2);
        assert_eq!(weighted_length(&"a".repeat(280)), 280);
    }

    #[test]
    fn each_platform_counts_in_its_own_unit() {
        let family = "👨‍👩‍👧";
        let length = |kind| post_length(kind, family).map(|l| l.used);
        assert_eq!(length(SourceKind::Bluesky), Some(1));
        assert_eq!(length(SourceKind::Facebook), Some(5));
        assert_eq!(length(SourceKind::X), Some(2));
        let link = "Les https://example.com/a/very/long/path/that/goes/on/and/on";
        assert_eq!(
            post_length(SourceKind::Mastodon, link),
            Some(PostLength {
                used: 4 + 23,
                limit: 500
            })
        );
        assert_eq!(post_length(SourceKind::Rss, "x"), None);
        assert!(
            !post_length(SourceKind::Bluesky, &"å".repeat(301))
                .unwrap()
                .fits()
        );
    }
}
