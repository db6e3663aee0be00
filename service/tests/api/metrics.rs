//! Prometheus metrics on `METRICS_BIND_ADDR`: what an action counts, that no
//! client's string becomes a label value, and that the API's own listener
//! serves none of it.
//!
//! The recorder is one per process and every test of this binary records
//! into it, so exact counts are asserted only by tests that have the machine
//! alone; the others look for label values nobody else could make.

use serde_json::{Value, json};

use crate::helpers::{Engine, PASSWORD, TestApp, assert_no_errors, error_code, tokens};

async fn spawn(engine: Engine) -> TestApp {
    TestApp::spawn_with(engine, |config| {
        config.metrics_bind_addr = Some("127.0.0.1:0".parse().unwrap());
    })
    .await
}

/// The metrics listener's answer to `GET /metrics`, checked for its type.
async fn scrape(app: &TestApp) -> String {
    let addr = app.metrics_addr.expect("the metrics listener runs");
    let response = app
        .http
        .get(format!("http://{addr}/metrics"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.headers()["content-type"],
        "text/plain; version=0.0.4; charset=utf-8"
    );
    response.text().await.unwrap()
}

/// The value of one series (`name{labels}` exactly as exposed), 0 when it
/// has not been recorded yet.
fn value(exposition: &str, series: &str) -> f64 {
    exposition
        .lines()
        .find_map(|line| line.strip_prefix(series)?.strip_prefix(' '))
        .map_or(0.0, |value| value.parse().unwrap())
}

/// What each of `series` moved by between two scrapes.
fn deltas<'a>(before: &str, after: &str, series: &[&'a str]) -> Vec<(&'a str, f64)> {
    series
        .iter()
        .map(|s| (*s, value(after, s) - value(before, s)))
        .collect()
}

on_both_engines!(alone:
    a_sign_in_and_a_replay_are_counted_once_each,
    the_seal_lag_is_how_long_the_oldest_event_waited,
);
on_both_engines!(
    hostile_operation_names_add_no_label_values,
    the_api_listener_serves_no_metrics
);

