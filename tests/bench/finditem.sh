#!/bin/bash
# finditem.sh - FindItem on a Contacts folder of 5,000 contacts next to GetItem of one contact.
#
#   tests/bench/finditem.sh [PATH/TO/ewsemu]
#
# 1. gen-directory.py writes a tenant whose login user has BENCH_CONTACTS (5000, the store's
#    STORE_CONTACTS_MAX) personal contacts; `ewsemu import`; `ewsemu serve` on a loopback port.
# 2. Request bodies: FindItem Shallow, BaseShape Default, IndexedPageItemView
#    MaxEntriesReturned=100 Offset=0, Restriction Contains(contacts:DisplayName, BENCH_NEEDLE,
#    Substring, IgnoreCase), SortOrder contacts:DisplayName; and GetItem (Default shape) of the
#    first contact that FindItem returns.  Each is sent once with curl and checked (HTTP 200,
#    NoError, TotalItemsInView > 100 so the page is full, IncludesLastItemInRange="false").
# 3. wrk --latency (resolve.lua) runs each for BENCH_DURATION at each BENCH_CONNS and prints
#    req/s, p50 and p99.
# Environment (defaults): BENCH_CONTACTS (5000), BENCH_NEEDLE ("an"), BENCH_DURATION (10s),
# BENCH_CONNS ("1 16"), BENCH_THREADS (2), BENCH_KEEP (0), WRK (wrk).
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
BIN=${1:-${EWSEMU_BIN:-$REPO/build/src/ewsemu}}
CONTACTS=${BENCH_CONTACTS:-5000}
NEEDLE=${BENCH_NEEDLE:-an}
DURATION=${BENCH_DURATION:-10s}
CONNS=${BENCH_CONNS:-"1 16"}
THREADS=${BENCH_THREADS:-2}
KEEP=${BENCH_KEEP:-0}
WRK=${WRK:-wrk}
PY=/usr/bin/python3

die() { echo "finditem-bench: $*" >&2; exit 1; }
[ -x "$BIN" ] || die "no ewsemu binary at $BIN (build first, or pass its path)"
command -v "$WRK" >/dev/null || die "wrk not found (scripts/install-deps --bench)"
command -v curl >/dev/null || die "curl not found"
BIN=$(cd "$(dirname "$BIN")" && pwd)/$(basename "$BIN")

