#!/usr/bin/python3
"""redis-py against tidecache with the library's default options.

usage: redis_py_client.py PORT [--protocol 3] [--handshake-only]

Connects with redis.Redis(host, port) (plus protocol=3 when asked and the
installed redis-py supports it), runs the commands an application's cache
layer uses and checks every result, then hashes (an object cached as a hash,
one of its fields given a TTL of its own with HPEXPIRE, hscan_iter over 1000
fields) and sets (tag sets invalidating their members,
sscan_iter over 1000 members) and WRONGTYPE errors. Prints one line per check; exits 1 at the
first failure with what was expected and what came back.
"""

import sys

import redis

from checks import HOST, CheckFailed, argument_parser, check, check_error, check_true, ok, run, wait_until

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

    run_hash_set_checks(r)


USER_FIELDS = {                 # the object cached as a hash
    "name": "Ada Lovelace",
    "email": "ada@example.com",
    "city": "Zoë's town",       # UTF-8 in a value
    "visits": "41",
    "score": "4.25",
    "bio": "",                  # an empty value is still a field
}
OBJECT_TTL_S = 300              # TTL of the cached object
BIG_HASH_FIELDS = 1000          # fields of the hash walked with HSCAN
BIG_SET_MEMBERS = 1000          # members of the set walked with SSCAN
POOL_MEMBERS = 10               # members of the set SPOP/SRANDMEMBER draw from
WRONGTYPE_PREFIX = "WRONGTYPE"
SESSION_FIELDS = {              # the object whose token field expires on its own
    "user": "ada",
    "token": "5f2c9e1a7b",
    "csrf": "c8d1",
    "theme": "dark",
}
TOKEN_TTL_MS = 1000             # HPEXPIRE of the token field
FIELD_EXPIRY_WAIT_S = 3.0       # bound on waiting for the token field to go


def b(text):
    return text.encode()


