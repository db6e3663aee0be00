-- Passkeys (WebAuthn) (PostgreSQL; the SQLite twin lives in ../sqlite).

-- An account's passkeys: the public key and signature counter, as
-- webauthn-rs keeps them (JSON), found by the credential id at sign-in.
CREATE TABLE passkeys (
    id            UUID         PRIMARY KEY,
    user_id       UUID         NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    -- base64url, as browsers send it.
    credential_id TEXT         NOT NULL CHECK (char_length(credential_id) <= 1400),
    name          VARCHAR(100) NOT NULL,
    passkey       TEXT         NOT NULL,
    created_at    TIMESTAMPTZ  NOT NULL,
    last_used_at  TIMESTAMPTZ
);
CREATE UNIQUE INDEX ix_passkeys_credential_id ON passkeys (credential_id);
CREATE INDEX ix_passkeys_user_id ON passkeys (user_id);

-- A WebAuthn ceremony between its start and its finish (a few minutes at
-- most), which may land on another replica: the server's half of it,
-- serialised. Used once: the finish deletes it.
CREATE TABLE webauthn_challenges (
    id         UUID        PRIMARY KEY,
    purpose    TEXT        NOT NULL CHECK (purpose IN ('register', 'verify', 'sign_in')),
    -- The account and session that started it; none for a passkey sign-in.
    user_id    UUID        REFERENCES users (id) ON DELETE CASCADE,
    session_id UUID        REFERENCES sessions (id) ON DELETE CASCADE,
    state      TEXT        NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX ix_webauthn_challenges_expires_at ON webauthn_challenges (expires_at);