TMP=$(mktemp -d "${TMPDIR:-/tmp}/ewsemu-finditem.XXXXXX")
SERVER=""
cleanup() {
	local rc=$?
	trap - EXIT INT TERM
	if [ -n "$SERVER" ] && kill -0 "$SERVER" 2>/dev/null; then
		kill -TERM "$SERVER" 2>/dev/null || true
		for _ in $(seq 100); do kill -0 "$SERVER" 2>/dev/null || break; sleep 0.1; done
		kill -KILL "$SERVER" 2>/dev/null || true
	fi
	wait 2>/dev/null || true
	if [ "$KEEP" = 1 ]; then echo "finditem-bench: kept $TMP" >&2; else rm -rf "$TMP"; fi
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

"$PY" "$HERE/gen-directory.py" --users 2 --contacts "$CONTACTS" --domain example.test \
	--out "$TMP/tenant.json" --queries "$TMP/queries.tsv" >"$TMP/gen.out" || die "gen-directory.py failed"
read -r _ login password < <(grep '^login ' "$TMP/gen.out")
AUTH="Basic $(printf '%s:%s' "$login" "$password" | base64 -w0)"
"$BIN" import "$TMP/tenant.json" --store "$TMP/store" >"$TMP/import.log" 2>&1 || { cat "$TMP/import.log" >&2; die "import failed"; }
"$BIN" serve --store "$TMP/store" --http 127.0.0.1:0 --https off --log-level warn >"$TMP/serve.out" 2>"$TMP/serve.err" &
SERVER=$!
URL=""
for _ in $(seq 150); do
	URL=$(sed -n 's/^ewsemu: EWS endpoint \(http:[^ ]*\).*/\1/p' "$TMP/serve.out" | head -1)
	[ -n "$URL" ] && break
	kill -0 "$SERVER" 2>/dev/null || { cat "$TMP/serve.err" >&2; die "ewsemu serve exited"; }
	sleep 0.1
done
[ -n "$URL" ] || die "ewsemu did not print its endpoint"

envelope() {
	printf '%s' '<?xml version="1.0" encoding="utf-8"?><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/" xmlns:t="http://schemas.microsoft.com/exchange/services/2006/types" xmlns:m="http://schemas.microsoft.com/exchange/services/2006/messages"><soap:Header><t:RequestServerVersion Version="Exchange2013_SP1"/></soap:Header><soap:Body>'
	printf '%s' "$1"
	printf '%s' '</soap:Body></soap:Envelope>'
}
envelope '<m:FindItem Traversal="Shallow"><m:ItemShape><t:BaseShape>Default</t:BaseShape></m:ItemShape><m:IndexedPageItemView MaxEntriesReturned="100" Offset="0" BasePoint="Beginning"/><m:Restriction><t:Contains ContainmentMode="Substring" ContainmentComparison="IgnoreCase"><t:FieldURI FieldURI="contacts:DisplayName"/><t:Constant Value="'"$NEEDLE"'"/></t:Contains></m:Restriction><m:SortOrder><t:FieldOrder Order="Ascending"><t:FieldURI FieldURI="contacts:DisplayName"/></t:FieldOrder></m:SortOrder><m:ParentFolderIds><t:DistinguishedFolderId Id="contacts"/></m:ParentFolderIds></m:FindItem>' >"$TMP/find.xml"

post() {  # $1 = action, $2 = body file, $3 = response file -> HTTP status
	curl -sS -o "$3" -w '%{http_code}' -H "Authorization: $AUTH" -H 'Content-Type: text/xml; charset=utf-8' \
		-H "SOAPAction: \"http://schemas.microsoft.com/exchange/services/2006/messages/$1\"" --data-binary @"$2" "$URL"
}
code=$(post FindItem "$TMP/find.xml" "$TMP/find.resp")
total=$(grep -o 'TotalItemsInView="[0-9]*"' "$TMP/find.resp" | head -1 | tr -dc 0-9)
items=$(grep -o '<t:Contact>' "$TMP/find.resp" | wc -l)
[ "$code" = 200 ] && grep -q '<m:ResponseCode>NoError</m:ResponseCode>' "$TMP/find.resp" &&
	grep -q 'IncludesLastItemInRange="false"' "$TMP/find.resp" && [ "${total:-0}" -gt 100 ] && [ "$items" = 100 ] ||
	die "FindItem check failed (HTTP $code, TotalItemsInView=${total:-?}, $items contacts): $(head -c 800 "$TMP/find.resp")"
id=$(grep -o '<t:ItemId Id="[^"]*"' "$TMP/find.resp" | head -1 | sed 's/.*Id="//; s/"$//')
envelope '<m:GetItem><m:ItemShape><t:BaseShape>Default</t:BaseShape></m:ItemShape><m:ItemIds><t:ItemId Id="'"$id"'"/></m:ItemIds></m:GetItem>' >"$TMP/get.xml"
code=$(post GetItem "$TMP/get.xml" "$TMP/get.resp")
[ "$code" = 200 ] && grep -q '<m:ResponseCode>NoError</m:ResponseCode>' "$TMP/get.resp" ||
	die "GetItem check failed (HTTP $code): $(head -c 800 "$TMP/get.resp")"
echo "finditem-bench: $CONTACTS contacts; Contains '$NEEDLE' matches $total; page of 100: $(stat -c %s "$TMP/find.resp") bytes;" \
	"GetItem answer $(stat -c %s "$TMP/get.resp") bytes; $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg)"

printf 'find\t%s\n' "$TMP/find.xml" >"$TMP/find.tsv"
printf 'get\t%s\n' "$TMP/get.xml" >"$TMP/get.tsv"
printf '%-34s %6s %10s %9s %9s  %s\n' request conns "req/s" "p50 ms" "p99 ms" statuses
for c in $CONNS; do
	for kind in find get; do
		t=$THREADS
		[ "$c" -lt "$t" ] && t=$c
		action=$([ "$kind" = find ] && echo FindItem || echo GetItem)
		out="$TMP/wrk-$kind-$c.txt"
		BENCH_AUTH="$AUTH" BENCH_REQS="$TMP/$kind.tsv" BENCH_ACTION="$action" \
			"$WRK" -t"$t" -c"$c" -d"$DURATION" --latency -s "$HERE/resolve.lua" "$URL" >"$out" 2>&1 ||
			{ cat "$out" >&2; die "wrk failed ($kind, $c conns)"; }
		line=$(grep '^RESULT ' "$out" | tail -1)
		f() { echo "$line" | tr ' ' '\n' | sed -n "s/^$1=//p"; }
		label=$([ "$kind" = find ] && echo "FindItem Contains + page of 100" || echo "GetItem of one contact")
		awk -v l="$label" -v c="$c" -v r="$(f rps)" -v p50="$(f p50_us)" -v p99="$(f p99_us)" \
			-v st="$(sed -n 's/^STATUSES //p' "$out")" \
			'BEGIN { printf "%-34s %6s %10.0f %9.2f %9.2f  %s\n", l, c, r, p50 / 1000, p99 / 1000, st }'
	done
done
kill -0 "$SERVER" 2>/dev/null || die "ewsemu died during the runs"
echo "server VmHWM $(awk '/^VmHWM:/ {print $2}' "/proc/$SERVER/status") kB"
