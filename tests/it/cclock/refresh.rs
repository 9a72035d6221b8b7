//! The two refresh locks and the owner record, checked against what Linux itself says
//! about this process (and against Node's `fs.stat` when Node is installed).

use super::quick;
use crate::support::TempDir;
use claude_token::cclock::{self, Error, OwnerRecord, RefreshLocks, StorageWriteLock};
use claude_token::json;
use claude_token::json::Kind::{Number, String as Str};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;

/// A temp root with `<root>/.claude`; returns the config dir and the legacy lock path.
fn claude_home(root: &TempDir) -> (PathBuf, PathBuf) {
    let dir = root.join(".claude");
    std::fs::create_dir(&dir).unwrap();
    (dir, root.join(".claude.lock"))
}

fn record_text(dir: &Path) -> String {
    std::fs::read_to_string(dir.join(".oauth_refresh.lock.owner")).unwrap()
}

/// Field 22 of a stat line, counted after the last `)` (written apart from the crate's
/// parser on purpose), and field 4 (the parent pid) to show the count is aligned.
fn start_and_parent(stat: &str) -> (String, String) {
    let tail = &stat[stat.rfind(')').unwrap() + 1..];
    let fields: Vec<&str> = tail.split(' ').filter(|f| !f.is_empty()).collect();
    (fields[19].to_owned(), fields[1].to_owned())
}

#[test]
fn both_locks_and_the_record_are_taken_and_released_without_a_trace() {
    let root = TempDir::new();
    let (dir, legacy) = claude_home(&root);
    let locks = RefreshLocks::acquire_with(&dir, &quick(0, 50)).unwrap();
    assert!(dir.join(".oauth_refresh.lock").is_dir());
    assert!(legacy.is_dir());
    let record = std::fs::metadata(dir.join(".oauth_refresh.lock.owner")).unwrap();
    assert_eq!(record.permissions().mode() & 0o777, 0o600);
    locks.ensure_held().unwrap();
    locks.release().unwrap();
    assert_eq!(root.names(), [".claude"]);
    assert!(std::fs::read_dir(&dir).unwrap().next().is_none());
}

#[test]
fn the_owner_record_has_claude_codes_exact_format() {
    let root = TempDir::new();
    let (dir, _) = claude_home(&root);
    let _locks = RefreshLocks::acquire_with(&dir, &quick(0, 50)).unwrap();
    let text = record_text(&dir);

    let doc = json::parse(text.as_bytes()).unwrap();
    let keys: Vec<String> = doc.root().members().map(|m| m.key().into_owned()).collect();
    let expected_keys = [
        "pid",
        "procStart",
        "pidDomain",
        "pidSpace",
        "lockBirthtimeMs",
        "legacyLockBirthtimeMs",
    ];
    assert_eq!(keys, expected_keys);
    let kinds: Vec<json::Kind> = doc.root().members().map(|m| m.value().kind()).collect();
    assert_eq!(kinds, [Number, Str, Str, Str, Number, Number]);

    let own_stat = std::fs::read_to_string("/proc/self/stat").unwrap();
    let (start, _) = start_and_parent(&own_stat);
    let machine = std::fs::read_to_string("/etc/machine-id").unwrap_or_default();
    let namespace = std::fs::read_link("/proc/self/ns/pid").unwrap();
    let namespace = namespace.to_str().unwrap();
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname").unwrap();
    let born = doc.get(&["lockBirthtimeMs"]).unwrap().raw();
    let legacy_born = doc.get(&["legacyLockBirthtimeMs"]).unwrap().raw();
    let expected = format!(
        "{{\"pid\":{},\"procStart\":\"{start}\",\"pidDomain\":\"linux:{}:{namespace}\",\
         \"pidSpace\":\"{}#{namespace}\",\"lockBirthtimeMs\":{born},\"legacyLockBirthtimeMs\":{legacy_born}}}",
        std::process::id(),
        machine.trim(),
        host.trim_end_matches('\n'),
    );
    assert_eq!(text, expected);
}

#[test]
fn the_recorded_birth_times_are_what_node_reports() {
    let root = TempDir::new();
    let (dir, legacy) = claude_home(&root);
    let _locks = RefreshLocks::acquire_with(&dir, &quick(0, 60_000)).unwrap();
    let script = "const fs = require('fs'); const [a, b] = process.argv.slice(1); \
                  process.stdout.write(JSON.stringify([fs.statSync(a).birthtimeMs, fs.statSync(b).birthtimeMs]))";
    let lock = dir.join(".oauth_refresh.lock");
    // Without Node there is nothing to compare with (.ci/run installs Node for the
    // Claude Code interop tests of this phase).
    let Ok(out) = Command::new("node")
        .args(["-e", script])
        .arg(&lock)
        .arg(&legacy)
        .output()
    else {
        return;
    };
    assert!(out.status.success());
    let doc = json::parse(record_text(&dir).as_bytes()).unwrap();
    let ours = format!(
        "[{},{}]",
        doc.get(&["lockBirthtimeMs"]).unwrap().raw(),
        doc.get(&["legacyLockBirthtimeMs"]).unwrap().raw()
    );
    assert_eq!(String::from_utf8(out.stdout).unwrap(), ours);
}

