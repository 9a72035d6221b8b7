//! `remove <NAME|#N> [--yes]`: forget a slot (`ops::remove`). On a terminal it says
//! what will happen and asks; without one it requires `--yes`. The question is asked
//! with the state lock released (a person may take their time; a cron refresh must
//! not find the lock held meanwhile), and the removal is planned again under the lock.

use std::fmt::Write as _;
use std::io::{self, BufRead, IsTerminal};

use super::{in_session, object, print_json};
use crate::cli::{Format, Global, SlotRef};
use crate::json::Value;
use crate::log::Log;
use crate::ops::remove::{self, Removal};
use crate::store::StoreId;
use crate::{term, Error};

pub fn run(global: &Global, slot: &SlotRef, yes: bool) -> Result<(), Error> {
    let log = Log::new(global.verbosity);
    if !yes {
        confirm(&log, slot)?;
    }
    let removal = in_session(&log, |session| remove::run(session, slot))?;
    if !removal.live_kept.is_empty() {
        term::warn(&kept_line(&removal));
    }
    match global.format {
        Format::Json => print_json(&to_json(&removal)),
        Format::Pretty => term::out(&pretty(&removal)),
    }
}

/// Asks on a terminal; refuses without one.
fn confirm(log: &Log, slot: &SlotRef) -> Result<(), Error> {
    let stdin = io::stdin();
    if !stdin.is_terminal() {
        return Err(Error::Usage {
            message: "`remove` asks for confirmation, but there is no terminal to ask on".into(),
            hint: Some(format!("claude-token remove {slot} --yes")),
        });
    }
    let plan = in_session(log, |session| remove::plan(session, slot))?;
    let mut question = String::new();
    if plan.was_active {
        let _ = writeln!(question, "{} is the active slot.", plan.slot);
    }
    if !plan.live_cleared.is_empty() {
        question.push_str("Removing it also signs Claude Code out: its login is deleted.\n");
    }
    if !plan.live_kept.is_empty() {
        question.push_str(&kept_line(&plan));
        question.push('\n');
    }
    let _ = write!(question, "remove slot {}? [y/N] ", plan.slot);
    term::err_text(&question);
    let mut answer = String::new();
    stdin
        .lock()
        .read_line(&mut answer)
        .map_err(|source| Error::Io {
            action: "read from",
            path: "standard input".into(),
            source,
        })?;
    match answer.trim().to_ascii_lowercase().as_str() {
        "y" | "yes" => Ok(()),
        _ => Err(Error::Cancelled { action: "remove" }),
    }
}

fn kept_line(removal: &Removal) -> String {
    format!(
        "Claude Code's login is left in place: it is not {}'s",
        removal.slot
    )
}

fn pretty(removal: &Removal) -> String {
    let mut out = format!("removed slot {}\n", removal.slot);
    if !removal.live_cleared.is_empty() {
        out.push_str(
            "Claude Code is signed out; log in with `claude` or switch with `claude-token use`\n",
        );
    }
    out
}

/// `{"schema":1,"removed":NAME,"was_active":bool,"signed_out":bool}`.
fn to_json(removal: &Removal) -> Value {
    let signed_out = removal
        .live_cleared
        .iter()
        .any(|id| matches!(id, StoreId::ClaudeFile | StoreId::ClaudeKeychain));
    object(vec![
        ("removed", Value::from(removal.slot.as_str())),
        ("was_active", Value::from(removal.was_active)),
        ("signed_out", Value::from(signed_out)),
    ])
}
