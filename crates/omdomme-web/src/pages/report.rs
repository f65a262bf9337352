//! `/w/{ws}/report?period=...&lang=...[&format=pdf]`: the leadership report of a week or a
//! month (default: last week), the same document `omdomme report` writes and the scheduled
//! e-mail sends, shown in the app's layout, with its PDF for download.
//!
//! Leader and admin only: the report gathers the workspace's figures, its goals and its
//! owners, and recommends actions for the leadership group.

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use omdomme_report::view::ReportView;
use omdomme_report::{Period, ReportError};
use omdomme_store::{Role, UiLanguage};
use serde::Deserialize;

use super::leadership::{self, LeadershipTexts};
use super::setup::NavLink;
use super::{Page, PageError, Section, render};
use crate::csrf::AppForm;
use crate::error::AppError;
use crate::extract::AppQuery;
use crate::i18n::texts;
use crate::{AppState, texts};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/w/{ws}/report", get(show))
        .route("/w/{ws}/report/email", get(show_email).post(save_schedule))
        .route("/w/{ws}/report/email/send", post(send_now))
}

texts!(pub ReportPageTexts {
    title: "Ledelsesrapport" / "Leadership report",
    period: "Periode" / "Period",
    period_hint: "En uke (2026-W47), en måned (2026-11), last-week eller last-month" / "A week (2026-W47), a month (2026-11), last-week or last-month",
    language: "Språk" / "Language",
    show: "Vis" / "Show",
    last_week: "Forrige uke" / "Last week",
    last_month: "Forrige måned" / "Last month",
    download_pdf: "Last ned PDF" / "Download PDF",
    email_link: "Send rapporten på e-post" / "E-mail the report",
    no_own_brand: "Arbeidsområdet har ingen egen merkevare. Legg den til under Oppsett → Merkevarer og søk." / "The workspace has no own brand. Add it under Setup → Brands and queries.",
});

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReportParams {
    period: Option<String>,
    lang: Option<String>,
    format: Option<String>,
}

#[derive(askama::Template)]
#[template(path = "report.html")]
struct ReportTemplate<'a> {
    t: &'static ReportPageTexts,
    page: &'a Page,
    // == leadership nav (issue 7, index2) ==
    lt: &'static LeadershipTexts,
    nav: Vec<NavLink>,
    period: String,
    lang: &'static str,
    last_week_href: String,
    last_month_href: String,
    pdf_href: String,
    email_href: String,
    message: Option<&'static str>,
    /// The report in words, laid out by the report crate's `report_body.html`, which this
    /// template includes (see askama.toml): escaped here like every page.
    v: Option<ReportView>,
}

