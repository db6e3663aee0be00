-- Password sign-in locked after guessing from many addresses (SQLite; the
-- PostgreSQL twin, with the reasons, lives in ../postgres).
ALTER TABLE users ADD COLUMN signin_locked_at TEXT;

-- SQLite cannot change a CHECK in place: the table is rebuilt with the third
-- purpose allowed. Nothing references it.
CREATE TABLE email_tokens_new (
    token_hash TEXT NOT NULL PRIMARY KEY CHECK (length(token_hash) = 64),
    user_id    BLOB NOT NULL CHECK (length(user_id) = 16) REFERENCES users (id) ON DELETE CASCADE,
    purpose    TEXT NOT NULL
        CHECK (purpose IN ('verify_email', 'reset_password', 'unlock_sign_in')),
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL
) STRICT;
INSERT INTO email_tokens_new SELECT * FROM email_tokens;
DROP TABLE email_tokens;
ALTER TABLE email_tokens_new RENAME TO email_tokens;
CREATE INDEX ix_email_tokens_user ON email_tokens (user_id, purpose);
