-- Multi-factor sign-in (SQLite; the PostgreSQL twin, with the reasons, lives
-- in ../postgres).
ALTER TABLE users ADD COLUMN mfa_enabled INTEGER NOT NULL DEFAULT 0
    CHECK (mfa_enabled IN (0, 1));

ALTER TABLE sessions ADD COLUMN aal INTEGER NOT NULL DEFAULT 1 CHECK (aal IN (1, 2));
-- SQLite cannot add a NOT NULL column without a default: the service always
-- sets it, and existing sessions take their creation time.
ALTER TABLE sessions ADD COLUMN auth_time TEXT NOT NULL DEFAULT '1970-01-01T00:00:00+00:00';
UPDATE sessions SET auth_time = created_at;

CREATE TABLE totp_factors (
    user_id        BLOB    PRIMARY KEY NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    sealed_secret  BLOB    NOT NULL,
    confirmed_at   TEXT,
    last_used_step INTEGER,
    created_at     TEXT    NOT NULL
) STRICT;

CREATE TABLE recovery_codes (
    user_id    BLOB NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    code_hash  TEXT NOT NULL CHECK (length(code_hash) = 64),
    used_at    TEXT,
    created_at TEXT NOT NULL,
    PRIMARY KEY (user_id, code_hash)
) STRICT;
