//! Login rate limiting: failed logins are counted per account and per client address in a
//! fixed window; past the limit, further attempts are refused (429) until the window ends,
//! before any password is checked, so guessing costs the guesser time and us no argon2 work.
//! A successful login clears its account's count. The counts live in the store, so every
//! web node behind a load balancer counts against the same limit and a restart forgets
//! nothing.

use std::net::IpAddr;

use jiff::{SignedDuration, Timestamp};
use omdomme_store::Store;

use crate::error::AppError;

/// Failed logins one account may have in a window.
pub const MAX_FAILURES_PER_ACCOUNT: u32 = 5;
/// Failed logins one client address may have in a window, over all accounts. Higher than
/// per account: offices and proxies put many people behind one address.
pub const MAX_FAILURES_PER_CLIENT: u32 = 50;
pub const WINDOW: SignedDuration = SignedDuration::from_mins(15);

fn account_key(email: &str) -> String {
    format!("account:{}", email.trim().to_lowercase())
}

/// The keys a login attempt counts against, with each key's limit.
fn keys(email: &str, client: Option<IpAddr>) -> impl Iterator<Item = (String, u32)> {
    [
        Some((account_key(email), MAX_FAILURES_PER_ACCOUNT)),
        client.map(|ip| (format!("client:{ip}"), MAX_FAILURES_PER_CLIENT)),
    ]
    .into_iter()
    .flatten()
}

/// Refuses with 429 when the account or the client used up its failures.
pub async fn check(
    store: &dyn Store,
    email: &str,
    client: Option<IpAddr>,
    now: Timestamp,
) -> Result<(), AppError> {
    for (key, limit) in keys(email, client) {
        let Some(failures) = store
            .login_failures(&key, WINDOW, now)
            .await
            .map_err(AppError::internal)?
        else {
            continue;
        };
        if failures.count >= limit {
            let ends = failures.window_start + WINDOW;
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
pub async fn failed(
    store: &dyn Store,
    email: &str,
    client: Option<IpAddr>,
    now: Timestamp,
) -> Result<(), AppError> {
    for (key, _) in keys(email, client) {
        store
            .count_login_failure(&key, WINDOW, now)
            .await
            .map_err(AppError::internal)?;
    }
    Ok(())
}

/// Clears the account's failures after a successful login.
pub async fn succeeded(store: &dyn Store, email: &str) -> Result<(), AppError> {
    store
        .clear_login_failures(&account_key(email))
        .await
        .map_err(AppError::internal)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use omdomme_store::SqliteStore;

    fn store() -> (tempfile::TempDir, SqliteStore) {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(dir.path()).unwrap();
        (dir, store)
    }

    #[tokio::test]
    async fn an_account_is_locked_after_its_failures_until_the_window_ends() {
        let (_dir, store) = store();
        let t0: Timestamp = "2026-11-27T10:00:00Z".parse().unwrap();
        let ip: IpAddr = "127.0.0.1".parse().unwrap();
        for _ in 0..MAX_FAILURES_PER_ACCOUNT {
            assert!(check(&store, "Kari@x.no", Some(ip), t0).await.is_ok());
            failed(&store, "Kari@x.no", Some(ip), t0).await.unwrap();
        }
        let refused = check(&store, "kari@x.no ", None, t0).await.unwrap_err();
        assert_eq!(refused.status(), 429);
        assert!(refused.to_string().contains("15 minutes"));
        // Another account from the same address still may try.
        assert!(check(&store, "ola@x.no", Some(ip), t0).await.is_ok());
        // After the window, the account may try again.
        assert!(
            check(&store, "kari@x.no", Some(ip), t0 + WINDOW)
                .await
                .is_ok()
        );
        // A success clears the count.
        succeeded(&store, "KARI@x.no").await.unwrap();
        assert!(check(&store, "kari@x.no", Some(ip), t0).await.is_ok());
    }

    #[tokio::test]
    async fn a_client_is_locked_after_failures_across_accounts() {
        let (_dir, store) = store();
        let t0: Timestamp = "2026-11-27T10:00:00Z".parse().unwrap();
        let ip: IpAddr = "10.0.0.7".parse().unwrap();
        for n in 0..MAX_FAILURES_PER_CLIENT {
            failed(&store, &format!("user{n}@x.no"), Some(ip), t0)
                .await
                .unwrap();
        }
        assert!(check(&store, "new@x.no", Some(ip), t0).await.is_err());
        assert!(check(&store, "new@x.no", None, t0).await.is_ok());
    }
}
