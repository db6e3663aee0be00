-- Passkeys (WebAuthn) (SQLite; the PostgreSQL twin, with the reasons, lives
-- in ../postgres).
CREATE TABLE passkeys (
    id            BLOB PRIMARY KEY NOT NULL CHECK (length(id) = 16),
    user_id       BLOB NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    credential_id TEXT NOT NULL CHECK (length(credential_id) <= 1400),
    name          TEXT NOT NULL CHECK (length(name) <= 100),
    passkey       TEXT NOT NULL,
    created_at    TEXT NOT NULL,
    last_used_at  TEXT
) STRICT;
CREATE UNIQUE INDEX ix_passkeys_credential_id ON passkeys (credential_id);
CREATE INDEX ix_passkeys_user_id ON passkeys (user_id);

CREATE TABLE webauthn_challenges (
    id         BLOB PRIMARY KEY NOT NULL CHECK (length(id) = 16),
    purpose    TEXT NOT NULL CHECK (purpose IN ('register', 'verify', 'sign_in')),
    user_id    BLOB REFERENCES users (id) ON DELETE CASCADE,
    session_id BLOB REFERENCES sessions (id) ON DELETE CASCADE,
    state      TEXT NOT NULL,
    expires_at TEXT NOT NULL
) STRICT;
CREATE INDEX ix_webauthn_challenges_expires_at ON webauthn_challenges (expires_at);
