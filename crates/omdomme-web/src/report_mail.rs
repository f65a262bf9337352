//! The leadership report by e-mail: the loop `serve` runs (every minute: which workspaces'
//! report is due, [`omdomme_report::schedule::due`]) and the one sending both it and the
//! report page's "send now" use: recipients, the claim in the store, the report as HTML
//! body with its PDF attached, through [`AppState::mailer`], the outcome recorded.
//!
//! A scheduled period is claimed in the store before anything is sent, so a restart never
//! sends it twice; a failure (no mailer, no recipients, the SMTP server refused) is recorded
//! with its reason and tried again [`RETRY_AFTER`] later, at most [`MAX_ATTEMPTS`] times.

use std::time::Duration;

use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};
use omdomme_alerts::mail::{Attachment, Mail};
use omdomme_core::Workspace;
use omdomme_report::Period;
use omdomme_report::view::ReportView;
use omdomme_store::{NewReportSend, ReportSchedule, Role, UiLanguage};

use crate::AppState;
use crate::pages::workspace_link;

/// How often the loop looks for a due report.
pub const CHECK_INTERVAL: Duration = Duration::from_secs(60);
/// A failed scheduled sending is tried again after this long, at most this many times.
pub const RETRY_AFTER: SignedDuration = SignedDuration::from_mins(30);
pub const MAX_ATTEMPTS: u32 = 3;

/// Who asked for a sending: the schedule or a person.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Trigger {
    Schedule,
    /// "Send now", by the e-mail of who pressed it.
    Person(String),
}

/// What became of a request to send.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    Sent {
        recipients: usize,
    },
    /// Recorded as failed, with the reason.
    Failed(String),
    /// The period's scheduled sending is already done, under way or waiting for its retry.
    AlreadyClaimed,
}

/// Sends every report due at `now`; what each sending came to is in the store.
pub async fn send_due(state: &AppState, now: Timestamp) -> Result<(), String> {
    let zone = zone(state)?;
    let schedules = state
        .store
        .report_schedules()
        .await
        .map_err(|e| e.to_string())?;
    for (id, schedule) in schedules {
        let period = match omdomme_report::schedule::due(schedule.cadence, now, &zone) {
            Ok(Some(period)) => period,
            Ok(None) => continue,
            Err(error) => {
                tracing::warn!(workspace = %id.0, %error, "no period for the scheduled report");
                continue;
            }
        };
        let Some(workspace) = state
            .store
            .workspace(&id)
            .await
            .map_err(|e| e.to_string())?
        else {
            continue;
        };
        match send(
            state,
            &workspace,
            &schedule,
            &period,
            Trigger::Schedule,
            now,
        )
        .await
        {
            Ok(Outcome::Failed(reason)) => {
                tracing::warn!(workspace = %id.0, period = %period.label, %reason, "the scheduled report was not sent");
            }
            Ok(Outcome::Sent { recipients }) => {
                tracing::info!(workspace = %id.0, period = %period.label, recipients, "sent the scheduled report");
            }
            Ok(Outcome::AlreadyClaimed) => {}
            Err(error) => {
                tracing::warn!(workspace = %id.0, period = %period.label, %error, "the scheduled report could not be recorded");
            }
        }
    }
    Ok(())
}

fn zone(state: &AppState) -> Result<TimeZone, String> {
    TimeZone::get(&state.config.time_zone)
        .map_err(|_| format!("time zone `{}` is not known", state.config.time_zone))
}

/// The schedule's recipients: the users with the leader role (if it says so) and the listed
/// addresses, in lower case, each once.
pub async fn recipients(
    state: &AppState,
    schedule: &ReportSchedule,
) -> Result<Vec<String>, String> {
    let mut to: Vec<String> = Vec::new();
    if schedule.to_leaders {
        let users = state.store.users().await.map_err(|e| e.to_string())?;
        to.extend(
            users
                .into_iter()
                .filter(|u| u.role == Role::Leader)
                .map(|u| u.email.to_lowercase()),
        );
    }
    to.extend(schedule.addresses.iter().map(|a| a.to_lowercase()));
    let mut seen = std::collections::HashSet::new();
    to.retain(|a| seen.insert(a.clone()));
    Ok(to)
}

