//! Fault injection for tests: makes the n-th write, fsync or rename of `crate::fs`
//! in the current thread fail with a chosen errno.
//!
//! Compiled only for unit tests and with the `crash-points` feature; a normal build
//! has a stub whose hooks are inlined `Ok(())`. State is per thread, so tests running
//! in parallel do not see each other's faults. It never touches a real file.

use std::cell::RefCell;
use std::io;

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
    let (op, nth, errno) = fault.parts();
    let plan = Armed {
        op,
        left: nth.max(1),
        errno,
    };
    ARMED.with_borrow_mut(|armed| armed.push(plan));
}

/// Forgets every planned fault of this thread.
pub fn clear() {
    ARMED.with_borrow_mut(Vec::clear);
}

/// Called before each `op`: fails when a planned fault's turn has come.
pub(crate) fn hit(op: Op) -> io::Result<()> {
    ARMED.with_borrow_mut(|armed| {
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
        fired.map_or(Ok(()), |errno| Err(io::Error::from_raw_os_error(errno)))
    })
}
