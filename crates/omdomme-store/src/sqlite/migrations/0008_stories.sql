-- Schema 8: stories. Goals, CSR stories with their proof points, attachments (the bytes
-- in the row: images and documents are small and few), the posts that tell a story per
-- channel with their workflow state, review comments, each workspace's policy, and the
-- outbox that publishes a post exactly once. Times are unix microseconds (UTC). Applied
-- once by `sqlite::schema::migrate`; never edit it after release: add the next one instead.

CREATE TABLE goals (
    id           INTEGER PRIMARY KEY,
    workspace_id INTEGER NOT NULL,
    name         TEXT    NOT NULL,
    -- A source kind; NULL for all channels.
    channel      TEXT,
    owner        TEXT,
    metric       TEXT    NOT NULL,
    target       REAL,
    -- ISO date (YYYY-MM-DD), so it sorts as text.
    deadline     TEXT,
    created_at   INTEGER NOT NULL
);
CREATE INDEX goals_by_workspace ON goals (workspace_id);

CREATE TABLE stories (
    id           INTEGER PRIMARY KEY,
    workspace_id INTEGER NOT NULL,
    title        TEXT    NOT NULL,
    topic        TEXT    NOT NULL,
    summary      TEXT    NOT NULL,
    -- Set to NULL when the goal is deleted.
    goal_id      INTEGER,
    owner        TEXT    NOT NULL,
    created_by   TEXT    NOT NULL,
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL
);
CREATE INDEX stories_by_workspace ON stories (workspace_id, id);
CREATE INDEX stories_by_goal ON stories (goal_id) WHERE goal_id IS NOT NULL;

CREATE TABLE proof_points (
    id          INTEGER PRIMARY KEY,
    story_id    INTEGER NOT NULL,
    statement   TEXT    NOT NULL,
    source_url  TEXT,
    document_id INTEGER,
    created_by  TEXT    NOT NULL,
    created_at  INTEGER NOT NULL
);
CREATE INDEX proof_points_by_story ON proof_points (story_id, id);

CREATE TABLE attachments (
    id           INTEGER PRIMARY KEY,
    workspace_id INTEGER NOT NULL,
    filename     TEXT    NOT NULL,
    media_type   TEXT    NOT NULL,
    alt_text     TEXT    NOT NULL,
    size         INTEGER NOT NULL,
    bytes        BLOB    NOT NULL,
    created_by   TEXT    NOT NULL,
    created_at   INTEGER NOT NULL
);

CREATE TABLE posts (
    id               INTEGER PRIMARY KEY,
    workspace_id     INTEGER NOT NULL,
    story_id         INTEGER NOT NULL,
    channel_kind     TEXT    NOT NULL,
    channel_name     TEXT    NOT NULL,
    text             TEXT    NOT NULL,
    planned_at       INTEGER,
    -- The workflow (`omdomme_core::Workflow`); `authors` is a JSON array of emails.
    status           TEXT    NOT NULL,
    version          INTEGER NOT NULL,
    authors          TEXT    NOT NULL,
    approved_by      TEXT,
    approved_version INTEGER,
    scheduled_at     INTEGER,
    -- coalesce(published_at, scheduled_at, planned_at), kept on write: what the calendar
    -- reads through `posts_calendar`.
    calendar_at      INTEGER,
    revision         INTEGER NOT NULL,
    created_by       TEXT    NOT NULL,
    created_at       INTEGER NOT NULL,
    updated_at       INTEGER NOT NULL,
    published_at     INTEGER,
    external_id      TEXT,
    url              TEXT,
    last_error       TEXT,
    likes            INTEGER,
    shares           INTEGER,
    replies          INTEGER,
    views            INTEGER,
    engagement_at    INTEGER
);
CREATE INDEX posts_by_story ON posts (story_id, channel_kind, id);
CREATE INDEX posts_calendar ON posts (workspace_id, calendar_at) WHERE calendar_at IS NOT NULL;
-- Only scheduled posts: the scheduler reads a short range every tick.
CREATE INDEX posts_due ON posts (scheduled_at) WHERE status = 'scheduled';
-- Only published posts, never-read first: what the engagement reader polls.
CREATE INDEX posts_engagement ON posts (engagement_at) WHERE status = 'published';

CREATE TABLE post_attachments (
    post_id       INTEGER NOT NULL,
    position      INTEGER NOT NULL,
    attachment_id INTEGER NOT NULL,
    PRIMARY KEY (post_id, position)
) WITHOUT ROWID;

CREATE TABLE post_comments (
    id      INTEGER PRIMARY KEY,
    post_id INTEGER NOT NULL,
    author  TEXT    NOT NULL,
    kind    TEXT    NOT NULL,
    body    TEXT    NOT NULL,
    at      INTEGER NOT NULL
);
CREATE INDEX post_comments_by_post ON post_comments (post_id, id);

CREATE TABLE policies (
    workspace_id INTEGER PRIMARY KEY,
    json         TEXT    NOT NULL,
    updated_by   TEXT    NOT NULL,
    updated_at   INTEGER NOT NULL
);

-- One row per idempotency key (a post's approved version); the newest row of a post is
-- its current attempt.
CREATE TABLE outbox (
    id              INTEGER PRIMARY KEY,
    key             TEXT    NOT NULL UNIQUE,
    workspace_id    INTEGER NOT NULL,
    post_id         INTEGER NOT NULL,
    state           TEXT    NOT NULL,
    attempts        INTEGER NOT NULL,
    next_attempt_at INTEGER NOT NULL,
    started_at      INTEGER,
    last_error      TEXT
);
CREATE INDEX outbox_by_post ON outbox (post_id, id);

-- A post's history on its page: the audit entries of one target, newest first.
CREATE INDEX audit_by_target ON audit_log (target, workspace, id);
