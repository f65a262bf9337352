//! The Mastodon connector and channel against a local instance serving the documentation's
//! statuses (`mastodon/timeline_assembled_from_docs_statuses.json`, `status_entity_example.json`).

use std::collections::HashMap;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::extract::ws::{Message, WebSocketUpgrade};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use omdomme_connectors::mastodon::{self, Config};
use omdomme_connectors::{
    Attachment, Batch, Connector, ConnectorError, ErrorKind, Http, OutboundPost, RetryPolicy,
};
use serde_json::{Value, json};

use crate::support::{Requests, context, fixed_clock, fixture, serve_recorded};

fn docs_statuses() -> Vec<Value> {
    serde_json::from_str(&fixture(
        "mastodon/timeline_assembled_from_docs_statuses.json",
    ))
    .unwrap()
}

/// A status newer than every one in the docs, with its own id and text.
fn new_status(n: u64, text: &str) -> Value {
    let mut status = docs_statuses()[0].clone();
    status["id"] = json!(format!("{}", 200_000_000_000_000_000u64 + n));
    status["content"] = json!(format!("<p>{text}</p>"));
    status["reblog"] = Value::Null;
    status
}

fn id_key(status: &Value) -> (usize, String) {
    let id = status["id"].as_str().unwrap_or_default().to_owned();
    (id.len(), id)
}

/// An instance's timelines: newest first, pages of at most `page_size`, `max_id`,
/// `min_id` and `since_id` as the docs describe them, and Link headers to the next (older)
/// and previous (newer) page.
#[derive(Clone)]
struct Instance {
    statuses: Arc<Mutex<Vec<Value>>>,
    page_size: usize,
    base: Arc<Mutex<String>>,
}

impl Instance {
    fn new(statuses: Vec<Value>, page_size: usize) -> Instance {
        Instance {
            statuses: Arc::new(Mutex::new(statuses)),
            page_size,
            base: Arc::default(),
        }
    }

    fn add(&self, status: Value) {
        self.statuses.lock().unwrap().push(status);
    }

    fn page(&self, path: &str, params: &HashMap<String, String>) -> Response {
        let mut all = self.statuses.lock().unwrap().clone();
        all.sort_by_key(|s| std::cmp::Reverse(id_key(s)));
        let limit = params
            .get("limit")
            .and_then(|l| l.parse::<usize>().ok())
            .unwrap_or(20)
            .min(self.page_size);
        let above = |bound: &str| {
            let bound = (bound.len(), bound.to_owned());
            move |s: &&Value| id_key(s) > bound
        };
        let page: Vec<Value> = if let Some(min) = params.get("min_id") {
            let newer: Vec<_> = all.iter().filter(above(min)).cloned().collect();
            let skip = newer.len().saturating_sub(limit);
            newer.into_iter().skip(skip).collect()
        } else if let Some(since) = params.get("since_id") {
            all.iter()
                .filter(above(since))
                .take(limit)
                .cloned()
                .collect()
        } else if let Some(max) = params.get("max_id") {
            let max = (max.len(), max.clone());
            all.iter()
                .filter(|s| id_key(s) < max)
                .take(limit)
                .cloned()
                .collect()
        } else {
            all.into_iter().take(limit).collect()
        };
        let mut headers = HeaderMap::new();
        if let (Some(first), Some(last)) = (page.first(), page.last()) {
            let base = self.base.lock().unwrap().clone();
            let link = format!(
                "<{base}{path}?max_id={}>; rel=\"next\", <{base}{path}?min_id={}>; rel=\"prev\"",
                last["id"].as_str().unwrap(),
                first["id"].as_str().unwrap()
            );
            headers.insert("link", link.parse().unwrap());
        }
        (headers, axum::Json(page)).into_response()
    }

    fn router(&self) -> Router {
        Router::new()
            .route(
                "/api/v1/timelines/tag/{tag}",
                get(
                    |State(instance): State<Instance>,
                     Path(tag): Path<String>,
                     Query(params): Query<HashMap<String, String>>| async move {
                        instance.page(&format!("/api/v1/timelines/tag/{tag}"), &params)
                    },
                ),
            )
            .with_state(self.clone())
    }

