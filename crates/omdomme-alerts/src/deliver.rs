//! Delivery of an alert: the message (text, HTML, JSON, each with links to the evidence
//! and to the explorer with the alert's filters) and sending it to a channel with retries.

use std::time::Duration;

use omdomme_core::{ItemId, Workspace};
use serde::Serialize;

use crate::detect::{Alert, Reason};
use crate::mail::{Mail, MailError, Mailer};

/// Where an alert goes. Webhook URLs carry their own secret: callers keep them sealed.
#[derive(Clone, PartialEq, Eq)]
pub enum Target {
    /// Any HTTP endpoint; receives the alert as JSON.
    Webhook(String),
    /// A Slack or Microsoft Teams incoming webhook; receives `{"text": ...}`.
    Chat(String),
    /// E-mail addresses, sent through the [`Mailer`].
    Email(Vec<String>),
}

impl std::fmt::Debug for Target {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Target::Webhook(_) => f.write_str("Webhook(..)"),
            Target::Chat(_) => f.write_str("Chat(..)"),
            Target::Email(to) => f.debug_tuple("Email").field(to).finish(),
        }
    }
}

/// The language of the message.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    Nb,
    En,
}

/// An alert as sent: the same facts as a sentence, as HTML and as JSON.
#[derive(Clone, Debug, PartialEq)]
pub struct Message {
    pub subject: String,
    pub text: String,
    pub html: String,
    pub json: serde_json::Value,
}

/// Links into the web app, from its public address.
#[derive(Clone, Debug)]
pub struct Links {
    public_url: String,
    workspace: String,
}

impl Links {
    pub fn new(public_url: &str, workspace: &Workspace) -> Links {
        Links {
            public_url: public_url.trim_end_matches('/').to_owned(),
            workspace: workspace.id.0.clone(),
        }
    }

    pub fn item(&self, id: ItemId) -> String {
        format!("{}/w/{}/items/{}", self.public_url, self.workspace, id.0)
    }

    /// The explorer showing the alert's brand and topic on its day.
    pub fn explorer(&self, alert: &Alert) -> String {
        let day = alert.hour.strftime("%Y-%m-%d");
        let mut url = format!(
            "{}/w/{}/explorer?brand={}&from={day}&to={day}",
            self.public_url, self.workspace, alert.key.brand.0
        );
        if let Some(topic) = alert.key.topic {
            url.push_str("&topic=");
            url.push_str(topic.as_str());
        }
        url
    }
}

/// The alert's one-line explanation.
pub fn headline(alert: &Alert, brand_name: &str, lang: Lang) -> String {
    let topic = alert.key.topic.map(|t| t.as_str()).unwrap_or_default();
    let about = match (lang, topic.is_empty()) {
        (_, true) => brand_name.to_owned(),
        (_, false) => format!("{brand_name} / {topic}"),
    };
    match (&alert.reason, lang) {
        (
            Reason::Spike {
                volume,
                negative_share,
            },
            _,
        ) => {
            let mut parts = Vec::new();
            if let Some(v) = volume {
                parts.push(match lang {
                    Lang::Nb => format!(
                        "{:.0} omtaler denne timen mot normalt {:.0}",
                        v.observed, v.baseline
                    ),
                    Lang::En => format!(
                        "{:.0} mentions this hour against a usual {:.0}",
                        v.observed, v.baseline
                    ),
                });
            }
            if let Some(s) = negative_share {
                parts.push(match lang {
                    Lang::Nb => format!(
                        "{:.0} % negative mot normalt {:.0} %",
                        s.observed * 100.0,
                        s.baseline * 100.0
                    ),
                    Lang::En => format!(
                        "{:.0} % negative against a usual {:.0} %",
                        s.observed * 100.0,
                        s.baseline * 100.0
                    ),
                });
            }
            match lang {
                Lang::Nb => format!("Uvanlig aktivitet om {about}: {}", parts.join("; ")),
                Lang::En => format!("Unusual activity about {about}: {}", parts.join("; ")),
            }
        }
        (Reason::Influencer { handle, followers }, Lang::Nb) => {
            format!("@{handle} ({followers} følgere) nevner {about}")
        }
        (Reason::Influencer { handle, followers }, Lang::En) => {
            format!("@{handle} ({followers} followers) mentions {about}")
        }
        (Reason::Press { source }, Lang::Nb) => {
            format!("Negativ presseomtale av {about} ({source})")
        }
        (Reason::Press { source }, Lang::En) => {
            format!("Negative press coverage of {about} ({source})")
        }
        (Reason::CsrNegative { .. }, Lang::Nb) => {
            format!("Negativ omtale av {about} på et samfunnsansvarstema")
        }
        (Reason::CsrNegative { .. }, Lang::En) => {
            format!("Negative mentions of {about} on a CSR topic")
        }
    }
}

