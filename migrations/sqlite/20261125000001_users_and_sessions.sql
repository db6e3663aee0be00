-- Users and their sessions (SQLite). The PostgreSQL twin lives in ../postgres.
-- UUIDs are 16-byte BLOBs and timestamps RFC 3339 TEXT, as sqlx encodes them.

CREATE TABLE users (
    id                BLOB    PRIMARY KEY NOT NULL CHECK (length(id) = 16),
    email             TEXT    NOT NULL CHECK (length(email) <= 255),
    username          TEXT    NOT NULL,
    hashed_password   TEXT    NOT NULL,
    full_name         TEXT    CHECK (length(full_name) <= 255),
    role              TEXT    NOT NULL DEFAULT 'user',
    is_active         INTEGER NOT NULL DEFAULT 1 CHECK (is_active IN (0, 1)),
    max_chats         INTEGER NOT NULL DEFAULT 10,
    oauth_provider    TEXT,
    oauth_provider_id TEXT,
    telegram_chat_id  INTEGER,
    avatar_url        TEXT    CHECK (length(avatar_url) <= 500),
    created_at        TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%f+00:00', 'now')),
    updated_at        TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%f+00:00', 'now')),
    CONSTRAINT ck_users_role CHECK (role IN ('user', 'admin')),
    CONSTRAINT ck_users_username_length CHECK (length(username) BETWEEN 3 AND 50)
) STRICT;

-- Emails are stored lower-cased by the service; usernames keep their case for
-- display but "Alice" and "alice" are one name.
CREATE UNIQUE INDEX ix_users_email ON users (email);
CREATE UNIQUE INDEX ix_users_username ON users (lower(username));

-- Statements that set updated_at themselves are left alone (and recursion is
-- impossible: the inner UPDATE changes updated_at, so WHEN is false for it).
CREATE TRIGGER trg_users_updated_at
    AFTER UPDATE ON users
    FOR EACH ROW WHEN NEW.updated_at = OLD.updated_at
BEGIN
    UPDATE users SET updated_at = strftime('%Y-%m-%dT%H:%M:%f+00:00', 'now') WHERE id = NEW.id;
END;

CREATE TABLE sessions (
    id                  BLOB    PRIMARY KEY NOT NULL CHECK (length(id) = 16),
    user_id             BLOB    NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    -- SHA-256 hex of the live refresh token; the token itself is never stored.
    refresh_token_hash  TEXT    NOT NULL CHECK (length(refresh_token_hash) = 64),
    -- The token it replaced and when, to tell a replayed old token (revoke the
    -- session) from two tabs refreshing at once (refuse, keep the session).
    previous_token_hash TEXT    CHECK (length(previous_token_hash) = 64),
    rotated_at          TEXT,
    device_info         TEXT    CHECK (length(device_info) <= 500),
    ip_address          TEXT    CHECK (length(ip_address) <= 45),
    expires_at          TEXT    NOT NULL,
    created_at          TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%f+00:00', 'now'))
) STRICT;

CREATE INDEX ix_sessions_user_id ON sessions (user_id);
CREATE UNIQUE INDEX ix_sessions_refresh_token_hash ON sessions (refresh_token_hash);
CREATE INDEX ix_sessions_previous_token_hash ON sessions (previous_token_hash);
