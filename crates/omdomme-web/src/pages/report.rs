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
use axum::routing::get;
use omdomme_report::view::ReportView;
use omdomme_report::{Period, ReportError};
use omdomme_store::{Role, UiLanguage};
use serde::Deserialize;

use super::leadership::{self, LeadershipTexts};
use super::setup::NavLink;
use super::{Page, PageError, Section, render};
use crate::error::AppError;
use crate::extract::AppQuery;
use crate::i18n::texts;
use crate::{AppState, texts};

pub fn routes() -> Router<AppState> {
    Router::new().route("/w/{ws}/report", get(show))
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
    message: Option<&'static str>,
    /// The report crate's HTML: every text in it escaped by its template, the charts from
    /// omdomme-charts.
    body: Option<String>,
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
    page.section = Some(Section::Report);
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
    let body = match &view {
        Some(view) => {
            Some(omdomme_report::html::render_fragment(view).map_err(AppError::internal)?)
        }
        None => None,
    };
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
        message,
        body,
    })
}
