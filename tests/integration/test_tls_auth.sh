#!/usr/bin/env bash
# TLS and authentication to the backend, against a real TLS endpoint: nginx
# (Debian's, run as this user with its own config under $WORK, never the
# system service) as a reverse proxy in front of the test Prometheus, with a
# throwaway CA, server and client certificates made here with openssl.
# Five server blocks: (a) TLS only, (b) TLS with a required client
# certificate, (c) TLS with a bearer token check, (d) TLS with basic auth,
# (e) TLS with HTTP/2.
# `slo-sidecar eval` in promql and remote_read mode through each: it fails
# with a clear message without the right CA / certificate / secret, succeeds
# with them, and then prints the same figures as through plain PROM_URL.
# Then rotation: the daemon reads the bearer token and basic-auth password
# files on every request, so a wrong secret makes its evaluations fail and
# the right one makes it recover, without a restart (promql with a token and
# remote_read with a password, side by side); no secret ever shows in its
# log, /metrics or API.
set -uo pipefail
. "$HERE/lib.sh"
for tool in nginx openssl; do
    command -v "$tool" > /dev/null || { bad "$tool not found (make deps)"; exit 1; }
done

D="$WORK/tls"
P="$D/pki"
N="$D/nginx"
mkdir -p "$P" "$N/tmp" "$D/cfg" "$D/out"
ngx_pid=
pid=
pid2=
cleanup() {
    [ -n "$pid" ] && stop_pid "$pid" 5
    [ -n "$pid2" ] && stop_pid "$pid2" 5
    [ -n "$ngx_pid" ] && stop_pid "$ngx_pid" 5
}
trap cleanup EXIT

# --- PKI: a CA, a server certificate for 127.0.0.1, a client certificate,
# and a second CA with a client certificate the server must refuse.
if ! (
    set -e
    cd "$P"
    mkca() {   # mkca NAME CN
        openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
            -keyout "$1.key" -out "$1.pem" -days 2 -subj "/CN=$2" \
            -addext 'basicConstraints=critical,CA:TRUE' \
            -addext 'keyUsage=critical,keyCertSign,cRLSign'
    }
    mkleaf() {   # mkleaf NAME CN EXTENSIONS [CA]
        local ca=${4:-ca}
        openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
            -keyout "$1.key" -out "$1.csr" -subj "/CN=$2"
        printf '%b\n' "$3" > "$1.ext"
        openssl x509 -req -in "$1.csr" -CA "$ca.pem" -CAkey "$ca.key" -CAcreateserial \
            -out "$1.pem" -days 2 -extfile "$1.ext"
    }
    mkca ca "slo-sidecar test CA"
    mkca otherca "some other CA"
    mkleaf server 127.0.0.1 \
        'basicConstraints=CA:FALSE\nsubjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth'
    mkleaf client slo-sidecar-test-client \
        'basicConstraints=CA:FALSE\nextendedKeyUsage=clientAuth'
    mkleaf otherclient slo-sidecar-test-client \
        'basicConstraints=CA:FALSE\nextendedKeyUsage=clientAuth' otherca
) > "$D/pki.log" 2>&1; then
    bad "openssl could not make the test PKI: $(tail -5 "$D/pki.log")"
    exit 1
fi
openssl verify -CAfile "$P/ca.pem" "$P/server.pem" "$P/client.pem" > /dev/null 2>&1 \
    && ok "test CA, server certificate (SAN IP:127.0.0.1) and client certificate made" \
    || bad "openssl verify of the test certificates failed"

# --- Secrets. The token is random, so finding it anywhere means it leaked.
TOKEN="tok-$(openssl rand -hex 16)"
WRONG_TOKEN="wrong-$(openssl rand -hex 8)"
PASS="pw-$(openssl rand -hex 12)"
printf '%s\n' "$TOKEN" > "$D/token"
printf '%s\n' "$WRONG_TOKEN" > "$D/token.wrong"
printf '%s\n' "$PASS" > "$D/password"
printf 'wrong-password\n' > "$D/password.wrong"
printf 'slo:%s\n' "$(openssl passwd -apr1 "$PASS")" > "$N/htpasswd"
chmod 600 "$D/token" "$D/password"

