//! How the service reports on itself: logs, and the Prometheus metrics that
//! `METRICS_BIND_ADDR` serves (`http::Metrics`). Each layer records through
//! the `metrics` facade under the names below; without a recorder (metrics
//! off, the default) a record is a check of one atomic and nothing more.

use std::sync::OnceLock;
use std::sync::atomic::{AtomicBool, Ordering};

use metrics::{Unit, describe_counter, describe_gauge, describe_histogram};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use tracing_subscriber::EnvFilter;

use crate::config::LogFormat;

/// Logs go to stderr, filtered by `RUST_LOG` (default `info`).
pub fn init(format: LogFormat) {
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("info,tower_http=info,sqlx=warn"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    match format {
        LogFormat::Pretty => builder.init(),
        LogFormat::Json => builder.json().init(),
    }
}

// The metrics (README, "Metrics", is the table operators read). Label values
// are always from a fixed set: never a client's string.

/// `operation` (a root field of the schema, or `other`), `outcome` (`OK` or
/// the first error's `extensions.code`).
pub const GRAPHQL_REQUESTS: &str = "graphql_requests_total";
/// `operation`, as above.
pub const GRAPHQL_DURATION: &str = "graphql_request_duration_seconds";
/// `status`: the HTTP status of every answer of the main listener.
pub const HTTP_RESPONSES: &str = "http_responses_total";
/// `outcome`: `succeeded` or the refusal's code.
pub const SIGN_INS: &str = "auth_sign_ins_total";
pub const REFRESH_TOKEN_REUSE: &str = "auth_refresh_token_reuse_detected_total";
pub const HASH_QUEUE_DEPTH: &str = "password_hash_queue_depth";
pub const HASH_QUEUE_WAIT: &str = "password_hash_queue_wait_seconds";
/// `pool` (`main` on PostgreSQL; `read` and `write` on SQLite), `state`
/// (`in_use`, `idle`); sampled at each scrape.
pub const DB_POOL_CONNECTIONS: &str = "db_pool_connections";
/// Sampled at a scrape, at most every [`OUTBOX_SAMPLE_EVERY`].
pub const MAIL_OUTBOX_BACKLOG: &str = "mail_outbox_backlog";
/// 1 while the session cache answers from memory, 0 while it cannot (on
/// PostgreSQL: its beats are not coming back); sampled at each scrape.
pub const SESSION_CACHE_SERVING: &str = "session_cache_serving";
/// Accounts in the session cache, and their weight in bytes; sampled at
/// each scrape.
pub const SESSION_CACHE_ACCOUNTS: &str = "session_cache_accounts";
pub const SESSION_CACHE_BYTES: &str = "session_cache_bytes";
/// How long the oldest audit event not yet sealed had waited when the
/// sealer's last round began: how far tamper evidence lags.
pub const AUDIT_SEAL_LAG: &str = "audit_seal_lag_seconds";

/// How stale the outbox backlog may be: its count is a query, and scrapes
/// from several Prometheus servers need not each run one.
pub const OUTBOX_SAMPLE_EVERY: std::time::Duration = std::time::Duration::from_secs(5);

/// From half a millisecond (`me` on loopback) to ten seconds (a login queued
/// behind a flood of bcrypt), for every `_seconds` histogram. Buckets rather
/// than quantiles: Prometheus can add buckets up across replicas.
const LATENCY_BUCKETS: &[f64] = &[
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

static RECORDING: AtomicBool = AtomicBool::new(false);

/// Whether a recorder is installed: without one, callers skip even naming
/// what they would record.
pub fn recording() -> bool {
    RECORDING.load(Ordering::Relaxed)
}

/// The process's Prometheus recorder, installed the first time it is asked
/// for (the facade takes one recorder per process, so `App::build` may run
/// again, as the tests do, and share it).
pub fn metrics_recorder() -> PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE
        .get_or_init(|| {
            let handle = PrometheusBuilder::new()
                .set_buckets_for_metric(Matcher::Suffix("_seconds".into()), LATENCY_BUCKETS)
                .expect("the buckets are not empty")
                .install_recorder()
                .expect("no other metrics recorder is installed");
            describe();
            RECORDING.store(true, Ordering::Relaxed);
            handle
        })
        .clone()
}

fn describe() {
    describe_counter!(
        GRAPHQL_REQUESTS,
        "GraphQL operations over POST by root field and outcome code"
    );
    describe_histogram!(
        GRAPHQL_DURATION,
        Unit::Seconds,
        "Time to execute a GraphQL operation over POST, by root field"
    );
    describe_counter!(HTTP_RESPONSES, "HTTP answers by status");
    describe_counter!(SIGN_INS, "Password sign-ins by outcome");
    describe_counter!(
        REFRESH_TOKEN_REUSE,
        "Rotated-away refresh tokens presented again (the session was ended)"
    );
    describe_gauge!(
        HASH_QUEUE_DEPTH,
        "Password hashes and checks waiting for a hashing thread"
    );
    describe_histogram!(
        HASH_QUEUE_WAIT,
        Unit::Seconds,
        "Time a password hash or check waited for a hashing thread"
    );
    describe_gauge!(
        DB_POOL_CONNECTIONS,
        "Database connections of each pool, in use or idle"
    );
    describe_gauge!(
        MAIL_OUTBOX_BACKLOG,
        "Messages in the outbox neither sent nor given up on"
    );
    describe_gauge!(
        SESSION_CACHE_SERVING,
        "Whether live sessions are answered from memory (1) or read from the database (0)"
    );
    describe_gauge!(SESSION_CACHE_ACCOUNTS, "Accounts in the session cache");
    describe_gauge!(
        SESSION_CACHE_BYTES,
        Unit::Bytes,
        "The session cache's weight, against SESSION_CACHE_MIB"
    );
}
