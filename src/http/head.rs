//! The response head: status line, header lines, and the framing they declare. It
//! owns `ResponseParser` (bytes in, `Head` out) and the framing rules (Content-Length
//! and Transfer-Encoding validated here, once, whatever the status). It never reads a
//! body byte: everything after the empty line is left for `body`.

use super::line::{no_fold, LineReader};
use super::syntax::{decimal, header_line, is_field_byte, trim_ows};
use super::{Error, Limits, Progress};

/// The protocol version of a response; nothing else is accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Version {
    Http10,
    Http11,
}

/// How the body is delimited, as the headers declare it (the request method and the
/// status decide later whether there is a body at all).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Framing {
    Length(u64),
    Chunked,
    Close,
}

/// A parsed final (non-1xx) response head. `Debug` shows header names only: values
/// such as `Set-Cookie` may be credentials.
#[derive(Clone, PartialEq, Eq)]
pub struct Head {
    pub version: Version,
    /// 200..=599 (interim 1xx heads are skipped by the parser, 101 is an error).
    pub status: u16,
    /// The reason phrase as sent (may be empty; may hold obs-text bytes).
    pub reason: Vec<u8>,
    /// Header lines in order: name as sent, value without surrounding whitespace.
    pub headers: Vec<(String, Vec<u8>)>,
    pub(super) framing: Framing,
}

impl std::fmt::Debug for Head {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let names: Vec<&str> = self.headers.iter().map(|(name, _)| name.as_str()).collect();
        f.debug_struct("Head")
            .field("version", &self.version)
            .field("status", &self.status)
            .field("header_names", &names)
            .finish_non_exhaustive()
    }
}

impl Head {
    /// The first value of header `name` (ASCII case-insensitive).
    pub fn get(&self, name: &str) -> Option<&[u8]> {
        let found = self
            .headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name));
        found.map(|(_, v)| v.as_slice())
    }

    /// Every value of header `name`, in order (ASCII case-insensitive).
    pub fn get_all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a [u8]> + 'a {
        values(&self.headers, name)
    }

    /// The declared Content-Length, if the body is framed by one.
    pub fn content_length(&self) -> Option<u64> {
        match self.framing {
            Framing::Length(n) => Some(n),
            Framing::Chunked | Framing::Close => None,
        }
    }

    /// Whether the body is framed by chunked transfer coding.
    pub fn is_chunked(&self) -> bool {
        self.framing == Framing::Chunked
    }
}

/// Incremental parser of one response head (see the module diagram).
#[derive(Debug)]
pub struct ResponseParser {
    limits: Limits,
    lines: LineReader,
    status: Option<(Version, u16, Vec<u8>)>,
    headers: Vec<(String, Vec<u8>)>,
}

impl ResponseParser {
    pub fn new(limits: Limits) -> Self {
        let lines = LineReader::new(limits.max_head_bytes, Error::HeadTooLarge);
        ResponseParser {
            limits,
            lines,
            status: None,
            headers: Vec::new(),
        }
    }

    /// Feeds the next bytes of the response. `NeedMore` means every byte of `input`
    /// was taken: call again with the bytes that follow, not these. `Done` means the
    /// head ended after `consumed` bytes of `input`; the rest belongs to the body.
    /// Interim 1xx heads (100, 102, 103, ...) are checked and skipped; their bytes
    /// count toward `max_head_bytes`. After `Done` the parser starts a new response.
    pub fn parse_head(&mut self, input: &[u8]) -> Result<Progress<Head>, Error> {
        let mut pos = 0;
        while pos < input.len() {
            let check = if self.status.is_none() {
                status_prefix
            } else {
                no_fold
            };
            let (n, complete) = self.lines.take(&input[pos..], check)?;
            pos += n;
            if complete {
                if let Some(head) = self.on_line()? {
                    return Ok(Progress::Done {
                        consumed: pos,
                        value: head,
                    });
                }
            }
        }
        Ok(Progress::NeedMore)
    }

    /// Handles one complete line; returns the head when it was the final empty line.
    fn on_line(&mut self) -> Result<Option<Head>, Error> {
        let line = self.lines.line();
        if self.status.is_none() {
            self.status = Some(status_line(line)?);
        } else if line.is_empty() {
            return self.on_head_end();
        } else {
            if self.headers.len() == self.limits.max_headers {
                return Err(Error::TooManyHeaders);
            }
            self.headers.push(header_line(line)?);
        }
        self.lines.clear();
        Ok(None)
    }

