//! `/w/{ws}/setup/goals`: what the leadership group wants the stories to reach. Editors see
//! the goals and the stories serving each; leaders create, change and delete them (each
//! change in the audit log). A goal's owner is a leader or an admin.

use axum::Router;
use axum::extract::State;
use axum::response::Response;
use axum::routing::{get, post};
use jiff::civil::Date;
use omdomme_core::SourceKind;
use omdomme_store::{Goal, GoalDraft, GoalId, Role, UiLanguage};
use serde::Deserialize;

use super::{NavLink, SetupTab, filled, nav, render_refusal};
use crate::csrf::AppForm;
use crate::error::AppError;
use crate::extract::AppQuery;
use crate::i18n::texts;
use crate::pages::{Page, PageError, Section, render};
use crate::{AppState, texts};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/w/{ws}/setup/goals", get(show).post(save))
        .route("/w/{ws}/setup/goals/delete", post(delete))
}

texts!(pub GoalsTexts {
    title: "Mål" / "Goals",
    intro: "Hva ledergruppen vil at historiene skal oppnå. Hver historie kan tjene ett mål; kalenderen og effekten kan filtreres på målet." / "What the leadership group wants the stories to achieve. Each story can serve one goal; the calendar and the effect can be filtered by it.",
    read_only: "Du kan se målene. Bare en leder kan endre dem." / "You can see the goals. Only a leader can change them.",
    col_name: "Mål" / "Goal",
    col_channel: "Kanal" / "Channel",
    col_owner: "Eier" / "Owner",
    col_metric: "Måltall" / "Metric",
    col_target: "Mål for tallet" / "Target",
    col_deadline: "Frist" / "Deadline",
    col_stories: "Historier" / "Stories",
    col_actions: "Handlinger" / "Actions",
    all_channels: "Alle kanaler" / "All channels",
    nobody: "Ingen" / "Nobody",
    no_stories: "Ingen ennå" / "None yet",
    no_goals: "Ingen mål ennå. Et mål gir historiene en retning: for eksempel «Flere delinger av klimasaker på LinkedIn innen 1. mars»." / "No goals yet. A goal gives the stories a direction: for example \"More shares of climate stories by 1 March\".",
    edit: "Endre" / "Edit",
    delete: "Slett" / "Delete",
    confirm_delete: "Slette målet? Historiene som tjener det, beholdes uten mål." / "Delete this goal? The stories serving it are kept, without a goal.",
    new_heading: "Nytt mål" / "New goal",
    edit_heading: "Endre målet" / "Edit the goal",
    field_name: "Navn" / "Name",
    field_channel: "Kanal" / "Channel",
    field_owner: "Eier (leder eller administrator)" / "Owner (leader or admin)",
    field_metric: "Hva som måles (for eksempel «delinger per innlegg»)" / "What is measured (for example \"shares per post\")",
    field_target: "Mål for tallet" / "Target",
    field_deadline: "Frist" / "Deadline",
    create: "Opprett målet" / "Create the goal",
    update: "Lagre endringene" / "Save the changes",
    new_instead: "Lag et nytt mål i stedet" / "Make a new goal instead",
    created: "Målet er opprettet" / "Goal created",
    updated: "Målet er endret" / "Goal changed",
    deleted: "Målet er slettet" / "Goal deleted",
    name_missing: "Gi målet et navn (høyst 200 tegn)." / "Give the goal a name (at most 200 characters).",
    metric_missing: "Skriv hva som måles (høyst 200 tegn)." / "Say what is measured (at most 200 characters).",
    bad_target: "Målet for tallet må være et tall, som 250 eller 12,5." / "The target must be a number, like 250 or 12.5.",
    bad_deadline: "Fristen må være en dato (ÅÅÅÅ-MM-DD)." / "The deadline must be a date (YYYY-MM-DD).",
    bad_owner: "Eieren må være en leder eller administrator fra listen." / "The owner must be a leader or admin from the list.",
    bad_channel: "Velg en av kanalene i listen." / "Choose one of the channels in the list.",
    not_found: "Fant ikke målet; kanskje noen slettet det." / "The goal was not found; perhaps someone deleted it.",
});

/// The channel kinds a goal can be for.
const POSTING_KINDS: [SourceKind; 4] = [
    SourceKind::Mastodon,
    SourceKind::Bluesky,
    SourceKind::X,
    SourceKind::Facebook,
];

/// Longest name and metric, in characters.
const MAX_TEXT_CHARS: usize = 200;

/// A story serving a goal.
#[derive(Clone, Debug)]
pub struct StoryLink {
    pub href: String,
    pub title: String,
}

