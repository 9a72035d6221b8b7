//! `list` with usage and the `usage` command, through the real binary in a temporary
//! home against the stateful fake service: exact JSON, the 5-minute cache, 429 with
//! the last known value, 401 refreshed once, a dead login, `--no-usage`, no colour off
//! a terminal, `--debug`, bad input. No token in any output (except `--debug`).
//! The helpers here ([`Setup`]) also serve `list` and the benchmarks.

use std::os::unix::fs::PermissionsExt;
use std::process::Output;
use std::time::Duration;

use crate::fake::{AccountHandle, Fake, UsageFigures};
use crate::support::{stderr, stdout, Home};

/// A home with one slot per account, added through the binary as a user would (log
/// in with Claude Code, then `add`); the last one added is active.
pub struct Setup {
    pub home: Home,
    pub fake: Fake,
    pub accounts: Vec<AccountHandle>,
}

impl Setup {
    pub fn new(emails: &[&str]) -> Setup {
        let setup = Setup {
            home: Home::new(),
            fake: Fake::start(),
            accounts: Vec::new(),
        };
        setup.with_accounts(emails)
    }

    fn with_accounts(mut self, emails: &[&str]) -> Setup {
        for email in emails {
            let account = self.fake.add_account(email);
            self.log_in(&self.fake.login(&account));
            let out = self.run(&["add"]);
            assert_eq!(out.status.code(), Some(0), "add: {}", stderr(&out));
            self.accounts.push(account);
        }
        self
    }

    /// Claude Code's `/login`: its credentials file, 0600.
    pub fn log_in(&self, blob: &str) {
        let file = self.home.credentials_file();
        Home::put(&file, blob.as_bytes());
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600)).unwrap();
    }

    /// Runs the binary against the fake; no output may hold a token it issued.
    pub fn run(&self, args: &[&str]) -> Output {
        let out = self.run_showing_tokens(args);
        self.assert_no_token(args, &out);
        out
    }

    /// Neither output stream of `args`'s run shows a token.
    pub fn assert_no_token(&self, args: &[&str], out: &Output) {
        for text in [stdout(out), stderr(out)] {
            assert!(
                !text.contains("sk-ant-"),
                "{args:?} printed a token: {text}"
            );
            for token in self.fake.all_issued_tokens() {
                assert!(!text.contains(&token), "{args:?} printed a token");
            }
        }
    }

    /// [`Setup::run`] without the token check (`--debug` shows tokens on purpose).
    pub fn run_showing_tokens(&self, args: &[&str]) -> Output {
        let mut command = self.home.command(args);
        command.envs(self.fake.env());
        command.output().expect("run claude-token")
    }

    /// Runs, expects exit 0, returns stdout.
    pub fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert_eq!(out.status.code(), Some(0), "{args:?}: {}", stderr(&out));
        stdout(&out)
    }

    /// How many usage requests the fake has seen.
    pub fn usage_requests(&self) -> usize {
        let requests = self.fake.requests();
        requests
            .iter()
            .filter(|r| r.path == "/api/oauth/usage")
            .count()
    }
}

/// `text` with every RFC 3339 string as `"T"` and every `expires_at_ms` as `N`:
/// those depend on the clocks; the tests check them apart.
pub fn without_times(text: &str) -> String {
    let quoted: Vec<String> = text
        .split('"')
        .enumerate()
        .map(|(i, piece)| {
            let b = piece.as_bytes();
            let time = i % 2 == 1
                && b.len() >= 20
                && b[4] == b'-'
                && b[10] == b'T'
                && piece.ends_with('Z');
            if time {
                "T".to_owned()
            } else {
                piece.to_owned()
            }
        })
        .collect();
    let joined = quoted.join("\"");
    let mut out = String::new();
    let mut rest = joined.as_str();
    let key = "\"expires_at_ms\":";
    while let Some(at) = rest.find(key) {
        out.push_str(&rest[..at + key.len()]);
        rest = rest[at + key.len()..].trim_start_matches(|c: char| c.is_ascii_digit());
        out.push('N');
    }
    out.push_str(rest);
    out
}

