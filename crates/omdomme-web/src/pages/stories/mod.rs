//! Stories (`/w/{ws}/stories`): the company's CSR initiatives told as stories, each with
//! its facts, the proof points behind its claims, the goal it serves and its owner, and
//! the posts that tell it per channel (their editor and workflow live in [`post`]).
//!
//! Viewers read; editors write stories, proof points and posts. Every change is audited:
//! the store audits the posts' workflow steps itself, these pages audit the rest
//! (`story.create`, `story.update`, `story.proof_add`, `story.proof_delete`).

mod check;
mod post;
mod upload;

use std::collections::HashMap;

use axum::Router;
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use omdomme_core::{PostStatus, SourceKey, SourceKind, Topic};
use omdomme_store::stories::{
    EngagementGrouping, EngagementRollup, Goal, NewAttachment, NewPost, Post, ProofPointDraft,
    Story, StoryDraft,
};
use omdomme_store::{Role, SourceRecord, StoreError, UiLanguage, UserRecord};
use serde::Deserialize;

use crate::AppState;
use crate::csrf::AppForm;
use crate::error::AppError;
use crate::extract::{AppPath, AppQuery};
use crate::i18n::texts;
use crate::pages::{Page, PageError, Section, render};
use crate::texts;
use upload::UploadForm;

/// Longest story title, in characters.
const MAX_TITLE_CHARS: usize = 200;
/// Longest summary, proof point statement or comment, in characters.
const MAX_PROSE_CHARS: usize = 10_000;
/// Longest link, in bytes.
const MAX_URL_BYTES: usize = 2_000;

