#!/usr/bin/env bash
# --web.config.file: TLS and basic auth on the sidecar's own endpoints, in
# the exporter-toolkit format. A throwaway CA, server certificates and client
# certificates (and a foreign CA with its own client) are made here with
# openssl, a bcrypt hash with Python's crypt module.
#  - `check --web.config.file` accepts the good file and names FILE:LINE:COL
#    for bad ones (never a hash); a bad file keeps the daemon from starting.
#  - the daemon (against the test Prometheus) over https with the CA: plain
#    http and an unknown CA fail, no / wrong password gives 401 with
#    WWW-Authenticate, the right one 200 on /metrics, /api/v1/slos and
#    POST /-/reload; the extra header is sent;
#  - a real Prometheus scrapes it with tls_config + basic_auth (up == 1);
#  - reloads: RequireAndVerifyClientCert + min_version TLS13 + a rotated
#    password take effect at once (no client certificate or a foreign one:
#    the handshake fails; curl --tls-max 1.2 fails; the old password gets
#    401; Prometheus with the client certificate and the new password is up
#    again); the other client_auth_types; a bad web config, a missing
#    certificate and turning TLS off are refused with the old one kept and
#    slo_sidecar_config_last_reload_successful 0; a new server certificate is
#    served after a reload;
#  - neither the password nor the hash ever shows in the log.
set -uo pipefail
. "$HERE/lib.sh"
for tool in openssl curl python3 prometheus; do
    command -v "$tool" > /dev/null || { bad "$tool not found (make deps)"; exit 1; }
done

D="$WORK/webcfg"
P="$D/pki"
mkdir -p "$P" "$D/prom-data"
pid=
ppid_=
cleanup() {
    [ -n "$pid" ] && stop_pid "$pid" 5
    [ -n "$ppid_" ] && stop_pid "$ppid_" 10
}
trap cleanup EXIT

# --- PKI: CA, two server certificates for 127.0.0.1, a client certificate;
# another CA with a client certificate the sidecar must refuse.
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
    mkca ca "slo-sidecar web test CA"
    mkca otherca "some other CA"
    srv='basicConstraints=CA:FALSE\nsubjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth'
    mkleaf server "sidecar-first" "$srv"
    mkleaf server2 "sidecar-rotated" "$srv"
    cli='basicConstraints=CA:FALSE\nextendedKeyUsage=clientAuth'
    mkleaf client prometheus-client "$cli"
    mkleaf otherclient prometheus-client "$cli" otherca
) > "$D/pki.log" 2>&1; then
    bad "openssl could not make the test PKI: $(tail -5 "$D/pki.log")"
    exit 1
fi
ok "test CA, two server certificates (SAN IP:127.0.0.1), client certificates of two CAs"

# --- Secrets: random, so finding one anywhere means it leaked.
PASS="pw-$(openssl rand -hex 12)"
PASS2="pw2-$(openssl rand -hex 12)"
bcrypt() {
    python3 -W ignore -c 'import crypt, sys; print(crypt.crypt(sys.argv[1], crypt.mksalt(crypt.METHOD_BLOWFISH)))' "$1"
}
HASH=$(bcrypt "$PASS")
HASH2=$(bcrypt "$PASS2")
HASH_ALICE=$(bcrypt "alice-$PASS")
case "$HASH$HASH2" in
'$2b$'*'$2b$'*) ok "bcrypt hashes made with python3 crypt (${HASH:0:7}...)" ;;
*) bad "python3 did not make bcrypt hashes: $HASH"; exit 1 ;;
esac

# web_config FILE [extra tls lines] [users]: writes a web config with TLS.
web_config() {
    local f=$1 tls_extra=${2:-} users=${3:-"  prometheus: $HASH"}
    {
        echo "# test web config"
        echo "tls_server_config:"
        echo "  cert_file: pki/server.pem"
        echo "  key_file: pki/server.key"
        [ -n "$tls_extra" ] && printf '%b\n' "$tls_extra"
        echo "http_server_config:"
        echo "  headers:"
        echo "    X-Frame-Options: deny"
        echo "basic_auth_users:"
        printf '%s\n' "$users"
    } > "$f"
}
WEB="$D/web.yml"
web_config "$WEB"

