//! The web app's HTML pages: server-rendered with askama templates (`templates/`, checked
//! at compile time, HTML-escaped by default) and htmx for the interactive parts.
//!
//! Every page handler takes a [`Page`]: extracting it checks the session (no session
//! redirects to the login page), loads the user's language and texts, the workspaces and
//! the one named in the path (`/w/{ws}/...`), and the CSRF token the layout puts on every
//! form. Handlers call [`Page::require`] with the least role the route needs, render their
//! template with [`render`], and fail with [`PageError`], which renders an HTML error page.

pub mod account;
// == alerts (issue 7) ==
pub mod alerts;
pub mod calendar;
pub mod effect;
pub mod explorer;
pub mod inbox;
pub mod item;
// issue 7: leadership
pub mod leadership;
pub mod login;
pub mod openness;
pub mod overview;
pub mod report;
pub mod setup;
pub mod stories;

use std::collections::HashMap;

use axum::Router;
use axum::extract::{FromRequestParts, RawPathParams};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::get;
use jiff::Timestamp;
use omdomme_core::{Workspace, WorkspaceId};
use omdomme_store::{AuditEntry, Role, UiLanguage};

use crate::AppState;
use crate::auth::{self, CurrentUser};
use crate::csrf;
use crate::error::AppError;
use crate::format::Formatter;
use crate::i18n::{CommonTexts, texts};

/// Every page route. Each section's module adds its own routes here.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(home))
        .merge(login::routes())
        .merge(account::routes())
        .merge(setup::routes())
        .merge(inbox::routes())
        .merge(overview::routes())
        .merge(explorer::routes())
        .merge(item::routes())
        .merge(stories::routes())
        .merge(calendar::routes())
        .merge(effect::routes())
        // issue 7: leadership
        .merge(leadership::routes())
        .merge(openness::routes())
        // == report (issue 7) ==
        .merge(report::routes())
        // == alerts (issue 7) ==
        .merge(alerts::routes())
}

/// The part of the app a page belongs to, for the navigation's highlight.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Section {
    Overview,
    Explorer,
    Inbox,
    Stories,
    Calendar,
    Setup,
    Account,
    /// The leadership group's pages: strategy, audience, maturity, the index, the report
    /// and the alerts, under one entry with a sub-navigation (`pages::leadership::nav`).
    Leadership,
}

/// What every page knows about its request: who, in which language, which workspace.
#[derive(Clone, Debug)]
pub struct Page {
    pub user: CurrentUser,
    pub language: UiLanguage,
    pub t: &'static CommonTexts,
    /// The CSRF token every form and htmx request carries.
    pub csrf: String,
    pub fmt: Formatter,
    pub now: Timestamp,
    /// Every workspace, for the switcher.
    pub workspaces: Vec<Workspace>,
    /// The workspace named in the path, if the route has one.
    pub workspace: Option<Workspace>,
    /// This request's path and query, for links back here (the language switch).
    pub here: String,
    pub section: Option<Section>,
    /// Whether htmx asked for this (`HX-Request`): answer with a fragment, not a page.
    pub htmx: bool,
}

impl Page {
    /// Refuses (403 page) unless the user has at least `min`.
    pub fn require(&self, min: Role) -> Result<(), PageError> {
        self.user.require(min).map_err(PageError::from)
    }

    /// Whether the user has at least `min`: for showing or hiding links and buttons (the
    /// handlers still check).
    pub fn can(&self, min: Role) -> bool {
        self.user.role >= min
    }

    /// The workspace of the path; 404 on routes without one.
    pub fn workspace(&self) -> Result<&Workspace, PageError> {
        self.workspace
            .as_ref()
            .ok_or_else(|| AppError::NotFound("this page needs a workspace".to_owned()).into())
    }

    /// A link inside the current workspace: `ws_link("inbox")` is `/w/<ws>/inbox`.
    pub fn ws_link(&self, rest: &str) -> String {
        match &self.workspace {
            Some(ws) => workspace_link(&ws.id, rest),
            None => "/".to_owned(),
        }
    }

