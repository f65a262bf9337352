//! One post (`/w/{ws}/posts/{id}`): its editor with a live preview as the platform will
//! show it and the policy's findings marked at their words, its images, the workflow
//! buttons the state and the user's role allow, review comments, and its history from
//! the audit log.
//!
//! Every change goes through [`Store::step_post`](omdomme_store::Store::step_post) with
//! the revision the page was drawn at, so two people editing at once cannot overwrite each
//! other: the second is told and shown the current version, their own text kept beside it.
//! Approving and scheduling are refused here while the policy finds something blocking;
//! the four-eyes rule is the store's (the button is hidden from authors, but the refusal
//! that counts is the store's, shown in its words).

use axum::Router;
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use jiff::Timestamp;
use omdomme_core::{Action, PostStatus, SourceKind, post_length};
use omdomme_policy::{Draft, Policy};
use omdomme_store::stories::{
    Attachment, MAX_POST_ATTACHMENTS, NewAttachment, NewContent, Post, PostStep, Story,
};
use omdomme_store::{AuditQuery, Role, StoreError, UiLanguage};
use serde::Deserialize;

use super::check::{self, FindingView, Segment, Token};
use super::upload::{self, UploadForm};
use super::{
    MAX_PROSE_CHARS, StoriesTexts, channel_label, done, load_story, name_of, names,
    posting_sources, with_refusal,
};
use crate::AppState;
use crate::csrf::AppForm;
use crate::error::AppError;
use crate::extract::AppPath;
use crate::i18n::texts;
use crate::pages::{Page, PageError, Section, render};
use crate::texts;

/// Longest post text we keep, in characters (a little over Facebook's limit).
const MAX_POST_CHARS: usize = 70_000;
/// Longest alt text, in characters.
const MAX_ALT_CHARS: usize = 1_500;
/// History entries shown.
const HISTORY_LIMIT: usize = 200;

