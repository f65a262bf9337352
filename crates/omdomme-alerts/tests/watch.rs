//! The streaming loop against a real store: items stored after the cursor raise alerts,
//! which are stored with the cursor and delivered to a local webhook receiver or to a
//! local SMTP sink (Python's aiosmtpd); a restart neither re-sends nor raises the same
//! alert again; a synthetic workspace's deliveries are recorded, not sent.

#![allow(clippy::expect_used, clippy::unwrap_used)]

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use jiff::Timestamp;
use omdomme_alerts::channels;
use omdomme_alerts::deliver::Retry;
use omdomme_alerts::mail::Mailer;
use omdomme_alerts::testing::SmtpSink;
use omdomme_alerts::watch::{WatchContext, Watcher};
use omdomme_connectors::SecretKey;
use omdomme_core::{
    Author, Brand, BrandId, BrandRole, Engagement, Enrichment, Item, ItemKind, SourceKey,
    SourceKind, Workspace, WorkspaceId,
};
use omdomme_store::{
    AlertChannel, AlertChannelDraft, AlertChannelKind, AlertQuery, AuditEntry, DeliveryState,
    SqliteStore, Store, StoredAlert, UiLanguage,
};

const NOW: &str = "2031-03-04T10:20:00Z";

fn ts(text: &str) -> Timestamp {
    text.parse().expect("timestamp")
}

fn workspace(id: &str, synthetic: bool) -> Workspace {
    Workspace {
        id: WorkspaceId(id.to_owned()),
        name: id.to_owned(),
        synthetic,
        brands: vec![
            Brand {
                id: BrandId("nordlys".into()),
                name: "Nordlys".into(),
                role: BrandRole::Own,
                query: "nordlys".into(),
            },
            Brand {
                id: BrandId("fjordmat".into()),
                name: "Fjordmat".into(),
                role: BrandRole::Competitor,
                query: "fjordmat".into(),
            },
        ],
    }
}

/// A post about Nordlys by an author with `followers`.
fn post(external_id: &str, followers: u64, at: &str) -> Item {
    Item {
        source: SourceKey::new(SourceKind::X, "test"),
        external_id: external_id.to_owned(),
        kind: ItemKind::Post,
        author: Author {
            handle: format!("author{external_id}"),
            name: None,
            followers: Some(followers),
            verified: false,
        },
        title: None,
        text: "Nordlys igjen".into(),
        url: None,
        thread_id: None,
        parent_id: None,
        engagement: Engagement::default(),
        published_at: ts(at),
        collected_at: ts(at),
        declared_lang: None,
        enrichment: Enrichment {
            brands: vec![BrandId("nordlys".into())],
            model: "test".into(),
            ..Enrichment::default()
        },
        synthetic: false,
    }
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
    (format!("http://{addr}/hook/s3cret"), received)
}

struct Setup {
    _dir: tempfile::TempDir,
    store: Arc<SqliteStore>,
    key: SecretKey,
    ws: Workspace,
}

async fn setup(synthetic: bool) -> Setup {
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(SqliteStore::open(dir.path()).unwrap());
    let ws = workspace("nordlys", synthetic);
    store.put_workspace(&ws).await.unwrap();
    let key = SecretKey::from_base64(&SecretKey::generate_base64()).unwrap();
    Setup {
        _dir: dir,
        store,
        key,
        ws,
    }
}

impl Setup {
    async fn add_channel(&self, name: &str, kind: AlertChannelKind, typed: &str) {
        let target = channels::parse_target(kind, typed).unwrap();
        let draft = AlertChannelDraft {
            channel: AlertChannel {
                name: name.to_owned(),
                kind,
                hint: channels::hint(&target),
                lang: UiLanguage::En,
                enabled: true,
                updated_by: "admin@example.no".into(),
                updated_at: ts(NOW),
            },
            sealed: Some(channels::seal(&self.key, &self.ws.id, name, &target)),
        };
        let audit = AuditEntry {
            at: ts(NOW),
            actor: "admin@example.no".into(),
            workspace: Some(self.ws.id.clone()),
            action: "alerts.channel".into(),
            target: name.to_owned(),
            detail: String::new(),
        };
        self.store
            .put_alert_channel(&self.ws.id, &draft, &audit)
            .await
            .unwrap();
    }

