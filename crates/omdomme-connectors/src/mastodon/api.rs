//! The instance's REST API: addresses, the token, and Mastodon's error bodies as advice.

use reqwest::{Method, RequestBuilder, Response, StatusCode};
use serde::Deserialize;
use url::Url;

use crate::error::{ConnectorError, ConnectorResult, ErrorKind};
use crate::http::{self, Failure};
use crate::{Http, Secret};

/// `https://mastodon.social` (or with a trailing slash) as the base every path joins onto.
pub(super) fn base_url(instance: &str) -> Result<Url, String> {
    let mut url =
        Url::parse(instance.trim()).map_err(|e| format!("{instance:?} is not a URL: {e}"))?;
    if !matches!(url.scheme(), "https" | "http") || url.host_str().is_none() {
        return Err(format!(
            "{instance:?} is not an http(s) address like https://mastodon.social"
        ));
    }
    if url.query().is_some() || url.path().trim_end_matches('/').contains("/api") {
        return Err(format!(
            "{instance:?}: give the instance's address only, like https://mastodon.social"
        ));
    }
    if !url.path().ends_with('/') {
        let path = format!("{}/", url.path());
        url.set_path(&path);
    }
    Ok(url)
}

#[derive(Clone, Debug)]
pub(super) struct Api {
    pub(super) http: Http,
    base: Url,
    token: Option<Secret>,
}

impl Api {
    pub(super) fn new(instance: &str, http: Http, token: Option<Secret>) -> ConnectorResult<Api> {
        let base =
            base_url(instance).map_err(|e| ConnectorError::config(format!("instance: {e}")))?;
        Ok(Api { http, base, token })
    }

    pub(super) fn host(&self) -> &str {
        self.base.host_str().unwrap_or_default()
    }

    pub(super) fn token(&self) -> Option<&Secret> {
        self.token.as_ref()
    }

    /// `path` has no leading `/`: `api/v1/timelines/tag/nordlys`.
    pub(super) fn url(&self, path: &str) -> ConnectorResult<Url> {
        self.base
            .join(path)
            .map_err(|e| ConnectorError::config(format!("cannot make an address of {path:?}: {e}")))
    }

    /// Whether `url` (from a Link header) is on this instance, so the token may go there.
    pub(super) fn same_origin(&self, url: &Url) -> bool {
        url.origin() == self.base.origin()
    }

    pub(super) fn request(&self, method: Method, url: Url) -> RequestBuilder {
        let request = self.http.client().request(method, url);
        match &self.token {
            Some(token) => request.bearer_auth(token.expose()),
            None => request,
        }
    }

    pub(super) async fn get(&self, url: Url) -> ConnectorResult<Response> {
        self.http
            .send(self.request(Method::GET, url), classify)
            .await
    }
}

/// Mastodon's error entity: `{"error": "...", "error_description": "..."}`.
#[derive(Deserialize)]
struct ErrorBody {
    error: String,
    #[serde(default)]
    error_description: Option<String>,
}

/// Mastodon's error responses as advice; anything else as [`http::classify`] reads it.
pub fn classify(failure: &Failure) -> ConnectorError {
    let said = serde_json::from_str::<ErrorBody>(&failure.body)
        .map(|b| match b.error_description {
            Some(d) if !d.is_empty() => format!("{}: {d}", b.error),
            _ => b.error,
        })
        .unwrap_or_default();
    let quoted = if said.is_empty() {
        String::new()
    } else {
        format!(" (the instance said: {said})")
    };
    let lower = said.to_lowercase();
    let suspended = [
        "suspended",
        "disabled",
        "frozen",
        "pending approval",
        "confirm",
    ]
    .iter()
    .any(|w| lower.contains(w));
    match failure.status {
        StatusCode::UNAUTHORIZED => ConnectorError::new(
            ErrorKind::TokenExpired,
            format!(
                "Mastodon refused the access token (401){quoted}: it was revoked or the app was removed; create a new token under Preferences → Development on the instance and store it with `omdomme sources credential set`"
            ),
        ),
        StatusCode::FORBIDDEN if lower.contains("scope") => ConnectorError::new(
            ErrorKind::ScopeMissing,
            format!(
                "the access token lacks a scope this needs (403){quoted}: listening needs read:statuses, read:accounts and read:search, posting write:statuses and write:media; create a token with them"
            ),
        ),
        StatusCode::FORBIDDEN | StatusCode::GONE if suspended => ConnectorError::new(
            ErrorKind::AccountSuspended,
            format!(
                "the instance has suspended, disabled or not yet approved the account ({}){quoted}; sign in on the instance to see why, or remove the account from this source",
                failure.status.as_u16()
            ),
        ),
        StatusCode::NOT_FOUND | StatusCode::GONE => ConnectorError::new(
            ErrorKind::EndpointRetired,
            format!(
                "the instance answered {}{quoted}: the account or status no longer exists, or this instance's Mastodon version does not have the endpoint; check the source's settings",
                failure.status.as_u16()
            ),
        ),
        StatusCode::UNPROCESSABLE_ENTITY => ConnectorError::bad_payload(format!(
            "the instance rejected the request (422){quoted}; fix what it names and send again"
        )),
        _ => http::classify(failure),
    }
}
