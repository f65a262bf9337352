//! `/w/{ws}/strategy`: what kind of company this is, what each channel is for, the goals
//! with their owners, and the alignment check (activity with no goal, goals with no
//! activity, no owner or past their deadline), each finding with a link to fix it. Leaders
//! apply a template (it fills the channel roles not yet set), edit the roles and accept the
//! template's proposed goals one by one; every change is audited.

use axum::Router;
use axum::extract::State;
use axum::response::Response;
use axum::routing::{get, post};
use omdomme_core::SourceKind;
use omdomme_store::{BusinessType, ChannelRole, Goal, Role, Strategy, UiLanguage};
use omdomme_strategy::alignment::{self, Finding, WINDOW_WEEKS};
use omdomme_strategy::templates::{self, CHANNELS};
use serde::Deserialize;

use super::{LeadershipTexts, nav};
use crate::csrf::AppForm;
use crate::i18n::texts;
use crate::pages::explorer::source_label;
use crate::pages::setup::{NavLink, filled, render_refusal};
use crate::pages::{Page, PageError, Section, render};
use crate::{AppState, texts};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/w/{ws}/strategy", get(show))
        .route("/w/{ws}/strategy/template", post(apply_template))
        .route("/w/{ws}/strategy/roles", post(save_roles))
        .route("/w/{ws}/strategy/goals", post(accept_goal))
}

texts!(pub StrategyTexts {
    title: "Strategi og mål" / "Strategy and goals",
    intro: "Sosiale medier er et lederansvar. Bestem hva hver kanal skal brukes til, sett mål med en eier i ledergruppen, og sjekk at den daglige aktiviteten tjener målene." / "Social media is a leadership responsibility. Decide what each channel is for, set goals with an owner in the leadership group, and check that daily activity serves them.",
    read_only: "Du kan se strategien. Bare en leder kan endre den." / "You can see the strategy. Only a leader can change it.",
    business_heading: "Virksomhetstype" / "Business type",
    business_none: "Ikke valgt ennå. Velg den som passer best; malen foreslår kanalroller og mål." / "Not chosen yet. Pick the one that fits best; its template proposes channel roles and goals.",
    apply: "Bruk malen" / "Apply the template",
    apply_note: "Kanaler som allerede har en rolle, beholder den. Målene blir forslag dere godtar ett og ett." / "Channels that already have a role keep it. The goals become proposals you accept one by one.",
    roles_heading: "Kanalroller" / "Channel roles",
    roles_empty: "Ingen kanal har en rolle ennå." / "No channel has a role yet.",
    col_channel: "Kanal" / "Channel",
    col_role: "Hva kanalen er til" / "What the channel is for",
    save_roles: "Lagre kanalrollene" / "Save the channel roles",
    role_hint: "La feltet stå tomt for en kanal dere ikke bruker." / "Leave it empty for a channel you do not use.",
    proposals_heading: "Foreslåtte mål" / "Proposed goals",
    accept: "Godta som mål" / "Accept as a goal",
    accepted: "Godtatt" / "Accepted",
    deadline_in: "Frist om" / "Deadline in",
    days: "dager" / "days",
    all_channels: "Alle kanaler" / "All channels",
    goals_heading: "Mål" / "Goals",
    goals_empty: "Ingen mål ennå." / "No goals yet.",
    col_goal: "Mål" / "Goal",
    col_owner: "Eier" / "Owner",
    col_metric: "Måltall" / "Metric",
    col_target: "Mål for tallet" / "Target",
    col_deadline: "Frist" / "Deadline",
    col_posts: "Innlegg i perioden" / "Posts in the period",
    nobody: "Ingen" / "Nobody",
    edit_goals: "Endre målene" / "Edit the goals",
    alignment_heading: "Samsvar mellom aktivitet og mål" / "Alignment of activity and goals",
    alignment_window: "Ser på historier og innlegg de siste og neste ukene:" / "Looks at stories and posts in the last and next weeks:",
    aligned: "Alt henger sammen: all aktivitet tjener et mål, og alle mål har aktivitet og en eier." / "Everything lines up: all activity serves a goal, and every goal has activity and an owner.",
    activity_without_goal: "Aktivitet uten mål" / "Activity without a goal",
    goal_without_activity: "Mål uten aktivitet" / "Goal without activity",
    goal_without_owner: "Mål uten eier" / "Goal without an owner",
    goal_past_deadline: "Fristen er passert" / "Deadline passed",
    posts: "innlegg" / "posts",
    fix_link_goal: "Knytt historien til et mål" / "Link the story to a goal",
    fix_plan: "Planlegg en historie" / "Plan a story",
    fix_owner: "Gi målet en eier" / "Give the goal an owner",
    fix_deadline: "Sett ny frist eller avslutt målet" / "Set a new deadline or close the goal",
    template_applied: "Malen er brukt" / "Template applied",
    roles_saved: "Kanalrollene er lagret" / "Channel roles saved",
    goal_accepted: "Målet er opprettet" / "Goal created",
    bad_business: "Velg en av virksomhetstypene i listen." / "Choose one of the business types in the list.",
    bad_role: "En kanalrolle kan være høyst 300 tegn." / "A channel role can be at most 300 characters.",
    no_template: "Velg en virksomhetstype før dere godtar foreslåtte mål." / "Choose a business type before accepting proposed goals.",
    bad_proposal: "Fant ikke det foreslåtte målet." / "The proposed goal was not found.",
    already_goal: "Det målet finnes allerede; det er ikke laget en kopi." / "That goal already exists; no copy was made.",
});

