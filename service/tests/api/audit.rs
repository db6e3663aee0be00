//! The audit trail: each action records its event and nothing else does,
//! in the transaction of the change (a rolled-back change leaves none);
//! sealed blocks detect edits (`service audit verify` names the block);
//! retention drops whole blocks; the trail is readable by its subject and by
//! admins, a page at a time.

use serde_json::{Value, json};
use service::auth::audit;

use crate::helpers::{Engine, PASSWORD, TestApp, assert_no_errors, error_code, tokens, user_id};

on_both_engines!(
    each_action_records_its_event_and_nothing_else,
    refused_sign_ins_and_the_lock_are_recorded,
    a_change_that_rolls_back_leaves_no_event,
    events_cannot_be_edited_through_the_service_database_user,
    audit_verify_names_the_first_edited_block,
    retention_drops_whole_blocks_and_keeps_the_head,
    activity_pages_are_the_callers_own_and_admins_filter,
);

/// The events recorded so far, oldest first, as `kind/outcome/actor`.
async fn events(app: &TestApp) -> Vec<String> {
    service::with_pool!(&app.db, |pool| {
        sqlx::query_as::<_, (String, String, String)>(
            "SELECT kind, outcome, actor FROM auth_events ORDER BY occurred_at, id",
        )
        .fetch_all(pool)
        .await
    })
    .unwrap()
    .into_iter()
    .map(|(kind, outcome, actor)| format!("{kind}/{outcome}/{actor}"))
    .collect()
}

/// Runs `action` and checks that exactly `expected` events were recorded
/// by it, in any order.
macro_rules! records {
    ($app:expr, [$($expected:literal),* $(,)?], $action:expr) => {{
        let before = events($app).await.len();
        let result = $action;
        let mut new: Vec<String> = events($app).await.split_off(before);
        new.sort();
        let mut expected: Vec<String> = vec![$($expected.to_owned()),*];
        expected.sort();
        assert_eq!(new, expected, "events recorded by {}", stringify!($action));
        result
    }};
}

const ME: &str = "{ me { id } }";

