#!/usr/bin/env bash
# Side-by-side benchmark of tidecache and redis-server (Debian's redis-server 7),
# both started here on free loopback ports with equivalent settings (no
# persistence), driven by redis-benchmark in alternation so both see the same
# machine conditions. Prints each figure, the median of the rounds, and the
# ratio tidecache/redis.
#
#   scripts/bench.sh [throughput]        GET/SET, 50 clients, pipeline 1 and 16, random keys
#
# Environment: ROUNDS (default 3), REQUESTS (default 200000 for pipeline 1,
# 10x for pipeline 16), CLIENTS (50), KEYSPACE (100000), BUILD (build).
set -euo pipefail
cd "$(dirname "$0")/.."
mode=${1:-throughput}
ROUNDS=${ROUNDS:-3}
REQUESTS=${REQUESTS:-200000}
CLIENTS=${CLIENTS:-50}
KEYSPACE=${KEYSPACE:-100000}
BUILD=${BUILD:-build}

scripts/deps.sh bench
make -s BUILD="$BUILD" "$BUILD/tidecache"

work=$(mktemp -d)
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    wait 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT

free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

wait_ready() { # port
    for _ in $(seq 1 500); do
        redis-cli -p "$1" ping >/dev/null 2>&1 && return 0
        sleep 0.01
    done
    echo "server on port $1 did not start" >&2
    return 1
}

start_servers() {
    tc_port=$(free_port)
    "$BUILD/tidecache" --port "$tc_port" --bind 127.0.0.1 --logfile "$work/tc.log" &
    tc_pid=$!
    pids+=("$tc_pid")
    rd_port=$(free_port)
    redis-server --port "$rd_port" --bind 127.0.0.1 --save "" --appendonly no \
        --logfile "$work/redis.log" --dir "$work" &
    rd_pid=$!
    pids+=("$rd_pid")
    wait_ready "$tc_port"
    wait_ready "$rd_port"
}

# CPU ticks (user+system) a process has used so far.
cpu_ticks() {
    awk '{print $14 + $15}' "/proc/$1/stat"
}

# One redis-benchmark run; prints "rps cpu_us_per_request".
run_one() { # port pid test pipeline requests
    local port=$1 pid=$2 test=$3 pipeline=$4 n=$5 before after rps
    before=$(cpu_ticks "$pid")
    rps=$(redis-benchmark -p "$port" -c "$CLIENTS" -n "$n" -P "$pipeline" -r "$KEYSPACE" \
        -t "$test" --csv 2>/dev/null | awk -F'"' 'NR>1 {print $4; exit}')
    after=$(cpu_ticks "$pid")
    local hz
    hz=$(getconf CLK_TCK)
    awk -v r="$rps" -v t=$((after - before)) -v hz="$hz" -v n="$n" \
        'BEGIN {printf "%s %.3f\n", r, t * 1e6 / hz / n}'
}

median() { sort -g | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }

throughput() {
    start_servers
    printf '%-8s %-9s %14s %14s %7s %16s %16s %7s\n' test pipeline tidecache_rps redis_rps ratio \
        tc_cpu_us/req redis_cpu_us/req ratio
    for pipeline in 1 16; do
        local n=$REQUESTS
        [ "$pipeline" -gt 1 ] && n=$((REQUESTS * 10))
        for test in set get; do
            : >"$work/tc" && : >"$work/rd"
            for _ in $(seq 1 "$ROUNDS"); do
                run_one "$tc_port" "$tc_pid" "$test" "$pipeline" "$n" >>"$work/tc"
                run_one "$rd_port" "$rd_pid" "$test" "$pipeline" "$n" >>"$work/rd"
            done
            local tc_rps rd_rps tc_cpu rd_cpu
            tc_rps=$(awk '{print $1}' "$work/tc" | median)
            rd_rps=$(awk '{print $1}' "$work/rd" | median)
            tc_cpu=$(awk '{print $2}' "$work/tc" | median)
            rd_cpu=$(awk '{print $2}' "$work/rd" | median)
            awk -v t="$test" -v p="$pipeline" -v a="$tc_rps" -v b="$rd_rps" -v c="$tc_cpu" -v d="$rd_cpu" \
                'BEGIN {printf "%-8s %-9s %14.0f %14.0f %7.2f %16.3f %16.3f %7.2f\n", t, p, a, b, a/b, c, d, (d>0 ? c/d : 0)}'
        done
    done
    echo "(medians of $ROUNDS rounds; ratio = tidecache/redis; CPU from /proc/PID/stat)"
}

case "$mode" in
throughput) throughput ;;
*) echo "usage: $0 [throughput]" >&2; exit 2 ;;
esac
