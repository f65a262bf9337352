//! The alert pages (issue 7): channels saved sealed and never shown back, thresholds
//! checked field by field, the test alert through a real channel, the list of alerts with
//! their evidence and delivery; every change audited, hostile text shown as text.

use std::sync::{Arc, Mutex};

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use omdomme_core::{BrandId, Topic};
use omdomme_store::{
    AlertDelivery, AlertQuery, AuditQuery, DeliveryState, NewAlert, Role, StoredThresholds,
};

use crate::support::{TestApp, body_text, now, workspace};

const HOSTILE: &str = "<script>alert(1)</script>\"><img src=x onerror=alert(1)>";

fn escaped(html: &str) {
    assert!(
        !html.contains("<script>alert") && !html.contains("<img src=x"),
        "{html}"
    );
}

async fn actions(app: &TestApp) -> Vec<(String, String)> {
    app.store
        .audit_log(&AuditQuery {
            action_prefix: Some("alerts.".to_owned()),
            limit: 100,
            ..AuditQuery::default()
        })
        .await
        .unwrap()
        .into_iter()
        .map(|r| (r.entry.action, r.entry.detail))
        .collect()
}

#[derive(Clone, Default)]
struct Received(Arc<Mutex<Vec<serde_json::Value>>>);

async fn receive(
    State(received): State<Received>,
    Json(body): Json<serde_json::Value>,
) -> StatusCode {
    received.0.lock().unwrap().push(body);
    StatusCode::OK
}

