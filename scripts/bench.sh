#!/usr/bin/env bash
# Side-by-side benchmark of tidecache and redis-server (Debian's redis-server 7),
# both started here on free loopback ports with equivalent settings (no
# persistence), driven by redis-benchmark in alternation so both see the same
# machine conditions. Prints each figure, the median of the rounds, and the
# ratio tidecache/redis.
#
#   scripts/bench.sh [throughput]  GET/SET, 50 clients, pipeline 1 and 16, random keys
#   scripts/bench.sh scripting     EVALSHA of a lock-release script and of a
#                                  3-command read-modify-write, 50 clients,
#                                  pipeline 1 and 16
#   scripts/bench.sh types         RSS per member of SET_KEYS sets of 50 small
#                                  integers and of 50 8-byte strings, per field
#                                  of HASH_KEYS 10-field hashes and of one hash
#                                  of BIG_HASH_FIELDS fields; SADD, SPOP, HSET,
#                                  HGETALL at pipeline 1 and 16
#   scripts/bench.sh memory        RSS and used_memory per key: KEYS keys (11-byte
#                                  key, 32-byte value, EX 3600)
#   scripts/bench.sh expiry        KEYS keys with EX 2 among KEYS without a TTL,
#                                  never read: time from their expiry until DBSIZE
#                                  is down to the persistent keys
#   scripts/bench.sh expiry-lag    for each count in LONG_KEYS: that many keys
#                                  with EX 3600, then 1,000 keys with PX 1000
#                                  nobody reads: how long after their expiry
#                                  99% and 100% of them are reclaimed
#   scripts/bench.sh latency       worst request latency (redis-cli
#                                  --latency-history) while GROW_KEYS keys are
#                                  loaded, then while FLUSHALL frees them
#   scripts/bench.sh maxmemory     64 MB cap: keys kept and RSS under allkeys-lru
#                                  after 450 MB of 200-byte values, hit rates of a
#                                  skewed workload (allkeys-lru, allkeys-lfu), and
#                                  noeviction's OOM path (MM_* variables, see
#                                  maxmemory() below)
#
# Environment: ROUNDS (default 3), REQUESTS (default 200000 for pipeline 1,
# 10x for pipeline 16), CLIENTS (50), KEYSPACE (100000), BUILD (build),
# KEYS (1000000), LONG_KEYS ("100000 1000000"; add 10000000 for the full
# figure), LAG_TIMEOUT (seconds to wait for reclaiming, 20), GROW_KEYS
# (10000000), SET_KEYS (200000), HASH_KEYS (1000000), BIG_HASH_FIELDS
# (1000000), TC_BIN (a tidecache binary to use instead of building one).
set -euo pipefail
cd "$(dirname "$0")/.."
mode=${1:-throughput}
ROUNDS=${ROUNDS:-3}
REQUESTS=${REQUESTS:-200000}
CLIENTS=${CLIENTS:-50}
KEYSPACE=${KEYSPACE:-100000}
BUILD=${BUILD:-build}
KEYS=${KEYS:-1000000}
LONG_KEYS=${LONG_KEYS:-100000 1000000}
LAG_TIMEOUT=${LAG_TIMEOUT:-20}
GROW_KEYS=${GROW_KEYS:-10000000}
SET_KEYS=${SET_KEYS:-200000}
HASH_KEYS=${HASH_KEYS:-1000000}
BIG_HASH_FIELDS=${BIG_HASH_FIELDS:-1000000}

scripts/deps.sh bench
if [ -z "${TC_BIN:-}" ]; then
    make -s BUILD="$BUILD" "$BUILD/tidecache"
    TC_BIN=$BUILD/tidecache
fi

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
    "$TC_BIN" --port "$tc_port" --bind 127.0.0.1 --logfile "$work/tc.log" &
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

# Stop both servers and start new ones: an RSS measurement then starts
# from a process whose allocator holds no freed pages of an earlier load.
restart_servers() {
    kill "$tc_pid" "$rd_pid" 2>/dev/null || true
    wait "$tc_pid" "$rd_pid" 2>/dev/null || true
    start_servers
}

# CPU ticks (user+system) a process has used so far.
cpu_ticks() {
    awk '{print $14 + $15}' "/proc/$1/stat"
}

