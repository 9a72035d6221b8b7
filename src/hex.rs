//! Hex encoding and decoding of bytes (lower case out, either case in).
//!
//! This module owns the text form of digests, Keychain item suffixes and secrets that
//! `security` prints as hex. It never puts input characters in an error message (the
//! input may be a secret), and it converts digits with arithmetic rather than a
//! branch or a table lookup per byte, so the time taken does not depend on the values.

use std::fmt;

/// Why a string is not hex. Offsets are byte offsets into the input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Error {
    /// The input has an odd number of bytes, so the last digit has no pair.
    OddLength { len: usize },
    /// The byte at `offset` is not one of `0-9`, `a-f`, `A-F`.
    InvalidDigit { offset: usize },
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::OddLength { len } => write!(f, "hex text has an odd length ({len} characters)"),
            Error::InvalidDigit { offset } => write!(f, "invalid hex digit at offset {offset}"),
        }
    }
}

impl std::error::Error for Error {}

/// Lower-case hex of `bytes`, two characters per byte.
pub fn encode(bytes: &[u8]) -> String {
    let mut text = String::with_capacity(bytes.len() * 2);
    for byte in bytes {
        text.push(char::from(digit(byte >> 4)));
        text.push(char::from(digit(byte & 0x0f)));
    }
    text
}

/// The bytes `text` spells, two digits per byte, in either case.
///
/// The length is checked first, so an odd-length input is [`Error::OddLength`] even
/// if it also holds a bad digit; otherwise the first bad digit is reported.
pub fn decode(text: &str) -> Result<Vec<u8>, Error> {
    let (pairs, odd) = text.as_bytes().as_chunks::<2>();
    if !odd.is_empty() {
        return Err(Error::OddLength { len: text.len() });
    }
    let mut bytes = Vec::with_capacity(pairs.len());
    for (index, [high, low]) in pairs.iter().enumerate() {
        let offset = index * 2;
        let (Some(high), Some(low)) = (value(*high), value(*low)) else {
            // What was decoded may be part of a secret: it is not left behind.
            crate::sys::mem::wipe(&mut bytes);
            let offset = if value(*high).is_some() {
                offset + 1
            } else {
                offset
            };
            return Err(Error::InvalidDigit { offset });
        };
        bytes.push((high << 4) | low);
    }
    Ok(bytes)
}

/// The lower-case digit for `nibble` (0..=15): `'0' + n`, plus the gap from `':'` to
/// `'a'` when n > 9, which `9 - n` wrapping below zero selects without a branch.
fn digit(nibble: u8) -> u8 {
    let above_nine = 9u8.wrapping_sub(nibble) >> 7;
    b'0' + nibble + above_nine * (b'a' - b'0' - 10)
}

/// The value of one hex digit, or `None`. Both cases are tried with masks and the
/// one branch is on validity only, which the error reports anyway.
fn value(byte: u8) -> Option<u8> {
    let decimal = byte.wrapping_sub(b'0');
    let letter = (byte | 0x20).wrapping_sub(b'a');
    let is_decimal = u8::from(decimal < 10);
    let is_letter = u8::from(letter < 6);
    let nibble = (decimal & mask(is_decimal)) | (letter.wrapping_add(10) & mask(is_letter));
    ((is_decimal | is_letter) == 1).then_some(nibble)
}

/// 0xff for 1, 0x00 for 0.
fn mask(bit: u8) -> u8 {
    0u8.wrapping_sub(bit)
}
