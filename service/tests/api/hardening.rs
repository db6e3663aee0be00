//! Attacks an auth service must survive, made against the running service on
//! both engines: password guessing (in parallel, from many accounts, across
//! replicas) and a spoofed client address. More in `abuse.rs`.

use crate::helpers::{Engine, PASSWORD, TestApp, assert_no_errors, error_code, tokens, user_id};
use serde_json::{Value, json};
use std::time::{Duration, Instant};

on_both_engines!(
    parallel_guesses_never_pass_the_account_limit,
    a_successful_sign_in_starts_the_account_over,
    a_sign_in_that_fails_to_commit_keeps_its_attempt,
    the_address_limit_spans_accounts_and_ignores_spoofed_headers,
    the_window_ends_and_the_limit_holds_across_replicas,
    a_replayed_refresh_token_follows_the_grace_timeline,
    any_older_refresh_token_ends_the_session,
);

// Timed, so alone on the machine.
on_both_engines!(alone: unknown_emails_cost_as_much_as_wrong_passwords);

/// A login from `X-Forwarded-For: forwarded`, whatever the service makes of it.
async fn login_from(app: &TestApp, email: &str, forwarded: &str) -> Value {
    app.gql_from(
        forwarded,
        "mutation($i: LoginInput!) { login(input: $i) { accessToken } }",
        json!({ "i": { "email": email, "password": "not the password" } }),
        None,
    )
    .await
}

async fn parallel_guesses_never_pass_the_account_limit(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    app.register_ok("victim@example.org", "victim").await;

    let guesses = (0..50).map(|i| {
        let app = &app;
        async move {
            app.login("victim@example.org", &format!("guess number {i}"), false)
                .await
        }
    });
    let replies = futures::future::join_all(guesses).await;
    let mut checked = 0;
    let mut limited = 0;
    for reply in &replies {
        match error_code(reply).0.as_str() {
            "INVALID_CREDENTIALS" => checked += 1,
            "RATE_LIMITED" => {
                limited += 1;
                let retry_after = reply["errors"][0]["extensions"]["retryAfter"]
                    .as_u64()
                    .unwrap();
                assert!((1..=900).contains(&retry_after), "{reply}");
            }
            other => panic!("unexpected {other}: {reply}"),
        }
    }
    // A refusal is decided before bcrypt runs: five passwords were checked.
    assert_eq!((checked, limited), (5, 45));

    // The right password is refused too, until the window ends.
    let reply = app.login("victim@example.org", PASSWORD, false).await;
    assert_eq!(error_code(&reply).0, "RATE_LIMITED", "{reply}");
    assert_eq!(app.count("sessions").await, 1, "only the registration's");
}

async fn a_successful_sign_in_starts_the_account_over(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    app.register_ok("user@example.org", "someone").await;
    for _ in 0..4 {
        let reply = app.login("user@example.org", "a typo in it", false).await;
        assert_eq!(error_code(&reply).0, "INVALID_CREDENTIALS");
    }
    assert_no_errors(&app.login("user@example.org", PASSWORD, false).await);
    // Five fresh tries, then the limit.
    for _ in 0..5 {
        let reply = app.login("user@example.org", "a typo in it", false).await;
        assert_eq!(error_code(&reply).0, "INVALID_CREDENTIALS", "{reply}");
    }
    let reply = app.login("user@example.org", "a typo in it", false).await;
    assert_eq!(error_code(&reply).0, "RATE_LIMITED", "{reply}");
}

/// The address's, the account's from it (one row, by a hashed key), and the
/// account's from all addresses; 0 for a key with no row.
async fn counts(app: &TestApp) -> [i64; 3] {
    let sum = |filter: &str| {
        format!("SELECT COALESCE(SUM(attempts), 0) FROM login_throttle WHERE key {filter}")
    };
    [
        app.scalar(sum("= 'address:127.0.0.1'")).await,
        app.scalar(sum("LIKE 'account-address:%'")).await,
        app.scalar(sum("= 'account:user@example.org'")).await,
    ]
}