async fn a_sign_in_and_a_replay_are_counted_once_each(engine: Engine) {
    let app = spawn(engine).await;
    app.register_ok("ada@example.org", "ada").await;
    let before = scrape(&app).await;

    // One sign-in, one refused, and a refresh token presented twice.
    let signed_in = app.login("ada@example.org", PASSWORD, false).await;
    assert_no_errors(&signed_in);
    let wrong = app.login("ada@example.org", "wrong password", false).await;
    assert_eq!(error_code(&wrong).0, "INVALID_CREDENTIALS");
    let (_, first) = tokens(&signed_in["data"]["login"]);
    assert_no_errors(&app.refresh(&first).await);
    // Past the grace period the first token is a replay: the session ends.
    app.clock.advance(chrono::Duration::seconds(60));
    assert_eq!(error_code(&app.refresh(&first).await).0, "UNAUTHENTICATED");
    assert_eq!(
        app.http
            .get(app.url("/no-such-page"))
            .send()
            .await
            .unwrap()
            .status(),
        404
    );
    let after = scrape(&app).await;

    let series = [
        r#"auth_sign_ins_total{outcome="succeeded"}"#,
        r#"auth_sign_ins_total{outcome="INVALID_CREDENTIALS"}"#,
        r#"graphql_requests_total{operation="login",outcome="OK"}"#,
        r#"graphql_requests_total{operation="login",outcome="INVALID_CREDENTIALS"}"#,
        r#"graphql_requests_total{operation="refreshToken",outcome="OK"}"#,
        r#"graphql_requests_total{operation="refreshToken",outcome="UNAUTHENTICATED"}"#,
        "auth_refresh_token_reuse_detected_total",
        r#"graphql_request_duration_seconds_count{operation="login"}"#,
        r#"graphql_request_duration_seconds_bucket{operation="login",le="+Inf"}"#,
        r#"http_responses_total{status="404"}"#,
        // A sign-in checks the password once; so does a wrong one.
        "password_hash_queue_wait_seconds_count",
    ];
    let expected = [1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 2.0, 2.0, 1.0, 2.0];
    let moved = deltas(&before, &after, &series);
    let wanted: Vec<(&str, f64)> = series.iter().copied().zip(expected).collect();
    assert_eq!(moved, wanted, "{after}");
    // Two POSTs answered 200, each through the status counter.
    assert!(value(&after, r#"http_responses_total{status="200"}"#) >= 4.0);
    assert_eq!(value(&after, "password_hash_queue_depth"), 0.0);

    // The sampled gauges: this app's pools and its outbox (the
    // registration's verification mail, unsent).
    let pools: &[&str] = match engine {
        Engine::Postgres => &["main"],
        Engine::Sqlite => &["read", "write"],
    };
    for pool in pools {
        for state in ["in_use", "idle"] {
            let series = format!(r#"db_pool_connections{{pool="{pool}",state="{state}"}}"#);
            assert!(
                after.contains(&format!("{series} ")),
                "no {series} in {after}"
            );
        }
    }
    assert!(value(&after, r#"db_pool_connections{pool="main",state="idle"}"#) >= 0.0);
    // The session cache's gauges; SQLite's cache needs no beat to serve.
    for series in [
        "session_cache_serving",
        "session_cache_accounts",
        "session_cache_bytes",
    ] {
        assert!(
            after.contains(&format!("{series} ")),
            "no {series} in {after}"
        );
    }
    if let Engine::Sqlite = engine {
        assert_eq!(value(&after, "session_cache_serving"), 1.0);
    }
    let unsent = app
        .scalar("SELECT COUNT(*) FROM mail_outbox WHERE sent_at IS NULL AND failed_at IS NULL")
        .await;
    assert!(unsent >= 1);
    assert_eq!(value(&after, "mail_outbox_backlog"), unsent as f64);
    for help in [
        "# TYPE auth_sign_ins_total counter",
        "# TYPE graphql_request_duration_seconds histogram",
        "# TYPE password_hash_queue_depth gauge",
        "# HELP auth_refresh_token_reuse_detected_total",
    ] {
        assert!(after.contains(help), "no {help:?} in {after}");
    }
}

async fn hostile_operation_names_add_no_label_values(engine: Engine) {
    let app = spawn(engine).await;
    let token = app.register_ok("eve@example.org", "eve").await["accessToken"]
        .as_str()
        .unwrap()
        .to_owned();
    let names: Vec<String> = (0..50)
        .map(|_| format!("Hostile_{}", uuid::Uuid::new_v4().simple()))
        .collect();
    for (i, name) in names.iter().enumerate() {
        // Named operations that run, names that match nothing, fields that
        // do not exist, and text that does not parse.
        let query = match i % 4 {
            0 => format!("query {name} {{ me {{ id }} }}"),
            1 => "query Me { me { id } }".to_owned(),
            2 => format!("query {name} {{ {name} }}"),
            _ => format!("query {name} {{ me {{ id "),
        };
        let reply: Value = app
            .http
            .post(app.url("/graphql"))
            .bearer_auth(&token)
            .json(&json!({ "query": query, "operationName": name }))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        if i % 4 == 0 {
            assert_no_errors(&reply);
        }
    }
    let exposition = scrape(&app).await;
    for name in &names {
        assert!(!exposition.contains(name.as_str()), "{name} became a label");
    }
    // Every operation label is a root field of the schema, or `other`.
    let sdl = service::graphql::sdl();
    for line in exposition.lines().filter(|l| !l.starts_with('#')) {
        if let Some(rest) = line.split("operation=\"").nth(1) {
            let operation = &rest[..rest.find('"').unwrap()];
            assert!(
                operation == "other"
                    || operation.starts_with("__")
                    || sdl.contains(&format!("\t{operation}")),
                "{operation} is no root field: {line}"
            );
        }
    }
    assert!(exposition.contains(r#"graphql_requests_total{operation="me",outcome="OK"}"#));
    assert!(exposition.contains(r#"operation="other",outcome="GRAPHQL_VALIDATION_FAILED"}"#));
}

async fn the_api_listener_serves_no_metrics(engine: Engine) {
    let app = spawn(engine).await;
    app.register_ok("mallory@example.org", "mallory").await;
    let api = app.http.get(app.url("/metrics")).send().await.unwrap();
    assert_eq!(api.status(), 404);
    assert!(!api.text().await.unwrap().contains("graphql_requests_total"));

    // Served with the client (`STATIC_DIR`), /metrics is the client's page.
    let dir = std::env::temp_dir().join(format!("static-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("index.html"), "<!doctype html><title>app</title>").unwrap();
    let with_client = app
        .replica_with(|config| config.static_dir = Some(dir.clone()))
        .await;
    let page = with_client
        .http
        .get(with_client.url("/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
    assert!(page.contains("<title>app</title>"), "{page}");
    assert!(!page.contains("graphql_requests_total"));

    // And the metrics listener serves that one path, read-only.
    let metrics = app.metrics_addr.unwrap();
    let other = app
        .http
        .get(format!("http://{metrics}/graphql"))
        .send()
        .await
        .unwrap();
    assert_eq!(other.status(), 404);
    let post = app
        .http
        .post(format!("http://{metrics}/metrics"))
        .send()
        .await
        .unwrap();
    assert_eq!(post.status(), 405);
}

async fn the_seal_lag_is_how_long_the_oldest_event_waited(engine: Engine) {
    let app = spawn(engine).await;
    app.register_ok("ada@example.org", "ada").await;
    app.clock.advance(chrono::Duration::seconds(30));
    assert_eq!(app.seal().await.len(), 1);
    // Thirty seconds moved on the clock, and the moments the test took.
    let lag = value(&scrape(&app).await, "audit_seal_lag_seconds");
    assert!((30.0..31.0).contains(&lag), "{lag}");
    // Nothing waited for the next round.
    assert!(app.seal().await.is_empty());
    assert_eq!(value(&scrape(&app).await, "audit_seal_lag_seconds"), 0.0);
}
