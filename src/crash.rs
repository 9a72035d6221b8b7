//! Named crash points: places where a crash test may end the process abruptly.
//!
//! Owns the list of points and the one switch that fires them. With the cargo feature
//! `crash-points` and `CLAUDE_TOKEN_CRASH_AT=<name>` (or `<name>#<n>`, the n-th time
//! that point is reached) in the environment, reaching that point sends the process
//! SIGKILL: no unwinding, no destructors, no buffered output flushed, exactly as a
//! power cut or `kill -9` leaves things, except that the kernel still holds what was
//! written. Without the feature [`point`] is an empty inline function. It never
//! decides what a point means and never imports the engine: `fs` and the engine both
//! call it.

/// Every crash point, by where it sits. The engine names one per step boundary of a
/// commit and a replay; `fs` names the two inside an atomic replace (and a reservation's
/// commit).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Point {
    /// `fs::write_atomic` and `fs::Reservation::commit`: the temp file is written and
    /// flushed, not yet renamed.
    FsTempWritten,
    /// `fs::write_atomic` and `fs::Reservation::commit`: renamed over the target, the
    /// directory not yet flushed.
    FsRenamed,
    /// The journal entry is durable; no store is written yet.
    JournalWritten,
    /// A step on a slot's archive entry is done.
    AppliedArchive,
    /// A step on Claude Code's Keychain item is done.
    AppliedClaudeKeychain,
    /// A step on Claude Code's `.credentials.json` is done.
    AppliedClaudeFile,
    /// A step on the catalog is done.
    AppliedCatalog,
    /// The journal entry is deleted and its directory flushed.
    JournalRemoved,
}

/// All points, in the order a commit first reaches them.
const ALL: [Point; 8] = [
    Point::FsTempWritten,
    Point::FsRenamed,
    Point::JournalWritten,
    Point::AppliedArchive,
    Point::AppliedClaudeKeychain,
    Point::AppliedClaudeFile,
    Point::AppliedCatalog,
    Point::JournalRemoved,
];

impl Point {
    /// The name `CLAUDE_TOKEN_CRASH_AT` uses.
    pub const fn name(self) -> &'static str {
        match self {
            Point::FsTempWritten => "fs:temp-written",
            Point::FsRenamed => "fs:renamed",
            Point::JournalWritten => "journal-written",
            Point::AppliedArchive => "applied:archive",
            Point::AppliedClaudeKeychain => "applied:claude-keychain",
            Point::AppliedClaudeFile => "applied:claude-file",
            Point::AppliedCatalog => "applied:catalog",
            Point::JournalRemoved => "journal-removed",
        }
    }
}

/// Every crash point, for harnesses that try each one.
pub const fn points() -> &'static [Point] {
    &ALL
}

/// The environment variable that arms one point.
pub const ENV: &str = "CLAUDE_TOKEN_CRASH_AT";

/// Whether this build has crash points compiled in.
pub const ENABLED: bool = cfg!(feature = "crash-points");

/// Marks a crash point. Does nothing unless the build has the `crash-points` feature
/// and `CLAUDE_TOKEN_CRASH_AT` names this point (and this is the chosen hit).
#[inline]
pub fn point(point: Point) {
    #[cfg(feature = "crash-points")]
    armed::reach(point);
    #[cfg(not(feature = "crash-points"))]
    let _ = point;
}

/// The environment variable naming a file that receives, with the `crash-points`
/// feature, the length of each window between a refresh answer's last byte and the
/// sync of its journal entry, in microseconds, one line each (the crash tests report
/// them).
pub const WINDOW_LOG_ENV: &str = "CLAUDE_TOKEN_WINDOW_LOG";

/// Marks the moment the last byte of a refresh answer has been read: the old refresh
/// token is spent from here until [`window_closes`]. Nothing without the feature.
#[inline]
pub fn window_opens() {
    #[cfg(feature = "crash-points")]
    window::open();
}

/// Marks the moment the answer's journal entry is synced (see [`window_opens`]).
#[inline]
pub fn window_closes() {
    #[cfg(feature = "crash-points")]
    window::close();
}

