//! Random names for the fake: tokens that look like Anthropic's but stay short, and
//! version-4 uuids. Reads the kernel's random device; never seeds anything itself.

use std::fmt::Write as _;
use std::fs::File;
use std::io::Read;

/// The URL-safe base64 alphabet real tokens are drawn from.
const URL_SAFE: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// Random characters after a token's prefix: short enough that a whole token (37
/// characters) never trips the repository's leak check, which looks for 40 or more.
pub const TOKEN_TAIL: usize = 24;

pub fn bytes<const N: usize>() -> [u8; N] {
    let mut out = [0u8; N];
    File::open("/dev/urandom")
        .and_then(|mut f| f.read_exact(&mut out))
        .expect("the random device reads");
    out
}

/// `prefix` plus [`TOKEN_TAIL`] random URL-safe characters.
pub fn token(prefix: &str) -> String {
    let tail: [u8; TOKEN_TAIL] = bytes();
    let mut out = String::with_capacity(prefix.len() + TOKEN_TAIL);
    out.push_str(prefix);
    out.extend(
        tail.iter()
            .map(|b| char::from(URL_SAFE[usize::from(b % 64)])),
    );
    out
}

/// A random version-4 uuid in its lower-case hyphenated form.
pub fn uuid() -> String {
    let mut b: [u8; 16] = bytes();
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let mut hex = String::with_capacity(32);
    for x in b {
        let _ = write!(hex, "{x:02x}");
    }
    format!(
        "{}-{}-{}-{}-{}",
        &hex[..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..]
    )
}