def run_hash_checks(r):
    """An object cached as a hash: write it whole, read it back, update,
    count, delete a field, walk a large hash with hscan_iter."""
    key = "hc:user:1"
    check("HSET user mapping (new fields)", r.hset(key, mapping=USER_FIELDS), len(USER_FIELDS))
    check("EXPIRE user", r.expire(key, OBJECT_TTL_S), True)
    ttl = r.ttl(key)
    check_true("TTL user", ttl in (OBJECT_TTL_S - 1, OBJECT_TTL_S),
               f"expected {OBJECT_TTL_S - 1} or {OBJECT_TTL_S}, got {ttl!r}")
    want = {b(f): b(v) for f, v in USER_FIELDS.items()}
    got = r.hgetall(key)
    check_true("HGETALL user is a dict", isinstance(got, dict), f"got a {type(got).__name__}")
    check("HGETALL user", got, want)
    check("HGETALL missing key", r.hgetall("hc:missing"), {})
    check("TYPE user", r.type(key), b"hash")
    check("HGET user name", r.hget(key, "name"), b"Ada Lovelace")
    check("HGET user missing field", r.hget(key, "nope"), None)
    check("HMGET user email nope city", r.hmget(key, ["email", "nope", "city"]),
          [b"ada@example.com", None, b(USER_FIELDS["city"])])

    check("HSET user email (existing field)", r.hset(key, "email", "ada@lovelace.org"), 0)
    check("HGET updated email", r.hget(key, "email"), b"ada@lovelace.org")
    check("HSETNX user email (exists)", r.hsetnx(key, "email", "other"), 0)
    check("HINCRBY user visits 1", r.hincrby(key, "visits", 1), 42)
    check("HINCRBY user visits -2", r.hincrby(key, "visits", -2), 40)
    check("HINCRBY user logins (new field)", r.hincrby(key, "logins", 5), 5)
    check("HINCRBYFLOAT user score 0.5", r.hincrbyfloat(key, "score", 0.5), 4.75)
    check("HGET score after HINCRBYFLOAT", r.hget(key, "score"), b"4.75")
    check_error("HINCRBY on a non-integer field", redis.ResponseError,
                lambda: r.hincrby(key, "name", 1), "hash value is not an integer")
    check("HDEL user bio nope", r.hdel(key, "bio", "nope"), 1)
    check("HDEL user bio again", r.hdel(key, "bio"), 0)
    check("HEXISTS user bio (deleted)", r.hexists(key, "bio"), False)
    check("HEXISTS user name", r.hexists(key, "name"), True)
    fields = ["name", "email", "city", "visits", "score", "logins"]
    check("HLEN user", r.hlen(key), len(fields))
    check("HKEYS user", sorted(r.hkeys(key)), sorted(b(f) for f in fields))
    check("HVALS user", sorted(r.hvals(key)),
          sorted([b"Ada Lovelace", b"ada@lovelace.org", b(USER_FIELDS["city"]), b"40", b"4.75", b"5"]))
    check("HSTRLEN user name", r.hstrlen(key, "name"), len("Ada Lovelace"))
    ttl = r.ttl(key)
    check_true("TTL user kept by HSET/HINCRBY/HDEL", 0 < ttl <= OBJECT_TTL_S,
               f"expected 1..{OBJECT_TTL_S}, got {ttl!r}")
    one = r.hrandfield(key)
    check_true("HRANDFIELD user is a field", one in {b(f) for f in fields}, f"got {one!r}")
    three = r.hrandfield(key, 3, withvalues=True)
    pairs = dict(zip(three[::2], three[1::2]))
    check_true("HRANDFIELD user 3 WITHVALUES: 3 distinct fields with their values",
               len(pairs) == 3 and all(r.hget(key, f) == v for f, v in pairs.items()),
               f"got {three!r}")

    big = "hc:big"
    pipe = r.pipeline(transaction=False)
    for start in range(0, BIG_HASH_FIELDS, 100):
        pipe.hset(big, mapping={f"f{i}": f"v{i}" for i in range(start, start + 100)})
    check(f"HSET {BIG_HASH_FIELDS} fields in a pipeline", sum(pipe.execute()), BIG_HASH_FIELDS)
    check("HLEN big", r.hlen(big), BIG_HASH_FIELDS)
    cursor, page = r.hscan(big, 0)
    check_true("HSCAN big 0 answers part of the hash and a cursor",
               cursor != 0 and 0 < len(page) < BIG_HASH_FIELDS,
               f"cursor {cursor!r} with {len(page)} fields")
    seen = {}
    for field, value in r.hscan_iter(big, count=50):
        seen[field] = value
    check(f"hscan_iter finds all {BIG_HASH_FIELDS} fields with their values", seen,
          {f"f{i}".encode(): f"v{i}".encode() for i in range(BIG_HASH_FIELDS)})
    matched = dict(r.hscan_iter(big, match="f99*"))
    check("hscan_iter match f99*", matched,
          {b"f99": b"v99", **{f"f99{i}".encode(): f"v99{i}".encode() for i in range(10)}})
    check("DEL user big", r.delete(key, big), 2)


def field_ttl(r, command, key, *args, fields):
    """A hash-field TTL command (HPEXPIRE, HTTL, HPTTL, HPERSIST) on fields of
    key: redis-py's own method (redis-py 5.1 and later) when the installed
    version has one, else execute_command with the FIELDS numfields part.
    Returns the per-field replies as a list."""
    method = getattr(r, command.lower(), None)
    if method is not None:
        return list(method(key, *args, *fields))
    return list(r.execute_command(command, key, *args, "FIELDS", len(fields), *fields))


