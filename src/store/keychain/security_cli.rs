//! The `/usr/bin/security` protocol: the calls we make and how we read their results.
//!
//! Owns the argument lists, the choice of channel for a secret (one quoted line on
//! `security -i`'s stdin, or argv when that line would be too long), the parsing of
//! exit statuses and of what `find-generic-password -w` prints, and what each status
//! means for the user. Pure functions, tested on Linux; running the program is a
//! [`super::SecurityRunner`]'s job.
//!
//! Facts about `security` (Apple's `SecurityTool/macOS` sources) this relies on:
//! - `-i` reads commands from stdin with `readline(buffer, 4096)`: it stores at most
//!   4095 bytes and stops there without consuming the rest, so a line is read whole,
//!   newline included, only when it holds at most [`MAX_INTERACTIVE_LINE`] = 4094
//!   bytes before its newline. A longer line would be cut and its tail run as a
//!   second command: such a secret goes on argv instead (SPEC.md §11 says why that
//!   is no worse than Claude Code, which does the same past 4032 characters).
//! - A line is split into words at whitespace; a word that starts with `"` (or `'`)
//!   runs to the matching quote, and inside it a backslash takes the next byte
//!   literally. Every word we send is double-quoted with `\` and `"` escaped, so its
//!   content is never re-split. A NUL ends the C string and a newline ends the line:
//!   neither can be sent, and CR is refused with them (DESIGN.md §5).
//! - The exit status is the low byte of the `OSStatus` (`errSecItemNotFound`, -25300,
//!   is 44; see [`Status`]).
//! - `-w` prints the password and a newline, as it is when every byte is printable
//!   ASCII (`' '..='~'`, backslash included), else every byte as two lower-case hex
//!   digits. So output that is all hex digits and decodes to some unprintable byte is
//!   hex; anything else is the password itself. The one ambiguity left (a printable
//!   password that is itself the hex of an unprintable one) cannot arise for a JSON
//!   login, which starts with `{`.
//! - `add-generic-password -w 0x…` stores the text `0x…` as it is (only `-X` decodes
//!   hex). The original `claude-token` wrote its archive items that way, so an item
//!   that reads `0x<even number of hex digits>` is that tool's hex of the login
//!   ([`decode_legacy`]).
//! - A keychain file named after the options restricts `find`, `add` and `delete` to
//!   that keychain (tests name a keychain they made; see `backend`).

use super::item::ClaudeItem;
use crate::hex;
use crate::store::Blob;
use std::ffi::OsStr;
use std::fmt;
use std::path::Path;
use std::time::Duration;

/// The pinned program (never looked up in `PATH`).
pub const SECURITY_PROGRAM: &str = "/usr/bin/security";

/// How long one call may take by default before the child is killed: long enough to
/// type the login keychain's password into an unlock dialog.
pub const DEFAULT_CALL_TIMEOUT: Duration = Duration::from_secs(60);

/// The environment variable that sets the deadline of one call, in seconds.
pub const TIMEOUT_VAR: &str = "CLAUDE_TOKEN_KEYCHAIN_TIMEOUT";

/// The longest deadline [`TIMEOUT_VAR`] may set.
pub const MAX_CALL_TIMEOUT_SECS: u64 = 600;

/// `security`'s exit status when the item does not exist.
pub const ITEM_NOT_FOUND: i32 = 44;

/// The longest line (without its newline) that `security -i` reads whole.
pub const MAX_INTERACTIVE_LINE: usize = 4094;

/// The largest secret we write: its hex must fit on argv with room to spare under
/// macOS's 1 MiB `ARG_MAX` (which also holds the environment).
pub const MAX_SECRET_LEN: usize = 384 * 1024;

/// One run of `security`: its arguments and, for `-i`, what to write to its stdin.
/// `Debug` never shows a secret: not the stdin line, not the hex of an argv call.
#[derive(Clone, PartialEq, Eq)]
pub struct SecurityCall {
    pub args: Vec<String>,
    /// Written to stdin, then stdin is closed; `None` = empty stdin.
    pub stdin: Option<Blob>,
}

