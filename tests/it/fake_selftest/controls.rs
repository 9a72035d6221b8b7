//! The test controls and the server itself: injected failures, the request log,
//! concurrency, delay, environment, shutdown.

#![allow(clippy::float_cmp)] // exact: the fake sends back the very figure it was given

use std::ffi::OsStr;
use std::thread;
use std::time::{Duration, Instant};

use claude_token::http::Method;
use claude_token::net::{self, ProxyConfig};
use claude_token::oauth::{Client, Endpoints, Error};

use super::{logged_in, secret, send, tokens_of};
use crate::fake::{Fake, OddGrant, RefreshOutcome};

#[test]
fn fail_next_answers_once_and_changes_nothing() {
    let (fake, _, blob) = logged_in();
    let (access, refresh) = tokens_of(&blob);
    let client = fake.client();
    fake.fail_next(500);
    fake.fail_next(429);
    let err = client.refresh(&secret(&refresh)).expect_err("injected");
    assert!(matches!(err, Error::Server { status: 500, .. }), "{err:?}");
    let err = client.usage(&secret(&access)).expect_err("injected");
    assert!(
        matches!(
            err,
            Error::RateLimited {
                retry_at_ms: Some(_),
                ..
            }
        ),
        "{err:?}"
    );
    assert!(
        client.refresh(&secret(&refresh)).is_ok(),
        "the token was not spent"
    );
    assert!(fake
        .refreshes()
        .iter()
        .all(|r| r.outcome == RefreshOutcome::Rotated));
}

#[test]
fn request_log_names_account_and_headers_never_values() {
    let (fake, account, blob) = logged_in();
    let (access, refresh) = tokens_of(&blob);
    let client = fake.client();
    client.usage(&secret(&access)).expect("usage");
    client.refresh(&secret(&refresh)).expect("grant");
    send(&fake, Method::Get, "/nowhere", &[], None);
    let log = fake.requests();
    let seen: Vec<_> = log
        .iter()
        .map(|r| (r.method.as_str(), r.path.as_str(), r.status))
        .collect();
    assert_eq!(
        seen,
        [
            ("GET", "/api/oauth/usage", 200),
            ("POST", "/v1/oauth/token", 200),
            ("GET", "/nowhere", 404)
        ]
    );
    assert_eq!(log[0].account.as_deref(), Some(account.email.as_str()));
    assert_eq!(log[1].account.as_deref(), Some(account.email.as_str()));
    assert!(log[0].has_header("Authorization") && log[0].has_header("anthropic-beta"));
    assert!(!log[1].has_header("authorization"));
    let shown = format!("{log:?} {:?}", fake.refreshes());
    for token in fake.all_issued_tokens() {
        assert!(
            !shown.contains(&token["sk-ant-oat01-".len()..]),
            "token in the log: {shown}"
        );
    }
}

#[test]
fn wrong_method_is_405() {
    let fake = Fake::start();
    let response = send(&fake, Method::Get, "/v1/oauth/token", &[], None);
    assert_eq!(response.status(), 405);
}

#[test]
fn sixteen_concurrent_usage_calls_each_get_their_own_figures() {
    let fake = Fake::start();
    fake.set_delay(Duration::from_millis(200));
    let logins: Vec<(f64, String)> = (0..16)
        .map(|i| {
            let account = fake.add_account(&format!("user{i}@example.com"));
            let five = f64::from(i) * 2.5;
            fake.set_usage(&account, five, 1.0);
            (five, tokens_of(&fake.login(&account)).0)
        })
        .collect();
    let client = fake.client();
    thread::scope(|scope| {
        let calls: Vec<_> = logins
            .iter()
            .map(|(five, access)| {
                let client = client.clone();
                scope.spawn(move || (*five, client.usage(&secret(access))))
            })
            .collect();
        for call in calls {
            let (five, usage) = call.join().expect("thread");
            let got = usage.expect("usage").five_hour.expect("window").utilization;
            assert_eq!(got, five);
        }
    });
    assert_eq!(fake.requests().len(), 16);
}

#[test]
fn set_delay_holds_every_answer_back() {
    let (fake, _, blob) = logged_in();
    let delay = Duration::from_millis(300);
    fake.set_delay(delay);
    let started = Instant::now();
    fake.client()
        .usage(&secret(&tokens_of(&blob).0))
        .expect("usage");
    assert!(started.elapsed() >= delay);
}

#[test]
fn env_points_a_client_at_the_fake() {
    let (fake, account, blob) = logged_in();
    let env = fake.env();
    let lookup = |name: &str| {
        env.iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.into())
    };
    let endpoints = Endpoints::from_lookup(lookup).expect("endpoints");
    assert_eq!(endpoints, fake.endpoints());
    let ca = lookup("SSL_CERT_FILE").expect("SSL_CERT_FILE");
    let tls = net::config_from_cert_file(Some(OsStr::new(&ca))).expect("CA loads");
    let client = Client::new(endpoints, net::Options::new(tls, ProxyConfig::direct()));
    let profile = client
        .profile(&secret(&tokens_of(&blob).0))
        .expect("profile");
    assert_eq!(profile.account.uuid, account.uuid);
}

#[test]
fn stops_serving_when_dropped() {
    let (fake, _, blob) = logged_in();
    let client = fake.client();
    drop(fake);
    let err = client
        .usage(&secret(&tokens_of(&blob).0))
        .expect_err("gone");
    assert!(matches!(err, Error::Network { .. }), "{err:?}");
}

#[test]
fn odd_grant_leaves_out_one_member_once_and_still_rotates() {
    let (fake, account, blob) = logged_in();
    let (_, refresh) = tokens_of(&blob);
    let body = format!(
        r#"{{"grant_type":"refresh_token","refresh_token":"{refresh}","client_id":"{}","scope":"user:inference"}}"#,
        claude_token::oauth::CLIENT_ID
    );
    fake.set_odd_grant(OddGrant::NoExpiresIn);
    let odd = super::post_token(&fake, &body);
    assert_eq!(odd.status(), 200);
    let text = String::from_utf8(odd.body().to_vec()).unwrap();
    assert!(
        !text.contains("expires_in") && text.contains("access_token"),
        "{text}"
    );
    let newest = fake.current_refresh_token(&account).unwrap();
    assert!(
        text.contains(&newest),
        "the odd grant carries the new refresh token"
    );
    assert_ne!(newest, refresh, "the presented token was spent");
    fake.set_odd_grant(OddGrant::NoAccessToken);
    let grant = fake
        .client()
        .refresh(&secret(&newest))
        .expect("kept as received");
    assert!(
        grant.access_token.is_none(),
        "the grant has no access_token"
    );
    assert!(grant.refresh_token.is_some(), "but a new refresh token");
    let whole = fake
        .client()
        .refresh(&secret(&fake.current_refresh_token(&account).unwrap()));
    assert!(whole.is_ok(), "the next grant is whole again: {whole:?}");
}
