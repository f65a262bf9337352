//! Failed logins counted in the store (issue 8): every web node behind a load balancer
//! counts against the same limit, so adding nodes does not multiply a guesser's tries. A
//! key counts in a fixed window that starts with its first failure; the web decides what
//! the keys are (an account, a client address) and how many failures a window allows.

use jiff::{SignedDuration, Timestamp};

use crate::{StoreError, StoreResult};

/// Longest key, in characters (an e-mail address with a prefix fits many times over).
pub const MAX_LOGIN_KEY: usize = 400;

/// A key's failed logins in its current window.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LoginFailures {
    /// Failures since the window started.
    pub count: u32,
    /// When the window's first failure was counted; it ends a window later.
    pub window_start: Timestamp,
}

// Rules every backend applies alike.

/// Refuses an empty or overlong key.
pub(crate) fn check_key(key: &str) -> StoreResult<()> {
    let length = key.chars().count();
    if key.trim().is_empty() || length > MAX_LOGIN_KEY {
        return Err(StoreError::Invalid(format!(
            "a login-failure key is {length} characters long; 1 to {MAX_LOGIN_KEY} fit"
        )));
    }
    Ok(())
}

/// Windows that started at or before this have ended at `now`; refuses a window that is
/// not longer than nothing.
pub(crate) fn ended_before(window: SignedDuration, now: Timestamp) -> StoreResult<Timestamp> {
    if window <= SignedDuration::ZERO {
        return Err(StoreError::Invalid(format!(
            "a login-failure window of {window:#} is too short"
        )));
    }
    now.checked_sub(window)
        .map_err(|e| StoreError::Invalid(format!("a login-failure window of {window:#}: {e}")))
}

/// A stored count as the type callers see (never negative: it only grows from one).
pub(crate) fn count(stored: i64) -> StoreResult<u32> {
    u32::try_from(stored).map_err(|_| {
        StoreError::Database(format!(
            "a stored login-failure count of {stored} is out of range"
        ))
    })
}
