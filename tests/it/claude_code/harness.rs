//! The scaffolding of the real-Claude-Code scenarios: refuse to run outside the private
//! namespace, one scenario at a time (they share port 443), the stand-in on 443, a
//! HOME per scenario under the work directory `.ci/claude-interop.sh` hands over, and
//! running `claude` (or `claude-token`) there with a deadline and its output in files.
//!
//! It never lets a `claude` process see the caller's environment (only the variables
//! listed in [`Scenario::claude_command`]) and never deletes the scenario directory, so
//! a failed run can be read afterwards (the script removes the work directory).

use std::ffi::OsString;
use std::fs;
use std::io::Write as _;
use std::net::ToSocketAddrs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::thread;
use std::time::{Duration, Instant};

use crate::fake::Fake;
use crate::server::cert_path;

/// A `claude -p` that has not finished by then is killed and the scenario fails.
const DEADLINE: Duration = Duration::from_secs(180);

/// What the variables of `.ci/claude-interop.sh` name.
struct Setup {
    claude: PathBuf,
    work: PathBuf,
}

fn setup() -> Setup {
    let var = |name: &str| {
        let value = std::env::var_os(name);
        PathBuf::from(value.unwrap_or_else(|| {
            panic!("{name} is not set: run these tests through .ci/claude-interop.sh")
        }))
    };
    let setup = Setup {
        claude: var("CLAUDE_TOKEN_CC_BIN"),
        work: var("CLAUDE_TOKEN_CC_WORK"),
    };
    for host in ["api.anthropic.com", "platform.claude.com"] {
        assert_resolves_to_loopback(host);
    }
    setup
}

/// The scenarios must never reach the real service: its names must be loopback here.
fn assert_resolves_to_loopback(host: &str) {
    let addrs: Vec<_> = (host, 443)
        .to_socket_addrs()
        .unwrap_or_else(|e| panic!("{host} does not resolve ({e}): not in the namespace?"))
        .collect();
    assert!(
        !addrs.is_empty() && addrs.iter().all(|a| a.ip().is_loopback()),
        "{host} resolves to {addrs:?}, not loopback: run through .ci/claude-interop.sh"
    );
}

/// One scenario: the stand-in, its own HOME, and the serial lock while it runs.
pub struct Scenario {
    pub fake: Fake,
    /// The `claude` binary.
    pub claude: PathBuf,
    dir: PathBuf,
    _serial: MutexGuard<'static, ()>,
}

impl Scenario {
    /// Starts scenario `name` (a directory of that name under the work directory).
    pub fn start(name: &str) -> Scenario {
        static SERIAL: Mutex<()> = Mutex::new(());
        let serial = SERIAL.lock().unwrap_or_else(PoisonError::into_inner);
        let setup = setup();
        let dir = setup.work.join(name);
        assert!(
            !dir.exists(),
            "{} is left from an earlier run",
            dir.display()
        );
        fs::create_dir_all(dir.join("home/.claude")).expect("make the scenario HOME");
        fs::create_dir_all(dir.join("project")).expect("make the project directory");
        Scenario {
            fake: Fake::start_stand_in(),
            claude: setup.claude,
            dir,
            _serial: serial,
        }
    }

    pub fn home(&self) -> PathBuf {
        self.dir.join("home")
    }

    /// Claude Code's config directory, `$HOME/.claude`.
    pub fn claude_dir(&self) -> PathBuf {
        self.home().join(".claude")
    }

    pub fn credentials_path(&self) -> PathBuf {
        self.claude_dir().join(".credentials.json")
    }

    /// Writes Claude Code's credentials file (mode 0600, as Claude Code leaves it).
    pub fn write_credentials(&self, blob: &str) {
        let path = self.credentials_path();
        fs::write(&path, blob).expect("write .credentials.json");
        fs::set_permissions(&path, fs::Permissions::from_mode(0o600)).expect("chmod 0600");
    }

    pub fn credentials(&self) -> String {
        fs::read_to_string(self.credentials_path()).expect("read .credentials.json")
    }

