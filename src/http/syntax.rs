//! RFC 9110/9112 character classes and the small grammars shared by every stage:
//! tokens, field values, header lines, decimal and hex numbers. Pure functions over
//! byte slices; they never buffer, allocate more than the parsed field, or guess.

use super::Error;

/// `tchar`: the characters of a token (header names, chunk-extension names).
pub(super) fn is_tchar(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

/// A non-empty run of `tchar`.
pub(super) fn is_token(s: &[u8]) -> bool {
    !s.is_empty() && s.iter().all(|&b| is_tchar(b))
}

/// `field-vchar / SP / HTAB`, with `obs-text` (0x80..=0xFF) allowed: every byte but
/// the controls (HTAB excepted) and DEL.
pub(super) fn is_field_byte(b: u8) -> bool {
    b == b'\t' || (b >= 0x20 && b != 0x7f)
}

/// Optional whitespace: SP and HTAB.
pub(super) fn is_ows(b: u8) -> bool {
    b == b' ' || b == b'\t'
}

/// Strips OWS on both ends.
pub(super) fn trim_ows(mut s: &[u8]) -> &[u8] {
    while let [first, rest @ ..] = s {
        if !is_ows(*first) {
            break;
        }
        s = rest;
    }
    while let [rest @ .., last] = s {
        if !is_ows(*last) {
            break;
        }
        s = rest;
    }
    s
}

/// One `field-name ":" OWS field-value OWS` line (without its CRLF): name as written,
/// value with OWS removed. The colon must follow the name directly.
pub(super) fn header_line(line: &[u8]) -> Result<(String, Vec<u8>), Error> {
    let colon = line
        .iter()
        .position(|&b| b == b':')
        .ok_or(Error::InvalidHeaderName)?;
    let (name, value) = (&line[..colon], &line[colon + 1..]);
    if !is_token(name) {
        return Err(Error::InvalidHeaderName);
    }
    if !value.iter().all(|&b| is_field_byte(b)) {
        return Err(Error::InvalidHeaderValue);
    }
    // A token is ASCII, so this conversion cannot fail; the error arm keeps it total.
    let name = String::from_utf8(name.to_vec()).map_err(|_| Error::InvalidHeaderName)?;
    Ok((name, trim_ows(value).to_vec()))
}

/// `1*DIGIT` into a u64: digits only, no sign, no space, no overflow.
pub(super) fn decimal(s: &[u8]) -> Option<u64> {
    if s.is_empty() {
        return None;
    }
    s.iter().try_fold(0u64, |n, &b| {
        let digit = char::from(b).to_digit(10)?;
        n.checked_mul(10)?.checked_add(u64::from(digit))
    })
}

/// `1*HEXDIG` into a u64: hex digits only (no `0x`, no sign), at most 16 of them.
pub(super) fn hex(s: &[u8]) -> Option<u64> {
    if s.is_empty() || s.len() > 16 {
        return None;
    }
    s.iter().try_fold(0u64, |n, &b| {
        let digit = char::from(b).to_digit(16)?;
        Some((n << 4) | u64::from(digit))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimal_accepts_only_plain_digits() {
        assert_eq!(decimal(b"0"), Some(0));
        assert_eq!(decimal(b"18446744073709551615"), Some(u64::MAX));
        for bad in [
            &b""[..],
            b"+5",
            b"-5",
            b" 5",
            b"5 ",
            b"5 5",
            b"0x5",
            b"18446744073709551616",
        ] {
            assert_eq!(decimal(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn hex_accepts_only_plain_hex_digits() {
        assert_eq!(hex(b"fF"), Some(255));
        assert_eq!(hex(b"ffffffffffffffff"), Some(u64::MAX));
        for bad in [
            &b""[..],
            b"+a",
            b"-a",
            b"0x10",
            b"1 0",
            b"10000000000000000",
            b"g",
        ] {
            assert_eq!(hex(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn header_line_trims_ows_and_keeps_name_case() {
        let (name, value) = header_line(b"X-Thing:\t a b \t").unwrap();
        assert_eq!((name.as_str(), value.as_slice()), ("X-Thing", &b"a b"[..]));
    }

    #[test]
    fn header_line_rejects_space_before_colon_and_controls() {
        assert_eq!(header_line(b"Name : v"), Err(Error::InvalidHeaderName));
        assert_eq!(header_line(b": v"), Err(Error::InvalidHeaderName));
        assert_eq!(header_line(b"no colon"), Err(Error::InvalidHeaderName));
        assert_eq!(header_line(b"N: a\x00b"), Err(Error::InvalidHeaderValue));
        assert_eq!(header_line(b"N: a\x7fb"), Err(Error::InvalidHeaderValue));
    }
}
