//! Storage for Omdømme: the [`Store`] trait every backend implements, the embedded backend
//! (SQLite in WAL mode plus a tantivy full-text index in one data folder), and the
//! conformance suite every backend must pass (`conformance::run_all`, feature `testing`).
//!
//! Callers only see the trait, so a PostgreSQL backend can follow without changing them.

use async_trait::async_trait;
use jiff::{SignedDuration, Timestamp};
use omdomme_core::{
    BrandId, Engagement, Item, ItemId, Lang, Query, SentimentLabel, SourceHealth, SourceKey,
    SourceKind, StoredItem, Topic, Workspace, WorkspaceId,
};
use serde::{Deserialize, Serialize};

pub mod alerts;
#[cfg(feature = "testing")]
pub mod conformance;
pub mod inbox;
mod index;
pub mod leases;
pub mod login_failures;
pub mod openness;
#[cfg(feature = "postgres")]
mod postgres;
pub mod report_schedule;
pub(crate) mod sqlite;
pub mod stories;
pub mod strategy;

pub use alerts::{
    AlertBaseline, AlertChannel, AlertChannelDraft, AlertChannelKind, AlertDelivery, AlertQuery,
    BaselineHour, DeliveryState, MAX_ALERTS_PAGE, NewAlert, StoredAlert, StoredThresholds,
};
pub use inbox::{
    AssigneeFilter, Escalation, InboxChange, InboxCounts, InboxEntry, InboxNote, InboxPage,
    InboxQuery, InboxReply, InboxRow, InboxStatus, InboxThread, NewReply, ReplyOutcome, SavedReply,
    SlaFilter, SlaPolicy, SlaState, StatusFilter,
};
pub use index::IndexOptions;
pub use leases::Lease;
pub use login_failures::LoginFailures;
pub use openness::{
    BrandAccount, BrandIndex, BrandOpenness, InquiryFilter, InquiryListRequest, InquiryRow,
    OpennessRequest, read_index,
};
#[cfg(feature = "postgres")]
pub use postgres::import::{CopiedTable, ImportReport};
#[cfg(feature = "postgres")]
pub use postgres::{PostgresOptions, PostgresStore};
pub use report_schedule::{Cadence, NewReportSend, ReportSchedule, ReportSend, SendState};
pub use sqlite::{
    DATABASE_FILE, INDEX_DIR, MAX_ITEMS_PAGE, MAX_SEARCH_LIMIT, MAX_SEARCH_OFFSET, SqliteOptions,
    SqliteStore,
};
pub use stories::{
    Attachment, AttachmentId, CalendarEntry, CalendarQuery, DuePost, EngagementGrouping,
    EngagementRollup, Goal, GoalDraft, GoalId, NewAttachment, NewContent, NewPost, OutboxEntry,
    OutboxState, Post, PostComment, PostContent, PostId, PostStep, ProofPoint, ProofPointDraft,
    PublishOutcome, Published, StoredPolicy, Story, StoryDraft, StoryId,
};
pub use strategy::{BusinessType, ChannelRole, PostTally, StoredAudience, Strategy};

pub type StoreResult<T> = Result<T, StoreError>;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("{what} not found")]
    NotFound { what: String },
    /// The caller asked for something impossible (bad paging, unknown workspace, bad query);
    /// the message says what, in words a user can act on.
    #[error("{0}")]
    Invalid(String),
    /// The data folder is missing, unreadable, or was written by a newer version.
    #[error("data folder: {0}")]
    DataDir(String),
    #[error("database: {0}")]
    Database(String),
    #[error("search index: {0}")]
    Index(String),
    /// Someone else changed the thing since the caller read it; read it again.
    #[error("{0}")]
    Conflict(String),
}

/// What one `put_items` call did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PutReport {
    /// Items stored for the first time.
    pub new: u64,
    /// Items already stored whose engagement, text or enrichment changed.
    pub updated: u64,
    /// Items already stored exactly as given.
    pub unchanged: u64,
}

impl std::ops::AddAssign for PutReport {
    fn add_assign(&mut self, other: PutReport) {
        self.new += other.new;
        self.updated += other.updated;
        self.unchanged += other.unchanged;
    }
}

