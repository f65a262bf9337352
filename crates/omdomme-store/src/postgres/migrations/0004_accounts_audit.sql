-- Schema 4: each user's interface language, and the audit log of who changed what.
ALTER TABLE users ADD COLUMN language text NOT NULL DEFAULT 'nb';

-- Append-only. `workspace` is the workspace key, NULL for changes outside any workspace.
CREATE TABLE audit_log (
    id        bigserial   PRIMARY KEY,
    at        timestamptz NOT NULL,
    actor     text        NOT NULL,
    workspace text,
    action    text        NOT NULL,
    target    text        NOT NULL,
    detail    text        NOT NULL
);
CREATE INDEX audit_by_workspace ON audit_log (workspace, id);
CREATE INDEX audit_by_actor ON audit_log (lower(actor), id);