# --- nginx: five TLS server blocks in front of PROM_URL.
PROM_HOSTPORT=${PROM_URL#http://}
# Five distinct free ports in one go (held open together while picked).
read -r PORT_TLS PORT_MTLS PORT_BEARER PORT_BASIC PORT_H2 < <(python3 -c '
import socket
ss = [socket.socket() for _ in range(5)]
for s in ss: s.bind(("127.0.0.1", 0))
print(" ".join(str(s.getsockname()[1]) for s in ss))')
user_line=
# As root, the single nginx process would otherwise run as "nobody".
[ "$(id -u)" -eq 0 ] && user_line="user root root;"
cat > "$N/nginx.conf" <<NGX
$user_line
daemon off;
master_process off;
worker_processes 1;
pid $N/nginx.pid;
error_log $N/error.log info;
events { worker_connections 256; }
http {
    access_log $N/access.log;
    client_body_temp_path $N/tmp/body;
    proxy_temp_path $N/tmp/proxy;
    fastcgi_temp_path $N/tmp/fastcgi;
    uwsgi_temp_path $N/tmp/uwsgi;
    scgi_temp_path $N/tmp/scgi;
    ssl_certificate $P/server.pem;
    ssl_certificate_key $P/server.key;
    ssl_protocols TLSv1.2 TLSv1.3;
    upstream prom {
        server $PROM_HOSTPORT;
        keepalive 4;
    }
    # Remote read: the request body goes on as it comes, the streamed
    # answer comes back as it is produced.
    proxy_http_version 1.1;
    proxy_set_header Connection "";
    proxy_set_header Authorization "";
    proxy_buffering off;
    proxy_request_buffering off;
    proxy_read_timeout 60s;
    client_max_body_size 16m;

    server {    # (a) TLS only
        listen 127.0.0.1:$PORT_TLS ssl;
        location / { proxy_pass http://prom; }
    }
    server {    # (b) TLS and a client certificate from the test CA
        listen 127.0.0.1:$PORT_MTLS ssl;
        ssl_client_certificate $P/ca.pem;
        ssl_verify_client on;
        location / { proxy_pass http://prom; }
    }
    server {    # (c) TLS and a bearer token
        listen 127.0.0.1:$PORT_BEARER ssl;
        location / {
            if (\$http_authorization != "Bearer $TOKEN") { return 401 "bad or missing token\n"; }
            proxy_pass http://prom;
        }
    }
    server {    # (d) TLS and basic auth
        listen 127.0.0.1:$PORT_BASIC ssl;
        location / {
            auth_basic "prometheus";
            auth_basic_user_file $N/htpasswd;
            proxy_pass http://prom;
        }
    }
    server {    # (e) TLS with HTTP/2 (ALPN), as Go servers such as Prometheus speak it
        listen 127.0.0.1:$PORT_H2 ssl http2;
        location / { proxy_pass http://prom; }
    }
}
NGX
nginx -t -p "$N" -c "$N/nginx.conf" -e "$N/error.log" > "$D/nginx-t.log" 2>&1 \
    || { bad "nginx -t: $(cat "$D/nginx-t.log")"; exit 1; }
nginx -p "$N" -c "$N/nginx.conf" -e "$N/error.log" > "$D/nginx.out" 2>&1 &
ngx_pid=$!
# Listening: any HTTP answer (the auth blocks say 400 or 401 to curl).
for p in $PORT_TLS $PORT_MTLS $PORT_BEARER $PORT_BASIC $PORT_H2; do
    n=0
    until [ "$(http_code "https://127.0.0.1:$p/" -k)" != 000 ]; do
        n=$((n + 1))
        if [ $n -gt 100 ] || ! kill -0 "$ngx_pid" 2>/dev/null; then
            bad "nginx does not listen on $p: $(tail -5 "$N/error.log")"
            exit 1
        fi
        sleep 0.1
    done
done
# The proxy itself works (curl, independent of the sidecar).
c=$(http_code "https://127.0.0.1:$PORT_TLS/-/ready" --cacert "$P/ca.pem")
c2=$(http_code "https://127.0.0.1:$PORT_BEARER/-/ready" --cacert "$P/ca.pem" \
    -H "Authorization: Bearer $TOKEN")
[ "$c" = 200 ] && [ "$c2" = 200 ] \
    && ok "nginx (pid $ngx_pid) proxies TLS on 127.0.0.1:$PORT_TLS,$PORT_MTLS,$PORT_BEARER,$PORT_BASIC,$PORT_H2 to $PROM_URL" \
    || { bad "nginx does not proxy to Prometheus (curl: $c, $c2)"; tail -5 "$N/error.log"; exit 1; }

# --- Configs: the SLOs of the eval tests with url and the given prometheus
# options. promql mode leaves out users-freshness, whose 7-day timeslice
# subquery alone takes Prometheus about 4 s (the other five take 0.1 s), so
# the many evaluations below stay quick and the daemon's fit in its 2 s
# interval; remote_read keeps all six.
# (awk, not python: python takes about a second to start on some machines,
# and this test writes some fifty configs.)
# mkcfg NAME MODE URL [YAML LINES under prometheus:]
mkcfg() {
    local name=$1 mode=$2 url=$3
    shift 3
    local tmpl=$HERE/slos.yaml.tmpl
    [ "$mode" = remote_read ] && tmpl=$HERE/slos-rr.yaml.tmpl
    awk -v url="$url" -v mode="$mode" -v extra="$(printf '%s\n' "$@")" '
        BEGIN { n = split(extra, ex, "\n") }
        { gsub(/@URL@/, url); gsub(/@RESPONSE@/, "chunks") }
        /^  - name: / { skip = (mode == "promql" && $0 == "  - name: users-freshness") }
        !skip { print }
        $0 == "  prometheus:" { for (i = 1; i <= n; i++) if (ex[i] != "") print "    " ex[i] }
    ' "$tmpl" > "$D/cfg/$name.yaml"
    echo "$D/cfg/$name.yaml"
}

# run_eval CFG OUTBASE: eval --at=END; sets rc, leaves OUTBASE.json, OUTBASE.err
run_eval() {
    timeout 60 "$BIN" eval --config.file="$1" --at="$END" --format=json > "$2.json" 2> "$2.err"
    rc=$?
}

# same_figures A.json B.json: the same eval output, byte for byte.
same_figures() {
    grep -q '"name": ' "$1" && cmp -s "$1" "$2"
}

# expect_ok MODE WHAT CFG: exit 0 and the same figures as plain PROM_URL.
expect_ok() {
    local mode=$1 what=$2 cfg=$3
    local base="$D/out/${cfg##*/}"
    base=${base%.yaml}
    run_eval "$cfg" "$base"
    if [ "$rc" -ne 0 ]; then
        bad "$mode, $what: exit $rc: $(head -c 400 "$base.err")"
    elif same_figures "$base.json" "$D/out/$mode.plain.json"; then
        ok "$mode, $what: exit 0, figures equal to plain $PROM_URL"
    else
        bad "$mode, $what: figures differ from plain $PROM_URL"
    fi
}

# expect_fail MODE WHAT CFG REGEX: exit 2, nothing on stdout, stderr matches.
expect_fail() {
    local mode=$1 what=$2 cfg=$3 re=$4
    local base="$D/out/${cfg##*/}"
    base=${base%.yaml}
    run_eval "$cfg" "$base"
    local first
    first=$(grep -m1 -E "$re" "$base.err")
    if [ "$rc" -eq 2 ] && [ ! -s "$base.json" ] && [ -n "$first" ]; then
        ok "$mode, $what: exit 2: ${first:0:230}"
    else
        bad "$mode, $what: exit $rc (want 2, stderr matching /$re/): $(head -c 400 "$base.err")"
    fi
}

ca="tls: {ca_file: $P/ca.pem}"
tls="https://127.0.0.1:$PORT_TLS"
mtls="https://127.0.0.1:$PORT_MTLS"
bearer="https://127.0.0.1:$PORT_BEARER"
basic="https://127.0.0.1:$PORT_BASIC"
h2="https://127.0.0.1:$PORT_H2"
for mode in promql remote_read; do
    echo "  -- $mode"
    run_eval "$(mkcfg "$mode.plain" "$mode" "$PROM_URL")" "$D/out/$mode.plain"
    [ "$rc" -eq 0 ] && ok "$mode, plain $PROM_URL: exit 0, $(grep -c '"service": ' "$D/out/$mode.plain.json") SLOs (the reference figures)" \
        || { bad "$mode, plain: exit $rc: $(head -c 400 "$D/out/$mode.plain.err")"; continue; }

    # (a) TLS only
    expect_ok "$mode" "TLS with tls.ca_file of the test CA" \
        "$(mkcfg "$mode.a.ca" "$mode" "$tls" "$ca")"
    expect_fail "$mode" "TLS without tls.ca_file (unknown CA)" \
        "$(mkcfg "$mode.a.noca" "$mode" "$tls")" 'certificate.*check tls\.ca_file'
    expect_fail "$mode" "TLS with another CA in tls.ca_file" \
        "$(mkcfg "$mode.a.otherca" "$mode" "$tls" "tls: {ca_file: $P/otherca.pem}")" \
        'certificate.*check tls\.ca_file'
    expect_fail "$mode" "TLS with a ca_file that does not exist" \
        "$(mkcfg "$mode.a.nofile" "$mode" "$tls" "tls: {ca_file: $P/missing.pem}")" \
        'missing\.pem.*check tls\.ca_file'
    expect_fail "$mode" "https://localhost (not in the certificate's SAN)" \
        "$(mkcfg "$mode.a.host" "$mode" "https://localhost:$PORT_TLS" "$ca")" \
        'localhost.*(check tls\.ca_file|certificate)|certificate.*localhost'
    expect_ok "$mode" "TLS with insecure_skip_verify: true and no ca_file" \
        "$(mkcfg "$mode.a.insecure" "$mode" "$tls" "tls: {insecure_skip_verify: true}")"
    expect_ok "$mode" "https://localhost with insecure_skip_verify: true" \
        "$(mkcfg "$mode.a.insecure-host" "$mode" "https://localhost:$PORT_TLS" \
            "tls: {insecure_skip_verify: true}")"
    expect_ok "$mode" "insecure_skip_verify: false (explicit) with ca_file" \
        "$(mkcfg "$mode.a.explicit" "$mode" "$tls" \
            "tls: {ca_file: $P/ca.pem, insecure_skip_verify: false}")"

    # Scheme mix-ups: https:// to plain Prometheus, http:// to the TLS port.
    expect_fail "$mode" "https:// to the plain-HTTP Prometheus" \
        "$(mkcfg "$mode.a.https-plain" "$mode" "https://$PROM_HOSTPORT" "$ca")" \
        'TLS handshake failed.*use http://'
    expect_fail "$mode" "http:// to the TLS port" \
        "$(mkcfg "$mode.a.http-tls" "$mode" "http://127.0.0.1:$PORT_TLS")" \
        'HTTP 400.*plain HTTP request was sent to HTTPS port'

    # (b) client certificate required
    expect_fail "$mode" "client certificate required, none configured" \
        "$(mkcfg "$mode.b.none" "$mode" "$mtls" "$ca")" \
        'HTTP 400.*(No required SSL certificate|certificate)'
    expect_ok "$mode" "client certificate required, cert_file and key_file set" \
        "$(mkcfg "$mode.b.cert" "$mode" "$mtls" \
            "tls: {ca_file: $P/ca.pem, cert_file: $P/client.pem, key_file: $P/client.key}")"
    expect_fail "$mode" "client certificate from another CA" \
        "$(mkcfg "$mode.b.other" "$mode" "$mtls" \
            "tls: {ca_file: $P/ca.pem, cert_file: $P/otherclient.pem, key_file: $P/otherclient.key}")" \
        'HTTP 400.*certificate'
    expect_fail "$mode" "client certificate with a key that does not exist" \
        "$(mkcfg "$mode.b.nokey" "$mode" "$mtls" \
            "tls: {ca_file: $P/ca.pem, cert_file: $P/client.pem, key_file: $P/missing.key}")" \
        'missing\.key.*check tls\.cert_file and tls\.key_file'

    # (c) bearer token
    expect_fail "$mode" "bearer endpoint without a token" \
        "$(mkcfg "$mode.c.none" "$mode" "$bearer" "$ca")" 'HTTP 401'
    expect_fail "$mode" "bearer endpoint with a wrong token file" \
        "$(mkcfg "$mode.c.wrong" "$mode" "$bearer" "$ca" "bearer_token_file: $D/token.wrong")" \
        'HTTP 401'
    expect_fail "$mode" "bearer_token_file that does not exist" \
        "$(mkcfg "$mode.c.nofile" "$mode" "$bearer" "$ca" "bearer_token_file: $D/nope")" \
        'bearer token file .*nope: No such file'
    expect_ok "$mode" "bearer endpoint with the right token file" \
        "$(mkcfg "$mode.c.right" "$mode" "$bearer" "$ca" "bearer_token_file: $D/token")"

    # (d) basic auth
    expect_fail "$mode" "basic-auth endpoint without credentials" \
        "$(mkcfg "$mode.d.none" "$mode" "$basic" "$ca")" 'HTTP 401'
    expect_fail "$mode" "basic-auth endpoint with a wrong password file" \
        "$(mkcfg "$mode.d.wrong" "$mode" "$basic" "$ca" \
            "basic_auth: {username: slo, password_file: $D/password.wrong}")" 'HTTP 401'
    expect_fail "$mode" "basic-auth endpoint with a wrong user name" \
        "$(mkcfg "$mode.d.user" "$mode" "$basic" "$ca" \
            "basic_auth: {username: someone, password_file: $D/password}")" 'HTTP 401'
    expect_ok "$mode" "basic-auth endpoint with the right password file" \
        "$(mkcfg "$mode.d.right" "$mode" "$basic" "$ca" \
            "basic_auth: {username: slo, password_file: $D/password}")"

    # (e) HTTP/2
    expect_ok "$mode" "TLS with HTTP/2 (ALPN h2)" "$(mkcfg "$mode.e.h2" "$mode" "$h2" "$ca")"

    # Everything at once: client certificate block with a bearer token and
    # an extra header (the token is sent; this block does not check it).
    expect_ok "$mode" "client certificate plus bearer_token_file and headers" \
        "$(mkcfg "$mode.b.all" "$mode" "$mtls" \
            "tls: {ca_file: $P/ca.pem, cert_file: $P/client.pem, key_file: $P/client.key}" \
            "bearer_token_file: $D/token" "headers: {X-Scope-OrgID: team-a}")"
done

# The requests really went through nginx: its access log has the answers
# ("$request" ends with the protocol, HTTP/2.0 on the h2 block).
for path in /api/v1/query /api/v1/read; do
    n1=$(grep -c "\"POST $path HTTP/1.1\" 200 " "$N/access.log")
    n2=$(grep -c "\"POST $path HTTP/2.0\" 200 " "$N/access.log")
    [ "$n1" -gt 0 ] && [ "$n2" -gt 0 ] \
        && ok "nginx answered POST $path with 200 $n1 times over HTTP/1.1 and $n2 times over HTTP/2" \
        || bad "nginx's access log lacks POST $path answered 200 (HTTP/1.1: $n1, HTTP/2: $n2)"
done

# No secret in any eval output or error.
if grep -rlF -e "$TOKEN" -e "$PASS" "$D/out" > /dev/null; then
    bad "a secret appears in eval output: $(grep -rlF -e "$TOKEN" -e "$PASS" "$D/out" | head -3)"
else
    ok "neither the token nor the password appears in any eval output or error"
fi

# --- Rotation, without a restart: two daemons (interval 2s) at once, one in
# promql mode against the bearer block, one in remote_read mode against the
# basic-auth block. Each secret file is overwritten with a wrong secret (by
# rename), then with the right one again (in place).
echo "  -- rotation (daemons, interval 2s: promql + bearer token, remote_read + basic auth)"
cp "$D/token" "$D/rot-token"
cp "$D/password" "$D/rot-password"
cfg_b=$(mkcfg daemon-bearer promql "$bearer" "$ca" "bearer_token_file: $D/rot-token")
cfg_p=$(mkcfg daemon-basic remote_read "$basic" "$ca" \
    "basic_auth: {username: slo, password_file: $D/rot-password}")
sed -i 's/^  interval: 30s/  interval: 2s/' "$cfg_b" "$cfg_p"
read -r port_b port_p < <(python3 -c '
import socket
ss = [socket.socket() for _ in range(2)]
for s in ss: s.bind(("127.0.0.1", 0))
print(" ".join(str(s.getsockname()[1]) for s in ss))')
"$BIN" --config.file="$cfg_b" --web.listen-address="127.0.0.1:$port_b" --log.level=debug \
    > "$D/daemon-bearer.log" 2>&1 &
pid=$!
"$BIN" --config.file="$cfg_p" --web.listen-address="127.0.0.1:$port_p" --log.level=debug \
    > "$D/daemon-basic.log" 2>&1 &
pid2=$!
for d in bearer basic; do
    if [ $d = bearer ]; then p=$port_b; dp=$pid; else p=$port_p; dp=$pid2; fi
    wait_http "http://127.0.0.1:$p/-/ready" 60 "$dp" && ok "$d daemon ready" \
        || { bad "$d daemon not ready: $(grep -E 'level=(warn|error)' "$D/daemon-$d.log" | head -3)"; exit 1; }
done

metric() {   # metric PORT NAME [LABELS-REGEX]: the value, or empty
    curl -s -m 5 "http://127.0.0.1:$1/metrics" | awk -v n="$2" -v l="${3:-}" \
        '$1 == n || (index($1, n "{") == 1 && $1 ~ l) { print $2; exit }'
}
# wait_metric PORT NAME VALUE SECONDS
wait_metric() {
    local deadline=$(( $(date +%s) + $4 ))
    while [ "$(date +%s)" -lt "$deadline" ]; do
        [ "$(metric "$1" "$2")" = "$3" ] && return 0
        sleep 0.3
    done
    return 1
}
for d in bearer:$port_b basic:$port_p; do
    [ "$(metric "${d#*:}" slo_sidecar_backend_up)" = 1 ] && ok "${d%:*}: slo_sidecar_backend_up 1" \
        || bad "${d%:*}: slo_sidecar_backend_up is $(metric "${d#*:}" slo_sidecar_backend_up), want 1"
done
fails_b=$(metric "$port_b" slo_sidecar_evaluations_total 'result="failure"')
fails_p=$(metric "$port_p" slo_sidecar_evaluations_total 'result="failure"')

printf '%s\n' "$WRONG_TOKEN" > "$D/rot-token.new" && mv "$D/rot-token.new" "$D/rot-token"
printf 'wrong-password\n' > "$D/rot-password.new" && mv "$D/rot-password.new" "$D/rot-password"
for d in bearer:$port_b:$fails_b basic:$port_p:$fails_p; do
    IFS=: read -r name p before <<< "$d"
    if wait_metric "$p" slo_sidecar_backend_up 0 12; then
        ok "$name: wrong secret written to the file: slo_sidecar_backend_up 0"
    else
        bad "$name: wrong secret: slo_sidecar_backend_up stayed $(metric "$p" slo_sidecar_backend_up)"
    fi
    after=$(metric "$p" slo_sidecar_evaluations_total 'result="failure"')
    if [ "${after:-0}" -gt "${before:-0}" ] 2>/dev/null; then
        ok "$name: failures counted: evaluations_total{result=\"failure\"} ${before:-0} -> $after"
    else
        bad "$name: failures not counted: ${before:-none} -> ${after:-none}"
    fi
    grep -qE 'level=(warn|error).*HTTP 401' "$D/daemon-$name.log" \
        && ok "$name: the cause is logged: $(grep -m1 -oE 'HTTP 401[^"\\]{0,40}' "$D/daemon-$name.log")" \
        || bad "$name: no HTTP 401 in the daemon log"
done

# The right secrets back, written in place this time.
printf '%s\n' "$TOKEN" > "$D/rot-token"
printf '%s\n' "$PASS" > "$D/rot-password"
for d in bearer:$port_b:$pid basic:$port_p:$pid2; do
    IFS=: read -r name p dp <<< "$d"
    if wait_metric "$p" slo_sidecar_backend_up 1 12; then
        ok "$name: right secret back in the file: recovered (slo_sidecar_backend_up 1)"
    else
        bad "$name: no recovery: slo_sidecar_backend_up stays $(metric "$p" slo_sidecar_backend_up)"
    fi
    kill -0 "$dp" 2>/dev/null && ok "$name: daemon still running (pid $dp), never restarted" \
        || bad "$name: daemon died"
    grep -q 'msg="SLO evaluation recovered"' "$D/daemon-$name.log" \
        && ok "$name: recovery logged" || bad "$name: no recovery in the log"
done
succ1=$(metric "$port_b" slo_sidecar_evaluations_total 'result="success"')
sleep 2.5
succ2=$(metric "$port_b" slo_sidecar_evaluations_total 'result="success"')
[ "${succ2:-0}" -gt "${succ1:-0}" ] 2>/dev/null \
    && ok "bearer: successful evaluations continue ($succ1 -> $succ2)" \
    || bad "bearer: no successful evaluations after recovery ($succ1 -> $succ2)"

# remote_read kept its state through the failures: its figures equal a
# fresh eval (through plain PROM_URL) at the daemon's last instant.
curl -s -m 5 "http://127.0.0.1:$port_p/api/v1/slos" > "$D/slos-basic.json"
T=$(jq -r '.data[0].evaluated_at' "$D/slos-basic.json")
plain_rr=$(mkcfg fresh remote_read "$PROM_URL")
timeout 60 "$BIN" eval --config.file="$plain_rr" --at="$T" > "$D/fresh.json" 2> "$D/fresh.err"
if [ "$(jq -S '[.data[] | {name, windows}]' "$D/slos-basic.json")" = \
     "$(jq -S '[.slos[] | {name, windows}]' "$D/fresh.json")" ] && [ -s "$D/fresh.json" ]; then
    ok "basic (remote_read): after the failures, every window equals a fresh eval at $T"
else
    bad "basic (remote_read): figures after recovery differ from a fresh eval at $T: $(head -c 300 "$D/fresh.err")"
fi

for d in bearer:$port_b basic:$port_p; do
    curl -s -m 5 "http://127.0.0.1:${d#*:}/metrics" > "$D/metrics-${d%:*}.txt"
    curl -s -m 5 "http://127.0.0.1:${d#*:}/api/v1/slos" > "$D/api-${d%:*}.json"
done
stop_pid "$pid" 5
stop_pid "$pid2" 5
pid=
pid2=
files=("$D"/daemon-*.log "$D"/metrics-*.txt "$D"/api-*.json)
leaks=$(grep -lF -e "$TOKEN" -e "$WRONG_TOKEN" -e "$PASS" -e wrong-password "${files[@]}")
if [ -z "$leaks" ]; then
    ok "no secret (right or wrong) in the daemons' logs ($(cat "$D"/daemon-*.log | wc -l) lines, debug), /metrics or /api/v1/slos"
else
    bad "a secret leaked into: $leaks"
fi
# With a sanitizer build (run.sh build/san/slo-sidecar) reports land here.
if grep -qE 'AddressSanitizer|LeakSanitizer|runtime error:' "$D"/daemon-*.log "$D"/out/*.err; then
    bad "sanitizer report: $(grep -hE 'AddressSanitizer|LeakSanitizer|runtime error:' "$D"/daemon-*.log "$D"/out/*.err | head -3)"
fi
grep -qi 'authorization:' "$D"/daemon-*.log && bad "a daemon log shows an Authorization header" \
    || ok "no Authorization header in the daemons' logs"
exit $FAILED