/// Sends the report of `period` as the schedule says (language, recipients), recording the
/// attempt; `Err` only when the store could not record it.
pub async fn send(
    state: &AppState,
    workspace: &Workspace,
    schedule: &ReportSchedule,
    period: &Period,
    trigger: Trigger,
    now: Timestamp,
) -> Result<Outcome, String> {
    let to = recipients(state, schedule).await?;
    let retry_failed_before = now.checked_sub(RETRY_AFTER).map_err(|e| e.to_string())?;
    let claim = NewReportSend {
        period: period.label.clone(),
        scheduled: trigger == Trigger::Schedule,
        language: schedule.language,
        recipients: to.clone(),
        requested_by: match &trigger {
            Trigger::Schedule => "system".to_owned(),
            Trigger::Person(email) => email.clone(),
        },
        at: now,
        retry_failed_before,
        max_attempts: MAX_ATTEMPTS,
    };
    let Some(id) = state
        .store
        .begin_report_send(&workspace.id, &claim)
        .await
        .map_err(|e| e.to_string())?
    else {
        return Ok(Outcome::AlreadyClaimed);
    };
    let result = deliver(state, workspace, schedule.language, period, &to, now).await;
    state
        .store
        .finish_report_send(&workspace.id, id, result.clone(), state.clock.now())
        .await
        .map_err(|e| e.to_string())?;
    Ok(match result {
        Ok(()) => Outcome::Sent {
            recipients: to.len(),
        },
        Err(reason) => Outcome::Failed(reason),
    })
}

/// Builds, renders and mails the report; the reason when it could not.
async fn deliver(
    state: &AppState,
    workspace: &Workspace,
    language: UiLanguage,
    period: &Period,
    to: &[String],
    now: Timestamp,
) -> Result<(), String> {
    let Some(mailer) = state.mailer.clone() else {
        return Err(omdomme_alerts::mail::MailError::NotConfigured.to_string());
    };
    if to.is_empty() {
        return Err(
            "no recipients: no user has the leader role and no address is listed".to_owned(),
        );
    }
    let zone = zone(state)?;
    let report = omdomme_report::build(
        state.store.as_ref(),
        workspace,
        period,
        now,
        &state.config.time_zone,
    )
    .await
    .map_err(|e| format!("building the report: {e}"))?;
    let view = ReportView::new(&report, language, &zone);
    let html = omdomme_report::html::render(&view).map_err(|e| e.to_string())?;
    let text = plain_text(&view, &link(state, workspace, period, language));
    let subject = format!("{} · {}", view.title, view.workspace);
    // Typesetting takes a few hundred milliseconds of CPU: off the async workers.
    let pdf = tokio::task::spawn_blocking(move || omdomme_report::pdf::render(&view))
        .await
        .map_err(|e| format!("making the PDF: {e}"))?
        .map_err(|e| e.to_string())?;
    let mail = Mail {
        to: to.to_vec(),
        subject,
        text,
        html,
    };
    let attachment = Attachment {
        filename: format!(
            "omdomme-{}-{}-{}.pdf",
            sanitized(&workspace.id.0),
            period.label,
            language.as_str()
        ),
        content_type: "application/pdf".to_owned(),
        bytes: pdf,
    };
    mailer
        .send_with_attachments(&mail, &[attachment])
        .await
        .map_err(|e| e.to_string())
}

/// The report page of the period, on the address users reach the app at.
fn link(state: &AppState, workspace: &Workspace, period: &Period, language: UiLanguage) -> String {
    format!(
        "{}{}?period={}&lang={}",
        state.config.public_url.trim_end_matches('/'),
        workspace_link(&workspace.id, "report"),
        period.label,
        language.as_str()
    )
}

/// A workspace id as a file name: letters, digits and `-` kept, the rest `_`.
fn sanitized(id: &str) -> String {
    id.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// The plain-text part: the title, the headline figures, the actions and the link.
fn plain_text(view: &ReportView, link: &str) -> String {
    let mut text = format!("{}\n{} · {}\n\n", view.title, view.workspace, view.dates);
    if view.synthetic {
        text.push_str(view.t.synthetic);
        text.push_str("\n\n");
    }
    text.push_str(view.t.headline);
    text.push('\n');
    for kpi in &view.kpis {
        text.push_str(&format!("- {}: {} {}\n", kpi.label, kpi.value, kpi.change));
    }
    if !view.actions.is_empty() {
        text.push('\n');
        text.push_str(view.t.actions);
        text.push('\n');
        for (i, action) in view.actions.iter().enumerate() {
            text.push_str(&format!("{}. {action}\n", i + 1));
        }
    }
    text.push('\n');
    text.push_str(link);
    text.push('\n');
    text
}
