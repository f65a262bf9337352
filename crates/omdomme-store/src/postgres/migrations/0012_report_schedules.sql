-- Schema 12 (PostgreSQL): the leadership report by e-mail; the PostgreSQL dialect of the
-- SQLite backend's 0012_report_schedules. Never edit it after release: add the next one
-- instead.

CREATE TABLE report_schedules (
    workspace_id bigint      PRIMARY KEY,
    -- `off`, `weekly`, `monthly`.
    cadence      text        NOT NULL,
    -- `nb`, `en`.
    language     text        NOT NULL,
    -- Every user with the leader role gets it.
    to_leaders   boolean     NOT NULL,
    -- Array of further addresses, in lower case.
    addresses    jsonb       NOT NULL,
    updated_by   text        NOT NULL,
    updated_at   timestamptz NOT NULL
);

CREATE TABLE report_sends (
    id           bigserial   PRIMARY KEY,
    workspace_id bigint      NOT NULL,
    -- `2026-W47`, `2026-11`.
    period       text        NOT NULL,
    scheduled    boolean     NOT NULL,
    language     text        NOT NULL,
    -- Array of the addresses it went to.
    recipients   jsonb       NOT NULL,
    requested_by text        NOT NULL,
    -- `sending`, `sent`, `failed`.
    state        text        NOT NULL,
    attempts     integer     NOT NULL,
    detail       text        NOT NULL,
    started_at   timestamptz NOT NULL,
    finished_at  timestamptz
);
-- One scheduled sending per workspace and period, whoever races for it ("send now" may
-- send a period again): `begin_report_send` inserts against it.
CREATE UNIQUE INDEX report_sends_scheduled ON report_sends (workspace_id, period)
    WHERE scheduled;
-- The page lists a workspace's newest sendings.
CREATE INDEX report_sends_by_workspace ON report_sends (workspace_id, id);
