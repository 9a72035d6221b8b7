//! Replay: rolling journaled entries forward, setting conflicts aside, quarantining
//! what does not authenticate, and doing nothing the second time.

use std::os::unix::fs::symlink;

use super::*;
use claude_token::engine::{self, Defect, Entry, OurNew, OurStep, Step, Why};
use claude_token::store::memory::MemoryStores;

/// Everything replay could change: store contents and the journal tree.
fn state(sandbox: &Sandbox, stores: &MemoryStores) -> impl PartialEq + std::fmt::Debug {
    (
        stores.snapshot(),
        sandbox.journal_files(),
        sandbox.quarantine_files(),
        sandbox.attention_files(),
    )
}

/// Replays, then replays again and checks the second run changed nothing.
fn replay_twice(
    sandbox: &Sandbox,
    journal: &Journal<'_>,
    stores: &MemoryStores,
) -> engine::ReplayReport {
    let report = engine::replay(journal, stores, &mut locks()).unwrap();
    let after_once = state(sandbox, stores);
    stores.clear_events();
    let again = engine::replay(journal, stores, &mut locks()).unwrap();
    assert_eq!(
        again,
        engine::ReplayReport::default(),
        "second replay did something"
    );
    assert!(stores.writes().is_empty());
    assert_eq!(state(sandbox, stores), after_once);
    report
}

#[test]
fn an_entry_nothing_was_applied_from_is_applied_in_full() {
    let sandbox = Sandbox::new();
    let lock = sandbox.lock();
    let journal = journal(&lock);
    let ids = three_stores();
    let stores = stores_holding_old(&ids);
    journal
        .write(old_to_new("use", &ids), &place(&stores))
        .unwrap();
    let report = replay_twice(&sandbox, &journal, &stores);
    assert_eq!(report.rolled_forward.len(), 1);
    assert_eq!(report.rolled_forward[0].commit.written, ids);
    assert!(report.is_clean());
    assert_all_new(&stores, &ids);
    assert!(sandbox.journal_files().is_empty());
}

#[test]
fn a_partly_applied_entry_gets_the_rest() {
    let sandbox = Sandbox::new();
    let lock = sandbox.lock();
    let journal = journal(&lock);
    let ids = three_stores();
    let stores = stores_holding_old(&ids);
    journal
        .write(old_to_new("use", &ids), &place(&stores))
        .unwrap();
    stores.set(&ids[0], Some(new(0).as_slice()));
    let report = replay_twice(&sandbox, &journal, &stores);
    let commit = &report.rolled_forward[0].commit;
    assert_eq!(commit.written, [ids[1].clone(), ids[2].clone()]);
    assert_eq!(commit.unchanged, [ids[0].clone()]);
    assert_all_new(&stores, &ids);
}

#[test]
fn a_fully_applied_entry_is_just_removed() {
    let sandbox = Sandbox::new();
    let lock = sandbox.lock();
    let journal = journal(&lock);
    let ids = three_stores();
    let stores = stores_holding_old(&ids);
    journal
        .write(old_to_new("use", &ids), &place(&stores))
        .unwrap();
    for (n, id) in ids.iter().enumerate() {
        stores.set(id, Some(new(n).as_slice()));
    }
    let report = replay_twice(&sandbox, &journal, &stores);
    assert_eq!(report.rolled_forward[0].commit.unchanged, ids);
    assert!(sandbox.journal_files().is_empty());
}

#[test]
fn an_archive_holding_a_third_value_at_replay_sets_the_entry_aside_with_the_rest_applied() {
    let sandbox = Sandbox::new();
    let lock = sandbox.lock();
    let journal = journal(&lock);
    let ids = three_stores();
    let stores = stores_holding_old(&ids);
    journal
        .write(old_to_new("use", &ids), &place(&stores))
        .unwrap();
    stores.set(&ids[0], Some(b"edited by hand".as_slice()));
    let report = replay_twice(&sandbox, &journal, &stores);
    assert!(report.rolled_forward.is_empty());
    assert_eq!(report.attention.len(), 1);
    assert_eq!(report.attention[0].stores, [ids[0].clone()]);
    assert_eq!(report.attention[0].op, "use");
    assert!(!report.is_clean());
    assert_eq!(stores.get(&ids[0]), Some(b"edited by hand".to_vec()));
    assert_eq!(
        stores.get(&ids[1]),
        Some(new(1)),
        "Claude Code's step applies"
    );
    assert_eq!(
        stores.get(&ids[2]),
        Some(new(2)),
        "the catalog step applies"
    );
    assert_eq!(sandbox.attention_files().len(), 1);
    assert!(sandbox.journal_files().is_empty());
}

