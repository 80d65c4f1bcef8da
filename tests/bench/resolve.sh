#!/bin/bash
# resolve.sh - ResolveNames throughput and latency with a small and a large directory.
#
#   tests/bench/resolve.sh [PATH/TO/ewsemu]        (make bench runs it on build/src/ewsemu)
#
# One run does, for each directory size (BENCH_RESOLVE_USERS, default "100 100000"):
#   1. gen-directory.py writes a tenant file with N users (deterministic names, repeated the
#      way real names are; the 100-user directory is the beginning of the 100,000-user one)
#      and the query list for that directory with the expected answer of every query;
#   2. `ewsemu import` into a fresh store (timed; the store file size and the index sizes are
#      recorded), then `ewsemu serve` on a random loopback port (HTTP only);
#   3. every query is sent once with curl and checked: HTTP 200, ResponseClass, ResponseCode,
#      TotalItemsInView, IncludesLastItemInRange, t:Contact only with ReturnFullContactData.
# Then, with all servers up, wrk --latency (resolve.lua) runs the whole query mix round robin
# against each store in turn, at each connection count, BENCH_ROUNDS times (alternating the
# stores so that load from elsewhere on the machine hits both alike; the table shows medians),
# then a paced run (each connection waits between requests, ~BENCH_PACED_RATE req/s in all,
# far below saturation: latency without queueing), and finally, unless BENCH_KIND_DURATION=0,
# one shorter run per kind of query.
#
# The mix (gen-directory.py): full display names that resolve to one person, surnames, given
# names, 2-3 letter prefixes, unknown names and exact addresses (plain and smtp:), half with
# SearchScope="ActiveDirectory", half with the default scope (directory + the login user's 100
# personal contacts), ReturnFullContactData="false" except one full name.
# Target (issue 3): p99 with 100,000 users within 1.5x of p99 with 100 users.
#
# Environment (defaults): BENCH_DURATION (10s) per wrk run, BENCH_CONNS ("16 64"),
# BENCH_THREADS (2), BENCH_WARMUP (2s), BENCH_ROUNDS (1), BENCH_RESOLVE_USERS ("100 100000"),
# BENCH_KIND_DURATION (3s; 0 skips the per-kind runs), BENCH_KIND_CONNS (16),
# BENCH_PACED_RATE (1000 req/s offered; 0 skips the paced run), BENCH_PACED_CONNS (16),
# BENCH_SERVER_CPUS / BENCH_WRK_CPUS (taskset -c lists for the servers / wrk; unset: no
# pinning), BENCH_NICE (nice increment for servers and wrk; unset: none),
# BENCH_LOG_LEVEL (warn), BENCH_KEEP (0: 1 keeps the temp dir with stores and raw output),
# WRK (wrk).
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
BIN=${1:-${EWSEMU_BIN:-$REPO/build/src/ewsemu}}
DURATION=${BENCH_DURATION:-10s}
CONNS=${BENCH_CONNS:-"16 64"}
THREADS=${BENCH_THREADS:-2}
WARMUP=${BENCH_WARMUP:-2s}
ROUNDS=${BENCH_ROUNDS:-1}
SIZES=${BENCH_RESOLVE_USERS:-"100 100000"}
KIND_DURATION=${BENCH_KIND_DURATION:-3s}
KIND_CONNS=${BENCH_KIND_CONNS:-16}
PACED_RATE=${BENCH_PACED_RATE:-1000}
PACED_CONNS=${BENCH_PACED_CONNS:-16}
PACE_MS=0
LOG_LEVEL=${BENCH_LOG_LEVEL:-warn}
KEEP=${BENCH_KEEP:-0}
WRK=${WRK:-wrk}
PY=/usr/bin/python3
GEN="$HERE/gen-directory.py"
LUA="$HERE/resolve.lua"
KINDS="fullname surname given prefix unknown address"
DOMAIN=example.test

die() { echo "resolve-bench: $*" >&2; exit 1; }

