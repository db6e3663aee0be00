//! The HTTP surface: GraphQL over POST and WebSocket, GraphiQL, health
//! checks, the built web client, and the middleware around them.

mod graphiql;
mod graphql;
mod health;
mod media;
mod prometheus;
mod tokens;
mod websocket;

use std::net::SocketAddr;
use std::path::Path;
use std::time::Duration;

use axum::http::{HeaderName, HeaderValue, Method, StatusCode, header};
use axum::routing::{get, post};
use axum::{Json, Router};
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::compression::CompressionLayer;
use tower_http::compression::predicate::{DefaultPredicate, Predicate, SizeAbove};
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::services::{ServeDir, ServeFile};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::{DefaultOnResponse, OnResponse, TraceLayer};

pub use prometheus::Metrics;
pub use websocket::{Limits as WebSocketLimits, MAX_OPERATIONS_PER_CONNECTION};

use crate::auth::Auth;
use crate::config::Config;
use crate::graphql::AppSchema;
use crate::storage::Database;
use crate::telemetry::{self, HTTP_RESPONSES};

/// GraphQL documents are small; anything bigger is refused before parsing.
pub(crate) const MAX_BODY_BYTES: usize = 64 * 1024;
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
/// GraphQL answers are a few hundred bytes: gzip would cost more CPU (and a
/// fresh deflate state per response) than the bytes it saves. The client's
/// wasm, JS and CSS are far above this.
const COMPRESS_ABOVE_BYTES: u64 = 1024;

/// The policy deploy/nginx sets on every response, for when the service
/// serves the built client itself (`STATIC_DIR`, as `just run` does): scripts
/// from this origin, plus `'wasm-unsafe-eval'` to compile the client; no
/// inline script or style, no plugins, no framing, no `<base>`. GraphiQL's
/// page keeps its stricter own. A test holds this and the nginx template to
/// the same headers.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; \
    script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; img-src 'self' data:; \
    font-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; \
    form-action 'self'; frame-ancestors 'none'";
const PERMISSIONS_POLICY: &str = "camera=(), microphone=(), geolocation=(), payment=()";

#[derive(Clone)]
pub struct AppState {
    pub schema: AppSchema,
    /// For the readiness check; everything else reaches the database through
    /// `auth`, the schema's resolvers' or the token endpoints'.
    pub db: Database,
    /// Peers whose `X-Forwarded-For` names the client (our nginx).
    pub trusted_proxies: std::sync::Arc<[ipnet::IpNet]>,
    /// Who may open `/graphql/ws`, and how long it may wait to say hello.
    pub websocket: WebSocketLimits,
    /// For the token endpoints other services call, which are not GraphQL.
    pub auth: Auth,
}

pub fn router(state: AppState, config: &Config) -> Router {
    let graphql_route = if config.playground_enabled() {
        get(graphiql::page).post(graphql::post)
    } else {
        post(graphql::post)
    };
    // Answers carry tokens and personal data: no cache, shared or private,
    // may keep them (ASVS 5.0 V14.3).
    let no_store = SetResponseHeaderLayer::overriding(
        header::CACHE_CONTROL,
        HeaderValue::from_static("no-store"),
    );
    let mut app = Router::new()
        .route("/graphql", graphql_route.layer(no_store.clone()))
        .route("/graphql/ws", get(websocket::upgrade))
        .route("/.well-known/jwks.json", get(tokens::jwks))
        .route(
            "/oauth/introspect",
            post(tokens::introspect).layer(no_store),
        )
        .route("/health", get(health::live))
        .route("/health/ready", get(health::ready));
    if config.playground_enabled() {
        app = app.merge(graphiql::routes());
    }
    app = match &config.static_dir {
        // The policies of a page, for the pages (the API's JSON answers are
        // never rendered, and `me` need not carry half a kilobyte of them).
        Some(dir) => app.fallback_service(
            tower::ServiceBuilder::new()
                .layer(security_header(
                    header::CONTENT_SECURITY_POLICY,
                    CONTENT_SECURITY_POLICY,
                ))
                .layer(security_header(
                    HeaderName::from_static("permissions-policy"),
                    PERMISSIONS_POLICY,
                ))
                .layer(security_header(
                    HeaderName::from_static("cross-origin-opener-policy"),
                    "same-origin",
                ))
                .service(spa(dir)),
        ),
        None => app.fallback(not_found),
    };

    let request_id = HeaderName::from_static("x-request-id");
    app.with_state(state)
        .layer(RequestBodyLimitLayer::new(MAX_BODY_BYTES))
        .layer(cors(&config.cors_origins))
        .layer(
            CompressionLayer::new()
                .compress_when(DefaultPredicate::new().and(SizeAbove::new(COMPRESS_ABOVE_BYTES))),
        )
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            REQUEST_TIMEOUT,
        ))
        .layer(security_header(header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .layer(security_header(header::X_FRAME_OPTIONS, "DENY"))
        .layer(security_header(header::REFERRER_POLICY, "no-referrer"))
        .layer(CatchPanicLayer::new())
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(request_span)
                .on_response(CountResponse),
        )
        .layer(PropagateRequestIdLayer::new(request_id.clone()))
        .layer(SetRequestIdLayer::new(request_id, MakeRequestUuid))
}

