//! The owner record of Claude Code's refresh lock (`.oauth_refresh.lock.owner`): who
//! holds the lock, in the exact compact JSON Claude Code writes, and this process's
//! identity in it.
//!
//! Owns the record's text (key order, types, number format), reading one back, and
//! the identity facts: the pid, its start time from `/proc/<pid>/stat`, the machine id,
//! the pid namespace and the host name. It never writes or removes the file
//! (`refresh_locks` does, through `crate::fs`), and never judges whether a recorded
//! holder is alive: that is Claude Code's takeover rule, not ours.

use std::fs::Metadata;
use std::io;
use std::time::UNIX_EPOCH;

use crate::json;

/// One owner record, field for field as Claude Code writes it.
#[derive(Debug, Clone, PartialEq)]
pub struct OwnerRecord {
    pub pid: u32,
    /// Field 22 of `/proc/<pid>/stat` (start time in clock ticks since boot), as text.
    pub proc_start: String,
    /// `linux:<machine id>:<pid namespace>`, or `darwin` on macOS.
    pub pid_domain: String,
    /// `<host name>#<pid namespace>`, or the host name alone on macOS.
    pub pid_space: String,
    /// Node's `birthtimeMs` of `.oauth_refresh.lock` (0 where not recorded).
    pub lock_birthtime_ms: f64,
    /// Node's `birthtimeMs` of the legacy lock `realpath(<claude dir>).lock`.
    pub legacy_lock_birthtime_ms: f64,
}

impl OwnerRecord {
    /// The record naming this process as holder of locks born at the times given.
    pub fn for_this_process(
        lock_birthtime_ms: f64,
        legacy_lock_birthtime_ms: f64,
    ) -> io::Result<Self> {
        let pid = std::process::id();
        let (pid_domain, pid_space) = identity::domain_and_space()?;
        Ok(OwnerRecord {
            pid,
            proc_start: identity::own_proc_start()?,
            pid_domain,
            pid_space,
            lock_birthtime_ms,
            legacy_lock_birthtime_ms,
        })
    }

    /// A record naming only our pid, for a process that cannot describe itself (no
    /// `/proc` in a bare chroot or `FROM scratch` container). Claude Code cannot prove
    /// from it that we died, so it waits for the stale time instead of taking over
    /// early: the safe direction.
    pub fn pid_only(lock_birthtime_ms: f64, legacy_lock_birthtime_ms: f64) -> Self {
        OwnerRecord {
            pid: std::process::id(),
            proc_start: String::new(),
            pid_domain: String::new(),
            pid_space: String::new(),
            lock_birthtime_ms,
            legacy_lock_birthtime_ms,
        }
    }

    /// The record as Claude Code writes it: compact JSON, keys in this order, no
    /// trailing newline, numbers as JavaScript prints them.
    pub fn to_json(&self) -> String {
        format!(
            "{{\"pid\":{},\"procStart\":{},\"pidDomain\":{},\"pidSpace\":{},\
             \"lockBirthtimeMs\":{},\"legacyLockBirthtimeMs\":{}}}",
            self.pid,
            json::quote(&self.proc_start),
            json::quote(&self.pid_domain),
            json::quote(&self.pid_space),
            js_number(self.lock_birthtime_ms),
            js_number(self.legacy_lock_birthtime_ms),
        )
    }

    /// Reads a record back; `None` unless it is a JSON object with all six members
    /// of the right types (other members are ignored).
    pub fn parse(bytes: &[u8]) -> Option<Self> {
        let doc = json::parse(bytes).ok()?;
        let root = doc.root();
        let text = |key: &str| root.get(key)?.as_str().map(std::borrow::Cow::into_owned);
        Some(OwnerRecord {
            pid: u32::try_from(root.get("pid")?.as_u64()?).ok()?,
            proc_start: text("procStart")?,
            pid_domain: text("pidDomain")?,
            pid_space: text("pidSpace")?,
            lock_birthtime_ms: root.get("lockBirthtimeMs")?.as_f64()?,
            legacy_lock_birthtime_ms: root.get("legacyLockBirthtimeMs")?.as_f64()?,
        })
    }

