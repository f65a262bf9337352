//! `/w/{ws}/audience`: the audience planner. Audience per channel and age group — PRODUCT.md's
//! figures as defaults, our assumptions marked as such — editable by leaders, and the
//! channels that suit a target group, ranked with the reason.

use axum::Router;
use axum::extract::{RawQuery, State};
use axum::response::Response;
use axum::routing::{get, post};
use omdomme_store::{Role, StoredAudience, UiLanguage};
use omdomme_strategy::audience::{self, AgeGroup, AudiencePlan, Figure};

use super::{LeadershipTexts, nav};
use crate::csrf::AppForm;
use crate::error::AppError;
use crate::i18n::texts;
use crate::pages::explorer::source_label;
use crate::pages::setup::{NavLink, render_refusal};
use crate::pages::{Page, PageError, Section, render};
use crate::{AppState, texts};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/w/{ws}/audience", get(show).post(save))
        .route("/w/{ws}/audience/reset", post(reset))
}

texts!(pub AudienceTexts {
    title: "Målgrupper" / "Audience",
    intro: "Hvem dere når i hver kanal, etter alder, og hvilke kanaler som passer målgruppen for et mål." / "Who you reach on each channel, by age, and which channels suit a goal's target group.",
    read_only: "Du kan se tallene. Bare en leder kan endre dem." / "You can see the figures. Only a leader can change them.",
    source: "Kilde" / "Source",
    assumption_note: "Tall merket «antakelse» er våre anslag, ikke kildebelagt: rett dem med egne tall." / "Figures marked \"assumption\" are our estimates, not sourced: correct them with your own.",
    minutes_heading: "Minutter om dagen i sosiale medier" / "Minutes a day on social media",
    channels_heading: "Andel av aldersgruppen i kanalen (%)" / "Share of the age group on the channel (%)",
    col_channel: "Kanal" / "Channel",
    col_users: "Norske brukere" / "Norwegian users",
    unknown: "ukjent" / "unknown",
    suggest_heading: "Kanaler for en målgruppe" / "Channels for a target group",
    suggest_intro: "Velg aldersgruppene målet skal nå; kanalene rangeres etter oppmerksomhet per dag (andel i kanalen × minutter)." / "Choose the age groups the goal should reach; the channels are ranked by attention a day (share on the channel × minutes).",
    suggest: "Foreslå kanaler" / "Suggest channels",
    score_unit: "minutter oppmerksomhet per person i målgruppen per dag" / "minutes of attention a day per person in the target group",
    reaches: "når" / "reaches",
    of: "av" / "of",
    min_a_day: "min om dagen" / "min a day",
    none_suggested: "Ingen kanal når denne målgruppen med tallene over." / "No channel reaches this target group with the figures above.",
    edit_heading: "Endre tallene" / "Edit the figures",
    save: "Lagre tallene" / "Save the figures",
    reset: "Tilbake til standardtallene" / "Back to the default figures",
    saved: "Tallene er lagret" / "Figures saved",
    reset_done: "Standardtallene gjelder igjen" / "The default figures apply again",
    bad_number: "Alle feltene må være tall innenfor grensene: minutter 0–1440, andeler 0–100, brukere 0–10 000 000." / "Every field must be a number within bounds: minutes 0–1440, shares 0–100, users 0–10,000,000.",
});

pub struct Cell {
    pub field: String,
    /// What the edit form's label says.
    pub label: String,
    /// As typed back into the form.
    pub value: String,
    /// As shown in the tables: thousands grouped.
    pub shown: String,
    pub assumed: bool,
}

pub struct ChannelRow {
    pub channel: &'static str,
    pub users: Option<Cell>,
    pub shares: Vec<Cell>,
}

pub struct AgeChoice {
    pub value: &'static str,
    pub label: &'static str,
    pub checked: bool,
}

pub struct SuggestionRow {
    pub channel: &'static str,
    pub score: String,
    pub reasons: Vec<String>,
    pub assumed: bool,
}

#[derive(askama::Template)]
#[template(path = "audience.html")]
struct AudienceTemplate<'a> {
    page: &'a Page,
    t: &'static AudienceTexts,
    lt: &'static LeadershipTexts,
    nav: Vec<NavLink>,
    can_edit: bool,
    source: &'static str,
    ages: Vec<AgeChoice>,
    minutes: Vec<Cell>,
    channels: Vec<ChannelRow>,
    suggestions: Vec<SuggestionRow>,
    notice: Option<&'static str>,
    problem: Option<&'static str>,
}

fn number(value: f64, language: UiLanguage) -> String {
    let text = if value.fract() == 0.0 && value.abs() < 1e15 {
        format!("{}", value as i64)
    } else {
        format!("{value:.1}")
    };
    match language {
        UiLanguage::Nb => text.replace('.', ","),
        UiLanguage::En => text,
    }
}

