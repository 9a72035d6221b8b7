//! HMAC-SHA256 against Wycheproof's 174 MAC cases, read at run time with a small
//! scanner of this file's own (the project's JSON codec is not used, so these vectors
//! do not depend on it).

use claude_token::sha256::{hmac_sha256, verify_hmac_sha256, verify_hmac_sha256_truncated};

use super::{read_vector, unhex};

struct MacCase {
    id: u32,
    tag_bits: usize,
    key: Vec<u8>,
    msg: Vec<u8>,
    tag: Vec<u8>,
    valid: bool,
}

/// The `"name": value` pairs of a JSON text in document order, each value as written
/// (strings without their quotes, numbers as digits, `""` for `{` and `[`). Enough
/// for Wycheproof's files, which hold no escapes; the project's own JSON codec is not
/// used here so the vectors do not depend on it.
fn json_fields(text: &str) -> Vec<(&str, &str)> {
    assert!(!text.contains('\\'), "this scanner does not handle escapes");
    let mut fields = Vec::new();
    let mut rest = text;
    while let Some(open) = rest.find('"') {
        let (name, after) = rest[open + 1..]
            .split_once('"')
            .expect("unterminated string");
        rest = after;
        let Some(value) = after.trim_start().strip_prefix(':') else {
            continue;
        };
        let value = value.trim_start();
        if let Some(string) = value.strip_prefix('"') {
            let (string, after) = string.split_once('"').expect("unterminated string");
            fields.push((name, string));
            rest = after;
        } else {
            let end = value
                .find(|c: char| !c.is_ascii_digit())
                .unwrap_or(value.len());
            fields.push((name, &value[..end]));
            rest = &value[end..];
        }
    }
    fields
}

#[derive(Clone, Copy, Default)]
struct PartialCase<'a> {
    id: u32,
    tag_bits: usize,
    key: Option<&'a str>,
    msg: Option<&'a str>,
    tag: Option<&'a str>,
    result: Option<&'a str>,
}

fn parse_wycheproof(text: &str) -> Vec<MacCase> {
    let mut tag_bits = None;
    let mut partial: Vec<PartialCase> = Vec::new();
    for (name, value) in json_fields(text) {
        let current = partial.last_mut();
        match name {
            "tagSize" => tag_bits = Some(value.parse().unwrap()),
            "tcId" => partial.push(PartialCase {
                id: value.parse().unwrap(),
                tag_bits: tag_bits.expect("tcId before any tagSize"),
                ..PartialCase::default()
            }),
            "key" => current.expect("key before tcId").key = Some(value),
            "msg" => current.expect("msg before tcId").msg = Some(value),
            "tag" => current.expect("tag before tcId").tag = Some(value),
            "result" => current.expect("result before tcId").result = Some(value),
            _ => {}
        }
    }
    partial.into_iter().map(complete).collect()
}

fn complete(case: PartialCase) -> MacCase {
    let id = case.id;
    let valid = match case.result {
        Some("valid") => true,
        Some("invalid") => false,
        other => panic!("tcId {id}: result {other:?}"),
    };
    let field =
        |value: Option<&str>, name| unhex(value.unwrap_or_else(|| panic!("tcId {id}: no {name}")));
    MacCase {
        id,
        tag_bits: case.tag_bits,
        key: field(case.key, "key"),
        msg: field(case.msg, "msg"),
        tag: field(case.tag, "tag"),
        valid,
    }
}

fn wycheproof_cases() -> Vec<MacCase> {
    let cases = parse_wycheproof(&read_vector("wycheproof/hmac_sha256_test.json"));
    assert_eq!(cases.len(), 174);
    let ids: Vec<u32> = cases.iter().map(|c| c.id).collect();
    assert_eq!(ids, (1..=174).collect::<Vec<u32>>());
    cases
}

/// Verifies as a Wycheproof MAC verifier with the group's declared tag size must:
/// full tags through the journal's verifier, 128-bit groups by their first 16 bytes.
fn verify_as_declared(case: &MacCase) -> bool {
    if case.tag_bits == 256 {
        return verify_hmac_sha256(&case.key, &case.msg, &case.tag);
    }
    let declared = case.tag_bits / 8;
    case.tag.len() == declared
        && verify_hmac_sha256_truncated(&case.key, &case.msg, &case.tag, declared)
}

#[test]
fn wycheproof_valid_tags_verify_and_modified_tags_do_not() {
    let cases = wycheproof_cases();
    let sizes: Vec<usize> = cases.iter().map(|c| c.tag_bits).collect();
    assert!(sizes.contains(&128) && sizes.contains(&256));
    for case in &cases {
        assert_eq!(verify_as_declared(case), case.valid, "tcId {}", case.id);
    }
    assert_eq!(cases.iter().filter(|c| c.valid).count(), 66);
}

#[test]
fn wycheproof_valid_tags_are_prefixes_of_the_computed_mac() {
    for case in wycheproof_cases().iter().filter(|c| c.valid) {
        let mac = hmac_sha256(&case.key, &case.msg);
        assert_eq!(
            &mac[..case.tag_bits / 8],
            case.tag.as_slice(),
            "tcId {}",
            case.id
        );
    }
}

#[test]
fn full_length_verifier_rejects_wycheproof_truncated_tags() {
    let truncated: Vec<MacCase> = wycheproof_cases()
        .into_iter()
        .filter(|c| c.tag_bits == 128 && c.valid)
        .collect();
    assert!(!truncated.is_empty());
    for case in &truncated {
        assert!(
            !verify_hmac_sha256(&case.key, &case.msg, &case.tag),
            "tcId {}",
            case.id
        );
    }
}