texts!(pub StoriesTexts {
    title: "Historier" / "Stories",
    intro: "Samfunnsansvar fortalt som historier: fakta og dokumentasjon, målet de tjener, og innleggene som forteller dem i hver kanal." / "Corporate responsibility told as stories: facts and proof, the goal they serve, and the posts that tell them on each channel.",
    new_story: "Ny historie" / "New story",
    edit_story: "Rediger historien" / "Edit the story",
    empty_title: "Ingen historier ennå" / "No stories yet",
    empty_hint: "Start med et tiltak dere kan dokumentere: opprett en historie, legg til dokumentasjon, og skriv innlegg for kanalene." / "Start with an initiative you can prove: create a story, add its proof points, and write posts for the channels.",
    empty_hint_viewer: "Redaktørene har ikke opprettet noen historier ennå." / "The editors have not created any stories yet.",
    col_story: "Historie" / "Story",
    col_topic: "Tema" / "Topic",
    col_goal: "Mål" / "Goal",
    col_owner: "Ansvarlig" / "Owner",
    col_posts: "Innlegg" / "Posts",
    col_engagement: "Engasjement" / "Engagement",
    engagement_title: "Engasjement på publiserte innlegg" / "Engagement of published posts",
    by_story: "Per historie" / "By story",
    by_topic: "Per tema" / "By topic",
    by_goal: "Per mål" / "By goal",
    likes: "Liker" / "Likes",
    shares: "Delinger" / "Shares",
    replies: "Svar" / "Replies",
    views: "Visninger" / "Views",
    no_engagement: "Ingen publiserte innlegg med engasjement ennå." / "No published posts with engagement yet.",
    no_goal: "Uten mål" / "No goal",
    none: "–" / "–",
    field_title: "Tittel" / "Title",
    field_topic: "Tema" / "Topic",
    field_summary: "Fakta om tiltaket" / "Facts of the initiative",
    field_summary_hint: "Hva dere har gjort, med tall og tidsrom." / "What you did, with figures and time spans.",
    field_goal: "Mål" / "Goal",
    field_owner: "Ansvarlig" / "Owner",
    create: "Opprett historien" / "Create the story",
    facts: "Fakta" / "Facts",
    created_by: "Opprettet av" / "Created by",
    back_to_stories: "Alle historier" / "All stories",
    proof_title: "Dokumentasjon" / "Proof points",
    proof_hint: "Påstander om klima og samfunn må ha en kilde: en lenke eller et dokument (PDF eller bilde)." / "Claims about climate and society need a source: a link or a document (PDF or image).",
    no_proof: "Ingen dokumentasjon ennå." / "No proof points yet.",
    statement: "Påstand" / "Statement",
    source_url: "Kilde (lenke)" / "Source (link)",
    document: "Dokument" / "Document",
    add_proof: "Legg til dokumentasjon" / "Add proof point",
    delete: "Slett" / "Delete",
    confirm_delete: "Slette denne dokumentasjonen?" / "Delete this proof point?",
    without_source: "uten kilde" / "no source",
    open_source: "Åpne kilden" / "Open the source",
    download: "Last ned" / "Download",
    posts_title: "Innlegg per kanal" / "Posts per channel",
    no_posts: "Ingen innlegg ennå. Velg en kanal og skriv det første." / "No posts yet. Choose a channel and write the first one.",
    new_post: "Nytt innlegg" / "New post",
    channel: "Kanal" / "Channel",
    write_post: "Skriv innlegg" / "Write a post",
    no_channels: "Arbeidsområdet har ingen konto å publisere fra. Legg til en Mastodon-, Bluesky-, X- eller Facebook-kilde under Oppsett → Kilder." / "The workspace has no account to post from. Add a Mastodon, Bluesky, X or Facebook source under Setup → Sources.",
    setup_sources: "Oppsett → Kilder" / "Setup → Sources",
    empty_post: "(tomt utkast)" / "(empty draft)",
    planned: "Planlagt" / "Planned",
    scheduled: "Publiseres" / "Goes out",
    published: "Publisert" / "Published",
    effect_title: "Effekt" / "Effect",
    effect_link: "Se effekten av historien" / "See the story's effect",
    status_draft: "Utkast" / "Draft",
    status_in_review: "Til godkjenning" / "In review",
    status_approved: "Godkjent" / "Approved",
    status_scheduled: "Tidfestet" / "Scheduled",
    status_published: "Publisert" / "Published",
    status_failed: "Feilet" / "Failed",
    topic_climate: "Klima og miljø" / "Climate & environment",
    topic_labour: "Arbeidsforhold og leverandører" / "Labour & supply chain",
    topic_diversity: "Mangfold og inkludering" / "Diversity & inclusion",
    topic_employer: "Arbeidsgiver og arbeidsmiljø" / "Employer & workplace",
    topic_governance: "Styring og etikk" / "Governance & ethics",
    topic_community: "Lokalsamfunn" / "Community",
    topic_product: "Produkt og kundeopplevelse" / "Product & customer experience",
    err_title: "Skriv en tittel (høyst 200 tegn)." / "Write a title (at most 200 characters).",
    err_topic: "Velg et tema fra listen." / "Choose a topic from the list.",
    err_summary: "Fakta kan være høyst 10 000 tegn." / "The facts may be at most 10,000 characters.",
    err_goal: "Målet finnes ikke lenger; velg et annet." / "That goal no longer exists; choose another.",
    err_owner: "Velg en ansvarlig blant brukerne." / "Choose an owner among the users.",
    err_statement: "Skriv påstanden (høyst 10 000 tegn)." / "Write the statement (at most 10,000 characters).",
    err_url: "Kilden må være en lenke som begynner med http:// eller https://." / "The source must be a link starting with http:// or https://.",
    err_document: "Dokumentet må være en PDF eller et bilde (PNG, JPEG, GIF eller WebP)." / "The document must be a PDF or an image (PNG, JPEG, GIF or WebP).",
    err_channel: "Velg en av arbeidsområdets kontoer." / "Choose one of the workspace's accounts.",
    saved: "Lagret." / "Saved.",
});

impl StoriesTexts {
    pub fn topic(&self, topic: &Topic) -> &'static str {
        match topic {
            Topic::Climate => self.topic_climate,
            Topic::Labour => self.topic_labour,
            Topic::Diversity => self.topic_diversity,
            Topic::Employer => self.topic_employer,
            Topic::Governance => self.topic_governance,
            Topic::Community => self.topic_community,
            Topic::Product => self.topic_product,
        }
    }

    pub fn status(&self, status: &PostStatus) -> &'static str {
        match status {
            PostStatus::Draft => self.status_draft,
            PostStatus::InReview => self.status_in_review,
            PostStatus::Approved => self.status_approved,
            PostStatus::Scheduled => self.status_scheduled,
            PostStatus::Published => self.status_published,
            PostStatus::Failed => self.status_failed,
        }
    }
}

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/w/{ws}/stories", get(list).post(create))
        .route("/w/{ws}/stories/new", get(new_story))
        .route("/w/{ws}/stories/{id}", get(show).post(update))
        .route("/w/{ws}/stories/{id}/edit", get(edit))
        .route(
            "/w/{ws}/stories/{id}/proof-points",
            post(add_proof_point).layer(DefaultBodyLimit::max(upload::UPLOAD_BODY_BYTES)),
        )
        .route(
            "/w/{ws}/stories/{id}/proof-points/{proof}/delete",
            post(delete_proof_point),
        )
        .route("/w/{ws}/stories/{id}/posts", post(new_post))
        .route("/w/{ws}/attachments/{id}", get(upload::download))
        .merge(post::routes())
}

