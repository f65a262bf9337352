//! `/w/{ws}/setup/brands`: the workspace's brands and their watch queries, with a live
//! preview of what a query matches (or the parser's error with a caret under its column)
//! while it is typed. Editors and up.
//!
//! A workspace has exactly one own brand: saving a brand as the own one makes the previous
//! own brand a competitor (and says so), and the own brand can neither become a competitor
//! nor be deleted while other brands remain, so there is always a way from one valid state
//! to the next.

use axum::Router;
use axum::extract::State;
use axum::response::Response;
use axum::routing::{get, post};
use omdomme_core::{Brand, BrandId, BrandRole, Query, QueryError, Workspace, is_slug};
use omdomme_store::{Filters, Role, SearchOrder, SearchRequest, UiLanguage};
use serde::Deserialize;

use super::{NavLink, SetupTab, filled, nav, render_refusal};
use crate::csrf::AppForm;
use crate::error::AppError;
use crate::extract::AppQuery;
use crate::i18n::texts;
use crate::pages::{Page, PageError, Section, query_value, render};
use crate::{AppState, texts};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/w/{ws}/setup/brands", get(show).post(save))
        .route("/w/{ws}/setup/brands/preview", get(preview))
        .route("/w/{ws}/setup/brands/delete", post(delete))
}

