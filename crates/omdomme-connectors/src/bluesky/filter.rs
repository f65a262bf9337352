//! Which posts the workspace wants: those at least one watch query matches.

use omdomme_core::text::MatchText;
use omdomme_core::{Item, Lang, Query, SourceKind};
use serde_json::Value;

use crate::WatchQuery;

pub(super) struct WatchFilter {
    queries: Vec<Query>,
}

impl WatchFilter {
    pub(super) fn new(watch: &[WatchQuery]) -> WatchFilter {
        WatchFilter {
            queries: watch.iter().map(|w| w.query.clone()).collect(),
        }
    }

    pub(super) fn is_empty(&self) -> bool {
        self.queries.is_empty()
    }

    /// Whether a post record (`text`, a link card's title in `embed`, its `langs`) by
    /// `author` matches, read the way brand matching reads the item later (title, then text).
    pub(super) fn matches_record(
        &self,
        text: &str,
        embed: Option<&Value>,
        langs: &[String],
        author: &str,
    ) -> bool {
        let title = embed
            .and_then(|e| e.pointer("/external/title"))
            .and_then(Value::as_str)
            .filter(|_| text.trim().is_empty());
        let lang = langs.first().map_or(Lang::Other, |l| declared_lang(l));
        self.matches(title, text, author, lang)
    }

    pub(super) fn matches_item(&self, item: &Item) -> bool {
        let lang = item
            .declared_lang
            .as_deref()
            .map_or(Lang::Other, declared_lang);
        self.matches(item.title.as_deref(), &item.text, &item.author.handle, lang)
    }

    fn matches(&self, title: Option<&str>, text: &str, author: &str, lang: Lang) -> bool {
        let joined;
        let text = match title.filter(|t| !t.is_empty()) {
            Some(title) => {
                joined = format!("{title}\n{text}");
                joined.as_str()
            }
            None => text,
        };
        let prepared = MatchText::new(text, author, lang, SourceKind::Bluesky);
        self.queries.iter().any(|q| q.matches(&prepared))
    }
}

/// A BCP-47 language tag as declared on a post: `nb`, `no`, `no-NO`, `en-US`, ...
fn declared_lang(tag: &str) -> Lang {
    let primary = tag
        .split(['-', '_'])
        .next()
        .unwrap_or_default()
        .to_ascii_lowercase();
    match primary.as_str() {
        "nb" | "no" => Lang::Nb,
        "nn" => Lang::Nn,
        "en" => Lang::En,
        "sv" => Lang::Sv,
        "da" => Lang::Da,
        _ => Lang::Other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use omdomme_core::BrandId;

    fn filter(query: &str) -> WatchFilter {
        WatchFilter::new(&[WatchQuery {
            brand: BrandId("b".into()),
            text: query.into(),
            query: Query::parse(query).unwrap(),
        }])
    }

    #[test]
    fn matches_text_card_title_and_declared_language() {
        let f = filter("nordlys lang:nb");
        assert!(f.matches_record("Nordlys i kveld", None, &["no".into()], "did:plc:a"));
        assert!(!f.matches_record("Nordlys tonight", None, &["en".into()], "did:plc:a"));
        let card = serde_json::json!({"external": {"title": "Nordlys Energi"}});
        assert!(f.matches_record("", Some(&card), &["nb-NO".into()], "did:plc:a"));
        assert!(!f.matches_record("solskinn", Some(&card), &["nb".into()], "did:plc:a"));
    }
}
