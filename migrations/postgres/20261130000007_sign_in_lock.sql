-- Password sign-in locked after guessing from many addresses (PostgreSQL; the
-- SQLite twin lives in ../sqlite). Set when an account passes the per-account
-- limit; cleared by the unlock link the lock mails to the owner, or by a
-- password reset. Other sign-in paths (a live session) are unaffected.
ALTER TABLE users ADD COLUMN signin_locked_at TIMESTAMPTZ;

-- The unlock link is a third kind of emailed link.
ALTER TABLE email_tokens
    DROP CONSTRAINT email_tokens_purpose_check,
    ADD CONSTRAINT email_tokens_purpose_check
        CHECK (purpose IN ('verify_email', 'reset_password', 'unlock_sign_in'));
