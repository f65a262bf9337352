//! `GET /w/{ws}/overview`: what a communications team reads every morning. Mentions of the
//! own brand against the competitors, sentiment, share of voice, CSR topics, press against
//! social media, top authors and amplifiers, spikes marked on the volume chart.
//!
//! Everything comes from the rollups ([`Store::breakdown`], [`Store::share_of_voice`],
//! [`Store::top_authors`]), never from items, so the page costs the same at 10 M items as
//! at 10 k. The filters live in the query string (`range`, `from`, `to`, `bucket`,
//! `source`, `topic`, `sentiment`), so a link to the page shows the same to everyone, and
//! every chart element links to the explorer with the filters that reproduce it.
//!
//! [`Store::breakdown`]: omdomme_store::Store::breakdown
//! [`Store::share_of_voice`]: omdomme_store::Store::share_of_voice
//! [`Store::top_authors`]: omdomme_store::Store::top_authors

pub(crate) mod period;

use std::collections::HashMap;
use std::sync::Arc;

use axum::Router;
use axum::extract::State;
use axum::response::Response;
use axum::routing::get;
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};
use omdomme_charts::{
    Bar, BarChart, LineChart, Marker, NumberFormat, Rendered, Segment, Series, Tone,
};
use omdomme_core::spikes::{self, SpikeRule};
use omdomme_core::{Brand, BrandRole, SentimentLabel, SourceKind, Topic, Workspace};
use omdomme_store::{
    AuthorStats, BrandShare, BreakdownRequest, BreakdownSeries, Bucket, Dimension, Filters, Role,
    ShareOfVoiceRequest, TopAuthors, TopAuthorsRequest, UiLanguage, VolumeRequest,
};
use serde::Deserialize;

use self::period::{PRESET_DAYS, Period, Slot, link_time};
use super::{Page, PageError, Section, query_value, render};
use crate::api::params::{self, RawFilters, present};
use crate::error::AppError;
use crate::extract::AppQuery;
use crate::i18n::texts;
use crate::{AppState, texts};

pub fn routes() -> Router<AppState> {
    Router::new().route("/w/{ws}/overview", get(show))
}

texts!(pub OverviewTexts {
    title: "Oversikt" / "Overview",
    filters: "Filtre" / "Filters",
    range: "Periode" / "Period",
    last_7: "Siste 7 dager" / "Last 7 days",
    last_30: "Siste 30 dager" / "Last 30 days",
    last_90: "Siste 90 dager" / "Last 90 days",
    custom: "Egne datoer" / "Custom dates",
    from: "Fra" / "From",
    to: "Til (ikke med)" / "To (not included)",
    bucket: "Inndeling" / "Buckets",
    by_day: "Dag" / "Day",
    by_week: "Uke" / "Week",
    source: "Kilde" / "Source",
    topic: "Tema" / "Topic",
    sentiment: "Sentiment" / "Sentiment",
    show: "Vis" / "Show",
    period_is: "Viser" / "Showing",
    negative: "Negativ" / "Negative",
    neutral: "Nøytral" / "Neutral",
    positive: "Positiv" / "Positive",
    kpi_mentions: "Omtaler av {brand}" / "Mentions of {brand}",
    kpi_share: "Andel av omtalene (share of voice)" / "Share of voice",
    kpi_net: "Nettosentiment (positive − negative)" / "Net sentiment (positive − negative)",
    kpi_negative: "Negative omtaler" / "Negative mentions",
    vs_previous: "mot forrige periode" / "vs the previous period",
    no_previous: "ingen i forrige periode" / "none in the previous period",
    points: "poeng" / "points",
    volume_title: "Omtaler over tid" / "Mentions over time",
    volume_summary: "Antall omtaler per {bucket} av {brands}." / "Mentions per {bucket} of {brands}.",
    volume_empty: "Ingen omtaler i perioden. Velg en lengre periode eller fjern et filter." / "No mentions in this period. Choose a longer period or remove a filter.",
    spikes_title: "Topper" / "Spikes",
    spike_marker: "{brand}: {ratio}×" / "{brand}: {ratio}×",
    spike_line: "Topp {date} for {brand}: {count} omtaler, {ratio}× det normale ({baseline})" / "Spike {date} for {brand}: {count} mentions, {ratio}× normal ({baseline})",
    see_items: "se omtalene" / "see the items",
    no_spikes: "Ingen topper i perioden: volumet holdt seg innenfor det normale." / "No spikes in this period: volume stayed within its normal range.",
    sentiment_title: "Sentiment mot {brand}" / "Sentiment towards {brand}",
    sentiment_summary: "Negative, nøytrale og positive omtaler av {brand} per {bucket}, stablet." / "Negative, neutral and positive mentions of {brand} per {bucket}, stacked.",
    share_title: "Andel av omtalene per merkevare" / "Share of voice per brand",
    share_summary: "{brand} har {share} av omtalene av merkevarene i perioden; hver stolpe er delt i negative, nøytrale og positive." / "{brand} has {share} of the brand mentions in the period; each bar is split into negative, neutral and positive.",
    topics_title: "Samfunnsansvar: temaer" / "CSR topics",
    topics_summary: "Omtaler av {brand} per tema i perioden, med endring mot forrige periode." / "Mentions of {brand} per topic in the period, with the change from the previous period.",
    topics_trend_title: "Temaer over tid" / "Topics over time",
    topics_trend_summary: "Omtaler av {brand} per tema og {bucket}." / "Mentions of {brand} per topic and {bucket}.",
    topics_empty: "Ingen omtaler med CSR-tema i perioden." / "No mentions with a CSR topic in the period.",
    channels_title: "Presse og sosiale medier" / "Press and social media",
    channels_summary: "Omtaler av {brand}: presse {press}, sosiale medier {social}, annet {other}." / "Mentions of {brand}: press {press}, social media {social}, other {other}.",
    press: "Presse" / "Press",
    social: "Sosiale medier" / "Social media",
    other: "Annet (filer, webhook)" / "Other (files, webhook)",
    authors_title: "Mest aktive forfattere" / "Most active authors",
    amplifiers_title: "Størst rekkevidde" / "Greatest reach",
    authors_note: "Forfattere som omtaler {brand}; perioden telles i hele døgn (UTC), og tema- og sentimentfiltrene gjelder ikke her." / "Authors mentioning {brand}; the period counts whole days (UTC), and the topic and sentiment filters do not apply here.",
    author: "Forfatter" / "Author",
    platform: "Plattform" / "Platform",
    items: "Omtaler" / "Mentions",
    engagement: "Engasjement" / "Engagement",
    followers: "Følgere" / "Followers",
    reach: "Mulig rekkevidde" / "Potential reach",
    no_authors: "Ingen forfattere i perioden." / "No authors in this period.",
    day: "dag" / "day",
    week: "uke" / "week",
    day_column: "Dag" / "Day",
    week_column: "Uke fra" / "Week from",
    brand_column: "Merkevare" / "Brand",
    topic_column: "Tema" / "Topic",
    channel_column: "Kanal" / "Channel",
    empty_title: "Ingen omtaler ennå" / "No mentions yet",
    empty_hint: "Legg til kilder under Oppsett → Kilder, eller importer en fil med omdomme import." / "Add sources under Setup → Sources, or import a file with omdomme import.",
    no_brands_title: "Ingen merkevarer ennå" / "No brands yet",
    no_brands_hint: "Legg til egen merkevare og konkurrentene under Oppsett → Merkevarer og søk." / "Add your own brand and your competitors under Setup → Brands and queries.",
    no_own_brand: "Ingen merkevare er merket som egen. Merk den under Oppsett → Merkevarer og søk for å se sentiment, temaer, kanaler og forfattere." / "No brand is marked as your own. Mark it under Setup → Brands and queries to see sentiment, topics, channels and authors.",
    period_empty_title: "Ingen omtaler i perioden" / "No mentions in this period",
    period_empty_hint: "Velg en lengre periode eller fjern et filter." / "Choose a longer period or remove a filter.",
    topic_climate: "Klima og miljø" / "Climate & environment",
    topic_labour: "Arbeidsforhold og leverandører" / "Labour & supply chain",
    topic_diversity: "Mangfold og inkludering" / "Diversity & inclusion",
    topic_employer: "Arbeidsgiver og arbeidsmiljø" / "Employer & workplace",
    topic_governance: "Styring og etikk" / "Governance & ethics",
    topic_community: "Lokalsamfunn" / "Community",
    topic_product: "Produkt og kundeopplevelse" / "Product & customer experience",
    source_rss: "RSS (presse)" / "RSS (press)",
    source_file: "Fil" / "File",
});

