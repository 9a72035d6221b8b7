//! The response body: decides from the head and the request method whether there is a
//! body and how it ends, then copies decoded bytes out while enforcing the size cap
//! as they arrive. It never buffers the body itself (the caller's `out` does) and
//! never lets `out` grow past `max_body_bytes` through this decoder.

use super::chunked::Chunked;
use super::head::{Framing, Head};
use super::{Error, Limits, Method};

/// What one `decode` call did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BodyProgress {
    /// Bytes of `input` taken; when `finished`, the rest is not part of this response.
    pub consumed: usize,
    /// The body is complete (never true for a close-delimited body: see `finish_on_eof`).
    pub finished: bool,
}

/// Incremental body decoder for one response (see the module diagram).
#[derive(Debug)]
pub struct BodyDecoder {
    kind: Kind,
}

#[derive(Debug)]
enum Kind {
    /// No body by definition (HEAD, 204, 304), or a length body fully read.
    Empty,
    Length {
        remaining: u64,
    },
    Chunked(Chunked),
    Close {
        produced: u64,
        cap: u64,
    },
}

impl BodyDecoder {
    /// The decoder for the body that follows `head`, sent in answer to `method`.
    /// A declared Content-Length above `max_body_bytes` fails here, before any read.
    pub fn for_head(head: &Head, method: Method, limits: &Limits) -> Result<Self, Error> {
        let cap = limits.max_body_bytes;
        let bodiless = method == Method::Head || matches!(head.status, 100..=199 | 204 | 304);
        let kind = match head.framing {
            _ if bodiless => Kind::Empty,
            Framing::Length(n) if n > cap => return Err(Error::BodyTooLarge),
            Framing::Length(0) => Kind::Empty,
            Framing::Length(n) => Kind::Length { remaining: n },
            Framing::Chunked => Kind::Chunked(Chunked::new(limits)),
            Framing::Close => Kind::Close { produced: 0, cap },
        };
        Ok(BodyDecoder { kind })
    }

    /// Decodes body bytes from `input`, appending them to `out`.
    pub fn decode(&mut self, input: &[u8], out: &mut Vec<u8>) -> Result<BodyProgress, Error> {
        let consumed = match &mut self.kind {
            Kind::Empty => 0,
            Kind::Length { remaining } => take_length(remaining, input, out),
            Kind::Chunked(chunked) => chunked.decode(input, out)?,
            Kind::Close { produced, cap } => take_until_close(produced, *cap, input, out)?,
        };
        if matches!(self.kind, Kind::Length { remaining: 0 }) {
            self.kind = Kind::Empty;
        }
        Ok(BodyProgress {
            consumed,
            finished: self.is_finished(),
        })
    }

    /// Whether the body is complete.
    pub fn is_finished(&self) -> bool {
        match &self.kind {
            Kind::Empty => true,
            Kind::Length { .. } | Kind::Close { .. } => false,
            Kind::Chunked(chunked) => chunked.is_finished(),
        }
    }

    /// Call when the connection reached EOF: a close-delimited body ends cleanly
    /// there; a length or chunked body not yet complete is `Truncated`.
    pub fn finish_on_eof(&self) -> Result<(), Error> {
        match self.kind {
            Kind::Close { .. } => Ok(()),
            _ if self.is_finished() => Ok(()),
            _ => Err(Error::Truncated),
        }
    }
}

fn take_length(remaining: &mut u64, input: &[u8], out: &mut Vec<u8>) -> usize {
    let n = usize::try_from(*remaining).map_or(input.len(), |r| r.min(input.len()));
    out.extend_from_slice(&input[..n]);
    *remaining -= n as u64;
    n
}

/// Takes everything, but fails before appending a byte that would pass the cap.
fn take_until_close(
    produced: &mut u64,
    cap: u64,
    input: &[u8],
    out: &mut Vec<u8>,
) -> Result<usize, Error> {
    let total = produced
        .checked_add(input.len() as u64)
        .ok_or(Error::BodyTooLarge)?;
    if total > cap {
        return Err(Error::BodyTooLarge);
    }
    out.extend_from_slice(input);
    *produced = total;
    Ok(input.len())
}
