//! Personal data in a post: Norwegian national identity numbers, phone numbers and e-mail
//! addresses. Each finder returns byte ranges in the text; digits are ASCII digits only.

use std::ops::Range;
use std::sync::LazyLock;

use regex::Regex;

/// The three kinds of Norwegian national identity number.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum NationalId {
    /// Fødselsnummer: the birth date, an individual number, two check digits.
    Birth,
    /// D-number (for people without a fødselsnummer): the day plus 40.
    D,
    /// H-number (health services' help number): the month plus 40.
    H,
}

/// Eleven digits, optionally written `ddmmyy nnnnn` (or with a hyphen).
static ELEVEN_DIGITS: LazyLock<Option<Regex>> = LazyLock::new(|| {
    Regex::new(r"\b{start-half}([0-9]{6})[ \u{A0}\-]?([0-9]{5})\b{end-half}").ok()
});

/// Every national identity number in `text`.
pub(crate) fn national_ids(text: &str) -> Vec<(Range<usize>, NationalId)> {
    let Some(regex) = ELEVEN_DIGITS.as_ref() else {
        return Vec::new();
    };
    regex
        .find_iter(text)
        .filter(|m| !continues_a_number(text, m.range()))
        .filter_map(|m| {
            let digits: Vec<u32> = m.as_str().chars().filter_map(|c| c.to_digit(10)).collect();
            national_id(&digits).map(|kind| (m.range(), kind))
        })
        .collect()
}

/// What kind of national identity number the eleven digits are, if they are one: a valid
/// date (day + 40 for a D-number, month + 40 for an H-number), a century the individual
/// number allows, and both mod-11 check digits.
pub(crate) fn national_id(digits: &[u32]) -> Option<NationalId> {
    let [d1, d2, m1, m2, y1, y2, i1, i2, i3, k1, k2] = *digits else {
        return None;
    };
    if check_digit(&[3, 7, 6, 1, 8, 9, 4, 5, 2], &digits[..9])? != k1
        || check_digit(&[5, 4, 3, 2, 7, 6, 5, 4, 3, 2], &digits[..10])? != k2
    {
        return None;
    }
    let (mut day, mut month) = (d1 * 10 + d2, m1 * 10 + m2);
    let kind = if day > 40 {
        day -= 40;
        NationalId::D
    } else if month > 40 {
        month -= 40;
        NationalId::H
    } else {
        NationalId::Birth
    };
    let year = century(i1 * 100 + i2 * 10 + i3, y1 * 10 + y2)?;
    (valid_date(year, month, day)).then_some(kind)
}

/// The mod-11 check digit of `digits` by `weights`; `None` when it would be 10 (no valid
/// number has such a check digit).
fn check_digit(weights: &[u32], digits: &[u32]) -> Option<u32> {
    let sum: u32 = weights.iter().zip(digits).map(|(w, d)| w * d).sum();
    match 11 - sum % 11 {
        11 => Some(0),
        10 => None,
        k => Some(k),
    }
}

/// The year of birth from the individual number's range and the two-digit year.
fn century(individual: u32, yy: u32) -> Option<u32> {
    match (individual, yy) {
        (0..=499, _) => Some(1900 + yy),
        (500..=749, 54..=99) => Some(1800 + yy),
        (500..=999, 0..=39) => Some(2000 + yy),
        (900..=999, 40..=99) => Some(1900 + yy),
        _ => None,
    }
}

fn valid_date(year: u32, month: u32, day: u32) -> bool {
    let leap = year.is_multiple_of(4) && (!year.is_multiple_of(100) || year.is_multiple_of(400));
    let days = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return false,
    };
    (1..=days).contains(&day)
}

/// Spaces a number's groups are separated by: space, no-break space, thin spaces, hyphen.
const GROUP_SEPARATOR: &str = r"[\x20\u{A0}\u{2009}\u{202F}\-]";

