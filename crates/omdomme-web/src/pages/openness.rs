//! `/w/{ws}/index?days=30|90|365`: the Engagement & Openness index of the own brand and each
//! competitor over the period, per week as a line chart, and each brand's components with
//! their raw values, scores and links to the items behind them. `/w/{ws}/index/inquiries`
//! lists those items (the inquiries of a brand: all, answered, unanswered, CSR ones).
//!
//! Everything comes from [`omdomme_store::read_index`] (counts kept on write, a few hundred
//! rows per brand for a year) and `omdomme_core::openness`; docs/engagement-openness-index.md
//! is the formula.

use axum::Router;
use axum::extract::State;
use axum::response::Response;
use axum::routing::get;
use jiff::Timestamp;
use omdomme_charts::{LineChart, NumberFormat, Rendered, Series, Tone};
use omdomme_core::openness::{Component, ComponentScore, Missing};
use omdomme_core::{BrandId, BrandRole};
use omdomme_store::{BrandIndex, InquiryFilter, InquiryListRequest, Role, UiLanguage, read_index};
use serde::Deserialize;

use super::leadership::{self, LeadershipTexts};
use super::overview::period::{Period, link_time};
use super::setup::NavLink;
use super::{Page, PageError, Section, render};
use crate::error::AppError;
use crate::extract::AppQuery;
use crate::i18n::texts;
use crate::{AppState, texts};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/w/{ws}/index", get(show))
        .route("/w/{ws}/index/inquiries", get(inquiries))
}

texts!(pub OpennessTexts {
    title: "Åpenhetsindeks" / "Openness index",
    intro: "Hvor åpent hver merkevare svarer offentlig: svarandel, svartid, CSR-spørsmål besvart, dialog og engasjement, fra offentlige data. 0–100; se docs/engagement-openness-index.md for formelen." / "How openly each brand answers in public: response rate, response time, CSR questions answered, dialog and engagement, from public data. 0–100; see docs/engagement-openness-index.md for the formula.",
    period: "Periode" / "Period",
    days: "dager" / "days",
    ranking: "Rangering" / "Ranking",
    brand: "Merkevare" / "Brand",
    index: "Indeks" / "Index",
    own: "egen" / "own",
    no_index: "for lite data" / "not enough data",
    chart_title: "Indeks per uke" / "Index per week",
    chart_summary: "Åpenhetsindeksen per uke for hver merkevare." / "The openness index per week for each brand.",
    chart_empty: "Ingen uke med nok data ennå." / "No week with enough data yet.",
    week: "Uke" / "Week",
    component: "Komponent" / "Component",
    raw: "Verdi" / "Value",
    sample: "Grunnlag" / "Sample",
    score: "Poeng" / "Score",
    weight: "Vekt" / "Weight",
    items: "Innlegg" / "Items",
    too_few: "for få ({have} av {need})" / "too few ({have} of {need})",
    response_rate: "Svarandel på offentlige henvendelser" / "Response rate to public inquiries",
    median_response: "Median svartid" / "Median response time",
    p90_response: "90-persentil svartid" / "p90 response time",
    csr_answered: "CSR-spørsmål besvart offentlig" / "CSR questions answered in public",
    dialog_share: "Dialogandel (svar mot egne innlegg)" / "Dialog share (replies vs broadcast posts)",
    engagement_rate: "Engasjement per innlegg og følger" / "Engagement per post and follower",
    all_inquiries: "alle henvendelser" / "all inquiries",
    unanswered: "ubesvarte" / "unanswered",
    answered: "besvarte" / "answered",
    csr: "CSR-henvendelser" / "CSR inquiries",
    csr_unanswered: "ubesvarte CSR" / "unanswered CSR",
    own_items: "egne innlegg" / "own items",
    no_accounts: "Ingen kontoer registrert: merkevarens egne svar og innlegg kan ikke telles." / "No accounts registered: the brand's own replies and posts cannot be counted.",
    edit_accounts: "Merkevarenes kontoer" / "The brands' accounts",
    inquiries_title: "Henvendelser" / "Inquiries",
    answered_at: "Besvart" / "Answered",
    not_answered: "ikke besvart" / "not answered",
    none: "Ingen henvendelser her i perioden." / "No inquiries here in the period.",
    back: "Tilbake til indeksen" / "Back to the index",
    shown: "Viser de {n} nyeste." / "Showing the {n} newest.",
});

