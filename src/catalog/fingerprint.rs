//! [`TokenFingerprint`]: the SHA-256 of a refresh token, the one form in which a token
//! appears in the catalog (a refused token, the last token seen in a place), and its
//! text form there, 64 lower-case hex digits.
//!
//! A fingerprint is not a secret: the token is random and high-entropy, so its digest
//! tells nothing about it. It is printed by `Debug` and compared with `==`.

use crate::redact::Secret;
use crate::sha256::{sha256, DIGEST_LEN};
use std::fmt;

/// The SHA-256 of a refresh token.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct TokenFingerprint([u8; DIGEST_LEN]);

impl TokenFingerprint {
    /// The fingerprint of `token`, hashed as the UTF-8 text Claude Code stores.
    pub fn of(token: &Secret) -> Self {
        TokenFingerprint(sha256(token.expose().as_bytes()))
    }

    /// 64 lower-case hex digits, as the catalog writes it.
    pub fn to_hex(&self) -> String {
        crate::hex::encode(&self.0)
    }

    /// The fingerprint `text` spells, which must be exactly 64 lower-case hex digits
    /// (the one spelling we write, so that equal fingerprints have equal text).
    pub fn from_hex(text: &str) -> Option<Self> {
        let lower = |b: u8| b.is_ascii_digit() || (b'a'..=b'f').contains(&b);
        if text.len() != DIGEST_LEN * 2 || !text.bytes().all(lower) {
            return None;
        }
        let bytes = crate::hex::decode(text).ok()?;
        Some(TokenFingerprint(bytes.try_into().ok()?))
    }
}

impl fmt::Debug for TokenFingerprint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "TokenFingerprint({})", self.to_hex())
    }
}
