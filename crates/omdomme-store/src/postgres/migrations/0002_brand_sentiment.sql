-- Schema 2: the sentiment towards each brand of an item that names several (JSON of
-- `Vec<BrandSentiment>`); NULL when there is none.
ALTER TABLE items ADD COLUMN brand_sentiment jsonb;
