//! Committing transactions: order, compare-and-swap, and what each failure leaves.

use super::*;
use claude_token::engine::{self, OurNew, Step, Why};
use claude_token::store::memory::{Action, Event};

#[test]
fn commit_writes_every_store_in_write_order_and_clears_the_journal() {
    let sandbox = Sandbox::new();
    let lock = sandbox.lock();
    let journal = journal(&lock);
    let given = [
        StoreId::Catalog,
        StoreId::ClaudeFile,
        slot("b"),
        StoreId::ClaudeKeychain,
        slot("a"),
    ];
    let stores = stores_holding_old(&given);
    let commit =
        engine::commit(&journal, &stores, old_to_new("use", &given), &mut locks()).unwrap();
    let order = [
        slot("a"),
        slot("b"),
        StoreId::ClaudeKeychain,
        StoreId::ClaudeFile,
        StoreId::Catalog,
    ];
    assert_eq!(stores.writes(), order);
    assert_eq!(commit.written, order);
    assert!(commit.unchanged.is_empty());
    assert_all_new(&stores, &given);
    assert!(sandbox.journal_files().is_empty());
}

#[test]
fn each_write_happens_under_its_stores_guard_after_a_fresh_read() {
    let sandbox = Sandbox::new();
    let lock = sandbox.lock();
    let journal = journal(&lock);
    let ids = three_stores();
    let stores = stores_holding_old(&ids);
    engine::commit(&journal, &stores, old_to_new("use", &ids), &mut locks()).unwrap();
    let events = stores.events();
    for (at, event) in events.iter().enumerate() {
        if event.action != Action::Write {
            continue;
        }
        let store = event.store.clone();
        let around = |action| Event {
            store: store.clone(),
            action,
        };
        assert_eq!(
            events[at - 2..at],
            [around(Action::Guard), around(Action::Read)]
        );
        assert_eq!(events[at + 1], around(Action::Release));
    }
    assert_eq!(stores.writes().len(), 3);
}

#[test]
fn one_of_our_stores_changed_before_the_commit_aborts_it_with_nothing_written() {
    let sandbox = Sandbox::new();
    let lock = sandbox.lock();
    let journal = journal(&lock);
    let ids = three_stores();
    let stores = stores_holding_old(&ids);
    stores.set(&ids[0], Some(b"edited by hand".as_slice()));
    let err = engine::commit(&journal, &stores, old_to_new("use", &ids), &mut locks()).unwrap_err();
    assert!(
        matches!(&err, Error::Changed { store } if *store == ids[0]),
        "{err:?}"
    );
    assert_eq!(err.exit_code(), 1);
    assert!(stores.writes().is_empty());
    assert!(sandbox.journal_files().is_empty());
    assert!(sandbox.attention_files().is_empty());
}

#[test]
fn stores_already_holding_the_new_bytes_are_left_alone() {
    let sandbox = Sandbox::new();
    let lock = sandbox.lock();
    let journal = journal(&lock);
    let ids = three_stores();
    let stores = stores_holding_old(&ids);
    stores.set(&ids[1], Some(new(1).as_slice()));
    let commit = engine::commit(&journal, &stores, old_to_new("use", &ids), &mut locks()).unwrap();
    assert_eq!(commit.written, [ids[0].clone(), ids[2].clone()]);
    assert_eq!(commit.unchanged, [ids[1].clone()]);
    assert_eq!(stores.writes(), commit.written);
    assert_all_new(&stores, &ids);
}

#[test]
fn a_commit_with_nothing_to_change_journals_nothing() {
    let sandbox = Sandbox::new();
    let lock = sandbox.lock();
    let journal = journal(&lock);
    let ids = three_stores();
    let stores = MemoryStores::new();
    for (n, id) in ids.iter().enumerate() {
        stores.set(id, Some(new(n).as_slice()));
    }
    let commit = engine::commit(&journal, &stores, old_to_new("use", &ids), &mut locks()).unwrap();
    assert_eq!(commit.unchanged, ids);
    assert!(stores.writes().is_empty());
    assert!(sandbox.journal_files().is_empty());
}

