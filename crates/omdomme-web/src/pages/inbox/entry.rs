//! One inbox entry (`/w/{ws}/inbox/{item}`): the item, its SLA clock, assignment, status,
//! internal notes and the conversation of replies, and the reply box.
//!
//! A reply is recorded as pending under its idempotency key (`<entry id>-<reply number>`,
//! put in the form when the page was drawn) before it goes out, so a double click or a
//! retried request finds the key taken and sends nothing a second time.

use std::sync::Arc;

use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use omdomme_connectors::{Channel, OutboundPost};
use omdomme_core::{ItemId, StoredItem};
use omdomme_store::{
    InboxChange, InboxNote, InboxReply, InboxStatus, InboxThread, NewReply, ReplyOutcome, Role,
    SavedReply, UiLanguage, UserRecord,
};
use serde::Deserialize;

use super::{InboxTexts, SlaClock, channel_name, names, responders};
use crate::AppState;
use crate::csrf::AppForm;
use crate::error::AppError;
use crate::extract::{AppPath, AppQuery};
use crate::i18n::texts;
use crate::pages::{Page, PageError, Section, render};
use crate::texts;
use omdomme_outbound::RecordingChannel;

/// Longest note or reply accepted, in characters.
const MAX_TEXT_CHARS: usize = 5_000;

texts!(pub EntryTexts {
    back: "Tilbake til innboksen" / "Back to the inbox",
    assign_heading: "Ansvarlig" / "Assignee",
    unassigned: "Ingen" / "Nobody",
    assign: "Tildel" / "Assign",
    status_heading: "Status" / "Status",
    change_status: "Endre status" / "Change status",
    sla_heading: "Svartid" / "Response time",
    first_response: "Første svar" / "First response",
    resolved: "Løst" / "Resolved",
    not_yet: "ikke ennå" / "not yet",
    notes_heading: "Interne notater" / "Internal notes",
    notes_hint: "Notater sendes aldri; bare kolleger ser dem." / "Notes are never sent; only colleagues see them.",
    no_notes: "Ingen notater ennå." / "No notes yet.",
    add_note: "Legg til notat" / "Add note",
    conversation: "Samtale" / "Conversation",
    no_replies: "Ikke besvart ennå. Skriv svaret under." / "Not answered yet. Write the answer below.",
    reply_heading: "Svar" / "Reply",
    reply_via: "Sendes som svar via" / "Sent as a reply through",
    send: "Send svar" / "Send reply",
    saved_reply: "Sett inn lagret svar" / "Insert a saved reply",
    choose: "Velg …" / "Choose …",
    sent: "sendt" / "sent",
    recorded: "lagret, ikke sendt – denne kanalen kan ikke publisere" / "recorded, not sent — this channel cannot post",
    failed: "ikke sendt" / "not sent",
    pending: "sendes …" / "sending …",
    open_on_platform: "Åpne på plattformen" / "Open on the platform",
    original: "Åpne originalen" / "Open the original",
    empty_text: "Skriv en tekst først." / "Write a text first.",
    too_long: "Teksten er for lang for kanalen." / "The text is too long for the channel.",
    already_sent: "Dette svaret er allerede sendt; det ble ikke sendt på nytt." / "This reply was already sent; it was not sent again.",
    manage_saved: "Administrer lagrede svar" / "Manage saved replies",
});

/// A reply as the conversation shows it.
pub struct ReplyView {
    pub author: String,
    pub at: String,
    pub text: String,
    /// `sent`, `recorded`, `failed` or `pending`.
    pub outcome: &'static str,
    pub outcome_label: &'static str,
    pub url: Option<String>,
    pub error: Option<String>,
}

pub struct NoteView {
    pub author: String,
    pub at: String,
    pub text: String,
}

#[derive(askama::Template)]
#[template(path = "inbox_entry.html")]
struct EntryTemplate<'a> {
    page: &'a Page,
    t: &'static InboxTexts,
    e: &'static EntryTexts,
    thread: &'a InboxThread,
    item: &'a StoredItem,
    channel: &'static str,
    author: String,
    arrived: String,
    clock: SlaClock,
    escalated_to: Option<String>,
    first_response: Option<String>,
    resolved: Option<String>,
    responders: Vec<UserRecord>,
    notes: Vec<NoteView>,
    replies: Vec<ReplyView>,
    saved: Vec<SavedReply>,
    reply_key: String,
    reply_text: String,
    notice: Option<&'static str>,
    error: Option<&'static str>,
}

impl EntryTemplate<'_> {
    fn selected(&self, email: &str) -> bool {
        self.thread
            .entry
            .assignee
            .as_deref()
            .is_some_and(|a| a.eq_ignore_ascii_case(email))
    }
}

