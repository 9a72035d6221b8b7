//! claude-token owns Claude Code's OAuth logins from the outside.
//!
//! Layers, top to bottom (a lower layer never imports a higher one):
//! `commands` (one file per subcommand) → engine and stores (later phases) →
//! primitives: `args` (argv lexer), `cli` (the grammar), `json` (lossless codec),
//! `sha256` (SHA-256, HMAC, constant-time equality), `time`, `fs` (atomic write,
//! locks, checked reads), `redact` (secrets), `term` (the only printer), `http` (sans-IO
//! HTTP/1.1), `net` (connections), `client` (one HTTPS request), `oauth` (refresh, usage,
//! profile), and `sys` (the only `unsafe`). SPEC.md has the codemap and the invariants.

pub mod args;
pub mod catalog;
pub mod cclock;
pub mod cli;
pub mod client;
pub mod commands;
pub mod crash;
pub mod creds;
pub mod engine;
pub mod error;
pub mod fs;
pub mod hex;
pub mod http;
pub mod json;
pub mod log;
pub mod net;
pub mod oauth;
pub mod ops;
pub mod paths;
pub mod redact;
pub mod sha256;
pub mod store;
#[allow(unsafe_code)]
mod sys;
pub mod term;
pub mod time;

pub use error::Error;

use std::ffi::OsString;

/// Parses `argv` (without the program name) and runs the command it names.
pub fn run(argv: impl IntoIterator<Item = OsString>) -> Result<(), Error> {
    match cli::parse(argv)? {
        cli::Parsed::Help(text) => term::out(&text),
        cli::Parsed::Version => term::out(&format!("claude-token {}\n", env!("CARGO_PKG_VERSION"))),
        cli::Parsed::Run(invocation) => commands::run(&invocation),
    }
}
