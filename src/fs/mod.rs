//! Files and locks (placeholder).
