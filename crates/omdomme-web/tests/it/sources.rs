//! `GET /api/sources`: who may read it, the status as of the server's clock, and that no
//! secret ever leaves.

use axum::http::StatusCode;
use jiff::SignedDuration;
use omdomme_core::{SourceHealth, SourceKind, WorkspaceId};
use omdomme_store::Role;
use serde_json::json;

use crate::support::{self, TestApp, assert_error};

fn nordlys() -> WorkspaceId {
    WorkspaceId("nordlys".to_owned())
}

#[tokio::test]
async fn editors_leaders_and_admins_see_the_sources_and_others_do_not() {
    let app = TestApp::new().await;
    for role in [Role::Viewer, Role::Responder] {
        let cookie = app.session_as(role).await;
        let (status, body) = app.get("/api/sources", Some(&cookie)).await;
        let message = assert_error(status, &body, StatusCode::FORBIDDEN, "forbidden");
        assert!(message.contains("editor"), "{message}");
    }
    for role in [Role::Editor, Role::Leader, Role::Admin] {
        let cookie = app.session_as(role).await;
        let (status, body) = app.get("/api/sources", Some(&cookie)).await;
        assert_eq!(status, StatusCode::OK, "{role:?}: {body}");
        assert_eq!(body["workspace"], "nordlys");
        assert_eq!(body["sources"], json!([]));
    }
    let (status, body) = app.get("/api/sources", None).await;
    assert_error(status, &body, StatusCode::UNAUTHORIZED, "unauthorized");
    let cookie = app.session_as(Role::Editor).await;
    let (status, body) = app
        .get("/api/sources?workspace=equinor", Some(&cookie))
        .await;
    assert_error(status, &body, StatusCode::NOT_FOUND, "not_found");
    let (status, body) = app.get("/api/sources?page=2", Some(&cookie)).await;
    assert_error(status, &body, StatusCode::BAD_REQUEST, "bad_request");
}

#[tokio::test]
async fn each_source_says_how_it_is_doing_as_of_the_server_clock() {
    let app = TestApp::new().await;
    let now = support::now();
    let minutes_ago = |m: i64| now.checked_sub(SignedDuration::from_mins(m)).unwrap();
    let private_url = "https://intranett.nordlys.no/private-feed.rss";

    let failing = app
        .define_source(
            SourceKind::Mastodon,
            "social",
            json!({ "kind": "mastodon", "name": "social" }),
        )
        .await;
    let mut health = SourceHealth::default();
    health.record_success(minutes_ago(60), 3, None);
    health.record_failure(
        minutes_ago(5),
        "token_expired",
        "the access token expired: issue a new one",
    );
    app.store
        .put_source_health(&nordlys(), &failing, &health)
        .await
        .unwrap();
    app.store
        .put_source_credential(&nordlys(), &failing, b"sealed-bytes-never-shown")
        .await
        .unwrap();

    let quiet = app
        .define_source(
            SourceKind::Rss,
            "nrk",
            json!({ "kind": "rss", "name": "nrk", "url": private_url }),
        )
        .await;
    let mut health = SourceHealth::default();
    for m in [300, 290, 280, 270] {
        health.record_success(minutes_ago(m), 2, None);
    }
    app.store
        .put_source_health(&nordlys(), &quiet, &health)
        .await
        .unwrap();
    app.define_source(
        SourceKind::Webhook,
        "crm",
        json!({ "kind": "webhook", "name": "crm", "auth": "token" }),
    )
    .await;

    let cookie = app.session_as(Role::Editor).await;
    let (status, body) = app.get("/api/sources", Some(&cookie)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let sources = body["sources"].as_array().unwrap();
    let names: Vec<&str> = sources
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["social", "nrk", "crm"]);

    let social = &sources[0];
    assert_eq!(social["kind"], "mastodon");
    assert_eq!(social["status"], "failing");
    assert_eq!(social["last_error"]["kind"], "token_expired");
    assert!(
        social["last_error"]["message"]
            .as_str()
            .unwrap()
            .contains("issue a new one")
    );
    assert_eq!(social["failures_in_a_row"], 1);
    assert_eq!(social["items_total"], 3);
    assert_eq!(social["has_credential"], true);
    assert_eq!(social["origin"], "config");

    let nrk = &sources[1];
    assert_eq!(nrk["status"], "silent", "{nrk}");
    assert!(
        nrk["silence"].as_str().unwrap().contains("no new items"),
        "{nrk}"
    );
    assert_eq!(nrk["last_error"], serde_json::Value::Null);
    assert_eq!(sources[2]["status"], "new");

    // Nothing secret or private: neither the credential nor the definition.
    let text = body.to_string();
    assert!(!text.contains("sealed-bytes"), "{text}");
    assert!(!text.contains(private_url), "{text}");

    // The status follows the server's clock: back before the quiet spell it was ok.
    app.clock.advance(SignedDuration::from_mins(-235));
    let (_, body) = app.get("/api/sources", Some(&cookie)).await;
    assert_eq!(body["sources"][1]["status"], "ok", "{body}");
}
