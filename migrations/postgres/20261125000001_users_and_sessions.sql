-- Users and their sessions (PostgreSQL). The SQLite twin lives in ../sqlite.

CREATE TABLE users (
    id                UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    email             VARCHAR(255) NOT NULL,
    username          VARCHAR(50)  NOT NULL,
    hashed_password   VARCHAR(255) NOT NULL,
    full_name         VARCHAR(255),
    role              VARCHAR(20)  NOT NULL DEFAULT 'user',
    is_active         BOOLEAN      NOT NULL DEFAULT TRUE,
    max_chats         INTEGER      NOT NULL DEFAULT 10,
    oauth_provider    VARCHAR(50),
    oauth_provider_id VARCHAR(255),
    telegram_chat_id  BIGINT,
    avatar_url        VARCHAR(500),
    created_at        TIMESTAMPTZ  NOT NULL DEFAULT now(),
    updated_at        TIMESTAMPTZ  NOT NULL DEFAULT now(),
    CONSTRAINT ck_users_role CHECK (role IN ('user', 'admin')),
    CONSTRAINT ck_users_username_length CHECK (char_length(username) BETWEEN 3 AND 50)
);

-- Emails are stored lower-cased by the service; usernames keep their case for
-- display but "Alice" and "alice" are one name.
CREATE UNIQUE INDEX ix_users_email ON users (email);
CREATE UNIQUE INDEX ix_users_username ON users (lower(username));

CREATE FUNCTION set_updated_at() RETURNS trigger AS $$
BEGIN
    NEW.updated_at = now();
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER trg_users_updated_at
    BEFORE UPDATE ON users
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();

CREATE TABLE sessions (
    id                  UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id             UUID        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    -- SHA-256 hex of the live refresh token; the token itself is never stored.
    -- TEXT, not CHAR(64): a text parameter compared with CHAR casts the column
    -- and cannot use the index.
    refresh_token_hash  TEXT        NOT NULL CHECK (char_length(refresh_token_hash) = 64),
    -- The token it replaced and when, to tell a replayed old token (revoke the
    -- session) from two tabs refreshing at once (refuse, keep the session).
    previous_token_hash TEXT        CHECK (char_length(previous_token_hash) = 64),
    rotated_at          TIMESTAMPTZ,
    device_info         VARCHAR(500),
    ip_address          VARCHAR(45),
    expires_at          TIMESTAMPTZ NOT NULL,
    created_at          TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE INDEX ix_sessions_user_id ON sessions (user_id);
CREATE UNIQUE INDEX ix_sessions_refresh_token_hash ON sessions (refresh_token_hash);
CREATE INDEX ix_sessions_previous_token_hash ON sessions (previous_token_hash);
