//! Tests for `net`: URL and `NO_PROXY` tables, proxy variables, and connections to
//! in-process loopback servers (TLS with the committed test certificates in
//! `tests/certs/`, a silent listener, a tiny CONNECT proxy). No outside network, no
//! process environment: every config is built from explicit values. The certificate
//! helpers live in `server`, shared with the `client` and `oauth` tests.

mod connect;
mod no_proxy;
mod proxy;
mod tls;
mod url;

use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::{mpsc, Arc};
use std::thread;

use claude_token::net::{self, Options, ProxyConfig, Url};
use rustls::{ServerConfig, ServerConnection, StreamOwned};

pub use crate::server::{cert_path, read_until_blank_line, trusting_test_ca};
use crate::server::{server_config, SERVER_PATIENCE};

/// Each test server accepts at most this many connections, then its thread ends.
const MAX_ACCEPTS: usize = 4;

pub fn options(tls: Arc<rustls::ClientConfig>) -> Options {
    Options::new(tls, ProxyConfig::direct())
}

pub fn url(text: &str) -> Url {
    Url::parse(text).expect("test url parses")
}

/// What a test TLS server does once the handshake is done.
#[derive(Clone, Copy)]
pub enum Behaviour {
    /// Reads a request head, answers `HTTP/1.1 200` with body `hello`, closes.
    Answer,
    /// Says nothing more (holds the connection until the client goes away).
    Silent,
}

/// Starts a TLS server on `bind` (port 0) presenting `tests/certs/<cert>.pem`.
pub fn tls_server_on(bind: &str, cert: &str, behaviour: Behaviour) -> SocketAddr {
    let listener = TcpListener::bind(bind).expect("bind loopback");
    let addr = listener.local_addr().expect("local addr");
    let config = server_config(cert);
    thread::spawn(move || {
        for sock in listener.incoming().take(MAX_ACCEPTS).flatten() {
            let config = Arc::clone(&config);
            thread::spawn(move || serve_tls(sock, config, behaviour));
        }
    });
    addr
}

pub fn tls_server(cert: &str, behaviour: Behaviour) -> SocketAddr {
    tls_server_on("127.0.0.1:0", cert, behaviour)
}

fn serve_tls(sock: TcpStream, config: Arc<ServerConfig>, behaviour: Behaviour) {
    sock.set_read_timeout(Some(SERVER_PATIENCE))
        .expect("timeout");
    let conn = ServerConnection::new(config).expect("server connection");
    let mut tls = StreamOwned::new(conn, sock);
    match behaviour {
        // Failed handshakes (the client rejecting our certificate) end here quietly.
        Behaviour::Answer => {
            if answer(&mut tls).is_ok() {
                tls.conn.send_close_notify();
                let _ = tls.flush();
            }
        }
        Behaviour::Silent => {
            while tls.conn.is_handshaking() {
                if tls.conn.complete_io(&mut tls.sock).is_err() {
                    return;
                }
            }
            let _ = tls.read(&mut [0u8; 64]);
        }
    }
}

/// Reads a request head and answers it with a small fixed response.
fn answer(stream: &mut impl ReadWrite) -> io::Result<()> {
    read_until_blank_line(stream)?;
    stream.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello")?;
    stream.flush()
}

pub trait ReadWrite: Read + Write {}
impl<T: Read + Write> ReadWrite for T {}

/// A plain-TCP server on 127.0.0.1 that answers one HTTP-ish request.
pub fn plain_server() -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind loopback");
    let addr = listener.local_addr().expect("local addr");
    thread::spawn(move || {
        if let Some(Ok(mut sock)) = listener.incoming().next() {
            sock.set_read_timeout(Some(SERVER_PATIENCE))
                .expect("timeout");
            let _ = answer(&mut sock);
        }
    });
    addr
}

/// Sends a request over `conn` and returns the whole response as text.
pub fn exchange(conn: &mut net::Connection, host: &str) -> String {
    let request = format!("GET / HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n");
    conn.write_all(request.as_bytes()).expect("request written");
    conn.flush().expect("flushed");
    let mut response = Vec::new();
    conn.read_to_end(&mut response).expect("response read");
    String::from_utf8(response).expect("utf-8 response")
}

/// A port on 127.0.0.1 that nothing listens on (bound, then released).
pub fn closed_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind loopback");
    listener.local_addr().expect("local addr").port()
}

/// A test proxy: accepts one connection, sends the request head it got to the test,
/// answers with `answer`, and on 2xx splices bytes to `upstream` both ways.
pub fn proxy_server(
    answer: &'static str,
    upstream: Option<SocketAddr>,
) -> (SocketAddr, mpsc::Receiver<String>) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind loopback");
    let addr = listener.local_addr().expect("local addr");
    let (tx, rx) = mpsc::channel();
    thread::spawn(move || {
        let Some(Ok(mut client)) = listener.incoming().next() else {
            return;
        };
        client
            .set_read_timeout(Some(SERVER_PATIENCE))
            .expect("timeout");
        let Ok(head) = read_until_blank_line(&mut client) else {
            return;
        };
        let _ = tx.send(head);
        if client.write_all(answer.as_bytes()).is_err() {
            return;
        }
        let success = answer
            .split(' ')
            .nth(1)
            .is_some_and(|status| status.starts_with('2'));
        if let Some(upstream) = upstream.filter(|_| success) {
            splice(
                client,
                TcpStream::connect(upstream).expect("upstream reachable"),
            );
        }
    });
    (addr, rx)
}

fn splice(client: TcpStream, upstream: TcpStream) {
    let (mut client_r, mut upstream_w) = (
        client.try_clone().expect("clone"),
        upstream.try_clone().expect("clone"),
    );
    let up = thread::spawn(move || {
        let _ = io::copy(&mut client_r, &mut upstream_w);
        let _ = upstream_w.shutdown(std::net::Shutdown::Write);
    });
    let (mut upstream_r, mut client_w) = (upstream, client);
    let _ = io::copy(&mut upstream_r, &mut client_w);
    let _ = client_w.shutdown(std::net::Shutdown::Write);
    let _ = up.join();
}
