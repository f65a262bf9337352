//! The demo company's strategy: a grocery chain, so the consumer-goods template, with its
//! channel roles in bokmål, set by the leader who owns the demo's goal — so the strategy,
//! alignment and maturity pages show the scenario's own state rather than empty forms.

use std::sync::Arc;

use anyhow::Context as _;
use jiff::{SignedDuration, Timestamp};
use omdomme_core::WorkspaceId;
use omdomme_demo::stories::APPROVER;
use omdomme_store::{BusinessType, Store, Strategy, UiLanguage};
use omdomme_strategy::templates;

/// Sets the consumer-goods strategy, as the demo's leader did when the scenario began
/// (`end` is the scenario window's end).
pub async fn seed(
    store: &Arc<dyn Store>,
    workspace: &WorkspaceId,
    end: Timestamp,
) -> anyhow::Result<()> {
    let template = templates::template(BusinessType::ConsumerGoods);
    let strategy = Strategy {
        business_type: Some(BusinessType::ConsumerGoods),
        roles: templates::merge_roles(&[], template, UiLanguage::Nb),
        updated_by: APPROVER.email.to_owned(),
        updated_at: end - SignedDuration::from_hours(24 * 95),
    };
    store
        .put_strategy(
            workspace,
            &strategy,
            "demo: the consumer-goods template for a grocery chain",
        )
        .await
        .context("storing the demo's strategy")
}
