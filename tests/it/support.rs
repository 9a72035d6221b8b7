//! Shared helpers for the integration tests: outside vectors, temporary directories,
//! and running the real binary in a temporary home.

#![allow(dead_code)] // each test module uses a different part

use std::ffi::OsStr;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicU32, Ordering};

/// Path of a file under `tests/vectors/` (outside test vectors, with their licences).
pub fn vector(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/vectors")
        .join(rel)
}

/// A fresh directory under the system temp dir, removed on drop.
pub struct TempDir(PathBuf);

impl TempDir {
    pub fn new() -> Self {
        static COUNT: AtomicU32 = AtomicU32::new(0);
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .subsec_nanos();
        let n = COUNT.fetch_add(1, Ordering::Relaxed);
        let name = format!("claude-token-it-{}-{n}-{nanos}", std::process::id());
        let path = std::env::temp_dir().join(name);
        fs::create_dir(&path).unwrap();
        TempDir(path)
    }

    pub fn path(&self) -> &Path {
        &self.0
    }

    pub fn join(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }

    /// The sorted names of the directory's entries.
    pub fn names(&self) -> Vec<String> {
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

/// A temporary home directory in which the real binary runs with a clean
/// environment (only `HOME` and `PATH`, plus what a test adds; on macOS also a test
/// keychain of its own).
pub struct Home {
    #[cfg(target_os = "macos")]
    keychain: TestKeychain,
    dir: TempDir,
}

impl Home {
    pub fn new() -> Self {
        let dir = TempDir::new();
        Home {
            #[cfg(target_os = "macos")]
            keychain: TestKeychain::create(&dir.join("test.keychain-db")),
            dir,
        }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// `<home>/.claude/.credentials.json`
    pub fn credentials_file(&self) -> PathBuf {
        self.path().join(".claude/.credentials.json")
    }

    /// `<home>/.config/claude-token-cli/slots.json`
    pub fn catalog(&self) -> PathBuf {
        self.path().join(".config/claude-token-cli/slots.json")
    }

    /// Writes `bytes` at `path`, creating parent directories.
    pub fn put(path: &Path, bytes: &[u8]) {
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, bytes).unwrap();
    }

    /// A command for the binary with this home and nothing else from our environment.
    pub fn command<I, S>(&self, args: I) -> Command
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_claude-token"));
        cmd.args(args)
            .env_clear()
            .env("HOME", self.path())
            .env("PATH", "/usr/bin:/bin");
        #[cfg(target_os = "macos")]
        self.keychain.pass_to(&mut cmd);
        cmd
    }

    /// Runs the binary with `args` and returns its output.
    pub fn run(&self, args: &[&str]) -> Output {
        self.command(args).output().expect("run claude-token")
    }
}

/// Standard output as text.
pub fn stdout(out: &Output) -> String {
    String::from_utf8(out.stdout.clone()).expect("UTF-8 stdout")
}

/// Standard error as text.
pub fn stderr(out: &Output) -> String {
    String::from_utf8(out.stderr.clone()).expect("UTF-8 stderr")
}

/// A keychain file made for one test (macOS): a test build of the binary reaches the
/// Keychain only through the file `CLAUDE_TOKEN_TEST_KEYCHAIN` names, never the
/// developer's login keychain. Its items use the account `claude-token-test`, which
/// no Claude Code looks up (`security create-keychain` also puts the file in the
/// user's search list until it is deleted). Deleted with the test.
#[cfg(target_os = "macos")]
pub struct TestKeychain {
    path: PathBuf,
}

#[cfg(target_os = "macos")]
impl TestKeychain {
    const SECURITY: &'static str = "/usr/bin/security";

    pub fn create(path: &Path) -> TestKeychain {
        let mut random = [0u8; 16];
        fs::File::open("/dev/urandom")
            .and_then(|mut f| std::io::Read::read_exact(&mut f, &mut random))
            .expect("random bytes");
        let password = claude_token::hex::encode(&random);
        let run = |args: &[&OsStr]| {
            let status = Command::new(Self::SECURITY)
                .args(args)
                .status()
                .expect("run security");
            assert!(status.success(), "security {args:?} failed: {status}");
        };
        run(&[
            OsStr::new("create-keychain"),
            OsStr::new("-p"),
            OsStr::new(&password),
            path.as_os_str(),
        ]);
        // No automatic lock while the tests run.
        run(&[OsStr::new("set-keychain-settings"), path.as_os_str()]);
        TestKeychain {
            path: path.to_owned(),
        }
    }

    /// Names the keychain and the test account in `cmd`'s environment.
    pub fn pass_to(&self, cmd: &mut Command) {
        cmd.env("CLAUDE_TOKEN_TEST_KEYCHAIN", &self.path)
            .env("CLAUDE_TOKEN_KEYCHAIN_ACCOUNT", "claude-token-test");
    }
}

#[cfg(target_os = "macos")]
impl Drop for TestKeychain {
    fn drop(&mut self) {
        let _ = Command::new(Self::SECURITY)
            .arg("delete-keychain")
            .arg(&self.path)
            .status();
    }
}