impl SecurityCall {
    /// Whether the secret (if any) travels on argv: a `-i` call keeps it on stdin.
    pub fn secret_on_argv(&self) -> bool {
        self.args
            .first()
            .is_some_and(|a| a == "add-generic-password")
    }
}

impl fmt::Debug for SecurityCall {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let args: Vec<&str> = if self.secret_on_argv() {
            // The words before `-X`, then what stands for the secret.
            let shown = self
                .args
                .iter()
                .position(|a| a == "-X")
                .map_or(0, |at| at + 1);
            let mut args: Vec<&str> = self.args[..shown].iter().map(String::as_str).collect();
            args.push("[REDACTED]");
            args
        } else {
            self.args.iter().map(String::as_str).collect()
        };
        f.debug_struct("SecurityCall")
            .field("args", &args)
            .field("stdin", &self.stdin)
            .finish()
    }
}

impl Drop for SecurityCall {
    fn drop(&mut self) {
        // An argv call carries the secret's hex in its arguments.
        if self.secret_on_argv() {
            for arg in &mut self.args {
                let mut bytes = std::mem::take(arg).into_bytes();
                crate::sys::mem::wipe(&mut bytes);
            }
        }
    }
}

/// What a run of `security` left behind.
#[derive(Debug)]
pub struct SecurityOutput {
    /// The exit status, `None` when a signal ended it.
    pub status: Option<i32>,
    pub stdout: Blob,
}

/// Which keychain a call addresses: the user's search list (`None`), or one keychain
/// file, named after the options of every call.
pub type KeychainFile<'a> = Option<&'a Path>;

/// Why a `security` call could not be made or did not succeed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CliError {
    /// An argument holds CR, LF or NUL (`what` names it: account, service, keychain).
    BadArgument { what: &'static str },
    /// The secret is `len` bytes; we write at most `max`.
    TooLarge { len: usize, max: usize },
    /// `security` exited with this status.
    Failed { status: Status },
    /// A signal ended `security` (our deadline kills it).
    Killed,
}

impl CliError {
    /// What the user can do about it.
    pub fn hint(&self) -> &'static str {
        match self {
            CliError::BadArgument { .. } => {
                "fix the name in the environment (USER or CLAUDE_TOKEN_KEYCHAIN_ACCOUNT)"
            }
            CliError::TooLarge { .. } => {
                "the login holds too much besides its tokens (many MCP server logins?); \
                 remove what Claude Code no longer needs with `claude mcp`, then run the command again"
            }
            CliError::Failed { status } => status.hint(),
            CliError::Killed => UNLOCK_HINT,
        }
    }
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CliError::BadArgument { what } => {
                write!(f, "the {what} name holds a line break or NUL")
            }
            CliError::TooLarge { len, max } => write!(
                f,
                "the login is {len} bytes; a Keychain item takes at most {max} through {SECURITY_PROGRAM}"
            ),
            CliError::Failed { status } => write!(f, "{status}"),
            CliError::Killed => write!(f, "{SECURITY_PROGRAM} was stopped by a signal"),
        }
    }
}

const UNLOCK_HINT: &str =
    "make sure the login keychain is unlocked (security unlock-keychain), then run the command again";

/// An exit status of `security`, the low byte of an `OSStatus`, with what it means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Status(pub i32);