#[cfg(feature = "crash-points")]
mod window {
    use std::io::Write as _;
    use std::sync::{Mutex, PoisonError};
    use std::time::Instant;

    static OPENED: Mutex<Option<Instant>> = Mutex::new(None);

    pub(super) fn open() {
        *OPENED.lock().unwrap_or_else(PoisonError::into_inner) = Some(Instant::now());
    }

    pub(super) fn close() {
        let opened = OPENED.lock().unwrap_or_else(PoisonError::into_inner).take();
        let (Some(opened), Some(path)) = (opened, std::env::var_os(super::WINDOW_LOG_ENV)) else {
            return;
        };
        let line = format!("{}\n", opened.elapsed().as_micros());
        let file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path);
        if let Ok(mut file) = file {
            let _ = file.write_all(line.as_bytes());
        }
    }
}

/// What `CLAUDE_TOKEN_CRASH_AT=<value>` asks for: the point name and which hit
/// (1-based; a bare name is the first). `None` for a value naming no point or with a
/// count that is not a positive decimal number.
pub fn parse_target(value: &str) -> Option<(Point, u32)> {
    let (name, nth) = match value.split_once('#') {
        Some((name, count)) => (name, parse_count(count)?),
        None => (value, 1),
    };
    let point = ALL.into_iter().find(|p| p.name() == name)?;
    Some((point, nth))
}

fn parse_count(count: &str) -> Option<u32> {
    if count.is_empty() || !count.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    count.parse().ok().filter(|&n| n > 0)
}

#[cfg(feature = "crash-points")]
mod armed {
    use super::{parse_target, Point, ENV};
    use std::sync::atomic::{AtomicU32, Ordering};
    use std::sync::OnceLock;

    /// The armed point, read from the environment once per process.
    static TARGET: OnceLock<Option<(Point, u32)>> = OnceLock::new();
    /// How many times the armed point has been reached so far.
    static HITS: AtomicU32 = AtomicU32::new(0);

    pub(super) fn reach(point: Point) {
        let target = TARGET.get_or_init(|| {
            let value = std::env::var_os(ENV)?;
            parse_target(value.to_str()?)
        });
        let Some((armed, nth)) = *target else {
            return;
        };
        if armed == point && HITS.fetch_add(1, Ordering::SeqCst) + 1 == nth {
            crate::sys::process::kill_self();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn point_names_are_unique_and_each_parses_back() {
        let names: HashSet<&str> = points().iter().map(|p| p.name()).collect();
        assert_eq!(names.len(), points().len());
        for &point in points() {
            assert_eq!(parse_target(point.name()), Some((point, 1)));
            let counted = format!("{}#12", point.name());
            assert_eq!(parse_target(&counted), Some((point, 12)));
        }
    }

    /// The files that mark crash points; a new caller must be added here.
    const CALLERS: [&str; 4] = [
        include_str!("fs/atomic.rs"),
        include_str!("fs/reserve.rs"),
        include_str!("engine/apply.rs"),
        include_str!("engine/journal.rs"),
    ];

    /// Every `Point::<Variant>` the callers name, so a point cannot be marked in the
    /// code and missed by harnesses iterating over [`points`].
    #[test]
    fn every_point_the_code_marks_is_listed_and_every_listed_one_is_marked() {
        let listed: HashSet<String> = points().iter().map(|p| format!("{p:?}")).collect();
        let mut used = HashSet::new();
        for source in CALLERS {
            for (at, _) in source.match_indices("Point::") {
                let rest = &source[at + "Point::".len()..];
                let end = rest
                    .find(|c: char| !c.is_ascii_alphanumeric())
                    .unwrap_or(rest.len());
                used.insert(rest[..end].to_owned());
            }
        }
        assert_eq!(used, listed);
    }

    #[test]
    fn rejects_unknown_names_and_bad_counts() {
        for bad in [
            "",
            "journal",
            "Journal-written",
            "journal-written#",
            "journal-written#0",
            "journal-written#-1",
            "journal-written#+1",
            "journal-written#1#2",
            "journal-written#99999999999",
            "fs:renamed ",
        ] {
            assert_eq!(parse_target(bad), None, "{bad}");
        }
    }
}