async fn a_sign_in_that_fails_to_commit_keeps_its_attempt(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let registered = app.register_ok("user@example.org", "someone").await;
    let user = user_id(&registered);
    let expired = app.sessions_of(user).await[0].id;
    app.clock.advance(chrono::Duration::days(2));
    let reply = app.login("user@example.org", "a typo in it", false).await;
    assert_eq!(error_code(&reply).0, "INVALID_CREDENTIALS");
    assert_eq!(counts(&app).await, [1, 1, 1]);

    // The password is right, but the session cannot be stored: the counts
    // were committed before the check and stay, unsettled, and the expired
    // session is not swept either; the three go in one transaction.
    app.refuse_inserts_into("sessions").await;
    let reply = app.login("user@example.org", PASSWORD, false).await;
    assert_eq!(error_code(&reply).0, "INTERNAL_SERVER_ERROR", "{reply}");
    assert_eq!(counts(&app).await, [2, 2, 2]);
    let ids = |sessions: Vec<crate::helpers::StoredSession>| {
        sessions.into_iter().map(|s| s.id).collect::<Vec<_>>()
    };
    assert_eq!(ids(app.sessions_of(user).await), [expired]);

    let drop = match engine {
        Engine::Postgres => "DROP TRIGGER refuse ON sessions",
        Engine::Sqlite => "DROP TRIGGER refuse",
    };
    app.execute(drop).await.unwrap();
    assert_no_errors(&app.login("user@example.org", PASSWORD, false).await);
    // Settled with the session: the pair starts over, the address and the
    // account get this attempt back; the expired session is gone.
    assert_eq!(counts(&app).await, [2, 0, 2]);
    let sessions = ids(app.sessions_of(user).await);
    assert_eq!(sessions.len(), 1);
    assert_ne!(sessions[0], expired);
}

async fn the_address_limit_spans_accounts_and_ignores_spoofed_headers(engine: Engine) {
    let app = TestApp::spawn_with(engine, |c| c.login_max_attempts_per_address = 3).await;
    // One address trying many accounts (known or not): three tries in all,
    // however it dresses up X-Forwarded-For, since it is no trusted proxy.
    for i in 0..3 {
        let reply = login_from(
            &app,
            &format!("nobody{i}@example.org"),
            &format!("203.0.113.{i}"),
        )
        .await;
        assert_eq!(error_code(&reply).0, "INVALID_CREDENTIALS", "{reply}");
    }
    let reply = login_from(&app, "someone-else@example.org", "198.51.100.7").await;
    assert_eq!(error_code(&reply).0, "RATE_LIMITED", "{reply}");

    // Behind a trusted proxy, each forwarded client counts on its own.
    let proxied = TestApp::spawn_with(engine, |c| {
        c.login_max_attempts_per_address = 3;
        c.trusted_proxies = vec!["127.0.0.1/32".parse().unwrap()];
    })
    .await;
    for i in 0..4 {
        let email = format!("nobody{i}@example.org");
        let reply = login_from(&proxied, &email, &format!("203.0.113.{i}")).await;
        assert_eq!(error_code(&reply).0, "INVALID_CREDENTIALS", "{reply}");
    }
    for i in 0..3 {
        let reply = login_from(&proxied, &format!("x{i}@example.org"), "203.0.113.99").await;
        assert_eq!(error_code(&reply).0, "INVALID_CREDENTIALS", "{reply}");
    }
    let reply = login_from(&proxied, "y@example.org", "198.51.100.1, 203.0.113.99").await;
    assert_eq!(error_code(&reply).0, "RATE_LIMITED", "{reply}");
}

async fn the_window_ends_and_the_limit_holds_across_replicas(engine: Engine) {
    let app = TestApp::spawn_with(engine, |c| {
        c.login_max_attempts_per_account_address = 2;
        c.login_window_seconds = 2;
    })
    .await;
    let other = app.replica().await;
    app.register_ok("user@example.org", "someone").await;
    assert_eq!(wrong(&app).await, "INVALID_CREDENTIALS");
    assert_eq!(wrong(&other).await, "INVALID_CREDENTIALS");
    assert_eq!(wrong(&app).await, "RATE_LIMITED");
    assert_eq!(wrong(&other).await, "RATE_LIMITED");

    // One replica's clock is the other's: both see the window end.
    app.clock.advance(chrono::Duration::milliseconds(2100));
    assert_eq!(wrong(&other).await, "INVALID_CREDENTIALS");
    let reply = other.login("user@example.org", PASSWORD, false).await;
    assert_no_errors(&reply);
}

