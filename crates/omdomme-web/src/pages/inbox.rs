//! The inbox (the dialog): the items that deserve an answer, queued per channel and sorted
//! by SLA deadline, each with its status, assignee, internal notes and replies sent through
//! the item's own channel; SLA policies per channel, saved replies, escalation and the SLA
//! report.
//!
//! - `list` (this file): the queues, filters and rows, and the arrivals fragment the open
//!   page polls every second so a new inquiry shows without a reload.
//! - [`entry`]: one entry: assign, status, notes, replies.
//! - [`settings`]: SLA policies (leader) and saved replies (editor).
//! - [`report`]: % SLA met per channel and responder, with drill-downs into the list.
//! - `omdomme_outbound::channels`: which channel a reply goes out through.
//! - [`escalation`]: the background escalation.

pub mod entry;
pub mod escalation;
pub mod report;
pub mod settings;

use std::collections::HashMap;

use axum::Router;
use axum::extract::State;
use axum::response::Response;
use axum::routing::{get, post};
use jiff::Timestamp;
use omdomme_core::SourceKind;
use omdomme_store::{
    AssigneeFilter, InboxCounts, InboxEntry, InboxQuery, InboxRow, InboxStatus, Role, SlaFilter,
    SlaState, StatusFilter, UiLanguage, UserRecord,
};
use serde::Deserialize;

use super::{Page, PageError, Section, query_value, render};
use crate::api::params::{parse_time, present, time_zone};
use crate::error::AppError;
use crate::extract::AppQuery;
use crate::i18n::texts;
use crate::{AppState, texts};

pub use escalation::{ESCALATION_INTERVAL, escalate_due};
pub use omdomme_outbound::{ChannelDirectory, RecordingChannel, StoreChannels};

/// Rows per page of the list.
const PAGE_SIZE: usize = 50;
/// Rows the arrivals fragment shows at most.
const ARRIVALS_SHOWN: usize = 10;
/// How often an open inbox asks for new entries. Every second keeps "a new inquiry is on
/// the page within 2 s of arriving" true at the worst phase of the poll; the question is
/// one index range and costs about a millisecond.
pub const ARRIVALS_POLL_SECS: u64 = 1;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/w/{ws}/inbox", get(list))
        .route("/w/{ws}/inbox/arrivals", get(arrivals))
        .route("/w/{ws}/inbox/report", get(report::show))
        .route(
            "/w/{ws}/inbox/settings",
            get(settings::show).post(settings::save_policy),
        )
        .route(
            "/w/{ws}/inbox/saved-replies",
            get(settings::saved_replies).post(settings::create_saved_reply),
        )
        .route(
            "/w/{ws}/inbox/saved-replies/{id}",
            post(settings::update_saved_reply),
        )
        .route(
            "/w/{ws}/inbox/saved-replies/{id}/delete",
            post(settings::delete_saved_reply),
        )
        .route("/w/{ws}/inbox/{item}", get(entry::show))
        .route("/w/{ws}/inbox/{item}/assign", post(entry::assign))
        .route("/w/{ws}/inbox/{item}/status", post(entry::status))
        .route("/w/{ws}/inbox/{item}/note", post(entry::note))
        .route("/w/{ws}/inbox/{item}/reply", post(entry::reply))
        .route("/w/{ws}/inbox/{item}/reply-box", get(entry::reply_box))
}

