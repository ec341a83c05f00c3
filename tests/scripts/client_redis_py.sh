#!/usr/bin/env bash
# redis-py (Debian's python3-redis) against tidecache with its default
# options: SET EX, GET, MGET, a non-transactional pipeline, DEL, SCAN, INCR,
# a PX expiry and FLUSHALL (tests/clients/redis_py_client.py), then once more
# with protocol=3 when the installed redis-py has it. One connection goes
# through a logging proxy to record what the library sends on connect.
# Run by scripts/run-tests.sh; exits non-zero on the first failure.
set -u
test_name=client_redis_py
# shellcheck source=tests/clients/lib.sh
. "$(dirname "$0")/../clients/lib.sh"

client_timeout_s=60

tc_python_library python3-redis 'import redis; print("redis-py", redis.__version__)'
tc_start
tc_client "redis-py with default options" redis_py_client.py

# protocol=3 exists from redis-py 5.0 on; older versions have RESP2 only.
if "$py" -c 'import sys, redis; sys.exit(0 if int(redis.__version__.split(".")[0]) >= 5 else 1)'; then
    tc_client "redis-py with protocol=3" redis_py_client.py --protocol 3
else
    echo "skip: $version has no protocol=3 (RESP3 came in 5.0)"
fi

# What the library sends on connect, as seen by a logging proxy.
tc_client_proxied "redis-py" redis_py_client.py --handshake-only
echo "--- redis-py on the wire (default options) ---"
cat "$proxy_log"
if grep -E '^c[0-9]+ < -' "$proxy_log"; then
    fail "tidecache answered an error to redis-py (see the lines above)"
fi

tc_stop
echo "client_redis_py.sh: all checks passed"
