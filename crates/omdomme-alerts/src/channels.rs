//! A channel's target as typed on the setup page, checked, sealed for the store and opened
//! again for a delivery. A webhook URL carries its own secret (whoever has it can post to
//! the team's Slack) and an address list is personal data, so both are sealed like source
//! credentials and only a masked hint is ever shown back.

use omdomme_connectors::secret::SecretError;
use omdomme_connectors::{Secret, SecretKey};
use omdomme_core::WorkspaceId;
use omdomme_store::AlertChannelKind;

use crate::deliver::Target;
use crate::mail;

/// Most addresses one e-mail channel sends to.
const MAX_ADDRESSES: usize = 50;
/// Longest URL accepted.
const MAX_URL: usize = 2_000;

/// What the sealed bytes are bound to: bytes copied onto another channel do not open.
pub fn seal_context(workspace: &WorkspaceId, channel: &str) -> String {
    format!("{workspace}/alerts:{channel}")
}

/// Why a target was refused, in words for the person typing it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TargetError {
    #[error("the address must start with https:// (or http:// for a server on this network)")]
    NotHttp,
    #[error("the address is longer than {MAX_URL} characters")]
    TooLong,
    #[error("the address has no host")]
    NoHost,
    #[error("give at least one e-mail address")]
    NoAddresses,
    #[error("at most {MAX_ADDRESSES} e-mail addresses")]
    TooManyAddresses,
    #[error("{0:?} is not an e-mail address")]
    BadAddress(String),
}

/// Reads what was typed for a channel of `kind`: a URL, or e-mail addresses separated by
/// commas, semicolons or line breaks.
pub fn parse_target(kind: AlertChannelKind, typed: &str) -> Result<Target, TargetError> {
    let typed = typed.trim();
    match kind {
        AlertChannelKind::Webhook => check_url(typed).map(|()| Target::Webhook(typed.to_owned())),
        AlertChannelKind::Chat => check_url(typed).map(|()| Target::Chat(typed.to_owned())),
        AlertChannelKind::Email => {
            let addresses: Vec<String> = typed
                .split([',', ';', '\n'])
                .map(str::trim)
                .filter(|a| !a.is_empty())
                .map(str::to_owned)
                .collect();
            if addresses.is_empty() {
                return Err(TargetError::NoAddresses);
            }
            if addresses.len() > MAX_ADDRESSES {
                return Err(TargetError::TooManyAddresses);
            }
            for address in &addresses {
                mail::check_address("recipient", address)
                    .map_err(|_| TargetError::BadAddress(address.clone()))?;
            }
            Ok(Target::Email(addresses))
        }
    }
}

fn check_url(url: &str) -> Result<(), TargetError> {
    if url.chars().count() > MAX_URL {
        return Err(TargetError::TooLong);
    }
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))
        .ok_or(TargetError::NotHttp)?;
    let host = rest.split(['/', '?', '#']).next().unwrap_or_default();
    if host.is_empty() || host.chars().any(char::is_whitespace) {
        return Err(TargetError::NoHost);
    }
    Ok(())
}

/// The form a target is sealed in: the URL, or the addresses one a line.
fn plain(target: &Target) -> String {
    match target {
        Target::Webhook(url) | Target::Chat(url) => url.clone(),
        Target::Email(addresses) => addresses.join("\n"),
    }
}

/// What may be shown of a target: the host and the last four characters of a URL
/// (`hooks.slack.com/…x1Yz`), the first letter and domain of each address.
pub fn hint(target: &Target) -> String {
    match target {
        Target::Webhook(url) | Target::Chat(url) => {
            let rest = url.split_once("://").map_or(url.as_str(), |(_, r)| r);
            let host = rest.split(['/', '?', '#']).next().unwrap_or_default();
            let tail: String = {
                let chars: Vec<char> = rest.chars().collect();
                chars[chars.len().saturating_sub(4)..].iter().collect()
            };
            if rest.len() > host.len() + 8 {
                format!("{host}/…{tail}")
            } else {
                format!("{host}/…")
            }
        }
        Target::Email(addresses) => {
            let shown: Vec<String> = addresses
                .iter()
                .take(3)
                .map(|a| {
                    let a = a.rsplit('<').next().unwrap_or(a).trim_end_matches('>');
                    match a.split_once('@') {
                        Some((local, domain)) => {
                            let first: String = local.chars().take(1).collect();
                            format!("{first}***@{domain}")
                        }
                        None => "***".to_owned(),
                    }
                })
                .collect();
            let more = addresses.len().saturating_sub(3);
            if more > 0 {
                format!("{} +{more}", shown.join(", "))
            } else {
                shown.join(", ")
            }
        }
    }
}

