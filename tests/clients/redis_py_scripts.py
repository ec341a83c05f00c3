#!/usr/bin/python3
"""redis-py's script users against tidecache: redis.lock.Lock and register_script.

usage: redis_py_scripts.py PORT

redis.lock.Lock acquires with SET NX PX and releases, extends and reacquires
with Lua scripts that redis-py registers with register_script (EVALSHA, and
SCRIPT LOAD when the server answers NOSCRIPT). This program uses the library
unchanged, with its default options, the way an application guards a
recompute:
  - acquire/release, blocking and non-blocking, a context manager;
  - mutual exclusion: threads doing a read-modify-write of a shared key under
    the lock lose no update and never overlap;
  - extend() (adding to the TTL and replacing it) and reacquire();
  - expiry: a lock with a short timeout can be taken by another holder once
    it has expired, and the first holder's release/extend/reacquire then
    raise LockNotOwnedError, as they do when the token was overwritten;
  - register_script: Script objects return what the Lua code returns, load
    themselves on first use and again after SCRIPT FLUSH, also inside
    pipelines (which check SCRIPT EXISTS and SCRIPT LOAD before sending).
Prints one line per check; exits 1 at the first failure.
"""

import hashlib
import sys
import threading
import time

import redis
from redis.exceptions import LockError, LockNotOwnedError, NoScriptError

from checks import (HOST, Occupancy, check, check_raises, check_true, ok, port_argument, run, run_threads,
                    wait_until)

LOCK_TIMEOUT_S = 10             # TTL of the locks that must not expire during a check
EXCLUSION_THREADS = 4           # threads competing for one lock
EXCLUSION_ROUNDS = 8            # critical sections per thread
EXCLUSION_HOLD_S = 0.005        # time spent inside the critical section
EXCLUSION_WAIT_S = 20           # bound on the whole exclusion check
SHORT_LOCK_S = 0.3              # timeout of the lock that must expire
BLOCK_WAIT_S = 0.25             # blocking_timeout of an acquire that must fail
EXPIRY_WAIT_S = 5.0             # bound on waiting for an expiry
POLL_STEP_S = 0.02


def timed_acquire(lock):
    """lock.acquire() and the seconds it took: (acquired, waited_s)."""
    started = time.monotonic()
    acquired = lock.acquire()
    return acquired, time.monotonic() - started


def token_of(lock):
    """The token redis-py stored for this thread (bytes), or None."""
    return lock.local.token


def check_acquire_release(r):
    lock = r.lock("lock:basic", timeout=LOCK_TIMEOUT_S, blocking_timeout=1)
    check("Lock.acquire() on a free lock", lock.acquire(), True)
    check("the key holds the lock's token", r.get("lock:basic"), token_of(lock))
    pttl = r.pttl("lock:basic")
    check_true("the key has the lock's timeout as PTTL",
               LOCK_TIMEOUT_S * 1000 - 1000 < pttl <= LOCK_TIMEOUT_S * 1000,
               f"expected about {LOCK_TIMEOUT_S * 1000} ms, got {pttl!r}")
    check("locked()", lock.locked(), True)
    check("owned()", lock.owned(), True)

    rival = r.lock("lock:basic", timeout=LOCK_TIMEOUT_S, blocking_timeout=BLOCK_WAIT_S)
    acquired, waited = timed_acquire(rival)
    check("a second holder cannot acquire within blocking_timeout", acquired, False)
    check_true("it waited for blocking_timeout before giving up", waited >= BLOCK_WAIT_S * 0.8,
               f"gave up after {waited:.3f} s, blocking_timeout is {BLOCK_WAIT_S} s")
    check("acquire(blocking=False) on a held lock", rival.acquire(blocking=False), False)
    check("owned() of the rival", rival.owned(), False)

    lock.release()
    ok("Lock.release()")
    check("the key is gone after release", r.exists("lock:basic"), 0)
    check("locked() after release", lock.locked(), False)
    check("the rival acquires the released lock", rival.acquire(blocking=False), True)
    rival.release()
    check_raises("releasing an unlocked Lock raises LockError", LockError, rival.release)

    with r.lock("lock:with", timeout=LOCK_TIMEOUT_S, blocking_timeout=1) as held:
        check("inside `with`: the key holds the token", r.get("lock:with"), token_of(held))
    check("after `with`: the lock is released", r.exists("lock:with"), 0)

    # A blocking acquire succeeds as soon as the holder (another thread)
    # releases.
    acquired = threading.Event()
    released = threading.Event()

    def hold_then_release():
        holder = r.lock("lock:handoff", timeout=LOCK_TIMEOUT_S)
        if holder.acquire(blocking=False):
            acquired.set()
            time.sleep(0.3)
            holder.release()
            released.set()

    t = threading.Thread(target=hold_then_release, daemon=True)
    t.start()
    check_true("another thread holds lock:handoff", acquired.wait(5), "it could not acquire it")
    waiter = r.lock("lock:handoff", timeout=LOCK_TIMEOUT_S, blocking_timeout=5)
    acquired, waited = timed_acquire(waiter)
    check("a blocking acquire gets the lock once it is released", acquired, True)
    t.join(5)
    check_true("it waited for the release", released.is_set() and waited >= 0.15,
               f"waited {waited:.3f} s, released={released.is_set()}")
    waiter.release()


