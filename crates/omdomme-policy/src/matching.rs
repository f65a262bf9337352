//! Words and phrases as regular expressions that find them as they are written in
//! Norwegian and English running text: ignoring case (Unicode: `Ø` is `ø`), as whole
//! words, with inflections, and for confidential terms with compounds.

use regex::{Regex, RegexBuilder};

/// A hyphen as typed, or the Unicode hyphens word processors put in its place.
const HYPHEN: &str = r"[\-\u{2010}\u{2011}]";
/// Between the words of a phrase: spaces, or a hyphen with or without spaces.
const BETWEEN_WORDS: &str = r"(?:\s*[\-\u{2010}\u{2011}\u{2013}]\s*|\s+)";

/// Endings after a short term (under [`COMPOUND_MIN_CHARS`]): bokmål, nynorsk and English
/// inflections and the genitive, so `Ørn` finds `Ørnen` but not `Ørnulf`.
const TERM_ENDINGS: &str = r"(?:ene|ane|ens|ets|en|et|er|ar|as|es|a|e|s)?";
/// A term at least this long may start a closed compound (`Fjordlysprosjektet`); a shorter
/// one would find too many unrelated words.
const COMPOUND_MIN_CHARS: usize = 5;
/// `Fjordlys'` and `Fjordlys's`.
const GENITIVE: &str = r"(?:['\u{2019}]s?)?";
/// A hyphenated compound continuing the word: `Fjordlys-prosjektet`.
const HYPHENATED_TAIL: &str = r"(?:[\-\u{2010}\u{2011}]\w+)*";

/// Endings of claim words: adjective and noun inflections in bokmål, nynorsk and English
/// (`klimanøytralt`, `miljøvennlige`, `grønnere`, `greenest`, `sustainably`), never an
/// open compound (`green` must not find `greenhouse`).
const CLAIM_ENDINGS: &str = r"(?:e|t|tt|ere|est|este|st|ste|ne|er|ly)?";

/// The regular expression finding any of `terms` (confidential names) as whole words with
/// inflections and compounds, or `None` for an empty list.
pub(crate) fn terms_regex(terms: &[String]) -> Result<Option<Regex>, regex::Error> {
    let mut alternatives: Vec<String> = terms
        .iter()
        .filter(|t| !t.trim().is_empty())
        .flat_map(|term| term_alternatives(term.trim()))
        .collect();
    // Leftmost-first: at one position the longest spelling wins.
    alternatives.sort_by_key(|a| std::cmp::Reverse(a.len()));
    alternatives.dedup();
    whole_words(&alternatives)
}

/// The spellings of one term: as written, and a two-word term `Prosjekt Fjordlys` also as
/// the compound `Fjordlys-prosjektet` / `Fjordlysprosjektet`.
fn term_alternatives(term: &str) -> Vec<String> {
    let words: Vec<&str> = term.split_whitespace().collect();
    let mut alternatives = vec![format!(
        "{}{}{GENITIVE}{HYPHENATED_TAIL}",
        words
            .iter()
            .map(|w| regex::escape(w))
            .collect::<Vec<_>>()
            .join(BETWEEN_WORDS),
        term_ending(words.last().copied().unwrap_or_default()),
    )];
    if let [head, tail] = words.as_slice() {
        alternatives.push(format!(
            r"{}{HYPHEN}?{}\w*{GENITIVE}{HYPHENATED_TAIL}",
            regex::escape(tail),
            regex::escape(head),
        ));
    }
    alternatives
}

fn term_ending(last_word: &str) -> &'static str {
    if last_word.chars().filter(|c| c.is_alphanumeric()).count() >= COMPOUND_MIN_CHARS {
        r"\w*"
    } else {
        TERM_ENDINGS
    }
}

/// The regular expression finding any of `phrases` (one claim's wordings) as whole words
/// with their inflections, or `None` for an empty list.
pub(crate) fn claim_regex(phrases: &[String]) -> Result<Option<Regex>, regex::Error> {
    let mut alternatives: Vec<String> = phrases
        .iter()
        .filter(|p| !p.trim().is_empty())
        .map(|phrase| format!("{}{CLAIM_ENDINGS}", claim_phrase(phrase.trim())))
        .collect();
    alternatives.sort_by_key(|a| std::cmp::Reverse(a.len()));
    alternatives.dedup();
    whole_words(&alternatives)
}

/// One claim phrase as a pattern: `%` also as `prosent`/`percent` with or without a space
/// before it, `-` also as a space or nothing, `2` also as `₂` (`CO₂`).
fn claim_phrase(phrase: &str) -> String {
    let tokens: Vec<&str> = phrase.split_whitespace().collect();
    let mut pattern = String::new();
    for (i, token) in tokens.iter().enumerate() {
        if i > 0 {
            let around_percent = *token == "%" || tokens.get(i - 1) == Some(&"%");
            pattern.push_str(if around_percent {
                r"\s*"
            } else {
                BETWEEN_WORDS
            });
        }
        if *token == "%" {
            pattern.push_str(r"(?:%|prosent|percent|per\s+cent)");
            continue;
        }
        for c in token.chars() {
            match c {
                '-' | '\u{2010}' | '\u{2011}' => {
                    pattern.push_str(&format!(r"(?:{HYPHEN}|\s)?"));
                }
                '2' | '₂' => pattern.push_str("[2₂]"),
                c => pattern.push_str(&regex::escape(c.encode_utf8(&mut [0; 4]))),
            }
        }
    }
    pattern
}

