//! The inbox's settings: SLA policies per channel (`/w/{ws}/inbox/settings`, leader and
//! up: they set the team's targets) and saved replies (`/w/{ws}/inbox/saved-replies`,
//! editor and up: they are the company's wording; responders use them).

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use omdomme_core::{Lang, SourceKind};
use omdomme_store::{Role, SavedReply, SlaPolicy, UiLanguage, UserRecord};
use serde::Deserialize;

use super::{InboxTexts, channel_name, responders};
use crate::AppState;
use crate::csrf::AppForm;
use crate::error::AppError;
use crate::extract::AppPath;
use crate::i18n::texts;
use crate::pages::{Page, PageError, Section, render};
use crate::texts;

texts!(pub SettingsTexts {
    title: "SLA-innstillinger" / "SLA settings",
    intro: "Hvor raskt hver kanal skal besvares. Fristene regnes fra når kunden skrev; endringer gjelder også åpne henvendelser." / "How fast each channel must be answered. Deadlines count from when the customer wrote; changes apply to open entries too.",
    first_response: "Første svar (minutter)" / "First response (minutes)",
    resolution: "Løst innen (minutter)" / "Resolved within (minutes)",
    escalate_after: "Eskaler etter (minutter, tomt = aldri)" / "Escalate after (minutes, empty = never)",
    escalate_to: "Eskaler til" / "Escalate to",
    nobody: "Ingen" / "Nobody",
    saved: "Lagret." / "Saved.",
    bad_minutes: "Minutter må være et helt tall fra 1 til 525600 (ett år)." / "Minutes must be a whole number from 1 to 525600 (a year).",
    unknown_person: "Den valgte personen kan ikke svare i innboksen (trenger rollen svarer eller høyere)." / "The person chosen cannot answer the inbox (needs the responder role or higher).",
    escalation_needs_both: "Eskalering trenger både minutter og en person." / "Escalation needs both minutes and a person.",
    replies_title: "Lagrede svar" / "Saved replies",
    replies_intro: "Tekster teamet svarer med ofte. De kan settes inn i svarfeltet på hver henvendelse." / "Texts the team answers with often. They can be inserted into the reply box of every entry.",
    no_replies: "Ingen lagrede svar ennå. Lag det første under." / "No saved replies yet. Create the first one below.",
    reply_title: "Tittel" / "Title",
    reply_text: "Tekst" / "Text",
    language: "Språk" / "Language",
    create: "Lagre nytt svar" / "Save new reply",
    new_reply: "Nytt lagret svar" / "New saved reply",
    delete: "Slett" / "Delete",
    confirm_delete: "Slette dette lagrede svaret?" / "Delete this saved reply?",
    needs_title_and_text: "Et lagret svar trenger både tittel og tekst." / "A saved reply needs both a title and a text.",
    unknown_language: "Ukjent språk." / "Unknown language.",
});

#[derive(askama::Template)]
#[template(path = "inbox_settings.html")]
struct SettingsTemplate<'a> {
    page: &'a Page,
    t: &'static InboxTexts,
    s: &'static SettingsTexts,
    policies: Vec<(SlaPolicy, &'static str)>,
    responders: Vec<UserRecord>,
    notice: Option<&'static str>,
    error: Option<&'static str>,
}

impl SettingsTemplate<'_> {
    fn escalates_to(&self, policy: &SlaPolicy, email: &str) -> bool {
        policy
            .escalate_to
            .as_deref()
            .is_some_and(|e| e.eq_ignore_ascii_case(email))
    }
}