/// The channels we can post to.
pub fn can_post(kind: SourceKind) -> bool {
    matches!(
        kind,
        SourceKind::Mastodon | SourceKind::Bluesky | SourceKind::X | SourceKind::Facebook
    )
}

/// A channel's name as people read it: `Mastodon (nordlys)`.
pub fn channel_label(key: &SourceKey) -> String {
    let platform = match key.kind {
        SourceKind::Mastodon => "Mastodon",
        SourceKind::Bluesky => "Bluesky",
        SourceKind::X => "X",
        SourceKind::Facebook => "Facebook",
        SourceKind::Rss => "RSS",
        SourceKind::File => "File",
        SourceKind::Webhook => "Webhook",
    };
    format!("{platform} ({})", key.name)
}

/// The workspace's sources that can post, in name order. Switched-off ones too: switching
/// a source off stops listening to it, not posting through its account.
async fn posting_sources(state: &AppState, page: &Page) -> Result<Vec<SourceRecord>, PageError> {
    let workspace = &page.workspace()?.id;
    let mut sources: Vec<SourceRecord> = state
        .store
        .sources(workspace)
        .await?
        .into_iter()
        .filter(|s| can_post(s.key.kind))
        .collect();
    sources.sort_by(|a, b| a.key.cmp(&b.key));
    Ok(sources)
}

/// Email (lowercase) -> display name.
fn names(users: &[UserRecord]) -> HashMap<String, String> {
    users
        .iter()
        .map(|u| (u.email.to_lowercase(), u.name.clone()))
        .collect()
}

fn name_of(names: &HashMap<String, String>, email: &str) -> String {
    names
        .get(&email.to_lowercase())
        .cloned()
        .unwrap_or_else(|| email.to_owned())
}

/// The story of the path, or 404 (another workspace's id included).
async fn load_story(state: &AppState, page: &Page, id: i64) -> Result<Story, PageError> {
    let workspace = &page.workspace()?.id;
    Ok(state
        .store
        .story(workspace, id)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("no story {id} in this workspace")))?)
}

/// Answers a form post that succeeded: back to `target` (htmx follows `HX-Redirect`).
fn done(page: &Page, target: &str) -> Response {
    if page.htmx {
        let mut response = StatusCode::NO_CONTENT.into_response();
        if let Ok(value) = HeaderValue::from_str(target) {
            response.headers_mut().insert("hx-redirect", value);
        }
        return response;
    }
    Redirect::to(target).into_response()
}

/// Gives a page drawn with a refusal its status. htmx swaps no error responses, so to an
/// htmx form (the uploads) the page goes as a success that replaces the whole body.
fn with_refusal(page: &Page, mut response: Response, status: StatusCode) -> Response {
    if page.htmx {
        let headers = response.headers_mut();
        headers.insert("hx-retarget", HeaderValue::from_static("body"));
        headers.insert("hx-reswap", HeaderValue::from_static("innerHTML"));
    } else {
        *response.status_mut() = status;
    }
    response
}

/// An `http(s)` link, or why not.
fn checked_url(url: &str) -> Option<String> {
    let url = url.trim();
    let lower = url.to_ascii_lowercase();
    let rest = lower
        .strip_prefix("https://")
        .or_else(|| lower.strip_prefix("http://"))?;
    let host_ok = rest
        .split(['/', '?', '#'])
        .next()
        .is_some_and(|host| !host.is_empty());
    let clean = !url.chars().any(|c| c.is_whitespace() || c.is_control());
    (host_ok && clean && url.len() <= MAX_URL_BYTES).then(|| url.to_owned())
}

// == The list ==

#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ListParams {
    /// The rollup's grouping: `story` (default), `topic` or `goal`.
    by: String,
}

pub struct StoryRow {
    pub link: String,
    pub title: String,
    pub topic: &'static str,
    pub goal: Option<String>,
    pub owner: String,
    /// (status, label, count) for each status with posts.
    pub counts: Vec<(&'static str, &'static str, usize)>,
    pub engagement: Option<String>,
}