async fn receiver() -> (String, Received) {
    let received = Received::default();
    let app = axum::Router::new()
        .route("/hook/{secret}", axum::routing::post(receive))
        .with_state(received.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    (format!("http://{addr}/hook/s3cretT0ken"), received)
}

#[tokio::test]
async fn an_admin_saves_a_channel_whose_address_is_sealed_and_never_shown() {
    let app = TestApp::new().await;
    let admin = app.browser_as(Role::Admin).await;
    let url = "https://hooks.slack.com/services/T000/B000/s3cretT0kenWxYz";
    let name = format!("Vakt {HOSTILE}");
    let response = app
        .submit(
            "/w/nordlys/setup/alerts/channel",
            &admin,
            &[
                ("name", &name),
                ("kind", "chat"),
                ("target", url),
                ("lang", "en"),
                ("enabled", "on"),
            ],
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let html = body_text(response).await;
    escaped(&html);
    assert!(html.contains("hooks.slack.com/…WxYz"), "{html}");
    assert!(!html.contains("s3cret"), "the address is never shown back");
    let ws = workspace("x").id;
    let sealed = app
        .store
        .alert_channel_target(&ws, &name)
        .await
        .unwrap()
        .unwrap();
    assert!(!String::from_utf8_lossy(&sealed).contains("s3cret"));
    let opened = omdomme_alerts::channels::open(
        app.secret_key.as_ref().unwrap(),
        &ws,
        &name,
        omdomme_store::AlertChannelKind::Chat,
        &sealed,
    )
    .unwrap();
    assert_eq!(opened, omdomme_alerts::deliver::Target::Chat(url.into()));

    // Switched off without typing the address again: the sealed one stays.
    let response = app
        .submit(
            "/w/nordlys/setup/alerts/channel",
            &admin,
            &[("name", &name), ("kind", "chat"), ("lang", "nb")],
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let channels = app.store.alert_channels(&ws).await.unwrap();
    assert!(!channels[0].enabled);
    assert_eq!(
        app.store.alert_channel_target(&ws, &name).await.unwrap(),
        Some(sealed)
    );
    let audited = actions(&app).await;
    assert_eq!(audited.len(), 2, "{audited:?}");
    assert!(audited.iter().all(|(_, detail)| !detail.contains("s3cret")));

    // A bad address and a new channel without one are refused, naming the field.
    for (fields, needle) in [
        (
            vec![
                ("name", "ny"),
                ("kind", "webhook"),
                ("target", "javascript:alert(1)"),
                ("lang", "nb"),
            ],
            "https://",
        ),
        (
            vec![
                ("name", "ny"),
                ("kind", "email"),
                ("target", "ikke en adresse"),
                ("lang", "nb"),
            ],
            "ikke en adresse",
        ),
        (
            vec![("name", "ny"), ("kind", "webhook"), ("lang", "nb")],
            "trenger en adresse",
        ),
        (
            vec![
                ("name", "ny"),
                ("kind", "sms"),
                ("target", url),
                ("lang", "nb"),
            ],
            "typene",
        ),
    ] {
        let response = app
            .submit("/w/nordlys/setup/alerts/channel", &admin, &fields)
            .await;
        assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let html = body_text(response).await;
        assert!(html.contains(needle), "{needle}: {html}");
    }
    assert_eq!(app.store.alert_channels(&ws).await.unwrap().len(), 1);

    let response = app
        .submit(
            "/w/nordlys/setup/alerts/channel/delete",
            &admin,
            &[("name", &name)],
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(app.store.alert_channels(&ws).await.unwrap().is_empty());
}

#[tokio::test]
async fn a_leader_sets_the_thresholds_and_bad_ones_are_refused_by_field() {
    let app = TestApp::new().await;
    let leader = app.browser_as(Role::Leader).await;
    let (status, html) = app.page("/w/nordlys/setup/alerts", Some(&leader)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains("name=\"z\" value=\"5\""),
        "the defaults: {html}"
    );
    assert!(
        !html.contains("id=\"alert-channel\""),
        "only admins edit channels"
    );
    let fields = [
        ("spikes", "on"),
        ("z", "4,5"),
        ("min_count", "20"),
        ("baseline_weeks", "6"),
        ("influencer_followers", "50 000"),
        ("csr_negative_per_hour", "0"),
        ("cooldown_hours", "24"),
    ];
    let response = app
        .submit("/w/nordlys/setup/alerts/thresholds", &leader, &fields)
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let stored = app
        .store
        .alert_thresholds(&workspace("x").id)
        .await
        .unwrap()
        .unwrap();
    let thresholds: omdomme_alerts::Thresholds = serde_json::from_str(&stored.json).unwrap();
    assert_eq!(thresholds.z, 4.5);
    assert_eq!(thresholds.influencer_followers, Some(50_000));
    assert!(!thresholds.press, "an unchecked box is off");
    assert_eq!(thresholds.baseline_weeks, 6);

    let response = app
        .submit(
            "/w/nordlys/setup/alerts/thresholds",
            &leader,
            &[
                ("z", "0.5"),
                ("min_count", "mange"),
                ("baseline_weeks", "52"),
                ("csr_negative_per_hour", "3"),
                ("cooldown_hours", "1000"),
            ],
        )
        .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = body_text(response).await;
    for field in ["z", "min_count", "baseline_weeks", "cooldown_hours"] {
        assert!(
            html.contains(&format!("data-field=\"{field}\"")),
            "{field}: {html}"
        );
    }
    assert_eq!(
        app.store
            .alert_thresholds(&workspace("x").id)
            .await
            .unwrap()
            .unwrap(),
        StoredThresholds { ..stored },
        "nothing stored"
    );
    assert_eq!(actions(&app).await.len(), 1);
}

#[tokio::test]
async fn the_test_alert_reaches_the_channel_in_a_real_workspace_and_is_recorded_in_the_demo() {
    let app = TestApp::new().await;
    let admin = app.browser_as(Role::Admin).await;
    let (url, received) = receiver().await;
    app.submit(
        "/w/nordlys/setup/alerts/channel",
        &admin,
        &[
            ("name", "vakt"),
            ("kind", "webhook"),
            ("target", &url),
            ("lang", "nb"),
            ("enabled", "on"),
        ],
    )
    .await;
    // The seeded workspace is the demo: recorded, not sent.
    let response = app
        .submit("/w/nordlys/setup/alerts/test", &admin, &[("name", "vakt")])
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(body_text(response).await.contains("ikke sendt"));
    assert!(received.0.lock().unwrap().is_empty());

    let mut real = workspace("Nordlys Energi");
    real.synthetic = false;
    app.store.put_workspace(&real).await.unwrap();
    let response = app
        .submit("/w/nordlys/setup/alerts/test", &admin, &[("name", "vakt")])
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let html = body_text(response).await;
    assert!(html.contains("Testvarselet er sendt til vakt"), "{html}");
    let bodies = received.0.lock().unwrap().clone();
    assert_eq!(bodies.len(), 1);
    assert_eq!(bodies[0]["test"], true);
    assert_eq!(bodies[0]["brand"], "nordlys");
    let audited = actions(&app).await;
    assert!(
        audited
            .iter()
            .any(|(a, d)| a == "alerts.test" && d.starts_with("sent")),
        "{audited:?}"
    );
}

#[tokio::test]
async fn the_list_shows_reason_evidence_and_each_delivery() {
    let app = TestApp::new().await;
    let viewer = app.browser_as(Role::Viewer).await;
    let (status, html) = app.page("/w/nordlys/alerts", Some(&viewer)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Ingen varsler ennå"), "{html}");
    assert!(!html.contains("setup/alerts"), "viewers get no setup link");

    let ws = workspace("x").id;
    let items = app.store.items_after(&ws, None, 10).await.unwrap().items;
    let last = items.last().unwrap().id;
    let ids = app
        .store
        .record_alerts(
            &ws,
            &[NewAlert {
                brand: BrandId("nordlys".into()),
                topic: Some(Topic::Climate),
                kind: "press".into(),
                reason: serde_json::json!({"kind": "press", "source": HOSTILE}),
                at: now(),
                hour: now(),
                raised_at: now(),
                evidence: vec![items[0].id],
                channels: vec!["vakt".into(), HOSTILE.into()],
            }],
            last,
        )
        .await
        .unwrap();
    app.store
        .finish_alert_delivery(
            &ws,
            ids[0],
            &AlertDelivery {
                channel: "vakt".into(),
                state: DeliveryState::Failed,
                attempts: 4,
                error: Some("the webhook answered 500 after 4 attempts".into()),
                at: Some(now()),
            },
        )
        .await
        .unwrap();
    let (status, html) = app.page("/w/nordlys/alerts", Some(&viewer)).await;
    assert_eq!(status, StatusCode::OK);
    escaped(&html);
    assert!(
        html.contains("Negativ presseomtale av Nordlys Energi / climate"),
        "{html}"
    );
    assert!(
        html.contains(&format!("href=\"/w/nordlys/items/{}\"", items[0].id.0)),
        "{html}"
    );
    assert!(html.contains("data-delivery=\"failed\""), "{html}");
    assert!(html.contains("answered 500"), "{html}");
    assert!(html.contains("data-delivery=\"pending\""), "{html}");
    assert!(
        html.contains("explorer?brand=nordlys&#38;from=2025-06-15"),
        "{html}"
    );
    let stored = app
        .store
        .alerts(&AlertQuery {
            workspace: ws,
            before: None,
            limit: 10,
        })
        .await
        .unwrap();
    assert_eq!(stored.len(), 1);
}