/// Filters shared by search and the statistics; every field is optional and they combine
/// with AND.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Filters {
    pub brand: Option<BrandId>,
    pub source: Option<SourceKind>,
    /// Search and volume without a brand look at the item's own sentiment; volume with a
    /// brand and share of voice at the sentiment towards the brand
    /// ([`omdomme_core::Enrichment::sentiment_towards`]).
    pub sentiment: Option<SentimentLabel>,
    pub topic: Option<Topic>,
    pub lang: Option<Lang>,
    /// Author handle, exact (without `@`).
    pub author: Option<String>,
    /// Inclusive start of `published_at`.
    pub from: Option<Timestamp>,
    /// Exclusive end of `published_at`.
    pub to: Option<Timestamp>,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SearchOrder {
    /// Best match first (newest first when the query has no words).
    #[default]
    Relevance,
    Newest,
    Oldest,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SearchRequest {
    pub workspace: WorkspaceId,
    /// Words, phrases, hashtags, mentions and field filters; `None` matches everything.
    pub query: Option<Query>,
    pub filters: Filters,
    pub order: SearchOrder,
    /// Items to skip; at most 10,000 (deep paging belongs to export).
    pub offset: usize,
    /// Items to return; 1 to 200.
    pub limit: usize,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SearchPage {
    /// How many items match in all (exact).
    pub total: u64,
    pub items: Vec<StoredItem>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Bucket {
    Hour,
    Day,
    Week,
    Month,
}

/// Volume and sentiment over time, answered from the hourly rollups, never from items.
/// Only the filters the rollups carry apply: brand, source, topic, sentiment, from, to.
/// With a brand, each item counts with the sentiment towards that brand.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct VolumeRequest {
    pub workspace: WorkspaceId,
    pub filters: Filters,
    pub bucket: Bucket,
    /// Time zone the day/week/month buckets are cut in (IANA name, `Europe/Oslo`).
    pub time_zone: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct VolumePoint {
    /// Start of the bucket.
    pub start: Timestamp,
    pub count: u64,
    pub negative: u64,
    pub neutral: u64,
    pub positive: u64,
    /// Mean sentiment score of the bucket's items, in [-1, 1]; 0 when empty.
    pub mean_score: f64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ShareOfVoiceRequest {
    pub workspace: WorkspaceId,
    /// Only `source`, `topic`, `sentiment`, `from`, `to` apply; `brand` is the dimension.
    pub filters: Filters,
}

/// One brand's mentions; the counts per label and the mean score are of the sentiment
/// towards the brand ([`omdomme_core::Enrichment::sentiment_towards`]).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BrandShare {
    pub brand: BrandId,
    pub count: u64,
    /// Fraction of all brand mentions in the period, 0 to 1.
    pub share: f64,
    pub negative: u64,
    pub neutral: u64,
    pub positive: u64,
    pub mean_score: f64,
}

/// What [`Store::breakdown`] splits volume by: one series per value of the dimension.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Dimension {
    /// One series per brand of the workspace, each counting the sentiment towards it.
    Brand,
    /// One series per topic.
    Topic,
    /// One series per source kind.
    Source,
}

/// Volume over time split by a [`Dimension`], answered from the hourly rollups like
/// [`VolumeRequest`]. A filter on the dimension itself keeps only that value's series.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BreakdownRequest {
    pub workspace: WorkspaceId,
    pub filters: Filters,
    pub by: Dimension,
    pub bucket: Bucket,
    /// Time zone the day/week/month buckets are cut in (IANA name, `Europe/Oslo`).
    pub time_zone: String,
}

/// One value's volume in a breakdown.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BreakdownSeries {
    /// The brand id, topic name or source kind name.
    pub key: String,
    /// Only buckets with items, oldest first (as [`Store::volume`]).
    pub points: Vec<VolumePoint>,
}

/// The authors who wrote most about a brand in a period, and those with the greatest
/// reach, from the daily author rollups (never from items).
///
/// The rollups count whole UTC days: `from` and `to` are rounded to the nearest UTC
/// midnight, so a period of Oslo days is counted within the hour or two between them.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TopAuthorsRequest {
    pub workspace: WorkspaceId,
    pub brand: BrandId,
    pub source: Option<SourceKind>,
    pub from: Timestamp,
    pub to: Timestamp,
    /// Authors in each list; 1 to [`MAX_TOP_AUTHORS`].
    pub limit: usize,
}

/// Largest list of [`Store::top_authors`].
pub const MAX_TOP_AUTHORS: usize = 100;

/// One author's items about a brand in a period.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AuthorStats {
    pub source: SourceKind,
    /// Handle without `@`, unique within its source kind.
    pub handle: String,
    pub items: u64,
    /// Likes, shares and replies of those items.
    pub engagement: u64,
    /// The most followers seen on any of them (0 when the platform gives none).
    pub followers: u64,
}

impl AuthorStats {
    /// How many could have seen the items: followers times items.
    pub fn reach(&self) -> u64 {
        self.followers.saturating_mul(self.items)
    }
}

/// [`Store::top_authors`]' two lists, each best first.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct TopAuthors {
    /// Most items first (ties: most engagement, then handle).
    pub by_items: Vec<AuthorStats>,
    /// Greatest [`AuthorStats::reach`] first (ties: most engagement, then handle).
    pub by_reach: Vec<AuthorStats>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct StoreStats {
    pub workspaces: u64,
    pub items: u64,
    pub items_by_source: Vec<(SourceKind, u64)>,
    pub items_by_lang: Vec<(Lang, u64)>,
    /// Items the full-text index holds; equals `items` once the index caught up.
    pub indexed: u64,
    pub rollup_rows: u64,
    pub oldest: Option<Timestamp>,
    pub newest: Option<Timestamp>,
}

/// A page of stored items in id order, for re-enrichment and re-indexing.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ItemBatch {
    pub items: Vec<StoredItem>,
    /// Pass back as `after` for the next page; `None` when this was the last.
    pub next: Option<ItemId>,
}

