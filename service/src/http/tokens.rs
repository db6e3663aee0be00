//! What other services ask about access tokens: the public keys to verify
//! them alone (`GET /.well-known/jwks.json`), and whether one is live now
//! (`POST /oauth/introspect`, RFC 7662).

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde::Deserialize;

use super::AppState;
use crate::auth::{Auth, Introspector};

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

/// RFC 7662 section 2.1's request; `token_type_hint` and anything else is
/// read past (every token is looked at as an access token).
#[derive(Deserialize)]
struct IntrospectionRequest {
    token: String,
}

/// The caller first (HTTP Basic, RFC 7662 section 2.1): until it has proved
/// itself, the body (taken whole, within the body limit) is not parsed, and
/// the answer says nothing of the token.
pub async fn introspect(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let Some(caller) = introspector(&state.auth, &headers) else {
        return (
            StatusCode::UNAUTHORIZED,
            [(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static(r#"Basic realm="token introspection", charset="UTF-8""#),
            )],
            Json(serde_json::json!({ "error": "invalid_client" })),
        )
            .into_response();
    };
    let form = headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| {
            value.split(';').next().is_some_and(|media| {
                media
                    .trim()
                    .eq_ignore_ascii_case("application/x-www-form-urlencoded")
            })
        });
    let request = form
        .then(|| serde_urlencoded::from_bytes::<IntrospectionRequest>(&body).ok())
        .flatten();
    let Some(request) = request else {
        return (
            StatusCode::BAD_REQUEST,
            Json(serde_json::json!({
                "error": "invalid_request",
                "error_description": "a form (application/x-www-form-urlencoded) with one `token`",
            })),
        )
            .into_response();
    };
    match state.auth.introspect(&caller, &request.token).await {
        Ok(answer) => Json(answer).into_response(),
        Err(err) => {
            tracing::error!(client = %caller.id, error = ?err, "introspection failed");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                Json(serde_json::json!({ "error": "temporarily_unavailable" })),
            )
                .into_response()
        }
    }
}

/// The client named by `Authorization: Basic`, if its secret is right.
fn introspector(auth: &Auth, headers: &HeaderMap) -> Option<Introspector> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, encoded) = value.trim().split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = STANDARD.decode(encoded.trim()).ok()?;
    let decoded = String::from_utf8(decoded).ok()?;
    let (id, secret) = decoded.split_once(':')?;
    auth.introspection_client(id, secret)
}