    async fn serve(&self, router: Router) -> (String, Requests) {
        let (base, requests) = serve_recorded(router).await;
        *self.base.lock().unwrap() = base.clone();
        (base, requests)
    }
}

fn config(instance: &str) -> Config {
    Config {
        name: "social".into(),
        instance: instance.into(),
        hashtags: vec!["#test".into()],
        accounts: Vec::new(),
        search: Vec::new(),
        stream: false,
        interval_secs: None,
        backfill_pages: None,
    }
}

async fn batch(connector: &mut Box<dyn Connector>, cursor: Option<&str>) -> Batch {
    connector.next_batch(cursor).await.expect("a batch")
}

fn ids(batch: &Batch) -> Vec<String> {
    let mut ids: Vec<String> = batch.items.iter().map(|i| i.external_id.clone()).collect();
    ids.sort();
    ids
}

#[tokio::test]
async fn first_run_reads_back_a_bounded_number_of_pages_then_only_newer_ones() {
    let instance = Instance::new(docs_statuses(), 3);
    let (base, requests) = instance.serve(instance.router()).await;
    let mut config = config(&base);
    config.backfill_pages = Some(2);
    let mut connector = mastodon::connector(&config, &context(None, &[])).unwrap();

    let first = batch(&mut connector, None).await;
    assert_eq!(first.items.len(), 6, "two pages of three");
    assert!(first.rejected.is_empty(), "{:?}", first.rejected);
    let cursor = first.cursor.clone().unwrap();
    assert_eq!(
        serde_json::from_str::<Value>(&cursor).unwrap(),
        json!({"tag:test": "109348684737626801"})
    );
    let pages = requests.to("/api/v1/timelines/tag/test");
    assert_eq!(pages.len(), 2);
    assert_eq!(pages[0].params("limit"), ["40"]);
    assert!(pages[0].params("max_id").is_empty());
    // The second page is the Link header's rel="next": older than the first page's oldest.
    assert_eq!(pages[1].params("max_id"), ["108914430312582020"]);

    for n in 1..=4 {
        instance.add(new_status(n, &format!("nytt innlegg {n}")));
    }
    let second = batch(&mut connector, Some(&cursor)).await;
    assert_eq!(
        ids(&second),
        (1..=4)
            .map(|n| format!("{}", 200_000_000_000_000_000u64 + n))
            .collect::<Vec<_>>()
    );
    assert!(second.caught_up);
    let newer = requests.to("/api/v1/timelines/tag/test");
    assert_eq!(newer[2].params("min_id"), ["109348684737626801"]);
    // Then rel="prev" until an empty page.
    assert_eq!(newer.len(), 5, "min_id page, prev page, empty prev page");
    let cursor = second.cursor.unwrap();

    let third = batch(&mut connector, Some(&cursor)).await;
    assert!(third.items.is_empty());
    assert_eq!(third.cursor.as_deref(), Some(cursor.as_str()));
}

