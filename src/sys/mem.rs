//! Memory wiping for secrets: volatile writes the optimiser may not remove.
//!
//! No libc call is needed; the `unsafe` is the volatile store, which is why this lives
//! in `sys`. It never allocates, never copies and cannot fail.

use std::sync::atomic::{compiler_fence, Ordering};

/// Overwrites every byte of `bytes` with zero.
///
/// Guarantees: the stores happen even when the buffer is freed right after (a plain
/// write before a free is a dead store the compiler may delete), and later code is not
/// reordered before them. Does not guarantee anything about other copies: registers,
/// earlier reallocations, swap, core dumps, or buffers libc and the kernel kept.
pub(crate) fn wipe(bytes: &mut [u8]) {
    for byte in bytes.iter_mut() {
        // SAFETY: `byte` comes from a live exclusive reference, so it is non-null,
        // aligned and valid for a one-byte write; volatile only keeps the store.
        unsafe { std::ptr::write_volatile(byte, 0) };
    }
    compiler_fence(Ordering::SeqCst);
}

#[cfg(test)]
mod tests {
    #[test]
    fn wipe_zeroes_every_byte() {
        let mut buffer = *b"sk-ant-ort01-secret";
        super::wipe(&mut buffer);
        assert_eq!(buffer, [0; 19]);
    }
}
