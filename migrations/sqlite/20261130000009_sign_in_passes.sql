-- Where an account's owner has proved themselves by mail (SQLite; the
-- PostgreSQL twin, with the reasons, lives in ../postgres).
CREATE TABLE sign_in_passes (
    user_id    BLOB NOT NULL CHECK (length(user_id) = 16) REFERENCES users (id) ON DELETE CASCADE,
    network    TEXT NOT NULL CHECK (length(network) <= 64),
    expires_at TEXT NOT NULL,
    PRIMARY KEY (user_id, network)
) STRICT;
