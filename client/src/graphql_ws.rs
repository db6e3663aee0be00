//! One GraphQL subscription over a WebSocket, spoken in the
//! graphql-transport-ws protocol (the service's `/graphql/ws`). Browsers
//! cannot put headers on a WebSocket, so credentials go in the
//! `connection_init` payload. Only the session store uses it (session.rs);
//! what the events mean is its business.

use futures::StreamExt;
use futures::channel::mpsc;
use serde::Deserialize;
use serde_json::{Value, json};
use wasm_bindgen::JsCast;
use wasm_bindgen::closure::Closure;
use web_sys::{MessageEvent, WebSocket};

const PROTOCOL: &str = "graphql-transport-ws";
/// The one operation a connection carries.
const OPERATION_ID: &str = "1";

/// What the subscription reports.
#[derive(Debug, PartialEq)]
pub enum Event {
    /// A result: `{ data, errors }`.
    Next(Value),
    /// The operation failed: a list of GraphQL errors.
    Error(Value),
    /// The stream ended on the service's side.
    Complete,
    /// The connection closed, or never opened.
    Closed,
}

/// The server's messages, by their `type`.
#[derive(Debug, PartialEq)]
enum ServerMessage {
    ConnectionAck,
    Ping,
    Next { payload: Value },
    Error { payload: Value },
    Complete,
    Other,
}

fn parse(text: &str) -> ServerMessage {
    // Read as a plain struct, then matched: serde's internally tagged enum
    // would buffer each message first, and its buffer's decoder would be in
    // the wasm for this alone.
    #[derive(Deserialize)]
    struct Message {
        r#type: String,
        #[serde(default)]
        payload: Value,
    }
    let Ok(Message { r#type, payload }) = serde_json::from_str(text) else {
        return ServerMessage::Other;
    };
    match r#type.as_str() {
        "connection_ack" => ServerMessage::ConnectionAck,
        "ping" => ServerMessage::Ping,
        "next" => ServerMessage::Next { payload },
        "error" => ServerMessage::Error { payload },
        "complete" => ServerMessage::Complete,
        _ => ServerMessage::Other,
    }
}

/// `ws://host/graphql/ws`, or `wss://` when the page came over HTTPS.
pub fn endpoint(page_protocol: &str, host: &str) -> String {
    let scheme = if page_protocol == "https:" {
        "wss"
    } else {
        "ws"
    };
    format!("{scheme}://{host}/graphql/ws")
}

/// The endpoint of the page's own origin (through the same proxy).
pub fn endpoint_here() -> Option<String> {
    let location = web_sys::window()?.location();
    Some(endpoint(&location.protocol().ok()?, &location.host().ok()?))
}

enum Incoming {
    Opened,
    Text(String),
    Closed,
}

/// An open subscription; dropping it closes the socket.
pub struct Subscription {
    socket: WebSocket,
    incoming: mpsc::UnboundedReceiver<Incoming>,
    connection_payload: Value,
    operation: Value,
    // The socket calls these until it is dropped.
    _on_open: Closure<dyn FnMut()>,
    _on_message: Closure<dyn FnMut(MessageEvent)>,
    _on_close: Closure<dyn FnMut()>,
}

impl Subscription {
    /// Connects to `url` and, once the server accepts `connection_payload`,
    /// subscribes to `operation` (a `{ query, variables }` body).
    pub fn open(url: &str, connection_payload: Value, operation: Value) -> Option<Self> {
        let socket = WebSocket::new_with_str(url, PROTOCOL).ok()?;
        let (sender, incoming) = mpsc::unbounded();
        let on_open = {
            let sender = sender.clone();
            Closure::<dyn FnMut()>::new(move || {
                let _ = sender.unbounded_send(Incoming::Opened);
            })
        };
        let on_message = {
            let sender = sender.clone();
            Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
                if let Some(text) = event.data().as_string() {
                    let _ = sender.unbounded_send(Incoming::Text(text));
                }
            })
        };
        // An error event is always followed by a close event, so one handler
        // serves both.
        let on_close = Closure::<dyn FnMut()>::new(move || {
            let _ = sender.unbounded_send(Incoming::Closed);
        });
        socket.set_onopen(Some(on_open.as_ref().unchecked_ref()));
        socket.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        socket.set_onclose(Some(on_close.as_ref().unchecked_ref()));
        socket.set_onerror(Some(on_close.as_ref().unchecked_ref()));
        Some(Self {
            socket,
            incoming,
            connection_payload,
            operation,
            _on_open: on_open,
            _on_message: on_message,
            _on_close: on_close,
        })
    }

    /// The next event, after whatever handshake and keep-alive the protocol
    /// needs meanwhile.
    pub async fn next(&mut self) -> Event {
        loop {
            let text = match self.incoming.next().await {
                None | Some(Incoming::Closed) => return Event::Closed,
                Some(Incoming::Opened) => {
                    let payload = self.connection_payload.take();
                    self.send(json!({ "type": "connection_init", "payload": payload }));
                    continue;
                }
                Some(Incoming::Text(text)) => text,
            };
            match parse(&text) {
                ServerMessage::ConnectionAck => {
                    let payload = self.operation.take();
                    self.send(
                        json!({ "id": OPERATION_ID, "type": "subscribe", "payload": payload }),
                    );
                }
                ServerMessage::Ping => self.send(json!({ "type": "pong" })),
                ServerMessage::Next { payload } => return Event::Next(payload),
                ServerMessage::Error { payload } => return Event::Error(payload),
                ServerMessage::Complete => return Event::Complete,
                ServerMessage::Other => {}
            }
        }
    }

    fn send(&self, message: Value) {
        let _ = self.socket.send_with_str(&message.to_string());
    }
}

impl Drop for Subscription {
    fn drop(&mut self) {
        // The handlers are freed with this struct: the socket must not call
        // them afterwards.
        self.socket.set_onopen(None);
        self.socket.set_onmessage(None);
        self.socket.set_onclose(None);
        self.socket.set_onerror(None);
        let _ = self.socket.close_with_code(1000);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_endpoint_follows_the_page() {
        assert_eq!(
            endpoint("http:", "127.0.0.1:8080"),
            "ws://127.0.0.1:8080/graphql/ws"
        );
        assert_eq!(
            endpoint("https:", "vitals.example"),
            "wss://vitals.example/graphql/ws"
        );
    }

    #[test]
    fn server_messages_parse_by_type() {
        assert_eq!(
            parse(r#"{"type":"connection_ack"}"#),
            ServerMessage::ConnectionAck
        );
        assert_eq!(
            parse(r#"{"type":"ping","payload":{}}"#),
            ServerMessage::Ping
        );
        assert_eq!(
            parse(r#"{"id":"1","type":"next","payload":{"data":{"x":1}}}"#),
            ServerMessage::Next {
                payload: json!({ "data": { "x": 1 } })
            }
        );
        assert_eq!(
            parse(r#"{"id":"1","type":"error","payload":[{"message":"no"}]}"#),
            ServerMessage::Error {
                payload: json!([{ "message": "no" }])
            }
        );
        assert_eq!(
            parse(r#"{"id":"1","type":"complete"}"#),
            ServerMessage::Complete
        );
        assert_eq!(parse(r#"{"type":"pong"}"#), ServerMessage::Other);
        assert_eq!(parse("not json"), ServerMessage::Other);
    }
}
