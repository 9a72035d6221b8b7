//! A stand-in for Claude Code 2.1.332 writing its credentials file, following its
//! real write rules (DESIGN.md section 5), for end-to-end tests that run the real
//! binary beside it on a test home.
//!
//! - [`StandIn::refresh`]: take the refresh locks (`.oauth_refresh.lock`, the legacy
//!   lock and the owner record, through `claude_token::cclock`), read the file, POST
//!   its refresh token to the fake over HTTPS with the crate's OAuth client, holding
//!   the locks across the request; then take `.storage-write.lock`, re-read the file,
//!   and save only when the stored `claudeAiOauth.refreshToken` is "" or the one it
//!   posted: the new `accessToken`, `refreshToken` and `expiresAt` spliced into the
//!   file's *current* bytes, and, as Claude Code's rebuild of the login does, the
//!   account `/login` wrote there (`tokenAccount`, `profile`) dropped: a login it
//!   refreshed names no account (every other byte kept; temp file, rename, 0600).
//!   Otherwise its new tokens are discarded, as Claude Code discards them. Hooks run
//!   while the refresh locks are held, before and after the POST, so a test can start
//!   the binary meanwhile; the [`Report`] says what it posted, got and did.
//! - [`StandIn::write_member`]: under `.storage-write.lock` alone, set one top-level
//!   member (`mcpOAuth`, a plan or account stamp) in the file's current bytes, as
//!   Claude Code does at any moment, refresh locks or not.
//!
//! It never writes anything but the credentials file (and the locks it takes), never
//! retries, and never decides what a test expects.

mod selftest;

use std::fs::{self, OpenOptions};
use std::io::Write as _;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};

use claude_token::cclock::{RefreshLocks, StorageWriteLock};
use claude_token::json::{self, quote, Position};
use claude_token::oauth::{self, Client};
use claude_token::redact::Secret;

use crate::fake::Fake;
use crate::support::Home;

/// Claude Code on one test home: its config directory (where the refresh locks live)
/// and its credentials directory (the file and `.storage-write.lock`).
pub struct StandIn {
    claude_dir: PathBuf,
    credentials_dir: PathBuf,
    client: Client,
}

/// What one [`StandIn::refresh`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    /// The refresh token read under the refresh locks and sent.
    pub posted: String,
    /// The refresh token the server answered with (the posted one when it sent none).
    pub new_refresh_token: String,
    /// `claudeAiOauth.refreshToken` in the file when re-read under the storage lock.
    pub found: String,
    /// Whether the new tokens were saved (else discarded: the file held `found`).
    pub saved: bool,
}

type Hook<'h> = Box<dyn FnOnce() + 'h>;

/// One refresh being set up; [`Refresh::run`] does it.
pub struct Refresh<'h> {
    stand_in: &'h StandIn,
    before_post: Option<Hook<'h>>,
    after_post: Option<Hook<'h>>,
}

impl StandIn {
    /// Claude Code with its config and credentials directory `claude_dir`, talking to
    /// the service through `client`.
    pub fn new(claude_dir: &Path, client: Client) -> StandIn {
        StandIn {
            claude_dir: claude_dir.to_owned(),
            credentials_dir: claude_dir.to_owned(),
            client,
        }
    }

    /// Claude Code on `home` (`<home>/.claude`), talking to `fake`.
    pub fn on(home: &Home, fake: &Fake) -> StandIn {
        StandIn::new(&home.path().join(".claude"), fake.client())
    }

    /// `<credentials dir>/.credentials.json`.
    pub fn credentials_file(&self) -> PathBuf {
        self.credentials_dir.join(".credentials.json")
    }

    /// A refresh of the login in the file, to be run with [`Refresh::run`].
    pub fn refresh(&self) -> Refresh<'_> {
        Refresh {
            stand_in: self,
            before_post: None,
            after_post: None,
        }
    }

    /// Sets the top-level member `key` to `raw` (one JSON value) in the file's current
    /// bytes, under `.storage-write.lock` alone; every other byte stays.
    pub fn write_member(&self, key: &str, raw: &str) {
        self.try_write_member(key, raw)
            .expect("Claude Code writes a member");
    }

    /// [`StandIn::write_member`], saying why it could not (the lock stayed busy, no
    /// file, a file that is not JSON) instead of failing the test.
    pub fn try_write_member(&self, key: &str, raw: &str) -> Result<(), String> {
        let lock = StorageWriteLock::acquire(&self.credentials_dir).map_err(|e| e.to_string())?;
        let current = fs::read(self.credentials_file()).map_err(|e| e.to_string())?;
        let doc = json::parse(&current).map_err(|e| e.to_string())?;
        let mut editor = doc.editor();
        let edited = if doc.root().get(key).is_some() {
            editor.replace(&[key], raw)
        } else {
            editor.insert(&[], key, raw, Position::End)
        };
        edited.map_err(|e| e.to_string())?;
        let new = editor.finish().map_err(|e| e.to_string())?;
        lock.ensure_held().map_err(|e| e.to_string())?;
        self.write(&new);
        lock.release().map_err(|e| e.to_string())
    }

    fn read(&self) -> Vec<u8> {
        fs::read(self.credentials_file()).expect("Claude Code's credentials file")
    }

    /// Temp file beside the target (`.credentials.json.tmp.<random>`, 0600), rename:
    /// Claude Code's own write (Node's), not ours, so not `claude_token::fs`.
    #[allow(clippy::disallowed_methods)] // std::fs::rename, as Claude Code renames
    fn write(&self, bytes: &[u8]) {
        static COUNT: AtomicU32 = AtomicU32::new(0);
        let n = COUNT.fetch_add(1, Ordering::Relaxed);
        let temp = self
            .credentials_dir
            .join(format!(".credentials.json.tmp.{}{n}", std::process::id()));
        let mut file = OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&temp)
            .expect("create Claude Code's temp file");
        file.write_all(bytes).expect("write the temp file");
        file.sync_all().expect("sync the temp file");
        drop(file);
        fs::rename(&temp, self.credentials_file()).expect("rename over the credentials file");
    }
}

