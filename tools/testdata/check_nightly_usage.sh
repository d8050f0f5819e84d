#!/usr/bin/env bash
# ctest tool.nightly-usage: `./closesem nightly` and tools/nightly.sh refuse a target list
# they cannot run as given (a target twice would run its fuzzers twice into the same
# folders; a name not in fuzz/fuzz_*.cpp; an empty name) with exit status 2 and a message
# naming the culprit, before they build, fuzz or make a report folder; a good list passes.
#   check_nightly_usage.sh WORK
# CHECK_NIGHTLY_SCRIPT (default tools/nightly.sh) is the job under test.
set -uo pipefail
work="$1"
top="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
script="${CHECK_NIGHTLY_SCRIPT:-$top/tools/nightly.sh}"
rm -rf "$work"
mkdir -p "$work"
failures=0

# expect STATUS REGEX COMMAND...: COMMAND exits STATUS and its output matches REGEX.
expect() {
  local status="$1" regex="$2" rc
  shift 2
  "$@" >"$work/out" 2>&1
  rc=$?
  if [ "$rc" != "$status" ] || { [ -n "$regex" ] && ! grep -qE -- "$regex" "$work/out"; }; then
    echo "check_nightly_usage: FAILED: $* exited $rc (expected $status), output (expected to match '$regex'):" >&2
    sed 's/^/  | /' "$work/out" >&2
    failures=$((failures + 1))
  else
    echo "check_nightly_usage: ok: $* -> $rc"
  fi
}

expect 2 "fuzz target 'fuzz_linger' is given more than once in --targets 'fuzz_linger,fuzz_linger'" \
  bash "$script" --check-usage --targets fuzz_linger,fuzz_linger
expect 2 "fuzz target 'fuzz_linger' is given more than once" \
  bash "$script" --check-usage --targets fuzz_linger,fuzz_handles,fuzz_linger
# (the front end asks the job before it installs or builds anything)
expect 2 "fuzz target 'fuzz_handles' is given more than once" \
  bash "$top/closesem" nightly --budget 5 --targets fuzz_handles,fuzz_handles
expect 2 "unknown fuzz target 'fuzz_nosuch' in --targets" \
  bash "$top/closesem" nightly --targets fuzz_linger,fuzz_nosuch
# (a path that happens to name a target's source is no target name)
expect 2 "unknown fuzz target '../fuzz/fuzz_linger' in --targets" \
  bash "$script" --check-usage --targets ../fuzz/fuzz_linger
expect 2 "unknown fuzz target '' in --targets" \
  bash "$script" --check-usage --targets fuzz_linger,,fuzz_handles
# The whole job, not only the check: refused before a report folder is made.
expect 2 "given more than once" \
  bash "$script" --build "$work/no-build" --engine replay --reports "$work/reports" --budget 5 \
    --targets fuzz_linger,fuzz_linger
if [ -e "$work/reports" ]; then
  echo "check_nightly_usage: FAILED: a refused job made $work/reports" >&2
  failures=$((failures + 1))
fi
expect 0 "" bash "$script" --check-usage --targets fuzz_linger,fuzz_handles
expect 0 "Usage: ./closesem nightly" bash "$script" --help

[ "$failures" = 0 ] || { echo "check_nightly_usage: $failures check(s) failed" >&2; exit 1; }
echo "check_nightly_usage: every bad target list refused with exit status 2"
