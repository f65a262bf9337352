//! The streaming loop: every few hundred milliseconds, each workspace's items stored after
//! its cursor go through its [`Detector`]; the alerts they raise are stored with the
//! cursor (one transaction) and then delivered to every enabled channel, each delivery's
//! outcome stored.
//!
//! **Start.** A workspace's detector is warmed from the hourly rollups of the baseline's
//! weeks (never from items), and takes up the alerts of the last hours
//! ([`Detector::recall`]) so an ongoing story does not alert again after a restart. The
//! rollups and the newest item id are read in one snapshot: items after the cursor up to
//! that id (stored while nothing watched) are already in the counts and are looked at
//! without being counted again ([`Detector::observe_counted`]). A workspace watched for the
//! first time starts at its newest item: history is the baseline, not news.
//!
//! **Restarts.** The cursor moves only with the alerts its items raised, so nothing is
//! skipped or raised twice; a delivery still `pending` (the process stopped while sending)
//! is sent on start. A synthetic workspace's deliveries are `recorded`, never sent, like the
//! publisher treats the demo.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use jiff::{SignedDuration, Timestamp};
use omdomme_connectors::SecretKey;
use omdomme_core::{ItemId, Workspace, WorkspaceId};
use omdomme_store::{
    AlertChannel, AlertDelivery, AlertQuery, BrandAccount, DeliveryState, NewAlert, StoreError,
    StoredAlert, UiLanguage,
};

use crate::channels;
use crate::deliver::{self, Lang, Links, Retry};
use crate::detect::{Alert, AlertKey, Detector, Reason, Thresholds};
use crate::mail::Mailer;

/// How often the store is asked for new items.
pub const POLL_INTERVAL: Duration = Duration::from_millis(200);
/// How often the workspaces, thresholds and channels are read again.
const REFRESH_INTERVAL: Duration = Duration::from_secs(5);
/// Items taken per workspace and poll; more wait for the next poll.
const ITEMS_PER_POLL: usize = 2_000;
/// Recent alerts read back on start for [`Detector::recall`].
const RECALL_ALERTS: usize = 200;

/// The wall clock as the loop sees it (the binary's clock, or a test's).
pub type Clock = omdomme_connectors::Clock;

/// What the loop needs besides the store.
#[derive(Clone)]
pub struct WatchContext {
    pub store: Arc<dyn omdomme_store::Store>,
    /// Opens the channels' sealed targets; without it every delivery fails saying so.
    pub secret_key: Option<SecretKey>,
    pub mailer: Option<Arc<Mailer>>,
    pub client: reqwest::Client,
    pub clock: Clock,
    /// The web app's address, for the links to the evidence.
    pub public_url: String,
    pub retry: Retry,
}

impl WatchContext {
    /// A context with its own HTTP client and the default retries.
    pub fn new(
        store: Arc<dyn omdomme_store::Store>,
        secret_key: Option<SecretKey>,
        mailer: Option<Arc<Mailer>>,
        clock: Clock,
        public_url: &str,
    ) -> WatchContext {
        WatchContext {
            store,
            secret_key,
            mailer,
            client: reqwest::Client::new(),
            clock,
            public_url: public_url.to_owned(),
            retry: Retry::default(),
        }
    }
}

/// Why a round did not finish; the loop logs it and tries again.
#[derive(Debug, thiserror::Error)]
pub enum WatchError {
    #[error("alerts: {0}")]
    Store(#[from] StoreError),
}

struct Watched {
    workspace: Workspace,
    detector: Detector,
    thresholds_json: Option<String>,
    /// The brands' own accounts, whose items raise no rule.
    accounts: Vec<BrandAccount>,
    cursor: Option<ItemId>,
    /// Items up to here are in the warmed counts already.
    counted_through: Option<ItemId>,
    channels: Vec<AlertChannel>,
}

/// The loop's state: one detector per workspace.
pub struct Watcher {
    context: WatchContext,
    watched: HashMap<WorkspaceId, Watched>,
    last_refresh: Option<tokio::time::Instant>,
}

impl Watcher {
    pub fn new(context: WatchContext) -> Watcher {
        Watcher {
            context,
            watched: HashMap::new(),
            last_refresh: None,
        }
    }