pub struct RollupRow {
    pub label: String,
    pub posts: String,
    pub likes: String,
    pub shares: String,
    pub replies: String,
    pub views: String,
}

#[derive(askama::Template)]
#[template(path = "stories.html")]
struct ListTemplate<'a> {
    page: &'a Page,
    t: &'static StoriesTexts,
    rows: Vec<StoryRow>,
    grouping: &'static str,
    rollup: Vec<RollupRow>,
}

fn grouping_of(name: &str) -> Result<EngagementGrouping, AppError> {
    match name {
        "" | "story" => Ok(EngagementGrouping::Story),
        "topic" => Ok(EngagementGrouping::Topic),
        "goal" => Ok(EngagementGrouping::Goal),
        other => Err(AppError::BadRequest(format!(
            "query parameter `by`: unknown grouping `{other}`; expected story, topic or goal"
        ))),
    }
}

fn engagement_total(r: &EngagementRollup) -> u64 {
    r.likes + r.shares + r.replies
}

/// `GET /w/{ws}/stories`.
async fn list(
    State(state): State<AppState>,
    mut page: Page,
    AppQuery(params): AppQuery<ListParams>,
) -> Result<Response, PageError> {
    page.require(Role::Viewer)?;
    page.section = Some(Section::Stories);
    let t = texts::<StoriesTexts>(page.language);
    let grouping = grouping_of(&params.by)?;
    let workspace = page.workspace()?.id.clone();
    let (stories, goals, users, by_story) = tokio::try_join!(
        state.store.stories(&workspace),
        state.store.goals(&workspace),
        state.store.users(),
        state
            .store
            .engagement_rollup(&workspace, EngagementGrouping::Story),
    )?;
    let rollup = if grouping == EngagementGrouping::Story {
        by_story.clone()
    } else {
        state.store.engagement_rollup(&workspace, grouping).await?
    };
    let names = names(&users);
    let goal_names: HashMap<i64, String> =
        goals.iter().map(|g| (g.id, g.draft.name.clone())).collect();
    let engagement: HashMap<String, u64> = by_story
        .iter()
        .filter_map(|r| Some((r.key.clone()?, engagement_total(r))))
        .collect();
    let mut rows = Vec::with_capacity(stories.len());
    for story in &stories {
        let posts = state.store.story_posts(&workspace, story.id).await?;
        rows.push(StoryRow {
            link: page.ws_link(&format!("stories/{}", story.id)),
            title: story.draft.title.clone(),
            topic: t.topic(&story.draft.topic),
            goal: story.draft.goal.and_then(|g| goal_names.get(&g).cloned()),
            owner: name_of(&names, &story.draft.owner),
            counts: PostStatus::ALL
                .iter()
                .map(|s| {
                    let n = posts.iter().filter(|p| p.workflow.status == *s).count();
                    (s.as_str(), t.status(s), n)
                })
                .filter(|(_, _, n)| *n > 0)
                .collect(),
            engagement: engagement
                .get(&story.id.to_string())
                .map(|n| page.fmt.number(*n)),
        });
    }
    let rollup = rollup
        .iter()
        .map(|r| RollupRow {
            label: match (grouping, &r.key) {
                (EngagementGrouping::Topic, Some(key)) => Topic::parse(key)
                    .map_or_else(|| r.label.clone(), |topic| t.topic(&topic).to_owned()),
                (EngagementGrouping::Goal, None) => t.no_goal.to_owned(),
                _ => r.label.clone(),
            },
            posts: page.fmt.number(r.posts),
            likes: page.fmt.number(r.likes),
            shares: page.fmt.number(r.shares),
            replies: page.fmt.number(r.replies),
            views: r
                .views
                .map_or_else(|| t.none.to_owned(), |v| page.fmt.number(v)),
        })
        .collect();
    render(&ListTemplate {
        t,
        rows,
        grouping: match grouping {
            EngagementGrouping::Story => "story",
            EngagementGrouping::Topic => "topic",
            EngagementGrouping::Goal => "goal",
        },
        rollup,
        page: &page,
    })
}

// == Creating and editing a story ==

#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct StoryForm {
    title: String,
    topic: String,
    summary: String,
    goal: String,
    owner: String,
}

impl StoryForm {
    fn of(story: &Story) -> StoryForm {
        StoryForm {
            title: story.draft.title.clone(),
            topic: story.draft.topic.as_str().to_owned(),
            summary: story.draft.summary.clone(),
            goal: story.draft.goal.map(|g| g.to_string()).unwrap_or_default(),
            owner: story.draft.owner.clone(),
        }
    }

