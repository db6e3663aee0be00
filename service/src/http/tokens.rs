//! What other services ask about access tokens: the public keys to verify
//! them alone (`GET /.well-known/jwks.json`).

use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};

use super::AppState;

/// Five minutes: long enough that verifiers do not fetch the keys for every
/// token, short enough that a key published ahead of its use reaches them
/// soon (the rotation procedure waits this long).
const JWKS_CACHE_CONTROL: &str = "public, max-age=300";

/// The access tokens' public keys; 404 with HS256, whose only key is the
/// secret.
pub async fn jwks(State(state): State<AppState>) -> Response {
    match state.auth.published_keys() {
        Some(jwks) => (
            [
                (
                    header::CONTENT_TYPE,
                    HeaderValue::from_static("application/json"),
                ),
                (
                    header::CACHE_CONTROL,
                    HeaderValue::from_static(JWKS_CACHE_CONTROL),
                ),
            ],
            jwks.to_owned(),
        )
            .into_response(),
        None => super::not_found().await.into_response(),
    }
}
