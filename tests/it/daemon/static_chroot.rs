//! The static Linux binary in an empty chroot: nothing but the binary, `/etc/hosts`,
//! the test CA and a home directory (no libc, no loader, no `nsswitch.conf`, no
//! `/etc/passwd`, no `/dev`). A dynamically linked binary cannot even start there, so
//! `add`, `refresh --all` and `usage` succeeding is the proof that the container
//! build works `FROM scratch`. The fake runs in this process, outside the chroot, on
//! loopback (a chroot keeps the network).
//!
//! Ignored by default: it needs root (for `chroot`) and the static build.
//! `.ci/static-chroot.sh` builds the binary and runs it with the binary's path in
//! `CLAUDE_TOKEN_STATIC_BIN`.

use crate::fake::Fake;
use crate::server::cert_path;
use crate::support::{stderr, stdout, TempDir};
use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// Where `.ci/static-chroot.sh` says the static binary is.
const BINARY_VAR: &str = "CLAUDE_TOKEN_STATIC_BIN";

/// Inside the 7-hour window, so `refresh --all` refreshes without `--force`.
const TWO_HOURS_MS: i64 = 2 * 3600 * 1000;

/// The chroot's root directory, removed on drop.
struct Jail {
    root: TempDir,
}

impl Jail {
    /// An otherwise empty tree holding the binary, `/etc/hosts`, `/ca.pem` and `/home`.
    fn new(binary: &Path) -> Jail {
        let root = TempDir::new();
        let jail = Jail { root };
        jail.put(
            "claude-token",
            &fs::read(binary).expect("the static binary"),
            0o755,
        );
        jail.put("etc/hosts", b"127.0.0.1 localhost\n", 0o644);
        jail.put("ca.pem", &fs::read(cert_path("ca.pem")).unwrap(), 0o644);
        fs::create_dir(jail.path("home")).unwrap();
        fs::set_permissions(jail.path("home"), fs::Permissions::from_mode(0o700)).unwrap();
        jail
    }

    fn path(&self, inside: &str) -> PathBuf {
        self.root.path().join(inside)
    }

    fn put(&self, inside: &str, bytes: &[u8], mode: u32) {
        let path = self.path(inside);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(&path, bytes).unwrap();
        fs::set_permissions(&path, fs::Permissions::from_mode(mode)).unwrap();
    }

    /// Runs `/claude-token args` inside the chroot, pointed at the fake.
    fn run(&self, fake: &Fake, args: &[&str]) -> Output {
        let out = Command::new("chroot")
            .arg(self.root.path())
            .arg("/claude-token")
            .args(args)
            .env_clear()
            // Finds `chroot` (coreutils); inside there is nothing to find.
            .env("PATH", "/usr/sbin:/usr/bin:/sbin:/bin")
            .env("HOME", "/home")
            .env("SSL_CERT_FILE", "/ca.pem")
            .env("CLAUDE_TOKEN_OAUTH_TOKEN_URL", fake.url("/v1/oauth/token"))
            .env("CLAUDE_TOKEN_API_BASE_URL", fake.url(""))
            .output()
            .expect("run chroot");
        for text in [stdout(&out), stderr(&out)] {
            assert!(!text.contains("sk-ant-"), "{args:?} printed a token");
        }
        out
    }

    /// Runs and expects exit 0; returns stdout.
    fn ok(&self, fake: &Fake, args: &[&str]) -> String {
        let out = self.run(fake, args);
        assert!(
            out.status.success(),
            "{args:?} in the chroot: {:?}\n{}",
            out.status,
            stderr(&out)
        );
        stdout(&out)
    }
}

#[test]
#[ignore = "needs root and the static build: run by .ci/static-chroot.sh"]
fn static_chroot_add_refresh_usage() {
    let binary = std::env::var_os(BINARY_VAR)
        .unwrap_or_else(|| panic!("set {BINARY_VAR} to the static binary's path"));
    let jail = Jail::new(Path::new(&binary));
    let fake = Fake::start();
    let ada = fake.add_account("ada@example.com");
    let blob = fake.login_expiring_in(&ada, TWO_HOURS_MS);
    jail.put("home/.claude/.credentials.json", blob.as_bytes(), 0o600);

    let added = jail.ok(&fake, &["add", "--name", "ada"]);
    assert!(
        added.starts_with("added slot ada (ada@example.com"),
        "{added}"
    );
    jail.ok(&fake, &["refresh", "--all"]);
    jail.ok(&fake, &["refresh", "--all", "--force"]);
    assert_eq!(fake.refreshes().len(), 2);
    assert_eq!(fake.spent_token_reuses(), 0);
    let current = fake.current_refresh_token(&ada).expect("a live login");
    let archive =
        fs::read_to_string(jail.path("home/.local/share/claude-token-cli/keystore/ada.json"))
            .expect("the slot's archive");
    assert!(archive.contains(&format!("\"refreshToken\":\"{current}\"")));
    usage_step(&jail, &fake);
}

/// `usage` asks the service from inside the chroot.
#[allow(clippy::print_stdout)] // .ci/static-chroot.sh looks for the line it prints
fn usage_step(jail: &Jail, fake: &Fake) {
    let out = jail.run(fake, &["usage"]);
    assert!(
        out.status.success(),
        "usage in the chroot: {}",
        stderr(&out)
    );
    assert!(!stdout(&out).is_empty());
    let asked = fake.requests();
    assert!(asked.iter().any(|r| r.path.starts_with("/api/oauth/usage")));
    println!("usage: ran in the chroot");
}