[ -x "$BIN" ] || die "no ewsemu binary at $BIN (build first, or pass its path)"
command -v "$WRK" >/dev/null || die "wrk not found (scripts/install-deps --bench)"
command -v curl >/dev/null || die "curl not found (scripts/install-deps --test)"
[ -x "$PY" ] || die "$PY not found"
[ "$ROUNDS" -ge 1 ] 2>/dev/null || die "BENCH_ROUNDS must be a positive number"
BIN=$(cd "$(dirname "$BIN")" && pwd)/$(basename "$BIN")

. "$HERE/pin.sh"   # SERVER_WRAP, WRK_WRAP

TMP=$(mktemp -d "${TMPDIR:-/tmp}/ewsemu-resolve.XXXXXX")
declare -A PID URL AUTH
BG_PIDS=""

cleanup() {
	local rc=$?
	trap - EXIT INT TERM
	for p in $BG_PIDS; do kill "$p" 2>/dev/null || true; done
	for n in "${!PID[@]}"; do
		local p=${PID[$n]}
		if kill -0 "$p" 2>/dev/null; then
			kill -TERM "$p" 2>/dev/null || true
			for _ in $(seq 100); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
			kill -KILL "$p" 2>/dev/null || true
		fi
	done
	wait 2>/dev/null || true
	if [ "$KEEP" = 1 ]; then echo "resolve-bench: kept $TMP" >&2; else rm -rf "$TMP"; fi
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

xml_escape() { sed -e 's/&/\&amp;/g' -e 's/</\&lt;/g' -e 's/>/\&gt;/g' <<<"$1"; }

soap_request() {  # $1 = scope (ActiveDirectory | default), $2 = full (0/1), $3 = entry
	local attrs
	attrs=" ReturnFullContactData=\"$([ "$2" = 1 ] && echo true || echo false)\""
	[ "$1" = default ] || attrs="$attrs SearchScope=\"$1\""
	cat <<EOF
<?xml version="1.0" encoding="utf-8"?>
<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"
    xmlns:t="http://schemas.microsoft.com/exchange/services/2006/types"
    xmlns:m="http://schemas.microsoft.com/exchange/services/2006/messages">
  <soap:Header><t:RequestServerVersion Version="Exchange2013_SP1"/></soap:Header>
  <soap:Body>
    <m:ResolveNames$attrs>
      <m:UnresolvedEntry>$(xml_escape "$3")</m:UnresolvedEntry>
    </m:ResolveNames>
  </soap:Body>
</soap:Envelope>
EOF
}

attr() {  # $1 = file, $2 = attribute name -> first value
	{ grep -o "$2=\"[^\"]*\"" "$1" || true; } | head -1 | sed 's/^[^"]*"//; s/"$//'
}

# ---------------------------------------------------------------------------- stores
IMPORT_INFO="$TMP/import.tsv"
: >"$IMPORT_INFO"
for n in $SIZES; do
	d="$TMP/u$n"
	mkdir -p "$d/req"
	"$PY" "$GEN" --users "$n" --domain "$DOMAIN" --out "$d/tenant.json" --queries "$d/queries.tsv" \
		>"$d/gen.out" || die "gen-directory.py failed for $n users"
	read -r _ login password < <(grep '^login ' "$d/gen.out")
	AUTH[$n]="Basic $(printf '%s:%s' "$login" "$password" | base64 -w0)"

	t0=$(date +%s%N)
	"$BIN" import "$d/tenant.json" --store "$d/store" >"$d/import.log" 2>&1 ||
		{ cat "$d/import.log" >&2; die "import of $n users failed"; }
	t1=$(date +%s%N)
	mdb=$(stat -c %s "$d/store/ewsemu.mdb")
	names="-"
	if command -v mdb_stat >/dev/null; then
		names=$(mdb_stat -n -s names "$d/store/ewsemu.mdb" 2>/dev/null | awk '/Entries:/ {print $2}')
	fi
	printf '%s\t%s\t%s\t%s\t%s\n' "$n" "$(( (t1 - t0) / 1000000 ))" "$mdb" "${names:--}" \
		"$(stat -c %s "$d/tenant.json")" >>"$IMPORT_INFO"

	"${SERVER_WRAP[@]}" "$BIN" serve --store "$d/store" --http 127.0.0.1:0 --https off \
		--log-level "$LOG_LEVEL" >"$d/serve.out" 2>"$d/serve.err" &
	PID[$n]=$!
	u=""
	for _ in $(seq 150); do
		u=$(sed -n 's/^ewsemu: EWS endpoint \(http:[^ ]*\).*/\1/p' "$d/serve.out" | head -1)
		[ -n "$u" ] && break
		kill -0 "${PID[$n]}" 2>/dev/null || { cat "$d/serve.err" >&2; die "ewsemu serve exited ($n users)"; }
		sleep 0.1
	done
	[ -n "$u" ] || die "ewsemu did not print its endpoint ($n users)"
	URL[$n]=$u

	# ------------------------------------------------------------------------ checks
	: >"$d/reqs.tsv"
	i=0
	bad=0
	while IFS=$'\t' read -r kind scope full en cls last entry; do
		case $kind in ''|'#'*) continue ;; esac
		i=$((i + 1))
		f="$d/req/$(printf '%02d' "$i")-$kind.xml"
		soap_request "$scope" "$full" "$entry" >"$f"
		printf '%s\t%s\n' "$kind" "$f" >>"$d/reqs.tsv"
		code=$(curl -sS -o "$f.resp" -w '%{http_code}' -H "Authorization: ${AUTH[$n]}" \
			-H 'Content-Type: text/xml; charset=utf-8' --data-binary @"$f" "$u") || code=curl-failed
		got_cls=$(attr "$f.resp" ResponseClass)
		got_n=$(attr "$f.resp" TotalItemsInView); got_n=${got_n:-0}
		got_last=$(attr "$f.resp" IncludesLastItemInRange); got_last=${got_last:--}
		got_res=$({ grep -o '<t:Resolution>' "$f.resp" || true; } | wc -l)
		got_contact=$(grep -c '<t:Contact>' "$f.resp" || true)
		case $cls in
		Success) want_code=NoError ;;
		Warning) want_code=ErrorNameResolutionMultipleResults ;;
		*) want_code=ErrorNameResolutionNoResults ;;
		esac
		why=""
		[ "$code" = 200 ] || why="$why HTTP $code"
		[ "$got_cls" = "$cls" ] || why="$why ResponseClass=$got_cls (want $cls)"
		grep -q "<m:ResponseCode>$want_code</m:ResponseCode>" "$f.resp" || why="$why ResponseCode (want $want_code)"
		[ "$got_n" = "$en" ] && [ "$got_res" = "$en" ] || why="$why TotalItemsInView=$got_n, $got_res t:Resolution (want $en)"
		[ "$got_last" = "$last" ] || why="$why IncludesLastItemInRange=$got_last (want $last)"
		if [ "$full" = 1 ] && [ "$en" -gt 0 ] && [ "$got_contact" = 0 ]; then
			why="$why no t:Contact with ReturnFullContactData"
		fi
		if [ "$full" = 0 ] && [ "$scope" = ActiveDirectory ] && [ "$got_contact" != 0 ]; then
			why="$why t:Contact without ReturnFullContactData"
		fi
		if [ -n "$why" ]; then
			echo "resolve-bench: $n users: '$entry' ($kind, $scope):$why" >&2
			bad=$((bad + 1))
		fi
		printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$kind" "$scope" "$full" "$entry" "$got_cls" "$got_n" \
			"$(stat -c %s "$f.resp")" >>"$d/checked.tsv"
	done <"$d/queries.tsv"
	[ "$bad" = 0 ] || die "$bad of $i queries did not get the expected answer ($n users; responses in $d/req)"
	echo "resolve-bench: $n users: $i queries checked with curl ($(awk -F'\t' '{c[$5]++} END {
		for (k in c) printf "%s %s ", k, c[k] }' "$d/checked.tsv")), server pid ${PID[$n]}, ${URL[$n]}"
