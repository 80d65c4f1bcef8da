#!/bin/bash
# replay.sh - ewsemu's replay server next to mountebank replaying the same recording.
#
#   tests/bench/replay.sh [PATH/TO/ewsemu] [FIXTURE_DIR]     (make bench runs it)
#
# 1. fixtures-to-mountebank.py turns the fixture directory (default fixtures/corpus) into a
#    mountebank imposter (one stub per fixture: `equals` on method, path, query, If-None-Match
#    and the exact body; `is` with the recorded status, headers and body) and the request list;
# 2. `ewsemu serve --replay DIR` and mountebank (npm, pinned in tests/bench/mountebank/, run by
#    Debian's node) on random loopback ports;
# 3. every request is sent once to both with curl: both must answer with the recorded status;
# 4. wrk --latency (replay.lua) sends the whole list round robin to each, BENCH_DURATION per
#    run at each connection count; the table shows req/s, p50/p99 and the ratio.
# Target (issue: QA tooling): ewsemu replay req/s >= 5x mountebank's.
# Environment: BENCH_DURATION (10s), BENCH_CONNS ("16 64"), BENCH_THREADS (2), BENCH_WARMUP
# (2s), BENCH_KEEP (0), WRK (wrk).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
BIN=${1:-$REPO/build/src/ewsemu}
FIX=${2:-$REPO/fixtures/corpus}
DURATION=${BENCH_DURATION:-10s}
CONNS=${BENCH_CONNS:-"16 64"}
THREADS=${BENCH_THREADS:-2}
WARMUP=${BENCH_WARMUP:-2s}
WRK=${WRK:-wrk}
PY=/usr/bin/python3
MB_DIR="$HERE/mountebank"
die() { echo "replay-bench: $*" >&2; exit 1; }

[ -x "$BIN" ] || die "no ewsemu binary at $BIN"
command -v "$WRK" >/dev/null || die "wrk is missing (scripts/install-deps --bench)"
command -v node >/dev/null || die "node is missing (scripts/install-deps --bench)"
if [ ! -f "$MB_DIR/node_modules/.package-lock.json" ] ||
   [ -n "$(find "$MB_DIR/package.json" "$MB_DIR/package-lock.json" -newer "$MB_DIR/node_modules/.package-lock.json")" ]; then
	(cd "$MB_DIR" && npm ci --no-audit --no-fund >/dev/null)
fi

TMP=$(mktemp -d -t ewsemu-replay-bench.XXXXXX)
PIDS=()
cleanup() {
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	[ "${BENCH_KEEP:-0}" = 1 ] && echo "replay-bench: kept $TMP" || rm -rf "$TMP"
}
trap cleanup EXIT INT TERM

free_port() { $PY -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

MB_PORT=$(free_port)
MB_ADMIN=$(free_port)
NSTUBS=$($PY "$HERE/fixtures-to-mountebank.py" "$FIX" "$MB_PORT" "$TMP/mb")
"$BIN" serve --replay "$FIX" --store "$TMP/store" --http 127.0.0.1:0 --https off --log-level error \
	>"$TMP/ewsemu.out" 2>"$TMP/ewsemu.err" &
PIDS+=($!)
node "$MB_DIR/node_modules/mountebank/bin/mb" start --port "$MB_ADMIN" --configfile "$TMP/mb/imposters.json" \
	--loglevel error --nologfile --pidfile "$TMP/mb.pid" >"$TMP/mb.out" 2>&1 &
PIDS+=($!)
for _ in $(seq 1 300); do
	grep -q 'EWS endpoint http://' "$TMP/ewsemu.out" 2>/dev/null && \
		curl -s -o /dev/null "http://127.0.0.1:$MB_PORT/" && break
	sleep 0.1
done
EWS_BASE=$(sed -n 's|^ewsemu: EWS endpoint \(http://[^/]*\)/EWS/Exchange.asmx$|\1|p' "$TMP/ewsemu.out" | head -1)
[ -n "$EWS_BASE" ] || die "ewsemu replay did not start: $(cat "$TMP/ewsemu.err")"
MB_BASE="http://127.0.0.1:$MB_PORT"
AUTH="Basic $(printf '%s' 'alex.smith@contoso.test:Passw0rd!' | base64 -w0)"

# every recorded request, once, to both: the recorded status from each
n=0
while IFS=$'\t' read -r method target hfile bfile auth_kind; do
	want=$(grep -o 'status="[0-9]*"' "$(ls "$FIX"/*.fixture.xml | sed -n "$((n + 1))p")" | head -1 | tr -dc 0-9)
	args=(-s -o /dev/null -w '%{http_code}' -X "$method")
	[ "$auth_kind" = noauth ] || args+=(-H "Authorization: $AUTH")
	while IFS= read -r h; do [ -n "$h" ] && args+=(-H "$h"); done <"$hfile"
	[ -s "$bfile" ] && args+=(--data-binary "@$bfile")
	a=$(curl "${args[@]}" "$EWS_BASE$target" || true)
	b=$(curl "${args[@]}" "$MB_BASE$target" || true)
	[ "$a" = "$want" ] || die "ewsemu answered $a, recorded $want: $method $target ($hfile)"
	[ "$b" = "$want" ] || die "mountebank answered $b, recorded $want: $method $target ($hfile)"
	n=$((n + 1))
done <"$TMP/mb/reqs.tsv"
echo "replay-bench: $n recorded requests ($NSTUBS) answered alike by ewsemu $EWS_BASE and mountebank $MB_BASE"
echo "replay-bench: wrk -t$THREADS -d$DURATION --latency, conns: $CONNS; $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg)"

run() {  # $1 base URL, $2 conns, $3 duration -> RESULT line
	BENCH_REQS="$TMP/mb/reqs.tsv" BENCH_AUTH="$AUTH" "$WRK" -t"$THREADS" -c"$2" -d"$3" --latency \
		-s "$HERE/replay.lua" "$1" | grep -E '^(RESULT|STATUSES)' | tr '\n' ' '
}
field() { sed -n "s/.*$1=\([0-9.]*\).*/\1/p" <<<"$2"; }

printf '\n%-12s %5s %12s %8s %8s   %s\n' server conns req/s p50_ms p99_ms statuses
for c in $CONNS; do
	run "$EWS_BASE" "$c" "$WARMUP" >/dev/null
	e=$(run "$EWS_BASE" "$c" "$DURATION")
	run "$MB_BASE" "$c" "$WARMUP" >/dev/null
	m=$(run "$MB_BASE" "$c" "$DURATION")
	for pair in "ewsemu|$e" "mountebank|$m"; do
		name=${pair%%|*}; r=${pair#*|}
		printf '%-12s %5s %12s %8.2f %8.2f   %s\n' "$name" "$c" "$(field rps "$r")" \
			"$(echo "$(field p50 "$r") / 1000" | bc -l)" "$(echo "$(field p99 "$r") / 1000" | bc -l)" \
			"$(sed -n 's/.*STATUSES \(.*\)/\1/p' <<<"$r")"
	done
	printf 'ratio ewsemu/mountebank at %s conns: %.1fx (target >= 5x)\n' "$c" \
		"$(echo "$(field rps "$e") / $(field rps "$m")" | bc -l)"
done
