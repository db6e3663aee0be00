//! The metrics listener: `GET /metrics` in Prometheus's text format, on
//! `METRICS_BIND_ADDR`, a router and a port apart from the API's, so that
//! nothing routed to the API (nginx sends it everything under `/graphql`
//! and `/health`) can reach it.

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;
use metrics_exporter_prometheus::PrometheusHandle;

use crate::storage::{Database, outbox};
use crate::telemetry::{
    DB_POOL_CONNECTIONS, MAIL_OUTBOX_BACKLOG, OUTBOX_SAMPLE_EVERY, SESSION_CACHE_ACCOUNTS,
    SESSION_CACHE_BYTES, SESSION_CACHE_SERVING,
};

/// How often histogram samples are folded into their buckets. The exporter
/// keeps every sample until then, scraped or not.
const UPKEEP_EVERY: Duration = Duration::from_secs(5);

/// A scrape does not wait longer than this for the outbox count; the gauge
/// keeps its last value, and the next scrape tries again.
const BACKLOG_PATIENCE: Duration = Duration::from_secs(2);

/// Prometheus's text exposition format, version 0.0.4.
const EXPOSITION: &str = "text/plain; version=0.0.4; charset=utf-8";

#[derive(Clone)]
pub struct Metrics {
    handle: PrometheusHandle,
    db: Database,
    /// When the outbox was last counted.
    backlog_counted: Arc<tokio::sync::Mutex<Option<Instant>>>,
}

impl Metrics {
    pub fn new(handle: PrometheusHandle, db: Database) -> Self {
        Self {
            handle,
            db,
            backlog_counted: Arc::default(),
        }
    }

    pub fn router(&self) -> Router {
        Router::new()
            .route("/metrics", get(scrape))
            .with_state(self.clone())
    }

    /// Serves until `shutdown` resolves, as [`super::serve`] does the API.
    pub async fn serve(
        self,
        listener: tokio::net::TcpListener,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        let handle = self.handle.clone();
        let upkeep = tokio::spawn(async move {
            let mut every = tokio::time::interval(UPKEEP_EVERY);
            loop {
                every.tick().await;
                handle.run_upkeep();
            }
        });
        let served = axum::serve(listener, self.router())
            .with_graceful_shutdown(shutdown)
            .await;
        upkeep.abort();
        served
    }

    /// The gauges that are read rather than kept up to date: the pools'
    /// counters cost nothing to read; the outbox costs a query, so it is
    /// counted at most every [`OUTBOX_SAMPLE_EVERY`].
    async fn sample(&self) {
        for usage in self.db.pool_usage() {
            let in_use = usage.open.saturating_sub(usage.idle);
            metrics::gauge!(DB_POOL_CONNECTIONS, "pool" => usage.pool, "state" => "in_use")
                .set(in_use as f64);
            metrics::gauge!(DB_POOL_CONNECTIONS, "pool" => usage.pool, "state" => "idle")
                .set(usage.idle as f64);
        }
        let sessions = self.db.sessions();
        let (bytes, accounts) = sessions.usage();
        metrics::gauge!(SESSION_CACHE_SERVING).set(f64::from(u8::from(sessions.serving())));
        metrics::gauge!(SESSION_CACHE_ACCOUNTS).set(accounts as f64);
        metrics::gauge!(SESSION_CACHE_BYTES).set(bytes as f64);
        let mut counted = self.backlog_counted.lock().await;
        if counted.is_some_and(|at| at.elapsed() < OUTBOX_SAMPLE_EVERY) {
            return;
        }
        match tokio::time::timeout(BACKLOG_PATIENCE, outbox::backlog(&self.db)).await {
            Ok(Ok(count)) => {
                metrics::gauge!(MAIL_OUTBOX_BACKLOG).set(count as f64);
                *counted = Some(Instant::now());
            }
            Ok(Err(err)) => tracing::warn!(error = %err, "counting the mail outbox failed"),
            Err(_) => tracing::warn!("counting the mail outbox took too long"),
        }
    }
}

async fn scrape(State(metrics): State<Metrics>) -> impl IntoResponse {
    metrics.sample().await;
    (
        [(header::CONTENT_TYPE, EXPOSITION)],
        metrics.handle.render(),
    )
}