def check_exclusion(r):
    r.set("shared:counter", 0)
    inside = Occupancy()

    def worker():
        with redis.Redis(**r.connection_pool.connection_kwargs) as client:
            for _ in range(EXCLUSION_ROUNDS):
                with client.lock("lock:counter", timeout=LOCK_TIMEOUT_S, blocking_timeout=EXCLUSION_WAIT_S):
                    with inside:
                        # A read-modify-write that loses updates without the lock.
                        value = int(client.get("shared:counter"))
                        time.sleep(EXCLUSION_HOLD_S)
                        client.set("shared:counter", value + 1)

    run_threads("exclusion threads", worker, EXCLUSION_THREADS, EXCLUSION_WAIT_S)
    check("no two threads were inside the lock at once", inside.overlaps, [])
    check(f"{EXCLUSION_THREADS} threads x {EXCLUSION_ROUNDS} locked increments lost no update",
          int(r.get("shared:counter")), EXCLUSION_THREADS * EXCLUSION_ROUNDS)
    check("the lock key is gone afterwards", r.exists("lock:counter"), 0)


def check_extend_reacquire(r):
    lock = r.lock("lock:extend", timeout=2, blocking_timeout=1)
    check("acquire lock:extend (timeout=2)", lock.acquire(), True)
    check("extend(10) adds to the TTL", lock.extend(10), True)
    pttl = r.pttl("lock:extend")
    check_true("PTTL after extend(10) is about 12 s", 11000 < pttl <= 12000, f"got {pttl!r}")
    check("extend(5, replace_ttl=True)", lock.extend(5, replace_ttl=True), True)
    pttl = r.pttl("lock:extend")
    check_true("PTTL after extend(5, replace_ttl=True) is about 5 s", 4000 < pttl <= 5000, f"got {pttl!r}")
    check("the token is unchanged by extend", r.get("lock:extend"), token_of(lock))

    r.pexpire("lock:extend", 500)
    check("reacquire()", lock.reacquire(), True)
    pttl = r.pttl("lock:extend")
    check_true("PTTL after reacquire() is the lock's timeout again", 1000 < pttl <= 2000, f"got {pttl!r}")
    lock.release()
    check("released after extend/reacquire", r.exists("lock:extend"), 0)

    persistent = r.lock("lock:forever", blocking_timeout=1)
    check("acquire a lock without timeout", persistent.acquire(), True)
    check("it has no TTL", r.ttl("lock:forever"), -1)
    check_raises("extend() of a lock without timeout raises LockError", LockError,
                 lambda: persistent.extend(5))
    persistent.release()


def check_expiry_and_not_owned(r):
    first = r.lock("lock:short", timeout=SHORT_LOCK_S, blocking_timeout=1)
    check(f"acquire lock:short (timeout={SHORT_LOCK_S})", first.acquire(), True)
    second = r.lock("lock:short", timeout=LOCK_TIMEOUT_S, blocking_timeout=EXPIRY_WAIT_S)
    acquired, waited = timed_acquire(second)
    check("another holder acquires it once it expired", acquired, True)
    check_true("it had to wait for the expiry", waited >= SHORT_LOCK_S * 0.5,
               f"acquired after {waited:.3f} s, timeout {SHORT_LOCK_S} s")
    check("the key now holds the second token", r.get("lock:short"), token_of(second))
    check("owned() of the expired holder", first.owned(), False)
    # release() forgets the token before asking the server, so it comes last.
    check_raises("extend() by the expired holder raises LockNotOwnedError", LockNotOwnedError,
                 lambda: first.extend(5))
    check_raises("reacquire() by the expired holder raises LockNotOwnedError", LockNotOwnedError,
                 first.reacquire)
    check("the new holder's TTL was not touched", r.pttl("lock:short") > SHORT_LOCK_S * 1000, True)
    check_raises("release() by the expired holder raises LockNotOwnedError", LockNotOwnedError, first.release)
    check("... and leaves the new holder's key alone", r.get("lock:short"), token_of(second))
    second.release()
    check("released by its owner", r.exists("lock:short"), 0)

    stolen = r.lock("lock:stolen", timeout=LOCK_TIMEOUT_S, blocking_timeout=1)
    check("acquire lock:stolen", stolen.acquire(), True)
    r.set("lock:stolen", "intruder", ex=LOCK_TIMEOUT_S)
    check_raises("release() after the token was overwritten raises LockNotOwnedError",
                 LockNotOwnedError, stolen.release)
    check("the intruder's value stays", r.get("lock:stolen"), b"intruder")

    lapsed = r.lock("lock:lapsed", timeout=SHORT_LOCK_S, blocking_timeout=1)
    check("acquire lock:lapsed", lapsed.acquire(), True)
    wait_until(lambda: not r.exists("lock:lapsed"), EXPIRY_WAIT_S, POLL_STEP_S,
               f"lock:lapsed still exists {EXPIRY_WAIT_S} s after its TTL")
    ok("lock:lapsed expired by itself")
    check_raises("release() of an expired lock raises LockNotOwnedError", LockNotOwnedError, lapsed.release)


