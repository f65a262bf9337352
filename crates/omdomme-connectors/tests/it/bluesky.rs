//! The Bluesky connectors and channel: the Jetstream consumer against the replay server
//! serving real recorded events (`bluesky/jetstream_v1_corpus.jsonl`), search, threads and
//! posting against a local XRPC server.

use std::collections::HashSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use axum::Router;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::{get, post};
use omdomme_connectors::bluesky::replay::{self, Recording, ReplayOptions};
use omdomme_connectors::bluesky::{self, Config, Jetstream, Listen};
use omdomme_connectors::{Attachment, Connector, ConnectorError, ErrorKind, OutboundPost};
use serde_json::{Value, json};

use crate::support::{context, fixture, serve_recorded};

const QUERY: &str = "government OR election OR show";

/// The posts of the recording that [`QUERY`] matches (found by reading the texts).
fn expected_posts() -> Vec<String> {
    let mut uris: Vec<String> = [
        ("did:plc:d3blkgynnwi3rp7vak25pfe3", "3mptbyo7dms2m"),
        ("did:plc:u4lmvw4wwzaql3z5kcf3r7h4", "3mptbyou7ls2i"),
        ("did:plc:u4lmvw4wwzaql3z5kcf3r7h4", "3mptbyoumc22i"),
        ("did:plc:t2yw5frug3pu4nmygjiq7vln", "3mptbypky4c27"),
    ]
    .iter()
    .map(|(did, rkey)| format!("at://{did}/app.bsky.feed.post/{rkey}"))
    .collect();
    uris.sort();
    uris
}

fn recording() -> Arc<Recording> {
    Arc::new(Recording::parse(&fixture("bluesky/jetstream_v1_corpus.jsonl")).unwrap())
}

/// Serves the whole recording once on each connection, breaking off after `drop_after`.
async fn replaying(recording: &Arc<Recording>, drop_after: Option<u64>) -> replay::ReplayServer {
    let options = ReplayOptions {
        total: recording.len() as u64,
        drop_after,
    };
    replay::serve(recording.clone(), options).await.unwrap()
}

fn config(jetstream: &str) -> Config {
    Config {
        name: "firehose".into(),
        listen: Listen::Jetstream,
        jetstream: Some(jetstream.into()),
        appview: None,
        pds: None,
        handle: None,
        interval_secs: None,
    }
}

fn sorted_ids(items: &[omdomme_core::Item]) -> Vec<String> {
    let mut ids: Vec<String> = items.iter().map(|i| i.external_id.clone()).collect();
    ids.sort();
    ids
}

fn time_us(cursor: &str) -> i64 {
    serde_json::from_str::<Value>(cursor).unwrap()["time_us"]
        .as_i64()
        .unwrap()
}

#[tokio::test]
async fn jetstream_keeps_only_posts_a_watch_query_matches() {
    let recording = recording();
    let server = replaying(&recording, None).await;
    let error = Jetstream::new(&config(&server.url), &context(None, &[]))
        .err()
        .expect("no watch query");
    assert!(error.message.contains("watch query"), "{}", error.message);

    let mut consumer = Jetstream::new(&config(&server.url), &context(None, &[QUERY]))
        .unwrap()
        .with_batches(1_000, Duration::from_secs(2));
    let batch = consumer.next_batch(None).await.unwrap();
    assert_eq!(sorted_ids(&batch.items), expected_posts());
    assert!(batch.rejected.is_empty(), "{:?}", batch.rejected);
    assert_eq!(consumer.events_read(), 152);
    assert_eq!(
        time_us(batch.cursor.as_deref().unwrap()),
        1_783_175_888_403_568,
        "the newest time_us, though events came slightly out of order"
    );
    let item = batch
        .items
        .iter()
        .find(|i| i.external_id.ends_with("3mptbypky4c27"))
        .unwrap();
    assert_eq!(item.text, "My show is super boring");
    assert_eq!(item.author.handle, "did:plc:t2yw5frug3pu4nmygjiq7vln");
    assert_eq!(item.source.name, "firehose");

    let request = &server.requests()[0];
    assert!(request.starts_with("/subscribe?"), "{request}");
    assert!(
        request.contains("wantedCollections=app.bsky.feed.post"),
        "{request}"
    );
    assert!(
        !request.contains("cursor="),
        "live from now on a first run: {request}"
    );

    // The declared language counts for lang: filters.
    let mut english = Jetstream::new(
        &config(&server.url),
        &context(None, &["show lang:en", "election lang:nb"]),
    )
    .unwrap()
    .with_batches(1_000, Duration::from_secs(2));
    let batch = english.next_batch(None).await.unwrap();
    assert_eq!(
        sorted_ids(&batch.items),
        ["at://did:plc:t2yw5frug3pu4nmygjiq7vln/app.bsky.feed.post/3mptbypky4c27"]
    );
}

