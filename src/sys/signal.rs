//! Catching SIGTERM, SIGINT and SIGHUP through a self-pipe, for the daemon.
//!
//! Owns the process's handlers for those three signals and the pipe that wakes a
//! sleeper when one arrives. The handler does only async-signal-safe work: it sets an
//! atomic flag and writes one byte to the pipe (saving and restoring `errno`). The
//! flags carry what was caught, so a full pipe never loses a signal; the pipe only
//! wakes `poll`. The sleeper polls the pipe's read end with a timeout, so the process
//! wakes for a signal or its deadline and at no other time. It never installs twice,
//! never closes the pipe (a handler on another thread could still be writing to it),
//! and never decides what a signal means.

use std::io;
use std::os::fd::RawFd;
use std::sync::atomic::{AtomicBool, AtomicI32, Ordering};
use std::time::{Duration, Instant};

/// A signal the handler caught.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Caught {
    Terminate,
    Interrupt,
    Hangup,
}

/// The pipe's write end, for the handler; -1 until installed.
static WRITE_FD: AtomicI32 = AtomicI32::new(-1);
/// The first stop signal caught (SIGTERM or SIGINT), 0 for none. It stays set: once
/// asked to stop, the process stays stopping.
static STOP: AtomicI32 = AtomicI32::new(0);
/// A SIGHUP arrived and nobody has taken it yet.
static HANGUP: AtomicBool = AtomicBool::new(false);
/// Handlers are installed once per process.
static INSTALLED: AtomicBool = AtomicBool::new(false);

/// Proof that the handlers are installed, and the pipe's read end to sleep on.
#[derive(Debug)]
pub(crate) struct SignalPipe {
    read: RawFd,
}

impl SignalPipe {
    /// Creates the pipe and installs the handlers (with `SA_RESTART`, so a blocking
    /// read elsewhere in the process is resumed, not failed). A second call fails with
    /// `AlreadyExists`.
    pub(crate) fn install() -> io::Result<SignalPipe> {
        if INSTALLED.swap(true, Ordering::SeqCst) {
            return Err(io::Error::new(
                io::ErrorKind::AlreadyExists,
                "signal handlers are already installed",
            ));
        }
        let (read, write) = nonblocking_pipe()?;
        WRITE_FD.store(write, Ordering::SeqCst);
        for signo in [libc::SIGTERM, libc::SIGINT, libc::SIGHUP] {
            set_handler(signo)?;
        }
        Ok(SignalPipe { read })
    }

    /// Sleeps until a signal is caught (also one caught before this call) or `timeout`
    /// has passed. A stop signal is reported before a hangup, and again at every later
    /// call; a hangup is reported once. `None`: the time ran out.
    pub(crate) fn wait(&self, timeout: Duration) -> io::Result<Option<Caught>> {
        let deadline = Instant::now().checked_add(timeout);
        loop {
            if let Some(caught) = take_caught() {
                return Ok(Some(caught));
            }
            let left = deadline.map_or(Duration::MAX, |d| {
                d.saturating_duration_since(Instant::now())
            });
            if left.is_zero() {
                return Ok(None);
            }
            if poll_readable(self.read, left)? {
                drain(self.read)?;
            }
        }
    }
}

/// What the handler recorded: the sticky stop signal first, else a pending hangup.
fn take_caught() -> Option<Caught> {
    match STOP.load(Ordering::SeqCst) {
        libc::SIGTERM => return Some(Caught::Terminate),
        libc::SIGINT => return Some(Caught::Interrupt),
        _ => {}
    }
    HANGUP
        .swap(false, Ordering::SeqCst)
        .then_some(Caught::Hangup)
}

/// The handler: flags what arrived and wakes the sleeper. Async-signal-safe only:
/// lock-free atomics and write(2).
extern "C" fn on_signal(signo: libc::c_int) {
    let saved = errno();
    if signo == libc::SIGHUP {
        HANGUP.store(true, Ordering::SeqCst);
    } else {
        let _ = STOP.compare_exchange(0, signo, Ordering::SeqCst, Ordering::SeqCst);
    }
    let fd = WRITE_FD.load(Ordering::SeqCst);
    if fd >= 0 {
        let byte = 1u8;
        // SAFETY: write(2) is async-signal-safe; `fd` is the pipe's write end, which is
        // never closed; the buffer is one live byte on this stack. A full pipe fails
        // with EAGAIN (non-blocking), which is fine: a wake-up byte is already there.
        unsafe {
            libc::write(fd, (&raw const byte).cast(), 1);
        }
    }
    set_errno(saved);
}

