-- Schema 9 (PostgreSQL): the Engagement & Openness index; the PostgreSQL dialect of the
-- SQLite backend's 0009_openness. Each brand's accounts per platform, every public
-- inquiry about a brand with when an account of the brand first answered it, and per
-- brand and UTC day the counts the index reads, kept on write in the items' transaction
-- (`postgres::openness`). Never edit it after release: add the next.
--
-- Unlike SQLite's, this migration has no `openness_rebuild_pending` flag for the store to
-- count the items it already holds when it next opens: it counts them itself, below.

-- An account belongs to one brand of a workspace. Handles in lower case, without `@`.
CREATE TABLE brand_accounts (
    workspace_id bigint NOT NULL,
    source_kind  text   NOT NULL,
    handle       text   NOT NULL,
    brand        text   NOT NULL,
    PRIMARY KEY (workspace_id, source_kind, handle)
);

-- One row per (inquiry, brand it names). Keyed by the platform's id, not the source's, so
-- an answer collected by another source of the same platform still finds it.
CREATE TABLE openness_inquiries (
    workspace_id bigint      NOT NULL,
    source_kind  text        NOT NULL,
    external_id  text        NOT NULL,
    brand        text        NOT NULL,
    item_id      bigint      NOT NULL,
    -- Whole days since 1970-01-01 UTC of `published_at`.
    day          bigint      NOT NULL,
    published_at timestamptz NOT NULL,
    -- On a CSR topic (any topic but product).
    csr          boolean     NOT NULL,
    -- The first answer by one of the brand's accounts; NULL while unanswered.
    answered_at  timestamptz,
    PRIMARY KEY (workspace_id, source_kind, external_id, brand)
);
CREATE INDEX openness_inquiries_by_item ON openness_inquiries (item_id);
CREATE INDEX openness_inquiries_by_day ON openness_inquiries (workspace_id, brand, day);

-- Per brand and day: the inquiries (on the inquiry's day, answered or not), and the
-- brand's own items (on their day): replies, broadcast posts and those posts' engagement.
CREATE TABLE openness_daily (
    workspace_id              bigint NOT NULL,
    brand                     text   NOT NULL,
    day                       bigint NOT NULL,
    inquiries                 bigint NOT NULL,
    answered                  bigint NOT NULL,
    csr_inquiries             bigint NOT NULL,
    csr_answered              bigint NOT NULL,
    own_replies               bigint NOT NULL,
    own_posts                 bigint NOT NULL,
    own_post_engagement       bigint NOT NULL,
    posts_with_followers      bigint NOT NULL,
    engagement_with_followers bigint NOT NULL,
    followers                 bigint NOT NULL,
    PRIMARY KEY (workspace_id, brand, day)
);

-- Answered inquiries per response-time bucket (`omdomme_core::openness::RESPONSE_BUCKET_MINUTES`),
-- on the inquiry's day: the median and p90 of any period from a few rows a day.
CREATE TABLE openness_response_daily (
    workspace_id bigint NOT NULL,
    brand        text   NOT NULL,
    day          bigint NOT NULL,
    bucket       bigint NOT NULL,
    answered     bigint NOT NULL,
    PRIMARY KEY (workspace_id, brand, day, bucket)
);

-- The items stored before this schema. No brand has an account yet (the table is new), so
-- what `postgres::openness::rebuild` would count is their inquiries alone, none answered:
-- every (item, brand it names) flagged as an inquiry, the lowest item id for a platform
-- item collected by two sources. 63 is `openness::csr_bits()`: every topic but product.
INSERT INTO openness_inquiries (workspace_id, source_kind, external_id, brand, item_id, day,
                                published_at, csr, answered_at)
SELECT DISTINCT ON (i.workspace_id, s.kind, i.external_id, b.brand)
       i.workspace_id, s.kind, i.external_id, b.brand, i.id,
       floor(extract(epoch FROM i.published_at) / 86400)::bigint,
       i.published_at, (i.topics & 63) <> 0, NULL
FROM items i
JOIN sources s ON s.id = i.source_id
CROSS JOIN LATERAL jsonb_array_elements_text(i.brands) AS b (brand)
WHERE i.inquiry
ORDER BY i.workspace_id, s.kind, i.external_id, b.brand, i.id;

INSERT INTO openness_daily (workspace_id, brand, day, inquiries, answered, csr_inquiries,
                            csr_answered, own_replies, own_posts, own_post_engagement,
                            posts_with_followers, engagement_with_followers, followers)
SELECT workspace_id, brand, day, count(*), 0, count(*) FILTER (WHERE csr), 0, 0, 0, 0, 0, 0, 0
FROM openness_inquiries
GROUP BY workspace_id, brand, day;