texts!(pub InboxTexts {
    title: "Innboks" / "Inbox",
    queues: "Køer" / "Queues",
    all_channels: "Alle kanaler" / "All channels",
    open_count: "åpne" / "open",
    status: "Status" / "Status",
    channel: "Kanal" / "Channel",
    assignee: "Ansvarlig" / "Assignee",
    sla: "SLA" / "SLA",
    status_open: "Åpne" / "Open",
    status_new: "Ny" / "New",
    status_assigned: "Tildelt" / "Assigned",
    status_waiting: "Venter" / "Waiting",
    status_answered: "Besvart" / "Answered",
    status_closed: "Lukket" / "Closed",
    status_all: "Alle" / "All",
    assignee_me: "Meg" / "Me",
    assignee_unassigned: "Ingen" / "Unassigned",
    sla_ok: "I rute" / "On track",
    sla_at_risk: "I fare" / "At risk",
    sla_breached: "Brutt" / "Breached",
    sla_met: "Svart i tide" / "Answered in time",
    sla_missed: "Svart for sent" / "Answered late",
    filter: "Filtrer" / "Filter",
    due: "Frist" / "Due",
    left: "igjen" / "left",
    overdue: "over fristen" / "overdue",
    no_clock: "ingen klokke" / "no clock",
    nobody: "ingen" / "nobody",
    escalated_to: "Eskalert til" / "Escalated to",
    responder: "Svarer" / "Responder",
    period: "Periode" / "Period",
    empty: "Ingen henvendelser her. Nye spørsmål og klager om egne merkevarer dukker opp automatisk når kildene henter dem – legg til kilder under Oppsett → Kilder." / "Nothing here. New questions and complaints about your own brands appear here by themselves as the sources collect them – add sources under Setup → Sources.",
    empty_filtered: "Ingen henvendelser passer filtrene. Fjern et filter for å se flere." / "No entries match these filters. Remove a filter to see more.",
    next_page: "Neste side" / "Next page",
    arrived: "Kom inn" / "Arrived",
    new_arrivals: "nye siden du åpnet siden" / "new since you opened this page",
    reload: "Oppdater listen" / "Refresh the list",
    settings: "SLA-innstillinger" / "SLA settings",
    saved_replies: "Lagrede svar" / "Saved replies",
    report: "SLA-rapport" / "SLA report",
    drill_down: "Utvalg fra rapporten" / "Selection from the report",
    clear_filters: "Vis alle åpne" / "Show all open",
    no_text: "(uten tekst)" / "(no text)",
});

impl InboxTexts {
    /// A status's name; by reference because templates pass fields that way.
    pub fn status(&self, status: &InboxStatus) -> &'static str {
        match status {
            InboxStatus::New => self.status_new,
            InboxStatus::Assigned => self.status_assigned,
            InboxStatus::Waiting => self.status_waiting,
            InboxStatus::Answered => self.status_answered,
            InboxStatus::Closed => self.status_closed,
        }
    }

    pub fn sla(&self, filter: &SlaFilter) -> &'static str {
        match filter {
            SlaFilter::Ok => self.sla_ok,
            SlaFilter::AtRisk => self.sla_at_risk,
            SlaFilter::Breached => self.sla_breached,
            SlaFilter::Met => self.sla_met,
            SlaFilter::Missed => self.sla_missed,
        }
    }
}

/// A channel's name as people say it.
pub fn channel_name(kind: SourceKind) -> &'static str {
    match kind {
        SourceKind::Rss => "RSS",
        SourceKind::Mastodon => "Mastodon",
        SourceKind::Bluesky => "Bluesky",
        SourceKind::X => "X",
        SourceKind::Facebook => "Facebook",
        SourceKind::File => "Fil / File",
        SourceKind::Webhook => "Webhook",
    }
}

/// The people who can answer: users with at least the responder role.
pub async fn responders(state: &AppState) -> Result<Vec<UserRecord>, PageError> {
    Ok(state
        .store
        .users()
        .await?
        .into_iter()
        .filter(|u| u.role >= Role::Responder)
        .collect())
}

/// An entry's SLA clock as shown: its class and its words.
#[derive(Clone, Debug)]
pub struct SlaClock {
    /// `sla-ok`, `sla-warn` or `sla-breach`; empty when no clock runs.
    pub class: &'static str,
    pub state: &'static str,
    pub text: String,
}

impl SlaClock {
    pub fn of(entry: &InboxEntry, page: &Page, t: &InboxTexts) -> SlaClock {
        let (Some(state), Some(due)) = (entry.sla_state(page.now), entry.due_at()) else {
            return SlaClock {
                class: "",
                state: "none",
                text: t.no_clock.to_owned(),
            };
        };
        let left = due.duration_since(page.now);
        let text = if left.is_positive() {
            format!("{} {}", page.fmt.duration(left), t.left)
        } else {
            format!("{} {}", page.fmt.duration(left.abs()), t.overdue)
        };
        SlaClock {
            class: match state {
                SlaState::Ok => "sla-ok",
                SlaState::AtRisk => "sla-warn",
                SlaState::Breached => "sla-breach",
            },
            state: state.as_str(),
            text,
        }
    }
}