texts!(pub BrandsTexts {
    title: "Merkevarer og søk" / "Brands and watch queries",
    intro: "Hver merkevare har et søk som plukker ut det som skrives om den. Arbeidsområdet har nøyaktig én egen merkevare; de andre er konkurrenter." / "Each brand has a watch query that picks out what is written about it. A workspace has exactly one own brand; the others are competitors.",
    applies_note: "Nye og endrede søk gjelder for innhold som samles inn etter neste oppstart av Omdømme. Kjør «omdomme reindex --enrich» for å merke innhold som alt er lagret på nytt." / "New and changed queries apply to items collected after Omdømme's next start. Run “omdomme reindex --enrich” to re-tag the items already stored.",
    config_note: "Er arbeidsområdet satt opp i konfigurasjonsfilen ([[workspaces]]), gjelder filen igjen ved neste oppstart: gjør samme endring der." / "If this workspace is set up in the config file ([[workspaces]]), the file applies again at the next start: make the same change there.",
    col_name: "Navn" / "Name",
    col_id: "Id" / "Id",
    col_role: "Rolle" / "Role",
    col_query: "Søk" / "Watch query",
    col_actions: "Handlinger" / "Actions",
    role_own: "egen merkevare" / "own brand",
    role_competitor: "konkurrent" / "competitor",
    edit: "Endre" / "Edit",
    delete: "Slett" / "Delete",
    confirm_delete: "Slette merkevaren? Innhold som alt er merket med den, beholder merket." / "Delete this brand? Items already tagged with it keep the tag.",
    empty: "Ingen merkevarer ennå. Legg til din egen merkevare i skjemaet under, deretter konkurrentene." / "No brands yet. Add your own brand with the form below, then the competitors.",
    add_heading: "Legg til en merkevare" / "Add a brand",
    edit_heading: "Endre merkevaren" / "Edit the brand",
    field_id: "Id (små bokstaver, sifre og bindestrek; kan ikke endres senere)" / "Id (lower-case letters, digits and hyphens; cannot be changed later)",
    field_name: "Navn" / "Name",
    field_role: "Rolle" / "Role",
    field_query: "Søk" / "Watch query",
    query_help: "Ord, \"fraser\", #emneknagger, @kontoer, AND, OR, NOT, -utelat, ord* og parenteser; felt som lang:nb, author:navn og source:rss." / "Words, \"phrases\", #hashtags, @accounts, AND, OR, NOT, -exclude, word* and parentheses; fields like lang:nb, author:name and source:rss.",
    add: "Legg til" / "Add",
    save_changes: "Lagre endringene" / "Save changes",
    stop_editing: "Avbryt endringen" / "Cancel editing",
    preview_heading: "Forhåndsvisning" / "Preview",
    preview_blank: "Skriv et søk for å se hva det treffer i innholdet som alt er lagret." / "Type a query to see what it matches among the items already stored.",
    preview_matches: "lagrede innlegg treffer søket" / "stored items match the query",
    preview_none: "Ingen lagrede innlegg treffer søket ennå. Det kan stemme for en ny merkevare; sjekk ellers stavemåten." / "No stored item matches the query yet. That may be right for a new brand; otherwise check the spelling.",
    preview_latest: "De nyeste:" / "The latest:",
    open_in_explorer: "Åpne treffene i Utforsk" / "Open the matches in the explorer",
    query_error: "Søket kan ikke leses, ved tegn" / "The query cannot be read, at character",
    added: "Merkevaren er lagt til" / "Brand added",
    updated: "Merkevaren er lagret" / "Brand saved",
    deleted: "Merkevaren er slettet" / "Brand deleted",
    became_competitor: "er nå konkurrent: et arbeidsområde har nøyaktig én egen merkevare" / "is now a competitor: a workspace has exactly one own brand",
    bad_id: "Id-en må være 1–64 tegn: små bokstaver a–z, sifre og bindestrek." / "The id must be 1–64 characters: lower-case letters a–z, digits and hyphens.",
    id_taken: "En annen merkevare har alt denne id-en; velg en annen." / "Another brand already has this id; choose another.",
    name_missing: "Gi merkevaren et navn (høyst 100 tegn)." / "Give the brand a name (at most 100 characters).",
    query_missing: "Skriv et søk som plukker ut det som skrives om merkevaren." / "Write a watch query that picks out what is written about the brand.",
    role_unknown: "Velg rollen egen merkevare eller konkurrent." / "Choose the role own brand or competitor.",
    needs_own: "Et arbeidsområde trenger nøyaktig én egen merkevare. Gjør en annen merkevare til egen i stedet (denne blir da konkurrent)." / "A workspace needs exactly one own brand. Make another brand the own one instead (this one then becomes a competitor).",
    own_first: "Et arbeidsområde trenger nøyaktig én egen merkevare: legg til din egen merkevare først." / "A workspace needs exactly one own brand: add your own brand first.",
    several_own: "Arbeidsområdet har flere egne merkevarer. Lagre den riktige som egen, så blir de andre konkurrenter." / "The workspace has several own brands. Save the right one as own and the others become competitors.",
    no_own_now: "Arbeidsområdet har ingen egen merkevare. Endre en av merkevarene til egen merkevare." / "The workspace has no own brand. Change one of the brands to be the own brand.",
    own_delete: "Den egne merkevaren kan ikke slettes mens det finnes konkurrenter: gjør en annen merkevare til egen først." / "The own brand cannot be deleted while competitors remain: make another brand the own one first.",
});

/// What the brand form shows: a new brand's fields, the one being edited, or what was sent
/// and refused.
#[derive(Clone, Debug, Default)]
pub struct Draft {
    /// The id of the brand being edited; `None` for a new one.
    pub editing: Option<String>,
    pub id: String,
    pub name: String,
    pub own: bool,
    pub query: String,
}

impl Draft {
    fn of(brand: &Brand) -> Draft {
        Draft {
            editing: Some(brand.id.0.clone()),
            id: brand.id.0.clone(),
            name: brand.name.clone(),
            own: brand.role == BrandRole::Own,
            query: brand.query.clone(),
        }
    }
}

/// A brand as the table shows it.
#[derive(Clone, Debug)]
pub struct BrandRow {
    pub id: String,
    pub name: String,
    pub own: bool,
    pub query: String,
    pub edit_href: String,
}

/// A query the parser refused, laid out so a caret sits under the offending character.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CaretError {
    /// The query with tabs and line breaks shown as spaces, so both lines line up.
    pub query: String,
    /// The characters before the column, drawn invisibly in front of the caret: the caret
    /// then sits under the column whatever the width of those characters in the font.
    pub before: String,
    /// 1-based, in characters.
    pub column: usize,
    pub message: String,
}

