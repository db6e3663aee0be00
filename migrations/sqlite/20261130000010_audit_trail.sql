-- The audit trail (SQLite; the PostgreSQL twin, with the reasons, lives in
-- ../postgres). SQLite cannot add a column with a random default, so the
-- service sets `audit_id` on insert and existing rows get theirs here.
ALTER TABLE users ADD COLUMN audit_id BLOB NOT NULL
    DEFAULT x'00000000000000000000000000000000' CHECK (length(audit_id) = 16);
UPDATE users SET audit_id = randomblob(16);
CREATE UNIQUE INDEX ix_users_audit_id ON users (audit_id);
ALTER TABLE users ADD COLUMN last_sign_in_at TEXT;

CREATE TABLE audit_blocks (
    seq           INTEGER PRIMARY KEY NOT NULL CHECK (seq > 0),
    sealed_at     TEXT    NOT NULL,
    event_count   INTEGER NOT NULL CHECK (event_count > 0),
    first_at      TEXT    NOT NULL,
    last_at       TEXT    NOT NULL,
    previous_hash TEXT    NOT NULL CHECK (length(previous_hash) = 64),
    hash          TEXT    NOT NULL CHECK (length(hash) = 64)
) STRICT;

CREATE TABLE auth_events (
    id            BLOB    PRIMARY KEY NOT NULL CHECK (length(id) = 16),
    occurred_at   TEXT    NOT NULL,
    kind          TEXT    NOT NULL CHECK (length(kind) <= 40),
    outcome       TEXT    NOT NULL CHECK (outcome IN ('success', 'failure')),
    actor         TEXT    NOT NULL CHECK (actor IN ('self', 'admin', 'system')),
    subject       BLOB    CHECK (length(subject) = 16),
    actor_subject BLOB    CHECK (length(actor_subject) = 16),
    session_id    BLOB    CHECK (length(session_id) = 16),
    ip_address    TEXT    CHECK (length(ip_address) <= 45),
    user_agent    TEXT    CHECK (length(user_agent) <= 500),
    detail        TEXT    NOT NULL DEFAULT '{}' CHECK (length(detail) <= 1000),
    block         INTEGER REFERENCES audit_blocks (seq)
) STRICT;

CREATE INDEX ix_auth_events_subject ON auth_events (subject, occurred_at DESC, id DESC);
CREATE INDEX ix_auth_events_occurred_at ON auth_events (occurred_at DESC, id DESC);
CREATE INDEX ix_auth_events_unsealed ON auth_events (occurred_at, id) WHERE block IS NULL;
CREATE INDEX ix_auth_events_block ON auth_events (block);

CREATE TRIGGER trg_auth_events_no_update
    BEFORE UPDATE ON auth_events
    FOR EACH ROW WHEN NOT (
        OLD.block IS NULL AND NEW.block IS NOT NULL
        AND NEW.id IS OLD.id AND NEW.occurred_at IS OLD.occurred_at AND NEW.kind IS OLD.kind
        AND NEW.outcome IS OLD.outcome AND NEW.actor IS OLD.actor AND NEW.subject IS OLD.subject
        AND NEW.actor_subject IS OLD.actor_subject AND NEW.session_id IS OLD.session_id
        AND NEW.ip_address IS OLD.ip_address AND NEW.user_agent IS OLD.user_agent
        AND NEW.detail IS OLD.detail)
BEGIN
    SELECT RAISE(ABORT, 'auth_events is append-only');
END;

CREATE TRIGGER trg_auth_events_no_delete
    BEFORE DELETE ON auth_events
    FOR EACH ROW WHEN OLD.block IS NULL
BEGIN
    SELECT RAISE(ABORT, 'auth_events is append-only');
END;

CREATE TRIGGER trg_audit_blocks_immutable
    BEFORE UPDATE ON audit_blocks
BEGIN
    SELECT RAISE(ABORT, 'audit_blocks cannot be changed');
END;