/// One row of the list as the template shows it.
pub struct RowView {
    pub link: String,
    pub status: InboxStatus,
    pub channel: &'static str,
    pub author: String,
    pub excerpt: String,
    pub arrived: String,
    pub assignee: Option<String>,
    pub escalated_to: Option<String>,
    pub clock: SlaClock,
}

/// The first words of a text, cut at a character boundary.
pub fn excerpt(text: &str, max_chars: usize) -> String {
    let mut out: String = text.chars().take(max_chars).collect();
    if text.chars().count() > max_chars {
        out.push('…');
    }
    out
}

fn row_view(
    row: &InboxRow,
    page: &Page,
    t: &InboxTexts,
    names: &HashMap<String, String>,
) -> RowView {
    let name_of = |email: &Option<String>| {
        email.as_ref().map(|e| {
            names
                .get(&e.to_lowercase())
                .cloned()
                .unwrap_or_else(|| e.clone())
        })
    };
    let item = &row.item.item;
    let text = if item.text.trim().is_empty() {
        item.title.clone().unwrap_or_else(|| t.no_text.to_owned())
    } else {
        item.text.clone()
    };
    RowView {
        link: page.ws_link(&format!("inbox/{}", row.item.id.0)),
        status: row.entry.status,
        channel: channel_name(row.entry.channel),
        author: match &item.author.name {
            Some(name) if !name.trim().is_empty() => format!("{name} (@{})", item.author.handle),
            _ => format!("@{}", item.author.handle),
        },
        excerpt: excerpt(&text, 160),
        arrived: page.fmt.ago(&row.entry.arrived_at, &page.now),
        assignee: name_of(&row.entry.assignee),
        escalated_to: name_of(&row.entry.escalated_to),
        clock: SlaClock::of(&row.entry, page, t),
    }
}

