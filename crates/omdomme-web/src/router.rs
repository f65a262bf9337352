//! Every route, its handler and the layers around them. The role each route needs is
//! checked inside its handler (`CurrentUser::require`); the table here says which:
//!
//! | route                              | who            |
//! |------------------------------------|----------------|
//! | `GET /static/{file}`               | public         |
//! | `GET /login`, `POST /login`        | public (login) |
//! | `POST /logout`                     | public (logout)|
//! | `GET /`                            | viewer (redirects to the first workspace) |
//! | `GET /account`, `POST /account/password`, `POST /account/language` | viewer |
//! | `GET /api/health`                  | public         |
//! | `GET /api/openapi.json`            | public         |
//! | `POST /api/session`                | public (login) |
//! | `DELETE /api/session`              | public (logout)|
//! | `GET /api/session`                 | viewer         |
//! | `GET /api/search`                  | viewer         |
//! | `GET /api/items/{id}`              | viewer         |
//! | `GET /api/stats/volume`            | viewer         |
//! | `GET /api/stats/share-of-voice`    | viewer         |
//! | `GET /api/sources`                 | editor         |
//! | `POST /api/ingest`                 | the source's token or signature, no session |
//! | `GET /w/{ws}/inbox`, `GET /w/{ws}/inbox/arrivals` | responder (answering is their job) |
//! | `GET /w/{ws}/inbox/{item}`, `GET /w/{ws}/inbox/{item}/reply-box` | responder |
//! | `POST /w/{ws}/inbox/{item}/assign`, `.../status`, `.../note`, `.../reply` | responder |
//! | `GET /w/{ws}/inbox/saved-replies`, `POST /w/{ws}/inbox/saved-replies`, `POST /w/{ws}/inbox/saved-replies/{id}`, `POST /w/{ws}/inbox/saved-replies/{id}/delete` | editor (the company's wording; responders insert them) |
//! | `GET /w/{ws}/inbox/settings`, `POST /w/{ws}/inbox/settings` | leader (SLA targets and escalation are the team's commitments) |
//! | `GET /w/{ws}/inbox/report`         | leader         |

use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use axum::{Router, middleware};
use tower_http::trace::TraceLayer;

use crate::api::{health, ingest, items, search, session, sources, stats};
use crate::error::AppError;
use crate::{AppState, assets, csrf, openapi, pages, security};

/// Largest request body accepted; the API's JSON bodies are a few hundred bytes.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// The whole app: the pages and the API, with security headers, CSRF checks,
/// the body limit and request tracing. The webhook sits outside the CSRF guard: it has no
/// session to forge, its callers prove themselves with the source's secret, and it takes
/// JSON lines; it reads its own body, up to `ingest::MAX_INGEST_BYTES`.
pub fn router(state: AppState) -> Router {
    let machine = Router::new().route("/ingest", post(ingest::ingest));
    let api = Router::new()
        .route("/health", get(health::health))
        .route("/openapi.json", get(openapi::openapi_json))
        .route(
            "/session",
            get(session::current)
                .post(session::login)
                .delete(session::logout),
        )
        .route("/search", get(search::search))
        .route("/items/{id}", get(items::get_item))
        .route("/stats/volume", get(stats::volume))
        .route("/stats/share-of-voice", get(stats::share_of_voice))
        .route("/sources", get(sources::list))
        .layer(middleware::from_fn(security::csrf_guard))
        .merge(machine)
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed);
    let pages = pages::routes().layer(middleware::from_fn(csrf::page_csrf_guard));
    Router::new()
        .merge(pages)
        .route("/static/{*file}", get(assets::file))
        .nest("/api", api)
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(middleware::from_fn(security::security_headers))
        // The default span records method and path only: no headers, so no cookies.
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}

async fn not_found() -> AppError {
    AppError::NotFound("no such route".to_owned())
}

async fn method_not_allowed() -> AppError {
    AppError::MethodNotAllowed("this route does not take that method".to_owned())
}
