//! Multi-factor sign-in: an aal 1 session reaches only what passing the
//! second factor needs; authenticator codes work once, within one step of
//! drift; recovery codes work once each; secrets are sealed in the table;
//! step-up asks for a recent proof; admins must have a second factor where
//! that is required; every change is recorded and announced. Passkeys sign
//! in alone or pass the second factor, and only with an answer signed by
//! their key, for this site and this ceremony, and counting on.

use chrono::{DateTime, Duration, Utc};
use serde_json::{Value, json};
use totp_rs::{Builder, Secret};

use service::storage::passkeys as stored_passkeys;

use crate::authenticator::{Authenticator, Request};
use crate::helpers::{Engine, PASSWORD, TestApp, assert_no_errors, error_code, tokens, user_id};

on_both_engines!(
    an_aal1_session_reaches_only_the_second_factor,
    authenticator_codes_work_once_within_one_step,
    recovery_codes_work_once_each,
    totp_secrets_are_sealed_in_the_table,
    sensitive_changes_need_a_recent_proof,
    wrong_codes_count_against_signing_in,
    turning_mfa_off_ends_the_sessions_it_held_back,
    admins_must_have_a_second_factor_where_required,
    an_admin_resets_the_factors_of_someone_who_lost_them,
    passkey_ceremonies_are_single_use_and_bound_to_their_session,
    a_passkey_is_added_and_signs_in_alone,
    a_passkey_passes_the_second_factor_and_a_step_up,
    a_passkey_answer_signed_by_another_key_is_refused,
    a_passkey_answer_is_refused_for_another_ceremony,
    a_passkey_answer_for_another_site_is_refused,
    a_passkey_whose_counter_goes_back_is_refused,
    a_cloned_passkey_is_refused_even_on_a_ceremony_started_before_its_original_moved_on,
    of_two_uses_finishing_together_the_lower_count_is_not_written_back,
    a_database_failure_checking_a_passkey_is_an_error_not_a_wrong_passkey,
);

const START: &str = "mutation { startTotpEnrollment { secret otpauthUri } }";
const CONFIRM: &str = "mutation($c: String!) { confirmTotp(code: $c) }";
const VERIFY: &str = "mutation($c: String!) { verifyMfa(code: $c) {
    user { mfaRequired mfaEnabled } accessToken refreshToken } }";
const ME: &str = "{ me { id mfaEnabled mfaRequired mfaEnrollmentRequired } }";
const MY_MFA: &str = "{ myMfa { totp recoveryCodesLeft } }";

/// The code an authenticator app with this secret shows at `at`.
fn code_at(secret: &str, at: DateTime<Utc>) -> String {
    Builder::new()
        .with_secret(Secret::try_from_base32(secret).unwrap())
        .build()
        .unwrap()
        .generate(at.timestamp() as u64)
        .to_string()
}

/// Moves the clock to the start of a TOTP step (the tests move it on in
/// whole steps), so that the codes a test computes do not change under it
/// unless it runs for 30 seconds.
fn align_to_step(app: &TestApp) {
    let into_step = app.clock.now().timestamp().rem_euclid(30);
    app.clock.advance(Duration::seconds(30 - into_step));
}

/// Sets up an authenticator app for the account of `access`; its secret
/// and the recovery codes.
pub(crate) async fn enable_totp(app: &TestApp, access: &str) -> (String, Vec<String>) {
    align_to_step(app);
    let started = app.gql(START, json!({}), Some(access)).await;
    assert_no_errors(&started);
    let secret = started["data"]["startTotpEnrollment"]["secret"]
        .as_str()
        .unwrap()
        .to_owned();
    let uri = started["data"]["startTotpEnrollment"]["otpauthUri"]
        .as_str()
        .unwrap();
    assert!(uri.starts_with("otpauth://totp/Vitals:"), "{uri}");
    assert!(uri.contains(&format!("secret={secret}")), "{uri}");
    let code = code_at(&secret, app.clock.now());
    let confirmed = app.gql(CONFIRM, json!({ "c": code }), Some(access)).await;
    assert_no_errors(&confirmed);
    let codes = confirmed["data"]["confirmTotp"]
        .as_array()
        .unwrap()
        .iter()
        .map(|code| code.as_str().unwrap().to_owned())
        .collect();
    (secret, codes)
}

/// An account with an authenticator app; its id, secret and recovery codes.
async fn with_mfa(app: &TestApp, email: &str) -> (uuid::Uuid, String, Vec<String>) {
    let username = email.split('@').next().unwrap();
    let registered = app.register_ok(email, username).await;
    let (secret, codes) = enable_totp(app, &tokens(&registered).0).await;
    (user_id(&registered), secret, codes)
}

/// Signs in with the password alone: the `login` payload.
async fn password_sign_in(app: &TestApp, email: &str) -> Value {
    let reply = app
        .gql(
            "mutation($i: LoginInput!) { login(input: $i) {
                user { mfaRequired mfaEnabled } accessToken refreshToken } }",
            json!({ "i": { "email": email, "password": PASSWORD } }),
            None,
        )
        .await;
    assert_no_errors(&reply);
    reply["data"]["login"].clone()
}

async fn verify(app: &TestApp, access: &str, code: &str) -> Value {
    app.gql(VERIFY, json!({ "c": code }), Some(access)).await
}

/// The kinds of the events recorded so far, oldest first, as `kind/outcome`.
async fn events(app: &TestApp) -> Vec<String> {
    service::with_pool!(&app.db, |pool| {
        sqlx::query_as::<_, (String, String)>(
            "SELECT kind, outcome FROM auth_events ORDER BY occurred_at, id",
        )
        .fetch_all(pool)
        .await
    })
    .unwrap()
    .into_iter()
    .map(|(kind, outcome)| format!("{kind}/{outcome}"))
    .collect()
}

async fn security_mail(app: &TestApp, to: &str) -> usize {
    app.queued_mail(to)
        .await
        .iter()
        .filter(|(kind, _)| kind == "security_changed")
        .count()
}

