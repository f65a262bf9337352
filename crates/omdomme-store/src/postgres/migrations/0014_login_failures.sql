-- Schema 14 in PostgreSQL's dialect: failed logins (issue 8), as the embedded store's 0014.
-- Counted here rather than in each web process so that every node behind a load balancer
-- counts against one limit. Rows of ended windows are deleted when the next failure is
-- counted. Never edit it after release: add the next one instead.

CREATE TABLE login_failures (
    key          text        PRIMARY KEY,
    count        bigint      NOT NULL CHECK (count > 0),
    window_start timestamptz NOT NULL
);
CREATE INDEX login_failures_by_window ON login_failures (window_start);