/// `/w/{ws}/inbox/{item}/...`: the workspace (which `Page` reads) and the item.
type EntryPath = (String, i64);

/// The entry and its item, or 404.
async fn load(
    state: &AppState,
    page: &Page,
    item: i64,
) -> Result<(InboxThread, StoredItem), PageError> {
    let workspace = &page.workspace()?.id;
    let not_found = || AppError::NotFound(format!("item {item} is not in the inbox"));
    let thread = state
        .store
        .inbox_thread(workspace, ItemId(item))
        .await?
        .ok_or_else(not_found)?;
    let stored = state
        .store
        .item(ItemId(item))
        .await?
        .ok_or_else(not_found)?;
    Ok((thread, stored))
}

fn entry_link(page: &Page, item: i64) -> String {
    page.ws_link(&format!("inbox/{item}"))
}

struct Feedback {
    notice: Option<&'static str>,
    error: Option<&'static str>,
    text: String,
}

async fn render_entry(
    state: &AppState,
    page: &Page,
    item: i64,
    feedback: Feedback,
) -> Result<Response, PageError> {
    let t = texts::<InboxTexts>(page.language);
    let e = texts::<EntryTexts>(page.language);
    let (thread, stored) = load(state, page, item).await?;
    let workspace = &page.workspace()?.id;
    let (users, saved) =
        tokio::try_join!(state.store.users(), state.store.saved_replies(workspace))?;
    let names = names(&users);
    let name_of = |email: &str| {
        names
            .get(&email.to_lowercase())
            .cloned()
            .unwrap_or_else(|| email.to_owned())
    };
    let entry = &thread.entry;
    let replies = thread
        .replies
        .iter()
        .map(|r| reply_view(r, page, e, &name_of))
        .collect();
    let notes = thread
        .notes
        .iter()
        .map(|n| NoteView {
            author: name_of(&n.author),
            at: page.fmt.datetime(&n.at),
            text: n.text.clone(),
        })
        .collect();
    let a = &stored.item.author;
    let mut response = render(&EntryTemplate {
        t,
        e,
        channel: channel_name(entry.channel),
        author: match &a.name {
            Some(name) if !name.trim().is_empty() => format!("{name} (@{})", a.handle),
            _ => format!("@{}", a.handle),
        },
        arrived: page.fmt.datetime(&entry.arrived_at),
        clock: SlaClock::of(entry, page, t),
        escalated_to: entry.escalated_to.as_deref().map(&name_of),
        first_response: entry.first_response_at.map(|at| {
            format!(
                "{} ({})",
                page.fmt.datetime(&at),
                page.fmt.duration(at.duration_since(entry.arrived_at))
            )
        }),
        resolved: entry.resolved_at.map(|at| page.fmt.datetime(&at)),
        responders: users
            .into_iter()
            .filter(|u| u.role >= Role::Responder)
            .collect(),
        notes,
        replies,
        saved,
        reply_key: format!("{}-{}", entry.id, entry.reply_seq + 1),
        reply_text: feedback.text,
        notice: feedback.notice,
        error: feedback.error,
        item: &stored,
        thread: &thread,
        page,
    })?;
    if feedback.error.is_some() {
        *response.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(response)
}

fn reply_view(
    reply: &InboxReply,
    page: &Page,
    e: &EntryTexts,
    name_of: &impl Fn(&str) -> String,
) -> ReplyView {
    let (outcome, outcome_label, url, error) = match &reply.outcome {
        ReplyOutcome::Pending => ("pending", e.pending, None, None),
        ReplyOutcome::Sent { url, .. } => ("sent", e.sent, url.clone(), None),
        ReplyOutcome::Recorded => ("recorded", e.recorded, None, None),
        ReplyOutcome::Failed { error } => ("failed", e.failed, None, Some(error.clone())),
    };
    ReplyView {
        author: name_of(&reply.author),
        at: page.fmt.datetime(&reply.at),
        text: reply.text.clone(),
        outcome,
        outcome_label,
        url: url.filter(|u| u.starts_with("https://") || u.starts_with("http://")),
        error,
    }
}

/// `GET /w/{ws}/inbox/{item}`.
pub async fn show(
    State(state): State<AppState>,
    mut page: Page,
    AppPath((_, item)): AppPath<EntryPath>,
) -> Result<Response, PageError> {
    page.require(Role::Responder)?;
    page.section = Some(Section::Inbox);
    render_entry(
        &state,
        &page,
        item,
        Feedback {
            notice: None,
            error: None,
            text: String::new(),
        },
    )
    .await
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AssignForm {
    /// An email, or empty for nobody.
    assignee: String,
}

/// `POST /w/{ws}/inbox/{item}/assign`.
pub async fn assign(
    State(state): State<AppState>,
    page: Page,
    AppPath((_, item)): AppPath<EntryPath>,
    AppForm(form): AppForm<AssignForm>,
) -> Result<Response, PageError> {
    page.require(Role::Responder)?;
    let workspace = page.workspace()?.id.clone();
    let email = form.assignee.trim();
    let assignee = if email.is_empty() {
        None
    } else {
        let who = responders(&state)
            .await?
            .into_iter()
            .find(|u| u.email.eq_ignore_ascii_case(email))
            .ok_or_else(|| {
                AppError::BadRequest(format!(
                    "`{email}` cannot be assigned: only users with the responder role or higher answer the inbox"
                ))
            })?;
        Some(who.email)
    };
    state
        .store
        .update_inbox_entry(
            &workspace,
            ItemId(item),
            &InboxChange::Assign(assignee.clone()),
            page.now,
        )
        .await?;
    page.audit(
        &state,
        "inbox.assign",
        &item.to_string(),
        &format!("assigned to {}", assignee.as_deref().unwrap_or("nobody")),
    )
    .await?;
    Ok(Redirect::to(&entry_link(&page, item)).into_response())
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct StatusForm {
    status: String,
}

/// `POST /w/{ws}/inbox/{item}/status`.
pub async fn status(
    State(state): State<AppState>,
    page: Page,
    AppPath((_, item)): AppPath<EntryPath>,
    AppForm(form): AppForm<StatusForm>,
) -> Result<Response, PageError> {
    page.require(Role::Responder)?;
    let workspace = page.workspace()?.id.clone();
    let status = InboxStatus::parse(form.status.trim()).ok_or_else(|| {
        let all: Vec<&str> = InboxStatus::ALL.iter().map(|s| s.as_str()).collect();
        AppError::BadRequest(format!(
            "field `status`: unknown value `{}`; expected one of {}",
            form.status,
            all.join(", ")
        ))
    })?;
    let before = load(&state, &page, item).await?.0.entry.status;
    state
        .store
        .update_inbox_entry(
            &workspace,
            ItemId(item),
            &InboxChange::Status(status),
            page.now,
        )
        .await?;
    page.audit(
        &state,
        "inbox.status",
        &item.to_string(),
        &format!("{} -> {}", before.as_str(), status.as_str()),
    )
    .await?;
    Ok(Redirect::to(&entry_link(&page, item)).into_response())
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct NoteForm {
    text: String,
}

/// `POST /w/{ws}/inbox/{item}/note`.
pub async fn note(
    State(state): State<AppState>,
    mut page: Page,
    AppPath((_, item)): AppPath<EntryPath>,
    AppForm(form): AppForm<NoteForm>,
) -> Result<Response, PageError> {
    page.require(Role::Responder)?;
    page.section = Some(Section::Inbox);
    let e = texts::<EntryTexts>(page.language);
    let workspace = page.workspace()?.id.clone();
    let text = form.text.trim();
    if text.is_empty() || text.chars().count() > MAX_TEXT_CHARS {
        load(&state, &page, item).await?;
        let error = if text.is_empty() {
            e.empty_text
        } else {
            e.too_long
        };
        return render_entry(
            &state,
            &page,
            item,
            Feedback {
                notice: None,
                error: Some(error),
                text: String::new(),
            },
        )
        .await;
    }
    state
        .store
        .add_inbox_note(
            &workspace,
            ItemId(item),
            &InboxNote {
                author: page.user.email.clone(),
                at: page.now,
                text: text.to_owned(),
            },
        )
        .await?;
    page.audit(
        &state,
        "inbox.note",
        &item.to_string(),
        &format!("{} characters", text.chars().count()),
    )
    .await?;
    Ok(Redirect::to(&entry_link(&page, item)).into_response())
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ReplyForm {
    text: String,
    /// The idempotency key the page was drawn with.
    key: String,
}

/// `POST /w/{ws}/inbox/{item}/reply`: records the reply, sends it through the item's
/// channel (or records it when the channel cannot post) and stores the outcome.
pub async fn reply(
    State(state): State<AppState>,
    mut page: Page,
    AppPath((_, item)): AppPath<EntryPath>,
    AppForm(form): AppForm<ReplyForm>,
) -> Result<Response, PageError> {
    page.require(Role::Responder)?;
    page.section = Some(Section::Inbox);
    let e = texts::<EntryTexts>(page.language);
    let workspace = page.workspace()?.id.clone();
    let (thread, stored) = load(&state, &page, item).await?;
    let text = form.text.trim().to_owned();
    // The channel, and whether it only records; or why there is none.
    let channel: Result<(Arc<dyn Channel>, bool), String> = match state
        .channels
        .channel(&workspace, &stored.item.source)
        .await
    {
        Ok(Some(channel)) => Ok((channel, false)),
        Ok(None) => Ok((
            Arc::new(RecordingChannel::new(stored.item.source.kind)),
            true,
        )),
        Err(error) => Err(error.message),
    };
    let max = channel
        .as_ref()
        .map_or(MAX_TEXT_CHARS, |(c, _)| c.max_length().min(MAX_TEXT_CHARS));
    let problem = if text.is_empty() {
        Some(e.empty_text)
    } else if text.chars().count() > max {
        Some(e.too_long)
    } else {
        None
    };
    if let Some(problem) = problem {
        return render_entry(
            &state,
            &page,
            item,
            Feedback {
                notice: None,
                error: Some(problem),
                text,
            },
        )
        .await;
    }
    // A key from another entry or a made-up one is replaced by this entry's next: the key
    // only has to be stable across repeats of one submission.
    let prefix = format!("{}-", thread.entry.id);
    let key = if form.key.starts_with(&prefix)
        && form.key[prefix.len()..].chars().all(|c| c.is_ascii_digit())
        && form.key.len() > prefix.len()
    {
        form.key.clone()
    } else {
        format!("{prefix}{}", thread.entry.reply_seq + 1)
    };
    let earlier = state
        .store
        .begin_inbox_reply(
            &workspace,
            ItemId(item),
            &NewReply {
                key: key.clone(),
                text: text.clone(),
                author: page.user.email.clone(),
                at: page.now,
            },
        )
        .await?;
    if earlier.is_some() {
        return render_entry(
            &state,
            &page,
            item,
            Feedback {
                notice: Some(e.already_sent),
                error: None,
                text: String::new(),
            },
        )
        .await;
    }
    let outcome = match channel {
        Err(error) => ReplyOutcome::Failed { error },
        Ok((channel, recording)) => {
            let post = OutboundPost {
                text: text.clone(),
                idempotency_key: key.clone(),
                attachments: Vec::new(),
            };
            match channel.reply(&stored.item.external_id, &post).await {
                Ok(_) if recording => ReplyOutcome::Recorded,
                Ok(posted) => ReplyOutcome::Sent {
                    external_id: posted.external_id,
                    url: posted.url,
                },
                Err(error) => ReplyOutcome::Failed {
                    error: error.message,
                },
            }
        }
    };
    state
        .store
        .finish_inbox_reply(&workspace, ItemId(item), &key, &outcome, state.clock.now())
        .await?;
    let detail = match &outcome {
        ReplyOutcome::Sent { external_id, .. } => format!("sent as {external_id}"),
        ReplyOutcome::Recorded => "recorded, not sent: the channel cannot post".to_owned(),
        ReplyOutcome::Failed { error } => format!("failed: {error}"),
        ReplyOutcome::Pending => "pending".to_owned(),
    };
    page.audit(&state, "inbox.reply", &item.to_string(), &detail)
        .await?;
    Ok(Redirect::to(&entry_link(&page, item)).into_response())
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReplyBoxParams {
    saved: Option<String>,
}

#[derive(askama::Template)]
#[template(path = "inbox_reply_box.html")]
struct ReplyBoxTemplate<'a> {
    text: &'a str,
}

/// `GET /w/{ws}/inbox/{item}/reply-box?saved=<id>`: the reply box holding a saved reply
/// (htmx swaps it in).
pub async fn reply_box(
    State(state): State<AppState>,
    page: Page,
    AppPath((_, item)): AppPath<EntryPath>,
    AppQuery(params): AppQuery<ReplyBoxParams>,
) -> Result<Response, PageError> {
    page.require(Role::Responder)?;
    let workspace = page.workspace()?.id.clone();
    load(&state, &page, item).await?;
    let id = match params.saved.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(id) => Some(id.parse::<i64>().map_err(|_| {
            AppError::BadRequest(format!(
                "parameter `saved`: `{id}` is not a saved reply's id"
            ))
        })?),
    };
    let saved = state.store.saved_replies(&workspace).await?;
    let text = match id {
        None => String::new(),
        Some(id) => saved
            .into_iter()
            .find(|s| s.id == Some(id))
            .map(|s| s.text)
            .ok_or_else(|| AppError::NotFound(format!("no saved reply {id}")))?,
    };
    render(&ReplyBoxTemplate { text: &text })
}
