//! Tests for `cli`: the grammar through one `check` helper, every usage error's exact
//! message, suggestions, help texts against golden files, and the real binary.
//!
//! `UPDATE_GOLDEN=1 cargo test` rewrites `tests/golden/help/`; otherwise a help text
//! that differs from its file fails.

use claude_token::cli::{
    self, Command, Format, Global, Invocation, Parsed, RefreshTarget, Service, SlotName, SlotRef,
    Source,
};
use std::ffi::OsString;
use std::os::unix::ffi::OsStringExt;
use std::path::PathBuf;
use std::process::Output;

const COMMANDS: [&str; 10] = [
    "add", "list", "use", "refresh", "usage", "daemon", "export", "remove", "exec", "help",
];

fn parse(argv: &[&str]) -> Result<Parsed, claude_token::Error> {
    cli::parse(argv.iter().map(OsString::from))
}

/// `argv` parses to `command` under `global`.
fn check_with(argv: &[&str], global: Global, command: Command) {
    match parse(argv) {
        Ok(parsed) => assert_eq!(
            parsed,
            Parsed::Run(Invocation { global, command }),
            "{argv:?}"
        ),
        Err(err) => panic!("{argv:?} failed: {err}"),
    }
}

/// `argv` parses to `command` with default global flags.
fn check(argv: &[&str], command: Command) {
    check_with(argv, Global::default(), command);
}

/// `argv` is a usage error (exit 2) with exactly this message and no hint line.
fn check_err(argv: &[&str], message: &str) {
    match parse(argv) {
        Ok(parsed) => panic!("{argv:?} parsed as {parsed:?}"),
        Err(err) => {
            assert_eq!(err.to_string(), message, "{argv:?}");
            assert_eq!(err.exit_code(), 2, "{argv:?}");
            assert_eq!(err.hint(), None, "{argv:?}");
        }
    }
}

fn name(text: &str) -> SlotName {
    SlotName::parse(text).expect("valid test name")
}

fn by_name(text: &str) -> SlotRef {
    SlotRef::Name(name(text))
}

fn list() -> Command {
    Command::List {
        debug: false,
        detail: false,
        no_usage: false,
    }
}

#[test]
fn no_command_means_list_with_defaults() {
    check(&[], list());
    let json = Global {
        format: Format::Json,
        verbosity: 1,
    };
    check_with(&["--format", "json", "-v"], json, list());
}

#[test]
fn global_flags_work_before_and_after_the_command() {
    let json = Global {
        format: Format::Json,
        verbosity: 2,
    };
    let slot = Command::Use {
        slot: by_name("work"),
    };
    check_with(
        &["--format=json", "-vv", "use", "work"],
        json.clone(),
        slot.clone(),
    );
    check_with(
        &["use", "work", "-v", "--format", "json", "-v"],
        json.clone(),
        slot.clone(),
    );
    check_with(&["-v", "use", "--format=json", "-v", "work"], json, slot);
}

#[test]
fn verbosity_is_capped_at_two() {
    let vv = Global {
        format: Format::Pretty,
        verbosity: 2,
    };
    check_with(&["-vvv"], vv.clone(), list());
    check_with(&["-v", "-v", "-v", "-v"], vv.clone(), list());
    check_with(&["--verbose", "-vv"], vv, list());
}

#[test]
fn add_takes_source_path_and_name() {
    check(
        &["add"],
        Command::Add {
            from: None,
            path: None,
            name: None,
        },
    );
    let full = Command::Add {
        from: Some(Source::File),
        path: Some(PathBuf::from("/tmp/c.json")),
        name: Some(name("team-2")),
    };
    check(
        &[
            "add",
            "--from",
            "file",
            "--path",
            "/tmp/c.json",
            "--name",
            "team-2",
        ],
        full.clone(),
    );
    check(
        &["add", "--name=team-2", "--path=/tmp/c.json", "--from=file"],
        full,
    );
    let keychain = Command::Add {
        from: Some(Source::Keychain),
        path: None,
        name: None,
    };
    check(&["add", "--from", "keychain"], keychain);
}

