#!/bin/sh
# Install the Debian packages tidecache needs, only those that are missing.
#   scripts/deps.sh build   compiler, make, pkg-config, libevent, jemalloc, Lua 5.1
#                           with lua-cjson and lua-bitop
#   scripts/deps.sh test    build + Check, hiredis, redis-tools (redis-cli)
#   scripts/deps.sh bench   build + redis-server and redis-benchmark
#   scripts/deps.sh fuzz    clang with libFuzzer and the sanitizer runtimes,
#                           llvm-cov/llvm-profdata, libevent
# Quick when everything is there: one dpkg-query, no network.
set -eu

mode=${1:-build}
build_pkgs="gcc make pkg-config libevent-dev libjemalloc-dev liblua5.1-0-dev lua-cjson-dev lua-bitop-dev"
case "$mode" in
build) pkgs="$build_pkgs" ;;
test) pkgs="$build_pkgs check libhiredis-dev redis-tools python3-redis python3-django python3-django-redis python3-limits systemd man-db groff-base"
    # node and npm run tests/clients; Debian's only where none is installed
    command -v node >/dev/null 2>&1 || pkgs="$pkgs nodejs"
    command -v npm >/dev/null 2>&1 || pkgs="$pkgs npm" ;;
bench) pkgs="$build_pkgs redis-server redis-tools" ;;
fuzz) pkgs="make pkg-config libevent-dev liblua5.1-0-dev lua-cjson-dev lua-bitop-dev clang libclang-rt-dev llvm" ;;
*) echo "usage: $0 build|test|bench|fuzz" >&2; exit 2 ;;
esac

missing=""
for p in $pkgs; do
    status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
    case "$status" in
    *" installed") ;;
    *) missing="$missing $p" ;;
    esac
done
[ -z "$missing" ] && exit 0

echo "deps: installing$missing" >&2
if [ "$(id -u)" -eq 0 ]; then
    sudo=""
elif command -v sudo >/dev/null 2>&1; then
    sudo="sudo"
else
    echo "deps: missing packages:$missing (run as root or install them)" >&2
    exit 1
fi
export DEBIAN_FRONTEND=noninteractive
# shellcheck disable=SC2086
$sudo apt-get install -y -q --no-install-recommends $missing >/dev/null 2>&1 || {
    $sudo apt-get update -q >/dev/null
    # shellcheck disable=SC2086
    $sudo apt-get install -y -q --no-install-recommends $missing >/dev/null
}
# Debian starts redis-server when it is installed; the benchmark starts its
# own on a free port, so the packaged service is stopped to leave 6379 free.
case "$missing" in
*redis-server*)
    if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
        $sudo systemctl disable --now redis-server >/dev/null 2>&1 || true
    else
        $sudo service redis-server stop >/dev/null 2>&1 || true
    fi
    ;;
esac
