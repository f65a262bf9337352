//! The demo's early warning: an e-mail channel to the leadership group and the alerts the
//! scenario's ninety days raise, replayed through the real detector, so the alerts page
//! shows the crisis. The workspace is synthetic: every delivery is recorded, never sent.

use std::sync::Arc;

use anyhow::Context as _;
use jiff::Timestamp;
use omdomme_alerts::{channels, watch};
use omdomme_connectors::SecretKey;
use omdomme_core::Workspace;
use omdomme_store::{
    AlertChannel, AlertChannelDraft, AlertChannelKind, AuditEntry, Store, UiLanguage,
};

/// The demo channel's name and address (a reserved `.example` domain).
const CHANNEL: &str = "Ledergruppen";
const ADDRESS: &str = "ledergruppen@havbris.example";

/// Adds the channel and replays the scenario; the number of alerts raised.
pub async fn seed(
    store: &Arc<dyn Store>,
    workspace: &Workspace,
    key: Option<&SecretKey>,
    now: Timestamp,
) -> anyhow::Result<usize> {
    let target = channels::parse_target(AlertChannelKind::Email, ADDRESS)
        .context("the demo's alert address")?;
    // Without OMDOMME_SECRET_KEY a throwaway key seals it: a synthetic workspace's
    // deliveries are recorded without opening the address, so nothing needs it again.
    let throwaway;
    let key = match key {
        Some(key) => key,
        None => {
            throwaway = SecretKey::from_base64(&SecretKey::generate_base64())?;
            &throwaway
        }
    };
    store
        .put_alert_channel(
            &workspace.id,
            &AlertChannelDraft {
                channel: AlertChannel {
                    name: CHANNEL.to_owned(),
                    kind: AlertChannelKind::Email,
                    hint: channels::hint(&target),
                    lang: UiLanguage::Nb,
                    enabled: true,
                    updated_by: "demo".to_owned(),
                    updated_at: now,
                },
                sealed: Some(channels::seal(key, &workspace.id, CHANNEL, &target)),
            },
            &AuditEntry {
                at: now,
                actor: "demo".to_owned(),
                workspace: Some(workspace.id.clone()),
                action: "alerts.channel".to_owned(),
                target: format!("alert-channel:{CHANNEL}"),
                detail: "kind email, language nb, on, address set".to_owned(),
            },
        )
        .await?;
    Ok(watch::replay(store.as_ref(), workspace, now).await?)
}