/// Longest channel role, in characters (the store's limit).
const MAX_ROLE_CHARS: usize = 300;

pub struct BusinessChoice {
    pub value: &'static str,
    pub label: &'static str,
    pub summary: &'static str,
    pub selected: bool,
}

pub struct RoleRow {
    pub field: String,
    pub channel: &'static str,
    pub purpose: String,
}

pub struct ProposalRow {
    pub key: &'static str,
    pub name: &'static str,
    pub channel: &'static str,
    pub metric: &'static str,
    pub target: String,
    pub deadline_days: i64,
    /// The goal it became, if accepted.
    pub accepted: Option<String>,
}

pub struct GoalRow {
    pub id: i64,
    pub name: String,
    pub channel: String,
    pub owner: String,
    pub metric: String,
    pub target: String,
    pub deadline: String,
    pub posts: usize,
}

pub struct FindingRow {
    pub kind: &'static str,
    pub label: &'static str,
    pub subject: String,
    pub detail: String,
    pub href: String,
    pub fix: &'static str,
}

#[derive(askama::Template)]
#[template(path = "strategy.html")]
struct StrategyTemplate<'a> {
    page: &'a Page,
    t: &'static StrategyTexts,
    lt: &'static LeadershipTexts,
    nav: Vec<NavLink>,
    can_edit: bool,
    business: Option<&'static str>,
    choices: Vec<BusinessChoice>,
    roles: Vec<RoleRow>,
    proposals: Vec<ProposalRow>,
    goals: Vec<GoalRow>,
    findings: Vec<FindingRow>,
    window_weeks: i64,
    notice: Option<String>,
    problem: Option<&'static str>,
}

/// A number as people read it: no trailing `.0`, a decimal comma in Norwegian.
fn number(value: f64, language: UiLanguage) -> String {
    let text = if value.fract() == 0.0 && value.abs() < 1e15 {
        format!("{}", value as i64)
    } else {
        value.to_string()
    };
    match language {
        UiLanguage::Nb => text.replace('.', ","),
        UiLanguage::En => text,
    }
}

fn goal_row(page: &Page, goal: &Goal, t: &StrategyTexts, posts: usize) -> GoalRow {
    GoalRow {
        id: goal.id,
        name: goal.draft.name.clone(),
        channel: goal
            .draft
            .channel
            .map_or(t.all_channels, source_label)
            .to_owned(),
        owner: goal
            .draft
            .owner
            .clone()
            .unwrap_or_else(|| t.nobody.to_owned()),
        metric: goal.draft.metric.clone(),
        target: goal
            .draft
            .target
            .map(|v| number(v, page.language))
            .unwrap_or_default(),
        deadline: goal
            .draft
            .deadline
            .map(|d| d.to_string())
            .unwrap_or_default(),
        posts,
    }
}

