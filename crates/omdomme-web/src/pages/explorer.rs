//! `/w/{ws}/explorer`: full-text search over a workspace's items with every filter the
//! store offers, paged, and `/w/{ws}/explorer/export.csv`, the whole result as CSV.
//!
//! The parameters are the JSON search API's (`q`, `brand`, `source`, `sentiment`, `topic`,
//! `lang`, `author`, `from`, `to`, `order`) plus `page` and `per`, parsed by the same code
//! (`api::params`), so the overview can link here with the filters of a chart. htmx
//! swaps only `#results` when a filter changes; without JavaScript the form is a plain GET.

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use jiff::civil::Date;
use omdomme_core::{
    Lang, Query, SentimentLabel, SourceKind, Stakeholder, StoredItem, Topic, Workspace,
};
use omdomme_store::{
    ExportRequest, Filters, MAX_SEARCH_OFFSET, Role, SearchOrder, SearchRequest, UiLanguage,
};
use serde::Deserialize;

use super::{Page, PageError, Section, render};
use crate::api::params::{self, RawFilters};
use crate::error::AppError;
use crate::extract::AppQuery;
use crate::format::Formatter;
use crate::i18n::texts;
use crate::{AppState, texts};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/w/{ws}/explorer", get(show))
        .route("/w/{ws}/explorer/export.csv", get(export))
}

texts!(pub ExplorerTexts {
    title: "Utforsk" / "Explorer",
    query: "Søk" / "Search",
    query_hint: "Ord, \"fraser\", #emneknagger, @kontoer, AND/OR/NOT, prefiks*" / "Words, \"phrases\", #hashtags, @accounts, AND/OR/NOT, prefix*",
    brand: "Merkevare" / "Brand",
    source: "Kilde" / "Source",
    sentiment: "Sentiment" / "Sentiment",
    topic: "Tema" / "Topic",
    lang: "Språk" / "Language",
    author: "Forfatter" / "Author",
    from: "Fra" / "From",
    to: "Til (ikke med)" / "To (exclusive)",
    order: "Rekkefølge" / "Order",
    order_relevance: "Mest relevant" / "Most relevant",
    order_newest: "Nyeste først" / "Newest first",
    order_oldest: "Eldste først" / "Oldest first",
    per_page: "Per side" / "Per page",
    any: "Alle" / "Any",
    search: "Søk" / "Search",
    reset: "Nullstill" / "Clear",
    results: "Treff" / "Results",
    found_one: "1 treff" / "1 result",
    found_many: "treff" / "results",
    export: "Last ned som CSV" / "Download as CSV",
    export_hint: "Hele resultatet, ikke bare denne siden" / "The whole result, not just this page",
    open_item: "Åpne" / "Open",
    followers: "følgere" / "followers",
    inquiry: "Henvendelse" / "Inquiry",
    likes: "liker" / "likes",
    shares: "delinger" / "shares",
    replies: "svar" / "replies",
    views: "visninger" / "views",
    previous: "Forrige" / "Previous",
    next: "Neste" / "Next",
    page_of: "Side" / "Page",
    of: "av" / "of",
    too_deep: "Søket viser bare de første 10 000 treffene. Snevre inn søket, eller last ned hele resultatet som CSV." / "Search shows only the first 10,000 results. Narrow the search, or download the whole result as CSV.",
    empty_title: "Ingen treff" / "No results",
    empty_filtered: "Prøv færre filtre, et annet ord, eller et lengre tidsrom." / "Try fewer filters, another word, or a longer period.",
    empty_workspace: "Ingen innlegg ennå. Legg til en kilde under Oppsett → Kilder, eller importer en fil med omdomme import." / "No posts yet. Add a source under Setup → Sources, or import a file with omdomme import.",
    query_error: "Søket kan ikke leses" / "The search cannot be read",
    param_error: "Et filter er ugyldig" / "A filter is invalid",
    column: "kolonne" / "column",
    date_hint: "ÅÅÅÅ-MM-DD" / "YYYY-MM-DD",
    sentiment_negative: "negativ" / "negative",
    sentiment_neutral: "nøytral" / "neutral",
    sentiment_positive: "positiv" / "positive",
    topic_climate: "klima og miljø" / "climate & environment",
    topic_labour: "arbeidsforhold og leverandører" / "labour & supply chain",
    topic_diversity: "mangfold og inkludering" / "diversity & inclusion",
    topic_employer: "arbeidsgiver" / "employer & workplace",
    topic_governance: "styring og etikk" / "governance & ethics",
    topic_community: "lokalsamfunn" / "community",
    topic_product: "produkt og kundeopplevelse" / "product & customer experience",
    lang_nb: "bokmål" / "Bokmål",
    lang_nn: "nynorsk" / "Nynorsk",
    lang_en: "engelsk" / "English",
    lang_sv: "svensk" / "Swedish",
    lang_da: "dansk" / "Danish",
    lang_other: "annet" / "other",
    stakeholder_customer: "kunde" / "customer",
    stakeholder_prospective_customer: "mulig kunde" / "prospective customer",
    stakeholder_employee: "ansatt" / "employee",
    stakeholder_prospective_employee: "mulig ansatt" / "prospective employee",
    stakeholder_partner: "partner" / "partner",
    stakeholder_investor: "investor" / "investor",
    stakeholder_press: "presse" / "press",
    stakeholder_society: "samfunn" / "society",
});

