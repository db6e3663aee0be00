-- Multi-factor sign-in (PostgreSQL; the SQLite twin lives in ../sqlite).

-- Whether the account has a second factor (an authenticator app confirmed,
-- or a passkey): kept by the statements that add and remove factors, so that
-- authenticating a request reads it with the row it reads anyway.
ALTER TABLE users ADD COLUMN mfa_enabled BOOLEAN NOT NULL DEFAULT FALSE;

-- How strongly each session's owner proved themselves (the authentication
-- assurance level: 1 a password, 2 a second factor or a passkey) and when
-- last (a sign-in, a second factor, a re-authentication).
ALTER TABLE sessions ADD COLUMN aal SMALLINT NOT NULL DEFAULT 1 CHECK (aal IN (1, 2));
ALTER TABLE sessions ADD COLUMN auth_time TIMESTAMPTZ;
UPDATE sessions SET auth_time = created_at;
ALTER TABLE sessions ALTER COLUMN auth_time SET NOT NULL;

-- One authenticator app per account. The secret is sealed (XChaCha20-Poly1305,
-- a key derived from SECRET_KEY, the account id as associated data): nonce
-- then ciphertext. Unconfirmed while enrolling.
CREATE TABLE totp_factors (
    user_id        UUID        PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    sealed_secret  BYTEA       NOT NULL,
    confirmed_at   TIMESTAMPTZ,
    -- The time step of the last code accepted: that code, and every one
    -- before it, is refused from then on (no replay within the window).
    last_used_step BIGINT,
    created_at     TIMESTAMPTZ NOT NULL
);

-- Single-use recovery codes, as SHA-256 hashes (80 random bits each).
CREATE TABLE recovery_codes (
    user_id    UUID        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    code_hash  TEXT        NOT NULL CHECK (char_length(code_hash) = 64),
    used_at    TIMESTAMPTZ,
    created_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (user_id, code_hash)
);