/// A login for the web app and API. The store keeps only the argon2 hash.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct UserRecord {
    pub email: String,
    pub name: String,
    pub role: Role,
    /// PHC string of the argon2 hash.
    pub password_hash: String,
    /// The language the web app speaks to this user.
    pub language: UiLanguage,
}

/// The languages of the web app's interface.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UiLanguage {
    /// Norwegian bokmål, the default.
    #[default]
    Nb,
    En,
}

impl UiLanguage {
    pub const ALL: [UiLanguage; 2] = [UiLanguage::Nb, UiLanguage::En];

    pub fn as_str(self) -> &'static str {
        match self {
            UiLanguage::Nb => "nb",
            UiLanguage::En => "en",
        }
    }

    pub fn parse(code: &str) -> Option<UiLanguage> {
        UiLanguage::ALL.into_iter().find(|l| l.as_str() == code)
    }
}

/// One change someone made, for the audit log. Never holds a secret or a password.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AuditEntry {
    pub at: Timestamp,
    /// The email of who did it, or `system` for the scheduler and escalations.
    pub actor: String,
    /// `None` for changes outside any workspace (users, logins).
    pub workspace: Option<WorkspaceId>,
    /// Dotted name of what was done: `user.add`, `inbox.assign`, `brand.update`, ...
    pub action: String,
    /// What it was done to: an email, an item id, a brand id, ...
    pub target: String,
    /// Free text for people: the old and new value, the reason.
    pub detail: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AuditRecord {
    pub id: i64,
    pub entry: AuditEntry,
}

/// Which audit entries to read, newest first; filters combine with AND.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct AuditQuery {
    pub workspace: Option<WorkspaceId>,
    /// Exact email (case-insensitive).
    pub actor: Option<String>,
    /// An action or the start of one: `inbox.` matches every inbox action.
    pub action_prefix: Option<String>,
    /// Exact target: `post:17`, an email, an item id.
    pub target: Option<String>,
    /// Only entries older than this id (the last id of the previous page).
    pub before: Option<i64>,
    /// 1 to [`MAX_AUDIT_PAGE`].
    pub limit: usize,
}

/// Largest page of [`Store::audit_log`].
pub const MAX_AUDIT_PAGE: usize = 500;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Viewer,
    Responder,
    Editor,
    Leader,
    Admin,
}

impl Role {
    pub const ALL: [Role; 5] = [
        Role::Viewer,
        Role::Responder,
        Role::Editor,
        Role::Leader,
        Role::Admin,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Viewer => "viewer",
            Role::Responder => "responder",
            Role::Editor => "editor",
            Role::Leader => "leader",
            Role::Admin => "admin",
        }
    }

    pub fn parse(name: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == name)
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SessionRecord {
    /// Hash of the random token the client holds; the token itself is never stored.
    pub token_hash: String,
    pub email: String,
    pub expires_at: Timestamp,
}

/// Who owns a source's definition. Syncing the config file adds, changes and removes only
/// `Config` sources, so sources added by an OPML import or in the web UI survive a restart.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SourceOrigin {
    Config,
    Opml,
    Ui,
}

impl SourceOrigin {
    pub const ALL: [SourceOrigin; 3] = [SourceOrigin::Config, SourceOrigin::Opml, SourceOrigin::Ui];

    pub fn as_str(self) -> &'static str {
        match self {
            SourceOrigin::Config => "config",
            SourceOrigin::Opml => "opml",
            SourceOrigin::Ui => "ui",
        }
    }

    pub fn parse(name: &str) -> Option<SourceOrigin> {
        SourceOrigin::ALL.into_iter().find(|o| o.as_str() == name)
    }
}

/// A live source as someone defined it: what [`Store::put_source`] writes.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SourceDefinition {
    pub key: SourceKey,
    /// The connector's configuration (`omdomme_connectors::SourceSpec` as JSON). The store
    /// keeps it as given and never interprets it.
    pub spec: serde_json::Value,
    pub origin: SourceOrigin,
    pub enabled: bool,
}

/// A defined source with its state. Never carries the credential, only whether one is set:
/// listing sources cannot leak a secret.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SourceRecord {
    pub workspace: WorkspaceId,
    pub key: SourceKey,
    pub spec: serde_json::Value,
    pub origin: SourceOrigin,
    pub enabled: bool,
    /// Where the connector resumes; committed together with the items before it.
    pub cursor: Option<String>,
    pub health: SourceHealth,
    pub has_credential: bool,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

// == Explorer: the conversation around an item, and export ==

/// Most items [`Store::thread`] returns of each kind of relative.
pub const MAX_THREAD: usize = 500;

/// An item with the conversation around it, for the item page.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Thread {
    /// The item asked for.
    pub item: StoredItem,
    /// Oldest first, `item` included: the items sharing its thread (the same `thread_id`,
    /// or the root whose external id that is), its parent chain and its replies.
    pub items: Vec<StoredItem>,
    /// The conversation holds more than the limit let through.
    pub truncated: bool,
}

