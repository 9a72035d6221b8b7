//! One crash run's world: a temporary home for the real binary and a fresh fake
//! service with three accounts. It only sets things up and runs commands; it never
//! judges what it sees (that is `check`).

use std::os::unix::fs::PermissionsExt;
use std::path::PathBuf;
use std::process::{Command, Output};

use crate::fake::{AccountHandle, Fake};
use crate::support::{stderr, Home};

pub struct World {
    pub home: Home,
    pub fake: Fake,
    pub accounts: Vec<AccountHandle>,
}

impl World {
    /// A new home and fake with the accounts ada, bob and cyd (slot names as the
    /// binary derives them from the emails).
    pub fn new() -> World {
        let fake = Fake::start();
        let accounts = ["ada", "bob", "cyd"]
            .iter()
            .map(|name| fake.add_account(&format!("{name}@example.com")))
            .collect();
        World {
            home: Home::new(),
            fake,
            accounts,
        }
    }

    /// The account whose slot is called `name`.
    pub fn account(&self, name: &str) -> &AccountHandle {
        let email = format!("{name}@example.com");
        let found = self.accounts.iter().find(|a| a.email == email);
        found.unwrap_or_else(|| panic!("no account for slot {name}"))
    }

    /// The binary with `args`, pointed at the fake.
    pub fn command(&self, args: &[&str]) -> Command {
        let mut cmd = self.home.command(args);
        cmd.envs(self.fake.env());
        cmd
    }

    pub fn run(&self, args: &[&str]) -> Output {
        self.command(args).output().expect("run claude-token")
    }

    /// Runs `args` and insists on exit 0.
    pub fn ok(&self, args: &[&str]) -> Output {
        let out = self.run(args);
        assert_eq!(out.status.code(), Some(0), "{args:?}: {}", stderr(&out));
        out
    }

    /// Claude Code's `/login`: its credentials file, 0600.
    pub fn log_in(&self, blob: &str) {
        let file = self.home.credentials_file();
        Home::put(&file, blob.as_bytes());
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600)).unwrap();
    }

    /// `<home>/.local/share/claude-token-cli`.
    pub fn data_dir(&self) -> PathBuf {
        self.home.path().join(".local/share/claude-token-cli")
    }
}
