//! `GET /api/stats/volume` and `GET /api/stats/share-of-voice`: counts over time and per
//! brand, answered from the store's hourly rollups. Without `from`/`to` they cover the 90
//! days before now (the clock's now, so tests are reproducible).

use axum::Json;
use axum::extract::State;
use jiff::{SignedDuration, Timestamp};
use omdomme_core::{BrandRole, Workspace};
use omdomme_store::{Bucket, Filters, Role, ShareOfVoiceRequest, VolumeRequest};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::AppState;
use crate::api::params::{self, RawFilters};
use crate::auth::CurrentUser;
use crate::error::{AppError, ErrorBody};
use crate::extract::AppQuery;

/// The period the statistics cover when the request names none.
pub const DEFAULT_RANGE: SignedDuration = SignedDuration::from_hours(90 * 24);

#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct VolumeParams {
    /// Workspace id; may be left out when there is exactly one workspace.
    pub workspace: Option<String>,
    /// Brand id of the workspace.
    pub brand: Option<String>,
    /// rss, mastodon, bluesky, x, facebook, file or webhook.
    pub source: Option<String>,
    /// climate, labour, diversity, employer, governance, community or product.
    pub topic: Option<String>,
    /// negative, neutral or positive.
    pub sentiment: Option<String>,
    /// Inclusive start: RFC 3339 or YYYY-MM-DD (default: 90 days before `to`).
    pub from: Option<String>,
    /// Exclusive end: RFC 3339 or YYYY-MM-DD (default: now).
    pub to: Option<String>,
    /// hour, day (default), week or month; cut in the server's time zone.
    pub bucket: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct VolumeResponse {
    pub workspace: String,
    /// hour, day, week or month.
    pub bucket: String,
    /// The IANA time zone buckets are cut in.
    #[schema(example = "Europe/Oslo")]
    pub time_zone: String,
    #[schema(value_type = String, format = DateTime)]
    pub from: Timestamp,
    #[schema(value_type = String, format = DateTime)]
    pub to: Timestamp,
    pub points: Vec<VolumePointDto>,
    /// True when the workspace holds generated demo data.
    pub synthetic: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct VolumePointDto {
    /// Start of the bucket.
    #[schema(value_type = String, format = DateTime)]
    pub start: Timestamp,
    pub count: u64,
    pub negative: u64,
    pub neutral: u64,
    pub positive: u64,
    /// Mean sentiment score in [-1, 1]; 0 when empty.
    pub mean_score: f64,
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ShareParams {
    /// Workspace id; may be left out when there is exactly one workspace.
    pub workspace: Option<String>,
    /// rss, mastodon, bluesky, x, facebook, file or webhook.
    pub source: Option<String>,
    /// climate, labour, diversity, employer, governance, community or product.
    pub topic: Option<String>,
    /// negative, neutral or positive.
    pub sentiment: Option<String>,
    /// Inclusive start: RFC 3339 or YYYY-MM-DD (default: 90 days before `to`).
    pub from: Option<String>,
    /// Exclusive end: RFC 3339 or YYYY-MM-DD (default: now).
    pub to: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ShareResponse {
    pub workspace: String,
    #[schema(value_type = String, format = DateTime)]
    pub from: Timestamp,
    #[schema(value_type = String, format = DateTime)]
    pub to: Timestamp,
    pub brands: Vec<BrandShareDto>,
    /// True when the workspace holds generated demo data.
    pub synthetic: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct BrandShareDto {
    /// Brand id.
    pub brand: String,
    /// The brand's display name.
    pub name: String,
    /// own or competitor.
    #[schema(example = "own")]
    pub role: String,
    pub count: u64,
    /// Fraction of all brand mentions in the period, 0 to 1.
    pub share: f64,
    pub negative: u64,
    pub neutral: u64,
    pub positive: u64,
    pub mean_score: f64,
}

const BUCKETS: [Bucket; 4] = [Bucket::Hour, Bucket::Day, Bucket::Week, Bucket::Month];

fn bucket_name(bucket: Bucket) -> &'static str {
    match bucket {
        Bucket::Hour => "hour",
        Bucket::Day => "day",
        Bucket::Week => "week",
        Bucket::Month => "month",
    }
}

/// Fills in the default period around what the request gave.
fn with_default_range(
    mut filters: Filters,
    now: Timestamp,
) -> Result<(Filters, Timestamp, Timestamp), AppError> {
    let to = filters.to.unwrap_or(now);
    let from = match filters.from {
        Some(from) => from,
        None => to.checked_sub(DEFAULT_RANGE).map_err(AppError::internal)?,
    };
    if from >= to {
        return Err(AppError::BadRequest(
            "parameters `from` and `to`: `from` must be before `to` (`to` defaults to now)"
                .to_owned(),
        ));
    }
    filters.from = Some(from);
    filters.to = Some(to);
    Ok((filters, from, to))
}

/// Item counts and sentiment per time bucket.
#[utoipa::path(
    get,
    path = "/api/stats/volume",
    tag = "stats",
    params(VolumeParams),
    responses(
        (status = 200, description = "Counts per bucket", body = VolumeResponse),
        (status = 400, description = "A bad parameter", body = ErrorBody),
        (status = 401, description = "Not logged in", body = ErrorBody),
        (status = 404, description = "Unknown workspace", body = ErrorBody),
    ),
    security(("session" = []))
)]
pub async fn volume(
    State(state): State<AppState>,
    user: CurrentUser,
    AppQuery(p): AppQuery<VolumeParams>,
) -> Result<Json<VolumeResponse>, AppError> {
    user.require(Role::Viewer)?;
    let bucket = params::parse_choice("bucket", p.bucket.as_deref(), &BUCKETS, bucket_name)?
        .unwrap_or(Bucket::Day);
    let tz = params::time_zone(&state)?;
    let workspace = params::resolve_workspace(&state, p.workspace.as_deref()).await?;
    let filters = params::filters(
        &RawFilters {
            brand: p.brand.as_deref(),
            source: p.source.as_deref(),
            topic: p.topic.as_deref(),
            sentiment: p.sentiment.as_deref(),
            from: p.from.as_deref(),
            to: p.to.as_deref(),
            ..RawFilters::default()
        },
        &workspace,
        &tz,
    )?;
    let (filters, from, to) = with_default_range(filters, state.clock.now())?;
    let points = state
        .store
        .volume(&VolumeRequest {
            workspace: workspace.id.clone(),
            filters,
            bucket,
            time_zone: state.config.time_zone.clone(),
        })
        .await?;
    Ok(Json(VolumeResponse {
        workspace: workspace.id.0,
        bucket: bucket_name(bucket).to_owned(),
        time_zone: state.config.time_zone.clone(),
        from,
        to,
        points: points
            .into_iter()
            .map(|p| VolumePointDto {
                start: p.start,
                count: p.count,
                negative: p.negative,
                neutral: p.neutral,
                positive: p.positive,
                mean_score: p.mean_score,
            })
            .collect(),
        synthetic: workspace.synthetic,
    }))
}

/// Each brand's share of all brand mentions.
#[utoipa::path(
    get,
    path = "/api/stats/share-of-voice",
    tag = "stats",
    params(ShareParams),
    responses(
        (status = 200, description = "Mentions per brand", body = ShareResponse),
        (status = 400, description = "A bad parameter", body = ErrorBody),
        (status = 401, description = "Not logged in", body = ErrorBody),
        (status = 404, description = "Unknown workspace", body = ErrorBody),
    ),
    security(("session" = []))
)]
pub async fn share_of_voice(
    State(state): State<AppState>,
    user: CurrentUser,
    AppQuery(p): AppQuery<ShareParams>,
) -> Result<Json<ShareResponse>, AppError> {
    user.require(Role::Viewer)?;
    let tz = params::time_zone(&state)?;
    let workspace = params::resolve_workspace(&state, p.workspace.as_deref()).await?;
    let filters = params::filters(
        &RawFilters {
            source: p.source.as_deref(),
            topic: p.topic.as_deref(),
            sentiment: p.sentiment.as_deref(),
            from: p.from.as_deref(),
            to: p.to.as_deref(),
            ..RawFilters::default()
        },
        &workspace,
        &tz,
    )?;
    let (filters, from, to) = with_default_range(filters, state.clock.now())?;
    let shares = state
        .store
        .share_of_voice(&ShareOfVoiceRequest {
            workspace: workspace.id.clone(),
            filters,
        })
        .await?;
    let brands = shares
        .into_iter()
        .map(|s| {
            let brand = brand_of(&workspace, &s.brand.0);
            BrandShareDto {
                name: brand.map_or_else(|| s.brand.0.clone(), |b| b.name.clone()),
                role: match brand.map(|b| b.role) {
                    Some(BrandRole::Own) => "own",
                    // A brand removed from the workspace since is nobody's own.
                    Some(BrandRole::Competitor) | None => "competitor",
                }
                .to_owned(),
                brand: s.brand.0,
                count: s.count,
                share: s.share,
                negative: s.negative,
                neutral: s.neutral,
                positive: s.positive,
                mean_score: s.mean_score,
            }
        })
        .collect();
    Ok(Json(ShareResponse {
        workspace: workspace.id.0,
        from,
        to,
        brands,
        synthetic: workspace.synthetic,
    }))
}

fn brand_of<'a>(workspace: &'a Workspace, id: &str) -> Option<&'a omdomme_core::Brand> {
    workspace.brands.iter().find(|b| b.id.0 == id)
}
