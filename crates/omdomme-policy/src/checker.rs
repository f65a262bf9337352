//! A policy compiled for checking: each rule's regular expressions built once, and the
//! last few compiled policies kept for [`crate::check`].

use std::cell::OnceCell;
use std::ops::Range;
use std::sync::{Arc, Mutex, PoisonError};

use omdomme_core::{Lang, SentimentLabel, post_length};
use regex::Regex;

use crate::matching::{claim_regex, find_all, has_link, negated, terms_regex};
use crate::messages::{self, Message};
use crate::personal::{email_addresses, national_ids, phone_numbers};
use crate::{Draft, Finding, Policy, RuleKind, Severity, nlp};

/// A policy ready to check drafts: build it once per policy and keep it.
#[derive(Debug)]
pub struct Checker {
    rules: Vec<CompiledRule>,
}

#[derive(Debug)]
struct CompiledRule {
    id: String,
    severity: Severity,
    enabled: bool,
    test: Test,
}

#[derive(Debug)]
enum Test {
    Terms(Option<Regex>),
    Patterns(Vec<CompiledPattern>),
    NationalId,
    PhoneNumber,
    Email,
    /// One regex per claim (its phrases).
    Claims(Vec<Regex>),
    ClaimModel,
    Tone,
    Length,
    /// A rule that cannot be checked as written: every check says so, with the rule's
    /// severity, rather than passing a post it never looked at.
    Broken(String),
}

#[derive(Debug)]
struct CompiledPattern {
    name: String,
    regex: Regex,
    message_nb: Option<String>,
    message_en: Option<String>,
}

impl Checker {
    /// Compiles every rule; a rule that cannot be compiled (see [`Checker::problems`])
    /// yields a finding of its own on every check.
    pub fn new(policy: &Policy) -> Checker {
        let rules = policy
            .rules
            .iter()
            .map(|rule| CompiledRule {
                id: rule.id.clone(),
                severity: rule.severity,
                enabled: rule.enabled,
                test: compile(&rule.kind).unwrap_or_else(Test::Broken),
            })
            .collect();
        Checker { rules }
    }

    /// Each rule that cannot be checked as written (its place in the policy), with why.
    pub fn problems(&self) -> Vec<(usize, &str)> {
        self.rules
            .iter()
            .enumerate()
            .filter_map(|(i, rule)| match &rule.test {
                Test::Broken(problem) => Some((i, problem.as_str())),
                _ => None,
            })
            .collect()
    }

    /// Every finding of the enabled rules: first those about the whole post (in the
    /// policy's order), then the others in text order; one per occurrence.
    pub fn check(&self, draft: &Draft<'_>) -> Vec<Finding> {
        let mut run = Run {
            draft,
            reading: OnceCell::new(),
            findings: Vec::new(),
            claim_phrase_found: false,
        };
        let enabled = || self.rules.iter().enumerate().filter(|(_, r)| r.enabled);
        for (order, rule) in enabled() {
            run.apply(order, rule);
        }
        // The model only speaks where no phrase did, so it runs after every claims rule.
        for (order, rule) in enabled().filter(|(_, r)| matches!(r.test, Test::ClaimModel)) {
            run.apply_claim_model(order, rule);
        }
        let mut findings = run.findings;
        findings.sort_by_key(|(order, f)| (!f.is_whole_post(), f.span.start, f.span.end, *order));
        findings.into_iter().map(|(_, f)| f).collect()
    }
}

fn compile(kind: &RuleKind) -> Result<Test, String> {
    Ok(match kind {
        RuleKind::ConfidentialTerms { terms } => {
            Test::Terms(terms_regex(terms).map_err(|e| regex_problem("the list of terms", &e))?)
        }
        RuleKind::ConfidentialPatterns { patterns } => Test::Patterns(
            patterns
                .iter()
                .map(|p| {
                    let regex = Regex::new(&p.regex)
                        .map_err(|e| regex_problem(&format!("pattern {:?}", p.name), &e))?;
                    if regex.is_match("") {
                        return Err(format!(
                            "pattern {:?} matches the empty text: it would find nothing useful \
                             and something everywhere",
                            p.name
                        ));
                    }
                    Ok(CompiledPattern {
                        name: p.name.clone(),
                        regex,
                        message_nb: p.message_nb.clone(),
                        message_en: p.message_en.clone(),
                    })
                })
                .collect::<Result<_, String>>()?,
        ),
        RuleKind::NationalId => Test::NationalId,
        RuleKind::PhoneNumber => Test::PhoneNumber,
        RuleKind::Email => Test::Email,
        RuleKind::Claims { claims } => Test::Claims(
            claims
                .iter()
                .filter_map(|claim| {
                    claim_regex(&claim.phrases)
                        .map_err(|e| regex_problem(&format!("claim {:?}", claim.name), &e))
                        .transpose()
                })
                .collect::<Result<_, String>>()?,
        ),
        RuleKind::ClaimModel => Test::ClaimModel,
        RuleKind::Tone => Test::Tone,
        RuleKind::Length => Test::Length,
    })
}

/// A regex error in one line: the crate's message spans several, with a caret under the
/// fault, which the one-line formats (the CLI, the setup page's list) cannot show.
fn regex_problem(what: &str, error: &regex::Error) -> String {
    let detail = match error {
        regex::Error::CompiledTooBig(limit) => {
            format!("it compiles to more than {limit} bytes; use fewer or simpler alternatives")
        }
        other => other
            .to_string()
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.chars().all(|c| c == '^' || c == ' '))
            .collect::<Vec<_>>()
            .join(" "),
    };
    format!("{what} does not compile: {detail}")
}

