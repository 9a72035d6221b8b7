#!/usr/bin/env bash
# Interop with the real Claude Code: runs the `claude_code_` scenarios of tests/it
# (tests/it/claude_code/) in a private network and mount namespace where
# api.anthropic.com and platform.claude.com are 127.0.0.1 (a bind-mounted /etc/hosts)
# and the tests' stand-in for Anthropic's service listens on 127.0.0.1:443 with a
# certificate from the test CA, which reaches Claude Code through NODE_EXTRA_CA_CERTS.
# Called by .ci/run; runs on its own too.
#
# Claude Code (npm @anthropic-ai/claude-code, pinned version) is installed with npm
# into a cache outside the repository when missing; nothing else is downloaded, and
# inside the namespace there is no network but loopback, so Claude Code cannot reach
# anything else (auto-update and other traffic are switched off by the tests as well).
# Outside the namespace nothing changes: the mounts and the loopback interface belong
# to the namespace and vanish with it. Set CLAUDE_TOKEN_CC_KEEP=1 to keep the scenario
# directories (HOMEs, outputs, notes) for reading afterwards.
set -euo pipefail
cd "$(dirname "$0")/.."

version=2.1.332
package="@anthropic-ai/claude-code@$version"
cache="${XDG_CACHE_HOME:-$HOME/.cache}/claude-token-ci/claude-code-$version"

fail() { echo "claude-interop: $*" >&2; exit 1; }

# Scenarios that need parts not built yet: run and reported after the others, never
# failing this script. Move a name out of this list once its part is merged (phase 6's
# lock-overlap and exec scenarios are all required now).
pending=()

# --- inside the namespace: loopback up, hosts file bound, the scenarios run --------
if [ "${1:-}" = --inside ]; then
    work=$2
    mount --make-rprivate /
    ip link set lo up
    printf '%s\n' '127.0.0.1 localhost' '::1 localhost' \
        '127.0.0.1 api.anthropic.com' '127.0.0.1 platform.claude.com' >"$work/hosts"
    mount --bind "$work/hosts" /etc/hosts
    getent hosts api.anthropic.com | grep -q '^127\.0\.0\.1 ' \
        || fail "api.anthropic.com does not resolve to 127.0.0.1 inside the namespace"
    export CLAUDE_TOKEN_CC_WORK="$work/scenarios"
    skips=()
    for name in "${pending[@]}"; do skips+=(--skip "$name"); done
    rc=0
    cargo test --locked --offline --test it -- --ignored --test-threads=1 "${skips[@]}" \
        claude_code_ 2>&1 | tee "$work/required.log" || rc=$?
    if [ "${#pending[@]}" -gt 0 ]; then
        echo
        echo "=== pending scenarios (reported, not required yet)"
        cargo test --locked --offline --test it -- --ignored --test-threads=1 "${pending[@]}" \
            2>&1 | tee "$work/pending.log" || true
    fi
    exit "$rc"
fi

# --- outside: check the tools, install Claude Code when missing, build -------------
for tool in unshare ip mount getent npm cargo; do
    command -v "$tool" >/dev/null 2>&1 || fail "needs $tool on PATH"
done
[ "$(id -u)" -eq 0 ] || fail "needs root (unshare -n -m, a bind mount, port 443)"

case "$(uname -m)" in
    x86_64) platform=linux-x64 ;;
    aarch64) platform=linux-arm64 ;;
    *) fail "no Claude Code package for $(uname -m)" ;;
esac

# The wrapper's bin is the native binary once its postinstall has run; the platform
# package's binary is the same file, used when an npm that skips install scripts left
# the wrapper's stub in place.
find_claude() {
    local candidate
    for candidate in "$cache/node_modules/.bin/claude" \
        "$cache/node_modules/@anthropic-ai/claude-code-$platform/claude"; do
        if [ -x "$candidate" ] &&
            [ "$("$candidate" --version 2>/dev/null || true)" = "$version (Claude Code)" ]; then
            echo "$candidate"
            return 0
        fi
    done
    return 1
}

if ! claude=$(find_claude); then
    echo "installing $package into $cache"
    rm -rf "$cache" "$cache.partial"
    mkdir -p "$cache.partial"
    # Into a side directory first, so an interrupted install never looks complete.
    npm install --prefix "$cache.partial" --no-audit --no-fund --loglevel=error "$package" \
        || fail "npm install $package failed"
    mv "$cache.partial" "$cache"
    claude=$(find_claude) || fail "$package installed but no runnable claude $version in $cache"
fi
echo "Claude Code: $claude ($("$claude" --version))"

cargo test --locked --test it --no-run 2>&1 | tail -n 1

work=$(mktemp -d /tmp/claude-token-cc.XXXXXX)
cleanup() {
    if [ "${CLAUDE_TOKEN_CC_KEEP:-}" = 1 ]; then
        echo "scenario directories kept in $work"
    else
        rm -rf "$work"
    fi
}
trap cleanup EXIT
mkdir "$work/scenarios"
chmod 755 "$work"

rc=0
CLAUDE_TOKEN_CC_BIN="$claude" unshare -n -m -- "$0" --inside "$work" || rc=$?

for notes in "$work"/scenarios/*/notes.txt; do
    [ -e "$notes" ] || continue
    printf '\n--- %s\n' "$(basename "$(dirname "$notes")")"
    cat "$notes"
done
if [ "${#pending[@]}" -gt 0 ]; then
    pending_result=$(grep -E '^test result:' "$work/pending.log" 2>/dev/null || echo "did not run")
    echo
    echo "pending scenarios: $pending_result"
    grep -E '^test .* \.\.\. (ok|FAILED)$' "$work/pending.log" 2>/dev/null || true
fi
if [ "$rc" -ne 0 ] ||
    ! grep -Eq '^test result: ok\. [1-9][0-9]* passed; 0 failed' "$work/required.log"; then
    for err in "$work"/scenarios/*/*.err; do
        [ -s "$err" ] || continue
        printf '\n--- %s (last lines)\n' "${err#"$work"/scenarios/}"
        tail -n 20 "$err"
    done
    fail "the Claude Code scenarios failed (see above)"
fi
echo "claude-interop passed"
