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
#   scripts/bench.sh fieldexpiry   tidecache alone (Redis 7.0 has no HEXPIRE):
#                                  FE_HASHES hashes of FE_KEEP_FIELDS fields
#                                  and FE_TTL_FIELDS fields that all expire
#                                  at once FE_TTL_MS after their HPEXPIREAT
#                                  pipeline ends: how long until 99% and 100%
#                                  are gone, used_memory before/at peak/after,
#                                  request latency meanwhile; PASS/FAIL against
#                                  the goal
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
# (1000000), TC_BIN (a tidecache binary to use instead of building one);
# FE_HASHES (100000), FE_TTL_FIELDS (10), FE_KEEP_FIELDS (10), FE_TTL_MS
# (1000), FE_TIMEOUT (seconds to wait for reclaiming, 10), FE_GOAL_MS (1000)
# and FE_MAX_LAT_MS (2), the fieldexpiry goal.
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

start_tidecache() {
    tc_port=$(free_port)
    "$TC_BIN" --port "$tc_port" --bind 127.0.0.1 --logfile "$work/tc.log" &
    tc_pid=$!
    pids+=("$tc_pid")
    wait_ready "$tc_port"
}

start_servers() {
    start_tidecache
    rd_port=$(free_port)
    redis-server --port "$rd_port" --bind 127.0.0.1 --save "" --appendonly no \
        --logfile "$work/redis.log" --dir "$work" &
    rd_pid=$!
    pids+=("$rd_pid")
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
import math, signal, socket, subprocess, sys, threading, time

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

# The fieldexpiry mode: hashes whose fields carry TTLs of their own.

def gen_fields(prefix, count, fields, name):
    """HSET prefix%07d with `fields` fields name%07d (16-byte values) for
    count keys, as RESP."""
    body = b"".join(bulk(b"%s%07d" % (name.encode(), j)) + bulk(b"v%015d" % j)
                    for j in range(fields))
    head = b"*%d\r\n$4\r\nHSET\r\n" % (2 + 2 * fields)
    emit((head + bulk(b"%s%07d" % (prefix.encode(), i)) + body for i in range(count)),
         batch=4000)

def reply(c):
    """One whole RESP2 reply read from client c: str for a status or an
    error, int, bytes or None for a bulk string, list for an array."""
    l = c.line()
    kind, rest = l[:1], l[1:]
    if kind in (b"+", b"-"):
        return l.decode()
    if kind == b":":
        return int(rest)
    if kind == b"$":
        n = int(rest)
        if n < 0:
            return None
        while len(c.buf) < n + 2:
            chunk = c.s.recv(65536)
            if not chunk:
                raise ConnectionError("connection closed in a reply")
            c.buf += chunk
        v, c.buf = c.buf[:n], c.buf[n + 2:]
        return v
    if kind == b"*":
        n = int(rest)
        return None if n < 0 else [reply(c) for _ in range(n)]
    raise ValueError("not a RESP reply: %r" % l)

def call(c, *args):
    """Send one command on client c and return its whole reply."""
    c.s.sendall(b"*%d\r\n" % len(args) + b"".join(
        bulk(a.encode() if isinstance(a, str) else a) for a in args))
    return reply(c)

def info(c, section):
    """INFO section as a dict of its name:value lines."""
    text = call(c, "INFO", section).decode()
    return dict(l.split(":", 1) for l in text.split("\r\n") if ":" in l and not l.startswith("#"))

def pipeline(c, payload, lines, timeout_s):
    """Send payload on client c while a thread reads the replies, until they
    make `lines` lines (the replies here are integers and arrays of
    integers: a line for each integer and each array header); return
    their bytes. A reader that drains
    while the writer writes keeps a server that stops reading a client
    whose replies pile up from stalling the pipeline."""
    got = []

    def read():
        chunks, n = [c.buf], c.buf.count(b"\n")
        deadline = time.time() + timeout_s
        try:
            while n < lines and time.time() < deadline:
                chunk = c.s.recv(1 << 20)
                if not chunk:
                    break
                chunks.append(chunk)
                n += chunk.count(b"\n")
        except OSError:
            pass
        got.append(b"".join(chunks))

    c.s.settimeout(timeout_s)
    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    c.s.sendall(payload)
    reader.join(timeout_s)
    c.s.settimeout(None)
    data = got[0] if got else b""
    c.buf = b""
    if data.count(b"\n") != lines:
        first = next((l for l in data.split(b"\r\n") if l.startswith(b"-")), data[:80])
        raise RuntimeError("pipeline: %d of %d reply lines within %d s (%r)"
                           % (data.count(b"\n"), lines, timeout_s, first))
    return data

def set_field_ttls(c, prefix, count, fields, name, ttl_ms):
    """HPEXPIREAT prefix%07d DUE FIELDS n name%07d... for count hashes in
    one pipeline, DUE the same for every field: ttl_ms after the moment the
    pipeline is expected to end. The expectation comes from a first
    pipeline over 1% of the hashes (their TTLs set an hour ahead, then set
    again to DUE by the second): its rate, with half as much again for
    safety. Returns the start of the second pipeline, DUE and its end in ms
    since the epoch, and how many fields did not answer 1 (TTL set)."""
    hole = b"#" * 13                    # DUE, written in once it is known
    names = b"".join(bulk(b"%s%07d" % (name.encode(), j)) for j in range(fields))
    head = b"*%d\r\n$10\r\nHPEXPIREAT\r\n" % (5 + fields)
    tail = b"$13\r\n" + hole + b"\r\n$6\r\nFIELDS\r\n" + bulk(b"%d" % fields) + names

    def payload(n, due):
        return b"".join(head + bulk(b"%s%07d" % (prefix.encode(), i)) + tail
                        for i in range(n)).replace(hole, b"%013d" % due)

    first = max(1, count // 100)
    trial = payload(first, int(now_ms()) + 3600 * 1000)
    t0 = now_ms()
    pipeline(c, trial, first * (fields + 1), 60)
    expect = (now_ms() - t0) * count / first * 1.5
    start = now_ms()
    due = int(start + expect) + ttl_ms
    data = pipeline(c, payload(count, due), count * (fields + 1), 60)
    end = now_ms()
    return start, due, end, count * fields - data.count(b":1\r\n")

def percentile(sorted_values, q):
    """The nearest-rank q-quantile of an ascending list (0 when empty)."""
    if not sorted_values:
        return 0.0
    return sorted_values[max(0, math.ceil(round(q * len(sorted_values), 9)) - 1)]

def fe_probe(port, hashes, keep, due_ms, bound_s):
    """One client, one request at a time: HGET of a persistent field of a
    random hash and GET of a string in turn, until SIGUSR1 or bound_s.
    After 200 ms of warm-up, each latency falls into the window before
    due_ms or the one from it on.
    Prints, per window: requests, p50, p99.9 and max in ms, and how many
    took over 2 ms; for the second, also when its worst one was sent (ms
    after due_ms) and how many replies were not the value."""
    import gc, random
    gc.disable()                        # no collector pauses in the figures
    stop = []
    signal.signal(signal.SIGUSR1, lambda *_: stop.append(1))
    c = Client(port)
    rnd = random.Random(7)
    get = b"*2\r\n$3\r\nGET\r\n" + bulk(b"fe:string")
    windows = ([], [])
    worst, worst_at, errors = 0.0, 0.0, 0
    print("ready", flush=True)
    end = time.time() + bound_s
    warm = now_ms() + 200               # the first requests are not counted
    i = 0
    while not stop and time.time() < end:
        if i & 1:
            req = get
        else:
            req = (b"*3\r\n$4\r\nHGET\r\n" + bulk(b"fe:%07d" % rnd.randrange(hashes))
                   + bulk(b"k%07d" % rnd.randrange(keep)))
        i += 1
        sent = now_ms()
        t0 = time.perf_counter()
        c.s.sendall(req)
        v = reply(c)
        ms = (time.perf_counter() - t0) * 1000.0
        if sent < warm:
            continue
        during = sent >= due_ms
        windows[during].append(ms)
        if during:
            errors += not isinstance(v, bytes)
            if ms > worst:
                worst, worst_at = ms, sent - due_ms
    for name, w in zip(("before", "during"), windows):
        w.sort()
        line = "%s %d %.3f %.3f %.3f %d" % (name, len(w), percentile(w, 0.5), percentile(w, 0.999),
                                            w[-1] if w else 0.0, sum(1 for x in w if x > 2.0))
        if name == "during":
            line += " %.0f %d" % (worst_at, errors)
        print(line)

def fe_run(port, hashes, ttl_fields, keep, ttl_ms, used_before, timeout_s):
    """The fieldexpiry measurement, on hashes fe:%07d already holding keep
    fields k%07d and ttl_fields fields t%07d: give the t fields one common
    expiry (set_field_ttls), start fe_probe, and poll INFO stats and INFO
    memory every 10 ms until every t field is counted in expired_subkeys
    and used_memory is back within 5% of the growth above used_before, or
    timeout_s after the expiry. Then stop the probe and count HLEN over all
    hashes. Prints `name value` lines (read by fieldexpiry() in bench.sh)."""
    c = Client(port)
    probe_ttl = call(c, "HPEXPIRETIME", "fe:0000000", "FIELDS", "1", "t0000000")
    if probe_ttl != [-1]:
        sys.exit("HPEXPIRETIME fe:0000000 FIELDS 1 t0000000 answered %r, not [-1]: "
                 "no hash field expiry here" % (probe_ttl,))
    call(c, "SET", "fe:string", VALUE)
    stats = info(c, "stats")
    if "expired_subkeys" not in stats:
        sys.exit("INFO stats has no expired_subkeys")
    base = int(stats["expired_subkeys"])
    start, due, end, not_set = set_field_ttls(c, "fe:", hashes, ttl_fields, "t", ttl_ms)
    peak = used_at_due = int(info(c, "memory")["used_memory"])
    probe = subprocess.Popen([sys.executable, __file__, "fe-probe", str(port), str(hashes),
                              str(keep), "%d" % due, str(timeout_s + 30)],
                             stdout=subprocess.PIPE, text=True)
    probe.stdout.readline()
    total = hashes * ttl_fields - not_set
    mem_goal = used_before + (used_at_due - used_before) * 0.05
    lag50 = lag99 = lag100 = mem_back = None
    gone = 0
    deadline = due / 1000.0 + timeout_s
    while time.time() < deadline:
        gone = int(info(c, "stats")["expired_subkeys"]) - base
        used = int(info(c, "memory")["used_memory"])
        t = now_ms() - due
        peak = max(peak, used)
        if lag50 is None and gone >= total - total // 2:
            lag50 = t
        if lag99 is None and total - gone <= total // 100:
            lag99 = t
        if lag100 is None and gone >= total:
            lag100 = t
        if mem_back is None and used <= mem_goal:
            mem_back = t
        if lag100 is not None and mem_back is not None:
            break
        time.sleep(0.01)
    time.sleep(0.2)                     # the probe goes on past the reclaim
    probe.send_signal(signal.SIGUSR1)
    probe_out = probe.communicate(timeout=30)[0]
    data = pipeline(c, b"".join(b"*2\r\n$4\r\nHLEN\r\n" + bulk(b"fe:%07d" % i)
                                for i in range(hashes)), hashes, 60)
    lens = [int(l[1:]) for l in data.split(b"\r\n")[:-1]]
    fmt = lambda v: "%.0f" % v if v is not None else ">%d" % (timeout_s * 1000)
    print("set_ms %.0f" % (end - start))
    print("headroom_ms %.0f" % (due - end))
    print("not_set %d" % not_set)
    print("used_at_due %d" % used_at_due)
    print("used_peak %d" % peak)
    print("expired %d" % gone)
    print("lag50_ms %s" % fmt(lag50))
    print("lag99_ms %s" % fmt(lag99))
    print("lag100_ms %s" % fmt(lag100))
    print("mem_back_ms %s" % fmt(mem_back))
    print("hlen_sum %d" % sum(lens))
    print("hashes_off %d" % sum(1 for n in lens if n != keep))
    for l in probe_out.splitlines():
        w = l.split()
        keys = ["n", "p50", "p999", "max", "over2"] + (["worst_at", "errors"] if w[0] == "during" else [])
        for k, v in zip(keys, w[1:]):
            print("%s_%s %s" % (w[0], k, v))

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
    elif cmd == "gen-fields":
        gen_fields(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5])
    elif cmd == "fe-probe":
        fe_probe(int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), float(sys.argv[5]),
                 float(sys.argv[6]))
    elif cmd == "fe-run":
        fe_run(*[int(a) for a in sys.argv[2:9]])
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

