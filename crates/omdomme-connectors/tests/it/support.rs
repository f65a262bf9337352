//! What every connector test needs: fixtures, a local server, a fixed clock, a client.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use omdomme_connectors::{Clock, Http, RetryPolicy};

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
pub async fn serve(router: axum::Router) -> String {
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

/// One request as a [`recording`] server saw it.
#[derive(Clone, Debug)]
pub struct Seen {
    pub method: String,
    pub path: String,
    /// The decoded query parameters, in order.
    pub query: Vec<(String, String)>,
    pub authorization: Option<String>,
    pub content_type: Option<String>,
    pub body: Vec<u8>,
}

impl Seen {
    pub fn param(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    pub fn body_text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// The answer a [`recording`] server gives: status, headers, body.
pub type Reply = (axum::http::StatusCode, Vec<(&'static str, String)>, String);

/// A server that records every request and answers each with `respond`.
pub async fn recording<F>(respond: F) -> (String, Arc<std::sync::Mutex<Vec<Seen>>>)
where
    F: Fn(&Seen) -> Reply + Send + Sync + 'static,
{
    use axum::body::Bytes;
    use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, Uri};
    use axum::response::IntoResponse;

    let seen = Arc::new(std::sync::Mutex::new(Vec::new()));
    let log = seen.clone();
    let respond = Arc::new(respond);
    let router = axum::Router::new().fallback(
        move |method: Method, uri: Uri, headers: HeaderMap, body: Bytes| {
            let log = log.clone();
            let respond = respond.clone();
            async move {
                let header = |name: &str| {
                    headers
                        .get(name)
                        .and_then(|v| v.to_str().ok())
                        .map(str::to_owned)
                };
                let request = Seen {
                    method: method.to_string(),
                    path: uri.path().to_owned(),
                    query: url::form_urlencoded::parse(uri.query().unwrap_or("").as_bytes())
                        .map(|(k, v)| (k.into_owned(), v.into_owned()))
                        .collect(),
                    authorization: header("authorization"),
                    content_type: header("content-type"),
                    body: body.to_vec(),
                };
                let (status, extra, text) = respond(&request);
                log.lock().unwrap().push(request);
                let mut response_headers = HeaderMap::new();
                response_headers
                    .insert("content-type", HeaderValue::from_static("application/json"));
                for (name, value) in extra {
                    response_headers.insert(
                        HeaderName::from_static(name),
                        HeaderValue::from_str(&value).unwrap(),
                    );
                }
                (status, response_headers, text).into_response()
            }
        },
    );
    (serve(router).await, seen)
}
