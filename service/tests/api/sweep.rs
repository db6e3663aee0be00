//! The sweep: stale rows of every kind go, live ones stay, in bounded
//! batches, one replica at a time. The clock is moved, never slept through.

use chrono::Duration;
use serde_json::json;
use service::auth::sweeper::Swept;
use service::storage::sweep::{Stale, Turn};

use crate::helpers::{Engine, TestApp, assert_no_errors, tokens};

on_both_engines!(
    stale_rows_go_and_live_ones_stay,
    each_statement_deletes_at_most_a_batch,
);

async fn wrong_login(app: &TestApp, email: &str) {
    let reply = app.login(email, "not the password", false).await;
    assert!(reply.get("errors").is_some(), "{reply}");
}

async fn strings(app: &TestApp, sql: &'static str) -> Vec<String> {
    service::with_pool!(&app.db, |pool| sqlx::query_scalar(sql)
        .fetch_all(pool)
        .await)
    .unwrap()
}

async fn stale_rows_go_and_live_ones_stay(engine: Engine) {
    let app = TestApp::spawn(engine).await;

    // A month ago: two accounts with a session, a rotated refresh token, a
    // verification link and its mail (one sent, one given up on), and
    // wrong guesses at a third.
    let ada = app.register_ok("ada@example.org", "ada").await;
    assert_no_errors(&app.refresh(&tokens(&ada).1).await);
    app.register_ok("eve@example.org", "eve").await;
    assert_eq!(app.deliver_mail().await.sent, 2);
    app.execute(
        "UPDATE mail_outbox SET failed_at = sent_at, sent_at = NULL, last_error = 'refused'
         WHERE recipient = 'eve@example.org'",
    )
    .await
    .unwrap();
    for _ in 0..3 {
        wrong_login(&app, "nobody@example.org").await;
    }
    app.clock.advance(Duration::days(31));

    // Now: a live session that has rotated, mail sent a moment ago, mail
    // not sent yet with a live link in it, and a fresh throttle window.
    let carl = app.register_ok("carl@example.org", "carl").await;
    let carl_refreshed = app.refresh(&tokens(&carl).1).await;
    assert_no_errors(&carl_refreshed);
    let (carl_access, carl_refresh) = tokens(&carl_refreshed["data"]["refreshToken"]);
    assert_eq!(app.deliver_mail().await.sent, 1);
    app.register_ok("dan@example.org", "dan").await;
    wrong_login(&app, "someone@example.org").await;

    let swept = app.sweep().await;
    assert_eq!(
        swept,
        Swept {
            retired_tokens: 1,
            sessions: 2,
            // The guesses at nobody: per account, and per account and address.
            throttle_windows: 2,
            links: 2,
            mail: 2,
            passes: 0,
            challenges: 0,
            // Six years are not over.
            audit_events: 0,
        }
    );

    let owners = "SELECT users.username FROM sessions JOIN users ON users.id = sessions.user_id
                  ORDER BY 1";
    assert_eq!(strings(&app, owners).await, ["carl", "dan"]);
    let retired = "SELECT users.username FROM retired_refresh_tokens AS r
                   JOIN sessions ON sessions.id = r.session_id
                   JOIN users ON users.id = sessions.user_id";
    assert_eq!(strings(&app, retired).await, ["carl"]);
    let links =
        "SELECT users.username FROM email_tokens JOIN users ON users.id = email_tokens.user_id
                 ORDER BY 1";
    assert_eq!(strings(&app, links).await, ["carl", "dan"]);
    let mail = "SELECT recipient FROM mail_outbox ORDER BY 1";
    assert_eq!(
        strings(&app, mail).await,
        ["carl@example.org", "dan@example.org"]
    );
    let throttled = "SELECT key FROM login_throttle WHERE key NOT LIKE 'account-address:%'
                     ORDER BY 1";
    assert_eq!(
        strings(&app, throttled).await,
        [
            "account:someone@example.org",
            "address:127.0.0.1",
            "register:127.0.0.1"
        ]
    );
    let pairs = "SELECT COUNT(*) FROM login_throttle WHERE key LIKE 'account-address:%'";
    assert_eq!(app.scalar(pairs).await, 1, "someone's, from this address");

    // What stayed still works: the session and its current refresh token,
    // and the unsent mail's link.
    assert_no_errors(&app.me(Some(&carl_access)).await);
    assert_no_errors(&app.refresh(&carl_refresh).await);
    let link = app.mailed_token("dan@example.org", "verification").await;
    let verified = app
        .gql(
            "mutation($t: String!) { verifyEmail(token: $t) }",
            json!({ "t": link }),
            None,
        )
        .await;
    assert_eq!(verified["data"]["verifyEmail"], true, "{verified}");

    assert_eq!(app.sweep().await, Swept::default(), "nothing left to sweep");
}

