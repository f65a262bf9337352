//! XRPC: the AT Protocol's HTTP calls, its error bodies as advice, the app-password session,
//! and the AppView reads (search, threads, posts).

use std::sync::Arc;

use omdomme_core::Item;
use omdomme_sources::ImportContext;
use reqwest::{Method, RequestBuilder, Response, StatusCode};
use serde::Deserialize;
use serde_json::Value;
use url::Url;

use crate::error::{ConnectorError, ConnectorResult, ErrorKind};
use crate::http::{self, Failure, read_json};
use crate::{Http, Secret};

/// `{base}/xrpc/{method}`.
pub(super) fn method_url(base: &Url, method: &str) -> ConnectorResult<Url> {
    base.join(&format!("xrpc/{method}"))
        .map_err(|e| ConnectorError::config(format!("cannot address {method}: {e}")))
}

/// The XRPC error body: `{"error": "ExpiredToken", "message": "Token has expired"}`.
#[derive(Deserialize)]
struct XrpcError {
    error: String,
    #[serde(default)]
    message: Option<String>,
}

const APP_PASSWORD_ADVICE: &str = "create an app password under Settings → Privacy and security → App passwords and store it with `omdomme sources credential set`";

/// Bluesky's XRPC errors as advice; anything else as [`http::classify`] reads it.
pub fn classify(failure: &Failure) -> ConnectorError {
    let (name, said) = match serde_json::from_str::<XrpcError>(&failure.body) {
        Ok(e) => {
            let said = match &e.message {
                Some(m) if !m.is_empty() => format!(" ({}: {m})", e.error),
                _ => format!(" ({})", e.error),
            };
            (e.error, said)
        }
        Err(_) => (String::new(), String::new()),
    };
    match name.as_str() {
        "ExpiredToken" | "InvalidToken" => ConnectorError::new(
            ErrorKind::TokenExpired,
            format!(
                "the Bluesky session expired or was revoked{said}; signing in again with the app password"
            ),
        ),
        "AuthenticationRequired" | "AuthMissing" => ConnectorError::new(
            ErrorKind::TokenExpired,
            format!(
                "Bluesky wants a signed-in account{said}: set `handle` and, if the app password was revoked or mistyped, {APP_PASSWORD_ADVICE}"
            ),
        ),
        "AccountTakedown" | "AccountDeactivated" | "AccountSuspended" => ConnectorError::new(
            ErrorKind::AccountSuspended,
            format!(
                "Bluesky has taken down, suspended or deactivated the account{said}; sign in on bsky.app to see why"
            ),
        ),
        "MethodNotImplemented" => retired(failure.status, &said),
        "NotFound" | "RecordNotFound" => ConnectorError::new(
            ErrorKind::EndpointRetired,
            format!("Bluesky has no such post or record{said}: it was deleted or taken down"),
        ),
        _ => match failure.status {
            StatusCode::NOT_FOUND | StatusCode::NOT_IMPLEMENTED => retired(failure.status, &said),
            StatusCode::UNAUTHORIZED => ConnectorError::new(
                ErrorKind::TokenExpired,
                format!(
                    "Bluesky refused the request without a valid session (401){said}: set `handle` and {APP_PASSWORD_ADVICE}"
                ),
            ),
            StatusCode::FORBIDDEN => ConnectorError::new(
                ErrorKind::ScopeMissing,
                format!(
                    "Bluesky refused the request (403){said}: the public AppView serves search only to signed-in accounts nowadays; set `handle` and {APP_PASSWORD_ADVICE}"
                ),
            ),
            StatusCode::BAD_REQUEST => {
                ConnectorError::bad_payload(format!("Bluesky rejected the request (400){said}"))
            }
            _ => http::classify(failure),
        },
    }
}

fn retired(status: StatusCode, said: &str) -> ConnectorError {
    ConnectorError::new(
        ErrorKind::EndpointRetired,
        format!(
            "the server does not implement this XRPC method ({}){said}: Bluesky retired it, or `appview`/`pds` points at the wrong server",
            status.as_u16()
        ),
    )
}