impl CaretError {
    pub fn new(query: &str, error: &QueryError) -> CaretError {
        let shown: String = query
            .chars()
            .map(|c| if c.is_whitespace() { ' ' } else { c })
            .collect();
        let before = shown.chars().take(error.column.saturating_sub(1)).collect();
        CaretError {
            query: shown,
            before,
            column: error.column,
            message: error.message.clone(),
        }
    }
}

/// The live preview of a query: nothing yet, the parser's error, or what it matches.
#[derive(Clone, Debug, Default)]
pub struct Preview {
    pub error: Option<CaretError>,
    pub matches: Option<Matches>,
}

#[derive(Clone, Debug)]
pub struct Matches {
    pub total: u64,
    pub total_text: String,
    pub items: Vec<PreviewItem>,
    pub explorer_href: String,
}

#[derive(Clone, Debug)]
pub struct PreviewItem {
    pub author: String,
    pub source: String,
    pub when: String,
    pub text: String,
}

/// How many of the newest matches the preview lists.
const PREVIEW_ITEMS: usize = 10;
/// Longest excerpt of an item's text in the preview, in characters.
const EXCERPT_CHARS: usize = 220;
/// Longest brand name, in characters.
const MAX_NAME_CHARS: usize = 100;

#[derive(askama::Template)]
#[template(path = "setup_brands.html")]
struct BrandsTemplate<'a> {
    page: &'a Page,
    t: &'static BrandsTexts,
    nav: Vec<NavLink>,
    rows: Vec<BrandRow>,
    draft: Draft,
    notices: Vec<String>,
    error: Option<&'static str>,
    problem: Option<&'static str>,
    preview: Preview,
}

#[derive(askama::Template)]
#[template(path = "setup_brands_preview.html")]
struct PreviewTemplate {
    t: &'static BrandsTexts,
    preview: Preview,
}

/// What the page shows besides the brands.
struct Outcome {
    draft: Draft,
    notices: Vec<String>,
    error: Option<&'static str>,
    preview: Preview,
}

fn own_count(brands: &[Brand]) -> usize {
    brands.iter().filter(|b| b.role == BrandRole::Own).count()
}

/// What is wrong with the workspace's brands as they are, if anything.
fn standing_problem(t: &'static BrandsTexts, brands: &[Brand]) -> Option<&'static str> {
    match own_count(brands) {
        0 if !brands.is_empty() => Some(t.no_own_now),
        0 | 1 => None,
        _ => Some(t.several_own),
    }
}

fn template<'a>(
    page: &'a Page,
    t: &'static BrandsTexts,
    workspace: &Workspace,
    outcome: Outcome,
) -> BrandsTemplate<'a> {
    let rows = workspace
        .brands
        .iter()
        .map(|brand| BrandRow {
            id: brand.id.0.clone(),
            name: brand.name.clone(),
            own: brand.role == BrandRole::Own,
            query: brand.query.clone(),
            edit_href: page.ws_link(&format!(
                "setup/brands?edit={}#brand-editor",
                query_value(&brand.id.0)
            )),
        })
        .collect();
    BrandsTemplate {
        page,
        t,
        nav: nav(page, SetupTab::Brands),
        rows,
        draft: outcome.draft,
        notices: outcome.notices,
        error: outcome.error,
        problem: standing_problem(t, &workspace.brands),
        preview: outcome.preview,
    }
}

