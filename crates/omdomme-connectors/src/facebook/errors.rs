//! Graph API errors in words that say what to do.
//!
//! Every error body is `{"error": {"message", "type", "code", "error_subcode", ...}}`;
//! the code, not the HTTP status, says what happened (rate limits come as 400 or 403).
//! Usage headers (`X-App-Usage`, `X-Page-Usage`, `X-Business-Use-Case-Usage`) report how
//! much of each rate-limit budget is spent, in percent.

use std::time::Duration;

use reqwest::header::HeaderMap;
use serde::Deserialize;

use crate::error::{ConnectorError, ErrorKind};
use crate::http::{self, Failure, shorten};

#[derive(Debug, Default, Deserialize)]
struct Body {
    #[serde(default)]
    error: Option<GraphError>,
}

#[derive(Debug, Default, Deserialize)]
struct GraphError {
    #[serde(default)]
    message: String,
    #[serde(default, rename = "type")]
    kind: String,
    #[serde(default)]
    code: Option<i64>,
    #[serde(default)]
    error_subcode: Option<i64>,
}

/// The permissions this connector can need, named in advice when Facebook does not say.
const PERMISSIONS: &str = "pages_read_engagement and pages_read_user_content to read the feed and comments, pages_manage_posts to post, pages_manage_engagement to reply, read_insights for reach";

/// Reads Graph API error responses; the fallback is [`http::classify`].
pub fn classify(failure: &Failure) -> ConnectorError {
    let Some(error) = serde_json::from_str::<Body>(&failure.body)
        .ok()
        .and_then(|b| b.error)
    else {
        return http::classify(failure);
    };
    let code = error.code.unwrap_or_default();
    let subcode = error.error_subcode.unwrap_or_default();
    let said = format!(
        " (Facebook said: {} [{} {code}{}])",
        shorten(&error.message),
        if error.kind.is_empty() {
            "code"
        } else {
            &error.kind
        },
        if subcode == 0 {
            String::new()
        } else {
            format!("/{subcode}")
        }
    );
    let advice = |kind, text: String| ConnectorError::new(kind, format!("{text}{said}"));
    let lower = error.message.to_lowercase();
    match code {
        190 | 102 => {
            let why = match subcode {
                463 => "expired",
                460 => "invalidated because the person who made it changed their password",
                467 => "invalidated (the person logged out or the session ended)",
                458 => "invalidated because the app was removed from the account",
                464 | 459 => "refused until the person signs in to Facebook and confirms their account",
                _ => "invalid, expired or revoked",
            };
            advice(
                ErrorKind::TokenExpired,
                format!(
                    "the page access token was {why}: make a new long-lived page token and store it with `omdomme sources credential set`"
                ),
            )
        }
        10 | 200..=299 => {
            let named = permissions_named(&error.message);
            let which = if named.is_empty() {
                format!("the one this call needs ({PERMISSIONS})")
            } else {
                named.join(", ")
            };
            advice(
                ErrorKind::ScopeMissing,
                format!(
                    "the page token lacks a permission: grant {which} to the app, make a new page token and store it"
                ),
            )
        }
        4 | 17 | 32 | 613 | 80001 => advice(
            ErrorKind::RateLimited,
            format!(
                "Facebook's rate limit for this {} is used up; collection resumes when it has recovered",
                match code {
                    4 => "app",
                    17 => "user",
                    32 | 80001 => "page",
                    _ => "endpoint",
                }
            ),
        )
        .with_retry_after(usage(&failure.headers).regain),
        368 => advice(
            ErrorKind::AccountSuspended,
            "Facebook has blocked or temporarily restricted the page or app from this action for a policy reason: check the page's quality notices in Meta Business Suite and appeal there".to_owned(),
        ),
        12 | 2635 => advice(ErrorKind::EndpointRetired, retired_version()),
        _ if lower.contains("deprecated") && lower.contains("version") => {
            advice(ErrorKind::EndpointRetired, retired_version())
        }
        803 => advice(
            ErrorKind::EndpointRetired,
            "Facebook does not know that page or object: check `page_id`, or the post was deleted".to_owned(),
        ),
        100 if subcode == 33 || lower.contains("does not exist") => advice(
            ErrorKind::EndpointRetired,
            "Facebook does not know that object, or the page token cannot see it: check `page_id`, or the post or comment was deleted".to_owned(),
        ),
        100 if lower.contains("metric") => advice(
            ErrorKind::EndpointRetired,
            "Facebook no longer offers that insights metric: set `reach_metric` to a current one (see the Page Insights reference)".to_owned(),
        ),
        1 | 2 => advice(
            ErrorKind::Unavailable,
            "Facebook had a temporary problem".to_owned(),
        ),
        _ => {
            let mut generic = http::classify(failure);
            if generic.kind == ErrorKind::BadPayload {
                generic.kind = ErrorKind::Config;
            }
            generic
        }
    }
}

fn retired_version() -> String {
    "Facebook no longer serves this Graph API version: raise the source's `api_version` to a current one (see the Graph API changelog)".to_owned()
}

/// Permission names in Facebook's message (`pages_read_engagement`, `read_insights`, ...).
fn permissions_named(message: &str) -> Vec<String> {
    let mut named: Vec<String> = message
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .filter(|w| {
            w.starts_with("pages_")
                || w.starts_with("publish_")
                || matches!(*w, "read_insights" | "business_management" | "manage_pages")
        })
        .map(str::to_owned)
        .collect();
    named.dedup();
    named
}

/// How much of Facebook's rate-limit budgets is spent, from the usage headers.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Usage {
    /// The highest share spent of any budget, in percent.
    pub percent: f64,
    /// When Facebook says access comes back (`estimated_time_to_regain_access`, minutes).
    pub regain: Option<Duration>,
}

/// Reads `X-App-Usage`, `X-Page-Usage`, `X-Ad-Account-Usage` and `X-Business-Use-Case-Usage`.
pub fn usage(headers: &HeaderMap) -> Usage {
    let mut usage = Usage::default();
    let mut read = |value: &serde_json::Value| {
        for key in ["call_count", "total_time", "total_cputime"] {
            if let Some(p) = value.get(key).and_then(serde_json::Value::as_f64) {
                usage.percent = usage.percent.max(p);
            }
        }
        if let Some(minutes) = value
            .get("estimated_time_to_regain_access")
            .and_then(serde_json::Value::as_u64)
            .filter(|m| *m > 0)
        {
            let wait = Duration::from_secs(minutes * 60);
            usage.regain = Some(usage.regain.map_or(wait, |w| w.max(wait)));
        }
    };
    let json = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| serde_json::from_str::<serde_json::Value>(v).ok())
    };
    for name in ["x-app-usage", "x-page-usage", "x-ad-account-usage"] {
        if let Some(value) = json(name) {
            read(&value);
        }
    }
    // `{"<business id>": [{"type": "pages", "call_count": 5, ...}]}`
    if let Some(serde_json::Value::Object(businesses)) = json("x-business-use-case-usage") {
        for entries in businesses.values() {
            for entry in entries.as_array().into_iter().flatten() {
                read(entry);
            }
        }
    }
    usage
}
