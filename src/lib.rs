//! claude-token owns Claude Code's OAuth logins from the outside.
//!
//! Layers, top to bottom (a lower layer never imports a higher one): `commands` (one
//! file per subcommand) → `ops` (add, use, refresh, remove, export, usage as
//! transactions) and `daemon` → `engine` (journal, commit, replay) → `store`, `creds`,
//! `catalog`, `cclock` (Claude Code's lock directories) → `oauth` → `client` → the
//! primitives: `args`, `cli`, `json`, `sha256`, `hex`, `time`, `fs`, `redact`, `term`
//! (the only printer), `http` (sans-IO HTTP/1.1), `net` (connections), `crash`, and
//! `sys`, the one module that may call libc directly. SPEC.md has the codemap and
//! the invariants.

pub mod args;
pub mod catalog;
pub mod cclock;
pub mod cli;
pub mod client;
pub mod commands;
pub mod crash;
pub mod creds;
pub mod daemon;
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
#[allow(unsafe_code)] // the one module of libc wrappers, each block with a SAFETY comment
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
