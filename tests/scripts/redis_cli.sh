#!/usr/bin/env bash
# redis-cli against tidecache: basic commands in raw and --no-raw output, an
# inline round trip over bash's /dev/tcp, and a clean SIGTERM shutdown.
# Run by scripts/run-tests.sh; exits non-zero on the first failure.
# Every wait is bounded: 200 polls of 0.05 s at most.
set -u

root=$(cd "$(dirname "$0")/../.." && pwd)
bin=${TIDECACHE_BIN:-$root/build/tidecache}
poll_tries=200     # x poll_step seconds = 10 s
poll_step=0.05

fail() {
    echo "FAIL: $*" >&2
    if [ -n "${dir:-}" ] && [ -f "$dir/tidecache.log" ]; then
        echo "--- server log ---" >&2
        tail -n 20 "$dir/tidecache.log" >&2
    fi
    exit 1
}

command -v redis-cli >/dev/null || fail "redis-cli not installed"
[ -x "$bin" ] || fail "no tidecache binary at $bin"

dir=$(mktemp -d /tmp/tidecache-cli-XXXXXX)
pid=
cleanup() {
    exec 3>&- 2>/dev/null
    if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
        kill -KILL "$pid" 2>/dev/null
        wait "$pid" 2>/dev/null
    fi
    rm -rf "$dir"
}
trap cleanup EXIT

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
cat >"$dir/tidecache.conf" <<EOF
port $port
bind 127.0.0.1
logfile "$dir/tidecache.log"
EOF

"$bin" "$dir/tidecache.conf" &
pid=$!

cli() {
    timeout 5 redis-cli -h 127.0.0.1 -p "$port" "$@"
}

ready=0
for _ in $(seq "$poll_tries"); do
    if [ "$(cli ping 2>/dev/null)" = "PONG" ]; then
        ready=1
        break
    fi
    kill -0 "$pid" 2>/dev/null || fail "tidecache exited during startup"
    sleep "$poll_step"
done
[ "$ready" = 1 ] || fail "tidecache did not answer PING within 10 s"

# expect WANT CLI-ARGS...: the output of redis-cli must be exactly WANT
expect() {
    local want=$1 got
    shift
    got=$(cli "$@" 2>&1) || fail "redis-cli $* exited with $?"
    [ "$got" = "$want" ] || fail "redis-cli $*: expected '$want', got '$got'"
}

expect OK set k v
expect v get k
expect OK set k v EX 100
ttl=$(cli ttl k)
[ "$ttl" = 100 ] || [ "$ttl" = 99 ] || fail "ttl k: expected 100 or 99, got '$ttl'"
expect 1 del k
expect 0 del k
expect 0 dbsize
expect "(nil)" --no-raw get missing
expect "(nil)" --no-raw set k2 v2 GET
expect '"v2"' --no-raw get k2
expect "(integer) 1" --no-raw dbsize
expect "ERR wrong number of arguments for 'get' command" get
expect "ERR unknown command 'foo', with args beginning with: 'a' " foo a

# inline requests over a plain TCP connection, byte for byte
exec 3<>"/dev/tcp/127.0.0.1/$port" || fail "cannot connect with /dev/tcp"
printf 'SET x "a b"\r\nGET x\r\n' >&3
want=$'+OK\r\n$3\r\na b\r\n'
IFS= read -r -t 5 -N "${#want}" -u 3 got || fail "inline: no complete reply (got '$got')"
[ "$got" = "$want" ] || fail "inline: expected $(printf %q "$want"), got $(printf %q "$got")"
printf 'PING\n\r\nECHO '\''y z'\''\r\n' >&3
want=$'+PONG\r\n$3\r\ny z\r\n'
IFS= read -r -t 5 -N "${#want}" -u 3 got || fail "inline 2: no complete reply (got '$got')"
[ "$got" = "$want" ] || fail "inline 2: expected $(printf %q "$want"), got $(printf %q "$got")"
printf 'QUIT\r\n' >&3
IFS= read -r -t 5 -N 5 -u 3 got || fail "QUIT: no reply"
[ "$got" = $'+OK\r\n' ] || fail "QUIT: expected +OK, got $(printf %q "$got")"
if IFS= read -r -t 5 -N 1 -u 3 extra; then
    fail "connection still open after QUIT (read $(printf %q "$extra"))"
fi
exec 3>&-
expect "a b" get x

# SIGTERM: exit status 0 within the bound
kill -TERM "$pid"
for _ in $(seq "$poll_tries"); do
    kill -0 "$pid" 2>/dev/null || break
    sleep "$poll_step"
done
kill -0 "$pid" 2>/dev/null && fail "tidecache still running 10 s after SIGTERM"
wait "$pid"
status=$?
pid=
[ "$status" -eq 0 ] || fail "tidecache exited with status $status after SIGTERM"
echo "redis_cli.sh: all checks passed"
