//! The journal entry format, checked against text written here by hand (not by the
//! encoder), and the strict reading of authentic but malformed entries.

use super::*;
use claude_token::engine::{self, Defect, Entry, Step};
use claude_token::hex;
use claude_token::sha256::hmac_sha256;

const NAME: &str = "0001700000000000-00000000000000ff.json";

/// `line` (without its `\n`) as a complete entry file signed with [`KEY`].
fn signed(line: &str) -> Vec<u8> {
    let mut bytes = format!("{line}\n").into_bytes();
    let tag = hmac_sha256(&KEY, &bytes);
    bytes.extend_from_slice(format!("hmac-sha256:{}\n", hex::encode(&tag)).as_bytes());
    bytes
}

fn decode(line: &str) -> Result<Entry, Defect> {
    engine::decode_entry(NAME, &signed(line), &HmacKey::from_bytes(KEY))
}

/// A well-formed line with `steps` spliced in.
fn with_steps(steps: &str) -> String {
    format!(
        r#"{{"version":1,"op_id":"00000000000000ff","op":"use","created_at_ms":1700000000000,"steps":[{steps}]}}"#
    )
}

const STEP_FILE: &str = r#"{"store":"claude-file","expected":"6f6c64","new":null}"#;
const STEP_ARCHIVE: &str = r#"{"store":"archive:work","expected":null,"new":"00ff"}"#;

#[test]
fn encodes_exactly_the_documented_form() {
    let entry = Entry {
        op: "use".into(),
        op_id: 0xff,
        created_at_ms: 1_700_000_000_000,
        steps: vec![
            Step {
                store: slot("work"),
                expected: None,
                new: blob(&[0x00, 0xff]),
            },
            Step {
                store: StoreId::ClaudeFile,
                expected: blob(b"old"),
                new: None,
            },
        ],
    };
    assert_eq!(entry.file_name(), NAME);
    let line = with_steps(&format!("{STEP_ARCHIVE},{STEP_FILE}"));
    let bytes = engine::encode_entry(&entry, &HmacKey::from_bytes(KEY));
    assert_eq!(bytes.as_bytes(), signed(&line));
    assert_eq!(decode(&line), Ok(entry));
}

