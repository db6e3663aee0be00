-- For the sweep (PostgreSQL; the SQLite twin lives in ../sqlite): mail sent
-- or given up on longer ago than its retention is deleted, found by when it
-- finished rather than by reading the whole outbox. (A row is either sent or
-- failed, never both.) Sessions get no such index: a rotation writes a new
-- row version into every index of `sessions`, and the sweep's occasional scan
-- costs less than that on every refresh.
CREATE INDEX ix_mail_outbox_finished ON mail_outbox (COALESCE(sent_at, failed_at));
