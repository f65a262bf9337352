//! A workspace's social-media policy, stored as data (JSON), and the check every post
//! passes before approval and again before publishing (the web app, the publisher and
//! `omdomme policy check` all call [`check`]).
//!
//! A policy is a list of rules, each with an id, a severity (blocking or warning), a switch
//! and a kind: confidential terms and patterns, personal data (national identity numbers,
//! phone numbers, e-mail addresses), environmental and social claims that need a proof
//! point, the tone of the post, and its length on the channel. docs/policy.md describes the
//! format and every rule of [`Policy::default`].
//!
//! The rules compile once per policy into a [`Checker`]; [`check`] keeps the last few
//! checkers, so the editor's preview can run it on every keystroke.

mod checker;
mod defaults;
mod load;
mod matching;
mod messages;
mod nlp;
mod personal;

use std::ops::Range;

use omdomme_core::{SentimentLabel, SourceKind};
use serde::{Deserialize, Serialize};

pub use checker::Checker;

/// The policy: a list of rules, each blocking or warning.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Policy {
    /// In the order findings about the whole post are listed.
    pub rules: Vec<Rule>,
}

/// What a finding of a rule does to the post.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// Shown, but the post may be approved and published.
    Warn,
    /// The post cannot be approved or published until the words are changed (or the rule
    /// is switched off by a leader).
    Block,
}

impl Severity {
    /// `warn` or `block`, as in the policy's JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Warn => "warn",
            Severity::Block => "block",
        }
    }
}

/// One rule of the policy.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Rule {
    /// Stable, unique in the policy: `personal-data.national-id`, `claims.absolute`.
    /// Lower-case letters, digits, `.`, `-` and `_`.
    pub id: String,
    /// What a finding of the rule does to the post.
    pub severity: Severity,
    /// A switched-off rule never fires; left out in JSON, a rule is on.
    #[serde(default = "switched_on")]
    pub enabled: bool,
    /// What the rule looks for.
    #[serde(flatten)]
    pub kind: RuleKind,
}

fn switched_on() -> bool {
    true
}

/// What a rule looks for. In JSON the `kind` field names the variant in snake case
/// (`confidential_terms`), beside the variant's own fields.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum RuleKind {
    /// Names and phrases that must not be published (project code names, partners under
    /// NDA). Matched as whole words, ignoring case, with their inflections and compounds:
    /// `Fjordlys` also finds `Fjordlyset`, `Fjordlysprosjektet` and `Fjordlys-prosjektet`;
    /// `Prosjekt Fjordlys` also finds `Fjordlys-prosjektet`.
    ConfidentialTerms { terms: Vec<String> },
    /// Named regular expressions (the `regex` crate's syntax), such as unreleased financial
    /// figures.
    ConfidentialPatterns { patterns: Vec<NamedPattern> },
    /// Norwegian national identity numbers: fødselsnummer, D-number and H-number, with a
    /// valid date and both check digits.
    NationalId,
    /// Norwegian phone numbers in their usual groupings, with or without +47/0047, and
    /// international numbers in E.164 form (`+44 20 7946 0958`).
    PhoneNumber,
    /// E-mail addresses (not fediverse handles such as `@nordlys@mastodon.social`).
    Email,
    /// Claims that need a proof point: supported when the post links to a source
    /// (`http(s)://`) or a sourced proof point of the story makes the same claim.
    Claims { claims: Vec<Claim> },
    /// An English post that the language model reads as an environmental claim, when no
    /// phrase of a `claims` rule matched, the post has no link and the story no sourced
    /// proof point.
    ClaimModel,
    /// The post reads as negative (the sentiment model of the text's language).
    Tone,
    /// Longer than the channel allows, counted as the platform counts.
    Length,
}

/// A regular expression with the name the findings show.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NamedPattern {
    /// What the pattern finds: `unreleased financial figure`.
    pub name: String,
    /// The regular expression, in the `regex` crate's syntax.
    pub regex: String,
    /// What to tell the writer, in bokmål; a general message when left out.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message_nb: Option<String>,
    /// The same in English.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message_en: Option<String>,
}

