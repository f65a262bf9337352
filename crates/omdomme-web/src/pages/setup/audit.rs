//! `/setup/audit`: who changed what and when, newest first, filtered by workspace, actor
//! and action, paged by id (`before=<id>` reads the entries older than that one, so a page
//! costs the same however deep it is). Leaders and admins.

use axum::Router;
use axum::extract::State;
use axum::response::Response;
use axum::routing::get;
use omdomme_core::WorkspaceId;
use omdomme_store::{AuditQuery, Role, UiLanguage};
use serde::Deserialize;

use super::{NavLink, SetupTab, filled, nav};
use crate::extract::AppQuery;
use crate::i18n::texts;
use crate::pages::{Page, PageError, Section, render};
use crate::{AppState, texts};

pub fn routes() -> Router<AppState> {
    Router::new().route("/setup/audit", get(show))
}

texts!(pub AuditTexts {
    title: "Revisjonslogg" / "Audit log",
    intro: "Hvem endret hva, og når. Nyeste først." / "Who changed what, and when. Newest first.",
    field_workspace: "Arbeidsområde" / "Workspace",
    all_workspaces: "Alle, også endringer utenfor arbeidsområdene" / "All, including changes outside the workspaces",
    field_actor: "Hvem (e-post)" / "Who (e-mail)",
    field_action: "Handling, eller starten av en (brand., user.)" / "Action, or the start of one (brand., user.)",
    filter: "Vis" / "Show",
    clear: "Nullstill" / "Clear",
    col_time: "Tid" / "Time",
    col_actor: "Hvem" / "Who",
    col_workspace: "Arbeidsområde" / "Workspace",
    col_action: "Handling" / "Action",
    col_target: "Gjelder" / "Target",
    col_detail: "Detaljer" / "Details",
    older: "Eldre oppføringer" / "Older entries",
    newest: "Til de nyeste" / "Back to the newest",
    empty_filtered: "Ingen oppføringer passer med disse filtrene. Nullstill filtrene for å se alle." / "No entries match these filters. Clear the filters to see them all.",
    empty: "Ingen endringer er logget ennå. Endringer i merkevarer, kilder, brukere og innboksen havner her." / "No changes are logged yet. Changes to brands, sources, users and the inbox end up here.",
});

/// Entries per page.
const PAGE_SIZE: usize = 50;

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuditParams {
    workspace: Option<String>,
    actor: Option<String>,
    action: Option<String>,
    /// Only entries older than this id.
    before: Option<i64>,
}

/// An entry as the table shows it.
#[derive(Clone, Debug)]
pub struct AuditRow {
    pub id: i64,
    pub when: String,
    pub actor: String,
    pub workspace: String,
    pub action: String,
    pub target: String,
    pub detail: String,
}

/// One choice of the workspace filter.
#[derive(Clone, Debug)]
pub struct WorkspaceOption {
    pub id: String,
    pub name: String,
    pub selected: bool,
}

#[derive(askama::Template)]
#[template(path = "setup_audit.html")]
struct AuditTemplate<'a> {
    page: &'a Page,
    t: &'static AuditTexts,
    nav: Vec<NavLink>,
    workspaces: Vec<WorkspaceOption>,
    actor: String,
    action: String,
    rows: Vec<AuditRow>,
    filtered: bool,
    older_href: Option<String>,
    newest_href: Option<String>,
}

/// `/setup/audit` with the filters and, when given, `before`.
fn link(
    workspace: Option<&str>,
    actor: Option<&str>,
    action: Option<&str>,
    before: Option<i64>,
) -> String {
    let mut query = form_urlencoded::Serializer::new(String::new());
    for (name, value) in [
        ("workspace", workspace),
        ("actor", actor),
        ("action", action),
    ] {
        if let Some(value) = value {
            query.append_pair(name, value);
        }
    }
    if let Some(before) = before {
        query.append_pair("before", &before.to_string());
    }
    let query = query.finish();
    if query.is_empty() {
        "/setup/audit".to_owned()
    } else {
        format!("/setup/audit?{query}")
    }
}

async fn show(
    State(state): State<AppState>,
    mut page: Page,
    AppQuery(params): AppQuery<AuditParams>,
) -> Result<Response, PageError> {
    page.require(Role::Leader)?;
    page.section = Some(Section::Setup);
    let t = texts::<AuditTexts>(page.language);
    let workspace = filled(params.workspace);
    let actor = filled(params.actor);
    let action = filled(params.action);
    let mut records = state
        .store
        .audit_log(&AuditQuery {
            workspace: workspace.clone().map(WorkspaceId),
            actor: actor.clone(),
            action_prefix: action.clone(),
            target: None,
            before: params.before,
            // One more than shown tells whether there is an older page.
            limit: PAGE_SIZE + 1,
        })
        .await?;
    let more = records.len() > PAGE_SIZE;
    records.truncate(PAGE_SIZE);
    let older_href = more
        .then(|| records.last().map(|r| r.id))
        .flatten()
        .map(|last| {
            link(
                workspace.as_deref(),
                actor.as_deref(),
                action.as_deref(),
                Some(last),
            )
        });
    let newest_href = params.before.map(|_| {
        link(
            workspace.as_deref(),
            actor.as_deref(),
            action.as_deref(),
            None,
        )
    });
    let rows = records
        .into_iter()
        .map(|record| {
            let entry = record.entry;
            AuditRow {
                id: record.id,
                when: page.fmt.datetime(&entry.at),
                actor: entry.actor,
                workspace: entry.workspace.map(|w| w.0).unwrap_or_default(),
                action: entry.action,
                target: entry.target,
                detail: entry.detail,
            }
        })
        .collect();
    let workspaces = page
        .workspaces
        .iter()
        .map(|w| WorkspaceOption {
            id: w.id.0.clone(),
            name: w.name.clone(),
            selected: workspace.as_deref() == Some(w.id.0.as_str()),
        })
        .collect();
    render(&AuditTemplate {
        page: &page,
        t,
        nav: nav(&page, SetupTab::Audit),
        workspaces,
        filtered: workspace.is_some() || actor.is_some() || action.is_some(),
        actor: actor.unwrap_or_default(),
        action: action.unwrap_or_default(),
        rows,
        older_href,
        newest_href,
    })
}
