//! The token endpoint: rotation, spent-token reuse and lineage revocation, request
//! checks, the login deadline and logout.

use claude_token::oauth::{Error, CLIENT_ID, SCOPES};

use super::{error_code, logged_in, post_token, refresh_body, secret, tokens_of, HOUR};
use crate::fake::{Fake, RefreshOutcome, Via, GRANT_SCOPE};

#[test]
fn refresh_rotates_and_spends_the_old_token() {
    let (fake, account, blob) = logged_in();
    let (_, old) = tokens_of(&blob);
    let grant = fake.client().refresh(&secret(&old)).expect("grant");
    let new = grant.refresh_token.expect("a new refresh token");
    assert_ne!(new.expose(), old);
    assert_eq!(grant.expires_in, Some(28_800));
    assert_eq!(grant.token_type.as_deref(), Some("Bearer"));
    assert_eq!(grant.scopes.expect("scope").join(" "), GRANT_SCOPE);
    let who = grant.account.expect("account");
    assert_eq!(
        (who.uuid, who.email_address),
        (Some(account.uuid.clone()), Some(account.email.clone()))
    );
    let org = grant.organization.expect("organization");
    assert_eq!(org.uuid, Some(account.organization_uuid.clone()));
    assert!(fake.all_issued_tokens().iter().any(|t| t == new.expose()));
    assert_eq!(fake.spent_token_reuses(), 0);
    let err = fake.client().refresh(&secret(&old)).expect_err("spent");
    let Error::LoginDead { status: 400, text } = err else {
        panic!("{err:?}")
    };
    assert_eq!(text.code.as_deref(), Some("invalid_grant"));
    assert_eq!(text.message.as_deref(), Some("Refresh token has been used"));
    assert_eq!(fake.spent_token_reuses(), 1);
    let outcomes: Vec<_> = fake
        .refreshes()
        .iter()
        .map(|r| (r.outcome, r.via, r.lineage))
        .collect();
    assert_eq!(
        outcomes,
        [
            (RefreshOutcome::Rotated, Via::Http, Some(0)),
            (RefreshOutcome::Spent, Via::Http, Some(0))
        ]
    );
}

#[test]
fn reusing_a_spent_token_revokes_its_lineage() {
    let (fake, _, blob) = logged_in();
    let (_, old) = tokens_of(&blob);
    let client = fake.client();
    let grant = client.refresh(&secret(&old)).expect("grant");
    assert!(client.usage(grant.access_token.as_ref().unwrap()).is_ok());
    client.refresh(&secret(&old)).expect_err("spent");
    let new = grant.refresh_token.expect("new refresh token");
    assert!(matches!(client.refresh(&new), Err(Error::LoginDead { .. })));
    assert!(matches!(
        client.usage(grant.access_token.as_ref().unwrap()),
        Err(Error::Unauthorized { .. })
    ));
    let last = fake.refreshes().pop().expect("record");
    assert_eq!(last.outcome, RefreshOutcome::Revoked);
}

#[test]
fn reuse_leaves_the_lineage_alive_when_told_to() {
    let (fake, _, blob) = logged_in();
    fake.set_reuse_revokes_lineage(false);
    let (_, old) = tokens_of(&blob);
    let client = fake.client();
    let grant = client.refresh(&secret(&old)).expect("grant");
    client.refresh(&secret(&old)).expect_err("spent");
    let new = grant.refresh_token.expect("new refresh token");
    assert!(client.refresh(&new).is_ok());
    assert_eq!(fake.spent_token_reuses(), 1);
}

#[test]
fn each_login_is_its_own_lineage() {
    let (fake, account, first) = logged_in();
    let second = fake.login(&account);
    let client = fake.client();
    let (_, one) = tokens_of(&first);
    let (_, two) = tokens_of(&second);
    client.refresh(&secret(&one)).expect("first rotates");
    client
        .refresh(&secret(&one))
        .expect_err("reuse revokes the first login");
    assert!(
        client.refresh(&secret(&two)).is_ok(),
        "the second login lives on"
    );
    let lineages: Vec<_> = fake.refreshes().iter().map(|r| r.lineage).collect();
    assert_eq!(lineages, [Some(0), Some(0), Some(1)]);
}

#[test]
fn unknown_refresh_token_is_invalid_grant() {
    let fake = Fake::start();
    let err = fake
        .client()
        .refresh(&secret("sk-ant-ort01-neverissued"))
        .expect_err("unknown");
    let Error::LoginDead { text, .. } = err else {
        panic!("{err:?}")
    };
    assert_eq!(text.code.as_deref(), Some("invalid_grant"));
    let record = fake.refreshes().pop().expect("record");
    assert_eq!(
        (record.outcome, record.lineage),
        (RefreshOutcome::Unknown, None)
    );
    assert_eq!(fake.spent_token_reuses(), 0);
}

#[test]
fn token_endpoint_checks_the_request_and_spends_nothing_it_refuses() {
    let (fake, _, blob) = logged_in();
    let (_, refresh) = tokens_of(&blob);
    let cases = [
        (
            refresh_body(&refresh, "authorization_code", CLIENT_ID, Some(SCOPES)),
            "unsupported_grant_type",
        ),
        (
            refresh_body(&refresh, "refresh_token", "someone-else", Some(SCOPES)),
            "invalid_client",
        ),
        (
            refresh_body(&refresh, "refresh_token", CLIENT_ID, None),
            "invalid_request",
        ),
        ("grant_type=refresh_token".to_owned(), "invalid_request"),
    ];
    for (body, code) in cases {
        let response = post_token(&fake, &body);
        assert_eq!(response.status(), 400, "{body}");
        assert_eq!(error_code(&response), code, "{body}");
    }
    let good = post_token(
        &fake,
        &refresh_body(&refresh, "refresh_token", CLIENT_ID, Some(SCOPES)),
    );
    assert_eq!(good.status(), 200);
}

#[test]
fn a_login_dies_at_its_deadline() {
    let (fake, _, blob) = logged_in();
    fake.advance(31 * 24 * HOUR);
    let err = fake
        .client()
        .refresh(&secret(&tokens_of(&blob).1))
        .expect_err("dead");
    assert!(matches!(err, Error::LoginDead { .. }), "{err:?}");
    assert_eq!(
        fake.refreshes().pop().map(|r| r.outcome),
        Some(RefreshOutcome::Expired)
    );
}

#[test]
fn revoke_kills_every_token_of_the_account_only() {
    let (fake, account, blob) = logged_in();
    let other = fake.add_account("cy@example.com");
    let other_blob = fake.login(&other);
    fake.revoke(&account);
    let client = fake.client();
    let (access, refresh) = tokens_of(&blob);
    assert!(matches!(
        client.refresh(&secret(&refresh)),
        Err(Error::LoginDead { .. })
    ));
    assert!(matches!(
        client.usage(&secret(&access)),
        Err(Error::Unauthorized { .. })
    ));
    assert!(client.refresh(&secret(&tokens_of(&other_blob).1)).is_ok());
    let again = fake.login(&account);
    assert!(
        client.refresh(&secret(&tokens_of(&again).1)).is_ok(),
        "a new login works"
    );
}