impl OverviewTexts {
    fn topic(&self, topic: Topic) -> &'static str {
        match topic {
            Topic::Climate => self.topic_climate,
            Topic::Labour => self.topic_labour,
            Topic::Diversity => self.topic_diversity,
            Topic::Employer => self.topic_employer,
            Topic::Governance => self.topic_governance,
            Topic::Community => self.topic_community,
            Topic::Product => self.topic_product,
        }
    }

    fn source(&self, kind: SourceKind) -> &'static str {
        match kind {
            SourceKind::Rss => self.source_rss,
            SourceKind::Mastodon => "Mastodon",
            SourceKind::Bluesky => "Bluesky",
            SourceKind::X => "X",
            SourceKind::Facebook => "Facebook",
            SourceKind::File => self.source_file,
            SourceKind::Webhook => "Webhook",
        }
    }

    fn sentiment(&self, label: SentimentLabel) -> &'static str {
        match label {
            SentimentLabel::Negative => self.negative,
            SentimentLabel::Neutral => self.neutral,
            SentimentLabel::Positive => self.positive,
        }
    }
}

/// The query string. Dates and times as the explorer reads them; `range` is `7d`, `30d`,
/// `90d` or `custom` (a preset wins over `from`/`to`, which count when it is `custom` or
/// left out).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OverviewParams {
    range: Option<String>,
    from: Option<String>,
    to: Option<String>,
    bucket: Option<String>,
    source: Option<String>,
    topic: Option<String>,
    sentiment: Option<String>,
}

/// What the request asked to see, checked.
struct Choice {
    period: Period,
    /// Only `source`, `topic` and `sentiment`: the period is [`Choice::period`].
    filters: Filters,
}

const BUCKETS: [Bucket; 2] = [Bucket::Day, Bucket::Week];

fn bucket_name(bucket: Bucket) -> &'static str {
    match bucket {
        Bucket::Week => "week",
        _ => "day",
    }
}

fn parse(
    p: &OverviewParams,
    workspace: &Workspace,
    tz: &TimeZone,
    now: Timestamp,
) -> Result<Choice, AppError> {
    let mut filters = params::filters(
        &RawFilters {
            source: p.source.as_deref(),
            topic: p.topic.as_deref(),
            sentiment: p.sentiment.as_deref(),
            from: p.from.as_deref(),
            to: p.to.as_deref(),
            ..RawFilters::default()
        },
        workspace,
        tz,
    )?;
    let dates = filters.from.is_some() || filters.to.is_some();
    let mut period = match present(p.range.as_deref()) {
        Some("custom") => Period::custom(filters.from, filters.to, now, tz)?,
        None if dates => Period::custom(filters.from, filters.to, now, tz)?,
        None => Period::preset(period::DEFAULT_DAYS, now, tz)?,
        Some(range) => {
            let days = PRESET_DAYS
                .iter()
                .copied()
                .find(|d| format!("{d}d") == range)
                .ok_or_else(|| {
                    AppError::BadRequest(format!(
                        "parameter `range`: unknown value `{range}`; expected one of 7d, 30d, \
                         90d, custom"
                    ))
                })?;
            Period::preset(days, now, tz)?
        }
    };
    if let Some(bucket) =
        params::parse_choice("bucket", p.bucket.as_deref(), &BUCKETS, bucket_name)?
    {
        period.bucket = bucket;
    }
    filters.from = None;
    filters.to = None;
    Ok(Choice { period, filters })
}

