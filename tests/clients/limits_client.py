#!/usr/bin/python3
"""The `limits` rate limiting library (Debian's python3-limits) against tidecache.

usage: limits_client.py PORT

Uses limits.storage.storage_from_string("redis://127.0.0.1:PORT") with its
defaults, the way a web framework's rate limiter does:
  - fixed window: the Redis storage counts hits with a Lua script
    (INCRBY, and EXPIRE when the window opens), registered with redis-py's
    register_script; hits are allowed up to the limit and refused after it,
    identifiers are counted apart, cost= counts several hits, the window
    stats report what is left and when the window resets, clear() resets a
    limit, and a window that expires lets hits through again; also after
    SCRIPT FLUSH (the script reloads itself);
  - fixed window with elastic expiry (INCRBY + EXPIRE without a script);
  - storage.reset(): a Lua script that runs KEYS LIMITER* and DELs them;
  - moving window: the storage keeps a list per limit (LPUSH/LTRIM/LINDEX
    and LRANGE in its scripts). It runs only when the server has lists
    (LLEN is a known command); otherwise it says it skipped.
Prints one line per check; exits 1 at the first failure.
"""

import sys
import time

import limits
import redis
from limits import RateLimitItemPerMinute, RateLimitItemPerSecond, parse
from limits.storage import storage_from_string
from limits.strategies import (FixedWindowElasticExpiryRateLimiter, FixedWindowRateLimiter,
                               MovingWindowRateLimiter)

from checks import HOST, check, check_true, ok, port_argument, run, wait_until

WINDOW_WAIT_S = 5.0             # bound on waiting for a 1 s window to end
POLL_STEP_S = 0.05


def hits(limiter, item, ident, count):
    return [limiter.hit(item, ident) for _ in range(count)]


def wait_until_allowed(limiter, item, ident, what):
    """Poll test() until the window lets a hit through again (bounded)."""
    wait_until(lambda: limiter.test(item, ident), WINDOW_WAIT_S, POLL_STEP_S,
               f"{what}: still limited {WINDOW_WAIT_S} s into a 1 s window")


def check_fixed_window(storage, raw):
    limiter = FixedWindowRateLimiter(storage)
    per_min = RateLimitItemPerMinute(5)
    check("5 hits within a limit of 5/minute are allowed", hits(limiter, per_min, "alice", 5), [True] * 5)
    check("the 6th hit is refused", limiter.hit(per_min, "alice"), False)
    check("test() says limited", limiter.test(per_min, "alice"), False)
    key = per_min.key_for("alice")
    check("the counter key holds the hits (refused ones too)", raw.get(key), b"6")
    ttl = raw.ttl(key)
    check_true("the counter expires with the window", 58 <= ttl <= 60, f"TTL {ttl!r}")
    reset, remaining = limiter.get_window_stats(per_min, "alice")
    check("window stats: remaining", remaining, 0)
    check_true("window stats: reset about a minute ahead", 55 <= reset - time.time() <= 61,
               f"reset in {reset - time.time():.1f} s")
    check("another identifier is counted apart", limiter.hit(per_min, "bob"), True)
    check("... and has 4 left", limiter.get_window_stats(per_min, "bob")[1], 4)
    limiter.clear(per_min, "alice")
    check("after clear() alice may hit again", limiter.hit(per_min, "alice"), True)
    check("... with 4 left", limiter.get_window_stats(per_min, "alice")[1], 4)

    costly = parse("10/minute")
    check("hit with cost=7 within 10/minute", limiter.hit(costly, "carol", cost=7), True)
    check("hit with cost=3 reaches the limit", limiter.hit(costly, "carol", cost=3), True)
    check("hit with cost=1 over the limit", limiter.hit(costly, "carol", cost=1), False)

    per_sec = RateLimitItemPerSecond(3, 1)
    check("3 hits within 3/second", hits(limiter, per_sec, "dave", 3), [True] * 3)
    check("the 4th is refused", limiter.hit(per_sec, "dave"), False)
    wait_until_allowed(limiter, per_sec, "dave", "fixed window 3/second")
    ok("the 1 s window expired and reset the count")
    check("hits are allowed again after the window", hits(limiter, per_sec, "dave", 3), [True] * 3)
    check("... up to the limit", limiter.hit(per_sec, "dave"), False)

    check("SCRIPT FLUSH", raw.script_flush(), True)
    check("a hit after SCRIPT FLUSH (the script reloads itself)", limiter.hit(per_min, "erin"), True)
    check("... and counts", limiter.get_window_stats(per_min, "erin")[1], 4)


