//! Permissive usage reading and profile reading, as tables of realistic bodies.

use claude_token::json::Kind;
use claude_token::oauth::{Endpoint, Error, ExtraUsage, Profile, Protocol, Usage, Window};
use claude_token::time::parse_rfc3339;

use super::usage::{PROFILE_BODY, USAGE_BODY};

fn usage(body: &str) -> Usage {
    Usage::parse(body.as_bytes()).expect("usage parses")
}

fn window(utilization: f64, resets_at: Option<&str>) -> Window {
    Window {
        utilization,
        resets_at_ms: resets_at.map(|t| parse_rfc3339(t).expect("test time")),
    }
}

#[test]
fn reads_the_realistic_answer() {
    let got = usage(USAGE_BODY);
    assert_eq!(
        got.five_hour,
        Some(window(12.0, Some("2025-11-04T04:59:59.943Z")))
    );
    assert_eq!(
        got.seven_day,
        Some(window(35.0, Some("2025-11-06T03:59:59.943Z")))
    );
    assert_eq!(got.seven_day_opus, None);
    assert_eq!(got.seven_day_sonnet, Some(window(1.0, None)));
    assert_eq!(
        got.extra_usage,
        Some(ExtraUsage {
            is_enabled: Some(false),
            monthly_limit: None,
            used_credits: None,
            utilization: None,
        })
    );
    assert!(got.limits.is_empty());
    assert_eq!(
        got.other_windows,
        vec![("iguana_necktie".to_owned(), window(3.0, None))]
    );
}

#[test]
fn wrong_types_make_a_window_absent_not_an_error() {
    let cases: [(&str, Option<Window>); 8] = [
        (r#"{"five_hour":null}"#, None),
        ("{}", None),
        (r#"{"five_hour":[]}"#, None),
        (r#"{"five_hour":"12%"}"#, None),
        (r#"{"five_hour":{"utilization":"12"}}"#, None),
        (r#"{"five_hour":{"resets_at":null}}"#, None),
        (
            r#"{"five_hour":{"utilization":7,"resets_at":"tomorrow"}}"#,
            Some(window(7.0, None)),
        ),
        (
            r#"{"five_hour":{"utilization":0,"resets_at":5}}"#,
            Some(window(0.0, None)),
        ),
    ];
    for (body, want) in cases {
        assert_eq!(usage(body).five_hour, want, "{body}");
    }
}

#[test]
fn keeps_unknown_windows_in_order_and_ignores_other_members() {
    let body = r#"{"zeta":{"utilization":1},"alpha":{"utilization":2.5,"resets_at":"2030-01-01T00:00:00Z"},"note":"hello","count":3,"flag":{"enabled":true},"seven_day_oauth_apps":null}"#;
    let names: Vec<(String, f64)> = usage(body)
        .other_windows
        .into_iter()
        .map(|(name, w)| (name, w.utilization))
        .collect();
    assert_eq!(
        names,
        vec![("zeta".to_owned(), 1.0), ("alpha".to_owned(), 2.5)]
    );
}

#[test]
fn keeps_limits_as_values() {
    let body = r#"{"limits":[{"kind":"weekly","utilization":40,"resets_at":null},7,"x"],"five_hour":{"utilization":1}}"#;
    let got = usage(body);
    assert_eq!(got.limits.len(), 3);
    assert_eq!(got.limits[0].kind(), Kind::Object);
    assert_eq!(
        got.limits[0].get("kind").and_then(|v| v.as_str()),
        Some("weekly")
    );
    assert_eq!(got.limits[1].as_i64(), Some(7));
    assert!(usage(r#"{"limits":{"a":1}}"#).limits.is_empty());
}

#[test]
fn extra_usage_reads_each_field_on_its_own() {
    let body = r#"{"extra_usage":{"is_enabled":true,"monthly_limit":5000,"used_credits":"12","utilization":2.5}}"#;
    assert_eq!(
        usage(body).extra_usage,
        Some(ExtraUsage {
            is_enabled: Some(true),
            monthly_limit: Some(5000.0),
            used_credits: None,
            utilization: Some(2.5),
        })
    );
    assert_eq!(usage(r#"{"extra_usage":false}"#).extra_usage, None);
}

#[test]
fn only_a_json_object_is_a_usage_answer() {
    for body in ["", "[]", "null", "{", "<html>"] {
        assert!(Usage::parse(body.as_bytes()).is_none(), "{body}");
    }
}

#[test]
fn reads_the_profile() {
    let profile = Profile::parse(PROFILE_BODY.as_bytes()).expect("profile");
    assert_eq!(profile.account.display_name.as_deref(), Some("Ada"));
    assert_eq!(profile.account.full_name.as_deref(), Some("Ada Lovelace"));
    let org = profile.organization.expect("organization");
    assert_eq!(org.name.as_deref(), Some("Ada's Org"));
    assert_eq!(org.organization_type.as_deref(), Some("claude_max"));
}

#[test]
fn a_profile_needs_an_account_uuid() {
    for body in [
        "{}",
        r#"{"account":null}"#,
        r#"{"account":{"email":"ada@example.com"}}"#,
        r#"{"account":{"uuid":""}}"#,
        r#"{"account":{"uuid":42}}"#,
    ] {
        let err = Profile::parse(body.as_bytes()).expect_err(body);
        assert!(
            matches!(
                err,
                Error::Protocol {
                    endpoint: Endpoint::Profile,
                    reason: Protocol::Field {
                        name: "account.uuid"
                    }
                }
            ),
            "{body}: {err:?}"
        );
    }
    let minimal = Profile::parse(br#"{"account":{"uuid":"u"},"organization":7}"#).expect("minimal");
    assert_eq!((minimal.account.email, minimal.organization), (None, None));
}
