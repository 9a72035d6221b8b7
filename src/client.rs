//! One HTTPS request and its response, over a fresh connection: `net::connect`, then
//! `http::write_request`, then `http::ResponseParser` and `http::BodyDecoder` until the
//! body ends, all within the deadline in the caller's `net::Options`.
//!
//! Every request says `Connection: close` and the connection is dropped after it: one
//! request per connection, no pool, no pipelining. A 3xx answer is an error naming its
//! status and is never followed (a redirect could carry a token to another host). The
//! request bytes (they hold a bearer token or a refresh token) are wiped once sent, and
//! the read buffer once the response is in. This module never logs, never retries,
//! and never interprets a status other than 3xx: that is the caller's business.

use std::fmt;
use std::io::{self, Read, Write};

use crate::http::{self, BodyDecoder, Head, Limits, Method, Progress, ResponseParser};
use crate::net::{self, Phase, Url};
use crate::sys;

/// What to send; `headers` must not hold Host, Content-Length, Transfer-Encoding or
/// Connection (the client writes those).
#[derive(Clone, Copy)]
pub struct Request<'a> {
    pub method: Method,
    pub url: &'a Url,
    pub headers: &'a [(&'a str, &'a str)],
    pub body: Option<&'a [u8]>,
}

/// Shows header names and the body's length only: values and body may hold tokens.
impl fmt::Debug for Request<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<&str> = self.headers.iter().map(|(name, _)| *name).collect();
        f.debug_struct("Request")
            .field("method", &self.method)
            .field("url", self.url)
            .field("headers", &names)
            .field("body_len", &self.body.map(<[u8]>::len))
            .finish()
    }
}

/// A complete response: its head (status, headers as sent) and its decoded body.
pub struct Response {
    pub head: Head,
    body: Buffer,
}

impl Response {
    pub fn status(&self) -> u16 {
        self.head.status
    }

    /// The first value of header `name` (ASCII case-insensitive).
    pub fn header(&self, name: &str) -> Option<&[u8]> {
        self.head.get(name)
    }

    /// The decoded body; it is wiped when the response is dropped.
    pub fn body(&self) -> &[u8] {
        &self.body.0
    }
}

/// Shows the status and the body's length, never its bytes (they may hold tokens).
impl fmt::Debug for Response {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Response")
            .field("status", &self.head.status)
            .field("body_len", &self.body.0.len())
            .finish_non_exhaustive()
    }
}

/// Why a request got no usable response.
#[derive(Debug)]
pub enum Error {
    /// Connecting, the proxy, TLS, a timeout, or the connection failing midway.
    Net(net::Error),
    /// The response broke HTTP/1.1 or a limit (or the request could not be written).
    Http(http::Error),
    /// The server answered with a redirect, which is never followed.
    Redirect { status: u16 },
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Net(err) => err.fmt(f),
            Error::Http(err) => err.fmt(f),
            Error::Redirect { status } => {
                write!(
                    f,
                    "server answered with redirect status {status}, which is not followed"
                )
            }
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Net(err) => Some(err),
            Error::Http(err) => Some(err),
            Error::Redirect { .. } => None,
        }
    }
}

impl From<net::Error> for Error {
    fn from(err: net::Error) -> Self {
        Error::Net(err)
    }
}

impl From<http::Error> for Error {
    fn from(err: http::Error) -> Self {
        Error::Http(err)
    }
}

/// Sends `request` with the default [`Limits`] (1 MiB body cap).
pub fn send(request: &Request<'_>, opts: &net::Options) -> Result<Response, Error> {
    send_with_limits(request, opts, &Limits::default())
}

/// Sends `request` and reads the whole response, within `opts.deadline`.
pub fn send_with_limits(
    request: &Request<'_>,
    opts: &net::Options,
    limits: &Limits,
) -> Result<Response, Error> {
    if request
        .headers
        .iter()
        .any(|(name, _)| name.eq_ignore_ascii_case("connection"))
    {
        return Err(Error::Http(http::Error::ReservedHeader));
    }
    let bytes = encode(request)?;
    let mut conn = net::connect(request.url, opts)?;
    conn.write_all(&bytes.0)
        .and_then(|()| conn.flush())
        .map_err(|err| net::Error::from_io(err, Phase::Write))?;
    drop(bytes);
    let response = read_response(&mut conn, request.method, limits);
    crate::crash::window_opens();
    response
}

