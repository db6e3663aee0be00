-- What account self-service needs on the user (SQLite; the PostgreSQL twin
-- lives in ../postgres): whether the email address has been proved, and the
-- language the account's mail and pages use.
ALTER TABLE users ADD COLUMN email_verified INTEGER NOT NULL DEFAULT 0
    CHECK (email_verified IN (0, 1));
ALTER TABLE users ADD COLUMN locale TEXT NOT NULL DEFAULT 'en'
    CONSTRAINT ck_users_locale CHECK (locale IN ('en', 'ru'));
