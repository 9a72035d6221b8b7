//! The only module with `unsafe`: thin wrappers over libc with safe signatures.
//!
//! Every block carries a `// SAFETY:` comment; every wrapper returns `io::Result`
//! and retries on EINTR. Nothing here knows about Claude, JSON or the engine.

pub(crate) mod fs;
pub(crate) mod host;
pub(crate) mod mem;
pub(crate) mod pipe;
pub(crate) mod process;
pub(crate) mod signal;
pub(crate) mod time;
pub(crate) mod user;