def check_elastic(storage, raw):
    limiter = FixedWindowElasticExpiryRateLimiter(storage)
    item = RateLimitItemPerSecond(2, 1)
    check("elastic: 2 hits within 2/second", hits(limiter, item, "frank", 2), [True, True])
    check("elastic: the 3rd is refused", limiter.hit(item, "frank"), False)
    pttl = raw.pttl(item.key_for("frank"))
    check_true("elastic: each hit renews the window", 0 < pttl <= 1000, f"PTTL {pttl!r}")
    wait_until_allowed(limiter, item, "frank", "elastic window 2/second")
    check("elastic: allowed again once the window expired", limiter.hit(item, "frank"), True)


def check_reset(storage, raw):
    limiter = FixedWindowRateLimiter(storage)
    for who in ("r1", "r2", "r3"):
        limiter.hit(RateLimitItemPerMinute(1), who)
    raw.set("unrelated", "stays")
    present = len(raw.keys("LIMITER*"))
    check_true("there are LIMITER keys before reset()", present >= 3, f"{present} keys")
    check("storage.reset() deletes every LIMITER key and counts them", storage.reset(), present)
    check("no LIMITER key is left", raw.keys("LIMITER*"), [])
    check("other keys stay", raw.get("unrelated"), b"stays")
    check("a limit starts afresh after reset()", limiter.hit(RateLimitItemPerMinute(1), "r1"), True)


def server_has_lists(raw):
    """True when LLEN is a command (a missing key answers 0); False when the
    server answers the unknown-command error."""
    try:
        check("LLEN of a missing key", raw.execute_command("LLEN", "limits:probe:none"), 0)
    except redis.ResponseError as err:
        if str(err).startswith("unknown command 'LLEN'") or str(err).startswith("unknown command 'llen'"):
            return False
        raise
    return True


def check_moving_window(storage, raw):
    if not server_has_lists(raw):
        print("skip moving window: the server has no list commands (LLEN is an unknown command), "
              "and limits keeps a moving window in a list (LPUSH/LTRIM/LINDEX/LRANGE)")
        return
    limiter = MovingWindowRateLimiter(storage)
    per_min = RateLimitItemPerMinute(4)
    check("moving: 4 hits within 4/minute", hits(limiter, per_min, "gina", 4), [True] * 4)
    check("moving: the 5th is refused", limiter.hit(per_min, "gina"), False)
    check("moving: test() says limited", limiter.test(per_min, "gina"), False)
    check("moving: window stats remaining", limiter.get_window_stats(per_min, "gina")[1], 0)
    check("moving: the list keeps one entry per allowed hit", raw.llen(per_min.key_for("gina")), 4)
    check("moving: cost=2 within 4/minute", limiter.hit(per_min, "hank", cost=2), True)
    check("moving: cost=3 more is refused", limiter.hit(per_min, "hank", cost=3), False)
    check("moving: 2 left", limiter.get_window_stats(per_min, "hank")[1], 2)
    per_sec = RateLimitItemPerSecond(2, 1)
    check("moving: 2 hits within 2/second", hits(limiter, per_sec, "ivy", 2), [True, True])
    check("moving: the 3rd is refused", limiter.hit(per_sec, "ivy"), False)
    wait_until_allowed(limiter, per_sec, "ivy", "moving window 2/second")
    check("moving: allowed again once the old hits left the window", limiter.hit(per_sec, "ivy"), True)


def run_all(storage, raw):
    check("the storage for redis:// is limits' RedisStorage", type(storage).__name__, "RedisStorage")
    check("storage.check()", storage.check(), True)
    check("FLUSHALL first", raw.flushall(), True)
    check_fixed_window(storage, raw)
    check_elastic(storage, raw)
    check_reset(storage, raw)
    check_moving_window(storage, raw)
    check("FLUSHALL at the end", raw.flushall(), True)


def main():
    port = port_argument(__doc__)
    print(f"limits {limits.__version__}, redis-py {redis.__version__}")
    storage = storage_from_string(f"redis://{HOST}:{port}")
    with redis.Redis(HOST, port) as raw:
        return run("limits", lambda: run_all(storage, raw), redis.RedisError)


if __name__ == "__main__":
    sys.exit(main())
