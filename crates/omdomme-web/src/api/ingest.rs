//! `POST /api/ingest`: the webhook through which any other system pushes items.
//!
//! * The body is our item schema (the `jsonl` import format) as JSON: one object, an array
//!   of objects, or JSON lines; `Content-Type` `application/json`, `application/x-ndjson`
//!   or `application/jsonl`; at most [`MAX_INGEST_BYTES`].
//! * `X-Omdomme-Source: <workspace>/<name>` names a webhook source of the config file
//!   (`kind = "webhook"`); its sealed credential is the shared secret.
//! * With `auth = "token"` the caller sends `Authorization: Bearer <secret>`; with
//!   `auth = "hmac"`, `X-Omdomme-Signature: sha256=<hex HMAC-SHA256 of the raw body under
//!   the secret>`. Both are compared in constant time, and a refusal never says which part
//!   was wrong.
//! * All or nothing: one bad record rejects the request (422, naming the record and the
//!   field) and nothing of it is stored. Every item is stored under the webhook source,
//!   whatever `source`/`source_kind` it names, so a caller can only ever write its own
//!   source's items.
//!
//! This is machine-to-machine: no session, so no CSRF or Origin check (the router keeps
//! this route outside that guard); the secret is the authentication.

use std::io::Cursor;

use axum::Json;
use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::HeaderMap;
use axum::http::header::{AUTHORIZATION, CONTENT_LENGTH, CONTENT_TYPE};
use hmac::{Hmac, Mac};
use omdomme_connectors::SourceSpec;
use omdomme_connectors::spec::WebhookAuth;
use omdomme_core::{Item, SourceKey, SourceKind, WorkspaceId};
use omdomme_sources::{Format, ImportContext};
use omdomme_store::SourceRecord;
use serde::Serialize;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;
use utoipa::ToSchema;

use crate::AppState;
use crate::error::{AppError, ErrorBody};

/// Largest body accepted.
pub const MAX_INGEST_BYTES: usize = 10 * 1024 * 1024;
/// Names the webhook source: `<workspace>/<name>`.
pub const SOURCE_HEADER: &str = "x-omdomme-source";
/// `sha256=<hex>` for sources with `auth = "hmac"`.
pub const SIGNATURE_HEADER: &str = "x-omdomme-signature";

/// The body's media types: one document (object or array) or JSON lines.
const CONTENT_TYPES: [&str; 3] = [
    "application/json",
    "application/x-ndjson",
    "application/jsonl",
];

#[derive(Debug, Serialize, ToSchema)]
pub struct IngestResponse {
    /// The source the items were stored under, as `<workspace>/<name>`.
    #[schema(example = "nordlys/crm")]
    pub source: String,
    /// Items in the body.
    pub received: u64,
    /// Stored for the first time.
    pub new: u64,
    /// Known already, with changed text, engagement or enrichment.
    pub updated: u64,
    /// Known already, exactly as sent.
    pub unchanged: u64,
}

