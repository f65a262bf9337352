//! A seeded app to test against: a store with one synthetic workspace (two brands and a
//! handful of enriched items), a viewer, a fake clock, a fake enricher, a secret key, and
//! helpers to send requests.

use std::sync::{Arc, Mutex};

use axum::body::Body;
use axum::http::header::{CONTENT_TYPE, COOKIE};
use axum::http::{Request, StatusCode};
use axum::response::Response;
use http_body_util::BodyExt;
use jiff::{SignedDuration, Timestamp};
use omdomme_connectors::SecretKey;
use omdomme_core::{
    Author, Brand, BrandId, BrandRole, Engagement, Enrichment, Item, ItemKind, Lang, Sentiment,
    SentimentLabel, SourceKey, SourceKind, Topic, Workspace, WorkspaceId,
};
use omdomme_nlp::Enricher;
use omdomme_store::{
    Role, SessionRecord, SourceDefinition, SourceOrigin, Store, UiLanguage, UserRecord,
};
use omdomme_web::{AppState, Clock, Enrichers, WebConfig, auth, router};
use serde_json::Value;
use tower::ServiceExt;

pub const NOW: &str = "2025-06-15T12:00:00Z";
pub const EMAIL: &str = "kari@nordlys.no";
pub const PASSWORD: &str = "korrekt hest batteri stift";

/// A clock that stands still until told to move.
pub struct FakeClock(Mutex<Timestamp>);

impl FakeClock {
    pub fn advance(&self, by: SignedDuration) {
        let mut now = self.0.lock().unwrap();
        *now = now.checked_add(by).unwrap();
    }
}

impl Clock for FakeClock {
    fn now(&self) -> Timestamp {
        *self.0.lock().unwrap()
    }
}

/// Marks items as enriched without the real models (their tests live with them).
pub struct FakeEnricher;

pub const FAKE_MODEL: &str = "fake-enricher";

impl Enricher for FakeEnricher {
    fn name(&self) -> &'static str {
        FAKE_MODEL
    }

    fn enrich(&self, items: &mut [Item]) {
        for item in items {
            item.enrichment.lang = Lang::Nb;
            item.enrichment.model = FAKE_MODEL.to_owned();
        }
    }
}

pub struct TestApp {
    pub store: Arc<dyn Store>,
    pub clock: Arc<FakeClock>,
    pub config: WebConfig,
    /// `None` plays a server started without OMDOMME_SECRET_KEY.
    pub secret_key: Option<SecretKey>,
    /// Where inbox replies go: the real directory (sources of the store) unless a test
    /// swaps in a fake platform.
    pub channels: Arc<dyn omdomme_web::pages::inbox::ChannelDirectory>,
    /// Keeps the data folder alive as long as the app.
    _dir: tempfile::TempDir,
}

pub fn now() -> Timestamp {
    NOW.parse().unwrap()
}

pub fn workspace(name: &str) -> Workspace {
    Workspace {
        id: WorkspaceId("nordlys".to_owned()),
        name: name.to_owned(),
        synthetic: true,
        brands: vec![
            Brand {
                id: BrandId("nordlys".to_owned()),
                name: "Nordlys Energi".to_owned(),
                role: BrandRole::Own,
                query: "nordlys".to_owned(),
            },
            Brand {
                id: BrandId("fjordkraft".to_owned()),
                name: "Fjordkraft".to_owned(),
                role: BrandRole::Competitor,
                query: "fjordkraft".to_owned(),
            },
        ],
    }
}

pub fn item(
    n: u32,
    text: &str,
    brand: &str,
    label: SentimentLabel,
    topic: Topic,
    hours_ago: i64,
) -> Item {
    let published_at = now()
        .checked_sub(SignedDuration::from_hours(hours_ago))
        .unwrap();
    Item {
        source: SourceKey::new(
            if n.is_multiple_of(2) {
                SourceKind::Rss
            } else {
                SourceKind::Mastodon
            },
            "test",
        ),
        external_id: format!("ext-{n}"),
        kind: ItemKind::Post,
        author: Author {
            handle: format!("user{n}"),
            name: None,
            followers: Some(10),
            verified: false,
        },
        title: None,
        text: text.to_owned(),
        url: Some(format!("https://example.invalid/{n}")),
        thread_id: None,
        parent_id: None,
        engagement: Engagement {
            likes: u64::from(n),
            shares: 0,
            replies: 0,
            views: None,
        },
        published_at,
        collected_at: published_at,
        declared_lang: Some("nb".to_owned()),
        enrichment: Enrichment {
            lang: Lang::Nb,
            sentiment: Sentiment {
                label,
                score: match label {
                    SentimentLabel::Negative => -0.6,
                    SentimentLabel::Neutral => 0.0,
                    SentimentLabel::Positive => 0.7,
                },
            },
            topics: [topic].into_iter().collect(),
            stakeholder: None,
            brands: vec![BrandId(brand.to_owned())],
            brand_sentiment: Vec::new(),
            inquiry: false,
            model: "test-v0".to_owned(),
        },
        synthetic: true,
    }
}

