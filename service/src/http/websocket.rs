//! `/graphql/ws`: GraphQL over a WebSocket (graphql-transport-ws, and the
//! older graphql-ws), with the limits a long-lived connection needs: who may
//! open one (the `Origin` check), how long it may sit without
//! `connection_init`, and how many operations it may run at once.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use async_graphql::http::{ALL_WEBSOCKET_PROTOCOLS, WebSocketProtocols, WsMessage};
use async_graphql::{Data, ErrorExtensionValues, Executor, Request, Response, ServerError};
use axum::extract::ws::{CloseFrame, Message, WebSocket};
use axum::extract::{ConnectInfo, State, WebSocketUpgrade};
use axum::http::uri::{Authority, Scheme, Uri};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response as HttpResponse};
use futures_util::stream::BoxStream;
use futures_util::{SinkExt, StreamExt, future};
use tokio::sync::Semaphore;

use super::{AppState, refusal};
use crate::config::Config;
use crate::graphql::{AppSchema, RequestAuth};

/// Operations one connection may run at once. A subscription holds its
/// place until it ends or the client completes it; the client needs one.
pub const MAX_OPERATIONS_PER_CONNECTION: usize = 8;

/// The `extensions.code` of an operation refused for want of a place.
pub const TOO_MANY_SUBSCRIPTIONS: &str = "TOO_MANY_SUBSCRIPTIONS";

/// graphql-transport-ws: "Connection initialisation timeout".
const INIT_TIMEOUT_CLOSE: u16 = 4408;

/// What a connection is held to; built once from the configuration.
#[derive(Clone, Debug)]
pub struct Limits {
    /// Origins allowed besides the one a request is addressed to:
    /// `PUBLIC_URL`'s and `CORS_ORIGINS` (entries that are no origin are
    /// left out, as the CORS layer leaves them out).
    origins: Arc<[Origin]>,
    init_timeout: Duration,
}

impl Limits {
    pub fn from_config(config: &Config) -> Self {
        let listed = std::iter::once(&config.public_url).chain(&config.cors_origins);
        Self {
            origins: listed.filter_map(|o| Origin::parse(o)).collect(),
            init_timeout: config.ws_connection_init_timeout(),
        }
    }
}

/// `GET /graphql/ws`. Credentials travel in the `connection_init` payload
/// (`{"Authorization": "Bearer ..."}`), since browsers cannot set headers on
/// a WebSocket.
pub async fn upgrade(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    uri: Uri,
    headers: HeaderMap,
    upgrade: WebSocketUpgrade,
) -> HttpResponse {
    // Browsers let any page open a WebSocket anywhere, with no preflight;
    // only the Origin they send tells a page of this site from another
    // (cross-site WebSocket hijacking). HTTP/2 names the host in the URI.
    let host = headers
        .get(header::HOST)
        .and_then(|host| host.to_str().ok())
        .or_else(|| uri.authority().map(Authority::as_str));
    if !origin_allowed(headers.get(header::ORIGIN), host, &state.websocket.origins) {
        return refusal(
            StatusCode::FORBIDDEN,
            "FORBIDDEN",
            "pages of this origin may not open /graphql/ws",
        );
    }
    let Some(protocol) = protocol(&headers) else {
        return StatusCode::BAD_REQUEST.into_response();
    };
    let client = super::graphql::client_info(&state, &headers, peer);
    let schema = state.schema.clone();
    let init_timeout = state.websocket.init_timeout;
    upgrade
        .protocols(ALL_WEBSOCKET_PROTOCOLS)
        .max_message_size(super::MAX_BODY_BYTES)
        .on_upgrade(move |socket| {
            let on_init = move |payload: serde_json::Value| async move {
                let authorization = ["Authorization", "authorization"]
                    .iter()
                    .find_map(|key| payload.get(*key)?.as_str())
                    .map(str::to_owned);
                let mut data = Data::default();
                data.insert(RequestAuth::for_connection(authorization, client));
                Ok(data)
            };
            serve(socket, Capped::new(schema), protocol, on_init, init_timeout)
        })
}