/// The preview of `query`: its error, or how many stored items match and the newest ones.
async fn build_preview(
    state: &AppState,
    page: &Page,
    workspace: &Workspace,
    query: &str,
) -> Result<Preview, PageError> {
    if query.trim().is_empty() {
        return Ok(Preview::default());
    }
    let parsed = match Query::parse(query) {
        Ok(parsed) => parsed,
        Err(error) => {
            return Ok(Preview {
                error: Some(CaretError::new(query, &error)),
                matches: None,
            });
        }
    };
    let found = state
        .store
        .search(&SearchRequest {
            workspace: workspace.id.clone(),
            query: Some(parsed),
            filters: Filters::default(),
            order: SearchOrder::Newest,
            offset: 0,
            limit: PREVIEW_ITEMS,
        })
        .await?;
    let items = found
        .items
        .iter()
        .map(|stored| {
            let item = &stored.item;
            PreviewItem {
                author: item
                    .author
                    .name
                    .clone()
                    .unwrap_or_else(|| format!("@{}", item.author.handle)),
                source: item.source.kind.as_str().to_owned(),
                when: page.fmt.datetime(&item.published_at),
                text: excerpt(&item.text),
            }
        })
        .collect();
    Ok(Preview {
        error: None,
        matches: Some(Matches {
            total: found.total,
            total_text: page.fmt.number(found.total),
            items,
            explorer_href: page.ws_link(&format!("explorer?q={}", query_value(query))),
        }),
    })
}

/// The start of a text, with an ellipsis when cut.
fn excerpt(text: &str) -> String {
    let mut chars = text.chars();
    let mut out: String = chars.by_ref().take(EXCERPT_CHARS).collect();
    if chars.next().is_some() {
        out.push('…');
    }
    out
}

/// Lower-case letters, digits and hyphens, 1 to 64 of them (the config file's rule).
fn role_name(role: BrandRole) -> &'static str {
    match role {
        BrandRole::Own => "own",
        BrandRole::Competitor => "competitor",
    }
}

/// A brand for the audit log.
fn describe(brand: &Brand) -> String {
    format!(
        "name {:?}, {}, query {:?}",
        brand.name,
        role_name(brand.role),
        brand.query
    )
}

