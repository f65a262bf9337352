//! The default policy (and a few of our own) on posts in bokmål, nynorsk and English.

use omdomme_core::SourceKind;
use omdomme_policy::{
    Checker, Claim, Draft, Finding, NamedPattern, Policy, Rule, RuleKind, Severity, blocks, check,
};

fn draft(text: &str) -> Draft<'_> {
    Draft {
        text,
        channel: None,
        sourced_proof: Vec::new(),
    }
}

fn findings(text: &str) -> Vec<Finding> {
    check(&Policy::default(), &draft(text))
}

/// The words each finding of `rule` objects to, checked against the default policy.
fn fired(rule: &str, text: &str) -> Vec<String> {
    words_of(rule, &findings(text))
}

fn words_of(rule: &str, findings: &[Finding]) -> Vec<String> {
    findings
        .iter()
        .filter(|f| f.rule == rule)
        .map(|f| f.words.clone())
        .collect()
}

fn rule(id: &str, severity: Severity, kind: RuleKind) -> Rule {
    Rule {
        id: id.into(),
        severity,
        enabled: true,
        kind,
    }
}

fn only(rules: Vec<Rule>) -> Policy {
    Policy { rules }
}

const NATIONAL_ID: &str = "personal-data.national-id";
const PHONE: &str = "personal-data.phone";
const EMAIL: &str = "personal-data.email";
const ABSOLUTE: &str = "claims.absolute";
const VAGUE: &str = "claims.vague";
const FINANCIAL: &str = "confidential.financial-figures";

// -- National identity numbers --

#[test]
fn a_fodselsnummer_with_valid_check_digits_blocks() {
    let found = findings("Vinneren er Kari (fnr. 15038512363), gratulerer!");
    let finding = found.iter().find(|f| f.rule == NATIONAL_ID).unwrap();
    assert_eq!(finding.words, "15038512363");
    assert_eq!(finding.severity, Severity::Block);
    assert!(blocks(&found));
    assert_eq!(
        finding.message_nb,
        "Dette ser ut som et gyldig fødselsnummer. Fjern det: personopplysninger skal aldri i \
         et offentlig innlegg."
    );
    assert!(
        finding.message_en.contains("Remove it"),
        "{}",
        finding.message_en
    );
}

#[test]
fn the_same_number_with_one_digit_changed_does_not_fire() {
    for changed in ["15038512364", "15038512373", "15038612363", "25038512363"] {
        assert_eq!(
            fired(NATIONAL_ID, &format!("Nummer {changed}.")),
            [] as [&str; 0],
            "{changed}"
        );
    }
}

#[test]
fn random_eleven_digit_numbers_do_not_fire() {
    for random in [
        "29141777631",
        "70669074391",
        "50008063608",
        "37783533740",
        "68124158683",
    ] {
        assert!(
            fired(NATIONAL_ID, &format!("Referanse {random}")).is_empty(),
            "{random}"
        );
    }
}

#[test]
fn d_numbers_and_grouped_numbers_fire_and_impossible_dates_do_not() {
    assert_eq!(fired(NATIONAL_ID, "D-nummer: 55038512357"), ["55038512357"]);
    assert_eq!(
        fired(NATIONAL_ID, "Eg heiter Ola, 150385 12363."),
        ["150385 12363"]
    );
    // Check digits right, but 29 February 1900 never was.
    assert!(fired(NATIONAL_ID, "Nummer 29020012380").is_empty());
    assert_eq!(
        fired(NATIONAL_ID, "Født 29.02.2000: 29020050169"),
        ["29020050169"]
    );
}

#[test]
fn a_fodselsnummer_is_not_also_a_phone_number() {
    assert!(fired(PHONE, "Fnr 15038512363 og 150385 12363").is_empty());
}

// -- Phone numbers and e-mail --

