//! The RSS/Atom connector against a local server serving the publishers' real feeds.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use axum::Router;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use omdomme_connectors::rss::{self, Config, FeedConnector, opml_feeds};
use omdomme_connectors::runner::{self, Pacing, Sink};
use omdomme_connectors::{
    Batch, BuildContext, Connector, ConnectorError, ErrorKind, Http, RetryPolicy,
};
use omdomme_core::{Item, SourceHealth, SourceKey};

use crate::support::{fast_http, fixed_clock, fixture, serve};

const RSS: &str = "application/rss+xml; charset=utf-8";

fn context(http: Http) -> BuildContext {
    BuildContext {
        http,
        credential: None,
        watch: Vec::new(),
    }
}

fn feed(url: &str) -> FeedConnector {
    let mut config = Config::new("avis", url);
    config.full_text = false;
    FeedConnector::new(&config, &context(fast_http())).expect("valid config")
}

async fn poll(
    connector: &mut FeedConnector,
    cursor: Option<&str>,
) -> Result<Batch, ConnectorError> {
    connector.next_batch(cursor).await
}

/// A route answering each request with `answer(request number from 0, request headers)`.
fn route<F>(path: &str, answer: F) -> Router
where
    F: Fn(u32, &HeaderMap) -> Response + Send + Sync + 'static,
{
    let answer = Arc::new(answer);
    let calls = Arc::new(AtomicU32::new(0));
    Router::new().route(
        path,
        get(move |headers: HeaderMap| {
            let answer = answer.clone();
            let call = calls.fetch_add(1, Ordering::SeqCst);
            async move { answer(call, &headers) }
        }),
    )
}

fn ok(content_type: &'static str, body: impl Into<axum::body::Body>) -> Response {
    ([(header::CONTENT_TYPE, content_type)], body.into()).into_response()
}

/// The request headers a route saw, in order.
#[derive(Clone, Default)]
struct Seen(Arc<Mutex<Vec<HeaderMap>>>);

impl Seen {
    fn record(&self, headers: &HeaderMap) {
        self.0.lock().expect("lock").push(headers.clone());
    }

    fn header(&self, request: usize, name: header::HeaderName) -> Option<String> {
        let seen = self.0.lock().expect("lock");
        seen.get(request)?
            .get(name)
            .map(|v| v.to_str().expect("ascii").to_owned())
    }

    fn count(&self) -> usize {
        self.0.lock().expect("lock").len()
    }
}

#[tokio::test]
async fn reads_each_publishers_feed() {
    // (fixture, items with distinct ids, a title the feed carries)
    let feeds = [
        ("nrk_rss.xml", 100, "John Carew erkjenner straffskyld"),
        ("vg_rss.xml", 10, ""),
        (
            "tv2_rss.xml",
            20,
            "John Carew erkjenner grovt uaktsomt skattesvik",
        ),
        // 112 items, one link twice (the guid is "/a/" throughout, so the link is the id).
        ("dagbladet_rss.xml", 111, "Erkjenner delvis straffskyld"),
        ("dagavisen_rss.xml", 100, ""),
    ];
    for (file, expected, title) in feeds {
        let body = fixture(&format!("rss/{file}"));
        let base = serve(route("/feed", move |_, _| ok(RSS, body.clone()))).await;
        let mut connector = feed(&format!("{base}/feed"));
        let batch = poll(&mut connector, None).await.expect(file);
        assert!(batch.rejected.is_empty(), "{file}: {:?}", batch.rejected);
        assert!(batch.caught_up);
        assert_eq!(batch.items.len(), expected, "{file}");
        let first = &batch.items[0];
        assert_eq!(
            first.source,
            SourceKey::new(omdomme_core::SourceKind::Rss, "avis")
        );
        assert!(
            first.url.as_deref().is_some_and(|u| u.starts_with("http")),
            "{file}"
        );
        if !title.is_empty() {
            assert_eq!(first.title.as_deref(), Some(title), "{file}");
        }
    }
}

