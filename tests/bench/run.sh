#!/bin/bash
# run.sh - ewsemu throughput/latency next to nginx, plus a memory check.
#
#   tests/bench/run.sh [PATH/TO/ewsemu]        (make bench runs it on build/src/ewsemu)
#
# One run does:
#   1. a fresh store with the demo organisation, `ewsemu serve` on random loopback ports;
#   2. nginx (nginx-light) in a temp dir as a plain static file server (keep-alive,
#      sendfile, access_log off unless BENCH_ACCESS_LOG=1, 2 workers) serving the very bytes ewsemu returns;
#   3. wrk --latency, 2 threads, for each scenario at each connection count:
#        (a) REST-style GET .../s/GetUserPhoto?size=HR96x96   vs  (a') nginx: same JPEG, static
#        (b) the same GET with If-None-Match -> 304           vs  (b') nginx: If-None-Match -> 304
#        (c) SOAP GetUserPhoto POST                           vs  (c') nginx: GET of the captured
#                                                                  SOAP response body (same size)
#      wrk sends "Authorization: Basic ..." on every request, to nginx too (which ignores it);
#   4. memory: ewsemu's VmRSS sampled while wrk runs a mixed load (REST/304/SOAP, all sizes,
#      404, 500, 401, HTTP and HTTPS) for BENCH_MEM_SECONDS.
# Prints a table; raw wrk output stays in the temp dir when BENCH_KEEP=1.
#
# Environment (defaults): BENCH_DURATION (10s) per wrk run, BENCH_CONNS ("16 64"),
# BENCH_SCENARIOS ("a b c d"), BENCH_THREADS (2), BENCH_WARMUP (2s),
# BENCH_MEM_SECONDS (60; 0 skips the memory check), BENCH_MEM_INTERVAL (5),
# BENCH_MEM_CONNS (16 per listener), BENCH_LOG_LEVEL (warn), BENCH_KEEP (0), NGINX (nginx), WRK (wrk),
# BENCH_SERVER_CPUS / BENCH_WRK_CPUS (taskset -c lists for ewsemu and nginx / for wrk; unset: no
# pinning), BENCH_NICE (nice increment for both; unset: none): see pin.sh.
# BENCH_ACCESS_LOG (0): 0 = neither server writes an access log (nginx "access_log off",
# ewsemu "--access-log off"); 1 = both write one line per request to a file in the temp dir
# (ewsemu's IIS W3C log, nginx's combined log): the same work on both sides either way.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
BIN=${1:-${EWSEMU_BIN:-$REPO/build/src/ewsemu}}
DURATION=${BENCH_DURATION:-10s}
CONNS=${BENCH_CONNS:-"16 64"}
SCENARIOS=${BENCH_SCENARIOS:-"a b c d"}
THREADS=${BENCH_THREADS:-2}
WARMUP=${BENCH_WARMUP:-2s}
MEM_SECONDS=${BENCH_MEM_SECONDS:-60}
MEM_INTERVAL=${BENCH_MEM_INTERVAL:-5}
MEM_CONNS=${BENCH_MEM_CONNS:-16}
LOG_LEVEL=${BENCH_LOG_LEVEL:-warn}
KEEP=${BENCH_KEEP:-0}
ACCESS_LOG=${BENCH_ACCESS_LOG:-0}
NGINX=${NGINX:-$(command -v nginx || echo /usr/sbin/nginx)}
WRK=${WRK:-wrk}
PY=/usr/bin/python3
PASSWORD='Passw0rd!'
LUA="$HERE/bench.lua"

die() { echo "bench: $*" >&2; exit 1; }

