//! What every connector test needs: fixtures, a local server, a fixed clock, a client.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use omdomme_connectors::{Clock, Http, RetryPolicy};

/// The text of a fixture file, by its path under `shared/fixtures`.
pub fn fixture(rel: &str) -> String {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/fixtures");
    assert!(
        root.is_dir(),
        "fixtures not found at {} (expected /work/shared/fixtures next to the workspace; CI always has it)",
        root.display()
    );
    std::fs::read_to_string(root.join(rel)).unwrap_or_else(|e| panic!("fixture {rel}: {e}"))
}

/// Serves `router` on a free loopback port until the test's runtime ends; returns the base
/// URL (`http://127.0.0.1:<port>`).
pub async fn serve(router: axum::Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind loopback");
    let address: SocketAddr = listener.local_addr().expect("address");
    tokio::spawn(async move {
        axum::serve(listener, router).await.ok();
    });
    format!("http://{address}")
}

/// A clock stopped at 2027-01-15T10:00:00Z.
pub fn fixed_clock() -> Clock {
    Arc::new(|| jiff::Timestamp::from_second(1_800_000_000).expect("in range"))
}

/// A client that retries quickly, so tests of backoff take milliseconds.
pub fn fast_http() -> Http {
    Http::new(
        RetryPolicy {
            attempts: 4,
            base_delay: Duration::from_millis(10),
            max_delay: Duration::from_millis(50),
            max_wait: Duration::from_secs(3),
            timeout: Duration::from_secs(2),
        },
        fixed_clock(),
    )
    .expect("client")
}
