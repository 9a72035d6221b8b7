//! HTTP proxies: which one a request uses, and the `CONNECT` tunnel through it.
//!
//! The proxy comes from the first of `https_proxy`, `HTTPS_PROXY`, `all_proxy`,
//! `ALL_PROXY` that is set and not empty (lower case first, as curl reads them); the
//! bypass list from `no_proxy`, then `NO_PROXY`. A proxy URL is
//! `http://[user[:password]@]host[:port]` (the scheme may be left out; the port defaults to
//! 80, the `http` default, as in Node, which Claude Code runs on; curl would use 1080).
//! Any other scheme is refused. Loopback targets never use the proxy (as in Go's
//! `net/http`; a remote proxy cannot reach our loopback anyway), nor does plain `http`.
//!
//! The password only ever lives inside a [`Secret`], whose `Debug` is redacted, and is
//! never part of an error. This module never reads the environment except in
//! [`ProxyConfig::from_env`], a thin layer over [`ProxyConfig::from_lookup`].

use std::ffi::OsString;
use std::io::{Read, Write};

use super::no_proxy::NoProxy;
use super::tcp::DeadlineStream;
use super::url::{self, Host, Scheme, Url};
use super::{Error, Phase};
use crate::redact::Secret;
use crate::sys;

/// Proxy variables in the order they are read.
pub const PROXY_VARIABLES: [&str; 4] = ["https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"];
pub const NO_PROXY_VARIABLES: [&str; 2] = ["no_proxy", "NO_PROXY"];

/// The proxy answer's head may not be longer than this.
const MAX_ANSWER_HEAD: usize = 16 * 1024;

/// An `http://` proxy; `authorization` is the whole `Basic ...` header value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Proxy {
    host: Host,
    port: u16,
    authorization: Option<Secret>,
}

impl Proxy {
    /// Parses a proxy URL read from `variable` (named in errors, the value never is).
    pub fn parse(text: &str, variable: &'static str) -> Result<Proxy, Error> {
        let bad = |reason| Error::BadProxy { variable, reason };
        let text = text.trim();
        url::check_bytes(text).map_err(bad)?;
        let rest = match url::split_scheme(text) {
            Some((scheme, rest)) if scheme.eq_ignore_ascii_case("http") => rest,
            Some((scheme, _)) => {
                return Err(Error::ProxyUnsupported {
                    variable,
                    scheme: scheme.to_ascii_lowercase(),
                })
            }
            None if text.contains("://") => return Err(bad("bad scheme")),
            None => text,
        };
        let rest = rest.strip_suffix('/').unwrap_or(rest);
        if rest.contains(['/', '?']) {
            return Err(bad("a proxy url has no path or query"));
        }
        let (userinfo, authority) = match rest.rsplit_once('@') {
            Some((userinfo, authority)) => (Some(userinfo), authority),
            None => (None, rest),
        };
        let (host, port) =
            url::parse_authority(authority, Scheme::Http.default_port()).map_err(bad)?;
        let authorization = userinfo.map(basic_authorization).transpose().map_err(bad)?;
        Ok(Proxy {
            host,
            port,
            authorization,
        })
    }

    pub fn host(&self) -> &Host {
        &self.host
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn has_credentials(&self) -> bool {
        self.authorization.is_some()
    }
}

/// `Basic base64(user:password)` from percent-encoded `user[:password]`.
fn basic_authorization(userinfo: &str) -> Result<Secret, &'static str> {
    let (user, password) = userinfo.split_once(':').unwrap_or((userinfo, ""));
    let user = url::percent_decode(user).map_err(|_| "bad percent escape in the user name")?;
    let mut password =
        url::percent_decode(password).map_err(|_| "bad percent escape in the password")?;
    // Every buffer the password passes through is sized once and wiped after use.
    let mut pair = Vec::with_capacity(user.len() + 1 + password.len());
    pair.extend_from_slice(&user);
    pair.push(b':');
    pair.extend_from_slice(&password);
    sys::mem::wipe(&mut password);
    let mut header = String::with_capacity(6 + pair.len().div_ceil(3) * 4);
    header.push_str("Basic ");
    base64_into(&pair, &mut header);
    sys::mem::wipe(&mut pair);
    Ok(Secret::new(header))
}

/// Standard base64 with padding (RFC 4648 §4).
pub fn base64(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    base64_into(bytes, &mut out);
    out
}

