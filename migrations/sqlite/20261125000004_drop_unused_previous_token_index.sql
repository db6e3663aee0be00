-- Reuse detection looks tokens up in retired_refresh_tokens (by its primary
-- key), never sessions by previous_token_hash: the index only cost a write
-- on every refreshToken (measured in BENCHMARKS.md).
DROP INDEX ix_sessions_previous_token_hash;
