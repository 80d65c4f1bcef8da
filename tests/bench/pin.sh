# pin.sh - sourced by the benchmark scripts: CPU pinning and priority of the
# servers and of wrk, from the environment (unset: neither, as before).
#   BENCH_SERVER_CPUS  taskset -c list for the servers (ewsemu and nginx alike)
#   BENCH_WRK_CPUS     taskset -c list for wrk
#   BENCH_NICE         nice increment for both (negative needs root)
# Sets the arrays SERVER_WRAP and WRK_WRAP (prefixes of the command lines)
# and PIN_NOTE (a line for the report, "" when nothing is pinned).
SERVER_WRAP=() WRK_WRAP=()
if [ -n "${BENCH_SERVER_CPUS:-}" ]; then SERVER_WRAP+=(taskset -c "$BENCH_SERVER_CPUS"); fi
if [ -n "${BENCH_WRK_CPUS:-}" ]; then WRK_WRAP+=(taskset -c "$BENCH_WRK_CPUS"); fi
if [ -n "${BENCH_NICE:-}" ]; then
	SERVER_WRAP=(nice -n "$BENCH_NICE" "${SERVER_WRAP[@]}")
	WRK_WRAP=(nice -n "$BENCH_NICE" "${WRK_WRAP[@]}")
fi
PIN_NOTE="${BENCH_SERVER_CPUS:+servers on CPUs $BENCH_SERVER_CPUS}${BENCH_SERVER_CPUS:+${BENCH_WRK_CPUS:+, }}${BENCH_WRK_CPUS:+wrk on CPUs $BENCH_WRK_CPUS}"
if [ -n "${BENCH_NICE:-}" ]; then PIN_NOTE="${PIN_NOTE:+$PIN_NOTE, }nice $BENCH_NICE"; fi
