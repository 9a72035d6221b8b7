#!/usr/bin/env bash
# Interop: the OAuth client against real nginx (TLS with the test CA's certificates, fixed
# JSON answers, one chunked location) and through real tinyproxy (CONNECT). Called by
# .ci/run; runs on its own too. Installs nginx, tinyproxy and openssl with apt-get when
# missing (needs root then). Everything it starts lives in a temporary directory (configs,
# pid files, logs) and is stopped on exit; system configs are never touched.
#
# Why two nginx servers: the client never sends loopback traffic through a proxy (see
# SPEC.md), so the proxied requests go to this machine's first non-loopback address,
# served with a certificate for that address made here and signed by the test CA.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)

need=()
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || need+=(nginx)
command -v tinyproxy >/dev/null 2>&1 || [ -x /usr/bin/tinyproxy ] || need+=(tinyproxy)
command -v openssl >/dev/null 2>&1 || need+=(openssl)
if [ ${#need[@]} -gt 0 ]; then
    echo "installing ${need[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq "${need[@]}" >/dev/null
fi
export PATH="$PATH:/usr/sbin:/sbin"

work=$(mktemp -d /tmp/claude-token-interop.XXXXXX)
stop() {
    for pid in ${nginx_pid:-} ${proxy_pid:-}; do
        kill "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
    rm -rf "$work"
}
trap stop EXIT

# A port nothing answers on right now (a race with other programs is harmless: the
# readiness checks below would fail loudly).
free_port() {
    local port
    while :; do
        port=$(shuf -i 20000-60999 -n 1)
        if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
            echo "$port"
            return
        fi
    done
}

wait_for() { # wait_for HOST PORT NAME
    for _ in $(seq 50); do
        if (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; then return 0; fi
        sleep 0.1
    done
    echo "$3 did not start on $1:$2" >&2
    cat "$work"/*.log >&2 || true
    return 1
}

addr=$(hostname -I 2>/dev/null | tr ' ' '\n' | grep -E '^[0-9.]+$' | grep -v '^127\.' | head -n 1 || true)
if [ -z "$addr" ]; then
    echo "interop: no non-loopback IPv4 address for the proxied server" >&2
    exit 1
fi
direct_port=$(free_port)
proxied_port=$(free_port)
proxy_port=$(free_port)

# The proxied server's certificate: IP:$addr, signed by the committed test CA.
certs="$repo/tests/certs"
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$work/proxied.key" 2>/dev/null
openssl req -new -key "$work/proxied.key" -subj "/CN=$addr" -out "$work/proxied.csr"
printf '%s\n' 'basicConstraints=critical,CA:FALSE' 'keyUsage=critical,digitalSignature' \
    'extendedKeyUsage=serverAuth' 'authorityKeyIdentifier=keyid' "subjectAltName=IP:$addr" \
    >"$work/proxied.ext"
openssl x509 -req -in "$work/proxied.csr" -CA "$certs/ca.pem" -CAkey "$certs/ca.key" \
    -set_serial 3001 -days 2 -extfile "$work/proxied.ext" -out "$work/proxied.pem" 2>/dev/null

# Fixed answers. The checks make nginx refuse requests that lack what the client must send.
usage='{"five_hour":{"utilization":12.0,"resets_at":"2025-11-04T04:59:59.943648+00:00"},"seven_day":{"utilization":35.0,"resets_at":"2025-11-06T03:59:59.943679+00:00"},"seven_day_oauth_apps":null,"seven_day_opus":null,"seven_day_sonnet":{"utilization":1.0,"resets_at":null},"iguana_necktie":{"utilization":3.0,"resets_at":null},"extra_usage":{"is_enabled":false,"monthly_limit":null,"used_credits":null,"utilization":null}}'
profile='{"account":{"uuid":"4f1c0000-0000-4000-8000-000000000001","email":"ada@example.com","full_name":"Ada Lovelace","display_name":"Ada"},"organization":{"uuid":"0a000000-0000-4000-8000-000000000002","name":"Ada Org","organization_type":"claude_max","rate_limit_tier":"default_claude_max_20x"}}'
grant='{"token_type":"Bearer","access_token":"sk-ant-oat01-interop-access","expires_in":28800,"refresh_token":"sk-ant-ort01-interop-new","scope":"user:inference user:profile"}'
unauthorized='{"type":"error","error":{"type":"authentication_error","message":"Invalid bearer token"}}'
mkdir -p "$work/www/api/oauth" "$work/tmp"
printf '%s' "$usage" >"$work/www/api/oauth/usage"
chmod -R a+rX "$work/www"
chmod 755 "$work"

cat >"$work/locations.conf" <<EOF
location = /v1/oauth/token {
    if (\$request_method != POST) { return 405 '{"error":"method"}'; }
    if (\$content_type != "application/json") { return 415 '{"error":"type"}'; }
    return 200 '$grant';
}
location = /dead/v1/oauth/token {
    return 400 '{"error":"invalid_grant","error_description":"Refresh token not found or invalid"}';
}
location = /api/oauth/usage {
    if (\$http_authorization != "Bearer sk-ant-oat01-interop-access") { return 401 '$unauthorized'; }
    if (\$http_anthropic_beta != "oauth-2025-04-20") { return 400 '{"error":"beta"}'; }
    return 200 '$usage';
}
location = /api/oauth/profile {
    if (\$http_authorization != "Bearer sk-ant-oat01-interop-access") { return 401 '$unauthorized'; }
    if (\$http_anthropic_beta != "oauth-2025-04-20") { return 400 '{"error":"beta"}'; }
    return 200 '$profile';
}
location = /busy/api/oauth/usage {
    add_header Retry-After 120 always;
    return 429 '{"type":"error","error":{"type":"rate_limit_error","message":"slow down"}}';
}
# A static file through sub_filter: the filter drops Content-Length, so nginx chunks.
location /chunked/ {
    alias $work/www/;
    sub_filter '"utilization"' '"utilization"';
    sub_filter_once off;
    sub_filter_types *;
}
EOF

cat >"$work/nginx.conf" <<EOF
pid $work/nginx.pid;
error_log $work/nginx-error.log warn;
worker_processes 1;
events { worker_connections 64; }
http {
    access_log $work/nginx-access.log;
    client_body_temp_path $work/tmp/body;
    proxy_temp_path $work/tmp/proxy;
    fastcgi_temp_path $work/tmp/fastcgi;
    uwsgi_temp_path $work/tmp/uwsgi;
    scgi_temp_path $work/tmp/scgi;
    default_type application/json;
    chunked_transfer_encoding on;
    server {
        listen 127.0.0.1:$direct_port ssl;
        ssl_certificate $certs/localhost.pem;
        ssl_certificate_key $certs/localhost.key;
        include $work/locations.conf;
    }
    server {
        listen $addr:$proxied_port ssl;
        ssl_certificate $work/proxied.pem;
        ssl_certificate_key $work/proxied.key;
        allow $addr;
        allow 127.0.0.1;
        deny all;
        include $work/locations.conf;
    }
}
EOF

cat >"$work/tinyproxy.conf" <<EOF
Port $proxy_port
Listen 127.0.0.1
Timeout 30
LogFile "$work/tinyproxy.log"
LogLevel Connect
MaxClients 16
Allow 127.0.0.1
ConnectPort $proxied_port
DisableViaHeader Yes
EOF
touch "$work/tinyproxy.log"
chmod 666 "$work/tinyproxy.log"

nginx -e "$work/nginx-error.log" -p "$work" -c "$work/nginx.conf" -g 'daemon off;' &
nginx_pid=$!
tinyproxy -d -c "$work/tinyproxy.conf" >>"$work/tinyproxy-stderr.log" 2>&1 &
proxy_pid=$!
wait_for 127.0.0.1 "$direct_port" nginx
wait_for "$addr" "$proxied_port" nginx
wait_for 127.0.0.1 "$proxy_port" tinyproxy
echo "nginx on 127.0.0.1:$direct_port and $addr:$proxied_port, tinyproxy on 127.0.0.1:$proxy_port"

CLAUDE_TOKEN_INTEROP_CA="$certs/ca.pem" \
CLAUDE_TOKEN_INTEROP_DIRECT_BASE="https://localhost:$direct_port" \
CLAUDE_TOKEN_INTEROP_PROXIED_BASE="https://$addr:$proxied_port" \
CLAUDE_TOKEN_INTEROP_PROXY="127.0.0.1:$proxy_port" \
    cargo test --locked --test it -- --ignored interop_ 2>&1 | tee "$work/test.log"
grep -Eq '^test result: ok\. [1-9][0-9]* passed' "$work/test.log"

# The proxied test really went through tinyproxy: it logged the tunnels.
if ! grep -q "CONNECT $addr:$proxied_port" "$work/tinyproxy.log"; then
    echo "tinyproxy logged no CONNECT to $addr:$proxied_port" >&2
    cat "$work/tinyproxy.log" >&2
    exit 1
fi
echo "interop passed ($(grep -c "CONNECT $addr:$proxied_port" "$work/tinyproxy.log") tunnels through tinyproxy)"