async fn an_aal1_session_reaches_only_the_second_factor(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let (_, secret, _) = with_mfa(&app, "ada@example.org").await;

    let login = password_sign_in(&app, "ada@example.org").await;
    assert_eq!(login["user"]["mfaRequired"], json!(true));
    let (access, refresh) = tokens(&login);

    // What the second-factor page needs works...
    let me = app.gql(ME, json!({}), Some(&access)).await;
    assert_no_errors(&me);
    assert_eq!(me["data"]["me"]["mfaRequired"], json!(true));
    assert_eq!(me["data"]["me"]["mfaEnabled"], json!(true));
    let status = app.gql(MY_MFA, json!({}), Some(&access)).await;
    assert_eq!(
        status["data"]["myMfa"],
        json!({ "totp": true, "recoveryCodesLeft": 10 })
    );
    // ...and nothing else does, reading or writing.
    for (document, variables) in [
        ("{ mySessions { id } }", json!({})),
        ("{ myActivity { edges { cursor } } }", json!({})),
        ("mutation { exportMyData }", json!({})),
        (
            "mutation { updateProfile(input: { fullName: \"X\" }) { id } }",
            json!({}),
        ),
        ("mutation { logoutEverywhere }", json!({})),
        ("mutation { regenerateRecoveryCodes }", json!({})),
        (START, json!({})),
        (
            "mutation($p: String!) { reauthenticate(password: $p) { accessToken } }",
            json!({ "p": PASSWORD }),
        ),
    ] {
        let reply = app.gql(document, variables, Some(&access)).await;
        assert_eq!(error_code(&reply).0, "MFA_REQUIRED", "{document}: {reply}");
    }
    // A refresh keeps the session where it is.
    let refreshed = app.refresh(&refresh).await;
    assert_no_errors(&refreshed);
    let (access, refresh) = tokens(&refreshed["data"]["refreshToken"]);
    let reply = app
        .gql("{ mySessions { id } }", json!({}), Some(&access))
        .await;
    assert_eq!(error_code(&reply).0, "MFA_REQUIRED");

    // The code raises it, with a new pair; the old refresh token is retired.
    app.clock.advance(Duration::seconds(30));
    let verified = verify(&app, &access, &code_at(&secret, app.clock.now())).await;
    assert_no_errors(&verified);
    let payload = &verified["data"]["verifyMfa"];
    assert_eq!(payload["user"]["mfaRequired"], json!(false));
    let (new_access, new_refresh) = tokens(payload);
    assert_ne!(new_refresh, refresh);
    for token in [&access, &new_access] {
        let sessions = app
            .gql("{ mySessions { id } }", json!({}), Some(token))
            .await;
        assert_no_errors(&sessions);
    }
    let claims = jwt_claims(&new_access);
    assert_eq!(claims["aal"], json!(2));
    assert_eq!(
        error_code(&app.refresh(&refresh).await).0,
        "UNAUTHENTICATED"
    );
    let refreshed = app.refresh(&new_refresh).await;
    assert_no_errors(&refreshed);
    let (access, _) = tokens(&refreshed["data"]["refreshToken"]);
    assert_eq!(jwt_claims(&access)["aal"], json!(2));

    // An account without a second factor signs in as before.
    let plain = app.register_ok("bob@example.org", "bob").await;
    let me = app.gql(ME, json!({}), Some(&tokens(&plain).0)).await;
    assert_eq!(me["data"]["me"]["mfaRequired"], json!(false));
    let login = password_sign_in(&app, "bob@example.org").await;
    assert_eq!(login["user"]["mfaRequired"], json!(false));
    let sessions = app
        .gql("{ mySessions { id } }", json!({}), Some(&tokens(&login).0))
        .await;
    assert_no_errors(&sessions);
    assert_eq!(jwt_claims(&tokens(&login).0)["aal"], json!(1));
}

/// The payload of a JWT, unverified (the test only reads what it says).
fn jwt_claims(token: &str) -> Value {
    use base64::Engine as _;
    let payload = token.split('.').nth(1).unwrap();
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload)
        .unwrap();
    serde_json::from_slice(&bytes).unwrap()
}

async fn authenticator_codes_work_once_within_one_step(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let (_, secret, _) = with_mfa(&app, "ada@example.org").await;
    // The confirming code's step is used up.
    let at = |seconds: i64| code_at(&secret, app.clock.now() + Duration::seconds(seconds));
    let access = tokens(&password_sign_in(&app, "ada@example.org").await).0;
    let replayed = verify(&app, &access, &at(0)).await;
    assert_eq!(error_code(&replayed).0, "INVALID_MFA_CODE", "{replayed}");

    // Two steps ahead is too far off; one step ahead (a fast phone) is not.
    let far = verify(&app, &access, &at(60)).await;
    assert_eq!(error_code(&far).0, "INVALID_MFA_CODE");
    let ahead = at(30);
    assert_no_errors(&verify(&app, &access, &ahead).await);
    // Once accepted, a code is spent, on every session of the account.
    let other = tokens(&password_sign_in(&app, "ada@example.org").await).0;
    assert_eq!(
        error_code(&verify(&app, &other, &ahead).await).0,
        "INVALID_MFA_CODE"
    );
    // So is every earlier code.
    assert_eq!(
        error_code(&verify(&app, &other, &at(0)).await).0,
        "INVALID_MFA_CODE"
    );

    // A slow phone, one step behind, later.
    app.clock.advance(Duration::minutes(5));
    assert_no_errors(&verify(&app, &other, &at(-30)).await);
    // A code that is not one.
    let junk = verify(&app, &other, "12345").await;
    assert_eq!(
        error_code(&junk),
        ("BAD_USER_INPUT".into(), Some("code".into()))
    );
    let failures = events(&app).await;
    assert_eq!(
        failures
            .iter()
            .filter(|e| *e == "mfa_failed/failure")
            .count(),
        4,
        "{failures:?}"
    );
    assert_eq!(
        failures
            .iter()
            .filter(|e| *e == "mfa_verified/success")
            .count(),
        2
    );
}

