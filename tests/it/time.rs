//! Tests for `time`: calendar arithmetic against a slow independent count, epoch
//! anchors, RFC 3339 accept/reject tables, local time in child processes, relative
//! durations.

use std::process::Command;

use claude_token::time::{
    self, format_local, format_rfc3339, parse_rfc3339, relative, Civil, TimeError,
};

const DAY_MS: i64 = 86_400_000;

fn date(year: i64, month: u8, day: u8) -> Civil {
    Civil {
        year,
        month,
        day,
        hour: 0,
        minute: 0,
        second: 0,
        millisecond: 0,
    }
}

/// The reference leap rule, written out as the calendar reform states it.
fn slow_is_leap(year: i64) -> bool {
    if year % 400 == 0 {
        true
    } else if year % 100 == 0 {
        false
    } else {
        year % 4 == 0
    }
}

fn slow_month_lengths(year: i64) -> [u8; 12] {
    let feb = if slow_is_leap(year) { 29 } else { 28 };
    [31, feb, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
}

/// Days from 0000-01-01 to 1970-01-01, by adding up whole years.
fn slow_days_year0_to_1970() -> i64 {
    (0..1970)
        .map(|y| if slow_is_leap(y) { 366 } else { 365 })
        .sum()
}

#[test]
fn every_day_from_year_0_to_9999_matches_a_day_by_day_count() {
    let mut days = -slow_days_year0_to_1970();
    for year in 0..=9999 {
        for (month, &length) in (1..=12u8).zip(slow_month_lengths(year).iter()) {
            for day in 1..=length {
                let civil = date(year, month, day);
                assert_eq!(civil.to_epoch_ms(), Some(days * DAY_MS), "{civil:?}");
                assert_eq!(Civil::from_epoch_ms(days * DAY_MS), civil, "day {days}");
                days += 1;
            }
        }
    }
    // 10000 years of Gregorian calendar: 25 eras of 146 097 days.
    assert_eq!(days + slow_days_year0_to_1970(), 25 * 146_097);
}

#[test]
fn leap_year_rule_matches_reference() {
    for year in -800..=10_400 {
        assert_eq!(time::is_leap_year(year), slow_is_leap(year), "{year}");
    }
}

#[test]
fn epoch_anchors() {
    let cases: &[(i64, &str)] = &[
        (0, "1970-01-01T00:00:00Z"),
        (1, "1970-01-01T00:00:00.001Z"),
        (-1, "1969-12-31T23:59:59.999Z"),
        (951_782_400_000, "2000-02-29T00:00:00Z"),
        (951_868_799_999, "2000-02-29T23:59:59.999Z"),
        (253_402_300_799_999, "9999-12-31T23:59:59.999Z"),
        (-62_167_219_200_000, "0000-01-01T00:00:00Z"),
        (-14_182_940_000, "1969-07-20T20:17:40Z"),
        (-2_208_988_800_000, "1900-01-01T00:00:00Z"),
        (946_684_800_000, "2000-01-01T00:00:00Z"),
        (1_000_000_000_000, "2001-09-09T01:46:40Z"),
        (2_147_483_647_000, "2038-01-19T03:14:07Z"),
        (1_795_932_000_000, "2026-11-29T06:00:00Z"),
    ];
    for &(ms, text) in cases {
        assert_eq!(format_rfc3339(ms), text, "{ms}");
        assert_eq!(parse_rfc3339(text), Ok(ms), "{text}");
    }
    assert_eq!(time::MIN_RFC3339_MS, -62_167_219_200_000);
    assert_eq!(time::MAX_RFC3339_MS, 253_402_300_799_999);
}

#[test]
fn civil_fields_of_a_negative_instant() {
    let c = Civil::from_epoch_ms(-1);
    assert_eq!(
        c,
        Civil {
            year: 1969,
            month: 12,
            day: 31,
            hour: 23,
            minute: 59,
            second: 59,
            millisecond: 999
        }
    );
}

#[test]
fn extreme_instants_convert_without_panic_and_round_trip() {
    for ms in [
        i64::MIN,
        i64::MIN + 1,
        i64::MAX,
        i64::MAX - 1,
        -DAY_MS * 1_000_000_000,
    ] {
        let c = Civil::from_epoch_ms(ms);
        assert_eq!(c.to_epoch_ms(), Some(ms), "{c:?}");
        let _ = format_rfc3339(ms);
        let _ = format_local(ms);
    }
}

#[test]
fn years_outside_rfc3339_format_with_a_sign_and_do_not_parse() {
    let before = time::MIN_RFC3339_MS - 1;
    assert_eq!(format_rfc3339(before), "-0001-12-31T23:59:59.999Z");
    let after = time::MAX_RFC3339_MS + 1;
    assert_eq!(format_rfc3339(after), "+10000-01-01T00:00:00Z");
    assert!(parse_rfc3339(&format_rfc3339(before)).is_err());
    assert!(parse_rfc3339(&format_rfc3339(after)).is_err());
}

#[test]
fn to_epoch_ms_rejects_invalid_fields() {
    let ok = Civil {
        year: 2024,
        month: 2,
        day: 29,
        hour: 23,
        minute: 59,
        second: 59,
        millisecond: 999,
    };
    assert!(ok.to_epoch_ms().is_some());
    let bad = [
        Civil { year: 2023, ..ok },
        Civil { month: 0, ..ok },
        Civil { month: 13, ..ok },
        Civil { day: 0, ..ok },
        Civil {
            month: 4,
            day: 31,
            ..ok
        },
        Civil { hour: 24, ..ok },
        Civil { minute: 60, ..ok },
        Civil { second: 60, ..ok },
        Civil {
            millisecond: 1000,
            ..ok
        },
        Civil {
            year: i64::MAX,
            ..ok
        },
        Civil {
            year: 400_000_000,
            ..ok
        },
    ];
    for civil in bad {
        assert_eq!(civil.to_epoch_ms(), None, "{civil:?}");
    }
}

#[test]
fn parses_accepted_forms() {
    let base = 1_795_932_000_000; // 2026-11-29T06:00:00Z
    let cases: &[(&str, i64)] = &[
        ("2026-11-29T06:00:00Z", base),
        ("2026-11-29t06:00:00z", base),
        ("2026-11-29T06:00:00+00:00", base),
        ("2026-11-29T06:00:00-00:00", base),
        ("2026-11-29T11:30:00+05:30", base),
        ("2026-11-28T22:00:00-08:00", base),
        ("2026-11-29T07:00:00+01:00", base),
        ("2026-11-29T06:00:00.5Z", base + 500),
        ("2026-11-29T06:00:00.05Z", base + 50),
        ("2026-11-29T06:00:00.123Z", base + 123),
        ("2026-11-29T06:00:00.1239Z", base + 123),
        ("2026-11-29T06:00:00.999999999999999999999999Z", base + 999),
        ("2026-11-29T06:00:00.000Z", base),
        ("2026-11-29T06:00:60Z", base + 60_000 - 1),
        ("2026-11-29T06:00:60.5Z", base + 60_000 - 1),
        ("2026-12-31T23:59:60Z", 1_798_761_600_000 - 1),
        ("2027-01-01T05:29:60+05:30", 1_798_761_600_000 - 1),
        ("2025-11-04T04:59:59.943648+00:00", 1_762_232_399_943),
        ("2024-02-29T00:00:00Z", 1_709_164_800_000),
        ("2000-02-29T00:00:00Z", 951_782_400_000),
        ("0000-01-01T00:00:00Z", -62_167_219_200_000),
        (
            "0000-01-01T00:00:00+23:59",
            -62_167_219_200_000 - (23 * 60 + 59) * 60_000,
        ),
        ("9999-12-31T23:59:59.999Z", 253_402_300_799_999),
        (
            "9999-12-31T23:59:59.999-23:59",
            253_402_300_799_999 + (23 * 60 + 59) * 60_000,
        ),
    ];
    for &(text, ms) in cases {
        assert_eq!(parse_rfc3339(text), Ok(ms), "{text}");
    }
}

#[test]
fn rejects_malformed_timestamps() {
    use TimeError::{Range, Syntax, Trailing};
    let s = |at, expected| Syntax { at, expected };
    let r = |field| Range { field };
    let cases: &[(&str, TimeError)] = &[
        ("", s(0, "year")),
        ("2026", s(4, "'-' after the year")),
        ("2026-11-29", s(10, "'T' between date and time")),
        ("2026-11-29 06:00:00Z", s(10, "'T' between date and time")),
        ("2026-11-29T06:00Z", s(16, "':' after the minute")),
        (
            "2026-11-29T06:00:00",
            s(19, "offset ('Z', '+hh:mm' or '-hh:mm')"),
        ),
        (
            "2026-11-29T06:00:00UTC",
            s(19, "offset ('Z', '+hh:mm' or '-hh:mm')"),
        ),
        ("2026-11-29T06:00:00.Z", s(20, "digit after '.'")),
        (
            "2026-11-29T06:00:00,5Z",
            s(19, "offset ('Z', '+hh:mm' or '-hh:mm')"),
        ),
        ("2026-11-29T06:00:00+0530", s(22, "':' in the offset")),
        ("2026-11-29T06:00:00+05", s(22, "':' in the offset")),
        ("2026-11-29T06:00:00+5:30", s(21, "offset hours")),
        ("2026-11-29T06:00:00+05:3", s(24, "offset minutes")),
        ("26-11-29T06:00:00Z", s(2, "year")),
        ("+2026-11-29T06:00:00Z", s(0, "year")),
        ("2026-1-29T06:00:00Z", s(6, "month")),
        ("2026-11-9T06:00:00Z", s(9, "day")),
        ("2026-11-29T6:00:00Z", s(12, "hour")),
        ("2026-11-29T06:0:00Z", s(15, "minute")),
        ("2026-11-29T06:00:0Z", s(18, "second")),
        ("2026/11/29T06:00:00Z", s(4, "'-' after the year")),
        ("２026-11-29T06:00:00Z", s(0, "year")),
        ("2026-11-29T06:00:00Zjunk", Trailing { at: 20 }),
        ("2026-11-29T06:00:00Z ", Trailing { at: 20 }),
        ("2026-11-29T06:00:00+00:00Z", Trailing { at: 25 }),
        ("2026-11-29T06:00:00Z\n", Trailing { at: 20 }),
        ("2026-00-29T06:00:00Z", r("month")),
        ("2026-13-29T06:00:00Z", r("month")),
        ("2026-11-00T06:00:00Z", r("day")),
        ("2026-11-31T06:00:00Z", r("day")),
        ("2026-04-31T06:00:00Z", r("day")),
        ("2026-01-32T06:00:00Z", r("day")),
        ("2025-02-29T06:00:00Z", r("day")),
        ("1900-02-29T06:00:00Z", r("day")),
        ("2000-02-30T06:00:00Z", r("day")),
        ("2026-11-29T24:00:00Z", r("hour")),
        ("2026-11-29T06:60:00Z", r("minute")),
        ("2026-11-29T06:00:61Z", r("second")),
        ("2026-11-29T06:00:00+24:00", r("offset hours")),
        ("2026-11-29T06:00:00+05:60", r("offset minutes")),
    ];
    for (text, error) in cases {
        assert_eq!(parse_rfc3339(text).as_ref(), Err(error), "{text}");
    }
}

#[test]
fn every_strict_prefix_of_a_valid_timestamp_is_rejected() {
    let full = "2025-11-04T04:59:59.943648+00:00";
    for end in 0..full.len() {
        assert!(parse_rfc3339(&full[..end]).is_err(), "{}", &full[..end]);
    }
}

#[test]
fn error_messages_are_one_lower_case_line() {
    let errors = [
        parse_rfc3339("x").unwrap_err(),
        parse_rfc3339("2026-13-01T00:00:00Z").unwrap_err(),
        parse_rfc3339("2026-12-01T00:00:00Zx").unwrap_err(),
    ];
    let texts: Vec<String> = errors.iter().map(ToString::to_string).collect();
    assert_eq!(texts[0], "bad timestamp: expected year at byte 0");
    assert_eq!(texts[1], "bad timestamp: month out of range");
    assert_eq!(texts[2], "bad timestamp: unexpected text at byte 20");
}

#[test]
fn format_then_parse_round_trips_across_the_range() {
    // A stride that is not a multiple of a second, minute or day visits every field.
    let stride = 7_777_777_777_i64;
    let mut ms = time::MIN_RFC3339_MS;
    let mut seen = 0;
    while ms <= time::MAX_RFC3339_MS {
        let text = format_rfc3339(ms);
        assert_eq!(parse_rfc3339(&text), Ok(ms), "{text}");
        assert_eq!(text.contains('.'), ms.rem_euclid(1000) != 0, "{text}");
        ms += stride;
        seen += 1;
    }
    assert!(seen > 40_000);
}

#[test]
fn now_is_after_2025() {
    assert!(time::now_ms() > 1_735_689_600_000);
}

#[test]
fn relative_durations() {
    const S: i64 = 1_000;
    const M: i64 = 60 * S;
    const H: i64 = 60 * M;
    const D: i64 = 24 * H;
    let cases: &[(i64, &str)] = &[
        (0, "now"),
        (999, "now"),
        (-999, "now"),
        (S, "in 1s"),
        (-S, "1s ago"),
        (30 * S, "in 30s"),
        (30 * S + 999, "in 30s"),
        (59 * S, "in 59s"),
        (M, "in 1m"),
        (M + 59 * S, "in 1m"),
        (45 * M, "in 45m"),
        (-45 * M, "45m ago"),
        (59 * M + 59 * S, "in 59m"),
        (H, "in 1h 00m"),
        (3 * H + 5 * M, "in 3h 05m"),
        (3 * H + 5 * M + 59 * S, "in 3h 05m"),
        (-(3 * H + 5 * M), "3h 05m ago"),
        (23 * H + 59 * M, "in 23h 59m"),
        (D, "in 1d 0h"),
        (2 * D + 4 * H, "in 2d 4h"),
        (2 * D + 4 * H + 59 * M, "in 2d 4h"),
        (-(2 * D + 4 * H), "2d 4h ago"),
        (30 * D + 23 * H, "in 30d 23h"),
    ];
    for &(delta, text) in cases {
        assert_eq!(
            relative(NOV_29_0600Z, NOV_29_0600Z + delta),
            text,
            "{delta}"
        );
    }
}

#[test]
fn relative_handles_the_whole_i64_range() {
    assert_eq!(relative(i64::MIN, i64::MAX), "in 213503982334d 14h");
    assert_eq!(relative(i64::MAX, i64::MIN), "213503982334d 14h ago");
}

// ---- local time, each zone in a child process so `TZ` never races other tests ----

const CHILD_MS: &str = "CLAUDE_TOKEN_TEST_LOCAL_MS";
const CHILD_MARK: &str = "local-time-child:";

/// In a child (the variable is set) reports `format_local` and the offset on stdout;
/// in the normal run checks the same invariant in whatever zone this process has.
#[test]
fn local_time_child() {
    let Ok(ms) = std::env::var(CHILD_MS) else {
        for ms in [0, 951_782_400_000, 1_795_932_000_000, -14_182_940_000] {
            assert_local_agrees_with_utc(ms);
        }
        return;
    };
    let ms: i64 = ms.parse().expect("child ms");
    assert_local_agrees_with_utc(ms);
    let l = time::local(ms);
    let report = format!(
        "{CHILD_MARK}{}|{}|{}\n",
        format_local(ms),
        l.utc_offset_s,
        l.numeric_offset()
    );
    std::io::Write::write_all(&mut std::io::stdout(), report.as_bytes()).expect("stdout");
}

/// Local wall clock minus the offset must be the UTC instant (to the second).
fn assert_local_agrees_with_utc(ms: i64) {
    let l = time::local(ms);
    let wall = Civil {
        millisecond: 0,
        ..l.civil
    }
    .to_epoch_ms()
    .expect("valid local fields");
    assert_eq!(
        wall - l.utc_offset_s * 1000,
        ms.div_euclid(1000) * 1000,
        "{l:?}"
    );
}

/// Runs `local_time_child` in a fresh copy of this test binary with `TZ` set.
fn local_in_zone(tz: &str, ms: i64) -> (String, i64, String) {
    let exe = std::env::current_exe().expect("test binary path");
    let out = Command::new(exe)
        .args([
            "time::local_time_child",
            "--exact",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(CHILD_MS, ms.to_string())
        .env("TZ", tz)
        .output()
        .expect("run child");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "child failed for {tz}: {stdout}");
    let line = stdout
        .lines()
        .find_map(|l| l.split_once(CHILD_MARK))
        .expect("child report")
        .1;
    let mut parts = line.split('|');
    let text = parts.next().unwrap_or_default().to_owned();
    let offset = parts.next().unwrap_or_default().parse().expect("offset");
    let numeric = parts.next().unwrap_or_default().to_owned();
    (text, offset, numeric)
}

fn check_zone(tz: &str, ms: i64, text: &str, offset: i64, numeric: &str) {
    let got = local_in_zone(tz, ms);
    assert_eq!(
        got,
        (text.to_owned(), offset, numeric.to_owned()),
        "TZ={tz}"
    );
}

const NOV_29_0600Z: i64 = 1_795_932_000_000; // 2026-11-29T06:00:00Z
const JUL_15_1200Z: i64 = 1_784_116_800_000; // 2026-07-15T12:00:00Z

#[test]
fn local_time_with_posix_tz_strings() {
    // POSIX rules need no zone database.
    check_zone("UTC0", NOV_29_0600Z, "2026-11-29 06:00 UTC", 0, "+00:00");
    check_zone(
        "IST-5:30",
        NOV_29_0600Z,
        "2026-11-29 11:30 IST",
        19_800,
        "+05:30",
    );
    let new_york = "EST5EDT,M3.2.0,M11.1.0";
    check_zone(
        new_york,
        NOV_29_0600Z,
        "2026-11-29 01:00 EST",
        -18_000,
        "-05:00",
    );
    check_zone(
        new_york,
        JUL_15_1200Z,
        "2026-07-15 08:00 EDT",
        -14_400,
        "-04:00",
    );
    check_zone(
        "<+0330>-3:30",
        NOV_29_0600Z,
        "2026-11-29 09:30 +0330",
        12_600,
        "+03:30",
    );
    // Across a date line, and before 1970 (glibc applies POSIX DST rules only from 1970).
    check_zone(
        "NZST-12",
        NOV_29_0600Z,
        "2026-11-29 18:00 NZST",
        43_200,
        "+12:00",
    );
    check_zone(
        "HST10",
        -14_182_940_000,
        "1969-07-20 10:17 HST",
        -36_000,
        "-10:00",
    );
}

#[test]
fn local_time_with_zone_database() {
    if !std::path::Path::new("/usr/share/zoneinfo/America/New_York").exists() {
        return; // the POSIX-string test above covers the same arithmetic
    }
    check_zone("UTC", NOV_29_0600Z, "2026-11-29 06:00 UTC", 0, "+00:00");
    check_zone(
        "Asia/Kolkata",
        NOV_29_0600Z,
        "2026-11-29 11:30 IST",
        19_800,
        "+05:30",
    );
    check_zone(
        "America/New_York",
        NOV_29_0600Z,
        "2026-11-29 01:00 EST",
        -18_000,
        "-05:00",
    );
    check_zone(
        "America/New_York",
        JUL_15_1200Z,
        "2026-07-15 08:00 EDT",
        -14_400,
        "-04:00",
    );
    check_zone(
        "Europe/Paris",
        NOV_29_0600Z,
        "2026-11-29 07:00 CET",
        3_600,
        "+01:00",
    );
    check_zone(
        "Europe/Paris",
        JUL_15_1200Z,
        "2026-07-15 14:00 CEST",
        7_200,
        "+02:00",
    );
    check_zone(
        "America/New_York",
        -14_182_940_000,
        "1969-07-20 16:17 EDT",
        -14_400,
        "-04:00",
    );
}
