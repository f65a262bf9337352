//! Validation shared by the query parameters of search and the statistics. Every error
//! names the parameter and, for a closed set of values, lists the valid ones. An empty
//! parameter (`brand=`, as HTML forms send) counts as absent.

use jiff::Timestamp;
use jiff::civil::Date;
use jiff::tz::TimeZone;
use omdomme_core::{BrandId, Lang, SentimentLabel, SourceKind, Topic, Workspace, WorkspaceId};
use omdomme_store::{Filters, SearchOrder};

use crate::AppState;
use crate::error::AppError;

/// `Some(trimmed)` unless the value is missing or blank.
pub fn present(value: Option<&str>) -> Option<&str> {
    value.map(str::trim).filter(|v| !v.is_empty())
}

/// The workspace a request is about: the named one (404 if unknown), or the only one when
/// the parameter is left out.
pub async fn resolve_workspace(state: &AppState, id: Option<&str>) -> Result<Workspace, AppError> {
    if let Some(id) = present(id) {
        return state
            .store
            .workspace(&WorkspaceId(id.to_owned()))
            .await?
            .ok_or_else(|| AppError::NotFound(format!("workspace `{id}` not found")));
    }
    let mut all = state.store.workspaces().await?;
    match all.len() {
        0 => Err(AppError::NotFound("there is no workspace yet".to_owned())),
        1 => Ok(all.remove(0)),
        _ => {
            let ids: Vec<&str> = all.iter().map(|w| w.id.0.as_str()).collect();
            Err(AppError::BadRequest(format!(
                "parameter `workspace` is required when there are several workspaces: {}",
                ids.join(", ")
            )))
        }
    }
}

/// Parses one of a closed set of names, or explains which names there are.
pub fn parse_choice<T: Copy>(
    param: &str,
    value: Option<&str>,
    all: &[T],
    name: fn(T) -> &'static str,
) -> Result<Option<T>, AppError> {
    let Some(value) = present(value) else {
        return Ok(None);
    };
    match all.iter().copied().find(|t| name(*t) == value) {
        Some(t) => Ok(Some(t)),
        None => {
            let names: Vec<&str> = all.iter().map(|t| name(*t)).collect();
            Err(AppError::BadRequest(format!(
                "parameter `{param}`: unknown value `{value}`; expected one of {}",
                names.join(", ")
            )))
        }
    }
}

/// A brand of the workspace.
pub fn parse_brand(
    workspace: &Workspace,
    value: Option<&str>,
) -> Result<Option<BrandId>, AppError> {
    let Some(value) = present(value) else {
        return Ok(None);
    };
    if workspace.brands.iter().any(|b| b.id.0 == value) {
        return Ok(Some(BrandId(value.to_owned())));
    }
    let ids: Vec<&str> = workspace.brands.iter().map(|b| b.id.0.as_str()).collect();
    Err(AppError::BadRequest(format!(
        "parameter `brand`: workspace `{}` has no brand `{value}`; expected one of {}",
        workspace.id,
        ids.join(", ")
    )))
}

/// The configured time zone; a bad name is a server misconfiguration, not the client's.
pub fn time_zone(state: &AppState) -> Result<TimeZone, AppError> {
    TimeZone::get(&state.config.time_zone)
        .map_err(|e| AppError::internal(format!("time zone {:?}: {e}", state.config.time_zone)))
}

/// An RFC 3339 timestamp, or a date meaning midnight at its start in `tz`.
pub fn parse_time(
    param: &str,
    value: Option<&str>,
    tz: &TimeZone,
) -> Result<Option<Timestamp>, AppError> {
    let Some(value) = present(value) else {
        return Ok(None);
    };
    if let Ok(date) = value.parse::<Date>()
        && value.len() == 10
    {
        return date
            .to_zoned_datetime(tz.clone())
            .map(|z| Some(z.timestamp()))
            .map_err(|e| AppError::BadRequest(format!("parameter `{param}`: {e}")));
    }
    if let Ok(ts) = value.parse::<Timestamp>() {
        return Ok(Some(ts));
    }
    // An unencoded `+01:00` arrives as ` 01:00` (a `+` in a query string is a space).
    if let Ok(ts) = value.replace(' ', "+").parse::<Timestamp>() {
        return Ok(Some(ts));
    }
    Err(AppError::BadRequest(format!(
        "parameter `{param}`: `{value}` is neither an RFC 3339 timestamp \
         (2025-03-01T12:00:00Z) nor a date (2025-03-01)"
    )))
}