async fn recovery_codes_work_once_each(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let (_, _, codes) = with_mfa(&app, "ada@example.org").await;
    assert_eq!(codes.len(), 10);
    assert!(
        codes
            .iter()
            .all(|code| code.len() == 19 && code.matches('-').count() == 3)
    );

    let access = tokens(&password_sign_in(&app, "ada@example.org").await).0;
    assert_no_errors(&verify(&app, &access, &codes[0]).await);
    let again = tokens(&password_sign_in(&app, "ada@example.org").await).0;
    assert_eq!(
        error_code(&verify(&app, &again, &codes[0]).await).0,
        "INVALID_MFA_CODE"
    );
    // Typed loosely: upper case, no dashes.
    let loose = codes[1].replace('-', "").to_uppercase();
    let verified = verify(&app, &again, &loose).await;
    assert_no_errors(&verified);
    let access = tokens(&verified["data"]["verifyMfa"]).0;
    let status = app.gql(MY_MFA, json!({}), Some(&access)).await;
    assert_eq!(status["data"]["myMfa"]["recoveryCodesLeft"], json!(8));
    // Each use is recorded and mailed (and the set-up before them).
    let used = events(&app).await;
    assert_eq!(
        used.iter()
            .filter(|e| *e == "recovery_code_used/success")
            .count(),
        2
    );
    assert_eq!(security_mail(&app, "ada@example.org").await, 3);

    // New codes replace the old ones.
    let fresh = app
        .gql(
            "mutation { regenerateRecoveryCodes }",
            json!({}),
            Some(&access),
        )
        .await;
    assert_no_errors(&fresh);
    let fresh: Vec<String> =
        serde_json::from_value(fresh["data"]["regenerateRecoveryCodes"].clone()).unwrap();
    assert!(fresh.iter().all(|code| !codes.contains(code)));
    let third = tokens(&password_sign_in(&app, "ada@example.org").await).0;
    assert_eq!(
        error_code(&verify(&app, &third, &codes[2]).await).0,
        "INVALID_MFA_CODE"
    );
    assert_no_errors(&verify(&app, &third, &fresh[0]).await);
}

async fn totp_secrets_are_sealed_in_the_table(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let (ada, secret, codes) = with_mfa(&app, "ada@example.org").await;
    let raw = Secret::try_from_base32(&secret).unwrap().as_ref().to_vec();
    assert_eq!(raw.len(), 20);
    let sealed: Vec<u8> = service::with_pool!(&app.db, |pool| {
        sqlx::query_scalar("SELECT sealed_secret FROM totp_factors WHERE user_id = $1")
            .bind(ada)
            .fetch_one(pool)
            .await
    })
    .unwrap();
    let hashes: Vec<String> = service::with_pool!(&app.db, |pool| {
        sqlx::query_scalar("SELECT code_hash FROM recovery_codes WHERE user_id = $1")
            .bind(ada)
            .fetch_all(pool)
            .await
    })
    .unwrap();
    // A nonce, the ciphertext and its tag: nothing of the secret.
    assert_eq!(sealed.len(), 24 + 20 + 16);
    assert!(
        !sealed
            .windows(4)
            .any(|window| raw.windows(4).any(|r| r == window))
    );
    assert_eq!(hashes.len(), 10);
    for code in &codes {
        let bare = code.replace('-', "");
        assert!(hashes.iter().all(|hash| !hash.contains(&bare)));
    }

    // Another account's sealed secret copied over this one's opens for
    // neither: the account is bound into the seal.
    let (bob, bob_secret, _) = with_mfa(&app, "bob@example.org").await;
    service::with_writer!(&app.db, |pool| {
        sqlx::query(
            "UPDATE totp_factors SET sealed_secret =
                 (SELECT sealed_secret FROM totp_factors WHERE user_id = $1)
             WHERE user_id = $2",
        )
        .bind(bob)
        .bind(ada)
        .execute(pool)
        .await
        .map(drop)
    })
    .unwrap();
    let access = tokens(&password_sign_in(&app, "ada@example.org").await).0;
    app.clock.advance(Duration::seconds(30));
    let forged = verify(&app, &access, &code_at(&bob_secret, app.clock.now())).await;
    assert_eq!(error_code(&forged).0, "INTERNAL_SERVER_ERROR", "{forged}");
}

async fn sensitive_changes_need_a_recent_proof(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let registered = app.register_ok("ada@example.org", "ada").await;
    let access = tokens(&registered).0;
    let export = "mutation { exportMyData }";
    assert_no_errors(&app.gql(export, json!({}), Some(&access)).await);

    // Ten minutes and a second later, the same token is too old for it.
    app.clock.advance(Duration::seconds(601));
    for (document, variables) in [
        (export, json!({})),
        (
            "mutation($c: String!, $n: String!) { changePassword(currentPassword: $c, newPassword: $n) }",
            json!({ "c": PASSWORD, "n": "a whole new passphrase" }),
        ),
        (
            "mutation($p: String!) { deleteMyAccount(password: $p) }",
            json!({ "p": PASSWORD }),
        ),
        (START, json!({})),
    ] {
        let reply = app.gql(document, variables, Some(&access)).await;
        assert_eq!(
            error_code(&reply).0,
            "REAUTHENTICATION_REQUIRED",
            "{document}: {reply}"
        );
    }
    // Other things go on as before.
    assert_no_errors(
        &app.gql("{ mySessions { id } }", json!({}), Some(&access))
            .await,
    );

    let reauth = "mutation($p: String, $c: String) {
        reauthenticate(password: $p, code: $c) { accessToken refreshToken } }";
    let wrong = app
        .gql(reauth, json!({ "p": "not my password" }), Some(&access))
        .await;
    assert_eq!(error_code(&wrong).0, "INVALID_CREDENTIALS");
    let neither = app.gql(reauth, json!({}), Some(&access)).await;
    assert_eq!(error_code(&neither).0, "BAD_USER_INPUT");
    let proved = app
        .gql(reauth, json!({ "p": PASSWORD }), Some(&access))
        .await;
    assert_no_errors(&proved);
    let (fresh, _) = tokens(&proved["data"]["reauthenticate"]);
    assert_no_errors(&app.gql(export, json!({}), Some(&fresh)).await);
    // The proof is the session's: the older token of it benefits too.
    assert_no_errors(&app.gql(export, json!({}), Some(&access)).await);
    assert!(
        events(&app)
            .await
            .contains(&"reauthenticated/success".to_owned())
    );

    // A code proves it too, for an account with one.
    let (secret, _) = enable_totp(&app, &fresh).await;
    app.clock.advance(Duration::seconds(601));
    let reply = app.gql(export, json!({}), Some(&fresh)).await;
    assert_eq!(error_code(&reply).0, "REAUTHENTICATION_REQUIRED");
    let code = code_at(&secret, app.clock.now());
    let proved = app.gql(reauth, json!({ "c": code }), Some(&fresh)).await;
    assert_no_errors(&proved);
    assert_no_errors(&app.gql(export, json!({}), Some(&fresh)).await);
}