def run_field_expiry_checks(r):
    """An object cached as a hash with HPEXPIRE on one field: the session's
    token field expires on its own, the other fields stay."""
    key = "hc:session:1"
    how = "redis-py's method" if hasattr(r, "hpexpire") else "execute_command"
    check("HSET session mapping", r.hset(key, mapping=SESSION_FIELDS), len(SESSION_FIELDS))
    check(f"HPEXPIRE session {TOKEN_TTL_MS} FIELDS 1 token ({how})",
          field_ttl(r, "HPEXPIRE", key, TOKEN_TTL_MS, fields=["token"]), [1])
    token_ms, user_ms, nope_ms = field_ttl(r, "HPTTL", key, fields=["token", "user", "nope"])
    check_true("HPTTL session token user nope: token's TTL is positive",
               0 < token_ms <= TOKEN_TTL_MS, f"expected 1..{TOKEN_TTL_MS}, got {token_ms!r}")
    check("HPTTL session: user has no TTL (-1), nope no field (-2)", [user_ms, nope_ms], [-1, -2])
    check("HTTL session user", field_ttl(r, "HTTL", key, fields=["user"]), [-1])
    check("TTL session (the key has none)", r.ttl(key), -1)
    check("HGET session token before it expires", r.hget(key, "token"), b(SESSION_FIELDS["token"]))
    wait_until(lambda: r.hget(key, "token") is None, FIELD_EXPIRY_WAIT_S, POLL_STEP_S,
               f"token field with HPEXPIRE {TOKEN_TTL_MS} still there after {FIELD_EXPIRY_WAIT_S} s")
    ok(f"token field gone after HPEXPIRE {TOKEN_TTL_MS} (HGET nil)")
    rest = {b(f): b(v) for f, v in SESSION_FIELDS.items() if f != "token"}
    check("HGETALL session without the token", r.hgetall(key), rest)
    check("HEXISTS session token", r.hexists(key, "token"), False)
    check("HPTTL session token after it expired (-2)", field_ttl(r, "HPTTL", key, fields=["token"]), [-2])
    check("HPERSIST session user (no TTL: -1)", field_ttl(r, "HPERSIST", key, fields=["user"]), [-1])
    check("HGET session user after HPERSIST", r.hget(key, "user"), b"ada")
    check("DEL session", r.delete(key), 1)


def run_set_checks(r):
    """Tag sets: cache pages, tag them, query the tags, invalidate one tag
    (its members and the set in one MULTI/EXEC); SPOP/SRANDMEMBER; sscan_iter."""
    pages = {f"tc:page:{i}": f"<html>page {i}</html>" for i in range(1, 7)}
    pipe = r.pipeline(transaction=False)
    for name, body in pages.items():
        pipe.set(name, body, ex=OBJECT_TTL_S)
    check("SET EX 6 cached pages", pipe.execute(), [True] * len(pages))
    news, sport = "tc:tag:news", "tc:tag:sport"
    check("SADD news 3 pages", r.sadd(news, "tc:page:1", "tc:page:2", "tc:page:3"), 3)
    check("SADD news page 3 again", r.sadd(news, "tc:page:3"), 0)
    check("SADD sport 3 pages", r.sadd(sport, "tc:page:3", "tc:page:4", "tc:page:5"), 3)
    check("TYPE news", r.type(news), b"set")
    check("SCARD news", r.scard(news), 3)
    check("SCARD missing", r.scard("tc:tag:missing"), 0)
    check("SISMEMBER news page 2", r.sismember(news, "tc:page:2"), True)
    check("SISMEMBER news page 4", r.sismember(news, "tc:page:4"), False)
    check("SMISMEMBER news page 1 4 3", r.smismember(news, ["tc:page:1", "tc:page:4", "tc:page:3"]), [1, 0, 1])
    check("SINTER news sport", r.sinter(news, sport), {b"tc:page:3"})
    check("SUNION news sport", r.sunion(news, sport), {b(f"tc:page:{i}") for i in range(1, 6)})
    check("SDIFF news sport", r.sdiff(news, sport), {b"tc:page:1", b"tc:page:2"})
    check("SREM sport page 5 nope", r.srem(sport, "tc:page:5", "nope"), 1)

    members = r.smembers(news)
    check_true("SMEMBERS news is a set", isinstance(members, set), f"got a {type(members).__name__}")
    check("SMEMBERS news", members, {b"tc:page:1", b"tc:page:2", b"tc:page:3"})
    pipe = r.pipeline()             # MULTI/EXEC
    pipe.delete(*members)
    pipe.delete(news)
    check("invalidate news: DEL its pages, DEL the tag (MULTI/EXEC)", pipe.execute(), [3, 1])
    check("MGET pages after invalidation", r.mget(*pages),
          [None, None, None] + [b(pages[f"tc:page:{i}"]) for i in (4, 5, 6)])
    check("EXISTS news after invalidation", r.exists(news), 0)
    check("SMEMBERS news after invalidation", r.smembers(news), set())
    check("SMEMBERS sport untouched", r.smembers(sport), {b"tc:page:3", b"tc:page:4"})

    pool = "tc:pool"
    everyone = {b(f"m{i}") for i in range(POOL_MEMBERS)}
    check(f"SADD pool {POOL_MEMBERS} members", r.sadd(pool, *everyone), POOL_MEMBERS)
    one = r.srandmember(pool)
    check_true("SRANDMEMBER pool is a member", one in everyone, f"got {one!r}")
    three = r.srandmember(pool, 3)
    check_true("SRANDMEMBER pool 3: 3 distinct members",
               len(three) == 3 and set(three) <= everyone and len(set(three)) == 3, f"got {three!r}")
    many = r.srandmember(pool, -25)
    check_true("SRANDMEMBER pool -25: 25 members, repeats allowed",
               len(many) == 25 and set(many) <= everyone, f"got {many!r}")
    check("SCARD pool after SRANDMEMBER", r.scard(pool), POOL_MEMBERS)
    popped = r.spop(pool)
    check_true("SPOP pool is a member", popped in everyone, f"got {popped!r}")
    check("SISMEMBER pool popped", r.sismember(pool, popped), False)
    more = r.spop(pool, 3)
    check_true("SPOP pool 3: 3 distinct members",
               len(more) == 3 and len(set(more)) == 3 and set(more) <= everyone - {popped}, f"got {more!r}")
    check("SCARD pool after SPOP", r.scard(pool), POOL_MEMBERS - 4)
    check("pool = members - popped", r.smembers(pool), everyone - {popped} - set(more))
    check("SPOP missing", r.spop("tc:missing"), None)

    big = "tc:big"
    pipe = r.pipeline(transaction=False)
    for start in range(0, BIG_SET_MEMBERS, 100):
        pipe.sadd(big, *[f"member:{i}" for i in range(start, start + 100)])
    check(f"SADD {BIG_SET_MEMBERS} members in a pipeline", sum(pipe.execute()), BIG_SET_MEMBERS)
    cursor, page = r.sscan(big, 0)
    check_true("SSCAN big 0 answers part of the set and a cursor",
               cursor != 0 and 0 < len(page) < BIG_SET_MEMBERS,
               f"cursor {cursor!r} with {len(page)} members")
    seen = list(r.sscan_iter(big, count=50))
    check(f"sscan_iter finds all {BIG_SET_MEMBERS} members", set(seen),
          {f"member:{i}".encode() for i in range(BIG_SET_MEMBERS)})
    check("DEL the set-check keys", r.delete(sport, pool, big, *pages), 3 + 3)


