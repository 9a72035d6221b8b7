//! Secrets: the [`Secret`] type, and [`scrub`] for outside text we may print.
//!
//! A `Secret` prints as `[REDACTED]` through `Debug` and `Display`, is read only
//! through [`Secret::expose`], compares in constant time and is wiped when dropped.
//! `scrub` masks anything token-like in text we did not write (server error bodies,
//! messages) before it reaches a terminal or a log. This module never prints, never
//! logs and never decides whether a secret may be shown; callers expose explicitly.
//!
//! What `scrub` masks (each match becomes `[REDACTED]`):
//! 1. `sk-ant-` tokens anywhere: the prefix and kind stay (`sk-ant-ort01-`), the rest of
//!    the token (`[A-Za-z0-9_-]`) goes, even when truncated.
//! 2. Values of members whose key looks like a credential, as JSON (`"key": "value"`,
//!    also `'key': 'value'` and escaped `\"key\":\"value\"`) or as `key=value` (query
//!    strings, form bodies). A key looks like a credential when, lower-cased without
//!    `_` and `-`, it ends in `token`, `secret`, `password` or `apikey`, or is `code`,
//!    `authorization` or `cookie`. Non-string JSON values (`null`, numbers) are kept.
//! 3. `Bearer <x>` / `Basic <x>` (any case) when `<x>` looks like a credential: 16 or
//!    more characters, or not a plain word (see rule 4), so "Basic authentication",
//!    "Bearer token" and `Bearer realm="x"` stay readable.
//! 4. Any other run of 32 or more `[A-Za-z0-9_-]` unless it is hex with hyphens (hashes,
//!    UUIDs, which identify and do not authenticate) or every `-`/`_`-separated piece
//!    is plain: all digits, all lower case, all upper case, or one capitalised word
//!    (identifiers such as `claude-3-7-sonnet-20250219-extended-thinking`). A random
//!    token of that length passes this test with odds below one in ten billion.
//! 5. A JWT: a word starting `eyJ` (base64 of `{"`) joined by `.` to one or two more
//!    words, as a whole (its short middle part would otherwise pass rule 4).
//!
//! Known limits: a short secret outside rules 1-3, a secret written in hex, or one in
//! standard base64 split by `+`/`/` into pieces under 32 characters is not recognised.

use std::fmt;

use std::ops::Range;

use crate::sha256::ct_eq;
use crate::sys;

const MASK: &str = "[REDACTED]";

/// A credential (token, code, password). Never printed; wiped on drop.
///
/// Wiping covers this value's own buffer (its whole capacity). It cannot reach copies
/// made before the `Secret` existed or by `String` growth while it was built, so build
/// the string at its final size (`Secret::from(&str)` allocates exactly) and drop the
/// sources promptly.
pub struct Secret(String);

impl Secret {
    pub fn new(value: String) -> Secret {
        Secret(value)
    }

    /// The secret itself. Every call site is a place where it may leave the type.
    pub fn expose(&self) -> &str {
        &self.0
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Its length in bytes (not a secret: tokens have public formats).
    pub fn len(&self) -> usize {
        self.0.len()
    }
}

impl From<String> for Secret {
    fn from(value: String) -> Secret {
        Secret(value)
    }
}

impl From<&str> for Secret {
    fn from(value: &str) -> Secret {
        Secret(value.to_owned())
    }
}

impl Clone for Secret {
    fn clone(&self) -> Secret {
        Secret::from(self.expose())
    }
}

/// Constant-time in the contents; the length is not treated as secret.
impl PartialEq for Secret {
    fn eq(&self, other: &Secret) -> bool {
        ct_eq(self.0.as_bytes(), other.0.as_bytes())
    }
}

impl Eq for Secret {}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(MASK)
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(MASK)
    }
}

impl Drop for Secret {
    fn drop(&mut self) {
        let mut bytes = std::mem::take(&mut self.0).into_bytes();
        // Cover the spare capacity too: a shortened string may have left bytes there.
        bytes.resize(bytes.capacity(), 0);
        sys::mem::wipe(&mut bytes);
    }
}

/// `text` with every token-like part replaced by `[REDACTED]` (rules in the module
/// docs). Total: any input, no panic; text without secrets comes back unchanged.
pub fn scrub(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut copied = 0;
    for span in secret_spans(bytes) {
        // Spans start and end at ASCII bytes or the end of the text: char boundaries.
        out.push_str(text.get(copied..span.start).unwrap_or_default());
        out.push_str(MASK);
        copied = span.end;
    }
    out.push_str(text.get(copied..).unwrap_or_default());
    out
}

