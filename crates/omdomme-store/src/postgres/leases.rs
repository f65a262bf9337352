//! Leases in PostgreSQL (schema 13). Taking one is a single `INSERT .. ON CONFLICT DO
//! UPDATE .. WHERE` statement: the row's lock serialises concurrent takers and the `WHERE`
//! is checked against the row as the last of them left it, so two processes never both
//! get a lease. Renewal and release are updates conditional on holder, token and expiry.

use jiff::{SignedDuration, Timestamp};
use tokio_postgres::GenericClient;

use super::db;
use super::time::PgTime;
use crate::StoreResult;
use crate::leases::{Lease, check_text, expiry, stored_token, token};

pub(super) async fn try_lease(
    client: &impl GenericClient,
    name: &str,
    holder: &str,
    ttl: SignedDuration,
    now: Timestamp,
) -> StoreResult<Option<Lease>> {
    check_text("name", name)?;
    check_text("holder", holder)?;
    let expires_at = expiry(ttl, now)?;
    // Free (expired or released) → the new holder, token + 1; held by the same holder →
    // extended, token kept; held by another → no row comes back.
    let granted = client
        .query_opt(
            "INSERT INTO leases AS l (name, holder, token, acquired_at, expires_at) \
             VALUES ($1, $2, 1, $3, $4) \
             ON CONFLICT (name) DO UPDATE SET \
                 holder = excluded.holder, \
                 token = CASE WHEN l.expires_at > $3 THEN l.token ELSE l.token + 1 END, \
                 acquired_at = CASE WHEN l.expires_at > $3 THEN l.acquired_at \
                                    ELSE excluded.acquired_at END, \
                 expires_at = excluded.expires_at \
             WHERE l.expires_at <= $3 OR l.holder = excluded.holder \
             RETURNING token",
            &[&name, &holder, &PgTime(now), &PgTime(expires_at)],
        )
        .await
        .map_err(db("taking a lease"))?;
    granted
        .map(|row| {
            Ok(Lease {
                name: name.to_owned(),
                holder: holder.to_owned(),
                token: token(row.get(0))?,
                expires_at,
            })
        })
        .transpose()
}

pub(super) async fn renew(
    client: &impl GenericClient,
    lease: &Lease,
    ttl: SignedDuration,
    now: Timestamp,
) -> StoreResult<Option<Lease>> {
    let expires_at = expiry(ttl, now)?;
    let held_token = stored_token(lease.token)?;
    let changed = client
        .execute(
            "UPDATE leases SET expires_at = $4 \
             WHERE name = $1 AND holder = $2 AND token = $3 AND expires_at > $5",
            &[
                &lease.name,
                &lease.holder,
                &held_token,
                &PgTime(expires_at),
                &PgTime(now),
            ],
        )
        .await
        .map_err(db("renewing a lease"))?;
    Ok((changed == 1).then(|| Lease {
        expires_at,
        ..lease.clone()
    }))
}

pub(super) async fn release(
    client: &impl GenericClient,
    lease: &Lease,
    now: Timestamp,
) -> StoreResult<bool> {
    let held_token = stored_token(lease.token)?;
    let changed = client
        .execute(
            "UPDATE leases SET expires_at = $4 \
             WHERE name = $1 AND holder = $2 AND token = $3 AND expires_at > $4",
            &[&lease.name, &lease.holder, &held_token, &PgTime(now)],
        )
        .await
        .map_err(db("releasing a lease"))?;
    Ok(changed == 1)
}
