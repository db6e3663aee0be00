//! A real SMTP server for the tests, on loopback: it speaks enough of RFC
//! 5321 for lettre (EHLO, MAIL, RCPT, DATA, RSET, NOOP, QUIT) and keeps what
//! it receives. Started late, on a port the service already points at, it
//! stands in for a mail server coming back after an outage.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};

/// One delivered message, decoded.
#[derive(Clone, Debug)]
pub struct Delivered {
    pub to: String,
    pub subject: String,
    pub text: String,
    pub html: String,
}

#[derive(Clone, Default)]
pub struct SmtpSink {
    delivered: Arc<Mutex<Vec<Delivered>>>,
}

/// A loopback port with nothing listening on it (yet).
pub async fn free_port() -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    listener.local_addr().unwrap()
}

impl SmtpSink {
    pub async fn start() -> (Self, SocketAddr) {
        let addr = free_port().await;
        (Self::start_on(addr).await, addr)
    }

    pub async fn start_on(addr: SocketAddr) -> Self {
        let listener = TcpListener::bind(addr).await.unwrap();
        let sink = Self::default();
        let delivered = sink.delivered.clone();
        tokio::spawn(async move {
            loop {
                let (stream, _) = listener.accept().await.unwrap();
                tokio::spawn(converse(stream, delivered.clone()));
            }
        });
        sink
    }

    pub fn delivered(&self) -> Vec<Delivered> {
        self.delivered.lock().unwrap().clone()
    }
}

async fn converse(stream: TcpStream, delivered: Arc<Mutex<Vec<Delivered>>>) {
    let (read, mut write) = stream.into_split();
    let mut lines = BufReader::new(read).lines();
    let mut reply = async |text: &str| write.write_all(format!("{text}\r\n").as_bytes()).await;
    reply("220 sink.test ESMTP").await.unwrap();
    while let Ok(Some(line)) = lines.next_line().await {
        let verb = line.get(..4).unwrap_or(&line).to_ascii_uppercase();
        let answer = match verb.as_str() {
            "EHLO" | "HELO" => "250 sink.test",
            "MAIL" | "RCPT" | "RSET" | "NOOP" => "250 OK",
            "QUIT" => {
                let _ = reply("221 bye").await;
                return;
            }
            "DATA" => {
                reply("354 go ahead").await.unwrap();
                let mut raw = String::new();
                while let Ok(Some(line)) = lines.next_line().await {
                    if line == "." {
                        break;
                    }
                    // Dot-stuffing (RFC 5321 4.5.2).
                    raw.push_str(line.strip_prefix('.').unwrap_or(&line));
                    raw.push_str("\r\n");
                }
                delivered.lock().unwrap().push(decode(&raw));
                "250 queued"
            }
            _ => "502 not implemented",
        };
        if reply(answer).await.is_err() {
            return;
        }
    }
}

fn decode(raw: &str) -> Delivered {
    let message = mail_parser::MessageParser::default()
        .parse(raw.as_bytes())
        .expect("a parsable message");
    let to = message
        .to()
        .and_then(|to| to.first())
        .and_then(|addr| addr.address())
        .unwrap_or_default()
        .to_owned();
    Delivered {
        to,
        subject: message.subject().unwrap_or_default().to_owned(),
        text: message.body_text(0).unwrap_or_default().into_owned(),
        html: message.body_html(0).unwrap_or_default().into_owned(),
    }
}
