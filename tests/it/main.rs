//! The one integration-test crate: primitives against outside vectors, and the
//! real binary driven end to end.

mod support;