# --- check --web.config.file
out=$("$BIN" check --web.config.file="$WEB" 2>&1)
rc=$?
[ $rc -eq 0 ] && ok "check --web.config.file accepts the file: $out" \
    || bad "check refused the good web config (exit $rc): $out"
printf 'tls_server_config:\n  cert_file: pki/server.pem\n  key_file: pki/server.key\n  client_auth_type: RequireAndVerifyClientCert\n  min_version: TLS11\nbasic_auth_users:\n  prometheus: %s\n  alice: "%s"\n  bob: "$apr1$abc$def"\nhttp_server_config:\n  http2: true\n' \
    "${HASH/\$12\$/\$15\$}" "${HASH:0:30}" > "$D/bad.yml"
out=$("$BIN" check --web.config.file="$D/bad.yml" 2>&1)
rc=$?
echo "$out" | sed 's/^/    /'
want=("$D/bad.yml:4:21: tls_server_config.client_auth_type: RequireAndVerifyClientCert checks"
      "$D/bad.yml:5:16: tls_server_config.min_version: TLS11 is not supported"
      "$D/bad.yml:7:15: basic_auth_users.prometheus: bcrypt cost 15 is above the limit of 14"
      "$D/bad.yml:8:10: basic_auth_users.alice: not a well-formed bcrypt hash"
      "$D/bad.yml:9:8: basic_auth_users.bob: not a bcrypt hash"
      "$D/bad.yml:11:10: http_server_config.http2: HTTP/2 is not supported"
      "$D/bad.yml: 6 errors")
missing=0
for w in "${want[@]}"; do
    grep -qF -- "$w" <<< "$out" || { bad "check output lacks: $w"; missing=1; }
done
[ $rc -eq 1 ] && [ $missing -eq 0 ] && ok "check exits 1 with each error at FILE:LINE:COL"
grep -qF -- "${HASH:7}" <<< "$out" || grep -qF -- "${HASH:7:20}" <<< "$out" \
    && bad "a hash shows in check's output" || ok "no hash in check's output"
# Files that do not work: a missing certificate, a key that is not the certificate's.
sed 's#pki/server.pem#pki/nonexistent.pem#' "$WEB" > "$D/nocert.yml"
out=$("$BIN" check --web.config.file="$D/nocert.yml" 2>&1)
[ $? -eq 1 ] && grep -qF "$D/nocert.yml:3:14: tls_server_config.cert_file: cannot read \"$D/pki/nonexistent.pem\": No such file or directory" <<< "$out" \
    && ok "missing certificate: $(head -1 <<< "$out")" || bad "missing certificate not reported: $out"
sed 's#pki/server.key#pki/client.key#' "$WEB" > "$D/mismatch.yml"
out=$("$BIN" check --web.config.file="$D/mismatch.yml" 2>&1)
[ $? -eq 1 ] && grep -qF "$D/mismatch.yml:4:13: tls_server_config.key_file: cannot use" <<< "$out" \
    && ok "key of another certificate: $(head -1 <<< "$out")" || bad "key mismatch not reported: $out"

# --- The daemon refuses to start with a bad web config.
cfg="$D/slos.yaml"
# One SLO is enough here, and keeps reloads (each evaluates at once) quick.
fill_config "$HERE/slos.yaml.tmpl" "$cfg.all" "$PROM_URL"
sed -e 's/^  interval: 30s$/  interval: 2s/' -e '/^  - name: checkout-edge$/,$d' "$cfg.all" > "$cfg"
grep -c '^  - name: ' "$cfg" | grep -qx 1 || bad "could not cut the test config to one SLO"
port=$(free_port)
timeout 20 "$BIN" --config.file="$cfg" --web.config.file="$D/bad.yml" \
    --web.listen-address="127.0.0.1:$port" > "$D/refused.log" 2>&1
rc=$?
[ $rc -eq 1 ] && grep -q 'msg="invalid web config".*bad.yml:4:21' "$D/refused.log" \
    && ok "daemon with a bad web config exits 1: $(head -1 "$D/refused.log")" \
    || bad "daemon with a bad web config: exit $rc, log: $(head -3 "$D/refused.log")"

