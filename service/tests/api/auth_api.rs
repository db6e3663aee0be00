//! The auth API through HTTP and GraphQL, on PostgreSQL and SQLite alike.

use crate::helpers::{
    Engine, PASSWORD, TEST_SECRET, TestApp, assert_no_errors, error_code, tokens, user_id,
};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{Duration, Utc};
use serde_json::json;
use sha2::{Digest, Sha256};
use uuid::Uuid;

on_both_engines!(
    register_signs_in_and_lowercases_the_email,
    login_remember_me_selects_the_session_lifetime,
    refresh_rotates_and_the_old_token_dies,
    logout_ends_the_session_and_its_tokens,
    me_refuses_every_bad_token,
    wrong_password_and_unknown_email_look_the_same,
    duplicate_email_or_username_is_a_conflict,
    invalid_input_is_refused_with_its_field,
    concurrent_refreshes_rotate_exactly_once,
    reused_refresh_token_revokes_the_session,
    admin_fields_need_the_admin_role,
    deactivated_users_lose_access_at_once,
    seed_admin_is_idempotent_and_never_promotes,
    database_outage_is_an_internal_error_without_details,
);

async fn register_signs_in_and_lowercases_the_email(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let payload = app.register_ok("  Ada@Example.ORG ", "ada").await;
    let user = &payload["user"];
    assert_eq!(user["email"], "ada@example.org");
    assert_eq!(user["username"], "ada");
    assert_eq!(user["fullName"], "Test User");
    assert_eq!(user["role"], "USER");
    assert_eq!(user["isActive"], true);

    let token = payload["accessToken"].as_str().unwrap();
    let me = app.me(Some(token)).await;
    assert_no_errors(&me);
    assert_eq!(me["data"]["me"]["id"], user["id"]);

    // The hash is never exposed, not even by asking for it.
    let reply = app
        .gql("{ me { hashedPassword } }", json!({}), Some(token))
        .await;
    assert_eq!(error_code(&reply).0, "GRAPHQL_VALIDATION_FAILED");

    // Register starts a 24-hour session and stores only the token's hash.
    let id: Uuid = user["id"].as_str().unwrap().parse().unwrap();
    let stored = app.sessions_of(id).await;
    assert_eq!(stored.len(), 1);
    let refresh = payload["refreshToken"].as_str().unwrap();
    assert_eq!(refresh.len(), 128);
    assert_eq!(
        stored[0].refresh_token_hash,
        hex::encode(Sha256::digest(refresh))
    );
    assert_eq!(
        stored[0].expires_at - stored[0].created_at,
        Duration::hours(24)
    );
    assert_eq!(stored[0].ip_address.as_deref(), Some("127.0.0.1"));

    // The same email in another case can sign in.
    assert_no_errors(&app.login("ADA@example.org", PASSWORD, false).await);
}

async fn login_remember_me_selects_the_session_lifetime(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let id = app.register_ok("ada@example.org", "ada").await["user"]["id"].clone();
    let id: Uuid = id.as_str().unwrap().parse().unwrap();
    for (remember_me, lifetime) in [(true, Duration::days(30)), (false, Duration::hours(24))] {
        let reply = app.login("ada@example.org", PASSWORD, remember_me).await;
        assert_no_errors(&reply);
        let refresh = reply["data"]["login"]["refreshToken"].as_str().unwrap();
        let hash = hex::encode(Sha256::digest(refresh));
        let all = app.sessions_of(id).await;
        let session = all.iter().find(|s| s.refresh_token_hash == hash).unwrap();
        assert_eq!(session.expires_at - session.created_at, lifetime);
        let until_expiry = session.expires_at - Utc::now();
        assert!(until_expiry > lifetime - Duration::minutes(1) && until_expiry <= lifetime);
    }
}

