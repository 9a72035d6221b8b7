//! `FileStore`: modes, directory policies, symlink refusal, delete semantics, and
//! the notices a command turns into warnings.

use super::{mode, names, set_mode, TempDir};
use claude_token::fs::WriteOutcome;
use claude_token::store::file::{DirPolicy, FileStore, Notice, Notices, MAX_FILE_LEN};
use claude_token::store::{Store, StoreId};
use claude_token::Error;
use std::fs;
use std::os::unix::fs::symlink;

fn catalog_at(path: std::path::PathBuf) -> FileStore {
    FileStore::new(StoreId::Catalog, path, DirPolicy::Private)
}

fn claude_file_at(path: std::path::PathBuf) -> FileStore {
    FileStore::new(StoreId::ClaudeFile, path, DirPolicy::ClaudeCode)
}

fn is_symlink_error(err: &Error) -> bool {
    matches!(err, Error::Fs(claude_token::fs::Error::Symlink { .. }))
}

#[test]
fn round_trip_writes_a_0600_file_in_new_0700_directories() {
    let tmp = TempDir::new();
    let path = tmp.join("config/claude-token-cli/slots.json");
    let store = catalog_at(path.clone());
    assert_eq!(store.read().unwrap(), None);
    store.write(b"{\"version\":1}").unwrap();
    assert_eq!(
        store.read().unwrap().unwrap().as_bytes(),
        b"{\"version\":1}"
    );
    assert_eq!(mode(&path), 0o600);
    assert_eq!(mode(&tmp.join("config/claude-token-cli")), 0o700);
    assert_eq!(mode(&tmp.join("config")), 0o700);
    assert_eq!(store.id(), StoreId::Catalog);
}

#[test]
fn a_write_replaces_the_whole_content() {
    let tmp = TempDir::new();
    let store = catalog_at(tmp.join("slots.json"));
    store.write(b"a much longer first content").unwrap();
    store.write(b"short").unwrap();
    assert_eq!(store.read().unwrap().unwrap().as_bytes(), b"short");
    assert_eq!(names(tmp.path()), ["slots.json"], "no temp file is left");
}

#[test]
fn write_file_reports_a_normal_replace() {
    let tmp = TempDir::new();
    let store = catalog_at(tmp.join("slots.json"));
    assert_eq!(store.write_file(b"x").unwrap(), WriteOutcome::Replaced);
}

#[test]
fn claude_code_directory_that_exists_open_is_not_chmodded() {
    let tmp = TempDir::new();
    let dir = tmp.join(".claude");
    fs::create_dir(&dir).unwrap();
    set_mode(&dir, 0o755);
    let store = claude_file_at(dir.join(".credentials.json"));
    store.write(b"{}").unwrap();
    assert_eq!(mode(&dir), 0o755);
    assert_eq!(mode(&dir.join(".credentials.json")), 0o600);
}

#[test]
fn claude_code_directory_is_created_0700_when_missing() {
    let tmp = TempDir::new();
    let store = claude_file_at(tmp.join(".claude/.credentials.json"));
    store.write(b"{}").unwrap();
    assert_eq!(mode(&tmp.join(".claude")), 0o700);
}

#[test]
fn claude_code_directory_is_not_created_under_a_missing_parent() {
    let tmp = TempDir::new();
    let store = claude_file_at(tmp.join("missing/.claude/.credentials.json"));
    let err = store.write(b"{}").unwrap_err();
    assert!(
        err.to_string().contains("parent directory is missing"),
        "{err}"
    );
    assert!(!tmp.join("missing").exists());
}

#[test]
fn a_symlink_is_refused_for_read_write_and_delete() {
    let tmp = TempDir::new();
    let target = tmp.join("elsewhere.json");
    fs::write(&target, b"theirs").unwrap();
    let link = tmp.join("slots.json");
    symlink(&target, &link).unwrap();
    let store = catalog_at(link.clone());
    assert!(is_symlink_error(&store.read().unwrap_err()));
    assert!(is_symlink_error(&store.write(b"ours").unwrap_err()));
    assert!(is_symlink_error(&store.delete().unwrap_err()));
    assert_eq!(fs::read(&target).unwrap(), b"theirs");
    assert!(fs::symlink_metadata(&link)
        .unwrap()
        .file_type()
        .is_symlink());
}

#[test]
fn a_dangling_symlink_is_refused_too() {
    let tmp = TempDir::new();
    let link = tmp.join("slots.json");
    symlink(tmp.join("nowhere"), &link).unwrap();
    let store = catalog_at(link);
    assert!(is_symlink_error(&store.read().unwrap_err()));
    assert!(is_symlink_error(&store.write(b"x").unwrap_err()));
    assert!(!tmp.join("nowhere").exists());
}

#[test]
fn delete_removes_the_file_and_a_missing_file_is_ok() {
    let tmp = TempDir::new();
    let store = catalog_at(tmp.join("slots.json"));
    store.write(b"x").unwrap();
    store.delete().unwrap();
    assert!(names(tmp.path()).is_empty());
    assert_eq!(store.read().unwrap(), None);
    store.delete().unwrap();
}

#[test]
fn delete_refuses_a_directory_at_the_path() {
    let tmp = TempDir::new();
    fs::create_dir(tmp.join("slots.json")).unwrap();
    let err = catalog_at(tmp.join("slots.json")).delete().unwrap_err();
    assert!(
        matches!(err, Error::Fs(claude_token::fs::Error::NotRegular { .. })),
        "{err}"
    );
    assert!(tmp.join("slots.json").is_dir());
}

#[test]
fn a_file_open_to_others_is_read_and_reported_once() {
    let tmp = TempDir::new();
    let path = tmp.join(".credentials.json");
    fs::write(&path, b"{}").unwrap();
    set_mode(&path, 0o644);
    let notices = Notices::default();
    let store = claude_file_at(path.clone()).with_notices(notices.clone());
    let read = store.read_file().unwrap().unwrap();
    assert!(read.too_open);
    assert_eq!(read.mode, 0o644);
    assert_eq!(store.read().unwrap().unwrap().as_bytes(), b"{}");
    assert_eq!(notices.take(), [Notice::TooOpen { path, mode: 0o644 }]);
    assert!(notices.take().is_empty());
}

#[test]
fn a_private_file_gives_no_notice() {
    let tmp = TempDir::new();
    let notices = Notices::default();
    let store = catalog_at(tmp.join("slots.json")).with_notices(notices.clone());
    store.write(b"x").unwrap();
    assert!(!store.read_file().unwrap().unwrap().too_open);
    assert!(notices.take().is_empty());
}

#[test]
fn a_file_over_the_cap_is_refused() {
    let tmp = TempDir::new();
    let path = tmp.join("slots.json");
    let len = usize::try_from(MAX_FILE_LEN).unwrap() + 1;
    fs::write(&path, vec![b' '; len]).unwrap();
    let err = catalog_at(path).read().unwrap_err();
    assert!(
        matches!(err, Error::Fs(claude_token::fs::Error::TooLarge { .. })),
        "{err}"
    );
}