# fieldexpiry mode: hash field expiry, tidecache alone (Debian's Redis 7.0
# has no HEXPIRE family, so there is nothing to set side by side). The goal:
# FE_HASHES hashes, each with FE_KEEP_FIELDS persistent fields and
# FE_TTL_FIELDS fields with a TTL of FE_TTL_MS; 99% of the TTL fields gone
# (expired_subkeys, then HLEN and used_memory) within FE_GOAL_MS (1000) of
# their expiry, and no request slower than FE_MAX_LAT_MS (2) meanwhile.
# ROUNDS rounds, each on a newly started server:
#  1. HSET the persistent fields k%07d (16-byte values) through redis-cli
#     --pipe; used_memory "before" 2 s later. HSET the TTL fields t%07d the
#     same way.
#  2. HPEXPIREAT fe:%07d DUE FIELDS n t... for every hash in one pipeline,
#     DUE one absolute time for all: FE_TTL_MS after the pipeline's expected
#     end (1.5 times what the same pipeline over 1% of the hashes predicts).
#     A relative HPEXPIRE would spread the expiries over the time the
#     pipeline takes (about as long as FE_TTL_MS at the default sizes), so
#     the first fields would be due before the last were set; with one DUE
#     every field expires at the same instant (the hardest case for the
#     server) and every lag counts from it. The pipeline must end well
#     before DUE: its time and the headroom left are printed, and a
#     headroom under a fifth of FE_TTL_MS marks the round as not valid.
#  3. From the end of the pipeline: one client sends HGET of a persistent
#     field of a random hash and GET of a string in turn, one request at a
#     time (after 200 ms of warm-up, its latencies before DUE are the
#     baseline), while INFO stats (expired_subkeys) and INFO memory
#     (used_memory) are polled every 10 ms until every TTL field is counted
#     and used_memory is back within 5% of the growth, or FE_TIMEOUT s after
#     DUE.
#  4. HLEN of every hash, pipelined: the sum must be FE_HASHES x
#     FE_KEEP_FIELDS. used_memory "after" 1 s later.
# The goal is a bound, so every round must meet it. Verdicts are printed;
# the exit status is 0 whatever they are.
fieldexpiry() {
    : "${FE_HASHES:=100000}" "${FE_TTL_FIELDS:=10}" "${FE_KEEP_FIELDS:=10}" "${FE_TTL_MS:=1000}" \
        "${FE_TIMEOUT:=10}" "${FE_GOAL_MS:=1000}" "${FE_MAX_LAT_MS:=2}"
    write_tool
    local round out used0 ttl_total=$((FE_HASHES * FE_TTL_FIELDS)) verdicts=0 failed=0
    echo "fieldexpiry: tidecache alone; $FE_HASHES hashes x ($FE_KEEP_FIELDS persistent fields +" \
        "$FE_TTL_FIELDS fields expiring together $FE_TTL_MS ms after their HPEXPIREAT pipeline)," \
        "$ROUNDS rounds"
    for round in $(seq 1 "$ROUNDS"); do
        if [ "$round" -gt 1 ]; then
            kill "$tc_pid" 2>/dev/null || true
            wait "$tc_pid" 2>/dev/null || true
        fi
        start_tidecache
        out=$(tool gen-fields fe: "$FE_HASHES" "$FE_KEEP_FIELDS" k | redis-cli -p "$tc_port" --pipe 2>&1)
        grep -q "errors: 0, replies: $FE_HASHES" <<<"$out" || { echo "load failed: $out" >&2; return 1; }
        sleep 2 # the tables finish resizing in the background
        used0=$(info_field "$tc_port" used_memory)
        out=$(tool gen-fields fe: "$FE_HASHES" "$FE_TTL_FIELDS" t | redis-cli -p "$tc_port" --pipe 2>&1)
        grep -q "errors: 0, replies: $FE_HASHES" <<<"$out" || { echo "load failed: $out" >&2; return 1; }
        sleep 1
        tool fe-run "$tc_port" "$FE_HASHES" "$FE_TTL_FIELDS" "$FE_KEEP_FIELDS" "$FE_TTL_MS" "$used0" \
            "$FE_TIMEOUT" >"$work/fe.$round" || { echo "fieldexpiry: the measurement failed" >&2; return 1; }
        sleep 1
        { echo "used_before $used0"; echo "used_after $(info_field "$tc_port" used_memory)"; } >>"$work/fe.$round"
    done
    # fe ROUND NAME: a figure of a round; fe_all NAME: that figure of every
    # round, comma-separated.
    fe() { awk -v k="$2" '$1 == k {print $2}' "$work/fe.$1"; }
    fe_all() { for round in $(seq 1 "$ROUNDS"); do fe "$round" "$1"; done | paste -sd, - | sed 's/,/, /g'; }

    printf '%-6s %14s %12s %16s %9s %9s %9s %20s %10s %11s\n' round hpexpireat_ms headroom_ms \
        expired_subkeys 50%_ms 99%_ms all_ms used_memory_back_ms hlen_sum hashes_off
    for round in $(seq 1 "$ROUNDS"); do
        printf '%-6s %14s %12s %16s %9s %9s %9s %20s %10s %11s\n' "$round" "$(fe "$round" set_ms)" \
            "$(fe "$round" headroom_ms)" "$(fe "$round" expired)" "$(fe "$round" lag50_ms)" \
            "$(fe "$round" lag99_ms)" "$(fe "$round" lag100_ms)" "$(fe "$round" mem_back_ms)" \
            "$(fe "$round" hlen_sum)" "$(fe "$round" hashes_off)"
    done
    printf '%-6s %12s %12s %12s %16s %10s\n' round before_MB peak_MB after_MB B/ttl_field returned
    for round in $(seq 1 "$ROUNDS"); do
        awk -v r="$round" -v a="$(fe "$round" used_before)" -v p="$(fe "$round" used_peak)" \
            -v d="$(fe "$round" used_at_due)" -v b="$(fe "$round" used_after)" -v n="$ttl_total" \
            'BEGIN {printf "%-6s %12.1f %12.1f %12.1f %16.1f %9.1f%%\n", r, a/1048576, p/1048576,
                    b/1048576, (d-a)/n, (p > a) ? 100*(p-b)/(p-a) : 0}'
    done
    printf '%-6s %-12s %10s %9s %10s %9s %9s %16s\n' round window requests p50_ms p99.9_ms max_ms \
        over_2ms worst_sent_at_ms
    for round in $(seq 1 "$ROUNDS"); do
        printf '%-6s %-12s %10s %9s %10s %9s %9s %16s\n' "$round" "before due" "$(fe "$round" before_n)" \
            "$(fe "$round" before_p50)" "$(fe "$round" before_p999)" "$(fe "$round" before_max)" \
            "$(fe "$round" before_over2)" ""
        printf '%-6s %-12s %10s %9s %10s %9s %9s %16s\n' "" "from due on" "$(fe "$round" during_n)" \
            "$(fe "$round" during_p50)" "$(fe "$round" during_p999)" "$(fe "$round" during_max)" \
            "$(fe "$round" during_over2)" "$(fe "$round" during_worst_at)"
    done

    verdict() { # holds(0/1) text
        verdicts=$((verdicts + 1))
        if [ "$1" = 1 ]; then echo "PASS  $2"; else echo "FAIL  $2"; failed=$((failed + 1)); fi
    }
    # every ROUND_FIGURES AWK_CONDITION: 1 when the condition holds for the
    # figure v of every round (a figure ">N" is a timeout), else 0.
    every() { tr -d ' ' <<<"$1" | tr , '\n' | awk -v g="$FE_GOAL_MS" -v m="$FE_MAX_LAT_MS" \
        -v t="$FE_TTL_MS" "{v = \$1; if (!($2)) bad = 1} END {print bad ? 0 : 1}"; }
    local headroom not_set lag99 lag100 lat_max lat_p999 hlen errors mem_back base_max
    headroom=$(fe_all headroom_ms) not_set=$(fe_all not_set) lag99=$(fe_all lag99_ms)
    lag100=$(fe_all lag100_ms) lat_max=$(fe_all during_max) lat_p999=$(fe_all during_p999)
    hlen=$(fe_all hlen_sum) errors=$(fe_all during_errors) mem_back=$(fe_all mem_back_ms)
    base_max=$(fe_all before_max)
    echo "verdicts, every round ($ROUNDS):"
    verdict "$(($(every "$headroom" 'v >= t / 5') & $(every "$not_set" 'v == 0')))" \
        "valid: every TTL set ($not_set not set), due still >= $((FE_TTL_MS / 5)) ms away when set ($headroom ms)"
    verdict "$(every "$lag99" 'v !~ /^>/ && v <= g')" \
        "99% of the TTL fields gone within $FE_GOAL_MS ms of due ($lag99 ms; all: $lag100 ms)"
    verdict "$(every "$lat_max" 'v <= m')" \
        "no request slower than $FE_MAX_LAT_MS ms from due until the reclaim (max $lat_max ms; p99.9 $lat_p999 ms)"
    verdict "$(($(every "$hlen" "v == $((FE_HASHES * FE_KEEP_FIELDS))") & $(every "$errors" 'v == 0')))" \
        "HLEN sum = $FE_HASHES x $FE_KEEP_FIELDS ($hlen), persistent fields all readable"
    verdict "$(every "$mem_back" 'v !~ /^>/ && v <= g')" \
        "used_memory back within 5% of the growth within $FE_GOAL_MS ms of due ($mem_back ms)"
    if [ "$failed" -eq 0 ]; then
        echo "fieldexpiry: PASS ($verdicts of $verdicts)"
    else
        echo "fieldexpiry: FAIL ($failed of $verdicts failed)"
    fi
    [ "$(every "$base_max" 'v <= m')" = 1 ] ||
        echo "(before due, with nothing expiring, requests also took up to $base_max ms: the" \
            "machine's own stalls are in the max too)"
    echo "(used_memory from INFO memory: before = the persistent fields only, peak = the most"
    echo " seen with the TTL fields set, after = 1 s after the HLEN count; B/ttl_field = growth"
    echo " up to due per TTL field; latency: one client, one request at a time, in ms; lags in"
    echo " ms after due, polled every 10 ms)"
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
fieldexpiry) fieldexpiry ;;
*) echo "usage: $0 [throughput|scripting|types|memory|expiry|expiry-lag|latency|maxmemory|fieldexpiry]" >&2
    exit 2 ;;
esac
