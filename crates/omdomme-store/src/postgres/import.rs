//! `omdomme migrate`: copies an embedded (SQLite) store into an empty PostgreSQL one, in one
//! transaction. The PostgreSQL schema keeps the embedded one's table and column names, so
//! tables are matched by name and each value converted by the PostgreSQL column's type
//! (unix microseconds to `timestamptz`, 0/1 to `boolean`, JSON text to `jsonb`, ...), ids
//! kept. Items go through `items` into their month's partition, and their `item_keys` rows
//! are made from them. Derived data whose shape differs (the full text: tantivy's index
//! there, a `tsvector` column here) is not copied: a PostgreSQL column the embedded store
//! lacks is left to its default, and the caller rebuilds it with `Store::reindex`. A table or column the PostgreSQL schema has no twin of stops the
//! copy naming it, rather than leaving data behind.

use std::collections::BTreeSet;
use std::path::Path;

use jiff::Timestamp;
use rusqlite::types::Value;
use rusqlite::{Connection, OpenFlags};
use tokio::sync::mpsc;
use tokio_postgres::Transaction;
use tokio_postgres::types::ToSql;

use super::items::Month;
use super::time::PgTime;
use super::{PostgresStore, db, text};
use crate::sqlite::DATABASE_FILE;
use crate::{SqliteStore, StoreError, StoreResult};

/// Rows of one table read from SQLite and written to PostgreSQL per statement.
const ROWS_PER_INSERT: usize = 500;

/// PostgreSQL binds at most 65,535 parameters in one statement.
const MAX_PARAMETERS: usize = 65_535;

/// Embedded columns with no PostgreSQL twin by design: `change_seq` orders the embedded
/// search index's catch-up, which PostgreSQL's generated `search` column does not need.
const EMBEDDED_ONLY: &[(&str, &str)] = &[("items", "change_seq")];

/// PostgreSQL columns with no embedded twin, made from one that has: the users' key is
/// the lower-cased email (the embedded table compares emails with `COLLATE NOCASE`).
const DERIVED: &[Derived] = &[Derived {
    table: "users",
    column: "email_key",
    from: "email",
    derive: |email| email.to_lowercase(),
}];

/// A PostgreSQL column made from an embedded column of the same table.
struct Derived {
    table: &'static str,
    column: &'static str,
    from: &'static str,
    derive: fn(&str) -> String,
}

/// PostgreSQL tables that are not copied: the schema's own bookkeeping, and the item
/// identities this module makes from `items`.
const NOT_COPIED: &[&str] = &["schema_migrations", "item_keys"];

/// Flags of work a store does on opening (a backfill, a recount), not data: each store
/// keeps its own, so they are neither copied nor held against an empty target.
const FLAGS: &[&str] = &["inbox_backfill_pending", "openness_rebuild_pending"];

/// One table's rows copied.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CopiedTable {
    /// The table's name (the same in both stores).
    pub table: String,
    /// Rows copied, checked against the PostgreSQL count before the commit.
    pub rows: u64,
}

/// What [`PostgresStore::import_embedded`] copied.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ImportReport {
    /// Every copied table in the order copied, then `item_keys`.
    pub tables: Vec<CopiedTable>,
    /// PostgreSQL tables the embedded store has no twin of, left empty.
    pub left_empty: Vec<String>,
}

/// A PostgreSQL column being filled, and where its value comes from.
#[derive(Clone, Debug)]
struct Target {
    name: String,
    /// `information_schema.columns.data_type`, e.g. `timestamp with time zone`.
    data_type: String,
    /// `udt_name`: the type's own name, for a cast from text.
    udt_name: String,
    /// The index of the embedded column read for it.
    from: usize,
    derive: Option<fn(&str) -> String>,
}

/// How one table is copied.
#[derive(Clone, Debug)]
struct TablePlan {
    table: String,
    /// The embedded columns read, in order.
    read: Vec<String>,
    targets: Vec<Target>,
}

impl TablePlan {
    fn select_sql(&self) -> String {
        let columns: Vec<String> = self.read.iter().map(|c| quoted(c)).collect();
        format!("SELECT {} FROM {}", columns.join(", "), quoted(&self.table))
    }

