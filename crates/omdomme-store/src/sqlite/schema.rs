//! Versioned schema migrations: numbered SQL files compiled into the binary and applied in
//! order when a store opens, each in its own transaction, the version kept in
//! `PRAGMA user_version`. A database written by a newer binary is refused rather than
//! misread.

use rusqlite::Connection;

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
    ("0005_inbox", include_str!("migrations/0005_inbox.sql")),
    (
        "0006_overview",
        include_str!("migrations/0006_overview.sql"),
    ),
    (
        "0007_explorer",
        include_str!("migrations/0007_explorer.sql"),
    ),
    ("0008_stories", include_str!("migrations/0008_stories.sql")),
    (
        "0009_openness",
        include_str!("migrations/0009_openness.sql"),
    ),
    (
        "0010_strategy",
        include_str!("migrations/0010_strategy.sql"),
    ),
    ("0011_alerts", include_str!("migrations/0011_alerts.sql")),
    (
        "0012_report_schedules",
        include_str!("migrations/0012_report_schedules.sql"),
    ),
    ("0013_leases", include_str!("migrations/0013_leases.sql")),
    (
        "0014_login_failures",
        include_str!("migrations/0014_login_failures.sql"),
    ),
];

/// The schema version this binary writes.
pub(crate) const LATEST: i64 = MIGRATIONS.len() as i64;

pub(crate) fn version(conn: &Connection) -> StoreResult<i64> {
    conn.pragma_query_value(None, "user_version", |row| row.get(0))
        .map_err(|e| StoreError::Database(format!("reading the schema version: {e}")))
}

/// Brings the database to [`LATEST`]; refuses a database from a newer version.
pub(crate) fn migrate(conn: &mut Connection, path_for_messages: &str) -> StoreResult<()> {
    let current = version(conn)?;
    if current > LATEST {
        return Err(StoreError::DataDir(format!(
            "{path_for_messages} has schema version {current}, but this version of Omdømme \
             knows only up to {LATEST}: upgrade Omdømme to open it"
        )));
    }
    for (index, (name, sql)) in MIGRATIONS.iter().enumerate() {
        let target = index as i64 + 1;
        if target <= current {
            continue;
        }
        let failed =
            |e: rusqlite::Error| StoreError::Database(format!("applying migration {name}: {e}"));
        let tx = conn.transaction().map_err(failed)?;
        tx.execute_batch(sql).map_err(failed)?;
        tx.pragma_update(None, "user_version", target)
            .map_err(failed)?;
        tx.commit().map_err(failed)?;
        tracing::info!(migration = name, "applied schema migration");
    }
    Ok(())
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn every_migration_applies_to_a_fresh_database() {
        let mut conn = Connection::open_in_memory().unwrap();
        migrate(&mut conn, ":memory:").unwrap();
        assert_eq!(version(&conn).unwrap(), LATEST);
        for table in [
            "workspaces",
            "sources",
            "items",
            "rollup_hourly",
            "item_counts",
            "users",
            "sessions",
            "author_daily",
            "author_totals",
        ] {
            let n: i64 = conn
                .query_row(
                    "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = ?1",
                    [table],
                    |r| r.get(0),
                )
                .unwrap();
            assert_eq!(n, 1, "table {table}");
        }
        // Applying again is a no-op.
        migrate(&mut conn, ":memory:").unwrap();
    }

    #[test]
    fn a_newer_database_is_refused() {
        let mut conn = Connection::open_in_memory().unwrap();
        conn.pragma_update(None, "user_version", LATEST + 1)
            .unwrap();
        let err = migrate(&mut conn, "x").unwrap_err();
        assert!(matches!(err, StoreError::DataDir(_)), "{err}");
        assert!(err.to_string().contains("upgrade"), "{err}");
    }
}
