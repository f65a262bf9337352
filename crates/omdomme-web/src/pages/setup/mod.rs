//! The setup pages, with a sub-navigation between them: brands and their watch queries
//! and the live sources of a workspace (`/w/{ws}/setup/...`, editor and up), and, outside
//! any workspace, users and roles (`/setup/users`, admin) and the audit log
//! (`/setup/audit`, leader and up).

pub mod accounts;
pub mod audit;
pub mod brands;
pub mod goals;
pub mod policy;
pub mod sources;
pub mod users;

use axum::Router;
use axum::http::StatusCode;
use axum::response::Response;
use omdomme_store::Role;

use super::{Page, PageError, render, workspace_link};
use crate::AppState;
use crate::i18n::texts;

pub fn routes() -> Router<AppState> {
    Router::new()
        .merge(brands::routes())
        .merge(sources::routes())
        .merge(users::routes())
        .merge(audit::routes())
        .merge(policy::routes())
        .merge(goals::routes())
        // == brand accounts (issue 7) ==
        .merge(accounts::routes())
}

/// The four setup pages.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SetupTab {
    Brands,
    Sources,
    Policy,
    Goals,
    // == brand accounts (issue 7) ==
    Accounts,
    Users,
    Audit,
}

/// One entry of the setup pages' sub-navigation.
#[derive(Clone, Debug)]
pub struct NavLink {
    pub href: String,
    pub label: &'static str,
    /// Stable name for tests and the browser test: `data-setup="brands"`.
    pub name: &'static str,
    pub current: bool,
}

/// The sub-navigation entries `page`'s user may open. The workspace pages link to the
/// page's workspace, or to the first one from the pages outside any workspace.
pub fn nav(page: &Page, current: SetupTab) -> Vec<NavLink> {
    let workspace = page.workspace.as_ref().or(page.workspaces.first());
    let mut links = Vec::new();
    if let Some(ws) = workspace.filter(|_| page.can(Role::Editor)) {
        links.push(NavLink {
            href: workspace_link(&ws.id, "setup/brands"),
            label: page.t.nav_brands,
            name: "brands",
            current: current == SetupTab::Brands,
        });
        links.push(NavLink {
            href: workspace_link(&ws.id, "setup/sources"),
            label: page.t.nav_sources,
            name: "sources",
            current: current == SetupTab::Sources,
        });
        links.push(NavLink {
            href: workspace_link(&ws.id, "setup/policy"),
            label: page.t.nav_policy,
            name: "policy",
            current: current == SetupTab::Policy,
        });
        links.push(NavLink {
            href: workspace_link(&ws.id, "setup/goals"),
            label: page.t.nav_goals,
            name: "goals",
            current: current == SetupTab::Goals,
        });
        // == brand accounts (issue 7) ==
        links.push(NavLink {
            href: workspace_link(&ws.id, "setup/accounts"),
            label: texts::<accounts::AccountsTexts>(page.language).title,
            name: "accounts",
            current: current == SetupTab::Accounts,
        });
    }
    if page.can(Role::Admin) {
        links.push(NavLink {
            href: "/setup/users".to_owned(),
            label: page.t.nav_users,
            name: "users",
            current: current == SetupTab::Users,
        });
    }
    if page.can(Role::Leader) {
        links.push(NavLink {
            href: "/setup/audit".to_owned(),
            label: page.t.nav_audit,
            name: "audit",
            current: current == SetupTab::Audit,
        });
    }
    links
}

/// Renders a page that refuses what was sent: the same page with the problem, and a 422.
pub fn render_refusal(template: &impl askama::Template) -> Result<Response, PageError> {
    let mut response = render(template)?;
    *response.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    Ok(response)
}

/// A form field with nothing but spaces counts as left out.
pub fn filled(value: Option<String>) -> Option<String> {
    value.map(|v| v.trim().to_owned()).filter(|v| !v.is_empty())
}
