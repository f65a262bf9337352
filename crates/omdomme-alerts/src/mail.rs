//! E-mail over SMTP: the `[smtp]` settings and a [`Mailer`] that sends a message as plain
//! text with an HTML alternative.
//!
//! Alerts and the scheduled leadership report both send through it, so there is one place
//! that knows the server, its security and its password. The password never shows in
//! `Debug`, in logs or in an error.

use std::time::Duration;

use lettre::message::header::ContentType;
use lettre::message::{Attachment as AttachmentPart, Mailbox, MultiPart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use serde::Deserialize;

/// How long one message may take to hand over before the attempt counts as failed.
const SEND_TIMEOUT: Duration = Duration::from_secs(20);

/// How the connection to the SMTP server is protected.
#[derive(Clone, Copy, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum SmtpSecurity {
    /// Plain connection upgraded with STARTTLS, which must succeed (port 587).
    #[default]
    Starttls,
    /// TLS from the first byte (port 465).
    Tls,
    /// No encryption: only for a relay on the same host or a test sink.
    Plain,
}

impl SmtpSecurity {
    /// The word used in the configuration and `OMDOMME_SMTP_SECURITY`.
    pub fn parse(word: &str) -> Option<SmtpSecurity> {
        match word {
            "starttls" => Some(SmtpSecurity::Starttls),
            "tls" => Some(SmtpSecurity::Tls),
            "plain" => Some(SmtpSecurity::Plain),
            _ => None,
        }
    }
}

/// The SMTP password: `Debug` shows that one is set, never what it is.
#[derive(Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(transparent)]
pub struct SmtpPassword(String);

impl SmtpPassword {
    pub fn new(password: impl Into<String>) -> SmtpPassword {
        SmtpPassword(password.into())
    }

    fn is_set(&self) -> bool {
        !self.0.is_empty()
    }
}

impl std::fmt::Debug for SmtpPassword {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(if self.is_set() { "\"***\"" } else { "\"\"" })
    }
}

/// The `[smtp]` section. An empty `host` means e-mail is not configured.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields, default)]
pub struct SmtpSettings {
    pub host: String,
    pub port: u16,
    /// Left empty, the server is used without logging in.
    pub username: String,
    pub password: SmtpPassword,
    /// The sender, `Omdømme <varsel@example.no>` or a bare address.
    pub from: String,
    pub security: SmtpSecurity,
}

impl Default for SmtpSettings {
    fn default() -> Self {
        SmtpSettings {
            host: String::new(),
            port: 587,
            username: String::new(),
            password: SmtpPassword::default(),
            from: String::new(),
            security: SmtpSecurity::Starttls,
        }
    }
}

impl SmtpSettings {
    /// Whether a server is given at all.
    pub fn is_configured(&self) -> bool {
        !self.host.is_empty()
    }

    /// Every problem, each naming its key under `smtp.`; none when e-mail is off.
    pub fn problems(&self) -> Vec<String> {
        let mut problems = Vec::new();
        if !self.is_configured() {
            return problems;
        }
        if self.port == 0 {
            problems.push("smtp.port: must be a port number like 587".to_owned());
        }
        if self.from.parse::<Mailbox>().is_err() {
            problems.push(format!(
                "smtp.from: {:?} is not an address like \"Omdømme <varsel@example.no>\"",
                self.from
            ));
        }
        if self.username.is_empty() == self.password.is_set() {
            problems.push("smtp.username and smtp.password: give both or neither".to_owned());
        }
        problems
    }
}

/// One message: plain text, and HTML for the clients that show it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mail {
    pub to: Vec<String>,
    pub subject: String,
    pub text: String,
    pub html: String,
}

/// A file sent along with a message: the leadership report's PDF.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Attachment {
    pub filename: String,
    /// `application/pdf`.
    pub content_type: String,
    pub bytes: Vec<u8>,
}

/// Why a message was not sent. Never contains the password.
#[derive(Debug, thiserror::Error)]
pub enum MailError {
    #[error("e-mail is not configured (set [smtp] host)")]
    NotConfigured,
    #[error("{what}: {value:?} is not an e-mail address")]
    BadAddress { what: &'static str, value: String },
    #[error("a message needs at least one recipient")]
    NoRecipients,
    #[error("building the message: {0}")]
    Build(String),
    #[error("SMTP server {host}: {reason}")]
    Smtp { host: String, reason: String },
}

/// Sends e-mail through one SMTP server. Cheap to share behind an `Arc`; each message
/// opens its own connection, so a server that dropped an idle one is no problem.
pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
    host: String,
}

impl std::fmt::Debug for Mailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Mailer")
            .field("host", &self.host)
            .field("from", &self.from.to_string())
            .finish_non_exhaustive()
    }
}