/// The seeded items: 3 about nordlys, 2 about fjordkraft, 2 negative.
pub fn items() -> Vec<Item> {
    use SentimentLabel::*;
    vec![
        item(
            1,
            "Nordlys Energi kutter utslipp og satser på klima",
            "nordlys",
            Positive,
            Topic::Climate,
            2,
        ),
        item(
            2,
            "Nordlys Energi har elendig kundeservice",
            "nordlys",
            Negative,
            Topic::Product,
            30,
        ),
        item(
            3,
            "Nordlys Energi ansetter flere",
            "nordlys",
            Neutral,
            Topic::Employer,
            50,
        ),
        item(
            4,
            "Fjordkraft og klima: nye mål",
            "fjordkraft",
            Neutral,
            Topic::Climate,
            70,
        ),
        item(
            5,
            "Fjordkraft skuffer kundene",
            "fjordkraft",
            Negative,
            Topic::Product,
            100,
        ),
    ]
}

pub async fn open_store(dir: &std::path::Path) -> Arc<dyn Store> {
    Arc::new(omdomme_store::SqliteStore::open(dir).unwrap())
}

impl TestApp {
    /// A store holding the seeded workspace named `name`, and a viewer.
    pub async fn with_workspace_named(name: &str) -> TestApp {
        let dir = tempfile::tempdir().unwrap();
        let store = open_store(dir.path()).await;
        let ws = workspace(name);
        store.put_workspace(&ws).await.unwrap();
        store.put_items(&ws.id, &items()).await.unwrap();
        store.flush().await.unwrap();
        store
            .put_user(&UserRecord {
                email: EMAIL.to_owned(),
                name: "Kari Nordmann".to_owned(),
                role: Role::Viewer,
                password_hash: omdomme_web::hash_password(PASSWORD).unwrap(),
                language: UiLanguage::Nb,
            })
            .await
            .unwrap();
        let clock = Arc::new(FakeClock(Mutex::new(now())));
        let secret_key = Some(SecretKey::from_base64(&SecretKey::generate_base64()).unwrap());
        let channels = omdomme_web::pages::inbox::StoreChannels::new(
            store.clone(),
            secret_key.clone(),
            omdomme_web::connector_clock(clock.clone()),
        )
        .unwrap();
        TestApp {
            store,
            clock,
            config: WebConfig::default(),
            secret_key,
            channels: Arc::new(channels),
            _dir: dir,
        }
    }

    pub async fn new() -> TestApp {
        TestApp::with_workspace_named("Nordlys Energi (demo)").await
    }

    pub fn state(&self) -> AppState {
        let mut enrichers = Enrichers::new();
        enrichers.insert(
            WorkspaceId("nordlys".to_owned()),
            Arc::new(FakeEnricher) as Arc<dyn Enricher>,
        );
        AppState {
            store: self.store.clone(),
            clock: self.clock.clone(),
            config: self.config.clone(),
            enrichers: Arc::new(enrichers),
            secret_key: self.secret_key.clone(),
            overview_figures: std::sync::Arc::new(omdomme_web::pages::overview::figure_cache()),
            channels: self.channels.clone(),
            mailer: None,
        }
    }

    /// A session for a new user with `role`; returns the `Cookie` header value.
    pub async fn session_as(&self, role: Role) -> String {
        let email = format!("{}@nordlys.no", role.as_str());
        self.store
            .put_user(&UserRecord {
                email: email.clone(),
                name: role.as_str().to_owned(),
                role,
                // Never checked: the session is made directly.
                password_hash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA".to_owned(),
                language: UiLanguage::Nb,
            })
            .await
            .unwrap();
        self.session_of(&email).await
    }

    /// A session for the seeded viewer, made directly in the store (logging in through the
    /// API is tested on its own); returns the `Cookie` header value.
    pub async fn session(&self) -> String {
        self.session_of(EMAIL).await
    }