#[test]
fn absent_expected_creates_and_absent_new_deletes() {
    let sandbox = Sandbox::new();
    let lock = sandbox.lock();
    let journal = journal(&lock);
    let stores = MemoryStores::new();
    stores.set(&slot("gone"), Some(b"archived".as_slice()));
    let tx = Transaction::new("remove")
        .unwrap()
        .step(slot("gone"), blob(b"archived"), None)
        .unwrap()
        .step(slot("made"), None, blob(b"fresh"))
        .unwrap();
    engine::commit(&journal, &stores, tx, &mut locks()).unwrap();
    assert_eq!(stores.get(&slot("gone")), None);
    assert_eq!(stores.get(&slot("made")), Some(b"fresh".to_vec()));
    let actions: Vec<Action> = stores
        .events()
        .into_iter()
        .filter(|e| matches!(e.action, Action::Write | Action::Delete))
        .map(|e| e.action)
        .collect();
    assert_eq!(actions, [Action::Delete, Action::Write]);
}

#[test]
fn expecting_absence_fails_when_the_store_holds_something() {
    let sandbox = Sandbox::new();
    let lock = sandbox.lock();
    let journal = journal(&lock);
    let stores = MemoryStores::new();
    stores.set(&slot("taken"), Some(b"someone".as_slice()));
    let tx = Transaction::new("add")
        .unwrap()
        .step(slot("taken"), None, blob(b"mine"))
        .unwrap();
    let err = engine::commit(&journal, &stores, tx, &mut locks()).unwrap_err();
    assert!(matches!(err, Error::Changed { .. }), "{err:?}");
    assert_eq!(stores.get(&slot("taken")), Some(b"someone".to_vec()));
}

#[test]
fn a_failed_store_write_keeps_the_journal_and_replay_finishes_the_job() {
    let sandbox = Sandbox::new();
    let lock = sandbox.lock();
    let journal = journal(&lock);
    let ids = three_stores();
    let stores = stores_holding_old(&ids);
    stores.fail_next_write(&StoreId::ClaudeFile);
    let err = engine::commit(&journal, &stores, old_to_new("use", &ids), &mut locks()).unwrap_err();
    let Error::Unfinished { source, entry } = &err else {
        panic!("{err:?}");
    };
    assert!(matches!(**source, Error::Io { .. }), "{err:?}");
    assert!(entry.starts_with(journal.dir()), "the hint names the entry");
    let hint = err.hint().unwrap();
    assert!(
        hint.contains("next claude-token command finishes it"),
        "{hint}"
    );
    assert_eq!(stores.get(&ids[0]), Some(new(0)));
    assert_eq!(
        stores.get(&ids[1]),
        Some(old(1)),
        "the failed write changed nothing"
    );
    assert_eq!(
        stores.get(&ids[2]),
        Some(old(2)),
        "nothing after the failure"
    );
    assert_eq!(sandbox.journal_files().len(), 1);

    let report = engine::replay(&journal, &stores, &mut locks()).unwrap();
    assert_eq!(report.rolled_forward.len(), 1);
    let rolled = &report.rolled_forward[0];
    assert_eq!(rolled.op, "use");
    assert_eq!(rolled.commit.written, [ids[1].clone(), ids[2].clone()]);
    assert_eq!(rolled.commit.unchanged, [ids[0].clone()]);
    assert_all_new(&stores, &ids);
    assert!(sandbox.journal_files().is_empty());
}

#[test]
fn a_failed_read_at_verify_changes_nothing() {
    let sandbox = Sandbox::new();
    let lock = sandbox.lock();
    let journal = journal(&lock);
    let ids = three_stores();
    let stores = stores_holding_old(&ids);
    stores.fail_next_read(&StoreId::Catalog);
    let err = engine::commit(&journal, &stores, old_to_new("use", &ids), &mut locks()).unwrap_err();
    assert!(matches!(err, Error::Io { action: "read", .. }), "{err:?}");
    assert!(stores.writes().is_empty());
    assert!(sandbox.journal_files().is_empty());
}

