//! GraphiQL playground. Its JS/CSS are embedded at build time (see `build.rs`)
//! rather than loaded from a CDN, so it works without internet access and
//! under a `script-src 'self'` CSP.
//!
//! Wiring: `GET /graphql` shares its path with the GraphQL `POST` handler, so
//! the caller routes [`page`] itself and merges [`routes`] for the assets:
//!
//! ```ignore
//! Router::new()
//!     .route("/graphql", get(graphiql::page).post(graphql_handler))
//!     .merge(graphiql::routes())
//! ```

use axum::{
    Router,
    extract::Path,
    http::{
        StatusCode,
        header::{CACHE_CONTROL, CONTENT_SECURITY_POLICY, CONTENT_TYPE},
    },
    response::{IntoResponse, Response},
    routing::get,
};

const HTML: &str = "text/html; charset=utf-8";

/// Everything the page loads comes from this origin; GraphiQL's CSS embeds its
/// fonts and icons as `data:` URLs.
const PAGE_CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; \
    font-src 'self' data:; img-src 'self' data:; connect-src 'self'; \
    base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/// `(file name, content type, body)` of every file under `/graphiql/`.
/// Empty when build.rs found no assets (npm missing or offline).
#[cfg(graphiql_assets)]
const ASSETS: &[(&str, &str, &[u8])] = {
    macro_rules! embed {
        ($file:literal, $content_type:expr) => {
            (
                $file,
                $content_type,
                include_bytes!(concat!(env!("OUT_DIR"), "/graphiql/", $file)),
            )
        };
    }
    const JS: &str = "text/javascript; charset=utf-8";
    &[
        embed!("react.production.min.js", JS),
        embed!("react-dom.production.min.js", JS),
        embed!("graphiql.min.js", JS),
        embed!("graphiql.min.css", "text/css; charset=utf-8"),
        embed!("init.js", JS),
        embed!("index.html", HTML),
    ]
};
#[cfg(not(graphiql_assets))]
const ASSETS: &[(&str, &str, &[u8])] = &[];

/// Served instead of the playground by a binary built without the assets.
const NOT_BUILT: &str = "<!doctype html>
<html lang=\"en\"><head><meta charset=\"utf-8\"><title>GraphiQL not built</title></head>
<body>
<h1>GraphiQL assets were not built</h1>
<p>This binary was built without the GraphiQL playground files.
To include them, run <code>npm ci --prefix service/graphiql</code> and rebuild the service.</p>
<p>The GraphQL API itself works: send <code>POST</code> requests to <code>/graphql</code>.</p>
</body></html>
";

/// Asset routes (`GET /graphiql/{file}`). The page itself is [`page`].
pub fn routes<S: Clone + Send + Sync + 'static>() -> Router<S> {
    Router::new().route("/graphiql/{file}", get(asset))
}

/// The GraphiQL page for `GET /graphql`, or a 503 explaining how to build it.
pub async fn page() -> impl IntoResponse {
    let (status, body) = match find("index.html") {
        Some((_, body)) => (StatusCode::OK, body),
        None => (StatusCode::SERVICE_UNAVAILABLE, NOT_BUILT.as_bytes()),
    };
    // no-cache: after a rebuild the browser must pick up the new page.
    (
        status,
        [
            (CONTENT_TYPE, HTML),
            (CACHE_CONTROL, "no-cache"),
            (CONTENT_SECURITY_POLICY, PAGE_CSP),
        ],
        body,
    )
}

async fn asset(Path(file): Path<String>) -> Response {
    let Some((content_type, body)) = find(&file) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    // The URLs are not versioned, so cache for a day rather than forever.
    let cache = if content_type == HTML {
        "no-cache"
    } else {
        "public, max-age=86400"
    };
    ([(CONTENT_TYPE, content_type), (CACHE_CONTROL, cache)], body).into_response()
}

fn find(file: &str) -> Option<(&'static str, &'static [u8])> {
    ASSETS
        .iter()
        .find(|(name, ..)| *name == file)
        .map(|&(_, content_type, body)| (content_type, body))
}
