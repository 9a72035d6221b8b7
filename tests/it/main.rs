//! The one integration-test crate: primitives against outside vectors, and the
//! real binary driven end to end.

mod args;
mod cli;
mod engine;
mod fs;
mod http;
mod json;
mod net;
mod redact;
mod sha256;
mod support;
mod time;
