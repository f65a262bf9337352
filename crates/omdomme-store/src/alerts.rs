//! Early warning as stored (issue 7): where a workspace's alerts go, the detector's
//! thresholds, the alerts raised with their evidence and each delivery's outcome, and the
//! detector's cursor in the items. The detector and the delivery live in `omdomme-alerts`;
//! the store keeps what they need to survive a restart without sending twice or missing
//! an item.

use jiff::Timestamp;
use omdomme_core::{BrandId, ItemId, Topic};
use serde::{Deserialize, Serialize};

use crate::{StoreError, StoreResult, UiLanguage};

/// How an alert channel delivers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AlertChannelKind {
    /// Any HTTP endpoint, receiving the alert as JSON.
    Webhook,
    /// A Slack or Microsoft Teams incoming webhook.
    Chat,
    /// E-mail to a list of addresses.
    Email,
}

impl AlertChannelKind {
    pub const ALL: [AlertChannelKind; 3] = [
        AlertChannelKind::Webhook,
        AlertChannelKind::Chat,
        AlertChannelKind::Email,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            AlertChannelKind::Webhook => "webhook",
            AlertChannelKind::Chat => "chat",
            AlertChannelKind::Email => "email",
        }
    }

    pub fn parse(name: &str) -> Option<AlertChannelKind> {
        AlertChannelKind::ALL
            .into_iter()
            .find(|k| k.as_str() == name)
    }
}

/// A channel as listed: everything but its sealed target.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AlertChannel {
    /// Unique in the workspace; also the context the target is sealed with.
    pub name: String,
    pub kind: AlertChannelKind,
    /// A masked tail of the target (`…/x1Yz`, `k***@example.no`), safe to show.
    pub hint: String,
    pub lang: UiLanguage,
    pub enabled: bool,
    pub updated_by: String,
    pub updated_at: Timestamp,
}

/// A channel to create or change. `sealed: None` keeps the stored target (a change of
/// name, language or on/off without typing the secret again); a new channel needs one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AlertChannelDraft {
    pub channel: AlertChannel,
    pub sealed: Option<Vec<u8>>,
}

/// The detector's thresholds as stored: JSON the `omdomme-alerts` crate reads and checks.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredThresholds {
    pub json: String,
    pub updated_by: String,
    pub updated_at: Timestamp,
}

/// An alert to store, with the channels it is to be delivered to.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct NewAlert {
    pub brand: BrandId,
    pub topic: Option<Topic>,
    /// `spike`, `influencer`, `press`, `csr_negative`.
    pub kind: String,
    /// The detector's reason as JSON.
    pub reason: serde_json::Value,
    pub at: Timestamp,
    pub hour: Timestamp,
    pub raised_at: Timestamp,
    pub evidence: Vec<ItemId>,
    /// Names of the channels it goes to; each gets a pending delivery.
    pub channels: Vec<String>,
}

/// Where a delivery stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryState {
    /// Not finished yet: sent again after a restart.
    Pending,
    Sent,
    /// Kept but not sent: the workspace is synthetic (the demo).
    Recorded,
    Failed,
}

impl DeliveryState {
    pub const ALL: [DeliveryState; 4] = [
        DeliveryState::Pending,
        DeliveryState::Sent,
        DeliveryState::Recorded,
        DeliveryState::Failed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            DeliveryState::Pending => "pending",
            DeliveryState::Sent => "sent",
            DeliveryState::Recorded => "recorded",
            DeliveryState::Failed => "failed",
        }
    }

    pub fn parse(name: &str) -> Option<DeliveryState> {
        DeliveryState::ALL.into_iter().find(|s| s.as_str() == name)
    }
}

/// One channel's delivery of one alert.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AlertDelivery {
    pub channel: String,
    pub state: DeliveryState,
    pub attempts: u32,
    /// Why it failed, in words without the channel's secret.
    pub error: Option<String>,
    /// When it finished; `None` while pending.
    pub at: Option<Timestamp>,
}

/// An alert as stored, with its deliveries.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StoredAlert {
    pub id: i64,
    pub brand: BrandId,
    pub topic: Option<Topic>,
    pub kind: String,
    pub reason: serde_json::Value,
    pub at: Timestamp,
    pub hour: Timestamp,
    pub raised_at: Timestamp,
    pub evidence: Vec<ItemId>,
    /// In channel name order.
    pub deliveries: Vec<AlertDelivery>,
}