/// The periods offered, in days (today included).
pub const PERIOD_DAYS: [i64; 3] = [30, 90, 365];
const DEFAULT_DAYS: i64 = 90;
/// Inquiries listed on the drill-down page.
const LIST_LIMIT: usize = 100;

#[derive(Debug, Default, Deserialize)]
pub struct IndexParams {
    days: Option<String>,
    brand: Option<String>,
    filter: Option<String>,
}

fn period_days(params: &IndexParams) -> Result<i64, AppError> {
    match params.days.as_deref().map(str::trim) {
        None | Some("") => Ok(DEFAULT_DAYS),
        Some(text) => text
            .parse::<i64>()
            .ok()
            .filter(|d| PERIOD_DAYS.contains(d))
            .ok_or_else(|| {
                AppError::BadRequest(format!("parameter `days`: `{text}` is not 30, 90 or 365"))
            }),
    }
}

#[derive(Clone, Debug)]
pub struct PeriodLink {
    pub days: i64,
    pub href: String,
    pub current: bool,
}

#[derive(Clone, Debug)]
pub struct Link {
    pub label: String,
    pub href: String,
}

#[derive(Clone, Debug)]
pub struct ComponentRow {
    pub key: &'static str,
    pub label: &'static str,
    pub raw: String,
    pub sample: String,
    pub score: String,
    pub weight: String,
    pub links: Vec<Link>,
}

#[derive(Clone, Debug)]
pub struct BrandView {
    pub id: String,
    pub name: String,
    pub own: bool,
    pub index: String,
    pub rows: Vec<ComponentRow>,
    pub has_accounts: bool,
}

#[derive(askama::Template)]
#[template(path = "openness.html")]
struct IndexTemplate<'a> {
    t: &'static OpennessTexts,
    page: &'a Page,
    lt: &'static LeadershipTexts,
    nav: Vec<NavLink>,
    periods: Vec<PeriodLink>,
    ranking: Vec<BrandView>,
    brands: Vec<BrandView>,
    chart: Rendered,
}

fn label(t: &OpennessTexts, c: Component) -> &'static str {
    match c {
        Component::ResponseRate => t.response_rate,
        Component::MedianResponse => t.median_response,
        Component::P90Response => t.p90_response,
        Component::CsrAnswered => t.csr_answered,
        Component::DialogShare => t.dialog_share,
        Component::EngagementRate => t.engagement_rate,
    }
}

fn minutes(page: &Page, m: f64) -> String {
    page.fmt
        .duration(jiff::SignedDuration::from_secs((m * 60.0).round() as i64))
}

/// Scores are shown whole: the formula's anchors are not finer than that.
fn score_text(value: f64) -> String {
    format!("{value:.0}")
}

fn raw_text(page: &Page, c: &ComponentScore) -> String {
    let Some(raw) = c.raw else {
        return "–".to_owned();
    };
    match c.component {
        Component::MedianResponse | Component::P90Response => minutes(page, raw),
        Component::EngagementRate => {
            // Engagement rates are small: two decimals of a percent.
            let text = format!("{:.2} %", raw * 100.0);
            match page.language {
                UiLanguage::Nb => text.replace('.', ","),
                UiLanguage::En => text,
            }
        }
        _ => page.fmt.percent(raw),
    }
}

fn inquiries_href(page: &Page, brand: &BrandId, filter: InquiryFilter, days: i64) -> String {
    let query = form_urlencoded::Serializer::new(String::new())
        .append_pair("brand", &brand.0)
        .append_pair("filter", filter.as_str())
        .append_pair("days", &days.to_string())
        .finish();
    format!("{}?{query}", page.ws_link("index/inquiries"))
}

fn explorer_href(page: &Page, account: &omdomme_store::BrandAccount, period: &Period) -> String {
    let zone = &page.fmt.zone;
    let query = form_urlencoded::Serializer::new(String::new())
        .append_pair("author", &account.handle)
        .append_pair("source", account.kind.as_str())
        .append_pair("from", &link_time(period.from, zone))
        .append_pair("to", &link_time(period.to, zone))
        .append_pair("order", "newest")
        .finish();
    format!("{}?{query}", page.ws_link("explorer"))
}

