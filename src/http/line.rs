//! CRLF line splitting with a byte budget, shared by the head, chunk-size lines and
//! trailers. It owns the line-ending rules (LF needs a CR before it, CR needs a LF
//! after it) and the budget; it never interprets what a line says.
//!
//! Every check runs byte by byte, in input order, so the first offending byte decides
//! the error whatever way the input was split into feeds.

use super::Error;

/// A per-byte check the owner runs on each byte as it arrives: `(position in line,
/// byte)`. Lets the owner fail before the line ends (e.g. obs-fold at position 0).
pub(super) type EarlyCheck = fn(usize, u8) -> Result<(), Error>;

#[derive(Debug)]
pub(super) struct LineReader {
    /// The current line without its CRLF.
    line: Vec<u8>,
    /// The previous byte was a CR (not stored in `line`).
    pending_cr: bool,
    /// Bytes taken since the last `reset_budget`, line ends included.
    used: usize,
    limit: usize,
    too_long: Error,
}

impl LineReader {
    pub(super) fn new(limit: usize, too_long: Error) -> Self {
        LineReader {
            line: Vec::new(),
            pending_cr: false,
            used: 0,
            limit,
            too_long,
        }
    }

    /// Starts a new budget of `limit` bytes, reported as `too_long` when exceeded.
    pub(super) fn reset_budget(&mut self, limit: usize, too_long: Error) {
        self.used = 0;
        self.limit = limit;
        self.too_long = too_long;
    }

    /// The line completed by the last `take` that returned `true`.
    pub(super) fn line(&self) -> &[u8] {
        &self.line
    }

    /// Takes bytes up to and including the next LF. Returns how many bytes were taken
    /// and whether a line is now complete (read it with `line`, then `clear`).
    pub(super) fn take(&mut self, input: &[u8], check: EarlyCheck) -> Result<(usize, bool), Error> {
        for (i, &b) in input.iter().enumerate() {
            if self.take_byte(b, check)? {
                return Ok((i + 1, true));
            }
        }
        Ok((input.len(), false))
    }

    /// Forgets the completed line so the next one can start.
    pub(super) fn clear(&mut self) {
        self.line.clear();
    }

    fn take_byte(&mut self, b: u8, check: EarlyCheck) -> Result<bool, Error> {
        if self.used >= self.limit {
            return Err(self.too_long);
        }
        self.used += 1;
        match (self.pending_cr, b) {
            (true, b'\n') => {
                self.pending_cr = false;
                Ok(true)
            }
            (true, _) => Err(Error::BareCr),
            (false, b'\n') => Err(Error::BareLf),
            (false, b'\r') => {
                self.pending_cr = true;
                Ok(false)
            }
            (false, _) => {
                check(self.line.len(), b)?;
                self.line.push(b);
                Ok(false)
            }
        }
    }
}

/// The early check that accepts everything.
#[allow(clippy::unnecessary_wraps)] // must have the `EarlyCheck` signature
pub(super) fn no_check(_: usize, _: u8) -> Result<(), Error> {
    Ok(())
}

/// The early check for header and trailer lines: a line starting with SP or HTAB is
/// obsolete folding, refused at once.
pub(super) fn no_fold(pos: usize, b: u8) -> Result<(), Error> {
    if pos == 0 && (b == b' ' || b == b'\t') {
        return Err(Error::ObsFold);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(input: &[u8]) -> Result<Vec<Vec<u8>>, Error> {
        let mut reader = LineReader::new(100, Error::HeadTooLarge);
        let (mut pos, mut out) = (0, Vec::new());
        while pos < input.len() {
            let (n, done) = reader.take(&input[pos..], no_check)?;
            pos += n;
            if done {
                out.push(reader.line().to_vec());
                reader.clear();
            }
        }
        Ok(out)
    }

    #[test]
    fn splits_on_crlf_only() {
        assert_eq!(lines(b"a\r\n\r\nbc\r\n").unwrap(), [&b"a"[..], b"", b"bc"]);
        assert_eq!(lines(b"a\nb"), Err(Error::BareLf));
        assert_eq!(lines(b"a\rb\r\n"), Err(Error::BareCr));
        assert_eq!(lines(b"a\r\r\n"), Err(Error::BareCr));
    }

    #[test]
    fn budget_counts_line_ends_and_fails_on_the_first_byte_over() {
        let mut reader = LineReader::new(4, Error::HeadTooLarge);
        assert_eq!(reader.take(b"ab\r\n", no_check), Ok((4, true)));
        reader.clear();
        assert_eq!(reader.take(b"c", no_check), Err(Error::HeadTooLarge));
    }
}
