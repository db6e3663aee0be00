-- Sign-in attempts per account and per client address (SQLite; the
-- PostgreSQL twin lives in ../postgres). One row per key, a fixed window:
-- `attempts` since `window_start`.

CREATE TABLE login_throttle (
    -- 'account:<email>' or 'address:<ip>'
    key          TEXT    PRIMARY KEY NOT NULL CHECK (length(key) <= 300),
    attempts     INTEGER NOT NULL CHECK (attempts >= 0),
    window_start TEXT    NOT NULL
) STRICT;

-- For sweeping rows whose window has long passed.
CREATE INDEX ix_login_throttle_window_start ON login_throttle (window_start);