def run_wrongtype_checks(r):
    r.sadd("wt:set", "a")
    r.hset("wt:hash", "f", "v")
    r.set("wt:string", "s")
    for name, func in [
        ("HGET on a set", lambda: r.hget("wt:set", "a")),
        ("HGETALL on a set", lambda: r.hgetall("wt:set")),
        ("SADD on a hash", lambda: r.sadd("wt:hash", "x")),
        ("SMEMBERS on a hash", lambda: r.smembers("wt:hash")),
        ("GET on a hash", lambda: r.get("wt:hash")),
        ("HSET on a string", lambda: r.hset("wt:string", "f", "v")),
        ("SISMEMBER on a string", lambda: r.sismember("wt:string", "s")),
    ]:
        err = _wrongtype(name, func)
        check_true(f"{name}: ResponseError WRONGTYPE", str(err).startswith(WRONGTYPE_PREFIX),
                   f"expected a message starting {WRONGTYPE_PREFIX!r}, got {str(err)!r}")
    check("wrong-type keys unchanged", (r.smembers("wt:set"), r.hgetall("wt:hash"), r.get("wt:string")),
          ({b"a"}, {b"f": b"v"}, b"s"))
    check("DEL wrong-type keys", r.delete("wt:set", "wt:hash", "wt:string"), 3)


def _wrongtype(name, func):
    try:
        got = func()
    except redis.ResponseError as err:
        return err
    raise CheckFailed(f"{name}: expected ResponseError WRONGTYPE, got the result {got!r}")


def run_hash_set_checks(r):
    run_hash_checks(r)
    run_field_expiry_checks(r)
    run_set_checks(r)
    run_wrongtype_checks(r)
    check("DBSIZE after the hash and set checks", r.dbsize(), 0)


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
