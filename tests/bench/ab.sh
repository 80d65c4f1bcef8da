#!/bin/bash
# ab.sh - two ewsemu binaries next to nginx, alternated, medians of the ratios.
#
#   tests/bench/ab.sh OLD_BINARY NEW_BINARY [ROUNDS]
#
# Each round runs tests/bench/run.sh (without its memory check) on OLD and
# then on NEW, back to back; every run measures its binary against its own
# nginx in the same minute, so each ratio (ewsemu req/s / nginx req/s) is
# taken under the same load of the shared machine.  After ROUNDS (default 5)
# rounds it prints, per scenario and connection count, the median ratio and
# the median ewsemu req/s of each binary, and NEW's median over OLD's.
# Rounds alternate which binary goes first, so a slow spell does not fall on
# one side only.
#
# Environment: as run.sh (BENCH_CONNS "16 64", BENCH_SCENARIOS "a b c d",
# BENCH_DURATION 10s ...); BENCH_MEM_SECONDS is forced to 0.  AB_KEEP=DIR
# keeps every run's table in DIR.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
[ $# -ge 2 ] || { echo "usage: $0 OLD_BINARY NEW_BINARY [ROUNDS]" >&2; exit 2; }
OLD=$1 NEW=$2 ROUNDS=${3:-5}
for b in "$OLD" "$NEW"; do [ -x "$b" ] || { echo "ab: no binary at $b" >&2; exit 2; }; done
case $ROUNDS in '' | *[!0-9]*) echo "ab: ROUNDS must be a number" >&2; exit 2 ;; esac

OUT=${AB_KEEP:-$(mktemp -d "${TMPDIR:-/tmp}/ewsemu-ab.XXXXXX")}
mkdir -p "$OUT"
[ -n "${AB_KEEP:-}" ] || trap 'rm -rf "$OUT"' EXIT
ROWS="$OUT/rows.tsv"   # side round scenario conns ewsemu_rps nginx_rps ratio ewsemu_cpu_us nginx_cpu_us
: >"$ROWS"

one() {  # $1 = side (old|new), $2 = binary, $3 = round
	local table="$OUT/run-$3-$1.txt"
	BENCH_MEM_SECONDS=0 "$HERE/run.sh" "$2" >"$table" 2>&1 || { cat "$table" >&2; echo "ab: run.sh failed for $2" >&2; exit 1; }
	# table lines: "(a) label ... conns e_rps e_p99 n_rps n_p99 ratio e_b / n_b e_cpu / n_cpu"
	awk -v side="$1" -v r="$3" '/^\([a-z]\) / {
		n = NF; sc = substr($1, 2, 1)
		printf "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", side, r, sc, $(n-11), $(n-10), $(n-8), $(n-6), $(n-2), $n }' \
		"$table" >>"$ROWS"
	grep -q "^bench: runs with socket/HTTP errors" "$table" && echo "ab: round $3 $1: errors, see $table" >&2
	return 0
}

for r in $(seq "$ROUNDS"); do
	if [ $((r % 2)) = 1 ]; then one old "$OLD" "$r"; one new "$NEW" "$r"
	else one new "$NEW" "$r"; one old "$OLD" "$r"; fi
	echo "ab: round $r of $ROUNDS done" >&2
done

median() { sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) print "nan"; else if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

echo "ab: OLD $OLD"
echo "ab: NEW $NEW"
echo "ab: $ROUNDS rounds; medians over rounds (ratio = ewsemu req/s / nginx req/s in the same run)"
printf '%-9s %5s %10s %10s %12s %12s %9s %14s %14s\n' scenario conns "old ratio" "new ratio" "old req/s" "new req/s" "new/old" \
	"CPU us old/new" "nginx CPU us"
for sc in $(cut -f3 "$ROWS" | sort -u); do
	for c in $(awk -F'\t' -v s="$sc" '$3 == s { print $4 }' "$ROWS" | sort -un); do
		col() { awk -F'\t' -v side="$1" -v s="$sc" -v c="$c" -v k="$2" '$1 == side && $3 == s && $4 == c { print $k }' "$ROWS" | median; }
		or=$(col old 7) nr=$(col new 7) oq=$(col old 5) nq=$(col new 5) oc=$(col old 8) nc=$(col new 8)
		ngc=$(awk -F'\t' -v s="$sc" -v c="$c" '$3 == s && $4 == c { print $9 }' "$ROWS" | median)
		awk -v sc="$sc" -v c="$c" -v or="$or" -v nr="$nr" -v oq="$oq" -v nq="$nq" -v oc="$oc" -v nc="$nc" -v ngc="$ngc" 'BEGIN {
			printf "%-9s %5s %10.2f %10.2f %12.0f %12.0f %9.2f %6.0f / %-6.0f %14.0f\n", sc, c, or, nr, oq, nq,
				(or > 0 ? nr / or : 0), oc, nc, ngc }'
	done
done
echo "(a REST GET, b 304, c SOAP GetUserPhoto, d HTTPS REST GET; new/old = ratio of the median ratios;"
echo " CPU us = the server's CPU time per request, median; far steadier than req/s on a shared machine)"
