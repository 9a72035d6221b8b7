//! The help texts, rendered from the grammar table so they cannot drift from it.
//!
//! Man-page shaped and short: usage line, one-line description, then aligned
//! sections. It only builds strings; `term` prints them.

use super::table::{CommandDef, FlagDef, COMMANDS, GLOBAL_FLAGS};
use crate::error::exit;
use std::fmt::Write as _;

const ENVIRONMENT: &[(&str, &str)] = &[
    (
        "CLAUDE_TOKEN_CONFIG_DIR",
        "directory of claude-token's settings and slots.json",
    ),
    (
        "CLAUDE_TOKEN_DATA_DIR",
        "directory of archived logins and the journal",
    ),
    (
        "CLAUDE_TOKEN_HOME_DIR",
        "home in which Claude Code's files are found (default $HOME)",
    ),
    (
        "CLAUDE_TOKEN_FILE_BACKEND",
        "non-empty: archive logins in files, not the Keychain (macOS)",
    ),
    (
        "CLAUDE_TOKEN_KEYCHAIN_ACCOUNT",
        "account of the Keychain items, before $USER (macOS)",
    ),
    (
        "CLAUDE_TOKEN_KEYCHAIN_TIMEOUT",
        "seconds one Keychain call may take (default 60, macOS)",
    ),
    (
        "CLAUDE_CONFIG_DIR",
        "Claude Code's configuration directory (default ~/.claude)",
    ),
    (
        "CLAUDE_SECURESTORAGE_CONFIG_DIR",
        "where Claude Code keeps .credentials.json, as Claude Code reads it",
    ),
    (
        "CLAUDE_TOKEN_REFRESH_INTERVAL_MINUTES",
        "minutes between the daemon's sweeps (default 30)",
    ),
    (
        "CLAUDE_TOKEN_OAUTH_TOKEN_URL",
        "token endpoint (tests, enterprise gateways)",
    ),
    (
        "CLAUDE_TOKEN_API_BASE_URL",
        "base of the usage and profile endpoints",
    ),
    (
        "HTTPS_PROXY, ALL_PROXY",
        "http:// proxy for HTTPS (CONNECT); also lower case",
    ),
    ("NO_PROXY", "hosts, domains, IPs or * that bypass the proxy"),
    (
        "SSL_CERT_FILE",
        "PEM file of extra CA certificates (a TLS-inspecting proxy)",
    ),
    ("NO_COLOR", "set to turn colours off"),
];

const EXIT_CODES: &[(u8, &str)] = &[
    (exit::OK, "ok"),
    (exit::ERROR, "error"),
    (
        exit::USAGE,
        "usage error (command line or a setting in the environment)",
    ),
    (exit::LOGIN_DEAD, "login dead (re-login needed)"),
    (
        exit::UNAVAILABLE,
        "network or service unavailable, or rate limited",
    ),
    (
        exit::BUSY,
        "busy (another claude-token, or Claude Code, holds a lock)",
    ),
    (
        exit::NEEDS_ATTENTION,
        "needs attention (a journal entry was set aside)",
    ),
];

/// The help for `claude-token` itself.
pub fn top() -> String {
    let mut text = String::from(
        "claude-token: keeps Claude Code's OAuth logins, refreshes them, swaps accounts\n\n\
         Usage: claude-token [--format pretty|json] [-v|-vv] [COMMAND]\n",
    );
    let commands: Vec<(String, &str)> = COMMANDS
        .iter()
        .map(|def| (def.name.to_owned(), def.about))
        .collect();
    section(&mut text, "Commands", &commands);
    section(&mut text, "Global flags", &flag_rows(GLOBAL_FLAGS));
    let env: Vec<(String, &str)> = ENVIRONMENT
        .iter()
        .map(|&(name, about)| (name.to_owned(), about))
        .collect();
    section(&mut text, "Environment", &env);
    let codes: Vec<(String, &str)> = EXIT_CODES
        .iter()
        .map(|&(code, about)| (code.to_string(), about))
        .collect();
    section(&mut text, "Exit codes", &codes);
    text.push_str("\nRun 'claude-token help COMMAND' for the flags of one command.\n");
    text
}

/// The help for one command.
pub fn command(def: &CommandDef) -> String {
    let mut text = format!(
        "Usage: {}\n\n{}.\n",
        usage_line(def),
        capitalized(def.about)
    );
    let args: Vec<(String, &str)> = def
        .args
        .iter()
        .map(|&(name, about)| (name.to_owned(), about))
        .collect();
    section(&mut text, "Arguments", &args);
    let help = GLOBAL_FLAGS.iter().filter(|flag| flag.long == "help");
    let flags: Vec<&FlagDef> = def.flags.iter().chain(help).collect();
    section(&mut text, "Flags", &flag_rows(flags));
    text.push_str("\nThe global flags --format and -v work here too; see claude-token --help.\n");
    text
}

/// `claude-token <name> <synopsis>`, as quoted by usage errors too.
pub fn usage_line(def: &CommandDef) -> String {
    format!("claude-token {} {}", def.name, def.synopsis)
        .trim_end()
        .to_owned()
}

/// Appends `title:` and its rows with the descriptions aligned; nothing when empty.
fn section(text: &mut String, title: &str, rows: &[(String, &str)]) {
    if rows.is_empty() {
        return;
    }
    let width = rows
        .iter()
        .map(|(left, _)| left.chars().count())
        .max()
        .unwrap_or(0);
    let _ = write!(text, "\n{title}:\n");
    for (left, about) in rows {
        let _ = writeln!(text, "  {left:<width$}  {about}");
    }
}

/// `-v, --verbose` or `    --path FILE`, with the description.
fn flag_rows<'a>(flags: impl IntoIterator<Item = &'a FlagDef>) -> Vec<(String, &'a str)> {
    let row = |flag: &'a FlagDef| {
        let short = flag
            .short
            .map_or_else(|| "    ".to_owned(), |c| format!("-{c}, "));
        let value = flag.value.map_or_else(String::new, |v| format!(" {v}"));
        (format!("{short}--{}{value}", flag.long), flag.about)
    };
    flags.into_iter().map(row).collect()
}

fn capitalized(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map_or_else(String::new, |first| {
        first.to_uppercase().chain(chars).collect()
    })
}
