//! Claude Code waiting on the refresh locks: while we hold them (through
//! `claude_token::cclock`, exactly as claude-token's own refresh does), a Claude Code
//! whose login is about to expire must neither refresh nor take the locks over, even
//! after its 7.5 s dead-holder wait, because we keep their mtimes fresh and our owner
//! record names a live process.

use std::thread;
use std::time::{Duration, Instant};

use claude_token::cclock::RefreshLocks;

use super::harness::Scenario;
use crate::fake::greeting;

/// Longer than Claude Code's takeover wait (7.5 s of unchanged mtime) plus its five
/// retries 1 to 2 s apart.
const HOLD: Duration = Duration::from_secs(20);

#[test]
#[ignore = "needs the real Claude Code in a private namespace: .ci/claude-interop.sh"]
fn claude_code_waits_for_refresh_locks_we_hold_past_its_takeover_time() {
    let s = Scenario::start("waits_for_our_refresh_locks");
    let ada = s.fake.add_account("ada@example.com");
    s.write_credentials(&s.fake.login_expiring_in(&ada, 60_000));
    let locks = RefreshLocks::acquire(&s.claude_dir()).expect("take the refresh locks");

    let mut claude = s.spawn("claude", s.claude_command(&["-p", "say hi"]));
    let start = Instant::now();
    while start.elapsed() < HOLD && !claude.has_ended() {
        assert!(!locks.is_lost(), "Claude Code took our refresh locks over");
        thread::sleep(Duration::from_millis(200));
    }
    let held_for = start.elapsed();
    locks.ensure_held().expect("the locks are still ours");
    let ended_while_held = claude.has_ended();
    let refreshes_while_held = s.fake.refreshes().len();
    s.note_requests(&format!(
        "requests while we held the refresh locks for {held_for:?} \
         (claude ended meanwhile: {ended_while_held}):"
    ));
    locks.release().expect("release the refresh locks");
    let run = claude.wait();
    s.note_requests("all requests, after we released the locks and claude ended:");

    assert_eq!(
        refreshes_while_held, 0,
        "Claude Code refreshed under our locks"
    );
    run.assert_success("claude -p");
    assert_eq!(run.stdout.trim(), greeting("ada@example.com"));
    assert_eq!(
        s.fake.spent_token_reuses(),
        0,
        "a spent refresh token was sent"
    );
}
