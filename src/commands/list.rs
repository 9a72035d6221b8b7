//! `list` (also a bare `claude-token`): one block per slot with its usage, token
//! expiry, login deadline and status; `--detail` adds the per-model windows and extra
//! usage; `--no-usage` asks nothing; `--debug` dumps paths and stored payloads.
//!
//! Usage comes from `ops::usage` (parallel requests without the state lock, a
//! 5-minute cache, a 401 refreshed once); the replay is lenient: a journal entry that
//! needs attention is a warning here, not a stop. With no catalog it creates nothing
//! and says what to do next, looking at Claude Code's credentials file without ever
//! printing a token from it. Only `--debug` shows tokens, under a warning line.

use std::fmt::Write as _;

use super::usage::{
    extra_line, fetched_line, has_catalog, problem_line, usage_json, window_lines, Sessions,
};
use super::{object, optional, print_json};
use crate::catalog::Catalog;
use crate::cli::{Format, Global, SlotName};
use crate::json::{self, Value};
use crate::log::Log;
use crate::ops::usage::{self, Gathered, Locker, Problem, SlotView, Status};
use crate::ops::{Env, Replay};
use crate::paths::Paths;
use crate::store::StoreId;
use crate::term::{Colour, Paint};
use crate::{fs, oauth, term, time, Error};

/// Claude Code's credentials file is small; a larger file is not one.
const MAX_CREDENTIALS: u64 = 1 << 20;

/// What `list` was asked to show.
#[derive(Debug, Clone, Copy)]
pub struct Flags {
    pub debug: bool,
    pub detail: bool,
    pub no_usage: bool,
}

/// Runs `list`.
pub fn run(global: &Global, flags: Flags) -> Result<(), Error> {
    let log = Log::new(global.verbosity);
    let sessions = Sessions::new(log, Replay::Lenient)?;
    let json_out = global.format == Format::Json;
    if flags.debug {
        debug_dump(&sessions, json_out)?;
    }
    if !has_catalog(sessions.env()) {
        return nothing_yet(sessions.env(), json_out);
    }
    let client = if flags.no_usage {
        None
    } else {
        Some(oauth::Client::from_env()?)
    };
    let options = usage::Options {
        ignore_cache: false,
        only: None,
    };
    let gathered = usage::gather(&sessions, client.as_ref(), &options, time::now_ms)?;
    let now = time::now_ms();
    warn_problems(&gathered, now);
    match global.format {
        Format::Json => print_json(&to_json(&gathered, now)),
        Format::Pretty if gathered.catalog.slots.is_empty() => {
            term::out(&no_slots(&sessions.env().paths))
        }
        Format::Pretty => term::out(&pretty(&gathered, Paint::for_stdout(), flags.detail, now)),
    }
}

/// No catalog: nothing is locked or created.
fn nothing_yet(env: &Env, json_out: bool) -> Result<(), Error> {
    if json_out {
        print_json(&to_json(
            &Gathered {
                catalog: std::rc::Rc::default(),
                held_aside: Vec::new(),
                slots: Vec::new(),
                store_error: None,
            },
            0,
        ))
    } else {
        term::out(&no_slots(&env.paths))
    }
}

/// A warning line per slot whose usage could not be asked, and for a failed store.
fn warn_problems(gathered: &Gathered, now: i64) {
    for view in &gathered.slots {
        match &view.problem {
            Some(Problem::NoLogin) | None => {}
            Some(problem) => term::warn(&problem_line(view.name.as_str(), problem, now)),
        }
    }
    if let Some(err) = &gathered.store_error {
        term::warn(&format!("could not store the usage in the catalog: {err}"));
    }
    for (slot, entry) in &gathered.held_aside {
        term::warn(&format!(
            "{slot}: a newer login of this slot waits in {}; its refreshes are blocked until \
             that file is looked at and removed",
            entry.display()
        ));
    }
}

/// The machine-readable form (SPEC.md section 4).
fn to_json(gathered: &Gathered, now: i64) -> Value {
    let catalog = &gathered.catalog;
    let slots = gathered
        .slots
        .iter()
        .filter_map(|view| Some((catalog.position(&view.name)?, view)))
        .map(|(i, view)| slot_json(catalog, i, view, now));
    object(vec![
        (
            "active",
            optional(catalog.active.as_ref().map(SlotName::as_str)),
        ),
        ("slots", Value::Array(slots.collect())),
    ])
}

fn slot_json(catalog: &Catalog, index: usize, view: &SlotView, now: i64) -> Value {
    let slot = &catalog.slots[index];
    let rfc3339 =
        |ms: Option<i64>| ms.map_or(Value::Null, |ms| Value::from(time::format_rfc3339(ms)));
    Value::Object(vec![
        ("index".into(), Value::from(index as u64 + 1)),
        ("name".into(), Value::from(slot.name.as_str())),
        ("email".into(), optional(slot.email.as_deref())),
        (
            "active".into(),
            Value::from(catalog.active.as_ref() == Some(&slot.name)),
        ),
        ("plan".into(), optional(slot.plan.as_deref())),
        (
            "status".into(),
            Value::from(usage::status(slot, view, now).as_str()),
        ),
        ("expires_at".into(), rfc3339(view.expires_at_ms)),
        (
            "expires_at_ms".into(),
            view.expires_at_ms.map_or(Value::Null, Value::from),
        ),
        ("login_deadline".into(), rfc3339(view.login_deadline_ms)),
        ("usage".into(), usage_json(view)),
    ])
}