/// Seals a target for the channel `channel` of `workspace`.
pub fn seal(key: &SecretKey, workspace: &WorkspaceId, channel: &str, target: &Target) -> Vec<u8> {
    key.seal(
        &Secret::new(plain(target)),
        &seal_context(workspace, channel),
    )
}

/// Opens a sealed target of a channel of `kind`.
pub fn open(
    key: &SecretKey,
    workspace: &WorkspaceId,
    channel: &str,
    kind: AlertChannelKind,
    sealed: &[u8],
) -> Result<Target, SecretError> {
    let secret = key.open(sealed, &seal_context(workspace, channel))?;
    let text = secret.expose();
    Ok(match kind {
        AlertChannelKind::Webhook => Target::Webhook(text.to_owned()),
        AlertChannelKind::Chat => Target::Chat(text.to_owned()),
        AlertChannelKind::Email => Target::Email(text.lines().map(str::to_owned).collect()),
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn urls_must_be_http_with_a_host() {
        let kind = AlertChannelKind::Webhook;
        assert_eq!(parse_target(kind, "ftp://x"), Err(TargetError::NotHttp));
        assert_eq!(parse_target(kind, "https:///x"), Err(TargetError::NoHost));
        assert_eq!(
            parse_target(kind, "javascript:alert(1)"),
            Err(TargetError::NotHttp)
        );
        assert_eq!(
            parse_target(
                AlertChannelKind::Chat,
                " https://hooks.slack.com/services/T0/B0/abcd "
            ),
            Ok(Target::Chat(
                "https://hooks.slack.com/services/T0/B0/abcd".into()
            ))
        );
    }

    #[test]
    fn addresses_are_split_and_checked() {
        let kind = AlertChannelKind::Email;
        assert_eq!(
            parse_target(kind, "kari@example.no; Ola <ola@example.no>\n"),
            Ok(Target::Email(vec![
                "kari@example.no".into(),
                "Ola <ola@example.no>".into()
            ]))
        );
        assert_eq!(parse_target(kind, " , "), Err(TargetError::NoAddresses));
        assert_eq!(
            parse_target(kind, "kari@example.no, ikke en adresse"),
            Err(TargetError::BadAddress("ikke en adresse".into()))
        );
    }

    #[test]
    fn the_hint_never_shows_the_secret_part() {
        let url = "https://hooks.slack.com/services/T0001/B0002/s3cretTokenx1Yz";
        let shown = hint(&Target::Chat(url.into()));
        assert_eq!(shown, "hooks.slack.com/…x1Yz");
        assert!(!shown.contains("s3cret"));
        let shown = hint(&Target::Email(vec![
            "kari.nordmann@example.no".into(),
            "Ola <ola@firma.no>".into(),
        ]));
        assert_eq!(shown, "k***@example.no, o***@firma.no");
    }

    #[test]
    fn a_sealed_target_opens_only_for_its_channel() {
        let key = SecretKey::from_base64(&SecretKey::generate_base64()).unwrap();
        let ws = WorkspaceId("nordlys".into());
        let target = Target::Email(vec!["a@example.no".into(), "b@example.no".into()]);
        let sealed = seal(&key, &ws, "ledelsen", &target);
        assert_eq!(
            open(&key, &ws, "ledelsen", AlertChannelKind::Email, &sealed).unwrap(),
            target
        );
        assert!(open(&key, &ws, "andre", AlertChannelKind::Email, &sealed).is_err());
    }
}