/// The tokens of a signed-in session.
#[derive(Clone)]
pub(super) struct Tokens {
    access: Secret,
    refresh: Secret,
    pub(super) did: String,
    pub(super) handle: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct SessionReply {
    access_jwt: String,
    refresh_jwt: String,
    did: String,
    handle: String,
    #[serde(default)]
    active: Option<bool>,
    #[serde(default)]
    status: Option<String>,
}

/// A session on the account's PDS, signed in with handle and app password, renewed when the
/// PDS says the access token expired. Shared by the reads and the channel of one source.
pub struct Session {
    http: Http,
    pds: Url,
    handle: String,
    password: Secret,
    tokens: tokio::sync::Mutex<Option<Tokens>>,
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session")
            .field("pds", &self.pds.as_str())
            .field("handle", &self.handle)
            .finish_non_exhaustive()
    }
}

impl Session {
    pub fn new(http: Http, pds: Url, handle: String, password: Secret) -> Session {
        Session {
            http,
            pds,
            handle,
            password,
            tokens: tokio::sync::Mutex::new(None),
        }
    }

    pub(super) fn pds(&self) -> &Url {
        &self.pds
    }

    pub(super) async fn tokens(&self) -> ConnectorResult<Tokens> {
        let mut tokens = self.tokens.lock().await;
        if let Some(current) = tokens.as_ref() {
            return Ok(current.clone());
        }
        let fresh = self.create().await?;
        *tokens = Some(fresh.clone());
        Ok(fresh)
    }

    /// Calls `method` on the PDS with the session's access token, `finish` adding the
    /// rest (query, body); on an expired or revoked token renews the session once and calls
    /// again.
    pub(super) async fn call(
        &self,
        http_method: Method,
        url: &Url,
        finish: impl Fn(&Tokens, RequestBuilder) -> RequestBuilder,
    ) -> ConnectorResult<Response> {
        let request = |tokens: &Tokens| {
            let request = self
                .http
                .client()
                .request(http_method.clone(), url.clone())
                .bearer_auth(tokens.access.expose());
            finish(tokens, request)
        };
        let tokens = self.tokens().await?;
        match self.http.send(request(&tokens), classify).await {
            Err(e) if e.kind == ErrorKind::TokenExpired => {
                let renewed = self.renew(&tokens).await?;
                self.http.send(request(&renewed), classify).await
            }
            other => other,
        }
    }

    async fn renew(&self, stale: &Tokens) -> ConnectorResult<Tokens> {
        let mut tokens = self.tokens.lock().await;
        if let Some(current) = tokens.as_ref()
            && current.access.expose() != stale.access.expose()
        {
            // Another call renewed it meanwhile.
            return Ok(current.clone());
        }
        let request = self
            .http
            .client()
            .post(method_url(&self.pds, "com.atproto.server.refreshSession")?)
            .bearer_auth(stale.refresh.expose());
        let fresh = match self.http.send(request, classify).await {
            Ok(response) => self.read_session(response).await?,
            Err(e) if e.kind == ErrorKind::TokenExpired => self.create().await?,
            Err(e) => return Err(e),
        };
        *tokens = Some(fresh.clone());
        Ok(fresh)
    }

    async fn create(&self) -> ConnectorResult<Tokens> {
        let request = self
            .http
            .client()
            .post(method_url(&self.pds, "com.atproto.server.createSession")?)
            .json(&serde_json::json!({
                "identifier": self.handle,
                "password": self.password.expose(),
            }));
        let response = self.http.send(request, classify).await.map_err(|mut e| {
            e.message = format!(
                "signing in to Bluesky as {} failed: {}",
                self.handle, e.message
            );
            e
        })?;
        self.read_session(response).await
    }

    async fn read_session(&self, response: Response) -> ConnectorResult<Tokens> {
        let reply: SessionReply = read_json(response).await?;
        if reply.active == Some(false) {
            return Err(ConnectorError::new(
                ErrorKind::AccountSuspended,
                format!(
                    "the Bluesky account {} is not active ({}); sign in on bsky.app to see why",
                    reply.handle,
                    reply.status.as_deref().unwrap_or("no reason given")
                ),
            ));
        }
        Ok(Tokens {
            access: Secret::new(reply.access_jwt),
            refresh: Secret::new(reply.refresh_jwt),
            did: reply.did,
            handle: reply.handle,
        })
    }
}

/// One page of `searchPosts`.
#[derive(Debug, Deserialize)]
pub struct SearchPage {
    /// `postView`s, read with `omdomme_sources::bluesky::post_view_item`.
    pub posts: Vec<Value>,
    #[serde(default)]
    pub cursor: Option<String>,
}

