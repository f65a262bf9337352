-- Schema 10 (PostgreSQL): the leadership group's strategy; the PostgreSQL dialect of the
-- SQLite backend's 0010_strategy. Never edit it after release: add the next one instead.

CREATE TABLE strategies (
    workspace_id  bigint      PRIMARY KEY,
    -- `consumer_goods`, `service_provider`, `engineering`; NULL until one is chosen.
    business_type text,
    updated_by    text        NOT NULL,
    updated_at    timestamptz NOT NULL
);

-- One row per channel that has a role: few per workspace.
CREATE TABLE channel_roles (
    workspace_id bigint NOT NULL,
    -- A source kind that can post.
    channel      text   NOT NULL,
    purpose      text   NOT NULL,
    PRIMARY KEY (workspace_id, channel)
);

CREATE TABLE audience_plans (
    workspace_id bigint      PRIMARY KEY,
    -- `json`, not `jsonb`: the planner's text is kept exactly as given.
    json         json        NOT NULL,
    updated_by   text        NOT NULL,
    updated_at   timestamptz NOT NULL
);
