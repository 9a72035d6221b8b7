//! The invariants after an interrupted operation and the next command's replay:
//! (a) every slot's newest refresh token (the fake's current one of the account's
//! latest login) is held durably: in an archive file, Claude Code's credentials file
//! or a journal entry (hex in the entry); the one exception is the window between the
//! server's answer and the journal write, which the caller recognizes and which is
//! counted, never hidden; (b) the catalog's active slot and the owner of Claude Code's
//! file are the pair from before or the pair from after the operation, and the file
//! never holds a spent refresh token; (c) no journal entry, temp file or set-aside
//! entry is left; (d) the catalog parses (`list --format json`); (e) the next operation
//! (`refresh --all --force`) succeeds and sends no spent refresh token.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

use claude_token::json::{self, Value};

use super::scenario::Scenario;
use super::world::World;
use crate::fake::RefreshOutcome;
use crate::support::{stderr, stdout};

/// The catalog's active slot and the slot whose login Claude Code's file holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pair {
    pub active: Option<String>,
    pub live: Option<String>,
}

/// The two states an interrupted operation may end in after replay.
#[derive(Debug, Clone)]
pub struct Expect {
    pub before: Pair,
    pub after: Pair,
}

impl Expect {
    /// Runs `scenario` once without interruption to learn both pairs.
    pub fn learn(scenario: Scenario) -> Expect {
        let world = scenario.set_up();
        let before = pair(&world);
        let out = world.run(scenario.args());
        assert_eq!(
            out.status.code(),
            Some(scenario.exit_code()),
            "{scenario:?} without a crash: {}",
            stderr(&out)
        );
        let after = pair(&world);
        Expect { before, after }
    }
}

/// Where a token was found.
#[derive(Debug, Clone, Copy, Default)]
pub struct Held {
    /// An archive file or Claude Code's credentials file.
    pub store: bool,
    /// A named journal entry (pending, set aside or quarantined).
    pub entry: bool,
    /// The temp file of an unfinished journal write (replay deletes those).
    pub temp: bool,
}

impl Held {
    pub fn durably(self) -> bool {
        self.store || self.entry
    }
}

/// Where `token` is held in `world`'s files now.
pub fn held(world: &World, token: &str) -> Held {
    let needle = claude_token::hex::encode(token.as_bytes());
    let mut found = Held::default();
    let keystore = files(&world.data_dir().join("keystore"));
    let live = world.home.credentials_file();
    found.store = keystore
        .iter()
        .chain([&live])
        .any(|p| contains(p, token.as_bytes()));
    for path in files(&world.data_dir().join("journal")) {
        if contains(&path, needle.as_bytes()) {
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            *(if name.starts_with('.') {
                &mut found.temp
            } else {
                &mut found.entry
            }) = true;
        }
    }
    found
}

/// Every file under `dir`, recursively (none when it does not exist).
fn files(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut all = Vec::new();
    for entry in entries {
        let path = entry.unwrap().path();
        if path.is_dir() {
            all.extend(files(&path));
        } else {
            all.push(path);
        }
    }
    all
}

fn contains(path: &Path, needle: &[u8]) -> bool {
    let bytes = fs::read(path).unwrap_or_default();
    bytes.windows(needle.len()).any(|w| w == needle)
}

/// The newest refresh token of every account, by slot name (accounts whose every
/// login is revoked have none).
pub fn newest_tokens(world: &World) -> Vec<(String, String)> {
    let mut tokens = Vec::new();
    for account in &world.accounts {
        let name = account.email.split('@').next().unwrap().to_owned();
        if let Some(token) = world.fake.current_refresh_token(account) {
            tokens.push((name, token));
        }
    }
    tokens
}

/// Where each account's newest token is held, before the replaying command.
pub fn survey(world: &World) -> Vec<(String, String, Held)> {
    let tokens = newest_tokens(world);
    let held_each = |(name, token): (String, String)| {
        let found = held(world, &token);
        (name, token, found)
    };
    tokens.into_iter().map(held_each).collect()
}

/// The catalog through `list --format json` (which must succeed: (d)): the active
/// slot and the slot names.
fn catalog(world: &World) -> (Option<String>, Vec<String>) {
    let out = world.run(&["list", "--format", "json"]);
    assert_eq!(out.status.code(), Some(0), "list: {}", stderr(&out));
    let doc = json::parse(stdout(&out).as_bytes()).expect("list prints JSON");
    let root = doc.root().to_value();
    let active = root
        .get("active")
        .and_then(Value::as_str)
        .map(str::to_owned);
    let Some(Value::Array(slots)) = root.get("slots") else {
        panic!("list --format json has no slots: {}", stdout(&out));
    };
    let name = |s: &Value| s.get("name").and_then(Value::as_str).unwrap().to_owned();
    (active, slots.iter().map(name).collect())
}

/// The slot (email local part) whose login Claude Code's file holds, and its
/// refresh token; `None` when there is no file or it holds no login (signed out: its
/// machine members may stay).
fn live_login(world: &World) -> Option<(String, String)> {
    let bytes = fs::read(world.home.credentials_file()).ok()?;
    let doc = json::parse(&bytes).expect("Claude Code's file is JSON");
    let oauth = doc.root().to_value();
    let oauth = oauth.get("claudeAiOauth")?;
    let text = |v: Option<&Value>| v.and_then(Value::as_str).unwrap_or("").to_owned();
    let email = text(
        oauth
            .get("tokenAccount")
            .and_then(|a| a.get("emailAddress")),
    );
    let owner = email.split('@').next().unwrap_or("").to_owned();
    Some((owner, text(oauth.get("refreshToken"))))
}