fn query_value(value: &str) -> String {
    value
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b == b'-' {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

async fn show(
    State(state): State<AppState>,
    mut page: Page,
    params: Result<AppQuery<ReportParams>, AppError>,
) -> Result<Response, PageError> {
    page.require(Role::Leader)?;
    page.section = Some(Section::Leadership);
    let AppQuery(params) = params?;
    let t = texts::<ReportPageTexts>(page.language);
    let ws = page.workspace()?.clone();
    let period_text = params
        .period
        .as_deref()
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .unwrap_or("last-week")
        .to_owned();
    let language = match params.lang.as_deref().map(str::trim) {
        None | Some("") => page.language,
        Some(code) => UiLanguage::parse(code).ok_or_else(|| {
            AppError::BadRequest(format!("parameter `lang`: `{code}` is not nb or en"))
        })?,
    };
    let pdf = match params.format.as_deref().map(str::trim) {
        None | Some("") | Some("html") => false,
        Some("pdf") => true,
        Some(other) => {
            return Err(AppError::BadRequest(format!(
                "parameter `format`: `{other}` is not html or pdf"
            ))
            .into());
        }
    };
    let zone = page.fmt.zone.clone();
    let period = Period::parse(&period_text, page.now, &zone)
        .map_err(|e| AppError::BadRequest(e.to_string()))?;
    let base = page.ws_link("report");
    let href = |period: &str, extra: &str| {
        format!(
            "{base}?period={}&lang={}{extra}",
            query_value(period),
            language.as_str()
        )
    };
    let report = omdomme_report::build(
        state.store.as_ref(),
        &ws,
        &period,
        page.now,
        &state.config.time_zone,
    )
    .await;
    let (message, view) = match report {
        Ok(report) => (None, Some(ReportView::new(&report, language, &zone))),
        Err(ReportError::NoOwnBrand(_)) => (Some(t.no_own_brand), None),
        Err(e) => return Err(AppError::internal(format!("building the report: {e}")).into()),
    };
    if pdf {
        let Some(view) = view else {
            return Err(AppError::BadRequest(t.no_own_brand.to_owned()).into());
        };
        // Typesetting takes a few hundred milliseconds of CPU: off the async workers.
        let bytes = tokio::task::spawn_blocking(move || omdomme_report::pdf::render(&view))
            .await
            .map_err(AppError::internal)?
            .map_err(AppError::internal)?;
        let filename = format!(
            "omdomme-{}-{}-{}.pdf",
            query_value(&ws.id.0),
            period.label,
            language.as_str()
        );
        let mut response = bytes.into_response();
        let headers = response.headers_mut();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/pdf"),
        );
        headers.insert(
            header::CONTENT_DISPOSITION,
            HeaderValue::from_str(&format!("attachment; filename=\"{filename}\""))
                .map_err(AppError::internal)?,
        );
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        return Ok(response);
    }
    render(&ReportTemplate {
        t,
        page: &page,
        lt: texts::<LeadershipTexts>(page.language),
        nav: leadership::nav(&page, "report"),
        period: period_text.clone(),
        lang: language.as_str(),
        last_week_href: href("last-week", ""),
        last_month_href: href("last-month", ""),
        pdf_href: href(&period_text, "&format=pdf"),
        email_href: page.ws_link("report/email"),
        message,
        v: view,
    })
}

// == The report by e-mail: the schedule and "send now" ==

texts!(pub ReportEmailTexts {
    title: "Rapporten på e-post" / "The report by e-mail",
    intro: "Ledergruppen kan få rapporten på e-post: forrige uke hver mandag kl. 07.00, eller forrige måned den 1. kl. 07.00, med PDF-en vedlagt." / "The leadership group can get the report by e-mail: last week every Monday at 07:00, or last month on the 1st at 07:00, with the PDF attached.",
    back: "Tilbake til rapporten" / "Back to the report",
    no_mailer: "E-post er ikke satt opp på serveren ([smtp] i konfigurasjonen). Utsendelser registreres som feilet til det er gjort." / "E-mail is not set up on the server ([smtp] in the configuration). Sendings are recorded as failed until it is.",
    schedule: "Fast utsendelse" / "Schedule",
    cadence: "Hvor ofte" / "How often",
    off: "Ikke automatisk" / "Not automatically",
    weekly: "Ukentlig (mandag kl. 07.00, forrige uke)" / "Weekly (Monday 07:00, last week)",
    monthly: "Månedlig (den 1. kl. 07.00, forrige måned)" / "Monthly (the 1st at 07:00, last month)",
    language: "Språk" / "Language",
    to_leaders: "Send til alle brukere med lederrollen" / "Send to every user with the leader role",
    leaders_now: "Ledere nå" / "Leaders now",
    no_leaders: "ingen" / "none",
    addresses: "Andre adresser (én per linje)" / "Other addresses (one per line)",
    save: "Lagre" / "Save",
    saved: "Lagret." / "Saved.",
    bad_address: "Ikke en e-postadresse" / "Not an e-mail address",
    too_many: "For mange adresser (høyst 50)" / "Too many addresses (at most 50)",
    send_now: "Send nå" / "Send now",
    send_now_intro: "Sender rapporten for perioden til mottakerne over, nå." / "Sends the report of the period to the recipients above, now.",
    period: "Periode" / "Period",
    sent: "Sendt til {n} mottakere." / "Sent to {n} recipients.",
    failed: "Ikke sendt: {reason}" / "Not sent: {reason}",
    history: "Utsendelser" / "Sendings",
    none_yet: "Ingen utsendelser ennå." / "Nothing sent yet.",
    col_period: "Periode" / "Period",
    col_when: "Tidspunkt" / "When",
    col_by: "Av" / "By",
    col_to: "Mottakere" / "Recipients",
    col_state: "Status" / "State",
    by_schedule: "fast utsendelse" / "schedule",
    state_sending: "sendes" / "sending",
    state_sent: "sendt" / "sent",
    state_failed: "feilet" / "failed",
});

/// Sendings the page lists.
const SENDS_SHOWN: usize = 20;

#[derive(Debug, Default, Deserialize)]
pub struct ScheduleForm {
    cadence: Option<String>,
    language: Option<String>,
    to_leaders: Option<String>,
    addresses: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
pub struct SendForm {
    period: Option<String>,
    language: Option<String>,
}

struct SendRow {
    period: String,
    when: String,
    by: String,
    to: String,
    state: &'static str,
    state_class: &'static str,
    detail: String,
}

#[derive(askama::Template)]
#[template(path = "report_email.html")]
struct ReportEmailTemplate<'a> {
    t: &'static ReportEmailTexts,
    page: &'a Page,
    report_href: String,
    has_mailer: bool,
    cadence: &'static str,
    language: &'static str,
    to_leaders: bool,
    leaders: String,
    addresses: String,
    problem: Option<String>,
    notice: Option<String>,
    sends: Vec<SendRow>,
}

/// The stored schedule, or the one a workspace starts with: off, bokmål, to the leaders.
async fn schedule_of(
    state: &AppState,
    page: &Page,
) -> Result<omdomme_store::ReportSchedule, PageError> {
    let ws = page.workspace()?;
    Ok(state
        .store
        .report_schedule(&ws.id)
        .await?
        .unwrap_or_else(|| omdomme_store::ReportSchedule {
            cadence: omdomme_store::Cadence::Off,
            language: UiLanguage::Nb,
            to_leaders: true,
            addresses: Vec::new(),
            updated_by: String::new(),
            updated_at: page.now,
        }))
}

/// Fields as typed, kept when refused.
struct Typed {
    cadence: &'static str,
    language: &'static str,
    to_leaders: bool,
    addresses: String,
}

async fn render_email(
    state: &AppState,
    page: &Page,
    typed: Option<Typed>,
    problem: Option<String>,
    notice: Option<String>,
) -> Result<Response, PageError> {
    let t = texts::<ReportEmailTexts>(page.language);
    let ws = page.workspace()?.id.clone();
    let schedule = schedule_of(state, page).await?;
    let typed = typed.unwrap_or_else(|| Typed {
        cadence: schedule.cadence.as_str(),
        language: schedule.language.as_str(),
        to_leaders: schedule.to_leaders,
        addresses: schedule.addresses.join("\n"),
    });
    let leaders: Vec<String> = state
        .store
        .users()
        .await?
        .into_iter()
        .filter(|u| u.role == Role::Leader)
        .map(|u| u.email)
        .collect();
    let sends = state
        .store
        .report_sends(&ws, SENDS_SHOWN)
        .await?
        .into_iter()
        .map(|s| {
            let (state, state_class) = match s.state {
                omdomme_store::SendState::Sending => (t.state_sending, "pending"),
                omdomme_store::SendState::Sent => (t.state_sent, "ok"),
                omdomme_store::SendState::Failed => (t.state_failed, "error"),
            };
            SendRow {
                period: s.period,
                when: page.fmt.datetime(&s.finished_at.unwrap_or(s.started_at)),
                by: if s.scheduled {
                    t.by_schedule.to_owned()
                } else {
                    s.requested_by
                },
                to: s.recipients.join(", "),
                state,
                state_class,
                detail: s.detail,
            }
        })
        .collect();
    render(&ReportEmailTemplate {
        t,
        page,
        report_href: page.ws_link("report"),
        has_mailer: state.mailer.is_some(),
        cadence: typed.cadence,
        language: typed.language,
        to_leaders: typed.to_leaders,
        leaders: if leaders.is_empty() {
            t.no_leaders.to_owned()
        } else {
            leaders.join(", ")
        },
        addresses: typed.addresses,
        problem,
        notice,
        sends,
    })
}

/// `GET /w/{ws}/report/email`: the schedule, "send now" and the sendings.
async fn show_email(State(state): State<AppState>, mut page: Page) -> Result<Response, PageError> {
    page.require(Role::Leader)?;
    page.section = Some(Section::Leadership);
    render_email(&state, &page, None, None, None).await
}

/// Whether `address` looks like an e-mail address: one `@` between a local part and a
/// domain with a dot, no spaces or angle brackets. The mailer checks it fully when sending.
fn plausible_address(address: &str) -> bool {
    let Some((local, domain)) = address.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !domain.contains('@')
        && address.len() <= omdomme_store::report_schedule::MAX_ADDRESS_CHARS
        && !address.chars().any(|c| {
            c.is_whitespace() || c.is_control() || matches!(c, '<' | '>' | ',' | ';' | '"')
        })
}

/// `POST /w/{ws}/report/email`: stores the schedule (audited by the store).
async fn save_schedule(
    State(state): State<AppState>,
    mut page: Page,
    form: Result<AppForm<ScheduleForm>, PageError>,
) -> Result<Response, PageError> {
    page.require(Role::Leader)?;
    page.section = Some(Section::Leadership);
    let AppForm(form) = form?;
    let t = texts::<ReportEmailTexts>(page.language);
    let cadence_text = form.cadence.unwrap_or_default();
    let cadence = omdomme_store::Cadence::parse(cadence_text.trim()).ok_or_else(|| {
        AppError::BadRequest(format!(
            "field `cadence`: `{cadence_text}` is not off, weekly or monthly"
        ))
    })?;
    let language_text = form.language.unwrap_or_default();
    let language = UiLanguage::parse(language_text.trim()).ok_or_else(|| {
        AppError::BadRequest(format!(
            "field `language`: `{language_text}` is not nb or en"
        ))
    })?;
    let to_leaders = form.to_leaders.is_some_and(|v| !v.trim().is_empty());
    let typed_addresses = form.addresses.unwrap_or_default();
    let mut addresses: Vec<String> = Vec::new();
    let mut problem = None;
    for address in typed_addresses
        .split(['\n', ',', ';'])
        .map(str::trim)
        .filter(|a| !a.is_empty())
    {
        if !plausible_address(address) {
            problem = Some(format!("{}: {address}", t.bad_address));
            break;
        }
        let address = address.to_lowercase();
        if !addresses.contains(&address) {
            addresses.push(address);
        }
    }
    if problem.is_none() && addresses.len() > omdomme_store::report_schedule::MAX_REPORT_ADDRESSES {
        problem = Some(t.too_many.to_owned());
    }
    if let Some(problem) = problem {
        let typed = Typed {
            cadence: cadence.as_str(),
            language: language.as_str(),
            to_leaders,
            addresses: typed_addresses,
        };
        return render_email(&state, &page, Some(typed), Some(problem), None).await;
    }
    let ws = page.workspace()?.id.clone();
    let detail = format!(
        "cadence {}, language {}, to leaders {}, addresses {}",
        cadence.as_str(),
        language.as_str(),
        to_leaders,
        addresses.join(" ")
    );
    state
        .store
        .put_report_schedule(
            &ws,
            &omdomme_store::ReportSchedule {
                cadence,
                language,
                to_leaders,
                addresses,
                updated_by: page.user.email.clone(),
                updated_at: page.now,
            },
            &detail,
        )
        .await?;
    render_email(&state, &page, None, None, Some(t.saved.to_owned())).await
}

/// `POST /w/{ws}/report/email/send`: sends the period's report to the schedule's
/// recipients now, and says what came of it.
async fn send_now(
    State(state): State<AppState>,
    mut page: Page,
    form: Result<AppForm<SendForm>, PageError>,
) -> Result<Response, PageError> {
    page.require(Role::Leader)?;
    page.section = Some(Section::Leadership);
    let AppForm(form) = form?;
    let t = texts::<ReportEmailTexts>(page.language);
    let ws = page.workspace()?.clone();
    let period_text = form
        .period
        .as_deref()
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .unwrap_or("last-week")
        .to_owned();
    let period = Period::parse(&period_text, page.now, &page.fmt.zone)
        .map_err(|e| AppError::BadRequest(format!("field `period`: {e}")))?;
    let mut schedule = schedule_of(&state, &page).await?;
    if let Some(code) = form
        .language
        .as_deref()
        .map(str::trim)
        .filter(|c| !c.is_empty())
    {
        schedule.language = UiLanguage::parse(code).ok_or_else(|| {
            AppError::BadRequest(format!("field `language`: `{code}` is not nb or en"))
        })?;
    }
    let outcome = crate::report_mail::send(
        &state,
        &ws,
        &schedule,
        &period,
        crate::report_mail::Trigger::Person(page.user.email.clone()),
        page.now,
    )
    .await
    .map_err(AppError::internal)?;
    let (problem, notice) = match outcome {
        crate::report_mail::Outcome::Sent { recipients } => {
            (None, Some(t.sent.replace("{n}", &recipients.to_string())))
        }
        crate::report_mail::Outcome::Failed(reason) => {
            (Some(t.failed.replace("{reason}", &reason)), None)
        }
        // "Send now" is never refused as a repeat.
        crate::report_mail::Outcome::AlreadyClaimed => (None, None),
    };
    render_email(&state, &page, None, problem, notice).await
}
