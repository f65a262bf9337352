//! What every connector test needs: fixtures, a local server (optionally recording every
//! request it gets, so a test can assert what the connector sent), a fixed clock, a client,
//! a build context.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::{Body, Bytes, to_bytes};
use axum::extract::{Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use omdomme_connectors::{BuildContext, Clock, Http, RetryPolicy, Secret, WatchQuery};
use omdomme_core::{BrandId, Query};

/// The text of a fixture file, by its path under `shared/fixtures`.
pub fn fixture(rel: &str) -> String {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/fixtures");
    assert!(
        root.is_dir(),
        "fixtures not found at {} (expected /work/shared/fixtures next to the workspace; CI always has it)",
        root.display()
    );
    std::fs::read_to_string(root.join(rel)).unwrap_or_else(|e| panic!("fixture {rel}: {e}"))
}

/// Serves `router` on a free loopback port until the test's runtime ends; returns the base
/// URL (`http://127.0.0.1:<port>`).
pub async fn serve(router: Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind loopback");
    let address: SocketAddr = listener.local_addr().expect("address");
    tokio::spawn(async move {
        axum::serve(listener, router).await.ok();
    });
    format!("http://{address}")
}

/// A clock stopped at 2027-01-15T10:00:00Z.
pub fn fixed_clock() -> Clock {
    Arc::new(|| jiff::Timestamp::from_second(1_800_000_000).expect("in range"))
}

/// A client that retries quickly, so tests of backoff take milliseconds.
pub fn fast_http() -> Http {
    Http::new(
        RetryPolicy {
            attempts: 4,
            base_delay: Duration::from_millis(10),
            max_delay: Duration::from_millis(50),
            max_wait: Duration::from_secs(3),
            timeout: Duration::from_secs(2),
        },
        fixed_clock(),
    )
    .expect("client")
}

/// A build context with the fast test client, `credential` and watch queries.
pub fn context(credential: Option<&str>, queries: &[&str]) -> BuildContext {
    BuildContext {
        http: fast_http(),
        credential: credential.map(Secret::new),
        watch: queries
            .iter()
            .enumerate()
            .map(|(i, q)| WatchQuery {
                brand: BrandId(format!("brand{i}")),
                text: (*q).to_owned(),
                query: Query::parse(q).expect("query"),
            })
            .collect(),
    }
}

/// One request as a recording server ([`serve_recorded`], [`recording`]) saw it.
#[derive(Clone, Debug)]
pub struct Seen {
    pub method: String,
    pub path: String,
    /// The decoded query parameters, in order.
    pub query: Vec<(String, String)>,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

impl Seen {
    fn new(parts: &Parts, body: &Bytes) -> Self {
        Self {
            method: parts.method.to_string(),
            path: parts.uri.path().to_owned(),
            query: url::form_urlencoded::parse(parts.uri.query().unwrap_or_default().as_bytes())
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect(),
            headers: parts.headers.clone(),
            body: body.to_vec(),
        }
    }

    /// The first decoded value of query parameter `name`.
    pub fn param(&self, name: &str) -> Option<&str> {
        self.params(name).into_iter().next()
    }

    /// Every decoded value of query parameter `name`, in order.
    pub fn params(&self, name: &str) -> Vec<&str> {
        self.query
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .collect()
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    pub fn body_text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).expect("a JSON body")
    }
}

/// What a recording server has seen so far, in arrival order.
#[derive(Clone, Default)]
pub struct Requests(Arc<Mutex<Vec<Seen>>>);

impl Requests {
    pub fn all(&self) -> Vec<Seen> {
        self.0.lock().unwrap().clone()
    }

    /// The requests to `path`.
    pub fn to(&self, path: &str) -> Vec<Seen> {
        self.all().into_iter().filter(|s| s.path == path).collect()
    }
}

/// Splits `request` into its parts and its whole body, as a [`Seen`] and what rebuilds it.
async fn seen(request: Request) -> (Seen, Parts, Bytes) {
    let (parts, body) = request.into_parts();
    let body = to_bytes(body, usize::MAX).await.unwrap_or_default();
    (Seen::new(&parts, &body), parts, body)
}

async fn record(State(requests): State<Requests>, request: Request, next: Next) -> Response {
    let (seen, parts, body) = seen(request).await;
    requests.0.lock().unwrap().push(seen);
    next.run(Request::from_parts(parts, Body::from(body))).await
}

/// Serves `router`, recording every request; returns the base URL and the record.
pub async fn serve_recorded(router: Router) -> (String, Requests) {
    let requests = Requests::default();
    let router = router.layer(middleware::from_fn_with_state(requests.clone(), record));
    (serve(router).await, requests)
}

/// The answer a [`recording`] server gives: status, headers, body.
pub type Reply = (StatusCode, Vec<(&'static str, String)>, String);

/// A server that records every request and answers each with `respond` (as JSON unless
/// `respond` says otherwise).
pub async fn recording<F>(respond: F) -> (String, Requests)
where
    F: Fn(&Seen) -> Reply + Send + Sync + 'static,
{
    let respond = Arc::new(respond);
    let router = Router::new().fallback(move |request: Request| {
        let respond = respond.clone();
        async move {
            let (request, _, _) = seen(request).await;
            let (status, extra, text) = respond(&request);
            let mut headers = HeaderMap::new();
            headers.insert("content-type", HeaderValue::from_static("application/json"));
            for (name, value) in extra {
                headers.insert(
                    HeaderName::from_static(name),
                    HeaderValue::from_str(&value).unwrap(),
                );
            }
            (status, headers, text).into_response()
        }
    });
    serve_recorded(router).await
}
