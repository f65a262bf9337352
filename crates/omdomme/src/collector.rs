//! Live collection: every enabled source of every workspace runs in a task of its own
//! (`omdomme_connectors::runner::run`), storing what it collects through a [`StoreSink`]:
//! enrich, then store the batch and its cursor in one transaction. A source that cannot
//! start (a bad definition, a credential that does not open) gets the reason in its health
//! and the others start anyway.
//!
//! The sources themselves live in the store; [`sync_config_sources`] writes the config
//! file's `[[workspaces.sources]]` into it at every start.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use async_trait::async_trait;
use jiff::{SignedDuration, Timestamp};
use omdomme_connectors::runner::{self, Pacing, Sink};
use omdomme_connectors::secret::SECRET_KEY_ENV;
use omdomme_connectors::{
    BuildContext, Clock, Connector, Http, RetryPolicy, SecretKey, SourceSpec, WatchQuery,
};
use omdomme_core::{Item, Query, SourceHealth, SourceKey, SourceKind, Workspace, WorkspaceId};
use omdomme_nlp::{Enricher, NlpEnricher};
use omdomme_store::{Lease, SourceDefinition, SourceOrigin, SourceRecord, Store};
use omdomme_web::Enrichers;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::config::Config;

/// How often collected items are made searchable (the index commit).
pub const FLUSH_EVERY: Duration = Duration::from_secs(5);

/// The associated data a source's credential is sealed with: `<workspace>/<kind>:<name>`,
/// so sealed bytes copied onto another source do not open.
pub fn credential_context(workspace: &WorkspaceId, source: &SourceKey) -> String {
    format!("{workspace}/{source}")
}

/// The key in [`SECRET_KEY_ENV`], if set; a set but malformed key is an error.
pub fn secret_key_from_env() -> anyhow::Result<Option<SecretKey>> {
    match std::env::var(SECRET_KEY_ENV) {
        Ok(text) => Ok(Some(SecretKey::from_base64(&text)?)),
        Err(std::env::VarError::NotPresent) => Ok(None),
        Err(std::env::VarError::NotUnicode(_)) => {
            anyhow::bail!(
                "{SECRET_KEY_ENV} is not valid text; make a key with `omdomme sources key`"
            )
        }
    }
}

/// One enricher per stored workspace (each knows its brands' watch queries).
pub async fn enrichers(store: &dyn Store) -> anyhow::Result<Enrichers> {
    let mut enrichers = Enrichers::new();
    for workspace in store.workspaces().await? {
        let enricher = NlpEnricher::new(&workspace)
            .with_context(|| format!("workspace {}: a watch query is invalid", workspace.id))?;
        enrichers.insert(workspace.id.clone(), Arc::new(enricher));
    }
    Ok(enrichers)
}

/// Writes the config file's sources into the store (origin `config`) and removes the
/// config sources no longer in the file; sources from an OPML import or the web UI are left
/// alone, unless the file now defines the same source, which then belongs to the file.
pub async fn sync_config_sources(
    store: &dyn Store,
    config: &Config,
    now: Timestamp,
) -> anyhow::Result<()> {
    let configured = config.sources();
    let mut keep = BTreeSet::new();
    for (workspace, source) in &configured {
        let definition = SourceDefinition {
            key: source.key(),
            spec: source.json.clone(),
            origin: SourceOrigin::Config,
            enabled: source.enabled,
        };
        let unchanged = store
            .source(workspace, &definition.key)
            .await?
            .is_some_and(|stored| {
                stored.spec == definition.spec
                    && stored.origin == definition.origin
                    && stored.enabled == definition.enabled
            });
        if !unchanged {
            store
                .put_source(workspace, &definition, now)
                .await
                .with_context(|| format!("saving source {} of {workspace}", definition.key))?;
        }
        keep.insert((workspace.clone(), definition.key));
    }
    for workspace in store.workspaces().await? {
        for stored in store.sources(&workspace.id).await? {
            let key = (workspace.id.clone(), stored.key.clone());
            if stored.origin == SourceOrigin::Config && !keep.contains(&key) {
                store.delete_source(&workspace.id, &stored.key).await?;
                tracing::info!(workspace = %workspace.id, source = %stored.key, "removed a source no longer in the config file");
            }
        }
    }
    Ok(())
}

/// Where a workspace's collected items go: enrichment, then the store, the batch and its
/// cursor in one transaction.
pub struct StoreSink {
    pub store: Arc<dyn Store>,
    pub workspace: WorkspaceId,
    pub enricher: Arc<dyn Enricher>,
}