    /// Polls forever, every `interval`.
    pub async fn run(mut self, interval: Duration) {
        loop {
            if let Err(error) = self.round().await {
                tracing::warn!(%error, "alert round failed; trying again");
            }
            tokio::time::sleep(interval).await;
        }
    }

    /// One poll of every workspace: the number of alerts raised. Deliveries run on their
    /// own tasks, so a slow webhook holds up neither the detector nor another channel.
    pub async fn round(&mut self) -> Result<usize, WatchError> {
        let due = self
            .last_refresh
            .is_none_or(|at| at.elapsed() >= REFRESH_INTERVAL);
        if due {
            self.refresh().await?;
            self.last_refresh = Some(tokio::time::Instant::now());
        }
        let mut raised = 0;
        let ids: Vec<WorkspaceId> = self.watched.keys().cloned().collect();
        for id in ids {
            match self.poll(&id).await {
                Ok(n) => raised += n,
                Err(error) => {
                    // The detector may have counted items whose alerts were not stored:
                    // start this workspace again from the store.
                    self.watched.remove(&id);
                    tracing::warn!(workspace = %id, %error, "alerts of a workspace failed");
                }
            }
        }
        Ok(raised)
    }

    /// Reads the workspaces, their thresholds and channels; starts the new ones and
    /// restarts those whose brands or thresholds changed.
    async fn refresh(&mut self) -> Result<(), WatchError> {
        let store = Arc::clone(&self.context.store);
        let workspaces = store.workspaces().await?;
        self.watched
            .retain(|id, _| workspaces.iter().any(|w| &w.id == id));
        for workspace in workspaces {
            let thresholds = store.alert_thresholds(&workspace.id).await?.map(|t| t.json);
            let channels = store.alert_channels(&workspace.id).await?;
            let accounts = store.brand_accounts(&workspace.id).await?;
            let current = self.watched.get_mut(&workspace.id);
            match current {
                Some(watched)
                    if watched.workspace == workspace && watched.thresholds_json == thresholds =>
                {
                    watched.channels = channels;
                    if watched.accounts != accounts {
                        set_accounts(&mut watched.detector, &accounts);
                        watched.accounts = accounts;
                    }
                }
                _ => {
                    let watched = self.start(workspace, thresholds, channels).await?;
                    self.watched.insert(watched.workspace.id.clone(), watched);
                }
            }
        }
        Ok(())
    }

    async fn start(
        &self,
        workspace: Workspace,
        thresholds_json: Option<String>,
        channels: Vec<AlertChannel>,
    ) -> Result<Watched, WatchError> {
        let store = &self.context.store;
        let thresholds = thresholds_of(&workspace.id, thresholds_json.as_deref());
        let cooldown = i64::from(thresholds.cooldown_hours);
        let mut detector = Detector::new(&workspace, thresholds);
        let accounts = store.brand_accounts(&workspace.id).await?;
        set_accounts(&mut detector, &accounts);
        let now = (self.context.clock)();
        let from = now - SignedDuration::from_hours(detector.history_hours());
        let brands: Vec<_> = workspace.brands.iter().map(|b| b.id.clone()).collect();
        let baseline = store.alert_baseline(&workspace.id, &brands, from).await?;
        for hour in &baseline.hours {
            let key = AlertKey {
                brand: hour.brand.clone(),
                topic: hour.topic,
            };
            detector.warm(&key, hour.hour, hour.count, hour.negative);
        }
        let recent = store
            .alerts(&AlertQuery {
                workspace: workspace.id.clone(),
                before: None,
                limit: RECALL_ALERTS,
            })
            .await?;
        let since = now - SignedDuration::from_hours(cooldown + 3);
        for stored in recent.iter().rev().filter(|a| a.hour >= since) {
            if let Some(alert) = alert_of(stored) {
                detector.recall(&alert);
            }
        }
        let mut cursor = store.alert_cursor(&workspace.id).await?;
        if cursor.is_none()
            && let Some(last) = baseline.last_item
        {
            store.record_alerts(&workspace.id, &[], last).await?;
            cursor = Some(last);
        }
        for pending in store.pending_alert_deliveries(&workspace.id).await? {
            if let Some(alert) = alert_of(&pending) {
                for delivery in &pending.deliveries {
                    if let Some(channel) = channels.iter().find(|c| c.name == delivery.channel) {
                        self.spawn_delivery(&workspace, pending.id, &alert, channel);
                    } else {
                        finish(
                            &self.context,
                            &workspace.id,
                            pending.id,
                            &delivery.channel,
                            Err(Failure::before_sending(
                                "the channel was deleted before the alert was sent",
                            )),
                        )
                        .await;
                    }
                }
            }
        }
        tracing::info!(workspace = %workspace.id, hours = baseline.hours.len(), "alerts: watching");
        Ok(Watched {
            workspace,
            detector,
            thresholds_json,
            accounts,
            cursor,
            counted_through: baseline.last_item,
            channels,
        })
    }

