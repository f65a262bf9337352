//! `omdomme policy check` and `omdomme policy default`: findings on standard output, and an
//! exit status a script can act on (1 blocks, 0 passes, 2 cannot check).

use std::process::Output;

use crate::support::Scratch;

fn check(scratch: &Scratch, args: &[&str], post: &str) -> Output {
    check_bytes(scratch, args, post.as_bytes().to_vec())
}

fn check_bytes(scratch: &Scratch, args: &[&str], post: Vec<u8>) -> Output {
    let mut all = vec!["policy", "check"];
    all.extend_from_slice(args);
    scratch.run_with_input(&all, post)
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn a_blocking_finding_is_printed_at_its_words_and_exits_1() {
    let scratch = Scratch::new();
    let output = check(
        &scratch,
        &["--channel", "mastodon"],
        "Ny ferje i dag!\nVi er klimanøytrale, og vinneren (fnr 150385 12363) får premien.\n",
    );
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    let out = stdout(&output);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 3, "{out}");
    assert!(
        lines[0].starts_with("2:7: block [claims.absolute] \"klimanøytrale\": "),
        "{out}"
    );
    assert!(lines[0].contains("bevispunkt"), "{out}");
    assert!(
        lines[1].starts_with("2:39: block [personal-data.national-id] \"150385 12363\": Dette ser ut som et gyldig fødselsnummer."),
        "{out}"
    );
    assert_eq!(
        lines[2],
        "2 funn: 2 blokkerer, 0 advarer. Innlegget kan ikke publiseres før de blokkerende funnene er rettet."
    );
}

#[test]
fn warnings_only_exit_0_and_speak_english_when_asked() {
    let scratch = Scratch::new();
    let output = check(
        &scratch,
        &["--channel", "x", "--lang", "en"],
        "Questions? Call our press desk on 22 33 44 55.",
    );
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let out = stdout(&output);
    assert!(
        out.starts_with(
            "1:35: warn [personal-data.phone] \"22 33 44 55\": This looks like a phone number."
        ),
        "{out}"
    );
    assert!(
        out.ends_with("1 finding: 0 blocking, 1 warning.\n"),
        "{out}"
    );
}

#[test]
fn a_clean_post_has_no_findings_and_a_proof_point_supports_a_claim() {
    let scratch = Scratch::new();
    let output = check(
        &scratch,
        &[],
        "Takk til alle som var med på dugnaden i dag!",
    );
    assert_eq!(output.status.code(), Some(0));
    assert_eq!(stdout(&output), "Ingen funn.\n");

    let post = "Ferjene våre er klimanøytrale.";
    assert_eq!(check(&scratch, &[], post).status.code(), Some(1));
    let proven = check(
        &scratch,
        &["--proof", "Ferjedriften er klimanøytral (DNV, 2026)"],
        post,
    );
    assert_eq!(proven.status.code(), Some(0), "{}", stdout(&proven));
}

#[test]
fn length_is_a_whole_post_finding_on_the_channel() {
    let scratch = Scratch::new();
    let post = "a".repeat(301);
    let output = check(&scratch, &["--channel", "bluesky"], &post);
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stdout(&output).starts_with(
            "post: block [length.channel]: Innlegget er for langt for Bluesky: 301 av 300"
        ),
        "{}",
        stdout(&output)
    );
    assert_eq!(
        check(&scratch, &["--channel", "mastodon"], &post)
            .status
            .code(),
        Some(0)
    );
}

#[test]
fn a_policy_file_is_used_and_its_problems_exit_2() {
    let scratch = Scratch::new();
    let policy = scratch.path("policy.json");
    std::fs::write(
        &policy,
        r#"{"rules": [{"id": "confidential.terms", "kind": "confidential_terms",
                       "severity": "block", "terms": ["Prosjekt Fjordlys"]}]}"#,
    )
    .unwrap();
    let policy_arg = policy.to_str().unwrap();
    let output = check(
        &scratch,
        &["--policy", policy_arg],
        "Fjordlys-prosjektet er i rute (ring 912 34 567)",
    );
    assert_eq!(output.status.code(), Some(1));
    let out = stdout(&output);
    assert!(
        out.starts_with("1:1: block [confidential.terms] \"Fjordlys-prosjektet\": "),
        "{out}"
    );
    assert!(
        !out.contains("personal-data"),
        "only the file's rules: {out}"
    );

    std::fs::write(
        &policy,
        r#"{"rules": [{"id": "a", "kind": "confidential_terms", "severity": "block", "terms": []},
                      {"id": "a", "kind": "email", "severity": "sometimes"}]}"#,
    )
    .unwrap();
    let output = check(&scratch, &["--policy", policy_arg], "Hei");
    assert_eq!(output.status.code(), Some(2));
    let err = stderr(&output);
    assert!(err.contains("2 problems"), "{err}");
    assert!(err.contains("the list of terms is empty"), "{err}");
    assert!(err.contains("unknown variant `sometimes`"), "{err}");
    assert!(stdout(&output).is_empty());
}