#[tokio::test]
async fn jetstream_resumes_after_drops_with_no_loss_and_no_repeats() {
    let recording = recording();
    let server = replaying(&recording, Some(40)).await;
    let rewind = Duration::from_millis(50);
    let mut consumer = Jetstream::new(&config(&server.url), &context(None, &[QUERY]))
        .unwrap()
        .with_batches(25, Duration::from_secs(2))
        .with_rewind(rewind);
    let mut handed = Vec::new();
    let mut committed: Option<String> = None;
    let mut commits = HashSet::new();
    // Well past the end: the last connections only repeat the rewound seconds.
    for _ in 0..40 {
        let batch = consumer.next_batch(committed.as_deref()).await.unwrap();
        assert!(batch.rejected.is_empty(), "{:?}", batch.rejected);
        handed.extend(batch.items.iter().map(|i| i.external_id.clone()));
        // Stored: the runner commits the batch's cursor.
        committed = batch.cursor.or(committed);
        commits.extend(committed.as_deref().map(time_us));
    }
    assert_eq!(
        committed.as_deref().map(time_us),
        Some(1_783_175_888_403_568)
    );
    handed.sort();
    assert_eq!(handed, expected_posts(), "every matching post exactly once");
    let requests = server.requests();
    assert!(
        requests.len() >= 4,
        "the stream dropped and was resumed: {requests:?}"
    );
    for request in &requests[1..] {
        let cursor: i64 = request
            .split("cursor=")
            .nth(1)
            .expect("resumed with a cursor")
            .parse()
            .unwrap();
        assert!(
            commits.contains(&(cursor + 50_000)),
            "resumed 50 ms before a committed cursor: {request}"
        );
    }
}

#[tokio::test]
async fn a_batch_that_was_not_stored_is_read_again() {
    let recording = recording();
    let server = replaying(&recording, None).await;
    let mut consumer = Jetstream::new(&config(&server.url), &context(None, &[QUERY]))
        .unwrap()
        .with_batches(100, Duration::from_secs(2))
        .with_rewind(Duration::from_millis(50));
    let first = consumer.next_batch(None).await.unwrap();
    assert_eq!(first.items.len(), 4, "the first 100 events hold all four");
    // Storing failed: the runner calls again with the same (no) cursor.
    let again = consumer.next_batch(None).await.unwrap();
    assert_eq!(sorted_ids(&again.items), sorted_ids(&first.items));
    let requests = server.requests();
    assert_eq!(requests.len(), 2);
    assert!(
        requests[1].contains("cursor=1783175888085434"),
        "from the failed batch's oldest event: {}",
        requests[1]
    );
    // Stored this time: what follows holds nothing twice.
    let rest = consumer.next_batch(again.cursor.as_deref()).await.unwrap();
    assert!(rest.items.is_empty(), "{:?}", sorted_ids(&rest.items));
}