async fn render_page(
    state: &AppState,
    page: &Page,
    notice: Option<String>,
    problem: Option<&'static str>,
) -> Result<Response, PageError> {
    let t = texts::<StrategyTexts>(page.language);
    let language = page.language;
    let ws = page.workspace()?.id.clone();
    let strategy = state.store.strategy(&ws).await?;
    let goals = state.store.goals(&ws).await?;
    let check = alignment::read(state.store.as_ref(), &ws, page.now, &page.fmt.zone).await?;
    let business = strategy.as_ref().and_then(|s| s.business_type);
    let choices = BusinessType::ALL
        .into_iter()
        .map(|b| {
            let template = templates::template(b);
            BusinessChoice {
                value: b.as_str(),
                label: template.name.get(language),
                summary: template.summary.get(language),
                selected: Some(b) == business,
            }
        })
        .collect();
    let roles = CHANNELS
        .iter()
        .map(|&channel| RoleRow {
            field: format!("role_{}", channel.as_str()),
            channel: source_label(channel),
            purpose: strategy
                .as_ref()
                .and_then(|s| s.roles.iter().find(|r| r.channel == channel))
                .map(|r| r.purpose.clone())
                .unwrap_or_default(),
        })
        .collect();
    let proposals = business
        .map(|b| {
            templates::template(b)
                .goals
                .iter()
                .map(|g| ProposalRow {
                    key: g.key,
                    name: g.name.get(language),
                    channel: g.channel.map_or(t.all_channels, source_label),
                    metric: g.metric.get(language),
                    target: number(g.target, language),
                    deadline_days: g.deadline_days,
                    accepted: g.accepted_as(&goals).map(|goal| goal.draft.name.clone()),
                })
                .collect()
        })
        .unwrap_or_default();
    let goal_rows = goals
        .iter()
        .map(|g| goal_row(page, g, t, check.served.get(&g.id).copied().unwrap_or(0)))
        .collect();
    let goal_link = |id: i64| format!("{}?edit={id}", page.ws_link("setup/goals"));
    let findings = check
        .findings
        .iter()
        .map(|finding| match finding {
            Finding::ActivityWithoutGoal {
                story,
                title,
                posts,
            } => FindingRow {
                kind: "activity-without-goal",
                label: t.activity_without_goal,
                subject: title.clone(),
                detail: format!("{posts} {}", t.posts),
                href: page.ws_link(&format!("stories/{story}/edit")),
                fix: t.fix_link_goal,
            },
            Finding::GoalWithoutActivity { goal: _, name } => FindingRow {
                kind: "goal-without-activity",
                label: t.goal_without_activity,
                subject: name.clone(),
                detail: String::new(),
                href: page.ws_link("stories/new"),
                fix: t.fix_plan,
            },
            Finding::GoalWithoutOwner { goal, name } => FindingRow {
                kind: "goal-without-owner",
                label: t.goal_without_owner,
                subject: name.clone(),
                detail: String::new(),
                href: goal_link(*goal),
                fix: t.fix_owner,
            },
            Finding::GoalPastDeadline {
                goal,
                name,
                deadline,
            } => FindingRow {
                kind: "goal-past-deadline",
                label: t.goal_past_deadline,
                subject: name.clone(),
                detail: deadline.to_string(),
                href: goal_link(*goal),
                fix: t.fix_deadline,
            },
        })
        .collect();
    let template = StrategyTemplate {
        page,
        t,
        lt: texts::<LeadershipTexts>(language),
        nav: nav(page, "strategy"),
        can_edit: page.can(Role::Leader),
        business: business.map(|b| templates::template(b).name.get(language)),
        choices,
        roles,
        proposals,
        goals: goal_rows,
        findings,
        window_weeks: WINDOW_WEEKS,
        notice,
        problem,
    };
    if problem.is_some() {
        render_refusal(&template)
    } else {
        render(&template)
    }
}

async fn show(State(state): State<AppState>, mut page: Page) -> Result<Response, PageError> {
    page.require(Role::Viewer)?;
    page.section = Some(Section::Leadership);
    render_page(&state, &page, None, None).await
}