    async fn session_of(&self, email: &str) -> String {
        let token = auth::new_session_token();
        self.store
            .put_session(&SessionRecord {
                token_hash: auth::token_hash(&token),
                email: email.to_owned(),
                expires_at: self
                    .clock
                    .now()
                    .checked_add(self.config.session_ttl)
                    .unwrap(),
            })
            .await
            .unwrap();
        format!("{}={token}", auth::SESSION_COOKIE)
    }

    /// Defines a source of the seeded workspace from the config file.
    pub async fn define_source(
        &self,
        kind: SourceKind,
        name: &str,
        spec: serde_json::Value,
    ) -> SourceKey {
        let key = SourceKey::new(kind, name);
        let definition = SourceDefinition {
            key: key.clone(),
            spec,
            origin: SourceOrigin::Config,
            enabled: true,
        };
        self.store
            .put_source(&WorkspaceId("nordlys".to_owned()), &definition, now())
            .await
            .unwrap();
        key
    }

    /// A browser session for a new user with `role`: its cookie and the CSRF token its
    /// pages carry.
    pub async fn browser_as(&self, role: Role) -> Browser {
        Browser::from_cookie(self.session_as(role).await)
    }

    /// GET a page as `browser` (or anonymously); returns status and the HTML.
    pub async fn page(&self, uri: &str, browser: Option<&Browser>) -> (StatusCode, String) {
        let mut request = Request::get(uri);
        if let Some(browser) = browser {
            request = request.header(COOKIE, &browser.cookie);
        }
        let response = self.send(request.body(Body::empty()).unwrap()).await;
        let status = response.status();
        (status, body_text(response).await)
    }

    /// POST a form as `browser`, with its CSRF token in the `_csrf` field.
    pub async fn submit(&self, uri: &str, browser: &Browser, fields: &[(&str, &str)]) -> Response {
        let mut all = vec![("_csrf", browser.csrf.as_str())];
        all.extend_from_slice(fields);
        self.post_form(uri, Some(&browser.cookie), &all).await
    }

    /// POST exactly these form fields (no CSRF token added).
    pub async fn post_form(
        &self,
        uri: &str,
        cookie: Option<&str>,
        fields: &[(&str, &str)],
    ) -> Response {
        let body = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(fields)
            .finish();
        let mut request =
            Request::post(uri).header(CONTENT_TYPE, "application/x-www-form-urlencoded");
        if let Some(cookie) = cookie {
            request = request.header(COOKIE, cookie);
        }
        self.send(request.body(Body::from(body)).unwrap()).await
    }

    pub async fn send(&self, request: Request<Body>) -> Response {
        router(self.state()).oneshot(request).await.unwrap()
    }

    /// GET with the given cookie (if any); returns status and the body as JSON.
    pub async fn get(&self, uri: &str, cookie: Option<&str>) -> (StatusCode, Value) {
        let mut request = Request::get(uri);
        if let Some(cookie) = cookie {
            request = request.header(COOKIE, cookie);
        }
        let response = self.send(request.body(Body::empty()).unwrap()).await;
        let status = response.status();
        (status, json(response).await)
    }

    pub async fn post_json(&self, uri: &str, body: &Value) -> Response {
        self.send(
            Request::post(uri)
                .header(CONTENT_TYPE, "application/json")
                .body(Body::from(body.to_string()))
                .unwrap(),
        )
        .await
    }
}

pub async fn body_text(response: Response) -> String {
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    String::from_utf8(bytes.to_vec()).unwrap()
}

pub async fn json(response: Response) -> Value {
    let text = body_text(response).await;
    if text.is_empty() {
        return Value::Null;
    }
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"))
}

/// Asserts an error response's status and code, and returns its message.
#[track_caller]
pub fn assert_error(
    status: StatusCode,
    body: &Value,
    want_status: StatusCode,
    want_code: &str,
) -> String {
    assert_eq!(status, want_status, "{body}");
    assert_eq!(body["error"]["code"], want_code, "{body}");
    let message = body["error"]["message"].as_str().unwrap().to_owned();
    assert!(!message.is_empty());
    message
}

/// A logged-in browser: the `Cookie` header value and the CSRF token of its session.
#[derive(Clone, Debug)]
pub struct Browser {
    pub cookie: String,
    pub csrf: String,
}

impl Browser {
    pub fn from_cookie(cookie: String) -> Browser {
        let token = cookie
            .strip_prefix(&format!("{}=", auth::SESSION_COOKIE))
            .unwrap()
            .to_owned();
        Browser {
            csrf: omdomme_web::csrf::token_for_session(&token),
            cookie,
        }
    }
}
