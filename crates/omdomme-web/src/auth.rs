//! Passwords, sessions and roles.
//!
//! * Passwords are argon2id PHC strings ([`hash_password`]); the store never sees a password.
//! * A login creates a session: 32 random bytes handed to the client as the
//!   `omdomme_session` cookie (hex). The store keeps only the SHA-256 of the token, so a
//!   leaked database does not let anyone log in; a fast hash is enough because the token
//!   has 256 bits of entropy (nothing to brute-force), unlike a password.
//! * Every protected handler takes a [`CurrentUser`] and calls [`CurrentUser::require`] with
//!   the least [`Role`] the route needs; roles are ordered Viewer < Responder < Editor <
//!   Leader < Admin, so a higher role can do everything a lower one can.

use std::sync::LazyLock;

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use axum::extract::FromRequestParts;
use axum::http::HeaderMap;
use axum::http::header::COOKIE;
use axum::http::request::Parts;
use omdomme_store::{Role, SessionRecord, UiLanguage, UserRecord};
use rand::RngCore;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use utoipa::ToSchema;

use crate::error::{AppError, WebError};
use crate::{AppState, WebConfig};

/// Name of the session cookie.
pub const SESSION_COOKIE: &str = "omdomme_session";

/// Hashes a password as an argon2id PHC string with a fresh random salt, for
/// `omdomme user add` and the demo.
pub fn hash_password(password: &str) -> Result<String, WebError> {
    if password.is_empty() {
        return Err(WebError::InvalidPassword(
            "the password is empty".to_owned(),
        ));
    }
    let mut salt = [0u8; 16];
    rand::rng().fill_bytes(&mut salt);
    let salt = SaltString::encode_b64(&salt).map_err(|e| WebError::PasswordHash(e.to_string()))?;
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|hash| hash.to_string())
        .map_err(|e| WebError::PasswordHash(e.to_string()))
}

/// [`hash_password`] on the blocking pool: argon2 takes a core for a while and must not
/// stall the async threads.
pub async fn hash_password_off_thread(password: String) -> Result<String, AppError> {
    tokio::task::spawn_blocking(move || hash_password(&password))
        .await
        .map_err(AppError::internal)?
        .map_err(AppError::internal)
}

/// Gives `user` a new password and ends every session of theirs but `keep` (the token hash
/// of the session making the change); returns how many sessions ended.
pub async fn replace_password(
    state: &AppState,
    user: &mut UserRecord,
    password: String,
    keep: Option<&str>,
) -> Result<u64, AppError> {
    user.password_hash = hash_password_off_thread(password).await?;
    state.store.put_user(user).await?;
    Ok(state.store.delete_sessions_of(&user.email, keep).await?)
}

/// Whether `password` matches the PHC string `hash`. A malformed hash never matches.
pub fn verify_password(password: &str, hash: &str) -> bool {
    match PasswordHash::new(hash) {
        Ok(parsed) => Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok(),
        Err(error) => {
            // A broken stored hash is an operator problem; say so without naming the user.
            tracing::warn!(%error, "a stored password hash does not parse");
            false
        }
    }
}

/// Hash verified when the email is unknown, so "no such user" costs the same time as
/// "wrong password" and response times do not reveal which emails have accounts.
static DUMMY_HASH: LazyLock<Option<String>> =
    LazyLock::new(|| hash_password("omdømme timing equaliser").ok());

/// How many argon2 verifications run at once. Each takes ~19 MiB and a core for a while;
/// without a cap a burst of logins would spawn blocking threads (and memory) without
/// bound. Further logins wait their turn.
static HASHING_SLOTS: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(4);

/// Computes the dummy hash ahead of the first login, so that login is not slower than
/// later ones (which would hint that the email is unknown).
pub async fn warm_up() {
    let _ = tokio::task::spawn_blocking(|| LazyLock::force(&DUMMY_HASH).is_some()).await;
}

