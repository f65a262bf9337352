-- Schema 5: the inbox. An entry per item that deserves an answer, written in the transaction
-- that stores the item; its notes and replies; per-channel SLA policies; saved replies; and
-- entry counts per queue kept on write. Times are unix microseconds (UTC). Applied once by
-- `sqlite::schema::migrate`; never edit it after release: add the next one instead.

CREATE TABLE inbox_entries (
    id                INTEGER PRIMARY KEY,
    workspace_id      INTEGER NOT NULL,
    -- One entry per item, ever: storing the item again never adds or resets one.
    item_id           INTEGER NOT NULL UNIQUE,
    -- The item's source kind: the queue.
    channel           TEXT    NOT NULL,
    status            TEXT    NOT NULL,
    -- status <> 'closed', so the open queue is one index range in deadline order.
    is_open           INTEGER NOT NULL,
    assignee          TEXT    COLLATE NOCASE,
    arrived_at        INTEGER NOT NULL,
    response_due_at   INTEGER NOT NULL,
    resolution_due_at INTEGER NOT NULL,
    -- The deadline the clock runs against: response_due_at until the first reply, then
    -- resolution_due_at. What the inbox sorts by.
    due_at            INTEGER NOT NULL,
    first_response_at INTEGER,
    first_responder   TEXT    COLLATE NOCASE,
    resolved_at       INTEGER,
    -- When it is escalated if still unanswered; NULL when the policy names nobody.
    escalate_at       INTEGER,
    escalated_at      INTEGER,
    escalated_to      TEXT,
    reply_seq         INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX inbox_queue ON inbox_entries (workspace_id, is_open, due_at, id);
CREATE INDEX inbox_by_status ON inbox_entries (workspace_id, status, due_at, id);
CREATE INDEX inbox_by_channel ON inbox_entries (workspace_id, channel, is_open, due_at, id);
CREATE INDEX inbox_by_assignee ON inbox_entries (workspace_id, assignee, is_open, due_at, id);
CREATE INDEX inbox_by_arrival ON inbox_entries (workspace_id, arrived_at);
-- Only the entries still waiting to be escalated: the escalation loop reads a short range.
CREATE INDEX inbox_escalation_due ON inbox_entries (escalate_at)
    WHERE escalate_at IS NOT NULL AND escalated_at IS NULL AND first_response_at IS NULL;

-- Entries per workspace, queue and status, kept on write: the inbox's counts never count rows.
CREATE TABLE inbox_counts (
    workspace_id INTEGER NOT NULL,
    channel      TEXT    NOT NULL,
    status       TEXT    NOT NULL,
    entries      INTEGER NOT NULL,
    PRIMARY KEY (workspace_id, channel, status)
) WITHOUT ROWID;

-- Internal notes: never sent.
CREATE TABLE inbox_notes (
    id       INTEGER PRIMARY KEY,
    entry_id INTEGER NOT NULL,
    author   TEXT    NOT NULL,
    at       INTEGER NOT NULL,
    text     TEXT    NOT NULL
);
CREATE INDEX inbox_notes_by_entry ON inbox_notes (entry_id, id);

-- Every reply attempted, with what became of it. `key` (entry id and reply number) makes a
-- double click or a retry one reply.
CREATE TABLE inbox_replies (
    id       INTEGER PRIMARY KEY,
    entry_id INTEGER NOT NULL,
    key      TEXT    NOT NULL UNIQUE,
    text     TEXT    NOT NULL,
    author   TEXT    NOT NULL,
    at       INTEGER NOT NULL,
    -- The JSON of `ReplyOutcome`.
    outcome  TEXT    NOT NULL
);
CREATE INDEX inbox_replies_by_entry ON inbox_replies (entry_id, id);

CREATE TABLE inbox_saved_replies (
    id           INTEGER PRIMARY KEY,
    workspace_id INTEGER NOT NULL,
    title        TEXT    NOT NULL,
    text         TEXT    NOT NULL,
    language     TEXT    NOT NULL
);
CREATE INDEX inbox_saved_replies_by_workspace ON inbox_saved_replies (workspace_id, title);

-- Channels without a row use `SlaPolicy::default_for`.
CREATE TABLE inbox_sla (
    workspace_id        INTEGER NOT NULL,
    channel             TEXT    NOT NULL,
    first_response_mins INTEGER NOT NULL,
    resolution_mins     INTEGER NOT NULL,
    escalate_after_mins INTEGER,
    escalate_to         TEXT,
    PRIMARY KEY (workspace_id, channel)
) WITHOUT ROWID;

-- Asks the store, when it next opens, to give the items stored before this schema their
-- entries (the rule which items deserve one is Rust's, not SQL's); it deletes the row.
CREATE TABLE inbox_backfill_pending (pending INTEGER NOT NULL);
INSERT INTO inbox_backfill_pending VALUES (1);