/// Byte ranges to mask, ascending and disjoint.
fn secret_spans(b: &[u8]) -> Vec<Range<usize>> {
    let mut spans = Vec::new();
    let mut at = 0;
    while at < b.len() {
        if is_word(b[at]) {
            at = scan_word(b, at, &mut spans);
        } else {
            at += 1;
        }
    }
    spans
}

/// Base64url alphabet: what tokens and key names are made of.
fn is_word(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || byte == b'_' || byte == b'-'
}

fn word_end(b: &[u8], start: usize) -> usize {
    start + b[start..].iter().take_while(|&&c| is_word(c)).count()
}

/// Handles the maximal word starting at `start`; returns where scanning resumes.
fn scan_word(b: &[u8], start: usize, spans: &mut Vec<Range<usize>>) -> usize {
    let end = word_end(b, start);
    // First, so that no other rule can let a token through as a key or a scheme name.
    if let Some(offset) = find_ignore_case(&b[start..end], b"sk-ant-") {
        let prefix = start + offset;
        if looks_random(&b[start..prefix]) {
            push(spans, start..prefix);
        }
        push(spans, prefix + kept_prefix_len(&b[prefix..end])..end);
        return end;
    }
    if let Some(value) = keyed_value(b, start..end) {
        push(spans, value.span);
        return value.resume;
    }
    if let Some(span) = auth_credential(b, start..end).or_else(|| jwt(b, start..end)) {
        let resume = span.end;
        push(spans, span);
        return resume;
    }
    if looks_random(&b[start..end]) {
        push(spans, start..end);
    }
    end
}

fn push(spans: &mut Vec<Range<usize>>, span: Range<usize>) {
    if !span.is_empty() {
        spans.push(span);
    }
}

fn find_ignore_case(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack
        .windows(needle.len())
        .position(|w| w.eq_ignore_ascii_case(needle))
}

/// Rule 5: a JWT, `eyJ...` (base64 of `{"`) joined by dots to one or two more words.
fn jwt(b: &[u8], first: Range<usize>) -> Option<Range<usize>> {
    if !b[first.clone()].starts_with(b"eyJ") {
        return None;
    }
    let mut end = first.end;
    for _ in 0..2 {
        if b.get(end) != Some(&b'.') || !b.get(end + 1).copied().is_some_and(is_word) {
            break;
        }
        end = word_end(b, end + 1);
    }
    (end > first.end).then_some(first.start..end)
}

/// `sk-ant-` plus a kind such as `oat01-` (letters, then digits, then `-`) when present.
fn kept_prefix_len(token: &[u8]) -> usize {
    const SK_ANT: usize = "sk-ant-".len();
    let rest = &token[SK_ANT..];
    let letters = rest.iter().take_while(|c| c.is_ascii_lowercase()).count();
    let digits = rest[letters..]
        .iter()
        .take_while(|c| c.is_ascii_digit())
        .count();
    let kind = letters + digits;
    if letters > 0 && digits > 0 && kind <= 12 && rest.get(kind) == Some(&b'-') {
        SK_ANT + kind + 1
    } else {
        SK_ANT
    }
}

/// Rule 4: a long word that is neither hex nor made of plain pieces.
fn looks_random(word: &[u8]) -> bool {
    const LONG: usize = 32;
    let hex = word.iter().all(|&c| c.is_ascii_hexdigit() || c == b'-');
    let plain = word.split(|&c| c == b'-' || c == b'_').all(is_plain_piece);
    word.len() >= LONG && !hex && !plain
}

fn is_plain_piece(piece: &[u8]) -> bool {
    let tail = piece.get(1..).unwrap_or_default();
    piece.iter().all(u8::is_ascii_digit)
        || piece.iter().all(u8::is_ascii_lowercase)
        || piece.iter().all(u8::is_ascii_uppercase)
        || (piece.first().is_some_and(u8::is_ascii_uppercase)
            && tail.iter().all(u8::is_ascii_lowercase))
}

/// Rule 2: key names whose values are credentials.
fn is_credential_key(key: &[u8]) -> bool {
    let name: Vec<u8> = key
        .iter()
        .filter(|&&c| c != b'_' && c != b'-')
        .map(u8::to_ascii_lowercase)
        .collect();
    ["token", "secret", "password", "apikey"]
        .iter()
        .any(|end| name.ends_with(end.as_bytes()))
        || ["code", "authorization", "cookie"]
            .iter()
            .any(|key| name == key.as_bytes())
}

/// A value to mask and where scanning resumes (after its closing quote).
struct Masked {
    span: Range<usize>,
    resume: usize,
}

