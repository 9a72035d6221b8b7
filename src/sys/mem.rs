//! libc calls for memory: wiping secrets with volatile writes.