/// The first protocol the client offers that we speak.
fn protocol(headers: &HeaderMap) -> Option<WebSocketProtocols> {
    headers
        .get(header::SEC_WEBSOCKET_PROTOCOL)?
        .to_str()
        .ok()?
        .split(',')
        .find_map(|offered| offered.trim().parse().ok())
}

/// async-graphql-axum's `GraphQLWebSocket::serve`, plus the deadline for
/// `connection_init`, which that one lacks: a socket that never says hello
/// would otherwise stay open for as long as the client likes.
async fn serve<F, R>(
    socket: WebSocket,
    executor: Capped,
    protocol: WebSocketProtocols,
    on_init: F,
    init_timeout: Duration,
) where
    F: FnOnce(serde_json::Value) -> R + Send + 'static,
    R: Future<Output = async_graphql::Result<Data>> + Send + 'static,
{
    let (mut sink, stream) = socket.split();
    let input = stream
        .take_while(|message| future::ready(message.is_ok()))
        .filter_map(|message| {
            future::ready(match message {
                Ok(message @ (Message::Text(_) | Message::Binary(_))) => Some(message.into_data()),
                _ => None,
            })
        });
    let initialised = Arc::new(AtomicBool::new(false));
    let on_init = {
        let initialised = initialised.clone();
        move |payload| {
            initialised.store(true, Ordering::Relaxed);
            on_init(payload)
        }
    };
    let mut output = async_graphql::http::WebSocket::new(executor, input, protocol)
        .on_connection_init(on_init)
        .boxed();
    let deadline = tokio::time::sleep(init_timeout);
    tokio::pin!(deadline);
    loop {
        let message = tokio::select! {
            message = output.next() => match message {
                Some(message) => message,
                None => break,
            },
            () = &mut deadline, if !initialised.load(Ordering::Relaxed) => WsMessage::Close(
                INIT_TIMEOUT_CLOSE,
                "Connection initialisation timeout".into(),
            ),
        };
        let (message, last) = match message {
            WsMessage::Text(text) => (Message::Text(text.into()), false),
            WsMessage::Close(code, reason) => (
                Message::Close(Some(CloseFrame {
                    code,
                    reason: reason.into(),
                })),
                true,
            ),
        };
        if sink.send(message).await.is_err() || last {
            break;
        }
    }
}

/// The schema for one connection, which runs at most
/// [`MAX_OPERATIONS_PER_CONNECTION`] operations at once. Without a cap one
/// socket could start any number of `sessionStatus` streams (each a query
/// every few seconds) or slow mutations, where each HTTP request runs one.
/// A refused operation gets a result with [`TOO_MANY_SUBSCRIPTIONS`], then
/// `complete`, like any operation that fails before it starts: clients
/// (graphql-ws among them) report it to that operation's caller and keep the
/// connection and its other operations.
#[derive(Clone)]
struct Capped {
    schema: AppSchema,
    places: Arc<Semaphore>,
}

impl Capped {
    fn new(schema: AppSchema) -> Self {
        Self {
            schema,
            places: Arc::new(Semaphore::new(MAX_OPERATIONS_PER_CONNECTION)),
        }
    }
}

impl Executor for Capped {
    async fn execute(&self, request: Request) -> Response {
        self.schema.execute(request).await
    }

    fn execute_stream(
        &self,
        request: Request,
        session_data: Option<Arc<Data>>,
    ) -> BoxStream<'static, Response> {
        let Ok(place) = self.places.clone().try_acquire_owned() else {
            return futures_util::stream::once(future::ready(too_many())).boxed();
        };
        // The place goes back when the stream is dropped: it ended, the
        // client completed it, or the connection closed.
        self.schema
            .execute_stream(request, session_data)
            .map(move |response| {
                let _holds = &place;
                response
            })
            .boxed()
    }
}