fn minutes_field(age: AgeGroup) -> String {
    format!("minutes_{}", age.as_str())
}

fn users_field(channel: omdomme_core::SourceKind) -> String {
    format!("users_{}", channel.as_str())
}

fn share_field(channel: omdomme_core::SourceKind, age: AgeGroup) -> String {
    format!("share_{}_{}", channel.as_str(), age.as_str())
}

/// The workspace's plan: the stored one, or the defaults. A stored plan that no longer
/// reads is an error naming why, not a silent fallback.
async fn plan_of(state: &AppState, page: &Page) -> Result<AudiencePlan, PageError> {
    let ws = page.workspace()?.id.clone();
    match state.store.audience(&ws).await? {
        None => Ok(audience::default_plan()),
        Some(stored) => AudiencePlan::from_json(&stored.json)
            .map_err(|e| AppError::internal(format!("the stored audience plan: {e}")).into()),
    }
}

/// The target group of the query: `ages=15-29&ages=30-44`; an unknown one is refused.
fn chosen_ages(query: Option<&str>) -> Result<Vec<AgeGroup>, AppError> {
    let mut ages = Vec::new();
    for (name, value) in form_urlencoded::parse(query.unwrap_or_default().as_bytes()) {
        if name != "ages" {
            return Err(AppError::BadRequest(format!(
                "unknown parameter `{name}`; only `ages` is read"
            )));
        }
        let age = AgeGroup::parse(&value).ok_or_else(|| {
            AppError::BadRequest(format!(
                "parameter `ages`: `{value}` is not an age group (15-29, 30-44, 45-59, 60+)"
            ))
        })?;
        ages.push(age);
    }
    Ok(ages)
}

async fn render_page(
    page: &Page,
    plan: &AudiencePlan,
    ages: &[AgeGroup],
    notice: Option<&'static str>,
    problem: Option<&'static str>,
) -> Result<Response, PageError> {
    let language = page.language;
    let t = texts::<AudienceTexts>(language);
    let cell = |field: String, label: String, figure: &Figure| Cell {
        field,
        label,
        value: number(figure.value, language),
        shown: if figure.value.fract() == 0.0 && (0.0..1e15).contains(&figure.value) {
            page.fmt.number(figure.value as u64)
        } else {
            number(figure.value, language)
        },
        assumed: figure.assumed,
    };
    let age_label = |age: AgeGroup| age.label().get(language).to_owned();
    let minutes = AgeGroup::ALL
        .iter()
        .zip(&plan.minutes_per_day)
        .map(|(&age, figure)| cell(minutes_field(age), age_label(age), figure))
        .collect();
    let channels = plan
        .channels
        .iter()
        .map(|c| ChannelRow {
            channel: source_label(c.channel),
            users: c
                .users
                .as_ref()
                .map(|u| cell(users_field(c.channel), t.col_users.to_owned(), u)),
            shares: AgeGroup::ALL
                .iter()
                .zip(&c.share_percent)
                .map(|(&age, figure)| cell(share_field(c.channel, age), age_label(age), figure))
                .collect(),
        })
        .collect();
    let suggestions = audience::suggest(plan, ages)
        .into_iter()
        .map(|s| SuggestionRow {
            channel: source_label(s.channel),
            score: number((s.score * 10.0).round() / 10.0, language),
            reasons: s
                .reasons
                .iter()
                .map(|(age, share, minutes)| {
                    format!(
                        "{} {} % {} {} ({} {})",
                        t.reaches,
                        number(*share, language),
                        t.of,
                        age.label().get(language),
                        number(*minutes, language),
                        t.min_a_day
                    )
                })
                .collect(),
            assumed: s.assumed,
        })
        .collect();
    let template = AudienceTemplate {
        page,
        t,
        lt: texts::<LeadershipTexts>(language),
        nav: nav(page, "audience"),
        can_edit: page.can(Role::Leader),
        source: audience::SOURCE.get(language),
        ages: AgeGroup::ALL
            .iter()
            .map(|&age| AgeChoice {
                value: age.as_str(),
                label: age.label().get(language),
                checked: ages.contains(&age),
            })
            .collect(),
        minutes,
        channels,
        suggestions,
        notice,
        problem,
    };
    if problem.is_some() {
        render_refusal(&template)
    } else {
        render(&template)
    }
}