#[derive(Clone, Debug)]
pub struct GoalRow {
    pub id: GoalId,
    pub name: String,
    pub channel: String,
    pub owner: String,
    pub metric: String,
    pub target: String,
    pub deadline: String,
    pub stories: Vec<StoryLink>,
    pub edit_href: String,
}

#[derive(Clone, Debug)]
pub struct Choice {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

/// The form's fields as typed, kept when refused.
#[derive(Clone, Debug, Default)]
pub struct GoalFields {
    pub id: Option<GoalId>,
    pub name: String,
    pub channel: String,
    pub owner: String,
    pub metric: String,
    pub target: String,
    pub deadline: String,
}

/// One refused field and why.
#[derive(Clone, Debug)]
pub struct FieldProblem {
    pub field: &'static str,
    pub message: &'static str,
}

#[derive(askama::Template)]
#[template(path = "setup_goals.html")]
struct GoalsTemplate<'a> {
    page: &'a Page,
    t: &'static GoalsTexts,
    nav: Vec<NavLink>,
    can_edit: bool,
    rows: Vec<GoalRow>,
    fields: GoalFields,
    channels: Vec<Choice>,
    owners: Vec<Choice>,
    problems: Vec<FieldProblem>,
    notice: Option<String>,
}

impl GoalsTemplate<'_> {
    fn problem(&self, field: &str) -> Option<&'static str> {
        self.problems
            .iter()
            .find(|p| p.field == field)
            .map(|p| p.message)
    }
}

/// A target as typed back: `12.5` in English, `12,5` in Norwegian, no trailing `.0`.
fn target_text(target: f64, language: UiLanguage) -> String {
    let text = if target.fract() == 0.0 && target.abs() < 1e15 {
        format!("{}", target as i64)
    } else {
        target.to_string()
    };
    match language {
        UiLanguage::Nb => text.replace('.', ","),
        UiLanguage::En => text,
    }
}

fn fields_of(goal: &Goal, language: UiLanguage) -> GoalFields {
    GoalFields {
        id: Some(goal.id),
        name: goal.draft.name.clone(),
        channel: goal
            .draft
            .channel
            .map(|c| c.as_str().to_owned())
            .unwrap_or_default(),
        owner: goal.draft.owner.clone().unwrap_or_default(),
        metric: goal.draft.metric.clone(),
        target: goal
            .draft
            .target
            .map(|t| target_text(t, language))
            .unwrap_or_default(),
        deadline: goal
            .draft
            .deadline
            .map(|d| d.to_string())
            .unwrap_or_default(),
    }
}

