//! `/w/{ws}/inbox/report` (leader and up): how much of the inbox got its first answer in
//! time, per channel and per responder, over a period, with median and 90th-percentile
//! first-response and resolution times. Every bar and table row links to the entries
//! behind it in the list (`?status=all&channel=..&responder=..&sla=met|missed&from=..&to=..`).

use std::collections::BTreeMap;

use axum::extract::State;
use axum::response::Response;
use jiff::civil::Date;
use jiff::{SignedDuration, Timestamp, ToSpan};
use omdomme_charts::{Bar, BarChart, NumberFormat, Rendered, Segment, Target, Tone};
use omdomme_core::SourceKind;
use omdomme_store::{InboxEntry, Role, UiLanguage};
use serde::Deserialize;

use super::{InboxTexts, channel_name, list_link, names};
use crate::AppState;
use crate::api::params::{parse_time, present, time_zone};
use crate::error::AppError;
use crate::extract::AppQuery;
use crate::i18n::texts;
use crate::pages::{Page, PageError, Section, render};
use crate::texts;

/// The share of first responses in time the report measures against.
pub const TARGET_PERCENT: f64 = 90.0;
/// The period shown when none is asked for.
const DEFAULT_DAYS: i64 = 30;

texts!(pub ReportTexts {
    title: "SLA-rapport" / "SLA report",
    intro: "Andel henvendelser som fikk første svar innen fristen. Klikk en stolpe eller rad for å se henvendelsene bak." / "Share of entries that got their first answer in time. Click a bar or row to see the entries behind it.",
    from: "Fra" / "From",
    to: "Til (ikke med)" / "To (not included)",
    show: "Vis" / "Show",
    per_channel: "Per kanal" / "Per channel",
    per_responder: "Per svarer" / "Per responder",
    channel: "Kanal" / "Channel",
    responder: "Svarer" / "Responder",
    entries: "Henvendelser" / "Entries",
    met: "I tide" / "In time",
    missed: "For sent" / "Late",
    pending: "Venter" / "Pending",
    share_met: "Andel i tide" / "Share in time",
    median_first: "Median første svar" / "Median first response",
    p90_first: "90-persentil første svar" / "90th percentile first response",
    median_resolution: "Median løsningstid" / "Median resolution",
    p90_resolution: "90-persentil løsningstid" / "90th percentile resolution",
    target: "Mål" / "Target",
    chart_channel_title: "Første svar i tide per kanal" / "First response in time per channel",
    chart_channel_summary: "Prosent av henvendelsene per kanal besvart innen fristen, mot målet." / "Percent of each channel's entries answered in time, against the target.",
    chart_responder_title: "Første svar i tide per svarer" / "First response in time per responder",
    chart_responder_summary: "Prosent av hver svarers henvendelser besvart innen fristen, mot målet." / "Percent of each responder's entries answered in time, against the target.",
    empty: "Ingen henvendelser med avgjort SLA i perioden. Velg en lengre periode, eller vent til de første svarene er sendt." / "No entries with a decided SLA in this period. Choose a longer period, or wait until the first answers are sent.",
    hour: "t" / "h",
    total: "Totalt" / "Total",
});

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReportParams {
    from: Option<String>,
    to: Option<String>,
}

/// Counts and times of one bar (a channel or a responder).
#[derive(Debug, Default)]
struct Tally {
    met: u64,
    missed: u64,
    pending: u64,
    first_response: Vec<SignedDuration>,
    resolution: Vec<SignedDuration>,
}

impl Tally {
    fn add(&mut self, entry: &InboxEntry, now: Timestamp) {
        match entry.response_met(now) {
            Some(true) => self.met += 1,
            Some(false) => self.missed += 1,
            None => self.pending += 1,
        }
        if let Some(at) = entry.first_response_at {
            self.first_response
                .push(at.duration_since(entry.arrived_at));
        }
        if let Some(at) = entry.resolved_at {
            self.resolution.push(at.duration_since(entry.arrived_at));
        }
    }

    /// Percent met of the decided ones; NaN when none is decided.
    fn percent_met(&self) -> f64 {
        let decided = self.met + self.missed;
        if decided == 0 {
            f64::NAN
        } else {
            self.met as f64 * 100.0 / decided as f64
        }
    }
}

