//! Reading number text that the parser already validated: exactly as an integer when
//! the decimal value is one, or as the nearest `f64`. Never rounds an integer and never
//! loops over an exponent (a huge exponent is out of range at once).

/// Most digits a `u64` or `i64` magnitude can have.
const MAX_DIGITS: usize = 20;

/// The exact value of valid JSON number text when it is an integer of at most 20
/// digits: `1.50e1` is 15, `1.5` and `1e25` are `None`. Callers narrow it to `i64`/`u64`.
pub(crate) fn exact_integer(text: &str) -> Option<i128> {
    let (negative, unsigned) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    // Plain digits (what every timestamp is) need none of the scaling below.
    if unsigned.len() <= MAX_DIGITS && unsigned.bytes().all(|d| d.is_ascii_digit()) {
        let magnitude = unsigned
            .bytes()
            .fold(0i128, |acc, d| acc * 10 + i128::from(d - b'0'));
        return Some(if negative { -magnitude } else { magnitude });
    }
    let (mantissa, exponent) = match unsigned.find(['e', 'E']) {
        Some(at) => (&unsigned[..at], parse_exponent(&unsigned[at + 1..])),
        None => (unsigned, 0),
    };
    let (int, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let digits = || int.bytes().chain(frac.bytes());
    // Value = digits × 10^scale.
    let frac_len = i64::try_from(frac.len()).ok()?;
    let mut scale = exponent.checked_sub(frac_len)?;
    let leading = digits().take_while(|&d| d == b'0').count();
    let total = int.len() + frac.len();
    if leading == total {
        return Some(0);
    }
    let trailing = digits().rev().take_while(|&d| d == b'0').count();
    scale = scale.checked_add(i64::try_from(trailing).ok()?)?;
    let significant = &digits()
        .skip(leading)
        .take(total - leading - trailing)
        .collect::<Vec<u8>>();
    let zeros = usize::try_from(scale).ok()?;
    if significant.len().checked_add(zeros)? > MAX_DIGITS {
        return None;
    }
    let magnitude = significant
        .iter()
        .fold(0i128, |acc, d| acc * 10 + i128::from(d - b'0'));
    let magnitude = magnitude * 10i128.pow(u32::try_from(zeros).ok()?);
    Some(if negative { -magnitude } else { magnitude })
}

/// The exponent's value, saturated far beyond any that can give an integer in range.
fn parse_exponent(text: &str) -> i64 {
    let (negative, digits) = match text.as_bytes().first() {
        Some(b'-') => (true, &text[1..]),
        Some(b'+') => (false, &text[1..]),
        _ => (false, text),
    };
    let value = digits.bytes().fold(0i64, |acc, d| {
        acc.saturating_mul(10)
            .saturating_add(i64::from(d - b'0'))
            .min(1 << 40)
    });
    if negative {
        -value
    } else {
        value
    }
}

/// The nearest `f64`, or `None` when the value is too large for one.
pub(crate) fn to_f64(text: &str) -> Option<f64> {
    text.parse::<f64>().ok().filter(|f| f.is_finite())
}
