//! Tests for `ops`: each operation against in-memory stores (`MemoryStores`, with
//! injected faults), a real journal in a temporary data directory, a fixed clock, and
//! an OAuth client pointed at the scripted loopback TLS server; then the real binary
//! end to end in a temporary home (`binary`). Expected bytes are written out by hand.

mod add;
mod binary;
mod claude_json;
mod claude_locks;
mod exec;
mod export;
mod keychain_bridge;
mod refresh;
mod remove;
mod review2;
mod review3;
mod review4;
mod session;
mod use_slot;

use std::ffi::OsString;
use std::time::Duration;

use claude_token::catalog::{Catalog, CatalogFile, PlaceRecord, TokenFingerprint};
use claude_token::cli::SlotName;
use claude_token::engine::StateLock;
use claude_token::net::{self, ProxyConfig};
use claude_token::oauth::{Client, Endpoints};
use claude_token::ops::{Replay, Session};
use claude_token::paths::{Paths, Platform};
use claude_token::store::memory::MemoryStores;
use claude_token::store::{Place, StoreId};

use crate::server::{trusting_test_ca, Server};
use crate::support::TempDir;

/// The fixed clock of these tests.
pub const NOW: i64 = 1_750_000_000_000;
pub const MINUTE: i64 = 60_000;
pub const HOUR: i64 = 60 * MINUTE;

pub fn clock() -> i64 {
    NOW
}

pub fn name(text: &str) -> SlotName {
    SlotName::parse(text).unwrap()
}

pub fn archive(slot: &str) -> StoreId {
    StoreId::Archive(name(slot))
}

/// One account's login as Claude Code writes it after `/login` (compact, member order
/// as Claude Code's), with a machine member and the top-level `organizationUuid`.
/// `tag` makes the tokens unique: `sk-ant-oat01-A-<tag>` and `sk-ant-ort01-R-<tag>`.
pub fn login(account: &str, tag: &str, expires_at: i64) -> String {
    format!(
        r#"{{"claudeAiOauth":{},"mcpOAuth":{{"srv|{account}":{{"accessToken":"mcp-{account}"}}}},"organizationUuid":"org-{account}"}}"#,
        oauth(account, tag, expires_at)
    )
}