#[test]
fn an_archive_changed_between_verify_and_apply_sets_the_entry_aside_with_the_rest_applied() {
    let sandbox = Sandbox::new();
    let lock = sandbox.lock();
    let journal = journal(&lock);
    let ids = three_stores();
    let stores = stores_holding_old(&ids);
    // A hand edit right after our verify read: our own store holds a third value.
    stores.change_after_reads(&ids[0], 1, Some(b"edited by hand".as_slice()));
    let err = engine::commit(&journal, &stores, old_to_new("use", &ids), &mut locks()).unwrap_err();
    let Error::Conflict {
        stores: named,
        entry,
    } = &err
    else {
        panic!("{err:?}");
    };
    assert_eq!(named, &[ids[0].clone()]);
    assert_eq!(err.exit_code(), 6);
    assert_eq!(stores.get(&ids[0]), Some(b"edited by hand".to_vec()));
    assert_eq!(
        stores.writes(),
        [ids[1].clone(), ids[2].clone()],
        "every other step is applied"
    );
    assert!(sandbox.journal_files().is_empty());
    assert_eq!(sandbox.attention_files().len(), 1);
    let kept = engine::decode_entry(
        entry.file_name().unwrap().to_str().unwrap(),
        &fs::read(entry).unwrap(),
        &HmacKey::from_bytes(KEY),
    )
    .unwrap();
    let Step::Ours(archive) = &kept.steps[0] else {
        panic!("{:?}", kept.steps[0]);
    };
    assert_eq!(
        archive.new,
        OurNew::Bytes(blob(&new(0))),
        "the new bytes stay durable"
    );
}

#[test]
fn claude_codes_store_holding_another_login_is_left_and_the_rest_applied() {
    let sandbox = Sandbox::new();
    let lock = sandbox.lock();
    let journal = journal(&lock);
    let ids = three_stores();
    let stores = stores_holding_old(&ids);
    // Claude Code refreshed after we read its file: it holds another token now.
    let refreshed = br#"{"claudeAiOauth":{"refreshToken":"cc-rotated"}}"#;
    stores.set(&ids[1], Some(refreshed.as_slice()));
    let commit = engine::commit(&journal, &stores, old_to_new("use", &ids), &mut locks()).unwrap();
    assert_eq!(commit.written, [ids[0].clone(), ids[2].clone()]);
    assert_eq!(commit.left.len(), 1);
    assert_eq!(commit.left[0].store, ids[1]);
    assert!(matches!(commit.left[0].why, Why::AnotherLogin { .. }));
    assert_eq!(stores.get(&ids[1]), Some(refreshed.to_vec()));
    assert!(sandbox.journal_files().is_empty());
    assert!(sandbox.attention_files().is_empty());
}

#[test]
fn a_member_claude_code_writes_meanwhile_survives_a_swap_into_its_store() {
    let sandbox = Sandbox::new();
    let lock = sandbox.lock();
    let journal = journal(&lock);
    let stores = MemoryStores::new();
    let target = r#"{"claudeAiOauth":{"accessToken":"a2","refreshToken":"r2","expiresAt":9},"mcpOAuth":{"other":2}}"#;
    // Claude Code wrote `mcpOAuth` (under its storage lock alone) after we read its
    // file with `{"old":1}` there and built the step: still login r1.
    let stamped = r#"{"claudeAiOauth":{"accessToken":"a1","refreshToken":"r1","expiresAt":5},"mcpOAuth":{"new":3}}"#;
    stores.set(&StoreId::ClaudeFile, Some(stamped.as_bytes()));
    let tx = Transaction::new("use")
        .unwrap()
        .claude(
            StoreId::ClaudeFile,
            Secret::from("r1"),
            Change::Swap(Blob::from(target.as_bytes())),
        )
        .unwrap();
    let mut held = locks();
    engine::commit(&journal, &stores, tx, &mut held).unwrap();
    assert_eq!(
        String::from_utf8(stores.get(&StoreId::ClaudeFile).unwrap()).unwrap(),
        r#"{"claudeAiOauth":{"accessToken":"a2","refreshToken":"r2","expiresAt":9},"mcpOAuth":{"new":3}}"#
    );
    assert_eq!(
        held.held,
        [place(&stores)],
        "under Claude Code's refresh locks"
    );
}