#[test]
fn path_values_may_start_with_a_dash_or_be_non_utf8() {
    let dash = Command::Export {
        slot: by_name("a"),
        path: Some(PathBuf::from("-out")),
        force: false,
    };
    check(&["export", "a", "--path", "-out"], dash);
    let raw = OsString::from_vec(b"/tmp/\xff".to_vec());
    let argv = vec!["export".into(), "#1".into(), "--path".into(), raw.clone()];
    let parsed = cli::parse(argv).expect("non-UTF-8 path is fine");
    let expected = Command::Export {
        slot: SlotRef::Index(1),
        path: Some(PathBuf::from(raw)),
        force: false,
    };
    assert_eq!(
        parsed,
        Parsed::Run(Invocation {
            global: Global::default(),
            command: expected
        })
    );
}

#[test]
fn list_switches() {
    check(
        &["list", "--debug", "--no-usage"],
        Command::List {
            debug: true,
            detail: false,
            no_usage: true,
        },
    );
    check(
        &["list", "--detail", "--detail"],
        Command::List {
            debug: false,
            detail: true,
            no_usage: false,
        },
    );
}

#[test]
fn slots_are_named_or_numbered() {
    check(
        &["use", "#1"],
        Command::Use {
            slot: SlotRef::Index(1),
        },
    );
    check(
        &["use", "#99"],
        Command::Use {
            slot: SlotRef::Index(99),
        },
    );
    check(
        &["use", "#007"],
        Command::Use {
            slot: SlotRef::Index(7),
        },
    );
    check(
        &["use", "#4294967295"],
        Command::Use {
            slot: SlotRef::Index(u32::MAX),
        },
    );
    check(&["use", "0"], Command::Use { slot: by_name("0") });
    check(
        &["use", "a_b-c"],
        Command::Use {
            slot: by_name("a_b-c"),
        },
    );
    check(
        &["use", &"z".repeat(32)],
        Command::Use {
            slot: by_name(&"z".repeat(32)),
        },
    );
    check(&["use", "--", "x"], Command::Use { slot: by_name("x") });
    check(
        &["remove", "#2", "--yes"],
        Command::Remove {
            slot: SlotRef::Index(2),
            yes: true,
        },
    );
    check(
        &["remove", "old"],
        Command::Remove {
            slot: by_name("old"),
            yes: false,
        },
    );
    check(
        &["export", "old"],
        Command::Export {
            slot: by_name("old"),
            path: None,
            force: false,
        },
    );
    check(
        &["export", "old", "--force"],
        Command::Export {
            slot: by_name("old"),
            path: None,
            force: true,
        },
    );
}

#[test]
fn refresh_targets_active_one_or_all() {
    check(
        &["refresh"],
        Command::Refresh {
            target: RefreshTarget::Active,
            force: false,
        },
    );
    let one = RefreshTarget::One(by_name("work"));
    check(
        &["refresh", "work", "--force"],
        Command::Refresh {
            target: one,
            force: true,
        },
    );
    let third = RefreshTarget::One(SlotRef::Index(3));
    check(
        &["refresh", "#3"],
        Command::Refresh {
            target: third,
            force: false,
        },
    );
    check(
        &["refresh", "--all"],
        Command::Refresh {
            target: RefreshTarget::All,
            force: false,
        },
    );
}

#[test]
fn usage_and_daemon() {
    check(&["usage"], Command::Usage { slot: None });
    check(
        &["usage", "#2"],
        Command::Usage {
            slot: Some(SlotRef::Index(2)),
        },
    );
    check(
        &["usage", "me"],
        Command::Usage {
            slot: Some(by_name("me")),
        },
    );
    check(&["daemon"], Command::Daemon { print: None });
}

