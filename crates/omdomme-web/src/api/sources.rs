//! `GET /api/sources`: each live source of a workspace with how it is doing (status, last
//! success, last error and what to do about it, items per minute, silence). Also home of
//! [`SourceDto`], which `omdomme sources list --json` prints too, so the terminal and the
//! API say the same. Never any secret: a source's credential shows only as
//! `has_credential`, and its definition (which may name private feeds) is left out.

use axum::Json;
use axum::extract::State;
use jiff::Timestamp;
use omdomme_store::{Role, SourceRecord};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::AppState;
use crate::api::params;
use crate::auth::CurrentUser;
use crate::error::{AppError, ErrorBody};
use crate::extract::AppQuery;

#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct SourcesParams {
    /// Workspace id; may be left out when there is exactly one workspace.
    pub workspace: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SourcesResponse {
    pub workspace: String,
    pub sources: Vec<SourceDto>,
}

/// A live source and its health, as of the server's clock.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct SourceDto {
    pub workspace: String,
    /// rss, mastodon, bluesky, x, facebook or webhook.
    #[schema(example = "rss")]
    pub kind: String,
    #[schema(example = "nrk")]
    pub name: String,
    /// Where it was defined: config, opml or ui.
    #[schema(example = "config")]
    pub origin: String,
    pub enabled: bool,
    /// new (never ran), ok, silent (quiet much longer than usual) or failing (the last
    /// call failed).
    #[schema(example = "ok")]
    pub status: String,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub last_success: Option<Timestamp>,
    /// When the last new item arrived.
    #[schema(value_type = Option<String>, format = DateTime)]
    pub last_item_at: Option<Timestamp>,
    /// The last failure, until the next success.
    pub last_error: Option<SourceErrorDto>,
    pub failures_in_a_row: u32,
    /// Running average of new items per minute.
    pub items_per_minute: f64,
    /// Items stored since the source was added.
    pub items_total: u64,
    /// A warning when no new item came for much longer than usual.
    pub silence: Option<String>,
    /// Whether a credential is stored (sealed); the credential itself is never shown.
    pub has_credential: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct SourceErrorDto {
    #[schema(value_type = String, format = DateTime)]
    pub at: Timestamp,
    /// token_expired, scope_missing, endpoint_retired, account_suspended, quota_spent,
    /// rate_limited, unavailable, bad_payload, config or store.
    #[schema(example = "token_expired")]
    pub kind: String,
    /// What happened and what to do about it.
    pub message: String,
}

impl SourceDto {
    /// The source as shown at `now` (status and silence depend on the time).
    pub fn new(record: &SourceRecord, now: Timestamp) -> SourceDto {
        let health = &record.health;
        SourceDto {
            workspace: record.workspace.0.clone(),
            kind: record.key.kind.as_str().to_owned(),
            name: record.key.name.clone(),
            origin: record.origin.as_str().to_owned(),
            enabled: record.enabled,
            status: health.status(now).as_str().to_owned(),
            last_success: health.last_success,
            last_item_at: health.last_item_at,
            last_error: health.last_error.as_ref().map(|e| SourceErrorDto {
                at: e.at,
                kind: e.kind.clone(),
                message: e.message.clone(),
            }),
            failures_in_a_row: health.failures_in_a_row,
            items_per_minute: health.items_per_minute,
            items_total: health.items_total,
            silence: health.silence(now),
            has_credential: record.has_credential,
        }
    }
}

/// The workspace's live sources and their health.
#[utoipa::path(
    get,
    path = "/api/sources",
    tag = "sources",
    params(SourcesParams),
    responses(
        (status = 200, description = "Each source with its health", body = SourcesResponse),
        (status = 400, description = "A bad parameter", body = ErrorBody),
        (status = 401, description = "Not logged in", body = ErrorBody),
        (status = 403, description = "Needs the editor role or higher", body = ErrorBody),
        (status = 404, description = "Unknown workspace", body = ErrorBody),
    ),
    security(("session" = []))
)]
pub async fn list(
    State(state): State<AppState>,
    user: CurrentUser,
    AppQuery(p): AppQuery<SourcesParams>,
) -> Result<Json<SourcesResponse>, AppError> {
    user.require(Role::Editor)?;
    let workspace = params::resolve_workspace(&state, p.workspace.as_deref()).await?;
    let now = state.clock.now();
    let sources = state.store.sources(&workspace.id).await?;
    Ok(Json(SourcesResponse {
        workspace: workspace.id.0,
        sources: sources.iter().map(|s| SourceDto::new(s, now)).collect(),
    }))
}