/// A feed server that honours `If-None-Match` or `If-Modified-Since` as a publisher's would.
fn conditional(body: String, validator: &'static str, seen: Seen) -> Router {
    let (name, value) = match validator {
        "etag" => (header::ETAG, "\"nrk-v1\""),
        _ => (header::LAST_MODIFIED, "Tue, 18 Oct 2022 07:40:00 GMT"),
    };
    route("/feed", move |_, headers| {
        seen.record(headers);
        let asked = match validator {
            "etag" => headers.get(header::IF_NONE_MATCH),
            _ => headers.get(header::IF_MODIFIED_SINCE),
        };
        if asked.is_some_and(|v| v == value) {
            return (StatusCode::NOT_MODIFIED, [(name.clone(), value)]).into_response();
        }
        (
            [(header::CONTENT_TYPE, RSS), (name.clone(), value)],
            body.clone(),
        )
            .into_response()
    })
}

#[tokio::test]
async fn conditional_get_with_etag_and_last_modified() {
    for (validator, header_sent, value) in [
        ("etag", header::IF_NONE_MATCH, "\"nrk-v1\""),
        (
            "last-modified",
            header::IF_MODIFIED_SINCE,
            "Tue, 18 Oct 2022 07:40:00 GMT",
        ),
    ] {
        let seen = Seen::default();
        let base = serve(conditional(
            fixture("rss/nrk_rss.xml"),
            validator,
            seen.clone(),
        ))
        .await;
        let mut connector = feed(&format!("{base}/feed"));
        let first = poll(&mut connector, None).await.expect("first poll");
        assert_eq!(first.items.len(), 100);
        let cursor = first.cursor.expect("a cursor");
        assert_eq!(seen.header(0, header_sent.clone()), None, "{validator}");

        let second = poll(&mut connector, Some(&cursor))
            .await
            .expect("second poll");
        assert_eq!(
            seen.header(1, header_sent),
            Some(value.to_owned()),
            "{validator}"
        );
        assert!(
            second.items.is_empty() && second.caught_up,
            "{validator}: 304 is caught up"
        );
        let kept = second.cursor.expect("the cursor stays");
        assert!(kept.contains(&value.replace('"', "\\\"")), "{kept}");
    }
}

/// VG's feed with one more item on top.
fn vg_with_a_new_item() -> String {
    let vg = fixture("rss/vg_rss.xml");
    let at = vg.find("<item>").expect("an item");
    let new_item = "<item><title>Ny sak</title><link>https://www.vg.no/nyheter/i/ny</link><guid>https://www.vg.no/nyheter/i/ny</guid><description>Siste nytt.</description><pubDate>Tue, 18 Oct 2022 08:00:00 GMT</pubDate></item>";
    format!("{}{new_item}{}", &vg[..at], &vg[at..])
}

#[tokio::test]
async fn a_feed_that_gains_one_item_yields_one_item() {
    // No validators at all: the server always answers 200, as many do.
    let updated = vg_with_a_new_item();
    let vg = fixture("rss/vg_rss.xml");
    let base = serve(route("/feed", move |call, _| {
        ok(
            RSS,
            if call == 0 {
                vg.clone()
            } else {
                updated.clone()
            },
        )
    }))
    .await;
    let mut connector = feed(&format!("{base}/feed"));
    let first = poll(&mut connector, None).await.expect("first");
    assert_eq!(first.items.len(), 10);
    let second = poll(&mut connector, first.cursor.as_deref())
        .await
        .expect("second");
    let ids: Vec<_> = second
        .items
        .iter()
        .map(|i| i.external_id.as_str())
        .collect();
    assert_eq!(ids, ["https://www.vg.no/nyheter/i/ny"]);
    let third = poll(&mut connector, second.cursor.as_deref())
        .await
        .expect("third");
    assert!(third.items.is_empty());
}

