//! `CLAUDE_TOKEN_REFRESH_INTERVAL_MINUTES` as a table, the next due time, the jitter.

use claude_token::daemon::{jitter_from, next_due, Interval, IntervalError, MAX_JITTER};
use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;
use std::time::{Duration, Instant};

fn parse(text: &str) -> Result<u32, IntervalError> {
    Interval::parse(Some(OsStr::new(text))).map(Interval::minutes)
}

fn not_a_number(text: &str) -> Result<u32, IntervalError> {
    Err(IntervalError::NotANumber { text: text.into() })
}

fn too_large(text: &str) -> Result<u32, IntervalError> {
    Err(IntervalError::TooLarge { text: text.into() })
}

#[test]
fn interval_values_table() {
    let cases: &[(&str, Result<u32, IntervalError>)] = &[
        ("1", Ok(1)),
        ("30", Ok(30)),
        ("030", Ok(30)),
        ("59", Ok(59)),
        ("1440", Ok(1440)),
        ("10080", Ok(10080)),
        ("0", Err(IntervalError::Zero)),
        ("000", Err(IntervalError::Zero)),
        ("10081", too_large("10081")),
        ("4294967295", too_large("4294967295")),
        ("4294967296", too_large("4294967296")),
        (
            "99999999999999999999999",
            too_large("99999999999999999999999"),
        ),
        ("-1", not_a_number("-1")),
        ("-0", not_a_number("-0")),
        ("+5", not_a_number("+5")),
        (" 5", not_a_number(" 5")),
        ("5 ", not_a_number("5 ")),
        ("5\n", not_a_number("5\n")),
        ("1.5", not_a_number("1.5")),
        ("1e3", not_a_number("1e3")),
        ("0x10", not_a_number("0x10")),
        ("30m", not_a_number("30m")),
        ("thirty", not_a_number("thirty")),
        ("\u{0663}", not_a_number("\u{0663}")), // an Arabic-Indic digit three
        ("５", not_a_number("５")),             // a full-width digit five
    ];
    for (text, expected) in cases {
        assert_eq!(&parse(text), expected, "{text:?}");
    }
}

#[test]
fn unset_or_empty_means_thirty_minutes() {
    assert_eq!(Interval::parse(None).map(Interval::minutes), Ok(30));
    assert_eq!(
        Interval::parse(Some(OsStr::new(""))).map(Interval::minutes),
        Ok(30)
    );
}

#[test]
fn non_utf8_value_is_not_a_number() {
    let raw = OsStr::from_bytes(b"3\xff");
    assert!(matches!(
        Interval::parse(Some(raw)),
        Err(IntervalError::NotANumber { .. })
    ));
}

#[test]
fn interval_errors_name_the_variable_and_escape_the_value() {
    let err = parse("5\n").expect_err("refused");
    assert_eq!(
        err.to_string(),
        "CLAUDE_TOKEN_REFRESH_INTERVAL_MINUTES='5\\n' is not a whole number of minutes"
    );
    assert_eq!(
        parse("0").expect_err("refused").to_string(),
        "CLAUDE_TOKEN_REFRESH_INTERVAL_MINUTES=0: sweeps need at least a minute"
    );
    assert_eq!(
        parse("20000").expect_err("refused").to_string(),
        "CLAUDE_TOKEN_REFRESH_INTERVAL_MINUTES='20000' is more than 10080 minutes (7 days)"
    );
}

#[test]
fn from_minutes_accepts_exactly_one_minute_to_seven_days() {
    assert_eq!(Interval::from_minutes(0), None);
    assert_eq!(Interval::from_minutes(10081), None);
    assert_eq!(Interval::from_minutes(u32::MAX), None);
    let week = Interval::from_minutes(10080).expect("seven days");
    assert_eq!(week.duration(), Duration::from_secs(7 * 24 * 3600));
    let minute = Interval::from_minutes(1).expect("one minute");
    assert_eq!(minute.duration(), Duration::from_secs(60));
}

#[test]
fn next_sweep_is_one_interval_after_the_last_start() {
    let start = Instant::now();
    let interval = Duration::from_secs(1800);
    let quick = start + Duration::from_secs(5);
    assert_eq!(next_due(start, quick, interval), start + interval);
}

#[test]
fn an_overlong_sweep_waits_a_full_interval_rather_than_sweeping_again_at_once() {
    let start = Instant::now();
    let interval = Duration::from_secs(60);
    for took in [60, 61, 3600] {
        let end = start + Duration::from_secs(took);
        assert_eq!(next_due(start, end, interval), end + interval, "{took}");
    }
}

#[test]
fn jitter_spans_zero_to_two_seconds() {
    assert_eq!(jitter_from(0), Duration::ZERO);
    assert_eq!(jitter_from(u16::MAX), MAX_JITTER);
    assert_eq!(MAX_JITTER, Duration::from_secs(2));
    let mut last = Duration::ZERO;
    for r in 0..=u16::MAX {
        let j = jitter_from(r);
        assert!(j >= last && j <= MAX_JITTER, "{r}");
        last = j;
    }
    assert!(jitter_from(u16::MAX / 2) > Duration::from_millis(900));
}