async fn wrong_codes_count_against_signing_in(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    with_mfa(&app, "ada@example.org").await;
    let access = tokens(&password_sign_in(&app, "ada@example.org").await).0;
    // The password sign-in's success forgave the address; five guesses
    // are allowed from it in the window, as at the sign-in form.
    for _ in 0..5 {
        let reply = verify(&app, &access, "000000").await;
        assert_eq!(error_code(&reply).0, "INVALID_MFA_CODE");
    }
    let limited = verify(&app, &access, "000000").await;
    assert_eq!(error_code(&limited).0, "RATE_LIMITED", "{limited}");
    // And the password, from this address, is limited with them.
    let login = app.login("ada@example.org", PASSWORD, false).await;
    assert_eq!(error_code(&login).0, "RATE_LIMITED");
    // Two codes in one request are refused before either is checked.
    let aliased = app
        .gql(
            "mutation { a: verifyMfa(code: \"111111\") { accessToken }
                        b: verifyMfa(code: \"222222\") { accessToken } }",
            json!({}),
            Some(&access),
        )
        .await;
    assert_eq!(error_code(&aliased).0, "TOO_MANY_PASSWORD_FIELDS");
}

async fn turning_mfa_off_ends_the_sessions_it_held_back(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let registered = app.register_ok("ada@example.org", "ada").await;
    let ada = user_id(&registered);
    let access = tokens(&registered).0;
    let (secret, codes) = enable_totp(&app, &access).await;
    // Someone with the password alone, held at the second factor.
    let held = tokens(&password_sign_in(&app, "ada@example.org").await);
    assert_eq!(app.sessions_of(ada).await.len(), 2);

    let disable = "mutation($c: String!) { disableTotp(code: $c) }";
    let wrong = app
        .gql(disable, json!({ "c": "000000" }), Some(&access))
        .await;
    assert_eq!(error_code(&wrong).0, "INVALID_MFA_CODE");
    app.clock.advance(Duration::seconds(30));
    let code = code_at(&secret, app.clock.now());
    assert_no_errors(&app.gql(disable, json!({ "c": code }), Some(&access)).await);

    app.assert_signed_out(&held.0, &held.1).await;
    assert_eq!(app.sessions_of(ada).await.len(), 1);
    let me = app.gql(ME, json!({}), Some(&access)).await;
    assert_eq!(me["data"]["me"]["mfaEnabled"], json!(false));
    assert_eq!(app.count("recovery_codes").await, 0);
    assert_eq!(app.count("totp_factors").await, 0);
    // The password alone signs in again, and old recovery codes are gone.
    let login = password_sign_in(&app, "ada@example.org").await;
    assert_eq!(login["user"]["mfaRequired"], json!(false));
    let reply = verify(&app, &tokens(&login).0, &codes[0]).await;
    assert_eq!(error_code(&reply).0, "CONFLICT");
    let off = app
        .gql(disable, json!({ "c": "000000" }), Some(&access))
        .await;
    assert_eq!(error_code(&off), ("CONFLICT".into(), Some("totp".into())));

    let kinds = events(&app).await;
    for kind in ["totp_enabled/success", "totp_disabled/success"] {
        assert!(kinds.contains(&kind.to_owned()), "{kind} in {kinds:?}");
    }
    assert_eq!(security_mail(&app, "ada@example.org").await, 2);
}

async fn admins_must_have_a_second_factor_where_required(engine: Engine) {
    let app = TestApp::spawn_with(engine, |config| config.require_admin_mfa = Some(true)).await;
    let admin = app.admin_token().await;
    let me = app.gql(ME, json!({}), Some(&admin)).await;
    assert_eq!(me["data"]["me"]["mfaEnrollmentRequired"], json!(true));
    let users = app.gql("{ users { id } }", json!({}), Some(&admin)).await;
    assert_eq!(error_code(&users).0, "MFA_ENROLLMENT_REQUIRED");
    let export = app
        .gql("mutation { exportMyData }", json!({}), Some(&admin))
        .await;
    assert_eq!(error_code(&export).0, "MFA_ENROLLMENT_REQUIRED");

    // Setting one up is what it may do, and then everything.
    enable_totp(&app, &admin).await;
    let me = app.gql(ME, json!({}), Some(&admin)).await;
    assert_eq!(me["data"]["me"]["mfaEnrollmentRequired"], json!(false));
    assert_no_errors(&app.gql("{ users { id } }", json!({}), Some(&admin)).await);
    // A password sign-in of it is held at the second factor like anyone's.
    let login = password_sign_in(&app, "admin@example.org").await;
    let users = app
        .gql("{ users { id } }", json!({}), Some(&tokens(&login).0))
        .await;
    assert_eq!(error_code(&users).0, "MFA_REQUIRED");

    // Ordinary accounts are not asked to set one up.
    let plain = app.register_ok("ada@example.org", "ada").await;
    let me = app.gql(ME, json!({}), Some(&tokens(&plain).0)).await;
    assert_eq!(me["data"]["me"]["mfaEnrollmentRequired"], json!(false));

    // Without the requirement, an admin without a factor works as before.
    let relaxed =
        TestApp::spawn_with(engine, |config| config.require_admin_mfa = Some(false)).await;
    let admin = relaxed.admin_token().await;
    assert_no_errors(
        &relaxed
            .gql("{ users { id } }", json!({}), Some(&admin))
            .await,
    );
}

async fn an_admin_resets_the_factors_of_someone_who_lost_them(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let admin = app.admin_token().await;
    let (ada, _, _) = with_mfa(&app, "ada@example.org").await;
    let held = tokens(&password_sign_in(&app, "ada@example.org").await);

    let reset = "mutation($id: UUID!) { resetUserMfa(id: $id) { id mfaEnabled } }";
    let plain = app.register_ok("bob@example.org", "bob").await;
    let by_user = app
        .gql(reset, json!({ "id": ada }), Some(&tokens(&plain).0))
        .await;
    assert_eq!(error_code(&by_user).0, "FORBIDDEN");

    let done = app.gql(reset, json!({ "id": ada }), Some(&admin)).await;
    assert_no_errors(&done);
    assert_eq!(done["data"]["resetUserMfa"]["mfaEnabled"], json!(false));
    // Every session of the account ended; the password alone signs in.
    app.assert_signed_out(&held.0, &held.1).await;
    assert!(app.sessions_of(ada).await.is_empty());
    let login = password_sign_in(&app, "ada@example.org").await;
    assert_eq!(login["user"]["mfaRequired"], json!(false));
    assert!(events(&app).await.contains(&"mfa_reset/success".to_owned()));
    assert_eq!(security_mail(&app, "ada@example.org").await, 2);

    // Admin mutations need a recent proof too.
    app.clock.advance(Duration::seconds(601));
    let late = app.gql(reset, json!({ "id": ada }), Some(&admin)).await;
    assert_eq!(error_code(&late).0, "REAUTHENTICATION_REQUIRED");
}

/// What a passkey ceremony's requests refuse without an authenticator at
/// hand (whole ceremonies are further down, with `authenticator.rs`, and in
/// Chromium's virtual authenticator in `client/e2e`): answers for
/// ceremonies that are not the caller's, used, expired or made up; junk;
/// and the sweep of ceremonies never finished.
async fn passkey_ceremonies_are_single_use_and_bound_to_their_session(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let ada = tokens(&app.register_ok("ada@example.org", "ada").await).0;
    let bob = tokens(&app.register_ok("bob@example.org", "bob").await).0;
    let start = "mutation { startPasskeyRegistration { challengeId options } }";
    let started = app.gql(start, json!({}), Some(&ada)).await;
    assert_no_errors(&started);
    let challenge = &started["data"]["startPasskeyRegistration"];
    let options = &challenge["options"]["publicKey"];
    assert_eq!(options["rp"]["id"], json!("app.test"));
    assert_eq!(options["user"]["name"], json!("ada@example.org"));
    // A passkey the authenticator keeps, to sign in without an email.
    assert_eq!(
        options["authenticatorSelection"]["residentKey"],
        json!("required")
    );
    assert_eq!(
        options["authenticatorSelection"]["userVerification"],
        json!("required")
    );
    assert!(challenge["options"].get("mediation").is_none());

    let finish = "mutation($id: UUID!, $c: JSON!) {
        finishPasskeyRegistration(challengeId: $id, name: \"Laptop\", credential: $c) { id } }";
    let id = challenge["challengeId"].clone();
    let answer = json!({ "id": "AAAA", "rawId": "AAAA", "type": "public-key",
        "response": { "clientDataJSON": "e30", "attestationObject": "oA" } });
    // Another account cannot finish it, nor can a made-up ceremony be.
    let stolen = app
        .gql(finish, json!({ "id": id, "c": answer }), Some(&bob))
        .await;
    assert_eq!(error_code(&stolen).0, "INVALID_MFA_CODE", "{stolen}");
    // ...and trying leaves it to its owner.
    assert_eq!(app.count("webauthn_challenges").await, 1);
    let unknown = json!({ "id": uuid::Uuid::new_v4(), "c": answer });
    assert_eq!(
        error_code(&app.gql(finish, unknown, Some(&ada)).await).0,
        "INVALID_MFA_CODE"
    );
    // A forged answer is refused, and uses the ceremony up.
    let forged = app
        .gql(finish, json!({ "id": id, "c": answer }), Some(&ada))
        .await;
    assert_eq!(error_code(&forged).0, "INVALID_MFA_CODE", "{forged}");
    let again = app
        .gql(finish, json!({ "id": id, "c": answer }), Some(&ada))
        .await;
    assert_eq!(error_code(&again).0, "INVALID_MFA_CODE");
    assert_eq!(app.count("passkeys").await, 0);
    let me = app.gql(ME, json!({}), Some(&ada)).await;
    assert_eq!(me["data"]["me"]["mfaEnabled"], json!(false));

    // Junk is bad input, before any ceremony is looked at.
    let started = app.gql(start, json!({}), Some(&ada)).await;
    let id = started["data"]["startPasskeyRegistration"]["challengeId"].clone();
    let junk = app
        .gql(finish, json!({ "id": id, "c": "junk" }), Some(&ada))
        .await;
    assert_eq!(
        error_code(&junk),
        ("BAD_USER_INPUT".into(), Some("credential".into()))
    );

    // Without a passkey there is nothing to verify with.
    let verify = "mutation { startPasskeyVerification { challengeId } }";
    let none = app.gql(verify, json!({}), Some(&ada)).await;
    assert_eq!(
        error_code(&none),
        ("CONFLICT".into(), Some("passkey".into()))
    );

    // A passkey sign-in needs no account to start, and is refused with a
    // made-up answer, recorded as a failed sign-in.
    let sign_in = app
        .gql(
            "mutation { startPasskeySignIn { challengeId options } }",
            json!({}),
            None,
        )
        .await;
    assert_no_errors(&sign_in);
    let options = &sign_in["data"]["startPasskeySignIn"]["options"];
    assert_eq!(options["publicKey"]["rpId"], json!("app.test"));
    assert!(options.get("mediation").is_none(), "{options}");
    let finish_sign_in = "mutation($id: UUID!, $c: JSON!) {
        finishPasskeySignIn(challengeId: $id, credential: $c) { accessToken } }";
    let id = sign_in["data"]["startPasskeySignIn"]["challengeId"].clone();
    let assertion = json!({ "id": "AAAA", "rawId": "AAAA", "type": "public-key",
        "response": { "clientDataJSON": "e30", "authenticatorData": "AA", "signature": "AA",
                      "userHandle": "AAAA" } });
    let refused = app
        .gql(finish_sign_in, json!({ "id": id, "c": assertion }), None)
        .await;
    assert_eq!(error_code(&refused).0, "INVALID_MFA_CODE", "{refused}");
    assert!(
        events(&app)
            .await
            .contains(&"login_failed/failure".to_owned())
    );

    // Ceremonies never finished are swept once expired.
    assert!(app.count("webauthn_challenges").await >= 1);
    app.clock.advance(Duration::minutes(6));
    assert!(app.sweep().await.challenges >= 1);
    assert_eq!(app.count("webauthn_challenges").await, 0);
}

// Whole passkey ceremonies, with the software authenticator of
// `authenticator.rs` answering as a browser on the site's page would.

const START_REGISTRATION: &str = "mutation { startPasskeyRegistration { challengeId options } }";
const FINISH_REGISTRATION: &str = "mutation($id: UUID!, $c: JSON!) {
    finishPasskeyRegistration(challengeId: $id, name: \"Laptop\", credential: $c) {
        id name lastUsedAt } }";