    fn on_head_end(&mut self) -> Result<Option<Head>, Error> {
        self.lines.clear();
        let (version, status, reason) = self.status.take().ok_or(Error::InvalidVersion)?;
        let headers = std::mem::take(&mut self.headers);
        let framing = framing(version, &headers)?;
        if status < 200 {
            // Interim: keep the byte budget running, start the next head.
            return Ok(None);
        }
        self.lines
            .reset_budget(self.limits.max_head_bytes, Error::HeadTooLarge);
        Ok(Some(Head {
            version,
            status,
            reason,
            headers,
            framing,
        }))
    }
}

const PREFIX: &[u8; 9] = b"HTTP/1.1 ";

/// Early check of the status line: the first nine bytes must read `HTTP/1.1 ` or
/// `HTTP/1.0 `, so garbage fails on its first byte, not at a line end that may
/// never come.
fn status_prefix(pos: usize, b: u8) -> Result<(), Error> {
    match pos {
        7 if b == b'0' || b == b'1' => Ok(()),
        0..=8 if b != PREFIX[pos] => Err(Error::InvalidVersion),
        _ => Ok(()),
    }
}

/// `HTTP-version SP 3DIGIT [SP reason-phrase]`. RFC 9112 wants the SP after the code
/// even when the reason is empty; a line ending right after the code is accepted too,
/// since the CRLF delimits the code just as well (llhttp does the same).
fn status_line(line: &[u8]) -> Result<(Version, u16, Vec<u8>), Error> {
    if line.len() < PREFIX.len() {
        return Err(Error::InvalidVersion);
    }
    for (pos, &b) in line[..PREFIX.len()].iter().enumerate() {
        status_prefix(pos, b)?;
    }
    let version = if line[7] == b'0' {
        Version::Http10
    } else {
        Version::Http11
    };
    let code = line.get(9..12).ok_or(Error::InvalidStatusCode)?;
    let status = match code {
        [b'1'..=b'5', b'0'..=b'9', b'0'..=b'9'] => decimal(code).ok_or(Error::InvalidStatusCode)?,
        _ => return Err(Error::InvalidStatusCode),
    };
    if status == 101 {
        return Err(Error::SwitchingProtocols);
    }
    let reason = match &line[12..] {
        [] => &[][..],
        [b' ', reason @ ..] => reason,
        _ => return Err(Error::InvalidStatusCode),
    };
    if !reason.iter().all(|&b| is_field_byte(b)) {
        return Err(Error::InvalidReason);
    }
    let status = u16::try_from(status).map_err(|_| Error::InvalidStatusCode)?;
    Ok((version, status, reason.to_vec()))
}

/// Validates Content-Length and Transfer-Encoding together and says how the body is
/// delimited. Checked for every response, even those that cannot have a body: a
/// malformed framing header means the server (or something in between) is confused.
fn framing(version: Version, headers: &[(String, Vec<u8>)]) -> Result<Framing, Error> {
    let length = content_length(headers)?;
    let codings: Vec<&[u8]> = values(headers, "transfer-encoding").collect();
    match (length, codings.as_slice()) {
        (None, []) => Ok(Framing::Close),
        (Some(n), []) => Ok(Framing::Length(n)),
        (Some(_), _) => Err(Error::ContentLengthWithTransferEncoding),
        (None, _) if version == Version::Http10 => Err(Error::TransferEncodingInHttp10),
        (None, [coding]) if coding.eq_ignore_ascii_case(b"chunked") => Ok(Framing::Chunked),
        (None, _) => Err(Error::UnsupportedTransferEncoding),
    }
}

/// Every Content-Length header, each a comma list of `1*DIGIT` (OWS around commas);
/// all values must be equal (RFC 9110 section 8.6).
fn content_length(headers: &[(String, Vec<u8>)]) -> Result<Option<u64>, Error> {
    let mut found: Option<u64> = None;
    for value in values(headers, "content-length") {
        for item in value.split(|&b| b == b',') {
            let n = decimal(trim_ows(item)).ok_or(Error::InvalidContentLength)?;
            if found.is_some_and(|seen| seen != n) {
                return Err(Error::ConflictingContentLength);
            }
            found = Some(n);
        }
    }
    Ok(found)
}

fn values<'a>(
    headers: &'a [(String, Vec<u8>)],
    name: &'a str,
) -> impl Iterator<Item = &'a [u8]> + 'a {
    headers
        .iter()
        .filter(move |(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_slice())
}