#[test]
fn input_that_cannot_be_read_exits_2_naming_the_problem() {
    let scratch = Scratch::new();
    let output = check_bytes(&scratch, &[], b"Hei \xff\xfe p\xe5 deg".to_vec());
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("not valid UTF-8"),
        "{}",
        stderr(&output)
    );

    let output = check(&scratch, &["--channel", "rss"], "Hei");
    assert_eq!(output.status.code(), Some(2), "a flag clap refuses");

    let output = check(&scratch, &["--workspace", "nowhere"], "Hei");
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("no workspace \"nowhere\""),
        "{}",
        stderr(&output)
    );
}

#[test]
fn the_default_policy_prints_as_json_a_check_can_read_back() {
    let scratch = Scratch::new();
    let json = scratch.ok(&["policy", "default"]);
    let policy = omdomme_policy::Policy::from_json(&json).unwrap();
    assert_eq!(policy, omdomme_policy::Policy::default());
    std::fs::write(scratch.path("default.json"), &json).unwrap();
    let output = check(
        &scratch,
        &["--policy", scratch.path("default.json").to_str().unwrap()],
        "Fnr 15038512363",
    );
    assert_eq!(output.status.code(), Some(1));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_workspace_checks_with_its_stored_policy_or_the_default() {
    use omdomme_core::WorkspaceId;
    use omdomme_store::{SqliteStore, Store as _, StoredPolicy};

    let scratch = Scratch::new();
    let post = "Prosjekt Fjordlys er klimanøytralt";
    // No policy stored yet: the default one (the claim blocks, the code name is unknown).
    let output = check(&scratch, &["--workspace", "test"], post);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    assert!(
        stdout(&output).contains("[claims.absolute]"),
        "{}",
        stdout(&output)
    );

    let store = SqliteStore::open(&scratch.data_dir()).unwrap();
    let policy = r#"{"rules": [{"id": "confidential.terms", "kind": "confidential_terms",
                                 "severity": "warn", "terms": ["Fjordlys"]}]}"#;
    store
        .put_policy(
            &WorkspaceId("test".into()),
            &StoredPolicy {
                json: policy.into(),
                updated_by: "leder@example.no".into(),
                updated_at: jiff::Timestamp::UNIX_EPOCH,
            },
        )
        .await
        .unwrap();
    drop(store);
    let output = check(&scratch, &["--workspace", "test"], post);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let out = stdout(&output);
    assert!(
        out.starts_with("1:10: warn [confidential.terms] \"Fjordlys\""),
        "{out}"
    );
    assert!(!out.contains("claims"), "only the stored rules: {out}");
}

#[test]
fn json_gives_one_object_per_finding_for_editors() {
    let scratch = Scratch::new();
    let post = "Ring 912 34 567.\nVi er «klimanøytrale».";
    let output = check(
        &scratch,
        &["--json", "--lang", "en", "--channel", "x"],
        post,
    );
    assert_eq!(output.status.code(), Some(1));
    let findings: Vec<serde_json::Value> = stdout(&output)
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    assert_eq!(findings.len(), 2, "{}", stdout(&output));
    assert_eq!(findings[0]["rule"], "personal-data.phone");
    assert_eq!(findings[0]["line"], 1);
    assert_eq!(findings[0]["column"], 6);
    assert_eq!(findings[1]["rule"], "claims.absolute");
    assert_eq!(findings[1]["severity"], "block");
    assert_eq!(
        (findings[1]["line"].clone(), findings[1]["column"].clone()),
        (2.into(), 8.into())
    );
    assert_eq!(findings[1]["words"], "klimanøytrale");
    let (start, end) = (
        findings[1]["start"].as_u64().unwrap() as usize,
        findings[1]["end"].as_u64().unwrap() as usize,
    );
    assert_eq!(&post[start..end], "klimanøytrale");
    assert!(
        findings[1]["message"]
            .as_str()
            .unwrap()
            .starts_with("This is a claim")
    );
}