impl ExplorerTexts {
    pub fn sentiment_label(&self, label: SentimentLabel) -> &'static str {
        match label {
            SentimentLabel::Negative => self.sentiment_negative,
            SentimentLabel::Neutral => self.sentiment_neutral,
            SentimentLabel::Positive => self.sentiment_positive,
        }
    }

    pub fn topic_label(&self, topic: Topic) -> &'static str {
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

    pub fn lang_label(&self, lang: Lang) -> &'static str {
        match lang {
            Lang::Nb => self.lang_nb,
            Lang::Nn => self.lang_nn,
            Lang::En => self.lang_en,
            Lang::Sv => self.lang_sv,
            Lang::Da => self.lang_da,
            Lang::Other => self.lang_other,
        }
    }

    pub fn stakeholder_label(&self, stakeholder: Stakeholder) -> &'static str {
        match stakeholder {
            Stakeholder::Customer => self.stakeholder_customer,
            Stakeholder::ProspectiveCustomer => self.stakeholder_prospective_customer,
            Stakeholder::Employee => self.stakeholder_employee,
            Stakeholder::ProspectiveEmployee => self.stakeholder_prospective_employee,
            Stakeholder::Partner => self.stakeholder_partner,
            Stakeholder::Investor => self.stakeholder_investor,
            Stakeholder::Press => self.stakeholder_press,
            Stakeholder::Society => self.stakeholder_society,
        }
    }

    fn order_label(&self, order: SearchOrder) -> &'static str {
        match order {
            SearchOrder::Relevance => self.order_relevance,
            SearchOrder::Newest => self.order_newest,
            SearchOrder::Oldest => self.order_oldest,
        }
    }
}

/// Results per page the explorer offers; the first is the default.
const PAGE_SIZES: [usize; 2] = [25, 50];

/// Most rows an export writes; a longer result is cut, and the last line says so.
pub const MAX_EXPORT_ROWS: u64 = 1_000_000;

/// Items loaded per step of an export: what one step holds in memory.
const EXPORT_BATCH: usize = 500;

/// The explorer's query parameters, as they came. Unknown parameters are ignored: links
/// from other pages may carry more than the explorer uses.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct ExplorerParams {
    pub q: Option<String>,
    pub brand: Option<String>,
    pub source: Option<String>,
    pub sentiment: Option<String>,
    pub topic: Option<String>,
    pub lang: Option<String>,
    pub author: Option<String>,
    pub from: Option<String>,
    pub to: Option<String>,
    pub order: Option<String>,
    pub page: Option<String>,
    pub per: Option<String>,
}

impl ExplorerParams {
    /// The query string of these parameters with `page` (or without it): for the pager,
    /// the export link and the language switch. Blank parameters are left out.
    fn query_string(&self, page: Option<usize>, with_paging: bool) -> String {
        let mut out = form_urlencoded::Serializer::new(String::new());
        let filters = [
            ("q", &self.q),
            ("brand", &self.brand),
            ("source", &self.source),
            ("sentiment", &self.sentiment),
            ("topic", &self.topic),
            ("lang", &self.lang),
            ("author", &self.author),
            ("from", &self.from),
            ("to", &self.to),
            ("order", &self.order),
        ];
        for (name, value) in filters {
            if let Some(value) = params::present(value.as_deref()) {
                out.append_pair(name, value);
            }
        }
        if with_paging {
            if let Some(per) = params::present(self.per.as_deref()) {
                out.append_pair("per", per);
            }
            if let Some(page) = page.filter(|p| *p > 1) {
                out.append_pair("page", &page.to_string());
            }
        }
        out.finish()
    }
}

/// A search the parameters asked for, checked.
struct Search {
    query: Option<Query>,
    filters: Filters,
    order: SearchOrder,
    page: usize,
    per: usize,
}

