//! The journal key: created once, race-free, never replaced, refused when unusable.

use std::os::unix::fs::{symlink, PermissionsExt};
use std::sync::{Arc, Barrier};
use std::thread;

use super::*;
use claude_token::engine::{key, KeyProblem};
use claude_token::Error;

fn key_path(sandbox: &Sandbox) -> PathBuf {
    sandbox.data().join("hmac.key")
}

#[test]
fn the_first_open_creates_a_private_32_byte_key_and_later_opens_reuse_it() {
    let sandbox = Sandbox::new();
    let first = key::load_or_create(&key_path(&sandbox)).unwrap();
    let meta = fs::metadata(key_path(&sandbox)).unwrap();
    assert_eq!(meta.len(), 32);
    assert_eq!(meta.permissions().mode() & 0o777, 0o600);
    let again = key::load_or_create(&key_path(&sandbox)).unwrap();
    assert_eq!(first.as_bytes(), again.as_bytes());
    assert_eq!(fs::read(key_path(&sandbox)).unwrap(), first.as_bytes());
    assert_eq!(names(sandbox.data()), ["hmac.key"]);
}

#[test]
fn keys_of_two_installs_differ() {
    let (a, b) = (Sandbox::new(), Sandbox::new());
    let ka = key::load_or_create(&key_path(&a)).unwrap();
    let kb = key::load_or_create(&key_path(&b)).unwrap();
    assert_ne!(ka.as_bytes(), kb.as_bytes());
}

#[test]
fn racing_creators_all_end_with_the_same_key_and_no_temp_file() {
    const THREADS: usize = 6;
    for _round in 0..20 {
        let sandbox = Sandbox::new();
        let path = Arc::new(key_path(&sandbox));
        let start = Arc::new(Barrier::new(THREADS));
        let handles: Vec<_> = (0..THREADS)
            .map(|_| {
                let (path, start) = (Arc::clone(&path), Arc::clone(&start));
                thread::spawn(move || {
                    start.wait();
                    key::load_or_create(&path).unwrap().as_bytes().to_vec()
                })
            })
            .collect();
        let keys: Vec<Vec<u8>> = handles.into_iter().map(|h| h.join().unwrap()).collect();
        let on_disk = fs::read(&*path).unwrap();
        assert!(keys.iter().all(|k| *k == on_disk));
        assert_eq!(names(sandbox.data()), ["hmac.key"]);
    }
}

fn assert_refused(sandbox: &Sandbox, content: &[u8], mode: u32) -> Error {
    let path = key_path(sandbox);
    fs::write(&path, content).unwrap();
    fs::set_permissions(&path, fs::Permissions::from_mode(mode)).unwrap();
    let err = key::load_or_create(&path).unwrap_err();
    assert_eq!(fs::read(&path).unwrap(), content, "never replaced");
    assert_eq!(err.exit_code(), 1);
    assert!(err.hint().is_some());
    err
}

#[test]
fn a_key_of_the_wrong_size_is_refused_and_kept() {
    for len in [0, 1, 31, 33, 64, 2000] {
        let sandbox = Sandbox::new();
        let err = assert_refused(&sandbox, &vec![7; len], 0o600);
        let expected = if len > 1024 {
            matches!(err, Error::Fs(claude_token::fs::Error::TooLarge { .. }))
        } else {
            matches!(
                err,
                Error::JournalKey { problem: KeyProblem::WrongSize { len: l }, .. } if l == len
            )
        };
        assert!(expected, "{len}: {err:?}");
    }
}

#[test]
fn a_key_others_can_read_is_refused_and_kept() {
    for mode in [0o640, 0o604, 0o660, 0o666] {
        let sandbox = Sandbox::new();
        let err = assert_refused(&sandbox, &[7; 32], mode);
        assert!(
            matches!(
                err,
                Error::JournalKey {
                    problem: KeyProblem::TooOpen { .. },
                    ..
                }
            ),
            "{mode:o}: {err:?}"
        );
        assert!(err.to_string().contains(&format!("{mode:o}")), "{err}");
    }
}

#[test]
fn a_symlinked_key_is_refused_even_when_it_points_at_a_good_key() {
    let sandbox = Sandbox::new();
    let real = sandbox.data().join("real.key");
    fs::write(&real, [7; 32]).unwrap();
    fs::set_permissions(&real, fs::Permissions::from_mode(0o600)).unwrap();
    symlink(&real, key_path(&sandbox)).unwrap();
    let err = key::load_or_create(&key_path(&sandbox)).unwrap_err();
    assert!(
        matches!(err, Error::Fs(claude_token::fs::Error::Symlink { .. })),
        "{err:?}"
    );
}

#[test]
fn a_dangling_symlink_in_place_of_the_key_is_not_written_through() {
    let sandbox = Sandbox::new();
    let target = sandbox.data().join("elsewhere");
    symlink(&target, key_path(&sandbox)).unwrap();
    key::load_or_create(&key_path(&sandbox)).unwrap_err();
    assert!(!target.exists());
}

#[test]
fn the_key_debug_text_hides_the_key() {
    let text = format!("{:?}", HmacKey::from_bytes(KEY));
    assert!(!text.contains("5a") && !text.contains("90"), "{text}");
}