#[tokio::test]
async fn malformed_events_are_rejected_and_the_stream_goes_on() {
    let corpus = fixture("bluesky/jetstream_v1_corpus.jsonl");
    let mut lines: Vec<&str> = corpus.lines().collect();
    let no_date = r#"{"did":"did:plc:bad","time_us":1783175888100000,"kind":"commit","commit":{"rev":"r","operation":"create","collection":"app.bsky.feed.post","rkey":"3bad","record":{"$type":"app.bsky.feed.post","text":"election day"},"cid":"c"}}"#;
    let not_a_post = r#"{"did":"did:plc:bad","time_us":1783175888100001,"kind":"commit","commit":{"rev":"r","operation":"create","collection":"app.bsky.feed.post","rkey":"3bae","record":{"text":7},"cid":"c"}}"#;
    let truncated =
        r#"{"did":"did:plc:cut","time_us":1783175888100002,"kind":"commit","commit":{"rev""#;
    lines.splice(10..10, [no_date, not_a_post, truncated, "not json at all"]);
    let recording = Arc::new(Recording::parse(&lines.join("\n")).unwrap());
    let server = replaying(&recording, None).await;
    let mut consumer = Jetstream::new(&config(&server.url), &context(None, &[QUERY]))
        .unwrap()
        .with_batches(1_000, Duration::from_secs(2));
    let batch = consumer.next_batch(None).await.unwrap();
    assert_eq!(sorted_ids(&batch.items), expected_posts());
    assert_eq!(batch.rejected.len(), 4, "{:#?}", batch.rejected);
    assert!(
        batch.rejected[0].contains("at://did:plc:bad/app.bsky.feed.post/3bad")
            && batch.rejected[0].contains("createdAt"),
        "{}",
        batch.rejected[0]
    );
    assert!(batch.rejected[1].contains("3bae"), "{}", batch.rejected[1]);
    assert!(
        batch.rejected[2].contains("not a Jetstream event"),
        "{}",
        batch.rejected[2]
    );
    assert!(
        batch.rejected[3].contains("not a Jetstream event"),
        "{}",
        batch.rejected[3]
    );
}

#[tokio::test]
async fn a_refused_or_retired_firehose_says_so() {
    let router = Router::new().route(
        "/limited",
        get(|| async {
            (
                StatusCode::TOO_MANY_REQUESTS,
                [("retry-after", "30")],
                "slow down",
            )
        }),
    );
    let (base, _) = serve_recorded(router).await;
    let ws = base.replace("http://", "ws://");
    let mut consumer =
        Jetstream::new(&config(&format!("{ws}/gone")), &context(None, &[QUERY])).unwrap();
    let error = consumer.next_batch(None).await.expect_err("404");
    assert_eq!(error.kind, ErrorKind::EndpointRetired);
    let mut consumer =
        Jetstream::new(&config(&format!("{ws}/limited")), &context(None, &[QUERY])).unwrap();
    let error = consumer.next_batch(None).await.expect_err("429");
    assert_eq!(error.kind, ErrorKind::RateLimited);
    assert_eq!(error.retry_after, Some(Duration::from_secs(30)));
}

/// The post views of the atproto test suite's thread snapshot.
fn thread_posts() -> Vec<Value> {
    let thread: Value =
        serde_json::from_str(&fixture("bluesky/getPostThread_atproto_test_snapshot.json")).unwrap();
    let mut posts = Vec::new();
    fn walk(node: &Value, posts: &mut Vec<Value>) {
        if let Some(post) = node.get("post") {
            posts.push(post.clone());
        }
        for reply in node["replies"].as_array().into_iter().flatten() {
            walk(reply, posts);
        }
    }
    walk(&thread["thread"], &mut posts);
    posts
}

fn session_reply() -> Value {
    json!({"accessJwt": "access-1", "refreshJwt": "refresh-1", "handle": "nordlys.bsky.social", "did": "did:plc:nordlys", "active": true})
}

