-- Schema 2: the sentiment towards each brand of an item that names several
-- (`Enrichment::brand_sentiment`). Items stored before keep NULL, which reads as none: their
-- own sentiment stays their brands'. Applied once by `sqlite::schema::migrate`; never edit it
-- after release: add 0003_*.sql instead.

-- The JSON of `Vec<BrandSentiment>`; NULL when empty (most items name one brand or none).
-- A brand's `rollup_hourly` rows count the sentiment towards that brand; the '*' rows count
-- the item's own.
ALTER TABLE items ADD COLUMN brand_sentiment TEXT;