# --- The daemon with TLS and basic auth (the flag in its "--flag value" form).
base="https://127.0.0.1:$port"
"$BIN" --config.file="$cfg" --web.config.file "$WEB" --web.listen-address="127.0.0.1:$port" \
    > "$D/daemon.log" 2>&1 &
pid=$!
ca=(--cacert "$P/ca.pem")
auth=(-u "prometheus:$PASS")
mtls=(--cert "$P/client.pem" --key "$P/client.key")
up=0
for _ in $(seq 1 150); do
    [ "$(http_code "$base/-/ready" "${ca[@]}" "${auth[@]}")" = 200 ] && { up=1; break; }
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.2
done
if [ $up -ne 1 ]; then
    bad "daemon not ready over https"
    cat "$D/daemon.log"
    exit 1
fi
ok "daemon ready over https with the test CA and the password"

expect() {   # expect WANT WHAT URL [curl args...]
    local want=$1 what=$2 url=$3 got
    shift 3
    got=$(http_code "$url" "$@")
    [ "$got" = "$want" ] && ok "$what: $got" || bad "$what: got $got, want $want"
}
expect 200 "GET /metrics with the password" "$base/metrics" "${ca[@]}" "${auth[@]}"
expect 200 "GET /api/v1/slos with the password" "$base/api/v1/slos" "${ca[@]}" "${auth[@]}"
expect 200 "POST /-/reload with the password" "$base/-/reload" "${ca[@]}" "${auth[@]}" -X POST -m 60
expect 401 "GET /metrics without a password" "$base/metrics" "${ca[@]}"
expect 401 "GET /metrics with a wrong password" "$base/metrics" "${ca[@]}" -u "prometheus:x$PASS"
expect 401 "GET /metrics as an unknown user" "$base/metrics" "${ca[@]}" -u "nobody:$PASS"
expect 401 "GET /-/healthy without a password" "$base/-/healthy" "${ca[@]}"
expect 401 "POST /-/reload without a password" "$base/-/reload" "${ca[@]}" -X POST
expect 000 "plain http to the TLS port" "http://127.0.0.1:$port/metrics" "${auth[@]}"
expect 000 "https without the CA (unknown issuer)" "$base/metrics" "${auth[@]}"
hdrs=$(curl -s -m 5 -o /dev/null -D - "${ca[@]}" "$base/metrics")
grep -qi '^WWW-Authenticate: Basic realm="slo-sidecar"' <<< "$hdrs" \
    && ok "401 carries WWW-Authenticate: Basic" || bad "no WWW-Authenticate on 401: $hdrs"
grep -qi '^X-Frame-Options: deny' <<< "$hdrs" && ok "X-Frame-Options: deny is sent" \
    || bad "the configured header is missing: $hdrs"
body=$(curl -s -m 5 "${ca[@]}" "${auth[@]}" "$base/metrics")
grep -q '^slo_objective_ratio{' <<< "$body" && ok "/metrics over https has the SLO series" \
    || bad "/metrics over https lacks slo_objective_ratio"

# --- A real Prometheus scrapes it with tls_config and basic_auth.
pport=$(free_port)
PURL="http://127.0.0.1:$pport"
printf '%s\n' "$PASS" > "$D/prom.password"
prom_config() {   # prom_config [more tls_config lines]: the scraping Prometheus' config
    cat > "$D/prometheus.yml" <<EOF
global:
  scrape_interval: 1s
  scrape_timeout: 1s
scrape_configs:
  - job_name: slo
    scheme: https
    tls_config:
      ca_file: $P/ca.pem
${1:-}
    basic_auth:
      username: prometheus
      password_file: $D/prom.password
    static_configs:
      - targets: ['127.0.0.1:$port']
EOF
}
prom_config
prometheus --config.file="$D/prometheus.yml" --storage.tsdb.path="$D/prom-data" \
    --web.listen-address="127.0.0.1:$pport" --web.enable-lifecycle --log.level=warn \
    > "$D/prometheus.log" 2>&1 &
