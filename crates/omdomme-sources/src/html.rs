//! HTML to plain text, for Mastodon `content` and RSS/Atom descriptions.
//!
//! Not a full HTML parser: platforms send small, mostly well-formed fragments, sometimes with
//! mistakes (the Mastodon docs' own example has a malformed `</span}`). The rules are:
//! every tag is removed (a `<` that does not start a tag, as in `a < b`, is kept as text;
//! an unterminated tag at the end is dropped), `<script>`/`<style>` bodies and comments are
//! removed, `<br>` and the end of block elements (`</p>`, `</div>`, `</li>`, headings, ...)
//! become line breaks, runs of source whitespace collapse to one space as a browser would,
//! and character references (all HTML5 named entities, decimal and hex) are decoded.
//!
//! Input without any tag is treated as plain text: entities are decoded but line breaks are
//! kept (NRK's RSS descriptions are plain text with newlines between paragraphs).
//!
//! [`tags`] walks the same tokens as a list of start and end tags with their attributes, for
//! callers that need a page's structure (the RSS connector finding an article's body).

use quick_xml::escape::resolve_html5_entity;

/// Converts an HTML fragment to plain text.
pub fn html_to_text(html: &str) -> String {
    if !has_tag(html) {
        return tidy_plain(&decode_entities(html));
    }
    let mut out = String::with_capacity(html.len());
    let bytes = html.as_bytes();
    let mut i = 0;
    let mut text_start = 0;
    while i < bytes.len() {
        if bytes[i] == b'<' && starts_tag(&bytes[i + 1..]) {
            push_text(&mut out, &html[text_start..i]);
            // Comments run to `-->`.
            if html[i..].starts_with("<!--") {
                i = html[i + 4..]
                    .find("-->")
                    .map_or(bytes.len(), |p| i + 4 + p + 3);
                text_start = i;
                continue;
            }
            let end = tag_end(bytes, i + 1);
            let tag = &html[i + 1..end.min(bytes.len())];
            let (closing, name) = tag_name(tag);
            i = (end + 1).min(bytes.len());
            match name.as_str() {
                "br" => out.push('\n'),
                "script" | "style" if !closing => {
                    let close = format!("</{name}");
                    let lower = html[i..].to_ascii_lowercase();
                    i = match lower.find(&close) {
                        Some(p) => {
                            let after = i + p;
                            (tag_end(bytes, after + 1) + 1).min(bytes.len())
                        }
                        None => bytes.len(),
                    };
                }
                "p" | "div" | "li" | "ul" | "ol" | "blockquote" | "pre" | "tr" | "table" | "h1"
                | "h2" | "h3" | "h4" | "h5" | "h6" | "section" | "article" | "header"
                | "footer" | "figure" | "figcaption" | "hr" | "dd" | "dt"
                    if closing || name == "hr" || !out.is_empty() =>
                {
                    out.push('\n')
                }
                _ => {}
            }
            text_start = i;
        } else {
            i += 1;
        }
    }
    if text_start < bytes.len() {
        push_text(&mut out, &html[text_start..]);
    }
    tidy_html(&out)
}

/// One start or end tag of an HTML document, as [`tags`] finds it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Tag<'a> {
    /// The element name, lower-cased.
    pub name: String,
    /// `</name>` rather than `<name>`.
    pub closing: bool,
    /// Byte offset of the `<`.
    pub start: usize,
    /// Byte offset just past the `>`.
    pub end: usize,
    /// What follows the name inside the tag: the attributes.
    attributes: &'a str,
}

impl Tag<'_> {
    /// The value of attribute `name` (ASCII case-insensitive), entities decoded; `Some("")`
    /// for an attribute without a value.
    pub fn attr(&self, name: &str) -> Option<String> {
        let mut rest = self.attributes;
        loop {
            rest = rest.trim_start_matches(|c: char| c.is_whitespace() || c == '/');
            if rest.is_empty() {
                return None;
            }
            let key_end = rest
                .find(|c: char| c.is_whitespace() || c == '=' || c == '/')
                .unwrap_or(rest.len());
            let key = &rest[..key_end];
            rest = rest[key_end..].trim_start();
            let mut value = "";
            if let Some(after) = rest.strip_prefix('=') {
                let after = after.trim_start();
                let (found, remaining) = match after.chars().next() {
                    Some(quote @ ('"' | '\'')) => {
                        let body = &after[1..];
                        let close = body.find(quote).unwrap_or(body.len());
                        (&body[..close], body.get(close + 1..).unwrap_or(""))
                    }
                    _ => {
                        let close = after.find(char::is_whitespace).unwrap_or(after.len());
                        (&after[..close], &after[close..])
                    }
                };
                value = found;
                rest = remaining;
            }
            if key.eq_ignore_ascii_case(name) {
                return Some(decode_entities(value));
            }
        }
    }
}