#[tokio::test]
async fn accounts_are_looked_up_once_and_search_sends_the_token() {
    let statuses = docs_statuses();
    let by_trwnh: Vec<Value> = statuses
        .iter()
        .filter(|s| s["account"]["acct"] == "trwnh")
        .cloned()
        .collect();
    let found = statuses[..2].to_vec();
    let router =
        Router::new()
            .route(
                "/api/v1/accounts/lookup",
                get(|Query(params): Query<HashMap<String, String>>| async move {
                    match params.get("acct").map(String::as_str) {
                        Some("trwnh@mastodon.social") => {
                            axum::Json(json!({"id": "14715", "acct": "trwnh"})).into_response()
                        }
                        _ => (
                            StatusCode::NOT_FOUND,
                            axum::Json(json!({"error": "Record not found"})),
                        )
                            .into_response(),
                    }
                }),
            )
            .route(
                "/api/v1/accounts/14715/statuses",
                get(move || {
                    let statuses = by_trwnh.clone();
                    async move { axum::Json(statuses) }
                }),
            )
            .route(
                "/api/v2/search",
                get(move || {
                    let statuses = found.clone();
                    async move {
                        axum::Json(json!({"accounts": [], "statuses": statuses, "hashtags": []}))
                    }
                }),
            );
    let (base, requests) = serve_recorded(router).await;
    let mut config = config(&base);
    config.hashtags.clear();
    config.accounts = vec!["@trwnh@mastodon.social".into()];
    config.search = vec!["nordlys energi".into()];

    let error = mastodon::connector(&config, &context(None, &[]))
        .err()
        .expect("search without a token");
    assert_eq!(error.kind, ErrorKind::Config);
    assert!(error.message.contains("read:search"), "{}", error.message);

    let mut connector = mastodon::connector(&config, &context(Some("tok-123"), &[])).unwrap();
    let first = batch(&mut connector, None).await;
    assert_eq!(first.items.len(), 2 + 2, "two by trwnh, two found");
    let cursor = first.cursor.unwrap();
    let cursor_value: Value = serde_json::from_str(&cursor).unwrap();
    assert_eq!(
        cursor_value["account:trwnh@mastodon.social"],
        "108914430312582020"
    );
    assert_eq!(cursor_value["search:nordlys energi"], "108914327388663283");
    batch(&mut connector, Some(&cursor)).await;

    assert_eq!(
        requests.to("/api/v1/accounts/lookup").len(),
        1,
        "looked up once"
    );
    let searches = requests.to("/api/v2/search");
    assert_eq!(searches[0].params("q"), ["nordlys energi"]);
    assert_eq!(searches[0].params("type"), ["statuses"]);
    assert_eq!(searches[0].header("authorization"), Some("Bearer tok-123"));
    assert_eq!(searches[1].params("min_id"), ["108914327388663283"]);
    let statuses = requests.to("/api/v1/accounts/14715/statuses");
    assert_eq!(statuses[1].params("min_id"), ["108914430312582020"]);

    config.accounts = vec!["ghost@mastodon.social".into()];
    config.search.clear();
    let mut connector = mastodon::connector(&config, &context(None, &[])).unwrap();
    let error = connector
        .next_batch(None)
        .await
        .expect_err("no such account");
    assert_eq!(error.kind, ErrorKind::Config);
    assert!(
        error.message.contains("ghost@mastodon.social"),
        "{}",
        error.message
    );
}

