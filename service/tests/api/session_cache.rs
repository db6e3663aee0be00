//! The cache of live sessions: a warm session is answered from memory, and
//! whatever ends a session or changes an account is seen at once on the
//! replica that did it and within `FRESHNESS` on every other, including
//! after the listening connection was cut.

use std::time::{Duration, Instant};

use serde_json::{Value, json};
use service::storage::session_cache::FRESHNESS;

use crate::helpers::{Engine, PASSWORD, TestApp, assert_no_errors, tokens, user_id};
use crate::mfa::enable_totp;

on_both_engines!(
    a_warm_session_is_answered_without_the_database,
    every_revocation_reaches_the_other_replica,
    second_factor_changes_reach_the_other_replica,
    a_change_made_in_the_database_itself_reaches_every_replica,
);

/// Both replicas' caches serving, or a panic after 10 s: on PostgreSQL a
/// replica serves once it hears its own first beat.
async fn serving(apps: &[&TestApp]) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while !apps.iter().all(|app| app.db.sessions().serving()) {
        assert!(Instant::now() < deadline, "the session cache never served");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// What `seen_within` and the warm checks read of the signed-in account.
const ME: &str = "{ me { id email username role mfaEnabled } }";

/// How long until `me` with `token` on `app` is refused (or shows what
/// `shows` accepts): at most `FRESHNESS` and a margin, or a panic.
async fn seen_within(app: &TestApp, token: &str, shows: impl Fn(&Value) -> bool) -> Duration {
    let start = Instant::now();
    loop {
        let me = app.gql(ME, json!({}), Some(token)).await;
        if shows(&me) {
            return start.elapsed();
        }
        assert!(
            start.elapsed() < FRESHNESS + Duration::from_millis(500),
            "still {me} after {:?}",
            start.elapsed()
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

fn refused(me: &Value) -> bool {
    me["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
}

async fn a_warm_session_is_answered_without_the_database(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    serving(&[&app]).await;
    let (token, _) = tokens(&app.register_ok("ada@example.org", "ada").await);
    assert_no_errors(&app.me(Some(&token)).await);
    assert_eq!(app.db.sessions().usage().1, 1, "one account cached");

    // With the pool closed every query fails: only memory can answer.
    app.db.close().await;
    let me = app.me(Some(&token)).await;
    assert_no_errors(&me);
    assert_eq!(me["data"]["me"]["username"], "ada");
}

/// A person signed in on both replicas' caches; what `revoke` does on the
/// first must be seen by both.
async fn every_revocation_reaches_the_other_replica(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let other = app.replica().await;
    serving(&[&app, &other]).await;
    let admin = app.admin_token().await;

    type Check = fn(&Value) -> bool;
    let cases: [(&str, &str, Check); 8] = [
        (
            "logout",
            "mutation($r: String!) { logout(refreshToken: $r) }",
            refused,
        ),
        (
            "revokeSession",
            "mutation($s: UUID!) { revokeSession(id: $s) }",
            refused,
        ),
        (
            "logoutEverywhere",
            "mutation { logoutEverywhere(keepCurrent: false) }",
            refused,
        ),
        (
            "changePassword",
            // From another session: this one ends with the others.
            "mutation($p: String!) { changePassword(currentPassword: $p, newPassword: \"another horse battery\") }",
            refused,
        ),
        (
            "setUserActive",
            "mutation($u: UUID!) { setUserActive(id: $u, active: false) { id } }",
            refused,
        ),
        (
            "deleteUser",
            "mutation($u: UUID!) { deleteUser(id: $u) }",
            refused,
        ),
        (
            "setUserRole",
            "mutation($u: UUID!) { setUserRole(id: $u, role: ADMIN) { id } }",
            |me| me["data"]["me"]["role"] == "ADMIN",
        ),
        (
            "updateProfile",
            "mutation { updateProfile(input: { username: \"renamed\" }) { id } }",
            |me| me["data"]["me"]["username"] == "renamed",
        ),
    ];
    for (n, (name, mutation, shows)) in cases.into_iter().enumerate() {
        let email = format!("user{n}@example.org");
        let registered = app.register_ok(&email, &format!("user{n}")).await;
        let user = registered["user"]["id"].as_str().unwrap().to_owned();
        let (access, refresh) = tokens(&registered);
        let session = app
            .gql("{ mySessions { id } }", json!({}), Some(&access))
            .await;
        let session = session["data"]["mySessions"][0]["id"].clone();
        for replica in [&app, &other] {
            assert_no_errors(&replica.me(Some(&access)).await);
        }
        assert!(!shows(&other.me(Some(&access)).await), "{name}: warm");

        let by = match name {
            "setUserActive" | "deleteUser" | "setUserRole" => admin.clone(),
            "changePassword" => app.login_ok(&email).await,
            _ => access.clone(),
        };
        let vars = json!({ "r": refresh, "s": session, "u": user, "p": PASSWORD });
        assert_no_errors(&app.gql(mutation, vars, Some(&by)).await);

        assert!(
            shows(&app.me(Some(&access)).await),
            "{name}: seen at once where it was made"
        );
        let took = seen_within(&other, &access, shows).await;
        eprintln!("{name}: the other replica saw it after {took:?}");
    }
}

/// Turning on an authenticator app on one replica holds the account's
/// other sessions back on every replica (they must pass the second factor
/// before anything but `me`); an admin's `resetUserMfa` ends them all.
async fn second_factor_changes_reach_the_other_replica(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let other = app.replica().await;
    serving(&[&app, &other]).await;
    let admin = app.admin_token().await;
    let registered = app.register_ok("ada@example.org", "ada").await;
    let user = user_id(&registered);
    let (here, _) = tokens(&registered);
    let elsewhere = app.login_ok("ada@example.org").await;
    const SESSIONS: &str = "{ mySessions { id } }";
    let mfa_enabled = |me: &Value| me["data"]["me"]["mfaEnabled"] == true;
    let warm = other.gql(ME, json!({}), Some(&elsewhere)).await;
    assert_eq!(warm["data"]["me"]["mfaEnabled"], false, "{warm}");
    assert_no_errors(&other.gql(SESSIONS, json!({}), Some(&elsewhere)).await);

    enable_totp(&app, &here).await;
    let took = seen_within(&other, &elsewhere, mfa_enabled).await;
    eprintln!("confirmTotp: the other replica saw it after {took:?}");
    let held = other.gql(SESSIONS, json!({}), Some(&elsewhere)).await;
    assert_eq!(
        held["errors"][0]["extensions"]["code"], "MFA_REQUIRED",
        "{held}"
    );
    // The session that confirmed passed the factor, there too.
    assert_no_errors(&other.gql(SESSIONS, json!({}), Some(&here)).await);

    let reset = "mutation($u: UUID!) { resetUserMfa(id: $u) { id } }";
    assert_no_errors(&app.gql(reset, json!({ "u": user }), Some(&admin)).await);
    let took = seen_within(&other, &here, refused).await;
    eprintln!("resetUserMfa: the other replica saw it after {took:?}");
}

/// An operator's `UPDATE` in psql goes through no replica; on PostgreSQL
/// the triggers still tell them all. (SQLite has no second writer outside
/// the service to hear from.)
async fn a_change_made_in_the_database_itself_reaches_every_replica(engine: Engine) {
    if let Engine::Sqlite = engine {
        return;
    }
    let app = TestApp::spawn(engine).await;
    let other = app.replica().await;
    serving(&[&app, &other]).await;
    let (access, _) = tokens(&app.register_ok("ada@example.org", "ada").await);
    for replica in [&app, &other] {
        assert_no_errors(&replica.me(Some(&access)).await);
    }
    service::with_pool!(&app.db, |pool| sqlx::query("DELETE FROM sessions")
        .execute(pool)
        .await
        .map(drop))
    .unwrap();
    for replica in [&app, &other] {
        let took = seen_within(replica, &access, refused).await;
        eprintln!("a session deleted in the database: refused after {took:?}");
    }
}

/// The listening connection cut (`pg_terminate_backend`, as a restarting
/// database or a dropped network path would): a session revoked while a
/// replica could not hear is still refused there within `FRESHNESS`, and once
/// the replica listens again it serves from memory and hears again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_replica_that_stops_hearing_stops_serving_until_it_hears_again() {
    let _machine = crate::helpers::share_machine().await;
    let app = TestApp::spawn(Engine::Postgres).await;
    let other = app.replica().await;
    serving(&[&app, &other]).await;
    let ada = app.register_ok("ada@example.org", "ada").await;
    let (access, refresh) = tokens(&ada);
    let (bob, _) = tokens(&app.register_ok("bob@example.org", "bob").await);
    for token in [&access, &bob] {
        assert_no_errors(&other.me(Some(token)).await);
    }

    let cut = Instant::now();
    let ended: i64 = service::with_pool!(&app.db, |pool| sqlx::query_scalar(
        "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
         WHERE datname = current_database() AND query LIKE 'LISTEN%'"
    )
    .fetch_one(pool)
    .await)
    .unwrap();
    assert_eq!(ended, 2, "both replicas' listening connections");
    let reply = app
        .gql(
            "mutation($r: String!) { logout(refreshToken: $r) }",
            json!({ "r": refresh }),
            None,
        )
        .await;
    assert_no_errors(&reply);
    let took = seen_within(&other, &access, refused).await;
    eprintln!("revoked while the listener was cut: refused after {took:?}");

    serving(&[&other]).await;
    eprintln!(
        "listening and serving again {:?} after the cut",
        cut.elapsed()
    );
    // What it cached before the cut is gone: it was read while deaf.
    assert_eq!(other.db.sessions().usage().1, 0);
    assert_no_errors(&other.me(Some(&bob)).await);
    assert_eq!(other.db.sessions().usage().1, 1, "it caches again");
    let bob_sessions = app
        .gql("{ mySessions { id } }", json!({}), Some(&bob))
        .await;
    let session = bob_sessions["data"]["mySessions"][0]["id"].clone();
    let reply = app
        .gql(
            "mutation($s: UUID!) { revokeSession(id: $s) }",
            json!({ "s": session }),
            Some(&bob),
        )
        .await;
    assert_no_errors(&reply);
    let took = seen_within(&other, &bob, refused).await;
    eprintln!("revoked after the listener came back: refused after {took:?}");
}
