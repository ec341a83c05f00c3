#!/usr/bin/env bash
# redis-cli against tidecache in RESP3 (`redis-cli -3`): the commands an
# application's cache layer uses, checked in redis-cli's RESP3 output forms
# (maps as `1# "key" => "value"`, `(nil)`, `(integer)`, `(error)`); --scan;
# then an interactive session on a pseudo-terminal (tests/clients/cli_pty.py)
# that must show SET's argument hint, built from COMMAND DOCS. Connections go
# through a logging proxy once to check what redis-cli sends and gets.
# Run by scripts/run-tests.sh; exits non-zero on the first failure.
set -u
test_name=client_redis_cli
# shellcheck source=tests/clients/lib.sh
. "$(dirname "$0")/../clients/lib.sh"

command -v redis-cli >/dev/null || fail "redis-cli not installed (scripts/deps.sh test installs redis-tools)"
redis-cli --version
scan_keys=300
cli_timeout_s=10

tc_start

cli3() {
    timeout "$cli_timeout_s" redis-cli -3 --no-raw -h 127.0.0.1 -p "$port" "$@"
}

# expect WANT ARGS...: the output of `redis-cli -3 --no-raw ARGS` is exactly WANT
expect() {
    local want=$1 got
    shift
    got=$(cli3 "$@" 2>&1) || fail "redis-cli -3 $* exited with $?"
    [ "$got" = "$want" ] || fail "redis-cli -3 $*: expected
$want
got
$got"
    echo "ok   $*"
}

# expect_match REGEX ARGS...: some line of the output matches REGEX (grep -E)
expect_match() {
    local regex=$1 got
    shift
    got=$(cli3 "$@" 2>&1) || fail "redis-cli -3 $* exited with $?"
    grep -qE -- "$regex" <<<"$got" || fail "redis-cli -3 $*: no line matches /$regex/ in
$got"
    echo "ok   $* ~ /$regex/"
}

expect PONG ping
expect OK flushall
expect_match '^1# "server" => "' hello 3
expect_match '^[ 0-9]+# "proto" => \(integer\) 3$' hello 3
expect_match '^[ 0-9]+# "mode" => "standalone"$' hello 3
expect_match '^[ 0-9]+# "role" => "master"$' hello 3
expect_match '^ *[0-9]+\) \(integer\) 2$' hello 2
expect '1# "maxmemory" => "0"' config get maxmemory
expect "1# \"port\" => \"$port\"" config get port
expect "(nil)" get missing
expect OK set k v EX 100
ttl=$(cli3 ttl k)
[ "$ttl" = "(integer) 100" ] || [ "$ttl" = "(integer) 99" ] || fail "ttl k: expected (integer) 100 or 99, got '$ttl'"
echo "ok   ttl k"
expect '"v"' get k
expect OK set k2 v2 EX 100
expect '1) "v"
2) (nil)
3) "v2"' mget k missing k2
expect "(integer) 1" incr n
expect "(integer) 2" incr n
expect '"2"' get n
expect "(integer) 3" del k k2 n missing
expect "(integer) 0" del k
expect "(nil)" get k
expect OK set text abc
expect "(error) ERR value is not an integer or out of range" incr text
expect "(error) ERR wrong number of arguments for 'get' command" get
expect_match '^# Server' info
expect_match '^redis_version:[0-9]+\.[0-9]+\.[0-9]+' info server
expect_match '^loading:0' info
expect_match '^1# "get" => ' command docs get
expect_match '"summary" => "' command docs get

# Many commands on one connection, read from stdin (as `cat cmds | redis-cli` does).
seq 0 $((scan_keys - 1)) | sed 's/^/set scan:/; s/$/ x EX 100/' |
    timeout "$cli_timeout_s" redis-cli -3 -h 127.0.0.1 -p "$port" >"$dir/fill.out" 2>&1 ||
    fail "redis-cli -3 reading $scan_keys SETs from stdin exited with $?"
oks=$(grep -c '^OK$' "$dir/fill.out")
[ "$oks" -eq "$scan_keys" ] || fail "SETs from stdin: expected $scan_keys OK, got $oks ($(sort "$dir/fill.out" | uniq -c | head -n 3))"
echo "ok   $scan_keys SETs from stdin"
expect "(integer) $((scan_keys + 1))" dbsize
timeout "$cli_timeout_s" redis-cli -3 -h 127.0.0.1 -p "$port" --scan --pattern 'scan:*' >"$dir/scan.out" 2>"$dir/scan.err" ||
    fail "redis-cli -3 --scan exited with $?: $(head -n 3 "$dir/scan.err")"
got=$(sort -u "$dir/scan.out" | wc -l)
[ "$got" -eq "$scan_keys" ] || fail "--scan --pattern 'scan:*': expected $scan_keys distinct keys, got $got"
if grep -vE '^scan:[0-9]+$' "$dir/scan.out" | head -n 3 | grep .; then
    fail "--scan printed lines that are not matching keys (above)"
fi
echo "ok   --scan --pattern 'scan:*' finds all $scan_keys keys"
expect '1) "0"
2) (empty array)' scan 0 match 'nomatch:*' count 1000

expect OK set short v PX 200
gone=0
for _ in $(seq 100); do          # x 0.05 s = 5 s
    if [ "$(cli3 exists short)" = "(integer) 0" ]; then
        gone=1
        break
    fi
    sleep 0.05
done
[ "$gone" = 1 ] || fail "key set with PX 200 still exists after 5 s"
echo "ok   key with PX 200 expired"
expect "(nil)" get short
expect OK flushall
expect "(integer) 0" dbsize

# Through the logging proxy: what redis-cli sends, and the interactive session.
tc_proxy_start
timeout "$cli_timeout_s" redis-cli -3 -h 127.0.0.1 -p "$proxy_port" ping >/dev/null ||
    fail "redis-cli -3 ping through the proxy"
timeout 60 "$py" "$clients_dir/cli_pty.py" "$proxy_port" || fail "interactive redis-cli session"
timeout 60 "$py" "$clients_dir/cli_pty.py" "$proxy_port" --resp3 || fail "interactive redis-cli -3 session"
tc_proxy_wait_closed
echo "--- redis-cli on the wire ---"
cut -c1-300 "$proxy_log"
grep -qE '^c1 < \[HELLO 3\] %' "$proxy_log" || fail "redis-cli -3: HELLO 3 was not answered with a RESP3 map"
grep -qE '^c2 > COMMAND DOCS$' "$proxy_log" || fail "interactive redis-cli did not ask COMMAND DOCS (the test's assumption about redis-cli is out of date)"
grep -qE '^c2 < \[COMMAND DOCS\] [*%]' "$proxy_log" ||
    fail "COMMAND DOCS was not answered with an array: redis-cli fell back to its built-in help"
grep -qE '^c3 < \[HELLO 3\] %' "$proxy_log" || fail "interactive redis-cli -3: HELLO 3 was not answered with a RESP3 map"
grep -qE '^c3 < \[COMMAND DOCS\] %' "$proxy_log" ||
    fail "interactive redis-cli -3: COMMAND DOCS was not answered with a RESP3 map"
if grep -E '^c[0-9]+ < \[[^]]*\] [-!]' "$proxy_log"; then
    fail "tidecache answered an error to redis-cli (see the lines above)"
fi

tc_stop
echo "client_redis_cli.sh: all checks passed"
