//! The machine's name, as `gethostname(2)` gives it.
//!
//! Owns the one call that names this host for the owner record of Claude Code's refresh
//! lock (`cclock::owner`), which Node's `os.hostname()` fills from the same call. It
//! never reads a file, never resolves the name and never changes it.

use std::ffi::CStr;
use std::io;

/// Longest name tried; POSIX hosts allow 255 bytes, and the buffer keeps one more
/// for the terminating NUL.
const MAX_NAME: usize = 256;

/// This host's name. A name that fills the whole buffer is an error (it may be cut).
pub(crate) fn hostname() -> io::Result<String> {
    let mut buffer = [0u8; MAX_NAME + 1];
    // SAFETY: the pointer and length describe `buffer`, a live array we borrow
    // exclusively; gethostname writes at most `MAX_NAME` bytes into it, and the last
    // byte stays 0 whatever it does, so the result is always NUL-terminated.
    let status = unsafe { libc::gethostname(buffer.as_mut_ptr().cast(), MAX_NAME) };
    if status != 0 {
        return Err(io::Error::last_os_error());
    }
    let name = CStr::from_bytes_until_nul(&buffer)
        .map_err(|_| io::Error::new(io::ErrorKind::InvalidData, "host name not terminated"))?;
    if name.to_bytes().len() >= MAX_NAME {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            "host name too long",
        ));
    }
    Ok(name.to_string_lossy().into_owned())
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    #[test]
    fn hostname_agrees_with_the_kernel() {
        let name = super::hostname().unwrap();
        let kernel = std::fs::read_to_string("/proc/sys/kernel/hostname").unwrap();
        assert_eq!(name, kernel.trim_end_matches('\n'));
    }
}