#[tokio::test]
async fn rate_limits_are_honoured() {
    let nrk = fixture("rss/nrk_rss.xml");
    let base = serve(route("/feed", move |call, _| {
        if call == 0 {
            (StatusCode::TOO_MANY_REQUESTS, [(header::RETRY_AFTER, "1")]).into_response()
        } else {
            ok(RSS, nrk.clone())
        }
    }))
    .await;
    let started = std::time::Instant::now();
    let batch = poll(&mut feed(&format!("{base}/feed")), None)
        .await
        .expect("after the wait");
    assert_eq!(batch.items.len(), 100);
    assert!(
        started.elapsed() >= Duration::from_millis(900),
        "waited Retry-After"
    );

    let base = serve(route("/feed", |_, _| {
        (
            StatusCode::TOO_MANY_REQUESTS,
            [(header::RETRY_AFTER, "900")],
        )
            .into_response()
    }))
    .await;
    let error = poll(&mut feed(&format!("{base}/feed")), None)
        .await
        .expect_err("too long");
    assert_eq!(error.kind, ErrorKind::RateLimited);
    assert_eq!(error.retry_after, Some(Duration::from_secs(900)));
    assert!(
        error.message.contains("/feed"),
        "names the feed: {}",
        error.message
    );
}

#[tokio::test]
async fn server_errors_then_success() {
    let tv2 = fixture("rss/tv2_rss.xml");
    let base = serve(route("/feed", move |call, _| {
        if call < 2 {
            StatusCode::SERVICE_UNAVAILABLE.into_response()
        } else {
            ok(RSS, tv2.clone())
        }
    }))
    .await;
    let batch = poll(&mut feed(&format!("{base}/feed")), None)
        .await
        .expect("third try");
    assert_eq!(batch.items.len(), 20);

    let base = serve(route("/feed", |_, _| {
        StatusCode::BAD_GATEWAY.into_response()
    }))
    .await;
    let error = poll(&mut feed(&format!("{base}/feed")), None)
        .await
        .expect_err("502");
    assert_eq!(error.kind, ErrorKind::Unavailable);
    assert!(error.message.contains("502"), "{}", error.message);
}

#[tokio::test]
async fn a_feed_that_never_answers_times_out() {
    let never = get(|| async {
        tokio::time::sleep(Duration::from_secs(5)).await;
        ok(RSS, "<rss/>")
    });
    let base = serve(Router::new().route("/feed", never)).await;
    let impatient = RetryPolicy {
        attempts: 2,
        timeout: Duration::from_millis(300),
        ..fast_http().policy().clone()
    };
    let http = Http::new(impatient, fixed_clock()).expect("client");
    let mut config = Config::new("treg", format!("{base}/feed"));
    config.full_text = false;
    let mut connector = FeedConnector::new(&config, &context(http)).expect("config");
    let error = poll(&mut connector, None).await.expect_err("timeout");
    assert_eq!(error.kind, ErrorKind::Unavailable);
    assert!(error.message.contains("timed out"), "{}", error.message);
}

async fn poll_body(body: Vec<u8>, content_type: &'static str) -> Result<Batch, ConnectorError> {
    let base = serve(route("/feed", move |_, _| ok(content_type, body.clone()))).await;
    poll(&mut feed(&format!("{base}/feed")), None).await
}

#[tokio::test]
async fn a_truncated_feed_yields_nothing_and_says_so() {
    let nrk = fixture("rss/nrk_rss.xml");
    let half = nrk.as_bytes()[..nrk.len() / 2].to_vec();
    let error = poll_body(half, RSS).await.expect_err("truncated");
    assert_eq!(error.kind, ErrorKind::BadPayload);
    assert!(
        error.message.contains("cut off") && error.message.contains("next poll"),
        "{}",
        error.message
    );

    let broken = nrk.replacen("</title>", "</titel>", 5).into_bytes();
    let error = poll_body(broken, RSS).await.expect_err("malformed");
    assert_eq!(error.kind, ErrorKind::BadPayload);
    assert!(error.message.contains("malformed XML"), "{}", error.message);
}

#[tokio::test]
async fn invalid_utf8_rejects_the_item_or_the_feed() {
    // One item's title broken: that item is rejected, the other nine kept.
    let vg = fixture("rss/vg_rss.xml");
    let at = vg.find("<item><title>").expect("item") + "<item><title>".len();
    let mut bytes = vg.into_bytes();
    bytes.insert(at, 0xff);
    let batch = poll_body(bytes, RSS).await.expect("the rest is kept");
    assert_eq!(batch.items.len(), 9);
    assert_eq!(batch.rejected.len(), 1);
    assert!(batch.rejected[0].contains("UTF-8"), "{:?}", batch.rejected);

    // Latin-1 without saying so: nothing readable, and the error says why.
    let latin = b"<rss><channel><item><guid>1</guid><title>bl\xe5</title></item><item><guid>2</guid><title>\xe6</title></item></channel></rss>".to_vec();
    let error = poll_body(latin, "application/xml")
        .await
        .expect_err("not UTF-8");
    assert_eq!(error.kind, ErrorKind::BadPayload);
    assert!(
        error.message.contains("not valid UTF-8"),
        "{}",
        error.message
    );
}

