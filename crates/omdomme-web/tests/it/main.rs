//! Integration tests of the whole router against a seeded store, through
//! `router(state).oneshot(request)`: every route, authentication, CSRF, validation and the
//! error shape.
#![allow(clippy::unwrap_used, clippy::expect_used)]

// == alerts (issue 7) ==
mod alerts;
mod calendar;
mod effect;
mod explorer;
mod goals;
mod inbox;
mod ingest;
// issue 7: leadership
mod leadership;
// == leases (issue 8) ==
mod nodes;
mod openness;
mod overview;
mod pages;
mod policy_setup;
mod report;
mod setup;
mod sources;
mod stories;
mod support;

use axum::body::Body;
use axum::http::header::{CONTENT_TYPE, COOKIE, HOST, ORIGIN, SET_COOKIE};
use axum::http::{Request, StatusCode};
use jiff::SignedDuration;
use serde_json::{Value, json};
use support::{EMAIL, PASSWORD, TestApp, assert_error, body_text};

/// Every route that needs a session, as (method, uri).
const PROTECTED: &[&str] = &[
    "/api/session",
    "/api/search",
    "/api/items/1",
    "/api/stats/volume",
    "/api/stats/share-of-voice",
    "/api/sources",
];

#[tokio::test]
async fn health_is_public_and_cheap() {
    let app = TestApp::new().await;
    let (status, body) = app.get("/api/health", None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["status"], "ok");
    assert_eq!(body["version"], env!("CARGO_PKG_VERSION"));
}

#[tokio::test]
async fn security_headers_are_on_every_response() {
    let app = TestApp::new().await;
    for uri in ["/api/health", "/api/search", "/api/nope", "/"] {
        let response = app
            .send(Request::get(uri).body(Body::empty()).unwrap())
            .await;
        let h = response.headers();
        assert_eq!(h["x-content-type-options"], "nosniff", "{uri}");
        assert_eq!(h["referrer-policy"], "same-origin", "{uri}");
        assert_eq!(h["x-frame-options"], "DENY", "{uri}");
        let csp = h["content-security-policy"].to_str().unwrap();
        assert!(csp.contains("script-src 'self';"), "{uri}: {csp}");
        assert!(csp.contains("frame-ancestors 'none'"), "{uri}: {csp}");
        assert!(
            !csp.contains("unsafe-inline") && !csp.contains("unsafe-eval"),
            "{csp}"
        );
    }
}

#[tokio::test]
async fn openapi_document_is_json_and_lists_every_path() {
    let app = TestApp::new().await;
    let (status, doc) = app.get("/api/openapi.json", None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        doc["openapi"].as_str().unwrap().starts_with("3.1"),
        "{}",
        doc["openapi"]
    );
    let paths = doc["paths"].as_object().unwrap();
    for path in [
        "/api/health",
        "/api/session",
        "/api/search",
        "/api/items/{id}",
        "/api/stats/volume",
        "/api/stats/share-of-voice",
        "/api/sources",
        "/api/ingest",
        "/api/openapi.json",
    ] {
        assert!(paths.contains_key(path), "missing {path}");
    }
    let session = &paths["/api/session"];
    assert!(
        session["get"].is_object() && session["post"].is_object() && session["delete"].is_object()
    );
    assert!(doc["components"]["securitySchemes"]["session"].is_object());
    assert!(doc["components"]["schemas"]["ItemDto"].is_object());
    let search_params: Vec<&str> = paths["/api/search"]["get"]["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert!(
        search_params.contains(&"q") && search_params.contains(&"limit"),
        "{search_params:?}"
    );
}