#[async_trait]
impl Sink for StoreSink {
    async fn cursor(&self, source: &SourceKey) -> Result<Option<String>, String> {
        stored_cursor(self.store.as_ref(), &self.workspace, source).await
    }

    async fn store(
        &self,
        source: &SourceKey,
        mut items: Vec<Item>,
        cursor: Option<&str>,
    ) -> Result<u64, String> {
        if !items.is_empty() {
            // Enrichment is CPU work: off the async threads, like import's own thread.
            let enricher = Arc::clone(&self.enricher);
            items = tokio::task::spawn_blocking(move || {
                enricher.enrich(&mut items);
                items
            })
            .await
            .map_err(|e| format!("enrichment failed: {e}"))?;
        }
        self.store
            .put_items_at_cursor(&self.workspace, &items, source, cursor)
            .await
            .map(|report| report.new)
            .map_err(|e| e.to_string())
    }

    async fn health(&self, source: &SourceKey) -> Result<SourceHealth, String> {
        stored_health(self.store.as_ref(), &self.workspace, source).await
    }

    async fn put_health(&self, source: &SourceKey, health: &SourceHealth) -> Result<(), String> {
        store_health(self.store.as_ref(), &self.workspace, source, health).await
    }
}

// == queue (issue 8) ==
/// Where a workspace's collected items go when scaled out: published to JetStream, and the
/// cursor stored only once JetStream has every item of the batch, so a collector that dies
/// in between publishes the batch again (JetStream drops the repeats by item identity).
/// Cursors and health stay in the store, so any collector can take a source over.
pub struct QueueSink {
    pub store: Arc<dyn Store>,
    pub workspace: WorkspaceId,
    pub queue: omdomme_queue::Queue,
}

#[async_trait]
impl Sink for QueueSink {
    async fn cursor(&self, source: &SourceKey) -> Result<Option<String>, String> {
        stored_cursor(self.store.as_ref(), &self.workspace, source).await
    }

    /// Returns how many items JetStream took in (not repeats); whether they are new to the
    /// store only the worker knows.
    async fn store(
        &self,
        source: &SourceKey,
        items: Vec<Item>,
        cursor: Option<&str>,
    ) -> Result<u64, String> {
        let published = self
            .queue
            .publish(&self.workspace, &items)
            .await
            .map_err(|e| e.to_string())?;
        self.store
            .put_items_at_cursor(&self.workspace, &[], source, cursor)
            .await
            .map_err(|e| e.to_string())?;
        Ok(published.accepted)
    }

    async fn health(&self, source: &SourceKey) -> Result<SourceHealth, String> {
        stored_health(self.store.as_ref(), &self.workspace, source).await
    }

    async fn put_health(&self, source: &SourceKey, health: &SourceHealth) -> Result<(), String> {
        store_health(self.store.as_ref(), &self.workspace, source, health).await
    }
}

async fn stored_cursor(
    store: &dyn Store,
    workspace: &WorkspaceId,
    source: &SourceKey,
) -> Result<Option<String>, String> {
    store
        .source_cursor(workspace, source)
        .await
        .map_err(|e| e.to_string())
}

async fn stored_health(
    store: &dyn Store,
    workspace: &WorkspaceId,
    source: &SourceKey,
) -> Result<SourceHealth, String> {
    let record = store
        .source(workspace, source)
        .await
        .map_err(|e| e.to_string())?;
    Ok(record.map(|r| r.health).unwrap_or_default())
}

async fn store_health(
    store: &dyn Store,
    workspace: &WorkspaceId,
    source: &SourceKey,
    health: &SourceHealth,
) -> Result<(), String> {
    store
        .put_source_health(workspace, source, health)
        .await
        .map_err(|e| e.to_string())
}

/// What the collector needs besides the store.
#[derive(Clone)]
pub struct CollectOptions {
    pub clock: Clock,
    pub pacing: Pacing,
    /// One client for every source, so sources on one host share its rate-limit window.
    pub http: Http,
}

impl CollectOptions {
    /// The real clock and the connectors' default retries.
    pub fn standard() -> anyhow::Result<CollectOptions> {
        let clock: Clock = Arc::new(crate::clock::now);
        Ok(CollectOptions {
            http: Http::new(RetryPolicy::default(), Arc::clone(&clock))?,
            clock,
            pacing: Pacing::default(),
        })
    }
}

/// The running sources; [`Collector::stop`] ends them.
pub struct Collector {
    /// The sources that started, as `<workspace>/<kind>:<name>`.
    pub running: Vec<String>,
    tasks: Vec<JoinHandle<()>>,
    stop: watch::Sender<bool>,
    store: Arc<dyn Store>,
}

