-- Schema 3: live sources' definitions, cursors, health and sealed credentials. Rows with a
-- NULL `spec` are sources only seen in items (file imports).
ALTER TABLE sources
    -- `json`, not `jsonb`: kept exactly as given (the store never reads it).
    ADD COLUMN spec       json,
    ADD COLUMN origin     text,
    ADD COLUMN enabled    boolean NOT NULL DEFAULT true,
    ADD COLUMN cursor     text,
    ADD COLUMN health     jsonb,
    -- XChaCha20-Poly1305 ciphertext sealed by the binary; the store never sees the plaintext.
    ADD COLUMN credential bytea,
    ADD COLUMN created_at timestamptz,
    ADD COLUMN updated_at timestamptz;
