//! Scanners for the leaf tokens of RFC 8259 (strings, numbers, `true`/`false`/`null`)
//! and the decoder of string escapes. A scanner takes the offset of a token's first
//! byte and returns the offset just past it; it never allocates and never builds the
//! tree (that is `parse`).

use super::{Error, Reason};

fn err(offset: usize, reason: Reason) -> Error {
    Error { offset, reason }
}

fn early_end(src: &[u8]) -> Error {
    err(src.len(), Reason::UnexpectedEnd)
}

/// The four whitespace bytes RFC 8259 allows between tokens.
pub(crate) fn is_ws(byte: u8) -> bool {
    matches!(byte, b' ' | b'\t' | b'\n' | b'\r')
}

/// A scanned string: where it ends and whether it needs decoding.
pub(crate) struct StringToken {
    /// Offset just past the closing quote.
    pub end: usize,
    /// The string contains at least one backslash escape.
    pub escaped: bool,
}

/// Scans the string whose opening quote is at `start`. Offsets of `\u` escapes that
/// are lone surrogates are appended to `lone` (accepted, reported, decoded as U+FFFD).
pub(crate) fn string(
    src: &[u8],
    start: usize,
    lone: &mut Vec<usize>,
) -> Result<StringToken, Error> {
    let mut i = start + 1;
    let mut escaped = false;
    loop {
        i = plain_run_end(src, i);
        match src.get(i).copied() {
            None => return Err(early_end(src)),
            Some(b'"') => {
                return Ok(StringToken {
                    end: i + 1,
                    escaped,
                })
            }
            Some(b'\\') => {
                escaped = true;
                i = escape(src, i, lone)?;
            }
            Some(byte) if byte < 0x20 => return Err(err(i, Reason::ControlCharacter)),
            Some(byte) if byte < 0x80 => i += 1,
            Some(byte) => i += utf8_char(src, i, byte)?,
        }
    }
}

/// Offset of the first byte from `i` on that [`string`] must look at by itself (a
/// quote, a backslash, a control character or a non-ASCII byte), found a word of eight
/// bytes at a time; the bytes before it are plain ASCII string content. Fewer than
/// eight bytes from the end it stops, and the byte loop does the rest.
fn plain_run_end(src: &[u8], mut i: usize) -> usize {
    while let Some(word) = src.get(i..).and_then(<[u8]>::first_chunk::<8>) {
        let mask = special_mask(u64::from_le_bytes(*word));
        if mask != 0 {
            return i + (mask.trailing_zeros() / 8) as usize;
        }
        i += 8;
    }
    i
}

/// A word with the high bit set in the lowest byte of `word` (little-endian) that is
/// below 0x20, a quote, a backslash, or 0x80 and up, and perhaps in later bytes. Each
/// test is the classic "some byte is zero / below n" bit trick: a borrow starts only
/// at a byte that matches and moves only upward, so the lowest flag is exact (higher
/// ones may be false) and a word without a special byte has no flag at all.
fn special_mask(word: u64) -> u64 {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let below = |w: u64, n: u8| w.wrapping_sub(ONES * u64::from(n)) & !w & HIGH;
    let control = below(word, 0x20);
    let quote = below(word ^ (ONES * u64::from(b'"')), 1);
    let backslash = below(word ^ (ONES * u64::from(b'\\')), 1);
    control | quote | backslash | (word & HIGH)
}

/// Width of the valid UTF-8 character starting at `i` with lead byte `lead`.
fn utf8_char(src: &[u8], i: usize, lead: u8) -> Result<usize, Error> {
    let width = match lead {
        0xC2..=0xDF => 2,
        0xE0..=0xEF => 3,
        0xF0..=0xF4 => 4,
        _ => return Err(err(i, Reason::InvalidUtf8)),
    };
    // std's validator rejects overlong forms, surrogates and values past U+10FFFF.
    match src.get(i..i + width) {
        Some(bytes) if std::str::from_utf8(bytes).is_ok() => Ok(width),
        _ => Err(err(i, Reason::InvalidUtf8)),
    }
}

