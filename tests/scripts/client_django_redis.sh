#!/usr/bin/env bash
# django-redis (Debian's python3-django-redis on python3-django) against
# tidecache: a Django cache configured in code with
# django_redis.cache.RedisCache and its defaults; set/get, incr/decr (a Lua
# script in django-redis), cache.lock across threads and cache.ttl, by
# tests/clients/django_redis_client.py.
# django-redis quietly falls back to GET + SET when its incr script answers an
# error, so a second run goes through a logging proxy and every EVAL must be
# answered with a reply, never an error; no other command may fail either.
# Run by scripts/run-tests.sh; exits non-zero on the first failure.
set -u
test_name=client_django_redis
# shellcheck source=tests/clients/lib.sh
. "$(dirname "$0")/../clients/lib.sh"

client_timeout_s=25

tc_python_library "python3-django python3-django-redis" \
    'import django, django_redis; print("Django", django.get_version(), "django-redis", ".".join(map(str, django_redis.VERSION)))'
tc_start
tc_client "django-redis cache" django_redis_client.py

tc_client_proxied "django-redis cache" django_redis_client.py
echo "--- incr scripts on the wire ---"
grep -E '^c[0-9]+ < \[EVAL ' "$proxy_log" | sed -E 's/^(c[0-9]+ < )\[EVAL .*\] /\1[EVAL <incr script> ...] /' | head -n 12

evals=$(grep -cE '^c[0-9]+ > EVAL ' "$proxy_log")
# 5 incr/decr on existing keys, 2 on a missing one, 1 on a key without TTL
[ "$evals" -ge 8 ] || fail "expected at least 8 EVAL from cache.incr/decr, saw $evals"
# The script text holds ']' (KEYS[1]), so the request part is matched greedily.
if grep -E '^c[0-9]+ < \[EVAL .*\] -' "$proxy_log"; then
    fail "tidecache answered an incr script with an error (django-redis hid it by falling back to GET + SET)"
fi
[ "$(grep -cE '^c[0-9]+ < \[EVAL .*\] :-?[0-9]+\\r\\n$' "$proxy_log")" -ge 6 ] ||
    fail "expected the incr scripts on existing keys to be answered with integers"
grep -qE '^c[0-9]+ < \[EVAL .* :1:nokey -?[0-9]+\] \$-1\\r\\n$' "$proxy_log" ||
    fail "incr of a missing key: the script's false was not answered as a nil bulk"
if grep -E '^c[0-9]+ < \[.*\] -' "$proxy_log"; then
    fail "tidecache answered an error to django-redis (see the lines above)"
fi

tc_stop
echo "client_django_redis.sh: all checks passed"