/// The start and end tags of an HTML document in order, for finding elements and reading
/// attributes. Comments, `<!DOCTYPE>` and the bodies of `<script>` and `<style>` are skipped
/// (their start tags are yielded, their end tags are not), so markup inside a script cannot
/// be mistaken for the page's own.
pub fn tags(html: &str) -> impl Iterator<Item = Tag<'_>> {
    let bytes = html.as_bytes();
    let mut i = 0;
    std::iter::from_fn(move || {
        while i < bytes.len() {
            if bytes[i] != b'<' || !starts_tag(&bytes[i + 1..]) {
                i += 1;
                continue;
            }
            let start = i;
            if html[i..].starts_with("<!--") {
                i = html[i + 4..]
                    .find("-->")
                    .map_or(bytes.len(), |p| i + 4 + p + 3);
                continue;
            }
            let end = tag_end(bytes, i + 1);
            let inner = &html[i + 1..end.min(bytes.len())];
            i = (end + 1).min(bytes.len());
            if inner.starts_with(['!', '?']) {
                continue;
            }
            let (closing, name) = tag_name(inner);
            let name_len = usize::from(closing) + name.len();
            if !closing && (name == "script" || name == "style") {
                let close = format!("</{name}");
                let lower = html[i..].to_ascii_lowercase();
                let body_end = lower.find(&close).map_or(bytes.len(), |p| i + p);
                let tag = Tag {
                    name,
                    closing,
                    start,
                    end: i,
                    attributes: &inner[name_len..],
                };
                i = (tag_end(bytes, body_end + 1) + 1).min(bytes.len());
                return Some(tag);
            }
            return Some(Tag {
                name,
                closing,
                start,
                end: i,
                attributes: &inner[name_len..],
            });
        }
        None
    })
}

fn has_tag(s: &str) -> bool {
    let b = s.as_bytes();
    b.iter()
        .enumerate()
        .any(|(i, &c)| c == b'<' && starts_tag(&b[i + 1..]))
}

fn starts_tag(rest: &[u8]) -> bool {
    match rest.first() {
        Some(c) if c.is_ascii_alphabetic() => true,
        Some(b'/') => rest.get(1).is_some_and(u8::is_ascii_alphabetic),
        Some(b'!') | Some(b'?') => true,
        _ => false,
    }
}

/// Index of the `>` closing the tag that starts at `from` (quotes in attributes respected),
/// or `bytes.len()` when it never closes.
fn tag_end(bytes: &[u8], from: usize) -> usize {
    let mut quote: Option<u8> = None;
    let mut i = from;
    while i < bytes.len() {
        let c = bytes[i];
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None if c == b'"' || c == b'\'' => quote = Some(c),
            None if c == b'>' => return i,
            None => {}
        }
        i += 1;
    }
    bytes.len()
}

fn tag_name(tag: &str) -> (bool, String) {
    let (closing, rest) = match tag.strip_prefix('/') {
        Some(r) => (true, r),
        None => (false, tag),
    };
    let name: String = rest
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_lowercase())
        .collect();
    (closing, name)
}

/// Appends source text, collapsing whitespace runs (including newlines) to one space.
fn push_text(out: &mut String, text: &str) {
    let decoded = decode_entities(text);
    for c in decoded.chars() {
        if c.is_whitespace() && c != '\u{a0}' {
            if !out.ends_with([' ', '\n']) && !out.is_empty() {
                out.push(' ');
            }
        } else {
            out.push(c);
        }
    }
}

/// Trims each line, and keeps at most one blank line between paragraphs.
fn tidy_html(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut blank_run = 0;
    for line in s.split('\n') {
        let line = line.trim_matches(|c: char| c.is_whitespace() && c != '\u{a0}');
        if line.is_empty() {
            blank_run += 1;
            continue;
        }
        if !out.is_empty() {
            out.push_str(if blank_run > 1 { "\n\n" } else { "\n" });
        }
        blank_run = 0;
        out.push_str(line);
    }
    out
}

fn tidy_plain(s: &str) -> String {
    s.replace("\r\n", "\n").trim().to_string()
}