# One redis-benchmark run; prints "rps cpu_us_per_request". The words after
# the request count are redis-benchmark's: "-t set", or a command to send.
run_one() { # port pid pipeline requests benchmark-args...
    local port=$1 pid=$2 pipeline=$3 n=$4 before after rps hz
    shift 4
    before=$(cpu_ticks "$pid")
    rps=$(redis-benchmark -p "$port" -c "$CLIENTS" -n "$n" -P "$pipeline" -r "$KEYSPACE" \
        --csv "$@" 2>/dev/null | awk -F'"' 'NR>1 {print $4; exit}')
    after=$(cpu_ticks "$pid")
    hz=$(getconf CLK_TCK)
    awk -v r="$rps" -v t=$((after - before)) -v hz="$hz" -v n="$n" \
        'BEGIN {printf "%s %.3f\n", r, t * 1e6 / hz / n}'
}

median() { sort -g | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }

# The table of the request-rate modes: a header naming the first column,
# then one row per test from the runs collected in $work/tc and $work/rd.
rate_header() { # first-column-name
    printf '%-8s %-9s %14s %14s %7s %16s %16s %7s\n' "$1" pipeline tidecache_rps redis_rps \
        ratio tc_cpu_us/req redis_cpu_us/req ratio
}
rate_row() { # test pipeline
    local tc_rps rd_rps tc_cpu rd_cpu
    tc_rps=$(awk '{print $1}' "$work/tc" | median)
    rd_rps=$(awk '{print $1}' "$work/rd" | median)
    tc_cpu=$(awk '{print $2}' "$work/tc" | median)
    rd_cpu=$(awk '{print $2}' "$work/rd" | median)
    awk -v t="$1" -v p="$2" -v a="$tc_rps" -v b="$rd_rps" -v c="$tc_cpu" -v d="$rd_cpu" \
        'BEGIN {printf "%-8s %-9s %14.0f %14.0f %7.2f %16.3f %16.3f %7.2f\n", t, p, a, b, a/b, c, d, (d>0 ? c/d : 0)}'
}

# The table of redis-benchmark's built-in tests (-t name) at pipeline 1 and
# 16, both servers in alternation, ROUNDS rounds each.
rate_tests() { # test...
    rate_header test
    for pipeline in 1 16; do
        local n=$REQUESTS
        [ "$pipeline" -gt 1 ] && n=$((REQUESTS * 10))
        for test in "$@"; do
            : >"$work/tc" && : >"$work/rd"
            for _ in $(seq 1 "$ROUNDS"); do
                run_one "$tc_port" "$tc_pid" "$pipeline" "$n" -t "$test" >>"$work/tc"
                run_one "$rd_port" "$rd_pid" "$pipeline" "$n" -t "$test" >>"$work/rd"
            done
            rate_row "$test" "$pipeline"
        done
    done
}

throughput() {
    start_servers
    rate_tests set get
    echo "(medians of $ROUNDS rounds; ratio = tidecache/redis; CPU from /proc/PID/stat)"
}

