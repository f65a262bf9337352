//! Early warning as stored (issue 7): where a workspace's alerts go, the detector's
//! thresholds, the alerts raised with their evidence and each delivery's outcome, and the
//! detector's cursor in the items. The detector and the delivery live in `omdomme-alerts`;
//! the store keeps what they need to survive a restart without sending twice or missing
//! an item.

use jiff::Timestamp;
use omdomme_core::{BrandId, ItemId, Topic};
use serde::{Deserialize, Serialize};

use crate::UiLanguage;

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
