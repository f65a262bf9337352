//! `omdomme serve`: the web app and JSON API over the stored data.

use std::sync::Arc;

use anyhow::Context as _;
use clap::Args;
use omdomme_store::Store;
use omdomme_web::{AppState, SystemClock, WebConfig};

use crate::cli::Context;

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on [default: server.listen from the config, 127.0.0.1:8080].
    #[arg(long)]
    pub listen: Option<String>,
}

pub async fn run(context: &Context, args: ServeArgs) -> anyhow::Result<()> {
    let store = context.open_store().await?;
    let listen = args
        .listen
        .unwrap_or_else(|| context.config.server.listen.clone());
    let listener = tokio::net::TcpListener::bind(&listen)
        .await
        .with_context(|| format!("listening on {listen}"))?;
    println!("Omdømme is serving on http://{}/", listener.local_addr()?);
    serve_on(context, store, listener).await
}

pub fn web_config(context: &Context) -> WebConfig {
    let server = &context.config.server;
    WebConfig {
        session_ttl: jiff::SignedDuration::from_hours(i64::from(server.session_ttl_hours)),
        secure_cookies: server.secure_cookies,
        time_zone: server.time_zone.clone(),
    }
}

pub async fn serve_on(
    context: &Context,
    store: Arc<dyn Store>,
    listener: tokio::net::TcpListener,
) -> anyhow::Result<()> {
    let state = AppState {
        store,
        clock: Arc::new(SystemClock),
        config: web_config(context),
    };
    omdomme_web::serve(listener, state)
        .await
        .context("serving")?;
    Ok(())
}
