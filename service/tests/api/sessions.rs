//! A person's own sessions and password: the list of their devices, signing
//! one out, signing out everywhere, and changing the password, on both
//! engines.

use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use crate::helpers::{Engine, PASSWORD, TestApp, assert_no_errors, error_code, tokens};

on_both_engines!(
    my_sessions_lists_the_callers_live_devices_newest_first,
    revoke_session_ends_one_of_the_callers_sessions_only,
    logout_everywhere_ends_the_others_or_all,
    change_password_needs_the_current_one_and_ends_the_other_sessions,
    wrong_current_passwords_count_against_signing_in,
    an_idle_session_cannot_be_refreshed,
    no_session_outlives_the_maximum,
);

const MY_SESSIONS: &str =
    "{ mySessions { id createdAt lastUsedAt expiresAt userAgent ipAddress current } }";

/// Two people, each with the session registering gave them: their tokens.
async fn ada_and_bob(app: &TestApp) -> [(String, String); 2] {
    let ada = app.register_ok("ada@example.org", "ada").await;
    let bob = app.register_ok("bob@example.org", "bob").await;
    [tokens(&ada), tokens(&bob)]
}

async fn my_sessions(app: &TestApp, access: &str) -> Vec<Value> {
    let reply = app.gql(MY_SESSIONS, json!({}), Some(access)).await;
    assert_no_errors(&reply);
    reply["data"]["mySessions"].as_array().unwrap().clone()
}

fn time(value: &Value) -> DateTime<Utc> {
    value.as_str().unwrap().parse().unwrap()
}

async fn my_sessions_lists_the_callers_live_devices_newest_first(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    ada_and_bob(&app).await;
    let (_, laptop_refresh) = app.sign_in_from("ada@example.org", "Laptop/1.0").await;
    app.clock.advance(chrono::Duration::seconds(1));
    let (phone, _) = app.sign_in_from("ada@example.org", "Phone/2.0").await;

    let listed = my_sessions(&app, &phone).await;
    // Ada's registration, laptop and phone; nothing of Bob's.
    assert_eq!(listed.len(), 3, "{listed:#?}");
    assert_eq!(listed[0]["userAgent"], "Phone/2.0");
    assert_eq!(listed[1]["userAgent"], "Laptop/1.0");
    assert_eq!(
        listed
            .iter()
            .map(|s| s["current"] == true)
            .collect::<Vec<_>>(),
        [true, false, false]
    );
    assert!(time(&listed[0]["createdAt"]) > time(&listed[1]["createdAt"]));
    for session in &listed {
        assert_eq!(session["ipAddress"], "127.0.0.1");
        assert_eq!(session["lastUsedAt"], session["createdAt"]);
    }

    // A refresh marks the session used; reading the list does not.
    app.clock.advance(chrono::Duration::minutes(5));
    assert_no_errors(&app.refresh(&laptop_refresh).await);
    let listed = my_sessions(&app, &phone).await;
    let laptop = &listed[1];
    // The clock moved 5 min 1 s since the laptop signed in (and real time a
    // little more).
    let used_after = time(&laptop["lastUsedAt"]) - time(&laptop["createdAt"]);
    assert!(
        (301..311).contains(&used_after.num_seconds()),
        "{used_after:?}"
    );
    assert_eq!(listed[0]["lastUsedAt"], listed[0]["createdAt"]);

    // An expired session is no longer a device anyone uses.
    app.execute("UPDATE sessions SET expires_at = '2000-01-01T00:00:00+00:00' WHERE device_info = 'Laptop/1.0'")
        .await
        .unwrap();
    assert_eq!(my_sessions(&app, &phone).await.len(), 2);

    let reply = app.gql(MY_SESSIONS, json!({}), None).await;
    assert_eq!(error_code(&reply).0, "UNAUTHENTICATED");
}

const REVOKE: &str = "mutation($id: UUID!) { revokeSession(id: $id) }";

