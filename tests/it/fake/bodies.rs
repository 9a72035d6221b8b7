//! The JSON the fake answers with, built as text in the shapes the real service uses:
//! the token grant, OAuth errors (`{"error","error_description"}`), API errors
//! (`{"type":"error","error":{"type","message"}}`), usage and profile. Times are
//! RFC 3339 with microseconds and `+00:00`, as the usage endpoint writes them.

use claude_token::json::quote;

use super::account::{AccountHandle, UsageFigures};
use super::state::{Tokens, ACCESS_LIFETIME_S};

/// The scopes a grant carries, space-separated, in the order the service sends them.
pub const GRANT_SCOPE: &str =
    "user:inference user:mcp_servers user:profile user:sessions:claude_code";

const HOUR_MS: i64 = 3600 * 1000;

/// A successful refresh answer.
pub fn grant(tokens: &Tokens, who: &AccountHandle) -> String {
    format!(
        r#"{{"access_token":{},"refresh_token":{},"expires_in":{ACCESS_LIFETIME_S},"scope":{},"token_type":"Bearer","account":{{"uuid":{},"email_address":{}}},"organization":{{"uuid":{},"name":{}}}}}"#,
        quote(&tokens.access),
        quote(&tokens.refresh),
        quote(GRANT_SCOPE),
        quote(&who.uuid),
        quote(&who.email),
        quote(&who.organization_uuid),
        quote(&who.organization_name),
    )
}

/// A 2xx grant that is odd in one way ([`super::Fake::set_odd_grant`]): the server
/// rotated the login all the same (the new refresh token is in it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OddGrant {
    /// No `expires_in` member.
    NoExpiresIn,
    /// No `access_token` member.
    NoAccessToken,
}

/// [`grant`] with the member `odd` names left out.
pub fn odd_grant(tokens: &Tokens, who: &AccountHandle, odd: OddGrant) -> String {
    let whole = grant(tokens, who);
    let doc = claude_token::json::parse(whole.as_bytes()).expect("the grant is JSON");
    let member = match odd {
        OddGrant::NoExpiresIn => "expires_in",
        OddGrant::NoAccessToken => "access_token",
    };
    let out = doc.remove(&[member]).expect("the grant has the member");
    String::from_utf8(out).expect("UTF-8")
}

/// An OAuth error answer of the token endpoint.
pub fn oauth_error(code: &str, description: &str) -> String {
    format!(
        r#"{{"error":{},"error_description":{}}}"#,
        quote(code),
        quote(description)
    )
}

/// An error answer of the API (usage, profile).
pub fn api_error(kind: &str, message: &str) -> String {
    format!(
        r#"{{"type":"error","error":{{"type":{},"message":{}}}}}"#,
        quote(kind),
        quote(message)
    )
}

/// The API error type the service uses for `status`.
pub fn api_error_kind(status: u16) -> &'static str {
    match status {
        400 => "invalid_request_error",
        401 => "authentication_error",
        403 => "permission_error",
        404 => "not_found_error",
        429 => "rate_limit_error",
        529 => "overloaded_error",
        _ => "api_error",
    }
}

/// The usage answer for `figures` at server time `now_ms`.
pub fn usage(figures: &UsageFigures, now_ms: i64) -> String {
    let week_reset = now_ms + 77 * HOUR_MS;
    let window = |value: Option<f64>, resets_at: i64| match value {
        Some(v) => format!(
            r#"{{"utilization":{},"resets_at":"{}"}}"#,
            number(v),
            rfc3339_micros(resets_at)
        ),
        None => "null".to_owned(),
    };
    format!(
        r#"{{"five_hour":{},"seven_day":{},"seven_day_oauth_apps":null,"seven_day_opus":{},"seven_day_sonnet":{},"iguana_necktie":null,"extra_usage":{{"is_enabled":false,"monthly_limit":null,"used_credits":null,"utilization":null}}}}"#,
        window(Some(figures.five_hour), now_ms + 2 * HOUR_MS),
        window(Some(figures.seven_day), week_reset),
        window(figures.seven_day_opus, week_reset),
        window(figures.seven_day_sonnet, week_reset),
    )
}

/// The profile answer.
pub fn profile(who: &AccountHandle) -> String {
    format!(
        r#"{{"account":{{"uuid":{},"email":{},"full_name":{},"display_name":{}}},"organization":{{"uuid":{},"name":{},"organization_type":{},"rate_limit_tier":{}}}}}"#,
        quote(&who.uuid),
        quote(&who.email),
        quote(&who.full_name),
        quote(&who.display_name),
        quote(&who.organization_uuid),
        quote(&who.organization_name),
        quote(who.plan.organization_type()),
        quote(who.rate_limit_tier()),
    )
}

/// A JSON number for a finite float, always with a decimal point (`12.0`, `12.5`).
fn number(value: f64) -> String {
    assert!(value.is_finite(), "usage figures are finite");
    format!("{value:?}")
}

/// `2025-11-04T04:59:59.943000+00:00` for epoch milliseconds `ms` (after 1970).
pub fn rfc3339_micros(ms: i64) -> String {
    let (days, ms_of_day) = (ms.div_euclid(86_400_000), ms.rem_euclid(86_400_000));
    let (year, month, day) = civil_from_days(days);
    let secs = ms_of_day / 1000;
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{:06}+00:00",
        secs / 3600,
        secs / 60 % 60,
        secs % 60,
        ms_of_day % 1000 * 1000
    )
}

/// Proleptic Gregorian date of a day count since 1970-01-01 (era arithmetic: 400-year
/// eras of 146 097 days, years starting in March so the leap day comes last).
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}
