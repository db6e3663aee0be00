//! Abuse an attacker would try beyond guessing a password, on both engines:
//! locking the owner out, flooding the password hashing, and flooding
//! mailboxes. Client addresses are told apart through a trusted proxy's
//! `X-Forwarded-For`, as behind the deployment's nginx.

use serde_json::{Value, json};

use crate::helpers::{Engine, PASSWORD, TestApp, assert_no_errors, error_code};
use service::config::Config;

on_both_engines!(
    a_stranger_cannot_lock_the_owner_out,
    an_address_over_its_limit_counts_against_no_account,
    an_ipv6_client_counts_as_its_64,
    guessing_from_many_addresses_locks_until_the_owner_unlocks,
    a_password_reset_lifts_the_lock,
    guessers_cannot_relock_the_owner_out,
    a_stolen_session_cannot_guess_past_the_lock,
    one_document_checks_one_password,
    aliases_are_capped,
    registrations_are_limited_per_address_and_taken_names_cost_no_hash,
    mail_requests_are_limited_per_account_and_address,
);

/// Behind a proxy on loopback, with limits small enough to reach.
async fn proxied(engine: Engine, configure: impl FnOnce(&mut Config)) -> TestApp {
    TestApp::spawn_with(engine, |c| {
        c.trusted_proxies = vec!["127.0.0.1/32".parse().unwrap()];
        configure(c);
    })
    .await
}

/// The code of a sign-in from `address`, or "OK".
async fn login_at(app: &TestApp, address: &str, email: &str, password: &str) -> String {
    let reply = app
        .gql_from(
            address,
            "mutation($i: LoginInput!) { login(input: $i) { accessToken } }",
            json!({ "i": { "email": email, "password": password } }),
            None,
        )
        .await;
    code(&reply)
}

fn code(reply: &Value) -> String {
    match reply.get("errors") {
        Some(_) => error_code(reply).0,
        None => "OK".into(),
    }
}

const OWNER: &str = "owner@example.org";
const ATTACKER: &str = "203.0.113.66";
const HOME: &str = "198.51.100.10";

async fn a_stranger_cannot_lock_the_owner_out(engine: Engine) {
    let app = proxied(engine, |_| {}).await;
    app.register_ok(OWNER, "owner").await;
    for _ in 0..5 {
        assert_eq!(
            login_at(&app, ATTACKER, OWNER, "a guess").await,
            "INVALID_CREDENTIALS"
        );
    }
    // The stranger's address is stopped, even with the right password...
    assert_eq!(
        login_at(&app, ATTACKER, OWNER, "a guess").await,
        "RATE_LIMITED"
    );
    assert_eq!(
        login_at(&app, ATTACKER, OWNER, PASSWORD).await,
        "RATE_LIMITED"
    );
    // ...and the owner, elsewhere, is not.
    assert_eq!(login_at(&app, HOME, OWNER, PASSWORD).await, "OK");
    for _ in 0..5 {
        assert_eq!(
            login_at(&app, HOME, OWNER, "a typo").await,
            "INVALID_CREDENTIALS"
        );
    }
}

async fn an_address_over_its_limit_counts_against_no_account(engine: Engine) {
    let app = proxied(engine, |c| {
        c.login_max_attempts_per_address = 3;
        c.login_lock_after_attempts = 4;
    })
    .await;
    app.register_ok(OWNER, "owner").await;
    for i in 0..3 {
        let email = format!("nobody{i}@example.org");
        assert_eq!(
            login_at(&app, ATTACKER, &email, "a guess").await,
            "INVALID_CREDENTIALS"
        );
    }
    // Over its limit, the address's attempts at the owner count for
    // nothing: were they counted, the fourth would lock the account.
    for _ in 0..10 {
        assert_eq!(
            login_at(&app, ATTACKER, OWNER, "a guess").await,
            "RATE_LIMITED"
        );
    }
    let before = app.auth.bcrypt_runs();
    assert_eq!(login_at(&app, HOME, OWNER, PASSWORD).await, "OK");
    assert_eq!(app.auth.bcrypt_runs() - before, 1);
    assert!(!locked_mail_sent(&app).await);
}