async fn revoke_session_ends_one_of_the_callers_sessions_only(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let [(ada, _), (bob, bob_refresh)] = ada_and_bob(&app).await;
    let (laptop, laptop_refresh) = app.sign_in_from("ada@example.org", "Laptop/1.0").await;
    let bobs_session = my_sessions(&app, &bob).await[0]["id"].clone();

    // Another person's session id: refused quietly, and it lives on.
    let reply = app
        .gql(REVOKE, json!({ "id": bobs_session }), Some(&ada))
        .await;
    assert_eq!(reply["data"]["revokeSession"], false, "{reply}");
    assert_no_errors(&app.me(Some(&bob)).await);
    let (bob, _) = tokens(&app.refresh(&bob_refresh).await["data"]["refreshToken"]);
    assert_no_errors(&app.me(Some(&bob)).await);

    // Ada signs her laptop out from her first session: its tokens die at once.
    let laptop_id = my_sessions(&app, &laptop).await[0]["id"].clone();
    let reply = app
        .gql(REVOKE, json!({ "id": laptop_id }), Some(&ada))
        .await;
    assert_eq!(reply["data"]["revokeSession"], true, "{reply}");
    app.assert_signed_out(&laptop, &laptop_refresh).await;
    assert_no_errors(&app.me(Some(&ada)).await);
    // Once is enough; an id that never was is no one's.
    let reply = app
        .gql(REVOKE, json!({ "id": laptop_id }), Some(&ada))
        .await;
    assert_eq!(reply["data"]["revokeSession"], false);
    let reply = app
        .gql(REVOKE, json!({ "id": uuid::Uuid::new_v4() }), Some(&ada))
        .await;
    assert_eq!(reply["data"]["revokeSession"], false);
    assert_eq!(app.count("sessions").await, 2, "Ada's first and Bob's");

    let reply = app.gql(REVOKE, json!({ "id": bobs_session }), None).await;
    assert_eq!(error_code(&reply).0, "UNAUTHENTICATED");
}

const EVERYWHERE: &str = "mutation($keep: Boolean!) { logoutEverywhere(keepCurrent: $keep) }";

async fn logout_everywhere_ends_the_others_or_all(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let [(here, _), (bob, _)] = ada_and_bob(&app).await;
    let others = [
        app.sign_in_from("ada@example.org", "Laptop/1.0").await,
        app.sign_in_from("ada@example.org", "Phone/2.0").await,
    ];
    // An expired session goes too, but is not counted as ended now.
    app.execute("UPDATE sessions SET expires_at = '2000-01-01T00:00:00+00:00' WHERE device_info = 'Phone/2.0'")
        .await
        .unwrap();

    let reply = app
        .gql("mutation { logoutEverywhere }", json!({}), Some(&here))
        .await;
    assert_eq!(reply["data"]["logoutEverywhere"], 1, "{reply}");
    for (access, refresh) in &others {
        app.assert_signed_out(access, refresh).await;
    }
    assert_no_errors(&app.me(Some(&here)).await);
    assert_no_errors(&app.me(Some(&bob)).await);
    assert_eq!(app.count("sessions").await, 2, "this one and Bob's");

    let reply = app
        .gql(EVERYWHERE, json!({ "keep": false }), Some(&here))
        .await;
    assert_eq!(reply["data"]["logoutEverywhere"], 1, "{reply}");
    assert_eq!(error_code(&app.me(Some(&here)).await).0, "UNAUTHENTICATED");
    assert_no_errors(&app.me(Some(&bob)).await);

    let reply = app.gql(EVERYWHERE, json!({ "keep": true }), None).await;
    assert_eq!(error_code(&reply).0, "UNAUTHENTICATED");
}

const CHANGE: &str = "mutation($current: String!, $new: String!) {
    changePassword(currentPassword: $current, newPassword: $new) }";

async fn change_password(app: &TestApp, access: Option<&str>, current: &str, new: &str) -> Value {
    let variables = json!({ "current": current, "new": new });
    app.gql(CHANGE, variables, access).await
}