async fn each_statement_deletes_at_most_a_batch(engine: Engine) {
    let app = TestApp::spawn_with(engine, |config| config.sweep_batch_size = 2).await;
    for name in ["ann", "bob", "cat", "dov", "eli"] {
        let user = app.register_ok(&format!("{name}@example.org"), name).await;
        let refreshed = app.refresh(&tokens(&user).1).await;
        assert_no_errors(
            &app.refresh(&tokens(&refreshed["data"]["refreshToken"]).1)
                .await,
        );
    }
    app.clock.advance(Duration::days(2));
    assert_eq!(app.count("email_tokens").await, 5);

    // One statement at a time: never more than the batch.
    let now = app.clock.now();
    let mut turn = Turn::take(&app.db)
        .await
        .unwrap()
        .expect("the turn is free");
    let mut batches = Vec::new();
    loop {
        let deleted = turn.sweep(Stale::Links, now, 2).await.unwrap();
        batches.push(deleted);
        if deleted == 0 {
            break;
        }
    }
    turn.end().await.unwrap();
    assert_eq!(batches, [2, 2, 1, 0]);
    assert_eq!(app.count("email_tokens").await, 0);

    // A round repeats the batches until everything stale is gone: ten
    // retired tokens, two at a time, before their five sessions.
    assert_eq!(app.count("retired_refresh_tokens").await, 10);
    let swept = app.sweep().await;
    assert_eq!((swept.retired_tokens, swept.sessions), (10, 5), "{swept:?}");
    assert_eq!(app.count("sessions").await, 0);
    assert_eq!(app.count("retired_refresh_tokens").await, 0);
    assert_eq!(app.count("mail_outbox").await, 5, "unsent mail stays");
}

/// Replicas share one PostgreSQL: while one sweeps, another's round is
/// skipped rather than run beside it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_replica_sweeps_at_a_time_on_postgres() {
    let _machine = crate::helpers::share_machine().await;
    let app = TestApp::spawn(Engine::Postgres).await;
    let replica = app.replica().await;
    app.register_ok("ada@example.org", "ada").await;
    app.clock.advance(Duration::days(2));

    let held = Turn::take(&app.db)
        .await
        .unwrap()
        .expect("the turn is free");
    let skipped = replica.sweeper.sweep_once(app.clock.now()).await.unwrap();
    assert_eq!(skipped, None, "the replica waits for its turn");
    assert_eq!(app.count("sessions").await, 1, "nothing was swept");
    assert!(Turn::take(&replica.db).await.unwrap().is_none());
    held.end().await.unwrap();

    assert_eq!(replica.sweep().await.sessions, 1);

    // A turn that ends without `end` (its round failed, or its task was
    // dropped) releases the lock with its connection.
    let dropped = Turn::take(&app.db)
        .await
        .unwrap()
        .expect("the turn is free");
    drop(dropped);
    let mut free = false;
    for _ in 0..100 {
        if let Some(turn) = Turn::take(&replica.db).await.unwrap() {
            turn.end().await.unwrap();
            free = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert!(free, "the lock left with the dropped connection");
}
