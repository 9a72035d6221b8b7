//! `usage [NAME|#N]`: one slot's quota (default: the active slot), always asked anew
//! (`ops::usage`; a 401 refreshes once and retries), pretty or JSON. Also what `list`
//! shares with it: real sessions for `ops::usage` ([`Sessions`]), the usage JSON
//! object, and the pretty window lines. Never prints a token.

use std::fmt::Write as _;

use super::{object, print_json, show_notes, show_notices};
use crate::catalog::{UsageSnapshot, UsageWindow};
use crate::cli::{Format, Global, SlotRef};
use crate::engine::{StateLock, DEFAULT_WAIT};
use crate::json::{Number, Value};
use crate::log::Log;
use crate::oauth::{self, ExtraUsage};
use crate::ops::usage::{self, Locker, Problem, SlotView};
use crate::ops::{Env, Replay, Session};
use crate::term::{Colour, Paint};
use crate::{term, time, Error};

/// Cells in a usage bar.
const BAR_CELLS: usize = 8;

pub fn run(global: &Global, slot: Option<&SlotRef>) -> Result<(), Error> {
    let log = Log::new(global.verbosity);
    let client = oauth::Client::from_env()?;
    let sessions = Sessions::new(log, Replay::Strict)?;
    let name = sessions.resolve(slot)?;
    let options = usage::Options {
        ignore_cache: true,
        only: Some(name.clone()),
    };
    let gathered = usage::gather(&sessions, Some(&client), &options, time::now_ms)?;
    if let Some(err) = &gathered.store_error {
        term::warn(&format!("could not store the usage in the catalog: {err}"));
    }
    let mut view = gathered.slots.into_iter().next().ok_or(Error::NoSuchSlot {
        slot: name.to_string(),
    })?;
    let now = time::now_ms();
    report_problem(&mut view, now)?;
    match global.format {
        Format::Json => print_json(&object(vec![
            ("slot", Value::from(name.as_str())),
            ("usage", usage_json(&view)),
        ])),
        Format::Pretty => term::out(&pretty(&view, Paint::for_stdout(), now)),
    }
}

/// A failure with nothing stored to show is the command's error; with a stored
/// snapshot it is a warning and the snapshot is shown as stale.
fn report_problem(view: &mut SlotView, now: i64) -> Result<(), Error> {
    let Some(problem) = view.problem.take() else {
        return Ok(());
    };
    if view.usage.is_none() {
        return Err(match problem {
            Problem::RateLimited { retry_at_ms } => Error::OAuth(oauth::Error::RateLimited {
                endpoint: oauth::Endpoint::Usage,
                retry_at_ms,
            }),
            Problem::NoLogin => Error::NoLogin {
                origin: format!("the archive of slot {}", view.name),
            },
            Problem::Failed(err) => err,
        });
    }
    term::warn(&problem_line(view.name.as_str(), &problem, now));
    Ok(())
}

/// One warning line for a slot whose usage could not be asked.
pub(super) fn problem_line(name: &str, problem: &Problem, now: i64) -> String {
    match problem {
        Problem::RateLimited {
            retry_at_ms: Some(at),
        } => format!(
            "{name}: usage rate limited; showing the last known value; retry {}",
            time::relative(now, *at)
        ),
        Problem::RateLimited { retry_at_ms: None } => {
            format!("{name}: usage rate limited; showing the last known value")
        }
        Problem::NoLogin => format!("{name}: no readable login in the slot's archive"),
        Problem::Failed(err) => format!("{name}: usage not available: {err}"),
    }
}

/// Real sessions of this process's environment for `ops::usage`: the state lock is
/// taken for each call and released after it; notes and notices are shown.
pub(super) struct Sessions {
    env: Env,
    log: Log,
    replay: Replay,
}

impl Sessions {
    pub(super) fn new(log: Log, replay: Replay) -> Result<Sessions, Error> {
        Ok(Sessions {
            env: Env::from_env()?,
            log,
            replay,
        })
    }

    pub(super) fn env(&self) -> &Env {
        &self.env
    }

    /// The slot `slot` names, else the active slot (none: a usage error).
    fn resolve(&self, slot: Option<&SlotRef>) -> Result<crate::cli::SlotName, Error> {
        let mut name = None;
        self.locked(&mut |session| {
            let catalog = session.catalog();
            name = Some(match slot {
                Some(slot) => catalog.find(slot)?.name.clone(),
                None => catalog
                    .active_slot()
                    .map(|s| s.name.clone())
                    .ok_or_else(|| Error::Usage {
                        message: "no active slot; name one".into(),
                        hint: Some("claude-token usage <NAME|#N>".into()),
                    })?,
            });
            Ok(())
        })?;
        Ok(name.expect("the locked body ran"))
    }
}