/// Installs `on_signal` for `signo`.
fn set_handler(signo: libc::c_int) -> io::Result<()> {
    // SAFETY: an all-zero `sigaction` is a valid value of this plain C struct; every
    // field that matters is set below.
    let mut action: libc::sigaction = unsafe { std::mem::zeroed() };
    action.sa_sigaction = on_signal as extern "C" fn(libc::c_int) as libc::sighandler_t;
    action.sa_flags = libc::SA_RESTART;
    // SAFETY: `sa_mask` is a valid, writable sigset_t inside `action`.
    unsafe {
        libc::sigemptyset(&raw mut action.sa_mask);
    }
    // SAFETY: `action` is fully initialised and names a handler that only does
    // async-signal-safe work; the old action is not asked for (null).
    let rc = unsafe { libc::sigaction(signo, &raw const action, std::ptr::null_mut()) };
    if rc == 0 {
        Ok(())
    } else {
        Err(io::Error::last_os_error())
    }
}

/// Waits until `fd` is readable or `timeout` passes. `false`: the time ran out or a
/// signal interrupted the wait (the caller looks at the flags and the clock again).
fn poll_readable(fd: RawFd, timeout: Duration) -> io::Result<bool> {
    // Rounded up, so the wait never ends just before the deadline and spins.
    let millis = timeout.as_nanos().div_ceil(1_000_000);
    let millis = libc::c_int::try_from(millis).unwrap_or(libc::c_int::MAX);
    let mut pfd = libc::pollfd {
        fd,
        events: libc::POLLIN,
        revents: 0,
    };
    // SAFETY: `pfd` is one valid, writable pollfd and the count says one.
    let rc = unsafe { libc::poll(&raw mut pfd, 1, millis) };
    if rc < 0 {
        let err = io::Error::last_os_error();
        return match err.raw_os_error() {
            Some(libc::EINTR) => Ok(false),
            _ => Err(err),
        };
    }
    if pfd.revents & libc::POLLNVAL != 0 {
        return Err(io::Error::from_raw_os_error(libc::EBADF));
    }
    Ok(rc > 0)
}

/// Reads every wake-up byte waiting in the (non-blocking) pipe.
fn drain(fd: RawFd) -> io::Result<()> {
    let mut buf = [0u8; 64];
    loop {
        // SAFETY: `buf` is a live, writable buffer of the length passed.
        let n = unsafe { libc::read(fd, buf.as_mut_ptr().cast(), buf.len()) };
        if n > 0 {
            continue;
        }
        if n == 0 {
            return Ok(());
        }
        let err = io::Error::last_os_error();
        match err.raw_os_error() {
            Some(libc::EINTR) => {}
            Some(code) if code == libc::EAGAIN || code == libc::EWOULDBLOCK => return Ok(()),
            _ => return Err(err),
        }
    }
}

/// A pipe with both ends non-blocking and close-on-exec: `(read, write)`.
#[cfg(target_os = "linux")]
fn nonblocking_pipe() -> io::Result<(RawFd, RawFd)> {
    let mut fds: [libc::c_int; 2] = [-1; 2];
    // SAFETY: `fds` is a writable array of two ints, as pipe2 requires.
    let rc = unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC | libc::O_NONBLOCK) };
    if rc == 0 {
        Ok((fds[0], fds[1]))
    } else {
        Err(io::Error::last_os_error())
    }
}

/// A pipe with both ends non-blocking and close-on-exec: `(read, write)`. macOS has
/// no pipe2; the flags are set right after (only the daemon's thread runs then, so no
/// child can be spawned in between).
#[cfg(not(target_os = "linux"))]
fn nonblocking_pipe() -> io::Result<(RawFd, RawFd)> {
    let mut fds: [libc::c_int; 2] = [-1; 2];
    // SAFETY: `fds` is a writable array of two ints, as pipe requires.
    if unsafe { libc::pipe(fds.as_mut_ptr()) } != 0 {
        return Err(io::Error::last_os_error());
    }
    for fd in fds {
        // SAFETY: `fd` was just returned by pipe and is open; these fcntl commands
        // take an int argument and touch no memory of ours.
        let ok = unsafe {
            libc::fcntl(fd, libc::F_SETFD, libc::FD_CLOEXEC) == 0
                && libc::fcntl(fd, libc::F_SETFL, libc::O_NONBLOCK) == 0
        };
        if !ok {
            return Err(io::Error::last_os_error());
        }
    }
    Ok((fds[0], fds[1]))
}

/// This thread's `errno`.
fn errno() -> libc::c_int {
    // SAFETY: the location is this thread's errno, valid for the thread's life.
    unsafe { *errno_location() }
}

fn set_errno(value: libc::c_int) {
    // SAFETY: as in `errno`; writing an int there is what libc itself does.
    unsafe {
        *errno_location() = value;
    }
}

#[cfg(target_os = "linux")]
fn errno_location() -> *mut libc::c_int {
    // SAFETY: no preconditions; returns this thread's errno location.
    unsafe { libc::__errno_location() }
}

#[cfg(not(target_os = "linux"))]
fn errno_location() -> *mut libc::c_int {
    // SAFETY: no preconditions; returns this thread's errno location.
    unsafe { libc::__error() }
}