#[test]
fn claude_codes_store_holding_another_login_at_replay_is_left_and_reported() {
    let sandbox = Sandbox::new();
    let lock = sandbox.lock();
    let journal = journal(&lock);
    let ids = three_stores();
    let stores = stores_holding_old(&ids);
    journal
        .write(old_to_new("use", &ids), &place(&stores))
        .unwrap();
    let other = br#"{"claudeAiOauth":{"refreshToken":"rotated","tokenAccount":{"emailAddress":"x@example.com"}}}"#;
    stores.set(&ids[1], Some(other.as_slice()));
    let report = replay_twice(&sandbox, &journal, &stores);
    assert!(report.is_clean(), "{report:?}");
    let left: Vec<_> = report.left().collect();
    assert_eq!(left.len(), 1);
    assert_eq!(left[0].store, ids[1]);
    assert_eq!(left[0].place, Some(place(&stores)));
    assert_eq!(stores.get(&ids[1]), Some(other.to_vec()));
    assert_eq!(stores.get(&ids[0]), Some(new(0)));
    assert_eq!(stores.get(&ids[2]), Some(new(2)));
}

#[test]
fn a_catalog_changed_by_another_program_is_left_and_the_rest_applied() {
    let sandbox = Sandbox::new();
    let lock = sandbox.lock();
    let journal = journal(&lock);
    let ids = three_stores();
    let stores = stores_holding_old(&ids);
    journal
        .write(old_to_new("use", &ids), &place(&stores))
        .unwrap();
    stores.set(&ids[2], Some(b"{\"version\":1}".as_slice()));
    let report = replay_twice(&sandbox, &journal, &stores);
    assert!(report.is_clean());
    assert_eq!(
        report.left().next().map(|l| &l.why),
        Some(&Why::CatalogChanged)
    );
    assert_eq!(stores.get(&ids[0]), Some(new(0)));
    assert_eq!(stores.get(&ids[1]), Some(new(1)));
}

#[test]
fn claude_codes_store_missing_at_replay_is_left() {
    let sandbox = Sandbox::new();
    let lock = sandbox.lock();
    let journal = journal(&lock);
    let ids = [StoreId::ClaudeKeychain, StoreId::ClaudeFile];
    let stores = stores_holding_old(&ids);
    journal
        .write(old_to_new("use", &ids), &place(&stores))
        .unwrap();
    stores.set_missing(&StoreId::ClaudeKeychain);
    let report = replay_twice(&sandbox, &journal, &stores);
    assert!(report.is_clean());
    let left: Vec<_> = report.left().collect();
    assert_eq!((&left[0].store, &left[0].why), (&ids[0], &Why::Missing));
    assert_eq!(stores.get(&ids[1]), Some(new(1)));
}

#[test]
fn replay_writes_claude_codes_store_where_the_entry_says_not_here() {
    let sandbox = Sandbox::new();
    let lock = sandbox.lock();
    let journal = journal(&lock);
    let ids = [StoreId::ClaudeFile];
    let stores = stores_holding_old(&ids);
    let elsewhere = Place {
        claude_dir: "/elsewhere/.claude".into(),
        credentials_dir: "/elsewhere/.claude".into(),
        keychain: None,
    };
    journal.write(old_to_new("use", &ids), &elsewhere).unwrap();
    let mut held = locks();
    let report = engine::replay(&journal, &stores, &mut held).unwrap();
    // The memory stores hold one place; the entry's is not it, so nothing is
    // written here (a real backend opens the store at the entry's place).
    assert_eq!(stores.get(&ids[0]), Some(old(0)));
    let left: Vec<_> = report.left().collect();
    assert_eq!(left[0].place.as_ref(), Some(&elsewhere));
    assert!(
        held.held.is_empty(),
        "no lock taken for a store that is not there"
    );
}

