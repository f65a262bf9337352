//! The inbox's records: an entry per item that deserves an answer, its status, assignee,
//! notes and replies, the per-channel SLA policies, saved replies and escalations.
//!
//! An entry is created in the transaction that stores its item (so it is in the inbox the
//! moment the item is), keyed by the item: storing the item again never adds a second entry
//! nor resets the one there is.

use std::collections::HashMap;

use jiff::{SignedDuration, Timestamp};
use omdomme_core::{BrandId, BrandRole, Item, ItemId, ItemKind, Lang, SourceKind, StoredItem};
use omdomme_core::{Workspace, WorkspaceId};
use serde::{Deserialize, Serialize};

use crate::AuditEntry;

/// Whether an item belongs in the inbox: a question or complaint (`enrichment.inquiry`)
/// that names one of the workspace's own brands, or that was written on its own account
/// (a comment or reply collected from a Facebook page, which only its manager can read).
pub fn deserves_answer(item: &Item, own_brands: &[BrandId]) -> bool {
    if !item.enrichment.inquiry {
        return false;
    }
    let names_own_brand = item
        .enrichment
        .brands
        .iter()
        .any(|b| own_brands.contains(b));
    let on_own_account = item.source.kind == SourceKind::Facebook
        && matches!(item.kind, ItemKind::Comment | ItemKind::Reply);
    names_own_brand || on_own_account
}

/// The own brands of a workspace, for [`deserves_answer`].
pub fn own_brands(workspace: &Workspace) -> Vec<BrandId> {
    workspace
        .brands
        .iter()
        .filter(|b| b.role == BrandRole::Own)
        .map(|b| b.id.clone())
        .collect()
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InboxStatus {
    /// Nobody took it yet.
    New,
    /// Someone owns it.
    Assigned,
    /// Waiting for the customer or for someone inside the company.
    Waiting,
    /// Answered; closed when nothing more is needed.
    Answered,
    Closed,
}

impl InboxStatus {
    pub const ALL: [InboxStatus; 5] = [
        InboxStatus::New,
        InboxStatus::Assigned,
        InboxStatus::Waiting,
        InboxStatus::Answered,
        InboxStatus::Closed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            InboxStatus::New => "new",
            InboxStatus::Assigned => "assigned",
            InboxStatus::Waiting => "waiting",
            InboxStatus::Answered => "answered",
            InboxStatus::Closed => "closed",
        }
    }

    pub fn parse(name: &str) -> Option<InboxStatus> {
        InboxStatus::ALL.into_iter().find(|s| s.as_str() == name)
    }

    /// Everything but closed still has a clock running.
    pub fn is_open(self) -> bool {
        self != InboxStatus::Closed
    }
}

/// How fast a channel's inquiries must be answered and resolved, and who hears about it
/// when one waits too long.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SlaPolicy {
    pub channel: SourceKind,
    /// From arrival to the first reply.
    pub first_response_mins: u32,
    /// From arrival to closing.
    pub resolution_mins: u32,
    /// An entry still without a reply this long after arrival is escalated to
    /// `escalate_to`; no escalation without both.
    pub escalate_after_mins: Option<u32>,
    /// The email of the person escalations go to.
    pub escalate_to: Option<String>,
}

impl SlaPolicy {
    /// The policy of a channel nobody configured: an hour to the first answer on social
    /// platforms, a working day on press, files and webhooks; no escalation.
    pub fn default_for(channel: SourceKind) -> SlaPolicy {
        let social = matches!(
            channel,
            SourceKind::Mastodon | SourceKind::Bluesky | SourceKind::X | SourceKind::Facebook
        );
        SlaPolicy {
            channel,
            first_response_mins: if social { 60 } else { 24 * 60 },
            resolution_mins: if social { 24 * 60 } else { 3 * 24 * 60 },
            escalate_after_mins: None,
            escalate_to: None,
        }
    }

    /// Where the SLA clocks of an entry arriving at `arrived` stand.
    pub fn dues(&self, arrived: Timestamp) -> Dues {
        let after = |mins: u32| {
            arrived
                .checked_add(SignedDuration::from_mins(i64::from(mins)))
                .unwrap_or(arrived)
        };
        Dues {
            response: after(self.first_response_mins),
            resolution: after(self.resolution_mins.max(self.first_response_mins)),
            escalate: match (&self.escalate_after_mins, &self.escalate_to) {
                (Some(mins), Some(_)) => Some(after(*mins)),
                _ => None,
            },
        }
    }
}

