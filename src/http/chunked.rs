//! The chunked transfer coding (RFC 9112 section 7.1), decoded incrementally. It owns
//! the chunk-size line grammar (strict: hex digits only, no whitespace anywhere,
//! extensions checked then dropped), the CRLF after each chunk's data, and the
//! trailer section (header rules, then discarded). It never lets a chunk start whose
//! declared size would take the body past the cap.

use super::line::{no_check, no_fold, LineReader};
use super::syntax::{header_line, hex, is_tchar};
use super::{Error, Limits};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    SizeLine,
    Data { remaining: u64 },
    DataCr,
    DataLf,
    Trailers { count: usize },
    Done,
}

#[derive(Debug)]
pub(super) struct Chunked {
    state: State,
    lines: LineReader,
    /// Sum of the sizes of the chunks started so far.
    produced: u64,
    cap: u64,
    max_line: usize,
    max_trailers: usize,
    max_headers: usize,
}

impl Chunked {
    pub(super) fn new(limits: &Limits) -> Self {
        Chunked {
            state: State::SizeLine,
            lines: LineReader::new(limits.max_chunk_line_bytes, Error::ChunkLineTooLong),
            produced: 0,
            cap: limits.max_body_bytes,
            max_line: limits.max_chunk_line_bytes,
            max_trailers: limits.max_head_bytes,
            max_headers: limits.max_headers,
        }
    }

    pub(super) fn is_finished(&self) -> bool {
        self.state == State::Done
    }

    /// Decodes from `input` into `out`; returns the bytes taken (all of them unless
    /// the message ended first).
    pub(super) fn decode(&mut self, input: &[u8], out: &mut Vec<u8>) -> Result<usize, Error> {
        let mut pos = 0;
        while pos < input.len() && self.state != State::Done {
            pos += self.step(&input[pos..], out)?;
        }
        Ok(pos)
    }

    /// One state's worth of progress on a non-empty `input`.
    fn step(&mut self, input: &[u8], out: &mut Vec<u8>) -> Result<usize, Error> {
        match self.state {
            State::SizeLine => self.size_line(input),
            State::Data { remaining } => Ok(self.data(remaining, input, out)),
            State::DataCr => self.expect(input[0], b'\r', State::DataLf),
            State::DataLf => {
                self.lines
                    .reset_budget(self.max_line, Error::ChunkLineTooLong);
                self.expect(input[0], b'\n', State::SizeLine)
            }
            State::Trailers { count } => self.trailer(count, input),
            State::Done => Ok(0),
        }
    }

    fn size_line(&mut self, input: &[u8]) -> Result<usize, Error> {
        let (n, complete) = self.lines.take(input, no_check)?;
        if complete {
            let size = chunk_size_line(self.lines.line())?;
            self.lines.clear();
            self.start_chunk(size)?;
        }
        Ok(n)
    }

    fn start_chunk(&mut self, size: u64) -> Result<(), Error> {
        if size == 0 {
            self.lines
                .reset_budget(self.max_trailers, Error::TrailersTooLarge);
            self.state = State::Trailers { count: 0 };
            return Ok(());
        }
        let total = self.produced.checked_add(size).ok_or(Error::BodyTooLarge)?;
        if total > self.cap {
            return Err(Error::BodyTooLarge);
        }
        self.produced = total;
        self.state = State::Data { remaining: size };
        Ok(())
    }

    fn data(&mut self, remaining: u64, input: &[u8], out: &mut Vec<u8>) -> usize {
        let n = usize::try_from(remaining).map_or(input.len(), |r| r.min(input.len()));
        out.extend_from_slice(&input[..n]);
        let left = remaining - n as u64;
        self.state = if left == 0 {
            State::DataCr
        } else {
            State::Data { remaining: left }
        };
        n
    }

    fn expect(&mut self, got: u8, want: u8, next: State) -> Result<usize, Error> {
        if got != want {
            return Err(Error::InvalidChunkEnd);
        }
        self.state = next;
        Ok(1)
    }

