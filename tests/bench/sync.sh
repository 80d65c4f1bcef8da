#!/bin/bash
# sync.sh - SyncFolderItems of a large Contacts folder in pages, next to GetItem of one contact.
#
#   tests/bench/sync.sh [PATH/TO/ewsemu]
#
# 1. sync-pages.py writes a tenant with one user and BENCH_SYNC_CONTACTS (5000) contacts;
#    `ewsemu import` into a fresh store, `ewsemu serve` on a random loopback port (HTTP);
# 2. sync-pages.py walks a first sync in pages of BENCH_SYNC_PAGE (500), IdOnly (the
#    evolution-ews request), checks it (every contact once, IncludesLastItemInRange false until
#    the last page) and keeps each page's request (the SyncState it starts from);
# 3. wrk --latency (resolve.lua) sends those page requests round robin (every answer is a full
#    page: 500 t:Create with their ItemIds, ~70 KB), then GetItem AllProperties of one contact,
#    each at each connection count of BENCH_CONNS.
# Environment (defaults): BENCH_DURATION (10s), BENCH_CONNS ("1 16"), BENCH_THREADS (2),
# BENCH_SYNC_CONTACTS (5000), BENCH_SYNC_PAGE (500), BENCH_KEEP (0), WRK (wrk).
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
BIN=${1:-${EWSEMU_BIN:-$REPO/build/src/ewsemu}}
DURATION=${BENCH_DURATION:-10s}
CONNS=${BENCH_CONNS:-"1 16"}
THREADS=${BENCH_THREADS:-2}
N=${BENCH_SYNC_CONTACTS:-5000}
PAGE=${BENCH_SYNC_PAGE:-500}
KEEP=${BENCH_KEEP:-0}
WRK=${WRK:-wrk}
PY=/usr/bin/python3

die() { echo "sync-bench: $*" >&2; exit 1; }
[ -x "$BIN" ] || die "no ewsemu binary at $BIN (build first, or pass its path)"
command -v "$WRK" >/dev/null || die "wrk not found (scripts/install-deps --bench)"

TMP=$(mktemp -d "${TMPDIR:-/tmp}/ewsemu-sync.XXXXXX")
SPID=""
cleanup() {
	[ -n "$SPID" ] && kill "$SPID" 2>/dev/null && wait "$SPID" 2>/dev/null || true
	if [ "$KEEP" = 1 ]; then echo "kept $TMP"; else rm -rf "$TMP"; fi
}
trap cleanup EXIT

"$PY" "$HERE/sync-pages.py" tenant "$TMP" "$N"
start=$(date +%s.%N)
"$BIN" import "$TMP/tenant.json" --store "$TMP/store" >/dev/null
echo "import of $N contacts: $(echo "$(date +%s.%N) - $start" | bc | cut -c1-5) s"
"$BIN" serve --store "$TMP/store" --http 127.0.0.1:0 --https off --log-level warn \
	>"$TMP/serve.out" 2>"$TMP/serve.err" &
SPID=$!
URL=""
for _ in $(seq 100); do
	URL=$(sed -n 's/^ewsemu: EWS endpoint \(http:[^ ]*\).*/\1/p' "$TMP/serve.out" | head -1)
	[ -n "$URL" ] && break
	kill -0 "$SPID" 2>/dev/null || { cat "$TMP/serve.err" >&2; die "ewsemu serve exited"; }
	sleep 0.1
done
[ -n "$URL" ] || die "no endpoint announced"
"$PY" "$HERE/sync-pages.py" pages "$URL" "$TMP" "$PAGE"
AUTH="Basic $(printf '%s' 'bench@example.test:Bench-pw-7!' | base64 -w0)"

printf '%-28s %5s %10s %9s %9s %9s %10s\n' request conns req/s p50_ms p99_ms max_ms bytes/resp
for kind in sync getitem; do
	for c in $CONNS; do
		t=$THREADS; [ "$c" -lt "$t" ] && t=$c
		out="$TMP/wrk-$kind-$c.txt"
		BENCH_AUTH="$AUTH" BENCH_REQS="$TMP/reqs-$kind.tsv" \
			"$WRK" -t"$t" -c"$c" -d"$DURATION" --latency -s "$HERE/resolve.lua" "$URL" >"$out" 2>&1 ||
			{ cat "$out" >&2; die "wrk failed"; }
		line=$(grep '^RESULT ' "$out" | tail -1)
		grep -q 'CLASSES.*Error\|STATUSES.*[^0-9]5[0-9][0-9]' "$out" && { cat "$out" >&2; die "errors in answers"; }
		get() { echo "$line" | tr ' ' '\n' | sed -n "s/^$1=//p"; }
		req=$(get requests); bytes=$(get bytes)
		label=$([ "$kind" = sync ] && echo "SyncFolderItems page $PAGE" || echo "GetItem 1 contact (All)")
		printf '%-28s %5s %10s %9.2f %9.2f %9.2f %10s\n' "$label" "$c" "$(get rps)" \
			"$(echo "$(get p50_us)/1000" | bc -l)" "$(echo "$(get p99_us)/1000" | bc -l)" \
			"$(echo "$(get max_us)/1000" | bc -l)" "$((req > 0 ? bytes / req : 0))"
	done
done
kill -0 "$SPID" 2>/dev/null || die "ewsemu died during the run"
