#!/usr/bin/python3
"""redis-py against tidecache with the library's default options.

usage: redis_py_client.py PORT [--protocol 3] [--handshake-only]

Connects with redis.Redis(host, port) (plus protocol=3 when asked and the
installed redis-py supports it), runs the commands an application's cache
layer uses and checks every result. Prints one line per check; exits 1 at the
first failure with what was expected and what came back.
"""

import sys

import redis

from checks import HOST, argument_parser, check, check_error, check_true, ok, run, wait_until

SCAN_KEYS = 300                 # keys written for the SCAN check
PIPELINE_SETS = 100             # SETs sent in one pipeline
EXPIRY_PX_MS = 200              # TTL of the key that must expire
EXPIRY_WAIT_S = 5.0             # bound on waiting for it to go
POLL_STEP_S = 0.02


def run_checks(r):
    check("PING", r.ping(), True)
    check("FLUSHALL first", r.flushall(), True)

    check("SET k v EX 100", r.set("k", "v", ex=100), True)
    ttl = r.ttl("k")
    check_true("TTL k", ttl in (99, 100), f"expected 99 or 100, got {ttl!r}")
    check("GET k", r.get("k"), b"v")
    check("GET missing", r.get("missing"), None)
    check("SET k2 v2 EX 100", r.set("k2", "v2", ex=100), True)
    check("MGET k missing k2", r.mget("k", "missing", "k2"), [b"v", None, b"v2"])

    binary = b"\x00\r\n\xff bytes $3\r\n"
    check("SET binary value", r.set("bin", binary, ex=100), True)
    check("GET binary value", r.get("bin"), binary)

    pipe = r.pipeline(transaction=False)
    for i in range(PIPELINE_SETS):
        pipe.set(f"p:{i}", f"value-{i}", ex=100)
    check(f"pipeline of {PIPELINE_SETS} SET EX", pipe.execute(), [True] * PIPELINE_SETS)
    check("MGET of pipelined keys", r.mget("p:0", "p:57", f"p:{PIPELINE_SETS - 1}"),
          [b"value-0", b"value-57", f"value-{PIPELINE_SETS - 1}".encode()])

    # The default pipeline is a MULTI/EXEC transaction.
    pipe = r.pipeline()
    pipe.set("tx:a", "1", ex=100).incr("tx:a").get("tx:a")
    check("transactional pipeline (MULTI/EXEC)", pipe.execute(), [True, 2, b"2"])

    # Optimistic locking: WATCH, then a change by another client aborts.
    other = redis.Redis(**r.connection_pool.connection_kwargs)
    with r.pipeline() as tx:
        tx.watch("tx:a")
        other.set("tx:a", "changed")
        tx.multi()
        tx.set("tx:a", "mine")
        try:
            tx.execute()
            check("WATCH aborts EXEC after a concurrent write", "executed", "WatchError")
        except redis.WatchError:
            pass
    check("value after the aborted transaction", r.get("tx:a"), b"changed")
    other.close()

    check("DEL k k2 missing", r.delete("k", "k2", "missing"), 2)
    check("DEL k again", r.delete("k"), 0)
    check("GET deleted k", r.get("k"), None)

    pipe = r.pipeline(transaction=False)
    for i in range(SCAN_KEYS):
        pipe.set(f"scan:{i}", "x", ex=100)
    pipe.execute()
    seen = set(r.scan_iter(match="scan:*", count=50))
    check(f"SCAN MATCH scan:* finds all {SCAN_KEYS} keys", seen,
          {f"scan:{i}".encode() for i in range(SCAN_KEYS)})
    everything = set(r.scan_iter())
    check("SCAN without MATCH finds every key", len(everything), SCAN_KEYS + PIPELINE_SETS + 2)  # + bin, tx:a

    check("INCR counter (new)", r.incr("counter"), 1)
    check("INCR counter", r.incr("counter"), 2)
    check("GET counter", r.get("counter"), b"2")
    r.set("text", "abc")
    check_error("INCR on a non-integer", redis.ResponseError, lambda: r.incr("text"),
                "value is not an integer or out of range")

    check("SET short PX 200", r.set("short", "v", px=EXPIRY_PX_MS), True)
    pttl = r.pttl("short")
    check_true("PTTL short", 0 < pttl <= EXPIRY_PX_MS, f"expected 1..{EXPIRY_PX_MS}, got {pttl!r}")
    wait_until(lambda: r.get("short") is None, EXPIRY_WAIT_S, POLL_STEP_S,
               f"key with PX {EXPIRY_PX_MS} still there after {EXPIRY_WAIT_S} s")
    ok("key with PX 200 expired")
    check("EXISTS expired key", r.exists("short"), 0)

    check("FLUSHALL", r.flushall(), True)
    check("DBSIZE after FLUSHALL", r.dbsize(), 0)
    check("GET after FLUSHALL", r.get("p:0"), None)


def run_handshake(r):
    check("PING", r.ping(), True)
    check("SET hs v", r.set("hs", "v"), True)
    check("GET hs", r.get("hs"), b"v")


def main():
    parser = argument_parser(__doc__)
    parser.add_argument("--protocol", type=int, default=None)
    parser.add_argument("--handshake-only", action="store_true",
                        help="connect, PING, SET, GET and stop (for the logging proxy)")
    args = parser.parse_args()

    print(f"redis-py {redis.__version__}")
    kwargs = {}
    if args.protocol is not None:
        kwargs["protocol"] = args.protocol
    try:
        r = redis.Redis(HOST, args.port, **kwargs)
    except TypeError as err:
        print(f"redis-py {redis.__version__} does not take protocol={args.protocol}: {err}")
        return 3
    with r:
        return run("redis-py", lambda: run_handshake(r) if args.handshake_only else run_checks(r),
                   redis.RedisError)


if __name__ == "__main__":
    sys.exit(main())
