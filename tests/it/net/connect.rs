//! TCP connects, deadlines, plain loopback http, and the errors' wording.

use std::io::{self, Read};
use std::net::TcpListener;
use std::time::{Duration, Instant};

use claude_token::net::{self, Deadline, Error, Phase};

use super::{
    closed_port, exchange, options, plain_server, tls_server, trusting_test_ca, url, Behaviour,
};

/// Generous bound for "ended soon after the deadline", so a loaded machine does not flake.
const MARGIN: Duration = Duration::from_secs(4);

#[test]
fn plain_http_to_loopback_exchanges_bytes() {
    let server = plain_server();
    let mut conn = net::connect(
        &url(&format!("http://127.0.0.1:{}/", server.port())),
        &options(trusting_test_ca()),
    )
    .expect("plain connect");
    assert!(!conn.is_tls());
    assert_eq!(conn.peer_addr().expect("peer"), server);
    assert!(exchange(&mut conn, "127.0.0.1").ends_with("\r\n\r\nhello"));
}

#[test]
fn localhost_resolves_without_the_resolver() {
    let server = plain_server();
    let mut conn = net::connect(
        &url(&format!("http://localhost:{}/", server.port())),
        &options(trusting_test_ca()),
    )
    .expect("localhost connects");
    assert!(exchange(&mut conn, "localhost").ends_with("hello"));
}

#[test]
fn closed_port_fails_fast_with_connect() {
    let port = closed_port();
    let started = Instant::now();
    let err = net::connect(
        &url(&format!("https://127.0.0.1:{port}/")),
        &options(trusting_test_ca()),
    )
    .expect_err("refused");
    assert!(started.elapsed() < MARGIN, "took {:?}", started.elapsed());
    match &err {
        Error::Connect {
            host,
            port: p,
            tried,
            source,
        } => {
            assert_eq!((host.as_str(), *p, *tried), ("127.0.0.1", port, 1));
            assert_eq!(source.kind(), io::ErrorKind::ConnectionRefused);
        }
        other => panic!("expected Connect, got {other:?}"),
    }
    assert!(
        err.to_string().starts_with(&format!(
            "cannot connect to 127.0.0.1 port {port} (1 addresses tried): "
        )),
        "{err}"
    );
}

#[test]
fn localhost_tries_both_loopback_addresses() {
    let port = closed_port();
    let err = net::connect(
        &url(&format!("https://localhost:{port}/")),
        &options(trusting_test_ca()),
    )
    .expect_err("refused");
    assert!(matches!(err, Error::Connect { tried: 2, .. }), "{err:?}");
}

#[test]
fn silent_tls_server_ends_within_the_deadline() {
    // The kernel completes the TCP handshake for a listener that never accepts, so the
    // client's hello is never answered.
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind loopback");
    let port = listener.local_addr().expect("addr").port();
    let mut opts = options(trusting_test_ca());
    opts.deadline = Deadline::after(Duration::from_secs(1));
    let started = Instant::now();
    let err =
        net::connect(&url(&format!("https://127.0.0.1:{port}/")), &opts).expect_err("times out");
    assert!(
        started.elapsed() < Duration::from_secs(1) + MARGIN,
        "took {:?}",
        started.elapsed()
    );
    assert!(
        matches!(
            err,
            Error::Timeout {
                phase: Phase::TlsHandshake
            }
        ),
        "{err:?}"
    );
    assert_eq!(err.to_string(), "timed out in the tls handshake");
    drop(listener);
}

#[test]
fn per_operation_timeout_bounds_a_read_before_the_deadline() {
    let server = tls_server("localhost", Behaviour::Silent);
    let mut opts = options(trusting_test_ca());
    opts.io_timeout = Duration::from_millis(300);
    let mut conn = net::connect(
        &url(&format!("https://localhost:{}/", server.port())),
        &opts,
    )
    .expect("handshake");
    let started = Instant::now();
    let err = conn.read(&mut [0u8; 16]).expect_err("silent server");
    assert!(started.elapsed() < MARGIN, "took {:?}", started.elapsed());
    assert!(matches!(
        Error::from_io(err, Phase::Read),
        Error::Timeout { phase: Phase::Read }
    ));
}

#[test]
fn deadline_bounds_reads_after_the_handshake() {
    let server = tls_server("localhost", Behaviour::Silent);
    let mut opts = options(trusting_test_ca());
    opts.deadline = Deadline::after(Duration::from_secs(1));
    let mut conn = net::connect(
        &url(&format!("https://localhost:{}/", server.port())),
        &opts,
    )
    .expect("handshake");
    let err = conn.read(&mut [0u8; 16]).expect_err("silent server");
    assert!(matches!(
        Error::from_io(err, Phase::Read),
        Error::Timeout { phase: Phase::Read }
    ));
    let err = conn.read(&mut [0u8; 16]).expect_err("deadline passed");
    assert!(matches!(
        Error::from_io(err, Phase::Read),
        Error::Timeout { .. }
    ));
}

#[test]
fn passed_deadline_fails_before_connecting() {
    let server = plain_server();
    let mut opts = options(trusting_test_ca());
    opts.deadline = Deadline::at(Instant::now());
    let err = net::connect(&url(&format!("http://127.0.0.1:{}/", server.port())), &opts)
        .expect_err("too late");
    assert!(
        matches!(
            err,
            Error::Timeout {
                phase: Phase::Connect
            }
        ),
        "{err:?}"
    );
}

#[test]
fn deadline_remaining_never_exceeds_the_budget() {
    let deadline = Deadline::after(Duration::from_secs(5));
    let left = deadline.remaining().expect("time left");
    assert!(left <= Duration::from_secs(5));
    assert_eq!(
        deadline
            .bound(Duration::from_secs(1), Phase::Read)
            .expect("bounded"),
        Duration::from_secs(1)
    );
    assert!(Deadline::at(Instant::now()).remaining().is_none());
    assert!(matches!(
        Deadline::at(Instant::now()).bound(Duration::from_secs(1), Phase::Write),
        Err(Error::Timeout {
            phase: Phase::Write
        })
    ));
}

#[test]
fn huge_budgets_do_not_overflow_the_clock() {
    assert!(Deadline::after(Duration::MAX).remaining().is_some());
}

#[test]
fn error_messages_are_one_lower_case_line() {
    let errors = [
        Error::BadUrl { reason: "bad port" },
        Error::InsecureScheme {
            host: "example.com".into(),
        },
        Error::Dns {
            host: "example.com".into(),
            source: io::Error::other("no such host"),
        },
        Error::Timeout {
            phase: Phase::Resolve,
        },
        Error::Proxy { status: 502 },
        Error::ProxyAuth,
        Error::ProxyUnsupported {
            variable: "ALL_PROXY",
            scheme: "socks5".into(),
        },
        Error::BadProxy {
            variable: "HTTPS_PROXY",
            reason: "bad port",
        },
        Error::ProxyAnswer {
            reason: "proxy closed the connection",
        },
        Error::Io {
            phase: Phase::Write,
            source: io::Error::other("broken pipe"),
        },
    ];
    for err in errors {
        let shown = err.to_string();
        assert!(!shown.contains('\n'), "{shown}");
        assert!(
            shown.starts_with(|c: char| c.is_ascii_lowercase()),
            "{shown}"
        );
    }
}
