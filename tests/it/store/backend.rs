//! `Backend`: which store each id opens on Linux and on macOS (the macOS mapping
//! driven on Linux with a fake `security` and a fake keychain).

use super::security_tool::SecurityTool;
use super::{names, set_mode, slot, TempDir};
use claude_token::paths::{Paths, Platform};
use claude_token::store::backend::{keychain_file, Keychains};
use claude_token::store::file::Notice;
use claude_token::store::keychain::ClaudeItem;
use claude_token::store::{Backend, StoreId, Stores};
use std::ffi::OsString;
use std::fs;
use std::path::PathBuf;

fn paths(tmp: &TempDir, file_backend: bool) -> Paths {
    Paths {
        config_dir: tmp.join("config"),
        data_dir: tmp.join("data"),
        home_dir: tmp.join("home"),
        claude_dir: tmp.join("home/.claude"),
        claude_json: tmp.join("home/.claude.json"),
        credentials_dir: tmp.join("home/.claude"),
        file_backend,
    }
}

fn macos(tmp: &TempDir, file_backend: bool) -> (Backend, SecurityTool) {
    macos_in(tmp, file_backend, None)
}

/// The macOS mapping with a stand-in `security`, every call naming `keychain_file`
/// when one is given.
fn macos_in(
    tmp: &TempDir,
    file_backend: bool,
    keychain_file: Option<PathBuf>,
) -> (Backend, SecurityTool) {
    fs::create_dir_all(tmp.join("home")).unwrap();
    let security = SecurityTool::default();
    let keychains = Keychains {
        claude_item: ClaudeItem {
            service: "Claude Code-credentials".into(),
            account: "alice".into(),
        },
        security: Box::new(security.clone()),
        keychain_file,
    };
    let backend =
        Backend::with_keychains(paths(tmp, file_backend), Platform::MacOs, Some(keychains));
    (backend, security)
}

fn write(backend: &Backend, id: &StoreId, bytes: &[u8]) {
    backend.open(id).unwrap().write(bytes).unwrap();
}

#[test]
fn linux_maps_every_store_to_its_file_and_has_no_keychain() {
    let tmp = TempDir::new();
    fs::create_dir_all(tmp.join("home")).unwrap();
    let backend = Backend::with_keychains(paths(&tmp, false), Platform::Linux, None);
    assert!(backend.open(&StoreId::ClaudeKeychain).is_none());
    write(&backend, &StoreId::Archive(slot("work")), b"archived");
    write(&backend, &StoreId::ClaudeFile, b"live");
    write(&backend, &StoreId::Catalog, b"catalog");
    assert_eq!(
        fs::read(tmp.join("data/keystore/work.json")).unwrap(),
        b"archived"
    );
    assert_eq!(
        fs::read(tmp.join("home/.claude/.credentials.json")).unwrap(),
        b"live"
    );
    assert_eq!(fs::read(tmp.join("config/slots.json")).unwrap(), b"catalog");
    for id in [
        StoreId::Archive(slot("work")),
        StoreId::ClaudeFile,
        StoreId::Catalog,
    ] {
        assert_eq!(backend.open(&id).unwrap().id(), id);
    }
}

#[test]
fn keychains_given_for_linux_are_not_used() {
    let tmp = TempDir::new();
    let (_, security) = macos(&tmp, false);
    let keychains = Keychains {
        claude_item: ClaudeItem {
            service: "s".into(),
            account: "a".into(),
        },
        security: Box::new(security.clone()),
        keychain_file: None,
    };
    let backend = Backend::with_keychains(paths(&tmp, false), Platform::Linux, Some(keychains));
    assert!(backend.open(&StoreId::ClaudeKeychain).is_none());
    write(&backend, &StoreId::Archive(slot("work")), b"archived");
    assert!(security.keys().is_empty());
    assert!(security.calls().is_empty());
}