#[tokio::test]
async fn a_feed_in_latin_1_is_converted() {
    let tv2 = fixture("rss/tv2_rss.xml").replace("encoding=\"UTF-8\"", "encoding=\"ISO-8859-1\"");
    let latin: Vec<u8> = tv2
        .chars()
        .map(|c| u8::try_from(u32::from(c)).unwrap_or(b'?'))
        .collect();
    let batch = poll_body(latin, "application/rss+xml")
        .await
        .expect("converted");
    assert_eq!(batch.items.len(), 20);
    assert!(batch.rejected.is_empty(), "{:?}", batch.rejected);
    assert!(batch.items.iter().any(|i| i.text.contains('ø')));
}

#[tokio::test]
async fn an_html_page_instead_of_a_feed_names_the_feed() {
    let page = "<!DOCTYPE html><html><head><title>Avisa</title><link rel=\"alternate\" type=\"application/rss+xml\" href=\"/rss/siste\"></head><body>Forsiden</body></html>";
    let base = serve(route("/", move |_, _| ok("text/html; charset=utf-8", page))).await;
    let error = poll(&mut feed(&format!("{base}/")), None)
        .await
        .expect_err("html");
    assert_eq!(error.kind, ErrorKind::BadPayload);
    assert!(
        error.message.contains("HTML page") && error.message.contains(&format!("{base}/rss/siste")),
        "{}",
        error.message
    );
}

#[tokio::test]
async fn a_feed_over_the_size_limit_is_refused() {
    let huge = vec![b' '; omdomme_connectors::http::MAX_BODY_BYTES + 1];
    let error = poll_body(huge, RSS).await.expect_err("too large");
    assert_eq!(error.kind, ErrorKind::BadPayload);
    assert!(
        error.message.contains("larger than 16 MiB"),
        "{}",
        error.message
    );
}

/// A feed of teasers linking to article pages of each kind.
fn teaser_feed(base: &str) -> String {
    let item = |slug: &str, summary: &str| {
        format!(
            "<item><title>{slug}</title><link>{base}/{slug}</link><guid>{slug}</guid><description>{summary}</description><pubDate>Tue, 18 Oct 2022 07:17:00 GMT</pubDate></item>"
        )
    };
    let long = "Lang ingress. ".repeat(50);
    format!(
        "<rss version=\"2.0\"><channel><title>Teasere</title>{}{}{}{}{}{}</channel></rss>",
        item("artikkel", "Carew erkjenner."),
        item("stor", "For stor side."),
        item("treg", "Treg side."),
        item("pdf", "Ikke HTML."),
        item("lang", &long),
        item("tom", "Ingen brødtekst her."),
    )
}