[ -x "$BIN" ] || die "no ewsemu binary at $BIN (build first, or pass its path)"
command -v "$WRK" >/dev/null || die "wrk not found (scripts/install-deps --bench)"
[ -x "$NGINX" ] || die "nginx not found (scripts/install-deps --bench)"
command -v curl >/dev/null || die "curl not found (scripts/install-deps --test)"
[ -x "$PY" ] || die "$PY not found"
[ -r /proc/self/status ] || die "/proc is needed for the memory check"
BIN=$(cd "$(dirname "$BIN")" && pwd)/$(basename "$BIN")
. "$HERE/pin.sh"   # SERVER_WRAP, WRK_WRAP, PIN_NOTE

TMP=$(mktemp -d "${TMPDIR:-/tmp}/ewsemu-bench.XXXXXX")
chmod 755 "$TMP"    # nginx workers (user nobody when started as root) read $TMP/www
SERVER_PID=""
NGINX_PID=""
BG_PIDS=""

cleanup() {
	local rc=$?
	trap - EXIT INT TERM
	for p in $BG_PIDS; do kill "$p" 2>/dev/null || true; done
	if [ -n "$NGINX_PID" ] && kill -0 "$NGINX_PID" 2>/dev/null; then
		kill -QUIT "$NGINX_PID" 2>/dev/null || true
		for _ in $(seq 50); do kill -0 "$NGINX_PID" 2>/dev/null || break; sleep 0.1; done
		kill -KILL "$NGINX_PID" 2>/dev/null || true
	fi
	if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
		kill -TERM "$SERVER_PID" 2>/dev/null || true
		for _ in $(seq 100); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.1; done
		kill -KILL "$SERVER_PID" 2>/dev/null || true
	fi
	wait 2>/dev/null || true
	if [ "$KEEP" = 1 ]; then echo "bench: kept $TMP" >&2; else rm -rf "$TMP"; fi
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

free_port() {
	"$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

header_value() {  # $1 = header file, $2 = header name -> value without CR
	awk -v want="$(echo "$2" | tr 'A-Z' 'a-z')" 'BEGIN{FS=":"} {
		name=tolower($1); if (name == want) { sub(/^[^:]*:[ \t]*/, ""); sub(/\r$/, ""); v=$0 } }
		END { print v }' "$1"
}

# ---------------------------------------------------------------------------- ewsemu
"$BIN" demo --store "$TMP/store" >"$TMP/demo.log" 2>&1 || { cat "$TMP/demo.log" >&2; die "ewsemu demo failed"; }
mapfile -t USERS < <("$BIN" users --store "$TMP/store" | awk '{print $1}')
[ "${#USERS[@]}" -gt 0 ] || die "the demo store has no users"

# the access log as nginx's below (builds before issue 13 have no --access-log: nothing to switch)
LOG_ARGS=()
if "$BIN" serve --help 2>&1 | grep -q -- --access-log; then
	if [ "$ACCESS_LOG" = 1 ]; then LOG_ARGS=(--access-log "$TMP/ewsemu-access.log"); else LOG_ARGS=(--access-log off); fi
fi
"${SERVER_WRAP[@]}" "$BIN" serve --store "$TMP/store" --http 127.0.0.1:0 --https 127.0.0.1:0 --log-level "$LOG_LEVEL" \
	"${LOG_ARGS[@]}" >"$TMP/serve.out" 2>"$TMP/serve.err" &
SERVER_PID=$!
HTTP_EWS="" HTTPS_EWS=""
for _ in $(seq 150); do
	HTTP_EWS=$(sed -n 's/^ewsemu: EWS endpoint \(http:[^ ]*\).*/\1/p' "$TMP/serve.out" | head -1)
	HTTPS_EWS=$(sed -n 's/^ewsemu: EWS endpoint \(https:[^ ]*\).*/\1/p' "$TMP/serve.out" | head -1)
	[ -n "$HTTP_EWS" ] && [ -n "$HTTPS_EWS" ] && break
	kill -0 "$SERVER_PID" 2>/dev/null || { cat "$TMP/serve.err" >&2; die "ewsemu serve exited"; }
	sleep 0.1
done
[ -n "$HTTP_EWS" ] && [ -n "$HTTPS_EWS" ] || { cat "$TMP/serve.out" "$TMP/serve.err" >&2; die "ewsemu did not print its endpoints"; }
HTTP_BASE=${HTTP_EWS%/EWS/Exchange.asmx}
HTTPS_BASE=${HTTPS_EWS%/EWS/Exchange.asmx}

# A demo user whose HR96x96 photo is a 200 (the user authenticates as itself).
USER=""
for u in "${USERS[@]}"; do
	code=$(curl -s -o /dev/null -w '%{http_code}' -u "$u:$PASSWORD" \
		"$HTTP_BASE/ews/Exchange.asmx/s/GetUserPhoto?email=$u&size=HR96x96" || true)
	if [ "$code" = 200 ]; then USER=$u; break; fi
done
[ -n "$USER" ] || die "no demo user has an HR96x96 photo"
NOPHOTO=""
for u in "${USERS[@]}"; do
	code=$(curl -s -o /dev/null -w '%{http_code}' -u "$USER:$PASSWORD" \
		"$HTTP_BASE/ews/Exchange.asmx/s/GetUserPhoto?email=$u&size=HR96x96" || true)
	if [ "$code" = 404 ]; then NOPHOTO=$u; break; fi
done
AUTH="Basic $(printf '%s:%s' "$USER" "$PASSWORD" | base64 -w0)"
BADAUTH="Basic $(printf '%s:%s' "$USER" 'wrong-password' | base64 -w0)"
PHOTO_PATH="/ews/Exchange.asmx/s/GetUserPhoto?email=$USER&size=HR96x96"

mkdir -p "$TMP/www" "$TMP/req"
curl -sS -D "$TMP/photo.h" -o "$TMP/www/photo.jpg" -H "Authorization: $AUTH" "$HTTP_BASE$PHOTO_PATH"
ETAG=$(header_value "$TMP/photo.h" etag)
[ -n "$ETAG" ] || die "the photo response has no ETag"

soap_request() {  # $1 = email, $2 = size
	cat <<EOF
<?xml version="1.0" encoding="utf-8"?>
<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"
    xmlns:t="http://schemas.microsoft.com/exchange/services/2006/types"
    xmlns:m="http://schemas.microsoft.com/exchange/services/2006/messages">
  <soap:Header><t:RequestServerVersion Version="Exchange2013"/></soap:Header>
  <soap:Body>
    <m:GetUserPhoto><m:Email>$1</m:Email><m:SizeRequested>$2</m:SizeRequested></m:GetUserPhoto>
  </soap:Body>
</soap:Envelope>
EOF
}
soap_request "$USER" HR96x96 >"$TMP/req/soap.xml"
code=$(curl -sS -o "$TMP/www/soap.xml" -w '%{http_code}' -H "Authorization: $AUTH" \
	-H 'Content-Type: text/xml; charset=utf-8' --data-binary @"$TMP/req/soap.xml" "$HTTP_EWS")
[ "$code" = 200 ] || die "SOAP GetUserPhoto answered $code"
grep -q 'HasChanged>true<' "$TMP/www/soap.xml" || die "SOAP GetUserPhoto returned no photo"
chmod 755 "$TMP/www"; chmod 644 "$TMP/www"/*

# ---------------------------------------------------------------------------- nginx
NGINX_PORT=$(free_port)
NGINX_TLS_PORT=$(free_port)
mkdir -p "$TMP/nginx"
cat >"$TMP/nginx/nginx.conf" <<EOF
worker_processes 2;
pid $TMP/nginx/nginx.pid;
error_log $TMP/nginx/error.log warn;
events { worker_connections 1024; }
http {
    types { image/jpeg jpg; text/xml xml; }
    default_type application/octet-stream;
    $( [ "$ACCESS_LOG" = 1 ] && echo "access_log $TMP/nginx/access.log;" || echo "access_log off;" )
    sendfile on;
    tcp_nopush on;
    tcp_nodelay on;
    keepalive_timeout 65;           # keepalive_requests: default 1000, as ewsemu (Keep-Alive: max=1000)
    client_body_temp_path $TMP/nginx/client_body;
    proxy_temp_path $TMP/nginx/proxy;
    fastcgi_temp_path $TMP/nginx/fastcgi;
    uwsgi_temp_path $TMP/nginx/uwsgi;
    scgi_temp_path $TMP/nginx/scgi;
    server {
        listen 127.0.0.1:$NGINX_PORT;
        root $TMP/www;
    }
    server {
        # (d'): the same files over TLS, with ewsemu's own certificate and key (one PEM file)
        listen 127.0.0.1:$NGINX_TLS_PORT ssl;
        ssl_certificate $TMP/store/server.pem;
        ssl_certificate_key $TMP/store/server.pem;
        ssl_protocols TLSv1.2 TLSv1.3;
        root $TMP/www;
    }
}
EOF
"${SERVER_WRAP[@]}" "$NGINX" -p "$TMP/nginx" -e "$TMP/nginx/error.log" -c "$TMP/nginx/nginx.conf" -g 'daemon off;' &
NGINX_PID=$!
NGINX_BASE="http://127.0.0.1:$NGINX_PORT"
NGINX_TLS_BASE="https://127.0.0.1:$NGINX_TLS_PORT"
for _ in $(seq 100); do
	curl -s -o /dev/null "$NGINX_BASE/photo.jpg" && break
	kill -0 "$NGINX_PID" 2>/dev/null || { cat "$TMP/nginx/error.log" >&2; die "nginx exited"; }
	sleep 0.1
done
curl -sS -D "$TMP/nphoto.h" -o "$TMP/nphoto.jpg" "$NGINX_BASE/photo.jpg"
cmp -s "$TMP/nphoto.jpg" "$TMP/www/photo.jpg" || die "nginx does not serve the same JPEG bytes"
NGINX_ETAG=$(header_value "$TMP/nphoto.h" etag)

# ---------------------------------------------------------------------------- checks
check() {  # $1 = expected status, $2 = label, rest = curl args
	local want=$1 label=$2; shift 2
	local got
	got=$(curl -s -o /dev/null -w '%{http_code}' "$@" || true)
	[ "$got" = "$want" ] || die "$label: expected HTTP $want, got $got"
}
check 200 "ewsemu REST GET"  -H "Authorization: $AUTH" "$HTTP_BASE$PHOTO_PATH"
check 304 "ewsemu REST 304"  -H "Authorization: $AUTH" -H "If-None-Match: $ETAG" "$HTTP_BASE$PHOTO_PATH"
check 200 "ewsemu SOAP"      -H "Authorization: $AUTH" -H 'Content-Type: text/xml; charset=utf-8' --data-binary @"$TMP/req/soap.xml" "$HTTP_EWS"
check 200 "nginx GET jpg"    "$NGINX_BASE/photo.jpg"
check 304 "nginx 304"        -H "If-None-Match: $NGINX_ETAG" "$NGINX_BASE/photo.jpg"
check 200 "nginx GET soap"   "$NGINX_BASE/soap.xml"
check 200 "ewsemu HTTPS GET" -k -H "Authorization: $AUTH" "$HTTPS_BASE$PHOTO_PATH"
check 200 "nginx HTTPS GET"  -k "$NGINX_TLS_BASE/photo.jpg"

# ---------------------------------------------------------------------------- wrk
RESULTS="$TMP/results.tsv"
: >"$RESULTS"
NOTES=""

run_wrk() {  # $1 = tag, $2 = conns, $3 = duration, $4 = url; BENCH_* exported; result line -> $LAST
	local tag=$1 c=$2 d=$3 url=$4 out="$TMP/wrk-$1-$2.txt"
	local t=$THREADS wp
	[ "$c" -lt "$t" ] && t=$c
	# In the background + wait, so that SIGINT/SIGTERM interrupt the run at once.
	"${WRK_WRAP[@]}" "$WRK" -t"$t" -c"$c" -d"$d" --latency -s "$LUA" "$url" >"$out" 2>&1 &
	wp=$!
	BG_PIDS="$wp"
	wait "$wp" || { cat "$out" >&2; die "wrk failed for $tag"; }
	BG_PIDS=""
	LAST=$(grep '^RESULT ' "$out" | tail -1)
	[ -n "$LAST" ] || { cat "$out" >&2; die "wrk printed no result for $tag"; }
}

field() { echo "$1" | tr ' ' '\n' | sed -n "s/^$2=//p"; }

# CPU time (user + system, clock ticks) the processes $@ have used so far.
cpu_ticks() {
	local t=0 p
	for p in "$@"; do
		[ -r "/proc/$p/stat" ] && t=$((t + $(sed 's/^.*) //' "/proc/$p/stat" | awk '{ print $12 + $13 }')))
	done
	echo "$t"
}
HZ=$(getconf CLK_TCK)

bench() {  # $1 = tag, $2 = conns, $3 = url, $4 = expected bytes/resp note
	local line pids t0
	# the server's own CPU per request: unlike req/s, hardly moved by what else the machine runs
	case $1 in ews-*) pids=$SERVER_PID ;; *) pids="$NGINX_PID $(pgrep -P "$NGINX_PID" | tr '\n' ' ')" ;; esac
	t0=$(cpu_ticks $pids)
	run_wrk "$1" "$2" "$DURATION" "$3"
	line=$LAST
	local errs=0
	for k in err_connect err_read err_write err_status err_timeout; do
		errs=$((errs + $(field "$line" "$k")))
	done
	local req bytes
	req=$(field "$line" requests); bytes=$(field "$line" bytes)
	local cpu_us=$(( req > 0 ? ($(cpu_ticks $pids) - t0) * 1000000 / HZ / req : 0 ))
	printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$1" "$2" "$(field "$line" rps)" "$(field "$line" p99_us)" \
		"$((req > 0 ? bytes / req : 0))" "$errs" "$cpu_us" >>"$RESULTS"
	[ "$errs" = 0 ] || NOTES="$NOTES\n  $1 c=$2: $line"
}

ews_env() {  # $1 = scenario
	unset BENCH_METHOD BENCH_BODY_FILE BENCH_INM BENCH_MIX
	export BENCH_AUTH="$AUTH"
	case $1 in
	a|d) ;;
	b) export BENCH_INM="$ETAG" ;;
	c) export BENCH_METHOD=POST BENCH_BODY_FILE="$TMP/req/soap.xml" ;;
	esac
}
nginx_env() {
	unset BENCH_METHOD BENCH_BODY_FILE BENCH_INM BENCH_MIX
	export BENCH_AUTH="$AUTH"
	case $1 in
	b) export BENCH_INM="$NGINX_ETAG" ;;
	esac
}
ews_url() { case $1 in a|b) echo "$HTTP_BASE$PHOTO_PATH" ;; c) echo "$HTTP_EWS" ;; d) echo "$HTTPS_BASE$PHOTO_PATH" ;; esac; }
nginx_url() { case $1 in a|b) echo "$NGINX_BASE/photo.jpg" ;; c) echo "$NGINX_BASE/soap.xml" ;; d) echo "$NGINX_TLS_BASE/photo.jpg" ;; esac; }

echo "bench: ewsemu $HTTP_BASE (pid $SERVER_PID), nginx $NGINX_BASE (pid $NGINX_PID), user $USER"
echo "bench: photo $(stat -c %s "$TMP/www/photo.jpg") B, SOAP response $(stat -c %s "$TMP/www/soap.xml") B;" \
	"wrk -t$THREADS -d$DURATION, conns: $CONNS; $(nproc) CPUs; load average $(cut -d' ' -f1-3 /proc/loadavg)${PIN_NOTE:+; $PIN_NOTE}"
ews_env a; run_wrk warm-ews 16 "$WARMUP" "$(ews_url a)"
nginx_env a; run_wrk warm-nginx 16 "$WARMUP" "$(nginx_url a)"
for s in $SCENARIOS; do
	for c in $CONNS; do
		ews_env $s;   bench "ews-$s" "$c" "$(ews_url $s)"
		nginx_env $s; bench "nginx-$s" "$c" "$(nginx_url $s)"
	done
done
unset BENCH_AUTH BENCH_METHOD BENCH_BODY_FILE BENCH_INM

label() {
	case $1 in
	a) echo "(a) REST GET HR96x96 / (a') static jpg" ;;
	b) echo "(b) If-None-Match 304 / (b') nginx 304" ;;
	c) echo "(c) SOAP GetUserPhoto / (c') static xml" ;;
	d) echo "(d) HTTPS REST GET / (d') nginx HTTPS jpg" ;;
	esac
}
echo
printf '%-42s %5s %12s %9s %12s %9s %7s %13s %15s\n' scenario conns "ewsemu req/s" "p99 ms" "nginx req/s" "p99 ms" ratio "B/resp e / n" "CPU us/req e/n"
for s in $SCENARIOS; do
	for c in $CONNS; do
		e=$(awk -F'\t' -v t="ews-$s" -v c="$c" '$1==t && $2==c' "$RESULTS")
		n=$(awk -F'\t' -v t="nginx-$s" -v c="$c" '$1==t && $2==c' "$RESULTS")
		echo "$e"$'\n'"$n" | awk -F'\t' -v lbl="$(label $s)" -v c="$c" '
			NR==1 { er=$3; ep=$4/1000; eb=$5; ec=$7 } NR==2 { nr=$3; np=$4/1000; nb=$5; nc=$7 }
			END { printf "%-42s %5s %12.0f %9.2f %12.0f %9.2f %7.2f %6d / %-6d %6d / %-6d\n", lbl, c, er, ep, nr, np, (nr > 0 ? er/nr : 0), eb, nb, ec, nc }'
	done
done
echo "(ratio = ewsemu req/s / nginx req/s; B/resp = bytes received per response incl. headers;"
echo " CPU us/req = the server's user + system CPU time per request during the run, nginx's master and workers)"
if [ -n "$NOTES" ]; then echo -e "bench: runs with socket/HTTP errors:$NOTES"; fi

# ---------------------------------------------------------------------------- memory
if [ "$MEM_SECONDS" != 0 ]; then
soap_request "$USER" HR648x648 >"$TMP/req/soap648.xml"
soap_request "$USER" HR48x48 >"$TMP/req/soap48.xml"
soap_request "nobody-$$@invalid.test" HR96x96 >"$TMP/req/soap-unknown.xml"
MIX="$TMP/req/mix.tsv"
: >"$MIX"
for size in HR48x48 HR64x64 HR96x96 HR120x120 HR240x240 HR360x360 HR432x432 HR504x504 HR648x648; do
	printf 'GET\t/ews/Exchange.asmx/s/GetUserPhoto?email=%s&size=%s\t%s\t-\t-\n' "$USER" "$size" "$AUTH" >>"$MIX"
done
for _ in 1 2 3; do
	printf 'GET\t%s\t%s\t%s\t-\n' "$PHOTO_PATH" "$AUTH" "$ETAG" >>"$MIX"
	printf 'POST\t/EWS/Exchange.asmx\t%s\t-\t%s\n' "$AUTH" "$TMP/req/soap.xml" >>"$MIX"
done
printf 'POST\t/EWS/Exchange.asmx\t%s\t-\t%s\n' "$AUTH" "$TMP/req/soap648.xml" >>"$MIX"
printf 'POST\t/EWS/Exchange.asmx\t%s\t-\t%s\n' "$AUTH" "$TMP/req/soap48.xml" >>"$MIX"
printf 'POST\t/EWS/Exchange.asmx\t%s\t%s\t%s\n' "$AUTH" "$ETAG" "$TMP/req/soap.xml" >>"$MIX"
printf 'POST\t/EWS/Exchange.asmx\t%s\t-\t%s\n' "$AUTH" "$TMP/req/soap-unknown.xml" >>"$MIX"
[ -n "$NOPHOTO" ] && printf 'GET\t/ews/Exchange.asmx/s/GetUserPhoto?email=%s&size=HR96x96\t%s\t-\t-\n' "$NOPHOTO" "$AUTH" >>"$MIX"
printf 'GET\t%s\t%s\t-\t-\n' "$PHOTO_PATH" "$BADAUTH" >>"$MIX"
printf 'GET\t%s\t-\t-\t-\n' "$PHOTO_PATH" >>"$MIX"

rss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$SERVER_PID/status"; }
echo
echo "bench: memory check: ${MEM_SECONDS}s mixed load ($(grep -c . "$MIX") request kinds round robin," \
	"wrk -t1 -c$MEM_CONNS on HTTP and on HTTPS at once), VmRSS every ${MEM_INTERVAL}s"
export BENCH_MIX="$MIX"
"$WRK" -t1 -c"$MEM_CONNS" -d"${MEM_SECONDS}s" --latency -s "$LUA" "$HTTP_BASE/" >"$TMP/wrk-mem-http.txt" 2>&1 &
W1=$!
"$WRK" -t1 -c"$MEM_CONNS" -d"${MEM_SECONDS}s" --latency -s "$LUA" "$HTTPS_BASE/" >"$TMP/wrk-mem-https.txt" 2>&1 &
W2=$!
BG_PIDS="$W1 $W2"
SAMPLES=()
start=$(date +%s)
while :; do
	kill -0 "$SERVER_PID" 2>/dev/null || die "ewsemu died during the memory check"
	SAMPLES+=("$(rss_kb)")
	[ $(( $(date +%s) - start )) -ge "$MEM_SECONDS" ] && break
	sleep "$MEM_INTERVAL" &
	BG_PIDS="$W1 $W2 $!"
	wait $!
done
wait "$W1" || die "wrk (memory, HTTP) failed: $(cat "$TMP/wrk-mem-http.txt")"
wait "$W2" || die "wrk (memory, HTTPS) failed: $(cat "$TMP/wrk-mem-https.txt")"
BG_PIDS=""
unset BENCH_MIX
AFTER=$(rss_kb)
for f in http https; do
	echo "  $f: $(grep '^RESULT' "$TMP/wrk-mem-$f.txt" | sed 's/^RESULT //' | cut -d' ' -f1-5)" \
		"statuses $(grep '^STATUSES' "$TMP/wrk-mem-$f.txt" | sed 's/^STATUSES //')"
done
echo "  VmRSS kB every ${MEM_INTERVAL}s from t=0: ${SAMPLES[*]}; after the load: $AFTER"
printf '%s\n' "${SAMPLES[@]}" | awk -v iv="$MEM_INTERVAL" 'NR==1{b=$1} NR==2{f=$1} {l=$1; if ($1>m) m=$1} END {
	printf "  VmRSS at t=0 %d kB; under load: first (t=%ds) %d kB, last (t=%ds) %d kB, max %d kB; last-first %+d kB\n",
		b, iv, f, (NR-1)*iv, l, m, l-f }'
echo "  VmHWM $(awk '/^VmHWM:/ {print $2}' "/proc/$SERVER_PID/status") kB"

fi   # memory check

# ---------------------------------------------------------------------------- shutdown
kill -TERM "$SERVER_PID"
rc=0
for _ in $(seq 100); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.1; done
if kill -0 "$SERVER_PID" 2>/dev/null; then
	echo "bench: ewsemu did not exit within 10 s of SIGTERM" >&2; rc=1
else
	wait "$SERVER_PID" || { rc=$?; echo "bench: ewsemu exited with status $rc after SIGTERM" >&2; }
	SERVER_PID=""
fi
exit "$rc"