async fn an_ipv6_client_counts_as_its_64(engine: Engine) {
    let app = proxied(engine, |c| c.login_max_attempts_per_address = 3).await;
    // Stepping through the addresses of one /64 buys no fresh tries.
    for i in 1..=3 {
        let address = format!("2001:db8:1:2::{i}");
        let email = format!("nobody{i}@example.org");
        assert_eq!(
            login_at(&app, &address, &email, "a guess").await,
            "INVALID_CREDENTIALS"
        );
    }
    assert_eq!(
        login_at(&app, "2001:db8:1:2:ffff::9", "x@example.org", "a guess").await,
        "RATE_LIMITED"
    );
    // The next /64 is someone else.
    assert_eq!(
        login_at(&app, "2001:db8:1:3::1", "x@example.org", "a guess").await,
        "INVALID_CREDENTIALS"
    );
}

async fn locked_mail_sent(app: &TestApp) -> bool {
    let mail = app.queued_mail(OWNER).await;
    mail.iter().any(|(kind, _)| kind == "sign_in_locked")
}

/// Six addresses guess once each; the seventh attempt locks the account.
async fn lock_by_botnet(app: &TestApp) {
    app.register_ok(OWNER, "owner").await;
    for i in 0..6 {
        let address = format!("192.0.2.{i}");
        assert_eq!(
            login_at(app, &address, OWNER, "a guess").await,
            "INVALID_CREDENTIALS"
        );
    }
    assert_eq!(
        login_at(app, "192.0.2.100", OWNER, "a guess").await,
        "SIGN_IN_LOCKED"
    );
}

async fn botnet_app(engine: Engine) -> TestApp {
    proxied(engine, |c| c.login_lock_after_attempts = 6).await
}

async fn unlock(app: &TestApp, token: &str) -> Value {
    app.gql(
        "mutation($t: String!) { unlockSignIn(token: $t) }",
        json!({ "t": token }),
        None,
    )
    .await
}

async fn guessing_from_many_addresses_locks_until_the_owner_unlocks(engine: Engine) {
    let app = botnet_app(engine).await;
    lock_by_botnet(&app).await;
    // Locked for everyone, the owner's right password included, without a
    // password check, and long after the guessing stopped.
    let before = app.auth.bcrypt_runs();
    for i in 0..5 {
        let address = format!("192.0.2.{}", 200 + i);
        assert_eq!(
            login_at(&app, &address, OWNER, "a guess").await,
            "SIGN_IN_LOCKED"
        );
    }
    app.clock.advance(chrono::Duration::hours(2));
    assert_eq!(
        login_at(&app, HOME, OWNER, PASSWORD).await,
        "SIGN_IN_LOCKED"
    );
    assert_eq!(app.auth.bcrypt_runs(), before);

    // One mail per lock, however many attempts hit it.
    let mail = app.queued_mail(OWNER).await;
    let locked: Vec<_> = mail.iter().filter(|(k, _)| k == "sign_in_locked").collect();
    assert_eq!(locked.len(), 1, "{mail:?}");
    let token = app.mailed_token(OWNER, "sign_in_locked").await;
    assert!(locked[0].1.contains("http://app.test/unlock?token="));

    assert_eq!(unlock(&app, &token).await["data"]["unlockSignIn"], true);
    assert_eq!(login_at(&app, HOME, OWNER, PASSWORD).await, "OK");
    // The link worked once.
    assert_eq!(error_code(&unlock(&app, &token).await).0, "INVALID_TOKEN");
    assert_eq!(error_code(&unlock(&app, "f00d").await).0, "INVALID_TOKEN");
}

