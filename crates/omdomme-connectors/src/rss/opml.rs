//! OPML subscription lists, as every feed reader exports them.
//!
//! Feeds are `<outline xmlUrl="...">` elements at any depth (readers nest them in folders).
//! The OPML 2.0 spec asks for `type="rss"`; exporters also write `atom`, `RSS` or nothing, so
//! any outline with an `xmlUrl` counts unless its type says it is something else (`link`,
//! `include`). A URL listed twice (in two folders) gives one source; two feeds with the same
//! title get names told apart by their host.

use std::collections::HashSet;

use quick_xml::Reader;
use quick_xml::events::{BytesStart, Event};

use super::{Config, feed_url};
use crate::{ConnectorError, ConnectorResult};

/// One [`Config`] per feed in an OPML document, in document order, with default settings.
/// An outline whose `xmlUrl` is not an http(s) address still yields a config, whose
/// [`Config::problems`] names it, so an import can say which entries it could not take.
pub fn opml_feeds(xml: &str) -> ConnectorResult<Vec<Config>> {
    let mut reader = Reader::from_str(xml);
    let mut root = None;
    let mut feeds: Vec<Config> = Vec::new();
    let mut urls = HashSet::new();
    loop {
        let event = reader.read_event().map_err(|e| {
            ConnectorError::config(format!(
                "the OPML file is not well-formed XML (at byte {}): {e}",
                reader.error_position()
            ))
        })?;
        let element = match &event {
            Event::Start(element) | Event::Empty(element) => element,
            Event::Eof => break,
            _ => continue,
        };
        let name = String::from_utf8_lossy(element.local_name().as_ref()).to_ascii_lowercase();
        match &root {
            None if name != "opml" => {
                return Err(ConnectorError::config(format!(
                    "not an OPML file: the document starts with <{name}>, not <opml>"
                )));
            }
            None => root = Some(name),
            Some(_) if name == "outline" => {
                let Some(feed) = outline_feed(element) else {
                    continue;
                };
                if urls.insert(same_feed_key(&feed.url)) {
                    feeds.push(feed);
                }
            }
            Some(_) => {}
        }
    }
    if root.is_none() {
        return Err(ConnectorError::config(
            "not an OPML file: it has no <opml> element",
        ));
    }
    if feeds.is_empty() {
        return Err(ConnectorError::config(
            "the OPML file lists no feeds (no <outline> with an xmlUrl)",
        ));
    }
    tell_apart(&mut feeds);
    Ok(feeds)
}

fn outline_feed(outline: &BytesStart<'_>) -> Option<Config> {
    let attr = |wanted: &str| {
        outline
            .attributes()
            .flatten()
            .find(|a| {
                String::from_utf8_lossy(a.key.local_name().as_ref()).eq_ignore_ascii_case(wanted)
            })
            .map(|a| match a.unescape_value() {
                Ok(value) => value.into_owned(),
                Err(_) => String::from_utf8_lossy(&a.value).into_owned(),
            })
            .map(|value| value.split_whitespace().collect::<Vec<_>>().join(" "))
            .filter(|value| !value.is_empty())
    };
    let url = attr("xmlUrl")?;
    if let Some(kind) = attr("type")
        && !matches!(kind.to_ascii_lowercase().as_str(), "rss" | "atom")
    {
        return None;
    }
    let name = attr("title")
        .or_else(|| attr("text"))
        .or_else(|| host(&url))
        .unwrap_or_else(|| url.clone());
    Some(Config::new(name, url))
}

/// Two spellings of one address (case of the host, a default port) count as one feed.
fn same_feed_key(url: &str) -> String {
    feed_url(url).map_or_else(|_| url.to_owned(), String::from)
}

fn host(url: &str) -> Option<String> {
    let url = feed_url(url).ok()?;
    let host = url.host_str()?;
    Some(host.strip_prefix("www.").unwrap_or(host).to_owned())
}

/// Source names must be unique: a repeated name gets its feed's host, then a number.
fn tell_apart(feeds: &mut [Config]) {
    let mut counts = std::collections::HashMap::new();
    for feed in feeds.iter() {
        *counts.entry(feed.name.clone()).or_insert(0usize) += 1;
    }
    let mut taken = HashSet::new();
    for feed in feeds.iter_mut() {
        if counts.get(&feed.name).is_some_and(|&n| n > 1)
            && let Some(host) = host(&feed.url)
        {
            feed.name = format!("{} ({host})", feed.name);
        }
        let base = feed.name.clone();
        let mut n = 2;
        while !taken.insert(feed.name.clone()) {
            feed.name = format!("{base} {n}");
            n += 1;
        }
    }
}
