#![no_main]
//! Fuzzes the command line: decision bytes pick an argv from awkward tokens and raw
//! byte slices (often not UTF-8), and `cli::parse` must never panic. Invariants:
//! parsing is deterministic; an accepted invocation, rendered back to its canonical
//! argv, parses to the same value; every error is a one-line usage error (exit 2).

use claude_token::cli::{self, Parsed};
use libfuzzer_sys::fuzz_target;
use std::ffi::OsString;
use std::os::unix::ffi::OsStringExt;

const VOCABULARY: &[&str] = &[
    "",
    "-",
    "--",
    "=",
    "-=",
    "--=",
    "--a=",
    "---",
    "#",
    "#0",
    "#1",
    "#99",
    "#-1",
    "#abc",
    "#4294967296",
    "-v",
    "-vv",
    "-vvv",
    "-h",
    "-V",
    "-x",
    "--help",
    "--version",
    "--verbose",
    "--format",
    "--format=json",
    "--format=pretty",
    "--format=",
    "json",
    "pretty",
    "add",
    "list",
    "use",
    "refresh",
    "usage",
    "daemon",
    "export",
    "remove",
    "help",
    "lsit",
    "--from",
    "--from=file",
    "keychain",
    "file",
    "--path",
    "--path=",
    "--name",
    "--name=work",
    "--debug",
    "--detail",
    "--no-usage",
    "--all",
    "--force",
    "--forse",
    "--yes",
    "--yes=x",
    "work",
    "all",
    "ALL",
    "a_b-c",
    "-vh",
    "-hv",
    "a\nb",
];

/// Most tokens come from the vocabulary; a byte at or above this value instead
/// starts a raw token made of the next few input bytes.
const RAW: u8 = 0xE0;

/// At most this many tokens, so one input stays fast.
const MAX_TOKENS: usize = 24;

/// Turns decision bytes into an argv.
fn argv(data: &[u8]) -> Vec<OsString> {
    let mut out = Vec::new();
    let mut rest = data;
    while let Some((&byte, tail)) = rest.split_first() {
        if out.len() == MAX_TOKENS {
            break;
        }
        rest = tail;
        if byte < RAW {
            out.push(OsString::from(
                VOCABULARY[usize::from(byte) % VOCABULARY.len()],
            ));
            continue;
        }
        let len = usize::from(byte - RAW).min(rest.len());
        let (raw, tail) = rest.split_at(len);
        out.push(OsString::from_vec(raw.to_vec()));
        rest = tail;
    }
    out
}

fuzz_target!(|data: &[u8]| {
    let argv = argv(data);
    let first = cli::parse(argv.clone());
    let second = cli::parse(argv);
    assert_eq!(
        format!("{first:?}"),
        format!("{second:?}"),
        "parsing is not deterministic"
    );
    match first {
        Ok(Parsed::Run(invocation)) => {
            let rendered = invocation.to_args();
            let again = cli::parse(rendered.clone())
                .unwrap_or_else(|e| panic!("canonical argv {rendered:?} fails: {e}"));
            assert_eq!(
                again,
                Parsed::Run(invocation),
                "canonical argv {rendered:?}"
            );
        }
        Ok(Parsed::Help(text)) => {
            assert!(text.starts_with("Usage: ") || text.starts_with("claude-token"))
        }
        Ok(Parsed::Version) => {}
        Err(err) => {
            assert_eq!(err.exit_code(), 2, "{err}");
            let message = err.to_string();
            assert!(
                !message.contains('\n') && message.chars().count() < 600,
                "{message:?}"
            );
        }
    }
});