texts!(pub PostTexts {
    title: "Innlegg" / "Post",
    back_to_story: "Tilbake til historien" / "Back to the story",
    editor: "Tekst" / "Text",
    planned_at: "Planlagt tidspunkt (norsk tid)" / "Planned time (Norwegian time)",
    save: "Lagre endringene" / "Save the changes",
    save_hint: "Å lagre en endring sender innlegget tilbake til utkast; en godkjenning gjelder bare teksten den så." / "Saving a change sends the post back to draft; an approval holds only for the text it saw.",
    published_read_only: "Innlegget er publisert og kan ikke endres." / "The post is published and cannot be changed.",
    preview: "Forhåndsvisning" / "Preview",
    used_of: "av" / "of",
    characters: "tegn slik plattformen teller" / "characters as the platform counts them",
    too_long: "For langt for kanalen." / "Too long for the channel.",
    findings: "Retningslinjer" / "Policy",
    no_findings: "Ingen funn: teksten følger retningslinjene." / "No findings: the text follows the policy.",
    blocking: "Må rettes før godkjenning" / "Must be fixed before approval",
    warning: "Advarsel" / "Warning",
    whole_post: "hele innlegget" / "the whole post",
    images: "Bilder" / "Images",
    no_images: "Ingen bilder." / "No images.",
    image_file: "Bilde (PNG, JPEG, GIF eller WebP)" / "Image (PNG, JPEG, GIF or WebP)",
    alt_text: "Alternativ tekst (påkrevd)" / "Alt text (required)",
    alt_hint: "Beskriv bildet for dem som ikke ser det." / "Describe the image for those who cannot see it.",
    upload: "Last opp bildet" / "Upload the image",
    remove: "Fjern" / "Remove",
    move_up: "Flytt opp" / "Move up",
    move_down: "Flytt ned" / "Move down",
    workflow: "Godkjenning" / "Approval",
    submit: "Send til godkjenning" / "Send for review",
    approve: "Godkjenn" / "Approve",
    request_changes: "Be om endringer" / "Request changes",
    request_comment: "Hva må endres?" / "What needs to change?",
    schedule: "Tidfest publiseringen" / "Schedule",
    schedule_at: "Publiseres (norsk tid)" / "Goes out at (Norwegian time)",
    unschedule: "Opphev tidfestingen" / "Unschedule",
    own_post: "Du har skrevet i dette innlegget, så en annen redaktør må godkjenne det (fire øyne)." / "You wrote part of this post, so another editor must approve it (four eyes).",
    approved_by: "Godkjent av" / "Approved by",
    authors: "Skrevet av" / "Written by",
    scheduled_for: "Publiseres" / "Goes out",
    no_actions: "Ingen handlinger nå." / "No actions now.",
    comments: "Kommentarer" / "Comments",
    no_comments: "Ingen kommentarer ennå." / "No comments yet.",
    comment: "Kommenter" / "Comment",
    history: "Historikk" / "History",
    no_history: "Ingen hendelser ennå." / "Nothing has happened yet.",
    published_at: "Publisert" / "Published",
    open_published: "Åpne innlegget på plattformen" / "Open the post on the platform",
    last_error: "Siste feil" / "Last error",
    engagement: "Engasjement" / "Engagement",
    likes: "liker" / "likes",
    shares: "delinger" / "shares",
    replies: "svar" / "replies",
    views: "visninger" / "views",
    read_at: "lest" / "read",
    conflict: "Innlegget ble endret av noen andre mens du arbeidet. Under ser du versjonen som gjelder nå; teksten din er ikke lagret, men ligger her:" / "The post was changed by someone else while you worked. Below is the current version; your text was not saved, but is here:",
    your_text: "Din tekst" / "Your text",
    no_change: "Ingen endringer å lagre." / "No changes to save.",
    err_text_long: "Teksten er for lang (høyst 70 000 tegn)." / "The text is too long (at most 70,000 characters).",
    err_time: "Tidspunktet må skrives som dato og klokkeslett, for eksempel 2026-12-03T10:00." / "Write the time as a date and time, for example 2026-12-03T10:00.",
    err_past: "Tidspunktet for publisering må være fram i tid." / "The publishing time must be in the future.",
    err_time_missing: "Velg når innlegget skal publiseres." / "Choose when the post goes out.",
    err_comment: "Skriv en kommentar (høyst 10 000 tegn)." / "Write a comment (at most 10,000 characters).",
    err_request_comment: "Skriv hva som må endres." / "Write what needs to change.",
    err_blocked: "Innlegget har funn som blokkerer etter retningslinjene; rett dem før det godkjennes eller planlegges." / "The post has findings the policy blocks on; fix them before it is approved or scheduled.",
    err_action: "Ukjent handling." / "Unknown action.",
    err_image: "Velg et bilde (PNG, JPEG, GIF eller WebP)." / "Choose an image (PNG, JPEG, GIF or WebP).",
    err_alt: "Skriv en alternativ tekst for bildet (høyst 1 500 tegn)." / "Write an alt text for the image (at most 1,500 characters).",
    err_too_many: "Innlegget har allerede så mange bilder som plattformene tar (4)." / "The post already has as many images as the platforms take (4).",
    err_no_attachment: "Bildet er ikke på dette innlegget." / "That image is not on this post.",
    action_create: "opprettet innlegget" / "created the post",
    action_edit: "endret innlegget" / "edited the post",
    action_submit: "sendte til godkjenning" / "sent for review",
    action_approve: "godkjente" / "approved",
    action_request_changes: "ba om endringer" / "requested changes",
    action_schedule: "tidfestet publiseringen" / "scheduled",
    action_unschedule: "opphevet tidfestingen" / "unscheduled",
    action_send: "sender til plattformen" / "sending to the platform",
    action_publish: "publiserte" / "published",
    action_fail: "publisering feilet" / "publishing failed",
    action_retry: "prøver igjen senere" / "will retry",
    action_comment: "kommenterte" / "commented",
    action_attachment_add: "la til et bilde" / "added an image",
    action_attachment_remove: "fjernet et bilde" / "removed an image",
    action_attachment_move: "flyttet et bilde" / "moved an image",
});

impl PostTexts {
    fn action(&self, action: &str) -> Option<&'static str> {
        Some(match action {
            "post.create" => self.action_create,
            "post.edit" => self.action_edit,
            "post.submit" => self.action_submit,
            "post.approve" => self.action_approve,
            "post.request_changes" => self.action_request_changes,
            "post.schedule" => self.action_schedule,
            "post.unschedule" => self.action_unschedule,
            "post.send" => self.action_send,
            "post.publish" => self.action_publish,
            "post.fail" => self.action_fail,
            "post.retry" => self.action_retry,
            "post.comment" => self.action_comment,
            "post.attachment_add" => self.action_attachment_add,
            "post.attachment_remove" => self.action_attachment_remove,
            "post.attachment_move" => self.action_attachment_move,
            _ => return None,
        })
    }
}

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/w/{ws}/posts/{id}", get(show).post(save))
        .route("/w/{ws}/posts/{id}/check", post(check_text))
        .route("/w/{ws}/posts/{id}/step", post(step))
        .route("/w/{ws}/posts/{id}/comments", post(comment))
        .route(
            "/w/{ws}/posts/{id}/attachments",
            post(upload_image).layer(DefaultBodyLimit::max(upload::UPLOAD_BODY_BYTES)),
        )
        .route("/w/{ws}/posts/{id}/attachments/{attachment}", post(arrange))
}