/// The request's bytes, in a buffer sized up front so no partial copy is left behind
/// by a reallocation, and wiped on drop.
fn encode(request: &Request<'_>) -> Result<Buffer, Error> {
    let host = request.url.authority();
    let mut headers = Vec::with_capacity(request.headers.len() + 1);
    headers.extend_from_slice(request.headers);
    headers.push(("Connection", "close"));
    let size = 64
        + host.len()
        + request.url.target().len()
        + request.body.map_or(0, <[u8]>::len)
        + headers
            .iter()
            .map(|(n, v)| n.len() + v.len() + 4)
            .sum::<usize>();
    let mut out = Buffer(Vec::with_capacity(size));
    let wire = http::Request {
        method: request.method,
        target: request.url.target(),
        host: &host,
        headers: &headers,
        body: request.body,
    };
    http::write_request(&wire, &mut out.0)?;
    Ok(out)
}

const READ_CHUNK: usize = 16 * 1024;

fn read_response(conn: &mut impl Read, method: Method, limits: &Limits) -> Result<Response, Error> {
    let mut buf = Buffer(vec![0; READ_CHUNK]);
    let (head, filled, consumed) = read_head(conn, &mut buf.0, limits)?;
    if (300..=399).contains(&head.status) {
        return Err(Error::Redirect {
            status: head.status,
        });
    }
    let mut decoder = BodyDecoder::for_head(&head, method, limits)?;
    // Sized from Content-Length when there is one, so growing leaves no stray copies.
    let expected = head.content_length().and_then(|n| usize::try_from(n).ok());
    let mut body = Buffer(Vec::with_capacity(expected.unwrap_or(0)));
    let mut progress = decoder.decode(&buf.0[consumed..filled], &mut body.0)?;
    while !progress.finished {
        let n = match conn.read(&mut buf.0) {
            Ok(0) => {
                decoder.finish_on_eof()?;
                break;
            }
            Ok(n) => n,
            Err(err) => return Err(read_error(err, &decoder)),
        };
        progress = decoder.decode(&buf.0[..n], &mut body.0)?;
    }
    Ok(Response { head, body })
}

/// Reads until the head is complete; returns it with how much of `buf` is filled and
/// how much of that the head took.
fn read_head(
    conn: &mut impl Read,
    buf: &mut [u8],
    limits: &Limits,
) -> Result<(Head, usize, usize), Error> {
    let mut parser = ResponseParser::new(*limits);
    loop {
        let n = match conn.read(buf) {
            Ok(0) => return Err(Error::Http(http::Error::Truncated)),
            Ok(n) => n,
            Err(err) if err.kind() == io::ErrorKind::UnexpectedEof => {
                return Err(Error::Http(http::Error::Truncated))
            }
            Err(err) => return Err(Error::Net(net::Error::from_io(err, Phase::Read))),
        };
        if let Progress::Done { consumed, value } = parser.parse_head(&buf[..n])? {
            return Ok((value, n, consumed));
        }
    }
}

/// rustls reports a peer that closed without `close_notify` as `UnexpectedEof`: for a
/// body still in progress that is a truncation (possibly an attacker's), never an end.
fn read_error(err: io::Error, decoder: &BodyDecoder) -> Error {
    if err.kind() == io::ErrorKind::UnexpectedEof && !decoder.is_finished() {
        return Error::Http(http::Error::Truncated);
    }
    Error::Net(net::Error::from_io(err, Phase::Read))
}

/// Bytes that may hold a secret: zeroed (whole capacity) when dropped.
struct Buffer(Vec<u8>);

impl Drop for Buffer {
    fn drop(&mut self) {
        let len = self.0.capacity();
        self.0.resize(len, 0);
        sys::mem::wipe(&mut self.0);
    }
}
