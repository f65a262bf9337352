//! `POST /api/ingest`: the webhook. Each refusal with its status and code, all or nothing,
//! and that it needs no session while the session routes keep their guard.

use axum::body::Body;
use axum::http::header::{AUTHORIZATION, CONTENT_LENGTH, CONTENT_TYPE, HOST, ORIGIN};
use axum::http::{Request, StatusCode};
use hmac::{Hmac, Mac};
use omdomme_connectors::Secret;
use omdomme_core::{SourceKey, SourceKind, WorkspaceId};
use omdomme_store::{SourceDefinition, SourceOrigin};
use serde_json::{Value, json};
use sha2::Sha256;

use crate::support::{self, FAKE_MODEL, TestApp, assert_error};

const TOKEN: &str = "s3cret-token-for-the-crm";
const HMAC_SECRET: &str = "another secret, for signing";

fn nordlys() -> WorkspaceId {
    WorkspaceId("nordlys".to_owned())
}

/// Defines a webhook source `name` with `auth` and, when given, its secret sealed as the
/// binary seals it.
async fn webhook(app: &TestApp, name: &str, auth: &str, secret: Option<&str>) -> SourceKey {
    let key = app
        .define_source(
            SourceKind::Webhook,
            name,
            json!({ "kind": "webhook", "name": name, "auth": auth }),
        )
        .await;
    if let Some(secret) = secret {
        let sealed = app
            .secret_key
            .as_ref()
            .unwrap()
            .seal(&Secret::new(secret), &format!("nordlys/{key}"));
        app.store
            .put_source_credential(&nordlys(), &key, &sealed)
            .await
            .unwrap();
    }
    key
}

fn post(source: &str, content_type: &str) -> axum::http::request::Builder {
    Request::post("/api/ingest")
        .header("x-omdomme-source", source)
        .header(CONTENT_TYPE, content_type)
}

fn with_token(source: &str, token: &str, body: &str) -> Request<Body> {
    post(source, "application/json")
        .header(AUTHORIZATION, format!("Bearer {token}"))
        .body(Body::from(body.to_owned()))
        .unwrap()
}

fn signature(secret: &str, body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(body);
    let bytes = mac.finalize().into_bytes();
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!("sha256={hex}")
}

fn signed(source: &str, signature: &str, content_type: &str, body: &str) -> Request<Body> {
    post(source, content_type)
        .header("x-omdomme-signature", signature)
        .body(Body::from(body.to_owned()))
        .unwrap()
}

fn record(id: &str, text: &str) -> Value {
    json!({ "id": id, "text": text, "published_at": "2025-06-15T10:00:00Z", "author": "@kunde" })
}

async fn send(app: &TestApp, request: Request<Body>) -> (StatusCode, Value) {
    let response = app.send(request).await;
    let status = response.status();
    (status, support::json(response).await)
}

/// Sends each request, asserts each is refused with the same 401, and returns its message.
async fn refused_alike(app: &TestApp, requests: Vec<Request<Body>>) -> String {
    let mut messages = Vec::new();
    for request in requests {
        let (status, response) = send(app, request).await;
        messages.push(assert_error(
            status,
            &response,
            StatusCode::UNAUTHORIZED,
            "unauthorized",
        ));
    }
    assert!(messages.iter().all(|m| *m == messages[0]), "{messages:?}");
    messages.swap_remove(0)
}

/// External ids of the items stored under `key`.
async fn stored(app: &TestApp, key: &SourceKey) -> Vec<String> {
    let page = app.store.items_after(&nordlys(), None, 1000).await.unwrap();
    page.items
        .into_iter()
        .filter(|s| s.item.source == *key)
        .map(|s| s.item.external_id)
        .collect()
}

