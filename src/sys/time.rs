//! libc calls for time: `localtime_r` for display in the local zone (honours `TZ`).
//!
//! `TZ` and the zone file are read once per process (the first `tzset`): with `TZ`
//! unset, glibc's `tzset` stats `/etc/localtime` on every call, which cost a system
//! call per time shown. Only reads the zone; never sets `TZ` or any other environment
//! variable. `tzset` and
//! `localtime_r` read `TZ` through libc's `getenv`, so, as with every libc user, a thread
//! calling `setenv` at the same moment would race; this crate never calls `setenv`.

use std::ffi::CStr;
use std::io;
use std::sync::Once;

extern "C" {
    // POSIX, in libc on Linux and macOS; the `libc` crate does not declare it for unix.
    fn tzset();
}

/// Local calendar fields of one instant, copied out of libc's `struct tm`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct LocalTm {
    pub year: i64,
    /// 1-12.
    pub month: u8,
    pub day: u8,
    pub hour: u8,
    pub minute: u8,
    /// 0-60: a zone with leap seconds (`right/...`) may report 60.
    pub second: u8,
    /// Seconds east of UTC (`tm_gmtoff`).
    pub utc_offset_s: i64,
    /// The zone abbreviation (`tm_zone`), e.g. `CET`; empty when libc gives none.
    pub zone: String,
}

/// The local time of `epoch_s` seconds since 1970, in the zone read at the first call.
pub(crate) fn localtime(epoch_s: i64) -> io::Result<LocalTm> {
    static ZONE_READ: Once = Once::new();
    let time = libc::time_t::try_from(epoch_s).map_err(|_| overflow())?;
    // SAFETY: tzset takes no arguments and only updates libc's own zone state; the
    // Once runs it a single time, before any localtime_r of this process.
    ZONE_READ.call_once(|| unsafe { tzset() });
    // SAFETY: `tm` is plain old data (integers and a pointer) for which all-zero bytes
    // are a valid value; libc overwrites it below.
    let mut tm: libc::tm = unsafe { std::mem::zeroed() };
    // SAFETY: both pointers come from live references to properly aligned values that
    // outlive the call; localtime_r writes only into `tm` (it is the reentrant variant
    // and does not use the shared static buffer). It cannot fail with EINTR.
    let result = unsafe { libc::localtime_r(&raw const time, &raw mut tm) };
    if result.is_null() {
        return Err(io::Error::last_os_error());
    }
    #[allow(clippy::useless_conversion)] // c_long is i32 on 32-bit targets
    Ok(LocalTm {
        year: i64::from(tm.tm_year) + 1900,
        month: field(tm.tm_mon + 1)?,
        day: field(tm.tm_mday)?,
        hour: field(tm.tm_hour)?,
        minute: field(tm.tm_min)?,
        second: field(tm.tm_sec)?,
        utc_offset_s: i64::from(tm.tm_gmtoff),
        zone: zone_name(tm.tm_zone),
    })
}

/// Copies the abbreviation `tm_zone` points to.
fn zone_name(ptr: *const libc::c_char) -> String {
    if ptr.is_null() {
        return String::new();
    }
    // SAFETY: a non-null `tm_zone` set by localtime_r points to a NUL-terminated string
    // in libc's zone data, valid until the next tzset; we copy it out at once on the
    // same thread, before any further libc time call.
    let name = unsafe { CStr::from_ptr(ptr) };
    String::from_utf8_lossy(name.to_bytes()).into_owned()
}

fn field(value: libc::c_int) -> io::Result<u8> {
    u8::try_from(value).map_err(|_| overflow())
}

fn overflow() -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidData,
        "time outside what localtime_r can represent",
    )
}
