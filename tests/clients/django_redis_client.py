#!/usr/bin/python3
"""django-redis (Debian's python3-django-redis) against tidecache.

usage: django_redis_client.py PORT

Configures Django in code (no project on disk) with one cache,
django_redis.cache.RedisCache at redis://127.0.0.1:PORT/0 and nothing else
(the library's defaults: DefaultClient, pickle serializer, redis-py
connection pool), and uses django.core.cache.cache the way views do:
  - set/get (strings, numbers, pickled objects), add, get_many/set_many,
    delete, has_key, the default timeout;
  - incr/decr, which django-redis runs as a Lua script (EVAL of EXISTS +
    INCRBY): with a delta, keeping the key's TTL, and ValueError for a
    missing key (the script returns false), without creating it;
  - cache.lock(name) as a context manager in several threads doing a
    read-modify-write of a cached counter: no update is lost;
  - cache.ttl for keys with a timeout, without one, and missing keys.
django-redis falls back to GET + SET when EVAL answers an error, which would
hide a server bug here: the driver script runs this program through a
logging proxy as well and requires every EVAL to be answered with a reply.
Prints one line per check; exits 1 at the first failure.
"""

import sys
import time

import django
from django.conf import settings

from checks import (HOST, Occupancy, check, check_raises, check_true, ok, port_argument, run, run_threads,
                    wait_until)

LOCK_THREADS = 4                # threads competing for cache.lock
LOCK_ROUNDS = 6                 # critical sections per thread
LOCK_HOLD_S = 0.005             # time spent inside the critical section
LOCK_WAIT_S = 20                # bound on the whole lock check
DEFAULT_TIMEOUT_S = 300         # Django's default cache timeout
SHORT_TIMEOUT_S = 1             # timeout of the key that must expire
EXPIRY_WAIT_S = 5.0
POLL_STEP_S = 0.02


def configure(port):
    settings.configure(
        CACHES={
            "default": {
                "BACKEND": "django_redis.cache.RedisCache",
                "LOCATION": f"redis://{HOST}:{port}/0",
            }
        },
        USE_TZ=True,
    )
    django.setup()


def check_basics(cache, raw):
    cache.clear()
    ok("cache.clear()")
    check("cache.set str", cache.set("greeting", "hello", timeout=100), True)
    check("cache.get str", cache.get("greeting"), "hello")
    check("cache.get missing", cache.get("absent"), None)
    check("cache.get missing with a default", cache.get("absent", "fallback"), "fallback")
    obj = {"id": 7, "tags": ["a", "b"], "score": 1.5}
    check("cache.set a dict (pickled)", cache.set("profile:7", obj, timeout=100), True)
    check("cache.get a dict", cache.get("profile:7"), obj)
    check("cache.add on an existing key", cache.add("greeting", "other"), False)
    check("... keeps the value", cache.get("greeting"), "hello")
    check("cache.add on a new key", cache.add("fresh", "new", timeout=100), True)
    cache.set_many({"m:1": 1, "m:2": "two", "m:3": [3]}, timeout=100)
    check("cache.get_many", cache.get_many(["m:1", "m:2", "m:3", "m:none"]), {"m:1": 1, "m:2": "two", "m:3": [3]})
    check("cache.has_key", cache.has_key("m:1"), True)
    check("cache.delete", bool(cache.delete("m:1")), True)
    check("cache.has_key after delete", cache.has_key("m:1"), False)
    check("cache.set with the default timeout", cache.set("defaulted", "x"), True)
    ttl = raw.ttl(cache.make_key("defaulted"))
    check_true("the default timeout is Django's 300 s", DEFAULT_TIMEOUT_S - 2 <= ttl <= DEFAULT_TIMEOUT_S,
               f"TTL is {ttl!r}")
    check("cache.set short timeout", cache.set("short", "v", timeout=SHORT_TIMEOUT_S), True)
    wait_until(lambda: cache.get("short") is None, EXPIRY_WAIT_S, POLL_STEP_S,
               f"a key with timeout {SHORT_TIMEOUT_S} s still there after {EXPIRY_WAIT_S} s")
    ok("a key with a 1 s timeout expired")


