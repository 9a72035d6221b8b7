//! Claude Code's Keychain item through a fake `security`: item names, exact command
//! lines and stdin, quoting as `security -i` splits words, what `-w` prints, exit
//! statuses, and that the secret never reaches argv or an error message.

use claude_token::store::keychain::security_cli::{
    self, decode_password, quote, SecurityCall, SecurityOutput, MAX_INTERACTIVE_LINE,
};
use claude_token::store::keychain::{
    account_name, claude_service, ClaudeItem, ClaudeKeychainStore, SecurityRunner,
};
use claude_token::store::{Blob, Store, StoreId};
use std::cell::RefCell;
use std::collections::VecDeque;
use std::ffi::{OsStr, OsString};
use std::io;
use std::os::unix::ffi::OsStrExt;
use std::rc::Rc;

use super::security_tool::split_like_security;

/// Records every call and answers with queued outputs.
#[derive(Debug, Default, Clone)]
pub struct FakeSecurity(Rc<FakeState>);

#[derive(Debug, Default)]
pub struct FakeState {
    calls: RefCell<Vec<SecurityCall>>,
    answers: RefCell<VecDeque<io::Result<SecurityOutput>>>,
}

impl FakeSecurity {
    pub fn answer(&self, status: Option<i32>, stdout: &[u8]) {
        let output = SecurityOutput {
            status,
            stdout: Blob::from(stdout),
        };
        self.0.answers.borrow_mut().push_back(Ok(output));
    }

    pub fn fail(&self, err: io::Error) {
        self.0.answers.borrow_mut().push_back(Err(err));
    }

    pub fn calls(&self) -> Vec<SecurityCall> {
        self.0.calls.borrow().clone()
    }
}

impl SecurityRunner for FakeSecurity {
    fn run(&self, call: &SecurityCall) -> io::Result<SecurityOutput> {
        self.0.calls.borrow_mut().push(call.clone());
        self.0
            .answers
            .borrow_mut()
            .pop_front()
            .expect("an answer was queued")
    }
}

const SECRET: &[u8] = br#"{"claudeAiOauth":{"refreshToken":"sk-ant-ort01-SECRET"}}"#;

fn item(account: &str) -> ClaudeItem {
    ClaudeItem {
        service: "Claude Code-credentials".into(),
        account: account.into(),
    }
}

fn args(call: &SecurityCall) -> Vec<&str> {
    call.args.iter().map(String::as_str).collect()
}

fn stdin_text(call: &SecurityCall) -> String {
    String::from_utf8(call.stdin.as_ref().unwrap().as_bytes().to_vec()).unwrap()
}

#[test]
fn service_for_claude_config_dir_has_the_sha256_suffix() {
    // printf %s /tmp/x | sha256sum -> 2e56aa36f538...
    let service = claude_service(None, Some(OsStr::new("/tmp/x")));
    assert_eq!(service, "Claude Code-credentials-2e56aa36");
}

#[test]
fn secure_storage_dir_wins_over_the_config_dir() {
    // printf %s /Users/a/claude-secure | sha256sum -> 0bcb5cffa532...
    let service = claude_service(
        Some(OsStr::new("/Users/a/claude-secure")),
        Some(OsStr::new("/tmp/x")),
    );
    assert_eq!(service, "Claude Code-credentials-0bcb5cff");
}

#[test]
fn secure_storage_dir_set_empty_means_no_suffix() {
    let service = claude_service(Some(OsStr::new("")), Some(OsStr::new("/tmp/x")));
    assert_eq!(service, "Claude Code-credentials");
}

#[test]
fn no_directory_variables_means_the_plain_service() {
    assert_eq!(claude_service(None, None), "Claude Code-credentials");
    assert_eq!(
        claude_service(None, Some(OsStr::new(""))),
        "Claude Code-credentials"
    );
}

#[test]
fn account_is_user_else_login_name_else_the_fallback() {
    let login = || Some(OsString::from("login.name"));
    let none = || None;
    assert_eq!(account_name(Some(OsStr::new("alice")), &login), "alice");
    assert_eq!(account_name(Some(OsStr::new("")), &login), "login.name");
    assert_eq!(account_name(None, &login), "login.name");
    assert_eq!(account_name(None, &none), "claude-code-user");
    assert_eq!(account_name(Some(OsStr::new("a_b-C.9")), &none), "a_b-C.9");
    for bad in ["al ice", "josé", "a\"b", "a\nb"] {
        assert_eq!(
            account_name(Some(OsStr::new(bad)), &login),
            "claude-code-user"
        );
    }
    let non_utf8 = OsStr::from_bytes(b"al\xffce");
    assert_eq!(account_name(Some(non_utf8), &login), "claude-code-user");
}

