//! A person may take their data (GDPR article 20) and leave (article 17):
//! the export holds exactly their data; deleting the account removes
//! everything of it but its audit events, which stay under a pseudonym that
//! nothing links to any more.

use serde_json::{Value, json};

use crate::helpers::{Engine, PASSWORD, TestApp, assert_no_errors, error_code, tokens, user_id};

on_both_engines!(
    the_export_holds_exactly_the_callers_data,
    deleting_an_account_keeps_only_its_pseudonymous_events,
);

const EXPORT: &str = "mutation { exportMyData }";

async fn the_export_holds_exactly_the_callers_data(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let ada = app.register_ok("ada@example.org", "ada").await;
    let (ada_phone, _) = app
        .sign_in_from("ada@example.org", "Firefox/130 (Android)")
        .await;
    app.login("ada@example.org", "wrong password!", false).await;
    let bob = app.register_ok("bob@example.org", "bob").await;
    app.sign_in_from("bob@example.org", "Bob's secret browser")
        .await;

    let reply = app.gql(EXPORT, json!({}), Some(&ada_phone)).await;
    assert_no_errors(&reply);
    let export = &reply["data"]["exportMyData"];
    assert_eq!(export["profile"]["email"], "ada@example.org");
    assert_eq!(export["profile"]["id"], json!(user_id(&ada)));
    assert_eq!(export["sessions"].as_array().unwrap().len(), 2);
    let kinds: Vec<&str> = export["activity"]
        .as_array()
        .unwrap()
        .iter()
        .map(|event| event["kind"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        [
            "registered",
            "login_succeeded",
            "login_failed",
            "data_exported"
        ]
    );
    assert_eq!(
        export["activity"][2]["detail"]["reason"],
        "invalid_credentials"
    );

    // Nothing of Bob's is in it, nor any secret of Ada's.
    let text = export.to_string();
    for foreign in [
        "bob@example.org",
        "Bob's secret browser",
        &user_id(&bob).to_string(),
    ] {
        assert!(!text.contains(foreign), "{foreign} leaked into {text}");
    }
    let (_, refresh) = tokens(&ada);
    assert!(!text.contains(&refresh), "a refresh token in the export");
    assert!(!text.contains("hashed_password") && !text.contains("$bcrypt"));

    assert_eq!(
        error_code(&app.gql(EXPORT, json!({}), None).await).0,
        "UNAUTHENTICATED"
    );
}

async fn deleting_an_account_keeps_only_its_pseudonymous_events(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let ada = app.register_ok("ada@example.org", "ada").await;
    let ada_id = user_id(&ada);
    let (access, refresh) = tokens(&ada);
    app.sign_in_from("ada@example.org", "Firefox/130").await;
    app.login("ada@example.org", "wrong password!", false).await;
    app.gql(
        "mutation { requestPasswordReset(email: \"ada@example.org\") }",
        json!({}),
        None,
    )
    .await;
    app.mailed_token("ada@example.org", "password_reset").await;
    let bob = app.register_ok("bob@example.org", "bob").await;
    let pseudonym: uuid::Uuid = service::with_pool!(&app.db, |pool| sqlx::query_scalar(
        "SELECT audit_id FROM users WHERE id = $1"
    )
    .bind(ada_id)
    .fetch_one(pool)
    .await)
    .unwrap();
    let events_before = app.count("auth_events").await;

    let reply = app
        .gql(
            "mutation($p: String!) { deleteMyAccount(password: $p) }",
            json!({ "p": PASSWORD }),
            Some(&access),
        )
        .await;
    assert_eq!(reply["data"]["deleteMyAccount"], true, "{reply}");
    app.assert_signed_out(&access, &refresh).await;

    // Nothing of Ada's is left but her events (and Bob keeps his).
    let id = ada_id.to_string();
    for (table, column) in [
        ("users", "id"),
        ("sessions", "user_id"),
        ("email_tokens", "user_id"),
        ("known_user_agents", "user_id"),
        ("sign_in_passes", "user_id"),
    ] {
        let left = count_where(&app, table, column, Value::String(id.clone())).await;
        assert_eq!(left, 0, "{table} keeps rows of the deleted account");
    }
    let mail = app.queued_mail("ada@example.org").await;
    assert!(mail.is_empty(), "mail to the deleted address: {mail:?}");
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM login_throttle WHERE key LIKE '%ada@example.org%'")
            .await,
        0
    );
    assert_eq!(app.count("users").await, 1);
    assert_eq!(app.sessions_of(user_id(&bob)).await.len(), 1);

    // The events stay, under the pseudonym, with no email anywhere.
    assert_eq!(app.count("auth_events").await, events_before + 1);
    let under_pseudonym: i64 = service::with_pool!(&app.db, |pool| sqlx::query_scalar(
        "SELECT COUNT(*) FROM auth_events WHERE subject = $1"
    )
    .bind(pseudonym)
    .fetch_one(pool)
    .await)
    .unwrap();
    // Ada's four, and her deletion; Bob's registration is his.
    assert_eq!(under_pseudonym, events_before - 1 + 1);
    assert_eq!(
        app.scalar(
            "SELECT COUNT(*) FROM auth_events
             WHERE detail LIKE '%ada%' OR user_agent LIKE '%ada%'"
        )
        .await,
        0
    );

    // An admin sees them as a pseudonym's, no longer as an account's.
    let admin = app.admin_token().await;
    let reply = app
        .gql(
            "{ auditEvents(first: 100) { nodes { kind subject account { email } } } }",
            json!({}),
            Some(&admin),
        )
        .await;
    let deleted: Vec<&Value> = reply["data"]["auditEvents"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|event| event["subject"] == pseudonym.to_string())
        .collect();
    assert_eq!(deleted.len() as i64, under_pseudonym);
    assert!(deleted.iter().all(|event| event["account"].is_null()));
    assert_eq!(deleted[0]["kind"], "ACCOUNT_DELETED");
    assert_eq!(
        error_code(&app.login("ada@example.org", PASSWORD, false).await).0,
        "INVALID_CREDENTIALS"
    );
}

async fn count_where(app: &TestApp, table: &str, column: &str, value: Value) -> i64 {
    let id: uuid::Uuid = value.as_str().unwrap().parse().unwrap();
    let sql = sqlx::AssertSqlSafe(format!("SELECT COUNT(*) FROM {table} WHERE {column} = $1"));
    service::with_pool!(&app.db, |pool| sqlx::query_scalar(sql)
        .bind(id)
        .fetch_one(pool)
        .await)
    .unwrap()
}
