//! The article behind a teaser: fetch the item's link and keep the page's main text.
//!
//! Written over `omdomme_sources::html` (its tag walk and `html_to_text`) rather than a DOM
//! crate such as `scraper`: finding the main text needs only element boundaries of a few
//! names and two attributes, which that tokenizer already gives, and a full HTML5 tree
//! builder would add a dozen crates to every build on our two cores for no better answer.
//!
//! The main text is the `<article>` with the most text (pages list teasers of other articles
//! in `<article>`s too), else `<main>`, without the page furniture inside it (`<nav>`,
//! `<header>`, `<footer>`, `<aside>`, forms, figures, embedded frames); else the page's
//! `og:description` or `description`. Nothing is ever rendered or run.

use std::sync::Arc;
use std::time::Duration;

use futures_util::StreamExt;
use omdomme_core::Item;
use omdomme_sources::html::{Tag, html_to_text, tags};
use reqwest::header::{ACCEPT, CONTENT_TYPE};

use super::{PollReport, SUMMARY_CHARS, to_utf8};
use crate::http::{self, Http, RetryPolicy};
use crate::{Clock, ConnectorResult};

/// Article pages fetched at once.
const FETCHES_AT_ONCE: usize = 4;

/// Elements that hold page furniture rather than the article's text.
const FURNITURE: [&str; 11] = [
    "nav", "header", "footer", "aside", "form", "noscript", "figure", "button", "iframe", "svg",
    "template",
];

/// Fetches article pages within the configured limits.
pub(super) struct Articles {
    /// One attempt per page (a page that fails keeps its summary; retrying would hold up
    /// the poll), the full-text timeout, redirects followed.
    http: Http,
    max_bytes: usize,
}

impl Articles {
    pub(super) fn new(base: &Http, timeout: Duration, max_bytes: usize) -> ConnectorResult<Self> {
        let policy = RetryPolicy {
            attempts: 1,
            timeout,
            ..base.policy().clone()
        };
        let clock_of = base.clone();
        let clock: Clock = Arc::new(move || clock_of.now());
        Ok(Articles {
            http: Http::new(policy, clock)?,
            max_bytes,
        })
    }

    /// `items` with the article's text for each teaser whose page could be read; the rest as
    /// they came. Counts both in `report`.
    pub(super) async fn complete(&self, items: Vec<Item>, report: &mut PollReport) -> Vec<Item> {
        let done: Vec<(Item, Option<Result<(), String>>)> = futures_util::stream::iter(items)
            .map(|item| self.complete_one(item))
            .buffered(FETCHES_AT_ONCE)
            .collect()
            .await;
        done.into_iter()
            .map(|(item, outcome)| {
                match outcome {
                    Some(Ok(())) => report.full_text_fetched += 1,
                    Some(Err(why)) => report.full_text_failed.push(format!(
                        "{}: {why}",
                        item.url.as_deref().unwrap_or_default()
                    )),
                    None => {}
                }
                item
            })
            .collect()
    }

    /// `None` when the item needs no article.
    async fn complete_one(&self, mut item: Item) -> (Item, Option<Result<(), String>>) {
        let Some(url) = item.url.clone().filter(|_| is_teaser(&item)) else {
            return (item, None);
        };
        let outcome = match self.fetch(&url).await {
            Ok(article) => match with_article(&item.text, article) {
                Some(text) => {
                    item.text = text;
                    Ok(())
                }
                None => Err("the page has no more text than the feed's summary".to_owned()),
            },
            Err(why) => Err(why),
        };
        (item, Some(outcome))
    }

    /// The main text of the page at `url`, or why there is none.
    async fn fetch(&self, url: &str) -> Result<String, String> {
        let request = self
            .http
            .client()
            .get(url)
            .header(ACCEPT, "text/html, application/xhtml+xml;q=0.9");
        let response = self
            .http
            .send(request, http::classify)
            .await
            .map_err(|e| e.message)?;
        if !response.status().is_success() {
            return Err(format!("the site answered {}", response.status().as_u16()));
        }
        let content_type = response
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
            .unwrap_or_default();
        let media_type = content_type
            .split(';')
            .next()
            .unwrap_or_default()
            .trim()
            .to_ascii_lowercase();
        if !matches!(media_type.as_str(), "text/html" | "application/xhtml+xml") {
            return Err(format!(
                "not an HTML page (content type {:?})",
                if media_type.is_empty() {
                    "none"
                } else {
                    media_type.as_str()
                }
            ));
        }
        let too_large = || format!("the page is larger than {} bytes", self.max_bytes);
        if response
            .content_length()
            .is_some_and(|length| length > self.max_bytes as u64)
        {
            return Err(too_large());
        }
        let body = http::read_capped(response, self.max_bytes, false)
            .await
            .map_err(|e| {
                if e.kind == crate::ErrorKind::BadPayload {
                    too_large()
                } else {
                    e.message
                }
            })?;
        let body = to_utf8(body, Some(&content_type))?;
        article_text(&String::from_utf8_lossy(&body))
            .ok_or_else(|| "no article text found on the page".to_owned())
    }
}

/// How many of `items`, from the first, fit in one batch with at most `teasers` of them
/// needing their article.
pub(super) fn batch_len(items: &[Item], teasers: usize) -> usize {
    items
        .iter()
        .scan(0, |count, item| {
            *count += usize::from(is_teaser(item));
            Some(*count)
        })
        .take_while(|&count| count <= teasers)
        .count()
}

