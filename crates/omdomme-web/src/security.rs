//! Response hardening and cross-site request forgery (CSRF) protection.
//!
//! # CSRF
//!
//! The API speaks JSON only and authenticates with a `SameSite=Strict` cookie. On top of
//! that, every state-changing request (any method but GET, HEAD and OPTIONS) passes
//! [`csrf_guard`]:
//!
//! * POST, PUT and PATCH must say `Content-Type: application/json`. A cross-site page can
//!   only send such a request with `fetch`, which makes the browser ask a CORS preflight
//!   first; we answer no preflight, so the request never leaves the browser. HTML forms
//!   (the classic CSRF vector) cannot send that content type. Anything else gets 415.
//! * DELETE (and other non-simple methods) always trigger a preflight cross-site, so they
//!   need no body type; they carry none.
//! * If the browser sends `Origin`, it must name this server (scheme aside, the same
//!   host and port as `Host`), and `Sec-Fetch-Site: cross-site` is refused outright:
//!   both give 403. Requests without these headers (curl, scripts) are not browsers
//!   acting for someone else and pass.
//!
//! Behind a reverse proxy the proxy must pass the original `Host` through, or the Origin
//! check refuses browser writes.

use axum::extract::Request;
use axum::http::header::{
    CACHE_CONTROL, CONTENT_SECURITY_POLICY, CONTENT_TYPE, HOST, ORIGIN, REFERRER_POLICY,
    X_CONTENT_TYPE_OPTIONS, X_FRAME_OPTIONS,
};
use axum::http::{HeaderValue, Method};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::error::AppError;

/// Adds the security headers to every response, errors and fallbacks included.
pub async fn security_headers(request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    headers.insert(X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    // No referrer leaves the site. Not `no-referrer`: under it browsers send `Origin: null`
    // with the app's own form posts, and the Origin check would refuse every one.
    headers.insert(REFERRER_POLICY, HeaderValue::from_static("same-origin"));
    headers.insert(X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    // Scripts and styles only from our own /static files: no inline script, no inline
    // style, no eval, no frames, forms post only to us.
    headers.insert(
        CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
             connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
        ),
    );
    // Responses carry per-user data; keep them out of shared and browser caches.
    if !headers.contains_key(CACHE_CONTROL) {
        headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    response
}

/// Refuses state-changing requests that a cross-site page could have forged (see the
/// module docs).
pub async fn csrf_guard(request: Request, next: Next) -> Response {
    match check_csrf(&request) {
        Ok(()) => next.run(request).await,
        Err(error) => error.into_response(),
    }
}

fn check_csrf(request: &Request) -> Result<(), AppError> {
    let method = request.method();
    if !changes_state(method) {
        return Ok(());
    }
    check_origin(request)?;
    let needs_json = method == Method::POST || method == Method::PUT || method == Method::PATCH;
    if needs_json && !is_json(request) {
        return Err(AppError::UnsupportedMediaType(
            "send the body as JSON with Content-Type: application/json".to_owned(),
        ));
    }
    Ok(())
}

/// Whether a request of this method may change something (and so needs CSRF checks).
pub fn changes_state(method: &Method) -> bool {
    !(method == Method::GET || method == Method::HEAD || method == Method::OPTIONS)
}

/// Refuses requests a browser marks as cross-site, and those whose `Origin` is not this
/// server. Requests with neither header (curl, scripts) pass.
pub fn check_origin(request: &Request) -> Result<(), AppError> {
    let headers = request.headers();
    if headers
        .get("sec-fetch-site")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.eq_ignore_ascii_case("cross-site"))
    {
        return Err(AppError::Forbidden(
            "cross-site requests may not change anything".to_owned(),
        ));
    }
    if let Some(origin) = headers.get(ORIGIN) {
        let origin = origin.to_str().unwrap_or("");
        let host = headers
            .get(HOST)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
            .or_else(|| request.uri().authority().map(|a| a.as_str().to_owned()));
        let origin_host = origin
            .strip_prefix("https://")
            .or_else(|| origin.strip_prefix("http://"));
        let same = match (origin_host, host) {
            (Some(origin_host), Some(host)) => origin_host.eq_ignore_ascii_case(&host),
            _ => false,
        };
        if !same {
            return Err(AppError::Forbidden(
                "the request's Origin is not this server".to_owned(),
            ));
        }
    }
    Ok(())
}

fn is_json(request: &Request) -> bool {
    request
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|mime| mime.trim().eq_ignore_ascii_case("application/json"))
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use axum::body::Body;

    fn request(method: Method, headers: &[(&str, &str)]) -> Request {
        let mut builder = Request::builder().method(method).uri("/api/session");
        for (name, value) in headers {
            builder = builder.header(*name, *value);
        }
        builder.body(Body::empty()).unwrap()
    }

    #[test]
    fn reads_pass_and_writes_need_json_from_the_same_origin() {
        assert!(check_csrf(&request(Method::GET, &[("origin", "https://evil.example")])).is_ok());
        let json = ("content-type", "application/json; charset=utf-8");
        assert!(check_csrf(&request(Method::POST, &[json])).is_ok());
        assert!(
            check_csrf(&request(
                Method::POST,
                &[
                    json,
                    ("host", "app.no:8080"),
                    ("origin", "https://app.no:8080")
                ]
            ))
            .is_ok()
        );
        let err = check_csrf(&request(Method::POST, &[("content-type", "text/plain")]));
        assert_eq!(err.unwrap_err().code(), "unsupported_media_type");
        let err = check_csrf(&request(
            Method::POST,
            &[json, ("host", "app.no"), ("origin", "https://evil.example")],
        ));
        assert_eq!(err.unwrap_err().code(), "forbidden");
        let err = check_csrf(&request(
            Method::DELETE,
            &[("host", "app.no"), ("origin", "null")],
        ));
        assert_eq!(err.unwrap_err().code(), "forbidden");
        let err = check_csrf(&request(
            Method::POST,
            &[json, ("sec-fetch-site", "cross-site")],
        ));
        assert_eq!(err.unwrap_err().code(), "forbidden");
        assert!(check_csrf(&request(Method::DELETE, &[])).is_ok());
    }
}
