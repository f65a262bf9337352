//! `omdomme sources` through the built binary: the key, a credential from standard input,
//! the listing, config sync, and the webhook of `omdomme serve` opening the sealed secret.

use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Output, Stdio};

use serde_json::Value;

use crate::support::{CONFIG, Scratch};

const CRM: &str = r#"
[[workspaces.sources]]
kind = "webhook"
name = "crm"
auth = "token"
"#;

const PAUSED: &str = r#"
[[workspaces.sources]]
kind = "webhook"
name = "paused"
auth = "hmac"
enabled = false
"#;

const SECRET: &str = "tok-3f9a-never-printed";

fn scratch() -> Scratch {
    Scratch::with_config(&format!("{CONFIG}{CRM}{PAUSED}"))
}

fn text(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// Runs `args` with `key` as OMDOMME_SECRET_KEY (or none) and `input` on standard input.
fn run_keyed(scratch: &Scratch, key: Option<&str>, args: &[&str], input: &str) -> Output {
    let mut command = scratch.command();
    command.env_remove("OMDOMME_SECRET_KEY");
    if let Some(key) = key {
        command.env("OMDOMME_SECRET_KEY", key);
    }
    let mut child = command
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    // A child that exits before reading (a refusal) closes the pipe: that is fine.
    let _ = stdin.write_all(input.as_bytes());
    drop(stdin);
    child.wait_with_output().unwrap()
}

fn listing(scratch: &Scratch) -> Vec<Value> {
    let json = scratch.ok(&["sources", "list", "--json"]);
    assert!(!json.contains(SECRET), "{json}");
    serde_json::from_str::<Value>(&json)
        .unwrap()
        .as_array()
        .unwrap()
        .clone()
}

#[test]
fn a_credential_is_read_from_stdin_sealed_and_never_shown() {
    let scratch = scratch();
    let key = scratch.ok(&["sources", "key"]).trim().to_owned();
    assert_eq!(key.len(), 44, "base64 of 32 bytes: {key}");
    assert_ne!(
        key,
        scratch.ok(&["sources", "key"]).trim(),
        "a fresh key each time"
    );

    let args = ["sources", "credential", "set", "test", "webhook:crm"];
    let refused = run_keyed(&scratch, None, &args, SECRET);
    assert!(!refused.status.success());
    assert!(
        text(&refused).contains("OMDOMME_SECRET_KEY is not set"),
        "{}",
        text(&refused)
    );
    assert!(
        text(&refused).contains("omdomme sources key"),
        "{}",
        text(&refused)
    );
    let refused = run_keyed(&scratch, Some("not a key"), &args, SECRET);
    assert!(
        text(&refused).contains("base64 of 32 random bytes"),
        "{}",
        text(&refused)
    );
    for (source, needle) in [
        ("webhook:nope", "has no source webhook:nope"),
        ("crm", "<kind>:<name>"),
        ("tiktok:crm", "unknown kind"),
    ] {
        let refused = run_keyed(
            &scratch,
            Some(&key),
            &["sources", "credential", "set", "test", source],
            SECRET,
        );
        assert!(!refused.status.success());
        assert!(
            text(&refused).contains(needle),
            "{source}: {}",
            text(&refused)
        );
    }
    let empty = run_keyed(&scratch, Some(&key), &args, "\n");
    assert!(text(&empty).contains("no credential"), "{}", text(&empty));

    let stored = run_keyed(&scratch, Some(&key), &args, &format!("{SECRET}\n"));
    assert!(stored.status.success(), "{}", text(&stored));
    assert!(!text(&stored).contains(SECRET), "{}", text(&stored));

    let sources = listing(&scratch);
    assert_eq!(sources.len(), 2, "{sources:?}");
    let crm = &sources[0];
    assert_eq!(
        (crm["name"].as_str(), crm["has_credential"].as_bool()),
        (Some("crm"), Some(true))
    );
    assert_eq!(crm["status"], "new");
    assert_eq!(crm["origin"], "config");
    assert_eq!(sources[1]["enabled"], false);
    let human = scratch.ok(&["sources"]);
    assert!(
        human.contains("test/webhook:crm  new  (config source, credential set)"),
        "{human}"
    );
    assert!(
        human.contains("test/webhook:paused  new, disabled"),
        "{human}"
    );
    assert!(!human.contains(SECRET));

    // A source taken out of the config file is gone at the next start.
    std::fs::write(scratch.path("omdomme.toml"), format!("{CONFIG}{CRM}")).unwrap();
    let sources = listing(&scratch);
    assert_eq!(sources.len(), 1, "{sources:?}");
    assert_eq!(
        sources[0]["has_credential"], true,
        "the kept source keeps its credential"
    );

    // Nothing to collect: the only source is a webhook.
    let collect = run_keyed(&scratch, Some(&key), &["collect"], "");
    assert!(!collect.status.success());
    assert!(
        text(&collect).contains("no source to collect from"),
        "{}",
        text(&collect)
    );
}

/// The webhook of a running server opens the credential the CLI sealed.
#[test]
fn serve_takes_pushed_items_with_the_token_set_from_the_cli() {
    let scratch = scratch();
    let key = scratch.ok(&["sources", "key"]).trim().to_owned();
    let stored = run_keyed(
        &scratch,
        Some(&key),
        &["sources", "credential", "set", "test", "webhook:crm"],
        SECRET,
    );
    assert!(stored.status.success(), "{}", text(&stored));

    let mut child = scratch
        .command()
        .env("OMDOMME_SECRET_KEY", &key)
        .args(["serve", "--listen", "127.0.0.1:0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let address = lines
        .by_ref()
        .map(|line| line.unwrap())
        .find_map(|line| {
            line.split("http://")
                .nth(1)
                .map(|a| a.trim_end_matches('/').to_owned())
        })
        .expect("the address was printed");
    let push = |token: &str| -> String {
        let body = r#"{"id": "crm-1", "text": "Kunden spør om fakturaen", "published_at": "2026-03-02T08:00:00Z"}"#;
        let mut stream = std::net::TcpStream::connect(&address).unwrap();
        write!(
            stream,
            "POST /api/ingest HTTP/1.1\r\nHost: {address}\r\nContent-Type: application/json\r\nX-Omdomme-Source: test/crm\r\nAuthorization: Bearer {token}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        )
        .unwrap();
        let mut response = String::new();
        stream.read_to_string(&mut response).unwrap();
        response
    };
    let refused = push("wrong");
    assert!(refused.starts_with("HTTP/1.1 401"), "{refused}");
    let accepted = push(SECRET);
    assert!(accepted.starts_with("HTTP/1.1 200"), "{accepted}");
    assert!(accepted.contains(r#""new":1"#), "{accepted}");
    child.kill().unwrap();
    child.wait().unwrap();

    let sources = listing(&scratch);
    assert_eq!(sources[0]["items_total"], 1, "{sources:?}");
    assert_eq!(sources[0]["status"], "ok");
    assert_eq!(scratch.stats()["items"], 1);
}
