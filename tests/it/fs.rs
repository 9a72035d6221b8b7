//! Tests for `fs`: atomic replace, private directories, checked reads and locks,
//! against real files in a fresh temp directory. Fault injection (failed fsync, full
//! disk, busy rename) is tested by the unit tests in `src/fs/tests.rs`. Reservations
//! are in `fs/reserve.rs`.

mod reserve;

use std::fs;
use std::io::{BufRead, BufReader, Read};
use std::os::unix::fs::{symlink, MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdout, Command, Stdio};
use std::time::{Duration, Instant};

use claude_token::fs::{
    create_private_dir_all, dir_access, read_regular, write_atomic, Error, Lock, WriteOutcome,
};

use crate::support::TempDir;

fn mode(path: &Path) -> u32 {
    fs::symlink_metadata(path).unwrap().mode() & 0o7777
}

fn set_mode(path: &Path, mode: u32) {
    fs::set_permissions(path, fs::Permissions::from_mode(mode)).unwrap();
}

// ---- atomic replace ----

#[test]
fn atomic_write_creates_0600_file_in_0700_dirs() {
    let tmp = TempDir::new();
    let dir = tmp.join("data/keystore");
    create_private_dir_all(&dir).unwrap();
    let file = dir.join("slot.json");
    assert_eq!(write_atomic(&file, b"{}").unwrap(), WriteOutcome::Replaced);
    assert_eq!(fs::read(&file).unwrap(), b"{}");
    assert_eq!(mode(&file), 0o600);
    assert_eq!(mode(&tmp.join("data")), 0o700);
    assert_eq!(mode(&dir), 0o700);
}

#[test]
fn atomic_write_replaces_content_and_drops_the_old_mode() {
    let tmp = TempDir::new();
    let file = tmp.join("slots.json");
    fs::write(&file, b"old content, longer than the new").unwrap();
    set_mode(&file, 0o644);
    let old_inode = fs::metadata(&file).unwrap().ino();
    assert_eq!(write_atomic(&file, b"new").unwrap(), WriteOutcome::Replaced);
    assert_eq!(fs::read(&file).unwrap(), b"new");
    assert_eq!(mode(&file), 0o600);
    assert_ne!(
        fs::metadata(&file).unwrap().ino(),
        old_inode,
        "a new file was renamed in"
    );
}

#[test]
fn atomic_write_leaves_no_temp_files() {
    let tmp = TempDir::new();
    for (i, name) in [".credentials.json", "plain", ".credentials.json", "plain"]
        .iter()
        .enumerate()
    {
        write_atomic(&tmp.join(name), format!("content {i}").as_bytes()).unwrap();
    }
    assert_eq!(tmp.names(), [".credentials.json", "plain"]);
    assert_eq!(fs::read(tmp.join("plain")).unwrap(), b"content 3");
}

#[test]
fn atomic_write_writes_empty_and_large_contents() {
    let tmp = TempDir::new();
    let file = tmp.join("f");
    write_atomic(&file, b"").unwrap();
    assert_eq!(fs::read(&file).unwrap(), b"");
    let large: Vec<u8> = (0..3_000_000u32).map(|i| (i % 251) as u8).collect();
    write_atomic(&file, &large).unwrap();
    assert_eq!(fs::read(&file).unwrap(), large);
}

#[test]
fn atomic_write_refuses_a_symlink_target_and_touches_nothing() {
    let tmp = TempDir::new();
    let real = tmp.join("real.json");
    let link = tmp.join("link.json");
    fs::write(&real, b"real").unwrap();
    symlink("real.json", &link).unwrap();
    let err = write_atomic(&link, b"new").unwrap_err();
    assert!(
        matches!(err, Error::Symlink { ref path } if *path == link),
        "{err:?}"
    );
    assert_eq!(fs::read_link(&link).unwrap(), Path::new("real.json"));
    assert_eq!(fs::read(&real).unwrap(), b"real");
    assert_eq!(tmp.names(), ["link.json", "real.json"]);
}

