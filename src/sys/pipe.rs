//! A pipe whose read end a program started with `exec` inherits: how `exec --fd` hands
//! a token over without putting it in the environment.
//!
//! Owns `pipe(2)` and the close-on-exec flag of a descriptor. Both ends are created
//! close-on-exec, so no other program ever inherits them by accident; only the read
//! end, right before `exec`, is made inheritable. It never writes or reads the pipe.

use std::io;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, FromRawFd, OwnedFd, RawFd};

/// A new pipe as `(read end, write end)`, both close-on-exec.
pub(crate) fn pipe() -> io::Result<(OwnedFd, OwnedFd)> {
    let mut fds: [RawFd; 2] = [-1; 2];
    // SAFETY: `fds` is a valid, writable array of two descriptors, as pipe(2) requires;
    // pipe does not fail with EINTR.
    if unsafe { libc::pipe(fds.as_mut_ptr()) } != 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: pipe succeeded, so both numbers are open descriptors that nothing else
    // owns; each is wrapped once, and closed when its OwnedFd drops.
    let (read, write) = unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) };
    set_cloexec(read.as_fd(), true)?;
    set_cloexec(write.as_fd(), true)?;
    Ok((read, write))
}

/// Makes `fd` survive `exec` (clears `FD_CLOEXEC`).
pub(crate) fn inherit_on_exec(fd: BorrowedFd<'_>) -> io::Result<()> {
    set_cloexec(fd, false)
}

fn set_cloexec(fd: BorrowedFd<'_>, on: bool) -> io::Result<()> {
    let raw = fd.as_raw_fd();
    // SAFETY: `raw` is an open descriptor borrowed for this call; F_GETFD takes no
    // argument and reads only the descriptor's flags.
    let flags = unsafe { libc::fcntl(raw, libc::F_GETFD) };
    if flags < 0 {
        return Err(io::Error::last_os_error());
    }
    let wanted = if on {
        flags | libc::FD_CLOEXEC
    } else {
        flags & !libc::FD_CLOEXEC
    };
    // SAFETY: as above; F_SETFD with an int flag set changes only that descriptor's
    // flags. Neither call blocks, so EINTR cannot occur.
    if unsafe { libc::fcntl(raw, libc::F_SETFD, wanted) } < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{Read, Write};

    fn cloexec(fd: BorrowedFd<'_>) -> bool {
        // SAFETY: an open descriptor borrowed for this call; F_GETFD only reads flags.
        let flags = unsafe { libc::fcntl(fd.as_raw_fd(), libc::F_GETFD) };
        assert!(flags >= 0);
        flags & libc::FD_CLOEXEC != 0
    }

    #[test]
    fn a_new_pipe_is_close_on_exec_until_its_read_end_is_inherited() {
        let (read, write) = pipe().unwrap();
        assert!(cloexec(read.as_fd()) && cloexec(write.as_fd()));
        inherit_on_exec(read.as_fd()).unwrap();
        assert!(!cloexec(read.as_fd()) && cloexec(write.as_fd()));
        std::fs::File::from(write).write_all(b"token").unwrap();
        let mut got = String::new();
        std::fs::File::from(read).read_to_string(&mut got).unwrap();
        assert_eq!(got, "token");
    }
}
