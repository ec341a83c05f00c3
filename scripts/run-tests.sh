#!/usr/bin/env bash
# Run every test binary and test script, then print one summary line:
# "N passed, N failed". Check suites count their checks; a test script counts
# as one test. Exit status is non-zero when anything failed.
#   BUILD=build/sanitize scripts/run-tests.sh   (as `make test SANITIZE=...` does)
set -u
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
export TIDECACHE_BIN="$PWD/$BUILD/tidecache"
export TIDECACHE_SRCDIR="$PWD"
export CK_DEFAULT_TIMEOUT=${CK_DEFAULT_TIMEOUT:-120}
export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=0:detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

passed=0
failed=0
failed_names=()
log_dir=$(mktemp -d)
trap 'rm -rf "$log_dir"' EXIT

run_check_binary() {
    local bin=$1 name out
    name=$(basename "$bin")
    out="$log_dir/$name.log"
    "$bin" >"$out" 2>&1
    local rc=$?
    # Check prints "NN%: Checks: X, Failures: F, Errors: E"
    local line
    line=$(grep -E '^[0-9]+%: Checks: [0-9]+' "$out" | tail -n 1)
    if [ -n "$line" ]; then
        local checks failures errors
        checks=$(sed -E 's/.*Checks: ([0-9]+).*/\1/' <<<"$line")
        failures=$(sed -E 's/.*Failures: ([0-9]+).*/\1/' <<<"$line")
        errors=$(sed -E 's/.*Errors: ([0-9]+).*/\1/' <<<"$line")
        passed=$((passed + checks - failures - errors))
        failed=$((failed + failures + errors))
        if [ "$rc" -ne 0 ] && [ $((failures + errors)) -eq 0 ]; then
            failed=$((failed + 1))
        fi
    else
        failed=$((failed + 1))
        rc=1
    fi
    printf '%-28s %s\n' "$name" "${line:-crashed (exit $rc)}"
    if [ "$rc" -ne 0 ]; then
        failed_names+=("$name")
        grep -vE '^(Running suite|[0-9]+%: Checks)' "$out" | head -n 40
    fi
}

run_script() {
    local script=$1 name out
    name=$(basename "$script")
    out="$log_dir/$name.log"
    if bash "$script" >"$out" 2>&1; then
        passed=$((passed + 1))
        printf '%-28s ok\n' "$name"
    else
        failed=$((failed + 1))
        failed_names+=("$name")
        printf '%-28s FAILED\n' "$name"
        tail -n 40 "$out"
    fi
}

for bin in "$BUILD"/tests/check_*; do
    [ -x "$bin" ] && run_check_binary "$bin"
done
for bin in "$BUILD"/tests/it_*; do
    [ -x "$bin" ] && run_check_binary "$bin"
done
# Each fuzz target replays its checked-in seeds and saved regressions.
run_replay() {
    local bin=$1 name target out
    name=$(basename "$bin")
    target=${name#replay_}
    out="$log_dir/$name.log"
    local inputs=()
    for d in "tests/fuzz/corpus/$target" "tests/fuzz/regressions/$target"; do
        [ -d "$d" ] && inputs+=("$d")
    done
    if [ ${#inputs[@]} -eq 0 ] || "$bin" "${inputs[@]}" >"$out" 2>&1; then
        passed=$((passed + 1))
        printf '%-28s %s\n' "$name" "$(tail -n 1 "$out" 2>/dev/null)"
    else
        failed=$((failed + 1))
        failed_names+=("$name")
        printf '%-28s FAILED\n' "$name"
        tail -n 40 "$out"
    fi
}
for bin in "$BUILD"/tests/replay_*; do
    [ -x "$bin" ] && run_replay "$bin"
done
for script in tests/scripts/*.sh; do
    [ -f "$script" ] && run_script "$script"
done

if [ ${#failed_names[@]} -gt 0 ]; then
    echo "failed: ${failed_names[*]}"
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