#[test]
fn daemon_print_takes_each_service_kind() {
    let kinds = [
        ("launchd", Service::Launchd),
        ("systemd", Service::Systemd),
        ("systemd-timer", Service::SystemdTimer),
        ("cron", Service::Cron),
    ];
    for (word, kind) in kinds {
        let print = Some(kind);
        check(&["daemon", "--print", word], Command::Daemon { print });
        check(
            &["daemon", &format!("--print={word}")],
            Command::Daemon { print },
        );
        assert_eq!(kind.as_str(), word);
    }
}

#[test]
fn version_and_help_end_parsing_whatever_follows() {
    assert_eq!(parse(&["--version"]).ok(), Some(Parsed::Version));
    assert_eq!(parse(&["use", "-V", "--bogus"]).ok(), Some(Parsed::Version));
    let top = parse(&["-h", "--bogus"]).expect("help");
    assert_eq!(top, parse(&["--help"]).expect("help"));
    assert_eq!(top, parse(&["help"]).expect("help"));
    let use_help = parse(&["use", "--help"]).expect("help");
    assert_eq!(use_help, parse(&["help", "use"]).expect("help"));
    assert_eq!(
        use_help,
        parse(&["--format=json", "use", "-h", "a", "b"]).expect("help")
    );
    assert_ne!(use_help, top);
}

#[test]
fn usage_errors_have_exact_messages() {
    let cases: &[(&[&str], &str)] = &[
        (&["use"], "`use` needs a slot: claude-token use <NAME|#N>"),
        (&["export"], "`export` needs a slot: claude-token export <NAME|#N> [--path FILE] [--force]"),
        (&["remove", "--yes"], "`remove` needs a slot: claude-token remove <NAME|#N> [--yes]"),
        (&["use", "a", "b"], "unexpected argument 'b' for `use`: claude-token use <NAME|#N>"),
        (&["daemon", "x"], "unexpected argument 'x' for `daemon`: claude-token daemon [--print launchd|systemd|systemd-timer|cron]"),
        (&["daemon", "--print", "upstart"], "invalid service 'upstart': use launchd, systemd, systemd-timer or cron"),
        (&["daemon", "--print", "Cron"], "invalid service 'Cron': use launchd, systemd, systemd-timer or cron"),
        (&["daemon", "--print="], "invalid service '': use launchd, systemd, systemd-timer or cron"),
        (&["daemon", "--print"], "flag --print needs a value"),
        (&["daemon", "--print", "cron", "--print", "cron"], "flag --print is given twice"),
        (&["refresh", "--print", "cron"], "flag --print is not valid with `refresh`; it belongs to daemon"),
        (&["list", "x"], "unexpected argument 'x' for `list`: claude-token list [--debug] [--detail] [--no-usage]"),
        (&["usage", "a", "b"], "unexpected argument 'b' for `usage`: claude-token usage [NAME|#N]"),
        (&["help", "use", "x"], "unexpected argument 'x' for `help`: claude-token help [COMMAND]"),
        (&["refresh", "work", "--all"], "`refresh` takes a slot or --all, not both: claude-token refresh [NAME|#N|--all] [--force]"),
        (&["refresh", "--all", "#1"], "`refresh` takes a slot or --all, not both: claude-token refresh [NAME|#N|--all] [--force]"),
        (&["use", "#0"], "invalid slot number '#0': slots count from #1"),
        (&["use", "#00"], "invalid slot number '#00': slots count from #1"),
        (&["use", "#-1"], "invalid slot number '#-1': write # and a number, like #2"),
        (&["use", "#+1"], "invalid slot number '#+1': write # and a number, like #2"),
        (&["use", "#abc"], "invalid slot number '#abc': write # and a number, like #2"),
        (&["use", "#"], "invalid slot number '#': write # and a number, like #2"),
        (&["use", "#4294967296"], "invalid slot number '#4294967296': too large"),
        (&["use", "all"], "'all' is reserved and cannot name a slot"),
        (&["usage", "Work"], "invalid slot name 'Work': use 1 to 32 of a-z, 0-9, '-' and '_', starting with a letter or digit"),
        (&["use", "-"], "invalid slot name '-': use 1 to 32 of a-z, 0-9, '-' and '_', starting with a letter or digit"),
        (&["use", ""], "invalid slot name '': use 1 to 32 of a-z, 0-9, '-' and '_', starting with a letter or digit"),
        (&["use", "_a"], "invalid slot name '_a': use 1 to 32 of a-z, 0-9, '-' and '_', starting with a letter or digit"),
        (&["add", "--name", "#2"], "flag --name takes a slot name, not a number like '#2'"),
        (&["add", "--name", "all"], "'all' is reserved and cannot name a slot"),
        (&["add", "--name"], "flag --name needs a value"),
        (&["add", "--from", "disk"], "invalid source 'disk': use keychain or file"),
        (&["add", "--path="], "flag --path needs a file name"),
        (&["add", "--path", "a", "--path", "b"], "flag --path is given twice"),
        (&["--format", "json", "list", "--format=pretty"], "flag --format is given twice"),
        (&["--format", "xml"], "invalid format 'xml': use pretty or json"),
        (&["--format="], "invalid format '': use pretty or json"),
        (&["--format"], "flag --format needs a value"),
        (&["remove", "x", "--yes=no"], "flag --yes does not take a value"),
        (&["-v=2"], "flag -v does not take a value"),
        (&["--=x"], "argument 1 has no flag name before '='"),
        (&["lsit"], "unknown command 'lsit'; did you mean list?"),
        (&["remvoe", "x"], "unknown command 'remvoe'; did you mean remove?"),
        (&["frobnicate"], "unknown command 'frobnicate'; see claude-token --help"),
        (&["help", "expotr"], "unknown command 'expotr'; did you mean export?"),
        (&["refresh", "--forse"], "unknown flag '--forse'; did you mean --force?"),
        (&["list", "--detial"], "unknown flag '--detial'; did you mean --detail?"),
        (&["--fromat", "json"], "unknown flag '--fromat'; did you mean --format?"),
        (&["use", "--bogus"], "unknown flag '--bogus'; see claude-token use --help"),
        (&["--bogus"], "unknown flag '--bogus'; see claude-token --help"),
        (&["use", "-y"], "unknown flag '-y'; see claude-token use --help"),
        (&["-="], "unknown flag '-='; see claude-token --help"),
        (&["list", "--all"], "flag --all is not valid with `list`; it belongs to refresh"),
        (&["use", "a", "--force"], "flag --force is not valid with `use`; it belongs to refresh and export"),
        (&["--path", "x", "add"], "flag --path is not valid before a command; it belongs to add and export"),
        (&["use", "a\u{1b}[2J"], "invalid slot name 'a\\u{1b}[2J': use 1 to 32 of a-z, 0-9, '-' and '_', starting with a letter or digit"),
    ];
    for &(argv, message) in cases {
        check_err(argv, message);
    }
}