type PostPath = (String, i64);

/// A post of the workspace and its story, or 404.
async fn load(state: &AppState, page: &Page, id: i64) -> Result<(Post, Story), PageError> {
    let workspace = &page.workspace()?.id;
    let post = state
        .store
        .post(workspace, id)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("no post {id} in this workspace")))?;
    let story = load_story(state, page, post.story).await?;
    Ok((post, story))
}

/// The workspace's policy as stored, or the default one.
async fn policy(state: &AppState, page: &Page) -> Result<Policy, PageError> {
    match state.store.policy(&page.workspace()?.id).await? {
        Some(stored) => Policy::from_json(&stored.json).map_err(|e| {
            AppError::internal(format!("the workspace's stored policy does not read: {e}")).into()
        }),
        None => Ok(Policy::default()),
    }
}

fn findings(
    policy: &Policy,
    story: &Story,
    kind: SourceKind,
    text: &str,
) -> Vec<omdomme_policy::Finding> {
    let sourced_proof = story
        .proof_points
        .iter()
        .filter(|p| p.has_source())
        .map(|p| p.draft.statement.as_str())
        .collect();
    omdomme_policy::check(
        policy,
        &Draft {
            text,
            channel: Some(kind),
            sourced_proof,
        },
    )
}

// == The preview and the findings ==

pub struct ImageView {
    pub id: i64,
    pub href: String,
    pub alt: String,
    pub filename: String,
}

/// What the check fragment shows: the preview, the counter and the findings.
pub struct CheckView {
    pub platform: &'static str,
    pub display_name: String,
    pub handle: String,
    pub tokens: Vec<Token>,
    pub images: Vec<ImageView>,
    pub used: usize,
    pub limit: usize,
    pub counted: bool,
    pub over: bool,
    pub findings: Vec<FindingView>,
    pub segments: Vec<Segment>,
    pub blocks: bool,
}

fn platform_name(kind: SourceKind) -> &'static str {
    match kind {
        SourceKind::Mastodon => "mastodon",
        SourceKind::Bluesky => "bluesky",
        SourceKind::X => "x",
        SourceKind::Facebook => "facebook",
        SourceKind::Rss | SourceKind::File | SourceKind::Webhook => "other",
    }
}

/// The account's handle as the platform shows it, from what the source's settings say.
fn handle_of(kind: SourceKind, name: &str, spec: Option<&serde_json::Value>) -> String {
    let field = |key: &str| {
        spec.and_then(|s| s.get(key))
            .and_then(|v| v.as_str())
            .map(str::to_owned)
    };
    match kind {
        SourceKind::Mastodon => {
            let host = field("instance")
                .map(|i| {
                    i.trim_start_matches("https://")
                        .trim_start_matches("http://")
                        .trim_end_matches('/')
                        .to_owned()
                })
                .unwrap_or_default();
            if host.is_empty() {
                format!("@{name}")
            } else {
                format!("@{name}@{host}")
            }
        }
        SourceKind::Bluesky => format!("@{}", field("handle").unwrap_or_else(|| name.to_owned())),
        SourceKind::Facebook => field("page_id").unwrap_or_else(|| name.to_owned()),
        _ => format!("@{name}"),
    }
}

fn image_views(page: &Page, attachments: &[Attachment]) -> Vec<ImageView> {
    attachments
        .iter()
        .map(|a| ImageView {
            id: a.id,
            href: page.ws_link(&format!("attachments/{}", a.id)),
            alt: a.alt_text.clone(),
            filename: a.filename.clone(),
        })
        .collect()
}

