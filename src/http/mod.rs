//! Sans-IO HTTP/1.1 codec: request bytes out, response bytes in. It owns the wire
//! format and its limits; it never opens a socket, never reads a clock, never follows
//! a redirect, and never puts a header value or body byte into an error.
//!
//! Stricter than the usual small clients, on purpose (every login refresh carries a
//! refresh token through here): numbers are plain ASCII digits (no sign, space, `0x`
//! or junk), framing headers must agree (Content-Length with Transfer-Encoding, or
//! any coding but a lone `chunked`, is refused), line ends are CRLF only, obs-folding
//! is refused, and every size is capped while reading, never after.
//!
//! ```text
//!  request:  Request --write_request--> Vec<u8>        (injection checked first)
//!
//!  response:
//!        bytes                             bytes
//!          |                                 |
//!          v                                 v
//!   +-------------+  Done{consumed,head}  +-------------+  finished  +------+
//!   | parse_head  |---------------------->| BodyDecoder |----------->| done |
//!   +-------------+   (rest of input is   |   decode    |            +------+
//!     |  ^    |        body bytes)        +-------------+
//!     |  |    | 1xx interim head:             |     ^         EOF: finish_on_eof
//!     +--+    +-> skipped, parse next head    +-----+         (Close: ok,
//!   NeedMore                                 more input        else Truncated)
//!   (all input taken)
//!
//!  BodyDecoder::for_head(head, method, limits) picks one of:
//!    Empty    HEAD request, 204, 304 (and 1xx, never handed out)
//!    Length   Content-Length: n  (n > max_body_bytes fails before reading)
//!    Close    neither header: the body ends at EOF, capped as it arrives
//!    Chunked  Transfer-Encoding: chunked:
//!
//!      SizeLine --size 0--> Trailers --empty line--> Done
//!        |  ^                 |  ^
//!    size n  |                +--+ header line (checked, dropped)
//!        v  |
//!      Data(n) --n bytes--> DataCr --CR--> DataLf --LF--+
//!                                                       |
//!      (back to SizeLine) <-----------------------------+
//! ```
//!
//! Decisions where the RFCs leave room: interim 1xx heads are parsed with the same
//! rules and skipped (RFC 9110 15.2 says a client must cope with them); 101 is an
//! error since we never ask to upgrade; a status line may end right after the code
//! (no SP before an empty reason); whitespace is refused anywhere in a chunk-size
//! line; the head byte budget covers interim heads too.

mod body;
mod chunked;
mod error;
mod head;
mod line;
mod request;
mod syntax;

pub use body::{BodyDecoder, BodyProgress};
pub use error::Error;
pub use head::{Head, ResponseParser, Version};
pub use request::{write_request, Request};

/// The request methods we send. The method decides whether a response has a body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    Get,
    Head,
    Post,
}

impl Method {
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Head => "HEAD",
            Method::Post => "POST",
        }
    }
}

/// Size limits, all enforced while bytes arrive.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Status line plus header lines, CRLFs included (interim 1xx heads count too);
    /// also the budget of the trailer section.
    pub max_head_bytes: usize,
    /// Header lines per head; also trailer lines.
    pub max_headers: usize,
    /// Decoded body bytes.
    pub max_body_bytes: u64,
    /// One chunk-size line, extensions and CRLF included.
    pub max_chunk_line_bytes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_head_bytes: 64 * 1024,
            max_headers: 100,
            max_body_bytes: 1024 * 1024,
            max_chunk_line_bytes: 4 * 1024,
        }
    }
}

/// The outcome of feeding bytes to a stage that produces one value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Progress<T> {
    /// Everything given was taken; feed the bytes that follow.
    NeedMore,
    /// The value is complete after `consumed` bytes of the last input.
    Done { consumed: usize, value: T },
}