#[test]
fn atomic_write_refuses_a_dangling_symlink_target() {
    let tmp = TempDir::new();
    let link = tmp.join("link.json");
    symlink("nowhere.json", &link).unwrap();
    let err = write_atomic(&link, b"new").unwrap_err();
    assert!(matches!(err, Error::Symlink { .. }), "{err:?}");
    assert_eq!(tmp.names(), ["link.json"]);
}

#[test]
fn atomic_write_refuses_a_directory_target() {
    let tmp = TempDir::new();
    fs::create_dir(tmp.join("d")).unwrap();
    let err = write_atomic(&tmp.join("d"), b"new").unwrap_err();
    assert!(matches!(err, Error::NotRegular { .. }), "{err:?}");
    assert_eq!(tmp.names(), ["d"]);
}

#[test]
fn atomic_write_into_a_missing_directory_is_an_io_error() {
    let tmp = TempDir::new();
    let err = write_atomic(&tmp.join("missing/f"), b"new").unwrap_err();
    assert!(
        matches!(
            err,
            Error::Io {
                action: "create",
                ..
            }
        ),
        "{err:?}"
    );
    assert!(tmp.names().is_empty());
}

#[test]
fn atomic_write_refuses_a_path_without_a_file_name() {
    let err = write_atomic(Path::new("/"), b"new").unwrap_err();
    assert!(
        matches!(
            err,
            Error::Io {
                action: "replace",
                ..
            }
        ),
        "{err:?}"
    );
}

// ---- directories ----

#[test]
fn private_dir_creation_leaves_existing_dirs_as_they_are() {
    let tmp = TempDir::new();
    set_mode(tmp.path(), 0o755);
    create_private_dir_all(&tmp.join("a/b")).unwrap();
    create_private_dir_all(&tmp.join("a/b")).unwrap();
    assert_eq!(mode(tmp.path()), 0o755);
    assert_eq!(mode(&tmp.join("a")), 0o700);
    assert_eq!(mode(&tmp.join("a/b")), 0o700);
}

#[test]
fn private_dir_creation_refuses_a_file_on_the_way() {
    let tmp = TempDir::new();
    fs::write(tmp.join("f"), b"").unwrap();
    let err = create_private_dir_all(&tmp.join("f/sub")).unwrap_err();
    assert!(
        matches!(err, Error::NotDirectory { ref path } if *path == tmp.join("f")),
        "{err:?}"
    );
}

#[test]
fn dir_access_reports_group_or_world_access() {
    let tmp = TempDir::new();
    for (mode, too_open) in [(0o700, false), (0o750, true), (0o701, true), (0o755, true)] {
        set_mode(tmp.path(), mode);
        let access = dir_access(tmp.path()).unwrap().unwrap();
        assert_eq!((access.mode, access.too_open), (mode, too_open));
    }
}

#[test]
fn dir_access_of_a_missing_dir_is_none_and_of_a_file_an_error() {
    let tmp = TempDir::new();
    assert_eq!(dir_access(&tmp.join("missing")).unwrap(), None);
    fs::write(tmp.join("f"), b"").unwrap();
    let err = dir_access(&tmp.join("f")).unwrap_err();
    assert!(matches!(err, Error::NotDirectory { .. }), "{err:?}");
}

// ---- checked reads ----

#[test]
fn read_returns_bytes_mode_and_identity() {
    let tmp = TempDir::new();
    let file = tmp.join("f");
    write_atomic(&file, b"hello").unwrap();
    let read = read_regular(&file, 100).unwrap().unwrap();
    let meta = fs::metadata(&file).unwrap();
    assert_eq!(read.bytes, b"hello");
    assert_eq!((read.mode, read.too_open), (0o600, false));
    assert_eq!(
        (read.id.dev, read.id.ino, read.id.len),
        (meta.dev(), meta.ino(), 5)
    );
    write_atomic(&file, b"hello").unwrap();
    assert_ne!(
        read_regular(&file, 100).unwrap().unwrap().id,
        read.id,
        "replaced file"
    );
}