    /// Whether both records name the same process (pid and start time).
    pub fn same_holder(&self, other: &OwnerRecord) -> bool {
        self.pid == other.pid && self.proc_start == other.proc_start
    }
}

/// Node's `birthtimeMs` for `meta`: `sec * 1000 + nsec / 1e6` in floating point, 0 when
/// the filesystem records no birth time (libuv then reports 0 from `statx`).
pub fn birthtime_ms(meta: &Metadata) -> f64 {
    let Ok(born) = meta.created() else {
        return 0.0;
    };
    let Ok(since) = born.duration_since(UNIX_EPOCH) else {
        return 0.0;
    };
    // Same operations, in the same order, as Node's msFromTimeSpec; seconds since
    // 1970 fit a double's 53-bit mantissa exactly.
    #[allow(clippy::cast_precision_loss)] // exact for any real time (< 2^53 s)
    let seconds = since.as_secs() as f64;
    seconds * 1000.0 + f64::from(since.subsec_nanos()) / 1e6
}

/// A non-negative finite number below 1e21 as JavaScript's `JSON.stringify` prints it:
/// the fewest decimals that read back as the same double, ties to the even digit,
/// no exponent, no trailing zeros. Anything else (never a time) prints as 0.
fn js_number(value: f64) -> String {
    if !(value.is_finite() && (0.0..1e21).contains(&value)) {
        return "0".into();
    }
    // Rust's fixed-precision formatting is exact and rounds ties to even, so the
    // first precision that round-trips is JavaScript's shortest form.
    for decimals in 0..=17 {
        let text = format!("{value:.decimals$}");
        if text.parse::<f64>() == Ok(value) {
            return text;
        }
    }
    format!("{value}")
}

/// Field 22 (`starttime`) of a `/proc/<pid>/stat` line. Field 2 is the command name
/// in parentheses, which may itself hold spaces and parentheses, so fields are
/// counted from the text after the last `)`. Linux reads `/proc`; tests run everywhere.
#[cfg(any(target_os = "linux", test))]
fn parse_proc_start(stat: &str) -> Option<&str> {
    let (_, after_comm) = stat.rsplit_once(')')?;
    // Fields 3 and on; field 22 is the 20th of them.
    let field = after_comm.split_ascii_whitespace().nth(19)?;
    field.bytes().all(|b| b.is_ascii_digit()).then_some(field)
}

/// The start time (field 22 of `/proc/<pid>/stat`) of process `pid`, as Claude Code
/// records it. Linux only; elsewhere an `Unsupported` error.
pub fn proc_start(pid: u32) -> io::Result<String> {
    identity::proc_start(pid)
}

#[cfg(target_os = "linux")]
mod identity {
    use std::io;

    /// `(pidDomain, pidSpace)` for this process.
    pub(super) fn domain_and_space() -> io::Result<(String, String)> {
        let namespace = std::fs::read_link("/proc/self/ns/pid")?;
        let namespace = namespace.to_string_lossy();
        let host = crate::sys::host::hostname()?;
        Ok((
            format!("linux:{}:{namespace}", machine_id()),
            format!("{host}#{namespace}"),
        ))
    }

    /// `/etc/machine-id` trimmed; empty when missing (a container may lack one): a
    /// domain that matches no other only makes takeover by Claude Code less likely.
    fn machine_id() -> String {
        std::fs::read_to_string("/etc/machine-id")
            .map(|id| id.trim().to_owned())
            .unwrap_or_default()
    }

    pub(super) fn own_proc_start() -> io::Result<String> {
        read_start("/proc/self/stat")
    }

    pub(super) fn proc_start(pid: u32) -> io::Result<String> {
        read_start(&format!("/proc/{pid}/stat"))
    }

    fn read_start(path: &str) -> io::Result<String> {
        let stat = std::fs::read_to_string(path)?;
        super::parse_proc_start(&stat)
            .map(str::to_owned)
            .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidData, "unreadable stat line"))
    }
}

#[cfg(not(target_os = "linux"))]
mod identity {
    use std::io;

    /// macOS: `pidDomain` is `darwin` and `pidSpace` the host name (assumed from
    /// Claude Code's bundled code; not run there).
    pub(super) fn domain_and_space() -> io::Result<(String, String)> {
        Ok(("darwin".into(), crate::sys::host::hostname()?))
    }