impl Locker for Sessions {
    fn locked(
        &self,
        body: &mut dyn FnMut(&mut Session<'_>) -> Result<(), Error>,
    ) -> Result<(), Error> {
        let lock = StateLock::acquire(&self.env.paths.data_dir, DEFAULT_WAIT)?;
        let opened = Session::open(
            &lock,
            &self.env.backend,
            &self.env.paths,
            self.replay,
            time::now_ms,
        );
        show_notices(&self.env);
        let mut session = opened?;
        show_notes(&self.log, &mut session);
        let result = body(&mut session);
        show_notes(&self.log, &mut session);
        show_notices(&self.env);
        result
    }
}

/// `{"fetched_at":…,"stale":bool,"five_hour":…,"seven_day":…,"seven_day_sonnet":…,
/// "seven_day_opus":…}`, or `null` with no snapshot (SPEC.md section 4).
pub(super) fn usage_json(view: &SlotView) -> Value {
    let Some(snap) = &view.usage else {
        return Value::Null;
    };
    Value::Object(vec![
        (
            "fetched_at".into(),
            Value::from(time::format_rfc3339(snap.fetched_at_ms)),
        ),
        ("stale".into(), Value::from(view.stale)),
        ("five_hour".into(), window_json(snap.five_hour.as_ref())),
        ("seven_day".into(), window_json(snap.seven_day.as_ref())),
        (
            "seven_day_sonnet".into(),
            window_json(snap.seven_day_sonnet.as_ref()),
        ),
        (
            "seven_day_opus".into(),
            window_json(snap.seven_day_opus.as_ref()),
        ),
    ])
}

fn window_json(window: Option<&UsageWindow>) -> Value {
    let Some(window) = window else {
        return Value::Null;
    };
    let utilization = Number::from_f64(window.utilization).map_or(Value::Null, Value::Number);
    let resets_at = window
        .resets_at_ms
        .map_or(Value::Null, |ms| Value::from(time::format_rfc3339(ms)));
    Value::Object(vec![
        ("utilization".into(), utilization),
        ("resets_at".into(), resets_at),
    ])
}

/// The `usage` command's pretty form: every window, extra usage, when it was asked.
fn pretty(view: &SlotView, paint: Paint, now: i64) -> String {
    let mut out = format!("{}\n", view.name);
    match &view.usage {
        Some(snap) => {
            out.push_str(&window_lines(snap, paint, true, now, "  "));
            if let Some(extra) = &view.extra {
                out.push_str(&extra_line(extra, "  "));
            }
            out.push_str(&fetched_line(snap, view.stale, paint, now, "  "));
        }
        None => out.push_str("  usage: not known\n"),
    }
    out
}

/// One line per window: `5h  ██░░░░░░  23%  resets in 1h 59m (2025-06-15 21:00 CEST)`.
/// `detail` adds the per-model weekly windows.
pub(super) fn window_lines(
    snap: &UsageSnapshot,
    paint: Paint,
    detail: bool,
    now: i64,
    indent: &str,
) -> String {
    let mut windows = vec![("5h", &snap.five_hour), ("7d", &snap.seven_day)];
    if detail {
        windows.push(("sonnet", &snap.seven_day_sonnet));
        windows.push(("opus", &snap.seven_day_opus));
    }
    let mut out = String::new();
    for (label, window) in windows {
        let _ = writeln!(
            out,
            "{indent}{label:<6} {}",
            window_cell(window.as_ref(), paint, now)
        );
    }
    out
}

/// `██░░░░░░  23%  resets in 1h 59m (2025-06-15 21:00 CEST)`, or `-`.
fn window_cell(window: Option<&UsageWindow>, paint: Paint, now: i64) -> String {
    let Some(window) = window else {
        return "-".into();
    };
    let percent = format!("{:>3.0}%", window.utilization);
    let mut cell = format!(
        "{}  {}",
        paint.bar(window.utilization, BAR_CELLS),
        paint.paint(&percent, term::level_colour(window.utilization))
    );
    if let Some(at) = window.resets_at_ms {
        let _ = write!(
            cell,
            "  resets {} ({})",
            time::relative(now, at),
            time::format_local(at)
        );
    }
    cell
}

/// `extra   on, 12.5 of 50 credits used (25%)`.
pub(super) fn extra_line(extra: &ExtraUsage, indent: &str) -> String {
    let state = match extra.is_enabled {
        Some(true) => "on",
        Some(false) => "off",
        None => "unknown",
    };
    let mut line = format!("{indent}{:<6} {state}", "extra");
    if let (Some(used), Some(limit)) = (extra.used_credits, extra.monthly_limit) {
        let _ = write!(line, ", {used} of {limit} credits used this month");
    }
    if let Some(share) = extra.utilization {
        let _ = write!(line, " ({share:.0}%)");
    }
    line.push('\n');
    line
}

/// `asked 2m ago` (dim), or `last known value, asked 2h 05m ago (stale)`.
pub(super) fn fetched_line(
    snap: &UsageSnapshot,
    stale: bool,
    paint: Paint,
    now: i64,
    indent: &str,
) -> String {
    let ago = time::relative(now, snap.fetched_at_ms);
    let text = if stale {
        paint.paint(
            &format!("last known value, asked {ago} (stale)"),
            Colour::Yellow,
        )
    } else {
        paint.paint(&format!("asked {ago}"), Colour::Dim)
    };
    format!("{indent}{text}\n")
}

/// Whether `catalog` exists at all (or a legacy one that a session would move into
/// place): without either there is nothing to list and nothing to lock.
pub(super) fn has_catalog(env: &Env) -> bool {
    let paths = &env.paths;
    [paths.catalog(), paths.legacy_catalog()]
        .iter()
        .any(|p| p.symlink_metadata().is_ok())
}