#[test]
fn macos_archives_in_keychain_items_named_for_the_slot_through_security() {
    let tmp = TempDir::new();
    let (backend, security) = macos(&tmp, false);
    let id = StoreId::Archive(slot("work"));
    // Bytes Claude Code's own item could not hold (a newline, UTF-8) come back as
    // they were: our items are ours, written as they are.
    let archived = "{\n  \"a\": \"é\"\n}".as_bytes();
    write(&backend, &id, archived);
    assert_eq!(
        security.keys(),
        [(
            None,
            "claude-token-cli::work".to_owned(),
            "alice".to_owned()
        )]
    );
    let store = backend.open(&id).unwrap();
    assert_eq!(store.id(), id);
    assert_eq!(store.read().unwrap().unwrap().as_bytes(), archived);
    store.delete().unwrap();
    assert!(security.keys().is_empty());
    assert!(!tmp.join("data").exists(), "no archive file on macOS");
    assert_eq!(security.calls().len(), 3, "add, find, delete");
}

#[test]
fn archive_items_the_original_tool_wrote_as_0x_text_read_as_their_login() {
    let tmp = TempDir::new();
    let (backend, security) = macos(&tmp, false);
    let login = "{\n  \"claudeAiOauth\": {\"refreshToken\": \"sk-ant-ort01-R\"}\n}";
    // `add-generic-password -w 0x<hex>` stores the text itself.
    let stored = format!("0x{}", claude_token::hex::encode(login.as_bytes()));
    security.put(None, "claude-token-cli::work", "alice", stored.as_bytes());
    // A compact one (all printable) and an upper-case one read the same way.
    let compact = r#"{"claudeAiOauth":{"refreshToken":"sk-ant-ort01-C"}}"#;
    let upper = format!(
        "0x{}",
        claude_token::hex::encode(compact.as_bytes()).to_uppercase()
    );
    security.put(None, "claude-token-cli::home", "alice", upper.as_bytes());
    // Odd digits or a non-hex byte: not that form, the value as it is.
    security.put(None, "claude-token-cli::odd", "alice", b"0x7b7");
    let read = |name: &str| {
        let store = backend.open(&StoreId::Archive(slot(name))).unwrap();
        store.read().unwrap().unwrap().as_bytes().to_vec()
    };
    assert_eq!(read("work"), login.as_bytes());
    assert_eq!(read("home"), compact.as_bytes());
    assert_eq!(read("odd"), b"0x7b7");
}

#[test]
fn macos_with_the_file_backend_archives_in_files() {
    let tmp = TempDir::new();
    let (backend, security) = macos(&tmp, true);
    write(&backend, &StoreId::Archive(slot("work")), b"archived");
    assert_eq!(names(&tmp.join("data/keystore")), ["work.json"]);
    assert!(security.keys().is_empty());
}

#[test]
fn macos_reaches_claude_codes_item_through_security() {
    let tmp = TempDir::new();
    let (backend, security) = macos(&tmp, false);
    security.put(None, "Claude Code-credentials", "alice", b"{}");
    let store = backend.open(&StoreId::ClaudeKeychain).unwrap();
    assert_eq!(store.id(), StoreId::ClaudeKeychain);
    assert_eq!(store.read().unwrap().unwrap().as_bytes(), b"{}");
    assert_eq!(
        security.calls()[0].args,
        [
            "find-generic-password",
            "-a",
            "alice",
            "-s",
            "Claude Code-credentials",
            "-w"
        ]
    );
}

