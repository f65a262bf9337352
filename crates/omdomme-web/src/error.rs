//! One error type for every handler, and its JSON shape:
//! `{ "error": { "code": "<stable_snake_case>", "message": "...", "column": 7? } }`.
//!
//! Clients branch on `code`, which never changes for a given kind of failure; `message` is
//! for people. Server-side failures (5xx) get a generic message so storage details never
//! reach a client; the detail is logged once, here.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use omdomme_store::StoreError;
use serde::Serialize;
use utoipa::ToSchema;

/// Errors outside request handling (setting up, hashing a password for the CLI).
#[derive(Debug, thiserror::Error)]
pub enum WebError {
    #[error("password hashing: {0}")]
    PasswordHash(String),
    #[error("invalid password: {0}")]
    InvalidPassword(String),
}

/// Everything a handler can fail with; each variant maps to one status and one code.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("{0}")]
    BadRequest(String),
    /// The search query `q` does not parse; `column` is 1-based, in characters.
    #[error("column {column}: {message}")]
    QuerySyntax { column: usize, message: String },
    #[error("{0}")]
    Unauthorized(String),
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    NotFound(String),
    /// `X-Omdomme-Source` names no enabled webhook source.
    #[error("{0}")]
    UnknownSource(String),
    #[error("{0}")]
    MethodNotAllowed(String),
    #[error("{0}")]
    UnsupportedMediaType(String),
    #[error("{0}")]
    PayloadTooLarge(String),
    /// Too many failed logins; try again after `retry_after_secs`.
    #[error("{message}")]
    TooManyRequests {
        message: String,
        retry_after_secs: u64,
    },
    /// A pushed body that does not read as items; `record` is 1-based, when known.
    #[error("{message}")]
    InvalidItems {
        record: Option<u64>,
        message: String,
    },
    /// Something broke on our side; the detail is logged, never sent.
    #[error("internal: {0}")]
    Internal(String),
}

impl AppError {
    pub fn status(&self) -> StatusCode {
        match self {
            AppError::BadRequest(_) | AppError::QuerySyntax { .. } => StatusCode::BAD_REQUEST,
            AppError::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            AppError::Forbidden(_) => StatusCode::FORBIDDEN,
            AppError::NotFound(_) | AppError::UnknownSource(_) => StatusCode::NOT_FOUND,
            AppError::MethodNotAllowed(_) => StatusCode::METHOD_NOT_ALLOWED,
            AppError::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            AppError::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            AppError::InvalidItems { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The stable, machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            AppError::BadRequest(_) => "bad_request",
            AppError::QuerySyntax { .. } => "query_syntax",
            AppError::Unauthorized(_) => "unauthorized",
            AppError::Forbidden(_) => "forbidden",
            AppError::NotFound(_) => "not_found",
            AppError::UnknownSource(_) => "unknown_source",
            AppError::MethodNotAllowed(_) => "method_not_allowed",
            AppError::UnsupportedMediaType(_) => "unsupported_media_type",
            AppError::PayloadTooLarge(_) => "payload_too_large",
            AppError::TooManyRequests { .. } => "too_many_requests",
            AppError::InvalidItems { .. } => "invalid_items",
            AppError::Internal(_) => "internal",
        }
    }

    pub fn internal(detail: impl std::fmt::Display) -> AppError {
        AppError::Internal(detail.to_string())
    }
}

impl From<StoreError> for AppError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::NotFound { what } => AppError::NotFound(format!("{what} not found")),
            // The store words `Invalid` for users (bad paging, unknown workspace).
            StoreError::Invalid(message) => AppError::BadRequest(message),
            other => AppError::Internal(other.to_string()),
        }
    }
}

/// The JSON body of every error response.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorDetail {
    /// Stable snake_case code: bad_request, query_syntax, unauthorized, forbidden,
    /// not_found, unknown_source, method_not_allowed, unsupported_media_type,
    /// payload_too_large, invalid_items, internal.
    #[schema(example = "bad_request")]
    pub code: String,
    /// What went wrong, for people.
    pub message: String,
    /// For `query_syntax`: the 1-based column (in characters) of the problem in `q`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub column: Option<usize>,
    /// For `invalid_items`: the 1-based number of the record at fault, when there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub record: Option<u64>,
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let status = self.status();
        let code = self.code().to_owned();
        let retry_after = match &self {
            AppError::TooManyRequests {
                retry_after_secs, ..
            } => Some(*retry_after_secs),
            _ => None,
        };
        let (message, column, record) = match self {
            AppError::Internal(detail) => {
                // Logged once here; handlers just return the error.
                tracing::error!(%detail, "internal error");
                ("internal server error".to_owned(), None, None)
            }
            AppError::QuerySyntax { column, message } => {
                (format!("column {column}: {message}"), Some(column), None)
            }
            AppError::InvalidItems { record, message } => (message, None, record),
            AppError::TooManyRequests { message, .. } => (message, None, None),
            AppError::BadRequest(m)
            | AppError::Unauthorized(m)
            | AppError::Forbidden(m)
            | AppError::NotFound(m)
            | AppError::UnknownSource(m)
            | AppError::MethodNotAllowed(m)
            | AppError::UnsupportedMediaType(m)
            | AppError::PayloadTooLarge(m) => (m, None, None),
        };
        let body = ErrorBody {
            error: ErrorDetail {
                code,
                message,
                column,
                record,
            },
        };
        let mut response = (status, Json(body)).into_response();
        if let Some(secs) = retry_after {
            response
                .headers_mut()
                .insert(axum::http::header::RETRY_AFTER, secs.into());
        }
        response
    }
}