async fn check_view(
    state: &AppState,
    page: &Page,
    post: &Post,
    story: &Story,
    text: &str,
) -> Result<CheckView, PageError> {
    let kind = post.content.channel.kind;
    let policy = policy(state, page).await?;
    let found = findings(&policy, story, kind, text);
    let sources = posting_sources(state, page).await?;
    let spec = sources
        .iter()
        .find(|s| s.key == post.content.channel)
        .map(|s| &s.spec);
    let workspace = page.workspace()?;
    let display_name = workspace
        .brands
        .iter()
        .find(|b| b.role == omdomme_core::BrandRole::Own)
        .map_or_else(|| workspace.name.clone(), |b| b.name.clone());
    let length = post_length(kind, text);
    Ok(CheckView {
        platform: platform_name(kind),
        display_name,
        handle: handle_of(kind, &post.content.channel.name, spec),
        tokens: check::tokens(text),
        images: image_views(page, &post.content.attachments),
        used: length.map_or(0, |l| l.used),
        limit: length.map_or(0, |l| l.limit),
        counted: length.is_some(),
        over: length.is_some_and(|l| !l.fits()),
        findings: found
            .iter()
            .map(|f| check::finding_view(f, page.language))
            .collect(),
        segments: check::segments(text, &found, page.language),
        blocks: omdomme_policy::blocks(&found),
    })
}

#[derive(askama::Template)]
#[template(path = "post_check.html")]
struct CheckTemplate {
    p: &'static PostTexts,
    check: CheckView,
}

// == The page ==

pub struct CommentView {
    pub by: String,
    pub at: String,
    pub kind: String,
    pub body: String,
}

pub struct HistoryView {
    pub by: String,
    pub at: String,
    pub what: String,
    pub detail: String,
}

#[derive(askama::Template)]
#[template(path = "post.html")]
struct PostTemplate<'a> {
    page: &'a Page,
    p: &'static PostTexts,
    post: &'a Post,
    story_title: String,
    story_link: String,
    channel: String,
    status: &'static str,
    status_label: &'static str,
    text: String,
    planned_at: String,
    check: CheckView,
    /// The image buttons: (`op`, label).
    arrange_ops: [(&'static str, &'static str); 3],
    editable: bool,
    actions: Vec<&'static str>,
    author: bool,
    authors: String,
    approved_by: Option<String>,
    scheduled_for: Option<String>,
    schedule_at: String,
    comments: Vec<CommentView>,
    history: Vec<HistoryView>,
    published_at: Option<String>,
    published_url: Option<String>,
    engagement: Option<String>,
    notice: Option<&'static str>,
    error: Option<String>,
    unsaved: Option<String>,
}

/// What a refused change brings back to the page.
#[derive(Default)]
struct Feedback {
    notice: Option<&'static str>,
    error: Option<String>,
    /// The text the user tried to save, when it was not saved.
    unsaved: Option<String>,
    status: Option<StatusCode>,
}

impl Feedback {
    fn error(status: StatusCode, message: impl Into<String>) -> Feedback {
        Feedback {
            error: Some(message.into()),
            status: Some(status),
            ..Feedback::default()
        }
    }
}

/// The workflow buttons the post's state allows for this user.
fn actions(post: &Post, page: &Page) -> Vec<&'static str> {
    if !page.can(Role::Editor) {
        return Vec::new();
    }
    let author = post.workflow.authors.contains(&page.user.email);
    let approved = post.workflow.approved_by_other();
    let mut out = Vec::new();
    match post.workflow.status {
        PostStatus::Draft => out.push("submit"),
        PostStatus::InReview => {
            if !author {
                out.push("approve");
            }
            out.push("request-changes");
        }
        PostStatus::Approved => out.push("schedule"),
        PostStatus::Scheduled => out.push("unschedule"),
        PostStatus::Failed => {
            out.push("submit");
            if approved {
                out.push("schedule");
            }
        }
        PostStatus::Published => {}
    }
    out
}

