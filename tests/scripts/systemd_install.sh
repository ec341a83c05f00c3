#!/usr/bin/env bash
# `make install DESTDIR=...` puts the binary, the config (never over an
# existing one), the units and both man pages where they belong; the
# installed units pass `systemd-analyze verify` with their man pages found;
# `man -l` renders both pages without a warning; `make uninstall` removes
# everything but the config.
# Run by scripts/run-tests.sh; exits non-zero on the first failure.
set -u

root=$(cd "$(dirname "$0")/../.." && pwd)
build=${BUILD:-build}
prefix=/usr/local

fail() {
    echo "FAIL: $*" >&2
    exit 1
}

for tool in man systemd-analyze; do
    command -v "$tool" >/dev/null || fail "$tool not installed (scripts/deps.sh test)"
done

dest=$(mktemp -d /tmp/tidecache-install-XXXXXX)
trap 'rm -rf "$dest"' EXIT

mk() {
    # A make of its own: not a sub-make of `make test`'s jobserver.
    env -u MAKEFLAGS -u MAKELEVEL -u MFLAGS \
        timeout 300 make -s -C "$root" BUILD="$build" SANITIZE="${SANITIZE:-}" PREFIX="$prefix" DESTDIR="$dest" "$@"
}

mk install >"$dest.log" 2>&1 || fail "make install: $(tail -n 20 "$dest.log")"
rm -f "$dest.log"

files=(
    "$prefix/bin/tidecache"
    /etc/tidecache/tidecache.conf
    "$prefix/lib/systemd/system/tidecache.service"
    "$prefix/lib/systemd/system/tidecache.socket"
    "$prefix/share/man/man1/tidecache.1"
    "$prefix/share/man/man5/tidecache.conf.5"
)
for f in "${files[@]}"; do
    [ -f "$dest$f" ] || fail "not installed: $f"
done
[ -x "$dest$prefix/bin/tidecache" ] || fail "binary not executable"
cmp -s "$root/conf/tidecache.conf" "$dest/etc/tidecache/tidecache.conf" || fail "config differs"
grep -q "^ExecStart=$prefix/bin/tidecache /etc/tidecache/tidecache.conf\$" \
    "$dest$prefix/lib/systemd/system/tidecache.service" || fail "ExecStart not at $prefix/bin"

# An operator's config survives a second install.
echo "port 7000" >"$dest/etc/tidecache/tidecache.conf"
mk install >/dev/null 2>&1 || fail "second make install"
[ "$(cat "$dest/etc/tidecache/tidecache.conf")" = "port 7000" ] || fail "install overwrote the config"
cp "$root/conf/tidecache.conf" "$dest/etc/tidecache/tidecache.conf"

# The installed units, with ExecStart moved into the staging root (verify
# needs the binary to exist), and man: links resolved in the staging root.
unitdir="$dest/verify"
mkdir -p "$unitdir"
sed "s|^ExecStart=$prefix/bin/tidecache /etc/|ExecStart=$dest$prefix/bin/tidecache $dest/etc/|" \
    "$dest$prefix/lib/systemd/system/tidecache.service" >"$unitdir/tidecache.service"
cp "$dest$prefix/lib/systemd/system/tidecache.socket" "$unitdir/"
out=$(cd "$unitdir" && MANPATH="$dest$prefix/share/man" \
    timeout 60 systemd-analyze verify ./tidecache.service ./tidecache.socket 2>&1)
status=$?
[ "$status" -eq 0 ] && [ -z "$out" ] || fail "systemd-analyze verify (exit $status):
$out"

# Both pages render, without a single warning.
for page in man1/tidecache.1 man5/tidecache.conf.5; do
    f="$dest$prefix/share/man/$page"
    warnings=$(MANWIDTH=80 timeout 60 man --warnings -l "$f" 2>&1 >"$dest/page.txt")
    [ -z "$warnings" ] || fail "man -l $page:
$warnings"
    [ "$(wc -l <"$dest/page.txt")" -gt 20 ] || fail "man -l $page rendered almost nothing"
done
# The conf page documents every option the binary knows.
MANWIDTH=200 man -l "$dest$prefix/share/man/man5/tidecache.conf.5" 2>/dev/null >"$dest/conf5.txt"
options=$("$dest$prefix/bin/tidecache" --help | sed -nE 's/^  ([a-z][a-z-]*) .*/\1/p' |
    sort -u)
for opt in $options; do
    grep -qE "^ +$opt( |$)" "$dest/conf5.txt" || fail "tidecache.conf(5) misses $opt"
done

mk uninstall >/dev/null 2>&1 || fail "make uninstall"
for f in "${files[@]}"; do
    [ "$f" = /etc/tidecache/tidecache.conf ] && continue
    [ ! -e "$dest$f" ] || fail "not uninstalled: $f"
done
[ -f "$dest/etc/tidecache/tidecache.conf" ] || fail "uninstall removed the config"
echo "systemd_install.sh: all checks passed"