#[test]
fn phone_numbers_warn_in_nb_nn_and_en() {
    assert_eq!(
        fired(PHONE, "Ring oss på 22 33 44 55 eller 912 34 567."),
        ["22 33 44 55", "912 34 567"]
    );
    assert_eq!(
        fired(PHONE, "Du kan ringje meg på +47 91234567."),
        ["+47 91234567"]
    );
    assert_eq!(
        fired(PHONE, "Call our London office on +44 20 7946 0958."),
        ["+44 20 7946 0958"]
    );
    let found = findings("Ring 91234567");
    assert!(!blocks(&found), "{found:?}");
}

#[test]
fn org_numbers_prices_years_dates_and_accounts_are_not_phone_numbers() {
    for text in [
        "Nordlys Energi AS, org.nr. 923 609 016",
        "Billetten koster kr 2500 og pakken 4500 0000 kroner",
        "Vi har kuttet 12 345 678 tonn siden 2019",
        "Mål for 2025 2026: halvere utsleppa",
        "Frist 27112026",
        "Gi gjerne til konto 1503 12 34567",
    ] {
        assert!(
            fired(PHONE, text).is_empty(),
            "{text}: {:?}",
            fired(PHONE, text)
        );
    }
}

#[test]
fn e_mail_addresses_warn_but_fediverse_handles_do_not() {
    assert_eq!(
        fired(
            EMAIL,
            "Spørsmål? Skriv til kari.nordmann@nordlys.no. Følg @nordlys@mastodon.social"
        ),
        ["kari.nordmann@nordlys.no"]
    );
}

// -- Claims that need a proof point --

#[test]
fn a_vague_claim_without_a_proof_point_warns() {
    let found = findings("Vi gjør strømmen din mer bærekraftig.");
    assert_eq!(words_of(VAGUE, &found), ["bærekraftig"]);
    assert!(!blocks(&found));
    let finding = found.iter().find(|f| f.rule == VAGUE).unwrap();
    assert!(
        finding.message_nb.contains("bevispunkt"),
        "{}",
        finding.message_nb
    );
}

#[test]
fn a_link_in_the_post_supports_its_claims() {
    assert!(fired(VAGUE, "Bærekraftige ferjer: https://nordlys.no/ferjer").is_empty());
    assert!(fired(ABSOLUTE, "Klimanøytral drift, se http://nordlys.no/klima").is_empty());
}

#[test]
fn a_sourced_proof_point_making_the_same_claim_supports_it() {
    let text = "Ferjene våre er bærekraftige og klimanøytrale.";
    let proof = Draft {
        text,
        channel: None,
        sourced_proof: vec![
            "Ferjene er bærekraftig drevet, ifølge DNV",
            "Klimanøytral drift (Miljøfyrtårn)",
        ],
    };
    let found = check(&Policy::default(), &proof);
    assert!(words_of(VAGUE, &found).is_empty(), "{found:?}");
    assert!(words_of(ABSOLUTE, &found).is_empty(), "{found:?}");

    // A proof point of another claim does not: "klimanøytral" still needs its own.
    let other = Draft {
        sourced_proof: vec!["Ferjene er bærekraftig drevet, ifølge DNV"],
        ..proof
    };
    let found = check(&Policy::default(), &other);
    assert_eq!(words_of(ABSOLUTE, &found), ["klimanøytrale"]);
    assert!(blocks(&found));
}

#[test]
fn a_proof_point_in_one_language_supports_the_claim_in_another() {
    let post = Draft {
        text: "Our ferries are carbon neutral.",
        channel: None,
        sourced_proof: vec!["Ferjedriften er klimanøytral (revidert av DNV, 2026)"],
    };
    assert!(words_of(ABSOLUTE, &check(&Policy::default(), &post)).is_empty());
}