done

echo "resolve-bench: per query kind, answers (class x resolutions, response bytes):"
for n in $SIZES; do
	for kind in $KINDS; do
		awk -F'\t' -v k="$kind" -v n="$n" '$1 == k {
			s = s sprintf(" %s:%s/%dB", substr($5, 1, 1), $6, $7) }
			END { printf "  %7s users  %-8s%s\n", n, k, s }' "$TMP/u$n/checked.tsv"
	done
done

# ---------------------------------------------------------------------------- wrk
RESULTS="$TMP/results.tsv"   # phase size conns round rps p50 p99 bytes/resp errors statuses classes
: >"$RESULTS"
NOTES=""
field() { echo "$1" | tr ' ' '\n' | sed -n "s/^$2=//p"; }

run_wrk() {  # $1 = phase, $2 = size, $3 = conns, $4 = duration, $5 = round, [$6 = kind]
	local phase=$1 n=$2 c=$3 dur=$4 round=$5 kind=${6:-}
	local out="$TMP/wrk-$phase-$n-$c-$round${kind:+-$kind}.txt" t=$THREADS wp line
	[ "$c" -lt "$t" ] && t=$c
	BENCH_AUTH="${AUTH[$n]}" BENCH_REQS="$TMP/u$n/reqs.tsv" BENCH_KIND="$kind" BENCH_DELAY_MS="$PACE_MS" \
		"${WRK_WRAP[@]}" "$WRK" -t"$t" -c"$c" -d"$dur" --latency -s "$LUA" "${URL[$n]}" >"$out" 2>&1 &
	wp=$!
	BG_PIDS="$wp"
	wait "$wp" || { cat "$out" >&2; die "wrk failed ($phase, $n users, $c conns)"; }
	BG_PIDS=""
	kill -0 "${PID[$n]}" 2>/dev/null || die "ewsemu ($n users) died during the run"
	[ "$phase" = warm ] && return 0
	line=$(grep '^RESULT ' "$out" | tail -1)
	[ -n "$line" ] || { cat "$out" >&2; die "wrk printed no result ($phase, $n users, $c conns)"; }
	local errs=0 req bytes st cl
	for k in err_connect err_read err_write err_status err_timeout; do
		errs=$((errs + $(field "$line" "$k")))
	done
	req=$(field "$line" requests); bytes=$(field "$line" bytes)
	st=$(sed -n 's/^STATUSES //p' "$out"); cl=$(sed -n 's/^CLASSES //p' "$out")
	printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$phase${kind:+:$kind}" "$n" "$c" "$round" \
		"$(field "$line" rps)" "$(field "$line" p50_us)" "$(field "$line" p99_us)" \
		"$((req > 0 ? bytes / req : 0))" "$errs" "$st" "$cl" >>"$RESULTS"
	case " $st " in *" 200:"*) ;; *) NOTES="$NOTES\n  $phase${kind:+:$kind} $n users c=$c: no 200 answers" ;; esac
	if [ "$errs" != 0 ] || [ "$(echo "$st" | tr ' ' '\n' | grep -vc '^200:' || true)" != 0 ]; then
		NOTES="$NOTES\n  $phase${kind:+:$kind} $n users c=$c round $round: errors $errs, statuses $st"
	fi
}

