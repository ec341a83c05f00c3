# shellcheck shell=bash
# Shared by the tests/scripts/client_*.sh tests (sourced, not run): start
# tidecache on a free loopback port with a temporary config, wait for it to
# answer, run the client programs of tests/clients against it (directly or
# through a logging proxy), and stop it with SIGTERM expecting exit status 0.
#
# The sourcing script sets `test_name` first, and may set `client_timeout_s`
# after sourcing. After `tc_start` it has:
#   root       the repository
#   dir        a temporary directory, removed on exit
#   port       the port tidecache listens on (127.0.0.1)
#   pid        the server's process id
# Every wait is bounded: tc_poll_tries polls of tc_poll_step seconds.

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
bin=${TIDECACHE_BIN:-$root/build/tidecache}
clients_dir=$root/tests/clients
py=/usr/bin/python3          # Debian's python3, the one python3-redis is for
tc_poll_tries=200            # x tc_poll_step seconds = 10 s
tc_poll_step=0.05
client_timeout_s=60          # bound on one run of a client program (tc_client)
dir=
pid=
port=
tc_extra_pids=()

fail() {
    echo "FAIL: ${test_name:-client test}: $*" >&2
    if [ -n "$dir" ] && [ -f "$dir/tidecache.log" ]; then
        echo "--- server log (last 20 lines) ---" >&2
        tail -n 20 "$dir/tidecache.log" >&2
    fi
    exit 1
}

tc_cleanup() {
    local p
    for p in "${tc_extra_pids[@]}"; do
        kill -TERM "$p" 2>/dev/null
        wait "$p" 2>/dev/null
    done
    if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
        kill -KILL "$pid" 2>/dev/null
        wait "$pid" 2>/dev/null
    fi
    [ -n "$dir" ] && rm -rf "$dir"
}
trap tc_cleanup EXIT

# tc_free_port: print a TCP port on 127.0.0.1 that nothing listens on now.
tc_free_port() {
    "$py" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

# tc_ping PORT: true when a server on PORT answers PING with +PONG within 2 s.
tc_ping() {
    "$py" - "$1" <<'EOF' 2>/dev/null
import socket, sys
try:
    s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=2)
    s.sendall(b"*1\r\n$4\r\nPING\r\n")
    got = b""
    while len(got) < 7:
        chunk = s.recv(64)
        if not chunk:
            break
        got += chunk
    sys.exit(0 if got == b"+PONG\r\n" else 1)
except OSError:
    sys.exit(1)
EOF
}

# tc_start: write a config, start tidecache, wait for PONG.
tc_start() {
    [ -x "$bin" ] || fail "no tidecache binary at $bin (run make build/tidecache)"
    dir=$(mktemp -d /tmp/tidecache-client-XXXXXX)
    port=$(tc_free_port) || fail "cannot find a free port"
    {
        echo "port $port"
        echo "bind 127.0.0.1"
        echo "logfile \"$dir/tidecache.log\""
    } >"$dir/tidecache.conf"
    "$bin" "$dir/tidecache.conf" &
    pid=$!
    local _
    for _ in $(seq "$tc_poll_tries"); do
        tc_ping "$port" && return 0
        kill -0 "$pid" 2>/dev/null || fail "tidecache exited during startup"
        sleep "$tc_poll_step"
    done
    fail "tidecache did not answer PING within 10 s"
}

# tc_stop: SIGTERM, wait bounded, require exit status 0.
tc_stop() {
    local _ status
    kill -TERM "$pid" || fail "cannot signal tidecache"
    for _ in $(seq "$tc_poll_tries"); do
        kill -0 "$pid" 2>/dev/null || break
        sleep "$tc_poll_step"
    done
    kill -0 "$pid" 2>/dev/null && fail "tidecache still running 10 s after SIGTERM"
    wait "$pid"
    status=$?
    pid=
    [ "$status" -eq 0 ] || fail "tidecache exited with status $status after SIGTERM"
}