async fn show(
    State(state): State<AppState>,
    mut page: Page,
    query: Result<AppQuery<OverviewParams>, AppError>,
) -> Result<Response, PageError> {
    page.require(Role::Viewer)?;
    page.section = Some(Section::Overview);
    let AppQuery(raw) = query?;
    let tz = params::time_zone(&state)?;
    let workspace = page.workspace()?.clone();
    let choice = parse(&raw, &workspace, &tz, page.now)?;
    let key = figure_key(&workspace, &choice);
    let data = match state.overview_figures.get(&key, page.now) {
        Some(data) => data,
        None => {
            let data = Arc::new(load(&state, &workspace, &choice, &tz).await?);
            state.overview_figures.put(key, data.clone(), page.now);
            data
        }
    };
    let t = texts::<OverviewTexts>(page.language);
    let view = View::build(&page, t, &workspace, &choice, &raw, &data, &tz)?;
    if page.htmx {
        render(&OverviewFragment {
            page: &page,
            t,
            v: &view,
        })
    } else {
        render(&OverviewTemplate {
            page: &page,
            t,
            v: &view,
        })
    }
}

/// Buckets before the period that spikes are measured against.
const SPIKE_HISTORY: usize = 14;
const TOP_AUTHORS: usize = 10;

/// The overview's figures by what was asked; see [`figure_cache`].
pub type FigureCache = crate::cache::FigureCache<Data>;

/// A cache for the overview's figures: kept 15 s, so a page is at most that much behind
/// the items (a dashboard, not a live feed), and a team refreshing it costs one read of
/// the rollups (~35 ms of a core at 10 M items) per 15 s and filter choice.
pub fn figure_cache() -> FigureCache {
    FigureCache::new(SignedDuration::from_secs(15), 256)
}

/// What the figures of `choice` depend on: the workspace with its brands (an edited query
/// changes them), the period and the filters.
fn figure_key(workspace: &Workspace, choice: &Choice) -> String {
    format!(
        "{}|{:?}|{:?}|{:?}|{:?}|{:?}",
        workspace.id,
        workspace.brands,
        choice.period.from,
        choice.period.to,
        choice.period.bucket,
        choice.filters
    )
}

/// Everything the page reads, in one round of concurrent store calls.
pub struct Data {
    brands: Vec<BreakdownSeries>,
    history: Vec<BreakdownSeries>,
    shares: Vec<BrandShare>,
    previous_shares: Vec<BrandShare>,
    topics: Vec<BreakdownSeries>,
    previous_topics: Vec<BreakdownSeries>,
    sources: Vec<BreakdownSeries>,
    authors: TopAuthors,
    /// Whether the workspace holds any item at all (read only when the period is empty).
    has_items: bool,
}

async fn load(
    state: &AppState,
    workspace: &Workspace,
    choice: &Choice,
    tz: &TimeZone,
) -> Result<Data, AppError> {
    let store = &state.store;
    let period = &choice.period;
    let (previous_from, previous_to) = period.previous();
    let (history_from, history_to) = period.history(SPIKE_HISTORY, tz)?;
    let within = |from: Timestamp, to: Timestamp, brand: Option<&Brand>| Filters {
        brand: brand.map(|b| b.id.clone()),
        from: Some(from),
        to: Some(to),
        ..choice.filters.clone()
    };
    let breakdown = |by: Dimension, filters: Filters, bucket: Bucket| BreakdownRequest {
        workspace: workspace.id.clone(),
        filters,
        by,
        bucket,
        time_zone: state.config.time_zone.clone(),
    };
    let share = |filters: Filters| ShareOfVoiceRequest {
        workspace: workspace.id.clone(),
        filters,
    };
    let own = workspace.own_brand();
    let brands_now = breakdown(
        Dimension::Brand,
        within(period.from, period.to, None),
        period.bucket,
    );
    let brands_before = breakdown(
        Dimension::Brand,
        within(history_from, history_to, None),
        period.bucket,
    );
    let shares_now = share(within(period.from, period.to, None));
    let shares_before = share(within(previous_from, previous_to, None));
    let topics_now = breakdown(
        Dimension::Topic,
        within(period.from, period.to, own),
        period.bucket,
    );
    let topics_before = breakdown(
        Dimension::Topic,
        within(previous_from, previous_to, own),
        Bucket::Month,
    );
    let sources_now = breakdown(
        Dimension::Source,
        within(period.from, period.to, own),
        period.bucket,
    );
    let authors = async {
        match own {
            Some(own) => {
                store
                    .top_authors(&TopAuthorsRequest {
                        workspace: workspace.id.clone(),
                        brand: own.id.clone(),
                        source: choice.filters.source,
                        from: period.from,
                        to: period.to,
                        limit: TOP_AUTHORS,
                    })
                    .await
            }
            None => Ok(TopAuthors::default()),
        }
    };
    let (brands, history, shares, previous_shares, topics, previous_topics, sources, authors) = tokio::try_join!(
        store.breakdown(&brands_now),
        store.breakdown(&brands_before),
        store.share_of_voice(&shares_now),
        store.share_of_voice(&shares_before),
        store.breakdown(&topics_now),
        store.breakdown(&topics_before),
        store.breakdown(&sources_now),
        authors,
    )?;
    let has_items = if shares.iter().any(|s| s.count > 0) {
        true
    } else {
        !store
            .volume(&VolumeRequest {
                workspace: workspace.id.clone(),
                filters: Filters::default(),
                bucket: Bucket::Month,
                time_zone: state.config.time_zone.clone(),
            })
            .await?
            .is_empty()
    };
    Ok(Data {
        brands,
        history,
        shares,
        previous_shares,
        topics,
        previous_topics,
        sources,
        authors,
        has_items,
    })
}