/// Serves until `shutdown` resolves, then lets in-flight requests finish.
pub async fn serve(
    listener: tokio::net::TcpListener,
    app: Router,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await
}

/// The built client: files as they are, and `index.html` for every other
/// path so the client's router can resolve it.
fn spa(dir: &Path) -> ServeDir<ServeFile> {
    ServeDir::new(dir).fallback(ServeFile::new(dir.join("index.html")))
}

/// A request refused before GraphQL sees it, answered in the shape of a
/// GraphQL error so that clients find the code where they find every other.
/// Plain `application/json`: GraphQL over HTTP keeps its own media type for
/// GraphQL responses.
fn refusal(status: StatusCode, code: &str, message: &str) -> axum::response::Response {
    use axum::response::IntoResponse;
    let body = serde_json::json!({
        "errors": [{ "message": message, "extensions": { "code": code } }],
    });
    (status, Json(body)).into_response()
}

async fn not_found() -> (StatusCode, Json<serde_json::Value>) {
    (
        StatusCode::NOT_FOUND,
        Json(serde_json::json!({ "error": "not found" })),
    )
}

/// Same-origin only unless origins are configured.
fn cors(origins: &[String]) -> CorsLayer {
    let origins: Vec<HeaderValue> = origins
        .iter()
        .filter(|o| !o.trim().is_empty())
        .filter_map(|o| HeaderValue::from_str(o.trim()).ok())
        .collect();
    CorsLayer::new()
        .allow_origin(AllowOrigin::list(origins))
        .allow_methods([Method::GET, Method::POST])
        .allow_headers([header::AUTHORIZATION, header::CONTENT_TYPE])
        .max_age(Duration::from_secs(3600))
}

/// Every log line of a request carries its id: the one nginx put in its
/// access log, or the one `SetRequestIdLayer` made.
fn request_span(request: &axum::http::Request<axum::body::Body>) -> tracing::Span {
    let id = request
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    // The path only: a query string may carry a mailed link's token.
    let path = request.uri().path();
    tracing::info_span!("request", method = %request.method(), path, request_id = id)
}

fn security_header(name: HeaderName, value: &'static str) -> SetResponseHeaderLayer<HeaderValue> {
    SetResponseHeaderLayer::if_not_present(name, HeaderValue::from_static(value))
}

/// Counts every answer by status, then logs it as tower-http does by default.
#[derive(Clone, Copy)]
struct CountResponse;

impl<B> OnResponse<B> for CountResponse {
    fn on_response(
        self,
        response: &axum::http::Response<B>,
        latency: Duration,
        span: &tracing::Span,
    ) {
        if telemetry::recording() {
            metrics::counter!(HTTP_RESPONSES, "status" => status_label(response.status()))
                .increment(1);
        }
        DefaultOnResponse::default().on_response(response, latency, span);
    }
}

/// The statuses the service answers with, as label values that need no
/// allocation; any other by its class.
fn status_label(status: StatusCode) -> &'static str {
    const ANSWERED: [(u16, &str); 17] = [
        (101, "101"),
        (200, "200"),
        (204, "204"),
        (206, "206"),
        (304, "304"),
        (400, "400"),
        (401, "401"),
        (403, "403"),
        (404, "404"),
        (405, "405"),
        (406, "406"),
        (408, "408"),
        (413, "413"),
        (415, "415"),
        (429, "429"),
        (500, "500"),
        (503, "503"),
    ];
    let code = status.as_u16();
    match ANSWERED.iter().find(|(answered, _)| *answered == code) {
        Some((_, label)) => label,
        None => ["1xx", "2xx", "3xx", "4xx", "5xx"][usize::from(code / 100).clamp(1, 5) - 1],
    }
}
