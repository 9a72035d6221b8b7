//! The user database: the login name of the user this process runs as.
//!
//! Owns the one `getpwuid_r` call that names the effective user when `$USER` is not
//! set (the Keychain account rule in `store::keychain`). It never reads the
//! environment and never looks at any other field of the entry.

use std::ffi::{CStr, OsString};
use std::io;
use std::os::unix::ffi::OsStringExt;

/// Largest buffer tried for one password-database entry before giving up.
const MAX_ENTRY_BUFFER: usize = 1 << 20;

/// The login name of the effective user, from the password database; `None` when
/// the user has no entry.
pub(crate) fn login_name() -> io::Result<Option<OsString>> {
    // SAFETY: geteuid takes no arguments, cannot fail and touches no memory of ours.
    let uid = unsafe { libc::geteuid() };
    let mut buffer = vec![0u8; 1024];
    loop {
        // SAFETY: `passwd` holds only integers and pointers, for which all zero bits
        // are a valid value; getpwuid_r overwrites it before we read it.
        let mut entry: libc::passwd = unsafe { std::mem::zeroed() };
        let mut found: *mut libc::passwd = std::ptr::null_mut();
        // SAFETY: `entry`, `found` and `buffer` are valid for writes for the whole
        // call, and `buffer.len()` is the buffer's true length.
        let status = unsafe {
            libc::getpwuid_r(
                uid,
                &raw mut entry,
                buffer.as_mut_ptr().cast(),
                buffer.len(),
                &raw mut found,
            )
        };
        match status {
            0 if found.is_null() || entry.pw_name.is_null() => return Ok(None),
            0 => {
                // SAFETY: on success `pw_name` points to a NUL-terminated string
                // inside `buffer`, which is alive and unchanged here.
                let name = unsafe { CStr::from_ptr(entry.pw_name) };
                return Ok(Some(OsString::from_vec(name.to_bytes().to_vec())));
            }
            libc::EINTR => {}
            libc::ERANGE if buffer.len() < MAX_ENTRY_BUFFER => {
                buffer.resize(buffer.len() * 2, 0);
            }
            _ => return Err(io::Error::from_raw_os_error(status)),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::os::unix::ffi::OsStrExt;

    #[test]
    fn login_name_agrees_with_id_un() {
        let name = super::login_name()
            .unwrap()
            .expect("the test user has an entry");
        let id = std::process::Command::new("id")
            .arg("-un")
            .output()
            .unwrap();
        assert!(id.status.success());
        assert_eq!(name.as_bytes(), id.stdout.trim_ascii_end());
    }
}
