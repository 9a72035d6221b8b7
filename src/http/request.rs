//! The request writer: one HTTP/1.1 request into bytes. It owns header injection
//! defence (every target, host, name and value is checked before a byte is written)
//! and the framing of what we send (Host and Content-Length come only from here). It
//! never writes Transfer-Encoding and never touches a socket.

use super::syntax::is_token;
use super::{Error, Method};

/// What to send. `headers` must not hold Host, Content-Length or Transfer-Encoding.
/// `Debug` shows header names and the body's length only: values may be credentials.
#[derive(Clone, Copy)]
pub struct Request<'a> {
    pub method: Method,
    /// `origin-form`: a path starting with `/`, optionally with `?query`.
    pub target: &'a str,
    pub host: &'a str,
    pub headers: &'a [(&'a str, &'a str)],
    /// Sent with a Content-Length when present (even when empty).
    pub body: Option<&'a [u8]>,
}

impl std::fmt::Debug for Request<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let names: Vec<&str> = self.headers.iter().map(|(name, _)| *name).collect();
        f.debug_struct("Request")
            .field("method", &self.method)
            .field("target", &self.target)
            .field("host", &self.host)
            .field("header_names", &names)
            .field("body_len", &self.body.map(<[u8]>::len))
            .finish()
    }
}

/// Appends the request to `out`. On error nothing is appended.
pub fn write_request(request: &Request<'_>, out: &mut Vec<u8>) -> Result<(), Error> {
    check(request)?;
    let mut line = |parts: &[&[u8]]| {
        for part in parts {
            out.extend_from_slice(part);
        }
        out.extend_from_slice(b"\r\n");
    };
    let method = request.method.as_str().as_bytes();
    line(&[method, b" ", request.target.as_bytes(), b" HTTP/1.1"]);
    line(&[b"Host: ", request.host.as_bytes()]);
    for (name, value) in request.headers {
        line(&[name.as_bytes(), b": ", value.as_bytes()]);
    }
    if let Some(body) = request.body {
        line(&[b"Content-Length: ", body.len().to_string().as_bytes()]);
    }
    line(&[]);
    if let Some(body) = request.body {
        out.extend_from_slice(body);
    }
    Ok(())
}

fn check(request: &Request<'_>) -> Result<(), Error> {
    if !is_target(request.target.as_bytes()) {
        return Err(Error::InvalidTarget);
    }
    if !is_host(request.host.as_bytes()) {
        return Err(Error::InvalidHost);
    }
    request
        .headers
        .iter()
        .try_for_each(|(name, value)| check_header(name, value))
}

/// Headers whose values the writer derives itself.
const RESERVED: [&str; 3] = ["host", "content-length", "transfer-encoding"];

fn check_header(name: &str, value: &str) -> Result<(), Error> {
    if !is_token(name.as_bytes()) {
        return Err(Error::InvalidHeaderName);
    }
    if RESERVED.iter().any(|r| r.eq_ignore_ascii_case(name)) {
        return Err(Error::ReservedHeader);
    }
    // Visible ASCII, SP and HTAB only: no CR, LF, NUL or other control, and no
    // non-ASCII whose meaning differs between servers.
    if !value
        .bytes()
        .all(|b| b == b'\t' || (b' '..=b'~').contains(&b))
    {
        return Err(Error::InvalidHeaderValue);
    }
    Ok(())
}

/// `/` then visible ASCII only (no space, no control, no non-ASCII).
fn is_target(t: &[u8]) -> bool {
    t.first() == Some(&b'/') && t.iter().all(|b| (b'!'..=b'~').contains(b))
}

/// A host name, IPv4 or bracketed IPv6 literal, with an optional port.
fn is_host(h: &[u8]) -> bool {
    !h.is_empty()
        && h.iter()
            .all(|&b| b.is_ascii_alphanumeric() || b"-.:[]".contains(&b))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request<'a>(target: &'a str, headers: &'a [(&'a str, &'a str)]) -> Request<'a> {
        Request {
            method: Method::Get,
            target,
            host: "example.com",
            headers,
            body: None,
        }
    }

    fn write(request: &Request<'_>) -> Result<Vec<u8>, Error> {
        let mut out = Vec::new();
        write_request(request, &mut out).map(|()| out)
    }

    #[test]
    fn debug_shows_header_names_and_body_length_but_no_values() {
        let headers = [("Authorization", "Bearer sk-ant-oat01-secret")];
        let mut req = request("/api", &headers);
        req.body = Some(b"{\"refresh_token\":\"sk-ant-ort01-secret\"}");
        let text = format!("{req:?}");
        assert!(
            text.contains("Authorization") && text.contains("body_len: Some(39)"),
            "{text}"
        );
        assert!(!text.contains("secret"), "{text}");
    }

    #[test]
    fn writes_post_with_content_length() {
        let req = Request {
            method: Method::Post,
            target: "/v1/oauth/token?x=1",
            host: "platform.claude.com",
            headers: &[("Content-Type", "application/json")],
            body: Some(b"{}"),
        };
        let expected = "POST /v1/oauth/token?x=1 HTTP/1.1\r\nHost: platform.claude.com\r\n\
                        Content-Type: application/json\r\nContent-Length: 2\r\n\r\n{}";
        assert_eq!(write(&req).unwrap(), expected.as_bytes());
    }

    #[test]
    fn writes_get_without_content_length() {
        let expected = "GET / HTTP/1.1\r\nHost: example.com\r\n\r\n";
        assert_eq!(write(&request("/", &[])).unwrap(), expected.as_bytes());
    }

    #[test]
    fn refuses_injection_in_target() {
        for bad in ["", "x", "/a b", "/a\r\nX: y", "/a\n", "/a\0", "/\u{e9}"] {
            assert_eq!(
                write(&request(bad, &[])),
                Err(Error::InvalidTarget),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn refuses_injection_in_header_names_and_values() {
        for name in ["", "A B", "A\r\nB", "A:", "A\0"] {
            let headers = [(name, "v")];
            assert_eq!(
                write(&request("/", &headers)),
                Err(Error::InvalidHeaderName),
                "{name:?}"
            );
        }
        for value in ["a\r\nB: c", "a\nb", "a\rb", "a\0b", "a\x7fb", "\u{e9}"] {
            let headers = [("N", value)];
            assert_eq!(
                write(&request("/", &headers)),
                Err(Error::InvalidHeaderValue),
                "{value:?}"
            );
        }
    }

    #[test]
    fn refuses_injection_in_host_and_reserved_headers() {
        let mut req = request("/", &[]);
        req.host = "a.com\r\nX: y";
        assert_eq!(write(&req), Err(Error::InvalidHost));
        for name in ["host", "Content-Length", "TRANSFER-ENCODING"] {
            let headers = [(name, "1")];
            assert_eq!(
                write(&request("/", &headers)),
                Err(Error::ReservedHeader),
                "{name}"
            );
        }
    }

    #[test]
    fn leaves_output_untouched_on_error() {
        let mut out = b"kept".to_vec();
        let headers = [("N", "a\nb")];
        assert!(write_request(&request("/", &headers), &mut out).is_err());
        assert_eq!(out, b"kept");
    }
}