/// The message for an alert.
pub fn message(alert: &Alert, workspace: &Workspace, links: &Links, lang: Lang) -> Message {
    let brand_name = workspace
        .brands
        .iter()
        .find(|b| b.id == alert.key.brand)
        .map_or(alert.key.brand.0.as_str(), |b| b.name.as_str());
    let headline = headline(alert, brand_name, lang);
    let explorer = links.explorer(alert);
    let evidence: Vec<String> = alert.evidence.iter().map(|id| links.item(*id)).collect();
    let (see, items) = match lang {
        Lang::Nb => ("Se i utforskeren", "Omtalene"),
        Lang::En => ("Open in the explorer", "The mentions"),
    };
    let text = format!(
        "{headline}\n{see}: {explorer}\n{items}:\n{}",
        evidence
            .iter()
            .map(|url| format!("- {url}"))
            .collect::<Vec<_>>()
            .join("\n")
    );
    let html = format!(
        "<p>{}</p><p><a href=\"{}\">{see}</a></p><p>{items}:</p><ul>{}</ul>",
        escape(&headline),
        escape(&explorer),
        evidence
            .iter()
            .map(|url| format!("<li><a href=\"{0}\">{0}</a></li>", escape(url)))
            .collect::<String>()
    );
    let json = serde_json::json!({
        "workspace": workspace.id.0,
        "brand": alert.key.brand.0,
        "topic": alert.key.topic.map(|t| t.as_str()),
        "kind": alert.reason.kind(),
        "reason": alert.reason,
        "headline": headline,
        "at": alert.at.to_string(),
        "hour": alert.hour.to_string(),
        "explorer_url": explorer,
        "evidence": alert.evidence.iter().zip(&evidence).map(|(id, url)| {
            serde_json::json!({ "id": id.0, "url": url })
        }).collect::<Vec<_>>(),
    });
    Message {
        subject: format!("Omdømme: {headline}"),
        text,
        html,
        json,
    }
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

/// How often and how patiently a delivery is tried.
#[derive(Clone, Copy, Debug)]
pub struct Retry {
    pub attempts: u32,
    /// The wait before the second attempt; doubled before each further one.
    pub first_wait: Duration,
}

impl Default for Retry {
    fn default() -> Self {
        Retry {
            attempts: 4,
            first_wait: Duration::from_millis(500),
        }
    }
}

/// Why a delivery failed in the end. Never contains a webhook's URL (its secret).
#[derive(Debug, thiserror::Error)]
pub enum DeliveryError {
    #[error("the webhook answered {status} after {attempts} attempts")]
    Status { status: u16, attempts: u32 },
    #[error("the webhook could not be reached after {attempts} attempts: {reason}")]
    Unreachable { reason: String, attempts: u32 },
    #[error("e-mail: {0}")]
    Mail(#[from] MailError),
}

impl DeliveryError {
    /// How many attempts were made (an e-mail error does not say: counted as one).
    pub fn attempts(&self) -> u32 {
        match self {
            DeliveryError::Status { attempts, .. }
            | DeliveryError::Unreachable { attempts, .. } => *attempts,
            DeliveryError::Mail(_) => 1,
        }
    }
}

/// Sends one message to one target, retrying with backoff; how many attempts it took.
pub async fn deliver(
    client: &reqwest::Client,
    mailer: Option<&Mailer>,
    target: &Target,
    message: &Message,
    retry: Retry,
) -> Result<u32, DeliveryError> {
    let mut wait = retry.first_wait;
    let mut attempt = 1;
    loop {
        let result = attempt_once(client, mailer, target, message, attempt).await;
        match result {
            Ok(()) => return Ok(attempt),
            // A client error will not change by asking again.
            Err(DeliveryError::Status { status, .. })
                if (400..500).contains(&status) && status != 429 =>
            {
                return result.map(|()| attempt);
            }
            Err(DeliveryError::Mail(
                MailError::NotConfigured | MailError::BadAddress { .. } | MailError::NoRecipients,
            )) => {
                return result.map(|()| attempt);
            }
            Err(error) if attempt >= retry.attempts.max(1) => return Err(error),
            Err(error) => {
                tracing::warn!(attempt, %error, "alert delivery failed; trying again");
                tokio::time::sleep(wait).await;
                wait *= 2;
                attempt += 1;
            }
        }
    }
}

async fn attempt_once(
    client: &reqwest::Client,
    mailer: Option<&Mailer>,
    target: &Target,
    message: &Message,
    attempts: u32,
) -> Result<(), DeliveryError> {
    let (url, body) = match target {
        Target::Email(to) => {
            let mailer = mailer.ok_or(MailError::NotConfigured)?;
            let mail = Mail {
                to: to.clone(),
                subject: message.subject.clone(),
                text: message.text.clone(),
                html: message.html.clone(),
            };
            return Ok(mailer.send(&mail).await?);
        }
        Target::Webhook(url) => (url, message.json.clone()),
        Target::Chat(url) => (url, serde_json::json!({ "text": message.text })),
    };
    let response = client
        .post(url)
        .json(&body)
        .timeout(Duration::from_secs(10))
        .send()
        .await
        .map_err(|error| DeliveryError::Unreachable {
            // Without the URL: it holds the webhook's secret.
            reason: error.without_url().to_string(),
            attempts,
        })?;
    let status = response.status();
    if status.is_success() {
        Ok(())
    } else {
        Err(DeliveryError::Status {
            status: status.as_u16(),
            attempts,
        })
    }
}
