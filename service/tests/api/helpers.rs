//! `TestApp`: the real service on an ephemeral port, over a fresh database of
//! either engine, dropped when the test ends; and the helpers every module
//! shares.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::str::FromStr;

use chrono::{DateTime, Utc};
use serde_json::{Value, json};
use service::App;
use service::auth::Auth;
use service::config::{Config, Environment, LogFormat, MailDelivery, TokenAlgorithm};
use service::domain::{Clock, NewAccount};
use service::storage::Database;
use sqlx::postgres::{PgConnectOptions, PgConnection};
use sqlx::{ConnectOptions, Connection};
use tokio::sync::{RwLock, RwLockReadGuard, RwLockWriteGuard};
use uuid::Uuid;

pub const PASSWORD: &str = "correct horse battery";
pub const TEST_SECRET: &str = "test-secret-key-that-is-long-enough-for-hs256";

#[derive(Clone, Copy, Debug)]
pub enum Engine {
    Postgres,
    Sqlite,
}

/// Generates, for each named `async fn(Engine)`, one test per engine:
/// `name::postgres` and `name::sqlite`. They share the machine with other
/// tests, or with `alone:` first, have it to themselves.
macro_rules! on_both_engines {
    (alone: $($name:ident),* $(,)?) => { on_both_engines!(@ have_machine; $($name),*); };
    ($($name:ident),* $(,)?) => { on_both_engines!(@ share_machine; $($name),*); };
    (@ $machine:ident; $($name:ident),*) => {$(
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                let _machine = $crate::helpers::$machine().await;
                super::$name($crate::helpers::Engine::Postgres).await
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                let _machine = $crate::helpers::$machine().await;
                super::$name($crate::helpers::Engine::Sqlite).await
            }
        }
    )*};
}

/// The tests of this binary run two at a time. One that times requests, or
/// loads the machine to its limit, takes it alone ([`have_machine`]) so that
/// neither skews the other; every other test holds a share while it runs
/// (once per test: a second share asked for behind a waiting
/// [`have_machine`] would wait forever).
static MACHINE: RwLock<()> = RwLock::const_new(());

pub async fn share_machine() -> RwLockReadGuard<'static, ()> {
    MACHINE.read().await
}

pub async fn have_machine() -> RwLockWriteGuard<'static, ()> {
    MACHINE.write().await
}

/// The documented defaults, spelled out so that nothing in this process's
/// environment leaks in, with a cheap bcrypt cost and an ephemeral port.
pub fn test_config() -> Config {
    Config {
        database_url: String::new(),
        database_max_connections: 5,
        session_cache_mib: 64,
        bind_addr: "127.0.0.1:0".parse().unwrap(),
        metrics_bind_addr: None,
        secret_key: Some(TEST_SECRET.into()),
        environment: Environment::Development,
        static_dir: None,
        access_token_expire_minutes: 15,
        access_token_algorithm: TokenAlgorithm::Hs256,
        access_token_signing_key_file: None,
        access_token_verify_only_key_files: Vec::new(),
        introspection_clients: Vec::new(),
        refresh_token_expire_days: 30,
        refresh_token_expire_hours: 24,
        session_idle_minutes: None,
        session_max_hours: None,
        auth_profile: None,
        bcrypt_cost: 4,
        cors_origins: Vec::new(),
        ws_connection_init_timeout_seconds: 10,
        log_format: LogFormat::Pretty,
        graphql_playground: None,
        trusted_proxies: Vec::new(),
        login_max_attempts_per_account_address: 5,
        login_max_attempts_per_address: 50,
        login_window_seconds: 900,
        login_lock_after_attempts: 100,
        registrations_per_address_per_hour: 20,
        mail_requests_per_account_per_hour: 5,
        mail_requests_per_address_per_hour: 20,
        refresh_reuse_grace_seconds: 10,
        jwt_issuer: "auth-service".into(),
        public_url: "http://app.test".into(),
        smtp_url: None,
        mail_from: "Vitals <no-reply@app.test>".into(),
        // Tests read queued mail from the outbox, and deliver it through a
        // real SMTP server where delivery is the point (see `mail.rs`).
        mail_delivery: Some(MailDelivery::Log),
        mail_outbox_dir: PathBuf::from("data/outbox"),
        password_reset_ttl_minutes: 30,
        email_verification_ttl_hours: 24,
        // No test runs the sweeper's loop; they sweep by hand (`sweep`).
        sweep_interval_seconds: 600,
        sweep_batch_size: 1000,
        mail_retention_days: 30,
        audit_retention_days: 2192,
        // No test runs the sealer's loop either (`seal`).
        audit_seal_interval_seconds: 10,
        step_up_window_seconds: 600,
        require_admin_mfa: None,
    }
}