/// The value at fraction `p` (0.5 median, 0.9 p90) of the sorted durations, nearest rank.
fn percentile(values: &mut [SignedDuration], p: f64) -> Option<SignedDuration> {
    if values.is_empty() {
        return None;
    }
    values.sort_unstable();
    let rank = (p * values.len() as f64).ceil() as usize;
    values
        .get(rank.saturating_sub(1).min(values.len() - 1))
        .copied()
}

/// One row of a table under a chart.
pub struct ReportRow {
    pub label: String,
    pub link: String,
    pub entries: String,
    pub met: String,
    pub met_link: String,
    pub missed: String,
    pub missed_link: String,
    pub pending: String,
    pub percent: String,
    pub median_first: String,
    pub p90_first: String,
    pub median_resolution: String,
    pub p90_resolution: String,
}

#[derive(askama::Template)]
#[template(path = "inbox_report.html")]
struct ReportTemplate<'a> {
    page: &'a Page,
    t: &'static InboxTexts,
    r: &'static ReportTexts,
    from: String,
    to: String,
    by_channel: Rendered,
    by_responder: Rendered,
    channel_rows: Vec<ReportRow>,
    responder_rows: Vec<ReportRow>,
    empty: bool,
}

/// A bar's filters in the list: (param, value) pairs besides the period.
struct Drill<'a> {
    page: &'a Page,
    from: &'a str,
    to: &'a str,
}

impl Drill<'_> {
    fn link(&self, filter: (&str, &str), sla: &str) -> String {
        list_link(
            self.page,
            &[
                ("status", "all"),
                filter,
                ("sla", sla),
                ("from", self.from),
                ("to", self.to),
            ],
        )
    }
}

fn row(
    label: String,
    filter: (&str, &str),
    tally: &mut Tally,
    drill: &Drill<'_>,
    page: &Page,
) -> ReportRow {
    let f = &page.fmt;
    let show = |d: Option<SignedDuration>| d.map_or_else(|| "–".to_owned(), |d| f.duration(d));
    let percent = tally.percent_met();
    ReportRow {
        label,
        link: drill.link(filter, ""),
        entries: f.number(tally.met + tally.missed + tally.pending),
        met: f.number(tally.met),
        met_link: drill.link(filter, "met"),
        missed: f.number(tally.missed),
        missed_link: drill.link(filter, "missed"),
        pending: f.number(tally.pending),
        percent: f.percent(percent / 100.0),
        median_first: show(percentile(&mut tally.first_response, 0.5)),
        p90_first: show(percentile(&mut tally.first_response, 0.9)),
        median_resolution: show(percentile(&mut tally.resolution, 0.5)),
        p90_resolution: show(percentile(&mut tally.resolution, 0.9)),
    }
}

fn bar(
    label: String,
    filter: (&str, &str),
    tally: &Tally,
    r: &ReportTexts,
    drill: &Drill<'_>,
) -> Bar {
    let percent = tally.percent_met();
    Bar {
        link: Some(drill.link(filter, "")),
        segments: vec![
            Segment {
                name: r.met.to_owned(),
                value: percent,
                tone: Tone::Positive,
                link: Some(drill.link(filter, "met")),
            },
            Segment {
                name: r.missed.to_owned(),
                value: if percent.is_finite() {
                    100.0 - percent
                } else {
                    f64::NAN
                },
                tone: Tone::Negative,
                link: Some(drill.link(filter, "missed")),
            },
        ],
        label,
    }
}

fn chart(
    id: &str,
    title: &str,
    summary: &str,
    category: &str,
    bars: Vec<Bar>,
    r: &ReportTexts,
) -> Rendered {
    BarChart {
        id: id.to_owned(),
        title: title.to_owned(),
        summary: summary.to_owned(),
        empty_message: r.empty.to_owned(),
        category_title: category.to_owned(),
        bars,
        x_format: NumberFormat::Percent,
        target: Some(Target {
            value: TARGET_PERCENT,
            label: format!("{} {TARGET_PERCENT:.0}\u{a0}%", r.target),
        }),
    }
    .render()
}

