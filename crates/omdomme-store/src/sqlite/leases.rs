//! Leases in SQLite (schema 13). Every change runs in an immediate transaction, which takes
//! the database's write lock before reading the lease, so two processes on one data folder
//! never both see it free.

use jiff::{SignedDuration, Timestamp};
use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};

use super::db;
use super::inbox::micros;
use crate::StoreResult;
use crate::leases::{Lease, check_text, expiry, stored_token, token};

pub(super) fn try_lease(
    conn: &mut Connection,
    name: &str,
    holder: &str,
    ttl: SignedDuration,
    now: Timestamp,
) -> StoreResult<Option<Lease>> {
    check_text("name", name)?;
    check_text("holder", holder)?;
    let expires_at = expiry(ttl, now)?;
    let failed = db("taking a lease");
    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(&failed)?;
    let current: Option<(String, i64, i64)> = tx
        .prepare_cached("SELECT holder, token, expires_at FROM leases WHERE name = ?1")
        .and_then(|mut s| {
            s.query_row([name], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
                .optional()
        })
        .map_err(&failed)?;
    let granted = match current {
        None => {
            tx.prepare_cached(
                "INSERT INTO leases (name, holder, token, acquired_at, expires_at) \
                 VALUES (?1, ?2, 1, ?3, ?4)",
            )
            .and_then(|mut s| s.execute(params![name, holder, micros(now), micros(expires_at)]))
            .map_err(&failed)?;
            Some(1)
        }
        Some((current_holder, current_token, until)) if until > micros(now) => {
            if current_holder == holder {
                tx.prepare_cached("UPDATE leases SET expires_at = ?2 WHERE name = ?1")
                    .and_then(|mut s| s.execute(params![name, micros(expires_at)]))
                    .map_err(&failed)?;
                Some(current_token)
            } else {
                None
            }
        }
        Some((_, current_token, _)) => {
            let next = current_token + 1;
            tx.prepare_cached(
                "UPDATE leases SET holder = ?2, token = ?3, acquired_at = ?4, expires_at = ?5 \
                 WHERE name = ?1",
            )
            .and_then(|mut s| {
                s.execute(params![name, holder, next, micros(now), micros(expires_at)])
            })
            .map_err(&failed)?;
            Some(next)
        }
    };
    tx.commit().map_err(&failed)?;
    granted
        .map(|granted| {
            Ok(Lease {
                name: name.to_owned(),
                holder: holder.to_owned(),
                token: token(granted)?,
                expires_at,
            })
        })
        .transpose()
}

pub(super) fn renew(
    conn: &mut Connection,
    lease: &Lease,
    ttl: SignedDuration,
    now: Timestamp,
) -> StoreResult<Option<Lease>> {
    let expires_at = expiry(ttl, now)?;
    let held_token = stored_token(lease.token)?;
    let changed = conn
        .prepare_cached(
            "UPDATE leases SET expires_at = ?4 \
             WHERE name = ?1 AND holder = ?2 AND token = ?3 AND expires_at > ?5",
        )
        .and_then(|mut s| {
            s.execute(params![
                lease.name,
                lease.holder,
                held_token,
                micros(expires_at),
                micros(now)
            ])
        })
        .map_err(db("renewing a lease"))?;
    Ok((changed == 1).then(|| Lease {
        expires_at,
        ..lease.clone()
    }))
}

pub(super) fn release(conn: &mut Connection, lease: &Lease, now: Timestamp) -> StoreResult<bool> {
    let held_token = stored_token(lease.token)?;
    let changed = conn
        .prepare_cached(
            "UPDATE leases SET expires_at = ?4 \
             WHERE name = ?1 AND holder = ?2 AND token = ?3 AND expires_at > ?4",
        )
        .and_then(|mut s| s.execute(params![lease.name, lease.holder, held_token, micros(now)]))
        .map_err(db("releasing a lease"))?;
    Ok(changed == 1)
}
