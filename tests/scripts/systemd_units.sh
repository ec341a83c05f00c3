#!/usr/bin/env bash
# The systemd units: `systemd-analyze verify` reports nothing, and the
# service's sandbox keeps an overall exposure of at most 1.0 in
# `systemd-analyze security` (0 is best, 10 worst).
#
# verify needs ExecStart's binary to exist, so it checks a copy of the units
# with ExecStart pointing at the binary under test and the sample config;
# the man pages of Documentation= are checked by systemd_install.sh.
# Run by scripts/run-tests.sh; exits non-zero on the first failure.
set -u

root=$(cd "$(dirname "$0")/../.." && pwd)
bin=${TIDECACHE_BIN:-$root/build/tidecache}
max_exposure=1.0
max_exposure_tenths=10 # --threshold takes tenths: 10 is 1.0

fail() {
    echo "FAIL: $*" >&2
    exit 1
}

command -v systemd-analyze >/dev/null || fail "systemd-analyze not installed (package systemd)"
[ -x "$bin" ] || fail "no tidecache binary at $bin"

dir=$(mktemp -d /tmp/tidecache-units-XXXXXX)
trap 'rm -rf "$dir"' EXIT

# --- security exposure of the unit as shipped
report=$(timeout 60 systemd-analyze security --offline=true "$root/systemd/tidecache.service" 2>&1)
line=$(grep -E "Overall exposure level" <<<"$report")
[ -n "$line" ] || fail "no exposure level in: $report"
exposure=$(sed -E 's/.*: ([0-9]+\.[0-9]+).*/\1/' <<<"$line")
echo "exposure: $exposure (at most $max_exposure)"
awk -v e="$exposure" -v m="$max_exposure" 'BEGIN { exit !(e <= m) }' ||
    fail "exposure $exposure above $max_exposure:
$(grep -E '^✗' <<<"$report")"
timeout 60 systemd-analyze security --offline=true --threshold="$max_exposure_tenths" \
    "$root/systemd/tidecache.service" >/dev/null ||
    fail "systemd-analyze security --threshold=$max_exposure_tenths failed"

# --- the units load cleanly
grep -q '^ExecStart=/usr/local/bin/tidecache /etc/tidecache/tidecache.conf$' \
    "$root/systemd/tidecache.service" || fail "ExecStart is not the installed path"
grep -q '^Type=notify$' "$root/systemd/tidecache.service" || fail "not Type=notify"
sed "s|^ExecStart=/usr/local/bin/tidecache /etc/tidecache/tidecache.conf\$|ExecStart=$bin $root/conf/tidecache.conf|" \
    "$root/systemd/tidecache.service" >"$dir/tidecache.service"
cp "$root/systemd/tidecache.socket" "$dir/tidecache.socket"
out=$(cd "$dir" && timeout 60 systemd-analyze verify --man=no ./tidecache.service ./tidecache.socket 2>&1)
status=$?
[ "$status" -eq 0 ] && [ -z "$out" ] || fail "systemd-analyze verify (exit $status):
$out"

# --- ExecStart's command line is one the binary accepts
"$bin" -t "$root/conf/tidecache.conf" >/dev/null || fail "the unit's config does not load"
echo "systemd_units.sh: all checks passed"