const START_SIGN_IN: &str = "mutation { startPasskeySignIn { challengeId options } }";
const FINISH_SIGN_IN: &str = "mutation($id: UUID!, $c: JSON!) {
    finishPasskeySignIn(challengeId: $id, credential: $c) {
        user { id mfaRequired } accessToken refreshToken } }";
const START_VERIFICATION: &str = "mutation { startPasskeyVerification { challengeId options } }";
const VERIFY_WITH_PASSKEY: &str = "mutation($p: PasskeyAssertion!) {
    verifyMfaWithPasskey(passkey: $p) { user { mfaRequired } accessToken refreshToken } }";
const MY_PASSKEYS: &str = "{ myMfa { passkeys { id name lastUsedAt } } }";
/// What an aal 1 session may not read.
const MY_SESSIONS: &str = "{ mySessions { id } }";

/// Starts a ceremony (`start` is one of the `START_*` mutations): its
/// `challengeId` and `options`.
async fn ceremony(app: &TestApp, start: &str, access: Option<&str>) -> (Value, Value) {
    let reply = app.gql(start, json!({}), access).await;
    assert_no_errors(&reply);
    let (_, started) = reply["data"].as_object().unwrap().iter().next().unwrap();
    (started["challengeId"].clone(), started["options"].clone())
}