    /// The draft, or the first problem in the user's words.
    fn draft(
        &self,
        t: &'static StoriesTexts,
        goals: &[Goal],
        users: &[UserRecord],
    ) -> Result<StoryDraft, &'static str> {
        let title = self.title.trim();
        if title.is_empty() || title.chars().count() > MAX_TITLE_CHARS {
            return Err(t.err_title);
        }
        let topic = Topic::parse(self.topic.trim()).ok_or(t.err_topic)?;
        if self.summary.chars().count() > MAX_PROSE_CHARS {
            return Err(t.err_summary);
        }
        let goal = match self.goal.trim() {
            "" => None,
            id => Some(
                goals
                    .iter()
                    .find(|g| g.id.to_string() == id)
                    .ok_or(t.err_goal)?
                    .id,
            ),
        };
        let owner = users
            .iter()
            .find(|u| u.email.eq_ignore_ascii_case(self.owner.trim()))
            .ok_or(t.err_owner)?
            .email
            .clone();
        Ok(StoryDraft {
            title: title.to_owned(),
            topic,
            summary: self.summary.trim().to_owned(),
            goal,
            owner,
        })
    }
}

#[derive(askama::Template)]
#[template(path = "stories_form.html")]
struct FormTemplate<'a> {
    page: &'a Page,
    t: &'static StoriesTexts,
    /// `None` for a new story.
    story: Option<i64>,
    form: StoryForm,
    goals: Vec<Goal>,
    users: Vec<UserRecord>,
    error: Option<&'static str>,
}

impl FormTemplate<'_> {
    fn action(&self) -> String {
        match self.story {
            Some(id) => self.page.ws_link(&format!("stories/{id}")),
            None => self.page.ws_link("stories"),
        }
    }
}

async fn render_form(
    state: &AppState,
    page: &Page,
    story: Option<i64>,
    form: StoryForm,
    error: Option<&'static str>,
) -> Result<Response, PageError> {
    let workspace = &page.workspace()?.id;
    let (goals, users) = tokio::try_join!(state.store.goals(workspace), state.store.users())?;
    let mut response = render(&FormTemplate {
        page,
        t: texts::<StoriesTexts>(page.language),
        story,
        form,
        goals,
        users,
        error,
    })?;
    if error.is_some() {
        *response.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(response)
}

/// `GET /w/{ws}/stories/new`.
async fn new_story(State(state): State<AppState>, mut page: Page) -> Result<Response, PageError> {
    page.require(Role::Editor)?;
    page.section = Some(Section::Stories);
    let form = StoryForm {
        owner: page.user.email.clone(),
        ..StoryForm::default()
    };
    render_form(&state, &page, None, form, None).await
}

/// `GET /w/{ws}/stories/{id}/edit`.
async fn edit(
    State(state): State<AppState>,
    mut page: Page,
    AppPath((_, id)): AppPath<(String, i64)>,
) -> Result<Response, PageError> {
    page.require(Role::Editor)?;
    page.section = Some(Section::Stories);
    let story = load_story(&state, &page, id).await?;
    render_form(&state, &page, Some(id), StoryForm::of(&story), None).await
}

/// `POST /w/{ws}/stories`: a new story.
async fn create(
    State(state): State<AppState>,
    mut page: Page,
    AppForm(form): AppForm<StoryForm>,
) -> Result<Response, PageError> {
    page.require(Role::Editor)?;
    page.section = Some(Section::Stories);
    let t = texts::<StoriesTexts>(page.language);
    let workspace = page.workspace()?.id.clone();
    let (goals, users) = tokio::try_join!(state.store.goals(&workspace), state.store.users())?;
    let draft = match form.draft(t, &goals, &users) {
        Ok(draft) => draft,
        Err(error) => return render_form(&state, &page, None, form, Some(error)).await,
    };
    let story = state
        .store
        .create_story(&workspace, &draft, &page.user.email, page.now)
        .await?;
    page.audit(
        &state,
        "story.create",
        &format!("story:{}", story.id),
        &draft.title,
    )
    .await?;
    Ok(done(&page, &page.ws_link(&format!("stories/{}", story.id))))
}

/// `POST /w/{ws}/stories/{id}`: changes a story.
async fn update(
    State(state): State<AppState>,
    mut page: Page,
    AppPath((_, id)): AppPath<(String, i64)>,
    AppForm(form): AppForm<StoryForm>,
) -> Result<Response, PageError> {
    page.require(Role::Editor)?;
    page.section = Some(Section::Stories);
    let t = texts::<StoriesTexts>(page.language);
    let before = load_story(&state, &page, id).await?;
    let workspace = page.workspace()?.id.clone();
    let (goals, users) = tokio::try_join!(state.store.goals(&workspace), state.store.users())?;
    let draft = match form.draft(t, &goals, &users) {
        Ok(draft) => draft,
        Err(error) => return render_form(&state, &page, Some(id), form, Some(error)).await,
    };
    state
        .store
        .update_story(&workspace, id, &draft, page.now)
        .await?;
    let mut changed = Vec::new();
    if before.draft.title != draft.title {
        changed.push("title");
    }
    if before.draft.topic != draft.topic {
        changed.push("topic");
    }
    if before.draft.summary != draft.summary {
        changed.push("summary");
    }
    if before.draft.goal != draft.goal {
        changed.push("goal");
    }
    if before.draft.owner != draft.owner {
        changed.push("owner");
    }
    page.audit(
        &state,
        "story.update",
        &format!("story:{id}"),
        &format!("changed: {}", changed.join(", ")),
    )
    .await?;
    Ok(done(&page, &page.ws_link(&format!("stories/{id}"))))
}

// == One story ==

pub struct ProofView {
    pub id: i64,
    pub statement: String,
    pub url: Option<String>,
    pub document: Option<String>,
    pub by: String,
    pub at: String,
}

pub struct PostRow {
    pub link: String,
    pub status: &'static str,
    pub status_label: &'static str,
    pub excerpt: String,
    /// `Planned 3 Dec 2026, 10:00` or like.
    pub when: Option<String>,
}

pub struct ChannelPosts {
    pub channel: String,
    pub posts: Vec<PostRow>,
}

#[derive(askama::Template)]
#[template(path = "stories_story.html")]
struct StoryTemplate<'a> {
    page: &'a Page,
    t: &'static StoriesTexts,
    story: &'a Story,
    topic: &'static str,
    goal: Option<String>,
    owner: String,
    created_by: String,
    created_at: String,
    proofs: Vec<ProofView>,
    channels: Vec<ChannelPosts>,
    sources: Vec<(String, String)>,
    effect_href: String,
    error: Option<String>,
    proof_statement: String,
    proof_url: String,
}

