-- Every refresh token a session has rotated away (PostgreSQL; the SQLite twin
-- lives in ../sqlite), so that any of them presented again is recognised as
-- a replay and ends the session (RFC 9700 4.14.2), not only the last one.
-- Only SHA-256 hashes, like sessions.refresh_token_hash; gone with the session.

CREATE TABLE retired_refresh_tokens (
    token_hash TEXT        PRIMARY KEY CHECK (char_length(token_hash) = 64),
    session_id UUID        NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    retired_at TIMESTAMPTZ NOT NULL
);

CREATE INDEX ix_retired_refresh_tokens_session_id ON retired_refresh_tokens (session_id);

-- The token each session rotated away last, from before this table existed.
INSERT INTO retired_refresh_tokens (token_hash, session_id, retired_at)
SELECT previous_token_hash, id, rotated_at FROM sessions
WHERE previous_token_hash IS NOT NULL AND rotated_at IS NOT NULL;