async fn each_action_records_its_event_and_nothing_else(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let ada = records!(&app, ["registered/success/self"], {
        app.register_ok("ada@example.org", "ada").await
    });
    let ada_id = user_id(&ada);
    let (access, refresh) = tokens(&ada);

    // Reading and refreshing are not events.
    let refreshed = records!(&app, [], {
        assert_no_errors(&app.gql(ME, json!({}), Some(&access)).await);
        app.refresh(&refresh).await
    });
    let (access, current_refresh) = tokens(&refreshed["data"]["refreshToken"]);
    // Past the grace for two tabs racing, the old token is a replay.
    app.clock.advance(chrono::Duration::seconds(11));
    records!(&app, ["refresh_token_reused/success/system"], {
        app.refresh(&refresh).await
    });
    assert_eq!(
        error_code(&app.me(Some(&access)).await).0,
        "UNAUTHENTICATED"
    );
    assert_eq!(
        error_code(&app.refresh(&current_refresh).await).0,
        "UNAUTHENTICATED"
    );

    let access = records!(&app, ["login_succeeded/success/self"], {
        app.login_ok("ada@example.org").await
    });
    records!(&app, ["login_failed/failure/self"], {
        app.login("ada@example.org", "wrong password!", false).await
    });
    records!(&app, ["login_failed/failure/self"], {
        app.login("nobody@example.org", PASSWORD, false).await
    });
    let login = app.login("ada@example.org", PASSWORD, false).await;
    let (_, refresh) = tokens(&login["data"]["login"]);
    records!(&app, ["logged_out/success/self"], {
        app.gql(
            "mutation($t: String!) { logout(refreshToken: $t) }",
            json!({ "t": refresh }),
            None,
        )
        .await
    });
    // Logging out a session that has ended records nothing.
    records!(&app, [], {
        app.gql(
            "mutation($t: String!) { logout(refreshToken: $t) }",
            json!({ "t": refresh }),
            None,
        )
        .await
    });

    let (other_access, _) = app.sign_in_from("ada@example.org", "Firefox/130").await;
    let sessions = app
        .gql(
            "{ mySessions { id current } }",
            json!({}),
            Some(&other_access),
        )
        .await;
    let other = sessions["data"]["mySessions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["current"] == true)
        .unwrap()["id"]
        .clone();
    records!(&app, ["session_revoked/success/self"], {
        app.gql(
            "mutation($id: UUID!) { revokeSession(id: $id) }",
            json!({ "id": other }),
            Some(&access),
        )
        .await
    });
    records!(&app, ["logged_out_everywhere/success/self"], {
        app.gql("mutation { logoutEverywhere }", json!({}), Some(&access))
            .await
    });

    const CHANGE: &str = "mutation($c: String!, $n: String!) {
        changePassword(currentPassword: $c, newPassword: $n) }";
    let new_password = "a brand new passphrase 42";
    records!(&app, ["password_changed/failure/self"], {
        app.gql(
            CHANGE,
            json!({ "c": "not the password", "n": new_password }),
            Some(&access),
        )
        .await
    });
    // A weak new password is refused before any check: nothing to record.
    records!(&app, [], {
        app.gql(
            CHANGE,
            json!({ "c": PASSWORD, "n": "password" }),
            Some(&access),
        )
        .await
    });
    records!(&app, ["password_changed/success/self"], {
        assert_no_errors(
            &app.gql(
                CHANGE,
                json!({ "c": PASSWORD, "n": new_password }),
                Some(&access),
            )
            .await,
        )
    });

    // The reset link is queued after the answer.
    app.gql(
        "mutation { requestPasswordReset(email: \"ada@example.org\") }",
        json!({}),
        None,
    )
    .await;
    let token = app.mailed_token("ada@example.org", "password_reset").await;
    assert!(
        events(&app)
            .await
            .last()
            .unwrap()
            .starts_with("password_reset_requested/")
    );
    records!(&app, [], {
        app.gql(
            "mutation { requestPasswordReset(email: \"nobody@example.org\") }",
            json!({}),
            None,
        )
        .await
    });
    records!(&app, ["password_reset/success/self"], {
        assert_no_errors(
            &app.gql(
                "mutation($t: String!) { resetPassword(token: $t, newPassword: \"yet another passphrase 7\") }",
                json!({ "t": token }),
                None,
            )
            .await,
        )
    });
    let verification = app.mailed_token("ada@example.org", "verification").await;
    records!(&app, ["email_verified/success/self"], {
        assert_no_errors(
            &app.gql(
                "mutation($t: String!) { verifyEmail(token: $t) }",
                json!({ "t": verification }),
                None,
            )
            .await,
        )
    });

    // An admin's actions are theirs.
    let admin = records!(
        &app,
        [
            "admin_seeded/success/system",
            "login_succeeded/success/self"
        ],
        app.admin_token().await
    );
    let id = json!({ "id": ada_id });
    records!(&app, ["account_deactivated/success/admin"], {
        assert_no_errors(
            &app.gql(
                "mutation($id: UUID!) { setUserActive(id: $id, active: false) { id } }",
                id.clone(),
                Some(&admin),
            )
            .await,
        )
    });
    records!(&app, ["account_activated/success/admin"], {
        assert_no_errors(
            &app.gql(
                "mutation($id: UUID!) { setUserActive(id: $id, active: true) { id } }",
                id.clone(),
                Some(&admin),
            )
            .await,
        )
    });
    records!(&app, ["role_changed/success/admin"], {
        assert_no_errors(
            &app.gql(
                "mutation($id: UUID!) { setUserRole(id: $id, role: USER) { id } }",
                id.clone(),
                Some(&admin),
            )
            .await,
        )
    });
    let access = records!(&app, ["login_succeeded/success/self"], {
        app.login_with("ada@example.org", "yet another passphrase 7")
            .await
    });
    records!(&app, ["logged_out_everywhere/success/admin"], {
        let reply = app
            .gql(
                "mutation($id: UUID!) { revokeUserSessions(id: $id) }",
                id.clone(),
                Some(&admin),
            )
            .await;
        assert_eq!(reply["data"]["revokeUserSessions"], 1, "{reply}");
    });
    assert_eq!(
        error_code(&app.me(Some(&access)).await).0,
        "UNAUTHENTICATED"
    );

    let access = app
        .login_with("ada@example.org", "yet another passphrase 7")
        .await;
    records!(&app, ["data_exported/success/self"], {
        assert_no_errors(
            &app.gql("mutation { exportMyData }", json!({}), Some(&access))
                .await,
        )
    });
    const DELETE: &str = "mutation($p: String!) { deleteMyAccount(password: $p) }";
    records!(&app, ["account_deleted/failure/self"], {
        let reply = app
            .gql(DELETE, json!({ "p": "not the password" }), Some(&access))
            .await;
        assert_eq!(error_code(&reply).0, "INVALID_CREDENTIALS");
    });
    records!(&app, ["account_deleted/success/self"], {
        let reply = app
            .gql(
                DELETE,
                json!({ "p": "yet another passphrase 7" }),
                Some(&access),
            )
            .await;
        assert_eq!(reply["data"]["deleteMyAccount"], true, "{reply}");
    });

    let bob = app.register_ok("bob@example.org", "bob").await;
    records!(&app, ["account_deleted/success/admin"], {
        let reply = app
            .gql(
                "mutation($id: UUID!) { deleteUser(id: $id) }",
                json!({ "id": user_id(&bob) }),
                Some(&admin),
            )
            .await;
        assert_eq!(reply["data"]["deleteUser"], true, "{reply}");
    });
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM users WHERE email <> 'admin@example.org'")
            .await,
        0
    );
}

