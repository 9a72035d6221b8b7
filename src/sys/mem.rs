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
    // Eight bytes a store: every login read is wiped when dropped (`list` drops fifty).
    let mut words = bytes.chunks_exact_mut(8);
    for chunk in &mut words {
        let Ok(word) = <&mut [u8; 8]>::try_from(chunk) else {
            continue; // chunks_exact_mut yields eight bytes each time
        };
        // SAFETY: `word` comes from a live exclusive reference, so it is non-null,
        // aligned (an array of bytes needs no alignment) and valid for an eight-byte
        // write; volatile only keeps the store.
        unsafe { std::ptr::write_volatile(word, [0; 8]) };
    }
    for byte in words.into_remainder() {
        // SAFETY: `byte` comes from a live exclusive reference, so it is non-null,
        // aligned and valid for a one-byte write; volatile only keeps the store.
        unsafe { std::ptr::write_volatile(byte, 0) };
    }
    compiler_fence(Ordering::SeqCst);
}

#[cfg(test)]
mod tests {
    #[test]
    fn wipe_zeroes_exactly_the_slice_it_is_given_at_every_length_and_offset() {
        for start in 0..9 {
            for len in 0..40 {
                let mut buffer = [0xA5u8; 64];
                super::wipe(&mut buffer[start..start + len]);
                for (i, &byte) in buffer.iter().enumerate() {
                    let inside = (start..start + len).contains(&i);
                    assert_eq!(byte, if inside { 0 } else { 0xA5 }, "{start}+{len} at {i}");
                }
            }
        }
    }

    #[test]
    fn wipe_zeroes_every_byte() {
        let mut buffer = *b"sk-ant-ort01-secret";
        super::wipe(&mut buffer);
        assert_eq!(buffer, [0; 19]);
    }
}
