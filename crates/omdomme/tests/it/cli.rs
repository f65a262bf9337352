//! The other subcommands, end to end.

use crate::support::{DEMO_LOGIN, Scratch};

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
    let add_leader = |password: &str| {
        scratch
            .command()
            .args([
                "user",
                "add",
                "--email",
                "Leder@Example.no",
                "--name",
                "Leder",
            ])
            .args(["--role", "leader"])
            .env("OMDOMME_PASSWORD", password)
            .output()
            .expect("run")
    };
    assert!(!add_leader("kort").status.success());
    let output = add_leader("et langt og godt passord");
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

/// `omdomme demo` serves on 127.0.0.1, prints the URL and a login, and the login works.
#[test]
fn demo_serves_and_its_printed_login_opens_the_api() {
    use std::io::{Read, Write};

    let scratch = Scratch::bare();
    let demo = scratch.serve_demo(500);
    let (address, password) = (&demo.address, &demo.password);

    let request = |raw: String| -> String {
        let mut stream = std::net::TcpStream::connect(address).expect("connect");
        stream.write_all(raw.as_bytes()).expect("send");
        let mut response = String::new();
        stream.read_to_string(&mut response).expect("read");
        response
    };
    let body = format!(r#"{{"email":"{DEMO_LOGIN}","password":"{password}"}}"#);
    let login = request(format!(
        "POST /api/session HTTP/1.1\r\nHost: {address}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    ));
    assert!(login.starts_with("HTTP/1.1 200"), "{login}");
    let cookie = login
        .lines()
        .find_map(|l| l.strip_prefix("set-cookie: "))
        .and_then(|c| c.split(';').next())
        .expect("a session cookie")
        .to_owned();
    let search = request(format!(
        "GET /api/search?q=leverand%C3%B8r&limit=1 HTTP/1.1\r\nHost: {address}\r\nCookie: {cookie}\r\nConnection: close\r\n\r\n"
    ));
    assert!(search.starts_with("HTTP/1.1 200"), "{search}");
    assert!(search.contains("\"synthetic\":true"), "{search}");
}

// == report (issue 7) ==
#[test]
fn report_writes_the_leadership_pdf_and_html_and_names_a_bad_period() {
    let scratch = Scratch::bare();
    scratch.ok(&["demo", "--items", "3000", "--no-serve"]);
    let pdf = scratch.path("report.pdf");
    let pdf_arg = pdf.to_str().unwrap();
    scratch.ok(&[
        "report",
        "--period",
        "last-month",
        "--lang",
        "nb",
        "--format",
        "pdf",
        "--out",
        pdf_arg,
    ]);
    assert!(std::fs::read(&pdf).unwrap().starts_with(b"%PDF-"));
    let html = scratch.path("report.html");
    let html_arg = html.to_str().unwrap();
    scratch.ok(&[
        "report",
        "--period",
        "last-week",
        "--lang",
        "en",
        "--format",
        "html",
        "--out",
        html_arg,
    ]);
    let text = std::fs::read_to_string(&html).unwrap();
    assert!(text.contains("Leadership report week"), "{text}");
    let refused = scratch.run(&[
        "report", "--period", "2026-W60", "--format", "pdf", "--out", pdf_arg,
    ]);
    assert!(!refused.status.success());
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(stderr.contains("2026 has no week 60"), "{stderr}");
}
