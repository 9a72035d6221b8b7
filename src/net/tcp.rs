//! TCP: resolving, connecting, and a socket that honours a deadline on every read and write.
//!
//! Every step is bounded by the caller's per-request [`Deadline`]: name resolution runs on
//! a helper thread we stop waiting for when the deadline passes, each address gets a
//! connect timeout but never past the deadline, and each read or write sets the socket
//! timeout to the smaller of the per-operation timeout and the time left. This module
//! never speaks TLS or HTTP.

use std::io::{self, Read, Write};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, TcpStream, ToSocketAddrs};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use super::url::Host;
use super::{Error, Phase};

/// The instant by which a whole request must be done.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Deadline(Instant);

impl Deadline {
    /// A deadline `budget` from now (a budget too large for the clock means a year).
    pub fn after(budget: Duration) -> Deadline {
        let now = Instant::now();
        Deadline(
            now.checked_add(budget)
                .unwrap_or(now + Duration::from_secs(365 * 86_400)),
        )
    }

    pub fn at(instant: Instant) -> Deadline {
        Deadline(instant)
    }

    pub fn instant(self) -> Instant {
        self.0
    }

    /// Time left, or `None` once the deadline has passed.
    pub fn remaining(self) -> Option<Duration> {
        self.0
            .checked_duration_since(Instant::now())
            .filter(|left| !left.is_zero())
    }

    /// The smaller of `limit` and the time left; a timeout in `phase` once nothing is left.
    pub fn bound(self, limit: Duration, phase: Phase) -> Result<Duration, Error> {
        let left = self.remaining().ok_or(Error::Timeout { phase })?;
        Ok(left.min(limit))
    }
}

/// Resolves `host` and connects to the first address that answers, in resolver order.
pub(crate) fn connect(
    host: &Host,
    port: u16,
    connect_timeout: Duration,
    deadline: Deadline,
) -> Result<TcpStream, Error> {
    let addrs = resolve(host, port, deadline)?;
    let mut last = None;
    for addr in &addrs {
        let limit = deadline.bound(connect_timeout, Phase::Connect)?;
        match TcpStream::connect_timeout(addr, limit) {
            Ok(sock) => {
                sock.set_nodelay(true).map_err(|source| Error::Io {
                    phase: Phase::Connect,
                    source,
                })?;
                return Ok(sock);
            }
            Err(err) => last = Some(err),
        }
    }
    deadline.bound(Duration::MAX, Phase::Connect)?;
    let source = last.unwrap_or_else(|| io::Error::other("no address to try"));
    Err(Error::Connect {
        host: host.to_string(),
        port,
        tried: addrs.len(),
        source,
    })
}

/// IP literals as they are; `localhost` to the loopback addresses without asking the
/// resolver (RFC 6761), so a stray hosts-file entry cannot send it elsewhere.
fn resolve(host: &Host, port: u16, deadline: Deadline) -> Result<Vec<SocketAddr>, Error> {
    match host {
        Host::Ipv4(ip) => Ok(vec![SocketAddr::new(IpAddr::V4(*ip), port)]),
        Host::Ipv6(ip) => Ok(vec![SocketAddr::new(IpAddr::V6(*ip), port)]),
        Host::Domain(name) if name == "localhost" => Ok(vec![
            SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), port),
            SocketAddr::new(IpAddr::V6(Ipv6Addr::LOCALHOST), port),
        ]),
        Host::Domain(name) => lookup(name, port, deadline),
    }
}

/// Asks the system resolver on a helper thread, because `getaddrinfo` takes no timeout.
/// When the deadline passes first we stop waiting; the thread ends on its own later.
fn lookup(name: &str, port: u16, deadline: Deadline) -> Result<Vec<SocketAddr>, Error> {
    let left = deadline.bound(Duration::MAX, Phase::Resolve)?;
    let (tx, rx) = mpsc::channel();
    let owned = name.to_owned();
    thread::Builder::new()
        .name("resolve".into())
        .spawn(move || {
            // The receiver may be gone after a timeout; nobody needs the answer then.
            let _ = tx.send((owned.as_str(), port).to_socket_addrs().map(Vec::from_iter));
        })
        .map_err(|source| Error::Io {
            phase: Phase::Resolve,
            source,
        })?;
    let dns = |source| Error::Dns {
        host: name.to_owned(),
        source,
    };
    match rx.recv_timeout(left) {
        Ok(Ok(addrs)) if addrs.is_empty() => Err(dns(io::Error::other("no addresses"))),
        Ok(Ok(addrs)) => Ok(addrs),
        Ok(Err(err)) => Err(dns(err)),
        Err(mpsc::RecvTimeoutError::Timeout) => Err(Error::Timeout {
            phase: Phase::Resolve,
        }),
        Err(mpsc::RecvTimeoutError::Disconnected) => Err(dns(io::Error::other("resolver failed"))),
    }
}

/// A TCP socket whose every read and write is bounded by a per-operation timeout and the
/// deadline. A timeout comes out as an `io::Error` carrying [`Error::Timeout`].
#[derive(Debug)]
pub(crate) struct DeadlineStream {
    sock: TcpStream,
    deadline: Deadline,
    io_timeout: Duration,
    /// When set, names the phase of both reads and writes (the proxy and TLS handshakes).
    phase: Option<Phase>,
}

impl DeadlineStream {
    pub(crate) fn new(sock: TcpStream, deadline: Deadline, io_timeout: Duration) -> DeadlineStream {
        DeadlineStream {
            sock,
            deadline,
            io_timeout,
            phase: None,
        }
    }

    pub(crate) fn set_phase(&mut self, phase: Option<Phase>) {
        self.phase = phase;
    }

    pub(crate) fn socket(&self) -> &TcpStream {
        &self.sock
    }

    fn limit(&self, phase: Phase) -> io::Result<Duration> {
        self.deadline
            .bound(self.io_timeout, phase)
            .map_err(Error::into_io)
    }
}

/// The socket reports an expired timeout as `WouldBlock` (Unix) or `TimedOut` (Windows).
fn timed_out(err: io::Error, phase: Phase) -> io::Error {
    match err.kind() {
        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut => Error::Timeout { phase }.into_io(),
        _ => err,
    }
}

impl Read for DeadlineStream {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let phase = self.phase.unwrap_or(Phase::Read);
        loop {
            self.sock.set_read_timeout(Some(self.limit(phase)?))?;
            match self.sock.read(buf) {
                Err(err) if err.kind() == io::ErrorKind::Interrupted => {}
                other => return other.map_err(|err| timed_out(err, phase)),
            }
        }
    }
}

impl Write for DeadlineStream {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let phase = self.phase.unwrap_or(Phase::Write);
        loop {
            self.sock.set_write_timeout(Some(self.limit(phase)?))?;
            match self.sock.write(buf) {
                Err(err) if err.kind() == io::ErrorKind::Interrupted => {}
                other => return other.map_err(|err| timed_out(err, phase)),
            }
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        self.sock.flush()
    }
}