async fn refresh_rotates_and_the_old_token_dies(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let payload = app.register_ok("ada@example.org", "ada").await;
    let first = payload["refreshToken"].as_str().unwrap();
    let before = app.sessions_of(user_id(&payload)).await;

    let reply = app.refresh(first).await;
    assert_no_errors(&reply);
    let pair = &reply["data"]["refreshToken"];
    let second = pair["refreshToken"].as_str().unwrap();
    assert_ne!(first, second);
    assert_no_errors(&app.me(pair["accessToken"].as_str()).await);

    // One session, same id, same expiry: rotation does not extend it.
    let after = app.sessions_of(user_id(&payload)).await;
    assert_eq!(after.len(), 1);
    assert_eq!(after[0].id, before[0].id);
    assert_eq!(after[0].expires_at, before[0].expires_at);

    assert_eq!(error_code(&app.refresh(first).await).0, "UNAUTHENTICATED");
    assert_no_errors(&app.refresh(second).await);
    assert_eq!(
        error_code(&app.refresh("not-a-token").await).0,
        "UNAUTHENTICATED"
    );
}

async fn logout_ends_the_session_and_its_tokens(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let payload = app.register_ok("ada@example.org", "ada").await;
    let (access, refresh) = tokens(&payload);
    let logout = "mutation($t: String!) { logout(refreshToken: $t) }";

    let reply = app.gql(logout, json!({ "t": refresh }), None).await;
    assert_eq!(reply["data"]["logout"], true);
    assert_eq!(app.count("sessions").await, 0);
    assert_eq!(
        error_code(&app.refresh(&refresh).await).0,
        "UNAUTHENTICATED"
    );
    // The access token belonged to that session, so it is dead too.
    assert_eq!(
        error_code(&app.me(Some(&access)).await).0,
        "UNAUTHENTICATED"
    );
    // Logging out twice is harmless.
    let again = app.gql(logout, json!({ "t": refresh }), None).await;
    assert_eq!(again["data"]["logout"], false);

    // A token rotated away ends its session too: its owner, whose token a
    // thief stole and refreshed, can still cut the thief off by logging out.
    let (_, stolen) = tokens(&app.register_ok("bob@example.org", "bob").await);
    let refreshed = app.refresh(&stolen).await;
    let (thief_access, thief_refresh) = tokens(&refreshed["data"]["refreshToken"]);
    let reply = app.gql(logout, json!({ "t": stolen }), None).await;
    assert_eq!(reply["data"]["logout"], true, "{reply}");
    assert_eq!(app.count("sessions").await, 0);
    app.assert_signed_out(&thief_access, &thief_refresh).await;
}

