-- For the sweep (SQLite; the PostgreSQL twin, with the reasons, lives in
-- ../postgres): finished mail, found by when it finished.
CREATE INDEX ix_mail_outbox_finished ON mail_outbox (COALESCE(sent_at, failed_at));