/// Builds explorer links that reproduce a chart element: the page's filters narrowed by
/// the element's own (its brand, source, topic, sentiment, author and time).
struct Drill<'a> {
    base: String,
    tz: &'a TimeZone,
    filters: &'a Filters,
}

#[derive(Default, Clone, Copy)]
struct Narrow<'a> {
    brand: Option<&'a str>,
    source: Option<SourceKind>,
    topic: Option<Topic>,
    sentiment: Option<SentimentLabel>,
    author: Option<&'a str>,
}

impl Drill<'_> {
    fn link(&self, narrow: Narrow<'_>, from: Timestamp, to: Timestamp) -> String {
        let mut pairs: Vec<(&str, String)> = Vec::new();
        if let Some(brand) = narrow.brand {
            pairs.push(("brand", brand.to_owned()));
        }
        if let Some(source) = narrow.source.or(self.filters.source) {
            pairs.push(("source", source.as_str().to_owned()));
        }
        if let Some(sentiment) = narrow.sentiment.or(self.filters.sentiment) {
            pairs.push(("sentiment", sentiment.as_str().to_owned()));
        }
        if let Some(topic) = narrow.topic.or(self.filters.topic) {
            pairs.push(("topic", topic.as_str().to_owned()));
        }
        if let Some(author) = narrow.author {
            pairs.push(("author", author.to_owned()));
        }
        pairs.push(("from", link_time(from, self.tz)));
        pairs.push(("to", link_time(to, self.tz)));
        let query: Vec<String> = pairs
            .iter()
            .map(|(k, v)| format!("{k}={}", query_value(v)))
            .collect();
        format!("{}?{}", self.base, query.join("&"))
    }
}

/// A chart with the heading and sentence the page shows above it.
struct ChartView {
    id: &'static str,
    title: String,
    summary: String,
    rendered: Rendered,
}

struct Kpi {
    label: String,
    value: String,
    change: Option<String>,
    /// `up`, `down` or `flat`, for the colour; whether up is good is the label's business.
    trend: &'static str,
    link: Option<String>,
}

struct SpikeView {
    text: String,
    link: String,
}

struct AuthorRow {
    handle: String,
    platform: &'static str,
    items: String,
    engagement: String,
    followers: String,
    reach: String,
    link: String,
}

struct SelectOption {
    value: &'static str,
    label: &'static str,
    selected: bool,
}

/// The form as the user left it.
struct FormView {
    ranges: Vec<SelectOption>,
    from: String,
    to: String,
    buckets: Vec<SelectOption>,
    sources: Vec<SelectOption>,
    topics: Vec<SelectOption>,
    sentiments: Vec<SelectOption>,
}

/// What the page shows when there is nothing to chart.
struct EmptyView {
    title: &'static str,
    hint: &'static str,
}

struct View {
    form: FormView,
    period_text: String,
    empty: Option<EmptyView>,
    no_own_brand: bool,
    kpis: Vec<Kpi>,
    volume: Option<ChartView>,
    spikes: Vec<SpikeView>,
    sentiment: Option<ChartView>,
    share: Option<ChartView>,
    topics: Option<ChartView>,
    topics_trend: Option<ChartView>,
    channels: Option<ChartView>,
    authors_note: String,
    top_by_items: Vec<AuthorRow>,
    top_by_reach: Vec<AuthorRow>,
}

#[derive(askama::Template)]
#[template(path = "overview.html")]
struct OverviewTemplate<'a> {
    page: &'a Page,
    t: &'static OverviewTexts,
    v: &'a View,
}

#[derive(askama::Template)]
#[template(path = "overview_body.html")]
struct OverviewFragment<'a> {
    page: &'a Page,
    t: &'static OverviewTexts,
    v: &'a View,
}

/// A value per slot of the grid from a store series (which holds only non-empty buckets).
fn per_slot(
    slots: &HashMap<Timestamp, usize>,
    len: usize,
    series: Option<&BreakdownSeries>,
) -> Vec<Cell> {
    let mut out = vec![[0u64; 4]; len];
    for point in series.into_iter().flat_map(|s| &s.points) {
        if let Some(cell) = slots.get(&point.start).and_then(|&i| out.get_mut(i)) {
            *cell = [point.count, point.negative, point.neutral, point.positive];
        }
    }
    out
}

fn total(series: Option<&BreakdownSeries>) -> [u64; 4] {
    let mut sum = [0u64; 4];
    for p in series.into_iter().flat_map(|s| &s.points) {
        for (acc, v) in sum
            .iter_mut()
            .zip([p.count, p.negative, p.neutral, p.positive])
        {
            *acc += v;
        }
    }
    sum
}

fn find<'a>(series: &'a [BreakdownSeries], key: &str) -> Option<&'a BreakdownSeries> {
    series.iter().find(|s| s.key == key)
}

/// A number with one decimal in the reader's language: `3,4` / `3.4`.
fn one_decimal(language: UiLanguage, value: f64) -> String {
    let text = format!("{value:.1}");
    match language {
        UiLanguage::Nb => text.replace('.', ","),
        UiLanguage::En => text,
    }
}

/// A signed whole number with a real minus sign: `+12`, `−3`, `0`.
fn signed(value: f64) -> String {
    let rounded = value.round();
    if rounded > 0.0 {
        format!("+{rounded:.0}")
    } else if rounded < 0.0 {
        format!("\u{2212}{:.0}", -rounded)
    } else {
        "0".to_owned()
    }
}

