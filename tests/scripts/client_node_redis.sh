#!/usr/bin/env bash
# node-redis (the `redis` npm package, pinned by tests/clients/package-lock.json)
# against tidecache with its default options: the connect handshake (HELLO 3,
# CLIENT SETINFO), then SET EX, GET, MGET, a pipeline, DEL, scanIterator, INCR,
# a PX expiry and FLUSHALL (tests/clients/node_redis_client.js). One
# connection goes through a logging proxy: HELLO 3 must be answered with a
# RESP3 map, and nothing the library needs may be answered with an error.
# Run by scripts/run-tests.sh; exits non-zero on the first failure.
set -u
test_name=client_node_redis
# shellcheck source=tests/clients/lib.sh
. "$(dirname "$0")/../clients/lib.sh"

client_timeout_s=60

tc_node_library node-redis redis @redis/client
tc_start
tc_client "node-redis with default options" node_redis_client.js

# What the library sends on connect, as seen by a logging proxy.
tc_client_proxied "node-redis" node_redis_client.js --handshake-only
echo "--- node-redis on the wire (default options) ---"
cat "$proxy_log"
first=$(grep -m1 -E '^c1 > ' "$proxy_log")
case "$first" in
"c1 > HELLO 3"*) ;;
*) fail "node-redis did not open with HELLO 3 (first request: '$first'): the test's assumption about node-redis is out of date" ;;
esac
grep -qE '^c1 < \[HELLO 3[^]]*\] %' "$proxy_log" || fail "HELLO 3 was not answered with a RESP3 map"
# CLIENT MAINT_NOTIFICATIONS is a Redis Enterprise/8 extension that the
# library sends by default and whose error it ignores; any other error counts.
if grep -E '^c[0-9]+ < \[[^]]*\] [-!]' "$proxy_log" | grep -vE '^c[0-9]+ < \[CLIENT MAINT_NOTIFICATIONS '; then
    fail "tidecache answered an error to node-redis (see the lines above)"
fi

tc_stop
echo "client_node_redis.sh: all checks passed"
