//! Leases (issue 8): what must run in one process at a time across every process on one
//! store (a source's polling, each of the web server's background loops) runs only while
//! that process holds the thing's lease.
//!
//! A lease lasts until its expiry unless renewed, so a holder that dies frees it without
//! help. Each change of holder raises the lease's fencing token; a holder whose renewal is
//! refused has lost the lease and must stop, since another may have taken it.

use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};

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