async fn refused_sign_ins_and_the_lock_are_recorded(engine: Engine) {
    let app = TestApp::spawn_with(engine, |config| {
        config.login_max_attempts_per_account_address = 2;
        config.login_lock_after_attempts = 3;
        config.trusted_proxies = vec!["127.0.0.1/32".parse().unwrap()];
    })
    .await;
    app.register_ok("ada@example.org", "ada").await;
    const LOGIN: &str = "mutation($i: LoginInput!) { login(input: $i) { accessToken } }";
    let attempt = |from: &'static str| {
        let app = &app;
        async move {
            app.gql_from(
                from,
                LOGIN,
                json!({ "i": { "email": "ada@example.org", "password": "wrong password!" } }),
                None,
            )
            .await
        }
    };
    records!(
        &app,
        ["login_failed/failure/self"],
        attempt("192.0.2.1").await
    );
    records!(
        &app,
        ["login_failed/failure/self"],
        attempt("192.0.2.1").await
    );
    records!(&app, ["login_throttled/failure/self"], {
        let reply = attempt("192.0.2.1").await;
        assert_eq!(error_code(&reply).0, "RATE_LIMITED");
    });
    records!(
        &app,
        ["login_failed/failure/self"],
        attempt("192.0.2.2").await
    );
    // The fourth check of the account from anywhere locks it.
    records!(
        &app,
        [
            "sign_in_locked/success/system",
            "login_throttled/failure/self"
        ],
        {
            let reply = attempt("192.0.2.3").await;
            assert_eq!(error_code(&reply).0, "SIGN_IN_LOCKED");
        }
    );
    let detail: String = service::with_pool!(&app.db, |pool| sqlx::query_scalar(
        "SELECT detail FROM auth_events WHERE kind = 'login_throttled' ORDER BY occurred_at DESC LIMIT 1"
    )
    .fetch_one(pool)
    .await)
    .unwrap();
    assert_eq!(detail, r#"{"reason":"sign_in_locked"}"#);
    let unlock = app.mailed_token("ada@example.org", "sign_in_locked").await;
    records!(&app, ["sign_in_unlocked/success/self"], {
        assert_no_errors(
            &app.gql(
                "mutation($t: String!) { unlockSignIn(token: $t) }",
                json!({ "t": unlock }),
                None,
            )
            .await,
        )
    });
    // Aliased sign-ins refused before execution reach no throttle and
    // record nothing.
    records!(&app, [], {
        let reply = app
            .gql(
                "mutation { a: login(input: {email: \"ada@example.org\", password: \"x1234567\"}) { accessToken }
                            b: login(input: {email: \"ada@example.org\", password: \"x1234568\"}) { accessToken } }",
                json!({}),
                None,
            )
            .await;
        assert_eq!(error_code(&reply).0, "TOO_MANY_PASSWORD_FIELDS");
    });
    // The events carry where they came from, and never the email typed.
    let addresses = app
        .scalar("SELECT COUNT(DISTINCT ip_address) FROM auth_events WHERE kind LIKE 'login%'")
        .await;
    assert_eq!(addresses, 3);
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM auth_events WHERE detail LIKE '%example.org%'")
            .await,
        0
    );
}

async fn a_change_that_rolls_back_leaves_no_event(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let admin = app.admin_token().await;
    app.register_ok("ada@example.org", "ada").await;

    // Deleting the last admin records the deletion, then is refused: both
    // roll back, and the refusal is recorded on its own.
    records!(&app, ["account_deleted/failure/self"], {
        let reply = app
            .gql(
                "mutation($p: String!) { deleteMyAccount(password: $p) }",
                json!({ "p": PASSWORD }),
                Some(&admin),
            )
            .await;
        assert_eq!(error_code(&reply).0, "LAST_ADMIN");
    });
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM users WHERE role = 'admin'")
            .await,
        1
    );
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM auth_events WHERE detail = '{\"reason\":\"last_admin\"}'")
            .await,
        1
    );

    // A sign-in whose transaction fails after its event was written leaves
    // neither the session nor the event.
    app.refuse_inserts_into("known_user_agents").await;
    let sessions = app.count("sessions").await;
    records!(&app, [], {
        let reply = app.login("ada@example.org", PASSWORD, false).await;
        assert_eq!(error_code(&reply).0, "INTERNAL_SERVER_ERROR", "{reply}");
    });
    assert_eq!(app.count("sessions").await, sessions);
}

