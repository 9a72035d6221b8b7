//! Loopback test servers shared by the `net`, `client` and `oauth` tests: the rustls
//! server config made from the committed certificates in `tests/certs/`, and a scripted
//! HTTPS server that answers each connection with the next [`Reply`] and hands the
//! request it read to the test. No outside network, no process environment.

use std::fmt::Write as _;
use std::io::{self, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::path::PathBuf;
use std::sync::{mpsc, Arc};
use std::thread;
use std::time::Duration;

use claude_token::net;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::{ServerConfig, ServerConnection, StreamOwned};

/// A server-side socket gives up on a silent client after this long.
pub const SERVER_PATIENCE: Duration = Duration::from_secs(10);

pub fn cert_path(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/certs")
        .join(name)
}

/// A client config trusting the webpki roots plus the test CA.
pub fn trusting_test_ca() -> Arc<rustls::ClientConfig> {
    net::config_with_roots(net::load_roots(&cert_path("ca.pem")).expect("test CA loads"))
}

/// A server config presenting `tests/certs/<name>.pem` with its key.
pub fn server_config(name: &str) -> Arc<ServerConfig> {
    let chain: Vec<CertificateDer<'static>> =
        CertificateDer::pem_file_iter(cert_path(&format!("{name}.pem")))
            .expect("cert file opens")
            .collect::<Result<_, _>>()
            .expect("cert parses");
    let key = PrivateKeyDer::from_pem_file(cert_path(&format!("{name}.key"))).expect("key parses");
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("tls versions")
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .expect("server cert and key match");
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Arc::new(config)
}

/// What the scripted server does with one connection, after reading the request.
#[derive(Clone)]
pub enum Reply {
    /// Writes these bytes, sends `close_notify`, closes.
    Bytes(Vec<u8>),
    /// Writes these bytes and closes the socket without `close_notify`.
    BytesThenCut(Vec<u8>),
    /// Writes these bytes, then waits (up to [`SERVER_PATIENCE`]) for the client to go.
    BytesThenHold(Vec<u8>),
    /// Writes `head`, then `chunk` up to `count` times, stopping when a write fails.
    Stream {
        head: Vec<u8>,
        chunk: Vec<u8>,
        count: usize,
    },
    /// Runs the hook once the request is read (the client is waiting), then replies.
    After(Arc<dyn Fn() + Send + Sync>, Box<Reply>),
}

impl Reply {
    /// This reply run after `hook`.
    pub fn after(self, hook: impl Fn() + Send + Sync + 'static) -> Reply {
        Reply::After(Arc::new(hook), Box::new(self))
    }

    /// The reply that is finally written (past any hook).
    fn written(&self) -> &Reply {
        match self {
            Reply::After(_, inner) => inner.written(),
            other => other,
        }
    }
}

/// An answer with a Content-Length body.
pub fn reply(status: u16, headers: &[&str], body: &str) -> Reply {
    let mut out = format!("HTTP/1.1 {status} Test\r\n");
    for header in headers {
        out.push_str(header);
        out.push_str("\r\n");
    }
    let _ = write!(out, "Content-Length: {}\r\n\r\n{body}", body.len());
    Reply::Bytes(out.into_bytes())
}

/// A JSON answer with a Content-Length body.
pub fn json(status: u16, body: &str) -> Reply {
    reply(status, &["Content-Type: application/json"], body)
}

/// A JSON answer in chunks of at most `size` bytes, with a chunk extension and a trailer.
pub fn chunked_json(status: u16, body: &str, size: usize) -> Reply {
    let mut out = format!(
        "HTTP/1.1 {status} Test\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
    );
    for piece in body.as_bytes().chunks(size) {
        let _ = write!(out, "{:x};ext=1\r\n", piece.len());
        out.push_str(std::str::from_utf8(piece).expect("ascii test body"));
        out.push_str("\r\n");
    }
    out.push_str("0\r\nX-Trailer: yes\r\n\r\n");
    Reply::Bytes(out.into_bytes())
}

/// A request as the server read it.
#[derive(Debug, Clone)]
pub struct Captured {
    pub method: String,
    pub target: String,
    /// Header lines in order, as sent.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Captured {
    /// The value of header `name` (ASCII case-insensitive); panics when it repeats.
    pub fn header(&self, name: &str) -> Option<&str> {
        let mut found = self
            .headers
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case(name));
        let first = found.next().map(|(_, v)| v.as_str());
        assert!(found.next().is_none(), "header {name} repeats");
        first
    }
}

/// A scripted HTTPS (or plain) server on 127.0.0.1.
pub struct Server {
    pub addr: SocketAddr,
    requests: mpsc::Receiver<Captured>,
}

impl Server {
    /// Serves one connection per reply, in order, over TLS with `tests/certs/<cert>.pem`.
    pub fn tls(cert: &str, replies: Vec<Reply>) -> Server {
        Server::start(Some(server_config(cert)), replies)
    }

