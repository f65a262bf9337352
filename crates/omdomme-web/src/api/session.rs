//! `/api/session`: log in (POST), see who is logged in (GET), log out (DELETE).
//!
//! A failed login says the same thing, after about the same time, whether or not the
//! email has an account, so the endpoint cannot be used to find out who has one.
//! Passwords, tokens and cookies are never logged.

use axum::Json;
use axum::extract::State;
use axum::http::header::SET_COOKIE;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use jiff::Timestamp;
use omdomme_store::Role;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::AppState;
use crate::auth::{self, CurrentUser, RoleDto};
use crate::error::{AppError, ErrorBody};
use crate::extract::AppJson;
use crate::login_limit;
use crate::pages::login::ClientAddr;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    #[schema(example = "kari@nordlys.no")]
    pub email: String,
    pub password: String,
}

// By hand, so the password can never end up in a log through `{:?}`.
impl std::fmt::Debug for LoginRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LoginRequest")
            .field("email", &self.email)
            .field("password", &"<redacted>")
            .finish()
    }
}

/// The logged-in user.
#[derive(Debug, Serialize, ToSchema)]
pub struct SessionResponse {
    pub email: String,
    pub name: String,
    pub role: RoleDto,
    /// When the session ends (present after a login).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub expires_at: Option<Timestamp>,
}

const BAD_LOGIN: &str = "wrong email or password";

/// Logs in; sets the `omdomme_session` cookie (HttpOnly, SameSite=Strict).
#[utoipa::path(
    post,
    path = "/api/session",
    tag = "session",
    request_body = LoginRequest,
    responses(
        (status = 200, description = "Logged in; the response sets the session cookie", body = SessionResponse),
        (status = 400, description = "Malformed body", body = ErrorBody),
        (status = 401, description = "Wrong email or password", body = ErrorBody),
        (status = 429, description = "Too many failed logins; see Retry-After", body = ErrorBody),
        (status = 403, description = "Cross-origin request", body = ErrorBody),
        (status = 415, description = "Not JSON", body = ErrorBody),
    )
)]
pub async fn login(
    State(state): State<AppState>,
    ClientAddr(client): ClientAddr,
    AppJson(request): AppJson<LoginRequest>,
) -> Result<Response, AppError> {
    let email = request.email.trim();
    let now = state.clock.now();
    login_limit::check(&*state.store, email, client, now).await?;
    let Some(user) = auth::check_login(&state, email, request.password).await? else {
        login_limit::failed(&*state.store, email, client, now).await?;
        return Err(AppError::Unauthorized(BAD_LOGIN.to_owned()));
    };
    login_limit::succeeded(&*state.store, email).await?;
    let (token, expires_at) = auth::start_session(&state, &user.email).await?;
    tracing::info!(role = user.role.as_str(), "login");
    let mut headers = HeaderMap::new();
    headers.insert(
        SET_COOKIE,
        auth::session_cookie(&token, &state.config)
            .parse()
            .map_err(AppError::internal)?,
    );
    let body = SessionResponse {
        email: user.email,
        name: user.name,
        role: user.role.into(),
        expires_at: Some(expires_at),
    };
    Ok((StatusCode::OK, headers, Json(body)).into_response())
}

/// Who is logged in.
#[utoipa::path(
    get,
    path = "/api/session",
    tag = "session",
    responses(
        (status = 200, description = "The logged-in user", body = SessionResponse),
        (status = 401, description = "Not logged in", body = ErrorBody),
    ),
    security(("session" = []))
)]
pub async fn current(user: CurrentUser) -> Result<Json<SessionResponse>, AppError> {
    user.require(Role::Viewer)?;
    Ok(Json(SessionResponse {
        email: user.email,
        name: user.name,
        role: user.role.into(),
        expires_at: None,
    }))
}

/// Logs out: deletes the session on the server and clears the cookie. Succeeds without a
/// session too, so a client can always call it.
#[utoipa::path(
    delete,
    path = "/api/session",
    tag = "session",
    responses(
        (status = 204, description = "Logged out"),
        (status = 403, description = "Cross-origin request", body = ErrorBody),
    )
)]
pub async fn logout(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    auth::end_session(&state, &headers).await?;
    let mut out = HeaderMap::new();
    out.insert(
        SET_COOKIE,
        auth::clear_session_cookie(&state.config)
            .parse()
            .map_err(AppError::internal)?,
    );
    Ok((StatusCode::NO_CONTENT, out).into_response())
}