/// Why the parameters do not make a search.
pub enum Problem {
    /// `q` does not parse: the parser's message and the 1-based column (in characters).
    Query { message: String, column: usize },
    /// Another parameter is wrong; the message names it.
    Param(String),
}

impl Problem {
    fn from_error(error: AppError) -> Problem {
        match error {
            AppError::QuerySyntax { column, message } => Problem::Query { message, column },
            other => Problem::Param(other.to_string()),
        }
    }
}

fn parse_search(
    state: &AppState,
    workspace: &Workspace,
    p: &ExplorerParams,
) -> Result<Search, AppError> {
    let query = match params::present(p.q.as_deref()) {
        Some(q) => Some(Query::parse(q).map_err(|e| AppError::QuerySyntax {
            column: e.column,
            message: e.message,
        })?),
        None => None,
    };
    let order = params::parse_order(p.order.as_deref())?;
    let per = match params::present(p.per.as_deref()) {
        None => PAGE_SIZES[0],
        Some(value) => PAGE_SIZES
            .into_iter()
            .find(|n| n.to_string() == value)
            .ok_or_else(|| {
                AppError::BadRequest(format!("parameter `per`: must be 25 or 50, not `{value}`"))
            })?,
    };
    let last_page = MAX_SEARCH_OFFSET / per + 1;
    let page = params::parse_count("page", p.page.as_deref(), 1, 1, last_page)?;
    let tz = params::time_zone(state)?;
    let filters = params::filters(
        &RawFilters {
            brand: p.brand.as_deref(),
            source: p.source.as_deref(),
            sentiment: p.sentiment.as_deref(),
            topic: p.topic.as_deref(),
            lang: p.lang.as_deref(),
            author: p.author.as_deref(),
            from: p.from.as_deref(),
            to: p.to.as_deref(),
        },
        workspace,
        &tz,
    )?;
    Ok(Search {
        query,
        filters,
        order,
        page,
        per,
    })
}

/// One option of a `<select>`.
pub struct Choice {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

fn choices<T: Copy>(
    all: &[T],
    current: Option<&str>,
    value: fn(T) -> &'static str,
    label: impl Fn(T) -> String,
) -> Vec<Choice> {
    let current = params::present(current);
    all.iter()
        .map(|t| Choice {
            value: value(*t).to_owned(),
            label: label(*t),
            selected: current == Some(value(*t)),
        })
        .collect()
}

/// The search form as the user left it.
struct FormView {
    q: String,
    brands: Vec<Choice>,
    sources: Vec<Choice>,
    sentiments: Vec<Choice>,
    topics: Vec<Choice>,
    langs: Vec<Choice>,
    orders: Vec<Choice>,
    pers: Vec<Choice>,
    author: String,
    from: DateField,
    to: DateField,
}

/// A date filter's input: a date picker for a day, a text field for an RFC 3339 time
/// (which a date picker would drop).
struct DateField {
    value: String,
    kind: &'static str,
}

impl DateField {
    fn of(value: Option<&str>) -> DateField {
        let value = value.unwrap_or_default().trim().to_owned();
        let is_day = value.is_empty() || (value.len() == 10 && value.parse::<Date>().is_ok());
        DateField {
            kind: if is_day { "date" } else { "text" },
            value,
        }
    }
}

fn form_view(workspace: &Workspace, p: &ExplorerParams, e: &ExplorerTexts) -> FormView {
    let current_brand = params::present(p.brand.as_deref());
    FormView {
        q: p.q.clone().unwrap_or_default(),
        brands: workspace
            .brands
            .iter()
            .map(|b| Choice {
                value: b.id.0.clone(),
                label: b.name.clone(),
                selected: current_brand == Some(b.id.0.as_str()),
            })
            .collect(),
        sources: choices(
            &SourceKind::ALL,
            p.source.as_deref(),
            SourceKind::as_str,
            |k| source_label(k).to_owned(),
        ),
        sentiments: choices(
            &SentimentLabel::ALL,
            p.sentiment.as_deref(),
            SentimentLabel::as_str,
            |s| e.sentiment_label(s).to_owned(),
        ),
        topics: choices(&Topic::ALL, p.topic.as_deref(), Topic::as_str, |t| {
            e.topic_label(t).to_owned()
        }),
        langs: choices(&Lang::ALL, p.lang.as_deref(), Lang::as_str, |l| {
            e.lang_label(l).to_owned()
        }),
        orders: choices(
            &[
                SearchOrder::Relevance,
                SearchOrder::Newest,
                SearchOrder::Oldest,
            ],
            p.order.as_deref(),
            params::order_name,
            |o| e.order_label(o).to_owned(),
        ),
        pers: PAGE_SIZES
            .iter()
            .map(|n| Choice {
                value: n.to_string(),
                label: n.to_string(),
                selected: params::present(p.per.as_deref()) == Some(n.to_string().as_str()),
            })
            .collect(),
        author: p.author.clone().unwrap_or_default(),
        from: DateField::of(p.from.as_deref()),
        to: DateField::of(p.to.as_deref()),
    }
}

/// A platform's name as people write it.
pub fn source_label(kind: SourceKind) -> &'static str {
    match kind {
        SourceKind::Rss => "RSS",
        SourceKind::Mastodon => "Mastodon",
        SourceKind::Bluesky => "Bluesky",
        SourceKind::X => "X",
        SourceKind::Facebook => "Facebook",
        SourceKind::File => "File",
        SourceKind::Webhook => "Webhook",
    }
}

