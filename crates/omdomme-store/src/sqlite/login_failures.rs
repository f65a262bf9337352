//! Failed logins in SQLite (schema 14). Counting is one upsert, after deleting the rows of
//! windows that ended, in one immediate transaction: concurrent failures from several
//! processes each add one.

use jiff::{SignedDuration, Timestamp};
use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};

use super::db;
use super::inbox::{micros, time};
use crate::StoreResult;
use crate::login_failures::{LoginFailures, check_key, count, ended_before};

pub(super) fn count_failure(
    conn: &mut Connection,
    key: &str,
    window: SignedDuration,
    now: Timestamp,
) -> StoreResult<LoginFailures> {
    check_key(key)?;
    let ended = micros(ended_before(window, now)?);
    let failed = db("counting a failed login");
    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(&failed)?;
    tx.prepare_cached("DELETE FROM login_failures WHERE window_start <= ?1")
        .and_then(|mut s| s.execute([ended]))
        .map_err(&failed)?;
    // Ended windows were just deleted, so a row still here is in its window.
    let (stored, start) = tx
        .prepare_cached(
            "INSERT INTO login_failures (key, count, window_start) VALUES (?1, 1, ?2) \
             ON CONFLICT (key) DO UPDATE SET count = count + 1 \
             RETURNING count, window_start",
        )
        .and_then(|mut s| {
            s.query_row(params![key, micros(now)], |r| {
                Ok((r.get::<_, i64>(0)?, time(r, 1)?))
            })
        })
        .map_err(&failed)?;
    tx.commit().map_err(&failed)?;
    Ok(LoginFailures {
        count: count(stored)?,
        window_start: start,
    })
}

pub(super) fn failures(
    conn: &Connection,
    key: &str,
    window: SignedDuration,
    now: Timestamp,
) -> StoreResult<Option<LoginFailures>> {
    check_key(key)?;
    let ended = micros(ended_before(window, now)?);
    let found = conn
        .prepare_cached(
            "SELECT count, window_start FROM login_failures WHERE key = ?1 AND window_start > ?2",
        )
        .and_then(|mut s| {
            s.query_row(params![key, ended], |r| {
                Ok((r.get::<_, i64>(0)?, time(r, 1)?))
            })
            .optional()
        })
        .map_err(db("reading failed logins"))?;
    found
        .map(|(stored, window_start)| {
            Ok(LoginFailures {
                count: count(stored)?,
                window_start,
            })
        })
        .transpose()
}

pub(super) fn clear(conn: &Connection, key: &str) -> StoreResult<()> {
    check_key(key)?;
    conn.prepare_cached("DELETE FROM login_failures WHERE key = ?1")
        .and_then(|mut s| s.execute([key]))
        .map_err(db("clearing failed logins"))?;
    Ok(())
}
