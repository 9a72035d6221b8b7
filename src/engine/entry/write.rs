//! Encoding an entry's first line, for both versions it reads (version 1 only so that
//! reading can check an old entry is byte for byte what was written). Every blob and
//! token is lower-case hex, held in a buffer sized once and wiped when dropped (it
//! spells logins). It never fails: the entry's types only hold what it can write.

use super::{Entry, LEGACY_VERSION};
use crate::engine::step::{Change, ClaudeRule, ClaudeStep, Grant, OurNew, OurStep, Step};
use crate::json;
use crate::redact::Secret;
use crate::store::{Blob, Place};
use std::os::unix::ffi::OsStrExt;

/// The first line of `entry`, including its `\n`, in a buffer large enough for the
/// tag line too (so the secrets in it are not copied by regrowth).
pub(super) fn line(entry: &Entry) -> Vec<u8> {
    let mut out = Line(Vec::with_capacity(capacity(entry)));
    out.raw(b"{\"version\":");
    out.number(entry.version);
    out.raw(b",\"op_id\":\"");
    out.raw(format!("{:016x}", entry.op_id).as_bytes());
    out.raw(b"\",\"op\":");
    out.raw(json::quote(&entry.op).as_bytes());
    out.raw(b",\"created_at_ms\":");
    out.number(entry.created_at_ms);
    if entry.version != LEGACY_VERSION {
        out.raw(b",\"grant\":");
        match &entry.grant {
            Some(grant) => out.grant(grant),
            None => out.raw(b"null"),
        }
    }
    out.raw(b",\"steps\":[");
    for (index, step) in entry.steps.iter().enumerate() {
        if index > 0 {
            out.raw(b",");
        }
        out.step(step);
    }
    out.raw(b"]}\n");
    out.0
}

/// Room for everything hex-encoded, plus the fixed text.
fn capacity(entry: &Entry) -> usize {
    let blobs: usize = entry.steps.iter().map(step_len).sum();
    let grant = entry.grant.as_ref().map_or(0, grant_len);
    (blobs + grant) * 2 + 512 * entry.steps.len() + 512
}

fn step_len(step: &Step) -> usize {
    let len = |blob: &Option<Blob>| blob.as_ref().map_or(0, Blob::len);
    match step {
        Step::Ours(OurStep { expected, new, .. }) => {
            len(expected)
                + match new {
                    OurNew::Bytes(new) => len(new),
                    OurNew::Grant => 0,
                }
        }
        Step::Claude(ClaudeStep { place, rule, .. }) => {
            let place = place.as_ref().map_or(0, |p| {
                p.claude_dir.as_os_str().len() + p.credentials_dir.as_os_str().len()
            });
            place
                + match rule {
                    ClaudeRule::Bytes { expected, new } => len(expected) + len(new),
                    ClaudeRule::Login { expected, change } => {
                        expected.len()
                            + match change {
                                Change::Swap(blob) | Change::Replace(blob) => blob.len(),
                                Change::Grant | Change::SignOut => 0,
                            }
                    }
                }
        }
    }
}

fn grant_len(grant: &Grant) -> usize {
    let tokens = &grant.tokens;
    let secret = |s: &Option<Secret>| s.as_ref().map_or(0, Secret::len);
    let scopes: usize = tokens.scopes.iter().flatten().map(|s| s.len() + 1).sum();
    secret(&tokens.access_token) + secret(&tokens.refresh_token) + scopes
}

/// The line being written.
struct Line(Vec<u8>);

impl Line {
    fn raw(&mut self, bytes: &[u8]) {
        self.0.extend_from_slice(bytes);
    }

    fn number(&mut self, n: impl std::fmt::Display) {
        self.raw(n.to_string().as_bytes());
    }

    /// `"<hex>"` of `bytes` (which may spell a login: the hex is wiped too).
    fn hex(&mut self, bytes: &[u8]) {
        let hex = Blob::new(crate::hex::encode(bytes).into_bytes());
        self.raw(b"\"");
        self.raw(hex.as_bytes());
        self.raw(b"\"");
    }