#[test]
fn replay_holds_claude_codes_refresh_locks_for_every_write_of_its_stores() {
    let sandbox = Sandbox::new();
    let lock = sandbox.lock();
    let journal = journal(&lock);
    let ids = three_stores();
    let stores = stores_holding_old(&ids);
    journal
        .write(old_to_new("use", &ids), &place(&stores))
        .unwrap();
    let mut lost = Locks {
        lost: true,
        ..Locks::default()
    };
    engine::replay(&journal, &stores, &mut lost).unwrap_err();
    assert_eq!(lost.held, [place(&stores)]);
    assert_eq!(
        stores.get(&ids[1]),
        Some(old(1)),
        "not written once the locks are lost"
    );
    assert_eq!(sandbox.journal_files().len(), 1);
}

#[test]
fn entries_replay_in_chronological_order() {
    let sandbox = Sandbox::new();
    let lock = sandbox.lock();
    let journal = journal(&lock);
    let stores = MemoryStores::new();
    stores.set(&slot("work"), Some(b"v1".as_slice()));
    // v1 -> v2 at t=2000, v2 -> v3 at t=3000: only the right order applies both.
    // The later one gets the smaller op id, so an order by op id would fail.
    let later = hand_entry(3000, 1, b"v2", b"v3");
    let earlier = hand_entry(2000, u64::MAX, b"v1", b"v2");
    for entry in [&later, &earlier] {
        let bytes = engine::encode_entry(entry, &HmacKey::from_bytes(KEY));
        fs::write(journal.dir().join(entry.file_name()), bytes.as_bytes()).unwrap();
    }
    let report = replay_twice(&sandbox, &journal, &stores);
    let names: Vec<&str> = report
        .rolled_forward
        .iter()
        .map(|r| r.name.as_str())
        .collect();
    assert_eq!(names, [earlier.file_name(), later.file_name()]);
    assert_eq!(stores.get(&slot("work")), Some(b"v3".to_vec()));
}

fn hand_entry(created_at_ms: u64, op_id: u64, expected: &[u8], new: &[u8]) -> Entry {
    Entry {
        version: engine::VERSION,
        op: "refresh".into(),
        op_id,
        created_at_ms,
        grant: None,
        steps: vec![Step::Ours(OurStep {
            store: slot("work"),
            expected: blob(expected),
            new: OurNew::Bytes(blob(new)),
        })],
    }
}

/// Writes `bytes` as entry file `name`, replays, and checks it was quarantined with
/// nothing written; then empties the quarantine for the next round.
fn assert_quarantined(
    sandbox: &Sandbox,
    journal: &Journal<'_>,
    name: &str,
    bytes: &[u8],
) -> Defect {
    let stores = stores_holding_old(&[slot("work")]);
    fs::write(journal.dir().join(name), bytes).unwrap();
    let report = engine::replay(journal, &stores, &mut locks()).unwrap();
    assert!(report.rolled_forward.is_empty() && report.attention.is_empty());
    assert_eq!(report.quarantined.len(), 1, "{name}");
    assert!(stores.writes().is_empty(), "{name}: a store was written");
    assert_eq!(stores.get(&slot("work")), Some(old(0)));
    assert!(sandbox.journal_files().is_empty());
    let quarantined = &report.quarantined[0];
    assert_eq!(
        fs::read(&quarantined.path).unwrap(),
        bytes,
        "moved as it was"
    );
    fs::remove_file(&quarantined.path).unwrap();
    quarantined.defect
}

fn small_entry() -> (String, Vec<u8>) {
    let entry = hand_entry(1_700_000_000_000, 0xabc, &old(0), b"n");
    let bytes = engine::encode_entry(&entry, &HmacKey::from_bytes(KEY));
    (entry.file_name(), bytes.as_bytes().to_vec())
}