/// One case-insensitive regex of the alternatives, each starting and ending at a word's
/// edge (Unicode letters and digits).
fn whole_words(alternatives: &[String]) -> Result<Option<Regex>, regex::Error> {
    if alternatives.is_empty() {
        return Ok(None);
    }
    let pattern = format!(
        r"\b{{start-half}}(?:{})\b{{end-half}}",
        alternatives.join("|")
    );
    RegexBuilder::new(&pattern)
        .case_insensitive(true)
        .build()
        .map(Some)
}

/// The link that supports every claim of a post.
pub(crate) fn has_link(text: &str) -> bool {
    let lower = text.to_lowercase();
    lower.contains("https://") || lower.contains("http://")
}

/// Words that make what follows a denial, not a claim: "ikke bærekraftig", "not green".
const NEGATIONS: [&str; 6] = ["ikke", "ikkje", "not", "never", "aldri", "no"];

/// Whether the word before `start` negates what follows it.
pub(crate) fn negated(text: &str, start: usize) -> bool {
    let before = text.get(..start).unwrap_or_default();
    let word = before
        .trim_end()
        .rsplit(|c: char| !c.is_alphanumeric())
        .next()
        .unwrap_or_default();
    NEGATIONS.iter().any(|n| word.eq_ignore_ascii_case(n))
}

/// Every match of `regex` in `text` as byte ranges.
pub(crate) fn find_all(regex: &Regex, text: &str) -> Vec<std::ops::Range<usize>> {
    regex.find_iter(text).map(|m| m.range()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn terms(list: &[&str], text: &str) -> Vec<String> {
        let list: Vec<String> = list.iter().map(|s| s.to_string()).collect();
        let re = terms_regex(&list).unwrap().unwrap();
        find_all(&re, text)
            .into_iter()
            .map(|r| text[r].to_owned())
            .collect()
    }

    fn claims(list: &[&str], text: &str) -> Vec<String> {
        let list: Vec<String> = list.iter().map(|s| s.to_string()).collect();
        let re = claim_regex(&list).unwrap().unwrap();
        find_all(&re, text)
            .into_iter()
            .map(|r| text[r].to_owned())
            .collect()
    }

    #[test]
    fn a_term_is_found_inflected_and_in_compounds_but_not_inside_other_words() {
        let found = terms(
            &["Fjordlys"],
            "Fjordlys, fjordlyset, FJORDLYSPROSJEKTET, Fjordlys-prosjektet og Fjordlys' mål; \
             ikke Sjøfjordlys",
        );
        assert_eq!(
            found,
            [
                "Fjordlys",
                "fjordlyset",
                "FJORDLYSPROSJEKTET",
                "Fjordlys-prosjektet",
                "Fjordlys'"
            ]
        );
    }

    #[test]
    fn a_short_term_takes_inflections_only() {
        assert_eq!(
            terms(&["Ørn"], "Ørn, ørnen og ØRNA, men ikke Ørnulf"),
            ["Ørn", "ørnen", "ØRNA"]
        );
    }

    #[test]
    fn a_two_word_term_is_also_found_as_a_compound_the_other_way_round() {
        assert_eq!(
            terms(
                &["Prosjekt Fjordlys"],
                "Prosjekt  Fjordlys er i rute. Fjordlys-prosjektet og fjordlysprosjektets mål."
            ),
            [
                "Prosjekt  Fjordlys",
                "Fjordlys-prosjektet",
                "fjordlysprosjektets"
            ]
        );
    }

    #[test]
    fn terms_with_regex_characters_are_literal() {
        assert_eq!(terms(&["Nova (v2)"], "Nova (v2) og Nova v2"), ["Nova (v2)"]);
    }

    #[test]
    fn claims_are_found_inflected_in_every_spelling() {
        let phrases = ["CO2-nøytral", "klimanøytral", "100 % resirkulert", "green"];
        assert_eq!(
            claims(
                &phrases,
                "CO₂-nøytrale fly, co2 nøytralt, CO2nøytral, Klimanøytralt, 100% resirkulert, \
                 100 prosent resirkulerte, greener; not greenhouse or Greenland"
            ),
            [
                "CO₂-nøytrale",
                "co2 nøytralt",
                "CO2nøytral",
                "Klimanøytralt",
                "100% resirkulert",
                "100 prosent resirkulerte",
                "greener"
            ]
        );
    }

    #[test]
    fn a_negated_claim_is_a_denial() {
        let text = "Dette er ikke bærekraftig";
        assert!(negated(text, text.find("bærekraftig").unwrap()));
        let text = "Dette er bærekraftig";
        assert!(!negated(text, text.find("bærekraftig").unwrap()));
    }
}
