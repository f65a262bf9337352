//! Failed logins in PostgreSQL (schema 14). Counting deletes the rows of windows that
//! ended, then adds one with a single upsert, whose row lock makes concurrent failures
//! from several nodes each count.

use jiff::{SignedDuration, Timestamp};
use tokio_postgres::GenericClient;

use super::db;
use super::time::PgTime;
use crate::StoreResult;
use crate::login_failures::{LoginFailures, check_key, count, ended_before};

pub(super) async fn count_failure(
    client: &impl GenericClient,
    key: &str,
    window: SignedDuration,
    now: Timestamp,
) -> StoreResult<LoginFailures> {
    check_key(key)?;
    let ended = PgTime(ended_before(window, now)?);
    let failed = db("counting a failed login");
    client
        .execute(
            "DELETE FROM login_failures WHERE window_start <= $1",
            &[&ended],
        )
        .await
        .map_err(&failed)?;
    // A row that ended between the delete and the upsert (another node's clock) starts
    // over rather than counting into a window that is over.
    let row = client
        .query_one(
            "INSERT INTO login_failures AS f (key, count, window_start) VALUES ($1, 1, $2) \
             ON CONFLICT (key) DO UPDATE SET \
                 count = CASE WHEN f.window_start > $3 THEN f.count + 1 ELSE 1 END, \
                 window_start = CASE WHEN f.window_start > $3 THEN f.window_start \
                                     ELSE excluded.window_start END \
             RETURNING count, window_start",
            &[&key, &PgTime(now), &ended],
        )
        .await
        .map_err(&failed)?;
    Ok(LoginFailures {
        count: count(row.get(0))?,
        window_start: row.get::<_, PgTime>(1).0,
    })
}

pub(super) async fn failures(
    client: &impl GenericClient,
    key: &str,
    window: SignedDuration,
    now: Timestamp,
) -> StoreResult<Option<LoginFailures>> {
    check_key(key)?;
    let ended = PgTime(ended_before(window, now)?);
    let row = client
        .query_opt(
            "SELECT count, window_start FROM login_failures \
             WHERE key = $1 AND window_start > $2",
            &[&key, &ended],
        )
        .await
        .map_err(db("reading failed logins"))?;
    row.map(|row| {
        Ok(LoginFailures {
            count: count(row.get(0))?,
            window_start: row.get::<_, PgTime>(1).0,
        })
    })
    .transpose()
}

pub(super) async fn clear(client: &impl GenericClient, key: &str) -> StoreResult<()> {
    check_key(key)?;
    client
        .execute("DELETE FROM login_failures WHERE key = $1", &[&key])
        .await
        .map_err(db("clearing failed logins"))?;
    Ok(())
}