async fn me_refuses_every_bad_token(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let payload = app.register_ok("ada@example.org", "ada").await;
    let (access, refresh) = tokens(&payload);
    let id = user_id(&payload);
    let session = app.sessions_of(id).await[0].id;
    let now = Utc::now().timestamp();
    let claims = |exp: i64| {
        json!({ "sub": id, "sid": session, "role": "admin", "typ": "access",
                "aal": 1, "auth_time": now,
                "iss": "auth-service", "aud": "auth-service",
                "iat": now, "exp": exp, "jti": Uuid::new_v4() })
    };
    let sign_typed = |claims: &serde_json::Value, secret: &str, typ: Option<&str>| {
        let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256);
        header.typ = typ.map(str::to_owned);
        jsonwebtoken::encode(
            &header,
            claims,
            &jsonwebtoken::EncodingKey::from_secret(secret.as_bytes()),
        )
        .unwrap()
    };
    let sign =
        |claims: &serde_json::Value, secret: &str| sign_typed(claims, secret, Some("at+jwt"));
    // Sanity: a token we sign ourselves with the right key is accepted, so
    // each refusal below is down to the one thing that differs.
    assert_no_errors(&app.me(Some(&sign(&claims(now + 600), TEST_SECRET))).await);

    // The verifier allows 5 s of clock skew, and not a second more.
    assert_no_errors(&app.me(Some(&sign(&claims(now - 2), TEST_SECRET))).await);
    let expired = sign(&claims(now - 10), TEST_SECRET);
    let wrong_key = sign(&claims(now + 600), "another-secret-that-is-long-enough-too");
    let mut wrong_type = claims(now + 600);
    wrong_type["typ"] = json!("refresh");
    let wrong_type = sign(&wrong_type, TEST_SECRET);
    // Explicit typing (RFC 8725 3.11, RFC 9068): the header must say at+jwt.
    let header_typ = |typ| sign_typed(&claims(now + 600), TEST_SECRET, typ);
    assert_no_errors(&app.me(Some(&header_typ(Some("application/at+jwt")))).await);
    let (refresh_typed, plain_jwt, untyped) = (
        header_typ(Some("refresh+jwt")),
        header_typ(Some("JWT")),
        header_typ(None),
    );
    let mut wrong_issuer = claims(now + 600);
    wrong_issuer["iss"] = json!("someone-else");
    let wrong_issuer = sign(&wrong_issuer, TEST_SECRET);
    let other_algorithm = jsonwebtoken::encode(
        &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS512),
        &claims(now + 600),
        &jsonwebtoken::EncodingKey::from_secret(TEST_SECRET.as_bytes()),
    )
    .unwrap();
    let mut wrong_audience = claims(now + 600);
    wrong_audience["aud"] = json!("another-service");
    let wrong_audience = sign(&wrong_audience, TEST_SECRET);
    let alg_none = format!(
        "{}.{}.",
        URL_SAFE_NO_PAD.encode(r#"{"alg":"none","typ":"JWT"}"#),
        URL_SAFE_NO_PAD.encode(claims(now + 600).to_string())
    );
    // Our own token with its payload swapped for one claiming more, under the
    // original signature.
    let parts: Vec<&str> = access.split('.').collect();
    let tampered = format!(
        "{}.{}.{}",
        parts[0],
        URL_SAFE_NO_PAD.encode(claims(now + 6000).to_string()),
        parts[2]
    );
    // Algorithm confusion: an RS256 header over an HMAC made with our key.
    let rs256 = {
        let header = URL_SAFE_NO_PAD.encode(r#"{"alg":"RS256","typ":"JWT"}"#);
        let payload = URL_SAFE_NO_PAD.encode(claims(now + 600).to_string());
        let hs256 = sign(&claims(now + 600), TEST_SECRET);
        format!("{header}.{payload}.{}", hs256.rsplit('.').next().unwrap())
    };
    let cases = [
        ("missing", None),
        ("RS256 header", Some(rs256)),
        ("malformed", Some("not.a.jwt".to_owned())),
        ("expired", Some(expired)),
        ("wrong signature", Some(wrong_key)),
        ("tampered signature", Some(tampered)),
        ("alg none", Some(alg_none)),
        ("wrong typ", Some(wrong_type)),
        ("header typ refresh+jwt", Some(refresh_typed)),
        ("header typ JWT", Some(plain_jwt)),
        ("no header typ", Some(untyped)),
        ("wrong iss", Some(wrong_issuer)),
        ("HS512 with our key", Some(other_algorithm)),
        ("wrong aud", Some(wrong_audience)),
        ("refresh token as bearer", Some(refresh)),
    ];
    for (case, token) in cases {
        let reply = app.me(token.as_deref()).await;
        assert_eq!(error_code(&reply).0, "UNAUTHENTICATED", "{case}: {reply}");
        assert!(reply["data"].is_null(), "{case}");
    }
    let reply = app
        .http
        .post(app.url("/graphql"))
        .header("authorization", format!("Basic {access}"))
        .json(&json!({ "query": "{ me { id } }" }))
        .send()
        .await
        .unwrap()
        .json::<serde_json::Value>()
        .await
        .unwrap();
    assert_eq!(error_code(&reply).0, "UNAUTHENTICATED");
}

async fn wrong_password_and_unknown_email_look_the_same(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    app.register_ok("ada@example.org", "ada").await;
    let wrong_password = app
        .login("ada@example.org", "not the password", false)
        .await;
    let unknown_email = app.login("bob@example.org", PASSWORD, false).await;
    assert_eq!(error_code(&wrong_password).0, "INVALID_CREDENTIALS");
    assert_eq!(
        wrong_password["errors"][0]["message"],
        unknown_email["errors"][0]["message"]
    );
    assert_eq!(error_code(&unknown_email).0, "INVALID_CREDENTIALS");
    assert_eq!(
        app.count("sessions").await,
        1,
        "failed logins create no session"
    );
}

async fn duplicate_email_or_username_is_a_conflict(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    app.register_ok("ada@example.org", "ada").await;
    let email_again = app.register("ADA@Example.org", "someone", PASSWORD).await;
    assert_eq!(
        error_code(&email_again),
        ("CONFLICT".into(), Some("email".into()))
    );
    let username_again = app.register("other@example.org", "ADA", PASSWORD).await;
    assert_eq!(
        error_code(&username_again),
        ("CONFLICT".into(), Some("username".into()))
    );
    let message = username_again["errors"][0]["message"].as_str().unwrap();
    assert!(
        !message.to_lowercase().contains("constraint"),
        "leaked: {message}"
    );
    assert_eq!(app.count("users").await, 1);
    assert_eq!(app.count("sessions").await, 1);
}

async fn invalid_input_is_refused_with_its_field(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let cases = [
        ("not-an-email", "ada", PASSWORD, "email"),
        ("ada@example.org", "ad", PASSWORD, "username"),
        ("ada@example.org", &"a".repeat(51), PASSWORD, "username"),
        ("ada@example.org", "ada lovelace", PASSWORD, "username"),
        ("ada@example.org", "ada", "short", "password"),
    ];
    for (email, username, password, field) in cases {
        let reply = app.register(email, username, password).await;
        assert_eq!(
            error_code(&reply),
            ("BAD_USER_INPUT".into(), Some(field.into())),
            "{reply}"
        );
    }
    let reply = app.login("not-an-email", PASSWORD, false).await;
    assert_eq!(
        error_code(&reply),
        ("BAD_USER_INPUT".into(), Some("email".into()))
    );
    assert_eq!(app.count("users").await, 0);
    assert_eq!(app.count("sessions").await, 0);
}

async fn concurrent_refreshes_rotate_exactly_once(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let payload = app.register_ok("ada@example.org", "ada").await;
    let (_, refresh) = tokens(&payload);
    let replies = futures::future::join_all((0..20).map(|_| app.refresh(&refresh))).await;
    let winners: Vec<_> = replies
        .iter()
        .filter(|r| r.get("errors").is_none())
        .collect();
    assert_eq!(winners.len(), 1, "{replies:#?}");
    for loser in replies.iter().filter(|r| r.get("errors").is_some()) {
        assert_eq!(error_code(loser).0, "UNAUTHENTICATED");
    }
    // A race within the grace period is not treated as theft: the session
    // lives on, with the winner's token.
    assert_eq!(app.count("sessions").await, 1);
    let newest = winners[0]["data"]["refreshToken"]["refreshToken"]
        .as_str()
        .unwrap();
    assert_no_errors(&app.refresh(newest).await);
}

async fn reused_refresh_token_revokes_the_session(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let payload = app.register_ok("ada@example.org", "ada").await;
    let (_, stolen) = tokens(&payload);
    let reply = app.refresh(&stolen).await;
    let (access, current) = (
        reply["data"]["refreshToken"]["accessToken"]
            .as_str()
            .unwrap()
            .to_owned(),
        reply["data"]["refreshToken"]["refreshToken"]
            .as_str()
            .unwrap()
            .to_owned(),
    );
    // Long after the rotation, the old token shows up again: a replay.
    app.execute("UPDATE sessions SET rotated_at = '2000-01-01T00:00:00+00:00'")
        .await
        .unwrap();
    app.assert_replay_ends_session(&stolen, &current, &access)
        .await;
}

async fn admin_fields_need_the_admin_role(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let user = app.register_ok("ada@example.org", "ada").await;
    let (user_token, _) = tokens(&user);
    let users = "{ users { email role } }";

    assert_eq!(
        error_code(&app.gql(users, json!({}), None).await).0,
        "UNAUTHENTICATED"
    );
    let reply = app.gql(users, json!({}), Some(&user_token)).await;
    assert_eq!(error_code(&reply).0, "FORBIDDEN");
    assert!(reply["data"].is_null());

    let admin = app.admin_token().await;
    let reply = app.gql(users, json!({}), Some(&admin)).await;
    assert_no_errors(&reply);
    let emails: Vec<_> = reply["data"]["users"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["email"].as_str().unwrap())
        .collect();
    assert_eq!(emails, ["ada@example.org", "admin@example.org"]);

    let paged = app
        .gql(
            "{ users(limit: 1, offset: 1) { email } }",
            json!({}),
            Some(&admin),
        )
        .await;
    assert_eq!(
        paged["data"]["users"],
        json!([{ "email": "admin@example.org" }])
    );
    let too_many = app
        .gql("{ users(limit: 1000) { email } }", json!({}), Some(&admin))
        .await;
    assert_eq!(
        error_code(&too_many),
        ("BAD_USER_INPUT".into(), Some("limit".into()))
    );
}

async fn deactivated_users_lose_access_at_once(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let user = app.register_ok("ada@example.org", "ada").await;
    let (access, refresh) = tokens(&user);
    let admin = app.admin_token().await;
    let deactivate = "mutation($id: UUID!, $active: Boolean!) {
        setUserActive(id: $id, active: $active) { isActive } }";
    let vars = json!({ "id": user["user"]["id"], "active": false });

    let reply = app.gql(deactivate, vars.clone(), Some(&access)).await;
    assert_eq!(
        error_code(&reply).0,
        "FORBIDDEN",
        "users cannot deactivate anyone"
    );
    let reply = app.gql(deactivate, vars, Some(&admin)).await;
    assert_eq!(reply["data"]["setUserActive"]["isActive"], false);

    app.assert_signed_out(&access, &refresh).await;
    assert_eq!(
        error_code(&app.login("ada@example.org", PASSWORD, false).await).0,
        "FORBIDDEN"
    );

    // Even a session that survived (written behind the service's back) is
    // refused, because every request reads is_active from the row.
    let reactivate = json!({ "id": user["user"]["id"], "active": true });
    assert_no_errors(&app.gql(deactivate, reactivate, Some(&admin)).await);
    let again = app.login("ada@example.org", PASSWORD, false).await;
    let access = again["data"]["login"]["accessToken"].as_str().unwrap();
    app.execute("UPDATE users SET is_active = FALSE WHERE username = 'ada'")
        .await
        .unwrap();
    assert_eq!(error_code(&app.me(Some(access)).await).0, "UNAUTHENTICATED");
}

