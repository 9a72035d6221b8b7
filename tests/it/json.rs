//! Tests for `json`: the `JSONTestSuite` vectors (`suite`), parse errors and what the
//! parser reports (`parse`), reading values (`read`), splice edits (`edit`), and the
//! owned value with its writer (`value`).

mod edit;
mod parse;
mod read;
mod suite;
mod value;

use claude_token::json::{Document, Error, Reason};

/// Parses `text`, failing the test with the parse error when it is not JSON.
fn doc(text: &str) -> Document {
    Document::parse(text.as_bytes()).unwrap_or_else(|e| panic!("{text:?}: {e}"))
}

/// The error parsing `input`, failing the test when it parses.
fn error(input: &[u8]) -> Error {
    match Document::parse(input) {
        Ok(_) => panic!("{:?} parsed", String::from_utf8_lossy(input)),
        Err(e) => e,
    }
}

/// Asserts that `input` fails with `reason` at `offset`.
fn check_error(input: &[u8], offset: usize, reason: Reason) {
    assert_eq!(
        error(input),
        Error { offset, reason },
        "input {:?}",
        String::from_utf8_lossy(input)
    );
}
