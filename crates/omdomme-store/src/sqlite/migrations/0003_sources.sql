-- Schema 3: live sources. A row of `sources` existed for every (workspace, kind, name) that
-- items came from; a source someone configured (in the config file, an OPML import or the
-- web UI) now also carries its definition, cursor, health and sealed credential. Rows with
-- a NULL `spec` are sources only seen in items (file imports). Applied once by
-- `sqlite::schema::migrate`; never edit it after release: add 0004_*.sql instead.

-- The source's definition as JSON (the connectors' `SourceSpec`); the store does not read it.
ALTER TABLE sources ADD COLUMN spec TEXT;
-- `config`, `opml` or `ui`: who owns the definition (config sync touches only its own).
ALTER TABLE sources ADD COLUMN origin TEXT;
ALTER TABLE sources ADD COLUMN enabled INTEGER NOT NULL DEFAULT 1;
-- Where the connector resumes; written in the transaction that stores the batch before it.
ALTER TABLE sources ADD COLUMN cursor TEXT;
-- The JSON of `SourceHealth`.
ALTER TABLE sources ADD COLUMN health TEXT;
-- XChaCha20-Poly1305 ciphertext sealed by the binary; the store never sees the plaintext.
ALTER TABLE sources ADD COLUMN credential BLOB;
-- Unix microseconds (UTC).
ALTER TABLE sources ADD COLUMN created_at INTEGER;
ALTER TABLE sources ADD COLUMN updated_at INTEGER;