/// Adds a passkey made by `key` to the account of `access`: the reply.
async fn add_passkey(app: &TestApp, access: &str, key: &mut Authenticator) -> Value {
    let (id, options) = ceremony(app, START_REGISTRATION, Some(access)).await;
    let answer = key.create(&options);
    app.gql(
        FINISH_REGISTRATION,
        json!({ "id": id, "c": answer }),
        Some(access),
    )
    .await
}

/// A new account whose passkey is on `key`: its id.
async fn with_passkey(app: &TestApp, email: &str, key: &mut Authenticator) -> uuid::Uuid {
    let username = email.split('@').next().unwrap();
    let registered = app.register_ok(email, username).await;
    assert_no_errors(&add_passkey(app, &tokens(&registered).0, key).await);
    user_id(&registered)
}

/// A passkey of this site's, made on its sign-in page.
fn new_passkey(app: &TestApp) -> Authenticator {
    Authenticator::new(&app.config.public_url)
}

async fn finish_sign_in(app: &TestApp, id: &Value, answer: Value) -> Value {
    app.gql(FINISH_SIGN_IN, json!({ "id": id, "c": answer }), None)
        .await
}

/// Signs in with the passkey on `key` alone: the reply.
async fn sign_in_with(app: &TestApp, key: &mut Authenticator) -> Value {
    let (id, options) = ceremony(app, START_SIGN_IN, None).await;
    finish_sign_in(app, &id, key.get(&options)).await
}

async fn verify_answer(app: &TestApp, access: &str, id: &Value, answer: Value) -> Value {
    let passkey = json!({ "challengeId": id, "credential": answer });
    app.gql(VERIFY_WITH_PASSKEY, json!({ "p": passkey }), Some(access))
        .await
}

/// Passes the second factor of the session of `access` with the passkey
/// on `key`: the reply.
async fn verify_with(app: &TestApp, access: &str, key: &mut Authenticator) -> Value {
    let (id, options) = ceremony(app, START_VERIFICATION, Some(access)).await;
    verify_answer(app, access, &id, key.get(&options)).await
}

async fn count_events(app: &TestApp, event: &str) -> usize {
    events(app).await.iter().filter(|e| *e == event).count()
}

async fn a_passkey_is_added_and_signs_in_alone(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let registered = app.register_ok("ada@example.org", "ada").await;
    let (ada, access) = (user_id(&registered), tokens(&registered).0);
    let mut key = new_passkey(&app);
    let added = add_passkey(&app, &access, &mut key).await;
    assert_no_errors(&added);
    let passkey = &added["data"]["finishPasskeyRegistration"];
    assert_eq!(passkey["name"], json!("Laptop"));
    let listed = app.gql(MY_PASSKEYS, json!({}), Some(&access)).await;
    assert_eq!(
        listed["data"]["myMfa"]["passkeys"],
        json!([{ "id": passkey["id"], "name": "Laptop", "lastUsedAt": null }])
    );
    // The account has a second factor now, which this session passed.
    let me = app.gql(ME, json!({}), Some(&access)).await;
    assert_eq!(me["data"]["me"]["mfaEnabled"], json!(true));
    assert_eq!(me["data"]["me"]["mfaRequired"], json!(false));
    assert_eq!(count_events(&app, "passkey_added/success").await, 1);
    let mail = app.queued_mail("ada@example.org").await;
    assert!(
        mail.iter()
            .any(|(kind, text)| kind == "security_changed" && text.contains("Laptop")),
        "{mail:?}"
    );

    // The password alone no longer reaches the account.
    let held = tokens(&password_sign_in(&app, "ada@example.org").await).0;
    assert_eq!(jwt_claims(&held)["aal"], json!(1));
    let reply = app.gql(MY_SESSIONS, json!({}), Some(&held)).await;
    assert_eq!(error_code(&reply).0, "MFA_REQUIRED");

    // The passkey alone does, no email typed: the authenticator offers it
    // for the site and names the account by the handle it was given.
    let signed_in = sign_in_with(&app, &mut key).await;
    assert_no_errors(&signed_in);
    let payload = &signed_in["data"]["finishPasskeySignIn"];
    assert_eq!(payload["user"]["id"], json!(ada));
    assert_eq!(payload["user"]["mfaRequired"], json!(false));
    let access = tokens(payload).0;
    assert_eq!(jwt_claims(&access)["aal"], json!(2));
    assert_no_errors(&app.gql(MY_SESSIONS, json!({}), Some(&access)).await);
    // Two sign-ins: the password's and the passkey's.
    assert_eq!(count_events(&app, "login_succeeded/success").await, 2);
    let listed = app.gql(MY_PASSKEYS, json!({}), Some(&access)).await;
    assert!(listed["data"]["myMfa"]["passkeys"][0]["lastUsedAt"].is_string());
}

