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

/// `security -i`'s word splitting (`SecurityTool`'s `split_line`), written from its
/// rules: whitespace separates words; a word starting with `"` or `'` runs to the
/// same quote; a backslash takes the next byte literally, quoted or not.
fn split_like_security(line: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut chars = line.chars().peekable();
    while let Some(&c) = chars.peek() {
        if c.is_ascii_whitespace() {
            chars.next();
            continue;
        }
        let quote = (c == '"' || c == '\'').then(|| chars.next().unwrap());
        let mut word = String::new();
        while let Some(c) = chars.next() {
            match (c, quote) {
                ('\\', _) => word.extend(chars.next()),
                (q, Some(open)) if q == open => break,
                (w, None) if w.is_ascii_whitespace() => break,
                (other, _) => word.push(other),
            }
        }
        words.push(word);
    }
    words
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
fn read_decodes_the_0x_form_with_or_without_its_quoted_text() {
    let with_text = b"0x7B2261223A22C3A9227D  \"{\"a\":\"\\303\\251\"}\"\n";
    let bare = b"0x0A0B \n";
    assert_eq!(decode_password(with_text), "{\"a\":\"é\"}".as_bytes());
    assert_eq!(decode_password(bare), b"\n\x0b");
}

#[test]
fn printable_text_that_looks_like_hex_is_the_password_itself() {
    // security prints hex only for unprintable bytes or a backslash, so hex that
    // decodes to printable text was printed raw.
    assert_eq!(decode_password(b"7b7d\n"), b"7b7d");
    assert_eq!(decode_password(b"0x41  \"A\"\n"), b"0x41  \"A\"");
    assert_eq!(decode_password(b"6162635c\n"), b"abc\\");
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
fn other_statuses_and_signals_are_errors() {
    let fake = FakeSecurity::default();
    fake.answer(Some(51), b"");
    fake.answer(None, b"");
    fake.answer(Some(1), b"");
    let item = item("alice");
    let store = ClaudeKeychainStore::new(&item, &fake);
    let err = store.read().unwrap_err();
    assert_eq!(
        err.to_string(),
        "cannot read the keychain item \"Claude Code-credentials\": \
         /usr/bin/security exited with status 51"
    );
    assert_eq!(err.exit_code(), 1);
    assert!(err.hint().unwrap().contains("unlock"));
    assert!(store.read().unwrap_err().to_string().contains("signal"));
    assert!(store.delete().unwrap_err().to_string().contains("status 1"));
}

#[test]
fn a_timeout_says_so() {
    let fake = FakeSecurity::default();
    fake.fail(io::Error::new(io::ErrorKind::TimedOut, "timed out"));
    let item = item("alice");
    let err = ClaudeKeychainStore::new(&item, &fake).read().unwrap_err();
    assert!(
        err.to_string().ends_with("did not answer within 10 s"),
        "{err}"
    );
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
         /usr/bin/security exited with status 45"
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
    let fake = FakeSecurity::default();
    fake.answer(Some(0), b"");
    let item = ClaudeItem {
        service: "Claude Code-credentials \"x\" \\y".into(),
        account: "alice".into(),
    };
    ClaudeKeychainStore::new(&item, &fake)
        .write(b"\x00\n")
        .unwrap();
    let line = stdin_text(&fake.calls()[0]);
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
            "000a"
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

#[test]
fn a_line_longer_than_security_reads_whole_is_refused() {
    let item = item("alice");
    let prefix = "\"add-generic-password\" \"-U\" \"-a\" \"alice\" \"-s\" \
                  \"Claude Code-credentials\" \"-X\" ";
    // The line is the prefix, the quoted hex, and a newline that must fit too.
    let room = MAX_INTERACTIVE_LINE - prefix.len() - 2;
    let fits = vec![b'x'; room / 2];
    let call = security_cli::add_call(&item, &fits).unwrap();
    let stdin = call.stdin.unwrap();
    assert!(stdin.len() <= MAX_INTERACTIVE_LINE + 1);
    assert!(stdin_text(&SecurityCall {
        args: vec![],
        stdin: Some(stdin)
    })
    .starts_with(prefix));
    let too_big = vec![b'x'; room / 2 + 1];
    let err = security_cli::add_call(&item, &too_big).unwrap_err();
    assert!(err.to_string().contains("too large"), "{err}");
    assert_eq!(
        MAX_INTERACTIVE_LINE, 4094,
        "security reads 4095 bytes per line"
    );
}
