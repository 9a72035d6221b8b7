//! Hex encoding and decoding (placeholder).