/// One block per slot: a head row (marker, `#N`, name, email, plan, status, columns
/// aligned across slots), then indented lines for usage, expiry and deadline.
fn pretty(gathered: &Gathered, paint: Paint, detail: bool, now: i64) -> String {
    let catalog = &gathered.catalog;
    let rows: Vec<(usize, &SlotView)> = gathered
        .slots
        .iter()
        .filter_map(|view| Some((catalog.position(&view.name)?, view)))
        .collect();
    let heads: Vec<[String; 4]> = rows.iter().map(|&(i, _)| head_cells(catalog, i)).collect();
    let widths = column_widths(&heads);
    // About 300 bytes a slot: one buffer, grown rarely.
    let mut out = String::with_capacity(320 * rows.len());
    for (cells, &(i, view)) in heads.iter().zip(&rows) {
        let status = usage::status(&catalog.slots[i], view, now);
        for (cell, width) in cells.iter().zip(widths) {
            pad(&mut out, cell, width);
            out.push_str("  ");
        }
        out.push_str(&status_text(status, paint));
        out.push('\n');
        body(&mut out, view, paint, detail, now);
    }
    out
}

/// Appends `text` left-aligned in `width` characters (as `{:<width$}` would).
fn pad(out: &mut String, text: &str, width: usize) {
    out.push_str(text);
    out.extend(std::iter::repeat_n(
        ' ',
        width.saturating_sub(text.chars().count()),
    ));
}

/// Starts an indented line with its label: `      token  `.
fn label(out: &mut String, indent: &str, label: &str) {
    out.push_str(indent);
    pad(out, label, 6);
    out.push(' ');
}

/// `* #1`, name, email, plan, each made safe for a terminal.
fn head_cells(catalog: &Catalog, index: usize) -> [String; 4] {
    let slot = &catalog.slots[index];
    let marker = if catalog.active.as_ref() == Some(&slot.name) {
        "*"
    } else {
        " "
    };
    let mut number = String::with_capacity(6);
    number.push_str(marker);
    number.push_str(" #");
    time::push_digits(&mut number, index as u64 + 1, 1);
    [
        number,
        slot.name.to_string(),
        slot.email
            .as_deref()
            .map_or_else(|| "-".into(), term::one_line),
        slot.plan
            .as_deref()
            .map_or_else(|| "-".into(), term::one_line),
    ]
}

fn column_widths(rows: &[[String; 4]]) -> [usize; 4] {
    let mut widths = [0usize; 4];
    for row in rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    widths
}

fn status_text(status: Status, paint: Paint) -> String {
    let (text, colour) = match status {
        Status::Ok => ("ok", Colour::Green),
        Status::RefreshSoon => ("refresh soon", Colour::Yellow),
        Status::Expired => ("expired", Colour::Red),
        Status::LoginDead => ("login dead: run `claude` and /login", Colour::Red),
    };
    paint.paint(text, colour)
}

/// Appends the indented lines under a slot's head row.
fn body(out: &mut String, view: &SlotView, paint: Paint, detail: bool, now: i64) {
    const INDENT: &str = "      ";
    if let Some(snap) = &view.usage {
        out.push_str(&window_lines(snap, paint, detail, now, INDENT));
        if let (true, Some(extra)) = (detail, &view.extra) {
            out.push_str(&extra_line(extra, INDENT));
        }
    } else {
        label(out, INDENT, "usage");
        out.push_str("not known\n");
    }
    expiry_line(out, view, now, INDENT);
    if view.dead {
        label(out, INDENT, "login");
        out.push_str("login dead: the server refused it; log in again (`claude`, then /login), then `claude-token add`\n");
    } else if let Some(at) = view.login_deadline_ms {
        label(out, INDENT, "login");
        out.push_str("renew by ");
        time::push_local(out, at);
        out.push_str(" (");
        time::push_rfc3339(out, at);
        out.push_str(", ");
        time::push_relative(out, now, at);
        out.push_str(")\n");
    }
    if let Some(snap) = &view.usage {
        out.push_str(&fetched_line(snap, view.stale, paint, now, INDENT));
    }
}

/// `token  expires in 7h 59m: 2025-06-15 21:00 CEST (2025-06-15T19:00:00Z)`.
fn expiry_line(out: &mut String, view: &SlotView, now: i64, indent: &str) {
    label(out, indent, "token");
    let Some(at) = view.expires_at_ms else {
        out.push_str("no readable login in the archive\n");
        return;
    };
    out.push_str(if at > now { "expires " } else { "expired " });
    time::push_relative(out, now, at);
    out.push_str(": ");
    time::push_local(out, at);
    out.push_str(" (");
    time::push_rfc3339(out, at);
    out.push_str(")\n");
}