#[tokio::test]
async fn full_text_from_the_article_and_summaries_kept_on_failure() {
    let article = "<html><head><meta property=\"og:description\" content=\"Ingress\"></head><body><header><nav>Meny</nav></header><article><header><h1>Carew</h1></header><p>Carew erkjenner.</p><p>Tidligere landslagsspiller John Carew erkjenner straffskyld for deler av tiltalen mot ham.</p><aside>Les også</aside></article><footer>Redaktør</footer></body></html>";
    let long_fetched = Arc::new(AtomicU32::new(0));
    let counter = long_fetched.clone();
    let app = Router::new()
        .route(
            "/artikkel",
            get(move || async move { ok("text/html; charset=utf-8", article) }),
        )
        .route(
            "/stor",
            get(|| async {
                let body = format!("<article>{}</article>", "<p>fyll</p>".repeat(10_000));
                ok("text/html", body)
            }),
        )
        .route(
            "/treg",
            get(|| async {
                tokio::time::sleep(Duration::from_secs(4)).await;
                ok("text/html", "<article>for sent</article>")
            }),
        )
        .route("/pdf", get(|| async { ok("application/pdf", "%PDF-1.7") }))
        .route(
            "/lang",
            get(move || {
                counter.fetch_add(1, Ordering::SeqCst);
                async { ok("text/html", "<article>x</article>") }
            }),
        )
        .route(
            "/tom",
            get(|| async { ok("text/html", "<div>ingenting</div>") }),
        );
    let base_cell: Arc<Mutex<String>> = Arc::default();
    let feed_base = base_cell.clone();
    let app = app.route(
        "/feed",
        get(move || {
            let base = feed_base.lock().expect("lock").clone();
            async move { ok(RSS, teaser_feed(&base)) }
        }),
    );
    let base = serve(app).await;
    *base_cell.lock().expect("lock") = base.clone();

    let mut config = Config::new("teasere", format!("{base}/feed"));
    config.full_text_max_bytes = Some(50_000);
    config.full_text_timeout_secs = Some(1);
    let mut connector = FeedConnector::new(&config, &context(fast_http())).expect("config");
    let batch = poll(&mut connector, None).await.expect("poll");
    let text: HashMap<_, _> = batch
        .items
        .iter()
        .map(|i| (i.external_id.as_str(), i.text.as_str()))
        .collect();
    assert_eq!(
        text["artikkel"],
        "Carew erkjenner.\nTidligere landslagsspiller John Carew erkjenner straffskyld for deler av tiltalen mot ham."
    );
    assert_eq!(text["stor"], "For stor side.");
    assert_eq!(text["treg"], "Treg side.");
    assert_eq!(text["pdf"], "Ikke HTML.");
    assert_eq!(text["tom"], "Ingen brødtekst her.");
    assert!(text["lang"].starts_with("Lang ingress."));
    assert_eq!(
        long_fetched.load(Ordering::SeqCst),
        0,
        "a long item needs no article"
    );

    let report = connector.last_poll();
    assert_eq!(report.full_text_fetched, 1);
    let failed = report.full_text_failed.join("\n");
    assert_eq!(report.full_text_failed.len(), 4, "{failed}");
    for (slug, why) in [
        ("stor", "larger than 50000 bytes"),
        ("treg", "timed out"),
        ("pdf", "not an HTML page (content type \"application/pdf\")"),
        ("tom", "no article text"),
    ] {
        assert!(
            report
                .full_text_failed
                .iter()
                .any(|f| f.starts_with(&format!("{base}/{slug}: ")) && f.contains(why)),
            "{slug}: {failed}"
        );
    }
}

#[tokio::test]
async fn a_long_feed_of_teasers_comes_in_batches_without_loss() {
    let items: String = (0..45)
        .map(|n| format!("<item><guid>{n}</guid><title>Sak {n}</title><link>http://127.0.0.1:9/{n}</link></item>"))
        .collect();
    let body = format!("<rss><channel>{items}</channel></rss>");
    let seen = Seen::default();
    let log = seen.clone();
    let base = serve(route("/feed", move |_, headers| {
        log.record(headers);
        (
            [(header::CONTENT_TYPE, RSS), (header::ETAG, "\"v1\"")],
            body.clone(),
        )
            .into_response()
    }))
    .await;
    // Full text on, with links nobody answers (port 9): each article fails fast.
    let mut connector = FeedConnector::new(
        &Config::new("mange", format!("{base}/feed")),
        &context(fast_http()),
    )
    .expect("config");
    let mut cursor: Option<String> = None;
    let mut got = Vec::new();
    for expected in [(20, false), (20, false), (5, true)] {
        let batch = poll(&mut connector, cursor.as_deref()).await.expect("poll");
        assert_eq!((batch.items.len(), batch.caught_up), expected);
        got.extend(batch.items.into_iter().map(|i| i.external_id));
        cursor = batch.cursor;
    }
    got.sort_by_key(|id| id.parse::<u32>().expect("number"));
    assert_eq!(got, (0..45).map(|n| n.to_string()).collect::<Vec<_>>());
    // Until the last batch, the ETag is held back so the server sends the whole feed again.
    assert_eq!(seen.header(1, header::IF_NONE_MATCH), None);
    assert_eq!(seen.header(2, header::IF_NONE_MATCH), None);
    assert!(cursor.expect("cursor").contains("v1"));

    // Items that carry their whole text need no article and come in one batch.
    let long = "Hele saken. ".repeat(50);
    let items: String = (0..45)
        .map(|n| format!("<item><guid>{n}</guid><link>http://127.0.0.1:9/{n}</link><description>{long}</description></item>"))
        .collect();
    let body = format!("<rss><channel>{items}</channel></rss>");
    let base = serve(route("/feed", move |_, _| ok(RSS, body.clone()))).await;
    let config = Config::new("hele", format!("{base}/feed"));
    let mut connector = FeedConnector::new(&config, &context(fast_http())).expect("config");
    let batch = poll(&mut connector, None).await.expect("poll");
    assert_eq!((batch.items.len(), batch.caught_up), (45, true));
    assert_eq!(connector.last_poll(), &rss::PollReport::default());
}