/// An item as the explorer and the item page show it: every value formatted, every text
/// still raw (the template escapes).
pub struct ItemView {
    pub id: i64,
    pub link: String,
    pub author_name: Option<String>,
    pub handle: String,
    pub followers: Option<String>,
    pub source: &'static str,
    pub source_name: String,
    pub time: String,
    pub time_iso: String,
    pub title: Option<String>,
    /// The text in pieces, the ones that matched the search marked.
    pub text: Vec<Segment>,
    /// `negative`, `neutral` or `positive`: the badge's class.
    pub sentiment: &'static str,
    pub sentiment_label: &'static str,
    pub topics: Vec<&'static str>,
    pub brands: Vec<String>,
    pub inquiry: bool,
    pub likes: String,
    pub shares: String,
    pub replies: String,
    pub views: Option<String>,
}

impl ItemView {
    pub fn new(
        stored: &StoredItem,
        workspace: &Workspace,
        link: String,
        fmt: &Formatter,
        e: &ExplorerTexts,
    ) -> ItemView {
        let item = &stored.item;
        let en = &item.enrichment;
        ItemView {
            id: stored.id.0,
            link,
            author_name: item.author.name.clone().filter(|n| !n.trim().is_empty()),
            handle: item.author.handle.clone(),
            followers: item.author.followers.map(|n| fmt.number(n)),
            source: source_label(item.source.kind),
            source_name: item.source.name.clone(),
            time: fmt.datetime(&item.published_at),
            time_iso: item.published_at.to_string(),
            title: item.title.clone().filter(|t| !t.trim().is_empty()),
            text: vec![Segment {
                text: item.text.clone(),
                hit: false,
            }],
            sentiment: en.sentiment.label.as_str(),
            sentiment_label: e.sentiment_label(en.sentiment.label),
            topics: en.topics.iter().map(|t| e.topic_label(t)).collect(),
            brands: en
                .brands
                .iter()
                .map(|id| brand_name(workspace, &id.0))
                .collect(),
            inquiry: en.inquiry,
            likes: fmt.number(item.engagement.likes),
            shares: fmt.number(item.engagement.shares),
            replies: fmt.number(item.engagement.replies),
            views: item.engagement.views.map(|n| fmt.number(n)),
        }
    }
}

impl ItemView {
    /// Marks where the words of the search start words of the text.
    fn highlighted(mut self, needles: &[String]) -> ItemView {
        if !needles.is_empty() {
            let text: String = self.text.iter().map(|s| s.text.as_str()).collect();
            self.text = highlight(&text, needles);
        }
        self
    }
}

/// A piece of an item's text; `hit` when it matched the search. Pieces are plain text the
/// template escapes one by one, so marking a match never lets markup of the item through.
pub struct Segment {
    pub text: String,
    pub hit: bool,
}

/// The words of a query worth marking in a text, lower-cased: every word and phrase word
/// but those under NOT.
fn needles(query: &Query, out: &mut Vec<String>) {
    match query {
        Query::And(all) | Query::Or(all) => all.iter().for_each(|q| needles(q, out)),
        Query::Word { word, .. } => out.push(word.to_lowercase()),
        Query::Phrase(words) => out.extend(words.iter().map(|w| w.to_lowercase())),
        Query::Not(_) | Query::Hashtag(_) | Query::Mention(_) | Query::Field { .. } => {}
    }
    out.retain(|w| !w.is_empty());
}