# The helper for the modes that load keys and watch DBSIZE: RESP generation
# for redis-cli --pipe, and a raw-socket poller timed in milliseconds.
write_tool() {
    cat >"$work/tool.py" <<'EOF'
import socket, sys, time

VALUE = b"v" * 32

def emit(requests, batch=5000):
    """Write the RESP requests an iterable yields to stdout, batch at a
    time."""
    out = sys.stdout.buffer
    pending = []
    for r in requests:
        pending.append(r)
        if len(pending) == batch:
            out.write(b"".join(pending))
            pending = []
    out.write(b"".join(pending))
    out.flush()

def bulk(b):
    return b"$%d\r\n%s\r\n" % (len(b), b)

def gen(prefix, start, count, ttl_args):
    """SET prefix%07d <32 bytes> [ttl_args] for count keys, as RESP."""
    words = ttl_args.split()
    extra = b"".join(bulk(w.encode()) for w in words)
    head = b"*%d\r\n$3\r\nSET\r\n" % (3 + len(words))
    tail = bulk(VALUE) + extra
    emit(head + bulk(b"%s%07d" % (prefix.encode(), i)) + tail
         for i in range(start, start + count))

def gen_sets(prefix, count, members, kind):
    """SADD prefix%07d with `members` members for count keys, as RESP: kind
    "int" gives small integers (0..members-1 shifted per key), "str" 8-byte
    strings."""
    def request(i):
        if kind == "int":
            ms = [b"%d" % ((i + j) % 1000) for j in range(members)]
        else:
            ms = [b"m%07d" % ((i * 7 + j) % 10000000) for j in range(members)]
        key = b"%s%07d" % (prefix.encode(), i)
        return b"*%d\r\n$4\r\nSADD\r\n" % (2 + len(ms)) + bulk(key) + b"".join(map(bulk, ms))
    emit((request(i) for i in range(count)), batch=2000)

def gen_hashes(prefix, count, fields, ttl):
    """HSET prefix%07d with `fields` fields (8-byte names, 16-byte values)
    for count keys, each followed by EXPIRE ttl when ttl > 0; or, with
    count 1, one hash of `fields` fields written 100 at a time."""
    def pairs(start, n):
        return b"".join(bulk(b"f%07d" % j) + bulk(b"v%015d" % j) for j in range(start, start + n))
    def hset(key, n, body):
        return b"*%d\r\n$4\r\nHSET\r\n" % (2 + 2 * n) + bulk(key) + body
    if count == 1:
        key = prefix.encode()
        emit(hset(key, min(100, fields - start), pairs(start, min(100, fields - start)))
             for start in range(0, fields, 100))
        return
    body = pairs(0, fields)
    def requests():
        for i in range(count):
            key = b"%s%07d" % (prefix.encode(), i)
            yield hset(key, fields, body)
            if ttl > 0:
                yield b"*3\r\n$6\r\nEXPIRE\r\n" + bulk(key) + bulk(b"%d" % ttl)
    emit(requests(), batch=4000)

class Client:
    def __init__(self, port):
        self.s = socket.create_connection(("127.0.0.1", port))
        self.s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buf = b""

    def line(self):
        while b"\r\n" not in self.buf:
            self.buf += self.s.recv(65536)
        l, self.buf = self.buf.split(b"\r\n", 1)
        return l

    def cmd(self, *args):
        parts = [b"*%d\r\n" % len(args)]
        for a in args:
            a = a.encode() if isinstance(a, str) else a
            parts.append(b"$%d\r\n%s\r\n" % (len(a), a))
        self.s.sendall(b"".join(parts))
        return self.line()

    def dbsize(self):
        return int(self.cmd("DBSIZE")[1:])

def now_ms():
    return time.time() * 1000.0

def wait_dbsize(port, target, due_ms, timeout_s):
    """Poll DBSIZE every 5 ms until it is <= target; print ms after due_ms."""
    c = Client(port)
    end = time.time() + timeout_s
    while time.time() < end:
        n = c.dbsize()
        if n <= target:
            print("%.0f" % (now_ms() - due_ms))
            return
        time.sleep(0.005)
    print("timeout(%d-left)" % (c.dbsize() - target))

def short_ttl(port, base, nshort, ttl_ms, timeout_s):
    """Write nshort keys with PX ttl_ms in one pipeline on top of base keys,
    then watch DBSIZE: print the lag after their expiry at which 99% and
    100% of them were gone, and how many were left at the timeout."""
    c = Client(port)
    req = b"".join(b"*5\r\n$3\r\nSET\r\n$11\r\ntmp:%07d\r\n$32\r\n%s\r\n$2\r\nPX\r\n$%d\r\n%d\r\n"
                   % (i, VALUE, len(str(ttl_ms)), ttl_ms) for i in range(nshort))
    t0 = now_ms()
    c.s.sendall(req)
    for _ in range(nshort):
        c.line()
    due = (t0 + now_ms()) / 2 + ttl_ms
    p99 = p100 = None
    end = due / 1000.0 + timeout_s
    while time.time() < end:
        left = c.dbsize() - base
        t = now_ms() - due
        if p99 is None and left <= nshort // 100:
            p99 = t
        if left <= 0:
            p100 = t
            break
        time.sleep(0.005)
    left = max(c.dbsize() - base, 0)
    fmt = lambda v: "%.0f" % v if v is not None else ">%d000" % timeout_s
    print(fmt(p99), fmt(p100), left)

if __name__ == "__main__":
    cmd = sys.argv[1]
    if cmd == "gen":
        gen(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5] if len(sys.argv) > 5 else "")
    elif cmd == "gen-sets":
        gen_sets(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5])
    elif cmd == "gen-hashes":
        gen_hashes(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]))
    elif cmd == "cmd-time":
        c = Client(int(sys.argv[2]))
        t0 = now_ms()
        c.cmd(*sys.argv[3:])
        print("%.1f" % (now_ms() - t0))
    elif cmd == "wait-dbsize":
        wait_dbsize(int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4]), float(sys.argv[5]))
    elif cmd == "short-ttl":
        short_ttl(int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]),
                  float(sys.argv[6]))
EOF
}

tool() { python3 "$work/tool.py" "$@"; }

# Load count keys prefix%07d (from start) into the server on port, with the
# SET options given (e.g. "EX 3600"); fails unless every reply came back.
load() { # port prefix start count ttl_args
    local out
    out=$(tool gen "$2" "$3" "$4" "$5" | redis-cli -p "$1" --pipe 2>&1)
    grep -q "errors: 0, replies: $4" <<<"$out" || { echo "load failed: $out" >&2; return 1; }
}