/// A blob holding only the login ([`oauth`]) and nothing of the machine.
pub fn oauth_only(account: &str, tag: &str, expires_at: i64) -> String {
    format!(r#"{{"claudeAiOauth":{}}}"#, oauth(account, tag, expires_at))
}

/// The `claudeAiOauth` value of [`login`].
pub fn oauth(account: &str, tag: &str, expires_at: i64) -> String {
    format!(
        concat!(
            r#"{{"accessToken":"sk-ant-oat01-A-{tag}","refreshToken":"sk-ant-ort01-R-{tag}","#,
            r#""expiresAt":{exp},"scopes":["user:inference","user:profile"],"subscriptionType":"max","#,
            r#""rateLimitTier":"default_claude_max_20x","tokenAccount":{{"uuid":"uuid-{acc}","#,
            r#""emailAddress":"{acc}@example.com","organizationUuid":"org-{acc}"}}}}"#
        ),
        tag = tag,
        exp = expires_at,
        acc = account
    )
}

/// A login that names no account (written by an older Claude Code).
pub fn anonymous_login(tag: &str, expires_at: i64) -> String {
    format!(
        r#"{{"claudeAiOauth":{{"accessToken":"sk-ant-oat01-A-{tag}","refreshToken":"sk-ant-ort01-R-{tag}","expiresAt":{expires_at},"scopes":["user:inference"]}}}}"#
    )
}

/// What Claude Code leaves after a refused refresh.
pub const HUSK: &str = r#"{"claudeAiOauth":{"accessToken":"","refreshToken":"","expiresAt":0},"mcpOAuth":{"srv|m":{"accessToken":"mcp-m"}}}"#;

/// The profile answer for `account`.
pub fn profile_body(account: &str) -> String {
    format!(
        r#"{{"account":{{"uuid":"uuid-{account}","email":"{account}@example.com"}},"organization":{{"uuid":"org-{account}","name":"Org {account}","organization_type":"claude_max","rate_limit_tier":"default_claude_max_20x"}}}}"#
    )
}

/// A token grant with tokens tagged `tag`, valid 8 hours.
pub fn grant_body(tag: &str) -> String {
    format!(
        r#"{{"token_type":"Bearer","access_token":"sk-ant-oat01-A-{tag}","refresh_token":"sk-ant-ort01-R-{tag}","expires_in":28800,"scope":"user:inference user:profile"}}"#
    )
}

/// A client for `server`, trusting the test CA.
pub fn client(server: &Server) -> Client {
    let endpoints =
        Endpoints::new(&server.url("/v1/oauth/token"), &server.url("")).expect("endpoints");
    let options = net::Options::new(trusting_test_ca(), ProxyConfig::direct());
    Client::new(endpoints, options).with_budget(Duration::from_secs(10))
}

/// A client whose every request fails at once (nothing listens there).
pub fn offline() -> Client {
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let url = format!("https://localhost:{port}");
    let endpoints = Endpoints::new(&format!("{url}/v1/oauth/token"), &url).expect("endpoints");
    let options = net::Options::new(trusting_test_ca(), ProxyConfig::direct());
    Client::new(endpoints, options).with_budget(Duration::from_secs(5))
}

/// The refresh token a captured token request sent.
pub fn sent_refresh_token(body: &[u8]) -> String {
    let doc = claude_token::json::parse(body).expect("json body");
    let token = doc.root().get("refresh_token").expect("refresh_token");
    token.as_str().expect("string").into_owned()
}

/// The catalog [`World::with_slots`] writes.
pub fn catalog_text(slots: &[(&str, &str, &str, i64)], active: Option<&str>) -> String {
    let mut text = String::from("{\n  \"version\": 1,\n  \"active\": ");
    text.push_str(&active.map_or("null".into(), |a| format!("\"{a}\"")));
    text.push_str(",\n  \"slots\": [");
    let entries: Vec<String> = slots
        .iter()
        .map(|(slot, account, _, _)| {
            format!(
                r#"{{"name":"{slot}","email":"{account}@example.com","account_uuid":"uuid-{account}","organization":{{"uuid":"org-{account}","name":null}},"plan":"max"}}"#
            )
        })
        .collect();
    text.push_str(&entries.join(", "));
    text.push_str("]\n}\n");
    text
}

/// Stores in memory, a data directory on disk (journal, lock, key).
pub struct World {
    pub dir: TempDir,
    pub paths: Paths,
    pub stores: MemoryStores,
}

impl World {
    /// Linux: Claude Code's login is its credentials file only.
    pub fn linux() -> World {
        let world = World::mac();
        world.stores.set_missing(&StoreId::ClaudeKeychain);
        world
    }

    /// macOS: Claude Code's Keychain item exists beside its file.
    pub fn mac() -> World {
        let dir = TempDir::new();
        let home = OsString::from(dir.path());
        let paths = Paths::resolve(Platform::Linux, &|var| {
            (var == "HOME").then(|| home.clone())
        })
        .expect("paths");
        let stores = MemoryStores::new();
        stores.set_place(Place::of(&paths, None));
        World { dir, paths, stores }
    }

    /// Runs `body` in a strict session.
    pub fn session<T>(&self, body: impl FnOnce(&mut Session<'_>) -> T) -> T {
        let lock = StateLock::acquire(&self.paths.data_dir, Duration::from_secs(10)).unwrap();
        let mut session = Session::open(&lock, &self.stores, &self.paths, Replay::Strict, clock)
            .expect("session opens");
        body(&mut session)
    }

    pub fn put(&self, id: &StoreId, text: &str) {
        self.stores.set(id, Some(text.as_bytes()));
    }

    pub fn text(&self, id: &StoreId) -> Option<String> {
        self.stores
            .get(id)
            .map(|bytes| String::from_utf8(bytes).unwrap())
    }

    /// The catalog as stored.
    pub fn catalog(&self) -> Catalog {
        let bytes = self.stores.get(&StoreId::Catalog).expect("a catalog");
        CatalogFile::parse(&self.paths.catalog(), &bytes)
            .expect("catalog parses")
            .into_catalog()
    }

    /// A catalog with these slots (each given with its account), `active` active, and
    /// each slot's archive holding `login(account, tag, expires)`.
    pub fn with_slots(&self, slots: &[(&str, &str, &str, i64)], active: Option<&str>) {
        self.put(&StoreId::Catalog, &catalog_text(slots, active));
        for (slot, account, tag, expires) in slots {
            self.put(&archive(slot), &login(account, tag, *expires));
        }
    }

    /// Records this place in the catalog as `slot`'s, last seen with the refresh token
    /// of `login(_, tag, _)`.
    pub fn record_place(&self, slot: &str, tag: &str) {
        let place = Place::of(&self.paths, None);
        let bytes = self.stores.get(&StoreId::Catalog).expect("a catalog");
        let token = claude_token::redact::Secret::from(format!("sk-ant-ort01-R-{tag}"));
        let record = PlaceRecord {
            credentials_dir: place.credentials_dir.to_str().unwrap().to_owned(),
            keychain: None,
            slot: name(slot),
            seen: Some(TokenFingerprint::of(&token)),
        };
        let file = CatalogFile::parse(&self.paths.catalog(), &bytes)
            .unwrap()
            .set_place(record)
            .unwrap();
        self.stores.set(&StoreId::Catalog, Some(file.as_bytes()));
    }

    /// Journal entry files left in the data directory.
    pub fn journal_files(&self) -> Vec<String> {
        let dir = self.paths.data_dir.join("journal");
        let Ok(read) = std::fs::read_dir(dir) else {
            return Vec::new();
        };
        let mut names: Vec<String> = read
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .filter(|n| n != "attention" && n != "quarantine")
            .collect();
        names.sort();
        names
    }
}
