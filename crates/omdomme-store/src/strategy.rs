//! The leadership group's strategy (issue 7): the business type a workspace chose, what each
//! channel is for, and the audience planner's figures. Goals are the stories' goals
//! ([`crate::Goal`]); the templates, the alignment check, the audience suggestions and the
//! maturity view are computed by the `omdomme-strategy` crate from what is stored here.

use jiff::Timestamp;
use omdomme_core::SourceKind;
use serde::{Deserialize, Serialize};

use crate::{StoreError, StoreResult};

/// The three recipes of PRODUCT.md: what kind of company the workspace is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BusinessType {
    /// Builds engagement around products.
    ConsumerGoods,
    /// Focuses on customer service and dialog.
    ServiceProvider,
    /// Engineering company: employer branding.
    Engineering,
}

impl BusinessType {
    pub const ALL: [BusinessType; 3] = [
        BusinessType::ConsumerGoods,
        BusinessType::ServiceProvider,
        BusinessType::Engineering,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            BusinessType::ConsumerGoods => "consumer_goods",
            BusinessType::ServiceProvider => "service_provider",
            BusinessType::Engineering => "engineering",
        }
    }

    pub fn parse(name: &str) -> Option<BusinessType> {
        BusinessType::ALL.into_iter().find(|b| b.as_str() == name)
    }
}

/// What one channel is for, in the team's words: "customer dialog", "press and public
/// affairs".
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChannelRole {
    pub channel: SourceKind,
    pub purpose: String,
}

/// A workspace's strategy as stored.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Strategy {
    pub business_type: Option<BusinessType>,
    /// At most one per channel, in [`SourceKind`] order.
    pub roles: Vec<ChannelRole>,
    pub updated_by: String,
    pub updated_at: Timestamp,
}

/// The audience planner's figures as stored: JSON the `omdomme-strategy` crate reads and
/// checks (the store keeps it as given).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StoredAudience {
    pub json: String,
    pub updated_by: String,
    pub updated_at: Timestamp,
}

/// How a workspace's posts went through the four-eyes workflow, counted in the store.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PostTally {
    /// Posts approved by someone who wrote none of them (approved, scheduled or published).
    pub approved: u64,
    pub published: u64,
    /// Published posts with no approval on record: the workflow forbids it, so anything but
    /// zero means data written around it.
    pub published_unapproved: u64,
}

// Rules every backend applies alike.

/// Longest channel purpose and audit actor, in characters.
const MAX_PURPOSE: usize = 300;
const MAX_ACTOR: usize = 200;
/// The audience planner's JSON is a small table; anything larger is a mistake.
const MAX_AUDIENCE_BYTES: usize = 64 * 1024;

fn invalid(message: String) -> StoreError {
    StoreError::Invalid(message)
}

/// Refuses an overlong actor and an empty, overlong or repeated channel role.
pub(crate) fn check_strategy(strategy: &Strategy) -> StoreResult<()> {
    if strategy.updated_by.chars().count() > MAX_ACTOR {
        return Err(invalid(format!(
            "who changed the strategy is longer than {MAX_ACTOR} characters"
        )));
    }
    for (i, role) in strategy.roles.iter().enumerate() {
        let length = role.purpose.chars().count();
        if role.purpose.trim().is_empty() {
            return Err(invalid(format!(
                "the role of {} is empty",
                role.channel.as_str()
            )));
        }
        if length > MAX_PURPOSE {
            return Err(invalid(format!(
                "the role of {} is {length} characters long; at most {MAX_PURPOSE} fit",
                role.channel.as_str()
            )));
        }
        if strategy.roles[..i]
            .iter()
            .any(|r| r.channel == role.channel)
        {
            return Err(invalid(format!(
                "{} has more than one role",
                role.channel.as_str()
            )));
        }
    }
    Ok(())
}

/// Refuses an audience plan that is too large or not JSON.
pub(crate) fn check_audience(audience: &StoredAudience) -> StoreResult<()> {
    if audience.json.len() > MAX_AUDIENCE_BYTES {
        return Err(invalid(format!(
            "the audience plan is {} bytes; at most {MAX_AUDIENCE_BYTES} fit",
            audience.json.len()
        )));
    }
    if let Err(e) = serde_json::from_str::<serde_json::Value>(&audience.json) {
        return Err(invalid(format!("the audience plan is not JSON: {e}")));
    }
    Ok(())
}