/// Rule 2: the value after a credential key, in JSON or `key=value` form.
fn keyed_value(b: &[u8], key: Range<usize>) -> Option<Masked> {
    let assigned = b.get(key.end) == Some(&b'=');
    let quote = quote_before(b, key.start);
    // Cheap shape test first: most words are neither assigned nor quoted.
    if !(assigned || quote.is_some()) || !is_credential_key(&b[key.clone()]) {
        return None;
    }
    if assigned {
        return Some(assigned_value(b, key.end + 1));
    }
    let quote = quote?;
    let mut at = skip_quote(b, key.end, quote)?;
    at = skip_blank(b, at);
    if b.get(at) != Some(&b':') {
        return None;
    }
    at = skip_blank(b, at + 1);
    Some(quoted_value(b, skip_quote(b, at, quote)?, quote))
}

/// `key=value`: quoted up to the closing quote, or bare up to a delimiter.
fn assigned_value(b: &[u8], start: usize) -> Masked {
    if let Some(&q @ (b'"' | b'\'')) = b.get(start) {
        return quoted_value(b, start + 1, Quote::Plain(q));
    }
    let end = start + b[start..].iter().take_while(|&&c| is_bare_value(c)).count();
    Masked {
        span: start..end,
        resume: end,
    }
}

fn is_bare_value(c: u8) -> bool {
    c.is_ascii_graphic() && !b"&\"',;<>()[]{}#\\|".contains(&c)
}

/// How a JSON key was quoted; the value must be quoted the same way.
#[derive(Clone, Copy)]
enum Quote {
    /// `"` or `'`.
    Plain(u8),
    /// `\"`: JSON inside a JSON string.
    Escaped,
}

fn quote_before(b: &[u8], start: usize) -> Option<Quote> {
    let q = *b.get(start.checked_sub(1)?)?;
    if q != b'"' && q != b'\'' {
        return None;
    }
    let escaped = q == b'"' && start >= 2 && b[start - 2] == b'\\';
    Some(if escaped {
        Quote::Escaped
    } else {
        Quote::Plain(q)
    })
}

/// Position after `quote` at `at`, or `None` when it is not there.
fn skip_quote(b: &[u8], at: usize, quote: Quote) -> Option<usize> {
    match quote {
        Quote::Plain(q) => (b.get(at) == Some(&q)).then_some(at + 1),
        Quote::Escaped => b
            .get(at..at + 2)
            .is_some_and(|s| s == b"\\\"")
            .then_some(at + 2),
    }
}

fn skip_blank(b: &[u8], at: usize) -> usize {
    at + b[at..]
        .iter()
        .take_while(|c| matches!(c, b' ' | b'\t' | b'\r' | b'\n'))
        .count()
}

/// The contents of a string starting at `start`, up to its closing quote or the end of
/// the text when it was cut off.
fn quoted_value(b: &[u8], start: usize, quote: Quote) -> Masked {
    let mut at = start;
    while at < b.len() {
        let closing = match quote {
            Quote::Plain(q) => usize::from(b[at] == q),
            Quote::Escaped => 2 * usize::from(b[at..].starts_with(b"\\\"")),
        };
        if closing > 0 {
            return Masked {
                span: start..at,
                resume: at + closing,
            };
        }
        // Inside a plain string a backslash escapes the next byte (`\"` is not the end).
        let escape = matches!(quote, Quote::Plain(_)) && b[at] == b'\\';
        at += if escape { 2 } else { 1 };
    }
    Masked {
        span: start..b.len(),
        resume: b.len(),
    }
}

/// Rule 3: the credential after `Bearer` / `Basic`.
fn auth_credential(b: &[u8], scheme: Range<usize>) -> Option<Range<usize>> {
    let name = &b[scheme.clone()];
    if !name.eq_ignore_ascii_case(b"bearer") && !name.eq_ignore_ascii_case(b"basic") {
        return None;
    }
    let gap = b[scheme.end..]
        .iter()
        .take_while(|&&c| c == b' ' || c == b'\t')
        .count();
    let start = scheme.end + gap;
    let len = b[start..]
        .iter()
        .take_while(|&&c| is_credential_byte(c))
        .count();
    let credential = &b[start..start + len];
    let auth_param = credential.last() == Some(&b'=')
        && b.get(start + len) == Some(&b'"')
        && credential[..len - 1].iter().all(u8::is_ascii_alphabetic);
    // Ordinary words ("token", "Authentication") are plain pieces; credentials are not.
    let looks_like = !is_plain_piece(credential) || len >= 16;
    let sk_ant = find_ignore_case(credential, b"sk-ant-") == Some(0);
    (gap > 0 && len > 0 && looks_like && !auth_param && !sk_ant).then_some(start..start + len)
}

/// RFC 6750 `b64token` characters, plus `=` padding anywhere.
fn is_credential_byte(c: u8) -> bool {
    c.is_ascii_alphanumeric() || b"-._~+/=".contains(&c)
}