/// Pushes items into a webhook source.
#[utoipa::path(
    post,
    path = "/api/ingest",
    tag = "ingest",
    params(
        ("X-Omdomme-Source" = String, Header, description = "`<workspace>/<name>` of a webhook source"),
        ("Authorization" = Option<String>, Header, description = "`Bearer <token>` for sources with auth = \"token\""),
        ("X-Omdomme-Signature" = Option<String>, Header, description = "`sha256=<hex HMAC-SHA256 of the body>` for sources with auth = \"hmac\""),
    ),
    request_body(
        description = "Items in the import schema: one object, an array, or JSON lines (at most 10 MiB)",
        content(
            ("application/json"),
            ("application/x-ndjson"),
            ("application/jsonl"),
        ),
    ),
    responses(
        (status = 200, description = "Every item stored", body = IngestResponse),
        (status = 400, description = "No or a malformed X-Omdomme-Source header", body = ErrorBody),
        (status = 401, description = "The token or signature does not match", body = ErrorBody),
        (status = 404, description = "No enabled webhook source by that name (unknown_source)", body = ErrorBody),
        (status = 413, description = "The body is over 10 MiB", body = ErrorBody),
        (status = 415, description = "The body is not JSON", body = ErrorBody),
        (status = 422, description = "A record is malformed or misses a required field; nothing was stored (invalid_items)", body = ErrorBody),
    ),
    security(("webhook_token" = []), ("webhook_signature" = []))
)]
pub async fn ingest(
    State(state): State<AppState>,
    request: Request,
) -> Result<Json<IngestResponse>, AppError> {
    let (parts, body) = request.into_parts();
    let headers = &parts.headers;
    let (workspace, name) = source_header(headers)?;
    let key = SourceKey::new(SourceKind::Webhook, name);
    let record = webhook_source(&state, &workspace, &key).await?;
    let auth = match serde_json::from_value::<SourceSpec>(record.spec.clone()) {
        Ok(SourceSpec::Webhook(config)) => config.auth,
        Ok(_) => return Err(unknown_source(&workspace, &key)),
        Err(e) => {
            return Err(AppError::internal(format!(
                "webhook source {workspace}/{key}: the stored definition does not read: {e}"
            )));
        }
    };
    check_content_type(headers)?;
    let secret = webhook_secret(&state, &record).await?;
    let refused = || refusal(auth);
    if auth == WebhookAuth::Token && !token_matches(headers, secret.expose()) {
        return Err(refused());
    }
    let body = read_body(headers, body).await?;
    if auth == WebhookAuth::Hmac && !signature_matches(headers, secret.expose(), &body) {
        return Err(refused());
    }

    let collected_at = state.clock.now();
    let enricher = state
        .enrichers
        .get(&workspace)
        .cloned()
        .ok_or_else(|| AppError::internal(format!("no enricher for workspace {workspace}")))?;
    let source = key.clone();
    // Parsing 10 MiB and enriching its items is CPU work: off the async threads.
    let items = tokio::task::spawn_blocking(move || {
        let mut items = parse_items(body, &source, collected_at)?;
        enricher.enrich(&mut items);
        Ok::<_, AppError>(items)
    })
    .await
    .map_err(AppError::internal)??;

    let report = state
        .store
        .put_items_at_cursor(&workspace, &items, &key, None)
        .await?;
    // Searchable at once: a push is a deliberate act, somebody may look for it next.
    state.store.flush().await?;
    let mut health = record.health;
    health.record_success(collected_at, report.new, None);
    if let Err(e) = state
        .store
        .put_source_health(&workspace, &key, &health)
        .await
    {
        tracing::warn!(source = %key, "cannot record the webhook's health: {e}");
    }
    Ok(Json(IngestResponse {
        source: format!("{workspace}/{}", key.name),
        received: items.len() as u64,
        new: report.new,
        updated: report.updated,
        unchanged: report.unchanged,
    }))
}

fn source_header(headers: &HeaderMap) -> Result<(WorkspaceId, String), AppError> {
    let bad = || {
        AppError::BadRequest(
            "send the header X-Omdomme-Source: <workspace>/<name> naming a webhook source"
                .to_owned(),
        )
    };
    let value = headers
        .get(SOURCE_HEADER)
        .and_then(|v| v.to_str().ok())
        .ok_or_else(bad)?;
    let (workspace, name) = value.trim().split_once('/').ok_or_else(bad)?;
    if workspace.is_empty() || name.is_empty() {
        return Err(bad());
    }
    Ok((WorkspaceId(workspace.to_owned()), name.to_owned()))
}

fn unknown_source(workspace: &WorkspaceId, key: &SourceKey) -> AppError {
    AppError::UnknownSource(format!(
        "no enabled webhook source `{}` in workspace `{workspace}`",
        key.name
    ))
}

async fn webhook_source(
    state: &AppState,
    workspace: &WorkspaceId,
    key: &SourceKey,
) -> Result<SourceRecord, AppError> {
    match state.store.source(workspace, key).await {
        Ok(Some(record)) if record.enabled => Ok(record),
        Ok(_) => Err(unknown_source(workspace, key)),
        // An unknown workspace is as unknown a source as any.
        Err(omdomme_store::StoreError::Invalid(_)) => Err(unknown_source(workspace, key)),
        Err(e) => Err(e.into()),
    }
}

