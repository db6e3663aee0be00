//! What a page on another site can make a browser send to `/graphql`
//! without a CORS preflight: `text/plain`, form and multipart bodies, and
//! GET requests. None of them runs anything: the register mutation they
//! carry creates no user, on either engine. (The WebSocket's Origin check is
//! in `http_surface.rs`, beside the other WebSocket tests.)

use crate::helpers::{Engine, PASSWORD, TestApp};
use serde_json::{Value, json};
use service::config::Environment;

on_both_engines!(
    only_json_bodies_reach_graphql,
    a_mutation_in_a_get_runs_nowhere
);

fn register_body(username: &str) -> String {
    json!({
        "query": "mutation($i: RegisterInput!) { register(input: $i) { accessToken } }",
        "variables": { "i": { "email": format!("{username}@example.org"),
                              "username": username, "password": PASSWORD } },
    })
    .to_string()
}

async fn only_json_bodies_reach_graphql(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let body = register_body("csrf");
    let multipart = format!(
        "--X\r\nContent-Disposition: form-data; name=\"operations\"\r\n\r\n{body}\r\n\
         --X\r\nContent-Disposition: form-data; name=\"map\"\r\n\r\n{{}}\r\n--X--\r\n"
    );
    let cases = [
        // What <form enctype=...> sends cross-site, the JSON smuggled in.
        (Some("text/plain"), body.clone()),
        (Some("text/plain; charset=utf-8"), body.clone()),
        (
            Some("application/x-www-form-urlencoded"),
            format!("{body}="),
        ),
        (Some("multipart/form-data; boundary=X"), multipart),
        // No type at all, a response type, and JSON in a charset we do not read.
        (None, body.clone()),
        (Some("application/graphql-response+json"), body.clone()),
        (Some("application/json; charset=iso-8859-1"), body.clone()),
    ];
    for (content_type, sent) in cases {
        let mut request = app.http.post(app.url("/graphql")).body(sent);
        if let Some(content_type) = content_type {
            request = request.header("content-type", content_type);
        }
        let response = request.send().await.unwrap();
        assert_eq!(response.status(), 415, "{content_type:?}");
        assert_eq!(
            response.headers()["content-type"],
            "application/json",
            "{content_type:?}"
        );
        let reply: Value = response.json().await.unwrap();
        assert_eq!(
            reply["errors"][0]["extensions"]["code"], "UNSUPPORTED_MEDIA_TYPE",
            "{content_type:?}: {reply}"
        );
    }
    assert_eq!(
        app.count("users").await,
        0,
        "no body above registered anyone"
    );

    // The same body as JSON, however the type is spelled, is an ordinary request.
    let json_types = [
        "application/json",
        "application/json; charset=utf-8",
        "Application/JSON",
    ];
    for (n, content_type) in json_types.into_iter().enumerate() {
        let response = app
            .http
            .post(app.url("/graphql"))
            .header("content-type", content_type)
            .body(register_body(&format!("json{n}")))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200, "{content_type}");
        let reply: Value = response.json().await.unwrap();
        assert!(
            reply["data"]["register"]["accessToken"].is_string(),
            "{reply}"
        );
    }
    assert_eq!(app.count("users").await, 3);
}

/// GET never executes GraphQL: in development it is GraphiQL's page, in
/// production 405. (Queries over GET would be safe; mutations must not be,
/// and there is no need for either.)
async fn a_mutation_in_a_get_runs_nowhere(engine: Engine) {
    let mutation = format!(
        "mutation {{ register(input: {{ email: \"get@example.org\", username: \"get\", \
         password: \"{PASSWORD}\" }}) {{ accessToken }} }}"
    );
    for environment in [Environment::Development, Environment::Production] {
        let app = TestApp::spawn_with(engine, |c| c.environment = environment).await;
        let response = app
            .http
            .get(app.url("/graphql"))
            .query(&[("query", mutation.as_str())])
            .header("accept", "application/graphql-response+json")
            .send()
            .await
            .unwrap();
        let status = response.status();
        let content_type = response
            .headers()
            .get("content-type")
            .map(|value| value.to_str().unwrap().to_owned())
            .unwrap_or_default();
        match environment {
            Environment::Development => {
                assert_eq!(status, 200);
                assert!(content_type.starts_with("text/html"), "{content_type}");
            }
            Environment::Production => assert_eq!(status, 405),
        }
        assert_eq!(app.count("users").await, 0, "{environment:?}");
    }
}