/// Edits of the valid line (replace the first text by the second) and the defect
/// each must be refused with, although the result is authentic (signed with the key).
const EDITS: &[(&str, &str, Defect)] = &[
    (r#""op":"use""#, r#""op":"use","op":"use""#, Defect::Json),
    (r#""version":1"#, r#""version":2"#, Defect::Version),
    (r#""version":1"#, r#""version":"1""#, Defect::Version),
    (r#""version":1,"#, "", Defect::Field("version")),
    (r#""op":"use""#, r#""op":"Use""#, Defect::Field("op")),
    (r#""op":"use""#, r#""op":7"#, Defect::Field("op")),
    (
        "00000000000000ff",
        "00000000000000FF",
        Defect::Field("op_id"),
    ),
    ("00000000000000ff", "ff", Defect::Field("op_id")),
    ("1700000000000", "-1", Defect::Field("created_at_ms")),
    (
        "1700000000000",
        "99999999999999999",
        Defect::Field("created_at_ms"),
    ),
    ("1700000000000", "1.7e12", Defect::NotCanonical),
    (
        r#","steps""#,
        r#","extra":0,"steps""#,
        Defect::Field("(unknown)"),
    ),
    ("claude-file", "claude-cache", Defect::Field("store")),
    ("claude-file", "archive:Work", Defect::Field("store")),
    ("6f6c64", "6F6C64", Defect::Field("expected")),
    ("6f6c64", "6f6c6", Defect::Field("expected")),
    ("6f6c64", "6f6g64", Defect::Field("expected")),
    (r#""new":null"#, r#""new":false"#, Defect::Field("new")),
    (r#","new":null"#, "", Defect::Field("new")),
    ("}]", r#","more":1}]"#, Defect::Field("(unknown)")),
    (r#"{"version""#, r#"{ "version""#, Defect::NotCanonical),
    (r#""op":"use""#, r#""op":"\u0075se""#, Defect::NotCanonical),
    ("1700000000000", "1700000000001", Defect::NameMismatch),
    ("[{", "[[{", Defect::Json),
];

#[test]
fn refuses_authentic_entries_that_are_not_exactly_what_we_write() {
    let valid = with_steps(STEP_FILE);
    assert!(decode(&valid).is_ok());
    for &(from, to, defect) in EDITS {
        assert!(valid.contains(from), "{from}");
        let line = valid.replacen(from, to, 1);
        assert_eq!(decode(&line), Err(defect), "{line}");
    }
    assert_eq!(decode("not json"), Err(Defect::Json));
    assert_eq!(decode("[1]"), Err(Defect::Field("(object)")));
    assert_eq!(decode(&format!("[{valid}]")), Err(Defect::Json), "too deep");
}

#[test]
fn refuses_steps_that_are_empty_repeated_out_of_order_or_idle() {
    let cases = [
        String::new(),
        format!("{STEP_FILE},{STEP_ARCHIVE}"),
        format!("{STEP_FILE},{STEP_FILE}"),
        r#"{"store":"catalog","expected":"00","new":"00"}"#.to_owned(),
        r#"{"store":"catalog","expected":null,"new":null}"#.to_owned(),
    ];
    for steps in cases {
        assert_eq!(decode(&with_steps(&steps)), Err(Defect::Steps), "{steps}");
    }
    let ordered = format!("{STEP_ARCHIVE},{STEP_FILE}");
    assert!(decode(&with_steps(&ordered)).is_ok());
}

#[test]
fn refuses_files_that_are_not_two_lines() {
    let key = HmacKey::from_bytes(KEY);
    let good = signed(&with_steps(STEP_FILE));
    let mut extra = good.clone();
    extra.extend_from_slice(b"\n");
    let mut upper = good.clone();
    let at = upper.len() - 2;
    upper[at] = upper[at].to_ascii_uppercase().max(b'A');
    let no_newline = &good[..good.len() - 1];
    for bytes in [extra.as_slice(), upper.as_slice(), no_newline, b"", b"\n"] {
        let got = engine::decode_entry(NAME, bytes, &key);
        assert_eq!(got, Err(Defect::Layout));
    }
    assert!(engine::decode_entry(NAME, &good, &key).is_ok());
}

#[test]
fn refuses_names_that_are_not_entry_names() {
    let bytes = signed(&with_steps(STEP_FILE));
    let key = HmacKey::from_bytes(KEY);
    for name in [
        "",
        "0001700000000000-00000000000000ff",
        "0001700000000000-00000000000000FF.json",
        "1700000000000-00000000000000ff.json",
        "0001700000000000_00000000000000ff.json",
        "0001700000000000-00000000000000ff.json.bak",
        "+001700000000000-00000000000000ff.json",
    ] {
        assert_eq!(
            engine::decode_entry(name, &bytes, &key),
            Err(Defect::Name),
            "{name}"
        );
    }
}

#[test]
fn entries_larger_than_the_limit_are_refused_unread() {
    let key = HmacKey::from_bytes(KEY);
    let huge = vec![b' '; engine::MAX_ENTRY_LEN + 1];
    assert_eq!(
        engine::decode_entry(NAME, &huge, &key),
        Err(Defect::TooLarge)
    );
}

#[test]
fn entries_survive_any_bytes_in_their_blobs() {
    let all: Vec<u8> = (0..=255).collect();
    let entry = Entry {
        op: "refresh".into(),
        op_id: u64::MAX,
        created_at_ms: 0,
        steps: vec![Step {
            store: StoreId::Catalog,
            expected: blob(&[]),
            new: blob(&all),
        }],
    };
    let key = HmacKey::from_bytes(KEY);
    let bytes = engine::encode_entry(&entry, &key);
    assert_eq!(
        engine::decode_entry(&entry.file_name(), bytes.as_bytes(), &key),
        Ok(entry)
    );
}