async fn render_page(
    state: &AppState,
    page: &Page,
    fields: GoalFields,
    problems: Vec<FieldProblem>,
    notice: Option<String>,
) -> Result<Response, PageError> {
    let t = texts::<GoalsTexts>(page.language);
    let ws = page.workspace()?;
    let goals = state.store.goals(&ws.id).await?;
    let stories = state.store.stories(&ws.id).await?;
    let users = state.store.users().await?;
    let owner_name = |email: &str| {
        users
            .iter()
            .find(|u| u.email == email)
            .map_or_else(|| email.to_owned(), |u| format!("{} ({})", u.name, u.email))
    };
    let rows = goals
        .iter()
        .map(|goal| GoalRow {
            id: goal.id,
            name: goal.draft.name.clone(),
            channel: goal
                .draft
                .channel
                .map_or(t.all_channels, SourceKind::as_str)
                .to_owned(),
            owner: goal
                .draft
                .owner
                .as_deref()
                .map_or_else(|| t.nobody.to_owned(), owner_name),
            metric: goal.draft.metric.clone(),
            target: goal
                .draft
                .target
                .map(|v| target_text(v, page.language))
                .unwrap_or_default(),
            deadline: goal
                .draft
                .deadline
                .and_then(|d| d.to_zoned_datetime(page.fmt.zone.clone()).ok())
                .map(|z| page.fmt.date(&z.timestamp()))
                .unwrap_or_default(),
            stories: stories
                .iter()
                .filter(|s| s.draft.goal == Some(goal.id))
                .map(|s| StoryLink {
                    href: page.ws_link(&format!("stories/{}", s.id)),
                    title: s.draft.title.clone(),
                })
                .collect(),
            edit_href: format!("{}?edit={}", page.ws_link("setup/goals"), goal.id),
        })
        .collect();
    let channels = POSTING_KINDS
        .iter()
        .map(|k| Choice {
            value: k.as_str().to_owned(),
            label: k.as_str().to_owned(),
            selected: fields.channel == k.as_str(),
        })
        .collect();
    let owners = users
        .iter()
        .filter(|u| u.role >= Role::Leader)
        .map(|u| Choice {
            value: u.email.clone(),
            label: format!("{} ({})", u.name, u.email),
            selected: fields.owner == u.email,
        })
        .collect();
    let refused = !problems.is_empty();
    let template = GoalsTemplate {
        page,
        t,
        nav: nav(page, SetupTab::Goals),
        can_edit: page.can(Role::Leader),
        rows,
        fields,
        channels,
        owners,
        problems,
        notice,
    };
    if refused {
        render_refusal(&template)
    } else {
        render(&template)
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ShowParams {
    /// The goal to fill the form with.
    edit: Option<String>,
}

async fn show(
    State(state): State<AppState>,
    mut page: Page,
    params: Result<AppQuery<ShowParams>, AppError>,
) -> Result<Response, PageError> {
    page.require(Role::Editor)?;
    page.section = Some(Section::Setup);
    let AppQuery(params) = params?;
    let fields = match filled(params.edit) {
        None => GoalFields::default(),
        Some(id) => {
            let id: GoalId = id.parse().map_err(|_| {
                AppError::BadRequest(format!("parameter `edit`: `{id}` is not a goal id"))
            })?;
            let ws = page.workspace()?;
            let goals = state.store.goals(&ws.id).await?;
            let goal = goals
                .iter()
                .find(|g| g.id == id)
                .ok_or_else(|| AppError::NotFound(format!("no goal {id} in this workspace")))?;
            fields_of(goal, page.language)
        }
    };
    render_page(&state, &page, fields, Vec::new(), None).await
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GoalForm {
    id: Option<String>,
    name: Option<String>,
    channel: Option<String>,
    owner: Option<String>,
    metric: Option<String>,
    target: Option<String>,
    deadline: Option<String>,
}

/// Reads a number as people type it: `1 500`, `12,5`, `12.5`.
fn parse_number(text: &str) -> Option<f64> {
    let cleaned: String = text
        .chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| if c == ',' { '.' } else { c })
        .collect();
    cleaned.parse::<f64>().ok().filter(|n| n.is_finite())
}

/// The form checked: the draft, or every problem by its field.
fn check(
    form: &GoalFields,
    owners: &[String],
    t: &GoalsTexts,
) -> Result<GoalDraft, Vec<FieldProblem>> {
    let mut problems = Vec::new();
    let mut problem = |field, message| problems.push(FieldProblem { field, message });
    if form.name.is_empty() || form.name.chars().count() > MAX_TEXT_CHARS {
        problem("name", t.name_missing);
    }
    if form.metric.is_empty() || form.metric.chars().count() > MAX_TEXT_CHARS {
        problem("metric", t.metric_missing);
    }
    let channel = if form.channel.is_empty() {
        None
    } else {
        let kind = SourceKind::parse(&form.channel).filter(|k| POSTING_KINDS.contains(k));
        if kind.is_none() {
            problem("channel", t.bad_channel);
        }
        kind
    };
    let owner = if form.owner.is_empty() {
        None
    } else {
        if !owners.contains(&form.owner) {
            problem("owner", t.bad_owner);
        }
        Some(form.owner.clone())
    };
    let target = if form.target.is_empty() {
        None
    } else {
        let number = parse_number(&form.target);
        if number.is_none() {
            problem("target", t.bad_target);
        }
        number
    };
    let deadline = if form.deadline.is_empty() {
        None
    } else {
        let date = form.deadline.parse::<Date>().ok();
        if date.is_none() {
            problem("deadline", t.bad_deadline);
        }
        date
    };
    if !problems.is_empty() {
        return Err(problems);
    }
    Ok(GoalDraft {
        name: form.name.clone(),
        channel,
        owner,
        metric: form.metric.clone(),
        target,
        deadline,
    })
}

/// `POST /w/{ws}/setup/goals`: creates a goal, or changes the one named by `id`.
async fn save(
    State(state): State<AppState>,
    mut page: Page,
    form: Result<AppForm<GoalForm>, PageError>,
) -> Result<Response, PageError> {
    page.require(Role::Leader)?;
    page.section = Some(Section::Setup);
    let AppForm(form) = form?;
    let t = texts::<GoalsTexts>(page.language);
    let ws = page.workspace()?.id.clone();
    let id =
        match filled(form.id) {
            None => None,
            Some(id) => Some(id.parse::<GoalId>().map_err(|_| {
                AppError::BadRequest(format!("field `id`: `{id}` is not a goal id"))
            })?),
        };
    let fields = GoalFields {
        id,
        name: filled(form.name).unwrap_or_default(),
        channel: filled(form.channel).unwrap_or_default(),
        owner: filled(form.owner).unwrap_or_default(),
        metric: filled(form.metric).unwrap_or_default(),
        target: filled(form.target).unwrap_or_default(),
        deadline: filled(form.deadline).unwrap_or_default(),
    };
    if let Some(id) = id
        && !state.store.goals(&ws).await?.iter().any(|g| g.id == id)
    {
        return render_page(
            &state,
            &page,
            GoalFields::default(),
            vec![FieldProblem {
                field: "id",
                message: t.not_found,
            }],
            None,
        )
        .await;
    }
    let owners: Vec<String> = state
        .store
        .users()
        .await?
        .into_iter()
        .filter(|u| u.role >= Role::Leader)
        .map(|u| u.email)
        .collect();
    let draft = match check(&fields, &owners, t) {
        Ok(draft) => draft,
        Err(problems) => return render_page(&state, &page, fields, problems, None).await,
    };
    let saved = state.store.put_goal(&ws, id, &draft, page.now).await?;
    let (action, notice) = match id {
        None => ("goal.create", t.created),
        Some(_) => ("goal.update", t.updated),
    };
    page.audit(
        &state,
        action,
        &format!("goal:{saved}"),
        &format!(
            "name {:?}, metric {:?}, target {}, deadline {}, owner {}",
            draft.name,
            draft.metric,
            draft
                .target
                .map_or_else(|| "none".to_owned(), |v| v.to_string()),
            draft
                .deadline
                .map_or_else(|| "none".to_owned(), |d| d.to_string()),
            draft.owner.as_deref().unwrap_or("none"),
        ),
    )
    .await?;
    let notice = format!("{notice}: {}", draft.name);
    render_page(
        &state,
        &page,
        GoalFields::default(),
        Vec::new(),
        Some(notice),
    )
    .await
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeleteForm {
    id: Option<String>,
}

/// `POST /w/{ws}/setup/goals/delete`: removes a goal; its stories stay, without it.
async fn delete(
    State(state): State<AppState>,
    mut page: Page,
    form: Result<AppForm<DeleteForm>, PageError>,
) -> Result<Response, PageError> {
    page.require(Role::Leader)?;
    page.section = Some(Section::Setup);
    let AppForm(form) = form?;
    let t = texts::<GoalsTexts>(page.language);
    let ws = page.workspace()?.id.clone();
    let Some(id) = filled(form.id).and_then(|id| id.parse::<GoalId>().ok()) else {
        return render_page(
            &state,
            &page,
            GoalFields::default(),
            vec![FieldProblem {
                field: "id",
                message: t.not_found,
            }],
            None,
        )
        .await;
    };
    let name = state
        .store
        .goals(&ws)
        .await?
        .into_iter()
        .find(|g| g.id == id)
        .map(|g| g.draft.name);
    if name.is_none() || !state.store.delete_goal(&ws, id).await? {
        return render_page(
            &state,
            &page,
            GoalFields::default(),
            vec![FieldProblem {
                field: "id",
                message: t.not_found,
            }],
            None,
        )
        .await;
    }
    let name = name.unwrap_or_default();
    page.audit(
        &state,
        "goal.delete",
        &format!("goal:{id}"),
        &format!("name {name:?}"),
    )
    .await?;
    let notice = format!("{}: {name}", t.deleted);
    render_page(
        &state,
        &page,
        GoalFields::default(),
        Vec::new(),
        Some(notice),
    )
    .await
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn numbers_read_as_people_type_them() {
        assert_eq!(parse_number("1 500"), Some(1500.0));
        assert_eq!(parse_number("12,5"), Some(12.5));
        assert_eq!(parse_number("12.5"), Some(12.5));
        assert_eq!(parse_number("mange"), None);
        assert_eq!(parse_number("inf"), None);
        assert_eq!(target_text(12.5, UiLanguage::Nb), "12,5");
        assert_eq!(target_text(250.0, UiLanguage::En), "250");
    }

    #[test]
    fn every_problem_is_named_by_its_field() {
        let t = &GoalsTexts::EN;
        let fields = GoalFields {
            target: "lots".into(),
            deadline: "2026-02-30".into(),
            owner: "someone@else.no".into(),
            channel: "rss".into(),
            ..GoalFields::default()
        };
        let problems = check(&fields, &["leder@nordlys.no".to_owned()], t).unwrap_err();
        let named: Vec<_> = problems.iter().map(|p| p.field).collect();
        assert_eq!(
            named,
            ["name", "metric", "channel", "owner", "target", "deadline"]
        );
    }
}
