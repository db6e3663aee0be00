-- What account self-service needs on the user: whether the email address has
-- been proved (a verification or reset link followed), and the language the
-- account's mail and pages use.
ALTER TABLE users
    ADD COLUMN email_verified BOOLEAN NOT NULL DEFAULT FALSE,
    ADD COLUMN locale TEXT NOT NULL DEFAULT 'en',
    ADD CONSTRAINT ck_users_locale CHECK (locale IN ('en', 'ru'));
