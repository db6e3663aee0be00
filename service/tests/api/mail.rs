//! Links by mail (verification, password reset), the security notices, and
//! the outbox that carries them to a real SMTP server, on both engines.

use chrono::Duration;
use serde_json::{Value, json};

use crate::helpers::{
    Engine, PASSWORD, TestApp, assert_no_errors, error_code, token_in, tokens, user_id,
};
use crate::smtp::{SmtpSink, free_port};
use service::config::MailDelivery;

on_both_engines!(
    registration_mails_a_link_that_verifies_the_address_once,
    verification_links_expire_and_a_new_one_replaces_the_old,
    a_reset_link_sets_a_new_password_and_ends_every_session,
    reset_links_are_refused_used_expired_replaced_or_voided,
    a_reset_request_answers_the_same_for_unknown_addresses,
    new_browsers_and_password_changes_are_announced,
    mail_is_written_only_with_the_change_it_announces,
    mail_survives_an_smtp_outage,
    two_workers_send_each_message_once,
    a_claim_in_flight_is_skipped,
);

const NEW_PASSWORD: &str = "a brand new passphrase";

async fn verify(app: &TestApp, token: &str) -> Value {
    app.gql(
        "mutation($t: String!) { verifyEmail(token: $t) }",
        json!({ "t": token }),
        None,
    )
    .await
}

async fn request_reset(app: &TestApp, email: &str) -> Value {
    app.gql(
        "mutation($e: String!) { requestPasswordReset(email: $e) }",
        json!({ "e": email }),
        None,
    )
    .await
}

async fn reset(app: &TestApp, token: &str, password: &str) -> Value {
    app.gql(
        "mutation($t: String!, $p: String!) { resetPassword(token: $t, newPassword: $p) }",
        json!({ "t": token, "p": password }),
        None,
    )
    .await
}

async fn verified(app: &TestApp, access: &str) -> bool {
    let me = app
        .gql("{ me { emailVerified } }", json!({}), Some(access))
        .await;
    assert_no_errors(&me);
    me["data"]["me"]["emailVerified"].as_bool().unwrap()
}

fn kinds(mail: &[(String, String)]) -> Vec<&str> {
    mail.iter().map(|(kind, _)| kind.as_str()).collect()
}

async fn registration_mails_a_link_that_verifies_the_address_once(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let reply = app
        .gql(
            "mutation($i: RegisterInput!) { register(input: $i) { accessToken } }",
            json!({ "i": { "email": "ada@example.org", "username": "ada",
                           "password": PASSWORD, "locale": "ru" } }),
            None,
        )
        .await;
    assert_no_errors(&reply);
    let access = reply["data"]["register"]["accessToken"].as_str().unwrap();
    let mail = app.queued_mail("ada@example.org").await;
    assert_eq!(kinds(&mail), ["verification"]);
    let text = &mail[0].1;
    assert!(
        text.contains("Здравствуйте, ada!"),
        "in the account's language: {text}"
    );
    assert!(
        text.contains("http://app.test/verify-email?token="),
        "{text}"
    );
    assert!(!verified(&app, access).await);

    let token = token_in(text).unwrap();
    let stored = app
        .scalar(format!(
            "SELECT COUNT(*) FROM email_tokens WHERE token_hash = '{token}'"
        ))
        .await;
    assert_eq!(stored, 0, "only the token's hash is stored");

    assert_eq!(verify(&app, &token).await["data"]["verifyEmail"], true);
    assert!(verified(&app, access).await);
    let again = verify(&app, &token).await;
    assert_eq!(error_code(&again).0, "INVALID_TOKEN");
    for junk in ["", "nope", &"g".repeat(64), &token[..63]] {
        assert_eq!(error_code(&verify(&app, junk).await).0, "INVALID_TOKEN");
    }
    // Verified: asking again sends nothing more.
    let asked = app
        .gql(
            "mutation { requestEmailVerification }",
            json!({}),
            Some(access),
        )
        .await;
    assert_eq!(asked["data"]["requestEmailVerification"], true);
    assert_eq!(app.queued_mail("ada@example.org").await.len(), 1);
}

