//! `/w/{ws}/maturity`: PRODUCT.md's path — policy, protection, opportunity — as checks on
//! what this workspace holds, each in place or missing with the next step. Computed by
//! `omdomme_strategy::maturity`, which the leadership report calls too.

use axum::Router;
use axum::extract::State;
use axum::response::Response;
use axum::routing::get;
use omdomme_store::{Role, UiLanguage};
use omdomme_strategy::maturity::{self, Stage};

use super::{LeadershipTexts, nav};
use crate::i18n::texts;
use crate::pages::setup::NavLink;
use crate::pages::{Page, PageError, Section, render};
use crate::{AppState, texts};

pub fn routes() -> Router<AppState> {
    Router::new().route("/w/{ws}/maturity", get(show))
}

texts!(pub MaturityTexts {
    title: "Modenhet" / "Maturity",
    intro: "Veien fra policy via beskyttelse til muligheter: hva som er på plass i dette arbeidsområdet, regnet ut fra dataene, og neste steg for det som mangler." / "The path from policy through protection to opportunity: what is in place in this workspace, computed from its data, and the next step for what is missing.",
    in_place: "På plass" / "In place",
    missing: "Mangler" / "Missing",
    summary: "på plass av" / "in place of",
    stands_at: "Dere står på trinnet" / "You stand at the stage",
    all_done: "Alt er på plass." / "Everything is in place.",
    next_step: "Neste steg" / "Next step",
});

/// One check as shown.
pub struct CheckRow {
    pub name: &'static str,
    pub title: &'static str,
    pub in_place: bool,
    pub evidence: String,
    pub next_step: &'static str,
    pub href: String,
}

pub struct StageBlock {
    pub name: &'static str,
    pub title: &'static str,
    pub rows: Vec<CheckRow>,
}

#[derive(askama::Template)]
#[template(path = "maturity.html")]
struct MaturityTemplate<'a> {
    page: &'a Page,
    t: &'static MaturityTexts,
    lt: &'static LeadershipTexts,
    nav: Vec<NavLink>,
    stages: Vec<StageBlock>,
    in_place: usize,
    total: usize,
    current: Option<&'static str>,
}

async fn show(State(state): State<AppState>, mut page: Page) -> Result<Response, PageError> {
    page.require(Role::Viewer)?;
    page.section = Some(Section::Leadership);
    let ws = page.workspace()?.id.clone();
    let language = page.language;
    let result = maturity::read(state.store.as_ref(), &ws, page.now, &page.fmt.zone).await?;
    let stages = Stage::ALL
        .into_iter()
        .map(|stage| StageBlock {
            name: stage.as_str(),
            title: stage.title().get(language),
            rows: result
                .of(stage)
                .map(|a| CheckRow {
                    name: a.check.as_str(),
                    title: a.check.title().get(language),
                    in_place: a.in_place,
                    evidence: a.evidence(language).to_owned(),
                    next_step: a.check.next_step().get(language),
                    href: page.ws_link(a.check.next_step_path()),
                })
                .collect(),
        })
        .collect();
    render(&MaturityTemplate {
        page: &page,
        t: texts::<MaturityTexts>(language),
        lt: texts::<LeadershipTexts>(language),
        nav: nav(&page, "maturity"),
        stages,
        in_place: result.in_place(),
        total: result.assessments.len(),
        current: result.current_stage().map(|s| s.title().get(language)),
    })
}