/// What changed between two versions of a brand, for the audit log: `query: "a" → "b"`.
fn changes(old: &Brand, new: &Brand) -> String {
    let mut parts = Vec::new();
    if old.name != new.name {
        parts.push(format!("name: {:?} → {:?}", old.name, new.name));
    }
    if old.role != new.role {
        parts.push(format!(
            "role: {} → {}",
            role_name(old.role),
            role_name(new.role)
        ));
    }
    if old.query != new.query {
        parts.push(format!("query: {:?} → {:?}", old.query, new.query));
    }
    if parts.is_empty() {
        "no change".to_owned()
    } else {
        parts.join("; ")
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ShowParams {
    /// The id of the brand to edit.
    edit: Option<String>,
}

async fn show(
    State(state): State<AppState>,
    mut page: Page,
    AppQuery(params): AppQuery<ShowParams>,
) -> Result<Response, PageError> {
    page.require(Role::Editor)?;
    page.section = Some(Section::Setup);
    let t = texts::<BrandsTexts>(page.language);
    let workspace = page.workspace()?.clone();
    let draft = match filled(params.edit) {
        Some(id) => Draft::of(find(&workspace, &id)?),
        None => Draft {
            own: workspace.brands.is_empty(),
            ..Draft::default()
        },
    };
    let preview = build_preview(&state, &page, &workspace, &draft.query).await?;
    render(&template(
        &page,
        t,
        &workspace,
        Outcome {
            draft,
            notices: Vec::new(),
            error: None,
            preview,
        },
    ))
}

fn find<'w>(workspace: &'w Workspace, id: &str) -> Result<&'w Brand, PageError> {
    workspace
        .brands
        .iter()
        .find(|b| b.id.0 == id)
        .ok_or_else(|| AppError::NotFound(format!("no brand `{id}` in this workspace")).into())
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PreviewParams {
    #[serde(default)]
    query: String,
}

/// `GET /w/{ws}/setup/brands/preview?query=...`: the preview fragment htmx swaps in while
/// the query is typed.
async fn preview(
    State(state): State<AppState>,
    page: Page,
    AppQuery(params): AppQuery<PreviewParams>,
) -> Result<Response, PageError> {
    page.require(Role::Editor)?;
    let workspace = page.workspace()?;
    let preview = build_preview(&state, &page, workspace, &params.query).await?;
    render(&PreviewTemplate {
        t: texts::<BrandsTexts>(page.language),
        preview,
    })
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BrandForm {
    /// The id of the brand being changed; empty or left out to add one.
    editing: Option<String>,
    /// A new brand's id (an existing brand keeps its own).
    id: Option<String>,
    name: String,
    role: String,
    query: String,
}

/// The page again with what was sent, the problem, and a 422.
async fn refuse(
    state: &AppState,
    page: &Page,
    workspace: &Workspace,
    draft: Draft,
    error: Option<&'static str>,
) -> Result<Response, PageError> {
    let t = texts::<BrandsTexts>(page.language);
    let preview = build_preview(state, page, workspace, &draft.query).await?;
    render_refusal(&template(
        page,
        t,
        workspace,
        Outcome {
            draft,
            notices: Vec::new(),
            error,
            preview,
        },
    ))
}

/// `POST /w/{ws}/setup/brands`: adds a brand, or changes the one named in `editing`.
async fn save(
    State(state): State<AppState>,
    mut page: Page,
    form: Result<AppForm<BrandForm>, PageError>,
) -> Result<Response, PageError> {
    page.require(Role::Editor)?;
    page.section = Some(Section::Setup);
    let AppForm(form) = form?;
    let t = texts::<BrandsTexts>(page.language);
    let workspace = page.workspace()?.clone();
    let editing = filled(form.editing);
    let previous = match &editing {
        Some(id) => Some(find(&workspace, id)?.clone()),
        None => None,
    };
    let role = match form.role.as_str() {
        "own" => Some(BrandRole::Own),
        "competitor" => Some(BrandRole::Competitor),
        _ => None,
    };
    let brand = Brand {
        id: BrandId(match &previous {
            Some(previous) => previous.id.0.clone(),
            None => form.id.unwrap_or_default().trim().to_owned(),
        }),
        name: form.name.trim().to_owned(),
        role: role.unwrap_or(BrandRole::Competitor),
        query: form.query.trim().to_owned(),
    };
    let draft = Draft {
        editing,
        id: brand.id.0.clone(),
        name: brand.name.clone(),
        own: brand.role == BrandRole::Own,
        query: brand.query.clone(),
    };
    let field_problem = if previous.is_none() && !is_slug(&brand.id.0) {
        Some(t.bad_id)
    } else if previous.is_none() && workspace.brands.iter().any(|b| b.id == brand.id) {
        Some(t.id_taken)
    } else if brand.name.is_empty() || brand.name.chars().count() > MAX_NAME_CHARS {
        Some(t.name_missing)
    } else if role.is_none() {
        Some(t.role_unknown)
    } else if brand.query.is_empty() {
        Some(t.query_missing)
    } else {
        None
    };
    if field_problem.is_some() || Query::parse(&brand.query).is_err() {
        // A bad query needs no words of its own: the preview shows the parser's error
        // with a caret under its column.
        return refuse(&state, &page, &workspace, draft, field_problem).await;
    }

    let mut brands = workspace.brands.clone();
    let mut demoted = Vec::new();
    if brand.role == BrandRole::Own {
        for other in brands.iter_mut() {
            if other.id != brand.id && other.role == BrandRole::Own {
                let before = other.clone();
                other.role = BrandRole::Competitor;
                demoted.push((before, other.clone()));
            }
        }
    }
    match brands.iter_mut().find(|b| b.id == brand.id) {
        Some(slot) => *slot = brand.clone(),
        None => brands.push(brand.clone()),
    }
    let own_problem = match own_count(&brands) {
        0 if previous.as_ref().is_some_and(|p| p.role == BrandRole::Own) => Some(t.needs_own),
        0 => Some(t.own_first),
        1 => None,
        _ => Some(t.several_own),
    };
    if own_problem.is_some() {
        return refuse(&state, &page, &workspace, draft, own_problem).await;
    }
    let updated = Workspace {
        brands,
        ..workspace
    };
    state.store.put_workspace(&updated).await?;
    let mut notices = Vec::new();
    match &previous {
        Some(previous) => {
            page.audit(
                &state,
                "brand.update",
                &brand.id.0,
                &changes(previous, &brand),
            )
            .await?;
            notices.push(format!("{}: {}", t.updated, brand.name));
        }
        None => {
            page.audit(&state, "brand.add", &brand.id.0, &describe(&brand))
                .await?;
            notices.push(format!("{}: {}", t.added, brand.name));
        }
    }
    for (before, after) in &demoted {
        let detail = format!(
            "{} (now the own brand: {})",
            changes(before, after),
            brand.id
        );
        page.audit(&state, "brand.update", &after.id.0, &detail)
            .await?;
        notices.push(format!("{} {}", after.name, t.became_competitor));
    }
    render(&template(
        &page,
        t,
        &updated,
        Outcome {
            draft: Draft::default(),
            notices,
            error: None,
            preview: Preview::default(),
        },
    ))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeleteForm {
    id: String,
}

/// `POST /w/{ws}/setup/brands/delete`: removes a brand; items tagged with it keep the tag.
async fn delete(
    State(state): State<AppState>,
    mut page: Page,
    form: Result<AppForm<DeleteForm>, PageError>,
) -> Result<Response, PageError> {
    page.require(Role::Editor)?;
    page.section = Some(Section::Setup);
    let AppForm(form) = form?;
    let t = texts::<BrandsTexts>(page.language);
    let workspace = page.workspace()?.clone();
    let brand = find(&workspace, &form.id)?.clone();
    if brand.role == BrandRole::Own && workspace.brands.len() > 1 {
        let draft = Draft {
            own: false,
            ..Draft::default()
        };
        return refuse(&state, &page, &workspace, draft, Some(t.own_delete)).await;
    }
    let updated = Workspace {
        brands: workspace
            .brands
            .iter()
            .filter(|b| b.id != brand.id)
            .cloned()
            .collect(),
        ..workspace
    };
    state.store.put_workspace(&updated).await?;
    page.audit(&state, "brand.delete", &brand.id.0, &describe(&brand))
        .await?;
    render(&template(
        &page,
        t,
        &updated,
        Outcome {
            draft: Draft {
                own: updated.brands.is_empty(),
                ..Draft::default()
            },
            notices: vec![format!("{}: {}", t.deleted, brand.name)],
            error: None,
            preview: Preview::default(),
        },
    ))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn the_caret_counts_characters_not_bytes() {
        let query = "æøå \"åpen";
        let error = Query::parse(query).unwrap_err();
        assert_eq!(error.column, 5);
        let caret = CaretError::new(query, &error);
        assert_eq!(caret.before, "æøå ");
        assert_eq!(caret.query, query);
    }

    #[test]
    fn tabs_and_line_breaks_show_as_spaces_on_both_lines() {
        let query = "a\tb\n(c";
        let error = Query::parse(query).unwrap_err();
        let caret = CaretError::new(query, &error);
        assert_eq!(caret.query, "a b (c");
        assert_eq!(caret.before.chars().count(), error.column - 1);
        assert!(caret.query.starts_with(&caret.before));
    }

    #[test]
    fn audit_details_name_old_and_new() {
        let old = Brand {
            id: BrandId("a".to_owned()),
            name: "A".to_owned(),
            role: BrandRole::Own,
            query: "a".to_owned(),
        };
        let new = Brand {
            query: "a OR b".to_owned(),
            ..old.clone()
        };
        assert_eq!(changes(&old, &new), "query: \"a\" → \"a OR b\"");
        assert_eq!(changes(&old, &old), "no change");
        assert!(is_slug("nordlys-2") && !is_slug("Nordlys") && !is_slug(""));
    }
}
