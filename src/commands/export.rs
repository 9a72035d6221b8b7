//! `export <NAME|#N> [--path FILE] [--force]`: write a slot's login to a file
//! (`ops::export`) and say where. The bytes go only to the file, never to the
//! terminal.

use std::path::Path;

use super::{in_session, object, print_json};
use crate::cli::{Format, Global, SlotRef};
use crate::json::Value;
use crate::log::Log;
use crate::ops::export::{self, Exported, From};
use crate::{oauth, term, Error};

pub fn run(global: &Global, slot: &SlotRef, path: Option<&Path>, force: bool) -> Result<(), Error> {
    let log = Log::new(global.verbosity);
    // Only asked when Claude Code's login names no account (as after its own
    // refresh): whose it is decides which bytes are the slot's newest.
    let client = oauth::Client::from_env().ok();
    let exported = in_session(&log, |session| {
        export::run(session, client.as_ref(), slot, path, force)
    })?;
    if exported.keychain_first {
        term::warn(
            "Claude Code reads its Keychain item first and keeps using the login there; \
             the file was written, the active slot is unchanged (`claude-token use` switches both)",
        );
    }
    match global.format {
        Format::Json => print_json(&to_json(&exported)),
        Format::Pretty => term::out(&format!(
            "wrote {}'s login to {}\n",
            exported.slot,
            exported.path.display()
        )),
    }
}

/// `{"schema":1,"slot":NAME,"path":TEXT,"source":"live"|"archive"}`.
fn to_json(exported: &Exported) -> Value {
    let source = match exported.from {
        From::Live => "live",
        From::Archive => "archive",
    };
    object(vec![
        ("slot", Value::from(exported.slot.as_str())),
        (
            "path",
            Value::from(exported.path.to_string_lossy().into_owned()),
        ),
        ("source", Value::from(source)),
    ])
}