#[tokio::test]
async fn rate_limits_failures_timeouts_and_bad_payloads() {
    // 429 with Retry-After, then the page.
    let calls = Arc::new(AtomicU32::new(0));
    let statuses = docs_statuses();
    let limited = {
        let calls = calls.clone();
        Router::new().route(
            "/api/v1/timelines/tag/test",
            get(move || {
                let calls = calls.clone();
                let statuses = statuses.clone();
                async move {
                    if calls.fetch_add(1, Ordering::SeqCst) == 0 {
                        (StatusCode::TOO_MANY_REQUESTS, [("retry-after", "1")], "").into_response()
                    } else {
                        axum::Json(statuses).into_response()
                    }
                }
            }),
        )
    };
    let (base, _) = serve_recorded(limited).await;
    let mut connector = mastodon::connector(&config(&base), &context(None, &[])).unwrap();
    let started = std::time::Instant::now();
    assert_eq!(batch(&mut connector, None).await.items.len(), 8);
    assert!(
        started.elapsed() >= Duration::from_millis(900),
        "waited Retry-After"
    );

    // 5xx every time: unavailable, after the retries.
    let failing = Router::new().route(
        "/api/v1/timelines/tag/test",
        get(|| async { StatusCode::BAD_GATEWAY }),
    );
    let (base, requests) = serve_recorded(failing).await;
    let mut connector = mastodon::connector(&config(&base), &context(None, &[])).unwrap();
    let error = connector.next_batch(None).await.expect_err("502");
    assert_eq!(error.kind, ErrorKind::Unavailable);
    assert_eq!(requests.all().len(), 4, "retried");

    // Too slow: a timeout.
    let slow = Router::new().route(
        "/api/v1/timelines/tag/test",
        get(|| async {
            tokio::time::sleep(Duration::from_secs(3)).await;
            "[]"
        }),
    );
    let (base, _) = serve_recorded(slow).await;
    let mut ctx = context(None, &[]);
    ctx.http = Http::new(
        RetryPolicy {
            attempts: 2,
            base_delay: Duration::from_millis(10),
            max_delay: Duration::from_millis(10),
            max_wait: Duration::from_secs(1),
            timeout: Duration::from_millis(200),
        },
        fixed_clock(),
    )
    .unwrap();
    let mut connector = mastodon::connector(&config(&base), &ctx).unwrap();
    let error = connector.next_batch(None).await.expect_err("timeout");
    assert_eq!(error.kind, ErrorKind::Unavailable);
    assert!(error.message.contains("timed out"), "{}", error.message);

    // A page cut off in the middle.
    let whole = fixture("mastodon/timeline_assembled_from_docs_statuses.json");
    let truncated = whole[..whole.len() / 3].to_owned();
    let cut = Router::new().route(
        "/api/v1/timelines/tag/test",
        get(move || {
            let body = truncated.clone();
            async move { body }
        }),
    );
    let (base, _) = serve_recorded(cut).await;
    let mut connector = mastodon::connector(&config(&base), &context(None, &[])).unwrap();
    let error = connector.next_batch(None).await.expect_err("truncated");
    assert_eq!(error.kind, ErrorKind::BadPayload);
    assert!(error.message.contains("JSON"), "{}", error.message);

    // One malformed status among good ones: rejected with its id, the rest kept.
    let mut statuses = docs_statuses();
    statuses.push(
        json!({"id": "5", "created_at": "yesterday", "content": "x", "account": {"acct": "a"}}),
    );
    statuses.push(json!({"content": "no id"}));
    let mixed = Router::new().route(
        "/api/v1/timelines/tag/test",
        get(move || {
            let statuses = statuses.clone();
            async move { axum::Json(statuses) }
        }),
    );
    let (base, _) = serve_recorded(mixed).await;
    let mut connector = mastodon::connector(&config(&base), &context(None, &[])).unwrap();
    let mixed = batch(&mut connector, None).await;
    assert_eq!(mixed.items.len(), 8);
    assert_eq!(mixed.rejected.len(), 2, "{:?}", mixed.rejected);
    assert!(
        mixed.rejected[0].starts_with("status 5:"),
        "{:?}",
        mixed.rejected
    );
    assert!(
        mixed.rejected[1].contains("without an id"),
        "{:?}",
        mixed.rejected
    );
}

/// A timeline route that always answers `status` with Mastodon's error body `error`.
async fn failing_with(status: StatusCode, error: &'static str) -> ConnectorError {
    let router = Router::new().route(
        "/api/v1/timelines/tag/test",
        get(move || async move { (status, axum::Json(json!({ "error": error }))) }),
    );
    let (base, _) = serve_recorded(router).await;
    let mut connector = mastodon::connector(&config(&base), &context(Some("tok"), &[])).unwrap();
    connector.next_batch(None).await.expect_err("an error")
}

