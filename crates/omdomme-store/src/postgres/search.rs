//! `search` in PostgreSQL: the parsed [`Query`] becomes a SQL condition whose every value
//! is a bound parameter (words reach PostgreSQL only through `plainto_tsquery`,
//! `phraseto_tsquery` and `to_tsquery` of parameters, never pasted into the statement). A
//! word matches an item through the tsquery of the item's own language, as its `search`
//! column was made (`norwegian` for nb/nn, `english` for en, `simple` for the rest), so
//! stemming is per language; the total is an exact count.
//!
//! Not yet: hashtags and mentions (they need columns of their own), which are refused
//! rather than answered wrongly.

use omdomme_core::{Query, QueryField, TopicSet};
use tokio_postgres::GenericClient;
use tokio_postgres::types::ToSql;

use super::items::{ITEM_COLUMNS, read_item};
use super::time::PgTime;
use super::{db, not_yet, workspace_id};
use crate::{
    MAX_SEARCH_LIMIT, MAX_SEARCH_OFFSET, SearchOrder, SearchPage, SearchRequest, StoreError,
    StoreResult,
};

/// The text search configurations and the languages whose items use each.
const CONFIGS: [(&str, &str); 3] = [
    ("norwegian", "i.lang IN ('nb', 'nn')"),
    ("english", "i.lang = 'en'"),
    ("simple", "i.lang NOT IN ('nb', 'nn', 'en')"),
];

/// A statement being built and the values its placeholders stand for.
#[derive(Default)]
struct Statement {
    params: Vec<Box<dyn ToSql + Sync + Send>>,
    /// One rank term per word or phrase not under a `NOT`.
    rank: Vec<String>,
}

impl Statement {
    /// Binds `value`, returning its placeholder.
    fn bind(&mut self, value: impl ToSql + Sync + Send + 'static) -> String {
        self.params.push(Box::new(value));
        format!("${}", self.params.len())
    }

    fn params(&self) -> Vec<&(dyn ToSql + Sync)> {
        self.params
            .iter()
            .map(|p| &**p as &(dyn ToSql + Sync))
            .collect()
    }

    /// The SQL condition for `query`; `negated` when under an odd number of `NOT`s.
    fn condition(&mut self, query: &Query, negated: bool) -> StoreResult<String> {
        Ok(match query {
            Query::And(parts) | Query::Or(parts) => {
                let joiner = if matches!(query, Query::And(_)) {
                    " AND "
                } else {
                    " OR "
                };
                let parts = parts
                    .iter()
                    .map(|part| self.condition(part, negated))
                    .collect::<StoreResult<Vec<_>>>()?;
                if parts.is_empty() {
                    "TRUE".to_owned()
                } else {
                    format!("({})", parts.join(joiner))
                }
            }
            Query::Not(inner) => {
                format!("NOT coalesce({}, FALSE)", self.condition(inner, !negated)?)
            }
            Query::Word { word, prefix } => {
                let p = self.bind(word.clone());
                let tsquery = move |config: &str| {
                    if *prefix {
                        // The word as the configuration normalises it, then `:*`.
                        format!(
                            "to_tsquery('{config}', coalesce(nullif(plainto_tsquery('{config}', \
                             {p})::text, '') || ':*', ''))"
                        )
                    } else {
                        format!("plainto_tsquery('{config}', {p})")
                    }
                };
                self.text(&tsquery, negated)
            }
            Query::Phrase(words) => {
                let p = self.bind(words.join(" "));
                self.text(
                    &|config: &str| format!("phraseto_tsquery('{config}', {p})"),
                    negated,
                )
            }
            Query::Hashtag(_) | Query::Mention(_) => {
                return not_yet("search for hashtags and mentions");
            }
            Query::Field { field, value } => match field {
                QueryField::Lang => format!("i.lang = lower({})", self.bind(value.clone())),
                QueryField::Author => format!(
                    "lower(i.author_handle) = lower({})",
                    self.bind(value.clone())
                ),
                QueryField::Source => format!("s.kind = lower({})", self.bind(value.clone())),
            },
        })
    }

