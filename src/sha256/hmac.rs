//! HMAC-SHA256 (RFC 2104): keyed streaming MAC, one-shot MAC, and tag verification
//! that compares in constant time. It never accepts a tag shorter than the caller
//! asked for, and the default verifier accepts only full 32-byte tags.

use std::fmt;

use super::{ct_eq, sha256, wipe, Sha256, BLOCK_LEN, DIGEST_LEN};

/// Bytes in a full HMAC-SHA256 tag; the only length [`verify_hmac_sha256`] accepts.
pub const TAG_LEN: usize = DIGEST_LEN;

/// The shortest tag [`verify_hmac_sha256_truncated`] ever accepts: half the hash
/// output, the floor RFC 2104 §5 recommends.
pub const MIN_TRUNCATED_TAG_LEN: usize = DIGEST_LEN / 2;

const INNER_PAD: u8 = 0x36;
const OUTER_PAD: u8 = 0x5c;

/// A streaming HMAC-SHA256: the inner and outer hashes with the padded key already
/// absorbed, so the key itself is not kept.
#[derive(Clone)]
pub struct HmacSha256 {
    inner: Sha256,
    outer: Sha256,
}

impl HmacSha256 {
    /// Keys longer than a block are hashed first; shorter ones are zero-padded.
    pub fn new(key: &[u8]) -> Self {
        let mut block = key_block(key);
        let keyed = HmacSha256 {
            inner: absorb_pad(&block, INNER_PAD),
            outer: absorb_pad(&block, OUTER_PAD),
        };
        wipe(&mut block);
        keyed
    }

    pub fn update(&mut self, data: &[u8]) {
        self.inner.update(data);
    }

    /// The full 32-byte tag.
    pub fn finalize(self) -> [u8; TAG_LEN] {
        let HmacSha256 { inner, mut outer } = self;
        let mut inner_digest = inner.finalize();
        outer.update(&inner_digest);
        wipe(&mut inner_digest);
        outer.finalize()
    }

    /// True when `tag` is the full 32-byte tag of the message fed so far. Any other
    /// length is rejected: a shorter tag is a forgery attempt, not a shorter MAC.
    pub fn verify(self, tag: &[u8]) -> bool {
        ct_eq(&self.finalize(), tag)
    }
}

/// Never shows the keyed states.
impl fmt::Debug for HmacSha256 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HmacSha256").finish_non_exhaustive()
    }
}

/// The key as one block: hashed if longer than a block, then zero-padded (RFC 2104 §2).
fn key_block(key: &[u8]) -> [u8; BLOCK_LEN] {
    let mut block = [0u8; BLOCK_LEN];
    if key.len() > BLOCK_LEN {
        let mut digest = sha256(key);
        block[..DIGEST_LEN].copy_from_slice(&digest);
        wipe(&mut digest);
    } else {
        block[..key.len()].copy_from_slice(key);
    }
    block
}

/// A hash that has absorbed `key_block` XOR `pad`.
fn absorb_pad(key_block: &[u8; BLOCK_LEN], pad: u8) -> Sha256 {
    let mut padded = [0u8; BLOCK_LEN];
    for (out, byte) in padded.iter_mut().zip(key_block) {
        *out = byte ^ pad;
    }
    let mut hasher = Sha256::new();
    hasher.update(&padded);
    wipe(&mut padded);
    hasher
}

/// HMAC-SHA256 of `msg` under `key` in one call.
pub fn hmac_sha256(key: &[u8], msg: &[u8]) -> [u8; TAG_LEN] {
    let mut mac = HmacSha256::new(key);
    mac.update(msg);
    mac.finalize()
}

/// True when `tag` is the full 32-byte HMAC-SHA256 of `msg` under `key`, compared in
/// constant time. Tags of any other length are rejected (see [`HmacSha256::verify`]).
pub fn verify_hmac_sha256(key: &[u8], msg: &[u8], tag: &[u8]) -> bool {
    let mut mac = HmacSha256::new(key);
    mac.update(msg);
    mac.verify(tag)
}

/// True when `tag` equals the first `tag.len()` bytes of the HMAC-SHA256 of `msg`,
/// and `tag` is at least `min_len` bytes, at least [`MIN_TRUNCATED_TAG_LEN`] whatever
/// `min_len` says, and at most [`TAG_LEN`]. For protocols that declare a truncated
/// tag size (RFC 2104 §5); the journal uses [`verify_hmac_sha256`] instead.
pub fn verify_hmac_sha256_truncated(key: &[u8], msg: &[u8], tag: &[u8], min_len: usize) -> bool {
    let floor = min_len.max(MIN_TRUNCATED_TAG_LEN);
    if tag.len() < floor || tag.len() > TAG_LEN {
        return false;
    }
    ct_eq(&hmac_sha256(key, msg)[..tag.len()], tag)
}