    /// Serves one connection per reply over plain TCP.
    pub fn plain(replies: Vec<Reply>) -> Server {
        Server::start(None, replies)
    }

    fn start(config: Option<Arc<ServerConfig>>, replies: Vec<Reply>) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind loopback");
        let addr = listener.local_addr().expect("local addr");
        let (tx, requests) = mpsc::channel();
        thread::spawn(move || {
            for (sock, reply) in listener.incoming().zip(replies) {
                let Ok(sock) = sock else { return };
                let (config, tx) = (config.clone(), tx.clone());
                thread::spawn(move || serve(sock, config, &reply, &tx));
            }
        });
        Server { addr, requests }
    }

    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    /// `https://localhost:<port><path>`.
    pub fn url(&self, path: &str) -> String {
        format!("https://localhost:{}{path}", self.port())
    }

    /// The next request the server read (waits up to [`SERVER_PATIENCE`]).
    pub fn request(&self) -> Captured {
        self.requests
            .recv_timeout(SERVER_PATIENCE)
            .expect("the server got a request")
    }

    /// Every request that arrived and was not taken yet; call only after the client is
    /// done.
    pub fn received(&self) -> Vec<Captured> {
        self.requests.try_iter().collect()
    }

    /// Whether another request arrived; call only after the client is done.
    pub fn got_another_request(&self) -> bool {
        self.requests.try_recv().is_ok()
    }
}

fn serve(
    sock: TcpStream,
    config: Option<Arc<ServerConfig>>,
    reply: &Reply,
    tx: &mpsc::Sender<Captured>,
) {
    sock.set_read_timeout(Some(SERVER_PATIENCE))
        .expect("timeout");
    if let Some(config) = config {
        let conn = ServerConnection::new(config).expect("server connection");
        let mut tls = StreamOwned::new(conn, sock);
        // A client that rejects our certificate ends the exchange here.
        if exchange(&mut tls, reply, tx).is_ok() && matches!(reply.written(), Reply::Bytes(_)) {
            tls.conn.send_close_notify();
            let _ = tls.flush();
        }
        let _ = tls.sock.shutdown(Shutdown::Both);
    } else {
        let mut sock = sock;
        let _ = exchange(&mut sock, reply, tx);
        let _ = sock.shutdown(Shutdown::Both);
    }
}

fn exchange(
    stream: &mut (impl Read + Write),
    reply: &Reply,
    tx: &mpsc::Sender<Captured>,
) -> io::Result<()> {
    let request = read_request(stream)?;
    let _ = tx.send(request);
    if let Reply::After(hook, _) = reply {
        hook();
    }
    match reply.written() {
        Reply::Bytes(bytes) | Reply::BytesThenCut(bytes) => write_flush(stream, bytes),
        Reply::BytesThenHold(bytes) => {
            write_flush(stream, bytes)?;
            let _ = stream.read(&mut [0u8; 64]);
            Ok(())
        }
        Reply::Stream { head, chunk, count } => {
            write_flush(stream, head)?;
            for _ in 0..*count {
                write_flush(stream, chunk)?;
            }
            Ok(())
        }
        Reply::After(..) => unreachable!("written() looks past every hook"),
    }
}

fn write_flush(stream: &mut impl Write, bytes: &[u8]) -> io::Result<()> {
    stream.write_all(bytes)?;
    stream.flush()
}

/// Reads a request head (byte by byte up to CRLF CRLF) and a Content-Length body.
pub fn read_request(stream: &mut impl Read) -> io::Result<Captured> {
    let head = read_until_blank_line(stream)?;
    let mut lines = head.split("\r\n");
    let mut start = lines.next().unwrap_or_default().split(' ');
    let method = start.next().unwrap_or_default().to_owned();
    let target = start.next().unwrap_or_default().to_owned();
    let headers: Vec<(String, String)> = lines
        .filter(|line| !line.is_empty())
        .map(|line| {
            let (name, value) = line.split_once(':').unwrap_or((line, ""));
            (name.to_owned(), value.trim().to_owned())
        })
        .collect();
    let length = headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case("content-length"))
        .map_or(0, |(_, v)| {
            v.parse::<usize>().expect("numeric content-length")
        });
    let mut body = vec![0; length];
    stream.read_exact(&mut body)?;
    Ok(Captured {
        method,
        target,
        headers,
        body,
    })
}

/// Reads byte by byte up to CRLF CRLF; returns the head as text.
pub fn read_until_blank_line(stream: &mut impl Read) -> io::Result<String> {
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        if stream.read(&mut byte)? == 0 {
            return Err(io::ErrorKind::UnexpectedEof.into());
        }
        head.push(byte[0]);
    }
    String::from_utf8(head).map_err(|_| io::ErrorKind::InvalidData.into())
}
