-- Sign-in attempts per account and per client address (PostgreSQL; the
-- SQLite twin lives in ../sqlite). Kept in the database so every replica
-- counts against the same numbers, and a restart forgets nothing.
-- One row per key, a fixed window: `attempts` since `window_start`.

CREATE TABLE login_throttle (
    -- 'account:<email>' or 'address:<ip>'
    key          TEXT        PRIMARY KEY CHECK (char_length(key) <= 300),
    attempts     INTEGER     NOT NULL CHECK (attempts >= 0),
    window_start TIMESTAMPTZ NOT NULL
);

-- For sweeping rows whose window has long passed.
CREATE INDEX ix_login_throttle_window_start ON login_throttle (window_start);