/// Splits `text` where a needle starts a word (ignoring case); a needle also marks the start
/// of longer words (`klima` in `klimaet`), as the stemmed search finds those too.
fn highlight(text: &str, needles: &[String]) -> Vec<Segment> {
    let mut out = Vec::new();
    let mut plain_from = 0;
    let mut at = 0;
    let mut after_letter = false;
    while let Some(c) = text[at..].chars().next() {
        if !after_letter
            && c.is_alphanumeric()
            && let Some(len) = needles
                .iter()
                .filter_map(|n| starts_with(&text[at..], n))
                .max()
        {
            if plain_from < at {
                out.push(Segment {
                    text: text[plain_from..at].to_owned(),
                    hit: false,
                });
            }
            out.push(Segment {
                text: text[at..at + len].to_owned(),
                hit: true,
            });
            at += len;
            plain_from = at;
            after_letter = true;
            continue;
        }
        after_letter = c.is_alphanumeric();
        at += c.len_utf8();
    }
    if plain_from < text.len() {
        out.push(Segment {
            text: text[plain_from..].to_owned(),
            hit: false,
        });
    }
    out
}

/// How many bytes at the start of `text` spell `needle` (lower case), ignoring case.
fn starts_with(text: &str, needle: &str) -> Option<usize> {
    let mut chars = text.char_indices();
    let mut end = 0;
    for wanted in needle.chars() {
        let (i, c) = chars.next()?;
        if !c.to_lowercase().eq(std::iter::once(wanted)) {
            return None;
        }
        end = i + c.len_utf8();
    }
    (end > 0).then_some(end)
}

/// A brand's name in the workspace, or its id when the workspace no longer has it.
pub fn brand_name(workspace: &Workspace, id: &str) -> String {
    workspace
        .brands
        .iter()
        .find(|b| b.id.0 == id)
        .map_or_else(|| id.to_owned(), |b| b.name.clone())
}

/// What `#results` shows.
struct Results {
    problem: Option<Problem>,
    /// `q` as typed, shown above the caret.
    query: String,
    /// The query with a caret under the problem's column, when `q` does not parse.
    caret: String,
    total: u64,
    total_text: String,
    items: Vec<ItemView>,
    page: usize,
    pages: usize,
    previous: Option<String>,
    next: Option<String>,
    /// The result goes deeper than search pages reach.
    too_deep: bool,
    export_link: String,
    /// Whether any filter or query narrows the search (for the empty state's advice).
    filtered: bool,
}

#[derive(askama::Template)]
#[template(path = "explorer.html")]
struct ExplorerTemplate<'a> {
    page: &'a Page,
    t: &'static ExplorerTexts,
    form: FormView,
    r: Results,
    action: String,
}

#[derive(askama::Template)]
#[template(path = "explorer_results.html")]
struct ResultsTemplate {
    t: &'static ExplorerTexts,
    r: Results,
}

/// `base?query`, or `base` alone when there is no query.
fn with_query(base: &str, query: &str) -> String {
    if query.is_empty() {
        base.to_owned()
    } else {
        format!("{base}?{query}")
    }
}

/// A caret under the 1-based `column` of `q`, as the line below it in monospace.
fn caret_line(column: usize) -> String {
    format!("{}^", " ".repeat(column.saturating_sub(1)))
}

