#!/usr/bin/env bash
# redis-benchmark against tidecache: it must run every test it is asked for
# without a warning or an error. redis-benchmark starts by reading
# CONFIG GET save and CONFIG GET appendonly and prints "WARNING: Could not
# fetch server CONFIG" unless both answer, so this also checks that those
# compatibility options exist.
# Run by scripts/run-tests.sh; exits non-zero on the first failure. Every
# wait is bounded: 200 polls of 0.05 s, and 120 s for the benchmark.
set -u

root=$(cd "$(dirname "$0")/../.." && pwd)
bin=${TIDECACHE_BIN:-$root/build/tidecache}
poll_tries=200     # x poll_step seconds = 10 s
poll_step=0.05
bench_timeout_s=120
requests=2000

fail() {
    echo "FAIL: $*" >&2
    if [ -n "${dir:-}" ] && [ -f "$dir/tidecache.log" ]; then
        echo "--- server log ---" >&2
        tail -n 20 "$dir/tidecache.log" >&2
    fi
    exit 1
}

command -v redis-benchmark >/dev/null || fail "redis-benchmark not installed"
command -v redis-cli >/dev/null || fail "redis-cli not installed"
[ -x "$bin" ] || fail "no tidecache binary at $bin"

dir=$(mktemp -d /tmp/tidecache-bench-XXXXXX)
pid=
cleanup() {
    if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
        kill -KILL "$pid" 2>/dev/null
        wait "$pid" 2>/dev/null
    fi
    rm -rf "$dir"
}
trap cleanup EXIT

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
cat >"$dir/tidecache.conf" <<EOF
port $port
bind 127.0.0.1
logfile "$dir/tidecache.log"
EOF

"$bin" "$dir/tidecache.conf" &
pid=$!

ready=0
for _ in $(seq "$poll_tries"); do
    if [ "$(timeout 5 redis-cli -h 127.0.0.1 -p "$port" ping 2>/dev/null)" = "PONG" ]; then
        ready=1
        break
    fi
    kill -0 "$pid" 2>/dev/null || fail "tidecache exited during startup"
    sleep "$poll_step"
done
[ "$ready" = 1 ] || fail "tidecache did not answer PING within 10 s"

timeout "$bench_timeout_s" redis-benchmark -h 127.0.0.1 -p "$port" \
    -t ping,set,get,incr,mset -n "$requests" -q >"$dir/bench.out" 2>&1
status=$?
# Progress lines end in CR; keep only the final line of each test.
tr '\r' '\n' <"$dir/bench.out" | grep -v 'rps=' | sed '/^[[:space:]]*$/d' >"$dir/bench.txt"
cat "$dir/bench.txt"
[ "$status" -eq 0 ] || fail "redis-benchmark exited with status $status"
if grep -q -E 'WARNING|ERR' "$dir/bench.out"; then
    fail "redis-benchmark reported: $(grep -E 'WARNING|ERR' "$dir/bench.out" | head -n 3)"
fi
for test in PING_INLINE PING_MBULK SET GET INCR 'MSET (10 keys)'; do
    grep -q -F "$test: " "$dir/bench.txt" ||
        fail "no result line for $test"
    grep -F "$test: " "$dir/bench.txt" | grep -q 'requests per second' ||
        fail "no requests per second for $test"
done
kill -0 "$pid" 2>/dev/null || fail "tidecache died during the benchmark"
[ "$(timeout 5 redis-cli -h 127.0.0.1 -p "$port" ping)" = "PONG" ] || fail "no PONG after the benchmark"
echo "redis_benchmark.sh: all checks passed"