impl<'h> Refresh<'h> {
    /// Runs `hook` with the refresh locks held and the file read, before the POST.
    #[must_use]
    pub fn before_post(mut self, hook: impl FnOnce() + 'h) -> Self {
        self.before_post = Some(Box::new(hook));
        self
    }

    /// Runs `hook` once the server answered, the refresh locks still held, before the
    /// storage lock is taken.
    #[must_use]
    pub fn after_post(mut self, hook: impl FnOnce() + 'h) -> Self {
        self.after_post = Some(Box::new(hook));
        self
    }

    /// Does the refresh (see the module docs). `Err` when the server refused it;
    /// nothing is written then.
    pub fn run(self) -> Result<Report, oauth::Error> {
        let stand_in = self.stand_in;
        let locks = RefreshLocks::acquire(&stand_in.claude_dir)
            .expect("Claude Code takes its refresh locks");
        let posted = string_at(&stand_in.read(), "refreshToken");
        if let Some(hook) = self.before_post {
            hook();
        }
        let answer = stand_in.client.refresh(&Secret::from(posted.as_str()));
        if let Some(hook) = self.after_post {
            hook();
        }
        let grant = match answer {
            Ok(grant) => grant,
            Err(err) => {
                locks.release().expect("release the refresh locks");
                return Err(err);
            }
        };
        let access = grant
            .access_token
            .as_ref()
            .expect("an access token")
            .expose()
            .to_owned();
        let new_refresh_token = grant
            .refresh_token
            .as_ref()
            .map_or_else(|| posted.clone(), |t| t.expose().to_owned());
        let expires_at =
            now_ms() + i64::try_from(grant.expires_in.expect("expires_in")).unwrap() * 1000;

        let storage = StorageWriteLock::acquire(&stand_in.credentials_dir)
            .expect("Claude Code takes .storage-write.lock");
        let current = stand_in.read();
        let found = string_at(&current, "refreshToken");
        let saved = found.is_empty() || found == posted;
        if saved {
            let doc = json::parse(&current).expect("the credentials file is JSON");
            let mut editor = doc.editor();
            let edits = [
                ("accessToken", quote(&access)),
                ("refreshToken", quote(&new_refresh_token)),
                ("expiresAt", expires_at.to_string()),
            ];
            for (key, value) in &edits {
                editor
                    .replace(&["claudeAiOauth", key], value)
                    .expect("splice the new tokens");
            }
            // Claude Code 2.1.332 rebuilds the login from what it knows: the account
            // `/login` wrote (`tokenAccount`, `profile`) is gone, and a login it
            // refreshed names its organization (top level) at most (see
            // `claude_code::print_mode::REBUILT_LOGIN`).
            for key in ["tokenAccount", "profile"] {
                if doc.get(&["claudeAiOauth", key]).is_some() {
                    editor
                        .remove(&["claudeAiOauth", key])
                        .expect("drop what the rebuild drops");
                }
            }
            let new = editor.finish().expect("the spliced file is JSON");
            storage
                .ensure_held()
                .expect("the storage lock is still ours");
            stand_in.write(&new);
        }
        storage.release().expect("release .storage-write.lock");
        locks.release().expect("release the refresh locks");
        Ok(Report {
            posted,
            new_refresh_token,
            found,
            saved,
        })
    }
}

/// `claudeAiOauth.<key>` of a credentials file as text ("" when absent).
fn string_at(bytes: &[u8], key: &str) -> String {
    let doc = json::parse(bytes).expect("the credentials file is JSON");
    let node = doc.get(&["claudeAiOauth", key]);
    node.and_then(|n| n.as_str())
        .map(std::borrow::Cow::into_owned)
        .unwrap_or_default()
}

fn now_ms() -> i64 {
    let since = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock after 1970");
    i64::try_from(since.as_millis()).expect("epoch ms fit in i64")
}