/// The token of the first `?token=` link in a message.
pub fn token_in(text: &str) -> Option<String> {
    let start = text.find("token=")? + "token=".len();
    let token: String = text[start..]
        .chars()
        .take_while(char::is_ascii_hexdigit)
        .collect();
    (token.len() == 64).then_some(token)
}

pub struct TestApp {
    pub addr: SocketAddr,
    pub http: reqwest::Client,
    /// The service's own handle, to look at what it stored (or to close it).
    pub db: Database,
    pub auth: Auth,
    /// The service's clock: `clock.advance(..)` crosses a time window
    /// without sleeping through it.
    pub clock: Clock,
    pub config: Config,
    /// The outbox's worker, which tests run by hand (`deliver_mail`).
    pub postman: service::mail::Postman,
    /// The sweep of stale rows, which tests run by hand (`sweep`).
    pub sweeper: service::auth::sweeper::Sweeper,
    /// The audit trail's sealer, which tests run by hand (`seal`).
    pub sealer: service::auth::audit::Sealer,
    /// The metrics listener, when the config sets `metrics_bind_addr`.
    pub metrics_addr: Option<SocketAddr>,
    _database: std::sync::Arc<TestDatabase>,
}

impl TestApp {
    pub async fn spawn(engine: Engine) -> Self {
        Self::spawn_with(engine, |_| {}).await
    }

    pub async fn spawn_with(engine: Engine, configure: impl FnOnce(&mut Config)) -> Self {
        let database = TestDatabase::create(engine).await;
        let mut config = test_config();
        config.database_url = database.url.clone();
        configure(&mut config);
        Self::serve(config, Clock::default(), std::sync::Arc::new(database)).await
    }

    /// A second service on the same database (and the same time), as another
    /// replica would be.
    pub async fn replica(&self) -> Self {
        self.replica_with(|_| {}).await
    }

    /// A replica configured otherwise.
    pub async fn replica_with(&self, configure: impl FnOnce(&mut Config)) -> Self {
        let mut config = self.config.clone();
        configure(&mut config);
        Self::serve(config, self.clock.clone(), self._database.clone()).await
    }

    async fn serve(config: Config, clock: Clock, database: std::sync::Arc<TestDatabase>) -> Self {
        let app = App::build(&config, clock.clone())
            .await
            .expect("the app builds");
        let listener = tokio::net::TcpListener::bind(config.bind_addr)
            .await
            .unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(service::http::serve(
            listener,
            app.router,
            std::future::pending(),
        ));
        if let Some(watch) = app.database.watch() {
            tokio::spawn(watch.run());
        }
        let mut metrics_addr = None;
        if let (Some(metrics), Some(bind)) = (app.metrics, config.metrics_bind_addr) {
            let listener = tokio::net::TcpListener::bind(bind).await.unwrap();
            metrics_addr = Some(listener.local_addr().unwrap());
            tokio::spawn(metrics.serve(listener, std::future::pending()));
        }
        Self {
            addr,
            http: reqwest::Client::new(),
            db: app.database,
            auth: app.auth,
            postman: app.postman,
            sweeper: app.sweeper,
            sealer: app.sealer,
            metrics_addr,
            clock,
            config,
            _database: database,
        }
    }

    /// One round of the mail worker: sends what is due.
    pub async fn deliver_mail(&self) -> service::mail::Round {
        self.postman
            .deliver_due()
            .await
            .expect("the outbox is readable")
    }

    /// One round of the sweep, at the service's time.
    pub async fn sweep(&self) -> service::auth::sweeper::Swept {
        self.sweeper
            .sweep_once(self.clock.now())
            .await
            .expect("the sweep runs")
            .expect("no other replica is sweeping")
    }

