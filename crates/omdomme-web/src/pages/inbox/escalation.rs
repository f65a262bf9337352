//! Escalation: entries still unanswered past their channel's escalate-after time go to the
//! policy's person. The store does each in one transaction (assign, flag, `inbox.escalate`
//! audit entry by `system`), so an entry is escalated exactly once however often this runs.

use std::time::Duration;

use jiff::Timestamp;
use omdomme_store::{Escalation, StoreResult};

use crate::AppState;

/// How often the server looks for entries to escalate.
pub const ESCALATION_INTERVAL: Duration = Duration::from_secs(30);

/// Escalates everything due at `now`; returns what it escalated.
pub async fn escalate_due(state: &AppState, now: Timestamp) -> StoreResult<Vec<Escalation>> {
    let escalated = state.store.escalate_inbox(now).await?;
    for e in &escalated {
        tracing::info!(workspace = %e.workspace, item = e.item.0, to = %e.to, "inbox entry escalated");
    }
    Ok(escalated)
}
