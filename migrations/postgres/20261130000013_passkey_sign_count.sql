-- Each passkey's signature counter in a column of its own (PostgreSQL; the
-- SQLite twin lives in ../sqlite), so that a use is kept by one
-- compare-and-set on it: an answer counts only if its count is past the
-- stored one (or both are 0: a synced passkey, which has no counter),
-- whatever copy of the passkey its ceremony took when it started, and of
-- two concurrent uses the slower cannot write a lower count back.
-- 0 to 2^32 - 1: WebAuthn's counter is 32 bits, unsigned.
ALTER TABLE passkeys ADD COLUMN sign_count BIGINT NOT NULL DEFAULT 0
    CHECK (sign_count BETWEEN 0 AND 4294967295);
-- Existing passkeys take the count webauthn-rs kept in their JSON
-- (`cred.counter`), 0 if it has none.
UPDATE passkeys SET sign_count = COALESCE((passkey::jsonb #>> '{cred,counter}')::BIGINT, 0);
