//! Hex encoding and decoding: round trips, std's formatting and digit parsing as the
//! reference, and the errors with their offsets.

use claude_token::hex;

#[test]
fn hex_encodes_every_byte_like_std_formatting() {
    for byte in 0..=u8::MAX {
        assert_eq!(hex::encode(&[byte]), format!("{byte:02x}"));
    }
}

#[test]
fn hex_round_trips_all_byte_values() {
    let bytes: Vec<u8> = (0..=u8::MAX).collect();
    let text = hex::encode(&bytes);
    assert_eq!(text.len(), 512);
    assert_eq!(hex::decode(&text), Ok(bytes.clone()));
    assert_eq!(hex::decode(&text.to_uppercase()), Ok(bytes));
    assert_eq!(hex::encode(&[]), "");
    assert_eq!(hex::decode(""), Ok(Vec::new()));
}

#[test]
fn hex_accepts_exactly_the_digits_std_accepts() {
    for byte in 0..=u8::MAX {
        // Bytes from 0x80 up cannot stand alone in a `&str`; the non-ASCII case is
        // `hex_names_the_offset_of_the_first_bad_digit`.
        let Ok(text) = String::from_utf8(vec![b'0', byte]) else {
            continue;
        };
        let reference = char::from(byte).to_digit(16);
        match reference {
            Some(value) => assert_eq!(hex::decode(&text), Ok(vec![u8::try_from(value).unwrap()])),
            None => assert_eq!(
                hex::decode(&text),
                Err(hex::Error::InvalidDigit { offset: 1 })
            ),
        }
    }
}

#[test]
fn hex_decodes_mixed_case() {
    assert_eq!(hex::decode("aBcDeF09"), Ok(vec![0xab, 0xcd, 0xef, 0x09]));
}

#[test]
fn hex_rejects_odd_length_with_the_length() {
    assert_eq!(hex::decode("abc"), Err(hex::Error::OddLength { len: 3 }));
    assert_eq!(hex::decode("0"), Err(hex::Error::OddLength { len: 1 }));
    assert_eq!(
        hex::decode("zzz"),
        Err(hex::Error::OddLength { len: 3 }),
        "length is checked first"
    );
}

#[test]
fn hex_names_the_offset_of_the_first_bad_digit() {
    assert_eq!(
        hex::decode("g0"),
        Err(hex::Error::InvalidDigit { offset: 0 })
    );
    assert_eq!(
        hex::decode("00 1"),
        Err(hex::Error::InvalidDigit { offset: 2 })
    );
    assert_eq!(
        hex::decode("0011zz"),
        Err(hex::Error::InvalidDigit { offset: 4 })
    );
    assert_eq!(
        hex::decode("+0"),
        Err(hex::Error::InvalidDigit { offset: 0 })
    );
    assert_eq!(
        hex::decode("0\u{e9}0"),
        Err(hex::Error::InvalidDigit { offset: 1 }),
        "byte offsets"
    );
}

#[test]
fn hex_errors_display_without_the_input() {
    let odd = hex::decode("abc").unwrap_err().to_string();
    assert_eq!(odd, "hex text has an odd length (3 characters)");
    let bad = hex::decode("00secret").unwrap_err().to_string();
    assert_eq!(bad, "invalid hex digit at offset 2");
}
