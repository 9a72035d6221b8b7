//! Tests for `sha256` and `hex`: SHA-256 against the NIST SHAVS byte vectors,
//! HMAC-SHA256 against Wycheproof and RFC 4231, every split of the input into
//! `update` calls against the one-shot digest, constant-time equality, and hex.
//! Wycheproof and hex live in the submodules; this file holds the shared helpers.

mod hex_codec;
mod wycheproof;

use claude_token::hex;
use claude_token::sha256::{
    ct_eq, hmac_sha256, sha256, verify_hmac_sha256, verify_hmac_sha256_truncated, HmacSha256,
    Sha256,
};

use crate::support;

fn read_vector(rel: &str) -> String {
    let path = support::vector(rel);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn unhex(text: &str) -> Vec<u8> {
    hex::decode(text).unwrap_or_else(|e| panic!("bad hex in a vector file: {e}"))
}

const SEED: u64 = 0x2545_f491_4f6c_dd1d;

/// splitmix64: a seeded generator so random splits are the same on every run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A value in `0..=max`.
    fn up_to(&mut self, max: usize) -> usize {
        usize::try_from(self.next() % (max as u64 + 1)).unwrap()
    }

    fn bytes(&mut self, len: usize) -> Vec<u8> {
        (0..len).map(|_| self.next().to_le_bytes()[0]).collect()
    }
}

/// Cuts `data` into pieces of random length (empty pieces included).
fn random_pieces<'a>(data: &'a [u8], rng: &mut Rng, max_piece: usize) -> Vec<&'a [u8]> {
    let mut pieces = Vec::new();
    let mut rest = data;
    while !rest.is_empty() {
        let (piece, tail) = rest.split_at(rng.up_to(max_piece).min(rest.len()));
        pieces.push(piece);
        rest = tail;
    }
    pieces.push(rest);
    pieces
}

fn sha256_in_pieces(pieces: &[&[u8]]) -> [u8; 32] {
    let mut hasher = Sha256::new();
    for piece in pieces {
        hasher.update(piece);
    }
    hasher.finalize()
}

// ---- SHA-256: NIST SHAVS -------------------------------------------------------

struct ShavsCase {
    bits: usize,
    msg: Vec<u8>,
    digest: Vec<u8>,
}

/// Parses a SHAVS `.rsp` file: `Len = <bits>`, `Msg = <hex>`, `MD = <hex>` triples.
/// `Len = 0` comes with `Msg = 00`, which stands for the empty message.
fn parse_shavs(rel: &str) -> Vec<ShavsCase> {
    let mut cases = Vec::new();
    let (mut bits, mut msg) = (None, None);
    for line in read_vector(rel).lines().map(str::trim) {
        if let Some(value) = line.strip_prefix("Len = ") {
            bits = Some(value.parse::<usize>().unwrap());
        } else if let Some(value) = line.strip_prefix("Msg = ") {
            msg = Some(unhex(value));
        } else if let Some(value) = line.strip_prefix("MD = ") {
            let bits = bits.take().expect("MD before Len");
            let mut msg = msg.take().expect("MD before Msg");
            assert_eq!(bits % 8, 0, "byte-oriented vectors only");
            assert_eq!(
                msg.len(),
                (bits / 8).max(1),
                "Msg length disagrees with Len = {bits}"
            );
            msg.truncate(bits / 8);
            cases.push(ShavsCase {
                bits,
                msg,
                digest: unhex(value),
            });
        }
    }
    cases
}

#[test]
fn matches_every_nist_short_message_vector() {
    let cases = parse_shavs("nist-shavs/SHA256ShortMsg.rsp");
    assert_eq!(cases.len(), 65);
    assert!(
        cases[0].msg.is_empty(),
        "Len = 0 must hash the empty message"
    );
    for case in &cases {
        assert_eq!(
            sha256(&case.msg).as_slice(),
            case.digest,
            "Len = {}",
            case.bits
        );
    }
}

#[test]
fn matches_every_nist_long_message_vector() {
    let cases = parse_shavs("nist-shavs/SHA256LongMsg.rsp");
    assert_eq!(cases.len(), 64);
    for case in &cases {
        assert_eq!(
            sha256(&case.msg).as_slice(),
            case.digest,
            "Len = {}",
            case.bits
        );
    }
}

#[test]
fn nist_long_messages_hash_the_same_fed_in_random_pieces() {
    let mut rng = Rng(SEED);
    for case in parse_shavs("nist-shavs/SHA256LongMsg.rsp") {
        let pieces = random_pieces(&case.msg, &mut rng, 200);
        assert_eq!(
            sha256_in_pieces(&pieces).as_slice(),
            case.digest,
            "Len = {}",
            case.bits
        );
    }
}

