//! `Retry-After` (RFC 9110 section 10.2.3): delta-seconds or an HTTP-date, turned into
//! the absolute epoch-ms instant after which a retry is welcome.
//!
//! Only the preferred date form, IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`), is read;
//! the two obsolete forms (RFC 850, asctime) give `None`, as does anything malformed.
//! The day name must be one of the seven but is not checked against the date. A huge
//! delta saturates. This module never reads the clock: the caller passes `now_ms`.

use crate::time::Civil;

/// The instant named by a `Retry-After` value received at `now_ms`.
pub fn parse(value: &[u8], now_ms: i64) -> Option<i64> {
    let value = trim(value);
    if !value.is_empty() && value.iter().all(u8::is_ascii_digit) {
        let seconds = value.iter().fold(0i64, |n, d| {
            n.saturating_mul(10).saturating_add(i64::from(d - b'0'))
        });
        return Some(now_ms.saturating_add(seconds.saturating_mul(1000)));
    }
    imf_fixdate(value)
}

fn trim(value: &[u8]) -> &[u8] {
    let start = value.iter().position(|b| !matches!(b, b' ' | b'\t'));
    let end = value.iter().rposition(|b| !matches!(b, b' ' | b'\t'));
    match (start, end) {
        (Some(start), Some(end)) => &value[start..=end],
        _ => &[],
    }
}

const DAYS: [&[u8; 3]; 7] = [b"Mon", b"Tue", b"Wed", b"Thu", b"Fri", b"Sat", b"Sun"];
const MONTHS: [&[u8; 3]; 12] = [
    b"Jan", b"Feb", b"Mar", b"Apr", b"May", b"Jun", b"Jul", b"Aug", b"Sep", b"Oct", b"Nov", b"Dec",
];

/// `day-name "," SP 2DIGIT SP month SP 4DIGIT SP 2DIGIT ":" 2DIGIT ":" 2DIGIT SP "GMT"`,
/// exactly 29 bytes, case-sensitive as the grammar says.
fn imf_fixdate(v: &[u8]) -> Option<i64> {
    if v.len() != 29 || !DAYS.iter().any(|d| v[..3] == d[..]) {
        return None;
    }
    let punctuation = [(3, b','), (4, b' '), (7, b' '), (11, b' '), (16, b' ')];
    let more = [(19, b':'), (22, b':'), (25, b' ')];
    if !punctuation.iter().chain(&more).all(|&(at, b)| v[at] == b) || &v[26..] != b"GMT" {
        return None;
    }
    let month = MONTHS.iter().position(|m| v[8..11] == m[..])?;
    let civil = Civil {
        year: digits(&v[12..16])?,
        month: u8::try_from(month + 1).ok()?,
        day: u8::try_from(digits(&v[5..7])?).ok()?,
        hour: u8::try_from(digits(&v[17..19])?).ok()?,
        minute: u8::try_from(digits(&v[20..22])?).ok()?,
        second: u8::try_from(digits(&v[23..25])?).ok()?,
        millisecond: 0,
    };
    civil.to_epoch_ms()
}

fn digits(v: &[u8]) -> Option<i64> {
    v.iter().try_fold(0i64, |n, &d| {
        d.is_ascii_digit().then(|| n * 10 + i64::from(d - b'0'))
    })
}

#[cfg(test)]
mod tests {
    use super::parse;

    const NOW: i64 = 1_700_000_000_000;

    #[test]
    fn reads_delta_seconds_from_now() {
        assert_eq!(parse(b"120", NOW), Some(NOW + 120_000));
        assert_eq!(parse(b" 0 ", NOW), Some(NOW));
        assert_eq!(parse(b"99999999999999999999999", NOW), Some(i64::MAX));
    }

    #[test]
    fn reads_imf_fixdate() {
        // RFC 9110's own example; 784111777 is its Unix time (date -d @784111777 -u).
        assert_eq!(
            parse(b"Sun, 06 Nov 1994 08:49:37 GMT", NOW),
            Some(784_111_777_000)
        );
    }

    #[test]
    fn refuses_other_forms_and_junk() {
        for bad in [
            &b""[..],
            b"-5",
            b"+5",
            b"1.5",
            b"5s",
            b"Sunday, 06-Nov-94 08:49:37 GMT",
            b"Sun Nov  6 08:49:37 1994",
            b"Sun, 06 Nov 1994 08:49:37 UTC",
            b"Sun, 31 Feb 1994 08:49:37 GMT",
            b"Sun, 06 Nov 1994 24:49:37 GMT",
            b"sun, 06 Nov 1994 08:49:37 GMT",
            b"Sun, 06 nov 1994 08:49:37 GMT",
            b"Sun, 0x Nov 1994 08:49:37 GMT",
        ] {
            assert_eq!(parse(bad, NOW), None, "{}", String::from_utf8_lossy(bad));
        }
    }
}