/// Checks a login; `None` for an unknown email or a wrong password alike. Runs the
/// (deliberately slow) argon2 verification off the async threads.
pub async fn check_login(
    state: &AppState,
    email: &str,
    password: String,
) -> Result<Option<UserRecord>, AppError> {
    let _slot = HASHING_SLOTS.acquire().await.map_err(AppError::internal)?;
    let user = state.store.user(email).await?;
    let hash = match &user {
        Some(user) => Some(user.password_hash.clone()),
        None => DUMMY_HASH.clone(),
    };
    let matches = tokio::task::spawn_blocking(move || match hash {
        Some(hash) => verify_password(&password, &hash),
        None => false,
    })
    .await
    .map_err(AppError::internal)?;
    Ok(user.filter(|_| matches))
}

/// A new random session token (what the client holds), hex-encoded.
pub fn new_session_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    hex(&bytes)
}

/// What the store keeps of a token.
pub fn token_hash(token: &str) -> String {
    hex(&Sha256::digest(token.as_bytes()))
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(char::from(DIGITS[usize::from(b >> 4)]));
        out.push(char::from(DIGITS[usize::from(b & 0x0f)]));
    }
    out
}

/// Starts a session for `email` (after its password was checked) and returns the token
/// to hand to the browser and when the session ends.
pub async fn start_session(
    state: &AppState,
    email: &str,
) -> Result<(String, jiff::Timestamp), AppError> {
    let token = new_session_token();
    let expires_at = state
        .clock
        .now()
        .checked_add(state.config.session_ttl)
        .map_err(AppError::internal)?;
    state
        .store
        .put_session(&SessionRecord {
            token_hash: token_hash(&token),
            email: email.to_owned(),
            expires_at,
        })
        .await?;
    Ok((token, expires_at))
}

/// Ends the request's session on the server, if it has one.
pub async fn end_session(state: &AppState, headers: &HeaderMap) -> Result<(), AppError> {
    if let Some(token) = session_token(headers) {
        state.store.delete_session(&token_hash(&token)).await?;
    }
    Ok(())
}

/// The `Set-Cookie` value that hands a new session to the browser.
pub fn session_cookie(token: &str, config: &WebConfig) -> String {
    let max_age = config.session_ttl.as_secs().max(0);
    let secure = if config.secure_cookies {
        "; Secure"
    } else {
        ""
    };
    format!(
        "{SESSION_COOKIE}={token}; HttpOnly; SameSite=Strict; Path=/; Max-Age={max_age}{secure}"
    )
}

/// The `Set-Cookie` value that makes the browser forget its session.
pub fn clear_session_cookie(config: &WebConfig) -> String {
    let secure = if config.secure_cookies {
        "; Secure"
    } else {
        ""
    };
    format!("{SESSION_COOKIE}=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0{secure}")
}

/// The session token from the request's cookies, if any.
pub fn session_token(headers: &HeaderMap) -> Option<String> {
    cookie(headers, SESSION_COOKIE)
}

/// The value of the cookie `name`, if the request has a non-empty one.
pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(cookie_name, _)| *cookie_name == name)
        .map(|(_, value)| value.trim().to_owned())
        .filter(|value| !value.is_empty())
}

/// Shortest password accepted; long passphrases beat complexity rules.
pub const MIN_PASSWORD_CHARS: usize = 12;

/// Refuses a new password that is too short, naming the rule.
pub fn check_new_password(password: &str) -> Result<(), WebError> {
    if password.chars().count() < MIN_PASSWORD_CHARS {
        return Err(WebError::InvalidPassword(format!(
            "a password needs at least {MIN_PASSWORD_CHARS} characters"
        )));
    }
    Ok(())
}

/// A role as the API spells it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RoleDto {
    Viewer,
    Responder,
    Editor,
    Leader,
    Admin,
}

impl From<Role> for RoleDto {
    fn from(role: Role) -> Self {
        match role {
            Role::Viewer => RoleDto::Viewer,
            Role::Responder => RoleDto::Responder,
            Role::Editor => RoleDto::Editor,
            Role::Leader => RoleDto::Leader,
            Role::Admin => RoleDto::Admin,
        }
    }
}

