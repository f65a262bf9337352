//! What the editor shows beside a post's text: how the platform will show it (the
//! preview, with the platform's own count of its length) and what the workspace's policy
//! says about it, each finding marked at the words it is about.
//!
//! Everything here is plain data; the templates escape every piece of text they print.

use omdomme_policy::{Finding, Severity};
use omdomme_store::UiLanguage;

/// A run of the post's text as the platform styles it.
#[derive(Debug, PartialEq)]
pub struct Token {
    /// `text`, `link`, `hashtag` or `mention`.
    pub class: &'static str,
    pub text: String,
}

/// Splits a post's text into plain runs, links, hashtags and mentions, the way the
/// platforms highlight them. Line breaks stay in the text (the preview keeps them).
pub fn tokens(text: &str) -> Vec<Token> {
    let mut out: Vec<Token> = Vec::new();
    let mut push = |class: &'static str, piece: &str| {
        if piece.is_empty() {
            return;
        }
        match out.last_mut() {
            Some(last) if last.class == class && class == "text" => last.text.push_str(piece),
            _ => out.push(Token {
                class,
                text: piece.to_owned(),
            }),
        }
    };
    let mut rest = text;
    while !rest.is_empty() {
        let word_start = rest
            .find(|c: char| !c.is_whitespace())
            .unwrap_or(rest.len());
        push("text", &rest[..word_start]);
        rest = &rest[word_start..];
        let word_end = rest.find(char::is_whitespace).unwrap_or(rest.len());
        let (class, styled) = classify(&rest[..word_end]);
        push(class, &rest[..styled]);
        push("text", &rest[styled..word_end]);
        rest = &rest[word_end..];
    }
    out
}

/// The class of a word and how many of its bytes get it (trailing punctuation does not).
fn classify(word: &str) -> (&'static str, usize) {
    let trailing = |end: usize| {
        word[..end]
            .trim_end_matches(['.', ',', ';', ':', '!', '?', ')', '"', '\''])
            .len()
    };
    if word.starts_with("https://") || word.starts_with("http://") {
        return ("link", trailing(word.len()));
    }
    let mut chars = word.chars();
    let (class, allowed): (&'static str, fn(char) -> bool) = match chars.next() {
        Some('#') => ("hashtag", |c| c.is_alphanumeric() || c == '_'),
        Some('@') => ("mention", |c| {
            c.is_alphanumeric() || matches!(c, '_' | '.' | '-' | '@')
        }),
        _ => return ("text", 0),
    };
    if !chars.next().is_some_and(char::is_alphanumeric) {
        return ("text", 0);
    }
    let end = word[1..]
        .find(|c: char| !allowed(c))
        .map_or(word.len(), |i| i + 1);
    (class, trailing(end))
}

/// A policy finding as the page lists it.
#[derive(Debug, PartialEq)]
pub struct FindingView {
    pub rule: String,
    /// `block` or `warn`.
    pub severity: &'static str,
    pub message: String,
    /// The offending words; empty for findings about the whole post.
    pub words: String,
}

pub fn finding_view(finding: &Finding, language: UiLanguage) -> FindingView {
    FindingView {
        rule: finding.rule.clone(),
        severity: severity_name(finding.severity),
        message: match language {
            UiLanguage::Nb => finding.message_nb.clone(),
            UiLanguage::En => finding.message_en.clone(),
        },
        words: finding.words.clone(),
    }
}

pub fn severity_name(severity: Severity) -> &'static str {
    match severity {
        Severity::Block => "block",
        Severity::Warn => "warn",
    }
}

/// A run of the text, marked when a finding is about it.
#[derive(Debug, PartialEq)]
pub struct Segment {
    pub text: String,
    pub mark: Option<Mark>,
}

#[derive(Debug, PartialEq)]
pub struct Mark {
    pub rule: String,
    pub severity: &'static str,
    pub message: String,
}