#[test]
fn claude_codes_item_is_written_as_printable_json_claude_code_can_parse() {
    // Claude Code parses what `security -w` prints without decoding hex, so its item
    // must stay printable ASCII: non-ASCII in strings as \uXXXX, no whitespace.
    let tmp = TempDir::new();
    let (backend, security) = macos(&tmp, false);
    let login = "{\"claudeAiOauth\":{\"refreshToken\":\"sk-ant-ort01-R\"},\n \"org\":\"Zürich \\\"AG\\\" 😀\"}";
    write(&backend, &StoreId::ClaudeKeychain, login.as_bytes());
    let stored = security
        .get(None, "Claude Code-credentials", "alice")
        .unwrap();
    assert_eq!(
        String::from_utf8(stored.clone()).unwrap(),
        r#"{"claudeAiOauth":{"refreshToken":"sk-ant-ort01-R"},"org":"Z\u00fcrich \"AG\" \ud83d\ude00"}"#
    );
    let parsed = claude_token::json::parse(&stored).unwrap();
    let org = parsed
        .root()
        .get("org")
        .unwrap()
        .as_str()
        .unwrap()
        .into_owned();
    assert_eq!(org, "Zürich \"AG\" 😀");
}

#[test]
fn a_login_too_long_for_one_security_line_is_written_on_argv_and_reads_back() {
    let tmp = TempDir::new();
    let (backend, security) = macos(&tmp, false);
    let mcp = "x".repeat(3000);
    let login = format!(
        r#"{{"claudeAiOauth":{{"refreshToken":"sk-ant-ort01-R"}},"mcpOAuth":{{"s":"{mcp}"}}}}"#
    );
    write(&backend, &StoreId::ClaudeKeychain, login.as_bytes());
    let id = StoreId::Archive(slot("work"));
    write(&backend, &id, login.as_bytes());
    let calls = security.calls();
    assert!(calls.iter().all(|c| c.args[0] == "add-generic-password"));
    let store = backend.open(&StoreId::ClaudeKeychain).unwrap();
    assert_eq!(store.read().unwrap().unwrap().as_bytes(), login.as_bytes());
    let archive = backend.open(&id).unwrap();
    assert_eq!(
        archive.read().unwrap().unwrap().as_bytes(),
        login.as_bytes()
    );
}

