//! Passwords: every character of a long one counts, whatever its script;
//! they are compared in NFKC; hashes from before (plain bcrypt, an older
//! cost) are replaced at the next sign-in; weak ones are refused wherever a
//! password is chosen.

use crate::helpers::{Engine, PASSWORD, TestApp, assert_no_errors, error_code, tokens, user_id};
use serde_json::{Value, json};
use service::auth::password::PasswordHasher;
use service::domain::{EXAMPLE_ADMIN_PASSWORD, NewAccount, Password, PasswordHash, UserId};

on_both_engines!(
    long_cyrillic_passwords_count_every_character,
    passwords_over_256_characters_are_refused,
    composed_and_decomposed_accents_are_one_password,
    plain_bcrypt_hashes_are_upgraded_at_sign_in,
    hashes_at_an_older_cost_are_upgraded_at_sign_in,
    an_upgrade_never_overwrites_a_changed_password,
    weak_passwords_are_refused_at_registration,
    weak_passwords_are_refused_by_change_password,
    weak_passwords_are_refused_by_reset_password,
    seed_admin_refuses_the_example_and_weak_passwords,
);

/// 128 Cyrillic letters and spaces (230 bytes); bcrypt alone would read the
/// first 36 or so.
fn cyrillic_128() -> String {
    "Съешь же ещё этих мягких французских булок, да выпей чаю! "
        .repeat(3)
        .chars()
        .take(128)
        .collect()
}

/// Refused passwords for an account `ada.lovelace@example.org` / `countess`:
/// the two most common ones, the site's name with a year, one containing
/// the username.
const WEAK: [&str; 4] = [
    "password",
    "12345678",
    "vitals2024",
    "the Countess of numbers",
];
const STRONG: &str = "paper lantern over quiet harbour";
const EMAIL: &str = "ada.lovelace@example.org";
const USERNAME: &str = "countess";

async fn stored_hash(app: &TestApp, email: &str) -> String {
    service::with_pool!(&app.db, |pool| sqlx::query_scalar(
        "SELECT hashed_password FROM users WHERE email = $1"
    )
    .bind(email)
    .fetch_one(pool)
    .await)
    .unwrap()
}

async fn store_hash(app: &TestApp, email: &str, hash: &str) {
    let stored = service::with_writer!(&app.db, |pool| sqlx::query(
        "UPDATE users SET hashed_password = $2 WHERE email = $1"
    )
    .bind(email)
    .bind(hash)
    .execute(pool)
    .await
    .map(|done| done.rows_affected()))
    .unwrap();
    assert_eq!(stored, 1);
}

fn refused_on(reply: &Value, field: &str) {
    assert_eq!(
        error_code(reply),
        ("BAD_USER_INPUT".into(), Some(field.into())),
        "{reply}"
    );
}

async fn long_cyrillic_passwords_count_every_character(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let password = cyrillic_128();
    assert_no_errors(&app.register(EMAIL, USERNAME, &password).await);
    assert_no_errors(&app.login(EMAIL, &password, false).await);
    // Its first 72 bytes, then something else: bcrypt alone would let it in.
    let prefix: String = password.chars().take(40).collect();
    assert!(prefix.len() >= 72);
    let other = format!("{prefix}{}", "и другое окончание".repeat(4));
    let reply = app.login(EMAIL, &other, false).await;
    assert_eq!(error_code(&reply).0, "INVALID_CREDENTIALS", "{reply}");
    assert!(
        stored_hash(&app, EMAIL)
            .await
            .starts_with("$bcrypt-sha256$v=2,t=2b,r=4$")
    );
}

async fn passwords_over_256_characters_are_refused(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let longest: String = format!("{STRONG} ").repeat(9).chars().take(256).collect();
    let too_long = format!("{longest}!");
    let reply = app.register(EMAIL, USERNAME, &too_long).await;
    refused_on(&reply, "password");
    let message = reply["errors"][0]["message"].as_str().unwrap();
    assert!(message.contains("256 characters"), "{message}");
    assert_eq!(app.count("users").await, 0);

    assert_no_errors(&app.register(EMAIL, USERNAME, &longest).await);
    assert_no_errors(&app.login(EMAIL, &longest, false).await);
    // Refused before any hash, at sign-in too.
    refused_on(&app.login(EMAIL, &too_long, false).await, "password");
}

