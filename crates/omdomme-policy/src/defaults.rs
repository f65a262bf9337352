//! The policy a new workspace starts with. docs/policy.md explains each rule; a test holds
//! the two together and checks that the default has no problems.

use crate::messages::{FINANCIAL_FIGURE_EN, FINANCIAL_FIGURE_NB};
use crate::{Claim, NamedPattern, Policy, Rule, RuleKind, Severity};

/// Words near which a money or percentage figure is a financial result, in bokmål,
/// nynorsk and English, with the compounds they end (`driftsresultatet`,
/// `EBITDA-marginen`).
///
/// The pattern is written for the regex crate's fast engines: ASCII word boundaries
/// (`(?-u:\b)`) and no Unicode `\b`, which sends a search of Norwegian text to the slow
/// one (340 µs instead of a few for a 500-character post).
const FINANCIAL_WORDS: &str = r"\w*(?:omsetning|omsetnad|resultat|ebitda|ebit|revenue|turnover|profit|earnings|margin|overskud?d|overskot|underskud?d|underskot|inntekt|(?:net|gross|operating)\s+income)\w*";

/// A money or percentage figure: `4,2 milliarder`, `NOK 3.1bn`, `12 %`, `310 millionar`.
const MONEY_OR_PERCENT: &str = r"(?:(?:nok|kr\.?|usd|eur|\$|€|£)\s?[0-9](?:[0-9.,\s]*[0-9])?(?:\s?(?:mrd|milliard\w*|mill\w*|mnok|bn|billion|million|m)(?-u:\b))?|[0-9](?:[0-9.,\s]*[0-9])?\s?(?:%|(?:prosent|percent|per\s+cent|mrd|milliard\w*|mill\w*|mnok|bn|billion|million|kroner|kr|nok)(?-u:\b)))";

/// What may stand between the word and the figure: up to 60 characters of the same
/// sentence (a decimal point does not end it).
const SAME_SENTENCE: &str = r"(?:[^.!?\n]|\.[0-9]){0,60}?";

fn financial_figure() -> String {
    format!(
        r"(?i){FINANCIAL_WORDS}{SAME_SENTENCE}{MONEY_OR_PERCENT}|{MONEY_OR_PERCENT}{SAME_SENTENCE}{FINANCIAL_WORDS}"
    )
}

fn rule(id: &str, severity: Severity, kind: RuleKind) -> Rule {
    Rule {
        id: id.to_owned(),
        severity,
        enabled: true,
        kind,
    }
}

fn claim(name: &str, phrases: &[&str]) -> Claim {
    Claim {
        name: name.to_owned(),
        phrases: phrases.iter().map(|p| (*p).to_owned()).collect(),
    }
}

pub(crate) fn policy() -> Policy {
    use Severity::{Block, Warn};
    Policy {
        rules: vec![
            Rule {
                // A workspace's own code names go here; until then, a switched-off example.
                enabled: false,
                ..rule(
                    "confidential.terms",
                    Block,
                    RuleKind::ConfidentialTerms {
                        terms: vec!["Prosjekt Eksempel".to_owned()],
                    },
                )
            },
            rule(
                "confidential.financial-figures",
                Warn,
                RuleKind::ConfidentialPatterns {
                    patterns: vec![NamedPattern {
                        name: "financial figure".to_owned(),
                        regex: financial_figure(),
                        message_nb: Some(FINANCIAL_FIGURE_NB.to_owned()),
                        message_en: Some(FINANCIAL_FIGURE_EN.to_owned()),
                    }],
                },
            ),
            rule("personal-data.national-id", Block, RuleKind::NationalId),
            rule("personal-data.phone", Warn, RuleKind::PhoneNumber),
            rule("personal-data.email", Warn, RuleKind::Email),
            rule(
                "claims.absolute",
                Block,
                RuleKind::Claims {
                    claims: vec![
                        claim(
                            "climate neutral",
                            &[
                                "klimanøytral",
                                "CO2-nøytral",
                                "karbonnøytral",
                                "klimapositiv",
                                "carbon neutral",
                                "climate neutral",
                                "carbon negative",
                                "climate positive",
                            ],
                        ),
                        claim(
                            "net zero",
                            &[
                                "netto null",
                                "netto nullutslipp",
                                "netto nullutslepp",
                                "net zero",
                            ],
                        ),
                        claim(
                            "zero emissions",
                            &[
                                "utslippsfri",
                                "utsleppsfri",
                                "nullutslipp",
                                "nullutslepp",
                                "zero emission",
                                "zero emissions",
                                "emission-free",
                                "emissions-free",
                            ],
                        ),
                        claim("fossil free", &["fossilfri", "fossil-free", "fossil free"]),
                        claim(
                            "100 % recycled",
                            &[
                                "100 % resirkulert",
                                "100 % gjenvunnet",
                                "100 % gjenvunne",
                                "100 % recycled",
                            ],
                        ),
                        claim(
                            "plastic free",
                            &["plastfri", "plastic-free", "plastic free"],
                        ),
                    ],
                },
            ),
            rule(
                "claims.vague",
                Warn,
                RuleKind::Claims {
                    claims: vec![
                        claim(
                            "sustainable",
                            &["bærekraftig", "berekraftig", "sustainable"],
                        ),
                        claim(
                            "environmentally friendly",
                            &[
                                "miljøvennlig",
                                "miljøvenleg",
                                "klimavennlig",
                                "klimavenleg",
                                "eco-friendly",
                                "environmentally friendly",
                                "climate-friendly",
                            ],
                        ),
                        claim("green", &["grønn", "grønt", "grøn", "green"]),
                    ],
                },
            ),
            rule("claims.model", Warn, RuleKind::ClaimModel),
            rule("tone.negative", Warn, RuleKind::Tone),
            rule("length.channel", Block, RuleKind::Length),
        ],
    }
}
