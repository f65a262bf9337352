//! `omdomme serve`: the web app and JSON API over the stored data, and collection from the
//! configured sources beside it (unless `--no-collect`), published to `[queue] url` for the
//! workers when one is set, as `omdomme collect` does.

use std::sync::Arc;

use anyhow::Context as _;
use clap::Args;
use omdomme_alerts::mail::Mailer;
use omdomme_connectors::SecretKey;
use omdomme_store::Store;
use omdomme_web::{AppState, Enrichers, SystemClock, WebConfig};

use crate::cli::Context;
use crate::collector;
use crate::commands::collect::{STOP_GRACE, start_sources};

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on [default: server.listen from the config, 127.0.0.1:8080].
    #[arg(long)]
    pub listen: Option<String>,
    /// Only serve; do not collect from the configured sources (another process does).
    #[arg(long)]
    pub no_collect: bool,
}

pub async fn run(context: &Context, args: ServeArgs) -> anyhow::Result<()> {
    let store = context.open_store().await?;
    let listen = args
        .listen
        .unwrap_or_else(|| context.config.server.listen.clone());
    let listener = tokio::net::TcpListener::bind(&listen)
        .await
        .with_context(|| format!("listening on {listen}"))?;
    let key = collector::secret_key_from_env()?;
    let enrichers = Arc::new(collector::enrichers(store.as_ref()).await?);
    let running = if args.no_collect {
        None
    } else {
        let running = start_sources(
            context,
            Arc::clone(&store),
            Some(&enrichers),
            key.as_ref(),
            None,
        )
        .await?;
        if !running.running.is_empty() {
            println!(
                "Collecting from {} source(s): {}",
                running.running.len(),
                running.running.join(", ")
            );
        }
        Some(running)
    };
    println!("Omdømme is serving on http://{}/", listener.local_addr()?);
    let served = serve_with(context, store, listener, enrichers, key).await;
    if let Some(running) = running {
        running.stop(STOP_GRACE).await;
    }
    served
}

pub fn web_config(context: &Context) -> WebConfig {
    let server = &context.config.server;
    WebConfig {
        session_ttl: jiff::SignedDuration::from_hours(i64::from(server.session_ttl_hours)),
        secure_cookies: server.secure_cookies,
        time_zone: server.time_zone.clone(),
        public_url: server.public_url.clone(),
    }
}

/// The e-mail sender of `[smtp]`, or `None` when no SMTP server is configured.
fn mailer(context: &Context) -> anyhow::Result<Option<Arc<Mailer>>> {
    let settings = &context.config.smtp;
    if !settings.is_configured() {
        tracing::info!("no [smtp] server configured: alerts and reports are not e-mailed");
        return Ok(None);
    }
    let mailer = Mailer::new(settings).context("setting up e-mail from [smtp]")?;
    Ok(Some(Arc::new(mailer)))
}

/// Serves `store` without collecting (the demo).
pub async fn serve_on(
    context: &Context,
    store: Arc<dyn Store>,
    listener: tokio::net::TcpListener,
) -> anyhow::Result<()> {
    let key = collector::secret_key_from_env()?;
    let enrichers = Arc::new(collector::enrichers(store.as_ref()).await?);
    serve_with(context, store, listener, enrichers, key).await
}

async fn serve_with(
    context: &Context,
    store: Arc<dyn Store>,
    listener: tokio::net::TcpListener,
    enrichers: Arc<Enrichers>,
    secret_key: Option<SecretKey>,
) -> anyhow::Result<()> {
    let clock: Arc<dyn omdomme_web::Clock> = Arc::new(SystemClock);
    let channels = omdomme_web::pages::inbox::StoreChannels::new(
        Arc::clone(&store),
        secret_key.clone(),
        omdomme_web::connector_clock(Arc::clone(&clock)),
    )?;
    let state = AppState {
        store,
        clock,
        config: web_config(context),
        enrichers,
        secret_key,
        overview_figures: Arc::new(omdomme_web::pages::overview::figure_cache()),
        channels: Arc::new(channels),
        mailer: mailer(context)?,
    };
    omdomme_web::serve(listener, state)
        .await
        .context("serving")?;
    Ok(())
}