#[test]
fn proc_start_is_read_right_for_a_command_name_with_parentheses_and_spaces() {
    let root = TempDir::new();
    let name = root.join("sl) (x 1 2");
    std::os::unix::fs::symlink("/bin/sleep", &name).unwrap();
    let mut child = Command::new(&name).arg("30").spawn().unwrap();
    let child_stat = std::fs::read_to_string(format!("/proc/{}/stat", child.id())).unwrap();
    let found = cclock::proc_start(child.id());
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(
        child_stat.contains("(sl) (x 1 2)"),
        "the kernel kept the tricky name: {child_stat}"
    );
    let (start, parent) = start_and_parent(&child_stat);
    assert_eq!(parent, std::process::id().to_string());
    assert_eq!(found.unwrap(), start);
}

#[test]
fn the_legacy_lock_sits_beside_the_real_config_directory() {
    let root = TempDir::new();
    std::fs::create_dir(root.join("real")).unwrap();
    std::os::unix::fs::symlink(root.join("real"), root.join("link")).unwrap();
    let locks = RefreshLocks::acquire_with(&root.join("link"), &quick(0, 50)).unwrap();
    assert!(root.join("real.lock").is_dir());
    assert!(!root.join("link.lock").exists());
    locks.release().unwrap();
    assert_eq!(root.names(), ["link", "real"]);
}

#[test]
fn a_busy_refresh_lock_names_the_pid_its_owner_record_gives() {
    let root = TempDir::new();
    let (dir, _) = claude_home(&root);
    let lock = dir.join(".oauth_refresh.lock");
    std::fs::create_dir(&lock).unwrap();
    let record = |born: f64| OwnerRecord {
        pid: 4242,
        proc_start: "1".into(),
        pid_domain: "linux:x:pid:[1]".into(),
        pid_space: "h#pid:[1]".into(),
        lock_birthtime_ms: born,
        legacy_lock_birthtime_ms: 0.0,
    };
    let owner = dir.join(".oauth_refresh.lock.owner");
    let born = cclock::birthtime_ms(&std::fs::metadata(&lock).unwrap());
    std::fs::write(&owner, record(born).to_json()).unwrap();
    let err = RefreshLocks::acquire_with(&dir, &quick(1, 50)).unwrap_err();
    assert!(
        matches!(
            err,
            Error::Busy {
                holder: Some(4242),
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(claude_token::Error::from(err).exit_code(), 5);

    // A record written for an earlier lock at that path names nobody.
    std::fs::write(&owner, record(born + 1.0).to_json()).unwrap();
    let err = RefreshLocks::acquire_with(&dir, &quick(1, 50)).unwrap_err();
    assert!(matches!(err, Error::Busy { holder: None, .. }), "{err:?}");
    assert!(!root.join(".claude.lock").exists());
}

#[test]
fn a_busy_legacy_lock_releases_the_refresh_lock_taken_first() {
    let root = TempDir::new();
    let (dir, legacy) = claude_home(&root);
    std::fs::create_dir(&legacy).unwrap();
    let err = RefreshLocks::acquire_with(&dir, &quick(1, 50)).unwrap_err();
    assert!(
        matches!(&err, Error::Busy { path, .. } if *path == legacy),
        "{err:?}"
    );
    assert!(std::fs::read_dir(&dir).unwrap().next().is_none());
    assert!(legacy.is_dir());
}

#[test]
fn release_keeps_an_owner_record_that_names_another_process() {
    let root = TempDir::new();
    let (dir, legacy) = claude_home(&root);
    let locks = RefreshLocks::acquire_with(&dir, &quick(0, 50)).unwrap();
    let mut theirs = locks.record().clone();
    theirs.pid += 1;
    let owner = dir.join(".oauth_refresh.lock.owner");
    std::fs::write(&owner, theirs.to_json()).unwrap();
    locks.release().unwrap();
    assert_eq!(std::fs::read_to_string(&owner).unwrap(), theirs.to_json());
    assert!(!legacy.exists() && !dir.join(".oauth_refresh.lock").exists());
}

#[test]
fn a_refresh_lock_taken_from_us_is_reported_and_the_rest_still_released() {
    let root = TempDir::new();
    let (dir, legacy) = claude_home(&root);
    let locks = RefreshLocks::acquire_with(&dir, &quick(0, 60_000)).unwrap();
    let lock = dir.join(".oauth_refresh.lock");
    std::fs::remove_dir(&lock).unwrap();
    std::fs::create_dir(&lock).unwrap();
    assert!(matches!(locks.ensure_held(), Err(Error::Lost { .. })));
    assert!(matches!(locks.release(), Err(Error::Lost { .. })));
    assert!(lock.is_dir(), "the new holder's lock stays");
    assert!(!legacy.exists());
    assert!(!dir.join(".oauth_refresh.lock.owner").exists());
}

#[test]
fn the_storage_write_lock_is_a_lock_directory_in_the_config_dir() {
    let root = TempDir::new();
    let (dir, _) = claude_home(&root);
    let lock = StorageWriteLock::acquire_with(&dir, &quick(0, 50)).unwrap();
    assert_eq!(lock.path(), dir.join(".storage-write.lock"));
    assert!(lock.path().is_dir());
    let err = StorageWriteLock::acquire_with(&dir, &quick(1, 50)).unwrap_err();
    assert!(matches!(err, Error::Busy { .. }));
    lock.release().unwrap();
    assert!(std::fs::read_dir(&dir).unwrap().next().is_none());
}

#[test]
fn the_claude_json_lock_sits_beside_the_settings_file() {
    let root = TempDir::new();
    let lock =
        cclock::ClaudeJsonLock::acquire_with(&root.join(".claude.json"), &quick(0, 50)).unwrap();
    assert_eq!(root.names(), [".claude.json.lock"]);
    lock.release().unwrap();
    assert!(root.names().is_empty());
}
