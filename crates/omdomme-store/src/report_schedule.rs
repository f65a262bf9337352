//! The leadership report by e-mail (issue 7): per workspace how often it goes out, in which
//! language and to whom, and every sending with its outcome.
//!
//! A scheduled sending is claimed once per workspace and period
//! ([`Store::begin_report_send`](crate::Store::begin_report_send) in the transaction that
//! records it), so a restart never sends a period twice; a failed one may be claimed again
//! a few times, one that was cut off while sending (its fate unknown) never is.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::{StoreError, StoreResult, UiLanguage};

/// How often the report goes out.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Cadence {
    /// Not sent by itself; "send now" still works.
    #[default]
    Off,
    /// The week before, on Monday morning.
    Weekly,
    /// The month before, on the first.
    Monthly,
}

impl Cadence {
    pub const ALL: [Cadence; 3] = [Cadence::Off, Cadence::Weekly, Cadence::Monthly];

    pub fn as_str(self) -> &'static str {
        match self {
            Cadence::Off => "off",
            Cadence::Weekly => "weekly",
            Cadence::Monthly => "monthly",
        }
    }

    pub fn parse(word: &str) -> Option<Cadence> {
        Cadence::ALL.into_iter().find(|c| c.as_str() == word)
    }
}

/// Most listed addresses, and the longest one.
pub const MAX_REPORT_ADDRESSES: usize = 50;
pub const MAX_ADDRESS_CHARS: usize = 254;

/// A workspace's e-mailed report.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ReportSchedule {
    pub cadence: Cadence,
    pub language: UiLanguage,
    /// Send to every user with the leader role.
    pub to_leaders: bool,
    /// Further addresses, in lower case, each at most once.
    pub addresses: Vec<String>,
    pub updated_by: String,
    pub updated_at: Timestamp,
}

/// Where a sending stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SendState {
    /// Claimed and under way; if the process died, its fate is unknown and it stays so.
    Sending,
    Sent,
    Failed,
}

impl SendState {
    pub fn as_str(self) -> &'static str {
        match self {
            SendState::Sending => "sending",
            SendState::Sent => "sent",
            SendState::Failed => "failed",
        }
    }

    pub fn parse(word: &str) -> Option<SendState> {
        [SendState::Sending, SendState::Sent, SendState::Failed]
            .into_iter()
            .find(|s| s.as_str() == word)
    }
}

/// What a sending is about to do.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct NewReportSend {
    /// The period's label: `2026-W47`, `2026-11`.
    pub period: String,
    /// By the schedule (once per period) or by someone's "send now".
    pub scheduled: bool,
    pub language: UiLanguage,
    pub recipients: Vec<String>,
    /// Who asked: an e-mail, or `system` for the schedule.
    pub requested_by: String,
    pub at: Timestamp,
    /// A scheduled sending that failed may be claimed again when it failed at or before
    /// this time and has had fewer than `max_attempts` attempts.
    pub retry_failed_before: Timestamp,
    pub max_attempts: u32,
}

/// One sending of the report.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ReportSend {
    pub id: i64,
    pub period: String,
    pub scheduled: bool,
    pub language: UiLanguage,
    pub recipients: Vec<String>,
    pub requested_by: String,
    pub state: SendState,
    pub attempts: u32,
    /// Why it failed; empty otherwise.
    pub detail: String,
    pub started_at: Timestamp,
    pub finished_at: Option<Timestamp>,
}

// Rules every backend applies alike.

/// Longest failure reason kept, in characters.
const MAX_DETAIL: usize = 1_000;
const MAX_ACTOR: usize = 200;

fn invalid(message: String) -> StoreError {
    StoreError::Invalid(message)
}

/// Refuses too many, empty, overlong or repeated addresses.
pub(crate) fn check_addresses(addresses: &[String]) -> StoreResult<()> {
    if addresses.len() > MAX_REPORT_ADDRESSES {
        return Err(invalid(format!(
            "{} addresses; at most {MAX_REPORT_ADDRESSES} fit",
            addresses.len()
        )));
    }
    for (i, address) in addresses.iter().enumerate() {
        let length = address.chars().count();
        if address.trim().is_empty() || length > MAX_ADDRESS_CHARS {
            return Err(invalid(format!(
                "address {} is {length} characters long; 1 to {MAX_ADDRESS_CHARS} fit",
                i + 1
            )));
        }
        if addresses[..i].contains(address) {
            return Err(invalid(format!("{address} is listed twice")));
        }
    }
    Ok(())
}

/// Refuses a schedule [`check_addresses`] refuses or with an overlong actor.
pub(crate) fn check_schedule(schedule: &ReportSchedule) -> StoreResult<()> {
    check_addresses(&schedule.addresses)?;
    if schedule.updated_by.chars().count() > MAX_ACTOR {
        return Err(invalid(format!(
            "who changed the schedule is longer than {MAX_ACTOR} characters"
        )));
    }
    Ok(())
}

/// Whether `send` may claim again the period's scheduled sending that stands at `state`
/// after `attempts`, finished at `finished_at`: only a failure, old enough, not too often.
pub(crate) fn may_retry(
    send: &NewReportSend,
    state: SendState,
    attempts: u32,
    finished_at: Option<Timestamp>,
) -> bool {
    state == SendState::Failed
        && attempts < send.max_attempts
        && finished_at.is_some_and(|at| at <= send.retry_failed_before)
}

/// The state and detail a finished sending is stored with.
pub(crate) fn finished(outcome: Result<(), &str>) -> (SendState, String) {
    match outcome {
        Ok(()) => (SendState::Sent, String::new()),
        Err(reason) => (SendState::Failed, reason.chars().take(MAX_DETAIL).collect()),
    }
}
