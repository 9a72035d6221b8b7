//! The transport's error type: one flat enum with named fields and one-line Displays.
//!
//! It never carries a token, a password or a request body: only host names, ports,
//! statuses, fixed reasons and operating-system errors. Errors raised inside `Read`/`Write`
//! travel as the payload of an `io::Error`; [`Error::from`] unwraps them again.

use std::fmt;
use std::io;
use std::path::PathBuf;

/// What the transport was doing when something went wrong (used in timeouts and I/O errors).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Phase {
    Resolve,
    Connect,
    Proxy,
    TlsHandshake,
    Write,
    Read,
}

impl fmt::Display for Phase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Phase::Resolve => "resolving the host name",
            Phase::Connect => "connecting",
            Phase::Proxy => "setting up the proxy tunnel",
            Phase::TlsHandshake => "in the tls handshake",
            Phase::Write => "sending",
            Phase::Read => "receiving",
        })
    }
}

/// Why a TLS handshake or record failed; certificate problems each have their own variant.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TlsReason {
    /// The certificate is valid but names other hosts.
    WrongHost,
    /// The chain does not lead to a trusted root (a corporate proxy's CA needs `SSL_CERT_FILE`).
    UnknownIssuer,
    Expired,
    NotValidYet,
    Revoked,
    /// Any other certificate problem (bad encoding, bad signature, wrong purpose, ...),
    /// as rustls words it.
    BadCertificate(String),
    /// The server ended the handshake with an alert.
    Alert(String),
    /// Anything else rustls reported (protocol violations, no common cipher suite, ...).
    Protocol(String),
}

#[derive(Debug)]
pub enum Error {
    /// The request URL is not one we accept.
    BadUrl {
        reason: &'static str,
    },
    /// Plain `http://` to a host that is not loopback.
    InsecureScheme {
        host: String,
    },
    /// The host name did not resolve.
    Dns {
        host: String,
        source: io::Error,
    },
    /// No resolved address accepted a connection; `source` is the last attempt's error.
    Connect {
        host: String,
        port: u16,
        tried: usize,
        source: io::Error,
    },
    /// The per-request deadline or a per-operation timeout passed.
    Timeout {
        phase: Phase,
    },
    Tls {
        host: String,
        reason: TlsReason,
    },
    /// A proxy variable holds something we cannot parse (its value is never shown).
    BadProxy {
        variable: &'static str,
        reason: &'static str,
    },
    /// A proxy variable names a scheme other than `http`.
    ProxyUnsupported {
        variable: &'static str,
        scheme: String,
    },
    /// The proxy answered CONNECT with a non-2xx status other than 407.
    Proxy {
        status: u16,
    },
    /// The proxy answered CONNECT with 407.
    ProxyAuth,
    /// The proxy's answer to CONNECT is not an HTTP/1.x head we can read.
    ProxyAnswer {
        reason: &'static str,
    },
    /// `SSL_CERT_FILE` names a file we cannot use.
    CertFile {
        path: PathBuf,
        reason: String,
    },
    Io {
        phase: Phase,
        source: io::Error,
    },
}

impl fmt::Display for TlsReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TlsReason::WrongHost => f.write_str("certificate not valid for this host name"),
            TlsReason::UnknownIssuer => f.write_str("certificate signed by an unknown authority"),
            TlsReason::Expired => f.write_str("certificate expired"),
            TlsReason::NotValidYet => f.write_str("certificate not valid yet"),
            TlsReason::Revoked => f.write_str("certificate revoked"),
            TlsReason::BadCertificate(why) | TlsReason::Protocol(why) => f.write_str(why),
            TlsReason::Alert(alert) => write!(f, "server sent alert {alert}"),
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::BadUrl { reason } => write!(f, "bad url: {reason}"),
            Error::InsecureScheme { host } => {
                write!(
                    f,
                    "plain http is allowed only to loopback hosts, not {host}; use https"
                )
            }
            Error::Dns { host, source } => write!(f, "cannot resolve {host}: {source}"),
            Error::Connect {
                host,
                port,
                tried,
                source,
            } => {
                write!(
                    f,
                    "cannot connect to {host} port {port} ({tried} addresses tried): {source}"
                )
            }
            Error::Timeout { phase } => write!(f, "timed out {phase}"),
            Error::Tls {
                host,
                reason: TlsReason::WrongHost,
            } => {
                write!(f, "tls with {host}: certificate not valid for {host}")
            }
            Error::Tls { host, reason } => write!(f, "tls with {host}: {reason}"),
            Error::BadProxy { variable, reason } => write!(f, "bad proxy in {variable}: {reason}"),
            Error::ProxyUnsupported { variable, scheme } => {
                write!(
                    f,
                    "unsupported proxy scheme {scheme:?} in {variable}; only http:// proxies work"
                )
            }
            Error::Proxy { status } => write!(f, "proxy refused the tunnel with status {status}"),
            Error::ProxyAuth => f.write_str("proxy authentication required (status 407)"),
            Error::ProxyAnswer { reason } => write!(f, "bad answer from proxy: {reason}"),
            Error::CertFile { path, reason } => {
                write!(f, "cannot use SSL_CERT_FILE {}: {reason}", path.display())
            }
            Error::Io { phase, source } => write!(f, "network error {phase}: {source}"),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Dns { source, .. }
            | Error::Connect { source, .. }
            | Error::Io { source, .. } => Some(source),
            _ => None,
        }
    }
}

impl Error {
    /// Turns an `io::Error` from a `Read`/`Write` on a connection back into the error it
    /// carries (a timeout, a TLS failure), or an `Io` error in `phase`.
    pub fn from_io(err: io::Error, phase: Phase) -> Error {
        let err = match err.downcast::<Error>() {
            Ok(ours) => return ours,
            Err(err) => err,
        };
        match err.kind() {
            io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock => Error::Timeout { phase },
            _ => Error::Io { phase, source: err },
        }
    }

    /// Wraps this error into an `io::Error` so it can travel through `Read`/`Write`.
    pub(crate) fn into_io(self) -> io::Error {
        let kind = match self {
            Error::Timeout { .. } => io::ErrorKind::TimedOut,
            _ => io::ErrorKind::Other,
        };
        io::Error::new(kind, self)
    }
}

/// Maps a rustls error to what a user can act on; certificate problems are kept apart.
pub fn tls_reason(err: &rustls::Error) -> TlsReason {
    use rustls::CertificateError as C;
    match err {
        rustls::Error::InvalidCertificate(cert) => match cert {
            C::NotValidForName | C::NotValidForNameContext { .. } => TlsReason::WrongHost,
            C::UnknownIssuer => TlsReason::UnknownIssuer,
            C::Expired | C::ExpiredContext { .. } => TlsReason::Expired,
            C::NotValidYet | C::NotValidYetContext { .. } => TlsReason::NotValidYet,
            C::Revoked => TlsReason::Revoked,
            _ => TlsReason::BadCertificate(err.to_string()),
        },
        rustls::Error::AlertReceived(alert) => TlsReason::Alert(format!("{alert:?}")),
        other => TlsReason::Protocol(other.to_string()),
    }
}