#[tokio::test]
async fn search_pages_with_cursors_and_signs_in_when_the_appview_refuses() {
    let posts = thread_posts();
    let pages = {
        let posts = posts.clone();
        move |axum::extract::Query(params): axum::extract::Query<
            std::collections::HashMap<String, String>,
        >| {
            let posts = posts.clone();
            async move {
                match params.get("cursor").map(String::as_str) {
                    None => axum::Json(json!({"posts": posts[..2], "cursor": "page2"})),
                    Some("page2") => axum::Json(json!({"posts": posts[2..]})),
                    Some(_) => axum::Json(json!({"posts": []})),
                }
            }
        }
    };
    // The AppView refuses search without sign-in; the PDS serves it with a session whose
    // first access token has expired.
    let expired_once = Arc::new(AtomicU32::new(0));
    let router = Router::new()
        .route("/appview/xrpc/app.bsky.feed.searchPosts", get(|| async {
            (StatusCode::FORBIDDEN, axum::Json(json!({"error": "Forbidden", "message": "search requires auth"})))
        }))
        .route("/pds/xrpc/com.atproto.server.createSession", post(|| async { axum::Json(session_reply()) }))
        .route("/pds/xrpc/com.atproto.server.refreshSession", post(|| async {
            axum::Json(json!({"accessJwt": "access-2", "refreshJwt": "refresh-2", "handle": "nordlys.bsky.social", "did": "did:plc:nordlys"}))
        }))
        .route("/pds/xrpc/app.bsky.feed.searchPosts", get(move |headers: axum::http::HeaderMap, query: axum::extract::Query<std::collections::HashMap<String, String>>| {
            let expired_once = expired_once.clone();
            let pages = pages.clone();
            async move {
                if headers.get("authorization").and_then(|v| v.to_str().ok()) == Some("Bearer access-1")
                    && expired_once.fetch_add(1, Ordering::SeqCst) == 0
                {
                    return (StatusCode::BAD_REQUEST, axum::Json(json!({"error": "ExpiredToken", "message": "Token has expired"}))).into_response();
                }
                pages(query).await.into_response()
            }
        }));
    let (base, requests) = serve_recorded(router).await;
    let mut config = Config {
        name: "search".into(),
        listen: Listen::Search,
        jetstream: None,
        appview: Some(format!("{base}/appview")),
        pds: Some(format!("{base}/pds")),
        handle: None,
        interval_secs: Some(300),
    };
    let watch = ["again OR thanks"];
    let mut public = bluesky::connector(&config, &context(None, &watch)).unwrap();
    let error = public.next_batch(None).await.expect_err("refused");
    assert_eq!(error.kind, ErrorKind::ScopeMissing);
    assert!(error.message.contains("app password"), "{}", error.message);

    config.handle = Some("@nordlys.bsky.social".into());
    let mut signed_in =
        bluesky::connector(&config, &context(Some("app-pass-1234"), &watch)).unwrap();
    assert_eq!(signed_in.interval(), Duration::from_secs(300));
    let batch = signed_in.next_batch(None).await.unwrap();
    let texts: Vec<&str> = batch.items.iter().map(|i| i.text.as_str()).collect();
    assert_eq!(
        texts,
        ["again", "thanks bob"],
        "only what the watch query matches"
    );
    let cursor: Value = serde_json::from_str(batch.cursor.as_deref().unwrap()).unwrap();
    assert_eq!(
        cursor,
        json!({"again": "1970-01-01T00:00:00.000Z", "thanks": "1970-01-01T00:00:00.000Z"})
    );

    let session = &requests.to("/pds/xrpc/com.atproto.server.createSession")[0];
    assert_eq!(
        session.json(),
        json!({"identifier": "nordlys.bsky.social", "password": "app-pass-1234"})
    );
    let refresh = &requests.to("/pds/xrpc/com.atproto.server.refreshSession")[0];
    assert_eq!(refresh.header("authorization"), Some("Bearer refresh-1"));
    let searches = requests.to("/pds/xrpc/app.bsky.feed.searchPosts");
    assert_eq!(searches[0].header("authorization"), Some("Bearer access-1"));
    assert_eq!(
        searches[1].header("authorization"),
        Some("Bearer access-2"),
        "renewed and sent again"
    );
    assert_eq!(searches[1].params("q"), ["again"]);
    assert_eq!(searches[1].params("sort"), ["latest"]);
    assert_eq!(searches[2].params("cursor"), ["page2"]);
    assert_eq!(
        requests
            .to("/pds/xrpc/com.atproto.server.createSession")
            .len(),
        1
    );

    let next = signed_in.next_batch(batch.cursor.as_deref()).await.unwrap();
    let searches = requests.to("/pds/xrpc/app.bsky.feed.searchPosts");
    assert_eq!(
        searches.last().unwrap().params("since"),
        ["1970-01-01T00:00:00.000Z"]
    );
    assert!(next.caught_up);
}