#[test]
fn locks_taken_over_stop_the_write_into_claude_codes_store_and_keep_the_entry() {
    let sandbox = Sandbox::new();
    let lock = sandbox.lock();
    let journal = journal(&lock);
    let ids = three_stores();
    let stores = stores_holding_old(&ids);
    let mut lost = Locks {
        lost: true,
        ..Locks::default()
    };
    let err = engine::commit(&journal, &stores, old_to_new("use", &ids), &mut lost).unwrap_err();
    assert!(
        matches!(&err, Error::Unfinished { source, .. } if matches!(**source, Error::BadTransaction { .. })),
        "{err:?}"
    );
    assert_eq!(
        stores.writes(),
        [ids[0].clone()],
        "stopped before Claude Code's"
    );
    assert_eq!(stores.get(&ids[1]), Some(old(1)));
    assert_eq!(sandbox.journal_files().len(), 1, "replay finishes it");
    engine::replay(&journal, &stores, &mut locks()).unwrap();
    assert_all_new(&stores, &ids);
}

#[test]
fn a_step_for_a_store_this_platform_lacks_is_refused_before_anything() {
    let sandbox = Sandbox::new();
    let lock = sandbox.lock();
    let journal = journal(&lock);
    let ids = [StoreId::ClaudeKeychain, StoreId::ClaudeFile];
    let stores = stores_holding_old(&ids);
    stores.set_missing(&StoreId::ClaudeKeychain);
    let err = engine::commit(&journal, &stores, old_to_new("use", &ids), &mut locks()).unwrap_err();
    assert!(matches!(err, Error::BadTransaction { .. }), "{err:?}");
    assert!(stores.writes().is_empty());
    assert!(sandbox.journal_files().is_empty());
}

#[test]
fn a_new_entry_is_refused_while_an_older_one_is_pending() {
    let sandbox = Sandbox::new();
    let lock = sandbox.lock();
    let journal = journal(&lock);
    let ids = three_stores();
    let stores = stores_holding_old(&ids);
    journal
        .write(old_to_new("use", &ids), &place(&stores))
        .unwrap();
    let again = old_to_new("refresh", &ids);
    let err = engine::commit(&journal, &stores, again, &mut locks()).unwrap_err();
    assert!(matches!(err, Error::BadTransaction { .. }), "{err:?}");
    assert!(stores.writes().is_empty());
    assert_eq!(sandbox.journal_files().len(), 1);
}

#[test]
fn journal_first_then_apply_is_a_commit_in_two_halves() {
    let sandbox = Sandbox::new();
    let lock = sandbox.lock();
    let journal = journal(&lock);
    let ids = [StoreId::ClaudeFile, StoreId::Catalog];
    let stores = stores_holding_old(&ids);
    let pending = journal
        .write(old_to_new("refresh", &ids), &place(&stores))
        .unwrap();
    assert!(pending.path().exists());
    assert!(stores.events().is_empty(), "journaling reads no store");
    let commit = engine::apply(&journal, &stores, pending, &mut locks()).unwrap();
    assert_eq!(commit.written, ids);
    assert_all_new(&stores, &ids);
    assert!(sandbox.journal_files().is_empty());
}

#[test]
fn transactions_keep_write_order_and_drop_steps_that_change_nothing() {
    let tx = Transaction::new("use")
        .unwrap()
        .step(StoreId::Catalog, blob(b"a"), blob(b"b"))
        .unwrap()
        .step(slot("x"), blob(b"same"), blob(b"same"))
        .unwrap()
        .claude(StoreId::ClaudeFile, Secret::from(""), Change::SignOut)
        .unwrap()
        .claude(
            StoreId::ClaudeKeychain,
            Secret::from(""),
            Change::Replace(Blob::from(&b"c"[..])),
        )
        .unwrap();
    let order: Vec<StoreId> = tx.steps().iter().map(|s| s.store().clone()).collect();
    assert_eq!(
        order,
        [
            StoreId::ClaudeKeychain,
            StoreId::ClaudeFile,
            StoreId::Catalog
        ]
    );
}