    /// Whether the navigation entry of `section` is the current one.
    pub fn is(&self, section: Section) -> bool {
        self.section == Some(section)
    }

    /// The same page in another workspace's overview, for the switcher.
    pub fn switch_link(&self, workspace: &Workspace) -> String {
        workspace_link(&workspace.id, "overview")
    }

    /// Whether any workspace shown is synthetic (the demo): the layout then says so.
    pub fn synthetic(&self) -> bool {
        match &self.workspace {
            Some(ws) => ws.synthetic,
            None => self.workspaces.iter().any(|w| w.synthetic),
        }
    }

    /// Records a change in the audit log, in this page's workspace.
    pub async fn audit(
        &self,
        state: &AppState,
        action: &str,
        target: &str,
        detail: &str,
    ) -> Result<(), PageError> {
        state
            .store
            .append_audit(&AuditEntry {
                at: self.now,
                actor: self.user.email.clone(),
                workspace: self.workspace.as_ref().map(|w| w.id.clone()),
                action: action.to_owned(),
                target: target.to_owned(),
                detail: detail.to_owned(),
            })
            .await
            .map_err(|e| PageError::from(AppError::from(e)))
    }
}

/// `/w/<ws>/<rest>` with the workspace id percent-encoded.
pub fn workspace_link(workspace: &WorkspaceId, rest: &str) -> String {
    let ws = percent_encoding::utf8_percent_encode(&workspace.0, PATH_SEGMENT);
    if rest.is_empty() {
        format!("/w/{ws}")
    } else {
        format!("/w/{ws}/{rest}")
    }
}

/// Characters escaped in one path segment: everything but unreserved ones.
const PATH_SEGMENT: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// A value for a query string: `?q=<encoded>`.
pub fn query_value(value: &str) -> String {
    form_urlencoded::byte_serialize(value.as_bytes()).collect()
}

/// A `next=` target that stays on this site: a path, never `//host` or `https://host`.
pub fn local_path(next: Option<&str>) -> String {
    match next {
        Some(path) if path.starts_with('/') && !path.starts_with("//") && !path.contains('\\') => {
            path.to_owned()
        }
        _ => "/".to_owned(),
    }
}

fn is_htmx(headers: &HeaderMap) -> bool {
    headers.get("hx-request").is_some_and(|v| v == "true")
}

impl FromRequestParts<AppState> for Page {
    type Rejection = PageError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, PageError> {
        let here = parts
            .uri
            .path_and_query()
            .map(|p| p.as_str().to_owned())
            .unwrap_or_else(|| "/".to_owned());
        let htmx = is_htmx(&parts.headers);
        let user = match CurrentUser::from_request_parts(parts, state).await {
            Ok(user) => user,
            Err(AppError::Unauthorized(_)) => {
                return Err(PageError::Login {
                    next: if htmx { "/".to_owned() } else { here },
                    htmx,
                });
            }
            Err(other) => return Err(other.into()),
        };
        let csrf = auth::session_token(&parts.headers)
            .map(|token| csrf::token_for_session(&token))
            .unwrap_or_default();
        let params = RawPathParams::from_request_parts(parts, state)
            .await
            .map(|raw| {
                raw.iter()
                    .map(|(k, v)| (k.to_owned(), v.to_owned()))
                    .collect::<HashMap<_, _>>()
            })
            .unwrap_or_default();
        let workspaces = state.store.workspaces().await.map_err(AppError::from)?;
        let workspace = match params.get("ws") {
            Some(id) => Some(
                workspaces
                    .iter()
                    .find(|w| &w.id.0 == id)
                    .cloned()
                    .ok_or_else(|| AppError::NotFound(format!("no workspace `{id}`")))?,
            ),
            None => None,
        };
        let language = user.language;
        Ok(Page {
            language,
            t: texts::<CommonTexts>(language),
            csrf,
            fmt: Formatter::new(language, &state.config.time_zone),
            now: state.clock.now(),
            workspaces,
            workspace,
            here,
            section: None,
            htmx,
            user,
        })
    }
}