async fn composed_and_decomposed_accents_are_one_password(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    // "é" as one code point (U+00E9), and as "e" with a combining accent.
    let composed = "caf\u{e9} cr\u{e8}me by the quay";
    let decomposed = "cafe\u{301} cre\u{300}me by the quay";
    assert_ne!(composed, decomposed);
    assert_no_errors(&app.register(EMAIL, USERNAME, composed).await);
    assert_no_errors(&app.login(EMAIL, decomposed, false).await);
    assert_no_errors(&app.login(EMAIL, composed, false).await);

    assert_no_errors(
        &app.register("grace@example.org", "hopper", decomposed)
            .await,
    );
    assert_no_errors(&app.login("grace@example.org", composed, false).await);
}

async fn plain_bcrypt_hashes_are_upgraded_at_sign_in(engine: Engine) {
    let app = TestApp::spawn_with(engine, |config| config.bcrypt_cost = 5).await;
    app.register_ok("ada@example.org", "ada").await;
    // As an older release stored it: bcrypt of the password as typed.
    let legacy = bcrypt::hash(PASSWORD, 4).unwrap();
    assert!(legacy.starts_with("$2b$04$"));
    store_hash(&app, "ada@example.org", &legacy).await;

    let wrong = app
        .login("ada@example.org", "not the password", false)
        .await;
    assert_eq!(error_code(&wrong).0, "INVALID_CREDENTIALS");
    assert_eq!(
        stored_hash(&app, "ada@example.org").await,
        legacy,
        "no sign-in, no upgrade"
    );

    assert_no_errors(&app.login("ada@example.org", PASSWORD, false).await);
    let upgraded = stored_hash(&app, "ada@example.org").await;
    assert!(
        upgraded.starts_with("$bcrypt-sha256$v=2,t=2b,r=5$"),
        "{upgraded}"
    );
    assert_no_errors(&app.login("ada@example.org", PASSWORD, false).await);
    assert_eq!(stored_hash(&app, "ada@example.org").await, upgraded, "once");
    let wrong = app
        .login("ada@example.org", "not the password", false)
        .await;
    assert_eq!(error_code(&wrong).0, "INVALID_CREDENTIALS");

    // A legacy hash of a password typed with a combining accent: it matches
    // as typed, and afterwards in either form.
    let decomposed = "cafe\u{301} cre\u{300}me by the quay";
    app.register_ok("grace@example.org", "hopper").await;
    store_hash(
        &app,
        "grace@example.org",
        &bcrypt::hash(decomposed, 4).unwrap(),
    )
    .await;
    assert_no_errors(&app.login("grace@example.org", decomposed, false).await);
    assert!(
        stored_hash(&app, "grace@example.org")
            .await
            .starts_with("$bcrypt-sha256$")
    );
    let composed = "caf\u{e9} cr\u{e8}me by the quay";
    assert_no_errors(&app.login("grace@example.org", composed, false).await);
}

async fn hashes_at_an_older_cost_are_upgraded_at_sign_in(engine: Engine) {
    let app = TestApp::spawn_with(engine, |config| config.bcrypt_cost = 5).await;
    app.register_ok("ada@example.org", "ada").await;
    let current = stored_hash(&app, "ada@example.org").await;
    assert!(
        current.starts_with("$bcrypt-sha256$v=2,t=2b,r=5$"),
        "{current}"
    );
    assert_no_errors(&app.login("ada@example.org", PASSWORD, false).await);
    assert_eq!(
        stored_hash(&app, "ada@example.org").await,
        current,
        "up to date"
    );

    let older = PasswordHasher::new(4)
        .hash(&Password::parse(PASSWORD.into()).unwrap())
        .await
        .unwrap();
    assert!(older.as_str().starts_with("$bcrypt-sha256$v=2,t=2b,r=4$"));
    store_hash(&app, "ada@example.org", older.as_str()).await;
    assert_no_errors(&app.login("ada@example.org", PASSWORD, false).await);
    let upgraded = stored_hash(&app, "ada@example.org").await;
    assert!(
        upgraded.starts_with("$bcrypt-sha256$v=2,t=2b,r=5$"),
        "{upgraded}"
    );
    assert_no_errors(&app.login("ada@example.org", PASSWORD, false).await);
}

/// The upgrade replaces the hash it verified and nothing else: a password
/// changed between the check and the write stays changed.
async fn an_upgrade_never_overwrites_a_changed_password(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let id = UserId::from(user_id(&app.register_ok("ada@example.org", "ada").await));
    let verified = PasswordHash::new(bcrypt::hash(PASSWORD, 4).unwrap());
    let changed_meanwhile = stored_hash(&app, "ada@example.org").await;
    let upgrade = PasswordHash::new("$bcrypt-sha256$v=2,t=2b,r=4$upgrade".into());
    let replaced =
        service::storage::users::replace_hash(&app.db, id, &verified, &upgrade, app.clock.now())
            .await
            .unwrap();
    assert!(!replaced);
    assert_eq!(
        stored_hash(&app, "ada@example.org").await,
        changed_meanwhile
    );

    // With the hash it read still there, it is replaced.
    store_hash(&app, "ada@example.org", verified.as_str()).await;
    let replaced =
        service::storage::users::replace_hash(&app.db, id, &verified, &upgrade, app.clock.now())
            .await
            .unwrap();
    assert!(replaced);
    assert_eq!(stored_hash(&app, "ada@example.org").await, upgrade.as_str());
}

