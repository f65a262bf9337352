//! X's error responses in words that say what to do.
//!
//! X answers errors with problem JSON (`type`, `title`, `detail`, sometimes `reason`), a
//! few older paths still with `{"errors": [{"code", "message"}]}`, and a 200 response can
//! carry an `errors` array beside its `data` for the parts it left out (a deleted tweet, a
//! suspended author).

use std::time::Duration;

use reqwest::StatusCode;
use serde::Deserialize;

use crate::error::{ConnectorError, ErrorKind};
use crate::http::{self, Failure, shorten};

/// One problem as X reports it, in an error body or in the `errors` of a 200 response.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct Problem {
    #[serde(default, rename = "type")]
    pub kind: Option<String>,
    #[serde(default)]
    pub title: Option<String>,
    #[serde(default)]
    pub detail: Option<String>,
    #[serde(default)]
    pub reason: Option<String>,
    /// Older (v1.1-style) errors: a number and a message.
    #[serde(default)]
    pub code: Option<i64>,
    #[serde(default)]
    pub message: Option<String>,
    /// In partial errors: what was left out (`tweet`, `user`) and its id.
    #[serde(default)]
    pub resource_type: Option<String>,
    #[serde(default)]
    pub value: Option<serde_json::Value>,
    #[serde(default)]
    pub errors: Vec<Problem>,
}

impl Problem {
    /// The problem's `type` without X's URL prefix (`usage-capped`, `client-forbidden`).
    pub fn type_name(&self) -> &str {
        self.kind
            .as_deref()
            .and_then(|t| t.rsplit('/').next())
            .unwrap_or_default()
    }

    /// Everything X said in words, for matching and quoting.
    pub fn words(&self) -> String {
        let mut parts: Vec<&str> = [&self.title, &self.detail, &self.message]
            .into_iter()
            .filter_map(|s| s.as_deref())
            .collect();
        parts.extend(self.errors.iter().filter_map(|e| e.message.as_deref()));
        parts.dedup();
        parts.join(": ")
    }

    fn is_suspension(&self) -> bool {
        let words = self.words().to_lowercase();
        // 64: "your account is suspended"; 326: "this account is temporarily locked".
        words.contains("suspended")
            || words.contains("temporarily locked")
            || self.errors.iter().any(|e| matches!(e.code, Some(64 | 326)))
    }

    /// A partial error of a 200 response as one line for `Batch::rejected`.
    pub fn partial(&self) -> String {
        let what = match (&self.resource_type, &self.value) {
            (Some(kind), Some(serde_json::Value::String(id))) => format!("{kind} {id}"),
            (Some(kind), Some(value)) => format!("{kind} {value}"),
            (Some(kind), None) => kind.clone(),
            (None, _) => "a part of the response".to_owned(),
        };
        format!("X left out {what}: {}", self.words())
    }
}