#[tokio::test]
async fn a_token_source_takes_one_object_an_array_or_json_lines() {
    let app = TestApp::new().await;
    let key = webhook(&app, "crm", "token", Some(TOKEN)).await;

    let one = record("1", "Nordlys Energi svarte raskt").to_string();
    let (status, body) = send(&app, with_token("nordlys/crm", TOKEN, &one)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        body,
        json!({ "source": "nordlys/crm", "received": 1, "new": 1, "updated": 0, "unchanged": 0 })
    );

    let array = json!([
        record("1", "Nordlys Energi svarte raskt"),
        record("2", "andre")
    ])
    .to_string();
    let (status, body) = send(&app, with_token("nordlys/crm", TOKEN, &array)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        (
            body["received"].as_u64(),
            body["new"].as_u64(),
            body["unchanged"].as_u64()
        ),
        (Some(2), Some(1), Some(1))
    );

    // JSON lines, one claiming to be another platform's: it is stored as the webhook's.
    let mut claims_rss = record("3", "tredje");
    claims_rss["source"] = json!("nrk");
    claims_rss["source_kind"] = json!("rss");
    let lines = format!("{}\n{}\n", claims_rss, record("4", "fjerde"));
    let request = post("nordlys/crm", "application/x-ndjson")
        .header(AUTHORIZATION, format!("Bearer {TOKEN}"))
        .body(Body::from(lines))
        .unwrap();
    let (status, body) = send(&app, request).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["new"], 2);

    assert_eq!(stored(&app, &key).await, ["1", "2", "3", "4"]);
    let nrk = SourceKey::new(SourceKind::Rss, "nrk");
    assert!(stored(&app, &nrk).await.is_empty());
    let items = app
        .store
        .items_after(&nordlys(), None, 1000)
        .await
        .unwrap()
        .items;
    let pushed: Vec<_> = items.iter().filter(|s| s.item.source == key).collect();
    assert!(
        pushed.iter().all(|s| s.item.enrichment.model == FAKE_MODEL),
        "enriched"
    );
    assert!(pushed.iter().all(|s| s.item.collected_at == support::now()));

    // Searchable at once, and counted in the source's health.
    let cookie = app.session().await;
    let (_, page) = app.get("/api/search?q=fjerde", Some(&cookie)).await;
    assert_eq!(page["total"], 1, "{page}");
    let record = app.store.source(&nordlys(), &key).await.unwrap().unwrap();
    assert_eq!(record.health.items_total, 4);
    assert_eq!(record.health.last_success, Some(support::now()));
}

#[tokio::test]
async fn a_wrong_or_missing_token_is_refused_without_saying_more() {
    let app = TestApp::new().await;
    let key = webhook(&app, "crm", "token", Some(TOKEN)).await;
    let body = record("1", "hei").to_string();
    let requests = vec![
        with_token("nordlys/crm", "wrong", &body),
        with_token("nordlys/crm", &format!("{TOKEN}x"), &body),
        with_token("nordlys/crm", "", &body),
        post("nordlys/crm", "application/json")
            .header(AUTHORIZATION, TOKEN)
            .body(Body::from(body.clone()))
            .unwrap(),
        post("nordlys/crm", "application/json")
            .body(Body::from(body.clone()))
            .unwrap(),
        // A signature is no token.
        signed(
            "nordlys/crm",
            &signature(TOKEN, body.as_bytes()),
            "application/json",
            &body,
        ),
    ];
    let message = refused_alike(&app, requests).await;
    assert!(message.contains("token does not match"), "{message}");
    assert!(!message.contains(TOKEN));
    assert!(stored(&app, &key).await.is_empty());
}