#[tokio::test]
async fn each_error_says_what_to_do() {
    let revoked = failing_with(StatusCode::UNAUTHORIZED, "The access token was revoked").await;
    assert_eq!(revoked.kind, ErrorKind::TokenExpired);
    assert!(
        revoked.message.contains("was revoked") && revoked.message.contains("create a new token"),
        "{}",
        revoked.message
    );

    let scope = failing_with(
        StatusCode::FORBIDDEN,
        "This action is outside the authorized scopes",
    )
    .await;
    assert_eq!(scope.kind, ErrorKind::ScopeMissing);
    assert!(scope.message.contains("read:statuses"), "{}", scope.message);

    let disabled = failing_with(StatusCode::FORBIDDEN, "Your login is currently disabled").await;
    assert_eq!(disabled.kind, ErrorKind::AccountSuspended);
    assert!(
        disabled.message.contains("currently disabled"),
        "{}",
        disabled.message
    );

    let suspended = failing_with(StatusCode::GONE, "Account is suspended").await;
    assert_eq!(suspended.kind, ErrorKind::AccountSuspended);

    let retired = failing_with(StatusCode::NOT_FOUND, "Not found").await;
    assert_eq!(retired.kind, ErrorKind::EndpointRetired);
    let gone = failing_with(StatusCode::GONE, "Gone").await;
    assert_eq!(gone.kind, ErrorKind::EndpointRetired);

    let invalid = failing_with(
        StatusCode::UNPROCESSABLE_ENTITY,
        "Validation failed: Text can't be blank",
    )
    .await;
    assert_eq!(invalid.kind, ErrorKind::BadPayload);
    assert!(
        invalid.message.contains("Text can't be blank"),
        "{}",
        invalid.message
    );
    assert!(!invalid.message.contains("tok"), "never the token");
}