async fn a_password_reset_lifts_the_lock(engine: Engine) {
    let app = botnet_app(engine).await;
    lock_by_botnet(&app).await;
    let asked = app
        .gql(
            "mutation($e: String!) { requestPasswordReset(email: $e) }",
            json!({ "e": OWNER }),
            None,
        )
        .await;
    assert_no_errors(&asked);
    let token = app.mailed_token(OWNER, "password_reset").await;
    let new_password = "an entirely new passphrase";
    let reset = app
        .gql(
            "mutation($t: String!, $p: String!) { resetPassword(token: $t, newPassword: $p) }",
            json!({ "t": token, "p": new_password }),
            None,
        )
        .await;
    assert_no_errors(&reset);
    assert_eq!(login_at(&app, HOME, OWNER, new_password).await, "OK");
    // The guesses before the reset count no more: the botnet starts over.
    for i in 0..6 {
        let address = format!("192.0.2.{}", 50 + i);
        assert_eq!(
            login_at(&app, &address, OWNER, "a guess").await,
            "INVALID_CREDENTIALS"
        );
    }
    // It can lock the account again, but not the owner where they reset it.
    assert_eq!(
        login_at(&app, "192.0.2.60", OWNER, "a guess").await,
        "SIGN_IN_LOCKED"
    );
    assert_no_errors(&app.login(OWNER, new_password, false).await);
}

async fn guessers_cannot_relock_the_owner_out(engine: Engine) {
    let app = botnet_app(engine).await;
    lock_by_botnet(&app).await;
    let token = app.mailed_token(OWNER, "sign_in_locked").await;
    let unlocked = app
        .gql_from(
            HOME,
            "mutation($t: String!) { unlockSignIn(token: $t) }",
            json!({ "t": token }),
            None,
        )
        .await;
    assert_no_errors(&unlocked);
    // The guessers, watching, lock it again at once...
    for i in 0..6 {
        let address = format!("198.51.100.{i}");
        assert_eq!(
            login_at(&app, &address, OWNER, "a guess").await,
            "INVALID_CREDENTIALS"
        );
    }
    assert_eq!(
        login_at(&app, "198.51.100.99", OWNER, "a guess").await,
        "SIGN_IN_LOCKED"
    );
    // ...but the owner signs in from where they unlocked it, and only there,
    // for 30 days.
    assert_eq!(login_at(&app, HOME, OWNER, PASSWORD).await, "OK");
    assert_eq!(
        login_at(&app, "198.51.100.200", OWNER, PASSWORD).await,
        "SIGN_IN_LOCKED"
    );
    app.clock.advance(chrono::Duration::days(31));
    assert_eq!(
        login_at(&app, HOME, OWNER, PASSWORD).await,
        "SIGN_IN_LOCKED"
    );
}

async fn a_stolen_session_cannot_guess_past_the_lock(engine: Engine) {
    let app = botnet_app(engine).await;
    let registered = app.register_ok(OWNER, "owner").await;
    let access = registered["accessToken"].as_str().unwrap().to_owned();
    let change = |address: String| {
        let access = access.clone();
        let app = &app;
        async move {
            let reply = app
                .gql_from(
                    &address,
                    "mutation($c: String!, $n: String!) {
                        changePassword(currentPassword: $c, newPassword: $n) }",
                    json!({ "c": "a guess", "n": "an entirely new passphrase" }),
                    Some(&access),
                )
                .await;
            code(&reply)
        }
    };
    // Guessing the current password from many addresses counts against the
    // account as sign-in guesses do, and the lock stops it.
    for i in 0..6 {
        assert_eq!(change(format!("192.0.2.{i}")).await, "INVALID_CREDENTIALS");
    }
    assert_eq!(change("192.0.2.99".into()).await, "SIGN_IN_LOCKED");
    assert_eq!(change("192.0.2.98".into()).await, "SIGN_IN_LOCKED");
    assert!(locked_mail_sent(&app).await);
}