async fn events_cannot_be_edited_through_the_service_database_user(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    app.register_ok("ada@example.org", "ada").await;
    assert!(
        app.execute("UPDATE auth_events SET ip_address = '203.0.113.9'")
            .await
            .is_err(),
        "an unsealed event cannot be edited"
    );
    assert!(
        app.execute("DELETE FROM auth_events").await.is_err(),
        "nor deleted before it is sealed and expired"
    );
    app.seal().await;
    assert!(
        app.execute("UPDATE auth_events SET detail = '{}', block = block")
            .await
            .is_err(),
        "a sealed event cannot be edited"
    );
    assert!(
        app.execute("UPDATE audit_blocks SET hash = previous_hash")
            .await
            .is_err(),
        "nor its block"
    );
    assert_eq!(app.count("auth_events").await, 1);
}

/// What `service audit verify` prints, and whether it succeeded.
async fn verify_command(app: &TestApp) -> (bool, String) {
    let output = tokio::process::Command::new(env!("CARGO_BIN_EXE_service"))
        .args(["audit", "verify"])
        .env_clear()
        .env("DATABASE_URL", &app.config.database_url)
        .env("SECRET_KEY", crate::helpers::TEST_SECRET)
        .env("MAIL_DELIVERY", "log")
        .env("LOG_FORMAT", "json")
        .output()
        .await
        .expect("the service binary runs");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    (output.status.success(), text)
}

