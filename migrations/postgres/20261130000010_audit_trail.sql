-- The audit trail (PostgreSQL; the SQLite twin lives in ../sqlite).
--
-- Every account has a random audit pseudonym, `users.audit_id`, and its
-- events name it, never the account's id or email: when the account is
-- deleted its row goes and its events stay, under a pseudonym that links
-- to nothing (not even to the app's other data, keyed by the account id).
ALTER TABLE users ADD COLUMN audit_id UUID NOT NULL DEFAULT gen_random_uuid();
CREATE UNIQUE INDEX ix_users_audit_id ON users (audit_id);
ALTER TABLE users ADD COLUMN last_sign_in_at TIMESTAMPTZ;

-- A block seals the events it holds: its hash covers them (in (occurred_at,
-- id) order) and the previous block's hash, so editing, removing or adding a
-- sealed event breaks the chain from that block on (`service audit verify`).
-- Retention drops whole blocks from the oldest.
CREATE TABLE audit_blocks (
    seq           BIGINT      PRIMARY KEY CHECK (seq > 0),
    sealed_at     TIMESTAMPTZ NOT NULL,
    event_count   INTEGER     NOT NULL CHECK (event_count > 0),
    first_at      TIMESTAMPTZ NOT NULL,
    last_at       TIMESTAMPTZ NOT NULL,
    previous_hash TEXT        NOT NULL CHECK (char_length(previous_hash) = 64),
    hash          TEXT        NOT NULL CHECK (char_length(hash) = 64)
);

CREATE TABLE auth_events (
    id            UUID        PRIMARY KEY,
    occurred_at   TIMESTAMPTZ NOT NULL,
    kind          TEXT        NOT NULL CHECK (char_length(kind) <= 40),
    outcome       TEXT        NOT NULL CHECK (outcome IN ('success', 'failure')),
    actor         TEXT        NOT NULL CHECK (actor IN ('self', 'admin', 'system')),
    -- users.audit_id of the account the event is about, and of the admin
    -- who acted; no foreign keys: both outlive the accounts.
    subject       UUID,
    actor_subject UUID,
    session_id    UUID,
    ip_address    TEXT        CHECK (char_length(ip_address) <= 45),
    user_agent    TEXT        CHECK (char_length(user_agent) <= 500),
    -- JSON text, hashed as stored.
    detail        TEXT        NOT NULL DEFAULT '{}' CHECK (char_length(detail) <= 1000),
    block         BIGINT      REFERENCES audit_blocks (seq)
);

CREATE INDEX ix_auth_events_subject ON auth_events (subject, occurred_at DESC, id DESC);
CREATE INDEX ix_auth_events_occurred_at ON auth_events (occurred_at DESC, id DESC);
CREATE INDEX ix_auth_events_unsealed ON auth_events (occurred_at, id) WHERE block IS NULL;
CREATE INDEX ix_auth_events_block ON auth_events (block);

-- Append-only for the service: an event is written once, then sealed once
-- (its block set, nothing else changed); only sealed events are deleted,
-- by the retention sweep, a whole block at a time. (Whoever can drop a
-- trigger can edit rows too: that is what the sealing detects.)
CREATE FUNCTION auth_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND OLD.block IS NULL AND NEW.block IS NOT NULL
       AND (NEW.id, NEW.occurred_at, NEW.kind, NEW.outcome, NEW.actor, NEW.subject,
            NEW.actor_subject, NEW.session_id, NEW.ip_address, NEW.user_agent, NEW.detail)
           IS NOT DISTINCT FROM
           (OLD.id, OLD.occurred_at, OLD.kind, OLD.outcome, OLD.actor, OLD.subject,
            OLD.actor_subject, OLD.session_id, OLD.ip_address, OLD.user_agent, OLD.detail) THEN
        RETURN NEW;
    END IF;
    IF TG_OP = 'DELETE' AND OLD.block IS NOT NULL THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'auth_events is append-only';
END;
$$;

CREATE TRIGGER trg_auth_events_append_only
    BEFORE UPDATE OR DELETE ON auth_events
    FOR EACH ROW EXECUTE FUNCTION auth_events_append_only();

CREATE FUNCTION audit_blocks_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_blocks cannot be changed';
END;
$$;

CREATE TRIGGER trg_audit_blocks_immutable
    BEFORE UPDATE ON audit_blocks
    FOR EACH ROW EXECUTE FUNCTION audit_blocks_immutable();
