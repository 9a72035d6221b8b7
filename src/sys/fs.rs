//! libc calls for files: fsync (`F_FULLFSYNC` on macOS), directory sync, `O_NOFOLLOW` opens, OS randomness.
