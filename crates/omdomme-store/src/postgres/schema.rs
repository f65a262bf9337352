//! Versioned schema migrations in PostgreSQL's dialect, numbered like the embedded store's:
//! SQL files compiled into the binary and applied in order, the versions applied kept in
//! `schema_migrations`. All of them run in one transaction holding an advisory lock, so
//! several processes starting at once against one database migrate it once. A database
//! written by a newer binary is refused rather than misread.

use tokio_postgres::Client;

use super::db;
use crate::{StoreError, StoreResult};

/// Every migration, in order; migration `i` brings the schema to version `i + 1`.
/// Never edit an applied file: add the next one.
const MIGRATIONS: &[(&str, &str)] = &[
    ("0001_init", include_str!("migrations/0001_init.sql")),
    (
        "0002_brand_sentiment",
        include_str!("migrations/0002_brand_sentiment.sql"),
    ),
    ("0003_sources", include_str!("migrations/0003_sources.sql")),
    (
        "0004_accounts_audit",
        include_str!("migrations/0004_accounts_audit.sql"),
    ),
];

/// The schema version this binary writes.
pub(super) const LATEST: i64 = MIGRATIONS.len() as i64;

/// Key of the advisory lock migrations hold (any constant unlikely to clash).
const MIGRATION_LOCK: i64 = 0x6f6d_646f_6d6d_6501;

/// Brings the database to [`LATEST`]; refuses a database from a newer version.
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
    let current: i64 = tx
        .query_one(
            "SELECT coalesce(max(version), 0)::bigint FROM schema_migrations",
            &[],
        )
        .await
        .map_err(&failed)?
        .get(0);
    if current > LATEST {
        return Err(StoreError::DataDir(format!(
            "the PostgreSQL database has schema version {current}, newer than this \
             binary's {LATEST}: upgrade Omdømme"
        )));
    }
    for (i, (name, sql)) in MIGRATIONS.iter().enumerate().skip(current as usize) {
        let version = i as i32 + 1;
        tx.batch_execute(sql).await.map_err(|e| {
            StoreError::Database(format!("applying PostgreSQL migration {name}: {e}"))
        })?;
        tx.execute(
            "INSERT INTO schema_migrations (version, name) VALUES ($1, $2)",
            &[&version, name],
        )
        .await
        .map_err(&failed)?;
    }
    tx.commit().await.map_err(&failed)
}