#[tokio::test]
async fn error_advice_for_each_status() {
    for (status, kind, says) in [
        (
            StatusCode::NOT_FOUND,
            ErrorKind::EndpointRetired,
            "no longer exists",
        ),
        (
            StatusCode::GONE,
            ErrorKind::EndpointRetired,
            "find the site's new feed URL",
        ),
        (
            StatusCode::UNAUTHORIZED,
            ErrorKind::AccountSuspended,
            "paywall",
        ),
        (
            StatusCode::FORBIDDEN,
            ErrorKind::AccountSuspended,
            "blocks feed readers",
        ),
    ] {
        let base = serve(route("/feed", move |_, _| status.into_response())).await;
        let error = poll(&mut feed(&format!("{base}/feed")), None)
            .await
            .expect_err("error");
        assert_eq!(error.kind, kind, "{status}");
        assert!(error.message.contains(says), "{status}: {}", error.message);
        assert!(
            error.message.contains(&format!("{base}/feed")),
            "{}",
            error.message
        );
    }
}

#[tokio::test]
async fn a_redirect_loop_is_an_error() {
    let app = route("/a", |_, _| {
        (StatusCode::FOUND, [(header::LOCATION, "/b")]).into_response()
    })
    .merge(route("/b", |_, _| {
        (StatusCode::MOVED_PERMANENTLY, [(header::LOCATION, "/a")]).into_response()
    }));
    let base = serve(app).await;
    let error = poll(&mut feed(&format!("{base}/a")), None)
        .await
        .expect_err("loop");
    assert_eq!(error.kind, ErrorKind::BadPayload);
    assert!(
        error.message.contains("redirects in a loop")
            && error
                .message
                .contains(&format!("{base}/a → {base}/b → {base}/a")),
        "{}",
        error.message
    );
}

#[tokio::test]
async fn a_moved_feed_is_followed_and_noted() {
    let old_hits = Arc::new(AtomicU32::new(0));
    let hits = old_hits.clone();
    let dagbladet = fixture("rss/dagbladet_rss.xml");
    let app = route("/gammel", move |_, _| {
        hits.fetch_add(1, Ordering::SeqCst);
        (StatusCode::MOVED_PERMANENTLY, [(header::LOCATION, "/ny")]).into_response()
    })
    .merge(route("/midlertidig", |_, _| {
        (StatusCode::TEMPORARY_REDIRECT, [(header::LOCATION, "/ny")]).into_response()
    }))
    .merge(route("/ny", move |_, _| ok(RSS, dagbladet.clone())));
    let base = serve(app).await;

    let mut connector = feed(&format!("{base}/gammel"));
    let first = poll(&mut connector, None).await.expect("followed");
    assert_eq!(first.items.len(), 111);
    let note = connector.last_poll().notes.join("\n");
    assert!(
        note.contains(&format!("moved permanently to {base}/ny")) && note.contains("update `url`"),
        "{note}"
    );
    // The next poll goes to the new address directly, and still says so.
    let second = poll(&mut connector, first.cursor.as_deref())
        .await
        .expect("second");
    assert!(second.items.is_empty());
    assert_eq!(old_hits.load(Ordering::SeqCst), 1);
    assert_eq!(connector.last_poll().notes.len(), 1);

    // A temporary redirect is followed without a note.
    let mut connector = feed(&format!("{base}/midlertidig"));
    let batch = poll(&mut connector, None).await.expect("followed");
    assert_eq!(batch.items.len(), 111);
    assert!(connector.last_poll().notes.is_empty());
}