impl Status {
    /// What the status means, when we know it.
    fn meaning(self) -> Option<&'static str> {
        Some(match self.0 {
            // errSecInteractionNotAllowed (-25308)
            36 => "the keychain is locked and no password dialog can be shown here (an ssh session or a launchd job)",
            // errSecNoDefaultKeychain (-25307)
            37 => "this user has no default keychain",
            // errSecItemNotFound (-25300)
            ITEM_NOT_FOUND => "the item does not exist",
            // errSecDuplicateItem (-25299): `-U` creates the item when its update
            // fails for any reason, which then fails as a duplicate.
            45 => "the item exists but could not be updated",
            // errSecNoSuchKeychain (-25294)
            50 => "the keychain does not exist",
            // errSecAuthFailed (-25293)
            51 => "the keychain refused access: a wrong password, or the item's access list does not allow security",
            // errSecUserCanceled (-128)
            128 => "the Keychain dialog was cancelled",
            _ => return None,
        })
    }

    /// What to do about it.
    pub fn hint(self) -> &'static str {
        match self.0 {
            36 => "unlock it first (security unlock-keychain, or log in at the Mac), then run the command again",
            37 | 50 => "create or choose a login keychain in Keychain Access, or set CLAUDE_TOKEN_FILE_BACKEND=1 to keep slots in files",
            51 => "run the command again and enter the login keychain's password; if that keeps failing, allow /usr/bin/security in the item's Access Control in Keychain Access",
            128 => "run the command again and choose Allow or Always Allow",
            _ => UNLOCK_HINT,
        }
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.meaning() {
            Some(meaning) => write!(f, "{meaning} ({SECURITY_PROGRAM} exit status {})", self.0),
            None => write!(f, "{SECURITY_PROGRAM} exited with status {}", self.0),
        }
    }
}

/// The deadline of one call from [`TIMEOUT_VAR`]'s value: whole seconds from 1 to
/// [`MAX_CALL_TIMEOUT_SECS`], [`DEFAULT_CALL_TIMEOUT`] when unset or empty.
pub fn call_timeout(value: Option<&OsStr>) -> Result<Duration, String> {
    let Some(value) = value.filter(|v| !v.is_empty()) else {
        return Ok(DEFAULT_CALL_TIMEOUT);
    };
    let text = value.to_string_lossy();
    let secs = text
        .parse::<u64>()
        .ok()
        .filter(|s| (1..=MAX_CALL_TIMEOUT_SECS).contains(s));
    match secs {
        Some(secs) if text.bytes().all(|b| b.is_ascii_digit()) => Ok(Duration::from_secs(secs)),
        _ => Err(format!(
            "{TIMEOUT_VAR} must be a whole number of seconds from 1 to {MAX_CALL_TIMEOUT_SECS}, not {}",
            crate::term::one_line(&text)
        )),
    }
}

/// `find-generic-password -a <account> -s <service> -w [keychain]`.
pub fn find_call(item: &ClaudeItem, keychain: KeychainFile<'_>) -> Result<SecurityCall, CliError> {
    let mut args = words("find-generic-password", item, &["-w"])?;
    args.extend(keychain_word(keychain)?);
    Ok(SecurityCall { args, stdin: None })
}

/// `delete-generic-password -a <account> -s <service> [keychain]`.
pub fn delete_call(
    item: &ClaudeItem,
    keychain: KeychainFile<'_>,
) -> Result<SecurityCall, CliError> {
    let mut args = words("delete-generic-password", item, &[])?;
    args.extend(keychain_word(keychain)?);
    Ok(SecurityCall { args, stdin: None })
}

