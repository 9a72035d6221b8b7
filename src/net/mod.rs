//! Network transport: from a URL to an open, verified byte stream, within a deadline.
//!
//! [`connect`] resolves and connects (`tcp`), tunnels through an `http://` proxy when the
//! environment names one (`proxy`, `no_proxy`), and runs the TLS handshake (`tls`); the
//! resulting [`Connection`] is `Read + Write` and bounds every operation by the request's
//! [`Deadline`]. Plain `http://` exists for loopback test servers only (`url`).
//! This module never builds or parses HTTP messages (that is `crate::http`), never logs,
//! and never puts a token or a password into an error.

mod error;
mod no_proxy;
mod proxy;
mod tcp;
mod tls;
mod url;

pub use error::{tls_reason, Error, Phase, TlsReason};
pub use no_proxy::NoProxy;
pub use proxy::{
    base64, read_head, status, Proxy, ProxyConfig, NO_PROXY_VARIABLES, PROXY_VARIABLES,
};
pub use tcp::Deadline;
pub use tls::{client_config, config_from_cert_file, config_with_roots, load_roots};
pub use url::{Host, Scheme, Url};

use std::fmt;
use std::io::{self, Read, Write};
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use rustls::pki_types::ServerName;
use rustls::{ClientConfig, ClientConnection, StreamOwned};

use tcp::DeadlineStream;

/// How long one request may take in all, unless the caller says otherwise.
pub const DEFAULT_BUDGET: Duration = Duration::from_secs(30);
/// How long one address may take to accept a connection.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// How long one read or write may wait for the peer.
pub const DEFAULT_IO_TIMEOUT: Duration = Duration::from_secs(20);

/// Everything [`connect`] needs besides the URL.
#[derive(Clone)]
pub struct Options {
    /// Bounds the whole request: connect, handshake, and every later read and write.
    pub deadline: Deadline,
    pub connect_timeout: Duration,
    pub io_timeout: Duration,
    pub proxy: ProxyConfig,
    pub tls: Arc<ClientConfig>,
}

impl Options {
    /// Default timeouts, a deadline [`DEFAULT_BUDGET`] from now.
    pub fn new(tls: Arc<ClientConfig>, proxy: ProxyConfig) -> Options {
        Options {
            deadline: Deadline::after(DEFAULT_BUDGET),
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            io_timeout: DEFAULT_IO_TIMEOUT,
            proxy,
            tls,
        }
    }

    /// TLS roots from `SSL_CERT_FILE`, proxy from the proxy variables, default timeouts.
    pub fn from_env() -> Result<Options, Error> {
        Ok(Options::new(client_config()?, ProxyConfig::from_env()?))
    }
}

impl fmt::Debug for Options {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Options")
            .field("deadline", &self.deadline)
            .field("connect_timeout", &self.connect_timeout)
            .field("io_timeout", &self.io_timeout)
            .field("proxy", &self.proxy)
            .finish_non_exhaustive()
    }
}

/// An open connection to the URL's origin: TLS, or plain TCP to a loopback host.
pub struct Connection {
    host: String,
    inner: Inner,
}

enum Inner {
    Plain(DeadlineStream),
    Tls(Box<StreamOwned<ClientConnection, DeadlineStream>>),
}

/// Opens a connection to `url`'s host and port, through a proxy when `opts` names one
/// for it, and completes the TLS handshake for `https`.
pub fn connect(url: &Url, opts: &Options) -> Result<Connection, Error> {
    if url.scheme() == Scheme::Http && !url.host().is_loopback() {
        return Err(Error::InsecureScheme {
            host: url.host().to_string(),
        });
    }
    let proxy = opts.proxy.proxy_for(url);
    let (host, port) = proxy.map_or((url.host(), url.port()), |p| (p.host(), p.port()));
    let sock = tcp::connect(host, port, opts.connect_timeout, opts.deadline)?;
    let mut stream = DeadlineStream::new(sock, opts.deadline, opts.io_timeout);
    if let Some(proxy) = proxy {
        proxy::tunnel(&mut stream, proxy, url.host(), url.port())?;
    }
    let host = url.host().to_string();
    match url.scheme() {
        Scheme::Http => Ok(Connection {
            host,
            inner: Inner::Plain(stream),
        }),
        Scheme::Https => handshake(url.host(), stream, &opts.tls),
    }
}

fn handshake(
    host: &Host,
    mut stream: DeadlineStream,
    config: &Arc<ClientConfig>,
) -> Result<Connection, Error> {
    let display = host.to_string();
    let tls_error = |err: &rustls::Error| Error::Tls {
        host: display.clone(),
        reason: tls_reason(err),
    };
    let mut conn =
        ClientConnection::new(Arc::clone(config), server_name(host)?).map_err(|e| tls_error(&e))?;
    stream.set_phase(Some(Phase::TlsHandshake));
    while conn.is_handshaking() {
        conn.complete_io(&mut stream)
            .map_err(|err| Error::from_io(lift_tls(err, &display), Phase::TlsHandshake))?;
    }
    stream.set_phase(None);
    Ok(Connection {
        host: display,
        inner: Inner::Tls(Box::new(StreamOwned::new(conn, stream))),
    })
}

/// SNI and certificate name: the DNS name, or the IP address (rustls sends no SNI then).
fn server_name(host: &Host) -> Result<ServerName<'static>, Error> {
    match host {
        Host::Domain(name) => ServerName::try_from(name.clone()).map_err(|_| Error::BadUrl {
            reason: "host name not usable for tls",
        }),
        Host::Ipv4(ip) => Ok(ServerName::from(IpAddr::V4(*ip))),
        Host::Ipv6(ip) => Ok(ServerName::from(IpAddr::V6(*ip))),
    }
}

/// rustls reports its errors inside an `io::Error`; re-wrap them as our `Tls` error with
/// the host name, so callers see one error type.
fn lift_tls(err: io::Error, host: &str) -> io::Error {
    match err.downcast::<rustls::Error>() {
        Ok(tls) => Error::Tls {
            host: host.to_owned(),
            reason: tls_reason(&tls),
        }
        .into_io(),
        Err(err) => err,
    }
}

impl Connection {
    /// The origin's host as written in the URL (IPv6 in brackets).
    pub fn host(&self) -> &str {
        &self.host
    }

    pub fn is_tls(&self) -> bool {
        matches!(self.inner, Inner::Tls(_))
    }

    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.stream().socket().peer_addr()
    }

    fn stream(&self) -> &DeadlineStream {
        match &self.inner {
            Inner::Plain(stream) => stream,
            Inner::Tls(tls) => &tls.sock,
        }
    }
}

impl fmt::Debug for Connection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Connection")
            .field("host", &self.host)
            .field("tls", &self.is_tls())
            .finish_non_exhaustive()
    }
}

/// Errors come out as `io::Error`s; [`Error::from_io`] turns them back into [`Error`].
impl Read for Connection {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match &mut self.inner {
            Inner::Plain(stream) => stream.read(buf),
            Inner::Tls(tls) => tls.read(buf).map_err(|err| lift_tls(err, &self.host)),
        }
    }
}

impl Write for Connection {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match &mut self.inner {
            Inner::Plain(stream) => stream.write(buf),
            Inner::Tls(tls) => tls.write(buf).map_err(|err| lift_tls(err, &self.host)),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match &mut self.inner {
            Inner::Plain(stream) => stream.flush(),
            Inner::Tls(tls) => tls.flush().map_err(|err| lift_tls(err, &self.host)),
        }
    }
}