/// A page of alerts, newest first.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AlertQuery {
    pub workspace: omdomme_core::WorkspaceId,
    /// Only alerts with a smaller id (the next page).
    pub before: Option<i64>,
    /// 1 to [`MAX_ALERTS_PAGE`].
    pub limit: usize,
}

/// Largest page of [`crate::Store::alerts`].
pub const MAX_ALERTS_PAGE: usize = 500;

/// One brand × topic hour from the rollups, for warming the detector's baseline.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BaselineHour {
    pub brand: BrandId,
    /// `None`: every topic.
    pub topic: Option<Topic>,
    pub hour: Timestamp,
    pub count: u64,
    /// Negative towards the brand.
    pub negative: u64,
}

/// What the detector starts from: the hours since `from` and the newest item they count,
/// read in one snapshot so the items after it are exactly the ones not yet counted.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AlertBaseline {
    pub hours: Vec<BaselineHour>,
    pub last_item: Option<ItemId>,
}

// Rules every backend applies alike.

/// Longest channel name and hint, in characters.
const MAX_NAME: usize = 80;
const MAX_HINT: usize = 80;
/// A sealed URL or address list; anything larger is a mistake.
const MAX_SEALED_BYTES: usize = 16 * 1024;
/// The thresholds are a handful of numbers.
const MAX_THRESHOLDS_BYTES: usize = 4 * 1024;
/// Longest delivery error kept, in characters.
const MAX_ERROR: usize = 500;
/// The rollups count hours since the epoch.
const HOUR_SECONDS: i64 = 3600;

fn invalid(message: String) -> StoreError {
    StoreError::Invalid(message)
}

/// Refuses an empty or overlong name, an overlong hint and an empty or overlarge target.
pub(crate) fn check_channel(draft: &AlertChannelDraft) -> StoreResult<()> {
    let channel = &draft.channel;
    let name_chars = channel.name.chars().count();
    if channel.name.trim().is_empty() || name_chars > MAX_NAME {
        return Err(invalid(format!(
            "an alert channel needs a name of 1 to {MAX_NAME} characters"
        )));
    }
    if channel.hint.chars().count() > MAX_HINT {
        return Err(invalid(format!(
            "the hint of an alert channel is at most {MAX_HINT} characters"
        )));
    }
    if let Some(sealed) = &draft.sealed
        && (sealed.is_empty() || sealed.len() > MAX_SEALED_BYTES)
    {
        return Err(invalid(format!(
            "the sealed target of an alert channel is 1 to {MAX_SEALED_BYTES} bytes"
        )));
    }
    Ok(())
}

/// Refuses thresholds that are too large or not JSON.
pub(crate) fn check_thresholds(thresholds: &StoredThresholds) -> StoreResult<()> {
    if thresholds.json.len() > MAX_THRESHOLDS_BYTES {
        return Err(invalid(format!(
            "the alert thresholds are {} bytes; at most {MAX_THRESHOLDS_BYTES} fit",
            thresholds.json.len()
        )));
    }
    if let Err(e) = serde_json::from_str::<serde_json::Value>(&thresholds.json) {
        return Err(invalid(format!("the alert thresholds are not JSON: {e}")));
    }
    Ok(())
}

/// Refuses a page of alerts of no or too many alerts.
pub(crate) fn check_page(query: &AlertQuery) -> StoreResult<()> {
    if query.limit == 0 || query.limit > MAX_ALERTS_PAGE {
        return Err(invalid(format!(
            "a page of alerts holds 1 to {MAX_ALERTS_PAGE}, not {}",
            query.limit
        )));
    }
    Ok(())
}

/// A delivery's error as stored: cut to [`MAX_ERROR`] characters.
pub(crate) fn stored_error(delivery: &AlertDelivery) -> Option<String> {
    delivery
        .error
        .as_ref()
        .map(|e| e.chars().take(MAX_ERROR).collect())
}

/// The rollups' hour number of the hour `at` falls in.
pub(crate) fn rollup_hour(at: Timestamp) -> i64 {
    at.as_second().div_euclid(HOUR_SECONDS)
}

/// The start of the rollups' hour number `hour`.
pub(crate) fn hour_start(hour: i64) -> Timestamp {
    Timestamp::from_second(hour.saturating_mul(HOUR_SECONDS)).unwrap_or(Timestamp::UNIX_EPOCH)
}