#[test]
fn every_single_bit_flip_in_an_entry_is_quarantined_unapplied() {
    let sandbox = Sandbox::new();
    let lock = sandbox.lock();
    let journal = journal(&lock);
    let (name, bytes) = small_entry();
    for index in 0..bytes.len() {
        for bit in 0..8 {
            let mut flipped = bytes.clone();
            flipped[index] ^= 1 << bit;
            let defect = assert_quarantined(&sandbox, &journal, &name, &flipped);
            assert!(
                matches!(defect, Defect::Hmac | Defect::Layout),
                "byte {index} bit {bit}: {defect:?}"
            );
        }
    }
}

#[test]
fn every_truncation_of_an_entry_is_quarantined_unapplied() {
    let sandbox = Sandbox::new();
    let lock = sandbox.lock();
    let journal = journal(&lock);
    let (name, bytes) = small_entry();
    for len in 0..bytes.len() {
        assert_quarantined(&sandbox, &journal, &name, &bytes[..len]);
    }
}

#[test]
fn an_entry_signed_with_another_key_is_quarantined() {
    let sandbox = Sandbox::new();
    let lock = sandbox.lock();
    let journal = journal(&lock);
    let entry = hand_entry(1_700_000_000_000, 7, &old(0), b"forged");
    let bytes = engine::encode_entry(&entry, &HmacKey::from_bytes([1; KEY_LEN]));
    let defect = assert_quarantined(&sandbox, &journal, &entry.file_name(), bytes.as_bytes());
    assert_eq!(defect, Defect::Hmac);
}

#[test]
fn an_authentic_entry_under_another_name_is_quarantined() {
    let sandbox = Sandbox::new();
    let lock = sandbox.lock();
    let journal = journal(&lock);
    let (_, bytes) = small_entry();
    let renamed = "0000000000000001-0000000000000abc.json";
    let defect = assert_quarantined(&sandbox, &journal, renamed, &bytes);
    assert_eq!(defect, Defect::NameMismatch);
}

#[test]
fn stray_files_are_quarantined_and_stale_temp_files_removed() {
    let sandbox = Sandbox::new();
    let lock = sandbox.lock();
    let journal = journal(&lock);
    let (name, bytes) = small_entry();
    let temp = format!(".{name}.tmp.12345.0123456789abcdef");
    // A temp file cut short by a crash: not a whole entry, so it is only removed.
    fs::write(journal.dir().join(&temp), &bytes[..bytes.len() - 1]).unwrap();
    fs::write(journal.dir().join("notes.txt"), b"hello").unwrap();
    let stores = stores_holding_old(&[slot("work")]);
    let report = engine::replay(&journal, &stores, &mut locks()).unwrap();
    assert_eq!(report.temps_removed, 1);
    assert_eq!(report.quarantined.len(), 1);
    assert_eq!(report.quarantined[0].defect, Defect::Name);
    assert_eq!(sandbox.quarantine_files(), ["notes.txt"]);
    assert!(sandbox.journal_files().is_empty());
    assert!(stores.writes().is_empty());
}

#[test]
fn a_symlinked_entry_is_quarantined_not_followed() {
    let sandbox = Sandbox::new();
    let lock = sandbox.lock();
    let journal = journal(&lock);
    let (name, bytes) = small_entry();
    let outside = sandbox.data().join("outside.json");
    fs::write(&outside, &bytes).unwrap();
    symlink(&outside, journal.dir().join(&name)).unwrap();
    let stores = stores_holding_old(&[slot("work")]);
    let report = engine::replay(&journal, &stores, &mut locks()).unwrap();
    assert_eq!(report.quarantined[0].defect, Defect::NotRegular);
    assert!(stores.writes().is_empty());
    assert_eq!(
        fs::read(&outside).unwrap(),
        bytes,
        "the target is untouched"
    );
}

#[test]
fn a_read_error_during_replay_keeps_the_entry_for_next_time() {
    let sandbox = Sandbox::new();
    let lock = sandbox.lock();
    let journal = journal(&lock);
    let ids = three_stores();
    let stores = stores_holding_old(&ids);
    journal
        .write(old_to_new("use", &ids), &place(&stores))
        .unwrap();
    stores.fail_next_read(&ids[1]);
    engine::replay(&journal, &stores, &mut locks()).unwrap_err();
    assert_eq!(
        stores.writes(),
        [ids[0].clone()],
        "stopped at the failed read"
    );
    assert_eq!(sandbox.journal_files().len(), 1);
    let report = replay_twice(&sandbox, &journal, &stores);
    assert_eq!(report.rolled_forward.len(), 1);
    assert_all_new(&stores, &ids);
}

