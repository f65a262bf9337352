//! The OpenAPI 3.1 document of the API, generated from the handlers' `#[utoipa::path]`
//! attributes and the DTOs' `ToSchema` derives, served at `GET /api/openapi.json`.

use axum::Json;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use crate::api::{health, ingest, items, search, session, sources, stats};
use crate::auth::{RoleDto, SESSION_COOKIE};
use crate::error::{ErrorBody, ErrorDetail};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Omdømme API",
        description = "Social listening for Norwegian companies: search items, read statistics. \
            Log in with POST /api/session; the session cookie authenticates the rest. \
            Writes must be JSON (Content-Type: application/json) from the same origin, except \
            the webhook POST /api/ingest, which takes its source's token or body signature."
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
        sources::list,
        ingest::ingest,
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
        sources::SourcesResponse,
        sources::SourceDto,
        sources::SourceErrorDto,
        ingest::IngestResponse,
    )),
    modifiers(&SessionCookie),
    tags(
        (name = "health", description = "Liveness"),
        (name = "session", description = "Logging in and out"),
        (name = "search", description = "Full-text search over items"),
        (name = "items", description = "Single items"),
        (name = "stats", description = "Volume over time and share of voice"),
        (name = "sources", description = "Live sources and their health"),
        (name = "ingest", description = "The webhook other systems push items to"),
        (name = "meta", description = "This document"),
    )
)]
pub struct ApiDoc;

/// Declares the security schemes the paths refer to: the `session` cookie, and the
/// webhook's bearer token and body signature.
struct SessionCookie;

impl Modify for SessionCookie {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "session",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::new(SESSION_COOKIE))),
        );
        components.add_security_scheme(
            "webhook_token",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
        components.add_security_scheme(
            "webhook_signature",
            SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::with_description(
                "X-Omdomme-Signature",
                "sha256=<hex HMAC-SHA256 of the raw body under the source's secret>",
            ))),
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
