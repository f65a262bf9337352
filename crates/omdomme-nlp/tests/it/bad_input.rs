//! Bad input: no panic and a sensible label.

use std::time::{Duration, Instant};

use omdomme_core::{Enrichment, Lang, SentimentLabel, SourceKind};
use omdomme_nlp::text_item;

use super::{check_invariants, enrich_item, post};

/// Enriches a post and checks the invariants on it.
fn checked(text: &str) -> Enrichment {
    let item = text_item(text, SourceKind::Mastodon);
    let e = enrich_item(item.clone());
    if let Err(broken) = check_invariants(&item, &e) {
        panic!("{text:?}: {broken}");
    }
    e
}

/// Nothing to understand: no language, no opinion, no topic, nothing to answer.
fn assert_nothing(text: &str, e: &Enrichment) {
    assert_eq!(e.lang, Lang::Other, "{text:?}: {e:?}");
    assert_eq!(
        e.sentiment.label,
        SentimentLabel::Neutral,
        "{text:?}: {e:?}"
    );
    assert!(e.topics.is_empty(), "{text:?}: {e:?}");
    assert!(!e.inquiry, "{text:?}: {e:?}");
    assert!(e.brands.is_empty(), "{text:?}: {e:?}");
}

#[test]
fn empty_text_says_nothing() {
    let e = checked("");
    assert_nothing("", &e);
    assert_eq!(e.stakeholder, None, "{e:?}");
}

#[test]
fn whitespace_only_says_nothing() {
    for text in [
        " ",
        "   \n\t  ",
        "\r\n\r\n",
        "\u{a0}\u{2003}\u{3000}",
        "\u{85}\u{2028}\u{2029}",
    ] {
        assert_nothing(text, &checked(text));
    }
}

#[test]
fn invisible_characters_only_say_nothing() {
    // Byte order mark, zero-width space, zero-width joiner, word joiner; bidi controls.
    for text in [
        "\u{feff}\u{200b}\u{200d}\u{2060}",
        "\u{200e}\u{200f}\u{202a}\u{202b}\u{202e}\u{202c}",
    ] {
        assert_nothing(text, &checked(text));
    }
}

#[test]
fn control_characters_only_say_nothing() {
    let text = "\u{0}\u{1}\u{7}\u{8}\u{b}\u{c}\u{1b}\u{7f}\u{80}\u{9f}";
    assert_nothing(text, &checked(text));
}

#[test]
fn control_and_bidi_characters_inside_words_change_nothing() {
    let clean = post("Det var ikke bra");
    assert_eq!(clean.lang, Lang::Nb, "{clean:?}");
    for text in [
        "Det\u{0} var\u{7} ikke\u{1b} bra",
        "\u{202e}Det var ikke bra\u{202c}",
        "\u{feff}Det var ikke bra",
    ] {
        let e = checked(text);
        assert_eq!(e.lang, clean.lang, "{text:?}: {e:?}");
        assert_eq!(e.sentiment.label, clean.sentiment.label, "{text:?}: {e:?}");
    }
}

#[test]
fn emoji_only_is_no_language_but_can_carry_a_feeling() {
    let angry = checked("😡😡😡");
    assert_eq!(angry.lang, Lang::Other, "{angry:?}");
    assert_eq!(angry.sentiment.label, SentimentLabel::Negative, "{angry:?}");
    assert!(!angry.inquiry, "{angry:?}");

    let thumbs = checked("👍");
    assert_eq!(thumbs.lang, Lang::Other, "{thumbs:?}");
    assert_ne!(
        thumbs.sentiment.label,
        SentimentLabel::Negative,
        "{thumbs:?}"
    );

    let love = checked("😍😍😍");
    assert_eq!(love.lang, Lang::Other, "{love:?}");
    assert_eq!(love.sentiment.label, SentimentLabel::Positive, "{love:?}");

    // Joiner sequences, flags, keycaps without a digit, and skin tones.
    for text in ["👨‍👩‍👧‍👦", "🏳️‍🌈 🇳🇴", "#️⃣ *️⃣", "👍🏽👋🏿"]
    {
        let e = checked(text);
        assert_eq!(e.lang, Lang::Other, "{text:?}: {e:?}");
        assert!(!e.inquiry, "{text:?}: {e:?}");
    }
}