async fn render_settings(
    state: &AppState,
    page: &Page,
    notice: Option<&'static str>,
    error: Option<&'static str>,
) -> Result<Response, PageError> {
    let workspace = &page.workspace()?.id;
    let policies = state
        .store
        .sla_policies(workspace)
        .await?
        .into_iter()
        .map(|p| {
            let name = channel_name(p.channel);
            (p, name)
        })
        .collect();
    let mut response = render(&SettingsTemplate {
        page,
        t: texts::<InboxTexts>(page.language),
        s: texts::<SettingsTexts>(page.language),
        policies,
        responders: responders(state).await?,
        notice,
        error,
    })?;
    if error.is_some() {
        *response.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(response)
}

/// `GET /w/{ws}/inbox/settings`.
pub async fn show(State(state): State<AppState>, mut page: Page) -> Result<Response, PageError> {
    page.require(Role::Leader)?;
    page.section = Some(Section::Inbox);
    render_settings(&state, &page, None, None).await
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PolicyForm {
    channel: String,
    first_response_mins: String,
    resolution_mins: String,
    escalate_after_mins: String,
    escalate_to: String,
}

const MAX_MINUTES: u32 = 525_600;

fn minutes(value: &str) -> Option<u32> {
    value
        .trim()
        .parse::<u32>()
        .ok()
        .filter(|m| (1..=MAX_MINUTES).contains(m))
}

/// `POST /w/{ws}/inbox/settings`: one channel's policy.
pub async fn save_policy(
    State(state): State<AppState>,
    mut page: Page,
    AppForm(form): AppForm<PolicyForm>,
) -> Result<Response, PageError> {
    page.require(Role::Leader)?;
    page.section = Some(Section::Inbox);
    let s = texts::<SettingsTexts>(page.language);
    let workspace = page.workspace()?.id.clone();
    let channel = SourceKind::parse(form.channel.trim()).ok_or_else(|| {
        let all: Vec<&str> = SourceKind::ALL.iter().map(|k| k.as_str()).collect();
        AppError::BadRequest(format!(
            "field `channel`: unknown value `{}`; expected one of {}",
            form.channel,
            all.join(", ")
        ))
    })?;
    let (Some(first), Some(resolution)) = (
        minutes(&form.first_response_mins),
        minutes(&form.resolution_mins),
    ) else {
        return render_settings(&state, &page, None, Some(s.bad_minutes)).await;
    };
    let escalate_after = match form.escalate_after_mins.trim() {
        "" => None,
        text => match minutes(text) {
            Some(m) => Some(m),
            None => return render_settings(&state, &page, None, Some(s.bad_minutes)).await,
        },
    };
    let escalate_to = match form.escalate_to.trim() {
        "" => None,
        email => match responders(&state)
            .await?
            .into_iter()
            .find(|u| u.email.eq_ignore_ascii_case(email))
        {
            Some(user) => Some(user.email),
            None => return render_settings(&state, &page, None, Some(s.unknown_person)).await,
        },
    };
    if escalate_after.is_some() != escalate_to.is_some() {
        return render_settings(&state, &page, None, Some(s.escalation_needs_both)).await;
    }
    let policy = SlaPolicy {
        channel,
        first_response_mins: first,
        resolution_mins: resolution.max(first),
        escalate_after_mins: escalate_after,
        escalate_to,
    };
    state.store.put_sla_policy(&workspace, &policy).await?;
    page.audit(
        &state,
        "inbox.sla",
        channel.as_str(),
        &format!(
            "first response {} min, resolution {} min, escalate {}",
            policy.first_response_mins,
            policy.resolution_mins,
            match (&policy.escalate_after_mins, &policy.escalate_to) {
                (Some(m), Some(to)) => format!("after {m} min to {to}"),
                _ => "never".to_owned(),
            }
        ),
    )
    .await?;
    render_settings(&state, &page, Some(s.saved), None).await
}

#[derive(askama::Template)]
#[template(path = "inbox_saved_replies.html")]
struct SavedRepliesTemplate<'a> {
    page: &'a Page,
    t: &'static InboxTexts,
    s: &'static SettingsTexts,
    replies: Vec<SavedReply>,
    languages: [Lang; 5],
    error: Option<&'static str>,
}

/// The languages a saved reply can be in.
const REPLY_LANGUAGES: [Lang; 5] = [Lang::Nb, Lang::Nn, Lang::En, Lang::Sv, Lang::Da];

async fn render_saved(
    state: &AppState,
    page: &Page,
    error: Option<&'static str>,
) -> Result<Response, PageError> {
    let workspace = &page.workspace()?.id;
    let mut response = render(&SavedRepliesTemplate {
        page,
        t: texts::<InboxTexts>(page.language),
        s: texts::<SettingsTexts>(page.language),
        replies: state.store.saved_replies(workspace).await?,
        languages: REPLY_LANGUAGES,
        error,
    })?;
    if error.is_some() {
        *response.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(response)
}

/// `GET /w/{ws}/inbox/saved-replies`.
pub async fn saved_replies(
    State(state): State<AppState>,
    mut page: Page,
) -> Result<Response, PageError> {
    page.require(Role::Editor)?;
    page.section = Some(Section::Inbox);
    render_saved(&state, &page, None).await
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SavedReplyForm {
    title: String,
    text: String,
    language: String,
}

/// `/w/{ws}/inbox/saved-replies/{id}...`: the workspace (which `Page` reads) and the id.
type SavedReplyPath = (String, i64);

/// Checks the form; `Err` holds the message for the page.
fn saved_reply(
    form: &SavedReplyForm,
    id: Option<i64>,
    s: &SettingsTexts,
) -> Result<SavedReply, &'static str> {
    let (title, text) = (form.title.trim(), form.text.trim());
    if title.is_empty() || text.is_empty() {
        return Err(s.needs_title_and_text);
    }
    let language = REPLY_LANGUAGES
        .into_iter()
        .find(|l| l.as_str() == form.language.trim())
        .ok_or(s.unknown_language)?;
    Ok(SavedReply {
        id,
        title: title.chars().take(200).collect(),
        text: text.chars().take(5_000).collect(),
        language,
    })
}

async fn store_saved_reply(
    state: &AppState,
    page: &Page,
    form: &SavedReplyForm,
    id: Option<i64>,
) -> Result<Response, PageError> {
    let s = texts::<SettingsTexts>(page.language);
    let workspace = page.workspace()?.id.clone();
    let reply = match saved_reply(form, id, s) {
        Ok(reply) => reply,
        Err(problem) => return render_saved(state, page, Some(problem)).await,
    };
    let id = state.store.put_saved_reply(&workspace, &reply).await?;
    page.audit(
        state,
        if reply.id.is_some() {
            "inbox.saved_reply.update"
        } else {
            "inbox.saved_reply.create"
        },
        &id.to_string(),
        &reply.title,
    )
    .await?;
    Ok(Redirect::to(&page.ws_link("inbox/saved-replies")).into_response())
}

/// `POST /w/{ws}/inbox/saved-replies`: a new saved reply.
pub async fn create_saved_reply(
    State(state): State<AppState>,
    mut page: Page,
    AppForm(form): AppForm<SavedReplyForm>,
) -> Result<Response, PageError> {
    page.require(Role::Editor)?;
    page.section = Some(Section::Inbox);
    store_saved_reply(&state, &page, &form, None).await
}

/// `POST /w/{ws}/inbox/saved-replies/{id}`: changes one.
pub async fn update_saved_reply(
    State(state): State<AppState>,
    mut page: Page,
    AppPath((_, id)): AppPath<SavedReplyPath>,
    AppForm(form): AppForm<SavedReplyForm>,
) -> Result<Response, PageError> {
    page.require(Role::Editor)?;
    page.section = Some(Section::Inbox);
    store_saved_reply(&state, &page, &form, Some(id)).await
}

/// `POST /w/{ws}/inbox/saved-replies/{id}/delete`.
pub async fn delete_saved_reply(
    State(state): State<AppState>,
    page: Page,
    AppPath((_, id)): AppPath<SavedReplyPath>,
) -> Result<Response, PageError> {
    page.require(Role::Editor)?;
    let workspace = page.workspace()?.id.clone();
    if !state.store.delete_saved_reply(&workspace, id).await? {
        return Err(AppError::NotFound(format!("no saved reply {}", id)).into());
    }
    page.audit(&state, "inbox.saved_reply.delete", &id.to_string(), "")
        .await?;
    Ok(Redirect::to(&page.ws_link("inbox/saved-replies")).into_response())
}