ppid_=$!
wait_http "$PURL/-/ready" 60 "$ppid_" || { bad "scraping Prometheus not ready"; cat "$D/prometheus.log"; exit 1; }
# wait_up WANT SECONDS: waits until Prometheus' up{job="slo"} is WANT.
wait_up() {
    local want=$1 deadline=$(( $(date +%s) + $2 )) v=
    while [ "$(date +%s)" -lt "$deadline" ]; do
        v=$(curl -s -m 5 "$PURL/api/v1/query" --data-urlencode 'query=up{job="slo"}' |
            python3 -c 'import json,sys; r=json.load(sys.stdin)["data"]["result"]; print(r[0]["value"][1] if r else "none")' 2>/dev/null)
        [ "$v" = "$want" ] && return 0
        sleep 0.5
    done
    echo "  up{job=\"slo\"} is $v, waited for $want" >&2
    return 1
}
wait_up 1 30 && ok "Prometheus scrapes the sidecar over TLS with basic auth: up == 1" \
    || bad "Prometheus cannot scrape the sidecar"
n=$(curl -s -m 5 "$PURL/api/v1/query" --data-urlencode 'query=count(slo_objective_ratio{job="slo"})' |
    python3 -c 'import json,sys; r=json.load(sys.stdin)["data"]["result"]; print(r[0]["value"][1] if r else 0)')
[ "${n:-0}" -gt 0 ] 2>/dev/null && ok "Prometheus has $n slo_objective_ratio series from it" \
    || bad "Prometheus has no slo_objective_ratio series from the sidecar"

metric() {   # metric NAME [curl args...]: its value on the sidecar's /metrics
    local n=$1
    shift
    curl -s -m 5 "${ca[@]}" "${mtls[@]}" "$@" "$base/metrics" | awk -v n="$n" '$1 == n {print $2}'
}
# wait_metric NAME WANT [curl args...]: 0 once the sidecar's NAME is WANT (the
# snapshot that shows a reload's outcome is published just after the answer).
wait_metric() {
    local n=$1 want=$2 v=
    shift 2
    for _ in $(seq 1 300); do
        v=$(metric "$n" "$@")
        [ "$v" = "$want" ] && return 0
        sleep 0.1
    done
    echo "  $n is \"$v\", waited for $want" >&2
    return 1
}
reload() {   # reload: POST /-/reload with the given curl args; prints the status
    curl -s -o "$D/reload.out" -m 60 -w '%{http_code}' "${ca[@]}" "$@" -X POST "$base/-/reload"
}

# --- Reload: client certificates required and verified, TLS 1.3 only, the
# password rotated and a second user. Users take effect at once; TLS
# settings for new connections.
web_config "$WEB.new" "  client_auth_type: RequireAndVerifyClientCert\n  client_ca_file: pki/ca.pem\n  min_version: TLS13" \
    "$(printf '  prometheus: %s\n  alice: %s' "$HASH2" "$HASH_ALICE")"
mv "$WEB.new" "$WEB"
code=$(reload "${auth[@]}")
[ "$code" = 200 ] && ok "POST /-/reload with the new web config: 200" \
    || bad "reload to mutual TLS: $code $(cat "$D/reload.out")"
auth2=(-u "prometheus:$PASS2")
expect 200 "client certificate and the new password" "$base/metrics" "${ca[@]}" "${mtls[@]}" "${auth2[@]}"
expect 200 "client certificate and the second user" "$base/api/v1/slos" "${ca[@]}" "${mtls[@]}" -u "alice:alice-$PASS"
expect 401 "client certificate and the old password" "$base/metrics" "${ca[@]}" "${mtls[@]}" "${auth[@]}"
expect 000 "no client certificate (handshake fails)" "$base/metrics" "${ca[@]}" "${auth2[@]}"
curl -s -o /dev/null -m 5 "${ca[@]}" "${auth2[@]}" "$base/metrics"
rc=$?
# TLS 1.3 clients learn of the refusal after their side of the handshake.
case $rc in
35 | 52 | 55 | 56) ok "curl without a client certificate: exit $rc (handshake, empty reply, send or receive failure)" ;;
*) bad "curl without a client certificate: exit $rc, want 35, 52, 55 or 56" ;;
esac
expect 000 "a client certificate of another CA" "$base/metrics" "${ca[@]}" "${auth2[@]}" \
    --cert "$P/otherclient.pem" --key "$P/otherclient.key"