/// Every channel's policy: the stored one where there is one, else the default.
pub fn channel_policies(
    stored: impl IntoIterator<Item = SlaPolicy>,
) -> HashMap<SourceKind, SlaPolicy> {
    let mut all: HashMap<SourceKind, SlaPolicy> = SourceKind::ALL
        .into_iter()
        .map(|k| (k, SlaPolicy::default_for(k)))
        .collect();
    for policy in stored {
        all.insert(policy.channel, policy);
    }
    all
}

/// The deadlines of one entry under a policy.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Dues {
    pub response: Timestamp,
    pub resolution: Timestamp,
    pub escalate: Option<Timestamp>,
}

/// One inquiry in the inbox.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct InboxEntry {
    pub id: i64,
    pub workspace: WorkspaceId,
    pub item: ItemId,
    /// The platform it came through: the queue it is in.
    pub channel: SourceKind,
    pub status: InboxStatus,
    /// Email of who owns it.
    pub assignee: Option<String>,
    /// When the customer wrote (the item's `published_at`): the SLA clocks start here.
    pub arrived_at: Timestamp,
    pub response_due_at: Timestamp,
    pub resolution_due_at: Timestamp,
    pub first_response_at: Option<Timestamp>,
    /// Email of who sent the first reply.
    pub first_responder: Option<String>,
    /// When it was (last) closed.
    pub resolved_at: Option<Timestamp>,
    pub escalated_at: Option<Timestamp>,
    pub escalated_to: Option<String>,
    /// Replies attempted so far; the next reply's idempotency key uses this plus one.
    pub reply_seq: u32,
}

/// Where an entry stands against its SLA at some moment.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SlaState {
    Ok,
    /// At least 75 % of the time to the current deadline is used.
    AtRisk,
    Breached,
}

impl SlaState {
    pub fn as_str(self) -> &'static str {
        match self {
            SlaState::Ok => "ok",
            SlaState::AtRisk => "at_risk",
            SlaState::Breached => "breached",
        }
    }
}

impl InboxEntry {
    /// The deadline the clock runs against now: the first response until there is one,
    /// then the resolution; none once closed.
    pub fn due_at(&self) -> Option<Timestamp> {
        if !self.status.is_open() {
            None
        } else if self.first_response_at.is_none() {
            Some(self.response_due_at)
        } else {
            Some(self.resolution_due_at)
        }
    }

    /// The SLA state at `now`; `None` when closed (no clock runs).
    pub fn sla_state(&self, now: Timestamp) -> Option<SlaState> {
        let due = self.due_at()?;
        if now >= due {
            return Some(SlaState::Breached);
        }
        let total = due.as_microsecond() - self.arrived_at.as_microsecond();
        let used = now.as_microsecond() - self.arrived_at.as_microsecond();
        // `used * 4 >= total * 3` is "75 % or more", without floating point.
        Some(if used.saturating_mul(4) >= total.saturating_mul(3) {
            SlaState::AtRisk
        } else {
            SlaState::Ok
        })
    }

    /// Whether the first response was in time: `Some(true)` met, `Some(false)` missed
    /// (late, or none and the deadline passed), `None` not decided yet.
    pub fn response_met(&self, now: Timestamp) -> Option<bool> {
        match self.first_response_at {
            Some(at) => Some(at <= self.response_due_at),
            None if now > self.response_due_at => Some(false),
            None => None,
        }
    }

    /// Who the entry counts for in the report: who answered first, else who owns it.
    pub fn responder(&self) -> Option<&str> {
        self.first_responder.as_deref().or(self.assignee.as_deref())
    }
}

/// A row of the inbox list: the entry and the item it is about.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct InboxRow {
    pub entry: InboxEntry,
    pub item: StoredItem,
}

/// Which statuses a list shows.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum StatusFilter {
    /// Everything not closed.
    #[default]
    Open,
    Only(InboxStatus),
    All,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum AssigneeFilter {
    Unassigned,
    /// An email (case-insensitive).
    Person(String),
}

/// SLA filters: the first three are about the running clock of open entries, the last two
/// about whether the first response came in time (the report's drill-down).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SlaFilter {
    Ok,
    AtRisk,
    Breached,
    Met,
    Missed,
}

