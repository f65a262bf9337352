//! The server [`Store`]: PostgreSQL through a pool of connections (deadpool-postgres).
//!
//! Items are partitioned by calendar month of `published_at` (partitions made on demand,
//! so an old month can be detached and archived), their identity kept in `item_keys`;
//! full text is PostgreSQL's own, a generated `tsvector` in the item's language (GIN
//! index); the rollups are written in the items' transaction with the same rule as the
//! embedded store's (`sqlite::rollups::Delta`).
//!
//! Not every method is done yet: those that are not return [`StoreError::Database`]
//! saying so (see [`not_yet`]), never a made-up value.

mod accounts;
pub(crate) mod import;
mod items;
mod leases;
mod rollups;
mod schema;
mod search;
mod sources;
mod text;
mod time;

use std::collections::HashSet;
use std::str::FromStr;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod};
use jiff::{SignedDuration, Timestamp};
use omdomme_core::{
    BrandId, Engagement, Item, ItemId, SourceHealth, SourceKey, StoredItem, Workspace, WorkspaceId,
};
use tokio_postgres::NoTls;
use tokio_postgres::types::Json;

use crate::inbox::{
    Escalation, InboxChange, InboxCounts, InboxEntry, InboxNote, InboxPage, InboxQuery, InboxReply,
    InboxRow, InboxThread, NewReply, ReplyOutcome, SavedReply, SlaPolicy,
};
use crate::leases::Lease;
use crate::openness::{self, BrandAccount, BrandOpenness, InquiryListRequest, InquiryRow};
use crate::report_schedule::{NewReportSend, ReportSchedule, ReportSend};
use crate::stories::{
    Attachment, AttachmentId, CalendarEntry, CalendarQuery, DuePost, EngagementGrouping,
    EngagementRollup, Goal, GoalDraft, GoalId, NewAttachment, NewPost, OutboxEntry, Post,
    PostComment, PostId, PostStep, ProofPoint, ProofPointDraft, PublishOutcome, StoredPolicy,
    Story, StoryDraft, StoryId,
};
use crate::strategy::{PostTally, StoredAudience, Strategy};
use crate::{
    AlertBaseline, AlertChannel, AlertChannelDraft, AlertDelivery, AlertQuery, AuditEntry,
    AuditQuery, AuditRecord, BrandShare, BreakdownRequest, BreakdownSeries, ExportRequest,
    ItemBatch, NewAlert, PutReport, SearchPage, SearchRequest, SessionRecord, ShareOfVoiceRequest,
    SourceDefinition, SourceRecord, Store, StoreError, StoreResult, StoreStats, StoredAlert,
    StoredThresholds, Thread, TopAuthors, TopAuthorsRequest, UserRecord, VolumePoint,
    VolumeRequest,
};

/// Knobs of [`PostgresStore::connect`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PostgresOptions {
    /// Most connections the pool opens.
    pub max_connections: usize,
}

impl Default for PostgresOptions {
    fn default() -> Self {
        PostgresOptions { max_connections: 8 }
    }
}

/// The PostgreSQL [`Store`]: cheap to clone, all clones share one pool. Any number of
/// processes may use one database at once.
#[derive(Clone)]
pub struct PostgresStore {
    pool: Pool,
    /// The months whose partition of `items` exists (made or seen by this process).
    months: Arc<Mutex<HashSet<items::Month>>>,
}

impl std::fmt::Debug for PostgresStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PostgresStore").finish_non_exhaustive()
    }
}

/// Turns a database error into a [`StoreError`] naming what was being done.
fn db(what: &'static str) -> impl Fn(tokio_postgres::Error) -> StoreError {
    move |e| StoreError::Database(describe(what, &e))
}

/// The server's own words when it refused (tokio-postgres alone says only "db error").
fn describe(what: &str, e: &tokio_postgres::Error) -> String {
    match e.as_db_error() {
        Some(refusal) => format!(
            "{what}: {} (SQLSTATE {})",
            refusal.message(),
            refusal.code().code()
        ),
        None => format!("{what}: {e}"),
    }
}