impl Collector {
    /// Asks every source to stop, waits up to `grace` for calls in flight, then cancels the
    /// rest. Cancelling is safe: a batch and its cursor are stored atomically or not at all.
    pub async fn stop(mut self, grace: Duration) {
        let _ = self.stop.send(true);
        let deadline = tokio::time::Instant::now() + grace;
        for mut task in std::mem::take(&mut self.tasks) {
            if tokio::time::timeout_at(deadline, &mut task).await.is_err() {
                task.abort();
            }
        }
        flush(self.store.as_ref()).await;
    }
}

impl Drop for Collector {
    /// A collector dropped without [`Collector::stop`] cancels its sources rather than
    /// leaving them running with nobody able to stop them.
    fn drop(&mut self) {
        for task in &self.tasks {
            task.abort();
        }
    }
}

/// Starts every enabled source of every workspace, and the task that makes what they
/// collect searchable every [`FLUSH_EVERY`].
pub async fn start(
    store: Arc<dyn Store>,
    enrichers: &Enrichers,
    key: Option<&SecretKey>,
    options: CollectOptions,
) -> anyhow::Result<Collector> {
    let sink_store = Arc::clone(&store);
    start_with(store, key, options, |workspace| {
        let enricher = enrichers.get(workspace)?;
        Some(Arc::new(StoreSink {
            store: Arc::clone(&sink_store),
            workspace: workspace.clone(),
            enricher: Arc::clone(enricher),
        }) as Arc<dyn Sink>)
    })
    .await
}

// == queue (issue 8) ==
/// Starts every enabled source of every workspace publishing to `queue` instead of storing
/// ([`QueueSink`]); `omdomme worker` processes enrich and store.
pub async fn start_publishing(
    store: Arc<dyn Store>,
    queue: omdomme_queue::Queue,
    key: Option<&SecretKey>,
    options: CollectOptions,
) -> anyhow::Result<Collector> {
    let sink_store = Arc::clone(&store);
    start_with(store, key, options, |workspace| {
        Some(Arc::new(QueueSink {
            store: Arc::clone(&sink_store),
            workspace: workspace.clone(),
            queue: queue.clone(),
        }) as Arc<dyn Sink>)
    })
    .await
}

/// Starts a runner for every enabled source of every workspace `sink` gives a sink for.
async fn start_with(
    store: Arc<dyn Store>,
    key: Option<&SecretKey>,
    options: CollectOptions,
    sink: impl Fn(&WorkspaceId) -> Option<Arc<dyn Sink>>,
) -> anyhow::Result<Collector> {
    let (stop, stop_rx) = watch::channel(false);
    let holder = omdomme_web::singleton::holder_name("collect");
    let mut tasks = Vec::new();
    let mut running = Vec::new();
    for workspace in store.workspaces().await? {
        let Some(sink) = sink(&workspace.id) else {
            continue;
        };
        let watch = watch_queries(&workspace);
        for record in store.sources(&workspace.id).await? {
            if !record.enabled {
                continue;
            }
            let context = credential_context(&workspace.id, &record.key);
            let connector = match build(store.as_ref(), &record, key, &watch, &options).await {
                Ok(Some(connector)) => connector,
                // Pushed to, not collected: the webhook.
                Ok(None) => continue,
                Err((kind, message)) => {
                    tracing::warn!(source = %context, "cannot start: {message}");
                    let mut health = record.health.clone();
                    health.record_failure((options.clock)(), kind, &message);
                    // Not being able to say why is no reason to stop the other sources.
                    if let Err(e) = store
                        .put_source_health(&workspace.id, &record.key, &health)
                        .await
                    {
                        tracing::warn!(source = %context, "cannot record health: {e}");
                    }
                    continue;
                }
            };
            // == leases (issue 8) ==
            let leased = LeasedSource {
                store: Arc::clone(&store),
                sink: Arc::clone(&sink),
                lease: format!("source/{context}"),
                holder: holder.clone(),
                pacing: options.pacing.clone(),
                clock: Arc::clone(&options.clock),
                lease_for: SOURCE_LEASE,
            };
            let rebuild = Rebuild {
                store: Arc::clone(&store),
                record: record.clone(),
                key: key.cloned(),
                watch: watch.clone(),
                options: options.clone(),
            };
            tasks.push(tokio::spawn(run_leased(
                leased,
                rebuild.factory(connector),
                stop_rx.clone(),
            )));
            running.push(context);
        }
    }
    tasks.push(tokio::spawn(flush_periodically(
        Arc::clone(&store),
        stop_rx,
    )));
    Ok(Collector {
        running,
        tasks,
        stop,
        store,
    })
}