/// What a failed proof point form keeps, to show again.
#[derive(Default)]
struct ProofFeedback {
    error: Option<String>,
    /// 422 unless said otherwise.
    status: Option<StatusCode>,
    statement: String,
    url: String,
}

impl ProofFeedback {
    fn refused(error: &AppError) -> ProofFeedback {
        ProofFeedback {
            error: Some(error.to_string()),
            status: Some(error.status()),
            ..ProofFeedback::default()
        }
    }
}

fn excerpt(text: &str, chars: usize) -> String {
    let mut out: String = text.chars().take(chars).collect();
    if text.chars().nth(chars).is_some() {
        out.push('…');
    }
    out
}

async fn render_story(
    state: &AppState,
    page: &Page,
    id: i64,
    feedback: ProofFeedback,
) -> Result<Response, PageError> {
    let t = texts::<StoriesTexts>(page.language);
    let story = load_story(state, page, id).await?;
    let workspace = page.workspace()?.id.clone();
    let (goals, users, posts) = tokio::try_join!(
        state.store.goals(&workspace),
        state.store.users(),
        state.store.story_posts(&workspace, id),
    )?;
    let sources = posting_sources(state, page).await?;
    let names = names(&users);
    let proofs = story
        .proof_points
        .iter()
        .map(|p| ProofView {
            id: p.id,
            statement: p.draft.statement.clone(),
            url: p.draft.source_url.as_deref().and_then(checked_url),
            document: p
                .draft
                .document
                .map(|d| page.ws_link(&format!("attachments/{d}"))),
            by: name_of(&names, &p.created_by),
            at: page.fmt.date(&p.created_at),
        })
        .collect();
    let mut channels: Vec<ChannelPosts> = Vec::new();
    for post in &posts {
        let channel = channel_label(&post.content.channel);
        let row = post_row(page, t, post);
        match channels.iter_mut().find(|c| c.channel == channel) {
            Some(group) => group.posts.push(row),
            None => channels.push(ChannelPosts {
                channel,
                posts: vec![row],
            }),
        }
    }
    let response = render(&StoryTemplate {
        page,
        t,
        topic: t.topic(&story.draft.topic),
        goal: story
            .draft
            .goal
            .and_then(|g| goals.iter().find(|goal| goal.id == g))
            .map(|g| g.draft.name.clone()),
        owner: name_of(&names, &story.draft.owner),
        created_by: name_of(&names, &story.created_by),
        created_at: page.fmt.date(&story.created_at),
        proofs,
        channels,
        sources: sources
            .iter()
            .map(|s| (s.key.to_string(), channel_label(&s.key)))
            .collect(),
        effect_href: page.ws_link(&format!("stories/{id}/effect")),
        error: feedback.error.clone(),
        proof_statement: feedback.statement,
        proof_url: feedback.url,
        story: &story,
    })?;
    Ok(match feedback.error {
        Some(_) => with_refusal(
            page,
            response,
            feedback.status.unwrap_or(StatusCode::UNPROCESSABLE_ENTITY),
        ),
        None => response,
    })
}