expect 000 "the server's own certificate as a client certificate (not for client auth)" \
    "$base/metrics" "${ca[@]}" "${auth2[@]}" --cert "$P/server.pem" --key "$P/server.key"
expect 000 "curl --tls-max 1.2 against min_version TLS13" "$base/metrics" "${ca[@]}" "${mtls[@]}" \
    "${auth2[@]}" --tls-max 1.2
expect 200 "curl --tlsv1.3" "$base/metrics" "${ca[@]}" "${mtls[@]}" "${auth2[@]}" --tlsv1.3
wait_metric slo_sidecar_config_last_reload_successful 1 "${auth2[@]}" \
    && ok "slo_sidecar_config_last_reload_successful 1" || bad "reload not counted as successful"
# Prometheus still has the old password: refused. Given a client certificate
# (its reload makes a new HTTP client, hence new connections, which must now
# show one) and then the new password (password_file is read at each
# scrape), it is up again.
wait_up 0 20 && ok "Prometheus with the old password: up == 0" || bad "old password still scrapes"
prom_config "      cert_file: $P/client.pem
      key_file: $P/client.key"
code=$(curl -s -o /dev/null -w '%{http_code}' -m 30 -X POST "$PURL/-/reload")
[ "$code" = 200 ] || bad "Prometheus reload: HTTP $code"
printf '%s\n' "$PASS2" > "$D/prom.password"
wait_up 1 30 && ok "Prometheus with the client certificate and the new password: up == 1" \
    || bad "Prometheus cannot scrape over mutual TLS"

# --- The other client_auth_types, each through a reload.
mode() {   # mode TYPE [CA line]
    web_config "$WEB" "  client_auth_type: $1${2:+\n  $2}" "  prometheus: $HASH2"
    code=$(reload "${mtls[@]}" "${auth2[@]}")
    [ "$code" = 200 ] || bad "reload to $1: $code $(cat "$D/reload.out")"
}
other=(--cert "$P/otherclient.pem" --key "$P/otherclient.key")
mode VerifyClientCertIfGiven "client_ca_file: pki/ca.pem"
expect 200 "VerifyClientCertIfGiven, no certificate" "$base/-/healthy" "${ca[@]}" "${auth2[@]}"
expect 200 "VerifyClientCertIfGiven, our certificate" "$base/-/healthy" "${ca[@]}" "${mtls[@]}" "${auth2[@]}"
expect 000 "VerifyClientCertIfGiven, a foreign certificate" "$base/-/healthy" "${ca[@]}" "${other[@]}" "${auth2[@]}"
mode RequireAnyClientCert
expect 000 "RequireAnyClientCert, no certificate" "$base/-/healthy" "${ca[@]}" "${auth2[@]}"
expect 200 "RequireAnyClientCert, a foreign certificate" "$base/-/healthy" "${ca[@]}" "${other[@]}" "${auth2[@]}"
mode RequestClientCert
expect 200 "RequestClientCert, no certificate" "$base/-/healthy" "${ca[@]}" "${auth2[@]}"
mode RequireAndVerifyClientCert "client_ca_file: pki/ca.pem"
expect 000 "RequireAndVerifyClientCert again, no certificate" "$base/-/healthy" "${ca[@]}" "${auth2[@]}"