// == leases (issue 8) ==

/// How long a source's lease lasts unrenewed: when a collector dies, another takes its
/// sources over within this time.
pub const SOURCE_LEASE: Duration = Duration::from_secs(60);

/// One source as a collector process runs it: polled only while this process holds the
/// source's lease, so two `omdomme collect` processes on one store never poll a source at
/// once, and either takes over the other's sources when it dies.
pub struct LeasedSource {
    pub store: Arc<dyn Store>,
    pub sink: Arc<dyn Sink>,
    /// The lease's name, `source/<workspace>/<kind>:<name>`.
    pub lease: String,
    /// This process's name for its leases.
    pub holder: String,
    pub pacing: Pacing,
    pub clock: Clock,
    /// How long the lease lasts unrenewed; renewed every third of it.
    pub lease_for: Duration,
}

/// Makes the source's connector each time this process takes the lease; `None` when the
/// source can no longer run (removed, disabled, or its definition no longer builds).
pub type ConnectorFactory = Box<
    dyn FnMut() -> std::pin::Pin<Box<dyn Future<Output = Option<Box<dyn Connector>>> + Send>>
        + Send,
>;

/// What rebuilding a stored source's connector takes.
struct Rebuild {
    store: Arc<dyn Store>,
    record: SourceRecord,
    key: Option<SecretKey>,
    watch: Vec<WatchQuery>,
    options: CollectOptions,
}

impl Rebuild {
    /// `first` the first time; later ones from the source as stored then, since another
    /// process may have changed it meanwhile.
    fn factory(self, first: Box<dyn Connector>) -> ConnectorFactory {
        let rebuild = Arc::new(self);
        let mut first = Some(first);
        Box::new(move || {
            let first = first.take();
            let rebuild = Arc::clone(&rebuild);
            Box::pin(async move {
                if first.is_some() {
                    return first;
                }
                rebuild.connector().await
            })
        })
    }

    async fn connector(&self) -> Option<Box<dyn Connector>> {
        let (workspace, source) = (&self.record.workspace, &self.record.key);
        let record = match self.store.source(workspace, source).await {
            Ok(Some(record)) if record.enabled => record,
            Ok(_) => return None,
            Err(error) => {
                tracing::warn!(%workspace, %source, %error, "cannot read the source again; leaving it");
                return None;
            }
        };
        match build(
            self.store.as_ref(),
            &record,
            self.key.as_ref(),
            &self.watch,
            &self.options,
        )
        .await
        {
            Ok(connector) => connector,
            Err((_, message)) => {
                tracing::warn!(%workspace, %source, "cannot start: {message}");
                None
            }
        }
    }
}

/// Waits `wait`; false when `stop` turned true (or its sender is gone) meanwhile.
async fn wait(wait: Duration, stop: &mut watch::Receiver<bool>) -> bool {
    tokio::select! {
        _ = tokio::time::sleep(wait) => true,
        changed = stop.changed() => changed.is_ok() && !*stop.borrow(),
    }
}

/// Takes the source's lease (waiting while another process holds it), polls the source
/// while renewing it, and stops polling when it is lost, to wait for it again; on `stop`,
/// releases it so another process takes over at once.
pub async fn run_leased(
    source: LeasedSource,
    mut connectors: ConnectorFactory,
    mut stop: watch::Receiver<bool>,
) {
    let ttl = SignedDuration::try_from(source.lease_for).unwrap_or(SignedDuration::from_mins(1));
    let every = source.lease_for / 3;
    while !*stop.borrow() {
        let taken = source
            .store
            .try_lease(&source.lease, &source.holder, ttl, (source.clock)())
            .await;
        let lease = match taken {
            Ok(Some(lease)) => lease,
            Ok(None) => {
                if !wait(every, &mut stop).await {
                    return;
                }
                continue;
            }
            Err(error) => {
                tracing::warn!(lease = %source.lease, %error, "cannot take the source's lease; trying again");
                if !wait(every, &mut stop).await {
                    return;
                }
                continue;
            }
        };
        tracing::info!(lease = %source.lease, token = lease.token, "polling the source");
        let Some(connector) = connectors().await else {
            release(&source, &lease).await;
            return;
        };
        let (lost, runner_stop) = watch::channel(false);
        let polling = runner::run(
            connector,
            Arc::clone(&source.sink),
            source.pacing.clone(),
            Arc::clone(&source.clock),
            runner_stop,
        );
        let keeping = async {
            let kept = keep(&source, lease, ttl, every, &mut stop).await;
            // The round under way ends first: its batch and cursor commit together.
            let _ = lost.send(true);
            kept
        };
        let ((), kept) = tokio::join!(polling, keeping);
        if let Some(lease) = kept {
            release(&source, &lease).await;
            return;
        }
    }
}

