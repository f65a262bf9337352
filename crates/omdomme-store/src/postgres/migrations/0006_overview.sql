-- Schema 6 (PostgreSQL): author rows for the overview's top authors and amplifiers, kept on
-- write in the items' transaction like `rollup_hourly`, so the overview never reads items;
-- the PostgreSQL dialect of the SQLite backend's 0006_overview (see there, and
-- `sqlite::rollups`, for the rule).

-- One row per brand an item names, its UTC day, source kind and author handle.
CREATE TABLE author_daily (
    workspace_id bigint NOT NULL,
    brand        text   NOT NULL,
    -- Whole days since 1970-01-01 UTC of `published_at`.
    day          bigint NOT NULL,
    source_kind  text   NOT NULL,
    author       text   NOT NULL,
    items        bigint NOT NULL,
    -- Likes, shares and replies summed.
    engagement   bigint NOT NULL,
    -- The most followers seen on the author's items that day; 0 when the platform gives none.
    followers    bigint NOT NULL,
    PRIMARY KEY (workspace_id, brand, source_kind, author, day)
);

-- Each author's rows of `author_daily` summed over all days; `reach` is followers times
-- items, and both only grow, so they bound what any period can hold.
CREATE TABLE author_totals (
    workspace_id bigint NOT NULL,
    brand        text   NOT NULL,
    source_kind  text   NOT NULL,
    author       text   NOT NULL,
    items        bigint NOT NULL,
    engagement   bigint NOT NULL,
    followers    bigint NOT NULL,
    reach        bigint NOT NULL,
    PRIMARY KEY (workspace_id, brand, source_kind, author)
);
-- SQLite's two indexes, with the rest of the key: a top list reads candidates best first a
-- page at a time, each page after the last one read (keyset), in index order.
CREATE INDEX author_totals_by_items
    ON author_totals (workspace_id, brand, items, source_kind, author);
CREATE INDEX author_totals_by_reach
    ON author_totals (workspace_id, brand, reach, source_kind, author);

-- The items stored before this schema.
INSERT INTO author_daily (workspace_id, brand, day, source_kind, author, items, engagement,
                          followers)
SELECT i.workspace_id, b.value,
       floor(extract(epoch FROM i.published_at) / 86400)::bigint,
       s.kind, i.author_handle, count(*), sum(i.likes + i.shares + i.replies),
       max(coalesce(i.author_followers, 0))
FROM items i JOIN sources s ON s.id = i.source_id,
     jsonb_array_elements_text(i.brands) AS b (value)
GROUP BY 1, 2, 3, 4, 5;

INSERT INTO author_totals (workspace_id, brand, source_kind, author, items, engagement,
                           followers, reach)
SELECT workspace_id, brand, source_kind, author, sum(items), sum(engagement), max(followers),
       max(followers) * sum(items)
FROM author_daily GROUP BY 1, 2, 3, 4;