echo "resolve-bench: wrk -t$THREADS -d$DURATION --latency, conns: $CONNS, rounds: $ROUNDS; $(nproc) CPUs," \
	"load average $(cut -d' ' -f1-3 /proc/loadavg)${BENCH_SERVER_CPUS:+; servers on CPUs $BENCH_SERVER_CPUS}${BENCH_WRK_CPUS:+; wrk on CPUs $BENCH_WRK_CPUS}${BENCH_NICE:+; nice $BENCH_NICE}"
for n in $SIZES; do run_wrk warm "$n" 16 "$WARMUP" 0; done
for r in $(seq "$ROUNDS"); do
	for c in $CONNS; do
		for n in $SIZES; do run_wrk mix "$n" "$c" "$DURATION" "$r"; done
	done
done
if [ "$PACED_RATE" != 0 ]; then
	PACE_MS=$(( PACED_CONNS * 1000 / PACED_RATE ))
	[ "$PACE_MS" -ge 1 ] || die "BENCH_PACED_RATE is too high for $PACED_CONNS connections"
	for r in $(seq "$ROUNDS"); do
		for n in $SIZES; do run_wrk paced "$n" "$PACED_CONNS" "$DURATION" "$r"; done
	done
	PACE_MS=0
fi
if [ "$KIND_DURATION" != 0 ]; then
	for r in $(seq "$ROUNDS"); do
		for kind in $KINDS; do
			for n in $SIZES; do run_wrk kind "$n" "$KIND_CONNS" "$KIND_DURATION" "$r" "$kind"; done
		done
	done