#[test]
fn item_from_env_reads_the_three_variables() {
    let env = |name: &str| match name {
        "CLAUDE_CONFIG_DIR" => Some(OsString::from("/tmp/x")),
        "USER" => Some(OsString::from("alice")),
        _ => None,
    };
    let item = ClaudeItem::from_env(&env, &|| panic!("USER is set"));
    assert_eq!(item.service, "Claude Code-credentials-2e56aa36");
    assert_eq!(item.account, "alice");
}

#[test]
fn the_original_tools_account_override_wins_over_user_when_set() {
    let with = |account: Option<&'static str>| {
        move |name: &str| match name {
            "USER" => Some(OsString::from("alice")),
            "CLAUDE_TOKEN_KEYCHAIN_ACCOUNT" => account.map(OsString::from),
            _ => None,
        }
    };
    let item = ClaudeItem::from_env(&with(Some("shared mac")), &|| None);
    assert_eq!(
        item.account, "shared mac",
        "taken as it is, as the original tool does"
    );
    assert_eq!(item.service, "Claude Code-credentials");
    for unset in [None, Some("")] {
        let item = ClaudeItem::from_env(&with(unset), &|| None);
        assert_eq!(item.account, "alice");
    }
}

#[test]
fn the_suffix_hashes_the_directory_exactly_as_given() {
    // Claude Code 2.1.332 (`wje`) hashes the variable's value as given: no path
    // resolution, no trailing-slash trim, no `~` expansion.
    // printf %s /Users/me/.claude | sha256sum -> 0bd83d07...; with a slash 8586dac6...
    let service = |dir: &str| claude_service(None, Some(OsStr::new(dir)));
    assert_eq!(
        service("/Users/me/.claude"),
        "Claude Code-credentials-0bd83d07"
    );
    assert_eq!(
        service("/Users/me/.claude/"),
        "Claude Code-credentials-8586dac6"
    );
    assert_eq!(service("~/.claude"), "Claude Code-credentials-37e4f761");
    assert_eq!(service(".claude"), "Claude Code-credentials-e026f56c");
}

#[test]
fn the_suffix_hashes_the_nfc_form_as_claude_code_does() {
    // Expected: Python's sha256(unicodedata.normalize("NFC", dir)) (= JavaScript's
    // `dir.normalize("NFC")`), first 8 hex digits.
    let service = |dir: &str| claude_service(Some(OsStr::new(dir)), None);
    for (dir, hash) in [
        ("/Users/zo\u{eb}/.claude", "8dc9348b"),
        ("/Users/zoe\u{308}/.claude", "8dc9348b"),
        ("/Users/vie\u{323}\u{302}t/.claude", "559303c5"),
        ("/Users/\u{1100}\u{1161}\u{11a8}/.claude", "c0238875"),
        ("/Users/\u{30c6}\u{3099}/.claude", "2a6d84a5"),
        ("/Users/a\u{301}\u{301}/.claude", "74458c6f"),
    ] {
        assert_eq!(
            service(dir),
            format!("Claude Code-credentials-{hash}"),
            "{dir:?}"
        );
    }
}

#[test]
fn the_suffix_matches_pythons_nfc_over_random_decomposed_and_reordered_paths() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/golden/nfc-service-suffixes.txt"
    );
    let text = std::fs::read_to_string(path).unwrap();
    let mut checked = 0;
    for line in text.lines().filter(|l| !l.starts_with('#')) {
        let (hex, hash) = line.split_once('\t').unwrap();
        let dir = String::from_utf8(claude_token::hex::decode(hex).unwrap()).unwrap();
        let service = claude_service(Some(OsStr::new(&dir)), None);
        assert_eq!(
            service,
            format!("Claude Code-credentials-{hash}"),
            "{dir:?}"
        );
        checked += 1;
    }
    assert_eq!(checked, 600);
}

#[test]
fn read_runs_find_generic_password_with_w() {
    let fake = FakeSecurity::default();
    fake.answer(Some(0), b"{\"a\":1}\n");
    let item = item("alice");
    let store = ClaudeKeychainStore::new(&item, &fake);
    assert_eq!(store.id(), StoreId::ClaudeKeychain);
    assert_eq!(store.read().unwrap().unwrap().as_bytes(), b"{\"a\":1}");
    let calls = fake.calls();
    assert_eq!(
        args(&calls[0]),
        [
            "find-generic-password",
            "-a",
            "alice",
            "-s",
            "Claude Code-credentials",
            "-w"
        ]
    );
    assert_eq!(calls[0].stdin, None);
}