/// Renews `lease` every `every`: the lease to release when `stop` comes, `None` when it
/// was lost.
async fn keep(
    source: &LeasedSource,
    mut lease: Lease,
    ttl: SignedDuration,
    every: Duration,
    stop: &mut watch::Receiver<bool>,
) -> Option<Lease> {
    loop {
        if !wait(every, stop).await {
            return Some(lease);
        }
        let now = (source.clock)();
        match source.store.renew_lease(&lease, ttl, now).await {
            Ok(Some(renewed)) => lease = renewed,
            Ok(None) => {
                tracing::warn!(lease = %source.lease, "lost the source's lease; another process polls it now");
                return None;
            }
            Err(_) if now >= lease.expires_at => return None,
            Err(error) => {
                tracing::warn!(lease = %source.lease, %error, "cannot renew the source's lease; trying again");
            }
        }
    }
}

async fn release(source: &LeasedSource, lease: &Lease) {
    if let Err(error) = source.store.release_lease(lease, (source.clock)()).await {
        tracing::warn!(lease = %source.lease, %error, "cannot release the source's lease; it frees itself when it expires");
    }
}

/// The workspace's brand queries, for connectors that search.
pub fn watch_queries(workspace: &Workspace) -> Vec<WatchQuery> {
    workspace
        .brands
        .iter()
        .filter_map(|brand| {
            // The config check parsed every query already; a stored one that no longer
            // parses is left out rather than stopping collection.
            let query = Query::parse(&brand.query).ok()?;
            Some(WatchQuery {
                brand: brand.id.clone(),
                text: brand.query.clone(),
                query,
            })
        })
        .collect()
}

/// The connector of a stored source; `Ok(None)` for a webhook, which is pushed to. The
/// error is a health error's kind and message.
pub async fn build(
    store: &dyn Store,
    record: &SourceRecord,
    key: Option<&SecretKey>,
    watch: &[WatchQuery],
    options: &CollectOptions,
) -> Result<Option<Box<dyn Connector>>, (&'static str, String)> {
    let config = |message: String| ("config", message);
    if record.key.kind == SourceKind::Webhook {
        return Ok(None);
    }
    let credential = if record.has_credential {
        let key = key.ok_or_else(|| {
            config(format!(
                "a credential is stored but {SECRET_KEY_ENV} is not set: start with the key it was sealed with"
            ))
        })?;
        let sealed = store
            .source_credential(&record.workspace, &record.key)
            .await
            .map_err(|e| ("store", e.to_string()))?
            .unwrap_or_default();
        let context = credential_context(&record.workspace, &record.key);
        Some(
            key.open(&sealed, &context)
                .map_err(|e| config(e.to_string()))?,
        )
    } else {
        None
    };
    let spec: SourceSpec = serde_json::from_value(record.spec.clone()).map_err(|e| {
        config(format!(
            "the stored definition does not read ({e}); define the source again"
        ))
    })?;
    let ctx = BuildContext {
        http: options.http.clone(),
        credential,
        watch: watch.to_vec(),
    };
    let connector = spec
        .connector(&ctx)
        .map_err(|e| (e.kind.as_str(), e.message))?;
    if let Some(connector) = &connector
        && connector.source() != &record.key
    {
        return Err(config(format!(
            "the connector collects for {} instead of {}; this is a bug, please report it",
            connector.source(),
            record.key
        )));
    }
    Ok(connector)
}

/// Commits the search index every [`FLUSH_EVERY`] until `stop` (the index otherwise commits
/// only while writing, so the last batch before a quiet spell would stay unsearchable).
async fn flush_periodically(store: Arc<dyn Store>, mut stop: watch::Receiver<bool>) {
    loop {
        tokio::select! {
            _ = tokio::time::sleep(FLUSH_EVERY) => flush(store.as_ref()).await,
            // Stopping (or the collector gone): `Collector::stop` flushes last.
            _ = stop.changed() => return,
        }
    }
}

async fn flush(store: &dyn Store) {
    if let Err(e) = store.flush().await {
        tracing::warn!("cannot make collected items searchable: {e}");
    }
}