/// `--debug`: paths, the catalog and every stored login, tokens included, under a
/// warning line. To stdout, or to stderr with `--format json` (stdout stays one JSON
/// object). Outside bytes are made safe for a terminal.
fn debug_dump(sessions: &Sessions, json_out: bool) -> Result<(), Error> {
    let mut text = String::from(
        "WARNING: debug output below shows tokens (access and refresh); do not share it\n",
    );
    text.push_str(&debug_paths(&sessions.env().paths));
    if has_catalog(sessions.env()) {
        sessions.locked(&mut |session| {
            let mut ids = vec![StoreId::Catalog];
            ids.extend(
                session
                    .catalog()
                    .slots
                    .iter()
                    .map(|s| StoreId::Archive(s.name.clone())),
            );
            ids.extend([StoreId::ClaudeKeychain, StoreId::ClaudeFile]);
            for id in ids {
                let Some(store) = session.stores().open(&id) else {
                    continue;
                };
                let content = match store.read()? {
                    Some(blob) => terminal_safe(&String::from_utf8_lossy(blob.as_bytes())),
                    None => "(absent)".into(),
                };
                let _ = writeln!(text, "--- {id}\n{}", content.trim_end());
            }
            Ok(())
        })?;
    }
    text.push('\n');
    if json_out {
        term::err_text(&text);
        Ok(())
    } else {
        term::out(&text)
    }
}

/// Control characters other than newline and tab become `?`.
fn terminal_safe(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c.is_control() && c != '\n' && c != '\t' {
                '?'
            } else {
                c
            }
        })
        .collect()
}

/// What to do when there are no slots: what we see of Claude Code's login, then `add`.
fn no_slots(paths: &Paths) -> String {
    let file = paths.credentials_file();
    let seen = match fs::read_regular(&file, MAX_CREDENTIALS) {
        Ok(Some(read)) => describe_login(&read.bytes),
        Ok(None) => {
            return format!(
                "No slots yet, and no Claude Code login at {}.\n\
                 Log in with `claude` (then /login), then run: claude-token add\n",
                file.display()
            )
        }
        Err(err) => format!("but it cannot be read: {err}"),
    };
    format!(
        "No slots yet.\nClaude Code's login file is {} ({seen}).\n\
         Register that login as a slot with: claude-token add\n",
        file.display()
    )
}

/// A one-phrase description of a credentials blob; never shows a token.
fn describe_login(bytes: &[u8]) -> String {
    let Ok(doc) = json::parse(bytes) else {
        return "but it is not valid JSON".into();
    };
    let Some(oauth) = doc.get(&["claudeAiOauth"]) else {
        return "but it holds no Claude login".into();
    };
    let plan = oauth
        .get("subscriptionType")
        .and_then(|n| n.as_str().map(std::borrow::Cow::into_owned));
    let expiry = oauth
        .get("expiresAt")
        .and_then(|n| n.as_i64())
        .filter(|&ms| ms > 0);
    let mut text = plan.map_or_else(
        || "logged in".into(),
        |p| format!("logged in, plan {}", clean(&p)),
    );
    if let Some(ms) = expiry {
        let now = time::now_ms();
        let verb = if ms > now { "expires" } else { "expired" };
        let when = time::relative(now, ms);
        text = format!("{text}, access token {verb} {when}");
    }
    text
}

/// Outside text shown in a sentence: printable ASCII only, short.
fn clean(text: &str) -> String {
    text.chars()
        .filter(char::is_ascii_graphic)
        .take(40)
        .collect()
}

fn debug_paths(paths: &Paths) -> String {
    format!(
        "config dir:        {}\ndata dir:          {}\nclaude dir:        {}\n\
         credentials file:  {}\ncatalog:           {}\nfile backend:      {}\n",
        paths.config_dir.display(),
        paths.data_dir.display(),
        paths.claude_dir.display(),
        paths.credentials_file().display(),
        paths.catalog().display(),
        paths.file_backend,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn describing_a_login_never_shows_its_tokens() {
        let blob = br#"{"claudeAiOauth":{"accessToken":"sk-ant-oat01-SECRET","refreshToken":"sk-ant-ort01-SECRET","expiresAt":1,"subscriptionType":"max"}}"#;
        let text = describe_login(blob);
        assert!(text.starts_with("logged in, plan max"), "{text}");
        assert!(!text.contains("SECRET"));
        assert_eq!(describe_login(b"{"), "but it is not valid JSON");
        assert_eq!(describe_login(b"{}"), "but it holds no Claude login");
    }

    #[test]
    fn debug_payloads_lose_escape_sequences_but_keep_lines() {
        assert_eq!(terminal_safe("a\x1b[31mb\nc\td"), "a?[31mb\nc\td");
    }
}
