//! `omdomme search QUERY`: the same search the API answers, printed for a terminal or as JSON.

use anyhow::{Context as _, bail};
use clap::{Args, ValueEnum};
use jiff::Timestamp;
use omdomme_core::{BrandId, Lang, Query, SentimentLabel, SourceKind, Topic};
use omdomme_store::{Filters, SearchOrder, SearchRequest};

use crate::cli::{Context, WorkspaceArg, resolve_workspace};

#[derive(Debug, Args)]
pub struct SearchArgs {
    /// Words, "phrases", #hashtags, @accounts, AND/OR/NOT, -exclusions, lang:nb; empty lists the newest.
    pub query: Option<String>,
    #[command(flatten)]
    pub workspace: WorkspaceArg,
    #[arg(long)]
    pub brand: Option<String>,
    /// rss, mastodon, bluesky, x, facebook, file or webhook.
    #[arg(long, value_parser = parse_with(SourceKind::parse, "rss, mastodon, bluesky, x, facebook, file, webhook"))]
    pub source: Option<SourceKind>,
    /// negative, neutral or positive.
    #[arg(long, value_parser = parse_with(SentimentLabel::parse, "negative, neutral, positive"))]
    pub sentiment: Option<SentimentLabel>,
    /// climate, labour, diversity, employer, governance, community or product.
    #[arg(long, value_parser = parse_with(Topic::parse, "climate, labour, diversity, employer, governance, community, product"))]
    pub topic: Option<Topic>,
    /// nb, nn, en, sv, da or other.
    #[arg(long, value_parser = parse_with(Lang::parse, "nb, nn, en, sv, da, other"))]
    pub lang: Option<Lang>,
    /// Author handle, without @.
    #[arg(long)]
    pub author: Option<String>,
    /// Published at or after (RFC 3339, e.g. 2026-10-01T00:00:00Z).
    #[arg(long)]
    pub from: Option<Timestamp>,
    /// Published before (RFC 3339).
    #[arg(long)]
    pub to: Option<Timestamp>,
    #[arg(long, value_enum, default_value_t = Order::Relevance)]
    pub order: Order,
    #[arg(long, default_value_t = 20)]
    pub limit: usize,
    #[arg(long, default_value_t = 0)]
    pub offset: usize,
    /// Print the result page as JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum Order {
    Relevance,
    Newest,
    Oldest,
}

fn parse_with<T: Clone + Send + Sync + 'static>(
    parse: fn(&str) -> Option<T>,
    valid: &'static str,
) -> impl Fn(&str) -> Result<T, String> + Clone {
    move |s| parse(s).ok_or_else(|| format!("expected one of: {valid}"))
}

pub async fn run(context: &Context, args: SearchArgs) -> anyhow::Result<()> {
    let store = context.open_store().await?;
    let workspace = resolve_workspace(store.as_ref(), args.workspace.workspace.as_deref()).await?;
    let query = match args.query.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(text) => Some(Query::parse(text).map_err(|e| {
            anyhow::anyhow!(
                "query: {e}\n  {text}\n  {caret:>column$}",
                caret = "^",
                column = e.column
            )
        })?),
    };
    if let Some(brand) = &args.brand
        && !workspace.brands.iter().any(|b| &b.id.0 == brand)
    {
        let known: Vec<&str> = workspace.brands.iter().map(|b| b.id.0.as_str()).collect();
        bail!(
            "no brand {brand:?} in workspace {}; brands: {}",
            workspace.id,
            known.join(", ")
        );
    }
    let request = SearchRequest {
        workspace: workspace.id.clone(),
        query,
        filters: Filters {
            brand: args.brand.map(BrandId),
            source: args.source,
            sentiment: args.sentiment,
            topic: args.topic,
            lang: args.lang,
            author: args
                .author
                .map(|a| a.trim_start_matches('@').to_lowercase()),
            from: args.from,
            to: args.to,
        },
        order: match args.order {
            Order::Relevance => SearchOrder::Relevance,
            Order::Newest => SearchOrder::Newest,
            Order::Oldest => SearchOrder::Oldest,
        },
        offset: args.offset,
        limit: args.limit,
    };
    let page = store.search(&request).await.context("searching")?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&page)?);
        return Ok(());
    }
    if workspace.synthetic {
        println!("(synthetic demo data)");
    }
    println!("{} items match; showing {}", page.total, page.items.len());
    for stored in &page.items {
        let item = &stored.item;
        let e = &item.enrichment;
        let mut text: String = item.full_text().chars().take(160).collect();
        text = text.replace(['\n', '\r'], " ");
        println!(
            "#{} {} {} @{} [{} {} {:+.2}{}{}] {}",
            stored.id.0,
            item.published_at.strftime("%Y-%m-%d %H:%M"),
            item.source,
            item.author.handle,
            e.lang.as_str(),
            e.sentiment.label.as_str(),
            e.sentiment.score,
            if e.topics.is_empty() {
                String::new()
            } else {
                format!(
                    " {}",
                    e.topics
                        .iter()
                        .map(Topic::as_str)
                        .collect::<Vec<_>>()
                        .join(",")
                )
            },
            if e.inquiry { " inquiry" } else { "" },
            text
        );
    }
    Ok(())
}