fn too_many() -> Response {
    let mut error = ServerError::new(
        format!(
            "at most {MAX_OPERATIONS_PER_CONNECTION} operations at once on one connection; \
             complete one first"
        ),
        None,
    );
    let mut extensions = ErrorExtensionValues::default();
    extensions.set("code", TOO_MANY_SUBSCRIPTIONS);
    error.extensions = Some(extensions);
    Response::from_errors(vec![error])
}

/// A scheme, host and port: what a browser's `Origin` names.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Origin {
    scheme: String,
    host: String,
    port: u16,
}

impl Origin {
    /// `https://host[:port]` (any path after it is ignored, so `PUBLIC_URL`
    /// works as it is); None for anything else, `null` included.
    fn parse(text: &str) -> Option<Self> {
        let uri: Uri = text.trim().parse().ok()?;
        let scheme = uri.scheme()?;
        let authority = uri.authority()?;
        Some(Self {
            scheme: scheme.as_str().to_ascii_lowercase(),
            host: authority.host().to_ascii_lowercase(),
            port: authority.port_u16().or_else(|| default_port(scheme))?,
        })
    }

    /// Same host and port as the request's `Host`, the port defaulting by
    /// this origin's scheme. The scheme is not compared: a TLS terminator
    /// in front makes `https` pages reach us over plain HTTP.
    fn is_host(&self, host: &str) -> bool {
        let Ok(authority) = host.parse::<Authority>() else {
            return false;
        };
        let default = match self.scheme.as_str() {
            "https" => 443,
            _ => 80,
        };
        authority.host().eq_ignore_ascii_case(&self.host)
            && authority.port_u16().unwrap_or(default) == self.port
    }
}

fn default_port(scheme: &Scheme) -> Option<u16> {
    match scheme.as_str() {
        "http" => Some(80),
        "https" => Some(443),
        _ => None,
    }
}

/// No `Origin` (not a browser: nothing to hijack), the page's origin is the
/// host it connected to, or it is one of `allowed`.
fn origin_allowed(origin: Option<&HeaderValue>, host: Option<&str>, allowed: &[Origin]) -> bool {
    let Some(origin) = origin else {
        return true;
    };
    let Some(origin) = origin.to_str().ok().and_then(Origin::parse) else {
        return false;
    };
    host.is_some_and(|host| origin.is_host(host)) || allowed.contains(&origin)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn allowed(origin: Option<&str>, host: &str, listed: &[&str]) -> bool {
        let origin = origin.map(|o| HeaderValue::from_str(o).unwrap());
        let listed: Vec<Origin> = listed.iter().map(|o| Origin::parse(o).unwrap()).collect();
        origin_allowed(origin.as_ref(), Some(host), &listed)
    }

    #[test]
    fn origins_that_may_open_the_socket() {
        // Not a browser.
        assert!(allowed(None, "api.example", &[]));
        // Same origin, written in several ways.
        assert!(allowed(
            Some("http://127.0.0.1:8000"),
            "127.0.0.1:8000",
            &[]
        ));
        assert!(allowed(
            Some("https://Vitals.example"),
            "vitals.example",
            &[]
        ));
        assert!(allowed(
            Some("https://vitals.example"),
            "vitals.example:443",
            &[]
        ));
        assert!(allowed(Some("http://[::1]:8000"), "[::1]:8000", &[]));
        // Listed.
        let listed = ["https://app.example", "http://localhost:8080/some/path"];
        assert!(allowed(Some("https://app.example"), "api.example", &listed));
        assert!(allowed(
            Some("http://localhost:8080"),
            "api.example",
            &listed
        ));
        // Anything else.
        assert!(!allowed(
            Some("https://evil.example"),
            "vitals.example",
            &listed
        ));
        assert!(!allowed(
            Some("http://127.0.0.1:9999"),
            "127.0.0.1:8000",
            &[]
        ));
        assert!(!allowed(Some("http://app.example"), "api.example", &listed));
        assert!(!allowed(Some("null"), "vitals.example", &[]));
        assert!(!allowed(Some("garbage"), "vitals.example", &[]));
    }
}
