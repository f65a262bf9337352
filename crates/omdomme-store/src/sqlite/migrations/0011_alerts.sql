-- Schema 11: early warning (issue 7). Where a workspace's alerts go, the detector's
-- thresholds, the alerts raised with their evidence and the outcome of each delivery, and
-- the detector's cursor in the items. Times are unix microseconds (UTC). Never edit it
-- after release: add the next one instead.

-- A channel's URL (webhook, Slack/Teams) or e-mail addresses hold its secret, so they are
-- kept sealed by the caller (like source credentials) and never read back by a page: the
-- page shows `hint`, a masked tail.
CREATE TABLE alert_channels (
    workspace_id INTEGER NOT NULL,
    name         TEXT    NOT NULL,
    -- `webhook`, `chat`, `email`.
    kind         TEXT    NOT NULL,
    sealed       BLOB    NOT NULL,
    hint         TEXT    NOT NULL,
    -- `nb` or `en`: the language of the messages.
    lang         TEXT    NOT NULL,
    enabled      INTEGER NOT NULL,
    updated_by   TEXT    NOT NULL,
    updated_at   INTEGER NOT NULL,
    PRIMARY KEY (workspace_id, name)
) WITHOUT ROWID;

-- The detector's `Thresholds` as JSON; no row means the defaults.
CREATE TABLE alert_settings (
    workspace_id INTEGER PRIMARY KEY,
    thresholds   TEXT    NOT NULL,
    updated_by   TEXT    NOT NULL,
    updated_at   INTEGER NOT NULL
);

-- The last item id the detector has seen; it moves only in the transaction that stores
-- the alerts those items raised, so a restart neither re-sends nor skips.
CREATE TABLE alert_cursors (
    workspace_id INTEGER PRIMARY KEY,
    last_item    INTEGER NOT NULL
);

CREATE TABLE alerts (
    id           INTEGER PRIMARY KEY,
    workspace_id INTEGER NOT NULL,
    brand        TEXT    NOT NULL,
    -- NULL: every topic.
    topic        TEXT,
    -- `spike`, `influencer`, `press`, `csr_negative`.
    kind         TEXT    NOT NULL,
    -- The detector's `Reason` as JSON (figures for the message).
    reason       TEXT    NOT NULL,
    -- `published_at` of the item that raised it, and the start of its hour.
    at           INTEGER NOT NULL,
    hour         INTEGER NOT NULL,
    raised_at    INTEGER NOT NULL,
    -- JSON array of item ids, first the one that raised it.
    evidence     TEXT    NOT NULL
);
CREATE INDEX alerts_by_workspace ON alerts (workspace_id, id);

-- One row per alert and channel it went to.
CREATE TABLE alert_deliveries (
    alert_id   INTEGER NOT NULL,
    channel    TEXT    NOT NULL,
    -- `pending`, `sent`, `recorded` (a synthetic workspace: kept, never sent), `failed`.
    state      TEXT    NOT NULL,
    attempts   INTEGER NOT NULL,
    -- Why it failed; never the channel's URL.
    error      TEXT,
    at         INTEGER,
    PRIMARY KEY (alert_id, channel)
) WITHOUT ROWID;
CREATE INDEX alert_deliveries_pending ON alert_deliveries (state) WHERE state = 'pending';