// ---- SHA-256: FIPS 180-2 examples and splits ---------------------------------

#[test]
fn hashes_the_fips_examples() {
    let abc = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
    assert_eq!(hex::encode(&sha256(b"abc")), abc);
    let two_blocks = b"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
    let expected = "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1";
    assert_eq!(hex::encode(&sha256(two_blocks)), expected);
}

#[test]
fn hashes_a_million_a_fed_in_uneven_pieces() {
    let mut hasher = Sha256::new();
    let chunk = [b'a'; 999];
    for _ in 0..1001 {
        hasher.update(&chunk);
    }
    hasher.update(&chunk[..1]);
    let expected = "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0";
    assert_eq!(hex::encode(&hasher.finalize()), expected);
}

#[test]
fn random_splits_match_one_shot_for_every_length_up_to_200() {
    let mut rng = Rng(SEED);
    for len in 0..=200 {
        let msg = rng.bytes(len);
        let whole = sha256(&msg);
        for max_piece in [1, 3, 63, 64, 65, 130] {
            let pieces = random_pieces(&msg, &mut rng, max_piece);
            assert_eq!(
                sha256_in_pieces(&pieces),
                whole,
                "len {len}, pieces {pieces:?}"
            );
        }
    }
}

#[test]
fn every_two_way_split_matches_one_shot_around_block_boundaries() {
    let mut rng = Rng(SEED);
    for len in [55, 56, 57, 63, 64, 65, 119, 120, 127, 128, 129] {
        let msg = rng.bytes(len);
        let whole = sha256(&msg);
        for cut in 0..=len {
            let (head, tail) = msg.split_at(cut);
            assert_eq!(
                sha256_in_pieces(&[head, tail]),
                whole,
                "len {len}, cut {cut}"
            );
        }
    }
}

#[test]
fn debug_output_shows_no_state() {
    let mut hasher = Sha256::new();
    hasher.update(b"secret");
    assert_eq!(format!("{hasher:?}"), "Sha256 { .. }");
    assert_eq!(
        format!("{:?}", HmacSha256::new(b"key")),
        "HmacSha256 { .. }"
    );
}

// ---- HMAC-SHA256: RFC 4231 -----------------------------------------------------

struct Rfc4231 {
    case: u32,
    key: Vec<u8>,
    data: Vec<u8>,
    /// The HMAC-SHA-256 value printed in the RFC (case 5 prints only 128 bits).
    mac: &'static str,
}

fn rfc4231_cases() -> Vec<Rfc4231> {
    let long_key = vec![0xaa; 131];
    vec![
        Rfc4231 {
            case: 1,
            key: vec![0x0b; 20],
            data: b"Hi There".to_vec(),
            mac: "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7",
        },
        Rfc4231 {
            case: 2,
            key: b"Jefe".to_vec(),
            data: b"what do ya want for nothing?".to_vec(),
            mac: "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
        },
        Rfc4231 {
            case: 3,
            key: vec![0xaa; 20],
            data: vec![0xdd; 50],
            mac: "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe",
        },
        Rfc4231 {
            case: 4,
            key: (0x01..=0x19).collect(),
            data: vec![0xcd; 50],
            mac: "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b",
        },
        Rfc4231 {
            case: 5,
            key: vec![0x0c; 20],
            data: b"Test With Truncation".to_vec(),
            mac: "a3b6167473100ee06e0c796c2955552b",
        },
        Rfc4231 {
            case: 6,
            key: long_key.clone(),
            data: b"Test Using Larger Than Block-Size Key - Hash Key First".to_vec(),
            mac: "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54",
        },
        Rfc4231 {
            case: 7,
            key: long_key,
            data: b"This is a test using a larger than block-size key and a larger than \
                    block-size data. The key needs to be hashed before being used by the \
                    HMAC algorithm."
                .to_vec(),
            mac: "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2",
        },
    ]
}

#[test]
fn matches_all_seven_rfc4231_cases() {
    let cases = rfc4231_cases();
    assert_eq!(cases.len(), 7);
    for case in &cases {
        let expected = unhex(case.mac);
        let mac = hmac_sha256(&case.key, &case.data);
        assert_eq!(
            &mac[..expected.len()],
            expected.as_slice(),
            "case {}",
            case.case
        );
    }
}