#[test]
fn read_decodes_plain_hex_in_either_case() {
    // printf '{"a":"é"}' | xxd -p -> 7b2261223a22c3a9227d
    for stdout in [&b"7b2261223a22c3a9227d\n"[..], b"7B2261223A22C3A9227D\n"] {
        let fake = FakeSecurity::default();
        fake.answer(Some(0), stdout);
        let item = item("alice");
        let blob = ClaudeKeychainStore::new(&item, &fake)
            .read()
            .unwrap()
            .unwrap();
        assert_eq!(blob.as_bytes(), "{\"a\":\"é\"}".as_bytes());
    }
}

#[test]
fn the_0x_forms_are_not_what_w_prints() {
    // `0x<HEX>  "…"` is `-g`'s form on stderr; `-w` prints bare hex or the text.
    let with_text = b"0x7B2261223A22C3A9227D  \"{\"a\":\"\\303\\251\"}\"\n";
    assert_eq!(
        decode_password(with_text),
        &with_text[..with_text.len() - 1]
    );
    assert_eq!(decode_password(b"0x0a0b\n"), b"0x0a0b");
}

#[test]
fn printable_text_that_looks_like_hex_is_the_password_itself() {
    // security prints hex only when some byte fails isprint (a backslash passes), so
    // hex that decodes to printable text was printed raw.
    assert_eq!(decode_password(b"7b7d\n"), b"7b7d");
    assert_eq!(decode_password(b"0x41  \"A\"\n"), b"0x41  \"A\"");
    assert_eq!(decode_password(b"6162635c\n"), b"6162635c");
    assert_eq!(decode_password(b"6162630a\n"), b"abc\n");
    assert_eq!(decode_password(b"abc\\\n"), b"abc\\");
    assert_eq!(decode_password(b"abc\n"), b"abc");
    assert_eq!(decode_password(b"\n"), b"");
    assert_eq!(decode_password(b"no newline"), b"no newline");
}

#[test]
fn item_not_found_is_none_on_read_and_ok_on_delete() {
    let fake = FakeSecurity::default();
    fake.answer(Some(44), b"");
    fake.answer(Some(44), b"");
    let item = item("alice");
    let store = ClaudeKeychainStore::new(&item, &fake);
    assert_eq!(store.read().unwrap(), None);
    store.delete().unwrap();
    assert_eq!(
        args(&fake.calls()[1]),
        [
            "delete-generic-password",
            "-a",
            "alice",
            "-s",
            "Claude Code-credentials"
        ]
    );
}

#[test]
fn other_statuses_and_signals_are_errors_that_say_what_to_do() {
    let fake = FakeSecurity::default();
    for status in [36, 51, 128, 1] {
        fake.answer(Some(status), b"");
    }
    fake.answer(None, b"");
    fake.answer(Some(1), b"");
    let item = item("alice");
    let store = ClaudeKeychainStore::new(&item, &fake);
    let locked = store.read().unwrap_err();
    assert_eq!(
        locked.to_string(),
        "cannot read the keychain item \"Claude Code-credentials\": the keychain is locked \
         and no password dialog can be shown here (an ssh session or a launchd job) \
         (/usr/bin/security exit status 36)"
    );
    assert_eq!(locked.exit_code(), 1);
    assert!(locked.hint().unwrap().contains("security unlock-keychain"));
    let denied = store.read().unwrap_err();
    assert!(denied.to_string().contains("refused access"), "{denied}");
    assert!(denied.hint().unwrap().contains("password"));
    let cancelled = store.read().unwrap_err();
    assert!(cancelled.to_string().contains("cancelled"), "{cancelled}");
    assert!(cancelled.hint().unwrap().contains("Allow"));
    let other = store.read().unwrap_err();
    assert!(
        other.to_string().ends_with("exited with status 1"),
        "{other}"
    );
    assert!(store.read().unwrap_err().to_string().contains("signal"));
    assert!(store.delete().unwrap_err().to_string().contains("status 1"));
}

#[test]
fn a_timeout_says_so() {
    let fake = FakeSecurity::default();
    let said = "/usr/bin/security did not answer within 60 s";
    fake.fail(io::Error::new(io::ErrorKind::TimedOut, said));
    let item = item("alice");
    let err = ClaudeKeychainStore::new(&item, &fake).read().unwrap_err();
    assert!(err.to_string().ends_with(said), "{err}");
    assert!(err.hint().unwrap().contains("unlock"));
}

