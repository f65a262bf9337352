//! `omdomme poll SOURCE` and `omdomme sources import-opml` through the built binary, against
//! a local server serving a real feed from the fixtures.

use std::net::TcpListener;

use axum::Router;
use axum::routing::get;

use crate::support::{CONFIG, Scratch, fixture};

/// Serves the NRK feed fixture at `/nrk.rss` on a thread of its own; returns its address.
fn serve_feed() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let address = listener.local_addr().unwrap();
    let feed = std::fs::read_to_string(fixture("rss/nrk_rss.xml")).unwrap();
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async move {
            let router = Router::new().route(
                "/nrk.rss",
                get(move || {
                    let feed = feed.clone();
                    async move { ([("content-type", "application/rss+xml")], feed) }
                }),
            );
            let listener = tokio::net::TcpListener::from_std(listener).unwrap();
            axum::serve(listener, router).await.ok();
        });
    });
    format!("http://{address}")
}

#[test]
fn one_round_stores_a_feed_once() {
    let base = serve_feed();
    let scratch = Scratch::with_config(&format!(
        "{CONFIG}\n[[workspaces.sources]]\nkind = \"rss\"\nname = \"nrk\"\nurl = \"{base}/nrk.rss\"\nfull_text = false\n"
    ));
    let first = scratch.ok(&["poll", "rss:nrk"]);
    let fetched: u64 = first
        .split("rss:nrk: ")
        .nth(1)
        .and_then(|rest| rest.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no count in {first:?}"));
    assert!(fetched > 10, "{first}");
    assert!(first.contains(&format!("{fetched} new")), "{first}");
    assert_eq!(scratch.stats()["items"], fetched);

    let second = scratch.ok(&["poll", "rss:nrk"]);
    assert!(
        second.contains("0 new"),
        "the cursor remembers what was stored: {second}"
    );
    assert_eq!(scratch.stats()["items"], fetched);
    let listing = scratch.ok(&["sources", "list", "--json"]);
    assert!(listing.contains("\"ok\""), "{listing}");

    let unknown = scratch.run(&["poll", "rss:nope"]);
    assert!(!unknown.status.success());
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("no source rss:nope"));
}

#[test]
fn opml_feeds_become_sources_and_problems_are_named() {
    let scratch = Scratch::new();
    let opml = scratch.path("feeds.opml");
    std::fs::write(
        &opml,
        r#"<?xml version="1.0"?>
<opml version="2.0"><head><title>Presse</title></head><body>
  <outline text="Norsk presse">
    <outline type="rss" text="NRK" xmlUrl="https://www.nrk.no/toppsaker.rss"/>
    <outline type="rss" text="VG" xmlUrl="https://www.vg.no/rss/feed/"/>
  </outline>
  <outline type="rss" text="Gopher" xmlUrl="gopher://example.org/feed"/>
</body></opml>"#,
    )
    .unwrap();
    let out = scratch.ok(&["sources", "import-opml", "test", opml.to_str().unwrap()]);
    assert!(
        out.contains("imported 2 feed(s) into test, skipped 1"),
        "{out}"
    );
    assert!(out.contains("skipped rss:Gopher"), "{out}");
    let listing = scratch.ok(&["sources", "list", "--json"]);
    assert!(
        listing.contains("rss") && listing.contains("NRK") && listing.contains("VG"),
        "{listing}"
    );

    let html = scratch.path("page.html");
    std::fs::write(&html, "<html><body>not a list of feeds</body></html>").unwrap();
    let refused = scratch.run(&["sources", "import-opml", "test", html.to_str().unwrap()]);
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("page.html"));
}