    /// No `/proc` here, and how Claude Code reads a start time on macOS is not
    /// known to us: an empty start time claims nothing about the process.
    #[allow(clippy::unnecessary_wraps)] // the signature of the Linux version
    pub(super) fn own_proc_start() -> io::Result<String> {
        Ok(String::new())
    }

    pub(super) fn proc_start(_pid: u32) -> io::Result<String> {
        Err(io::Error::from(io::ErrorKind::Unsupported))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A stat line built from known fields: pid, comm, then fields 3.. where field
    /// 22 is `start`.
    fn stat_line(comm: &str, start: &str) -> String {
        let mut fields: Vec<String> = (3..=52).map(|n| format!("{}", n * 7)).collect();
        fields[0] = "S".into();
        fields[19] = start.into();
        format!("4242 ({comm}) {}\n", fields.join(" "))
    }

    #[test]
    fn proc_start_is_field_22_whatever_the_command_name_holds() {
        for comm in [
            "sleep",
            "a b",
            "x) (y",
            ") 1 2 3 (",
            "((",
            "))",
            "",
            "9 9) S 1 (2",
        ] {
            let line = stat_line(comm, "123456789");
            assert_eq!(parse_proc_start(&line), Some("123456789"), "comm {comm:?}");
        }
    }

    #[test]
    fn proc_start_refuses_short_or_garbled_lines() {
        assert_eq!(parse_proc_start("4242 (sleep) S 1 2 3"), None);
        assert_eq!(parse_proc_start("no parenthesis at all"), None);
        assert_eq!(parse_proc_start(&stat_line("x", "12a")), None);
    }

    #[test]
    fn js_numbers_match_javascript_output() {
        // Outputs of JSON.stringify in Node 20 for these doubles; the third lies
        // exactly halfway between two 4-decimal forms (JavaScript picks the even one).
        let cases = [
            (0.0, "0"),
            (1_760_000_000_123.0, "1760000000123"),
            (1_659_316_167_310.0 + 13.0 / 32.0, "1659316167310.4062"),
            (1_745_449_764_268.781_3, "1745449764268.7812"),
            (1_795_934_599_223.540_5, "1795934599223.5405"),
            (0.1, "0.1"),
        ];
        for (value, expected) in cases {
            assert_eq!(js_number(value), expected);
        }
    }

    #[test]
    fn a_pid_only_record_names_our_pid_and_nothing_to_prove_death_with() {
        let record = OwnerRecord::pid_only(1.5, 0.0);
        assert_eq!(
            record.to_json(),
            format!(
                "{{\"pid\":{},\"procStart\":\"\",\"pidDomain\":\"\",\"pidSpace\":\"\",\
                 \"lockBirthtimeMs\":1.5,\"legacyLockBirthtimeMs\":0}}",
                std::process::id()
            )
        );
        assert_eq!(
            OwnerRecord::parse(record.to_json().as_bytes()),
            Some(record)
        );
    }

    #[test]
    fn records_round_trip_through_their_text() {
        let record = OwnerRecord {
            pid: 77,
            proc_start: "123".into(),
            pid_domain: "linux:abc:pid:[1]".into(),
            pid_space: "host\"x#pid:[1]".into(),
            lock_birthtime_ms: 1_659_316_167_310.0 + 13.0 / 32.0,
            legacy_lock_birthtime_ms: 0.0,
        };
        assert_eq!(
            OwnerRecord::parse(record.to_json().as_bytes()),
            Some(record)
        );
    }

    #[test]
    fn parse_refuses_records_missing_a_member() {
        let text =
            br#"{"pid":1,"procStart":"2","pidDomain":"d","pidSpace":"s","lockBirthtimeMs":0}"#;
        assert_eq!(OwnerRecord::parse(text), None);
        let text = br#"{"pid":"1","procStart":"2","pidDomain":"d","pidSpace":"s","lockBirthtimeMs":0,"legacyLockBirthtimeMs":0}"#;
        assert_eq!(OwnerRecord::parse(text), None);
    }
}