async fn a_passkey_passes_the_second_factor_and_a_step_up(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let mut key = new_passkey(&app);
    with_passkey(&app, "ada@example.org", &mut key).await;

    // After the password, the passkey is the second factor.
    let (held, held_refresh) = tokens(&password_sign_in(&app, "ada@example.org").await);
    let verified = verify_with(&app, &held, &mut key).await;
    assert_no_errors(&verified);
    let payload = &verified["data"]["verifyMfaWithPasskey"];
    assert_eq!(payload["user"]["mfaRequired"], json!(false));
    let (access, _) = tokens(payload);
    assert_eq!(jwt_claims(&access)["aal"], json!(2));
    assert_no_errors(&app.gql(MY_SESSIONS, json!({}), Some(&access)).await);
    assert_eq!(
        error_code(&app.refresh(&held_refresh).await).0,
        "UNAUTHENTICATED"
    );
    assert_eq!(count_events(&app, "mfa_verified/success").await, 1);

    // Once the step-up window has passed, it proves the person again.
    let export = "mutation { exportMyData }";
    let window = Duration::seconds(app.config.step_up_window_seconds as i64);
    app.clock.advance(window + Duration::seconds(1));
    let late = app.gql(export, json!({}), Some(&access)).await;
    assert_eq!(error_code(&late).0, "REAUTHENTICATION_REQUIRED");
    let (id, options) = ceremony(&app, START_VERIFICATION, Some(&access)).await;
    let passkey = json!({ "challengeId": id, "credential": key.get(&options) });
    let proved = app
        .gql(
            "mutation($p: PasskeyAssertion!) { reauthenticate(passkey: $p) { accessToken } }",
            json!({ "p": passkey }),
            Some(&access),
        )
        .await;
    assert_no_errors(&proved);
    let fresh = proved["data"]["reauthenticate"]["accessToken"]
        .as_str()
        .unwrap();
    assert_no_errors(&app.gql(export, json!({}), Some(fresh)).await);
    assert_eq!(count_events(&app, "reauthenticated/success").await, 1);
}

async fn a_passkey_answer_signed_by_another_key_is_refused(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let mut key = new_passkey(&app);
    with_passkey(&app, "ada@example.org", &mut key).await;
    // The passkey's id and account, with a key of the forger's own.
    let mut forger = key.forger();

    let alone = sign_in_with(&app, &mut forger).await;
    assert_eq!(error_code(&alone).0, "INVALID_MFA_CODE", "{alone}");
    let held = tokens(&password_sign_in(&app, "ada@example.org").await).0;
    let second = verify_with(&app, &held, &mut forger).await;
    assert_eq!(error_code(&second).0, "INVALID_MFA_CODE", "{second}");
    assert_eq!(count_events(&app, "login_failed/failure").await, 1);
    assert_eq!(count_events(&app, "mfa_failed/failure").await, 1);

    // The passkey itself passes both.
    assert_no_errors(&sign_in_with(&app, &mut key).await);
    assert_no_errors(&verify_with(&app, &held, &mut key).await);
}

async fn a_passkey_answer_is_refused_for_another_ceremony(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let mut key = new_passkey(&app);
    with_passkey(&app, "ada@example.org", &mut key).await;

    // An answer to one sign-in, presented for another (both live, both
    // started by nobody in particular)...
    let (first, options) = ceremony(&app, START_SIGN_IN, None).await;
    let (second, _) = ceremony(&app, START_SIGN_IN, None).await;
    let answer = key.get(&options);
    let refused = finish_sign_in(&app, &second, answer.clone()).await;
    assert_eq!(error_code(&refused).0, "INVALID_MFA_CODE", "{refused}");
    // ...was a good answer, to its own.
    assert_no_errors(&finish_sign_in(&app, &first, answer).await);

    // The same for two verifications of one session.
    let held = tokens(&password_sign_in(&app, "ada@example.org").await).0;
    let (first, options) = ceremony(&app, START_VERIFICATION, Some(&held)).await;
    let (second, _) = ceremony(&app, START_VERIFICATION, Some(&held)).await;
    let answer = key.get(&options);
    let refused = verify_answer(&app, &held, &second, answer.clone()).await;
    assert_eq!(error_code(&refused).0, "INVALID_MFA_CODE", "{refused}");
    assert_no_errors(&verify_answer(&app, &held, &first, answer).await);
}

async fn a_passkey_answer_for_another_site_is_refused(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let mut key = new_passkey(&app);
    with_passkey(&app, "ada@example.org", &mut key).await;
    let held = tokens(&password_sign_in(&app, "ada@example.org").await).0;

    // A phishing page relaying the site's challenge: the browser reports
    // the page it is on. And an answer made for another relying party:
    // the authenticator hashes that one's id into what it signs.
    let site = app.config.public_url.as_str();
    for (origin, rp_id) in [("http://evil.test", "app.test"), (site, "evil.test")] {
        let elsewhere = |request: Request| Request {
            origin: origin.into(),
            rp_id: rp_id.into(),
            ..request
        };
        let (id, options) = ceremony(&app, START_SIGN_IN, None).await;
        let answer = key.get_for(&elsewhere(key.request(&options)));
        let alone = finish_sign_in(&app, &id, answer).await;
        assert_eq!(
            error_code(&alone).0,
            "INVALID_MFA_CODE",
            "{origin} {rp_id}: {alone}"
        );

        let (id, options) = ceremony(&app, START_VERIFICATION, Some(&held)).await;
        let answer = key.get_for(&elsewhere(key.request(&options)));
        let second = verify_answer(&app, &held, &id, answer).await;
        assert_eq!(
            error_code(&second).0,
            "INVALID_MFA_CODE",
            "{origin} {rp_id}: {second}"
        );
    }
    // On the site itself, the passkey works.
    assert_no_errors(&sign_in_with(&app, &mut key).await);
    assert_no_errors(&verify_with(&app, &held, &mut key).await);
}

/// An answer whose signature counter is not past the one stored (each use
/// stores its count) is refused: one of two copies of the key has answered
/// since. A passkey that does not count (synced, always 0) is not held to
/// it.
async fn a_passkey_whose_counter_goes_back_is_refused(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let mut key = new_passkey(&app);
    with_passkey(&app, "ada@example.org", &mut key).await;
    let mut copy = key.clone();
    assert_no_errors(&sign_in_with(&app, &mut key).await);
    assert_no_errors(&sign_in_with(&app, &mut key).await);

    // The copy's count (1) is behind the original's (2)...
    let behind = sign_in_with(&app, &mut copy).await;
    assert_eq!(error_code(&behind).0, "INVALID_MFA_CODE", "{behind}");
    // ...and level with it (2) is no better, as a second factor too.
    let held = tokens(&password_sign_in(&app, "ada@example.org").await).0;
    let level = verify_with(&app, &held, &mut copy).await;
    assert_eq!(error_code(&level).0, "INVALID_MFA_CODE", "{level}");
    // The original counts on (3).
    assert_no_errors(&verify_with(&app, &held, &mut key).await);

    let mut synced = Authenticator::synced(&app.config.public_url);
    with_passkey(&app, "bob@example.org", &mut synced).await;
    for _ in 0..3 {
        assert_no_errors(&sign_in_with(&app, &mut synced).await);
    }
}