impl Mailer {
    /// A mailer for the settings; checks them but does not connect yet.
    pub fn new(settings: &SmtpSettings) -> Result<Mailer, MailError> {
        if !settings.is_configured() {
            return Err(MailError::NotConfigured);
        }
        let from = parse_address("smtp.from", &settings.from)?;
        let smtp_error = |error: lettre::transport::smtp::Error| MailError::Smtp {
            host: settings.host.clone(),
            reason: error.to_string(),
        };
        let builder = match settings.security {
            SmtpSecurity::Starttls => {
                AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(&settings.host)
                    .map_err(smtp_error)?
            }
            SmtpSecurity::Tls => {
                AsyncSmtpTransport::<Tokio1Executor>::relay(&settings.host).map_err(smtp_error)?
            }
            SmtpSecurity::Plain => {
                AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&settings.host)
            }
        };
        let mut builder = builder.port(settings.port).timeout(Some(SEND_TIMEOUT));
        if !settings.username.is_empty() {
            builder = builder.credentials(Credentials::new(
                settings.username.clone(),
                settings.password.0.clone(),
            ));
        }
        Ok(Mailer {
            transport: builder.build(),
            from,
            host: settings.host.clone(),
        })
    }

    /// The sender every message goes out as.
    pub fn from_address(&self) -> String {
        self.from.to_string()
    }

    /// Sends one message to all its recipients.
    pub async fn send(&self, mail: &Mail) -> Result<(), MailError> {
        self.send_with_attachments(mail, &[]).await
    }

    /// Sends one message with files attached after its text and HTML.
    pub async fn send_with_attachments(
        &self,
        mail: &Mail,
        attachments: &[Attachment],
    ) -> Result<(), MailError> {
        if mail.to.is_empty() {
            return Err(MailError::NoRecipients);
        }
        let mut builder = Message::builder()
            .from(self.from.clone())
            .subject(mail.subject.clone());
        for to in &mail.to {
            builder = builder.to(parse_address("recipient", to)?);
        }
        let body = MultiPart::alternative_plain_html(mail.text.clone(), mail.html.clone());
        let body = if attachments.is_empty() {
            body
        } else {
            let mut mixed = MultiPart::mixed().multipart(body);
            for file in attachments {
                let content_type = ContentType::parse(&file.content_type)
                    .map_err(|error| MailError::Build(error.to_string()))?;
                mixed = mixed.singlepart(
                    AttachmentPart::new(file.filename.clone())
                        .body(file.bytes.clone(), content_type),
                );
            }
            mixed
        };
        let message = builder
            .multipart(body)
            .map_err(|error| MailError::Build(error.to_string()))?;
        self.transport
            .send(message)
            .await
            .map(|_| ())
            .map_err(|error| MailError::Smtp {
                host: self.host.clone(),
                reason: error.to_string(),
            })
    }
}

/// Checks an address the way [`Mailer::send`] will read it (`Name <a@b.no>` or `a@b.no`).
pub fn check_address(what: &'static str, value: &str) -> Result<(), MailError> {
    parse_address(what, value).map(|_| ())
}

fn parse_address(what: &'static str, value: &str) -> Result<Mailbox, MailError> {
    value.trim().parse().map_err(|_| MailError::BadAddress {
        what,
        value: value.to_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings() -> SmtpSettings {
        SmtpSettings {
            host: "smtp.example.no".to_owned(),
            port: 587,
            username: "varsel".to_owned(),
            password: SmtpPassword::new("hemmelig-passord"),
            from: "Omdømme <varsel@example.no>".to_owned(),
            security: SmtpSecurity::Starttls,
        }
    }

    #[test]
    fn the_password_never_shows_in_debug() {
        let shown = format!("{:?}", settings());
        assert!(!shown.contains("hemmelig"), "{shown}");
        assert!(shown.contains("***"), "{shown}");
        let mailer = Mailer::new(&settings()).expect("valid settings");
        assert!(!format!("{mailer:?}").contains("hemmelig"));
    }

    #[test]
    fn problems_name_their_keys() {
        assert!(settings().problems().is_empty());
        assert!(SmtpSettings::default().problems().is_empty(), "off is fine");
        let bad = SmtpSettings {
            from: "not an address".to_owned(),
            password: SmtpPassword::default(),
            port: 0,
            ..settings()
        };
        let problems = bad.problems();
        assert_eq!(problems.len(), 3, "{problems:#?}");
        assert!(problems[1].starts_with("smtp.from:"), "{problems:#?}");
    }

    #[test]
    fn unconfigured_and_bad_recipients_are_refused() {
        assert!(matches!(
            Mailer::new(&SmtpSettings::default()),
            Err(MailError::NotConfigured)
        ));
        let mailer = Mailer::new(&settings()).expect("valid settings");
        let mail = Mail {
            to: vec!["nobody".to_owned()],
            subject: "s".to_owned(),
            text: "t".to_owned(),
            html: "<p>t</p>".to_owned(),
        };
        let error = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime")
            .block_on(mailer.send(&mail))
            .expect_err("bad recipient");
        assert!(error.to_string().contains("\"nobody\""), "{error}");
    }

    #[test]
    fn security_words_parse() {
        assert_eq!(SmtpSecurity::parse("tls"), Some(SmtpSecurity::Tls));
        assert_eq!(SmtpSecurity::parse("ssl"), None);
    }
}
