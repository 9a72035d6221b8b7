//! Scenarios with the real Claude Code (npm `@anthropic-ai/claude-code` 2.1.332)
//! against the in-process stand-in for Anthropic's service (`fake`, on port 443).
//! They run only through `.ci/claude-interop.sh`, which installs Claude Code, makes a
//! private network and mount namespace where `api.anthropic.com` and
//! `platform.claude.com` are 127.0.0.1, and runs `cargo test -- --ignored claude_code_`
//! inside it; every test here is `#[ignore]` so a plain `cargo test` never starts one.
//!
//! Files: `harness` (namespace check, one scenario at a time, HOME per scenario,
//! running `claude` and `claude-token`), `print_mode` (Claude Code on its own: which
//! login it uses, how it refreshes and rewrites the credentials file), `locks` (Claude
//! Code waiting on refresh locks we hold), `slots` (claude-token's `add`, `use`,
//! `refresh`, `exec` with Claude Code on the same HOME). Each scenario writes what it saw to
//! `notes.txt` in its directory; the script prints those notes.

mod harness;
mod locks;
mod print_mode;
mod slots;

use claude_token::json;

/// The members of the object at `path` in `text`: key and raw value, in source order.
fn members(text: &str, path: &[&str]) -> Vec<(String, String)> {
    let doc = json::parse(text.as_bytes()).expect("the file is JSON");
    let node = if path.is_empty() {
        doc.root()
    } else {
        doc.get(path).expect("the object is there")
    };
    node.members()
        .map(|m| (m.key().into_owned(), m.value().raw().to_owned()))
        .collect()
}

fn keys(members: &[(String, String)]) -> Vec<&str> {
    members.iter().map(|(k, _)| k.as_str()).collect()
}

/// The string at `path` in the JSON `text`.
fn string_at(text: &str, path: &[&str]) -> Option<String> {
    let doc = json::parse(text.as_bytes()).ok()?;
    doc.get(path)?.as_str().map(std::borrow::Cow::into_owned)
}
