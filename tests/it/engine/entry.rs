//! The journal entry format, checked against text written here by hand (not by the
//! encoder), and the strict reading of authentic but malformed entries: version 2,
//! which this build writes, and version 1, still read when pending at upgrade.

use super::*;
use claude_token::engine::{self, ClaudeRule, ClaudeStep, Grant, OurNew, OurStep, Step};
use claude_token::engine::{Defect, Entry};
use claude_token::hex;
use claude_token::oauth::TokenGrant;
use claude_token::sha256::hmac_sha256;
use claude_token::store::keychain::ClaudeItem;

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

fn ours(store: StoreId, expected: Option<Blob>, new: Option<Blob>) -> Step {
    Step::Ours(OurStep {
        store,
        expected,
        new: OurNew::Bytes(new),
    })
}

#[test]
fn encodes_exactly_the_documented_legacy_form() {
    let entry = Entry {
        version: engine::LEGACY_VERSION,
        op: "use".into(),
        op_id: 0xff,
        created_at_ms: 1_700_000_000_000,
        grant: None,
        steps: vec![
            ours(slot("work"), None, blob(&[0x00, 0xff])),
            Step::Claude(ClaudeStep {
                store: StoreId::ClaudeFile,
                place: None,
                rule: ClaudeRule::Bytes {
                    expected: blob(b"old"),
                    new: None,
                },
            }),
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
    (r#""version":1"#, r#""version":3"#, Defect::Version),
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
    assert_eq!(
        decode(&format!("[[[{valid}]]]")),
        Err(Defect::Json),
        "too deep"
    );
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
        version: engine::VERSION,
        op: "refresh".into(),
        op_id: u64::MAX,
        created_at_ms: 0,
        grant: None,
        steps: vec![ours(StoreId::Catalog, blob(&[]), blob(&all))],
    };
    let key = HmacKey::from_bytes(KEY);
    let bytes = engine::encode_entry(&entry, &key);
    assert_eq!(
        engine::decode_entry(&entry.file_name(), bytes.as_bytes(), &key),
        Ok(entry)
    );
}

/// A version 2 line with `grant` and `steps` spliced in.
fn v2(grant: &str, steps: &str) -> String {
    format!(
        r#"{{"version":2,"op_id":"00000000000000ff","op":"refresh","created_at_ms":1700000000000,"grant":{grant},"steps":[{steps}]}}"#
    )
}

const PLACE: &str = r#"{"claude_dir":"2f682f2e636c61756465","credentials_dir":"2f682f2e636c61756465","keychain":null}"#;
const GRANT: &str = r#"{"received_at_ms":1700000000000,"access_token":"4131","refresh_token":"5231","expires_in":28800,"scopes":"752070","refresh_token_expires_in":null}"#;

fn login_step(change: &str) -> String {
    format!(
        r#"{{"store":"claude-file","place":{PLACE},"expected_token":"5230","change":{change}}}"#
    )
}

const ARCHIVE_GRANT: &str = r#"{"store":"archive:work","expected":"7b7d","from_grant":true}"#;

#[test]
fn encodes_exactly_the_documented_form() {
    let tokens = TokenGrant {
        access_token: Some(Secret::from("A1")),
        refresh_token: Some(Secret::from("R1")),
        expires_in: Some(28_800),
        scopes: Some(vec!["u".into(), "p".into()]),
        token_type: None,
        refresh_token_expires_in: None,
        account: None,
        organization: None,
    };
    let entry = Entry {
        version: engine::VERSION,
        op: "refresh".into(),
        op_id: 0xff,
        created_at_ms: 1_700_000_000_000,
        grant: Some(Grant {
            received_at_ms: 1_700_000_000_000,
            tokens,
        }),
        steps: vec![
            Step::Ours(OurStep {
                store: slot("work"),
                expected: blob(b"{}"),
                new: OurNew::Grant,
            }),
            Step::Claude(ClaudeStep {
                store: StoreId::ClaudeFile,
                place: Some(Place {
                    claude_dir: "/h/.claude".into(),
                    credentials_dir: "/h/.claude".into(),
                    keychain: None,
                }),
                rule: ClaudeRule::Login {
                    expected: Secret::from("R0"),
                    change: Change::Grant,
                },
            }),
        ],
    };
    let line = v2(
        GRANT,
        &format!("{ARCHIVE_GRANT},{}", login_step(r#""grant""#)),
    );
    let bytes = engine::encode_entry(&entry, &HmacKey::from_bytes(KEY));
    assert_eq!(
        String::from_utf8(bytes.as_bytes().to_vec()).unwrap(),
        String::from_utf8(signed(&line)).unwrap()
    );
    assert_eq!(decode(&line), Ok(entry));
}

#[test]
fn reads_every_change_and_a_keychain_place() {
    for change in [
        r#""grant""#,
        r#""sign-out""#,
        r#"{"swap":"7b7d"}"#,
        r#"{"replace":""}"#,
    ] {
        let grant = if change.contains("grant") {
            GRANT
        } else {
            "null"
        };
        let line = v2(grant, &login_step(change));
        assert!(decode(&line).is_ok(), "{line}");
    }
    let keychain = PLACE.replace(
        r#""keychain":null"#,
        r#""keychain":{"service":"Claude Code-credentials","account":"ada"}"#,
    );
    let line = v2(
        "null",
        &login_step(r#""sign-out""#).replace(PLACE, &keychain),
    );
    let entry = decode(&line).unwrap();
    let Step::Claude(step) = &entry.steps[0] else {
        panic!()
    };
    let item = ClaudeItem {
        service: "Claude Code-credentials".into(),
        account: "ada".into(),
    };
    assert_eq!(step.place.as_ref().unwrap().keychain, Some(item));
}

#[test]
fn refuses_version_2_steps_that_do_not_fit_their_store_or_the_grant() {
    let cases = [
        // A whole-bytes step into Claude Code's store is version 1 only.
        (v2("null", STEP_FILE), Defect::Steps),
        // A grant step without a grant, and a grant no step uses.
        (v2("null", ARCHIVE_GRANT), Defect::Steps),
        (v2(GRANT, STEP_ARCHIVE), Defect::Steps),
        // A grant step on the catalog, or from nothing.
        (
            v2(GRANT, &ARCHIVE_GRANT.replace("archive:work", "catalog")),
            Defect::Steps,
        ),
        (
            v2(GRANT, &ARCHIVE_GRANT.replace(r#""7b7d""#, "null")),
            Defect::Steps,
        ),
        // A login step on one of our stores; a login step without its place.
        (
            v2(
                "null",
                &login_step(r#""sign-out""#).replace("claude-file", "catalog"),
            ),
            Defect::Steps,
        ),
        (
            v2(
                "null",
                &login_step(r#""sign-out""#).replace(&format!(r#""place":{PLACE},"#), ""),
            ),
            Defect::Field("place"),
        ),
        // A relative place, an unknown change, a grant missing a field.
        (
            v2(
                "null",
                &login_step(r#""sign-out""#).replace("2f682f", "682f"),
            ),
            Defect::Field("claude_dir"),
        ),
        (
            v2("null", &login_step(r#""logout""#)),
            Defect::Field("change"),
        ),
        (
            v2(
                &GRANT.replace(r#","expires_in":28800"#, ""),
                &login_step(r#""grant""#),
            ),
            Defect::Field("expires_in"),
        ),
        // Version 1 knows no grant.
        (
            v2("null", STEP_ARCHIVE).replace(r#""version":2"#, r#""version":1"#),
            Defect::Field("(unknown)"),
        ),
    ];
    for (line, defect) in cases {
        assert_eq!(decode(&line), Err(defect), "{line}");
    }
}
