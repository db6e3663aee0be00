//! The plain-HTTP side of the service: health, GraphiQL, limits, static
//! files, production settings. The engine does not matter here: SQLite.

use crate::helpers::{Engine, TestApp, error_code, share_machine, test_config};
use futures::{SinkExt, StreamExt};
use serde_json::{Value, json};
use service::App;
use service::config::Environment;
use service::domain::Clock;
use tokio_tungstenite::tungstenite::{Message, client::IntoClientRequest};

#[tokio::test]
async fn health_and_readiness() {
    let _machine = share_machine().await;
    let app = TestApp::spawn(Engine::Sqlite).await;
    let live = app.http.get(app.url("/health")).send().await.unwrap();
    assert_eq!(live.status(), 200);
    assert_eq!(
        live.json::<Value>().await.unwrap(),
        json!({ "status": "ok" })
    );
    let ready = app.http.get(app.url("/health/ready")).send().await.unwrap();
    assert_eq!(ready.status(), 200);
    assert_eq!(ready.json::<Value>().await.unwrap()["status"], "ready");
}

#[tokio::test]
async fn graphiql_is_served_from_the_service_itself() {
    let _machine = share_machine().await;
    let app = TestApp::spawn(Engine::Sqlite).await;
    let page = app.http.get(app.url("/graphql")).send().await.unwrap();
    assert_eq!(
        page.status(),
        200,
        "GraphiQL assets missing? run `npm ci --prefix service/graphiql`"
    );
    assert!(
        page.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    let html = page.text().await.unwrap();
    assert!(!html.contains("://cdn") && !html.contains("unpkg") && !html.contains("jsdelivr"));
    for asset in [
        "/graphiql/graphiql.min.js",
        "/graphiql/graphiql.min.css",
        "/graphiql/init.js",
    ] {
        assert!(html.contains(asset), "page does not load {asset}");
        let reply = app.http.get(app.url(asset)).send().await.unwrap();
        assert_eq!(reply.status(), 200, "{asset}");
        assert!(!reply.bytes().await.unwrap().is_empty(), "{asset}");
    }
    // Introspection works in development, so the playground can show the docs.
    let reply = app
        .gql("{ __schema { queryType { name } } }", json!({}), None)
        .await;
    assert_eq!(reply["data"]["__schema"]["queryType"]["name"], "Query");
}

#[tokio::test]
async fn production_hides_the_playground_and_introspection() {
    let _machine = share_machine().await;
    let app =
        TestApp::spawn_with(Engine::Sqlite, |c| c.environment = Environment::Production).await;
    let page = app.http.get(app.url("/graphql")).send().await.unwrap();
    assert_eq!(
        page.status(),
        405,
        "GET /graphql serves nothing in production"
    );
    let reply = app
        .gql("{ __schema { queryType { name } } }", json!({}), None)
        .await;
    assert!(
        reply["data"]["__schema"].is_null(),
        "introspection is off: {reply}"
    );
    // No "did you mean" hints that map the schema for an attacker.
    let reply = app.gql("{ mee { id } }", json!({}), None).await;
    let message = reply["errors"][0]["message"].as_str().unwrap();
    assert!(!message.contains("Did you mean"), "{message}");
    // And GRAPHQL_PLAYGROUND turns it back on explicitly.
    let app = TestApp::spawn_with(Engine::Sqlite, |c| {
        c.environment = Environment::Production;
        c.graphql_playground = Some(true);
    })
    .await;
    assert_eq!(
        app.http
            .get(app.url("/graphql"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
}

#[tokio::test]
async fn production_refuses_to_start_with_a_weak_secret() {
    let _machine = share_machine().await;
    for secret in [None, Some("short"), Some(service::config::EXAMPLE_SECRET)] {
        let database = crate::helpers::TestDatabase::create(Engine::Sqlite).await;
        let mut config = test_config();
        config.database_url = database.url.clone();
        config.environment = Environment::Production;
        config.secret_key = secret.map(str::to_owned);
        let error = App::build(&config, Clock::default())
            .await
            .err()
            .expect("start-up is refused");
        assert!(error.to_string().contains("SECRET_KEY"), "{error}");
    }
}

/// Answers that carry tokens are never cached (issue 13, item 9).
#[tokio::test]
async fn graphql_answers_are_not_stored_by_caches() {
    let _machine = share_machine().await;
    let app = TestApp::spawn(Engine::Sqlite).await;
    let response = app
        .http
        .post(app.url("/graphql"))
        .json(&serde_json::json!({ "query": "mutation($i: RegisterInput!) { register(input: $i) { accessToken } }",
            "variables": { "i": { "email": "ada@example.org", "username": "ada", "password": crate::helpers::PASSWORD } } }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.headers()["cache-control"], "no-store");
    assert!(response.text().await.unwrap().contains("accessToken"));
}

/// The built-in development key is public: a server signing with it listens
/// on loopback only, whatever BIND_ADDR says.
#[tokio::test]
async fn the_development_key_never_listens_beyond_loopback() {
    let _machine = share_machine().await;
    let dir = std::env::temp_dir().join(format!("dev-key-{}", uuid::Uuid::new_v4()));
    let run = tokio::process::Command::new(env!("CARGO_BIN_EXE_service"))
        .arg("serve")
        .kill_on_drop(true)
        .env_clear()
        .current_dir(std::env::temp_dir())
        .env("ENVIRONMENT", "development")
        .env("BIND_ADDR", "0.0.0.0:0")
        .env(
            "DATABASE_URL",
            format!("sqlite://{}/db.sqlite", dir.display()),
        )
        .output();
    let output = tokio::time::timeout(std::time::Duration::from_secs(10), run)
        .await
        .expect("the service refuses to start, rather than serving")
        .unwrap();
    let log = String::from_utf8_lossy(&output.stdout) + String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success(), "{log}");
    assert!(
        log.contains("BIND_ADDR must be a loopback address"),
        "{log}"
    );
    assert!(!dir.exists(), "refused before touching the database");
}

#[tokio::test]
async fn batches_oversized_bodies_and_deep_queries_are_refused() {
    let _machine = share_machine().await;
    let app = TestApp::spawn(Engine::Sqlite).await;
    let one = json!({ "query": "mutation { logout(refreshToken: \"x\") }" });
    let batch = app
        .http
        .post(app.url("/graphql"))
        .json(&json!([one, one]))
        .send()
        .await
        .unwrap();
    assert_eq!(batch.status(), 400, "array batching is not accepted");

    let huge = json!({ "query": format!("{{ me {{ id }} }} # {}", "x".repeat(100_000)) });
    let reply = app
        .http
        .post(app.url("/graphql"))
        .json(&huge)
        .send()
        .await
        .unwrap();
    assert_eq!(reply.status(), 413);

    let deep = format!(
        "{{ __schema {{ types {{ {} name {} }} }} }}",
        "fields { type { ofType { ".repeat(6),
        "} } } ".repeat(6)
    );
    let reply = app.gql(&deep, json!({}), None).await;
    assert_eq!(error_code(&reply).0, "GRAPHQL_VALIDATION_FAILED");
    assert!(
        reply["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("nested too deep"),
        "{reply}"
    );

    // Shallow but wide: 501 aliased `me { id }` would cost 1,002, over the
    // 1,000 complexity limit; the cap on aliases refuses them first.
    let wide: String = (0..501).map(|i| format!("a{i}: me {{ id }} ")).collect();
    let reply = app.gql(&format!("{{ {wide} }}"), json!({}), None).await;
    assert_eq!(error_code(&reply).0, "TOO_MANY_ALIASES", "{reply}");
    assert!(reply["data"].is_null(), "{reply}");
}

#[tokio::test]
async fn responses_carry_security_headers_and_request_ids() {
    let _machine = share_machine().await;
    let app = TestApp::spawn(Engine::Sqlite).await;
    let reply = app.http.get(app.url("/health")).send().await.unwrap();
    let headers = reply.headers();
    assert_eq!(headers["x-content-type-options"], "nosniff");
    assert_eq!(headers["x-frame-options"], "DENY");
    assert!(headers.contains_key("x-request-id"));
    let missing = app.http.get(app.url("/no/such/page")).send().await.unwrap();
    assert_eq!(missing.status(), 404);
}

#[tokio::test]
async fn the_built_client_is_served_with_an_spa_fallback() {
    let _machine = share_machine().await;
    let dir = std::env::temp_dir().join(format!("authsvc-static-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("index.html"),
        "<!doctype html><title>client</title>",
    )
    .unwrap();
    std::fs::write(dir.join("app.js"), "console.log('client')").unwrap();
    let static_dir = dir.clone();
    let app = TestApp::spawn_with(Engine::Sqlite, move |c| c.static_dir = Some(static_dir)).await;

    let js = app.http.get(app.url("/app.js")).send().await.unwrap();
    assert_eq!(js.text().await.unwrap(), "console.log('client')");
    for route in ["/", "/login", "/some/deep/route"] {
        let page = app.http.get(app.url(route)).send().await.unwrap();
        assert_eq!(page.status(), 200, "{route}");
        assert!(
            page.text().await.unwrap().contains("<title>client</title>"),
            "{route}"
        );
    }
    // The API still wins over the fallback.
    let health = app.http.get(app.url("/health")).send().await.unwrap();
    assert_eq!(health.json::<Value>().await.unwrap()["status"], "ok");
    std::fs::remove_dir_all(dir).unwrap();
}

type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// Sends a graphql-transport-ws message; returns the first text reply that
/// `wanted` accepts.
async fn exchange(socket: &mut Socket, message: Value, wanted: impl Fn(&Value) -> bool) -> Value {
    socket
        .send(Message::text(message.to_string()))
        .await
        .unwrap();
    loop {
        if let Message::Text(text) = socket.next().await.unwrap().unwrap() {
            let reply: Value = serde_json::from_str(&text).unwrap();
            if wanted(&reply) {
                return reply;
            }
        }
    }
}

/// Opens `/graphql/ws` (graphql-transport-ws) as a page of `origin` would,
/// or as a client that is no browser (no Origin); nothing sent yet.
async fn open_ws(
    app: &TestApp,
    origin: Option<&str>,
) -> Result<Socket, tokio_tungstenite::tungstenite::Error> {
    let mut request = format!("ws://{}/graphql/ws", app.addr)
        .into_client_request()
        .unwrap();
    let headers = request.headers_mut();
    headers.insert(
        "sec-websocket-protocol",
        "graphql-transport-ws".parse().unwrap(),
    );
    if let Some(origin) = origin {
        headers.insert("origin", origin.parse().unwrap());
    }
    Ok(tokio_tungstenite::connect_async(request).await?.0)
}

/// A graphql-transport-ws connection, initialised with this access token.
async fn connect_ws(app: &TestApp, token: Option<&str>) -> Socket {
    let mut socket = open_ws(app, None).await.unwrap();
    let payload = match token {
        Some(token) => json!({ "Authorization": format!("Bearer {token}") }),
        None => json!({}),
    };
    let init = json!({ "type": "connection_init", "payload": payload });
    let ack = exchange(&mut socket, init, |_| true).await;
    assert_eq!(ack["type"], "connection_ack");
    socket
}

/// The next message about operation `id`, whatever its type.
async fn next_about(socket: &mut Socket, id: &str) -> Value {
    loop {
        if let Message::Text(text) = socket.next().await.unwrap().unwrap() {
            let message: Value = serde_json::from_str(&text).unwrap();
            if message["id"] == id {
                return message;
            }
        }
    }
}

#[tokio::test]
async fn websocket_operations_check_the_user_every_time() {
    let _machine = share_machine().await;
    let app = TestApp::spawn(Engine::Sqlite).await;
    let admin = app.admin_token().await;
    let mut socket = connect_ws(&app, Some(&admin)).await;

    let users = |id: &str| {
        json!({ "type": "subscribe", "id": id,
                                   "payload": { "query": "{ users { email } }" } })
    };
    let result_of = |id: &'static str| move |m: &Value| m["id"] == id && m["type"] == "next";
    let reply = exchange(&mut socket, users("1"), result_of("1")).await;
    assert_eq!(
        reply["payload"]["data"]["users"][0]["email"], "admin@example.org",
        "{reply}"
    );

    // The connection outlives the account: the next operation must notice.
    app.execute("UPDATE users SET is_active = FALSE")
        .await
        .unwrap();
    // Written behind the service's back, which on SQLite nothing announces
    // to the session cache (see `session_cache.rs`).
    app.db.sessions().forget_all();
    let reply = exchange(&mut socket, users("2"), result_of("2")).await;
    assert_eq!(
        error_code(&reply["payload"]).0,
        "UNAUTHENTICATED",
        "{reply}"
    );
}

/// Errors raised before any resolver runs get their code on the WebSocket
/// as on POST: both transports pass through one schema extension.
#[tokio::test]
async fn websocket_errors_carry_codes_like_post() {
    let _machine = share_machine().await;
    let app = TestApp::spawn(Engine::Sqlite).await;
    let mut socket = connect_ws(&app, None).await;
    let too_deep = format!(
        "{{ __schema {{ types {{ fields {{ type {{ {} name {} }} }} }} }} }}",
        "ofType { ".repeat(20),
        "}".repeat(20)
    );
    let cases = [
        ("syntax", "{ me { id }"),
        ("unknown field", "{ mee { id } }"),
        ("too deep", too_deep.as_str()),
    ];
    for (case, query) in cases {
        let message = json!({ "type": "subscribe", "id": case, "payload": { "query": query } });
        let reply = exchange(&mut socket, message, |m| m["id"] == case).await;
        assert_eq!(reply["type"], "next", "{case}: {reply}");
        let over_post = app.gql(query, json!({}), None).await;
        assert_eq!(
            error_code(&over_post).0,
            "GRAPHQL_VALIDATION_FAILED",
            "{case}"
        );
        assert_eq!(
            error_code(&reply["payload"]),
            error_code(&over_post),
            "{case}"
        );
    }
}

#[tokio::test]
async fn session_status_reports_the_session_until_it_ends() {
    let _machine = share_machine().await;
    let app = TestApp::spawn(Engine::Sqlite).await;
    let tokens = app.register_ok("ws@example.org", "wsuser").await;
    let access = tokens["accessToken"].as_str().unwrap();
    let mut socket = connect_ws(&app, Some(access)).await;
    let subscribe = |id: &str, every: i64| {
        json!({ "type": "subscribe", "id": id, "payload": {
            "query": "subscription($s: Int!) { sessionStatus(everySeconds: $s) { active expiresAt } }",
            "variables": { "s": every } } })
    };

    // The shortest period there is: the logout below shows within it.
    let first = exchange(&mut socket, subscribe("1", 10), |m| m["id"] == "1").await;
    assert_eq!(first["type"], "next", "{first}");
    let status = &first["payload"]["data"]["sessionStatus"];
    assert_eq!(status["active"], true, "{first}");
    let expires: chrono::DateTime<chrono::Utc> =
        status["expiresAt"].as_str().unwrap().parse().unwrap();
    let hours = (expires - chrono::Utc::now()).num_minutes() as f64 / 60.0;
    assert!((23.9..=24.0).contains(&hours), "{hours}");

    // A logout made elsewhere reaches the subscriber, which then hears no more.
    let logout = app
        .gql(
            "mutation($t: String!) { logout(refreshToken: $t) }",
            json!({ "t": tokens["refreshToken"] }),
            None,
        )
        .await;
    assert_eq!(logout["data"]["logout"], true, "{logout}");
    let last = loop {
        let message = next_about(&mut socket, "1").await;
        if message["payload"]["data"]["sessionStatus"]["active"] != true {
            break message;
        }
    };
    assert_eq!(
        last["payload"]["data"]["sessionStatus"],
        json!({ "active": false, "expiresAt": null }),
        "{last}"
    );
    assert_eq!(next_about(&mut socket, "1").await["type"], "complete");

    // Out-of-range periods (more often than every 10 s would be a query a
    // second per subscription) and missing credentials are refused with a code.
    let mut anonymous_socket = connect_ws(&app, None).await;
    for (anonymous, every, code) in [
        (false, 0, "BAD_USER_INPUT"),
        (false, 9, "BAD_USER_INPUT"),
        (false, 3601, "BAD_USER_INPUT"),
        (true, 30, "UNAUTHENTICATED"),
    ] {
        let socket = if anonymous {
            &mut anonymous_socket
        } else {
            &mut socket
        };
        let id = format!("{every}");
        let reply = exchange(socket, subscribe(&id, every), |m| m["id"] == id.as_str()).await;
        assert_eq!(error_code(&reply["payload"]).0, code, "{reply}");
    }
}

/// A browser lets any page open a WebSocket anywhere; the Origin it sends is
/// the only sign of a page from another site (issue 13, item 3).
#[tokio::test]
async fn websockets_open_only_from_allowed_origins() {
    let _machine = share_machine().await;
    let app = TestApp::spawn_with(Engine::Sqlite, |c| {
        c.cors_origins = vec!["https://app.example".into()];
    })
    .await;
    for foreign in ["https://evil.example", "http://app.test:8080", "null"] {
        match open_ws(&app, Some(foreign)).await {
            Err(tokio_tungstenite::tungstenite::Error::Http(response)) => {
                assert_eq!(response.status(), 403, "{foreign}");
            }
            other => panic!(
                "{foreign}: expected 403, got {:?}",
                other.map(|_| "a socket")
            ),
        }
    }
    // The page's own origin (as the Host it reached), PUBLIC_URL's,
    // CORS_ORIGINS', and a client that is no browser.
    let own = format!("http://{}", app.addr);
    for allowed in [
        Some(own.as_str()),
        Some("http://app.test"),
        Some("https://app.example"),
        None,
    ] {
        let mut socket = open_ws(&app, allowed)
            .await
            .unwrap_or_else(|err| panic!("{allowed:?}: {err}"));
        let init = json!({ "type": "connection_init", "payload": {} });
        let ack = exchange(&mut socket, init, |_| true).await;
        assert_eq!(ack["type"], "connection_ack", "{allowed:?}");
        let query =
            json!({ "type": "subscribe", "id": "1", "payload": { "query": "{ __typename }" } });
        let reply = exchange(&mut socket, query, |m| m["id"] == "1").await;
        assert_eq!(
            reply["payload"]["data"]["__typename"], "Query",
            "{allowed:?}"
        );
    }
}

/// The next close frame, within `patience`.
async fn closed_with(socket: &mut Socket, patience: std::time::Duration) -> Option<u16> {
    tokio::time::timeout(patience, async {
        while let Some(Ok(message)) = socket.next().await {
            if let Message::Close(frame) = message {
                return frame.map(|f| f.code.into());
            }
        }
        None
    })
    .await
    .expect("the service closes the socket in time")
}

/// A socket that never sends `connection_init` is closed with 4408 (issue 13,
/// item 4); one that does stays open past the deadline.
#[tokio::test]
async fn websockets_that_never_say_hello_are_closed() {
    let _machine = share_machine().await;
    let app =
        TestApp::spawn_with(Engine::Sqlite, |c| c.ws_connection_init_timeout_seconds = 1).await;
    let mut silent = open_ws(&app, None).await.unwrap();
    let mut greeted = connect_ws(&app, None).await;
    let started = std::time::Instant::now();
    let code = closed_with(&mut silent, std::time::Duration::from_secs(5)).await;
    assert_eq!(code, Some(4408));
    assert!(started.elapsed() < std::time::Duration::from_secs(3));

    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    let query = json!({ "type": "subscribe", "id": "1", "payload": { "query": "{ __typename }" } });
    let reply = exchange(&mut greeted, query, |m| m["id"] == "1").await;
    assert_eq!(reply["payload"]["data"]["__typename"], "Query", "{reply}");
}

/// One connection runs at most MAX_OPERATIONS_PER_CONNECTION operations at
/// once; one more is refused with a code, and the connection and its other
/// subscriptions carry on (issue 13, item 4).
#[tokio::test]
async fn one_connection_runs_a_bounded_number_of_subscriptions() {
    let _machine = share_machine().await;
    let app = TestApp::spawn(Engine::Sqlite).await;
    let tokens = app.register_ok("many@example.org", "many").await;
    let mut socket = connect_ws(&app, tokens["accessToken"].as_str()).await;
    let subscribe = |id: &str| {
        json!({ "type": "subscribe", "id": id, "payload": {
            "query": "subscription { sessionStatus(everySeconds: 3600) { active } }" } })
    };
    let max = service::http::MAX_OPERATIONS_PER_CONNECTION;
    for n in 0..max {
        let id = format!("s{n}");
        let reply = exchange(&mut socket, subscribe(&id), |m| m["id"] == id.as_str()).await;
        assert_eq!(
            reply["payload"]["data"]["sessionStatus"]["active"], true,
            "{reply}"
        );
    }

    let refused = exchange(&mut socket, subscribe("over"), |m| m["id"] == "over").await;
    assert_eq!(refused["type"], "next", "{refused}");
    assert_eq!(error_code(&refused["payload"]).0, "TOO_MANY_SUBSCRIPTIONS");
    assert_eq!(next_about(&mut socket, "over").await["type"], "complete");

    // Completing one frees its place.
    socket
        .send(Message::text(
            json!({ "type": "complete", "id": "s0" }).to_string(),
        ))
        .await
        .unwrap();
    let reply = exchange(&mut socket, subscribe("again"), |m| m["id"] == "again").await;
    assert_eq!(
        reply["payload"]["data"]["sessionStatus"]["active"], true,
        "{reply}"
    );
}

/// GraphQL over HTTP: the answer is labelled with the type the client asks
/// for (issue 13, item 9).
#[tokio::test]
async fn graphql_answers_are_labelled_as_the_client_accepts() {
    let _machine = share_machine().await;
    let app = TestApp::spawn(Engine::Sqlite).await;
    let spec = "application/graphql-response+json; charset=utf-8";
    let legacy = "application/json; charset=utf-8";
    let cases = [
        (None, spec),
        (Some("application/graphql-response+json"), spec),
        (
            Some("application/graphql-response+json, application/json;q=0.9"),
            spec,
        ),
        (Some("*/*"), spec),
        (Some("application/json"), legacy),
        (Some("application/json, text/plain, */*"), legacy),
    ];
    for (accept, expected) in cases {
        let mut request = app
            .http
            .post(app.url("/graphql"))
            .json(&json!({ "query": "{ __typename }" }));
        if let Some(accept) = accept {
            request = request.header("accept", accept);
        }
        let response = request.send().await.unwrap();
        assert_eq!(response.status(), 200, "{accept:?}");
        assert_eq!(response.headers()["content-type"], expected, "{accept:?}");
        let reply: Value = response.json().await.unwrap();
        assert_eq!(reply["data"]["__typename"], "Query");
    }
    let refused = app
        .http
        .post(app.url("/graphql"))
        .header("accept", "text/html")
        .json(&json!({ "query": "{ __typename }" }))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 406);
    let reply: Value = refused.json().await.unwrap();
    assert_eq!(error_code(&reply).0, "NOT_ACCEPTABLE");
}

/// Every header deploy/nginx adds, from its template, as `(name, value)`.
fn proxy_headers() -> Vec<(String, String)> {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../deploy/nginx/templates/default.conf.template"
    );
    let template = std::fs::read_to_string(path).unwrap();
    let headers: Vec<(String, String)> = template
        .lines()
        .filter_map(|line| line.trim().strip_prefix("add_header "))
        .map(|rest| {
            let rest = rest.trim_end_matches(';').trim_end_matches(" always");
            let (name, value) = rest.split_once(' ').unwrap();
            (name.to_owned(), value.trim().trim_matches('"').to_owned())
        })
        .collect();
    assert!(
        headers
            .iter()
            .any(|(name, _)| name == "Content-Security-Policy")
    );
    headers
}

/// Serving the built client itself (`just run`), the service sends what
/// nginx sends in front of it: the same CSP and security headers (issue 13,
/// item 9). Read from the template, so the two cannot drift apart.
#[tokio::test]
async fn the_built_client_gets_the_proxys_security_headers() {
    let _machine = share_machine().await;
    let dir = std::env::temp_dir().join(format!("authsvc-headers-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("index.html"),
        "<!doctype html><title>client</title>",
    )
    .unwrap();
    std::fs::write(dir.join("client_bg.wasm"), b"\0asm").unwrap();
    let static_dir = dir.clone();
    let app = TestApp::spawn_with(Engine::Sqlite, move |c| c.static_dir = Some(static_dir)).await;
    let expected = proxy_headers();
    for path in ["/", "/login", "/client_bg.wasm"] {
        let response = app.http.get(app.url(path)).send().await.unwrap();
        assert_eq!(response.status(), 200, "{path}");
        for (name, value) in &expected {
            assert_eq!(
                response
                    .headers()
                    .get(name.as_str())
                    .map(|v| v.to_str().unwrap()),
                Some(value.as_str()),
                "{path}: {name}"
            );
        }
    }
    assert_eq!(
        service::http::CONTENT_SECURITY_POLICY,
        expected
            .iter()
            .find(|(name, _)| name == "Content-Security-Policy")
            .unwrap()
            .1
    );
    std::fs::remove_dir_all(dir).unwrap();
}
