//! The few URLs the transport meets: `https://host[:port]/path?query`, and `http://` to a
//! loopback host only (tests, local stand-ins).
//!
//! Hosts are DNS names (lower-cased), IPv4 addresses, or bracketed IPv6 addresses. The
//! parser is strict rather than forgiving: no user info (only proxy URLs carry it, parsed
//! in `proxy`), no fragment, no space, control or non-ASCII byte, no empty host, no port
//! outside 1..=65535. It never resolves names and never percent-decodes the path.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use super::Error;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scheme {
    Http,
    Https,
}

impl Scheme {
    pub fn default_port(self) -> u16 {
        match self {
            Scheme::Http => 80,
            Scheme::Https => 443,
        }
    }

    fn as_str(self) -> &'static str {
        match self {
            Scheme::Http => "http",
            Scheme::Https => "https",
        }
    }
}

/// A host as written in a URL; DNS names are stored lower-cased.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Host {
    Domain(String),
    Ipv4(Ipv4Addr),
    Ipv6(Ipv6Addr),
}

impl Host {
    /// `localhost`, 127.0.0.0/8, `::1` (and `::ffff:127.x.y.z`).
    pub fn is_loopback(&self) -> bool {
        match self {
            Host::Domain(name) => name == "localhost",
            Host::Ipv4(ip) => ip.is_loopback(),
            Host::Ipv6(ip) => {
                ip.is_loopback() || ip.to_ipv4_mapped().is_some_and(|v4| v4.is_loopback())
            }
        }
    }

    pub fn ip(&self) -> Option<IpAddr> {
        match self {
            Host::Domain(_) => None,
            Host::Ipv4(ip) => Some(IpAddr::V4(*ip)),
            Host::Ipv6(ip) => Some(IpAddr::V6(*ip)),
        }
    }
}

/// Written as in a URL authority: IPv6 in brackets.
impl fmt::Display for Host {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Host::Domain(name) => f.write_str(name),
            Host::Ipv4(ip) => write!(f, "{ip}"),
            Host::Ipv6(ip) => write!(f, "[{ip}]"),
        }
    }
}

/// A request URL: scheme, host, port (filled in from the scheme when absent) and the
/// request target (`/path?query`, at least `/`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Url {
    scheme: Scheme,
    host: Host,
    port: u16,
    target: String,
}

impl Url {
    pub fn parse(text: &str) -> Result<Url, Error> {
        let bad = |reason| Error::BadUrl { reason };
        check_bytes(text).map_err(bad)?;
        let (scheme, rest) = split_scheme(text).ok_or(bad("missing scheme"))?;
        let scheme = match scheme.to_ascii_lowercase().as_str() {
            "https" => Scheme::Https,
            "http" => Scheme::Http,
            _ => return Err(bad("scheme must be https")),
        };
        let end = rest.find(['/', '?']).unwrap_or(rest.len());
        let (authority, target) = rest.split_at(end);
        if authority.contains('@') {
            return Err(bad("user info is not allowed in a request url"));
        }
        let (host, port) = parse_authority(authority, scheme.default_port()).map_err(bad)?;
        let target = parse_target(target).map_err(bad)?;
        if scheme == Scheme::Http && !host.is_loopback() {
            return Err(Error::InsecureScheme {
                host: host.to_string(),
            });
        }
        Ok(Url {
            scheme,
            host,
            port,
            target,
        })
    }

    pub fn scheme(&self) -> Scheme {
        self.scheme
    }

    pub fn host(&self) -> &Host {
        &self.host
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// The request target for the request line: `/path?query`, at least `/`.
    pub fn target(&self) -> &str {
        &self.target
    }

    /// The `Host` header value: `host`, or `host:port` when the port is not the default.
    pub fn authority(&self) -> String {
        if self.port == self.scheme.default_port() {
            self.host.to_string()
        } else {
            format!("{}:{}", self.host, self.port)
        }
    }
}

impl fmt::Display for Url {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}://{}{}",
            self.scheme.as_str(),
            self.authority(),
            self.target
        )
    }
}