fn brand_view(
    page: &Page,
    t: &OpennessTexts,
    index: &BrandIndex,
    accounts: &[omdomme_store::BrandAccount],
    period: &Period,
    days: i64,
) -> BrandView {
    let ws = page.workspace.as_ref();
    let brand = ws.and_then(|w| w.brands.iter().find(|b| b.id == index.brand));
    let own_accounts: Vec<&omdomme_store::BrandAccount> =
        accounts.iter().filter(|a| a.brand == index.brand).collect();
    let inquiry_links = |filters: &[(InquiryFilter, &str)]| -> Vec<Link> {
        filters
            .iter()
            .map(|(f, l)| Link {
                label: (*l).to_owned(),
                href: inquiries_href(page, &index.brand, *f, days),
            })
            .collect()
    };
    let rows = index
        .index
        .components
        .iter()
        .map(|c| {
            let links = match c.component {
                Component::ResponseRate => inquiry_links(&[
                    (InquiryFilter::All, t.all_inquiries),
                    (InquiryFilter::Unanswered, t.unanswered),
                ]),
                Component::MedianResponse | Component::P90Response => {
                    inquiry_links(&[(InquiryFilter::Answered, t.answered)])
                }
                Component::CsrAnswered => inquiry_links(&[
                    (InquiryFilter::Csr, t.csr),
                    (InquiryFilter::CsrUnanswered, t.csr_unanswered),
                ]),
                Component::DialogShare | Component::EngagementRate => own_accounts
                    .iter()
                    .map(|a| Link {
                        label: format!("@{} ({})", a.handle, a.kind.as_str()),
                        href: explorer_href(page, a, period),
                    })
                    .collect(),
            };
            let score = match (c.score, c.missing) {
                (Some(s), _) => score_text(s),
                (None, Some(Missing::TooFew { have, need })) => t
                    .too_few
                    .replace("{have}", &have.to_string())
                    .replace("{need}", &need.to_string()),
                (None, None) => "–".to_owned(),
            };
            ComponentRow {
                key: c.component.as_str(),
                label: label(t, c.component),
                raw: raw_text(page, c),
                sample: page.fmt.number(c.sample),
                score,
                weight: format!("{:.0}", c.component.weight()),
                links,
            }
        })
        .collect();
    BrandView {
        id: index.brand.0.clone(),
        name: brand.map_or_else(|| index.brand.0.clone(), |b| b.name.clone()),
        own: brand.is_some_and(|b| b.role == BrandRole::Own),
        index: index
            .index
            .index
            .map_or_else(|| t.no_index.to_owned(), score_text),
        rows,
        has_accounts: !own_accounts.is_empty(),
    }
}

/// The weekly index of every brand as one chart: a week without enough data is a gap.
fn chart(page: &Page, t: &OpennessTexts, indexes: &[BrandIndex], views: &[BrandView]) -> Rendered {
    let mut weeks: Vec<Timestamp> = indexes
        .iter()
        .flat_map(|b| b.weeks.iter().map(|(w, _)| *w))
        .collect();
    weeks.sort();
    weeks.dedup();
    let mut competitor = 0;
    let series = indexes
        .iter()
        .zip(views)
        .map(|(b, view)| {
            let tone = if view.own {
                Tone::Own
            } else {
                competitor += 1;
                Tone::Other(competitor - 1)
            };
            Series {
                name: view.name.clone(),
                values: weeks
                    .iter()
                    .map(|w| {
                        b.weeks
                            .iter()
                            .find(|(start, _)| start == w)
                            .and_then(|(_, i)| i.index)
                            .unwrap_or(f64::NAN)
                    })
                    .collect(),
                links: Vec::new(),
                tone,
            }
        })
        .collect();
    LineChart {
        id: "openness-chart".to_owned(),
        title: t.chart_title.to_owned(),
        summary: t.chart_summary.to_owned(),
        empty_message: t.chart_empty.to_owned(),
        category_title: t.week.to_owned(),
        x_labels: weeks.iter().map(|w| page.fmt.date(w)).collect(),
        series,
        markers: Vec::new(),
        y_format: NumberFormat::Count,
        stacked: false,
    }
    .render()
}