/// One claim in the ways it is written: a proof point that uses any of its phrases
/// supports every one of them (`klimanøytral` backs `carbon neutral`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Claim {
    /// The claim in a word or two: `climate neutral`.
    pub name: String,
    /// Words and phrases, matched ignoring case, with their inflections (`klimanøytralt`,
    /// `klimanøytrale`), `CO2` also as `CO₂`, `-` also as a space or nothing, and `%` also
    /// as `prosent` or `percent`.
    pub phrases: Vec<String>,
}

/// What is checked: the text, where it goes, and what backs it.
#[derive(Clone, Debug, Default)]
pub struct Draft<'a> {
    /// The post's text as it will be published.
    pub text: &'a str,
    /// `None` when the channel is not known (length is then not checked).
    pub channel: Option<SourceKind>,
    /// The statements of the story's proof points that have a source (link or document).
    pub sourced_proof: Vec<&'a str>,
}

/// One rule's objection, at the words it objects to.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Finding {
    /// The id of the rule that fired.
    pub rule: String,
    /// The rule's severity: whether this finding blocks the post.
    pub severity: Severity,
    /// Byte range in the text (on char boundaries); empty for the whole post (length, tone).
    pub span: Range<usize>,
    /// The offending words as written.
    pub words: String,
    /// Why, and what to do, in bokmål and in English.
    pub message_nb: String,
    pub message_en: String,
}

impl Finding {
    /// Whether the finding is about the whole post rather than some of its words.
    pub fn is_whole_post(&self) -> bool {
        self.span.is_empty()
    }
}

/// Every finding of the enabled rules: first those about the whole post (in the policy's
/// order), then the others in text order; one per occurrence. Blocking ones make
/// [`blocks`] true. The policy's rules are compiled once and kept for the next call.
pub fn check(policy: &Policy, draft: &Draft<'_>) -> Vec<Finding> {
    checker::cached(policy).check(draft)
}

/// Whether any finding blocks approval and publishing.
pub fn blocks(findings: &[Finding]) -> bool {
    findings.iter().any(|f| f.severity == Severity::Block)
}

impl Default for Policy {
    /// What a new workspace starts with (docs/policy.md lists it).
    fn default() -> Policy {
        defaults::policy()
    }
}

/// Why a policy cannot be used: every problem found, each naming its rule.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PolicyError {
    /// One sentence each, naming the rule (`rule 3 ("claims.vague"): …`), in file order.
    pub problems: Vec<String>,
}

impl std::fmt::Display for PolicyError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.problems.as_slice() {
            [one] => f.write_str(one),
            many => write!(f, "{} problems: {}", many.len(), many.join("; ")),
        }
    }
}

impl std::error::Error for PolicyError {}

impl Policy {
    /// Reads a stored or uploaded policy, naming every problem at once (bad JSON with its
    /// line and column, an unknown rule kind or field, a duplicate id, an empty list, a
    /// pattern that does not compile).
    pub fn from_json(json: &str) -> Result<Policy, PolicyError> {
        load::from_json(json)
    }

    /// The policy as pretty-printed JSON, as [`Policy::from_json`] reads it.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default()
    }

    /// What is wrong with the rules (duplicate or malformed ids, empty lists, patterns
    /// that do not compile); empty when the policy can be checked as written.
    pub fn problems(&self) -> Vec<String> {
        load::problems(self)
    }
}

/// The sentiment of a text by the language model of its language; `None` for an empty
/// text or when the models cannot be loaded.
pub fn tone_of(text: &str) -> Option<SentimentLabel> {
    nlp::read(text).map(|reading| reading.sentiment)
}

/// The sentiment score of a text, P(positive) − P(negative) in [−1, 1]; `None` as for
/// [`tone_of`].
pub fn tone_score(text: &str) -> Option<f32> {
    nlp::read(text).map(|reading| reading.score)
}
