-- Schema 11 (PostgreSQL): early warning; the PostgreSQL dialect of the SQLite backend's
-- 0011_alerts. Never edit it after release: add the next one instead.

-- A channel's URL or addresses hold its secret: sealed by the caller, never read back by a
-- page, which shows `hint`, a masked tail.
CREATE TABLE alert_channels (
    workspace_id bigint      NOT NULL,
    name         text        NOT NULL,
    -- `webhook`, `chat`, `email`.
    kind         text        NOT NULL,
    sealed       bytea       NOT NULL,
    hint         text        NOT NULL,
    -- `nb` or `en`: the language of the messages.
    lang         text        NOT NULL,
    enabled      boolean     NOT NULL,
    updated_by   text        NOT NULL,
    updated_at   timestamptz NOT NULL,
    PRIMARY KEY (workspace_id, name)
);

-- The detector's `Thresholds`; no row means the defaults. `json`, not `jsonb`: kept
-- exactly as given.
CREATE TABLE alert_settings (
    workspace_id bigint      PRIMARY KEY,
    thresholds   json        NOT NULL,
    updated_by   text        NOT NULL,
    updated_at   timestamptz NOT NULL
);

-- The last item id the detector has seen; it moves only in the transaction that stores
-- the alerts those items raised, and never back.
CREATE TABLE alert_cursors (
    workspace_id bigint PRIMARY KEY,
    last_item    bigint NOT NULL
);

CREATE TABLE alerts (
    id           bigserial   PRIMARY KEY,
    workspace_id bigint      NOT NULL,
    brand        text        NOT NULL,
    -- NULL: every topic.
    topic        text,
    -- `spike`, `influencer`, `press`, `csr_negative`.
    kind         text        NOT NULL,
    -- The detector's `Reason` (figures for the message).
    reason       jsonb       NOT NULL,
    -- `published_at` of the item that raised it, and the start of its hour.
    at           timestamptz NOT NULL,
    hour         timestamptz NOT NULL,
    raised_at    timestamptz NOT NULL,
    -- Array of item ids, first the one that raised it.
    evidence     jsonb       NOT NULL
);
CREATE INDEX alerts_by_workspace ON alerts (workspace_id, id);

-- One row per alert and channel it went to.
CREATE TABLE alert_deliveries (
    alert_id bigint      NOT NULL,
    channel  text        NOT NULL,
    -- `pending`, `sent`, `recorded` (a synthetic workspace: kept, never sent), `failed`.
    state    text        NOT NULL,
    attempts integer     NOT NULL,
    -- Why it failed; never the channel's URL.
    error    text,
    at       timestamptz,
    PRIMARY KEY (alert_id, channel)
);
CREATE INDEX alert_deliveries_pending ON alert_deliveries (state) WHERE state = 'pending';