#[test]
fn read_reports_group_or_world_access() {
    let tmp = TempDir::new();
    let file = tmp.join("f");
    fs::write(&file, b"x").unwrap();
    for (mode, too_open) in [(0o644, true), (0o640, true), (0o602, true), (0o400, false)] {
        set_mode(&file, mode);
        let read = read_regular(&file, 10).unwrap().unwrap();
        assert_eq!((read.mode, read.too_open), (mode, too_open));
    }
}

#[test]
fn read_of_a_missing_file_is_none() {
    let tmp = TempDir::new();
    assert!(read_regular(&tmp.join("missing"), 10).unwrap().is_none());
}

#[test]
fn read_refuses_symlinks_even_dangling_ones() {
    let tmp = TempDir::new();
    fs::write(tmp.join("real"), b"secret").unwrap();
    symlink("real", tmp.join("link")).unwrap();
    symlink("nowhere", tmp.join("dangling")).unwrap();
    for name in ["link", "dangling"] {
        let err = read_regular(&tmp.join(name), 100).unwrap_err();
        assert!(matches!(err, Error::Symlink { .. }), "{name}: {err:?}");
    }
}

#[test]
fn read_refuses_a_directory() {
    let tmp = TempDir::new();
    let err = read_regular(tmp.path(), 100).unwrap_err();
    assert!(matches!(err, Error::NotRegular { .. }), "{err:?}");
}

#[test]
fn read_refuses_a_fifo_without_waiting_for_a_writer() {
    let tmp = TempDir::new();
    let fifo = tmp.join("fifo");
    assert!(Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap()
        .success());
    let err = read_regular(&fifo, 100).unwrap_err();
    assert!(matches!(err, Error::NotRegular { .. }), "{err:?}");
}

#[test]
fn read_caps_the_size() {
    let tmp = TempDir::new();
    let file = tmp.join("f");
    fs::write(&file, b"12345").unwrap();
    assert_eq!(read_regular(&file, 5).unwrap().unwrap().bytes, b"12345");
    let err = read_regular(&file, 4).unwrap_err();
    assert!(matches!(err, Error::TooLarge { limit: 4, .. }), "{err:?}");
}

#[test]
fn read_debug_and_errors_never_show_contents() {
    let tmp = TempDir::new();
    let file = tmp.join("f");
    fs::write(&file, b"sk-ant-ort01-secret").unwrap();
    let debug = format!("{:?}", read_regular(&file, 100).unwrap().unwrap());
    assert!(
        !debug.contains("secret") && debug.contains("[19 bytes]"),
        "{debug}"
    );
    let message = read_regular(&file, 3).unwrap_err().to_string();
    assert!(
        !message.contains("secret") && !message.contains('\n'),
        "{message}"
    );
    assert!(message.contains(&*file.to_string_lossy()), "{message}");
}

// ---- locks ----

const SHORT: Duration = Duration::from_millis(150);

#[test]
fn exclusive_lock_excludes_another_for_the_whole_wait() {
    let tmp = TempDir::new();
    let path = tmp.join(".state.lock");
    let _held = Lock::exclusive(&path, Duration::ZERO).unwrap();
    let start = Instant::now();
    let err = Lock::exclusive(&path, SHORT).unwrap_err();
    let waited = start.elapsed();
    assert!(
        matches!(err, Error::Busy { ref path } if path.ends_with(".state.lock")),
        "{err:?}"
    );
    assert!(waited >= SHORT, "gave up after {waited:?}");
    assert!(waited < SHORT * 40, "waited {waited:?}");
}

#[test]
fn zero_wait_tries_once() {
    let tmp = TempDir::new();
    let path = tmp.join("l");
    let _held = Lock::shared(&path, Duration::ZERO).unwrap();
    let err = Lock::exclusive(&path, Duration::ZERO).unwrap_err();
    assert!(matches!(err, Error::Busy { .. }), "{err:?}");
}