pub fn pair(world: &World) -> Pair {
    Pair {
        active: catalog(world).0,
        live: live_login(world).map(|(owner, _)| owner),
    }
}

/// Refresh tokens the fake has already traded (presenting one again is a reuse).
fn spent(world: &World) -> BTreeSet<String> {
    let rotated = world.fake.refreshes().into_iter();
    let rotated = rotated.filter(|r| r.outcome == RefreshOutcome::Rotated);
    rotated.map(|r| r.token).collect()
}

/// Claude Code's file must never hold a spent refresh token: Claude Code would send it.
fn assert_live_not_spent(world: &World, label: &str) {
    if let Some((owner, token)) = live_login(world) {
        assert!(
            !spent(world).contains(&token),
            "{label}: Claude Code's file holds {owner}'s spent refresh token"
        );
    }
}

/// Lets the next command replay, then checks (a) to (e). `window` says whether a
/// token held nowhere durable before the replay (`Held` as surveyed then) was lost in
/// the window between the server's answer and the journal write. Returns whether a
/// token was lost there (then (e) is skipped: the next refresh must send the old,
/// spent token).
pub fn recover(
    world: &World,
    scenario: Scenario,
    expect: &Expect,
    label: &str,
    window: impl Fn(Held) -> bool,
) -> bool {
    age_claude_code_locks(world);
    let before = survey(world);
    let scratch = world.home.path().join("replayed.json");
    let out = world.run(&["export", "#1", "--path", scratch.to_str().unwrap()]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{label}: replay: {}",
        stderr(&out)
    );
    let (active, slots) = catalog(world);
    let leftovers = files(&world.data_dir().join("journal"));
    assert!(leftovers.is_empty(), "{label}: journal left: {leftovers:?}");
    let mut lost = false;
    for (name, token, held_before) in before {
        if !slots.contains(&name) || held(world, &token).durably() {
            continue;
        }
        assert!(
            !held_before.durably() && window(held_before),
            "{label}: slot {name}'s newest refresh token is lost ({held_before:?} before replay)"
        );
        lost = true;
    }
    let now = Pair {
        active,
        live: live_login(world).map(|(owner, _)| owner),
    };
    assert!(
        now == expect.before || now == expect.after,
        "{label}: {now:?} is neither {:?} nor {:?}",
        expect.before,
        expect.after
    );
    if !lost {
        assert_live_not_spent(world, label);
        next_operation(world, scenario, label);
        // Whatever the catalog says, a refresh of the slot whose login Claude Code's
        // file holds gives that file the new tokens: read from the place itself.
        assert_live_not_spent(world, &format!("{label}, then refresh --all --force"));
    }
    lost
}

/// A killed claude-token leaves Claude Code's lock directories behind, as a killed
/// Claude Code does; by Claude Code's own rule they become breakable once their mtime
/// is older than the stale time (15 s for the storage lock, 60 s for the refresh
/// locks). Rather than wait, the harness lets that time pass for them: it moves their
/// mtimes two minutes back. The next command then breaks them by the rule.
pub fn age_claude_code_locks(world: &World) {
    let claude = world.home.path().join(".claude");
    let locks = [
        claude.join(".oauth_refresh.lock"),
        claude.join(".storage-write.lock"),
        world.home.path().join(".claude.lock"),
    ];
    let past = std::time::SystemTime::now() - std::time::Duration::from_secs(120);
    for lock in locks {
        if let Ok(dir) = fs::File::open(&lock) {
            dir.set_times(fs::FileTimes::new().set_modified(past))
                .unwrap();
        }
    }
}

/// (e): `refresh --all --force` works and no spent refresh token was ever sent.
fn next_operation(world: &World, scenario: Scenario, label: &str) {
    let out = world.run(&["refresh", "--all", "--force"]);
    let code = out.status.code().unwrap_or(-1);
    assert!(
        scenario.refresh_all_codes().contains(&code),
        "{label}: refresh --all --force exited {code}: {}",
        stderr(&out)
    );
    // A refused token is sent again only when the kill came before its refusal was
    // recorded: at most twice in all, never a third time.
    let again = world.run(&["refresh", "--all", "--force"]);
    assert!(
        scenario.refresh_all_codes()[..1].contains(&again.status.code().unwrap_or(-1)),
        "{label}: a second refresh --all --force: {}",
        stderr(&again)
    );
    let refusals = world.fake.refreshes().into_iter();
    let mut refused: Vec<String> = refusals
        .filter(|r| r.outcome == RefreshOutcome::Revoked)
        .map(|r| r.token)
        .collect();
    refused.sort();
    for pair in refused.windows(3) {
        assert!(
            pair[0] != pair[2],
            "{label}: a refused refresh token was sent three times"
        );
    }
    assert_eq!(
        world.fake.spent_token_reuses(),
        0,
        "{label}: a spent token was sent"
    );
}
