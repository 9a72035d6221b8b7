//! Token fingerprints: SHA-256 of the token text, and the one hex spelling the
//! catalog accepts.

use claude_token::catalog::TokenFingerprint;
use claude_token::redact::Secret;

/// SHA-256("abc"), FIPS 180-2 appendix B.1.
const ABC: &str = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";

#[test]
fn a_fingerprint_is_the_sha256_of_the_token_text() {
    let print = TokenFingerprint::of(&Secret::from("abc"));
    assert_eq!(print.to_hex(), ABC);
    assert_eq!(TokenFingerprint::from_hex(ABC), Some(print));
    assert_ne!(TokenFingerprint::of(&Secret::from("abd")), print);
    assert_eq!(format!("{print:?}"), format!("TokenFingerprint({ABC})"));
}

#[test]
fn only_64_lower_case_hex_digits_spell_a_fingerprint() {
    let upper = ABC.to_ascii_uppercase();
    let refused = [
        "",
        &ABC[..62],
        &ABC[..63],
        &format!("{ABC}00"),
        &upper,
        &format!("{}g", &ABC[..63]),
        &format!("{} ", &ABC[..63]),
        &format!("+{}", &ABC[..63]),
    ];
    for text in refused {
        assert_eq!(TokenFingerprint::from_hex(text), None, "{text:?}");
    }
    let zero = TokenFingerprint::from_hex(&"0".repeat(64)).unwrap();
    assert_eq!(zero.to_hex(), "0".repeat(64));
}