async fn show(
    State(state): State<AppState>,
    mut page: Page,
    AppQuery(p): AppQuery<ExplorerParams>,
) -> Result<Response, PageError> {
    page.require(Role::Viewer)?;
    page.section = Some(Section::Explorer);
    let workspace = page.workspace()?.clone();
    let t = texts::<ExplorerTexts>(page.language);
    let action = page.ws_link("explorer");
    let link = |query: String| with_query(&action, &query);
    let filters = p.query_string(None, false);
    let export_link = with_query(&page.ws_link("explorer/export.csv"), &filters);
    let mut results = Results {
        problem: None,
        // Trimmed, as parsed: the column counts from the first non-blank character.
        query: params::present(p.q.as_deref())
            .unwrap_or_default()
            .to_owned(),
        caret: String::new(),
        total: 0,
        total_text: String::new(),
        items: Vec::new(),
        page: 1,
        pages: 1,
        previous: None,
        next: None,
        too_deep: false,
        export_link,
        filtered: !filters.is_empty(),
    };
    match parse_search(&state, &workspace, &p) {
        Err(error) => {
            let problem = Problem::from_error(error);
            if let Problem::Query { column, .. } = &problem {
                results.caret = caret_line(*column);
            }
            results.problem = Some(problem);
        }
        Ok(search) => {
            let mut marked = Vec::new();
            if let Some(query) = &search.query {
                needles(query, &mut marked);
            }
            let found = state
                .store
                .search(&SearchRequest {
                    workspace: workspace.id.clone(),
                    query: search.query,
                    filters: search.filters,
                    order: search.order,
                    offset: (search.page - 1) * search.per,
                    limit: search.per,
                })
                .await?;
            let reachable = (found.total as usize).min(MAX_SEARCH_OFFSET + search.per);
            results.total = found.total;
            results.total_text = match found.total {
                1 => t.found_one.to_owned(),
                n => format!("{} {}", page.fmt.number(n), t.found_many),
            };
            results.page = search.page;
            results.pages = reachable.div_ceil(search.per).max(1);
            results.too_deep = found.total as usize > MAX_SEARCH_OFFSET + search.per
                && search.page == results.pages;
            results.previous =
                (search.page > 1).then(|| link(p.query_string(Some(search.page - 1), true)));
            results.next = (search.page < results.pages)
                .then(|| link(p.query_string(Some(search.page + 1), true)));
            results.items = found
                .items
                .iter()
                .map(|item| {
                    ItemView::new(
                        item,
                        &workspace,
                        page.ws_link(&format!("items/{}", item.id.0)),
                        &page.fmt,
                        t,
                    )
                    .highlighted(&marked)
                })
                .collect();
        }
    }
    // A problem is the user's mistake: 400, with the page that shows it.
    let status = if results.problem.is_some() {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    if page.htmx {
        // htmx swaps only successful responses: a problem is shown in the fragment.
        return render(&ResultsTemplate { t, r: results });
    }
    let form = form_view(&workspace, &p, t);
    let mut response = render(&ExplorerTemplate {
        page: &page,
        t,
        form,
        r: results,
        action,
    })?;
    *response.status_mut() = status;
    Ok(response)
}

/// The CSV's columns, in order.
const CSV_HEADER: [&str; 21] = [
    "id",
    "published_at",
    "published_local",
    "source",
    "source_name",
    "author_handle",
    "author_name",
    "followers",
    "text",
    "url",
    "lang",
    "sentiment",
    "sentiment_score",
    "topics",
    "brands",
    "stakeholder",
    "inquiry",
    "likes",
    "shares",
    "replies",
    "views",
];

/// Makes a cell safe to open in a spreadsheet: one that starts like a formula (`=`, `+`,
/// `-`, `@`) or with a tab or carriage return gets a `'` in front, so Excel and LibreOffice
/// show it as text instead of running it (CSV injection).
pub fn spreadsheet_safe(cell: &str) -> std::borrow::Cow<'_, str> {
    if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        std::borrow::Cow::Owned(format!("'{cell}"))
    } else {
        std::borrow::Cow::Borrowed(cell)
    }
}

fn csv_row(stored: &StoredItem, zone: &jiff::tz::TimeZone) -> [String; 21] {
    let item = &stored.item;
    let e = &item.enrichment;
    let text = match &item.title {
        Some(title) if !title.is_empty() => format!("{title}\n{}", item.text),
        _ => item.text.clone(),
    };
    let optional = |n: Option<u64>| n.map(|n| n.to_string()).unwrap_or_default();
    let safe = |s: &str| spreadsheet_safe(s).into_owned();
    [
        stored.id.0.to_string(),
        item.published_at.to_string(),
        item.published_at
            .to_zoned_datetime(zone.clone())
            .strftime("%Y-%m-%d %H:%M:%S")
            .to_string(),
        item.source.kind.as_str().to_owned(),
        safe(&item.source.name),
        safe(&item.author.handle),
        safe(item.author.name.as_deref().unwrap_or_default()),
        optional(item.author.followers),
        safe(&text),
        safe(item.url.as_deref().unwrap_or_default()),
        e.lang.as_str().to_owned(),
        e.sentiment.label.as_str().to_owned(),
        format!("{:.3}", e.sentiment.score),
        e.topics
            .iter()
            .map(Topic::as_str)
            .collect::<Vec<_>>()
            .join(";"),
        safe(
            &e.brands
                .iter()
                .map(|b| b.0.as_str())
                .collect::<Vec<_>>()
                .join(";"),
        ),
        e.stakeholder
            .map(Stakeholder::as_str)
            .unwrap_or_default()
            .to_owned(),
        e.inquiry.to_string(),
        item.engagement.likes.to_string(),
        item.engagement.shares.to_string(),
        item.engagement.replies.to_string(),
        optional(item.engagement.views),
    ]
}