async fn one_document_checks_one_password(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    app.register_ok(OWNER, "owner").await;
    let login = |alias: &str| {
        format!(
            "{alias}: login(input: {{ email: \"{OWNER}\", password: \"guess\" }}) {{ accessToken }}"
        )
    };
    let register = r#"register(input: { email: "new@example.org", username: "newbie",
        password: "correct horse battery" }) { accessToken }"#;
    let documents = [
        format!("mutation {{ {} {} }}", login("a"), login("b")),
        format!("mutation {{ {} {register} }}", login("a")),
        // Through fragments and inline fragments too.
        format!(
            "mutation {{ ...A ... on Mutation {{ {} }} }} fragment A on Mutation {{ {} }}",
            login("b"),
            login("a")
        ),
        format!(
            "mutation {{ ...A ...B }} fragment A on Mutation {{ {} }} fragment B on Mutation {{ {} }}",
            login("a"),
            login("b")
        ),
        // Many sibling fragments before them do not wear the count out.
        format!(
            "mutation {{ {} ... on Mutation {{ {} {} }} }}",
            "... on Mutation { __typename } ".repeat(40),
            login("a"),
            login("b")
        ),
    ];
    let before = app.auth.bcrypt_runs();
    for document in &documents {
        let reply = app.gql(document, json!({}), None).await;
        assert_eq!(
            error_code(&reply).0,
            "TOO_MANY_PASSWORD_FIELDS",
            "{document}: {reply}"
        );
        assert!(reply.get("data").is_none_or(Value::is_null), "{reply}");
    }
    assert_eq!(app.auth.bcrypt_runs(), before, "refused before any hashing");
    assert_eq!(app.count("users").await, 1);
    // Nothing was counted against the account either: five tries remain.
    for _ in 0..5 {
        let reply = app.login(OWNER, "a guess", false).await;
        assert_eq!(error_code(&reply).0, "INVALID_CREDENTIALS");
    }
    // The same fragment spread twice selects one field: allowed.
    let twice = format!(
        "mutation {{ ...A ...A }} fragment A on Mutation {{ {} }}",
        login("a")
    );
    let reply = app.gql(&twice, json!({}), None).await;
    assert_eq!(error_code(&reply).0, "RATE_LIMITED", "{reply}");
}

async fn aliases_are_capped(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let aliased = |n: usize| {
        let fields: Vec<String> = (0..n).map(|i| format!("a{i}: __typename")).collect();
        format!("{{ {} }}", fields.join(" "))
    };
    assert_no_errors(&app.gql(&aliased(15), json!({}), None).await);
    let reply = app.gql(&aliased(16), json!({}), None).await;
    assert_eq!(error_code(&reply).0, "TOO_MANY_ALIASES", "{reply}");
    // Hidden in a fragment, they count the same.
    let fields: Vec<String> = (0..16).map(|i| format!("a{i}: __typename")).collect();
    let in_fragment = format!("{{ ...F }} fragment F on Query {{ {} }}", fields.join(" "));
    let reply = app.gql(&in_fragment, json!({}), None).await;
    assert_eq!(error_code(&reply).0, "TOO_MANY_ALIASES", "{reply}");
    // Nor can they hide deeper than the walk goes: such a document is
    // refused whole (by async-graphql's recursion limit before ours).
    let deep = format!(
        "{{ {} {} {} }}",
        "... on Query { ".repeat(40),
        fields.join(" "),
        "}".repeat(40)
    );
    let reply = app.gql(&deep, json!({}), None).await;
    assert_ne!(error_code(&reply).0, "OK");
    assert!(reply.get("data").is_none_or(Value::is_null), "{reply}");
}

