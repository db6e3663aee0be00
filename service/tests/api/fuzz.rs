//! Fuzzing the request surface with generated inputs (proptest, a fixed
//! number of cases so CI time stays bounded): the parsers and the token
//! verifier never panic and keep their promises, and no document, variable
//! or header a client can send makes the running service answer 5xx, panic,
//! or produce an error without a code.

use std::time::Duration;

use crate::helpers::{Engine, TestApp, share_machine};
use proptest::prelude::*;
use serde_json::{Value, json};
use service::auth::tokens::TokenKeys;
use service::domain::{Email, MAX_PASSWORD_CHARS, Password, Username};
use unicode_normalization::UnicodeNormalization;

fn config(cases: u32) -> ProptestConfig {
    ProptestConfig {
        cases,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

proptest! {
    #![proptest_config(config(2_000))]

    #[test]
    fn parsers_never_panic_and_keep_their_promises(raw in any::<String>()) {
        if let Ok(email) = Email::parse(&raw) {
            prop_assert_eq!(email.as_str(), email.as_str().to_lowercase());
            prop_assert!(email.as_str().contains('@'));
            prop_assert_eq!(email.as_str(), email.as_str().trim());
        }
        if let Ok(name) = Username::parse(&raw) {
            prop_assert!((3..=50).contains(&name.as_str().len()));
            prop_assert!(name.as_str().chars().all(|c| c.is_ascii_alphanumeric() || "_.-".contains(c)));
        }
        if let Ok(password) = Password::parse(raw.clone()) {
            prop_assert!(password.expose().chars().count() <= MAX_PASSWORD_CHARS);
            prop_assert_eq!(password.expose(), raw.nfkc().collect::<String>());
            prop_assert_eq!(password.expose_as_typed(), raw.as_str());
            // Judging strength never panics, whatever the password.
            let _ = password.check_strength(&[raw.as_str(), "ada"]);
        }
    }

    #[test]
    fn the_token_verifier_refuses_junk_without_panicking(
        raw in prop_oneof![
            any::<String>(),
            // Three dot-separated base64url-ish segments, like a JWT.
            "[A-Za-z0-9_-]{0,60}\\.[A-Za-z0-9_-]{0,200}\\.[A-Za-z0-9_-]{0,60}",
            // A real header and signature shape around a random payload.
            "eyJ0eXAiOiJKV1QiLCJhbGciOiJIUzI1NiJ9\\.[A-Za-z0-9_-]{0,300}\\.[A-Za-z0-9_-]{43}",
        ]
    ) {
        let keys = TokenKeys::new(b"k".repeat(32).as_slice(), "auth-service", chrono::Duration::minutes(15));
        prop_assert!(keys.verify(&raw, chrono::Utc::now()).is_err());
    }
}

/// Pieces of documents: real fields and arguments, wrong ones, and junk, so
/// generated documents reach parsing, validation and the resolvers.
fn document() -> impl Strategy<Value = String> {
    let field = prop_oneof![
        Just("me { id email role }".to_owned()),
        Just("users(limit: 1000000, offset: -1) { email }".to_owned()),
        Just("__typename".to_owned()),
        Just("__schema { types { name } }".to_owned()),
        "[a-zA-Z_]{1,12}",
        "[a-z]{1,8}\\([a-z]{1,8}: (\"[^\"\\\\]{0,20}\"|-?[0-9]{1,12}|true|null|\\$[a-z]{1,4})\\)",
    ];
    let mutation = prop_oneof![
        "login\\(input: \\{email: \"[^\"\\\\]{0,30}\", password: \"[^\"\\\\]{0,80}\"\\}\\) \\{ accessToken \\}",
        "register\\(input: \\{email: \"[^\"\\\\]{0,30}\", username: \"[^\"\\\\]{0,60}\", password: \"[^\"\\\\]{0,80}\"\\}\\) \\{ accessToken \\}",
        "refreshToken\\(refreshToken: \"[^\"\\\\]{0,140}\"\\) \\{ accessToken \\}",
        "logout\\(refreshToken: \"[^\"\\\\]{0,140}\"\\)",
        "setUserActive\\(id: \"[^\"\\\\]{0,40}\", active: (true|false)\\) \\{ id \\}",
    ];
    prop_oneof![
        prop::collection::vec(field, 1..6).prop_map(|f| format!("{{ {} }}", f.join(" "))),
        prop::collection::vec(mutation, 1..4).prop_map(|m| {
            let aliased: Vec<String> = m
                .iter()
                .enumerate()
                .map(|(i, m)| format!("m{i}: {m}"))
                .collect();
            format!("mutation {{ {} }}", aliased.join(" "))
        }),
        // Deep nesting and plain junk.
        (1usize..40).prop_map(|depth| format!("{}{}", "{ me ".repeat(depth), "}".repeat(depth))),
        any::<String>(),
    ]
}

fn variables() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(json!({})),
        Just(Value::Null),
        any::<String>().prop_map(Value::String),
        (any::<String>(), any::<i64>()).prop_map(|(k, v)| json!({ k: v })),
    ]
}

fn authorization() -> impl Strategy<Value = Option<String>> {
    prop_oneof![
        Just(None),
        "[ -~]{0,80}".prop_map(Some),
        "Bearer [A-Za-z0-9_.-]{0,200}".prop_map(Some),
    ]
}

#[test]
fn no_request_makes_the_service_fail() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let _machine = runtime.block_on(share_machine());
    let app = runtime.block_on(TestApp::spawn(Engine::Sqlite));
    let mut runner = proptest::test_runner::TestRunner::new(config(2_000));
    let sent = std::sync::atomic::AtomicUsize::new(0);
    runner
        .run(
            &(document(), variables(), authorization()),
            |(query, variables, authorization)| {
                let mut request = app
                    .http
                    .post(app.url("/graphql"))
                    .timeout(Duration::from_secs(10))
                    .json(&json!({ "query": query, "variables": variables }));
                if let Some(value) = authorization {
                    request = request.header("authorization", value);
                }
                sent.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                let (status, body) = runtime.block_on(async {
                    let response = request
                        .send()
                        .await
                        .expect("an answer, not a dropped connection");
                    let status = response.status();
                    (status, response.text().await.unwrap())
                });
                prop_assert!(!status.is_server_error(), "{status} for {query:?}: {body}");
                if let Ok(reply) = serde_json::from_str::<Value>(&body) {
                    for error in reply["errors"].as_array().into_iter().flatten() {
                        let code = error["extensions"]["code"].as_str();
                        prop_assert!(
                            code.is_some(),
                            "an error without a code for {query:?}: {body}"
                        );
                        prop_assert_ne!(
                            code,
                            Some("INTERNAL_SERVER_ERROR"),
                            "for {:?}: {}",
                            query,
                            body
                        );
                    }
                }
                Ok(())
            },
        )
        .unwrap();
    eprintln!("{} generated requests, none failed", sent.into_inner());
    // Still healthy after all of it.
    let live = runtime
        .block_on(app.http.get(app.url("/health/ready")).send())
        .unwrap();
    assert_eq!(live.status(), 200);
}