    /// The items after the cursor through the detector; stores the alerts with the new
    /// cursor and starts their deliveries.
    async fn poll(&mut self, id: &WorkspaceId) -> Result<usize, WatchError> {
        let store = Arc::clone(&self.context.store);
        let Some(watched) = self.watched.get_mut(id) else {
            return Ok(0);
        };
        let batch = store
            .items_after(id, watched.cursor, ITEMS_PER_POLL)
            .await?;
        let Some(last) = batch.items.last().map(|i| i.id) else {
            return Ok(0);
        };
        let mut alerts = Vec::new();
        for item in &batch.items {
            if watched.counted_through.is_some_and(|c| item.id <= c) {
                alerts.extend(watched.detector.observe_counted(item));
            } else {
                alerts.extend(watched.detector.observe(item));
            }
        }
        let now = (self.context.clock)();
        let channels: Vec<AlertChannel> = watched
            .channels
            .iter()
            .filter(|c| c.enabled)
            .cloned()
            .collect();
        let new: Vec<NewAlert> = alerts
            .iter()
            .map(|alert| NewAlert {
                brand: alert.key.brand.clone(),
                topic: alert.key.topic,
                kind: alert.reason.kind().to_owned(),
                reason: serde_json::to_value(&alert.reason).unwrap_or_default(),
                at: alert.at,
                hour: alert.hour,
                raised_at: now,
                evidence: alert.evidence.clone(),
                channels: channels.iter().map(|c| c.name.clone()).collect(),
            })
            .collect();
        let ids = store.record_alerts(id, &new, last).await?;
        watched.cursor = Some(last);
        let workspace = watched.workspace.clone();
        for (alert_id, alert) in ids.iter().zip(&alerts) {
            tracing::info!(workspace = %id, alert = alert_id, kind = alert.reason.kind(), "alert raised");
            for channel in &channels {
                self.spawn_delivery(&workspace, *alert_id, alert, channel);
            }
        }
        Ok(alerts.len())
    }