#[test]
fn suggestions_come_only_from_flags_valid_at_that_position() {
    // `--forse` is one edit from `refresh --force`, but `list` has no such flag.
    check_err(
        &["list", "--forse"],
        "unknown flag '--forse'; see claude-token list --help",
    );
    check_err(
        &["--forse"],
        "unknown flag '--forse'; see claude-token --help",
    );
    // Global flags are suggested after any command.
    check_err(
        &["remove", "x", "--verbos"],
        "unknown flag '--verbos'; did you mean --verbose?",
    );
}

#[test]
fn slot_names_follow_the_rule() {
    let long = "a".repeat(33);
    for bad in [
        "",
        "A",
        "-a",
        "_a",
        "a.b",
        "a b",
        "é",
        "all",
        long.as_str(),
        "#1",
    ] {
        assert!(SlotName::parse(bad).is_err(), "{bad:?} accepted");
    }
    for good in [
        "a",
        "0",
        "a-",
        "a_",
        "9-lives",
        "al",
        "alll",
        &"a".repeat(32),
    ] {
        assert_eq!(
            SlotName::parse(good).map(|n| n.as_str().to_owned()),
            Ok(good.to_owned())
        );
    }
}

#[test]
fn non_utf8_slot_or_command_is_a_usage_error_naming_the_position() {
    let raw = || OsString::from_vec(b"w\xffrk".to_vec());
    let err = cli::parse(vec!["use".into(), raw()]).expect_err("non-UTF-8 slot");
    assert_eq!(
        err.to_string(),
        "argument 2 is not valid UTF-8: 'w\u{fffd}rk'"
    );
    let err = cli::parse(vec!["-v".into(), raw()]).expect_err("non-UTF-8 command");
    assert_eq!(
        err.to_string(),
        "argument 2 is not valid UTF-8: 'w\u{fffd}rk'"
    );
    let argv = vec!["add".into(), "--name".into(), raw()];
    let err = cli::parse(argv).expect_err("non-UTF-8 name");
    assert_eq!(
        err.to_string(),
        "argument 3 is not valid UTF-8: 'w\u{fffd}rk'"
    );
}

