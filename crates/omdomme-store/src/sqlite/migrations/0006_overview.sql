-- Schema 6: author rows for the overview's top authors and amplifiers, kept on write like
-- `rollup_hourly`, so the overview never reads items: per day, and in all (whose values
-- bound every period's, so a top list reads the few authors that can reach it, best first). Applied once by
-- `sqlite::schema::migrate`; never edit it after release: add 0007_*.sql instead.

-- One row per brand an item names, its UTC day, source kind and author handle (a handle
-- is unique only within its platform). Items naming no brand have none: the overview's
-- authors are those who write about a brand.
CREATE TABLE author_daily (
    workspace_id INTEGER NOT NULL,
    brand        TEXT    NOT NULL,
    -- Whole days since 1970-01-01 UTC of `published_at`.
    day          INTEGER NOT NULL,
    source_kind  TEXT    NOT NULL,
    author       TEXT    NOT NULL,
    items        INTEGER NOT NULL,
    -- Likes, shares and replies summed.
    engagement   INTEGER NOT NULL,
    -- The most followers seen on the author's items that day; 0 when the platform gives none.
    followers    INTEGER NOT NULL,
    PRIMARY KEY (workspace_id, brand, source_kind, author, day)
) WITHOUT ROWID;

-- Each author's rows of `author_daily` summed over all days. `reach` is followers times
-- items; both only grow with new items, so they bound what any period can hold.
CREATE TABLE author_totals (
    workspace_id INTEGER NOT NULL,
    brand        TEXT    NOT NULL,
    source_kind  TEXT    NOT NULL,
    author       TEXT    NOT NULL,
    items        INTEGER NOT NULL,
    engagement   INTEGER NOT NULL,
    followers    INTEGER NOT NULL,
    reach        INTEGER NOT NULL,
    PRIMARY KEY (workspace_id, brand, source_kind, author)
) WITHOUT ROWID;
CREATE INDEX author_totals_by_items ON author_totals (workspace_id, brand, items);
CREATE INDEX author_totals_by_reach ON author_totals (workspace_id, brand, reach);

-- The items stored before this schema.
INSERT INTO author_daily (workspace_id, brand, day, source_kind, author, items, engagement,
                          followers)
SELECT i.workspace_id, b.value,
       CASE WHEN i.published_at >= 0 THEN i.published_at / 86400000000
            ELSE (i.published_at + 1) / 86400000000 - 1 END,
       s.kind, i.author_handle, count(*), sum(i.likes + i.shares + i.replies),
       max(coalesce(i.author_followers, 0))
FROM items i JOIN sources s ON s.id = i.source_id, json_each(i.brands) b
GROUP BY 1, 2, 3, 4, 5;

INSERT INTO author_totals (workspace_id, brand, source_kind, author, items, engagement, followers,
                           reach)
SELECT workspace_id, brand, source_kind, author, sum(items), sum(engagement), max(followers),
       max(followers) * sum(items)
FROM author_daily GROUP BY 1, 2, 3, 4;
