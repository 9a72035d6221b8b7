//! Certificate verification against loopback TLS servers, and `SSL_CERT_FILE` loading.

use std::ffi::OsStr;
use std::fs;
use std::path::PathBuf;

use claude_token::net::{self, Error, TlsReason};

use super::{
    cert_path, exchange, options, tls_server, tls_server_on, trusting_test_ca, url, Behaviour,
};

fn tls_reason(err: &Error) -> &TlsReason {
    match err {
        Error::Tls { reason, .. } => reason,
        other => panic!("expected a tls error, got {other:?}"),
    }
}

/// A scratch file under cargo's per-test-target temporary directory.
fn scratch(name: &str, contents: &[u8]) -> PathBuf {
    let path = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("net-{}-{name}", std::process::id()));
    fs::write(&path, contents).expect("scratch file written");
    path
}

#[test]
fn handshake_with_a_trusted_ca_and_exchange_bytes() {
    let server = tls_server("localhost", Behaviour::Answer);
    let mut conn = net::connect(
        &url(&format!("https://localhost:{}/", server.port())),
        &options(trusting_test_ca()),
    )
    .expect("handshake");
    assert!(conn.is_tls());
    assert_eq!(conn.host(), "localhost");
    let response = exchange(&mut conn, "localhost");
    assert!(
        response.starts_with("HTTP/1.1 200 OK\r\n") && response.ends_with("\r\n\r\nhello"),
        "{response}"
    );
}

#[test]
fn verifies_ip_address_hosts_against_ip_names() {
    let server = tls_server("localhost", Behaviour::Answer);
    let mut conn = net::connect(
        &url(&format!("https://127.0.0.1:{}/", server.port())),
        &options(trusting_test_ca()),
    )
    .expect("handshake by ipv4");
    assert!(exchange(&mut conn, "127.0.0.1").ends_with("hello"));
}

#[test]
fn verifies_bracketed_ipv6_hosts() {
    let server = tls_server_on("[::1]:0", "localhost", Behaviour::Answer);
    let mut conn = net::connect(
        &url(&format!("https://[::1]:{}/", server.port())),
        &options(trusting_test_ca()),
    )
    .expect("handshake by ipv6");
    assert!(exchange(&mut conn, "[::1]").ends_with("hello"));
}

#[test]
fn rejects_a_certificate_for_another_host() {
    let server = tls_server("wrong-host", Behaviour::Answer);
    let err = net::connect(
        &url(&format!("https://localhost:{}/", server.port())),
        &options(trusting_test_ca()),
    )
    .expect_err("wrong host refused");
    assert_eq!(tls_reason(&err), &TlsReason::WrongHost);
    assert_eq!(
        err.to_string(),
        "tls with localhost: certificate not valid for localhost"
    );
}

#[test]
fn rejects_a_certificate_from_an_unknown_authority() {
    let server = tls_server("other-localhost", Behaviour::Answer);
    let err = net::connect(
        &url(&format!("https://localhost:{}/", server.port())),
        &options(trusting_test_ca()),
    )
    .expect_err("unknown CA refused");
    assert_eq!(tls_reason(&err), &TlsReason::UnknownIssuer);
    assert_eq!(
        err.to_string(),
        "tls with localhost: certificate signed by an unknown authority"
    );
}

#[test]
fn built_in_roots_alone_do_not_trust_the_test_ca() {
    let server = tls_server("localhost", Behaviour::Answer);
    let config = net::config_from_cert_file(None).expect("default config");
    let err = net::connect(
        &url(&format!("https://localhost:{}/", server.port())),
        &options(config),
    )
    .expect_err("refused");
    assert_eq!(tls_reason(&err), &TlsReason::UnknownIssuer);
}

#[test]
fn cert_file_adds_its_ca_as_ssl_cert_file_would() {
    let server = tls_server("other-localhost", Behaviour::Answer);
    let path = cert_path("other-ca.pem");
    let config = net::config_from_cert_file(Some(path.as_os_str())).expect("cert file loads");
    let mut conn = net::connect(
        &url(&format!("https://localhost:{}/", server.port())),
        &options(config),
    )
    .expect("trusted now");
    assert!(exchange(&mut conn, "localhost").ends_with("hello"));
}

#[test]
fn cert_file_with_several_cas_trusts_each() {
    let mut bundle = fs::read(cert_path("ca.pem")).expect("ca");
    bundle.extend(fs::read(cert_path("other-ca.pem")).expect("other ca"));
    let path = scratch("bundle.pem", &bundle);
    assert_eq!(net::load_roots(&path).expect("bundle loads").len(), 2);
    let config = net::config_from_cert_file(Some(path.as_os_str())).expect("bundle loads");
    for cert in ["localhost", "other-localhost"] {
        let server = tls_server(cert, Behaviour::Answer);
        net::connect(
            &url(&format!("https://localhost:{}/", server.port())),
            &options(config.clone()),
        )
        .expect(cert);
    }
}

#[test]
fn empty_cert_file_variable_means_unset() {
    assert!(net::config_from_cert_file(Some(OsStr::new(""))).is_ok());
}

#[test]
fn unusable_cert_files_are_errors_naming_the_variable() {
    let missing = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("net-no-such-file.pem");
    let empty = scratch("empty.pem", b"");
    let junk = scratch("junk.pem", b"not a certificate\n");
    let key_only = scratch("key-only.pem", &fs::read(cert_path("ca.key")).expect("key"));
    let truncated = scratch("truncated.pem", b"-----BEGIN CERTIFICATE-----\nMIIB\n");
    let not_a_ca = scratch(
        "garbage-der.pem",
        b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
    );
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
    for path in [missing, empty, junk, key_only, truncated, not_a_ca, dir] {
        let err = net::config_from_cert_file(Some(path.as_os_str()))
            .expect_err(&path.display().to_string());
        assert!(
            matches!(&err, Error::CertFile { path: p, .. } if *p == path),
            "{err:?}"
        );
        let shown = err.to_string();
        assert!(
            shown.starts_with("cannot use SSL_CERT_FILE ")
                && shown.contains(&path.display().to_string()),
            "{shown}"
        );
    }
}

#[test]
fn tls_reasons_have_distinct_messages() {
    let reasons = [
        TlsReason::WrongHost,
        TlsReason::UnknownIssuer,
        TlsReason::Expired,
        TlsReason::NotValidYet,
        TlsReason::Revoked,
    ];
    let shown: std::collections::HashSet<String> =
        reasons.iter().map(ToString::to_string).collect();
    assert_eq!(shown.len(), reasons.len());
}

#[test]
fn maps_rustls_certificate_errors() {
    use rustls::CertificateError as C;
    let cases = [
        (C::NotValidForName, TlsReason::WrongHost),
        (C::UnknownIssuer, TlsReason::UnknownIssuer),
        (C::Expired, TlsReason::Expired),
        (C::NotValidYet, TlsReason::NotValidYet),
        (C::Revoked, TlsReason::Revoked),
    ];
    for (cert, want) in cases {
        assert_eq!(
            net::tls_reason(&rustls::Error::InvalidCertificate(cert)),
            want
        );
    }
    let other = net::tls_reason(&rustls::Error::InvalidCertificate(C::BadSignature));
    assert!(matches!(other, TlsReason::BadCertificate(_)), "{other:?}");
}