#[test]
fn the_call_deadline_is_a_minute_unless_set_in_whole_seconds() {
    use security_cli::call_timeout;
    use std::time::Duration;
    assert_eq!(call_timeout(None), Ok(Duration::from_secs(60)));
    assert_eq!(
        call_timeout(Some(OsStr::new(""))),
        Ok(Duration::from_secs(60))
    );
    assert_eq!(
        call_timeout(Some(OsStr::new("5"))),
        Ok(Duration::from_secs(5))
    );
    assert_eq!(
        call_timeout(Some(OsStr::new("600"))),
        Ok(Duration::from_secs(600))
    );
    for bad in ["0", "601", "-5", "+5", "1.5", "5s", " 5", "many"] {
        let err = call_timeout(Some(OsStr::new(bad))).unwrap_err();
        assert!(
            err.contains("CLAUDE_TOKEN_KEYCHAIN_TIMEOUT"),
            "{bad}: {err}"
        );
    }
}

#[test]
fn write_feeds_one_quoted_line_to_security_i() {
    let fake = FakeSecurity::default();
    fake.answer(Some(0), b"");
    let item = item("alice");
    ClaudeKeychainStore::new(&item, &fake)
        .write(b"{\"k\":\"v\"}")
        .unwrap();
    let calls = fake.calls();
    assert_eq!(args(&calls[0]), ["-i"]);
    assert_eq!(
        stdin_text(&calls[0]),
        "\"add-generic-password\" \"-U\" \"-a\" \"alice\" \"-s\" \
         \"Claude Code-credentials\" \"-X\" \"7b226b223a2276227d\"\n"
    );
}

#[test]
fn the_secret_never_reaches_argv_or_an_error() {
    let fake = FakeSecurity::default();
    fake.answer(Some(0), b"");
    fake.answer(Some(45), b"");
    let item = item("alice");
    let store = ClaudeKeychainStore::new(&item, &fake);
    store.write(SECRET).unwrap();
    let err = store.write(SECRET).unwrap_err();
    // printf %s "$SECRET" | xxd -p: the hex of the secret's first 8 bytes.
    let secret_hex = "7b22636c61756465";
    for call in fake.calls() {
        for arg in &call.args {
            assert!(
                !arg.contains("SECRET") && !arg.contains(secret_hex),
                "{arg}"
            );
        }
        assert!(format!("{call:?}").find("SECRET").is_none());
    }
    let message = format!("{err} {err:?}");
    assert!(!message.contains("SECRET") && !message.contains(secret_hex));
}

#[test]
fn write_failures_report_the_status() {
    let fake = FakeSecurity::default();
    fake.answer(Some(45), b"");
    let item = item("alice");
    let err = ClaudeKeychainStore::new(&item, &fake)
        .write(b"{}")
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "cannot write the keychain item \"Claude Code-credentials\": \
         the item exists but could not be updated (/usr/bin/security exit status 45)"
    );
}

#[test]
fn quoting_survives_security_word_splitting() {
    let words = [
        "plain",
        "two words",
        "tab\there",
        "a \"quoted\" word",
        "back\\slash\\",
        "it's",
        "",
        "\"",
        "\\\"",
        "Claude Code-credentials-2e56aa36",
        "unicodé ✓",
    ];
    let line: Vec<String> = words.iter().map(|w| quote(w)).collect();
    assert_eq!(split_like_security(&line.join(" ")), words);
    assert_eq!(quote("a\"b\\c"), "\"a\\\"b\\\\c\"");
}

#[test]
fn the_written_line_splits_back_into_the_intended_words() {
    let item = ClaudeItem {
        service: "Claude Code-credentials \"x\" \\y".into(),
        account: "alice".into(),
    };
    let keychain = std::path::Path::new("/tmp/a \"test\" keychain");
    let call = security_cli::add_call(&item, b"\x00\n", Some(keychain)).unwrap();
    let line = stdin_text(&call);
    let words = split_like_security(line.strip_suffix('\n').unwrap());
    assert_eq!(
        words,
        [
            "add-generic-password",
            "-U",
            "-a",
            "alice",
            "-s",
            "Claude Code-credentials \"x\" \\y",
            "-X",
            "000a",
            "/tmp/a \"test\" keychain"
        ]
    );
}

#[test]
fn cr_lf_and_nul_are_refused_in_every_argument_before_running() {
    let fake = FakeSecurity::default();
    for (account, service) in [
        ("al\nice", "svc"),
        ("al\rice", "svc"),
        ("al\0ice", "svc"),
        ("alice", "s\nvc"),
        ("alice", "s\rvc"),
        ("alice", "s\0vc"),
    ] {
        let item = ClaudeItem {
            service: service.into(),
            account: account.into(),
        };
        let store = ClaudeKeychainStore::new(&item, &fake);
        for err in [
            store.read().unwrap_err(),
            store.write(b"{}").unwrap_err(),
            store.delete().unwrap_err(),
        ] {
            assert!(err.to_string().contains("line break or NUL"), "{err}");
        }
    }
    assert!(fake.calls().is_empty());
}

