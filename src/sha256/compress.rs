//! The SHA-256 compression function (FIPS 180-4 §6.2.2): one 64-byte block folded
//! into the eight-word state. It never buffers, pads or allocates; the caller owns
//! the state and the block.

/// The first 32 bits of the fractional parts of the square roots of the first eight
/// primes (FIPS 180-4 §5.3.3).
pub(super) const INITIAL_STATE: [u32; 8] = [
    0x6a09_e667,
    0xbb67_ae85,
    0x3c6e_f372,
    0xa54f_f53a,
    0x510e_527f,
    0x9b05_688c,
    0x1f83_d9ab,
    0x5be0_cd19,
];

/// The first 32 bits of the fractional parts of the cube roots of the first 64 primes
/// (FIPS 180-4 §4.2.2).
const ROUND_CONSTANTS: [u32; 64] = [
    0x428a_2f98,
    0x7137_4491,
    0xb5c0_fbcf,
    0xe9b5_dba5,
    0x3956_c25b,
    0x59f1_11f1,
    0x923f_82a4,
    0xab1c_5ed5,
    0xd807_aa98,
    0x1283_5b01,
    0x2431_85be,
    0x550c_7dc3,
    0x72be_5d74,
    0x80de_b1fe,
    0x9bdc_06a7,
    0xc19b_f174,
    0xe49b_69c1,
    0xefbe_4786,
    0x0fc1_9dc6,
    0x240c_a1cc,
    0x2de9_2c6f,
    0x4a74_84aa,
    0x5cb0_a9dc,
    0x76f9_88da,
    0x983e_5152,
    0xa831_c66d,
    0xb003_27c8,
    0xbf59_7fc7,
    0xc6e0_0bf3,
    0xd5a7_9147,
    0x06ca_6351,
    0x1429_2967,
    0x27b7_0a85,
    0x2e1b_2138,
    0x4d2c_6dfc,
    0x5338_0d13,
    0x650a_7354,
    0x766a_0abb,
    0x81c2_c92e,
    0x9272_2c85,
    0xa2bf_e8a1,
    0xa81a_664b,
    0xc24b_8b70,
    0xc76c_51a3,
    0xd192_e819,
    0xd699_0624,
    0xf40e_3585,
    0x106a_a070,
    0x19a4_c116,
    0x1e37_6c08,
    0x2748_774c,
    0x34b0_bcb5,
    0x391c_0cb3,
    0x4ed8_aa4a,
    0x5b9c_ca4f,
    0x682e_6ff3,
    0x748f_82ee,
    0x78a5_636f,
    0x84c8_7814,
    0x8cc7_0208,
    0x90be_fffa,
    0xa450_6ceb,
    0xbef9_a3f7,
    0xc671_78f2,
];

/// Folds one block into `state`: 64 rounds over the expanded message schedule.
#[allow(clippy::many_single_char_names)] // a..h are the working variables of FIPS 180-4
pub(super) fn compress(state: &mut [u32; 8], block: &[u8; 64]) {
    let schedule = expand(block);
    let [mut a, mut b, mut c, mut d, mut e, mut f, mut g, mut h] = *state;
    for (k, w) in ROUND_CONSTANTS.iter().zip(schedule.iter()) {
        let t1 = h
            .wrapping_add(big_sigma1(e))
            .wrapping_add(choose(e, f, g))
            .wrapping_add(*k)
            .wrapping_add(*w);
        let t2 = big_sigma0(a).wrapping_add(majority(a, b, c));
        h = g;
        g = f;
        f = e;
        e = d.wrapping_add(t1);
        d = c;
        c = b;
        b = a;
        a = t1.wrapping_add(t2);
    }
    for (word, round) in state.iter_mut().zip([a, b, c, d, e, f, g, h]) {
        *word = word.wrapping_add(round);
    }
}

/// The message schedule W0..W63 (FIPS 180-4 §6.2.2 step 1), on the stack.
fn expand(block: &[u8; 64]) -> [u32; 64] {
    let mut w = [0u32; 64];
    let (words, _) = block.as_chunks::<4>();
    for (slot, bytes) in w.iter_mut().zip(words) {
        *slot = u32::from_be_bytes(*bytes);
    }
    for t in 16..64 {
        w[t] = small_sigma1(w[t - 2])
            .wrapping_add(w[t - 7])
            .wrapping_add(small_sigma0(w[t - 15]))
            .wrapping_add(w[t - 16]);
    }
    w
}

fn choose(x: u32, y: u32, z: u32) -> u32 {
    (x & y) ^ (!x & z)
}

fn majority(x: u32, y: u32, z: u32) -> u32 {
    (x & y) ^ (x & z) ^ (y & z)
}

fn big_sigma0(x: u32) -> u32 {
    x.rotate_right(2) ^ x.rotate_right(13) ^ x.rotate_right(22)
}

fn big_sigma1(x: u32) -> u32 {
    x.rotate_right(6) ^ x.rotate_right(11) ^ x.rotate_right(25)
}

fn small_sigma0(x: u32) -> u32 {
    x.rotate_right(7) ^ x.rotate_right(18) ^ (x >> 3)
}

fn small_sigma1(x: u32) -> u32 {
    x.rotate_right(17) ^ x.rotate_right(19) ^ (x >> 10)
}

#[cfg(test)]
mod tests {
    use super::{INITIAL_STATE, ROUND_CONSTANTS};

    fn first_primes(n: usize) -> Vec<u128> {
        (2u128..)
            .filter(|p| (2..*p).all(|d| p % d != 0))
            .take(n)
            .collect()
    }

    /// `x` is floor(root(p) * 2^32) exactly when x^n <= p * 2^(32n) < (x+1)^n; the
    /// constant is the low 32 bits of `x` (the fractional part), the integer part is
    /// found by search. Exact integer arithmetic, so no rounding can hide a typo.
    fn is_root_fraction(constant: u32, prime: u128, n: u32) -> bool {
        let scaled = prime << (32 * n);
        (1u128..8).any(|whole| {
            let x = (whole << 32) | u128::from(constant);
            x.pow(n) <= scaled && scaled < (x + 1).pow(n)
        })
    }

    #[test]
    fn initial_state_is_square_root_fractions_of_first_eight_primes() {
        for (word, prime) in INITIAL_STATE.iter().zip(first_primes(8)) {
            assert!(
                is_root_fraction(*word, prime, 2),
                "{word:08x} for prime {prime}"
            );
        }
    }

    #[test]
    fn round_constants_are_cube_root_fractions_of_first_64_primes() {
        for (word, prime) in ROUND_CONSTANTS.iter().zip(first_primes(64)) {
            assert!(
                is_root_fraction(*word, prime, 3),
                "{word:08x} for prime {prime}"
            );
        }
    }
}