#[derive(Deserialize)]
struct Posts {
    posts: Vec<Value>,
}

/// A page of `app.bsky.feed.getAuthorFeed`.
#[derive(Deserialize)]
pub struct AuthorFeed {
    pub feed: Vec<FeedViewPost>,
    #[serde(default)]
    pub cursor: Option<String>,
}

/// One entry of an author feed: the post, and `reason` when it is a repost.
#[derive(Deserialize)]
pub struct FeedViewPost {
    pub post: Value,
    #[serde(default)]
    pub reason: Option<Value>,
}

/// Reads from the AppView: public without a session, through the account's PDS with one.
#[derive(Clone, Debug)]
pub struct Reader {
    http: Http,
    appview: Url,
    session: Option<Arc<Session>>,
}

impl Reader {
    pub fn new(http: Http, appview: Url, session: Option<Arc<Session>>) -> Reader {
        Reader {
            http,
            appview,
            session,
        }
    }

    async fn get(&self, method: &str, query: &[(&str, &str)]) -> ConnectorResult<Response> {
        let with_query = |base: &Url| {
            method_url(base, method).map(|mut url| {
                url.query_pairs_mut().extend_pairs(query);
                url
            })
        };
        match &self.session {
            // The PDS proxies app.bsky.* calls to the AppView with the account's rights.
            Some(session) => {
                let url = with_query(session.pds())?;
                session.call(Method::GET, &url, |_, request| request).await
            }
            None => {
                let url = with_query(&self.appview)?;
                self.http.send(self.http.client().get(url), classify).await
            }
        }
    }

    /// `app.bsky.feed.searchPosts`, newest first, from `since` (inclusive) on.
    pub async fn search_posts(
        &self,
        q: &str,
        since: Option<&str>,
        cursor: Option<&str>,
    ) -> ConnectorResult<SearchPage> {
        let mut query = vec![("q", q), ("sort", "latest"), ("limit", "100")];
        if let Some(since) = since {
            query.push(("since", since));
        }
        if let Some(cursor) = cursor {
            query.push(("cursor", cursor));
        }
        read_json(self.get("app.bsky.feed.searchPosts", &query).await?).await
    }

    /// A post with its parents and replies (`app.bsky.feed.getPostThread`), as items, and the
    /// posts that could not be read, each saying why.
    pub async fn thread(
        &self,
        uri: &str,
        ctx: &ImportContext,
    ) -> ConnectorResult<(Vec<Item>, Vec<String>)> {
        let response = self
            .get(
                "app.bsky.feed.getPostThread",
                &[("uri", uri), ("depth", "10"), ("parentHeight", "80")],
            )
            .await?;
        let value: Value = read_json(response).await?;
        if value.get("thread").is_none() {
            return Err(ConnectorError::bad_payload(
                "getPostThread answered without a `thread`",
            ));
        }
        let mut items = Vec::new();
        let mut rejected = Vec::new();
        for result in omdomme_sources::bluesky::parse_value(value, ctx) {
            match result {
                Ok(item) => items.push(item),
                Err(e) => rejected.push(e.to_string()),
            }
        }
        Ok((items, rejected))
    }

    /// `app.bsky.feed.getAuthorFeed` of `actor` without replies: its posts and reposts
    /// (`feedViewPost`s), newest first.
    pub async fn author_feed(
        &self,
        actor: &str,
        cursor: Option<&str>,
    ) -> ConnectorResult<AuthorFeed> {
        let mut query = vec![
            ("actor", actor),
            ("filter", "posts_no_replies"),
            ("limit", "100"),
        ];
        if let Some(cursor) = cursor {
            query.push(("cursor", cursor));
        }
        read_json(self.get("app.bsky.feed.getAuthorFeed", &query).await?).await
    }

    /// `app.bsky.feed.getPosts`: the `postView`s of up to 25 posts.
    pub async fn posts(&self, uris: &[&str]) -> ConnectorResult<Vec<Value>> {
        let query: Vec<(&str, &str)> = uris.iter().map(|u| ("uris", *u)).collect();
        let posts: Posts = read_json(self.get("app.bsky.feed.getPosts", &query).await?).await?;
        Ok(posts.posts)
    }
}
