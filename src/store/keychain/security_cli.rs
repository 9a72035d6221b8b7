//! The `/usr/bin/security` protocol: the calls we make and how we read their results.
//!
//! Owns the argument lists, the quoting of the one line fed to `security -i`, and
//! the parsing of exit statuses and of what `find-generic-password -w` prints. Pure
//! functions, tested on Linux; running the program is a [`super::SecurityRunner`]'s
//! job. A secret only ever travels in [`SecurityCall::stdin`], never in `args`.
//!
//! Facts about `security` (Apple's `SecurityTool` sources) this relies on:
//! - `-i` reads commands from stdin, one per line, into a 4096-byte buffer: at most
//!   4095 bytes are taken per read, so a longer line would be cut and its tail run
//!   as a second command. We refuse any line that does not fit, newline included.
//! - A line is split into words at whitespace; a word that starts with `"` (or `'`)
//!   runs to the matching quote, and inside it a backslash takes the next byte
//!   literally. Every word we send is double-quoted with `\` and `"` escaped, so its
//!   content is never re-split. A NUL ends the C string and a newline ends the line:
//!   neither can be sent, and CR is refused with them (DESIGN.md §5).
//! - Exit status 44 is `errSecItemNotFound` (-25300) truncated to its low byte.
//! - `-w` prints the password and a newline; when a byte is not printable ASCII it
//!   prints the whole password as hex digits instead (upper case in Apple's code; we
//!   accept either). Older versions print attribute-style `0x<HEX>  "<escaped text>"`.
//!   Hex is printed only when some byte is outside `' '..='~'` or is `\`, so output
//!   that decodes as hex to such bytes is hex, and anything else is the password
//!   itself. The one ambiguity left (a printable password that happens to be the hex
//!   of an unprintable one) cannot arise for a JSON login, which starts with `{`.

use super::item::ClaudeItem;
use crate::hex;
use crate::store::Blob;
use std::fmt;
use std::time::Duration;

/// The pinned program (never looked up in `PATH`).
pub const SECURITY_PROGRAM: &str = "/usr/bin/security";

/// How long one call may take before the child is killed.
pub const CALL_TIMEOUT: Duration = Duration::from_secs(10);

/// `security`'s exit status when the item does not exist.
pub const ITEM_NOT_FOUND: i32 = 44;

/// The longest line (without its newline) that `security -i` reads whole.
pub const MAX_INTERACTIVE_LINE: usize = 4094;

/// One run of `security`: its arguments and, for `-i`, what to write to its stdin.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecurityCall {
    pub args: Vec<String>,
    /// Written to stdin, then stdin is closed; `None` = empty stdin.
    pub stdin: Option<Blob>,
}

/// What a run of `security` left behind.
#[derive(Debug)]
pub struct SecurityOutput {
    /// The exit status, `None` when a signal ended it.
    pub status: Option<i32>,
    pub stdout: Blob,
}

/// Why a `security` call could not be made or did not succeed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CliError {
    /// An argument holds CR, LF or NUL (`what` names it: account or service).
    BadArgument { what: &'static str },
    /// The `-i` line would be `len` bytes; `security` reads at most `max` whole.
    LineTooLong { len: usize, max: usize },
    /// `security` exited with this status.
    Failed { status: i32 },
    /// A signal ended `security` (our timeout kills it).
    Killed,
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CliError::BadArgument { what } => {
                write!(f, "the {what} name holds a line break or NUL")
            }
            CliError::LineTooLong { len, max } => write!(
                f,
                "the login is too large to pass to {SECURITY_PROGRAM} on stdin \
                 ({len}-byte command; it reads at most {max})"
            ),
            CliError::Failed { status } => {
                write!(f, "{SECURITY_PROGRAM} exited with status {status}")
            }
            CliError::Killed => write!(f, "{SECURITY_PROGRAM} was stopped by a signal"),
        }
    }
}

/// `find-generic-password -a <account> -s <service> -w`.
pub fn find_call(item: &ClaudeItem) -> Result<SecurityCall, CliError> {
    let args = words("find-generic-password", item, &["-w"])?;
    Ok(SecurityCall { args, stdin: None })
}

/// `delete-generic-password -a <account> -s <service>`.
pub fn delete_call(item: &ClaudeItem) -> Result<SecurityCall, CliError> {
    let args = words("delete-generic-password", item, &[])?;
    Ok(SecurityCall { args, stdin: None })
}

/// `security -i` with `add-generic-password -U -a <account> -s <service> -X <hex>`
/// on stdin: `-U` updates the item if it exists, `-X` takes the secret as hex.
pub fn add_call(item: &ClaudeItem, secret: &[u8]) -> Result<SecurityCall, CliError> {
    let mut words = vec!["add-generic-password".to_owned(), "-U".to_owned()];
    words.extend(words_for(item)?);
    words.push("-X".to_owned());
    // The hex text is a secret too: it lives only inside a Blob, wiped on drop.
    let secret_hex = Blob::new(hex::encode(secret).into_bytes());
    let line = interactive_line(&words, &secret_hex)?;
    Ok(SecurityCall {
        args: vec!["-i".to_owned()],
        stdin: Some(line),
    })
}