rss_bytes() { awk '/^VmRSS:/ {print $2 * 1024}' "/proc/$1/status"; }
info_field() { redis-cli -p "$1" info memory | tr -d '\r' | awk -F: -v f="$2" '$1 == f {print $2}'; }

# Set port, pid and name for server tc or rd.
pick() {
    if [ "$1" = tc ]; then
        port=$tc_port pid=$tc_pid name=tidecache
    else
        port=$rd_port pid=$rd_pid name=redis
    fi
}

memory() {
    start_servers
    write_tool
    printf '%-10s %10s %12s %14s %16s\n' server keys rss_MB rss_B/key used_memory_B/key
    local srv port pid name rss0 rss1 used0 used1 growth=()
    for srv in tc rd; do
        pick $srv
        rss0=$(rss_bytes "$pid")
        used0=$(info_field "$port" used_memory)
        load "$port" key: 0 "$KEYS" "EX 3600"
        sleep 2 # both finish resizing their tables in the background
        rss1=$(rss_bytes "$pid")
        used1=$(info_field "$port" used_memory)
        [ "$(redis-cli -p "$port" dbsize)" = "$KEYS" ] || { echo "dbsize mismatch" >&2; return 1; }
        awk -v s="$name" -v n="$KEYS" -v r1="$rss1" -v r0="$rss0" -v u0="$used0" -v u1="$used1" \
            'BEGIN {printf "%-10s %10d %12.1f %14.1f %16.1f\n", s, n, r1/1048576, (r1-r0)/n, (u1-u0)/n}'
        growth+=($((rss1 - rss0)))
    done
    awk -v a="${growth[0]}" -v b="${growth[1]}" \
        'BEGIN {printf "ratio tidecache/redis (RSS per key): %.2f\n", a/b}'
    echo "(RSS growth from the empty server to $KEYS keys, /proc/PID/status VmRSS, 2 s after"
    echo " the load; used_memory from INFO)"
}

# RSS per member of SET_KEYS sets of 50 members (small integers: the intset
# encoding; 8-byte strings: listpack in tidecache, a hash table in Redis
# 7.0), per field of HASH_KEYS hashes of 10 fields (8-byte names, 16-byte
# values, a key TTL) and of one hash of BIG_HASH_FIELDS fields; then SADD,
# SPOP, HSET (redis-benchmark's tests) and HGETALL of a 10-field hash at
# pipeline 1 and 16.
types() {
    start_servers
    write_tool
    local members=50 kind srv port pid name rss0 rss1 out ratio_of=()
    printf '%-10s %-10s %10s %14s %16s\n' server kind keys members rss_B/member
    for kind in int str; do
        restart_servers
        for srv in tc rd; do
            pick $srv
            rss0=$(rss_bytes "$pid")
            out=$(tool gen-sets "set$kind:" "$SET_KEYS" "$members" "$kind" |
                redis-cli -p "$port" --pipe 2>&1)
            grep -q "errors: 0, replies: $SET_KEYS" <<<"$out" ||
                { echo "load failed: $out" >&2; return 1; }
            sleep 2
            rss1=$(rss_bytes "$pid")
            awk -v s="$name" -v k="$kind" -v n="$SET_KEYS" -v m="$members" -v a="$rss0" -v b="$rss1" \
                'BEGIN {printf "%-10s %-10s %10d %14d %16.2f\n", s, k, n, n*m, (b-a)/(n*m)}'
            ratio_of+=($((rss1 - rss0)))
        done
        awk -v k="$kind" -v a="${ratio_of[0]}" -v b="${ratio_of[1]}" \
            'BEGIN {printf "ratio tidecache/redis (RSS per member, %s sets): %.2f\n", k, a/b}'
        ratio_of=()
    done
    # hashes: HASH_KEYS of 10 fields with a key TTL, and one of BIG_HASH_FIELDS
    local shape keys fields ttl replies
    for shape in small big; do
        if [ "$shape" = small ]; then
            keys=$HASH_KEYS fields=10 ttl=3600 replies=$((HASH_KEYS * 2))
        else
            keys=1 fields=$BIG_HASH_FIELDS ttl=0 replies=$(((BIG_HASH_FIELDS + 99) / 100))
        fi
        restart_servers
        for srv in tc rd; do
            pick $srv
            rss0=$(rss_bytes "$pid")
            out=$(tool gen-hashes "hash:" "$keys" "$fields" "$ttl" | redis-cli -p "$port" --pipe 2>&1)
            grep -q "errors: 0, replies: $replies" <<<"$out" ||
                { echo "load failed: $out" >&2; return 1; }
            sleep 2
            rss1=$(rss_bytes "$pid")
            awk -v s="$name" -v k="hash-$shape" -v n="$keys" -v m="$fields" -v a="$rss0" \
                -v b="$rss1" 'BEGIN {printf "%-10s %-10s %10d %14d %16.2f\n", s, k, n, n*m, (b-a)/(n*m)}'
            ratio_of+=($((rss1 - rss0)))
        done
        awk -v k="$shape" -v a="${ratio_of[0]}" -v b="${ratio_of[1]}" \
            'BEGIN {printf "ratio tidecache/redis (RSS per field, %s hashes): %.2f\n", k, a/b}'
        ratio_of=()
    done
    restart_servers
    for srv in tc rd; do
        pick $srv
        tool gen-hashes "bench:h10" 1 10 0 | redis-cli -p "$port" --pipe >/dev/null 2>&1
    done
    rate_tests sadd spop hset
    for pipeline in 1 16; do
        local n=$REQUESTS
        [ "$pipeline" -gt 1 ] && n=$((REQUESTS * 10))
        : >"$work/tc" && : >"$work/rd"
        for _ in $(seq 1 "$ROUNDS"); do
            run_one "$tc_port" "$tc_pid" "$pipeline" "$n" hgetall bench:h10 >>"$work/tc"
            run_one "$rd_port" "$rd_pid" "$pipeline" "$n" hgetall bench:h10 >>"$work/rd"
        done
        rate_row hgetall "$pipeline"
    done
    echo "(RSS growth per member from a newly started server, /proc/PID/status VmRSS 2 s after"
    echo " the load; rates: medians of $ROUNDS rounds, ratio = tidecache/redis)"
}

