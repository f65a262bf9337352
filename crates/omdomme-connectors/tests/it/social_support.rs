//! What the Mastodon and Bluesky tests share: a local server that records every request it
//! gets (method, path, query, headers, body), so a test can assert what the connector sent.

use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::{Body, to_bytes};
use axum::extract::{Request, State};
use axum::http::HeaderMap;
use axum::middleware::{self, Next};
use axum::response::Response;
use omdomme_connectors::{BuildContext, Secret, WatchQuery};
use omdomme_core::{BrandId, Query};

use crate::support::{fast_http, serve};

#[derive(Clone, Debug)]
pub struct Seen {
    pub method: String,
    pub path: String,
    pub query: String,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

impl Seen {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).expect("a JSON body")
    }

    /// The decoded values of query parameter `name`.
    pub fn param(&self, name: &str) -> Vec<String> {
        url::form_urlencoded::parse(self.query.as_bytes())
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.into_owned())
            .collect()
    }
}

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

async fn record(State(requests): State<Requests>, request: Request, next: Next) -> Response {
    let (parts, body) = request.into_parts();
    let body = to_bytes(body, usize::MAX).await.unwrap_or_default();
    requests.0.lock().unwrap().push(Seen {
        method: parts.method.to_string(),
        path: parts.uri.path().to_owned(),
        query: parts.uri.query().unwrap_or_default().to_owned(),
        headers: parts.headers.clone(),
        body: body.to_vec(),
    });
    next.run(Request::from_parts(parts, Body::from(body))).await
}

/// Serves `router`, recording every request; returns the base URL and the record.
pub async fn serve_recorded(router: Router) -> (String, Requests) {
    let requests = Requests::default();
    let router = router.layer(middleware::from_fn_with_state(requests.clone(), record));
    (serve(router).await, requests)
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
