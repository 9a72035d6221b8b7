//! Unit tests that need the fault seam (integration tests cannot see `cfg(test)`):
//! a failed write, fsync or rename leaves the old file and no temp file behind (or,
//! for a reservation whose commit began writing, the temp file with the bytes).

use std::fs;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};

use super::fault::{self, Fault};
use super::{rename_durable, write_atomic, Error, Reservation, WriteOutcome};

/// A fresh directory under the system temp dir, removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new(tag: &str) -> Self {
        let mut random = [0u8; 8];
        crate::sys::fs::random_bytes(&mut random).unwrap();
        let name = format!(
            "claude-token-unit-{tag}-{}-{:016x}",
            std::process::id(),
            u64::from_ne_bytes(random)
        );
        let path = std::env::temp_dir().join(name);
        fs::create_dir(&path).unwrap();
        TempDir(path)
    }

    /// `file` in the directory holding `old`.
    fn with_file(tag: &str, old: &[u8]) -> (Self, PathBuf) {
        let dir = Self::new(tag);
        let file = dir.0.join("creds.json");
        fs::write(&file, old).unwrap();
        (dir, file)
    }

    fn names(&self) -> Vec<String> {
        let mut names: Vec<String> = fs::read_dir(&self.0)
            .unwrap()
            .map(|entry| entry.unwrap().file_name().into_string().unwrap())
            .collect();
        names.sort();
        names
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

fn assert_only_target(dir: &TempDir, file: &Path, content: &[u8]) {
    assert_eq!(dir.names(), ["creds.json"]);
    assert_eq!(fs::read(file).unwrap(), content);
}

#[test]
fn failed_file_fsync_keeps_old_file_and_removes_temp() {
    let (dir, file) = TempDir::with_file("fsync", b"old");
    fault::inject(Fault::FsyncFails { nth: 1 });
    let err = write_atomic(&file, b"new").unwrap_err();
    fault::clear();
    assert!(matches!(err, Error::Io { action: "sync", .. }), "{err:?}");
    assert_eq!(err.path().parent(), Some(dir.0.as_path()));
    assert_only_target(&dir, &file, b"old");
}

#[test]
fn full_disk_is_its_own_error_and_changes_nothing() {
    let (dir, file) = TempDir::with_file("nospace", b"old");
    fault::inject(Fault::NoSpace { nth: 1 });
    let err = write_atomic(&file, b"new").unwrap_err();
    fault::clear();
    assert!(matches!(err, Error::DiskFull { .. }), "{err:?}");
    assert_only_target(&dir, &file, b"old");
}

#[test]
fn failed_directory_fsync_is_reported_after_the_rename() {
    let (dir, file) = TempDir::with_file("dirsync", b"old");
    fault::inject(Fault::FsyncFails { nth: 2 });
    let err = write_atomic(&file, b"new").unwrap_err();
    fault::clear();
    assert!(
        matches!(
            err,
            Error::Io {
                action: "sync directory",
                ..
            }
        ),
        "{err:?}"
    );
    assert_only_target(&dir, &file, b"new");
}

#[test]
fn failed_fsync_is_not_retried() {
    // A retry would use up both planned failures in the first call, and the
    // second call would then succeed.
    let (dir, file) = TempDir::with_file("noretry", b"old");
    fault::inject(Fault::FsyncFails { nth: 1 });
    fault::inject(Fault::FsyncFails { nth: 2 });
    write_atomic(&file, b"new").unwrap_err();
    let second = write_atomic(&file, b"newer").unwrap_err();
    fault::clear();
    assert!(
        matches!(second, Error::Io { action: "sync", .. }),
        "{second:?}"
    );
    assert_only_target(&dir, &file, b"old");
}

#[test]
fn busy_rename_falls_back_to_overwriting_in_place() {
    let (dir, file) = TempDir::with_file("inplace", b"a longer old content");
    fs::set_permissions(&file, fs::Permissions::from_mode(0o640)).unwrap();
    let inode = fs::metadata(&file).unwrap().ino();
    fault::inject(Fault::RenameBusy { nth: 1 });
    let outcome = write_atomic(&file, b"new").unwrap();
    fault::clear();
    assert_eq!(outcome, WriteOutcome::OverwroteInPlace);
    assert_only_target(&dir, &file, b"new");
    let meta = fs::metadata(&file).unwrap();
    assert_eq!(meta.ino(), inode, "same file, not a replacement");
    assert_eq!(
        meta.mode() & 0o777,
        0o640,
        "a file we did not create keeps its mode"
    );
}

#[test]
fn full_disk_during_in_place_overwrite_is_reported() {
    let (dir, file) = TempDir::with_file("inplace-nospace", b"old");
    fault::inject(Fault::RenameBusy { nth: 1 });
    fault::inject(Fault::NoSpace { nth: 2 });
    let err = write_atomic(&file, b"new").unwrap_err();
    fault::clear();
    assert!(matches!(err, Error::DiskFull { .. }), "{err:?}");
    assert_only_target(&dir, &file, b"old");
}

#[test]
fn faults_fire_once_and_only_on_their_operation() {
    let (dir, file) = TempDir::with_file("once", b"old");
    fault::inject(Fault::RenameBusy { nth: 2 });
    assert_eq!(write_atomic(&file, b"one").unwrap(), WriteOutcome::Replaced);
    assert_eq!(
        write_atomic(&file, b"two").unwrap(),
        WriteOutcome::OverwroteInPlace
    );
    assert_eq!(
        write_atomic(&file, b"three").unwrap(),
        WriteOutcome::Replaced
    );
    assert_only_target(&dir, &file, b"three");
}

#[test]
fn rename_durable_moves_the_file_and_flushes_the_directory() {
    let (dir, file) = TempDir::with_file("rename", b"old");
    let moved = dir.0.join("creds.json.moved");
    rename_durable(&file, &moved).unwrap();
    assert_eq!(dir.names(), ["creds.json.moved"]);
    assert_eq!(fs::read(&moved).unwrap(), b"old");
    // The directory flush is the one fsync: a failure there is reported.
    fs::write(&file, b"again").unwrap();
    fault::inject(Fault::FsyncFails { nth: 1 });
    let err = rename_durable(&file, &dir.0.join("second")).unwrap_err();
    fault::clear();
    assert!(
        matches!(
            err,
            Error::Io {
                action: "sync directory",
                ..
            }
        ),
        "{err:?}"
    );
}

#[test]
fn failed_rename_durable_leaves_the_source() {
    let (dir, file) = TempDir::with_file("rename-fails", b"old");
    fault::inject(Fault::RenameBusy { nth: 1 });
    let err = rename_durable(&file, &dir.0.join("other")).unwrap_err();
    fault::clear();
    assert!(
        matches!(
            err,
            Error::Io {
                action: "rename",
                ..
            }
        ),
        "{err:?}"
    );
    assert_only_target(&dir, &file, b"old");
}

// `place`: publish once, move into a directory, durable remove.

#[test]
fn create_new_publishes_once_and_never_replaces() {
    let dir = TempDir::new("create-new");
    let key = dir.0.join("hmac.key");
    assert!(super::create_new(&key, b"first").unwrap());
    assert!(!super::create_new(&key, b"second").unwrap());
    assert_eq!(dir.names(), ["hmac.key"], "no temp file left");
    assert_eq!(fs::read(&key).unwrap(), b"first");
    assert_eq!(fs::metadata(&key).unwrap().mode() & 0o777, 0o600);
}

#[test]
fn create_new_does_not_write_through_a_dangling_symlink() {
    let dir = TempDir::new("create-new-link");
    let key = dir.0.join("hmac.key");
    let elsewhere = dir.0.join("elsewhere");
    std::os::unix::fs::symlink(&elsewhere, &key).unwrap();
    assert!(!super::create_new(&key, b"secret").unwrap());
    assert!(!elsewhere.exists());
    assert_eq!(dir.names(), ["hmac.key"]);
}

#[test]
fn create_new_failing_its_fsync_leaves_nothing() {
    let dir = TempDir::new("create-new-fsync");
    fault::inject(Fault::FsyncFails { nth: 1 });
    let err = super::create_new(&dir.0.join("hmac.key"), b"k").unwrap_err();
    fault::clear();
    assert!(matches!(err, Error::Io { action: "sync", .. }), "{err:?}");
    assert!(dir.names().is_empty());
}

#[test]
fn move_into_keeps_the_name_and_never_replaces() {
    let dir = TempDir::new("move-into");
    let target = dir.0.join("quarantine");
    fs::create_dir(&target).unwrap();
    fs::write(dir.0.join("entry.json"), b"one").unwrap();
    let first = super::move_into(&dir.0.join("entry.json"), &target).unwrap();
    assert_eq!(first, target.join("entry.json"));
    fs::write(dir.0.join("entry.json"), b"two").unwrap();
    let second = super::move_into(&dir.0.join("entry.json"), &target).unwrap();
    assert_ne!(second, first);
    assert!(second
        .to_str()
        .unwrap()
        .starts_with(first.to_str().unwrap()));
    assert_eq!(fs::read(&first).unwrap(), b"one");
    assert_eq!(fs::read(&second).unwrap(), b"two");
    assert_eq!(dir.names(), ["quarantine"]);
}

#[test]
fn failed_move_leaves_the_file_where_it_was() {
    let (dir, file) = TempDir::with_file("move-fails", b"entry");
    let target = dir.0.join("attention");
    fs::create_dir(&target).unwrap();
    fault::inject(Fault::RenameBusy { nth: 1 });
    let err = super::move_into(&file, &target).unwrap_err();
    fault::clear();
    assert!(matches!(err, Error::Io { action: "move", .. }), "{err:?}");
    assert_eq!(fs::read(&file).unwrap(), b"entry");
    assert_eq!(fs::read_dir(&target).unwrap().count(), 0);
}

#[test]
fn remove_file_says_whether_something_was_there() {
    let (dir, file) = TempDir::with_file("remove", b"entry");
    assert!(super::remove_file(&file).unwrap());
    assert!(!super::remove_file(&file).unwrap());
    assert!(dir.names().is_empty());
}

// `reserve`: faults while reserving and committing.

/// A reservation for `entry.json` in a fresh directory.
fn reserved(tag: &str, size: usize) -> (TempDir, PathBuf, Reservation) {
    let dir = TempDir::new(tag);
    let target = dir.0.join("entry.json");
    let reservation = Reservation::create(&target, size).unwrap();
    (dir, target, reservation)
}

/// The one name in `dir`, which must be a temp file of `entry.json`.
fn only_temp(dir: &TempDir) -> PathBuf {
    let names = dir.names();
    assert_eq!(names.len(), 1, "{names:?}");
    assert!(names[0].starts_with(".entry.json.tmp."), "{names:?}");
    dir.0.join(&names[0])
}

#[test]
fn full_disk_while_reserving_is_disk_full_and_leaves_nothing() {
    let dir = TempDir::new("reserve-nospace");
    fault::inject(Fault::NoSpace { nth: 1 });
    let err = Reservation::create(&dir.0.join("entry.json"), 1000).unwrap_err();
    fault::clear();
    assert!(matches!(err, Error::DiskFull { .. }), "{err:?}");
    assert!(dir.names().is_empty());
}

/// 200 KiB go out in 64 KiB writes, so the fourth write is the last, short chunk.
#[test]
fn full_disk_on_a_later_chunk_of_the_reservation_leaves_nothing() {
    let dir = TempDir::new("reserve-nospace-late");
    fault::inject(Fault::NoSpace { nth: 4 });
    let err = Reservation::create(&dir.0.join("entry.json"), 200 << 10).unwrap_err();
    fault::clear();
    assert!(matches!(err, Error::DiskFull { .. }), "{err:?}");
    assert!(dir.names().is_empty());
}

#[test]
fn failed_fsync_of_the_reservation_or_its_directory_leaves_nothing() {
    for (nth, action) in [(1, "sync"), (2, "sync directory")] {
        let dir = TempDir::new("reserve-fsync");
        fault::inject(Fault::FsyncFails { nth });
        let err = Reservation::create(&dir.0.join("entry.json"), 100).unwrap_err();
        fault::clear();
        assert!(
            matches!(err, Error::Io { action: a, .. } if a == action),
            "{nth}: {err:?}"
        );
        assert!(dir.names().is_empty(), "{nth}");
    }
}

#[test]
fn failed_fsync_in_commit_keeps_the_temp_with_the_bytes() {
    let (dir, target, reservation) = reserved("commit-fsync", 100);
    let temp = reservation.path().to_owned();
    fault::inject(Fault::FsyncFails { nth: 1 });
    let err = reservation.commit(b"entry").unwrap_err();
    fault::clear();
    assert!(matches!(err, Error::Io { action: "sync", .. }), "{err:?}");
    assert_eq!(err.path(), temp);
    assert_eq!(only_temp(&dir), temp);
    let mut kept = b"entry".to_vec();
    kept.resize(100, 0);
    assert_eq!(
        fs::read(&temp).unwrap(),
        kept,
        "written over the zeros, which are cut only once the bytes are durable"
    );
    assert!(!target.exists());
}

#[test]
fn failed_rename_in_commit_keeps_the_temp_with_the_bytes() {
    let (dir, target, reservation) = reserved("commit-rename", 100);
    fault::inject(Fault::RenameBusy { nth: 1 });
    let err = reservation.commit(b"entry").unwrap_err();
    fault::clear();
    assert!(
        matches!(
            err,
            Error::Io {
                action: "rename a new file onto",
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(fs::read(only_temp(&dir)).unwrap(), b"entry");
    assert!(!target.exists());
}

/// The fault fires before the first pwrite: nothing of the bytes reached the file.
#[test]
fn full_disk_before_the_first_write_of_commit_removes_the_temp() {
    let (dir, target, reservation) = reserved("commit-nospace", 100);
    fault::inject(Fault::NoSpace { nth: 1 });
    let err = reservation.commit(b"entry").unwrap_err();
    fault::clear();
    assert!(matches!(err, Error::DiskFull { .. }), "{err:?}");
    assert!(dir.names().is_empty());
    assert!(!target.exists());
}

#[test]
fn failed_directory_flush_after_commit_leaves_the_bytes_at_the_target() {
    let (dir, target, reservation) = reserved("commit-dirsync", 100);
    fault::inject(Fault::FsyncFails { nth: 2 });
    let err = reservation.commit(b"entry").unwrap_err();
    fault::clear();
    assert!(
        matches!(
            err,
            Error::Io {
                action: "sync directory",
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(dir.names(), ["entry.json"]);
    assert_eq!(fs::read(&target).unwrap(), b"entry");
}

/// The planned fault is still there afterwards: the reservation never wrote a byte.
#[test]
fn a_reservation_beyond_the_free_space_fails_before_any_write() {
    let dir = TempDir::new("reserve-statvfs");
    fault::inject(Fault::NoSpace { nth: 1 });
    let err = Reservation::create(&dir.0.join("entry.json"), usize::MAX).unwrap_err();
    let unspent = write_atomic(&dir.0.join("other"), b"x").unwrap_err();
    fault::clear();
    assert!(matches!(err, Error::DiskFull { .. }), "{err:?}");
    assert!(matches!(unspent, Error::DiskFull { .. }), "{unspent:?}");
    assert!(dir.names().is_empty());
}
