//! Login rate limiting: failed logins are counted per account and per client address in a
//! fixed window; past the limit, further attempts are refused (429) until the window ends,
//! before any password is checked, so guessing costs the guesser time and us no argon2 work.
//! A successful login clears its account's count. In memory: a restart forgets the counts,
//! which only gives a guesser one more window.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;

use jiff::{SignedDuration, Timestamp};

use crate::error::AppError;

/// Failed logins one account may have in a window.
pub const MAX_FAILURES_PER_ACCOUNT: u32 = 5;
/// Failed logins one client address may have in a window, over all accounts. Higher than
/// per account: offices and proxies put many people behind one address.
pub const MAX_FAILURES_PER_CLIENT: u32 = 50;
pub const WINDOW: SignedDuration = SignedDuration::from_mins(15);
/// Entries kept at most; past it, windows that ended are swept.
const MAX_ENTRIES: usize = 100_000;

#[derive(Clone, Copy, Debug)]
struct Failures {
    count: u32,
    window_start: Timestamp,
}

/// Counts failed logins; shared by the login page and `POST /api/session`.
#[derive(Debug, Default)]
pub struct LoginLimiter {
    failures: Mutex<HashMap<String, Failures>>,
}

fn keys(email: &str, client: Option<IpAddr>) -> [(Option<String>, u32); 2] {
    [
        (
            Some(format!("account:{}", email.trim().to_lowercase())),
            MAX_FAILURES_PER_ACCOUNT,
        ),
        (
            client.map(|ip| format!("client:{ip}")),
            MAX_FAILURES_PER_CLIENT,
        ),
    ]
}

impl LoginLimiter {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Failures>> {
        self.failures
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Refuses with 429 when the account or the client used up its failures.
    pub fn check(
        &self,
        email: &str,
        client: Option<IpAddr>,
        now: Timestamp,
    ) -> Result<(), AppError> {
        let failures = self.lock();
        for (key, limit) in keys(email, client) {
            let Some(entry) = key.and_then(|k| failures.get(&k).copied()) else {
                continue;
            };
            let ends = entry.window_start + WINDOW;
            if entry.count >= limit && ends > now {
                let wait = ends.duration_since(now).as_secs().max(1);
                return Err(AppError::TooManyRequests {
                    message: format!(
                        "too many failed logins; try again in {} minutes",
                        wait.unsigned_abs().div_ceil(60)
                    ),
                    retry_after_secs: wait.unsigned_abs(),
                });
            }
        }
        Ok(())
    }

    /// Counts a failed login against the account and the client.
    pub fn failed(&self, email: &str, client: Option<IpAddr>, now: Timestamp) {
        let mut failures = self.lock();
        if failures.len() >= MAX_ENTRIES {
            failures.retain(|_, f| f.window_start + WINDOW > now);
        }
        for (key, _) in keys(email, client) {
            let Some(key) = key else { continue };
            let entry = failures.entry(key).or_insert(Failures {
                count: 0,
                window_start: now,
            });
            if entry.window_start + WINDOW <= now {
                *entry = Failures {
                    count: 0,
                    window_start: now,
                };
            }
            entry.count += 1;
        }
    }

    /// Clears the account's failures after a successful login.
    pub fn succeeded(&self, email: &str) {
        let [(account, _), _] = keys(email, None);
        if let Some(account) = account {
            self.lock().remove(&account);
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn an_account_is_locked_after_its_failures_until_the_window_ends() {
        let limiter = LoginLimiter::default();
        let t0: Timestamp = "2026-11-27T10:00:00Z".parse().unwrap();
        let ip: IpAddr = "127.0.0.1".parse().unwrap();
        for _ in 0..MAX_FAILURES_PER_ACCOUNT {
            assert!(limiter.check("Kari@x.no", Some(ip), t0).is_ok());
            limiter.failed("Kari@x.no", Some(ip), t0);
        }
        let refused = limiter.check("kari@x.no ", None, t0).unwrap_err();
        assert_eq!(refused.status(), 429);
        assert!(refused.to_string().contains("15 minutes"));
        // Another account from the same address still may try.
        assert!(limiter.check("ola@x.no", Some(ip), t0).is_ok());
        // After the window, the account may try again.
        assert!(limiter.check("kari@x.no", Some(ip), t0 + WINDOW).is_ok());
        // A success clears the count.
        limiter.succeeded("KARI@x.no");
        assert!(limiter.check("kari@x.no", Some(ip), t0).is_ok());
    }

    #[test]
    fn a_client_is_locked_after_failures_across_accounts() {
        let limiter = LoginLimiter::default();
        let t0: Timestamp = "2026-11-27T10:00:00Z".parse().unwrap();
        let ip: IpAddr = "10.0.0.7".parse().unwrap();
        for n in 0..MAX_FAILURES_PER_CLIENT {
            limiter.failed(&format!("user{n}@x.no"), Some(ip), t0);
        }
        assert!(limiter.check("new@x.no", Some(ip), t0).is_err());
        assert!(limiter.check("new@x.no", None, t0).is_ok());
    }
}
