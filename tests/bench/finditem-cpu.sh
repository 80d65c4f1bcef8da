#!/bin/bash
# finditem-cpu.sh - server CPU time per FindItem request of finditem.sh (Contains IgnoreCase +
# IndexedPageItemView of 100, sorted, over 5,000 contacts), alternated on several binaries.
#
#   tests/bench/finditem-cpu.sh OLD NEW [ROUNDS]
#
# CPU time (utime + stime of the server, /proc/PID/stat) is what the request costs the server;
# unlike req/s and p99 it hardly moves when the shared machine is busy.  finditem.sh builds the
# store and the request once (BENCH_KEEP=1); then, ROUNDS (3) times, each binary serves that
# store and answers BENCH_REQUESTS (300) FindItem requests from one curl process (one kept-alive
# connection).  Prints ms of server CPU per request per round and the median per binary.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
[ $# -ge 2 ] || { echo "usage: $0 OLD NEW [ROUNDS]" >&2; exit 2; }
ROUNDS=${3:-3}
N=${BENCH_REQUESTS:-300}
BINS=("$1" "$2")
die() { echo "finditem-cpu: $*" >&2; exit 1; }

TMP=$(BENCH_KEEP=1 BENCH_DURATION=1s BENCH_CONNS=1 "$HERE/finditem.sh" "$1" 2>&1 >/dev/null |
      sed -n 's/^finditem-bench: kept //p')
[ -d "$TMP" ] || die "finditem.sh did not keep its directory"
read -r _ login password < <(grep '^login ' "$TMP/gen.out")
SERVER=""
cleanup() {
	[ -n "$SERVER" ] && kill -TERM "$SERVER" 2>/dev/null && wait "$SERVER" 2>/dev/null || true
	rm -rf "$TMP"
}
trap cleanup EXIT

ticks=$(getconf CLK_TCK)
declare -A results
for round in $(seq "$ROUNDS"); do
	for bin in "${BINS[@]}"; do
		"$bin" serve --store "$TMP/store" --http 127.0.0.1:0 --https off --log-level warn >"$TMP/cpu.out" 2>&1 &
		SERVER=$!
		url=""
		for _ in $(seq 150); do
			url=$(sed -n 's/^ewsemu: EWS endpoint \(http:[^ ]*\).*/\1/p' "$TMP/cpu.out" | head -1)
			[ -n "$url" ] && break
			sleep 0.1
		done
		[ -n "$url" ] || die "$bin did not start"
		: >"$TMP/curl.cfg"
		for _ in $(seq "$N"); do
			printf 'url = "%s"\noutput = "/dev/null"\n' "$url" >>"$TMP/curl.cfg"
		done
		before=$(awk '{print $14 + $15}' "/proc/$SERVER/stat")
		curl -sS --fail -u "$login:$password" -H 'Content-Type: text/xml; charset=utf-8' \
			-H 'SOAPAction: "http://schemas.microsoft.com/exchange/services/2006/messages/FindItem"' \
			--data-binary @"$TMP/find.xml" -K "$TMP/curl.cfg" || die "$bin: FindItem failed"
		after=$(awk '{print $14 + $15}' "/proc/$SERVER/stat")
		kill -TERM "$SERVER"
		wait "$SERVER" 2>/dev/null || true
		SERVER=""
		ms=$(echo "scale=3; ($after - $before) * 1000 / $ticks / $N" | bc)
		echo "round $round  $bin  $ms ms CPU per FindItem"
		results[$bin]="${results[$bin]:-} $ms"
	done
done
for bin in "${BINS[@]}"; do
	echo "median  $bin  $(echo "${results[$bin]}" | tr ' ' '\n' | sed '/^$/d' | sort -n |
		awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }') ms CPU per FindItem"
done
