//! Constant-time equality of byte strings, for MAC tags and tokens. It never
//! branches or exits early on the contents; it does return early on a length
//! mismatch, because lengths here are public (a tag is always 32 bytes).

use std::hint::black_box;

/// True when `a` and `b` hold the same bytes.
///
/// For inputs of equal length the time taken depends only on the length: every byte
/// pair is visited, differences are OR-ed together without branching, and
/// `black_box` hides the running value from the optimizer so it cannot add an early
/// exit. Inputs of different lengths return `false` at once, which reveals only that
/// the lengths differ.
pub fn ct_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let mut diff = 0u8;
    for (x, y) in a.iter().zip(b) {
        diff = black_box(diff | (x ^ y));
    }
    diff == 0
}
