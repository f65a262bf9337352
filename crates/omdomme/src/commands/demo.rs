//! `omdomme demo`: builds the synthetic scenario into its own data folder, then serves it.
//!
//! The folder is wiped and rebuilt on every run, so it must be one the demo made (it carries
//! a marker file); any other non-empty folder is refused rather than deleted.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{Context as _, bail};
use clap::Args;
use omdomme_demo::{DEFAULT_ITEMS, DemoOptions};
use omdomme_nlp::NlpEnricher;
use omdomme_store::{Role, UiLanguage, UserRecord};
use rand::Rng;

use crate::cli::{Context, open_store_at};
use crate::commands::serve;
use crate::{pipeline, progress};

// == alerts (issue 7) ==
mod alerts;
mod stories;
// issue 7: the leadership group's strategy
mod strategy;

/// Marks a data folder as the demo's own, so rebuilding may delete it.
const MARKER: &str = ".omdomme-demo";
pub const DEMO_LOGIN: &str = "demo@omdomme.example";
const DEFAULT_FOLDER: &str = "demo-data";

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Port on 127.0.0.1 to serve on.
    #[arg(long, default_value_t = 8080)]
    pub port: u16,
    /// How many items to generate.
    #[arg(long, default_value_t = DEFAULT_ITEMS)]
    pub items: u64,
    /// Seed of the scenario; the same seed and size give the same items.
    #[arg(long, default_value_t = 2026)]
    pub seed: u64,
    /// Build the data and exit without serving.
    #[arg(long)]
    pub no_serve: bool,
}

pub async fn run(context: &Context, args: DemoArgs) -> anyhow::Result<()> {
    let dir = context
        .data_dir_flag
        .clone()
        .unwrap_or_else(|| PathBuf::from(DEFAULT_FOLDER));
    prepare_folder(&dir)?;
    let store = open_store_at(&dir)?;
    let workspace = omdomme_demo::workspace();
    store.put_workspace(&workspace).await?;
    // Before the items, so the openness counts are kept as they arrive.
    put_demo_accounts(&*store, &workspace).await?;

    let now = crate::clock::now();
    // The window ends at the start of tomorrow (UTC) so the scenario reaches today.
    let end = now
        .to_zoned_datetime(jiff::tz::TimeZone::UTC)
        .date()
        .tomorrow()
        .and_then(|d| d.to_zoned_datetime(jiff::tz::TimeZone::UTC))
        .context("computing the scenario's end")?
        .timestamp();
    let options = DemoOptions {
        seed: args.seed,
        items: args.items,
        end,
    };
    println!(
        "Building the SYNTHETIC demo scenario ({} items, seed {}) in {}",
        args.items,
        args.seed,
        dir.display()
    );
    let enricher = NlpEnricher::new(&workspace).context("the demo's watch queries")?;
    let bar = progress::bar("demo", Some(args.items));
    let items = omdomme_demo::generate(&options).map(Ok::<_, std::convert::Infallible>);
    let report = pipeline::ingest(
        store.clone(),
        &workspace.id,
        Arc::new(enricher),
        items,
        &bar,
    )
    .await?;
    bar.finish_and_clear();
    println!(
        "Synthetic demo data ready: {} items in {:.1} s ({:.0} items/s)",
        report.stored.new + report.stored.updated + report.stored.unchanged,
        report.elapsed.as_secs_f64(),
        report.items_per_second()
    );

    stories::seed(&store, &workspace.id, end)
        .await
        .context("adding the demo's stories")?;
    // issue 7: the leadership group's strategy
    strategy::seed(&store, &workspace.id, end)
        .await
        .context("adding the demo's strategy")?;

    // == alerts (issue 7) ==
    let alerts = alerts::seed(
        &store,
        &workspace,
        crate::collector::secret_key_from_env()?.as_ref(),
        now,
    )
    .await
    .context("replaying the scenario's alerts")?;
    println!("{alerts} alerts raised by the scenario (recorded, not sent: synthetic data)");

    let password = generate_password();
    store
        .put_user(&UserRecord {
            email: DEMO_LOGIN.to_owned(),
            name: "Demo Admin".to_owned(),
            role: Role::Admin,
            password_hash: omdomme_web::hash_password(&password)?,
            language: UiLanguage::Nb,
        })
        .await?;
    if args.no_serve {
        println!(
            "Login for `omdomme serve --data-dir {}`: {DEMO_LOGIN} / {password}",
            dir.display()
        );
        return Ok(());
    }
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", args.port))
        .await
        .with_context(|| {
            format!(
                "listening on 127.0.0.1:{} (choose another with --port)",
                args.port
            )
        })?;
    println!(
        "Omdømme demo (synthetic data) on http://{}/",
        listener.local_addr()?
    );
    println!("Log in as {DEMO_LOGIN} with password {password}");
    serve::serve_on(context, store, listener).await
}

/// Empties `dir` for a new build, refusing folders the demo did not make.
fn prepare_folder(dir: &Path) -> anyhow::Result<()> {
    if dir.exists() {
        let marker = dir.join(MARKER);
        let empty = std::fs::read_dir(dir)
            .with_context(|| format!("reading {}", dir.display()))?
            .next()
            .is_none();
        if !empty && !marker.exists() {
            bail!(
                "{} holds data the demo did not make; choose another folder with --data-dir",
                dir.display()
            );
        }
        std::fs::remove_dir_all(dir).with_context(|| format!("clearing {}", dir.display()))?;
    }
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    std::fs::write(
        dir.join(MARKER),
        "made by `omdomme demo`; rebuilt on every run\n",
    )
    .with_context(|| format!("marking {}", dir.display()))?;
    Ok(())
}

/// A fresh random password per demo run, so no known password ever guards a server.
fn generate_password() -> String {
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut rng = rand::rng();
    (0..16)
        .map(|_| char::from(ALPHABET[rng.random_range(0..ALPHABET.len())]))
        .collect()
}

/// Gives the demo workspace's brands their accounts (`omdomme_demo::brand_accounts`).
pub(crate) async fn put_demo_accounts(
    store: &dyn omdomme_store::Store,
    workspace: &omdomme_core::Workspace,
) -> anyhow::Result<()> {
    let all = omdomme_demo::brand_accounts();
    for brand in &workspace.brands {
        let accounts: Vec<omdomme_store::BrandAccount> = all
            .iter()
            .filter(|(b, _, _)| *b == brand.id)
            .map(|(brand, kind, handle)| omdomme_store::BrandAccount {
                brand: brand.clone(),
                kind: *kind,
                handle: handle.clone(),
            })
            .collect();
        store
            .put_brand_accounts(&workspace.id, &brand.id, &accounts)
            .await?;
    }
    Ok(())
}
