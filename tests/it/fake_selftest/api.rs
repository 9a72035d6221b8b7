//! Usage and profile: figures served, the bearer and beta checks, server-side expiry,
//! the rate limit.

#![allow(clippy::float_cmp)] // exact: the fake sends back the very figure it was given

use std::time::Duration;

use claude_token::http::Method;
use claude_token::json;
use claude_token::oauth::Error;

use super::{error_code, logged_in, secret, send, tokens_of, HOUR};
use crate::fake::{Fake, Plan, UsageFigures};

#[test]
fn usage_serves_the_accounts_figures() {
    let (fake, account, blob) = logged_in();
    fake.set_usage(&account, 50.5, 77.0);
    let (access, _) = tokens_of(&blob);
    let usage = fake.client().usage(&secret(&access)).expect("usage");
    let figures = fake.usage_figures(&account);
    let five = usage.five_hour.expect("five_hour");
    assert_eq!(five.utilization, 50.5);
    assert_eq!(usage.seven_day.expect("seven_day").utilization, 77.0);
    let sonnet = usage.seven_day_sonnet.map(|w| w.utilization);
    assert_eq!(sonnet, figures.seven_day_sonnet);
    assert_eq!(
        usage.seven_day_opus.map(|w| w.utilization),
        figures.seven_day_opus
    );
    // The fake writes the five-hour reset two hours ahead of its clock; reading it back
    // through the crate's RFC 3339 parser checks the fake's date arithmetic.
    let resets = five.resets_at_ms.expect("resets_at parses");
    let ahead = resets - fake.now_ms();
    assert!(
        ahead > 2 * 3_600_000 - 10_000 && ahead <= 2 * 3_600_000,
        "{ahead}"
    );
    assert_eq!(usage.extra_usage.and_then(|e| e.is_enabled), Some(false));
}

#[test]
fn usage_figures_can_be_set_whole() {
    let (fake, account, blob) = logged_in();
    let figures = UsageFigures {
        five_hour: 1.0,
        seven_day: 2.0,
        seven_day_sonnet: None,
        seven_day_opus: Some(3.25),
    };
    fake.set_usage_figures(&account, figures);
    let usage = fake
        .client()
        .usage(&secret(&tokens_of(&blob).0))
        .expect("usage");
    assert_eq!(usage.seven_day_sonnet, None);
    assert_eq!(usage.seven_day_opus.map(|w| w.utilization), Some(3.25));
}

#[test]
fn usage_requires_the_beta_header() {
    let (fake, _, blob) = logged_in();
    let bearer = format!("Bearer {}", tokens_of(&blob).0);
    let response = send(
        &fake,
        Method::Get,
        "/api/oauth/usage",
        &[("Authorization", &bearer)],
        None,
    );
    assert_eq!(response.status(), 400);
    assert_eq!(error_code(&response), "invalid_request_error");
    let wrong_beta = [
        ("Authorization", bearer.as_str()),
        ("anthropic-beta", "oauth-2024-01-01"),
    ];
    let response = send(&fake, Method::Get, "/api/oauth/profile", &wrong_beta, None);
    assert_eq!(response.status(), 400);
}

#[test]
fn usage_without_a_bearer_token_is_401() {
    let fake = Fake::start();
    let response = send(
        &fake,
        Method::Get,
        "/api/oauth/usage",
        &[("anthropic-beta", "oauth-2025-04-20")],
        None,
    );
    assert_eq!(response.status(), 401);
    assert_eq!(error_code(&response), "authentication_error");
}

#[test]
fn expired_access_token_gets_401_and_a_refreshed_one_works() {
    let (fake, account, blob) = logged_in();
    let (access, refresh) = tokens_of(&blob);
    let client = fake.client();
    fake.expire_access_tokens(&account);
    let err = client.usage(&secret(&access)).expect_err("expired");
    let Error::Unauthorized { text, .. } = err else {
        panic!("{err:?}")
    };
    assert_eq!(text.code.as_deref(), Some("authentication_error"));
    assert_eq!(text.message.as_deref(), Some("OAuth token has expired."));
    let grant = client.refresh(&secret(&refresh)).expect("grant");
    assert!(client.usage(grant.access_token.as_ref().unwrap()).is_ok());
    assert!(client.profile(grant.access_token.as_ref().unwrap()).is_ok());
}

#[test]
fn advancing_the_clock_expires_access_tokens_on_the_server_only() {
    let (fake, _, blob) = logged_in();
    let (access, _) = tokens_of(&blob);
    let before = fake.now_ms();
    fake.advance(9 * HOUR);
    assert!(fake.now_ms() >= before + 9 * 3_600_000);
    let err = fake.client().usage(&secret(&access)).expect_err("expired");
    assert!(matches!(err, Error::Unauthorized { .. }), "{err:?}");
    let doc = json::parse(blob.as_bytes()).expect("JSON");
    let expires = doc
        .get(&["claudeAiOauth", "expiresAt"])
        .and_then(|n| n.as_i64())
        .unwrap();
    assert!(
        expires > claude_token::time::now_ms(),
        "the blob still looks fresh"
    );
}

#[test]
fn rate_limit_answers_429_with_retry_after() {
    let (fake, account, blob) = logged_in();
    let other = fake.add_account("cy@example.com");
    let other_access = tokens_of(&fake.login(&other)).0;
    fake.set_rate_limit(&account, 2, Duration::from_secs(60));
    let client = fake.client();
    let access = secret(&tokens_of(&blob).0);
    assert!(client.usage(&access).is_ok());
    assert!(client.usage(&access).is_ok());
    let asked = claude_token::time::now_ms();
    let err = client.usage(&access).expect_err("limited");
    let Error::RateLimited {
        retry_at_ms: Some(at),
        ..
    } = err
    else {
        panic!("{err:?}")
    };
    assert!(
        at > asked && at <= claude_token::time::now_ms() + 60_000,
        "{at}"
    );
    assert!(
        client.usage(&secret(&other_access)).is_ok(),
        "other accounts are not limited"
    );
    fake.advance(Duration::from_secs(61));
    assert!(client.usage(&access).is_ok(), "a new window");
}

#[test]
fn profile_describes_the_account_and_its_organization() {
    let fake = Fake::start();
    let account = fake.add_account_with_plan("di@example.com", Plan::Team);
    let access = tokens_of(&fake.login(&account)).0;
    let profile = fake.client().profile(&secret(&access)).expect("profile");
    assert_eq!(profile.account.uuid, account.uuid);
    assert_eq!(
        profile.account.email.as_deref(),
        Some(account.email.as_str())
    );
    assert_eq!(
        profile.account.full_name.as_deref(),
        Some(account.full_name.as_str())
    );
    assert_eq!(
        profile.account.display_name.as_deref(),
        Some(account.display_name.as_str())
    );
    let org = profile.organization.expect("organization");
    assert_eq!(
        org.uuid.as_deref(),
        Some(account.organization_uuid.as_str())
    );
    assert_eq!(
        org.name.as_deref(),
        Some(account.organization_name.as_str())
    );
    assert_eq!(org.organization_type.as_deref(), Some("claude_team"));
    assert_eq!(
        org.rate_limit_tier.as_deref(),
        Some(account.rate_limit_tier())
    );
}