/// The stdin line of an `add` call whose secret is `len` bytes (without its newline),
/// or `None` when the call puts it on argv.
fn line_len_for(item: &ClaudeItem, len: usize) -> Option<usize> {
    let call = security_cli::add_call(item, &vec![b'x'; len], None).unwrap();
    call.stdin.as_ref().map(|line| line.len() - 1)
}

#[test]
fn lines_up_to_4094_bytes_go_on_stdin_and_longer_ones_on_argv() {
    let item = item("alice");
    let prefix = "\"add-generic-password\" \"-U\" \"-a\" \"alice\" \"-s\" \
                  \"Claude Code-credentials\" \"-X\" ";
    // The line is the prefix, the quoted hex (two digits a byte), then a newline.
    let len_of = |secret: usize| prefix.len() + 2 * secret + 2;
    // Secrets of 1993 and 1994 bytes give 4093 and 4095 bytes: an odd prefix.
    let secret_for = |line: usize| (line - prefix.len() - 2) / 2;
    let fits = secret_for(MAX_INTERACTIVE_LINE);
    assert_eq!(line_len_for(&item, fits), Some(len_of(fits)));
    assert!(len_of(fits) <= 4094 && len_of(fits + 1) > 4094);
    for line in [4093, 4094] {
        let secret = secret_for(line);
        assert_eq!(line_len_for(&item, secret), Some(len_of(secret)), "{line}");
    }
    assert_eq!(line_len_for(&item, fits + 1), None, "4095 bytes: argv");
    let call = security_cli::add_call(&item, &vec![b'x'; fits + 1], None).unwrap();
    assert_eq!(
        call.args[..7],
        [
            "add-generic-password",
            "-U",
            "-a",
            "alice",
            "-s",
            "Claude Code-credentials",
            "-X"
        ]
    );
    assert_eq!(call.args.len(), 8);
    assert_eq!(call.args[7], "78".repeat(fits + 1));
    assert_eq!(
        MAX_INTERACTIVE_LINE, 4094,
        "readline(buffer, 4096) keeps 4095 bytes and leaves the newline of a longer line"
    );
}

#[test]
fn the_line_builder_takes_4093_and_4094_bytes_and_not_4095() {
    let words = vec!["add-generic-password".to_owned(), "-X".to_owned()];
    let head = "\"add-generic-password\" \"-X\" ".len();
    // A line of `len` bytes before its newline: the head, then the quoted hex.
    let line = |len: usize| {
        let hex = Blob::new(vec![b'a'; len - head - 2]);
        security_cli::interactive_line(&words, &hex, None).unwrap()
    };
    for len in [4093, 4094] {
        let built = line(len).expect("read whole by security -i");
        assert_eq!(built.len(), len + 1, "{len} bytes and a newline");
        assert_eq!(built.as_bytes().last(), Some(&b'\n'));
    }
    assert_eq!(
        line(4095),
        None,
        "4095 bytes: the newline would be read as a second line"
    );
    let with_keychain = security_cli::interactive_line(
        &words,
        &Blob::new(vec![b'a'; 4094 - head - 2 - " \"/k\"".len()]),
        Some("/k"),
    )
    .unwrap()
    .expect("the keychain word counts too");
    assert_eq!(with_keychain.len(), 4095);
}

#[test]
fn an_argv_call_never_shows_its_secret_in_debug() {
    let item = item("alice");
    let secret = vec![b'S'; 3000];
    let call = security_cli::add_call(&item, &secret, None).unwrap();
    assert!(call.secret_on_argv());
    let shown = format!("{call:?}");
    assert!(!shown.contains("5353"), "{shown}");
    assert!(
        shown.contains("[REDACTED]") && shown.contains("\"-X\""),
        "{shown}"
    );
}

#[test]
fn a_secret_over_the_argv_bound_is_refused_before_running() {
    let item = item("alice");
    let max = security_cli::MAX_SECRET_LEN;
    assert!(security_cli::add_call(&item, &vec![b'x'; max], None).is_ok());
    let err = security_cli::add_call(&item, &vec![b'x'; max + 1], None).unwrap_err();
    assert!(err.to_string().contains("at most"), "{err}");
    assert!(security_cli::check_add(&item, max + 1, None).is_err());
    assert!(security_cli::check_add(&item, max, None).is_ok());
}