/// The roles as words for the audit log.
fn describe(business: Option<BusinessType>, roles: &[ChannelRole]) -> String {
    let roles: Vec<String> = roles
        .iter()
        .map(|r| format!("{}: {:?}", r.channel.as_str(), r.purpose))
        .collect();
    format!(
        "business type {}, roles [{}]",
        business.map_or("none", BusinessType::as_str),
        roles.join(", ")
    )
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TemplateForm {
    business_type: Option<String>,
}

/// `POST /w/{ws}/strategy/template`: sets the business type and fills the channel roles
/// not yet set from its template.
async fn apply_template(
    State(state): State<AppState>,
    mut page: Page,
    form: Result<AppForm<TemplateForm>, PageError>,
) -> Result<Response, PageError> {
    page.require(Role::Leader)?;
    page.section = Some(Section::Leadership);
    let AppForm(form) = form?;
    let t = texts::<StrategyTexts>(page.language);
    let Some(business) = filled(form.business_type)
        .as_deref()
        .and_then(BusinessType::parse)
    else {
        return render_page(&state, &page, None, Some(t.bad_business)).await;
    };
    let ws = page.workspace()?.id.clone();
    let existing = state.store.strategy(&ws).await?;
    let template = templates::template(business);
    let roles = templates::merge_roles(
        existing.as_ref().map_or(&[][..], |s| &s.roles),
        template,
        page.language,
    );
    let strategy = Strategy {
        business_type: Some(business),
        roles,
        updated_by: page.user.email.clone(),
        updated_at: page.now,
    };
    let detail = format!(
        "template applied: {}",
        describe(strategy.business_type, &strategy.roles)
    );
    state.store.put_strategy(&ws, &strategy, &detail).await?;
    let notice = format!(
        "{}: {}",
        t.template_applied,
        template.name.get(page.language)
    );
    render_page(&state, &page, Some(notice), None).await
}

/// `POST /w/{ws}/strategy/roles`: `role_<channel>` for each posting channel; an empty one
/// removes the channel's role.
async fn save_roles(
    State(state): State<AppState>,
    mut page: Page,
    form: Result<AppForm<Vec<(String, String)>>, PageError>,
) -> Result<Response, PageError> {
    page.require(Role::Leader)?;
    page.section = Some(Section::Leadership);
    let AppForm(fields) = form?;
    let t = texts::<StrategyTexts>(page.language);
    let mut roles = Vec::new();
    for (name, value) in fields {
        let channel = name
            .strip_prefix("role_")
            .and_then(SourceKind::parse)
            .filter(|c| CHANNELS.contains(c))
            .ok_or_else(|| {
                crate::error::AppError::BadRequest(format!(
                    "the form is not valid: unknown field `{name}`"
                ))
            })?;
        let purpose = value.trim().to_owned();
        if purpose.chars().count() > MAX_ROLE_CHARS {
            return render_page(&state, &page, None, Some(t.bad_role)).await;
        }
        if !purpose.is_empty() && !roles.iter().any(|r: &ChannelRole| r.channel == channel) {
            roles.push(ChannelRole { channel, purpose });
        }
    }
    roles.sort_by_key(|r| r.channel);
    let ws = page.workspace()?.id.clone();
    let business = state
        .store
        .strategy(&ws)
        .await?
        .and_then(|s| s.business_type);
    let strategy = Strategy {
        business_type: business,
        roles,
        updated_by: page.user.email.clone(),
        updated_at: page.now,
    };
    let detail = format!(
        "roles edited: {}",
        describe(strategy.business_type, &strategy.roles)
    );
    state.store.put_strategy(&ws, &strategy, &detail).await?;
    render_page(&state, &page, Some(t.roles_saved.to_owned()), None).await
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AcceptForm {
    key: Option<String>,
}

/// `POST /w/{ws}/strategy/goals`: makes one proposed goal of the workspace's template a
/// goal, owned by the leader accepting it; refused when that goal exists already.
async fn accept_goal(
    State(state): State<AppState>,
    mut page: Page,
    form: Result<AppForm<AcceptForm>, PageError>,
) -> Result<Response, PageError> {
    page.require(Role::Leader)?;
    page.section = Some(Section::Leadership);
    let AppForm(form) = form?;
    let t = texts::<StrategyTexts>(page.language);
    let ws = page.workspace()?.id.clone();
    let Some(business) = state
        .store
        .strategy(&ws)
        .await?
        .and_then(|s| s.business_type)
    else {
        return render_page(&state, &page, None, Some(t.no_template)).await;
    };
    let Some(proposal) = filled(form.key)
        .as_deref()
        .and_then(|key| templates::template(business).goal(key))
    else {
        return render_page(&state, &page, None, Some(t.bad_proposal)).await;
    };
    let goals = state.store.goals(&ws).await?;
    if proposal.accepted_as(&goals).is_some() {
        return render_page(&state, &page, None, Some(t.already_goal)).await;
    }
    let today = page.now.to_zoned_datetime(page.fmt.zone.clone()).date();
    let draft = proposal.draft(page.language, &page.user.email, today);
    let id = state.store.put_goal(&ws, None, &draft, page.now).await?;
    page.audit(
        &state,
        "goal.create",
        &format!("goal:{id}"),
        &format!(
            "accepted from the {} template ({}): name {:?}, metric {:?}, target {}, deadline {}, owner {}",
            business.as_str(),
            proposal.key,
            draft.name,
            draft.metric,
            proposal.target,
            draft.deadline.map_or_else(|| "none".to_owned(), |d| d.to_string()),
            page.user.email,
        ),
    )
    .await?;
    let notice = format!("{}: {}", t.goal_accepted, draft.name);
    render_page(&state, &page, Some(notice), None).await
}