/// Rejects what never belongs in our URLs: spaces, controls, non-ASCII, fragments.
pub(super) fn check_bytes(text: &str) -> Result<(), &'static str> {
    if text.bytes().any(|b| b <= b' ' || b >= 0x7f) {
        return Err("contains a space, control or non-ascii character");
    }
    if text.contains('#') {
        return Err("fragments are not allowed");
    }
    Ok(())
}

/// Splits `scheme://rest`; the scheme must look like one (RFC 3986 `scheme` rule).
pub(super) fn split_scheme(text: &str) -> Option<(&str, &str)> {
    let (scheme, rest) = text.split_once("://")?;
    let mut chars = scheme.chars();
    let first_ok = chars.next().is_some_and(|c| c.is_ascii_alphabetic());
    let rest_ok = chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
    (first_ok && rest_ok).then_some((scheme, rest))
}

/// Parses `host[:port]` (no user info), filling in `default_port`.
pub(super) fn parse_authority(
    authority: &str,
    default_port: u16,
) -> Result<(Host, u16), &'static str> {
    let (host, port) = if let Some(inner) = authority.strip_prefix('[') {
        let (v6, after) = inner.split_once(']').ok_or("unclosed bracket in host")?;
        let ip = v6.parse::<Ipv6Addr>().map_err(|_| "bad ipv6 address")?;
        (Host::Ipv6(ip), after)
    } else {
        let end = authority.find(':').unwrap_or(authority.len());
        let (host, after) = authority.split_at(end);
        (parse_host(host)?, after)
    };
    let port = match port {
        "" => default_port,
        _ => parse_port(
            port.strip_prefix(':')
                .ok_or("unexpected text after the host")?,
        )?,
    };
    Ok((host, port))
}

/// A DNS name or an IPv4 address (IPv6 comes bracketed and is handled by the caller).
pub(super) fn parse_host(text: &str) -> Result<Host, &'static str> {
    if text.is_empty() {
        return Err("empty host");
    }
    let last_label = text.rsplit('.').next().unwrap_or_default();
    if !last_label.is_empty() && last_label.bytes().all(|b| b.is_ascii_digit()) {
        // As in browsers: a name ending in a number is an IPv4 address or nothing.
        return text
            .parse::<Ipv4Addr>()
            .map(Host::Ipv4)
            .map_err(|_| "bad ipv4 address");
    }
    let label_ok = |label: &str| {
        (1..=63).contains(&label.len())
            && label
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
            && !label.starts_with('-')
            && !label.ends_with('-')
    };
    if text.len() > 253 || !text.split('.').all(label_ok) {
        return Err("bad host name");
    }
    Ok(Host::Domain(text.to_ascii_lowercase()))
}

fn parse_port(text: &str) -> Result<u16, &'static str> {
    if text.is_empty() || text.len() > 5 || !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err("bad port");
    }
    match text.parse::<u16>() {
        Ok(0) | Err(_) => Err("bad port"),
        Ok(port) => Ok(port),
    }
}

/// `""`, `/path...` or `?query...`; percent signs must start a `%XX` escape.
fn parse_target(text: &str) -> Result<String, &'static str> {
    if text.contains('\\') {
        return Err("backslash in path");
    }
    percent_decode(text).map_err(|_| "bad percent escape in path")?;
    Ok(match text.as_bytes().first() {
        None => "/".to_owned(),
        Some(b'?') => format!("/{text}"),
        Some(_) => text.to_owned(),
    })
}

/// Decodes `%XX` escapes; any other `%` is an error.
/// The decoded bytes are sized once (they may be a password) and wiped on an error.
pub(super) fn percent_decode(text: &str) -> Result<Vec<u8>, &'static str> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let escape = bytes
                .get(i + 1..i + 3)
                .and_then(|hex| Some(hex_value(hex[0])? << 4 | hex_value(hex[1])?));
            let Some(byte) = escape else {
                crate::sys::mem::wipe(&mut out);
                return Err("bad percent escape");
            };
            out.push(byte);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    Ok(out)
}

fn hex_value(b: u8) -> Option<u8> {
    char::from(b)
        .to_digit(16)
        .and_then(|d| u8::try_from(d).ok())
}