#[test]
fn an_entry_written_by_one_open_replays_under_the_next() {
    let sandbox = Sandbox::new();
    let ids = three_stores();
    let stores = stores_holding_old(&ids);
    {
        let lock = sandbox.lock();
        let first = Journal::open(&lock).unwrap();
        first
            .write(old_to_new("use", &ids), &place(&stores))
            .unwrap();
    }
    let lock = sandbox.lock();
    let second = Journal::open(&lock).unwrap();
    let report = engine::replay(&second, &stores, &mut locks()).unwrap();
    assert_eq!(report.rolled_forward.len(), 1);
    assert_all_new(&stores, &ids);
}

#[test]
fn a_whole_authentic_entry_left_in_a_temp_file_is_adopted_and_applied() {
    // A kill after the entry's temp file was written and before its rename: the
    // server has already answered, so dropping the file would lose the new tokens.
    let sandbox = Sandbox::new();
    let lock = sandbox.lock();
    let journal = journal(&lock);
    let (name, bytes) = small_entry();
    let temp = format!(".{name}.tmp.12345.0123456789abcdef");
    fs::write(journal.dir().join(&temp), &bytes).unwrap();
    let stores = stores_holding_old(&[slot("work")]);
    let report = replay_twice(&sandbox, &journal, &stores);
    assert_eq!(report.temps_adopted, 1);
    assert_eq!(report.temps_removed, 0);
    assert_eq!(report.rolled_forward.len(), 1);
    assert_eq!(stores.get(&slot("work")), Some(b"n".to_vec()));
    assert!(sandbox.journal_files().is_empty());
}

#[test]
fn a_temp_file_signed_with_another_key_is_quarantined_not_adopted_nor_removed() {
    let sandbox = Sandbox::new();
    let lock = sandbox.lock();
    let journal = journal(&lock);
    let entry = hand_entry(1_700_000_000_000, 0xabc, &old(0), b"n");
    let forged = engine::encode_entry(&entry, &HmacKey::from_bytes([7; 32]));
    let temp = format!(".{}.tmp.1.0123456789abcdef", entry.file_name());
    fs::write(journal.dir().join(&temp), forged.as_bytes()).unwrap();
    let stores = stores_holding_old(&[slot("work")]);
    let report = engine::replay(&journal, &stores, &mut locks()).unwrap();
    assert_eq!((report.temps_adopted, report.temps_removed), (0, 0));
    assert_eq!(
        report.quarantined.len(),
        1,
        "it may hold tokens: kept aside"
    );
    assert_eq!(report.quarantined[0].defect, Defect::Hmac);
    assert!(stores.writes().is_empty());
    assert!(sandbox.journal_files().is_empty());
    assert_eq!(sandbox.quarantine_files().len(), 1);
}

#[test]
fn a_reserved_entry_padded_with_zeros_is_adopted_without_them() {
    // A reservation whose truncate never ran: the entry, then the rest of the zeros.
    let sandbox = Sandbox::new();
    let lock = sandbox.lock();
    let journal = journal(&lock);
    let (name, mut bytes) = small_entry();
    let whole = bytes.clone();
    bytes.resize(bytes.len() + 4096, 0);
    let temp = format!(".{name}.tmp.12345.0123456789abcdef");
    fs::write(journal.dir().join(&temp), &bytes).unwrap();
    let stores = stores_holding_old(&[slot("work")]);
    let report = replay_twice(&sandbox, &journal, &stores);
    assert_eq!(report.temps_adopted, 1);
    assert_eq!(report.rolled_forward.len(), 1);
    assert_eq!(stores.get(&slot("work")), Some(b"n".to_vec()));
    assert!(sandbox.journal_files().is_empty());
    drop(whole);
}