async fn wrong(app: &TestApp) -> String {
    error_code(&app.login("user@example.org", "wrong password", false).await).0
}

async fn a_replayed_refresh_token_follows_the_grace_timeline(engine: Engine) {
    let app = TestApp::spawn_with(engine, |c| c.refresh_reuse_grace_seconds = 1).await;
    let (_, first) = tokens(&app.register_ok("ada@example.org", "ada").await);
    let rotated = app.refresh(&first).await;
    assert_no_errors(&rotated);
    let (access, current) = tokens(&rotated["data"]["refreshToken"]);

    // Inside the grace window (another tab's refresh lost the race): the old
    // token is refused, and the session lives on.
    for _ in 0..2 {
        assert_eq!(error_code(&app.refresh(&first).await).0, "UNAUTHENTICATED");
        assert_no_errors(&app.me(Some(&access)).await);
    }
    assert_eq!(app.count("sessions").await, 1);

    // After it, the same token is a replay: the session ends, and the
    // current tokens with it.
    app.clock.advance(chrono::Duration::milliseconds(1200));
    app.assert_replay_ends_session(&first, &current, &access)
        .await;
}

/// Median and spread (interquartile range) of durations, in microseconds.
fn median_and_spread(mut samples: Vec<Duration>) -> (f64, f64) {
    samples.sort();
    let at = |q: usize| samples[samples.len() * q / 4].as_secs_f64() * 1e6;
    (at(2), at(3) - at(1))
}

async fn unknown_emails_cost_as_much_as_wrong_passwords(engine: Engine) {
    // A cost at which bcrypt dominates a request, so that skipping it for
    // unknown emails would show; no throttling in the way of 60 attempts.
    let app = TestApp::spawn_with(engine, |c| {
        c.bcrypt_cost = 8;
        c.login_max_attempts_per_account_address = 1000;
        c.login_max_attempts_per_address = 1000;
    })
    .await;
    app.register_ok("ada@example.org", "ada").await;
    let mut known = Vec::new();
    let mut unknown = Vec::new();
    // Interleaved, so that drift on the machine affects both alike.
    for i in 0..30 {
        let start = Instant::now();
        let reply = app
            .login("ada@example.org", "not the password", false)
            .await;
        known.push(start.elapsed());
        let message = reply["errors"][0]["message"].clone();
        assert_eq!(error_code(&reply).0, "INVALID_CREDENTIALS");

        let start = Instant::now();
        let reply = app
            .login(&format!("nobody{i}@example.org"), "not the password", false)
            .await;
        unknown.push(start.elapsed());
        assert_eq!(error_code(&reply).0, "INVALID_CREDENTIALS");
        assert_eq!(reply["errors"][0]["message"], message);
    }
    let (known_median, known_spread) = median_and_spread(known);
    let (unknown_median, unknown_spread) = median_and_spread(unknown);
    let gap = (known_median - unknown_median).abs() / known_median;
    eprintln!(
        "login, µs: wrong password median {known_median:.0} (IQR {known_spread:.0}), \
         unknown email median {unknown_median:.0} (IQR {unknown_spread:.0}), gap {:.1}%",
        gap * 100.0
    );
    assert!(gap < 0.20, "medians differ by {:.1}%", gap * 100.0);
}

async fn any_older_refresh_token_ends_the_session(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let (_, oldest) = tokens(&app.register_ok("ada@example.org", "ada").await);
    let mut current = oldest.clone();
    let mut access = String::new();
    for _ in 0..3 {
        let reply = app.refresh(&current).await;
        assert_no_errors(&reply);
        (access, current) = tokens(&reply["data"]["refreshToken"]);
    }
    assert_eq!(app.count("retired_refresh_tokens").await, 3);

    // Three rotations back, at once (no grace applies to it): a replay.
    app.assert_replay_ends_session(&oldest, &current, &access)
        .await;
    assert_eq!(
        app.count("retired_refresh_tokens").await,
        0,
        "gone with the session"
    );
}