#[test]
fn urls_only_are_no_language_and_neutral() {
    for text in [
        "https://example.com/a/b?c=d&e=f#g",
        "http://example.no https://example.com/x",
        "www.example.com",
    ] {
        let e = checked(text);
        assert_eq!(e.lang, Lang::Other, "{text:?}: {e:?}");
        assert_eq!(
            e.sentiment.label,
            SentimentLabel::Neutral,
            "{text:?}: {e:?}"
        );
        assert!(!e.inquiry, "{text:?}: {e:?}");
    }
}

#[test]
fn right_to_left_text_is_another_language() {
    for text in [
        "مرحبا بكم في متجرنا، الخدمة ممتازة",
        "שלום, השירות היה גרוע מאוד",
        "שלום עולם",
        "\u{202b}مرحبا\u{202c}",
    ] {
        let e = checked(text);
        assert_eq!(e.lang, Lang::Other, "{text:?}: {e:?}");
        assert!(!e.inquiry, "{text:?}: {e:?}");
    }
}

#[test]
fn other_scripts_and_mixtures_of_them_are_another_language() {
    for text in [
        "Привет мир",
        "こんにちは世界",
        "这个产品很好",
        "Hei 你好 привет مرحبا こんにちは",
    ] {
        let e = checked(text);
        assert_eq!(e.lang, Lang::Other, "{text:?}: {e:?}");
    }
}

#[test]
fn norwegian_with_a_few_foreign_words_stays_norwegian() {
    let text = "Eg har ikkje fått svar på kva som skjer 😡 مرحبا";
    let e = checked(text);
    assert_eq!(e.lang, Lang::Nn, "{text:?}: {e:?}");
    assert_eq!(
        e.sentiment.label,
        SentimentLabel::Negative,
        "{text:?}: {e:?}"
    );
}

#[test]
fn combining_marks_do_not_break_anything() {
    let zalgo: String = "Det var ikke bra"
        .chars()
        .flat_map(|c| std::iter::once(c).chain(('\u{300}'..='\u{36f}').take(12)))
        .collect();
    checked(&zalgo);
    checked(&"\u{301}".repeat(10_000));
    checked("e\u{301}\u{302}\u{303}a\u{308}\u{308}\u{308}");
}

/// Least of three runs, so a busy machine does not fail the test.
fn fastest(text: &str) -> (Duration, Enrichment) {
    let mut best = Duration::MAX;
    let mut last = None;
    for _ in 0..3 {
        let start = Instant::now();
        let e = post(text);
        best = best.min(start.elapsed());
        last = Some(e);
    }
    (best, last.expect("three runs"))
}

/// A mistake or an attack, not a post: the first 64 KiB are analysed, quickly.
#[test]
fn a_megabyte_of_text_is_read_as_its_first_64_kib_and_quickly() {
    for unit in [
        "@vinjemat Pakken kom aldri fram, og ingen svarer. ",
        // Multi-byte characters, so the cut can fall inside one.
        "Blåbærsyltetøy på Kvist Møbler? 😡 ",
    ] {
        let text = unit.repeat((1 << 20) / unit.len() + 1);
        assert!(text.len() >= 1 << 20);
        let (took, e) = fastest(&text);
        assert!(
            took < Duration::from_secs(1),
            "1 MB took {took:?} ({unit:?})"
        );
        let item = text_item(&text, SourceKind::Mastodon);
        check_invariants(&item, &e).unwrap();

        let mut cut = 64 * 1024;
        while !text.is_char_boundary(cut) {
            cut -= 1;
        }
        let head = post(&text[..cut]);
        assert_eq!(e, head, "1 MB of {unit:?} read unlike its first 64 KiB");
        assert_eq!(e.brands.len(), 1, "{e:?}");
    }
}
