//! `Backend`: which store each id opens on Linux and on macOS (the macOS mapping
//! driven on Linux with a fake `security` and a fake keychain).

use super::keychain::FakeSecurity;
use super::{names, set_mode, slot, TempDir};
use claude_token::paths::{Paths, Platform};
use claude_token::store::backend::Keychains;
use claude_token::store::file::Notice;
use claude_token::store::keychain::{ClaudeItem, PasswordKeychain};
use claude_token::store::{Backend, Blob, StoreId, Stores};
use claude_token::Error;
use std::cell::RefCell;
use std::collections::BTreeMap;
use std::fs;
use std::rc::Rc;

/// Generic passwords keyed by (service, account).
type Items = BTreeMap<(String, String), Vec<u8>>;

/// A keychain shared between the backend under test and the test's assertions.
#[derive(Debug, Default, Clone)]
struct FakeKeychain(Rc<RefCell<Items>>);

impl FakeKeychain {
    fn keys(&self) -> Vec<(String, String)> {
        self.0.borrow().keys().cloned().collect()
    }
}

impl PasswordKeychain for FakeKeychain {
    fn get(&self, service: &str, account: &str) -> Result<Option<Blob>, Error> {
        let key = (service.to_owned(), account.to_owned());
        Ok(self.0.borrow().get(&key).map(|b| Blob::from(&b[..])))
    }

    fn set(&self, service: &str, account: &str, secret: &[u8]) -> Result<(), Error> {
        let key = (service.to_owned(), account.to_owned());
        self.0.borrow_mut().insert(key, secret.to_vec());
        Ok(())
    }

    fn delete(&self, service: &str, account: &str) -> Result<(), Error> {
        let key = (service.to_owned(), account.to_owned());
        self.0.borrow_mut().remove(&key);
        Ok(())
    }
}

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

fn macos(tmp: &TempDir, file_backend: bool) -> (Backend, FakeSecurity, FakeKeychain) {
    fs::create_dir_all(tmp.join("home")).unwrap();
    let security = FakeSecurity::default();
    let keychain = FakeKeychain::default();
    let keychains = Keychains {
        claude_item: ClaudeItem {
            service: "Claude Code-credentials".into(),
            account: "alice".into(),
        },
        security: Box::new(security.clone()),
        archive: Box::new(keychain.clone()),
    };
    let backend =
        Backend::with_keychains(paths(tmp, file_backend), Platform::MacOs, Some(keychains));
    (backend, security, keychain)
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
    let (_, security, keychain) = macos(&tmp, false);
    let keychains = Keychains {
        claude_item: ClaudeItem {
            service: "s".into(),
            account: "a".into(),
        },
        security: Box::new(security.clone()),
        archive: Box::new(keychain.clone()),
    };
    let backend = Backend::with_keychains(paths(&tmp, false), Platform::Linux, Some(keychains));
    assert!(backend.open(&StoreId::ClaudeKeychain).is_none());
    write(&backend, &StoreId::Archive(slot("work")), b"archived");
    assert!(keychain.keys().is_empty());
    assert!(security.calls().is_empty());
}

#[test]
fn macos_archives_in_keychain_items_named_for_the_slot() {
    let tmp = TempDir::new();
    let (backend, security, keychain) = macos(&tmp, false);
    let id = StoreId::Archive(slot("work"));
    write(&backend, &id, b"archived");
    assert_eq!(
        keychain.keys(),
        [("claude-token-cli::work".to_owned(), "alice".to_owned())]
    );
    let store = backend.open(&id).unwrap();
    assert_eq!(store.id(), id);
    assert_eq!(store.read().unwrap().unwrap().as_bytes(), b"archived");
    store.delete().unwrap();
    assert!(keychain.keys().is_empty());
    assert!(!tmp.join("data").exists(), "no archive file on macOS");
    assert!(
        security.calls().is_empty(),
        "our items never go through security"
    );
}

#[test]
fn macos_with_the_file_backend_archives_in_files() {
    let tmp = TempDir::new();
    let (backend, _, keychain) = macos(&tmp, true);
    write(&backend, &StoreId::Archive(slot("work")), b"archived");
    assert_eq!(names(&tmp.join("data/keystore")), ["work.json"]);
    assert!(keychain.keys().is_empty());
}

#[test]
fn macos_reaches_claude_codes_item_through_security() {
    let tmp = TempDir::new();
    let (backend, security, _) = macos(&tmp, false);
    security.answer(Some(0), b"{}\n");
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
fn macos_keeps_claude_codes_file_and_the_catalog_in_files() {
    let tmp = TempDir::new();
    let (backend, security, _) = macos(&tmp, false);
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
