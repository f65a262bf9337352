//! The environmental-claim scorer of the stories' greenwashing guard.

use super::enricher;

#[test]
fn a_quantified_emissions_and_energy_claim_is_a_claim() {
    let text = "We reduced our CO2 emissions by 40% since 2019 and all our electricity is now \
                renewable.";
    let score = enricher().environmental_claim(text);
    assert!(score > 0.0, "{text:?} scored {score}");
}

#[test]
fn a_meeting_time_is_no_claim() {
    let text = "The meeting is on Tuesday at 10.";
    let score = enricher().environmental_claim(text);
    assert!(score < 0.0, "{text:?} scored {score}");
}

#[test]
fn bad_input_gives_a_finite_claim_score() {
    for text in [
        "",
        "   ",
        "😡😡😡",
        "https://example.com",
        "\u{0}\u{1b}[0m",
        "مرحبا",
    ] {
        let score = enricher().environmental_claim(text);
        assert!(score.is_finite(), "{text:?} scored {score}");
    }
}
