//! `daemon --print`: each file checked by the tool that reads it (xmllint for the
//! plist, systemd-analyze for the units, a small parser and `sh` for the crontab
//! line), for the binary where cargo built it and for a copy under a path with spaces
//! and characters each format must escape.

use crate::support::{stdout, Home, TempDir};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// A directory name that needs escaping in XML, quoting in systemd and in the shell,
/// and `%` escaping in both systemd and cron.
/// (`%h` is a systemd specifier: left unescaped, systemd would run another path.)
const AWKWARD_DIR: &str = "my tools & <more> 100%h $HOME";

fn built_binary() -> PathBuf {
    std::fs::canonicalize(env!("CARGO_BIN_EXE_claude-token")).expect("built binary")
}

/// Runs `binary daemon --print kind` in `home` and returns its stdout.
fn print(binary: &Path, home: &Home, kind: &str) -> String {
    let out = Command::new(binary)
        .args(["daemon", "--print", kind])
        .env_clear()
        .env("HOME", home.path())
        .output()
        .expect("run claude-token");
    assert!(out.status.success(), "{kind}: {out:?}");
    stdout(&out)
}

/// The built binary linked (or copied) into `<dir>/AWKWARD_DIR/claude-token`.
fn awkward_copy(dir: &BuildTemp) -> PathBuf {
    let sub = dir.join(AWKWARD_DIR);
    std::fs::create_dir(&sub).expect("awkward dir");
    let exe = sub.join("claude-token");
    if std::fs::hard_link(built_binary(), &exe).is_err() {
        std::fs::copy(built_binary(), &exe).expect("copy the binary");
    }
    std::fs::canonicalize(exe).expect("canonical copy")
}

/// A temporary directory beside the build (so a hard link to the binary works),
/// removed on drop.
struct BuildTemp(PathBuf);

impl BuildTemp {
    fn join(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }
}

impl Drop for BuildTemp {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn target_temp() -> BuildTemp {
    let name = TempDir::new(); // a unique name; the directory itself is elsewhere
    let unique = name.path().file_name().expect("a name").to_owned();
    let path = Path::new(env!("CARGO_TARGET_TMPDIR")).join(unique);
    std::fs::create_dir_all(&path).expect("temp dir beside the build");
    BuildTemp(path)
}

/// The tool at `name` when installed; `None` (the test skips) unless CI is set, where
/// a missing tool fails the test: `.ci/run` installs it.
#[allow(clippy::print_stdout)] // says why a check was skipped
fn tool(name: &str) -> Option<PathBuf> {
    let found = ["/usr/bin", "/bin", "/usr/local/bin"]
        .iter()
        .map(|dir| Path::new(dir).join(name))
        .find(|path| path.is_file());
    if found.is_none() {
        assert!(
            std::env::var_os("CI").is_none(),
            "{name} is not installed but CI is set; .ci/run should install it"
        );
        println!("skipped: {name} is not installed");
    }
    found
}

fn run_with_stdin(cmd: &mut Command, input: &str) -> Output {
    use std::io::Write;
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(input.as_bytes())
        .expect("write stdin");
    child.wait_with_output().expect("wait")
}

// ---- launchd ----

/// The text of each `<string>` right after `<key>name</key>`'s opening tag, XML
/// entities decoded: enough of a plist reader for these files.
fn plist_strings(plist: &str, key: &str) -> Vec<String> {
    let start = plist
        .find(&format!("<key>{key}</key>"))
        .unwrap_or_else(|| panic!("no key {key}"));
    let rest = &plist[start..];
    let end = rest[1..].find("<key>").map_or(rest.len(), |i| i + 1);
    rest[..end]
        .split("<string>")
        .skip(1)
        .map(|s| decode_xml(s.split("</string>").next().expect("closed")))
        .collect()
}

fn decode_xml(text: &str) -> String {
    text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&apos;", "'")
        .replace("&amp;", "&")
}

fn check_plist(binary: &Path) {
    let home = Home::new();
    let plist = print(binary, &home, "launchd");
    if let Some(xmllint) = tool("xmllint") {
        let out = run_with_stdin(Command::new(xmllint).args(["--noout", "-"]), &plist);
        assert!(out.status.success(), "xmllint: {out:?}\n{plist}");
    }
    let binary = binary.to_str().expect("UTF-8 path").to_owned();
    assert_eq!(
        plist_strings(&plist, "ProgramArguments"),
        [binary, "daemon".to_owned()]
    );
    assert_eq!(
        plist_strings(&plist, "Label"),
        ["ai.2lab.claude-token-cli.daemon"]
    );
    let log = home.path().join("Library/Logs/claude-token-daemon.log");
    assert_eq!(
        plist_strings(&plist, "StandardErrorPath"),
        [log.to_str().expect("UTF-8")]
    );
    assert!(plist.contains("<key>RunAtLoad</key>\n\t<true/>"), "{plist}");
    assert!(plist.contains("<key>KeepAlive</key>"), "{plist}");
}

#[test]
fn launchd_plist_is_well_formed_and_runs_the_real_binary() {
    check_plist(&built_binary());
}

#[test]
fn launchd_plist_escapes_an_awkward_path() {
    let dir = target_temp();
    check_plist(&awkward_copy(&dir));
}

// ---- systemd ----

/// Splits printed units at their `# ~/.config/systemd/user/<name>` header lines.
fn split_units(text: &str) -> Vec<(String, String)> {
    let mut units: Vec<(String, String)> = Vec::new();
    for line in text.lines() {
        if let Some(name) = line.strip_prefix("# ~/.config/systemd/user/") {
            units.push((name.to_owned(), String::new()));
        }
        let (_, body) = units.last_mut().expect("a header line comes first");
        body.push_str(line);
        body.push('\n');
    }
    units
}

/// Writes the units into a directory and runs `systemd-analyze verify` on them.
fn verify_units(units: &[(String, String)]) {
    let Some(analyze) = tool("systemd-analyze") else {
        return;
    };
    let dir = TempDir::new();
    let paths: Vec<PathBuf> = units
        .iter()
        .map(|(name, body)| {
            let path = dir.join(name);
            std::fs::write(&path, body).expect("write unit");
            path
        })
        .collect();
    let out = Command::new(analyze)
        .arg("verify")
        .args(&paths)
        .output()
        .expect("run systemd-analyze");
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success() && said.trim().is_empty(),
        "{said}\n{units:#?}"
    );
}

