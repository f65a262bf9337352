//! What went wrong when talking to a platform, in words that say what to do about it.

use std::time::Duration;

/// The kinds of failure a user can act on differently. Platforms revoke access and retire
/// endpoints without warning, so each connector maps its platform's errors onto these and the
/// message says what to do.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorKind {
    /// The token or session expired or was revoked: sign in again / issue a new token.
    TokenExpired,
    /// The credentials work but lack a permission (scope) the call needs.
    ScopeMissing,
    /// The platform removed or moved the endpoint (404/410 on a documented path).
    EndpointRetired,
    /// The account, page or app was suspended or blocked by the platform.
    AccountSuspended,
    /// The plan's quota (monthly cap, app-level usage) is spent; waiting for the reset helps.
    QuotaSpent,
    /// Too many requests; retried after the platform's wait, reported only when retries ran out.
    RateLimited,
    /// The platform answered 5xx or the connection failed or timed out; retried with backoff.
    Unavailable,
    /// The platform answered, but not with what its documentation describes.
    BadPayload,
    /// Our configuration is wrong (bad URL, missing credentials, untranslatable query).
    Config,
}

impl ErrorKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorKind::TokenExpired => "token_expired",
            ErrorKind::ScopeMissing => "scope_missing",
            ErrorKind::EndpointRetired => "endpoint_retired",
            ErrorKind::AccountSuspended => "account_suspended",
            ErrorKind::QuotaSpent => "quota_spent",
            ErrorKind::RateLimited => "rate_limited",
            ErrorKind::Unavailable => "unavailable",
            ErrorKind::BadPayload => "bad_payload",
            ErrorKind::Config => "config",
        }
    }

    /// Worth trying again later without anybody changing anything.
    pub fn is_transient(self) -> bool {
        matches!(
            self,
            ErrorKind::RateLimited | ErrorKind::Unavailable | ErrorKind::QuotaSpent
        )
    }
}

/// A failure with a plain message for the user (never containing a secret).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct ConnectorError {
    pub kind: ErrorKind,
    pub message: String,
    /// When the platform said when to come back (Retry-After, a rate-limit or quota reset).
    pub retry_after: Option<Duration>,
}

impl ConnectorError {
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        ConnectorError {
            kind,
            message: message.into(),
            retry_after: None,
        }
    }

    pub fn config(message: impl Into<String>) -> Self {
        ConnectorError::new(ErrorKind::Config, message)
    }

    pub fn bad_payload(message: impl Into<String>) -> Self {
        ConnectorError::new(ErrorKind::BadPayload, message)
    }

    /// Blanks `secret` wherever it appears in the message: a platform that echoes a token
    /// in its error text must not get it into our logs and health records.
    pub fn redact(mut self, secret: &crate::Secret) -> Self {
        let value = secret.expose().trim();
        if !value.is_empty() {
            self.message = self.message.replace(value, "[redacted]");
        }
        self
    }

    pub fn with_retry_after(mut self, wait: Option<Duration>) -> Self {
        self.retry_after = wait;
        self
    }
}

pub type ConnectorResult<T> = Result<T, ConnectorError>;
