-- Each passkey's signature counter in a column of its own (SQLite; the
-- PostgreSQL twin, with the reasons, lives in ../postgres). Existing
-- passkeys take the count webauthn-rs kept in their JSON, 0 if none.
ALTER TABLE passkeys ADD COLUMN sign_count INTEGER NOT NULL DEFAULT 0
    CHECK (sign_count BETWEEN 0 AND 4294967295);
UPDATE passkeys SET sign_count = COALESCE(json_extract(passkey, '$.cred.counter'), 0);
