//! Delivery against local receivers: a generic webhook and a Slack-style incoming webhook
//! served by axum (the first answer a 500, so the retry is exercised), and e-mail to a
//! local SMTP sink (Python's aiosmtpd, which `.ci/run` installs, writing a maildir).

#![allow(clippy::expect_used)]

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use jiff::Timestamp;
use omdomme_alerts::deliver::{self, Lang, Links, Retry, Target};
use omdomme_alerts::testing::SmtpSink;
use omdomme_alerts::{Alert, AlertKey, Reason, SpikeSignal};
use omdomme_core::{BrandId, ItemId, Topic};

fn alert() -> Alert {
    Alert {
        key: AlertKey {
            brand: BrandId("havbris".to_owned()),
            topic: Some(Topic::Labour),
        },
        reason: Reason::Spike {
            volume: Some(SpikeSignal {
                observed: 97.0,
                baseline: 12.0,
                z: 24.0,
            }),
            negative_share: None,
        },
        at: Timestamp::from_second(1_761_454_800).expect("in range"),
        hour: Timestamp::from_second(1_761_454_800).expect("in range"),
        evidence: vec![ItemId(41), ItemId(7)],
    }
}

fn message(lang: Lang) -> deliver::Message {
    let workspace = omdomme_demo::workspace();
    let links = Links::new("https://omdomme.example.no/", &workspace);
    deliver::message(&alert(), &workspace, &links, lang)
}

#[derive(Clone, Default)]
struct Received {
    bodies: Arc<Mutex<Vec<serde_json::Value>>>,
    refuse_first: Arc<Mutex<bool>>,
}

async fn receive(
    State(received): State<Received>,
    Json(body): Json<serde_json::Value>,
) -> StatusCode {
    let mut refuse = received.refuse_first.lock().expect("lock");
    if *refuse {
        *refuse = false;
        return StatusCode::INTERNAL_SERVER_ERROR;
    }
    received.bodies.lock().expect("lock").push(body);
    StatusCode::OK
}

async fn receiver(refuse_first: bool) -> (String, Received) {
    let received = Received {
        refuse_first: Arc::new(Mutex::new(refuse_first)),
        ..Received::default()
    };
    let app = axum::Router::new()
        .route("/hook/{secret}", axum::routing::post(receive))
        .with_state(received.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move { axum::serve(listener, app).await });
    (format!("http://{addr}/hook/s3cret"), received)
}

fn quick_retry() -> Retry {
    Retry {
        attempts: 3,
        first_wait: Duration::from_millis(10),
    }
}

#[tokio::test]
async fn the_generic_webhook_gets_the_alert_as_json_after_a_retry() {
    let (url, received) = receiver(true).await;
    let client = reqwest::Client::new();
    let attempts = deliver::deliver(
        &client,
        None,
        &Target::Webhook(url),
        &message(Lang::En),
        quick_retry(),
    )
    .await
    .expect("delivered");
    assert_eq!(attempts, 2);
    let bodies = received.bodies.lock().expect("lock").clone();
    assert_eq!(bodies.len(), 1);
    let body = &bodies[0];
    assert_eq!(body["kind"], "spike");
    assert_eq!(body["topic"], "labour");
    assert_eq!(
        body["evidence"][0]["url"],
        "https://omdomme.example.no/w/havbris-demo/items/41"
    );
    assert_eq!(
        body["explorer_url"],
        "https://omdomme.example.no/w/havbris-demo/explorer?brand=havbris&from=2025-10-26&to=2025-10-26&topic=labour"
    );
    assert!(
        body["headline"]
            .as_str()
            .expect("text")
            .contains("97 mentions this hour against a usual 12"),
        "{body}"
    );
}

#[tokio::test]
async fn slack_and_teams_get_text_with_the_links() {
    let (url, received) = receiver(false).await;
    let client = reqwest::Client::new();
    deliver::deliver(
        &client,
        None,
        &Target::Chat(url),
        &message(Lang::Nb),
        quick_retry(),
    )
    .await
    .expect("delivered");
    let bodies = received.bodies.lock().expect("lock").clone();
    let text = bodies[0]["text"].as_str().expect("text");
    assert!(text.starts_with("Uvanlig aktivitet om Havbris"), "{text}");
    assert!(text.contains("/w/havbris-demo/items/7"), "{text}");
    assert_eq!(bodies[0].as_object().expect("object").len(), 1);
}

#[tokio::test]
async fn a_failing_webhook_reports_without_its_secret() {
    let client = reqwest::Client::new();
    // A port nobody listens on.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("addr");
    drop(listener);
    let error = deliver::deliver(
        &client,
        None,
        &Target::Webhook(format!("http://{addr}/hook/s3cret")),
        &message(Lang::En),
        quick_retry(),
    )
    .await
    .expect_err("nobody listens");
    let shown = error.to_string();
    assert!(shown.contains("after 3 attempts"), "{shown}");
    assert!(!shown.contains("s3cret"), "{shown}");
}

#[tokio::test]
async fn e_mail_reaches_a_local_smtp_sink_as_text_and_html() {
    let Some(sink) = SmtpSink::start() else {
        return;
    };
    let mailer = sink.mailer("Omdømme <varsel@example.no>");
    let client = reqwest::Client::new();
    deliver::deliver(
        &client,
        Some(&*mailer),
        &Target::Email(vec!["leder@example.no".to_owned()]),
        &message(Lang::Nb),
        quick_retry(),
    )
    .await
    .expect("delivered");
    let messages = sink.raw_messages();
    assert_eq!(messages.len(), 1);
    let raw = &messages[0];
    assert!(raw.contains("To: leder@example.no"), "{raw}");
    assert!(raw.contains("multipart/alternative"), "{raw}");
    assert!(raw.contains("text/html"), "{raw}");
    assert!(raw.contains("/w/havbris-demo/items/41"), "{raw}");
}