    /// Appends a line to the scenario's notes (`notes.txt`, printed by the script).
    pub fn note(&self, line: &str) {
        let mut file = fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.dir.join("notes.txt"))
            .expect("open notes.txt");
        writeln!(file, "{line}").expect("write notes.txt");
    }

    /// Notes every request the stand-in has seen so far.
    pub fn note_requests(&self, heading: &str) {
        self.note(heading);
        for r in self.fake.requests() {
            let who = r.account.as_deref().unwrap_or("-");
            self.note(&format!(
                "  {} {} -> {} ({who})",
                r.method, r.path, r.status
            ));
        }
    }

    /// The variables every `claude` gets: HOME, the test CA, and the switches that
    /// keep Claude Code from reaching for anything but the stand-in.
    pub fn claude_env(&self) -> Vec<(&'static str, OsString)> {
        vec![
            ("PATH", "/usr/local/bin:/usr/bin:/bin".into()),
            ("HOME", self.home().into()),
            ("USER", "root".into()),
            ("TERM", "dumb".into()),
            ("NODE_EXTRA_CA_CERTS", cert_path("ca.pem").into()),
            ("DISABLE_AUTOUPDATER", "1".into()),
            ("CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC", "1".into()),
            ("DISABLE_TELEMETRY", "1".into()),
            ("DISABLE_ERROR_REPORTING", "1".into()),
        ]
    }

    /// `claude ARGS…` in the scenario's project directory with only [`Self::claude_env`].
    pub fn claude_command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(&self.claude);
        cmd.args(args)
            .current_dir(self.dir.join("project"))
            .env_clear()
            .envs(self.claude_env())
            .stdin(Stdio::null());
        cmd
    }

    /// `claude-token ARGS…` with the same HOME, logins archived in files, trusting the
    /// test CA, against the real service names (which are the stand-in here).
    pub fn claude_token_command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_claude-token"));
        cmd.args(args)
            .current_dir(self.dir.join("project"))
            .env_clear()
            .env("PATH", "/usr/local/bin:/usr/bin:/bin")
            .env("HOME", self.home())
            .env("CLAUDE_TOKEN_FILE_BACKEND", "1")
            .env("SSL_CERT_FILE", cert_path("ca.pem"))
            .stdin(Stdio::null());
        cmd
    }

    /// Starts `cmd` with stdout and stderr going to `<label>.out` and `<label>.err`.
    pub fn spawn(&self, label: &str, mut cmd: Command) -> Running {
        let out = fs::File::create(self.dir.join(format!("{label}.out"))).expect("out file");
        let err = fs::File::create(self.dir.join(format!("{label}.err"))).expect("err file");
        let child = cmd
            .stdout(out)
            .stderr(err)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {label}: {e}"));
        Running {
            child,
            label: label.to_owned(),
            dir: self.dir.clone(),
        }
    }

    /// Runs `claude -p PROMPT` to the end.
    pub fn claude_p(&self, label: &str, prompt: &str) -> Finished {
        self.spawn(label, self.claude_command(&["-p", prompt]))
            .wait()
    }

    /// Runs `claude-token ARGS…` to the end.
    pub fn claude_token(&self, label: &str, args: &[&str]) -> Finished {
        self.spawn(label, self.claude_token_command(args)).wait()
    }
}

/// A child process of a scenario.
pub struct Running {
    child: Child,
    label: String,
    dir: PathBuf,
}

impl Running {
    /// Whether it has ended already.
    pub fn has_ended(&mut self) -> bool {
        self.child.try_wait().expect("poll the child").is_some()
    }

    /// Waits for the end (killing it after [`DEADLINE`]).
    pub fn wait(mut self) -> Finished {
        let start = Instant::now();
        let status = loop {
            if let Some(status) = self.child.try_wait().expect("poll the child") {
                break status;
            }
            if start.elapsed() > DEADLINE {
                let _ = self.child.kill();
                let _ = self.child.wait();
                panic!("{} ran past {DEADLINE:?} and was killed", self.label);
            }
            thread::sleep(Duration::from_millis(50));
        };
        Finished::read(&self.dir, &self.label, status)
    }
}

/// What a finished child left.
pub struct Finished {
    pub status: ExitStatus,
    pub stdout: String,
    pub stderr: String,
}

impl Finished {
    fn read(dir: &Path, label: &str, status: ExitStatus) -> Finished {
        let read = |ext: &str| {
            fs::read_to_string(dir.join(format!("{label}.{ext}"))).expect("read child output")
        };
        Finished {
            status,
            stdout: read("out"),
            stderr: read("err"),
        }
    }

    /// Panics with the output unless the exit status is 0.
    pub fn assert_success(&self, what: &str) -> &Self {
        assert!(
            self.status.success(),
            "{what} failed ({}):\nstdout: {}\nstderr: {}",
            self.status,
            self.stdout,
            self.stderr
        );
        self
    }
}