/// Writes `rows` as CSV; the buffer is what one step of the stream sends.
fn csv_bytes<I, R>(rows: I) -> Result<Vec<u8>, csv::Error>
where
    I: IntoIterator<Item = R>,
    R: IntoIterator,
    R::Item: AsRef<[u8]>,
{
    let mut writer = csv::WriterBuilder::new()
        .flexible(true)
        .from_writer(Vec::new());
    for row in rows {
        writer.write_record(row)?;
    }
    writer
        .into_inner()
        .map_err(|e| csv::Error::from(std::io::Error::other(e.to_string())))
}

/// Sends the CSV of every item `request` matches, a batch at a time, into `tx`: the BOM and
/// the header first, then at most `max_rows` rows, then (if cut) a line saying so.
/// A failure ends the stream with an error, so a broken download never looks whole.
async fn stream_csv(
    store: std::sync::Arc<dyn omdomme_store::Store>,
    mut request: ExportRequest,
    zone: jiff::tz::TimeZone,
    total: u64,
    max_rows: u64,
    tx: tokio::sync::mpsc::Sender<Result<Bytes, std::io::Error>>,
) {
    let mut first = b"\xEF\xBB\xBF".to_vec();
    match csv_bytes([CSV_HEADER]) {
        Ok(header) => first.extend(header),
        Err(e) => {
            let _ = tx.send(Err(std::io::Error::other(e))).await;
            return;
        }
    }
    if tx.send(Ok(Bytes::from(first))).await.is_err() {
        return;
    }
    let mut written: u64 = 0;
    loop {
        let batch = match store.export_items(&request).await {
            Ok(batch) => batch,
            Err(e) => {
                tracing::error!(error = %e, "exporting items");
                // Ends the download with an error: a cut file must not look whole.
                let _ = tx.send(Err(std::io::Error::other("export failed"))).await;
                return;
            }
        };
        let room = usize::try_from(max_rows - written).unwrap_or(usize::MAX);
        let rows: Vec<[String; 21]> = batch
            .items
            .iter()
            .take(room)
            .map(|item| csv_row(item, &zone))
            .collect();
        written += rows.len() as u64;
        let cut = written >= max_rows && (batch.next.is_some() || batch.items.len() > rows.len());
        let mut bytes = match csv_bytes(rows) {
            Ok(bytes) => bytes,
            Err(e) => {
                let _ = tx.send(Err(std::io::Error::other(e))).await;
                return;
            }
        };
        if cut {
            let note = format!(
                "# cut at {max_rows} rows of {total}: narrow the search to export the rest"
            );
            if let Ok(line) = csv_bytes([[note]]) {
                bytes.extend(line);
            }
        }
        if tx.send(Ok(Bytes::from(bytes))).await.is_err() {
            return; // The client went away.
        }
        match batch.next {
            Some(next) if !cut => request.after = Some(next),
            _ => return,
        }
    }
}

