//! A workspace's social-media policy, stored as data (JSON), and the check every post
//! passes before approval and again before publishing (the web app, the publisher and
//! `omdomme policy check` all call [`check`]).

use std::ops::Range;

use omdomme_core::{SentimentLabel, SourceKind};
use serde::{Deserialize, Serialize};

/// The policy: a list of rules, each blocking or warning.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Policy {
    pub rules: Vec<Rule>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Warn,
    Block,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Rule {
    /// Stable, unique in the policy: `personal-data.national-id`, `claims.climate`.
    pub id: String,
    pub severity: Severity,
    pub enabled: bool,
    #[serde(flatten)]
    pub kind: RuleKind,
}

/// STUB(stories-base): the policy helper defines the kinds.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum RuleKind {
    ConfidentialTerms { terms: Vec<String> },
}

/// What is checked: the text, where it goes, and what backs it.
#[derive(Clone, Debug, Default)]
pub struct Draft<'a> {
    pub text: &'a str,
    /// `None` when the channel is not known (length is then not checked).
    pub channel: Option<SourceKind>,
    /// The statements of the story's proof points that have a source (link or document).
    pub sourced_proof: Vec<&'a str>,
}

/// One rule's objection, at the words it objects to.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Finding {
    pub rule: String,
    pub severity: Severity,
    /// Byte range in the text (on char boundaries); empty for the whole post (length, tone).
    pub span: Range<usize>,
    /// The offending words as written.
    pub words: String,
    /// Why, and what to do, in bokmål and in English.
    pub message_nb: String,
    pub message_en: String,
}

/// Every finding of the enabled rules, in text order; blocking ones make
/// [`blocks`] true.
pub fn check(_policy: &Policy, _draft: &Draft<'_>) -> Vec<Finding> {
    Vec::new() // STUB(stories-base)
}

pub fn blocks(findings: &[Finding]) -> bool {
    findings.iter().any(|f| f.severity == Severity::Block)
}

impl Default for Policy {
    /// What a new workspace starts with. STUB(stories-base).
    fn default() -> Policy {
        Policy { rules: Vec::new() }
    }
}

#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct PolicyError(pub String);

impl Policy {
    /// Reads a stored or uploaded policy, naming every problem (bad JSON, an unknown rule
    /// kind, a duplicate id, a pattern that does not compile).
    pub fn from_json(json: &str) -> Result<Policy, PolicyError> {
        serde_json::from_str(json).map_err(|e| PolicyError(e.to_string()))
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default()
    }
}

/// Unused until the tone rule lands. STUB(stories-base)
pub fn tone_of(_text: &str) -> Option<SentimentLabel> {
    None
}
