-- Schema 8 in PostgreSQL's dialect: stories, as the embedded store's 0008. Goals, CSR
-- stories with their proof points, attachments (the bytes in the row: images and
-- documents are small and few), the posts that tell a story per channel with their
-- workflow state, review comments, each workspace's policy, and the outbox that publishes
-- a post exactly once. Table and column names are the embedded store's (`omdomme migrate`
-- copies by name). Like there, no foreign keys: the store checks a row's workspace itself.
-- Never edit it after release: add the next one instead.

CREATE TABLE goals (
    id           bigserial   PRIMARY KEY,
    workspace_id bigint      NOT NULL,
    name         text        NOT NULL,
    -- A source kind; NULL for all channels.
    channel      text,
    owner        text,
    metric       text        NOT NULL,
    target       double precision,
    -- ISO date (YYYY-MM-DD) as text, as the embedded store keeps it: it sorts as a date.
    deadline     text,
    created_at   timestamptz NOT NULL
);
CREATE INDEX goals_by_workspace ON goals (workspace_id);

CREATE TABLE stories (
    id           bigserial   PRIMARY KEY,
    workspace_id bigint      NOT NULL,
    title        text        NOT NULL,
    topic        text        NOT NULL,
    summary      text        NOT NULL,
    -- Set to NULL when the goal is deleted.
    goal_id      bigint,
    owner        text        NOT NULL,
    created_by   text        NOT NULL,
    created_at   timestamptz NOT NULL,
    updated_at   timestamptz NOT NULL
);
CREATE INDEX stories_by_workspace ON stories (workspace_id, id);
CREATE INDEX stories_by_goal ON stories (goal_id) WHERE goal_id IS NOT NULL;

CREATE TABLE proof_points (
    id          bigserial   PRIMARY KEY,
    story_id    bigint      NOT NULL,
    statement   text        NOT NULL,
    source_url  text,
    document_id bigint,
    created_by  text        NOT NULL,
    created_at  timestamptz NOT NULL
);
CREATE INDEX proof_points_by_story ON proof_points (story_id, id);

CREATE TABLE attachments (
    id           bigserial   PRIMARY KEY,
    workspace_id bigint      NOT NULL,
    filename     text        NOT NULL,
    media_type   text        NOT NULL,
    alt_text     text        NOT NULL,
    size         bigint      NOT NULL,
    bytes        bytea       NOT NULL,
    created_by   text        NOT NULL,
    created_at   timestamptz NOT NULL
);

CREATE TABLE posts (
    id               bigserial   PRIMARY KEY,
    workspace_id     bigint      NOT NULL,
    story_id         bigint      NOT NULL,
    channel_kind     text        NOT NULL,
    channel_name     text        NOT NULL,
    text             text        NOT NULL,
    planned_at       timestamptz,
    -- The workflow (`omdomme_core::Workflow`); `authors` is a JSON array of emails.
    status           text        NOT NULL,
    version          bigint      NOT NULL,
    authors          jsonb       NOT NULL,
    approved_by      text,
    approved_version bigint,
    scheduled_at     timestamptz,
    -- coalesce(published_at, scheduled_at, planned_at), kept on write: what the calendar
    -- reads through `posts_calendar`.
    calendar_at      timestamptz,
    revision         bigint      NOT NULL,
    created_by       text        NOT NULL,
    created_at       timestamptz NOT NULL,
    updated_at       timestamptz NOT NULL,
    published_at     timestamptz,
    external_id      text,
    url              text,
    last_error       text,
    likes            bigint,
    shares           bigint,
    replies          bigint,
    views            bigint,
    engagement_at    timestamptz
);
CREATE INDEX posts_by_story ON posts (story_id, channel_kind, id);
CREATE INDEX posts_calendar ON posts (workspace_id, calendar_at) WHERE calendar_at IS NOT NULL;
-- Only scheduled posts: the scheduler reads a short range every tick.
CREATE INDEX posts_due ON posts (scheduled_at) WHERE status = 'scheduled';
-- Only published posts, never-read first (SQLite sorts NULL first; PostgreSQL is told).
CREATE INDEX posts_engagement ON posts (engagement_at NULLS FIRST) WHERE status = 'published';

CREATE TABLE post_attachments (
    post_id       bigint NOT NULL,
    position      bigint NOT NULL,
    attachment_id bigint NOT NULL,
    PRIMARY KEY (post_id, position)
);

CREATE TABLE post_comments (
    id      bigserial   PRIMARY KEY,
    post_id bigint      NOT NULL,
    author  text        NOT NULL,
    kind    text        NOT NULL,
    body    text        NOT NULL,
    at      timestamptz NOT NULL
);
CREATE INDEX post_comments_by_post ON post_comments (post_id, id);

-- `json` is text, not jsonb, unlike other JSON columns: the policy is given back exactly
-- as it was written (jsonb would reorder and respace it); the store checks it is JSON.
CREATE TABLE policies (
    workspace_id bigint      PRIMARY KEY,
    json         text        NOT NULL,
    updated_by   text        NOT NULL,
    updated_at   timestamptz NOT NULL
);

-- One row per idempotency key (a post's approved version); the newest row of a post is
-- its current attempt. The unique key, with the post's row locked while an attempt
-- begins, lets two processes race to publish a post and only one send it.
CREATE TABLE outbox (
    id              bigserial   PRIMARY KEY,
    key             text        NOT NULL UNIQUE,
    workspace_id    bigint      NOT NULL,
    post_id         bigint      NOT NULL,
    state           text        NOT NULL,
    attempts        bigint      NOT NULL,
    next_attempt_at timestamptz NOT NULL,
    started_at      timestamptz,
    last_error      text
);
CREATE INDEX outbox_by_post ON outbox (post_id, id);

-- A post's history on its page: the audit entries of one target, newest first.
CREATE INDEX audit_by_target ON audit_log (target, workspace, id);