/// Reads X's error responses; the fallback is [`http::classify`].
pub fn classify(failure: &Failure) -> ConnectorError {
    let problem: Problem = serde_json::from_str(&failure.body).unwrap_or_default();
    let said = match problem.words() {
        words if words.is_empty() => String::new(),
        words => format!(" (X said: {})", shorten(&words)),
    };
    let advice = |kind, text: &str| ConnectorError::new(kind, format!("{text}{said}"));
    match (failure.status, problem.type_name()) {
        (_, "usage-capped") => advice(
            ErrorKind::QuotaSpent,
            "your plan's monthly post cap is spent: X returns no more posts until the cap resets with the next billing period; upgrade the plan in the developer portal or wait",
        ),
        (StatusCode::TOO_MANY_REQUESTS, _) if header_is_zero(failure, "x-user-limit-24hour-remaining") => {
            advice(
                ErrorKind::QuotaSpent,
                "the account's 24-hour post limit on X is spent; posting works again when it resets",
            )
            .with_retry_after(reset_in(failure, "x-user-limit-24hour-reset"))
        }
        (StatusCode::TOO_MANY_REQUESTS, _) if header_is_zero(failure, "x-app-limit-24hour-remaining") => {
            advice(
                ErrorKind::QuotaSpent,
                "the app's 24-hour post limit on X is spent; posting works again when it resets",
            )
            .with_retry_after(reset_in(failure, "x-app-limit-24hour-reset"))
        }
        (StatusCode::UNAUTHORIZED, _) => advice(
            ErrorKind::TokenExpired,
            "X refused the token (401): it is wrong, expired (OAuth 2.0 user tokens last two hours) or revoked; make a new one in the X developer portal and store it with `omdomme sources credential set`",
        ),
        (_, "client-forbidden") | (StatusCode::FORBIDDEN, _)
            if problem.reason.as_deref() == Some("client-not-enrolled") =>
        {
            advice(
                ErrorKind::ScopeMissing,
                "X says the app is not enrolled for this endpoint (client-not-enrolled): in the X developer portal, attach the app to a Project on a plan that includes it",
            )
        }
        (_, "unsupported-authentication") => advice(
            ErrorKind::ScopeMissing,
            "this X endpoint needs a user-context token: store the credential as {\"bearer\": \"…\", \"user_token\": \"…\"} with a user token that has the scopes tweet.read, tweet.write, users.read (and media.write for images)",
        ),
        (StatusCode::FORBIDDEN, _) if problem.is_suspension() => advice(
            ErrorKind::AccountSuspended,
            "X has suspended or locked the account: sign in on x.com to see why and appeal; nothing can be read or posted until X lifts it",
        ),
        (StatusCode::FORBIDDEN, _) if problem.words().to_lowercase().contains("duplicate") => {
            advice(
                ErrorKind::BadPayload,
                "X refused the post as a duplicate of one the account already sent; change the text",
            )
        }
        (StatusCode::FORBIDDEN, _) => advice(
            ErrorKind::ScopeMissing,
            "X refused access (403): the token lacks a scope this call needs (tweet.read and users.read to search; tweet.write to post; media.write for images), or the plan does not include the endpoint",
        ),
        (StatusCode::NOT_FOUND | StatusCode::GONE, _) => advice(
            ErrorKind::EndpointRetired,
            &format!(
                "X answered {} for this endpoint: it was retired or moved; check the source's `base_url` and X's API changelog",
                failure.status.as_u16()
            ),
        ),
        (StatusCode::BAD_REQUEST, _) => advice(
            ErrorKind::Config,
            "X rejected the request as invalid",
        ),
        _ => http::classify(failure),
    }
}

/// A problem X reported inside a 200 response for a single resource we asked for.
pub fn missing_resource(problem: &Problem) -> ConnectorError {
    if problem.is_suspension() {
        return ConnectorError::new(
            ErrorKind::AccountSuspended,
            format!(
                "X withholds the post because its account is suspended ({})",
                shorten(&problem.words())
            ),
        );
    }
    ConnectorError::new(
        ErrorKind::EndpointRetired,
        format!(
            "X has no such post any more: it was deleted or made private ({})",
            shorten(&problem.words())
        ),
    )
}

fn header_is_zero(failure: &Failure, name: &str) -> bool {
    failure
        .headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.trim() == "0")
}

fn reset_in(failure: &Failure, name: &str) -> Option<Duration> {
    let epoch: i64 = failure
        .headers
        .get(name)?
        .to_str()
        .ok()?
        .trim()
        .parse()
        .ok()?;
    // The reset is epoch seconds; this module has no clock, so the header's own `date`
    // (which X always sends) is "now".
    let now = failure
        .headers
        .get(reqwest::header::DATE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| jiff::fmt::rfc2822::parse(v).ok())
        .map(|z| z.timestamp().as_second())?;
    Some(Duration::from_secs((epoch - now).clamp(0, 24 * 3600) as u64))
}
