//! The server [`Store`]: PostgreSQL through a pool of connections (deadpool-postgres).
//!
//! Items are partitioned by calendar month of `published_at` (partitions made on demand,
//! so an old month can be detached and archived), their identity kept in `item_keys`;
//! full text is a `tsvector` per item (GIN index) that `search` analyses as the embedded
//! index does; the rollups are written in the items' transaction with the same rule as the
//! embedded store's (`sqlite::rollups::Delta`). It passes the same conformance suite as
//! the embedded store.

mod accounts;
mod alerts;
mod explorer;
pub(crate) mod import;
mod inbox;
mod items;
mod leases;
mod login_failures;
mod openness;
mod params;
mod report_schedule;
mod rollups;
mod schema;
mod search;
mod sources;
mod stories;
mod strategy;
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
use crate::login_failures::LoginFailures;
use crate::openness::{BrandAccount, BrandOpenness, InquiryListRequest, InquiryRow};
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
        inbox::backfill_if_pending(&mut client).await?;
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
        search::reindex(&mut self.client().await?, progress).await
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

    async fn inbox(&self, query: &InboxQuery) -> StoreResult<InboxPage> {
        inbox::list(&**self.client().await?, query).await
    }
    async fn inbox_counts(&self, workspace: &WorkspaceId) -> StoreResult<InboxCounts> {
        inbox::counts(&**self.client().await?, workspace).await
    }
    async fn inbox_arrivals(
        &self,
        workspace: &WorkspaceId,
        after: i64,
        limit: usize,
    ) -> StoreResult<(u64, Vec<InboxRow>)> {
        inbox::arrivals(&**self.client().await?, workspace, after, limit).await
    }
    async fn inbox_thread(
        &self,
        workspace: &WorkspaceId,
        item: ItemId,
    ) -> StoreResult<Option<InboxThread>> {
        inbox::thread(&**self.client().await?, workspace, item).await
    }
    async fn update_inbox_entry(
        &self,
        workspace: &WorkspaceId,
        item: ItemId,
        change: &InboxChange,
        at: Timestamp,
    ) -> StoreResult<InboxEntry> {
        inbox::update(self.client().await?, workspace, item, change, at).await
    }
    async fn add_inbox_note(
        &self,
        workspace: &WorkspaceId,
        item: ItemId,
        note: &InboxNote,
    ) -> StoreResult<()> {
        inbox::add_note(&**self.client().await?, workspace, item, note).await
    }
    async fn begin_inbox_reply(
        &self,
        workspace: &WorkspaceId,
        item: ItemId,
        reply: &NewReply,
    ) -> StoreResult<Option<InboxReply>> {
        inbox::begin_reply(self.client().await?, workspace, item, reply).await
    }
    async fn finish_inbox_reply(
        &self,
        workspace: &WorkspaceId,
        item: ItemId,
        key: &str,
        outcome: &ReplyOutcome,
        at: Timestamp,
    ) -> StoreResult<InboxEntry> {
        inbox::finish_reply(self.client().await?, workspace, item, key, outcome, at).await
    }
    async fn sla_policies(&self, workspace: &WorkspaceId) -> StoreResult<Vec<SlaPolicy>> {
        inbox::sla_policies(&**self.client().await?, workspace).await
    }
    async fn put_sla_policy(&self, workspace: &WorkspaceId, policy: &SlaPolicy) -> StoreResult<()> {
        inbox::put_sla_policy(self.client().await?, workspace, policy).await
    }
    async fn saved_replies(&self, workspace: &WorkspaceId) -> StoreResult<Vec<SavedReply>> {
        inbox::saved_replies(&**self.client().await?, workspace).await
    }
    async fn put_saved_reply(
        &self,
        workspace: &WorkspaceId,
        reply: &SavedReply,
    ) -> StoreResult<i64> {
        inbox::put_saved_reply(&**self.client().await?, workspace, reply).await
    }
    async fn delete_saved_reply(&self, workspace: &WorkspaceId, id: i64) -> StoreResult<bool> {
        inbox::delete_saved_reply(&**self.client().await?, workspace, id).await
    }
    async fn escalate_inbox(&self, now: Timestamp) -> StoreResult<Vec<Escalation>> {
        inbox::escalate_due(self.client().await?, now).await
    }
    async fn inbox_arrived_between(
        &self,
        workspace: &WorkspaceId,
        from: Timestamp,
        to: Timestamp,
    ) -> StoreResult<Vec<InboxEntry>> {
        inbox::arrived_between(&**self.client().await?, workspace, from, to).await
    }
    async fn breakdown(&self, request: &BreakdownRequest) -> StoreResult<Vec<BreakdownSeries>> {
        explorer::breakdown(&**self.client().await?, request).await
    }
    async fn top_authors(&self, request: &TopAuthorsRequest) -> StoreResult<TopAuthors> {
        explorer::top_authors(&**self.client().await?, request).await
    }
    async fn thread(
        &self,
        workspace: &WorkspaceId,
        id: ItemId,
        limit: usize,
    ) -> StoreResult<Option<Thread>> {
        explorer::thread(&**self.client().await?, workspace, id, limit).await
    }
    async fn export_items(&self, request: &ExportRequest) -> StoreResult<ItemBatch> {
        explorer::export_items(&**self.client().await?, request).await
    }
    async fn put_goal(
        &self,
        workspace: &WorkspaceId,
        id: Option<GoalId>,
        goal: &GoalDraft,
        at: Timestamp,
    ) -> StoreResult<GoalId> {
        stories::put_goal(&**self.client().await?, workspace, id, goal, at).await
    }
    async fn goals(&self, workspace: &WorkspaceId) -> StoreResult<Vec<Goal>> {
        stories::goals(&**self.client().await?, workspace).await
    }
    async fn delete_goal(&self, workspace: &WorkspaceId, id: GoalId) -> StoreResult<bool> {
        stories::delete_goal(&mut self.client().await?, workspace, id).await
    }
    async fn create_story(
        &self,
        workspace: &WorkspaceId,
        story: &StoryDraft,
        by: &str,
        at: Timestamp,
    ) -> StoreResult<Story> {
        stories::create_story(&**self.client().await?, workspace, story, by, at).await
    }
    async fn update_story(
        &self,
        workspace: &WorkspaceId,
        id: StoryId,
        story: &StoryDraft,
        at: Timestamp,
    ) -> StoreResult<Story> {
        stories::update_story(&**self.client().await?, workspace, id, story, at).await
    }
    async fn story(&self, workspace: &WorkspaceId, id: StoryId) -> StoreResult<Option<Story>> {
        stories::story(&**self.client().await?, workspace, id).await
    }
    async fn stories(&self, workspace: &WorkspaceId) -> StoreResult<Vec<Story>> {
        stories::stories(&**self.client().await?, workspace).await
    }
    async fn add_proof_point(
        &self,
        workspace: &WorkspaceId,
        story: StoryId,
        proof: &ProofPointDraft,
        by: &str,
        at: Timestamp,
    ) -> StoreResult<ProofPoint> {
        stories::add_proof_point(&mut self.client().await?, workspace, story, proof, by, at).await
    }
    async fn delete_proof_point(&self, workspace: &WorkspaceId, id: i64) -> StoreResult<bool> {
        stories::delete_proof_point(&**self.client().await?, workspace, id).await
    }
    async fn put_attachment(
        &self,
        workspace: &WorkspaceId,
        attachment: &NewAttachment,
        by: &str,
        at: Timestamp,
    ) -> StoreResult<Attachment> {
        stories::put_attachment(&**self.client().await?, workspace, attachment, by, at).await
    }
    async fn attachment(
        &self,
        workspace: &WorkspaceId,
        id: AttachmentId,
    ) -> StoreResult<Option<(Attachment, Vec<u8>)>> {
        stories::attachment(&**self.client().await?, workspace, id).await
    }
    async fn create_post(
        &self,
        workspace: &WorkspaceId,
        post: &NewPost,
        by: &str,
        at: Timestamp,
    ) -> StoreResult<Post> {
        stories::create_post(&mut self.client().await?, workspace, post, by, at).await
    }
    async fn post(&self, workspace: &WorkspaceId, id: PostId) -> StoreResult<Option<Post>> {
        stories::post(&**self.client().await?, workspace, id).await
    }
    async fn story_posts(&self, workspace: &WorkspaceId, story: StoryId) -> StoreResult<Vec<Post>> {
        stories::story_posts(&**self.client().await?, workspace, story).await
    }
    async fn step_post(
        &self,
        workspace: &WorkspaceId,
        id: PostId,
        step: &PostStep,
    ) -> StoreResult<Post> {
        stories::step_post(&mut self.client().await?, workspace, id, step).await
    }
    async fn post_comments(
        &self,
        workspace: &WorkspaceId,
        post: PostId,
    ) -> StoreResult<Vec<PostComment>> {
        stories::post_comments(&**self.client().await?, workspace, post).await
    }
    async fn add_post_comment(
        &self,
        workspace: &WorkspaceId,
        post: PostId,
        by: &str,
        body: &str,
        at: Timestamp,
    ) -> StoreResult<PostComment> {
        stories::add_post_comment(&**self.client().await?, workspace, post, by, body, at).await
    }
    async fn calendar(&self, query: &CalendarQuery) -> StoreResult<Vec<CalendarEntry>> {
        stories::calendar(&**self.client().await?, query).await
    }
    async fn policy(&self, workspace: &WorkspaceId) -> StoreResult<Option<StoredPolicy>> {
        stories::policy(&**self.client().await?, workspace).await
    }
    async fn put_policy(&self, workspace: &WorkspaceId, policy: &StoredPolicy) -> StoreResult<()> {
        stories::put_policy(&mut self.client().await?, workspace, policy).await
    }
    async fn due_posts(
        &self,
        now: Timestamp,
        stale_before: Timestamp,
        limit: usize,
    ) -> StoreResult<Vec<DuePost>> {
        stories::due_posts(&**self.client().await?, now, stale_before, limit).await
    }
    async fn begin_publish(
        &self,
        workspace: &WorkspaceId,
        post: PostId,
        key: &str,
        at: Timestamp,
    ) -> StoreResult<Option<OutboxEntry>> {
        stories::begin_publish(&mut self.client().await?, workspace, post, key, at).await
    }
    async fn finish_publish(
        &self,
        workspace: &WorkspaceId,
        post: PostId,
        key: &str,
        outcome: &PublishOutcome,
        at: Timestamp,
    ) -> StoreResult<Post> {
        stories::finish_publish(&mut self.client().await?, workspace, post, key, outcome, at).await
    }
    async fn posts_for_engagement(
        &self,
        published_after: Timestamp,
        read_before: Timestamp,
        limit: usize,
    ) -> StoreResult<Vec<Post>> {
        stories::posts_for_engagement(&**self.client().await?, published_after, read_before, limit)
            .await
    }
    async fn put_post_engagement(
        &self,
        workspace: &WorkspaceId,
        post: PostId,
        engagement: &Engagement,
        at: Timestamp,
    ) -> StoreResult<()> {
        stories::put_post_engagement(&**self.client().await?, workspace, post, engagement, at).await
    }
    async fn engagement_rollup(
        &self,
        workspace: &WorkspaceId,
        grouping: EngagementGrouping,
    ) -> StoreResult<Vec<EngagementRollup>> {
        stories::engagement_rollup(&**self.client().await?, workspace, grouping).await
    }
    async fn strategy(&self, workspace: &WorkspaceId) -> StoreResult<Option<Strategy>> {
        strategy::strategy(&**self.client().await?, workspace).await
    }
    async fn put_strategy(
        &self,
        workspace: &WorkspaceId,
        strategy: &Strategy,
        detail: &str,
    ) -> StoreResult<()> {
        strategy::put_strategy(&mut self.client().await?, workspace, strategy, detail).await
    }
    async fn audience(&self, workspace: &WorkspaceId) -> StoreResult<Option<StoredAudience>> {
        strategy::audience(&**self.client().await?, workspace).await
    }
    async fn put_audience(
        &self,
        workspace: &WorkspaceId,
        audience: &StoredAudience,
        detail: &str,
    ) -> StoreResult<()> {
        strategy::put_audience(&mut self.client().await?, workspace, audience, detail).await
    }
    async fn post_tally(&self, workspace: &WorkspaceId) -> StoreResult<PostTally> {
        strategy::post_tally(&**self.client().await?, workspace).await
    }
    async fn brand_accounts(&self, workspace: &WorkspaceId) -> StoreResult<Vec<BrandAccount>> {
        openness::brand_accounts(&**self.client().await?, workspace).await
    }
    async fn put_brand_accounts(
        &self,
        workspace: &WorkspaceId,
        brand: &BrandId,
        accounts: &[BrandAccount],
    ) -> StoreResult<()> {
        openness::put_brand_accounts(&mut self.client().await?, workspace, brand, accounts).await
    }
    async fn openness(
        &self,
        request: &crate::openness::OpennessRequest,
    ) -> StoreResult<Vec<BrandOpenness>> {
        openness::openness(&**self.client().await?, request).await
    }
    async fn inquiries(&self, request: &InquiryListRequest) -> StoreResult<Vec<InquiryRow>> {
        openness::inquiries(&**self.client().await?, request).await
    }
    async fn report_schedule(
        &self,
        workspace: &WorkspaceId,
    ) -> StoreResult<Option<ReportSchedule>> {
        report_schedule::schedule(&**self.client().await?, workspace).await
    }
    async fn report_schedules(&self) -> StoreResult<Vec<(WorkspaceId, ReportSchedule)>> {
        report_schedule::schedules(&**self.client().await?).await
    }
    async fn put_report_schedule(
        &self,
        workspace: &WorkspaceId,
        schedule: &ReportSchedule,
        detail: &str,
    ) -> StoreResult<()> {
        report_schedule::put_schedule(&mut self.client().await?, workspace, schedule, detail).await
    }
    async fn begin_report_send(
        &self,
        workspace: &WorkspaceId,
        send: &NewReportSend,
    ) -> StoreResult<Option<i64>> {
        report_schedule::begin_send(&mut self.client().await?, workspace, send).await
    }
    async fn finish_report_send(
        &self,
        workspace: &WorkspaceId,
        id: i64,
        outcome: Result<(), String>,
        at: Timestamp,
    ) -> StoreResult<()> {
        report_schedule::finish_send(&**self.client().await?, workspace, id, &outcome, at).await
    }
    async fn report_sends(
        &self,
        workspace: &WorkspaceId,
        limit: usize,
    ) -> StoreResult<Vec<ReportSend>> {
        report_schedule::sends(&**self.client().await?, workspace, limit).await
    }
    async fn alert_channels(&self, workspace: &WorkspaceId) -> StoreResult<Vec<AlertChannel>> {
        alerts::channels(&**self.client().await?, workspace).await
    }
    async fn alert_channel_target(
        &self,
        workspace: &WorkspaceId,
        name: &str,
    ) -> StoreResult<Option<Vec<u8>>> {
        alerts::channel_target(&**self.client().await?, workspace, name).await
    }
    async fn put_alert_channel(
        &self,
        workspace: &WorkspaceId,
        draft: &AlertChannelDraft,
        audit: &AuditEntry,
    ) -> StoreResult<()> {
        alerts::put_channel(&mut self.client().await?, workspace, draft, audit).await
    }
    async fn delete_alert_channel(
        &self,
        workspace: &WorkspaceId,
        name: &str,
        audit: &AuditEntry,
    ) -> StoreResult<bool> {
        alerts::delete_channel(&mut self.client().await?, workspace, name, audit).await
    }
    async fn alert_thresholds(
        &self,
        workspace: &WorkspaceId,
    ) -> StoreResult<Option<StoredThresholds>> {
        alerts::thresholds(&**self.client().await?, workspace).await
    }
    async fn put_alert_thresholds(
        &self,
        workspace: &WorkspaceId,
        thresholds: &StoredThresholds,
        audit: &AuditEntry,
    ) -> StoreResult<()> {
        alerts::put_thresholds(&mut self.client().await?, workspace, thresholds, audit).await
    }
    async fn alert_cursor(&self, workspace: &WorkspaceId) -> StoreResult<Option<ItemId>> {
        alerts::cursor(&**self.client().await?, workspace).await
    }
    async fn record_alerts(
        &self,
        workspace: &WorkspaceId,
        alerts: &[NewAlert],
        cursor: ItemId,
    ) -> StoreResult<Vec<i64>> {
        alerts::record(&mut self.client().await?, workspace, alerts, cursor).await
    }
    async fn finish_alert_delivery(
        &self,
        workspace: &WorkspaceId,
        alert: i64,
        delivery: &AlertDelivery,
    ) -> StoreResult<()> {
        alerts::finish_delivery(&**self.client().await?, workspace, alert, delivery).await
    }
    async fn alerts(&self, query: &AlertQuery) -> StoreResult<Vec<StoredAlert>> {
        alerts::alerts(&**self.client().await?, query).await
    }
    async fn pending_alert_deliveries(
        &self,
        workspace: &WorkspaceId,
    ) -> StoreResult<Vec<StoredAlert>> {
        alerts::pending(&**self.client().await?, workspace).await
    }
    async fn alert_baseline(
        &self,
        workspace: &WorkspaceId,
        brands: &[BrandId],
        from: Timestamp,
    ) -> StoreResult<AlertBaseline> {
        alerts::baseline(&mut self.client().await?, workspace, brands, from).await
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

    async fn count_login_failure(
        &self,
        key: &str,
        window: SignedDuration,
        now: Timestamp,
    ) -> StoreResult<LoginFailures> {
        let mut client = self.client().await?;
        let tx = client
            .transaction()
            .await
            .map_err(db("counting a failed login"))?;
        let counted = login_failures::count_failure(&*tx, key, window, now).await?;
        tx.commit().await.map_err(db("counting a failed login"))?;
        Ok(counted)
    }
    async fn login_failures(
        &self,
        key: &str,
        window: SignedDuration,
        now: Timestamp,
    ) -> StoreResult<Option<LoginFailures>> {
        login_failures::failures(&**self.client().await?, key, window, now).await
    }
    async fn clear_login_failures(&self, key: &str) -> StoreResult<()> {
        login_failures::clear(&**self.client().await?, key).await
    }
}