#[tokio::test]
async fn a_thread_is_read_with_all_its_posts() {
    let thread = fixture("bluesky/getPostThread_atproto_test_snapshot.json");
    let router = Router::new().route(
        "/xrpc/app.bsky.feed.getPostThread",
        get(move || {
            let thread = thread.clone();
            async move { ([("content-type", "application/json")], thread) }
        }),
    );
    let (base, requests) = serve_recorded(router).await;
    let reader = bluesky::Reader::new(
        crate::support::fast_http(),
        format!("{base}/").parse().unwrap(),
        None,
    );
    let ctx = omdomme_sources::ImportContext {
        source_name: "firehose".into(),
        collected_at: jiff::Timestamp::UNIX_EPOCH,
    };
    let (items, rejected) = reader.thread("record(0)", &ctx).await.unwrap();
    assert!(rejected.is_empty(), "{rejected:?}");
    let texts: Vec<&str> = items.iter().map(|i| i.text.as_str()).collect();
    assert_eq!(texts, ["again", "of course", "hear that", "thanks bob"]);
    assert_eq!(items[0].engagement.likes, 3);
    assert_eq!(requests.all()[0].params("uri"), ["record(0)"]);
}

fn channel_config(base: &str) -> Config {
    Config {
        name: "account".into(),
        listen: Listen::Jetstream,
        jetstream: None,
        appview: Some(format!("{base}/appview")),
        pds: Some(format!("{base}/pds")),
        handle: Some("nordlys.bsky.social".into()),
        interval_secs: None,
    }
}

fn outbound(text: &str, attachments: Vec<Attachment>) -> OutboundPost {
    OutboundPost {
        text: text.into(),
        idempotency_key: "k-1".into(),
        attachments,
    }
}

const PARENT: &str = "at://did:plc:kari/app.bsky.feed.post/3kparent";