fn trend(value: f64) -> &'static str {
    if value.round() > 0.0 {
        "up"
    } else if value.round() < 0.0 {
        "down"
    } else {
        "flat"
    }
}

/// Net sentiment in points from −100 to 100; 0 without mentions.
fn net(share: Option<&BrandShare>) -> f64 {
    match share {
        Some(s) if s.count > 0 => (s.positive as f64 - s.negative as f64) / s.count as f64 * 100.0,
        _ => 0.0,
    }
}

const SENTIMENTS: [(SentimentLabel, Tone); 3] = [
    (SentimentLabel::Negative, Tone::Negative),
    (SentimentLabel::Neutral, Tone::Neutral),
    (SentimentLabel::Positive, Tone::Positive),
];

/// Press, social media and the rest: the groups of the channel chart.
const CHANNELS: [&[SourceKind]; 3] = [
    &[SourceKind::Rss],
    &[
        SourceKind::Mastodon,
        SourceKind::Bluesky,
        SourceKind::X,
        SourceKind::Facebook,
    ],
    &[SourceKind::File, SourceKind::Webhook],
];

impl View {
    fn build(
        page: &Page,
        t: &'static OverviewTexts,
        workspace: &Workspace,
        choice: &Choice,
        raw: &OverviewParams,
        data: &Data,
        tz: &TimeZone,
    ) -> Result<View, AppError> {
        let period = &choice.period;
        let last_instant = period
            .to
            .checked_sub(jiff::SignedDuration::from_secs(1))
            .unwrap_or(period.to);
        let own = workspace.own_brand();
        let mut view = View {
            form: form_view(t, page, choice, raw, tz),
            period_text: format!(
                "{} – {}",
                page.fmt.date(&period.from),
                page.fmt.date(&last_instant)
            ),
            empty: None,
            no_own_brand: own.is_none() && !workspace.brands.is_empty(),
            kpis: Vec::new(),
            volume: None,
            spikes: Vec::new(),
            sentiment: None,
            share: None,
            topics: None,
            topics_trend: None,
            channels: None,
            authors_note: t
                .authors_note
                .replace("{brand}", own.map_or("", |b| b.name.as_str())),
            top_by_items: Vec::new(),
            top_by_reach: Vec::new(),
        };
        view.empty = if workspace.brands.is_empty() {
            Some((t.no_brands_title, t.no_brands_hint))
        } else if !data.has_items {
            Some((t.empty_title, t.empty_hint))
        } else if data.shares.iter().all(|s| s.count == 0) {
            Some((t.period_empty_title, t.period_empty_hint))
        } else {
            None
        }
        .map(|(title, hint)| EmptyView { title, hint });
        if view.empty.is_some() {
            return Ok(view);
        }
        let charts = Charts::new(page, t, workspace, choice, data, tz)?;
        let (volume, spikes) = charts.volume(tz)?;
        view.volume = Some(volume);
        view.spikes = spikes;
        view.share = Some(charts.share(own));
        if let Some(own) = own {
            view.kpis = charts.kpis(own);
            view.sentiment = Some(charts.sentiment(own));
            let (topics, trend) = charts.topics(own);
            view.topics = Some(topics);
            view.topics_trend = Some(trend);
            view.channels = Some(charts.channels(own));
            view.top_by_items = charts.authors(own, &data.authors.by_items);
            view.top_by_reach = charts.authors(own, &data.authors.by_reach);
        }
        Ok(view)
    }
}

/// What every chart of the page shares: texts, formats, links and the period's grid.
struct Charts<'a> {
    t: &'static OverviewTexts,
    page: &'a Page,
    workspace: &'a Workspace,
    period: &'a Period,
    data: &'a Data,
    drill: Drill<'a>,
    slots: Vec<Slot>,
    /// Slot index by the store's bucket start.
    index: HashMap<Timestamp, usize>,
    labels: Vec<String>,
    /// "day" or "week", inside sentences.
    bucket_word: &'static str,
    /// The first column of a time chart's table.
    bucket_column: &'static str,
}

/// Counts per slot: all, negative, neutral, positive.
type Cell = [u64; 4];

