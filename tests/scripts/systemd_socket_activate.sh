#!/usr/bin/env bash
# Socket activation as systemd itself implements it: systemd-socket-activate
# opens a TCP and a unix listening socket, passes them as descriptors 3 and
# 4 (LISTEN_FDS, LISTEN_PID, LISTEN_FDNAMES) and execs tidecache, which must
# serve both, open nothing of its own, and leave the unix socket in place.
# Run by scripts/run-tests.sh; exits non-zero on the first failure.
# Every wait is bounded: 200 polls of 0.05 s at most.
set -u

root=$(cd "$(dirname "$0")/../.." && pwd)
bin=${TIDECACHE_BIN:-$root/build/tidecache}
poll_tries=200
poll_step=0.05

fail() {
    echo "FAIL: $*" >&2
    [ -f "${dir:-/nonexistent}/out" ] && tail -n 20 "$dir/out" >&2
    exit 1
}

command -v systemd-socket-activate >/dev/null || fail "systemd-socket-activate not installed (package systemd)"
command -v redis-cli >/dev/null || fail "redis-cli not installed"
[ -x "$bin" ] || fail "no tidecache binary at $bin"

dir=$(mktemp -d /tmp/tidecache-activate-XXXXXX)
pid=
cleanup() {
    if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
        kill -KILL "$pid" 2>/dev/null
        wait "$pid" 2>/dev/null
    fi
    rm -rf "$dir"
}
trap cleanup EXIT

free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}
port=$(free_port)
own_port=$(free_port)
sock="$dir/tidecache.sock"

# The config asks for a port of its own; with sockets passed it must stay shut.
printf 'port %s\nbind 127.0.0.1\n' "$own_port" >"$dir/tidecache.conf"
systemd-socket-activate -l "127.0.0.1:$port" -l "$sock" --fdname=tcp:unix \
    "$bin" "$dir/tidecache.conf" >"$dir/out" 2>&1 &
pid=$! # systemd-socket-activate execs tidecache: the same process

ready=0
for _ in $(seq "$poll_tries"); do
    if [ "$(timeout 5 redis-cli -p "$port" ping 2>/dev/null)" = PONG ]; then
        ready=1
        break
    fi
    kill -0 "$pid" 2>/dev/null || fail "exited during startup"
    sleep "$poll_step"
done
[ "$ready" = 1 ] || fail "no PONG on the passed TCP socket within 10 s"

[ "$(timeout 5 redis-cli -s "$sock" set k "over unix")" = OK ] || fail "SET over the passed unix socket"
[ "$(timeout 5 redis-cli -p "$port" get k)" = "over unix" ] || fail "GET over the passed TCP socket"
if timeout 5 redis-cli -p "$own_port" ping >/dev/null 2>&1; then
    fail "the config's own port was opened as well"
fi
grep -q "serving 2 sockets passed by the service manager" "$dir/out" || fail "no log line for the passed sockets"

kill -TERM "$pid"
for _ in $(seq "$poll_tries"); do
    kill -0 "$pid" 2>/dev/null || break
    sleep "$poll_step"
done
kill -0 "$pid" 2>/dev/null && fail "still running 10 s after SIGTERM"
wait "$pid"
status=$?
pid=
[ "$status" -eq 0 ] || fail "exit status $status after SIGTERM"
[ -S "$sock" ] || fail "the passed unix socket was removed"
echo "systemd_socket_activate.sh: all checks passed"