#[tokio::test]
async fn posting_replying_and_engagement_as_the_lexicons_describe() {
    let parent_view = json!({
        "uri": PARENT, "cid": "bafyparent",
        "author": {"did": "did:plc:kari", "handle": "kari.bsky.social"},
        "record": {"$type": "app.bsky.feed.post", "text": "Hva skjer med strømprisen?", "createdAt": "2026-07-04T10:00:00.000Z",
                   "reply": {"root": {"uri": "at://did:plc:ola/app.bsky.feed.post/3kroot", "cid": "bafyroot"},
                             "parent": {"uri": "at://did:plc:ola/app.bsky.feed.post/3kroot", "cid": "bafyroot"}}},
        "likeCount": 12, "repostCount": 3, "quoteCount": 1, "replyCount": 4,
        "indexedAt": "2026-07-04T10:00:01.000Z"
    });
    let router = Router::new()
        .route("/pds/xrpc/com.atproto.server.createSession", post(|| async { axum::Json(session_reply()) }))
        .route("/pds/xrpc/com.atproto.repo.uploadBlob", post(|| async {
            axum::Json(json!({"blob": {"$type": "blob", "ref": {"$link": "bafkreiblob"}, "mimeType": "image/jpeg", "size": 5}}))
        }))
        .route("/pds/xrpc/com.atproto.repo.createRecord", post(|| async {
            axum::Json(json!({"uri": "at://did:plc:nordlys/app.bsky.feed.post/3knew", "cid": "bafynew"}))
        }))
        .route(
            "/appview/xrpc/app.bsky.feed.getPosts",
            get(move || {
                let view = parent_view.clone();
                async move { axum::Json(json!({"posts": [view]})) }
            }),
        );
    let (base, requests) = serve_recorded(router).await;

    let error = bluesky::channel(&channel_config(&base), &context(None, &[]))
        .err()
        .expect("no password");
    assert!(error.message.contains("app password"), "{}", error.message);

    let channel =
        bluesky::channel(&channel_config(&base), &context(Some("app-pass"), &[])).unwrap();
    assert_eq!(channel.max_length(), 300);
    let image = Attachment {
        bytes: b"\xff\xd8jpeg".to_vec(),
        media_type: "image/jpeg".into(),
        alt_text: "Vindturbiner i solnedgang".into(),
    };
    let posted = channel
        .publish(&outbound(
            "Ny rapport: #klima https://nordlys.no/rapport",
            vec![image],
        ))
        .await
        .unwrap();
    assert_eq!(
        posted.external_id,
        "at://did:plc:nordlys/app.bsky.feed.post/3knew"
    );
    assert_eq!(
        posted.url.as_deref(),
        Some("https://bsky.app/profile/nordlys.bsky.social/post/3knew")
    );

    let upload = &requests.to("/pds/xrpc/com.atproto.repo.uploadBlob")[0];
    assert_eq!(upload.method, "POST");
    assert_eq!(upload.header("authorization"), Some("Bearer access-1"));
    assert_eq!(upload.header("content-type"), Some("image/jpeg"));
    assert_eq!(upload.body, b"\xff\xd8jpeg");
    let create = &requests.to("/pds/xrpc/com.atproto.repo.createRecord")[0];
    assert_eq!(create.header("authorization"), Some("Bearer access-1"));
    let body = create.json();
    assert_eq!(body["repo"], "did:plc:nordlys");
    assert_eq!(body["collection"], "app.bsky.feed.post");
    let record = &body["record"];
    assert_eq!(record["$type"], "app.bsky.feed.post");
    assert_eq!(
        record["text"],
        "Ny rapport: #klima https://nordlys.no/rapport"
    );
    assert_eq!(record["createdAt"], "2027-01-15T08:00:00Z");
    assert_eq!(record["embed"]["$type"], "app.bsky.embed.images");
    assert_eq!(
        record["embed"]["images"][0]["alt"],
        "Vindturbiner i solnedgang"
    );
    assert_eq!(
        record["embed"]["images"][0]["image"]["ref"]["$link"],
        "bafkreiblob"
    );
    assert_eq!(record["facets"][0]["features"][0]["tag"], "klima");
    assert_eq!(
        record["facets"][1]["features"][0]["uri"],
        "https://nordlys.no/rapport"
    );
    assert!(record.get("reply").is_none());

    channel
        .reply(PARENT, &outbound("Vi ser på det!", Vec::new()))
        .await
        .unwrap();
    let lookup = &requests.to("/appview/xrpc/app.bsky.feed.getPosts")[0];
    assert_eq!(lookup.params("uris"), [PARENT]);
    let reply = requests.to("/pds/xrpc/com.atproto.repo.createRecord")[1].json();
    assert_eq!(
        reply["record"]["reply"],
        json!({"root": {"uri": "at://did:plc:ola/app.bsky.feed.post/3kroot", "cid": "bafyroot"},
               "parent": {"uri": PARENT, "cid": "bafyparent"}})
    );
    assert_eq!(
        requests
            .to("/pds/xrpc/com.atproto.server.createSession")
            .len(),
        1,
        "one session"
    );

    let engagement = channel.engagement(PARENT).await.unwrap();
    assert_eq!(
        (engagement.likes, engagement.shares, engagement.replies),
        (12, 3 + 1, 4)
    );

    // 300 graphemes pass even when they are many more characters; 301 do not, and nothing is sent.
    let family = "👨‍👩‍👧".repeat(300);
    channel
        .publish(&outbound(&family, Vec::new()))
        .await
        .unwrap();
    let sent = requests.to("/pds/xrpc/com.atproto.repo.createRecord").len();
    let error = channel
        .publish(&outbound(&"å".repeat(301), Vec::new()))
        .await
        .expect_err("too long");
    assert_eq!(error.kind, ErrorKind::Config);
    assert!(
        error.message.contains("301") && error.message.contains("300"),
        "{}",
        error.message
    );
    assert_eq!(
        requests.to("/pds/xrpc/com.atproto.repo.createRecord").len(),
        sent
    );
}

