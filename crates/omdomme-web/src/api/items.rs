//! `GET /api/items/{id}`: one stored item with its enrichment. Also home of [`ItemDto`],
//! the API's view of an item, which search returns too. The DTO mirrors
//! `omdomme_core::StoredItem` on purpose instead of serialising it directly: the API
//! contract then changes only when we change it here, not when storage does.

use axum::Json;
use axum::extract::State;
use jiff::Timestamp;
use omdomme_core::{ItemId, StoredItem};
use omdomme_store::Role;
use serde::Serialize;
use utoipa::ToSchema;

use crate::AppState;
use crate::auth::CurrentUser;
use crate::error::{AppError, ErrorBody};
use crate::extract::AppPath;

/// An item: a post, comment, reply, article or review somebody published.
#[derive(Debug, Serialize, ToSchema)]
pub struct ItemDto {
    pub id: i64,
    pub source: SourceDto,
    /// The platform's own id of the item.
    pub external_id: String,
    /// post, comment, reply, article or review.
    #[schema(example = "post")]
    pub kind: String,
    pub author: AuthorDto,
    pub title: Option<String>,
    pub text: String,
    pub url: Option<String>,
    pub thread_id: Option<String>,
    pub parent_id: Option<String>,
    pub engagement: EngagementDto,
    #[schema(value_type = String, format = DateTime)]
    pub published_at: Timestamp,
    #[schema(value_type = String, format = DateTime)]
    pub collected_at: Timestamp,
    /// The language the platform declared, as given.
    pub declared_lang: Option<String>,
    pub enrichment: EnrichmentDto,
    /// True for generated demo data: show it as such.
    pub synthetic: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SourceDto {
    /// rss, mastodon, bluesky, x, facebook, file or webhook.
    #[schema(example = "mastodon")]
    pub kind: String,
    /// Feed, account, instance or file within the platform.
    #[schema(example = "mastodon.social")]
    pub name: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AuthorDto {
    /// Handle without the leading `@`.
    pub handle: String,
    pub name: Option<String>,
    pub followers: Option<u64>,
    pub verified: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct EngagementDto {
    pub likes: u64,
    pub shares: u64,
    pub replies: u64,
    pub views: Option<u64>,
}

/// What enrichment decided; `model` is empty while the item is not enriched yet.
#[derive(Debug, Serialize, ToSchema)]
pub struct EnrichmentDto {
    /// nb, nn, en, sv, da or other.
    #[schema(example = "nb")]
    pub lang: String,
    /// negative, neutral or positive.
    #[schema(example = "negative")]
    pub sentiment: String,
    /// From -1 (most negative) to 1 (most positive).
    pub sentiment_score: f32,
    /// CSR topics: climate, labour, diversity, employer, governance, community, product.
    pub topics: Vec<String>,
    /// customer, prospective_customer, employee, prospective_employee, partner,
    /// investor, press or society.
    pub stakeholder: Option<String>,
    /// Ids of the brands the item is about.
    pub brands: Vec<String>,
    /// A question or complaint that deserves an answer.
    pub inquiry: bool,
    /// Name and version of the enricher.
    pub model: String,
}

impl From<StoredItem> for ItemDto {
    fn from(stored: StoredItem) -> Self {
        let item = stored.item;
        let e = item.enrichment;
        ItemDto {
            id: stored.id.0,
            source: SourceDto {
                kind: item.source.kind.as_str().to_owned(),
                name: item.source.name,
            },
            external_id: item.external_id,
            kind: item.kind.as_str().to_owned(),
            author: AuthorDto {
                handle: item.author.handle,
                name: item.author.name,
                followers: item.author.followers,
                verified: item.author.verified,
            },
            title: item.title,
            text: item.text,
            url: item.url,
            thread_id: item.thread_id,
            parent_id: item.parent_id,
            engagement: EngagementDto {
                likes: item.engagement.likes,
                shares: item.engagement.shares,
                replies: item.engagement.replies,
                views: item.engagement.views,
            },
            published_at: item.published_at,
            collected_at: item.collected_at,
            declared_lang: item.declared_lang,
            enrichment: EnrichmentDto {
                lang: e.lang.as_str().to_owned(),
                sentiment: e.sentiment.label.as_str().to_owned(),
                sentiment_score: e.sentiment.score,
                topics: e.topics.iter().map(|t| t.as_str().to_owned()).collect(),
                stakeholder: e.stakeholder.map(|s| s.as_str().to_owned()),
                brands: e.brands.into_iter().map(|b| b.0).collect(),
                inquiry: e.inquiry,
                model: e.model,
            },
            synthetic: item.synthetic,
        }
    }
}

/// One item by id.
#[utoipa::path(
    get,
    path = "/api/items/{id}",
    tag = "items",
    params(("id" = i64, Path, description = "The item's id")),
    responses(
        (status = 200, description = "The item", body = ItemDto),
        (status = 400, description = "The id is not a number", body = ErrorBody),
        (status = 401, description = "Not logged in", body = ErrorBody),
        (status = 404, description = "No such item", body = ErrorBody),
    ),
    security(("session" = []))
)]
pub async fn get_item(
    State(state): State<AppState>,
    user: CurrentUser,
    AppPath(id): AppPath<String>,
) -> Result<Json<ItemDto>, AppError> {
    user.require(Role::Viewer)?;
    let id: i64 = id.parse().map_err(|_| {
        AppError::BadRequest(format!(
            "parameter `id`: must be a whole number, not `{id}`"
        ))
    })?;
    let item = state
        .store
        .item(ItemId(id))
        .await?
        .ok_or_else(|| AppError::NotFound(format!("item {id} not found")))?;
    Ok(Json(item.into()))
}