/// What a page handler fails with: a redirect to the login page, or an error page.
#[derive(Debug)]
pub enum PageError {
    /// Not logged in (or the session ended): log in, then come back to `next`.
    Login {
        next: String,
        htmx: bool,
    },
    App(AppError),
}

impl From<AppError> for PageError {
    fn from(error: AppError) -> Self {
        PageError::App(error)
    }
}

impl From<omdomme_store::StoreError> for PageError {
    fn from(error: omdomme_store::StoreError) -> Self {
        PageError::App(error.into())
    }
}

#[derive(askama::Template)]
#[template(path = "error.html")]
struct ErrorTemplate<'a> {
    status: u16,
    title_nb: &'a str,
    title_en: &'a str,
    message: &'a str,
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let error = match self {
            PageError::Login { next, htmx } => {
                let target = format!("/login?next={}", query_value(&next));
                if htmx {
                    // htmx follows HX-Redirect with a full page load.
                    let mut response = StatusCode::UNAUTHORIZED.into_response();
                    if let Ok(value) = HeaderValue::from_str(&target) {
                        response.headers_mut().insert("hx-redirect", value);
                    }
                    return response;
                }
                return Redirect::to(&target).into_response();
            }
            PageError::App(error) => error,
        };
        let status = error.status();
        let (title_nb, title_en) = match status.as_u16() {
            400 => (
                "Noe er galt med forespørselen",
                "Something is wrong with the request",
            ),
            401 => ("Du er ikke logget inn", "You are not logged in"),
            403 => ("Ingen tilgang", "Not allowed"),
            404 => ("Fant ikke siden", "Page not found"),
            413 => ("For stort", "Too large"),
            429 => ("For mange forsøk", "Too many attempts"),
            _ => ("Noe gikk galt hos oss", "Something went wrong on our side"),
        };
        let message = match &error {
            AppError::Internal(detail) => {
                tracing::error!(%detail, "internal error on a page");
                "internal server error".to_owned()
            }
            other => other.to_string(),
        };
        let page = ErrorTemplate {
            status: status.as_u16(),
            title_nb,
            title_en,
            message: &message,
        };
        match askama::Template::render(&page) {
            Ok(html) => (status, Html(html)).into_response(),
            Err(_) => (status, message).into_response(),
        }
    }
}

/// Renders a template to an HTML response.
pub fn render(template: &impl askama::Template) -> Result<Response, PageError> {
    template
        .render()
        .map(|html| Html(html).into_response())
        .map_err(|e| AppError::internal(format!("rendering a page: {e}")).into())
}

/// `GET /`: the first workspace's overview, or the account page when there is none.
async fn home(page: Page) -> Result<Response, PageError> {
    page.require(Role::Viewer)?;
    Ok(match page.workspaces.first() {
        Some(ws) => Redirect::to(&workspace_link(&ws.id, "overview")).into_response(),
        None => Redirect::to("/account").into_response(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_targets_stay_on_this_site() {
        assert_eq!(local_path(Some("/w/demo/inbox?x=1")), "/w/demo/inbox?x=1");
        assert_eq!(local_path(Some("//evil.example/")), "/");
        assert_eq!(local_path(Some("https://evil.example/")), "/");
        assert_eq!(local_path(Some("/\\evil.example")), "/");
        assert_eq!(local_path(None), "/");
    }

    #[test]
    fn workspace_ids_are_encoded_in_links() {
        let ws = WorkspaceId("a b/<c>".to_owned());
        assert_eq!(
            workspace_link(&ws, "overview"),
            "/w/a%20b%2F%3Cc%3E/overview"
        );
        assert_eq!(query_value("a b&c"), "a+b%26c");
    }
}