    fn blob(&mut self, blob: Option<&Blob>) {
        match blob {
            Some(blob) => self.hex(blob.as_bytes()),
            None => self.raw(b"null"),
        }
    }

    fn secret(&mut self, secret: Option<&Secret>) {
        match secret {
            Some(secret) => self.hex(secret.expose().as_bytes()),
            None => self.raw(b"null"),
        }
    }

    fn optional(&mut self, n: Option<impl std::fmt::Display>) {
        match n {
            Some(n) => self.number(n),
            None => self.raw(b"null"),
        }
    }

    fn store(&mut self, step: &Step) {
        self.raw(b"{\"store\":");
        self.raw(json::quote(&step.store().to_text()).as_bytes());
    }

    fn step(&mut self, step: &Step) {
        self.store(step);
        match step {
            Step::Ours(OurStep { expected, new, .. }) => {
                self.raw(b",\"expected\":");
                self.blob(expected.as_ref());
                match new {
                    OurNew::Bytes(new) => {
                        self.raw(b",\"new\":");
                        self.blob(new.as_ref());
                    }
                    OurNew::Grant => self.raw(b",\"from_grant\":true"),
                }
            }
            Step::Claude(ClaudeStep { place, rule, .. }) => {
                if let Some(place) = place {
                    self.raw(b",\"place\":");
                    self.place(place);
                }
                self.rule(rule);
            }
        }
        self.raw(b"}");
    }

    fn rule(&mut self, rule: &ClaudeRule) {
        match rule {
            ClaudeRule::Bytes { expected, new } => {
                self.raw(b",\"expected\":");
                self.blob(expected.as_ref());
                self.raw(b",\"new\":");
                self.blob(new.as_ref());
            }
            ClaudeRule::Login { expected, change } => {
                self.raw(b",\"expected_token\":");
                self.secret(Some(expected));
                self.raw(b",\"change\":");
                match change {
                    Change::Grant => self.raw(b"\"grant\""),
                    Change::SignOut => self.raw(b"\"sign-out\""),
                    Change::Swap(blob) => {
                        self.raw(b"{\"swap\":");
                        self.hex(blob.as_bytes());
                        self.raw(b"}");
                    }
                    Change::Replace(blob) => {
                        self.raw(b"{\"replace\":");
                        self.hex(blob.as_bytes());
                        self.raw(b"}");
                    }
                }
            }
        }
    }

    fn place(&mut self, place: &Place) {
        self.raw(b"{\"claude_dir\":");
        self.hex(place.claude_dir.as_os_str().as_bytes());
        self.raw(b",\"credentials_dir\":");
        self.hex(place.credentials_dir.as_os_str().as_bytes());
        self.raw(b",\"keychain\":");
        match &place.keychain {
            Some(item) => {
                self.raw(b"{\"service\":");
                self.raw(json::quote(&item.service).as_bytes());
                self.raw(b",\"account\":");
                self.raw(json::quote(&item.account).as_bytes());
                self.raw(b"}");
            }
            None => self.raw(b"null"),
        }
        self.raw(b"}");
    }

    fn grant(&mut self, grant: &Grant) {
        let tokens = &grant.tokens;
        self.raw(b"{\"received_at_ms\":");
        self.number(grant.received_at_ms);
        self.raw(b",\"access_token\":");
        self.secret(tokens.access_token.as_ref());
        self.raw(b",\"refresh_token\":");
        self.secret(tokens.refresh_token.as_ref());
        self.raw(b",\"expires_in\":");
        self.optional(tokens.expires_in);
        self.raw(b",\"scopes\":");
        match &tokens.scopes {
            Some(scopes) => self.hex(scopes.join(" ").as_bytes()),
            None => self.raw(b"null"),
        }
        self.raw(b",\"refresh_token_expires_in\":");
        self.optional(tokens.refresh_token_expires_in);
        self.raw(b"}");
    }
}
