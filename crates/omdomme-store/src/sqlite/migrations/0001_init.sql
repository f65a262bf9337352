-- Schema 1: workspaces, sources, items, hourly rollups, counters, users and sessions.
-- Applied once, in a transaction, by `sqlite::schema::migrate`; never edit it after release:
-- add 0002_*.sql instead.

CREATE TABLE workspaces (
    id        INTEGER PRIMARY KEY,
    key       TEXT    NOT NULL UNIQUE,
    name      TEXT    NOT NULL,
    synthetic INTEGER NOT NULL,
    -- The brands as the JSON of `Vec<Brand>`: few, always read together with the workspace.
    brands    TEXT    NOT NULL
);

CREATE TABLE sources (
    id           INTEGER PRIMARY KEY,
    workspace_id INTEGER NOT NULL,
    kind         TEXT    NOT NULL,
    name         TEXT    NOT NULL,
    UNIQUE (workspace_id, kind, name)
);

-- One row per (source, external id). Times are unix microseconds (UTC). Only the indexes
-- the store itself needs: every index costs on each of the 50,000 inserts a second.
CREATE TABLE items (
    id               INTEGER PRIMARY KEY,
    workspace_id     INTEGER NOT NULL,
    source_id        INTEGER NOT NULL,
    external_id      TEXT    NOT NULL,
    kind             TEXT    NOT NULL,
    author_handle    TEXT    NOT NULL,
    author_name      TEXT,
    author_followers INTEGER,
    author_verified  INTEGER NOT NULL,
    title            TEXT,
    text             TEXT    NOT NULL,
    url              TEXT,
    thread_id        TEXT,
    parent_id        TEXT,
    likes            INTEGER NOT NULL,
    shares           INTEGER NOT NULL,
    replies          INTEGER NOT NULL,
    views            INTEGER,
    published_at     INTEGER NOT NULL,
    collected_at     INTEGER NOT NULL,
    declared_lang    TEXT,
    lang             TEXT    NOT NULL,
    sentiment        TEXT    NOT NULL,
    sentiment_score  REAL    NOT NULL,
    -- `TopicSet::bits`.
    topics           INTEGER NOT NULL,
    stakeholder      TEXT,
    -- JSON array of brand ids.
    brands           TEXT    NOT NULL,
    inquiry          INTEGER NOT NULL,
    model            TEXT    NOT NULL,
    synthetic        INTEGER NOT NULL,
    -- Hash of everything but `collected_at`: tells "unchanged" from "updated" without
    -- reading the old text back.
    content_hash     INTEGER NOT NULL,
    -- Global, increasing on every insert and change: the index catches up from it.
    change_seq       INTEGER NOT NULL
);
CREATE UNIQUE INDEX items_by_source_external ON items (source_id, external_id);
CREATE INDEX items_by_workspace ON items (workspace_id, id);
CREATE INDEX items_by_change_seq ON items (change_seq);

-- Volume per hour, kept on write. Each item adds to one row per (brand, topic) pair of
-- ({'*'} + its brands) x ({'*'} + its topics), '*' meaning "any": so volume without a brand
-- filter reads brand '*', a brand's volume reads its own rows, and each item counts once in
-- each. Counts and score sums per sentiment label are columns, not rows: a third the rows.
CREATE TABLE rollup_hourly (
    workspace_id INTEGER NOT NULL,
    brand        TEXT    NOT NULL,
    topic        TEXT    NOT NULL,
    hour         INTEGER NOT NULL,
    source_kind  TEXT    NOT NULL,
    negative     INTEGER NOT NULL,
    neutral      INTEGER NOT NULL,
    positive     INTEGER NOT NULL,
    score_negative REAL  NOT NULL,
    score_neutral  REAL  NOT NULL,
    score_positive REAL  NOT NULL,
    PRIMARY KEY (workspace_id, brand, topic, hour, source_kind)
) WITHOUT ROWID;

-- Item counts for `stats`, kept on write so stats never scans items.
CREATE TABLE item_counts (
    workspace_id INTEGER NOT NULL,
    source_kind  TEXT    NOT NULL,
    lang         TEXT    NOT NULL,
    items        INTEGER NOT NULL,
    oldest       INTEGER,
    newest       INTEGER,
    PRIMARY KEY (workspace_id, source_kind, lang)
) WITHOUT ROWID;

CREATE TABLE users (
    email         TEXT NOT NULL PRIMARY KEY COLLATE NOCASE,
    name          TEXT NOT NULL,
    role          TEXT NOT NULL,
    password_hash TEXT NOT NULL
);

CREATE TABLE sessions (
    token_hash TEXT    NOT NULL PRIMARY KEY,
    email      TEXT    NOT NULL COLLATE NOCASE,
    expires_at INTEGER NOT NULL
);
CREATE INDEX sessions_by_email ON sessions (email);