fn post_row(page: &Page, t: &'static StoriesTexts, post: &Post) -> PostRow {
    let when = if let Some(published) = &post.published {
        Some(format!(
            "{} {}",
            t.published,
            page.fmt.datetime(&published.at)
        ))
    } else if let Some(at) = post.workflow.scheduled_at {
        Some(format!("{} {}", t.scheduled, page.fmt.datetime(&at)))
    } else {
        post.content
            .planned_at
            .map(|at| format!("{} {}", t.planned, page.fmt.datetime(&at)))
    };
    PostRow {
        link: page.ws_link(&format!("posts/{}", post.id)),
        status: post.workflow.status.as_str(),
        status_label: t.status(&post.workflow.status),
        excerpt: if post.content.text.trim().is_empty() {
            t.empty_post.to_owned()
        } else {
            excerpt(&post.content.text, 140)
        },
        when,
    }
}

/// `GET /w/{ws}/stories/{id}`.
async fn show(
    State(state): State<AppState>,
    mut page: Page,
    AppPath((_, id)): AppPath<(String, i64)>,
) -> Result<Response, PageError> {
    page.require(Role::Viewer)?;
    page.section = Some(Section::Stories);
    render_story(&state, &page, id, ProofFeedback::default()).await
}

/// `POST /w/{ws}/stories/{id}/proof-points`: a statement with a link, a document (a
/// multipart upload) or neither.
async fn add_proof_point(
    State(state): State<AppState>,
    mut page: Page,
    AppPath((_, id)): AppPath<(String, i64)>,
    request: Request,
) -> Result<Response, PageError> {
    page.require(Role::Editor)?;
    page.section = Some(Section::Stories);
    let t = texts::<StoriesTexts>(page.language);
    load_story(&state, &page, id).await?;
    let form = match UploadForm::read(request).await {
        Ok(form) => form,
        Err(error) => return render_story(&state, &page, id, ProofFeedback::refused(&error)).await,
    };
    let statement = form.text("statement")?.trim().to_owned();
    let url = form.text("source_url")?.trim().to_owned();
    let problem = |error: &'static str, statement: String, url: String| ProofFeedback {
        error: Some(error.to_owned()),
        status: None,
        statement,
        url,
    };
    if statement.is_empty() || statement.chars().count() > MAX_PROSE_CHARS {
        return render_story(&state, &page, id, problem(t.err_statement, statement, url)).await;
    }
    let source_url = match url.as_str() {
        "" => None,
        given => match checked_url(given) {
            Some(url) => Some(url),
            None => {
                return render_story(&state, &page, id, problem(t.err_url, statement, url)).await;
            }
        },
    };
    let workspace = page.workspace()?.id.clone();
    let file = match form.checked_file("document") {
        Ok(file) => file,
        Err(error) => {
            let feedback = ProofFeedback {
                statement,
                url,
                ..ProofFeedback::refused(&error)
            };
            return render_story(&state, &page, id, feedback).await;
        }
    };
    let document = match file {
        None => None,
        Some(file) => {
            let Some(media_type) = upload::sniff(&file.data) else {
                return render_story(&state, &page, id, problem(t.err_document, statement, url))
                    .await;
            };
            let stored = state
                .store
                .put_attachment(
                    &workspace,
                    &NewAttachment {
                        filename: upload::safe_filename(file.filename.as_deref().unwrap_or("")),
                        media_type: media_type.to_owned(),
                        alt_text: statement.clone(),
                        bytes: file.data.clone(),
                    },
                    &page.user.email,
                    page.now,
                )
                .await;
            match stored {
                Ok(attachment) => Some(attachment.id),
                Err(StoreError::Invalid(message)) => {
                    let feedback = ProofFeedback {
                        error: Some(message),
                        status: None,
                        statement,
                        url,
                    };
                    return render_story(&state, &page, id, feedback).await;
                }
                Err(other) => return Err(other.into()),
            }
        }
    };
    let proof = state
        .store
        .add_proof_point(
            &workspace,
            id,
            &ProofPointDraft {
                statement: statement.clone(),
                source_url: source_url.clone(),
                document,
            },
            &page.user.email,
            page.now,
        )
        .await?;
    page.audit(
        &state,
        "story.proof_add",
        &format!("story:{id}"),
        &format!(
            "proof point {}: {}{}{}",
            proof.id,
            excerpt(&statement, 80),
            source_url.map(|u| format!(" · {u}")).unwrap_or_default(),
            document
                .map(|d| format!(" · attachment {d}"))
                .unwrap_or_default()
        ),
    )
    .await?;
    Ok(done(&page, &page.ws_link(&format!("stories/{id}"))))
}