#[tokio::test]
async fn login_page_escapes_nothing_it_shows_and_says_synthetic() {
    let app = TestApp::with_workspace_named("<script>alert('x')</script> & Co").await;
    // Without a session, every page leads to the login form, which says the data is
    // synthetic without naming the workspace to a visitor.
    let response = app
        .send(Request::get("/").body(Body::empty()).unwrap())
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(response.headers()["location"], "/login?next=%2F");
    let response = app
        .send(
            Request::get("/login?next=/%22%3E%3Cscript%3E")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(
        response.headers()[CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    let html = body_text(response).await;
    assert!(html.contains("Syntetiske demodata"), "{html}");
    assert!(!html.contains("<script>"), "{html}");
    assert!(!html.contains("alert"), "{html}");
    assert!(
        html.contains("value=\"/&#34;&#62;&#60;script&#62;\""),
        "{html}"
    );
}

#[tokio::test]
async fn login_sets_a_hardened_cookie_that_authenticates() {
    let app = TestApp::new().await;
    let response = app
        .post_json(
            "/api/session",
            &json!({ "email": EMAIL, "password": PASSWORD }),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let cookie = response.headers()[SET_COOKIE].to_str().unwrap().to_owned();
    assert!(cookie.starts_with("omdomme_session="), "{cookie}");
    for flag in ["HttpOnly", "SameSite=Strict", "Path=/", "Max-Age=43200"] {
        assert!(cookie.contains(flag), "{flag} missing: {cookie}");
    }
    assert!(
        !cookie.contains("Secure"),
        "secure_cookies is off by default"
    );
    let body = support::json(response).await;
    assert_eq!(body["email"], EMAIL);
    assert_eq!(body["name"], "Kari Nordmann");
    assert_eq!(body["role"], "viewer");
    assert_eq!(body["expires_at"], "2025-06-16T00:00:00Z");

    // The token is stored only as its hash.
    let token = cookie
        .split(';')
        .next()
        .unwrap()
        .split_once('=')
        .unwrap()
        .1
        .to_owned();
    assert!(app.store.session(&token).await.unwrap().is_none());
    assert!(
        app.store
            .session(&omdomme_web::auth::token_hash(&token))
            .await
            .unwrap()
            .is_some()
    );

    let (status, me) = app
        .get("/api/session", Some(&format!("omdomme_session={token}")))
        .await;
    assert_eq!(status, StatusCode::OK, "{me}");
    assert_eq!(me["email"], EMAIL);
}

#[tokio::test]
async fn secure_cookies_when_configured() {
    let mut app = TestApp::new().await;
    app.config.secure_cookies = true;
    let response = app
        .post_json(
            "/api/session",
            &json!({ "email": EMAIL, "password": PASSWORD }),
        )
        .await;
    assert!(
        response.headers()[SET_COOKIE]
            .to_str()
            .unwrap()
            .contains("; Secure")
    );
}

#[tokio::test]
async fn wrong_password_and_unknown_user_get_the_same_401() {
    let app = TestApp::new().await;
    let wrong = app
        .post_json(
            "/api/session",
            &json!({ "email": EMAIL, "password": "feil" }),
        )
        .await;
    assert!(wrong.headers().get(SET_COOKIE).is_none());
    let wrong_status = wrong.status();
    let wrong = support::json(wrong).await;
    let unknown = app
        .post_json(
            "/api/session",
            &json!({ "email": "ingen@nordlys.no", "password": "feil" }),
        )
        .await;
    let unknown_status = unknown.status();
    let unknown = support::json(unknown).await;
    let m1 = assert_error(
        wrong_status,
        &wrong,
        StatusCode::UNAUTHORIZED,
        "unauthorized",
    );
    let m2 = assert_error(
        unknown_status,
        &unknown,
        StatusCode::UNAUTHORIZED,
        "unauthorized",
    );
    assert_eq!(m1, m2);
}

#[tokio::test]
async fn login_refuses_non_json_cross_origin_malformed_and_huge_bodies() {
    let app = TestApp::new().await;
    let form = format!("email={EMAIL}&password={PASSWORD}");
    let response = app
        .send(
            Request::post("/api/session")
                .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(Body::from(form))
                .unwrap(),
        )
        .await;
    let status = response.status();
    assert_error(
        status,
        &support::json(response).await,
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "unsupported_media_type",
    );

    let response = app
        .send(
            Request::post("/api/session")
                .header(CONTENT_TYPE, "application/json")
                .header(HOST, "omdomme.example.no")
                .header(ORIGIN, "https://evil.example")
                .body(Body::from(
                    json!({ "email": EMAIL, "password": PASSWORD }).to_string(),
                ))
                .unwrap(),
        )
        .await;
    let status = response.status();
    assert!(response.headers().get(SET_COOKIE).is_none());
    assert_error(
        status,
        &support::json(response).await,
        StatusCode::FORBIDDEN,
        "forbidden",
    );

    // Same origin passes.
    let response = app
        .send(
            Request::post("/api/session")
                .header(CONTENT_TYPE, "application/json")
                .header(HOST, "omdomme.example.no")
                .header(ORIGIN, "https://omdomme.example.no")
                .body(Body::from(
                    json!({ "email": EMAIL, "password": PASSWORD }).to_string(),
                ))
                .unwrap(),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);

    let response = app
        .send(
            Request::post("/api/session")
                .header(CONTENT_TYPE, "application/json")
                .body(Body::from("{\"email\": "))
                .unwrap(),
        )
        .await;
    let status = response.status();
    assert_error(
        status,
        &support::json(response).await,
        StatusCode::BAD_REQUEST,
        "bad_request",
    );

    let response = app
        .post_json("/api/session", &json!({ "email": EMAIL }))
        .await;
    let status = response.status();
    let message = assert_error(
        status,
        &support::json(response).await,
        StatusCode::BAD_REQUEST,
        "bad_request",
    );
    assert!(message.contains("password"), "{message}");

    let huge = json!({ "email": EMAIL, "password": "x".repeat(100_000) });
    let response = app.post_json("/api/session", &huge).await;
    let status = response.status();
    assert_error(
        status,
        &support::json(response).await,
        StatusCode::PAYLOAD_TOO_LARGE,
        "payload_too_large",
    );
}

#[tokio::test]
async fn every_protected_route_needs_a_session() {
    let app = TestApp::new().await;
    for uri in PROTECTED {
        let (status, body) = app.get(uri, None).await;
        assert_error(status, &body, StatusCode::UNAUTHORIZED, "unauthorized");
        let (status, body) = app.get(uri, Some("omdomme_session=forged")).await;
        assert_error(status, &body, StatusCode::UNAUTHORIZED, "unauthorized");
    }
}

#[tokio::test]
async fn an_expired_session_is_refused_and_deleted() {
    let app = TestApp::new().await;
    let cookie = app.session().await;
    let hash = omdomme_web::auth::token_hash(cookie.split_once('=').unwrap().1);
    let (status, _) = app.get("/api/search", Some(&cookie)).await;
    assert_eq!(status, StatusCode::OK);

    app.clock.advance(SignedDuration::from_hours(12));
    for uri in PROTECTED {
        let (status, body) = app.get(uri, Some(&cookie)).await;
        let message = assert_error(status, &body, StatusCode::UNAUTHORIZED, "unauthorized");
        assert!(message.contains("log in"), "{message}");
    }
    assert!(app.store.session(&hash).await.unwrap().is_none());
}

#[tokio::test]
async fn logout_ends_the_session_server_side() {
    let app = TestApp::new().await;
    let cookie = app.session().await;
    let response = app
        .send(
            Request::delete("/api/session")
                .header(COOKIE, &cookie)
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    let cleared = response.headers()[SET_COOKIE].to_str().unwrap();
    assert!(
        cleared.starts_with("omdomme_session=;") && cleared.contains("Max-Age=0"),
        "{cleared}"
    );
    let (status, body) = app.get("/api/search", Some(&cookie)).await;
    assert_error(status, &body, StatusCode::UNAUTHORIZED, "unauthorized");

    // Logging out twice, or without a session, is fine.
    let response = app
        .send(Request::delete("/api/session").body(Body::empty()).unwrap())
        .await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);

    // But not from another site.
    let response = app
        .send(
            Request::delete("/api/session")
                .header(COOKIE, &cookie)
                .header(HOST, "omdomme.example.no")
                .header(ORIGIN, "https://evil.example")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn search_returns_a_page_with_synthetic_labels() {
    let app = TestApp::new().await;
    let cookie = app.session().await;
    // The workspace may be left out: there is only one.
    let (status, body) = app.get("/api/search", Some(&cookie)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["total"], 5);
    assert_eq!(body["offset"], 0);
    assert_eq!(body["limit"], 20);
    assert_eq!(body["synthetic"], true);
    assert_eq!(body["workspace"], "nordlys");
    let items = body["items"].as_array().unwrap();
    assert_eq!(items.len(), 5);
    assert!(
        items
            .iter()
            .all(|i| i["synthetic"] == true && i["enrichment"]["model"] == "test-v0")
    );

    let (status, body) = app
        .get(
            "/api/search?workspace=nordlys&sentiment=negative&order=oldest&limit=1",
            Some(&cookie),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["total"], 2);
    assert_eq!(body["items"].as_array().unwrap().len(), 1);
    assert_eq!(body["items"][0]["text"], "Fjordkraft skuffer kundene");

    let (_, body) = app
        .get("/api/search?brand=nordlys&topic=climate", Some(&cookie))
        .await;
    assert_eq!(body["total"], 1, "{body}");
    let (_, body) = app
        .get("/api/search?source=rss&lang=nb", Some(&cookie))
        .await;
    assert_eq!(body["total"], 2, "{body}");
    let (_, body) = app.get("/api/search?author=%40user3", Some(&cookie)).await;
    assert_eq!(body["total"], 1, "{body}");
    // Items 1 and 2 are from the last 48 hours; dates are Oslo midnight.
    let (_, body) = app
        .get(
            "/api/search?from=2025-06-13T12:00:00Z&to=2025-06-16",
            Some(&cookie),
        )
        .await;
    assert_eq!(body["total"], 2, "{body}");
    let (_, body) = app.get("/api/search?offset=4", Some(&cookie)).await;
    assert_eq!(body["items"].as_array().unwrap().len(), 1, "{body}");
}

#[tokio::test]
async fn search_with_a_query() {
    let app = TestApp::new().await;
    let cookie = app.session().await;
    let (status, body) = app
        .get("/api/search?q=klima&order=newest", Some(&cookie))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["total"], 2, "{body}");
}

#[tokio::test]
async fn a_query_syntax_error_is_a_400_with_the_column() {
    let app = TestApp::new().await;
    let cookie = app.session().await;
    // `klima "grønn` has an unclosed quote at column 7.
    let (status, body) = app
        .get("/api/search?q=klima%20%22gr%C3%B8nn", Some(&cookie))
        .await;
    let message = assert_error(status, &body, StatusCode::BAD_REQUEST, "query_syntax");
    assert_eq!(body["error"]["column"], 7, "{body}");
    assert!(message.starts_with("column 7"), "{message}");
    let (status, body) = app.get("/api/search?q=(klima%20OR", Some(&cookie)).await;
    assert_error(status, &body, StatusCode::BAD_REQUEST, "query_syntax");
    assert!(body["error"]["column"].as_u64().unwrap() >= 1);
}

#[tokio::test]
async fn bad_parameters_are_400s_naming_the_parameter() {
    let app = TestApp::new().await;
    let cookie = app.session().await;
    let cases: &[(&str, &[&str])] = &[
        (
            "/api/search?sentiment=happy",
            &["`sentiment`", "negative, neutral, positive"],
        ),
        ("/api/search?source=myspace", &["`source`", "rss"]),
        ("/api/search?topic=weather", &["`topic`", "climate"]),
        ("/api/search?lang=de", &["`lang`", "nb"]),
        (
            "/api/search?order=random",
            &["`order`", "relevance, newest, oldest"],
        ),
        ("/api/search?limit=0", &["`limit`", "1 to 200"]),
        ("/api/search?limit=201", &["`limit`"]),
        ("/api/search?limit=ten", &["`limit`"]),
        ("/api/search?offset=10001", &["`offset`"]),
        ("/api/search?offset=-1", &["`offset`"]),
        ("/api/search?from=yesterday", &["`from`", "RFC 3339"]),
        ("/api/search?to=2025-13-40", &["`to`"]),
        (
            "/api/search?from=2025-06-10&to=2025-06-01",
            &["`from`", "`to`"],
        ),
        (
            "/api/search?brand=equinor",
            &["`brand`", "nordlys, fjordkraft"],
        ),
        ("/api/search?colour=red", &["colour"]),
        ("/api/search?limit=1&limit=2", &["limit"]),
        (
            "/api/stats/volume?bucket=year",
            &["`bucket`", "hour, day, week, month"],
        ),
        ("/api/stats/volume?lang=nb", &["lang"]),
        ("/api/stats/volume?brand=equinor", &["`brand`"]),
        ("/api/stats/share-of-voice?brand=nordlys", &["brand"]),
        ("/api/stats/share-of-voice?sentiment=sad", &["`sentiment`"]),
        ("/api/items/abc", &["`id`"]),
    ];
    for (uri, needles) in cases {
        let (status, body) = app.get(uri, Some(&cookie)).await;
        let message = assert_error(status, &body, StatusCode::BAD_REQUEST, "bad_request");
        for needle in *needles {
            assert!(
                message.contains(needle),
                "{uri}: {needle} not in {message:?}"
            );
        }
    }
}

#[tokio::test]
async fn an_unknown_workspace_is_404() {
    let app = TestApp::new().await;
    let cookie = app.session().await;
    for uri in [
        "/api/search?workspace=equinor",
        "/api/stats/volume?workspace=equinor",
        "/api/stats/share-of-voice?workspace=equinor",
    ] {
        let (status, body) = app.get(uri, Some(&cookie)).await;
        let message = assert_error(status, &body, StatusCode::NOT_FOUND, "not_found");
        assert!(message.contains("equinor"), "{message}");
    }
}

#[tokio::test]
async fn several_workspaces_need_the_parameter() {
    let app = TestApp::new().await;
    let mut other = support::workspace("Other");
    other.id = omdomme_core::WorkspaceId("other".to_owned());
    app.store.put_workspace(&other).await.unwrap();
    let cookie = app.session().await;
    let (status, body) = app.get("/api/search", Some(&cookie)).await;
    let message = assert_error(status, &body, StatusCode::BAD_REQUEST, "bad_request");
    assert!(message.contains("`workspace`"), "{message}");
    let (status, _) = app
        .get("/api/search?workspace=nordlys", Some(&cookie))
        .await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn an_item_by_id() {
    let app = TestApp::new().await;
    let cookie = app.session().await;
    let (_, page) = app
        .get("/api/search?order=oldest&limit=1", Some(&cookie))
        .await;
    let id = page["items"][0]["id"].as_i64().unwrap();
    let (status, item) = app.get(&format!("/api/items/{id}"), Some(&cookie)).await;
    assert_eq!(status, StatusCode::OK, "{item}");
    assert_eq!(item["id"], id);
    assert_eq!(item["text"], "Fjordkraft skuffer kundene");
    assert_eq!(item["synthetic"], true);
    assert_eq!(item["source"]["kind"], "mastodon");
    assert_eq!(item["enrichment"]["sentiment"], "negative");
    assert_eq!(item["enrichment"]["topics"], json!(["product"]));
    assert_eq!(item["enrichment"]["brands"], json!(["fjordkraft"]));
    assert_eq!(item["enrichment"]["lang"], "nb");

    let (status, body) = app.get("/api/items/999999", Some(&cookie)).await;
    assert_error(status, &body, StatusCode::NOT_FOUND, "not_found");
}

#[tokio::test]
async fn volume_defaults_to_days_over_the_last_90_days() {
    let app = TestApp::new().await;
    let cookie = app.session().await;
    let (status, body) = app.get("/api/stats/volume", Some(&cookie)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["bucket"], "day");
    assert_eq!(body["time_zone"], "Europe/Oslo");
    assert_eq!(body["synthetic"], true);
    assert_eq!(body["to"], support::NOW);
    assert_eq!(body["from"], "2025-03-17T12:00:00Z");
    let total: u64 = body["points"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["count"].as_u64().unwrap())
        .sum();
    assert_eq!(total, 5, "{body}");

    let (status, body) = app
        .get("/api/stats/volume?workspace=nordlys&bucket=hour&brand=nordlys&sentiment=negative&from=2025-06-01&to=2025-06-16", Some(&cookie))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["bucket"], "hour");
    let total: u64 = body["points"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["count"].as_u64().unwrap())
        .sum();
    assert_eq!(total, 1, "{body}");
}

#[tokio::test]
async fn share_of_voice_names_the_brands() {
    let app = TestApp::new().await;
    let cookie = app.session().await;
    let (status, body) = app.get("/api/stats/share-of-voice", Some(&cookie)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["synthetic"], true);
    let brands = body["brands"].as_array().unwrap();
    let find = |id: &str| {
        brands
            .iter()
            .find(|b| b["brand"] == id)
            .cloned()
            .unwrap_or(Value::Null)
    };
    assert_eq!(find("nordlys")["name"], "Nordlys Energi");
    assert_eq!(find("nordlys")["role"], "own");
    assert_eq!(find("nordlys")["count"], 3);
    assert_eq!(find("fjordkraft")["name"], "Fjordkraft");
    assert_eq!(find("fjordkraft")["role"], "competitor");
    assert_eq!(find("fjordkraft")["count"], 2);

    let (status, body) = app
        .get(
            "/api/stats/share-of-voice?topic=climate&source=mastodon",
            Some(&cookie),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

#[tokio::test]
async fn unknown_routes_and_methods_get_json_errors() {
    let app = TestApp::new().await;
    let (status, body) = app.get("/api/nothing/here", None).await;
    assert_error(status, &body, StatusCode::NOT_FOUND, "not_found");
    let response = app
        .send(
            Request::put("/api/search")
                .header(CONTENT_TYPE, "application/json")
                .body(Body::from("{}"))
                .unwrap(),
        )
        .await;
    let status = response.status();
    assert_error(
        status,
        &support::json(response).await,
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
    );
}

#[tokio::test]
async fn serve_answers_over_tcp() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let app = TestApp::new().await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let server = tokio::spawn(omdomme_web::serve(listener, app.state()));
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    stream
        .write_all(b"GET /api/health HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
        .await
        .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).await.unwrap();
    assert!(response.starts_with("HTTP/1.1 200 OK"), "{response}");
    assert!(response.contains("\"status\":\"ok\""), "{response}");
    server.abort();
}