fi

# ---------------------------------------------------------------------------- report
median() { sort -g | awk '{v[NR] = $1} END { if (NR == 0) print 0; else if (NR % 2) print v[(NR + 1) / 2];
	else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
stat_of() {  # $1 = phase, $2 = size, $3 = conns, $4 = column (5 rps, 6 p50, 7 p99, 8 bytes) -> median
	awk -F'\t' -v p="$1" -v n="$2" -v c="$3" -v col="$4" '$1 == p && $2 == n && $3 == c { print $col }' \
		"$RESULTS" | median
}
FIRST=${SIZES%% *}
LAST=${SIZES##* }

echo
echo "ResolveNames, whole mix ($(grep -vc '^#' "$TMP/u$FIRST/queries.tsv") queries round robin), median of $ROUNDS round(s) of $DURATION:"
printf '%9s %6s %10s %9s %9s %9s\n' users conns "req/s" "p50 ms" "p99 ms" "B/resp"
for c in $CONNS; do
	for n in $SIZES; do
		printf '%9s %6s %10.0f %9.2f %9.2f %9.0f\n' "$n" "$c" "$(stat_of mix "$n" "$c" 5)" \
			"$(awk -v v="$(stat_of mix "$n" "$c" 6)" 'BEGIN { print v / 1000 }')" \
			"$(awk -v v="$(stat_of mix "$n" "$c" 7)" 'BEGIN { print v / 1000 }')" "$(stat_of mix "$n" "$c" 8)"
	done
done
if [ "$FIRST" != "$LAST" ]; then
	for c in $CONNS; do
		awk -v a="$(stat_of mix "$FIRST" "$c" 7)" -v b="$(stat_of mix "$LAST" "$c" 7)" \
			-v ra="$(stat_of mix "$FIRST" "$c" 5)" -v rb="$(stat_of mix "$LAST" "$c" 5)" \
			-v c="$c" -v f="$FIRST" -v l="$LAST" 'BEGIN {
			r = a > 0 ? b / a : 0
			printf "p99 ratio %s/%s users at %s conns: %.2f (target <= 1.5: %s); req/s ratio %.2f\n",
				l, f, c, r, (r <= 1.5 ? "met" : "NOT met"), (ra > 0 ? rb / ra : 0) }'
	done
fi
if [ "$PACED_RATE" != 0 ]; then
	echo
	echo "Paced: $PACED_CONNS conns, each waiting 0..$((2 * PACED_CONNS * 1000 / PACED_RATE)) ms after every answer" \
		"(~$PACED_RATE req/s offered), median of $ROUNDS round(s) of $DURATION:"
	printf '%9s %10s %9s %9s\n' users "req/s" "p50 ms" "p99 ms"
	for n in $SIZES; do
		printf '%9s %10.0f %9.2f %9.2f\n' "$n" "$(stat_of paced "$n" "$PACED_CONNS" 5)" \
			"$(awk -v v="$(stat_of paced "$n" "$PACED_CONNS" 6)" 'BEGIN { print v / 1000 }')" \
			"$(awk -v v="$(stat_of paced "$n" "$PACED_CONNS" 7)" 'BEGIN { print v / 1000 }')"
	done
	if [ "$FIRST" != "$LAST" ]; then
		awk -v a="$(stat_of paced "$FIRST" "$PACED_CONNS" 7)" -v b="$(stat_of paced "$LAST" "$PACED_CONNS" 7)" \
			-v f="$FIRST" -v l="$LAST" 'BEGIN { printf "p99 ratio %s/%s users, paced: %.2f\n", l, f, (a > 0 ? b / a : 0) }'
	fi
fi
if [ "$KIND_DURATION" != 0 ]; then
	echo
	echo "Per kind of query ($KIND_CONNS conns, median of $ROUNDS round(s) of $KIND_DURATION):"
	printf '%-9s' kind
	for n in $SIZES; do printf ' | %7s users: %7s %7s %7s %7s' "$n" "req/s" "p50 ms" "p99 ms" "B/resp"; done
	[ "$FIRST" != "$LAST" ] && printf ' | p99 ratio'
	echo
	for kind in $KINDS; do
		printf '%-9s' "$kind"
		for n in $SIZES; do
			printf ' | %13s %7.0f %7.2f %7.2f %7.0f' "" "$(stat_of "kind:$kind" "$n" "$KIND_CONNS" 5)" \
				"$(awk -v v="$(stat_of "kind:$kind" "$n" "$KIND_CONNS" 6)" 'BEGIN { print v / 1000 }')" \
				"$(awk -v v="$(stat_of "kind:$kind" "$n" "$KIND_CONNS" 7)" 'BEGIN { print v / 1000 }')" \
				"$(stat_of "kind:$kind" "$n" "$KIND_CONNS" 8)"
		done
		if [ "$FIRST" != "$LAST" ]; then
			awk -v a="$(stat_of "kind:$kind" "$FIRST" "$KIND_CONNS" 7)" -v b="$(stat_of "kind:$kind" "$LAST" "$KIND_CONNS" 7)" \
				'BEGIN { printf " | %9.2f", (a > 0 ? b / a : 0) }'
		fi
		echo
	done
fi
echo
echo "Import (ewsemu import, one write transaction):"
while IFS=$'\t' read -r n ms mdb names json; do
	awk -v n="$n" -v ms="$ms" -v mdb="$mdb" -v names="$names" -v json="$json" 'BEGIN {
		printf "  %7s users: tenant file %.1f MB, import %.2f s, store %.1f MB (ewsemu.mdb), name index %s entries\n",
			n, json / 1e6, ms / 1000, mdb / 1048576, names }'
done <"$IMPORT_INFO"
for n in $SIZES; do
	echo "  $n users: server VmHWM $(awk '/^VmHWM:/ {print $2}' "/proc/${PID[$n]}/status") kB"
done
if [ -n "$NOTES" ]; then echo -e "resolve-bench: runs with errors or non-200 answers:$NOTES"; fi
[ "$KEEP" = 1 ] && echo "(every wrk run with statuses and response classes: $RESULTS; raw output and stores: $TMP)"

# ---------------------------------------------------------------------------- shutdown
rc=0
for n in $SIZES; do
	p=${PID[$n]}
	kill -TERM "$p"
	for _ in $(seq 100); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
	if kill -0 "$p" 2>/dev/null; then
		echo "resolve-bench: ewsemu ($n users) did not exit within 10 s of SIGTERM" >&2; rc=1
	else
		wait "$p" || { rc=$?; echo "resolve-bench: ewsemu ($n users) exited with status $rc after SIGTERM" >&2; }
		unset "PID[$n]"
	fi
done
exit "$rc"
