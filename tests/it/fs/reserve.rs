//! Tests for `fs::Reservation` against real files: what a reservation is on disk, what
//! commit and drop leave, and the refusals (too little free space, a target that
//! exists, more bytes than reserved). Faults while filling or committing are tested by
//! the unit tests in `src/fs/tests.rs`.

use std::fs;
use std::os::unix::fs::{symlink, MetadataExt};
use std::path::Path;

use claude_token::fs::{free_bytes, temp_parts, Error, Reservation};

use crate::support::TempDir;

/// The temp file of `reservation`, checked to sit beside `target` under its temp name
/// (`temp_parts` gives a dot name back without its dot).
fn temp_of(reservation: &Reservation, target: &Path) -> String {
    let temp = reservation.path();
    assert_eq!(temp.parent(), target.parent());
    let name = temp.file_name().unwrap().to_str().unwrap().to_owned();
    let target_name = target.file_name().unwrap().to_str().unwrap();
    let target_name = target_name.strip_prefix('.').unwrap_or(target_name);
    assert_eq!(
        temp_parts(&name),
        Some((target_name, std::process::id())),
        "{name}"
    );
    name
}

#[test]
fn a_reservation_is_size_zero_bytes_in_a_0600_temp_beside_the_target() {
    let dir = TempDir::new();
    let target = dir.join("entry.json");
    let size = 200_000;
    let reservation = Reservation::create(&target, size).unwrap();
    assert_eq!(reservation.size(), size);
    let name = temp_of(&reservation, &target);
    assert_eq!(dir.names(), [name]);
    let bytes = fs::read(reservation.path()).unwrap();
    assert_eq!(bytes.len(), size);
    assert!(bytes.iter().all(|&b| b == 0));
    let meta = fs::symlink_metadata(reservation.path()).unwrap();
    assert!(meta.is_file());
    assert_eq!(meta.mode() & 0o7777, 0o600);
    // Written blocks, not a hole: st_blocks counts 512-byte units.
    assert!(
        meta.blocks() * 512 >= u64::try_from(size).unwrap(),
        "{meta:?}"
    );
}

#[test]
fn a_reservation_of_a_dot_name_gets_no_second_dot() {
    let dir = TempDir::new();
    let target = dir.join(".credentials.json");
    let reservation = Reservation::create(&target, 10).unwrap();
    assert!(temp_of(&reservation, &target).starts_with(".credentials.json.tmp."));
}

#[test]
fn commit_leaves_exactly_the_bytes_at_the_target_and_no_temp() {
    let dir = TempDir::new();
    let target = dir.join("entry.json");
    let reservation = Reservation::create(&target, 4096).unwrap();
    let inode = fs::metadata(reservation.path()).unwrap().ino();
    reservation.commit(b"{\"entry\":1}").unwrap();
    assert_eq!(dir.names(), ["entry.json"]);
    assert_eq!(fs::read(&target).unwrap(), b"{\"entry\":1}");
    let meta = fs::metadata(&target).unwrap();
    assert_eq!(meta.mode() & 0o7777, 0o600);
    assert_eq!(meta.ino(), inode, "the reserved file itself was renamed in");
}

#[test]
fn commit_fills_a_reservation_exactly_or_leaves_it_empty() {
    let dir = TempDir::new();
    let full = dir.join("full");
    let bytes: Vec<u8> = (0..70_000u32)
        .map(|i| u8::try_from(i % 251 + 1).unwrap())
        .collect();
    Reservation::create(&full, bytes.len())
        .unwrap()
        .commit(&bytes)
        .unwrap();
    assert_eq!(fs::read(&full).unwrap(), bytes);
    let empty = dir.join("empty");
    Reservation::create(&empty, 100)
        .unwrap()
        .commit(b"")
        .unwrap();
    assert_eq!(fs::read(&empty).unwrap(), b"");
    assert_eq!(dir.names(), ["empty", "full"]);
}

#[test]
fn dropping_a_reservation_removes_its_temp() {
    let dir = TempDir::new();
    let reservation = Reservation::create(&dir.join("entry.json"), 1000).unwrap();
    let temp = reservation.path().to_owned();
    assert!(temp.exists());
    drop(reservation);
    assert!(!temp.exists());
    assert!(dir.names().is_empty());
}

#[test]
fn two_reservations_of_one_target_get_their_own_temps() {
    let dir = TempDir::new();
    let target = dir.join("entry.json");
    let first = Reservation::create(&target, 10).unwrap();
    let second = Reservation::create(&target, 10).unwrap();
    assert_ne!(first.path(), second.path());
    assert_eq!(dir.names().len(), 2);
}