/// Phone numbers as written: international (`+47 …`, `0047 …`, `+44 (0)20 …`) or a
/// Norwegian eight-digit number grouped as `12345678`, `123 45 678`, `12 34 56 78` or
/// `1234 5678`. The candidates are vetted by [`phone_numbers`]. ASCII word boundaries
/// keep the search on the regex crate's fast engines (Unicode ones cost ten times as
/// much on Norwegian text); [`glued_to_a_word`] then looks at the letters around.
static PHONE: LazyLock<Option<Regex>> = LazyLock::new(|| {
    let s = GROUP_SEPARATOR;
    Regex::new(&format!(
        r"(?x)
        (?: \+ | (?-u:\b{{start-half}}) 00 ) [1-9][0-9]{{0,2}}
            (?: {s}? \( [0-9]{{1,4}} \) )?
            (?: {s}? [0-9]{{1,4}} ){{2,6}} (?-u:\b{{end-half}})
        | (?-u:\b{{start-half}}) (?:
            [0-9]{{8}}
            | [0-9]{{3}} {s} [0-9]{{2}} {s} [0-9]{{3}}
            | [0-9]{{2}} {s} [0-9]{{2}} {s} [0-9]{{2}} {s} [0-9]{{2}}
            | [0-9]{{4}} {s} [0-9]{{4}}
        ) (?-u:\b{{end-half}})"
    ))
    .ok()
});

/// Every phone number in `text`: not an amount (`kr 1234 5678`, `12 34 56 78 %`), a date
/// (`27112026`), two years (`2025 2026`), part of a longer number (an account or org
/// number, a price with thousands separators) or digits starting with 0 or 1 without a
/// country code.
pub(crate) fn phone_numbers(text: &str) -> Vec<Range<usize>> {
    let Some(regex) = PHONE.as_ref() else {
        return Vec::new();
    };
    regex
        .find_iter(text)
        .filter(|m| {
            let written = m.as_str();
            let digits: Vec<u32> = written.chars().filter_map(|c| c.to_digit(10)).collect();
            let international = written.starts_with('+') || written.starts_with("00");
            let plausible = if international {
                // The digits after the `+` or `00`, less a trunk `(0)`: E.164 allows 15.
                let country_and_number = digits.len()
                    - if written.starts_with("00") { 2 } else { 0 }
                    - usize::from(written.contains("(0)"));
                (8..=15).contains(&country_and_number)
            } else {
                digits.first().is_some_and(|d| *d >= 2)
                    && !is_date(&digits)
                    && !is_two_years(&digits)
            };
            plausible
                && !glued_to_a_word(text, m.range())
                && !in_a_link(text, m.range())
                && !continues_a_number(text, m.range())
                && !is_amount(text, m.range())
        })
        .map(|m| m.range())
        .collect()
}

/// Whether a letter of any script touches the span (`ø12345678`), which the ASCII word
/// boundaries of the search let through.
fn glued_to_a_word(text: &str, span: Range<usize>) -> bool {
    let before = text.get(..span.start).and_then(|t| t.chars().next_back());
    let after = text.get(span.end..).and_then(|t| t.chars().next());
    let word = |c: Option<char>| c.is_some_and(|c| c.is_alphanumeric() || c == '_');
    word(before) || word(after)
}

/// Whether the span is part of a link (`https://e24.no/i/92345678`): a number in a link's
/// path is an article or page id, not a phone number.
fn in_a_link(text: &str, span: Range<usize>) -> bool {
    let before = text.get(..span.start).unwrap_or_default();
    let token = before
        .rsplit(char::is_whitespace)
        .next()
        .unwrap_or_default()
        .to_ascii_lowercase();
    token.starts_with("http://") || token.starts_with("https://")
}

