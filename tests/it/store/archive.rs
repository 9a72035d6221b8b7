//! The file archive: our `<slot>.json`, the fallback to the original tool's
//! `claude-token-cli__<slot>__<account>` files, and the tombstone rule for deletes.

use super::{mode, names, slot, TempDir};
use claude_token::cli::SlotName;
use claude_token::store::archive::{legacy_owner, ArchiveStore};
use claude_token::store::file::Notices;
use claude_token::store::{Store, StoreId};
use std::ffi::OsStr;
use std::fs::{self, File, FileTimes};
use std::os::unix::ffi::OsStrExt;
use std::path::Path;
use std::time::{Duration, SystemTime};

fn archive(keystore: &Path, name: &str) -> ArchiveStore {
    ArchiveStore::new(keystore.to_owned(), slot(name), Notices::default())
}

/// Writes an original-tool file with a given age, so "newest" does not depend on
/// how fast the test runs.
fn legacy(keystore: &Path, name: &[u8], bytes: &[u8], age_secs: u64) {
    fs::create_dir_all(keystore).unwrap();
    let path = keystore.join(OsStr::from_bytes(name));
    fs::write(&path, bytes).unwrap();
    let when = SystemTime::now() - Duration::from_secs(age_secs);
    let file = File::options().write(true).open(&path).unwrap();
    file.set_times(FileTimes::new().set_modified(when)).unwrap();
}

fn read(store: &ArchiveStore) -> Option<Vec<u8>> {
    store.read().unwrap().map(|blob| blob.as_bytes().to_vec())
}

#[test]
fn our_archive_is_slot_json_0600_in_a_0700_keystore() {
    let tmp = TempDir::new();
    let keystore = tmp.join("data/keystore");
    let store = archive(&keystore, "work");
    assert_eq!(store.id(), StoreId::Archive(slot("work")));
    store.write(b"login").unwrap();
    assert_eq!(names(&keystore), ["work.json"]);
    assert_eq!(mode(&keystore.join("work.json")), 0o600);
    assert_eq!(mode(&keystore), 0o700);
    assert_eq!(read(&store).unwrap(), b"login");
}

#[test]
fn reads_the_original_tools_file_when_ours_is_absent() {
    let tmp = TempDir::new();
    legacy(
        tmp.path(),
        b"claude-token-cli__work__alice",
        b"old login",
        60,
    );
    assert_eq!(read(&archive(tmp.path(), "work")).unwrap(), b"old login");
    assert_eq!(read(&archive(tmp.path(), "home")), None);
}

#[test]
fn the_newest_original_file_wins() {
    let tmp = TempDir::new();
    legacy(tmp.path(), b"claude-token-cli__work__alice", b"older", 300);
    legacy(tmp.path(), b"claude-token-cli__work__bob", b"newest", 10);
    legacy(tmp.path(), b"claude-token-cli__work__carol", b"middle", 100);
    assert_eq!(read(&archive(tmp.path(), "work")).unwrap(), b"newest");
}

#[test]
fn our_file_wins_over_newer_original_files() {
    let tmp = TempDir::new();
    let store = archive(tmp.path(), "work");
    store.write(b"ours").unwrap();
    legacy(tmp.path(), b"claude-token-cli__work__alice", b"theirs", 0);
    assert_eq!(read(&store).unwrap(), b"ours");
}

#[test]
fn the_slot_part_must_match_exactly() {
    let tmp = TempDir::new();
    legacy(tmp.path(), b"claude-token-cli__work2__alice", b"work2", 0);
    legacy(tmp.path(), b"claude-token-cli__wor__alice", b"wor", 0);
    legacy(tmp.path(), b"claude-token-cli__work__", b"no account", 0);
    legacy(tmp.path(), b"claude-token-cli__work", b"no separator", 0);
    legacy(
        tmp.path(),
        b"xclaude-token-cli__work__alice",
        b"other prefix",
        0,
    );
    assert_eq!(read(&archive(tmp.path(), "work")), None);
}

#[test]
fn the_account_part_may_hold_any_bytes() {
    let tmp = TempDir::new();
    legacy(
        tmp.path(),
        b"claude-token-cli__work__J\xe9r\xf4me D. (laptop)",
        b"x",
        0,
    );
    assert_eq!(read(&archive(tmp.path(), "work")).unwrap(), b"x");
}

