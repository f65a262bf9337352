//! Properties over arbitrary text: the enricher never panics, and what it decides keeps
//! its invariants ([`check_invariants`]) and does not depend on the item before it.

use omdomme_core::{Item, SourceKind};
use omdomme_nlp::{Enricher, text_item};
use proptest::prelude::*;
use proptest::sample::select;

use super::{check_invariants, enricher};

const EMOJI: &[&str] = &[
    "😡",
    "😍",
    "👍",
    "👎",
    "🙂",
    "😭",
    "🤬",
    "❤️",
    "🔥",
    "💩",
    "🙏🏽",
    "👋🏿",
    "👨‍👩‍👧‍👦",
    "🏳️‍🌈",
    "🇳🇴",
    "#️⃣",
    "1️⃣",
    ":)",
    ":-(",
    "<3",
    ":D",
];

const URLS: &[&str] = &[
    "https://example.com",
    "http://vinjemat.no/kundeservice?id=42&x=%C3%A6",
    "www.fjordbank.no",
    "https://t.co/AbC123",
    "https://ør.no/æøå/😡",
    "mailto:kundeservice@hagen.no",
];

const RTL: &[&str] = &[
    "مرحبا",
    "الخدمة ممتازة",
    "سيء جدا",
    "שלום",
    "השירות היה גרוע מאוד",
    "\u{200f}",
    "\u{202b}",
    "\u{202e}",
    "\u{202c}",
    "\u{2067}",
    "\u{2069}",
];

const WORDS: &[&str] = &[
    "Jeg",
    "Eg",
    "ikke",
    "ikkje",
    "bra",
    "dårlig",
    "elendig",
    "fantastisk",
    "kundeservice",
    "pakken",
    "kom",
    "aldri",
    "fram",
    "svarer",
    "klimautslipp",
    "tvangsarbeid",
    "ansatt",
    "hvorfor",
    "kva",
    "når",
    "hvad",
    "inte",
    "händer",
    "love",
    "worst",
    "great",
    "not",
    "refund",
    "?",
    "!",
    "!!!",
    "...",
    ",",
    "@vinjemat",
    "@fjordbank",
    "Fjordbank",
    "Hagen Forsikring",
    "Vinje Mat",
    "Kvist Møbler",
    "Stålverk Nord",
    "#klima",
    "#fail",
    "RT @vinjemat:",
    "rt:",
    "12345",
    "40%",
    "CO2",
    "æøå",
    "ÆØÅ",
];

const CONTROL: &[&str] = &[
    "\u{0}",
    "\u{1}",
    "\u{7}",
    "\u{8}",
    "\u{b}",
    "\u{c}",
    "\r",
    "\u{1b}",
    "\u{1b}[31m",
    "\u{1b}[0m",
    "\u{7f}",
    "\u{80}",
    "\u{85}",
    "\u{9f}",
    "\u{feff}",
    "\u{200b}",
    "\u{200d}",
    "\u{2028}",
    "\u{fffd}",
    "\u{e000}",
    "\u{10ffff}",
];

const SPACE: &[&str] = &["", " ", "  ", "\n", "\t", "\u{a0}", "\u{2003}", "\u{3000}"];

/// A letter followed by a pile of combining marks.
fn combining() -> impl Strategy<Value = String> {
    (
        select(&['a', 'e', 'o', 'Z', 'ø', 'å', 'ب', 'א', ' '][..]),
        prop::collection::vec(
            prop_oneof![
                proptest::char::range('\u{300}', '\u{36f}'),
                proptest::char::range('\u{1ab0}', '\u{1aff}'),
                proptest::char::range('\u{20d0}', '\u{20ff}'),
                proptest::char::range('\u{591}', '\u{5c7}'),
                proptest::char::range('\u{64b}', '\u{65f}'),
            ],
            1..30,
        ),
    )
        .prop_map(|(base, marks)| std::iter::once(base).chain(marks).collect())
}

fn fragment() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => select(WORDS).prop_map(str::to_owned),
        2 => select(EMOJI).prop_map(str::to_owned),
        1 => select(URLS).prop_map(str::to_owned),
        2 => select(RTL).prop_map(str::to_owned),
        2 => select(CONTROL).prop_map(str::to_owned),
        1 => combining(),
        1 => any::<char>().prop_map(String::from),
    ]
}

/// Fragments of all kinds, joined by assorted whitespace (or nothing).
fn mixture() -> impl Strategy<Value = String> {
    prop::collection::vec((fragment(), select(SPACE)), 0..40).prop_map(|parts| {
        parts
            .into_iter()
            .flat_map(|(f, sep)| [f, sep.to_owned()])
            .collect()
    })
}

/// Past the analysis' 64 KiB cap, but not so long that the cases stop being quick.
const LONGEST: usize = 160 * 1024;

fn repetition() -> impl Strategy<Value = String> {
    (prop_oneof![fragment(), mixture()], 1..20_000usize).prop_map(|(unit, n)| {
        let n = n.min(LONGEST / unit.len().max(1));
        unit.repeat(n)
    })
}

fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        2 => any::<String>(),
        2 => prop::collection::vec(any::<char>(), 0..200).prop_map(String::from_iter),
        4 => mixture(),
        1 => repetition(),
    ]
}

fn item() -> impl Strategy<Value = Item> {
    (
        text(),
        prop::option::weighted(0.2, mixture()),
        select(&SourceKind::ALL[..]),
    )
        .prop_map(|(text, title, source)| {
            let mut item = text_item(&text, source);
            item.title = title;
            item
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn enrichment_keeps_its_invariants(item in item()) {
        let mut items = vec![item.clone()];
        enricher().enrich(&mut items);
        let e = &items[0].enrichment;
        if let Err(broken) = check_invariants(&item, e) {
            prop_assert!(false, "{}: {:?}", broken, item.text);
        }
    }

    /// Buffers reused from item to item carry nothing over: an item reads the same after
    /// any other item as on its own.
    #[test]
    fn enrichment_does_not_depend_on_the_item_before(a in item(), b in item()) {
        let mut alone = vec![a.clone()];
        enricher().enrich(&mut alone);
        let mut batch = vec![b, a];
        enricher().enrich(&mut batch);
        prop_assert_eq!(&alone[0].enrichment, &batch[1].enrichment);
    }
}
