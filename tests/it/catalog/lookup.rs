//! Lookups: `#N` in file order, names, account uuids, and emails ignoring ASCII case.

use super::{name, parse};
use claude_token::cli::SlotRef;

const THREE: &str = r#"{"version":1,"active":"b","slots":[
    {"name":"a","email":"Zed@Example.com","account_uuid":"u-1"},
    {"name":"b","email":"other@example.com","account_uuid":"u-2"},
    {"name":"c","email":"zed@example.COM","account_uuid":"u-1"}]}"#;

fn names<'a>(slots: impl Iterator<Item = &'a claude_token::catalog::Slot>) -> Vec<String> {
    slots.map(|s| s.name.to_string()).collect()
}

#[test]
fn numbers_count_from_one_in_file_order() {
    let catalog = parse(THREE).into_catalog();
    assert_eq!(catalog.by_number(1).unwrap().name, name("a"));
    assert_eq!(catalog.by_number(3).unwrap().name, name("c"));
    assert!(catalog.by_number(0).is_none());
    assert!(catalog.by_number(4).is_none());
    assert!(catalog.by_number(u32::MAX).is_none());
}

#[test]
fn a_slot_ref_finds_by_name_or_number_or_says_which_is_missing() {
    let catalog = parse(THREE).into_catalog();
    let by_name = catalog.find(&SlotRef::Name(name("b"))).unwrap();
    assert_eq!(by_name.account_uuid.as_deref(), Some("u-2"));
    assert_eq!(catalog.find(&SlotRef::Index(2)).unwrap().name, name("b"));
    let err = catalog.find(&SlotRef::Index(4)).unwrap_err();
    assert_eq!(err.to_string(), "there is no slot #4");
    assert_eq!(err.exit_code(), 1);
    let err = catalog.find(&SlotRef::Name(name("zz"))).unwrap_err();
    assert_eq!(err.to_string(), "there is no slot zz");
    assert_eq!(catalog.position(&name("c")), Some(2));
    assert_eq!(catalog.active_slot().unwrap().name, name("b"));
}

#[test]
fn accounts_match_exactly_and_emails_ignore_ascii_case() {
    let catalog = parse(THREE).into_catalog();
    assert_eq!(names(catalog.with_account_uuid("u-1")), ["a", "c"]);
    assert!(names(catalog.with_account_uuid("U-1")).is_empty());
    assert_eq!(names(catalog.with_email("ZED@example.com")), ["a", "c"]);
    assert_eq!(names(catalog.with_email("other@example.com")), ["b"]);
    assert!(names(catalog.with_email("")).is_empty());
    assert!(names(catalog.with_email("zed@example.co")).is_empty());
}
