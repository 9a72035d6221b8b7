//! `use` and `refresh` on the macOS mapping, through a stand-in for `security` that
//! follows Apple's rules: a login with MCP server logins too long for one `security -i`
//! line is switched and refreshed whole (its command goes on argv), Claude Code's item
//! stays printable JSON it can parse, and the machine's members come back byte for
//! byte.

use std::ffi::OsString;
use std::time::Duration;

use claude_token::engine::StateLock;
use claude_token::ops::{refresh, use_slot, Replay, Session};
use claude_token::paths::{Paths, Platform};
use claude_token::store::backend::Keychains;
use claude_token::store::keychain::ClaudeItem;
use claude_token::store::{Backend, StoreId, Stores};

use super::{
    catalog_text, client, clock, grant_body, login, name, oauth, sent_refresh_token, HOUR,
};
use crate::server::{json, Server};
use crate::store::security_tool::SecurityTool;
use crate::support::TempDir;
use claude_token::cli::{RefreshTarget, SlotRef};

const SERVICE: &str = "Claude Code-credentials";
const ACCOUNT: &str = "alice";
const LATER: i64 = super::NOW + 6 * HOUR;

struct Mac {
    _dir: TempDir,
    paths: Paths,
    backend: Backend,
    security: SecurityTool,
}

fn mac() -> Mac {
    let dir = TempDir::new();
    let home = OsString::from(dir.path());
    let paths = Paths::resolve(Platform::Linux, &|var| {
        (var == "HOME").then(|| home.clone())
    })
    .expect("paths");
    let security = SecurityTool::default();
    let keychains = Keychains {
        claude_item: ClaudeItem {
            service: SERVICE.into(),
            account: ACCOUNT.into(),
        },
        security: Box::new(security.clone()),
        keychain_file: None,
    };
    let backend = Backend::with_keychains(paths.clone(), Platform::MacOs, Some(keychains));
    Mac {
        _dir: dir,
        paths,
        backend,
        security,
    }
}

impl Mac {
    fn session<T>(&self, body: impl FnOnce(&mut Session<'_>) -> T) -> T {
        let lock = StateLock::acquire(&self.paths.data_dir, Duration::from_secs(10)).unwrap();
        let mut session = Session::open(&lock, &self.backend, &self.paths, Replay::Strict, clock)
            .expect("session opens");
        body(&mut session)
    }

    fn put(&self, id: &StoreId, bytes: &str) {
        self.backend
            .open(id)
            .unwrap()
            .write(bytes.as_bytes())
            .unwrap();
    }

    fn claude_item(&self) -> String {
        let bytes = self
            .security
            .get(None, SERVICE, ACCOUNT)
            .expect("Claude Code's item");
        String::from_utf8(bytes).unwrap()
    }
}

/// Claude Code's item as Claude Code writes it: printable ASCII JSON, here with MCP
/// server logins making it far longer than one `security -i` line.
fn live_of(account: &str, tag: &str) -> String {
    let mcp: Vec<String> = (0..40)
        .map(|n| {
            format!(
                r#""srv{n}|x":{{"accessToken":"mcp-{n}-{}","expiresAt":0}}"#,
                "t".repeat(60)
            )
        })
        .collect();
    format!(
        r#"{{"claudeAiOauth":{},"mcpOAuth":{{{}}},"organizationName":"Z\u00fcrich","organizationUuid":"org-{account}"}}"#,
        oauth(account, tag, LATER),
        mcp.join(",")
    )
}

#[test]
fn a_switch_round_trip_of_a_login_too_long_for_one_line_keeps_every_byte() {
    let mac = mac();
    let slots = [("ada", "ada", "a1", LATER), ("bob", "bob", "b1", LATER)];
    mac.put(&StoreId::Catalog, &catalog_text(&slots, Some("ada")));
    mac.put(&super::archive("bob"), &login("bob", "b1", LATER));
    let ada_live = live_of("ada", "a1");
    assert!(
        ada_live.len() > 4094,
        "longer than one line: {}",
        ada_live.len()
    );
    mac.security
        .put(None, SERVICE, ACCOUNT, ada_live.as_bytes());
    let server = Server::tls("localhost", vec![]);
    let bob = SlotRef::Name(name("bob"));
    mac.session(|s| use_slot::run(s, &client(&server), &bob))
        .expect("switched");
    let now = mac.claude_item();
    assert!(
        now.bytes().all(|b| (b' '..=b'~').contains(&b)),
        "printable for Claude Code"
    );
    assert!(now.contains("sk-ant-ort01-R-b1") && !now.contains("sk-ant-ort01-R-a1"));
    assert!(now.contains(r#""srv39|x""#), "the MCP logins stay");
    let argv_writes = mac
        .security
        .call_words()
        .into_iter()
        .filter(|w| w[0] == "add-generic-password" && w.contains(&SERVICE.to_owned()))
        .count();
    assert!(argv_writes >= 1, "the long item went on argv");
    let ada = SlotRef::Name(name("ada"));
    mac.session(|s| use_slot::run(s, &client(&server), &ada))
        .expect("switched back");
    assert_eq!(mac.claude_item(), ada_live, "byte for byte");
    assert!(!server.got_another_request());
}

#[test]
fn a_refresh_of_a_login_too_long_for_one_line_reaches_claude_codes_item() {
    let mac = mac();
    let soon = super::NOW + HOUR;
    let slots = [("ada", "ada", "a1", soon)];
    mac.put(&StoreId::Catalog, &catalog_text(&slots, Some("ada")));
    let live = live_of("ada", "a1").replace(&LATER.to_string(), &soon.to_string());
    mac.put(&super::archive("ada"), &live);
    mac.security.put(None, SERVICE, ACCOUNT, live.as_bytes());
    let server = Server::tls("localhost", vec![json(200, &grant_body("a2"))]);
    let results = mac
        .session(|s| refresh::run(s, &client(&server), &RefreshTarget::Active, false))
        .expect("targets");
    assert!(results[0].outcome.is_ok(), "{:?}", results[0].outcome);
    assert_eq!(
        sent_refresh_token(&server.request().body),
        "sk-ant-ort01-R-a1"
    );
    let now = mac.claude_item();
    assert!(
        now.contains("sk-ant-ort01-R-a2"),
        "the new token reached the item"
    );
    assert!(now.contains(r#""srv39|x""#) && now.contains(r#""Z\u00fcrich""#));
    assert!(now.bytes().all(|b| (b' '..=b'~').contains(&b)));
}