# --- Bad reloads keep the web config in force.
cp "$WEB" "$D/web.good"
bad_reload() {   # bad_reload WHAT WANT_IN_MESSAGE
    local code
    code=$(reload "${mtls[@]}" "${auth2[@]}")
    if [ "$code" = 500 ] && grep -qF -- "$2" "$D/reload.out"; then
        ok "$1 refused: $(head -c 200 "$D/reload.out")"
    else
        bad "$1: HTTP $code $(cat "$D/reload.out"), want 500 with \"$2\""
    fi
    wait_metric slo_sidecar_config_last_reload_successful 0 "${auth2[@]}" \
        && ok "  slo_sidecar_config_last_reload_successful 0" || bad "  reload failure not published"
    expect 200 "  the old users still work" "$base/metrics" "${ca[@]}" "${mtls[@]}" "${auth2[@]}"
    expect 000 "  the old client certificate rule still holds" "$base/metrics" "${ca[@]}" "${auth2[@]}"
    cp "$D/web.good" "$WEB"
}
sed "s#^  prometheus: .*#  prometheus: not-a-hash-$PASS#" "$D/web.good" > "$WEB"
bad_reload "a web config with a bad hash" "$WEB:11:15: basic_auth_users.prometheus: not a bcrypt hash"
grep -q "not-a-hash" "$D/reload.out" && bad "the refused value shows in the reload answer"
printf 'tls_server_config: {cert_file: pki/server.pem, key_file: pki/server.key}\nbasic_auth_users:\n  prometheus: %s\nextra: 1\n' "$HASH2" > "$WEB"
bad_reload "an unknown key" "$WEB:4:1: unknown field \"extra\""
sed 's#pki/server.pem#pki/gone.pem#' "$D/web.good" > "$WEB"
bad_reload "a missing certificate" "tls_server_config.cert_file: cannot read"
printf 'basic_auth_users:\n  prometheus: %s\n' "$HASH2" > "$WEB"
bad_reload "turning TLS off" "turning off TLS needs a restart"
code=$(reload "${mtls[@]}" "${auth2[@]}")
[ "$code" = 200 ] && wait_metric slo_sidecar_config_last_reload_successful 1 "${auth2[@]}" \
    && ok "the good web config reloads again" || bad "good reload after bad ones: $code"

# --- A new server certificate is served after a reload (SIGHUP this time).
subject() {
    openssl s_client -connect "127.0.0.1:$port" -CAfile "$P/ca.pem" -cert "$P/client.pem" \
        -key "$P/client.key" < /dev/null 2> /dev/null | openssl x509 -noout -subject 2> /dev/null
}
s1=$(subject)
sed -e 's#pki/server.pem#pki/server2.pem#' -e 's#pki/server.key#pki/server2.key#' "$D/web.good" > "$WEB"
kill -HUP "$pid"
s2=
for _ in $(seq 1 50); do
    s2=$(subject)
    [ "$s2" != "$s1" ] && break
    sleep 0.2
done
case "$s1|$s2" in
*sidecar-first*'|'*sidecar-rotated*) ok "certificate swapped by SIGHUP: \"$s1\" then \"$s2\"" ;;
*) bad "certificate not swapped: before \"$s1\", after \"$s2\"" ;;
esac
expect 200 "the rotated certificate verifies with the CA" "$base/metrics" "${ca[@]}" "${mtls[@]}" "${auth2[@]}"

# --- SIGTERM (exit 0; with a sanitizer build, also no leak), and no secret in the log.
kill "$pid"
rc=
for _ in $(seq 1 100); do
    kill -0 "$pid" 2>/dev/null || { wait "$pid"; rc=$?; break; }
    sleep 0.1
done
if [ -z "$rc" ]; then
    bad "daemon still running 10 s after SIGTERM"
    stop_pid "$pid" 1
else
    [ "$rc" -eq 0 ] && ok "SIGTERM: exit 0" || bad "SIGTERM: exit $rc: $(tail -5 "$D/daemon.log")"
fi
pid=
leaks=0
for s in "$PASS" "$PASS2" "${HASH:7}" "${HASH2:7}" "${HASH_ALICE:7}"; do
    grep -qF -- "$s" "$D/daemon.log" "$D/refused.log" && leaks=$((leaks + 1))
done
[ $leaks -eq 0 ] && ok "no password or hash in the daemon's log ($(wc -l < "$D/daemon.log") lines)" \
    || bad "$leaks secrets show in the daemon's log"
grep -q 'msg="web config reloaded"' "$D/daemon.log" && ok "reloads of the web config are logged" \
    || bad "no \"web config reloaded\" in the log"
[ "$FAILED" -eq 0 ]