expiry() {
    start_servers
    write_tool
    printf '%-10s %12s %12s %26s\n' server persistent with_ttl ms_after_expiry_to_dbsize
    local srv port pid name due lag
    for srv in tc rd; do
        pick $srv
        load "$port" key: 0 "$KEYS" ""
        load "$port" ttl: 0 "$KEYS" "EX 2"
        due=$(($(date +%s%3N) + 2000))
        lag=$(tool wait-dbsize "$port" "$KEYS" "$due" "$LAG_TIMEOUT")
        printf '%-10s %12d %12d %26s\n' "$name" "$KEYS" "$KEYS" "$lag"
        redis-cli -p "$port" flushall >/dev/null
    done
    echo "(the expiry is that of the last key written, 2 s after its load ended)"
}

expiry_lag() {
    start_servers
    write_tool
    printf '%-10s %10s %12s %12s %14s\n' server long_keys p99_lag_ms all_lag_ms left_at_end
    local n srv port pid name r
    for n in $LONG_KEYS; do
        for srv in tc rd; do
            pick $srv
            redis-cli -p "$port" flushall >/dev/null
            load "$port" key: 0 "$n" "EX 3600"
            sleep 0.5
            r=$(tool short-ttl "$port" "$n" 1000 1000 "$LAG_TIMEOUT")
            # shellcheck disable=SC2086 # three figures
            printf '%-10s %10d %12s %12s %14s\n' "$name" "$n" $r
            redis-cli -p "$port" flushall >/dev/null
        done
    done
    echo "(1,000 keys with PX 1000 written after the long-TTL keys; lag from their expiry;"
    echo " left_at_end: short keys still counted by DBSIZE after ${LAG_TIMEOUT} s)"
}

# Start redis-cli --latency-history beside the server on port.
latency_start() {
    stdbuf -o0 redis-cli -p "$1" --latency-history -i 1 >"$work/lat" 2>&1 &
    lat_pid=$!
    sleep 0.3
}

# Stop it and print the worst latency it saw, in ms. Off a terminal it
# prints "min max avg samples" per sample.
latency_stop() {
    kill "$lat_pid" 2>/dev/null || true
    wait "$lat_pid" 2>/dev/null || true
    awk 'NF == 4 && $2 + 0 > m {m = $2 + 0} END {print m + 0}' "$work/lat"
}

