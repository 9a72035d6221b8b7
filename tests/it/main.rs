//! The one integration-test crate: primitives against outside vectors, and the
//! real binary driven end to end.

mod args;
mod catalog;
mod cli;
mod creds;
mod fs;
mod http;
mod json;
mod list;
mod net;
mod redact;
mod sha256;
mod store;
mod support;
mod time;
