//! Leases (issue 8): what must run in one process at a time across every process on one
//! store (a source's polling, each of the web server's background loops) runs only while
//! that process holds the thing's lease.
//!
//! A lease lasts until its expiry unless renewed, so a holder that dies frees it without
//! help. Each change of holder raises the lease's fencing token; a holder whose renewal is
//! refused has lost the lease and must stop, since another may have taken it.

use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};

use crate::{StoreError, StoreResult};

/// Longest lease name and holder, in characters.
pub const MAX_LEASE_NAME: usize = 200;
/// Longest time one acquisition or renewal may hold a lease: a holder that dies keeps the
/// work from running for up to this long.
pub const MAX_LEASE_TTL: SignedDuration = SignedDuration::from_hours(1);

/// A lease as its holder got it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Lease {
    /// What the lease is for, such as `web/publisher` or `source/<workspace>/<kind>:<name>`.
    pub name: String,
    /// Who holds it: a name unique to the process.
    pub holder: String,
    /// Raised at every change of holder, never lowered.
    pub token: u64,
    /// The holder must have renewed it before this.
    pub expires_at: Timestamp,
}

// Rules every backend applies alike.

/// Refuses an empty or overlong lease name or holder.
pub(crate) fn check_text(what: &str, text: &str) -> StoreResult<()> {
    let length = text.chars().count();
    if text.trim().is_empty() || length > MAX_LEASE_NAME {
        return Err(StoreError::Invalid(format!(
            "a lease's {what} is {length} characters long; 1 to {MAX_LEASE_NAME} fit"
        )));
    }
    Ok(())
}

/// When a lease taken or renewed at `now` for `ttl` ends; refuses a ttl out of range.
pub(crate) fn expiry(ttl: SignedDuration, now: Timestamp) -> StoreResult<Timestamp> {
    if ttl <= SignedDuration::ZERO || ttl > MAX_LEASE_TTL {
        return Err(StoreError::Invalid(format!(
            "a lease of {ttl:#} cannot be taken; more than nothing and at most {MAX_LEASE_TTL:#} can"
        )));
    }
    now.checked_add(ttl)
        .map_err(|e| StoreError::Invalid(format!("a lease from {now} for {ttl:#}: {e}")))
}

/// A token as read from a database column.
pub(crate) fn token(stored: i64) -> StoreResult<u64> {
    u64::try_from(stored)
        .map_err(|_| StoreError::Database(format!("a lease has the negative token {stored}")))
}

/// A token as a database column holds it.
pub(crate) fn stored_token(token: u64) -> StoreResult<i64> {
    i64::try_from(token)
        .map_err(|_| StoreError::Invalid(format!("lease token {token} is out of range")))
}
