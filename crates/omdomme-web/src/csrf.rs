//! CSRF tokens for the web pages' forms and htmx requests.
//!
//! A logged-in user's token is derived from their session token (SHA-256 of a label and
//! the token), so it needs no storage, changes with every login, and cannot be computed
//! without the HttpOnly session cookie. Forms carry it in a hidden `_csrf` field; htmx
//! sends it as the `X-CSRF-Token` header (set once on `<body hx-headers>`).
//!
//! The login form comes before any session, so it uses a double-submit token instead: a
//! random `omdomme_csrf` cookie (HttpOnly, SameSite=Strict) that the form repeats.
//!
//! [`page_csrf_guard`] checks every state-changing request to the pages (together with the
//! `Origin` check the API uses); handlers read forms with [`AppForm`], which drops the
//! `_csrf` field before deserializing.

use axum::body::Body;
use axum::extract::{FromRequest, Request};
use axum::http::HeaderMap;
use axum::http::header::CONTENT_TYPE;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde::de::DeserializeOwned;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::auth;
use crate::error::AppError;
use crate::pages::PageError;
use crate::router::MAX_BODY_BYTES;
use crate::security::{changes_state, check_origin};

/// Name of the hidden form field that carries the token.
pub const FORM_FIELD: &str = "_csrf";
/// Header htmx sends the token in.
pub const HEADER: &str = "x-csrf-token";
/// The pre-session cookie of the login form.
pub const LOGIN_COOKIE: &str = "omdomme_csrf";
/// The one route that takes the pre-session token.
pub const LOGIN_PATH: &str = "/login";

/// The CSRF token of a session.
pub fn token_for_session(session_token: &str) -> String {
    let digest = Sha256::new()
        .chain_update(b"omdomme csrf v1\0")
        .chain_update(session_token.as_bytes())
        .finalize();
    auth::hex(&digest)
}

/// The login form's token from its cookie, if the browser has one.
pub fn login_cookie_token(headers: &HeaderMap) -> Option<String> {
    auth::cookie(headers, LOGIN_COOKIE).filter(|token| token.len() >= 32)
}

/// `Set-Cookie` for a new login-form token.
pub fn login_cookie(token: &str, secure: bool) -> String {
    let secure = if secure { "; Secure" } else { "" };
    format!(
        "{LOGIN_COOKIE}={token}; HttpOnly; SameSite=Strict; Path={LOGIN_PATH}; Max-Age=3600{secure}"
    )
}

fn same(a: &str, b: &str) -> bool {
    a.len() == b.len() && bool::from(a.as_bytes().ct_eq(b.as_bytes()))
}

fn is_form(headers: &HeaderMap) -> bool {
    headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|mime| {
            mime.trim()
                .eq_ignore_ascii_case("application/x-www-form-urlencoded")
        })
}

fn form_token(body: &[u8]) -> Option<String> {
    form_urlencoded::parse(body)
        .find(|(name, _)| name == FORM_FIELD)
        .map(|(_, value)| value.into_owned())
}

/// Refuses a state-changing page request without the right token (403), after the same
/// `Origin` check as the API. The body is read (up to the router's limit) to find the
/// form field and handed on unchanged.
pub async fn page_csrf_guard(request: Request, next: Next) -> Response {
    if !changes_state(request.method()) {
        return next.run(request).await;
    }
    if let Err(error) = check_origin(&request) {
        return PageError::from(error).into_response();
    }
    let (parts, body) = request.into_parts();
    let mut sent = parts
        .headers
        .get(HEADER)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let body = if sent.is_none() && is_form(&parts.headers) {
        match axum::body::to_bytes(body, MAX_BODY_BYTES).await {
            Ok(bytes) => {
                sent = form_token(&bytes);
                Body::from(bytes)
            }
            Err(_) => {
                return PageError::from(AppError::PayloadTooLarge(
                    "the form is too large".to_owned(),
                ))
                .into_response();
            }
        }
    } else {
        body
    };
    let expected_session = auth::session_token(&parts.headers).map(|t| token_for_session(&t));
    let expected_login = (parts.uri.path() == LOGIN_PATH)
        .then(|| login_cookie_token(&parts.headers))
        .flatten();
    let valid = sent.as_deref().is_some_and(|sent| {
        [expected_session, expected_login]
            .iter()
            .flatten()
            .any(|expected| same(sent, expected))
    });
    if !valid {
        let message = if sent.is_none() {
            "the form has no CSRF token; reload the page and try again"
        } else {
            "the form's CSRF token is wrong or from another session; reload the page and try again"
        };
        return PageError::from(AppError::Forbidden(message.to_owned())).into_response();
    }
    next.run(Request::from_parts(parts, body)).await
}

/// An `application/x-www-form-urlencoded` body deserialized into `T`, without the `_csrf`
/// field (the guard checked it), so `T` may deny unknown fields.
#[derive(Debug, Clone)]
pub struct AppForm<T>(pub T);

impl<S, T> FromRequest<S> for AppForm<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = PageError;

    async fn from_request(request: Request, _state: &S) -> Result<Self, Self::Rejection> {
        if !is_form(request.headers()) {
            return Err(AppError::UnsupportedMediaType(
                "send the form as application/x-www-form-urlencoded".to_owned(),
            )
            .into());
        }
        let bytes = axum::body::to_bytes(request.into_body(), MAX_BODY_BYTES)
            .await
            .map_err(|_| AppError::PayloadTooLarge("the form is too large".to_owned()))?;
        let fields: Vec<(String, String)> = form_urlencoded::parse(&bytes)
            .filter(|(name, _)| name != FORM_FIELD)
            .map(|(n, v)| (n.into_owned(), v.into_owned()))
            .collect();
        let encoded = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(&fields)
            .finish();
        serde_urlencoded::from_str(&encoded)
            .map(AppForm)
            .map_err(|e| AppError::BadRequest(format!("the form is not valid: {e}")).into())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn session_tokens_give_stable_distinct_csrf_tokens() {
        let a = token_for_session("abc");
        assert_eq!(a.len(), 64);
        assert_eq!(a, token_for_session("abc"));
        assert_ne!(a, token_for_session("abd"));
        assert_ne!(a, auth::token_hash("abc"));
    }

    #[test]
    fn the_form_field_is_found_among_others() {
        assert_eq!(form_token(b"a=1&_csrf=t%20k&b=2").as_deref(), Some("t k"));
        assert_eq!(form_token(b"a=1"), None);
    }
}