#[test]
fn opml_with_nested_outlines_and_duplicates() {
    let opml = r#"<?xml version="1.0" encoding="UTF-8"?>
<opml version="2.0"><head><title>Abonnementer</title></head><body>
  <outline text="Nyheter">
    <outline type="rss" text="NRK toppsaker" title="NRK" xmlUrl="https://www.nrk.no/toppsaker.rss" htmlUrl="https://www.nrk.no"/>
    <outline text="Riks"><outline type="rss" text="VG siste" xmlUrl="https://www.vg.no/rss/feed/"/></outline>
  </outline>
  <outline text="Økonomi">
    <outline type="rss" title="NRK" xmlUrl="https://WWW.NRK.NO:443/toppsaker.rss"/>
    <outline type="atom" xmlUrl="https://blogg.example.no/atom.xml"/>
    <outline type="rss" title="Nyheter" xmlUrl="https://e24.no/rss"/>
    <outline type="RSS" title="Nyheter" xmlUrl="https://www.dn.no/rss"/>
    <outline type="link" text="Ikke en feed" url="https://example.no"/>
    <outline type="rss" title="Gammel" xmlUrl="feed://example.no/rss"/>
  </outline>
</body></opml>"#;
    let feeds = opml_feeds(opml).expect("opml");
    let found: Vec<_> = feeds
        .iter()
        .map(|f| (f.name.as_str(), f.url.as_str()))
        .collect();
    assert_eq!(
        found,
        [
            ("NRK", "https://www.nrk.no/toppsaker.rss"),
            ("VG siste", "https://www.vg.no/rss/feed/"),
            ("blogg.example.no", "https://blogg.example.no/atom.xml"),
            ("Nyheter (e24.no)", "https://e24.no/rss"),
            ("Nyheter (dn.no)", "https://www.dn.no/rss"),
            ("Gammel", "feed://example.no/rss"),
        ]
    );
    assert!(
        feeds[..5]
            .iter()
            .all(|f| f.problems().is_empty() && f.full_text)
    );
    assert!(
        feeds[5].problems()[0].starts_with("url: "),
        "{:?}",
        feeds[5].problems()
    );
}

#[test]
fn opml_errors_say_what_is_wrong() {
    let cases = [
        (
            fixture("rss/vg_rss.xml"),
            "not an OPML file: the document starts with <rss>",
        ),
        (
            "<html><body>hei</body></html>".to_owned(),
            "not an OPML file",
        ),
        (String::new(), "no <opml> element"),
        (
            "<opml><body><outline text=\"a\"/></body></opml>".to_owned(),
            "lists no feeds",
        ),
        (
            "<opml><body><outline xmlUrl=\"https://a.no\"></body></opml>".to_owned(),
            "not well-formed XML",
        ),
    ];
    for (input, says) in cases {
        let error = opml_feeds(&input).expect_err(says);
        assert_eq!(error.kind, ErrorKind::Config);
        assert!(error.message.contains(says), "{says}: {}", error.message);
    }
}

#[test]
fn config_from_toml_and_its_problems() {
    let spec: omdomme_connectors::SourceSpec = serde_json::from_value(serde_json::json!({
        "kind": "rss", "name": "nrk", "url": "https://www.nrk.no/toppsaker.rss",
        "interval_secs": 30, "full_text": false
    }))
    .expect("spec");
    let problems = spec.problems();
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert!(problems[0].starts_with("interval_secs: 30"), "{problems:?}");
    let unknown = serde_json::from_value::<Config>(serde_json::json!({
        "name": "nrk", "url": "https://www.nrk.no/", "intervall": 60
    }));
    assert!(unknown.is_err());
    let error = rss::connector(&Config::new("x", "ftp://a.no/rss"), &context(fast_http()))
        .err()
        .expect("refused");
    assert_eq!(error.kind, ErrorKind::Config);
    let default = FeedConnector::new(&Config::new("x", "https://a.no/rss"), &context(fast_http()))
        .expect("config");
    assert_eq!(default.interval(), rss::DEFAULT_INTERVAL);
}

