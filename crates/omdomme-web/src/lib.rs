//! The HTTP side of Omdømme: the web app's pages (`pages`), the JSON API, its OpenAPI
//! document, sessions and roles.
//!
//! The binary builds an [`AppState`] (a store, a clock, a [`WebConfig`], and for the webhook
//! the workspaces' enrichers and the key that opens sources' credentials) and hands it to
//! [`serve`]; tests hand it to [`router`] and call the router directly. Everything that
//! needs the time asks the [`Clock`], so tests can expire sessions without sleeping.

pub mod api;
mod assets;
pub mod auth;
pub mod cache;
pub mod csrf;
pub mod error;
pub mod extract;
pub mod format;
pub mod i18n;
pub mod login_limit;
pub mod openapi;
pub mod pages;
// == report schedules (issue 7) ==
pub mod report_mail;
mod router;
mod security;
// == leases (issue 8) ==
pub mod singleton;

use std::collections::HashMap;
use std::sync::Arc;

use jiff::{SignedDuration, Timestamp};
use omdomme_connectors::SecretKey;
use omdomme_core::WorkspaceId;
use omdomme_nlp::Enricher;
use omdomme_store::Store;

pub use auth::{CurrentUser, hash_password};
pub use error::{AppError, WebError};
pub use router::router;

/// Where handlers read the time. Injected so tests can move time forward.
pub trait Clock: Send + Sync {
    fn now(&self) -> Timestamp;
}

/// The same clock in the shape the connectors and the outbound crate take.
pub fn connector_clock(clock: Arc<dyn Clock>) -> omdomme_connectors::Clock {
    Arc::new(move || clock.now())
}

/// The wall clock; the only place this crate reads the real time.
#[derive(Clone, Copy, Debug, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    #[allow(clippy::disallowed_methods)] // the single sanctioned clock read of the web crate
    fn now(&self) -> Timestamp {
        Timestamp::now()
    }
}

/// Settings of the web server.
#[derive(Clone, Debug)]
pub struct WebConfig {
    /// How long a login lasts; the cookie's Max-Age and the server-side expiry.
    pub session_ttl: SignedDuration,
    /// Marks the session cookie `Secure`; on whenever the server is reached over HTTPS.
    pub secure_cookies: bool,
    /// IANA time zone that dates (`from=2025-03-01`) and day/week/month buckets are cut in.
    pub time_zone: String,
    /// The address users reach the app at, for links in e-mail and alerts (which have no
    /// request to take the host from).
    pub public_url: String,
}

impl Default for WebConfig {
    fn default() -> Self {
        WebConfig {
            session_ttl: SignedDuration::from_hours(12),
            secure_cookies: false,
            time_zone: "Europe/Oslo".to_owned(),
            public_url: "http://127.0.0.1:8080".to_owned(),
        }
    }
}

/// The enricher of each workspace (each knows its workspace's brands).
pub type Enrichers = HashMap<WorkspaceId, Arc<dyn Enricher>>;

/// What every handler can reach. Cheap to clone: axum clones it per request.
#[derive(Clone)]
pub struct AppState {
    pub store: Arc<dyn Store>,
    pub clock: Arc<dyn Clock>,
    pub config: WebConfig,
    /// Enriches items pushed to `POST /api/ingest` before they are stored.
    pub enrichers: Arc<Enrichers>,
    /// Opens webhook sources' sealed credentials; `None` without `OMDOMME_SECRET_KEY`, and
    /// then the webhook refuses every request (and says why in the log).
    pub secret_key: Option<SecretKey>,
    /// The overview's figures for a few seconds (see `pages::overview::figure_cache`).
    pub overview_figures: Arc<pages::overview::FigureCache>,
    /// Which channel an inbox reply goes out through ([`pages::inbox::StoreChannels`] in
    /// the server; tests give a fake platform).
    pub channels: Arc<dyn pages::inbox::ChannelDirectory>,
    /// Sends alerts and scheduled reports by e-mail; `None` when `[smtp]` is not set up,
    /// and then e-mail deliveries fail with that reason instead of vanishing.
    pub mailer: Option<Arc<omdomme_alerts::mail::Mailer>>,
}

/// How long a stopping server waits for its background rounds to end.
const SINGLETON_GRACE: std::time::Duration = std::time::Duration::from_secs(5);

/// Serves the app on `listener` until ctrl-c (or SIGTERM on Unix), then lets requests in
/// flight finish.
pub async fn serve(listener: tokio::net::TcpListener, state: AppState) -> std::io::Result<()> {
    if let Ok(addr) = listener.local_addr() {
        tracing::info!(%addr, "serving the Omdømme API");
    }
    tokio::spawn(auth::warm_up());
    // == leases (issue 8) ==
    let (stop_singletons, singletons_stop) = tokio::sync::watch::channel(false);
    let singletons = singleton::spawn_all(&state, &singletons_stop);
    // With the peer address, so login rate limits can count per client.
    let app = router(state).into_make_service_with_connect_info::<std::net::SocketAddr>();
    let served = axum::serve(listener, app)
        .with_graceful_shutdown(shutdown_signal())
        .await;
    // Each loop finishes its round and releases its lease, so another node takes over at
    // once; one that does not finish in time keeps its lease until it expires.
    let _ = stop_singletons.send(true);
    let deadline = tokio::time::Instant::now() + SINGLETON_GRACE;
    for mut task in singletons {
        if tokio::time::timeout_at(deadline, &mut task).await.is_err() {
            task.abort();
        }
    }
    served
}

/// Resolves on Ctrl-C (or SIGTERM on Unix); `omdomme collect` stops on it too.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(error) = tokio::signal::ctrl_c().await {
            // Without the handler we cannot be asked to stop gracefully; keep serving.
            tracing::warn!(%error, "cannot listen for ctrl-c");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(error) => {
                tracing::warn!(%error, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down: finishing requests in flight");
}