impl SlaFilter {
    pub const ALL: [SlaFilter; 5] = [
        SlaFilter::Ok,
        SlaFilter::AtRisk,
        SlaFilter::Breached,
        SlaFilter::Met,
        SlaFilter::Missed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            SlaFilter::Ok => "ok",
            SlaFilter::AtRisk => "at_risk",
            SlaFilter::Breached => "breached",
            SlaFilter::Met => "met",
            SlaFilter::Missed => "missed",
        }
    }

    pub fn parse(name: &str) -> Option<SlaFilter> {
        SlaFilter::ALL.into_iter().find(|s| s.as_str() == name)
    }
}

/// Largest page of [`crate::Store::inbox`].
pub const MAX_INBOX_PAGE: usize = 200;

/// A page of the inbox, soonest deadline first; the filters combine with AND.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct InboxQuery {
    pub workspace: WorkspaceId,
    pub status: StatusFilter,
    pub channel: Option<SourceKind>,
    pub assignee: Option<AssigneeFilter>,
    /// Who answered first, else who owns it (the report's responder).
    pub responder: Option<String>,
    pub sla: Option<SlaFilter>,
    /// Arrived at or after.
    pub from: Option<Timestamp>,
    /// Arrived before.
    pub to: Option<Timestamp>,
    /// The moment SLA filters are judged at.
    pub now: Timestamp,
    /// Continue after this (due time, entry id): the last row of the previous page.
    pub after: Option<(Timestamp, i64)>,
    /// 1 to [`MAX_INBOX_PAGE`].
    pub limit: usize,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct InboxPage {
    pub rows: Vec<InboxRow>,
    /// Pass back as `after` for the next page; `None` on the last.
    pub next: Option<(Timestamp, i64)>,
}

/// Entries per queue and status, kept on write (never counted from the entries).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct InboxCounts {
    pub by_channel: Vec<(SourceKind, InboxStatus, u64)>,
    /// The newest entry's id: what "arrived since" polls from.
    pub latest_id: i64,
}

impl InboxCounts {
    /// Entries with `status` (any channel when `None`).
    pub fn count(&self, channel: Option<SourceKind>, status: Option<InboxStatus>) -> u64 {
        self.by_channel
            .iter()
            .filter(|(c, s, _)| channel.is_none_or(|x| x == *c) && status.is_none_or(|x| x == *s))
            .map(|(_, _, n)| n)
            .sum()
    }

    /// Open entries (not closed) of `channel`, or of all.
    pub fn open(&self, channel: Option<SourceKind>) -> u64 {
        self.count(channel, None) - self.count(channel, Some(InboxStatus::Closed))
    }
}

/// A change someone makes to an entry.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum InboxChange {
    /// Gives it to someone (an email) or nobody. A new entry becomes assigned; an assigned
    /// one given to nobody becomes new again.
    Assign(Option<String>),
    /// Closing stores when (`resolved_at`); reopening clears it.
    Status(InboxStatus),
}

impl InboxChange {
    /// The status an entry in `current` has after this change.
    pub fn status_after(&self, current: InboxStatus) -> InboxStatus {
        match (self, current) {
            (InboxChange::Assign(Some(_)), InboxStatus::New) => InboxStatus::Assigned,
            (InboxChange::Assign(None), InboxStatus::Assigned) => InboxStatus::New,
            (InboxChange::Assign(_), other) => other,
            (InboxChange::Status(status), _) => *status,
        }
    }
}

/// An internal note: seen by colleagues, never sent.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct InboxNote {
    pub author: String,
    pub at: Timestamp,
    pub text: String,
}

/// A reply about to be sent.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewReply {
    /// `<entry id>-<reply seq>`: the same key twice is one reply (a double click).
    pub key: String,
    pub text: String,
    pub author: String,
    pub at: Timestamp,
}

/// What became of a reply.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum ReplyOutcome {
    /// Being sent (or the server stopped while sending).
    Pending,
    /// The platform took it.
    Sent {
        external_id: String,
        url: Option<String>,
    },
    /// Kept here only: the channel cannot post.
    Recorded,
    /// The platform refused or could not be reached; the message says what to do.
    Failed { error: String },
}

impl ReplyOutcome {
    /// Sent or recorded: the customer has (or is taken to have) an answer.
    pub fn answers(&self) -> bool {
        matches!(self, ReplyOutcome::Sent { .. } | ReplyOutcome::Recorded)
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct InboxReply {
    pub key: String,
    pub text: String,
    pub author: String,
    pub at: Timestamp,
    pub outcome: ReplyOutcome,
}

/// An entry with its notes and replies, oldest first.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct InboxThread {
    pub entry: InboxEntry,
    pub notes: Vec<InboxNote>,
    pub replies: Vec<InboxReply>,
}

/// A text a workspace answers with often.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SavedReply {
    /// `None` when creating one.
    pub id: Option<i64>,
    pub title: String,
    pub text: String,
    pub language: Lang,
}