/// A store in memory: items by id, one cursor, health.
#[derive(Default)]
struct MemorySink {
    items: Mutex<Vec<Item>>,
    cursor: Mutex<Option<String>>,
    health: Mutex<SourceHealth>,
    stores: AtomicU32,
}

#[async_trait]
impl Sink for MemorySink {
    async fn cursor(&self, _source: &SourceKey) -> Result<Option<String>, String> {
        Ok(self.cursor.lock().expect("lock").clone())
    }

    async fn store(
        &self,
        _source: &SourceKey,
        items: Vec<Item>,
        cursor: Option<&str>,
    ) -> Result<u64, String> {
        let mut stored = self.items.lock().expect("lock");
        let mut new = 0;
        for item in items {
            if !stored.iter().any(|s| s.external_id == item.external_id) {
                stored.push(item);
                new += 1;
            }
        }
        if let Some(cursor) = cursor {
            *self.cursor.lock().expect("lock") = Some(cursor.to_owned());
        }
        self.stores.fetch_add(1, Ordering::SeqCst);
        Ok(new)
    }

    async fn health(&self, _source: &SourceKey) -> Result<SourceHealth, String> {
        Ok(self.health.lock().expect("lock").clone())
    }

    async fn put_health(&self, _source: &SourceKey, health: &SourceHealth) -> Result<(), String> {
        *self.health.lock().expect("lock") = health.clone();
        Ok(())
    }
}

/// One round of the runner: runs until the sink has stored once more, then stops it.
async fn one_round(url: &str, sink: Arc<MemorySink>) {
    let mut config = Config::new("vg", url);
    config.full_text = false;
    let connector = rss::connector(&config, &context(fast_http())).expect("config");
    let before = sink.stores.load(Ordering::SeqCst);
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let sink_dyn: Arc<dyn Sink> = sink.clone();
    let running = tokio::spawn(runner::run(
        connector,
        sink_dyn,
        Pacing::default(),
        fixed_clock(),
        stopped,
    ));
    tokio::time::timeout(Duration::from_secs(10), async {
        while sink.stores.load(Ordering::SeqCst) == before {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    })
    .await
    .expect("the runner stored a batch");
    stop.send(true).expect("runner listening");
    running.await.expect("runner ends");
}

#[tokio::test]
async fn the_runner_commits_the_cursor_and_resumes_from_it() {
    let seen = Seen::default();
    let log = seen.clone();
    let vg = fixture("rss/vg_rss.xml");
    let updated = vg_with_a_new_item();
    let base = serve(route("/feed", move |call, headers| {
        log.record(headers);
        let (body, etag) = if call < 2 {
            (vg.clone(), "\"1\"")
        } else {
            (updated.clone(), "\"2\"")
        };
        if headers
            .get(header::IF_NONE_MATCH)
            .is_some_and(|v| v == etag)
        {
            return StatusCode::NOT_MODIFIED.into_response();
        }
        ([(header::CONTENT_TYPE, RSS), (header::ETAG, etag)], body).into_response()
    }))
    .await;
    let url = format!("{base}/feed");
    let sink = Arc::new(MemorySink::default());

    one_round(&url, sink.clone()).await;
    assert_eq!(sink.items.lock().expect("lock").len(), 10);
    assert!(
        sink.cursor
            .lock()
            .expect("lock")
            .as_deref()
            .is_some_and(|c| c.contains("\\\"1\\\""))
    );

    // A restart: a new runner reads the committed cursor; the feed has not changed.
    one_round(&url, sink.clone()).await;
    assert_eq!(
        seen.header(1, header::IF_NONE_MATCH).as_deref(),
        Some("\"1\"")
    );
    assert_eq!(sink.items.lock().expect("lock").len(), 10);

    // Then the feed gains one item: one new item is stored, nothing twice.
    one_round(&url, sink.clone()).await;
    assert_eq!(sink.items.lock().expect("lock").len(), 11);
    assert_eq!(seen.count(), 3);
    let health = sink.health.lock().expect("lock").clone();
    assert_eq!(health.items_total, 11);
    assert_eq!(health.failures_in_a_row, 0);
}
