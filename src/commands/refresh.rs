//! `refresh [NAME|#N|--all] [--force]`: refresh slots (`ops::refresh`). Quiet on
//! success unless `-v`, so cron mails only on trouble; `--format json` always prints
//! the results. One slot's failure is the command's error; with `--all` each failure
//! is a warning line and the command ends with a summary error (exit 3 when a login
//! is dead). Never prints a token.

use std::fmt::Write as _;

use super::{in_session, object, print_json};
use crate::cli::{Format, Global, RefreshTarget};
use crate::error::exit;
use crate::json::Value;
use crate::log::Log;
use crate::ops::refresh::{self, Outcome, SlotResult};
use crate::{oauth, term, time, Error};

pub fn run(global: &Global, target: &RefreshTarget, force: bool) -> Result<(), Error> {
    let client = oauth::Client::from_env()?;
    let log = Log::new(global.verbosity);
    let results = in_session(&log, |session| {
        refresh::run(session, &client, target, force)
    })?;
    let now = time::now_ms();
    match global.format {
        Format::Json => print_json(&to_json(&results))?,
        Format::Pretty if log.verbose() => term::out(&pretty(&results, now))?,
        Format::Pretty => {}
    }
    for result in &results {
        if let Ok(Outcome::Refreshed { adopted: true, .. } | Outcome::Fresh { adopted: true, .. }) =
            &result.outcome
        {
            log.info(&format!(
                "{}: adopted the tokens Claude Code had rotated",
                result.slot
            ));
        }
        if let Ok(Outcome::Refreshed {
            complete: false, ..
        }) = &result.outcome
        {
            term::warn(&format!(
                "{}: the server's answer held a new refresh token but no usable access \
                 token; the new refresh token is stored and the login is refreshed again \
                 at its next use",
                result.slot
            ));
        }
    }
    match target {
        RefreshTarget::All => summary(results),
        RefreshTarget::Active | RefreshTarget::One(_) => single(results),
    }
}

/// One slot: its failure or dead login is the command's error.
fn single(results: Vec<SlotResult>) -> Result<(), Error> {
    for result in results {
        let outcome = result.outcome?;
        if let Some(err) = outcome.dead_error(&result.slot) {
            return Err(err);
        }
    }
    Ok(())
}

/// `--all`: a warning per failed slot, then one error naming them. A login found
/// dead before is only a warning: nothing was sent, and nothing new went wrong.
fn summary(results: Vec<SlotResult>) -> Result<(), Error> {
    let mut dead = Vec::new();
    let mut failed = Vec::new();
    let mut code = None;
    for result in results {
        match result.outcome {
            Ok(outcome @ Outcome::KnownDead { .. }) => {
                if let Some(err) = outcome.dead_error(&result.slot) {
                    term::warn(&format!("{}: {err}; skipped", result.slot));
                }
            }
            Ok(outcome) => {
                if let Some(err) = outcome.dead_error(&result.slot) {
                    term::warn(&format!("{}: {err}", result.slot));
                    dead.push(result.slot);
                }
            }
            Err(err) => {
                term::warn(&format!("{}: {err}", result.slot));
                code.get_or_insert(err.exit_code());
                failed.push(result.slot);
            }
        }
    }
    if dead.is_empty() && failed.is_empty() {
        return Ok(());
    }
    Err(Error::RefreshIncomplete {
        dead,
        failed,
        code: code.unwrap_or(exit::UNAVAILABLE),
    })
}

fn pretty(results: &[SlotResult], now: i64) -> String {
    let mut out = String::new();
    for result in results {
        let line = match &result.outcome {
            Ok(Outcome::Refreshed { expires_at_ms, .. }) => format!(
                "refreshed, valid until {} ({})",
                time::format_local(*expires_at_ms),
                time::relative(now, *expires_at_ms)
            ),
            Ok(Outcome::Fresh { expires_at_ms, .. }) => {
                let left = time::relative(now, *expires_at_ms);
                format!("fresh, expires {left}; not refreshed")
            }
            Ok(Outcome::LoginDead { .. }) => "login dead".to_owned(),
            Ok(Outcome::KnownDead { .. }) => "login dead; not sent again".to_owned(),
            Err(_) => "failed".to_owned(),
        };
        let _ = writeln!(out, "{}: {line}", result.slot);
    }
    out
}

/// `{"schema":1,"results":[{"slot":NAME,"result":"refreshed"|"fresh"|"login_dead"|
/// "failed","expires_at":RFC3339|null,"expires_at_ms":N|null,"adopted":bool,
/// "error":TEXT|null}]}`.
fn to_json(results: &[SlotResult]) -> Value {
    let list = results.iter().map(|result| {
        let (word, expires, adopted, error) = match &result.outcome {
            Ok(Outcome::Refreshed {
                expires_at_ms,
                adopted,
                ..
            }) => ("refreshed", Some(*expires_at_ms), *adopted, None),
            Ok(Outcome::Fresh {
                expires_at_ms,
                adopted,
            }) => ("fresh", Some(*expires_at_ms), *adopted, None),
            Ok(dead @ (Outcome::LoginDead { .. } | Outcome::KnownDead { .. })) => (
                "login_dead",
                None,
                false,
                dead.dead_error(&result.slot).map(|e| e.to_string()),
            ),
            Err(err) => ("failed", None, false, Some(err.to_string())),
        };
        Value::Object(vec![
            ("slot".into(), Value::from(result.slot.as_str())),
            ("result".into(), Value::from(word)),
            (
                "expires_at".into(),
                expires.map_or(Value::Null, |ms| Value::from(time::format_rfc3339(ms))),
            ),
            (
                "expires_at_ms".into(),
                expires.map_or(Value::Null, Value::from),
            ),
            ("adopted".into(), Value::from(adopted)),
            ("error".into(), error.map_or(Value::Null, Value::from)),
        ])
    });
    object(vec![("results", Value::Array(list.collect()))])
}