    fn spawn_delivery(
        &self,
        workspace: &Workspace,
        alert_id: i64,
        alert: &Alert,
        channel: &AlertChannel,
    ) {
        let context = self.context.clone();
        let (workspace, alert, channel) = (workspace.clone(), alert.clone(), channel.clone());
        tokio::spawn(async move {
            let outcome = send(&context, &workspace, &alert, &channel).await;
            finish(&context, &workspace.id, alert_id, &channel.name, outcome).await;
        });
    }
}

/// Runs a workspace's stored items through a fresh detector in the order they were
/// published and stores the alerts they raise (each to be delivered to the workspace's
/// enabled channels) with the cursor at the last item: for a workspace filled in one go,
/// like the demo, whose history should show its alerts. Reads every item once and keeps
/// them without their text; the loop never does this.
pub async fn replay(
    store: &dyn omdomme_store::Store,
    workspace: &Workspace,
    raised_at: Timestamp,
) -> Result<usize, WatchError> {
    let json = store.alert_thresholds(&workspace.id).await?.map(|t| t.json);
    let mut detector = Detector::new(workspace, thresholds_of(&workspace.id, json.as_deref()));
    set_accounts(&mut detector, &store.brand_accounts(&workspace.id).await?);
    let channels: Vec<String> = store
        .alert_channels(&workspace.id)
        .await?
        .into_iter()
        .filter(|c| c.enabled)
        .map(|c| c.name)
        .collect();
    let mut items = Vec::new();
    let mut cursor = store.alert_cursor(&workspace.id).await?;
    loop {
        let batch = store
            .items_after(&workspace.id, cursor, omdomme_store::MAX_ITEMS_PAGE)
            .await?;
        let Some(last) = batch.items.last().map(|i| i.id) else {
            break;
        };
        cursor = Some(last);
        items.extend(batch.items.into_iter().map(|mut stored| {
            // The detector reads neither; a demo's worth of texts need not stay in memory.
            stored.item.text = String::new();
            stored.item.title = None;
            stored
        }));
    }
    let Some(last) = cursor else {
        return Ok(0);
    };
    // Published order, as it happened: in id order a late batch would look like backfill.
    items.sort_by_key(|stored| (stored.item.published_at, stored.id));
    let alerts: Vec<NewAlert> = items
        .iter()
        .flat_map(|item| detector.observe(item))
        .map(|alert| NewAlert {
            brand: alert.key.brand.clone(),
            topic: alert.key.topic,
            kind: alert.reason.kind().to_owned(),
            reason: serde_json::to_value(&alert.reason).unwrap_or_default(),
            at: alert.at,
            hour: alert.hour,
            raised_at,
            evidence: alert.evidence,
            channels: channels.clone(),
        })
        .collect();
    store.record_alerts(&workspace.id, &alerts, last).await?;
    Ok(alerts.len())
}

/// The thresholds stored for a workspace, or the defaults when none are (or they do not
/// read: the page checks them, so that is a bug worth a line in the log, not silence).
pub fn thresholds_of(workspace: &WorkspaceId, json: Option<&str>) -> Thresholds {
    let Some(json) = json else {
        return Thresholds::default();
    };
    match serde_json::from_str::<Thresholds>(json) {
        Ok(thresholds) if thresholds.problems().is_empty() => thresholds,
        Ok(thresholds) => {
            tracing::warn!(%workspace, problems = ?thresholds.problems(), "alert thresholds refused; using the defaults");
            Thresholds::default()
        }
        Err(error) => {
            tracing::warn!(%workspace, %error, "alert thresholds do not read; using the defaults");
            Thresholds::default()
        }
    }
}

/// The detector's alert behind a stored one; `None` if its reason no longer reads.
pub fn alert_of(stored: &StoredAlert) -> Option<Alert> {
    let reason: Reason = serde_json::from_value(stored.reason.clone()).ok()?;
    Some(Alert {
        key: AlertKey {
            brand: stored.brand.clone(),
            topic: stored.topic,
        },
        reason,
        at: stored.at,
        hour: stored.hour,
        evidence: stored.evidence.clone(),
    })
}

/// The message language of a channel.
pub fn lang_of(language: UiLanguage) -> Lang {
    match language {
        UiLanguage::Nb => Lang::Nb,
        UiLanguage::En => Lang::En,
    }
}

/// Why a delivery failed, and after how many attempts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Failure {
    pub attempts: u32,
    pub reason: String,
}

impl Failure {
    fn before_sending(reason: impl Into<String>) -> Failure {
        Failure {
            attempts: 0,
            reason: reason.into(),
        }
    }
}

/// What became of one delivery: `Ok(Some(attempts))` sent, `Ok(None)` recorded without
/// sending (a synthetic workspace).
pub type Outcome = Result<Option<u32>, Failure>;

/// Sends `alert` to `channel` (or, in a synthetic workspace, only says it would have).
pub async fn send(
    context: &WatchContext,
    workspace: &Workspace,
    alert: &Alert,
    channel: &AlertChannel,
) -> Outcome {
    let links = Links::new(&context.public_url, workspace);
    let message = deliver::message(alert, workspace, &links, lang_of(channel.lang));
    send_message(context, workspace, channel, &message).await
}

