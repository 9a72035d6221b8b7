//! Processes: whether one exists, and ending this one abruptly for crash tests.
//!
//! Owns the existence check (signal 0, which sends nothing) and the SIGKILL a crash
//! point sends to its own process (compiled only with the `crash-points` feature). It
//! never signals another process.

/// Whether a process with this pid exists (it may be another user's). Pids outside
/// `1..=i32::MAX` are none: 0 and negatives would name process groups.
pub(crate) fn is_alive(pid: u32) -> bool {
    let Ok(pid) = libc::pid_t::try_from(pid) else {
        return false;
    };
    if pid < 1 {
        return false;
    }
    // SAFETY: signal 0 delivers nothing; kill only checks that the pid exists and
    // whether we may signal it, and touches no memory of ours.
    let rc = unsafe { libc::kill(pid, 0) };
    rc == 0 || std::io::Error::last_os_error().raw_os_error() == Some(libc::EPERM)
}

/// Ends this process with SIGKILL at once: no unwinding, no destructors, no atexit
/// handlers, no flushing of buffered output, as a `kill -9` from outside would.
#[cfg(feature = "crash-points")]
pub(crate) fn kill_self() -> ! {
    // SAFETY: getpid has no preconditions and cannot fail; kill with our own pid and
    // a valid signal number touches no memory of ours.
    unsafe {
        libc::kill(libc::getpid(), libc::SIGKILL);
    }
    // SIGKILL to ourselves is delivered before kill returns; should the kernel ever
    // not do so, abort is the next most abrupt end.
    std::process::abort()
}