latency() {
    start_servers
    write_tool
    printf '%-10s %10s %16s %12s %17s %16s\n' server keys load_max_lat_ms flushall_ms \
        flush_max_lat_ms rss_after_10s_MB
    local srv port pid name lmax fms fmax
    for srv in tc rd; do
        pick $srv
        latency_start "$port"
        load "$port" key: 0 "$GROW_KEYS" ""
        sleep 1
        lmax=$(latency_stop)
        latency_start "$port"
        fms=$(tool cmd-time "$port" FLUSHALL)
        sleep 10
        fmax=$(latency_stop)
        printf '%-10s %10d %16s %12s %17s %16.1f\n' "$name" "$GROW_KEYS" "$lmax" "$fms" "$fmax" \
            "$(awk -v r="$(rss_bytes "$pid")" 'BEGIN {print r/1048576}')"
    done
    echo "(worst redis-cli --latency-history sample while the keys are loaded, and in the 10 s"
    echo " after FLUSHALL; flushall_ms: its reply time; redis's FLUSHALL is its default,"
    echo " synchronous one)"
}

# maxmemory mode: the memory cap side by side. Both servers get MM_CAP and,
# by CONFIG SET, each policy in turn:
#  1. allkeys-lru: MM_FILL_MB of MM_VALUE-byte values (SET key:%07d) through
#     redis-cli --pipe: errors, keys kept, RSS against the cap (after the
#     load, and the peak VmHWM).
#  2. hit rate of a skewed cache-aside workload (GET; SET on a miss) over
#     keys whose values total 3x the cap, 20% of them getting 80% of the
#     reads, with allkeys-lru and with allkeys-lfu: MM_WARM requests to warm
#     up, then the hit rate of MM_MEASURE more (same request sequence for
#     both servers).
#  3. noeviction: the same load answers OOM errors; GET and DEL still work;
#     RSS against the cap.
write_mm_tool() {
    cat >"$work/mm.py" <<'EOF'
import random, socket, sys

def gen(count, vlen):
    """SET key:%07d <vlen bytes> for count keys, as RESP."""
    out = sys.stdout.buffer
    tail = b"$%d\r\n%s\r\n" % (vlen, b"v" * vlen)
    batch = []
    for i in range(count):
        batch.append(b"*3\r\n$3\r\nSET\r\n$11\r\nkey:%07d\r\n" % i + tail)
        if len(batch) == 10000:
            out.write(b"".join(batch))
            batch = []
    out.write(b"".join(batch))
    out.flush()

def connect(port):
    s = socket.create_connection(("127.0.0.1", port))
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return s, s.makefile("rb")

def resp(*args):
    parts = [b"*%d\r\n" % len(args)]
    for a in args:
        parts.append(b"$%d\r\n%s\r\n" % (len(a), a))
    return b"".join(parts)

def skew(port, nkeys, warm, measure, vlen, seed):
    """Cache-aside over nkeys keys, 20% of them getting 80% of the GETs, in
    pipelined batches; prints hits/requests of the last `measure` requests
    and the number of failed SETs."""
    s, f = connect(port)
    rnd = random.Random(seed)
    hot = nkeys // 5
    value = b"v" * vlen
    hits = counted = errors = done = 0
    while done < warm + measure:
        n = min(512, warm + measure - done)
        keys = [b"key:%07d" % (rnd.randrange(hot) if rnd.random() < 0.8
                               else hot + rnd.randrange(nkeys - hot)) for _ in range(n)]
        s.sendall(b"".join(resp(b"GET", k) for k in keys))
        missed = []
        for k in keys:
            line = f.readline()
            if line.startswith(b"$-1"):
                missed.append(k)
            else:
                f.read(int(line[1:]) + 2)
        if missed:
            s.sendall(b"".join(resp(b"SET", k, value) for k in missed))
            for _ in missed:
                errors += not f.readline().startswith(b"+OK")
        if done >= warm:
            counted += n
            hits += n - len(missed)
        done += n
    print("%.4f %d" % (hits / max(counted, 1), errors))

def oom_check(port):
    """With the cap reached under noeviction: how many new SETs are still
    taken before the OOM error (the room the loader's buffers left when it
    disconnected), whether the next ones all get it, and whether GET of an
    early key and DEL of another still work."""
    s, f = connect(port)
    taken = 0
    while taken < 100000:
        s.sendall(resp(b"SET", b"fresh:%d" % taken, b"v" * 200))
        if f.readline().startswith(b"-OOM command not allowed"):
            break
        taken += 1
    s.sendall(b"".join(resp(b"SET", b"more:%d" % i, b"v" * 200) for i in range(100)) +
              resp(b"GET", b"key:0000000") + resp(b"DEL", b"key:0000001"))
    oom = sum(f.readline().startswith(b"-OOM command not allowed") for _ in range(100))
    get = f.readline()
    if get.startswith(b"$") and not get.startswith(b"$-1"):
        f.read(int(get[1:]) + 2)
    dele = f.readline().strip()
    print("%d,OOM:%d/100,get:%s,del:%s" % (taken, oom, "ok" if get.startswith(b"$2") else "FAIL",
                                           "ok" if dele == b":1" else "FAIL"))

if __name__ == "__main__":
    c = sys.argv[1]
    if c == "gen":
        gen(int(sys.argv[2]), int(sys.argv[3]))
    elif c == "skew":
        skew(*[int(a) for a in sys.argv[2:8]])
    elif c == "oom-check":
        oom_check(int(sys.argv[2]))
EOF
}