#[test]
fn every_invocation_renders_to_an_argv_that_parses_back() {
    let argvs: &[&[&str]] = &[
        &[],
        &[
            "-vvv",
            "--format=json",
            "add",
            "--from=file",
            "--path=-p",
            "--name=x",
        ],
        &["list", "--debug", "--detail", "--no-usage"],
        &["refresh", "#2", "--force"],
        &["refresh", "--all"],
        &["usage"],
        &["usage", "#5"],
        &["export", "a", "--path", "--"],
        &["export", "#1", "--force"],
        &["remove", "b", "--yes"],
        &["daemon", "-v"],
        &["daemon", "--print=systemd-timer"],
        &["exec", "a", "claude", "-p", "--", "--fd"],
        &["exec", "--fd", "#2", "--", "-x"],
    ];
    for argv in argvs {
        let Ok(Parsed::Run(invocation)) = parse(argv) else {
            panic!("{argv:?} does not run")
        };
        let again = cli::parse(invocation.to_args()).expect("canonical argv parses");
        assert_eq!(again, Parsed::Run(invocation), "{argv:?}");
    }
}

fn exec(slot: SlotRef, fd: bool, command: &[&str]) -> Command {
    Command::Exec {
        slot,
        fd,
        command: command.iter().map(OsString::from).collect(),
    }
}

#[test]
fn exec_takes_a_slot_then_a_command_whose_flags_are_its_own() {
    check(
        &["exec", "bob", "claude", "-p", "say hi"],
        exec(by_name("bob"), false, &["claude", "-p", "say hi"]),
    );
    check(
        &["exec", "bob", "--fd", "--", "claude", "--fd", "-v"],
        exec(by_name("bob"), true, &["claude", "--fd", "-v"]),
    );
    check(
        &["exec", "--fd", "#2", "sh", "--help"],
        exec(SlotRef::Index(2), true, &["sh", "--help"]),
    );
    check(
        &["exec", "bob", "--", "--weird"],
        exec(by_name("bob"), false, &["--weird"]),
    );
    let global = Global {
        verbosity: 1,
        ..Global::default()
    };
    check_with(
        &["exec", "-v", "bob", "env", "-v"],
        global,
        exec(by_name("bob"), false, &["env", "-v"]),
    );
}

#[test]
fn exec_needs_a_slot_and_a_command() {
    check_err(
        &["exec"],
        "`exec` needs a slot: claude-token exec <NAME|#N> [--fd] [--] COMMAND [ARGS...]",
    );
    check_err(
        &["exec", "bob"],
        "`exec` needs a command to run: claude-token exec <NAME|#N> [--fd] [--] COMMAND [ARGS...]",
    );
    check_err(
        &["exec", "bob", "--fdd"],
        "unknown flag '--fdd'; did you mean --fd?",
    );
}

// ---- help texts against golden files ----

fn golden_path(topic: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden/help")
        .join(format!("{topic}.txt"))
}

/// Compares `actual` with the golden file, or rewrites it under `UPDATE_GOLDEN=1`.
fn check_golden(topic: &str, actual: &str) {
    let path = golden_path(topic);
    if std::env::var_os("UPDATE_GOLDEN").is_some_and(|v| v == "1") {
        std::fs::write(&path, actual).expect("write golden file");
        return;
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "{}: {e} (run with UPDATE_GOLDEN=1 to create it)",
            path.display()
        )
    });
    assert_eq!(
        actual,
        expected,
        "help for {topic} differs from {}",
        path.display()
    );
}

