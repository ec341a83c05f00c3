#!/usr/bin/env bash
# ioredis custom commands (redis.defineCommand: Lua scripts sent as EVAL the
# first time on a connection, EVALSHA afterwards, EVAL again after NOSCRIPT)
# against tidecache with the library's default options (so RESP3, after
# HELLO 3), by tests/clients/ioredis_scripts.js: results of every reply type,
# SCRIPT EXISTS/FLUSH, pipelines and MULTI with custom commands.
# A second run goes through a logging proxy to check the EVAL / EVALSHA /
# NOSCRIPT sequence on the wire.
# Run by scripts/run-tests.sh; exits non-zero on the first failure.
set -u
test_name=client_ioredis_scripts
# shellcheck source=tests/clients/lib.sh
. "$(dirname "$0")/../clients/lib.sh"

client_timeout_s=25

tc_node_library ioredis ioredis
tc_start
tc_client "ioredis custom commands" ioredis_scripts.js

tc_client_proxied "ioredis custom commands" ioredis_scripts.js
sha=$(printf '%s' "local v = redis.call('INCRBY', KEYS[1], ARGV[1]); return {KEYS[1], ARGV[2], v}" | sha1sum | cut -d' ' -f1)
echo "--- incrTag ($sha) on the wire, first connection ---"
grep -E "^c1 [<>] \[?(eval \"local v|evalsha $sha|script)" "$proxy_log" | cut -c1-160 | head -n 40

# The first call on a connection is an EVAL of the script text ...
first=$(grep -m1 -E "^c1 > (eval \"local v = redis.call\('INCRBY'|evalsha $sha )" "$proxy_log")
case "$first" in
"c1 > eval \"local v = redis.call('INCRBY'"*) ;;
*) fail "the first incrTag call was not an EVAL: '$first'" ;;
esac
# ... later ones are EVALSHA, answered with a reply while the script is cached ...
grep -qE "^c1 < \[evalsha $sha 1 n 2 b\] \*3" "$proxy_log" ||
    fail "the second incrTag call was not an EVALSHA answered with an array"
# ... and after SCRIPT FLUSH the EVALSHA is answered NOSCRIPT and sent again as EVAL.
grep -qE "^c1 < \[evalsha $sha 1 n 1 c\] -NOSCRIPT " "$proxy_log" ||
    fail "after SCRIPT FLUSH the EVALSHA was not answered with NOSCRIPT"
grep -qE "^c1 < \[eval \"local v = redis.call\('INCRBY'.* 1 n 1 c\] \*3" "$proxy_log" ||
    fail "after NOSCRIPT, ioredis's EVAL of the script was not answered with an array"
# Errors the program provokes: NOSCRIPT after SCRIPT FLUSH, MYERR from
# redis.error_reply. ioredis also ignores an error to CLIENT SETINFO (Redis
# 7.0 does not have it). Any other error is a bug.
if grep -E '^c[0-9]+ < \[.*\] -' "$proxy_log" |
    grep -vE '\] -(NOSCRIPT |MYERR custom failure\\r\\n)' |
    grep -vE '^c[0-9]+ < \[client SETINFO [^]]*\] -'; then
    fail "tidecache answered an unexpected error to ioredis (see the lines above)"
fi

tc_stop
echo "client_ioredis_scripts.sh: all checks passed"
