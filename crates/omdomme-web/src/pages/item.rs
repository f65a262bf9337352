//! `/w/{ws}/items/{id}`: one item with its enrichment and the conversation around it (its
//! thread, parent chain and replies, oldest first, the item itself highlighted).

use axum::Router;
use axum::extract::State;
use axum::response::Response;
use axum::routing::get;
use omdomme_core::ItemId;
use omdomme_store::{Role, UiLanguage};

use super::explorer::{ExplorerTexts, ItemView, brand_name};
use super::{Page, PageError, Section, render};
use crate::error::AppError;
use crate::extract::AppPath;
use crate::i18n::texts;
use crate::{AppState, texts};

pub fn routes() -> Router<AppState> {
    Router::new().route("/w/{ws}/items/{id}", get(show))
}

texts!(pub ItemTexts {
    title: "Innlegg" / "Post",
    back: "Tilbake til søket" / "Back to the search",
    original: "Åpne originalen" / "Open the original",
    enrichment: "Analyse" / "Analysis",
    language: "Språk" / "Language",
    declared: "oppgitt av plattformen" / "declared by the platform",
    sentiment: "Sentiment" / "Sentiment",
    score: "poeng" / "score",
    towards: "Sentiment mot hver merkevare" / "Sentiment towards each brand",
    topics: "Temaer" / "Topics",
    no_topics: "Ingen" / "None",
    stakeholder: "Interessent" / "Stakeholder",
    unknown: "Ukjent" / "Unknown",
    inquiry: "Henvendelse som bør besvares" / "Inquiry that deserves an answer",
    yes: "Ja" / "Yes",
    no: "Nei" / "No",
    model: "Modell" / "Model",
    not_enriched: "ikke analysert ennå" / "not analysed yet",
    engagement: "Engasjement" / "Engagement",
    source: "Kilde" / "Source",
    kind: "Type" / "Kind",
    collected: "Hentet" / "Collected",
    thread: "Samtalen" / "The conversation",
    thread_alone: "Innlegget er ikke del av en samtale vi har lagret." / "This post is not part of a conversation we have stored.",
    thread_truncated: "Samtalen er lang: bare en del vises." / "The conversation is long: only part of it is shown.",
    this_item: "Dette innlegget" / "This post",
    synthetic: "Syntetisk (demodata)" / "Synthetic (demo data)",
});

/// Relatives of each kind shown on the page.
const THREAD_LIMIT: usize = 200;

/// The sentiment towards one brand, for the table.
struct Towards {
    brand: String,
    sentiment: &'static str,
    label: &'static str,
    score: String,
}

#[derive(askama::Template)]
#[template(path = "item.html")]
struct ItemTemplate<'a> {
    page: &'a Page,
    t: &'static ExplorerTexts,
    i: &'static ItemTexts,
    it: ItemView,
    url: Option<String>,
    kind: &'static str,
    collected: String,
    lang: &'static str,
    declared_lang: Option<String>,
    score: String,
    towards: Vec<Towards>,
    stakeholder: Option<&'static str>,
    model: String,
    synthetic: bool,
    /// The conversation, oldest first; empty when the item stands alone.
    thread: Vec<ItemView>,
    truncated: bool,
    current_id: i64,
    back: String,
}

/// A link to the original only when it is http(s): never `javascript:` or `data:`.
fn web_url(url: Option<&str>) -> Option<String> {
    let url = url?.trim();
    let scheme = url.split_once(':')?.0.to_ascii_lowercase();
    (scheme == "http" || scheme == "https").then(|| url.to_owned())
}

async fn show(
    State(state): State<AppState>,
    mut page: Page,
    AppPath((_ws, id)): AppPath<(String, String)>,
) -> Result<Response, PageError> {
    page.require(Role::Viewer)?;
    page.section = Some(Section::Explorer);
    let workspace = page.workspace()?.clone();
    let not_found = || AppError::NotFound(format!("no item {id} in this workspace"));
    let item_id: i64 = id.parse().map_err(|_| not_found())?;
    let thread = state
        .store
        .thread(&workspace.id, ItemId(item_id), THREAD_LIMIT)
        .await?
        .ok_or_else(not_found)?;
    let t = texts::<ExplorerTexts>(page.language);
    let i = texts::<ItemTexts>(page.language);
    let view = |stored: &omdomme_core::StoredItem| {
        ItemView::new(
            stored,
            &workspace,
            page.ws_link(&format!("items/{}", stored.id.0)),
            &page.fmt,
            t,
        )
    };
    let stored = &thread.item;
    let item = &stored.item;
    let e = &item.enrichment;
    let towards = e
        .brand_sentiment
        .iter()
        .map(|b| Towards {
            brand: brand_name(&workspace, &b.brand.0),
            sentiment: b.sentiment.label.as_str(),
            label: t.sentiment_label(b.sentiment.label),
            score: format!("{:+.2}", b.sentiment.score),
        })
        .collect();
    // A lone item needs no conversation list.
    let entries: Vec<ItemView> = if thread.items.len() > 1 {
        thread.items.iter().map(view).collect()
    } else {
        Vec::new()
    };
    render(&ItemTemplate {
        it: view(stored),
        url: web_url(item.url.as_deref()),
        kind: item.kind.as_str(),
        collected: page.fmt.datetime(&item.collected_at),
        lang: t.lang_label(e.lang),
        declared_lang: item.declared_lang.clone(),
        score: format!("{:+.2}", e.sentiment.score),
        towards,
        stakeholder: e.stakeholder.map(|s| t.stakeholder_label(s)),
        model: e.model.clone(),
        synthetic: item.synthetic,
        thread: entries,
        truncated: thread.truncated,
        current_id: stored.id.0,
        back: page.ws_link("explorer"),
        page: &page,
        t,
        i,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_web_links_are_linked() {
        assert_eq!(
            web_url(Some("https://nrk.no/a")).as_deref(),
            Some("https://nrk.no/a")
        );
        assert_eq!(web_url(Some("HTTP://x.no")).as_deref(), Some("HTTP://x.no"));
        assert_eq!(web_url(Some("javascript:alert(1)")), None);
        assert_eq!(web_url(Some(" data:text/html,x")), None);
        assert_eq!(web_url(Some("/relative")), None);
        assert_eq!(web_url(None), None);
    }
}
