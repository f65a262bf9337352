//! `omdomme import`: every format from the real fixtures, idempotence, bad records, and a
//! SIGKILL part-way through.

use std::io::Write;
use std::time::{Duration, Instant};

use crate::support::{Scratch, fixture};

fn summary_count(summary: &str, what: &str) -> u64 {
    let at = summary
        .find(&format!("{what} "))
        .unwrap_or_else(|| panic!("no {what:?} in {summary}"));
    summary[at + what.len() + 1..]
        .split(|c: char| !c.is_ascii_digit())
        .next()
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no count after {what:?} in {summary}"))
}

#[test]
fn every_format_imports_its_fixture_and_a_second_import_changes_nothing() {
    let scratch = Scratch::new();
    let cases = [
        ("rss", "rss/nrk_rss.xml"),
        ("x-v2", "x/tweet_lookup_extended.json"),
        ("mastodon", "mastodon/status_entity_example.json"),
        ("bluesky", "bluesky/jetstream_v1_corpus.jsonl"),
        ("facebook", "facebook/pyfacebook_posts_feed_fields_p1.json"),
    ];
    for (format, file) in cases {
        let path = fixture(file);
        let path = path.to_str().expect("utf-8 path");
        let first = scratch.ok(&["import", path, "--format", format]);
        let new = summary_count(&first, "new");
        assert!(new > 0, "{format}: nothing new in {first}");
        let second = scratch.ok(&["import", path, "--format", format]);
        assert_eq!(summary_count(&second, "new"), 0, "{format}: {second}");
        assert_eq!(
            summary_count(&second, "unchanged"),
            new,
            "{format}: {second}"
        );
    }
    let stats = scratch.stats();
    assert_eq!(stats["items"], stats["indexed"], "{stats}");
}

#[test]
fn bad_records_are_reported_by_line_and_never_touch_what_is_stored() {
    let scratch = Scratch::new();
    let good = scratch.path("good.jsonl");
    std::fs::write(
        &good,
        concat!(
            r#"{"id":"a1","text":"Nordlys har flott kundeservice","published_at":"2026-10-01T10:00:00Z","likes":1}"#, "\n",
            r#"{"id":"a2","text":"Fjordmat svarer aldri på klager","published_at":"2026-10-01T11:00:00Z"}"#, "\n",
        ),
    )
    .expect("write");
    scratch.ok(&[
        "import",
        good.to_str().expect("path"),
        "--format",
        "jsonl",
        "--source",
        "feed",
    ]);
    let before = scratch.ok(&["search", "--json", "--order", "oldest"]);

    let bad = scratch.path("bad.jsonl");
    let mut file = std::fs::File::create(&bad).expect("create");
    file.write_all(br#"{"id":"a1","published_at":"2026-10-01T10:00:00Z"}"#)
        .expect("w");
    file.write_all(b"\n{\"id\": \"a2\", \"text\": \"broken\n")
        .expect("w");
    file.write_all(b"{\"id\":\"a3\",\"text\":\"bad \xff\xfe bytes\",\"published_at\":\"2026-10-01T12:00:00Z\"}\n").expect("w");
    file.write_all(br#"{"id":"a4","text":"ok","published_at":"yesterday"}"#)
        .expect("w");
    file.write_all(b"\n").expect("w");
    drop(file);
    let summary = scratch.ok(&[
        "import",
        bad.to_str().expect("path"),
        "--format",
        "jsonl",
        "--source",
        "feed",
    ]);
    assert_eq!(summary_count(&summary, "rejected"), 4, "{summary}");
    assert_eq!(summary_count(&summary, "new"), 0, "{summary}");
    for line in ["line 1", "line 2", "line 3", "line 4"] {
        assert!(summary.contains(line), "{line} missing from {summary}");
    }
    assert_eq!(
        scratch.ok(&["search", "--json", "--order", "oldest"]),
        before
    );
}

#[test]
fn an_unknown_format_is_refused_with_the_valid_ones() {
    let scratch = Scratch::new();
    let output = scratch.run(&["import", "x.txt", "--format", "yaml"]);
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("jsonl") && stderr.contains("mastodon"),
        "{stderr}"
    );
}

/// A big import killed with SIGKILL part-way, then run again, leaves exactly the items of
/// one clean run, and the index agrees with the store.
#[test]
fn an_import_killed_part_way_and_run_again_equals_one_clean_run() {
    const LINES: usize = 60_000;
    let scratch = Scratch::new();
    let input = scratch.path("big.jsonl");
    let mut out = std::io::BufWriter::new(std::fs::File::create(&input).expect("create"));
    for n in 0..LINES {
        // Every 1,000th id repeats an earlier one: duplicates must not be stored twice.
        let id = if n % 1000 == 999 { n - 500 } else { n };
        writeln!(
            out,
            r#"{{"id":"p{id}","text":"Innlegg {n} om Nordlys og klima, utslipp og leverandører","published_at":"2026-09-{:02}T{:02}:00:00Z","likes":{n}}}"#,
            1 + n % 28,
            n % 24
        )
        .expect("write");
    }
    out.flush().expect("flush");
    drop(out);
    let input = input.to_str().expect("path");

    let mut child = scratch
        .command()
        .args(["import", input, "--format", "jsonl", "--source", "big"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("spawn");
    let wal = scratch.data_dir().join("omdomme.sqlite3-wal");
    let deadline = Instant::now() + Duration::from_secs(120);
    // Kill once the store has taken writes but (very likely) before the run is done.
    loop {
        let written = std::fs::metadata(&wal).map(|m| m.len()).unwrap_or(0);
        if written > 256 * 1024 || Instant::now() > deadline {
            break;
        }
        if child.try_wait().expect("poll").is_some() {
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    child.kill().expect("SIGKILL");
    child.wait().expect("reap");

    scratch.ok(&["import", input, "--format", "jsonl", "--source", "big"]);
    let killed = scratch.stats();

    let clean = Scratch::new();
    clean.ok(&["import", input, "--format", "jsonl", "--source", "big"]);
    let expected = clean.stats();
    let unique = LINES - LINES / 1000;
    assert_eq!(expected["items"], unique as u64);
    assert_eq!(killed["items"], expected["items"]);
    assert_eq!(killed["indexed"], killed["items"]);
    for query in ["klima", "\"innlegg 59998\"", "leverandører"] {
        let a: serde_json::Value =
            serde_json::from_str(&scratch.ok(&["search", query, "--json", "--limit", "1"]))
                .expect("json");
        let b: serde_json::Value =
            serde_json::from_str(&clean.ok(&["search", query, "--json", "--limit", "1"]))
                .expect("json");
        assert_eq!(a["total"], b["total"], "{query}");
    }
}
