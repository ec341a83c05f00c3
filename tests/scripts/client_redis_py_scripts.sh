#!/usr/bin/env bash
# redis-py's Lua users (Debian's python3-redis) against tidecache with the
# library's default options: redis.lock.Lock (acquire/release, exclusion
# across threads, extend, reacquire, expiry, LockNotOwnedError) and
# register_script Script objects (EVALSHA, SCRIPT LOAD on NOSCRIPT, also
# after SCRIPT FLUSH and inside pipelines), by tests/clients/redis_py_scripts.py.
# A second run goes through a logging proxy to check the script traffic on
# the wire: the NOSCRIPT answer and the SCRIPT LOAD that follows it, and no
# error other than the ones the program provokes on purpose.
# Run by scripts/run-tests.sh; exits non-zero on the first failure.
set -u
test_name=client_redis_py_scripts
# shellcheck source=tests/clients/lib.sh
. "$(dirname "$0")/../clients/lib.sh"

client_timeout_s=25

tc_python_library python3-redis 'import redis; print("redis-py", redis.__version__)'
tc_start
tc_client "redis-py Lock and register_script" redis_py_scripts.py

tc_client_proxied "redis-py Lock and register_script" redis_py_scripts.py
echo "--- script cache traffic on the wire (NOSCRIPT and SCRIPT ...) ---"
grep -E '(\] -NOSCRIPT |^c[0-9]+ > SCRIPT |^c[0-9]+ < \[SCRIPT )' "$proxy_log" | cut -c1-160 | head -n 40

grep -qE '^c[0-9]+ < \[EVALSHA [0-9a-f]{40} .*\] -NOSCRIPT ' "$proxy_log" ||
    fail "no EVALSHA was answered with NOSCRIPT, yet the program flushed the script cache"
grep -qE '^c[0-9]+ > SCRIPT LOAD ' "$proxy_log" ||
    fail "redis-py never sent SCRIPT LOAD after NOSCRIPT"
grep -qE '^c[0-9]+ < \[EVALSHA [0-9a-f]{40} .*\] [*:$]' "$proxy_log" ||
    fail "no EVALSHA was answered with a reply"
# The errors the program asks for: NOSCRIPT, redis.error_reply('MYERR ...'),
# INCR of a non-integer (through redis.call and redis.pcall). Any other is a bug.
# Requests may hold ']' (script bodies), so they are matched greedily.
if grep -E '^c[0-9]+ < \[.*\] -' "$proxy_log" |
    grep -vE '\] -(NOSCRIPT |MYERR custom failure\\r\\n|ERR value is not an integer or out of range)'; then
    fail "tidecache answered an unexpected error to redis-py (see the lines above)"
fi

tc_stop
echo "client_redis_py_scripts.sh: all checks passed"