async fn verification_links_expire_and_a_new_one_replaces_the_old(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let (access, _) = tokens(&app.register_ok("ada@example.org", "ada").await);
    let first = app.mailed_token("ada@example.org", "verification").await;

    let request = "mutation { requestEmailVerification }";
    assert_eq!(
        error_code(&app.gql(request, json!({}), None).await).0,
        "UNAUTHENTICATED"
    );
    let asked = app.gql(request, json!({}), Some(&access)).await;
    assert_eq!(asked["data"]["requestEmailVerification"], true);
    let second = app.mailed_token("ada@example.org", "verification").await;
    assert_ne!(first, second);
    assert_eq!(
        error_code(&verify(&app, &first).await).0,
        "INVALID_TOKEN",
        "replaced by the newer link"
    );

    app.clock.advance(Duration::hours(24));
    assert_eq!(error_code(&verify(&app, &second).await).0, "TOKEN_EXPIRED");
    assert!(!verified(&app, &app.login_ok("ada@example.org").await).await);
}

async fn a_reset_link_sets_a_new_password_and_ends_every_session(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let registered = app.register_ok("ada@example.org", "ada").await;
    let (access, refresh) = tokens(&registered);
    let (laptop, laptop_refresh) = app.sign_in_from("ada@example.org", "Laptop/1.0").await;

    assert_eq!(
        request_reset(&app, "Ada@Example.org").await["data"]["requestPasswordReset"],
        true
    );
    let token = app.mailed_token("ada@example.org", "password_reset").await;
    let mail = app.queued_mail("ada@example.org").await;
    let text = &mail.iter().find(|(k, _)| k == "password_reset").unwrap().1;
    assert!(
        text.contains("http://app.test/reset-password?token="),
        "{text}"
    );
    assert!(text.contains("30 minutes"), "{text}");

    let reply = reset(&app, &token, NEW_PASSWORD).await;
    assert_eq!(reply["data"]["resetPassword"], true, "{reply}");
    app.assert_signed_out(&access, &refresh).await;
    app.assert_signed_out(&laptop, &laptop_refresh).await;
    assert_eq!(app.count("sessions").await, 0);
    assert_eq!(
        error_code(&app.login("ada@example.org", PASSWORD, false).await).0,
        "INVALID_CREDENTIALS"
    );
    let signed_in = app.login("ada@example.org", NEW_PASSWORD, false).await;
    assert_no_errors(&signed_in);
    let access = signed_in["data"]["login"]["accessToken"].as_str().unwrap();
    assert!(verified(&app, access).await, "the link proved the address");
    assert_eq!(
        kinds(&app.queued_mail("ada@example.org").await)
            .into_iter()
            .filter(|k| *k == "password_changed")
            .count(),
        1,
        "the owner is told"
    );
    assert_eq!(user_id(&signed_in["data"]["login"]), user_id(&registered));
}

async fn reset_links_are_refused_used_expired_replaced_or_voided(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let (access, _) = tokens(&app.register_ok("ada@example.org", "ada").await);
    let email = "ada@example.org";

    // Used: the second use is refused.
    request_reset(&app, email).await;
    let token = app.mailed_token(email, "password_reset").await;
    // A weak password is refused and leaves the link working.
    let weak = reset(&app, &token, "short").await;
    assert_eq!(
        error_code(&weak),
        ("BAD_USER_INPUT".into(), Some("newPassword".into()))
    );
    assert_eq!(
        reset(&app, &token, NEW_PASSWORD).await["data"]["resetPassword"],
        true
    );
    assert_eq!(
        error_code(&reset(&app, &token, "another passphrase").await).0,
        "INVALID_TOKEN"
    );

    // Replaced by a newer link.
    request_reset(&app, email).await;
    let older = wait_for_another(&app, email, &token).await;
    request_reset(&app, email).await;
    let newer = wait_for_another(&app, email, &older).await;
    assert_eq!(
        error_code(&reset(&app, &older, "another passphrase").await).0,
        "INVALID_TOKEN"
    );

    // Expired: 30 minutes by default.
    app.clock.advance(Duration::minutes(30));
    assert_eq!(
        error_code(&reset(&app, &newer, "another passphrase").await).0,
        "TOKEN_EXPIRED"
    );

    // Voided when the password changes another way.
    request_reset(&app, email).await;
    let voided = wait_for_another(&app, email, &newer).await;
    let _ = access;
    let access = app.login_with(email, NEW_PASSWORD).await;
    let changed = app
        .gql(
            "mutation($c: String!, $n: String!) { changePassword(currentPassword: $c, newPassword: $n) }",
            json!({ "c": NEW_PASSWORD, "n": "a third passphrase" }),
            Some(&access),
        )
        .await;
    assert_no_errors(&changed);
    assert_eq!(
        error_code(&reset(&app, &voided, "another passphrase").await).0,
        "INVALID_TOKEN"
    );
    assert_eq!(
        app.count("email_tokens WHERE purpose = 'reset_password'")
            .await,
        0
    );
}