async fn weak_passwords_are_refused_at_registration(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    for weak in WEAK {
        let reply = app.register(EMAIL, USERNAME, weak).await;
        refused_on(&reply, "password");
        let message = reply["errors"][0]["message"].as_str().unwrap();
        assert!(
            message.contains("too easy to guess") || message.contains("username or email"),
            "{weak}: {message}"
        );
    }
    // The email's local part, in another case.
    refused_on(
        &app.register(EMAIL, USERNAME, "Ada.Lovelace rides again")
            .await,
        "password",
    );
    assert_eq!(app.count("users").await, 0);
    assert_eq!(app.count("mail_outbox").await, 0);
    assert_no_errors(&app.register(EMAIL, USERNAME, STRONG).await);
}

const CHANGE: &str = "mutation($current: String!, $new: String!) {
    changePassword(currentPassword: $current, newPassword: $new) }";

async fn weak_passwords_are_refused_by_change_password(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let (access, _) = tokens(&app.register(EMAIL, USERNAME, STRONG).await["data"]["register"]);
    let before = stored_hash(&app, EMAIL).await;
    // More refusals than the account has sign-in attempts: they cost none.
    for weak in WEAK.iter().chain(WEAK.iter()) {
        let variables = json!({ "current": STRONG, "new": weak });
        let reply = app.gql(CHANGE, variables, Some(&access)).await;
        refused_on(&reply, "newPassword");
    }
    assert_eq!(stored_hash(&app, EMAIL).await, before);
    assert_eq!(
        app.count("mail_outbox WHERE kind = 'password_changed'")
            .await,
        0
    );
    assert_no_errors(&app.login(EMAIL, STRONG, false).await);

    let better = "velvet compass under a copper moon";
    let variables = json!({ "current": STRONG, "new": better });
    let reply = app.gql(CHANGE, variables, Some(&access)).await;
    assert_eq!(reply["data"]["changePassword"], true, "{reply}");
    assert_no_errors(&app.login(EMAIL, better, false).await);
}

async fn weak_passwords_are_refused_by_reset_password(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    app.register(EMAIL, USERNAME, STRONG).await;
    app.gql(
        "mutation($e: String!) { requestPasswordReset(email: $e) }",
        json!({ "e": EMAIL }),
        None,
    )
    .await;
    let token = app.mailed_token(EMAIL, "password_reset").await;
    let reset = async |password: &str| {
        app.gql(
            "mutation($t: String!, $p: String!) { resetPassword(token: $t, newPassword: $p) }",
            json!({ "t": token, "p": password }),
            None,
        )
        .await
    };
    let before = stored_hash(&app, EMAIL).await;
    for weak in WEAK {
        refused_on(&reset(weak).await, "newPassword");
    }
    assert_eq!(stored_hash(&app, EMAIL).await, before);
    assert_no_errors(&app.login(EMAIL, STRONG, false).await);
    // The link is still good for a strong password.
    let better = "velvet compass under a copper moon";
    let reply = reset(better).await;
    assert_eq!(reply["data"]["resetPassword"], true, "{reply}");
    assert_no_errors(&app.login(EMAIL, better, false).await);
}

/// `service seed-admin` parses its arguments with `NewAccount::parse` and
/// calls `seed_admin`, as here.
async fn seed_admin_refuses_the_example_and_weak_passwords(engine: Engine) {
    use service::auth::AuthError;
    let app = TestApp::spawn(engine).await;
    // zxcvbn alone would let the example through for another username.
    let example = NewAccount::parse(
        "ops@example.org",
        "root",
        EXAMPLE_ADMIN_PASSWORD.into(),
        None,
    )
    .expect("strong enough by itself");
    match app.auth.seed_admin(example).await {
        Err(AuthError::BadInput { field, message }) => {
            assert_eq!(field, "password");
            assert!(message.contains(".env.example"), "{message}");
        }
        Err(other) => panic!("refused for another reason: {other:?}"),
        Ok(_) => panic!("seeded an admin with the example password"),
    }
    for weak in ["password", "admin password for me"] {
        let parsed = NewAccount::parse("admin@example.org", "admin", weak.into(), None);
        assert_eq!(parsed.unwrap_err().field, "password", "{weak}");
    }
    assert_eq!(app.count("users").await, 0);
}
