#!/usr/bin/env bash
# node-redis (the `redis` npm package) scripts and functions against tidecache
# with the library's default options (RESP3): createClient({ scripts:
# { name: defineScript(...) }, functions: { lib: { fn: ... } } }), by
# tests/clients/node_redis_scripts.js, which loads its function library with
# FUNCTION LOAD first. A second run goes through a logging proxy to check the
# commands on the wire: EVALSHA answered NOSCRIPT then EVAL, EVALSHA_RO for a
# read-only script, FCALL and FCALL_RO for the functions.
# Run by scripts/run-tests.sh; exits non-zero on the first failure.
set -u
test_name=client_node_redis_scripts
# shellcheck source=tests/clients/lib.sh
. "$(dirname "$0")/../clients/lib.sh"

client_timeout_s=25

tc_node_library node-redis redis @redis/client
tc_start
tc_client "node-redis scripts and functions" node_redis_scripts.js

tc_client_proxied "node-redis scripts and functions" node_redis_scripts.js
sha=$(printf '%s' "local v = redis.call('INCRBY', KEYS[1], ARGV[1]); return {KEYS[1], ARGV[2], v}" | sha1sum | cut -d' ' -f1)
echo "--- scripts and functions on the wire ---"
grep -E '^c[0-9]+ [<>] \[?(EVAL|EVALSHA|EVALSHA_RO|FCALL|FCALL_RO) ' "$proxy_log" | cut -c1-160 | head -n 30

grep -qE "^c[0-9]+ < \[EVALSHA $sha 1 n 5 a\] -NOSCRIPT " "$proxy_log" ||
    fail "the first incrTag call was not an EVALSHA answered with NOSCRIPT"
grep -qE "^c[0-9]+ < \[EVAL \"local v = redis.call\('INCRBY'.* 1 n 5 a\] \*3" "$proxy_log" ||
    fail "after NOSCRIPT, node-redis's EVAL of the script was not answered with an array"
grep -qE "^c[0-9]+ < \[EVALSHA $sha 1 n 2 b\] \*3" "$proxy_log" ||
    fail "the second incrTag call was not an EVALSHA answered with an array"
grep -qE '^c[0-9]+ < \[EVALSHA_RO [0-9a-f]{40} 1 ro x\] \*2' "$proxy_log" ||
    fail "the read-only script was not sent as EVALSHA_RO answered with an array"
grep -qE '^c[0-9]+ < \[FCALL incr_tag 1 f 5 a\] \*3' "$proxy_log" ||
    fail "client.tclib.incr_tag was not sent as FCALL answered with an array"
grep -qE '^c[0-9]+ < \[FCALL_RO peek 1 f\] [$]1\\r\\n7\\r\\n$' "$proxy_log" ||
    fail "client.tclib.peek was not sent as FCALL_RO answered with a bulk string"
# Errors the program provokes: NOSCRIPT, MYERR from redis.error_reply, the
# second FUNCTION LOAD without REPLACE, FCALL of a deleted function. The
# library also sends CLIENT MAINT_NOTIFICATIONS (a Redis 8 extension) and
# CLIENT SETINFO (Redis 7.2) and ignores their errors. Any other error is a bug.
if grep -E '^c[0-9]+ < \[.*\] [-!]' "$proxy_log" |
    grep -vE "\] -(NOSCRIPT |MYERR refused by tclib\\\\r\\\\n|ERR Library 'tclib' already exists\\\\r\\\\n|ERR Function not found\\\\r\\\\n)" |
    grep -vE '^c[0-9]+ < \[CLIENT (MAINT_NOTIFICATIONS|SETINFO) '; then
    fail "tidecache answered an unexpected error to node-redis (see the lines above)"
fi

tc_stop
echo "client_node_redis_scripts.sh: all checks passed"