mm_name() { [ "$1" = tc ] && echo tidecache || echo redis; }
peak_rss_bytes() { awk '/^VmHWM:/ {print $2 * 1024}' "/proc/$1/status"; }
stat_field() { redis-cli -p "$1" info stats | tr -d '\r' | awk -F: -v f="$2" '$1 == f {print $2}'; }

# Load the fill file through redis-cli --pipe; prints "errors replies".
mm_load() { # port
    { redis-cli -p "$1" --pipe <"$work/fill.resp" 2>&1 || true; } |
        sed -n 's/.*errors: \([0-9]*\), replies: \([0-9]*\).*/\1 \2/p'
}

maxmemory() {
    : "${MM_CAP:=64mb}" "${MM_FILL_MB:=450}" "${MM_VALUE:=200}" "${MM_WARM:=2000000}" \
        "${MM_MEASURE:=2000000}"
    local cap fill_keys hot_keys
    cap=$(awk -v c="$MM_CAP" 'BEGIN {n = c + 0; u = tolower(c); sub(/^[0-9.]+/, "", u);
        m = (u ~ /^g/) ? 1073741824 : (u ~ /^m/) ? 1048576 : (u ~ /^k/) ? 1024 : 1; printf "%d", n * m}')
    fill_keys=$((MM_FILL_MB * 1000000 / MM_VALUE))
    hot_keys=$((3 * cap / MM_VALUE))
    start_servers
    write_mm_tool
    python3 "$work/mm.py" gen "$fill_keys" "$MM_VALUE" >"$work/fill.resp"
    for port in "$tc_port" "$rd_port"; do
        redis-cli -p "$port" config set maxmemory "$cap" maxmemory-policy allkeys-lru >/dev/null
    done
    echo "1. allkeys-lru, cap $MM_CAP: $fill_keys SETs of $MM_VALUE-byte values through redis-cli --pipe"
    printf '%-10s %8s %10s %10s %12s %10s %12s %10s\n' server errors keys_kept evicted \
        used_memory_MB rss_MB rss/cap peak/cap
    local keys_tc keys_rd
    for srv in tc rd; do
        local port pid res keys rss
        [ $srv = tc ] && { port=$tc_port; pid=$tc_pid; } || { port=$rd_port; pid=$rd_pid; }
        res=$(mm_load "$port")
        sleep 2
        keys=$(redis-cli -p "$port" dbsize)
        rss=$(rss_bytes "$pid")
        [ $srv = tc ] && keys_tc=$keys || keys_rd=$keys
        awk -v s="$(mm_name $srv)" -v e="${res% *}" -v k="$keys" -v ev="$(stat_field "$port" evicted_keys)" \
            -v u="$(info_field "$port" used_memory)" -v r="$rss" -v p="$(peak_rss_bytes "$pid")" -v c="$cap" \
            'BEGIN {printf "%-10s %8s %10d %10d %12.1f %10.1f %12.3f %10.3f\n", s, e, k, ev, u/1048576, r/1048576, r/c, p/c}'
    done
    awk -v a="$keys_tc" -v b="$keys_rd" 'BEGIN {printf "keys kept, tidecache/redis: %.2f\n", a/b}'

    echo
    echo "2. hit rate, cache-aside GET/SET: $hot_keys keys ($MM_VALUE-byte values, 3x the cap),"
    echo "   20% of them get 80% of the reads; $MM_WARM requests to warm up, then $MM_MEASURE measured"
    printf '%-13s %14s %14s %8s\n' policy tidecache_hits redis_hits ratio
    for policy in allkeys-lru allkeys-lfu; do
        local r_tc r_rd
        for srv in tc rd; do
            local port r
            [ $srv = tc ] && port=$tc_port || port=$rd_port
            redis-cli -p "$port" flushall >/dev/null
            redis-cli -p "$port" config set maxmemory-policy "$policy" >/dev/null
            r=$(python3 "$work/mm.py" skew "$port" "$hot_keys" "$MM_WARM" "$MM_MEASURE" "$MM_VALUE" 7)
            [ "${r#* }" = 0 ] || echo "$(mm_name $srv): ${r#* } SETs failed" >&2
            [ $srv = tc ] && r_tc=${r% *} || r_rd=${r% *}
        done
        awk -v p="$policy" -v a="$r_tc" -v b="$r_rd" 'BEGIN {printf "%-13s %14.4f %14.4f %8.3f\n", p, a, b, a/b}'
    done

    echo
    echo "3. noeviction, cap $MM_CAP: the same $fill_keys SETs"
    printf '%-10s %8s %10s %10s %10s  %s\n' server errors keys used_MB rss/cap \
        "then: new SETs taken, OOM of 100 more, GET, DEL"
    for srv in tc rd; do
        local port pid res
        [ $srv = tc ] && { port=$tc_port; pid=$tc_pid; } || { port=$rd_port; pid=$rd_pid; }
        redis-cli -p "$port" flushall >/dev/null
        redis-cli -p "$port" config set maxmemory-policy noeviction >/dev/null
        sleep 2
        res=$(mm_load "$port")
        sleep 2
        awk -v s="$(mm_name $srv)" -v e="${res% *}" -v k="$(redis-cli -p "$port" dbsize)" \
            -v u="$(info_field "$port" used_memory)" -v r="$(rss_bytes "$pid")" -v c="$cap" \
            -v o="$(python3 "$work/mm.py" oom-check "$port")" \
            'BEGIN {printf "%-10s %8s %10d %10.1f %10.3f  %s\n", s, e, k, u/1048576, r/c, o}'
    done
    echo "(RSS from /proc/PID/status VmRSS 2 s after the load; peak: VmHWM over the whole run so far)"
}

