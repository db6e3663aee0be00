use std::net::{IpAddr, SocketAddr};

use ipnet::IpNet;

use async_graphql::Executor;
use async_graphql_axum::{GraphQLRequest, GraphQLResponse};
use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Response};

use super::AppState;
use super::media::{Answer, JsonRequest};
use crate::domain::ClientInfo;
use crate::graphql::RequestAuth;

/// One operation per request: `GraphQLRequest` refuses JSON arrays, so a batch
/// cannot multiply the work of a single HTTP request. The body must be JSON
/// (415 otherwise) and `Accept` must allow an answer (406 otherwise), both
/// checked before the body is read.
pub async fn post(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    _json: JsonRequest,
    answer: Answer,
    request: GraphQLRequest,
) -> Response {
    let authorization = header_str(&headers, header::AUTHORIZATION).map(str::to_owned);
    let client = client_info(&state, &headers, peer);
    let request = request
        .into_inner()
        .data(RequestAuth::new(authorization, client));
    let mut response = GraphQLResponse::from(state.schema.execute(request).await).into_response();
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, answer.content_type());
    response
}

fn header_str(headers: &HeaderMap, name: header::HeaderName) -> Option<&str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// The client's address. A request from one of our proxies carries it in
/// `X-Forwarded-For`, where each hop appended the address it saw: reading
/// from the right, the first address that is not one of our proxies is the
/// client. Entries left of it are whatever the client sent, never trusted.
fn client_address(trusted: &[IpNet], headers: &HeaderMap, peer: IpAddr) -> IpAddr {
    let is_trusted = |ip: &IpAddr| trusted.iter().any(|net| net.contains(ip));
    let mut client = peer;
    if !is_trusted(&peer) {
        return client;
    }
    let hops = headers
        .get_all("x-forwarded-for")
        .iter()
        .rev()
        .flat_map(|line| line.to_str().unwrap_or_default().rsplit(','));
    for hop in hops {
        // Garbage ends the walk: the last good hop is the best we know.
        let Ok(ip) = hop.trim().parse::<IpAddr>() else {
            break;
        };
        client = ip;
        if !is_trusted(&ip) {
            break;
        }
    }
    client
}

pub(super) fn client_info(state: &AppState, headers: &HeaderMap, peer: SocketAddr) -> ClientInfo {
    let address = client_address(&state.trusted_proxies, headers, peer.ip()).to_string();
    ClientInfo::new(header_str(headers, header::USER_AGENT), Some(&address))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn address(trusted: &[&str], forwarded: &[&str], peer: &str) -> String {
        let trusted: Vec<IpNet> = trusted.iter().map(|t| t.parse().unwrap()).collect();
        let mut headers = HeaderMap::new();
        for line in forwarded {
            headers.append("x-forwarded-for", line.parse().unwrap());
        }
        client_address(&trusted, &headers, peer.parse().unwrap()).to_string()
    }

    #[test]
    fn forwarded_for_counts_only_from_trusted_proxies() {
        // No proxies configured, or a peer that is not one: the peer.
        assert_eq!(address(&[], &["1.2.3.4"], "9.9.9.9"), "9.9.9.9");
        assert_eq!(address(&["10.0.0.0/8"], &["1.2.3.4"], "9.9.9.9"), "9.9.9.9");
        // Behind our proxy: the hop it appended, not what the client claimed.
        let proxy = ["10.0.0.0/8"];
        assert_eq!(
            address(&proxy, &["6.6.6.6, 1.2.3.4"], "10.0.0.2"),
            "1.2.3.4"
        );
        assert_eq!(
            address(&proxy, &["6.6.6.6", "1.2.3.4"], "10.0.0.2"),
            "1.2.3.4"
        );
        // Through two of our proxies.
        assert_eq!(
            address(&proxy, &["1.2.3.4, 10.0.0.7"], "10.0.0.2"),
            "1.2.3.4"
        );
        // Garbage or nothing from the proxy: the last address known.
        assert_eq!(address(&proxy, &["junk, 10.0.0.7"], "10.0.0.2"), "10.0.0.7");
        assert_eq!(address(&proxy, &[], "10.0.0.2"), "10.0.0.2");
        assert_eq!(
            address(&["::1/128"], &["2001:db8::1"], "::1"),
            "2001:db8::1"
        );
    }
}
