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

/// Runs [`escalate_due`] every [`ESCALATION_INTERVAL`] with the app's clock, for as long as
/// the server runs. A failed round is logged and the next one tries again.
pub async fn escalation_loop(state: AppState) {
    let mut ticks = tokio::time::interval(ESCALATION_INTERVAL);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticks.tick().await;
        if let Err(error) = escalate_due(&state, state.clock.now()).await {
            tracing::warn!(%error, "escalating inbox entries failed; trying again later");
        }
    }
}
