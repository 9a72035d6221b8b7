//! The one integration-test crate: primitives against outside vectors, and the
//! real binary driven end to end.

mod args;
mod bench;
mod catalog;
mod cclock;
mod claude_code;
mod cli;
mod client;
mod crash;
mod creds;
mod daemon;
mod engine;
mod fake;
mod fake_selftest;
mod fs;
mod http;
mod json;
mod lineage;
mod list;
mod net;
mod oauth;
mod ops;
mod redact;
mod server;
mod sha256;
mod stand_in;
mod store;
mod support;
mod time;
mod usage_cmd;