#[test]
fn shared_locks_coexist() {
    let tmp = TempDir::new();
    let path = tmp.join("l");
    let _a = Lock::shared(&path, Duration::ZERO).unwrap();
    let _b = Lock::shared(&path, Duration::ZERO).unwrap();
}

#[test]
fn shared_and_exclusive_locks_exclude_each_other() {
    let tmp = TempDir::new();
    let path = tmp.join("l");
    let shared = Lock::shared(&path, Duration::ZERO).unwrap();
    assert!(matches!(
        Lock::exclusive(&path, Duration::ZERO),
        Err(Error::Busy { .. })
    ));
    drop(shared);
    let _exclusive = Lock::exclusive(&path, Duration::ZERO).unwrap();
    assert!(matches!(
        Lock::shared(&path, Duration::ZERO),
        Err(Error::Busy { .. })
    ));
}

#[test]
fn dropping_a_lock_releases_it_and_keeps_the_file() {
    let tmp = TempDir::new();
    let path = tmp.join(".state.lock");
    let lock = Lock::exclusive(&path, Duration::ZERO).unwrap();
    assert_eq!(lock.path(), path);
    drop(lock);
    assert_eq!(mode(&path), 0o600);
    let _again = Lock::exclusive(&path, Duration::ZERO).unwrap();
}

#[test]
fn a_waiting_lock_gets_in_when_the_holder_lets_go() {
    let tmp = TempDir::new();
    let path = tmp.join("l");
    let held = Lock::exclusive(&path, Duration::ZERO).unwrap();
    let waiter = {
        let path = path.clone();
        std::thread::spawn(move || Lock::exclusive(&path, Duration::from_secs(30)).map(drop))
    };
    std::thread::sleep(Duration::from_millis(50)); // let it start waiting; not asserted
    drop(held);
    waiter.join().unwrap().unwrap();
}

#[test]
fn lock_refuses_a_symlink() {
    let tmp = TempDir::new();
    symlink("target", tmp.join("l")).unwrap();
    let err = Lock::exclusive(&tmp.join("l"), Duration::ZERO).unwrap_err();
    assert!(matches!(err, Error::Symlink { .. }), "{err:?}");
    assert_eq!(tmp.names(), ["l"], "the link's target was not created");
}

// ---- locks across processes: this test binary re-run as the other process ----

const CHILD_PATH: &str = "CLAUDE_TOKEN_TEST_LOCK_PATH";
const CHILD_MODE: &str = "CLAUDE_TOKEN_TEST_LOCK_MODE";

/// The other process of the cross-process tests (does nothing unless they set the
/// environment): tries the lock once, prints `LOCK:held` or `LOCK:busy`, and holds
/// it until its stdin closes.
#[test]
#[ignore = "run by the cross-process lock tests in a child process"]
#[allow(clippy::print_stdout)] // the line is the child's answer to its parent
fn lock_child_process() {
    let (Some(path), Some(mode)) = (std::env::var_os(CHILD_PATH), std::env::var_os(CHILD_MODE))
    else {
        return;
    };
    let path = PathBuf::from(path);
    let lock = match mode.to_str() {
        Some("shared") => Lock::shared(&path, Duration::ZERO),
        _ => Lock::exclusive(&path, Duration::ZERO),
    };
    println!("LOCK:{}", if lock.is_ok() { "held" } else { "busy" });
    let _ = std::io::stdin().read_to_end(&mut Vec::new());
}

struct LockChild {
    child: Child,
    stdout: BufReader<ChildStdout>,
    answer: String,
}

impl LockChild {
    fn spawn(path: &Path, mode: &str) -> Self {
        let mut child = Command::new(std::env::current_exe().unwrap())
            .args([
                "--exact",
                "fs::lock_child_process",
                "--ignored",
                "--nocapture",
            ])
            .args(["--test-threads", "1"])
            .env(CHILD_PATH, path)
            .env(CHILD_MODE, mode)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        let answer = read_answer(&mut stdout);
        LockChild {
            child,
            stdout,
            answer,
        }
    }