/// Scans the escape whose backslash is at `i`; returns the offset after it.
fn escape(src: &[u8], i: usize, lone: &mut Vec<usize>) -> Result<usize, Error> {
    match src.get(i + 1).copied() {
        None => Err(early_end(src)),
        Some(b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't') => Ok(i + 2),
        Some(b'u') => unicode_escape(src, i, lone),
        Some(_) => Err(err(i, Reason::InvalidEscape)),
    }
}

fn unicode_escape(src: &[u8], i: usize, lone: &mut Vec<usize>) -> Result<usize, Error> {
    let unit = hex4(src, i)?;
    if is_high_surrogate(unit) && low_surrogate_at(src, i + 6).is_some() {
        return Ok(i + 12);
    }
    if is_high_surrogate(unit) || is_low_surrogate(unit) {
        lone.push(i);
    }
    Ok(i + 6)
}

/// The code unit of the `\uXXXX` escape whose backslash is at `i`.
fn hex4(src: &[u8], i: usize) -> Result<u32, Error> {
    let digits = src.get(i + 2..i + 6).ok_or_else(|| early_end(src))?;
    hex_value(digits).ok_or_else(|| err(i, Reason::InvalidUnicodeEscape))
}

fn hex_value(digits: &[u8]) -> Option<u32> {
    digits
        .iter()
        .try_fold(0u32, |acc, &d| Some(acc << 4 | char::from(d).to_digit(16)?))
}

/// The low surrogate of a well-formed `\uDC00`..`\uDFFF` escape at `i`, if there is one.
fn low_surrogate_at(src: &[u8], i: usize) -> Option<u32> {
    if src.get(i..i + 2) != Some(b"\\u") {
        return None;
    }
    hex_value(src.get(i + 2..i + 6)?).filter(|&unit| is_low_surrogate(unit))
}

fn is_high_surrogate(unit: u32) -> bool {
    (0xD800..=0xDBFF).contains(&unit)
}

fn is_low_surrogate(unit: u32) -> bool {
    (0xDC00..=0xDFFF).contains(&unit)
}

/// Scans the number starting at `start`, exactly per the RFC 8259 grammar.
pub(crate) fn number(src: &[u8], start: usize) -> Result<usize, Error> {
    let mut i = start;
    if src.get(i) == Some(&b'-') {
        i += 1;
    }
    i = match src.get(i).copied() {
        Some(b'0') if src.get(i + 1).is_some_and(u8::is_ascii_digit) => {
            return Err(err(i, Reason::LeadingZero));
        }
        Some(b'0') => i + 1,
        _ => digits(src, i)?,
    };
    if src.get(i) == Some(&b'.') {
        i = digits(src, i + 1)?;
    }
    if matches!(src.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(src.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        i = digits(src, i)?;
    }
    Ok(i)
}

/// One or more digits starting at `i`; returns the offset after them.
fn digits(src: &[u8], i: usize) -> Result<usize, Error> {
    let rest = src.get(i..).unwrap_or_default();
    match rest.iter().take_while(|b| b.is_ascii_digit()).count() {
        0 if rest.is_empty() => Err(early_end(src)),
        0 => Err(err(i, Reason::ExpectedDigit)),
        n => Ok(i + n),
    }
}

/// Scans the literal `word` (`true`, `false` or `null`) at `start`.
pub(crate) fn literal(src: &[u8], start: usize, word: &[u8]) -> Result<usize, Error> {
    let rest = src.get(start..).unwrap_or_default();
    if rest.starts_with(word) {
        Ok(start + word.len())
    } else if word.starts_with(rest) {
        Err(early_end(src))
    } else {
        Err(err(start, Reason::InvalidLiteral))
    }
}

/// Decodes the text between a string's quotes, already checked by [`string`]. A lone
/// surrogate becomes U+FFFD.
pub(crate) fn unescape(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut rest = raw;
    while let Some(k) = rest.find('\\') {
        out.push_str(&rest[..k]);
        rest = decode_escape(&rest[k..], &mut out);
    }
    out.push_str(rest);
    out
}

/// Decodes the escape at the start of `esc` into `out`; returns what follows it.
fn decode_escape<'s>(esc: &'s str, out: &mut String) -> &'s str {
    let decoded = match esc.as_bytes().get(1) {
        Some(b'u') => return decode_unicode(esc, out),
        Some(b'b') => '\u{8}',
        Some(b'f') => '\u{c}',
        Some(b'n') => '\n',
        Some(b'r') => '\r',
        Some(b't') => '\t',
        Some(&other) => char::from(other),
        None => '\u{FFFD}',
    };
    out.push(decoded);
    esc.get(2..).unwrap_or_default()
}

