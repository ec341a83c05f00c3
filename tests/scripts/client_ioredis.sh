#!/usr/bin/env bash
# ioredis (from npm, pinned by tests/clients/package-lock.json) against
# tidecache with its default options: the connect handshake (HELLO 3, CLIENT
# SETINFO, the INFO ready check), then SET EX, GET, MGET, a pipeline, DEL,
# scanStream, INCR, a PX expiry and FLUSHALL (tests/clients/ioredis_client.js).
# One connection goes through a logging proxy: the handshake must be answered
# in RESP3 and without any error.
# Run by scripts/run-tests.sh; exits non-zero on the first failure.
set -u
test_name=client_ioredis
# shellcheck source=tests/clients/lib.sh
. "$(dirname "$0")/../clients/lib.sh"

client_timeout_s=60

tc_node_library ioredis ioredis
tc_start
tc_client "ioredis with default options" ioredis_client.js

# What the library sends on connect, as seen by a logging proxy.
tc_client_proxied "ioredis" ioredis_client.js --handshake-only
echo "--- ioredis on the wire (default options) ---"
cat "$proxy_log"
first=$(grep -m1 -E '^c1 > ' "$proxy_log")
case "$first" in
"c1 > HELLO 3"|"c1 > hello 3") ;;
*) fail "ioredis did not open with HELLO 3 (first request: '$first'): the test's assumption about ioredis is out of date" ;;
esac
grep -qE '^c1 < \[(HELLO|hello) 3\] %' "$proxy_log" ||
    fail "HELLO 3 was not answered with a RESP3 map, so ioredis fell back to RESP2"
if grep -E '^c1 > (HELLO|hello) 2' "$proxy_log"; then
    fail "ioredis fell back to RESP2 (HELLO 2 above)"
fi
grep -qE '^c1 < \[(INFO|info)\] [$=]' "$proxy_log" || fail "no INFO ready check answered with a string"
if grep -E '^c[0-9]+ < \[[^]]*\] [-!]' "$proxy_log"; then
    fail "tidecache answered an error to ioredis (see the lines above)"
fi

tc_stop
echo "client_ioredis.sh: all checks passed"