    fn rows_per_insert(&self) -> usize {
        ROWS_PER_INSERT.min(MAX_PARAMETERS / self.targets.len().max(1))
    }

    fn insert_sql(&self, rows: usize) -> String {
        let columns: Vec<String> = self.targets.iter().map(|t| quoted(&t.name)).collect();
        let mut values = Vec::with_capacity(rows);
        let mut n = 0;
        for _ in 0..rows {
            let row: Vec<String> = self
                .targets
                .iter()
                .map(|t| {
                    n += 1;
                    if binds_directly(&t.data_type) {
                        format!("${n}")
                    } else {
                        format!("${n}::text::{}", quoted(&t.udt_name))
                    }
                })
                .collect();
            values.push(format!("({})", row.join(", ")));
        }
        format!(
            "INSERT INTO {} ({}) VALUES {}",
            quoted(&self.table),
            columns.join(", "),
            values.join(", ")
        )
    }
}

/// A name from one of the two catalogs as an SQL identifier.
fn quoted(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// Types bound in their binary form; any other is sent as text and cast by the server.
fn binds_directly(data_type: &str) -> bool {
    matches!(
        data_type,
        "bigint"
            | "integer"
            | "smallint"
            | "boolean"
            | "timestamp with time zone"
            | "double precision"
            | "text"
            | "bytea"
    )
}

/// A PostgreSQL column's description from `information_schema.columns`.
struct PgColumn {
    name: String,
    data_type: String,
    udt_name: String,
    /// Nullable or with a default: may be left out of the insert.
    optional: bool,
    generated: bool,
}

impl PostgresStore {
    /// Copies the embedded store in `data_dir` (brought to its latest schema first) into
    /// this database, which must hold no data yet; all or nothing.
    pub async fn import_embedded(&self, data_dir: &Path) -> StoreResult<ImportReport> {
        let path = data_dir.join(DATABASE_FILE);
        if !path.is_file() {
            return Err(StoreError::DataDir(format!(
                "no embedded store to migrate: {} does not exist",
                path.display()
            )));
        }
        drop(SqliteStore::open(data_dir)?);
        let sqlite = Connection::open_with_flags(
            &path,
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(|e| StoreError::DataDir(format!("opening {}: {e}", path.display())))?;
        let embedded_tables = embedded_tables(&sqlite)?;
        let mut client = self.client().await?;
        let failed = db("migrating into PostgreSQL");
        let tx = client.transaction().await.map_err(&failed)?;
        refuse_data(&tx).await?;
        let mut plans = Vec::new();
        for (table, columns) in &embedded_tables {
            plans.push(plan(&tx, table, columns).await?);
        }
        let pg_tables = pg_tables(&tx).await?;
        let left_empty: Vec<String> = pg_tables
            .iter()
            .filter(|t| {
                !NOT_COPIED.contains(&t.as_str())
                    && !FLAGS.contains(&t.as_str())
                    && !embedded_tables.iter().any(|(e, _)| e == *t)
            })
            .cloned()
            .collect();

        let (sender, mut receiver) = mpsc::channel::<StoreResult<Vec<Vec<Value>>>>(4);
        let reads: Vec<(String, String)> = plans
            .iter()
            .map(|p| (p.table.clone(), p.select_sql()))
            .collect();
        let reader = std::thread::spawn(move || read_tables(sqlite, &reads, &sender));

        let mut report = ImportReport {
            left_empty,
            ..ImportReport::default()
        };
        let mut months = BTreeSet::new();
        for plan in &plans {
            let mut rows = 0u64;
            let chunk = plan.rows_per_insert();
            // An empty chunk ends each table.
            while let Some(read) = receiver.recv().await {
                let read = read?;
                if read.is_empty() {
                    break;
                }
                for part in read.chunks(chunk) {
                    if plan.table == "items" {
                        make_partitions(&tx, plan, part, &mut months).await?;
                    }
                    insert(&tx, plan, part, rows).await?;
                    rows += part.len() as u64;
                }
            }
            check_count(&tx, &plan.table, rows).await?;
            report.tables.push(CopiedTable {
                table: plan.table.clone(),
                rows,
            });
        }
        reader
            .join()
            .map_err(|_| StoreError::Database("the SQLite reader panicked".into()))??;
        if let Some(items) = report.tables.iter().find(|t| t.table == "items") {
            let rows = items.rows;
            tx.execute(
                "INSERT INTO item_keys (id, source_id, external_id, workspace_id, published_at) \
                 SELECT id, source_id, external_id, workspace_id, published_at FROM items",
                &[],
            )
            .await
            .map_err(db("making item_keys from the items"))?;
            check_count(&tx, "item_keys", rows).await?;
            report.tables.push(CopiedTable {
                table: "item_keys".into(),
                rows,
            });
        }
        advance_sequences(&tx).await?;
        tx.commit().await.map_err(&failed)?;
        Ok(report)
    }
}

/// The embedded store's tables in the order they were made (so a table comes after those
/// it refers to), with their columns; virtual tables and their shadow tables are derived
/// data of the embedded engine and are left out, as are the [`FLAGS`].
fn embedded_tables(sqlite: &Connection) -> StoreResult<Vec<(String, Vec<String>)>> {
    let failed =
        |e: rusqlite::Error| StoreError::Database(format!("reading the SQLite schema: {e}"));
    let mut statement = sqlite
        .prepare(
            "SELECT name, sql LIKE 'CREATE VIRTUAL TABLE%' FROM sqlite_master \
             WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY rowid",
        )
        .map_err(failed)?;
    let all: Vec<(String, bool)> = statement
        .query_map([], |row| Ok((row.get(0)?, row.get(1)?)))
        .map_err(failed)?
        .collect::<Result<_, _>>()
        .map_err(failed)?;
    let virtual_tables: Vec<&String> = all.iter().filter(|(_, v)| *v).map(|(n, _)| n).collect();
    let mut tables = Vec::new();
    for (name, is_virtual) in &all {
        let shadow = virtual_tables
            .iter()
            .any(|v| name.starts_with(&format!("{v}_")));
        if *is_virtual || shadow || FLAGS.contains(&name.as_str()) {
            continue;
        }
        let mut columns = sqlite
            .prepare("SELECT name FROM pragma_table_info(?1) ORDER BY cid")
            .map_err(failed)?;
        let columns: Vec<String> = columns
            .query_map([name], |row| row.get(0))
            .map_err(failed)?
            .collect::<Result<_, _>>()
            .map_err(failed)?;
        tables.push((name.clone(), columns));
    }
    Ok(tables)
}

/// The tables of the PostgreSQL schema (partitions of `items` are not tables of their own).
async fn pg_tables(tx: &Transaction<'_>) -> StoreResult<Vec<String>> {
    let rows = tx
        .query(
            "SELECT c.relname FROM pg_class c \
             JOIN pg_namespace n ON n.oid = c.relnamespace \
             WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p') \
               AND NOT c.relispartition \
             ORDER BY c.relname",
            &[],
        )
        .await
        .map_err(db("listing the PostgreSQL tables"))?;
    Ok(rows.iter().map(|r| r.get(0)).collect())
}

/// Refuses a database where any table (but the schema's bookkeeping) holds a row.
async fn refuse_data(tx: &Transaction<'_>) -> StoreResult<()> {
    let mut holding = Vec::new();
    for table in pg_tables(tx).await? {
        if table == "schema_migrations" || FLAGS.contains(&table.as_str()) {
            continue;
        }
        let sql = format!("SELECT EXISTS (SELECT 1 FROM {})", quoted(&table));
        let any: bool = tx
            .query_one(&sql, &[])
            .await
            .map_err(db("looking for data in PostgreSQL"))?
            .get(0);
        if any {
            holding.push(table);
        }
    }
    if holding.is_empty() {
        return Ok(());
    }
    Err(StoreError::Invalid(format!(
        "the PostgreSQL database already holds data (in {}): migrate only into an empty \
         database",
        holding.join(", ")
    )))
}

/// Matches an embedded table's columns with its PostgreSQL twin's.
async fn plan(tx: &Transaction<'_>, table: &str, embedded: &[String]) -> StoreResult<TablePlan> {
    let rows = tx
        .query(
            "SELECT column_name::text, data_type::text, udt_name::text, \
                    is_nullable = 'YES' OR column_default IS NOT NULL, is_generated <> 'NEVER' \
             FROM information_schema.columns \
             WHERE table_schema = current_schema() AND table_name = $1 \
             ORDER BY ordinal_position",
            &[&table],
        )
        .await
        .map_err(db("reading the PostgreSQL schema"))?;
    if rows.is_empty() {
        return Err(StoreError::Invalid(format!(
            "table `{table}` of the embedded store has no twin in the PostgreSQL schema yet \
             (its migration is not ported to PostgreSQL): nothing was copied"
        )));
    }
    let pg: Vec<PgColumn> = rows
        .iter()
        .map(|r| PgColumn {
            name: r.get(0),
            data_type: r.get(1),
            udt_name: r.get(2),
            optional: r.get(3),
            generated: r.get(4),
        })
        .collect();
    if let Some(orphan) = embedded.iter().find(|c| {
        !EMBEDDED_ONLY.contains(&(table, c.as_str())) && !pg.iter().any(|p| &p.name == *c)
    }) {
        return Err(StoreError::Invalid(format!(
            "column `{table}.{orphan}` of the embedded store has no twin in PostgreSQL's \
             `{table}`: nothing was copied"
        )));
    }
    let mut read: Vec<String> = Vec::new();
    let mut targets = Vec::new();
    for column in pg.iter().filter(|c| !c.generated) {
        let derived = DERIVED
            .iter()
            .find(|d| d.table == table && d.column == column.name);
        let (source, derive) = match derived {
            Some(d) => (d.from, Some(d.derive)),
            None if embedded.contains(&column.name) => (column.name.as_str(), None),
            None if column.optional => continue,
            None => {
                return Err(StoreError::Invalid(format!(
                    "column `{table}.{}` of PostgreSQL must be filled but the embedded store \
                     has no such column: nothing was copied",
                    column.name
                )));
            }
        };
        let from = match read.iter().position(|r| r == source) {
            Some(i) => i,
            None => {
                read.push(source.to_owned());
                read.len() - 1
            }
        };
        targets.push(Target {
            name: column.name.clone(),
            data_type: column.data_type.clone(),
            udt_name: column.udt_name.clone(),
            from,
            derive,
        });
    }
    Ok(TablePlan {
        table: table.to_owned(),
        read,
        targets,
    })
}

/// Reads every table in one read transaction (one snapshot), sending its rows in chunks
/// and an empty chunk after each table; stops at the first error, which it sends too.
fn read_tables(
    mut sqlite: Connection,
    reads: &[(String, String)],
    sender: &mpsc::Sender<StoreResult<Vec<Vec<Value>>>>,
) -> StoreResult<()> {
    let outcome = (|| {
        let tx = sqlite.transaction()?;
        for (_, sql) in reads {
            let mut statement = tx.prepare(sql)?;
            let width = statement.column_count();
            let mut rows = statement.query([])?;
            let mut chunk = Vec::with_capacity(ROWS_PER_INSERT);
            while let Some(row) = rows.next()? {
                let values = (0..width)
                    .map(|i| row.get::<_, Value>(i))
                    .collect::<Result<Vec<_>, _>>()?;
                chunk.push(values);
                if chunk.len() == ROWS_PER_INSERT
                    && sender
                        .blocking_send(Ok(std::mem::take(&mut chunk)))
                        .is_err()
                {
                    return Ok(());
                }
            }
            if !chunk.is_empty() && sender.blocking_send(Ok(chunk)).is_err() {
                return Ok(());
            }
            if sender.blocking_send(Ok(Vec::new())).is_err() {
                return Ok(());
            }
        }
        Ok(())
    })();
    outcome.map_err(|e: rusqlite::Error| {
        let error = StoreError::Database(format!("reading the embedded store: {e}"));
        // The receiver reports it where it waits; the join reports it if it stopped.
        let _ = sender.blocking_send(Err(StoreError::Database(error.to_string())));
        error
    })
}

/// Makes the month partitions of `items` that a chunk of rows falls in.
async fn make_partitions(
    tx: &Transaction<'_>,
    plan: &TablePlan,
    rows: &[Vec<Value>],
    made: &mut BTreeSet<Month>,
) -> StoreResult<()> {
    let Some(published) = plan.targets.iter().find(|t| t.name == "published_at") else {
        return Err(StoreError::Invalid(
            "PostgreSQL's `items` has no `published_at`".into(),
        ));
    };
    for row in rows {
        let at = match row.get(published.from) {
            Some(Value::Integer(micros)) => timestamp(*micros, "items.published_at")?,
            _ => {
                return Err(StoreError::Invalid(
                    "an embedded item has no `published_at` time".into(),
                ));
            }
        };
        let month = Month::of(at);
        if made.insert(month) {
            tx.batch_execute(&month.create_sql()?)
                .await
                .map_err(db("making the month's partition of items"))?;
        }
    }
    Ok(())
}

/// Inserts one chunk; `before` rows of the table were inserted already (for the error).
async fn insert(
    tx: &Transaction<'_>,
    plan: &TablePlan,
    rows: &[Vec<Value>],
    before: u64,
) -> StoreResult<()> {
    let mut params: Vec<Box<dyn ToSql + Sync + Send>> =
        Vec::with_capacity(rows.len() * plan.targets.len());
    for (n, row) in rows.iter().enumerate() {
        for target in &plan.targets {
            let value = row.get(target.from).unwrap_or(&Value::Null);
            let param = convert(target, value).map_err(|why| {
                StoreError::Invalid(format!(
                    "`{}.{}` of row {}: {why}",
                    plan.table,
                    target.name,
                    before + n as u64 + 1
                ))
            })?;
            params.push(param);
        }
    }
    let refs: Vec<&(dyn ToSql + Sync)> = params
        .iter()
        .map(|p| p.as_ref() as &(dyn ToSql + Sync))
        .collect();
    let what = format!("copying rows of `{}`", plan.table);
    tx.execute(&plan.insert_sql(rows.len()), &refs)
        .await
        .map_err(|e| StoreError::Database(super::describe(&what, &e)))?;
    Ok(())
}

fn timestamp(micros: i64, column: &str) -> StoreResult<Timestamp> {
    Timestamp::from_microsecond(micros)
        .map_err(|e| StoreError::Invalid(format!("`{column}` {micros} is not a time: {e}")))
}

/// One embedded value as the PostgreSQL column's type.
fn convert(target: &Target, value: &Value) -> Result<Box<dyn ToSql + Sync + Send>, String> {
    let value = match (target.derive, value) {
        (Some(derive), Value::Text(s)) => Value::Text(derive(s)),
        _ => value.clone(),
    };
    let found = |v: &Value| match v {
        Value::Null => "NULL",
        Value::Integer(_) => "an integer",
        Value::Real(_) => "a real",
        Value::Text(_) => "text",
        Value::Blob(_) => "a blob",
    };
    let mismatch = |expected: &str| format!("expected {expected}, found {}", found(&value));
    Ok(match (target.data_type.as_str(), &value) {
        ("bigint", Value::Null) => Box::new(None::<i64>),
        ("bigint", Value::Integer(i)) => Box::new(*i),
        ("integer", Value::Null) => Box::new(None::<i32>),
        ("integer", Value::Integer(i)) => {
            Box::new(i32::try_from(*i).map_err(|_| format!("{i} is out of integer's range"))?)
        }
        ("smallint", Value::Null) => Box::new(None::<i16>),
        ("smallint", Value::Integer(i)) => {
            Box::new(i16::try_from(*i).map_err(|_| format!("{i} is out of smallint's range"))?)
        }
        ("boolean", Value::Null) => Box::new(None::<bool>),
        ("boolean", Value::Integer(0)) => Box::new(false),
        ("boolean", Value::Integer(1)) => Box::new(true),
        ("boolean", _) => return Err(mismatch("0 or 1")),
        ("timestamp with time zone", Value::Null) => Box::new(None::<PgTime>),
        ("timestamp with time zone", Value::Integer(micros)) => Box::new(PgTime(
            Timestamp::from_microsecond(*micros)
                .map_err(|e| format!("{micros} µs is not a time: {e}"))?,
        )),
        ("double precision", Value::Null) => Box::new(None::<f64>),
        ("double precision", Value::Real(r)) => Box::new(*r),
        ("double precision", Value::Integer(i)) => Box::new(*i as f64),
        ("bytea", Value::Null) => Box::new(None::<Vec<u8>>),
        ("bytea", Value::Blob(b)) => Box::new(b.clone()),
        // Text columns hold what the PostgreSQL store would have written (U+0000 escaped);
        // any other type is parsed by the server from its text.
        (_, Value::Null) => Box::new(None::<String>),
        ("text", Value::Text(s)) => Box::new(text::encode(s).into_owned()),
        (data_type, Value::Text(s)) if !binds_directly(data_type) => Box::new(s.clone()),
        (data_type, Value::Integer(i)) if !binds_directly(data_type) => Box::new(i.to_string()),
        (data_type, _) => return Err(mismatch(data_type)),
    })
}

/// Checks the table's row count in this transaction against what was copied.
async fn check_count(tx: &Transaction<'_>, table: &str, copied: u64) -> StoreResult<()> {
    let sql = format!("SELECT count(*) FROM {}", quoted(table));
    let stored: i64 = tx
        .query_one(&sql, &[])
        .await
        .map_err(db("counting the copied rows"))?
        .get(0);
    if u64::try_from(stored).ok() != Some(copied) {
        return Err(StoreError::Database(format!(
            "`{table}`: {copied} rows copied but PostgreSQL counts {stored}: nothing was \
             committed"
        )));
    }
    Ok(())
}

/// Moves every serial column's sequence past the ids copied, so new rows get new ids.
async fn advance_sequences(tx: &Transaction<'_>) -> StoreResult<()> {
    let failed = db("advancing the id sequences");
    let serials = tx
        .query(
            "SELECT table_name::text, column_name::text FROM information_schema.columns \
             WHERE table_schema = current_schema() AND column_default LIKE 'nextval(%'",
            &[],
        )
        .await
        .map_err(&failed)?;
    for row in serials {
        let table: String = row.get(0);
        let column: String = row.get(1);
        let sql = format!(
            "SELECT setval(pg_get_serial_sequence($1, $2), max({})) FROM {} HAVING max({}) IS \
             NOT NULL",
            quoted(&column),
            quoted(&table),
            quoted(&column)
        );
        tx.query(&sql, &[&quoted(&table), &column])
            .await
            .map_err(&failed)?;
    }
    Ok(())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn target(data_type: &str) -> Target {
        Target {
            name: "c".into(),
            data_type: data_type.into(),
            udt_name: data_type.into(),
            from: 0,
            derive: None,
        }
    }

    #[test]
    fn values_are_refused_when_they_do_not_fit_the_column() {
        assert!(convert(&target("boolean"), &Value::Integer(1)).is_ok());
        assert!(convert(&target("boolean"), &Value::Integer(2)).is_err());
        assert!(convert(&target("integer"), &Value::Integer(i64::MAX)).is_err());
        assert!(convert(&target("bigint"), &Value::Text("1".into())).is_err());
        assert!(convert(&target("jsonb"), &Value::Text("[]".into())).is_ok());
        assert!(convert(&target("bytea"), &Value::Integer(1)).is_err());
    }

    #[test]
    fn inserts_cast_text_to_types_bound_as_text() {
        let plan = TablePlan {
            table: "t".into(),
            read: vec!["a".into(), "b".into()],
            targets: vec![
                Target {
                    name: "a".into(),
                    ..target("bigint")
                },
                Target {
                    name: "b".into(),
                    udt_name: "jsonb".into(),
                    from: 1,
                    ..target("jsonb")
                },
            ],
        };
        assert_eq!(
            plan.insert_sql(2),
            "INSERT INTO \"t\" (\"a\", \"b\") VALUES ($1, $2::text::\"jsonb\"), \
             ($3, $4::text::\"jsonb\")"
        );
        assert_eq!(plan.select_sql(), "SELECT \"a\", \"b\" FROM \"t\"");
    }
}
