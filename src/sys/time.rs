//! libc calls for time: `localtime_r` for display in the local zone (honours `TZ`).