/// The logged-in user of a request. Extracting it checks the session cookie against the
/// store and the clock: no cookie, an unknown token, an expired session (which is then
/// deleted) or a deleted user all reject with 401.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CurrentUser {
    pub email: String,
    pub name: String,
    pub role: Role,
    pub language: UiLanguage,
}

impl CurrentUser {
    /// Refuses (403) unless the user has at least `min`.
    pub fn require(&self, min: Role) -> Result<(), AppError> {
        if self.role >= min {
            Ok(())
        } else {
            Err(AppError::Forbidden(format!(
                "this needs the {} role or higher; you are {}",
                min.as_str(),
                self.role.as_str()
            )))
        }
    }
}

impl FromRequestParts<AppState> for CurrentUser {
    type Rejection = AppError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let token = session_token(&parts.headers)
            .ok_or_else(|| AppError::Unauthorized("log in first (no session)".to_owned()))?;
        let hash = token_hash(&token);
        let session = state.store.session(&hash).await?.ok_or_else(|| {
            AppError::Unauthorized("the session is unknown or ended; log in again".to_owned())
        })?;
        if session.expires_at <= state.clock.now() {
            // Expired sessions are removed as they are met; nothing else sweeps them.
            state.store.delete_session(&hash).await?;
            return Err(AppError::Unauthorized(
                "the session expired; log in again".to_owned(),
            ));
        }
        let user = state.store.user(&session.email).await?.ok_or_else(|| {
            AppError::Unauthorized("the session's user no longer exists".to_owned())
        })?;
        Ok(CurrentUser {
            email: user.email,
            name: user.name,
            role: user.role,
            language: user.language,
        })
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn user(role: Role) -> CurrentUser {
        CurrentUser {
            email: "a@b.no".to_owned(),
            name: "A".to_owned(),
            role,
            language: UiLanguage::Nb,
        }
    }

    #[test]
    fn require_admits_the_role_and_above_and_refuses_below() {
        assert!(user(Role::Viewer).require(Role::Viewer).is_ok());
        assert!(user(Role::Admin).require(Role::Editor).is_ok());
        assert!(user(Role::Editor).require(Role::Editor).is_ok());
        let refused = user(Role::Responder).require(Role::Leader).unwrap_err();
        assert_eq!(refused.code(), "forbidden");
        assert_eq!(refused.status(), 403);
        assert!(refused.to_string().contains("leader"));
        assert!(user(Role::Viewer).require(Role::Responder).is_err());
    }

    #[test]
    fn passwords_hash_and_verify() {
        let hash = hash_password("korrekt hest").unwrap();
        assert!(hash.starts_with("$argon2id$"));
        assert!(verify_password("korrekt hest", &hash));
        assert!(!verify_password("feil hest", &hash));
        assert!(!verify_password("korrekt hest", "not a phc string"));
        assert!(hash_password("").is_err());
        // Fresh salt each time.
        assert_ne!(hash, hash_password("korrekt hest").unwrap());
    }

    #[test]
    fn tokens_are_random_and_hashed_to_sha256_hex() {
        let a = new_session_token();
        assert_eq!(a.len(), 64);
        assert_ne!(a, new_session_token());
        assert_eq!(
            token_hash("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn the_session_cookie_is_found_among_others() {
        let mut headers = HeaderMap::new();
        headers.append(
            COOKIE,
            HeaderValue::from_static("a=1; omdomme_session=tok; b=2"),
        );
        assert_eq!(session_token(&headers).as_deref(), Some("tok"));
        let mut headers = HeaderMap::new();
        headers.append(COOKIE, HeaderValue::from_static("omdomme_session_x=1"));
        assert_eq!(session_token(&headers), None);
    }

    #[test]
    fn cookies_carry_the_flags() {
        let mut config = WebConfig::default();
        let cookie = session_cookie("tok", &config);
        assert_eq!(
            cookie,
            "omdomme_session=tok; HttpOnly; SameSite=Strict; Path=/; Max-Age=43200"
        );
        config.secure_cookies = true;
        assert!(session_cookie("tok", &config).ends_with("; Secure"));
        assert!(clear_session_cookie(&config).contains("Max-Age=0"));
    }
}
