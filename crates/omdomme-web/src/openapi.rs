//! The OpenAPI 3.1 document of the API, generated from the handlers' `#[utoipa::path]`
//! attributes and the DTOs' `ToSchema` derives, served at `GET /api/openapi.json`.

use axum::Json;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, SecurityScheme};
use utoipa::{Modify, OpenApi};

use crate::api::{health, items, search, session, stats};
use crate::auth::{RoleDto, SESSION_COOKIE};
use crate::error::{ErrorBody, ErrorDetail};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Omdømme API",
        description = "Social listening for Norwegian companies: search items, read statistics. \
            Log in with POST /api/session; the session cookie authenticates the rest. \
            Writes must be JSON (Content-Type: application/json) from the same origin."
    ),
    paths(
        health::health,
        session::login,
        session::current,
        session::logout,
        search::search,
        items::get_item,
        stats::volume,
        stats::share_of_voice,
        openapi_json,
    ),
    components(schemas(
        ErrorBody,
        ErrorDetail,
        RoleDto,
        health::HealthResponse,
        session::LoginRequest,
        session::SessionResponse,
        search::SearchResponse,
        items::ItemDto,
        items::SourceDto,
        items::AuthorDto,
        items::EngagementDto,
        items::EnrichmentDto,
        stats::VolumeResponse,
        stats::VolumePointDto,
        stats::ShareResponse,
        stats::BrandShareDto,
    )),
    modifiers(&SessionCookie),
    tags(
        (name = "health", description = "Liveness"),
        (name = "session", description = "Logging in and out"),
        (name = "search", description = "Full-text search over items"),
        (name = "items", description = "Single items"),
        (name = "stats", description = "Volume over time and share of voice"),
        (name = "meta", description = "This document"),
    )
)]
pub struct ApiDoc;

/// Declares the `session` security scheme the protected paths refer to.
struct SessionCookie;

impl Modify for SessionCookie {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "session",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::new(SESSION_COOKIE))),
        );
    }
}

/// This document.
#[utoipa::path(
    get,
    path = "/api/openapi.json",
    tag = "meta",
    responses((status = 200, description = "The OpenAPI 3.1 document", content_type = "application/json"))
)]
pub async fn openapi_json() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}
