//! Fault injection for tests: makes the n-th write, fsync or rename of `crate::fs`
//! in the current thread fail with a chosen errno.
//!
//! Compiled only for unit tests and with the `crash-points` feature; a normal build
//! has a stub whose hooks are inlined `Ok(())`. State is per thread, so tests running
//! in parallel do not see each other's faults. A child process (the real binary in the
//! crash tests) takes its faults from `CLAUDE_TOKEN_FAULT` instead, read once: a
//! `|`-separated list of `fsync#N`, `nospace#N`, `renamebusy#N`, counted over the whole
//! process. It never touches a real file.

use std::cell::RefCell;
use std::io;
use std::sync::{Mutex, OnceLock, PoisonError};

/// The environment variable that plans faults for a whole process.
pub const ENV: &str = "CLAUDE_TOKEN_FAULT";

/// One planned failure. `nth` counts the matching operations in this thread from
/// the moment of injection: 1 (or 0) is the next one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// The n-th fsync (of a file or a directory) fails with EIO.
    FsyncFails { nth: u32 },
    /// The n-th write fails with ENOSPC.
    NoSpace { nth: u32 },
    /// The n-th rename fails with EBUSY, as a rename over a bind mount does.
    RenameBusy { nth: u32 },
}

/// The operations a fault can hit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Op {
    Write,
    Fsync,
    Rename,
}

impl Fault {
    fn parts(self) -> (Op, u32, i32) {
        match self {
            Fault::FsyncFails { nth } => (Op::Fsync, nth, libc::EIO),
            Fault::NoSpace { nth } => (Op::Write, nth, libc::ENOSPC),
            Fault::RenameBusy { nth } => (Op::Rename, nth, libc::EBUSY),
        }
    }
}

/// A planned failure: the operation, how many more to let through, the errno.
struct Armed {
    op: Op,
    left: u32,
    errno: i32,
}

thread_local! {
    static ARMED: RefCell<Vec<Armed>> = const { RefCell::new(Vec::new()) };
}

/// Plans `fault` for this thread; it fires once.
pub fn inject(fault: Fault) {
    ARMED.with_borrow_mut(|armed| armed.push(self::armed(fault)));
}

/// Forgets every planned fault of this thread.
pub fn clear() {
    ARMED.with_borrow_mut(Vec::clear);
}

/// Called before each `op`: fails when a planned fault's turn has come, this
/// thread's first, then the process's from [`ENV`].
pub(crate) fn hit(op: Op) -> io::Result<()> {
    let fired = ARMED.with_borrow_mut(|armed| count_down(armed, op));
    let fired = fired.or_else(|| {
        let planned = PROCESS.get_or_init(|| Mutex::new(from_env()));
        count_down(
            &mut planned.lock().unwrap_or_else(PoisonError::into_inner),
            op,
        )
    });
    fired.map_or(Ok(()), |errno| Err(io::Error::from_raw_os_error(errno)))
}

/// Counts `op` against every plan for it; the errno of one whose turn it was.
fn count_down(armed: &mut Vec<Armed>, op: Op) -> Option<i32> {
    let mut fired = None;
    armed.retain_mut(|plan| {
        if plan.op != op {
            return true;
        }
        plan.left -= 1;
        if plan.left == 0 {
            fired = Some(plan.errno);
        }
        plan.left > 0
    });
    fired
}

/// The process's faults, planned once from [`ENV`].
static PROCESS: OnceLock<Mutex<Vec<Armed>>> = OnceLock::new();

fn from_env() -> Vec<Armed> {
    let value = std::env::var(ENV).unwrap_or_default();
    parse_plan(&value).into_iter().map(armed).collect()
}

fn armed(fault: Fault) -> Armed {
    let (op, nth, errno) = fault.parts();
    Armed {
        op,
        left: nth.max(1),
        errno,
    }
}

/// `fsync#3|nospace#2|renamebusy#1` (a bare kind is its first operation). A part that
/// names no fault is ignored: a typo only means no fault, which the test then sees.
pub fn parse_plan(value: &str) -> Vec<Fault> {
    value.split('|').filter_map(parse_fault).collect()
}

fn parse_fault(part: &str) -> Option<Fault> {
    let (kind, nth) = part.split_once('#').unwrap_or((part, "1"));
    let nth: u32 = nth.parse().ok().filter(|&n| n > 0)?;
    match kind {
        "fsync" => Some(Fault::FsyncFails { nth }),
        "nospace" => Some(Fault::NoSpace { nth }),
        "renamebusy" => Some(Fault::RenameBusy { nth }),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_a_plan_of_several_faults_and_skips_bad_parts() {
        assert_eq!(
            parse_plan("fsync#3|nospace#2|renamebusy"),
            [
                Fault::FsyncFails { nth: 3 },
                Fault::NoSpace { nth: 2 },
                Fault::RenameBusy { nth: 1 }
            ]
        );
        assert_eq!(parse_plan(""), []);
        assert_eq!(parse_plan("fsync#0|write#1|nospace#x|fsync#"), []);
    }
}