async fn audit_verify_names_the_first_edited_block(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    app.register_ok("ada@example.org", "ada").await;
    app.login_ok("ada@example.org").await;
    assert_eq!(app.seal().await.len(), 1);
    app.register_ok("bob@example.org", "bob").await;
    app.login("bob@example.org", "wrong password!", false).await;
    app.login_ok("bob@example.org").await;
    let blocks = app.seal().await;
    assert_eq!(
        (blocks.len(), blocks[0].seq, blocks[0].event_count),
        (1, 2, 3)
    );
    assert!(app.seal().await.is_empty(), "nothing left to seal");

    let checked = audit::verify(&app.db).await.unwrap();
    assert_eq!(
        (checked.blocks, checked.events, checked.broken),
        (2, 5, None)
    );
    let (ok, said) = verify_command(&app).await;
    assert!(ok, "{said}");
    assert!(
        said.contains("audit trail verified: 2 blocks, 5 events"),
        "{said}"
    );

    // Someone with the database's keys turns the guard off and moves a
    // failed sign-in elsewhere.
    match engine {
        Engine::Postgres => app
            .execute("ALTER TABLE auth_events DISABLE TRIGGER trg_auth_events_append_only")
            .await
            .unwrap(),
        Engine::Sqlite => app
            .execute("DROP TRIGGER trg_auth_events_no_update")
            .await
            .unwrap(),
    };
    let edited = app
        .execute("UPDATE auth_events SET ip_address = '203.0.113.9' WHERE kind = 'login_failed'")
        .await
        .unwrap();
    assert_eq!(edited, 1);
    let checked = audit::verify(&app.db).await.unwrap();
    assert_eq!(checked.blocks, 1, "block 1 still verifies");
    assert_eq!(checked.broken.as_ref().map(|broken| broken.block), Some(2));
    let (ok, said) = verify_command(&app).await;
    assert!(!ok, "verify fails: {said}");
    assert!(said.contains("audit trail broken at block 2"), "{said}");

    // Deleting an event is caught the same way.
    let app = TestApp::spawn(engine).await;
    app.register_ok("ada@example.org", "ada").await;
    app.login_ok("ada@example.org").await;
    app.seal().await;
    match engine {
        Engine::Postgres => app
            .execute("ALTER TABLE auth_events DISABLE TRIGGER trg_auth_events_append_only")
            .await
            .unwrap(),
        Engine::Sqlite => 0,
    };
    assert_eq!(
        app.execute("DELETE FROM auth_events WHERE kind = 'login_succeeded'")
            .await
            .unwrap(),
        1
    );
    let checked = audit::verify(&app.db).await.unwrap();
    assert_eq!(checked.broken.map(|broken| broken.block), Some(1));
}

async fn retention_drops_whole_blocks_and_keeps_the_head(engine: Engine) {
    let app = TestApp::spawn_with(engine, |config| config.audit_retention_days = 30).await;
    app.register_ok("ada@example.org", "ada").await;
    app.seal().await;
    app.clock.advance(chrono::Duration::days(20));
    app.login_ok("ada@example.org").await;
    app.seal().await;
    app.clock.advance(chrono::Duration::days(20));
    app.login_ok("ada@example.org").await;
    app.seal().await;
    // Block 1 is 40 days old, block 2 20 days: only block 1 goes.
    let swept = app.sweep().await;
    assert_eq!(swept.audit_events, 1);
    assert_eq!(app.scalar("SELECT MIN(seq) FROM audit_blocks").await, 2);
    let checked = audit::verify(&app.db).await.unwrap();
    assert_eq!(
        (checked.first_block, checked.blocks, checked.broken),
        (Some(2), 2, None)
    );
    // However old, the newest block stays: the chain keeps its head.
    app.clock.advance(chrono::Duration::days(400));
    assert_eq!(app.sweep().await.audit_events, 1);
    assert_eq!(app.count("audit_blocks").await, 1);
    assert_eq!(app.count("auth_events").await, 1);
    let block = app.seal().await;
    assert!(block.is_empty());
    app.login_ok("ada@example.org").await;
    assert_eq!(
        app.seal().await[0].seq,
        4,
        "numbering goes on from the head"
    );
    assert!(audit::verify(&app.db).await.unwrap().broken.is_none());
}