    fn trailer(&mut self, count: usize, input: &[u8]) -> Result<usize, Error> {
        let (n, complete) = self.lines.take(input, no_fold)?;
        if !complete {
            return Ok(n);
        }
        if self.lines.line().is_empty() {
            self.state = State::Done;
        } else if count == self.max_headers {
            return Err(Error::TooManyHeaders);
        } else {
            // Parsed for validity, then dropped: we never act on trailers.
            header_line(self.lines.line())?;
            self.state = State::Trailers { count: count + 1 };
        }
        self.lines.clear();
        Ok(n)
    }
}

/// `chunk-size *( ";" ext-name [ "=" ext-value ] )` without any whitespace; returns
/// the size. RFC 9112 lets a recipient skip whitespace before `;` and `=`: we refuse
/// it, since parsers disagreeing over such bytes is how chunked smuggling works.
fn chunk_size_line(line: &[u8]) -> Result<u64, Error> {
    let end = line.iter().position(|&b| b == b';').unwrap_or(line.len());
    let size = hex(&line[..end]).ok_or(Error::InvalidChunkSize)?;
    extensions(&line[end..])?;
    Ok(size)
}

/// A run of `;name[=value]` items, each name a token, each value a token or a
/// quoted string.
fn extensions(mut rest: &[u8]) -> Result<(), Error> {
    while let [b';', tail @ ..] = rest {
        rest = skip_token(tail).ok_or(Error::InvalidChunkExtension)?;
        if let [b'=', value @ ..] = rest {
            rest = match value {
                [b'"', quoted @ ..] => skip_quoted(quoted),
                _ => skip_token(value),
            }
            .ok_or(Error::InvalidChunkExtension)?;
        }
    }
    if rest.is_empty() {
        Ok(())
    } else {
        Err(Error::InvalidChunkExtension)
    }
}

/// Skips a non-empty token; `None` when there is none.
fn skip_token(s: &[u8]) -> Option<&[u8]> {
    let n = s.iter().position(|&b| !is_tchar(b)).unwrap_or(s.len());
    (n > 0).then(|| &s[n..])
}

/// Skips the rest of a quoted string (opening quote already taken) and its closing
/// quote; `None` when it is unterminated or holds a control character.
fn skip_quoted(mut s: &[u8]) -> Option<&[u8]> {
    loop {
        match s {
            [b'"', rest @ ..] => return Some(rest),
            [b'\\', c, rest @ ..] if is_quotable(*c) => s = rest,
            [c, rest @ ..] if *c != b'\\' && is_quotable(*c) => s = rest,
            _ => return None,
        }
    }
}

/// HTAB, SP, VCHAR and obs-text: what may appear in a quoted string.
fn is_quotable(b: u8) -> bool {
    b == b'\t' || (b >= 0x20 && b != 0x7f)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn size_line_accepts_extensions_and_quoted_values() {
        assert_eq!(chunk_size_line(b"1A"), Ok(26));
        assert_eq!(chunk_size_line(b"5;a;b=c;d=\"x; \\\"y\""), Ok(5));
    }

    #[test]
    fn size_line_rejects_whitespace_signs_and_prefixes() {
        for bad in [
            &b"5 "[..],
            b" 5",
            b"+5",
            b"0x5",
            b"1 0",
            b"",
            b";a",
            b"5 ;a",
        ] {
            assert_eq!(
                chunk_size_line(bad),
                Err(Error::InvalidChunkSize),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn size_line_rejects_malformed_extensions() {
        for bad in [
            &b"5;"[..],
            b"5;a=",
            b"5;a=\"x",
            b"5; a",
            b"5;a =b",
            b"5;a=\"\x01\"",
            b"5;a;",
        ] {
            assert_eq!(
                chunk_size_line(bad),
                Err(Error::InvalidChunkExtension),
                "{bad:?}"
            );
        }
    }
}