impl<'a> Charts<'a> {
    fn new(
        page: &'a Page,
        t: &'static OverviewTexts,
        workspace: &'a Workspace,
        choice: &'a Choice,
        data: &'a Data,
        tz: &'a TimeZone,
    ) -> Result<Charts<'a>, AppError> {
        let period = &choice.period;
        let slots = period.slots(tz)?;
        let (bucket_word, bucket_column) = match period.bucket {
            Bucket::Week => (t.week, t.week_column),
            _ => (t.day, t.day_column),
        };
        Ok(Charts {
            t,
            page,
            workspace,
            period,
            data,
            drill: Drill {
                base: page.ws_link("explorer"),
                tz,
                filters: &choice.filters,
            },
            index: slot_index(&slots),
            labels: slots.iter().map(|s| page.fmt.date(&s.from)).collect(),
            slots,
            bucket_word,
            bucket_column,
        })
    }

    /// The explorer over the whole period.
    fn period_link(&self, narrow: Narrow<'_>) -> String {
        self.drill.link(narrow, self.period.from, self.period.to)
    }

    /// The explorer over each slot.
    fn slot_links(&self, narrow: Narrow<'_>) -> Vec<Option<String>> {
        self.slots
            .iter()
            .map(|s| Some(self.drill.link(narrow, s.from, s.to)))
            .collect()
    }

    fn cells(&self, series: Option<&BreakdownSeries>) -> Vec<Cell> {
        per_slot(&self.index, self.slots.len(), series)
    }

    fn line(
        &self,
        id: &'static str,
        title: String,
        summary: String,
        chart: LineChart,
    ) -> ChartView {
        ChartView {
            id,
            rendered: LineChart {
                id: id.to_owned(),
                title: title.clone(),
                summary: summary.clone(),
                category_title: self.bucket_column.to_owned(),
                x_labels: self.labels.clone(),
                y_format: NumberFormat::Count,
                ..chart
            }
            .render(),
            title,
            summary,
        }
    }

    fn bars(&self, id: &'static str, title: String, summary: String, chart: BarChart) -> ChartView {
        ChartView {
            id,
            rendered: BarChart {
                id: id.to_owned(),
                title: title.clone(),
                summary: summary.clone(),
                x_format: NumberFormat::Count,
                ..chart
            }
            .render(),
            title,
            summary,
        }
    }

    /// Mentions, share of voice, net sentiment and negative mentions of the own brand,
    /// each against the period before.
    fn kpis(&self, own: &Brand) -> Vec<Kpi> {
        let t = self.t;
        let fmt = &self.page.fmt;
        let now = self.data.shares.iter().find(|s| s.brand == own.id);
        let before = self.data.previous_shares.iter().find(|s| s.brand == own.id);
        let narrow = Narrow {
            brand: Some(&own.id.0),
            ..Narrow::default()
        };
        let count = |s: Option<&BrandShare>| s.map_or(0, |s| s.count);
        let negative = |s: Option<&BrandShare>| s.map_or(0, |s| s.negative);
        let share = |s: Option<&BrandShare>| s.map_or(0.0, |s| s.share);
        let points = |change: f64| {
            (
                Some(format!("{} {} {}", signed(change), t.points, t.vs_previous)),
                trend(change),
            )
        };
        let (mentions_change, mentions_trend) = relative_change(t, count(now), count(before));
        let (share_change, share_trend) = points((share(now) - share(before)) * 100.0);
        let (net_change, net_trend) = points(net(now) - net(before));
        let (negative_change, negative_trend) = relative_change(t, negative(now), negative(before));
        vec![
            Kpi {
                label: t.kpi_mentions.replace("{brand}", &own.name),
                value: fmt.number(count(now)),
                change: Some(mentions_change),
                trend: mentions_trend,
                link: Some(self.period_link(narrow)),
            },
            Kpi {
                label: t.kpi_share.to_owned(),
                value: fmt.percent(share(now)),
                change: share_change,
                trend: share_trend,
                link: None,
            },
            Kpi {
                label: t.kpi_net.to_owned(),
                value: signed(net(now)),
                change: net_change,
                trend: net_trend,
                link: Some(self.period_link(narrow)),
            },
            Kpi {
                label: t.kpi_negative.to_owned(),
                value: fmt.number(negative(now)),
                change: Some(negative_change),
                trend: negative_trend,
                link: Some(self.period_link(Narrow {
                    sentiment: Some(SentimentLabel::Negative),
                    ..narrow
                })),
            },
        ]
    }

    /// (1) Each brand's volume, own first, with the spikes against the buckets before.
    fn volume(&self, tz: &TimeZone) -> Result<(ChartView, Vec<SpikeView>), AppError> {
        let t = self.t;
        let fmt = &self.page.fmt;
        let brands: Vec<&Brand> = self
            .workspace
            .brands
            .iter()
            .filter(|b| b.role == BrandRole::Own)
            .chain(
                self.workspace
                    .brands
                    .iter()
                    .filter(|b| b.role != BrandRole::Own),
            )
            .collect();
        let (history_from, history_to) = self.period.history(SPIKE_HISTORY, tz)?;
        let history_slots = Period {
            preset: None,
            from: history_from,
            to: history_to,
            bucket: self.period.bucket,
        }
        .slots(tz)?;
        let history_index = slot_index(&history_slots);
        let (mut series, mut markers, mut spike_views) = (Vec::new(), Vec::new(), Vec::new());
        let mut competitors = 0;
        for brand in &brands {
            let narrow = Narrow {
                brand: Some(&brand.id.0),
                ..Narrow::default()
            };
            let counts: Vec<u64> = self
                .cells(find(&self.data.brands, &brand.id.0))
                .iter()
                .map(|c| c[0])
                .collect();
            let tone = if brand.role == BrandRole::Own {
                Tone::Own
            } else {
                competitors += 1;
                Tone::Other(competitors - 1)
            };
            series.push(Series {
                name: brand.name.clone(),
                values: counts.iter().map(|&n| n as f64).collect(),
                links: self.slot_links(narrow),
                tone,
            });
            let history = per_slot(
                &history_index,
                history_slots.len(),
                find(&self.data.history, &brand.id.0),
            );
            let all: Vec<u64> = history.iter().map(|c| c[0]).chain(counts).collect();
            for spike in spikes::detect(&all, &SpikeRule::default()) {
                let Some((at, slot)) = spike
                    .index
                    .checked_sub(history_slots.len())
                    .and_then(|at| Some((at, self.slots.get(at)?)))
                else {
                    continue;
                };
                let ratio = one_decimal(self.page.language, spike.ratio);
                let link = self.drill.link(narrow, slot.from, slot.to);
                markers.push(Marker {
                    index: at,
                    label: t
                        .spike_marker
                        .replace("{brand}", &brand.name)
                        .replace("{ratio}", &ratio),
                    link: Some(link.clone()),
                });
                spike_views.push(SpikeView {
                    text: t
                        .spike_line
                        .replace("{date}", &fmt.date(&slot.from))
                        .replace("{brand}", &brand.name)
                        .replace("{count}", &fmt.number(spike.count))
                        .replace("{ratio}", &ratio)
                        .replace("{baseline}", &fmt.number(spike.baseline.round() as u64)),
                    link,
                });
            }
        }
        let names: Vec<&str> = brands.iter().map(|b| b.name.as_str()).collect();
        let summary = t
            .volume_summary
            .replace("{bucket}", self.bucket_word)
            .replace("{brands}", &names.join(", "));
        let chart = self.line(
            "volume",
            t.volume_title.to_owned(),
            summary,
            LineChart {
                empty_message: t.volume_empty.to_owned(),
                series,
                markers,
                ..LineChart::default()
            },
        );
        Ok((chart, spike_views))
    }

    /// (2) Sentiment towards the own brand over time, stacked from negative up.
    fn sentiment(&self, own: &Brand) -> ChartView {
        let t = self.t;
        let cells = self.cells(find(&self.data.brands, &own.id.0));
        let series = SENTIMENTS
            .iter()
            .enumerate()
            .map(|(i, (label, tone))| Series {
                name: t.sentiment(*label).to_owned(),
                values: cells.iter().map(|c| c[i + 1] as f64).collect(),
                links: self.slot_links(Narrow {
                    brand: Some(&own.id.0),
                    sentiment: Some(*label),
                    ..Narrow::default()
                }),
                tone: *tone,
            })
            .collect();
        self.line(
            "sentiment",
            t.sentiment_title.replace("{brand}", &own.name),
            t.sentiment_summary
                .replace("{brand}", &own.name)
                .replace("{bucket}", self.bucket_word),
            LineChart {
                empty_message: t.volume_empty.to_owned(),
                series,
                stacked: true,
                ..LineChart::default()
            },
        )
    }

    /// (3) Each brand's share of the brand mentions, split by sentiment.
    fn share(&self, own: Option<&Brand>) -> ChartView {
        let t = self.t;
        let fmt = &self.page.fmt;
        let name = |id: &'a str| -> &'a str {
            self.workspace
                .brands
                .iter()
                .find(|b| b.id.0 == id)
                .map_or(id, |b| b.name.as_str())
        };
        let bars = self
            .data
            .shares
            .iter()
            .map(|s| {
                let narrow = Narrow {
                    brand: Some(&s.brand.0),
                    ..Narrow::default()
                };
                Bar {
                    label: format!("{} · {}", name(&s.brand.0), fmt.percent(s.share)),
                    link: Some(self.period_link(narrow)),
                    segments: self.sentiment_segments([s.negative, s.neutral, s.positive], narrow),
                }
            })
            .collect();
        let own_share = own
            .and_then(|o| self.data.shares.iter().find(|s| s.brand == o.id))
            .map_or(0.0, |s| s.share);
        self.bars(
            "share",
            t.share_title.to_owned(),
            t.share_summary
                .replace("{brand}", own.map_or("", |b| b.name.as_str()))
                .replace("{share}", &fmt.percent(own_share)),
            BarChart {
                empty_message: t.volume_empty.to_owned(),
                category_title: t.brand_column.to_owned(),
                bars,
                ..BarChart::default()
            },
        )
    }

    /// (4) The own brand's mentions per CSR topic with the change from the period before,
    /// and each topic over time.
    fn topics(&self, own: &Brand) -> (ChartView, ChartView) {
        let t = self.t;
        let own_narrow = Narrow {
            brand: Some(&own.id.0),
            ..Narrow::default()
        };
        let mut rows: Vec<(Topic, [u64; 4], u64)> = Topic::ALL
            .iter()
            .map(|&topic| {
                (
                    topic,
                    total(find(&self.data.topics, topic.as_str())),
                    total(find(&self.data.previous_topics, topic.as_str()))[0],
                )
            })
            .filter(|(_, now, before)| now[0] > 0 || *before > 0)
            .collect();
        rows.sort_by(|a, b| b.1[0].cmp(&a.1[0]).then(a.0.cmp(&b.0)));
        let bars = rows
            .iter()
            .map(|(topic, now, before)| {
                let narrow = Narrow {
                    topic: Some(*topic),
                    ..own_narrow
                };
                let (change, _) = relative_change(t, now[0], *before);
                Bar {
                    label: format!("{} ({change})", t.topic(*topic)),
                    link: Some(self.period_link(narrow)),
                    segments: self.sentiment_segments([now[1], now[2], now[3]], narrow),
                }
            })
            .collect();
        let per_topic = self.bars(
            "topics",
            t.topics_title.to_owned(),
            t.topics_summary.replace("{brand}", &own.name),
            BarChart {
                empty_message: t.topics_empty.to_owned(),
                category_title: t.topic_column.to_owned(),
                bars,
                ..BarChart::default()
            },
        );
        let series = rows
            .iter()
            .filter(|(_, now, _)| now[0] > 0)
            .enumerate()
            .map(|(i, (topic, _, _))| Series {
                name: t.topic(*topic).to_owned(),
                values: self
                    .cells(find(&self.data.topics, topic.as_str()))
                    .iter()
                    .map(|c| c[0] as f64)
                    .collect(),
                links: self.slot_links(Narrow {
                    topic: Some(*topic),
                    ..own_narrow
                }),
                tone: Tone::Other(i),
            })
            .collect();
        let over_time = self.line(
            "topics-trend",
            t.topics_trend_title.to_owned(),
            t.topics_trend_summary
                .replace("{brand}", &own.name)
                .replace("{bucket}", self.bucket_word),
            LineChart {
                empty_message: t.topics_empty.to_owned(),
                series,
                ..LineChart::default()
            },
        );
        (per_topic, over_time)
    }

    /// (5) Press, social media and the rest: one bar each, one linked segment per source
    /// kind.
    fn channels(&self, own: &Brand) -> ChartView {
        let t = self.t;
        let fmt = &self.page.fmt;
        let own_narrow = Narrow {
            brand: Some(&own.id.0),
            ..Narrow::default()
        };
        let per_kind: Vec<(SourceKind, u64)> = SourceKind::ALL
            .iter()
            .map(|&kind| (kind, total(find(&self.data.sources, kind.as_str()))[0]))
            .collect();
        let all: u64 = per_kind.iter().map(|(_, n)| n).sum();
        let mut shares = [0.0; 3];
        let mut bars = Vec::new();
        for ((kinds, name), share) in CHANNELS
            .iter()
            .zip([t.press, t.social, t.other])
            .zip(&mut shares)
        {
            let segments: Vec<Segment> = per_kind
                .iter()
                .enumerate()
                .filter(|(_, (kind, n))| kinds.contains(kind) && *n > 0)
                .map(|(i, (kind, n))| Segment {
                    name: t.source(*kind).to_owned(),
                    value: *n as f64,
                    tone: Tone::Other(i),
                    link: Some(self.period_link(Narrow {
                        source: Some(*kind),
                        ..own_narrow
                    })),
                })
                .collect();
            let sum: u64 = per_kind
                .iter()
                .filter(|(kind, _)| kinds.contains(kind))
                .map(|(_, n)| n)
                .sum();
            if all > 0 {
                *share = sum as f64 / all as f64;
            }
            if segments.is_empty() {
                continue;
            }
            bars.push(Bar {
                label: name.to_owned(),
                link: match kinds {
                    [kind] => Some(self.period_link(Narrow {
                        source: Some(*kind),
                        ..own_narrow
                    })),
                    _ => None,
                },
                segments,
            });
        }
        self.bars(
            "channels",
            t.channels_title.to_owned(),
            t.channels_summary
                .replace("{brand}", &own.name)
                .replace("{press}", &fmt.percent(shares[0]))
                .replace("{social}", &fmt.percent(shares[1]))
                .replace("{other}", &fmt.percent(shares[2])),
            BarChart {
                empty_message: t.volume_empty.to_owned(),
                category_title: t.channel_column.to_owned(),
                bars,
                ..BarChart::default()
            },
        )
    }

    /// (6) Authors about the own brand, each linked to their items in the period.
    fn authors(&self, own: &Brand, list: &[AuthorStats]) -> Vec<AuthorRow> {
        let fmt = &self.page.fmt;
        list.iter()
            .map(|a| AuthorRow {
                handle: a.handle.clone(),
                platform: self.t.source(a.source),
                items: fmt.number(a.items),
                engagement: fmt.number(a.engagement),
                followers: fmt.number(a.followers),
                reach: fmt.number(a.reach()),
                link: self.period_link(Narrow {
                    brand: Some(&own.id.0),
                    source: Some(a.source),
                    author: Some(&a.handle),
                    ..Narrow::default()
                }),
            })
            .collect()
    }

    /// Negative, neutral and positive segments of a bar over the period, each linked.
    fn sentiment_segments(&self, counts: [u64; 3], narrow: Narrow<'_>) -> Vec<Segment> {
        SENTIMENTS
            .iter()
            .zip(counts)
            .map(|((label, tone), n)| Segment {
                name: self.t.sentiment(*label).to_owned(),
                value: n as f64,
                tone: *tone,
                link: Some(self.period_link(Narrow {
                    sentiment: Some(*label),
                    ..narrow
                })),
            })
            .collect()
    }
}

