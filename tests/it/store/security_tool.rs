//! A stand-in for `/usr/bin/security` that keeps generic passwords in memory and
//! follows the rules of Apple's `SecurityTool/macOS` sources that our calls depend
//! on: `-i` reads one line of at most 4094 bytes before its newline and splits it into
//! words; `find-generic-password -w` prints the password as it is when every byte is
//! printable ASCII, else as lower-case hex; `-X` takes an even number of hex digits;
//! `-U` updates; a trailing argument names the keychain file; a missing item is exit
//! status 44. Items are keyed by (keychain file, service, account); `None` is the
//! user's own keychain search list.

use claude_token::store::keychain::{SecurityCall, SecurityOutput, SecurityRunner};
use claude_token::store::Blob;
use std::cell::RefCell;
use std::collections::{BTreeMap, VecDeque};
use std::io;
use std::rc::Rc;

/// (keychain file, service, account).
pub type Key = (Option<String>, String, String);

/// The stand-in, shared between the code under test and the test's assertions.
#[derive(Debug, Default, Clone)]
pub struct SecurityTool(Rc<State>);

#[derive(Debug, Default)]
pub struct State {
    items: RefCell<BTreeMap<Key, Vec<u8>>>,
    calls: RefCell<Vec<SecurityCall>>,
    statuses: RefCell<VecDeque<i32>>,
}

impl SecurityTool {
    /// Puts an item as another program would have written it.
    pub fn put(&self, keychain: Option<&str>, service: &str, account: &str, bytes: &[u8]) {
        let key = (keychain.map(str::to_owned), service.into(), account.into());
        self.0.items.borrow_mut().insert(key, bytes.to_vec());
    }

    /// An item's bytes.
    pub fn get(&self, keychain: Option<&str>, service: &str, account: &str) -> Option<Vec<u8>> {
        let key = (keychain.map(str::to_owned), service.into(), account.into());
        self.0.items.borrow().get(&key).cloned()
    }

    /// Every item's key.
    pub fn keys(&self) -> Vec<Key> {
        self.0.items.borrow().keys().cloned().collect()
    }

    /// Every call made so far.
    pub fn calls(&self) -> Vec<SecurityCall> {
        self.0.calls.borrow().clone()
    }

    /// The words of every call (a `-i` line split as `security` splits it).
    pub fn call_words(&self) -> Vec<Vec<String>> {
        self.calls().iter().map(words_of).collect()
    }

    /// The next call exits with `status` and does nothing.
    pub fn fail_next(&self, status: i32) {
        self.0.statuses.borrow_mut().push_back(status);
    }
}

/// The longest `-i` line read whole (without its newline).
const MAX_LINE: usize = 4094;

/// The words `security` runs for `call`.
pub fn words_of(call: &SecurityCall) -> Vec<String> {
    if call.args == ["-i"] {
        let stdin = call.stdin.as_ref().expect("-i has a line on stdin");
        let line = std::str::from_utf8(stdin.as_bytes()).expect("the line is text");
        let body = line
            .strip_suffix('\n')
            .expect("the line ends with a newline");
        assert!(!body.contains('\n'), "one command per call");
        assert!(
            body.len() <= MAX_LINE,
            "a {}-byte line would be cut by security -i",
            body.len()
        );
        split_like_security(body)
    } else {
        assert!(call.stdin.is_none(), "only -i reads stdin");
        call.args.clone()
    }
}

impl SecurityRunner for SecurityTool {
    fn run(&self, call: &SecurityCall) -> io::Result<SecurityOutput> {
        self.0.calls.borrow_mut().push(call.clone());
        if let Some(status) = self.0.statuses.borrow_mut().pop_front() {
            return Ok(output(status, Vec::new()));
        }
        let words = words_of(call);
        let parsed = Parsed::of(&words);
        let key = (parsed.keychain.clone(), parsed.service(), parsed.account());
        let mut items = self.0.items.borrow_mut();
        Ok(match words[0].as_str() {
            "find-generic-password" => {
                assert!(parsed.print, "we always ask for -w");
                match items.get(&key) {
                    Some(bytes) => output(0, print_w(bytes)),
                    None => output(44, Vec::new()),
                }
            }
            "add-generic-password" => {
                let hex = parsed.hex.expect("we always pass -X");
                assert!(
                    hex.len().is_multiple_of(2),
                    "-X mangles an odd number of digits"
                );
                let bytes = decode_hex(&hex);
                if items.contains_key(&key) && !parsed.update {
                    output(45, Vec::new())
                } else {
                    items.insert(key, bytes);
                    output(0, Vec::new())
                }
            }
            "delete-generic-password" => match items.remove(&key) {
                Some(_) => output(0, Vec::new()),
                None => output(44, Vec::new()),
            },
            other => panic!("unexpected security command {other}"),
        })
    }
}

fn output(status: i32, stdout: Vec<u8>) -> SecurityOutput {
    SecurityOutput {
        status: Some(status),
        stdout: Blob::new(stdout),
    }
}

/// What `-w` prints: the password as it is when every byte passes `isprint`, else
/// lower-case hex; then a newline.
pub fn print_w(bytes: &[u8]) -> Vec<u8> {
    let mut out = if bytes.iter().all(|b| (b' '..=b'~').contains(b)) {
        bytes.to_vec()
    } else {
        bytes
            .iter()
            .flat_map(|b| format!("{b:02x}").into_bytes())
            .collect()
    };
    out.push(b'\n');
    out
}

fn decode_hex(hex: &str) -> Vec<u8> {
    (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).expect("hex digits"))
        .collect()
}

/// The options of one command.
#[derive(Debug, Default)]
struct Parsed {
    account: Option<String>,
    service: Option<String>,
    hex: Option<String>,
    print: bool,
    update: bool,
    keychain: Option<String>,
}

impl Parsed {
    fn of(words: &[String]) -> Parsed {
        let mut parsed = Parsed::default();
        let mut rest = words[1..].iter();
        while let Some(word) = rest.next() {
            match word.as_str() {
                "-a" => parsed.account = rest.next().cloned(),
                "-s" => parsed.service = rest.next().cloned(),
                "-X" => parsed.hex = rest.next().cloned(),
                "-w" => parsed.print = true,
                "-U" => parsed.update = true,
                option if option.starts_with('-') => panic!("unexpected option {option}"),
                keychain => {
                    assert!(parsed.keychain.is_none(), "one keychain file at most");
                    parsed.keychain = Some(keychain.to_owned());
                }
            }
        }
        parsed
    }

    fn service(&self) -> String {
        self.service.clone().expect("-s is given")
    }

    fn account(&self) -> String {
        self.account.clone().expect("-a is given")
    }
}

/// `security -i`'s word splitting (`SecurityTool`'s `split_line`), written from its
/// rules: whitespace separates words; a word starting with `"` or `'` runs to the
/// same quote; a backslash takes the next byte literally, quoted or not.
pub fn split_like_security(line: &str) -> Vec<String> {
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
