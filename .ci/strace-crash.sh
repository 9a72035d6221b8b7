#!/usr/bin/env bash
# The slower crash harness: kills the real binary under strace at every call of each
# state-changing system call of a `use` and of a `refresh --force` (the ignored test
# crash::strace::crash_strace_use_and_refresh), with the crash tests' checks; then
# measures the answer-to-journal window under strace (crash::window).
# Installs strace when it is missing (CI runs as root).
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v strace >/dev/null 2>&1; then
    echo "installing strace"
    apt-get update -q >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q strace >/dev/null
fi
strace -V | head -n 1
cargo test --locked --test it crash::strace::crash_strace_use_and_refresh \
    -- --exact --ignored --nocapture 2>&1 | tee /tmp/claude-token-strace-crash.log
grep -q '^test result: ok\. 1 passed' /tmp/claude-token-strace-crash.log
# The window between a refresh answer and its journal entry's fsync: which system
# calls, how long (crash::window).
cargo test --locked --test it crash::window::crash_window_between_the_answer_and_the_journal_fsync \
    -- --exact --ignored --nocapture 2>&1 | tee /tmp/claude-token-window.log
grep -q '^test result: ok\. 1 passed' /tmp/claude-token-window.log