#[tokio::test]
async fn config_problems_name_their_fields() {
    let broken = Config {
        name: "x".into(),
        instance: "ftp://mastodon.social/api/v1".into(),
        hashtags: vec!["two words".into()],
        accounts: vec!["@".into()],
        search: vec![" ".into()],
        stream: false,
        interval_secs: Some(0),
        backfill_pages: Some(0),
    };
    let problems = broken.problems();
    for field in [
        "instance:",
        "hashtags[0]:",
        "accounts[0]:",
        "search[0]:",
        "interval_secs:",
        "backfill_pages:",
    ] {
        assert!(
            problems.iter().any(|p| p.starts_with(field)),
            "{field} in {problems:?}"
        );
    }
    let streaming_nothing = Config {
        hashtags: Vec::new(),
        accounts: vec!["nrk@mastodon.social".into()],
        stream: true,
        ..config("https://mastodon.social")
    };
    assert!(
        streaming_nothing
            .problems()
            .iter()
            .any(|p| p.starts_with("stream:"))
    );
    let parsed: Config = serde_json::from_str(r#"{"name": "m", "instance": "https://mastodon.social", "hashtags": ["nordlys"], "stream": true}"#).unwrap();
    assert!(parsed.problems().is_empty(), "{:?}", parsed.problems());
}

/// The streaming test's instance: the docs' statuses on the REST timeline, and a WebSocket
/// whose first connection sends a new status and one the timeline already has, then breaks;
/// meanwhile another status is posted. The second connection sends that one (a repeat of
/// what the gap fill read) and a third, then closes.
#[tokio::test]
async fn a_stream_that_drops_resumes_from_the_committed_cursor_without_loss_or_repeats() {
    let instance = Instance::new(docs_statuses(), 40);
    let connections = Arc::new(AtomicU32::new(0));
    let streaming = {
        let instance = instance.clone();
        let connections = connections.clone();
        move |upgrade: WebSocketUpgrade| {
            let instance = instance.clone();
            let connections = connections.clone();
            async move {
                upgrade.on_upgrade(move |mut socket| async move {
                    let frame = |status: &Value, event: &str| {
                        Message::Text(
                            json!({"stream": ["hashtag", "test"], "event": event, "payload": status.to_string()})
                                .to_string()
                                .into(),
                        )
                    };
                    if connections.fetch_add(1, Ordering::SeqCst) == 0 {
                        // After the connector's first gap fill has read the timeline.
                        tokio::time::sleep(Duration::from_millis(300)).await;
                        let first = new_status(1, "live one");
                        socket.send(frame(&first, "update")).await.ok();
                        socket.send(frame(&docs_statuses()[2], "update")).await.ok();
                        socket
                            .send(Message::Text(json!({"stream": ["hashtag", "test"], "event": "delete", "payload": "1"}).to_string().into()))
                            .await
                            .ok();
                        instance.add(first);
                        // Posted while the socket is down.
                        instance.add(new_status(2, "posted in the gap"));
                        // Dropped without a close frame.
                    } else {
                        socket.send(frame(&new_status(2, "posted in the gap"), "update")).await.ok();
                        socket.send(frame(&new_status(3, "live three"), "update")).await.ok();
                        socket.send(Message::Close(None)).await.ok();
                    }
                })
            }
        }
    };
    let router = instance.router().merge(
        Router::new()
            .route("/api/v1/streaming", get(streaming))
            .route(
                "/api/v2/instance",
                get(|| async {
                    (
                        StatusCode::NOT_FOUND,
                        axum::Json(json!({"error": "Not found"})),
                    )
                }),
            ),
    );
    let (base, requests) = instance.serve(router).await;
    let mut config = config(&base);
    config.stream = true;
    let mut connector = mastodon::connector(&config, &context(Some("tok-live"), &[])).unwrap();

    let mut collected = Vec::new();
    let mut cursor: Option<String> = None;
    for _ in 0..4 {
        let batch = batch(&mut connector, cursor.as_deref()).await;
        assert!(batch.rejected.is_empty(), "{:?}", batch.rejected);
        collected.extend(batch.items.iter().map(|i| i.external_id.clone()));
        cursor = batch.cursor.or(cursor);
    }
    let mut expected: Vec<String> = docs_statuses()
        .iter()
        .map(|s| s["id"].as_str().unwrap().to_owned())
        .chain((1..=3).map(|n| format!("{}", 200_000_000_000_000_000u64 + n)))
        .collect();
    expected.sort();
    collected.sort();
    assert_eq!(collected, expected, "every status once");
    assert_eq!(connections.load(Ordering::SeqCst), 2);

    let sockets = requests.to("/api/v1/streaming");
    assert_eq!(sockets[0].params("stream"), ["hashtag"]);
    assert_eq!(sockets[0].params("tag"), ["test"]);
    assert_eq!(sockets[0].header("authorization"), Some("Bearer tok-live"));
    let timeline = requests.to("/api/v1/timelines/tag/test");
    let after_drop = timeline
        .iter()
        .find(|r| !r.params("min_id").is_empty())
        .expect("a gap fill from the cursor");
    assert_eq!(
        after_drop.params("min_id"),
        [format!("{}", 200_000_000_000_000_000u64 + 1)]
    );
}

fn outbound(text: &str, attachments: Vec<Attachment>) -> OutboundPost {
    OutboundPost {
        text: text.into(),
        idempotency_key: "reply-42".into(),
        attachments,
    }
}

#[tokio::test]
async fn posting_replying_and_engagement_as_the_api_documents() {
    let status: Value =
        serde_json::from_str(&fixture("mastodon/status_entity_example.json")).unwrap();
    let media_polls = Arc::new(AtomicU32::new(0));
    let router = Router::new()
        .route(
            "/api/v2/media",
            post(|| async {
                (
                    StatusCode::ACCEPTED,
                    axum::Json(json!({"id": "22348641", "type": "image", "url": null})),
                )
            }),
        )
        .route(
            "/api/v1/media/{id}",
            get(move || {
                let polls = media_polls.clone();
                async move {
                    if polls.fetch_add(1, Ordering::SeqCst) == 0 {
                        (
                            StatusCode::PARTIAL_CONTENT,
                            axum::Json(json!({"id": "22348641", "url": null})),
                        )
                    } else {
                        (
                            StatusCode::OK,
                            axum::Json(json!({"id": "22348641", "url": "https://files/1.png"})),
                        )
                    }
                }
            }),
        )
        .route(
            "/api/v1/statuses",
            post({
                let status = status.clone();
                move || {
                    let status = status.clone();
                    async move { axum::Json(status) }
                }
            }),
        )
        .route(
            "/api/v1/statuses/{id}",
            get(move || {
                let status = status.clone();
                async move { axum::Json(status) }
            }),
        );
    let (base, requests) = serve_recorded(router).await;

    let error = mastodon::channel(&config(&base), &context(None, &[]))
        .err()
        .expect("no token");
    assert!(
        error.message.contains("write:statuses"),
        "{}",
        error.message
    );

    let channel = mastodon::channel(&config(&base), &context(Some("tok-w"), &[])).unwrap();
    assert_eq!(channel.max_length(), 500);
    let image = Attachment {
        bytes: b"\x89PNG fake image bytes".to_vec(),
        media_type: "image/png".into(),
        alt_text: "Nordlys over Tromsø".into(),
    };
    let posted = channel
        .publish(&outbound("Hei fra Nordlys", vec![image]))
        .await
        .unwrap();
    assert_eq!(posted.external_id, "103270115826048975");
    assert_eq!(
        posted.url.as_deref(),
        Some("https://mastodon.social/@Gargron/103270115826048975")
    );

    let upload = &requests.to("/api/v2/media")[0];
    assert_eq!(upload.method, "POST");
    assert_eq!(upload.header("authorization"), Some("Bearer tok-w"));
    assert!(
        upload
            .header("content-type")
            .unwrap()
            .starts_with("multipart/form-data; boundary=")
    );
    let body = String::from_utf8_lossy(&upload.body);
    assert!(
        body.contains("name=\"file\"; filename=\"image.png\"")
            && body.contains("PNG fake image bytes"),
        "{body}"
    );
    assert!(
        body.contains("name=\"description\"\r\n\r\nNordlys over Tromsø"),
        "{body}"
    );
    assert_eq!(
        requests.to("/api/v1/media/22348641").len(),
        2,
        "waited for processing"
    );

    let sent = &requests.to("/api/v1/statuses")[0];
    assert_eq!(sent.method, "POST");
    assert_eq!(sent.header("idempotency-key"), Some("reply-42"));
    assert_eq!(sent.header("authorization"), Some("Bearer tok-w"));
    assert_eq!(
        sent.json(),
        json!({"status": "Hei fra Nordlys", "visibility": "public", "media_ids": ["22348641"]})
    );

    channel
        .reply("103270115826048975", &outbound("Takk!", Vec::new()))
        .await
        .unwrap();
    let reply = &requests.to("/api/v1/statuses")[1];
    assert_eq!(reply.json()["in_reply_to_id"], "103270115826048975");
    assert_eq!(reply.json()["status"], "Takk!");
    let error = channel
        .reply("../admin", &outbound("x", Vec::new()))
        .await
        .expect_err("not an id");
    assert_eq!(error.kind, ErrorKind::Config);

    let engagement = channel.engagement("103270115826048975").await.unwrap();
    assert_eq!(
        (engagement.likes, engagement.shares, engagement.replies),
        (11, 6 + 2, 5)
    );
    let read = &requests.to("/api/v1/statuses/103270115826048975")[0];
    assert_eq!(read.method, "GET");
    assert_eq!(read.header("authorization"), Some("Bearer tok-w"));

    let no_alt = Attachment {
        bytes: vec![1],
        media_type: "image/png".into(),
        alt_text: " ".into(),
    };
    let error = channel
        .publish(&outbound("x", vec![no_alt]))
        .await
        .expect_err("alt text");
    assert!(error.message.contains("alt text"), "{}", error.message);
}

#[tokio::test]
async fn a_rejected_post_shows_the_validation_message() {
    let router = Router::new().route(
        "/api/v1/statuses",
        post(|| async {
            (
                StatusCode::UNPROCESSABLE_ENTITY,
                axum::Json(
                    json!({"error": "Validation failed: Text character limit of 500 exceeded"}),
                ),
            )
        }),
    );
    let (base, _) = serve_recorded(router).await;
    let channel = mastodon::channel(&config(&base), &context(Some("tok"), &[])).unwrap();
    let error = channel
        .publish(&outbound(&"a".repeat(600), Vec::new()))
        .await
        .expect_err("422");
    assert_eq!(error.kind, ErrorKind::BadPayload);
    assert!(
        error.message.contains("character limit of 500 exceeded"),
        "{}",
        error.message
    );
}

/// The account's own statuses as `/api/v1/accounts/:id/statuses` pages them, and who the
/// token belongs to.
fn own_account(instance: &Instance) -> Router {
    Router::new()
        .route(
            "/api/v1/accounts/verify_credentials",
            get(|| async {
                axum::Json(json!({"id": "14715", "username": "nordlys", "acct": "nordlys"}))
            }),
        )
        .route(
            "/api/v1/accounts/14715/statuses",
            get(
                |State(instance): State<Instance>,
                 Query(params): Query<HashMap<String, String>>| async move {
                    instance.page("/api/v1/accounts/14715/statuses", &params)
                },
            ),
        )
        .with_state(instance.clone())
}

/// A status of ours made at `created_at` with `content` as Mastodon renders it.
fn own_status(n: u64, created_at: &str, content: &str) -> Value {
    let mut status = new_status(n, "");
    status["created_at"] = json!(created_at);
    status["content"] = json!(content);
    status["url"] = json!(format!(
        "https://social.example/@nordlys/{}",
        status["id"].as_str().unwrap()
    ));
    status
}

#[tokio::test]
async fn a_post_whose_answer_never_came_is_found_among_the_accounts_statuses() {
    let instance = Instance::new(docs_statuses(), 3);
    instance.add(own_status(
        1,
        "2027-01-15T09:58:10.000Z",
        "<p>Fra i dag går alle ferjene på strøm! <a href=\"https://nordlys.no/ferjer\" rel=\"nofollow noopener\" target=\"_blank\"><span class=\"invisible\">https://</span><span class=\"\">nordlys.no/ferjer</span><span class=\"invisible\"></span></a> <a href=\"https://social.example/tags/klima\" class=\"mention hashtag\" rel=\"tag\">#<span>klima</span></a></p>",
    ));
    for n in 2..=5 {
        instance.add(own_status(
            n,
            "2027-01-15T09:59:00.000Z",
            &format!("<p>Senere innlegg {n}</p>"),
        ));
    }
    let (base, requests) = instance.serve(own_account(&instance)).await;
    let channel = mastodon::channel(&config(&base), &context(Some("tok-r"), &[])).unwrap();
    let since: jiff::Timestamp = "2027-01-15T09:50:00Z".parse().unwrap();

    let ours = outbound(
        "Fra i dag går alle ferjene på strøm!\nhttps://nordlys.no/ferjer #klima",
        Vec::new(),
    );
    let found = channel.find_published(&ours, since).await.unwrap();
    let id = format!("{}", 200_000_000_000_000_000u64 + 1);
    assert_eq!(
        found,
        Some(omdomme_connectors::Posted {
            url: Some(format!("https://social.example/@nordlys/{id}")),
            external_id: id,
        })
    );
    let pages = requests.to("/api/v1/accounts/14715/statuses");
    assert_eq!(pages.len(), 2, "the newer statuses fill the first page");
    assert_eq!(pages[0].header("authorization"), Some("Bearer tok-r"));
    assert_eq!(pages[0].param("exclude_reblogs"), Some("true"));
    assert!(pages[1].param("max_id").is_some());

    // Not there: the search stops at the first status older than `since`.
    let other = outbound("Et innlegg som aldri kom fram", Vec::new());
    assert_eq!(channel.find_published(&other, since).await.unwrap(), None);
    assert_eq!(
        requests.to("/api/v1/accounts/14715/statuses").len(),
        4,
        "two pages, then a status from 2022 ends the search"
    );

    // There, but from before the attempt: another post with the same text.
    let later: jiff::Timestamp = "2027-01-15T09:58:30Z".parse().unwrap();
    assert_eq!(channel.find_published(&ours, later).await.unwrap(), None);
}
