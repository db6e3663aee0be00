use std::net::SocketAddr;

use async_graphql::Data;
use async_graphql::http::ALL_WEBSOCKET_PROTOCOLS;
use async_graphql_axum::{GraphQLProtocol, GraphQLRequest, GraphQLResponse, GraphQLWebSocket};
use axum::extract::{ConnectInfo, State, WebSocketUpgrade};
use axum::http::{HeaderMap, header};
use axum::response::Response;

use super::AppState;
use crate::auth::ClientInfo;
use crate::graphql::{self, RequestAuth};

/// One operation per request: `GraphQLRequest` refuses JSON arrays, so a batch
/// cannot multiply the work of a single HTTP request.
pub async fn post(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    request: GraphQLRequest,
) -> GraphQLResponse {
    let authorization = header_str(&headers, header::AUTHORIZATION.as_str());
    let client = client_info(&state, &headers, peer);
    let request = request
        .into_inner()
        .data(RequestAuth::new(authorization, client));
    graphql::execute(&state.schema, request).await.into()
}

/// graphql-ws / graphql-transport-ws. Credentials travel in the
/// `connection_init` payload (`{"Authorization": "Bearer ..."}`), since
/// browsers cannot set headers on a WebSocket.
pub async fn websocket(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    protocol: GraphQLProtocol,
    upgrade: WebSocketUpgrade,
) -> Response {
    let client = client_info(&state, &headers, peer);
    let schema = state.schema.clone();
    upgrade
        .protocols(ALL_WEBSOCKET_PROTOCOLS)
        .max_message_size(super::MAX_BODY_BYTES)
        .on_upgrade(move |socket| {
            GraphQLWebSocket::new(socket, schema, protocol)
                .on_connection_init(move |payload| async move {
                    let authorization = ["Authorization", "authorization"]
                        .iter()
                        .find_map(|key| payload.get(*key)?.as_str())
                        .map(str::to_owned);
                    let mut data = Data::default();
                    data.insert(RequestAuth::for_connection(authorization, client));
                    Ok(data)
                })
                .serve()
        })
}

fn header_str(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

/// The last entry of the last `X-Forwarded-For` line: the one our proxy added.
fn last_forwarded_for(headers: &HeaderMap) -> Option<String> {
    let last_line = headers.get_all("x-forwarded-for").iter().next_back()?;
    let entry = last_line.to_str().ok()?.rsplit(',').next()?.trim();
    entry.parse::<std::net::IpAddr>().ok()?;
    Some(entry.to_owned())
}

fn client_info(state: &AppState, headers: &HeaderMap, peer: SocketAddr) -> ClientInfo {
    // nginx appends the address it saw to X-Forwarded-For, so only the last
    // entry is trustworthy; earlier ones are whatever the client sent.
    let forwarded = state
        .trust_forwarded_for
        .then(|| last_forwarded_for(headers))
        .flatten();
    ClientInfo {
        user_agent: header_str(headers, header::USER_AGENT.as_str()),
        ip_address: Some(forwarded.unwrap_or_else(|| peer.ip().to_string())),
    }
}