#[test]
fn rfc4231_full_tags_verify_and_the_truncated_one_only_as_truncated() {
    for case in rfc4231_cases() {
        let tag = unhex(case.mac);
        let full = verify_hmac_sha256(&case.key, &case.data, &tag);
        let truncated = verify_hmac_sha256_truncated(&case.key, &case.data, &tag, 16);
        assert_eq!(full, case.case != 5, "case {}", case.case);
        assert!(truncated, "case {}", case.case);
    }
}

// ---- HMAC-SHA256: properties from RFC 2104 -------------------------------------

#[test]
fn keys_longer_than_a_block_are_hashed_first() {
    let mut rng = Rng(SEED);
    let msg = rng.bytes(100);
    for len in [65, 100, 200] {
        let key = rng.bytes(len);
        assert_eq!(
            hmac_sha256(&key, &msg),
            hmac_sha256(&sha256(&key), &msg),
            "len {len}"
        );
    }
    let block_key = rng.bytes(64);
    assert_ne!(
        hmac_sha256(&block_key, &msg),
        hmac_sha256(&sha256(&block_key), &msg)
    );
}

#[test]
fn short_keys_are_zero_padded_to_a_block() {
    let mut rng = Rng(SEED);
    let msg = rng.bytes(10);
    for len in [0, 1, 32, 63] {
        let key = rng.bytes(len);
        let mut padded = key.clone();
        padded.resize(64, 0);
        assert_eq!(
            hmac_sha256(&key, &msg),
            hmac_sha256(&padded, &msg),
            "len {len}"
        );
    }
}

#[test]
fn streaming_hmac_matches_one_shot_for_random_splits() {
    let mut rng = Rng(SEED);
    for len in 0..=200 {
        let key = rng.bytes(len % 97);
        let msg = rng.bytes(len);
        let mut mac = HmacSha256::new(&key);
        for piece in random_pieces(&msg, &mut rng, 70) {
            mac.update(piece);
        }
        assert_eq!(mac.finalize(), hmac_sha256(&key, &msg), "len {len}");
    }
}

#[test]
fn full_verifier_rejects_every_prefix_and_an_extended_tag() {
    let tag = hmac_sha256(b"key", b"journal entry");
    assert!(verify_hmac_sha256(b"key", b"journal entry", &tag));
    for len in 0..tag.len() {
        assert!(
            !verify_hmac_sha256(b"key", b"journal entry", &tag[..len]),
            "len {len}"
        );
    }
    let mut extended = tag.to_vec();
    extended.push(0);
    assert!(!verify_hmac_sha256(b"key", b"journal entry", &extended));
}

#[test]
fn verifier_rejects_a_tag_for_another_key_or_message() {
    let tag = hmac_sha256(b"key", b"journal entry");
    assert!(!verify_hmac_sha256(b"kez", b"journal entry", &tag));
    assert!(!verify_hmac_sha256(b"key", b"journal entrz", &tag));
    let mut mac = HmacSha256::new(b"key");
    mac.update(b"journal ");
    mac.update(b"entry");
    assert!(mac.clone().verify(&tag));
    assert!(!mac.verify(&tag[..16]));
}

#[test]
fn truncated_verifier_enforces_its_minimum_and_the_16_byte_floor() {
    let tag = hmac_sha256(b"key", b"msg");
    let check = |len: usize, min_len: usize| {
        verify_hmac_sha256_truncated(b"key", b"msg", &tag[..len], min_len)
    };
    assert!(check(32, 16));
    assert!(check(20, 20));
    assert!(!check(19, 20), "shorter than min_len");
    assert!(check(16, 0), "16 bytes is the floor");
    assert!(!check(15, 0), "below the floor whatever min_len says");
    assert!(!check(0, 0));
    let mut extended = tag.to_vec();
    extended.push(0);
    assert!(!verify_hmac_sha256_truncated(b"key", b"msg", &extended, 16));
}

// ---- constant-time equality ----------------------------------------------------

#[test]
fn ct_eq_accepts_equal_inputs() {
    assert!(ct_eq(b"", b""));
    assert!(ct_eq(b"a", b"a"));
    let tag = sha256(b"x");
    assert!(ct_eq(&tag, &tag.clone()));
}

#[test]
fn ct_eq_rejects_every_single_bit_difference() {
    let tag = sha256(b"x");
    for index in 0..tag.len() {
        for bit in 0..8 {
            let mut other = tag;
            other[index] ^= 1 << bit;
            assert!(!ct_eq(&tag, &other), "byte {index} bit {bit}");
        }
    }
}

#[test]
fn ct_eq_rejects_different_lengths() {
    assert!(!ct_eq(b"abc", b"ab"));
    assert!(!ct_eq(b"", b"a"));
    assert!(!ct_eq(&[0; 32], &[0; 33]));
}