fn decode_unicode<'s>(esc: &'s str, out: &mut String) -> &'s str {
    let bytes = esc.as_bytes();
    let unit = bytes.get(2..6).and_then(hex_value).unwrap_or(0xFFFD);
    if is_high_surrogate(unit) {
        if let Some(low) = low_surrogate_at(bytes, 6) {
            let scalar = 0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00);
            out.push(char::from_u32(scalar).unwrap_or('\u{FFFD}'));
            return esc.get(12..).unwrap_or_default();
        }
    }
    // A lone surrogate is not a char: from_u32 refuses it.
    out.push(char::from_u32(unit).unwrap_or('\u{FFFD}'));
    esc.get(6..).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::{special_mask, string};

    /// What [`string`] must stop at, one byte at a time.
    fn special(byte: u8) -> bool {
        byte < 0x20 || byte == b'"' || byte == b'\\' || byte >= 0x80
    }

    /// The byte [`special_mask`] flags first, if any.
    fn first_flag(word: [u8; 8]) -> Option<usize> {
        let mask = special_mask(u64::from_le_bytes(word));
        (mask != 0).then(|| (mask.trailing_zeros() / 8) as usize)
    }

    #[test]
    fn the_word_test_finds_exactly_the_first_special_byte() {
        for filler in [b'a', b' ', b'~', 0x21, 0x7f] {
            assert_eq!(first_flag([filler; 8]), None);
            for first in 0..8 {
                for a in 0..=255u8 {
                    let mut word = [filler; 8];
                    word[first] = a;
                    let expected = special(a).then_some(first);
                    assert_eq!(first_flag(word), expected, "{a:#04x} at {first}");
                    // Whatever comes later, an earlier special byte is the one found.
                    for later in first + 1..8 {
                        for b in 0..=255u8 {
                            word[later] = b;
                            let expected = match (special(a), special(b)) {
                                (true, _) => Some(first),
                                (false, true) => Some(later),
                                (false, false) => None,
                            };
                            assert_eq!(
                                first_flag(word),
                                expected,
                                "{a:#04x}@{first} {b:#04x}@{later}"
                            );
                        }
                        word[later] = filler;
                    }
                }
            }
        }
    }

    #[test]
    fn a_special_byte_is_found_wherever_a_long_string_holds_it() {
        let plain = "A1b2C3d4-_.~".repeat(6);
        for at in 0..plain.len() {
            for (insert, bad) in [("\\n", false), ("\u{e9}", false), ("\u{1}", true)] {
                let text = format!("\"{}{insert}{}\"", &plain[..at], &plain[at..]);
                let result = string(text.as_bytes(), 0, &mut Vec::new());
                assert_eq!(result.is_err(), bad, "{insert:?} at {at}");
                if let Ok(token) = result {
                    assert_eq!(token.end, text.len(), "{insert:?} at {at}");
                    assert_eq!(token.escaped, insert == "\\n");
                }
            }
        }
    }
}
