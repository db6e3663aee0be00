use std::time::Duration;

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde_json::{Value, json};

use super::AppState;

/// Liveness: the process answers. Never touches the database, so an outage
/// does not get healthy replicas restarted.
pub async fn live() -> Json<Value> {
    Json(json!({ "status": "ok" }))
}

/// Readiness: the database answers, within a bound.
pub async fn ready(State(state): State<AppState>) -> (StatusCode, Json<Value>) {
    let db = &state.db;
    let ping = tokio::time::timeout(Duration::from_secs(2), db.ping()).await;
    match ping {
        Ok(Ok(())) => (
            StatusCode::OK,
            Json(json!({ "status": "ready", "database": db.engine() })),
        ),
        Ok(Err(err)) => {
            tracing::warn!(error = %err, "readiness check failed");
            unavailable()
        }
        Err(_) => {
            tracing::warn!("readiness check timed out");
            unavailable()
        }
    }
}

fn unavailable() -> (StatusCode, Json<Value>) {
    (
        StatusCode::SERVICE_UNAVAILABLE,
        Json(json!({ "status": "unavailable", "database": "unreachable" })),
    )
}