async fn show(
    State(state): State<AppState>,
    mut page: Page,
    params: Result<AppQuery<IndexParams>, AppError>,
) -> Result<Response, PageError> {
    page.require(Role::Viewer)?;
    page.section = Some(Section::Leadership);
    let AppQuery(params) = params?;
    let days = period_days(&params)?;
    let t = texts::<OpennessTexts>(page.language);
    let ws = page.workspace()?.clone();
    let period = Period::preset(days, page.now, &page.fmt.zone)?;
    let indexes = read_index(state.store.as_ref(), &ws.id, period.from, period.to).await?;
    let accounts = state.store.brand_accounts(&ws.id).await?;
    let brands: Vec<BrandView> = indexes
        .iter()
        .map(|i| brand_view(&page, t, i, &accounts, &period, days))
        .collect();
    let chart = chart(&page, t, &indexes, &brands);
    let mut order: Vec<(Option<f64>, BrandView)> = indexes
        .iter()
        .map(|i| i.index.index)
        .zip(brands.iter().cloned())
        .collect();
    // Best first; brands without an index last.
    order.sort_by(|a, b| {
        b.0.unwrap_or(-1.0)
            .partial_cmp(&a.0.unwrap_or(-1.0))
            .unwrap_or(std::cmp::Ordering::Equal)
    });
    let here = page.ws_link("index");
    let periods = PERIOD_DAYS
        .iter()
        .map(|d| PeriodLink {
            days: *d,
            href: format!("{here}?days={d}"),
            current: *d == days,
        })
        .collect();
    render(&IndexTemplate {
        t,
        page: &page,
        lt: texts::<LeadershipTexts>(page.language),
        nav: leadership::nav(&page, "index"),
        periods,
        ranking: order.into_iter().map(|(_, v)| v).collect(),
        brands,
        chart,
    })
}

#[derive(Clone, Debug)]
pub struct InquiryView {
    pub href: String,
    pub author: String,
    pub text: String,
    pub published: String,
    pub answered: Option<String>,
}

#[derive(askama::Template)]
#[template(path = "openness_inquiries.html")]
struct InquiriesTemplate<'a> {
    t: &'static OpennessTexts,
    page: &'a Page,
    lt: &'static LeadershipTexts,
    nav: Vec<NavLink>,
    heading: String,
    back: String,
    shown: String,
    rows: Vec<InquiryView>,
}

async fn inquiries(
    State(state): State<AppState>,
    mut page: Page,
    params: Result<AppQuery<IndexParams>, AppError>,
) -> Result<Response, PageError> {
    page.require(Role::Viewer)?;
    page.section = Some(Section::Leadership);
    let AppQuery(params) = params?;
    let days = period_days(&params)?;
    let t = texts::<OpennessTexts>(page.language);
    let ws = page.workspace()?.clone();
    let brand_text = params.brand.as_deref().unwrap_or("").trim();
    let brand = ws
        .brands
        .iter()
        .find(|b| b.id.0 == brand_text)
        .ok_or_else(|| {
            AppError::BadRequest(format!(
                "parameter `brand`: `{brand_text}` is no brand of this workspace"
            ))
        })?;
    let filter_text = params.filter.as_deref().unwrap_or("all").trim();
    let filter = InquiryFilter::parse(filter_text).ok_or_else(|| {
        AppError::BadRequest(format!(
            "parameter `filter`: `{filter_text}` is not all, answered, unanswered, csr or \
             csr_unanswered"
        ))
    })?;
    let period = Period::preset(days, page.now, &page.fmt.zone)?;
    let rows = state
        .store
        .inquiries(&InquiryListRequest {
            workspace: ws.id.clone(),
            brand: brand.id.clone(),
            filter,
            from: period.from,
            to: period.to,
            limit: LIST_LIMIT,
        })
        .await?;
    let filter_label = match filter {
        InquiryFilter::All => t.all_inquiries,
        InquiryFilter::Answered => t.answered,
        InquiryFilter::Unanswered => t.unanswered,
        InquiryFilter::Csr => t.csr,
        InquiryFilter::CsrUnanswered => t.csr_unanswered,
    };
    let views = rows
        .iter()
        .map(|r| InquiryView {
            href: page.ws_link(&format!("items/{}", r.item.id.0)),
            author: r.item.item.author.handle.clone(),
            text: r.item.item.full_text(),
            published: page.fmt.datetime(&r.item.item.published_at),
            answered: r.answered_at.map(|a| page.fmt.datetime(&a)),
        })
        .collect::<Vec<_>>();
    render(&InquiriesTemplate {
        t,
        page: &page,
        lt: texts::<LeadershipTexts>(page.language),
        nav: leadership::nav(&page, "index"),
        heading: format!(
            "{}: {} – {filter_label} ({days} {})",
            t.inquiries_title, brand.name, t.days
        ),
        back: format!("{}?days={days}", page.ws_link("index")),
        shown: t.shown.replace("{n}", &views.len().to_string()),
        rows: views,
    })
}
