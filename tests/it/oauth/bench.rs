//! How long one refresh takes over loopback TLS, connection set-up included. Ignored:
//! run with `cargo test --release --test it -- --ignored --nocapture refresh_round_trip`.
//! It prints figures and asserts nothing about them.

use std::time::{Duration, Instant};

use super::{client, grant_body, secret, REFRESH_TOKEN};
use crate::server::{json, Server};

const ROUNDS: usize = 50;

#[test]
#[ignore = "benchmark; prints the median refresh round trip"]
#[allow(clippy::print_stderr)] // a benchmark's whole output is its figure
fn refresh_round_trip_benchmark() {
    let server = Server::tls("localhost", vec![json(200, &grant_body()); ROUNDS]);
    let client = client(&server);
    let token = secret(REFRESH_TOKEN);
    let mut times: Vec<Duration> = (0..ROUNDS)
        .map(|_| {
            let started = Instant::now();
            client.refresh(&token).expect("refresh");
            started.elapsed()
        })
        .collect();
    times.sort();
    eprintln!(
        "refresh over loopback TLS, {ROUNDS} rounds: median {:?}, min {:?}, max {:?}",
        times[ROUNDS / 2],
        times[0],
        times[ROUNDS - 1]
    );
}