/// What a method this backend does not implement yet returns.
fn not_yet<T>(method: &str) -> StoreResult<T> {
    Err(StoreError::Database(format!(
        "the PostgreSQL store does not implement `{method}` yet"
    )))
}

fn unknown_workspace(id: &str) -> StoreError {
    StoreError::Invalid(format!("unknown workspace `{id}`"))
}

type Client = deadpool_postgres::Object;

impl PostgresStore {
    /// Connects to `url` (`postgres://user:password@host:port/database`), brings the
    /// schema to the latest version and keeps a pool of connections.
    pub async fn connect(url: &str, options: &PostgresOptions) -> StoreResult<PostgresStore> {
        let config = tokio_postgres::Config::from_str(url)
            .map_err(|e| StoreError::Invalid(format!("the PostgreSQL url: {e}")))?;
        let manager = Manager::from_config(
            config,
            NoTls,
            ManagerConfig {
                recycling_method: RecyclingMethod::Fast,
            },
        );
        let pool = Pool::builder(manager)
            .max_size(options.max_connections.max(1))
            .build()
            .map_err(|e| StoreError::Database(format!("making the connection pool: {e}")))?;
        let store = PostgresStore {
            pool,
            months: Arc::default(),
        };
        let mut client = store.client().await?;
        schema::migrate(&mut client).await?;
        Ok(store)
    }

    async fn client(&self) -> StoreResult<Client> {
        self.pool
            .get()
            .await
            .map_err(|e| StoreError::Database(format!("connecting to PostgreSQL: {e}")))
    }
}

async fn workspace_id(client: &impl tokio_postgres::GenericClient, key: &str) -> StoreResult<i64> {
    client
        .query_opt("SELECT id FROM workspaces WHERE key = $1", &[&key])
        .await
        .map_err(db("looking up the workspace"))?
        .map(|row| row.get(0))
        .ok_or_else(|| unknown_workspace(key))
}

fn read_workspace(row: &tokio_postgres::Row) -> StoreResult<Workspace> {
    let Json(brands) = row
        .try_get::<_, Json<Vec<omdomme_core::Brand>>>(3)
        .map_err(db("reading the brands of a workspace"))?;
    Ok(Workspace {
        id: WorkspaceId(row.get(0)),
        name: row.get(1),
        synthetic: row.get(2),
        brands,
    })
}

#[async_trait]
impl Store for PostgresStore {
    async fn put_workspace(&self, workspace: &Workspace) -> StoreResult<()> {
        self.client()
            .await?
            .execute(
                "INSERT INTO workspaces (key, name, synthetic, brands) VALUES ($1, $2, $3, $4) \
                 ON CONFLICT (key) DO UPDATE SET name = excluded.name, \
                 synthetic = excluded.synthetic, brands = excluded.brands",
                &[
                    &workspace.id.0,
                    &workspace.name,
                    &workspace.synthetic,
                    &Json(&workspace.brands),
                ],
            )
            .await
            .map_err(db("storing the workspace"))?;
        Ok(())
    }

    async fn workspace(&self, id: &WorkspaceId) -> StoreResult<Option<Workspace>> {
        self.client()
            .await?
            .query_opt(
                "SELECT key, name, synthetic, brands FROM workspaces WHERE key = $1",
                &[&id.0],
            )
            .await
            .map_err(db("reading the workspace"))?
            .map(|row| read_workspace(&row))
            .transpose()
    }

    async fn workspaces(&self) -> StoreResult<Vec<Workspace>> {
        self.client()
            .await?
            .query(
                "SELECT key, name, synthetic, brands FROM workspaces ORDER BY key",
                &[],
            )
            .await
            .map_err(db("reading workspaces"))?
            .iter()
            .map(read_workspace)
            .collect()
    }

    async fn put_items(&self, workspace: &WorkspaceId, items: &[Item]) -> StoreResult<PutReport> {
        items::put(self, workspace, items, None).await
    }

    async fn item(&self, id: ItemId) -> StoreResult<Option<StoredItem>> {
        items::one(&**self.client().await?, id).await
    }

