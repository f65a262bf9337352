//! The other subcommands, end to end.

use crate::support::Scratch;

#[test]
fn demo_without_serving_builds_a_labelled_synthetic_scenario_and_a_login() {
    let scratch = Scratch::bare();
    let out = scratch.ok(&["demo", "--items", "3000", "--no-serve"]);
    assert!(out.contains("SYNTHETIC"), "{out}");
    assert!(out.contains("demo@omdomme.example"), "{out}");
    let stats: serde_json::Value =
        serde_json::from_str(&scratch.ok(&["stats", "--json"])).expect("json");
    assert_eq!(stats["items"], 3000);
    assert_eq!(stats["indexed"], 3000);
    let listing = scratch.ok(&["stats"]);
    assert!(listing.contains("synthetic demo data"), "{listing}");
}

#[test]
fn demo_refuses_a_folder_it_did_not_make() {
    let scratch = Scratch::new();
    std::fs::create_dir_all(scratch.data_dir()).expect("mkdir");
    std::fs::write(scratch.data_dir().join("precious.txt"), "keep me").expect("write");
    let output = scratch.run(&["demo", "--items", "10", "--no-serve"]);
    assert!(!output.status.success());
    assert!(scratch.data_dir().join("precious.txt").exists());
}

#[test]
fn a_search_syntax_error_names_the_column() {
    let scratch = Scratch::new();
    let output = scratch.run(&["search", "klima AND (utslipp"]);
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("column 11"), "{stderr}");
}

#[test]
fn user_add_takes_the_password_from_the_environment_and_refuses_short_ones() {
    let scratch = Scratch::new();
    let output = scratch
        .command()
        .args([
            "user",
            "add",
            "--email",
            "Leder@Example.no",
            "--name",
            "Leder",
            "--role",
            "leader",
        ])
        .env("OMDOMME_PASSWORD", "kort")
        .output()
        .expect("run");
    assert!(!output.status.success());
    let output = scratch
        .command()
        .args([
            "user",
            "add",
            "--email",
            "Leder@Example.no",
            "--name",
            "Leder",
            "--role",
            "leader",
        ])
        .env("OMDOMME_PASSWORD", "et langt og godt passord")
        .output()
        .expect("run");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(String::from_utf8_lossy(&output.stdout).contains("leder@example.no"));
}

#[test]
fn reindex_with_enrich_keeps_every_item_searchable() {
    let scratch = Scratch::bare();
    scratch.ok(&["demo", "--items", "2000", "--no-serve"]);
    let before = scratch.ok(&["search", "klima", "--json", "--limit", "1"]);
    let out = scratch.ok(&["reindex", "--enrich"]);
    assert!(out.contains("indexed 2000 items"), "{out}");
    let after = scratch.ok(&["search", "klima", "--json", "--limit", "1"]);
    let total =
        |s: &str| serde_json::from_str::<serde_json::Value>(s).expect("json")["total"].clone();
    assert_eq!(total(&before), total(&after));
}