fn usage_object(stale: bool, five: &str, seven: &str, sonnet: &str, opus: &str) -> String {
    let window = |u: &str| {
        if u == "null" {
            "null".to_owned()
        } else {
            format!(r#"{{"utilization":{u},"resets_at":"T"}}"#)
        }
    };
    format!(
        r#"{{"fetched_at":"T","stale":{stale},"five_hour":{},"seven_day":{},"seven_day_sonnet":{},"seven_day_opus":{}}}"#,
        window(five),
        window(seven),
        window(sonnet),
        window(opus)
    )
}

/// A slot of `list --format json` as this file's accounts have it (Max plan, fresh).
fn slot(index: u32, name: &str, active: bool, status: &str, usage: &str) -> String {
    format!(
        r#"{{"index":{index},"name":"{name}","email":"{name}@example.com","active":{active},"plan":"max","status":"{status}","expires_at":"T","expires_at_ms":N,"login_deadline":"T","usage":{usage}}}"#
    )
}

/// Account `index` serves these five-hour and seven-day figures, and no per-model
/// windows.
fn set_usage(setup: &Setup, index: usize, five_hour: f64, seven_day: f64) {
    let figures = UsageFigures {
        five_hour,
        seven_day,
        seven_day_sonnet: None,
        seven_day_opus: None,
    };
    setup
        .fake
        .set_usage_figures(&setup.accounts[index], figures);
}

/// Makes every stored usage snapshot look `minutes` old, as if time had passed.
pub fn age_snapshots(setup: &Setup, minutes: i64) {
    let path = setup.home.catalog();
    let text = std::fs::read_to_string(&path).unwrap();
    let key = "\"fetched_at_ms\": ";
    let mut out = String::new();
    let mut rest = text.as_str();
    while let Some(at) = rest.find(key) {
        out.push_str(&rest[..at + key.len()]);
        rest = &rest[at + key.len()..];
        let end = rest.find(|c: char| !c.is_ascii_digit()).unwrap();
        let ms: i64 = rest[..end].parse().unwrap();
        out.push_str(&(ms - minutes * 60_000).to_string());
        rest = &rest[end..];
    }
    out.push_str(rest);
    assert_ne!(out, text, "the catalog holds snapshots");
    std::fs::write(&path, out).unwrap();
}

#[test]
fn list_json_carries_status_expiry_and_usage_of_every_slot() {
    let setup = Setup::new(&["ada@example.com", "bob@example.com"]);
    set_usage(&setup, 0, 12.5, 40.0);
    setup.fake.set_usage_figures(
        &setup.accounts[1],
        UsageFigures {
            five_hour: 80.0,
            seven_day: 95.5,
            seven_day_sonnet: Some(3.0),
            seven_day_opus: None,
        },
    );
    let before = setup.usage_requests();
    let text = setup.ok(&["list", "--format", "json"]);
    assert_eq!(setup.usage_requests(), before + 2, "one request per slot");
    let expected = format!(
        r#"{{"schema":1,"active":"bob","slots":[{},{}]}}"#,
        slot(
            1,
            "ada",
            false,
            "ok",
            &usage_object(false, "12.5", "40.0", "null", "null")
        ),
        slot(
            2,
            "bob",
            true,
            "ok",
            &usage_object(false, "80.0", "95.5", "3.0", "null")
        ),
    ) + "\n";
    assert_eq!(without_times(&text), expected);
    let now = claude_token::time::now_ms();
    let at = text.find("\"expires_at_ms\":").unwrap() + "\"expires_at_ms\":".len();
    let ms: i64 = text[at..at + 13].parse().unwrap();
    assert!(
        (now + 7 * 3_600_000..=now + 8 * 3_600_000).contains(&ms),
        "{ms}"
    );
}

#[test]
fn a_second_list_within_five_minutes_asks_nothing() {
    let setup = Setup::new(&["ada@example.com", "bob@example.com"]);
    setup.ok(&["list"]);
    let after_first = setup.usage_requests();
    let second = setup.ok(&["list", "--format=json"]);
    assert_eq!(
        setup.usage_requests(),
        after_first,
        "served from the catalog"
    );
    assert!(second.contains("\"stale\":false"), "{second}");
    age_snapshots(&setup, 6);
    setup.ok(&["list"]);
    assert_eq!(
        setup.usage_requests(),
        after_first + 2,
        "older than 5 minutes"
    );
}

#[test]
fn rate_limited_list_shows_the_last_value_stale_with_the_retry_time() {
    let setup = Setup::new(&["ada@example.com"]);
    set_usage(&setup, 0, 33.0, 44.0);
    setup.ok(&["list"]);
    setup
        .fake
        .set_rate_limit(&setup.accounts[0], 0, Duration::from_secs(3600));
    set_usage(&setup, 0, 99.0, 99.0);
    age_snapshots(&setup, 10);
    let out = setup.run(&["list", "--format", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    let usage = usage_object(true, "33.0", "44.0", "null", "null");
    assert!(without_times(&text).contains(&usage), "{text}");
    let warning = stderr(&out);
    assert!(
        warning.contains("ada: usage rate limited; showing the last known value; retry in "),
        "{warning}"
    );
    let pretty = setup.run(&["list"]);
    assert!(stdout(&pretty).contains("(stale)"), "{}", stdout(&pretty));
}

#[test]
fn an_expired_access_token_is_refreshed_once_and_the_usage_asked_again() {
    let setup = Setup::new(&["ada@example.com"]);
    set_usage(&setup, 0, 21.0, 7.0);
    setup.fake.expire_access_tokens(&setup.accounts[0]);
    let live_before = std::fs::read_to_string(setup.home.credentials_file()).unwrap();
    let text = setup.ok(&["list", "--format", "json"]);
    assert!(
        without_times(&text).contains(&usage_object(false, "21.0", "7.0", "null", "null")),
        "{text}"
    );
    let refreshes = setup.fake.refreshes();
    assert_eq!(refreshes.len(), 1, "one refresh");
    assert_eq!(setup.fake.spent_token_reuses(), 0);
    let statuses: Vec<u16> = setup
        .fake
        .requests()
        .iter()
        .filter(|r| r.path == "/api/oauth/usage")
        .map(|r| r.status)
        .collect();
    assert_eq!(statuses, [401, 200]);
    let live_after = std::fs::read_to_string(setup.home.credentials_file()).unwrap();
    assert_ne!(
        live_before, live_after,
        "the active slot's live login got the new tokens"
    );
}

#[test]
fn a_dead_login_is_listed_as_login_dead() {
    let setup = Setup::new(&["ada@example.com", "bob@example.com"]);
    setup.fake.revoke(&setup.accounts[0]);
    let out = setup.run(&["list", "--format", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = without_times(&stdout(&out));
    assert!(
        text.contains(&slot(1, "ada", false, "login_dead", "null")),
        "{text}"
    );
    assert!(
        stderr(&out).contains("ada: usage not available: the login is dead"),
        "{}",
        stderr(&out)
    );
    let pretty = setup.ok(&["list", "--no-usage"]);
    assert!(pretty.contains("login dead"), "{pretty}");
}

#[test]
fn no_usage_makes_no_request_at_all() {
    let setup = Setup::new(&["ada@example.com", "bob@example.com"]);
    let before = setup.fake.requests().len();
    let text = setup.ok(&["list", "--no-usage", "--format", "json"]);
    assert_eq!(setup.fake.requests().len(), before);
    assert!(text.contains("\"usage\":null"), "{text}");
    let pretty = setup.ok(&["list", "--no-usage"]);
    assert!(pretty.contains("usage  not known"), "{pretty}");
}

#[test]
fn output_off_a_terminal_has_no_escape_sequences_and_ascii_bars() {
    let setup = Setup::new(&["ada@example.com"]);
    set_usage(&setup, 0, 50.0, 100.0);
    let plain = setup.ok(&["list", "--detail"]);
    assert!(!plain.contains('\x1b'), "{plain:?}");
    assert!(plain.contains("5h     ####....   50%"), "{plain}");
    assert!(plain.contains("7d     ########  100%"), "{plain}");
    let out = setup
        .home
        .command(["list"])
        .envs(setup.fake.env())
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    assert!(!stdout(&out).contains('\x1b'));
}

#[test]
fn list_rows_show_expiry_in_local_time_utc_and_relative_with_the_login_deadline() {
    let setup = Setup::new(&["ada@example.com"]);
    let text = setup.ok(&["list"]);
    let lines: Vec<&str> = text.lines().collect();
    assert!(
        lines[0].starts_with("* #1  ada  ada@example.com  max  ok"),
        "{text}"
    );
    let token = lines
        .iter()
        .find(|l| l.trim_start().starts_with("token"))
        .unwrap();
    assert!(
        token.contains("expires in 7h 59m: ") || token.contains("expires in 8h 00m: "),
        "{token}"
    );
    assert!(token.ends_with("Z)"), "{token}");
    let login = lines
        .iter()
        .find(|l| l.trim_start().starts_with("login"))
        .unwrap();
    assert!(
        login.contains("renew by ") && login.contains("in 29d 23h"),
        "{login}"
    );
}

#[test]
fn debug_shows_paths_and_payloads_under_a_warning_line() {
    let setup = Setup::new(&["ada@example.com"]);
    let out = setup.run_showing_tokens(&["list", "--debug", "--no-usage"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.starts_with("WARNING: debug output below shows tokens"),
        "{text}"
    );
    assert!(text.contains(&setup.home.catalog().display().to_string()));
    assert!(
        text.contains("--- archive:ada") || text.contains("--- archive"),
        "{text}"
    );
    assert!(text.contains("sk-ant-ort01-"), "the raw payloads are shown");
    let json = setup.run_showing_tokens(&["list", "--debug", "--no-usage", "--format", "json"]);
    assert!(
        stdout(&json).starts_with("{\"schema\":1,"),
        "stdout stays JSON"
    );
    assert!(stderr(&json).starts_with("WARNING: debug output"));
}

#[test]
fn usage_command_prints_the_active_slot_pretty_and_as_json() {
    let setup = Setup::new(&["ada@example.com", "bob@example.com"]);
    setup.fake.set_usage_figures(
        &setup.accounts[1],
        UsageFigures {
            five_hour: 10.0,
            seven_day: 20.0,
            seven_day_sonnet: Some(30.0),
            seven_day_opus: Some(40.0),
        },
    );
    let text = setup.ok(&["usage", "--format", "json"]);
    let expected = format!(
        r#"{{"schema":1,"slot":"bob","usage":{}}}"#,
        usage_object(false, "10.0", "20.0", "30.0", "40.0")
    ) + "\n";
    assert_eq!(without_times(&text), expected);
    let pretty = setup.ok(&["usage"]);
    let labels: Vec<&str> = pretty
        .lines()
        .filter_map(|l| l.split_whitespace().next())
        .collect();
    assert_eq!(
        labels,
        ["bob", "5h", "7d", "sonnet", "opus", "extra", "asked"],
        "{pretty}"
    );
    assert!(pretty.contains("extra  off"), "{pretty}");
    let before = setup.usage_requests();
    setup.ok(&["usage", "ada"]);
    setup.ok(&["usage", "#1"]);
    assert_eq!(setup.usage_requests(), before + 2, "usage always asks");
}

#[test]
fn usage_with_a_401_refreshes_once_and_retries() {
    let setup = Setup::new(&["ada@example.com"]);
    setup.fake.expire_access_tokens(&setup.accounts[0]);
    let text = setup.ok(&["usage", "--format", "json"]);
    assert!(text.contains("\"stale\":false"), "{text}");
    assert_eq!(setup.fake.refreshes().len(), 1);
}

#[test]
fn usage_rate_limited_without_a_stored_value_is_exit_4() {
    let setup = Setup::new(&["ada@example.com"]);
    setup
        .fake
        .set_rate_limit(&setup.accounts[0], 0, Duration::from_secs(3600));
    let out = setup.run(&["usage"]);
    assert_eq!(out.status.code(), Some(4), "{}", stderr(&out));
}

#[test]
fn bad_slot_references_are_clear_errors() {
    let setup = Setup::new(&["ada@example.com"]);
    for (args, code, says) in [
        (&["usage", "#0"][..], 2, "#0"),
        (&["usage", "#99"][..], 1, "#99"),
        (&["usage", "Not-Valid"][..], 2, "Not-Valid"),
        (&["usage", "nobody"][..], 1, "nobody"),
        (&["list", "--detial"][..], 2, "--detail"),
    ] {
        let out = setup.run(args);
        assert_eq!(out.status.code(), Some(code), "{args:?}: {}", stderr(&out));
        assert!(stderr(&out).contains(says), "{args:?}: {}", stderr(&out));
        assert_eq!(stdout(&out), "", "{args:?}");
    }
}
