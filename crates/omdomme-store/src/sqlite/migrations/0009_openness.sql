-- Schema 10: the Engagement & Openness index. Each brand's accounts per platform, every
-- public inquiry about a brand with when an account of the brand first answered it, and
-- per brand and UTC day the counts the index reads, kept on write in the items'
-- transaction. Applied once by `sqlite::schema::migrate`; never edit it after release.

-- An account belongs to one brand of a workspace. Handles in lower case, without `@`.
CREATE TABLE brand_accounts (
    workspace_id INTEGER NOT NULL,
    source_kind  TEXT    NOT NULL,
    handle       TEXT    NOT NULL,
    brand        TEXT    NOT NULL,
    PRIMARY KEY (workspace_id, source_kind, handle)
) WITHOUT ROWID;

-- One row per (inquiry, brand it names). Keyed by the platform's id, not the source's, so
-- an answer collected by another source of the same platform still finds it.
CREATE TABLE openness_inquiries (
    workspace_id INTEGER NOT NULL,
    source_kind  TEXT    NOT NULL,
    external_id  TEXT    NOT NULL,
    brand        TEXT    NOT NULL,
    item_id      INTEGER NOT NULL,
    -- Whole days since 1970-01-01 UTC of `published_at`.
    day          INTEGER NOT NULL,
    published_at INTEGER NOT NULL,
    -- On a CSR topic (any topic but product).
    csr          INTEGER NOT NULL,
    -- The first answer by one of the brand's accounts; NULL while unanswered.
    answered_at  INTEGER,
    PRIMARY KEY (workspace_id, source_kind, external_id, brand)
) WITHOUT ROWID;
CREATE INDEX openness_inquiries_by_item ON openness_inquiries (item_id);
CREATE INDEX openness_inquiries_by_day ON openness_inquiries (workspace_id, brand, day);

-- Per brand and day: the inquiries (on the inquiry's day, answered or not), and the
-- brand's own items (on their day): replies, broadcast posts and those posts' engagement.
CREATE TABLE openness_daily (
    workspace_id              INTEGER NOT NULL,
    brand                     TEXT    NOT NULL,
    day                       INTEGER NOT NULL,
    inquiries                 INTEGER NOT NULL,
    answered                  INTEGER NOT NULL,
    csr_inquiries             INTEGER NOT NULL,
    csr_answered              INTEGER NOT NULL,
    own_replies               INTEGER NOT NULL,
    own_posts                 INTEGER NOT NULL,
    own_post_engagement       INTEGER NOT NULL,
    posts_with_followers      INTEGER NOT NULL,
    engagement_with_followers INTEGER NOT NULL,
    followers                 INTEGER NOT NULL,
    PRIMARY KEY (workspace_id, brand, day)
) WITHOUT ROWID;

-- Answered inquiries per response-time bucket (`omdomme_core::openness::RESPONSE_BUCKET_MINUTES`),
-- on the inquiry's day: the median and p90 of any period from a few rows a day.
CREATE TABLE openness_response_daily (
    workspace_id INTEGER NOT NULL,
    brand        TEXT    NOT NULL,
    day          INTEGER NOT NULL,
    bucket       INTEGER NOT NULL,
    answered     INTEGER NOT NULL,
    PRIMARY KEY (workspace_id, brand, day, bucket)
) WITHOUT ROWID;

-- Asks the store, when it next opens, to count the items stored before this schema.
CREATE TABLE openness_rebuild_pending (pending INTEGER NOT NULL);
INSERT INTO openness_rebuild_pending VALUES (1);