/// The sentiment score at or below which a negative reading is a finding. The models lean
/// negative on terse information posts (contact details and figures score about −0.35);
/// a post that is negative on purpose (a complaint, a "skandale") scores −0.5 or lower.
const CLEARLY_NEGATIVE: f32 = -0.4;

/// One check of one draft.
struct Run<'d, 'a> {
    draft: &'d Draft<'a>,
    /// The models' reading, made once and only when a rule needs it.
    reading: OnceCell<Option<nlp::Reading>>,
    /// Each finding with its rule's place in the policy (for the order).
    findings: Vec<(usize, Finding)>,
    claim_phrase_found: bool,
}

impl Run<'_, '_> {
    fn text(&self) -> &str {
        self.draft.text
    }

    fn reading(&self) -> Option<nlp::Reading> {
        *self.reading.get_or_init(|| nlp::read(self.draft.text))
    }

    fn at(&mut self, order: usize, rule: &CompiledRule, span: Range<usize>, message: Message) {
        let words = self.text().get(span.clone()).unwrap_or_default().to_owned();
        self.findings.push((
            order,
            Finding {
                rule: rule.id.clone(),
                severity: rule.severity,
                span,
                words,
                message_nb: message.nb,
                message_en: message.en,
            },
        ));
    }

    fn whole_post(&mut self, order: usize, rule: &CompiledRule, message: Message) {
        self.at(order, rule, 0..0, message);
    }

    fn apply(&mut self, order: usize, rule: &CompiledRule) {
        let text = self.draft.text;
        match &rule.test {
            Test::Terms(None) | Test::ClaimModel => {}
            Test::Terms(Some(regex)) => {
                for span in find_all(regex, text) {
                    self.at(order, rule, span, messages::confidential_term());
                }
            }
            Test::Patterns(patterns) => {
                for pattern in patterns {
                    // A span must not be empty: that stands for the whole post.
                    for span in find_all(&pattern.regex, text)
                        .into_iter()
                        .filter(|s| !s.is_empty())
                    {
                        let message = messages::pattern(
                            &pattern.name,
                            pattern.message_nb.as_deref(),
                            pattern.message_en.as_deref(),
                        );
                        self.at(order, rule, span, message);
                    }
                }
            }
            Test::NationalId => {
                for (span, kind) in national_ids(text) {
                    self.at(order, rule, span, messages::national_id(kind));
                }
            }
            Test::PhoneNumber => {
                for span in phone_numbers(text) {
                    self.at(order, rule, span, messages::phone_number());
                }
            }
            Test::Email => {
                for span in email_addresses(text) {
                    self.at(order, rule, span, messages::email());
                }
            }
            Test::Claims(claims) => {
                let linked = has_link(text);
                for claim in claims {
                    let spans: Vec<Range<usize>> = find_all(claim, text)
                        .into_iter()
                        .filter(|span| !negated(text, span.start))
                        .collect();
                    self.claim_phrase_found |= !spans.is_empty();
                    let proven =
                        linked || self.draft.sourced_proof.iter().any(|p| claim.is_match(p));
                    if proven {
                        continue;
                    }
                    for span in spans {
                        self.at(order, rule, span, messages::unsupported_claim());
                    }
                }
            }
            Test::Tone => match self.reading() {
                Some(reading)
                    if reading.sentiment == SentimentLabel::Negative
                        && reading.score <= CLEARLY_NEGATIVE =>
                {
                    self.whole_post(order, rule, messages::negative_tone());
                }
                None if !nlp::available() => {
                    self.whole_post(order, rule, messages::models_unavailable());
                }
                _ => {}
            },
            Test::Length => {
                let Some(channel) = self.draft.channel else {
                    return;
                };
                if let Some(length) = post_length(channel, text)
                    && !length.fits()
                {
                    self.whole_post(order, rule, messages::too_long(channel, length));
                }
            }
            Test::Broken(problem) => {
                self.whole_post(order, rule, messages::broken_rule(problem));
            }
        }
    }

    /// The claim model: an English post it reads as an environmental claim, when no phrase
    /// found a claim, the post has no link and the story no sourced proof point.
    fn apply_claim_model(&mut self, order: usize, rule: &CompiledRule) {
        if self.claim_phrase_found || has_link(self.text()) || !self.draft.sourced_proof.is_empty()
        {
            return;
        }
        match self.reading() {
            Some(reading)
                if reading.lang == Lang::En && nlp::makes_environmental_claim(self.text()) =>
            {
                self.whole_post(order, rule, messages::modelled_claim());
            }
            None if !nlp::available() => {
                self.whole_post(order, rule, messages::models_unavailable());
            }
            _ => {}
        }
    }
}

/// Compiled policies kept for [`crate::check`]: a server checks a handful of workspaces'
/// policies over and over, and a policy edit simply adds the new one.
const KEPT: usize = 16;

static CACHE: Mutex<Vec<(Policy, Arc<Checker>)>> = Mutex::new(Vec::new());

/// The compiled `policy`, from the cache or built now (and kept, most recent first).
pub(crate) fn cached(policy: &Policy) -> Arc<Checker> {
    {
        let mut kept = CACHE.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(i) = kept.iter().position(|(p, _)| p == policy) {
            let entry = kept.remove(i);
            let checker = Arc::clone(&entry.1);
            kept.insert(0, entry);
            return checker;
        }
    }
    // Compiled outside the lock: other policies' checks go on meanwhile.
    let checker = Arc::new(Checker::new(policy));
    let mut kept = CACHE.lock().unwrap_or_else(PoisonError::into_inner);
    kept.insert(0, (policy.clone(), Arc::clone(&checker)));
    kept.truncate(KEPT);
    checker
}
