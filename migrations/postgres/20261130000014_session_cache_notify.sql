-- Every replica keeps live sessions in memory (service/src/storage/
-- session_cache.rs). Whatever changes an account, or ends or raises a
-- session, tells them all, at commit, whoever wrote it: the service on any
-- replica, or someone in psql. The payload is the account's id; a replica
-- forgets that account's sessions. Rotating a refresh token touches none of
-- these columns and notifies nobody.

CREATE FUNCTION session_cache_forget_user() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('session_cache', OLD.id::text);
    RETURN NULL;
END
$$;

CREATE FUNCTION session_cache_forget_session() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('session_cache', OLD.user_id::text);
    RETURN NULL;
END
$$;

CREATE TRIGGER users_session_cache
    AFTER UPDATE OR DELETE ON users
    FOR EACH ROW EXECUTE FUNCTION session_cache_forget_user();

CREATE TRIGGER sessions_session_cache
    AFTER DELETE OR UPDATE OF user_id, aal, auth_time, expires_at ON sessions
    FOR EACH ROW EXECUTE FUNCTION session_cache_forget_session();