#[tokio::test]
async fn an_hmac_source_checks_the_signature_of_the_raw_body() {
    let app = TestApp::new().await;
    let key = webhook(&app, "signed", "hmac", Some(HMAC_SECRET)).await;
    let body = format!("{}\n", record("s1", "signert"));
    let good = signature(HMAC_SECRET, body.as_bytes());
    let (status, response) = send(
        &app,
        signed("nordlys/signed", &good, "application/jsonl", &body),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{response}");
    assert_eq!(response["new"], 1);
    // Upper-case hex is the same signature.
    let upper = format!(
        "sha256={}",
        good.trim_start_matches("sha256=").to_uppercase()
    );
    let (status, _) = send(
        &app,
        signed("nordlys/signed", &upper, "application/json", &body),
    )
    .await;
    assert_eq!(status, StatusCode::OK);

    let other_body = record("s2", "endret underveis").to_string();
    let requests = vec![
        // The signature of another body, or under another secret.
        signed("nordlys/signed", &good, "application/json", &other_body),
        signed(
            "nordlys/signed",
            &signature("wrong secret", other_body.as_bytes()),
            "application/json",
            &other_body,
        ),
        signed(
            "nordlys/signed",
            "sha256=zz",
            "application/json",
            &other_body,
        ),
        signed(
            "nordlys/signed",
            good.trim_start_matches("sha256="),
            "application/json",
            &body,
        ),
        signed("nordlys/signed", "sha256=", "application/json", &body),
        // The secret as a bearer token is not a signature.
        with_token("nordlys/signed", HMAC_SECRET, &other_body),
    ];
    let message = refused_alike(&app, requests).await;
    assert!(message.contains("signature does not match"), "{message}");
    assert_eq!(stored(&app, &key).await, ["s1"]);
}

#[tokio::test]
async fn an_unknown_disabled_or_unnamed_source_is_refused() {
    let app = TestApp::new().await;
    webhook(&app, "crm", "token", Some(TOKEN)).await;
    let mut disabled = SourceDefinition {
        key: SourceKey::new(SourceKind::Webhook, "old"),
        spec: json!({ "kind": "webhook", "name": "old", "auth": "token" }),
        origin: SourceOrigin::Config,
        enabled: false,
    };
    app.store
        .put_source(&nordlys(), &disabled, support::now())
        .await
        .unwrap();
    // A source of another kind with the same name is not a webhook.
    disabled.key = SourceKey::new(SourceKind::Rss, "feed");
    disabled.spec = json!({ "kind": "rss", "name": "feed" });
    disabled.enabled = true;
    app.store
        .put_source(&nordlys(), &disabled, support::now())
        .await
        .unwrap();

    let body = record("1", "hei").to_string();
    for source in ["nordlys/nope", "equinor/crm", "nordlys/old", "nordlys/feed"] {
        let (status, response) = send(&app, with_token(source, TOKEN, &body)).await;
        let message = assert_error(status, &response, StatusCode::NOT_FOUND, "unknown_source");
        assert!(message.contains("webhook source"), "{message}");
    }
    for source in ["crm", "nordlys/", "/crm"] {
        let (status, response) = send(&app, with_token(source, TOKEN, &body)).await;
        let message = assert_error(status, &response, StatusCode::BAD_REQUEST, "bad_request");
        assert!(message.contains("X-Omdomme-Source"), "{message}");
    }
    let request = Request::post("/api/ingest")
        .header(CONTENT_TYPE, "application/json")
        .header(AUTHORIZATION, format!("Bearer {TOKEN}"))
        .body(Body::from(body))
        .unwrap();
    let (status, response) = send(&app, request).await;
    assert_error(status, &response, StatusCode::BAD_REQUEST, "bad_request");
}

#[tokio::test]
async fn a_body_over_ten_mib_is_refused() {
    let app = TestApp::new().await;
    let key = webhook(&app, "crm", "token", Some(TOKEN)).await;
    let limit = omdomme_web::api::ingest::MAX_INGEST_BYTES;
    // One valid record padded past the limit: the size alone decides.
    let mut big = record("big", "stor").to_string();
    big.push_str(&" ".repeat(limit + 1 - big.len()));
    let (status, response) = send(&app, with_token("nordlys/crm", TOKEN, &big)).await;
    let message = assert_error(
        status,
        &response,
        StatusCode::PAYLOAD_TOO_LARGE,
        "payload_too_large",
    );
    assert!(message.contains("10 MiB"), "{message}");
    // Announced by Content-Length: refused before reading.
    let request = post("nordlys/crm", "application/json")
        .header(AUTHORIZATION, format!("Bearer {TOKEN}"))
        .header(CONTENT_LENGTH, (limit + 1).to_string())
        .body(Body::from("{}"))
        .unwrap();
    let (status, response) = send(&app, request).await;
    assert_error(
        status,
        &response,
        StatusCode::PAYLOAD_TOO_LARGE,
        "payload_too_large",
    );
    // Exactly at the limit is fine.
    big.truncate(limit);
    let (status, response) = send(&app, with_token("nordlys/crm", TOKEN, &big)).await;
    assert_eq!(status, StatusCode::OK, "{response}");
    assert_eq!(stored(&app, &key).await, ["big"]);
}

#[tokio::test]
async fn a_bad_record_rejects_the_whole_request_naming_record_and_field() {
    let app = TestApp::new().await;
    let key = webhook(&app, "crm", "token", Some(TOKEN)).await;
    let cases = [
        // The second record has no text.
        (
            json!([record("1", "første"), { "id": "2", "published_at": "2025-06-15T10:00:00Z" }])
                .to_string(),
            Some(2),
            "text",
        ),
        (
            format!("{}\n{{\"id\": \"2\", \"text\": ", record("1", "første")),
            Some(2),
            "",
        ),
        (
            format!(
                "{}\n{}",
                record("1", "første"),
                json!({ "id": "2", "text": "x", "published_at": "i går" })
            ),
            Some(2),
            "published_at",
        ),
        ("[]".to_owned(), None, "no items"),
        (String::new(), None, "no items"),
        ("\"just a string\"".to_owned(), Some(1), ""),
    ];
    for (body, record_number, field) in cases {
        let (status, response) = send(&app, with_token("nordlys/crm", TOKEN, &body)).await;
        let message = assert_error(
            status,
            &response,
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_items",
        );
        assert_eq!(
            response["error"]["record"].as_u64(),
            record_number,
            "{body}: {response}"
        );
        assert!(message.contains(field), "{body}: {message}");
    }
    assert!(stored(&app, &key).await.is_empty(), "all or nothing");
    let invalid_utf8 = post("nordlys/crm", "application/json")
        .header(AUTHORIZATION, format!("Bearer {TOKEN}"))
        .body(Body::from(vec![b'{', 0xff, 0xfe, b'}']))
        .unwrap();
    let (status, response) = send(&app, invalid_utf8).await;
    assert_error(
        status,
        &response,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid_items",
    );
}

#[tokio::test]
async fn only_json_is_taken() {
    let app = TestApp::new().await;
    webhook(&app, "crm", "token", Some(TOKEN)).await;
    let body = record("1", "hei").to_string();
    for content_type in [
        "text/plain",
        "application/x-www-form-urlencoded",
        "application/xml",
    ] {
        let request = post("nordlys/crm", content_type)
            .header(AUTHORIZATION, format!("Bearer {TOKEN}"))
            .body(Body::from(body.clone()))
            .unwrap();
        let (status, response) = send(&app, request).await;
        let message = assert_error(
            status,
            &response,
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
        );
        assert!(message.contains("application/x-ndjson"), "{message}");
    }
    let request = Request::post("/api/ingest")
        .header("x-omdomme-source", "nordlys/crm")
        .header(AUTHORIZATION, format!("Bearer {TOKEN}"))
        .body(Body::from(body.clone()))
        .unwrap();
    let (status, response) = send(&app, request).await;
    assert_error(
        status,
        &response,
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "unsupported_media_type",
    );
    let request = post("nordlys/crm", "application/json; charset=utf-8")
        .header(AUTHORIZATION, format!("Bearer {TOKEN}"))
        .body(Body::from(body))
        .unwrap();
    assert_eq!(send(&app, request).await.0, StatusCode::OK);
}

#[tokio::test]
async fn no_session_or_origin_check_for_the_webhook_but_still_for_the_rest() {
    let app = TestApp::new().await;
    webhook(&app, "crm", "token", Some(TOKEN)).await;
    let request = post("nordlys/crm", "application/x-ndjson")
        .header(AUTHORIZATION, format!("Bearer {TOKEN}"))
        .header(HOST, "omdomme.example.no")
        .header(ORIGIN, "https://crm.example.com")
        .header("sec-fetch-site", "cross-site")
        .body(Body::from(record("1", "hei").to_string()))
        .unwrap();
    let (status, body) = send(&app, request).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    // The session routes keep their guard.
    let request = Request::post("/api/session")
        .header(CONTENT_TYPE, "application/json")
        .header(HOST, "omdomme.example.no")
        .header(ORIGIN, "https://crm.example.com")
        .body(Body::from(
            json!({ "email": support::EMAIL, "password": support::PASSWORD }).to_string(),
        ))
        .unwrap();
    assert_eq!(send(&app, request).await.0, StatusCode::FORBIDDEN);
    let request = Request::post("/api/session")
        .header(CONTENT_TYPE, "application/x-ndjson")
        .body(Body::from("{}"))
        .unwrap();
    assert_eq!(
        send(&app, request).await.0,
        StatusCode::UNSUPPORTED_MEDIA_TYPE
    );
    // And the webhook takes no other method.
    let (status, body) = app.get("/api/ingest", None).await;
    assert_error(
        status,
        &body,
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
    );
}

#[tokio::test]
async fn without_a_secret_nobody_gets_in_and_the_reason_stays_on_the_server() {
    let mut app = TestApp::new().await;
    let key = webhook(&app, "crm", "token", Some(TOKEN)).await;
    webhook(&app, "unset", "token", None).await;
    let body = record("1", "hei").to_string();
    let (status, response) = send(&app, with_token("nordlys/unset", TOKEN, &body)).await;
    let message = assert_error(
        status,
        &response,
        StatusCode::INTERNAL_SERVER_ERROR,
        "internal",
    );
    assert!(!message.contains("credential"), "{message}");
    app.secret_key = None;
    let (status, response) = send(&app, with_token("nordlys/crm", TOKEN, &body)).await;
    assert_error(
        status,
        &response,
        StatusCode::INTERNAL_SERVER_ERROR,
        "internal",
    );
    assert!(stored(&app, &key).await.is_empty());
}
