#!/usr/bin/env bash
# The `limits` rate limiting library (Debian's python3-limits) against
# tidecache with storage_from_string("redis://127.0.0.1:PORT") and its
# defaults: fixed window (a Lua script doing INCRBY + EXPIRE), fixed window
# with elastic expiry, storage.reset() (a Lua script doing KEYS + DEL), and
# the moving window when the server has lists (its scripts use LPUSH, LTRIM,
# LINDEX, LRANGE), by tests/clients/limits_client.py.
# Run by scripts/run-tests.sh; exits non-zero on the first failure.
set -u
test_name=client_limits
# shellcheck source=tests/clients/lib.sh
. "$(dirname "$0")/../clients/lib.sh"

client_timeout_s=30

tc_python_library python3-limits 'import limits; print("limits", limits.__version__)'
tc_start
tc_client "limits rate limiters on the redis storage" limits_client.py

tc_stop
echo "client_limits.sh: all checks passed"
