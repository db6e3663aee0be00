//! Faults the service must ride out: PostgreSQL going away mid-run and coming
//! back, and SIGTERM while requests are in flight.

use std::net::SocketAddr;
use std::str::FromStr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use crate::helpers::{
    Engine, PASSWORD, TestApp, assert_no_errors, error_code, postgres_admin_url, share_machine,
};
use serde_json::{Value, json};
use sqlx::ConnectOptions;
use sqlx::postgres::PgConnectOptions;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::broadcast;

/// A TCP link to PostgreSQL that the test can cut: while down, every open
/// connection is dropped and new ones are closed as soon as they arrive, as
/// when the server stops.
struct Link {
    addr: SocketAddr,
    up: Arc<AtomicBool>,
    cut: broadcast::Sender<()>,
}

impl Link {
    async fn to(target: SocketAddr) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let up = Arc::new(AtomicBool::new(true));
        let (cut, _) = broadcast::channel(1);
        let (flag, cuts) = (up.clone(), cut.clone());
        tokio::spawn(async move {
            while let Ok((mut client, _)) = listener.accept().await {
                if !flag.load(Ordering::SeqCst) {
                    continue; // dropped: closed at once
                }
                let mut cut = cuts.subscribe();
                tokio::spawn(async move {
                    let Ok(mut server) = TcpStream::connect(target).await else {
                        return;
                    };
                    tokio::select! {
                        _ = tokio::io::copy_bidirectional(&mut client, &mut server) => {}
                        _ = cut.recv() => {}
                    }
                });
            }
        });
        Self { addr, up, cut }
    }

    fn down(&self) {
        self.up.store(false, Ordering::SeqCst);
        let _ = self.cut.send(());
    }

    fn up(&self) {
        self.up.store(true, Ordering::SeqCst);
    }
}

async fn status(app: &TestApp, path: &str) -> u16 {
    app.http
        .get(app.url(path))
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_postgres_outage_gives_quick_clean_errors_and_heals_itself() {
    let _machine = share_machine().await;
    let server = PgConnectOptions::from_str(&postgres_admin_url()).unwrap();
    let target = tokio::net::lookup_host((server.get_host(), server.get_port()))
        .await
        .unwrap()
        .next()
        .unwrap();
    let link = Link::to(target).await;
    let port = link.addr.port();
    let app = TestApp::spawn_with(Engine::Postgres, |c| {
        let through_link = PgConnectOptions::from_str(&c.database_url)
            .unwrap()
            .host("127.0.0.1")
            .port(port);
        c.database_url = through_link.to_url_lossy().to_string();
    })
    .await;
    let payload = app.register_ok("ada@example.org", "ada").await;
    let token = payload["accessToken"].as_str().unwrap().to_owned();

    link.down();
    let started = Instant::now();
    for reply in [
        app.me(Some(&token)).await,
        app.login("ada@example.org", PASSWORD, false).await,
        app.register("bob@example.org", "bob", PASSWORD).await,
    ] {
        assert_eq!(error_code(&reply).0, "INTERNAL_SERVER_ERROR", "{reply}");
        assert_eq!(reply["errors"][0]["message"], "Internal server error");
        let text = reply.to_string().to_lowercase();
        for leak in ["postgres", "sqlx", "connection", "io error", "5432"] {
            assert!(!text.contains(leak), "{leak:?} leaked: {reply}");
        }
    }
    assert_eq!(status(&app, "/health/ready").await, 503);
    assert_eq!(status(&app, "/health").await, 200);
    // No request waited on the dead database longer than the pool's acquire
    // timeout (5 s) allows.
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "{:?}",
        started.elapsed()
    );

    link.up();
    let deadline = Instant::now() + Duration::from_secs(30);
    while status(&app, "/health/ready").await != 200 {
        assert!(Instant::now() < deadline, "the service did not recover");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_no_errors(&app.me(Some(&token)).await);
    assert_no_errors(&app.login("ada@example.org", PASSWORD, false).await);
    assert_eq!(
        app.count("users").await,
        1,
        "the refused registration left nothing"
    );
}

/// SIGTERM while a slow request (a costly bcrypt hash) is in flight: the
/// request completes, then the process exits cleanly.
#[tokio::test]
async fn sigterm_lets_in_flight_requests_finish() {
    let _machine = share_machine().await;
    let dir = std::env::temp_dir().join(format!("sigterm-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    let port = {
        let probe = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        probe.local_addr().unwrap().port()
    };
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_service"))
        .arg("serve")
        .env_clear()
        .env(
            "DATABASE_URL",
            format!("sqlite://{}", dir.join("db.sqlite").display()),
        )
        .env("BIND_ADDR", format!("127.0.0.1:{port}"))
        .env("BCRYPT_COST", "14")
        .env("RUST_LOG", "warn")
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let base = format!("http://127.0.0.1:{port}");
    let http = reqwest::Client::new();
    let deadline = Instant::now() + Duration::from_secs(30);
    while http
        .get(format!("{base}/health/ready"))
        .send()
        .await
        .is_err()
    {
        assert!(Instant::now() < deadline, "the service did not start");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    let slow = tokio::spawn({
        let (http, base) = (http.clone(), base.clone());
        async move {
            let started = Instant::now();
            let reply: Value = http
                .post(format!("{base}/graphql"))
                .json(&json!({
                    "query": "mutation($i: RegisterInput!) { register(input: $i) { accessToken } }",
                    "variables": { "i": { "email": "ada@example.org", "username": "ada",
                                          "password": PASSWORD } },
                }))
                .send()
                .await
                .expect("the in-flight request gets its answer")
                .json()
                .await
                .unwrap();
            (reply, started.elapsed())
        }
    });
    tokio::time::sleep(Duration::from_millis(150)).await;
    let pid = child.id().unwrap().to_string();
    let signalled = std::process::Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .unwrap();
    assert!(signalled.success());

    let (reply, took) = slow.await.unwrap();
    assert_no_errors(&reply);
    assert!(
        took > Duration::from_millis(150),
        "the request was still running at SIGTERM ({took:?})"
    );
    let exit = tokio::time::timeout(Duration::from_secs(30), child.wait())
        .await
        .expect("the service exits after draining")
        .unwrap();
    assert!(exit.success(), "{exit:?}");
    assert!(
        http.get(format!("{base}/health")).send().await.is_err(),
        "no longer listening"
    );
    std::fs::remove_dir_all(dir).unwrap();
}
