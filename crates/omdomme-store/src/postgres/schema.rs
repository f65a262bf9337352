//! Versioned schema migrations in PostgreSQL's dialect, numbered like the embedded store's:
//! SQL files compiled into the binary and applied in order, the versions applied kept in
//! `schema_migrations`. All of them run in one transaction holding an advisory lock, so
//! several processes starting at once against one database migrate it once. A database
//! written by a newer binary is refused rather than misread.
//!
//! A migration keeps its embedded twin's number, so the list may have gaps while the
//! PostgreSQL store catches up (0013 before 0005–0012): each migration not yet recorded in
//! `schema_migrations` is applied, in order of number, so a gap filled later is applied
//! then. Only independent migrations (new tables) may therefore be written ahead.

use tokio_postgres::Client;

use super::db;
use crate::{StoreError, StoreResult};

/// Every migration with its version (its embedded twin's number), in rising order.
/// Never edit an applied file: add the next one.
const MIGRATIONS: &[(i32, &str, &str)] = &[
    (1, "0001_init", include_str!("migrations/0001_init.sql")),
    (
        2,
        "0002_brand_sentiment",
        include_str!("migrations/0002_brand_sentiment.sql"),
    ),
    (
        3,
        "0003_sources",
        include_str!("migrations/0003_sources.sql"),
    ),
    (
        4,
        "0004_accounts_audit",
        include_str!("migrations/0004_accounts_audit.sql"),
    ),
    (5, "0005_inbox", include_str!("migrations/0005_inbox.sql")),
    (
        6,
        "0006_overview",
        include_str!("migrations/0006_overview.sql"),
    ),
    (
        7,
        "0007_explorer",
        include_str!("migrations/0007_explorer.sql"),
    ),
    (
        8,
        "0008_stories",
        include_str!("migrations/0008_stories.sql"),
    ),
    (
        9,
        "0009_openness",
        include_str!("migrations/0009_openness.sql"),
    ),
    (
        10,
        "0010_strategy",
        include_str!("migrations/0010_strategy.sql"),
    ),
    (
        11,
        "0011_alerts",
        include_str!("migrations/0011_alerts.sql"),
    ),
    (
        12,
        "0012_report_schedules",
        include_str!("migrations/0012_report_schedules.sql"),
    ),
    (
        13,
        "0013_leases",
        include_str!("migrations/0013_leases.sql"),
    ),
    (
        14,
        "0014_login_failures",
        include_str!("migrations/0014_login_failures.sql"),
    ),
];

/// Key of the advisory lock migrations hold (any constant unlikely to clash).
const MIGRATION_LOCK: i64 = 0x6f6d_646f_6d6d_6501;

/// Applies every migration not yet applied; refuses a database from a newer version.
pub(super) async fn migrate(client: &mut Client) -> StoreResult<()> {
    let failed = db("migrating the PostgreSQL schema");
    let tx = client.transaction().await.map_err(&failed)?;
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])
        .await
        .map_err(&failed)?;
    tx.batch_execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations (
             version    integer     PRIMARY KEY,
             name       text        NOT NULL,
             applied_at timestamptz NOT NULL DEFAULT now()
         )",
    )
    .await
    .map_err(&failed)?;
    let applied: Vec<i32> = tx
        .query(
            "SELECT version FROM schema_migrations ORDER BY version",
            &[],
        )
        .await
        .map_err(&failed)?
        .iter()
        .map(|row| row.get(0))
        .collect();
    if let Some(unknown) = applied
        .iter()
        .find(|version| !MIGRATIONS.iter().any(|(known, _, _)| known == *version))
    {
        return Err(StoreError::DataDir(format!(
            "the PostgreSQL database has schema migration {unknown}, which this binary does \
             not know: it was written by a newer Omdømme; upgrade"
        )));
    }
    for (version, name, sql) in MIGRATIONS
        .iter()
        .filter(|(version, _, _)| !applied.contains(version))
    {
        tx.batch_execute(sql).await.map_err(|e| {
            StoreError::Database(format!("applying PostgreSQL migration {name}: {e}"))
        })?;
        tx.execute(
            "INSERT INTO schema_migrations (version, name) VALUES ($1, $2)",
            &[version, name],
        )
        .await
        .map_err(&failed)?;
    }
    tx.commit().await.map_err(&failed)
}