/// A bug of the caller: nothing is written, and the reservation is gone.
#[test]
fn committing_more_than_was_reserved_fails_and_writes_nothing() {
    let dir = TempDir::new();
    let target = dir.join("entry.json");
    let reservation = Reservation::create(&target, 4).unwrap();
    let err = reservation.commit(b"12345").unwrap_err();
    assert!(
        matches!(err, Error::TooLarge { limit: 4, ref path } if *path == target),
        "{err:?}"
    );
    assert!(dir.names().is_empty());
}

#[test]
fn free_bytes_of_a_temp_dir_is_positive() {
    let dir = TempDir::new();
    assert!(free_bytes(dir.path()).unwrap() > 0);
}

#[test]
fn a_reservation_larger_than_the_free_space_is_disk_full_and_creates_nothing() {
    let dir = TempDir::new();
    let target = dir.join("entry.json");
    let free = free_bytes(dir.path()).unwrap();
    let size = usize::try_from(free + (1 << 30)).unwrap();
    let err = Reservation::create(&target, size).unwrap_err();
    assert!(
        matches!(err, Error::DiskFull { ref path } if *path == target),
        "{err:?}"
    );
    assert!(dir.names().is_empty());
    let err = Reservation::create(&target, usize::MAX).unwrap_err();
    assert!(matches!(err, Error::DiskFull { .. }), "{err:?}");
    assert!(dir.names().is_empty());
}

#[test]
fn a_reservation_for_a_target_that_exists_is_refused() {
    let dir = TempDir::new();
    let target = dir.join("entry.json");
    fs::write(&target, b"old").unwrap();
    let err = Reservation::create(&target, 10).unwrap_err();
    assert!(
        matches!(&err, Error::Io { action: "reserve", source, .. }
            if source.kind() == std::io::ErrorKind::AlreadyExists),
        "{err:?}"
    );
    assert_eq!(dir.names(), ["entry.json"]);
    assert_eq!(fs::read(&target).unwrap(), b"old");
}

#[test]
fn a_reservation_for_a_symlink_even_a_dangling_one_is_refused() {
    let dir = TempDir::new();
    let target = dir.join("entry.json");
    symlink(dir.join("elsewhere"), &target).unwrap();
    let err = Reservation::create(&target, 10).unwrap_err();
    assert!(matches!(err, Error::Symlink { .. }), "{err:?}");
    assert_eq!(dir.names(), ["entry.json"]);
}

/// The bytes are durable in the temp file before the target is looked at again, so
/// the temp file stays for the journal's replay; what appeared is not touched.
#[test]
fn commit_onto_a_target_that_appeared_keeps_the_temp_with_the_bytes() {
    let dir = TempDir::new();
    let target = dir.join("entry.json");
    let reservation = Reservation::create(&target, 100).unwrap();
    let temp = reservation.path().to_owned();
    fs::write(&target, b"theirs").unwrap();
    let err = reservation.commit(b"ours").unwrap_err();
    assert!(
        matches!(&err, Error::Io { action: "rename a new file onto", source, .. }
            if source.kind() == std::io::ErrorKind::AlreadyExists),
        "{err:?}"
    );
    assert_eq!(fs::read(&target).unwrap(), b"theirs");
    assert_eq!(fs::read(&temp).unwrap(), b"ours");
}

#[test]
fn commit_onto_a_symlink_that_appeared_keeps_the_temp_and_the_link() {
    let dir = TempDir::new();
    let target = dir.join("entry.json");
    let reservation = Reservation::create(&target, 100).unwrap();
    let temp = reservation.path().to_owned();
    symlink(dir.join("elsewhere"), &target).unwrap();
    let err = reservation.commit(b"ours").unwrap_err();
    assert!(matches!(err, Error::Symlink { .. }), "{err:?}");
    assert!(fs::symlink_metadata(&target)
        .unwrap()
        .file_type()
        .is_symlink());
    assert!(!dir.join("elsewhere").exists());
    assert_eq!(fs::read(&temp).unwrap(), b"ours");
}

#[test]
fn a_reservation_in_a_missing_directory_or_without_a_file_name_is_an_io_error() {
    let dir = TempDir::new();
    let err = Reservation::create(&dir.join("missing/entry.json"), 10).unwrap_err();
    assert!(matches!(err, Error::Io { .. }), "{err:?}");
    let err = Reservation::create(Path::new("/"), 10).unwrap_err();
    assert!(matches!(err, Error::Io { .. }), "{err:?}");
    assert!(dir.names().is_empty());
}