/// `GET /w/{ws}/inbox/report?from=YYYY-MM-DD&to=YYYY-MM-DD`.
pub async fn show(
    State(state): State<AppState>,
    mut page: Page,
    AppQuery(params): AppQuery<ReportParams>,
) -> Result<Response, PageError> {
    page.require(Role::Leader)?;
    page.section = Some(Section::Inbox);
    let t = texts::<InboxTexts>(page.language);
    let r = texts::<ReportTexts>(page.language);
    let workspace = page.workspace()?.id.clone();
    let tz = time_zone(&state)?;
    let today: Date = page.now.to_zoned_datetime(tz.clone()).date();
    let to_text = present(params.to.as_deref()).map_or_else(
        || today.tomorrow().map(|d| d.to_string()).unwrap_or_default(),
        str::to_owned,
    );
    let to = parse_time("to", Some(&to_text), &tz)?.unwrap_or(page.now);
    let from_text = present(params.from.as_deref()).map_or_else(
        || {
            today
                .checked_sub((DEFAULT_DAYS - 1).days())
                .map(|d| d.to_string())
                .unwrap_or_default()
        },
        str::to_owned,
    );
    let from = parse_time("from", Some(&from_text), &tz)?.unwrap_or(page.now);
    if from >= to {
        return Err(AppError::BadRequest(
            "parameters `from` and `to`: `from` must come before `to`".to_owned(),
        )
        .into());
    }
    let (entries, users) = tokio::try_join!(
        state.store.inbox_arrived_between(&workspace, from, to),
        state.store.users(),
    )?;
    let names = names(&users);
    let mut by_channel: BTreeMap<SourceKind, Tally> = BTreeMap::new();
    let mut by_responder: BTreeMap<String, Tally> = BTreeMap::new();
    let mut total = Tally::default();
    for entry in &entries {
        by_channel
            .entry(entry.channel)
            .or_default()
            .add(entry, page.now);
        if let Some(who) = entry.responder() {
            by_responder
                .entry(who.to_lowercase())
                .or_default()
                .add(entry, page.now);
        }
        total.add(entry, page.now);
    }
    let drill = Drill {
        page: &page,
        from: &from_text,
        to: &to_text,
    };
    let channel_bars = by_channel
        .iter()
        .map(|(kind, tally)| {
            bar(
                channel_name(*kind).to_owned(),
                ("channel", kind.as_str()),
                tally,
                r,
                &drill,
            )
        })
        .collect();
    let name_of = |email: &str| {
        names
            .get(email)
            .cloned()
            .unwrap_or_else(|| email.to_owned())
    };
    let responder_bars = by_responder
        .iter()
        .map(|(email, tally)| bar(name_of(email), ("responder", email), tally, r, &drill))
        .collect();
    let mut channel_rows: Vec<ReportRow> = by_channel
        .iter_mut()
        .map(|(kind, tally)| {
            row(
                channel_name(*kind).to_owned(),
                ("channel", kind.as_str()),
                tally,
                &drill,
                &page,
            )
        })
        .collect();
    channel_rows.push(row(
        r.total.to_owned(),
        ("channel", ""),
        &mut total,
        &drill,
        &page,
    ));
    let responder_rows = by_responder
        .iter_mut()
        .map(|(email, tally)| row(name_of(email), ("responder", email), tally, &drill, &page))
        .collect();
    render(&ReportTemplate {
        by_channel: chart(
            "sla-by-channel",
            r.chart_channel_title,
            r.chart_channel_summary,
            r.channel,
            channel_bars,
            r,
        ),
        by_responder: chart(
            "sla-by-responder",
            r.chart_responder_title,
            r.chart_responder_summary,
            r.responder,
            responder_bars,
            r,
        ),
        empty: entries.is_empty(),
        channel_rows,
        responder_rows,
        from: from_text.clone(),
        to: to_text.clone(),
        t,
        r,
        page: &page,
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_use_the_nearest_rank() {
        let mut v: Vec<SignedDuration> = (1..=10).map(SignedDuration::from_mins).collect();
        assert_eq!(percentile(&mut v, 0.5), Some(SignedDuration::from_mins(5)));
        assert_eq!(percentile(&mut v, 0.9), Some(SignedDuration::from_mins(9)));
        let mut one = vec![SignedDuration::from_mins(3)];
        assert_eq!(
            percentile(&mut one, 0.9),
            Some(SignedDuration::from_mins(3))
        );
        assert_eq!(percentile(&mut [], 0.5), None);
    }
}