#[test]
fn each_store_takes_only_its_own_kind_of_step() {
    let bytes = Transaction::new("use")
        .unwrap()
        .step(StoreId::ClaudeFile, None, blob(b"x"));
    assert!(matches!(bytes, Err(Error::BadTransaction { .. })));
    let login =
        Transaction::new("use")
            .unwrap()
            .claude(slot("a"), Secret::from(""), Change::SignOut);
    assert!(matches!(login, Err(Error::BadTransaction { .. })));
    let grant = Transaction::new("use")
        .unwrap()
        .grant_step(StoreId::Catalog, Blob::from(&b"x"[..]));
    assert!(matches!(grant, Err(Error::BadTransaction { .. })));
}

#[test]
fn a_second_step_for_one_store_is_refused() {
    let tx = Transaction::new("use")
        .unwrap()
        .step(StoreId::Catalog, blob(b"a"), blob(b"b"))
        .unwrap();
    let err = tx
        .step(StoreId::Catalog, blob(b"b"), blob(b"c"))
        .unwrap_err();
    assert!(matches!(err, Error::BadTransaction { .. }), "{err:?}");
}

#[test]
fn a_second_step_is_refused_even_after_a_dropped_one() {
    // The dropped no-op step still names its store: a caller listing one store
    // twice has a bug whichever step changes nothing.
    let tx = Transaction::new("use")
        .unwrap()
        .step(StoreId::Catalog, blob(b"a"), blob(b"a"))
        .unwrap();
    assert!(tx.steps().is_empty());
    assert!(tx.step(StoreId::Catalog, blob(b"a"), blob(b"b")).is_err());
}

#[test]
fn operation_names_are_checked() {
    for good in [
        "use",
        "refresh",
        "a",
        "migrate-v1",
        "abcdefghijklmnopqrstuvwxyz012345",
    ] {
        assert!(Transaction::new(good).is_ok(), "{good}");
    }
    for bad in [
        "",
        "Use",
        "1use",
        "-use",
        "use it",
        "use\"",
        "abcdefghijklmnopqrstuvwxyz0123456",
    ] {
        assert!(Transaction::new(bad).is_err(), "{bad}");
    }
}

#[test]
fn errors_name_stores_but_never_bytes() {
    let errors = [
        Error::Changed {
            store: StoreId::ClaudeFile,
        },
        Error::Conflict {
            stores: vec![slot("work"), StoreId::Catalog],
            entry: PathBuf::from("/d/journal/attention/x.json"),
        },
    ];
    for err in errors {
        let text = format!("{err} {:?}", err.hint());
        assert!(!text.contains("old") && !text.contains("new\""), "{text}");
        assert!(
            text.contains("claude-file") || text.contains("archive:work"),
            "{text}"
        );
    }
}

#[test]
fn a_journal_write_that_fails_leaves_all_old_or_after_replay_all_new() {
    use claude_token::fs::fault::{self, Fault};
    // The entry's write: data write, file fsync, rename, directory fsync.
    let faults = [
        Fault::NoSpace { nth: 1 },
        Fault::FsyncFails { nth: 1 },
        Fault::RenameBusy { nth: 1 },
        Fault::FsyncFails { nth: 2 },
    ];
    for fault in faults {
        let sandbox = Sandbox::new();
        let lock = sandbox.lock();
        let journal = journal(&lock);
        let ids = three_stores();
        let stores = stores_holding_old(&ids);
        fault::inject(fault);
        let result = engine::commit(&journal, &stores, old_to_new("use", &ids), &mut locks());
        fault::clear();
        let renamed = fault == Fault::FsyncFails { nth: 2 } || result.is_ok();
        if let Err(err) = &result {
            assert!(stores.writes().is_empty(), "{fault:?}: {err:?}");
        }
        engine::replay(&journal, &stores, &mut locks()).unwrap();
        if renamed {
            assert_all_new(&stores, &ids);
        } else {
            assert_all_old(&stores, &ids);
        }
        assert!(sandbox.journal_files().is_empty(), "{fault:?}");
    }
}
