-- Links sent by mail (SQLite; the PostgreSQL twin, with the reasons, lives in
-- ../postgres), and the mail itself.

CREATE TABLE email_tokens (
    token_hash TEXT NOT NULL PRIMARY KEY CHECK (length(token_hash) = 64),
    user_id    BLOB NOT NULL CHECK (length(user_id) = 16) REFERENCES users (id) ON DELETE CASCADE,
    purpose    TEXT NOT NULL CHECK (purpose IN ('verify_email', 'reset_password')),
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL
) STRICT;
CREATE INDEX ix_email_tokens_user ON email_tokens (user_id, purpose);

CREATE TABLE mail_outbox (
    id              BLOB    NOT NULL PRIMARY KEY CHECK (length(id) = 16),
    recipient       TEXT    NOT NULL,
    subject         TEXT    NOT NULL,
    text_body       TEXT    NOT NULL,
    html_body       TEXT    NOT NULL,
    kind            TEXT    NOT NULL,
    created_at      TEXT    NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT    NOT NULL,
    claimed_until   TEXT,
    sent_at         TEXT,
    failed_at       TEXT,
    last_error      TEXT
) STRICT;
CREATE INDEX ix_mail_outbox_due ON mail_outbox (next_attempt_at)
    WHERE sent_at IS NULL AND failed_at IS NULL;

CREATE TABLE known_user_agents (
    user_id         BLOB NOT NULL CHECK (length(user_id) = 16) REFERENCES users (id) ON DELETE CASCADE,
    user_agent_hash TEXT NOT NULL CHECK (length(user_agent_hash) = 64),
    first_seen_at   TEXT NOT NULL,
    PRIMARY KEY (user_id, user_agent_hash)
) STRICT;
