-- Schema 12: the leadership report by e-mail (issue 7). Per workspace how often it goes
-- out and to whom, and every sending with its outcome. A scheduled sending is unique per
-- workspace and period, so no restart sends a period twice. Times are unix microseconds
-- (UTC). Never edit it after release: add the next one instead.

CREATE TABLE report_schedules (
    workspace_id INTEGER PRIMARY KEY,
    -- `off`, `weekly`, `monthly`.
    cadence      TEXT    NOT NULL,
    -- `nb`, `en`.
    language     TEXT    NOT NULL,
    -- 1: every user with the leader role gets it.
    to_leaders   INTEGER NOT NULL,
    -- JSON array of further addresses, in lower case.
    addresses    TEXT    NOT NULL,
    updated_by   TEXT    NOT NULL,
    updated_at   INTEGER NOT NULL
);

CREATE TABLE report_sends (
    id           INTEGER PRIMARY KEY,
    workspace_id INTEGER NOT NULL,
    -- `2026-W47`, `2026-11`.
    period       TEXT    NOT NULL,
    scheduled    INTEGER NOT NULL,
    language     TEXT    NOT NULL,
    -- JSON array of the addresses it went to.
    recipients   TEXT    NOT NULL,
    requested_by TEXT    NOT NULL,
    -- `sending`, `sent`, `failed`.
    state        TEXT    NOT NULL,
    attempts     INTEGER NOT NULL,
    detail       TEXT    NOT NULL,
    started_at   INTEGER NOT NULL,
    finished_at  INTEGER
);
-- One scheduled sending per workspace and period; "send now" may send a period again.
CREATE UNIQUE INDEX report_sends_scheduled ON report_sends (workspace_id, period)
    WHERE scheduled = 1;
-- The page lists a workspace's newest sendings.
CREATE INDEX report_sends_by_workspace ON report_sends (workspace_id, id);
