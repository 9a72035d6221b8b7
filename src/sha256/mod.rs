//! SHA-256 (FIPS 180-4), HMAC-SHA256 (RFC 2104) and constant-time equality.
//!
//! This module owns the hash, the MAC built on it and the comparison used to check
//! MACs and tokens. It never touches the operating system, never allocates, and
//! never compares secret bytes with `==`. States that held key or message bytes are
//! overwritten when dropped, in safe code and on a best-effort basis: a move may
//! leave an earlier copy on the stack that nothing here can reach.
//!
//! ```text
//! Sha256::new ─update*─▶ buffer up to 63 bytes, compress each full block
//!             ─finalize─▶ pad (0x80, zeros, bit length as u64 BE) ─▶ [u8; 32]
//! ```

mod compress;
mod ct;
mod hmac;

use std::fmt;
use std::hint::black_box;

use compress::{compress, INITIAL_STATE};

pub use ct::ct_eq;
pub use hmac::{
    hmac_sha256, verify_hmac_sha256, verify_hmac_sha256_truncated, HmacSha256,
    MIN_TRUNCATED_TAG_LEN, TAG_LEN,
};

/// Bytes in one SHA-256 block.
pub const BLOCK_LEN: usize = 64;

/// Bytes in a SHA-256 digest.
pub const DIGEST_LEN: usize = 32;

/// Where the 64-bit message length goes in the final block.
const LENGTH_OFFSET: usize = BLOCK_LEN - 8;

/// A streaming SHA-256 computation: any split of the input into `update` calls gives
/// the same digest as [`sha256`] over the whole.
#[derive(Clone)]
pub struct Sha256 {
    state: [u32; 8],
    /// Input not yet compressed; only `block[..filled]` is meaningful.
    block: [u8; BLOCK_LEN],
    filled: usize,
    /// Message length in bytes, modulo 2^64. FIPS 180-4 limits messages to under 2^64
    /// bits; longer ones (2^61 bytes) cannot occur here and would wrap.
    len: u64,
}

impl Sha256 {
    pub fn new() -> Self {
        Sha256 {
            state: INITIAL_STATE,
            block: [0; BLOCK_LEN],
            filled: 0,
            len: 0,
        }
    }

    /// Feeds more message bytes. Full blocks are compressed straight from `data`.
    pub fn update(&mut self, data: &[u8]) {
        self.len = self.len.wrapping_add(data.len() as u64);
        let data = self.fill_pending(data);
        let (blocks, rest) = data.as_chunks::<BLOCK_LEN>();
        for block in blocks {
            compress(&mut self.state, block);
        }
        // After the loop the buffer is empty whenever `rest` is non-empty: either
        // `fill_pending` compressed it or it took all of `data`, leaving `rest` empty.
        if !rest.is_empty() {
            self.block[..rest.len()].copy_from_slice(rest);
            self.filled = rest.len();
        }
    }

    /// Tops up a partly filled buffer from `data`, compressing it once full, and
    /// returns what is left of `data`.
    fn fill_pending<'a>(&mut self, data: &'a [u8]) -> &'a [u8] {
        if self.filled == 0 {
            return data;
        }
        let take = (BLOCK_LEN - self.filled).min(data.len());
        let (head, tail) = data.split_at(take);
        self.block[self.filled..self.filled + take].copy_from_slice(head);
        self.filled += take;
        if self.filled == BLOCK_LEN {
            compress(&mut self.state, &self.block);
            self.filled = 0;
        }
        tail
    }

    /// Pads the message (FIPS 180-4 §5.1.1) and returns the digest.
    pub fn finalize(mut self) -> [u8; DIGEST_LEN] {
        let bit_len = self.len.wrapping_mul(8);
        self.block[self.filled] = 0x80;
        self.block[self.filled + 1..].fill(0);
        if self.filled >= LENGTH_OFFSET {
            // No room for the length after the 0x80: it goes in one more block.
            compress(&mut self.state, &self.block);
            self.block.fill(0);
        }
        self.block[LENGTH_OFFSET..].copy_from_slice(&bit_len.to_be_bytes());
        compress(&mut self.state, &self.block);
        let mut digest = [0u8; DIGEST_LEN];
        let (out, _) = digest.as_chunks_mut::<4>();
        for (bytes, word) in out.iter_mut().zip(self.state) {
            *bytes = word.to_be_bytes();
        }
        digest
    }
}

impl Default for Sha256 {
    fn default() -> Self {
        Sha256::new()
    }
}

impl Drop for Sha256 {
    fn drop(&mut self) {
        self.state = [0; 8];
        black_box(&mut self.state);
        wipe(&mut self.block);
    }
}

/// Never shows the state: it may be derived from a key or a token.
impl fmt::Debug for Sha256 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sha256").finish_non_exhaustive()
    }
}

/// SHA-256 of `data` in one call.
pub fn sha256(data: &[u8]) -> [u8; DIGEST_LEN] {
    let mut hasher = Sha256::new();
    hasher.update(data);
    hasher.finalize()
}

/// Overwrites `buf` with zeros through volatile writes (`sys::mem::wipe`).
fn wipe(buf: &mut [u8]) {
    crate::sys::mem::wipe(buf);
}
