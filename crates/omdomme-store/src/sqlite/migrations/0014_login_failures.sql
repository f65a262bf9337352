-- Schema 14: failed logins (issue 8), counted here rather than in each web process so that
-- every node behind a load balancer counts against one limit. One row per key (an account
-- or a client address) while its window runs; rows of ended windows are deleted when the
-- next failure is counted. Times are unix microseconds (UTC). Never edit it after release.

CREATE TABLE login_failures (
    key          TEXT    PRIMARY KEY,
    count        INTEGER NOT NULL,
    window_start INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX login_failures_by_window ON login_failures (window_start);