    async fn items_after(
        &self,
        workspace: &WorkspaceId,
        after: Option<ItemId>,
        limit: usize,
    ) -> StoreResult<ItemBatch> {
        items::after(&**self.client().await?, workspace, after, limit).await
    }

    async fn search(&self, request: &SearchRequest) -> StoreResult<SearchPage> {
        search::search(&**self.client().await?, request).await
    }
    async fn volume(&self, request: &VolumeRequest) -> StoreResult<Vec<VolumePoint>> {
        rollups::volume(&**self.client().await?, request).await
    }

    async fn share_of_voice(&self, request: &ShareOfVoiceRequest) -> StoreResult<Vec<BrandShare>> {
        rollups::share_of_voice(&**self.client().await?, request).await
    }

    async fn stats(&self) -> StoreResult<StoreStats> {
        items::stats(&**self.client().await?).await
    }

    /// PostgreSQL's full text is part of the committed row: nothing to flush.
    async fn flush(&self) -> StoreResult<()> {
        Ok(())
    }

    /// The `tsvector` is a generated column, always in step with its row: there is no
    /// separate index to rebuild, so this only reports how many items it covers.
    async fn reindex(&self, progress: &(dyn Fn(u64, u64) + Send + Sync)) -> StoreResult<u64> {
        let stats = self.stats().await?;
        progress(stats.items, stats.items);
        Ok(stats.items)
    }

    async fn rebuild_rollups(&self) -> StoreResult<()> {
        let mut client = self.client().await?;
        items::rebuild_rollups(&mut client).await
    }

    async fn put_source(
        &self,
        workspace: &WorkspaceId,
        source: &SourceDefinition,
        at: Timestamp,
    ) -> StoreResult<()> {
        sources::put(&**self.client().await?, workspace, source, at).await
    }

    async fn sources(&self, workspace: &WorkspaceId) -> StoreResult<Vec<SourceRecord>> {
        sources::list(&**self.client().await?, workspace).await
    }

    async fn source(
        &self,
        workspace: &WorkspaceId,
        source: &SourceKey,
    ) -> StoreResult<Option<SourceRecord>> {
        sources::one(&**self.client().await?, workspace, source).await
    }

    async fn delete_source(
        &self,
        workspace: &WorkspaceId,
        source: &SourceKey,
    ) -> StoreResult<bool> {
        sources::delete(&**self.client().await?, workspace, source).await
    }

    async fn put_items_at_cursor(
        &self,
        workspace: &WorkspaceId,
        items: &[Item],
        source: &SourceKey,
        cursor: Option<&str>,
    ) -> StoreResult<PutReport> {
        items::put(self, workspace, items, Some((source, cursor))).await
    }

    async fn source_cursor(
        &self,
        workspace: &WorkspaceId,
        source: &SourceKey,
    ) -> StoreResult<Option<String>> {
        sources::cursor(&**self.client().await?, workspace, source).await
    }

    async fn put_source_health(
        &self,
        workspace: &WorkspaceId,
        source: &SourceKey,
        health: &SourceHealth,
    ) -> StoreResult<()> {
        sources::put_health(&**self.client().await?, workspace, source, health).await
    }

    async fn put_source_credential(
        &self,
        workspace: &WorkspaceId,
        source: &SourceKey,
        sealed: &[u8],
    ) -> StoreResult<()> {
        sources::put_credential(&**self.client().await?, workspace, source, sealed).await
    }

    async fn source_credential(
        &self,
        workspace: &WorkspaceId,
        source: &SourceKey,
    ) -> StoreResult<Option<Vec<u8>>> {
        sources::credential(&**self.client().await?, workspace, source).await
    }

    async fn put_user(&self, user: &UserRecord) -> StoreResult<()> {
        accounts::put_user(&**self.client().await?, user).await
    }

    async fn user(&self, email: &str) -> StoreResult<Option<UserRecord>> {
        accounts::user(&**self.client().await?, email).await
    }

    async fn users(&self) -> StoreResult<Vec<UserRecord>> {
        accounts::users(&**self.client().await?).await
    }

    async fn delete_user(&self, email: &str) -> StoreResult<bool> {
        let mut client = self.client().await?;
        accounts::delete_user(&mut client, email).await
    }