async fn change_password_needs_the_current_one_and_ends_the_other_sessions(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let [(here, here_refresh), (bob, _)] = ada_and_bob(&app).await;
    let (laptop, laptop_refresh) = app.sign_in_from("ada@example.org", "Laptop/1.0").await;
    let new = "a much better passphrase";

    // Refused, and nothing changes: a wrong current password, a weak new
    // one, no session at all.
    let reply = change_password(&app, Some(&here), "not the password", new).await;
    assert_eq!(error_code(&reply).0, "INVALID_CREDENTIALS", "{reply}");
    let reply = change_password(&app, Some(&here), PASSWORD, "short").await;
    assert_eq!(
        error_code(&reply),
        ("BAD_USER_INPUT".into(), Some("newPassword".into()))
    );
    let reply = change_password(&app, None, PASSWORD, new).await;
    assert_eq!(error_code(&reply).0, "UNAUTHENTICATED");
    assert_no_errors(&app.me(Some(&laptop)).await);
    assert_no_errors(&app.login("ada@example.org", PASSWORD, false).await);

    let reply = change_password(&app, Some(&here), PASSWORD, new).await;
    assert_eq!(reply["data"]["changePassword"], true, "{reply}");
    // The laptop, and the session the login above opened, are gone; this one
    // and Bob's are not.
    app.assert_signed_out(&laptop, &laptop_refresh).await;
    assert_eq!(app.count("sessions").await, 2, "this one and Bob's");
    assert_no_errors(&app.me(Some(&here)).await);
    assert_no_errors(&app.refresh(&here_refresh).await);
    assert_no_errors(&app.me(Some(&bob)).await);
    let old = app.login("ada@example.org", PASSWORD, false).await;
    assert_eq!(error_code(&old).0, "INVALID_CREDENTIALS");
    assert_no_errors(&app.login("ada@example.org", new, false).await);
}

async fn wrong_current_passwords_count_against_signing_in(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let [(here, _), _] = ada_and_bob(&app).await;
    let new = "a much better passphrase";
    // The account's five tries in a window, spent through changePassword.
    for _ in 0..5 {
        let reply = change_password(&app, Some(&here), "a wrong guess", new).await;
        assert_eq!(error_code(&reply).0, "INVALID_CREDENTIALS", "{reply}");
    }
    let reply = change_password(&app, Some(&here), PASSWORD, new).await;
    assert_eq!(error_code(&reply).0, "RATE_LIMITED", "{reply}");
    let reply = app.login("ada@example.org", PASSWORD, false).await;
    assert_eq!(error_code(&reply).0, "RATE_LIMITED", "{reply}");
    // Bob's account has its own count.
    assert_no_errors(&app.login("bob@example.org", PASSWORD, false).await);
}

/// The refresh token of a `refreshToken` reply, failing on errors.
fn refreshed(reply: &Value) -> String {
    assert_no_errors(reply);
    tokens(&reply["data"]["refreshToken"]).1
}

async fn an_idle_session_cannot_be_refreshed(engine: Engine) {
    let app = TestApp::spawn_with(engine, |c| c.session_idle_minutes = Some(30)).await;
    let (_, mut refresh) = tokens(&app.register_ok("ada@example.org", "ada").await);
    // Each refresh is a use: a session in use never idles out.
    for _ in 0..3 {
        app.clock.advance(chrono::Duration::minutes(29));
        refresh = refreshed(&app.refresh(&refresh).await);
    }
    app.clock.advance(chrono::Duration::minutes(31));
    let reply = app.refresh(&refresh).await;
    assert_eq!(error_code(&reply).0, "UNAUTHENTICATED", "{reply}");
    // Signing in again starts a new session.
    let again = app.login("ada@example.org", PASSWORD, false).await;
    refreshed(&app.refresh(&tokens(&again["data"]["login"]).1).await);
}

async fn no_session_outlives_the_maximum(engine: Engine) {
    let app = TestApp::spawn_with(engine, |c| c.session_max_hours = Some(1)).await;
    let registered = app.register_ok("ada@example.org", "ada").await;
    let reply = app.login("ada@example.org", PASSWORD, true).await;
    let (_, mut refresh) = tokens(&reply["data"]["login"]);
    // "Remember me" asks for 30 days; the cap gives an hour.
    for session in app.sessions_of(crate::helpers::user_id(&registered)).await {
        assert!(session.expires_at - session.created_at <= chrono::Duration::hours(1));
    }
    app.clock.advance(chrono::Duration::minutes(59));
    refresh = refreshed(&app.refresh(&refresh).await);
    let access = {
        let reply = app.refresh(&refresh).await;
        assert_no_errors(&reply);
        refresh = tokens(&reply["data"]["refreshToken"]).1;
        tokens(&reply["data"]["refreshToken"]).0
    };
    app.clock.advance(chrono::Duration::minutes(2));
    let reply = app.refresh(&refresh).await;
    assert_eq!(error_code(&reply).0, "UNAUTHENTICATED", "{reply}");
    let me = app.me(Some(&access)).await;
    assert_eq!(error_code(&me).0, "UNAUTHENTICATED", "{me}");
}