    /// Seals the audit events waiting, at the service's time; gives the
    /// blocks made.
    pub async fn seal(&self) -> Vec<service::storage::audit::Block> {
        self.sealer
            .seal_once(self.clock.now())
            .await
            .expect("sealing runs")
    }

    /// The messages queued for `to` (sent ones have lost their bodies), as
    /// (kind, text), oldest first.
    pub async fn queued_mail(&self, to: &str) -> Vec<(String, String)> {
        service::with_pool!(&self.db, |pool| sqlx::query_as(
            "SELECT kind, text_body FROM mail_outbox WHERE recipient = $1
             ORDER BY created_at, text_body"
        )
        .bind(to)
        .fetch_all(pool)
        .await)
        .unwrap()
    }

    /// The token of the newest link of `kind` mailed to `to`, waiting a
    /// little for mail queued after the answer (a password reset).
    pub async fn mailed_token(&self, to: &str, kind: &str) -> String {
        for _ in 0..200 {
            let mail = self.queued_mail(to).await;
            if let Some((_, text)) = mail.iter().rev().find(|(k, _)| k == kind) {
                return token_in(text).expect("the mail carries a link with a token");
            }
            tokio::time::sleep(std::time::Duration::from_millis(25)).await;
        }
        panic!("no {kind} mail to {to}");
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }

    /// Posts one GraphQL operation; returns the whole JSON reply.
    pub async fn gql(&self, query: &str, variables: Value, token: Option<&str>) -> Value {
        self.post_gql(None, query, variables, token).await
    }

    /// The same, as if through a proxy that says the client is `forwarded`
    /// (believed only when the service trusts loopback as a proxy).
    pub async fn gql_from(
        &self,
        forwarded: &str,
        query: &str,
        variables: Value,
        token: Option<&str>,
    ) -> Value {
        self.post_gql(Some(forwarded), query, variables, token)
            .await
    }

    async fn post_gql(
        &self,
        forwarded: Option<&str>,
        query: &str,
        variables: Value,
        token: Option<&str>,
    ) -> Value {
        let mut request = self
            .http
            .post(self.url("/graphql"))
            .json(&json!({ "query": query, "variables": variables }));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        if let Some(forwarded) = forwarded {
            request = request.header("x-forwarded-for", forwarded);
        }
        let response = request.send().await.expect("the service answers");
        assert!(response.status().is_success(), "HTTP {}", response.status());
        response.json().await.expect("a JSON reply")
    }

