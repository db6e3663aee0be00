-- Where an account's owner has proved themselves by mail (followed its unlock
-- link, or reset its password): password sign-in from that network passes
-- the account's lock until `expires_at`, so that guessers who lock the account
-- again at once do not lock its owner out (PostgreSQL; the SQLite twin lives
-- in ../sqlite). `network` is an IPv4 address or an IPv6 /64.
CREATE TABLE sign_in_passes (
    user_id    UUID        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    network    TEXT        NOT NULL CHECK (char_length(network) <= 64),
    expires_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (user_id, network)
);
