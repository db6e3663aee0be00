//! A person's own profile: name, username and language, on both engines.

use serde_json::{Value, json};

use crate::helpers::{Engine, PASSWORD, TestApp, assert_no_errors, error_code, tokens};

on_both_engines!(
    update_profile_changes_only_what_it_is_given,
    registration_sets_the_language_and_an_unverified_email,
);

const UPDATE: &str = "mutation($input: UpdateProfileInput!) {
    updateProfile(input: $input) { username fullName locale emailVerified } }";

async fn update(app: &TestApp, access: Option<&str>, input: Value) -> Value {
    app.gql(UPDATE, json!({ "input": input }), access).await
}

async fn update_profile_changes_only_what_it_is_given(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let (ada, _) = tokens(&app.register_ok("ada@example.org", "ada").await);
    app.register_ok("bob@example.org", "bob").await;

    let reply = update(&app, Some(&ada), json!({ "locale": "ru" })).await;
    assert_eq!(
        reply["data"]["updateProfile"],
        json!({ "username": "ada", "fullName": "Test User", "locale": "ru", "emailVerified": false })
    );
    let reply = update(
        &app,
        Some(&ada),
        json!({ "fullName": " Ada Lovelace ", "username": "countess" }),
    )
    .await;
    assert_eq!(reply["data"]["updateProfile"]["fullName"], "Ada Lovelace");
    assert_eq!(reply["data"]["updateProfile"]["username"], "countess");
    assert_eq!(reply["data"]["updateProfile"]["locale"], "ru", "kept");
    let reply = update(&app, Some(&ada), json!({ "fullName": "  " })).await;
    assert_eq!(reply["data"]["updateProfile"]["fullName"], Value::Null);

    // Refused, and nothing changes: a name someone has, bad values, no session.
    let taken = update(&app, Some(&ada), json!({ "username": "BOB" })).await;
    assert_eq!(
        error_code(&taken),
        ("CONFLICT".into(), Some("username".into()))
    );
    for (input, field) in [
        (json!({ "locale": "de" }), "locale"),
        (json!({ "username": "a b" }), "username"),
        (json!({ "fullName": "two\nlines" }), "fullName"),
    ] {
        let reply = update(&app, Some(&ada), input).await;
        assert_eq!(
            error_code(&reply),
            ("BAD_USER_INPUT".into(), Some(field.into()))
        );
    }
    let reply = update(&app, None, json!({ "locale": "en" })).await;
    assert_eq!(error_code(&reply).0, "UNAUTHENTICATED");
    let me = app
        .gql("{ me { username fullName locale } }", json!({}), Some(&ada))
        .await;
    assert_eq!(
        me["data"]["me"],
        json!({ "username": "countess", "fullName": null, "locale": "ru" })
    );
}

async fn registration_sets_the_language_and_an_unverified_email(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let register = "mutation($input: RegisterInput!) {
        register(input: $input) { user { locale emailVerified } } }";
    let input = |email: &str, username: &str, locale: Value| {
        json!({ "input": { "email": email, "username": username,
                           "password": PASSWORD, "locale": locale } })
    };
    let reply = app
        .gql(register, input("ru@example.org", "ivan", json!("ru")), None)
        .await;
    assert_no_errors(&reply);
    assert_eq!(
        reply["data"]["register"]["user"],
        json!({ "locale": "ru", "emailVerified": false })
    );
    let reply = app
        .gql(register, input("en@example.org", "john", Value::Null), None)
        .await;
    assert_eq!(reply["data"]["register"]["user"]["locale"], "en");
    let reply = app
        .gql(
            register,
            input("x@example.org", "xavier", json!("fr")),
            None,
        )
        .await;
    assert_eq!(
        error_code(&reply),
        ("BAD_USER_INPUT".into(), Some("locale".into()))
    );
    assert_eq!(app.count("users").await, 2);
}