#[test]
fn a_test_build_names_its_test_keychain_in_every_security_call() {
    let tmp = TempDir::new();
    let file = tmp.join("test.keychain-db");
    fs::write(&file, b"").unwrap();
    // What a test build does: the keychain named by the variable, else a refusal.
    let refused = keychain_file(true, None).unwrap_err();
    assert!(refused.to_string().contains("test build"), "{refused}");
    assert_eq!(refused.exit_code(), 2);
    assert!(keychain_file(true, Some(OsString::from("relative.keychain"))).is_err());
    assert!(keychain_file(true, Some(tmp.join("gone.keychain").into())).is_err());
    assert_eq!(
        keychain_file(false, Some(file.clone().into())).unwrap(),
        None
    );
    let chosen = keychain_file(true, Some(file.clone().into())).unwrap();
    assert_eq!(chosen.as_ref(), Some(&file));
    let (backend, security) = macos_in(&tmp, false, chosen);
    let big = format!(r#"{{"k":"{}"}}"#, "x".repeat(3000));
    for id in [StoreId::ClaudeKeychain, StoreId::Archive(slot("work"))] {
        let store = backend.open(&id).unwrap();
        store.write(b"{}").unwrap();
        store.write(big.as_bytes()).unwrap();
        store.read().unwrap();
        store.delete().unwrap();
        store.read().unwrap();
    }
    let words = security.call_words();
    assert_eq!(words.len(), 10);
    let named = file.to_str().unwrap();
    for call in &words {
        assert_eq!(call.last().map(String::as_str), Some(named), "{call:?}");
    }
    assert!(security.keys().is_empty());
    // The file gone (deleted by its test): security would fall back to the search
    // list, so nothing is run.
    fs::remove_file(&file).unwrap();
    let err = backend
        .open(&StoreId::ClaudeKeychain)
        .unwrap()
        .read()
        .unwrap_err();
    assert!(err.to_string().contains("test keychain"), "{err}");
    assert_eq!(security.calls().len(), 10);
}

#[test]
fn macos_keeps_claude_codes_file_and_the_catalog_in_files() {
    let tmp = TempDir::new();
    let (backend, security) = macos(&tmp, false);
    write(&backend, &StoreId::ClaudeFile, b"live");
    write(&backend, &StoreId::Catalog, b"catalog");
    assert_eq!(
        fs::read(tmp.join("home/.claude/.credentials.json")).unwrap(),
        b"live"
    );
    assert_eq!(fs::read(tmp.join("config/slots.json")).unwrap(), b"catalog");
    assert!(security.calls().is_empty());
}

#[test]
fn the_credentials_file_follows_the_secure_storage_dir() {
    let tmp = TempDir::new();
    let mut paths = paths(&tmp, false);
    paths.credentials_dir = tmp.join("secure");
    let backend = Backend::with_keychains(paths, Platform::Linux, None);
    write(&backend, &StoreId::ClaudeFile, b"live");
    assert_eq!(
        fs::read(tmp.join("secure/.credentials.json")).unwrap(),
        b"live"
    );
}

#[test]
fn loose_modes_seen_through_the_backend_become_notices() {
    let tmp = TempDir::new();
    fs::create_dir_all(tmp.join("home/.claude")).unwrap();
    let path = tmp.join("home/.claude/.credentials.json");
    fs::write(&path, b"{}").unwrap();
    set_mode(&path, 0o640);
    let backend = Backend::with_keychains(paths(&tmp, false), Platform::Linux, None);
    backend.open(&StoreId::ClaudeFile).unwrap().read().unwrap();
    backend.open(&StoreId::ClaudeFile).unwrap().read().unwrap();
    assert_eq!(
        backend.notices().take(),
        [Notice::TooOpen { path, mode: 0o640 }]
    );
}

#[test]
fn a_locked_keychain_stops_an_archive_read_with_what_to_do() {
    let tmp = TempDir::new();
    let (backend, security) = macos(&tmp, false);
    security.fail_next(36);
    let err = backend
        .open(&StoreId::Archive(slot("work")))
        .unwrap()
        .read()
        .unwrap_err();
    assert!(
        err.to_string().contains("\"claude-token-cli::work\""),
        "{err}"
    );
    assert!(err.to_string().contains("locked"), "{err}");
    assert!(err.hint().unwrap().contains("security unlock-keychain"));
}

#[test]
fn the_room_check_measures_claude_codes_item_as_it_will_be_stored() {
    use claude_token::engine::{check_room, Change, Transaction};
    use claude_token::redact::Secret;
    use claude_token::store::Blob;
    let tmp = TempDir::new();
    let (backend, security) = macos(&tmp, false);
    // 200 KB of UTF-8 that the item stores as 600 KB of `\u00e9`: over the bound,
    // though the raw bytes are under it.
    let name = "é".repeat(100_000);
    let login = format!(r#"{{"claudeAiOauth":{{"refreshToken":"sk-ant-ort01-R"}},"n":"{name}"}}"#);
    let store = backend.open(&StoreId::ClaudeKeychain).unwrap();
    assert!(login.len() < 384 * 1024);
    assert!(store.stored_len(login.as_bytes()) > 384 * 1024);
    let tx = Transaction::new("export")
        .unwrap()
        .claude(
            StoreId::ClaudeKeychain,
            Secret::from(String::new()),
            Change::Replace(Blob::from(login.as_bytes())),
        )
        .unwrap();
    let refused = check_room(&backend, &tx).unwrap_err();
    assert!(refused.to_string().contains("at most"), "{refused}");
    // The write itself fails the same way: the check said what the write would do.
    assert!(store.write(login.as_bytes()).is_err());
    assert!(security.keys().is_empty());
    // Our archive item keeps the raw bytes, which fit.
    let archive = StoreId::Archive(slot("work"));
    let tx = Transaction::new("add")
        .unwrap()
        .step(archive.clone(), None, Some(Blob::from(login.as_bytes())))
        .unwrap();
    check_room(&backend, &tx).unwrap();
    write(&backend, &archive, login.as_bytes());
}