/// An entry the escalation just handed to someone.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Escalation {
    pub workspace: WorkspaceId,
    pub entry: i64,
    pub item: ItemId,
    pub to: String,
}

/// The audit entry of escalating `entry` to `to` at `now`.
pub fn escalation_audit(entry: &InboxEntry, to: &str, now: Timestamp) -> AuditEntry {
    AuditEntry {
        at: now,
        actor: "system".to_owned(),
        workspace: Some(entry.workspace.clone()),
        action: "inbox.escalate".to_owned(),
        target: entry.item.0.to_string(),
        detail: format!(
            "escalated to {to}: no answer {} minutes after it arrived",
            now.duration_since(entry.arrived_at).as_secs() / 60
        ),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn entry(arrived: &str, due: &str) -> InboxEntry {
        let arrived: Timestamp = arrived.parse().unwrap();
        let due: Timestamp = due.parse().unwrap();
        InboxEntry {
            id: 1,
            workspace: WorkspaceId("w".to_owned()),
            item: ItemId(1),
            channel: SourceKind::X,
            status: InboxStatus::New,
            assignee: None,
            arrived_at: arrived,
            response_due_at: due,
            resolution_due_at: due,
            first_response_at: None,
            first_responder: None,
            resolved_at: None,
            escalated_at: None,
            escalated_to: None,
            reply_seq: 0,
        }
    }

    #[test]
    fn sla_states_change_at_three_quarters_and_at_the_deadline() {
        let e = entry("2025-01-01T10:00:00Z", "2025-01-01T11:00:00Z");
        let at = |s: &str| s.parse::<Timestamp>().unwrap();
        assert_eq!(e.sla_state(at("2025-01-01T10:44:59Z")), Some(SlaState::Ok));
        assert_eq!(
            e.sla_state(at("2025-01-01T10:45:00Z")),
            Some(SlaState::AtRisk)
        );
        assert_eq!(
            e.sla_state(at("2025-01-01T11:00:00Z")),
            Some(SlaState::Breached)
        );
        let closed = InboxEntry {
            status: InboxStatus::Closed,
            ..e
        };
        assert_eq!(closed.sla_state(at("2025-01-02T00:00:00Z")), None);
    }

    #[test]
    fn default_policies_are_faster_on_social_platforms() {
        assert_eq!(
            SlaPolicy::default_for(SourceKind::X).first_response_mins,
            60
        );
        assert_eq!(
            SlaPolicy::default_for(SourceKind::Rss).first_response_mins,
            24 * 60
        );
        let arrived: Timestamp = "2025-01-01T10:00:00Z".parse().unwrap();
        let dues = SlaPolicy::default_for(SourceKind::X).dues(arrived);
        assert_eq!(dues.escalate, None, "no escalation without a person");
    }

    #[test]
    fn stored_policies_replace_the_defaults_of_their_channel_only() {
        let stored = SlaPolicy {
            first_response_mins: 5,
            ..SlaPolicy::default_for(SourceKind::X)
        };
        let all = channel_policies([stored.clone()]);
        assert_eq!(all.len(), SourceKind::ALL.len());
        assert_eq!(all[&SourceKind::X], stored);
        assert_eq!(
            all[&SourceKind::Rss],
            SlaPolicy::default_for(SourceKind::Rss)
        );
    }

    #[test]
    fn assigning_moves_new_and_assigned_entries_only() {
        let to = |who: Option<&str>| InboxChange::Assign(who.map(str::to_owned));
        assert_eq!(
            to(Some("a@x.no")).status_after(InboxStatus::New),
            InboxStatus::Assigned
        );
        assert_eq!(
            to(None).status_after(InboxStatus::Assigned),
            InboxStatus::New
        );
        assert_eq!(
            to(Some("a@x.no")).status_after(InboxStatus::Waiting),
            InboxStatus::Waiting
        );
        assert_eq!(
            to(None).status_after(InboxStatus::Answered),
            InboxStatus::Answered
        );
        assert_eq!(
            InboxChange::Status(InboxStatus::Closed).status_after(InboxStatus::New),
            InboxStatus::Closed
        );
    }
}