def check_register_script(r):
    check("SCRIPT FLUSH", r.script_flush(), True)
    body = "local v = redis.call('INCRBY', KEYS[1], ARGV[1]); return {KEYS[1], ARGV[2], v}"
    script = r.register_script(body)
    sha = hashlib.sha1(body.encode()).hexdigest()
    check("Script.sha is the SHA1 of the body", script.sha, sha)
    check("SCRIPT EXISTS before first use", r.script_exists(sha), [False])
    check("first call (EVALSHA, NOSCRIPT, SCRIPT LOAD, EVALSHA)",
          script(keys=["sc:n"], args=[5, "tag"]), [b"sc:n", b"tag", 5])
    check("SCRIPT EXISTS after first use", r.script_exists(sha), [True])
    check("second call (EVALSHA)", script(keys=["sc:n"], args=[2, "x"]), [b"sc:n", b"x", 7])
    check("SCRIPT FLUSH again", r.script_flush(), True)
    check("SCRIPT EXISTS after SCRIPT FLUSH", r.script_exists(sha), [False])
    check("a call after SCRIPT FLUSH loads the script again",
          script(keys=["sc:n"], args=[1, "y"]), [b"sc:n", b"y", 8])
    check("SCRIPT EXISTS after the reload", r.script_exists(sha), [True])
    check("GET sc:n", r.get("sc:n"), b"8")
    check_raises("EVALSHA of an unknown sha raises NoScriptError", NoScriptError,
                 lambda: r.evalsha("0" * 40, 0))

    binary = b"\x00\xff\r\n$3\r\n"
    echo = r.register_script("redis.call('SET', KEYS[1], ARGV[1]); return redis.call('GET', KEYS[1])")
    check("a binary argument round-trips through a script", echo(keys=["sc:bin"], args=[binary]), binary)
    check("... and through the key", r.get("sc:bin"), binary)

    conversions = [
        ("return 3.99", None),            # numbers are truncated to integers
        ("return {1, 2, nil, 4}", None),  # an array stops at the first nil
        ("return true", None),
        ("return false", None),
        ("return redis.status_reply('FINE')", None),
        ("return redis.call('GET', KEYS[1])", ["sc:missing"]),
    ]
    wants = [3, [1, 2], 1, None, b"FINE", None]
    for (lua, keys), want in zip(conversions, wants):
        check(f"register_script({lua!r})", r.register_script(lua)(keys=keys or []), want)
    err = check_raises("redis.error_reply becomes a ResponseError", redis.ResponseError,
                       lambda: r.register_script("return redis.error_reply('MYERR custom failure')")())
    check("... with its text", str(err), "MYERR custom failure")
    r.set("sc:text", "abc")
    err = check_raises("redis.call failing inside a script raises ResponseError", redis.ResponseError,
                       lambda: r.register_script("return redis.call('INCR', KEYS[1])")(keys=["sc:text"]))
    check_true("... naming the command's error", str(err).startswith("value is not an integer or out of range"),
               f"got {str(err)!r}")
    err = check_raises("redis.pcall returns the error as a reply", redis.ResponseError,
                       lambda: r.register_script("return redis.pcall('INCR', KEYS[1])")(keys=["sc:text"]))
    check("... with the command's text", str(err), "value is not an integer or out of range")

    # Pipelines: before sending, redis-py asks SCRIPT EXISTS for every Script
    # queued and SCRIPT LOADs the missing ones.
    check("SCRIPT FLUSH before the pipelines", r.script_flush(), True)
    for transaction in (True, False):
        r.delete("sc:p")
        pipe = r.pipeline(transaction=transaction)
        script(keys=["sc:p"], args=[10, "a"], client=pipe)
        pipe.get("sc:p")
        script(keys=["sc:p"], args=[1, "b"], client=pipe)
        check(f"pipeline(transaction={transaction}) with a Script",
              pipe.execute(), [[b"sc:p", b"a", 10], b"10", [b"sc:p", b"b", 11]])
        check(f"SCRIPT EXISTS after pipeline(transaction={transaction})", r.script_exists(sha), [True])
        r.script_flush()


def run_all(r):
    check("PING", r.ping(), True)
    check("FLUSHALL first", r.flushall(), True)
    check_acquire_release(r)
    check_exclusion(r)
    check_extend_reacquire(r)
    check_expiry_and_not_owned(r)
    check_register_script(r)
    check("FLUSHALL at the end", r.flushall(), True)


def main():
    port = port_argument(__doc__)
    print(f"redis-py {redis.__version__}")
    with redis.Redis(HOST, port) as r:
        return run("redis-py scripts", lambda: run_all(r), redis.RedisError)


if __name__ == "__main__":
    sys.exit(main())