async fn register_at(app: &TestApp, address: &str, email: &str, username: &str) -> String {
    let reply = app
        .gql_from(
            address,
            "mutation($i: RegisterInput!) { register(input: $i) { accessToken } }",
            json!({ "i": { "email": email, "username": username, "password": PASSWORD } }),
            None,
        )
        .await;
    code(&reply)
}

async fn registrations_are_limited_per_address_and_taken_names_cost_no_hash(engine: Engine) {
    let app = proxied(engine, |c| c.registrations_per_address_per_hour = 3).await;
    assert_eq!(register_at(&app, ATTACKER, OWNER, "owner").await, "OK");
    // Taken, in any spelling: refused before the password is hashed.
    let before = app.auth.bcrypt_runs();
    assert_eq!(
        register_at(&app, ATTACKER, "Owner@Example.org", "another").await,
        "CONFLICT"
    );
    assert_eq!(
        register_at(&app, ATTACKER, "other@example.org", "OWNER").await,
        "CONFLICT"
    );
    assert_eq!(app.auth.bcrypt_runs(), before);

    // Three registrations an hour from one address, counted whatever their
    // outcome; other addresses are not affected.
    assert_eq!(
        register_at(&app, ATTACKER, "fourth@example.org", "fourth").await,
        "RATE_LIMITED"
    );
    assert_eq!(app.auth.bcrypt_runs(), before);
    assert_eq!(app.count("users").await, 1);
    assert_eq!(
        register_at(&app, HOME, "fourth@example.org", "fourth").await,
        "OK"
    );
    app.clock.advance(chrono::Duration::minutes(61));
    assert_eq!(
        register_at(&app, ATTACKER, "fifth@example.org", "fifth").await,
        "OK"
    );
}

async fn request_reset_at(app: &TestApp, address: &str, email: &str) -> String {
    let reply = app
        .gql_from(
            address,
            "mutation($e: String!) { requestPasswordReset(email: $e) }",
            json!({ "e": email }),
            None,
        )
        .await;
    code(&reply)
}

async fn mail_requests_are_limited_per_account_and_address(engine: Engine) {
    let app = proxied(engine, |c| {
        c.mail_requests_per_account_per_hour = 2;
        c.mail_requests_per_address_per_hour = 4;
    })
    .await;
    let registered = app.register_ok(OWNER, "owner").await;
    // Per account: the answer stays the same (it says nothing of the
    // account), but only two links are mailed.
    for i in 0..3 {
        let address = format!("192.0.2.{i}");
        assert_eq!(request_reset_at(&app, &address, OWNER).await, "OK");
    }
    assert_eq!(reset_mails(&app, 2).await, 2);

    // Per address, at any accounts: refused past the limit.
    for i in 0..4 {
        let email = format!("someone{i}@example.org");
        assert_eq!(request_reset_at(&app, ATTACKER, &email).await, "OK");
    }
    assert_eq!(
        request_reset_at(&app, ATTACKER, "another@example.org").await,
        "RATE_LIMITED"
    );

    // Verification links share the account's limit: it is used up.
    let access = registered["accessToken"].as_str().unwrap();
    let asked = app
        .gql(
            "mutation { requestEmailVerification }",
            json!({}),
            Some(access),
        )
        .await;
    assert_eq!(error_code(&asked).0, "RATE_LIMITED", "{asked}");
    // An hour later, the owner may ask again.
    app.clock.advance(chrono::Duration::minutes(61));
    assert_eq!(request_reset_at(&app, HOME, OWNER).await, "OK");
    assert_eq!(reset_mails(&app, 3).await, 3);
}

/// How many reset mails the owner has, once there are `expected` (they are
/// queued after the answer) and a little longer, for any extra to show.
async fn reset_mails(app: &TestApp, expected: usize) -> usize {
    let count = || async {
        let mail = app.queued_mail(OWNER).await;
        mail.iter()
            .filter(|(kind, _)| kind == "password_reset")
            .count()
    };
    for _ in 0..200 {
        if count().await >= expected {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    count().await
}
