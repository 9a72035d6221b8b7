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
/// environment (only `HOME` and `PATH`, plus what a test adds).
pub struct Home {
    dir: TempDir,
}

impl Home {
    pub fn new() -> Self {
        Home {
            dir: TempDir::new(),
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