    /// The condition that the tsquery `tsquery(config)` matches, in the item's language.
    fn text(&mut self, tsquery: &dyn Fn(&str) -> String, negated: bool) -> String {
        let arms: Vec<String> = CONFIGS
            .iter()
            .map(|(config, langs)| format!("({langs} AND i.search @@ {})", tsquery(config)))
            .collect();
        if !negated {
            let cases: Vec<String> = CONFIGS
                .iter()
                .map(|(config, langs)| format!("WHEN {langs} THEN {}", tsquery(config)))
                .collect();
            self.rank
                .push(format!("ts_rank(i.search, CASE {} END)", cases.join(" ")));
        }
        format!("({})", arms.join(" OR "))
    }
}

pub(super) async fn search(
    client: &impl GenericClient,
    request: &SearchRequest,
) -> StoreResult<SearchPage> {
    if request.limit == 0 || request.limit > MAX_SEARCH_LIMIT {
        return Err(StoreError::Invalid(format!(
            "a search page holds 1 to {MAX_SEARCH_LIMIT} items, not {}",
            request.limit
        )));
    }
    if request.offset > MAX_SEARCH_OFFSET {
        return Err(StoreError::Invalid(format!(
            "search pages reach only {MAX_SEARCH_OFFSET} items deep (offset {}); \
             narrow the search or export instead",
            request.offset
        )));
    }
    let workspace = workspace_id(client, &request.workspace.0).await?;
    let mut statement = Statement::default();
    let mut conditions = vec![format!("i.workspace_id = {}", statement.bind(workspace))];
    if let Some(query) = &request.query {
        conditions.push(statement.condition(query, false)?);
    }
    let f = &request.filters;
    if let Some(brand) = &f.brand {
        conditions.push(format!("i.brands ? {}", statement.bind(brand.0.clone())));
    }
    if let Some(source) = f.source {
        conditions.push(format!("s.kind = {}", statement.bind(source.as_str())));
    }
    if let Some(sentiment) = f.sentiment {
        conditions.push(format!(
            "i.sentiment = {}",
            statement.bind(sentiment.as_str())
        ));
    }
    if let Some(topic) = f.topic {
        let mut set = TopicSet::new();
        set.insert(topic);
        conditions.push(format!(
            "(i.topics & {}) <> 0",
            statement.bind(i32::from(set.bits()))
        ));
    }
    if let Some(lang) = f.lang {
        conditions.push(format!("i.lang = {}", statement.bind(lang.as_str())));
    }
    if let Some(author) = &f.author {
        conditions.push(format!(
            "i.author_handle = {}",
            statement.bind(author.clone())
        ));
    }
    if let Some(from) = f.from {
        conditions.push(format!(
            "i.published_at >= {}",
            statement.bind(PgTime(from))
        ));
    }
    if let Some(to) = f.to {
        conditions.push(format!("i.published_at < {}", statement.bind(PgTime(to))));
    }
    let from_where = format!(
        "FROM items i JOIN sources s ON s.id = i.source_id WHERE {}",
        conditions.join(" AND ")
    );
    let total: i64 = client
        .query_one(
            &format!("SELECT count(*) {from_where}"),
            &statement.params(),
        )
        .await
        .map_err(db("counting the search's items"))?
        .get(0);
    let order = match request.order {
        SearchOrder::Relevance if !statement.rank.is_empty() => format!(
            "{} DESC, i.published_at DESC, i.id DESC",
            statement.rank.join(" + ")
        ),
        SearchOrder::Relevance | SearchOrder::Newest => "i.published_at DESC, i.id DESC".into(),
        SearchOrder::Oldest => "i.published_at ASC, i.id ASC".into(),
    };
    let limit = statement.bind(request.limit as i64);
    let offset = statement.bind(request.offset as i64);
    let items = client
        .query(
            &format!(
                "SELECT {ITEM_COLUMNS} {from_where} ORDER BY {order} LIMIT {limit} OFFSET {offset}"
            ),
            &statement.params(),
        )
        .await
        .map_err(db("searching the items"))?
        .iter()
        .map(read_item)
        .collect::<StoreResult<Vec<_>>>()?;
    Ok(SearchPage {
        total: u64::try_from(total).unwrap_or_default(),
        items,
    })
}