    /// Closes the child's stdin so it lets go, and waits for it (reading the rest
    /// of its output, which it could not write into a closed pipe).
    fn finish(mut self) {
        drop(self.child.stdin.take());
        self.stdout.read_to_end(&mut Vec::new()).unwrap();
        assert!(self.child.wait().unwrap().success());
    }
}

fn read_answer(stdout: &mut BufReader<ChildStdout>) -> String {
    let mut line = String::new();
    while stdout.read_line(&mut line).unwrap() > 0 {
        if let Some((_, answer)) = line.split_once("LOCK:") {
            return answer.trim().to_owned();
        }
        line.clear();
    }
    panic!("the child process gave no answer");
}

#[test]
fn exclusive_lock_excludes_another_process_both_ways() {
    let tmp = TempDir::new();
    let path = tmp.join(".state.lock");
    let child = LockChild::spawn(&path, "exclusive");
    assert_eq!(child.answer, "held");
    let err = Lock::exclusive(&path, Duration::ZERO).unwrap_err();
    assert!(matches!(err, Error::Busy { .. }), "{err:?}");
    child.finish();

    let ours = Lock::exclusive(&path, Duration::ZERO).unwrap();
    let child = LockChild::spawn(&path, "exclusive");
    assert_eq!(child.answer, "busy");
    child.finish();
    drop(ours);
}

#[test]
fn shared_lock_is_shared_with_another_process_but_excludes_its_exclusive() {
    let tmp = TempDir::new();
    let path = tmp.join("l");
    let _ours = Lock::shared(&path, Duration::ZERO).unwrap();
    let child = LockChild::spawn(&path, "shared");
    assert_eq!(child.answer, "held");
    child.finish();
    let child = LockChild::spawn(&path, "exclusive");
    assert_eq!(child.answer, "busy");
    child.finish();
}

// ---- single-file bind mount (Docker's `-v file:file`) ----

const BIND_TARGET: &str = "CLAUDE_TOKEN_TEST_BIND_TARGET";

/// Runs inside the mount namespace set up by the test below.
#[test]
#[ignore = "run by atomic_write_overwrites_a_bind_mounted_file_in_place"]
fn bind_mount_child_process() {
    let Some(target) = std::env::var_os(BIND_TARGET) else {
        return;
    };
    let target = PathBuf::from(target);
    assert_eq!(
        write_atomic(&target, b"new").unwrap(),
        WriteOutcome::OverwroteInPlace
    );
    assert_eq!(fs::read(&target).unwrap(), b"new");
}

#[test]
#[ignore = "needs root and mount namespaces (unshare -m, mount --bind): run with --ignored"]
fn atomic_write_overwrites_a_bind_mounted_file_in_place() {
    let tmp = TempDir::new();
    let (host, target) = (tmp.join("host.json"), tmp.join("container.json"));
    fs::write(&host, b"old content").unwrap();
    fs::write(&target, b"shadowed").unwrap();
    let status = Command::new("unshare")
        .args([
            "-m",
            "sh",
            "-c",
            r#"mount --bind "$1" "$2" && exec "$0" "$3" "$4" --ignored"#,
        ])
        .arg(std::env::current_exe().unwrap())
        .args([&host, &target])
        .args(["--exact", "fs::bind_mount_child_process"])
        .env(BIND_TARGET, &target)
        .status()
        .unwrap();
    assert!(status.success());
    assert_eq!(
        fs::read(&host).unwrap(),
        b"new",
        "written through the mount"
    );
    assert_eq!(
        fs::read(&target).unwrap(),
        b"shadowed",
        "outside the namespace"
    );
    assert_eq!(tmp.names(), ["container.json", "host.json"]);
}