/// Sends a made-up alert marked as a test, for the setup page's button.
pub async fn send_test(
    context: &WatchContext,
    workspace: &Workspace,
    channel: &AlertChannel,
) -> Outcome {
    let alert = test_alert(workspace, (context.clock)());
    let links = Links::new(&context.public_url, workspace);
    let mut message = deliver::message(&alert, workspace, &links, lang_of(channel.lang));
    let mark = match channel.lang {
        UiLanguage::Nb => "TEST (ikke et ekte varsel)",
        UiLanguage::En => "TEST (not a real alert)",
    };
    message.subject = format!("{mark}: {}", message.subject);
    message.text = format!("{mark}\n{}", message.text);
    message.html = format!("<p><strong>{mark}</strong></p>{}", message.html);
    message.json["test"] = serde_json::Value::Bool(true);
    send_message(context, workspace, channel, &message).await
}

async fn send_message(
    context: &WatchContext,
    workspace: &Workspace,
    channel: &AlertChannel,
    message: &deliver::Message,
) -> Outcome {
    if workspace.synthetic {
        return Ok(None);
    }
    let sealed = context
        .store
        .alert_channel_target(&workspace.id, &channel.name)
        .await
        .map_err(|e| Failure::before_sending(format!("reading the channel: {e}")))?
        .ok_or_else(|| Failure::before_sending("the channel was deleted"))?;
    let key = context.secret_key.as_ref().ok_or_else(|| {
        Failure::before_sending(
            "OMDOMME_SECRET_KEY is not set, so the channel's address cannot be opened: start \
             the server with the key it was saved with",
        )
    })?;
    let target = channels::open(key, &workspace.id, &channel.name, channel.kind, &sealed)
        .map_err(|e| Failure::before_sending(e.to_string()))?;
    deliver::deliver(
        &context.client,
        context.mailer.as_deref(),
        &target,
        message,
        context.retry,
    )
    .await
    .map(Some)
    .map_err(|e| Failure {
        attempts: e.attempts(),
        reason: e.to_string(),
    })
}

async fn finish(
    context: &WatchContext,
    workspace: &WorkspaceId,
    alert_id: i64,
    channel: &str,
    outcome: Outcome,
) {
    let at = Some((context.clock)());
    let delivery = match outcome {
        Ok(Some(attempts)) => AlertDelivery {
            channel: channel.to_owned(),
            state: DeliveryState::Sent,
            attempts,
            error: None,
            at,
        },
        Ok(None) => AlertDelivery {
            channel: channel.to_owned(),
            state: DeliveryState::Recorded,
            attempts: 0,
            error: None,
            at,
        },
        Err(failure) => {
            tracing::warn!(%workspace, alert = alert_id, channel, reason = %failure.reason, "alert not delivered");
            AlertDelivery {
                channel: channel.to_owned(),
                state: DeliveryState::Failed,
                attempts: failure.attempts,
                error: Some(failure.reason),
                at,
            }
        }
    };
    if let Err(error) = context
        .store
        .finish_alert_delivery(workspace, alert_id, &delivery)
        .await
    {
        tracing::warn!(%workspace, alert = alert_id, %error, "cannot store a delivery's outcome");
    }
}

/// A made-up alert about the own brand, for the setup page's "send a test alert".
pub fn test_alert(workspace: &Workspace, now: Timestamp) -> Alert {
    let brand = workspace
        .own_brand()
        .or(workspace.brands.first())
        .map(|b| b.id.clone())
        .unwrap_or_else(|| omdomme_core::BrandId("test".to_owned()));
    Alert {
        key: AlertKey { brand, topic: None },
        reason: Reason::Spike {
            volume: Some(crate::SpikeSignal {
                observed: 42.0,
                baseline: 6.0,
                z: 9.0,
            }),
            negative_share: None,
        },
        at: now,
        hour: now,
        evidence: Vec::new(),
    }
}

fn set_accounts(detector: &mut Detector, accounts: &[BrandAccount]) {
    detector.set_brand_accounts(accounts.iter().map(|a| (a.kind, a.handle.as_str())));
}
