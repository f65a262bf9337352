-- Schema 5 in PostgreSQL's dialect: the inbox, as the embedded store's 0005. An entry per
-- item that deserves an answer, written in the transaction that stores the item; its notes
-- and replies; per-channel SLA policies; saved replies; and entry counts per queue kept on
-- write. Never edit it after release: add the next one instead.
--
-- SQLite compares `assignee` and `first_responder` without case (COLLATE NOCASE); here the
-- values are kept as given and compared through `lower()`, which the assignee index is on.

CREATE TABLE inbox_entries (
    id                bigserial   PRIMARY KEY,
    workspace_id      bigint      NOT NULL,
    -- One entry per item, ever: storing the item again never adds or resets one.
    item_id           bigint      NOT NULL UNIQUE,
    -- The item's source kind: the queue.
    channel           text        NOT NULL,
    status            text        NOT NULL,
    -- status <> 'closed', so the open queue is one index range in deadline order.
    is_open           boolean     NOT NULL,
    assignee          text,
    arrived_at        timestamptz NOT NULL,
    response_due_at   timestamptz NOT NULL,
    resolution_due_at timestamptz NOT NULL,
    -- The deadline the clock runs against: response_due_at until the first reply, then
    -- resolution_due_at. What the inbox sorts by.
    due_at            timestamptz NOT NULL,
    first_response_at timestamptz,
    first_responder   text,
    resolved_at       timestamptz,
    -- When it is escalated if still unanswered; NULL when the policy names nobody.
    escalate_at       timestamptz,
    escalated_at      timestamptz,
    escalated_to      text,
    reply_seq         bigint      NOT NULL DEFAULT 0
);
CREATE INDEX inbox_queue ON inbox_entries (workspace_id, is_open, due_at, id);
CREATE INDEX inbox_by_status ON inbox_entries (workspace_id, status, due_at, id);
CREATE INDEX inbox_by_channel ON inbox_entries (workspace_id, channel, is_open, due_at, id);
CREATE INDEX inbox_by_assignee
    ON inbox_entries (workspace_id, lower(assignee), is_open, due_at, id);
CREATE INDEX inbox_by_arrival ON inbox_entries (workspace_id, arrived_at);
-- Only the entries still waiting to be escalated: the escalation loop reads a short range.
CREATE INDEX inbox_escalation_due ON inbox_entries (escalate_at)
    WHERE escalate_at IS NOT NULL AND escalated_at IS NULL AND first_response_at IS NULL;

-- Entries per workspace, queue and status, kept on write: the inbox's counts never count rows.
CREATE TABLE inbox_counts (
    workspace_id bigint NOT NULL,
    channel      text   NOT NULL,
    status       text   NOT NULL,
    entries      bigint NOT NULL,
    PRIMARY KEY (workspace_id, channel, status)
);

-- Internal notes: never sent.
CREATE TABLE inbox_notes (
    id       bigserial   PRIMARY KEY,
    entry_id bigint      NOT NULL,
    author   text        NOT NULL,
    at       timestamptz NOT NULL,
    text     text        NOT NULL
);
CREATE INDEX inbox_notes_by_entry ON inbox_notes (entry_id, id);

-- Every reply attempted, with what became of it. `key` (entry id and reply number) makes a
-- double click or a retry one reply.
CREATE TABLE inbox_replies (
    id       bigserial   PRIMARY KEY,
    entry_id bigint      NOT NULL,
    key      text        NOT NULL UNIQUE,
    text     text        NOT NULL,
    author   text        NOT NULL,
    at       timestamptz NOT NULL,
    -- The JSON of `ReplyOutcome`.
    outcome  jsonb       NOT NULL
);
CREATE INDEX inbox_replies_by_entry ON inbox_replies (entry_id, id);

CREATE TABLE inbox_saved_replies (
    id           bigserial PRIMARY KEY,
    workspace_id bigint    NOT NULL,
    title        text      NOT NULL,
    text         text      NOT NULL,
    language     text      NOT NULL
);
CREATE INDEX inbox_saved_replies_by_workspace ON inbox_saved_replies (workspace_id, title);

-- Channels without a row use `SlaPolicy::default_for`.
CREATE TABLE inbox_sla (
    workspace_id        bigint NOT NULL,
    channel             text   NOT NULL,
    first_response_mins bigint NOT NULL,
    resolution_mins     bigint NOT NULL,
    escalate_after_mins bigint,
    escalate_to         text,
    PRIMARY KEY (workspace_id, channel)
);

-- Asks the store, when it next connects, to give the items stored before this schema their
-- entries (the rule which items deserve one is Rust's, not SQL's); it deletes the row.
CREATE TABLE inbox_backfill_pending (pending bigint NOT NULL);
INSERT INTO inbox_backfill_pending VALUES (1);
