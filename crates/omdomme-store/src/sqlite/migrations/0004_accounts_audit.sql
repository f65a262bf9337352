-- Schema 4: each user's interface language, and the audit log of who changed what.

ALTER TABLE users ADD COLUMN language TEXT NOT NULL DEFAULT 'nb';

-- Append-only. `workspace` is the workspace key, NULL for changes outside any workspace
-- (users, logins). Read newest first, by workspace or by actor.
CREATE TABLE audit_log (
    id        INTEGER PRIMARY KEY,
    at        INTEGER NOT NULL,
    actor     TEXT    NOT NULL,
    workspace TEXT,
    action    TEXT    NOT NULL,
    target    TEXT    NOT NULL,
    detail    TEXT    NOT NULL
);
CREATE INDEX audit_by_workspace ON audit_log (workspace, id);
CREATE INDEX audit_by_actor ON audit_log (actor COLLATE NOCASE, id);
