//! Lossless JSON codec (placeholder until phase 1 lands).