fn slot_index(slots: &[Slot]) -> HashMap<Timestamp, usize> {
    slots
        .iter()
        .enumerate()
        .map(|(i, s)| (s.bucket_start, i))
        .collect()
}

/// "+12 % vs the previous period", or that there was none before.
fn relative_change(t: &OverviewTexts, now: u64, before: u64) -> (String, &'static str) {
    if before == 0 {
        return (t.no_previous.to_owned(), "flat");
    }
    let percent = (now as f64 - before as f64) / before as f64 * 100.0;
    (
        format!("{}\u{a0}% {}", signed(percent), t.vs_previous),
        trend(percent),
    )
}

fn form_view(
    t: &'static OverviewTexts,
    page: &Page,
    choice: &Choice,
    raw: &OverviewParams,
    tz: &TimeZone,
) -> FormView {
    let period = &choice.period;
    let choose = |value: &'static str, label: &'static str, selected: bool| SelectOption {
        value,
        label,
        selected,
    };
    let preset = period.preset;
    let ranges = vec![
        choose("7d", t.last_7, preset == Some(7)),
        choose("30d", t.last_30, preset == Some(30)),
        choose("90d", t.last_90, preset == Some(90)),
        choose("custom", t.custom, preset.is_none()),
    ];
    let bucket_chosen = present(raw.bucket.as_deref()).is_some();
    let buckets = vec![
        choose("", "auto", !bucket_chosen),
        choose(
            "day",
            t.by_day,
            bucket_chosen && period.bucket == Bucket::Day,
        ),
        choose(
            "week",
            t.by_week,
            bucket_chosen && period.bucket == Bucket::Week,
        ),
    ];
    let all = page.t.all;
    let mut sources = vec![choose("", all, choice.filters.source.is_none())];
    sources.extend(
        SourceKind::ALL
            .iter()
            .map(|&k| choose(k.as_str(), t.source(k), choice.filters.source == Some(k))),
    );
    let mut topics = vec![choose("", all, choice.filters.topic.is_none())];
    topics.extend(
        Topic::ALL
            .iter()
            .map(|&k| choose(k.as_str(), t.topic(k), choice.filters.topic == Some(k))),
    );
    let mut sentiments = vec![choose("", all, choice.filters.sentiment.is_none())];
    sentiments.extend(SENTIMENTS.iter().map(|&(k, _)| {
        choose(
            k.as_str(),
            t.sentiment(k),
            choice.filters.sentiment == Some(k),
        )
    }));
    // The date fields show the period shown, so switching to custom dates starts from it;
    // `to` is the exclusive end, as in the explorer.
    let date = |at: Timestamp| at.to_zoned_datetime(tz.clone()).date().to_string();
    FormView {
        ranges,
        from: date(period.from),
        to: date(period.to),
        buckets,
        sources,
        topics,
        sentiments,
    }
}