fn check_content_type(headers: &HeaderMap) -> Result<(), AppError> {
    let media_type = headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(str::trim);
    match media_type {
        Some(t) if CONTENT_TYPES.iter().any(|ok| t.eq_ignore_ascii_case(ok)) => Ok(()),
        _ => Err(AppError::UnsupportedMediaType(format!(
            "send the items as JSON with Content-Type {}",
            CONTENT_TYPES.join(", ")
        ))),
    }
}

/// The source's shared secret. Without one (or without the key to open it) nobody can be
/// let in; the operator learns why from the log, the caller only that it was refused.
async fn webhook_secret(
    state: &AppState,
    record: &SourceRecord,
) -> Result<omdomme_connectors::Secret, AppError> {
    let context = format!("{}/{}", record.workspace, record.key);
    let Some(key) = &state.secret_key else {
        return Err(AppError::internal(format!(
            "webhook {context}: OMDOMME_SECRET_KEY is not set, so its secret cannot be opened"
        )));
    };
    let sealed = state
        .store
        .source_credential(&record.workspace, &record.key)
        .await?
        .ok_or_else(|| {
            AppError::internal(format!(
                "webhook {context} has no secret yet: set one with `omdomme sources credential set {} {}`",
                record.workspace, record.key
            ))
        })?;
    key.open(&sealed, &context)
        .map_err(|e| AppError::internal(format!("webhook {context}: {e}")))
}

fn refusal(auth: WebhookAuth) -> AppError {
    AppError::Unauthorized(
        match auth {
            WebhookAuth::Token => {
                "the token does not match (send Authorization: Bearer <token>)"
            }
            WebhookAuth::Hmac => {
                "the signature does not match (send X-Omdomme-Signature: sha256=<hex HMAC-SHA256 of the body>)"
            }
        }
        .to_owned(),
    )
}

fn token_matches(headers: &HeaderMap, secret: &str) -> bool {
    let Some(token) = headers
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
    else {
        return false;
    };
    // Comparing digests keeps the secret's length out of the timing too.
    let given = Sha256::digest(token.trim().as_bytes());
    let expected = Sha256::digest(secret.as_bytes());
    given.ct_eq(&expected).into()
}

fn signature_matches(headers: &HeaderMap, secret: &str, body: &[u8]) -> bool {
    let Some(signature) = headers
        .get(SIGNATURE_HEADER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().strip_prefix("sha256="))
        .and_then(decode_hex)
    else {
        return false;
    };
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(secret.as_bytes()) else {
        return false;
    };
    mac.update(body);
    // `verify_slice` compares in constant time.
    mac.verify_slice(&signature).is_ok()
}

fn decode_hex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok())
        .collect()
}

fn too_large() -> AppError {
    AppError::PayloadTooLarge(format!(
        "the body is over {} MiB; send the items in several requests",
        MAX_INGEST_BYTES / (1024 * 1024)
    ))
}

async fn read_body(headers: &HeaderMap, body: Body) -> Result<Bytes, AppError> {
    let declared = headers
        .get(CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > MAX_INGEST_BYTES as u64) {
        return Err(too_large());
    }
    axum::body::to_bytes(body, MAX_INGEST_BYTES)
        .await
        .map_err(|e| {
            if std::error::Error::source(&e)
                .is_some_and(|inner| inner.is::<http_body_util::LengthLimitError>())
            {
                too_large()
            } else {
                AppError::BadRequest(format!("the body could not be read: {e}"))
            }
        })
}

/// Every record as an item of `source`, or the first record that does not read.
fn parse_items(
    body: Bytes,
    source: &SourceKey,
    collected_at: jiff::Timestamp,
) -> Result<Vec<Item>, AppError> {
    let context = ImportContext {
        source_name: source.name.clone(),
        collected_at,
    };
    let mut items = Vec::new();
    for record in omdomme_sources::read_items(Format::Jsonl, Box::new(Cursor::new(body)), context) {
        let mut item = record.map_err(|e| AppError::InvalidItems {
            record: (e.record > 0).then_some(e.record),
            message: format!("nothing was stored: {e}"),
        })?;
        item.source = source.clone();
        items.push(item);
    }
    if items.is_empty() {
        return Err(AppError::InvalidItems {
            record: None,
            message: "the body holds no items: send one object, an array of them, or JSON lines"
                .to_owned(),
        });
    }
    Ok(items)
}
