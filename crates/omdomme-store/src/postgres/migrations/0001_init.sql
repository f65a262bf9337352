-- Schema 1 (PostgreSQL): workspaces, sources, items, hourly rollups, counters, users and
-- sessions; the PostgreSQL dialect of the SQLite backend's 0001_init. Applied once, in a
-- transaction, by `postgres::schema::migrate`; never edit it after release: add the next.

CREATE TABLE workspaces (
    id        bigserial PRIMARY KEY,
    key       text    NOT NULL UNIQUE,
    name      text    NOT NULL,
    synthetic boolean NOT NULL,
    -- The brands as the JSON of `Vec<Brand>`: few, always read together with the workspace.
    brands    jsonb   NOT NULL
);

CREATE TABLE sources (
    id           bigserial PRIMARY KEY,
    workspace_id bigint NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    kind         text   NOT NULL,
    name         text   NOT NULL,
    UNIQUE (workspace_id, kind, name)
);

-- An item's identity: one row per (source, external id), whatever month it falls in. A
-- partitioned table can only enforce keys that contain its partition key, so the identity
-- lives here and `items` is keyed by (id, published_at); `published_at` here lets a lookup
-- by id go straight to the item's month.
CREATE TABLE item_keys (
    id           bigserial   PRIMARY KEY,
    source_id    bigint      NOT NULL REFERENCES sources (id),
    external_id  text        NOT NULL,
    workspace_id bigint      NOT NULL,
    published_at timestamptz NOT NULL,
    UNIQUE (source_id, external_id)
);
CREATE INDEX item_keys_by_workspace ON item_keys (workspace_id, id);

-- The items, one partition per calendar month (UTC) of `published_at`, made on demand by
-- `postgres::items::ensure_partitions` and named `items_yYYYYmMM`: an old month can be
-- detached (`ALTER TABLE items DETACH PARTITION items_y2023m01`) and archived.
CREATE TABLE items (
    id               bigint      NOT NULL,
    workspace_id     bigint      NOT NULL,
    source_id        bigint      NOT NULL,
    external_id      text        NOT NULL,
    kind             text        NOT NULL,
    author_handle    text        NOT NULL,
    author_name      text,
    author_followers bigint,
    author_verified  boolean     NOT NULL,
    title            text,
    text             text        NOT NULL,
    url              text,
    thread_id        text,
    parent_id        text,
    likes            bigint      NOT NULL,
    shares           bigint      NOT NULL,
    replies          bigint      NOT NULL,
    views            bigint,
    published_at     timestamptz NOT NULL,
    collected_at     timestamptz NOT NULL,
    declared_lang    text,
    lang             text        NOT NULL,
    sentiment        text        NOT NULL,
    sentiment_score  double precision NOT NULL,
    -- `TopicSet::bits`.
    topics           integer     NOT NULL,
    stakeholder      text,
    -- JSON array of brand ids.
    brands           jsonb       NOT NULL,
    inquiry          boolean     NOT NULL,
    model            text        NOT NULL,
    synthetic        boolean     NOT NULL,
    -- Hash of everything but `collected_at` (the SQLite backend's `content_hash`): tells
    -- "unchanged" from "updated" without reading the old text back.
    content_hash     bigint      NOT NULL,
    -- Full text in the item's language: PostgreSQL's `norwegian` configuration for bokmål
    -- and nynorsk, `english` for English, `simple` (no stemming) for the rest.
    search           tsvector GENERATED ALWAYS AS (
        to_tsvector(
            CASE lang
                WHEN 'nb' THEN 'norwegian'::regconfig
                WHEN 'nn' THEN 'norwegian'::regconfig
                WHEN 'en' THEN 'english'::regconfig
                ELSE 'simple'::regconfig
            END,
            coalesce(title, '') || ' ' || text
        )
    ) STORED,
    PRIMARY KEY (id, published_at)
) PARTITION BY RANGE (published_at);
CREATE INDEX items_by_workspace_published ON items (workspace_id, published_at);
CREATE INDEX items_search ON items USING gin (search);

-- Volume per hour, kept on write in the items' transaction; see the SQLite backend's
-- `rollups` module for the '*' rows.
CREATE TABLE rollup_hourly (
    workspace_id   bigint NOT NULL,
    brand          text   NOT NULL,
    topic          text   NOT NULL,
    hour           bigint NOT NULL,
    source_kind    text   NOT NULL,
    negative       bigint NOT NULL,
    neutral        bigint NOT NULL,
    positive       bigint NOT NULL,
    score_negative double precision NOT NULL,
    score_neutral  double precision NOT NULL,
    score_positive double precision NOT NULL,
    PRIMARY KEY (workspace_id, brand, topic, hour, source_kind)
);

-- Item counts for `stats`, kept on write so stats never scans items. Times are unix
-- microseconds, as the rollups count them.
CREATE TABLE item_counts (
    workspace_id bigint NOT NULL,
    source_kind  text   NOT NULL,
    lang         text   NOT NULL,
    items        bigint NOT NULL,
    oldest       bigint,
    newest       bigint,
    PRIMARY KEY (workspace_id, source_kind, lang)
);

-- Emails compare without case: the key is the lower-cased email, `email` as given.
CREATE TABLE users (
    email_key     text NOT NULL PRIMARY KEY,
    email         text NOT NULL,
    name          text NOT NULL,
    role          text NOT NULL,
    password_hash text NOT NULL
);

CREATE TABLE sessions (
    token_hash text        NOT NULL PRIMARY KEY,
    email      text        NOT NULL,
    expires_at timestamptz NOT NULL
);
CREATE INDEX sessions_by_email ON sessions (lower(email));