/// The `ExecStart=` words as systemd reads them (double quotes, `%%`).
fn exec_start_words(unit: &str) -> Vec<String> {
    let line = unit
        .lines()
        .find_map(|l| l.strip_prefix("ExecStart="))
        .expect("ExecStart");
    let mut words = Vec::new();
    let mut rest = line;
    while !rest.is_empty() {
        let (word, tail) = if let Some(quoted) = rest.strip_prefix('"') {
            let end = quoted.find('"').expect("closing quote");
            (&quoted[..end], &quoted[end + 1..])
        } else {
            rest.split_once(' ').unwrap_or((rest, ""))
        };
        words.push(unescape_specifiers(word));
        rest = tail.trim_start();
    }
    words
}

/// `%%` as `%`; any other `%` would be a specifier, which these units never use.
fn unescape_specifiers(word: &str) -> String {
    let mut out = String::new();
    let mut chars = word.chars();
    while let Some(c) = chars.next() {
        if c == '%' {
            assert_eq!(chars.next(), Some('%'), "a specifier in {word:?}");
        }
        out.push(c);
    }
    out
}

fn check_systemd(binary: &Path) {
    let home = Home::new();
    let text = print(binary, &home, "systemd");
    let units = split_units(&text);
    assert_eq!(units.len(), 1);
    let (name, unit) = &units[0];
    assert_eq!(name, "claude-token.service");
    let exe = binary.to_str().expect("UTF-8").to_owned();
    assert_eq!(exec_start_words(unit), [exe, "daemon".to_owned()]);
    for line in [
        "Type=simple",
        "Restart=on-failure",
        "WantedBy=default.target",
    ] {
        assert!(unit.lines().any(|l| l == line), "{line} missing:\n{unit}");
    }
    verify_units(&units);
}

fn check_systemd_timer(binary: &Path) {
    let home = Home::new();
    let text = print(binary, &home, "systemd-timer");
    let units = split_units(&text);
    let names: Vec<&str> = units.iter().map(|(name, _)| name.as_str()).collect();
    assert_eq!(
        names,
        ["claude-token-refresh.service", "claude-token-refresh.timer"]
    );
    let exe = binary.to_str().expect("UTF-8").to_owned();
    assert_eq!(
        exec_start_words(&units[0].1),
        [exe, "refresh".to_owned(), "--all".to_owned()]
    );
    assert!(units[0].1.contains("Type=oneshot\n"));
    for line in [
        "OnCalendar=*:0/30",
        "Persistent=true",
        "WantedBy=timers.target",
    ] {
        assert!(units[1].1.lines().any(|l| l == line), "{line} missing");
    }
    verify_units(&units);
}