fn help_text(argv: &[&str]) -> String {
    match parse(argv) {
        Ok(Parsed::Help(text)) => text,
        other => panic!("{argv:?} gave {other:?}, not help"),
    }
}

#[test]
fn top_level_help_matches_its_golden_file() {
    check_golden("claude-token", &help_text(&["--help"]));
}

#[test]
fn every_command_help_matches_its_golden_file() {
    for command in COMMANDS {
        let text = help_text(&["help", command]);
        assert_eq!(text, help_text(&[command, "--help"]), "{command}");
        assert_eq!(text, help_text(&[command, "-h"]), "{command}");
        assert!(
            text.starts_with(&format!("Usage: claude-token {command}")),
            "{text}"
        );
        check_golden(command, &text);
    }
}

#[test]
fn golden_directory_holds_exactly_one_file_per_help_topic() {
    let dir = golden_path("x").parent().expect("golden dir").to_owned();
    let mut found: Vec<String> = std::fs::read_dir(&dir)
        .expect("golden dir exists")
        .map(|entry| {
            entry
                .expect("dir entry")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    found.sort();
    let mut expected: Vec<String> = COMMANDS
        .iter()
        .chain(&["claude-token"])
        .map(|t| format!("{t}.txt"))
        .collect();
    expected.sort();
    assert_eq!(found, expected);
}

#[test]
fn top_level_help_lists_every_command_and_environment_variable() {
    let text = help_text(&["-h"]);
    let words = COMMANDS.iter().copied().chain([
        "CLAUDE_TOKEN_CONFIG_DIR",
        "CLAUDE_TOKEN_DATA_DIR",
        "CLAUDE_TOKEN_HOME_DIR",
        "CLAUDE_TOKEN_FILE_BACKEND",
        "CLAUDE_CONFIG_DIR",
        "CLAUDE_TOKEN_REFRESH_INTERVAL_MINUTES",
        "NO_COLOR",
    ]);
    for word in words {
        assert!(
            text.lines().any(|line| line.trim_start().starts_with(word)),
            "{word} missing"
        );
    }
}

// ---- the real binary ----

fn run_binary(argv: Vec<OsString>) -> Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_claude-token"))
        .args(argv)
        .env_clear()
        .output()
        .expect("run claude-token")
}

fn run_str(argv: &[&str]) -> Output {
    run_binary(argv.iter().map(OsString::from).collect())
}

fn stdout(out: &Output) -> String {
    String::from_utf8(out.stdout.clone()).expect("UTF-8 stdout")
}

fn stderr(out: &Output) -> String {
    String::from_utf8(out.stderr.clone()).expect("UTF-8 stderr")
}

#[test]
fn binary_prints_help_and_exits_zero() {
    let out = run_str(&["--help"]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(stdout(&out), help_text(&["--help"]));
    assert_eq!(stderr(&out), "");
    let out = run_str(&["help", "use"]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(stdout(&out), help_text(&["use", "--help"]));
}

#[test]
fn binary_prints_its_version() {
    let out = run_str(&["--version"]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        stdout(&out),
        format!("claude-token {}\n", env!("CARGO_PKG_VERSION"))
    );
}

#[test]
fn binary_reports_unknown_command_on_one_line_with_exit_two() {
    let out = run_str(&["lsit"]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(stdout(&out), "");
    assert_eq!(
        stderr(&out),
        "claude-token: unknown command 'lsit'; did you mean list?\n"
    );
}

#[test]
fn binary_refuses_non_utf8_argv_with_exit_two() {
    let out = run_binary(vec!["use".into(), OsString::from_vec(b"\xff".to_vec())]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        stderr(&out),
        "claude-token: argument 2 is not valid UTF-8: '\u{fffd}'\n"
    );
}
