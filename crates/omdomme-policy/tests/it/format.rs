//! The policy as JSON: what a leader writes, what the store keeps, what `from_json` says
//! about a bad one.

use omdomme_policy::{Policy, RuleKind, Severity};

fn problems(json: &str) -> Vec<String> {
    match Policy::from_json(json) {
        Ok(policy) => panic!("accepted: {policy:?}"),
        Err(e) => e.problems,
    }
}

#[test]
fn the_default_policy_has_no_problems_and_reads_back_as_itself() {
    let policy = Policy::default();
    assert_eq!(policy.problems(), Vec::<String>::new());
    assert_eq!(Policy::from_json(&policy.to_json()).unwrap(), policy);
}

#[test]
fn the_docs_show_the_default_policy_and_every_rule_of_it() {
    let docs = include_str!("../../../../docs/policy.md");
    let json = format!("```json\n{}\n```", Policy::default().to_json());
    assert!(
        docs.contains(&json),
        "docs/policy.md: paste the JSON of `omdomme policy default` again"
    );
    for rule in Policy::default().rules {
        let row = format!("| `{}` |", rule.id);
        assert!(docs.contains(&row), "docs/policy.md lacks {}", rule.id);
    }
}

#[test]
fn a_hand_written_policy_reads_with_defaults() {
    let policy = Policy::from_json(
        r#"{"rules": [
            {"id": "confidential.terms", "kind": "confidential_terms", "severity": "block",
             "terms": ["Prosjekt Fjordlys"]},
            {"id": "personal-data.national-id", "kind": "national_id", "severity": "block",
             "enabled": false}
        ]}"#,
    )
    .unwrap();
    assert_eq!(policy.rules.len(), 2);
    assert!(policy.rules[0].enabled, "a rule is on unless switched off");
    assert!(!policy.rules[1].enabled);
    assert_eq!(policy.rules[1].kind, RuleKind::NationalId);
    assert_eq!(policy.rules[0].severity, Severity::Block);
}

#[test]
fn bad_json_names_its_line_and_column() {
    let found = problems("{\n  \"rules\": [\n    {\"id\": \"x\",, }\n  ]\n}");
    assert_eq!(found.len(), 1);
    assert!(found[0].contains("line 3 column"), "{found:?}");
}

#[test]
fn every_problem_is_reported_at_once_naming_its_rule() {
    let found = problems(
        r#"{"rules": [
            {"id": "a", "kind": "confidential_terms", "severity": "block", "terms": []},
            {"id": "a", "kind": "email", "severity": "warn"},
            {"id": "b", "kind": "telepathy", "severity": "warn"},
            {"id": "c", "kind": "confidential_patterns", "severity": "block",
             "patterns": [{"name": "figures", "regex": "(omsetning"}]},
            {"id": "d", "kind": "tone", "severity": "maybe"},
            {"id": "e", "kind": "email", "severity": "warn", "colour": "red"},
            {"id": "F!", "kind": "length", "severity": "block"},
            {"id": "g", "kind": "claims", "severity": "warn", "claims": [{"name": "green", "phrases": []}]},
            {"id": "h", "kind": "confidential_patterns", "severity": "warn",
             "patterns": [{"name": "anything", "regex": "x*"}]}
        ], "version": 2}"#,
    );
    let expect = [
        "unknown field \"version\"",
        "rule 1 (\"a\"): the list of terms is empty",
        "rule 2 (\"a\"): the id is used by an earlier rule too",
        "rule 3 (\"b\"): unknown variant `telepathy`",
        "rule 4 (\"c\"): pattern \"figures\" does not compile",
        "rule 5 (\"d\"): unknown variant `maybe`",
        "rule 6 (\"e\"): unknown field \"colour\"",
        "rule 7 (\"F!\"): an id is",
        "claim \"green\" has no phrases",
        "rule 9 (\"h\"): pattern \"anything\" matches the empty text",
    ];
    for wanted in expect {
        assert!(
            found.iter().any(|p| p.contains(wanted)),
            "no {wanted:?} in {found:#?}"
        );
    }
    assert_eq!(found.len(), expect.len(), "{found:#?}");
    // One line each, the regex problem too.
    assert!(found.iter().all(|p| !p.contains('\n')), "{found:#?}");
}

#[test]
fn the_error_says_how_many_problems_there_are() {
    let error = Policy::from_json(
        r#"{"rules": [{"id": "a", "kind": "x", "severity": "warn"}, {"id": "b"}]}"#,
    )
    .unwrap_err();
    assert!(error.to_string().starts_with("2 problems: "), "{error}");
    assert!(Policy::from_json("[]").is_err());
    assert!(
        Policy::from_json("{}")
            .unwrap_err()
            .to_string()
            .contains("rules")
    );
}
