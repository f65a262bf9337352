//! `GET /api/search`: full-text search over a workspace's items with filters and paging.
//! The query `q` uses the boolean language of watch queries (`omdomme_core::Query`); a
//! query that does not parse is the client's mistake (400 `query_syntax` with the column),
//! never a server error.

use axum::Json;
use axum::extract::State;
use omdomme_core::Query;
use omdomme_store::{Role, SearchRequest};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::AppState;
use crate::api::items::ItemDto;
use crate::api::params::{self, RawFilters};
use crate::auth::CurrentUser;
use crate::error::{AppError, ErrorBody};
use crate::extract::AppQuery;

/// Deepest page search serves; deeper paging belongs to export.
pub const MAX_OFFSET: usize = 10_000;
pub const MAX_LIMIT: usize = 200;
pub const DEFAULT_LIMIT: usize = 20;

/// Query parameters of search. All are strings here so that every bad value gets a message
/// naming its parameter (serde's number errors do not).
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct SearchParams {
    /// Workspace id; may be left out when there is exactly one workspace.
    pub workspace: Option<String>,
    /// Boolean query: words, "phrases", #hashtags, @mentions, AND/OR/NOT, prefix*,
    /// lang:/author:/source: filters.
    pub q: Option<String>,
    /// Brand id of the workspace.
    pub brand: Option<String>,
    /// rss, mastodon, bluesky, x, facebook, file or webhook.
    pub source: Option<String>,
    /// negative, neutral or positive.
    pub sentiment: Option<String>,
    /// climate, labour, diversity, employer, governance, community or product.
    pub topic: Option<String>,
    /// nb, nn, en, sv, da or other.
    pub lang: Option<String>,
    /// Author handle, exact (a leading @ is ignored).
    pub author: Option<String>,
    /// Inclusive start: RFC 3339 timestamp or YYYY-MM-DD (midnight, Europe/Oslo).
    pub from: Option<String>,
    /// Exclusive end: RFC 3339 timestamp or YYYY-MM-DD (midnight, Europe/Oslo).
    pub to: Option<String>,
    /// relevance (default), newest or oldest.
    pub order: Option<String>,
    /// Items to skip, 0 to 10000 (default 0).
    pub offset: Option<String>,
    /// Items to return, 1 to 200 (default 20).
    pub limit: Option<String>,
}

/// One page of search results.
#[derive(Debug, Serialize, ToSchema)]
pub struct SearchResponse {
    /// The workspace searched.
    pub workspace: String,
    /// How many items match in all.
    pub total: u64,
    pub offset: usize,
    pub limit: usize,
    pub items: Vec<ItemDto>,
    /// True when the workspace holds generated demo data.
    pub synthetic: bool,
}

/// Searches a workspace's items.
#[utoipa::path(
    get,
    path = "/api/search",
    tag = "search",
    params(SearchParams),
    responses(
        (status = 200, description = "A page of matching items", body = SearchResponse),
        (status = 400, description = "A bad parameter (code bad_request) or a query that does not parse (code query_syntax, with column)", body = ErrorBody),
        (status = 401, description = "Not logged in", body = ErrorBody),
        (status = 404, description = "Unknown workspace", body = ErrorBody),
    ),
    security(("session" = []))
)]
pub async fn search(
    State(state): State<AppState>,
    user: CurrentUser,
    AppQuery(p): AppQuery<SearchParams>,
) -> Result<Json<SearchResponse>, AppError> {
    user.require(Role::Viewer)?;
    // Cheap checks first, so a bad request costs no store round trip.
    let query = match params::present(p.q.as_deref()) {
        Some(q) => Some(Query::parse(q).map_err(|e| AppError::QuerySyntax {
            column: e.column,
            message: e.message,
        })?),
        None => None,
    };
    let order = params::parse_order(p.order.as_deref())?;
    let offset = params::parse_count("offset", p.offset.as_deref(), 0, 0, MAX_OFFSET)?;
    let limit = params::parse_count("limit", p.limit.as_deref(), DEFAULT_LIMIT, 1, MAX_LIMIT)?;
    let tz = params::time_zone(&state)?;
    let workspace = params::resolve_workspace(&state, p.workspace.as_deref()).await?;
    let filters = params::filters(
        &RawFilters {
            brand: p.brand.as_deref(),
            source: p.source.as_deref(),
            sentiment: p.sentiment.as_deref(),
            topic: p.topic.as_deref(),
            lang: p.lang.as_deref(),
            author: p.author.as_deref(),
            from: p.from.as_deref(),
            to: p.to.as_deref(),
        },
        &workspace,
        &tz,
    )?;
    let page = state
        .store
        .search(&SearchRequest {
            workspace: workspace.id.clone(),
            query,
            filters,
            order,
            offset,
            limit,
        })
        .await?;
    Ok(Json(SearchResponse {
        workspace: workspace.id.0,
        total: page.total,
        offset,
        limit,
        items: page.items.into_iter().map(ItemDto::from).collect(),
        synthetic: workspace.synthetic,
    }))
}