const ACTIVITY: &str = "query($first: Int!, $after: String) {
    myActivity(first: $first, after: $after) {
        edges { cursor node { kind outcome actor ipAddress device account { email } } }
        pageInfo { hasNextPage endCursor } } }";

async fn activity_pages_are_the_callers_own_and_admins_filter(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let ada = app.register_ok("ada@example.org", "ada").await;
    for _ in 0..4 {
        app.login_ok("ada@example.org").await;
    }
    app.login("ada@example.org", "wrong password!", false).await;
    app.register_ok("bob@example.org", "bob").await;
    app.login_ok("bob@example.org").await;
    let access = app.login_ok("ada@example.org").await;

    // Ada's seven events, newest first, three at a time, no overlap.
    let mut seen: Vec<Value> = Vec::new();
    let mut after = Value::Null;
    loop {
        let reply = app
            .gql(
                ACTIVITY,
                json!({ "first": 3, "after": after }),
                Some(&access),
            )
            .await;
        assert_no_errors(&reply);
        let page = &reply["data"]["myActivity"];
        seen.extend(
            page["edges"]
                .as_array()
                .unwrap()
                .iter()
                .map(|e| e["node"].clone()),
        );
        if page["pageInfo"]["hasNextPage"] != true {
            break;
        }
        after = page["pageInfo"]["endCursor"].clone();
    }
    let kinds: Vec<&str> = seen.iter().map(|e| e["kind"].as_str().unwrap()).collect();
    assert_eq!(
        kinds,
        [
            "LOGIN_SUCCEEDED",
            "LOGIN_FAILED",
            "LOGIN_SUCCEEDED",
            "LOGIN_SUCCEEDED",
            "LOGIN_SUCCEEDED",
            "LOGIN_SUCCEEDED",
            "REGISTERED"
        ]
    );
    assert!(
        seen.iter()
            .all(|e| e["account"]["email"] == "ada@example.org")
    );
    assert_eq!(seen[1]["outcome"], "FAILURE");
    assert_eq!(seen[0]["actor"], "SELF");

    for (variables, field) in [
        (json!({ "first": 0 }), "first"),
        (json!({ "first": 101 }), "first"),
        (json!({ "first": 5, "after": "bm90IGEgY3Vyc29y" }), "after"),
    ] {
        let reply = app.gql(ACTIVITY, variables, Some(&access)).await;
        assert_eq!(
            error_code(&reply),
            ("BAD_USER_INPUT".into(), Some(field.into()))
        );
    }

    // The whole trail is for admins only.
    const AUDIT: &str = "query($filter: AuditFilter, $first: Int!) {
        auditEvents(filter: $filter, first: $first) { nodes { kind account { email } } } }";
    let reply = app.gql(AUDIT, json!({ "first": 10 }), Some(&access)).await;
    assert_eq!(error_code(&reply).0, "FORBIDDEN");
    let admin = app.admin_token().await;
    let filter = json!({ "userId": user_id(&ada), "kinds": ["LOGIN_FAILED", "REGISTERED"] });
    let reply = app
        .gql(
            AUDIT,
            json!({ "filter": filter, "first": 10 }),
            Some(&admin),
        )
        .await;
    let kinds: Vec<&str> = reply["data"]["auditEvents"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["LOGIN_FAILED", "REGISTERED"], "{reply}");
    let future = json!({ "since": "2999-01-01T00:00:00Z" });
    let reply = app
        .gql(
            AUDIT,
            json!({ "filter": future, "first": 10 }),
            Some(&admin),
        )
        .await;
    assert_eq!(reply["data"]["auditEvents"]["nodes"], json!([]), "{reply}");
    let everything = app.gql(AUDIT, json!({ "first": 100 }), Some(&admin)).await;
    assert_eq!(
        everything["data"]["auditEvents"]["nodes"]
            .as_array()
            .unwrap()
            .len() as i64,
        app.count("auth_events").await
    );
}
