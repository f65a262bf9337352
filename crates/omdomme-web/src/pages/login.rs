//! `GET /login`, `POST /login` and `POST /logout`: the browser's way in and out. The same
//! checks as `POST /api/session` (argon2, the login rate limit, one message for a wrong
//! email or password), with a CSRF token on the form.

use std::net::{IpAddr, SocketAddr};

use axum::Router;
use axum::extract::{ConnectInfo, FromRequestParts, State};
use axum::http::header::SET_COOKIE;
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use omdomme_store::{AuditEntry, UiLanguage};
use serde::Deserialize;

use super::{PageError, local_path, render};
use crate::auth;
use crate::csrf::{self, AppForm};
use crate::error::AppError;
use crate::extract::AppQuery;
use crate::login_limit;
use crate::{AppState, texts};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/login", get(form).post(login))
        .route("/logout", post(logout))
}

texts!(pub LoginTexts {
    title: "Logg inn" / "Log in",
    email: "E-post" / "E-mail",
    password: "Passord" / "Password",
    submit: "Logg inn" / "Log in",
    wrong: "Feil e-post eller passord." / "Wrong e-mail or password.",
    tagline: "Samfunnsansvar som synes, dialog som svarer." / "Responsibility made visible, dialogue that answers.",
});

/// The client's address, when the server knows it (not in router tests).
#[derive(Clone, Copy, Debug)]
pub struct ClientAddr(pub Option<IpAddr>);

impl<S: Send + Sync> FromRequestParts<S> for ClientAddr {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        Ok(ClientAddr(
            parts
                .extensions
                .get::<ConnectInfo<SocketAddr>>()
                .map(|info| info.0.ip()),
        ))
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NextQuery {
    next: Option<String>,
}

#[derive(askama::Template)]
#[template(path = "login.html")]
struct LoginTemplate<'a> {
    t: &'static LoginTexts,
    language: UiLanguage,
    csrf: &'a str,
    next: &'a str,
    email: &'a str,
    error: Option<&'a str>,
    synthetic: bool,
}

/// The page language before login: the browser's preference, bokmål unless it asks for
/// English first.
fn browser_language(headers: &HeaderMap) -> UiLanguage {
    let accept = headers
        .get(axum::http::header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let first = accept
        .split(',')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    if first.starts_with("en") {
        UiLanguage::En
    } else {
        UiLanguage::Nb
    }
}

async fn show(
    state: &AppState,
    headers: &HeaderMap,
    next: &str,
    email: &str,
    failed: Option<StatusCode>,
    message: Option<String>,
) -> Result<Response, PageError> {
    let language = browser_language(headers);
    let t = crate::i18n::texts::<LoginTexts>(language);
    let (token, fresh) = match csrf::login_cookie_token(headers) {
        Some(token) => (token, false),
        None => (auth::new_session_token(), true),
    };
    let synthetic = state
        .store
        .workspaces()
        .await
        .map_err(AppError::from)?
        .iter()
        .any(|w| w.synthetic);
    let error = message.or_else(|| failed.map(|_| t.wrong.to_owned()));
    let page = LoginTemplate {
        t,
        language,
        csrf: &token,
        next,
        email,
        error: error.as_deref(),
        synthetic,
    };
    let mut response = render(&page)?;
    if let Some(status) = failed {
        *response.status_mut() = status;
    }
    if fresh {
        let cookie = csrf::login_cookie(&token, state.config.secure_cookies);
        response
            .headers_mut()
            .append(SET_COOKIE, cookie.parse().map_err(AppError::internal)?);
    }
    Ok(response)
}

async fn form(
    State(state): State<AppState>,
    headers: HeaderMap,
    AppQuery(query): AppQuery<NextQuery>,
) -> Result<Response, PageError> {
    let next = local_path(query.next.as_deref());
    show(&state, &headers, &next, "", None, None).await
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LoginForm {
    email: String,
    password: String,
    next: Option<String>,
}

async fn login(
    State(state): State<AppState>,
    ClientAddr(client): ClientAddr,
    headers: HeaderMap,
    AppForm(form): AppForm<LoginForm>,
) -> Result<Response, PageError> {
    let next = local_path(form.next.as_deref());
    let email = form.email.trim().to_owned();
    let now = state.clock.now();
    if let Err(refused) = login_limit::check(&*state.store, &email, client, now).await {
        let message = refused.to_string();
        return show(
            &state,
            &headers,
            &next,
            &email,
            Some(StatusCode::TOO_MANY_REQUESTS),
            Some(message),
        )
        .await;
    }
    let Some(user) = auth::check_login(&state, &email, form.password).await? else {
        login_limit::failed(&*state.store, &email, client, now).await?;
        return show(
            &state,
            &headers,
            &next,
            &email,
            Some(StatusCode::UNAUTHORIZED),
            None,
        )
        .await;
    };
    login_limit::succeeded(&*state.store, &email).await?;
    let (token, _) = auth::start_session(&state, &user.email).await?;
    tracing::info!(role = user.role.as_str(), "login");
    state
        .store
        .append_audit(&AuditEntry {
            at: now,
            actor: user.email.clone(),
            workspace: None,
            action: "session.login".to_owned(),
            target: user.email.clone(),
            detail: String::new(),
        })
        .await
        .map_err(AppError::from)?;
    let mut response = Redirect::to(&next).into_response();
    let headers = response.headers_mut();
    headers.append(
        SET_COOKIE,
        auth::session_cookie(&token, &state.config)
            .parse()
            .map_err(AppError::internal)?,
    );
    Ok(response)
}

async fn logout(State(state): State<AppState>, headers: HeaderMap) -> Result<Response, PageError> {
    auth::end_session(&state, &headers).await?;
    let mut response = Redirect::to("/login").into_response();
    response.headers_mut().append(
        SET_COOKIE,
        auth::clear_session_cookie(&state.config)
            .parse()
            .map_err(AppError::internal)?,
    );
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    #[test]
    fn the_login_page_speaks_english_only_when_asked_first() {
        let mut headers = HeaderMap::new();
        assert_eq!(browser_language(&headers), UiLanguage::Nb);
        headers.insert(
            axum::http::header::ACCEPT_LANGUAGE,
            HeaderValue::from_static("en-GB,en;q=0.9,nb;q=0.8"),
        );
        assert_eq!(browser_language(&headers), UiLanguage::En);
        headers.insert(
            axum::http::header::ACCEPT_LANGUAGE,
            HeaderValue::from_static("nb-NO,en;q=0.5"),
        );
        assert_eq!(browser_language(&headers), UiLanguage::Nb);
    }
}