def check_incr(cache, raw):
    check("cache.set an int", cache.set("hits", 10, timeout=100), True)
    check("the int is stored as a plain integer string", raw.get(cache.make_key("hits")), b"10")
    check("cache.incr", cache.incr("hits"), 11)
    check("cache.incr delta=5", cache.incr("hits", 5), 16)
    check("cache.incr delta=-20", cache.incr("hits", -20), -4)
    check("cache.decr", cache.decr("hits"), -5)
    check("cache.decr delta=10", cache.decr("hits", 10), -15)
    check("cache.get after incr/decr", cache.get("hits"), -15)
    ttl = cache.ttl("hits")
    check_true("incr kept the key's TTL", 95 <= ttl <= 100, f"cache.ttl is {ttl!r}")

    check_raises("cache.incr on a missing key raises ValueError", ValueError, lambda: cache.incr("nokey"))
    check("... and does not create the key", cache.has_key("nokey"), False)
    check_raises("cache.decr on a missing key raises ValueError", ValueError, lambda: cache.decr("nokey", 3))
    check("... and does not create it either", raw.exists(cache.make_key("nokey")), 0)

    check("cache.set a counter without timeout", cache.set("forever", 1, timeout=None), True)
    check("cache.incr it", cache.incr("forever", 41), 42)
    check("it still has no TTL", cache.ttl("forever"), None)


def check_ttl(cache):
    cache.set("t:100", "v", timeout=100)
    ttl = cache.ttl("t:100")
    check_true("cache.ttl of a key with timeout=100", ttl in (99, 100), f"got {ttl!r}")
    cache.set("t:none", "v", timeout=None)
    check("cache.ttl of a key without timeout", cache.ttl("t:none"), None)
    check("cache.ttl of a missing key", cache.ttl("t:missing"), 0)
    check("cache.touch sets a new timeout", cache.touch("t:none", 50), True)
    ttl = cache.ttl("t:none")
    check_true("cache.ttl after touch", ttl in (49, 50), f"got {ttl!r}")
    check("cache.persist", cache.persist("t:none"), True)
    check("cache.ttl after persist", cache.ttl("t:none"), None)


def check_lock(cache):
    cache.set("locked:counter", 0, timeout=None)
    inside = Occupancy()

    def worker():
        for _ in range(LOCK_ROUNDS):
            with cache.lock("recompute"):
                with inside:
                    value = cache.get("locked:counter")
                    time.sleep(LOCK_HOLD_S)
                    cache.set("locked:counter", value + 1, timeout=None)

    run_threads("lock threads", worker, LOCK_THREADS, LOCK_WAIT_S)
    check("no two threads were inside cache.lock at once", inside.overlaps, [])
    check(f"{LOCK_THREADS} threads x {LOCK_ROUNDS} increments under cache.lock lost no update",
          cache.get("locked:counter"), LOCK_THREADS * LOCK_ROUNDS)
    check("the lock key is gone afterwards", cache.has_key("recompute"), False)

    lock = cache.lock("held", timeout=10)
    check("cache.lock(...).acquire()", lock.acquire(blocking=False), True)
    check("a second cache.lock on the same name cannot acquire it",
          cache.lock("held").acquire(blocking=False), False)
    lock.release()
    check("after release() it can", cache.lock("held", timeout=10).acquire(blocking=False), True)


def run_all(cache, caches, raw):
    backend = caches["default"]
    check("the cache backend", type(backend).__module__ + "." + type(backend).__name__,
          "django_redis.cache.RedisCache")
    check_basics(cache, raw)
    check_incr(cache, raw)
    check_ttl(cache)
    check_lock(cache)
    cache.clear()
    check("DBSIZE after cache.clear()", raw.dbsize(), 0)


def main():
    configure(port_argument(__doc__))
    from django.core.cache import cache, caches
    from django_redis import get_redis_connection
    import django_redis
    print(f"Django {django.get_version()}, django-redis {'.'.join(map(str, django_redis.VERSION))}")
    raw = get_redis_connection("default")
    # Any exception from Django or django-redis fails the test (run's default).
    return run("django-redis", lambda: run_all(cache, caches, raw))


if __name__ == "__main__":
    sys.exit(main())