    pub async fn register(&self, email: &str, username: &str, password: &str) -> Value {
        self.gql(
            "mutation($input: RegisterInput!) { register(input: $input) {
                user { id email username fullName role isActive createdAt updatedAt }
                accessToken refreshToken } }",
            json!({ "input": { "email": email, "username": username,
                               "password": password, "fullName": "Test User" } }),
            None,
        )
        .await
    }

    /// Registers a user and returns `register`'s payload, failing on errors.
    pub async fn register_ok(&self, email: &str, username: &str) -> Value {
        let reply = self.register(email, username, PASSWORD).await;
        assert_no_errors(&reply);
        reply["data"]["register"].clone()
    }

    pub async fn login(&self, email: &str, password: &str, remember_me: bool) -> Value {
        self.gql(
            "mutation($input: LoginInput!) { login(input: $input) {
                user { id email role } accessToken refreshToken } }",
            json!({ "input": { "email": email, "password": password, "rememberMe": remember_me } }),
            None,
        )
        .await
    }

    /// Signs in with the test password; the access token.
    pub async fn login_ok(&self, email: &str) -> String {
        self.login_with(email, PASSWORD).await
    }

    pub async fn login_with(&self, email: &str, password: &str) -> String {
        let reply = self.login(email, password, false).await;
        assert_no_errors(&reply);
        tokens(&reply["data"]["login"]).0
    }

    /// Signs in from a browser that names itself `user_agent`; its tokens.
    pub async fn sign_in_from(&self, email: &str, user_agent: &str) -> (String, String) {
        let reply: Value = self
            .http
            .post(self.url("/graphql"))
            .header("user-agent", user_agent)
            .json(&json!({
                "query": "mutation($i: LoginInput!) { login(input: $i) { accessToken refreshToken } }",
                "variables": { "i": { "email": email, "password": PASSWORD } },
            }))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_no_errors(&reply);
        tokens(&reply["data"]["login"])
    }

    pub async fn refresh(&self, refresh_token: &str) -> Value {
        self.gql(
            "mutation($t: String!) { refreshToken(refreshToken: $t) { accessToken refreshToken } }",
            json!({ "t": refresh_token }),
            None,
        )
        .await
    }

    pub async fn me(&self, token: Option<&str>) -> Value {
        self.gql("{ me { id email username role } }", json!({}), token)
            .await
    }

    /// Creates an admin through the same path as `service seed-admin`, signs
    /// it in, and returns its access token.
    pub async fn admin_token(&self) -> String {
        let admin = NewAccount::parse("admin@example.org", "admin", PASSWORD.into(), None).unwrap();
        self.auth
            .seed_admin(admin)
            .await
            .expect("seeding the admin");
        let reply = self.login("admin@example.org", PASSWORD, false).await;
        assert_no_errors(&reply);
        reply["data"]["login"]["accessToken"]
            .as_str()
            .unwrap()
            .to_owned()
    }

    /// Presents `replayed` (a rotated-out refresh token) and checks that the
    /// whole session ended: no session row left, and its current refresh
    /// and access tokens refused.
    pub async fn assert_replay_ends_session(&self, replayed: &str, current: &str, access: &str) {
        assert_eq!(
            error_code(&self.refresh(replayed).await).0,
            "UNAUTHENTICATED"
        );
        assert_eq!(
            self.count("sessions").await,
            0,
            "the whole session is revoked"
        );
        self.assert_signed_out(access, current).await;
    }

    /// Both tokens of a session that has ended are refused.
    pub async fn assert_signed_out(&self, access: &str, refresh: &str) {
        let me = self.me(Some(access)).await;
        assert_eq!(error_code(&me).0, "UNAUTHENTICATED", "{me}");
        let refreshed = self.refresh(refresh).await;
        assert_eq!(error_code(&refreshed).0, "UNAUTHENTICATED", "{refreshed}");
    }

    pub async fn count(&self, table: &str) -> i64 {
        self.scalar(format!("SELECT COUNT(*) FROM {table}")).await
    }

    /// The one number a query returns.
    pub async fn scalar(&self, sql: impl Into<String>) -> i64 {
        let sql = sqlx::AssertSqlSafe(sql.into());
        service::with_pool!(&self.db, |pool| sqlx::query_scalar(sql)
            .fetch_one(pool)
            .await)
        .unwrap()
    }

    /// A user's session rows, newest first.
    pub async fn sessions_of(&self, user_id: Uuid) -> Vec<StoredSession> {
        service::with_pool!(&self.db, |pool| sqlx::query_as::<_, StoredSession>(
            "SELECT id, refresh_token_hash, ip_address, expires_at, created_at
             FROM sessions WHERE user_id = $1 ORDER BY created_at DESC",
        )
        .bind(user_id)
        .fetch_all(pool)
        .await)
        .unwrap()
    }

    /// Runs a statement directly, to arrange states tests cannot reach through
    /// the API in reasonable time (an old rotation, an expired session).
    pub async fn execute(&self, sql: &'static str) -> Result<u64, sqlx::Error> {
        service::with_writer!(&self.db, |pool| sqlx::query(sql)
            .execute(pool)
            .await
            .map(|r| r.rows_affected()))
    }

    /// Makes every insert into `table` fail from now on, as a fault in the
    /// middle of a transaction would (a trigger named `refuse`).
    pub async fn refuse_inserts_into(&self, table: &str) {
        let statements = match self._database.engine {
            Engine::Postgres => vec![
                "CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS
                 $$ BEGIN RAISE EXCEPTION 'refused'; END $$"
                    .to_owned(),
                format!(
                    "CREATE TRIGGER refuse BEFORE INSERT ON {table}
                     FOR EACH ROW EXECUTE FUNCTION refuse()"
                ),
            ],
            Engine::Sqlite => vec![format!(
                "CREATE TRIGGER refuse BEFORE INSERT ON {table}
                 BEGIN SELECT RAISE(ABORT, 'refused'); END"
            )],
        };
        for sql in statements {
            service::with_writer!(&self.db, |pool| sqlx::query(sqlx::AssertSqlSafe(
                sql.clone()
            ))
            .execute(pool)
            .await
            .map(drop))
            .unwrap();
        }
    }
}