/// Email (lower case) to name, for showing people.
pub fn names(users: &[UserRecord]) -> HashMap<String, String> {
    users
        .iter()
        .map(|u| (u.email.to_lowercase(), u.name.clone()))
        .collect()
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListParams {
    status: Option<String>,
    channel: Option<String>,
    /// `me`, `unassigned` or an email.
    assignee: Option<String>,
    responder: Option<String>,
    sla: Option<String>,
    from: Option<String>,
    to: Option<String>,
    /// `<due micros>.<entry id>` of the previous page's last row.
    after: Option<String>,
}

const STATUS_CHOICES: [&str; 7] = [
    "open", "new", "assigned", "waiting", "answered", "closed", "all",
];

fn bad(param: &str, value: &str, expected: &str) -> PageError {
    AppError::BadRequest(format!(
        "parameter `{param}`: unknown value `{value}`; expected {expected}"
    ))
    .into()
}

fn parse_after(value: Option<&str>) -> Result<Option<(Timestamp, i64)>, PageError> {
    let Some(value) = present(value) else {
        return Ok(None);
    };
    let parsed = value.split_once('.').and_then(|(due, id)| {
        let due = Timestamp::from_microsecond(due.parse().ok()?).ok()?;
        Some((due, id.parse().ok()?))
    });
    parsed
        .map(Some)
        .ok_or_else(|| bad("after", value, "the `next page` link's value"))
}

/// The list's filters, checked.
struct Filters {
    status: StatusFilter,
    channel: Option<SourceKind>,
    assignee: Option<AssigneeFilter>,
    responder: Option<String>,
    sla: Option<SlaFilter>,
    from: Option<Timestamp>,
    to: Option<Timestamp>,
    after: Option<(Timestamp, i64)>,
}

fn parse_filters(state: &AppState, page: &Page, p: &ListParams) -> Result<Filters, PageError> {
    let status = match present(p.status.as_deref()) {
        None | Some("open") => StatusFilter::Open,
        Some("all") => StatusFilter::All,
        Some(other) => StatusFilter::Only(
            InboxStatus::parse(other)
                .ok_or_else(|| bad("status", other, &STATUS_CHOICES.join(", ")))?,
        ),
    };
    let channel = match present(p.channel.as_deref()) {
        None => None,
        Some(name) => Some(SourceKind::parse(name).ok_or_else(|| {
            let all: Vec<&str> = SourceKind::ALL.iter().map(|k| k.as_str()).collect();
            bad("channel", name, &all.join(", "))
        })?),
    };
    let assignee = match present(p.assignee.as_deref()) {
        None => None,
        Some("me") => Some(AssigneeFilter::Person(page.user.email.clone())),
        Some("unassigned") => Some(AssigneeFilter::Unassigned),
        Some(email) => Some(AssigneeFilter::Person(email.to_owned())),
    };
    let sla = match present(p.sla.as_deref()) {
        None => None,
        Some(name) => Some(SlaFilter::parse(name).ok_or_else(|| {
            let all: Vec<&str> = SlaFilter::ALL.iter().map(|s| s.as_str()).collect();
            bad("sla", name, &all.join(", "))
        })?),
    };
    let tz = time_zone(state)?;
    let from = parse_time("from", p.from.as_deref(), &tz)?;
    let to = parse_time("to", p.to.as_deref(), &tz)?;
    if let (Some(from), Some(to)) = (from, to)
        && from >= to
    {
        return Err(AppError::BadRequest(
            "parameters `from` and `to`: `from` must come before `to`".to_owned(),
        )
        .into());
    }
    Ok(Filters {
        status,
        channel,
        assignee,
        responder: present(p.responder.as_deref()).map(str::to_owned),
        sla,
        from,
        to,
        after: parse_after(p.after.as_deref())?,
    })
}

/// A link to the list with these parameters (empty ones left out).
pub fn list_link(page: &Page, params: &[(&str, &str)]) -> String {
    let query: Vec<String> = params
        .iter()
        .filter(|(_, v)| !v.is_empty())
        .map(|(k, v)| format!("{k}={}", query_value(v)))
        .collect();
    if query.is_empty() {
        page.ws_link("inbox")
    } else {
        format!("{}?{}", page.ws_link("inbox"), query.join("&"))
    }
}

/// One queue in the side list.
pub struct Queue {
    pub label: &'static str,
    pub value: &'static str,
    pub open: String,
    pub link: String,
    pub current: bool,
}

#[derive(askama::Template)]
#[template(path = "inbox.html")]
struct ListTemplate<'a> {
    page: &'a Page,
    t: &'static InboxTexts,
    queues: Vec<Queue>,
    rows: Vec<RowView>,
    arrivals: ArrivalsView,
    params: &'a ListParams,
    responders: Vec<UserRecord>,
    status_counts: Vec<(InboxStatus, String)>,
    filtered: bool,
    drill_down: bool,
    next_link: Option<String>,
}

impl ListTemplate<'_> {
    fn is(&self, value: &Option<String>, option: &str) -> bool {
        value.as_deref().unwrap_or("") == option
    }
}