# The scripts of the scripting mode. A lock's release: delete the key only
# while it still holds the caller's token (what lock libraries send on
# release), and a read-modify-write of three commands (a counter with an
# expiry, what rate limiters and counters send).
RELEASE_SCRIPT="if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end"
RMW_SCRIPT="local n = tonumber(redis.call('get', KEYS[1]) or '0') + 1 redis.call('set', KEYS[1], n) return redis.call('pexpire', KEYS[1], 60000)"

# EVALSHA of the two scripts above, pipeline 1 and 16, random keys. Half
# of the release calls find their key holding the token (a SET beforehand
# fills the keyspace with it).
scripting() {
    start_servers
    local tc_release tc_rmw rd_release rd_rmw
    tc_release=$(redis-cli -p "$tc_port" script load "$RELEASE_SCRIPT")
    tc_rmw=$(redis-cli -p "$tc_port" script load "$RMW_SCRIPT")
    rd_release=$(redis-cli -p "$rd_port" script load "$RELEASE_SCRIPT")
    rd_rmw=$(redis-cli -p "$rd_port" script load "$RMW_SCRIPT")
    [ "$tc_release" = "$rd_release" ] && [ "$tc_rmw" = "$rd_rmw" ] ||
        { echo "SHA-1 of the scripts differ between the servers" >&2; exit 1; }
    rate_header script
    for pipeline in 1 16; do
        local n=$REQUESTS
        [ "$pipeline" -gt 1 ] && n=$((REQUESTS * 10))
        for script in release rmw; do
            local sha=$tc_release
            [ "$script" = rmw ] && sha=$tc_rmw
            : >"$work/tc" && : >"$work/rd"
            for _ in $(seq 1 "$ROUNDS"); do
                for srv in tc rd; do
                    local port=$tc_port pid=$tc_pid
                    [ "$srv" = rd ] && port=$rd_port && pid=$rd_pid
                    [ "$script" = release ] && redis-benchmark -p "$port" -c "$CLIENTS" \
                        -n "$KEYSPACE" -r "$((KEYSPACE * 2))" -q \
                        set "release:__rand_int__" token >/dev/null 2>&1
                    run_one "$port" "$pid" "$pipeline" "$n" evalsha "$sha" 1 \
                        "$script:__rand_int__" token >>"$work/$srv"
                done
            done
            rate_row "$script" "$pipeline"
        done
    done
    echo "(medians of $ROUNDS rounds; ratio = tidecache/redis; CPU from /proc/PID/stat)"
}

case "$mode" in
throughput) throughput ;;
scripting) scripting ;;
types) types ;;
memory) memory ;;
expiry) expiry ;;
expiry-lag) expiry_lag ;;
latency) latency ;;
maxmemory) maxmemory ;;
*) echo "usage: $0 [throughput|scripting|types|memory|expiry|expiry-lag|latency|maxmemory]" >&2
    exit 2 ;;
esac