/// A workspace id as a file name may hold it.
fn file_name_part(id: &str) -> String {
    id.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

async fn export(
    State(state): State<AppState>,
    page: Page,
    AppQuery(p): AppQuery<ExplorerParams>,
) -> Result<Response, PageError> {
    page.require(Role::Viewer)?;
    let workspace = page.workspace()?.clone();
    let search = parse_search(&state, &workspace, &p)?;
    let total = state
        .store
        .search(&SearchRequest {
            workspace: workspace.id.clone(),
            query: search.query.clone(),
            filters: search.filters.clone(),
            order: SearchOrder::Newest,
            offset: 0,
            limit: 1,
        })
        .await?
        .total;
    // Not a change, but a copy of the data leaving Omdømme: the audit log says who took what.
    page.audit(
        &state,
        "explorer.export",
        &workspace.id.0,
        &format!(
            "{} items; {}",
            total.min(MAX_EXPORT_ROWS),
            p.query_string(None, false)
        ),
    )
    .await?;
    let request = ExportRequest {
        workspace: workspace.id.clone(),
        query: search.query,
        filters: search.filters,
        newest_first: search.order != SearchOrder::Oldest,
        after: None,
        limit: EXPORT_BATCH,
    };
    let zone = page.fmt.zone.clone();
    // A few steps ahead at most: a slow client holds back the store, not the memory.
    let (tx, rx) = tokio::sync::mpsc::channel::<Result<Bytes, std::io::Error>>(4);
    tokio::spawn(stream_csv(
        state.store.clone(),
        request,
        zone,
        total,
        MAX_EXPORT_ROWS,
        tx,
    ));
    let stream = futures_util::stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|chunk| (chunk, rx))
    });
    let date = page
        .now
        .to_zoned_datetime(page.fmt.zone.clone())
        .strftime("%Y-%m-%d")
        .to_string();
    let disposition = format!(
        "attachment; filename=\"omdomme-{}-{date}.csv\"",
        file_name_part(&workspace.id.0)
    );
    let mut response = Body::from_stream(stream).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/csv; charset=utf-8"),
    );
    headers.insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_str(&disposition).map_err(AppError::internal)?,
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formula_like_cells_become_text() {
        for cell in ["=1+1", "+47 999", "-2", "@SUM(A1)", "\tx", "\rx"] {
            assert_eq!(spreadsheet_safe(cell), format!("'{cell}"));
        }
        assert_eq!(spreadsheet_safe("Nordlys = bra"), "Nordlys = bra");
        assert_eq!(spreadsheet_safe(""), "");
    }

    #[tokio::test]
    async fn a_long_export_is_cut_and_says_so() {
        use omdomme_core::{Item, ItemKind, SourceKey, WorkspaceId};
        let dir = tempfile::tempdir().unwrap();
        let store: std::sync::Arc<dyn omdomme_store::Store> =
            std::sync::Arc::new(omdomme_store::SqliteStore::open(dir.path()).unwrap());
        let ws = Workspace {
            id: WorkspaceId("w".to_owned()),
            name: "W".to_owned(),
            synthetic: true,
            brands: Vec::new(),
        };
        store.put_workspace(&ws).await.unwrap();
        let at: jiff::Timestamp = "2025-06-15T12:00:00Z".parse().unwrap();
        let items: Vec<Item> = (0..7)
            .map(|n| Item {
                source: SourceKey::new(SourceKind::Rss, "r"),
                external_id: n.to_string(),
                kind: ItemKind::Article,
                author: Default::default(),
                title: None,
                text: format!("tekst {n}"),
                url: None,
                thread_id: None,
                parent_id: None,
                engagement: Default::default(),
                published_at: at,
                collected_at: at,
                declared_lang: None,
                enrichment: Default::default(),
                synthetic: true,
            })
            .collect();
        store.put_items(&ws.id, &items).await.unwrap();
        store.flush().await.unwrap();
        let request = ExportRequest {
            workspace: ws.id.clone(),
            query: None,
            filters: Filters::default(),
            newest_first: true,
            after: None,
            limit: 2,
        };
        let (tx, mut rx) = tokio::sync::mpsc::channel(4);
        stream_csv(store, request, jiff::tz::TimeZone::UTC, 7, 3, tx).await;
        let mut csv = Vec::new();
        while let Some(chunk) = rx.recv().await {
            csv.extend_from_slice(&chunk.unwrap());
        }
        let csv = String::from_utf8(csv).unwrap();
        let lines: Vec<&str> = csv.lines().collect();
        assert_eq!(lines.len(), 1 + 3 + 1, "{csv}");
        assert!(lines[0].starts_with("\u{feff}id,published_at"));
        assert!(lines[1].contains("tekst 6"), "newest stored first: {csv}");
        assert_eq!(
            lines[4],
            "# cut at 3 rows of 7: narrow the search to export the rest"
        );
    }

    #[test]
    fn matches_are_marked_at_word_starts_without_markup() {
        let marked = |text: &str, words: &[&str]| {
            let needles: Vec<String> = words.iter().map(|w| (*w).to_owned()).collect();
            highlight(text, &needles)
                .iter()
                .map(|s| {
                    if s.hit {
                        format!("[{}]", s.text)
                    } else {
                        s.text.clone()
                    }
                })
                .collect::<String>()
        };
        assert_eq!(
            marked("Klimaet og <b>klima</b>, ikke reklima", &["klima"]),
            "[Klima]et og <b>[klima]</b>, ikke reklima"
        );
        assert_eq!(marked("Ærlig ærlig", &["ærlig"]), "[Ærlig] [ærlig]");
        assert_eq!(marked("ingen treff", &["klima"]), "ingen treff");
        assert_eq!(marked("", &["klima"]), "");
        let mut words = Vec::new();
        needles(
            &Query::parse("klima OR \"grønn Energi\" NOT olje #tag").unwrap(),
            &mut words,
        );
        assert_eq!(words, ["klima", "grønn", "energi"]);
    }

    #[test]
    fn the_caret_points_at_the_column() {
        assert_eq!(caret_line(1), "^");
        assert_eq!(caret_line(4), "   ^");
    }

    #[test]
    fn file_names_keep_only_safe_characters() {
        assert_eq!(file_name_part("nordlys"), "nordlys");
        assert_eq!(file_name_part("a\"b/c ø"), "a_b_c__");
    }
}