/// The words of a call: the command, the item's `-a`/`-s`, then `tail`.
fn words(command: &str, item: &ClaudeItem, tail: &[&str]) -> Result<Vec<String>, CliError> {
    let mut words = vec![command.to_owned()];
    words.extend(words_for(item)?);
    words.extend(tail.iter().map(|w| (*w).to_owned()));
    Ok(words)
}

fn words_for(item: &ClaudeItem) -> Result<[String; 4], CliError> {
    check_argument("account", &item.account)?;
    check_argument("service", &item.service)?;
    Ok([
        "-a".to_owned(),
        item.account.clone(),
        "-s".to_owned(),
        item.service.clone(),
    ])
}

/// Refuses CR, LF and NUL: `security` would cut or split the argument there.
pub fn check_argument(what: &'static str, value: &str) -> Result<(), CliError> {
    if value.bytes().any(|b| matches!(b, b'\r' | b'\n' | 0)) {
        return Err(CliError::BadArgument { what });
    }
    Ok(())
}

/// `word` as one double-quoted `security -i` word: `\` and `"` get a backslash.
pub fn quote(word: &str) -> String {
    let mut quoted = String::with_capacity(word.len() + 2);
    quoted.push('"');
    for c in word.chars() {
        if matches!(c, '\\' | '"') {
            quoted.push('\\');
        }
        quoted.push(c);
    }
    quoted.push('"');
    quoted
}

/// The stdin line for `security -i`: every word quoted, the secret hex last, a
/// newline at the end. Refused when it would not be read whole.
pub fn interactive_line(words: &[String], secret_hex: &Blob) -> Result<Blob, CliError> {
    let mut line: Vec<u8> = Vec::new();
    for word in words {
        line.extend_from_slice(quote(word).as_bytes());
        line.push(b' ');
    }
    let len = line.len() + secret_hex.len() + 2;
    if len > MAX_INTERACTIVE_LINE {
        crate::sys::mem::wipe(&mut line);
        return Err(CliError::LineTooLong {
            len,
            max: MAX_INTERACTIVE_LINE,
        });
    }
    // Sized up front so the secret is never copied by regrowth.
    let mut full = Vec::with_capacity(len + 1);
    full.extend_from_slice(&line);
    full.push(b'"');
    full.extend_from_slice(secret_hex.as_bytes());
    full.extend_from_slice(b"\"\n");
    Ok(Blob::new(full))
}

/// The item's bytes from a `find` call: `None` for "not found".
pub fn parse_find(output: &SecurityOutput) -> Result<Option<Blob>, CliError> {
    match output.status {
        Some(0) => Ok(Some(Blob::new(decode_password(output.stdout.as_bytes())))),
        Some(ITEM_NOT_FOUND) => Ok(None),
        Some(status) => Err(CliError::Failed { status }),
        None => Err(CliError::Killed),
    }
}

/// Success of an `add` call.
pub fn parse_add(output: &SecurityOutput) -> Result<(), CliError> {
    match output.status {
        Some(0) => Ok(()),
        Some(status) => Err(CliError::Failed { status }),
        None => Err(CliError::Killed),
    }
}

/// Success of a `delete` call; an item that was not there is success too.
pub fn parse_delete(output: &SecurityOutput) -> Result<(), CliError> {
    match output.status {
        Some(0 | ITEM_NOT_FOUND) => Ok(()),
        Some(status) => Err(CliError::Failed { status }),
        None => Err(CliError::Killed),
    }
}

/// The password `find-generic-password -w` printed (see the module notes).
pub fn decode_password(stdout: &[u8]) -> Vec<u8> {
    let text = stdout.strip_suffix(b"\n").unwrap_or(stdout);
    hex_form(text).unwrap_or_else(|| text.to_vec())
}

/// The bytes `text` spells when it is one of `security`'s hex forms.
fn hex_form(text: &[u8]) -> Option<Vec<u8>> {
    let digits = match text.strip_prefix(b"0x") {
        Some(rest) => attribute_hex(rest)?,
        None => text,
    };
    if digits.is_empty() {
        return None;
    }
    let bytes = hex::decode(std::str::from_utf8(digits).ok()?).ok()?;
    bytes.iter().any(|&b| needs_hex(b)).then_some(bytes)
}

/// The digits of `0x<HEX>` optionally followed by spaces and a quoted rendering.
fn attribute_hex(rest: &[u8]) -> Option<&[u8]> {
    let end = rest.iter().position(|&b| b == b' ').unwrap_or(rest.len());
    let (digits, after) = rest.split_at(end);
    let after = after.trim_ascii_start();
    let quoted = after.len() >= 2 && after.starts_with(b"\"") && after.ends_with(b"\"");
    (after.is_empty() || quoted).then_some(digits)
}

/// The bytes that make `security` print a password as hex.
fn needs_hex(byte: u8) -> bool {
    !(b' '..=b'~').contains(&byte) || byte == b'\\'
}
