//! `NO_PROXY` matching: which hosts bypass the proxy.
//!
//! The list is comma-separated; each entry is trimmed and compared case-insensitively:
//! - `*` matches every host;
//! - a name matches itself and every name under it: `example.com`, `.example.com` and
//!   `*.example.com` all match `example.com` and `api.example.com`, never `notexample.com`;
//! - an IP address matches that address written as the URL's host (names are not resolved
//!   to check them, as in curl); IPv6 may be bare (`::1`) or bracketed (`[::1]`);
//! - a CIDR block (`10.0.0.0/8`, `::1/128`) matches IP hosts inside it;
//! - a name or address with a port (`host:8443`, `[::1]:8443`) matches only that port.
//!
//! Entries we cannot read are skipped, not fatal: the variable is shared with every other
//! tool on the machine, each with its own dialect. This module never reads the environment.

use std::net::IpAddr;

use super::url::Host;

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct NoProxy {
    entries: Vec<Entry>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Entry {
    All,
    Domain { name: String, port: Option<u16> },
    Ip { addr: IpAddr, port: Option<u16> },
    Net { addr: IpAddr, prefix: u8 },
}

impl NoProxy {
    pub fn parse(list: &str) -> NoProxy {
        NoProxy {
            entries: list.split(',').filter_map(parse_entry).collect(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// True when a request to `host:port` must not go through the proxy.
    pub fn matches(&self, host: &Host, port: u16) -> bool {
        self.entries
            .iter()
            .any(|entry| entry_matches(entry, host, port))
    }
}

fn entry_matches(entry: &Entry, host: &Host, port: u16) -> bool {
    let port_ok = |want: &Option<u16>| want.is_none_or(|want| want == port);
    match (entry, host) {
        (Entry::All, _) => true,
        (Entry::Domain { name, port: want }, Host::Domain(host)) => {
            let host = host.strip_suffix('.').unwrap_or(host);
            let under = host
                .strip_suffix(name.as_str())
                .is_some_and(|head| head.ends_with('.'));
            (host == name || under) && port_ok(want)
        }
        (Entry::Ip { addr, port: want }, _) => host.ip() == Some(*addr) && port_ok(want),
        (Entry::Net { addr, prefix }, _) => {
            host.ip().is_some_and(|ip| in_block(ip, *addr, *prefix))
        }
        (Entry::Domain { .. }, _) => false,
    }
}

fn parse_entry(raw: &str) -> Option<Entry> {
    let entry = raw.trim().to_ascii_lowercase();
    if entry.is_empty() {
        return None;
    }
    if entry == "*" {
        return Some(Entry::All);
    }
    if let Some((addr, prefix)) = entry.split_once('/') {
        return parse_block(addr, prefix);
    }
    if let Ok(addr) = unbracket(&entry).parse::<IpAddr>() {
        return Some(Entry::Ip { addr, port: None });
    }
    let (host, port) = split_port(&entry)?;
    if let Ok(addr) = unbracket(host).parse::<IpAddr>() {
        return Some(Entry::Ip { addr, port });
    }
    parse_domain(host, port)
}

/// `host` or `host:port` (`[v6]:port` for IPv6); `None` for a bad port.
fn split_port(entry: &str) -> Option<(&str, Option<u16>)> {
    let Some((host, port)) = entry.rsplit_once(':') else {
        return Some((entry, None));
    };
    let port = port.parse::<u16>().ok().filter(|port| *port != 0)?;
    Some((host, Some(port)))
}

fn parse_domain(host: &str, port: Option<u16>) -> Option<Entry> {
    let name = host
        .strip_prefix("*.")
        .or_else(|| host.strip_prefix('.'))
        .unwrap_or(host);
    let name = name.strip_suffix('.').unwrap_or(name);
    let ok = !name.is_empty()
        && name.split('.').all(|label| !label.is_empty())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'));
    ok.then(|| Entry::Domain {
        name: name.to_owned(),
        port,
    })
}

fn parse_block(addr: &str, prefix: &str) -> Option<Entry> {
    let addr = unbracket(addr).parse::<IpAddr>().ok()?;
    let prefix = prefix.parse::<u8>().ok()?;
    let bits = if addr.is_ipv4() { 32 } else { 128 };
    (prefix <= bits).then_some(Entry::Net { addr, prefix })
}

fn unbracket(text: &str) -> &str {
    text.strip_prefix('[')
        .and_then(|t| t.strip_suffix(']'))
        .unwrap_or(text)
}

/// True when the first `prefix` bits of `ip` and `block` agree (same family only).
fn in_block(ip: IpAddr, block: IpAddr, prefix: u8) -> bool {
    let (ip, block, bits) = match (ip, block) {
        (IpAddr::V4(a), IpAddr::V4(b)) => (u128::from(u32::from(a)), u128::from(u32::from(b)), 32),
        (IpAddr::V6(a), IpAddr::V6(b)) => (u128::from(a), u128::from(b), 128),
        _ => return false,
    };
    prefix == 0 || ip >> (bits - prefix) == block >> (bits - prefix)
}
