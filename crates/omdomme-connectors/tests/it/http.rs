//! The shared client against a local server that misbehaves on purpose.

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use axum::Router;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::{get, post};
use omdomme_connectors::http::{classify, read_json};
use omdomme_connectors::{ErrorKind, Http, RetryPolicy};

use crate::support::{fast_http, fixed_clock, fixture, serve};

/// A route that fails `failures` times with `status` (and `headers`), then serves `body`.
fn flaky(failures: u32, status: StatusCode, headers: &[(&'static str, &'static str)]) -> Router {
    let calls = Arc::new(AtomicU32::new(0));
    let mut failure_headers = HeaderMap::new();
    for (name, value) in headers {
        failure_headers.insert(*name, value.parse().expect("header"));
    }
    let body = fixture("mastodon/status_entity_example.json");
    Router::new().route(
        "/",
        get(move || {
            let calls = calls.clone();
            let failure_headers = failure_headers.clone();
            let body = body.clone();
            async move {
                if calls.fetch_add(1, Ordering::SeqCst) < failures {
                    (status, failure_headers, String::new())
                } else {
                    (StatusCode::OK, HeaderMap::new(), body)
                }
            }
        }),
    )
}

async fn fetch(
    http: &Http,
    base: &str,
) -> Result<serde_json::Value, omdomme_connectors::ConnectorError> {
    let response = http
        .send(http.client().get(format!("{base}/")), classify)
        .await?;
    read_json(response).await
}

#[tokio::test]
async fn retries_429_after_the_platforms_wait() {
    let base = serve(flaky(
        1,
        StatusCode::TOO_MANY_REQUESTS,
        &[("retry-after", "1")],
    ))
    .await;
    let started = std::time::Instant::now();
    let status = fetch(&fast_http(), &base)
        .await
        .expect("second attempt succeeds");
    assert!(status.get("id").is_some());
    assert!(
        started.elapsed() >= Duration::from_millis(900),
        "waited Retry-After"
    );
}

#[tokio::test]
async fn retries_5xx_then_gives_up_with_a_message() {
    let base = serve(flaky(2, StatusCode::BAD_GATEWAY, &[])).await;
    fetch(&fast_http(), &base)
        .await
        .expect("third attempt succeeds");

    let base = serve(flaky(100, StatusCode::SERVICE_UNAVAILABLE, &[])).await;
    let error = fetch(&fast_http(), &base).await.expect_err("always 503");
    assert_eq!(error.kind, ErrorKind::Unavailable);
    assert!(
        error.message.contains("503") && error.message.contains("4 attempts"),
        "{}",
        error.message
    );
}

#[tokio::test]
async fn a_long_rate_limit_wait_is_returned_not_slept() {
    let base = serve(flaky(
        100,
        StatusCode::TOO_MANY_REQUESTS,
        &[("retry-after", "900")],
    ))
    .await;
    let error = fetch(&fast_http(), &base)
        .await
        .expect_err("too long to wait");
    assert_eq!(error.kind, ErrorKind::RateLimited);
    assert_eq!(error.retry_after, Some(Duration::from_secs(900)));
}

#[tokio::test]
async fn refused_credentials_say_what_to_do() {
    let base = serve(flaky(100, StatusCode::UNAUTHORIZED, &[])).await;
    let error = fetch(&fast_http(), &base).await.expect_err("401");
    assert_eq!(error.kind, ErrorKind::TokenExpired);
    assert!(
        error.message.contains("issue a new one"),
        "{}",
        error.message
    );
}

#[tokio::test]
async fn timeouts_and_truncated_json() {
    let slow = Router::new().route(
        "/",
        get(|| async {
            tokio::time::sleep(Duration::from_secs(5)).await;
            "{}"
        }),
    );
    let base = serve(slow).await;
    let http = Http::new(
        RetryPolicy {
            attempts: 2,
            base_delay: Duration::from_millis(10),
            max_delay: Duration::from_millis(10),
            max_wait: Duration::from_secs(1),
            timeout: Duration::from_millis(200),
        },
        fixed_clock(),
    )
    .expect("client");
    let error = fetch(&http, &base).await.expect_err("timeout");
    assert_eq!(error.kind, ErrorKind::Unavailable);
    assert!(error.message.contains("timed out"), "{}", error.message);

    let truncated = fixture("mastodon/status_entity_example.json");
    let half = truncated[..truncated.len() / 2].to_owned();
    let base = serve(Router::new().route("/", get(move || async move { half }))).await;
    let error = fetch(&fast_http(), &base).await.expect_err("truncated");
    assert_eq!(error.kind, ErrorKind::BadPayload);
    assert!(error.message.contains("JSON"), "{}", error.message);
}

#[tokio::test]
async fn a_post_that_may_have_been_made_is_not_sent_twice() {
    let calls = Arc::new(AtomicU32::new(0));
    let counted = calls.clone();
    let router = Router::new().route(
        "/",
        post(move || {
            let calls = counted.clone();
            async move {
                calls.fetch_add(1, Ordering::SeqCst);
                (StatusCode::BAD_GATEWAY, "")
            }
        }),
    );
    let base = serve(router).await;
    let http = fast_http();
    let error = http
        .send(
            http.client().post(format!("{base}/")).body("hello"),
            classify,
        )
        .await
        .expect_err("502");
    assert_eq!(
        calls.load(Ordering::SeqCst),
        1,
        "a plain POST is not repeated"
    );
    assert!(
        error.message.contains("check before retrying"),
        "{}",
        error.message
    );

    // With an idempotency key the platform drops a repeat, so retrying is safe.
    let _ = http
        .send(
            http.client()
                .post(format!("{base}/"))
                .header("idempotency-key", "story-7-post-1")
                .body("hello"),
            classify,
        )
        .await;
    assert_eq!(calls.load(Ordering::SeqCst), 1 + 4);
}