/// `ddmmyyyy` or `yyyymmdd` of the years 1900 to 2099.
fn is_date(digits: &[u32]) -> bool {
    let number = |ds: &[u32]| ds.iter().fold(0, |n, d| n * 10 + d);
    if digits.len() != 8 {
        return false;
    }
    let (dmy_year, ymd_year) = (number(&digits[4..]), number(&digits[..4]));
    ((1900..2100).contains(&dmy_year)
        && valid_date(dmy_year, number(&digits[2..4]), number(&digits[..2])))
        || ((1900..2100).contains(&ymd_year)
            && valid_date(ymd_year, number(&digits[4..6]), number(&digits[6..])))
}

/// `2025 2026` (a span of years), written as eight digits.
fn is_two_years(digits: &[u32]) -> bool {
    let number = |ds: &[u32]| ds.iter().fold(0, |n, d| n * 10 + d);
    digits.len() == 8
        && (1900..2100).contains(&number(&digits[..4]))
        && (1900..2100).contains(&number(&digits[4..]))
}

/// Whether the digits at `span` are a piece of a longer number: a digit group before or
/// after them (`1503 12 34567`, `12 345 678 901`) or decimals (`1234 5678,50`).
fn continues_a_number(text: &str, span: Range<usize>) -> bool {
    let mut before = text.get(..span.start).unwrap_or_default().chars().rev();
    let mut after = text.get(span.end..).unwrap_or_default().chars();
    let digit_after = |c: Option<char>| c.is_some_and(|c| c.is_ascii_digit());
    let joins = |c: Option<char>| {
        c.is_some_and(|c| {
            matches!(
                c,
                ' ' | '\u{A0}' | '\u{2009}' | '\u{202F}' | '-' | '.' | ','
            )
        })
    };
    let (b1, b2) = (before.next(), before.next());
    let (a1, a2) = (after.next(), after.next());
    (joins(b1) && digit_after(b2)) || (joins(a1) && digit_after(a2))
}

/// Currency or unit words that make a number an amount, not a phone number.
const AMOUNT_BEFORE: [&str; 9] = ["kr", "kr.", "nok", "sek", "dkk", "usd", "eur", "$", "€"];
const AMOUNT_AFTER: [&str; 14] = [
    "kr",
    "kroner",
    "nok",
    ",-",
    "%",
    "prosent",
    "percent",
    "mill",
    "millioner",
    "million",
    "mrd",
    "milliarder",
    "tonn",
    "kwh",
];

fn is_amount(text: &str, span: Range<usize>) -> bool {
    let before = text.get(..span.start).unwrap_or_default().trim_end();
    let word_before = before
        .rsplit(char::is_whitespace)
        .next()
        .unwrap_or_default()
        .to_lowercase();
    let after = text
        .get(span.end..)
        .unwrap_or_default()
        .trim_start()
        .to_lowercase();
    let word_after = after
        .split(|c: char| c.is_whitespace() || (c != ',' && c != '-' && c.is_ascii_punctuation()))
        .next()
        .unwrap_or_default();
    AMOUNT_BEFORE.contains(&word_before.as_str())
        || before.ends_with(['$', '€', '£'])
        || AMOUNT_AFTER.contains(&word_after)
        || after.starts_with(['%', '$', '€', '£'])
        || after.starts_with(",-")
}

/// An e-mail address: a local part, `@`, a domain with a top-level part of letters.
static EMAIL: LazyLock<Option<Regex>> = LazyLock::new(|| {
    Regex::new(r"\b{start-half}[\w.%+\-]*\w@\w[\w\-]*(?:\.\w[\w\-]*)*\.\p{L}{2,}\b{end-half}").ok()
});

