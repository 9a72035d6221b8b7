#![no_main]
//! Feeds a response to the head parser and body decoder in pieces the input chooses,
//! and checks: no panic, `consumed` never exceeds what was given, the decoded body
//! never exceeds the cap, and the same bytes fed whole give the same outcome.
//!
//! Input layout: `flags`, `k`, then `k % 8` piece lengths (each byte + 1), then the
//! response. Flag bit 0 answers a HEAD request; bit 1 uses tiny limits so that every
//! limit is reachable.
use claude_token::http::{BodyDecoder, Error, Limits, Method, Progress, ResponseParser};
use libfuzzer_sys::fuzz_target;

/// Everything observable about one run.
#[derive(Debug, PartialEq)]
struct Outcome {
    result: Result<(), Error>,
    status: Option<u16>,
    /// Compared only when `result` is Ok: on error, how much got out depends on
    /// where the feeds were cut.
    body: Option<Vec<u8>>,
    finished: bool,
    /// Also compared only when `result` is Ok.
    consumed: Option<usize>,
    eof: Option<Result<(), Error>>,
}

struct Run {
    method: Method,
    limits: Limits,
    parser: ResponseParser,
    decoder: Option<BodyDecoder>,
    status: Option<u16>,
    body: Vec<u8>,
    consumed: usize,
}

impl Run {
    fn new(method: Method, limits: Limits) -> Self {
        let parser = ResponseParser::new(limits);
        Run {
            method,
            limits,
            parser,
            decoder: None,
            status: None,
            body: Vec::new(),
            consumed: 0,
        }
    }

    fn feed(&mut self, input: &[u8]) -> Result<(), Error> {
        let mut rest = input;
        if self.decoder.is_none() {
            match self.parser.parse_head(rest)? {
                Progress::NeedMore => rest = &[],
                Progress::Done { consumed, value } => {
                    assert!(consumed <= rest.len(), "head consumed more than given");
                    rest = &rest[consumed..];
                    self.status = Some(value.status);
                    self.decoder = Some(BodyDecoder::for_head(&value, self.method, &self.limits)?);
                }
            }
        }
        if let Some(decoder) = &mut self.decoder {
            let progress = decoder.decode(rest, &mut self.body);
            let cap = self.limits.max_body_bytes;
            assert!(self.body.len() as u64 <= cap, "body passed the cap");
            let progress = progress?;
            assert!(
                progress.consumed <= rest.len(),
                "body consumed more than given"
            );
            rest = &rest[progress.consumed..];
        }
        self.consumed += input.len() - rest.len();
        Ok(())
    }

    fn finished(&self) -> bool {
        self.decoder.as_ref().is_some_and(BodyDecoder::is_finished)
    }

    fn outcome(self, result: Result<(), Error>) -> Outcome {
        let finished = result.is_ok() && self.finished();
        let eof = match (&result, &self.decoder) {
            (Ok(()), Some(decoder)) => Some(decoder.finish_on_eof()),
            _ => None,
        };
        let body = result.is_ok().then_some(self.body);
        let consumed = result.is_ok().then_some(self.consumed);
        Outcome {
            result,
            status: self.status,
            body,
            finished,
            consumed,
            eof,
        }
    }
}

fn run(pieces: &[&[u8]], method: Method, limits: Limits) -> Outcome {
    let mut run = Run::new(method, limits);
    let mut result = Ok(());
    for piece in pieces {
        if run.finished() {
            break;
        }
        result = run.feed(piece);
        if result.is_err() {
            break;
        }
    }
    run.outcome(result)
}

fn tiny_limits() -> Limits {
    Limits {
        max_head_bytes: 200,
        max_headers: 4,
        max_body_bytes: 40,
        max_chunk_line_bytes: 24,
    }
}

fuzz_target!(|data: &[u8]| {
    let [flags, k, rest @ ..] = data else { return };
    let k = usize::from(k % 8).min(rest.len());
    let (lengths, response) = rest.split_at(k);
    let method = if flags & 1 == 1 {
        Method::Head
    } else {
        Method::Get
    };
    let limits = if flags & 2 == 2 {
        tiny_limits()
    } else {
        Limits::default()
    };

    let mut pieces = Vec::new();
    let mut left = response;
    for &len in lengths {
        let (piece, tail) = left.split_at((usize::from(len) + 1).min(left.len()));
        pieces.push(piece);
        left = tail;
    }
    pieces.push(left);

    let split = run(&pieces, method, limits);
    let whole = run(&[response], method, limits);
    assert_eq!(split, whole, "split feeding changed the outcome");
    if let (Some(body), true) = (&whole.body, whole.finished) {
        assert!(body.len() as u64 <= limits.max_body_bytes);
    }
});