    async fn put_session(&self, session: &SessionRecord) -> StoreResult<()> {
        accounts::put_session(&**self.client().await?, session).await
    }

    async fn session(&self, token_hash: &str) -> StoreResult<Option<SessionRecord>> {
        accounts::session(&**self.client().await?, token_hash).await
    }

    async fn delete_session(&self, token_hash: &str) -> StoreResult<()> {
        accounts::delete_session(&**self.client().await?, token_hash).await
    }

    async fn delete_sessions_of(&self, email: &str, keep: Option<&str>) -> StoreResult<u64> {
        accounts::delete_sessions_of(&**self.client().await?, email, keep).await
    }

    async fn append_audit(&self, entry: &AuditEntry) -> StoreResult<()> {
        accounts::append_audit(&**self.client().await?, entry).await
    }

    async fn audit_log(&self, query: &AuditQuery) -> StoreResult<Vec<AuditRecord>> {
        accounts::audit_log(&**self.client().await?, query).await
    }

    // Everything below is not done yet in this backend.
    async fn inbox(&self, _query: &InboxQuery) -> StoreResult<InboxPage> {
        not_yet("inbox")
    }
    async fn inbox_counts(&self, _workspace: &WorkspaceId) -> StoreResult<InboxCounts> {
        not_yet("inbox_counts")
    }
    async fn inbox_arrivals(
        &self,
        _workspace: &WorkspaceId,
        _after: i64,
        _limit: usize,
    ) -> StoreResult<(u64, Vec<InboxRow>)> {
        not_yet("inbox_arrivals")
    }
    async fn inbox_thread(
        &self,
        _workspace: &WorkspaceId,
        _item: ItemId,
    ) -> StoreResult<Option<InboxThread>> {
        not_yet("inbox_thread")
    }
    async fn update_inbox_entry(
        &self,
        _workspace: &WorkspaceId,
        _item: ItemId,
        _change: &InboxChange,
        _at: Timestamp,
    ) -> StoreResult<InboxEntry> {
        not_yet("update_inbox_entry")
    }
    async fn add_inbox_note(
        &self,
        _workspace: &WorkspaceId,
        _item: ItemId,
        _note: &InboxNote,
    ) -> StoreResult<()> {
        not_yet("add_inbox_note")
    }
    async fn begin_inbox_reply(
        &self,
        _workspace: &WorkspaceId,
        _item: ItemId,
        _reply: &NewReply,
    ) -> StoreResult<Option<InboxReply>> {
        not_yet("begin_inbox_reply")
    }
    async fn finish_inbox_reply(
        &self,
        _workspace: &WorkspaceId,
        _item: ItemId,
        _key: &str,
        _outcome: &ReplyOutcome,
        _at: Timestamp,
    ) -> StoreResult<InboxEntry> {
        not_yet("finish_inbox_reply")
    }
    async fn sla_policies(&self, _workspace: &WorkspaceId) -> StoreResult<Vec<SlaPolicy>> {
        not_yet("sla_policies")
    }
    async fn put_sla_policy(
        &self,
        _workspace: &WorkspaceId,
        _policy: &SlaPolicy,
    ) -> StoreResult<()> {
        not_yet("put_sla_policy")
    }
    async fn saved_replies(&self, _workspace: &WorkspaceId) -> StoreResult<Vec<SavedReply>> {
        not_yet("saved_replies")
    }
    async fn put_saved_reply(
        &self,
        _workspace: &WorkspaceId,
        _reply: &SavedReply,
    ) -> StoreResult<i64> {
        not_yet("put_saved_reply")
    }
    async fn delete_saved_reply(&self, _workspace: &WorkspaceId, _id: i64) -> StoreResult<bool> {
        not_yet("delete_saved_reply")
    }
    async fn escalate_inbox(&self, _now: Timestamp) -> StoreResult<Vec<Escalation>> {
        not_yet("escalate_inbox")
    }
    async fn inbox_arrived_between(
        &self,
        _workspace: &WorkspaceId,
        _from: Timestamp,
        _to: Timestamp,
    ) -> StoreResult<Vec<InboxEntry>> {
        not_yet("inbox_arrived_between")
    }
    async fn breakdown(&self, _request: &BreakdownRequest) -> StoreResult<Vec<BreakdownSeries>> {
        not_yet("breakdown")
    }
    async fn top_authors(&self, _request: &TopAuthorsRequest) -> StoreResult<TopAuthors> {
        not_yet("top_authors")
    }
    async fn thread(
        &self,
        _workspace: &WorkspaceId,
        _id: ItemId,
        _limit: usize,
    ) -> StoreResult<Option<Thread>> {
        not_yet("thread")
    }
    async fn export_items(&self, _request: &ExportRequest) -> StoreResult<ItemBatch> {
        not_yet("export_items")
    }
    async fn put_goal(
        &self,
        _workspace: &WorkspaceId,
        _id: Option<GoalId>,
        _goal: &GoalDraft,
        _at: Timestamp,
    ) -> StoreResult<GoalId> {
        not_yet("put_goal")
    }
    async fn goals(&self, _workspace: &WorkspaceId) -> StoreResult<Vec<Goal>> {
        not_yet("goals")
    }
    async fn delete_goal(&self, _workspace: &WorkspaceId, _id: GoalId) -> StoreResult<bool> {
        not_yet("delete_goal")
    }
    async fn create_story(
        &self,
        _workspace: &WorkspaceId,
        _story: &StoryDraft,
        _by: &str,
        _at: Timestamp,
    ) -> StoreResult<Story> {
        not_yet("create_story")
    }
    async fn update_story(
        &self,
        _workspace: &WorkspaceId,
        _id: StoryId,
        _story: &StoryDraft,
        _at: Timestamp,
    ) -> StoreResult<Story> {
        not_yet("update_story")
    }
    async fn story(&self, _workspace: &WorkspaceId, _id: StoryId) -> StoreResult<Option<Story>> {
        not_yet("story")
    }
    async fn stories(&self, _workspace: &WorkspaceId) -> StoreResult<Vec<Story>> {
        not_yet("stories")
    }
    async fn add_proof_point(
        &self,
        _workspace: &WorkspaceId,
        _story: StoryId,
        _proof: &ProofPointDraft,
        _by: &str,
        _at: Timestamp,
    ) -> StoreResult<ProofPoint> {
        not_yet("add_proof_point")
    }
    async fn delete_proof_point(&self, _workspace: &WorkspaceId, _id: i64) -> StoreResult<bool> {
        not_yet("delete_proof_point")
    }
    async fn put_attachment(
        &self,
        _workspace: &WorkspaceId,
        _attachment: &NewAttachment,
        _by: &str,
        _at: Timestamp,
    ) -> StoreResult<Attachment> {
        not_yet("put_attachment")
    }
    async fn attachment(
        &self,
        _workspace: &WorkspaceId,
        _id: AttachmentId,
    ) -> StoreResult<Option<(Attachment, Vec<u8>)>> {
        not_yet("attachment")
    }
    async fn create_post(
        &self,
        _workspace: &WorkspaceId,
        _post: &NewPost,
        _by: &str,
        _at: Timestamp,
    ) -> StoreResult<Post> {
        not_yet("create_post")
    }
    async fn post(&self, _workspace: &WorkspaceId, _id: PostId) -> StoreResult<Option<Post>> {
        not_yet("post")
    }
    async fn story_posts(
        &self,
        _workspace: &WorkspaceId,
        _story: StoryId,
    ) -> StoreResult<Vec<Post>> {
        not_yet("story_posts")
    }
    async fn step_post(
        &self,
        _workspace: &WorkspaceId,
        _id: PostId,
        _step: &PostStep,
    ) -> StoreResult<Post> {
        not_yet("step_post")
    }
    async fn post_comments(
        &self,
        _workspace: &WorkspaceId,
        _post: PostId,
    ) -> StoreResult<Vec<PostComment>> {
        not_yet("post_comments")
    }
    async fn add_post_comment(
        &self,
        _workspace: &WorkspaceId,
        _post: PostId,
        _by: &str,
        _body: &str,
        _at: Timestamp,
    ) -> StoreResult<PostComment> {
        not_yet("add_post_comment")
    }
    async fn calendar(&self, _query: &CalendarQuery) -> StoreResult<Vec<CalendarEntry>> {
        not_yet("calendar")
    }
    async fn policy(&self, _workspace: &WorkspaceId) -> StoreResult<Option<StoredPolicy>> {
        not_yet("policy")
    }
    async fn put_policy(
        &self,
        _workspace: &WorkspaceId,
        _policy: &StoredPolicy,
    ) -> StoreResult<()> {
        not_yet("put_policy")
    }
    async fn due_posts(
        &self,
        _now: Timestamp,
        _stale_before: Timestamp,
        _limit: usize,
    ) -> StoreResult<Vec<DuePost>> {
        not_yet("due_posts")
    }
    async fn begin_publish(
        &self,
        _workspace: &WorkspaceId,
        _post: PostId,
        _key: &str,
        _at: Timestamp,
    ) -> StoreResult<Option<OutboxEntry>> {
        not_yet("begin_publish")
    }
    async fn finish_publish(
        &self,
        _workspace: &WorkspaceId,
        _post: PostId,
        _key: &str,
        _outcome: &PublishOutcome,
        _at: Timestamp,
    ) -> StoreResult<Post> {
        not_yet("finish_publish")
    }
    async fn posts_for_engagement(
        &self,
        _published_after: Timestamp,
        _read_before: Timestamp,
        _limit: usize,
    ) -> StoreResult<Vec<Post>> {
        not_yet("posts_for_engagement")
    }
    async fn put_post_engagement(
        &self,
        _workspace: &WorkspaceId,
        _post: PostId,
        _engagement: &Engagement,
        _at: Timestamp,
    ) -> StoreResult<()> {
        not_yet("put_post_engagement")
    }
    async fn engagement_rollup(
        &self,
        _workspace: &WorkspaceId,
        _grouping: EngagementGrouping,
    ) -> StoreResult<Vec<EngagementRollup>> {
        not_yet("engagement_rollup")
    }
    async fn strategy(&self, _workspace: &WorkspaceId) -> StoreResult<Option<Strategy>> {
        not_yet("strategy")
    }
    async fn put_strategy(
        &self,
        _workspace: &WorkspaceId,
        _strategy: &Strategy,
        _detail: &str,
    ) -> StoreResult<()> {
        not_yet("put_strategy")
    }
    async fn audience(&self, _workspace: &WorkspaceId) -> StoreResult<Option<StoredAudience>> {
        not_yet("audience")
    }
    async fn put_audience(
        &self,
        _workspace: &WorkspaceId,
        _audience: &StoredAudience,
        _detail: &str,
    ) -> StoreResult<()> {
        not_yet("put_audience")
    }
    async fn post_tally(&self, _workspace: &WorkspaceId) -> StoreResult<PostTally> {
        not_yet("post_tally")
    }
    async fn brand_accounts(&self, _workspace: &WorkspaceId) -> StoreResult<Vec<BrandAccount>> {
        not_yet("brand_accounts")
    }
    async fn put_brand_accounts(
        &self,
        _workspace: &WorkspaceId,
        _brand: &BrandId,
        _accounts: &[BrandAccount],
    ) -> StoreResult<()> {
        not_yet("put_brand_accounts")
    }
    async fn openness(
        &self,
        _request: &openness::OpennessRequest,
    ) -> StoreResult<Vec<BrandOpenness>> {
        not_yet("openness")
    }
    async fn inquiries(&self, _request: &InquiryListRequest) -> StoreResult<Vec<InquiryRow>> {
        not_yet("inquiries")
    }
    async fn report_schedule(
        &self,
        _workspace: &WorkspaceId,
    ) -> StoreResult<Option<ReportSchedule>> {
        not_yet("report_schedule")
    }
    async fn report_schedules(&self) -> StoreResult<Vec<(WorkspaceId, ReportSchedule)>> {
        not_yet("report_schedules")
    }
    async fn put_report_schedule(
        &self,
        _workspace: &WorkspaceId,
        _schedule: &ReportSchedule,
        _detail: &str,
    ) -> StoreResult<()> {
        not_yet("put_report_schedule")
    }
    async fn begin_report_send(
        &self,
        _workspace: &WorkspaceId,
        _send: &NewReportSend,
    ) -> StoreResult<Option<i64>> {
        not_yet("begin_report_send")
    }
    async fn finish_report_send(
        &self,
        _workspace: &WorkspaceId,
        _id: i64,
        _outcome: Result<(), String>,
        _at: Timestamp,
    ) -> StoreResult<()> {
        not_yet("finish_report_send")
    }
    async fn report_sends(
        &self,
        _workspace: &WorkspaceId,
        _limit: usize,
    ) -> StoreResult<Vec<ReportSend>> {
        not_yet("report_sends")
    }
    async fn alert_channels(&self, _workspace: &WorkspaceId) -> StoreResult<Vec<AlertChannel>> {
        not_yet("alert_channels")
    }
    async fn alert_channel_target(
        &self,
        _workspace: &WorkspaceId,
        _name: &str,
    ) -> StoreResult<Option<Vec<u8>>> {
        not_yet("alert_channel_target")
    }
    async fn put_alert_channel(
        &self,
        _workspace: &WorkspaceId,
        _draft: &AlertChannelDraft,
        _audit: &AuditEntry,
    ) -> StoreResult<()> {
        not_yet("put_alert_channel")
    }
    async fn delete_alert_channel(
        &self,
        _workspace: &WorkspaceId,
        _name: &str,
        _audit: &AuditEntry,
    ) -> StoreResult<bool> {
        not_yet("delete_alert_channel")
    }
    async fn alert_thresholds(
        &self,
        _workspace: &WorkspaceId,
    ) -> StoreResult<Option<StoredThresholds>> {
        not_yet("alert_thresholds")
    }
    async fn put_alert_thresholds(
        &self,
        _workspace: &WorkspaceId,
        _thresholds: &StoredThresholds,
        _audit: &AuditEntry,
    ) -> StoreResult<()> {
        not_yet("put_alert_thresholds")
    }
    async fn alert_cursor(&self, _workspace: &WorkspaceId) -> StoreResult<Option<ItemId>> {
        not_yet("alert_cursor")
    }
    async fn record_alerts(
        &self,
        _workspace: &WorkspaceId,
        _alerts: &[NewAlert],
        _cursor: ItemId,
    ) -> StoreResult<Vec<i64>> {
        not_yet("record_alerts")
    }
    async fn finish_alert_delivery(
        &self,
        _workspace: &WorkspaceId,
        _alert: i64,
        _delivery: &AlertDelivery,
    ) -> StoreResult<()> {
        not_yet("finish_alert_delivery")
    }
    async fn alerts(&self, _query: &AlertQuery) -> StoreResult<Vec<StoredAlert>> {
        not_yet("alerts")
    }
    async fn pending_alert_deliveries(
        &self,
        _workspace: &WorkspaceId,
    ) -> StoreResult<Vec<StoredAlert>> {
        not_yet("pending_alert_deliveries")
    }
    async fn alert_baseline(
        &self,
        _workspace: &WorkspaceId,
        _brands: &[BrandId],
        _from: Timestamp,
    ) -> StoreResult<AlertBaseline> {
        not_yet("alert_baseline")
    }

    async fn try_lease(
        &self,
        name: &str,
        holder: &str,
        ttl: SignedDuration,
        now: Timestamp,
    ) -> StoreResult<Option<Lease>> {
        leases::try_lease(&**self.client().await?, name, holder, ttl, now).await
    }
    async fn renew_lease(
        &self,
        lease: &Lease,
        ttl: SignedDuration,
        now: Timestamp,
    ) -> StoreResult<Option<Lease>> {
        leases::renew(&**self.client().await?, lease, ttl, now).await
    }
    async fn release_lease(&self, lease: &Lease, now: Timestamp) -> StoreResult<bool> {
        leases::release(&**self.client().await?, lease, now).await
    }
}