/// A whole number within `min..=max`, or `default` when absent.
pub fn parse_count(
    param: &str,
    value: Option<&str>,
    default: usize,
    min: usize,
    max: usize,
) -> Result<usize, AppError> {
    let Some(value) = present(value) else {
        return Ok(default);
    };
    match value.parse::<usize>() {
        Ok(n) if (min..=max).contains(&n) => Ok(n),
        _ => Err(AppError::BadRequest(format!(
            "parameter `{param}`: must be a whole number from {min} to {max}, not `{value}`"
        ))),
    }
}

const ORDERS: [SearchOrder; 3] = [
    SearchOrder::Relevance,
    SearchOrder::Newest,
    SearchOrder::Oldest,
];

/// The name of a search order in the `order` parameter.
pub fn order_name(order: SearchOrder) -> &'static str {
    match order {
        SearchOrder::Relevance => "relevance",
        SearchOrder::Newest => "newest",
        SearchOrder::Oldest => "oldest",
    }
}

/// `order`: relevance (the default), newest or oldest.
pub fn parse_order(value: Option<&str>) -> Result<SearchOrder, AppError> {
    Ok(parse_choice("order", value, &ORDERS, order_name)?.unwrap_or_default())
}

/// The raw filter parameters as they came; which ones a route accepts is decided by its
/// params struct.
#[derive(Default)]
pub struct RawFilters<'a> {
    pub brand: Option<&'a str>,
    pub source: Option<&'a str>,
    pub sentiment: Option<&'a str>,
    pub topic: Option<&'a str>,
    pub lang: Option<&'a str>,
    pub author: Option<&'a str>,
    pub from: Option<&'a str>,
    pub to: Option<&'a str>,
}

/// Validates the filters against the workspace.
pub fn filters(
    raw: &RawFilters<'_>,
    workspace: &Workspace,
    tz: &TimeZone,
) -> Result<Filters, AppError> {
    let filters = Filters {
        brand: parse_brand(workspace, raw.brand)?,
        source: parse_choice("source", raw.source, &SourceKind::ALL, SourceKind::as_str)?,
        sentiment: parse_choice(
            "sentiment",
            raw.sentiment,
            &SentimentLabel::ALL,
            SentimentLabel::as_str,
        )?,
        topic: parse_choice("topic", raw.topic, &Topic::ALL, Topic::as_str)?,
        lang: parse_choice("lang", raw.lang, &Lang::ALL, Lang::as_str)?,
        author: present(raw.author).map(|a| a.trim_start_matches('@').to_owned()),
        from: parse_time("from", raw.from, tz)?,
        to: parse_time("to", raw.to, tz)?,
    };
    if let (Some(from), Some(to)) = (filters.from, filters.to)
        && from >= to
    {
        return Err(AppError::BadRequest(
            "parameters `from` and `to`: `from` must be before `to` (`to` is exclusive)".to_owned(),
        ));
    }
    Ok(filters)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_oslo_midnight_and_timestamps_pass_through() {
        let tz = TimeZone::get("Europe/Oslo").unwrap();
        let t = parse_time("from", Some("2025-03-01"), &tz)
            .unwrap()
            .unwrap();
        assert_eq!(t.to_string(), "2025-02-28T23:00:00Z");
        let t = parse_time("to", Some("2025-07-01"), &tz).unwrap().unwrap();
        assert_eq!(t.to_string(), "2025-06-30T22:00:00Z");
        let t = parse_time("from", Some("2025-03-01T12:00:00 01:00"), &tz)
            .unwrap()
            .unwrap();
        assert_eq!(t.to_string(), "2025-03-01T11:00:00Z");
        let err = parse_time("from", Some("yesterday"), &tz).unwrap_err();
        assert!(err.to_string().contains("`from`"));
        assert_eq!(parse_time("from", Some(" "), &tz).unwrap(), None);
    }

    #[test]
    fn counts_and_choices_name_the_parameter() {
        assert_eq!(parse_count("limit", None, 20, 1, 200).unwrap(), 20);
        assert!(
            parse_count("limit", Some("0"), 20, 1, 200)
                .unwrap_err()
                .to_string()
                .contains("`limit`")
        );
        let err = parse_choice(
            "sentiment",
            Some("happy"),
            &SentimentLabel::ALL,
            SentimentLabel::as_str,
        )
        .unwrap_err()
        .to_string();
        assert!(
            err.contains("`sentiment`") && err.contains("negative, neutral, positive"),
            "{err}"
        );
    }
}