/// Whether the item carries only a teaser that its link can complete.
fn is_teaser(item: &Item) -> bool {
    item.text.chars().count() < SUMMARY_CHARS
        && item
            .url
            .as_deref()
            .is_some_and(|url| url.starts_with("https://") || url.starts_with("http://"))
}

/// The item's new text, if the article adds to the summary: the article, led by the summary
/// when the page does not repeat it (the lead often sits in the `<header>` left out).
fn with_article(summary: &str, article: String) -> Option<String> {
    let summary = summary.trim();
    if article.chars().count() <= summary.chars().count() {
        return None;
    }
    if summary.is_empty() || article.contains(summary) {
        Some(article)
    } else {
        Some(format!("{summary}\n\n{article}"))
    }
}

/// The main text of an article page; `None` when there is none.
pub(super) fn article_text(html: &str) -> Option<String> {
    let tags: Vec<Tag<'_>> = tags(html).collect();
    let body = ["article", "main"].iter().find_map(|name| {
        regions(html, &tags, name)
            .into_iter()
            .map(|(from, to)| html_to_text(&without_furniture(html, &tags, from, to)))
            .max_by_key(String::len)
            .filter(|text| !text.is_empty())
    });
    body.or_else(|| description(&tags))
}

/// The byte ranges inside each outermost `<name>` element.
fn regions(html: &str, tags: &[Tag<'_>], name: &str) -> Vec<(usize, usize)> {
    let mut found = Vec::new();
    let mut depth = 0usize;
    let mut from = 0;
    for tag in tags.iter().filter(|tag| tag.name == name) {
        if !tag.closing {
            if depth == 0 {
                from = tag.end;
            }
            depth += 1;
        } else if depth > 0 {
            depth -= 1;
            if depth == 0 {
                found.push((from, tag.start));
            }
        }
    }
    if depth > 0 {
        found.push((from, html.len()));
    }
    found
}

/// `html[from..to]` without the furniture elements in it.
fn without_furniture(html: &str, tags: &[Tag<'_>], from: usize, to: usize) -> String {
    let mut kept = String::with_capacity(to - from);
    let mut kept_from = from;
    let mut skipping: Option<(&str, usize)> = None;
    for tag in tags.iter().filter(|tag| tag.start >= from && tag.end <= to) {
        match &mut skipping {
            None if !tag.closing
                && FURNITURE.contains(&tag.name.as_str())
                && !html[tag.start..tag.end].ends_with("/>") =>
            {
                kept.push_str(&html[kept_from..tag.start]);
                skipping = Some((tag.name.as_str(), 1));
            }
            Some((name, depth)) if tag.name == *name => {
                if tag.closing {
                    *depth -= 1;
                    if *depth == 0 {
                        skipping = None;
                        kept_from = tag.end;
                    }
                } else {
                    *depth += 1;
                }
            }
            _ => {}
        }
    }
    if skipping.is_none() {
        kept.push_str(&html[kept_from..to]);
    }
    kept
}

/// `og:description`, else `<meta name="description">`.
fn description(tags: &[Tag<'_>]) -> Option<String> {
    let meta = |key: &str, value: &str| {
        tags.iter()
            .filter(|tag| tag.name == "meta" && !tag.closing)
            .find(|tag| {
                tag.attr(key)
                    .is_some_and(|found| found.eq_ignore_ascii_case(value))
            })
            .and_then(|tag| tag.attr("content"))
            .map(|content| content.trim().to_owned())
            .filter(|content| !content.is_empty())
    };
    meta("property", "og:description").or_else(|| meta("name", "description"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_longest_article_without_its_furniture() {
        let page = r#"<html><head><meta property="og:description" content="Ingress"></head><body>
            <header><nav><a href="/">Forsiden</a></nav></header>
            <article class="teaser"><h2>Les også</h2></article>
            <article><header><h1>Tittel</h1></header>
              <p>Første avsnitt.</p><figure><img src="x.jpg"><figcaption>Foto: NTB</figcaption></figure>
              <aside><article>Annonse</article></aside><p>Andre &amp; siste avsnitt.</p>
              <script>document.write("<p>nei</p>")</script></article>
            <footer>Ansvarlig redaktør</footer></body></html>"#;
        assert_eq!(
            article_text(page).as_deref(),
            Some("Første avsnitt.\nAndre & siste avsnitt.")
        );
    }

    #[test]
    fn main_then_description() {
        assert_eq!(
            article_text("<main><nav>meny</nav><p>Brødtekst</p></main>").as_deref(),
            Some("Brødtekst")
        );
        assert_eq!(
            article_text("<meta name=description content='Kort'><div>rot</div>").as_deref(),
            Some("Kort")
        );
        assert_eq!(article_text("<div>bare rot</div>"), None);
        assert_eq!(
            article_text("<article><p>uavsluttet <svg/> tekst").as_deref(),
            Some("uavsluttet tekst")
        );
    }

    #[test]
    fn the_summary_leads_unless_repeated() {
        assert_eq!(
            with_article("Kort.", "Kort. Og mer.".into()),
            Some("Kort. Og mer.".into())
        );
        assert_eq!(
            with_article("Ingress.", "Brødtekst som er lang.".into()),
            Some("Ingress.\n\nBrødtekst som er lang.".into())
        );
        assert_eq!(with_article("Lang ingress her", "Kort".into()), None);
    }
}