/// `add-generic-password -U -a <account> -s <service> -X <hex> [keychain]`: `-U`
/// updates the item if it exists, `-X` takes the secret as hex. The command goes to
/// `security -i` on stdin when its line is read whole, else on argv (see the module
/// notes); a secret over [`MAX_SECRET_LEN`] is refused.
pub fn add_call(
    item: &ClaudeItem,
    secret: &[u8],
    keychain: KeychainFile<'_>,
) -> Result<SecurityCall, CliError> {
    if secret.len() > MAX_SECRET_LEN {
        return Err(CliError::TooLarge {
            len: secret.len(),
            max: MAX_SECRET_LEN,
        });
    }
    let mut words = words("add-generic-password", item, &[])?;
    words.insert(1, "-U".to_owned());
    let keychain = keychain_word(keychain)?;
    words.push("-X".to_owned());
    // The hex text is a secret too: it lives only inside a Blob (or the call's argv,
    // wiped when the call is dropped).
    let secret_hex = Blob::new(hex::encode(secret).into_bytes());
    if let Some(line) = interactive_line(&words, &secret_hex, keychain.as_deref())? {
        return Ok(SecurityCall {
            args: vec!["-i".to_owned()],
            stdin: Some(line),
        });
    }
    let hex_text = String::from_utf8(secret_hex.as_bytes().to_vec()).unwrap_or_default();
    words.push(hex_text);
    words.extend(keychain);
    Ok(SecurityCall {
        args: words,
        stdin: None,
    })
}

/// Checks, before anything is written or sent, that a secret of `len` bytes could be
/// written to `item`: the exact call, built with a stand-in secret of that length.
pub fn check_add(
    item: &ClaudeItem,
    len: usize,
    keychain: KeychainFile<'_>,
) -> Result<(), CliError> {
    if len > MAX_SECRET_LEN {
        return Err(CliError::TooLarge {
            len,
            max: MAX_SECRET_LEN,
        });
    }
    add_call(item, &vec![0; len], keychain).map(drop)
}

/// The words of a call: the command, the item's `-a`/`-s`, then `tail`.
fn words(command: &str, item: &ClaudeItem, tail: &[&str]) -> Result<Vec<String>, CliError> {
    check_argument("account", &item.account)?;
    check_argument("service", &item.service)?;
    let mut words = vec![command.to_owned()];
    words.extend([
        "-a".to_owned(),
        item.account.clone(),
        "-s".to_owned(),
        item.service.clone(),
    ]);
    words.extend(tail.iter().map(|w| (*w).to_owned()));
    Ok(words)
}

