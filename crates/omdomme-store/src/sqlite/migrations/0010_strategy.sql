-- Schema 11: the leadership group's strategy (issue 7). The business type a workspace chose
-- and what each channel is for, and the audience planner's figures (JSON the
-- `omdomme-strategy` crate reads and checks). Goals stay in `goals` (schema 8). Times are
-- unix microseconds (UTC). Never edit it after release: add the next one instead.

CREATE TABLE strategies (
    workspace_id  INTEGER PRIMARY KEY,
    -- `consumer_goods`, `service_provider`, `engineering`; NULL until one is chosen.
    business_type TEXT,
    updated_by    TEXT    NOT NULL,
    updated_at    INTEGER NOT NULL
);

-- One row per channel that has a role: few per workspace.
CREATE TABLE channel_roles (
    workspace_id INTEGER NOT NULL,
    -- A source kind that can post.
    channel      TEXT    NOT NULL,
    purpose      TEXT    NOT NULL,
    PRIMARY KEY (workspace_id, channel)
) WITHOUT ROWID;

CREATE TABLE audience_plans (
    workspace_id INTEGER PRIMARY KEY,
    json         TEXT    NOT NULL,
    updated_by   TEXT    NOT NULL,
    updated_at   INTEGER NOT NULL
);
