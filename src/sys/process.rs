//! The calling process itself: ending it abruptly for crash tests.
//!
//! Owns only the SIGKILL a crash point sends to its own process. It never signals
//! another process and is compiled only with the `crash-points` feature.

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
