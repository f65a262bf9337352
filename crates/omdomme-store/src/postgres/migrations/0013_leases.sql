-- Schema 13 in PostgreSQL's dialect: leases (issue 8), as the embedded store's 0013. Work
-- that must run in one process at a time (a source's polling, the web's publisher and
-- alert loops) is done only by the holder of its lease. A row outlives its holders so the
-- fencing token only ever grows. Never edit it after release: add the next one instead.

CREATE TABLE leases (
    name        text        PRIMARY KEY,
    holder      text        NOT NULL,
    -- Grows by one at every change of holder (and after a release): a write carrying an
    -- older token comes from a holder that lost the lease.
    token       bigint      NOT NULL CHECK (token > 0),
    acquired_at timestamptz NOT NULL,
    -- At or after this the lease is free; a release sets it to the release time.
    expires_at  timestamptz NOT NULL
);
