//! Reproduction 2: a full disk. A refresh token is spent when the server answers, so
//! a refresh must not send it unless the journal can take the answer: the entry is
//! reserved before the POST, and if writing the answer still fails, the new tokens go
//! to every store that takes them. The message says "run the command again" only when
//! no request was sent.
//!
//! Two forms: every write of `refresh --force` made to fail in turn
//! (`CLAUDE_TOKEN_FAULT=nospace#N`), and (ignored, root only, run by name from
//! `.ci/run`: `full_disk_tmpfs_`) the data directory on a real tmpfs that is full.

use std::fs;
use std::process::Command;

use claude_token::fs::fault;

use super::archive;
use crate::crash::check::held;
use crate::crash::scenario::Scenario;
use crate::support::stderr;

/// An operation that finishes this many times in a row has no more writes to fail.
const CLEAN_RUNS_TO_STOP: u32 = 2;

#[test]
fn refresh_on_a_full_disk_never_spends_a_token_it_cannot_keep() {
    let mut losses = Vec::new();
    let (mut clean, mut failed_after_request) = (0, 0);
    for nth in 1..200 {
        let world = Scenario::RefreshActive.set_up();
        let bob = world.account("bob");
        let before = world.fake.refreshes().len();
        let plan = format!("nospace#{nth}");
        let out = world
            .command(&["refresh", "--force"])
            .env(fault::ENV, &plan)
            .output()
            .expect("run claude-token");
        let text = stderr(&out);
        let sent = world.fake.refreshes().len() > before;
        if out.status.code() == Some(0) {
            clean += 1;
            if clean == CLEAN_RUNS_TO_STOP {
                break;
            }
            continue;
        }
        clean = 0;
        if !sent {
            assert_eq!(out.status.code(), Some(1), "{plan}: {text}");
            assert!(text.contains("disk full"), "{plan}: {text}");
            continue;
        }
        failed_after_request += 1;
        let newest = world.fake.current_refresh_token(bob).unwrap();
        let kept = held(&world, &newest);
        if !kept.durably() {
            losses.push(format!(
                "{plan}: the server rotated bob's login, the new refresh token is held \
                 nowhere ({kept:?}); stderr: {}",
                text.trim()
            ));
        } else if text.contains("run the command again") {
            losses.push(format!(
                "{plan}: a token was spent, yet the message says to run the command \
                 again: {}",
                text.trim()
            ));
        }
    }
    assert!(
        losses.is_empty(),
        "{} of {failed_after_request} runs that failed after the request lost or \
         misreported the rotated token:\n{}",
        losses.len(),
        losses.join("\n")
    );
}

#[test]
#[ignore = "root only (unshare -m, mount -t tmpfs): run by name from .ci/run"]
fn full_disk_tmpfs_refresh_sends_nothing_when_the_data_directory_is_full() {
    assert!(
        is_root(),
        "full_disk_tmpfs_ needs root: it mounts a tmpfs in a private mount namespace \
         (unshare -m); run it as root"
    );
    let world = Scenario::RefreshActive.set_up();
    let archived = archive(&world, "bob");
    let mount = world.home.path().join("full-data");
    let out_dir = world.home.path().join("after");
    fs::create_dir(&mount).unwrap();
    fs::create_dir(&out_dir).unwrap();
    let before = world.fake.refreshes().len();
    let script = r#"
        set -e
        mount -t tmpfs -o size=256k,mode=0700 tmpfs "$MNT"
        cp -a "$SRC/." "$MNT/"
        dd if=/dev/zero of="$MNT/filler" bs=4096 2>/dev/null || true
        set +e
        CLAUDE_TOKEN_DATA_DIR="$MNT" "$BIN" refresh --force
        status=$?
        cp -a "$MNT/keystore" "$OUT/"
        exit $status
    "#;
    let out = Command::new("unshare")
        .args(["-m", "sh", "-c", script])
        .env_clear()
        .env("HOME", world.home.path())
        .env("PATH", "/usr/bin:/bin:/usr/sbin:/sbin")
        .envs(world.fake.env())
        .env("MNT", &mount)
        .env("SRC", world.data_dir())
        .env("OUT", &out_dir)
        .env("BIN", env!("CARGO_BIN_EXE_claude-token"))
        .output()
        .expect("run unshare");
    let text = stderr(&out);
    assert!(
        out_dir.join("keystore").is_dir(),
        "the tmpfs run did not get as far as the binary: {text}"
    );
    assert_ne!(out.status.code(), Some(0), "refresh on a full disk: {text}");
    assert!(text.contains("disk full"), "{text}");
    assert_eq!(
        world.fake.refreshes().len(),
        before,
        "a refresh request was sent although the journal could not take the answer: {text}"
    );
    let after = fs::read_to_string(out_dir.join("keystore/bob.json")).unwrap_or_default();
    assert_eq!(after, archived, "bob's archive changed");
}

fn is_root() -> bool {
    // The effective uid of this process, from /proc (no unsafe code in tests).
    let status = fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("Uid:"))
        .and_then(|ids| ids.split_whitespace().nth(1))
        == Some("0")
}
