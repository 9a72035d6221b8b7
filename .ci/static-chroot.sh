#!/usr/bin/env bash
# The static Linux binary: build it (the README command, in its own target directory so
# the normal build cache stays valid), check that it is statically linked, print its
# size, then run `add`, `refresh --all` and `usage` with it in an empty chroot (only the
# binary, /etc/hosts, a test CA and a home directory) against the loopback fake. The
# scenario is the ignored test daemon::static_chroot::static_chroot_add_refresh_usage;
# the fake runs in the test process, outside the chroot. Needs root (chroot).
set -euo pipefail
cd "$(dirname "$0")/.."

target=x86_64-unknown-linux-gnu
RUSTFLAGS='-C target-feature=+crt-static' \
    cargo build --release --locked --target "$target" --target-dir target/static
bin="$PWD/target/static/$target/release/claude-token"

if ! command -v file >/dev/null 2>&1; then
    apt-get update -q >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q file >/dev/null
fi
kind=$(file -b "$bin")
echo "file: $kind"
case "$kind" in
    *"statically linked"* | *"static-pie linked"*) ;;
    *) echo "not a static binary" >&2; exit 1 ;;
esac
# A second opinion: ldd must not list a single shared library.
if ldd "$bin" 2>&1 | grep -q '=>'; then
    ldd "$bin" >&2
    echo "ldd lists shared libraries" >&2
    exit 1
fi
echo "static binary size: $(stat -c %s "$bin") bytes"

if [ "$(id -u)" -ne 0 ]; then
    echo "the chroot run needs root" >&2
    exit 1
fi
log=$(mktemp)
CLAUDE_TOKEN_STATIC_BIN="$bin" cargo test --locked --test it -- \
    --ignored --exact daemon::static_chroot::static_chroot_add_refresh_usage --nocapture \
    2>&1 | tee "$log"
# A run that executed no test is a failure, not a pass.
grep -q '^test result: ok\. 1 passed' "$log"
rm -f "$log"