# tc_proxy_start: start tests/clients/resp_proxy.py in front of the server;
# sets proxy_port and proxy_log (one line per command and per reply).
tc_proxy_start() {
    proxy_port=$(tc_free_port) || fail "cannot find a free port for the proxy"
    proxy_log=$dir/proxy.log
    "$py" "$clients_dir/resp_proxy.py" --listen "$proxy_port" --target "$port" \
        --log "$proxy_log" --max-seconds 120 &
    tc_extra_pids+=($!)
    local _
    for _ in $(seq "$tc_poll_tries"); do
        [ -s "$proxy_log" ] && return 0
        sleep "$tc_poll_step"
    done
    fail "the logging proxy did not start within 10 s"
}

# tc_node_modules: install the node packages of tests/clients from the
# lockfile when they are missing (npm ci; the registry is the only network).
tc_node_modules() {
    command -v node >/dev/null || fail "node is not installed (scripts/deps.sh test installs it)"
    command -v npm >/dev/null || fail "npm is not installed (scripts/deps.sh test installs it)"
    local want
    for want in "$@"; do
        [ -f "$clients_dir/node_modules/$want/package.json" ] && continue
        echo "installing node packages in tests/clients (npm ci)" >&2
        (cd "$clients_dir" && timeout 300 npm ci --no-audit --no-fund --loglevel=error) ||
            fail "npm ci in tests/clients failed"
        break
    done
    for want in "$@"; do
        [ -f "$clients_dir/node_modules/$want/package.json" ] || fail "node package $want missing after npm ci"
    done
}

# tc_node_library LABEL PACKAGE...: tc_node_modules PACKAGE..., then print
# LABEL with the first PACKAGE's version and node's.
tc_node_library() {
    local label=$1
    shift
    tc_node_modules "$@"
    echo "$label $(node -p 'require(process.argv[1]).version' "$clients_dir/node_modules/$1/package.json") on node $(node --version)"
}

# tc_python_library PACKAGES CODE: run the python CODE, which prints the
# library's name and version, and print that with the interpreter; `version`
# keeps what CODE printed. Fails naming the Debian PACKAGES when CODE fails.
tc_python_library() {
    version=$("$py" -c "$2" 2>/dev/null) ||
        fail "not installed for $py: $1 (scripts/deps.sh test installs it)"
    echo "$version ($py)"
}

# tc_run_client PORT PROGRAM [ARG...]: run tests/clients/PROGRAM ($py for
# .py, writing no bytecode next to it; node for .js) with PORT and the ARGs,
# bounded by client_timeout_s seconds; its exit status.
tc_run_client() {
    local to_port=$1 program=$2 interpreter
    shift 2
    case $program in
    *.py) interpreter=("$py" -B) ;;
    *.js) interpreter=(node) ;;
    *) fail "no interpreter for $program" ;;
    esac
    timeout "$client_timeout_s" "${interpreter[@]}" "$clients_dir/$program" "$to_port" "$@"
}

# tc_client WHAT PROGRAM [ARG...]: run PROGRAM against the server, its output
# shown; fail naming WHAT unless it exits 0.
tc_client() {
    local what=$1
    shift
    tc_run_client "$port" "$@" || fail "$what (exit $?)"
}

# tc_client_proxied WHAT PROGRAM [ARG...]: start the logging proxy, run
# PROGRAM through it with its output kept in $dir/proxied.out (shown when it
# fails; fail naming WHAT unless it exits 0), then wait for its connections to
# close so that $proxy_log is complete.
tc_client_proxied() {
    local what=$1 status
    shift
    tc_proxy_start
    tc_run_client "$proxy_port" "$@" >"$dir/proxied.out" 2>&1 || {
        status=$?
        cat "$dir/proxied.out"
        fail "$what through the logging proxy (exit $status)"
    }
    tc_proxy_wait_closed
}

# tc_proxy_wait_closed: wait (bounded) until every connection the proxy
# accepted has closed, so its log is complete.
tc_proxy_wait_closed() {
    local _ opened closed
    for _ in $(seq "$tc_poll_tries"); do
        opened=$(grep -c ' connected$' "$proxy_log")
        closed=$(grep -c ' closed$' "$proxy_log")
        [ "$opened" -gt 0 ] && [ "$opened" -eq "$closed" ] && return 0
        sleep "$tc_poll_step"
    done
    echo "note: the proxy still has open connections after 10 s" >&2
}