/// The text cut at the findings' spans. Where spans overlap the earlier one wins the
/// overlap; spans that are empty or not on the text's character boundaries mark nothing.
pub fn segments(text: &str, findings: &[Finding], language: UiLanguage) -> Vec<Segment> {
    let mut spans: Vec<&Finding> = findings
        .iter()
        .filter(|f| !f.span.is_empty() && text.get(f.span.clone()).is_some())
        .collect();
    spans.sort_by_key(|f| (f.span.start, std::cmp::Reverse(f.severity)));
    let mut out = Vec::new();
    let mut cursor = 0;
    for finding in spans {
        let start = finding.span.start.max(cursor);
        if start >= finding.span.end {
            continue;
        }
        if cursor < start {
            out.push(Segment {
                text: text[cursor..start].to_owned(),
                mark: None,
            });
        }
        let view = finding_view(finding, language);
        out.push(Segment {
            text: text[start..finding.span.end].to_owned(),
            mark: Some(Mark {
                rule: view.rule,
                severity: view.severity,
                message: view.message,
            }),
        });
        cursor = finding.span.end;
    }
    if cursor < text.len() {
        out.push(Segment {
            text: text[cursor..].to_owned(),
            mark: None,
        });
    }
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn finding(rule: &str, severity: Severity, span: std::ops::Range<usize>) -> Finding {
        Finding {
            rule: rule.to_owned(),
            severity,
            span,
            words: String::new(),
            message_nb: format!("{rule} nb"),
            message_en: format!("{rule} en"),
        }
    }

    #[test]
    fn links_hashtags_and_mentions_are_told_apart() {
        let got = tokens("Se https://nordlys.no/klima. #klima @ola@mastodon.social!\nTakk");
        let classes: Vec<(&str, &str)> = got.iter().map(|t| (t.class, t.text.as_str())).collect();
        assert_eq!(
            classes,
            vec![
                ("text", "Se "),
                ("link", "https://nordlys.no/klima"),
                ("text", ". "),
                ("hashtag", "#klima"),
                ("text", " "),
                ("mention", "@ola@mastodon.social"),
                ("text", "!\nTakk"),
            ]
        );
        assert_eq!(tokens("# and @ alone")[0].class, "text");
        assert_eq!(tokens("").len(), 0);
    }

    #[test]
    fn findings_cut_the_text_at_their_spans() {
        let text = "Vi er klimanøytrale, ring 912 34 567.";
        let claim = text.find("klimanøytrale").unwrap();
        let phone = text.find("912").unwrap();
        let findings = vec![
            finding(
                "claims.climate",
                Severity::Block,
                claim..claim + "klimanøytrale".len(),
            ),
            finding("personal.phone", Severity::Warn, phone..phone + 10),
            finding("length", Severity::Warn, 0..0),
        ];
        let got = segments(text, &findings, UiLanguage::En);
        let joined: String = got.iter().map(|s| s.text.as_str()).collect();
        assert_eq!(joined, text);
        let marked: Vec<&str> = got
            .iter()
            .filter(|s| s.mark.is_some())
            .map(|s| s.text.as_str())
            .collect();
        assert_eq!(marked, vec!["klimanøytrale", "912 34 567"]);
        assert_eq!(got[1].mark.as_ref().unwrap().message, "claims.climate en");
        assert_eq!(got[1].mark.as_ref().unwrap().severity, "block");
    }

    #[test]
    fn overlapping_and_broken_spans_never_split_a_character_or_repeat_text() {
        let text = "æøå abc";
        let findings = vec![
            finding("a", Severity::Warn, 0..5),
            finding("b", Severity::Block, 2..8),
            finding("c", Severity::Block, 1..3),
            finding("d", Severity::Block, 4..99),
        ];
        let got = segments(text, &findings, UiLanguage::Nb);
        let joined: String = got.iter().map(|s| s.text.as_str()).collect();
        assert_eq!(joined, text);
    }
}