async fn render_post(
    state: &AppState,
    page: &Page,
    id: i64,
    feedback: Feedback,
) -> Result<Response, PageError> {
    let t = texts::<StoriesTexts>(page.language);
    let p = texts::<PostTexts>(page.language);
    let (post, story) = load(state, page, id).await?;
    let workspace = page.workspace()?.id.clone();
    let history_query = AuditQuery {
        workspace: Some(workspace.clone()),
        target: Some(format!("post:{id}")),
        limit: HISTORY_LIMIT,
        ..AuditQuery::default()
    };
    let (users, comments, history) = tokio::try_join!(
        state.store.users(),
        state.store.post_comments(&workspace, id),
        state.store.audit_log(&history_query),
    )?;
    let names = names(&users);
    let check = check_view(state, page, &post, &story, &post.content.text).await?;
    let wf = &post.workflow;
    let response = render(&PostTemplate {
        page,
        p,
        story_title: story.draft.title.clone(),
        story_link: page.ws_link(&format!("stories/{}", story.id)),
        channel: channel_label(&post.content.channel),
        status: wf.status.as_str(),
        status_label: t.status(&wf.status),
        text: post.content.text.clone(),
        planned_at: post
            .content
            .planned_at
            .map(|at| page.fmt.input_datetime(&at))
            .unwrap_or_default(),
        check,
        arrange_ops: [
            ("up", p.move_up),
            ("down", p.move_down),
            ("remove", p.remove),
        ],
        editable: page.can(Role::Editor) && wf.status != PostStatus::Published,
        actions: actions(&post, page),
        author: wf.authors.contains(&page.user.email),
        authors: wf
            .authors
            .iter()
            .map(|a| name_of(&names, a))
            .collect::<Vec<_>>()
            .join(", "),
        approved_by: wf
            .approval
            .as_ref()
            .filter(|a| a.version == wf.version)
            .map(|a| name_of(&names, &a.by)),
        scheduled_for: wf.scheduled_at.map(|at| page.fmt.datetime(&at)),
        schedule_at: post
            .content
            .planned_at
            .filter(|at| *at > page.now)
            .map(|at| page.fmt.input_datetime(&at))
            .unwrap_or_default(),
        comments: comments
            .iter()
            .map(|c| CommentView {
                by: name_of(&names, &c.by),
                at: page.fmt.datetime(&c.at),
                kind: p.action(&c.kind).map_or_else(String::new, |k| k.to_owned()),
                body: c.body.clone(),
            })
            .collect(),
        history: history
            .iter()
            .map(|r| HistoryView {
                by: name_of(&names, &r.entry.actor),
                at: page.fmt.datetime(&r.entry.at),
                what: p
                    .action(&r.entry.action)
                    .map_or_else(|| r.entry.action.clone(), str::to_owned),
                detail: r.entry.detail.clone(),
            })
            .collect(),
        published_at: post.published.as_ref().map(|pb| page.fmt.datetime(&pb.at)),
        published_url: post
            .published
            .as_ref()
            .and_then(|pb| pb.url.clone())
            .filter(|u| u.starts_with("https://") || u.starts_with("http://")),
        engagement: post.engagement.as_ref().map(|(e, at)| {
            let mut parts = vec![
                format!("{} {}", page.fmt.number(e.likes), p.likes),
                format!("{} {}", page.fmt.number(e.shares), p.shares),
                format!("{} {}", page.fmt.number(e.replies), p.replies),
            ];
            if let Some(views) = e.views {
                parts.push(format!("{} {}", page.fmt.number(views), p.views));
            }
            format!(
                "{} ({} {})",
                parts.join(" · "),
                p.read_at,
                page.fmt.datetime(at)
            )
        }),
        notice: feedback.notice,
        error: feedback.error,
        unsaved: feedback.unsaved,
        post: &post,
    })?;
    Ok(match feedback.status {
        Some(status) => with_refusal(page, response, status),
        None => response,
    })
}

/// `GET /w/{ws}/posts/{id}`.
async fn show(
    State(state): State<AppState>,
    mut page: Page,
    AppPath((_, id)): AppPath<PostPath>,
) -> Result<Response, PageError> {
    page.require(Role::Viewer)?;
    page.section = Some(Section::Stories);
    render_post(&state, &page, id, Feedback::default()).await
}

/// A step was refused: conflicts and the workflow's refusals are shown on the page.
async fn refused(
    state: &AppState,
    page: &Page,
    id: i64,
    error: StoreError,
    unsaved: Option<String>,
) -> Result<Response, PageError> {
    let p = texts::<PostTexts>(page.language);
    let feedback = match error {
        StoreError::Conflict(_) => Feedback {
            error: Some(p.conflict.to_owned()),
            unsaved,
            status: Some(StatusCode::CONFLICT),
            notice: None,
        },
        StoreError::Invalid(message) => Feedback {
            unsaved,
            ..Feedback::error(StatusCode::UNPROCESSABLE_ENTITY, message)
        },
        other => return Err(other.into()),
    };
    render_post(state, page, id, feedback).await
}

/// Applies an edit of the post's content, as its workflow's Edit step.
async fn edit_content(
    state: &AppState,
    page: &Page,
    post: &Post,
    revision: i64,
    content: NewContent,
) -> Result<Result<Post, StoreError>, PageError> {
    let step = PostStep {
        action: Action::Edit {
            by: page.user.email.clone(),
        },
        content: Some(content),
        comment: None,
        expected_revision: revision,
        at: page.now,
    };
    Ok(state
        .store
        .step_post(&page.workspace()?.id, post.id, &step)
        .await)
}