    fn watcher(&self, mailer: Option<Arc<Mailer>>) -> Watcher {
        let mut context = WatchContext::new(
            self.store.clone(),
            Some(self.key.clone()),
            mailer,
            Arc::new(|| ts(NOW)),
            "https://omdomme.example.no",
        );
        context.retry = Retry {
            attempts: 2,
            first_wait: Duration::from_millis(10),
        };
        Watcher::new(context)
    }

    async fn alerts(&self) -> Vec<StoredAlert> {
        self.store
            .alerts(&AlertQuery {
                workspace: self.ws.id.clone(),
                before: None,
                limit: 100,
            })
            .await
            .unwrap()
    }

    /// Runs rounds until every delivery has finished (deliveries run on their own tasks).
    async fn settle(&self, watcher: &mut Watcher) {
        for _ in 0..500 {
            watcher.round().await.unwrap();
            let pending = self
                .store
                .pending_alert_deliveries(&self.ws.id)
                .await
                .unwrap();
            if pending.is_empty() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        panic!("deliveries still pending");
    }
}

#[tokio::test]
async fn a_new_item_alerts_once_through_the_webhook_and_a_restart_sends_nothing_again() {
    let s = setup(false).await;
    let (url, received) = receiver().await;
    s.add_channel("vakt", AlertChannelKind::Webhook, &url).await;
    // History before the first watch is the baseline, not news.
    s.store
        .put_items(&s.ws.id, &[post("old", 900_000, "2031-03-04T09:00:00Z")])
        .await
        .unwrap();
    let mut watcher = s.watcher(None);
    assert_eq!(watcher.round().await.unwrap(), 0);

    s.store
        .put_items(&s.ws.id, &[post("new", 250_000, "2031-03-04T10:19:00Z")])
        .await
        .unwrap();
    s.settle(&mut watcher).await;
    let alerts = s.alerts().await;
    assert_eq!(alerts.len(), 1, "{alerts:?}");
    assert_eq!(alerts[0].kind, "influencer");
    assert_eq!(alerts[0].deliveries.len(), 1);
    assert_eq!(alerts[0].deliveries[0].state, DeliveryState::Sent);
    let bodies = received.0.lock().unwrap().clone();
    assert_eq!(bodies.len(), 1);
    let new_id = alerts[0].evidence[0].0;
    assert_eq!(
        bodies[0]["evidence"][0]["url"],
        format!("https://omdomme.example.no/w/nordlys/items/{new_id}")
    );

    // A restart: the same alert is not raised again, the cool-down is taken up, and the
    // item stored while nothing watched is looked at once.
    drop(watcher);
    s.store
        .put_items(
            &s.ws.id,
            &[post("while-down", 300_000, "2031-03-04T10:19:30Z")],
        )
        .await
        .unwrap();
    let mut restarted = s.watcher(None);
    s.settle(&mut restarted).await;
    s.settle(&mut restarted).await;
    assert_eq!(
        s.alerts().await.len(),
        1,
        "the influencer rule is cooling down"
    );
    assert_eq!(received.0.lock().unwrap().len(), 1, "nothing sent twice");
}

#[tokio::test]
async fn a_pending_delivery_is_sent_on_start() {
    let s = setup(false).await;
    let (url, received) = receiver().await;
    s.add_channel("vakt", AlertChannelKind::Chat, &url).await;
    let item = s
        .store
        .put_items(&s.ws.id, &[post("x", 10, NOW)])
        .await
        .unwrap();
    assert_eq!(item.new, 1);
    let last = s.store.items_after(&s.ws.id, None, 10).await.unwrap().items[0].id;
    // As if the process stopped between storing the alert and sending it.
    let alert = omdomme_alerts::watch::test_alert(&s.ws, ts(NOW));
    s.store
        .record_alerts(
            &s.ws.id,
            &[omdomme_store::NewAlert {
                brand: alert.key.brand.clone(),
                topic: None,
                kind: alert.reason.kind().into(),
                reason: serde_json::to_value(&alert.reason).unwrap(),
                at: alert.at,
                hour: alert.hour,
                raised_at: alert.at,
                evidence: vec![last],
                channels: vec!["vakt".into()],
            }],
            last,
        )
        .await
        .unwrap();
    let mut watcher = s.watcher(None);
    s.settle(&mut watcher).await;
    let bodies = received.0.lock().unwrap().clone();
    assert_eq!(bodies.len(), 1);
    assert!(
        bodies[0]["text"]
            .as_str()
            .unwrap()
            .contains("Unusual activity about Nordlys"),
        "{bodies:?}"
    );
    assert_eq!(s.alerts().await[0].deliveries[0].state, DeliveryState::Sent);
}

#[tokio::test]
async fn a_synthetic_workspace_records_deliveries_without_sending() {
    let s = setup(true).await;
    let (url, received) = receiver().await;
    s.add_channel("vakt", AlertChannelKind::Webhook, &url).await;
    let mut watcher = s.watcher(None);
    watcher.round().await.unwrap();
    s.store
        .put_items(&s.ws.id, &[post("new", 250_000, NOW)])
        .await
        .unwrap();
    s.settle(&mut watcher).await;
    let alerts = s.alerts().await;
    assert_eq!(alerts.len(), 1);
    assert_eq!(alerts[0].deliveries[0].state, DeliveryState::Recorded);
    assert!(received.0.lock().unwrap().is_empty());
}

#[tokio::test]
async fn without_a_mailer_an_e_mail_delivery_fails_with_the_reason() {
    let s = setup(false).await;
    s.add_channel("ledelsen", AlertChannelKind::Email, "leder@example.no")
        .await;
    let mut watcher = s.watcher(None);
    watcher.round().await.unwrap();
    s.store
        .put_items(&s.ws.id, &[post("new", 250_000, NOW)])
        .await
        .unwrap();
    s.settle(&mut watcher).await;
    let delivery = &s.alerts().await[0].deliveries[0];
    assert_eq!(delivery.state, DeliveryState::Failed);
    assert!(
        delivery
            .error
            .as_deref()
            .unwrap()
            .contains("not configured"),
        "{delivery:?}"
    );
}

#[tokio::test]
async fn an_e_mail_alert_reaches_the_smtp_sink_through_the_loop() {
    let Some(sink) = SmtpSink::start() else {
        return;
    };
    let s = setup(false).await;
    s.add_channel(
        "ledelsen",
        AlertChannelKind::Email,
        "leder@example.no, Kommunikasjon <komm@example.no>",
    )
    .await;
    let mut watcher = s.watcher(Some(sink.mailer("Omdømme <varsel@example.no>")));
    watcher.round().await.unwrap();
    s.store
        .put_items(&s.ws.id, &[post("new", 250_000, NOW)])
        .await
        .unwrap();
    s.settle(&mut watcher).await;
    let alerts = s.alerts().await;
    assert_eq!(
        alerts[0].deliveries[0].state,
        DeliveryState::Sent,
        "{alerts:?}"
    );
    let messages = sink.raw_messages();
    assert_eq!(messages.len(), 1, "one message to both addresses");
    let raw = &messages[0];
    assert!(raw.contains("leder@example.no"), "{raw}");
    assert!(raw.contains("komm@example.no"), "{raw}");
    assert!(raw.contains("followers"), "{raw}");
    let item = alerts[0].evidence[0].0;
    assert!(
        raw.contains(&format!("/w/nordlys/items/{item}")),
        "the evidence link: {raw}"
    );
}

#[tokio::test]
async fn a_replay_raises_the_history_s_alerts_in_published_order_and_sets_the_cursor() {
    let s = setup(true).await;
    let (url, received) = receiver().await;
    s.add_channel("vakt", AlertChannelKind::Webhook, &url).await;
    // Stored out of order: the later item first.
    s.store
        .put_items(
            &s.ws.id,
            &[
                post("later", 10, "2031-03-04T10:00:00Z"),
                post("big", 400_000, "2031-03-01T10:00:00Z"),
            ],
        )
        .await
        .unwrap();
    let raised = omdomme_alerts::watch::replay(s.store.as_ref(), &s.ws, ts(NOW))
        .await
        .unwrap();
    assert_eq!(
        raised, 1,
        "an old item still alerts when replayed in published order"
    );
    let last = s.store.items_after(&s.ws.id, None, 10).await.unwrap().items;
    assert_eq!(
        s.store.alert_cursor(&s.ws.id).await.unwrap(),
        last.last().map(|i| i.id)
    );
    // The loop then records (synthetic) the pending delivery and raises nothing more.
    let mut watcher = s.watcher(None);
    s.settle(&mut watcher).await;
    let alerts = s.alerts().await;
    assert_eq!(alerts.len(), 1);
    assert_eq!(alerts[0].deliveries[0].state, DeliveryState::Recorded);
    assert!(received.0.lock().unwrap().is_empty());
}