#[test]
fn absolute_claims_block_in_nb_nn_and_en() {
    assert_eq!(fired(ABSOLUTE, "Nå er vi CO₂-nøytrale!"), ["CO₂-nøytrale"]);
    assert_eq!(
        fired(ABSOLUTE, "Anlegget er utsleppsfritt og fossilfritt."),
        ["utsleppsfritt", "fossilfritt"]
    );
    assert_eq!(
        fired(ABSOLUTE, "Emballasjen er 100 % resirkulert."),
        ["100 % resirkulert"]
    );
    assert_eq!(
        fired(
            ABSOLUTE,
            "Net-zero by 2030, and our bottles are 100% recycled."
        ),
        ["Net-zero", "100% recycled"]
    );
    assert!(blocks(&findings("We are carbon neutral.")));
}

#[test]
fn vague_claims_in_nynorsk_and_english() {
    assert_eq!(
        fired(VAGUE, "Berekraftig og miljøvenleg mat frå fjorden"),
        ["Berekraftig", "miljøvenleg"]
    );
    assert_eq!(
        fired(VAGUE, "Our greener, eco-friendly and sustainable packaging"),
        ["greener", "eco-friendly", "sustainable"]
    );
}

#[test]
fn words_that_only_look_like_claims_do_not_fire() {
    for text in [
        "Vi måler klimagassutslipp fra drivhus (greenhouse gases) på Grønland og i Greenland.",
        "Dette er ikke bærekraftig, og det er grunnen til at vi endrer oss.",
        "Our sustainability report is out.",
    ] {
        let found = findings(text);
        assert!(words_of(VAGUE, &found).is_empty(), "{text}: {found:?}");
        assert!(words_of(ABSOLUTE, &found).is_empty(), "{text}: {found:?}");
    }
}

// -- Confidential terms and patterns --

fn code_names() -> Policy {
    only(vec![rule(
        "confidential.terms",
        Severity::Block,
        RuleKind::ConfidentialTerms {
            terms: vec!["Prosjekt Fjordlys".into(), "Ørn".into()],
        },
    )])
}

#[test]
fn a_confidential_term_is_found_in_compounds_and_inflections() {
    let text = "Prosjekt Fjordlys går bra. Fjordlys-prosjektet og fjordlysprosjektets mål; \
                PROSJEKT FJORDLYS. Ørnen lander, Ørnulf blir.";
    let found = check(&code_names(), &draft(text));
    assert_eq!(
        words_of("confidential.terms", &found),
        [
            "Prosjekt Fjordlys",
            "Fjordlys-prosjektet",
            "fjordlysprosjektets",
            "PROSJEKT FJORDLYS",
            "Ørnen"
        ]
    );
    assert!(blocks(&found));
    for f in &found {
        assert_eq!(&text[f.span.clone()], f.words);
    }
}

#[test]
fn a_disabled_rule_never_fires() {
    let mut policy = code_names();
    policy.rules[0].enabled = false;
    assert!(check(&policy, &draft("Prosjekt Fjordlys er hemmelig")).is_empty());
    let mut policy = Policy::default();
    for rule in &mut policy.rules {
        rule.enabled = false;
    }
    let text = "Fnr 15038512363, ring 91234567, vi er klimanøytrale og sinte, elendig!";
    assert!(check(&policy, &draft(text)).is_empty());
}

#[test]
fn unreleased_financial_figures_warn_in_nb_nn_and_en() {
    for (text, words) in [
        (
            "Omsetningen i tredje kvartal ble 4,2 milliarder kroner.",
            "Omsetningen i tredje kvartal ble 4,2 milliarder",
        ),
        (
            "Driftsresultatet auka til 310 millionar.",
            "Driftsresultatet auka til 310 millionar",
        ),
        ("Revenue grew 12% to NOK 3.1bn", "Revenue grew 12%"),
        ("Vi fikk 18 % EBITDA-margin", "18 % EBITDA"),
    ] {
        assert_eq!(fired(FINANCIAL, text), [words], "{text}");
    }
    assert!(fired(FINANCIAL, "Vi har kuttet utslippene med 40 % siden 2019.").is_empty());
    assert!(
        fired(
            FINANCIAL,
            "Resultatet er klart. Vi kuttet 40 % av utslippene."
        )
        .is_empty()
    );
}