#[test]
fn systemd_service_verifies_and_runs_the_real_binary() {
    check_systemd(&built_binary());
}

#[test]
fn systemd_timer_and_its_service_verify() {
    check_systemd_timer(&built_binary());
}

#[test]
fn systemd_units_quote_an_awkward_path() {
    let dir = target_temp();
    let exe = awkward_copy(&dir);
    check_systemd(&exe);
    check_systemd_timer(&exe);
}

// ---- cron ----

/// One crontab field: `*`, `N`, `N-M`, each optionally `/STEP`, comma-separated, with
/// every number inside `lo..=hi`.
fn cron_field_ok(field: &str, lo: u32, hi: u32) -> bool {
    let number = |s: &str| s.parse::<u32>().ok().filter(|n| (lo..=hi).contains(n));
    field.split(',').all(|item| {
        let (range, step) = item
            .split_once('/')
            .map_or((item, None), |(r, s)| (r, Some(s)));
        let step_ok = step.is_none_or(|s| s.parse::<u32>().is_ok_and(|n| n > 0));
        let range_ok = range == "*"
            || number(range).is_some()
            || range.split_once('-').is_some_and(
                |(a, b)| matches!((number(a), number(b)), (Some(a), Some(b)) if a <= b),
            );
        step_ok && range_ok
    })
}

/// The entry lines of a crontab (no comments, no blanks): five valid schedule fields
/// and the command, with cron's own `\%` escape undone.
fn parse_crontab(text: &str) -> Vec<([String; 5], String)> {
    assert!(text.ends_with('\n'), "crontab needs a final newline");
    let limits = [(0, 59), (0, 23), (1, 31), (1, 12), (0, 7)];
    text.lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .map(|line| {
            let mut parts = line.splitn(6, ' ');
            let fields: [String; 5] =
                std::array::from_fn(|_| parts.next().expect("five fields").to_owned());
            for (field, (lo, hi)) in fields.iter().zip(limits) {
                assert!(
                    cron_field_ok(field, lo, hi),
                    "bad field {field:?} in {line}"
                );
            }
            let command = parts.next().expect("a command");
            assert!(
                !command.replace("\\%", "").contains('%'),
                "an unescaped % would cut the command: {line}"
            );
            (fields, command.replace("\\%", "%"))
        })
        .collect()
}

fn check_cron(binary: &Path) {
    let home = Home::new();
    let text = print(binary, &home, "cron");
    let entries = parse_crontab(&text);
    assert_eq!(entries.len(), 1, "{text}");
    let (fields, command) = &entries[0];
    assert_eq!(fields, &["*/30", "*", "*", "*", "*"].map(String::from));
    let prefix = command
        .strip_suffix(" refresh --all")
        .unwrap_or_else(|| panic!("runs refresh --all: {command}"));
    // What sh makes of the binary's word: run it with --version instead.
    let out = Command::new("/bin/sh")
        .args(["-c", &format!("{prefix} --version")])
        .env_clear()
        .output()
        .expect("run sh");
    assert!(out.status.success(), "{command}: {out:?}");
    assert!(stdout(&out).starts_with("claude-token "), "{out:?}");
}

#[test]
fn cron_line_parses_and_runs_the_real_binary() {
    check_cron(&built_binary());
}

#[test]
fn cron_line_quotes_an_awkward_path() {
    let dir = target_temp();
    check_cron(&awkward_copy(&dir));
}

#[test]
fn the_field_checker_refuses_bad_schedules() {
    assert!(cron_field_ok("*/30", 0, 59));
    assert!(cron_field_ok("0,30", 0, 59));
    assert!(cron_field_ok("1-5/2", 0, 59));
    for bad in ["*/0", "60", "5-1", "", "x", "*/", "-1", "1-"] {
        assert!(!cron_field_ok(bad, 0, 59), "{bad:?}");
    }
}

#[test]
fn a_path_systemd_cannot_run_is_refused_not_mangled() {
    let dir = target_temp();
    let sub = dir.join("it's");
    std::fs::create_dir(&sub).expect("dir");
    let exe = sub.join("claude-token");
    if std::fs::hard_link(built_binary(), &exe).is_err() {
        std::fs::copy(built_binary(), &exe).expect("copy the binary");
    }
    let home = Home::new();
    let out = Command::new(&exe)
        .args(["daemon", "--print", "systemd"])
        .env_clear()
        .env("HOME", home.path())
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(
        said.contains("systemd cannot run a program whose path holds a quote or a backslash"),
        "{said}"
    );
    // The other formats take it.
    for kind in ["launchd", "cron"] {
        print(&exe, &home, kind);
    }
}