fn attachment_ids(post: &Post) -> Vec<i64> {
    post.content.attachments.iter().map(|a| a.id).collect()
}

/// A `datetime-local` value in the app's zone.
fn local_time(page: &Page, value: &str) -> Option<Timestamp> {
    let civil: jiff::civil::DateTime = value.trim().parse().ok()?;
    civil
        .to_zoned_datetime(page.fmt.zone.clone())
        .ok()
        .map(|z| z.timestamp())
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct EditForm {
    revision: i64,
    text: String,
    planned_at: String,
}

/// `POST /w/{ws}/posts/{id}`: saves the text and planned time (the Edit step).
async fn save(
    State(state): State<AppState>,
    mut page: Page,
    AppPath((_, id)): AppPath<PostPath>,
    AppForm(form): AppForm<EditForm>,
) -> Result<Response, PageError> {
    page.require(Role::Editor)?;
    page.section = Some(Section::Stories);
    let p = texts::<PostTexts>(page.language);
    let (post, _) = load(&state, &page, id).await?;
    // Browsers send textarea line breaks as CRLF; platforms count LF.
    let text = form.text.replace("\r\n", "\n");
    let fail = |message: &str| Feedback {
        unsaved: Some(text.clone()),
        ..Feedback::error(StatusCode::UNPROCESSABLE_ENTITY, message)
    };
    if text.chars().count() > MAX_POST_CHARS {
        return render_post(&state, &page, id, fail(p.err_text_long)).await;
    }
    let planned_at = match form.planned_at.trim() {
        "" => None,
        value => match local_time(&page, value) {
            Some(at) => Some(at),
            None => return render_post(&state, &page, id, fail(p.err_time)).await,
        },
    };
    if text == post.content.text && planned_at == post.content.planned_at {
        let feedback = Feedback {
            notice: Some(p.no_change),
            ..Feedback::default()
        };
        return render_post(&state, &page, id, feedback).await;
    }
    let content = NewContent {
        channel: post.content.channel.clone(),
        text: text.clone(),
        attachments: attachment_ids(&post),
        planned_at,
    };
    match edit_content(&state, &page, &post, form.revision, content).await? {
        Ok(_) => Ok(done(&page, &page.ws_link(&format!("posts/{id}")))),
        Err(error) => refused(&state, &page, id, error, Some(text)).await,
    }
}

/// `POST /w/{ws}/posts/{id}/check`: the preview and findings for the text being typed.
async fn check_text(
    State(state): State<AppState>,
    page: Page,
    AppPath((_, id)): AppPath<PostPath>,
    AppForm(form): AppForm<EditForm>,
) -> Result<Response, PageError> {
    page.require(Role::Editor)?;
    let (post, story) = load(&state, &page, id).await?;
    let text = form.text.replace("\r\n", "\n");
    let check = check_view(&state, &page, &post, &story, &text).await?;
    render(&CheckTemplate {
        p: texts::<PostTexts>(page.language),
        check,
    })
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct StepForm {
    /// `submit`, `approve`, `request-changes`, `schedule` or `unschedule`.
    action: String,
    revision: i64,
    comment: String,
    /// With `schedule`: when, as a `datetime-local` value in Norwegian time.
    at: String,
}

/// `POST /w/{ws}/posts/{id}/step`: a workflow step.
async fn step(
    State(state): State<AppState>,
    mut page: Page,
    AppPath((_, id)): AppPath<PostPath>,
    AppForm(form): AppForm<StepForm>,
) -> Result<Response, PageError> {
    page.require(Role::Editor)?;
    page.section = Some(Section::Stories);
    let p = texts::<PostTexts>(page.language);
    let (post, story) = load(&state, &page, id).await?;
    let by = page.user.email.clone();
    let unprocessable = |message: &str| Feedback::error(StatusCode::UNPROCESSABLE_ENTITY, message);
    let comment = form.comment.trim().to_owned();
    if comment.chars().count() > MAX_PROSE_CHARS {
        return render_post(&state, &page, id, unprocessable(p.err_comment)).await;
    }
    let action = match form.action.as_str() {
        "submit" => Action::Submit { by },
        "approve" => Action::Approve { by },
        "request-changes" => {
            if comment.is_empty() {
                return render_post(&state, &page, id, unprocessable(p.err_request_comment)).await;
            }
            Action::RequestChanges { by }
        }
        "schedule" => {
            let at = match form.at.trim() {
                "" => None,
                value => Some(local_time(&page, value).ok_or(p.err_time)),
            };
            match at {
                None => {
                    return render_post(&state, &page, id, unprocessable(p.err_time_missing)).await;
                }
                Some(Err(message)) => {
                    return render_post(&state, &page, id, unprocessable(message)).await;
                }
                Some(Ok(at)) if at <= page.now => {
                    return render_post(&state, &page, id, unprocessable(p.err_past)).await;
                }
                Some(Ok(at)) => Action::Schedule { by, at },
            }
        }
        "unschedule" => Action::Unschedule { by },
        _ => return render_post(&state, &page, id, unprocessable(p.err_action)).await,
    };
    if matches!(action, Action::Approve { .. } | Action::Schedule { .. }) {
        let policy = policy(&state, &page).await?;
        let found = findings(
            &policy,
            &story,
            post.content.channel.kind,
            &post.content.text,
        );
        if omdomme_policy::blocks(&found) {
            return render_post(&state, &page, id, unprocessable(p.err_blocked)).await;
        }
    }
    let step = PostStep {
        action,
        content: None,
        comment: (!comment.is_empty()).then_some(comment),
        expected_revision: form.revision,
        at: page.now,
    };
    let own_approval = matches!(step.action, Action::Approve { .. })
        && post.workflow.authors.contains(&page.user.email);
    let workspace = page.workspace()?.id.clone();
    match state.store.step_post(&workspace, id, &step).await {
        Ok(_) => Ok(done(&page, &page.ws_link(&format!("posts/{id}")))),
        // The store's words, after the same in the user's language.
        Err(StoreError::Invalid(words)) if own_approval => {
            let message = format!("{} ({words})", p.own_post);
            render_post(&state, &page, id, unprocessable(&message)).await
        }
        Err(error) => refused(&state, &page, id, error, None).await,
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CommentForm {
    body: String,
}

/// `POST /w/{ws}/posts/{id}/comments`: a review comment.
async fn comment(
    State(state): State<AppState>,
    mut page: Page,
    AppPath((_, id)): AppPath<PostPath>,
    AppForm(form): AppForm<CommentForm>,
) -> Result<Response, PageError> {
    page.require(Role::Editor)?;
    page.section = Some(Section::Stories);
    let p = texts::<PostTexts>(page.language);
    load(&state, &page, id).await?;
    let body = form.body.trim();
    if body.is_empty() || body.chars().count() > MAX_PROSE_CHARS {
        let feedback = Feedback::error(StatusCode::UNPROCESSABLE_ENTITY, p.err_comment);
        return render_post(&state, &page, id, feedback).await;
    }
    let workspace = page.workspace()?.id.clone();
    let saved = state
        .store
        .add_post_comment(&workspace, id, &page.user.email, body, page.now)
        .await?;
    page.audit(
        &state,
        "post.comment",
        &format!("post:{id}"),
        &format!("comment {}", saved.id),
    )
    .await?;
    Ok(done(&page, &page.ws_link(&format!("posts/{id}"))))
}

/// `POST /w/{ws}/posts/{id}/attachments`: uploads an image with its alt text (multipart;
/// fields `file`, `alt`, `revision`) and adds it to the post's images.
async fn upload_image(
    State(state): State<AppState>,
    mut page: Page,
    AppPath((_, id)): AppPath<PostPath>,
    request: Request,
) -> Result<Response, PageError> {
    page.require(Role::Editor)?;
    page.section = Some(Section::Stories);
    let p = texts::<PostTexts>(page.language);
    let (post, _) = load(&state, &page, id).await?;
    let form = match UploadForm::read(request).await {
        Ok(form) => form,
        Err(error) => {
            let feedback = Feedback::error(error.status(), error.to_string());
            return render_post(&state, &page, id, feedback).await;
        }
    };
    let unprocessable = |message: &str| Feedback::error(StatusCode::UNPROCESSABLE_ENTITY, message);
    let alt = form.text("alt")?.trim().to_owned();
    let revision: i64 = form.text("revision")?.trim().parse().unwrap_or_default();
    let file = match form.checked_file("file") {
        Ok(Some(file)) => file,
        Ok(None) => return render_post(&state, &page, id, unprocessable(p.err_image)).await,
        Err(error) => {
            let feedback = Feedback::error(error.status(), error.to_string());
            return render_post(&state, &page, id, feedback).await;
        }
    };
    let Some(media_type) = upload::sniff(&file.data).filter(|t| t.starts_with("image/")) else {
        return render_post(&state, &page, id, unprocessable(p.err_image)).await;
    };
    if alt.is_empty() || alt.chars().count() > MAX_ALT_CHARS {
        return render_post(&state, &page, id, unprocessable(p.err_alt)).await;
    }
    if post.content.attachments.len() >= MAX_POST_ATTACHMENTS {
        return render_post(&state, &page, id, unprocessable(p.err_too_many)).await;
    }
    let workspace = page.workspace()?.id.clone();
    let filename = upload::safe_filename(file.filename.as_deref().unwrap_or_default());
    let stored = state
        .store
        .put_attachment(
            &workspace,
            &NewAttachment {
                filename: filename.clone(),
                media_type: media_type.to_owned(),
                alt_text: alt,
                bytes: file.data.clone(),
            },
            &page.user.email,
            page.now,
        )
        .await;
    let attachment = match stored {
        Ok(attachment) => attachment,
        Err(StoreError::Invalid(message)) => {
            return render_post(&state, &page, id, unprocessable(&message)).await;
        }
        Err(other) => return Err(other.into()),
    };
    let mut attachments = attachment_ids(&post);
    attachments.push(attachment.id);
    let content = NewContent {
        channel: post.content.channel.clone(),
        text: post.content.text.clone(),
        attachments,
        planned_at: post.content.planned_at,
    };
    if let Err(error) = edit_content(&state, &page, &post, revision, content).await? {
        return refused(&state, &page, id, error, None).await;
    }
    page.audit(
        &state,
        "post.attachment_add",
        &format!("post:{id}"),
        &format!("attachment {}: {filename} ({media_type})", attachment.id),
    )
    .await?;
    Ok(done(&page, &page.ws_link(&format!("posts/{id}"))))
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ArrangeForm {
    /// `remove`, `up` or `down`.
    op: String,
    revision: i64,
}

/// `POST /w/{ws}/posts/{id}/attachments/{attachment}`: removes an image or moves it one
/// place up or down.
async fn arrange(
    State(state): State<AppState>,
    mut page: Page,
    AppPath((_, id, attachment)): AppPath<(String, i64, i64)>,
    AppForm(form): AppForm<ArrangeForm>,
) -> Result<Response, PageError> {
    page.require(Role::Editor)?;
    page.section = Some(Section::Stories);
    let p = texts::<PostTexts>(page.language);
    let (post, _) = load(&state, &page, id).await?;
    let mut attachments = attachment_ids(&post);
    let Some(at) = attachments.iter().position(|a| *a == attachment) else {
        let feedback = Feedback::error(StatusCode::NOT_FOUND, p.err_no_attachment);
        return render_post(&state, &page, id, feedback).await;
    };
    let action = match form.op.as_str() {
        "remove" => {
            attachments.remove(at);
            "post.attachment_remove"
        }
        "up" if at > 0 => {
            attachments.swap(at, at - 1);
            "post.attachment_move"
        }
        "down" if at + 1 < attachments.len() => {
            attachments.swap(at, at + 1);
            "post.attachment_move"
        }
        "up" | "down" => return Ok(done(&page, &page.ws_link(&format!("posts/{id}")))),
        _ => {
            let feedback = Feedback::error(StatusCode::UNPROCESSABLE_ENTITY, p.err_action);
            return render_post(&state, &page, id, feedback).await;
        }
    };
    let content = NewContent {
        channel: post.content.channel.clone(),
        text: post.content.text.clone(),
        attachments,
        planned_at: post.content.planned_at,
    };
    if let Err(error) = edit_content(&state, &page, &post, form.revision, content).await? {
        return refused(&state, &page, id, error, None).await;
    }
    page.audit(
        &state,
        action,
        &format!("post:{id}"),
        &format!("attachment {attachment}: {}", form.op),
    )
    .await?;
    Ok(done(&page, &page.ws_link(&format!("posts/{id}"))))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn handles_follow_each_platform() {
        let spec = serde_json::json!({"instance": "https://mastodon.social/", "handle": "nordlys.bsky.social", "page_id": "nordlysenergi"});
        assert_eq!(
            handle_of(SourceKind::Mastodon, "nordlys", Some(&spec)),
            "@nordlys@mastodon.social"
        );
        assert_eq!(
            handle_of(SourceKind::Bluesky, "x", Some(&spec)),
            "@nordlys.bsky.social"
        );
        assert_eq!(
            handle_of(SourceKind::Facebook, "x", Some(&spec)),
            "nordlysenergi"
        );
        assert_eq!(handle_of(SourceKind::X, "nordlys", None), "@nordlys");
    }
}