/// The keychain file as the call's last word, when one is named.
fn keychain_word(keychain: KeychainFile<'_>) -> Result<Option<String>, CliError> {
    let Some(path) = keychain else {
        return Ok(None);
    };
    let text = path
        .to_str()
        .ok_or(CliError::BadArgument { what: "keychain" })?;
    check_argument("keychain", text)?;
    Ok(Some(text.to_owned()))
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

/// The stdin line for `security -i`: every word quoted, then the secret hex, then the
/// keychain file if any, a newline at the end. `None` when the line would not be
/// read whole.
pub fn interactive_line(
    words: &[String],
    secret_hex: &Blob,
    keychain: Option<&str>,
) -> Result<Option<Blob>, CliError> {
    let mut head: Vec<u8> = Vec::new();
    for word in words {
        head.extend_from_slice(quote(word).as_bytes());
        head.push(b' ');
    }
    let tail = keychain
        .map(|k| format!(" {}", quote(k)))
        .unwrap_or_default();
    // The quoted secret, the tail, without the newline.
    let len = head.len() + secret_hex.len() + 2 + tail.len();
    if len > MAX_INTERACTIVE_LINE {
        return Ok(None);
    }
    // Sized up front so the secret is never copied by regrowth.
    let mut full = Vec::with_capacity(len + 1);
    full.extend_from_slice(&head);
    full.push(b'"');
    full.extend_from_slice(secret_hex.as_bytes());
    full.push(b'"');
    full.extend_from_slice(tail.as_bytes());
    full.push(b'\n');
    Ok(Some(Blob::new(full)))
}

/// The item's bytes from a `find` call: `None` for "not found".
pub fn parse_find(output: &SecurityOutput) -> Result<Option<Blob>, CliError> {
    match output.status {
        Some(0) => Ok(Some(Blob::new(decode_password(output.stdout.as_bytes())))),
        Some(ITEM_NOT_FOUND) => Ok(None),
        Some(status) => Err(CliError::Failed {
            status: Status(status),
        }),
        None => Err(CliError::Killed),
    }
}

/// Success of an `add` call.
pub fn parse_add(output: &SecurityOutput) -> Result<(), CliError> {
    match output.status {
        Some(0) => Ok(()),
        Some(status) => Err(CliError::Failed {
            status: Status(status),
        }),
        None => Err(CliError::Killed),
    }
}

/// Success of a `delete` call; an item that was not there is success too.
pub fn parse_delete(output: &SecurityOutput) -> Result<(), CliError> {
    match output.status {
        Some(0 | ITEM_NOT_FOUND) => Ok(()),
        Some(status) => Err(CliError::Failed {
            status: Status(status),
        }),
        None => Err(CliError::Killed),
    }
}

/// The password `find-generic-password -w` printed (see the module notes).
pub fn decode_password(stdout: &[u8]) -> Vec<u8> {
    let text = stdout.strip_suffix(b"\n").unwrap_or(stdout);
    hex_form(text).unwrap_or_else(|| text.to_vec())
}

/// The bytes `text` spells when it is `-w`'s hex form.
fn hex_form(text: &[u8]) -> Option<Vec<u8>> {
    if text.is_empty() {
        return None;
    }
    let mut bytes = hex::decode(std::str::from_utf8(text).ok()?).ok()?;
    if bytes.iter().any(|&b| !printable(b)) {
        return Some(bytes);
    }
    crate::sys::mem::wipe(&mut bytes);
    None
}

/// The bytes `security -w` prints as they are.
fn printable(byte: u8) -> bool {
    (b' '..=b'~').contains(&byte)
}

/// A JSON login as Claude Code writes its Keychain item: every character outside
/// printable ASCII inside a string as `\uXXXX` (UTF-16 units, lower-case hex, as its
/// `JSON.stringify(..).replace(/[^\x20-\x7e]/g, ..)` does), and whitespace between
/// tokens dropped. Claude Code parses what `-w` prints without decoding hex, and
/// `-w` prints hex as soon as one byte is unprintable, so anything else in its item
/// would read as no login at all. The JSON value is unchanged; bytes that are not
/// UTF-8 are left as they are (they are no login Claude Code could read anyway).
pub fn keychain_text(bytes: &[u8]) -> Vec<u8> {
    if bytes.iter().all(|&b| printable(b)) {
        return bytes.to_vec();
    }
    let Ok(text) = std::str::from_utf8(bytes) else {
        return bytes.to_vec();
    };
    // Sized for the worst case (every character escaped), so the login is never
    // copied by regrowth.
    let mut out = Vec::with_capacity(bytes.len() * 3 + 64);
    let (mut in_string, mut escaped) = (false, false);
    for c in text.chars() {
        if in_string {
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == '"' {
                in_string = false;
            }
            if c.is_ascii() && printable(c as u8) {
                out.push(c as u8);
            } else {
                let mut units = [0u16; 2];
                for unit in c.encode_utf16(&mut units) {
                    out.extend_from_slice(format!("\\u{unit:04x}").as_bytes());
                }
            }
        } else if c == '"' {
            in_string = true;
            out.push(b'"');
        } else if !matches!(c, ' ' | '\t' | '\n' | '\r') {
            let mut buf = [0u8; 4];
            out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
        }
    }
    out
}

/// The login the original tool stored as the text `0x<hex>`, decoded; any other
/// value as it is.
pub fn decode_legacy(value: Vec<u8>) -> Vec<u8> {
    let Some(digits) = value.strip_prefix(b"0x") else {
        return value;
    };
    if digits.is_empty() || digits.len() % 2 != 0 || !digits.iter().all(u8::is_ascii_hexdigit) {
        return value;
    }
    let decoded = std::str::from_utf8(digits)
        .ok()
        .and_then(|d| hex::decode(d).ok());
    match decoded {
        Some(bytes) => {
            let mut value = value;
            crate::sys::mem::wipe(&mut value);
            bytes
        }
        None => value,
    }
}