async fn seed_admin_is_idempotent_and_never_promotes(engine: Engine) {
    use service::auth::{AuthError, SeedOutcome};
    use service::domain::NewAccount;
    let app = TestApp::spawn(engine).await;
    // `service seed-admin` parses its arguments the same way.
    let admin = |email: &str, password: &str| {
        NewAccount::parse(email, "admin", password.into(), None).unwrap()
    };
    let seed =
        |email: &'static str, password: &'static str| app.auth.seed_admin(admin(email, password));
    let short = NewAccount::parse("admin@example.org", "admin", "short".into(), None);
    assert_eq!(short.unwrap_err().field, "password");
    assert_eq!(app.count("users").await, 0);
    assert!(
        matches!(seed("admin@example.org", PASSWORD).await, Ok(SeedOutcome::Created(u)) if u.email == "admin@example.org")
    );
    assert!(matches!(
        seed("Admin@Example.org", PASSWORD).await,
        Ok(SeedOutcome::Found(_))
    ));
    assert_eq!(app.count("users").await, 1);

    app.register_ok("ada@example.org", "ada").await;
    assert!(matches!(
        seed("ada@example.org", PASSWORD).await,
        Err(AuthError::Forbidden(_))
    ));
    let reply = app.login("ada@example.org", PASSWORD, false).await;
    assert_eq!(reply["data"]["login"]["user"]["role"], "USER");
}

async fn database_outage_is_an_internal_error_without_details(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let ready = app.http.get(app.url("/health/ready")).send().await.unwrap();
    assert_eq!(ready.status(), 200);
    app.db.close().await;
    let reply = app.login("ada@example.org", PASSWORD, false).await;
    assert_eq!(error_code(&reply).0, "INTERNAL_SERVER_ERROR");
    assert_eq!(reply["errors"][0]["message"], "Internal server error");
    let ready = app.http.get(app.url("/health/ready")).send().await.unwrap();
    assert_eq!(ready.status(), 503);
    let live = app.http.get(app.url("/health")).send().await.unwrap();
    assert_eq!(
        live.json::<serde_json::Value>().await.unwrap(),
        json!({ "status": "ok" })
    );
}
