//! The leadership group's pages (issue 7), under one navigation entry with a sub-navigation
//! of their own: the strategy with its alignment check (`/w/{ws}/strategy`), the audience
//! planner (`/w/{ws}/audience`) and the maturity view (`/w/{ws}/maturity`). Everyone reads
//! them; leaders and admins change the strategy and the audience figures, each change in the
//! audit log. The index and report pages join [`nav`] with a line each.

pub mod audience;
pub mod maturity;
pub mod strategy;

use axum::Router;
use omdomme_store::Role;

use super::Page;
use super::setup::NavLink;
use crate::i18n::texts;
use crate::{AppState, texts};

pub fn routes() -> Router<AppState> {
    Router::new()
        .merge(strategy::routes())
        .merge(audience::routes())
        .merge(maturity::routes())
}

texts!(pub LeadershipTexts {
    nav_label: "Ledelse" / "Leadership",
    nav_strategy: "Strategi og mål" / "Strategy and goals",
    nav_audience: "Målgrupper" / "Audience",
    nav_maturity: "Modenhet" / "Maturity",
    assumption: "antakelse" / "assumption",
});

/// The leadership pages' sub-navigation; `current` is the open page's `name`. Each page of
/// the section adds one entry here; the report only for those who may open it.
pub fn nav(page: &Page, current: &str) -> Vec<NavLink> {
    let t = texts::<LeadershipTexts>(page.language);
    let mut entries: Vec<(&'static str, &'static str, &'static str)> = vec![
        ("strategy", "strategy", t.nav_strategy),
        ("audience", "audience", t.nav_audience),
        ("maturity", "maturity", t.nav_maturity),
    ];
    // == openness and report (issue 7) ==
    entries.push(("index", "index", page.t.nav_index));
    if page.can(Role::Leader) {
        entries.push(("report", "report", page.t.nav_report));
    }
    // == alerts (issue 7) ==
    let alerts = texts::<super::alerts::AlertsTexts>(page.language);
    entries.push(("alerts", "alerts", alerts.nav_alerts));
    if page.can(Role::Leader) {
        entries.push(("alert-setup", "setup/alerts", alerts.nav_setup));
    }
    entries
        .into_iter()
        .map(|(name, path, label)| NavLink {
            href: page.ws_link(path),
            label,
            name,
            current: name == current,
        })
        .collect()
}