/// [`base64`], appended to `out`.
fn base64_into(bytes: &[u8], out: &mut String) {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = u32::from(b[0]) << 16 | u32::from(b[1]) << 8 | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[(n >> (18 - 6 * i) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
}

/// The proxy and bypass list in force.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ProxyConfig {
    proxy: Option<Proxy>,
    no_proxy: NoProxy,
}

impl ProxyConfig {
    pub fn new(proxy: Option<Proxy>, no_proxy: NoProxy) -> ProxyConfig {
        ProxyConfig { proxy, no_proxy }
    }

    /// No proxy at all.
    pub fn direct() -> ProxyConfig {
        ProxyConfig::default()
    }

    pub fn from_env() -> Result<ProxyConfig, Error> {
        ProxyConfig::from_lookup(|name| std::env::var_os(name))
    }

    /// Reads the variables through `lookup`, so tests need not touch the process env.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<OsString>) -> Result<ProxyConfig, Error> {
        let proxy = match first_set(&PROXY_VARIABLES, &lookup)? {
            // The URL may hold a password: its copy is wiped when dropped.
            Some((variable, value)) => {
                let value = Secret::new(value);
                Some(Proxy::parse(value.expose(), variable)?)
            }
            None => None,
        };
        let no_proxy = match first_set(&NO_PROXY_VARIABLES, &lookup)? {
            Some((_, value)) => NoProxy::parse(&value),
            None => NoProxy::default(),
        };
        Ok(ProxyConfig { proxy, no_proxy })
    }

    /// The proxy a request to `url` goes through, if any.
    pub fn proxy_for(&self, url: &Url) -> Option<&Proxy> {
        let bypass = url.scheme() == Scheme::Http
            || url.host().is_loopback()
            || self.no_proxy.matches(url.host(), url.port());
        self.proxy.as_ref().filter(|_| !bypass)
    }
}

/// The first variable of `names` that is set and not blank, with its value.
fn first_set(
    names: &[&'static str],
    lookup: &impl Fn(&str) -> Option<OsString>,
) -> Result<Option<(&'static str, String)>, Error> {
    for &variable in names {
        let Some(value) = lookup(variable) else {
            continue;
        };
        let value = value.into_string().map_err(|value| {
            sys::mem::wipe(&mut value.into_encoded_bytes());
            Error::BadProxy {
                variable,
                reason: "not utf-8",
            }
        })?;
        if !value.trim().is_empty() {
            return Ok(Some((variable, value)));
        }
    }
    Ok(None)
}

/// Asks the proxy on `stream` for a tunnel to `host:port` and checks its answer. On
/// success the stream is positioned right after the answer's head.
pub(crate) fn tunnel(
    stream: &mut DeadlineStream,
    proxy: &Proxy,
    host: &Host,
    port: u16,
) -> Result<(), Error> {
    stream.set_phase(Some(Phase::Proxy));
    let request = connect_request(proxy, host, port);
    stream
        .write_all(request.expose().as_bytes())
        .map_err(|err| Error::from_io(err, Phase::Proxy))?;
    drop(request);
    let head = read_head(stream)?;
    stream.set_phase(None);
    match status(&head)? {
        200..=299 => Ok(()),
        407 => Err(Error::ProxyAuth),
        status => Err(Error::Proxy { status }),
    }
}

/// The request holds the proxy's credentials: it is a [`Secret`], built at its final
/// size so that no shorter copy is left behind.
fn connect_request(proxy: &Proxy, host: &Host, port: u16) -> Secret {
    const USER_AGENT: &str = concat!("User-Agent: claude-token/", env!("CARGO_PKG_VERSION"));
    let head = format!("CONNECT {host}:{port} HTTP/1.1\r\nHost: {host}:{port}\r\n");
    let authorization = proxy.authorization.as_ref().map(Secret::expose);
    let extra = authorization.map_or(0, |value| "Proxy-Authorization: \r\n".len() + value.len());
    let mut request = String::with_capacity(head.len() + USER_AGENT.len() + 4 + extra);
    request.push_str(&head);
    request.push_str(USER_AGENT);
    request.push_str("\r\n");
    if let Some(value) = authorization {
        request.push_str("Proxy-Authorization: ");
        request.push_str(value);
        request.push_str("\r\n");
    }
    request.push_str("\r\n");
    Secret::new(request)
}

/// Reads one byte at a time up to the blank line ending the head, so nothing the server
/// sends after it (the TLS handshake) is consumed. Accepts CRLF or bare LF line ends.
pub fn read_head(stream: &mut impl Read) -> Result<Vec<u8>, Error> {
    let mut head = Vec::with_capacity(256);
    let mut byte = [0u8; 1];
    while !(head.ends_with(b"\n\r\n") || head.ends_with(b"\n\n")) {
        if head.len() >= MAX_ANSWER_HEAD {
            return Err(Error::ProxyAnswer {
                reason: "answer head longer than 16 KiB",
            });
        }
        match stream.read(&mut byte) {
            Ok(0) => {
                return Err(Error::ProxyAnswer {
                    reason: "proxy closed the connection",
                })
            }
            Ok(_) => head.push(byte[0]),
            Err(err) if err.kind() == std::io::ErrorKind::Interrupted => {}
            Err(err) => return Err(Error::from_io(err, Phase::Proxy)),
        }
    }
    Ok(head)
}

/// The status code of an `HTTP/1.x NNN reason` status line.
pub fn status(head: &[u8]) -> Result<u16, Error> {
    let bad = || Error::ProxyAnswer {
        reason: "not an http/1.x status line",
    };
    let line = head.split(|&b| b == b'\n').next().unwrap_or_default();
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    let rest = line.strip_prefix(b"HTTP/1.").ok_or_else(bad)?;
    let ok = rest.len() >= 5
        && rest[0].is_ascii_digit()
        && rest[1] == b' '
        && rest[2..5].iter().all(u8::is_ascii_digit)
        && (rest.len() == 5 || rest[5] == b' ');
    if !ok {
        return Err(bad());
    }
    Ok(rest[2..5]
        .iter()
        .fold(0, |n, d| n * 10 + u16::from(d - b'0')))
}