/// A channel whose PDS answers `createSession` with `session`, and `createRecord` with `create`.
async fn post_failing(session: (StatusCode, Value), create: (StatusCode, Value)) -> ConnectorError {
    let router = Router::new()
        .route(
            "/pds/xrpc/com.atproto.server.createSession",
            post(move || {
                let (status, body) = session.clone();
                async move { (status, axum::Json(body)) }
            }),
        )
        .route(
            "/pds/xrpc/com.atproto.server.refreshSession",
            post(|| async { axum::Json(session_reply()) }),
        )
        .route(
            "/pds/xrpc/com.atproto.repo.createRecord",
            post(move || {
                let (status, body) = create.clone();
                async move {
                    let mut headers = axum::http::HeaderMap::new();
                    if status == StatusCode::TOO_MANY_REQUESTS {
                        headers.insert("ratelimit-remaining", "0".parse().unwrap());
                        headers.insert("ratelimit-reset", "600".parse().unwrap());
                    }
                    (status, headers, axum::Json(body))
                }
            }),
        );
    let (base, _) = serve_recorded(router).await;
    let channel =
        bluesky::channel(&channel_config(&base), &context(Some("app-pass"), &[])).unwrap();
    channel
        .publish(&outbound("hei", Vec::new()))
        .await
        .expect_err("an error")
}

#[tokio::test]
async fn each_error_says_what_to_do() {
    let ok = || (StatusCode::OK, session_reply());
    let created = || {
        (
            StatusCode::OK,
            json!({"uri": "at://x/app.bsky.feed.post/1", "cid": "c"}),
        )
    };
    let xrpc =
        |status, error: &str, message: &str| (status, json!({"error": error, "message": message}));
    // (what createSession answers, what createRecord answers, the kind, words the advice has)
    let cases = [
        (
            xrpc(
                StatusCode::UNAUTHORIZED,
                "AuthenticationRequired",
                "Invalid identifier or password",
            ),
            created(),
            ErrorKind::TokenExpired,
            vec!["nordlys.bsky.social", "App passwords"],
        ),
        (
            xrpc(
                StatusCode::BAD_REQUEST,
                "AccountTakedown",
                "Account has been taken down",
            ),
            created(),
            ErrorKind::AccountSuspended,
            vec!["taken down"],
        ),
        (
            (
                StatusCode::OK,
                json!({"accessJwt": "a", "refreshJwt": "r", "handle": "nordlys.bsky.social", "did": "did:plc:n", "active": false, "status": "suspended"}),
            ),
            created(),
            ErrorKind::AccountSuspended,
            vec!["suspended"],
        ),
        (
            ok(),
            xrpc(
                StatusCode::UNAUTHORIZED,
                "AuthMissing",
                "Authentication Required",
            ),
            ErrorKind::TokenExpired,
            vec!["handle"],
        ),
        (
            ok(),
            xrpc(
                StatusCode::NOT_IMPLEMENTED,
                "MethodNotImplemented",
                "Method Not Implemented",
            ),
            ErrorKind::EndpointRetired,
            vec!["retired"],
        ),
        (
            ok(),
            xrpc(
                StatusCode::TOO_MANY_REQUESTS,
                "RateLimitExceeded",
                "Rate Limit Exceeded",
            ),
            ErrorKind::RateLimited,
            vec!["429"],
        ),
        (
            ok(),
            xrpc(
                StatusCode::BAD_REQUEST,
                "InvalidRequest",
                "Record/text must not be longer than 300 graphemes",
            ),
            ErrorKind::BadPayload,
            vec!["300 graphemes"],
        ),
    ];
    for (session, create, kind, words) in cases {
        let limited = create.0 == StatusCode::TOO_MANY_REQUESTS;
        let error = post_failing(session, create).await;
        assert_eq!(error.kind, kind, "{}", error.message);
        for word in words {
            assert!(
                error.message.contains(word),
                "{word:?} in {}",
                error.message
            );
        }
        assert!(!error.message.contains("app-pass"), "never the password");
        if limited {
            assert_eq!(
                error.retry_after,
                Some(Duration::from_secs(600)),
                "the reset is returned, not slept"
            );
        }
    }
}