/// What a `sessions` row holds, as the tests look at it.
#[derive(Debug, sqlx::FromRow)]
pub struct StoredSession {
    pub id: Uuid,
    pub refresh_token_hash: String,
    pub ip_address: Option<String>,
    pub expires_at: DateTime<Utc>,
    pub created_at: DateTime<Utc>,
}

/// The `(accessToken, refreshToken)` of a `register`, `login` or
/// `refreshToken` payload.
pub fn tokens(payload: &Value) -> (String, String) {
    let get = |key: &str| payload[key].as_str().unwrap().to_owned();
    (get("accessToken"), get("refreshToken"))
}

/// The user's id in a `register` or `login` payload.
pub fn user_id(payload: &Value) -> Uuid {
    payload["user"]["id"].as_str().unwrap().parse().unwrap()
}

pub fn assert_no_errors(reply: &Value) {
    assert!(
        reply.get("errors").is_none(),
        "unexpected errors: {reply:#}"
    );
}

/// The `extensions.code` of the first error, and its `field` if any.
pub fn error_code(reply: &Value) -> (String, Option<String>) {
    let error = &reply["errors"][0];
    let code = error["extensions"]["code"]
        .as_str()
        .unwrap_or_else(|| panic!("expected an error with a code, got {reply:#}"));
    let field = error["extensions"]["field"].as_str().map(str::to_owned);
    (code.to_owned(), field)
}

/// A database of its own for one test, removed when the test ends.
pub struct TestDatabase {
    pub url: String,
    engine: Engine,
    name: String,
}

/// The server that holds per-test PostgreSQL databases.
pub fn postgres_admin_url() -> String {
    std::env::var("TEST_DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into())
}

impl TestDatabase {
    pub async fn create(engine: Engine) -> Self {
        let name = format!("authsvc_test_{}", Uuid::new_v4().simple());
        match engine {
            Engine::Postgres => {
                let admin_url = postgres_admin_url();
                let mut conn = PgConnection::connect(&admin_url).await.unwrap_or_else(|err| {
                    panic!(
                        "\n\nPostgreSQL is not reachable at {admin_url}: {err}\n\
                         The tests need a PostgreSQL server. Start one, for example\n  \
                         pg_ctlcluster 15 main start            (Debian)\n  \
                         docker run -d -p 5432:5432 -e POSTGRES_HOST_AUTH_METHOD=trust postgres:16\n\
                         or point TEST_DATABASE_URL at a server where this user may create databases.\n"
                    )
                });
                sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
                    .execute(&mut conn)
                    .await
                    .expect("creating the test database");
                let url = PgConnectOptions::from_str(&admin_url)
                    .unwrap()
                    .database(&name)
                    .to_url_lossy()
                    .to_string();
                Self { url, engine, name }
            }
            Engine::Sqlite => {
                let path = std::env::temp_dir().join(format!("{name}.db"));
                Self {
                    url: format!("sqlite://{}", path.display()),
                    engine,
                    name: path.display().to_string(),
                }
            }
        }
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        match self.engine {
            Engine::Sqlite => {
                for suffix in ["", "-wal", "-shm"] {
                    let _ = std::fs::remove_file(PathBuf::from(format!("{}{suffix}", self.name)));
                }
            }
            Engine::Postgres => {
                // Drop runs inside the test's runtime, which cannot be blocked
                // on; a short-lived thread with its own runtime can.
                let name = self.name.clone();
                let _ = std::thread::spawn(move || {
                    let runtime = tokio::runtime::Builder::new_current_thread()
                        .enable_all()
                        .build()
                        .unwrap();
                    runtime.block_on(async {
                        if let Ok(mut conn) = PgConnection::connect(&postgres_admin_url()).await {
                            let sql = format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)");
                            let _ = sqlx::query(sqlx::AssertSqlSafe(sql))
                                .execute(&mut conn)
                                .await;
                        }
                    });
                })
                .join();
            }
        }
    }
}
