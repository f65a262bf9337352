//! Our own wrappers around axum's `Json`, `Query` and `Path` extractors: they behave the
//! same but reject with [`AppError`], so malformed JSON, an oversized body, a wrong
//! content type or an unknown query parameter get the API's error shape, not axum's
//! plain-text rejections.

use axum::Json;
use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts, Path, Query, Request};
use axum::http::StatusCode;
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

use crate::error::AppError;

/// A JSON request body (`Content-Type: application/json`), size-limited by the router.
#[derive(Debug, Clone, Copy, Default)]
pub struct AppJson<T>(pub T);

impl<S, T> FromRequest<S> for AppJson<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = AppError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match Json::<T>::from_request(req, state).await {
            Ok(Json(value)) => Ok(AppJson(value)),
            Err(rejection) => Err(json_rejection(&rejection)),
        }
    }
}

fn json_rejection(rejection: &JsonRejection) -> AppError {
    match rejection.status() {
        StatusCode::PAYLOAD_TOO_LARGE => {
            AppError::PayloadTooLarge("the request body is too large".to_owned())
        }
        StatusCode::UNSUPPORTED_MEDIA_TYPE => AppError::UnsupportedMediaType(
            "the request body must be JSON (Content-Type: application/json)".to_owned(),
        ),
        // Syntax and data errors: axum's text names the field and position.
        _ => AppError::BadRequest(rejection.body_text()),
    }
}

/// A query string deserialized into `T`; param structs use `deny_unknown_fields` so a
/// misspelt parameter is an error instead of being silently ignored.
#[derive(Debug, Clone, Copy, Default)]
pub struct AppQuery<T>(pub T);

impl<S, T> FromRequestParts<S> for AppQuery<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match Query::<T>::from_request_parts(parts, state).await {
            Ok(Query(value)) => Ok(AppQuery(value)),
            Err(rejection) => Err(query_rejection(&rejection)),
        }
    }
}

fn query_rejection(rejection: &QueryRejection) -> AppError {
    match rejection {
        QueryRejection::FailedToDeserializeQueryString(inner) => {
            // serde's message names the parameter: "unknown field `foo`, expected one of ...".
            let detail = inner.to_string();
            let detail = detail
                .strip_prefix("Failed to deserialize query string: ")
                .unwrap_or(&detail)
                .replace("field", "query parameter");
            AppError::BadRequest(format!("invalid query string: {detail}"))
        }
        other => AppError::BadRequest(other.body_text()),
    }
}

/// Path parameters deserialized into `T`.
#[derive(Debug, Clone, Copy, Default)]
pub struct AppPath<T>(pub T);

impl<S, T> FromRequestParts<S> for AppPath<T>
where
    T: DeserializeOwned + Send,
    S: Send + Sync,
{
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match Path::<T>::from_request_parts(parts, state).await {
            Ok(Path(value)) => Ok(AppPath(value)),
            Err(rejection) => Err(path_rejection(&rejection)),
        }
    }
}

fn path_rejection(rejection: &PathRejection) -> AppError {
    if rejection.status().is_server_error() {
        AppError::internal(rejection.body_text())
    } else {
        AppError::BadRequest(rejection.body_text())
    }
}