/// `POST /w/{ws}/stories/{id}/proof-points/{proof}/delete`.
async fn delete_proof_point(
    State(state): State<AppState>,
    page: Page,
    AppPath((_, id, proof)): AppPath<(String, i64, i64)>,
) -> Result<Response, PageError> {
    page.require(Role::Editor)?;
    let story = load_story(&state, &page, id).await?;
    let Some(point) = story.proof_points.iter().find(|p| p.id == proof) else {
        return Err(AppError::NotFound(format!("no proof point {proof} on story {id}")).into());
    };
    let workspace = page.workspace()?.id.clone();
    state.store.delete_proof_point(&workspace, proof).await?;
    page.audit(
        &state,
        "story.proof_delete",
        &format!("story:{id}"),
        &format!(
            "proof point {proof}: {}",
            excerpt(&point.draft.statement, 80)
        ),
    )
    .await?;
    Ok(done(&page, &page.ws_link(&format!("stories/{id}"))))
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct NewPostForm {
    /// `kind:name` of a source that can post.
    channel: String,
}

/// `POST /w/{ws}/stories/{id}/posts`: an empty draft on a channel, opened in the editor.
async fn new_post(
    State(state): State<AppState>,
    mut page: Page,
    AppPath((_, id)): AppPath<(String, i64)>,
    AppForm(form): AppForm<NewPostForm>,
) -> Result<Response, PageError> {
    page.require(Role::Editor)?;
    page.section = Some(Section::Stories);
    let t = texts::<StoriesTexts>(page.language);
    load_story(&state, &page, id).await?;
    let sources = posting_sources(&state, &page).await?;
    let Some(source) = sources
        .iter()
        .find(|s| s.key.to_string() == form.channel.trim())
    else {
        let feedback = ProofFeedback {
            error: Some(t.err_channel.to_owned()),
            ..ProofFeedback::default()
        };
        return render_story(&state, &page, id, feedback).await;
    };
    let workspace = page.workspace()?.id.clone();
    let post = state
        .store
        .create_post(
            &workspace,
            &NewPost {
                story: id,
                channel: source.key.clone(),
                text: String::new(),
                attachments: Vec::new(),
                planned_at: None,
            },
            &page.user.email,
            page.now,
        )
        .await?;
    Ok(done(&page, &page.ws_link(&format!("posts/{}", post.id))))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_http_links_with_a_host_are_sources() {
        assert_eq!(
            checked_url(" https://nordlys.no/rapport.pdf ").as_deref(),
            Some("https://nordlys.no/rapport.pdf")
        );
        assert!(checked_url("http://x.no").is_some());
        assert!(checked_url("javascript:alert(1)").is_none());
        assert!(checked_url("JAVASCRIPT://x.no%0aalert(1)").is_none());
        assert!(checked_url("https://").is_none());
        assert!(checked_url("https:///path").is_none());
        assert!(checked_url("https://a.no/\"><script>").is_some_and(|u| u.contains('"')));
        assert!(checked_url("https://a.no/ b").is_none());
        assert!(checked_url("data:text/html,<b>").is_none());
    }

    #[test]
    fn excerpts_end_on_a_character() {
        assert_eq!(excerpt("æøå", 2), "æø…");
        assert_eq!(excerpt("abc", 3), "abc");
    }
}
