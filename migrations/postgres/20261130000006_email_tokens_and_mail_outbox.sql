-- Links sent by mail (PostgreSQL; the SQLite twin lives in ../sqlite), and
-- the mail itself, written in the same transaction as what it announces.

-- A verification or password-reset link. Only the SHA-256 of its token is
-- kept; a row dies when used, when a newer one of the same purpose is issued,
-- or (for resets) when the password changes.
CREATE TABLE email_tokens (
    token_hash TEXT        PRIMARY KEY CHECK (char_length(token_hash) = 64),
    user_id    UUID        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    purpose    TEXT        NOT NULL CHECK (purpose IN ('verify_email', 'reset_password')),
    created_at TIMESTAMPTZ NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX ix_email_tokens_user ON email_tokens (user_id, purpose);

-- Mail waiting for the background worker. A worker claims due rows (SKIP
-- LOCKED, so replicas never take the same row) until `claimed_until`; a sent
-- row keeps its envelope and loses its bodies, which may carry live links.
CREATE TABLE mail_outbox (
    id              UUID        PRIMARY KEY,
    recipient       TEXT        NOT NULL,
    subject         TEXT        NOT NULL,
    text_body       TEXT        NOT NULL,
    html_body       TEXT        NOT NULL,
    kind            TEXT        NOT NULL,
    created_at      TIMESTAMPTZ NOT NULL,
    attempts        INTEGER     NOT NULL DEFAULT 0,
    next_attempt_at TIMESTAMPTZ NOT NULL,
    claimed_until   TIMESTAMPTZ,
    sent_at         TIMESTAMPTZ,
    failed_at       TIMESTAMPTZ,
    last_error      TEXT
);
CREATE INDEX ix_mail_outbox_due ON mail_outbox (next_attempt_at)
    WHERE sent_at IS NULL AND failed_at IS NULL;

-- The user agents each account has signed in from, so that a sign-in from a
-- new one can be announced by mail. Sessions cannot tell: they are deleted.
CREATE TABLE known_user_agents (
    user_id         UUID        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    user_agent_hash TEXT        NOT NULL CHECK (char_length(user_agent_hash) = 64),
    first_seen_at   TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (user_id, user_agent_hash)
);