async fn show(
    State(state): State<AppState>,
    mut page: Page,
    RawQuery(query): RawQuery,
) -> Result<Response, PageError> {
    page.require(Role::Viewer)?;
    page.section = Some(Section::Leadership);
    let ages = chosen_ages(query.as_deref())?;
    let plan = plan_of(&state, &page).await?;
    render_page(&page, &plan, &ages, None, None).await
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

/// The figure typed into `field`: unchanged keeps its mark; changed, it is the workspace's
/// own and no longer an assumption. `None` when missing or not a number.
fn edited(fields: &[(String, String)], field: &str, old: Figure) -> Option<Figure> {
    let (_, text) = fields.iter().find(|(name, _)| name == field)?;
    let value = parse_number(text)?;
    Some(if (value - old.value).abs() < 1e-9 {
        old
    } else {
        Figure {
            value,
            assumed: false,
        }
    })
}

/// The plan with the form's figures, or `None` if any is missing, not a number or out of
/// bounds.
fn apply_form(plan: &AudiencePlan, fields: &[(String, String)]) -> Option<AudiencePlan> {
    let mut next = plan.clone();
    for (i, &age) in AgeGroup::ALL.iter().enumerate() {
        next.minutes_per_day[i] = edited(fields, &minutes_field(age), plan.minutes_per_day[i])?;
    }
    for channel in &mut next.channels {
        if let Some(users) = channel.users {
            channel.users = Some(edited(fields, &users_field(channel.channel), users)?);
        }
        for (i, &age) in AgeGroup::ALL.iter().enumerate() {
            channel.share_percent[i] = edited(
                fields,
                &share_field(channel.channel, age),
                channel.share_percent[i],
            )?;
        }
    }
    next.problems().is_empty().then_some(next)
}

/// `POST /w/{ws}/audience`: every figure of the plan, as the edit form sends them.
async fn save(
    State(state): State<AppState>,
    mut page: Page,
    form: Result<AppForm<Vec<(String, String)>>, PageError>,
) -> Result<Response, PageError> {
    page.require(Role::Leader)?;
    page.section = Some(Section::Leadership);
    let AppForm(fields) = form?;
    let t = texts::<AudienceTexts>(page.language);
    let plan = plan_of(&state, &page).await?;
    let Some(next) = apply_form(&plan, &fields) else {
        return render_page(&page, &plan, &[], None, Some(t.bad_number)).await;
    };
    let ws = page.workspace()?.id.clone();
    let stored = StoredAudience {
        json: next.to_json(),
        updated_by: page.user.email.clone(),
        updated_at: page.now,
    };
    state
        .store
        .put_audience(&ws, &stored, &format!("figures: {}", stored.json))
        .await?;
    render_page(&page, &next, &[], Some(t.saved), None).await
}

/// `POST /w/{ws}/audience/reset`: the defaults apply again (stored, so the change is
/// audited like any other).
async fn reset(State(state): State<AppState>, mut page: Page) -> Result<Response, PageError> {
    page.require(Role::Leader)?;
    page.section = Some(Section::Leadership);
    let t = texts::<AudienceTexts>(page.language);
    let plan = audience::default_plan();
    let ws = page.workspace()?.id.clone();
    let stored = StoredAudience {
        json: plan.to_json(),
        updated_by: page.user.email.clone(),
        updated_at: page.now,
    };
    state
        .store
        .put_audience(&ws, &stored, "reset to the defaults")
        .await?;
    render_page(&page, &plan, &[], Some(t.reset_done), None).await
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn target_groups_are_read_from_the_query_and_bad_ones_refused() {
        assert_eq!(
            chosen_ages(Some("ages=15-29&ages=60%2B")).unwrap(),
            [AgeGroup::From15To29, AgeGroup::From60]
        );
        assert!(chosen_ages(None).unwrap().is_empty());
        assert!(chosen_ages(Some("ages=10-14")).is_err());
        assert!(chosen_ages(Some("age=15-29")).is_err());
    }

    #[test]
    fn an_edited_figure_is_the_workspaces_own() {
        let plan = audience::default_plan();
        let mut fields: Vec<(String, String)> = Vec::new();
        for (i, &age) in AgeGroup::ALL.iter().enumerate() {
            fields.push((
                minutes_field(age),
                plan.minutes_per_day[i].value.to_string(),
            ));
        }
        for c in &plan.channels {
            if let Some(u) = c.users {
                fields.push((users_field(c.channel), u.value.to_string()));
            }
            for (i, &age) in AgeGroup::ALL.iter().enumerate() {
                fields.push((
                    share_field(c.channel, age),
                    c.share_percent[i].value.to_string(),
                ));
            }
        }
        assert_eq!(apply_form(&plan, &fields).unwrap(), plan);
        fields[3].1 = "17,5".into();
        let next = apply_form(&plan, &fields).unwrap();
        assert_eq!(
            next.minutes_per_day[3],
            Figure {
                value: 17.5,
                assumed: false
            }
        );
        fields[3].1 = "2000".into();
        assert!(apply_form(&plan, &fields).is_none());
        fields.pop();
        fields[3].1 = "10".into();
        assert!(apply_form(&plan, &fields).is_none());
    }
}