/// Every e-mail address in `text`, leaving out fediverse handles (`@name@instance.social`),
/// which are public account names.
pub(crate) fn email_addresses(text: &str) -> Vec<Range<usize>> {
    let Some(regex) = EMAIL.as_ref() else {
        return Vec::new();
    };
    regex
        .find_iter(text)
        .filter(|m| !text.get(..m.start()).unwrap_or_default().ends_with('@'))
        .map(|m| m.range())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn digits(s: &str) -> Vec<u32> {
        s.chars().filter_map(|c| c.to_digit(10)).collect()
    }

    fn phones(text: &str) -> Vec<&str> {
        phone_numbers(text).into_iter().map(|r| &text[r]).collect()
    }

    #[test]
    fn national_ids_need_a_date_a_century_and_both_check_digits() {
        assert_eq!(national_id(&digits("15038512363")), Some(NationalId::Birth));
        assert_eq!(national_id(&digits("55038512357")), Some(NationalId::D));
        assert_eq!(national_id(&digits("15438512346")), Some(NationalId::H));
        // 29 February 2000 was a day; 29 February 1900 and 30 February never were.
        assert_eq!(national_id(&digits("29020050169")), Some(NationalId::Birth));
        assert_eq!(national_id(&digits("29020012380")), None);
        assert_eq!(national_id(&digits("30029012373")), None);
        // One digit changed, either check digit wrong.
        assert_eq!(national_id(&digits("15038512364")), None);
        assert_eq!(national_id(&digits("15038512373")), None);
        assert_eq!(national_id(&digits("15038612363")), None);
        for random in ["29141777631", "70669074391", "50008063608", "37783533740"] {
            assert_eq!(national_id(&digits(random)), None, "{random}");
        }
    }

    #[test]
    fn national_ids_are_found_with_or_without_a_space_but_not_in_longer_numbers() {
        let text = "Fnr 150385 12363, 15038512363 og 4 15038512363 eller 150385123631.";
        let found: Vec<&str> = national_ids(text)
            .into_iter()
            .map(|(r, _)| &text[r])
            .collect();
        assert_eq!(found, ["150385 12363", "15038512363"]);
    }

    #[test]
    fn norwegian_phone_numbers_in_their_usual_groupings() {
        assert_eq!(
            phones("Ring 912 34 567, 91 23 45 67, 9123 4567, 91234567 eller 22 33 44 55."),
            [
                "912 34 567",
                "91 23 45 67",
                "9123 4567",
                "91234567",
                "22 33 44 55"
            ]
        );
        assert_eq!(
            phones("Tlf. +47 912 34 567, 0047 91234567, +4722334455 og +44 (0)20 7946 0958"),
            [
                "+47 912 34 567",
                "0047 91234567",
                "+4722334455",
                "+44 (0)20 7946 0958"
            ]
        );
    }

    #[test]
    fn years_prices_dates_org_and_account_numbers_are_not_phone_numbers() {
        for text in [
            "Fra 2025 2026 og i 2030",
            "Prisen er kr 4500 0000",
            "Det kostet 2234 5678 kroner",
            "Omsetningen var 12 345 678 kr",
            "Den 27112026 og 20261127",
            "Org.nr. 923 609 016 MVA",
            "Kontonummer 1503 12 34567 og 1503.12.34567",
            "Fødselsnummer 15038512363",
            "Saldo 2234 5678,50",
            "Nummer 01234567 og 12345678",
            "En økning på 12 34 56 78 %",
            "Koden er ø92345678 eller 92345678ø",
            "Les saken: https://e24.no/i/92345678 og http://x.no/a?id=22334455",
        ] {
            assert_eq!(phones(text), Vec::<&str>::new(), "{text}");
        }
    }

    #[test]
    fn e_mail_addresses_but_not_fediverse_handles() {
        let text = "Skriv til ola.nordmann@nordlys.no, kari+presse@fjord-lys.com. Følg @nordlys@mastodon.social";
        let found: Vec<&str> = email_addresses(text)
            .into_iter()
            .map(|r| &text[r])
            .collect();
        assert_eq!(
            found,
            ["ola.nordmann@nordlys.no", "kari+presse@fjord-lys.com"]
        );
    }
}