/// Every item a search matches, a page at a time, for export. Unlike [`SearchRequest`] it
/// reaches any depth: it pages by id (keyset), so each page costs the same however deep.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ExportRequest {
    pub workspace: WorkspaceId,
    pub query: Option<Query>,
    pub filters: Filters,
    /// Most recently stored first (descending ids); oldest stored first when false.
    pub newest_first: bool,
    /// Only items after this one in that order: the `next` of the previous page.
    pub after: Option<ItemId>,
    /// Items to return; 1 to [`MAX_ITEMS_PAGE`].
    pub limit: usize,
}

/// Everything Omdømme keeps. Implementations are cheap to clone and safe to share between
/// tasks; every method is atomic: on error nothing it was asked to write is half-written.
#[async_trait]
pub trait Store: Send + Sync + 'static {
    /// Creates or replaces a workspace and its brands.
    async fn put_workspace(&self, workspace: &Workspace) -> StoreResult<()>;
    async fn workspace(&self, id: &WorkspaceId) -> StoreResult<Option<Workspace>>;
    async fn workspaces(&self) -> StoreResult<Vec<Workspace>>;

    /// Stores items idempotently, keyed by (source, external id): a known item gets its
    /// engagement, text and enrichment updated, never a second row. Rollups follow in the
    /// same transaction; the full-text index follows after the store committed (never ahead).
    async fn put_items(&self, workspace: &WorkspaceId, items: &[Item]) -> StoreResult<PutReport>;
    async fn item(&self, id: ItemId) -> StoreResult<Option<StoredItem>>;
    /// Items of a workspace in id order, starting after `after`.
    async fn items_after(
        &self,
        workspace: &WorkspaceId,
        after: Option<ItemId>,
        limit: usize,
    ) -> StoreResult<ItemBatch>;

    async fn search(&self, request: &SearchRequest) -> StoreResult<SearchPage>;
    async fn volume(&self, request: &VolumeRequest) -> StoreResult<Vec<VolumePoint>>;
    async fn share_of_voice(&self, request: &ShareOfVoiceRequest) -> StoreResult<Vec<BrandShare>>;
    async fn stats(&self) -> StoreResult<StoreStats>;

    /// Makes everything written so far visible to search (commits the index).
    async fn flush(&self) -> StoreResult<()>;
    /// Drops the full-text index and builds it again from the store; `progress` is called
    /// with (done, total) now and then.
    async fn reindex(&self, progress: &(dyn Fn(u64, u64) + Send + Sync)) -> StoreResult<u64>;
    /// Recomputes every rollup from the stored items (after re-enrichment).
    async fn rebuild_rollups(&self) -> StoreResult<()>;

    /// Defines a source, or changes its definition (spec, origin, enabled) keeping its
    /// cursor, health and credential. `at` becomes its `updated_at` (and `created_at` when
    /// new).
    async fn put_source(
        &self,
        workspace: &WorkspaceId,
        source: &SourceDefinition,
        at: Timestamp,
    ) -> StoreResult<()>;
    /// The defined sources of a workspace, ordered by kind and name.
    async fn sources(&self, workspace: &WorkspaceId) -> StoreResult<Vec<SourceRecord>>;
    async fn source(
        &self,
        workspace: &WorkspaceId,
        source: &SourceKey,
    ) -> StoreResult<Option<SourceRecord>>;
    /// Removes a source's definition with its cursor, health and credential; its items
    /// stay. Returns whether it was defined.
    async fn delete_source(&self, workspace: &WorkspaceId, source: &SourceKey)
    -> StoreResult<bool>;

    /// Stores a batch collected from `source` like [`Store::put_items`] and, in the same
    /// transaction, moves the source's cursor to `cursor` (when `Some`): either both are
    /// committed or neither, so a crash between them cannot lose or repeat a batch. Every
    /// item must come from `source`, which must be defined.
    async fn put_items_at_cursor(
        &self,
        workspace: &WorkspaceId,
        items: &[Item],
        source: &SourceKey,
        cursor: Option<&str>,
    ) -> StoreResult<PutReport>;
    /// The last committed cursor of a defined source.
    async fn source_cursor(
        &self,
        workspace: &WorkspaceId,
        source: &SourceKey,
    ) -> StoreResult<Option<String>>;
    async fn put_source_health(
        &self,
        workspace: &WorkspaceId,
        source: &SourceKey,
        health: &SourceHealth,
    ) -> StoreResult<()>;
    /// Keeps a credential sealed by the caller; the store only ever sees these bytes.
    async fn put_source_credential(
        &self,
        workspace: &WorkspaceId,
        source: &SourceKey,
        sealed: &[u8],
    ) -> StoreResult<()>;
    async fn source_credential(
        &self,
        workspace: &WorkspaceId,
        source: &SourceKey,
    ) -> StoreResult<Option<Vec<u8>>>;

    /// Creates a user or replaces one with the same email (case-insensitive).
    async fn put_user(&self, user: &UserRecord) -> StoreResult<()>;
    async fn user(&self, email: &str) -> StoreResult<Option<UserRecord>>;
    /// Every user, ordered by email.
    async fn users(&self) -> StoreResult<Vec<UserRecord>>;
    /// Removes a user and all their sessions; returns whether the user existed.
    async fn delete_user(&self, email: &str) -> StoreResult<bool>;
    async fn put_session(&self, session: &SessionRecord) -> StoreResult<()>;
    async fn session(&self, token_hash: &str) -> StoreResult<Option<SessionRecord>>;
    async fn delete_session(&self, token_hash: &str) -> StoreResult<()>;
    /// Ends every session of a user but `keep` (the one changing the password); returns how
    /// many ended.
    async fn delete_sessions_of(&self, email: &str, keep: Option<&str>) -> StoreResult<u64>;

    async fn append_audit(&self, entry: &AuditEntry) -> StoreResult<()>;
    /// Audit entries newest first.
    async fn audit_log(&self, query: &AuditQuery) -> StoreResult<Vec<AuditRecord>>;

    // -- The inbox (issue 5). Entries are made by `put_items` / `put_items_at_cursor`
    // themselves, in the items' transaction ([`inbox::deserves_answer`] decides which).

    /// A page of inbox rows, soonest deadline first.
    async fn inbox(&self, query: &InboxQuery) -> StoreResult<InboxPage>;
    /// Entries per queue (channel) and status, from counters kept on write.
    async fn inbox_counts(&self, workspace: &WorkspaceId) -> StoreResult<InboxCounts>;
    /// Entries made after entry `after` (how many, and the newest `limit`): what the open
    /// inbox polls for.
    async fn inbox_arrivals(
        &self,
        workspace: &WorkspaceId,
        after: i64,
        limit: usize,
    ) -> StoreResult<(u64, Vec<InboxRow>)>;
    /// The entry of an item with its notes and replies; `None` if the item has none.
    async fn inbox_thread(
        &self,
        workspace: &WorkspaceId,
        item: ItemId,
    ) -> StoreResult<Option<InboxThread>>;
    /// Assigns an entry or changes its status; returns it as it is now.
    async fn update_inbox_entry(
        &self,
        workspace: &WorkspaceId,
        item: ItemId,
        change: &InboxChange,
        at: Timestamp,
    ) -> StoreResult<InboxEntry>;
    async fn add_inbox_note(
        &self,
        workspace: &WorkspaceId,
        item: ItemId,
        note: &InboxNote,
    ) -> StoreResult<()>;
    /// Records a reply as pending before it is sent. Returns the earlier reply when its
    /// key was used already: then it must not be sent again.
    async fn begin_inbox_reply(
        &self,
        workspace: &WorkspaceId,
        item: ItemId,
        reply: &NewReply,
    ) -> StoreResult<Option<InboxReply>>;
    /// Stores what became of the reply `key`. One that answers (sent or recorded) makes
    /// the entry answered and, the first time, sets `first_response_at`.
    async fn finish_inbox_reply(
        &self,
        workspace: &WorkspaceId,
        item: ItemId,
        key: &str,
        outcome: &ReplyOutcome,
        at: Timestamp,
    ) -> StoreResult<InboxEntry>;
    /// Every channel's SLA policy: the stored one or [`SlaPolicy::default_for`].
    async fn sla_policies(&self, workspace: &WorkspaceId) -> StoreResult<Vec<SlaPolicy>>;
    /// Stores a channel's policy; its open entries' deadlines follow.
    async fn put_sla_policy(&self, workspace: &WorkspaceId, policy: &SlaPolicy) -> StoreResult<()>;
    async fn saved_replies(&self, workspace: &WorkspaceId) -> StoreResult<Vec<SavedReply>>;
    /// Creates (without id) or changes a saved reply; returns its id.
    async fn put_saved_reply(
        &self,
        workspace: &WorkspaceId,
        reply: &SavedReply,
    ) -> StoreResult<i64>;
    async fn delete_saved_reply(&self, workspace: &WorkspaceId, id: i64) -> StoreResult<bool>;
    /// Escalates every entry unanswered past its policy's escalate-after time, once each:
    /// assigns it to the policy's person, flags it and writes an `inbox.escalate` audit
    /// entry by `system`.
    async fn escalate_inbox(&self, now: Timestamp) -> StoreResult<Vec<Escalation>>;
    /// Every entry that arrived in [from, to), for the SLA report.
    async fn inbox_arrived_between(
        &self,
        workspace: &WorkspaceId,
        from: Timestamp,
        to: Timestamp,
    ) -> StoreResult<Vec<InboxEntry>>;
    // The overview (issue 5).
    /// Volume over time split by brand, topic or source kind, from the rollups.
    async fn breakdown(&self, request: &BreakdownRequest) -> StoreResult<Vec<BreakdownSeries>>;
    /// The authors with most items about a brand and those with the greatest reach.
    async fn top_authors(&self, request: &TopAuthorsRequest) -> StoreResult<TopAuthors>;
    // == Explorer: the conversation around an item, and export ==
    /// An item of `workspace` with the conversation around it, at most `limit` (1 to
    /// [`MAX_THREAD`]) of each kind of relative; `None` when the workspace holds no item
    /// `id` (an item of another workspace included).
    async fn thread(
        &self,
        workspace: &WorkspaceId,
        id: ItemId,
        limit: usize,
    ) -> StoreResult<Option<Thread>>;
    /// A page of the items a search matches, in id order (see [`ExportRequest`]); `next` is
    /// `None` after the last page.
    async fn export_items(&self, request: &ExportRequest) -> StoreResult<ItemBatch>;

    // == Stories (issue 6): see the `stories` module ==
    /// Creates (`id` None) or changes a goal; returns its id.
    async fn put_goal(
        &self,
        workspace: &WorkspaceId,
        id: Option<GoalId>,
        goal: &GoalDraft,
        at: Timestamp,
    ) -> StoreResult<GoalId>;
    /// Goals by deadline (none last), then name.
    async fn goals(&self, workspace: &WorkspaceId) -> StoreResult<Vec<Goal>>;
    /// Deletes a goal; its stories keep going without one. False when there was none.
    async fn delete_goal(&self, workspace: &WorkspaceId, id: GoalId) -> StoreResult<bool>;
    async fn create_story(
        &self,
        workspace: &WorkspaceId,
        story: &StoryDraft,
        by: &str,
        at: Timestamp,
    ) -> StoreResult<Story>;
    async fn update_story(
        &self,
        workspace: &WorkspaceId,
        id: StoryId,
        story: &StoryDraft,
        at: Timestamp,
    ) -> StoreResult<Story>;
    /// A story of `workspace` with its proof points; `None` for another workspace's id.
    async fn story(&self, workspace: &WorkspaceId, id: StoryId) -> StoreResult<Option<Story>>;
    /// Every story of the workspace, newest first, with its proof points.
    async fn stories(&self, workspace: &WorkspaceId) -> StoreResult<Vec<Story>>;
    async fn add_proof_point(
        &self,
        workspace: &WorkspaceId,
        story: StoryId,
        proof: &ProofPointDraft,
        by: &str,
        at: Timestamp,
    ) -> StoreResult<ProofPoint>;
    async fn delete_proof_point(&self, workspace: &WorkspaceId, id: i64) -> StoreResult<bool>;
    /// Stores an image or document of at most [`stories::MAX_ATTACHMENT_BYTES`].
    async fn put_attachment(
        &self,
        workspace: &WorkspaceId,
        attachment: &NewAttachment,
        by: &str,
        at: Timestamp,
    ) -> StoreResult<Attachment>;
    /// An attachment of `workspace` with its bytes.
    async fn attachment(
        &self,
        workspace: &WorkspaceId,
        id: AttachmentId,
    ) -> StoreResult<Option<(Attachment, Vec<u8>)>>;
    /// A new draft by `by` (one of its authors); audited as `post.create`.
    async fn create_post(
        &self,
        workspace: &WorkspaceId,
        post: &NewPost,
        by: &str,
        at: Timestamp,
    ) -> StoreResult<Post>;
    async fn post(&self, workspace: &WorkspaceId, id: PostId) -> StoreResult<Option<Post>>;
    /// The story's posts by channel kind, then id.
    async fn story_posts(&self, workspace: &WorkspaceId, story: StoryId) -> StoreResult<Vec<Post>>;
    /// Applies one workflow step in one transaction: the state machine
    /// ([`omdomme_core::Workflow::apply`]; its refusal is `Invalid` with its words), the
    /// content with an edit, the comment, and the audit entry (`post.submit`, ... with the
    /// actor, target `post:<id>`). `Conflict` when the revision moved on.
    async fn step_post(
        &self,
        workspace: &WorkspaceId,
        id: PostId,
        step: &PostStep,
    ) -> StoreResult<Post>;
    /// The post's review comments and step notes, oldest first.
    async fn post_comments(
        &self,
        workspace: &WorkspaceId,
        post: PostId,
    ) -> StoreResult<Vec<PostComment>>;
    async fn add_post_comment(
        &self,
        workspace: &WorkspaceId,
        post: PostId,
        by: &str,
        body: &str,
        at: Timestamp,
    ) -> StoreResult<PostComment>;
    /// Posts whose calendar time falls in the window, in time order.
    async fn calendar(&self, query: &CalendarQuery) -> StoreResult<Vec<CalendarEntry>>;
    async fn policy(&self, workspace: &WorkspaceId) -> StoreResult<Option<StoredPolicy>>;
    /// Stores the workspace's policy (JSON checked by the caller) and audits `policy.update`.
    async fn put_policy(&self, workspace: &WorkspaceId, policy: &StoredPolicy) -> StoreResult<()>;
    /// Scheduled posts of every workspace whose time has come and that are not waiting
    /// for a retry: no outbox entry yet, `Pending` with `next_attempt_at <= now`, or
    /// `Sending` since before `stale_before` (the process that sent it died), or `Failed`
    /// (it failed, or was edited or unscheduled before a retry, and was scheduled again).
    /// Soonest first, at most `limit` (1 to 1,000).
    async fn due_posts(
        &self,
        now: Timestamp,
        stale_before: Timestamp,
        limit: usize,
    ) -> StoreResult<Vec<DuePost>>;
    /// Marks the attempt begun: the entry of `key` (made if new) becomes `Sending` with one
    /// more attempt (the first again after `Failed`: a new round), and `post.send` is
    /// audited. Returns the entry as it was before, `None` if new: a `Sending` one means an
    /// earlier attempt's fate is unknown. Refused unless the post is scheduled; while an
    /// entry is `Sending`, `step_post` refuses to edit or unschedule the post.
    async fn begin_publish(
        &self,
        workspace: &WorkspaceId,
        post: PostId,
        key: &str,
        at: Timestamp,
    ) -> StoreResult<Option<OutboxEntry>>;
    /// Records the attempt's outcome on the entry and the post in one transaction: `Sent`
    /// publishes the post (workflow step `Published`), `Failed` fails it, `Retry` keeps it
    /// scheduled with the error; each audited (`post.publish`, `post.fail`, `post.retry`).
    async fn finish_publish(
        &self,
        workspace: &WorkspaceId,
        post: PostId,
        key: &str,
        outcome: &PublishOutcome,
        at: Timestamp,
    ) -> StoreResult<Post>;
    /// Published posts of every workspace, published after `published_after`, whose
    /// engagement was never read or last read before `read_before`; never read first, then
    /// oldest read; at most `limit` (1 to 1,000).
    async fn posts_for_engagement(
        &self,
        published_after: Timestamp,
        read_before: Timestamp,
        limit: usize,
    ) -> StoreResult<Vec<Post>>;
    async fn put_post_engagement(
        &self,
        workspace: &WorkspaceId,
        post: PostId,
        engagement: &Engagement,
        at: Timestamp,
    ) -> StoreResult<()>;
    /// Latest engagement of the published posts summed per story, topic or goal; most
    /// engagement first.
    async fn engagement_rollup(
        &self,
        workspace: &WorkspaceId,
        grouping: EngagementGrouping,
    ) -> StoreResult<Vec<EngagementRollup>>;

    // == strategy (issue 7) ==
    /// The workspace's business type and channel roles; `None` until someone set them.
    async fn strategy(&self, workspace: &WorkspaceId) -> StoreResult<Option<Strategy>>;
    /// Replaces the business type and every channel role, and audits `strategy.update` by
    /// `strategy.updated_by` with `detail` in the same transaction.
    async fn put_strategy(
        &self,
        workspace: &WorkspaceId,
        strategy: &Strategy,
        detail: &str,
    ) -> StoreResult<()>;
    /// The audience planner's figures; `None` while the defaults apply.
    async fn audience(&self, workspace: &WorkspaceId) -> StoreResult<Option<StoredAudience>>;
    /// Stores the audience planner's figures (JSON checked by the caller) and audits
    /// `audience.update` with `detail` in the same transaction.
    async fn put_audience(
        &self,
        workspace: &WorkspaceId,
        audience: &StoredAudience,
        detail: &str,
    ) -> StoreResult<()>;
    /// How the workspace's posts went through the four-eyes workflow.
    async fn post_tally(&self, workspace: &WorkspaceId) -> StoreResult<PostTally>;

    // == openness (issue 7) ==
    /// Every brand's accounts in the workspace, by brand, platform and handle.
    async fn brand_accounts(&self, workspace: &WorkspaceId) -> StoreResult<Vec<BrandAccount>>;
    /// Replaces `brand`'s accounts with `accounts` (each of that brand; handles kept in
    /// lower case) and recounts that brand's openness rows in the same transaction: which
    /// items are the brand's own changes with them. Reads the workspace's items once.
    async fn put_brand_accounts(
        &self,
        workspace: &WorkspaceId,
        brand: &BrandId,
        accounts: &[BrandAccount],
    ) -> StoreResult<()>;
    /// Each brand's openness counts over the period and per week, from the daily rows kept
    /// on write (a year reads about 365 rows and a few thousand histogram rows per brand).
    async fn openness(
        &self,
        request: &openness::OpennessRequest,
    ) -> StoreResult<Vec<BrandOpenness>>;
    /// The inquiries behind a component, newest first.
    async fn inquiries(&self, request: &InquiryListRequest) -> StoreResult<Vec<InquiryRow>>;

    // == report schedules (issue 7) ==
    /// How the workspace's report goes out by e-mail; `None` until someone set it.
    async fn report_schedule(&self, workspace: &WorkspaceId)
    -> StoreResult<Option<ReportSchedule>>;
    /// Every workspace whose report goes out by itself (cadence not off).
    async fn report_schedules(&self) -> StoreResult<Vec<(WorkspaceId, ReportSchedule)>>;
    /// Replaces the schedule and audits `report_schedule.update` by `schedule.updated_by`
    /// with `detail` in the same transaction.
    async fn put_report_schedule(
        &self,
        workspace: &WorkspaceId,
        schedule: &ReportSchedule,
        detail: &str,
    ) -> StoreResult<()>;
    /// Records a sending as under way and returns its id; `None` when `send` is scheduled
    /// and its period's sending is already sent, under way, or failed too recently or too
    /// often (see [`NewReportSend::retry_failed_before`]).
    async fn begin_report_send(
        &self,
        workspace: &WorkspaceId,
        send: &NewReportSend,
    ) -> StoreResult<Option<i64>>;
    /// Records how a sending under way ended: sent, or failed with the reason.
    async fn finish_report_send(
        &self,
        workspace: &WorkspaceId,
        id: i64,
        outcome: Result<(), String>,
        at: Timestamp,
    ) -> StoreResult<()>;
    /// The newest `limit` sendings of the workspace's report.
    async fn report_sends(
        &self,
        workspace: &WorkspaceId,
        limit: usize,
    ) -> StoreResult<Vec<ReportSend>>;

    // == alerts (issue 7) ==
    /// The workspace's alert channels, by name; never their sealed targets.
    async fn alert_channels(&self, workspace: &WorkspaceId) -> StoreResult<Vec<AlertChannel>>;
    /// A channel's target as the caller sealed it.
    async fn alert_channel_target(
        &self,
        workspace: &WorkspaceId,
        name: &str,
    ) -> StoreResult<Option<Vec<u8>>>;
    /// Creates or changes a channel (a draft without a sealed target keeps the stored one;
    /// `NotFound` if there is none) and appends `audit` in the same transaction.
    async fn put_alert_channel(
        &self,
        workspace: &WorkspaceId,
        draft: &AlertChannelDraft,
        audit: &AuditEntry,
    ) -> StoreResult<()>;
    /// Removes a channel and appends `audit`; whether it existed. Past deliveries stay.
    async fn delete_alert_channel(
        &self,
        workspace: &WorkspaceId,
        name: &str,
        audit: &AuditEntry,
    ) -> StoreResult<bool>;
    async fn alert_thresholds(
        &self,
        workspace: &WorkspaceId,
    ) -> StoreResult<Option<StoredThresholds>>;
    /// Stores the thresholds (JSON) and appends `audit` in the same transaction.
    async fn put_alert_thresholds(
        &self,
        workspace: &WorkspaceId,
        thresholds: &StoredThresholds,
        audit: &AuditEntry,
    ) -> StoreResult<()>;
    /// The last item the detector has seen; `None` before it first ran.
    async fn alert_cursor(&self, workspace: &WorkspaceId) -> StoreResult<Option<ItemId>>;
    /// Stores the alerts the items up to `cursor` raised, each with a pending delivery per
    /// channel it names, and moves the cursor to `cursor`, in one transaction. A cursor
    /// behind the stored one is a `Conflict`. Returns the alerts' ids in order.
    async fn record_alerts(
        &self,
        workspace: &WorkspaceId,
        alerts: &[NewAlert],
        cursor: ItemId,
    ) -> StoreResult<Vec<i64>>;
    /// Sets one delivery's outcome.
    async fn finish_alert_delivery(
        &self,
        workspace: &WorkspaceId,
        alert: i64,
        delivery: &AlertDelivery,
    ) -> StoreResult<()>;
    /// A page of alerts, newest first, with their deliveries.
    async fn alerts(&self, query: &AlertQuery) -> StoreResult<Vec<StoredAlert>>;
    /// The alerts with deliveries still pending (a restart cut them short), oldest first,
    /// each with only its pending deliveries.
    async fn pending_alert_deliveries(
        &self,
        workspace: &WorkspaceId,
    ) -> StoreResult<Vec<StoredAlert>>;
    /// The hourly rollups of `brands` (with every topic and each topic) since `from`, and
    /// the newest item they count, from one snapshot: what the detector starts from.
    async fn alert_baseline(
        &self,
        workspace: &WorkspaceId,
        brands: &[BrandId],
        from: Timestamp,
    ) -> StoreResult<AlertBaseline>;

    // == leases (issue 8) ==
    /// Takes the lease `name` for `holder` until `now + ttl`: when nobody holds it or its
    /// holder let it expire, with a token one above the last; when `holder` holds it
    /// already, extended with its token. `None` while another holder's lease runs.
    /// Processes' clocks must agree to well within `ttl`.
    async fn try_lease(
        &self,
        name: &str,
        holder: &str,
        ttl: SignedDuration,
        now: Timestamp,
    ) -> StoreResult<Option<Lease>>;
    /// Extends `lease` to `now + ttl` while it is still its holder's with its token and has
    /// not expired; `None` when it was lost, and then the holder must stop its work.
    async fn renew_lease(
        &self,
        lease: &Lease,
        ttl: SignedDuration,
        now: Timestamp,
    ) -> StoreResult<Option<Lease>>;
    /// Frees `lease` at `now` so another may take it at once; whether it was still held.
    async fn release_lease(&self, lease: &Lease, now: Timestamp) -> StoreResult<bool>;

    // == login limits (issue 8) ==
    /// Counts a failed login against `key` at `now` and returns the key's failures in its
    /// window, which starts at its first failure and lasts `window`; failures of windows
    /// that ended are forgotten.
    async fn count_login_failure(
        &self,
        key: &str,
        window: SignedDuration,
        now: Timestamp,
    ) -> StoreResult<LoginFailures>;
    /// `key`'s failures in a `window` still running at `now`; `None` when there are none.
    async fn login_failures(
        &self,
        key: &str,
        window: SignedDuration,
        now: Timestamp,
    ) -> StoreResult<Option<LoginFailures>>;
    /// Forgets `key`'s failures (after a successful login).
    async fn clear_login_failures(&self, key: &str) -> StoreResult<()>;
}