#[test]
fn a_legacy_name_belongs_to_the_longest_slot_it_can_be_read_with() {
    let cases: [(&[u8], Option<&str>); 9] = [
        (b"claude-token-cli__work__alice", Some("work")),
        (b"claude-token-cli__a__b__u", Some("a__b")),
        (b"claude-token-cli__a__B__u", Some("a")),
        (b"claude-token-cli__a___u", Some("a_")),
        (b"claude-token-cli__a__b__", Some("a")),
        (b"claude-token-cli__all__u", None),
        (b"claude-token-cli__Work__u", None),
        (b"claude-token-cli____u", None),
        (b"work.json", None),
    ];
    for (name, owner) in cases {
        let found = legacy_owner(OsStr::from_bytes(name));
        assert_eq!(
            found.as_ref().map(SlotName::as_str),
            owner,
            "{}",
            String::from_utf8_lossy(name)
        );
    }
}

#[test]
fn a_longer_slots_file_is_not_read_for_the_shorter_slot() {
    let tmp = TempDir::new();
    legacy(tmp.path(), b"claude-token-cli__a__b__u", b"slot a__b", 0);
    assert_eq!(read(&archive(tmp.path(), "a")), None);
    assert_eq!(read(&archive(tmp.path(), "a__b")).unwrap(), b"slot a__b");
}

#[test]
fn delete_keeps_original_files_and_the_slot_stays_removed() {
    let tmp = TempDir::new();
    let name = b"claude-token-cli__work__alice";
    legacy(tmp.path(), name, b"old login", 60);
    let path = tmp.path().join(OsStr::from_bytes(name));
    let before = fs::symlink_metadata(&path).unwrap().modified().unwrap();
    let store = archive(tmp.path(), "work");
    store.write(b"ours").unwrap();
    store.delete().unwrap();
    assert_eq!(read(&store), None);
    assert_eq!(fs::read(&path).unwrap(), b"old login");
    assert_eq!(
        fs::symlink_metadata(&path).unwrap().modified().unwrap(),
        before
    );
    assert_eq!(
        names(tmp.path()),
        ["claude-token-cli__work__alice", "work.removed"]
    );
    assert_eq!(mode(&tmp.path().join("work.removed")), 0o600);
}

#[test]
fn a_slot_deleted_while_only_original_files_exist_stays_removed() {
    let tmp = TempDir::new();
    legacy(
        tmp.path(),
        b"claude-token-cli__work__alice",
        b"old login",
        60,
    );
    let store = archive(tmp.path(), "work");
    store.delete().unwrap();
    assert_eq!(read(&store), None);
    store.delete().unwrap();
    assert_eq!(read(&store), None);
}

#[test]
fn a_removed_slot_written_again_reads_our_new_file() {
    let tmp = TempDir::new();
    legacy(
        tmp.path(),
        b"claude-token-cli__work__alice",
        b"old login",
        60,
    );
    let store = archive(tmp.path(), "work");
    store.delete().unwrap();
    store.write(b"new login").unwrap();
    assert_eq!(read(&store).unwrap(), b"new login");
}

#[test]
fn delete_without_original_files_leaves_no_marker() {
    let tmp = TempDir::new();
    let store = archive(tmp.path(), "work");
    store.write(b"ours").unwrap();
    store.delete().unwrap();
    assert!(names(tmp.path()).is_empty());
    archive(&tmp.join("never-created"), "work")
        .delete()
        .unwrap();
}

#[test]
fn another_slots_marker_does_not_hide_this_slot() {
    let tmp = TempDir::new();
    legacy(
        tmp.path(),
        b"claude-token-cli__work__alice",
        b"work login",
        60,
    );
    legacy(
        tmp.path(),
        b"claude-token-cli__home__alice",
        b"home login",
        60,
    );
    archive(tmp.path(), "home").delete().unwrap();
    assert_eq!(read(&archive(tmp.path(), "work")).unwrap(), b"work login");
}

#[test]
fn an_original_file_that_is_a_symlink_is_refused() {
    let tmp = TempDir::new();
    fs::write(tmp.join("target"), b"x").unwrap();
    std::os::unix::fs::symlink(
        tmp.join("target"),
        tmp.join("claude-token-cli__work__alice"),
    )
    .unwrap();
    let err = archive(tmp.path(), "work").read().unwrap_err();
    assert!(err.to_string().contains("symbolic link"), "{err}");
}