#[test]
fn a_pattern_of_our_own_names_itself_in_the_message() {
    let policy = only(vec![rule(
        "confidential.contracts",
        Severity::Block,
        RuleKind::ConfidentialPatterns {
            patterns: vec![NamedPattern {
                name: "kontraktsnummer".into(),
                regex: r"\bK-[0-9]{4}\b".into(),
                message_nb: None,
                message_en: None,
            }],
        },
    )]);
    let found = check(&policy, &draft("Avtale K-2041 og K-2042 er signert."));
    assert_eq!(
        words_of("confidential.contracts", &found),
        ["K-2041", "K-2042"]
    );
    assert!(
        found[0].message_nb.contains("«kontraktsnummer»"),
        "{}",
        found[0].message_nb
    );
}

#[test]
fn a_rule_that_cannot_compile_blocks_rather_than_passing_unchecked() {
    let policy = only(vec![rule(
        "confidential.broken",
        Severity::Block,
        RuleKind::ConfidentialPatterns {
            patterns: vec![NamedPattern {
                name: "broken".into(),
                regex: "(unclosed".into(),
                message_nb: None,
                message_en: None,
            }],
        },
    )]);
    let found = check(&policy, &draft("Helt uskyldig tekst"));
    assert_eq!(found.len(), 1);
    assert!(found[0].is_whole_post());
    assert!(blocks(&found));
    assert!(
        found[0].message_en.contains("cannot be checked"),
        "{}",
        found[0].message_en
    );
}

// -- Length and tone --

fn length_only() -> Policy {
    only(vec![rule(
        "length.channel",
        Severity::Block,
        RuleKind::Length,
    )])
}

fn on(channel: SourceKind, text: &str) -> Vec<Finding> {
    check(
        &length_only(),
        &Draft {
            text,
            channel: Some(channel),
            sourced_proof: Vec::new(),
        },
    )
}

#[test]
fn length_counts_as_each_platform_does() {
    // 250 letters and a 99-character link: X counts the link as 23 (274), Bluesky every
    // grapheme of it (350 of 300).
    let text = format!("{} https://nordlys.no/{}", "a".repeat(250), "x".repeat(80));
    assert!(on(SourceKind::X, &text).is_empty());
    assert!(on(SourceKind::Mastodon, &text).is_empty());
    let found = on(SourceKind::Bluesky, &text);
    assert_eq!(found.len(), 1);
    assert!(found[0].is_whole_post());
    assert!(
        found[0].message_nb.contains("350 av 300"),
        "{}",
        found[0].message_nb
    );
    assert!(
        found[0].message_en.contains("Shorten it by 50"),
        "{}",
        found[0].message_en
    );

    // 150 thumbs with a skin tone: 150 graphemes on Bluesky, 300 weighted on X.
    let thumbs = "👍🏽".repeat(150);
    assert!(on(SourceKind::Bluesky, &thumbs).is_empty());
    assert_eq!(on(SourceKind::X, &thumbs).len(), 1);
    // Without a channel, length is not checked.
    assert!(check(&length_only(), &draft(&thumbs)).is_empty());
}

#[test]
fn a_negative_own_post_warns_and_a_friendly_one_does_not() {
    let tone = only(vec![rule("tone.negative", Severity::Warn, RuleKind::Tone)]);
    let found = check(
        &tone,
        &draft(
            "Dette er en skandale. Vi er skuffet, sinte og lei av elendig service fra leverandøren.",
        ),
    );
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(found[0].is_whole_post());
    assert_eq!(found[0].severity, Severity::Warn);
    assert!(
        check(
            &tone,
            &draft("Takk til alle som var med på dugnaden i dag, for en flott dag!")
        )
        .is_empty()
    );
}

// -- The whole check --