/// The newest reset token mailed to `email` once it differs from `previous`
/// (the request queues it after answering).
async fn wait_for_another(app: &TestApp, email: &str, previous: &str) -> String {
    for _ in 0..200 {
        let token = app.mailed_token(email, "password_reset").await;
        if token != previous {
            return token;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    panic!("no new reset link");
}

async fn a_reset_request_answers_the_same_for_unknown_addresses(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    app.register_ok("ada@example.org", "ada").await;
    let known = request_reset(&app, "ada@example.org").await;
    let unknown = request_reset(&app, "nobody@example.org").await;
    assert_eq!(known, unknown);
    assert_eq!(known, json!({ "data": { "requestPasswordReset": true } }));
    app.mailed_token("ada@example.org", "password_reset").await;
    // Give a mistaken send to nobody the same time to show up.
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    assert!(app.queued_mail("nobody@example.org").await.is_empty());
    assert_eq!(app.count("email_tokens").await, 2, "verification and reset");

    // A deactivated account gets nothing either.
    let admin = app.admin_token().await;
    let bob = app.register_ok("bob@example.org", "bob").await;
    let deactivated = app
        .gql(
            "mutation($id: UUID!) { setUserActive(id: $id, active: false) { isActive } }",
            json!({ "id": user_id(&bob) }),
            Some(&admin),
        )
        .await;
    assert_no_errors(&deactivated);
    request_reset(&app, "bob@example.org").await;
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    assert_eq!(
        kinds(&app.queued_mail("bob@example.org").await),
        ["verification"]
    );

    let malformed = request_reset(&app, "not an address").await;
    assert_eq!(
        error_code(&malformed),
        ("BAD_USER_INPUT".into(), Some("email".into()))
    );
}

async fn new_browsers_and_password_changes_are_announced(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let email = "ada@example.org";
    app.register_ok(email, "ada").await; // no user agent: reqwest sends none
    app.login_ok(email).await; // the same (absent) agent: nothing new
    assert_eq!(kinds(&app.queued_mail(email).await), ["verification"]);

    let (laptop, _) = app.sign_in_from(email, "Laptop/1.0").await;
    app.sign_in_from(email, "Laptop/1.0").await; // seen now
    let mail = app.queued_mail(email).await;
    assert_eq!(kinds(&mail), ["verification", "new_sign_in"]);
    assert!(mail[1].1.contains("Device: Laptop\n"), "{}", mail[1].1);
    assert!(mail[1].1.contains("http://app.test/settings/security"));

    let changed = app
        .gql(
            "mutation($c: String!, $n: String!) { changePassword(currentPassword: $c, newPassword: $n) }",
            json!({ "c": PASSWORD, "n": NEW_PASSWORD }),
            Some(&laptop),
        )
        .await;
    assert_no_errors(&changed);
    let mail = app.queued_mail(email).await;
    assert_eq!(
        kinds(&mail),
        ["verification", "new_sign_in", "password_changed"]
    );
    assert!(mail[2].1.contains("http://app.test/forgot-password"));
}

async fn mail_is_written_only_with_the_change_it_announces(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let (access, _) = tokens(&app.register_ok("ada@example.org", "ada").await);
    // Refused changes queue nothing: a registration that conflicts, a
    // wrong current password.
    let taken = app.register("ada@example.org", "ada2", PASSWORD).await;
    assert_eq!(error_code(&taken).0, "CONFLICT");
    let wrong = app
        .gql(
            "mutation($c: String!, $n: String!) { changePassword(currentPassword: $c, newPassword: $n) }",
            json!({ "c": "not my password", "n": NEW_PASSWORD }),
            Some(&access),
        )
        .await;
    assert_eq!(error_code(&wrong).0, "INVALID_CREDENTIALS");
    assert_eq!(
        app.count("mail_outbox").await,
        1,
        "the first verification only"
    );

    // A password change whose transaction fails half-way (the notice cannot
    // be stored) leaves the old password and the sessions in place.
    app.execute("DROP TABLE mail_outbox").await.unwrap();
    let failed = app
        .gql(
            "mutation($c: String!, $n: String!) { changePassword(currentPassword: $c, newPassword: $n) }",
            json!({ "c": PASSWORD, "n": NEW_PASSWORD }),
            Some(&access),
        )
        .await;
    assert_eq!(error_code(&failed).0, "INTERNAL_SERVER_ERROR");
    assert_no_errors(&app.me(Some(&access)).await);
    assert_no_errors(&app.login("ada@example.org", PASSWORD, false).await);
}

fn smtp_to(addr: std::net::SocketAddr) -> impl FnOnce(&mut service::config::Config) {
    move |config| {
        config.mail_delivery = Some(MailDelivery::Smtp);
        config.smtp_url = Some(format!("smtp://{addr}"));
    }
}

async fn mail_survives_an_smtp_outage(engine: Engine) {
    let addr = free_port().await;
    let app = TestApp::spawn_with(engine, smtp_to(addr)).await;
    // The mail server is down: requests still succeed, and the mail waits.
    let (access, _) = tokens(&app.register_ok("ada@example.org", "ada").await);
    let round = app.deliver_mail().await;
    assert_eq!((round.sent, round.deferred), (0, 1));
    assert_eq!(app.deliver_mail().await, Default::default(), "not due yet");

    let sink = SmtpSink::start_on(addr).await;
    app.clock.advance(Duration::seconds(30));
    assert_eq!(app.deliver_mail().await.sent, 1);
    let delivered = sink.delivered();
    assert_eq!(delivered.len(), 1);
    assert_eq!(delivered[0].to, "ada@example.org");
    assert_eq!(delivered[0].subject, "Confirm your email address");
    let token = token_in(&delivered[0].text).expect("a link in the text part");
    assert_eq!(token_in(&delivered[0].html), Some(token.clone()));
    // Sent mail leaves no live link behind in the outbox.
    assert_eq!(
        app.count("mail_outbox WHERE sent_at IS NOT NULL AND text_body = '' AND html_body = ''")
            .await,
        1
    );
    assert_eq!(verify(&app, &token).await["data"]["verifyEmail"], true);
    assert!(verified(&app, &access).await);
}

async fn two_workers_send_each_message_once(engine: Engine) {
    let (sink, addr) = SmtpSink::start().await;
    let app = TestApp::spawn_with(engine, smtp_to(addr)).await;
    let replica = app.replica().await;
    let people: Vec<String> = (0..12).map(|n| format!("user{n}@example.org")).collect();
    for (n, email) in people.iter().enumerate() {
        app.register_ok(email, &format!("user{n}")).await;
    }
    let (a, b) = tokio::join!(app.deliver_mail(), replica.deliver_mail());
    assert_eq!(a.sent + b.sent, people.len(), "{a:?} {b:?}");
    let mut recipients: Vec<String> = sink.delivered().into_iter().map(|m| m.to).collect();
    recipients.sort();
    let mut expected = people.clone();
    expected.sort();
    assert_eq!(recipients, expected, "each message exactly once");
}

/// The race two workers would lose without row locks skipped: one claims
/// while another's claim of the same rows is still uncommitted. The second
/// must neither wait for the first nor take its rows once it commits.
async fn a_claim_in_flight_is_skipped(engine: Engine) {
    let (sink, addr) = SmtpSink::start().await;
    let app = TestApp::spawn_with(engine, smtp_to(addr)).await;
    for n in 0..3 {
        app.register_ok(&format!("user{n}@example.org"), &format!("user{n}"))
            .await;
    }
    let claimed_until = app.clock.now() + Duration::minutes(2);
    service::with_writer!(&app.db, |pool| {
        let mut other = pool.begin().await.unwrap();
        let claimed = sqlx::query("UPDATE mail_outbox SET claimed_until = $1")
            .bind(claimed_until)
            .execute(&mut *other)
            .await
            .unwrap();
        assert_eq!(claimed.rows_affected(), 3);
        let release = tokio::spawn(async move {
            tokio::time::sleep(std::time::Duration::from_millis(300)).await;
            other.commit().await.unwrap();
        });
        let round = match engine {
            // The claim skips the locked rows at once.
            Engine::Postgres => {
                let round = app.deliver_mail().await;
                release.await.unwrap();
                round
            }
            // The single writer is busy: the claim runs after the other.
            Engine::Sqlite => {
                let (round, _) = tokio::join!(app.deliver_mail(), release);
                round
            }
        };
        assert_eq!(round, Default::default(), "nothing claimed twice");
    });
    assert!(sink.delivered().is_empty());
}
