//! Nothing is lost under load: 2,000 registrations, then 5,000 refreshes,
//! from 64 concurrent clients on loopback, end with exactly the rows they
//! should. About ten seconds per engine on two cores. The counts are checked;
//! the times are printed (`--nocapture`), never asserted.

use crate::helpers::{Engine, TestApp, assert_no_errors, have_machine};
use futures::{StreamExt, stream};
use serde_json::json;
use sha2::{Digest, Sha256};

const USERS: usize = 2_000;
const REFRESHED_SESSIONS: usize = 1_000;
const REFRESHES_EACH: usize = 5;
const CLIENTS: usize = 64;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nothing_is_lost_under_load_on_postgres() {
    let _machine = have_machine().await;
    nothing_is_lost_under_load(Engine::Postgres).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nothing_is_lost_under_load_on_sqlite() {
    let _machine = have_machine().await;
    nothing_is_lost_under_load(Engine::Sqlite).await
}

async fn nothing_is_lost_under_load(engine: Engine) {
    let app = TestApp::spawn_with(engine, |c| {
        c.database_max_connections = 16;
        // All of them from loopback.
        c.registrations_per_address_per_hour = 1_000_000;
    })
    .await;
    let started = std::time::Instant::now();

    let refresh_tokens: Vec<String> = stream::iter(0..USERS)
        .map(|i| {
            let app = &app;
            async move {
                let payload = app
                    .register_ok(&format!("load{i}@example.org"), &format!("load_{i}"))
                    .await;
                payload["refreshToken"].as_str().unwrap().to_owned()
            }
        })
        .buffer_unordered(CLIENTS)
        .collect()
        .await;
    let registered = started.elapsed();

    // Each client refreshes its own sessions in a chain: every rotation must
    // take, and the last token must be the one the database holds.
    let last_tokens: Vec<String> =
        stream::iter(refresh_tokens.into_iter().take(REFRESHED_SESSIONS))
            .map(|mut token| {
                let app = &app;
                async move {
                    for _ in 0..REFRESHES_EACH {
                        let reply = app
                    .gql(
                        "mutation($t: String!) { refreshToken(refreshToken: $t) { refreshToken } }",
                        json!({ "t": token }),
                        None,
                    )
                    .await;
                        assert_no_errors(&reply);
                        token = reply["data"]["refreshToken"]["refreshToken"]
                            .as_str()
                            .unwrap()
                            .to_owned();
                    }
                    token
                }
            })
            .buffer_unordered(CLIENTS)
            .collect()
            .await;
    eprintln!(
        "{engine:?}: {USERS} registrations in {registered:.1?}, {} refreshes in {:.1?}",
        REFRESHED_SESSIONS * REFRESHES_EACH,
        started.elapsed() - registered
    );

    let users = app.scalar("SELECT COUNT(*) FROM users").await;
    let sessions = app.scalar("SELECT COUNT(*) FROM sessions").await;
    let orphans = app
        .scalar(
            "SELECT COUNT(*) FROM users WHERE NOT EXISTS
           (SELECT 1 FROM sessions WHERE sessions.user_id = users.id)",
        )
        .await;
    let doubled = app.scalar("SELECT COUNT(*) FROM (SELECT user_id FROM sessions GROUP BY user_id HAVING COUNT(*) > 1) AS d",
    )
    .await;
    let rotated = app
        .scalar("SELECT COUNT(*) FROM sessions WHERE rotated_at IS NOT NULL")
        .await;
    assert_eq!(
        (users, sessions, orphans, doubled),
        (USERS as i64, USERS as i64, 0, 0)
    );
    assert_eq!(rotated, REFRESHED_SESSIONS as i64);
    let retired = app
        .scalar("SELECT COUNT(*) FROM retired_refresh_tokens")
        .await;
    assert_eq!(retired, (REFRESHED_SESSIONS * REFRESHES_EACH) as i64);

    let live: std::collections::HashSet<String> = service::with_pool!(&app.db, |pool| {
        sqlx::query_scalar::<_, String>("SELECT refresh_token_hash FROM sessions")
            .fetch_all(pool)
            .await
    })
    .unwrap()
    .into_iter()
    .collect();
    for token in &last_tokens {
        assert!(
            live.contains(&hex::encode(Sha256::digest(token.as_bytes()))),
            "a rotation was lost"
        );
    }
}
