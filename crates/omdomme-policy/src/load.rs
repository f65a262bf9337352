//! Reading a policy from JSON and finding what is wrong with it: every problem at once,
//! each naming its rule, so a leader fixes the file in one go.

use std::collections::HashSet;

use serde_json::Value;

use crate::{Checker, Policy, PolicyError, Rule, RuleKind};

pub(crate) fn from_json(json: &str) -> Result<Policy, PolicyError> {
    let fail = |problems: Vec<String>| Err(PolicyError { problems });
    // serde_json's message names the line and column.
    let value: Value = match serde_json::from_str(json) {
        Ok(value) => value,
        Err(e) => return fail(vec![format!("not valid JSON: {e}")]),
    };
    let Value::Object(mut top) = value else {
        return fail(vec![
            "a policy is a JSON object with a list of rules: {\"rules\": [...]}".to_owned(),
        ]);
    };
    let mut problems: Vec<String> = top
        .keys()
        .filter(|key| *key != "rules")
        .map(|key| format!("unknown field {key:?} beside \"rules\""))
        .collect();
    let rules = match top.remove("rules") {
        Some(Value::Array(rules)) => rules,
        Some(_) => return fail(vec!["\"rules\" must be a list".to_owned()]),
        None => return fail(vec!["missing \"rules\": the list of rules".to_owned()]),
    };
    // Each rule's problems under its place in the file, so they read in the file's order.
    let mut per_rule: Vec<(usize, String)> = Vec::new();
    let mut policy = Policy { rules: Vec::new() };
    let mut places = Vec::new();
    for (place, value) in rules.into_iter().enumerate() {
        let label = rule_label(place, value.get("id").and_then(Value::as_str));
        match serde_json::from_value::<Rule>(value.clone()) {
            Ok(rule) => {
                per_rule.extend(
                    unknown_fields(&value, &rule)
                        .into_iter()
                        .map(|field| (place, format!("{label}: unknown field {field:?}"))),
                );
                policy.rules.push(rule);
                places.push(place);
            }
            Err(e) => per_rule.push((place, format!("{label}: {e}"))),
        }
    }
    per_rule.extend(rule_problems(&policy, |i| {
        places.get(i).copied().unwrap_or(i)
    }));
    per_rule.sort_by_key(|(place, _)| *place);
    problems.extend(per_rule.into_iter().map(|(_, problem)| problem));
    if problems.is_empty() {
        Ok(policy)
    } else {
        fail(problems)
    }
}

/// `rule 3 ("claims.vague")`, counting from 1 as people do.
fn rule_label(index: usize, id: Option<&str>) -> String {
    match id {
        Some(id) => format!("rule {} ({id:?})", index + 1),
        None => format!("rule {}", index + 1),
    }
}

/// The fields of a rule's JSON that its kind does not have: the flattened kind rules out
/// serde's `deny_unknown_fields`, so the rule written back shows which ones were read.
fn unknown_fields(value: &Value, rule: &Rule) -> Vec<String> {
    let (Value::Object(given), Ok(Value::Object(known))) = (value, serde_json::to_value(rule))
    else {
        return Vec::new();
    };
    given
        .keys()
        .filter(|key| !known.contains_key(*key))
        .cloned()
        .collect()
}

/// What is wrong with a policy's rules; empty when it can be checked as written.
pub(crate) fn problems(policy: &Policy) -> Vec<String> {
    rule_problems(policy, |i| i)
        .into_iter()
        .map(|(_, problem)| problem)
        .collect()
}

/// Each rule's problems with its place in the file (`place` of its index in `policy`).
fn rule_problems(policy: &Policy, place: impl Fn(usize) -> usize) -> Vec<(usize, String)> {
    let mut problems = Vec::new();
    let mut seen = HashSet::new();
    let checker = Checker::new(policy);
    let broken = checker.problems();
    for (i, rule) in policy.rules.iter().enumerate() {
        let at = place(i);
        let label = rule_label(at, Some(&rule.id));
        let mut add = |problem: String| problems.push((at, format!("{label}: {problem}")));
        if !valid_id(&rule.id) {
            add("an id is 1 to 64 of lower-case letters, digits, '.', '-' and '_'".to_owned());
        }
        if !seen.insert(rule.id.as_str()) {
            add("the id is used by an earlier rule too".to_owned());
        }
        list_problems(&rule.kind).into_iter().for_each(&mut add);
        broken
            .iter()
            .filter(|(j, _)| *j == i)
            .for_each(|(_, problem)| add((*problem).to_owned()));
    }
    problems
}

fn valid_id(id: &str) -> bool {
    (1..=64).contains(&id.len())
        && id
            .bytes()
            .all(|b| matches!(b, b'a'..=b'z' | b'0'..=b'9' | b'.' | b'-' | b'_'))
}

/// Empty lists and empty entries, which would make a rule silently find nothing.
fn list_problems(kind: &RuleKind) -> Vec<String> {
    let mut problems = Vec::new();
    let blank = |s: &str| !s.chars().any(char::is_alphanumeric);
    match kind {
        RuleKind::ConfidentialTerms { terms } => {
            if terms.is_empty() {
                problems.push("the list of terms is empty".to_owned());
            }
            for (i, term) in terms.iter().enumerate() {
                if blank(term) {
                    problems.push(format!("term {} has no letter or digit", i + 1));
                }
            }
        }
        RuleKind::ConfidentialPatterns { patterns } => {
            if patterns.is_empty() {
                problems.push("the list of patterns is empty".to_owned());
            }
            for (i, pattern) in patterns.iter().enumerate() {
                if pattern.name.trim().is_empty() {
                    problems.push(format!("pattern {} has no name", i + 1));
                }
            }
        }
        RuleKind::Claims { claims } => {
            if claims.is_empty() {
                problems.push("the list of claims is empty".to_owned());
            }
            for (i, claim) in claims.iter().enumerate() {
                if claim.name.trim().is_empty() {
                    problems.push(format!("claim {} has no name", i + 1));
                }
                if claim.phrases.is_empty() {
                    problems.push(format!("claim {:?} has no phrases", claim.name));
                }
                if claim.phrases.iter().any(|p| blank(p)) {
                    problems.push(format!(
                        "claim {:?} has a phrase with no letter or digit",
                        claim.name
                    ));
                }
            }
        }
        RuleKind::NationalId
        | RuleKind::PhoneNumber
        | RuleKind::Email
        | RuleKind::ClaimModel
        | RuleKind::Tone
        | RuleKind::Length => {}
    }
    problems
}
