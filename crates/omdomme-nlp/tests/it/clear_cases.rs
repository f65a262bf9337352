//! Clear cases a good model must get right: they guard against a broken retrain. Each
//! table reports all its misses at once.

use omdomme_core::{Enrichment, Lang, SentimentLabel, SourceKind, Stakeholder, Topic};

use super::{brand, enrich};

/// Fails listing every case whose enrichment does not `hold` what it expects.
fn expect_all<T: std::fmt::Debug>(
    what: &str,
    source: SourceKind,
    cases: &[(&str, T)],
    holds: impl Fn(&Enrichment, &T) -> bool,
) {
    let misses: Vec<String> = cases
        .iter()
        .filter_map(|(text, want)| {
            let e = enrich(text, source);
            (!holds(&e, want)).then(|| format!("  {text:?}: want {want:?}, got {e:?}"))
        })
        .collect();
    assert!(misses.is_empty(), "{what}:\n{}", misses.join("\n"));
}

#[test]
fn language_of_short_posts() {
    expect_all(
        "language",
        SourceKind::Mastodon,
        &[
            ("Jeg har ikke fått svar på hva som skjer", Lang::Nb),
            ("Eg har ikkje fått svar på kva som skjer", Lang::Nn),
            ("Jeg har ikke fået svar på hvad der sker", Lang::Da),
            ("Jag har inte fått svar på vad som händer", Lang::Sv),
            ("I still haven't heard back about my refund", Lang::En),
        ],
        |e, want| e.lang == *want,
    );
}

#[test]
fn sentiment_with_and_without_negation() {
    expect_all(
        "sentiment",
        SourceKind::Mastodon,
        &[
            ("Det var ikke bra", SentimentLabel::Negative),
            ("Det var bra", SentimentLabel::Positive),
            ("I love this, great job", SentimentLabel::Positive),
            ("Møtet er på tirsdag", SentimentLabel::Neutral),
        ],
        |e, want| e.sentiment.label == *want,
    );
}

#[test]
fn csr_topics() {
    expect_all(
        "topic",
        SourceKind::Mastodon,
        &[
            ("Klimautslippene øker igjen", Topic::Climate),
            ("Leverandøren bruker tvangsarbeid", Topic::Labour),
            (
                "Pakken kom aldri fram og kundeservice svarer ikke",
                Topic::Product,
            ),
        ],
        |e, want| e.topics.contains(*want),
    );
}

#[test]
fn stakeholder_of_press_and_employees() {
    expect_all(
        "stakeholder of a news item",
        SourceKind::Rss,
        &[(
            "Vinje Mat legger ned fabrikken i Bergen, 200 mister jobben",
            Some(Stakeholder::Press),
        )],
        |e, want| e.stakeholder == *want,
    );
    expect_all(
        "stakeholder of a post",
        SourceKind::Mastodon,
        &[(
            "Som ansatt i Vinje Mat er jeg stolt av jobben vi gjør",
            Some(Stakeholder::Employee),
        )],
        |e, want| e.stakeholder == *want,
    );
}

#[test]
fn inquiries_are_questions_to_a_brand_not_retweets_or_news() {
    expect_all(
        "inquiry in a post",
        SourceKind::Mastodon,
        &[
            ("@vinjemat når kommer pakken min?", true),
            ("RT @vinjemat: når kommer pakken min?", false),
        ],
        |e, want| e.inquiry == *want,
    );
    expect_all(
        "inquiry in a news item",
        SourceKind::Rss,
        &[("@vinjemat når kommer pakken min?", false)],
        |e, want| e.inquiry == *want,
    );
}

#[test]
fn an_item_naming_two_brands_names_both_and_a_sentiment_for_each() {
    let text = "Bytta fra Fjordbank til Hagen Forsikring, endelig folk som svarer";
    let e = enrich(text, SourceKind::Mastodon);
    assert_eq!(e.brands, vec![brand("fjordbank"), brand("hagen")], "{e:?}");
    let named: Vec<_> = e.brand_sentiment.iter().map(|b| b.brand.clone()).collect();
    assert_eq!(named, e.brands, "{e:?}");
}