/// `GET /w/{ws}/inbox`: the queues and the entries, soonest deadline first.
async fn list(
    State(state): State<AppState>,
    mut page: Page,
    AppQuery(params): AppQuery<ListParams>,
) -> Result<Response, PageError> {
    page.require(Role::Responder)?;
    page.section = Some(Section::Inbox);
    let t = texts::<InboxTexts>(page.language);
    let workspace = page.workspace()?.id.clone();
    let filters = parse_filters(&state, &page, &params)?;
    let query = InboxQuery {
        workspace: workspace.clone(),
        status: filters.status,
        channel: filters.channel,
        assignee: filters.assignee.clone(),
        responder: filters.responder.clone(),
        sla: filters.sla,
        from: filters.from,
        to: filters.to,
        now: page.now,
        after: filters.after,
        limit: PAGE_SIZE,
    };
    let (inbox, counts, users) = tokio::try_join!(
        state.store.inbox(&query),
        state.store.inbox_counts(&workspace),
        state.store.users(),
    )?;
    let names = names(&users);
    let responders: Vec<UserRecord> = users
        .into_iter()
        .filter(|u| u.role >= Role::Responder)
        .collect();
    let rows = inbox
        .rows
        .iter()
        .map(|row| row_view(row, &page, t, &names))
        .collect();
    let next_link = inbox.next.map(|(due, id)| {
        let after = format!("{}.{id}", due.as_microsecond());
        list_link(
            &page,
            &[
                ("status", params.status.as_deref().unwrap_or("")),
                ("channel", params.channel.as_deref().unwrap_or("")),
                ("assignee", params.assignee.as_deref().unwrap_or("")),
                ("responder", params.responder.as_deref().unwrap_or("")),
                ("sla", params.sla.as_deref().unwrap_or("")),
                ("from", params.from.as_deref().unwrap_or("")),
                ("to", params.to.as_deref().unwrap_or("")),
                ("after", &after),
            ],
        )
    });
    let filtered = [
        &params.status,
        &params.channel,
        &params.assignee,
        &params.responder,
        &params.sla,
        &params.from,
        &params.to,
    ]
    .iter()
    .any(|v| present(v.as_deref()).is_some());
    let drill_down = [&params.responder, &params.from, &params.to]
        .iter()
        .any(|v| present(v.as_deref()).is_some());
    let arrivals = ArrivalsView {
        link: format!(
            "{}?after={}",
            page.ws_link("inbox/arrivals"),
            counts.latest_id
        ),
        poll_secs: ARRIVALS_POLL_SECS,
        count: 0,
        rows: Vec::new(),
        reload: page.here.clone(),
    };
    render(&ListTemplate {
        queues: queues(&page, &counts, filters.channel, t),
        status_counts: InboxStatus::ALL
            .into_iter()
            .map(|s| (s, page.fmt.number(counts.count(filters.channel, Some(s)))))
            .collect(),
        rows,
        arrivals,
        params: &params,
        responders,
        filtered,
        drill_down,
        next_link,
        t,
        page: &page,
    })
}

fn queues(
    page: &Page,
    counts: &InboxCounts,
    current: Option<SourceKind>,
    t: &InboxTexts,
) -> Vec<Queue> {
    let mut queues = vec![Queue {
        label: t.all_channels,
        value: "",
        open: page.fmt.number(counts.open(None)),
        link: list_link(page, &[]),
        current: current.is_none(),
    }];
    for kind in SourceKind::ALL {
        if counts.count(Some(kind), None) == 0 && current != Some(kind) {
            continue;
        }
        queues.push(Queue {
            label: channel_name(kind),
            value: kind.as_str(),
            open: page.fmt.number(counts.open(Some(kind))),
            link: list_link(page, &[("channel", kind.as_str())]),
            current: current == Some(kind),
        });
    }
    queues
}

/// The "new since you opened the page" block, polled every 2 s.
pub struct ArrivalsView {
    /// Where the block polls, every [`ARRIVALS_POLL_SECS`].
    pub link: String,
    pub poll_secs: u64,
    pub count: u64,
    pub rows: Vec<RowView>,
    /// The list to reload to see them in place.
    pub reload: String,
}

#[derive(askama::Template)]
#[template(path = "inbox_arrivals.html")]
struct ArrivalsTemplate<'a> {
    t: &'static InboxTexts,
    arrivals: &'a ArrivalsView,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ArrivalsParams {
    after: i64,
}

/// `GET /w/{ws}/inbox/arrivals?after=<entry id>`: entries made since the page was opened.
async fn arrivals(
    State(state): State<AppState>,
    page: Page,
    AppQuery(params): AppQuery<ArrivalsParams>,
) -> Result<Response, PageError> {
    page.require(Role::Responder)?;
    let t = texts::<InboxTexts>(page.language);
    let workspace = page.workspace()?.id.clone();
    let (count, rows) = state
        .store
        .inbox_arrivals(&workspace, params.after, ARRIVALS_SHOWN)
        .await?;
    let names = if rows.iter().any(|r| r.entry.assignee.is_some()) {
        names(&state.store.users().await?)
    } else {
        HashMap::new()
    };
    let arrivals = ArrivalsView {
        link: format!("{}?after={}", page.ws_link("inbox/arrivals"), params.after),
        poll_secs: ARRIVALS_POLL_SECS,
        count,
        rows: rows
            .iter()
            .map(|row| row_view(row, &page, t, &names))
            .collect(),
        reload: page.ws_link("inbox"),
    };
    render(&ArrivalsTemplate {
        t,
        arrivals: &arrivals,
    })
}