/// Decodes `&amp;`, `&oslash;`, `&#229;`, `&#xE5;`; leaves anything else (a lone `&`) as is.
pub fn decode_entities(s: &str) -> String {
    if !s.contains('&') {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(pos) = rest.find('&') {
        out.push_str(&rest[..pos]);
        let after = &rest[pos + 1..];
        // Entity names are short; look for the `;` within a bounded window.
        let semi = after
            .char_indices()
            .take(40)
            .find(|&(_, c)| c == ';')
            .map(|(i, _)| i);
        let decoded = semi.and_then(|end| {
            let name = &after[..end];
            resolve_reference(name).map(|r| (r, end + 1))
        });
        match decoded {
            Some((text, consumed)) => {
                out.push_str(&text);
                rest = &after[consumed..];
            }
            None => {
                out.push('&');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

fn resolve_reference(name: &str) -> Option<String> {
    if let Some(num) = name.strip_prefix('#') {
        let code = match num.strip_prefix(['x', 'X']) {
            Some(hex) => u32::from_str_radix(hex, 16).ok()?,
            None => num.parse::<u32>().ok()?,
        };
        let c = char::from_u32(code)
            .filter(|&c| c != '\0')
            .unwrap_or('\u{fffd}');
        return Some(c.to_string());
    }
    resolve_html5_entity(name).map(str::to_string)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mastodon_content_becomes_text() {
        let html = "<p>&quot;I lost my inheritance&quot;</p><p><a href=\"https://x\" rel=\"nofollow\"><span class=\"invisible\">https://www.</span><span class=\"ellipsis\">theguardian.com/money</span></a></p>";
        assert_eq!(
            html_to_text(html),
            "\"I lost my inheritance\"\nhttps://www.theguardian.com/money"
        );
    }

    #[test]
    fn breaks_entities_and_broken_tags() {
        assert_eq!(html_to_text("a<br>b<br/>c"), "a\nb\nc");
        assert_eq!(
            html_to_text("<p>bl&aring;b&aelig;r &amp; &#248;l &#xE6;</p>"),
            "blåbær & øl æ"
        );
        assert_eq!(html_to_text("<span>x</span}y <b>z</b>"), "xz");
        assert_eq!(html_to_text("<p>ok</p><a href=\"x"), "ok");
        assert_eq!(html_to_text("1 < 2 <b>bold</b>"), "1 < 2 bold");
        assert_eq!(
            html_to_text("<script>alert(1)</script><style>p{}</style>hei<!-- c -->!"),
            "hei!"
        );
        assert_eq!(
            html_to_text("<p>  mange\n  mellomrom  </p>"),
            "mange mellomrom"
        );
    }

    #[test]
    fn plain_text_keeps_lines() {
        assert_eq!(
            html_to_text("linje 1\nlinje 2 &amp; mer"),
            "linje 1\nlinje 2 & mer"
        );
        assert_eq!(decode_entities("AT&T &bogus; &"), "AT&T &bogus; &");
    }

    #[test]
    fn tags_and_attributes() {
        let html = "<!doctype html><!-- <nav> --><META Property='og:description' content=\"Bl&aring;\"><script>if (a<b) document.write('<article>')</script><link rel=alternate href=/rss.xml hidden></p>";
        let found: Vec<_> = tags(html).collect();
        let names: Vec<_> = found.iter().map(|t| (t.name.as_str(), t.closing)).collect();
        assert_eq!(
            names,
            [
                ("meta", false),
                ("script", false),
                ("link", false),
                ("p", true)
            ]
        );
        assert_eq!(found[0].attr("property").as_deref(), Some("og:description"));
        assert_eq!(found[0].attr("CONTENT").as_deref(), Some("Blå"));
        assert_eq!(found[2].attr("href").as_deref(), Some("/rss.xml"));
        assert_eq!(found[2].attr("hidden").as_deref(), Some(""));
        assert_eq!(found[2].attr("type"), None);
        assert_eq!(&html[found[3].start..found[3].end], "</p>");
    }

    #[test]
    fn no_tag_survives() {
        for html in [
            "<div><p>x</p></div>",
            "<a href='>'>y</a>",
            "<img src=x onerror=alert(1)>z",
            "<<b>>",
        ] {
            let t = html_to_text(html);
            assert!(
                !t.contains("<b>") && !t.contains("<a") && !t.contains("<img") && !t.contains("<p"),
                "{t}"
            );
        }
    }
}