#[test]
fn findings_come_in_text_order_with_whole_post_findings_first_and_spans_on_the_words() {
    let text = &format!(
        "Kontakt kari@nordlys.no eller 912 34 567. Vi er klimanøytrale! Fnr 15038512363. \
         Bærekraftig? Omsetningen ble 4,2 mrd. {}",
        "Hei! ".repeat(60)
    );
    let post = Draft {
        text,
        channel: Some(SourceKind::Bluesky),
        sourced_proof: Vec::new(),
    };
    let mut policy = Policy::default();
    // The tone is the model's to judge; here only the order matters.
    policy.rules.retain(|r| r.kind != RuleKind::Tone);
    let found = check(&policy, &post);
    let rules: Vec<&str> = found.iter().map(|f| f.rule.as_str()).collect();
    assert_eq!(
        rules,
        [
            "length.channel",
            EMAIL,
            PHONE,
            ABSOLUTE,
            NATIONAL_ID,
            VAGUE,
            FINANCIAL
        ]
    );
    for f in &found {
        assert_eq!(text[f.span.clone()], f.words);
    }
    assert!(found[0].is_whole_post());
    let mut starts: Vec<usize> = found.iter().map(|f| f.span.start).collect();
    starts.sort();
    assert_eq!(
        starts,
        found.iter().map(|f| f.span.start).collect::<Vec<_>>()
    );
}

#[test]
fn one_finding_per_occurrence() {
    assert_eq!(
        fired(VAGUE, "Grønn, grønnere, grønnest"),
        ["Grønn", "grønnere", "grønnest"]
    );
}

#[test]
fn hostile_and_odd_text_is_checked_without_trouble() {
    for text in [
        "",
        "   \n\t",
        "<script>alert(1)</script> klimanøytral",
        "\"><img src=x onerror=alert(1)> 15038512363",
        "🙂🙂🙂",
        "ﬁ Ǆ İstanbul ß ẞ",
    ] {
        for f in findings(text) {
            assert!(text.is_char_boundary(f.span.start) && text.is_char_boundary(f.span.end));
        }
    }
}

#[test]
fn a_checker_built_once_answers_like_check() {
    let policy = Policy::default();
    let checker = Checker::new(&policy);
    let text = "Ring 91234567, vi er klimanøytrale";
    assert_eq!(checker.check(&draft(text)), check(&policy, &draft(text)));
    assert!(checker.problems().is_empty());
}

#[test]
fn a_claim_of_our_own_with_its_phrases() {
    let policy = only(vec![rule(
        "claims.social",
        Severity::Warn,
        RuleKind::Claims {
            claims: vec![Claim {
                name: "fair wages".into(),
                phrases: vec!["lønn man kan leve av".into(), "living wage".into()],
            }],
        },
    )]);
    let found = check(&policy, &draft("Alle leverandører betaler en living wage."));
    assert_eq!(words_of("claims.social", &found), ["living wage"]);
}

#[test]
fn the_claim_model_catches_english_claims_no_phrase_foresaw() {
    let text = "Our new ferries cut emissions by half and are good for the planet.";
    let found = findings(text);
    assert_eq!(
        found.iter().map(|f| f.rule.as_str()).collect::<Vec<_>>(),
        ["claims.model"]
    );
    assert!(found[0].is_whole_post() && !blocks(&found));
    // A link, a sourced proof point or a phrase that already spoke: the model stays quiet.
    assert!(findings(&format!("{text} https://nordlys.no/ferjer")).is_empty());
    let proven = Draft {
        sourced_proof: vec!["Halved emissions per crossing (DNV, 2026)"],
        ..draft(text)
    };
    assert!(check(&Policy::default(), &proven).is_empty());
    let phrased = findings("Our new ferries are sustainable and good for the planet.");
    assert_eq!(words_of(VAGUE, &phrased), ["sustainable"]);
    assert!(words_of("claims.model", &phrased).is_empty());
    assert!(
        fired(
            "claims.model",
            "Thanks to everyone who came to the concert!"
        )
        .is_empty()
    );
}
