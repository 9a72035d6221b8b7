//! The codec's one flat error enum. It owns the wording of every failure and never
//! carries data: no header value, no body byte (a body may hold a token), no offset
//! into a secret. Tests compare variants exactly.

use std::fmt;

/// Everything the request writer or the response parser can refuse.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Error {
    // Request writer.
    /// The request target is empty, does not start with `/`, or holds a byte outside
    /// visible ASCII (CR, LF, NUL, space, ...).
    InvalidTarget,
    /// The Host value is empty or holds a byte outside letters, digits and `-.:[]`.
    InvalidHost,
    /// The caller passed Host, Content-Length or Transfer-Encoding itself; the writer
    /// owns those so the framing it sends cannot disagree with the body.
    ReservedHeader,

    // Line structure, head and trailers.
    /// A LF not preceded by CR.
    BareLf,
    /// A CR not followed by LF.
    BareCr,
    /// The status line and headers (interim heads included) exceed `max_head_bytes`.
    HeadTooLarge,
    /// More header (or trailer) lines than `max_headers`.
    TooManyHeaders,
    /// The status line does not start with `HTTP/1.1 ` or `HTTP/1.0 `.
    InvalidVersion,
    /// The status code is not three digits from 100 to 599 followed by SP or the line end.
    InvalidStatusCode,
    /// The reason phrase holds a control character other than HTAB.
    InvalidReason,
    /// 101 Switching Protocols: we never ask for an upgrade.
    SwitchingProtocols,
    /// A header line starting with SP or HTAB (obsolete line folding).
    ObsFold,
    /// A header name that is empty, has no colon, or holds a non-token byte
    /// (whitespace before the colon included).
    InvalidHeaderName,
    /// A header value holding a control character other than HTAB.
    InvalidHeaderValue,

    // Framing.
    /// A Content-Length that is not a plain list of ASCII digits, or overflows.
    InvalidContentLength,
    /// Content-Length values that disagree with each other.
    ConflictingContentLength,
    /// Both Content-Length and Transfer-Encoding: the classic smuggling shape.
    ContentLengthWithTransferEncoding,
    /// Transfer-Encoding other than one header saying exactly `chunked`.
    UnsupportedTransferEncoding,
    /// Transfer-Encoding in an HTTP/1.0 response, whose framing RFC 9112 calls faulty.
    TransferEncodingInHttp10,

    // Body.
    /// A chunk-size line that is not 1 to 16 hex digits followed by `;` or the line end.
    InvalidChunkSize,
    /// A chunk extension that is not `;token` or `;token=token-or-quoted-string`.
    InvalidChunkExtension,
    /// A chunk-size line longer than `max_chunk_line_bytes`.
    ChunkLineTooLong,
    /// Chunk data not followed by exactly CRLF.
    InvalidChunkEnd,
    /// The trailer section exceeds `max_head_bytes`.
    TrailersTooLarge,
    /// The decoded body would exceed `max_body_bytes`.
    BodyTooLarge,
    /// The connection ended before the message did.
    Truncated,
}

impl Error {
    fn message(self) -> &'static str {
        match self {
            Error::InvalidTarget => "request target is not a path of visible ascii characters",
            Error::InvalidHost => "request host holds characters a host name cannot have",
            Error::ReservedHeader => {
                "host, content-length and transfer-encoding are set by the writer"
            }
            Error::BareLf => "response has a line feed without a carriage return",
            Error::BareCr => "response has a carriage return without a line feed",
            Error::HeadTooLarge => "response head is too large",
            Error::TooManyHeaders => "response has too many header lines",
            Error::InvalidVersion => "response does not start with http/1.1 or http/1.0",
            Error::InvalidStatusCode => "response status code is malformed",
            Error::InvalidReason => "response reason phrase holds control characters",
            Error::SwitchingProtocols => "server switched protocols, which was never asked for",
            Error::ObsFold => "response has a folded header line",
            Error::InvalidHeaderName => "header name is empty or not a token",
            Error::InvalidHeaderValue => "header value holds control characters",
            Error::InvalidContentLength => "response content-length is malformed",
            Error::ConflictingContentLength => "response has conflicting content-length values",
            Error::ContentLengthWithTransferEncoding => {
                "response has both content-length and transfer-encoding"
            }
            Error::UnsupportedTransferEncoding => "response transfer-encoding is not plain chunked",
            Error::TransferEncodingInHttp10 => "http/1.0 response uses transfer-encoding",
            Error::InvalidChunkSize => "response chunk size is malformed",
            Error::InvalidChunkExtension => "response chunk extension is malformed",
            Error::ChunkLineTooLong => "response chunk size line is too long",
            Error::InvalidChunkEnd => "response chunk data is not followed by a line end",
            Error::TrailersTooLarge => "response trailers are too large",
            Error::BodyTooLarge => "response body is larger than allowed",
            Error::Truncated => "connection closed before the response was complete",
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.message())
    }
}

impl std::error::Error for Error {}
