//! Caller text made safe for SVG and HTML: escaping, link vetting, truncation and the
//! rough text widths the layout uses (the server has no fonts to measure with).

use std::borrow::Cow;
use std::fmt;

/// Displays a caller string escaped for XML/HTML text and double- or single-quoted
/// attributes. Characters XML 1.0 forbids (most C0 controls) become U+FFFD, because one
/// of them would make the whole SVG unparseable.
pub(crate) struct Esc<'a>(pub &'a str);

impl fmt::Display for Esc<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut rest = self.0;
        while let Some(at) = rest.find(|c: char| needs_escape(c)) {
            f.write_str(&rest[..at])?;
            let mut chars = rest[at..].chars();
            let c = chars.next().unwrap_or_default();
            f.write_str(match c {
                '&' => "&amp;",
                '<' => "&lt;",
                '>' => "&gt;",
                '"' => "&quot;",
                '\'' => "&#39;",
                _ => "\u{FFFD}",
            })?;
            rest = chars.as_str();
        }
        f.write_str(rest)
    }
}

fn needs_escape(c: char) -> bool {
    matches!(c, '&' | '<' | '>' | '"' | '\'') || !is_xml_char(c)
}

fn is_xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
}

/// The link if it is safe to put in an `href`: an http(s) URL or a same-site relative one.
///
/// Anything else (`javascript:`, `data:`, protocol-relative `//host`, URLs holding
/// whitespace, control characters or backslashes, which browsers quietly strip or turn
/// into slashes) is refused, so the element is drawn without a link.
pub(crate) fn safe_href(link: Option<&str>) -> Option<&str> {
    let url = link?.trim();
    let suspicious = |c: char| c.is_control() || c.is_whitespace() || c == '\\';
    if url.is_empty() || url.starts_with("//") || url.chars().any(suspicious) {
        return None;
    }
    match url.find([':', '/', '?', '#']) {
        Some(at) if url[at..].starts_with(':') => {
            let scheme = &url[..at];
            let web = scheme.eq_ignore_ascii_case("http") || scheme.eq_ignore_ascii_case("https");
            web.then_some(url)
        }
        _ => Some(url),
    }
}

/// At most `max_chars` characters, ending in "…" when cut.
pub(crate) fn truncate(text: &str, max_chars: usize) -> Cow<'_, str> {
    match text.char_indices().nth(max_chars) {
        None => Cow::Borrowed(text),
        Some(_) => {
            let keep: String = text.chars().take(max_chars.saturating_sub(1)).collect();
            Cow::Owned(format!("{}…", keep.trim_end()))
        }
    }
}

/// An estimate of the drawn width: an average glyph of a sans-serif UI font is a little
/// over half the font size wide. Estimating generously keeps labels from touching.
pub(crate) fn text_width(text: &str, font_size: f64) -> f64 {
    text.chars().count() as f64 * font_size * 0.58
}

/// The caller's chart id reduced to characters that are safe in an `id` and in the
/// space-separated `aria-labelledby` list.
pub(crate) fn dom_id(id: &str) -> String {
    let cleaned: String = id
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '-'
            }
        })
        .collect();
    if cleaned.is_empty() {
        "chart".to_owned()
    } else {
        cleaned
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_quotes_and_forbidden_characters() {
        let escaped = Esc("<b a=\"1\" b='2'>&\u{0}</b>").to_string();
        assert_eq!(
            escaped,
            "&lt;b a=&quot;1&quot; b=&#39;2&#39;&gt;&amp;\u{FFFD}&lt;/b&gt;"
        );
        assert_eq!(
            Esc("Brønnøysund – 12\u{a0}345 🙂").to_string(),
            "Brønnøysund – 12\u{a0}345 🙂"
        );
    }

    #[test]
    fn only_web_and_relative_links_pass() {
        for good in [
            "https://a.no/x?y=1&z=2",
            "HTTP://a.no",
            "/explore?brand=1",
            "?page=2",
            "#top",
            "items/5",
        ] {
            assert_eq!(safe_href(Some(good)), Some(good), "{good}");
        }
        for bad in [
            "javascript:alert(1)",
            " JavaScript:alert(1)",
            "java\tscript:alert(1)",
            "data:text/html,<script>",
            "vbscript:x",
            "//evil.example",
            "/\\evil.example",
            "mailto:a@b.no",
            "",
        ] {
            assert_eq!(safe_href(Some(bad)), None, "{bad:?}");
        }
    }

    #[test]
    fn truncates_by_characters_with_an_ellipsis() {
        assert_eq!(truncate("Kundeservice", 20), "Kundeservice");
        assert_eq!(truncate("Ærlig talt, østlandsk", 8), "Ærlig t…");
        assert_eq!(truncate("abc def", 5), "abc…");
    }

    #[test]
    fn ids_keep_only_safe_characters() {
        assert_eq!(dom_id("volume-7"), "volume-7");
        assert_eq!(dom_id("a b\"<"), "a-b--");
        assert_eq!(dom_id(""), "chart");
    }
}