/// The count stored for the one passkey in the database.
async fn sign_count(app: &TestApp) -> i64 {
    app.scalar("SELECT sign_count FROM passkeys").await
}

/// A verification's ceremony keeps the account's passkeys as they were
/// when it started, and webauthn-rs compares an answer's count with that
/// copy; the service compares it again with the count stored when the
/// answer comes, so that a copy of the key is caught on a ceremony that
/// started before its original moved on.
async fn a_cloned_passkey_is_refused_even_on_a_ceremony_started_before_its_original_moved_on(
    engine: Engine,
) {
    let app = TestApp::spawn(engine).await;
    let mut key = new_passkey(&app);
    with_passkey(&app, "ada@example.org", &mut key).await;
    let mut copy = key.clone();
    let held = tokens(&password_sign_in(&app, "ada@example.org").await).0;
    // A verification starts while the stored count is 0...
    let (id, options) = ceremony(&app, START_VERIFICATION, Some(&held)).await;
    // ...then the original signs in alone twice (2)...
    assert_no_errors(&sign_in_with(&app, &mut key).await);
    assert_no_errors(&sign_in_with(&app, &mut key).await);
    assert_eq!(sign_count(&app).await, 2);

    // ...and the copy's answer to it (1) is refused, as a wrong passkey is.
    let cloned = verify_answer(&app, &held, &id, copy.get(&options)).await;
    assert_eq!(error_code(&cloned).0, "INVALID_MFA_CODE", "{cloned}");
    assert_eq!(count_events(&app, "mfa_failed/failure").await, 1);
    assert_eq!(count_events(&app, "mfa_verified/success").await, 0);
    let reply = app.gql(MY_SESSIONS, json!({}), Some(&held)).await;
    assert_eq!(error_code(&reply).0, "MFA_REQUIRED");
    assert_eq!(sign_count(&app).await, 2);

    // The original, counting on (3), passes.
    assert_no_errors(&verify_with(&app, &held, &mut key).await);
    assert_eq!(sign_count(&app).await, 3);
}

/// Two uses of one passkey finishing together, each verified against the
/// count stored before either was kept: the one kept last used to write
/// its whole credential back, so the slower, lower count (and the JSON
/// sign-ins compare with) replaced the higher one. Played here through the
/// storage function, in the order that lost the higher count.
async fn of_two_uses_finishing_together_the_lower_count_is_not_written_back(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let mut key = new_passkey(&app);
    let ada = with_passkey(&app, "ada@example.org", &mut key).await;
    let stored = stored_passkeys::list(&app.db, ada.into())
        .await
        .unwrap()
        .remove(0);
    let counted = |count: u32| {
        let mut credential: Value = serde_json::from_str(&stored.credential).unwrap();
        credential["cred"]["counter"] = json!(count);
        credential.to_string()
    };
    let now = app.clock.now();
    let id = stored.info.id;
    // The faster use (2) is kept; the slower (1) changes nothing.
    assert!(
        stored_passkeys::record_use(&app.db, id, 2, &counted(2), now)
            .await
            .unwrap()
    );
    assert!(
        !stored_passkeys::record_use(&app.db, id, 1, &counted(1), now)
            .await
            .unwrap()
    );
    assert_eq!(sign_count(&app).await, 2);

    // So the key's own answers at 1 and 2 are behind what was kept...
    for _ in 1..=2 {
        let behind = sign_in_with(&app, &mut key).await;
        assert_eq!(error_code(&behind).0, "INVALID_MFA_CODE", "{behind}");
    }
    // ...and at 3 it counts on.
    assert_no_errors(&sign_in_with(&app, &mut key).await);
    assert_eq!(sign_count(&app).await, 3);

    // A passkey without a counter (always 0) is kept at every use.
    let mut synced_key = Authenticator::synced(&app.config.public_url);
    let bob = with_passkey(&app, "bob@example.org", &mut synced_key).await;
    let synced = stored_passkeys::list(&app.db, bob.into())
        .await
        .unwrap()
        .remove(0);
    for _ in 0..2 {
        assert!(
            stored_passkeys::record_use(&app.db, synced.info.id, 0, &synced.credential, now)
                .await
                .unwrap()
        );
    }
}

/// The database failing while a passkey's answer is checked is the
/// service's fault, not a wrong passkey: an internal error (logged), not
/// INVALID_MFA_CODE, and no MFA_FAILED event. The ceremony, not taken, is
/// still there to finish.
async fn a_database_failure_checking_a_passkey_is_an_error_not_a_wrong_passkey(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let mut key = new_passkey(&app);
    with_passkey(&app, "ada@example.org", &mut key).await;
    let held = tokens(&password_sign_in(&app, "ada@example.org").await).0;
    let (id, options) = ceremony(&app, START_VERIFICATION, Some(&held)).await;
    let answer = key.get(&options);

    // Taking a ceremony fails.
    let (break_it, mend_it): (&[&'static str], &'static str) = match engine {
        Engine::Postgres => (
            &[
                "CREATE FUNCTION fail() RETURNS trigger LANGUAGE plpgsql
                 AS $$ BEGIN RAISE EXCEPTION 'the disk is on fire'; END $$",
                "CREATE TRIGGER fail BEFORE DELETE ON webauthn_challenges
                 FOR EACH ROW EXECUTE FUNCTION fail()",
            ],
            "DROP TRIGGER fail ON webauthn_challenges",
        ),
        Engine::Sqlite => (
            &["CREATE TRIGGER fail BEFORE DELETE ON webauthn_challenges
               BEGIN SELECT RAISE(ABORT, 'the disk is on fire'); END"],
            "DROP TRIGGER fail",
        ),
    };
    for statement in break_it {
        app.execute(statement).await.unwrap();
    }
    let failed = verify_answer(&app, &held, &id, answer.clone()).await;
    assert_eq!(error_code(&failed).0, "INTERNAL_SERVER_ERROR", "{failed}");
    assert_eq!(count_events(&app, "mfa_failed/failure").await, 0);

    app.execute(mend_it).await.unwrap();
    assert_no_errors(&verify_answer(&app, &held, &id, answer).await);
}