#[test]
fn config_problems_name_their_fields() {
    let config = Config {
        name: "b".into(),
        listen: Listen::Search,
        jetstream: Some("https://jetstream.example".into()),
        appview: Some("wss://appview.example".into()),
        pds: Some("not a url".into()),
        handle: Some("nordlys".into()),
        interval_secs: Some(0),
    };
    let problems = config.problems();
    for field in [
        "jetstream:",
        "appview:",
        "pds:",
        "handle:",
        "interval_secs:",
    ] {
        assert!(
            problems.iter().any(|p| p.starts_with(field)),
            "{field} in {problems:?}"
        );
    }
    let defaults: Config = serde_json::from_str(r#"{"name": "b"}"#).unwrap();
    assert!(defaults.problems().is_empty());
    assert_eq!(defaults.listen, Listen::Jetstream);
    let unique: HashSet<&str> = problems.iter().map(String::as_str).collect();
    assert_eq!(unique.len(), problems.len());
}

/// A post of ours as a `feedViewPost`, shaped like the fixture's post views.
fn own_feed_entry(rkey: &str, created_at: &str, text: &str) -> Value {
    let mut view = thread_posts()[0].clone();
    view["uri"] = json!(format!("at://did:plc:nordlys/app.bsky.feed.post/{rkey}"));
    view["author"]["did"] = json!("did:plc:nordlys");
    view["author"]["handle"] = json!("nordlys.bsky.social");
    view["record"]["createdAt"] = json!(created_at);
    view["record"]["text"] = json!(text);
    json!({"post": view})
}

#[tokio::test]
async fn a_post_whose_answer_never_came_is_found_in_the_accounts_author_feed() {
    let text = "Fra i dag går alle ferjene på strøm! nordlys.no/ferjer #klima";
    // A repost of someone else's post with the same words must not count as ours.
    let mut repost = own_feed_entry("3krepost", "2027-01-15T09:59:30.000Z", text);
    repost["reason"] = json!({"$type": "app.bsky.feed.defs#reasonRepost", "by": {"did": "did:plc:nordlys", "handle": "nordlys.bsky.social"}, "indexedAt": "2027-01-15T09:59:30.000Z"});
    let first_page = json!({"feed": [
        own_feed_entry("3klater", "2027-01-15T09:59:50.000Z", "Et senere innlegg"),
        repost,
    ], "cursor": "page-2"});
    let second_page = json!({"feed": [
        own_feed_entry("3kours", "2027-01-15T09:58:00.000Z", text),
        own_feed_entry("3kold", "2026-12-01T08:00:00.000Z", "Et gammelt innlegg"),
    ]});
    let router = Router::new()
        .route(
            "/pds/xrpc/com.atproto.server.createSession",
            post(|| async { axum::Json(session_reply()) }),
        )
        .route(
            "/appview/xrpc/app.bsky.feed.getAuthorFeed",
            get(
                move |query: axum::extract::Query<std::collections::HashMap<String, String>>| {
                    let page = if query.get("cursor").is_some() {
                        second_page.clone()
                    } else {
                        first_page.clone()
                    };
                    async move { axum::Json(page) }
                },
            ),
        );
    let (base, requests) = serve_recorded(router).await;
    let channel =
        bluesky::channel(&channel_config(&base), &context(Some("app-pass"), &[])).unwrap();
    let since: jiff::Timestamp = "2027-01-15T09:50:00Z".parse().unwrap();

    let found = channel
        .find_published(&outbound(text, Vec::new()), since)
        .await
        .unwrap();
    assert_eq!(
        found,
        Some(omdomme_connectors::Posted {
            external_id: "at://did:plc:nordlys/app.bsky.feed.post/3kours".into(),
            url: Some("https://bsky.app/profile/nordlys.bsky.social/post/3kours".into()),
        })
    );
    // The session names the account; its feed is public on the AppView.
    let pages = requests.to("/appview/xrpc/app.bsky.feed.getAuthorFeed");
    assert_eq!(pages.len(), 2);
    assert_eq!(pages[0].param("actor"), Some("did:plc:nordlys"));
    assert_eq!(pages[0].param("filter"), Some("posts_no_replies"));
    assert_eq!(pages[1].param("cursor"), Some("page-2"));

    let missing = outbound("Et innlegg som aldri kom fram", Vec::new());
    assert_eq!(channel.find_published(&missing, since).await.unwrap(), None);
    // Made before the attempt began: not the attempt's post.
    let later: jiff::Timestamp = "2027-01-15T09:59:00Z".parse().unwrap();
    assert_eq!(
        channel
            .find_published(&outbound(text, Vec::new()), later)
            .await
            .unwrap(),
        None
    );
}
